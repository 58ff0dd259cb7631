#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace pb::store {

// Named sync positions ("magento.orders.updated_at", ...), stored as text.
class CursorRepository
{
public:
    explicit CursorRepository(QSqlDatabase &db) : m_db(db) {}

    Result<std::optional<QString>> get(const QString &name) const;
    // An invalid updatedAt means now.
    Status set(const QString &name, const QString &value, const QDateTime &updatedAt = {});

private:
    QSqlDatabase &m_db;
};

} // namespace pb::store
