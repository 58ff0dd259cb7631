#include "magento/magentoclient.h"
#include "magento/parser.h"
#include "magento/searchcriteria.h"
#include "testsupport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using pb::magento::Parser;
using pb::magento::SearchCriteria;

namespace {

// An order as GET /V1/orders/:id returns it (magento.md §5.1), trimmed to what PayBridge reads
// plus some fields it ignores.
QJsonObject sampleOrder()
{
    return QJsonObject{
        {"entity_id"_L1, 3},
        {"increment_id"_L1, "000000003"_L1},
        {"state"_L1, "processing"_L1},
        {"status"_L1, "processing"_L1},
        {"order_currency_code"_L1, "USD"_L1},
        {"base_currency_code"_L1, "USD"_L1},
        {"grand_total"_L1, 165},
        {"base_grand_total"_L1, 165},
        {"total_paid"_L1, 165},
        {"total_invoiced"_L1, 165},
        {"total_refunded"_L1, 5.5},
        {"total_due"_L1, 0},
        {"customer_email"_L1, "jdoe@example.com"_L1},
        {"customer_firstname"_L1, "Jane"_L1},
        {"customer_lastname"_L1, "Doe"_L1},
        {"customer_id"_L1, 2},
        {"customer_is_guest"_L1, 0},
        {"created_at"_L1, "2017-08-21 22:22:19"_L1},
        {"updated_at"_L1, "2017-08-21 22:36:03"_L1},
        {"items"_L1, QJsonArray{QJsonObject{{"sku"_L1, "WS12-M-Orange"_L1}, {"price"_L1, 22}}}},
        {"payment"_L1, QJsonObject{{"method"_L1, "paytrace"_L1},
                                  {"amount_paid"_L1, 165},
                                  {"last_trans_id"_L1, "125391271"_L1},
                                  {"cc_last4"_L1, "5439"_L1},
                                  {"cc_type"_L1, "VI"_L1},
                                  {"account_status"_L1, QJsonValue::Null},
                                  {"additional_information"_L1, QJsonArray{"Bank Transfer Payment"_L1, ""_L1}}}},
        {"status_histories"_L1, QJsonArray{}},
        {"extension_attributes"_L1, QJsonObject{{"shipping_assignments"_L1, QJsonArray{}}}}};
}

QByteArray searchBody(const QJsonArray &items, qint64 total)
{
    return QJsonDocument(QJsonObject{{"items"_L1, items},
                                     {"search_criteria"_L1, QJsonObject{}},
                                     {"total_count"_L1, total}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TestMagentoParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void recordingsAreCovered();
    void recordedErrorBodies_data();
    void recordedErrorBodies();
    void recordedFieldsSearch();
    void recordedEnvelopes();
    void order();
    void multiCurrencyOrder();
    void fourDecimalOrder();
    void guestOrder();
    void nullAndAbsentFields();
    void searchPage();
    void orderErrors_data();
    void orderErrors();
    void hostileBodies_data();
    void hostileBodies();
    void placeholders_data();
    void placeholders();
    void errorBodyWithErrorsList();
    void criteriaEncoding();
    void criteriaPollingRecipe();
    void criteriaValidation_data();
    void criteriaValidation();
    void replayedNonceIsNotAnAuthFailure();
};

void TestMagentoParser::recordingsAreCovered()
{
    const QStringList covered{
        u"error_400_invalid_param.response.json"_s, u"error_429.response.json"_s,
        u"error_400_creditmemo_validation.response.json"_s, u"orders_search_fields.response.json"_s,
        u"customers_search.response.json"_s, u"order_comments.response.json"_s, u"customer.response.json"_s,
        u"invoice.response.json"_s, u"invoice_with_discount.response.json"_s, u"order_comment.request.json"_s,
        u"order_invoice.request.json"_s, u"order_refund_offline.request.json"_s, u"bulk_async.response.json"_s,
        u"bulk_status.response.json"_s};
    const QDir dir(pb::test::sharedDir() + u"/api/recordings/magento"_s);
    const QStringList files = dir.entryList({u"*.json"_s}, QDir::Files);
    QVERIFY(files.size() >= 14);
    for (const QString &f : files)
        QVERIFY2(covered.contains(f), qPrintable(u"no test reads "_s + f));
}

void TestMagentoParser::recordedErrorBodies_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("message");
    QTest::newRow("list parameters") << u"error_400_invalid_param.response.json"_s
                                     << u"Invalid product data: Invalid attribute set entity type"_s;
    QTest::newRow("429 null trace") << u"error_429.response.json"_s << u"Too Many Requests"_s;
    QTest::newRow("credit memo") << u"error_400_creditmemo_validation.response.json"_s
                                 << u"Creditmemo Document Validation Error(s):\nWe can't create creditmemo for the order.\nThe most money available to refund is 0."_s;
}

void TestMagentoParser::recordedErrorBodies()
{
    QFETCH(QString, file);
    QFETCH(QString, message);
    auto e = Parser::parseErrorBody(pb::test::recording(u"magento/"_s + file));
    QVERIFY2(e.ok(), qPrintable(e.ok() ? QString() : e.error().toString()));
    QCOMPARE(e->message, message);
    QVERIFY(e->details.isEmpty());
    QVERIFY(e->trace.isEmpty());
}

void TestMagentoParser::recordedFieldsSearch()
{
    const QByteArray body = pb::test::recording(u"magento/orders_search_fields.response.json"_s);
    auto keys = Parser::parseOrderKeys(body);
    QVERIFY(keys.ok());
    const QList<QPair<qint64, QString>> expected{{3003, u"WA0003003"_s}, {3140, u"WA0003140"_s}, {9435, u"WA0009435"_s}};
    QCOMPARE(*keys, expected);
    // The stripped items lack the currency, which a full OrderRecord needs: each is set aside
    // for the quarantine with a clear reason (docs/quarantine.md), never stored without money.
    auto full = Parser::parseOrderSearch(body);
    QVERIFY(full.ok());
    QVERIFY(full->items.isEmpty());
    QCOMPARE(full->rejected.size(), 3);
    QCOMPARE(full->rejected.at(0).field, u"order_currency_code"_s);
    QCOMPARE(full->rejected.at(0).externalId, u"3003"_s);
    QCOMPARE(full->rejected.at(2).externalId, u"9435"_s);
    QCOMPARE(full->ids, (QList<qint64>{3003, 3140, 9435}));
}

void TestMagentoParser::recordedEnvelopes()
{
    // Search envelopes of other entities: same items/total_count shape.
    for (const QString &f : {u"customers_search.response.json"_s, u"order_comments.response.json"_s}) {
        const QJsonObject o = QJsonDocument::fromJson(pb::test::recording(u"magento/"_s + f)).object();
        QCOMPARE(o.value("total_count"_L1).toInt(), 1);
        QCOMPARE(o.value("items"_L1).toArray().size(), 1);
        // Not an error envelope: no message.
        QVERIFY(!Parser::parseErrorBody(pb::test::recording(u"magento/"_s + f)).ok());
    }
    // Invoices carry order money: the exact parse must hold for the recorded negative discount.
    const QJsonObject inv = QJsonDocument::fromJson(pb::test::recording(u"magento/invoice_with_discount.response.json"_s)).object();
    auto discount = pb::Money::fromJson(inv.value("discount_amount"_L1), pb::Currency::usd(), u"discount_amount"_s);
    QVERIFY(discount.ok());
    QCOMPARE(discount->minor(), -40440);
    auto total = pb::Money::fromJson(inv.value("grand_total"_L1), pb::Currency::usd(), u"grand_total"_s);
    QVERIFY(total.ok());
    QCOMPARE(total->minor(), 191760);
    // Remaining files are request bodies and non-order answers; they must at least be JSON
    // objects the generic reader accepts.
    for (const QString &f : {u"customer.response.json"_s, u"invoice.response.json"_s, u"order_comment.request.json"_s,
                             u"order_invoice.request.json"_s, u"order_refund_offline.request.json"_s,
                             u"bulk_async.response.json"_s, u"bulk_status.response.json"_s}) {
        QVERIFY2(!QJsonDocument::fromJson(pb::test::recording(u"magento/"_s + f)).object().isEmpty(), qPrintable(f));
    }
}

void TestMagentoParser::order()
{
    auto r = Parser::parseOrder(sampleOrder());
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
    QCOMPARE(r->entityId, 3);
    QCOMPARE(r->incrementId, u"000000003"_s);
    QCOMPARE(r->state, u"processing"_s);
    QCOMPARE(r->status, u"processing"_s);
    QCOMPARE(r->currency.code(), u"USD"_s);
    QCOMPARE(r->grandTotal.minor(), 16500);
    QCOMPARE(r->totalPaid.minor(), 16500);
    QCOMPARE(r->totalInvoiced.minor(), 16500);
    QCOMPARE(r->totalRefunded.minor(), 550);
    QCOMPARE(r->totalDue.minor(), 0);
    QVERIFY(r->totalDue.isValid());
    QCOMPARE(r->baseCurrency.code(), u"USD"_s);
    QCOMPARE(r->baseGrandTotal.minor(), 16500);
    QCOMPARE(r->paymentMethod, u"paytrace"_s);
    QCOMPARE(r->lastTransId, u"125391271"_s);
    QCOMPARE(r->cardLast4, u"5439"_s);
    QCOMPARE(r->cardType, u"VI"_s);
    QCOMPARE(r->customerEmail, u"jdoe@example.com"_s);
    QCOMPARE(r->customerName, u"Jane Doe"_s);
    QCOMPARE(r->customerId.value_or(-1), 2);
    QVERIFY(!r->customerIsGuest);
    QCOMPARE(r->createdAt, QDateTime(QDate(2017, 8, 21), QTime(22, 22, 19), Qt::UTC));
    QCOMPARE(r->updatedAt, QDateTime(QDate(2017, 8, 21), QTime(22, 36, 3), Qt::UTC));
    QCOMPARE(r->updatedAt.timeSpec(), Qt::UTC);
}

void TestMagentoParser::multiCurrencyOrder()
{
    QJsonObject o = sampleOrder();
    o["order_currency_code"_L1] = "SAR"_L1;
    o["grand_total"_L1] = 618.75;
    o["base_grand_total"_L1] = 165;
    o["base_to_order_rate"_L1] = 3.75;
    auto r = Parser::parseOrder(o);
    QVERIFY(r.ok());
    QCOMPARE(r->currency.code(), u"SAR"_s);
    QCOMPARE(r->grandTotal.minor(), 61875);
    QCOMPARE(r->grandTotal.currency().code(), u"SAR"_s);
    QCOMPARE(r->baseGrandTotal.minor(), 16500);
    QCOMPARE(r->baseGrandTotal.currency().code(), u"USD"_s);

    o["order_currency_code"_L1] = "JPY"_L1;
    o["grand_total"_L1] = 1500;
    o["total_refunded"_L1] = 0; // 5.5 has no meaning in yen
    auto jpy = Parser::parseOrder(o);
    QVERIFY(jpy.ok());
    QCOMPARE(jpy->grandTotal.minor(), 1500);
    QVERIFY(jpy->exactAmounts.isEmpty());
    // JPY has no minor unit, yet Magento keeps 4 decimals: read, rounded half-even, flagged.
    o["grand_total"_L1] = 1500.5;
    auto fine = Parser::parseOrder(o);
    QVERIFY2(fine.ok(), qPrintable(fine.ok() ? QString() : fine.error().toString()));
    QCOMPARE(fine->grandTotal.minor(), 1500);
    QCOMPARE(fine->exactAmounts, (QMap<QString, QString>{{u"grand_total"_s, u"1500.5"_s}}));
    QCOMPARE(fine->baseToOrderRate, u"3.75"_s);
    o["grand_total"_L1] = 1500.00001;
    auto bad = Parser::parseOrder(o);
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().field, u"grand_total"_s);
    QCOMPARE(bad.error().code, u"money.precision"_s);
}

void TestMagentoParser::fourDecimalOrder()
{
    QJsonObject o = sampleOrder();
    o["grand_total"_L1] = 8.2645;
    o["total_paid"_L1] = "8.2650"_L1;
    o["total_invoiced"_L1] = 8.275;
    o["total_refunded"_L1] = 0;
    o["total_due"_L1] = -0.0005;
    o["base_currency_code"_L1] = "EUR"_L1;
    o["base_grand_total"_L1] = 7.5131;
    o["base_total_paid"_L1] = 7.51;
    o["base_total_invoiced"_L1] = "7.5100"_L1;
    o["base_total_refunded"_L1] = 0;
    o["base_total_due"_L1] = 0.0001;
    o["base_to_order_rate"_L1] = 1.1;
    auto r = Parser::parseOrder(o);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
    QCOMPARE(r->grandTotal.toString(), u"USD 8.26"_s);
    QCOMPARE(r->totalPaid.toString(), u"USD 8.26"_s);      // tie to even
    QCOMPARE(r->totalInvoiced.toString(), u"USD 8.28"_s);  // tie to even
    QCOMPARE(r->totalDue.toString(), u"USD 0.00"_s);
    QCOMPARE(r->baseGrandTotal.toString(), u"EUR 7.51"_s);
    QCOMPARE(r->baseTotalPaid.toString(), u"EUR 7.51"_s);
    QCOMPARE(r->baseTotalInvoiced.toString(), u"EUR 7.51"_s);
    QCOMPARE(r->baseTotalRefunded.toString(), u"EUR 0.00"_s);
    QCOMPARE(r->baseTotalDue.toString(), u"EUR 0.00"_s);
    QCOMPARE(r->baseToOrderRate, u"1.1"_s);
    const QMap<QString, QString> exact{{u"grand_total"_s, u"8.2645"_s},   {u"total_paid"_s, u"8.265"_s},
                                       {u"total_invoiced"_s, u"8.275"_s}, {u"total_due"_s, u"-0.0005"_s},
                                       {u"base_grand_total"_s, u"7.5131"_s}, {u"base_total_due"_s, u"0.0001"_s}};
    QCOMPARE(r->exactAmounts, exact);

    // payment.amount_paid stands in for an absent total_paid, exact text included.
    o.remove("total_paid"_L1);
    QJsonObject p = o["payment"_L1].toObject();
    p["amount_paid"_L1] = 8.2645;
    o["payment"_L1] = p;
    auto fallback = Parser::parseOrder(o);
    QVERIFY(fallback.ok());
    QCOMPARE(fallback->totalPaid.toString(), u"USD 8.26"_s);
    QCOMPARE(fallback->exactAmounts.value(u"total_paid"_s), u"8.2645"_s);

    // A whole search page of such orders reads.
    o["base_to_order_rate"_L1] = "1.1000"_L1;
    auto page = Parser::parseOrderSearch(searchBody({sampleOrder(), o}, 2));
    QVERIFY(page.ok());
    QCOMPARE(page->items.size(), 2);
    QCOMPARE(page->items.at(1).exactAmounts.value(u"grand_total"_s), u"8.2645"_s);

    // Finer than Magento keeps is still an error naming the field.
    QJsonObject tooFine = sampleOrder();
    tooFine["base_total_paid"_L1] = "1.00005"_L1;
    auto e1 = Parser::parseOrder(tooFine, u"items[2]"_s);
    QVERIFY(!e1.ok());
    QCOMPARE(e1.error().field, u"items[2].base_total_paid"_s);
    QJsonObject badRate = sampleOrder();
    badRate["base_to_order_rate"_L1] = "x"_L1;
    auto e2 = Parser::parseOrder(badRate);
    QVERIFY(!e2.ok());
    QCOMPARE(e2.error().field, u"base_to_order_rate"_s);
}

void TestMagentoParser::guestOrder()
{
    QJsonObject o = sampleOrder();
    o.remove("customer_id"_L1);
    o.remove("customer_firstname"_L1);
    o.remove("customer_lastname"_L1);
    o["customer_is_guest"_L1] = 1;
    o["billing_address"_L1] = QJsonObject{{"firstname"_L1, "Veronica"_L1}, {"lastname"_L1, "Costello"_L1},
                                         {"street"_L1, QJsonArray{"6146 Honey Bluff Parkway"_L1}}};
    auto r = Parser::parseOrder(o);
    QVERIFY(r.ok());
    QVERIFY(r->customerIsGuest);
    QVERIFY(!r->customerId.has_value());
    QCOMPARE(r->customerName, u"Veronica Costello"_s);
}

void TestMagentoParser::nullAndAbsentFields()
{
    // Only the three identity fields are required; the interface's "required" fields may be null.
    QJsonObject minimal{{"entity_id"_L1, "42"_L1}, {"increment_id"_L1, 100000042}, {"order_currency_code"_L1, "EUR"_L1},
                        {"grand_total"_L1, QJsonValue::Null},
                        {"payment"_L1, QJsonObject{{"cc_last4"_L1, QJsonValue::Null}, {"method"_L1, "checkmo"_L1}}}};
    auto r = Parser::parseOrder(minimal);
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
    QCOMPARE(r->entityId, 42);
    QCOMPARE(r->incrementId, u"100000042"_s);
    QVERIFY(!r->grandTotal.isValid());
    QVERIFY(r->cardLast4.isEmpty());
    QVERIFY(!r->createdAt.isValid());
    QVERIFY(!r->baseCurrency.isValid());
    QVERIFY(r->customerIsGuest); // no customer id and no flag
}

void TestMagentoParser::searchPage()
{
    QJsonObject second = sampleOrder();
    second["entity_id"_L1] = 4;
    second["increment_id"_L1] = "000000004"_L1;
    auto page = Parser::parseOrderSearch(searchBody({sampleOrder(), second}, 57));
    QVERIFY(page.ok());
    QCOMPARE(page->items.size(), 2);
    QCOMPARE(page->items.at(1).entityId, 4);
    QCOMPARE(page->totalCount, 57);

    auto empty = Parser::parseOrderSearch(R"({"items":[],"search_criteria":{},"total_count":0})");
    QVERIFY(empty.ok());
    QVERIFY(empty->items.isEmpty());
    auto noTotal = Parser::parseOrderSearch(R"({"items":[]})");
    QVERIFY(noTotal.ok());
    QCOMPARE(noTotal->totalCount, -1);
}

void TestMagentoParser::orderErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    auto with = [](std::function<void(QJsonObject &)> change) {
        QJsonObject bad = sampleOrder();
        change(bad);
        return searchBody({sampleOrder(), sampleOrder(), bad}, 3);
    };
    QTest::newRow("no entity_id") << with([](QJsonObject &o) { o.remove("entity_id"_L1); }) << u"items[2].entity_id"_s;
    QTest::newRow("entity_id text") << with([](QJsonObject &o) { o["entity_id"_L1] = "three"_L1; }) << u"items[2].entity_id"_s;
    QTest::newRow("entity_id fraction") << with([](QJsonObject &o) { o["entity_id"_L1] = 3.5; }) << u"items[2].entity_id"_s;
    QTest::newRow("entity_id huge") << with([](QJsonObject &o) { o["entity_id"_L1] = 1e40; }) << u"items[2].entity_id"_s;
    QTest::newRow("entity_id negative") << with([](QJsonObject &o) { o["entity_id"_L1] = -1; }) << u"items[2].entity_id"_s;
    QTest::newRow("no increment_id") << with([](QJsonObject &o) { o.remove("increment_id"_L1); }) << u"items[2].increment_id"_s;
    QTest::newRow("increment_id object") << with([](QJsonObject &o) { o["increment_id"_L1] = QJsonObject(); }) << u"items[2].increment_id"_s;
    QTest::newRow("no currency") << with([](QJsonObject &o) { o.remove("order_currency_code"_L1); }) << u"items[2].order_currency_code"_s;
    QTest::newRow("unknown currency") << with([](QJsonObject &o) { o["order_currency_code"_L1] = "XYZ"_L1; }) << u"items[2].order_currency_code"_s;
    QTest::newRow("grand_total text") << with([](QJsonObject &o) { o["grand_total"_L1] = "lots"_L1; }) << u"items[2].grand_total"_s;
    QTest::newRow("grand_total 5 decimals") << with([](QJsonObject &o) { o["grand_total"_L1] = 1.00005; }) << u"items[2].grand_total"_s;
    QTest::newRow("grand_total huge") << with([](QJsonObject &o) { o["grand_total"_L1] = 1e300; }) << u"items[2].grand_total"_s;
    QTest::newRow("payment list") << with([](QJsonObject &o) { o["payment"_L1] = QJsonArray(); }) << u"items[2].payment"_s;
    QTest::newRow("amount_paid bool") << with([](QJsonObject &o) {
        QJsonObject p = o["payment"_L1].toObject();
        p["amount_paid"_L1] = true;
        o["payment"_L1] = p;
    }) << u"items[2].payment.amount_paid"_s;
    QTest::newRow("updated_at iso") << with([](QJsonObject &o) { o["updated_at"_L1] = "2017-08-21T22:36:03Z"_L1; }) << u"items[2].updated_at"_s;
    QTest::newRow("created_at month 13") << with([](QJsonObject &o) { o["created_at"_L1] = "2017-13-21 22:36:03"_L1; }) << u"items[2].created_at"_s;
    QTest::newRow("guest flag text") << with([](QJsonObject &o) { o["customer_is_guest"_L1] = "maybe"_L1; }) << u"items[2].customer_is_guest"_s;
    QTest::newRow("item not object") << searchBody({sampleOrder(), 7}, 2) << u"items[1]"_s;
    QTest::newRow("items object") << QByteArray(R"({"items":{},"total_count":0})") << u"items"_s;
    QTest::newRow("total_count text") << QByteArray(R"({"items":[],"total_count":"many"})") << u"total_count"_s;
    QTest::newRow("total_count negative") << QByteArray(R"({"items":[],"total_count":-5})") << u"total_count"_s;
}

