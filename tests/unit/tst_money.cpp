#include "money/money.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <limits>

using namespace Qt::StringLiterals;
using pb::Currency;
using pb::Money;

namespace {

Currency cur(const char *code)
{
    const auto c = Currency::fromCode(QString::fromLatin1(code));
    if (!c)
        qFatal("test currency %s unknown", code);
    return *c;
}

// A JSON number exactly as a parser produces it from text, so the test exercises the same
// double a server response would carry.
QJsonValue jsonNumber(const char *text)
{
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray("[") + text + "]");
    return doc.array().at(0);
}

} // namespace

class TestMoney : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void currencies_data();
    void currencies();
    void parse_data();
    void parse();
    void fromJson_data();
    void fromJson();
    void errorNamesFieldAndValue();
    void format_data();
    void format();
    void arithmetic();
    void arithmeticRefusesMixedCurrency();
    void arithmeticRefusesOverflow();
    void negateAndAbs();
    void comparison();
    void jsonOut();
};

void TestMoney::currencies_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<bool>("known");
    QTest::addColumn<int>("exponent");
    QTest::addColumn<QString>("canonical");

    for (const char *c : {"USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "MXN",
                          "SAR", "AED", "INR", "CNY", "HKD", "SGD"})
        QTest::newRow(c) << QString::fromLatin1(c) << true << 2 << QString::fromLatin1(c);
    for (const char *c : {"JPY", "KRW", "ISK", "CLP", "VND"})
        QTest::newRow(c) << QString::fromLatin1(c) << true << 0 << QString::fromLatin1(c);
    for (const char *c : {"KWD", "BHD", "OMR", "JOD", "TND", "IQD", "LYD"})
        QTest::newRow(c) << QString::fromLatin1(c) << true << 3 << QString::fromLatin1(c);
    QTest::newRow("lower case") << u"usd"_s << true << 2 << u"USD"_s;
    QTest::newRow("unknown") << u"XYZ"_s << false << 0 << QString();
    QTest::newRow("too short") << u"US"_s << false << 0 << QString();
    QTest::newRow("too long") << u"USDX"_s << false << 0 << QString();
    QTest::newRow("empty") << QString() << false << 0 << QString();
    QTest::newRow("digits") << u"123"_s << false << 0 << QString();
    QTest::newRow("padded") << u" USD"_s << false << 0 << QString();
}

void TestMoney::currencies()
{
    QFETCH(QString, code);
    QFETCH(bool, known);
    QFETCH(int, exponent);
    QFETCH(QString, canonical);

    const auto c = Currency::fromCode(code);
    QCOMPARE(c.has_value(), known);
    if (known) {
        QCOMPARE(c->exponent(), exponent);
        QCOMPARE(c->code(), canonical);
        QVERIFY(c->isValid());
    }
}

void TestMoney::parse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("errorCode"); // empty when the parse must succeed
    QTest::addColumn<qint64>("minor");

    const QString ok;
    QTest::newRow("integer") << u"110"_s << u"USD"_s << ok << qint64(11000);
    QTest::newRow("cents") << u"8.10"_s << u"USD"_s << ok << qint64(810);
    QTest::newRow("one fraction digit") << u"-3.5"_s << u"USD"_s << ok << qint64(-350);
    QTest::newRow("zero") << u"0"_s << u"USD"_s << ok << qint64(0);
    QTest::newRow("negative zero") << u"-0.00"_s << u"USD"_s << ok << qint64(0);
    QTest::newRow("trailing zeros beyond exponent") << u"8.1000"_s << u"USD"_s << ok << qint64(810);
    QTest::newRow("KWD mils") << u"0.001"_s << u"KWD"_s << ok << qint64(1);
    QTest::newRow("JPY whole") << u"100"_s << u"JPY"_s << ok << qint64(100);
    QTest::newRow("JPY .0") << u"100.0"_s << u"JPY"_s << ok << qint64(100);
    QTest::newRow("max") << u"92233720368547758.07"_s << u"USD"_s << ok
                         << std::numeric_limits<qint64>::max();
    QTest::newRow("min symmetric") << u"-92233720368547758.07"_s << u"USD"_s << ok
                                   << -std::numeric_limits<qint64>::max();

    QTest::newRow("JPY fraction") << u"1.5"_s << u"JPY"_s << u"money.precision"_s << qint64(0);
    QTest::newRow("USD mills") << u"8.105"_s << u"USD"_s << u"money.precision"_s << qint64(0);
    QTest::newRow("KWD four digits") << u"0.0001"_s << u"KWD"_s << u"money.precision"_s << qint64(0);
    QTest::newRow("exponent") << u"1e3"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("leading space") << u" 1"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("trailing space") << u"1 "_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("thousands") << u"1,000"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("comma decimal") << u"1,50"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("NaN") << u"NaN"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("Infinity") << u"Infinity"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("empty") << QString() << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("letters") << u"abc"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("double minus") << u"--1"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("plus sign") << u"+1"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("minus only") << u"-"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("no integer digits") << u".5"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("no fraction digits") << u"5."_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("two points") << u"1.2.3"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("arabic-indic digit") << u"\u0661"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("currency sign") << u"$1"_s << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("int64 max as JPY + 1") << u"9223372036854775808"_s << u"JPY"_s
                                          << u"money.overflow"_s << qint64(0);
    QTest::newRow("int64 max as USD units") << u"9223372036854775807"_s << u"USD"_s
                                            << u"money.overflow"_s << qint64(0);
    QTest::newRow("just over max") << u"92233720368547758.08"_s << u"USD"_s << u"money.overflow"_s
                                   << qint64(0);
    QTest::newRow("int64 min refused") << u"-92233720368547758.08"_s << u"USD"_s
                                       << u"money.overflow"_s << qint64(0);
    QTest::newRow("huge") << QString(400, u'9') << u"USD"_s << u"money.overflow"_s << qint64(0);
}

