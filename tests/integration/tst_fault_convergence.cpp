// Convergence under faults: the same sandbox data (seed and start time) is run twice through the
// real SyncService — once with no faults, once with both simulated APIs injecting ~20 % faults
// of every kind the sandbox has, a rate limit on each, and a Magento permission taken away (a
// permanent failure). Syncs and a batch of refunds, captures and voids run until quiet. Then the
// permanent failures must sit in the dead-letter queue with their reason; once the permission
// is back and the faults are cleared, replay finishes them. In the end both runs must show the
// same books: PayTrace's ledger, Magento's documents, the ERP journal and the store.
#include "access/operatordirectory.h"
#include "erp/ledgerfilesink.h"
#include "faults.h"
#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTimeZone>
#include <QTest>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

constexpr quint64 kSeed = 29;
constexpr int kOrders = 200;
constexpr auto kFinance = "fin";
// The deadline of each run's "until quiet" loop; a healthy run needs a fraction of it.
constexpr qint64 kQuietDeadlineMs = 60000;

struct Books
{
    QStringList paytraceLedger;   // "operation invoice amount", sorted
    QStringList magentoDocuments; // "kind order amount state status", sorted
    QStringList erpJournal;       // "kind:order amount", sorted
    QStringList orders;           // the store's view of each order's state and money, by entity id
    QStringList transactions;     // the store's gateway transactions, without their ids
    QStringList intents;          // "natural key kind state", sorted
};

QStringList sorted(QStringList l)
{
    l.sort();
    return l;
}

class World
{
public:
    World(const QDateTime &start, bool faulty) : m_faulty(faulty)
    {
        sandbox::SandboxOptions options;
        options.orders = kOrders;
        options.seed = kSeed;
        options.startTime = start;
        m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    }

    bool start(QString *error)
    {
        if (!m_sandbox->start(error))
            return false;
        // Same data as the other run (generated at `start`), but on today's clock from now on,
        // so what PayBridge writes now lands after the rules' start in both runs.
        sb().clock().setNow(QDateTime::currentDateTimeUtc());
        m_config.profileName = u"faults"_s;
        m_config.databasePath = m_home.path() + u"/store.sqlite"_s;
        m_config.journalPath = m_home.path() + u"/journal.ledger"_s;
        m_config.paytraceUrl = sb().paytraceUrl().toString();
        m_config.magentoUrl = sb().magentoUrl().toString();
        m_config.magentoAuth = u"oauth1"_s;
        m_config.historyDays = 35;
        m_config.profileCreatedBy = u"boss"_s;
        // A lost answer costs this long; the default minute would not fit the test's time.
        m_config.requestTimeoutMs = 2000;
        m_config.inDoubtSettleMs = 4000;
        for (const auto &[key, value] : sb().credentials())
            m_config.secrets.insert(key, value);
        m_service = std::make_unique<sync::SyncService>(m_config);
        return true;
    }

    sandbox::Sandbox &sb() { return *m_sandbox->sandbox(); }
    sync::SyncService &service() { return *m_service; }
    const QString &dbPath() const { return m_config.databasePath; }

    bool sync(int timeoutMs = 60000)
    {
        QSignalSpy finished(m_service.get(), &sync::SyncService::finished);
        QSignalSpy failed(m_service.get(), &sync::SyncService::failed);
        m_service->syncNow();
        QElapsedTimer t;
        t.start();
        while (finished.isEmpty() && failed.isEmpty() && t.elapsed() < timeoutMs)
            QTest::qWait(20);
        return !finished.isEmpty();
    }

