#include "intents/ratelimiter.h"

#include "log/categories.h"

#include <algorithm>
#include <cmath>

namespace pb::intents {

namespace {
// EWMA weights: the fast average reacts within a few answers, the baseline over ~50.
constexpr double kFastWeight = 0.3;
constexpr double kBaselineWeight = 0.02;
} // namespace

RateLimiter::RateLimiter(const Clock &clock, RateLimiterConfig config, QObject *parent)
    : QObject(parent), m_clock(clock), m_config(std::move(config))
{
    m_config.ceilingPerSecond = std::max(m_config.ceilingPerSecond, 0.001);
    m_config.floorPerSecond = std::clamp(m_config.floorPerSecond, 0.001, m_config.ceilingPerSecond);
    m_config.burst = std::max(m_config.burst, 1.0);
    m_rate = m_config.ceilingPerSecond;
    m_burst = m_config.burst;
    m_tokens = m_burst;
    const qint64 now = m_clock.monotonicMs();
    m_lastRefill = now;
    m_lastChange = now;
    m_rateSetAt = now;
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &RateLimiter::pump);
}

RateLimiter::~RateLimiter() = default;

void RateLimiter::refill(qint64 now)
{
    if (now <= m_lastRefill)
        return;
    // No tokens accrue while the server told us to pause.
    const qint64 from = m_pausedUntil > m_lastRefill ? std::min(m_pausedUntil, now) : m_lastRefill;
    m_tokens = std::min(m_burst, m_tokens + double(now - from) * m_rate / 1000.0);
    m_lastRefill = now;
}

bool RateLimiter::takeToken(qint64 now)
{
    refill(now);
    if (now < m_pausedUntil || m_tokens < 1.0)
        return false;
    m_tokens -= 1.0;
    return true;
}

bool RateLimiter::tryAcquire()
{
    return tryAcquire(m_clock.monotonicMs());
}

bool RateLimiter::tryAcquire(qint64 nowMonotonicMs)
{
    // Queued callers come first.
    if (!m_waiters.empty())
        return false;
    return takeToken(nowMonotonicMs);
}

qint64 RateLimiter::msUntilAvailable(qint64 now) const
{
    const qint64 start = std::max(now, m_pausedUntil);
    double tokens = m_tokens;
    if (start > m_lastRefill) {
        const qint64 from = m_pausedUntil > m_lastRefill ? std::min(m_pausedUntil, start) : m_lastRefill;
        tokens = std::min(m_burst, tokens + double(start - from) * m_rate / 1000.0);
    }
    qint64 wait = start - now;
    if (tokens < 1.0)
        wait += qint64(std::ceil((1.0 - tokens) * 1000.0 / m_rate));
    return wait;
}

void RateLimiter::acquire(QObject *context, std::function<void()> granted)
{
    m_waiters.push_back(Waiter{QPointer<QObject>(context), context != nullptr, std::move(granted)});
    pump();
}

void RateLimiter::pump()
{
    // A callback that acquires again lands in the queue; the running loop serves it.
    if (m_pumping)
        return;
    m_pumping = true;
    const qint64 now = m_clock.monotonicMs();
    while (!m_waiters.empty()) {
        Waiter &front = m_waiters.front();
        if (front.hadContext && front.context.isNull()) {
            m_waiters.pop_front();
            continue;
        }
        if (!takeToken(now))
            break;
        std::function<void()> granted = std::move(front.granted);
        m_waiters.pop_front();
        if (granted)
            granted();
    }
    m_pumping = false;
    armTimer(now);
}

void RateLimiter::armTimer(qint64 now)
{
    if (m_waiters.empty()) {
        m_timer.stop();
        return;
    }
    m_timer.start(int(std::clamp<qint64>(msUntilAvailable(now), 1, m_config.maxPauseMs)));
}

double RateLimiter::step() const
{
    return m_config.additiveStepPerSecond > 0 ? m_config.additiveStepPerSecond
                                              : 0.05 * m_config.ceilingPerSecond;
}

void RateLimiter::setRate(double rate, qint64 now)
{
    refill(now); // tokens earned so far count at the old rate
    const double clamped = std::clamp(rate, m_config.floorPerSecond, m_config.ceilingPerSecond);
    m_lastChange = now;
    if (clamped == m_rate)
        return;
    m_rate = clamped;
    m_rateSetAt = now;
    Q_EMIT rateChanged(m_rate);
    if (!m_pumping)
        armTimer(now);
}

