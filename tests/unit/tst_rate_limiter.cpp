// pb::intents::RateLimiter: token bucket, burst, 429 halving, latency slow-down, recovery,
// Retry-After pause, the async acquire path, and convergence against a simulated server limit.
// Everything but the one real-timer test runs on a ManualClock.
#include "intents/ratelimiter.h"
#include "util/clock.h"

#include <QSignalSpy>
#include <QTest>

#include <cmath>
#include <deque>
#include <memory>

using namespace Qt::StringLiterals;
using pb::ManualClock;
using pb::SystemClock;
using pb::intents::RateLimiter;
using pb::intents::RateLimiterConfig;

namespace {

RateLimiterConfig config(double ceiling, double burst)
{
    RateLimiterConfig c;
    c.host = u"test.example"_s;
    c.ceilingPerSecond = ceiling;
    c.burst = burst;
    c.floorPerSecond = 0.5;
    return c;
}

int drain(RateLimiter &limiter)
{
    int n = 0;
    while (limiter.tryAcquire())
        ++n;
    return n;
}

// A server with its own token bucket, as the sandbox enforces it: a refusal carries
// Retry-After = whole seconds until the next token, at least 1.
struct SimulatedServer
{
    double rate;
    double burst;
    double tokens;
    qint64 last = 0;

    bool accept(qint64 nowMs, int *retryAfter)
    {
        tokens = std::min(burst, tokens + double(nowMs - last) * rate / 1000.0);
        last = nowMs;
        if (tokens >= 1.0) {
            tokens -= 1.0;
            return true;
        }
        *retryAfter = std::max(1, int(std::ceil((1.0 - tokens) / rate)));
        return false;
    }
};

} // namespace

class TestRateLimiter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void burstThenSteadyRefill_data();
    void burstThenSteadyRefill();
    void waitUntilNextToken();
    void rateLimitedHalvesOncePerHold();
    void halvingStopsAtTheFloor();
    void latencyRiseSlowsDown();
    void lastingLatencyChangeIsLearnt();
    void jitterOnFastLinkDoesNotSlowDown();
    void recoveryAfterSlowDownIsAdditive();
    void recoveryAfter429SettlesBelowTheRefusedRate();
    void retryAfterPausesTheBucket();
    void acquireServesWaitersInOrder();
    void acquireDropsWaitersWhoseContextIsGone();
    void acquireWithTheRealTimer();
    void steadyStateUnderServerLimit_data();
    void steadyStateUnderServerLimit();
};

void TestRateLimiter::burstThenSteadyRefill_data()
{
    QTest::addColumn<double>("rate");
    QTest::addColumn<double>("burst");
    QTest::addColumn<qint64>("idleMs");
    QTest::addColumn<int>("granted");

    QTest::newRow("no idle, nothing") << 10.0 << 5.0 << 0LL << 0;
    QTest::newRow("just short of a token") << 10.0 << 5.0 << 99LL << 0;
    QTest::newRow("one token") << 10.0 << 5.0 << 100LL << 1;
    QTest::newRow("three tokens") << 10.0 << 5.0 << 350LL << 3;
    QTest::newRow("long idle is capped at the burst") << 10.0 << 5.0 << 60000LL << 5;
    QTest::newRow("burst of one") << 50.0 << 1.0 << 10000LL << 1;
    QTest::newRow("slow rate") << 0.5 << 3.0 << 4000LL << 2;
}

void TestRateLimiter::burstThenSteadyRefill()
{
    QFETCH(double, rate);
    QFETCH(double, burst);
    QFETCH(qint64, idleMs);
    QFETCH(int, granted);

    ManualClock clock;
    RateLimiterConfig c = config(rate, burst);
    c.floorPerSecond = 0.1;
    RateLimiter limiter(clock, c);
    // A new bucket starts full.
    QCOMPARE(drain(limiter), int(burst));
    clock.advance(idleMs);
    QCOMPARE(drain(limiter), granted);
}

void TestRateLimiter::waitUntilNextToken()
{
    ManualClock clock;
    RateLimiter limiter(clock, config(4, 1));
    QCOMPARE(limiter.msUntilAvailable(clock.monotonicMs()), 0LL);
    QVERIFY(limiter.tryAcquire());
    QCOMPARE(limiter.msUntilAvailable(clock.monotonicMs()), 250LL);
    clock.advance(100);
    QCOMPARE(limiter.msUntilAvailable(clock.monotonicMs()), 150LL);
    // tryAcquire(now) with an explicit time, as the engine's tests use it.
    QVERIFY(!limiter.tryAcquire(clock.monotonicMs() + 149));
    QVERIFY(limiter.tryAcquire(clock.monotonicMs() + 150));
}

