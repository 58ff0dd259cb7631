#include "sync/connectiontest.h"

#include "magento/magentoclient.h"
#include "net/httptransport.h"
#include "paytrace/paytraceclient.h"
#include "paytrace/tokenmanager.h"
#include "sync/connectionconfig.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QThread>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pb::sync::ConnectionTester", text);
}

// The setting or secret a configuration error is about, in the words of the Settings page.
QString settingLabel(const QString &field)
{
    if (field == u"paytrace.username") return tr("the PayTrace API user name");
    if (field == u"paytrace.password") return tr("the PayTrace API password");
    if (field == u"magento.consumer_key") return tr("the Magento consumer key");
    if (field == u"magento.consumer_secret") return tr("the Magento consumer secret");
    if (field == u"magento.access_token") return tr("the Magento access token");
    if (field == u"magento.access_token_secret") return tr("the Magento access token secret");
    if (field == u"magento.bearer_token") return tr("the Magento bearer token");
    if (field == u"paytraceUrl") return tr("the PayTrace URL");
    if (field == u"magentoUrl") return tr("the Magento URL");
    if (field == u"pinnedCertSha256Paytrace") return tr("the pinned PayTrace certificate");
    if (field == u"pinnedCertSha256Magento") return tr("the pinned Magento certificate");
    return field;
}

ConnectionCheck notConfigured(ConnectionCheck::System system, const Error &error)
{
    ConnectionCheck c;
    c.system = system;
    c.verdict = ConnectionCheck::Verdict::NotConfigured;
    c.errorCode = error.code;
    if (error.code == u"config.missing_secret")
        c.message = tr("%1: %2 is not set — enter it under Credentials and store it.")
                        .arg(systemName(system), settingLabel(error.field));
    else
        c.message = tr("%1: %2 is not valid (%3) — correct it and test again.")
                        .arg(systemName(system), settingLabel(error.field), error.message);
    return c;
}

QString hostOf(const QUrl &url)
{
    return url.port() > 0 ? u"%1:%2"_s.arg(url.host()).arg(url.port()) : url.host();
}

ConnectionCheck paytraceVerdict(const paytrace::Outcome &out, const paytrace::PayTraceConfig &pc, qint64 ms)
{
    using K = paytrace::Outcome::Kind;
    ConnectionCheck c;
    c.system = ConnectionCheck::System::PayTrace;
    c.latencyMs = out.httpStatus > 0 ? ms : -1;
    c.errorCode = net::errorClassName(out.errorClass());
    const QString detail = !out.error.message.isEmpty() ? out.error.message
        : !out.statusMessage.isEmpty()                  ? out.statusMessage
        : out.httpStatus > 0                            ? tr("HTTP %1").arg(out.httpStatus)
                                                        : net::errorClassName(out.errorClass());
    switch (out.kind) {
    case K::AuthFailure:
        c.verdict = ConnectionCheck::Verdict::Refused;
        c.message = tr("PayTrace: the API user %1 could not sign in (%2) — check the user name and "
                       "password, and that the user is active in PayTrace.")
                        .arg(pc.username, detail);
        break;
    case K::RateLimited:
        c.verdict = ConnectionCheck::Verdict::Unreachable;
        c.message = out.retryAfterSeconds >= 0
            ? tr("PayTrace: too many requests right now — try again in %1 s.").arg(out.retryAfterSeconds)
            : tr("PayTrace: too many requests right now — try again in a minute.");
        break;
    default:
        c.verdict = ConnectionCheck::Verdict::Unreachable;
        if (out.transportClass == net::ErrorClass::Tls)
            c.message = tr("PayTrace: the secure connection to %1 was refused (%2) — check the URL and "
                           "the server certificate.")
                            .arg(hostOf(pc.baseUrl), detail);
        else if (out.httpStatus == 0)
            c.message = tr("PayTrace: no answer from %1 (%2) — check the URL and the network.")
                            .arg(hostOf(pc.baseUrl), detail);
        else
            c.message = tr("PayTrace: %1 answered, but not as the PayTrace API does (%2) — check the URL.")
                            .arg(hostOf(pc.baseUrl), detail);
        break;
    }
    return c;
}

