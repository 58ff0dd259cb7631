// The shared customer records (core/model/customer.h): addresses and their canonical form,
// the kept-in-step field values and their canonical text, field names, and card expiry
// against injected dates.
#include "model/customer.h"

#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;

class TestCustomerModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void addressNormalised();
    void addressJsonAndOneLine();
    void addressEmpty();
    void fieldNames();
    void normalisers_data();
    void normalisers();
    void fieldValuesCanonicalText();
    void fieldValuesJson();
    void recordFields();
    void expiry_data();
    void expiry();
    void expiryText();
};

void TestCustomerModel::addressNormalised()
{
    const PostalAddress a{u"  Jane   Doe "_s, u"123  Oak Ave"_s, u" "_s, u"Purchase "_s, u"ny"_s, u" 10577"_s, u"us"_s};
    const PostalAddress n = a.normalised();
    QCOMPARE(n, (PostalAddress{u"Jane Doe"_s, u"123 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10577"_s, u"US"_s}));
    QCOMPARE(n.normalised(), n); // idempotent
    // Only spacing and the case of state/country are forgiven.
    PostalAddress other = n;
    other.city = u"purchase"_s;
    QVERIFY(other.normalised() != n);
}

void TestCustomerModel::addressJsonAndOneLine()
{
    const PostalAddress a{u"Jane Doe"_s, u"123 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10755"_s, u"US"_s};
    const QJsonObject o = a.toJson();
    QVERIFY(!o.contains("street2"_L1)); // empty parts left out
    QCOMPARE(o.value("zip"_L1).toString(), u"10755"_s);
    QCOMPARE(PostalAddress::fromJson(o), a);
    QCOMPARE(a.oneLine(), u"Jane Doe, 123 Oak Ave, Purchase NY 10755, US"_s);
    const PostalAddress partial{{}, {}, {}, u"Austin"_s, {}, u"73301"_s, {}};
    QCOMPARE(partial.oneLine(), u"Austin 73301"_s);
    // A part of the wrong type reads as empty.
    QCOMPARE(PostalAddress::fromJson(QJsonObject{{"city"_L1, 5}, {"zip"_L1, "1"_L1}}).city, QString());
}

void TestCustomerModel::addressEmpty()
{
    QVERIFY(PostalAddress{}.isEmpty());
    QVERIFY((PostalAddress{u" "_s, {}, {}, {}, {}, {}, {}}).isEmpty());
    QVERIFY(!(PostalAddress{{}, {}, {}, {}, {}, {}, u"US"_s}).isEmpty());
}

void TestCustomerModel::fieldNames()
{
    QStringList names;
    for (CustomerField f : kCustomerFields) {
        names.append(customerFieldName(f));
        QCOMPARE(customerFieldFromName(customerFieldName(f)), std::optional<CustomerField>(f));
    }
    QCOMPARE(names, QStringList({u"name"_s, u"email"_s, u"billing"_s, u"phone"_s}));
    QCOMPARE(customerFieldFromName(u"Name"), std::nullopt);
    QCOMPARE(customerFieldFromName(u"both"), std::nullopt);
}

void TestCustomerModel::normalisers_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("output");
    QTest::newRow("email") << u"email"_s << u"  Jane.Doe@Example.COM "_s << u"jane.doe@example.com"_s;
    QTest::newRow("phone us") << u"phone"_s << u"(914) 555-0100"_s << u"9145550100"_s;
    QTest::newRow("phone plus") << u"phone"_s << u" +1 914.555.0100"_s << u"+19145550100"_s;
    QTest::newRow("phone plus only") << u"phone"_s << u"+"_s << QString();
    QTest::newRow("phone inner plus") << u"phone"_s << u"1+2"_s << u"12"_s;
    QTest::newRow("name") << u"name"_s << u"  Mary   Ann  Smith "_s << u"Mary Ann Smith"_s;
    QTest::newRow("name case kept") << u"name"_s << u"mcDonald"_s << u"mcDonald"_s;
}

void TestCustomerModel::normalisers()
{
    QFETCH(QString, kind);
    QFETCH(QString, input);
    QFETCH(QString, output);
    if (kind == u"email")
        QCOMPARE(CustomerFieldValues::normalisedEmail(input), output);
    else if (kind == u"phone")
        QCOMPARE(CustomerFieldValues::normalisedPhone(input), output);
    else
        QCOMPARE(CustomerFieldValues::normalisedName(input), output);
}

void TestCustomerModel::fieldValuesCanonicalText()
{
    CustomerFieldValues v;
    v.setValue(CustomerField::Name, u" Jane  Doe"_s);
    v.setValue(CustomerField::Email, u"JANE@example.com"_s);
    v.setValue(CustomerField::Phone, u"+1 (914) 555-0100"_s);
    QCOMPARE(v.value(CustomerField::Name), u"Jane Doe"_s);
    QCOMPARE(v.value(CustomerField::Email), u"jane@example.com"_s);
    QCOMPARE(v.value(CustomerField::Phone), u"+19145550100"_s);
    QCOMPARE(v.value(CustomerField::Billing), QString()); // no address: nothing, not "{}"

    v.billing = PostalAddress{u"Someone Else"_s, u"9  Elm St"_s, {}, u"Austin"_s, u"tx"_s, u"73301"_s, u"us"_s};
    const QString billing = v.value(CustomerField::Billing);
    // Compact JSON of the normalised address without its name; keys sorted, so canonical.
    QCOMPARE(billing, u"{\"city\":\"Austin\",\"country\":\"US\",\"state\":\"TX\",\"street\":\"9 Elm St\",\"zip\":\"73301\"}"_s);

    // The text goes back into the same value.
    CustomerFieldValues w;
    w.setValue(CustomerField::Billing, billing);
    QCOMPARE(w.value(CustomerField::Billing), billing);
    w.setValue(CustomerField::Billing, QString());
    QVERIFY(w.billing.isEmpty());

    // Addresses differing only in spacing and case of state/country have the same text.
    CustomerFieldValues spaced = v;
    spaced.billing.street = u" 9 Elm   St "_s;
    spaced.billing.state = u"TX"_s;
    QCOMPARE(spaced.value(CustomerField::Billing), billing);
}

