// `paybridge reconcile` and `paybridge journal post` as processes against a `paybridge-sandbox`
// process: a batch day with planted discrepancies (the sandbox's settlement report), synced,
// imported and reconciled from the command line; the day's journal posted to the ledger and CSV
// sinks twice, the second time adding nothing.
#include "cliworld.h"

#include "reconcile/settlementmapping.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using pb::test::CliRun;
using pb::test::CliWorld;

namespace {

const QString kProfile = u"rec"_s;

} // namespace

class TestCliReconcile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void usageErrors_data();
    void usageErrors();
    void reconcileFindsThePlantedDay();
    void journalNeedsTheFinanceRole();
    void journalPostsOnce_data();
    void journalPostsOnce();

private:
    CliRun run(const QStringList &args) { return m_world.paybridge(args); }
    CliWorld m_world;
    QString m_day;
    QJsonArray m_planted;
    QString m_csv;
    QString m_mapping;
};

void TestCliReconcile::initTestCase()
{
    QString error;
    QVERIFY2(m_world.start(400, 5, &error), qPrintable(error));
    QVERIFY2(m_world.addProfile(kProfile, &error), qPrintable(error));

    // Yesterday on the batch clock: its batch has closed whatever the time of day.
    const auto health = m_world.adminGet(u"/__admin/health"_s, &error);
    QVERIFY2(health, qPrintable(error));
    const QDateTime now = QDateTime::fromString(health->value(u"now"_s).toString(), Qt::ISODate);
    QVERIFY(now.isValid());
    m_day = now.toTimeZone(QTimeZone("America/Los_Angeles")).date().addDays(-1).toString(Qt::ISODate);

    // Plant before the sync, so PayBridge reads the changed orders.
    const auto report = m_world.adminPost(u"/__admin/settlement-report"_s,
                                          {{u"from"_s, m_day}, {u"to"_s, m_day}, {u"plant"_s, true}}, &error);
    QVERIFY2(report, qPrintable(error));
    m_planted = report->value(u"planted"_s).toArray();
    QVERIFY2(m_planted.size() >= 8, qPrintable(QString::number(m_planted.size())));
    m_csv = m_world.home() + u"/settlement.csv"_s;
    QFile csv(m_csv);
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write(report->value(u"csv"_s).toString().toLatin1());
    csv.close();

    using pb::reconcile::RecordKind;
    pb::reconcile::SettlementMapping m;
    m.source = u"paytrace"_s;
    m.batch = u"batch"_s;
    m.date = u"date"_s;
    m.transactionId = u"transaction_id"_s;
    m.kind = u"type"_s;
    m.cardLast4 = u"card"_s;
    m.amount = u"amount"_s;
    m.currency = u"currency"_s;
    m.reference = u"reference"_s;
    m.kindMap = {{u"sale"_s, RecordKind::Sale}, {u"refund"_s, RecordKind::Refund},
                 {u"adjustment"_s, RecordKind::Adjustment}, {u"fee"_s, RecordKind::Fee}};
    m.dateFormat = pb::reconcile::DateFormat::IsoDate;
    m_mapping = m_world.home() + u"/mapping.json"_s;
    QFile mapping(m_mapping);
    QVERIFY(mapping.open(QIODevice::WriteOnly));
    mapping.write(QJsonDocument(m.toJson()).toJson());
    mapping.close();

    const QStringList sync{u"sync"_s, u"--profile"_s, kProfile, u"--once"_s};
    const CliRun synced = run(sync);
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.describe(sync)));
}

void TestCliReconcile::cleanupTestCase()
{
    m_world.stop();
}

void TestCliReconcile::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("says");
    const QString p = u"--profile"_s, d = u"--date"_s;
    QTest::newRow("no date") << QStringList{u"reconcile"_s, p, kProfile} << 2 << u"Usage"_s;
    QTest::newRow("bad date") << QStringList{u"reconcile"_s, p, kProfile, d, u"2024-13-01"_s} << 2 << u"--date"_s;
    QTest::newRow("bad format") << QStringList{u"reconcile"_s, p, kProfile, d, u"2024-03-01"_s, u"--format"_s, u"xml"_s}
                                << 2 << u"Usage"_s;
    QTest::newRow("import without mapping")
        << QStringList{u"reconcile"_s, p, kProfile, d, u"2024-03-01"_s, u"--import"_s, u"x.csv"_s} << 2 << u"Usage"_s;
    QTest::newRow("unknown profile") << QStringList{u"reconcile"_s, p, u"nobody"_s, d, u"2024-03-01"_s} << 3
                                     << u"nobody"_s;
    QTest::newRow("journal without post") << QStringList{u"journal"_s, p, kProfile, d, u"2024-03-01"_s} << 2
                                          << u"Usage"_s;
    QTest::newRow("unknown sink")
        << QStringList{u"journal"_s, u"post"_s, p, kProfile, d, u"2024-03-01"_s, u"--sink"_s, u"sap"_s} << 2 << u"Usage"_s;
}

void TestCliReconcile::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, says);
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == exitCode, qPrintable(r.describe(args)));
    QVERIFY2(r.err.contains(says), qPrintable(r.describe(args)));
}

