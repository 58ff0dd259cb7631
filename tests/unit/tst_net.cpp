#include "net/errorclass.h"
#include "net/httptransport.h"
#include "net/tlspolicy.h"

#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

using namespace Qt::StringLiterals;
using namespace pb::net;

namespace {

// A minimal HTTP/1.1 server for one behaviour per instance; records what it received.
class TestServer : public QTcpServer
{
public:
    enum class Mode { Ok, Hang, RateLimited, Close };
    explicit TestServer(Mode mode) : m_mode(mode) { listen(QHostAddress::LocalHost); }

    Mode m_mode;
    QList<QByteArray> requests; // raw request heads

protected:
    void incomingConnection(qintptr fd) override
    {
        auto *sock = new QTcpSocket(this);
        sock->setSocketDescriptor(fd);
        serve(sock);
    }

public:
    void serve(QTcpSocket *sock)
    {
        auto buffer = std::make_shared<QByteArray>();
        connect(sock, &QTcpSocket::readyRead, sock, [this, sock, buffer]() {
            buffer->append(sock->readAll());
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = buffer->left(end);
            qsizetype length = 0;
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer->size() < end + 4 + length)
                return;
            requests.append(head);
            buffer->clear();
            switch (m_mode) {
            case Mode::Ok:
                sock->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
                break;
            case Mode::RateLimited:
                sock->write("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 2\r\n\r\n{}");
                break;
            case Mode::Close:
                sock->abort();
                break;
            case Mode::Hang:
                break;
            }
        });
    }
    QUrl url(const QString &path = u"/x"_s) const
    {
        return QUrl(u"http://127.0.0.1:"_s + QString::number(serverPort()) + path);
    }
    QByteArray header(int i, QByteArrayView name) const
    {
        for (const QByteArray &line : requests.value(i).split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
};

// TLS on QTcpServer + QSslSocket (QSslServer arrives only in Qt 6.4's successor).
class TlsServer : public TestServer
{
public:
    TlsServer(const QSslCertificate &cert, const QSslKey &key) : TestServer(Mode::Ok), m_cert(cert), m_key(key) {}
    int handshakesFailed = 0;

protected:
    void incomingConnection(qintptr fd) override
    {
        auto *sock = new QSslSocket(this);
        sock->setSocketDescriptor(fd);
        sock->setLocalCertificate(m_cert);
        sock->setPrivateKey(m_key);
        sock->setProtocol(QSsl::TlsV1_2OrLater);
        connect(sock, &QSslSocket::errorOccurred, this, [this]() { ++handshakesFailed; });
        serve(sock);
        sock->startServerEncryption();
    }

private:
    QSslCertificate m_cert;
    QSslKey m_key;
};

// A raw HTTP server on a thread of its own: takes one connection, reads one whole request and
// never answers. Being apart from the client's thread, it sees the request arrive while that
// thread is held.
class SilentServer
{
public:
    SilentServer()
    {
        m_thread = std::thread([this]() { run(); });
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [this]() { return m_port != 0 || m_failed; });
    }
    ~SilentServer()
    {
        m_stop = true;
        m_thread.join();
    }
    quint16 port() const { return m_port; }
    bool connected() const { return m_connected.load(); }
    bool waitForRequest(int ms)
    {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, std::chrono::milliseconds(ms), [this]() { return m_received; });
    }
    QUrl url() const { return QUrl(u"http://127.0.0.1:"_s + QString::number(m_port) + u"/v1/refund"_s); }

private:
    void run()
    {
        QTcpServer server;
        const bool listening = server.listen(QHostAddress::LocalHost);
        {
            std::lock_guard lock(m_mutex);
            m_port = listening ? server.serverPort() : 0;
            m_failed = !listening;
        }
        m_changed.notify_all();
        if (!listening)
            return;
        while (!m_stop && !server.waitForNewConnection(20)) {}
        if (m_stop)
            return;
        QTcpSocket *socket = server.nextPendingConnection();
        m_connected = true;
        QByteArray buffer;
        while (!m_stop) {
            if (socket->state() != QAbstractSocket::ConnectedState) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20)); // the client gave up
                continue;
            }
            if (socket->waitForReadyRead(20))
                buffer += socket->readAll();
            const qsizetype end = buffer.indexOf("\r\n\r\n");
            if (end < 0 || m_received)
                continue;
            qsizetype length = 0;
            for (const QByteArray &line : buffer.left(end).split('\n')) {
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            }
            if (buffer.size() < end + 4 + length)
                continue;
            {
                std::lock_guard lock(m_mutex);
                m_received = true;
            }
            m_changed.notify_all();
        }
    }

    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    quint16 m_port = 0;
    bool m_failed = false;
    bool m_received = false;
    std::atomic<bool> m_connected{false};
    std::atomic<bool> m_stop{false};
};

