#include "reconcile/settlementmapping.h"

#include <QFile>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::reconcile;

Q_DECLARE_METATYPE(pb::reconcile::DateFormat)
Q_DECLARE_METATYPE(pb::reconcile::RecordKind)
using MappingChange = std::function<void(pb::reconcile::SettlementMapping &)>;
Q_DECLARE_METATYPE(MappingChange)

namespace {

// A processor's settlement report (PayTrace style: batch, US dates, signed amounts).
const QByteArray kProcessorReport =
    "Batch Number,Settlement Date,Transaction ID,Transaction Type,Card Last 4,Amount,Currency,Invoice\r\n"
    "571,03/01/2024,100000123,Sale,1111,110.00,USD,100000123\r\n"
    "571,03/01/2024,100000124,Refund,4242,-25.50,USD,100000098\r\n"
    "572,03/13/2024,100000125,Chargeback,1111,\"-1,200.00\",USD,\"Dispute, item not received\"\r\n"
    "572,03/13/2024,,Adjustment,,2.15,USD,rounding\r\n"_ba;

// A bank statement: separate debit and credit columns, a running balance, DD/MM/YYYY.
const QByteArray kBankDeposits =
    "Date,Description,Debit,Credit,Balance,Type\n"
    "28/02/2024,PAYTRACE DEPOSIT BATCH 570,,\"1,530.20\",\"10,530.20\",Deposit\n"
    "29/02/2024,MERCHANT FEES FEB,45.10,,\"10,485.10\",Fee\n"
    "01/03/2024,CHARGEBACK 100000077,\"1,200.00\",,\"9,285.10\",Chargeback\n"_ba;

// A European export: semicolons, decimal commas, German headers and record types, BOM.
const QByteArray kEuropean =
    "\xEF\xBB\xBF" "Buchungstag;Verwendungszweck;Betrag;W\xC3\xA4hrung;Typ\n"
    "01.03.2024;Auszahlung 571;1.234,56;EUR;Auszahlung\n"
    "02.03.2024;Geb\xC3\xBChr M\xC3\xA4rz;-12,30;EUR;Geb\xC3\xBChr\n"
    "15.03.2024;R\xC3\xBC" "ckbuchung 100000077;-99,00;EUR;R\xC3\xBC" "ckbuchung\n"_ba;

const QByteArray kAmbiguousDates =
    "Date,Amount,Reference\n01/02/2024,10.00,a\n03/04/2024,20.00,b\n11/12/2024,5.00,c\n"_ba;

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
        qFatal("cannot write test file");
    return path;
}

SettlementMapping processorMapping()
{
    MappingProposal p = detect(kProcessorReport, u"paytrace"_s);
    return p.mapping;
}

Currency cur(const char *code)
{
    return *Currency::fromCode(QString::fromLatin1(code));
}

} // namespace

