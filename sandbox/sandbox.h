#pragma once

// PayBridge sandbox: PayTrace and Magento simulators (plus an admin API) served over real HTTP
// on one loopback port, with generated data, a movable clock, fault injection and rate limits.
//
//   http://127.0.0.1:P/paytrace   PayTrace v1 (…/paytrace/oauth/token, …/paytrace/v1/…)
//   http://127.0.0.1:P/magento    Magento 2 REST (…/magento/rest/V1/…, …/magento/rest/default/V1/…)
//   http://127.0.0.1:P/odoo       Odoo JSON-RPC external API (…/odoo/jsonrpc)
//   http://127.0.0.1:P/__admin/   health, clock, faults, limits, ledger, stats, magento/config,
//                                 magento/documents (outside the APIs)

#include "datagen.h"
#include "datamodel.h"
#include "faults.h"
#include "httpserver.h"
#include "sandboxclock.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QThread>
#include <QUrl>

#include <atomic>
#include <memory>
#include <optional>
#include <utility>

namespace pb::sandbox {

class AdminApi;
class LiveStore;
class MagentoSimulator;
class OdooSimulator;
class PayTraceSimulator;

struct SandboxOptions
{
    int orders = 200;
    quint64 seed = 1;
    quint16 port = 0;                 // 0: any free port
    // Accept the integration access token as a Bearer token. Off, as in Magento 2.4.4 and later
    // (oauth/consumer/enable_integration_as_bearer); a store turns it on.
    bool magentoBearerEnabled = false;
    bool magentoInputLimits = false;  // webapi/validation/input_limit_enabled (pageSize <= 300, default 20)
    // A search page past the end: false repeats the last page (Collection::getCurPage clamps, older
    // 2.4.x); true answers an empty items list (after magento2#26988). total_count is the same.
    bool magentoPastEndEmpty = false;
    // The store has the customer attribute `paytrace_customer_id` (the vault link). Off: a store
    // where the admin has not created it yet (POST /__admin/customer-attribute creates it later).
    bool magentoCustomerAttribute = true;
    // ACL resources granted to the Magento integration; unset: what PayBridge needs
    // (MagentoSimulator::defaultGrantedResources()). "Magento_Backend::all" grants everything.
    std::optional<QStringList> magentoAclResources;
    // Sandbox time at start-up; invalid: real time. Fix it (with the seed) for byte-identical data.
    QDateTime startTime;
    int batchCloseHour = 20;
    int paytraceDuplicateWindowMinutes = 0; // PayTrace "Duplicate Transaction Time"; 0: off          // PayTrace batch close, Pacific local hour
    // PayTrace as untidy as real accounts (issue 13): terminal sales, mistyped invoices, second
    // payments, AVS/CSC of every kind, varied batch close times (paytraceuntidy.h). Off: tidy.
    bool paytraceUntidy = true;
    // What the second API user (paytrace.limited_username) may not do (PayTraceSimulator groups).
    QStringList paytraceLimitedUserDenied = {QStringLiteral("export"), QStringLiteral("batches")};
    // Live store (livestore.h): orders per sandbox minute placed from start-up; 0: off.
    double liveOrdersPerMinute = 0;
    RateLimit paytraceRateLimit;      // off by default
    RateLimit magentoRateLimit;
    QList<FaultRule> faults;          // installed at start-up
    HttpLimits httpLimits;
};

// Requests seen per endpoint ("POST /paytrace/v1/ping", numeric path segments as ":id").
struct SandboxStats
{
    QMap<QString, qint64> requests;
    qint64 totalRequests = 0;
    qint64 served429 = 0;         // rate limit refusals plus injected 429s
    qint64 rateLimitedPayTrace = 0;
    qint64 rateLimitedMagento = 0;
    qint64 faultsInjected = 0;
};

// The sandbox on the calling thread's event loop. Accessors are thread-safe, so a test may read
// the books while another thread serves requests (see SandboxThread).
class Sandbox : public QObject
{
    Q_OBJECT
public:
    explicit Sandbox(SandboxOptions options = {}, QObject *parent = nullptr);
    ~Sandbox() override;

    // Generates the data and listens on 127.0.0.1. Returns false (and *error) on failure.
    bool start(QString *error = nullptr);
    void stop();
    bool isRunning() const { return m_port.load() != 0; }

    quint16 port() const { return m_port.load(); }
    QUrl baseUrl() const;     // http://127.0.0.1:P
    QUrl paytraceUrl() const; // http://127.0.0.1:P/paytrace
    QUrl magentoUrl() const;  // http://127.0.0.1:P/magento
    QUrl adminUrl() const;    // http://127.0.0.1:P/__admin

    // paytrace.username, paytrace.password, magento.consumer_key, magento.consumer_secret,
    // magento.access_token, magento.access_token_secret, magento.bearer_token, odoo.database,
    // odoo.username, odoo.password.
    QList<std::pair<QString, QString>> credentials() const;
    const SandboxCredentials &credentialSet() const { return m_credentials; }
    const SandboxOptions &options() const { return m_options; }

    SandboxClock &clock() { return m_clock; }
    const SandboxClock &clock() const { return m_clock; }
    FaultInjector &faults() { return m_faults; }
    RateLimiter &paytraceRateLimiter() { return m_paytraceLimiter; }
    RateLimiter &magentoRateLimiter() { return m_magentoLimiter; }

    // The simulators (valid after start()). Their accessors return snapshots of the state.
    PayTraceSimulator &paytrace();
    MagentoSimulator &magento();
    OdooSimulator &odoo(); // http://127.0.0.1:P/odoo/jsonrpc (sandbox/odoosim.h)
    // The live store (always there for POST /__admin/checkout; trading only with --live).
    LiveStore &live();
    QUrl odooUrl() const;  // http://127.0.0.1:P/odoo
    // The data as generated at start-up (before any API call changed anything).
    const GeneratedData &generated() const { return m_generated; }

    SandboxStats stats() const;
    void resetStats();

private:
    HttpReply dispatch(const HttpRequest &request);
    void count(const QByteArray &method, const QByteArray &path);

    SandboxOptions m_options;
    SandboxCredentials m_credentials;
    SandboxClock m_clock;
    FaultInjector m_faults;
    RateLimiter m_paytraceLimiter;
    RateLimiter m_magentoLimiter;
    GeneratedData m_generated;
    std::unique_ptr<PayTraceSimulator> m_paytrace;
    std::unique_ptr<MagentoSimulator> m_magento;
    std::unique_ptr<OdooSimulator> m_odoo;
    std::unique_ptr<AdminApi> m_admin;
    LiveStore *m_live = nullptr;
    HttpServer *m_server = nullptr;
    std::atomic<quint16> m_port{0};
    mutable QMutex m_statsMutex;
    SandboxStats m_stats;
    friend class AdminApi;
};

// Runs a Sandbox on its own thread. start() returns once it listens (or failed); the destructor
// stops it and joins the thread.
class SandboxThread
{
public:
    explicit SandboxThread(SandboxOptions options = {});
    ~SandboxThread();
    SandboxThread(const SandboxThread &) = delete;
    SandboxThread &operator=(const SandboxThread &) = delete;

    bool start(QString *error = nullptr);
    void stop();
    // Lives on the sandbox thread; its accessors are thread-safe. Null before start().
    Sandbox *sandbox() const { return m_sandbox.data(); }

private:
    SandboxOptions m_options;
    QThread m_thread;
    QPointer<Sandbox> m_sandbox;
};

} // namespace pb::sandbox
