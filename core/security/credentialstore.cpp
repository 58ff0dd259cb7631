#include "security/credentialstore.h"

#include "log/categories.h"

#include <QFileInfo>
#include <QTimer>

#include <qt6keychain/keychain.h>

#if defined(Q_OS_UNIX) && !defined(Q_OS_DARWIN) && !defined(Q_OS_ANDROID)
#define PB_KEYCHAIN_OVER_DBUS 1
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#endif

#include <utility>

namespace pb::security {

namespace {

pb::Error jobError(QKeychain::Error code, const QString &detail, const QString &account)
{
    switch (code) {
    case QKeychain::EntryNotFound:
        return pb::makeError(QStringLiteral("keychain.not_found"), account,
                             QStringLiteral("no secret stored in the keychain"));
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return pb::makeError(QStringLiteral("keychain.access_denied"), account,
                             QStringLiteral("the keychain refused access (is it locked?): ") + detail);
    case QKeychain::NoBackendAvailable:
        return pb::makeError(QStringLiteral("keychain.unavailable"), account,
                             QStringLiteral("no secure store: ") + detail);
    case QKeychain::NoError:
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::NotImplemented:
    case QKeychain::OtherError:
        break;
    }
    return pb::makeError(QStringLiteral("keychain.error"), account,
                         QStringLiteral("keychain operation failed: ") + detail);
}

#ifdef PB_KEYCHAIN_OVER_DBUS
// Services QtKeychain can store into on Linux.
bool hasSecretService(const QStringList &names)
{
    for (const char *name : {"org.freedesktop.secrets", "org.kde.kwalletd6", "org.kde.kwalletd5"}) {
        if (names.contains(QLatin1StringView(name)))
            return true;
    }
    return false;
}

// Only connect when a session bus is configured: with neither DBUS_SESSION_BUS_ADDRESS nor
// $XDG_RUNTIME_DIR/bus, libdbus would try to autolaunch a new bus daemon just for the probe.
bool sessionBusConfigured()
{
    if (!qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS"))
        return true;
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    return !runtime.isEmpty() && QFileInfo::exists(runtime + QStringLiteral("/bus"));
}

QDBusMessage busMethod(const char *method)
{
    return QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.DBus"),
                                          QStringLiteral("/org/freedesktop/DBus"),
                                          QStringLiteral("org.freedesktop.DBus"),
                                          QLatin1StringView(method));
}
#endif

template<typename Job>
Job *newJob(const QString &service, const QString &account)
{
    // No parent: a running job must finish and delete itself (autoDelete). Deleting it early,
    // e.g. with a parent, would leave libsecret calling back into freed memory.
    auto *job = new Job(service);
    job->setAutoDelete(true);
    job->setInsecureFallback(false); // never a plain-text copy in QSettings
    job->setKey(account);
    return job;
}

} // namespace

CredentialStore::CredentialStore(QObject *parent)
    : CredentialStore(Options{}, parent)
{
}

CredentialStore::CredentialStore(Options options, QObject *parent)
    : SecretStore(parent), m_options(std::move(options))
{
}

CredentialStore::~CredentialStore() = default;

void CredentialStore::setAvailability(Availability a)
{
    if (m_availability == a)
        return;
    m_availability = a;
    Q_EMIT availabilityChanged(a);
}

void CredentialStore::probe()
{
    if (m_availability != Availability::Unknown)
        return;
    m_probeAttempts = 0;
    setAvailability(Availability::Probing);
    probeRound();
}

void CredentialStore::reprobe()
{
    if (m_availability == Availability::Probing)
        return;
    m_unavailableReason = {};
    setAvailability(Availability::Unknown);
    probe();
}

void CredentialStore::probeRound()
{
    ++m_probeAttempts;
#ifdef PB_KEYCHAIN_OVER_DBUS
    if (!sessionBusConfigured()) {
        finishProbe(false, QStringLiteral("there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS "
                                          "is not set and $XDG_RUNTIME_DIR/bus does not exist)"));
        return;
    }
    const QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        // A missing bus does not appear later in this process (Qt caches the connection), so
        // there is nothing to retry.
        finishProbe(false, QStringLiteral("cannot connect to the D-Bus session bus: ")
                               + bus.lastError().message());
        return;
    }
    probeSecretServiceNames();
#else
    finishProbe(true, QString());
#endif
}

