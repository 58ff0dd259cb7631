// Magento customers for the vault link: custom attributes and the raw body from the recorded
// customer bodies, the record PayBridge stores (default billing address, vault attribute,
// anonymised), the update body built from the latest read, and the changes payload.
#include "magento/customers.h"
#include "magento/documents.h"
#include "magento/magentoapi.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::magento;

namespace {

// The recorded customer with the custom attributes a store with the vault attribute sends.
QByteArray customerWithAttributes()
{
    QJsonObject o = QJsonDocument::fromJson(pb::test::recording(u"magento/customer.response.json"_s)).object();
    o.insert("custom_attributes"_L1,
             QJsonArray{QJsonObject{{"attribute_code"_L1, "paytrace_customer_id"_L1}, {"value"_L1, "mage-2"_L1}},
                        QJsonObject{{"attribute_code"_L1, "loyalty_level"_L1}, {"value"_L1, 3}},
                        QJsonObject{{"attribute_code"_L1, "df"_L1}, {"value"_L1, QJsonValue::Null}}});
    o.insert("extension_attributes"_L1, QJsonObject{{"is_subscribed"_L1, false}});
    o.insert("confirmation"_L1, "abc"_L1);
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QJsonObject addressById(const QJsonObject &customer, qint64 id)
{
    for (const QJsonValue &a : customer.value("addresses"_L1).toArray()) {
        if (a.toObject().value("id"_L1).toInteger() == id)
            return a.toObject();
    }
    return {};
}

std::optional<QJsonValue> attribute(const QJsonObject &customer, const QString &code)
{
    for (const QJsonValue &a : customer.value("custom_attributes"_L1).toArray()) {
        if (a.toObject().value("attribute_code"_L1).toString() == code)
            return a.toObject().value("value"_L1);
    }
    return std::nullopt;
}

} // namespace

class TestMagentoCustomer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void customAttributesAndRaw();
    void customAttributesAreTolerant();
    void recordFromRecording();
    void recordFromSearchPicksDefaultBilling();
    void recordWithoutAddress();
    void anonymised_data();
    void anonymised();
    void updateBodyAppliesChanges();
    void updateBodyNewStateDropsRegionId();
    void updateBodyWithoutBillingAddress();
    void updateBodyClearsAttribute();
    void updateBodyRefusesBadInput();
    void changesPayload();
};

void TestMagentoCustomer::customAttributesAndRaw()
{
    const QByteArray body = customerWithAttributes();
    auto c = DocumentParser::parseCustomerBody(body);
    QVERIFY2(c, qPrintable(c ? QString() : c.error().toString()));
    QCOMPARE(c->raw, body); // byte for byte, not re-serialised
    QCOMPARE(c->customAttributes.size(), 3);
    QCOMPARE(c->customAttribute(u"paytrace_customer_id"_s), std::optional<QString>(u"mage-2"_s));
    QCOMPARE(c->customAttribute(u"loyalty_level"_s), std::optional<QString>(u"3"_s));
    QCOMPARE(c->customAttribute(u"df"_s), std::optional<QString>(QString()));
    QCOMPARE(c->customAttribute(u"missing"_s), std::nullopt);
    QCOMPARE(c->addresses.first().region, u"New York"_s);

    // A search item keeps its own object as raw.
    auto page = DocumentParser::parseCustomerSearch(pb::test::recording(u"magento/customers_search.response.json"_s));
    QVERIFY(page);
    const QJsonObject item = QJsonDocument::fromJson(page->items.first().raw).object();
    QCOMPARE(item.value("email"_L1).toString(), u"roni_cost@example.com"_s);
    QVERIFY(page->items.first().customAttributes.isEmpty());
}

