#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QFlags>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pb::access {

// What a person may do is the union of their roles; one operator may hold several.
enum class Role : unsigned {
    Finance = 0x1,
    Support = 0x2,
    Admin = 0x4,
};
Q_DECLARE_FLAGS(Roles, Role)

inline constexpr Role kAllRoles[] = {Role::Finance, Role::Support, Role::Admin};

// "finance", "support", "admin": the names stored in operator_roles and used in messages.
QString roleName(Role role);
std::optional<Role> roleFromName(QStringView name);
// "finance, support" (in kAllRoles order); "no role" when empty.
QString rolesText(Roles roles);
QStringList roleNames(Roles roles);

// A person using PayBridge. With the local SQLite store this is the OS account.
struct Operator
{
    QString account;     // primary key: the OS account name
    QString displayName;
    QDateTime createdAt; // UTC; invalid when the operator is not in the store
    bool disabled = false;
    bool known = false;  // false: the account has no row in operators (and therefore no role)
    Roles roles;

    bool has(Role role) const { return roles.testFlag(role); }
};

// The account PayBridge runs as: the name of the effective uid (getpwuid_r), else $USER, else
// $LOGNAME. Never empty and never "unknown": when nothing can be found it is an error, because
// an operator who cannot be named cannot be held to account.
Result<QString> currentOsAccount();

// An operator account name must be 1-64 printable characters without spaces or control
// characters, and not "unknown". The error names `field`.
Status validateAccount(const QString &account, const QString &field = QStringLiteral("account"));

} // namespace pb::access

Q_DECLARE_OPERATORS_FOR_FLAGS(pb::access::Roles)