// Holds the client's thread the way a busy GUI thread is held: once the server has the
// connection, each event Qt delivers to a reply (one of them hands over the body) is followed
// by a wait until the server has the whole request. Qt's own reports of the sending
// (requestSent, upload progress), queued from its network thread, are then still undelivered
// when `act` runs, and stay so.
class HoldReplyEvents : public QObject
{
public:
    HoldReplyEvents(SilentServer &server, std::function<void()> act)
        : m_server(server), m_act(std::move(act))
    {
        QCoreApplication::instance()->installEventFilter(this);
    }
    ~HoldReplyEvents() override { QCoreApplication::instance()->removeEventFilter(this); }
    bool acted() const { return m_acted; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (m_delivering || event->type() != QEvent::MetaCall || !qobject_cast<QNetworkReply *>(watched))
            return false;
        if (m_acted)
            return true;
        if (!m_server.connected())
            return false;
        if (!m_server.waitForRequest(0)) {
            m_delivering = true;
            QCoreApplication::sendEvent(watched, event);
            m_delivering = false;
            if (!m_server.waitForRequest(1000))
                return true;
        }
        m_acted = true;
        m_act();
        return true;
    }

private:
    SilentServer &m_server;
    std::function<void()> m_act;
    bool m_delivering = false;
    bool m_acted = false;
};

struct Call
{
    std::optional<HttpResponse> response;
};

HttpResponse sendAndWait(HttpTransport &t, const HttpRequest &req, const QByteArray &body = {})
{
    Call call;
    QObject ctx;
    t.send(req, body, &ctx, [&call](const HttpResponse &r) { call.response = r; });
    if (!QTest::qWaitFor([&]() { return call.response.has_value(); }, 15000))
        return HttpResponse{};
    return *call.response;
}

QDateTime fixedNow()
{
    return QDateTime(QDate(2026, 3, 1), QTime(12, 0, 0), Qt::UTC);
}

QStringList g_logLines;
void captureLog(QtMsgType, const QMessageLogContext &, const QString &msg)
{
    g_logLines.append(msg);
}

} // namespace

class TestNet : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void classification_data();
    void classification();
    void retryAfter_data();
    void retryAfter();
    void urlPolicy_data();
    void urlPolicy();
    void redaction();
    void pins();
    void requestIdAndSuccess();
    void policyRefusedWithoutNetwork();
    void rateLimitedOverHttp();
    void timeoutOfSentWriteIsInDoubt();
    void abortBeforeSentSignalIsInDoubt_data();
    void abortBeforeSentSignalIsInDoubt();
    void connectionRefusedIsTransient();
    void resetAfterSendIsInDoubt();
    void contextDestroyedSkipsCallback();
    void logsCarryNoSecrets();
    void selfSignedRefusedThenPinned();
};

