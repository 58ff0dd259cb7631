#include "sync/syncservice.h"

#include "sync/syncengine.h"

#include <QMetaObject>
#include <QPointer>
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
    connect(engine, &SyncEngine::intentsChanged, this, &SyncService::intentsChanged);
    connect(engine, &SyncEngine::intentsIdle, this, &SyncService::intentsIdle);
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

// Runs `work` on the engine's thread and hands its result to `done` on this object's thread,
// unless `context` is gone by then. Posting to `this` is safe: the engine thread is joined in
// our destructor before the QObject part of us goes away.
template<typename R, typename Work>
void SyncService::onEngine(QObject *context, Work work, std::function<void(const R &)> done)
{
    SyncEngine *engine = m_worker->engine;
    QPointer<QObject> ctx(context);
    QMetaObject::invokeMethod(engine, [this, engine, ctx, work = std::move(work), done = std::move(done)]() mutable {
        R result = work(engine);
        QMetaObject::invokeMethod(this, [ctx, done = std::move(done), result = std::move(result)] {
            if (ctx)
                done(result);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
}

void SyncService::previewOperation(const OperationRequest &request, QObject *context,
                                   std::function<void(const Result<OperationPreview> &)> done)
{
    onEngine<Result<OperationPreview>>(context, [request](SyncEngine *e) { return e->previewOperation(request); },
                                       std::move(done));
}

void SyncService::requestOperation(const OperationRequest &request, QObject *context,
                                   std::function<void(const OperationOutcome &)> done)
{
    SyncEngine *engine = m_worker->engine;
    QPointer<QObject> ctx(context);
    QMetaObject::invokeMethod(engine, [this, engine, ctx, request, done = std::move(done)]() mutable {
        engine->requestOperation(request, [this, ctx, done](const OperationOutcome &outcome) {
            QMetaObject::invokeMethod(this, [ctx, done, outcome] {
                if (ctx)
                    done(outcome);
            }, Qt::QueuedConnection);
        });
    }, Qt::QueuedConnection);
}

void SyncService::submitCard(const customers::CardSubmission &submission, QObject *context,
                             std::function<void(const customers::CardOutcome &)> done)
{
    SyncEngine *engine = m_worker->engine;
    QPointer<QObject> ctx(context);
    QMetaObject::invokeMethod(engine, [this, engine, ctx, submission, done = std::move(done)]() mutable {
        engine->submitCard(submission, [this, ctx, done](const customers::CardOutcome &outcome) {
            QMetaObject::invokeMethod(this, [ctx, done, outcome] {
                if (ctx)
                    done(outcome);
            }, Qt::QueuedConnection);
        });
    }, Qt::QueuedConnection);
}

void SyncService::resolveIntent(qint64 intentId, const intents::ManualResolution &resolution, const QString &actor,
                                QObject *context, std::function<void(const Status &)> done)
{
    onEngine<Status>(context, [=](SyncEngine *e) { return e->resolveIntent(intentId, resolution, actor); },
                     std::move(done));
}

void SyncService::discardIntent(qint64 intentId, const QString &reason, const QString &actor, QObject *context,
                                std::function<void(const Status &)> done)
{
    onEngine<Status>(context, [=](SyncEngine *e) { return e->discardIntent(intentId, reason, actor); },
                     std::move(done));
}

void SyncService::describeReplay(qint64 intentId, QObject *context,
                                 std::function<void(const Result<ReplayDescription> &)> done)
{
    onEngine<Result<ReplayDescription>>(context, [=](SyncEngine *e) { return e->describeReplay(intentId); },
                                        std::move(done));
}

void SyncService::replayIntent(qint64 intentId, const QString &actor, const QString &note, QObject *context,
                               std::function<void(const Status &)> done)
{
    onEngine<Status>(context, [=](SyncEngine *e) { return e->replayIntent(intentId, actor, note); },
                     std::move(done));
}

void SyncService::runIntents()
{
    QMetaObject::invokeMethod(m_worker->engine, &SyncEngine::runIntents, Qt::QueuedConnection);
}

void SyncService::parkIntents()
{
    QMetaObject::invokeMethod(m_worker->engine, &SyncEngine::parkIntents, Qt::QueuedConnection);
}

void SyncService::setState(SyncState state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

} // namespace pb::sync
