#include "reconcile/settlementimporter.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/quarantinerepository.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::reconcile;

namespace {

const QString kConnection = u"tst_settlement_writer"_s;
const QByteArray kHeader = "batch,date,transaction_id,type,card,amount,currency,reference\n"_ba;

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
        qFatal("cannot write test file");
    return path;
}

// The processor layout used by most tests, spelled out rather than detected so that a change
// in detection cannot hide an import bug.
SettlementMapping processorMapping()
{
    SettlementMapping m;
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
                 {u"chargeback"_s, RecordKind::Chargeback}, {u"adjustment"_s, RecordKind::Adjustment},
                 {u"fee"_s, RecordKind::Fee}};
    m.dateFormat = DateFormat::IsoDate;
    m.amountFormat = AmountFormat{u'.', u','};
    return m;
}

QByteArray line(int batch, const char *date, qint64 txn, const char *type, const char *amount,
                const char *reference = "")
{
    return QByteArray::number(batch) + ',' + date + ',' + QByteArray::number(txn) + ',' + type
        + ",1111," + amount + ",USD," + reference + '\n';
}

qint64 count(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql) || !q.next())
        qFatal("count query failed");
    return q.value(0).toLongLong();
}

} // namespace

class TstSettlementImport : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QSqlDatabase m_db;

    ImportOutcome import(const QString &path, const SettlementMapping &mapping = processorMapping(),
                         int maxErrors = 100)
    {
        SettlementImporter importer(m_db);
        ImportOptions options;
        options.actor = u"finance@example.com"_s;
        options.maxErrors = maxErrors;
        return importer.importFile(path, mapping, options);
    }
    qint64 lines() { return count(m_db, u"SELECT COUNT(*) FROM settlement_lines"_s); }
    qint64 files() { return count(m_db, u"SELECT COUNT(*) FROM settlement_files"_s); }
    qint64 audits() { return count(m_db, u"SELECT COUNT(*) FROM audit_log WHERE action = 'settlement.import'"_s); }
    qint64 quarantined() { return count(m_db, u"SELECT COUNT(*) FROM quarantine"_s); }
    QList<store::QuarantineEntry> setAside()
    {
        auto entries = store::QuarantineRepository(m_db).list(QString(RejectedRecord::kSettlementLine));
        if (!entries)
            qFatal("cannot list the quarantine");
        return entries.value();
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        auto db = store::Database::openWriter(m_dir.filePath(u"store-"_s + QString::fromLatin1(
                                                  QTest::currentTestFunction()) + u".sqlite"_s),
                                              kConnection);
        QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
        m_db = db.value();
    }
    void cleanup()
    {
        m_db = QSqlDatabase();
        store::Database::close(kConnection);
    }

    void goodImport()
    {
        const QString path = writeFile(m_dir, u"good.csv"_s, kHeader
            + line(571, "2024-03-01", 100000123, "Sale", "110.00", "100000123")
            + line(571, "2024-03-01", 100000124, "Refund", "-25.50")
            + line(572, "2024-03-13", 100000125, "Chargeback", "\"-1,200.00\"", "\"Dispute, not received\"")
            + line(572, "2024-03-13", 100000126, "Adjustment", "2.15", "rounding")
            + line(572, "2024-03-13", 0, "Fee", "-0.30", "card 4111111111111111"));
        const ImportOutcome out = import(path);
        QVERIFY2(out.ok(), qPrintable(out.errors.isEmpty() ? QString() : out.errors.first().toString()));
        QCOMPARE(out.report.lines, 5);
        QCOMPARE(out.report.added, 5);
        QCOMPARE(out.report.duplicates, 0);
        QCOMPARE(out.report.addedByKind.value(RecordKind::Chargeback), 1);
        QCOMPARE(out.report.addedByKind.value(RecordKind::Adjustment), 1);
        QCOMPARE(out.report.sha256.size(), 64);
        QVERIFY(!out.report.alreadyImported);

        QSqlQuery q(m_db);
        QVERIFY(q.exec(u"SELECT line_no, kind, transaction_id, amount, currency, settled_on, batch, "
                       "card_last4, reference, raw FROM settlement_lines ORDER BY line_no"_s));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toLongLong(), 2);
        QCOMPARE(q.value(1).toString(), u"sale"_s);
        QCOMPARE(q.value(2).toString(), u"100000123"_s);
        QCOMPARE(q.value(3).toLongLong(), 11000);
        QCOMPARE(q.value(4).toString(), u"USD"_s);
        QCOMPARE(q.value(5).toString(), u"2024-03-01"_s);
        QCOMPARE(q.value(6).toString(), u"571"_s);
        QCOMPARE(q.value(7).toString(), u"1111"_s);
        QVERIFY(q.next());
        QCOMPARE(q.value(1).toString(), u"refund"_s);
        QCOMPARE(q.value(3).toLongLong(), -2550);
        QVERIFY(q.next());
        // Chargebacks and adjustments keep their own kinds, amounts exact.
        QCOMPARE(q.value(1).toString(), u"chargeback"_s);
        QCOMPARE(q.value(3).toLongLong(), -120000);
        QCOMPARE(q.value(8).toString(), u"Dispute, not received"_s);
        QVERIFY(q.next());
        QCOMPARE(q.value(1).toString(), u"adjustment"_s);
        QCOMPARE(q.value(3).toLongLong(), 215);
        QVERIFY(q.next());
        QCOMPARE(q.value(1).toString(), u"fee"_s);
        // A card number in free text never reaches the store.
        QCOMPARE(q.value(8).toString(), u"card ************1111"_s);
        QVERIFY(!q.value(9).toString().contains(u"4111111111111111"_s));
        QVERIFY(q.value(9).toString().contains(u"************1111"_s));
        QVERIFY(!q.next());

        QVERIFY(q.exec(u"SELECT name, source, imported_by, line_count, lines_added, sha256 FROM settlement_files"_s));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), u"good.csv"_s);
        QCOMPARE(q.value(1).toString(), u"paytrace"_s);
        QCOMPARE(q.value(2).toString(), u"finance@example.com"_s);
        QCOMPARE(q.value(3).toLongLong(), 5);
        QCOMPARE(q.value(4).toLongLong(), 5);
        QCOMPARE(q.value(5).toString(), out.report.sha256);

        store::AuditLog audit(m_db);
        auto entries = audit.recent(5);
        QVERIFY(entries);
        QCOMPARE(entries->size(), 1);
        const store::AuditEntry &e = entries->first();
        QCOMPARE(e.action, u"settlement.import"_s);
        QCOMPARE(e.actor, u"finance@example.com"_s);
        QCOMPARE(e.objectType, u"settlement_file"_s);
        QCOMPARE(e.objectId, QString::number(out.report.fileId));
        const QJsonObject after = QJsonDocument::fromJson(e.afterJson.toUtf8()).object();
        QCOMPARE(after.value(u"added"_s).toInt(), 5);
        QCOMPARE(after.value(u"sha256"_s).toString(), out.report.sha256);
    }

    // Was "bad lines named and nothing written": a bad data line no longer refuses the file.
    void badLinesSetAside()
    {
        QByteArray content = kHeader;
        for (int i = 2; i < 1834; ++i)
            content += line(1, "2024-03-01", 1000 + i, "Sale", "1.00");
        content += line(1, "2024-03-01", 9999, "Sale", "\"12,3.4\"", "4111111111111111"); // line 1834
        content += line(1, "2024-03-01", 10000, "Sale", "2.00");
        content += line(1, "2024-02-30", 10001, "Sale", "2.00");             // line 1836
        const ImportOutcome out = import(writeFile(m_dir, u"bad.csv"_s, content));
        QVERIFY2(out.ok(), qPrintable(out.errors.isEmpty() ? QString() : out.errors.first().toString()));
        QVERIFY(out.refusal.isEmpty());
        QCOMPARE(out.report.lines, 1835);
        QCOMPARE(out.report.added, 1833);
        QCOMPARE(out.report.quarantined, 2);
        QCOMPARE(out.report.quarantineErrors.size(), 2);
        QCOMPARE(out.report.quarantineErrors.at(0).field, u"line 1834, column amount"_s);
        QVERIFY2(out.report.quarantineErrors.at(0).toString().startsWith(
                     u"line 1834, column amount: '12,3.4' is not an amount"_s),
                 qPrintable(out.report.quarantineErrors.at(0).toString()));
        QCOMPARE(out.report.quarantineErrors.at(1).field, u"line 1836, column date"_s);

        // The good lines are stored, the bad ones are not, and nothing else changed.
        QCOMPARE(files(), 1);
        QCOMPARE(lines(), 1833);
        QCOMPARE(audits(), 1);
        QCOMPARE(count(m_db, u"SELECT COUNT(*) FROM settlement_lines WHERE line_no IN (1834, 1836)"_s), 0);
        QCOMPARE(count(m_db, u"SELECT line_count FROM settlement_files"_s), 1835);
        QCOMPARE(count(m_db, u"SELECT lines_added FROM settlement_files"_s), 1833);
        QCOMPARE(count(m_db, u"SELECT SUM(amount) FROM settlement_lines"_s), 1832 * 100 + 200);
        QCOMPARE(count(m_db, u"SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine.added'"_s), 2);

        const auto entries = setAside();
        QCOMPARE(entries.size(), 2);
        QCOMPARE(quarantined(), 2);
        const QString prefix = out.report.sha256.left(12) + u':';
        QCOMPARE(entries.at(0).source, u"settlement.line"_s);
        QCOMPARE(entries.at(0).externalId, prefix + u"1834"_s);
        QCOMPARE(entries.at(0).field, u"amount"_s);
        QVERIFY2(entries.at(0).reason.startsWith(u"line 1834, column amount: '12,3.4' is not an amount"_s),
                 qPrintable(entries.at(0).reason));
        // The line as it stands, its card number masked.
        const QString raw = QString::fromUtf8(entries.at(0).raw);
        QVERIFY2(raw.startsWith(u"1,2024-03-01,9999,Sale,1111,\"12,3.4\",USD,"_s), qPrintable(raw));
        QVERIFY(!raw.contains(u"4111111111111111"_s));
        QVERIFY(raw.contains(u"1111"_s));
        QCOMPARE(entries.at(1).externalId, prefix + u"1836"_s);
        QCOMPARE(entries.at(1).field, u"date"_s);
        QVERIFY(entries.at(1).reason.startsWith(u"line 1836, column date: '2024-02-30'"_s));
        QCOMPARE(QString::fromUtf8(entries.at(1).raw), u"1,2024-02-30,10001,Sale,1111,2.00,USD,"_s);

        // The connection is left usable (the savepoint was released, not left open).
        QVERIFY(QSqlQuery(m_db).exec(u"BEGIN"_s));
        QVERIFY(QSqlQuery(m_db).exec(u"COMMIT"_s));
    }

    void mostlyBadFileRefused()
    {
        // Three of five lines do not read: the mapping or the file is wrong, not a line.
        const QByteArray content = kHeader + line(1, "2024-03-01", 1, "Sale", "1.00")
            + line(1, "2024-03-01", 2, "Bonus", "1.00") + line(1, "2024-03-01", 3, "Sale", "x")
            + line(1, "2024-03-01", 4, "Sale", "1.00") + line(1, "2024-13-01", 5, "Sale", "1.00");
        const ImportOutcome out = import(writeFile(m_dir, u"mostly-bad.csv"_s, content));
        QVERIFY(!out.ok());
        QCOMPARE(out.errors.size(), 3);
        QCOMPARE(out.errors.first().field, u"line 3, column type"_s);
        QVERIFY(!out.refusal.isEmpty());
        QCOMPARE(files(), 0);
        QCOMPARE(lines(), 0);
        QCOMPARE(audits(), 0);
        QCOMPARE(quarantined(), 0);

        // Exactly half is still a file with some bad lines.
        const QByteArray half = kHeader + line(1, "2024-03-01", 1, "Sale", "1.00")
            + line(1, "2024-03-01", 2, "Bonus", "1.00");
        const ImportOutcome ok = import(writeFile(m_dir, u"half.csv"_s, half));
        QVERIFY(ok.ok());
        QCOMPARE(ok.report.added, 1);
        QCOMPARE(ok.report.quarantined, 1);
        QCOMPARE(quarantined(), 1);
    }

    void tooManyBadLinesRefused()
    {
        // Four bad lines among many good ones, but more than maxErrors.
        QByteArray content = kHeader;
        for (int i = 0; i < 20; ++i)
            content += line(1, "2024-03-01", i, i % 5 == 0 ? "Bonus" : "Sale", "1.00");
        const ImportOutcome out = import(writeFile(m_dir, u"limit.csv"_s, content), processorMapping(), 3);
        QVERIFY(!out.ok());
        QVERIFY(out.errorsTruncated);
        QVERIFY(!out.refusal.isEmpty());
        QCOMPARE(out.errors.size(), 3);
        QCOMPARE(files(), 0);
        QCOMPARE(lines(), 0);
        QCOMPARE(quarantined(), 0);
        // At the limit the file is imported.
        const ImportOutcome at = import(writeFile(m_dir, u"limit.csv"_s, content), processorMapping(), 4);
        QVERIFY(at.ok());
        QCOMPARE(at.report.added, 16);
        QCOMPARE(at.report.quarantined, 4);
    }

    void reimportWithCorrectedMappingReleases()
    {
        // Line 2 reads, once "Bonus" is mapped to a fee, exactly as line 5 does: it must be a
        // second fee, neither hidden by line 5 nor counted twice.
        const QByteArray content = kHeader
            + line(570, "2024-03-01", 0, "Bonus", "-0.30", "monthly")     // line 2
            + line(570, "2024-03-01", 1, "Sale", "10.00")                 // line 3
            + line(570, "2024-03-01", 2, "Sale", "20.00")                 // line 4
            + line(570, "2024-03-01", 0, "Fee", "-0.30", "monthly")       // line 5
            + line(570, "2024-03-01", 7, "Bonus", "5.00")                 // line 6
            + line(570, "2024-02-30", 3, "Sale", "30.00")                 // line 7
            + line(570, "2024-03-01", 4, "Sale", "40.00");                // line 8
        const QString path = writeFile(m_dir, u"week.csv"_s, content);
        const ImportOutcome first = import(path);
        QVERIFY(first.ok());
        QCOMPARE(first.report.added, 4);
        QCOMPARE(first.report.quarantined, 3);
        QCOMPARE(quarantined(), 3);
        const qint64 before = count(m_db, u"SELECT SUM(amount) FROM settlement_lines"_s);

        // The same content with the same mapping: nothing reads that did not before.
        const ImportOutcome same = import(path);
        QVERIFY(same.ok());
        QVERIFY(same.report.alreadyImported);
        QCOMPARE(same.report.released, 0);
        QCOMPARE(same.report.added, 0);
        QCOMPARE(same.report.quarantined, 3);
        QCOMPARE(lines(), 4);

        // A mapping of another source would give the lines other keys: refused.
        SettlementMapping other = processorMapping();
        other.source = u"bank:acme"_s;
        other.kindMap.insert(u"bonus"_s, RecordKind::Fee);
        QVERIFY(!import(path, other).ok());
        QCOMPARE(lines(), 4);
        QCOMPARE(quarantined(), 3);

        SettlementMapping fixed = processorMapping();
        fixed.kindMap.insert(u"bonus"_s, RecordKind::Fee);
        const ImportOutcome again = import(path, fixed);
        QVERIFY2(again.ok(), qPrintable(again.errors.isEmpty() ? QString() : again.errors.first().toString()));
        QVERIFY(again.report.alreadyImported);
        QCOMPARE(again.report.fileId, first.report.fileId);
        QCOMPARE(again.report.released, 2);
        QCOMPARE(again.report.added, 2);
        QCOMPARE(again.report.duplicates, 0);
        QCOMPARE(again.report.quarantined, 1);
        QCOMPARE(again.report.quarantineErrors.size(), 1);
        QCOMPARE(again.report.quarantineErrors.first().field, u"line 7, column date"_s);
        QCOMPARE(files(), 1);
        QCOMPARE(lines(), 6);
        QCOMPARE(count(m_db, u"SELECT SUM(amount) FROM settlement_lines"_s), before - 30 + 500);
        QCOMPARE(count(m_db, u"SELECT COUNT(*) FROM settlement_lines WHERE kind = 'fee'"_s), 3);
        QCOMPARE(count(m_db, u"SELECT lines_added FROM settlement_files"_s), 6);
        QCOMPARE(count(m_db, u"SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine.released'"_s), 2);
        QCOMPARE(count(m_db, u"SELECT COUNT(*) FROM audit_log WHERE action = 'settlement.release'"_s), 1);
        const auto entries = setAside();
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.first().externalId, first.report.sha256.left(12) + u":7"_s);
        QCOMPARE(entries.first().attempts, 3); // the first import and two re-reads

        // Once more: nothing left that reads, nothing counted twice.
        const ImportOutcome third = import(path, fixed);
        QVERIFY(third.ok());
        QCOMPARE(third.report.released, 0);
        QCOMPARE(third.report.added, 0);
        QCOMPARE(lines(), 6);

        // A later, overlapping file with the released lines finds them known.
        const ImportOutcome overlap = import(writeFile(m_dir, u"overlap.csv"_s, kHeader
            + line(570, "2024-03-01", 0, "Fee", "-0.30", "monthly")
            + line(570, "2024-03-01", 0, "Fee", "-0.30", "monthly")
            + line(570, "2024-03-01", 7, "Bonus", "5.00")), fixed);
        QVERIFY(overlap.ok());
        QCOMPARE(overlap.report.added, 0);
        QCOMPARE(overlap.report.duplicates, 3);
        QCOMPARE(lines(), 6);
    }

    void invalidEncodingRefused()
    {
        // A bad data line and a byte that is not UTF-8: the file does not read, nothing is kept.
        const QByteArray content = kHeader + line(1, "2024-03-01", 1, "Sale", "1.00")
            + line(1, "2024-03-01", 2, "Bonus", "1.00") + line(1, "2024-03-01", 3, "Sale", "1.00")
            + "1,2024-03-01,4,Sale,1111,1.00,USD,caf\xe9\n"_ba;
        const ImportOutcome out = import(writeFile(m_dir, u"latin1.csv"_s, content));
        QVERIFY(!out.ok());
        QCOMPARE(out.errors.last().code, u"csv.invalid_utf8"_s);
        QCOMPARE(files(), 0);
        QCOMPARE(lines(), 0);
        QCOMPARE(quarantined(), 0);
    }

    void emptyFileRefused()
    {
        const ImportOutcome out = import(writeFile(m_dir, u"empty.csv"_s, QByteArray()));
        QVERIFY(!out.ok());
        QCOMPARE(out.errors.first().code, u"reconcile.empty"_s);
        QCOMPARE(files(), 0);
        QCOMPARE(quarantined(), 0);
    }

    void errorLimit_data()
    {
        QTest::addColumn<int>("maxErrors");
        QTest::addColumn<int>("expected");
        QTest::addColumn<bool>("truncated");
        QTest::newRow("under the limit") << 100 << 10 << false;
        QTest::newRow("limited") << 3 << 3 << true;
    }
    void errorLimit()
    {
        QFETCH(int, maxErrors);
        QFETCH(int, expected);
        QFETCH(bool, truncated);
        QByteArray content = kHeader;
        for (int i = 0; i < 10; ++i)
            content += line(1, "2024-03-01", i, "Bonus", "1.00");
        const ImportOutcome out = import(writeFile(m_dir, u"many.csv"_s, content),
                                         processorMapping(), maxErrors);
        QCOMPARE(out.errors.size(), expected);
        QCOMPARE(out.errorsTruncated, truncated);
        QCOMPARE(out.errors.first().field, u"line 2, column type"_s);
        QCOMPARE(lines(), 0);
        QCOMPARE(quarantined(), 0);
    }

    void malformedCsvRefused()
    {
        const QByteArray content = kHeader + line(1, "2024-03-01", 1, "Sale", "1.00")
            + "1,2024-03-01,2,Sale,1111,\"1.00,USD,open quote\n"_ba;
        const ImportOutcome out = import(writeFile(m_dir, u"broken.csv"_s, content));
        QVERIFY(!out.ok());
        QCOMPARE(out.errors.first().code, u"csv.unclosed_quote"_s);
        QCOMPARE(out.errors.first().field, u"line 3"_s);
        QCOMPARE(lines(), 0);
        QCOMPARE(files(), 0);
        QCOMPARE(quarantined(), 0);
    }

    void mappingNotMatchingFile()
    {
        SettlementMapping m = processorMapping();
        m.batch = u"Batch Number"_s;
        const ImportOutcome out = import(writeFile(m_dir, u"x.csv"_s, kHeader + line(1, "2024-03-01", 1, "Sale", "1.00")), m);
        QVERIFY(!out.ok());
        QCOMPARE(out.errors.first().field, u"columns.batch"_s);
        QCOMPARE(files(), 0);
        QCOMPARE(quarantined(), 0);
    }

    void reimportIsNoop()
    {
        const QString path = writeFile(m_dir, u"once.csv"_s, kHeader
            + line(571, "2024-03-01", 1, "Sale", "10.00") + line(571, "2024-03-01", 2, "Sale", "20.00"));
        const ImportOutcome first = import(path);
        QVERIFY(first.ok());
        QCOMPARE(first.report.added, 2);
        // The same content under another name is still the same file.
        QFile::copy(path, m_dir.filePath(u"renamed.csv"_s));
        const ImportOutcome second = import(m_dir.filePath(u"renamed.csv"_s));
        QVERIFY(second.ok());
        QVERIFY(second.report.alreadyImported);
        QCOMPARE(second.report.fileId, first.report.fileId);
        QCOMPARE(second.report.added, 0);
        QCOMPARE(files(), 1);
        QCOMPARE(lines(), 2);
        QCOMPARE(audits(), 1);
    }

    void overlappingFileAddsOnlyNewLines()
    {
        const QByteArray a = line(570, "2024-03-01", 1, "Sale", "10.00");
        const QByteArray b = line(570, "2024-03-01", 2, "Sale", "20.00");
        // Two identical fee lines on the same day are two real fees, not one.
        const QByteArray fee = line(570, "2024-03-01", 0, "Fee", "-0.30", "monthly");
        const QByteArray c = line(571, "2024-03-02", 3, "Refund", "-5.00");
        const QByteArray d = line(571, "2024-03-02", 4, "Chargeback", "-20.00");
        const ImportOutcome first = import(writeFile(m_dir, u"week1.csv"_s, kHeader + a + b + fee + fee));
        QVERIFY(first.ok());
        QCOMPARE(first.report.added, 4);
        // A later export overlapping the first (different order, one fee more on a new day).
        const ImportOutcome second = import(writeFile(m_dir, u"week2.csv"_s,
            kHeader + b + fee + c + a + fee + d));
        QVERIFY(second.ok());
        QVERIFY(!second.report.alreadyImported);
        QCOMPARE(second.report.lines, 6);
        QCOMPARE(second.report.added, 2);
        QCOMPARE(second.report.duplicates, 4);
        QCOMPARE(lines(), 6);
        QCOMPARE(files(), 2);
        QCOMPARE(count(m_db, u"SELECT COUNT(*) FROM settlement_lines WHERE kind = 'chargeback'"_s), 1);
        QCOMPARE(audits(), 2);
    }

    void bankDepositsWithDebitCredit()
    {
        const QByteArray content =
            "Date;Description;Debit;Credit;Type\n"
            "28/02/2024;PAYTRACE DEPOSIT 570;;1.530,20;Deposit\n"
            "29/02/2024;FEES FEB;45,10;;Fee\n"
            "01/03/2024;CHARGEBACK 100000077;1.200,00;;Chargeback\n"_ba;
        const QString path = writeFile(m_dir, u"bank.csv"_s, content);
        MappingProposal p = detect(content, u"bank:acme"_s);
        p.mapping.fixedCurrency = u"EUR"_s; // a person confirms the assumed currency
        QVERIFY2(p.mapping.validate(), qPrintable(p.ambiguities.join(u"; "_s)));
        const ImportOutcome out = import(path, p.mapping);
        QVERIFY2(out.ok(), qPrintable(out.errors.isEmpty() ? QString() : out.errors.first().toString()));
        QCOMPARE(out.report.added, 3);
        QSqlQuery q(m_db);
        QVERIFY(q.exec(u"SELECT kind, amount, currency, settled_on FROM settlement_lines ORDER BY line_no"_s));
        const QList<std::tuple<QString, qint64, QString>> expected = {
            {u"deposit"_s, 153020, u"2024-02-28"_s},
            {u"fee"_s, -4510, u"2024-02-29"_s},
            {u"chargeback"_s, -120000, u"2024-03-01"_s},
        };
        for (const auto &[kind, amount, date] : expected) {
            QVERIFY(q.next());
            QCOMPARE(q.value(0).toString(), kind);
            QCOMPARE(q.value(1).toLongLong(), amount);
            QCOMPARE(q.value(2).toString(), u"EUR"_s);
            QCOMPARE(q.value(3).toString(), date);
        }
    }

    void largeFile()
    {
        constexpr int kLines = 200000;
        QByteArray content;
        content.reserve(kLines * 72);
        content += kHeader;
        const char *kinds[] = {"Sale", "Sale", "Sale", "Refund", "Chargeback", "Adjustment", "Fee"};
        for (int i = 0; i < kLines; ++i) {
            const QByteArray day = QByteArray::number(1 + i % 28).rightJustified(2, '0');
            content += QByteArray::number(500 + i / 1000) + ",2024-03-" + day + ','
                + QByteArray::number(100000000 + i) + ',' + kinds[i % 7] + ",1111,"
                + QByteArray::number(1 + i % 99999) + '.' + QByteArray::number(10 + i % 90)
                + ",USD,INV-" + QByteArray::number(i) + '\n';
        }
        const QString path = writeFile(m_dir, u"large.csv"_s, content);
        QElapsedTimer timer;
        // Reading and mapping alone (no database), to tell parsing cost from storage cost.
        timer.start();
        auto dry = preview(path, processorMapping(), 1);
        const qint64 parseMs = std::max<qint64>(timer.elapsed(), 1);
        QVERIFY(dry);
        QCOMPARE(dry->records, kLines);
        QVERIFY(dry->problems.isEmpty());
        qInfo().nospace() << "parsed " << kLines << " settlement lines in " << parseMs << " ms: "
                          << (qint64(kLines) * 1000 / parseMs) << " lines/s (this build)";
        timer.restart();
        const ImportOutcome out = import(path);
        const qint64 ms = std::max<qint64>(timer.elapsed(), 1);
        QVERIFY2(out.ok(), qPrintable(out.errors.isEmpty() ? QString() : out.errors.first().toString()));
        QCOMPARE(out.report.added, kLines);
        QCOMPARE(lines(), kLines);
        qInfo().nospace() << "imported " << kLines << " settlement lines in " << ms << " ms: "
                          << (qint64(kLines) * 1000 / ms) << " lines/s (this build)";
        // Generous: the ASan+UBSan debug build on shared cores; the release rate is measured apart.
        QVERIFY2(ms < 150000, qPrintable(QString::number(ms)));
        // Importing it again is a no-op and quick: the file is known by its hash.
        timer.restart();
        QVERIFY(import(path).report.alreadyImported);
        QCOMPARE(lines(), kLines);
    }
};

QTEST_GUILESS_MAIN(TstSettlementImport)
#include "tst_settlement_import.moc"
