#pragma once

// Small SQL helpers shared by the store's repositories and the other areas that keep tables
// in it (access, intents).

#include "money/money.h"
#include "util/result.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

#include <optional>

namespace pb::store::detail {

Q_DECLARE_LOGGING_CATEGORY(lcStore)

// An error from the SQL driver: `what` says which operation failed, the driver text follows.
Error sqlError(const QString &code, const QString &what, const QSqlError &error);

// Prepares `sql` on `db`; the error names the statement.
Result<QSqlQuery> prepare(QSqlDatabase &db, const QString &sql);
// Executes a prepared query; the error says `what` was being done.
Status exec(QSqlQuery &query, const QString &what);
// Executes one unprepared statement.
Status execDirect(QSqlDatabase &db, const QString &sql);

// UTC milliseconds since the epoch; NULL for an invalid time.
QVariant timeToSql(const QDateTime &t);
QDateTime timeFromSql(const QVariant &v);

// Rebuilds money stored as minor units beside a currency code. An unknown code is a clear
// error naming the column and the value, never a crash or a silent default.
Result<Currency> currencyFromSql(const QString &code, const QString &field);

// A write transaction of its own when the connection is idle (BEGIN IMMEDIATE), or a SAVEPOINT
// nested in the caller's open transaction. Rolled back on destruction unless released.
// Never a bare SAVEPOINT on an idle connection: that starts a deferred transaction, which reads
// a snapshot first and then cannot take the write lock once another connection has committed
// since (SQLITE_BUSY at once; waiting does not help).
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
    bool m_ownsTransaction = false; // began with BEGIN IMMEDIATE, ends with COMMIT or ROLLBACK
};

} // namespace pb::store::detail
