// The first end-to-end sync: the real SyncService (engine on its worker thread, real HTTP,
// real SQLite) against the sandbox simulators on loopback.
#include "sandbox.h"
#include "paytracesim.h"
#include "store/database.h"
#include "store/linkrepository.h"
#include "store/orderrepository.h"
#include "store/transactionrepository.h"
#include "sync/syncservice.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>
#include <QTimer>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

sync::SyncConfig configFor(const sandbox::Sandbox &sb, const QString &dbPath)
{
    sync::SyncConfig config;
    config.profileName = QStringLiteral("e2e");
    config.databasePath = dbPath;
    config.paytraceUrl = sb.paytraceUrl().toString();
    config.magentoUrl = sb.magentoUrl().toString();
    config.magentoAuth = QStringLiteral("oauth1"); // Magento 2.4.4+ refuses Bearer by default
    config.historyDays = 35;
    for (const auto &[key, value] : sb.credentials())
        config.secrets.insert(key, value);
    return config;
}

struct RunResult
{
    bool ok = false;
    sync::SyncSummary summary;
    Error error;
};

RunResult runSync(sync::SyncService &service, int timeoutMs = 120000)
{
    QSignalSpy finished(&service, &sync::SyncService::finished);
    QSignalSpy failed(&service, &sync::SyncService::failed);
    service.syncNow();
    RunResult r;
    QElapsedTimer waited;
    waited.start();
    while (finished.isEmpty() && failed.isEmpty() && waited.elapsed() < timeoutMs)
        QTest::qWait(20);
    if (finished.isEmpty() && failed.isEmpty()) {
        r.error = makeError(QStringLiteral("test.timeout"), {}, QStringLiteral("the sync did not finish in time"));
        return r;
    }
    if (!finished.isEmpty()) {
        r.ok = true;
        r.summary = finished.first().first().value<sync::SyncSummary>();
    } else {
        r.error = failed.first().first().value<Error>();
    }
    return r;
}

qint64 scalar(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

qint64 toCurrencyDigits(qint64 value, int scale, int digits)
{
    qint64 factor = 1;
    for (int i = digits; i < scale; ++i)
        factor *= 10;
    if (factor == 1)
        return value;
    const qint64 q = value / factor;
    const qint64 r = value % factor;
    const qint64 twice = 2 * (r < 0 ? -r : r);
    if (twice < factor || (twice == factor && q % 2 == 0))
        return q;
    return value < 0 ? q - 1 : q + 1;
}

QString scalarText(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql) || !q.next())
        return {};
    return q.value(0).toString();
}

} // namespace

class TestSyncEndToEnd : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fullSyncMatchesSandbox();
    void secondRunChangesNothing();
    void guiEventLoopKeepsTurning();
    void wrongPasswordFailsClearly();

private:
    test::IsolatedHome m_home;
};