void TestCustomerModel::fieldValuesJson()
{
    CustomerFieldValues v;
    v.name = u"Jane Doe"_s;
    v.email = u"jane@example.com"_s;
    v.phone = u"9145550100"_s;
    v.billing = PostalAddress{{}, u"1 Main St"_s, {}, u"Austin"_s, u"TX"_s, u"73301"_s, u"US"_s};
    const QJsonObject o = v.toJson();
    QCOMPARE(o.value("name"_L1).toString(), u"Jane Doe"_s);
    QCOMPARE(o.value("billing"_L1).toObject().value("city"_L1).toString(), u"Austin"_s);
    QCOMPARE(CustomerFieldValues::fromJson(o), v);
    QCOMPARE(CustomerFieldValues::fromJson(QJsonDocument::fromJson(QJsonDocument(o).toJson()).object()), v);
    QCOMPARE(CustomerFieldValues::fromJson({}), CustomerFieldValues());
}

void TestCustomerModel::recordFields()
{
    MagentoCustomerRecord m;
    m.firstname = u" Jane"_s;
    m.lastname = u"Doe "_s;
    m.email = u"Jane@Example.com"_s;
    m.phone = u"914-555-0100"_s;
    m.billing = PostalAddress{u"Jane Doe"_s, u"1 Main St"_s, {}, u"Austin"_s, u"tx"_s, u"73301"_s, u"us"_s};
    const CustomerFieldValues mf = m.fields();
    QCOMPARE(mf.name, u"Jane Doe"_s);
    QCOMPARE(mf.email, u"jane@example.com"_s);
    QCOMPARE(mf.phone, u"9145550100"_s);
    QCOMPARE(mf.billing.name, QString());
    QCOMPARE(mf.billing.state, u"TX"_s);

    VaultProfileRecord p;
    p.billingName = u"Jane  Doe"_s;
    p.email = u"jane@example.com "_s;
    p.phone = u"(914) 555 0100"_s;
    p.billing = PostalAddress{u"J Doe"_s, u"1 Main St"_s, {}, u"Austin"_s, u"TX"_s, u"73301"_s, u"US"_s};
    // Same person, same address as Magento: every field equal.
    for (CustomerField f : kCustomerFields)
        QCOMPARE(p.fields().value(f), mf.value(f));
    // Without billing_name the address's name stands in.
    p.billingName.clear();
    QCOMPARE(p.fields().name, u"J Doe"_s);
}

void TestCustomerModel::expiry_data()
{
    QTest::addColumn<int>("month");
    QTest::addColumn<int>("year");
    QTest::addColumn<QDate>("today");
    QTest::addColumn<bool>("expired");
    QTest::addColumn<bool>("soon");
    const QDate mid(2026, 12, 15);
    QTest::newRow("last month") << 11 << 2026 << mid << true << false;
    QTest::newRow("last year") << 12 << 2025 << mid << true << false;
    QTest::newRow("this month") << 12 << 2026 << mid << false << true;
    QTest::newRow("next month, next year") << 1 << 2027 << mid << false << true;
    QTest::newRow("in two months") << 2 << 2027 << mid << false << false;
    QTest::newRow("last day of its month") << 12 << 2026 << QDate(2026, 12, 31) << false << true;
    QTest::newRow("first day after") << 12 << 2026 << QDate(2027, 1, 1) << true << false;
    QTest::newRow("unknown month") << 0 << 2026 << mid << false << false;
    QTest::newRow("unknown year") << 5 << 0 << mid << false << false;
}

void TestCustomerModel::expiry()
{
    QFETCH(int, month);
    QFETCH(int, year);
    QFETCH(QDate, today);
    QFETCH(bool, expired);
    QFETCH(bool, soon);
    VaultProfileRecord p;
    p.expMonth = month;
    p.expYear = year;
    QCOMPARE(p.cardExpired(today), expired);
    QCOMPARE(p.cardExpiringSoon(today), soon);
    QVERIFY(!p.cardExpired(QDate()));
}

void TestCustomerModel::expiryText()
{
    VaultProfileRecord p;
    QCOMPARE(p.expiryText(), QString());
    p.expMonth = 4;
    p.expYear = 2027;
    QCOMPARE(p.expiryText(), u"04/2027"_s);
    p.expMonth = 13;
    QCOMPARE(p.expiryText(), QString());
}

QTEST_GUILESS_MAIN(TestCustomerModel)
#include "tst_customer_model.moc"
