#include "sync/readgate.h"

#include "log/categories.h"

#include <QPointer>
#include <QTimer>

namespace pb::sync {

struct HostReadGate::Run
{
    QPointer<QObject> context;
    bool hadContext = false;
    Attempt attempt;
    int attempts = 0;
    bool alive() const { return !hadContext || context; }
};

HostReadGate::HostReadGate(const Clock &clock, intents::RateLimiter &limiter, const intents::RetryPolicy &policy,
                           QObject *parent)
    : QObject(parent), m_clock(clock), m_limiter(limiter), m_policy(policy)
{
}

intents::RetryPolicyConfig HostReadGate::readRetryConfig()
{
    intents::RetryPolicyConfig c;
    c.transient = {250, 8000, 7};
    c.rateLimited = {500, 15000, 10};
    c.maxRetryAfterMs = 120000;
    return c;
}

void HostReadGate::run(QObject *context, Attempt attempt)
{
    auto r = std::make_shared<Run>();
    r->context = context;
    r->hadContext = context != nullptr;
    r->attempt = std::move(attempt);
    admit(r);
}

void HostReadGate::admit(const std::shared_ptr<Run> &run)
{
    if (!run->alive())
        return;
    // The gate is the limiter's context: a gate destroyed first leaves no callback behind.
    m_limiter.acquire(this, [this, run] {
        if (!run->alive())
            return;
        ++run->attempts;
        ++m_stats.attempts;
        const qint64 sent = m_clock.monotonicMs();
        run->attempt([this, run, sent](const net::ReadFeedback &feedback) { return answered(run, sent, feedback); });
    });
}

bool HostReadGate::answered(const std::shared_ptr<Run> &run, qint64 sentMs, const net::ReadFeedback &feedback)
{
    using net::ErrorClass;
    const std::optional<int> retryAfter = feedback.retryAfterSeconds >= 0
        ? std::optional<int>(feedback.retryAfterSeconds) : std::nullopt;
    // Same feedback as the writes give: a 429 slows the host down; any answer that is not a
    // network failure counts as a served request.
    if (feedback.errorClass == ErrorClass::RateLimited) {
        ++m_stats.rateLimited;
        m_limiter.onRateLimited(retryAfter);
    } else if (feedback.errorClass != ErrorClass::Transient && feedback.errorClass != ErrorClass::InDoubt) {
        m_limiter.onSuccess(m_clock.monotonicMs() - sentMs);
    }
    if (feedback.errorClass == ErrorClass::None)
        return true;
    // A read has no effect to be in doubt about; an unknown outcome is repeated like a transient one.
    const ErrorClass cls = feedback.errorClass == ErrorClass::InDoubt ? ErrorClass::Transient : feedback.errorClass;
    const intents::RetryDecision decision = m_policy.decide(cls, run->attempts, retryAfter);
    if (!decision.isRetry() || !run->alive()) {
        ++m_stats.gaveUp;
        qCInfo(lcSync) << "read gave up after" << run->attempts << "attempts:" << decision.reason;
        return true;
    }
    ++m_stats.retries;
    qCDebug(lcSync) << "read failed (" << net::errorClassName(cls) << "):" << decision.reason;
    QTimer::singleShot(std::chrono::milliseconds(decision.delayMs), this, [this, run] { admit(run); });
    return false;
}

} // namespace pb::sync
