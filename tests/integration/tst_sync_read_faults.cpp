// The sync's reads under faults: Magento order pages and PayTrace export days pass the host's
// rate limiter and are retried one by one (backoff with jitter, Retry-After honoured), so a
// single sync against a rate-limited, faulty sandbox ends with the store a fault-free sync
// produces. A read that fails for good (permission gone, retries used up) fails the sync and
// leaves its poll's cursor where it was; the next sync then reads the same again.
#include "faults.h"
#include "magentosim.h"
#include "sandbox.h"
#include "store/cursorrepository.h"
#include "store/database.h"
#include "sync/intentrunner.h"
#include "sync/readgate.h"
#include "sync/syncengine.h"
#include "syncworld.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>
#include <QTimeZone>

#include <cmath>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

constexpr quint64 kSeed = 41;
constexpr int kOrders = 1500; // several order pages of SyncEngine::kMagentoPageSize
// Glob paths of the reads (faults.h): order pages and PayTrace day exports, nothing else.
const auto kOrderPages = u"/magento/*/V1/orders"_s;
const auto kExportDays = u"/paytrace/v1/transactions/export/by_date_range"_s;

struct Snapshot
{
    QStringList orders;
    QStringList transactions;
    QStringList cursors;
    QStringList links;
};

QString diff(const QStringList &expected, const QStringList &actual)
{
    QStringList out;
    for (const QString &s : expected)
        if (!actual.contains(s))
            out << u"- "_s + s;
    for (const QString &s : actual)
        if (!expected.contains(s))
            out << u"+ "_s + s;
    if (out.isEmpty() && expected.size() != actual.size())
        out << u"(same lines, different counts: %1 vs %2)"_s.arg(expected.size()).arg(actual.size());
    return out.mid(0, 12).join(u'\n');
}

// Requests the sandbox saw (refused ones included) whose key matches.
qint64 seen(const sandbox::SandboxStats &stats, QStringView method, QStringView pathSuffix)
{
    qint64 n = 0;
    for (auto it = stats.requests.cbegin(); it != stats.requests.cend(); ++it)
        if (it.key().startsWith(method) && it.key().endsWith(pathSuffix))
            n += it.value();
    return n;
}

class World
{
public:
    explicit World(const QDateTime &start)
    {
        sandbox::SandboxOptions options;
        options.orders = kOrders;
        options.seed = kSeed;
        options.startTime = start;
        m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    }
    ~World() { m_engine.reset(); }

    bool start(QString *error)
    {
        if (!m_sandbox->start(error))
            return false;
        m_config = test::sandboxSyncConfig(sb(), m_home.path(), u"reads"_s, u"boss"_s);
        // An answer that never comes costs this long, not the default minute.
        m_config.requestTimeoutMs = 1500;
        m_engine = std::make_unique<sync::SyncEngine>(m_config);
        return true;
    }

    sandbox::Sandbox &sb() { return *m_sandbox->sandbox(); }
    sync::SyncEngine &engine() { return *m_engine; }

    // One run of the engine on this thread; the error code when it failed.
    bool sync(QString *failure = nullptr, qint64 *elapsedMs = nullptr)
    {
        QSignalSpy finished(m_engine.get(), &sync::SyncEngine::finished);
        QSignalSpy failed(m_engine.get(), &sync::SyncEngine::failed);
        QElapsedTimer t;
        t.start();
        m_engine->runOnce();
        while (finished.isEmpty() && failed.isEmpty() && t.elapsed() < 120000)
            QTest::qWait(10);
        if (elapsedMs)
            *elapsedMs = t.elapsed();
        if (failure)
            *failure = failed.isEmpty() ? (finished.isEmpty() ? u"timeout"_s : QString())
                                        : failed.first().first().value<Error>().code;
        return !finished.isEmpty();
    }

    QStringList rows(const QString &sql)
    {
        QStringList out;
        {
            auto db = store::Database::openReader(m_config.databasePath, u"reads.probe"_s);
            if (!db)
                return {u"cannot open the store: "_s + db.error().toString()};
            QSqlQuery q(db.value());
            if (!q.exec(sql))
                out << u"query failed: "_s + sql;
            while (q.next()) {
                QStringList cols;
                for (int c = 0; c < q.record().count(); ++c)
                    cols << q.value(c).toString();
                out << cols.join(u' ');
            }
        }
        store::Database::close(u"reads.probe"_s);
        return out;
    }

    QString cursor(QLatin1StringView name)
    {
        return rows(u"SELECT value FROM sync_cursors WHERE name = '%1'"_s.arg(name)).value(0);
    }