void TestMagentoParser::orderErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    auto r = Parser::parseOrderSearch(body);
    if (!field.startsWith(u"items["_s)) {
        // The envelope itself: the page cannot be read at all.
        QVERIFY(!r.ok());
        QCOMPARE(r.error().field, field);
        QVERIFY(!r.error().message.isEmpty());
        return;
    }
    // One bad item: the others are read, the bad one is set aside with the field and reason.
    QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
    QCOMPARE(r->rejected.size(), 1);
    // The field within the order (an item that is no object at all is named by its place).
    const QString inRecord = field.contains(u'.') ? field.section(u'.', 1) : field;
    QCOMPARE(r->rejected.first().field, inRecord);
    QVERIFY(!r->rejected.first().reason.isEmpty());
    QVERIFY(!r->rejected.first().raw.isEmpty());
    QCOMPARE(r->items.size() + r->rejected.size(), r->itemCount);
}

void TestMagentoParser::hostileBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::newRow("empty") << QByteArray() << u"json.syntax"_s;
    QTest::newRow("html") << QByteArray("<html><body>502 Bad Gateway</body></html>") << u"json.syntax"_s;
    QTest::newRow("scalar") << QByteArray("true") << u"json.type"_s;
    QTest::newRow("deep arrays") << QByteArray(200000, '[') << u"json.syntax"_s;
    QByteArray deep = "{\"items\":";
    for (int i = 0; i < 3000; ++i)
        deep += "[";
    QTest::newRow("deep items") << deep << u"json.syntax"_s;
    QTest::newRow("invalid utf8") << QByteArray("{\"items\":[],\"x\":\"\xc3\x28\"}") << u"json.syntax"_s;
    QJsonArray huge;
    for (int i = 0; i < 10001; ++i)
        huge.append(QJsonObject{{"entity_id"_L1, i + 1}});
    QTest::newRow("huge array") << searchBody(huge, 10001) << u"json.too_many"_s;
}

