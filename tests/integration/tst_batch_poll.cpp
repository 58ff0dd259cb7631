// The batch poller against the PayTrace simulator: every batch PayTrace reports lands in the
// store with its figures, and polling again changes nothing.

#include "net/httptransport.h"
#include "paytrace/paytraceclient.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/database.h"
#include "sync/batchpoller.h"

#include <QElapsedTimer>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace pb;
using namespace Qt::StringLiterals;

class TestBatchPoll : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void everyBatchStoredOnce();
    void unchangedBatchesAreLeftAlone();

private:
    Result<int> poll();
    // Every row, every column, for comparing the table before and after.
    QStringList dump();

    QTemporaryDir m_dir;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<net::HttpTransport> m_transport;
    std::unique_ptr<paytrace::PayTraceClient> m_client;
    QSqlDatabase m_db;
};

void TestBatchPoll::initTestCase()
{
    QVERIFY(m_dir.isValid());
    sandbox::SandboxOptions options;
    options.orders = 200;
    options.seed = 41;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    m_transport = std::make_unique<net::HttpTransport>();
    paytrace::PayTraceConfig config;
    config.baseUrl = sb.paytraceUrl();
    for (const auto &[key, value] : sb.credentials()) {
        if (key == u"paytrace.username")
            config.username = value;
        if (key == u"paytrace.password")
            config.password = value;
    }
    m_client = std::make_unique<paytrace::PayTraceClient>(m_transport.get(), config);
    auto db = store::Database::openWriter(m_dir.filePath(u"store.sqlite"_s), u"tst-batch-poll"_s);
    QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
    m_db = db.value();
}

void TestBatchPoll::cleanupTestCase()
{
    m_db = QSqlDatabase();
    store::Database::close(u"tst-batch-poll"_s);
    m_client.reset();
    m_transport.reset();
    m_sandbox.reset();
}

Result<int> TestBatchPoll::poll()
{
    // The whole generated history (30 days) and today, in PayTrace's batch clock.
    const QDate today = QDateTime::currentDateTimeUtc().toTimeZone(QTimeZone("America/Los_Angeles")).date();
    std::optional<Result<int>> answer;
    sync::pollBatches(*m_client, m_db, today.addDays(-35), today, this, [&](const Result<int> &r) { answer = r; });
    QElapsedTimer t;
    t.start();
    while (!answer && t.elapsed() < 60000)
        QTest::qWait(10);
    if (!answer)
        return makeError(u"test.timeout"_s, QString(), u"the poll did not finish"_s);
    return *answer;
}

QStringList TestBatchPoll::dump()
{
    QStringList rows;
    QSqlQuery q(m_db);
    if (!q.exec(u"SELECT * FROM gateway_batches ORDER BY batch_number"_s))
        return {u"query failed"_s};
    while (q.next()) {
        QStringList cells;
        for (int c = 0; c < q.record().count(); ++c)
            cells << (q.isNull(c) ? u"NULL"_s : q.value(c).toString());
        rows << cells.join(u'|');
    }
    return rows;
}

void TestBatchPoll::everyBatchStoredOnce()
{
    const Result<int> written = poll();
    QVERIFY2(written, qPrintable(written ? QString() : written.error().toString()));
    const QList<sandbox::PayTraceBatch> batches = m_sandbox->sandbox()->paytrace().batches();
    QVERIFY2(batches.size() >= 20, "the generated month should have closed a batch most days");
    QCOMPARE(*written, int(batches.size()));
    QCOMPARE(*sync::BatchRepository(m_db).count(), qint64(batches.size()));

    // The figures PayTrace reports, as the simulator's own books have them.
    QSqlQuery q(m_db);
    q.prepare(u"SELECT currency, sales_count, sales_amount, refund_count, refund_amount, net_amount, closed_at "
              "FROM gateway_batches WHERE batch_number = ?"_s);
    for (const sandbox::PayTraceBatch &b : batches) {
        q.addBindValue(QString::number(b.number));
        QVERIFY(q.exec());
        QVERIFY2(q.next(), qPrintable(u"batch %1 is missing"_s.arg(b.number)));
        QCOMPARE(q.value(0).toString(), u"USD"_s);
        QCOMPARE(q.value(1).toLongLong(), b.salesCount);
        QCOMPARE(q.value(2).toLongLong(), b.salesAmount);
        QCOMPARE(q.value(3).toLongLong(), b.refundCount);
        QCOMPARE(q.value(4).toLongLong(), b.refundAmount);
        QCOMPARE(q.value(5).toLongLong(), b.netAmount());
        QVERIFY(!q.isNull(6));
        QCOMPARE(q.value(6).toLongLong() / 1000, b.closedAt);
    }
}

void TestBatchPoll::unchangedBatchesAreLeftAlone()
{
    const QStringList before = dump();
    QVERIFY(!before.isEmpty());
    QTest::qWait(20); // a rewrite would show in synced_at
    const Result<int> written = poll();
    QVERIFY2(written, qPrintable(written ? QString() : written.error().toString()));
    QCOMPARE(*written, 0);
    QCOMPARE(dump(), before);
}

QTEST_GUILESS_MAIN(TestBatchPoll)
#include "tst_batch_poll.moc"
