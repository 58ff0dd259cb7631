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
    // order_transaction_links.rule of the default key link ("key:<paytrace field>=<magento
    // field>"; fallback links are "fallback:amount+time[+last4]"). Stores made before the
    // profile-driven linker hold "invoice_id" for the same rule.
    static constexpr QLatin1StringView kRuleInvoiceId{"key:invoice_id=increment_id"};

    struct NewLink
    {
        QString transactionId;
        qint64 orderEntityId = 0;
        QString rule;
    };

    explicit LinkRepository(QSqlDatabase &db) : m_db(db) {}

    // Links every not yet linked transaction whose invoice_id equals an order's increment_id,
    // then recomputes the payment summary of the orders that gained a link. Set-based SQL in one
    // transaction; returns the number of new links (0 on a second run).
    Result<int> linkByInvoiceId(const QDateTime &now);
    // Links the given transactions (those linked already are left alone) and recomputes the
    // summary of the orders that gained a link; returns the number of new links.
    Result<int> addLinks(const QList<NewLink> &links, const QDateTime &now);

    Result<LinkCounts> counts() const;
    Result<QStringList> transactionIdsForOrder(qint64 entityId) const;
    Result<std::optional<qint64>> orderForTransaction(const QString &transactionId) const;

    // Recomputes the payment summary of the given orders (orders without links are left alone).
    Status recomputeSummaries(const QList<qint64> &orderEntityIds);

private:
    QSqlDatabase &m_db;
};

} // namespace pb::store
