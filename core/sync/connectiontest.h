#pragma once

#include "sync/syncservice.h"

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>

namespace pb::sync {

// The answer of one connection to "Test connection".
struct ConnectionCheck
{
    enum class System { PayTrace, Magento };
    enum class Verdict {
        Ok,
        NotConfigured, // a setting or secret is missing or invalid: nothing was sent
        Refused,       // the service answered and refused the credentials or the permission
        Unreachable,   // no answer, TLS refused, 5xx, rate limited: the service did not decide
        Cancelled
    };
    System system = System::PayTrace;
    Verdict verdict = Verdict::Unreachable;
    // One plain-language sentence starting with the system's name, saying what happened and
    // what to do, e.g. "PayTrace: connected as api_user, token valid." Never a secret.
    QString message;
    QString errorCode;    // the underlying error's code or class ("config.missing_secret", "auth", ...)
    qint64 latencyMs = -1; // round trip of the decisive call; -1 when nothing answered

    bool ok() const { return verdict == Verdict::Ok; }
};

struct ConnectionTestResult
{
    QList<ConnectionCheck> checks; // PayTrace first, then Magento
    bool cancelled = false;
    bool allOk() const;
};

// "Test connection" for a profile's settings: PayTrace (ping, then a token grant so that a
// wrong user name or password shows) and Magento (an order search of one row, which needs
// Magento_Sales::actions_view) in parallel, on a worker thread this object owns. Start from the
// GUI thread; `finished` comes back queued on this object's thread, exactly once per start()
// that was not superseded. cancel() aborts what is in flight and finishes at once with
// Cancelled verdicts.
class ConnectionTester : public QObject
{
    Q_OBJECT
public:
    explicit ConnectionTester(QObject *parent = nullptr);
    ~ConnectionTester() override; // aborts, quits and waits for the worker thread

    // Starts a test of `config` (its secrets must be filled in). A test already running is
    // cancelled first (its result is dropped).
    void start(const SyncConfig &config);
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void finished(const pb::sync::ConnectionTestResult &result);

private:
    struct Worker;
    void deliver(quint64 generation, const ConnectionTestResult &result);

    std::unique_ptr<Worker> m_worker;
    quint64 m_generation = 0;
    bool m_running = false;
};

// The plain-language text for a check (also used by tests and the command line).
QString systemName(ConnectionCheck::System system);

} // namespace pb::sync

Q_DECLARE_METATYPE(pb::sync::ConnectionTestResult)
