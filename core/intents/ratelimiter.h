#pragma once

#include "util/clock.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <deque>
#include <functional>
#include <optional>

namespace pb::intents {

struct RateLimiterConfig
{
    QString host;                   // for logs only
    double ceilingPerSecond = 10.0; // never faster than this (the configured limit for the host)
    double burst = 5.0;             // tokens the bucket holds at most
    double floorPerSecond = 0.2;    // never slower than this, however often we are refused
    // Successes without a refusal or slow-down that earn one additive increase.
    qint64 quietPeriodMs = 1000;
    // Additive increase per quiet period; 0 means 5 % of the ceiling.
    double additiveStepPerSecond = 0.0;
    // One decrease per window: the answers to requests already in flight when the first 429
    // came back must not halve the rate again and again.
    qint64 decreaseHoldMs = 1000;
    // Latency: a fast EWMA above latencyFactor × the baseline (a slow EWMA that follows drops
    // at once) multiplies the rate by latencyDecrease.
    double latencyFactor = 1.5;
    // ...and by at least this much: on a fast link (loopback, LAN) a baseline of 1 ms makes a
    // 2 ms jitter look like 2 ×, and slowing down on it cost a third of the rate for nothing.
    double latencyMinRiseMs = 50.0;
    double latencyDecrease = 0.8;
    int latencyWarmupSamples = 10;
    // After a 429 the limiter remembers the refused rate and climbs quickly back to
    // settleFraction of it; above that it probes upwards only slowly, so refusals stay rare.
    // (Settling below the refused rate is what keeps ≥ 90 % of a server's limit with < 1 %
    // refusals: the only refusals left are those of a probe every few probe intervals.)
    double settleFraction = 0.95;
    // A 429 at (or one probe above) a known-good rate: back to this fraction of it, no halving.
    double stepBackFraction = 0.97;
    qint64 probeIntervalMs = 15000;
    // Of the remembered limit, for the first probe; each probe in a row that is not refused
    // doubles it (up to probeStepMaxFraction), so a mark learnt too low is left within minutes
    // while the first steps above a true limit stay small.
    double probeStepFraction = 0.01;
    double probeStepMaxFraction = 0.16;
    // A rate held this long without a refusal is known good (see below). Long enough that the
    // server's own burst cannot hide a rate above its limit for long, short enough to be
    // learnt between two probes.
    qint64 goodHoldMs = 5000;
    // A Retry-After longer than this pauses the bucket only this long (the retry policy decides
    // what happens to the intent; the host must not stall for a day on one bad header).
    qint64 maxPauseMs = 10 * 60 * 1000;
};

// An adaptive token bucket for one host, used on one thread (the sync thread).
//
// Requests ask for a token with acquire(); the callback runs when one is available, released
// by a single-shot QTimer, so one thread keeps many requests in flight without blocking.
// Feedback from the answers adapts the rate:
//  - 429: the rate is halved (not below the floor) and the refused rate remembered; the bucket
//    is emptied and paused until Retry-After;
//  - latency rising above 1.5 × baseline: the rate drops by 20 %;
//  - a quiet period of successes: additive increase — quickly up to just below the remembered
//    limit, then probing towards the ceiling in steps that grow while they are not refused;
//  - a rate held for goodHoldMs without refusal is known good. A 429 well below
//    it (a burst meeting an empty server bucket, not a rate the server cannot take) does not
//    pull the remembered limit under it; it only trims the known-good rate a little, so a
//    server that really lowered its limit is followed within a few refusals.
// All times come from the Clock, so a ManualClock makes it fully deterministic.
class RateLimiter : public QObject
{
    Q_OBJECT
public:
    RateLimiter(const Clock &clock, RateLimiterConfig config, QObject *parent = nullptr);
    ~RateLimiter() override;

    // Takes a token now if there is one and nobody is queued before us.
    bool tryAcquire();
    bool tryAcquire(qint64 nowMonotonicMs);
    // How long until a token is available (0: now).
    qint64 msUntilAvailable(qint64 nowMonotonicMs) const;

    // Calls `granted` (on this object's thread) once a token is taken for it, in FIFO order.
    // It may run before acquire() returns when a token is free and nobody waits. If `context`
    // is destroyed first, the callback is dropped and no token is spent on it.
    void acquire(QObject *context, std::function<void()> granted);
    int waiting() const { return int(m_waiters.size()); }
    // Hands out tokens to waiters while there are any; re-arms the timer for the rest.
    // The timer calls it; tests call it after advancing a ManualClock.
    void pump();

    // Feedback from finished requests.
    void onSuccess(qint64 latencyMs);
    void onRateLimited(std::optional<int> retryAfterSeconds);

    double currentRate() const { return m_rate; }
    double effectiveBurst() const { return m_burst; }
    // The rate last refused with a 429 (recovery settles just below it); none before the first.
    std::optional<double> refusedRate() const { return m_limit; }
    // The highest rate held for goodHoldMs without refusal since it was last trimmed; 0: none.
    double knownGoodRate() const { return m_good; }
    qint64 pausedUntilMs() const { return m_pausedUntil; }
    bool isPaused(qint64 nowMonotonicMs) const { return nowMonotonicMs < m_pausedUntil; }
    double latencyEwmaMs() const { return m_latencyFast; }
    double latencyBaselineMs() const { return m_latencyBaseline; }
    const RateLimiterConfig &config() const { return m_config; }

Q_SIGNALS:
    // The adapted rate changed (requests per second).
    void rateChanged(double perSecond);

private:
    struct Waiter
    {
        QPointer<QObject> context;
        bool hadContext = false;
        std::function<void()> granted;
    };

    void refill(qint64 now);
    bool takeToken(qint64 now);
    void setRate(double rate, qint64 now);
    double step() const;
    void armTimer(qint64 now);

    const Clock &m_clock;
    RateLimiterConfig m_config;
    double m_rate = 0;
    double m_burst = 0;
    double m_tokens = 0;
    qint64 m_lastRefill = 0;
    qint64 m_pausedUntil = 0;
    qint64 m_lastDecrease = 0;
    qint64 m_lastChange = 0;
    bool m_decreased = false;
    std::optional<double> m_limit;
    double m_good = 0;
    qint64 m_rateSetAt = 0;  // when the rate last changed (not merely re-clamped)
    int m_probeStreak = 0;   // probes in a row without a refusal
    double m_latencyFast = 0;
    double m_latencyBaseline = 0;
    int m_latencySamples = 0;
    std::deque<Waiter> m_waiters;
    QTimer m_timer;
    bool m_pumping = false;
};

} // namespace pb::intents