void TestNet::classification_data()
{
    QTest::addColumn<int>("error");
    QTest::addColumn<int>("status");
    QTest::addColumn<bool>("sent");
    QTest::addColumn<bool>("write");
    QTest::addColumn<QByteArray>("retryAfter");
    QTest::addColumn<int>("expected");
    QTest::addColumn<int>("expectedRetry");
    using E = NetworkError;
    using C = ErrorClass;
    QTest::newRow("200") << int(E::None) << 200 << true << true << QByteArray() << int(C::None) << -1;
    QTest::newRow("204") << int(E::None) << 204 << true << false << QByteArray() << int(C::None) << -1;
    QTest::newRow("301 not followed") << int(E::None) << 301 << true << false << QByteArray() << int(C::Permanent) << -1;
    QTest::newRow("400") << int(E::None) << 400 << true << true << QByteArray() << int(C::Permanent) << -1;
    QTest::newRow("404") << int(E::None) << 404 << true << false << QByteArray() << int(C::Permanent) << -1;
    QTest::newRow("422") << int(E::None) << 422 << true << true << QByteArray() << int(C::Permanent) << -1;
    QTest::newRow("401") << int(E::None) << 401 << true << true << QByteArray() << int(C::Auth) << -1;
    QTest::newRow("403") << int(E::None) << 403 << true << false << QByteArray() << int(C::Auth) << -1;
    QTest::newRow("408") << int(E::None) << 408 << true << true << QByteArray() << int(C::Transient) << -1;
    QTest::newRow("429 delta") << int(E::None) << 429 << true << true << QByteArray("120") << int(C::RateLimited) << 120;
    QTest::newRow("429 date") << int(E::None) << 429 << true << false << QByteArray("Sun, 01 Mar 2026 12:00:45 GMT") << int(C::RateLimited) << 45;
    QTest::newRow("429 none") << int(E::None) << 429 << true << false << QByteArray() << int(C::RateLimited) << -1;
    QTest::newRow("429 junk") << int(E::None) << 429 << true << false << QByteArray("soon") << int(C::RateLimited) << -1;
    QTest::newRow("500 read") << int(E::None) << 500 << true << false << QByteArray() << int(C::Transient) << -1;
    QTest::newRow("500 write") << int(E::None) << 500 << true << true << QByteArray() << int(C::InDoubt) << -1;
    QTest::newRow("502 read") << int(E::None) << 502 << true << false << QByteArray() << int(C::Transient) << -1;
    QTest::newRow("502 write") << int(E::None) << 502 << true << true << QByteArray() << int(C::InDoubt) << -1;
    QTest::newRow("503 retry-after") << int(E::None) << 503 << true << true << QByteArray("5") << int(C::Transient) << 5;
    QTest::newRow("504 write") << int(E::None) << 504 << true << true << QByteArray() << int(C::InDoubt) << -1;
    QTest::newRow("timeout write sent") << int(E::Timeout) << 0 << true << true << QByteArray() << int(C::InDoubt) << -1;
    QTest::newRow("timeout write unsent") << int(E::Timeout) << 0 << false << true << QByteArray() << int(C::Transient) << -1;
    QTest::newRow("timeout read sent") << int(E::Timeout) << 0 << true << false << QByteArray() << int(C::Transient) << -1;
    QTest::newRow("reset write sent") << int(E::ConnectionReset) << 0 << true << true << QByteArray() << int(C::InDoubt) << -1;
    QTest::newRow("reset read") << int(E::ConnectionReset) << 0 << true << false << QByteArray() << int(C::Transient) << -1;
    QTest::newRow("canceled write sent") << int(E::Canceled) << 0 << true << true << QByteArray() << int(C::InDoubt) << -1;
    QTest::newRow("refused write") << int(E::ConnectionRefused) << 0 << false << true << QByteArray() << int(C::Transient) << -1;
    QTest::newRow("dns write") << int(E::HostNotFound) << 0 << false << true << QByteArray() << int(C::Transient) << -1;
    QTest::newRow("tls") << int(E::Tls) << 0 << false << true << QByteArray() << int(C::Tls) << -1;
    QTest::newRow("policy") << int(E::PolicyRefused) << 0 << false << true << QByteArray() << int(C::Tls) << -1;
    QTest::newRow("other write sent") << int(E::Other) << 0 << true << true << QByteArray() << int(C::InDoubt) << -1;
    QTest::newRow("no status write sent") << int(E::None) << 0 << true << true << QByteArray() << int(C::InDoubt) << -1;
}

void TestNet::classification()
{
    QFETCH(int, error);
    QFETCH(int, status);
    QFETCH(bool, sent);
    QFETCH(bool, write);
    QFETCH(QByteArray, retryAfter);
    QFETCH(int, expected);
    QFETCH(int, expectedRetry);
    HttpResponse r;
    r.error = NetworkError(error);
    r.status = status;
    r.requestSent = sent;
    r.effect = write ? Effect::Write : Effect::Read;
    if (!retryAfter.isEmpty())
        r.headers.append({QByteArrayLiteral("retry-after"), retryAfter}); // any case
    const Classification c = classify(r, fixedNow());
    QCOMPARE(errorClassName(c.errorClass), errorClassName(ErrorClass(expected)));
    QCOMPARE(c.retryAfterSeconds, expectedRetry);
}

