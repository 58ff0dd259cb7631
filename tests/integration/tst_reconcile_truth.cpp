// Ground truth for reconciliation: the sandbox plants one problem of every discrepancy class in
// a generated month, PayBridge syncs it over real HTTP into a real SQLite store, imports the
// processor's settlement report, runs the matcher and saves the run. Every planted problem must
// be found in its class, nothing else may be reported, and the day journals written to a
// ledger file must give, by the real hledger, the totals the generator settled.
#include "erp/dayjournal.h"
#include "erp/ledgerfilesink.h"
#include "magentosim.h"
#include "mapping/mappingprofile.h"
#include "paytracesim.h"
#include "reconcile/matcher.h"
#include "reconcile/reconciliationstore.h"
#include "reconcile/settlementimporter.h"
#include "sandbox.h"
#include "syncworld.h"
#include "settlementreport.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QScopeGuard>
#include <QTest>
#include <QTimeZone>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

sync::SyncConfig configFor(const sandbox::Sandbox &sb, const QString &dbPath)
{
    sync::SyncConfig config;
    config.profileName = u"truth"_s;
    config.databasePath = dbPath;
    config.paytraceUrl = sb.paytraceUrl().toString();
    config.magentoUrl = sb.magentoUrl().toString();
    config.magentoAuth = u"oauth1"_s;
    config.historyDays = 35;
    for (const auto &[key, value] : sb.credentials())
        config.secrets.insert(key, value);
    return config;
}

QString syncOnce(sync::SyncService &service)
{
    QSignalSpy finished(&service, &sync::SyncService::finished);
    QSignalSpy failed(&service, &sync::SyncService::failed);
    service.syncNow();
    QElapsedTimer waited;
    waited.start();
    while (finished.isEmpty() && failed.isEmpty() && waited.elapsed() < 300000)
        QTest::qWait(20);
    if (!failed.isEmpty())
        return failed.first().first().value<Error>().toString();
    return finished.isEmpty() ? u"the sync did not finish in time"_s : QString();
}

struct Found
{
    QString cls;
    QString txn;
    QString order;
    QString explanation;
};

} // namespace

class TestReconcileTruth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plantedMonthIsFoundExactly_data();
    void plantedMonthIsFoundExactly();

private:
    test::IsolatedHome m_home;
};

// Several seeds: each gives another month, other plain candidates and other natural cases
// (captures a day after the authorization, refunds across batches, open authorizations).
void TestReconcileTruth::plantedMonthIsFoundExactly_data()
{
    QTest::addColumn<quint64>("seed");
    QTest::addColumn<int>("orders");
    QTest::addColumn<bool>("untidy");
    QTest::newRow("seed 42") << quint64(42) << 500 << false;
    QTest::newRow("seed 7") << quint64(7) << 400 << false;
    QTest::newRow("seed 2024") << quint64(2024) << 700 << false;
    // The untidy account on top: its terminal sales, mistyped phone orders and second
    // payments are truth of their own, read from the sandbox's books below.
    QTest::newRow("seed 7 untidy") << quint64(7) << 400 << true;
}

