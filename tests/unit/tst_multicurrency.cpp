// A store with base currency USD showing EUR: the card is charged the base grand total in USD.
// Linking, the payment summary, refunds and reconciliation work on the charged amount; Magento's
// documents get the order currency. Real SQLite throughout.
#include "mapping/mappingprofile.h"
#include "reconcile/matcher.h"
#include "store/database.h"
#include "store/linkrepository.h"
#include "store/orderrepository.h"
#include "store/transactionrepository.h"
#include "sync/linker.h"
#include "sync/operationplanner.h"
#include "sync/orderpayment.h"

#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb;
using Txn = GatewayTransaction;

namespace {

const QString kConnection = u"tst_multicurrency"_s;

Currency cur(const char *code)
{
    return *Currency::fromCode(QString::fromLatin1(code));
}

Money usd(qint64 minor)
{
    return Money::fromMinor(minor, cur("USD"));
}

Money eur(qint64 minor)
{
    return Money::fromMinor(minor, cur("EUR"));
}

QDateTime utc(const char *iso)
{
    QDateTime t = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate);
    t.setTimeSpec(Qt::UTC);
    return t;
}

// EUR 92.10 shown to the customer, USD 100.00 charged (base_to_order_rate 0.921).
OrderRecord eurOrder(qint64 entityId, const QString &incrementId)
{
    OrderRecord o;
    o.entityId = entityId;
    o.incrementId = incrementId;
    o.state = u"processing"_s;
    o.status = u"processing"_s;
    o.currency = cur("EUR");
    o.grandTotal = eur(9210);
    o.totalPaid = eur(9210);
    o.totalInvoiced = eur(9210);
    o.totalRefunded = eur(0);
    o.totalDue = eur(0);
    o.baseCurrency = cur("USD");
    o.baseGrandTotal = usd(10000);
    o.paymentMethod = u"paytrace"_s;
    o.cardLast4 = u"4242"_s;
    o.createdAt = utc("2026-11-02T18:00:00");
    o.updatedAt = o.createdAt;
    return o;
}

Txn usdSale(const QString &id, const QString &invoiceId)
{
    Txn t;
    t.transactionId = id;
    t.type = Txn::Type::Sale;
    t.typeText = u"SALE"_s;
    t.status = Txn::Status::Settled;
    t.statusCode = u"GB571"_s;
    t.amount = usd(10000);
    t.batch = u"571"_s;
    t.invoiceId = invoiceId;
    t.cardType = u"Visa"_s;
    t.cardLast4 = u"4242"_s;
    t.createdAt = utc("2026-11-02T18:01:00");
    t.createdAtText = u"11/2/2026 10:01:00 AM"_s;
    t.settledAt = utc("2026-11-03T04:05:00");
    t.settledAtText = u"11/2/2026 8:05:00 PM"_s;
    return t;
}

} // namespace

class TestMultiCurrency : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void conversionUsesTheOrdersOwnRate();
    void paidInBaseCurrencyShowsSettled();
    void fallbackMatchesTheBaseAmount();
    void refundSendsTheBaseAmountAndCreditsTheOrderAmount();
    void reconciliationMatchesTheUsdLineToTheEurOrder();

private:
    void put(const QList<OrderRecord> &orders, const QList<Txn> &txns)
    {
        QVERIFY(store::OrderRepository(m_db).upsert(orders, utc("2026-11-03T00:00:00")));
        QVERIFY(store::TransactionRepository(m_db).upsert(txns, utc("2026-11-03T00:00:00")));
    }
    int link()
    {
        auto linked = sync::Linker(m_db).link(mapping::MappingProfile::defaults(), utc("2026-11-03T12:00:00"));
        if (!linked)
            qWarning() << linked.error().toString();
        return linked ? linked.value() : -1;
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

void TestMultiCurrency::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto opened = store::Database::openWriter(m_dir->filePath(u"store.sqlite"_s), kConnection);
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
    m_db = opened.value();
}

void TestMultiCurrency::cleanup()
{
    m_db = QSqlDatabase();
    store::Database::close(kConnection);
    m_dir.reset();
}

