// Magento documents (invoices, credit memos, comments, customers, store configs), the request
// bodies PayBridge writes, and the PayTrace transaction marker, against the recorded bodies.
#include "magento/documents.h"
#include "magento/magentoapi.h"
#include "magento/parser.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using pb::Currency;
using pb::Money;
using namespace pb::magento;

Q_DECLARE_METATYPE(pb::magento::RefundRequest)
Q_DECLARE_METATYPE(pb::magento::ItemQty)

namespace {

Money usd(const char *text)
{
    return Money::parse(QString::fromLatin1(text), Currency::usd()).value();
}

Money money(const char *text, const char *code)
{
    const auto c = Currency::fromCode(QString::fromLatin1(code));
    return Money::parse(QString::fromLatin1(text), *c).value();
}

} // namespace

class TestMagentoDocuments : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void orderAddresses_data();
    void orderAddresses();
    void invoiceRecording_data();
    void invoiceRecording();
    void invoiceItemsAndMissingFields();
    void invoiceAmountWithoutCurrencyIsAnError();
    void commentsRecording();
    void customerRecordings();
    void storeConfigs();
    void creditMemoInBaseAndOrderCurrency();
    void fourDecimalDocuments();
    void transaction();
    void scalarAnswers_data();
    void scalarAnswers();
    void creditMemoValidationError();

    void commentBodyMatchesRecordingShape();
    void commentBodyNeedsStatus();
    void invoiceBodyNeverCaptures_data();
    void invoiceBodyNeverCaptures();
    void refundBodyWritesAmountsExactly_data();
    void refundBodyWritesAmountsExactly();
    void refundBodyRefusesBadInput_data();
    void refundBodyRefusesBadInput();

    void markerFormat_data();
    void markerFormat();
    void markerFound_data();
    void markerFound();
};

void TestMagentoDocuments::invoiceRecording_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<Money>("grand");
    QTest::addColumn<Money>("discount");
    QTest::addColumn<Money>("shipping");
    QTest::addColumn<int>("items");
    QTest::addColumn<QString>("totalQty");
    QTest::newRow("plain") << u"invoice.response.json"_s << usd("165") << usd("0") << usd("5") << 9 << u"9"_s;
    QTest::newRow("discount") << u"invoice_with_discount.response.json"_s << usd("1917.60") << usd("-404.40")
                              << usd("300") << 3 << u"61"_s;
}

void TestMagentoDocuments::invoiceRecording()
{
    QFETCH(QString, file);
    QFETCH(Money, grand);
    QFETCH(Money, discount);
    QFETCH(Money, shipping);
    QFETCH(int, items);
    QFETCH(QString, totalQty);
    auto inv = DocumentParser::parseInvoiceBody(pb::test::recording(u"magento/"_s + file));
    QVERIFY2(inv, qPrintable(inv ? QString() : inv.error().toString()));
    QCOMPARE(inv->entityId, 3);
    QCOMPARE(inv->orderId, 3);
    QCOMPARE(inv->incrementId, u"000000003"_s);
    QCOMPARE(inv->state, 2);
    QCOMPARE(inv->totals.currency.code(), u"USD"_s);
    QCOMPARE(inv->totals.grandTotal, grand);
    QCOMPARE(inv->totals.baseGrandTotal, grand);
    QCOMPARE(inv->totals.discountAmount, discount);
    QCOMPARE(inv->totals.baseDiscountAmount, discount);
    QCOMPARE(inv->totals.shippingAmount, shipping);
    QCOMPARE(inv->items.size(), items);
    QCOMPARE(inv->totalQty, totalQty);
    QVERIFY(inv->transactionId.isEmpty()); // offline invoice
    QVERIFY(!inv->canVoid);
    QVERIFY(inv->comments.isEmpty());
    QCOMPARE(inv->createdAt.timeSpec(), Qt::UTC);
}