    // Through the store's own repository, as the engine writes it.
    bool setCursor(QLatin1StringView name, const QString &value)
    {
        bool ok = false;
        {
            auto db = store::Database::openWriter(m_config.databasePath, u"reads.plant"_s);
            if (!db)
                return false;
            ok = bool(store::CursorRepository(db.value()).set(name, value));
        }
        store::Database::close(u"reads.plant"_s);
        return ok;
    }

    Snapshot snapshot()
    {
        Snapshot s;
        s.orders = rows(u"SELECT increment_id, state, status, currency, grand_total, total_paid, total_invoiced, "
                        "total_refunded, total_due, updated_at, pay_authorized, pay_captured, pay_refunded, pay_voided, "
                        "pay_status, pay_txn_count FROM orders ORDER BY entity_id"_s);
        s.transactions = rows(u"SELECT type, status, amount, currency, batch, invoice_id, card_type, card_last4, "
                              "created_at, settled_at FROM gateway_transactions"_s);
        s.transactions.sort();
        s.cursors = rows(u"SELECT name, value FROM sync_cursors WHERE name IN ('%1', '%2') ORDER BY name"_s
                             .arg(sync::SyncEngine::kMagentoCursor, sync::SyncEngine::kPayTraceCursor));
        s.links = rows(u"SELECT o.increment_id, t.invoice_id FROM order_transaction_links l "
                       "JOIN orders o ON o.entity_id = l.order_entity_id "
                       "JOIN gateway_transactions t ON t.transaction_id = l.transaction_id"_s);
        s.links.sort();
        return s;
    }

private:
    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    sync::SyncConfig m_config;
    std::unique_ptr<sync::SyncEngine> m_engine;
};

// Each of `kinds` on both reads with `probability`; returns the ids of the 429 rules per host.
std::pair<QString, QString> installReadFaults(sandbox::Sandbox &sb, const QList<sandbox::FaultKind> &kinds,
                                              double probability)
{
    std::pair<QString, QString> ids;
    for (const auto &[path, method] : {std::pair{kOrderPages, u"GET"_s}, std::pair{kExportDays, u"POST"_s}}) {
        for (sandbox::FaultKind kind : kinds) {
            sandbox::FaultRule rule;
            rule.path = path;
            rule.method = method;
            rule.kind = kind;
            rule.probability = probability;
            rule.retryAfterSeconds = 1;
            const QString id = sb.faults().add(rule);
            if (kind == sandbox::FaultKind::Http429)
                (path == kOrderPages ? ids.first : ids.second) = id;
        }
    }
    return ids;
}

quint64 fired(sandbox::Sandbox &sb, const QString &ruleId)
{
    for (const sandbox::FaultRule &r : sb.faults().rules())
        if (r.id == ruleId)
            return r.fired;
    return 0;
}

} // namespace

class TestSyncReadFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void oneSyncConverges_data();
    void oneSyncConverges();
    void failedReadKeepsCursor_data();
    void failedReadKeepsCursor();

private:
    QDateTime m_start;
    Snapshot m_expected;
};

void TestSyncReadFaults::initTestCase()
{
    // One generation time for every world, so every sandbox holds the same data.
    m_start = QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), QTimeZone::utc());
    World clean(m_start);
    QString error;
    QVERIFY2(clean.start(&error), qPrintable(error));
    QVERIFY2(clean.sync(&error), qPrintable(error));
    m_expected = clean.snapshot();
    QCOMPARE(m_expected.orders.size(), qsizetype(kOrders));
    QVERIFY(!m_expected.transactions.isEmpty());
    QVERIFY2(m_expected.cursors.size() == 2, qPrintable(m_expected.cursors.join(u'\n')));
    const sandbox::SandboxStats stats = clean.sb().stats();
    QCOMPARE(stats.served429, qint64(0));
    QCOMPARE(clean.engine().magentoReads()->stats().retries, qint64(0));
}

void TestSyncReadFaults::oneSyncConverges_data()
{
    using K = sandbox::FaultKind;
    QTest::addColumn<double>("limitPerSecond"); // both hosts; 0: none
    QTest::addColumn<QList<sandbox::FaultKind>>("kinds");
    QTest::addColumn<double>("probability"); // per kind and request

    // Below the limiter's ceilings (PayTrace 10, Magento 20 requests/s): it has to learn.
    QTest::newRow("rate limit") << 4.0 << QList<K>{} << 0.0;
    QTest::newRow("5xx and resets") << 0.0 << QList<K>{K::Http500, K::Http502, K::Http503, K::Reset, K::ResetAfter} << 0.05;
    QTest::newRow("broken bodies and timeouts") << 0.0 << QList<K>{K::Truncate, K::Malformed, K::Timeout} << 0.07;
    QTest::newRow("429 with Retry-After") << 0.0 << QList<K>{K::Http429} << 0.15;
    QTest::newRow("everything") << 5.0
                                << QList<K>{K::Latency, K::Timeout, K::Reset, K::ResetAfter, K::Http500, K::Http502,
                                            K::Http503, K::Http429, K::Truncate, K::Malformed}
                                << 0.022;
}

