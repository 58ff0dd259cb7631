#include "httpserver.h"

#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

QByteArray HttpRequest::header(QByteArrayView lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return h.second;
    }
    return {};
}

bool HttpRequest::hasHeader(QByteArrayView lowerName) const
{
    for (const auto &h : headers) {
        if (h.first == lowerName)
            return true;
    }
    return false;
}

void HttpResponse::setHeader(const QByteArray &name, const QByteArray &value)
{
    for (auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0) {
            h.second = value;
            return;
        }
    }
    headers.append({name, value});
}

HttpResponse HttpResponse::json(int status, QByteArray body)
{
    HttpResponse r;
    r.status = status;
    r.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json; charset=utf-8")});
    r.body = std::move(body);
    return r;
}

QByteArray HttpServer::reasonPhrase(int status)
{
    switch (status) {
    case 100: return QByteArrayLiteral("Continue");
    case 200: return QByteArrayLiteral("OK");
    case 201: return QByteArrayLiteral("Created");
    case 204: return QByteArrayLiteral("No Content");
    case 400: return QByteArrayLiteral("Bad Request");
    case 401: return QByteArrayLiteral("Unauthorized");
    case 403: return QByteArrayLiteral("Forbidden");
    case 404: return QByteArrayLiteral("Not Found");
    case 405: return QByteArrayLiteral("Method Not Allowed");
    case 408: return QByteArrayLiteral("Request Timeout");
    case 411: return QByteArrayLiteral("Length Required");
    case 413: return QByteArrayLiteral("Payload Too Large");
    case 414: return QByteArrayLiteral("URI Too Long");
    case 415: return QByteArrayLiteral("Unsupported Media Type");
    case 422: return QByteArrayLiteral("Unprocessable Entity");
    case 429: return QByteArrayLiteral("Too Many Requests");
    case 431: return QByteArrayLiteral("Request Header Fields Too Large");
    case 500: return QByteArrayLiteral("Internal Server Error");
    case 501: return QByteArrayLiteral("Not Implemented");
    case 502: return QByteArrayLiteral("Bad Gateway");
    case 503: return QByteArrayLiteral("Service Unavailable");
    case 504: return QByteArrayLiteral("Gateway Timeout");
    case 505: return QByteArrayLiteral("HTTP Version Not Supported");
    default: return QByteArrayLiteral("Unknown");
    }
}

