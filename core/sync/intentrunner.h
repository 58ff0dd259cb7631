#pragma once

#include "intents/intentjournal.h"
#include "intents/ratelimiter.h"
#include "intents/retrypolicy.h"
#include "mapping/mappingprofile.h"
#include "util/clock.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QSqlDatabase>
#include <QTimer>

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
};

// Executes intents exactly once (DESIGN.md, "Intents"), on the sync thread.
//
// A pass takes the due intents whose earlier step (payload "after") has succeeded, checks the
// money invariants again for money intents (against the store and every other pending money
// intent of the order), commits `sending`, sends through the connector and records the answer:
// succeeded, retry_wait (backoff per error class, Retry-After honoured), dead (permanent, or
// retries exhausted) or in_doubt (the effect is unknown). The janitor looks in-doubt intents up
// where their effect would be — PayTrace's export, Magento's credit memos, invoices, comments
// and order state, the ERP journal by reference — and records what it found; only what it
// could not decide waits for a person. Requests to each host pass an adaptive rate limiter.
class IntentRunner : public QObject
{
    Q_OBJECT
public:
    IntentRunner(QSqlDatabase &db, const Clock &clock, paytrace::PayTraceClient *paytrace,
                 magento::MagentoApi *magento, erp::JournalSink *sink, mapping::MappingProfile profile,
                 IntentRunnerConfig config = {}, QObject *parent = nullptr);
    ~IntentRunner() override;

    // Once at start-up, before any pass: `sending` rows left by a crash become in_doubt.
    Result<int> recover();
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

    // The reference a Magento text carries so the janitor can find it again.
    static QString referenceToken(const QString &naturalKey);

Q_SIGNALS:
    void intentChanged(qint64 intentId);
    // A pass found nothing to start and nothing is in flight.
    void idle();
    void error(const pb::Error &error);

private:
    struct Job;
    void start(const intents::Intent &intent);
    void send(std::shared_ptr<Job> job);
    void sendPayTrace(std::shared_ptr<Job> job);
    void sendMagento(std::shared_ptr<Job> job);
    void sendErp(std::shared_ptr<Job> job);
    void finish(std::shared_ptr<Job> job, const Status &recorded);
    void recordPayTrace(std::shared_ptr<Job> job, const paytrace::Outcome &outcome, const QString &resultRef);
    void recordFailure(std::shared_ptr<Job> job, const intents::AttemptReport &report,
                       std::optional<int> retryAfterSeconds);
    void lookUp(const intents::Intent &intent);
    void recordLookup(qint64 intentId, const intents::LookupFinding &finding);
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
    QHash<qint64, qint64> m_lastLookupMs; // monotonic time of each intent's last lookup
    QTimer m_timer;
    bool m_parked = false;
    bool m_inPass = false;
};

} // namespace pb::sync
