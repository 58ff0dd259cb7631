#include "store/sqlsupport.h"

#include <QSqlDriver>

#include <sqlite3.h>

using namespace Qt::StringLiterals;

namespace pb::store::detail {

Q_LOGGING_CATEGORY(lcStore, "paybridge.store")

Error sqlError(const QString &code, const QString &what, const QSqlError &error)
{
    QString driverText = error.databaseText();
    if (driverText.isEmpty())
        driverText = error.driverText();
    return makeError(code, QString(), what + u": "_s + driverText);
}

Result<QSqlQuery> prepare(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    // Rows are read once, front to back: no client-side cache of every row.
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return sqlError(u"store.sql"_s, u"cannot prepare \""_s + sql.simplified() + u'"',
                        query.lastError());
    return query;
}

Status exec(QSqlQuery &query, const QString &what)
{
    if (!query.exec())
        return sqlError(u"store.sql"_s, what, query.lastError());
    return Status::success();
}

Status execDirect(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql))
        return sqlError(u"store.sql"_s, u"cannot execute \""_s + sql.simplified() + u'"',
                        query.lastError());
    return Status::success();
}

QVariant timeToSql(const QDateTime &t)
{
    if (!t.isValid())
        return QVariant(QMetaType::fromType<qint64>());
    return t.toMSecsSinceEpoch();
}

QDateTime timeFromSql(const QVariant &v)
{
    if (v.isNull())
        return {};
    return QDateTime::fromMSecsSinceEpoch(v.toLongLong(), Qt::UTC);
}

Result<Currency> currencyFromSql(const QString &code, const QString &field)
{
    const auto c = Currency::fromCode(code);
    if (!c)
        return makeError(u"store.currency"_s, field,
                         u"the store holds the unknown currency code \""_s + code + u'"');
    return *c;
}

namespace {

// Whether a transaction is open on the connection, however it was begun (BEGIN, a savepoint,
// raw SQL). Unknown (not the SQLite driver) counts as open: a savepoint is then the safe choice.
bool inTransaction(QSqlDatabase &db)
{
    const QVariant handle = db.driver() ? db.driver()->handle() : QVariant();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "sqlite3*") != 0)
        return true;
    sqlite3 *raw = *static_cast<sqlite3 *const *>(handle.constData());
    return raw == nullptr || sqlite3_get_autocommit(raw) == 0;
}

} // namespace

Savepoint::Savepoint(QSqlDatabase &db, QLatin1StringView name) : m_db(db), m_name(name) {}

Savepoint::~Savepoint()
{
    if (!m_active)
        return;
    if (m_ownsTransaction) {
        if (const Status undone = execDirect(m_db, u"ROLLBACK"_s); !undone)
            qCWarning(lcStore) << "rolling back transaction" << m_name << "failed:" << undone.error().message;
        return;
    }
    // ROLLBACK TO undoes the work but keeps the savepoint open; RELEASE then closes it.
    const Status undone = execDirect(m_db, u"ROLLBACK TO "_s + m_name);
    const Status closed = execDirect(m_db, u"RELEASE "_s + m_name);
    if (!undone || !closed)
        qCWarning(lcStore) << "rolling back savepoint" << m_name << "failed:"
                           << (undone ? closed.error().message : undone.error().message);
}

Status Savepoint::begin()
{
    // IMMEDIATE takes the write lock before the first read (waiting up to the busy timeout
    // while another connection writes), so the reads and writes inside see one state.
    m_ownsTransaction = !inTransaction(m_db);
    const QString sql = m_ownsTransaction ? u"BEGIN IMMEDIATE"_s : QString(u"SAVEPOINT "_s + m_name);
    Status s = execDirect(m_db, sql);
    m_active = s.ok();
    return s;
}

Status Savepoint::release()
{
    Status s = execDirect(m_db, m_ownsTransaction ? u"COMMIT"_s : QString(u"RELEASE "_s + m_name));
    if (s)
        m_active = false;
    return s;
}

} // namespace pb::store::detail
