#include "access/accesssql.h"

#include "log/categories.h"
#include "store/auditlog.h"

#include <QJsonDocument>
#include <QSqlError>

using namespace Qt::StringLiterals;

namespace pb::access::detail {

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

} // namespace pb::access::detail
