#include "store/transactionrepository.h"

#include "store/linkrepository.h"
#include "store/sqlsupport.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace pb::store {

namespace {

using detail::timeFromSql;
using detail::timeToSql;

// Text goes through COALESCE because Qt binds a null QString as SQL NULL, which the
// NOT NULL DEFAULT '' columns refuse; an absent text is stored as ''.
const QString kUpsert = uR"(
INSERT INTO gateway_transactions (transaction_id, type, type_text, status, status_code,
    status_message, amount, currency, batch, invoice_id, customer_id, card_type, card_last4,
    approval_code, approval_message, avs_response, csc_response, description, created_at,
    created_at_text, settled_at, settled_at_text, synced_at)
VALUES (COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), ?, COALESCE(?, ''),
    COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''),
    COALESCE(?, ''), COALESCE(?, ''), ?, COALESCE(?, ''), ?, COALESCE(?, ''), ?)
ON CONFLICT (transaction_id) DO UPDATE SET
    type = excluded.type, type_text = excluded.type_text, status = excluded.status,
    status_code = excluded.status_code, status_message = excluded.status_message,
    amount = excluded.amount, currency = excluded.currency, batch = excluded.batch,
    invoice_id = excluded.invoice_id, customer_id = excluded.customer_id,
    card_type = excluded.card_type, card_last4 = excluded.card_last4,
    approval_code = excluded.approval_code, approval_message = excluded.approval_message,
    avs_response = excluded.avs_response, csc_response = excluded.csc_response,
    description = excluded.description, created_at = excluded.created_at,
    created_at_text = excluded.created_at_text, settled_at = excluded.settled_at,
    settled_at_text = excluded.settled_at_text, synced_at = excluded.synced_at
)"_s;

QString txnField(const QString &id)
{
    return u"transaction "_s + id;
}

std::optional<Error> validate(const GatewayTransaction &t)
{
    auto invalid = [&](const QString &message) {
        return makeError(u"store.invalid_record"_s, txnField(t.transactionId), message);
    };
    if (t.transactionId.isEmpty())
        return invalid(u"transaction_id is empty"_s);
    if (!t.amount.isValid())
        return invalid(u"amount has no currency"_s);
    if (!t.createdAt.isValid())
        return invalid(u"created time is missing"_s);
    return std::nullopt;
}

} // namespace