void TestSyncEndToEnd::fullSyncMatchesSandbox()
{
    sandbox::SandboxOptions options;
    options.orders = 400;
    options.seed = 7;
    sandbox::SandboxThread sandbox(options);
    QString error;
    QVERIFY2(sandbox.start(&error), qPrintable(error));
    sandbox::Sandbox &sb = *sandbox.sandbox();

    const QString dbPath = m_home.path() + QStringLiteral("/full.sqlite");
    sync::SyncService service(configFor(sb, dbPath));
    const RunResult run = runSync(service);
    QVERIFY2(run.ok, qPrintable(run.error.toString()));

    const auto generatedOrders = sb.generated().orders;
    const auto gatewayTransactions = sb.paytrace().transactions();
    QCOMPARE(run.summary.ordersTotal, int(generatedOrders.size()));
    QCOMPARE(run.summary.ordersFetched, int(generatedOrders.size()));
    QCOMPARE(run.summary.transactionsTotal, int(gatewayTransactions.size()));

    // Every gateway transaction whose invoice is an order number is linked to that order.
    QSet<QString> incrementIds;
    for (const auto &o : generatedOrders)
        incrementIds.insert(o.incrementId);
    int expectedLinked = 0;
    for (const auto &t : gatewayTransactions)
        expectedLinked += incrementIds.contains(t.invoiceId) ? 1 : 0;
    // The untidy account adds phone orders with a mistyped invoice: the fallback (amount, time,
    // card) links those on top, each checked below.
    QVERIFY2(run.summary.linked >= expectedLinked, qPrintable(QString::number(run.summary.linked)));
    QCOMPARE(run.summary.unlinkedTransactions, int(gatewayTransactions.size()) - run.summary.linked);
    int fallbackLinks = 0;

    auto db = store::Database::openReader(dbPath, QStringLiteral("e2e-check"));
    QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
    {
        QSqlDatabase conn = db.value();
        store::OrderRepository orders(conn);
        store::TransactionRepository transactions(conn);
        store::LinkRepository links(conn);
        // Amounts arrive exactly: compare every order's grand total and every transaction amount.
        for (const auto &o : generatedOrders) {
            const auto stored = orders.find(o.entityId);
            QVERIFY(stored && stored.value());
            QCOMPARE(stored.value()->incrementId, o.incrementId);
            // Stored at the currency's digits; the sandbox keeps Magento's finer scale where an
            // order has one, and PayBridge rounds half-even (docs/magento.md).
            QCOMPARE(stored.value()->grandTotal.minor(),
                     toCurrencyDigits(o.grandTotal, o.exponent, stored.value()->currency.exponent()));
            QCOMPARE(stored.value()->status, o.status);
        }
        for (const auto &t : gatewayTransactions) {
            const QString id = QString::number(t.id);
            const auto stored = transactions.find(id);
            QVERIFY2(stored && stored.value(), qPrintable(id));
            QCOMPARE(stored.value()->amount.minor(), t.amount);
            QCOMPARE(stored.value()->invoiceId, t.invoiceId);
            const auto linkedOrder = links.orderForTransaction(id);
            QVERIFY(linkedOrder);
            const QString rule = scalarText(conn, u"SELECT rule FROM order_transaction_links WHERE transaction_id = '%1'"_s.arg(id));
            if (incrementIds.contains(t.invoiceId)) {
                QVERIFY(linkedOrder.value().has_value());
                QCOMPARE(orders.find(*linkedOrder.value()).value()->incrementId, t.invoiceId);
                QVERIFY2(rule.startsWith(u"key:"_s), qPrintable(rule));
            } else if (linkedOrder.value().has_value()) {
                // A fallback link only where the charged amount and the card agree.
                ++fallbackLinks;
                QVERIFY2(rule.startsWith(u"fallback:"_s), qPrintable(id + u' ' + rule));
                const auto order = orders.find(*linkedOrder.value());
                QVERIFY(order && order.value());
                const Money charged = order.value()->baseGrandTotal.isValid() ? order.value()->baseGrandTotal
                                                                              : order.value()->grandTotal;
                QCOMPARE(charged.minor(), t.amount);
                QCOMPARE(order.value()->cardLast4, t.card.last4);
            }
        }
        QCOMPARE(expectedLinked + fallbackLinks, run.summary.linked);
        QCOMPARE(scalar(conn, QStringLiteral("SELECT COUNT(*) FROM sync_runs WHERE outcome = 'ok'")), 1);
    }
    store::Database::close(QStringLiteral("e2e-check"));
}