    bool grantFinance()
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"roles"_s);
        if (!db)
            return false;
        bool ok = false;
        {
            access::OperatorDirectory dir(db.value());
            ok = bool(dir.assignRole(u"boss"_s, QString::fromLatin1(kFinance), access::Role::Finance));
        }
        db.value() = QSqlDatabase();
        store::Database::close(u"roles"_s);
        return ok;
    }

    // Rows of a query over the store, each row's columns joined by spaces.
    QStringList rows(const QString &sql)
    {
        QStringList out;
        auto db = store::Database::openReader(m_config.databasePath, u"probe"_s);
        if (!db)
            return {u"cannot open the store"_s};
        {
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
        db.value() = QSqlDatabase();
        store::Database::close(u"probe"_s);
        return out;
    }

    std::optional<sync::OperationOutcome> plan(sync::OperationKind kind, const QString &order, std::optional<QString> amount)
    {
        sync::OperationRequest r;
        r.kind = kind;
        r.orderIncrementId = order;
        if (amount)
            r.amount = Money::parse(*amount, *Currency::fromCode(u"USD")).value();
        r.reason = u"fault convergence batch"_s;
        r.actor = QString::fromLatin1(kFinance);
        r.planOnly = true; // sent by the runner with everything else, under the faults
        std::optional<sync::OperationOutcome> out;
        QObject context;
        m_service->requestOperation(r, &context, [&](const sync::OperationOutcome &o) { out = o; });
        QElapsedTimer t;
        t.start();
        while (!out && t.elapsed() < 30000)
            QTest::qWait(10);
        return out;
    }

    // Syncs and runs intents until no intent is on its way any more and a sync has succeeded
    // after the last change. Returns false when the deadline passed first.
    bool runUntilQuiet(qint64 deadlineMs, int *syncAttempts, int *syncFailures)
    {
        QElapsedTimer t;
        t.start();
        QStringList last;
        while (t.elapsed() < deadlineMs) {
            m_service->runIntents();
            QTest::qWait(200);
            const bool synced = sync(20000);
            ++*syncAttempts;
            *syncFailures += synced ? 0 : 1;
            m_service->runIntents();
            QTest::qWait(300);
            const QStringList moving = rows(u"SELECT natural_key, state FROM intents WHERE state NOT IN "
                                            "('succeeded', 'dead', 'discarded') ORDER BY id"_s);
            const QStringList now = rows(u"SELECT natural_key, state FROM intents ORDER BY id"_s);
            if (synced && moving.isEmpty() && now == last)
                return true;
            last = now;
        }
        return false;
    }

    Books books()
    {
        Books b;
        for (const sandbox::LedgerEntry &e : sb().paytrace().ledger())
            b.paytraceLedger << e.operation + u' ' + e.invoiceId + u' ' + QString::number(e.amount);
        b.paytraceLedger = sorted(b.paytraceLedger);
        for (const sandbox::MagentoDocument &d : sb().magento().documents())
            b.magentoDocuments << QStringList{d.kind, d.orderIncrementId, QString::number(d.amount), d.stateAfter, d.statusAfter}
                                      .join(u' ');
        b.magentoDocuments = sorted(b.magentoDocuments);
        erp::LedgerFileSink sink(m_config.journalPath);
        if (auto all = sink.readAll(); all) {
            for (const erp::JournalEntry &e : all.value()) {
                // "pb:refund:000000123:<PayTrace id>": the PayTrace id differs between runs.
                const QString ref = e.externalRef.section(u':', 0, 2);
                QString amount;
                if (!e.postings.isEmpty())
                    amount = e.postings.first().amount.toString();
                b.erpJournal << ref + u' ' + amount;
            }
        } else {
            b.erpJournal << u"unreadable journal: "_s + all.error().toString();
        }
        b.erpJournal = sorted(b.erpJournal);
        b.orders = rows(u"SELECT increment_id, state, status, total_paid, total_invoiced, total_refunded, total_due, "
                        "pay_authorized, pay_captured, pay_refunded, pay_voided, pay_status, pay_txn_count "
                        "FROM orders ORDER BY entity_id"_s);
        b.transactions = sorted(rows(u"SELECT type, status, amount, invoice_id FROM gateway_transactions"_s));
        b.intents = sorted(rows(u"SELECT natural_key, kind, state FROM intents"_s));
        return b;
    }

    bool faulty() const { return m_faulty; }

private:
    bool m_faulty;
    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    sync::SyncConfig m_config;
    std::unique_ptr<sync::SyncService> m_service;
};

// ~20 % of the requests to each API fail, spread over every kind of fault the sandbox has: ten
// rules tried one after the other at 2.2 % each fire 1 − 0.978¹⁰ ≈ 20 % of the time.
void installFaults(sandbox::Sandbox &sb)
{
    const sandbox::FaultKind kinds[] = {
        sandbox::FaultKind::Latency, sandbox::FaultKind::Timeout,  sandbox::FaultKind::Reset,
        sandbox::FaultKind::ResetAfter, sandbox::FaultKind::Http500, sandbox::FaultKind::Http502,
        sandbox::FaultKind::Http503, sandbox::FaultKind::Http429, sandbox::FaultKind::Truncate,
        sandbox::FaultKind::Malformed,
    };
    for (const QString &api : {u"/paytrace/*"_s, u"/magento/*"_s}) {
        for (sandbox::FaultKind kind : kinds) {
            sandbox::FaultRule rule;
            rule.path = api;
            rule.kind = kind;
            rule.probability = 0.022;
            rule.latencyMs = kind == sandbox::FaultKind::Latency ? 400 : 0;
            rule.retryAfterSeconds = 1;
            sb.faults().add(rule);
        }
    }
    // Below what the runner would send at its ceilings (10 and 20 requests/s): it must adapt.
    sb.paytraceRateLimiter().configure(sandbox::RateLimit{8, 5});
    sb.magentoRateLimiter().configure(sandbox::RateLimit{12, 5});
}