void RateLimiter::onRateLimited(std::optional<int> retryAfterSeconds)
{
    const qint64 now = m_clock.monotonicMs();
    refill(now);
    // The server's bucket is empty: sending what we saved up would only be refused.
    m_tokens = 0;
    m_burst = 1.0;
    if (retryAfterSeconds && *retryAfterSeconds > 0) {
        const qint64 pause = std::min(qint64(*retryAfterSeconds) * 1000, m_config.maxPauseMs);
        m_pausedUntil = std::max(m_pausedUntil, now + pause);
    }
    if (m_decreased && now - m_lastDecrease < m_config.decreaseHoldMs) {
        armTimer(now);
        return;
    }
    // The rate the server refused is the new upper mark; recovery aims just below it. Each
    // refusal during recovery lowers the mark again, so it converges on the server's limit.
    // Unless the rate is well below one the server took for a while: then the
    // refusal says more about a burst than about the rate, and the mark stays at the good rate
    // (trimmed, so that a lasting drop of the server's limit still wins after a few refusals).
    // Refused at (or one probe above) a rate known good: the server's limit is right here and
    // a small step back below the lower of the two is enough; halving there threw away a
    // third of the throughput for seconds after every refusal caused by mere jitter.
    const bool nearGood = m_good > 0 && m_rate >= m_config.settleFraction * m_good;
    const double next = nearGood ? m_config.stepBackFraction * std::min(m_rate, m_good) : m_rate / 2.0;
    if (m_good > 0 && m_rate < m_config.settleFraction * m_good) {
        m_good *= m_config.settleFraction;
        m_limit = std::max(m_rate, m_good);
    } else {
        m_limit = m_rate;
        if (m_good > m_rate)
            m_good = m_rate;
    }
    m_probeStreak = 0;
    m_decreased = true;
    m_lastDecrease = now;
    qCDebug(lcSync) << "rate limiter" << m_config.host << ": 429 at" << m_rate << "req/s; down to" << next;
    setRate(next, now);
    armTimer(now);
}

void RateLimiter::onSuccess(qint64 latencyMs)
{
    const qint64 now = m_clock.monotonicMs();

    const double latency = double(std::max<qint64>(0, latencyMs));
    if (m_latencySamples == 0) {
        m_latencyFast = latency;
        m_latencyBaseline = latency;
    } else {
        m_latencyFast += kFastWeight * (latency - m_latencyFast);
        // Slow to rise (a lasting change is learnt within ~50 answers), immediate to fall.
        m_latencyBaseline += kBaselineWeight * (latency - m_latencyBaseline);
        m_latencyBaseline = std::min(m_latencyBaseline, m_latencyFast);
    }
    ++m_latencySamples;

    const bool holding = m_decreased && now - m_lastDecrease < m_config.decreaseHoldMs;
    if (m_latencySamples >= m_config.latencyWarmupSamples && m_latencyBaseline > 0
        && m_latencyFast > m_config.latencyFactor * m_latencyBaseline
        && m_latencyFast - m_latencyBaseline > m_config.latencyMinRiseMs) {
        if (!holding) {
            m_probeStreak = 0;
            m_decreased = true;
            m_lastDecrease = now;
            qCDebug(lcSync) << "rate limiter" << m_config.host << ": latency" << m_latencyFast
                            << "ms over baseline" << m_latencyBaseline << "ms; slowing down";
            setRate(m_rate * m_config.latencyDecrease, now);
        }
        return;
    }

    // Held a while since the last change and the last decrease: the server takes it.
    if (now - std::max(m_rateSetAt, m_lastDecrease) >= m_config.goodHoldMs && m_rate > m_good)
        m_good = m_rate;

    const double settle = m_limit ? m_config.settleFraction * *m_limit : m_config.ceilingPerSecond;
    const bool probing = m_limit && m_rate >= settle;
    const qint64 interval = probing ? m_config.probeIntervalMs : m_config.quietPeriodMs;
    if (now - std::max(m_lastChange, m_lastDecrease) < interval)
        return;

    double next;
    if (!probing) {
        // Back to just below the accepted limit quickly (half the gap at a time, at least one
        // step); with no limit known yet, one step at a time towards the ceiling.
        next = m_limit ? std::min(settle, m_rate + std::max(step(), (settle - m_rate) / 2.0))
                       : m_rate + step();
    } else {
        // A whole probe interval above the remembered limit without refusal: the server
        // accepts more now.
        if (m_rate > *m_limit)
            m_limit = m_rate;
        const double fraction = std::min(m_config.probeStepFraction * double(1 << std::min(m_probeStreak, 10)),
                                         std::max(m_config.probeStepMaxFraction, m_config.probeStepFraction));
        ++m_probeStreak;
        next = m_rate + std::max(fraction * *m_limit, 0.001);
    }
    m_burst = std::min(m_config.burst, m_burst + 1.0);
    setRate(next, now);
}

} // namespace pb::intents
