#include "store/orderrepository.h"

#include "store/sqlsupport.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pb::store {

namespace {

using detail::timeFromSql;
using detail::timeToSql;

// Text goes through COALESCE because Qt binds a null QString as SQL NULL, which the
// NOT NULL DEFAULT '' columns refuse; an absent text is stored as ''.
const QString kUpsert = uR"(
INSERT INTO orders (entity_id, increment_id, state, status, currency, grand_total, total_paid,
    total_invoiced, total_refunded, total_due, base_currency, base_grand_total, payment_method,
    last_trans_id, card_type, card_last4, customer_email, customer_name, customer_id,
    customer_is_guest, created_at, updated_at, synced_at, base_total_paid, base_total_invoiced,
    base_total_refunded, base_total_due, base_to_order_rate, exact_amounts)
VALUES (?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), ?, ?, ?,
    ?, ?, COALESCE(?, ''), ?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''),
    COALESCE(?, ''), COALESCE(?, ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, ''), COALESCE(?, ''))
ON CONFLICT (entity_id) DO UPDATE SET
    increment_id = excluded.increment_id, state = excluded.state, status = excluded.status,
    currency = excluded.currency, grand_total = excluded.grand_total,
    total_paid = excluded.total_paid, total_invoiced = excluded.total_invoiced,
    total_refunded = excluded.total_refunded, total_due = excluded.total_due,
    base_currency = excluded.base_currency, base_grand_total = excluded.base_grand_total,
    payment_method = excluded.payment_method, last_trans_id = excluded.last_trans_id,
    card_type = excluded.card_type, card_last4 = excluded.card_last4,
    customer_email = excluded.customer_email, customer_name = excluded.customer_name,
    customer_id = excluded.customer_id, customer_is_guest = excluded.customer_is_guest,
    created_at = excluded.created_at, updated_at = excluded.updated_at,
    synced_at = excluded.synced_at, base_total_paid = excluded.base_total_paid,
    base_total_invoiced = excluded.base_total_invoiced,
    base_total_refunded = excluded.base_total_refunded, base_total_due = excluded.base_total_due,
    base_to_order_rate = excluded.base_to_order_rate, exact_amounts = excluded.exact_amounts
)"_s;

const QString kColumns = uR"(
entity_id, increment_id, state, status, currency, grand_total, total_paid, total_invoiced,
total_refunded, total_due, base_currency, base_grand_total, payment_method, last_trans_id,
card_type, card_last4, customer_email, customer_name, customer_id, customer_is_guest,
created_at, updated_at, base_total_paid, base_total_invoiced, base_total_refunded, base_total_due,
base_to_order_rate, exact_amounts)"_s;

QString orderField(const OrderRecord &o)
{
    return u"order "_s + QString::number(o.entityId)
        + (o.incrementId.isEmpty() ? QString() : u" (#"_s + o.incrementId + u')');
}

Error invalid(const OrderRecord &o, const QString &message)
{
    return makeError(u"store.invalid_record"_s, orderField(o), message);
}

// Money fields must share the currency column they are stored beside.
std::optional<Error> checkMoney(const OrderRecord &o, const Money &m, const Currency &c,
                                QLatin1StringView name)
{
    if (m.isValid() && !(m.currency() == c))
        return invalid(o, QString(name) + u" is in "_s + m.currency().code() + u", not "_s
                              + (c.isValid() ? c.code() : u"(no currency)"_s));
    return std::nullopt;
}

std::optional<Error> validate(const OrderRecord &o)
{
    if (o.incrementId.isEmpty())
        return invalid(o, u"increment_id is empty"_s);
    if (!o.currency.isValid())
        return invalid(o, u"order currency is missing"_s);
    if (!o.createdAt.isValid() || !o.updatedAt.isValid())
        return invalid(o, u"created_at and updated_at are required"_s);
    const std::pair<const Money *, QLatin1StringView> amounts[] = {
        {&o.grandTotal, "grand_total"_L1},     {&o.totalPaid, "total_paid"_L1},
        {&o.totalInvoiced, "total_invoiced"_L1}, {&o.totalRefunded, "total_refunded"_L1},
        {&o.totalDue, "total_due"_L1},
    };
    for (const auto &[m, name] : amounts) {
        if (auto e = checkMoney(o, *m, o.currency, name))
            return e;
    }
    const std::pair<const Money *, QLatin1StringView> baseAmounts[] = {
        {&o.baseGrandTotal, "base_grand_total"_L1},       {&o.baseTotalPaid, "base_total_paid"_L1},
        {&o.baseTotalInvoiced, "base_total_invoiced"_L1}, {&o.baseTotalRefunded, "base_total_refunded"_L1},
        {&o.baseTotalDue, "base_total_due"_L1},
    };
    for (const auto &[m, name] : baseAmounts) {
        if (auto e = checkMoney(o, *m, o.baseCurrency, name))
            return e;
    }
    return std::nullopt;
}