void TestMagentoDocuments::invoiceItemsAndMissingFields()
{
    auto inv = DocumentParser::parseInvoiceBody(pb::test::recording(u"magento/invoice.response.json"_s));
    QVERIFY(inv);
    QCOMPARE(inv->createdAt, QDateTime(QDate(2017, 8, 21), QTime(22, 36, 2), Qt::UTC));
    QCOMPARE(inv->updatedAt, QDateTime(QDate(2017, 8, 21), QTime(22, 36, 3), Qt::UTC));
    const DocumentItem &first = inv->items.first();
    QCOMPARE(first.orderItemId, 3);
    QCOMPARE(first.sku, u"WS12-M-Orange"_s);
    QCOMPARE(first.qty, u"1"_s);
    QCOMPARE(first.price, usd("22"));
    QCOMPARE(first.rowTotal, usd("22"));
    QCOMPARE(first.basePrice, usd("22"));
    // The bundle line has no row_total and no tax: left invalid, not zero.
    const DocumentItem &bundle = inv->items.at(2);
    QCOMPARE(bundle.orderItemId, 5);
    QVERIFY(!bundle.rowTotal.isValid());
    QVERIFY(!bundle.taxAmount.isValid());
    QCOMPARE(bundle.price, usd("68"));
    // The discount lines keep their cents exactly.
    auto disc = DocumentParser::parseInvoiceBody(pb::test::recording(u"magento/invoice_with_discount.response.json"_s));
    QVERIFY(disc);
    QCOMPARE(disc->items.at(2).discountAmount, usd("4.40"));
    QCOMPARE(disc->items.at(1).qty, u"40"_s);
    // An empty object is a valid (empty) invoice.
    auto empty = DocumentParser::parseInvoice(QJsonObject{});
    QVERIFY(empty);
    QCOMPARE(empty->entityId, 0);
    QVERIFY(!empty->totals.grandTotal.isValid());
}

void TestMagentoDocuments::invoiceAmountWithoutCurrencyIsAnError()
{
    auto r = DocumentParser::parseInvoice(QJsonObject{{"grand_total"_L1, 10}});
    QVERIFY(!r);
    QCOMPARE(r.error().code, u"magento.currency_missing"_s);
    QCOMPARE(r.error().field, u"grand_total"_s);
    // Finer than Magento's 4 decimals is an error naming the field.
    auto bad = DocumentParser::parseInvoice(QJsonObject{{"order_currency_code"_L1, "USD"_L1}, {"grand_total"_L1, 10.00005}});
    QVERIFY(!bad);
    QCOMPARE(bad.error().field, u"grand_total"_s);
    QCOMPARE(bad.error().code, u"money.precision"_s);
    auto badTime = DocumentParser::parseInvoice(QJsonObject{{"created_at"_L1, "2017-08-21T22:36:02Z"_L1}});
    QVERIFY(!badTime);
    QCOMPARE(badTime.error().code, u"magento.time"_s);
}

void TestMagentoDocuments::commentsRecording()
{
    auto page = DocumentParser::parseCommentSearch(pb::test::recording(u"magento/order_comments.response.json"_s));
    QVERIFY2(page, qPrintable(page ? QString() : page.error().toString()));
    QCOMPARE(page->totalCount, 1);
    QCOMPARE(page->items.size(), 1);
    const Comment &c = page->items.first();
    QCOMPARE(c.entityId, 12);
    QCOMPARE(c.parentId, 42);
    QCOMPARE(c.status, u"processing"_s);
    QVERIFY(c.customerNotified);
    QVERIFY(c.visibleOnFront);
    QCOMPARE(c.entityName, u"order"_s);
    QCOMPARE(c.comment, u"Contacted the customer to confirm the delivery window."_s);
    QCOMPARE(c.createdAt, QDateTime(QDate(2026, 7, 20), QTime(14, 32, 10), Qt::UTC));
}

void TestMagentoDocuments::customerRecordings()
{
    auto c = DocumentParser::parseCustomerBody(pb::test::recording(u"magento/customer.response.json"_s));
    QVERIFY(c);
    QCOMPARE(c->id, 2);
    QCOMPARE(c->email, u"jdoe@example.com"_s);
    QCOMPARE(c->defaultBilling, u"2"_s);
    QCOMPARE(c->groupId, std::optional<qint64>(1));
    QCOMPARE(c->addresses.size(), 1);
    QCOMPARE(c->addresses.first().regionCode, u"NY"_s);
    QCOMPARE(c->addresses.first().street, QStringList{u"123 Oak Ave"_s});
    QVERIFY(c->addresses.first().defaultBilling);
    QCOMPARE(c->createdAt, QDateTime(QDate(2017, 1, 31), QTime(1, 18, 13), Qt::UTC));

    auto page = DocumentParser::parseCustomerSearch(pb::test::recording(u"magento/customers_search.response.json"_s));
    QVERIFY(page);
    QCOMPARE(page->totalCount, 1);
    QCOMPARE(page->items.first().addresses.size(), 2);
    QVERIFY(!page->items.first().addresses.at(1).defaultShipping);
    QCOMPARE(page->items.first().addresses.at(1).countryId, u"GB"_s);
}