void TestReconcileTruth::plantedMonthIsFoundExactly()
{
    QFETCH(quint64, seed);
    QFETCH(int, orders);
    QFETCH(bool, untidy);
    QVERIFY2(!QStandardPaths::findExecutable(u"hledger"_s).isEmpty(),
             "hledger is not installed; run packaging/install-deps.sh");
    sandbox::SandboxOptions options;
    options.orders = orders;
    options.seed = seed;
    options.paytraceUntidy = untidy;
    // Real time: the sync reads history relative to the real clock (historyDays).
    sandbox::SandboxThread thread(options);
    QString error;
    QVERIFY2(thread.start(&error), qPrintable(error));
    sandbox::Sandbox &sb = *thread.sandbox();

    // The month: every batch PayTrace closed.
    QDate from, to;
    for (const auto &b : sb.paytrace().batches()) {
        const QDate d = sandbox::batchDate(b.closedAt);
        from = from.isValid() ? std::min(from, d) : d;
        to = to.isValid() ? std::max(to, d) : d;
    }
    QVERIFY(from.isValid() && from.daysTo(to) >= 20);
    sandbox::SettlementReport report = sandbox::makeSettlementReport(sb.paytrace(), sb.magento(), {from, to});
    if (untidy) {
        // What the untidy account adds, from PayTrace's books: a settled sale whose invoice
        // names no order (a terminal sale, a mistyped phone order) is missing in Magento even
        // where the fallback linked it; a second settled sale on one order is a duplicate charge.
        QSet<QString> increments, plantedTxns;
        for (const auto &o : sb.magento().orders())
            increments.insert(o.incrementId);
        for (const auto &p : report.planted)
            plantedTxns.insert(p.transactionId);
        QHash<QString, int> chargesByInvoice;
        QSet<QString> chargedInRange;
        int terminal = 0, typos = 0, seconds = 0;
        const auto txns = sb.paytrace().transactions();
        for (const auto &t : txns) {
            const bool inRange = t.settledAt > 0 && sandbox::batchDate(t.settledAt) >= from
                && sandbox::batchDate(t.settledAt) <= to;
            const bool charge = t.approved && !t.voided
                && (t.kind == sandbox::PayTraceKind::Sale
                    || (t.kind == sandbox::PayTraceKind::Authorization && t.capturedAmount));
            if (!charge || plantedTxns.contains(QString::number(t.id)))
                continue;
            if (!increments.contains(t.invoiceId)) {
                if (!inRange || t.kind != sandbox::PayTraceKind::Sale || t.refundedAmount > 0)
                    continue;
                report.planted.append({u"missing_in_magento"_s, QString::number(t.id), {},
                                       t.invoiceId.isEmpty() ? u"terminal sale"_s : u"mistyped invoice"_s});
                ++(t.invoiceId.isEmpty() ? terminal : typos);
                continue;
            }
            ++chargesByInvoice[t.invoiceId];
            if (inRange)
                chargedInRange.insert(t.invoiceId);
        }
        for (auto it = chargesByInvoice.cbegin(); it != chargesByInvoice.cend(); ++it) {
            if (it.value() < 2 || !chargedInRange.contains(it.key()))
                continue;
            bool alreadyPlanted = false;
            for (const auto &p : std::as_const(report.planted))
                alreadyPlanted = alreadyPlanted || (p.className == u"duplicate_charge" && p.incrementId == it.key());
            if (!alreadyPlanted) {
                report.planted.append({u"duplicate_charge"_s, {}, it.key(), u"second payment"_s});
                ++seconds;
            }
        }
        qInfo("untidy truth: %d terminal sales, %d mistyped invoices, %d second payments", terminal, typos, seconds);
        QVERIFY(terminal > 0 && typos > 0 && seconds > 0);
    }
    QSet<QString> plantedClasses;
    for (const auto &p : report.planted)
        plantedClasses.insert(p.className);
    for (const auto c : reconcile::kAllDiscrepancyClasses)
        QVERIFY2(plantedClasses.contains(reconcile::className(c)), qPrintable(reconcile::className(c)));

    const QString dbPath = m_home.path() + u"/truth-%1%2.sqlite"_s.arg(seed).arg(untidy ? u"-untidy" : u"");
    {
        sync::SyncService service(configFor(sb, dbPath));
        const QString failed = syncOnce(service);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }

    const QString csvPath = m_home.path() + u"/settlement-%1%2.csv"_s.arg(seed).arg(untidy ? u"-untidy" : u"");
    {
        QFile f(csvPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(report.csv), report.csv.size());
    }
    auto writer = store::Database::openWriter(dbPath, u"truth-writer"_s);
    // A failed check returns early: the next seed must still get its connection.
    auto closeWriter = qScopeGuard([&writer] {
        writer = makeError(u"test.closed"_s, {}, {});
        store::Database::close(u"truth-writer"_s);
    });
    QVERIFY2(writer, qPrintable(writer ? QString() : writer.error().toString()));
    {
        reconcile::SettlementImporter importer(writer.value());
        const auto outcome = importer.importFile(csvPath, test::sandboxReportMapping(), {u"truth"_s, {}, {}, 100});
        QVERIFY2(outcome.ok(), qPrintable(outcome.errors.value(0).toString()));
        QVERIFY(outcome.report.added > 100);
    }

    reconcile::MatchOptions mo;
    mo.now = sb.clock().nowUtc();
    const auto run = reconcile::Matcher::run(dbPath, reconcile::ReconcileScope::range(from, to), {}, mo);
    QVERIFY2(run, qPrintable(run ? QString() : run.error().toString()));
    reconcile::ReconciliationStore results(writer.value());
    const auto saved = results.save(run.value(), u"truth"_s, mo.now);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().toString()));
    qInfo("range %s..%s: %lld lines, %lld transactions, %lld orders; %lld matched, %lld discrepancies, %lld set aside",
          qPrintable(from.toString(Qt::ISODate)), qPrintable(to.toString(Qt::ISODate)),
          static_cast<long long>(run->linesRead), static_cast<long long>(run->transactionsRead),
          static_cast<long long>(run->ordersRead), static_cast<long long>(run->matched),
          static_cast<long long>(run->discrepancies), static_cast<long long>(run->setAside));

    // What the store holds as open work.
    QList<Found> found;
    {
        QSqlQuery q(writer.value());
        QVERIFY(q.exec(u"SELECT class, transaction_id, increment_id, explanation FROM reconciliation_items "
                       "WHERE bucket = 'discrepancy' AND state = 'open' ORDER BY id"_s));
        while (q.next())
            found.append({q.value(0).toString(), q.value(1).toString(), q.value(2).toString(), q.value(3).toString()});
    }
    QList<bool> used(report.planted.size(), false);
    QStringList falseOnes;
    for (const Found &f : std::as_const(found)) {
        bool hit = false;
        for (qsizetype k = 0; k < report.planted.size() && !hit; ++k) {
            const auto &p = report.planted[k];
            if (used[k] || p.className != f.cls)
                continue;
            const bool sameTxn = !p.transactionId.isEmpty() && p.transactionId == f.txn;
            const bool sameOrder = !p.incrementId.isEmpty() && p.incrementId == f.order;
            const bool keyless = p.transactionId.isEmpty() && p.incrementId.isEmpty() && f.txn.isEmpty();
            if (sameTxn || sameOrder || keyless)
                used[k] = hit = true;
        }
        if (!hit) {
            // With the gateway's own view of the transaction, to tell a matcher bug from a plant.
            QString gateway;
            if (const auto t = sb.paytrace().transaction(f.txn.toLongLong())) {
                gateway = u" [sandbox: kind %1 approved %2 voided %3 created %4 captured %5 settled %6 batch %7]"_s
                              .arg(int(t->kind)).arg(t->approved).arg(t->voided)
                              .arg(QDateTime::fromSecsSinceEpoch(t->createdAt, QTimeZone::utc()).toString(Qt::ISODate),
                                   QDateTime::fromSecsSinceEpoch(t->capturedAt, QTimeZone::utc()).toString(Qt::ISODate),
                                   QDateTime::fromSecsSinceEpoch(t->settledAt, QTimeZone::utc()).toString(Qt::ISODate))
                              .arg(t->batchNumber);
            }
            falseOnes.append(f.cls + u" txn "_s + f.txn + u" order "_s + f.order + u": "_s + f.explanation + gateway);
        }
    }
    QStringList missed;
    for (qsizetype k = 0; k < report.planted.size(); ++k) {
        if (!used[k]) {
            const auto &p = report.planted[k];
            missed.append(p.className + u" ("_s + p.what + u") txn "_s + p.transactionId + u" order "_s + p.incrementId);
        }
    }
    QVERIFY2(falseOnes.isEmpty(), qPrintable(u"reported but not planted:\n  "_s + falseOnes.join(u"\n  "_s)));
    QVERIFY2(missed.isEmpty(), qPrintable(u"planted but not found:\n  "_s + missed.join(u"\n  "_s)));
    QCOMPARE(found.size(), report.planted.size());
    QCOMPARE(saved->open, qint64(report.planted.size()));

    // The matcher's totals against the generator's: PayTrace net settled, the report's fees.
    const auto usd = run->totals.value(u"USD"_s);
    QCOMPARE(usd.expected, report.settledSales - report.settledRefunds);
    QCOMPARE(usd.fees, report.fees);

    // The month's day journals into a ledger file, read back by the real hledger.
    const mapping::MappingProfile profile = mapping::MappingProfile::defaults();
    const QString ledgerPath = m_home.path() + u"/truth-%1%2.journal"_s.arg(seed).arg(untidy ? u"-untidy" : u"");
    erp::LedgerFileSink sink(ledgerPath);
    for (QDate d = from; d <= to; d = d.addDays(1)) {
        const auto activity = erp::readDayActivity(writer.value(), d);
        QVERIFY2(activity, qPrintable(activity ? QString() : activity.error().toString()));
        const auto entries = erp::buildDayJournal(profile, activity.value());
        QVERIFY2(entries, qPrintable(entries ? QString() : entries.error().toString()));
        const auto posted = sink.postNow(entries.value());
        QVERIFY2(posted, qPrintable(posted ? QString() : posted.error().toString()));
    }
    QProcess hledger;
    hledger.start(u"hledger"_s, {u"-f"_s, ledgerPath, u"balance"_s, u"-O"_s, u"csv"_s, u"--layout=bare"_s, u"-N"_s});
    QVERIFY(hledger.waitForFinished(60000));
    QVERIFY2(hledger.exitCode() == 0, hledger.readAllStandardError().constData());
    QMap<QString, qint64> balance; // USD account -> minor units
    for (const QByteArray &line : hledger.readAllStandardOutput().split('\n')) {
        QList<QByteArray> f = line.split(',');
        if (f.size() != 3)
            continue;
        for (auto &x : f)
            x = x.mid(1, x.size() - 2); // every field is quoted
        if (f[1] != "USD")
            continue;
        const auto m = Money::parse(QString::fromLatin1(f[2]), *Currency::fromCode(u"USD"_s));
        QVERIFY2(m.ok(), f[2].constData());
        balance.insert(QString::fromUtf8(f[0]), m->minor());
    }
    const Currency dollars = *Currency::fromCode(u"USD"_s);
    using mapping::AccountRole;
    QCOMPARE(balance.value(profile.account(AccountRole::Sales, dollars)), -report.settledSales);
    QCOMPARE(balance.value(profile.account(AccountRole::Refunds, dollars)), report.settledRefunds);
    QCOMPARE(balance.value(profile.account(AccountRole::Fees, dollars)), -report.fees);
    qInfo("planted %lld, found %lld; settled sales %lld, refunds %lld, fees %lld (minor units)",
          static_cast<long long>(report.planted.size()), static_cast<long long>(found.size()),
          static_cast<long long>(report.settledSales), static_cast<long long>(report.settledRefunds),
          static_cast<long long>(report.fees));
}

QTEST_GUILESS_MAIN(TestReconcileTruth)
#include "tst_reconcile_truth.moc"
