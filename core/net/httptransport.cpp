#include "net/httptransport.h"

#include "log/requestid.h"
#include "net/errorclass.h"
#include "net/netlog.h"
#include "net/tlspolicy.h"

#include <QElapsedTimer>
#include <QIODevice>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QSslConfiguration>
#include <QSslError>
#include <QTimer>

#include <algorithm>
#include <memory>

namespace pb::net {

namespace {

// The body of a write, readable once. Qt sends a request again by itself when the connection
// closes before any byte of the answer; for a write that the remote side may already have
// applied, that would be a second charge or refund. Qt only resends when it can rewind the
// upload, so a write's body refuses to rewind: Qt then reports ContentReSendError and the
// caller treats the result as in doubt, to be looked up before anything is sent again.
class OneShotBody final : public QIODevice
{
public:
    OneShotBody(QByteArray data, QObject *parent) : QIODevice(parent), m_data(std::move(data))
    {
        open(QIODevice::ReadOnly);
    }
    bool isSequential() const override { return true; }
    bool reset() override { return false; }
    bool atEnd() const override { return m_pos >= m_data.size() && QIODevice::bytesAvailable() == 0; }
    qint64 bytesAvailable() const override { return m_data.size() - m_pos + QIODevice::bytesAvailable(); }

protected:
    qint64 readData(char *out, qint64 max) override
    {
        const qint64 n = std::min<qint64>(max, m_data.size() - m_pos);
        std::copy_n(m_data.constData() + m_pos, n, out);
        m_pos += n;
        return n;
    }
    qint64 writeData(const char *, qint64) override { return -1; }

private:
    QByteArray m_data;
    qint64 m_pos = 0;
};

} // namespace

struct HttpTransport::Call
{
    HttpRequest request;
    QString requestId;
    QString redactedUrl;
    QPointer<QObject> context;
    bool hadContext = false;
    Callback callback;
    QElapsedTimer clock;
    QTimer *idleTimer = nullptr;
    bool timedOut = false;
    bool tooLarge = false;
    bool sent = false; // Qt said so: requestSent, or the whole body uploaded
    bool canceled = false;
    QString tlsProblem;
};

HttpTransport::HttpTransport(QObject *parent)
    : HttpTransport(nullptr, parent)
{
}

HttpTransport::HttpTransport(QNetworkAccessManager *manager, QObject *parent)
    : QObject(parent)
    , m_manager(manager ? manager : new QNetworkAccessManager(this))
{
    // Redirects are not followed: a redirect would carry Authorization to wherever it points.
    m_manager->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

HttpTransport::~HttpTransport()
{
    const auto calls = m_calls;
    m_calls.clear();
    for (auto it = calls.begin(); it != calls.end(); ++it) {
        it.key()->disconnect(this);
        it.key()->abort();
        it.key()->deleteLater();
        delete it.value();
    }
}

QString HttpTransport::newRequestId()
{
    // 128 random bits as 32 hex digits: unique enough to find one call across logs of
    // PayBridge, a proxy and the remote side.
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex());
}

void HttpTransport::setPinnedCertificates(const QList<QByteArray> &sha256Digests)
{
    m_pins = sha256Digests;
}

QString HttpTransport::originKey(const QUrl &url)
{
    const int defaultPort = url.scheme().compare(QLatin1StringView("http"), Qt::CaseInsensitive) == 0 ? 80 : 443;
    return url.host().toLower() + QLatin1Char(':') + QString::number(url.port(defaultPort));
}

void HttpTransport::setPinnedCertificates(const QUrl &origin, const QList<QByteArray> &sha256Digests)
{
    if (sha256Digests.isEmpty())
        m_originPins.remove(originKey(origin));
    else
        m_originPins.insert(originKey(origin), sha256Digests);
}

QList<QByteArray> HttpTransport::pinnedCertificates(const QUrl &url) const
{
    return m_pins + m_originPins.value(originKey(url));
}

QString HttpTransport::send(const HttpRequest &request, const QByteArray &body, QObject *context,
                            Callback callback)
{
    auto *call = new Call;
    call->request = request;
    call->requestId = newRequestId();
    call->redactedUrl = redactUrl(request.url);
    call->context = context;
    call->hadContext = context != nullptr;
    call->callback = std::move(callback);
    call->clock.start();

    const Status policy = checkUrlPolicy(request.url);
    if (!policy) {
        qCWarning(lcNet).noquote() << request.method << call->redactedUrl << "refused by policy:"
                                   << policy.error().message << "id" << call->requestId;
        HttpResponse response;
        response.requestId = call->requestId;
        response.error = NetworkError::PolicyRefused;
        response.errorText = policy.error().message;
        response.effect = request.effect;
        // Deliver later so callers never see a callback from inside send().
        std::shared_ptr<Call> owned(call);
        QTimer::singleShot(0, this, [owned, response]() {
            if (!owned->hadContext || owned->context)
                owned->callback(response);
        });
        return response.requestId;
    }

    QNetworkRequest req(request.url);
    for (const auto &h : request.headers)
        req.setRawHeader(h.first, h.second);
    req.setRawHeader("X-Request-Id", call->requestId.toLatin1());
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute, QNetworkRequest::ManualRedirectPolicy);
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    req.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    req.setAttribute(QNetworkRequest::CookieLoadControlAttribute, QNetworkRequest::Manual);
    req.setAttribute(QNetworkRequest::CookieSaveControlAttribute, QNetworkRequest::Manual);
    if (request.url.scheme().compare(u"https", Qt::CaseInsensitive) == 0) {
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setProtocol(QSsl::TlsV1_2OrLater);
        ssl.setPeerVerifyMode(QSslSocket::VerifyPeer);
        req.setSslConfiguration(ssl);
    }