void TestSyncEndToEnd::secondRunChangesNothing()
{
    sandbox::SandboxOptions options;
    options.orders = 150;
    options.seed = 11;
    sandbox::SandboxThread sandbox(options);
    QVERIFY(sandbox.start());
    const QString dbPath = m_home.path() + QStringLiteral("/twice.sqlite");
    sync::SyncService service(configFor(*sandbox.sandbox(), dbPath));

    const RunResult first = runSync(service);
    QVERIFY2(first.ok, qPrintable(first.error.toString()));
    auto snapshot = [&] {
        auto db = store::Database::openReader(dbPath, QStringLiteral("twice-check"));
        QString s;
        {
            QSqlDatabase conn = db.value();
            QSqlQuery q(conn);
            // Everything but bookkeeping times: the data itself must not change.
            q.exec(QStringLiteral("SELECT entity_id, status, grand_total, total_paid, pay_status, pay_captured, "
                                  "pay_refunded, pay_txn_count FROM orders ORDER BY entity_id"));
            while (q.next())
                for (int i = 0; i < 8; ++i)
                    s += q.value(i).toString() + QLatin1Char('|');
            q.exec(QStringLiteral("SELECT transaction_id, order_entity_id FROM order_transaction_links ORDER BY 1"));
            while (q.next())
                s += q.value(0).toString() + QLatin1Char('>') + q.value(1).toString() + QLatin1Char(';');
        }
        store::Database::close(QStringLiteral("twice-check"));
        return s;
    };
    const QString before = snapshot();
    const RunResult second = runSync(service);
    QVERIFY2(second.ok, qPrintable(second.error.toString()));
    QCOMPARE(second.summary.ordersTotal, first.summary.ordersTotal);
    QCOMPARE(second.summary.transactionsTotal, first.summary.transactionsTotal);
    QCOMPARE(second.summary.linked, first.summary.linked);
    QCOMPARE(snapshot(), before);
}

void TestSyncEndToEnd::guiEventLoopKeepsTurning()
{
    // The thread running this test stands in for the GUI thread: a 10 ms timer must keep firing
    // while a large sync runs, because the engine works on its own thread.
    sandbox::SandboxOptions options;
    options.orders = 4000;
    options.seed = 3;
    sandbox::SandboxThread sandbox(options);
    QVERIFY(sandbox.start());
    sync::SyncService service(configFor(*sandbox.sandbox(), m_home.path() + QStringLiteral("/big.sqlite")));

    QElapsedTimer sinceTick;
    qint64 worstGapMs = 0;
    int ticks = 0;
    QTimer timer;
    timer.setInterval(10);
    QObject::connect(&timer, &QTimer::timeout, [&] {
        if (ticks++ > 0)
            worstGapMs = std::max(worstGapMs, sinceTick.elapsed());
        sinceTick.restart();
    });
    int progressSignals = 0;
    QObject::connect(&service, &sync::SyncService::progress, [&] { ++progressSignals; });
    timer.start();
    sinceTick.start();
    QElapsedTimer total;
    total.start();
    const RunResult run = runSync(service, 300000);
    timer.stop();
    QVERIFY2(run.ok, qPrintable(run.error.toString()));
    QCOMPARE(run.summary.ordersTotal, 4000);
    qInfo("sync of 4000 orders took %lld ms; %d timer ticks; worst gap %lld ms; %d progress signals",
          total.elapsed(), ticks, worstGapMs, progressSignals);
    QVERIFY(progressSignals > 1);
    QVERIFY(ticks > total.elapsed() / 10 / 4); // at least a quarter of the ideal tick count
    QVERIFY2(worstGapMs < 250, qPrintable(QStringLiteral("event loop stalled for %1 ms").arg(worstGapMs)));
}

void TestSyncEndToEnd::wrongPasswordFailsClearly()
{
    sandbox::SandboxOptions options;
    options.orders = 10;
    sandbox::SandboxThread sandbox(options);
    QVERIFY(sandbox.start());
    sync::SyncConfig config = configFor(*sandbox.sandbox(), m_home.path() + QStringLiteral("/wrong.sqlite"));
    config.secrets.insert(QStringLiteral("paytrace.password"), QStringLiteral("not-the-password"));
    sync::SyncService service(config);
    QSignalSpy states(&service, &sync::SyncService::stateChanged);
    const RunResult run = runSync(service);
    QVERIFY(!run.ok);
    QCOMPARE(run.error.code, QStringLiteral("paytrace.auth"));
    QVERIFY2(!run.error.message.contains(QStringLiteral("not-the-password")), qPrintable(run.error.message));
    QCOMPARE(service.state(), sync::SyncState::Failed);
}

QTEST_GUILESS_MAIN(TestSyncEndToEnd)
#include "tst_sync_e2e.moc"