void TestMagentoParser::hostileBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    auto r = Parser::parseOrderSearch(body);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, code);
    QVERIFY(!Parser::parseOrderKeys(body).ok());
    QVERIFY(!Parser::parseErrorBody(body).ok());
}

void TestMagentoParser::placeholders_data()
{
    QTest::addColumn<QString>("message");
    QTest::addColumn<QByteArray>("parameters");
    QTest::addColumn<QString>("expected");
    QTest::newRow("list") << u"Invalid product data: %1"_s << QByteArray(R"(["bad"])") << u"Invalid product data: bad"_s;
    QTest::newRow("list two") << u"%2 then %1"_s << QByteArray(R"(["a","b"])") << u"b then a"_s;
    QTest::newRow("list ten") << u"%10 %1"_s << QByteArray(R"(["1","2","3","4","5","6","7","8","9","ten"])") << u"ten 1"_s;
    QTest::newRow("list number") << u"Signature method %1 is not supported"_s << QByteArray(R"([256])") << u"Signature method 256 is not supported"_s;
    QTest::newRow("list missing") << u"%1 and %2"_s << QByteArray(R"(["x"])") << u"x and %2"_s;
    QTest::newRow("object") << u"The consumer isn't authorized to access %resources."_s
                            << QByteArray(R"({"resources":"Magento_Catalog::products"})")
                            << u"The consumer isn't authorized to access Magento_Catalog::products."_s;
    QTest::newRow("object fieldName") << u"\"%fieldName\" is required. Enter and try again."_s
                                      << QByteArray(R"({"fieldName":"searchCriteria"})")
                                      << u"\"searchCriteria\" is required. Enter and try again."_s;
    QTest::newRow("object numeric key") << u"Value %1"_s << QByteArray(R"({"1":"one"})") << u"Value one"_s;
    QTest::newRow("object unknown") << u"%who did %what"_s << QByteArray(R"({"who":"Bob"})") << u"Bob did %what"_s;
    QTest::newRow("percent literal") << u"100% sure %"_s << QByteArray(R"(["x"])") << u"100% sure %"_s;
    QTest::newRow("no parameters") << u"Plain %1"_s << QByteArray("null") << u"Plain %1"_s;
    QTest::newRow("value with placeholder") << u"%1 %2"_s << QByteArray(R"(["%2","b"])") << u"%2 b"_s;
}