void clearFaults(sandbox::Sandbox &sb)
{
    sb.faults().clear();
    sb.paytraceRateLimiter().configure(sandbox::RateLimit{});
    sb.magentoRateLimiter().configure(sandbox::RateLimit{});
}

QString diff(const QStringList &expected, const QStringList &actual)
{
    QStringList out;
    for (const QString &s : expected) {
        if (!actual.contains(s))
            out << u"- "_s + s;
    }
    for (const QString &s : actual) {
        if (!expected.contains(s))
            out << u"+ "_s + s;
    }
    if (out.isEmpty() && expected.size() != actual.size())
        out << u"(same lines, different counts: %1 vs %2)"_s.arg(expected.size()).arg(actual.size());
    return out.mid(0, 20).join(u'\n');
}

} // namespace

class TestFaultConvergence : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void faultyRunEndsLikeFaultFreeRun();

private:
    // Plans the batch; returns the number of operations planned.
    int planBatch(World &w);
};

int TestFaultConvergence::planBatch(World &w)
{
    int planned = 0;
    const auto ask = [&](sync::OperationKind kind, const QString &order, std::optional<QString> amount) {
        const auto out = w.plan(kind, order, amount);
        if (!out || out->kind != sync::OperationOutcome::Kind::Queued) {
            qWarning() << "cannot plan" << sync::operationKindName(kind) << order
                       << (out ? out->message : u"no answer"_s);
            return;
        }
        ++planned;
    };
    // Settled, invoiced payments: two partial refunds and two whole ones.
    const QStringList settled = w.rows(u"SELECT increment_id FROM orders WHERE pay_status = 'settled' AND pay_refunded = 0 "
                                       "AND pay_captured > 2000 AND total_invoiced > 0 AND total_refunded = 0 "
                                       "AND state IN ('processing', 'complete') AND currency = 'USD' ORDER BY entity_id LIMIT 4"_s);
    for (qsizetype i = 0; i < settled.size(); ++i)
        ask(sync::OperationKind::Refund, settled.at(i), i < 2 ? std::optional<QString>(u"7.25"_s) : std::nullopt);
    // Open authorizations: captures of the first, voids of the next.
    const QStringList open = w.rows(u"SELECT increment_id FROM orders WHERE pay_status = 'authorized' AND total_invoiced = 0 "
                                    "AND state IN ('new', 'processing') AND currency = 'USD' ORDER BY entity_id LIMIT 6"_s);
    for (qsizetype i = 0; i < open.size(); ++i)
        ask(i % 2 == 0 ? sync::OperationKind::Capture : sync::OperationKind::Void, open.at(i), std::nullopt);
    return planned;
}

