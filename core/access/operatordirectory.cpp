#include "access/operatordirectory.h"

#include "access/accesspolicy.h"
#include "access/accesssql.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace pb::access {

namespace {

const QLatin1StringView kLastAdmin{"access.last_admin"};

Error unknownOperator(const QString &account)
{
    return makeError(u"access.unknown_operator"_s, u"account"_s,
                     u"There is no operator "_s + account + u"; assign a role to add one"_s);
}

Result<Roles> loadRoles(QSqlDatabase &db, const QString &account)
{
    auto query = detail::prepare(db, u"SELECT role FROM operator_roles WHERE account = ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, account);
    if (Status s = detail::exec(q, u"cannot read the roles of "_s + account); !s)
        return s.error();
    Roles roles;
    while (q.next()) {
        // The CHECK constraint keeps unknown names out; one written by a newer build is ignored
        // rather than granted.
        if (auto r = roleFromName(q.value(0).toString()))
            roles |= *r;
    }
    return roles;
}

} // namespace

QJsonObject OperatorDirectory::toJson(const Operator &op)
{
    if (!op.known)
        return {};
    return QJsonObject{
        {u"account"_s, op.account},
        {u"display_name"_s, op.displayName},
        {u"disabled"_s, op.disabled},
        {u"roles"_s, QJsonArray::fromStringList(roleNames(op.roles))},
    };
}

Result<Operator> OperatorDirectory::find(const QString &account) const
{
    Operator op;
    op.account = account;
    auto query = detail::prepare(
        m_db, u"SELECT display_name, created_at, disabled FROM operators WHERE account = ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, account);
    if (Status s = detail::exec(q, u"cannot read the operator "_s + account); !s)
        return s.error();
    if (!q.next())
        return op;
    op.known = true;
    op.displayName = q.value(0).toString();
    op.createdAt = detail::timeFromSql(q.value(1));
    op.disabled = q.value(2).toInt() != 0;
    q.finish();
    auto roles = loadRoles(m_db, account);
    if (!roles)
        return roles.error();
    op.roles = *roles;
    return op;
}

Result<QList<Operator>> OperatorDirectory::list() const
{
    auto query = detail::prepare(m_db, u"SELECT account FROM operators ORDER BY account"_s);
    if (!query)
        return query.error();
    if (Status s = detail::exec(query.value(), u"cannot list the operators"_s); !s)
        return s.error();
    QStringList accounts;
    while (query.value().next())
        accounts.append(query.value().value(0).toString());
    query.value().finish();
    QList<Operator> operators;
    for (const QString &account : accounts) {
        auto op = find(account);
        if (!op)
            return op.error();
        operators.append(std::move(op).value());
    }
    return operators;
}

Result<int> OperatorDirectory::enabledAdminCount() const
{
    auto query = detail::prepare(m_db, uR"(
SELECT COUNT(*) FROM operator_roles r JOIN operators o ON o.account = r.account
WHERE r.role = 'admin' AND o.disabled = 0)"_s);
    if (!query)
        return query.error();
    if (Status s = detail::exec(query.value(), u"cannot count the admins"_s); !s)
        return s.error();
    return query.value().next() ? query.value().value(0).toInt() : 0;
}

Status OperatorDirectory::requireAdmin(const QString &actor) const
{
    auto op = find(actor);
    if (!op)
        return op.error();
    return AccessPolicy().check(*op, Action::ManageRoles);
}

Status OperatorDirectory::insertIfMissing(const QString &account, const QString &displayName)
{
    auto query = detail::prepare(m_db, uR"(
INSERT INTO operators (account, display_name, created_at, disabled) VALUES (?, COALESCE(?, ''), ?, 0)
ON CONFLICT (account) DO NOTHING)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, account);
    q.bindValue(1, displayName);
    q.bindValue(2, detail::timeToSql(QDateTime::currentDateTimeUtc()));
    return detail::exec(q, u"cannot add the operator "_s + account);
}

Status OperatorDirectory::auditChange(const QString &actor, const QString &action, const QString &account,
                                      const Operator &before, const QString &note)
{
    auto after = find(account);
    if (!after)
        return after.error();
    return detail::audit(m_db, actor, action, u"operator"_s, account, toJson(before), toJson(*after), note);
}

Result<bool> OperatorDirectory::ensureBootstrapAdmin(const QString &creator)
{
    if (Status s = validateAccount(creator, u"createdBy"_s); !s)
        return s.error();
    detail::Savepoint tx(m_db, "pb_access_bootstrap"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto admins = enabledAdminCount();
    if (!admins)
        return admins.error();
    if (*admins > 0) {
        if (Status s = tx.release(); !s)
            return s.error();
        return false;
    }
    auto before = find(creator);
    if (!before)
        return before.error();
    if (Status s = insertIfMissing(creator, QString()); !s)
        return s.error();
    {
        // The creator may be a disabled operator of an older store: no admin means nobody else
        // could ever enable them again.
        auto query = detail::prepare(m_db, u"UPDATE operators SET disabled = 0 WHERE account = ?"_s);
        if (!query)
            return query.error();
        query.value().bindValue(0, creator);
        if (Status s = detail::exec(query.value(), u"cannot enable "_s + creator); !s)
            return s.error();
    }
    {
        auto query = detail::prepare(m_db, uR"(
INSERT INTO operator_roles (account, role, granted_at, granted_by) VALUES (?, 'admin', ?, ?)
ON CONFLICT (account, role) DO NOTHING)"_s);
        if (!query)
            return query.error();
        QSqlQuery &q = query.value();
        q.bindValue(0, creator);
        q.bindValue(1, detail::timeToSql(QDateTime::currentDateTimeUtc()));
        q.bindValue(2, creator);
        if (Status s = detail::exec(q, u"cannot make "_s + creator + u" admin"_s); !s)
            return s.error();
    }
    auto after = find(creator);
    if (!after)
        return after.error();
    if (Status s = detail::audit(m_db, creator, u"access.bootstrap_admin"_s, u"operator"_s, creator,
                                 toJson(*before), toJson(*after),
                                 u"the store had no enabled admin, so the profile's creator became admin"_s);
        !s)
        return s.error();
    if (Status s = tx.release(); !s)
        return s.error();
    return true;
}

Status OperatorDirectory::addOperator(const QString &actor, const QString &account,
                                      const QString &displayName)
{
    if (Status s = validateAccount(account); !s)
        return s;
    detail::Savepoint tx(m_db, "pb_access_add"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    if (Status s = requireAdmin(actor); !s)
        return s;
    auto before = find(account);
    if (!before)
        return before.error();
    if (Status s = insertIfMissing(account, displayName); !s)
        return s;
    if (before->known && before->displayName != displayName) {
        auto query = detail::prepare(m_db, u"UPDATE operators SET display_name = COALESCE(?, '') WHERE account = ?"_s);
        if (!query)
            return query.error();
        query.value().bindValue(0, displayName);
        query.value().bindValue(1, account);
        if (Status s = detail::exec(query.value(), u"cannot rename "_s + account); !s)
            return s;
    }
    auto after = find(account);
    if (!after)
        return after.error();
    if (toJson(*before) != toJson(*after)) {
        if (Status s = detail::audit(m_db, actor, before->known ? u"access.operator_renamed"_s
                                                                 : u"access.operator_added"_s,
                                     u"operator"_s, account, toJson(*before), toJson(*after), QString());
            !s)
            return s;
    }
    return tx.release();
}

Status OperatorDirectory::assignRole(const QString &actor, const QString &account, Role role)
{
    if (Status s = validateAccount(account); !s)
        return s;
    detail::Savepoint tx(m_db, "pb_access_assign"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    if (Status s = requireAdmin(actor); !s)
        return s;
    auto before = find(account);
    if (!before)
        return before.error();
    if (before->has(role))
        return tx.release();
    if (Status s = insertIfMissing(account, QString()); !s)
        return s;
    auto query = detail::prepare(
        m_db, u"INSERT INTO operator_roles (account, role, granted_at, granted_by) VALUES (?, ?, ?, ?)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, account);
    q.bindValue(1, roleName(role));
    q.bindValue(2, detail::timeToSql(QDateTime::currentDateTimeUtc()));
    q.bindValue(3, actor);
    if (Status s = detail::exec(q, u"cannot give "_s + account + u" the role "_s + roleName(role)); !s)
        return s;
    if (Status s = auditChange(actor, u"access.role_assigned"_s, account, *before, roleName(role)); !s)
        return s;
    return tx.release();
}

Status OperatorDirectory::revokeRole(const QString &actor, const QString &account, Role role)
{
    detail::Savepoint tx(m_db, "pb_access_revoke"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    if (Status s = requireAdmin(actor); !s)
        return s;
    auto before = find(account);
    if (!before)
        return before.error();
    if (!before->known)
        return unknownOperator(account);
    if (!before->has(role))
        return tx.release();
    if (role == Role::Admin && !before->disabled) {
        auto admins = enabledAdminCount();
        if (!admins)
            return admins.error();
        if (*admins <= 1)
            return makeError(QString(kLastAdmin), u"role"_s,
                             account + u" is the last admin; give the admin role to another "
                                       u"operator first, so someone can still manage PayBridge"_s);
    }
    auto query = detail::prepare(m_db, u"DELETE FROM operator_roles WHERE account = ? AND role = ?"_s);
    if (!query)
        return query.error();
    query.value().bindValue(0, account);
    query.value().bindValue(1, roleName(role));
    if (Status s = detail::exec(query.value(), u"cannot take the role "_s + roleName(role)
                                                   + u" from "_s + account);
        !s)
        return s;
    if (Status s = auditChange(actor, u"access.role_revoked"_s, account, *before, roleName(role)); !s)
        return s;
    return tx.release();
}

Status OperatorDirectory::setDisabled(const QString &actor, const QString &account, bool disabled)
{
    detail::Savepoint tx(m_db, "pb_access_disable"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    if (Status s = requireAdmin(actor); !s)
        return s;
    auto before = find(account);
    if (!before)
        return before.error();
    if (!before->known)
        return unknownOperator(account);
    if (before->disabled == disabled)
        return tx.release();
    if (disabled && before->has(Role::Admin)) {
        auto admins = enabledAdminCount();
        if (!admins)
            return admins.error();
        if (*admins <= 1)
            return makeError(QString(kLastAdmin), u"disabled"_s,
                             account + u" is the last admin; give the admin role to another "
                                       u"operator before disabling this one"_s);
    }
    auto query = detail::prepare(m_db, u"UPDATE operators SET disabled = ? WHERE account = ?"_s);
    if (!query)
        return query.error();
    query.value().bindValue(0, disabled ? 1 : 0);
    query.value().bindValue(1, account);
    if (Status s = detail::exec(query.value(), u"cannot change whether "_s + account + u" is disabled"_s); !s)
        return s;
    const QString action = disabled ? u"access.operator_disabled"_s : u"access.operator_enabled"_s;
    if (Status s = auditChange(actor, action, account, *before, QString()); !s)
        return s;
    return tx.release();
}

} // namespace pb::access
