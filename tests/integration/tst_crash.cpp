// Crash test: a batch of refunds, captures and voids is planned with `paybridge … --queue`, then
// `paybridge serve` works on it and is killed with SIGKILL at random (seeded) moments and
// restarted until every intent is finished. The sandbox's books then must show every operation
// exactly once at PayTrace, exactly one Magento document each and exactly one ERP entry each
// (none for a void of an uncaptured authorization), and nothing may be left in doubt.
//
// Small by default (CI). The large run:
//   PAYBRIDGE_CRASH_OPS=1000 PAYBRIDGE_CRASH_KILLS=100 tests/with-session ctest --test-dir build/test -R tst_crash
// Other knobs: PAYBRIDGE_CRASH_SEED (kill timing and the choice of orders), PAYBRIDGE_CRASH_ORDERS
// (sandbox size), PAYBRIDGE_CRASH_DEADLINE_S (how long the kill/restart loop may take),
// PAYBRIDGE_CRASH_LATENCY_MS (how long the sandbox holds back the answer to every write).
#include "cliworld.h"

#include "intents/intentjournal.h"
#include "store/database.h"
#include "util/clock.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <memory>
#include <vector>

using namespace Qt::StringLiterals;
using pb::test::CliRun;
using pb::test::CliWorld;
using pb::test::TargetOrder;

namespace {

const QString kProfile = u"CrashRun"_s;

int envInt(const char *name, int fallback)
{
    bool ok = false;
    const int v = qEnvironmentVariableIntValue(name, &ok);
    return ok && v > 0 ? v : fallback;
}

struct Operation
{
    QString kind;     // refund | capture | void
    TargetOrder order;
    qint64 amountMinor = 0; // what must move at PayTrace
    bool partial = false;
};

QString decimal(qint64 minor)
{
    return u"%1.%2"_s.arg(minor / 100).arg(minor % 100, 2, 10, QChar(u'0'));
}

} // namespace

class TestCrash : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void killedServiceConvergesExactlyOnce();

private:
    bool planAll(const QList<Operation> &ops, QString *error);
    // Intents not finished yet (planned, sending, retry_wait, in_doubt, needs_person, dead).
    std::optional<QList<QJsonObject>> openIntents(QString *error);
    void startServe(QProcess &serve);

    CliWorld m_world;
    int m_ops = 24;
    int m_kills = 20;
    quint64 m_seed = 1;
    int m_deadlineS = 150;
    int m_latencyMs = 1000;
};

void TestCrash::initTestCase()
{
    m_ops = envInt("PAYBRIDGE_CRASH_OPS", 24);
    m_kills = envInt("PAYBRIDGE_CRASH_KILLS", 20);
    m_seed = quint64(envInt("PAYBRIDGE_CRASH_SEED", 1));
    m_deadlineS = envInt("PAYBRIDGE_CRASH_DEADLINE_S", m_ops > 100 ? 6 * 3600 : 150);
    m_latencyMs = envInt("PAYBRIDGE_CRASH_LATENCY_MS", 1000);
    // About half the generated orders are simple settled payments; open authorizations are few.
    const int orders = envInt("PAYBRIDGE_CRASH_ORDERS", std::max(400, m_ops * 5 / 2));
    QString error;
    QVERIFY2(m_world.start(orders, m_seed, &error), qPrintable(error));
    QVERIFY2(m_world.addProfile(kProfile, &error), qPrintable(error));
    // A send a kill interrupted is concluded "did not happen" only after the settle window
    // (at least twice the request timeout): the defaults (60 s, 120 s) would outlast the run.
    const QStringList timing{u"profile"_s, u"set-timing"_s, kProfile, u"--request-timeout"_s, u"5"_s,
                             u"--in-doubt-settle"_s, u"10"_s};
    const CliRun timed = m_world.paybridge(timing);
    QVERIFY2(timed.exitCode == 0, qPrintable(timed.describe(timing)));
    const QStringList sync{u"sync"_s, u"--profile"_s, kProfile, u"--once"_s};
    const CliRun synced = m_world.paybridge(sync, {}, 600000);
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.describe(sync)));
    QVERIFY2(m_world.grantFinance(kProfile, &error), qPrintable(error));
}

