#pragma once

#include "util/result.h"

#include <QDateTime>
#include <QHash>
#include <QMetaType>
#include <QObject>
#include <QString>

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

private:
    void setState(SyncState state);

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
