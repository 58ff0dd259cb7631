#pragma once

// HTTPS in front of a plain-HTTP server on loopback (the sandbox serves plain HTTP only): TLS is
// terminated with a fresh self-signed certificate and the bytes are piped to the upstream port.
// Runs on its own thread, so a test may block (QProcess::waitForFinished) while it serves.

#include <QByteArray>
#include <QSslCertificate>
#include <QString>
#include <QThread>
#include <QUrl>

namespace pb::test {

class TlsFront
{
public:
    explicit TlsFront(quint16 upstreamPort);
    ~TlsFront();
    TlsFront(const TlsFront &) = delete;
    TlsFront &operator=(const TlsFront &) = delete;

    // Makes the certificate (with the `openssl` command, CN and SAN 127.0.0.1) and listens on
    // 127.0.0.1. False with `error` set when either fails.
    bool start(QString *error);

    quint16 port() const { return m_port; }
    const QSslCertificate &certificate() const { return m_certificate; }
    // The certificate's SHA-256 as 64 hex digits, the way a profile stores a pin.
    QString pin() const;
    // `upstream` with https and this front's port instead (path kept).
    QUrl url(const QUrl &upstream) const;
    // TLS connections accepted so far (whether or not the client went on after the handshake).
    int connections() const;

private:
    class Server;
    quint16 m_upstreamPort;
    quint16 m_port = 0;
    QSslCertificate m_certificate;
    QThread m_thread;
    Server *m_server = nullptr; // lives on m_thread
};

} // namespace pb::test
