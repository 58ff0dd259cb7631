#pragma once

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QMutex>
#include <QString>

#include <optional>
#include <random>

namespace pb::sandbox {

enum class FaultKind {
    Latency,      // answer normally after latency_ms
    Timeout,      // never answer
    Reset,        // TCP reset instead of an answer
    ResetAfter,   // the request is carried out, then a TCP reset instead of its answer
    Http500,
    Http502,
    Http503,
    Http429,      // with Retry-After: retry_after seconds
    Truncate,     // full Content-Length announced, half the body sent, connection closed
    Malformed,    // 200 with a body that is not valid JSON
    LateEffect,   // the request is carried out only after delay_ms, then answered if the client
                  // is still connected; a client that gave up does not stop the effect
};

QString faultKindName(FaultKind kind);
std::optional<FaultKind> faultKindFromName(QStringView name);

// One fault rule, matched against "METHOD path" of every simulated API request.
// JSON form (admin API and SandboxOptions):
//   {"path":"/paytrace/v1/*","method":"POST","kind":"http503","probability":0.25,
//    "latency_ms":0,"retry_after":2,"times":3}
// `path` is a glob on the request path ('*' spans '/'); `times` limits how often the rule fires
// (absent or -1: unlimited); `latency_ms` also delays every other kind before it acts.
// `delay_ms` belongs to late_effect only (and is required there): how long after the request
// arrived its effect happens, latency_ms included, i.e. at latency_ms + delay_ms.
struct FaultRule
{
    QString id;
    QString path = QStringLiteral("*");
    QString method; // empty: any
    FaultKind kind = FaultKind::Latency;
    double probability = 1.0;
    int latencyMs = 0;
    int retryAfterSeconds = 1;
    int delayMs = 0; // late_effect only
    int times = -1;
    quint64 fired = 0;

    QJsonObject toJson() const;
    static std::optional<FaultRule> fromJson(const QJsonObject &json, QString *error);
};

// The rule set, shared by both simulators. Thread-safe; dice rolls come from a seeded engine so
// a test run with the same seed sees the same faults.
class FaultInjector
{
public:
    explicit FaultInjector(quint64 seed);

    QString add(FaultRule rule); // returns the rule id (assigned when empty)
    bool remove(const QString &id);
    void clear();
    QList<FaultRule> rules() const;

    // The first rule that matches and whose dice roll fires, with its use counted.
    std::optional<FaultRule> pick(QByteArrayView method, QByteArrayView path);

private:
    mutable QMutex m_mutex;
    QList<FaultRule> m_rules;
    std::mt19937_64 m_engine;
    int m_nextId = 1;
};

// Token bucket: `rate` requests per second on average, bursts up to `burst`. rate <= 0: off.
struct RateLimit
{
    double ratePerSecond = 0;
    double burst = 0;

    bool enabled() const { return ratePerSecond > 0; }
    QJsonObject toJson() const;
    static std::optional<RateLimit> fromJson(const QJsonObject &json, QString *error);
};

class RateLimiter
{
public:
    RateLimiter();
    void configure(const RateLimit &limit);
    RateLimit config() const;
    // Takes one token; when none is left returns false and the whole seconds until one is.
    bool tryAcquire(int *retryAfterSeconds);
    quint64 refusedCount() const;

private:
    mutable QMutex m_mutex;
    RateLimit m_limit;
    double m_tokens = 0;
    qint64 m_lastNs = 0;
    QElapsedTimer m_timer;
    quint64 m_refused = 0;
};

} // namespace pb::sandbox