// exact_amounts column (migration 0010): a JSON object of field name → exact decimal text, ''
// when the order has none.
QString exactAmountsToSql(const QMap<QString, QString> &exact)
{
    if (exact.isEmpty())
        return QString();
    QJsonObject o;
    for (auto it = exact.cbegin(); it != exact.cend(); ++it)
        o.insert(it.key(), it.value());
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

Result<QMap<QString, QString>> exactAmountsFromSql(const QString &text, const QString &field)
{
    QMap<QString, QString> exact;
    if (text.isEmpty())
        return exact;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8());
    if (!doc.isObject())
        return makeError(u"store.corrupt"_s, field, u"exact_amounts is not a JSON object"_s);
    const QJsonObject o = doc.object();
    for (auto it = o.constBegin(); it != o.constEnd(); ++it) {
        if (!it.value().isString())
            return makeError(u"store.corrupt"_s, field, u"exact_amounts."_s + it.key() + u" is not text"_s);
        exact.insert(it.key(), it.value().toString());
    }
    return exact;
}

qint64 minorOrZero(const Money &m)
{
    return m.isValid() ? m.minor() : 0;
}

} // namespace

Status OrderRepository::upsert(const QList<OrderRecord> &orders, const QDateTime &syncedAt)
{
    if (orders.isEmpty())
        return Status::success();
    if (!syncedAt.isValid())
        return makeError(u"store.invalid_record"_s, QString(), u"upsert of orders without a sync time"_s);

    detail::Savepoint tx(m_db, "pb_orders_upsert"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    auto query = detail::prepare(m_db, kUpsert);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    const QVariant synced = timeToSql(syncedAt);
    for (const OrderRecord &o : orders) {
        if (auto e = validate(o))
            return *e;
        int i = 0;
        q.bindValue(i++, o.entityId);
        q.bindValue(i++, o.incrementId);
        q.bindValue(i++, o.state);
        q.bindValue(i++, o.status);
        q.bindValue(i++, o.currency.code());
        q.bindValue(i++, minorOrZero(o.grandTotal));
        q.bindValue(i++, minorOrZero(o.totalPaid));
        q.bindValue(i++, minorOrZero(o.totalInvoiced));
        q.bindValue(i++, minorOrZero(o.totalRefunded));
        q.bindValue(i++, minorOrZero(o.totalDue));
        q.bindValue(i++, o.baseCurrency.code());
        q.bindValue(i++, minorOrZero(o.baseGrandTotal));
        q.bindValue(i++, o.paymentMethod);
        q.bindValue(i++, o.lastTransId);
        q.bindValue(i++, o.cardType);
        q.bindValue(i++, o.cardLast4);
        q.bindValue(i++, o.customerEmail);
        q.bindValue(i++, o.customerName);
        q.bindValue(i++, o.customerId ? QVariant(*o.customerId) : QVariant(QMetaType::fromType<qint64>()));
        q.bindValue(i++, o.customerIsGuest ? 1 : 0);
        q.bindValue(i++, timeToSql(o.createdAt));
        q.bindValue(i++, timeToSql(o.updatedAt));
        q.bindValue(i++, synced);
        for (const Money *m : {&o.baseTotalPaid, &o.baseTotalInvoiced, &o.baseTotalRefunded, &o.baseTotalDue})
            q.bindValue(i++, minorOrZero(*m));
        q.bindValue(i++, o.baseToOrderRate);
        q.bindValue(i++, exactAmountsToSql(o.exactAmounts));
        if (Status s = detail::exec(q, u"cannot store "_s + orderField(o)); !s)
            return s;
    }
    q.finish();
    return tx.release();
}

Result<qint64> OrderRepository::count() const
{
    auto q = detail::prepare(m_db, u"SELECT COUNT(*) FROM orders"_s);
    if (!q)
        return q.error();
    if (Status s = detail::exec(q.value(), u"cannot count orders"_s); !s)
        return s.error();
    return q.value().next() ? q.value().value(0).toLongLong() : 0;
}

Result<std::optional<OrderRecord>> OrderRepository::find(qint64 entityId) const
{
    return findWhere(u"entity_id"_s, entityId);
}

Result<std::optional<OrderRecord>> OrderRepository::findByIncrementId(const QString &incrementId) const
{
    return findWhere(u"increment_id"_s, incrementId);
}

Result<std::optional<OrderRecord>> OrderRepository::findWhere(const QString &column,
                                                              const QVariant &value) const
{
    auto query = detail::prepare(m_db, u"SELECT "_s + kColumns + u" FROM orders WHERE "_s + column
                                           + u" = ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, value);
    if (Status s = detail::exec(q, u"cannot read order "_s + value.toString()); !s)
        return s.error();
    if (!q.next())
        return std::optional<OrderRecord>();

    OrderRecord o;
    int i = 0;
    o.entityId = q.value(i++).toLongLong();
    o.incrementId = q.value(i++).toString();
    o.state = q.value(i++).toString();
    o.status = q.value(i++).toString();
    const QString field = orderField(o);
    auto currency = detail::currencyFromSql(q.value(i++).toString(), field);
    if (!currency)
        return currency.error();
    o.currency = *currency;
    for (Money *m : {&o.grandTotal, &o.totalPaid, &o.totalInvoiced, &o.totalRefunded, &o.totalDue})
        *m = Money::fromMinor(q.value(i++).toLongLong(), o.currency);
    const QString baseCode = q.value(i++).toString();
    const qint64 baseGrandTotal = q.value(i++).toLongLong();
    o.paymentMethod = q.value(i++).toString();
    o.lastTransId = q.value(i++).toString();
    o.cardType = q.value(i++).toString();
    o.cardLast4 = q.value(i++).toString();
    o.customerEmail = q.value(i++).toString();
    o.customerName = q.value(i++).toString();
    const QVariant customerId = q.value(i++);
    if (!customerId.isNull())
        o.customerId = customerId.toLongLong();
    o.customerIsGuest = q.value(i++).toInt() != 0;
    o.createdAt = timeFromSql(q.value(i++));
    o.updatedAt = timeFromSql(q.value(i++));
    qint64 baseTotals[4] = {};
    for (qint64 &b : baseTotals)
        b = q.value(i++).toLongLong();
    if (!baseCode.isEmpty()) {
        auto base = detail::currencyFromSql(baseCode, field);
        if (!base)
            return base.error();
        o.baseCurrency = *base;
        o.baseGrandTotal = Money::fromMinor(baseGrandTotal, o.baseCurrency);
        o.baseTotalPaid = Money::fromMinor(baseTotals[0], o.baseCurrency);
        o.baseTotalInvoiced = Money::fromMinor(baseTotals[1], o.baseCurrency);
        o.baseTotalRefunded = Money::fromMinor(baseTotals[2], o.baseCurrency);
        o.baseTotalDue = Money::fromMinor(baseTotals[3], o.baseCurrency);
    }
    o.baseToOrderRate = q.value(i++).toString();
    auto exact = exactAmountsFromSql(q.value(i++).toString(), field);
    if (!exact)
        return exact.error();
    o.exactAmounts = std::move(exact).value();
    return std::optional<OrderRecord>(std::move(o));
}

Result<std::optional<PaymentSummary>> OrderRepository::paymentSummary(qint64 entityId) const
{
    auto query = detail::prepare(m_db, uR"(
SELECT entity_id, increment_id, CASE WHEN base_currency <> '' THEN base_currency ELSE currency END,
       pay_authorized, pay_captured, pay_refunded, pay_voided, pay_txn_count, pay_status
FROM orders WHERE entity_id = ?)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, entityId);
    if (Status s = detail::exec(q, u"cannot read the payment summary of order "_s
                                       + QString::number(entityId));
        !s)
        return s.error();
    if (!q.next())
        return std::optional<PaymentSummary>();
    auto currency = detail::currencyFromSql(q.value(2).toString(),
                                            u"order "_s + q.value(0).toString() + u" (#"_s
                                                + q.value(1).toString() + u')');
    if (!currency)
        return currency.error();
    PaymentSummary p;
    p.authorized = Money::fromMinor(q.value(3).toLongLong(), *currency);
    p.captured = Money::fromMinor(q.value(4).toLongLong(), *currency);
    p.refunded = Money::fromMinor(q.value(5).toLongLong(), *currency);
    p.voided = Money::fromMinor(q.value(6).toLongLong(), *currency);
    p.transactionCount = q.value(7).toInt();
    p.status = q.value(8).toString();
    return std::optional<PaymentSummary>(std::move(p));
}

} // namespace pb::store
