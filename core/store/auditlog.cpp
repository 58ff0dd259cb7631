#include "store/auditlog.h"

#include "store/sqlsupport.h"

using namespace Qt::StringLiterals;

namespace pb::store {

Result<qint64> AuditLog::append(const QString &actor, const QString &action,
                                const QString &objectType, const QString &objectId,
                                const QString &beforeJson, const QString &afterJson,
                                const QString &detailText, const QDateTime &at)
{
    if (actor.isEmpty() || action.isEmpty())
        return makeError(u"store.invalid_record"_s, u"audit"_s,
                         u"an audit entry needs an actor and an action"_s);
    auto query = detail::prepare(m_db, uR"(
INSERT INTO audit_log (at, actor, action, object_type, object_id, before_json, after_json, detail)
VALUES (?, ?, ?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, '')))"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    int i = 0;
    q.bindValue(i++, detail::timeToSql(at.isValid() ? at : QDateTime::currentDateTimeUtc()));
    q.bindValue(i++, actor);
    q.bindValue(i++, action);
    q.bindValue(i++, objectType);
    q.bindValue(i++, objectId);
    q.bindValue(i++, beforeJson);
    q.bindValue(i++, afterJson);
    q.bindValue(i++, detailText);
    if (Status s = detail::exec(q, u"cannot append to the audit log ("_s + action + u')'); !s)
        return s.error();
    return q.lastInsertId().toLongLong();
}

Result<QList<AuditEntry>> AuditLog::recent(int limit) const
{
    auto query = detail::prepare(m_db, uR"(
SELECT id, at, actor, action, object_type, object_id, before_json, after_json, detail
FROM audit_log ORDER BY id DESC LIMIT ?)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, limit);
    if (Status s = detail::exec(q, u"cannot read the audit log"_s); !s)
        return s.error();
    QList<AuditEntry> entries;
    while (q.next()) {
        AuditEntry e;
        int i = 0;
        e.id = q.value(i++).toLongLong();
        e.at = detail::timeFromSql(q.value(i++));
        e.actor = q.value(i++).toString();
        e.action = q.value(i++).toString();
        e.objectType = q.value(i++).toString();
        e.objectId = q.value(i++).toString();
        e.beforeJson = q.value(i++).toString();
        e.afterJson = q.value(i++).toString();
        e.detail = q.value(i++).toString();
        entries.append(std::move(e));
    }
    return entries;
}

} // namespace pb::store
