#pragma once

#include "customers/cardvault.h"
#include "intents/intentjournal.h"
#include "profile/profile.h"
#include "sync/operations.h"
#include "util/result.h"

#include <QDateTime>
#include <QHash>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

namespace pb::sync {

class SyncEngine;

// What one sync run did. Counts are of records fetched in this run, and of the store's totals
// after it (linked/unlinked are store-wide).
struct SyncSummary
{
    int ordersFetched = 0;
    int transactionsFetched = 0;
    int ordersTotal = 0;
    int transactionsTotal = 0;
    int linked = 0;                 // transactions linked to an order
    int unlinkedTransactions = 0;   // transactions without an order
    int ordersWithoutPayment = 0;   // orders without any linked transaction
    int quarantined = 0;            // records in the quarantine after the run (docs/quarantine.md)
    int quarantinedNew = 0;         // of which first seen by this run
    int released = 0;               // records that left the quarantine in this run
    int customersLinked = 0;        // customer ↔ vault profile links made by the run
    int customerWrites = 0;         // customer and vault profile updates the run planned
    int customerConflicts = 0;      // customer field conflicts open after the run
    QString customersNote;          // the link attribute is missing (how to create it), or why customers were not read
    QDateTime finishedAt;           // UTC
    qint64 elapsedMs = 0;
};

struct SyncProgress
{
    enum class Phase { Connecting, Orders, Transactions, Linking, Done };
    Phase phase = Phase::Connecting;
    int done = 0;
    int total = -1; // -1 when unknown
};

enum class SyncState { Idle, Running, Failed };

// Everything the engine needs to talk to one connection profile.
struct SyncConfig
{
    QString profileName;
    QString databasePath;
    QString paytraceUrl;
    QString magentoUrl;
    QString magentoAuth = QStringLiteral("oauth1");           // "oauth1" or "bearer"
    QString magentoSignature = QStringLiteral("HMAC-SHA256"); // OAuth 1.0a: "HMAC-SHA256" or "HMAC-SHA1"
    QString paytraceIntegratorId;
    QHash<QString, QString> secrets; // keys as in `profile set-secret`: "paytrace.username", ...
    int historyDays = 30;            // how far back the first sync reads
    int syncIntervalSeconds = 300;   // how often the console (or serve) syncs while it runs
    QString profileCreatedBy;        // becomes the store's first admin (access::OperatorDirectory)
    // The ledger-format ERP journal; empty: "journal.ledger" beside the database. Used while
    // `erp` is a ledger sink without a file of its own.
    QString journalPath;
    // Where each operation's ERP entry goes (erp::makeSink); the default is the ledger journal
    // above. An Odoo sink reads its password from secrets["odoo.password"].
    profile::ErpSettings erp;
    // SHA-256 fingerprints of the PayTrace and Magento server certificates (64 hex digits, ':'
    // allowed; empty: none). Each is accepted for its own service's host and port only
    // (applyCertificatePins in connectionconfig.h).
    QString pinnedCertSha256Paytrace;
    QString pinnedCertSha256Magento;
    // Rules (mapping profile) act only on what PayTrace or Magento report after this moment;
    // invalid: from the end of the first sync on (history is never acted upon).
    QDateTime rulesActiveSince;
    // Transfer timeout of each PayTrace and Magento request; 0: the connectors' defaults.
    int requestTimeoutMs = 0;
    // How long after its last send an in-doubt write must wait before lookups may conclude it
    // did not happen (a gateway that timed out is often still working); 0: the default
    // (120 s). Never less than twice the request timeout (IntentRunner enforces it).
    int inDoubtSettleMs = 0;
    // Who runs this engine, for the others on the same store ("paybridge serve", "console");
    // empty: the application's name.
    QString program;
    // The most requests per second each host gets, reads and writes together (the adaptive
    // limiter's ceiling); 0: the intent runner's defaults.
    double paytraceMaxRequestsPerSecond = 0;
    double magentoMaxRequestsPerSecond = 0;
};

// GUI-thread facing handle: owns the worker thread that runs the SyncEngine (network manager,
// single database writer). Commands go over as queued calls; results come back as signals.
class SyncService : public QObject
{
    Q_OBJECT
public:
    explicit SyncService(SyncConfig config, QObject *parent = nullptr);
    ~SyncService() override; // quits and waits for the worker thread

    void syncNow();
    void cancel();

    // Commands for the intent path. Each runs on the engine's thread (the single writer) and
    // calls `done` once on this object's thread, unless `context` is gone by then.
    // Permissions are checked in the engine for `actor` (access::Permissions).
    void previewOperation(const OperationRequest &request, QObject *context,
                          std::function<void(const Result<OperationPreview> &)> done);
    // Plans the chain (PayTrace, then Magento, then ERP) and runs it; `done` gets the outcome
    // once every step finished or parked (in doubt, retry wait, dead, awaiting approval).
    void requestOperation(const OperationRequest &request, QObject *context,
                          std::function<void(const OperationOutcome &)> done);
    // Adds or replaces a card on file (SyncEngine::submitCard); `done` runs on this thread.
    void submitCard(const customers::CardSubmission &submission, QObject *context,
                    std::function<void(const customers::CardOutcome &)> done);
    void resolveIntent(qint64 intentId, const intents::ManualResolution &resolution,
                       const QString &actor, QObject *context, std::function<void(const Status &)> done);
    void discardIntent(qint64 intentId, const QString &reason, const QString &actor,
                       QObject *context, std::function<void(const Status &)> done);
    void describeReplay(qint64 intentId, QObject *context,
                        std::function<void(const Result<ReplayDescription> &)> done);
    void replayIntent(qint64 intentId, const QString &actor, const QString &note,
                      QObject *context, std::function<void(const Status &)> done);
    // Sends what is due and runs the janitor over in-doubt intents.
    void runIntents();
    // Shutdown: start nothing new; intentsIdle() follows once nothing is in flight.
    void parkIntents();

    SyncState state() const { return m_state; }
    QDateTime lastSuccessAt() const { return m_lastSuccessAt; }
    const SyncSummary &lastSummary() const { return m_lastSummary; }
    const SyncConfig &config() const { return m_config; }

Q_SIGNALS:
    void started();
    void progress(const pb::sync::SyncProgress &progress);
    void finished(const pb::sync::SyncSummary &summary);
    void failed(const pb::Error &error);
    void stateChanged(pb::sync::SyncState state);
    // Some intent changed state (planned, sent, resolved...): views of the queue re-read.
    void intentsChanged();
    // Nothing in flight and nothing due right now.
    void intentsIdle();

private:
    void setState(SyncState state);
    template<typename R, typename Work>
    void onEngine(QObject *context, Work work, std::function<void(const R &)> done);

    SyncConfig m_config;
    SyncState m_state = SyncState::Idle;
    QDateTime m_lastSuccessAt;
    SyncSummary m_lastSummary;
    struct Worker;
    std::unique_ptr<Worker> m_worker;
};

} // namespace pb::sync

Q_DECLARE_METATYPE(pb::sync::SyncSummary)
Q_DECLARE_METATYPE(pb::sync::SyncProgress)
Q_DECLARE_METATYPE(pb::Error)
