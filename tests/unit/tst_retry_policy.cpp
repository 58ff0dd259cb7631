// pb::intents::RetryPolicy: per-class decisions, full-jitter bounds, caps, Retry-After,
// determinism with a seed. Time comes from a ManualClock.
#include "intents/retrypolicy.h"
#include "util/clock.h"

#include <QTest>

#include <climits>

using namespace Qt::StringLiterals;
using pb::ManualClock;
using pb::intents::BackoffRule;
using pb::intents::RetryDecision;
using pb::intents::RetryPolicy;
using pb::intents::RetryPolicyConfig;
using pb::net::ErrorClass;

namespace {

RetryPolicyConfig testConfig()
{
    RetryPolicyConfig c;
    c.transient = BackoffRule{1000, 60000, 5};
    c.rateLimited = BackoffRule{2000, 120000, 6};
    c.maxRetryAfterMs = 300000;
    return c;
}

} // namespace

Q_DECLARE_METATYPE(pb::net::ErrorClass)
Q_DECLARE_METATYPE(pb::intents::RetryDecision::Kind)

class TestRetryPolicy : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decisions_data();
    void decisions();
    void fullJitterSpreadsOverTheWindow();
    void backoffIsCapped_data();
    void backoffIsCapped();
    void sameSeedSameDelays();
    void retryAtFollowsTheClock();
};

void TestRetryPolicy::decisions_data()
{
    QTest::addColumn<ErrorClass>("errorClass");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<int>("retryAfter"); // -1: none
    QTest::addColumn<RetryDecision::Kind>("kind");
    QTest::addColumn<QString>("code");
    QTest::addColumn<qint64>("minDelay");
    QTest::addColumn<qint64>("maxDelay");

    using K = RetryDecision::Kind;
    QTest::newRow("transient, first retry within base") << ErrorClass::Transient << 1 << -1 << K::RetryAt << QString() << 0LL << 1000LL;
    QTest::newRow("transient, third retry within 4x base") << ErrorClass::Transient << 3 << -1 << K::RetryAt << QString() << 0LL << 4000LL;
    QTest::newRow("transient, last allowed retry") << ErrorClass::Transient << 4 << -1 << K::RetryAt << QString() << 0LL << 8000LL;
    QTest::newRow("transient, attempt limit reached") << ErrorClass::Transient << 5 << -1 << K::DeadLetter << u"retry.exhausted"_s << 0LL << 0LL;
    QTest::newRow("transient, 503 with Retry-After") << ErrorClass::Transient << 1 << 10 << K::RetryAt << QString() << 10000LL << 11000LL;
    QTest::newRow("429 without Retry-After: backoff") << ErrorClass::RateLimited << 2 << -1 << K::RetryAt << QString() << 0LL << 4000LL;
    QTest::newRow("429, Retry-After 30 s never earlier") << ErrorClass::RateLimited << 1 << 30 << K::RetryAt << QString() << 30000LL << 32000LL;
    QTest::newRow("429, Retry-After near the maximum wait") << ErrorClass::RateLimited << 3 << 295 << K::RetryAt << QString() << 295000LL << 300000LL;
    QTest::newRow("429, Retry-After exactly the maximum") << ErrorClass::RateLimited << 1 << 300 << K::RetryAt << QString() << 300000LL << 300000LL;
    QTest::newRow("429, Retry-After beyond the maximum") << ErrorClass::RateLimited << 1 << 301 << K::DeadLetter << u"retry.retry_after_too_long"_s << 0LL << 0LL;
    QTest::newRow("429, Retry-After 0") << ErrorClass::RateLimited << 1 << 0 << K::RetryAt << QString() << 0LL << 2000LL;
    QTest::newRow("429, attempt limit reached") << ErrorClass::RateLimited << 6 << 5 << K::DeadLetter << u"retry.exhausted"_s << 0LL << 0LL;
    QTest::newRow("permanent: dead at once") << ErrorClass::Permanent << 1 << -1 << K::DeadLetter << u"retry.permanent"_s << 0LL << 0LL;
    QTest::newRow("permanent ignores Retry-After") << ErrorClass::Permanent << 1 << 5 << K::DeadLetter << u"retry.permanent"_s << 0LL << 0LL;
    QTest::newRow("auth: dead, a person fixes credentials") << ErrorClass::Auth << 1 << -1 << K::DeadLetter << u"retry.auth"_s << 0LL << 0LL;
    QTest::newRow("tls: never retried") << ErrorClass::Tls << 1 << -1 << K::DeadLetter << u"retry.tls"_s << 0LL << 0LL;
    QTest::newRow("in doubt: janitor, never blind") << ErrorClass::InDoubt << 1 << -1 << K::InDoubt << QString() << 0LL << 0LL;
    QTest::newRow("in doubt even on the first attempt with Retry-After") << ErrorClass::InDoubt << 1 << 30 << K::InDoubt << QString() << 0LL << 0LL;
    QTest::newRow("none is not a failure") << ErrorClass::None << 1 << -1 << K::DeadLetter << u"retry.no_error"_s << 0LL << 0LL;
}