ConnectionCheck magentoVerdict(const magento::Failure &f, const magento::MagentoConfig &mc, qint64 ms)
{
    ConnectionCheck c;
    c.system = ConnectionCheck::System::Magento;
    c.latencyMs = f.httpStatus > 0 ? ms : -1;
    c.errorCode = net::errorClassName(f.errorClass);
    const QString said = f.body ? f.body->message : f.error.message;
    const QString detail = !said.isEmpty() ? said : f.httpStatus > 0 ? tr("HTTP %1").arg(f.httpStatus)
                                                                      : net::errorClassName(f.errorClass);
    switch (f.errorClass) {
    case net::ErrorClass::Auth: {
        c.verdict = ConnectionCheck::Verdict::Refused;
        // Magento answers 401 both for bad credentials and for a resource the integration was
        // not granted; with OAuth 1.0a only the second names the resource. A bad bearer token
        // (or one the store does not accept standalone) also gets the message naming the resource,
        // so in bearer mode both causes are possible.
        static const QRegularExpression acl(u"authori[sz]ed to access ([A-Za-z0-9_]+::[A-Za-z0-9_]+)"_s);
        const auto m = acl.match(said);
        if (m.hasMatch() && mc.auth == magento::MagentoConfig::Auth::Bearer)
            c.message = tr("Magento: the store refused the bearer token for %1 — check the token, that "
                           "\"Allow OAuth Access Tokens to be used as standalone Bearer tokens\" is on, and "
                           "that the integration is granted %1 in System › Extensions › Integrations.")
                            .arg(m.captured(1));
        else if (m.hasMatch())
            c.message = tr("Magento: the integration is not authorised for %1 — grant it in System › "
                           "Extensions › Integrations, then reactivate the integration.")
                            .arg(m.captured(1));
        else if (mc.auth == magento::MagentoConfig::Auth::Bearer)
            c.message = tr("Magento: the store refused the bearer token (%1) — check the token, and that "
                           "\"Allow OAuth Access Tokens to be used as standalone Bearer tokens\" is on, "
                           "or use OAuth 1.0a.")
                            .arg(detail);
        else
            c.message = tr("Magento: the store refused the integration's credentials (%1) — check the "
                           "consumer key and secret, the access token and its secret, and that the "
                           "integration is active.")
                            .arg(detail);
        break;
    }
    case net::ErrorClass::RateLimited:
        c.verdict = ConnectionCheck::Verdict::Unreachable;
        c.message = f.retryAfterSeconds >= 0
            ? tr("Magento: the store is limiting requests right now — try again in %1 s.").arg(f.retryAfterSeconds)
            : tr("Magento: the store is limiting requests right now — try again in a minute.");
        break;
    case net::ErrorClass::Tls:
        c.verdict = ConnectionCheck::Verdict::Unreachable;
        c.message = tr("Magento: the secure connection to %1 was refused (%2) — check the URL and the "
                       "server certificate.")
                        .arg(hostOf(mc.baseUrl), detail);
        break;
    case net::ErrorClass::Permanent:
        c.verdict = ConnectionCheck::Verdict::Unreachable;
        c.message = tr("Magento: %1 did not answer like the Magento REST API (%2) — the URL should be the "
                       "store's root, without /rest.")
                        .arg(hostOf(mc.baseUrl), detail);
        break;
    default:
        c.verdict = ConnectionCheck::Verdict::Unreachable;
        c.message = f.httpStatus == 0
            ? tr("Magento: no answer from %1 (%2) — check the URL and the network.").arg(hostOf(mc.baseUrl), detail)
            : tr("Magento: the store had a problem answering (%1) — try again later.").arg(detail);
        break;
    }
    return c;
}