void TestMagentoParser::placeholders()
{
    QFETCH(QString, message);
    QFETCH(QByteArray, parameters);
    QFETCH(QString, expected);
    const QJsonValue params = QJsonDocument::fromJson("[" + parameters + "]").array().at(0);
    QCOMPARE(Parser::fillPlaceholders(message, params), expected);
}

void TestMagentoParser::errorBodyWithErrorsList()
{
    auto e = Parser::parseErrorBody(R"({"message":"One or more input exceptions have occurred.",
        "errors":[{"message":"\"%fieldName\" is required. Enter and try again.","parameters":{"fieldName":"items"}},
                  {"message":"Invalid value of \"%value\" provided for the %fieldName field.","parameters":{"value":"-1","fieldName":"qty"}}],
        "code":3,"trace":"#0 ..."})");
    QVERIFY(e.ok());
    QCOMPARE(e->message, u"One or more input exceptions have occurred."_s);
    QCOMPARE(e->details, (QStringList{u"\"items\" is required. Enter and try again."_s,
                                      u"Invalid value of \"-1\" provided for the qty field."_s}));
    QCOMPARE(e->code.value_or(0), 3);
    QCOMPARE(e->trace, u"#0 ..."_s);

    auto badParams = Parser::parseErrorBody(R"({"message":"x %1","parameters":"oops"})");
    QVERIFY(!badParams.ok());
    QCOMPARE(badParams.error().field, u"parameters"_s);
    auto badErrors = Parser::parseErrorBody(R"({"message":"x","errors":["a"]})");
    QVERIFY(!badErrors.ok());
    QCOMPARE(badErrors.error().field, u"errors[0]"_s);
}

