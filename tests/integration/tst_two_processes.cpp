// Two processes on one store, as a merchant runs PayBridge: `paybridge serve` works through
// queued refunds whose effects reach PayTrace only after their requests timed out (late
// effects), while `paybridge refund` for other orders, `sync --once` and a console's engine
// start and stop beside it. At the end PayTrace's books hold every refund exactly once,
// Magento one credit memo for each, the ERP journal one entry for each, and nothing is in
// doubt. Before the store had an owner per send and a runner lease, `sync --once` marked the
// service's sends as in doubt and a late refund was sent twice.
#include "cliworld.h"

#include "intents/intentjournal.h"
#include "store/database.h"
#include "sync/syncservice.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using pb::test::CliRun;
using pb::test::CliWorld;
using pb::test::TargetOrder;

namespace {

const QString kProfile = u"TwoProcs"_s;

} // namespace

class TestTwoProcesses : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void serviceAndCommandsShareOneStore();
    void refundCommandNeverWaitsForever();

private:
    CliRun run(const QStringList &args, int timeoutMs = 180000) { return m_world.paybridge(args, {}, timeoutMs); }
    // Entries of PayTrace's ledger after `from`, "operation invoice" → count.
    QHash<QString, int> ledgerCounts(qsizetype from, QString *error);

    CliWorld m_world;
    pb::sync::SyncConfig m_console;
};

void TestTwoProcesses::initTestCase()
{
    QString error;
    QVERIFY2(m_world.start(300, 41, &error), qPrintable(error));
    QVERIFY2(m_world.addProfile(kProfile, &error), qPrintable(error));
    // A lost answer costs the request timeout; "did not happen" needs twice that.
    const QStringList timing{u"profile"_s, u"set-timing"_s, kProfile, u"--request-timeout"_s, u"5"_s,
                             u"--in-doubt-settle"_s, u"10"_s};
    const CliRun t = run(timing);
    QVERIFY2(t.exitCode == 0, qPrintable(t.describe(timing)));
    const QStringList sync{u"sync"_s, u"--profile"_s, kProfile, u"--once"_s};
    const CliRun synced = run(sync);
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.describe(sync)));
    QVERIFY2(m_world.grantFinance(kProfile, &error), qPrintable(error));

    // The console's engine: the same store, in this process.
    m_console.profileName = kProfile;
    m_console.databasePath = m_world.storePath(kProfile);
    m_console.journalPath = m_world.journalPath(kProfile);
    m_console.paytraceUrl = m_world.value(u"paytrace_url"_s);
    m_console.magentoUrl = m_world.value(u"magento_url"_s);
    m_console.magentoAuth = u"oauth1"_s; // as the profile: Magento 2.4.4+ refuses Bearer by default
    m_console.historyDays = 35;
    m_console.requestTimeoutMs = 5000;
    m_console.inDoubtSettleMs = 10000;
    m_console.program = u"console"_s;
    for (const char *key : {"paytrace.username", "paytrace.password", "magento.consumer_key", "magento.consumer_secret",
                            "magento.access_token", "magento.access_token_secret"})
        m_console.secrets.insert(QString::fromLatin1(key), m_world.value(QString::fromLatin1(key)));
}

void TestTwoProcesses::cleanupTestCase()
{
    m_world.stop();
}

QHash<QString, int> TestTwoProcesses::ledgerCounts(qsizetype from, QString *error)
{
    QHash<QString, int> out;
    const auto ledger = m_world.adminGet(u"/__admin/ledger"_s, error);
    if (!ledger)
        return out;
    const QJsonArray entries = ledger->value("entries"_L1).toArray();
    for (qsizetype i = from; i < entries.size(); ++i) {
        const QJsonObject e = entries.at(i).toObject();
        out[e.value("operation"_L1).toString() + u' ' + e.value("invoice_id"_L1).toString()] += 1;
    }
    return out;
}