void TestRateLimiter::rateLimitedHalvesOncePerHold()
{
    ManualClock clock;
    RateLimiter limiter(clock, config(16, 4));
    QSignalSpy changed(&limiter, &RateLimiter::rateChanged);
    QCOMPARE(limiter.currentRate(), 16.0);

    limiter.onRateLimited(std::nullopt);
    QCOMPARE(limiter.currentRate(), 8.0);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toDouble(), 8.0);
    // The bucket is emptied: what we saved is what the server just refused.
    QVERIFY(!limiter.tryAcquire());

    // Answers to requests that were already in flight: no further halving within the hold.
    clock.advance(300);
    limiter.onRateLimited(std::nullopt);
    limiter.onRateLimited(std::nullopt);
    QCOMPARE(limiter.currentRate(), 8.0);

    clock.advance(limiter.config().decreaseHoldMs);
    limiter.onRateLimited(std::nullopt);
    QCOMPARE(limiter.currentRate(), 4.0);
    QVERIFY(limiter.refusedRate().has_value());
}

void TestRateLimiter::halvingStopsAtTheFloor()
{
    ManualClock clock;
    RateLimiter limiter(clock, config(10, 2));
    for (int i = 0; i < 20; ++i) {
        limiter.onRateLimited(std::nullopt);
        clock.advance(1000);
    }
    QCOMPARE(limiter.currentRate(), 0.5);
    QVERIFY(limiter.refusedRate().value() >= 0.5);
}

void TestRateLimiter::latencyRiseSlowsDown()
{
    ManualClock clock;
    RateLimiter limiter(clock, config(10, 5));
    for (int i = 0; i < 20; ++i) {
        clock.advance(10);
        limiter.onSuccess(100);
    }
    QCOMPARE(limiter.currentRate(), 10.0);
    QCOMPARE(limiter.latencyBaselineMs(), 100.0);

    // Latency triples: one 20 % step down, not one per slow answer.
    for (int i = 0; i < 5; ++i) {
        clock.advance(10);
        limiter.onSuccess(300);
    }
    QCOMPARE(limiter.currentRate(), 8.0);
    QVERIFY(limiter.latencyEwmaMs() > 1.5 * limiter.latencyBaselineMs());
    // Still slow after the hold: another 20 %.
    clock.advance(limiter.config().decreaseHoldMs);
    limiter.onSuccess(300);
    QCOMPARE(limiter.currentRate(), 6.4);
    // A slow-down is not a refusal: no accepted limit is learnt from it.
    QVERIFY(!limiter.refusedRate().has_value());
}

void TestRateLimiter::lastingLatencyChangeIsLearnt()
{
    // A host that is simply farther away now must not be throttled to the floor for ever.
    ManualClock clock;
    RateLimiter limiter(clock, config(10, 5));
    for (int i = 0; i < 20; ++i) {
        clock.advance(100);
        limiter.onSuccess(50);
    }
    for (int i = 0; i < 400; ++i) {
        clock.advance(100);
        limiter.onSuccess(150);
    }
    QVERIFY2(limiter.latencyEwmaMs() <= 1.5 * limiter.latencyBaselineMs(),
             qPrintable(QString::number(limiter.latencyBaselineMs())));
    QVERIFY2(limiter.currentRate() > 5.0, qPrintable(QString::number(limiter.currentRate())));
}

void TestRateLimiter::jitterOnFastLinkDoesNotSlowDown()
{
    // Loopback: 1 ms answers with 4 ms ones among them are 4 × the baseline, not congestion.
    ManualClock clock;
    RateLimiter limiter(clock, config(10, 5));
    for (int i = 0; i < 20; ++i) {
        clock.advance(10);
        limiter.onSuccess(1);
    }
    for (int i = 0; i < 40; ++i) {
        clock.advance(100);
        limiter.onSuccess(i % 2 ? 4 : 1);
    }
    QVERIFY(limiter.latencyEwmaMs() > 1.5 * limiter.latencyBaselineMs());
    QCOMPARE(limiter.currentRate(), 10.0);
    // A real rise (tens of ms more) still slows it down.
    for (int i = 0; i < 5; ++i) {
        clock.advance(10);
        limiter.onSuccess(120);
    }
    QCOMPARE(limiter.currentRate(), 8.0);
}

