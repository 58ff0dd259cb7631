#include "access/operator.h"

#include <QByteArray>

#include <cerrno>

#include <pwd.h>
#include <unistd.h>

#include <vector>

using namespace Qt::StringLiterals;

namespace pb::access {

QString roleName(Role role)
{
    switch (role) {
    case Role::Finance:
        return u"finance"_s;
    case Role::Support:
        return u"support"_s;
    case Role::Admin:
        return u"admin"_s;
    }
    return u"unknown"_s;
}

std::optional<Role> roleFromName(QStringView name)
{
    for (Role r : kAllRoles) {
        if (name == roleName(r))
            return r;
    }
    return std::nullopt;
}

QStringList roleNames(Roles roles)
{
    QStringList names;
    for (Role r : kAllRoles) {
        if (roles.testFlag(r))
            names.append(roleName(r));
    }
    return names;
}

QString rolesText(Roles roles)
{
    const QStringList names = roleNames(roles);
    return names.isEmpty() ? u"no role"_s : names.join(u", "_s);
}

Status validateAccount(const QString &account, const QString &field)
{
    if (account.isEmpty())
        return makeError(u"access.invalid_account"_s, field, u"the operator account is empty"_s);
    if (account.size() > 64)
        return makeError(u"access.invalid_account"_s, field,
                         u"the operator account is longer than 64 characters"_s);
    for (QChar c : account) {
        if (!c.isPrint() || c.isSpace())
            return makeError(u"access.invalid_account"_s, field,
                             u"the operator account \""_s + account
                                 + u"\" contains a space or a control character"_s);
    }
    // "unknown" is what many tools print when they cannot name a user: it names nobody.
    if (account.compare(u"unknown"_s, Qt::CaseInsensitive) == 0)
        return makeError(u"access.invalid_account"_s, field,
                         u"\"unknown\" is not an operator account"_s);
    return Status::success();
}

namespace {

QString accountFromPasswd()
{
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    if (size <= 0)
        size = 16384;
    std::vector<char> buffer(static_cast<std::size_t>(size));
    passwd pw{};
    passwd *found = nullptr;
    // The buffer may be too small for large NSS entries: grow it a few times on ERANGE.
    for (int attempt = 0; attempt < 4; ++attempt) {
        const int rc = getpwuid_r(geteuid(), &pw, buffer.data(), buffer.size(), &found);
        if (rc == ERANGE) {
            buffer.resize(buffer.size() * 4);
            continue;
        }
        if (rc != 0 || !found || !found->pw_name)
            return {};
        return QString::fromLocal8Bit(found->pw_name);
    }
    return {};
}

} // namespace

Result<QString> currentOsAccount()
{
    QStringList tried;
    const QString candidates[] = {
        accountFromPasswd(),
        QString::fromLocal8Bit(qgetenv("USER")),
        QString::fromLocal8Bit(qgetenv("LOGNAME")),
    };
    for (const QString &c : candidates) {
        if (validateAccount(c).ok())
            return c;
        if (!c.isEmpty())
            tried.append(c);
    }
    return makeError(u"access.no_account"_s, QString(),
                     u"cannot tell which OS account is running PayBridge (no passwd entry for the "
                     u"effective user and no usable USER or LOGNAME"_s
                         + (tried.isEmpty() ? QString() : u"; found: "_s + tried.join(u", "_s))
                         + u"); run it as a named user"_s);
}

} // namespace pb::access