void TestMoney::parse()
{
    QFETCH(QString, text);
    QFETCH(QString, currency);
    QFETCH(QString, errorCode);
    QFETCH(qint64, minor);

    const Currency c = *Currency::fromCode(currency);
    const auto r = Money::parse(text, c);
    if (errorCode.isEmpty()) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->minor(), minor);
        QCOMPARE(r->currency(), c);
    } else {
        QVERIFY2(!r.ok(), qPrintable(u"accepted as "_s + (r.ok() ? r->toString() : QString())));
        QCOMPARE(r.error().code, errorCode);
        QVERIFY(!r.error().message.isEmpty());
    }
}

void TestMoney::fromJson_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<qint64>("minor");

    const QString ok;
    QTest::newRow("51.88 number") << jsonNumber("51.88") << u"USD"_s << ok << qint64(5188);
    QTest::newRow("110 number") << jsonNumber("110") << u"USD"_s << ok << qint64(11000);
    QTest::newRow("8.1 number") << jsonNumber("8.1") << u"USD"_s << ok << qint64(810);
    QTest::newRow("0.29 number") << jsonNumber("0.29") << u"USD"_s << ok << qint64(29);
    QTest::newRow("1.005 number KWD") << jsonNumber("1.005") << u"KWD"_s << ok << qint64(1005);
    QTest::newRow("negative number") << jsonNumber("-19.99") << u"EUR"_s << ok << qint64(-1999);
    QTest::newRow("1e3 number") << jsonNumber("1e3") << u"USD"_s << ok << qint64(100000);
    QTest::newRow("1500 JPY number") << jsonNumber("1500") << u"JPY"_s << ok << qint64(1500);
    QTest::newRow("8.10 string") << QJsonValue(u"8.10"_s) << u"USD"_s << ok << qint64(810);
    QTest::newRow("JPY string with fraction") << QJsonValue(u"123456789012345678.9"_s) << u"JPY"_s
                                  << u"money.precision"_s << qint64(0);
    QTest::newRow("big string exact") << QJsonValue(u"12345678901234567.89"_s) << u"USD"_s << ok
                                      << qint64(1234567890123456789);

    QTest::newRow("1.5 JPY number") << jsonNumber("1.5") << u"JPY"_s << u"money.precision"_s << qint64(0);
    QTest::newRow("0.1+0.2") << QJsonValue(0.1 + 0.2) << u"USD"_s << u"money.precision"_s << qint64(0);
    QTest::newRow("17 digits") << jsonNumber("12345678901234567") << u"USD"_s << u"money.precision"_s
                               << qint64(0);
    QTest::newRow("1e300") << jsonNumber("1e300") << u"USD"_s << u"money.overflow"_s << qint64(0);
    QTest::newRow("true") << QJsonValue(true) << u"USD"_s << u"money.type"_s << qint64(0);
    QTest::newRow("false") << QJsonValue(false) << u"USD"_s << u"money.type"_s << qint64(0);
    QTest::newRow("null") << QJsonValue(QJsonValue::Null) << u"USD"_s << u"money.type"_s << qint64(0);
    QTest::newRow("undefined") << QJsonValue(QJsonValue::Undefined) << u"USD"_s << u"money.type"_s
                               << qint64(0);
    QTest::newRow("object") << QJsonValue(QJsonObject{{u"amount"_s, 1}}) << u"USD"_s << u"money.type"_s
                            << qint64(0);
    QTest::newRow("array") << QJsonValue(QJsonArray{1}) << u"USD"_s << u"money.type"_s << qint64(0);
    QTest::newRow("NaN string") << QJsonValue(u"NaN"_s) << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("NaN double") << QJsonValue(std::numeric_limits<double>::quiet_NaN()) << u"USD"_s
                                << u"money.syntax"_s << qint64(0);
    QTest::newRow("infinity double") << QJsonValue(std::numeric_limits<double>::infinity()) << u"USD"_s
                                     << u"money.syntax"_s << qint64(0);
    QTest::newRow("empty string") << QJsonValue(QString()) << u"USD"_s << u"money.syntax"_s << qint64(0);
    QTest::newRow("1e3 string") << QJsonValue(u"1e3"_s) << u"USD"_s << u"money.syntax"_s << qint64(0);
}