void TestMultiCurrency::conversionUsesTheOrdersOwnRate()
{
    const OrderRecord o = eurOrder(1, u"100000001"_s);
    QCOMPARE(sync::chargedCurrency(o), cur("USD"));
    QCOMPARE(sync::chargedTotal(o), usd(10000));
    QCOMPARE(sync::inOrderCurrency(o, usd(10000)), eur(9210)); // the whole order is exact
    QCOMPARE(sync::inOrderCurrency(o, usd(4000)), eur(3684));
    QCOMPARE(sync::inOrderCurrency(o, usd(1)), eur(1));         // 0.921 rounds half up
    QCOMPARE(sync::inChargedCurrency(o, eur(9210)), usd(10000));
    QCOMPARE(sync::inChargedCurrency(o, eur(3684)), usd(4000));
    QCOMPARE(sync::inOrderCurrency(o, eur(500)), eur(500));      // already in the order currency
    QVERIFY(!sync::inOrderCurrency(o, Money::fromMinor(500, cur("GBP"))).isValid());

    OrderRecord plain = o;
    plain.baseCurrency = Currency();
    plain.baseGrandTotal = Money();
    QCOMPARE(sync::chargedCurrency(plain), cur("EUR"));
}

void TestMultiCurrency::paidInBaseCurrencyShowsSettled()
{
    put({eurOrder(1, u"100000001"_s)}, {usdSale(u"T1"_s, u"100000001"_s)});
    QCOMPARE(link(), 1);
    const auto summary = store::OrderRepository(m_db).paymentSummary(1);
    QVERIFY(summary && summary->has_value());
    QCOMPARE((*summary)->status, u"settled"_s);
    QCOMPARE((*summary)->captured, usd(10000));
    QCOMPARE((*summary)->authorized, usd(10000));

    // Facts for the money rules are in the charged currency too.
    const auto payment = sync::loadOrderPayment(m_db, u"100000001"_s);
    QVERIFY2(payment, qPrintable(payment ? QString() : payment.error().toString()));
    QVERIFY(payment->target.has_value());
    QCOMPARE(payment->facts.currency, cur("USD"));
    QCOMPARE(payment->facts.captured, usd(10000));
}

void TestMultiCurrency::fallbackMatchesTheBaseAmount()
{
    // A phone order's invoice typed wrong: the USD charge matches the base grand total only.
    // Another order whose display amount is the charged number, EUR 100.00 (USD 108.58): no match.
    OrderRecord other = eurOrder(2, u"100000002"_s);
    other.grandTotal = eur(10000);
    other.baseGrandTotal = usd(10858);
    put({eurOrder(1, u"100000001"_s), other}, {usdSale(u"T1"_s, u"10000001"_s)});
    QCOMPARE(link(), 1);
    QCOMPARE(*store::LinkRepository(m_db).orderForTransaction(u"T1"_s), std::optional<qint64>(1));
    QCOMPARE(store::OrderRepository(m_db).paymentSummary(1)->value().status, u"settled"_s);
}

void TestMultiCurrency::refundSendsTheBaseAmountAndCreditsTheOrderAmount()
{
    put({eurOrder(1, u"100000001"_s)}, {usdSale(u"T1"_s, u"100000001"_s)});
    QCOMPARE(link(), 1);
    const auto payment = sync::loadOrderPayment(m_db, u"100000001"_s);
    QVERIFY(payment);

    sync::OperationRequest r;
    r.kind = sync::OperationKind::Refund;
    r.orderIncrementId = u"100000001"_s;
    r.amount = usd(4000);
    r.reason = u"one item returned"_s;
    r.actor = u"finance"_s;
    const QDateTime now = utc("2026-11-04T18:00:00");
    const auto chain = sync::OperationPlanner::plan(*payment, r, mapping::MappingProfile::defaults(), now);
    QVERIFY2(chain.preview.allowed, qPrintable(chain.preview.refusal));
    QCOMPARE(chain.preview.currency, cur("USD"));
    QCOMPARE(chain.requests.size(), 3);
    const auto &pay = chain.requests.at(0);
    QCOMPARE(pay.kind, intents::IntentKind::PayTraceRefund);
    QCOMPARE(pay.payload.value(u"amount"_s).toString(), u"40.00"_s);
    QCOMPARE(pay.payload.value(u"currency"_s).toString(), u"USD"_s);
    const auto &mag = chain.requests.at(1);
    QCOMPARE(mag.kind, intents::IntentKind::MagentoCreditMemo);
    QCOMPARE(mag.payload.value(u"amount"_s).toString(), u"36.84"_s);
    QCOMPARE(mag.payload.value(u"currency"_s).toString(), u"EUR"_s);
    const auto &erp = chain.requests.at(2);
    QCOMPARE(erp.kind, intents::IntentKind::ErpEntry);
    QCOMPARE(erp.payload.value(u"currency"_s).toString(), u"USD"_s);

    // The whole refund: USD 100.00 back on the card, the whole EUR 92.10 credited.
    r.amount.reset();
    const auto whole = sync::OperationPlanner::plan(*payment, r, mapping::MappingProfile::defaults(), now);
    QVERIFY2(whole.preview.allowed, qPrintable(whole.preview.refusal));
    QCOMPARE(whole.requests.at(0).payload.value(u"amount"_s).toString(), u"100.00"_s);
    QCOMPARE(whole.requests.at(1).payload.value(u"amount"_s).toString(), u"92.10"_s);

    // Magento's base total finer than a cent: what moves at PayTrace is noted as rounded.
    sync::OrderPayment finer = *payment;
    finer.order.exactAmounts = {{u"base_grand_total"_s, u"100.0049"_s}};
    const auto noted = sync::OperationPlanner::plan(finer, r, mapping::MappingProfile::defaults(), now);
    QVERIFY2(noted.preview.allowed, qPrintable(noted.preview.refusal));
    const QJsonObject rounding = noted.requests.at(0).payload.value(sync::OperationPlanner::kRounding).toObject();
    QCOMPARE(rounding.value(u"base_grand_total"_s).toObject().value(u"rounded"_s).toString(), u"100.00"_s);

    // An amount in the display currency is not what PayTrace can refund.
    r.amount = eur(4000);
    const auto wrong = sync::OperationPlanner::plan(*payment, r, mapping::MappingProfile::defaults(), now);
    QVERIFY(!wrong.preview.allowed);
    QCOMPARE(wrong.refusalCode, u"invariant.currency"_s);

    // A credit memo alone is Magento's own document: order currency.
    r.kind = sync::OperationKind::CreditMemo;
    r.amount = eur(1000);
    const auto memo = sync::OperationPlanner::plan(*payment, r, mapping::MappingProfile::defaults(), now);
    QVERIFY2(memo.preview.allowed, qPrintable(memo.preview.refusal));
    QCOMPARE(memo.requests.at(0).payload.value(u"currency"_s).toString(), u"EUR"_s);
}

