#include "store/syncrunrepository.h"

#include "store/sqlsupport.h"

using namespace Qt::StringLiterals;

namespace pb::store {

Result<qint64> SyncRunRepository::start(const QDateTime &startedAt)
{
    auto query = detail::prepare(m_db, u"INSERT INTO sync_runs (started_at, outcome) VALUES (?, 'running')"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, detail::timeToSql(startedAt.isValid() ? startedAt : QDateTime::currentDateTimeUtc()));
    if (Status s = detail::exec(q, u"cannot record the start of a sync run"_s); !s)
        return s.error();
    return q.lastInsertId().toLongLong();
}

Status SyncRunRepository::finish(const SyncRun &run)
{
    if (run.outcome.isEmpty() || run.outcome == u"running"_s)
        return makeError(u"store.invalid_record"_s, u"sync run "_s + QString::number(run.id),
                         u"a finished run needs an outcome other than \"running\""_s);
    auto query = detail::prepare(m_db, uR"(
UPDATE sync_runs SET finished_at = ?, outcome = ?, orders_seen = ?, transactions_seen = ?,
    linked = ?, message = COALESCE(?, '')
WHERE id = ?)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    int i = 0;
    q.bindValue(i++, detail::timeToSql(run.finishedAt.isValid() ? run.finishedAt
                                                                : QDateTime::currentDateTimeUtc()));
    q.bindValue(i++, run.outcome);
    q.bindValue(i++, run.ordersSeen);
    q.bindValue(i++, run.transactionsSeen);
    q.bindValue(i++, run.linked);
    q.bindValue(i++, run.message);
    q.bindValue(i++, run.id);
    if (Status s = detail::exec(q, u"cannot record the end of sync run "_s + QString::number(run.id)); !s)
        return s;
    if (q.numRowsAffected() != 1)
        return makeError(u"store.not_found"_s, u"sync run "_s + QString::number(run.id),
                         u"no such sync run"_s);
    return Status::success();
}

Result<std::optional<SyncRun>> SyncRunRepository::find(qint64 id) const
{
    return findWhere(u"WHERE id = ?"_s, id);
}

Result<std::optional<SyncRun>> SyncRunRepository::latest() const
{
    return findWhere(u"ORDER BY id DESC LIMIT 1"_s, QVariant());
}

Result<std::optional<SyncRun>> SyncRunRepository::findWhere(const QString &where,
                                                            const QVariant &value) const
{
    auto query = detail::prepare(m_db, uR"(
SELECT id, started_at, finished_at, outcome, orders_seen, transactions_seen, linked, message
FROM sync_runs )"_s + where);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    if (value.isValid())
        q.bindValue(0, value);
    if (Status s = detail::exec(q, u"cannot read sync runs"_s); !s)
        return s.error();
    if (!q.next())
        return std::optional<SyncRun>();
    SyncRun r;
    int i = 0;
    r.id = q.value(i++).toLongLong();
    r.startedAt = detail::timeFromSql(q.value(i++));
    r.finishedAt = detail::timeFromSql(q.value(i++));
    r.outcome = q.value(i++).toString();
    r.ordersSeen = q.value(i++).toInt();
    r.transactionsSeen = q.value(i++).toInt();
    r.linked = q.value(i++).toInt();
    r.message = q.value(i++).toString();
    return std::optional<SyncRun>(std::move(r));
}

} // namespace pb::store