void TestMagentoDocuments::storeConfigs()
{
    const QByteArray body = R"J([{"id":1,"code":"default","website_id":1,"locale":"en_US",
        "base_currency_code":"USD","default_display_currency_code":"USD","timezone":"America/Chicago",
        "weight_unit":"lbs","base_url":"https://shop.example.com/","secure_base_url":"https://shop.example.com/"}])J";
    auto r = DocumentParser::parseStoreConfigs(body);
    QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
    QCOMPARE(r->size(), 1);
    QCOMPARE(r->first().baseCurrencyCode, u"USD"_s);
    QCOMPARE(r->first().timezone, u"America/Chicago"_s);
    QCOMPARE(r->first().code, u"default"_s);
    QVERIFY(!DocumentParser::parseStoreConfigs(R"J({"id":1})J"));
}

void TestMagentoDocuments::creditMemoInBaseAndOrderCurrency()
{
    const QByteArray body = R"J({"entity_id":7,"order_id":42,"invoice_id":9,"state":2,"order_currency_code":"EUR",
        "base_currency_code":"USD","grand_total":10.5,"base_grand_total":11.34,"adjustment_positive":1.5,
        "adjustment_negative":0,"created_at":"2026-07-20 14:32:10",
        "items":[{"order_item_id":3,"qty":0.5,"price":20,"base_price":21.6}],
        "comments":[{"comment":"PayTrace TXN 555 (refund)","parent_id":7}]})J";
    auto cm = DocumentParser::parseCreditMemoBody(body);
    QVERIFY2(cm, qPrintable(cm ? QString() : cm.error().toString()));
    QCOMPARE(cm->totals.grandTotal, money("10.50", "EUR"));
    QCOMPARE(cm->totals.baseGrandTotal, money("11.34", "USD"));
    QCOMPARE(cm->adjustmentPositive, money("1.50", "EUR"));
    QCOMPARE(cm->invoiceId, std::optional<qint64>(9));
    QCOMPARE(cm->items.first().qty, u"0.5"_s);
    QCOMPARE(cm->items.first().basePrice, money("21.60", "USD"));
    QVERIFY(TxnMarker::present(cm->comments, u"555"_s, TxnMarker::Kind::Refund));
}

