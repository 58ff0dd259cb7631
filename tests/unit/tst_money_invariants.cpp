// pb::intents::MoneyInvariants: the rules checked before a money intent is planned and sent.
#include "intents/moneyinvariants.h"

#include <QTest>

using namespace Qt::StringLiterals;
using pb::Currency;
using pb::Money;
using namespace pb::intents;

namespace {

Money usd(const char *text)
{
    auto m = Money::parse(QString::fromLatin1(text), Currency::usd());
    if (!m)
        qFatal("bad test amount %s", text);
    return m.value();
}

Money eur(const char *text)
{
    auto m = Money::parse(QString::fromLatin1(text), *Currency::fromCode(u"EUR"));
    if (!m)
        qFatal("bad test amount %s", text);
    return m.value();
}

PaymentFacts facts(const char *authorized, const char *captured, const char *refunded = "0",
                   const char *voided = "0")
{
    PaymentFacts f;
    f.currency = Currency::usd();
    f.authorized = usd(authorized);
    f.captured = usd(captured);
    f.refunded = usd(refunded);
    f.voided = usd(voided);
    return f;
}

PaymentFacts withFlags(PaymentFacts f, bool authorizationVoided, bool settled)
{
    f.authorizationVoided = authorizationVoided;
    f.settled = settled;
    return f;
}

} // namespace

Q_DECLARE_METATYPE(pb::intents::PaymentFacts)
Q_DECLARE_METATYPE(pb::intents::MoneyOperation)

class TestMoneyInvariants : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void check_data();
    void check();
    void missingFactsCountAsZero();
};