void TestNet::retryAfter_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<int>("expected"); // -2: nullopt
    QTest::newRow("delta") << QByteArray("120") << 120;
    QTest::newRow("zero") << QByteArray("0") << 0;
    QTest::newRow("spaces") << QByteArray("  30 ") << 30;
    QTest::newRow("huge capped") << QByteArray("99999999999999999999") << 86400;
    QTest::newRow("two days capped") << QByteArray("172800") << 86400;
    QTest::newRow("negative") << QByteArray("-5") << -2;
    QTest::newRow("fraction") << QByteArray("1.5") << -2;
    QTest::newRow("empty") << QByteArray() << -2;
    QTest::newRow("words") << QByteArray("later") << -2;
    QTest::newRow("imf") << QByteArray("Sun, 01 Mar 2026 12:02:00 GMT") << 120;
    QTest::newRow("imf past") << QByteArray("Sat, 28 Feb 2026 12:00:00 GMT") << 0;
    QTest::newRow("rfc850") << QByteArray("Sunday, 01-Mar-26 12:00:10 GMT") << 10;
    QTest::newRow("asctime") << QByteArray("Sun Mar  1 12:01:00 2026") << 60;
    QTest::newRow("bad month") << QByteArray("Sun, 01 Foo 2026 12:02:00 GMT") << -2;
    QTest::newRow("bad day") << QByteArray("Sun, 31 Feb 2026 12:02:00 GMT") << -2;
    QTest::newRow("not GMT") << QByteArray("Sun, 01 Mar 2026 12:02:00 PST") << -2;
}

void TestNet::retryAfter()
{
    QFETCH(QByteArray, value);
    QFETCH(int, expected);
    const auto r = parseRetryAfter(value, fixedNow());
    QCOMPARE(r.has_value() ? *r : -2, expected);
}

void TestNet::urlPolicy_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("error"); // empty: allowed
    QTest::newRow("https") << u"https://api.paytrace.com/oauth/token"_s << QString();
    QTest::newRow("https ip") << u"https://203.0.113.5/rest"_s << QString();
    QTest::newRow("http loopback") << u"http://127.0.0.1:8080/paytrace"_s << QString();
    QTest::newRow("http 127/8") << u"http://127.5.6.7/"_s << QString();
    QTest::newRow("http localhost") << u"http://localhost:1234/"_s << QString();
    QTest::newRow("http LOCALHOST.") << u"http://LOCALHOST./"_s << QString();
    QTest::newRow("http ::1") << u"http://[::1]:8080/"_s << QString();
    QTest::newRow("http mapped v4") << u"http://[::ffff:127.0.0.1]/"_s << QString();
    QTest::newRow("http public") << u"http://api.paytrace.com/"_s << u"net.https_required"_s;
    QTest::newRow("http private lan") << u"http://10.0.0.1/"_s << u"net.https_required"_s;
    QTest::newRow("http lookalike") << u"http://127.0.0.1.evil.example/"_s << u"net.https_required"_s;
    QTest::newRow("http localhost lookalike") << u"http://localhost.evil.example/"_s << u"net.https_required"_s;
    QTest::newRow("http 128") << u"http://128.0.0.1/"_s << u"net.https_required"_s;
    QTest::newRow("ftp") << u"ftp://127.0.0.1/"_s << u"net.scheme_unsupported"_s;
    QTest::newRow("no host") << u"/relative/path"_s << u"net.url_invalid"_s;
}

void TestNet::urlPolicy()
{
    QFETCH(QString, url);
    QFETCH(QString, error);
    const pb::Status s = checkUrlPolicy(QUrl(url));
    QCOMPARE(s.ok(), error.isEmpty());
    if (!s.ok()) {
        QCOMPARE(s.error().code, error);
        QVERIFY(!s.error().message.isEmpty());
    }
}

void TestNet::redaction()
{
    const QUrl url(u"https://user:pw@shop.example/rest/V1/orders?searchCriteria%5BpageSize%5D=10&password=hunter2&access_token=abc&oauth_signature=sig#frag"_s);
    const QString r = redactUrl(url);
    QVERIFY(!r.contains(u"hunter2"_s));
    QVERIFY(!r.contains(u"abc"_s));
    QVERIFY(!r.contains(u"=sig"_s));
    QVERIFY(!r.contains(u"user"_s));
    QVERIFY(!r.contains(u"pw@"_s));
    QVERIFY(r.contains(u"searchCriteria%5BpageSize%5D=10"_s));
    QVERIFY(r.contains(u"password=***"_s));
    QCOMPARE(redactUrl(QUrl(u"https://h/p"_s)), u"https://h/p"_s);
}

