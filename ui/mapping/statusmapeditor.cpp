#include "statusmapeditor.h"

#include "mappingdraft.h"
#include "mapping/mappingprofile.h"

#include <QComboBox>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QTableWidget>
#include <QSignalBlocker>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

enum Column { EventColumn, StateColumn, StatusColumn, CheckColumn, ColumnCount };

} // namespace

StatusMapEditor::StatusMapEditor(MappingDraft *draft, QWidget *parent)
    : QWidget(parent)
    , m_draft(draft)
{
    setObjectName(u"statusMapEditor"_s);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("What PayBridge sets on the Magento order when a payment event happens. Magento only "
                                "accepts a status of the order's state, and only some states for each event; the "
                                "lists offer what the store has (built-in statuses, those seen on synced orders, "
                                "and the declared custom ones)."));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_table = new QTableWidget(0, ColumnCount);
    m_table->setObjectName(u"statusMapTable"_s);
    m_table->setAccessibleName(tr("Status map"));
    m_table->setHorizontalHeaderLabels({tr("Payment event"), tr("Magento state"), tr("Magento status"), tr("Check")});
    m_table->verticalHeader()->setVisible(false);
    // One line per event, as tall as its combos; the check's full text is in its tooltip.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(QComboBox().sizeHint().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setColumnWidth(EventColumn, 190);
    m_table->setColumnWidth(StateColumn, 190);
    m_table->setColumnWidth(StatusColumn, 330);
    layout->addWidget(m_table);

    m_note = new QLabel;
    m_note->setObjectName(u"statusMapNote"_s);
    m_note->setWordWrap(true);
    layout->addWidget(m_note);

    // What the lists are made of: every status the store has, with its state and use.
    auto *knownTitle = new QLabel(tr("Statuses in this store"));
    QFont bold = knownTitle->font();
    bold.setBold(true);
    knownTitle->setFont(bold);
    layout->addSpacing(6);
    layout->addWidget(knownTitle);
    m_known = new QTableWidget(0, 5);
    m_known->setObjectName(u"storeStatusesTable"_s);
    m_known->setAccessibleName(tr("Statuses in this store"));
    m_known->setHorizontalHeaderLabels({tr("Status"), tr("Label"), tr("State"), tr("Orders now"), tr("Where it comes from")});
    m_known->verticalHeader()->setVisible(false);
    m_known->horizontalHeader()->setStretchLastSection(true);
    m_known->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_known->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_known->setAlternatingRowColors(true);
    m_known->setSortingEnabled(true);
    const int widths[] = {190, 190, 150, 110};
    for (int c = 0; c < 4; ++c)
        m_known->setColumnWidth(c, widths[c]);
    layout->addWidget(m_known, 1);

    // Until the store's statuses are read: the built-in ones.
    const pb::mapping::MappingProfile defaults = pb::mapping::MappingProfile::defaults();
    for (const QString &s : pb::mapping::MappingProfile::builtInStatuses())
        m_statuses.append({s, defaults.stateOfStatus(s), {}, 0, StatusOption::Source::BuiltIn, {}});
    fillKnown();
    connect(m_draft, &MappingDraft::changed, this, [this](const QStringList &paths) {
        bool mine = paths.isEmpty();
        for (const QString &p : paths)
            mine = mine || p.startsWith(u"statusMap"_s) || p.startsWith(u"customStatuses"_s);
        if (mine)
            rebuild();
    });
    rebuild();
}

QStringList StatusMapEditor::eventKeys()
{
    // The order of a payment's life; keys this build does not know are left out, new ones added.
    QStringList order = {u"authorized"_s, u"approved"_s, u"pending_settlement"_s, u"settled"_s, u"declined"_s,
                         u"refunded"_s, u"partially_refunded"_s, u"voided"_s, u"charged_back"_s};
    const QStringList known = pb::mapping::MappingProfile::gatewayStatusKeys();
    QStringList out;
    for (const QString &k : order)
        if (known.contains(k))
            out << k;
    for (const QString &k : known)
        if (!out.contains(k))
            out << k;
    return out;
}

