#include "store/linkrepository.h"

#include "store/sqlsupport.h"

using namespace Qt::StringLiterals;

namespace pb::store {

namespace {

// Per-connection scratch tables (TEMP: never written to the store file, gone on close).
const QString kCreateTargets =
    u"CREATE TEMP TABLE IF NOT EXISTS pb_summary_targets (entity_id INTEGER PRIMARY KEY)"_s;
const QString kCreateNewLinks = uR"(
CREATE TEMP TABLE IF NOT EXISTS pb_new_links (
    transaction_id TEXT PRIMARY KEY, order_entity_id INTEGER NOT NULL))"_s;

// The payment summary of every order in temp.pb_summary_targets, from its linked transactions.
// Only transactions in the currency the card was charged in are summed: the order's base
// currency when it has one (Magento charges base_grand_total, docs/magento.md), else the
// order's currency. Rules (type / status):
//   authorized: sale or authorization that was approved at some point (incl. later voided)
//   captured:   sale approved/pending/settled; authorization pending/settled (PayTrace captures
//               an authorization in place, keeping its id); capture record approved/pending/settled
//   refunded:   refund approved/pending/settled
//   voided:     voided sale/authorization/capture, or a void record that was not declined
// and the status, first match wins: refunded, partially_refunded, settled (captured and nothing
// captured is still waiting for its batch), captured, authorized (more authorized than voided),
// voided, declined (only declined attempts), unpaid.
const QString kRecompute = uR"(
WITH s AS (
    SELECT l.order_entity_id AS oid,
        COUNT(*) AS n,
        SUM(CASE WHEN t.currency = o.charged AND t.type IN ('sale', 'authorization')
                  AND t.status IN ('approved', 'pending_settlement', 'settled', 'authorized', 'voided')
                 THEN t.amount ELSE 0 END) AS auth,
        SUM(CASE WHEN t.currency = o.charged
                  AND ((t.type IN ('sale', 'capture') AND t.status IN ('approved', 'pending_settlement', 'settled'))
                       OR (t.type = 'authorization' AND t.status IN ('pending_settlement', 'settled')))
                 THEN t.amount ELSE 0 END) AS cap,
        SUM(CASE WHEN t.currency = o.charged AND t.type = 'refund'
                  AND t.status IN ('approved', 'pending_settlement', 'settled')
                 THEN t.amount ELSE 0 END) AS ref,
        SUM(CASE WHEN t.currency = o.charged
                  AND ((t.type IN ('sale', 'authorization', 'capture') AND t.status = 'voided')
                       OR (t.type = 'void' AND t.status NOT IN ('declined', 'unknown')))
                 THEN t.amount ELSE 0 END) AS vd,
        SUM(CASE WHEN t.currency = o.charged
                  AND ((t.type IN ('sale', 'capture') AND t.status IN ('approved', 'pending_settlement'))
                       OR (t.type = 'authorization' AND t.status = 'pending_settlement'))
                 THEN 1 ELSE 0 END) AS unsettled,
        SUM(CASE WHEN t.status = 'declined' THEN 1 ELSE 0 END) AS declined
    FROM order_transaction_links l
    JOIN gateway_transactions t ON t.transaction_id = l.transaction_id
    JOIN (SELECT entity_id, CASE WHEN base_currency <> '' THEN base_currency ELSE currency END AS charged
          FROM orders) o ON o.entity_id = l.order_entity_id
    WHERE l.order_entity_id IN (SELECT entity_id FROM temp.pb_summary_targets)
    GROUP BY l.order_entity_id
)
UPDATE orders SET
    pay_authorized = s.auth, pay_captured = s.cap, pay_refunded = s.ref, pay_voided = s.vd,
    pay_txn_count = s.n,
    pay_status = CASE
        WHEN s.ref > 0 AND s.ref >= s.cap THEN 'refunded'
        WHEN s.ref > 0 THEN 'partially_refunded'
        WHEN s.cap > 0 AND s.unsettled = 0 THEN 'settled'
        WHEN s.cap > 0 THEN 'captured'
        WHEN s.auth > s.vd THEN 'authorized'
        WHEN s.vd > 0 THEN 'voided'
        WHEN s.declined > 0 THEN 'declined'
        ELSE 'unpaid' END
FROM s WHERE orders.entity_id = s.oid)"_s;

Status runRecompute(QSqlDatabase &db)
{
    auto q = detail::prepare(db, kRecompute);
    if (!q)
        return q.error();
    if (Status s = detail::exec(q.value(), u"cannot recompute payment summaries"_s); !s)
        return s;
    return detail::execDirect(db, u"DELETE FROM temp.pb_summary_targets"_s);
}

} // namespace

