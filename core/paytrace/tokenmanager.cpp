#include "paytrace/tokenmanager.h"

#include "net/httptransport.h"
#include "net/netlog.h"
#include "paytrace/parser.h"

namespace pb::paytrace {

QUrl appendPath(const QUrl &base, QStringView path)
{
    QUrl url = base;
    QString p = base.path(QUrl::FullyEncoded);
    while (p.endsWith(u'/'))
        p.chop(1);
    if (!path.startsWith(u'/'))
        p += u'/';
    p += path;
    url.setPath(p, QUrl::StrictMode);
    return url;
}

TokenManager::TokenManager(net::HttpTransport *transport, QUrl baseUrl, QString username,
                           QString password, QObject *parent)
    : QObject(parent)
    , m_transport(transport)
    , m_baseUrl(std::move(baseUrl))
    , m_username(std::move(username))
    , m_password(std::move(password))
{
}

QUrl TokenManager::tokenUrl() const
{
    return appendPath(m_baseUrl, u"/oauth/token");
}

bool TokenManager::hasValidToken() const
{
    if (m_token.isEmpty() || !m_receivedAt.isValid())
        return false;
    const qint64 margin = std::min<qint64>(m_marginSeconds, m_lifetimeSeconds / 2);
    return m_receivedAt.elapsed() < (m_lifetimeSeconds - margin) * 1000;
}

void TokenManager::withToken(QObject *context, Callback callback)
{
    if (hasValidToken()) {
        callback(m_token, Outcome{});
        return;
    }
    m_waiters.append(Waiter{context, context != nullptr, std::move(callback)});
    if (!m_requesting)
        requestToken();
}

void TokenManager::invalidate(const QString &token)
{
    if (!token.isEmpty() && token == m_token) {
        qCInfo(net::lcPayTrace) << "access token refused by PayTrace; a new one will be requested";
        m_token.clear();
        m_receivedAt.invalidate();
    }
}

void TokenManager::requestToken()
{
    m_requesting = true;
    ++m_grantsSent;
    net::HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = tokenUrl();
    req.timeoutMs = m_timeoutMs;
    req.effect = net::Effect::Read; // a repeated grant changes nothing that matters
    req.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/x-www-form-urlencoded")},
                   {QByteArrayLiteral("Accept"), QByteArrayLiteral("*/*")}};
    const QByteArray body = QByteArrayLiteral("grant_type=password&username=")
        + QUrl::toPercentEncoding(m_username) + QByteArrayLiteral("&password=")
        + QUrl::toPercentEncoding(m_password);

    m_transport->send(req, body, this, [this](const net::HttpResponse &http) {
        m_requesting = false;
        Outcome out = Parser::outcomeFor(http);
        if (http.isHttpSuccess()) {
            auto token = Parser::parseToken(http.body);
            if (token) {
                m_token = token->accessToken;
                m_lifetimeSeconds = token->expiresIn;
                m_receivedAt.start();
                qCInfo(net::lcPayTrace) << "access token received, lifetime" << m_lifetimeSeconds << "s";
                deliver(m_token, Outcome{});
                return;
            }
            out.kind = Outcome::Kind::Transient;
            out.error = token.error();
        } else if (out.kind == Outcome::Kind::Approved) {
            out.kind = Outcome::Kind::Transient; // a non-2xx answer is never a token
        }
        qCWarning(net::lcPayTrace).noquote() << "token request failed:" << out.summary();
        deliver(QString(), out);
    });
}

void TokenManager::deliver(const QString &token, const Outcome &failure)
{
    const QList<Waiter> waiters = std::exchange(m_waiters, {});
    for (const Waiter &w : waiters) {
        if (!w.hadContext || w.context)
            w.callback(token, failure);
    }
}

} // namespace pb::paytrace
