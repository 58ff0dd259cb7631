#include "sync/storestatuses.h"

#include <QHash>
#include <QSqlError>
#include <QSqlQuery>

#include <algorithm>
#include <tuple>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

// Labels Magento installs with its statuses (sales_order_status); the REST API does not give them.
QString builtInLabel(const QString &status)
{
    static const QHash<QString, QString> labels = {
        {u"pending"_s, u"Pending"_s},         {u"pending_payment"_s, u"Pending Payment"_s},
        {u"processing"_s, u"Processing"_s},   {u"fraud"_s, u"Suspected Fraud"_s},
        {u"complete"_s, u"Complete"_s},       {u"closed"_s, u"Closed"_s},
        {u"canceled"_s, u"Canceled"_s},       {u"holded"_s, u"On Hold"_s},
        {u"payment_review"_s, u"Payment Review"_s},
    };
    return labels.value(status);
}

int sourceRank(StoreStatus::Source s)
{
    switch (s) {
    case StoreStatus::Source::BuiltIn: return 0;
    case StoreStatus::Source::Declared: return 1;
    case StoreStatus::Source::Observed: return 2;
    }
    return 3;
}

} // namespace

Result<QList<StoreStatus>> storeStatuses(QSqlDatabase &db, const mapping::MappingProfile &profile)
{
    QList<StoreStatus> out;
    const auto find = [&out](const QString &status, const QString &state) -> StoreStatus * {
        for (StoreStatus &s : out) {
            if (s.status == status && s.state == state)
                return &s;
        }
        return nullptr;
    };

    for (const QString &status : mapping::MappingProfile::builtInStatuses())
        out.append({status, profile.stateOfStatus(status), builtInLabel(status), 0, StoreStatus::Source::BuiltIn, {}});
    // Magento installs "fraud" for payment_review too; the profile lists it under processing only.
    if (!find(u"fraud"_s, u"payment_review"_s))
        out.append({u"fraud"_s, u"payment_review"_s, builtInLabel(u"fraud"_s), 0, StoreStatus::Source::BuiltIn, {}});
    for (const mapping::CustomStatus &c : profile.customStatuses()) {
        if (!find(c.code, c.state))
            out.append({c.code, c.state, c.label, 0, StoreStatus::Source::Declared, {}});
    }

    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(u"SELECT state, status, COUNT(*) FROM orders WHERE status <> '' GROUP BY state, status"_s))
        return makeError(u"store.sql"_s, {}, u"cannot count the synced orders by status: "_s + q.lastError().text());
    struct Seen
    {
        QString state, status;
        int orders;
    };
    QList<Seen> seen;
    while (q.next())
        seen.append({q.value(0).toString(), q.value(1).toString(), q.value(2).toInt()});

    for (const Seen &s : std::as_const(seen)) {
        StoreStatus *known = find(s.status, s.state);
        if (!known && s.state.isEmpty()) {
            // An order synced without its state: count it where the status is known to belong.
            for (StoreStatus &k : out) {
                if (k.status == s.status && k.source != StoreStatus::Source::Observed) {
                    known = &k;
                    break;
                }
            }
        }
        if (known) {
            known->orders += s.orders;
            continue;
        }
        StoreStatus added{s.status, s.state, {}, s.orders, StoreStatus::Source::Observed, {}};
        QStringList elsewhere;
        QString label;
        for (const StoreStatus &k : std::as_const(out)) {
            if (k.status == s.status && k.source != StoreStatus::Source::Observed) {
                elsewhere << k.state;
                label = k.label;
            }
        }
        if (!elsewhere.isEmpty()) {
            // Legal in Magento (a status can be assigned to several states), but worth knowing:
            // a status-map entry moves an order only while it is in the state the map expects.
            added.label = label;
            added.note = u"'%1' is %2 for state %3 but %4 synced order(s) carry it in state %5"_s.arg(
                s.status,
                find(s.status, elsewhere.first())->source == StoreStatus::Source::BuiltIn ? u"installed"_s : u"declared"_s,
                elsewhere.join(u", "_s), QString::number(s.orders), s.state.isEmpty() ? u"(none)"_s : s.state);
        }
        out.append(added);
    }

    for (StoreStatus &s : out) {
        if (s.source == StoreStatus::Source::Declared && s.orders == 0 && s.note.isEmpty())
            s.note = u"declared in the profile; no synced order carries it yet"_s;
    }

    const QStringList states = mapping::MappingProfile::magentoStates();
    const auto stateRank = [&states](const QString &state) {
        const qsizetype i = states.indexOf(state);
        return i < 0 ? states.size() : i;
    };
    std::stable_sort(out.begin(), out.end(), [&](const StoreStatus &a, const StoreStatus &b) {
        const auto ka = std::tuple(stateRank(a.state), sourceRank(a.source));
        const auto kb = std::tuple(stateRank(b.state), sourceRank(b.source));
        if (ka != kb)
            return ka < kb;
        // Installed statuses keep Magento's order (the state's default first); others by code.
        if (a.source == StoreStatus::Source::BuiltIn)
            return false;
        return a.status < b.status;
    });
    return out;
}

} // namespace pb::sync
