// PayTrace vault profiles: the customer export entry (billing address, phone, card type from
// the masked number, four-digit year), unreadable entries set aside for the quarantine, the
// stored record, and the e2ee create/update bodies.
#include "paytrace/parser.h"
#include "paytrace/requests.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::paytrace;

namespace {

// An export answer in the shape of the recorded v1 answers (success, response_code, status
// message) with the customers[] PayTrace documents for /v1/customer/export.
QJsonObject exportBody(const QJsonArray &customers)
{
    return QJsonObject{{"success"_L1, true},
                       {"response_code"_L1, 1},
                       {"status_message"_L1, "Your request has been successfully completed."_L1},
                       {"customers"_L1, customers}};
}

QJsonObject profileJson()
{
    return QJsonObject{
        {"customer_id"_L1, "mage-42"_L1},
        {"credit_card"_L1, QJsonObject{{"masked_number"_L1, "401200******5439"_L1},
                                       {"expiration_month"_L1, "04"_L1},
                                       {"expiration_year"_L1, "27"_L1}}},
        {"billing_address"_L1, QJsonObject{{"name"_L1, "Grace Hopper"_L1},
                                           {"street_address"_L1, "8320 E. West St."_L1},
                                           {"street_address2"_L1, "Suite 2"_L1},
                                           {"city"_L1, "Spokane"_L1},
                                           {"state"_L1, "WA"_L1},
                                           {"zip"_L1, 85284},
                                           {"country"_L1, "US"_L1}}},
        {"email"_L1, "grace@example.com"_L1},
        {"phone"_L1, "509-555-0100"_L1}};
}

pb::paytrace::EncryptedCard card()
{
    pb::paytrace::EncryptedCard c;
    c.encryptedNumber = u"bnVtYmVyLWNpcGhlcnRleHQ="_s; // stand-in ciphertext, not a card number
    c.encryptedCsc = u"Y3NjLWNpcGhlcnRleHQ="_s;
    c.expirationMonth = 9;
    c.expirationYear = 2029;
    return c;
}

} // namespace

class TestPayTraceCustomer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void profileFields();
    void profileRecord();
    void cardType_data();
    void cardType();
    void minimalProfile();
    void unreadableProfilesAreSetAside();
    void envelope();
    void createBodyIsE2ee();
    void updateBody();
};

void TestPayTraceCustomer::profileFields()
{
    auto p = Parser::parseCustomerProfile(profileJson(), u"customers[0]"_s);
    QVERIFY2(p, qPrintable(p ? QString() : p.error().toString()));
    QCOMPARE(p->customerId, u"mage-42"_s);
    QCOMPARE(p->maskedNumber, u"401200******5439"_s);
    QCOMPARE(p->cardType, u"Visa"_s);
    QCOMPARE(p->cardLast4, u"5439"_s);
    QCOMPARE(p->expirationMonth, 4);
    QCOMPARE(p->expirationYear, 2027);
    QCOMPARE(p->billing.name, u"Grace Hopper"_s);
    QCOMPARE(p->billingName, u"Grace Hopper"_s);
    QCOMPARE(p->billing.streetAddress, u"8320 E. West St."_s);
    QCOMPARE(p->billing.streetAddress2, u"Suite 2"_s);
    QCOMPARE(p->billing.city, u"Spokane"_s);
    QCOMPARE(p->billing.state, u"WA"_s);
    QCOMPARE(p->billing.zip, u"85284"_s); // a bare number reads as text
    QCOMPARE(p->billing.country, u"US"_s);
    QCOMPARE(p->email, u"grace@example.com"_s);
    QCOMPARE(p->phone, u"509-555-0100"_s);
    QCOMPARE(p->raw, profileJson());
}

void TestPayTraceCustomer::profileRecord()
{
    auto p = Parser::parseCustomerProfile(profileJson(), {});
    QVERIFY(p);
    const VaultProfileRecord r = p->toVaultRecord();
    QCOMPARE(r.customerId, u"mage-42"_s);
    QCOMPARE(r.billingName, u"Grace Hopper"_s);
    QCOMPARE(r.billing, (PostalAddress{u"Grace Hopper"_s, u"8320 E. West St."_s, u"Suite 2"_s, u"Spokane"_s, u"WA"_s,
                                       u"85284"_s, u"US"_s}));
    QCOMPARE(r.cardType, u"Visa"_s);
    QCOMPARE(r.cardLast4, u"5439"_s);
    QCOMPARE(r.expMonth, 4);
    QCOMPARE(r.expYear, 2027);
    QCOMPARE(r.expiryText(), u"04/2027"_s);
    QCOMPARE(r.fields().name, u"Grace Hopper"_s);
    QCOMPARE(r.fields().phone, u"5095550100"_s);
    QVERIFY(r.cardExpiringSoon(QDate(2027, 3, 31)));
    QVERIFY(!r.cardExpired(QDate(2027, 4, 30)));
    QVERIFY(r.cardExpired(QDate(2027, 5, 1)));
}