namespace {

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

bool hasConnectionToken(const QByteArray &value, QByteArrayView token)
{
    const QList<QByteArray> parts = value.split(',');
    for (const QByteArray &p : parts) {
        if (p.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

QByteArray errorBody(QByteArrayView message)
{
    QByteArray body = QByteArrayLiteral("{\"message\":\"");
    body.append(message.data(), message.size());
    body.append("\"}");
    return body;
}

} // namespace

// One client connection: parses requests from the byte stream and delivers replies in order.
class HttpConnection : public QObject
{
public:
    HttpConnection(HttpServer *server, QTcpSocket *socket)
        : QObject(server), m_server(server), m_socket(socket)
    {
        ++m_server->m_connections;
        m_socket->setParent(this);
        m_idle.setSingleShot(true);
        m_idle.setInterval(m_server->m_limits.idleTimeoutMs);
        connect(&m_idle, &QTimer::timeout, this, [this] { onIdle(); });
        connect(m_socket, &QTcpSocket::readyRead, this, [this] { onReadyRead(); });
        connect(m_socket, &QTcpSocket::disconnected, this, [this] { finish(); });
        connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
            if (m_socket->state() != QAbstractSocket::ConnectedState)
                finish();
        });
        m_idle.start();
    }

    ~HttpConnection() override { --m_server->m_connections; }

private:
    void finish()
    {
        if (m_finished)
            return;
        m_finished = true;
        m_idle.stop();
        deleteLater();
    }

    void onIdle()
    {
        if (m_busy && !m_stalled) {
            m_idle.start(); // a delayed reply is still on its way
            return;
        }
        m_socket->abort();
        finish();
    }

    void onReadyRead()
    {
        if (m_finished)
            return;
        const QByteArray data = m_socket->readAll();
        if (m_stalled || m_closing)
            return; // a stalled connection swallows everything; the client must give up
        m_in.append(data);
        m_idle.start();
        processBuffer();
    }

    void processBuffer()
    {
        const HttpLimits &limits = m_server->m_limits;
        while (!m_busy && !m_closing && !m_stalled && !m_finished) {
            // RFC 9112 §2.2: ignore empty lines before a request line.
            qsizetype skip = 0;
            while (skip < m_in.size() && (m_in[skip] == '\r' || m_in[skip] == '\n'))
                ++skip;
            if (skip)
                m_in.remove(0, skip);
            if (m_in.isEmpty())
                return;

            const qsizetype headEnd = m_in.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                const qsizetype lineEnd = m_in.indexOf("\r\n");
                if ((lineEnd < 0 && m_in.size() > limits.maxRequestLineBytes)
                    || lineEnd > limits.maxRequestLineBytes)
                    return fail(414, "Request line too long");
                if (m_in.size() > limits.maxHeaderBytes)
                    return fail(431, "Request headers too large");
                return; // wait for more bytes
            }
            if (headEnd > limits.maxHeaderBytes)
                return fail(431, "Request headers too large");

            HttpRequest request;
            bool keepAlive = true;
            qint64 contentLength = 0;
            if (!parseHead(QByteArrayView(m_in).first(headEnd), &request, &keepAlive, &contentLength))
                return;
            if (contentLength > limits.maxBodyBytes)
                return fail(413, "Request body too large");
            const qsizetype total = headEnd + 4 + qsizetype(contentLength);
            if (m_in.size() < total) {
                if (!m_sentContinue
                    && request.header("expect").compare("100-continue", Qt::CaseInsensitive) == 0) {
                    m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
                    m_sentContinue = true;
                }
                return;
            }
            m_sentContinue = false;
            request.body = m_in.mid(headEnd + 4, qsizetype(contentLength));
            m_in.remove(0, total);
            request.peer = m_socket->peerAddress();

            const bool head = request.method == "HEAD";
            HttpReply reply = m_server->m_handler(request);
            m_busy = true;
            if (reply.deferred) {
                // The connection may be gone when the work is done: only a guarded pointer to it
                // goes into the server's timer.
                m_idle.stop();
                m_server->runLater(reply.delayMs, std::move(reply.deferred),
                                   [self = QPointer<HttpConnection>(this), keepAlive, head](const HttpResponse &response) {
                                       if (!self || self->m_finished)
                                           return;
                                       HttpReply late;
                                       late.response = response;
                                       self->deliver(late, keepAlive, head);
                                       self->processBuffer();
                                   });
                return;
            }
            if (reply.delayMs > 0) {
                m_idle.stop();
                QTimer::singleShot(reply.delayMs, this, [this, reply = std::move(reply), keepAlive, head] {
                    deliver(reply, keepAlive, head);
                    processBuffer();
                });
                return;
            }
            deliver(reply, keepAlive, head);
        }
    }

