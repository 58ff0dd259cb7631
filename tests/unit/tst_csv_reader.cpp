#include "reconcile/csvreader.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::reconcile;

using Rows = QList<QStringList>;

namespace {

struct Read
{
    Rows rows;
    QList<qint64> lines;
    std::optional<Error> error;
};

Read readAll(const QByteArray &data, char delimiter, CsvLimits limits = {})
{
    CsvReader reader(limits);
    Read out;
    if (Status s = reader.openData(data); !s) {
        out.error = s.error();
        return out;
    }
    reader.setDelimiter(delimiter);
    CsvRecord rec;
    while (reader.next(rec)) {
        out.rows.append(rec.texts());
        out.lines.append(rec.line());
    }
    out.error = reader.error();
    return out;
}

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
        qFatal("cannot write test file");
    return path;
}

} // namespace

class TstCsvReader : public QObject
{
    Q_OBJECT

private slots:
    void quoting_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<Rows>("expected");
        QTest::addColumn<QList<qint64>>("lines");
        QTest::newRow("plain") << "a,b,c\n1,2,3\n"_ba << Rows{{u"a"_s, u"b"_s, u"c"_s}, {u"1"_s, u"2"_s, u"3"_s}}
                               << QList<qint64>{1, 2};
        QTest::newRow("no final newline") << "a,b\n1,2"_ba << Rows{{u"a"_s, u"b"_s}, {u"1"_s, u"2"_s}}
                                          << QList<qint64>{1, 2};
        QTest::newRow("quoted comma") << "\"Smith, John\",5\n"_ba << Rows{{u"Smith, John"_s, u"5"_s}}
                                      << QList<qint64>{1};
        QTest::newRow("doubled quote") << "\"say \"\"hi\"\"\",x\n"_ba
                                       << Rows{{u"say \"hi\""_s, u"x"_s}} << QList<qint64>{1};
        QTest::newRow("embedded newline") << "\"two\nlines\",x\nnext,y\n"_ba
                                          << Rows{{u"two\nlines"_s, u"x"_s}, {u"next"_s, u"y"_s}}
                                          << QList<qint64>{1, 3};
        QTest::newRow("empty fields") << ",,\n"_ba << Rows{{QString(), QString(), QString()}}
                                      << QList<qint64>{1};
        QTest::newRow("empty quoted") << "\"\",a\n"_ba << Rows{{QString(), u"a"_s}} << QList<qint64>{1};
        QTest::newRow("crlf") << "a,b\r\n1,2\r\n"_ba << Rows{{u"a"_s, u"b"_s}, {u"1"_s, u"2"_s}}
                              << QList<qint64>{1, 2};
        QTest::newRow("crlf inside quotes kept") << "\"x\r\ny\",1\r\n"_ba
                                                 << Rows{{u"x\r\ny"_s, u"1"_s}} << QList<qint64>{1};
        QTest::newRow("blank lines skipped") << "a\n\n\r\nb\n"_ba << Rows{{u"a"_s}, {u"b"_s}}
                                             << QList<qint64>{1, 4};
        QTest::newRow("utf8 text") << "caf\xC3\xA9,\xE2\x82\xAC" "5\n"_ba
                                   << Rows{{u"caf\u00e9"_s, u"\u20ac5"_s}} << QList<qint64>{1};
    }
    void quoting()
    {
        QFETCH(QByteArray, input);
        QFETCH(Rows, expected);
        QFETCH(QList<qint64>, lines);
        const Read r = readAll(input, ',');
        QVERIFY2(!r.error, qPrintable(r.error ? r.error->toString() : QString()));
        QCOMPARE(r.rows, expected);
        QCOMPARE(r.lines, lines);
    }

    void malformed_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("line");
        QTest::newRow("unclosed quote") << "a,b\n1,\"open\n2,3\n"_ba << u"csv.unclosed_quote"_s << u"line 2"_s;
        QTest::newRow("text after quote") << "a\n\"x\"y,1\n"_ba << u"csv.after_quote"_s << u"line 2"_s;
    }
    void malformed()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, code);
        QFETCH(QString, line);
        const Read r = readAll(input, ',');
        QVERIFY(r.error);
        QCOMPARE(r.error->code, code);
        QCOMPARE(r.error->field, line);
    }

    void delimiters_data()
    {
        QTest::addColumn<QByteArray>("sample");
        QTest::addColumn<char>("expected");
        QTest::newRow("comma") << "id,amount,date\n1,2.00,2024-01-01\n2,3.00,2024-01-02\n"_ba << ',';
        QTest::newRow("semicolon with decimal commas")
            << "id;betrag;datum\n1;2,50;01.02.2024\n2;1.234,00;02.02.2024\n"_ba << ';';
        QTest::newRow("tab") << "id\tamount\n1\t2,000.00\n2\t3.00\n"_ba << '\t';
        QTest::newRow("pipe") << "id|amount|memo\n1|2.00|a, b, c\n2|3.00|d, e\n"_ba << '|';
        // Commas inside quotes must not win over the real delimiter.
        QTest::newRow("quoted commas, semicolon delimiter")
            << "name;amount\n\"Doe, J, Jr, III\";5\n\"A, B, C, D\";6\n"_ba << ';';
        QTest::newRow("single column") << "amount\n5\n6\n"_ba << ',';
    }
    void delimiters()
    {
        QFETCH(QByteArray, sample);
        QFETCH(char, expected);
        QString reason;
        QCOMPARE(CsvReader::detectDelimiter(sample, &reason), expected);
        QVERIFY(!reason.isEmpty());
    }

    void header_data()
    {
        QTest::addColumn<QStringList>("first");
        QTest::addColumn<Rows>("rest");
        QTest::addColumn<bool>("isHeader");
        QTest::newRow("names then values") << QStringList{u"Transaction ID"_s, u"Amount"_s}
                                           << Rows{{u"123"_s, u"5.00"_s}} << true;
        QTest::newRow("values first") << QStringList{u"123"_s, u"5.00"_s}
                                      << Rows{{u"124"_s, u"6.00"_s}} << false;
        QTest::newRow("date first") << QStringList{u"2024-01-02"_s, u"sale"_s}
                                    << Rows{{u"2024-01-03"_s, u"sale"_s}} << false;
        QTest::newRow("text-only data") << QStringList{u"name"_s, u"city"_s}
                                        << Rows{{u"bob"_s, u"paris"_s}} << false;
    }
    void header()
    {
        QFETCH(QStringList, first);
        QFETCH(Rows, rest);
        QFETCH(bool, isHeader);
        QCOMPARE(CsvReader::looksLikeHeader(first, rest), isHeader);
    }

    void bom()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QByteArray body = "id,amount\r\n1,2.00\r\n"_ba;
        for (const bool withBom : {false, true}) {
            CsvReader reader;
            QVERIFY(reader.openFile(writeFile(dir, withBom ? u"bom.csv"_s : u"plain.csv"_s,
                                              withBom ? "\xEF\xBB\xBF"_ba + body : body)));
            QCOMPARE(reader.hadBom(), withBom);
            CsvRecord rec;
            QVERIFY(reader.next(rec));
            QCOMPARE(rec.texts(), (QStringList{u"id"_s, u"amount"_s})); // no BOM in the first name
            QVERIFY(reader.next(rec));
            QCOMPARE(rec.line(), 2);
            QCOMPARE(QByteArray(rec.raw().data(), rec.raw().size()), "1,2.00"_ba);
            QVERIFY(!reader.next(rec));
            QVERIFY(!reader.error());
        }
    }

    void invalidUtf8_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QString>("line");
        QTest::newRow("latin-1 byte on line 3") << "a,b\n1,ok\n2,caf\xE9\n"_ba << u"line 3"_s;
        QTest::newRow("truncated sequence at end") << "a\n\xE2\x82"_ba << u"line 2"_s;
        QTest::newRow("overlong encoding") << "a\n\xC0\xAF\n"_ba << u"line 2"_s;
        QTest::newRow("surrogate") << "a\n\xED\xA0\x80\n"_ba << u"line 2"_s;
        QTest::newRow("inside a multi-line field")
            << "a,b\n\"x\ny\xFF\",1\n"_ba << u"line 3"_s;
    }
    void invalidUtf8()
    {
        QFETCH(QByteArray, input);
        QFETCH(QString, line);
        const Read r = readAll(input, ',');
        QVERIFY(r.error);
        QCOMPARE(r.error->code, u"csv.invalid_utf8"_s);
        QCOMPARE(r.error->field, line);
        QVERIFY2(r.error->message.contains(u"UTF-8"_s), qPrintable(r.error->message));
    }

    void limits_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("maxRecordBytes");
        QTest::addColumn<int>("maxFields");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("line");
        QTest::newRow("record too long") << "a,b\n" + QByteArray(200, 'x') + "\n"_ba << 100 << 10
                                         << u"csv.record_too_long"_s << u"line 2"_s;
        QTest::newRow("quoted record too long")
            << "a\n\"" + QByteArray(60, 'y') + "\n" + QByteArray(60, 'y') + "\"\n"_ba << 100 << 10
            << u"csv.record_too_long"_s << u"line 2"_s;
        QTest::newRow("too many fields") << "a\n1,2,3,4,5,6\n"_ba << 100 << 5
                                         << u"csv.too_many_fields"_s << u"line 2"_s;
        QTest::newRow("at the limits") << "a\n1,2,3,4,5\n"_ba << 100 << 5 << QString() << QString();
    }
    void limits()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, maxRecordBytes);
        QFETCH(int, maxFields);
        QFETCH(QString, code);
        QFETCH(QString, line);
        CsvLimits limits;
        limits.maxRecordBytes = maxRecordBytes;
        limits.maxFields = maxFields;
        const Read r = readAll(input, ',', limits);
        if (code.isEmpty()) {
            QVERIFY(!r.error);
            return;
        }
        QVERIFY(r.error);
        QCOMPARE(r.error->code, code);
        QCOMPARE(r.error->field, line);
    }

    void fileTooLarge()
    {
        QTemporaryDir dir;
        CsvLimits limits;
        limits.maxFileBytes = 10;
        CsvReader reader(limits);
        const Status s = reader.openFile(writeFile(dir, u"big.csv"_s, QByteArray(11, 'a')));
        QVERIFY(!s);
        QCOMPARE(s.error().code, u"csv.file_too_large"_s);
        QVERIFY(s.error().message.contains(u"11 bytes"_s));
    }

    void missingFile()
    {
        CsvReader reader;
        const Status s = reader.openFile(u"/nonexistent/settlement.csv"_s);
        QVERIFY(!s);
        QCOMPARE(s.error().code, u"csv.open"_s);
    }

    void otherDelimiterQuoted()
    {
        const Read r = readAll("a;\"b;c\";d\n"_ba, ';');
        QVERIFY(!r.error);
        QCOMPARE(r.rows, (Rows{{u"a"_s, u"b;c"_s, u"d"_s}}));
    }
};

QTEST_GUILESS_MAIN(TstCsvReader)
#include "tst_csv_reader.moc"