Result<int> LinkRepository::linkByInvoiceId(const QDateTime &now)
{
    if (!now.isValid())
        return makeError(u"store.invalid_record"_s, QString(), u"linking without a time"_s);
    detail::Savepoint tx(m_db, "pb_link_invoice"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    for (const QString &sql : {kCreateNewLinks, kCreateTargets, u"DELETE FROM temp.pb_new_links"_s,
                               u"DELETE FROM temp.pb_summary_targets"_s}) {
        if (Status s = detail::execDirect(m_db, sql); !s)
            return s.error();
    }
    // Find candidates first so the same set both becomes links and names the orders to refresh.
    if (Status s = detail::execDirect(m_db, uR"(
INSERT INTO temp.pb_new_links (transaction_id, order_entity_id)
SELECT t.transaction_id, o.entity_id
FROM gateway_transactions t
JOIN orders o ON o.increment_id = t.invoice_id
WHERE t.invoice_id <> ''
  AND NOT EXISTS (SELECT 1 FROM order_transaction_links l WHERE l.transaction_id = t.transaction_id))"_s);
        !s)
        return s.error();

    auto insert = detail::prepare(m_db, uR"(
INSERT INTO order_transaction_links (transaction_id, order_entity_id, rule, linked_at)
SELECT transaction_id, order_entity_id, ?, ? FROM temp.pb_new_links)"_s);
    if (!insert)
        return insert.error();
    insert.value().bindValue(0, QString(kRuleInvoiceId));
    insert.value().bindValue(1, detail::timeToSql(now));
    if (Status s = detail::exec(insert.value(), u"cannot link transactions by invoice id"_s); !s)
        return s.error();
    const int linked = insert.value().numRowsAffected();

    if (linked > 0) {
        if (Status s = detail::execDirect(m_db, uR"(
INSERT OR IGNORE INTO temp.pb_summary_targets (entity_id)
SELECT DISTINCT order_entity_id FROM temp.pb_new_links)"_s);
            !s)
            return s.error();
        if (Status s = runRecompute(m_db); !s)
            return s.error();
    }
    if (Status s = detail::execDirect(m_db, u"DELETE FROM temp.pb_new_links"_s); !s)
        return s.error();
    if (Status s = tx.release(); !s)
        return s.error();
    return linked;
}

Result<int> LinkRepository::addLinks(const QList<NewLink> &links, const QDateTime &now)
{
    if (links.isEmpty())
        return 0;
    if (!now.isValid())
        return makeError(u"store.invalid_record"_s, QString(), u"linking without a time"_s);
    detail::Savepoint tx(m_db, "pb_add_links"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto insert = detail::prepare(m_db, uR"(
INSERT OR IGNORE INTO order_transaction_links (transaction_id, order_entity_id, rule, linked_at)
VALUES (?, ?, ?, ?))"_s);
    if (!insert)
        return insert.error();
    int linked = 0;
    QList<qint64> orders;
    for (const NewLink &l : links) {
        QSqlQuery &q = insert.value();
        q.bindValue(0, l.transactionId);
        q.bindValue(1, l.orderEntityId);
        q.bindValue(2, l.rule);
        q.bindValue(3, detail::timeToSql(now));
        if (Status s = detail::exec(q, u"cannot link transaction "_s + l.transactionId); !s)
            return s.error();
        if (q.numRowsAffected() > 0) {
            ++linked;
            orders.append(l.orderEntityId);
        }
    }
    if (Status s = recomputeSummaries(orders); !s)
        return s.error();
    if (Status s = tx.release(); !s)
        return s.error();
    return linked;
}

Status LinkRepository::recomputeSummaries(const QList<qint64> &orderEntityIds)
{
    if (orderEntityIds.isEmpty())
        return Status::success();
    detail::Savepoint tx(m_db, "pb_recompute_summaries"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    for (const QString &sql : {kCreateTargets, u"DELETE FROM temp.pb_summary_targets"_s}) {
        if (Status s = detail::execDirect(m_db, sql); !s)
            return s;
    }
    {
        auto insert = detail::prepare(m_db, u"INSERT OR IGNORE INTO temp.pb_summary_targets (entity_id) VALUES (?)"_s);
        if (!insert)
            return insert.error();
        for (qint64 id : orderEntityIds) {
            insert.value().bindValue(0, id);
            if (Status s = detail::exec(insert.value(), u"cannot collect orders to summarise"_s); !s)
                return s;
        }
    }
    if (Status s = runRecompute(m_db); !s)
        return s;
    return tx.release();
}

Result<LinkCounts> LinkRepository::counts() const
{
    // Differences of counts instead of anti-joins: each link row is one transaction (its key),
    // so this stays cheap with millions of rows.
    auto query = detail::prepare(m_db, uR"(
SELECT (SELECT COUNT(*) FROM order_transaction_links),
       (SELECT COUNT(*) FROM gateway_transactions),
       (SELECT COUNT(*) FROM orders),
       (SELECT COUNT(DISTINCT order_entity_id) FROM order_transaction_links))"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    if (Status s = detail::exec(q, u"cannot count links"_s); !s)
        return s.error();
    if (!q.next())
        return makeError(u"store.sql"_s, QString(), u"link counts returned no row"_s);
    LinkCounts c;
    c.linked = q.value(0).toLongLong();
    c.unlinkedTransactions = q.value(1).toLongLong() - c.linked;
    c.ordersWithoutPayment = q.value(2).toLongLong() - q.value(3).toLongLong();
    return c;
}

Result<QStringList> LinkRepository::transactionIdsForOrder(qint64 entityId) const
{
    auto query = detail::prepare(m_db, uR"(
SELECT l.transaction_id FROM order_transaction_links l
JOIN gateway_transactions t ON t.transaction_id = l.transaction_id
WHERE l.order_entity_id = ? ORDER BY t.created_at, l.transaction_id)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, entityId);
    if (Status s = detail::exec(q, u"cannot read the transactions of order "_s + QString::number(entityId)); !s)
        return s.error();
    QStringList ids;
    while (q.next())
        ids.append(q.value(0).toString());
    return ids;
}

Result<std::optional<qint64>> LinkRepository::orderForTransaction(const QString &transactionId) const
{
    auto query = detail::prepare(
        m_db, u"SELECT order_entity_id FROM order_transaction_links WHERE transaction_id = ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, transactionId);
    if (Status s = detail::exec(q, u"cannot read the order of transaction "_s + transactionId); !s)
        return s.error();
    if (!q.next())
        return std::optional<qint64>();
    return std::optional<qint64>(q.value(0).toLongLong());
}

} // namespace pb::store