void TestMagentoCustomer::customAttributesAreTolerant()
{
    auto c = DocumentParser::parseCustomerBody(R"({"id": 7, "custom_attributes": [
        {"attribute_code": "flag", "value": true},
        {"value": "no code"},
        {"attribute_code": "multi", "value": ["1", "2"]},
        {"attribute_code": "price", "value": 0.5}]})");
    QVERIFY2(c, qPrintable(c ? QString() : c.error().toString()));
    QCOMPARE(c->customAttributes.size(), 3);
    QCOMPARE(c->customAttribute(u"flag"_s), std::optional<QString>(u"1"_s));
    QCOMPARE(c->customAttribute(u"multi"_s), std::optional<QString>(u"[\"1\",\"2\"]"_s));
    QCOMPARE(c->customAttribute(u"price"_s), std::optional<QString>(u"0.5"_s));

    // Not an array of objects: an error that names the path.
    auto bad = DocumentParser::parseCustomerBody(R"({"id": 7, "custom_attributes": ["x"]})");
    QVERIFY(!bad);
    QVERIFY2(bad.error().field.contains(u"custom_attributes"_s), qPrintable(bad.error().field));
}

void TestMagentoCustomer::recordFromRecording()
{
    auto c = DocumentParser::parseCustomerBody(customerWithAttributes());
    QVERIFY(c);
    const QDateTime now(QDate(2026, 12, 7), QTime(21, 0), Qt::UTC);
    const MagentoCustomerRecord r = customerRecord(*c, u"paytrace_customer_id"_s, now);
    QCOMPARE(r.magentoId, 2);
    QCOMPARE(r.email, u"jdoe@example.com"_s);
    QCOMPARE(r.phone, u"512-555-1111"_s);
    QCOMPARE(r.billing, (PostalAddress{u"Jane Doe"_s, u"123 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10755"_s, u"US"_s}));
    QCOMPARE(r.billing.oneLine(), u"Jane Doe, 123 Oak Ave, Purchase NY 10755, US"_s);
    QCOMPARE(r.vaultAttribute, u"mage-2"_s);
    QCOMPARE(r.websiteId, std::optional<qint64>(1));
    QCOMPARE(r.createdAt, QDateTime(QDate(2017, 1, 31), QTime(1, 18, 13), Qt::UTC));
    QCOMPARE(r.syncedAt, now);
    QVERIFY(!r.anonymised);
    QCOMPARE(r.raw, c->raw);
    QCOMPARE(r.fields().phone, u"5125551111"_s);

    // Another attribute code: this customer does not carry it.
    QCOMPARE(customerRecord(*c, u"vault_id"_s).vaultAttribute, QString());
}

void TestMagentoCustomer::recordFromSearchPicksDefaultBilling()
{
    // Two addresses; default_billing names the second by id, while the first still carries the
    // flag: the id wins.
    auto c = DocumentParser::parseCustomerBody(R"({"id": 9, "email": "a@example.com", "default_billing": "12",
        "addresses": [
          {"id": 11, "firstname": "Old", "lastname": "Flag", "street": ["1 First St"], "city": "A",
           "country_id": "US", "postcode": "1", "telephone": "1", "default_billing": true},
          {"id": 12, "firstname": "Ann", "lastname": "Lee", "street": ["2 Main St", "Suite 5", "Floor 3"],
           "city": "London", "region": {"region_code": null, "region": "Greater London", "region_id": 0},
           "country_id": "GB", "postcode": "N1 9GU", "telephone": "+44 20 7946 0000"}]})");
    QVERIFY2(c, qPrintable(c ? QString() : c.error().toString()));
    const MagentoCustomerRecord r = customerRecord(*c, u"paytrace_customer_id"_s);
    QCOMPARE(r.billing.name, u"Ann Lee"_s);
    QCOMPARE(r.billing.street, u"2 Main St"_s);
    QCOMPARE(r.billing.street2, u"Suite 5, Floor 3"_s);
    QCOMPARE(r.billing.state, u"Greater London"_s);
    QCOMPARE(r.phone, u"+44 20 7946 0000"_s);

    // No default_billing id: the flagged address.
    auto flagged = DocumentParser::parseCustomerBody(R"({"id": 9, "addresses": [
          {"id": 11, "city": "A"}, {"id": 12, "city": "B", "default_billing": true}]})");
    QVERIFY(flagged);
    QCOMPARE(customerRecord(*flagged, {}).billing.city, u"B"_s);
}