void TestSyncReadFaults::oneSyncConverges()
{
    QFETCH(double, limitPerSecond);
    QFETCH(QList<sandbox::FaultKind>, kinds);
    QFETCH(double, probability);

    World w(m_start);
    QString error;
    QVERIFY2(w.start(&error), qPrintable(error));
    const sandbox::RateLimit limit{limitPerSecond, 2};
    w.sb().paytraceRateLimiter().configure(limit);
    w.sb().magentoRateLimiter().configure(limit);
    const auto [magento429, paytrace429] = installReadFaults(w.sb(), kinds, probability);

    qint64 elapsed = 0;
    QVERIFY2(w.sync(&error, &elapsed), qPrintable(error));
    const Snapshot actual = w.snapshot();
    QVERIFY2(actual.orders == m_expected.orders, qPrintable(diff(m_expected.orders, actual.orders)));
    QVERIFY2(actual.transactions == m_expected.transactions, qPrintable(diff(m_expected.transactions, actual.transactions)));
    QVERIFY2(actual.links == m_expected.links, qPrintable(diff(m_expected.links, actual.links)));
    QVERIFY2(actual.cursors == m_expected.cursors, qPrintable(diff(m_expected.cursors, actual.cursors)));

    const sandbox::SandboxStats stats = w.sb().stats();
    const auto &mg = w.engine().magentoReads()->stats();
    const auto &pt = w.engine().paytraceReads()->stats();
    // Magento reads through the gate: order pages, and the customer part's pages, its attribute
    // check and its by-id checks of customers gone from the id scan (docs/customers.md).
    const qint64 pages = seen(stats, u"GET", u"/V1/orders") + seen(stats, u"GET", u"/V1/customers/search")
        + seen(stats, u"GET", u"/V1/customers/:id") + seen(stats, u"GET", u"/customer/attribute/paytrace_customer_id");
    // PayTrace reads: the transaction export and the batch list of each day.
    const qint64 days = seen(stats, u"POST", u"/export/by_date_range") + seen(stats, u"POST", u"/batches/export");
    qInfo("%.1f s; Magento %lld page requests (%lld retried, %lld refused by the limit); PayTrace %lld day requests "
          "(%lld retried, %lld refused by the limit); %lld faults",
          elapsed / 1000.0, pages, mg.retries, stats.rateLimitedMagento, days, pt.retries, stats.rateLimitedPayTrace,
          stats.faultsInjected);
    // Every attempt reached the sandbox. (Qt's network manager itself sends a request once
    // more when a kept-alive connection was reset under it: at most one extra per fault.)
    QVERIFY2(pages >= mg.attempts && pages <= mg.attempts + stats.faultsInjected,
             qPrintable(u"%1 page requests for %2 attempts"_s.arg(pages).arg(mg.attempts)));
    QVERIFY2(days >= pt.attempts && days <= pt.attempts + stats.faultsInjected,
             qPrintable(u"%1 day requests for %2 attempts"_s.arg(days).arg(pt.attempts)));
    if (kinds.isEmpty()) {
        QCOMPARE(pages, mg.attempts);
        QCOMPARE(days, pt.attempts);
    }

    if (!kinds.isEmpty()) {
        QVERIFY2(stats.faultsInjected > 0, "the faults must have been felt");
        QVERIFY(mg.retries + pt.retries > 0);
    }
    if (limitPerSecond > 0) {
        // The 36 day exports go one after the other: far faster than the limit unless held back.
        QVERIFY2(stats.rateLimitedPayTrace > 0, "the limit must have been felt");
        QVERIFY(w.engine().intentRunner()->paytraceLimiter().refusedRate().has_value());
        // A client that ignored the 429s or their Retry-After would be refused again and again.
        // Allowed: one refusal per halving from the limiter's ceiling (PayTrace 10, Magento 20)
        // down to the server's limit while it learns, then at most one in eight requests.
        const auto allowed = [&](double ceiling, qint64 requests) {
            return qint64(std::ceil(std::log2(ceiling / limitPerSecond))) + requests / 8;
        };
        QVERIFY2(stats.rateLimitedPayTrace <= allowed(10, days),
                 qPrintable(u"%1 of %2 refused"_s.arg(stats.rateLimitedPayTrace).arg(days)));
        QVERIFY2(stats.rateLimitedMagento <= allowed(20, pages),
                 qPrintable(u"%1 of %2 refused"_s.arg(stats.rateLimitedMagento).arg(pages)));
        // Sent, not only accepted: the client's own rate stays near the server's.
        const double sentPerSecond = double(days) * 1000.0 / double(elapsed);
        QVERIFY2(sentPerSecond <= 1.5 * limitPerSecond, qPrintable(QString::number(sentPerSecond)));
    }
    if (kinds.contains(sandbox::FaultKind::Http429) && limitPerSecond == 0) {
        // Each day export waits for the one before, so every injected 429 on PayTrace holds
        // the sync back by its Retry-After (1 s) at least.
        const quint64 refused = fired(w.sb(), paytrace429);
        QVERIFY2(refused > 0, "no 429 was injected on the day exports");
        QVERIFY2(elapsed >= qint64(refused) * 1000,
                 qPrintable(u"%1 ms for %2 refusals of 1 s each"_s.arg(elapsed).arg(refused)));
        QVERIFY(fired(w.sb(), magento429) + refused == quint64(mg.rateLimited + pt.rateLimited));
    }
}

