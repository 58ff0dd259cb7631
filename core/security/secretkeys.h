#pragma once

#include "util/result.h"

#include <QLatin1StringView>
#include <QString>
#include <QStringList>

namespace pb::security {

// Keychain service name: the application id, so PayBridge's entries are easy to find (and to
// remove) in the desktop's password manager.
inline constexpr QLatin1StringView kApplicationId{"io.paybridge.PayBridge"};

// The secrets PayBridge keeps, as "<system>.<account>".
const QStringList &validSecretKeys();

// Identifies one secret of one connection profile. Keychain key: "<profile>:<system>:<account>",
// e.g. "Prod:paytrace:username" for profile "Prod" and secret key "paytrace.username".
struct SecretRef
{
    QString profile;
    QString system;  // "paytrace", "magento"
    QString account; // "username", "access_token", ...

    QString secretKey() const { return system + QLatin1Char('.') + account; }
    QString keychainKey() const { return profile + QLatin1Char(':') + system + QLatin1Char(':') + account; }

    // Validates both parts; errors: "secret.invalid_profile", "secret.invalid_key".
    static pb::Result<SecretRef> make(const QString &profile, const QString &secretKey);
};

pb::Status validateSecretKey(const QString &secretKey);
// Profile names: [A-Za-z0-9_-]{1,64} (the same rule as the profile store).
pb::Status validateProfileName(const QString &profile);

} // namespace pb::security
