#pragma once

// Small SQL helpers shared by the access area's stores. Not for use outside core/access.

#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

namespace pb::access::detail {

Result<QSqlQuery> prepare(QSqlDatabase &db, const QString &sql);
Status exec(QSqlQuery &query, const QString &what);

QVariant timeToSql(const QDateTime &t);
QDateTime timeFromSql(const QVariant &v);

QString toJsonText(const QJsonObject &object);

// Appends to the audit log on `db`; the caller holds the savepoint, so the entry and the change
// it describes commit or roll back together.
Status audit(QSqlDatabase &db, const QString &actor, const QString &action,
             const QString &objectType, const QString &objectId, const QJsonObject &before,
             const QJsonObject &after, const QString &detail);

// A SAVEPOINT: its own transaction on an idle connection, or a nested part of the caller's.
// Rolled back on destruction unless released.
class Savepoint
{
public:
    Savepoint(QSqlDatabase &db, QLatin1StringView name);
    ~Savepoint();
    Savepoint(const Savepoint &) = delete;
    Savepoint &operator=(const Savepoint &) = delete;

    Status begin();
    Status release();

private:
    QSqlDatabase &m_db;
    QString m_name;
    bool m_active = false;
};

} // namespace pb::access::detail
