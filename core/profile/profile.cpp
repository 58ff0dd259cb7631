#include "profile/profile.h"

#include "log/redactor.h"

#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QJsonValue>
#include <QRegularExpression>
#include <QUrl>

namespace pb::profile {

namespace {

pb::Error invalid(const QString &field, const QString &message)
{
    return pb::makeError(QStringLiteral("profile.invalid"), field, message);
}

bool isLoopbackHost(const QString &host)
{
    if (host.compare(QLatin1StringView("localhost"), Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

pb::Status validatePin(const QString &pin, const QString &field)
{
    if (pin.isEmpty())
        return {};
    static const QRegularExpression hex(QStringLiteral("\\A[0-9A-Fa-f]{64}\\z"));
    QString digits = pin;
    digits.remove(QLatin1Char(':'));
    if (!hex.match(digits).hasMatch())
        return invalid(field, QStringLiteral("not a SHA-256 fingerprint (64 hex digits, colons allowed)"));
    return {};
}

// JSON field names, in file order.
namespace key {
const QLatin1StringView name("name");
const QLatin1StringView paytraceUrl("paytraceUrl");
const QLatin1StringView magentoUrl("magentoUrl");
const QLatin1StringView magentoAuth("magentoAuth");
const QLatin1StringView magentoSignature("magentoSignature");
const QLatin1StringView paytraceIntegratorId("paytraceIntegratorId");
const QLatin1StringView historyDays("historyDays");
const QLatin1StringView syncIntervalSeconds("syncIntervalSeconds");
const QLatin1StringView requestTimeoutSeconds("requestTimeoutSeconds");
const QLatin1StringView inDoubtSettleSeconds("inDoubtSettleSeconds");
const QLatin1StringView pinnedCertSha256Paytrace("pinnedCertSha256Paytrace");
const QLatin1StringView pinnedCertSha256Magento("pinnedCertSha256Magento");
const QLatin1StringView createdAt("createdAt");
const QLatin1StringView createdBy("createdBy");
const QLatin1StringView erp("erp");
} // namespace key

namespace erpkey {
const QLatin1StringView sink("sink");
const QLatin1StringView file("file");
const QLatin1StringView odooUrl("odooUrl");
const QLatin1StringView odooDatabase("odooDatabase");
const QLatin1StringView odooUsername("odooUsername");
const QLatin1StringView odooCurrency("odooCurrency");
const QLatin1StringView odooAccounts("odooAccounts");
} // namespace erpkey

bool hasControl(const QString &s)
{
    for (QChar c : s) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

bool isKnownKey(const QString &k)
{
    for (QLatin1StringView known :
         {key::name, key::paytraceUrl, key::magentoUrl, key::magentoAuth, key::magentoSignature,
          key::paytraceIntegratorId, key::historyDays, key::syncIntervalSeconds, key::requestTimeoutSeconds,
          key::inDoubtSettleSeconds, key::pinnedCertSha256Paytrace, key::pinnedCertSha256Magento,
          key::createdAt, key::createdBy, key::erp}) {
        if (k == known)
            return true;
    }
    return false;
}

} // namespace

pb::Status validateName(const QString &name, const QString &fieldPrefix)
{
    static const QRegularExpression re(QStringLiteral("\\A[A-Za-z0-9_-]{1,64}\\z"));
    if (re.match(name).hasMatch())
        return {};
    return invalid(fieldPrefix + key::name,
                   QStringLiteral("\"%1\" is not a valid profile name; use 1 to 64 letters, digits, "
                                  "'_' or '-'")
                       .arg(name.left(80)));
}

pb::Status validateServiceUrl(const QString &url, const QString &field)
{
    if (url.isEmpty())
        return invalid(field, QStringLiteral("required"));
    const QUrl u(url, QUrl::StrictMode);
    const QString scheme = u.scheme().toLower();
    if (!u.isValid() || (scheme != u"https" && scheme != u"http") || u.host().isEmpty())
        return invalid(field, QStringLiteral("not an http(s) URL"));
    if (!u.userInfo().isEmpty())
        return invalid(field, QStringLiteral("must not contain a user name or password; credentials "
                                             "belong in the keychain"));
    if (u.hasQuery() || u.hasFragment())
        return invalid(field, QStringLiteral("must be a base URL without query or fragment"));
    if (scheme == u"http" && !isLoopbackHost(u.host())) {
        return invalid(field, QStringLiteral("plain http is allowed only for loopback hosts "
                                             "(localhost, 127.0.0.1, ::1); use https for %1")
                                  .arg(u.host()));
    }
    return {};
}

pb::Status validate(const Profile &p, const QString &prefix)
{
    if (pb::Status s = validateName(p.name, prefix); !s)
        return s;
    if (pb::Status s = validateServiceUrl(p.paytraceUrl, prefix + key::paytraceUrl); !s)
        return s;
    if (pb::Status s = validateServiceUrl(p.magentoUrl, prefix + key::magentoUrl); !s)
        return s;
    if (p.magentoAuth != u"oauth1" && p.magentoAuth != u"bearer")
        return invalid(prefix + key::magentoAuth, QStringLiteral("must be \"oauth1\" or \"bearer\""));
    if (p.magentoSignature != u"HMAC-SHA256" && p.magentoSignature != u"HMAC-SHA1") {
        return invalid(prefix + key::magentoSignature,
                       QStringLiteral("must be \"HMAC-SHA256\" or \"HMAC-SHA1\""));
    }
    static const QRegularExpression integrator(QStringLiteral("\\A[A-Za-z0-9_-]{0,64}\\z"));
    if (!integrator.match(p.paytraceIntegratorId).hasMatch()) {
        return invalid(prefix + key::paytraceIntegratorId,
                       QStringLiteral("up to 64 letters, digits, '_' or '-'"));
    }
    if (p.historyDays < 1 || p.historyDays > 3650)
        return invalid(prefix + key::historyDays, QStringLiteral("must be between 1 and 3650 days"));
    if (p.syncIntervalSeconds < 30 || p.syncIntervalSeconds > 86400) {
        return invalid(prefix + key::syncIntervalSeconds,
                       QStringLiteral("must be between 30 and 86400 seconds"));
    }
    if (p.requestTimeoutSeconds < kMinRequestTimeoutSeconds || p.requestTimeoutSeconds > kMaxRequestTimeoutSeconds) {
        return invalid(prefix + key::requestTimeoutSeconds, QStringLiteral("must be between %1 and %2 seconds")
                                                                 .arg(kMinRequestTimeoutSeconds)
                                                                 .arg(kMaxRequestTimeoutSeconds));
    }
    if (p.inDoubtSettleSeconds < kMinInDoubtSettleSeconds || p.inDoubtSettleSeconds > kMaxInDoubtSettleSeconds) {
        return invalid(prefix + key::inDoubtSettleSeconds, QStringLiteral("must be between %1 and %2 seconds")
                                                                .arg(kMinInDoubtSettleSeconds)
                                                                .arg(kMaxInDoubtSettleSeconds));
    }
    if (p.inDoubtSettleSeconds < 2 * p.requestTimeoutSeconds) {
        return invalid(prefix + key::inDoubtSettleSeconds,
                       QStringLiteral("must be at least twice the request timeout (%1 s for %2 s): a write whose "
                                      "answer timed out may still be applied while the gateway works through it, "
                                      "so a shorter wait could conclude it did not happen and send it again")
                           .arg(2 * p.requestTimeoutSeconds)
                           .arg(p.requestTimeoutSeconds));
    }
    if (pb::Status s = validatePin(p.pinnedCertSha256Paytrace, prefix + key::pinnedCertSha256Paytrace); !s)
        return s;
    if (pb::Status s = validatePin(p.pinnedCertSha256Magento, prefix + key::pinnedCertSha256Magento); !s)
        return s;
    if (p.createdBy.size() > 128)
        return invalid(prefix + key::createdBy, QStringLiteral("longer than 128 characters"));
    return validate(p.erp, prefix + key::erp + QLatin1Char('.'));
}

pb::Status validate(const ErpSettings &e, const QString &prefix)
{
    if (e.sink != u"ledger" && e.sink != u"csv" && e.sink != u"odoo")
        return invalid(prefix + erpkey::sink, QStringLiteral("must be \"ledger\", \"csv\" or \"odoo\""));
    if (!e.file.isEmpty() && (!e.file.startsWith(QLatin1Char('/')) || hasControl(e.file) || e.file.endsWith(QLatin1Char('/'))))
        return invalid(prefix + erpkey::file, QStringLiteral("must be an absolute file path"));
    if (!e.odooUrl.isEmpty() || e.sink == u"odoo") {
        if (pb::Status s = validateServiceUrl(e.odooUrl, prefix + erpkey::odooUrl); !s)
            return s;
    }
    static const QRegularExpression database(QStringLiteral("\\A[A-Za-z0-9_.-]{1,63}\\z"));
    if ((!e.odooDatabase.isEmpty() || e.sink == u"odoo") && !database.match(e.odooDatabase).hasMatch())
        return invalid(prefix + erpkey::odooDatabase, QStringLiteral("required for Odoo: 1 to 63 letters, digits, '_', '.' or '-'"));
    if (e.sink == u"odoo" && e.odooUsername.isEmpty())
        return invalid(prefix + erpkey::odooUsername, QStringLiteral("required for Odoo"));
    if (e.odooUsername.size() > 128 || hasControl(e.odooUsername))
        return invalid(prefix + erpkey::odooUsername, QStringLiteral("at most 128 characters, no control characters"));
    static const QRegularExpression currency(QStringLiteral("\\A[A-Z]{3}\\z"));
    if (!currency.match(e.odooCurrency).hasMatch())
        return invalid(prefix + erpkey::odooCurrency, QStringLiteral("an ISO 4217 code such as USD"));
    static const QRegularExpression code(QStringLiteral("\\A[A-Za-z0-9._-]{1,64}\\z"));
    for (auto it = e.odooAccounts.begin(); it != e.odooAccounts.end(); ++it) {
        const QString field = prefix + erpkey::odooAccounts + QLatin1Char('.') + it.key().left(80);
        if (it.key().trimmed().isEmpty() || it.key().size() > 200 || hasControl(it.key()))
            return invalid(field, QStringLiteral("not a ledger account name"));
        if (!code.match(it.value()).hasMatch())
            return invalid(field, QStringLiteral("\"%1\" is not an Odoo account code (1 to 64 letters, digits, '.', '_' or '-')")
                                      .arg(it.value().left(80)));
    }
    if (e.sink == u"odoo" && e.odooAccounts.isEmpty())
        return invalid(prefix + erpkey::odooAccounts, QStringLiteral("required for Odoo: the Odoo account code of each PayBridge account"));
    return {};
}

QJsonObject toJson(const ErpSettings &e)
{
    QJsonObject accounts;
    for (auto it = e.odooAccounts.begin(); it != e.odooAccounts.end(); ++it)
        accounts.insert(it.key(), it.value());
    return QJsonObject{{erpkey::sink, e.sink},
                       {erpkey::file, e.file},
                       {erpkey::odooUrl, e.odooUrl},
                       {erpkey::odooDatabase, e.odooDatabase},
                       {erpkey::odooUsername, e.odooUsername},
                       {erpkey::odooCurrency, e.odooCurrency},
                       {erpkey::odooAccounts, accounts}};
}

pb::Result<ErpSettings> erpFromJson(const QJsonObject &o, const QString &prefix)
{
    ErpSettings e;
    for (auto it = o.begin(); it != o.end(); ++it) {
        const QString &k = it.key();
        if (pb::log::Redactor::isSensitiveKey(k)) {
            return pb::makeError(QStringLiteral("profile.secret_field"), prefix + k,
                                 QStringLiteral("looks like a secret; secrets belong in the OS keychain, never in a profile"));
        }
        QString *target = nullptr;
        if (k == erpkey::sink)
            target = &e.sink;
        else if (k == erpkey::file)
            target = &e.file;
        else if (k == erpkey::odooUrl)
            target = &e.odooUrl;
        else if (k == erpkey::odooDatabase)
            target = &e.odooDatabase;
        else if (k == erpkey::odooUsername)
            target = &e.odooUsername;
        else if (k == erpkey::odooCurrency)
            target = &e.odooCurrency;
        if (target) {
            if (!it.value().isString())
                return invalid(prefix + k, QStringLiteral("must be a string"));
            *target = it.value().toString();
            continue;
        }
        if (k != erpkey::odooAccounts)
            return pb::makeError(QStringLiteral("profile.unknown_field"), prefix + k, QStringLiteral("unknown field"));
        if (!it.value().isObject())
            return invalid(prefix + k, QStringLiteral("must be an object of account name → Odoo account code"));
        const QJsonObject accounts = it.value().toObject();
        for (auto a = accounts.begin(); a != accounts.end(); ++a) {
            if (!a.value().isString())
                return invalid(prefix + k + QLatin1Char('.') + a.key().left(80), QStringLiteral("must be a string"));
            e.odooAccounts.insert(a.key(), a.value().toString());
        }
    }
    if (pb::Status s = validate(e, prefix); !s)
        return s.error();
    return e;
}

QJsonObject toJson(const Profile &p)
{
    QJsonObject o;
    o.insert(key::name, p.name);
    o.insert(key::paytraceUrl, p.paytraceUrl);
    o.insert(key::magentoUrl, p.magentoUrl);
    o.insert(key::magentoAuth, p.magentoAuth);
    o.insert(key::magentoSignature, p.magentoSignature);
    o.insert(key::paytraceIntegratorId, p.paytraceIntegratorId);
    o.insert(key::historyDays, p.historyDays);
    o.insert(key::syncIntervalSeconds, p.syncIntervalSeconds);
    // Absent while default, like "erp": older files and readers are unchanged.
    const Profile defaults;
    if (p.requestTimeoutSeconds != defaults.requestTimeoutSeconds)
        o.insert(key::requestTimeoutSeconds, p.requestTimeoutSeconds);
    if (p.inDoubtSettleSeconds != defaults.inDoubtSettleSeconds)
        o.insert(key::inDoubtSettleSeconds, p.inDoubtSettleSeconds);
    o.insert(key::pinnedCertSha256Paytrace, p.pinnedCertSha256Paytrace);
    o.insert(key::pinnedCertSha256Magento, p.pinnedCertSha256Magento);
    o.insert(key::createdAt, p.createdAt.isValid() ? p.createdAt.toUTC().toString(Qt::ISODateWithMs) : QString());
    o.insert(key::createdBy, p.createdBy);
    if (p.erp != ErpSettings()) // absent while default, so older files and readers are unchanged
        o.insert(key::erp, toJson(p.erp));
    return o;
}

pb::Result<Profile> fromJson(const QJsonObject &o, const QString &prefix)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (isKnownKey(it.key()))
            continue;
        if (pb::log::Redactor::isSensitiveKey(it.key())) {
            return pb::makeError(QStringLiteral("profile.secret_field"), prefix + it.key(),
                                 QStringLiteral("looks like a secret; secrets belong in the OS "
                                                "keychain, never in a profile"));
        }
        return pb::makeError(QStringLiteral("profile.unknown_field"), prefix + it.key(),
                             QStringLiteral("unknown field"));
    }

    Profile p;
    // Absent optional fields keep the defaults; present ones must have the right type.
    auto text = [&](QLatin1StringView k, QString &out, bool required) -> pb::Status {
        const QJsonValue v = o.value(k);
        if (v.isUndefined())
            return required ? pb::Status(invalid(prefix + k, QStringLiteral("required"))) : pb::Status();
        if (!v.isString())
            return invalid(prefix + k, QStringLiteral("must be a string"));
        out = v.toString();
        return {};
    };
    auto integer = [&](QLatin1StringView k, int &out) -> pb::Status {
        const QJsonValue v = o.value(k);
        if (v.isUndefined())
            return {};
        const double d = v.toDouble();
        if (!v.isDouble() || d != double(qint64(d)) || d < -2147483648.0 || d > 2147483647.0)
            return invalid(prefix + k, QStringLiteral("must be a whole number"));
        out = int(d);
        return {};
    };

    QString createdAt;
    for (const pb::Status &s :
         {text(key::name, p.name, true), text(key::paytraceUrl, p.paytraceUrl, true),
          text(key::magentoUrl, p.magentoUrl, true), text(key::magentoAuth, p.magentoAuth, false),
          text(key::magentoSignature, p.magentoSignature, false),
          text(key::paytraceIntegratorId, p.paytraceIntegratorId, false),
          integer(key::historyDays, p.historyDays), integer(key::syncIntervalSeconds, p.syncIntervalSeconds),
          integer(key::requestTimeoutSeconds, p.requestTimeoutSeconds),
          integer(key::inDoubtSettleSeconds, p.inDoubtSettleSeconds),
          text(key::pinnedCertSha256Paytrace, p.pinnedCertSha256Paytrace, false),
          text(key::pinnedCertSha256Magento, p.pinnedCertSha256Magento, false),
          text(key::createdAt, createdAt, false), text(key::createdBy, p.createdBy, false)}) {
        if (!s)
            return s.error();
    }
    if (const QJsonValue erp = o.value(key::erp); !erp.isUndefined()) {
        if (!erp.isObject())
            return invalid(prefix + key::erp, QStringLiteral("must be an object"));
        pb::Result<ErpSettings> settings = erpFromJson(erp.toObject(), prefix + key::erp + QLatin1Char('.'));
        if (!settings)
            return settings.error();
        p.erp = *settings;
    }
    if (!createdAt.isEmpty()) {
        p.createdAt = QDateTime::fromString(createdAt, Qt::ISODateWithMs);
        if (!p.createdAt.isValid())
            return invalid(prefix + key::createdAt, QStringLiteral("not an ISO 8601 date and time"));
        p.createdAt = p.createdAt.toUTC();
    }
    if (pb::Status s = validate(p, prefix); !s)
        return s.error();
    return p;
}

QString e2eePublicKeyPath(const QString &databasePath)
{
    return QDir(QFileInfo(databasePath).absolutePath()).filePath(QStringLiteral("paytrace-e2ee-public-key.pem"));
}

} // namespace pb::profile