void TestMagentoParser::criteriaEncoding()
{
    SearchCriteria c;
    c.addFilter(u"customer_email"_s, u"a+b=c&d e%f"_s, u"like"_s).setPageSize(10).setCurrentPage(2);
    auto q = c.toQuery();
    QVERIFY(q.ok());
    QCOMPARE(*q, u"searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bfield%5D=customer_email"
                  "&searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bvalue%5D=a%2Bb%3Dc%26d%20e%25f"
                  "&searchCriteria%5Bfilter_groups%5D%5B0%5D%5Bfilters%5D%5B0%5D%5Bcondition_type%5D=like"
                  "&searchCriteria%5BpageSize%5D=10&searchCriteria%5BcurrentPage%5D=2"_s);
    QVERIFY(!q->contains(u'+'));

    // OR inside a group, AND across groups; fields= goes along.
    SearchCriteria g;
    g.addFilterGroup({{u"status"_s, u"pending"_s, {}}, {u"status"_s, u"processing"_s, {}}})
        .addFilter(u"grand_total"_s, u"100"_s, u"gteq"_s)
        .setFields(u"items[entity_id,increment_id],total_count"_s);
    auto items = g.queryItems();
    QVERIFY(items.ok());
    QCOMPARE(items->at(0).first, u"searchCriteria[filter_groups][0][filters][0][field]"_s);
    QCOMPARE(items->at(2).first, u"searchCriteria[filter_groups][0][filters][1][field]"_s);
    QCOMPARE(items->at(4).first, u"searchCriteria[filter_groups][1][filters][0][field]"_s);
    QCOMPARE(items->at(6).first, u"searchCriteria[filter_groups][1][filters][0][condition_type]"_s);
    QCOMPARE(items->constLast(), (QPair<QString, QString>{u"fields"_s, u"items[entity_id,increment_id],total_count"_s}));
    QVERIFY(g.toQuery()->endsWith(u"&fields=items%5Bentity_id%2Cincrement_id%5D%2Ctotal_count"_s));
}