void TestPayTraceCustomer::cardType_data()
{
    QTest::addColumn<QString>("masked");
    QTest::addColumn<QString>("type");
    QTest::newRow("visa") << u"4xxxxxxxxxxx1111"_s << u"Visa"_s;
    QTest::newRow("mastercard 5") << u"5xxxxxxxxxxx4444"_s << u"MasterCard"_s;
    QTest::newRow("mastercard 2") << u"2xxxxxxxxxxx0005"_s << u"MasterCard"_s;
    QTest::newRow("mastercard range") << u"555555******4444"_s << u"MasterCard"_s;
    QTest::newRow("amex 34") << u"34xxxxxxxxx0005"_s << u"Amex"_s;
    QTest::newRow("amex 37") << u"378282*****0005"_s << u"Amex"_s;
    QTest::newRow("discover") << u"6xxxxxxxxxxx1117"_s << u"Discover"_s;
    QTest::newRow("discover range") << u"601111******1117"_s << u"Discover"_s;
    QTest::newRow("last four only") << u"************1111"_s << QString();
    QTest::newRow("x last four") << u"xxxxxxxxxxxx1111"_s << QString();
    QTest::newRow("empty") << QString() << QString();
}

void TestPayTraceCustomer::cardType()
{
    QFETCH(QString, masked);
    QFETCH(QString, type);
    QCOMPARE(Parser::vaultCardType(masked), type);
}

void TestPayTraceCustomer::minimalProfile()
{
    // Only the id: everything else unknown, not an error. A numeric id reads as text.
    auto p = Parser::parseCustomerProfile(QJsonObject{{"customer_id"_L1, 1042}}, {});
    QVERIFY2(p, qPrintable(p ? QString() : p.error().toString()));
    QCOMPARE(p->customerId, u"1042"_s);
    QCOMPARE(p->cardType, QString());
    QCOMPARE(p->expirationMonth, 0);
    QCOMPARE(p->expirationYear, 0);
    QCOMPARE(p->toVaultRecord().expiryText(), QString());
    QVERIFY(p->toVaultRecord().billing.isEmpty());

    // A four-digit year stays, numbers as numbers.
    auto four = Parser::parseCustomerProfile(QJsonObject{{"customer_id"_L1, "a"_L1},
                                                         {"credit_card"_L1, QJsonObject{{"expiration_month"_L1, 12},
                                                                                        {"expiration_year"_L1, 2031}}}},
                                             {});
    QVERIFY(four);
    QCOMPARE(four->expirationMonth, 12);
    QCOMPARE(four->expirationYear, 2031);
    QCOMPARE(Parser::fourDigitYear(5), 2005);
    QCOMPARE(Parser::fourDigitYear(2030), 2030);
}

void TestPayTraceCustomer::unreadableProfilesAreSetAside()
{
    QJsonObject badMonth = profileJson();
    badMonth.insert("customer_id"_L1, "bad-month"_L1);
    badMonth.insert("credit_card"_L1, QJsonObject{{"masked_number"_L1, "xxxx1111"_L1}, {"expiration_month"_L1, "13"_L1},
                                                  {"expiration_year"_L1, "27"_L1}});
    QJsonObject badAddress = profileJson();
    badAddress.insert("customer_id"_L1, "bad-address"_L1);
    badAddress.insert("billing_address"_L1, "8320 E. West St."_L1);
    QJsonObject badYear = profileJson();
    badYear.insert("customer_id"_L1, "bad-year"_L1);
    badYear.insert("credit_card"_L1, QJsonObject{{"expiration_year"_L1, "202"_L1}});
    QJsonObject noId = profileJson();
    noId.remove("customer_id"_L1);

    auto list = Parser::parseCustomerProfileList(
        exportBody(QJsonArray{profileJson(), badMonth, badAddress, badYear, noId, 7}));
    QVERIFY2(list, qPrintable(list ? QString() : list.error().toString()));
    QCOMPARE(list->items.size(), 1);
    QCOMPARE(list->items.first().customerId, u"mage-42"_s);
    QCOMPARE(list->rejected.size(), 5);
    for (const RejectedRecord &r : list->rejected)
        QCOMPARE(r.source, QString(RejectedRecord::kPayTraceCustomer));
    QCOMPARE(list->rejected.at(0).externalId, u"bad-month"_s);
    QCOMPARE(list->rejected.at(0).field, u"credit_card.expiration_month"_s);
    QCOMPARE(list->rejected.at(1).externalId, u"bad-address"_s);
    QCOMPARE(list->rejected.at(1).field, u"billing_address"_s);
    QCOMPARE(list->rejected.at(2).field, u"credit_card.expiration_year"_s);
    // Without an id, the place in the list names the record.
    QCOMPARE(list->rejected.at(3).externalId, u"customers[4]"_s);
    QCOMPARE(list->rejected.at(3).field, u"customer_id"_s);
    QCOMPARE(list->rejected.at(4).externalId, u"customers[5]"_s);
    // The raw record is kept for the quarantine.
    QCOMPARE(QJsonDocument::fromJson(list->rejected.at(1).raw).object(), badAddress);
}