void CredentialStore::probeSecretServiceNames()
{
#ifdef PB_KEYCHAIN_OVER_DBUS
    const QDBusConnection bus = QDBusConnection::sessionBus();
    const int timeoutMs = int(m_options.dbusTimeout.count());

    auto retryOrFail = [this](const QString &reason) {
        if (m_probeAttempts < 2) {
            qCInfo(lcSecurity).noquote() << "keychain not ready (" << reason << "); retrying in"
                                         << m_options.retryDelay.count() << "ms";
            QTimer::singleShot(m_options.retryDelay, this, &CredentialStore::probeRound);
        } else {
            finishProbe(false, reason);
        }
    };

    auto *running = new QDBusPendingCallWatcher(bus.asyncCall(busMethod("ListNames"), timeoutMs), this);
    connect(running, &QDBusPendingCallWatcher::finished, this,
            [this, bus, timeoutMs, retryOrFail](QDBusPendingCallWatcher *w) {
                w->deleteLater();
                const QDBusPendingReply<QStringList> names = *w;
                if (names.isError()) {
                    retryOrFail(QStringLiteral("the D-Bus session bus did not list its services: ")
                                + names.error().message());
                    return;
                }
                if (hasSecretService(names.value())) {
                    finishProbe(true, QString());
                    return;
                }
                // Not running: a service that D-Bus can start on first use is as good.
                auto *activatable = new QDBusPendingCallWatcher(
                    bus.asyncCall(busMethod("ListActivatableNames"), timeoutMs), this);
                connect(activatable, &QDBusPendingCallWatcher::finished, this,
                        [this, retryOrFail](QDBusPendingCallWatcher *w2) {
                            w2->deleteLater();
                            const QDBusPendingReply<QStringList> names2 = *w2;
                            if (!names2.isError() && hasSecretService(names2.value())) {
                                finishProbe(true, QString());
                                return;
                            }
                            retryOrFail(QStringLiteral("no Secret Service (org.freedesktop.secrets, "
                                                       "e.g. gnome-keyring or KeePassXC) and no "
                                                       "KWallet on the D-Bus session bus"));
                        });
            });
#endif
}

void CredentialStore::finishProbe(bool available, const QString &reason)
{
    if (available) {
        m_unavailableReason = {};
        qCInfo(lcSecurity) << "keychain available; service" << m_options.service;
        setAvailability(Availability::Available);
    } else {
        m_unavailableReason = pb::makeError(
            QStringLiteral("keychain.unavailable"), QString(),
            QStringLiteral("no secure store: ") + reason
                + QStringLiteral(". PayBridge keeps secrets only in the OS keychain, so none can "
                                 "be saved or read until one is available"));
        qCWarning(lcSecurity).noquote() << m_unavailableReason.message;
        setAvailability(Availability::Unavailable);
    }
    const QList<Pending> pending = std::exchange(m_pending, {});
    for (const Pending &p : pending) {
        if (available)
            p.start();
        else
            p.reject(m_unavailableReason);
    }
}

void CredentialStore::whenAvailable(std::function<void()> start,
                                    std::function<void(const pb::Error &)> reject)
{
    switch (m_availability) {
    case Availability::Available:
        start();
        return;
    case Availability::Unavailable:
        reject(m_unavailableReason);
        return;
    case Availability::Unknown:
    case Availability::Probing:
        m_pending.append(Pending{std::move(start), std::move(reject)});
        probe();
        return;
    }
}

