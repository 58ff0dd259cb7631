#pragma once

#include "intents/intentjournal.h"
#include "intents/ratelimiter.h"
#include "intents/retrypolicy.h"
#include "mapping/mappingprofile.h"
#include "model/transaction.h"
#include "util/clock.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QSqlDatabase>
#include <QTimer>

#include <functional>
#include <memory>

namespace pb::paytrace {
class PayTraceClient;
struct Outcome;
}
namespace pb::magento {
class MagentoApi;
}
namespace pb::erp {
class JournalSink;
}

namespace pb::sync {

struct IntentRunnerConfig
{
    int maxInFlight = 8;            // requests in flight at once, over all hosts
    double paytraceRatePerSecond = 10.0;
    double magentoRatePerSecond = 20.0;
    int janitorBatch = 20;          // in-doubt intents looked up per pass
    // The transfer timeout of each request (0: the connectors' 60 s) and the settle window of
    // in-doubt writes (0: 120 s; never less than twice the timeout): "did not happen" needs
    // the window since the last send and two lookups at least the window apart that agree.
    int requestTimeoutMs = 0;
    int inDoubtSettleMs = 0;
    // Lookups that decide nothing before a person is asked.
    int maxUndecidedLookups = 10;
    // On a SQLite store one process runs intents: the lease holder. `program` names this one
    // for the others ("paybridge serve", "console", ...).
    QString program;
    qint64 leaseMs = 30000;
};

// Executes intents exactly once (docs/intents.md), on the sync thread, while it holds the
// store's runner lease (one process per store sends; the others only plan).
//
// A pass takes the due intents whose earlier step (payload "after") has succeeded, checks the
// money invariants again for money intents (against the store and every other pending money
// intent of the order), commits `sending`, sends through the connector and records the answer:
// succeeded, retry_wait (backoff per error class, Retry-After honoured), dead (permanent, or
// retries exhausted) or in_doubt (the effect is unknown). The janitor looks in-doubt intents up
// where their effect would be — PayTrace's export, Magento's credit memos, invoices, comments
// and order state, the ERP journal by reference — in turn, and concludes "did not happen" only
// after the settle window and two lookups that agree; what it cannot decide goes to a person.
// Requests to each host pass an adaptive rate limiter.
class IntentRunner : public QObject
{
    Q_OBJECT
public:
    IntentRunner(QSqlDatabase &db, const Clock &clock, paytrace::PayTraceClient *paytrace,
                 magento::MagentoApi *magento, erp::JournalSink *sink, mapping::MappingProfile profile,
                 IntentRunnerConfig config = {}, QObject *parent = nullptr);
    ~IntentRunner() override;

    // The mapping ERP entries are booked with from now on (the engine passes the active
    // version at the start of each sync cycle).
    void setProfile(mapping::MappingProfile profile) { m_profile = std::move(profile); }

    // `sending` rows whose owner is gone become in_doubt. Runs when this runner takes the
    // lease, before it sends anything.
    Result<int> recover();
    // Whether this process runs intents now (it holds the store's runner lease). A runner
    // without it only plans; pass() tries to take it.
    bool holdsLease() const { return m_holdsLease; }
    // Who holds the lease now ("paybridge serve, pid 123 on host"), empty when nobody does.
    QString leaseHolderText();
    // Gives the lease up (shutdown), after what is in flight has recorded its answer.
    void releaseLease();
    qint64 settleMs() const { return m_settleMs; }
    // Starts what is due now (and looks up in-doubt intents); returns at once. Further passes
    // follow by themselves while work becomes due (a step's successor, a retry's time).
    void pass();
    // Stops starting new requests; what is in flight still records its answer.
    void park() { m_parked = true; }
    bool isParked() const { return m_parked; }
    int inFlight() const { return int(m_busy.size()); }
    intents::IntentJournal &journal() { return m_journal; }
    intents::RateLimiter &paytraceLimiter() { return *m_paytraceLimiter; }
    intents::RateLimiter &magentoLimiter() { return *m_magentoLimiter; }

    // The reference a Magento text (or a PayTrace sale's description) carries so the janitor
    // can find it again.
    static QString referenceToken(const QString &naturalKey);
    // What a succeeded customer intent changed, written into the store's customers and
    // vault_profiles rows at once so the console shows it before the next customer sync.
    static Status reflectCustomerEffect(QSqlDatabase &db, const intents::Intent &intent, const QDateTime &now);
    // The dead reason of a card intent that no process can send any more: the card number
    // was only ever in the memory of the process that took it, so a person types it again.
    static constexpr QLatin1StringView kCardReenter{"card.reenter"};

Q_SIGNALS:
    void intentChanged(qint64 intentId);
    // A pass found nothing to start and nothing is in flight.
    void idle();
    void error(const pb::Error &error);
    // This runner took or lost the store's runner lease.
    void leaseChanged();

private:
    struct Job;
    void start(const intents::Intent &intent);
    void send(std::shared_ptr<Job> job);
    void sendPayTrace(std::shared_ptr<Job> job);
    void sendMagento(std::shared_ptr<Job> job);
    void sendErp(std::shared_ptr<Job> job);
    void sendMagentoCustomer(std::shared_ptr<Job> job);
    void lookUpSale(const intents::Intent &intent);
    void lookUpCard(const intents::Intent &intent);
    // Records a send's end through `record`, again with backoff while the store fails.
    void finish(std::shared_ptr<Job> job, std::function<Status()> record);
    void recordPayTrace(std::shared_ptr<Job> job, const paytrace::Outcome &outcome, const QString &resultRef);
    void recordFailure(std::shared_ptr<Job> job, const intents::AttemptReport &report,
                       std::optional<int> retryAfterSeconds);
    void lookUp(const intents::Intent &intent);
    bool takeLease();
    void renewLease();
    // A "did not happen" finding counts only after the settle window since the last send and
    // a second lookup at least the window after the first that agreed; until then: NotYet.
    intents::LookupFinding settle(const intents::Intent &intent, intents::LookupFinding finding);
    intents::LookupFinding refundFinding(const intents::Intent &intent, const QDateTime &since,
                                         const QList<GatewayTransaction> &exported);
    void recordLookup(qint64 intentId, const intents::LookupFinding &finding);
    // Shows a succeeded intent in the store at once (reflectEffect).
    void reflect(const intents::Intent &intent, const QString &resultRef);
    void lookupDone(qint64 intentId);
    void schedule(qint64 ms);
    void emitIdleIfQuiet();
    QString parentResult(const intents::Intent &intent, Status *status) const;

    QSqlDatabase &m_db;
    const Clock &m_clock;
    paytrace::PayTraceClient *m_paytrace;
    magento::MagentoApi *m_magento;
    erp::JournalSink *m_sink;
    mapping::MappingProfile m_profile;
    IntentRunnerConfig m_config;
    intents::IntentJournal m_journal;
    intents::RetryPolicy m_retry;
    std::unique_ptr<intents::RateLimiter> m_paytraceLimiter;
    std::unique_ptr<intents::RateLimiter> m_magentoLimiter;
    QSet<qint64> m_busy;       // intents being sent
    QSet<qint64> m_lookingUp;  // in-doubt intents being looked up
    QTimer m_timer;
    QTimer m_leaseTimer;       // renews the lease (or tries to take it) and polls for work
    qint64 m_settleMs = 120000;
    bool m_holdsLease = false;
    qint64 m_lastRenewMs = 0;
    bool m_parked = false;
    bool m_inPass = false;
};

} // namespace pb::sync
