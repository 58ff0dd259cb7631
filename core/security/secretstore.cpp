#include "security/secretstore.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QMutex>
#include <QSemaphore>
#include <QThread>
#include <QTimer>

#include <memory>
#include <optional>

namespace pb::security {

SecretStore::~SecretStore() = default;

void SecretStore::deliver(const QPointer<QObject> &guard, std::function<void()> fn)
{
    if (!guard)
        return;
    // Queued even when already on the right thread: results never arrive from inside the call.
    // A call posted to an object destroyed before it runs is discarded by Qt.
    QMetaObject::invokeMethod(guard.data(), std::move(fn), Qt::QueuedConnection);
}

namespace {

bool onGuiThread()
{
    const QCoreApplication *app = QCoreApplication::instance();
    // The core does not link Qt Gui; the class name is enough to recognise a GUI application.
    return app && app->inherits("QGuiApplication") && QThread::currentThread() == app->thread();
}

pb::Error blockingError(const QString &code, const QString &message)
{
    return pb::makeError(code, QString(), message);
}

// Runs one asynchronous store operation to completion for the blocking helpers.
// `start(context, done)` begins the operation; `done(result)` must be called with the result.
template<typename R>
R runBlocking(SecretStore *store, std::chrono::milliseconds timeout,
              const std::function<void(QObject *context, std::function<void(R)> done)> &start)
{
    if (onGuiThread()) {
        return blockingError(QStringLiteral("keychain.blocking_on_gui_thread"),
                             QStringLiteral("the keychain must not be read synchronously on the GUI "
                                            "thread; use the asynchronous API"));
    }
    if (!QCoreApplication::instance()) {
        return blockingError(QStringLiteral("keychain.no_application"),
                             QStringLiteral("the keychain needs a QCoreApplication"));
    }
    const R timedOut = blockingError(QStringLiteral("keychain.timeout"),
                                     QStringLiteral("the keychain did not answer in %1 ms")
                                         .arg(qint64(timeout.count())));

    if (QThread::currentThread() == store->thread()) {
        QEventLoop loop;
        std::optional<R> result;
        start(&loop, [&result, &loop](R r) {
            result.emplace(std::move(r));
            loop.quit();
        });
        QTimer::singleShot(timeout, &loop, &QEventLoop::quit);
        if (!result)
            loop.exec(QEventLoop::ExcludeUserInputEvents);
        return result ? std::move(*result) : timedOut;
    }

    // Another thread owns the store: hand the request over and wait. The shared state outlives
    // a timed-out wait, so a late answer writes into it harmlessly.
    struct Shared
    {
        QMutex mutex;
        QSemaphore done;
        std::optional<R> result;
    };
    auto shared = std::make_shared<Shared>();
    QMetaObject::invokeMethod(
        store,
        [store, shared, start] {
            start(store, [shared](R r) {
                QMutexLocker lock(&shared->mutex);
                shared->result.emplace(std::move(r));
                shared->done.release();
            });
        },
        Qt::QueuedConnection);
    if (!shared->done.tryAcquire(1, int(timeout.count())))
        return timedOut;
    QMutexLocker lock(&shared->mutex);
    return std::move(*shared->result);
}

} // namespace

pb::Result<QString> SecretStore::readBlocking(const QString &profile, const QString &key,
                                              std::chrono::milliseconds timeout)
{
    using R = pb::Result<QString>;
    return runBlocking<R>(this, timeout, [this, profile, key](QObject *context, std::function<void(R)> done) {
        read(profile, key, context, std::move(done));
    });
}

pb::Status SecretStore::writeBlocking(const QString &profile, const QString &key,
                                      const QString &value, std::chrono::milliseconds timeout)
{
    using R = pb::Status;
    return runBlocking<R>(this, timeout,
                          [this, profile, key, value](QObject *context, std::function<void(R)> done) {
                              write(profile, key, value, context, std::move(done));
                          });
}

pb::Status SecretStore::removeBlocking(const QString &profile, const QString &key,
                                       std::chrono::milliseconds timeout)
{
    using R = pb::Status;
    return runBlocking<R>(this, timeout, [this, profile, key](QObject *context, std::function<void(R)> done) {
        remove(profile, key, context, std::move(done));
    });
}

} // namespace pb::security
