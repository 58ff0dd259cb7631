#include "refundsmodel.h"

#include "displayformat.h"
#include "queuemodel.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

enum Field {
    FKey,
    FAt,
    FOrderNumber,
    FAmount,
    FCurrency,
    FOrigin,
    FWhat,
    FPayTraceState,
    FPayTraceRef,
    FMagentoIntentState,
    FMagentoKind,
    FMagentoRefunded,
    FErpState,
    FRequestedBy,
    FieldCount
};

// One select list per source, in the order of Field. A PayBridge refund's later steps are the
// intents keyed "<its key>/magento" and "<its key>/erp" (OperationPlanner); refunds made
// elsewhere are matched to the order's latest credit memo and ERP intents. Payload amounts are exact decimal strings
// with the currency's digits, so removing the point gives minor units without floating point.
const QString kUnion = uR"((SELECT
    'intent:' || i.id AS rkey, i.created_at AS at, COALESCE(o.increment_id, '') AS order_number,
    COALESCE(CAST(replace(CASE WHEN json_valid(i.payload) THEN json_extract(i.payload, '$.amount') END, '.', '') AS INTEGER), 0) AS amount,
    COALESCE(CASE WHEN json_valid(i.payload) THEN json_extract(i.payload, '$.currency') END, o.currency, '') AS currency,
    'paybridge' AS origin, i.kind AS what, i.state AS pt_state, i.result_ref AS pt_ref,
    (SELECT c.state FROM intents c WHERE c.natural_key = i.natural_key || '/magento') AS mg_state,
    (SELECT c.kind FROM intents c WHERE c.natural_key = i.natural_key || '/magento') AS mg_kind,
    COALESCE(o.total_refunded, 0) AS mg_refunded,
    (SELECT e.state FROM intents e WHERE e.natural_key = i.natural_key || '/erp') AS erp_state,
    i.requested_by AS requested_by
  FROM intents i LEFT JOIN orders o ON o.entity_id = i.order_entity_id
  WHERE i.kind IN ('paytrace.refund', 'paytrace.void')
UNION ALL SELECT
    'transaction:' || t.transaction_id, t.created_at, COALESCE(o.increment_id, t.invoice_id),
    t.amount, t.currency, 'paytrace', t.type, t.status, t.transaction_id,
    (SELECT c.state FROM intents c WHERE c.order_entity_id = o.entity_id AND c.kind = 'magento.creditmemo'
        ORDER BY c.id DESC LIMIT 1),
    'magento.creditmemo',
    COALESCE(o.total_refunded, 0),
    (SELECT e.state FROM intents e WHERE e.order_entity_id = o.entity_id AND e.kind = 'erp.entry'
        AND e.created_at >= t.created_at ORDER BY e.id LIMIT 1),
    ''
  FROM gateway_transactions t
  LEFT JOIN order_transaction_links l ON l.transaction_id = t.transaction_id
  LEFT JOIN orders o ON o.entity_id = l.order_entity_id
  WHERE t.type IN ('refund', 'void')
    AND NOT EXISTS (SELECT 1 FROM intents x WHERE x.result_ref = t.transaction_id
                    AND x.kind IN ('paytrace.refund', 'paytrace.void'))
UNION ALL SELECT
    'order:' || o.entity_id, o.updated_at, o.increment_id, o.total_refunded, o.currency, 'magento',
    'creditmemo', '', '',
    (SELECT c.state FROM intents c WHERE c.order_entity_id = o.entity_id AND c.kind = 'magento.creditmemo'
        ORDER BY c.id DESC LIMIT 1),
    'magento.creditmemo',
    o.total_refunded,
    (SELECT e.state FROM intents e WHERE e.order_entity_id = o.entity_id AND e.kind = 'erp.entry'
        ORDER BY e.id DESC LIMIT 1),
    ''
  FROM orders o
  WHERE o.total_refunded > 0
    AND NOT EXISTS (SELECT 1 FROM intents x WHERE x.order_entity_id = o.entity_id
                    AND x.kind IN ('paytrace.refund', 'paytrace.void'))
    AND NOT EXISTS (SELECT 1 FROM order_transaction_links l
                    JOIN gateway_transactions t ON t.transaction_id = l.transaction_id
                    WHERE l.order_entity_id = o.entity_id AND t.type IN ('refund', 'void'))
) AS r)"_s;