void TestTwoProcesses::serviceAndCommandsShareOneStore()
{
    QString error;
    const auto targets = m_world.findTargets(kProfile, &error);
    QVERIFY2(targets, qPrintable(error));
    QVERIFY2(targets->refundable.size() >= 8, "not enough refundable orders");
    const QList<TargetOrder> queued = targets->refundable.mid(0, 5);
    const QList<TargetOrder> direct = targets->refundable.mid(5, 3);

    const auto before = m_world.adminGet(u"/__admin/ledger"_s, &error);
    QVERIFY2(before, qPrintable(error));
    const qsizetype ledgerBefore = before->value("entries"_L1).toArray().size();

    // Refunds reach PayTrace 6 s after they arrive; PayBridge gives up on an answer after 5 s.
    const QJsonObject late{{u"id"_s, u"late-refunds"_s}, {u"path"_s, u"/paytrace/v1/transactions/refund/*"_s},
                           {u"method"_s, u"POST"_s}, {u"kind"_s, u"late_effect"_s}, {u"delay_ms"_s, 6000},
                           {u"times"_s, 4}};
    QVERIFY2(m_world.adminPost(u"/__admin/faults"_s, QJsonObject{{u"rules"_s, QJsonArray{late}}}, &error),
             qPrintable(error));

    for (const TargetOrder &t : queued) {
        const QStringList args{u"refund"_s, u"--profile"_s, kProfile, u"--order"_s, t.incrementId, u"--amount"_s,
                               u"1.00"_s, u"--reason"_s, u"returned"_s, u"--queue"_s};
        const CliRun r = run(args);
        QVERIFY2(r.exitCode == 0 && r.out.contains(u"outcome=queued"_s), qPrintable(r.describe(args)));
    }

    QProcess serve;
    m_world.startPaybridge(serve, {u"serve"_s, u"--profile"_s, kProfile, u"--interval"_s, u"3600"_s,
                                   u"--intent-interval"_s, u"1"_s, u"--stop-deadline"_s, u"30"_s});
    QVERIFY2(serve.waitForStarted(20000), "paybridge serve did not start");
    QTest::qWait(1500); // serve takes the store's runner lease and starts sending

    // Beside it: refunds asked for on the command line (they wait for serve to send them),
    // two syncs, and a console engine that starts, syncs and stops.
    std::vector<std::unique_ptr<QProcess>> commands;
    for (const TargetOrder &t : direct) {
        auto p = std::make_unique<QProcess>();
        p->setProcessEnvironment(m_world.environment());
        p->start(QStringLiteral(PAYBRIDGE_EXE), {u"refund"_s, u"--profile"_s, kProfile, u"--order"_s, t.incrementId,
                                                 u"--amount"_s, u"2.00"_s, u"--reason"_s, u"returned"_s});
        commands.push_back(std::move(p));
    }
    for (int k = 0; k < 2; ++k) {
        const QStringList sync{u"sync"_s, u"--profile"_s, kProfile, u"--once"_s};
        const CliRun s = run(sync);
        QVERIFY2(s.exitCode == 0, qPrintable(s.describe(sync)));
        QVERIFY2(!s.err.contains(u"now in doubt"_s) && !s.out.contains(u"now in doubt"_s), qPrintable(s.describe(sync)));
    }
    for (int k = 0; k < 2; ++k) {
        pb::sync::SyncService console(m_console);
        QSignalSpy finished(&console, &pb::sync::SyncService::finished);
        QSignalSpy failed(&console, &pb::sync::SyncService::failed);
        console.syncNow();
        QVERIFY(QTest::qWaitFor([&] { return !finished.isEmpty() || !failed.isEmpty(); }, 120000));
        QVERIFY(failed.isEmpty());
    }
    for (auto &p : commands) {
        QVERIFY2(p->state() == QProcess::NotRunning || p->waitForFinished(180000), "paybridge refund never ended");
        const QString out = QString::fromUtf8(p->readAllStandardOutput());
        // Succeeded, or in doubt for now when its late effect was still settling: never lost.
        QVERIFY2(p->exitCode() == 0 || out.contains(u"in_doubt"_s),
                 qPrintable(out + QString::fromUtf8(p->readAllStandardError())));
    }

    // serve finishes the rest: lookups find the late refunds after the settle window.
    QElapsedTimer wait;
    wait.start();
    bool drained = false;
    while (!drained && wait.elapsed() < 150000) {
        QTest::qWait(1000);
        const QStringList queue{u"queue"_s, u"--profile"_s, kProfile, u"--state"_s, u"open"_s, u"--format"_s, u"jsonl"_s};
        const CliRun q = run(queue);
        bool ok = false;
        const auto rows = CliWorld::jsonLines(q.out, &ok);
        QVERIFY2(q.exitCode == 0 && ok, qPrintable(q.describe(queue)));
        drained = rows.isEmpty();
    }
    serve.terminate();
    QVERIFY2(serve.waitForFinished(60000), "paybridge serve did not stop");
    const QString log = QString::fromUtf8(serve.readAll());
    QVERIFY2(drained, qPrintable(u"intents still open after 150 s:\n"_s + log.right(4000)));
    QVERIFY2(!log.contains(u"cannot become succeeded"_s), qPrintable(log.right(4000)));

    // The books: every refund once at PayTrace, one credit memo, one ERP entry.
    const QHash<QString, int> counts = ledgerCounts(ledgerBefore, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const auto documents = m_world.adminGet(u"/__admin/magento/documents"_s, &error);
    QVERIFY2(documents, qPrintable(error));
    QFile journal(m_world.journalPath(kProfile));
    QVERIFY(journal.open(QIODevice::ReadOnly));
    QHash<QString, int> erp; // increment id → journal entries naming it in their reference
    static const QRegularExpression header(u"^\\d{4}-\\d{2}-\\d{2} .*ref:(\\S+)"_s);
    for (const QString &line : QString::fromUtf8(journal.readAll()).split(u'\n')) {
        if (const auto m = header.match(line); m.hasMatch()) {
            for (const QString &part : m.captured(1).split(u':'))
                ++erp[part];
        }
    }
    for (const TargetOrder &t : queued + direct) {
        QCOMPARE(counts.value(u"refund "_s + t.incrementId), 1);
        int memos = 0;
        for (const QJsonValue &d : documents->value("documents"_L1).toArray()) {
            const QJsonObject o = d.toObject();
            memos += o.value("kind"_L1).toString() == u"creditmemo" && o.value("order_increment_id"_L1).toString() == t.incrementId;
        }
        QCOMPARE(memos, 1);
        QCOMPARE(erp.value(t.incrementId), 1);
    }
    // Nothing left to a person and nothing in doubt.
    auto db = pb::store::Database::openReader(m_world.storePath(kProfile), u"books"_s);
    QVERIFY(db);
    QSqlQuery q(db.value());
    QVERIFY(q.exec(u"SELECT COUNT(*) FROM intents WHERE state IN ('in_doubt', 'needs_person', 'dead', 'sending')"_s));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), 0);
    // Each refund was sent once; the late ones were found by lookups, not sent again.
    QVERIFY(q.exec(u"SELECT COUNT(*) FROM intent_attempts a JOIN intents i ON i.id = a.intent_id "
                   "WHERE i.kind = 'paytrace.refund' AND a.action = 'send'"_s));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), int(queued.size() + direct.size()));
    QVERIFY(q.exec(u"SELECT COUNT(*) FROM intent_attempts a JOIN intents i ON i.id = a.intent_id "
                   "WHERE i.kind = 'paytrace.refund' AND a.action = 'lookup' AND a.outcome = 'found'"_s));
    QVERIFY(q.next());
    QVERIFY2(q.value(0).toInt() >= 1, "no late refund was found by a lookup: the late effects did not happen");
    q = QSqlQuery();
    db.value() = QSqlDatabase();
    pb::store::Database::close(u"books"_s);
}

