#pragma once

#include "sync/syncservice.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QSqlDatabase>

#include <atomic>

namespace pb::net {
class HttpTransport;
}
namespace pb::paytrace {
class PayTraceClient;
struct Outcome;
}
namespace pb::magento {
class MagentoClient;
class OrderPager;
struct Failure;
}

namespace pb::sync {

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

private:
    Status ensureSetUp();
    void startMagento();
    void startPayTrace();
    void partDone();
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

    std::atomic_bool m_cancelRequested{false};
    bool m_running = false;
    bool m_failed = false;
    int m_partsPending = 0;
    qint64 m_runId = 0;
    QElapsedTimer m_elapsed;
    int m_ordersFetched = 0;
    int m_transactionsFetched = 0;
    int m_daysDone = 0;
    int m_daysTotal = 0;
};

} // namespace pb::sync
