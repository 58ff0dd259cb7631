#include "net/tlspolicy.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QUrlQuery>

namespace pb::net {

bool isLoopbackHost(const QString &host)
{
    QString h = host.toLower();
    if (h.endsWith(u'.'))
        h.chop(1);
    if (h == u"localhost")
        return true;
    QHostAddress addr;
    if (!addr.setAddress(h))
        return false;
    if (addr.isLoopback())
        return true;
    // IPv4-mapped IPv6 (::ffff:127.0.0.1) is loopback too.
    bool ok = false;
    const quint32 v4 = addr.toIPv4Address(&ok);
    return ok && (v4 >> 24) == 127;
}

Status checkUrlPolicy(const QUrl &url)
{
    if (!url.isValid() || url.host().isEmpty()) {
        return makeError(QStringLiteral("net.url_invalid"), QStringLiteral("url"),
                         QStringLiteral("not a valid absolute URL with a host: ")
                             + url.toDisplayString(QUrl::RemoveUserInfo | QUrl::RemoveQuery));
    }
    const QString scheme = url.scheme().toLower();
    if (scheme == u"https")
        return Status::success();
    if (scheme == u"http") {
        if (isLoopbackHost(url.host()))
            return Status::success();
        return makeError(QStringLiteral("net.https_required"), QStringLiteral("url"),
                         QStringLiteral("https is required for ") + url.host()
                             + QStringLiteral(" (plain http is allowed only for loopback addresses); "
                                              "change the URL to https://"));
    }
    return makeError(QStringLiteral("net.scheme_unsupported"), QStringLiteral("url"),
                     QStringLiteral("unsupported URL scheme \"") + url.scheme()
                         + QStringLiteral("\"; use https://"));
}

QByteArray certificateSha256(const QSslCertificate &certificate)
{
    return QCryptographicHash::hash(certificate.toDer(), QCryptographicHash::Sha256);
}

std::optional<QByteArray> parsePin(QStringView text)
{
    QByteArray hex;
    hex.reserve(64);
    for (QChar c : text) {
        if (c == u':' || c.isSpace())
            continue;
        const char16_t u = c.unicode();
        const bool isHex = (u >= u'0' && u <= u'9') || (u >= u'a' && u <= u'f') || (u >= u'A' && u <= u'F');
        if (!isHex)
            return std::nullopt;
        hex.append(static_cast<char>(u));
    }
    if (hex.size() != 64)
        return std::nullopt;
    return QByteArray::fromHex(hex);
}

namespace {
bool isSecretName(const QString &name)
{
    static const char16_t *const needles[] = {
        u"pass", u"token", u"secret", u"signature", u"key", u"auth", u"session",
        u"card", u"number", u"pan", u"csc", u"cvv", u"cvc", u"account", u"routing"};
    const QString lower = name.toLower();
    for (const char16_t *n : needles) {
        if (lower.contains(QStringView(n)))
            return true;
    }
    return false;
}
} // namespace

QString redactUrl(const QUrl &url)
{
    QUrl copy = url.adjusted(QUrl::RemoveUserInfo | QUrl::RemoveFragment);
    if (copy.hasQuery()) {
        QUrlQuery query(copy);
        auto items = query.queryItems(QUrl::FullyEncoded);
        for (auto &item : items) {
            const QString decodedName = QUrl::fromPercentEncoding(item.first.toUtf8());
            if (isSecretName(decodedName))
                item.second = QStringLiteral("***");
        }
        QUrlQuery redacted;
        redacted.setQueryItems(items);
        copy.setQuery(redacted.query(QUrl::FullyEncoded), QUrl::StrictMode);
    }
    return copy.toString(QUrl::FullyEncoded);
}

} // namespace pb::net