void TestPayTraceCustomer::envelope()
{
    auto none = Parser::parseCustomerProfileList(QJsonObject{{"success"_L1, true}});
    QVERIFY(none);
    QVERIFY(none->items.isEmpty());
    QVERIFY(!Parser::parseCustomerProfileList(QJsonObject{{"customers"_L1, "all"_L1}}));
}

void TestPayTraceCustomer::createBodyIsE2ee()
{
    CustomerCreateRequest r;
    r.customerId = u"mage-42"_s;
    r.card = card();
    r.billing.name = u"Grace Hopper"_s;
    r.billing.streetAddress = u"8320 E. West St."_s;
    r.billing.city = u"Spokane"_s;
    r.billing.state = u"WA"_s;
    r.billing.zip = u"85284"_s;
    r.billing.country = u"US"_s;
    r.email = u"grace@example.com"_s;
    r.phone = u"509-555-0100"_s;
    auto body = requests::body(r);
    QVERIFY2(body, qPrintable(body ? QString() : body.error().toString()));
    const QJsonObject cc = body->value("credit_card"_L1).toObject();
    QCOMPARE(cc.value("encrypted_number"_L1).toString(), card().encryptedNumber);
    QCOMPARE(cc.value("expiration_month"_L1).toInt(), 9);
    QCOMPARE(cc.value("expiration_year"_L1).toInt(), 2029);
    QVERIFY(!cc.contains("number"_L1));
    QVERIFY(!cc.contains("encrypted_csc"_L1));
    QCOMPARE(body->value("encrypted_csc"_L1).toString(), card().encryptedCsc); // top level
    QVERIFY(!body->contains("csc"_L1));
    QCOMPARE(body->value("billing_address"_L1).toObject().value("name"_L1).toString(), u"Grace Hopper"_s);
    QVERIFY(!body->value("billing_address"_L1).toObject().contains("county"_L1));
    QCOMPARE(body->value("email"_L1).toString(), u"grace@example.com"_s);
    QCOMPARE(body->value("phone"_L1).toString(), u"509-555-0100"_s);

    CustomerCreateRequest noCipher = r;
    noCipher.card.encryptedNumber.clear();
    QCOMPARE(requests::body(noCipher).error().field, u"credit_card.encrypted_number"_s);
    CustomerCreateRequest twoDigitYear = r;
    twoDigitYear.card.expirationYear = 29;
    QCOMPARE(requests::body(twoDigitYear).error().field, u"credit_card.expiration_year"_s);
}

void TestPayTraceCustomer::updateBody()
{
    CustomerUpdateRequest r;
    r.customerId = u"legacy 7"_s;
    QCOMPARE(requests::body(r).error().field, u"customer_id"_s); // nothing to change

    r.card = card();
    r.phone = u"509-555-0199"_s;
    auto body = requests::body(r);
    QVERIFY2(body, qPrintable(body ? QString() : body.error().toString()));
    QCOMPARE(body->value("customer_id"_L1).toString(), u"legacy 7"_s); // existing ids are never renamed
    QVERIFY(!body->contains("new_id"_L1));
    QCOMPARE(body->value("credit_card"_L1).toObject().value("encrypted_number"_L1).toString(), card().encryptedNumber);
    QCOMPARE(body->value("encrypted_csc"_L1).toString(), card().encryptedCsc);
    QCOMPARE(body->value("phone"_L1).toString(), u"509-555-0199"_s);
    QVERIFY(!body->contains("billing_address"_L1));

    CustomerUpdateRequest addressOnly;
    addressOnly.customerId = u"mage-42"_s;
    addressOnly.billing = Address{u"Grace Hopper"_s, u"1 Main St"_s, {}, u"Spokane"_s, u"Spokane"_s, u"WA"_s, u"99201"_s, u"US"_s};
    auto address = requests::body(addressOnly);
    QVERIFY(address);
    QVERIFY(!address->contains("credit_card"_L1));
    QVERIFY(!address->contains("encrypted_csc"_L1));
    QCOMPARE(address->value("billing_address"_L1).toObject().value("zip"_L1).toString(), u"99201"_s);
}

QTEST_GUILESS_MAIN(TestPayTraceCustomer)
#include "tst_paytrace_customer.moc"