void TestMagentoDocuments::fourDecimalDocuments()
{
    // Magento keeps decimal(20,4) (docs/magento.md §7): tax-inclusive prices and a JPY total
    // with decimals read, rounded half-even, with the exact text kept.
    const QByteArray invoiceBody = R"J({"entity_id":8,"order_id":42,"state":2,"order_currency_code":"USD",
        "base_currency_code":"JPY","grand_total":16.529,"subtotal":"16.5290","tax_amount":2.8686,
        "base_grand_total":2480.5,"base_total_refunded":0.0001,
        "items":[{"order_item_id":3,"qty":2,"price":8.2645,"row_total":16.529,"base_price":1240.25,
                  "tax_amount":1.4343,"discount_amount":0}]})J";
    auto inv = DocumentParser::parseInvoiceBody(invoiceBody);
    QVERIFY2(inv, qPrintable(inv ? QString() : inv.error().toString()));
    QCOMPARE(inv->totals.grandTotal, usd("16.53"));
    QCOMPARE(inv->totals.subtotal, usd("16.53"));
    QCOMPARE(inv->totals.taxAmount, usd("2.87"));
    QCOMPARE(inv->totals.baseGrandTotal, money("2480", "JPY")); // tie to even
    QCOMPARE(inv->baseTotalRefunded, money("0", "JPY"));
    const QMap<QString, QString> totals{{u"grand_total"_s, u"16.529"_s}, {u"subtotal"_s, u"16.529"_s},
                                        {u"tax_amount"_s, u"2.8686"_s}, {u"base_grand_total"_s, u"2480.5"_s},
                                        {u"base_total_refunded"_s, u"0.0001"_s}};
    QCOMPARE(inv->totals.exactAmounts, totals);
    const DocumentItem &item = inv->items.first();
    QCOMPARE(item.price, usd("8.26"));
    QCOMPARE(item.rowTotal, usd("16.53"));
    QCOMPARE(item.taxAmount, usd("1.43"));
    QCOMPARE(item.discountAmount, usd("0"));
    QCOMPARE(item.basePrice, money("1240", "JPY"));
    const QMap<QString, QString> itemExact{{u"price"_s, u"8.2645"_s}, {u"row_total"_s, u"16.529"_s},
                                           {u"tax_amount"_s, u"1.4343"_s}, {u"base_price"_s, u"1240.25"_s}};
    QCOMPARE(item.exactAmounts, itemExact);

    const QByteArray memoBody = R"J({"entity_id":9,"order_id":42,"order_currency_code":"KWD",
        "grand_total":"5.0005","adjustment_positive":1.2355,"adjustment_negative":0.001,
        "items":[{"order_item_id":3,"qty":1,"price":"3.7650"}]})J";
    auto cm = DocumentParser::parseCreditMemoBody(memoBody);
    QVERIFY2(cm, qPrintable(cm ? QString() : cm.error().toString()));
    QCOMPARE(cm->totals.grandTotal, money("5.000", "KWD"));
    QCOMPARE(cm->adjustmentPositive, money("1.236", "KWD"));
    QCOMPARE(cm->adjustmentNegative, money("0.001", "KWD"));
    QCOMPARE(cm->totals.exactAmounts, (QMap<QString, QString>{{u"grand_total"_s, u"5.0005"_s},
                                                               {u"adjustment_positive"_s, u"1.2355"_s}}));
    QCOMPARE(cm->items.first().price, money("3.765", "KWD"));
    QVERIFY(cm->items.first().exactAmounts.isEmpty());

    // The recordings carry whole cents: nothing is flagged.
    auto recorded = DocumentParser::parseInvoiceBody(pb::test::recording(u"magento/invoice_with_discount.response.json"_s));
    QVERIFY(recorded);
    QVERIFY(recorded->totals.exactAmounts.isEmpty());
    for (const DocumentItem &i : recorded->items)
        QVERIFY(i.exactAmounts.isEmpty());
}

void TestMagentoDocuments::transaction()
{
    auto t = DocumentParser::parseTransactionBody(
        R"J({"transaction_id":4,"order_id":42,"payment_id":40,"txn_id":"125391271","txn_type":"capture","is_closed":1,
            "created_at":"2026-07-20 14:32:10","additional_information":["x"]})J");
    QVERIFY(t);
    QCOMPARE(t->txnId, u"125391271"_s);
    QCOMPARE(t->txnType, u"capture"_s);
    QVERIFY(t->isClosed);
    QVERIFY(!t->parentId);
}

void TestMagentoDocuments::scalarAnswers_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind"); // 0 bool, 1 id, 2 string
    QTest::addColumn<bool>("ok");
    QTest::newRow("true") << QByteArray("true") << 0 << true;
    QTest::newRow("bool from object") << QByteArray("{}") << 0 << false;
    QTest::newRow("id") << QByteArray("17") << 1 << true;
    QTest::newRow("id as string") << QByteArray("\"17\"") << 1 << true;
    QTest::newRow("id zero") << QByteArray("0") << 1 << false;
    QTest::newRow("id fraction") << QByteArray("1.5") << 1 << false;
    QTest::newRow("status") << QByteArray("\"pending\"") << 2 << true;
    QTest::newRow("status number") << QByteArray("3") << 2 << false;
}

void TestMagentoDocuments::scalarAnswers()
{
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    QFETCH(bool, ok);
    bool parsed = false;
    if (kind == 0)
        parsed = DocumentParser::parseBool(body).ok();
    else if (kind == 1)
        parsed = DocumentParser::parseEntityId(body).ok();
    else
        parsed = DocumentParser::parseString(body).ok();
    QCOMPARE(parsed, ok);
    if (kind == 1 && ok)
        QCOMPARE(DocumentParser::parseEntityId(body).value(), 17);
}

void TestMagentoDocuments::creditMemoValidationError()
{
    auto e = Parser::parseErrorBody(pb::test::recording(u"magento/error_400_creditmemo_validation.response.json"_s));
    QVERIFY(e);
    QVERIFY(e->message.startsWith(u"Creditmemo Document Validation Error(s):\n"_s));
    QVERIFY(e->message.endsWith(u"The most money available to refund is 0."_s));
}