    // Parses the request line and headers. On error answers and returns false.
    bool parseHead(QByteArrayView head, HttpRequest *request, bool *keepAlive, qint64 *contentLength)
    {
        const HttpLimits &limits = m_server->m_limits;
        qsizetype lineEnd = head.indexOf("\r\n");
        if (lineEnd < 0)
            lineEnd = head.size();
        if (lineEnd > limits.maxRequestLineBytes) {
            fail(414, "Request line too long");
            return false;
        }
        const QByteArrayView line = head.first(lineEnd);
        const qsizetype sp1 = line.indexOf(' ');
        const qsizetype sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
        if (sp1 <= 0 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) {
            fail(400, "Malformed request line");
            return false;
        }
        request->method = line.first(sp1).toByteArray();
        request->target = line.sliced(sp1 + 1, sp2 - sp1 - 1).toByteArray();
        request->version = line.sliced(sp2 + 1).toByteArray();
        if (!isToken(request->method)) {
            fail(400, "Malformed request method");
            return false;
        }
        if (!request->version.startsWith("HTTP/") || request->version.size() != 8
            || request->version[6] != '.') {
            fail(400, "Malformed HTTP version");
            return false;
        }
        if (request->version != "HTTP/1.1" && request->version != "HTTP/1.0") {
            fail(505, "Only HTTP/1.0 and HTTP/1.1 are supported");
            return false;
        }
        for (char c : request->target) {
            if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
                fail(400, "Malformed request target");
                return false;
            }
        }
        QByteArray target = request->target;
        if (target.startsWith("http://") || target.startsWith("https://")) {
            // absolute-form: keep only the path and query
            const qsizetype slash = target.indexOf('/', target.indexOf("//") + 2);
            target = slash < 0 ? QByteArrayLiteral("/") : target.mid(slash);
        }
        if (!target.startsWith('/')) {
            fail(400, "Request target must be an absolute path");
            return false;
        }
        const qsizetype q = target.indexOf('?');
        request->path = q < 0 ? target : target.left(q);
        request->query = q < 0 ? QByteArray() : target.mid(q + 1);
        const qsizetype hash = request->query.indexOf('#');
        if (hash >= 0)
            request->query.truncate(hash);

        bool haveLength = false;
        qsizetype pos = lineEnd + 2;
        while (pos < head.size()) {
            qsizetype end = head.indexOf("\r\n", pos);
            if (end < 0)
                end = head.size();
            const QByteArrayView h = head.sliced(pos, end - pos);
            pos = end + 2;
            if (h.isEmpty())
                continue;
            if (h[0] == ' ' || h[0] == '\t') {
                fail(400, "Obsolete header line folding is not accepted");
                return false;
            }
            const qsizetype colon = h.indexOf(':');
            if (colon <= 0 || !isToken(h.first(colon))) {
                fail(400, "Malformed header line");
                return false;
            }
            const QByteArray value = h.sliced(colon + 1).toByteArray().trimmed();
            for (char c : value) {
                const auto u = static_cast<unsigned char>(c);
                if ((u < 0x20 && u != '\t') || u == 0x7f) {
                    fail(400, "Control character in header value");
                    return false;
                }
            }
            if (request->headers.size() >= limits.maxHeaderCount) {
                fail(431, "Too many header fields");
                return false;
            }
            request->headers.append({h.first(colon).toByteArray().toLower(), value});
        }

