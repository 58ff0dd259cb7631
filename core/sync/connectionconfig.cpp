#include "sync/connectionconfig.h"

#include "net/httptransport.h"
#include "net/tlspolicy.h"

#include <QFileInfo>

namespace pb::sync {

namespace {

QString secret(const SyncConfig &config, const char *key)
{
    return config.secrets.value(QLatin1StringView(key));
}

Result<QUrl> serviceUrl(const QString &text, const char *field)
{
    const QUrl url(text);
    if (!url.isValid() || url.scheme().isEmpty())
        return makeError(QStringLiteral("config.invalid"), QString::fromLatin1(field),
                         QStringLiteral("not a valid URL: %1").arg(text));
    return url;
}

Error missingSecret(const char *key, QString message)
{
    return makeError(QStringLiteral("config.missing_secret"), QString::fromLatin1(key), std::move(message));
}

} // namespace

Result<paytrace::PayTraceConfig> paytraceConfigFor(const SyncConfig &config)
{
    auto url = serviceUrl(config.paytraceUrl, "paytraceUrl");
    if (!url)
        return url.error();
    paytrace::PayTraceConfig pc;
    pc.baseUrl = url.value();
    pc.username = secret(config, "paytrace.username");
    pc.password = secret(config, "paytrace.password");
    pc.integratorId = config.paytraceIntegratorId;
    if (config.requestTimeoutMs > 0)
        pc.timeoutMs = config.requestTimeoutMs;
    for (const char *key : {"paytrace.username", "paytrace.password"}) {
        if (secret(config, key).isEmpty())
            return missingSecret(key, QStringLiteral("%1 is not set for profile %2")
                                          .arg(QLatin1StringView(key), config.profileName));
    }
    return pc;
}

Result<magento::MagentoConfig> magentoConfigFor(const SyncConfig &config)
{
    auto url = serviceUrl(config.magentoUrl, "magentoUrl");
    if (!url)
        return url.error();
    magento::MagentoConfig mc;
    mc.baseUrl = url.value();
    if (config.requestTimeoutMs > 0)
        mc.timeoutMs = config.requestTimeoutMs;
    if (config.magentoAuth == u"bearer") {
        mc.auth = magento::MagentoConfig::Auth::Bearer;
        mc.accessToken = secret(config, "magento.bearer_token");
        if (mc.accessToken.isEmpty())
            return missingSecret("magento.bearer_token",
                                 QStringLiteral("the Magento bearer token is not set for profile %1")
                                     .arg(config.profileName));
        return mc;
    }
    if (config.magentoAuth != u"oauth1")
        return makeError(QStringLiteral("config.invalid"), QStringLiteral("magentoAuth"),
                         QStringLiteral("unknown Magento authentication '%1' (oauth1 or bearer)")
                             .arg(config.magentoAuth));
    mc.auth = magento::MagentoConfig::Auth::OAuth1;
    mc.oauth.consumerKey = secret(config, "magento.consumer_key");
    mc.oauth.consumerSecret = secret(config, "magento.consumer_secret");
    mc.oauth.accessToken = secret(config, "magento.access_token");
    mc.oauth.accessTokenSecret = secret(config, "magento.access_token_secret");
    for (const char *key : {"magento.consumer_key", "magento.consumer_secret", "magento.access_token",
                            "magento.access_token_secret"}) {
        if (secret(config, key).isEmpty())
            return missingSecret(key, QStringLiteral("%1 is not set for profile %2 (OAuth 1.0a needs all four "
                                                     "integration credentials)")
                                          .arg(QLatin1StringView(key), config.profileName));
    }
    if (config.magentoSignature == u"HMAC-SHA1")
        mc.signatureMethod = magento::OAuth1Signer::Method::HmacSha1;
    else if (config.magentoSignature == u"HMAC-SHA256")
        mc.signatureMethod = magento::OAuth1Signer::Method::HmacSha256;
    else
        return makeError(QStringLiteral("config.invalid"), QStringLiteral("magentoSignature"),
                         QStringLiteral("unknown OAuth 1.0a signature method '%1'").arg(config.magentoSignature));
    return mc;
}

Status applyCertificatePins(const SyncConfig &config, net::HttpTransport &transport)
{
    struct Pin
    {
        const QString &text;
        const QString &url;
        const char *field;
    };
    QHash<QString, std::pair<QUrl, QList<QByteArray>>> byOrigin; // both services may share one
    for (const Pin &pin : {Pin{config.pinnedCertSha256Paytrace, config.paytraceUrl, "pinnedCertSha256Paytrace"},
                           Pin{config.pinnedCertSha256Magento, config.magentoUrl, "pinnedCertSha256Magento"}}) {
        if (pin.text.trimmed().isEmpty())
            continue;
        const auto digest = net::parsePin(pin.text);
        if (!digest)
            return makeError(QStringLiteral("config.invalid"), QString::fromLatin1(pin.field),
                             QStringLiteral("not a SHA-256 certificate fingerprint (64 hex digits, ':' allowed)"));
        const QUrl url(pin.url);
        if (!url.isValid() || url.host().isEmpty())
            return makeError(QStringLiteral("config.invalid"), QString::fromLatin1(pin.field),
                             QStringLiteral("pins the certificate of %1, which is not a URL with a host").arg(pin.url));
        auto &origin = byOrigin[net::HttpTransport::originKey(url)];
        origin.first = url;
        origin.second.append(*digest);
    }
    // Both checked before either is set: a half-applied configuration is never left behind.
    for (const auto &[url, digests] : std::as_const(byOrigin))
        transport.setPinnedCertificates(url, digests);
    return Status::success();
}

erp::SinkOptions sinkOptionsFor(const SyncConfig &config, net::HttpTransport *transport)
{
    erp::SinkOptions options;
    options.settings = config.erp;
    options.dataDirectory = QFileInfo(config.databasePath).absolutePath();
    if (options.settings.sink == u"ledger" && options.settings.file.isEmpty() && !config.journalPath.isEmpty())
        options.fileOverride = config.journalPath;
    options.odooPassword = secret(config, "odoo.password");
    options.transport = transport;
    return options;
}

} // namespace pb::sync