Status TransactionRepository::upsert(const QList<GatewayTransaction> &transactions,
                                     const QDateTime &syncedAt)
{
    if (transactions.isEmpty())
        return Status::success();
    if (!syncedAt.isValid())
        return makeError(u"store.invalid_record"_s, QString(),
                         u"upsert of transactions without a sync time"_s);

    detail::Savepoint tx(m_db, "pb_transactions_upsert"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    QSet<qint64> linkedOrders;
    {
        auto upsertQuery = detail::prepare(m_db, kUpsert);
        if (!upsertQuery)
            return upsertQuery.error();
        auto linkQuery = detail::prepare(
            m_db, u"SELECT order_entity_id FROM order_transaction_links WHERE transaction_id = ?"_s);
        if (!linkQuery)
            return linkQuery.error();
        QSqlQuery &q = upsertQuery.value();
        QSqlQuery &l = linkQuery.value();
        const QVariant synced = timeToSql(syncedAt);
        for (const GatewayTransaction &t : transactions) {
            if (auto e = validate(t))
                return *e;
            int i = 0;
            q.bindValue(i++, t.transactionId);
            q.bindValue(i++, GatewayTransaction::typeName(t.type));
            q.bindValue(i++, t.typeText);
            q.bindValue(i++, GatewayTransaction::statusName(t.status));
            q.bindValue(i++, t.statusCode);
            q.bindValue(i++, t.statusMessage);
            q.bindValue(i++, t.amount.minor());
            q.bindValue(i++, t.amount.currency().code());
            q.bindValue(i++, t.batch);
            q.bindValue(i++, t.invoiceId);
            q.bindValue(i++, t.customerId);
            q.bindValue(i++, t.cardType);
            q.bindValue(i++, t.cardLast4);
            q.bindValue(i++, t.approvalCode);
            q.bindValue(i++, t.approvalMessage);
            q.bindValue(i++, t.avsResponse);
            q.bindValue(i++, t.cscResponse);
            q.bindValue(i++, t.description);
            q.bindValue(i++, timeToSql(t.createdAt));
            q.bindValue(i++, t.createdAtText);
            q.bindValue(i++, timeToSql(t.settledAt));
            q.bindValue(i++, t.settledAtText);
            q.bindValue(i++, synced);
            if (Status s = detail::exec(q, u"cannot store "_s + txnField(t.transactionId)); !s)
                return s;

            // A changed transaction changes its order's payment summary.
            l.bindValue(0, t.transactionId);
            if (Status s = detail::exec(l, u"cannot look up the order of "_s + txnField(t.transactionId)); !s)
                return s;
            if (l.next())
                linkedOrders.insert(l.value(0).toLongLong());
            l.finish();
        }
    }
    if (!linkedOrders.isEmpty()) {
        if (Status s = LinkRepository(m_db).recomputeSummaries(linkedOrders.values()); !s)
            return s;
    }
    return tx.release();
}

Result<qint64> TransactionRepository::count() const
{
    auto q = detail::prepare(m_db, u"SELECT COUNT(*) FROM gateway_transactions"_s);
    if (!q)
        return q.error();
    if (Status s = detail::exec(q.value(), u"cannot count transactions"_s); !s)
        return s.error();
    return q.value().next() ? q.value().value(0).toLongLong() : 0;
}

Result<std::optional<GatewayTransaction>> TransactionRepository::find(const QString &transactionId) const
{
    auto query = detail::prepare(m_db, uR"(
SELECT transaction_id, type, type_text, status, status_code, status_message, amount, currency,
       batch, invoice_id, customer_id, card_type, card_last4, approval_code, approval_message,
       avs_response, csc_response, description, created_at, created_at_text, settled_at,
       settled_at_text
FROM gateway_transactions WHERE transaction_id = ?)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, transactionId);
    if (Status s = detail::exec(q, u"cannot read "_s + txnField(transactionId)); !s)
        return s.error();
    if (!q.next())
        return std::optional<GatewayTransaction>();

    GatewayTransaction t;
    int i = 0;
    t.transactionId = q.value(i++).toString();
    t.type = GatewayTransaction::typeFromName(q.value(i++).toString());
    t.typeText = q.value(i++).toString();
    t.status = GatewayTransaction::statusFromName(q.value(i++).toString());
    t.statusCode = q.value(i++).toString();
    t.statusMessage = q.value(i++).toString();
    const qint64 amount = q.value(i++).toLongLong();
    auto currency = detail::currencyFromSql(q.value(i++).toString(), txnField(t.transactionId));
    if (!currency)
        return currency.error();
    t.amount = Money::fromMinor(amount, *currency);
    t.batch = q.value(i++).toString();
    t.invoiceId = q.value(i++).toString();
    t.customerId = q.value(i++).toString();
    t.cardType = q.value(i++).toString();
    t.cardLast4 = q.value(i++).toString();
    t.approvalCode = q.value(i++).toString();
    t.approvalMessage = q.value(i++).toString();
    t.avsResponse = q.value(i++).toString();
    t.cscResponse = q.value(i++).toString();
    t.description = q.value(i++).toString();
    t.createdAt = timeFromSql(q.value(i++));
    t.createdAtText = q.value(i++).toString();
    t.settledAt = timeFromSql(q.value(i++));
    t.settledAtText = q.value(i++).toString();
    return std::optional<GatewayTransaction>(std::move(t));
}

} // namespace pb::store