void TestMagentoParser::criteriaPollingRecipe()
{
    // magento.md §4 polling recipe, encoded.
    SearchCriteria c;
    c.addFilter(u"updated_at"_s, u"2024-05-01 12:00:00"_s, u"gteq"_s)
        .addSortOrder(u"updated_at"_s, SearchCriteria::Direction::Asc)
        .addSortOrder(u"entity_id"_s, SearchCriteria::Direction::Asc)
        .setPageSize(100)
        .setCurrentPage(1);
    auto items = c.queryItems();
    QVERIFY(items.ok());
    QStringList lines;
    for (const auto &i : *items)
        lines.append(i.first + u'=' + i.second);
    QCOMPARE(lines, (QStringList{
        u"searchCriteria[filter_groups][0][filters][0][field]=updated_at"_s,
        u"searchCriteria[filter_groups][0][filters][0][value]=2024-05-01 12:00:00"_s,
        u"searchCriteria[filter_groups][0][filters][0][condition_type]=gteq"_s,
        u"searchCriteria[sortOrders][0][field]=updated_at"_s,
        u"searchCriteria[sortOrders][0][direction]=ASC"_s,
        u"searchCriteria[sortOrders][1][field]=entity_id"_s,
        u"searchCriteria[sortOrders][1][direction]=ASC"_s,
        u"searchCriteria[pageSize]=100"_s,
        u"searchCriteria[currentPage]=1"_s}));
    QVERIFY(c.toQuery()->contains(u"2024-05-01%2012%3A00%3A00"_s));
}