        for (const auto &h : std::as_const(request->headers)) {
            if (h.first == "content-length") {
                bool ok = !h.second.isEmpty() && h.second.size() <= 18;
                for (char c : h.second)
                    ok = ok && c >= '0' && c <= '9';
                const qint64 value = ok ? h.second.toLongLong(&ok) : -1;
                if (!ok || (haveLength && value != *contentLength)) {
                    fail(400, "Invalid Content-Length");
                    return false;
                }
                haveLength = true;
                *contentLength = value;
            } else if (h.first == "transfer-encoding") {
                fail(501, "Transfer-Encoding is not supported; send a Content-Length body");
                return false;
            }
        }
        if (request->version == "HTTP/1.1" && !request->hasHeader("host")) {
            fail(400, "Missing Host header");
            return false;
        }
        const QByteArray connection = request->header("connection");
        if (request->version == "HTTP/1.0")
            *keepAlive = hasConnectionToken(connection, "keep-alive");
        else
            *keepAlive = !hasConnectionToken(connection, "close");
        return true;
    }

    QByteArray serializeHead(const HttpResponse &response, qsizetype contentLength, bool keepAlive) const
    {
        QByteArray out;
        out.reserve(256);
        out.append("HTTP/1.1 ").append(QByteArray::number(response.status)).append(' ');
        out.append(HttpServer::reasonPhrase(response.status)).append("\r\n");
        out.append("Server: paybridge-sandbox\r\n");
        for (const auto &h : response.headers)
            out.append(h.first).append(": ").append(h.second).append("\r\n");
        out.append("Content-Length: ").append(QByteArray::number(contentLength)).append("\r\n");
        out.append(keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
        return out;
    }

    void deliver(const HttpReply &reply, bool keepAlive, bool head)
    {
        if (m_finished)
            return;
        switch (reply.delivery) {
        case Delivery::Stall:
            m_stalled = true;
            m_in.clear();
            m_idle.start();
            return;
        case Delivery::Reset: {
            // SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            const qintptr fd = m_socket->socketDescriptor();
            if (fd >= 0) {
                struct linger lg = {1, 0};
                ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            }
            m_socket->abort();
            finish();
            return;
        }
        case Delivery::Truncate: {
            const QByteArray &body = reply.response.body;
            m_socket->write(serializeHead(reply.response, body.size(), false));
            m_socket->write(body.left(body.size() / 2));
            m_closing = true;
            m_socket->disconnectFromHost();
            return;
        }
        case Delivery::Normal:
            break;
        }
        const QByteArray &body = reply.response.body;
        m_socket->write(serializeHead(reply.response, body.size(), keepAlive));
        if (!head)
            m_socket->write(body);
        m_busy = false;
        m_idle.start();
        if (!keepAlive) {
            m_closing = true;
            m_socket->disconnectFromHost();
        }
    }

    void fail(int status, const char *message)
    {
        HttpResponse r = HttpResponse::json(status, errorBody(message));
        m_socket->write(serializeHead(r, r.body.size(), false));
        m_socket->write(r.body);
        m_closing = true;
        m_in.clear();
        m_socket->disconnectFromHost();
    }

    HttpServer *m_server;
    QTcpSocket *m_socket;
    QByteArray m_in;
    QTimer m_idle;
    bool m_busy = false;
    bool m_closing = false;
    bool m_stalled = false;
    bool m_finished = false;
    bool m_sentContinue = false;
};

HttpServer::HttpServer(Handler handler, QObject *parent)
    : QObject(parent), m_handler(std::move(handler)), m_server(new QTcpServer(this))
{
    connect(m_server, &QTcpServer::newConnection, this, &HttpServer::onNewConnection);
}

HttpServer::~HttpServer()
{
    // Connections refer back to this object; delete them while it is still whole.
    const QObjectList kids = children();
    for (QObject *child : kids) {
        if (child != m_server)
            delete child;
    }
}

bool HttpServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    m_server->setMaxPendingConnections(256);
    if (!m_server->listen(address, port)) {
        if (error)
            *error = m_server->errorString();
        return false;
    }
    return true;
}

void HttpServer::close()
{
    m_server->close();
}

bool HttpServer::isListening() const
{
    return m_server->isListening();
}

quint16 HttpServer::port() const
{
    return m_server->serverPort();
}

void HttpServer::runLater(int delayMs, std::function<HttpResponse()> work,
                          std::function<void(const HttpResponse &)> done)
{
    // A child of the server: ~HttpServer deletes it (and the work it holds) unrun.
    auto *timer = new QTimer(this);
    timer->setSingleShot(true);
    timer->setTimerType(Qt::PreciseTimer); // a coarse timer may fire up to 5 % early
    connect(timer, &QTimer::timeout, this, [timer, work = std::move(work), done = std::move(done)] {
        timer->deleteLater();
        done(work());
    });
    timer->start(std::max(0, delayMs));
}

void HttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_connections >= m_limits.maxConnections) {
            socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            socket->disconnectFromHost();
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            continue;
        }
        new HttpConnection(this, socket);
    }
}

} // namespace pb::sandbox
