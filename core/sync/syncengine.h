#pragma once

#include "sync/syncservice.h"

#include "customers/cardvault.h"
#include "mapping/mappingprofile.h"
#include "model/rejectedrecord.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QObject>
#include <QSqlDatabase>
#include <QTimer>

#include <atomic>
#include <memory>

namespace pb::net {
class HttpTransport;
}
namespace pb::paytrace {
class PayTraceClient;
struct Outcome;
}
namespace pb::erp {
class JournalSink;
}
namespace pb::magento {
class MagentoApi;
class MagentoClient;
class OrderPager;
struct Failure;
}

namespace pb::intents {
class RetryPolicy;
}
namespace pb::customers {
class CustomerSync;
}

namespace pb::sync {

class HostReadGate;
class IntentRunner;
struct PlannedChain;

// The sync core for one profile. Lives on the sync thread: it owns the network manager (via
// the transport), the PayTrace and Magento clients and the single database writer. One run
// reads Magento orders and PayTrace transactions concurrently, stores them, links them and
// reports a summary. Reads are idempotent: running twice changes nothing the second time.
class SyncEngine : public QObject
{
    Q_OBJECT
public:
    explicit SyncEngine(SyncConfig config, QObject *parent = nullptr);
    ~SyncEngine() override;

    // Starts one run unless one is running. Call on the engine's thread.
    void runOnce();
    // Thread-safe: the running pass stops at its next checkpoint and reports "sync.cancelled".
    void requestCancel() { m_cancelRequested.store(true); }

    // The intent path (docs/intents.md); call on the engine's thread. Permissions are
    // checked here for the actor, so every front end obeys the same rules.
    Result<OperationPreview> previewOperation(const OperationRequest &request);
    // Plans the chain and runs it; `done` runs (on this thread) once the chain finished or
    // parked: succeeded, queued (retry wait, waiting for the batch), in doubt, failed.
    void requestOperation(const OperationRequest &request, std::function<void(const OperationOutcome &)> done);
    Status resolveIntent(qint64 intentId, const intents::ManualResolution &resolution, const QString &actor);
    Status discardIntent(qint64 intentId, const QString &reason, const QString &actor);
    Result<ReplayDescription> describeReplay(qint64 intentId);
    Status replayIntent(qint64 intentId, const QString &actor, const QString &note);
    // Adds or replaces a card on file (support, admin): sent at once while the ciphertext is in
    // memory (customers::CardVaultWriter); `done` runs on this thread.
    void submitCard(const customers::CardSubmission &submission, std::function<void(const customers::CardOutcome &)> done);
    // Sends what is due and looks up what is in doubt.
    void runIntents();
    // Starts nothing new; in-flight requests still record their answers (shutdown).
    void parkIntents();
    int intentsInFlight() const;

    // What the reads went through (diagnostics and tests); null before the first run.
    const HostReadGate *paytraceReads() const { return m_paytraceReads; }
    const HostReadGate *magentoReads() const { return m_magentoReads; }
    IntentRunner *intentRunner() const { return m_runner; }