void TestNet::pins()
{
    const QString hex = u"AB:CD:"_s + QString(u"00"_s).repeated(30);
    auto p = parsePin(hex);
    QVERIFY(p.has_value());
    QCOMPARE(p->size(), 32);
    QCOMPARE(quint8(p->at(0)), quint8(0xab));
    QVERIFY(parsePin(QString(u"ab"_s).repeated(32)).has_value());
    QVERIFY(!parsePin(QString(u"ab"_s).repeated(31)).has_value());
    QVERIFY(!parsePin(QString(u"zz"_s).repeated(32)).has_value());
    QVERIFY(!parsePin(QString()).has_value());
}

void TestNet::requestIdAndSuccess()
{
    TestServer server(TestServer::Mode::Ok);
    HttpTransport transport;
    HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = server.url();
    req.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    const HttpResponse a = sendAndWait(transport, req, QByteArrayLiteral("{\"a\":1}"));
    const HttpResponse b = sendAndWait(transport, req, QByteArrayLiteral("{}"));
    QCOMPARE(a.status, 200);
    QCOMPARE(a.error, NetworkError::None);
    QCOMPARE(a.body, QByteArrayLiteral("{\"ok\":true}"));
    QCOMPARE(a.header("content-type"), QByteArrayLiteral("application/json"));
    QVERIFY(a.requestSent);
    QCOMPARE(a.requestId.size(), 32);
    QVERIFY(a.requestId != b.requestId);
    QCOMPARE(server.header(0, "X-Request-Id"), a.requestId.toLatin1());
    QCOMPARE(server.header(1, "X-Request-Id"), b.requestId.toLatin1());
    QVERIFY(a.elapsedMs >= 0);
    QCOMPARE(transport.inFlight(), 0);
}

void TestNet::policyRefusedWithoutNetwork()
{
    HttpTransport transport;
    HttpRequest req;
    req.url = QUrl(u"http://api.paytrace.com/oauth/token"_s);
    bool calledInside = false;
    bool inside = true;
    std::optional<HttpResponse> got;
    QObject ctx;
    transport.send(req, {}, &ctx, [&](const HttpResponse &r) {
        calledInside = inside;
        got = r;
    });
    inside = false;
    QTRY_VERIFY(got.has_value());
    QVERIFY(!calledInside); // never from inside send()
    QCOMPARE(got->error, NetworkError::PolicyRefused);
    QVERIFY(got->errorText.contains(u"https is required"_s));
    QVERIFY(!got->requestSent);
    QCOMPARE(classify(*got).errorClass, ErrorClass::Tls);
}

void TestNet::rateLimitedOverHttp()
{
    TestServer server(TestServer::Mode::RateLimited);
    HttpTransport transport;
    HttpRequest req;
    req.url = server.url();
    const HttpResponse r = sendAndWait(transport, req);
    QCOMPARE(r.status, 429);
    QCOMPARE(r.error, NetworkError::None);
    const Classification c = classify(r);
    QCOMPARE(c.errorClass, ErrorClass::RateLimited);
    QCOMPARE(c.retryAfterSeconds, 7);
}

void TestNet::timeoutOfSentWriteIsInDoubt()
{
    TestServer server(TestServer::Mode::Hang);
    HttpTransport transport;
    HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = server.url();
    req.effect = Effect::Write;
    req.timeoutMs = 300;
    QElapsedTimer clock;
    clock.start();
    const HttpResponse r = sendAndWait(transport, req, QByteArrayLiteral("{\"amount\":\"1.00\"}"));
    QCOMPARE(r.error, NetworkError::Timeout);
    QVERIFY(r.requestSent);
    QVERIFY(clock.elapsed() < 5000);
    QCOMPARE(classify(r).errorClass, ErrorClass::InDoubt);
    QCOMPARE(server.requests.size(), 1);

    // A write without a body (hold, cancel) is just as much in doubt.
    const HttpResponse empty = sendAndWait(transport, req);
    QCOMPARE(empty.error, NetworkError::Timeout);
    QVERIFY(empty.requestSent);
    QCOMPARE(classify(empty).errorClass, ErrorClass::InDoubt);

    req.effect = Effect::Read;
    req.method = QByteArrayLiteral("GET");
    const HttpResponse read = sendAndWait(transport, req);
    QCOMPARE(read.error, NetworkError::Timeout);
    QCOMPARE(classify(read).errorClass, ErrorClass::Transient);
}