void TestMagentoParser::criteriaValidation_data()
{
    QTest::addColumn<int>("groups");
    QTest::addColumn<int>("filtersInGroup");
    QTest::addColumn<int>("sorts");
    QTest::addColumn<int>("pageSize");
    QTest::addColumn<int>("page");
    QTest::addColumn<QString>("condition");
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("errorField"); // empty: valid
    QTest::newRow("ok") << 10 << 10 << 10 << 300 << 1 << u"in"_s << u"entity_id"_s << QString();
    QTest::newRow("11 groups") << 11 << 1 << 0 << 100 << 1 << u"eq"_s << u"a"_s << u"filter_groups"_s;
    QTest::newRow("11 filters") << 1 << 11 << 0 << 100 << 1 << u"eq"_s << u"a"_s << u"filter_groups[0]"_s;
    QTest::newRow("11 sorts") << 1 << 1 << 11 << 100 << 1 << u"eq"_s << u"a"_s << u"sortOrders"_s;
    QTest::newRow("page size 301") << 1 << 1 << 0 << 301 << 1 << u"eq"_s << u"a"_s << u"pageSize"_s;
    QTest::newRow("page size 0") << 1 << 1 << 0 << 0 << 1 << u"eq"_s << u"a"_s << u"pageSize"_s;
    QTest::newRow("page 0") << 1 << 1 << 0 << 10 << 0 << u"eq"_s << u"a"_s << u"currentPage"_s;
    QTest::newRow("bad condition") << 1 << 1 << 0 << 10 << 1 << u"regexp"_s << u"a"_s << u"filter_groups[0].filters[0]"_s;
    QTest::newRow("bad field") << 1 << 1 << 0 << 10 << 1 << u"eq"_s << u"a]&b"_s << u"filter_groups[0].filters[0]"_s;
}