QString StatusMapEditor::eventLabel(const QString &key)
{
    if (key == u"authorized") return tr("Authorized");
    if (key == u"approved") return tr("Approved (sale)");
    if (key == u"pending_settlement") return tr("Pending settlement");
    if (key == u"settled") return tr("Settled");
    if (key == u"declined") return tr("Declined");
    if (key == u"refunded") return tr("Refunded");
    if (key == u"partially_refunded") return tr("Partially refunded");
    if (key == u"voided") return tr("Voided");
    if (key == u"charged_back") return tr("Charged back");
    return key;
}

QStringList StatusMapEditor::allowedStates(const QString &eventKey)
{
    return pb::mapping::MappingProfile::allowedStatesFor(eventKey);
}

void StatusMapEditor::setStatuses(const QList<StatusOption> &statuses)
{
    if (statuses.isEmpty())
        return;
    m_statuses = statuses;
    rebuild();
    fillKnown();
}

void StatusMapEditor::fillKnown()
{
    m_known->setSortingEnabled(false);
    m_known->setRowCount(int(m_statuses.size()));
    for (int i = 0; i < m_statuses.size(); ++i) {
        const StatusOption &o = m_statuses.at(i);
        QString source;
        switch (o.source) {
        case StatusOption::Source::BuiltIn: source = tr("Built into Magento"); break;
        case StatusOption::Source::Observed: source = tr("Custom: seen on synced orders"); break;
        case StatusOption::Source::Declared: source = tr("Custom: declared in the mapping"); break;
        }
        m_known->setItem(i, 0, new QTableWidgetItem(o.status));
        m_known->setItem(i, 1, new QTableWidgetItem(o.label));
        m_known->setItem(i, 2, new QTableWidgetItem(o.state));
        auto *orders = new QTableWidgetItem;
        orders->setData(Qt::DisplayRole, o.orders);
        orders->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_known->setItem(i, 3, orders);
        auto *where = new QTableWidgetItem(o.note.isEmpty() ? source : tr("%1 — %2").arg(source, o.note));
        where->setToolTip(where->text());
        if (!o.note.isEmpty())
            where->setForeground(QColor(0x8a, 0x5a, 0x00));
        m_known->setItem(i, 4, where);
    }
    m_known->setSortingEnabled(true);
    m_known->sortByColumn(2, Qt::AscendingOrder);
}

void StatusMapEditor::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    rebuild();
}

const StatusOption *StatusMapEditor::option(const QString &status) const
{
    for (const StatusOption &o : m_statuses)
        if (o.status == status)
            return &o;
    return nullptr;
}

QString StatusMapEditor::stateOf(const QString &status) const
{
    // The draft's declarations first (they are what Magento will be told), then the store's.
    for (const QJsonValue &v : m_draft->value(u"customStatuses"_s).toArray())
        if (v.toObject().value(u"code"_s).toString() == status)
            return v.toObject().value(u"state"_s).toString();
    if (const StatusOption *o = option(status))
        return o->state;
    static const pb::mapping::MappingProfile defaults = pb::mapping::MappingProfile::defaults();
    return defaults.stateOfStatus(status);
}

QString StatusMapEditor::problemText(const QString &eventKey) const
{
    const QJsonValue v = m_draft->value(u"statusMap."_s + eventKey);
    const auto &valid = m_draft->validated();
    if (!valid && valid.error().field == u"statusMap."_s + eventKey)
        return valid.error().message;
    if (!v.isString())
        return {};
    const QString status = v.toString();
    const QString state = stateOf(status);
    if (state.isEmpty())
        return tr("'%1' is not a status this store has").arg(status);
    const QStringList allowed = allowedStates(eventKey);
    if (!allowed.contains(state))
        return tr("'%1' belongs to state %2; Magento puts an order in %3 when it is %4")
            .arg(status, state, allowed.join(tr(" or ")), eventLabel(eventKey).toLower());
    return {};
}

