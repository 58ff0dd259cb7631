#pragma once

#include "net/httptypes.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;
class QNetworkReply;

namespace pb::net {

// Asynchronous HTTP for the core. Lives in the thread that uses it (the sync thread) together
// with its QNetworkAccessManager; callbacks run in that thread. Per call it adds an
// X-Request-Id, applies the transfer timeout and the TLS policy (https except on loopback,
// TLS 1.2 or later, certificate errors fatal unless the leaf certificate is pinned), and logs
// method, redacted URL, status, time and request id — never headers or bodies.
class HttpTransport : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const HttpResponse &)>;

    // Creates its own QNetworkAccessManager as a child.
    explicit HttpTransport(QObject *parent = nullptr);
    // Uses the given manager (not owned); it must live in the same thread.
    explicit HttpTransport(QNetworkAccessManager *manager, QObject *parent = nullptr);
    ~HttpTransport() override; // aborts what is in flight without calling back

    // Sends the request; `callback` runs exactly once, later (never inside send), unless
    // `context` is destroyed first. `context` must live in this transport's thread.
    // Returns the request id.
    QString send(const HttpRequest &request, const QByteArray &body, QObject *context,
                 Callback callback);

    // SHA-256 digests (32 raw bytes) of leaf certificates to accept despite certificate errors
    // (self-signed or private CA). Pins accept that exact certificate only, on every host.
    void setPinnedCertificates(const QList<QByteArray> &sha256Digests);
    const QList<QByteArray> &pinnedCertificates() const { return m_pins; }
    // The same for requests to `origin`'s host and port only (the scheme's port when it has
    // none): one transport may serve several services, each with its own certificate, and one
    // service's pin must not vouch for another host. Replaces that origin's pins; an empty
    // list removes them.
    void setPinnedCertificates(const QUrl &origin, const QList<QByteArray> &sha256Digests);
    // Every pin that counts for a request to `url`: the ones for all hosts and its origin's.
    QList<QByteArray> pinnedCertificates(const QUrl &url) const;
    // What origin pins are keyed by: the host in lower case and the port, the scheme's when the
    // URL has none ("127.0.0.1:8443", "api.paytrace.com:443").
    static QString originKey(const QUrl &url);

    int inFlight() const { return static_cast<int>(m_calls.size()); }
    // Aborts every call in flight; their callbacks get NetworkError::Canceled.
    void abortAll();
    // Aborts the reads in flight only (Effect::Read): a cancelled sync stops reading, while a
    // write already sent must still get its answer or its timeout.
    void abortReads();

    static QString newRequestId();
    QNetworkAccessManager *manager() const { return m_manager; }

private:
    struct Call;
    void finish(QNetworkReply *reply);

    QNetworkAccessManager *m_manager = nullptr;
    QList<QByteArray> m_pins;
    QHash<QString, QList<QByteArray>> m_originPins; // "host:port" (host in lower case)
    QHash<QNetworkReply *, Call *> m_calls;
};

} // namespace pb::net