void TestSyncReadFaults::failedReadKeepsCursor_data()
{
    QTest::addColumn<QString>("host");       // the host whose read fails: "magento" or "paytrace"
    QTest::addColumn<bool>("permanent");     // a refused permission rather than a 503 every time
    QTest::addColumn<QString>("failureCode");

    QTest::newRow("order pages: permission taken away") << u"magento"_s << true << u"magento.auth"_s;
    QTest::newRow("order pages: retries used up") << u"magento"_s << false << u"magento.unreachable"_s;
    QTest::newRow("day exports: retries used up") << u"paytrace"_s << false << u"paytrace.unreachable"_s;
}

void TestSyncReadFaults::failedReadKeepsCursor()
{
    QFETCH(QString, host);
    QFETCH(bool, permanent);
    QFETCH(QString, failureCode);
    const bool magento = host == u"magento";

    World w(m_start);
    QString error;
    QVERIFY2(w.start(&error), qPrintable(error));
    QVERIFY2(w.sync(&error), qPrintable(error));
    // Older cursors than a good sync leaves: had the failing poll moved its cursor, it would show.
    const QLatin1StringView name = magento ? sync::SyncEngine::kMagentoCursor : sync::SyncEngine::kPayTraceCursor;
    const QString planted = magento ? m_start.addDays(-20).toString(Qt::ISODateWithMs)
                                    : QDate::fromString(w.cursor(name), Qt::ISODate).addDays(-6).toString(Qt::ISODate);
    QVERIFY(w.setCursor(name, planted));
    QCOMPARE(w.cursor(name), planted);

    if (permanent) {
        QStringList acl = sandbox::MagentoSimulator::defaultGrantedResources();
        QCOMPARE(acl.removeAll(u"Magento_Sales::actions_view"_s), qsizetype(1));
        w.sb().magento().setGrantedResources(acl);
    } else {
        sandbox::FaultRule rule;
        rule.path = magento ? kOrderPages : kExportDays;
        rule.kind = sandbox::FaultKind::Http503;
        rule.probability = 1.0;
        rule.retryAfterSeconds = 0;
        w.sb().faults().add(rule);
    }
    w.sb().resetStats();
    const qint64 attemptsBefore = magento ? w.engine().magentoReads()->stats().attempts
                                          : w.engine().paytraceReads()->stats().attempts;

    QString failure;
    QVERIFY(!w.sync(&failure));
    QCOMPARE(failure, failureCode);
    QCOMPARE(w.cursor(name), planted);

    // Permanent: asked once. Transient: as often as the read policy allows, then given up.
    const qint64 expectedAttempts = permanent ? 1 : sync::HostReadGate::readRetryConfig().transient.maxAttempts;
    const sandbox::SandboxStats stats = w.sb().stats();
    const qint64 requests = magento ? seen(stats, u"GET", u"/V1/orders") : seen(stats, u"POST", u"/export/by_date_range");
    QCOMPARE(requests, expectedAttempts);
    const auto &gate = magento ? w.engine().magentoReads()->stats() : w.engine().paytraceReads()->stats();
    QCOMPARE(gate.attempts - attemptsBefore, expectedAttempts);

    // Fixed: the next sync reads from the kept cursor and ends where a fault-free sync does.
    w.sb().faults().clear();
    w.sb().magento().setGrantedResources(sandbox::MagentoSimulator::defaultGrantedResources());
    QVERIFY2(w.sync(&error), qPrintable(error));
    const Snapshot actual = w.snapshot();
    QVERIFY2(actual.cursors == m_expected.cursors, qPrintable(diff(m_expected.cursors, actual.cursors)));
    QVERIFY2(actual.orders == m_expected.orders, qPrintable(diff(m_expected.orders, actual.orders)));
    QVERIFY2(actual.transactions == m_expected.transactions, qPrintable(diff(m_expected.transactions, actual.transactions)));
}

QTEST_GUILESS_MAIN(TestSyncReadFaults)
#include "tst_sync_read_faults.moc"