void TestMagentoDocuments::commentBodyMatchesRecordingShape()
{
    OrderCommentRequest req;
    req.comment = u"Contacted the customer to confirm the delivery window."_s;
    req.status = u"processing"_s;
    req.notifyCustomer = true;
    req.visibleOnFront = true;
    auto body = MagentoApi::commentBody(42, req);
    QVERIFY(body);
    // Same JSON as the recorded request.
    QCOMPARE(QJsonDocument::fromJson(*body), QJsonDocument::fromJson(pb::test::recording(u"magento/order_comment.request.json"_s)));
    // Quotes and non-ASCII are escaped.
    req.comment = u"a \"b\" \\ é\n"_s;
    auto escaped = MagentoApi::commentBody(42, req);
    QVERIFY(escaped);
    QCOMPARE(QJsonDocument::fromJson(*escaped).object().value("statusHistory"_L1).toObject().value("comment"_L1).toString(),
             req.comment);
}

void TestMagentoDocuments::commentBodyNeedsStatus()
{
    OrderCommentRequest req;
    req.comment = u"x"_s;
    auto body = MagentoApi::commentBody(42, req);
    QVERIFY(!body);
    QCOMPARE(body.error().field, u"status"_s);
}

void TestMagentoDocuments::invoiceBodyNeverCaptures_data()
{
    QTest::addColumn<QList<ItemQty>>("items");
    QTest::addColumn<bool>("notify");
    QTest::addColumn<QString>("comment");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("all items") << QList<ItemQty>{} << true << QString()
                               << QByteArray(R"J({"capture":false,"notify":true})J");
    QTest::newRow("items and marker") << QList<ItemQty>{{3, u"1"_s}, {4, u"2.5"_s}} << false
                                      << u"PayTrace TXN 777 (capture)"_s
                                      << QByteArray(R"J({"capture":false,"items":[{"order_item_id":3,"qty":1},)J"
                                                    R"J({"order_item_id":4,"qty":2.5}],"notify":false,"appendComment":true,)J"
                                                    R"J("comment":{"comment":"PayTrace TXN 777 (capture)","is_visible_on_front":0}})J");
}

void TestMagentoDocuments::invoiceBodyNeverCaptures()
{
    QFETCH(QList<ItemQty>, items);
    QFETCH(bool, notify);
    QFETCH(QString, comment);
    QFETCH(QByteArray, expected);
    InvoiceRequest req;
    req.items = items;
    req.notify = notify;
    req.comment = comment;
    auto body = MagentoApi::invoiceBody(req);
    QVERIFY(body);
    QCOMPARE(*body, expected);
    QCOMPARE(QJsonDocument::fromJson(*body).object().value("capture"_L1), QJsonValue(false));
}

void TestMagentoDocuments::refundBodyWritesAmountsExactly_data()
{
    QTest::addColumn<RefundRequest>("request");
    QTest::addColumn<int>("isOnline"); // -1 absent
    QTest::addColumn<QByteArray>("expected");

    RefundRequest recorded;
    recorded.items = {{3, u"1"_s}};
    recorded.notify = true;
    recorded.shippingAmount = usd("0");
    recorded.adjustmentPositive = usd("0");
    recorded.adjustmentNegative = usd("0");
    recorded.returnToStockItems = {3};
    QTest::newRow("recording") << recorded << -1
                               << QByteArray(R"J({"items":[{"order_item_id":3,"qty":1}],"notify":true,"arguments":)J"
                                             R"J({"shipping_amount":0.00,"adjustment_positive":0.00,"adjustment_negative":0.00,)J"
                                             R"J("extension_attributes":{"return_to_stock_items":[3]}}})J");
    // 0.1 + 0.2 style amounts and 17 significant digits stay exact.
    RefundRequest exact;
    exact.shippingAmount = usd("0.30");
    exact.adjustmentPositive = usd("12345678901234.57");
    exact.comment = u"PayTrace TXN 9 (refund)"_s;
    QTest::newRow("exact") << exact << 0
                           << QByteArray(R"J({"isOnline":false,"notify":false,"appendComment":true,)J"
                                         R"J("comment":{"comment":"PayTrace TXN 9 (refund)","is_visible_on_front":0},)J"
                                         R"J("arguments":{"shipping_amount":0.30,"adjustment_positive":12345678901234.57}})J");
    RefundRequest yen;
    yen.adjustmentNegative = money("1500", "JPY");
    QTest::newRow("jpy") << yen << -1
                         << QByteArray(R"J({"notify":false,"arguments":{"adjustment_negative":1500}})J");
    RefundRequest kwd;
    kwd.shippingAmount = money("1.005", "KWD");
    QTest::newRow("kwd") << kwd << 1
                         << QByteArray(R"J({"isOnline":true,"notify":false,"arguments":{"shipping_amount":1.005}})J");
}

