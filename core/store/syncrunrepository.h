#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace pb::store {

struct SyncRun
{
    qint64 id = 0;
    QDateTime startedAt;  // UTC
    QDateTime finishedAt; // invalid while running
    QString outcome;      // "running", then what finish() recorded ("ok", "failed", "cancelled", ...)
    int ordersSeen = 0;
    int transactionsSeen = 0;
    int linked = 0;
    QString message;
};

// One row per sync run, for the sync health view.
class SyncRunRepository
{
public:
    explicit SyncRunRepository(QSqlDatabase &db) : m_db(db) {}

    // Records a running sync and returns its id.
    Result<qint64> start(const QDateTime &startedAt);
    // Records the end of run `run.id` (finishedAt, outcome, counts, message).
    Status finish(const SyncRun &run);

    Result<std::optional<SyncRun>> find(qint64 id) const;
    Result<std::optional<SyncRun>> latest() const;

private:
    Result<std::optional<SyncRun>> findWhere(const QString &where, const QVariant &value) const;

    QSqlDatabase &m_db;
};

} // namespace pb::store
