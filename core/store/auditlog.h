#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace pb::store {

struct AuditEntry
{
    qint64 id = 0;
    QDateTime at; // UTC
    QString actor;
    QString action;
    QString objectType;
    QString objectId;
    QString beforeJson;
    QString afterJson;
    QString detail;
};

// Append-only record of who did what. Callers must pass redacted text: no card data or secrets.
class AuditLog
{
public:
    explicit AuditLog(QSqlDatabase &db) : m_db(db) {}

    // Returns the new entry's id. An invalid `at` means now.
    Result<qint64> append(const QString &actor, const QString &action, const QString &objectType,
                          const QString &objectId, const QString &beforeJson,
                          const QString &afterJson, const QString &detail,
                          const QDateTime &at = {});
    // Newest first.
    Result<QList<AuditEntry>> recent(int limit) const;

private:
    QSqlDatabase &m_db;
};

} // namespace pb::store
