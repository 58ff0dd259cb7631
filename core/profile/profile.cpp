#include "profile/profile.h"

#include "log/redactor.h"

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
const QLatin1StringView pinnedCertSha256Paytrace("pinnedCertSha256Paytrace");
const QLatin1StringView pinnedCertSha256Magento("pinnedCertSha256Magento");
const QLatin1StringView createdAt("createdAt");
const QLatin1StringView createdBy("createdBy");
} // namespace key

bool isKnownKey(const QString &k)
{
    for (QLatin1StringView known :
         {key::name, key::paytraceUrl, key::magentoUrl, key::magentoAuth, key::magentoSignature,
          key::paytraceIntegratorId, key::historyDays, key::syncIntervalSeconds,
          key::pinnedCertSha256Paytrace, key::pinnedCertSha256Magento, key::createdAt, key::createdBy}) {
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
    if (pb::Status s = validatePin(p.pinnedCertSha256Paytrace, prefix + key::pinnedCertSha256Paytrace); !s)
        return s;
    if (pb::Status s = validatePin(p.pinnedCertSha256Magento, prefix + key::pinnedCertSha256Magento); !s)
        return s;
    if (p.createdBy.size() > 128)
        return invalid(prefix + key::createdBy, QStringLiteral("longer than 128 characters"));
    return {};
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
    o.insert(key::pinnedCertSha256Paytrace, p.pinnedCertSha256Paytrace);
    o.insert(key::pinnedCertSha256Magento, p.pinnedCertSha256Magento);
    o.insert(key::createdAt, p.createdAt.isValid() ? p.createdAt.toUTC().toString(Qt::ISODateWithMs) : QString());
    o.insert(key::createdBy, p.createdBy);
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
          text(key::pinnedCertSha256Paytrace, p.pinnedCertSha256Paytrace, false),
          text(key::pinnedCertSha256Magento, p.pinnedCertSha256Magento, false),
          text(key::createdAt, createdAt, false), text(key::createdBy, p.createdBy, false)}) {
        if (!s)
            return s.error();
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

} // namespace pb::profile
