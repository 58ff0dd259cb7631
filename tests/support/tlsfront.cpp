#include "tlsfront.h"

#include <QCryptographicHash>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>

#include <atomic>

using namespace Qt::StringLiterals;

namespace pb::test {

class TlsFront::Server : public QTcpServer
{
public:
    Server(QSslCertificate certificate, QSslKey key, quint16 upstreamPort)
        : m_certificate(std::move(certificate))
        , m_key(std::move(key))
        , m_upstreamPort(upstreamPort)
    {
    }

    std::atomic<int> connections{0};

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *tls = new QSslSocket(this);
        if (!tls->setSocketDescriptor(descriptor)) {
            delete tls;
            return;
        }
        ++connections;
        tls->setLocalCertificate(m_certificate);
        tls->setPrivateKey(m_key);
        tls->setProtocol(QSsl::TlsV1_2OrLater);
        // Bytes the client sends before the upstream connection is up wait in its write buffer.
        auto *upstream = new QTcpSocket(tls);
        connect(tls, &QSslSocket::readyRead, upstream, [tls, upstream] { upstream->write(tls->readAll()); });
        connect(upstream, &QTcpSocket::readyRead, tls, [tls, upstream] { tls->write(upstream->readAll()); });
        connect(upstream, &QTcpSocket::disconnected, tls, [tls, upstream] {
            tls->write(upstream->readAll());
            tls->disconnectFromHost();
        });
        connect(tls, &QSslSocket::disconnected, tls, [tls, upstream] {
            upstream->disconnectFromHost();
            tls->deleteLater(); // the upstream socket with it
        });
        // A client that refuses the certificate closes during the handshake.
        connect(tls, &QSslSocket::errorOccurred, tls, [tls](QAbstractSocket::SocketError) {
            if (tls->state() == QAbstractSocket::UnconnectedState)
                tls->deleteLater();
        });
        upstream->connectToHost(QHostAddress::LocalHost, m_upstreamPort);
        tls->startServerEncryption();
    }

private:
    QSslCertificate m_certificate;
    QSslKey m_key;
    quint16 m_upstreamPort;
};

TlsFront::TlsFront(quint16 upstreamPort)
    : m_upstreamPort(upstreamPort)
{
    m_thread.setObjectName(u"tlsfront"_s);
}

TlsFront::~TlsFront()
{
    if (m_server) {
        Server *server = m_server;
        QMetaObject::invokeMethod(server, [server] { delete server; }, Qt::BlockingQueuedConnection);
    }
    m_thread.quit();
    m_thread.wait();
}

bool TlsFront::start(QString *error)
{
    if (!QSslSocket::supportsSsl()) {
        *error = u"Qt has no TLS backend"_s;
        return false;
    }
    QTemporaryDir dir;
    if (!dir.isValid()) {
        *error = u"no temporary directory"_s;
        return false;
    }
    const QString keyPath = dir.filePath(u"key.pem"_s);
    const QString certPath = dir.filePath(u"cert.pem"_s);
    QProcess openssl;
    openssl.start(u"openssl"_s, {u"req"_s, u"-x509"_s, u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s,
                                 u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s, u"-keyout"_s, keyPath, u"-out"_s,
                                 certPath, u"-days"_s, u"2"_s, u"-subj"_s, u"/CN=127.0.0.1"_s, u"-addext"_s,
                                 u"subjectAltName=IP:127.0.0.1,DNS:localhost"_s});
    if (!openssl.waitForFinished(60000) || openssl.exitStatus() != QProcess::NormalExit || openssl.exitCode() != 0) {
        *error = u"openssl req failed: "_s + QString::fromUtf8(openssl.readAllStandardError())
            + openssl.errorString();
        return false;
    }
    QFile keyFile(keyPath);
    QFile certFile(certPath);
    if (!keyFile.open(QIODevice::ReadOnly) || !certFile.open(QIODevice::ReadOnly)) {
        *error = u"cannot read the certificate openssl made"_s;
        return false;
    }
    const QSslKey key(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
    m_certificate = QSslCertificate(certFile.readAll(), QSsl::Pem);
    if (key.isNull() || m_certificate.isNull()) {
        *error = u"openssl made a key or certificate Qt cannot read"_s;
        return false;
    }

    m_server = new Server(m_certificate, key, m_upstreamPort);
    m_server->moveToThread(&m_thread);
    m_thread.start();
    Server *server = m_server;
    quint16 port = 0;
    QMetaObject::invokeMethod(server, [server, &port] {
        if (server->listen(QHostAddress::LocalHost))
            port = server->serverPort();
    }, Qt::BlockingQueuedConnection);
    if (port == 0) {
        *error = u"the TLS front cannot listen on 127.0.0.1"_s;
        return false;
    }
    m_port = port;
    return true;
}

QString TlsFront::pin() const
{
    return QString::fromLatin1(m_certificate.digest(QCryptographicHash::Sha256).toHex());
}

QUrl TlsFront::url(const QUrl &upstream) const
{
    QUrl url = upstream;
    url.setScheme(u"https"_s);
    url.setPort(m_port);
    return url;
}

int TlsFront::connections() const
{
    return m_server ? m_server->connections.load() : 0;
}

} // namespace pb::test
