#include "security/secretkeys.h"

#include <QRegularExpression>

namespace pb::security {

const QStringList &validSecretKeys()
{
    static const QStringList keys{
        QStringLiteral("paytrace.username"),
        QStringLiteral("paytrace.password"),
        QStringLiteral("magento.consumer_key"),
        QStringLiteral("magento.consumer_secret"),
        QStringLiteral("magento.access_token"),
        QStringLiteral("magento.access_token_secret"),
        QStringLiteral("magento.bearer_token"),
        QStringLiteral("odoo.password"),
    };
    return keys;
}

pb::Status validateSecretKey(const QString &secretKey)
{
    if (validSecretKeys().contains(secretKey))
        return {};
    return pb::makeError(QStringLiteral("secret.invalid_key"), QStringLiteral("key"),
                         QStringLiteral("\"%1\" is not a PayBridge secret; expected one of: %2")
                             .arg(secretKey.left(80), validSecretKeys().join(QStringLiteral(", "))));
}

pb::Status validateProfileName(const QString &profile)
{
    static const QRegularExpression re(QStringLiteral("\\A[A-Za-z0-9_-]{1,64}\\z"));
    if (re.match(profile).hasMatch())
        return {};
    return pb::makeError(QStringLiteral("secret.invalid_profile"), QStringLiteral("profile"),
                         QStringLiteral("\"%1\" is not a valid profile name; use 1 to 64 letters, "
                                        "digits, '_' or '-'")
                             .arg(profile.left(80)));
}

pb::Result<SecretRef> SecretRef::make(const QString &profile, const QString &secretKey)
{
    if (const pb::Status s = validateProfileName(profile); !s)
        return s.error();
    if (const pb::Status s = validateSecretKey(secretKey); !s)
        return s.error();
    const qsizetype dot = secretKey.indexOf(QLatin1Char('.'));
    return SecretRef{profile, secretKey.left(dot), secretKey.mid(dot + 1)};
}

} // namespace pb::security
