#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace pb::profile {

// A connection profile: where PayBridge connects and how, for one store. Never a secret: the
// credentials of profile "Prod" live in the OS keychain under "Prod:<system>:<account>"
// (security::CredentialStore), and loading refuses secret-looking fields.
struct Profile
{
    QString name;                  // [A-Za-z0-9_-]{1,64}; also the keychain key prefix
    QString paytraceUrl;           // https (http only for loopback), e.g. https://api.paytrace.com
    QString magentoUrl;            // the store's base URL
    QString magentoAuth = QStringLiteral("oauth1");            // "oauth1" | "bearer"
    QString magentoSignature = QStringLiteral("HMAC-SHA256");  // "HMAC-SHA256" | "HMAC-SHA1"
    QString paytraceIntegratorId;  // optional
    int historyDays = 30;          // how far back the first sync reads
    int syncIntervalSeconds = 300;
    QString pinnedCertSha256Paytrace; // optional: SHA-256 of the server certificate, 64 hex digits
    QString pinnedCertSha256Magento;
    QDateTime createdAt;           // UTC
    QString createdBy;

    bool operator==(const Profile &other) const = default;
};

// Field-level validation. Errors are "profile.invalid" with the field name (prefixed by
// `fieldPrefix`, e.g. "profiles[1]."), and a message naming the rule.
pb::Status validateName(const QString &name, const QString &fieldPrefix = QString());
// http(s) URL with a host, no user name/password, query or fragment; plain http only for
// loopback hosts (localhost, 127.0.0.0/8, ::1).
pb::Status validateServiceUrl(const QString &url, const QString &field);
pb::Status validate(const Profile &profile, const QString &fieldPrefix = QString());

QJsonObject toJson(const Profile &profile);
// Strict: unknown fields are refused ("profile.unknown_field"), and secret-looking ones get
// their own code ("profile.secret_field").
pb::Result<Profile> fromJson(const QJsonObject &object, const QString &fieldPrefix = QString());

} // namespace pb::profile
