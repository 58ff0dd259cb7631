#include "money/exactamount.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using pb::Currency;
using pb::ExactAmount;
using pb::Money;

namespace {

Currency cur(const QString &code)
{
    const auto c = Currency::fromCode(code);
    if (!c)
        qFatal("test currency %s unknown", qPrintable(code));
    return *c;
}

// A JSON number exactly as a parser produces it from text.
QJsonValue jsonNumber(const char *text)
{
    return QJsonDocument::fromJson(QByteArray("[") + text + "]").array().at(0);
}

} // namespace

class TestExactAmount : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rounding_data();
    void rounding();
    void jsonNumbers_data();
    void jsonNumbers();
    void errors_data();
    void errors();
    void hugeValues();
    void fromMoney();
    void rateText();
    void exactTextMatching();
};

void TestExactAmount::rounding_data()
{
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("exact");
    QTest::addColumn<QString>("rounded");
    QTest::addColumn<QString>("difference");
    QTest::addColumn<bool>("finer");

    QTest::newRow("tax-inclusive price") << u"USD"_s << u"8.2645"_s << u"8.2645"_s << u"8.26"_s << u"0.0045"_s << true;
    QTest::newRow("above half") << u"USD"_s << u"8.2655"_s << u"8.2655"_s << u"8.27"_s << u"-0.0045"_s << true;
    QTest::newRow("tie to even down") << u"USD"_s << u"8.265"_s << u"8.265"_s << u"8.26"_s << u"0.005"_s << true;
    QTest::newRow("tie to even up") << u"USD"_s << u"8.275"_s << u"8.275"_s << u"8.28"_s << u"-0.005"_s << true;
    QTest::newRow("negative tie down") << u"USD"_s << u"-8.265"_s << u"-8.265"_s << u"-8.26"_s << u"-0.005"_s << true;
    QTest::newRow("negative tie up") << u"USD"_s << u"-8.275"_s << u"-8.275"_s << u"-8.28"_s << u"0.005"_s << true;
    QTest::newRow("negative below half") << u"USD"_s << u"-0.0049"_s << u"-0.0049"_s << u"0.00"_s << u"-0.0049"_s << true;
    QTest::newRow("trailing zeros are exact") << u"USD"_s << u"8.1000"_s << u"8.10"_s << u"8.10"_s << u"0"_s << false;
    QTest::newRow("whole") << u"USD"_s << u"110"_s << u"110.00"_s << u"110.00"_s << u"0"_s << false;
    QTest::newRow("JPY tie to even down") << u"JPY"_s << u"1500.5"_s << u"1500.5"_s << u"1500"_s << u"0.5"_s << true;
    QTest::newRow("JPY tie to even up") << u"JPY"_s << u"1501.5"_s << u"1501.5"_s << u"1502"_s << u"-0.5"_s << true;
    QTest::newRow("JPY four digits") << u"JPY"_s << u"1500.0001"_s << u"1500.0001"_s << u"1500"_s << u"0.0001"_s << true;
    QTest::newRow("JPY whole with zeros") << u"JPY"_s << u"1500.0000"_s << u"1500"_s << u"1500"_s << u"0"_s << false;
    QTest::newRow("KWD fils") << u"KWD"_s << u"1.2345"_s << u"1.2345"_s << u"1.234"_s << u"0.0005"_s << true;
    QTest::newRow("KWD tie up") << u"KWD"_s << u"1.2355"_s << u"1.2355"_s << u"1.236"_s << u"-0.0005"_s << true;
    QTest::newRow("KWD exact") << u"KWD"_s << u"0.001"_s << u"0.001"_s << u"0.001"_s << u"0"_s << false;
    QTest::newRow("CLF has four digits") << u"CLF"_s << u"1.2345"_s << u"1.2345"_s << u"1.2345"_s << u"0"_s << false;
    QTest::newRow("carry into whole") << u"USD"_s << u"9.9951"_s << u"9.9951"_s << u"10.00"_s << u"-0.0049"_s << true;
}

void TestExactAmount::rounding()
{
    QFETCH(QString, currency);
    QFETCH(QString, text);
    QFETCH(QString, exact);
    QFETCH(QString, rounded);
    QFETCH(QString, difference);
    QFETCH(bool, finer);

    const auto a = ExactAmount::parse(text, cur(currency), u"grand_total"_s);
    QVERIFY2(a.ok(), qPrintable(a.ok() ? QString() : a.error().toString()));
    QCOMPARE(a->toDecimalString(), exact);
    QCOMPARE(a->isFinerThanCurrency(), finer);
    QCOMPARE(a->rounded().toDecimalString(), rounded);
    QCOMPARE(a->rounded().currency(), cur(currency));
    QCOMPARE(a->roundingDifference(), difference);
    // The same through a JSON string.
    const auto viaJson = ExactAmount::fromJson(QJsonValue(text), cur(currency));
    QVERIFY(viaJson.ok());
    QCOMPARE(*viaJson, *a);
}

void TestExactAmount::jsonNumbers_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("exact");
    QTest::newRow("four decimals") << QByteArray("8.2645") << u"8.2645"_s;
    QTest::newRow("binary-unfriendly") << QByteArray("51.88") << u"51.88"_s;
    QTest::newRow("0.1 stays 0.1") << QByteArray("0.1") << u"0.10"_s;
    QTest::newRow("integer") << QByteArray("165") << u"165.00"_s;
    QTest::newRow("negative") << QByteArray("-4.1322") << u"-4.1322"_s;
}