void TestMoney::fromJson()
{
    QFETCH(QJsonValue, value);
    QFETCH(QString, currency);
    QFETCH(QString, errorCode);
    QFETCH(qint64, minor);

    const Currency c = *Currency::fromCode(currency);
    const auto r = Money::fromJson(value, c, u"amount"_s);
    if (errorCode.isEmpty()) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->minor(), minor);
        QCOMPARE(r->currency(), c);
    } else {
        QVERIFY2(!r.ok(), qPrintable(u"accepted as "_s + (r.ok() ? r->toString() : QString())));
        QCOMPARE(r.error().code, errorCode);
        QCOMPARE(r.error().field, u"amount"_s);
    }
}

void TestMoney::errorNamesFieldAndValue()
{
    const auto r = Money::fromJson(QJsonValue(u"1.5"_s), cur("JPY"), u"grand_total"_s);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().field, u"grand_total"_s);
    QVERIFY2(r.error().toString().contains(u"grand_total"_s), qPrintable(r.error().toString()));
    QVERIFY2(r.error().message.contains(u"\"1.5\""_s), qPrintable(r.error().message));
    QVERIFY2(r.error().message.contains(u"JPY"_s), qPrintable(r.error().message));

    const auto syntax = Money::parse(u"1,000"_s, cur("USD"));
    QVERIFY(!syntax.ok());
    QVERIFY2(syntax.error().message.contains(u"\"1,000\""_s), qPrintable(syntax.error().message));

    const auto invalid = Money::parse(u"1"_s, Currency());
    QVERIFY(!invalid.ok());
    QCOMPARE(invalid.error().code, u"money.currency"_s);
}

void TestMoney::format_data()
{
    QTest::addColumn<qint64>("minor");
    QTest::addColumn<QString>("currency");
    QTest::addColumn<QString>("decimal");
    QTest::addColumn<QString>("text");

    QTest::newRow("USD") << qint64(11000) << u"USD"_s << u"110.00"_s << u"USD 110.00"_s;
    QTest::newRow("USD cents only") << qint64(5) << u"USD"_s << u"0.05"_s << u"USD 0.05"_s;
    QTest::newRow("USD negative") << qint64(-350) << u"USD"_s << u"-3.50"_s << u"USD -3.50"_s;
    QTest::newRow("USD negative cents") << qint64(-7) << u"USD"_s << u"-0.07"_s << u"USD -0.07"_s;
    QTest::newRow("zero") << qint64(0) << u"EUR"_s << u"0.00"_s << u"EUR 0.00"_s;
    QTest::newRow("JPY") << qint64(1500) << u"JPY"_s << u"1500"_s << u"JPY 1500"_s;
    QTest::newRow("KWD") << qint64(1) << u"KWD"_s << u"0.001"_s << u"KWD 0.001"_s;
    QTest::newRow("max") << std::numeric_limits<qint64>::max() << u"USD"_s << u"92233720368547758.07"_s
                         << u"USD 92233720368547758.07"_s;
    QTest::newRow("min") << std::numeric_limits<qint64>::min() << u"USD"_s << u"-92233720368547758.08"_s
                         << u"USD -92233720368547758.08"_s;
}