void TestMoneyInvariants::check_data()
{
    QTest::addColumn<PaymentFacts>("facts");
    QTest::addColumn<MoneyOperation>("op");
    QTest::addColumn<Money>("amount");
    QTest::addColumn<QString>("code");    // empty: allowed
    QTest::addColumn<QString>("message"); // exact message when not empty

    using Op = MoneyOperation;
    // Capture
    QTest::newRow("capture all of the authorization") << facts("100.00", "0") << Op::Capture << usd("100.00") << QString() << QString();
    QTest::newRow("capture the rest after a partial capture") << facts("100.00", "60.00") << Op::Capture << usd("40.00") << QString() << QString();
    QTest::newRow("capture beyond the authorization")
        << facts("100.00", "60.00") << Op::Capture << usd("40.01") << u"invariant.capture_exceeds"_s
        << u"capture of USD 40.01 exceeds the capturable USD 40.00 (authorized 100.00, captured 60.00)"_s;
    QTest::newRow("capture without authorization") << facts("0", "0") << Op::Capture << usd("1.00") << u"invariant.capture_exceeds"_s << QString();
    QTest::newRow("capture of a voided authorization")
        << withFlags(facts("100.00", "0"), true, false) << Op::Capture << usd("10.00") << u"invariant.voided"_s << QString();
    // Refund
    QTest::newRow("refund part of a capture") << facts("100.00", "100.00") << Op::Refund << usd("30.00") << QString() << QString();
    QTest::newRow("refund exactly what is left") << facts("100.00", "100.00", "75.00") << Op::Refund << usd("25.00") << QString() << QString();
    QTest::newRow("refund beyond what is left")
        << facts("100.00", "100.00", "75.00") << Op::Refund << usd("30.00") << u"invariant.refund_exceeds"_s
        << u"refund of USD 30.00 exceeds the refundable USD 25.00 (captured 100.00, refunded 75.00)"_s;
    QTest::newRow("refund counts voided amounts")
        << facts("100.00", "100.00", "50.00", "40.00") << Op::Refund << usd("10.01") << u"invariant.refund_exceeds"_s
        << u"refund of USD 10.01 exceeds the refundable USD 10.00 (captured 100.00, refunded 50.00, voided 40.00)"_s;
    QTest::newRow("refund of nothing captured")
        << facts("100.00", "0") << Op::Refund << usd("5.00") << u"invariant.refund_exceeds"_s
        << u"refund of USD 5.00 exceeds the refundable USD 0.00 (captured 0.00)"_s;
    QTest::newRow("refund one cent after a full refund") << facts("100.00", "100.00", "100.00") << Op::Refund << usd("0.01") << u"invariant.refund_exceeds"_s << QString();
    // Void
    QTest::newRow("void an unsettled capture") << facts("100.00", "100.00") << Op::Void << usd("100.00") << QString() << QString();
    QTest::newRow("void a bare authorization") << facts("100.00", "0") << Op::Void << usd("100.00") << QString() << QString();
    QTest::newRow("void a settled transaction")
        << withFlags(facts("100.00", "100.00"), false, true) << Op::Void << usd("100.00") << u"invariant.void_settled"_s
        << u"the transaction is settled and can no longer be voided; refund it instead"_s;
    QTest::newRow("second void of an authorization")
        << withFlags(facts("100.00", "0"), true, false) << Op::Void << usd("100.00") << u"invariant.void_twice"_s
        << u"the authorization already has a void; one void per authorization"_s;
    QTest::newRow("void more than was captured")
        << facts("100.00", "60.00") << Op::Void << usd("100.00") << u"invariant.void_exceeds"_s
        << u"void of USD 100.00 exceeds the voidable USD 60.00 (captured 60.00)"_s;
    QTest::newRow("void more than was authorized")
        << facts("50.00", "0") << Op::Void << usd("50.01") << u"invariant.void_exceeds"_s
        << u"void of USD 50.01 exceeds the voidable USD 50.00 (authorized 50.00)"_s;
    // Sale
    QTest::newRow("sale on a fresh order") << facts("0", "0") << Op::Sale << usd("19.99") << QString() << QString();
    QTest::newRow("sale while an authorization is open")
        << facts("100.00", "0") << Op::Sale << usd("100.00") << u"invariant.sale_authorized"_s
        << u"the order already holds an authorization of USD 100.00; capture it instead of charging again"_s;
    QTest::newRow("sale after the authorization was voided") << withFlags(facts("100.00", "0"), true, false) << Op::Sale << usd("100.00") << QString() << QString();
    // Amount and currency, for every operation
    for (Op op : {Op::Capture, Op::Refund, Op::Void, Op::Sale}) {
        const QString name = operationName(op);
        QTest::newRow(qPrintable(name + u" of zero"_s))
            << facts("100.00", "100.00") << op << usd("0") << u"invariant.amount"_s
            << u"a "_s + name + u" amount must be greater than zero (got USD 0.00)"_s;
        QTest::newRow(qPrintable(name + u" negative"_s))
            << facts("100.00", "100.00") << op << usd("-5.00") << u"invariant.amount"_s << QString();
        QTest::newRow(qPrintable(name + u" in another currency"_s))
            << facts("100.00", "100.00") << op << eur("5.00") << u"invariant.currency"_s
            << name + u" in EUR but the order was charged in USD"_s;
        QTest::newRow(qPrintable(name + u" without currency"_s))
            << facts("100.00", "100.00") << op << Money() << u"invariant.amount"_s << QString();
    }
    // Facts in a foreign currency are a data problem, reported as such.
    PaymentFacts mixed = facts("100.00", "100.00");
    mixed.refunded = eur("5.00");
    QTest::newRow("facts in two currencies") << mixed << Op::Refund << usd("1.00") << u"invariant.facts"_s << QString();
}

void TestMoneyInvariants::check()
{
    QFETCH(PaymentFacts, facts);
    QFETCH(MoneyOperation, op);
    QFETCH(Money, amount);
    QFETCH(QString, code);
    QFETCH(QString, message);

    const pb::Status s = MoneyInvariants::check(facts, ProposedOperation{op, amount});
    if (code.isEmpty()) {
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        return;
    }
    QVERIFY(!s.ok());
    QCOMPARE(s.error().code, code);
    QVERIFY(!s.error().message.isEmpty());
    if (!message.isEmpty())
        QCOMPARE(s.error().message, message);
}

void TestMoneyInvariants::missingFactsCountAsZero()
{
    PaymentFacts f;
    f.currency = *Currency::fromCode(u"JPY");
    f.authorized = Money::fromMinor(1500, f.currency);
    QVERIFY(MoneyInvariants::check(f, {MoneyOperation::Capture, Money::fromMinor(1500, f.currency)}));
    const pb::Status s = MoneyInvariants::check(f, {MoneyOperation::Refund, Money::fromMinor(1, f.currency)});
    QVERIFY(!s.ok());
    QCOMPARE(s.error().message, u"refund of JPY 1 exceeds the refundable JPY 0 (captured 0)"_s);

    PaymentFacts none;
    QCOMPARE(MoneyInvariants::check(none, {MoneyOperation::Sale, usd("1.00")}).error().code, u"invariant.facts"_s);
}

QTEST_GUILESS_MAIN(TestMoneyInvariants)
#include "tst_money_invariants.moc"
