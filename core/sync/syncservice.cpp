#include "sync/syncservice.h"

#include "sync/syncengine.h"

#include <QMetaObject>
#include <QThread>

namespace pb::sync {

// The engine lives on its own thread; this RAII owner quits and joins it on destruction.
struct SyncService::Worker
{
    QThread thread;
    SyncEngine *engine = nullptr; // owned by the thread (deleted on finished)

    ~Worker()
    {
        if (engine)
            engine->requestCancel(); // atomic flag: in-flight work stops at its next checkpoint
        thread.quit();
        thread.wait();
    }
};

SyncService::SyncService(SyncConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_worker(std::make_unique<Worker>())
{
    qRegisterMetaType<pb::sync::SyncSummary>();
    qRegisterMetaType<pb::sync::SyncProgress>();
    qRegisterMetaType<pb::Error>();

    m_worker->thread.setObjectName(QStringLiteral("paybridge-sync"));
    auto *engine = new SyncEngine(m_config);
    engine->moveToThread(&m_worker->thread);
    m_worker->engine = engine;
    connect(&m_worker->thread, &QThread::finished, engine, &QObject::deleteLater);

    connect(engine, &SyncEngine::started, this, [this] {
        setState(SyncState::Running);
        Q_EMIT started();
    });
    connect(engine, &SyncEngine::progress, this, &SyncService::progress);
    connect(engine, &SyncEngine::finished, this, [this](const SyncSummary &summary) {
        m_lastSummary = summary;
        m_lastSuccessAt = summary.finishedAt;
        setState(SyncState::Idle);
        Q_EMIT finished(summary);
    });
    connect(engine, &SyncEngine::failed, this, [this](const pb::Error &error) {
        setState(SyncState::Failed);
        Q_EMIT failed(error);
    });
    m_worker->thread.start();
}

SyncService::~SyncService() = default;

void SyncService::syncNow()
{
    if (m_state == SyncState::Running)
        return;
    setState(SyncState::Running); // reflect the request at once; the engine confirms with started()
    QMetaObject::invokeMethod(m_worker->engine, &SyncEngine::runOnce, Qt::QueuedConnection);
}

void SyncService::cancel()
{
    m_worker->engine->requestCancel();
}

void SyncService::setState(SyncState state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace pb::sync
