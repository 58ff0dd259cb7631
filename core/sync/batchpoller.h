#pragma once

#include "paytrace/requests.h"
#include "util/result.h"

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QObject>
#include <QSqlDatabase>

#include <functional>

namespace pb::paytrace {
class PayTraceClient;
}

namespace pb::sync {

// PayTrace's settlement batches in the store (gateway_batches).
class BatchRepository
{
public:
    explicit BatchRepository(QSqlDatabase &db) : m_db(db) {}

    // Inserts new batches and updates those whose reported figures changed, in one savepoint;
    // a batch reported as before is left alone, so polling twice changes nothing. Returns how
    // many rows were written. A batch without a number or without any amount's currency is
    // refused with the batch named.
    Result<int> upsert(const QList<paytrace::BatchSummary> &batches, const QDateTime &syncedAt);
    Result<qint64> count() const;

private:
    QSqlDatabase &m_db;
};

// Reads the batch lists of the days `from`..`to` (PayTrace's batch clock) and stores them.
// `done` gets the number of rows written, or the failure (the store is then unchanged).
void pollBatches(paytrace::PayTraceClient &client, QSqlDatabase &db, QDate from, QDate to, QObject *context,
                 std::function<void(const Result<int> &)> done);

} // namespace pb::sync