void TestMoney::format()
{
    QFETCH(qint64, minor);
    QFETCH(QString, currency);
    QFETCH(QString, decimal);
    QFETCH(QString, text);

    const Currency c = *Currency::fromCode(currency);
    const Money m = Money::fromMinor(minor, c);
    QCOMPARE(m.toDecimalString(), decimal);
    QCOMPARE(m.toString(), text);
    if (minor != std::numeric_limits<qint64>::min()) {
        // Formatting and parsing are inverse.
        const auto back = Money::parse(decimal, c);
        QVERIFY(back.ok());
        QCOMPARE(*back, m);
    }
}

void TestMoney::arithmetic()
{
    const Money a = Money::fromMinor(1050, cur("USD"));
    const Money b = Money::fromMinor(299, cur("USD"));
    QCOMPARE(a.plus(b)->minor(), qint64(1349));
    QCOMPARE(a.minus(b)->minor(), qint64(751));
    QCOMPARE(b.minus(a)->minor(), qint64(-751));
    QCOMPARE(a.plus(b)->currency(), cur("USD"));
    QVERIFY(Money::zero(cur("USD")).isZero());
    QVERIFY(b.minus(a)->isNegative());
}

void TestMoney::arithmeticRefusesMixedCurrency()
{
    const Money usd = Money::fromMinor(100, cur("USD"));
    const Money eur = Money::fromMinor(100, cur("EUR"));
    const auto sum = usd.plus(eur);
    QVERIFY(!sum.ok());
    QCOMPARE(sum.error().code, u"money.currency_mismatch"_s);
    QVERIFY(sum.error().message.contains(u"EUR"_s));
    const auto diff = usd.minus(eur);
    QVERIFY(!diff.ok());
    QCOMPARE(diff.error().code, u"money.currency_mismatch"_s);
    QVERIFY(!usd.plus(Money()).ok());
    QVERIFY(!Money().plus(Money()).ok());
}

void TestMoney::arithmeticRefusesOverflow()
{
    constexpr qint64 max = std::numeric_limits<qint64>::max();
    const Money big = Money::fromMinor(max, cur("USD"));
    const Money one = Money::fromMinor(1, cur("USD"));
    QCOMPARE(big.plus(one).error().code, u"money.overflow"_s);
    QCOMPARE(big.negated().minus(one).error().code, u"money.overflow"_s);
    QCOMPARE(big.negated().minus(big).error().code, u"money.overflow"_s);
    QVERIFY(big.minus(one).ok());
    QCOMPARE(big.negated().plus(big)->minor(), qint64(0));
}

void TestMoney::negateAndAbs()
{
    const Money m = Money::fromMinor(-250, cur("GBP"));
    QCOMPARE(m.negated().minor(), qint64(250));
    QCOMPARE(m.abs().minor(), qint64(250));
    QCOMPARE(m.negated().abs().minor(), qint64(250));
    QCOMPARE(m.abs().currency(), cur("GBP"));
}

void TestMoney::comparison()
{
    const Money a = Money::fromMinor(100, cur("USD"));
    const Money b = Money::fromMinor(200, cur("USD"));
    QVERIFY(a.compare(b) == std::strong_ordering::less);
    QVERIFY(b.compare(a) == std::strong_ordering::greater);
    QVERIFY(a.compare(Money::fromMinor(100, cur("USD"))) == std::strong_ordering::equal);
    QVERIFY(!a.compare(Money::fromMinor(100, cur("CAD"))).has_value());
    QVERIFY(!a.compare(Money()).has_value());
    QVERIFY(a == Money::fromMinor(100, cur("USD")));
    QVERIFY(!(a == Money::fromMinor(100, cur("CAD"))));
    QVERIFY(!(a == b));
    QVERIFY(!Money().isValid());
}

void TestMoney::jsonOut()
{
    QCOMPARE(Money::fromMinor(810, cur("USD")).toJson(), QJsonValue(u"8.10"_s));
    // What leaves PayBridge comes back in unchanged.
    const Money m = Money::fromMinor(-123456, cur("KWD"));
    QCOMPARE(*Money::fromJson(m.toJson(), cur("KWD")), m);
}

QTEST_GUILESS_MAIN(TestMoney)
#include "tst_money.moc"
