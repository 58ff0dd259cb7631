#include "magento/oauth1.h"

#include <QMessageAuthenticationCode>
#include <QRandomGenerator>
#include <QUrlQuery>

#include <algorithm>

namespace pb::magento {

QString OAuth1Signer::percentEncode(QStringView text)
{
    // QUrl::toPercentEncoding leaves exactly ALPHA / DIGIT / "-" / "." / "_" / "~" unencoded.
    return QString::fromLatin1(QUrl::toPercentEncoding(text.toString()));
}

QString OAuth1Signer::normalizedUrl(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    QString out = scheme + QStringLiteral("://") + url.host(QUrl::FullyEncoded).toLower();
    const int port = url.port();
    const bool defaultPort = port < 0 || (scheme == u"http" && port == 80) || (scheme == u"https" && port == 443);
    if (!defaultPort)
        out += u':' + QString::number(port);
    QString path = url.path(QUrl::FullyEncoded);
    if (path.isEmpty())
        path = QStringLiteral("/");
    return out + path;
}

QString OAuth1Signer::baseString(const QByteArray &method, const QUrl &url, const QueryItems &params)
{
    QList<QPair<QString, QString>> encoded;
    encoded.reserve(params.size());
    for (const auto &p : params)
        encoded.append({percentEncode(p.first), percentEncode(p.second)});
    // Byte order of the encoded names (all ASCII): the order Magento's newest signer (ksort)
    // uses; with indices below 10 it equals the natural order of the older ones.
    std::sort(encoded.begin(), encoded.end(), [](const auto &a, const auto &b) {
        const int c = QString::compare(a.first, b.first, Qt::CaseSensitive);
        return c != 0 ? c < 0 : QString::compare(a.second, b.second, Qt::CaseSensitive) < 0;
    });
    QString joined;
    for (const auto &p : encoded) {
        if (!joined.isEmpty())
            joined += u'&';
        joined += p.first + u'=' + p.second;
    }
    return QString::fromLatin1(method.toUpper()) + u'&' + percentEncode(normalizedUrl(url)) + u'&'
        + percentEncode(joined);
}

QByteArray OAuth1Signer::sign(Method method, const QString &baseString, const QString &consumerSecret,
                              const QString &tokenSecret)
{
    const QByteArray key = (percentEncode(consumerSecret) + u'&' + percentEncode(tokenSecret)).toLatin1();
    const auto algorithm = method == Method::HmacSha1 ? QCryptographicHash::Sha1 : QCryptographicHash::Sha256;
    return QMessageAuthenticationCode::hash(baseString.toUtf8(), key, algorithm).toBase64();
}

QString OAuth1Signer::methodName(Method method)
{
    return method == Method::HmacSha1 ? QStringLiteral("HMAC-SHA1") : QStringLiteral("HMAC-SHA256");
}

QString OAuth1Signer::newNonce()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex());
}

QByteArray OAuth1Signer::authorizationHeader(const QByteArray &httpMethod, const QUrl &url,
                                             const OAuth1Credentials &credentials, Method method,
                                             const Parameters &parameters, const QueryItems &formParams)
{
    QueryItems oauth{{QStringLiteral("oauth_consumer_key"), credentials.consumerKey},
                     {QStringLiteral("oauth_nonce"), parameters.nonce},
                     {QStringLiteral("oauth_signature_method"), methodName(method)},
                     {QStringLiteral("oauth_timestamp"), QString::number(parameters.timestamp)},
                     {QStringLiteral("oauth_token"), credentials.accessToken}};
    if (parameters.includeVersion)
        oauth.append({QStringLiteral("oauth_version"), QStringLiteral("1.0")});

    QueryItems all = oauth;
    // Query values decoded as rawurldecode does: '+' stays '+'.
    const auto query = QUrlQuery(url).queryItems(QUrl::FullyDecoded);
    for (const auto &q : query)
        all.append(q);
    all += formParams;

    const QByteArray signature = sign(method, baseString(httpMethod, url, all), credentials.consumerSecret,
                                      credentials.accessTokenSecret);
    QByteArray header = QByteArrayLiteral("OAuth ");
    bool first = true;
    auto add = [&](const QString &name, const QString &value) {
        if (!first)
            header += QByteArrayLiteral(", ");
        first = false;
        header += name.toLatin1() + QByteArrayLiteral("=\"") + percentEncode(value).toLatin1() + '"';
    };
    for (const auto &p : oauth)
        add(p.first, p.second);
    add(QStringLiteral("oauth_signature"), QString::fromLatin1(signature));
    return header;
}

} // namespace pb::magento