// One test on the worker thread: its own transport and clients, gone when it is deleted.
class Run : public QObject
{
public:
    using Done = std::function<void(const ConnectionTestResult &)>;

    Run(const SyncConfig &config, Done done, QObject *parent)
        : QObject(parent)
        , m_transport(new net::HttpTransport(this))
        , m_done(std::move(done))
    {
        m_result.checks = {ConnectionCheck{}, ConnectionCheck{}};
        m_result.checks[1].system = ConnectionCheck::System::Magento;
        m_pending = 2;
        auto pc = paytraceConfigFor(config);
        auto mc = magentoConfigFor(config);
        // A pin that does not parse stops its own service's check (nothing is sent there);
        // the other service's pin still applies.
        SyncConfig pins = config;
        for (int attempt = 0; attempt < 2; ++attempt) {
            const Status pinned = applyCertificatePins(pins, *m_transport);
            if (pinned)
                break;
            if (pinned.error().field == u"pinnedCertSha256Magento") {
                mc = pinned.error();
                pins.pinnedCertSha256Magento.clear();
            } else {
                pc = pinned.error();
                pins.pinnedCertSha256Paytrace.clear();
            }
        }
        m_requestTimeoutMs = config.requestTimeoutMs;
        // Both calls start before either check may finish, so m_pending never reaches 0 early.
        if (pc) startPayTrace(pc.value());
        if (mc) startMagento(mc.value());
        if (!pc) finish(0, notConfigured(ConnectionCheck::System::PayTrace, pc.error()));
        if (!mc) finish(1, notConfigured(ConnectionCheck::System::Magento, mc.error()));
    }

private:
    void startPayTrace(paytrace::PayTraceConfig pc)
    {
        pc.timeoutMs = testTimeoutMs(); // a person is waiting; the sync's 60 s is for slow exports
        m_paytrace = new paytrace::PayTraceClient(m_transport, pc, this);
        m_paytrace->tokens()->setTimeoutMs(pc.timeoutMs);
        QElapsedTimer timer;
        timer.start();
        m_paytrace->ping(this, [this, pc, timer](const paytrace::Outcome &out) {
            if (!out.ok()) {
                finish(0, paytraceVerdict(out, pc, timer.elapsed()));
                return;
            }
            // The ping needs no token: sign in too, so that a wrong password shows here.
            m_paytrace->tokens()->withToken(this, [this, pc, timer](const QString &token, const paytrace::Outcome &failure) {
                const qint64 ms = timer.elapsed();
                if (token.isEmpty()) {
                    finish(0, paytraceVerdict(failure, pc, ms));
                    return;
                }
                ConnectionCheck c;
                c.system = ConnectionCheck::System::PayTrace;
                c.verdict = ConnectionCheck::Verdict::Ok;
                c.latencyMs = ms;
                c.message = tr("PayTrace: connected to %1 as %2, token valid (%3 ms).")
                                .arg(hostOf(pc.baseUrl), pc.username)
                                .arg(ms);
                finish(0, c);
            });
        });
    }

    void startMagento(magento::MagentoConfig mc)
    {
        mc.timeoutMs = testTimeoutMs();
        m_magento = new magento::MagentoClient(m_transport, mc, this);
        magento::SearchCriteria criteria;
        criteria.setPageSize(1).addSortOrder(u"entity_id"_s, magento::SearchCriteria::Direction::Asc);
        QElapsedTimer timer;
        timer.start();
        m_magento->searchOrders(criteria, this, [this, mc, timer](const magento::Reply<magento::OrderPage> &reply) {
            const qint64 ms = timer.elapsed();
            if (!reply.ok()) {
                finish(1, magentoVerdict(reply.failure, mc, ms));
                return;
            }
            ConnectionCheck c;
            c.system = ConnectionCheck::System::Magento;
            c.verdict = ConnectionCheck::Verdict::Ok;
            c.latencyMs = ms;
            c.message = tr("Magento: connected to %1; the integration may read orders (%2 visible, %3 ms).")
                            .arg(hostOf(mc.baseUrl))
                            .arg(reply.value->totalCount)
                            .arg(ms);
            finish(1, c);
        });
    }