void TestCliReconcile::reconcileFindsThePlantedDay()
{
    const QStringList args{u"reconcile"_s, u"--profile"_s, kProfile, u"--date"_s, m_day, u"--format"_s, u"jsonl"_s,
                           u"--import"_s, m_csv, u"--mapping"_s, m_mapping};
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(args)));
    bool ok = false;
    const QList<QJsonObject> lines = CliWorld::jsonLines(r.out, &ok);
    QVERIFY2(ok && !lines.isEmpty(), qPrintable(r.describe(args)));
    const QJsonObject runLine = lines.last();
    QCOMPARE(runLine.value(u"type"_s).toString(), u"run"_s);
    QCOMPARE(runLine.value(u"scope"_s).toString(), u"day:"_s + m_day);
    QCOMPARE(runLine.value(u"closed"_s).toBool(), false);

    // Every planted problem, in its class, and nothing else.
    QList<QJsonObject> items = lines.mid(0, lines.size() - 1);
    QStringList unexplained;
    QList<bool> used(m_planted.size(), false);
    for (const QJsonObject &i : std::as_const(items)) {
        QCOMPARE(i.value(u"state"_s).toString(), u"open"_s);
        bool hit = false;
        for (qsizetype k = 0; k < m_planted.size() && !hit; ++k) {
            const QJsonObject p = m_planted[k].toObject();
            if (used[k] || p.value(u"class"_s) != i.value(u"class"_s))
                continue;
            const QString txn = p.value(u"transaction_id"_s).toString(), inc = p.value(u"increment_id"_s).toString();
            if ((!txn.isEmpty() && txn == i.value(u"transaction_id"_s).toString())
                || (!inc.isEmpty() && inc == i.value(u"increment_id"_s).toString())
                || (txn.isEmpty() && inc.isEmpty() && i.value(u"transaction_id"_s).toString().isEmpty()))
                used[k] = hit = true;
        }
        if (!hit)
            unexplained.append(QString::fromUtf8(QJsonDocument(i).toJson(QJsonDocument::Compact)));
    }
    QVERIFY2(unexplained.isEmpty(), qPrintable(unexplained.join(u'\n')));
    QVERIFY2(!used.contains(false), qPrintable(QString::fromUtf8(QJsonDocument(m_planted).toJson())));
    QCOMPARE(runLine.value(u"open"_s).toInteger(), qint64(m_planted.size()));

    // Again, as text and without the import: the same run, one pass more, nothing new.
    const QStringList again{u"reconcile"_s, u"--profile"_s, kProfile, u"--date"_s, m_day};
    const CliRun text = run(again);
    QVERIFY2(text.exitCode == 0, qPrintable(text.describe(again)));
    QVERIFY2(text.out.contains(u"pass 2"_s), qPrintable(text.out));
    QVERIFY2(text.out.contains(u"(open %1)"_s.arg(m_planted.size())), qPrintable(text.out));
    QVERIFY2(text.out.contains(u"The day is open"_s), qPrintable(text.out));
}

void TestCliReconcile::journalNeedsTheFinanceRole()
{
    const QString file = m_world.home() + u"/journal-norole.ledger"_s;
    const QStringList args{u"journal"_s, u"post"_s, u"--profile"_s, kProfile, u"--date"_s, m_day,
                           u"--sink"_s, u"ledger"_s, u"--file"_s, file, u"--allow-open"_s};
    const CliRun refused = run(args);
    QVERIFY2(refused.exitCode == 6, qPrintable(refused.describe(args)));
    QVERIFY2(refused.err.contains(u"may not post journals"_s), qPrintable(refused.describe(args)));
    QVERIFY(!QFile::exists(file));
    QString error;
    QVERIFY2(m_world.grantFinance(kProfile, &error), qPrintable(error));
}

void TestCliReconcile::journalPostsOnce_data()
{
    QTest::addColumn<QString>("sink");
    QTest::newRow("ledger") << u"ledger"_s;
    QTest::newRow("csv") << u"csv"_s;
}

void TestCliReconcile::journalPostsOnce()
{
    QFETCH(QString, sink);
    const QString file = m_world.home() + u"/journal."_s + sink;
    QStringList args{u"journal"_s, u"post"_s, u"--profile"_s, kProfile, u"--date"_s, m_day, u"--sink"_s, sink,
                     u"--file"_s, file};
    // The day has open discrepancies: refused unless asked.
    const CliRun refused = run(args);
    QVERIFY2(refused.exitCode == 6, qPrintable(refused.describe(args)));
    QVERIFY(!QFile::exists(file));

    args << u"--allow-open"_s;
    const CliRun first = run(args);
    QVERIFY2(first.exitCode == 0, qPrintable(first.describe(args)));
    static const QRegularExpression counts(u"(\\d+) entries posted, (\\d+) already posted"_s);
    const auto m1 = counts.match(first.out);
    QVERIFY2(m1.hasMatch(), qPrintable(first.out));
    const int posted = m1.captured(1).toInt();
    QVERIFY2(posted > 10, qPrintable(first.out));
    QCOMPARE(m1.captured(2).toInt(), 0);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray written = f.readAll();
    f.close();

    const CliRun second = run(args);
    QVERIFY2(second.exitCode == 0, qPrintable(second.describe(args)));
    const auto m2 = counts.match(second.out);
    QVERIFY2(m2.hasMatch(), qPrintable(second.out));
    QCOMPARE(m2.captured(1).toInt(), 0);
    QCOMPARE(m2.captured(2).toInt(), posted);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), written);

    if (sink == u"ledger"_s) {
        // The real hledger reads it and every transaction balances.
        QVERIFY2(!QStandardPaths::findExecutable(u"hledger"_s).isEmpty(), "hledger is not installed");
        QProcess hledger;
        hledger.start(u"hledger"_s, {u"-f"_s, file, u"print"_s});
        QVERIFY(hledger.waitForFinished(60000));
        QVERIFY2(hledger.exitCode() == 0, hledger.readAllStandardError().constData());
    }
}

QTEST_GUILESS_MAIN(TestCliReconcile)
#include "tst_cli_reconcile.moc"