void TestRetryPolicy::decisions()
{
    QFETCH(ErrorClass, errorClass);
    QFETCH(int, attempts);
    QFETCH(int, retryAfter);
    QFETCH(RetryDecision::Kind, kind);
    QFETCH(QString, code);
    QFETCH(qint64, minDelay);
    QFETCH(qint64, maxDelay);

    ManualClock clock;
    const std::optional<int> ra = retryAfter >= 0 ? std::optional<int>(retryAfter) : std::nullopt;
    // Many seeds: the bounds must hold for every draw, not one lucky one.
    for (quint64 seed = 1; seed <= 200; ++seed) {
        RetryPolicy policy(clock, testConfig(), seed);
        const RetryDecision d = policy.decide(errorClass, attempts, ra);
        QCOMPARE(d.kind, kind);
        QCOMPARE(d.errorClass, errorClass);
        if (kind == RetryDecision::Kind::RetryAt) {
            QVERIFY2(d.delayMs >= minDelay && d.delayMs <= maxDelay,
                     qPrintable(u"delay "_s + QString::number(d.delayMs) + u" outside ["_s
                                + QString::number(minDelay) + u", "_s + QString::number(maxDelay) + u']'));
            QCOMPARE(d.at, clock.nowUtc().addMSecs(d.delayMs));
        } else {
            QCOMPARE(d.reasonCode, code);
            QVERIFY(!d.at.isValid());
        }
        if (kind == RetryDecision::Kind::DeadLetter)
            QVERIFY(!d.reason.isEmpty());
    }
}

void TestRetryPolicy::fullJitterSpreadsOverTheWindow()
{
    // Full jitter: uniform over [0, ceiling], not "ceiling plus a little".
    ManualClock clock;
    RetryPolicy policy(clock, testConfig(), 42);
    const qint64 ceiling = RetryPolicy::backoffCeilingMs(testConfig().transient, 3);
    QCOMPARE(ceiling, 4000LL);
    qint64 lo = LLONG_MAX, hi = 0, sum = 0;
    const int n = 4000;
    for (int i = 0; i < n; ++i) {
        const RetryDecision d = policy.decide(ErrorClass::Transient, 3, std::nullopt);
        QVERIFY(d.isRetry());
        lo = std::min(lo, d.delayMs);
        hi = std::max(hi, d.delayMs);
        sum += d.delayMs;
    }
    QVERIFY2(lo < ceiling / 20, qPrintable(QString::number(lo)));
    QVERIFY2(hi > ceiling - ceiling / 20, qPrintable(QString::number(hi)));
    QVERIFY(hi <= ceiling);
    const qint64 mean = sum / n;
    QVERIFY2(mean > ceiling * 45 / 100 && mean < ceiling * 55 / 100, qPrintable(QString::number(mean)));
}

void TestRetryPolicy::backoffIsCapped_data()
{
    QTest::addColumn<qint64>("base");
    QTest::addColumn<qint64>("cap");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<qint64>("ceiling");

    QTest::newRow("doubling below the cap") << 1000LL << 60000LL << 4 << 8000LL;
    QTest::newRow("first exceeding doubling is cut") << 1000LL << 60000LL << 7 << 60000LL;
    QTest::newRow("large attempt count") << 1000LL << 60000LL << 62 << 60000LL;
    QTest::newRow("huge attempt count, no overflow") << 1000LL << 60000LL << INT_MAX - 1 << 60000LL;
    QTest::newRow("base above cap") << 90000LL << 60000LL << 1 << 60000LL;
    QTest::newRow("zero base") << 0LL << 60000LL << INT_MAX - 1 << 0LL;
}

void TestRetryPolicy::backoffIsCapped()
{
    QFETCH(qint64, base);
    QFETCH(qint64, cap);
    QFETCH(int, attempts);
    QFETCH(qint64, ceiling);
    const BackoffRule rule{base, cap, INT_MAX};
    QCOMPARE(RetryPolicy::backoffCeilingMs(rule, attempts), ceiling);

    ManualClock clock;
    RetryPolicyConfig config;
    config.transient = rule;
    RetryPolicy policy(clock, config, 7);
    for (int i = 0; i < 300; ++i) {
        const RetryDecision d = policy.decide(ErrorClass::Transient, attempts, std::nullopt);
        QVERIFY(d.isRetry());
        QVERIFY(d.delayMs >= 0 && d.delayMs <= ceiling);
    }
}

void TestRetryPolicy::sameSeedSameDelays()
{
    ManualClock clock;
    RetryPolicy a(clock, testConfig(), 1234);
    RetryPolicy b(clock, testConfig(), 1234);
    RetryPolicy c(clock, testConfig(), 4321);
    QList<qint64> da, db, dc;
    for (int i = 0; i < 50; ++i) {
        const int attempt = 1 + i % 4;
        da.append(a.decide(ErrorClass::Transient, attempt, std::nullopt).delayMs);
        db.append(b.decide(ErrorClass::Transient, attempt, std::nullopt).delayMs);
        dc.append(c.decide(ErrorClass::Transient, attempt, std::nullopt).delayMs);
    }
    QCOMPARE(da, db);
    QVERIFY(da != dc);
}

void TestRetryPolicy::retryAtFollowsTheClock()
{
    ManualClock clock(QDateTime(QDate(2025, 3, 9), QTime(9, 59, 59), Qt::UTC));
    RetryPolicy policy(clock, testConfig(), 99);
    const RetryDecision first = policy.decide(ErrorClass::RateLimited, 1, 60);
    QVERIFY(first.isRetry());
    QVERIFY(first.at >= QDateTime(QDate(2025, 3, 9), QTime(10, 0, 59), Qt::UTC));
    QCOMPARE(first.at.timeSpec(), Qt::UTC);

    clock.advanceSeconds(3600);
    const RetryDecision later = policy.decide(ErrorClass::RateLimited, 1, 60);
    QVERIFY(later.at >= QDateTime(QDate(2025, 3, 9), QTime(11, 0, 59), Qt::UTC));
    QCOMPARE(later.at, clock.nowUtc().addMSecs(later.delayMs));
}

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "tst_retry_policy.moc"
