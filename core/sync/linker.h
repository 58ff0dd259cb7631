#pragma once

#include "mapping/mappingprofile.h"
#include "util/result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QString>

namespace pb::sync {

// Links gateway transactions to orders as the mapping profile says: first by its key (a
// transaction field through the transforms equals an order field), then, for payments the key
// left unlinked, by the fallback (amount, time and card). Each link records its rule.
class Linker
{
public:
    explicit Linker(QSqlDatabase &db) : m_db(db) {}

    // Returns the number of new links (0 on a second run). One transaction.
    Result<int> link(const mapping::MappingProfile &profile, const QDateTime &now);

    // Why a transaction is not linked under this profile, in words ("two orders match ...");
    // empty when it is linked or would be linked by the next run.
    Result<QString> whyUnlinked(const mapping::MappingProfile &profile, const QString &transactionId);

    // order_transaction_links.rule values: "key:invoice_id=increment_id",
    // "fallback:amount+time+last4" (or "fallback:amount+time" without the card check).
    static QString keyRule(const mapping::LinkKey &key);
    static QString fallbackRule(const mapping::LinkFallback &fallback);

private:
    QSqlDatabase &m_db;
};

} // namespace pb::sync