class TstSettlementMapping : public QObject
{
    Q_OBJECT

private slots:
    void dates_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<DateFormat>("format");
        QTest::addColumn<QDate>("expected");
        QTest::newRow("iso") << u"2024-03-01"_s << DateFormat::IsoDate << QDate(2024, 3, 1);
        QTest::newRow("iso bad day") << u"2024-02-30"_s << DateFormat::IsoDate << QDate();
        QTest::newRow("mdy") << u"03/13/2024"_s << DateFormat::MonthDayYear << QDate(2024, 3, 13);
        QTest::newRow("mdy short") << u"3/1/2024"_s << DateFormat::MonthDayYear << QDate(2024, 3, 1);
        QTest::newRow("mdy month 13") << u"13/03/2024"_s << DateFormat::MonthDayYear << QDate();
        QTest::newRow("dmy") << u"13/03/2024"_s << DateFormat::DayMonthYear << QDate(2024, 3, 13);
        QTest::newRow("dmy dots") << u"01.03.2024"_s << DateFormat::DayMonthYear << QDate(2024, 3, 1);
        QTest::newRow("dmy mixed separators") << u"01.03/2024"_s << DateFormat::DayMonthYear << QDate();
        QTest::newRow("us 12h pm") << u"3/1/2024 10:06:30 PM"_s << DateFormat::UsDateTime12h
                                   << QDate(2024, 3, 1);
        QTest::newRow("us 12h no seconds") << u"12/31/2023 9:05 am"_s << DateFormat::UsDateTime12h
                                           << QDate(2023, 12, 31);
        QTest::newRow("us 12h hour 13") << u"3/1/2024 13:06:30 PM"_s << DateFormat::UsDateTime12h
                                        << QDate();
        QTest::newRow("iso 8601 z") << u"2024-03-01T10:06:30Z"_s << DateFormat::Iso8601 << QDate(2024, 3, 1);
        QTest::newRow("iso 8601 offset fraction") << u"2024-03-01T23:59:59.250-08:00"_s
                                                  << DateFormat::Iso8601 << QDate(2024, 3, 1);
        QTest::newRow("iso 8601 without time") << u"2024-03-01"_s << DateFormat::Iso8601 << QDate();
        QTest::newRow("trailing garbage") << u"2024-03-01x"_s << DateFormat::IsoDate << QDate();
    }
    void dates()
    {
        QFETCH(QString, text);
        QFETCH(DateFormat, format);
        QFETCH(QDate, expected);
        const auto d = parseDate(text, format);
        QCOMPARE(d.value_or(QDate()), expected);
    }

    void amounts_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("decimal");
        QTest::addColumn<QString>("thousands");
        QTest::addColumn<QString>("currency");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<qint64>("minor");
        QTest::newRow("plain") << u"110.00"_s << u"."_s << u","_s << u"USD"_s << true << qint64(11000);
        QTest::newRow("grouped") << u"1,234.56"_s << u"."_s << u","_s << u"USD"_s << true << qint64(123456);
        QTest::newRow("parentheses") << u"(12.00)"_s << u"."_s << u","_s << u"USD"_s << true << qint64(-1200);
        QTest::newRow("trailing minus") << u"12.00-"_s << u"."_s << u","_s << u"USD"_s << true << qint64(-1200);
        QTest::newRow("dollar sign") << u"$1,000.00"_s << u"."_s << u","_s << u"USD"_s << true << qint64(100000);
        QTest::newRow("minus before symbol") << u"-$5.10"_s << u"."_s << u","_s << u"USD"_s << true << qint64(-510);
        QTest::newRow("iso code suffix") << u"5.10 USD"_s << u"."_s << u","_s << u"USD"_s << true << qint64(510);
        QTest::newRow("decimal comma") << u"1.234,56 \u20ac"_s << u","_s << u"."_s << u"EUR"_s << true << qint64(123456);
        QTest::newRow("decimal comma negative") << u"-12,30"_s << u","_s << u"."_s << u"EUR"_s << true << qint64(-1230);
        QTest::newRow("space groups") << u"1 234 567,89"_s << u","_s << u" "_s << u"EUR"_s << true << qint64(123456789);
        QTest::newRow("yen") << u"\u00a51,500"_s << u"."_s << u","_s << u"JPY"_s << true << qint64(1500);
        QTest::newRow("bad grouping") << u"12,3.4"_s << u"."_s << u","_s << u"USD"_s << false << qint64(0);
        QTest::newRow("two decimal points") << u"1.2.3"_s << u"."_s << u","_s << u"USD"_s << false << qint64(0);
        QTest::newRow("too precise") << u"1.234"_s << u"."_s << u","_s << u"USD"_s << false << qint64(0);
        QTest::newRow("letters") << u"abc"_s << u"."_s << u","_s << u"USD"_s << false << qint64(0);
        QTest::newRow("double sign") << u"(-5.00)"_s << u"."_s << u","_s << u"USD"_s << false << qint64(0);
        QTest::newRow("no grouping allowed") << u"1,000.00"_s << u"."_s << QString() << u"USD"_s << false << qint64(0);
        QTest::newRow("exponent") << u"1e3"_s << u"."_s << u","_s << u"USD"_s << false << qint64(0);
    }
    void amounts()
    {
        QFETCH(QString, text);
        QFETCH(QString, decimal);
        QFETCH(QString, thousands);
        QFETCH(QString, currency);
        QFETCH(bool, ok);
        QFETCH(qint64, minor);
        AmountFormat f;
        f.decimal = decimal.at(0);
        f.thousands = thousands.isEmpty() ? QChar() : thousands.at(0);
        QString why;
        const auto m = parseAmount(text, f, *Currency::fromCode(currency), &why);
        QCOMPARE(m.has_value(), ok);
        if (ok)
            QCOMPARE(m->minor(), minor);
        else
            QVERIFY(!why.isEmpty());
    }

    void detectProcessorReport()
    {
        const MappingProposal p = detect(kProcessorReport, u"paytrace"_s);
        const SettlementMapping &m = p.mapping;
        QVERIFY2(m.validate(), qPrintable(m.validate() ? QString() : m.validate().error().toString()));
        QCOMPARE(m.delimiter, ',');
        QVERIFY(m.hasHeader);
        QCOMPARE(m.transactionId, u"Transaction ID"_s);
        QCOMPARE(m.amount, u"Amount"_s);
        QCOMPARE(m.currency, u"Currency"_s);
        QCOMPARE(m.date, u"Settlement Date"_s);
        QCOMPARE(m.batch, u"Batch Number"_s);
        QCOMPARE(m.kind, u"Transaction Type"_s);
        QCOMPARE(m.cardLast4, u"Card Last 4"_s);
        QCOMPARE(m.reference, u"Invoice"_s);
        QCOMPARE(m.dateFormat, DateFormat::MonthDayYear);
        QCOMPARE(m.amountFormat.decimal, u'.');
        QCOMPARE(m.amountFormat.thousands, u',');
        QCOMPARE(m.kindMap.value(u"chargeback"_s), RecordKind::Chargeback);
        QCOMPARE(m.kindMap.value(u"adjustment"_s), RecordKind::Adjustment);
        QCOMPARE(m.kindMap.value(u"refund"_s), RecordKind::Refund);
        QVERIFY2(p.ambiguities.isEmpty(), qPrintable(p.ambiguities.join(u"; "_s)));
        QVERIFY2(p.confidence >= 90, qPrintable(QString::number(p.confidence)));
        QVERIFY(!p.reasons.isEmpty());
    }

    void detectBankDeposits()
    {
        const MappingProposal p = detect(kBankDeposits, u"bank:acme"_s);
        const SettlementMapping &m = p.mapping;
        QCOMPARE(m.debit, u"Debit"_s);
        QCOMPARE(m.credit, u"Credit"_s);
        QVERIFY(m.amount.isEmpty()); // the balance is not an amount
        QCOMPARE(m.date, u"Date"_s);
        QCOMPARE(m.dateFormat, DateFormat::DayMonthYear);
        QCOMPARE(m.reference, u"Description"_s);
        QCOMPARE(m.kindMap.value(u"deposit"_s), RecordKind::Deposit);
        QCOMPARE(m.kindMap.value(u"fee"_s), RecordKind::Fee);
        QCOMPARE(m.kindMap.value(u"chargeback"_s), RecordKind::Chargeback);
        // No currency anywhere in the file: a person must confirm the assumption.
        QCOMPARE(m.fixedCurrency, u"USD"_s);
        QVERIFY(p.ambiguities.join(u' ').contains(u"currency"_s));
        QVERIFY(p.confidence < 100);
        QVERIFY(m.validate());
    }

    void detectEuropean()
    {
        const MappingProposal p = detect(kEuropean, u"bank:sparkasse"_s);
        const SettlementMapping &m = p.mapping;
        QCOMPARE(m.delimiter, ';');
        QCOMPARE(m.amount, u"Betrag"_s);
        QCOMPARE(m.currency, u"W\u00e4hrung"_s);
        QCOMPARE(m.date, u"Buchungstag"_s);
        QCOMPARE(m.kind, u"Typ"_s);
        QCOMPARE(m.reference, u"Verwendungszweck"_s);
        QCOMPARE(m.dateFormat, DateFormat::DayMonthYear);
        QCOMPARE(m.amountFormat.decimal, u',');
        QCOMPARE(m.amountFormat.thousands, u'.');
        QCOMPARE(m.kindMap.value(u"auszahlung"_s), RecordKind::Deposit);
        QCOMPARE(m.kindMap.value(u"geb\u00fchr"_s), RecordKind::Fee);
        QCOMPARE(m.kindMap.value(u"r\u00fcckbuchung"_s), RecordKind::Chargeback);
        QVERIFY(m.validate());
    }

    void detectAmbiguousDates()
    {
        const MappingProposal p = detect(kAmbiguousDates, u"bank:x"_s);
        QCOMPARE(p.mapping.dateFormat, DateFormat::MonthDayYear);
        const QString all = p.ambiguities.join(u"; "_s);
        QVERIFY2(all.contains(u"MM/DD/YYYY"_s) && all.contains(u"DD/MM/YYYY"_s), qPrintable(all));
        QVERIFY(p.confidence <= 80);

        const DateDetection d = detectDateFormat({u"01/02/2024"_s, u"03/04/2024"_s});
        QVERIFY(d.ambiguous);
        QVERIFY(d.candidates.contains(DateFormat::DayMonthYear));
        QVERIFY(!detectDateFormat({u"01/02/2024"_s, u"03/14/2024"_s}).ambiguous);
    }

    void detectDateTimeFormats_data()
    {
        QTest::addColumn<QStringList>("values");
        QTest::addColumn<DateFormat>("expected");
        QTest::newRow("paytrace export") << QStringList{u"3/1/2024 10:06:30 PM"_s, u"3/2/2024 8:00:00 AM"_s}
                                         << DateFormat::UsDateTime12h;
        QTest::newRow("iso 8601") << QStringList{u"2024-03-01T10:06:30Z"_s, u"2024-03-02T08:00:00+01:00"_s}
                                  << DateFormat::Iso8601;
        QTest::newRow("iso date") << QStringList{u"2024-03-01"_s, u"2024-03-02"_s} << DateFormat::IsoDate;
        QTest::newRow("nothing") << QStringList{u"yesterday"_s} << DateFormat::Unknown;
    }
    void detectDateTimeFormats()
    {
        QFETCH(QStringList, values);
        QFETCH(DateFormat, expected);
        QCOMPARE(detectDateFormat(values).format, expected);
    }

    void detectWithoutHeader()
    {
        const QByteArray data = "2024-03-01,110.00,100000123\n2024-03-02,25.50,100000124\n"_ba;
        const MappingProposal p = detect(data, u"x"_s);
        QVERIFY(!p.mapping.hasHeader);
        QCOMPARE(p.mapping.date, u"column 1"_s);
        QCOMPARE(p.mapping.amount, u"column 2"_s);
        QCOMPARE(p.mapping.dateFormat, DateFormat::IsoDate);
        QVERIFY(p.confidence < 80);
    }

    void detectUnknownRecordType()
    {
        const QByteArray data = "Date,Amount,Type\n2024-03-01,1.00,Sale\n2024-03-02,2.00,Zorblax\n"_ba;
        const MappingProposal p = detect(data, u"x"_s);
        QVERIFY(p.ambiguities.join(u' ').contains(u"'Zorblax'"_s));
        QVERIFY(!p.mapping.kindMap.contains(u"zorblax"_s));
    }

    void badMappings_data()
    {
        QTest::addColumn<MappingChange>("change");
        QTest::addColumn<QString>("field");
        using F = MappingChange;
        QTest::newRow("no amount") << F([](SettlementMapping &m) { m.amount.clear(); }) << u"columns.amount"_s;
        QTest::newRow("amount and debit") << F([](SettlementMapping &m) { m.debit = u"Debit"_s; })
                                          << u"columns.amount"_s;
        QTest::newRow("no date") << F([](SettlementMapping &m) { m.date.clear(); }) << u"columns.date"_s;
        QTest::newRow("no currency") << F([](SettlementMapping &m) { m.currency.clear(); }) << u"currency"_s;
        QTest::newRow("two currencies") << F([](SettlementMapping &m) { m.fixedCurrency = u"USD"_s; })
                                        << u"currency"_s;
        QTest::newRow("bad fixed currency") << F([](SettlementMapping &m) {
            m.currency.clear();
            m.fixedCurrency = u"DOLLARS"_s;
        }) << u"fixedCurrency"_s;
        QTest::newRow("no date format") << F([](SettlementMapping &m) { m.dateFormat = DateFormat::Unknown; })
                                        << u"dateFormat"_s;
        QTest::newRow("same separators") << F([](SettlementMapping &m) { m.amountFormat.thousands = u'.'; })
                                         << u"amountFormat.thousands"_s;
        QTest::newRow("bad decimal") << F([](SettlementMapping &m) { m.amountFormat.decimal = u'x'; })
                                     << u"amountFormat.decimal"_s;
        QTest::newRow("column twice") << F([](SettlementMapping &m) { m.reference = m.transactionId; })
                                      << u"columns.reference"_s;
        QTest::newRow("no source") << F([](SettlementMapping &m) { m.source.clear(); }) << u"source"_s;
        QTest::newRow("kind column without values") << F([](SettlementMapping &m) { m.kindMap.clear(); })
                                                    << u"kinds"_s;
        QTest::newRow("bad delimiter") << F([](SettlementMapping &m) { m.delimiter = 'x'; }) << u"delimiter"_s;
    }
    void badMappings()
    {
        QFETCH(MappingChange, change);
        QFETCH(QString, field);
        SettlementMapping m = processorMapping();
        QVERIFY(m.validate());
        change(m);
        const Status s = m.validate();
        QVERIFY(!s);
        QCOMPARE(s.error().field, field);
        QVERIFY(!s.error().message.isEmpty());
    }

    void missingColumn()
    {
        SettlementMapping m = processorMapping();
        m.batch = u"Batch No"_s;
        const Status s = m.validateAgainst({u"Settlement Date"_s, u"Amount"_s});
        QVERIFY(!s);
        QVERIFY(s.error().field.startsWith(u"columns."_s));
        QVERIFY(s.error().message.contains(u"is not in the file"_s));
    }

    void jsonRoundTrip()
    {
        const SettlementMapping m = detect(kEuropean, u"bank:sparkasse"_s).mapping;
        const QJsonObject json = m.toJson();
        QCOMPARE(json.value(u"version"_s).toInt(), SettlementMapping::kVersion);
        // Through text, as it is saved.
        const QJsonObject reread = QJsonDocument::fromJson(QJsonDocument(json).toJson()).object();
        auto back = SettlementMapping::fromJson(reread);
        QVERIFY2(back, qPrintable(back ? QString() : back.error().toString()));
        QCOMPARE(back->toJson(), json);
        QCOMPARE(back->delimiter, ';');
        QCOMPARE(back->kindMap, m.kindMap);
        QCOMPARE(back->amountFormat, m.amountFormat);
    }

    void badJson_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QJsonValue>("value");
        QTest::addColumn<QString>("field");
        QTest::newRow("future version") << u"version"_s << QJsonValue(2) << u"version"_s;
        QTest::newRow("no version") << u"version"_s << QJsonValue(QJsonValue::Undefined) << u"version"_s;
        QTest::newRow("bad kind") << u"kinds"_s << QJsonValue(QJsonObject{{u"CB"_s, u"refnd"_s}})
                                  << u"kinds.CB"_s;
        QTest::newRow("bad date format") << u"dateFormat"_s << QJsonValue(u"YY/MM"_s) << u"dateFormat"_s;
        QTest::newRow("bad delimiter") << u"delimiter"_s << QJsonValue(u"::"_s) << u"delimiter"_s;
        QTest::newRow("header not bool") << u"hasHeader"_s << QJsonValue(u"yes"_s) << u"hasHeader"_s;
        QTest::newRow("column not text") << u"columns"_s << QJsonValue(QJsonObject{{u"amount"_s, 3}})
                                         << u"columns.amount"_s;
        QTest::newRow("bad default kind") << u"defaultKind"_s << QJsonValue(u"payment"_s) << u"defaultKind"_s;
    }
    void badJson()
    {
        QFETCH(QString, key);
        QFETCH(QJsonValue, value);
        QFETCH(QString, field);
        QJsonObject json = processorMapping().toJson();
        if (value.isUndefined())
            json.remove(key);
        else
            json.insert(key, value);
        auto m = SettlementMapping::fromJson(json);
        QVERIFY(!m);
        QCOMPARE(m.error().field, field);
    }

    void previewRowsAndProblems()
    {
        QTemporaryDir dir;
        const QByteArray bad = kProcessorReport
            + "573,03/14/2024,100000126,Sale,1111,\"12,3.4\",USD,x\r\n"
              "573,14/03/2024,100000127,Sale,1111,1.00,USD,y\r\n"
              "573,03/14/2024,100000128,Bonus,1111,1.00,USD,z\r\n"
              "573,03/14/2024,100000129,Sale,4111111111111111,1.00,USD,z\r\n"
              "573,03/14/2024,100000130,Sale,1111,1.00,XYZ,z\r\n"_ba;
        const QString path = writeFile(dir, u"report.csv"_s, bad);
        auto r = preview(path, processorMapping(), 2);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        QCOMPARE(r->rows.size(), 2);
        QCOMPARE(r->records, 9);
        QCOMPARE(r->rows.at(0).amount, Money::fromMinor(11000, cur("USD")));
        QCOMPARE(r->rows.at(0).settledOn, QDate(2024, 3, 1));
        QCOMPARE(r->rows.at(0).transactionId, u"100000123"_s);
        QCOMPARE(r->rows.at(0).cardLast4, u"1111"_s);
        QCOMPARE(r->rows.at(1).kind, RecordKind::Refund);
        QCOMPARE(r->problems.size(), 5);
        QCOMPARE(r->problems.at(0).toString(),
                 u"line 6, column Amount: '12,3.4' is not an amount (misplaced thousands separator)"_s);
        QCOMPARE(r->problems.at(1).field, u"line 7, column Settlement Date"_s);
        QCOMPARE(r->problems.at(2).field, u"line 8, column Transaction Type"_s);
        QCOMPARE(r->problems.at(3).field, u"line 9, column Card Last 4"_s);
        // A card number is never echoed, not even in an error.
        QVERIFY(!r->problems.at(3).message.contains(u"4111111111111111"_s));
        QCOMPARE(r->problems.at(4).field, u"line 10, column Currency"_s);
    }
};

QTEST_GUILESS_MAIN(TstSettlementMapping)
#include "tst_settlement_mapping.moc"
