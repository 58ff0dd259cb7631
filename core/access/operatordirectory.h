#pragma once

#include "access/operator.h"
#include "util/result.h"

#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace pb::access {

// The operators of one store and their roles. Every change is checked against the acting
// operator as the store has them (never as the caller says), and is written to the audit log
// in the same transaction as the change.
class OperatorDirectory
{
public:
    explicit OperatorDirectory(QSqlDatabase &db) : m_db(db) {}

    // The operator with that account. An account the store does not know is returned with
    // known == false and no role, so the policy refuses it with a clear reason.
    Result<Operator> find(const QString &account) const;
    // Every operator, by account.
    Result<QList<Operator>> list() const;
    // Enabled operators holding the admin role.
    Result<int> enabledAdminCount() const;

    // The profile's creator becomes admin when the store has no enabled admin; returns whether
    // it did. Run at start-up with Profile::createdBy.
    Result<bool> ensureBootstrapAdmin(const QString &creator);

    // Admin only. Adds (or renames) an operator without giving a role.
    Status addOperator(const QString &actor, const QString &account, const QString &displayName);
    // Admin only. Adds the operator when the store does not know the account yet. Assigning a
    // role the operator already holds changes nothing.
    Status assignRole(const QString &actor, const QString &account, Role role);
    // Admin only. Refuses ("access.last_admin") to take the admin role from the last enabled admin.
    Status revokeRole(const QString &actor, const QString &account, Role role);
    // Admin only. Refuses ("access.last_admin") to disable the last enabled admin.
    Status setDisabled(const QString &actor, const QString &account, bool disabled);

    // {"account", "display_name", "disabled", "roles": [...]}; {} for an unknown account.
    static QJsonObject toJson(const Operator &op);

private:
    Status requireAdmin(const QString &actor) const;
    Status insertIfMissing(const QString &account, const QString &displayName);
    // The audit entry of a change to `account`: `before` and the operator as stored now.
    Status auditChange(const QString &actor, const QString &action, const QString &account,
                       const Operator &before, const QString &note);

    QSqlDatabase &m_db;
};

} // namespace pb::access
