#pragma once

#include "httpserver.h"
#include "searchcriteria.h"

#include <QSet>

#include <optional>

namespace pb::sandbox {

// OAuth 1.0a verification of Magento REST calls made by an integration (docs/magento.md §1):
// protocol parameters from the "Authorization: OAuth …" header only, HMAC-SHA256 only (2.4.4+),
// base string over the oauth_* parameters plus the query and form parameters, signing key
// consumer_secret&token_secret, nonces unique per consumer, timestamps at most 600 s ahead.
// Not thread-safe (the nonce set); the simulator serialises calls.
class MagentoOAuthVerifier
{
public:
    MagentoOAuthVerifier(QString consumerKey, QString consumerSecret, QString accessToken, QString accessTokenSecret);

    static bool isOAuthHeader(const QByteArray &authorization);
    // nullopt when the request is signed correctly; otherwise the error Magento answers.
    std::optional<MagentoError> verify(const HttpRequest &request, qint64 nowSecs);

private:
    QByteArray m_consumerKey;
    QByteArray m_consumerSecret;
    QByteArray m_accessToken;
    QByteArray m_accessTokenSecret;
    QSet<QByteArray> m_nonces;
};

} // namespace pb::sandbox
