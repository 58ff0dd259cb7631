#include "magentooauth.h"

#include <QMessageAuthenticationCode>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

// PHP rawurldecode: percent escapes only, '+' stays '+'.
QByteArray rawDecode(QByteArrayView v)
{
    return QByteArray::fromPercentEncoding(v.toByteArray());
}

// RFC 3986 encoding (rawurlencode): everything but ALPHA / DIGIT / "-" / "." / "_" / "~".
QByteArray enc(const QByteArray &v)
{
    return v.toPercentEncoding();
}

// Magento's query split: '&', then '=', keeping only pairs that split into exactly two parts.
void addQueryPairs(QByteArrayView text, QList<QPair<QByteArray, QByteArray>> *out)
{
    for (const QByteArray &part : text.toByteArray().split('&')) {
        const QList<QByteArray> kv = part.split('=');
        if (kv.size() == 2)
            out->append({rawDecode(kv[0]), rawDecode(kv[1])});
    }
}

} // namespace

MagentoOAuthVerifier::MagentoOAuthVerifier(QString consumerKey, QString consumerSecret, QString accessToken,
                                           QString accessTokenSecret)
    : m_consumerKey(consumerKey.toUtf8()), m_consumerSecret(consumerSecret.toUtf8()),
      m_accessToken(accessToken.toUtf8()), m_accessTokenSecret(accessTokenSecret.toUtf8())
{
}

bool MagentoOAuthVerifier::isOAuthHeader(const QByteArray &authorization)
{
    return authorization.toLower().contains("oauth ");
}

std::optional<MagentoError> MagentoOAuthVerifier::verify(const HttpRequest &request, qint64 nowSecs)
{
    // Everything after "oauth " (case-insensitive), split on ',', oauth_* names only.
    const QByteArray header = request.header("authorization");
    const qsizetype at = header.toLower().indexOf("oauth ");
    QList<QPair<QByteArray, QByteArray>> protocol;
    for (const QByteArray &raw : header.mid(at + 6).split(',')) {
        const QByteArray part = raw.trimmed();
        const qsizetype eq = part.indexOf('=');
        if (eq <= 0)
            continue;
        const QByteArray name = part.left(eq).trimmed();
        bool valid = name.startsWith("oauth_") && name.size() > 6;
        for (char c : name.mid(6))
            valid = valid && ((c >= 'a' && c <= 'z') || c == '_' || c == '-');
        if (!valid)
            continue; // e.g. realm
        QByteArray value = part.mid(eq + 1).trimmed();
        value.replace('"', "");
        protocol.append({name, rawDecode(value)});
    }
    const auto param = [&](QByteArrayView name) -> std::optional<QByteArray> {
        for (const auto &p : std::as_const(protocol)) {
            if (p.first == name)
                return p.second;
        }
        return std::nullopt;
    };
    for (const char *required : {"oauth_consumer_key", "oauth_signature", "oauth_signature_method", "oauth_nonce",
                                 "oauth_timestamp", "oauth_token"}) {
        if (!param(required))
            return magentoError(400, u"\"%fieldName\" is required. Enter and try again."_s,
                                {{u"fieldName"_s, QString::fromLatin1(required)}});
    }
    if (const auto version = param("oauth_version"); version && *version != "1.0")
        return magentoErrorList(400, u"The \"%1\" Oauth version isn't supported."_s, {QString::fromUtf8(*version)});
    if (*param("oauth_signature_method") != "HMAC-SHA256")
        return magentoErrorList(400, u"Signature method %1 is not supported"_s,
                                {QString::fromUtf8(*param("oauth_signature_method"))});
    if (*param("oauth_consumer_key") != m_consumerKey)
        return magentoError(401, u"A consumer having the specified key does not exist"_s);
    const QByteArray token = *param("oauth_token");
    if (token.size() != 32)
        return magentoError(400, u"The token length is invalid. Check the length and try again."_s);
    if (token != m_accessToken)
        return magentoError(401, u"Specified token does not exist"_s);
    bool ok = false;
    const qint64 timestamp = param("oauth_timestamp")->toLongLong(&ok);
    if (!ok || timestamp <= 0 || timestamp > nowSecs + 600)
        return magentoError(400, u"Incorrect timestamp value in the oauth_timestamp parameter"_s);

    // Base string: METHOD & enc(url) & enc(sorted k=v of protocol + query + form parameters).
    QList<QPair<QByteArray, QByteArray>> params;
    for (const auto &p : std::as_const(protocol)) {
        if (p.first != "oauth_signature")
            params.append(p);
    }
    addQueryPairs(request.query, &params);
    if (request.header("content-type").toLower().startsWith("application/x-www-form-urlencoded"))
        addQueryPairs(request.body, &params);
    QList<QPair<QByteArray, QByteArray>> encoded;
    for (const auto &p : std::as_const(params))
        encoded.append({enc(p.first), enc(p.second)});
    // Byte order (ksort). Natural order differs only for indices of different lengths.
    std::stable_sort(encoded.begin(), encoded.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QByteArray joined;
    for (const auto &p : std::as_const(encoded)) {
        if (!joined.isEmpty())
            joined.append('&');
        joined.append(p.first).append('=').append(p.second);
    }
    QByteArray host = request.header("host").toLower();
    if (host.endsWith(":80"))
        host.chop(3);
    const QByteArray url = "http://" + host + rawDecode(request.path);
    const QByteArray base = request.method.toUpper() + '&' + enc(url) + '&' + enc(joined);
    const QByteArray key = enc(m_consumerSecret) + '&' + enc(m_accessTokenSecret);
    const QByteArray expected = QMessageAuthenticationCode::hash(base, key, QCryptographicHash::Sha256).toBase64();
    if (expected != *param("oauth_signature"))
        return magentoError(401, u"The signature is invalid. Verify and try again."_s);

    // Checked last, like Magento, so a bad signature does not burn the nonce.
    const QByteArray nonce = *param("oauth_nonce");
    if (m_nonces.contains(nonce))
        return magentoErrorList(401, u"The nonce is already being used by the consumer with ID %1"_s, {u"1"_s});
    if (m_nonces.size() > 1000000)
        m_nonces.clear(); // bounded memory for very long runs
    m_nonces.insert(nonce);
    return std::nullopt;
}

} // namespace pb::sandbox