void TestExactAmount::jsonNumbers()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, exact);
    const auto a = ExactAmount::fromJson(jsonNumber(json.constData()), Currency::usd(), u"price"_s);
    QVERIFY2(a.ok(), qPrintable(a.ok() ? QString() : a.error().toString()));
    QCOMPARE(a->toDecimalString(), exact);
}

void TestExactAmount::errors_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("code");
    QTest::newRow("five digits") << QJsonValue(u"8.26451"_s) << u"USD"_s << u"money.precision"_s;
    QTest::newRow("five digits JPY") << QJsonValue(u"1500.00001"_s) << u"JPY"_s << u"money.precision"_s;
    QTest::newRow("five digits number") << jsonNumber("8.26451") << u"USD"_s << u"money.precision"_s;
    QTest::newRow("too many significant") << jsonNumber("1234567890.1234567") << u"USD"_s << u"money.precision"_s;
    QTest::newRow("exponent") << QJsonValue(u"1e3"_s) << u"USD"_s << u"money.syntax"_s;
    QTest::newRow("space") << QJsonValue(u" 1.00"_s) << u"USD"_s << u"money.syntax"_s;
    QTest::newRow("comma") << QJsonValue(u"1,000.00"_s) << u"USD"_s << u"money.syntax"_s;
    QTest::newRow("bare point") << QJsonValue(u"1."_s) << u"USD"_s << u"money.syntax"_s;
    QTest::newRow("empty") << QJsonValue(u""_s) << u"USD"_s << u"money.syntax"_s;
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << u"USD"_s << u"money.type"_s;
    QTest::newRow("bool") << QJsonValue(true) << u"USD"_s << u"money.type"_s;
    QTest::newRow("overflow") << QJsonValue(u"922337203685478.0001"_s) << u"USD"_s << u"money.overflow"_s;
}

void TestExactAmount::errors()
{
    QFETCH(QJsonValue, value);
    QFETCH(QString, currency);
    QFETCH(QString, code);
    const auto a = ExactAmount::fromJson(value, cur(currency), u"items[2].grand_total"_s);
    QVERIFY(!a.ok());
    QCOMPARE(a.error().code, code);
    QCOMPARE(a.error().field, u"items[2].grand_total"_s);
    QVERIFY(a.error().toString().startsWith(u"items[2].grand_total: "_s));
}

void TestExactAmount::hugeValues()
{
    // Whole amounts keep Money's range; four decimals fit up to about 9.2e14.
    const auto whole = ExactAmount::parse(u"92233720368547758.07"_s, Currency::usd());
    QVERIFY(whole.ok());
    QCOMPARE(whole->rounded(), Money::fromMinor(std::numeric_limits<qint64>::max(), Currency::usd()));
    QVERIFY(!whole->isFinerThanCurrency());
    const auto fine = ExactAmount::parse(u"-922337203685477.5807"_s, Currency::usd());
    QVERIFY(fine.ok());
    QCOMPARE(fine->rounded().toDecimalString(), u"-922337203685477.58"_s);
    QCOMPARE(fine->roundingDifference(), u"-0.0007"_s); // exact minus rounded
    // Rounding up at the very top of the range stays in range.
    const auto top = ExactAmount::parse(u"922337203685477.5807"_s, Currency::usd());
    QVERIFY(top.ok());
    QCOMPARE(top->rounded().toDecimalString(), u"922337203685477.58"_s);
    QVERIFY(!ExactAmount::parse(u"-922337203685477.5808"_s, Currency::usd()).ok());
    QVERIFY(!ExactAmount::parse(u"99999999999999999999"_s, Currency::usd()).ok());
}

void TestExactAmount::fromMoney()
{
    const Money m = Money::fromMinor(1234, Currency::usd());
    const ExactAmount a = ExactAmount::fromMoney(m);
    QCOMPARE(a.toDecimalString(), u"12.34"_s);
    QVERIFY(!a.isFinerThanCurrency());
    QCOMPARE(a.rounded(), m);
    QVERIFY(!ExactAmount::fromMoney(Money()).isValid());
    QVERIFY(!ExactAmount().rounded().isValid());
}

void TestExactAmount::rateText()
{
    QCOMPARE(*pb::exactDecimalText(jsonNumber("3.75"), u"r"_s), u"3.75"_s);
    QCOMPARE(*pb::exactDecimalText(jsonNumber("1"), u"r"_s), u"1"_s);
    QCOMPARE(*pb::exactDecimalText(QJsonValue(u"0.0091"_s), u"r"_s), u"0.0091"_s);
    QVERIFY(!pb::exactDecimalText(QJsonValue(u"1e2"_s), u"r"_s).ok());
    QVERIFY(!pb::exactDecimalText(QJsonValue(true), u"r"_s).ok());
}

void TestExactAmount::exactTextMatching()
{
    const Money stored = Money::fromMinor(826, Currency::usd());
    QCOMPARE(pb::exactTextMatching(u"8.2645"_s, stored), u"8.2645"_s);
    // PayBridge changed the amount since: the old exact text no longer applies.
    QCOMPARE(pb::exactTextMatching(u"8.2645"_s, Money::fromMinor(1652, Currency::usd())), QString());
    QCOMPARE(pb::exactTextMatching(u"junk"_s, stored), QString());
    QCOMPARE(pb::exactTextMatching(QString(), stored), QString());
    QCOMPARE(pb::exactTextMatching(u"1500.5"_s, Money::fromMinor(1500, cur(u"JPY"_s))), u"1500.5"_s);
}

QTEST_GUILESS_MAIN(TestExactAmount)
#include "tst_exact_amount.moc"