void TestMagentoDocuments::refundBodyWritesAmountsExactly()
{
    QFETCH(RefundRequest, request);
    QFETCH(int, isOnline);
    QFETCH(QByteArray, expected);
    auto body = MagentoApi::refundBody(request, isOnline < 0 ? std::nullopt : std::optional<bool>(isOnline == 1));
    QVERIFY2(body, qPrintable(body ? QString() : body.error().toString()));
    QCOMPARE(*body, expected);
    QVERIFY(!QJsonDocument::fromJson(*body).isNull());
}

void TestMagentoDocuments::refundBodyRefusesBadInput_data()
{
    QTest::addColumn<RefundRequest>("request");
    QTest::addColumn<QString>("field");
    RefundRequest negative;
    negative.adjustmentPositive = usd("-1.00");
    QTest::newRow("negative amount") << negative << u"adjustment_positive"_s;
    RefundRequest mixed;
    mixed.shippingAmount = usd("1.00");
    mixed.adjustmentNegative = money("1.00", "EUR");
    QTest::newRow("mixed currencies") << mixed << u"adjustment_negative"_s;
    RefundRequest invalid;
    invalid.shippingAmount = Money();
    QTest::newRow("invalid money") << invalid << u"shipping_amount"_s;
    RefundRequest qty;
    qty.items = {{3, u"1e3"_s}};
    QTest::newRow("exponent qty") << qty << u"items[0].qty"_s;
    RefundRequest item;
    item.items = {{0, u"1"_s}};
    QTest::newRow("no item id") << item << u"items[0].order_item_id"_s;
}

void TestMagentoDocuments::refundBodyRefusesBadInput()
{
    QFETCH(RefundRequest, request);
    QFETCH(QString, field);
    auto body = MagentoApi::refundBody(request, std::nullopt);
    QVERIFY(!body);
    QCOMPARE(body.error().field, field);
}

void TestMagentoDocuments::markerFormat_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("expected");
    QTest::newRow("capture") << u"125391271"_s << int(TxnMarker::Kind::Capture) << u"PayTrace TXN 125391271 (capture)"_s;
    QTest::newRow("refund") << u"7"_s << int(TxnMarker::Kind::Refund) << u"PayTrace TXN 7 (refund)"_s;
    QTest::newRow("sale") << u"99"_s << int(TxnMarker::Kind::Sale) << u"PayTrace TXN 99 (sale)"_s;
    QTest::newRow("not digits") << u"12a"_s << int(TxnMarker::Kind::Void) << QString();
    QTest::newRow("empty") << QString() << int(TxnMarker::Kind::Void) << QString();
}

void TestMagentoDocuments::markerFormat()
{
    QFETCH(QString, id);
    QFETCH(int, kind);
    QFETCH(QString, expected);
    const QString text = TxnMarker::format(id, TxnMarker::Kind(kind));
    QCOMPARE(text, expected);
    if (!expected.isEmpty()) {
        const auto found = TxnMarker::findAll(u"Captured by PayBridge. "_s + text + u" Thank you."_s);
        QCOMPARE(found.size(), 1);
        QCOMPARE(found.first().transactionId, id);
        QCOMPARE(int(found.first().kind), kind);
    }
}

void TestMagentoDocuments::markerFound_data()
{
    QTest::addColumn<QString>("comment");
    QTest::addColumn<bool>("present");
    QTest::newRow("exact") << u"PayTrace TXN 1234 (capture)"_s << true;
    QTest::newRow("inside") << u"Invoice. PayTrace TXN 1234 (capture); batch 5"_s << true;
    QTest::newRow("other kind") << u"PayTrace TXN 1234 (refund)"_s << false;
    QTest::newRow("longer id") << u"PayTrace TXN 12345 (capture)"_s << false;
    QTest::newRow("prefix glued") << u"XPayTrace TXN 1234 (capture)"_s << false;
    QTest::newRow("lower case") << u"paytrace txn 1234 (capture)"_s << false;
    QTest::newRow("second marker") << u"PayTrace TXN 1 (sale) PayTrace TXN 1234 (capture)"_s << true;
    QTest::newRow("none") << u"Contacted the customer."_s << false;
}

