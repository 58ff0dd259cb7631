#pragma once

#include "model/transaction.h"
#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>

#include <optional>

namespace pb::store {

// PayTrace transactions in the store.
class TransactionRepository
{
public:
    explicit TransactionRepository(QSqlDatabase &db) : m_db(db) {}

    // Inserts or updates by transaction_id in one transaction (a savepoint inside the caller's).
    // Orders already linked to an updated transaction get their payment summary recomputed in
    // the same transaction, so a status change (pending -> settled, voided) shows at once.
    Status upsert(const QList<GatewayTransaction> &transactions, const QDateTime &syncedAt);

    Result<qint64> count() const;
    Result<std::optional<GatewayTransaction>> find(const QString &transactionId) const;

private:
    QSqlDatabase &m_db;
};

} // namespace pb::store
