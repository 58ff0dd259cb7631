#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QStringList>

#include <optional>

namespace pb::store {

struct LinkCounts
{
    qint64 linked = 0;               // transactions linked to an order
    qint64 unlinkedTransactions = 0; // transactions without an order
    qint64 ordersWithoutPayment = 0; // orders without any linked transaction
};

// Links gateway transactions to orders and keeps the orders' payment summary columns.
class LinkRepository
{
public:
    static constexpr QLatin1StringView kRuleInvoiceId{"invoice_id"};

    explicit LinkRepository(QSqlDatabase &db) : m_db(db) {}

    // Links every not yet linked transaction whose invoice_id equals an order's increment_id,
    // then recomputes the payment summary of the orders that gained a link. Set-based SQL in one
    // transaction; returns the number of new links (0 on a second run).
    Result<int> linkByInvoiceId(const QDateTime &now);

    Result<LinkCounts> counts() const;
    Result<QStringList> transactionIdsForOrder(qint64 entityId) const;
    Result<std::optional<qint64>> orderForTransaction(const QString &transactionId) const;

    // Recomputes the payment summary of the given orders (orders without links are left alone).
    Status recomputeSummaries(const QList<qint64> &orderEntityIds);

private:
    QSqlDatabase &m_db;
};

} // namespace pb::store