void TestMagentoCustomer::recordWithoutAddress()
{
    auto c = DocumentParser::parseCustomerBody(R"({"id": 3, "email": "x@example.com", "firstname": "X", "lastname": "Y"})");
    QVERIFY(c);
    const MagentoCustomerRecord r = customerRecord(*c, u"paytrace_customer_id"_s);
    QVERIFY(r.billing.isEmpty());
    QCOMPARE(r.phone, QString());
    QCOMPARE(r.fields().name, u"X Y"_s);
    QCOMPARE(r.fields().value(CustomerField::Billing), QString());
}

void TestMagentoCustomer::anonymised_data()
{
    QTest::addColumn<QString>("email");
    QTest::addColumn<QString>("first");
    QTest::addColumn<QString>("last");
    QTest::addColumn<bool>("anonymised");
    QTest::newRow("real") << u"jane@example.com"_s << u"Jane"_s << u"Doe"_s << false;
    QTest::newRow("names") << u"x1@example.com"_s << u"Anonymous"_s << u"ANONYMOUS"_s << true;
    QTest::newRow("one name only") << u"a.anonymous@example.com"_s << u"Anonymous"_s << u"Smith"_s << false;
    QTest::newRow("local part") << u"anonymized_5f2c1e@shop.example"_s << u"J"_s << u"D"_s << true;
    QTest::newRow("deleted local part") << u"deleted-1042@shop.example"_s << u"J"_s << u"D"_s << true;
    QTest::newRow("word inside a name") << u"anonymousbob@example.com"_s << u"Bob"_s << u"B"_s << false;
    QTest::newRow("invalid domain") << u"k83hd7@anonymized.invalid"_s << u"K"_s << u"L"_s << true;
    QTest::newRow("invalid in the middle") << u"bob@invalid.example.com"_s << u"Bob"_s << u"B"_s << false;
}

void TestMagentoCustomer::anonymised()
{
    QFETCH(QString, email);
    QFETCH(QString, first);
    QFETCH(QString, last);
    QFETCH(bool, anonymised);
    Customer c;
    c.id = 1;
    c.email = email;
    c.firstname = first;
    c.lastname = last;
    QCOMPARE(looksAnonymised(c), anonymised);
    QCOMPARE(customerRecord(c, {}).anonymised, anonymised);
}