void TestFaultConvergence::faultyRunEndsLikeFaultFreeRun()
{
    // One generation time for both runs, so both sandboxes hold the same data.
    const QDateTime start = QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch(), QTimeZone::utc());
    QElapsedTimer clock;
    clock.start();

    Books expected;
    int expectedOps = 0;
    {
        World clean(start, false);
        QString error;
        QVERIFY2(clean.start(&error), qPrintable(error));
        QVERIFY(clean.sync());
        QVERIFY(clean.grantFinance());
        expectedOps = planBatch(clean);
        QVERIFY2(expectedOps >= 6, "the generated data has too few settled payments and open authorizations");
        int attempts = 0;
        int failures = 0;
        QVERIFY(clean.runUntilQuiet(kQuietDeadlineMs, &attempts, &failures));
        QCOMPARE(failures, 0);
        expected = clean.books();
        for (const QString &i : expected.intents)
            QVERIFY2(i.endsWith(u" succeeded"), qPrintable(i));
        QVERIFY(!expected.paytraceLedger.isEmpty());
        qInfo("fault-free run: %d operations, %lld PayTrace movements, %lld Magento documents, %lld ERP entries, %.1f s",
              expectedOps, qint64(expected.paytraceLedger.size()), qint64(expected.magentoDocuments.size()),
              qint64(expected.erpJournal.size()), clock.elapsed() / 1000.0);
    }

    clock.restart();
    World faulty(start, true);
    QString error;
    QVERIFY2(faulty.start(&error), qPrintable(error));
    sandbox::Sandbox &sb = faulty.sb();
    // The first sync reads the history fault-free (a faulty one is retried the same way below).
    QVERIFY(faulty.sync());
    QVERIFY(faulty.grantFinance());

    // A permanent failure: the integration lost the right to create credit memos. Faults and
    // limits are on before the batch is planned, so none of it can slip out before them.
    QStringList acl = sandbox::MagentoSimulator::defaultGrantedResources();
    QVERIFY(acl.removeAll(u"Magento_Sales::creditmemo"_s) == 1);
    sb.magento().setGrantedResources(acl);
    installFaults(sb);
    sb.resetStats();
    QCOMPARE(planBatch(faulty), expectedOps);

    int attempts = 0;
    int failures = 0;
    QVERIFY2(faulty.runUntilQuiet(kQuietDeadlineMs, &attempts, &failures),
             qPrintable(faulty.rows(u"SELECT natural_key, state, attempts, dead_reason, last_error FROM intents "
                                    "WHERE state <> 'succeeded'"_s)
                            .join(u'\n')));
    const sandbox::SandboxStats stats = sb.stats();
    qInfo("faulty run: %lld requests, %lld faults injected, %lld answered 429; %d sync attempts, %d failed",
          stats.totalRequests, stats.faultsInjected, stats.served429, attempts, failures);
    QVERIFY2(stats.faultsInjected > 0 && stats.served429 > 0, "the faults and the rate limit must have been felt");

    // Dead letters: exactly the credit memos, each with its reason; nothing else is lost.
    const QStringList dead = faulty.rows(u"SELECT id, kind, last_error_class, last_error FROM intents WHERE state = 'dead' ORDER BY id"_s);
    const QStringList memos = faulty.rows(u"SELECT id FROM intents WHERE kind = 'magento.creditmemo' ORDER BY id"_s);
    QVERIFY(!memos.isEmpty());
    QCOMPARE(dead.size(), memos.size());
    for (const QString &d : dead) {
        QVERIFY2(d.section(u' ', 1, 1) == u"magento.creditmemo", qPrintable(d));
        QVERIFY2(!d.section(u' ', 2, 2).isEmpty() && !d.section(u' ', 3).trimmed().isEmpty(), qPrintable(d));
    }
    const QStringList reasons = faulty.rows(u"SELECT count(*) FROM intents WHERE state = 'dead' AND dead_reason = ''"_s);
    QCOMPARE(reasons, QStringList{u"0"_s});

    // The cause is fixed and the faults stop: replay finishes them, once.
    sb.magento().setGrantedResources(sandbox::MagentoSimulator::defaultGrantedResources());
    clearFaults(sb);
    for (const QString &d : dead) {
        const qint64 id = d.section(u' ', 0, 0).toLongLong();
        std::optional<Status> replayed;
        QObject context;
        faulty.service().replayIntent(id, QString::fromLatin1(kFinance), u"credit memo permission restored"_s, &context,
                                      [&](const Status &s) { replayed = s; });
        QTRY_VERIFY_WITH_TIMEOUT(replayed.has_value(), 30000);
        QVERIFY2(replayed->ok(), qPrintable(replayed->error().toString()));
    }
    QVERIFY(faulty.runUntilQuiet(30000, &attempts, &failures));
    const Books actual = faulty.books();
    qInfo("faulty run converged in %.1f s", clock.elapsed() / 1000.0);

    QVERIFY2(actual.paytraceLedger == expected.paytraceLedger, qPrintable(diff(expected.paytraceLedger, actual.paytraceLedger)));
    QVERIFY2(actual.magentoDocuments == expected.magentoDocuments,
             qPrintable(diff(expected.magentoDocuments, actual.magentoDocuments)));
    QVERIFY2(actual.erpJournal == expected.erpJournal, qPrintable(diff(expected.erpJournal, actual.erpJournal)));
    QVERIFY2(actual.transactions == expected.transactions, qPrintable(diff(expected.transactions, actual.transactions)));
    QVERIFY2(actual.orders == expected.orders, qPrintable(diff(expected.orders, actual.orders)));
    QVERIFY2(actual.intents == expected.intents, qPrintable(diff(expected.intents, actual.intents)));
}

QTEST_GUILESS_MAIN(TestFaultConvergence)
#include "tst_fault_convergence.moc"
