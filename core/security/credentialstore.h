#pragma once

#include "security/secretkeys.h"
#include "security/secretstore.h"

#include <QList>

#include <chrono>
#include <functional>

namespace pb::security {

// The one place PayBridge's secrets are kept: the OS keychain through QtKeychain (on Linux the
// Secret Service: gnome-keyring, KeePassXC, KWallet).
//
//  - service name kApplicationId, key "<profile>:<system>:<account>" (see SecretRef);
//  - the insecure fallback (a plain-text QSettings file) is never enabled: when there is no
//    keychain the store says so ("keychain.unavailable") and keeps nothing anywhere else;
//  - availability is probed once, on first use or by probe(): on Linux the D-Bus session bus
//    must be reachable and a Secret Service (or KWallet) must be running or activatable. When the
//    bus is up but no service is there yet, the probe is retried once after `retryDelay`, for a
//    keyring that starts slowly with the session. Operations issued meanwhile wait for the probe.
//
// Use one CredentialStore per process, on one thread: QtKeychain's job queue is not thread-safe.
// Other threads reach it through the blocking helpers, which post to its thread.
class CredentialStore final : public SecretStore
{
    Q_OBJECT
public:
    enum class Availability { Unknown, Probing, Available, Unavailable };
    Q_ENUM(Availability)

    struct Options
    {
        QString service = QString(kApplicationId);
        std::chrono::milliseconds retryDelay = std::chrono::seconds(3);
        std::chrono::milliseconds dbusTimeout = std::chrono::seconds(5);
    };

    explicit CredentialStore(QObject *parent = nullptr);
    explicit CredentialStore(Options options, QObject *parent = nullptr);
    ~CredentialStore() override;

    Availability availability() const { return m_availability; }
    // Why the keychain is unavailable (code "keychain.unavailable"); empty otherwise.
    pb::Error unavailableReason() const { return m_unavailableReason; }
    // Probe rounds run so far (1, or 2 after the delayed retry).
    int probeAttempts() const { return m_probeAttempts; }

    // Starts the availability probe unless it already ran or is running.
    void probe();
    // Forgets an "unavailable" verdict and probes again (e.g. after the user started a keyring).
    void reprobe();

    void read(const QString &profile, const QString &key, QObject *context,
              ReadCallback callback) override;
    void write(const QString &profile, const QString &key, const QString &value,
               QObject *context, DoneCallback callback) override;
    void remove(const QString &profile, const QString &key, QObject *context,
                DoneCallback callback) override;

Q_SIGNALS:
    void availabilityChanged(pb::security::CredentialStore::Availability availability);

private:
    struct Pending
    {
        std::function<void()> start;
        std::function<void(const pb::Error &)> reject;
    };

    void whenAvailable(std::function<void()> start, std::function<void(const pb::Error &)> reject);
    void probeRound();
    void probeSecretServiceNames();
    void finishProbe(bool available, const QString &reason);
    void setAvailability(Availability a);

    Options m_options;
    Availability m_availability = Availability::Unknown;
    pb::Error m_unavailableReason;
    int m_probeAttempts = 0;
    QList<Pending> m_pending;
};

} // namespace pb::security
