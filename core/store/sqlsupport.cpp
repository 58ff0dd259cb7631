#include "store/sqlsupport.h"


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

Savepoint::Savepoint(QSqlDatabase &db, QLatin1StringView name) : m_db(db), m_name(name) {}

Savepoint::~Savepoint()
{
    if (!m_active)
        return;
    // ROLLBACK TO undoes the work but keeps the savepoint open; RELEASE then closes it.
    const Status undone = execDirect(m_db, u"ROLLBACK TO "_s + m_name);
    const Status closed = execDirect(m_db, u"RELEASE "_s + m_name);
    if (!undone || !closed)
        qCWarning(lcStore) << "rolling back savepoint" << m_name << "failed:"
                           << (undone ? closed.error().message : undone.error().message);
}

Status Savepoint::begin()
{
    Status s = execDirect(m_db, u"SAVEPOINT "_s + m_name);
    m_active = s.ok();
    return s;
}

Status Savepoint::release()
{
    Status s = execDirect(m_db, u"RELEASE "_s + m_name);
    if (s)
        m_active = false;
    return s;
}

} // namespace pb::store::detail