void TestMagentoDocuments::markerFound()
{
    QFETCH(QString, comment);
    QFETCH(bool, present);
    Comment other;
    other.comment = u"unrelated"_s;
    Comment c;
    c.comment = comment;
    QCOMPARE(TxnMarker::present({other, c}, u"1234"_s, TxnMarker::Kind::Capture), present);
    // Also found in an order's status_histories.
    const QJsonObject order{{"status_histories"_L1, QJsonArray{QJsonObject{{"comment"_L1, comment}, {"status"_L1, "processing"_L1}}}}};
    auto hist = DocumentParser::parseStatusHistories(order);
    QVERIFY(hist);
    QCOMPARE(TxnMarker::present(*hist, u"1234"_s, TxnMarker::Kind::Capture), present);
}


void TestMagentoDocuments::orderAddresses_data()
{
    QTest::addColumn<QByteArray>("order");
    QTest::addColumn<QString>("billingCity");  // empty: no billing address
    QTest::addColumn<QString>("shippingCity"); // empty: no shipping address
    QTest::addColumn<QString>("errorField");   // non-empty: parsing fails naming this field
    const QByteArray billing = R"("billing_address":{"address_type":"billing","city":"Calder","country_id":"US","firstname":"Veronica","lastname":"Costello","postcode":"49628-7978","region":"Michigan","region_code":"MI","street":["6146 Honey Bluff Parkway","Apt 2"],"telephone":"(555) 229-3326"})";
    QTest::newRow("physical") << QByteArray("{" + billing + R"(,"extension_attributes":{"shipping_assignments":[{"shipping":{"address":{"address_type":"shipping","city":"Tottenham","country_id":"GB","firstname":"Veronica","lastname":"Costello","postcode":"CF24 3DG","street":["1 Studio 103"]},"method":"flatrate_flatrate"}}]}})")
                              << u"Calder"_s << u"Tottenham"_s << QString();
    QTest::newRow("virtual") << QByteArray("{" + billing + "}") << u"Calder"_s << QString() << QString();
    QTest::newRow("no addresses") << QByteArray("{}") << QString() << QString() << QString();
    QTest::newRow("street not strings") << QByteArray(R"({"billing_address":{"street":["1 Main",7]}})")
                                        << QString() << QString() << u"billing_address.street[1]"_s;
    QTest::newRow("assignment not an object") << QByteArray(R"({"extension_attributes":{"shipping_assignments":[5]}})")
                                              << QString() << QString() << u"shipping_assignments[0]"_s;
    QTest::newRow("address not an object") << QByteArray(R"({"extension_attributes":{"shipping_assignments":[{"shipping":{"address":"nowhere"}}]}})")
                                           << QString() << QString() << u"shipping.address"_s;
}

void TestMagentoDocuments::orderAddresses()
{
    QFETCH(QByteArray, order);
    QFETCH(QString, billingCity);
    QFETCH(QString, shippingCity);
    QFETCH(QString, errorField);
    const QJsonObject o = QJsonDocument::fromJson(order).object();
    QVERIFY(!o.isEmpty() || order == "{}");
    const auto parsed = DocumentParser::parseOrderAddresses(o);
    if (!errorField.isEmpty()) {
        QVERIFY(!parsed);
        QVERIFY2(parsed.error().toString().contains(errorField), qPrintable(parsed.error().toString()));
        return;
    }
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().toString()));
    QCOMPARE(parsed->billing.has_value(), !billingCity.isEmpty());
    QCOMPARE(parsed->shipping.has_value(), !shippingCity.isEmpty());
    if (parsed->billing) {
        QCOMPARE(parsed->billing->city, billingCity);
        QCOMPARE(parsed->billing->street, (QStringList{u"6146 Honey Bluff Parkway"_s, u"Apt 2"_s}));
        QCOMPARE(parsed->billing->regionCode, u"MI"_s);
        QCOMPARE(parsed->billing->region, u"Michigan"_s);
    }
    if (parsed->shipping) {
        QCOMPARE(parsed->shipping->city, shippingCity);
        QCOMPARE(parsed->shipping->countryId, u"GB"_s);
    }
}

QTEST_GUILESS_MAIN(TestMagentoDocuments)
#include "tst_magento_documents.moc"
