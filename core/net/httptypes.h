#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace pb::net {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// What went wrong below HTTP. An HTTP error status is not a NetworkError: it arrives with
// error == None and the status set.
enum class NetworkError {
    None,
    PolicyRefused,     // refused before sending: plain http to a non-loopback host, bad URL
    ConnectionRefused, // nothing listening; the request was never sent
    HostNotFound,
    Timeout,           // no transfer progress within the request's timeout
    ConnectionReset,   // the peer closed or reset the connection
    Tls,               // handshake failed, certificate refused
    Canceled,          // the transport was shut down or the call aborted
    Other
};

// Whether repeating the request could change anything at the remote end. Decides if a lost
// answer makes the result unknown (in doubt) or merely failed.
enum class Effect { Read, Write };

struct HttpRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    QUrl url;
    HeaderList headers;   // never logged
    int timeoutMs = 30000; // transfer timeout: abort when nothing moves for this long
    Effect effect = Effect::Read;
    qint64 maxResponseBytes = 64 * 1024 * 1024; // a larger answer is aborted (NetworkError::Other)
};

struct HttpResponse
{
    int status = 0;           // HTTP status; 0 when no response arrived
    QByteArray body;
    HeaderList headers;
    QString requestId;        // the X-Request-Id this call carried
    qint64 elapsedMs = 0;
    NetworkError error = NetworkError::None;
    QString errorText;        // diagnostic text for logs; never contains secrets or bodies
    // The request may have left this process: Qt reported it sent, an answer arrived, or (for
    // a write) the error does not prove that nothing left (refused, no such host, TLS, policy).
    bool requestSent = false;
    Effect effect = Effect::Read;

    // First header with this name, compared case-insensitively; empty when absent.
    QByteArray header(QByteArrayView name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    bool isHttpSuccess() const { return error == NetworkError::None && status >= 200 && status < 300; }
};

} // namespace pb::net
