#pragma once

#include "access/accesspolicy.h"
#include "money/money.h"
#include "util/result.h"

#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace pb::access {

// The limits admins set (table access_limits). Changes are audited in the same transaction.
class LimitStore
{
public:
    explicit LimitStore(QSqlDatabase &db) : m_db(db) {}

    Result<Limits> load() const;
    // Admin only. nullopt removes the limit (support then needs approval for every refund).
    // A negative amount is refused.
    Status setSupportRefundLimit(const QString &actor, const std::optional<Money> &limit);

private:
    QSqlDatabase &m_db;
};

} // namespace pb::access
