#pragma once

#include "sync/syncservice.h"
#include "util/result.h"

#include <QObject>
#include <QString>

#include <memory>

namespace pb::sandbox {
class SandboxThread;
}
namespace pb::security {
class SecretStore;
}

namespace pb::app {

class Io;

struct DemoOptions
{
    int orders = 3000;
    quint64 seed = 20261125;
};

// `paybridge --demo`: the sandbox on its own thread with generated data, a "demo" profile
// pointing at it with a fresh store, and the sandbox's credentials in the OS keychain — or,
// when no keychain is reachable, in memory (they are made-up sandbox credentials, never real
// ones). Asynchronous so the GUI thread never waits on the keychain.
class DemoSession : public QObject
{
    Q_OBJECT
public:
    static constexpr QLatin1StringView kProfileName{"demo"};

    explicit DemoSession(DemoOptions options, QObject *parent = nullptr);
    ~DemoSession() override;

    // Emits ready() or failed() later.
    void start();

    const sync::SyncConfig &config() const { return m_config; }
    // True when the credentials went to the OS keychain, false when kept in memory.
    bool secretsInKeychain() const { return m_inKeychain; }
    // One sentence for the user about where the sandbox credentials are kept.
    QString secretsNote() const;
    QString sandboxSummary() const;

Q_SIGNALS:
    void ready(const pb::sync::SyncConfig &config);
    void failed(const pb::Error &error);

private:
    void storeSecrets(security::SecretStore *store, bool isKeychain);
    Status grantDemoRoles(const QString &account);
    // The processor's settlement report for the sandbox's batches, with known problems planted,
    // imported into the fresh store: the Reconciliation page has days to reconcile.
    Status importSettlementReport();
    // Writes the sandbox PayTrace's public key where card entry reads the merchant's key.
    Status writeE2eeKey();
    void readBack(security::SecretStore *store);

    DemoOptions m_options;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    security::SecretStore *m_secrets = nullptr; // child
    sync::SyncConfig m_config;
    QList<std::pair<QString, QString>> m_credentials;
    bool m_inKeychain = false;
    int m_pending = 0;
    bool m_failed = false;
    QString m_settlementNote;
};

// Runs the demo without a display: prints where the data is, syncs, prints the summary.
int runHeadlessDemo(const DemoOptions &options, Io &io);

} // namespace pb::app

Q_DECLARE_METATYPE(pb::sync::SyncConfig)