    void finish(int index, const ConnectionCheck &check)
    {
        m_result.checks[index] = check;
        if (--m_pending == 0) {
            m_done(m_result);
            deleteLater();
        }
    }

    // 20 s, or the profile's request timeout when that is shorter.
    int testTimeoutMs() const
    {
        return m_requestTimeoutMs > 0 ? std::min(20000, m_requestTimeoutMs) : 20000;
    }

    net::HttpTransport *m_transport;
    int m_requestTimeoutMs = 0;
    paytrace::PayTraceClient *m_paytrace = nullptr;
    magento::MagentoClient *m_magento = nullptr;
    Done m_done;
    ConnectionTestResult m_result;
    int m_pending = 0;
};

} // namespace

QString systemName(ConnectionCheck::System system)
{
    return system == ConnectionCheck::System::PayTrace ? u"PayTrace"_s : u"Magento"_s;
}

bool ConnectionTestResult::allOk() const
{
    if (cancelled || checks.isEmpty())
        return false;
    for (const auto &c : checks)
        if (!c.ok())
            return false;
    return true;
}

struct ConnectionTester::Worker
{
    QThread thread;
    QObject *agent = nullptr; // lives on `thread`; parent of the runs in flight
};

ConnectionTester::ConnectionTester(QObject *parent)
    : QObject(parent)
    , m_worker(std::make_unique<Worker>())
{
    qRegisterMetaType<pb::sync::ConnectionTestResult>();
    m_worker->thread.setObjectName(u"paybridge.connectiontest"_s);
    m_worker->agent = new QObject;
    m_worker->agent->moveToThread(&m_worker->thread);
    connect(&m_worker->thread, &QThread::finished, m_worker->agent, &QObject::deleteLater);
    m_worker->thread.start();
}

ConnectionTester::~ConnectionTester()
{
    // Runs (and their transports, which abort without calling back) go with the agent.
    QObject *agent = m_worker->agent;
    QMetaObject::invokeMethod(agent, [agent] { qDeleteAll(agent->children()); }, Qt::QueuedConnection);
    m_worker->thread.quit();
    m_worker->thread.wait();
}

void ConnectionTester::start(const SyncConfig &config)
{
    if (m_running)
        cancel();
    const quint64 generation = ++m_generation;
    m_running = true;
    // The tester outlives every run: its destructor deletes them and joins the thread. A result
    // posted meanwhile is dropped with the tester's pending events.
    ConnectionTester *tester = this;
    QObject *agent = m_worker->agent;
    QMetaObject::invokeMethod(agent, [agent, config, tester, generation] {
        new Run(config, [tester, generation](const ConnectionTestResult &result) {
            QMetaObject::invokeMethod(tester, [tester, generation, result] {
                tester->deliver(generation, result);
            }, Qt::QueuedConnection);
        }, agent);
    }, Qt::QueuedConnection);
}

void ConnectionTester::cancel()
{
    if (!m_running)
        return;
    ++m_generation; // whatever the worker still sends belongs to an older test
    m_running = false;
    QObject *agent = m_worker->agent;
    QMetaObject::invokeMethod(agent, [agent] { qDeleteAll(agent->children()); }, Qt::QueuedConnection);
    ConnectionTestResult result;
    result.cancelled = true;
    for (auto system : {ConnectionCheck::System::PayTrace, ConnectionCheck::System::Magento}) {
        ConnectionCheck c;
        c.system = system;
        c.verdict = ConnectionCheck::Verdict::Cancelled;
        c.message = tr("%1: the test was cancelled.").arg(systemName(system));
        result.checks << c;
    }
    Q_EMIT finished(result);
}

void ConnectionTester::deliver(quint64 generation, const ConnectionTestResult &result)
{
    if (generation != m_generation || !m_running)
        return;
    m_running = false;
    Q_EMIT finished(result);
}

} // namespace pb::sync