void TestCrash::cleanupTestCase()
{
    m_world.stop();
}

bool TestCrash::planAll(const QList<Operation> &ops, QString *error)
{
    // A few planners at once: each is a separate process and SQLite serialises their writes.
    constexpr int kParallel = 4;
    qsizetype next = 0;
    std::vector<std::pair<std::unique_ptr<QProcess>, QStringList>> running;
    while (next < ops.size() || !running.empty()) {
        while (running.size() < kParallel && next < ops.size()) {
            const Operation &op = ops.at(next++);
            QStringList args{op.kind, u"--profile"_s, kProfile, u"--order"_s, op.order.incrementId,
                             u"--reason"_s, u"crash test"_s, u"--queue"_s};
            if (op.partial)
                args << u"--amount"_s << decimal(op.amountMinor);
            auto p = std::make_unique<QProcess>();
            p->setProcessEnvironment(m_world.environment());
            p->start(QStringLiteral(PAYBRIDGE_EXE), args);
            running.emplace_back(std::move(p), args);
        }
        auto &[p, args] = running.front();
        if (!p->waitForFinished(180000)) {
            *error = u"planning timed out: "_s + args.join(u' ');
            return false;
        }
        const QString out = QString::fromUtf8(p->readAllStandardOutput());
        if (p->exitStatus() != QProcess::NormalExit || p->exitCode() != 0 || !out.contains(u"outcome=queued"_s)) {
            *error = u"paybridge %1 → exit %2\n%3\n%4"_s.arg(args.join(u' ')).arg(p->exitCode())
                         .arg(out, QString::fromUtf8(p->readAllStandardError()));
            return false;
        }
        running.erase(running.begin());
    }
    return true;
}

std::optional<QList<QJsonObject>> TestCrash::openIntents(QString *error)
{
    const QStringList args{u"queue"_s, u"--profile"_s, kProfile, u"--state"_s, u"open"_s, u"--format"_s, u"jsonl"_s};
    const CliRun r = m_world.paybridge(args);
    bool ok = false;
    const QList<QJsonObject> rows = CliWorld::jsonLines(r.out, &ok);
    if (r.exitCode != 0 || !ok) {
        *error = r.describe(args);
        return std::nullopt;
    }
    return rows;
}

void TestCrash::startServe(QProcess &serve)
{
    // A long sync interval: one sync per start is plenty; intents run every second.
    m_world.startPaybridge(serve, {u"serve"_s, u"--profile"_s, kProfile, u"--interval"_s, u"3600"_s,
                                   u"--intent-interval"_s, u"1"_s, u"--stop-deadline"_s, u"20"_s});
}

