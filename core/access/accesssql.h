#pragma once

// Small SQL helpers shared by the access area's stores. Not for use outside core/access.

#include "store/sqlsupport.h"
#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QLatin1StringView>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>
#include <QVariant>

namespace pb::access::detail {

using store::detail::exec;
using store::detail::prepare;
using store::detail::Savepoint;
using store::detail::timeFromSql;
using store::detail::timeToSql;

QString toJsonText(const QJsonObject &object);

// Appends to the audit log on `db`; the caller holds the savepoint, so the entry and the change
// it describes commit or roll back together.
Status audit(QSqlDatabase &db, const QString &actor, const QString &action,
             const QString &objectType, const QString &objectId, const QJsonObject &before,
             const QJsonObject &after, const QString &detail);

} // namespace pb::access::detail
