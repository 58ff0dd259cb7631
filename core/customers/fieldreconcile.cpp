#include "customers/fieldreconcile.h"

using namespace Qt::StringLiterals;

namespace pb::customers {

QString fieldActionName(FieldAction action)
{
    switch (action) {
    case FieldAction::None:
        return u"none"_s;
    case FieldAction::WriteMagento:
        return u"write_magento"_s;
    case FieldAction::WritePayTrace:
        return u"write_paytrace"_s;
    case FieldAction::Adopt:
        return u"adopt"_s;
    case FieldAction::AskPerson:
        return u"ask"_s;
    }
    return u"none"_s;
}

namespace {

// Writes `towards` side's value unless it is empty (never erase the other side).
void write(FieldDecision &d, bool toPayTrace)
{
    const QString &value = toPayTrace ? d.magento : d.paytrace;
    if (value.isEmpty()) {
        d.action = FieldAction::None;
        return;
    }
    d.action = toPayTrace ? FieldAction::WritePayTrace : FieldAction::WriteMagento;
    d.value = value;
}

void decideByDirection(FieldDecision &d, mapping::FieldDirection direction)
{
    switch (direction) {
    case mapping::FieldDirection::MagentoWins:
        write(d, true);
        return;
    case mapping::FieldDirection::PayTraceWins:
        write(d, false);
        return;
    case mapping::FieldDirection::Ask:
        d.action = FieldAction::AskPerson;
        return;
    }
}

} // namespace

FieldDecision reconcileField(CustomerField field, mapping::FieldDirection direction,
                             const std::optional<QString> &base, const QString &magento, const QString &paytrace,
                             const QList<DismissedDifference> &dismissed)
{
    FieldDecision d;
    d.field = field;
    d.base = base.value_or(QString());
    d.magento = magento;
    d.paytrace = paytrace;

    if (magento == paytrace) {
        if (!base || *base != magento) {
            d.action = FieldAction::Adopt;
            d.value = magento;
        }
        return d;
    }
    for (const DismissedDifference &x : dismissed) {
        if (x.field == field && x.magento == magento && x.paytrace == paytrace)
            return d; // a person said to leave exactly this difference alone
    }

    if (!base) {
        // Linked just now: no change to tell from another, only a difference. A side with
        // nothing takes the other's value whatever the direction; that is not a decision.
        if (paytrace.isEmpty())
            write(d, true);
        else if (magento.isEmpty())
            write(d, false);
        else
            decideByDirection(d, direction);
        return d;
    }

    const bool magentoChanged = magento != *base;
    const bool paytraceChanged = paytrace != *base;
    if (magentoChanged && paytraceChanged) {
        d.conflict = true;
        decideByDirection(d, direction);
        return d;
    }
    // One side changed (both unchanged is impossible here: the sides differ).
    if (direction == mapping::FieldDirection::Ask) {
        d.action = FieldAction::AskPerson;
        return d;
    }
    write(d, magentoChanged);
    return d;
}

QList<FieldDecision> reconcileFields(const std::optional<CustomerFieldValues> &base,
                                     const CustomerFieldValues &magento, const CustomerFieldValues &paytrace,
                                     const QMap<CustomerField, mapping::FieldDirection> &directions,
                                     const QList<DismissedDifference> &dismissed)
{
    QList<FieldDecision> out;
    for (CustomerField f : kCustomerFields) {
        const std::optional<QString> b = base ? std::optional<QString>(base->value(f)) : std::nullopt;
        out.append(reconcileField(f, directions.value(f, mapping::FieldDirection::MagentoWins), b, magento.value(f),
                                  paytrace.value(f), dismissed));
    }
    return out;
}

CustomerFieldValues nextBase(const std::optional<CustomerFieldValues> &base, const QList<FieldDecision> &decisions)
{
    CustomerFieldValues out = base.value_or(CustomerFieldValues{});
    for (const FieldDecision &d : decisions) {
        if (d.action == FieldAction::Adopt)
            out.setValue(d.field, d.value);
    }
    return out;
}

} // namespace pb::customers
