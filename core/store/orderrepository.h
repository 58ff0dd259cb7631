#pragma once

#include "model/order.h"
#include "store/paymentsummary.h"
#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>

#include <optional>

namespace pb::store {

// Magento orders in the store. Upserts keep the payment summary columns, which belong to
// LinkRepository.
class OrderRepository
{
public:
    explicit OrderRepository(QSqlDatabase &db) : m_db(db) {}

    // Inserts or updates by entity_id, all in one transaction (a savepoint when the caller
    // already has one open). Money fields must be in the order's currency (baseGrandTotal in
    // baseCurrency); an invalid Money is stored as zero. Any bad record fails the whole batch
    // with an error naming the order.
    Status upsert(const QList<OrderRecord> &orders, const QDateTime &syncedAt);

    Result<qint64> count() const;
    Result<std::optional<OrderRecord>> find(qint64 entityId) const;
    Result<std::optional<OrderRecord>> findByIncrementId(const QString &incrementId) const;
    Result<std::optional<PaymentSummary>> paymentSummary(qint64 entityId) const;

private:
    Result<std::optional<OrderRecord>> findWhere(const QString &column, const QVariant &value) const;

    QSqlDatabase &m_db;
};

} // namespace pb::store