void TestRateLimiter::recoveryAfterSlowDownIsAdditive()
{
    ManualClock clock;
    RateLimiterConfig c = config(10, 5);
    c.additiveStepPerSecond = 0.5;
    RateLimiter limiter(clock, c);
    for (int i = 0; i < 20; ++i) {
        clock.advance(10);
        limiter.onSuccess(100);
    }
    for (int i = 0; i < 4; ++i) {
        clock.advance(10);
        limiter.onSuccess(400);
    }
    QCOMPARE(limiter.currentRate(), 8.0);
    // Latency back to normal; rate unchanged until a whole quiet period has passed.
    for (int i = 0; i < 10; ++i) {
        clock.advance(10);
        limiter.onSuccess(100);
    }
    QVERIFY(limiter.latencyEwmaMs() < 1.5 * limiter.latencyBaselineMs());
    QCOMPARE(limiter.currentRate(), 8.0);
    clock.advance(c.quietPeriodMs);
    limiter.onSuccess(100);
    QCOMPARE(limiter.currentRate(), 8.5);
    // Within the next quiet period: no change.
    clock.advance(c.quietPeriodMs / 2);
    limiter.onSuccess(100);
    QCOMPARE(limiter.currentRate(), 8.5);
    // Then one step per quiet period, up to the ceiling and no further.
    for (int i = 0; i < 10; ++i) {
        clock.advance(c.quietPeriodMs);
        limiter.onSuccess(100);
    }
    QCOMPARE(limiter.currentRate(), 10.0);
}

void TestRateLimiter::recoveryAfter429SettlesBelowTheRefusedRate()
{
    ManualClock clock;
    RateLimiterConfig c = config(30, 5);
    RateLimiter limiter(clock, c);
    for (int i = 0; i < 40; ++i) {
        clock.advance(50);
        limiter.onSuccess(30);
    }
    QVERIFY(!limiter.refusedRate().has_value());
    limiter.onRateLimited(std::nullopt);
    QCOMPARE(limiter.refusedRate(), std::optional<double>(30.0));
    QCOMPARE(limiter.currentRate(), 15.0);
    const double settle = c.settleFraction * 30.0;

    // Quiet successes: back up quickly, but only to just below the refused rate.
    double previous = limiter.currentRate();
    int periods = 0;
    while (!qFuzzyCompare(limiter.currentRate(), settle) && periods < 8) {
        clock.advance(c.quietPeriodMs);
        limiter.onSuccess(30);
        QVERIFY(limiter.currentRate() > previous);
        QVERIFY(limiter.currentRate() <= settle);
        previous = limiter.currentRate();
        ++periods;
    }
    QVERIFY2(periods <= 5, qPrintable(QString::number(periods))); // one step at a time would take 9
    QCOMPARE(limiter.currentRate(), settle);
    // Then probe upwards only once per probe interval, by a small step.
    clock.advance(c.probeIntervalMs - 1);
    limiter.onSuccess(30);
    QCOMPARE(limiter.currentRate(), settle);
    clock.advance(1);
    limiter.onSuccess(30);
    QVERIFY(limiter.currentRate() > settle);
    QVERIFY(limiter.currentRate() < 30.0);

    // Refused again during the probe: the mark comes down to where the refusal happened. The
    // rate settle held for a whole probe interval is known good, so the limiter steps back to
    // just below it rather than halving (it used to halve here, which cost the ratelimit bench
    // a third of its throughput for seconds after every probe one step too far).
    const double probing = limiter.currentRate();
    QCOMPARE(limiter.knownGoodRate(), settle);
    clock.advance(c.decreaseHoldMs);
    limiter.onRateLimited(std::nullopt);
    QCOMPARE(limiter.refusedRate(), std::optional<double>(probing));
    QCOMPARE(limiter.currentRate(), c.stepBackFraction * settle);

    // A whole probe interval above the mark without refusal: the server allows more now.
    for (int i = 0; i < 6; ++i) {
        clock.advance(c.quietPeriodMs);
        limiter.onSuccess(30);
    }
    for (int i = 0; i < 8; ++i) {
        clock.advance(c.probeIntervalMs);
        limiter.onSuccess(30);
    }
    QVERIFY2(limiter.currentRate() > probing, qPrintable(QString::number(limiter.currentRate())));
    QVERIFY(*limiter.refusedRate() > probing);
}

