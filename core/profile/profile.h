#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QString>

namespace pb::profile {

// Where the day's journal goes (erp::makeSink). Stored as the profile's "erp" object, and only
// when it differs from the defaults. The Odoo password or API key is the keychain secret
// "odoo.password", never a field here.
struct ErpSettings
{
    QString sink = QStringLiteral("ledger"); // "ledger" | "csv" | "odoo"
    QString file;          // ledger/csv journal, absolute; empty: journal.ledger|journal.csv in the profile's data directory
    QString odooUrl;       // https (http only for loopback); required for "odoo"
    QString odooDatabase;  // required for "odoo"
    QString odooUsername;  // required for "odoo"
    QString odooCurrency = QStringLiteral("USD"); // the Odoo company's currency
    QMap<QString, QString> odooAccounts; // PayBridge account name → Odoo account code

    bool operator==(const ErpSettings &other) const = default;
};

// Errors are "profile.invalid" with the field ("erp.odooUrl", "erp.odooAccounts.Income:Sales").
pb::Status validate(const ErpSettings &erp, const QString &fieldPrefix = QString());
QJsonObject toJson(const ErpSettings &erp);
pb::Result<ErpSettings> erpFromJson(const QJsonObject &object, const QString &fieldPrefix = QString());

// The ranges of the timing settings (validate() enforces them; the editor and the command line
// offer the same). The settle time must also be at least twice the request timeout: a write
// whose answer was lost may still be applied while the gateway works through it.
inline constexpr int kMinRequestTimeoutSeconds = 5;
inline constexpr int kMaxRequestTimeoutSeconds = 600;
inline constexpr int kMinInDoubtSettleSeconds = 10;
inline constexpr int kMaxInDoubtSettleSeconds = 86400;

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
    // Transfer timeout of each PayTrace and Magento request (abort when nothing moves this long).
    int requestTimeoutSeconds = 60;
    // How long after its last send an in-doubt write must wait before lookups may conclude it
    // did not happen (a gateway that timed out is often still working). At least twice the
    // request timeout.
    int inDoubtSettleSeconds = 120;
    QString pinnedCertSha256Paytrace; // optional: SHA-256 of the server certificate, 64 hex digits
    QString pinnedCertSha256Magento;
    QDateTime createdAt;           // UTC
    QString createdBy;
    ErpSettings erp;

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

// The merchant's PayTrace public key for client-side card encryption (PEM), kept beside the
// profile's store: it is not a secret, and every console of the store needs the same one
// (docs/customers.md).
QString e2eePublicKeyPath(const QString &databasePath);
// Strict: unknown fields are refused ("profile.unknown_field"), and secret-looking ones get
// their own code ("profile.secret_field").
pb::Result<Profile> fromJson(const QJsonObject &object, const QString &fieldPrefix = QString());

} // namespace pb::profile