void TestMagentoCustomer::updateBodyAppliesChanges()
{
    CustomerChanges set;
    set.lastname = u"Doe-Smith"_s;
    set.email = u" jane.smith@example.com "_s;
    set.telephone = u"+1 914 555 0199"_s;
    set.billing = PostalAddress{u"Jane Doe-Smith"_s, u"9 Elm St"_s, u"Apt 2"_s, u"Purchase"_s, u"ny"_s, u"10577"_s, u"us"_s};
    set.attributeValue = u"mage-2b"_s;
    auto body = MagentoApi::customerUpdateBody(customerWithAttributes(), set, u"paytrace_customer_id"_s);
    QVERIFY2(body, qPrintable(body ? QString() : body.error().toString()));
    const QJsonObject &c = *body;
    QCOMPARE(c.value("id"_L1).toInteger(), 2);
    QCOMPARE(c.value("firstname"_L1).toString(), u"Jane"_s); // untouched
    QCOMPARE(c.value("lastname"_L1).toString(), u"Doe-Smith"_s);
    QCOMPARE(c.value("email"_L1).toString(), u"jane.smith@example.com"_s);
    QCOMPARE(c.value("website_id"_L1).toInteger(), 1); // the rest of the customer is kept
    QCOMPARE(c.value("created_in"_L1).toString(), u"Default Store View"_s);
    QVERIFY(!c.contains("updated_at"_L1));
    QVERIFY(!c.contains("extension_attributes"_L1));
    QVERIFY(!c.contains("confirmation"_L1));

    const QJsonObject a = addressById(c, 2);
    QCOMPARE(a.value("street"_L1).toArray(), (QJsonArray{u"9 Elm St"_s, u"Apt 2"_s}));
    QCOMPARE(a.value("telephone"_L1).toString(), u"+1 914 555 0199"_s);
    QCOMPARE(a.value("firstname"_L1).toString(), u"Jane"_s);
    QCOMPARE(a.value("lastname"_L1).toString(), u"Doe-Smith"_s);
    QCOMPARE(a.value("postcode"_L1).toString(), u"10577"_s);
    QCOMPARE(a.value("country_id"_L1).toString(), u"US"_s);
    // Same state: the region and its id stay as Magento has them.
    QCOMPARE(a.value("region"_L1).toObject().value("region_id"_L1).toInteger(), 43);
    QCOMPARE(a.value("region_id"_L1).toInteger(), 43);
    QVERIFY(a.value("default_billing"_L1).toBool());

    QCOMPARE(attribute(c, u"paytrace_customer_id"_s), std::optional<QJsonValue>(u"mage-2b"_s));
    QCOMPARE(attribute(c, u"loyalty_level"_s), std::optional<QJsonValue>(3));
    QCOMPARE(attribute(c, u"df"_s), std::nullopt); // null values are refused by Magento
    QCOMPARE(c.value("custom_attributes"_L1).toArray().size(), 2);

    // Nothing to change: the same customer minus the dropped keys.
    auto same = MagentoApi::customerUpdateBody(customerWithAttributes(), {}, {});
    QVERIFY(same);
    QCOMPARE(same->value("email"_L1).toString(), u"jdoe@example.com"_s);
    QCOMPARE(addressById(*same, 2).value("street"_L1).toArray(), QJsonArray{u"123 Oak Ave"_s});
}

void TestMagentoCustomer::updateBodyNewStateDropsRegionId()
{
    CustomerChanges set;
    set.billing = PostalAddress{{}, u"1 Main St"_s, {}, u"Stamford"_s, u"CT"_s, u"06901"_s, u"US"_s};
    auto body = MagentoApi::customerUpdateBody(customerWithAttributes(), set);
    QVERIFY(body);
    const QJsonObject a = addressById(*body, 2);
    QCOMPARE(a.value("region"_L1).toObject().value("region_code"_L1).toString(), u"CT"_s);
    QVERIFY(!a.value("region"_L1).toObject().contains("region_id"_L1));
    QVERIFY(!a.contains("region_id"_L1));
    // No name in the change: the address keeps its names.
    QCOMPARE(a.value("lastname"_L1).toString(), u"Doe"_s);
    QCOMPARE(a.value("street"_L1).toArray(), QJsonArray{u"1 Main St"_s});
}

void TestMagentoCustomer::updateBodyWithoutBillingAddress()
{
    const QByteArray raw = R"({"id": 5, "email": "n@example.com", "firstname": "No", "lastname": "Address",
        "website_id": 1, "addresses": []})";
    CustomerChanges phoneOnly;
    phoneOnly.telephone = u"555"_s;
    auto refused = MagentoApi::customerUpdateBody(raw, phoneOnly);
    QVERIFY(!refused);
    QCOMPARE(refused.error().field, u"telephone"_s);

    CustomerChanges set;
    set.billing = PostalAddress{u"No Address"_s, u"5 Oak Rd"_s, {}, u"Austin"_s, u"TX"_s, u"73301"_s, u"US"_s};
    set.telephone = u"555-0100"_s;
    auto body = MagentoApi::customerUpdateBody(raw, set);
    QVERIFY2(body, qPrintable(body ? QString() : body.error().toString()));
    const QJsonArray addresses = body->value("addresses"_L1).toArray();
    QCOMPARE(addresses.size(), 1);
    const QJsonObject a = addresses.first().toObject();
    QVERIFY(a.value("default_billing"_L1).toBool());
    QVERIFY(a.value("default_shipping"_L1).toBool()); // the customer's first address
    QCOMPARE(a.value("firstname"_L1).toString(), u"No"_s);
    QCOMPARE(a.value("lastname"_L1).toString(), u"Address"_s);
    QCOMPARE(a.value("telephone"_L1).toString(), u"555-0100"_s);
    QCOMPARE(a.value("region"_L1).toObject().value("region_code"_L1).toString(), u"TX"_s);
    QVERIFY(!body->contains("custom_attributes"_L1));
}