void TestRateLimiter::retryAfterPausesTheBucket()
{
    ManualClock clock;
    RateLimiter limiter(clock, config(10, 3));
    QVERIFY(limiter.tryAcquire());
    limiter.onRateLimited(3);
    QVERIFY(limiter.isPaused(clock.monotonicMs()));
    QCOMPARE(limiter.pausedUntilMs(), clock.monotonicMs() + 3000);
    // Never earlier than the server asked, whatever the bucket would allow.
    QCOMPARE(limiter.msUntilAvailable(clock.monotonicMs()), 3000LL + 200LL); // pause + one token at 5/s
    clock.advance(2999);
    QVERIFY(!limiter.tryAcquire());
    clock.advance(1);
    // No tokens accrued during the pause: the first one comes one interval after it.
    QVERIFY(!limiter.tryAcquire());
    clock.advance(200);
    QVERIFY(limiter.tryAcquire());
    QVERIFY(!limiter.tryAcquire());

    // A shorter Retry-After does not shorten a pause already running.
    limiter.onRateLimited(10);
    const qint64 until = limiter.pausedUntilMs();
    clock.advance(100);
    limiter.onRateLimited(1);
    QCOMPARE(limiter.pausedUntilMs(), until);

    // An absurd Retry-After is capped by maxPauseMs.
    clock.advance(20000);
    limiter.onRateLimited(86400);
    QCOMPARE(limiter.pausedUntilMs(), clock.monotonicMs() + limiter.config().maxPauseMs);
}

void TestRateLimiter::acquireServesWaitersInOrder()
{
    ManualClock clock;
    RateLimiter limiter(clock, config(10, 1));
    QObject context;
    QList<int> order;
    for (int i = 0; i < 4; ++i)
        limiter.acquire(&context, [&order, i] { order.append(i); });
    // The first token was in the bucket.
    QCOMPARE(order, QList<int>({0}));
    QCOMPARE(limiter.waiting(), 3);
    // Waiters come before anyone trying to jump the queue.
    clock.advance(100);
    QVERIFY(!limiter.tryAcquire());
    limiter.pump();
    QCOMPARE(order, QList<int>({0, 1}));
    // A burst of one: a long wait still releases one waiter per token.
    clock.advance(250);
    limiter.pump();
    QCOMPARE(order, QList<int>({0, 1, 2}));
    clock.advance(100);
    limiter.pump();
    QCOMPARE(order, QList<int>({0, 1, 2, 3}));
    QCOMPARE(limiter.waiting(), 0);

    // A callback may acquire again from inside the pump: it queues and is served later.
    clock.advance(100);
    int nested = 0;
    limiter.acquire(&context, [&] {
        ++nested;
        limiter.acquire(&context, [&] { ++nested; });
    });
    QCOMPARE(nested, 1);
    QCOMPARE(limiter.waiting(), 1);
    clock.advance(100);
    limiter.pump();
    QCOMPARE(nested, 2);
}

void TestRateLimiter::acquireDropsWaitersWhoseContextIsGone()
{
    ManualClock clock;
    RateLimiter limiter(clock, config(10, 1));
    QVERIFY(limiter.tryAcquire());
    int kept = 0, dropped = 0;
    auto gone = std::make_unique<QObject>();
    QObject stays;
    limiter.acquire(gone.get(), [&] { ++dropped; });
    limiter.acquire(&stays, [&] { ++kept; });
    gone.reset();
    clock.advance(100);
    limiter.pump();
    QCOMPARE(dropped, 0);
    // The token went to the live waiter, not to the dead one.
    QCOMPARE(kept, 1);
    QCOMPARE(limiter.waiting(), 0);
}

