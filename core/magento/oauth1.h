#pragma once

#include "magento/searchcriteria.h"

#include <QByteArray>
#include <QString>
#include <QUrl>

namespace pb::magento {

// The four values of an activated Magento integration (docs/magento.md §1). Never logged.
struct OAuth1Credentials
{
    QString consumerKey;
    QString consumerSecret;
    QString accessToken;
    QString accessTokenSecret;
};

// OAuth 1.0a request signing as Magento verifies it (docs/magento.md §1): RFC 3986 encoding,
// parameters = oauth_* + query + form body (a JSON body is not signed), sorted by encoded name
// (then value), URL with lower-case host and no default port, key = enc(consumer secret) &
// enc(token secret). HMAC-SHA256 is what 2.4.4+ accepts; HMAC-SHA1 is for ≤ 2.4.3 stores.
class OAuth1Signer
{
public:
    enum class Method { HmacSha256, HmacSha1 };

    struct Parameters
    {
        QString nonce;          // fresh per request (newNonce())
        qint64 timestamp = 0;   // Unix seconds
        bool includeVersion = false; // oauth_version="1.0" is optional for Magento
    };

    static QString percentEncode(QStringView text);
    // scheme://host[:port]/path — host lower-cased, :80 for http and :443 for https dropped.
    static QString normalizedUrl(const QUrl &url);
    // METHOD&enc(url)&enc(sorted k=v joined by &). `params` are decoded names and values.
    static QString baseString(const QByteArray &method, const QUrl &url, const QueryItems &params);
    static QByteArray sign(Method method, const QString &baseString, const QString &consumerSecret,
                           const QString &tokenSecret); // Base64
    // The complete "OAuth ..." header value. Query parameters are read from `url`;
    // `formParams` only for application/x-www-form-urlencoded bodies.
    static QByteArray authorizationHeader(const QByteArray &httpMethod, const QUrl &url,
                                          const OAuth1Credentials &credentials, Method method,
                                          const Parameters &parameters, const QueryItems &formParams = {});
    static QString newNonce();
    static QString methodName(Method method); // "HMAC-SHA256", "HMAC-SHA1"
};

} // namespace pb::magento