void StatusMapEditor::rebuild()
{
    if (m_updating)
        return;
    m_updating = true;
    const QStringList keys = eventKeys();
    m_table->setRowCount(int(keys.size()));
    int problems = 0;
    for (int row = 0; row < keys.size(); ++row) {
        const QString key = keys.at(row);
        auto *event = new QTableWidgetItem(eventLabel(key));
        event->setData(Qt::UserRole, key);
        event->setToolTip(tr("Status-map key: %1").arg(key));
        m_table->setItem(row, EventColumn, event);

        const QJsonValue v = m_draft->value(u"statusMap."_s + key);
        const QString status = v.isString() ? v.toString() : QString();
        const QString state = status.isEmpty() ? QString() : stateOf(status);

        const bool create = !m_table->cellWidget(row, StateColumn);
        auto *states = create ? new QComboBox : qobject_cast<QComboBox *>(m_table->cellWidget(row, StateColumn));
        auto *statusCombo = create ? new QComboBox : qobject_cast<QComboBox *>(m_table->cellWidget(row, StatusColumn));
        if (create) {
            // Made once: a combo is refilled in place, never replaced while its signal runs.
            states->setObjectName(u"state_"_s + key);
            states->setAccessibleName(tr("Magento state for %1").arg(eventLabel(key)));
            m_table->setCellWidget(row, StateColumn, states);
            connect(states, &QComboBox::activated, this, [this, row] { onStateChosen(row); });
            statusCombo->setObjectName(u"status_"_s + key);
            statusCombo->setAccessibleName(tr("Magento status for %1").arg(eventLabel(key)));
            m_table->setCellWidget(row, StatusColumn, statusCombo);
            connect(statusCombo, &QComboBox::activated, this, [this, row] { onStatusChosen(row); });
        }
        {
            const QSignalBlocker blockStates(states);
            const QSignalBlocker blockStatus(statusCombo);
            states->clear();
            states->addItem(tr("Leave alone"), QString());
            for (const QString &s : allowedStates(key))
                states->addItem(s, s);
            if (!state.isEmpty() && states->findData(state) < 0)
                states->addItem(tr("%1 (not allowed)").arg(state), state);
            states->setCurrentIndex(std::max(0, states->findData(state)));
            states->setEnabled(!m_readOnly);
            fillStatusCombo(row, state, status);
            statusCombo->setEnabled(!m_readOnly && !state.isEmpty());
        }

        const QString problem = problemText(key);
        auto *check = new QTableWidgetItem;
        if (!problem.isEmpty()) {
            ++problems;
            check->setText(u"⚠ "_s + problem);
            check->setForeground(QColor(0xb3, 0x26, 0x1e));
        } else if (status.isEmpty()) {
            check->setText(tr("The order's status is not changed."));
            check->setForeground(palette().color(QPalette::PlaceholderText));
        } else {
            const StatusOption *o = option(status);
            check->setText(o && o->orders > 0 ? tr("✓ Magento accepts it · orders with this status now: %1")
                                                    .arg(QLocale().toString(o->orders))
                                              : tr("✓ Magento accepts it"));
        }
        check->setToolTip(check->text());
        m_table->setItem(row, CheckColumn, check);
    }
    // The map shows whole, without its own scroll bar: the store's statuses take the rest.
    int height = m_table->horizontalHeader()->sizeHint().height() + 2 * m_table->frameWidth();
    for (int r = 0; r < m_table->rowCount(); ++r)
        height += m_table->rowHeight(r);
    m_table->setFixedHeight(height + 2);
    m_note->setText(problems > 0
                        ? tr("Magento would refuse %1 of these rows: the mapping cannot be saved until they change.")
                              .arg(problems)
                        : QString());
    m_note->setStyleSheet(problems > 0 ? u"color: #b3261e;"_s : QString());
    m_updating = false;
}