void TestNet::abortBeforeSentSignalIsInDoubt_data()
{
    QTest::addColumn<bool>("timeout");
    QTest::newRow("canceled") << false;
    QTest::newRow("timed out") << true;
}

void TestNet::abortBeforeSentSignalIsInDoubt()
{
    // The refund's bytes are all at the server, which never answers; the call ends (cancel, or
    // its timeout) before Qt has told this thread that the request was sent. The refund may
    // have been carried out: in doubt, never "transient" (which would send it a second time).
    QFETCH(bool, timeout);
    SilentServer server;
    QVERIFY(server.port() != 0);
    HttpTransport transport;
    HoldReplyEvents hold(server, [&transport, timeout]() {
        if (!timeout)
            transport.abortAll();
    });
    HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = server.url();
    req.effect = Effect::Write;
    req.timeoutMs = timeout ? 3000 : 60000;
    const HttpResponse r = sendAndWait(transport, req, QByteArrayLiteral("{\"amount\":\"1.00\"}"));
    QVERIFY(hold.acted());
    QCOMPARE(r.error, timeout ? NetworkError::Timeout : NetworkError::Canceled);
    QCOMPARE(r.status, 0);
    QVERIFY(r.requestSent);
    QCOMPARE(classify(r).errorClass, ErrorClass::InDoubt);
}

void TestNet::connectionRefusedIsTransient()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    } // closed again: nothing listens there now
    HttpTransport transport;
    HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.effect = Effect::Write;
    req.url = QUrl(u"http://127.0.0.1:"_s + QString::number(port) + u"/v1/transactions/sale/keyed"_s);
    const HttpResponse r = sendAndWait(transport, req, QByteArrayLiteral("{}"));
    QCOMPARE(r.error, NetworkError::ConnectionRefused);
    QVERIFY(!r.requestSent);
    QCOMPARE(classify(r).errorClass, ErrorClass::Transient);
}

void TestNet::resetAfterSendIsInDoubt()
{
    TestServer server(TestServer::Mode::Close);
    HttpTransport transport;
    HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.effect = Effect::Write;
    req.url = server.url();
    const HttpResponse r = sendAndWait(transport, req, QByteArrayLiteral("{}"));
    QVERIFY2(r.error == NetworkError::ConnectionReset || r.error == NetworkError::Other,
             qPrintable(networkErrorName(r.error) + u' ' + r.errorText));
    QVERIFY(r.requestSent);
    QCOMPARE(classify(r).errorClass, ErrorClass::InDoubt);
}

void TestNet::contextDestroyedSkipsCallback()
{
    TestServer server(TestServer::Mode::Ok);
    HttpTransport transport;
    HttpRequest req;
    req.url = server.url();
    bool called = false;
    auto *ctx = new QObject;
    transport.send(req, {}, ctx, [&](const HttpResponse &) { called = true; });
    delete ctx;
    QTRY_COMPARE(transport.inFlight(), 0);
    QVERIFY(!called);
}

