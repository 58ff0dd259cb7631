#include "access/accesssql.h"

#include "log/categories.h"
#include "store/auditlog.h"

#include <QJsonDocument>
#include <QSqlError>

using namespace Qt::StringLiterals;

namespace pb::access::detail {

namespace {

Error sqlError(const QString &what, const QSqlError &error)
{
    QString text = error.databaseText();
    if (text.isEmpty())
        text = error.driverText();
    return makeError(u"store.sql"_s, QString(), what + u": "_s + text);
}

Status execDirect(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql))
        return sqlError(u"cannot execute \""_s + sql + u'"', q.lastError());
    return Status::success();
}

} // namespace

Result<QSqlQuery> prepare(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return sqlError(u"cannot prepare \""_s + sql.simplified() + u'"', q.lastError());
    return q;
}

Status exec(QSqlQuery &query, const QString &what)
{
    if (!query.exec())
        return sqlError(what, query.lastError());
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

QString toJsonText(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

Status audit(QSqlDatabase &db, const QString &actor, const QString &action,
             const QString &objectType, const QString &objectId, const QJsonObject &before,
             const QJsonObject &after, const QString &detail)
{
    store::AuditLog log(db);
    // An empty object stands for "did not exist" (before a creation).
    auto id = log.append(actor, action, objectType, objectId, toJsonText(before), toJsonText(after),
                         detail);
    if (!id)
        return id.error();
    return Status::success();
}

Savepoint::Savepoint(QSqlDatabase &db, QLatin1StringView name) : m_db(db), m_name(name) {}

Savepoint::~Savepoint()
{
    if (!m_active)
        return;
    // ROLLBACK TO undoes the work but leaves the savepoint open; RELEASE then closes it.
    const Status undone = execDirect(m_db, u"ROLLBACK TO "_s + m_name);
    const Status closed = execDirect(m_db, u"RELEASE "_s + m_name);
    if (!undone || !closed)
        qCWarning(lcSecurity) << "rolling back savepoint" << m_name << "failed:"
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

} // namespace pb::access::detail
