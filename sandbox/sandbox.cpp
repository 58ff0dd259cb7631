#include "sandbox.h"

#include "adminapi.h"
#include "magentosim.h"
#include "odoosim.h"
#include "livestore.h"
#include "paytracesim.h"
#include "paytraceuntidy.h"

#include <QMutexLocker>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

// Numeric path segments become ":id" so per-endpoint counts do not explode.
QString statKey(const QByteArray &method, const QByteArray &path)
{
    QByteArray normalized;
    normalized.reserve(path.size());
    const QList<QByteArray> parts = path.split('/');
    for (qsizetype i = 0; i < parts.size(); ++i) {
        if (i)
            normalized.append('/');
        const QByteArray &p = parts[i];
        bool digits = !p.isEmpty();
        for (char c : p)
            digits = digits && c >= '0' && c <= '9';
        normalized.append(digits ? QByteArrayLiteral(":id") : p);
    }
    return QString::fromLatin1(method) + u' ' + QString::fromUtf8(normalized);
}

HttpReply reply(HttpResponse response)
{
    HttpReply r;
    r.response = std::move(response);
    return r;
}

QByteArray proxyPage(int status)
{
    const QByteArray title = QByteArray::number(status) + ' ' + HttpServer::reasonPhrase(status);
    return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title
        + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
}

} // namespace