void TestCrash::killedServiceConvergesExactlyOnce()
{
    QString error;
    const auto targets = m_world.findTargets(kProfile, &error);
    QVERIFY2(targets, qPrintable(error));

    // The batch: up to a sixth captures and a sixth voids (open authorizations are scarce), the
    // rest refunds, every third of them partial.
    QList<Operation> ops;
    QList<TargetOrder> auths = targets->openAuths;
    const int authOps = std::min<int>(int(auths.size()), m_ops / 3);
    for (int i = 0; i < authOps; ++i) {
        const TargetOrder t = auths.takeFirst();
        ops << Operation{i % 2 == 0 ? u"capture"_s : u"void"_s, t, t.amountMinor, false};
    }
    QList<TargetOrder> refundable = targets->refundable;
    QVERIFY2(refundable.size() >= m_ops - authOps,
             qPrintable(u"only %1 refundable orders for %2 refunds: raise PAYBRIDGE_CRASH_ORDERS"_s
                            .arg(refundable.size()).arg(m_ops - authOps)));
    for (int i = 0; ops.size() < m_ops; ++i) {
        const TargetOrder t = refundable.at(i);
        const bool partial = i % 3 == 2 && t.amountMinor >= 200;
        ops << Operation{u"refund"_s, t, partial ? t.amountMinor / 2 : t.amountMinor, partial};
    }

    // Everything PayTrace did before the run, so that nothing new outside the batch goes unseen.
    const auto before = m_world.adminGet(u"/__admin/ledger"_s, &error);
    QVERIFY2(before, qPrintable(error));
    const qsizetype ledgerBefore = before->value("entries"_L1).toArray().size();

    QElapsedTimer clock;
    clock.start();
    QVERIFY2(planAll(ops, &error), qPrintable(error));
    const qint64 planMs = clock.elapsed();
    const auto planned = openIntents(&error);
    QVERIFY2(planned, qPrintable(error));
    const qsizetype intentCount = planned->size();
    QVERIFY2(intentCount >= 2 * ops.size(), qPrintable(u"%1 intents for %2 operations"_s.arg(intentCount).arg(ops.size())));

    // Every write's effect happens at once but its answer is held back (sandbox "latency" rule),
    // so the batch outlasts the kills and many kills land between an effect and its answer:
    // the lost-answer case the janitor must settle without sending twice. Exports and lookups
    // (also POSTs at PayTrace, but under /transactions/export/) stay fast.
    {
        QJsonArray rules;
        const auto latency = [&](const QString &id, const QString &path) {
            rules.append(QJsonObject{{u"id"_s, id}, {u"path"_s, path}, {u"method"_s, u"POST"_s},
                                     {u"kind"_s, u"latency"_s}, {u"probability"_s, 1.0}, {u"latency_ms"_s, m_latencyMs}});
        };
        // Some refunds reach PayTrace only after their request timed out (a slow gateway):
        // the janitor must wait for the settle window rather than send them again.
        rules.append(QJsonObject{{u"id"_s, u"crash-late-refund"_s}, {u"path"_s, u"/paytrace/v1/transactions/refund/*"_s},
                                 {u"method"_s, u"POST"_s}, {u"kind"_s, u"late_effect"_s}, {u"probability"_s, 0.25},
                                 {u"delay_ms"_s, 6000}});
        latency(u"crash-capture"_s, u"/paytrace/v1/transactions/authorization/capture"_s);
        latency(u"crash-void"_s, u"/paytrace/v1/transactions/void"_s);
        latency(u"crash-refund"_s, u"/paytrace/v1/transactions/refund/*"_s);
        latency(u"crash-magento"_s, u"/magento/*"_s);
        QVERIFY2(m_world.adminPost(u"/__admin/faults"_s, QJsonObject{{u"rules"_s, rules}}, &error), qPrintable(error));
    }

    // Kill at random moments, restart, until the queue is empty (or the kills are used up).
    QRandomGenerator rng{quint32(m_seed)};
    int kills = 0;
    bool drained = false;
    QElapsedTimer loop;
    loop.start();
    int secondRuns = 0;
    while (kills < m_kills && loop.elapsed() < qint64(m_deadlineS) * 1000) {
        QProcess serve;
        startServe(serve);
        QVERIFY2(serve.waitForStarted(20000), "paybridge serve did not start");
        // A second process on the store while serve sends: every other round a sync, which
        // must leave serve's sends alone (they have a live owner).
        QProcess second;
        if (kills % 2 == 1) {
            m_world.startPaybridge(second, {u"sync"_s, u"--profile"_s, kProfile, u"--once"_s});
            ++secondRuns;
        }
        // From right after start-up (recovery, the janitor) to well into sending.
        const int delayMs = 150 + int(rng.bounded(2850));
        QTest::qWait(delayMs);
        if (second.state() != QProcess::NotRunning)
            QVERIFY2(second.waitForFinished(180000), "the second process never ended");
        if (serve.state() != QProcess::Running) {
            QFAIL(qPrintable(u"paybridge serve ended by itself (exit %1):\n%2"_s.arg(serve.exitCode())
                                 .arg(QString::fromUtf8(serve.readAll()).right(4000))));
        }
        serve.kill(); // SIGKILL: nothing gets to clean up
        serve.waitForFinished(20000);
        ++kills;
        const auto open = openIntents(&error);
        QVERIFY2(open, qPrintable(error));
        if (open->isEmpty()) {
            drained = true;
            break;
        }
    }

    // Then let one service finish the rest undisturbed and stop it the polite way.
    QString lastLog;
    if (!drained) {
        QProcess serve;
        startServe(serve);
        QVERIFY2(serve.waitForStarted(20000), "paybridge serve did not start");
        const qint64 until = loop.elapsed() + std::max<qint64>(120000, qint64(m_deadlineS) * 1000 - loop.elapsed());
        while (loop.elapsed() < until) {
            QTest::qWait(1500);
            const auto open = openIntents(&error);
            QVERIFY2(open, qPrintable(error));
            // What only a person could decide, or a dead letter, will not change by waiting.
            const bool stuck = !open->isEmpty() && std::all_of(open->begin(), open->end(), [](const QJsonObject &o) {
                const QString s = o.value("state"_L1).toString();
                return s == u"needs_person" || s == u"dead";
            });
            if (open->isEmpty() || stuck) {
                drained = open->isEmpty();
                break;
            }
        }
        serve.terminate(); // SIGTERM: finish or park within the deadline, exit 0
        QVERIFY2(serve.waitForFinished(40000), "paybridge serve did not stop within 40 s of SIGTERM");
        lastLog = QString::fromUtf8(serve.readAll());
        QVERIFY2(serve.exitStatus() == QProcess::NormalExit && serve.exitCode() == 0,
                 qPrintable(u"exit %1 after SIGTERM:\n%2"_s.arg(serve.exitCode()).arg(lastLog.right(4000))));
    }
    const qint64 runMs = loop.elapsed();

    const auto open = openIntents(&error);
    QVERIFY2(open, qPrintable(error));
    if (!open->isEmpty()) {
        QStringList rows;
        int needsPerson = 0;
        for (const QJsonObject &o : *open) {
            rows << QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
            needsPerson += o.value("state"_L1).toString() == u"needs_person";
        }
        qInfo("{\"test\":\"crash\",\"open_intents\":%d,\"needs_person\":%d}", int(open->size()), needsPerson);
        QFAIL(qPrintable(u"%1 intents not finished after %2 kills:\n%3\n%4"_s.arg(open->size()).arg(kills)
                             .arg(rows.mid(0, 30).join(u'\n'), lastLog.right(3000))));
    }

    // The books.
    const auto ledger = m_world.adminGet(u"/__admin/ledger"_s, &error);
    QVERIFY2(ledger, qPrintable(error));
    const auto documents = m_world.adminGet(u"/__admin/magento/documents"_s, &error);
    QVERIFY2(documents, qPrintable(error));
    QHash<QString, int> paytraceCount;   // "<operation> <invoice>"
    QHash<QString, qint64> paytraceMinor;
    const QJsonArray entries = ledger->value("entries"_L1).toArray();
    int strayMoney = 0;
    QSet<QString> batchOrders;
    for (const Operation &op : std::as_const(ops))
        batchOrders.insert(op.order.incrementId);
    for (qsizetype i = ledgerBefore; i < entries.size(); ++i) {
        const QJsonObject e = entries.at(i).toObject();
        const QString operation = e.value("operation"_L1).toString();
        if (operation != u"capture" && operation != u"void" && operation != u"refund")
            continue;
        const QString key = operation + u' ' + e.value("invoice_id"_L1).toString();
        ++paytraceCount[key];
        paytraceMinor[key] += e.value("amount_minor"_L1).toInteger();
        if (!batchOrders.contains(e.value("invoice_id"_L1).toString()))
            ++strayMoney;
    }
    QHash<QString, int> documentCount; // "<kind> <increment id>"
    for (const QJsonValue &v : documents->value("documents"_L1).toArray()) {
        const QJsonObject d = v.toObject();
        ++documentCount[d.value("kind"_L1).toString() + u' ' + d.value("order_increment_id"_L1).toString()];
        if (d.value("captured_online_by_magento"_L1).toBool() || d.value("refunded_online_by_magento"_L1).toBool())
            ++strayMoney;
    }
    QHash<QString, int> erpCount; // increment id → entries naming it in their ref
    {
        QFile journal(m_world.journalPath(kProfile));
        if (journal.open(QIODevice::ReadOnly)) {
            static const QRegularExpression header(u"^\\d{4}-\\d{2}-\\d{2} .*ref:(\\S+)"_s);
            for (const QString &line : QString::fromUtf8(journal.readAll()).split(u'\n')) {
                const auto m = header.match(line);
                if (!m.hasMatch())
                    continue;
                for (const QString &part : m.captured(1).split(u':'))
                    if (batchOrders.contains(part))
                        ++erpCount[part];
            }
        }
    }

    int duplicates = 0;
    QStringList problems;
    for (const Operation &op : std::as_const(ops)) {
        const QString inc = op.order.incrementId;
        const QString key = op.kind + u' ' + inc;
        const int atGateway = paytraceCount.value(key);
        const QString docKind = op.kind == u"refund" ? u"creditmemo"_s : op.kind == u"capture" ? u"invoice"_s : u"cancel"_s;
        const int docs = documentCount.value(docKind + u' ' + inc);
        const int erp = erpCount.value(inc);
        const int erpExpected = op.kind == u"void" ? 0 : 1; // a void of an uncaptured authorization books nothing
        duplicates += std::max(0, atGateway - 1) + std::max(0, docs - 1) + std::max(0, erp - erpExpected);
        if (atGateway != 1 || paytraceMinor.value(key) != op.amountMinor || docs != 1 || erp != erpExpected)
            problems << u"%1 %2: PayTrace %3× (%4 of %5), Magento %6 %7×, ERP %8× (expected %9)"_s
                            .arg(op.kind, inc).arg(atGateway).arg(decimal(paytraceMinor.value(key)), decimal(op.amountMinor))
                            .arg(docKind).arg(docs).arg(erp).arg(erpExpected);
    }

    // How often the janitor had to decide: attempts interrupted by a kill, and its lookups.
    int interrupted = 0, lookups = 0, sends = 0;
    {
        const QString connection = u"tst-crash-reader"_s;
        {
            auto db = pb::store::Database::openReader(m_world.storePath(kProfile), connection);
            QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
            const pb::intents::IntentJournal journal(db.value(), pb::SystemClock::instance());
            qint64 after = 0;
            for (;;) {
                const auto page = journal.listByState(pb::intents::IntentState::Succeeded, 500, after);
                QVERIFY2(page, qPrintable(page ? QString() : page.error().toString()));
                for (const auto &intent : page.value()) {
                    const auto attempts = journal.attempts(intent.id);
                    QVERIFY2(attempts, qPrintable(attempts ? QString() : attempts.error().toString()));
                    for (const auto &a : attempts.value()) {
                        sends += a.action == u"send";
                        lookups += a.action == u"lookup";
                        interrupted += a.action == u"send" && a.toState == u"in_doubt";
                    }
                }
                if (page->size() < 500)
                    break;
                after = page->last().id;
            }
        }
        pb::store::Database::close(connection);
    }

    const QJsonObject figures{{u"test"_s, u"crash"_s},
                              {u"operations"_s, int(ops.size())},
                              {u"intents"_s, int(intentCount)},
                              {u"kills"_s, kills},
                              {u"second_process_runs"_s, secondRuns},
                              {u"plan_s"_s, double(planMs) / 1000.0},
                              {u"run_s"_s, double(runMs) / 1000.0},
                              {u"sends"_s, sends},
                              {u"interrupted_sends"_s, interrupted},
                              {u"janitor_lookups"_s, lookups},
                              {u"duplicates"_s, duplicates},
                              {u"needs_person"_s, 0},
                              {u"stray_money_movements"_s, strayMoney}};
    qInfo("%s", QJsonDocument(figures).toJson(QJsonDocument::Compact).constData());

    QVERIFY2(problems.isEmpty(), qPrintable(problems.mid(0, 40).join(u'\n')));
    QCOMPARE(duplicates, 0);
    QCOMPARE(strayMoney, 0);
    QVERIFY2(kills >= std::min(m_kills, 3), qPrintable(u"only %1 kills: the work finished too early"_s.arg(kills)));
}

QTEST_GUILESS_MAIN(TestCrash)
#include "tst_crash.moc"