void TestRateLimiter::acquireWithTheRealTimer()
{
    SystemClock clock;
    RateLimiter limiter(clock, config(100, 1));
    QObject context;
    QList<qint64> grantedAt;
    QElapsedTimer elapsed;
    elapsed.start();
    for (int i = 0; i < 6; ++i)
        limiter.acquire(&context, [&] { grantedAt.append(elapsed.elapsed()); });
    QCOMPARE(grantedAt.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(grantedAt.size(), 6, 5000);
    // Five more tokens at 100/s take at least ~50 ms: the timer paced them.
    QVERIFY2(grantedAt.last() >= 45, qPrintable(QString::number(grantedAt.last())));
}

void TestRateLimiter::steadyStateUnderServerLimit_data()
{
    QTest::addColumn<double>("serverRate");
    QTest::addColumn<double>("serverBurst");
    QTest::addColumn<double>("ceiling");
    QTest::addColumn<double>("clientBurst");
    QTest::addColumn<qint64>("latencyMs");
    // At this moment someone else empties the server's bucket and two 429s in a row (one hold
    // apart) reach the limiter while it is already slowed down: the second one comes at a rate
    // far below the server's limit (paybridge-bench ratelimit once stuck at 79 % that way).
    QTest::addColumn<qint64>("disturbAtMs"); // 0: none
    QTest::addColumn<qint64>("measureFromMs");

    QTest::newRow("20/s, no server burst, ceiling 50") << 20.0 << 1.0 << 50.0 << 5.0 << 40LL << 0LL << 20000LL;
    QTest::newRow("20/s, server burst 10, ceiling 100") << 20.0 << 10.0 << 100.0 << 10.0 << 80LL << 0LL << 20000LL;
    QTest::newRow("5/s, slow host") << 5.0 << 2.0 << 20.0 << 3.0 << 150LL << 0LL << 20000LL;
    QTest::newRow("80/s, fast host") << 80.0 << 5.0 << 200.0 << 10.0 << 30LL << 0LL << 20000LL;
    QTest::newRow("ceiling barely above the limit") << 10.0 << 1.0 << 12.0 << 2.0 << 60LL << 0LL << 20000LL;
    // Back to ≥ 90 % within a minute of the disturbance.
    QTest::newRow("50/s, 429s at a low rate") << 50.0 << 5.0 << 100.0 << 5.0 << 2LL << 40000LL << 100000LL;
    QTest::newRow("20/s, 429s at a low rate") << 20.0 << 1.0 << 50.0 << 5.0 << 40LL << 60000LL << 120000LL;
}

void TestRateLimiter::steadyStateUnderServerLimit()
{
    QFETCH(double, serverRate);
    QFETCH(double, serverBurst);
    QFETCH(double, ceiling);
    QFETCH(double, clientBurst);
    QFETCH(qint64, latencyMs);
    QFETCH(qint64, disturbAtMs);
    QFETCH(qint64, measureFromMs);

    ManualClock clock;
    RateLimiterConfig c = config(ceiling, clientBurst);
    RateLimiter limiter(clock, c);
    SimulatedServer server{serverRate, serverBurst, serverBurst};

    struct Answer
    {
        qint64 at;
        bool ok;
        int retryAfter;
    };
    std::deque<Answer> inFlight; // constant latency: answers come back in send order

    const qint64 warmUpMs = measureFromMs;
    const qint64 endMs = 200000;
    qint64 sent = 0, refused = 0, accepted = 0;
    for (qint64 t = 0; t < endMs; ++t) {
        if (disturbAtMs > 0 && (t == disturbAtMs || t == disturbAtMs + c.decreaseHoldMs)) {
            server.tokens = 0;
            limiter.onRateLimited(1);
        }
        while (!inFlight.empty() && inFlight.front().at <= t) {
            const Answer a = inFlight.front();
            inFlight.pop_front();
            if (a.ok)
                limiter.onSuccess(latencyMs);
            else
                limiter.onRateLimited(a.retryAfter);
        }
        // Unlimited demand: send whenever the limiter allows.
        while (limiter.tryAcquire()) {
            int retryAfter = 0;
            const bool ok = server.accept(t, &retryAfter);
            inFlight.push_back(Answer{t + latencyMs, ok, retryAfter});
            if (t >= warmUpMs) {
                ++sent;
                ok ? ++accepted : ++refused;
            }
        }
        clock.advance(1);
    }
    const double seconds = double(endMs - warmUpMs) / 1000.0;
    const double achieved = double(accepted) / seconds;
    const double refusedShare = sent ? double(refused) / double(sent) : 1.0;
    const QString summary = u"achieved "_s + QString::number(achieved, 'f', 2) + u" of "_s
        + QString::number(serverRate) + u" req/s, refused "_s + QString::number(refusedShare * 100, 'f', 2)
        + u" %, final rate "_s + QString::number(limiter.currentRate(), 'f', 2);
    qDebug().noquote() << summary;
    QVERIFY2(achieved >= 0.9 * serverRate, qPrintable(summary));
    QVERIFY2(refusedShare < 0.01, qPrintable(summary));
}

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_rate_limiter.moc"