QString magentoText(const QVariant &intentState, const QString &kind, qint64 refunded, const QString &currency)
{
    if (!intentState.isNull() && !intentState.toString().isEmpty())
        return RefundsModel::tr("%1: %2").arg(IntentText::kind(kind), IntentText::state(intentState.toString()));
    if (refunded > 0)
        return RefundsModel::tr("Refunded %1 %2").arg(Format::money(refunded, currency), currency);
    return RefundsModel::tr("No credit memo");
}

QString payTraceText(const QString &origin, const QString &state, const QString &ref)
{
    if (origin == u"paybridge") {
        const QString text = IntentText::state(state);
        return ref.isEmpty() ? text : RefundsModel::tr("%1 (transaction %2)").arg(text, ref);
    }
    if (origin == u"paytrace")
        return Format::transactionStatus(state);
    return RefundsModel::tr("No refund in PayTrace");
}

} // namespace

RefundsModel::RefundsModel(QObject *parent)
    : SqlPagedModel(ColumnCount, When, Qt::DescendingOrder, parent)
{
}

RefundsModel::RefundsModel(const QSqlDatabase &db, QObject *parent)
    : RefundsModel(parent)
{
    setDatabase(db);
}

QString RefundsModel::reason(const QSqlDatabase &db, const QString &key)
{
    const QString source = key.section(u':', 0, 0);
    const QString id = key.section(u':', 1);
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (source == u"intent") {
        q.prepare(u"SELECT payload FROM intents WHERE id = ?"_s);
        q.addBindValue(id.toLongLong());
    } else if (source == u"transaction") {
        q.prepare(u"SELECT payload FROM intents WHERE result_ref = ? AND kind LIKE 'paytrace.%'"
                  " ORDER BY id DESC LIMIT 1"_s);
        q.addBindValue(id);
    } else {
        return {};
    }
    if (!q.exec() || !q.next())
        return {};
    return QJsonDocument::fromJson(q.value(0).toString().toUtf8()).object().value(u"reason"_s).toString().trimmed();
}

QString RefundsModel::originText(QStringView origin)
{
    if (origin == u"paybridge") return tr("PayBridge");
    if (origin == u"paytrace") return tr("PayTrace");
    if (origin == u"magento") return tr("Magento credit memo");
    return origin.toString();
}

QString RefundsModel::fromClause() const
{
    return kUnion;
}

QString RefundsModel::keyColumn() const
{
    return u"rkey"_s;
}

QStringList RefundsModel::selectColumns() const
{
    static const QStringList columns = {
        u"rkey"_s,    u"at"_s,       u"order_number"_s, u"amount"_s,      u"currency"_s,
        u"origin"_s,  u"what"_s,     u"pt_state"_s,     u"pt_ref"_s,      u"mg_state"_s, u"mg_kind"_s,
        u"mg_refunded"_s, u"erp_state"_s, u"requested_by"_s,
    };
    Q_ASSERT(columns.size() == FieldCount);
    return columns;
}

QString RefundsModel::sortExpression(int column) const
{
    switch (Column(column)) {
    case Order: return u"order_number"_s;
    case Amount: return u"amount"_s;
    case Currency: return u"currency"_s;
    case Origin: return u"origin"_s;
    case PayTraceState: return u"pt_state"_s;
    case MagentoState: return u"COALESCE(mg_state, CASE WHEN mg_refunded > 0 THEN '~refunded' ELSE '' END)"_s;
    case ErpState: return u"COALESCE(erp_state, '')"_s;
    case RequestedBy: return u"requested_by"_s;
    case When: return u"at"_s;
    case ColumnCount: break;
    }
    return u"at"_s;
}