void CredentialStore::read(const QString &profile, const QString &key, QObject *context,
                           ReadCallback callback)
{
    const QPointer<QObject> guard = guardFor(context);
    const pb::Result<SecretRef> ref = SecretRef::make(profile, key);
    if (!ref) {
        deliver(guard, [callback, e = ref.error()] { callback(e); });
        return;
    }
    const QString account = ref->keychainKey();
    whenAvailable(
        [this, guard, callback, account] {
            auto *job = newJob<QKeychain::ReadPasswordJob>(m_options.service, account);
            connect(job, &QKeychain::Job::finished, this, [guard, callback, account](QKeychain::Job *j) {
                if (j->error() == QKeychain::NoError) {
                    const QString value = static_cast<QKeychain::ReadPasswordJob *>(j)->textData();
                    qCDebug(lcSecurity) << "read" << account;
                    deliver(guard, [callback, value] { callback(value); });
                    return;
                }
                const pb::Error e = jobError(j->error(), j->errorString(), account);
                if (e.code != QLatin1StringView("keychain.not_found"))
                    qCWarning(lcSecurity).noquote() << e.toString();
                deliver(guard, [callback, e] { callback(e); });
            });
            job->start();
        },
        [guard, callback](const pb::Error &e) { deliver(guard, [callback, e] { callback(e); }); });
}

void CredentialStore::write(const QString &profile, const QString &key, const QString &value,
                            QObject *context, DoneCallback callback)
{
    const QPointer<QObject> guard = guardFor(context);
    const pb::Result<SecretRef> ref = SecretRef::make(profile, key);
    if (!ref) {
        deliver(guard, [callback, e = ref.error()] { callback(e); });
        return;
    }
    const QString account = ref->keychainKey();
    if (value.isEmpty()) {
        deliver(guard, [callback, account] {
            callback(pb::makeError(QStringLiteral("secret.empty"), account,
                                   QStringLiteral("refusing to store an empty secret; remove it instead")));
        });
        return;
    }
    whenAvailable(
        [this, guard, callback, account, value] {
            auto *job = newJob<QKeychain::WritePasswordJob>(m_options.service, account);
            job->setTextData(value);
            connect(job, &QKeychain::Job::finished, this, [guard, callback, account](QKeychain::Job *j) {
                if (j->error() == QKeychain::NoError) {
                    qCInfo(lcSecurity) << "stored" << account << "in the keychain";
                    deliver(guard, [callback] { callback(pb::Status::success()); });
                    return;
                }
                const pb::Error e = jobError(j->error(), j->errorString(), account);
                qCWarning(lcSecurity).noquote() << e.toString();
                deliver(guard, [callback, e] { callback(e); });
            });
            job->start();
        },
        [guard, callback](const pb::Error &e) { deliver(guard, [callback, e] { callback(e); }); });
}

void CredentialStore::remove(const QString &profile, const QString &key, QObject *context,
                             DoneCallback callback)
{
    const QPointer<QObject> guard = guardFor(context);
    const pb::Result<SecretRef> ref = SecretRef::make(profile, key);
    if (!ref) {
        deliver(guard, [callback, e = ref.error()] { callback(e); });
        return;
    }
    const QString account = ref->keychainKey();
    whenAvailable(
        [this, guard, callback, account] {
            auto *job = newJob<QKeychain::DeletePasswordJob>(m_options.service, account);
            connect(job, &QKeychain::Job::finished, this, [guard, callback, account](QKeychain::Job *j) {
                // Already gone is what the caller wanted.
                if (j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound) {
                    qCInfo(lcSecurity) << "removed" << account << "from the keychain";
                    deliver(guard, [callback] { callback(pb::Status::success()); });
                    return;
                }
                const pb::Error e = jobError(j->error(), j->errorString(), account);
                qCWarning(lcSecurity).noquote() << e.toString();
                deliver(guard, [callback, e] { callback(e); });
            });
            job->start();
        },
        [guard, callback](const pb::Error &e) { deliver(guard, [callback, e] { callback(e); }); });
}

} // namespace pb::security