void TestMagentoParser::criteriaValidation()
{
    QFETCH(int, groups);
    QFETCH(int, filtersInGroup);
    QFETCH(int, sorts);
    QFETCH(int, pageSize);
    QFETCH(int, page);
    QFETCH(QString, condition);
    QFETCH(QString, field);
    QFETCH(QString, errorField);
    SearchCriteria c;
    for (int g = 0; g < groups; ++g) {
        QList<SearchCriteria::Filter> fs;
        for (int f = 0; f < filtersInGroup; ++f)
            fs.append({field, QString::number(f), condition});
        c.addFilterGroup(fs);
    }
    for (int s = 0; s < sorts; ++s)
        c.addSortOrder(u"entity_id"_s, SearchCriteria::Direction::Desc);
    c.setPageSize(pageSize).setCurrentPage(page);
    const pb::Status st = c.validate();
    QCOMPARE(st.ok(), errorField.isEmpty());
    if (!st.ok()) {
        QCOMPARE(st.error().field, errorField);
        QCOMPARE(st.error().code, u"magento.search_criteria"_s);
        QVERIFY(!c.queryItems().ok());
    } else {
        QVERIFY(c.toQuery()->contains(u"searchCriteria%5BsortOrders%5D%5B9%5D%5Bdirection%5D=DESC"_s));
    }
}

// Qt sends an idempotent request again by itself, signed header and all, when a kept-alive
// connection closes under it; Magento refuses the repeated nonce (docs/magento.md §1).
void TestMagentoParser::replayedNonceIsNotAnAuthFailure()
{
    pb::net::HttpResponse http;
    http.status = 401;
    http.body = R"({"message":"The nonce is already being used by the consumer with ID %1","parameters":["1"]})";
    http.effect = pb::net::Effect::Read;
    auto f = pb::magento::MagentoClient::failureFor(http);
    QCOMPARE(f.errorClass, pb::net::ErrorClass::Transient); // a read signs again and retries
    QCOMPARE(f.error.code, u"magento.nonce_replayed"_s);
    http.effect = pb::net::Effect::Write;
    f = pb::magento::MagentoClient::failureFor(http);
    QCOMPARE(f.errorClass, pb::net::ErrorClass::InDoubt); // the first copy may have been carried out
    // Any other 401 stays what it is: the credentials or the grant.
    http.body = R"({"message":"The signature is invalid. Verify and try again."})";
    f = pb::magento::MagentoClient::failureFor(http);
    QCOMPARE(f.errorClass, pb::net::ErrorClass::Auth);
}

QTEST_GUILESS_MAIN(TestMagentoParser)
#include "tst_magento_parser.moc"
