#pragma once

#include "intents/ratelimiter.h"
#include "intents/retrypolicy.h"
#include "net/readgate.h"
#include "util/clock.h"

#include <QObject>

#include <memory>

namespace pb::sync {

// The engine's read gate for one host: every read waits for the host's rate limiter (the one
// the intent runner's writes use, so reads and writes share one budget and one view of the
// server's limit), feeds the answer back to it, and retries transient failures and 429s with
// the retry policy's backoff and jitter, Retry-After honoured. Permanent failures and used-up
// retries are final; the poller then fails and leaves its cursor where it was.
class HostReadGate final : public QObject, public net::ReadGate
{
public:
    struct Stats
    {
        qint64 attempts = 0;    // requests sent
        qint64 retries = 0;     // attempts scheduled again after a failure
        qint64 rateLimited = 0; // 429 answers
        qint64 gaveUp = 0;      // reads that ended in a failure
    };

    // `limiter` and `policy` must outlive the gate.
    HostReadGate(const Clock &clock, intents::RateLimiter &limiter, const intents::RetryPolicy &policy,
                 QObject *parent = nullptr);

    void run(QObject *context, Attempt attempt) override;
    const Stats &stats() const { return m_stats; }

    // Reads are cheap to repeat and a sync waits on them: shorter waits than for writes, but
    // enough attempts to ride out a few seconds of trouble.
    static intents::RetryPolicyConfig readRetryConfig();

private:
    struct Run;
    void admit(const std::shared_ptr<Run> &run);
    bool answered(const std::shared_ptr<Run> &run, qint64 sentMs, const net::ReadFeedback &feedback);

    const Clock &m_clock;
    intents::RateLimiter &m_limiter;
    const intents::RetryPolicy &m_policy;
    Stats m_stats;
};

} // namespace pb::sync
