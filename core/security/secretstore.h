#pragma once

#include "util/result.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <chrono>
#include <functional>

namespace pb::security {

// Where a connection profile's secrets are kept. The real implementation is CredentialStore
// (the OS keychain); InMemorySecrets serves only the demo's sandbox profile.
//
// The API is asynchronous so that the GUI thread never waits on the keychain:
//  - `profile` is a profile name, `key` one of validSecretKeys() ("paytrace.password", ...);
//  - the callback runs later, from the event loop of `context`'s thread, and never from inside
//    the call itself, so callers need not worry about re-entrancy;
//  - if `context` is destroyed first the callback is dropped; nullptr means the store itself.
//    `context` should live on the store's thread (it is watched with a QPointer).
// Error codes: "secret.invalid_profile", "secret.invalid_key", "secret.empty",
// "keychain.not_found", "keychain.unavailable", "keychain.access_denied", "keychain.error",
// "keychain.timeout", "keychain.blocking_on_gui_thread", "secrets.not_demo_profile".
class SecretStore : public QObject
{
    Q_OBJECT
public:
    using ReadCallback = std::function<void(pb::Result<QString>)>;
    using DoneCallback = std::function<void(pb::Status)>;

    using QObject::QObject;
    ~SecretStore() override;

    virtual void read(const QString &profile, const QString &key, QObject *context,
                      ReadCallback callback) = 0;
    // An empty value is refused ("secret.empty"); use remove() to forget a secret.
    virtual void write(const QString &profile, const QString &key, const QString &value,
                       QObject *context, DoneCallback callback) = 0;
    // Removing a secret that does not exist succeeds.
    virtual void remove(const QString &profile, const QString &key, QObject *context,
                        DoneCallback callback) = 0;

    // Blocking helpers for the command line and for worker threads.
    //  - Refused with "keychain.blocking_on_gui_thread" on the thread of a QGuiApplication: the
    //    GUI must use the asynchronous API.
    //  - On the store's own thread (e.g. the main thread of `paybridge sync`) they run a local
    //    QEventLoop until the result arrives or `timeout` passes. That loop also delivers other
    //    queued events, so call them at a point where re-entering other code is harmless
    //    (command start-up), not from deep inside a slot.
    //  - On any other thread they post the request to the store's thread and wait on a
    //    semaphore, without an event loop; the store's thread must be running its event loop.
    pb::Result<QString> readBlocking(const QString &profile, const QString &key,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30));
    pb::Status writeBlocking(const QString &profile, const QString &key, const QString &value,
                             std::chrono::milliseconds timeout = std::chrono::seconds(30));
    pb::Status removeBlocking(const QString &profile, const QString &key,
                              std::chrono::milliseconds timeout = std::chrono::seconds(30));

protected:
    // The object a callback is tied to: `context`, or the store itself when nullptr.
    QPointer<QObject> guardFor(QObject *context) { return context ? context : this; }
    // Runs `fn` later on the guarded object's thread, unless that object is gone by then.
    static void deliver(const QPointer<QObject> &guard, std::function<void()> fn);
};

} // namespace pb::security