void TestNet::logsCarryNoSecrets()
{
    TestServer server(TestServer::Mode::Ok);
    HttpTransport transport;
    HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = server.url(u"/oauth/token"_s);
    QUrlQuery q;
    q.addQueryItem(u"password"_s, u"hunter2secret"_s);
    req.url.setQuery(q);
    req.headers = {{QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer TOKENSECRET123")}};
    g_logLines.clear();
    QLoggingCategory::setFilterRules(u"paybridge.*=true"_s);
    const auto previous = qInstallMessageHandler(captureLog);
    const HttpResponse r = sendAndWait(transport, req, QByteArrayLiteral("number=4012000098765439&csc=999"));
    qInstallMessageHandler(previous);
    QCOMPARE(r.status, 200);
    const QString all = g_logLines.join(u'\n');
    QVERIFY2(all.contains(r.requestId), qPrintable(all));
    QVERIFY(all.contains(u"POST"_s));
    QVERIFY(all.contains(u"200"_s));
    QVERIFY(!all.contains(u"hunter2secret"_s));
    QVERIFY(!all.contains(u"TOKENSECRET123"_s));
    QVERIFY(!all.contains(u"4012000098765439"_s));
    QVERIFY(!all.contains(u"ok\":true"_s)); // no response bodies either
    QCOMPARE(server.header(0, "Authorization"), QByteArrayLiteral("Bearer TOKENSECRET123"));
}

void TestNet::selfSignedRefusedThenPinned()
{
    if (!QSslSocket::supportsSsl())
        QFAIL("no TLS backend available to Qt");
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString keyPath = dir.filePath(u"key.pem"_s);
    const QString certPath = dir.filePath(u"cert.pem"_s);
    QProcess openssl;
    openssl.start(u"openssl"_s, {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                                 u"-keyout"_s, keyPath, u"-out"_s, certPath, u"-days"_s, u"2"_s,
                                 u"-subj"_s, u"/CN=127.0.0.1"_s,
                                 u"-addext"_s, u"subjectAltName=IP:127.0.0.1,DNS:localhost"_s});
    QVERIFY2(openssl.waitForFinished(60000), "openssl did not finish");
    QVERIFY2(openssl.exitCode() == 0, openssl.readAllStandardError().constData());
    QFile kf(keyPath), cf(certPath);
    QVERIFY(kf.open(QIODevice::ReadOnly) && cf.open(QIODevice::ReadOnly));
    const QSslKey key(kf.readAll(), QSsl::Rsa, QSsl::Pem);
    const QSslCertificate cert(cf.readAll(), QSsl::Pem);
    QVERIFY(!key.isNull());
    QVERIFY(!cert.isNull());

    TlsServer server(cert, key);
    QVERIFY(server.isListening());
    HttpRequest req;
    req.url = QUrl(u"https://127.0.0.1:"_s + QString::number(server.serverPort()) + u"/v1/ping"_s);

    // Self-signed and not pinned: refused, with the fingerprint in the text to help pinning.
    HttpTransport transport;
    const HttpResponse refused = sendAndWait(transport, req);
    QCOMPARE(refused.error, NetworkError::Tls);
    QCOMPARE(refused.status, 0);
    QVERIFY(refused.errorText.contains(QString::fromLatin1(certificateSha256(cert).toHex(':'))));
    QCOMPARE(classify(refused).errorClass, ErrorClass::Tls);
    QVERIFY(server.requests.isEmpty());

    // Another certificate's pin does not help.
    HttpTransport wrongPin;
    wrongPin.setPinnedCertificates({QByteArray(32, '\x01')});
    QCOMPARE(sendAndWait(wrongPin, req).error, NetworkError::Tls);

    // The exact certificate pinned: accepted.
    HttpTransport pinned;
    pinned.setPinnedCertificates({*parsePin(QString::fromLatin1(certificateSha256(cert).toHex()))});
    const HttpResponse ok = sendAndWait(pinned, req);
    QCOMPARE(ok.error, NetworkError::None);
    QCOMPARE(ok.status, 200);
    QCOMPARE(server.requests.size(), 1);

    // A pin for one origin vouches for that host and port only: the same certificate pinned for
    // another port (another service on a shared transport) does not help here.
    QUrl elsewhere(u"https://127.0.0.1/other"_s);
    elsewhere.setPort(server.serverPort() == 65535 ? 65534 : server.serverPort() + 1);
    HttpTransport otherOrigin;
    otherOrigin.setPinnedCertificates(elsewhere, {certificateSha256(cert)});
    QCOMPARE(otherOrigin.pinnedCertificates(req.url), QList<QByteArray>{});
    QCOMPARE(sendAndWait(otherOrigin, req).error, NetworkError::Tls);
    HttpTransport thisOrigin;
    thisOrigin.setPinnedCertificates(QUrl(u"https://127.0.0.1:"_s + QString::number(server.serverPort())),
                                     {certificateSha256(cert)});
    const HttpResponse viaOrigin = sendAndWait(thisOrigin, req);
    QCOMPARE(viaOrigin.error, NetworkError::None);
    QCOMPARE(server.requests.size(), 2);
    // An empty list removes the origin's pins.
    thisOrigin.setPinnedCertificates(req.url, {});
    QVERIFY(thisOrigin.pinnedCertificates(req.url).isEmpty());
    QCOMPARE(HttpTransport::originKey(QUrl(u"https://API.PayTrace.com/v1"_s)), u"api.paytrace.com:443"_s);
    QCOMPARE(HttpTransport::originKey(QUrl(u"http://localhost/x"_s)), u"localhost:80"_s);
}

QTEST_GUILESS_MAIN(TestNet)
#include "tst_net.moc"