    QNetworkReply *reply = nullptr;
    if (request.effect == Effect::Write) {
        req.setHeader(QNetworkRequest::ContentLengthHeader, body.size());
        req.setAttribute(QNetworkRequest::DoNotBufferUploadDataAttribute, true);
        auto *upload = new OneShotBody(body, nullptr);
        reply = m_manager->sendCustomRequest(req, request.method, upload);
        upload->setParent(reply);
    } else {
        reply = m_manager->sendCustomRequest(req, request.method, body);
    }
    m_calls.insert(reply, call);

    call->idleTimer = new QTimer(reply);
    call->idleTimer->setSingleShot(true);
    call->idleTimer->setInterval(std::max(1, request.timeoutMs));
    connect(call->idleTimer, &QTimer::timeout, reply, [call, reply]() {
        call->timedOut = true;
        reply->abort();
    });
    connect(reply, &QNetworkReply::uploadProgress, call->idleTimer, [call](qint64 sent, qint64 total) {
        if (total > 0 && sent == total)
            call->sent = true;
        call->idleTimer->start();
    });
    connect(reply, &QNetworkReply::downloadProgress, call->idleTimer,
            [call, reply](qint64 received, qint64) {
                if (received > call->request.maxResponseBytes && !call->tooLarge) {
                    call->tooLarge = true;
                    reply->abort();
                    return;
                }
                call->idleTimer->start();
            });
    connect(reply, &QNetworkReply::requestSent, call->idleTimer, [call]() {
        call->sent = true;
        call->idleTimer->start();
    });
    connect(reply, &QNetworkReply::sslErrors, this, [this, call, reply](const QList<QSslError> &errors) {
        QSslCertificate leaf = reply->sslConfiguration().peerCertificate();
        if (leaf.isNull() && !errors.isEmpty())
            leaf = errors.first().certificate();
        if (!leaf.isNull() && pinnedCertificates(call->request.url).contains(certificateSha256(leaf))) {
            reply->ignoreSslErrors(errors);
            return;
        }
        QStringList texts;
        for (const QSslError &e : errors)
            texts.append(e.errorString());
        call->tlsProblem = texts.join(QStringLiteral("; "));
        if (!leaf.isNull()) {
            call->tlsProblem += QStringLiteral(" (certificate SHA-256 ")
                + QString::fromLatin1(certificateSha256(leaf).toHex(':'))
                + QStringLiteral(" is not pinned)");
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply]() { finish(reply); });
    call->idleTimer->start();
    return call->requestId;
}

namespace {
NetworkError mapError(QNetworkReply::NetworkError e)
{
    switch (e) {
    case QNetworkReply::NoError: return NetworkError::None;
    case QNetworkReply::ConnectionRefusedError: return NetworkError::ConnectionRefused;
    case QNetworkReply::HostNotFoundError: return NetworkError::HostNotFound;
    case QNetworkReply::RemoteHostClosedError: return NetworkError::ConnectionReset;
    // Only a write refuses to be resent (OneShotBody): the connection closed after it was sent.
    case QNetworkReply::ContentReSendError: return NetworkError::ConnectionReset;
    case QNetworkReply::TimeoutError: return NetworkError::Timeout;
    case QNetworkReply::SslHandshakeFailedError: return NetworkError::Tls;
    case QNetworkReply::OperationCanceledError: return NetworkError::Canceled;
    default: return NetworkError::Other;
    }
}
} // namespace

void HttpTransport::finish(QNetworkReply *reply)
{
    Call *call = m_calls.take(reply);
    if (!call)
        return;
    reply->deleteLater();
    call->idleTimer->stop();

    HttpResponse response;
    response.requestId = call->requestId;
    response.elapsedMs = call->clock.elapsed();
    response.effect = call->request.effect;
    response.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    response.headers = reply->rawHeaderPairs();
    response.requestSent = call->sent || response.status > 0;

    const QNetworkReply::NetworkError qtError = reply->error();
    if (call->timedOut) {
        response.error = NetworkError::Timeout;
        response.errorText = QStringLiteral("no transfer progress within %1 ms").arg(call->request.timeoutMs);
    } else if (call->tooLarge) {
        response.error = NetworkError::Other;
        response.errorText = QStringLiteral("response larger than %1 bytes").arg(call->request.maxResponseBytes);
    } else if (call->canceled) {
        response.error = NetworkError::Canceled;
        response.errorText = QStringLiteral("canceled");
    } else if (!call->tlsProblem.isEmpty()) {
        response.error = NetworkError::Tls;
        response.errorText = QStringLiteral("certificate refused: ") + call->tlsProblem;
    } else if (qtError != QNetworkReply::NoError && response.status == 0) {
        response.error = mapError(qtError);
        // Qt's text can quote the URL; keep only the redacted form in it.
        response.errorText = reply->errorString().replace(call->request.url.toString(), call->redactedUrl);
        if (qtError == QNetworkReply::ContentReSendError) {
            response.requestSent = true;
            response.errorText = QStringLiteral("connection closed before the answer; the write was not sent again");
        }
    }
    if (response.error == NetworkError::None)
        response.body = reply->readAll();
    // Qt's network thread reports sending through queued signals (requestSent, uploadProgress;
    // Qt 6.4 emits requestSent only after a body), so a timeout or cancel handled here can come
    // before them for a request that has already left whole. For a write, their absence proves
    // nothing: a lost answer counts as sent (in doubt) unless the error proves nothing left:
    // no connection, no name, TLS refused.
    if (!response.requestSent && call->request.effect == Effect::Write) {
        const NetworkError e = response.error;
        response.requestSent = e != NetworkError::ConnectionRefused && e != NetworkError::HostNotFound
            && e != NetworkError::Tls && e != NetworkError::PolicyRefused;
    }

    // Log lines written while the callback runs carry this call's id.
    const pb::log::RequestIdScope scope(call->requestId);
    if (response.error == NetworkError::None) {
        qCInfo(lcNet).noquote() << call->request.method << call->redactedUrl << response.status
                                << response.elapsedMs << "ms id" << call->requestId;
    } else {
        qCWarning(lcNet).noquote() << call->request.method << call->redactedUrl << "failed:"
                                   << networkErrorName(response.error) << response.errorText
                                   << "sent" << response.requestSent << response.elapsedMs
                                   << "ms id" << call->requestId;
    }

    if (!call->hadContext || call->context)
        call->callback(response);
    delete call;
}

void HttpTransport::abortAll()
{
    const auto replies = m_calls.keys();
    for (QNetworkReply *reply : replies) {
        if (Call *call = m_calls.value(reply)) {
            call->canceled = true;
            reply->abort(); // finished() follows synchronously or soon; finish() delivers Canceled
        }
    }
}

void HttpTransport::abortReads()
{
    const auto replies = m_calls.keys();
    for (QNetworkReply *reply : replies) {
        Call *call = m_calls.value(reply);
        if (call && call->request.effect == Effect::Read) {
            call->canceled = true;
            reply->abort();
        }
    }
}

} // namespace pb::net

#include "moc_httptransport.cpp"