Sandbox::Sandbox(SandboxOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_credentials(generateCredentials(m_options.seed)),
      m_faults(m_options.seed), m_odoo(std::make_unique<OdooSimulator>(m_options.seed))
{
    if (m_options.startTime.isValid())
        m_clock.setNow(m_options.startTime);
}

Sandbox::~Sandbox()
{
    stop();
}

bool Sandbox::start(QString *error)
{
    if (m_server) {
        if (error)
            *error = u"the sandbox is already running"_s;
        return false;
    }
    if (m_options.orders < 0 || m_options.orders > 5000000) {
        if (error)
            *error = u"orders must be between 0 and 5000000"_s;
        return false;
    }
    if (m_options.batchCloseHour < 0 || m_options.batchCloseHour > 23) {
        if (error)
            *error = u"batchCloseHour must be between 0 and 23"_s;
        return false;
    }
    if (m_options.startTime.isValid())
        m_clock.setNow(m_options.startTime);

    GeneratorOptions gen;
    gen.orders = m_options.orders;
    gen.seed = m_options.seed;
    // Whole seconds, so the same start time always gives the same data.
    gen.nowSecs = m_clock.nowSecs();
    gen.batchCloseHour = m_options.batchCloseHour;
    gen.paytraceUsername = m_credentials.paytraceUsername;
    m_generated = generateData(gen);
    if (m_options.paytraceUntidy)
        addUntidyPayTrace(&m_generated, m_options.seed, gen.nowSecs);

    m_paytrace = std::make_unique<PayTraceSimulator>(&m_clock, m_credentials, m_options.batchCloseHour);
    m_paytrace->configure(m_options.seed, m_options.paytraceUntidy);
    m_paytrace->setLimitedUserDenied(m_options.paytraceLimitedUserDenied);
    m_paytrace->setDuplicateWindowSeconds(qint64(m_options.paytraceDuplicateWindowMinutes) * 60);
    m_paytrace->load(m_generated);
    m_magento = std::make_unique<MagentoSimulator>(&m_clock, m_credentials);
    m_magento->load(m_generated.orders);
    if (m_options.magentoCustomerAttribute)
        m_magento->seedCustomerAttributes(kVaultAttributeCode, m_generated.customerVaultLinks);
    else
        m_magento->setCustomerAttributeDefined(kVaultAttributeCode, false);
    m_magento->setBearerEnabled(m_options.magentoBearerEnabled);
    m_magento->setInputLimits(m_options.magentoInputLimits);
    m_magento->setPastEndEmpty(m_options.magentoPastEndEmpty);
    if (m_options.magentoAclResources)
        m_magento->setGrantedResources(*m_options.magentoAclResources);
    m_admin = std::make_unique<AdminApi>(this);
    delete m_live;
    m_live = new LiveStore(m_paytrace.get(), m_magento.get(), &m_clock, m_generated.orders, m_options.seed, this);
    if (m_options.liveOrdersPerMinute > 0)
        m_live->start(m_options.liveOrdersPerMinute);
    m_paytraceLimiter.configure(m_options.paytraceRateLimit);
    m_magentoLimiter.configure(m_options.magentoRateLimit);
    for (const FaultRule &rule : std::as_const(m_options.faults))
        m_faults.add(rule);

    m_server = new HttpServer([this](const HttpRequest &r) { return dispatch(r); }, this);
    m_server->setLimits(m_options.httpLimits);
    QString listenError;
    if (!m_server->listen(QHostAddress::LocalHost, m_options.port, &listenError)) {
        delete m_server;
        m_server = nullptr;
        if (error)
            *error = u"cannot listen on 127.0.0.1:%1: %2"_s.arg(m_options.port).arg(listenError);
        return false;
    }
    m_port.store(m_server->port());
    return true;
}

void Sandbox::stop()
{
    if (m_live)
        m_live->stop();
    if (!m_server)
        return;
    m_server->close();
    delete m_server;
    m_server = nullptr;
    m_port.store(0);
}

QUrl Sandbox::baseUrl() const
{
    QUrl url;
    url.setScheme(u"http"_s);
    url.setHost(u"127.0.0.1"_s);
    url.setPort(port());
    return url;
}

QUrl Sandbox::paytraceUrl() const
{
    QUrl url = baseUrl();
    url.setPath(u"/paytrace"_s);
    return url;
}

QUrl Sandbox::magentoUrl() const
{
    QUrl url = baseUrl();
    url.setPath(u"/magento"_s);
    return url;
}

QUrl Sandbox::adminUrl() const
{
    QUrl url = baseUrl();
    url.setPath(u"/__admin"_s);
    return url;
}

QList<std::pair<QString, QString>> Sandbox::credentials() const
{
    return {
        {u"paytrace.username"_s, m_credentials.paytraceUsername},
        {u"paytrace.password"_s, m_credentials.paytracePassword},
        {u"magento.consumer_key"_s, m_credentials.magentoConsumerKey},
        {u"magento.consumer_secret"_s, m_credentials.magentoConsumerSecret},
        {u"magento.access_token"_s, m_credentials.magentoAccessToken},
        {u"magento.access_token_secret"_s, m_credentials.magentoAccessTokenSecret},
        {u"magento.bearer_token"_s, m_credentials.magentoAccessToken},
        {u"odoo.database"_s, m_odoo->database()},
        {u"odoo.username"_s, m_odoo->username()},
        {u"odoo.password"_s, m_odoo->password()},
        // The second PayTrace API user, without the rights in options().paytraceLimitedUserDenied.
        {u"paytrace.limited_username"_s, m_paytrace->limitedUser().username},
        {u"paytrace.limited_password"_s, m_paytrace->limitedUser().password},
    };
}

OdooSimulator &Sandbox::odoo()
{
    return *m_odoo;
}

QUrl Sandbox::odooUrl() const
{
    QUrl url = baseUrl();
    url.setPath(u"/odoo"_s);
    return url;
}

LiveStore &Sandbox::live()
{
    Q_ASSERT_X(m_live, "Sandbox::live", "call start() first");
    return *m_live;
}

PayTraceSimulator &Sandbox::paytrace()
{
    Q_ASSERT_X(m_paytrace, "Sandbox::paytrace", "call start() first");
    return *m_paytrace;
}

MagentoSimulator &Sandbox::magento()
{
    Q_ASSERT_X(m_magento, "Sandbox::magento", "call start() first");
    return *m_magento;
}

SandboxStats Sandbox::stats() const
{
    QMutexLocker lock(&m_statsMutex);
    SandboxStats s = m_stats;
    s.rateLimitedPayTrace = qint64(m_paytraceLimiter.refusedCount());
    s.rateLimitedMagento = qint64(m_magentoLimiter.refusedCount());
    return s;
}

void Sandbox::resetStats()
{
    QMutexLocker lock(&m_statsMutex);
    m_stats = SandboxStats();
}

void Sandbox::count(const QByteArray &method, const QByteArray &path)
{
    QMutexLocker lock(&m_statsMutex);
    ++m_stats.requests[statKey(method, path)];
    ++m_stats.totalRequests;
}

HttpReply Sandbox::dispatch(const HttpRequest &request)
{
    const QByteArray &path = request.path;
    if (path.startsWith("/__admin/odoo/"))
        return reply(m_odoo->handleAdmin(request));
    if (path == "/__admin" || path.startsWith("/__admin/"))
        return reply(m_admin->handle(request));

    enum class Api { PayTrace, Magento, Odoo } api;
    qsizetype prefix = 0;
    if (path == "/paytrace" || path.startsWith("/paytrace/")) {
        api = Api::PayTrace;
        prefix = 9;
    } else if (path == "/magento" || path.startsWith("/magento/")) {
        api = Api::Magento;
        prefix = 8;
    } else if (path == "/odoo" || path.startsWith("/odoo/")) {
        api = Api::Odoo;
        prefix = 5;
    } else {
        return reply(HttpResponse::json(404, QByteArrayLiteral(
            "{\"message\":\"Unknown path: the sandbox serves /paytrace, /magento and /__admin\"}")));
    }
    count(request.method, path);

    const auto tooMany = [&](int retryAfter) {
        HttpResponse r = HttpResponse::json(429, api == Api::PayTrace ? PayTraceSimulator::rateLimitedBody()
                                                                      : MagentoSimulator::rateLimitedBody());
        r.setHeader(QByteArrayLiteral("Retry-After"), QByteArray::number(retryAfter));
        QMutexLocker lock(&m_statsMutex);
        ++m_stats.served429;
        return r;
    };

    int retryAfter = 1;
    // Odoo has no rate limiter of its own in the sandbox (faults can still answer 429).
    RateLimiter &limiter = api == Api::PayTrace ? m_paytraceLimiter : m_magentoLimiter;
    if (api != Api::Odoo && !limiter.tryAcquire(&retryAfter))
        return reply(tooMany(retryAfter));

    // By value, so that a late effect can carry its own copy of the request to a later moment.
    const auto serveRequest = [this, api, prefix](const HttpRequest &req) {
        const QByteArrayView subPath = QByteArrayView(req.path).sliced(prefix);
        if (api == Api::Odoo)
            return m_odoo->handle(req, subPath);
        return api == Api::PayTrace ? m_paytrace->handle(req, subPath) : m_magento->handle(req, subPath);
    };
    const auto serve = [&] { return serveRequest(request); };

    const std::optional<FaultRule> fault = m_faults.pick(request.method, path);
    if (!fault)
        return reply(serve());
    {
        QMutexLocker lock(&m_statsMutex);
        ++m_stats.faultsInjected;
    }
    HttpReply r;
    r.delayMs = fault->latencyMs;
    switch (fault->kind) {
    case FaultKind::Latency:
        r.response = serve();
        break;
    case FaultKind::Timeout:
        r.delivery = Delivery::Stall;
        break;
    case FaultKind::Reset:
        r.delivery = Delivery::Reset;
        break;
    case FaultKind::ResetAfter:
        r.response = serve(); // the effect happens; only its answer is lost
        r.delivery = Delivery::Reset;
        break;
    case FaultKind::LateEffect:
        // Carried out once, when the wait is over, against the state at that moment, whether the
        // client still waits or not (the gateway timed out but the refund happened). The server
        // owns the wait and is deleted in stop() before the simulators, so `this` stays valid.
        r.delayMs = fault->latencyMs + std::max(0, fault->delayMs);
        r.deferred = [serveRequest, request] { return serveRequest(request); };
        break;
    case FaultKind::Http500:
        if (api == Api::Magento)
            r.response = HttpResponse::json(500, QByteArrayLiteral(
                "{\"message\":\"Internal Error. Details are available in Magento log file. Report ID: webapi-sandbox-fault\"}"));
        else
            r.response = HttpResponse::json(500, QByteArrayLiteral(
                "{\"status\":500,\"error\":\"Internal Server Error\"}"));
        break;
    case FaultKind::Http502:
    case FaultKind::Http503: {
        // What a reverse proxy in front of the API answers when the upstream is down.
        const int status = fault->kind == FaultKind::Http502 ? 502 : 503;
        r.response.status = status;
        r.response.setHeader(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/html"));
        r.response.body = proxyPage(status);
        break;
    }
    case FaultKind::Http429:
        r.response = tooMany(fault->retryAfterSeconds);
        break;
    case FaultKind::Truncate:
        r.response = serve();
        r.delivery = Delivery::Truncate;
        break;
    case FaultKind::Malformed: {
        r.response = serve();
        QByteArray &body = r.response.body;
        if (api == Api::Magento) {
            // A PHP notice printed ahead of the JSON, as a misconfigured store does.
            body.prepend(QByteArrayLiteral("<br />\n<b>Notice</b>:  Undefined index: entity_id in "
                                           "<b>/var/www/html/vendor/magento/module-sales/Model/Order.php</b> on line <b>1123</b><br />\n"));
        } else {
            body.truncate(body.size() / 2);
            body.append(QByteArrayLiteral("\x00\xff\"}]"));
        }
        break;
    }
    }
    return r;
}

SandboxThread::SandboxThread(SandboxOptions options) : m_options(std::move(options))
{
    m_thread.setObjectName(u"paybridge-sandbox"_s);
}

SandboxThread::~SandboxThread()
{
    stop();
}

bool SandboxThread::start(QString *error)
{
    if (m_sandbox) {
        if (error)
            *error = u"the sandbox thread is already running"_s;
        return false;
    }
    m_sandbox = new Sandbox(m_options);
    m_sandbox->moveToThread(&m_thread);
    // Deleted on its own thread when the thread finishes (deferred deletes run then).
    QObject::connect(&m_thread, &QThread::finished, m_sandbox.data(), &QObject::deleteLater);
    m_thread.start();
    bool ok = false;
    QString message;
    QMetaObject::invokeMethod(m_sandbox.data(), [s = m_sandbox.data(), &ok, &message] { ok = s->start(&message); },
                              Qt::BlockingQueuedConnection);
    if (!ok) {
        stop();
        if (error)
            *error = message;
        return false;
    }
    return true;
}

void SandboxThread::stop()
{
    if (!m_sandbox)
        return;
    if (m_thread.isRunning()) {
        QMetaObject::invokeMethod(m_sandbox.data(), [s = m_sandbox.data()] { s->stop(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    } else {
        delete m_sandbox.data();
    }
    m_sandbox.clear();
}

} // namespace pb::sandbox
