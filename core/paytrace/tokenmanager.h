#pragma once

#include "paytrace/outcome.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>

namespace pb::net {
class HttpTransport;
}

namespace pb::paytrace {

// The v1 OAuth2 password grant (docs/paytrace.md §1.2). One token is shared by every caller; it is
// reused until expires_in minus a margin has passed on the local monotonic clock since it
// arrived (the server's created_at is informational and may come from a skewed clock).
// Callers that ask while a grant is running wait for that grant. The token is never logged.
class TokenManager : public QObject
{
    Q_OBJECT
public:
    // token is empty when the grant failed; failure then says why (AuthFailure for refused
    // credentials, Transient for network trouble, ...).
    using Callback = std::function<void(const QString &token, const Outcome &failure)>;

    TokenManager(net::HttpTransport *transport, QUrl baseUrl, QString username, QString password,
                 QObject *parent = nullptr);

    // Calls back with a usable token: at once when one is cached, else after the (shared)
    // grant finishes. Nothing is called if `context` is destroyed first.
    void withToken(QObject *context, Callback callback);
    // The server refused `token` (401 / invalid_token): forget it unless a newer one already
    // replaced it, so concurrent refusals lead to one new grant.
    void invalidate(const QString &token);

    bool hasValidToken() const;
    // Seconds before expiry at which a token is no longer handed out; default 300, at most
    // half the token's lifetime.
    void setMarginSeconds(int seconds) { m_marginSeconds = seconds; }
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    // How many grants were sent (diagnostics and tests).
    int grantsSent() const { return m_grantsSent; }
    QUrl tokenUrl() const;

private:
    struct Waiter
    {
        QPointer<QObject> context;
        bool hadContext = false;
        Callback callback;
    };
    void requestToken();
    void deliver(const QString &token, const Outcome &failure);

    net::HttpTransport *m_transport;
    QUrl m_baseUrl;
    QString m_username;
    QString m_password;
    QString m_token;
    QElapsedTimer m_receivedAt;
    qint64 m_lifetimeSeconds = 0;
    int m_marginSeconds = 300;
    int m_timeoutMs = 30000;
    int m_grantsSent = 0;
    bool m_requesting = false;
    QList<Waiter> m_waiters;
};

// <base>/<path>: appends to the base URL's own path (a base may carry a prefix such as
// http://127.0.0.1:8080/paytrace).
QUrl appendPath(const QUrl &base, QStringView path);

} // namespace pb::paytrace
