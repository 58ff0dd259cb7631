#include "erp/csvfilesink.h"
#include "erp/journalentry.h"
#include "mapping/mappingprofile.h"

#include <QFile>
#include <QLockFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::erp;
using mapping::MappingProfile;

namespace {

Money money(const QString &code, const QString &text)
{
    return Money::parse(text, *Currency::fromCode(code)).value();
}

const QDate kDate(2024, 3, 1);

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}

} // namespace

class TestErpCsv : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void layout()
    {
        const JournalEntry e{kDate, u"pb:manual:1"_s, u"Adjust, \"quoted\" text"_s,
                             {{u"Assets:Bank:Operating"_s, money(u"KWD"_s, u"-1.250"_s), u"memo, with comma"_s},
                              {u"Expenses:Misc"_s, money(u"KWD"_s, u"1.250"_s), {}}}};
        QCOMPARE(CsvFileSink::format(e),
                 QByteArray("2024-03-01,pb:manual:1,Assets:Bank:Operating,\"Adjust, \"\"quoted\"\" text\",\"memo, with comma\",,1.250,KWD\r\n"
                            "2024-03-01,pb:manual:1,Expenses:Misc,\"Adjust, \"\"quoted\"\" text\",,1.250,,KWD\r\n"));
        const auto parsed = CsvFileSink::parse(CsvFileSink::header() + CsvFileSink::format(e));
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().toString()));
        QCOMPARE(parsed->size(), 1);
        QCOMPARE(parsed->first(), e);
    }

    void exactlyOnceAndAtomic()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"journal.csv"_s);
        const MappingProfile p = MappingProfile::defaults();
        QList<JournalEntry> batch;
        batch << saleEntry(p, kDate, u"100000123"_s, money(u"USD"_s, u"110.00"_s)).value()
              << paymentEntry(p, kDate, u"100000123"_s, u"T1"_s, money(u"USD"_s, u"110.00"_s)).value()
              << feeEntry(p, kDate, u"571"_s, money(u"JPY"_s, u"1500"_s)).value();
        {
            CsvFileSink sink(path);
            QCOMPARE(sink.lookupNow(batch.first().externalRef).value(), std::nullopt);
            const auto first = sink.postNow(batch);
            QVERIFY(first.ok());
            QCOMPARE(first->posted.size(), 3);
        }
        const QByteArray afterFirst = readFile(path);
        QVERIFY(afterFirst.startsWith(CsvFileSink::header()));
        QCOMPARE(afterFirst.count("\r\n"), 1 + 6);

        CsvFileSink reopened(path);
        const auto again = reopened.postNow(batch);
        QVERIFY(again.ok());
        QCOMPARE(again->posted.size(), 0);
        QCOMPARE(again->alreadyPosted.size(), 3);
        QCOMPARE(readFile(path), afterFirst);

        JournalEntry changed = batch.at(0);
        changed.postings[0].amount = money(u"USD"_s, u"111.00"_s);
        changed.postings[1].amount = money(u"USD"_s, u"-111.00"_s);
        const JournalEntry fresh = writeOffEntry(p, kDate, u"100000124"_s, money(u"USD"_s, u"0.01"_s)).value();
        const auto mixed = reopened.postNow({changed, fresh, fresh});
        QVERIFY(mixed.ok());
        QCOMPARE(mixed->posted, QStringList{fresh.externalRef});
        QCOMPARE(mixed->alreadyPosted, (QStringList{changed.externalRef, fresh.externalRef}));
        QCOMPARE(mixed->conflicting, QStringList{changed.externalRef});
        QVERIFY(readFile(path).startsWith(afterFirst));
        const auto all = reopened.readAll();
        QVERIFY(all.ok());
        QCOMPARE(*all, batch + QList<JournalEntry>{fresh});
        const auto found = reopened.lookupNow(u"pb:fee:571"_s);
        QVERIFY(found.ok() && found->has_value());
        QCOMPARE((*found)->postings.at(0).amount, money(u"JPY"_s, u"1500"_s));

        // An invalid entry fails the whole call and writes nothing.
        JournalEntry bad = fresh;
        bad.externalRef = u"pb:x:1"_s;
        bad.postings[0].amount = money(u"USD"_s, u"0.02"_s);
        const QByteArray before = readFile(path);
        QVERIFY(!reopened.postNow({batch.at(0), bad}).ok());
        QCOMPARE(readFile(path), before);
    }

    void unreadableFile_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("error");
        const QByteArray h = CsvFileSink::header();
        QTest::newRow("header") << QByteArray("date,ref\r\n") << u"line 1: the header"_s;
        QTest::newRow("fields") << h + "2024-03-01,pb:a:1,A,d,,1.00,,USD,extra\r\n" << u"line 2: 9 fields"_s;
        QTest::newRow("date") << h + "2024-13-01,pb:a:1,A,d,,1.00,,USD\r\n" << u"line 2: date"_s;
        QTest::newRow("both sides") << h + "2024-03-01,pb:a:1,A,d,,1.00,1.00,USD\r\n" << u"line 2: exactly one"_s;
        QTest::newRow("precision") << h + "2024-03-01,pb:a:1,A,d,,1.001,,USD\r\n" << u"line 2: debit"_s;
        QTest::newRow("currency") << h + "2024-03-01,pb:a:1,A,d,,1.00,,XYZ\r\n" << u"line 2: currency"_s;
        QTest::newRow("unbalanced") << h + "2024-03-01,pb:a:1,A,d,,1.00,,USD\r\n2024-03-01,pb:a:1,B,d,,,0.99,USD\r\n"
                                    << u"line 2: "_s;
        QTest::newRow("split entry") << h + "2024-03-01,pb:a:1,A,d,,1.00,,USD\r\n2024-03-01,pb:b:1,B,d,,,1.00,USD\r\n"
                                             "2024-03-01,pb:a:1,B,d,,,1.00,USD\r\n"
                                     << u"line 4: reference pb:a:1 is also on line 2"_s;
        QTest::newRow("open quote") << h + "2024-03-01,pb:a:1,\"A,d,,1.00,,USD\r\n" << u"line 2: a quoted field"_s;
    }

    void unreadableFile()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, error);
        QTemporaryDir dir;
        const QString path = dir.filePath(u"j.csv"_s);
        writeFile(path, text);
        CsvFileSink sink(path);
        const JournalEntry e = saleEntry(MappingProfile::defaults(), kDate, u"7"_s, money(u"USD"_s, u"1.00"_s)).value();
        const auto posted = sink.postNow({e});
        QVERIFY(!posted.ok());
        QVERIFY2(posted.error().message.contains(error), qPrintable(posted.error().toString()));
        QCOMPARE(readFile(path), text);
        // Through the asynchronous interface: a permanent error, reported before returning.
        JournalSink &async = sink;
        QObject context;
        int calls = 0;
        async.lookup(e.externalRef, &context, [&](const Result<std::optional<JournalEntry>> &r) {
            ++calls;
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, u"erp.permanent"_s);
            QVERIFY(r.error().message.contains(error));
        });
        QCOMPARE(calls, 1);
    }

    void lockedIsTransient()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(u"j.csv"_s);
        QLockFile other(path + u".lock"_s);
        QVERIFY(other.tryLock(0));
        CsvFileSink sink(path);
        QObject context;
        int calls = 0;
        const JournalEntry e = saleEntry(MappingProfile::defaults(), kDate, u"7"_s, money(u"USD"_s, u"1.00"_s)).value();
        static_cast<JournalSink &>(sink).post({e}, &context, [&](const Result<PostResult> &r) {
            ++calls;
            QVERIFY(!r.ok());
            QCOMPARE(r.error().code, u"erp.transient"_s);
        });
        QCOMPARE(calls, 1);
        QVERIFY(!QFile::exists(path));
    }
};

QTEST_GUILESS_MAIN(TestErpCsv)
#include "tst_erp_csv.moc"