bool RefundsModel::sortIsText(int column) const
{
    return column != Amount && column != When;
}

SqlPagedModel::Clause RefundsModel::filterClause(const QString &text) const
{
    const QString contains = Format::likePattern(text, Format::Like::Contains);
    const QString prefix = Format::likePattern(text, Format::Like::Prefix);
    return {
        u"order_number = ? OR order_number LIKE ? ESCAPE '\\' OR pt_ref = ? OR origin LIKE ? ESCAPE '\\'"
        " OR requested_by LIKE ? ESCAPE '\\' OR pt_state LIKE ? ESCAPE '\\' OR currency = ?"_s,
        {text, prefix, text, prefix, prefix, prefix, text.toUpper()},
    };
}

QVariant RefundsModel::cellData(const Row &row, int column, int role) const
{
    if (role == OriginRole)
        return row.at(FOrigin);
    if (role == IsVoidRole) // a gateway type ("void") or an intent kind ("paytrace_void")
        return row.at(FWhat).toString().contains(u"void"_s);
    const auto text = [role](const QVariant &display, const QVariant &raw) { return textCell(role, display, raw); };
    const QString origin = row.at(FOrigin).toString();
    const QString currency = row.at(FCurrency).toString();
    switch (Column(column)) {
    case Order: return text(row.at(FOrderNumber), row.at(FOrderNumber));
    case Amount: return moneyCell(role, row.at(FAmount).toLongLong(), currency);
    case Currency: return text(currency, currency);
    case Origin: {
        const QString what = row.at(FWhat).toString();
        if (role == Qt::ToolTipRole)
            return origin == u"paybridge" ? IntentText::kind(what) : Format::transactionType(what);
        return text(originText(origin), origin);
    }
    case PayTraceState:
        return text(payTraceText(origin, row.at(FPayTraceState).toString(), row.at(FPayTraceRef).toString()),
                    row.at(FPayTraceState));
    case MagentoState:
        return text(magentoText(row.at(FMagentoIntentState), row.at(FMagentoKind).toString(), row.at(FMagentoRefunded).toLongLong(), currency),
                    row.at(FMagentoIntentState));
    case ErpState: {
        const QVariant state = row.at(FErpState);
        return text(state.isNull() ? tr("Not posted") : IntentText::state(state.toString()), state);
    }
    case RequestedBy: return text(row.at(FRequestedBy), row.at(FRequestedBy));
    case When: return timeCell(role, row.at(FAt));
    case ColumnCount: break;
    }
    return {};
}

// Exports carry exact plain amounts (the currency has its own column) and UTC times.
QString RefundsModel::exportText(const Row &row, int column) const
{
    switch (Column(column)) {
    case Amount: return plainAmount(row.at(FAmount).toLongLong(), row.at(FCurrency).toString());
    case When: return Format::isoUtc(row.at(FAt).toLongLong());
    default: return SqlPagedModel::exportText(row, column);
    }
}

QVariant RefundsModel::columnHeader(int section, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case Order: return tr("Order");
        case Amount: return tr("Amount");
        case Currency: return tr("Currency");
        case Origin: return tr("Origin");
        case PayTraceState: return tr("PayTrace");
        case MagentoState: return tr("Magento");
        case ErpState: return tr("ERP");
        case RequestedBy: return tr("Requested by");
        case When: return tr("When");
        case ColumnCount: break;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
        case Origin: return tr("Where the refund was made: PayBridge, the PayTrace gateway, or a Magento credit memo");
        case PayTraceState: return tr("The refund at the gateway");
        case MagentoState: return tr("The credit memo in Magento, or the order's refunded total");
        case ErpState: return tr("The refund's journal entry in the ERP");
        default: break;
        }
    } else if (role == Qt::TextAlignmentRole) {
        return QVariant(int((section == Amount ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter));
    }
    return {};
}

} // namespace pb::ui
