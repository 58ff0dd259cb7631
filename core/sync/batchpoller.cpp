#include "sync/batchpoller.h"

#include "paytrace/paytraceclient.h"
#include "store/sqlsupport.h"

#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

using store::detail::exec;
using store::detail::prepare;
using store::detail::timeToSql;

// The update runs only when a reported figure differs (IS NOT: NULL-safe), so an unchanged
// batch keeps its row, synced_at included.
constexpr QLatin1StringView kUpsert(R"(
INSERT INTO gateway_batches (batch_number, closed_at, closed_at_text, currency, transaction_count,
    sales_count, sales_amount, refund_count, refund_amount, net_amount, synced_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (batch_number) DO UPDATE SET
    closed_at = excluded.closed_at, closed_at_text = excluded.closed_at_text, currency = excluded.currency,
    transaction_count = excluded.transaction_count, sales_count = excluded.sales_count,
    sales_amount = excluded.sales_amount, refund_count = excluded.refund_count,
    refund_amount = excluded.refund_amount, net_amount = excluded.net_amount, synced_at = excluded.synced_at
WHERE closed_at IS NOT excluded.closed_at OR closed_at_text IS NOT excluded.closed_at_text
    OR currency IS NOT excluded.currency OR transaction_count IS NOT excluded.transaction_count
    OR sales_count IS NOT excluded.sales_count OR sales_amount IS NOT excluded.sales_amount
    OR refund_count IS NOT excluded.refund_count OR refund_amount IS NOT excluded.refund_amount
    OR net_amount IS NOT excluded.net_amount)");

QVariant optionalInt(const std::optional<qint64> &v)
{
    return v ? QVariant(*v) : QVariant(QMetaType::fromType<qint64>());
}

QVariant optionalMinor(const std::optional<Money> &m)
{
    return m ? QVariant(m->minor()) : QVariant(QMetaType::fromType<qint64>());
}

} // namespace

Result<int> BatchRepository::upsert(const QList<paytrace::BatchSummary> &batches, const QDateTime &syncedAt)
{
    if (batches.isEmpty())
        return 0;
    store::detail::Savepoint tx(m_db, "pb_batches_upsert"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto query = prepare(m_db, QString(kUpsert));
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    int written = 0;
    for (const paytrace::BatchSummary &b : batches) {
        const QString field = u"batch "_s + b.number;
        if (b.number.trimmed().isEmpty())
            return makeError(u"store.invalid_record"_s, u"batch"_s, u"a batch without a number"_s);
        // One currency per batch: the merchant account's.
        QString currency;
        for (const auto &amount : {b.netAmount, b.salesAmount, b.refundAmount}) {
            if (!amount)
                continue;
            if (!currency.isEmpty() && currency != amount->currency().code())
                return makeError(u"store.invalid_record"_s, field, u"its amounts are in different currencies"_s);
            currency = amount->currency().code();
        }
        if (currency.isEmpty())
            return makeError(u"store.invalid_record"_s, field, u"reports no amount"_s);
        int i = 0;
        q.bindValue(i++, b.number);
        q.bindValue(i++, timeToSql(b.closedAt));
        q.bindValue(i++, b.closedAtText);
        q.bindValue(i++, currency);
        q.bindValue(i++, optionalInt(b.transactionCount));
        q.bindValue(i++, optionalInt(b.salesCount));
        q.bindValue(i++, optionalMinor(b.salesAmount));
        q.bindValue(i++, optionalInt(b.refundCount));
        q.bindValue(i++, optionalMinor(b.refundAmount));
        q.bindValue(i++, optionalMinor(b.netAmount));
        q.bindValue(i++, timeToSql(syncedAt));
        if (Status s = exec(q, u"cannot store "_s + field); !s)
            return s.error();
        written += q.numRowsAffected() > 0 ? 1 : 0;
    }
    if (Status s = tx.release(); !s)
        return s.error();
    return written;
}

Result<qint64> BatchRepository::count() const
{
    auto query = prepare(m_db, u"SELECT count(*) FROM gateway_batches"_s);
    if (!query)
        return query.error();
    if (Status s = exec(query.value(), u"cannot count batches"_s); !s)
        return s.error();
    query.value().next();
    return query.value().value(0).toLongLong();
}

void pollBatches(paytrace::PayTraceClient &client, QSqlDatabase &db, QDate from, QDate to, QObject *context,
                 std::function<void(const Result<int> &)> done)
{
    client.exportBatches(from, to, context,
                         [&db, done = std::move(done)](const paytrace::Outcome &outcome,
                                                       const QList<paytrace::BatchSummary> &batches) {
                             if (!outcome.ok()) {
                                 done(makeError(u"paytrace.batches"_s, QString(),
                                                u"cannot read the batch lists: "_s + outcome.summary()));
                                 return;
                             }
                             BatchRepository repo(db);
                             done(repo.upsert(batches, QDateTime::currentDateTimeUtc()));
                         });
}

} // namespace pb::sync