    // Cursor names in sync_cursors.
    static constexpr QLatin1StringView kMagentoCursor{"magento.orders.updated_at"};
    static constexpr QLatin1StringView kPayTraceCursor{"paytrace.export.last_day"};
    // How many recent days the PayTrace poller reads again: statuses change as batches settle.
    static constexpr int kPayTraceRereadDays = 3;
    // Overlap of the Magento poll window, for orders saved with a clock slightly behind.
    static constexpr int kMagentoOverlapSeconds = 300;
    static constexpr int kMagentoPageSize = 200;

Q_SIGNALS:
    void started();
    void progress(const pb::sync::SyncProgress &progress);
    void finished(const pb::sync::SyncSummary &summary);
    void failed(const pb::Error &error);
    void intentsChanged();
    // Nothing in flight and nothing due right now.
    void intentsIdle();

private:
    Status ensureSetUp();
    // Reads the active mapping version (docs/mapping.md); parses it and hands it to the runner
    // only when the number changed, so a change made by another process (the console,
    // `paybridge mapping import`) takes effect at the next cycle without a restart.
    Status refreshMapping();
    Status authorize(const OperationRequest &request, const PlannedChain &chain, const QString &keyRoot,
                     OperationOutcome *refusal);
    void checkPendingOperations();
    void applyRules(const QDateTime &now);
    void startMagento();
    void startPayTrace();
    // Customers and vault profiles, after the orders and transactions (docs/customers.md);
    // only when the mapping's customers section is enabled. Its failure does not fail the run.
    void startCustomers();
    void partDone();
    // Quarantine (docs/quarantine.md): keeps what did not read, releases what reads now, and
    // tries the oldest entries again by id before the run ends.
    void quarantine(const QList<RejectedRecord> &records);
    void releaseRead(QLatin1StringView source, const QStringList &ids);
    void retryQuarantined();
    void retryNextMagento(QStringList ids, quint64 generation);
    void retryNextPayTrace(QStringList ids, quint64 generation);
    void retryNextBatch(QStringList ids, quint64 generation);
    void fail(const Error &error);
    void finishRun();
    void endRun(const QString &outcome, const QString &message);
    bool checkCancelled();

    static Error errorFrom(const paytrace::Outcome &outcome);
    static Error errorFrom(const magento::Failure &failure);

    SyncConfig m_config;
    QString m_connectionName;
    QSqlDatabase m_db;
    net::HttpTransport *m_transport = nullptr;
    paytrace::PayTraceClient *m_paytrace = nullptr;
    magento::MagentoClient *m_magento = nullptr;
    magento::OrderPager *m_pager = nullptr;
    magento::MagentoApi *m_magentoApi = nullptr;
    erp::JournalSink *m_sink = nullptr;
    IntentRunner *m_runner = nullptr;
    customers::CustomerSync *m_customerSync = nullptr;
    std::unique_ptr<intents::RetryPolicy> m_readRetry;
    HostReadGate *m_paytraceReads = nullptr;
    HostReadGate *m_magentoReads = nullptr;
    mapping::MappingProfile m_mapping;
    int m_mappingVersion = -1; // the active version m_mapping holds; -1 before the first read
    struct PendingOperation
    {
        QList<qint64> intentIds;
        std::function<void(const OperationOutcome &)> done;
        qint64 deadlineMs = 0;  // monotonic: past it the caller hears "not confirmed yet"
    };
    QList<PendingOperation> m_pendingOps;
    // Re-reads the chains of pending operations: another process may be sending them, and a
    // stuck one must end the caller's wait at its deadline.
    QTimer *m_pendingTimer = nullptr;
    QElapsedTimer m_monotonic;

    std::atomic_bool m_cancelRequested{false};
    bool m_running = false;
    // Answers of an earlier run (a PayTrace export still going after its run failed) must not
    // count for the current one: each run has its number and a scope object that ends with it.
    quint64 m_runGeneration = 0;
    QObject *m_runScope = nullptr;
    bool m_failed = false;
    int m_partsPending = 0;
    qint64 m_runId = 0;
    QElapsedTimer m_elapsed;
    int m_ordersFetched = 0;
    int m_transactionsFetched = 0;
    int m_daysDone = 0;
    int m_customersLinked = 0;
    int m_customerWrites = 0;
    int m_customerConflicts = 0;
    QString m_customersNote;
    // Where a run's time goes on this thread (logged at its end): storing orders, storing
    // transactions, linking.
    qint64 m_storeOrdersNs = 0;
    qint64 m_storeTransactionsNs = 0;
    int m_daysTotal = 0;
    // What is quarantined, per source, at the run's start plus what it added: a stored record
    // is released only when it was there (one set lookup per record, no query per page).
    QHash<QString, QSet<QString>> m_quarantinedIds;
    QStringList m_pendingTransactionRetries;
    QStringList m_pendingBatchRetries;
    int m_quarantinedNew = 0;
    int m_released = 0;
    // Retries per source and run: a long quarantine is worked through over several syncs
    // instead of making one sync slow.
    static constexpr int kQuarantineRetriesPerRun = 25;
};

} // namespace pb::sync