void TestMagentoCustomer::updateBodyClearsAttribute()
{
    CustomerChanges set;
    set.attributeValue = QString();
    set.attributeCode = u"paytrace_customer_id"_s; // from the payload when no code is passed
    auto body = MagentoApi::customerUpdateBody(customerWithAttributes(), set);
    QVERIFY(body);
    QCOMPARE(attribute(*body, u"paytrace_customer_id"_s), std::optional<QJsonValue>(QString()));

    // Setting an attribute the customer does not carry yet appends it.
    const QByteArray raw = R"({"id": 5, "email": "n@example.com"})";
    CustomerChanges add;
    add.attributeValue = u"mage-5"_s;
    auto added = MagentoApi::customerUpdateBody(raw, add, u"paytrace_customer_id"_s);
    QVERIFY(added);
    QCOMPARE(attribute(*added, u"paytrace_customer_id"_s), std::optional<QJsonValue>(u"mage-5"_s));
}

void TestMagentoCustomer::updateBodyRefusesBadInput()
{
    QVERIFY(!MagentoApi::customerUpdateBody("not json", {}));
    QVERIFY(!MagentoApi::customerUpdateBody("[1]", {}));
    QCOMPARE(MagentoApi::customerUpdateBody(R"({"email": "no id"})", {}).error().field, u"customer.id"_s);
    CustomerChanges set;
    set.attributeValue = u"x"_s;
    auto badCode = MagentoApi::customerUpdateBody(customerWithAttributes(), set, u"paytrace customer/../id"_s);
    QVERIFY(!badCode);
    QCOMPARE(badCode.error().field, u"attribute.code"_s);
    QVERIFY(!MagentoApi::customerUpdateBody(customerWithAttributes(), set)); // no code at all
    QVERIFY(MagentoApi::isValidAttributeCode(u"paytrace_customer_id"_s));
    QVERIFY(!MagentoApi::isValidAttributeCode(u"1abc"_s));
    QVERIFY(!MagentoApi::isValidAttributeCode(QString()));
}

void TestMagentoCustomer::changesPayload()
{
    const QJsonObject set = QJsonDocument::fromJson(R"({"firstname": "Ann", "telephone": "+1 555",
        "billing": {"name": "Ann Lee", "street": "1 Main St", "city": "Austin", "state": "TX", "zip": "73301", "country": "US"},
        "attribute": {"code": "paytrace_customer_id", "value": "mage-9"}})").object();
    auto c = CustomerChanges::fromJson(set);
    QVERIFY2(c, qPrintable(c ? QString() : c.error().toString()));
    QCOMPARE(c->firstname, std::optional<QString>(u"Ann"_s));
    QVERIFY(!c->lastname);
    QCOMPARE(c->billing->city, u"Austin"_s);
    QCOMPARE(c->attributeCode, u"paytrace_customer_id"_s);
    QCOMPARE(c->attributeValue, std::optional<QString>(u"mage-9"_s));
    QVERIFY(!c->isEmpty());
    QCOMPARE(c->toJson(), set); // round trip

    QCOMPARE(CustomerChanges::fromJson(QJsonObject{{"middlename"_L1, "X"_L1}}).error().field, u"set.middlename"_s);
    QCOMPARE(CustomerChanges::fromJson(QJsonObject{{"email"_L1, 5}}).error().field, u"set.email"_s);
    QCOMPARE(CustomerChanges::fromJson(QJsonObject{{"attribute"_L1, QJsonObject{{"value"_L1, "x"_L1}}}}).error().field,
             u"set.attribute.code"_s);
    QVERIFY(CustomerChanges::fromJson({})->isEmpty());
}

QTEST_GUILESS_MAIN(TestMagentoCustomer)
#include "tst_magento_customer.moc"
