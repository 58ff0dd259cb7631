#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPair>

#include <functional>

class QTcpServer;

namespace pb::sandbox {

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct HttpRequest
{
    QByteArray method;  // "GET", upper case as sent
    QByteArray target;  // raw request target, e.g. "/magento/rest/V1/orders?searchCriteria..."
    QByteArray path;    // target before '?', still percent-encoded
    QByteArray query;   // target after '?', raw
    QByteArray version; // "HTTP/1.1"
    HeaderList headers; // names lower-cased, values trimmed
    QByteArray body;
    QHostAddress peer;

    // First value of a header (name in lower case), or an empty array.
    QByteArray header(QByteArrayView lowerName) const;
    bool hasHeader(QByteArrayView lowerName) const;
};

struct HttpResponse
{
    int status = 200;
    HeaderList headers; // Content-Length and Connection are added by the server
    QByteArray body;

    void setHeader(const QByteArray &name, const QByteArray &value);
    static HttpResponse json(int status, QByteArray body);
};

// How the server delivers a reply: the transport half of fault injection.
enum class Delivery {
    Normal,
    Stall,     // never answer; the connection stays open until the client gives up
    Reset,     // abort the connection with a TCP RST instead of answering
    Truncate,  // send the headers with the full Content-Length, then part of the body, then close
};

struct HttpReply
{
    HttpResponse response;
    int delayMs = 0; // wait this long before delivering (latency injection)
    Delivery delivery = Delivery::Normal;
    // Work postponed by delayMs (late effect injection): when set, `response` is unused; the
    // server runs this once when the delay is over, whether or not the client is still
    // connected, and delivers what it returns to the client if it still is. The server owns the
    // wait: shutting the server down first drops it unrun.
    std::function<HttpResponse()> deferred;
};

struct HttpLimits
{
    int maxRequestLineBytes = 16 * 1024;
    int maxHeaderBytes = 64 * 1024;
    int maxHeaderCount = 100;
    qint64 maxBodyBytes = 8 * 1024 * 1024;
    int idleTimeoutMs = 120 * 1000;
    int maxConnections = 1024;
};

// HTTP/1.1 origin server on QTcpServer, one thread, event driven: keep-alive, pipelined
// requests answered in order, Content-Length bodies, size limits, and a clean 4xx (then close)
// on anything malformed. The handler runs synchronously; the reply tells the server how to
// deliver it so faults can be injected at the byte level, or hands it work to run later.
class HttpServer : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<HttpReply(const HttpRequest &)>;

    explicit HttpServer(Handler handler, QObject *parent = nullptr);
    ~HttpServer() override;

    bool listen(const QHostAddress &address, quint16 port, QString *error);
    void close();
    bool isListening() const;
    quint16 port() const;

    void setLimits(const HttpLimits &limits) { m_limits = limits; }
    const HttpLimits &limits() const { return m_limits; }
    int connectionCount() const { return m_connections; }

    static QByteArray reasonPhrase(int status);

private:
    friend class HttpConnection;
    void onNewConnection();
    // Runs `work` after delayMs on this server's event loop, then `done` with its response.
    // The timer belongs to the server, not to a connection, so a client going away does not
    // cancel the work; destroying the server does.
    void runLater(int delayMs, std::function<HttpResponse()> work, std::function<void(const HttpResponse &)> done);

    Handler m_handler;
    HttpLimits m_limits;
    QTcpServer *m_server = nullptr;
    int m_connections = 0;
};

} // namespace pb::sandbox