void TestTwoProcesses::refundCommandNeverWaitsForever()
{
    // A process that holds the runner lease but never sends (hung): `paybridge refund` plans
    // its refund, waits, and then ends with exit 1 saying the effect is not confirmed; the
    // refund stays planned for whoever runs intents next.
    QString error;
    const auto targets = m_world.findTargets(kProfile, &error);
    QVERIFY2(targets, qPrintable(error));
    QVERIFY(targets->refundable.size() >= 9);
    const TargetOrder t = targets->refundable.at(8);
    {
        auto db = pb::store::Database::openWriter(m_world.storePath(kProfile), u"hung"_s);
        QVERIFY(db);
        QSqlQuery q(db.value());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QVERIFY(q.prepare(u"INSERT OR REPLACE INTO intent_runner_lease (name, holder, host, pid, program, acquired_at, "
                          "renewed_at, expires_at) VALUES ('intents', ?, ?, ?, 'paybridge serve', ?, ?, ?)"_s));
        const auto me = pb::intents::OwnerId::self();
        q.addBindValue(QString(me.toString() + u"/hung"_s));
        q.addBindValue(me.host);
        q.addBindValue(me.pid);
        q.addBindValue(now);
        q.addBindValue(now);
        q.addBindValue(now + 600000);
        QVERIFY(q.exec());
        q = QSqlQuery();
        db.value() = QSqlDatabase();
        pb::store::Database::close(u"hung"_s);
    }
    const QStringList args{u"refund"_s, u"--profile"_s, kProfile, u"--order"_s, t.incrementId, u"--amount"_s,
                           u"1.00"_s, u"--reason"_s, u"returned"_s};
    QElapsedTimer clock;
    clock.start();
    const CliRun r = run(args, 120000);
    // The profile's request timeout is 5 s: at most twice that and 30 s more.
    QVERIFY2(r.exitCode == 1, qPrintable(r.describe(args)));
    QVERIFY2(clock.elapsed() < 90000, qPrintable(QString::number(clock.elapsed())));
    QVERIFY2(r.out.contains(u"outcome=in_doubt"_s) && r.out.contains(u"error_code=intent.unconfirmed"_s)
                 && r.err.contains(u"could not confirm"_s),
             qPrintable(r.describe(args)));
    auto db = pb::store::Database::openReader(m_world.storePath(kProfile), u"left"_s);
    QVERIFY(db);
    QSqlQuery q(db.value());
    QVERIFY(q.exec(u"SELECT state FROM intents WHERE kind = 'paytrace.refund' AND json_extract(payload, '$.order') = '%1'"_s
                       .arg(t.incrementId)));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toString(), u"planned"_s); // nothing was sent
    q = QSqlQuery();
    db.value() = QSqlDatabase();
    pb::store::Database::close(u"left"_s);
}

QTEST_GUILESS_MAIN(TestTwoProcesses)
#include "tst_two_processes.moc"