void StatusMapEditor::fillStatusCombo(int row, const QString &state, const QString &current)
{
    auto *combo = qobject_cast<QComboBox *>(m_table->cellWidget(row, StatusColumn));
    combo->clear();
    if (state.isEmpty()) {
        combo->addItem(tr("—"), QString());
        return;
    }
    for (const StatusOption &o : m_statuses) {
        if (o.state != state)
            continue;
        QString source;
        switch (o.source) {
        case StatusOption::Source::BuiltIn: source = tr("built-in"); break;
        case StatusOption::Source::Observed: source = tr("custom, seen on orders"); break;
        case StatusOption::Source::Declared: source = tr("custom, declared"); break;
        }
        QString text = o.label.isEmpty() || o.label == o.status ? o.status : tr("%1 — %2").arg(o.status, o.label);
        text += o.orders > 0 ? tr("  (%1, on %2 orders)").arg(source, QLocale().toString(o.orders)) : tr("  (%1)").arg(source);
        combo->addItem(text, o.status);
    }
    if (!current.isEmpty() && combo->findData(current) < 0)
        combo->addItem(tr("%1 (not in this store)").arg(current), current);
    combo->setCurrentIndex(std::max(0, combo->findData(current)));
}

void StatusMapEditor::onStateChosen(int row)
{
    const QString key = m_table->item(row, EventColumn)->data(Qt::UserRole).toString();
    const QString state = qobject_cast<QComboBox *>(m_table->cellWidget(row, StateColumn))->currentData().toString();
    if (state.isEmpty()) {
        choose(key, {}, {});
        return;
    }
    // The status named like the state when there is one (processing → processing), else the first.
    QString status;
    for (const StatusOption &o : m_statuses)
        if (o.state == state && (status.isEmpty() || o.status == state))
            status = o.status;
    if (status.isEmpty()) {
        // No status of that state in the store: nothing to set yet; show the empty list.
        fillStatusCombo(row, state, {});
        return;
    }
    choose(key, state, status);
}

void StatusMapEditor::onStatusChosen(int row)
{
    const QString key = m_table->item(row, EventColumn)->data(Qt::UserRole).toString();
    const QString state = qobject_cast<QComboBox *>(m_table->cellWidget(row, StateColumn))->currentData().toString();
    const QString status = qobject_cast<QComboBox *>(m_table->cellWidget(row, StatusColumn))->currentData().toString();
    choose(key, state, status);
}

bool StatusMapEditor::choose(const QString &eventKey, const QString &state, const QString &status)
{
    if (m_readOnly || !eventKeys().contains(eventKey))
        return false;
    if (status.isEmpty()) {
        m_draft->set(u"statusMap."_s + eventKey, QJsonValue(QJsonValue::Null),
                     tr("Leave the status alone when %1").arg(eventLabel(eventKey).toLower()));
        return true;
    }
    const StatusOption *o = option(status);
    const QString statusState = o ? o->state : stateOf(status);
    if (statusState.isEmpty() || (!state.isEmpty() && statusState != state))
        return false;
    QList<MappingDraft::Change> changes{{u"statusMap."_s + eventKey, status}};
    // A custom status seen on the store's orders is declared with the mapping, so the profile
    // knows its state (fromJson requires it).
    const bool builtIn = pb::mapping::MappingProfile::builtInStatuses().contains(status);
    QJsonArray custom = m_draft->value(u"customStatuses"_s).toArray();
    bool declared = false;
    for (const QJsonValue &v : custom)
        declared = declared || v.toObject().value(u"code"_s).toString() == status;
    if (!builtIn && !declared) {
        custom.append(QJsonObject{{u"code"_s, status},
                                  {u"label"_s, o && !o->label.isEmpty() ? o->label : status},
                                  {u"state"_s, statusState}});
        changes << MappingDraft::Change{u"customStatuses"_s, custom};
    }
    m_draft->set(changes, tr("Set %1 → %2").arg(eventLabel(eventKey).toLower(), status));
    return true;
}

} // namespace pb::ui::studio