void TestMultiCurrency::reconciliationMatchesTheUsdLineToTheEurOrder()
{
    put({eurOrder(1, u"100000001"_s)}, {usdSale(u"T1"_s, u"100000001"_s)});
    QCOMPARE(link(), 1);
    QSqlQuery q(m_db);
    QVERIFY(q.exec(u"INSERT INTO settlement_files (id, sha256, name, source, imported_at) VALUES (1, 'x', 'f.csv', 'test', 0)"_s));
    QVERIFY(q.exec(u"INSERT INTO settlement_lines (file_id, line_no, kind, transaction_id, amount, currency, settled_on, batch, natural_key)"
                   " VALUES (1, 1, 'sale', 'T1', 10000, 'USD', '2026-11-02', '571', 'k1')"_s));
    q.finish();

    reconcile::MatchOptions mo;
    mo.now = utc("2026-11-04T18:00:00");
    const auto run = reconcile::Matcher::run(m_dir->filePath(u"store.sqlite"_s),
                                             reconcile::ReconcileScope::day(QDate(2026, 11, 2)), {}, mo);
    QVERIFY2(run, qPrintable(run ? QString() : run.error().toString()));
    QCOMPARE(run->linesRead, qint64(1));
    QVERIFY(!run->items.empty());
    for (const reconcile::ResultItem &i : run->items) {
        QVERIFY2(i.cls == reconcile::DiscrepancyClass::None, qPrintable(run->explain(i)));
        QCOMPARE(i.bucket, reconcile::Bucket::Matched);
    }
    QCOMPARE(run->discrepancies, qint64(0));
    QCOMPARE(run->totals.value(u"USD"_s).settled, qint64(10000));

    // A credit memo in Magento without a refund at PayTrace is still found, in USD.
    QVERIFY(q.exec(u"UPDATE orders SET total_refunded = 3684 WHERE entity_id = 1"_s));
    q.finish();
    const auto again = reconcile::Matcher::run(m_dir->filePath(u"store.sqlite"_s),
                                               reconcile::ReconcileScope::day(QDate(2026, 11, 2)), {}, mo);
    QVERIFY(again);
    QCOMPARE(again->discrepancies, qint64(1));
    const reconcile::ResultItem &item = again->items.front();
    QCOMPARE(item.rule, reconcile::Rule::OrderMemoNoRefund);
    QCOMPARE(item.expected, qint64(4000));
    QCOMPARE(reconcile::MatchResult::currencyCode(item.currency), u"USD"_s);
}

QTEST_GUILESS_MAIN(TestMultiCurrency)
#include "tst_multicurrency.moc"
