#pragma once

#include "net/errorclass.h"
#include "util/clock.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QString>

#include <optional>

namespace pb::intents {

// What to do with an intent after a failed attempt.
struct RetryDecision
{
    enum class Kind {
        RetryAt,    // wait until `at`, then send again
        DeadLetter, // stop; a person looks at it (visible and replayable)
        InDoubt     // the effect is unknown: the janitor looks it up, nothing is re-sent blindly
    };

    Kind kind = Kind::DeadLetter;
    QDateTime at;          // RetryAt: when the next attempt may start (UTC)
    qint64 delayMs = 0;    // RetryAt: at − now
    QString reasonCode;    // DeadLetter: stable key, e.g. "retry.permanent", "retry.exhausted"
    QString reason;        // plain English for logs and the dead-letter view
    net::ErrorClass errorClass = net::ErrorClass::None;

    bool isRetry() const { return kind == Kind::RetryAt; }
};

// Backoff for one retryable error class.
struct BackoffRule
{
    qint64 baseMs = 1000;    // first retry waits random(0, base)
    qint64 capMs = 300000;   // no single wait exceeds this
    int maxAttempts = 8;     // attempts in total (the first send counts); then dead letter
};

struct RetryPolicyConfig
{
    BackoffRule transient{1000, 5 * 60 * 1000, 8};
    BackoffRule rateLimited{2000, 10 * 60 * 1000, 12};
    // The longest Retry-After we wait for. A server asking for more dead-letters the intent
    // (replayable later) rather than parking it silently for hours.
    qint64 maxRetryAfterMs = 15 * 60 * 1000;
};

// Per-class retry decisions with capped exponential backoff and full jitter:
//   delay = random(0, min(cap, base · 2^(attemptsSoFar − 1)))
// so the first retry waits up to `base`, the next up to 2·base, ...
//
// Class by class:
//  - Transient, RateLimited: backoff as above until the class's attempt limit. When the server
//    sent Retry-After (429, also 503) the wait is Retry-After plus the jittered backoff — never
//    earlier than asked, spread out so a crowd of waiting intents does not return at the same
//    second — capped at maxRetryAfterMs but never below Retry-After itself.
//  - Permanent (validation, decline), Tls, Auth: dead letter at once. Auth has already had the
//    connector's one re-auth; a person must fix the credentials.
//  - InDoubt: never retried blindly; the janitor decides.
//  - None is not a failure; asking about it is a caller bug and dead-letters rather than
//    repeating a request nobody understands.
class RetryPolicy
{
public:
    // Seeded from the system's secure source.
    explicit RetryPolicy(const Clock &clock, RetryPolicyConfig config = {});
    // Deterministic jitter for tests.
    RetryPolicy(const Clock &clock, RetryPolicyConfig config, quint64 seed);

    // attemptsSoFar: attempts already made, including the one that just failed (≥ 1).
    // retryAfterSeconds: the server's Retry-After, when it sent one (negative values ignored).
    RetryDecision decide(net::ErrorClass errorClass, int attemptsSoFar,
                         std::optional<int> retryAfterSeconds) const;

    // The upper bound of the jitter window for a retry after `attemptsSoFar` attempts.
    static qint64 backoffCeilingMs(const BackoffRule &rule, int attemptsSoFar);

    const RetryPolicyConfig &config() const { return m_config; }

private:
    RetryDecision retryOrGiveUp(net::ErrorClass errorClass, const BackoffRule &rule,
                                int attemptsSoFar, std::optional<int> retryAfterSeconds) const;

    const Clock &m_clock;
    RetryPolicyConfig m_config;
    // Jitter only; drawing from it does not change the policy, hence mutable in a const decide().
    mutable QRandomGenerator m_rng;
};

} // namespace pb::intents
