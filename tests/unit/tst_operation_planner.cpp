// The operation planner's refusals that depend on the Magento order: what Magento will certainly
// refuse is refused before anything is planned, with the reason.
#include "sync/operationplanner.h"

#include <QJsonObject>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::sync;

namespace {

const QDateTime kNow(QDate(2026, 11, 20), QTime(18, 0), QTimeZone::utc());

Money usd(qint64 minor)
{
    return Money::fromMinor(minor, Currency::usd());
}

// A settled sale of 50.00, paid and invoiced in Magento, nothing credited yet.
OrderPayment settledSale(const QString &state)
{
    OrderPayment p;
    p.order.entityId = 42;
    p.order.incrementId = u"000000042"_s;
    p.order.state = state;
    p.order.status = state;
    p.order.currency = Currency::usd();
    p.order.grandTotal = usd(5000);
    p.order.totalPaid = usd(5000);
    p.order.totalInvoiced = usd(5000);
    p.order.totalRefunded = usd(0);
    GatewayTransaction t;
    t.transactionId = u"900042"_s;
    t.type = GatewayTransaction::Type::Sale;
    t.status = GatewayTransaction::Status::Settled;
    t.amount = usd(5000);
    t.batch = u"571"_s;
    t.invoiceId = p.order.incrementId;
    p.transactions = {t};
    p.target = t;
    p.facts.currency = Currency::usd();
    p.facts.authorized = usd(5000);
    p.facts.captured = usd(5000);
    p.facts.refunded = usd(0);
    p.facts.voided = usd(0);
    p.facts.settled = true;
    p.gatewayFacts = p.facts;
    return p;
}

OperationRequest request(OperationKind kind, qint64 minor)
{
    OperationRequest r;
    r.kind = kind;
    r.orderIncrementId = u"000000042"_s;
    r.amount = usd(minor);
    r.reason = u"customer returned the parcel"_s;
    r.actor = u"finance"_s;
    return r;
}

} // namespace

class TestOperationPlanner : public QObject
{
    Q_OBJECT
private slots:
    void creditMemoRefusedWhereMagentoRefusesIt_data();
    void creditMemoRefusedWhereMagentoRefusesIt();
    void refundOfClosedOrderNotesItInstead();
    void refundOfHeldOrderIsRefused();
    void erpEntriesAreBookedOnTheBusinessDay();
    void roundedMagentoAmountsRecordTheDifference();
    void voidOfVoidedOrderSaysWhenAndByWhom();
    void refundBeyondWhatIsLeftSaysWhatWasRefunded();
    void chargeOfUnpaidOrderPlansSaleInvoiceAndErp();
    void chargeAuthorizationNotesTheOrder();
    void chargeRefusals_data();
    void chargeRefusals();
};

void TestOperationPlanner::creditMemoRefusedWhereMagentoRefusesIt_data()
{
    QTest::addColumn<QString>("state");
    QTest::addColumn<bool>("allowed");
    QTest::newRow("processing") << u"processing"_s << true;
    QTest::newRow("complete") << u"complete"_s << true;
    QTest::newRow("closed") << u"closed"_s << false;
    QTest::newRow("canceled") << u"canceled"_s << false;
    QTest::newRow("holded") << u"holded"_s << false;
    QTest::newRow("payment_review") << u"payment_review"_s << false;
}

void TestOperationPlanner::creditMemoRefusedWhereMagentoRefusesIt()
{
    QFETCH(QString, state);
    QFETCH(bool, allowed);
    const PlannedChain chain = OperationPlanner::plan(settledSale(state), request(OperationKind::CreditMemo, 1000),
                                                      mapping::MappingProfile::defaults(), kNow);
    QCOMPARE(chain.preview.allowed, allowed);
    if (allowed) {
        QCOMPARE(chain.requests.size(), 1);
        QCOMPARE(chain.requests.first().kind, intents::IntentKind::MagentoCreditMemo);
        return;
    }
    QVERIFY(chain.requests.isEmpty());
    QCOMPARE(chain.refusalCode, u"invariant.magento_state"_s);
    // The person reads why, and what to do where there is something to do.
    QVERIFY2(chain.preview.refusal.contains(u"000000042"_s), qPrintable(chain.preview.refusal));
    if (state == u"holded")
        QVERIFY2(chain.preview.refusal.contains(u"hold"_s), qPrintable(chain.preview.refusal));
}

void TestOperationPlanner::refundOfClosedOrderNotesItInstead()
{
    // Magento credited everything already (an offline credit memo), PayTrace still holds the
    // money: the refund goes to PayTrace and Magento gets a comment, not a credit memo it refuses.
    const PlannedChain chain = OperationPlanner::plan(settledSale(u"closed"_s), request(OperationKind::Refund, 1000),
                                                      mapping::MappingProfile::defaults(), kNow);
    QVERIFY2(chain.preview.allowed, qPrintable(chain.preview.refusal));
    QCOMPARE(chain.requests.size(), 3);
    QCOMPARE(chain.requests.at(0).kind, intents::IntentKind::PayTraceRefund);
    QCOMPARE(chain.requests.at(1).kind, intents::IntentKind::MagentoComment);
    QCOMPARE(chain.requests.at(2).kind, intents::IntentKind::ErpEntry);
}

void TestOperationPlanner::refundOfHeldOrderIsRefused()
{
    // The gateway would refund and the credit memo would then die: refuse before either.
    const PlannedChain chain = OperationPlanner::plan(settledSale(u"holded"_s), request(OperationKind::Refund, 1000),
                                                      mapping::MappingProfile::defaults(), kNow);
    QVERIFY(!chain.preview.allowed);
    QVERIFY(chain.requests.isEmpty());
    QCOMPARE(chain.refusalCode, u"invariant.magento_state"_s);
}

void TestOperationPlanner::erpEntriesAreBookedOnTheBusinessDay()
{
    // 17:00 Pacific on 31 December is 01:00 UTC on 1 January: booked in December.
    const QDateTime evening(QDate(2027, 1, 1), QTime(1, 0), QTimeZone::utc());
    QCOMPARE(OperationPlanner::businessDay(evening), QDate(2026, 12, 31));
    const PlannedChain chain = OperationPlanner::plan(settledSale(u"complete"_s), request(OperationKind::Refund, 1000),
                                                      mapping::MappingProfile::defaults(), evening);
    QVERIFY2(chain.preview.allowed, qPrintable(chain.preview.refusal));
    QCOMPARE(chain.requests.last().kind, intents::IntentKind::ErpEntry);
    QCOMPARE(chain.requests.last().payload.value(u"date"_s).toString(), u"2026-12-31"_s);
}

void TestOperationPlanner::roundedMagentoAmountsRecordTheDifference()
{
    // Magento took 50.0045 (decimal(20,4), docs/magento.md §7); PayBridge keeps 50.00. A full
    // credit memo moves the rounded amount, and every intent records the difference.
    OrderPayment p = settledSale(u"complete"_s);
    p.order.exactAmounts = {{u"grand_total"_s, u"50.0045"_s}, {u"total_paid"_s, u"50.0045"_s},
                            {u"base_grand_total"_s, u"45.0001"_s}};
    OperationRequest r = request(OperationKind::CreditMemo, 0);
    r.amount.reset();
    const PlannedChain memo = OperationPlanner::plan(p, r, mapping::MappingProfile::defaults(), kNow);
    QVERIFY2(memo.preview.allowed, qPrintable(memo.preview.refusal));
    QCOMPARE(memo.requests.size(), 1);
    const QJsonObject payload = memo.requests.first().payload;
    QCOMPARE(payload.value(OperationPlanner::kAmount).toString(), u"50.00"_s);
    const QJsonObject note = payload.value(OperationPlanner::kRounding).toObject();
    QCOMPARE(note.keys(), (QStringList{u"grand_total"_s, u"total_paid"_s})); // base amounts do not move
    const QJsonObject paid = note.value(u"total_paid"_s).toObject();
    QCOMPARE(paid.value(u"exact"_s).toString(), u"50.0045"_s);
    QCOMPARE(paid.value(u"rounded"_s).toString(), u"50.00"_s);
    QCOMPARE(paid.value(u"difference"_s).toString(), u"0.0045"_s);
    QVERIFY(memo.preview.steps.last().contains(u"0.0045"_s));

    // A full refund: PayTrace, Magento and the ERP intents all carry it.
    const PlannedChain refund = OperationPlanner::plan(p, request(OperationKind::Refund, 5000),
                                                       mapping::MappingProfile::defaults(), kNow);
    QVERIFY2(refund.preview.allowed, qPrintable(refund.preview.refusal));
    for (const auto &req : refund.requests) {
        QCOMPARE(req.payload.value(OperationPlanner::kAmount).toString(), u"50.00"_s);
        QCOMPARE(req.payload.value(OperationPlanner::kRounding).toObject(), note);
    }
    // An order Magento holds in whole cents carries no note.
    const PlannedChain plain = OperationPlanner::plan(settledSale(u"complete"_s), request(OperationKind::Refund, 5000),
                                                      mapping::MappingProfile::defaults(), kNow);
    QVERIFY(!plain.requests.first().payload.contains(OperationPlanner::kRounding));
}

namespace {

// A PayTrace step PayBridge already took on order 42, done at `at` by `by`.
intents::Intent pastIntent(intents::IntentKind kind, qint64 minor, const QDateTime &at, const QString &by)
{
    intents::Intent i;
    i.id = 7;
    i.kind = kind;
    i.naturalKey = u"x:000000042:1"_s;
    i.orderEntityId = 42;
    i.state = intents::IntentState::Succeeded;
    i.requestedBy = by;
    i.createdAt = at.addSecs(-5);
    i.updatedAt = at;
    i.resultRef = u"900099"_s;
    i.payload = QJsonObject{{OperationPlanner::kAmount, Money::fromMinor(minor, Currency::usd()).toDecimalString()},
                            {OperationPlanner::kCurrency, u"USD"_s},
                            {OperationPlanner::kReason, u"duplicate order"_s}};
    return i;
}

} // namespace

void TestOperationPlanner::voidOfVoidedOrderSaysWhenAndByWhom()
{
    // An authorization PayBridge voided at 10:49 today: voiding again says so, not "a void
    // amount must be greater than zero (got USD 0.00)".
    OrderPayment p = settledSale(u"canceled"_s);
    p.target->type = GatewayTransaction::Type::Authorization;
    p.target->status = GatewayTransaction::Status::AuthorizedOnly;
    p.transactions = {*p.target};
    p.facts.captured = usd(0);
    p.facts.settled = false;
    p.facts.authorizationVoided = true;
    const QDateTime at = QDateTime(kNow.toLocalTime().date(), QTime(10, 49)); // local time
    p.intents = {pastIntent(intents::IntentKind::PayTraceVoid, 5000, at, u"root"_s)};
    OperationRequest r = request(OperationKind::Void, 0);
    r.amount.reset();
    const PlannedChain chain = OperationPlanner::plan(p, r, mapping::MappingProfile::defaults(), kNow);
    QVERIFY(!chain.preview.allowed);
    QCOMPARE(chain.refusalCode, u"invariant.amount"_s); // the rule's code stays for the log
    QCOMPARE(chain.preview.refusal, u"This order was already voided at 10:49 by root."_s);
    QVERIFY(!chain.preview.refusal.contains(u"greater than zero"_s));
    QCOMPARE(chain.preview.earlier, QStringList{u"Voided USD 50.00 at 10:49 by root (duplicate order)"_s});

    // Voided in PayTrace's own terminal: no operator to name, still the fact.
    p.intents.clear();
    p.target->status = GatewayTransaction::Status::Voided;
    p.transactions = {*p.target};
    const PlannedChain gateway = OperationPlanner::plan(p, r, mapping::MappingProfile::defaults(), kNow);
    QVERIFY(!gateway.preview.allowed);
    QVERIFY2(gateway.preview.refusal.startsWith(u"This order was already voided"_s), qPrintable(gateway.preview.refusal));
    QVERIFY2(gateway.preview.refusal.contains(u"in PayTrace"_s), qPrintable(gateway.preview.refusal));
}

void TestOperationPlanner::refundBeyondWhatIsLeftSaysWhatWasRefunded()
{
    OrderPayment p = settledSale(u"processing"_s);
    const QDateTime at(QDate(2026, 11, 18), QTime(9, 5)); // local time, two days before kNow
    p.intents = {pastIntent(intents::IntentKind::PayTraceRefund, 3000, at, u"anna"_s)};
    p.facts.refunded = usd(3000);

    const PlannedChain tooMuch = OperationPlanner::plan(p, request(OperationKind::Refund, 2500),
                                                        mapping::MappingProfile::defaults(), kNow);
    QVERIFY(!tooMuch.preview.allowed);
    QCOMPARE(tooMuch.refusalCode, u"invariant.refund_exceeds"_s);
    QCOMPARE(tooMuch.preview.refusal, u"Only USD 20.00 is left to refund on this order: USD 30.00 was already "
                                      "refunded, the last on 2026-11-18 at 09:05 by anna."_s);

    p.facts.refunded = usd(5000);
    const PlannedChain none = OperationPlanner::plan(p, request(OperationKind::Refund, 100),
                                                     mapping::MappingProfile::defaults(), kNow);
    QVERIFY(!none.preview.allowed);
    QVERIFY2(none.preview.refusal.startsWith(u"This order was already refunded in full (USD 50.00)"_s),
             qPrintable(none.preview.refusal));

    // What is still allowed lists what came before, for the dialog.
    p.facts.refunded = usd(3000);
    const PlannedChain rest = OperationPlanner::plan(p, request(OperationKind::Refund, 2000),
                                                     mapping::MappingProfile::defaults(), kNow);
    QVERIFY2(rest.preview.allowed, qPrintable(rest.preview.refusal));
    QCOMPARE(rest.preview.earlier,
             QStringList{u"Refunded USD 30.00 on 2026-11-18 at 09:05 by anna (duplicate order)"_s});
}

namespace {

// A phone order of 52.00, nothing paid, nothing at PayTrace.
OrderPayment unpaidOrder()
{
    OrderPayment p;
    p.order.entityId = 17;
    p.order.incrementId = u"000000017"_s;
    p.order.state = u"new"_s;
    p.order.status = u"pending"_s;
    p.order.currency = Currency::usd();
    p.order.grandTotal = usd(5200);
    p.order.totalPaid = usd(0);
    p.order.totalInvoiced = usd(0);
    p.facts.currency = Currency::usd();
    p.facts.authorized = usd(0);
    p.facts.captured = usd(0);
    p.facts.refunded = usd(0);
    p.facts.voided = usd(0);
    p.facts.saleable = usd(5200);
    p.gatewayFacts = p.facts;
    return p;
}

VaultProfileRecord visa(int expYear = 2027)
{
    VaultProfileRecord v;
    v.customerId = u"mage-17"_s;
    v.cardType = u"Visa"_s;
    v.cardLast4 = u"4242"_s;
    v.expMonth = 4;
    v.expYear = expYear;
    return v;
}

OperationRequest charge(std::optional<qint64> minor = std::nullopt)
{
    OperationRequest r;
    r.kind = OperationKind::Charge;
    r.orderIncrementId = u"000000017"_s;
    if (minor)
        r.amount = usd(*minor);
    r.vaultCustomerId = u"mage-17"_s;
    r.reason = u"phone order"_s;
    r.actor = u"sam"_s;
    return r;
}

PlanOptions withVault(std::optional<VaultProfileRecord> v)
{
    PlanOptions o;
    o.vault = std::move(v);
    return o;
}

} // namespace

void TestOperationPlanner::chargeOfUnpaidOrderPlansSaleInvoiceAndErp()
{
    const PlannedChain chain = OperationPlanner::plan(unpaidOrder(), charge(), mapping::MappingProfile::defaults(), kNow,
                                                      withVault(visa()));
    QVERIFY2(chain.preview.allowed, qPrintable(chain.preview.refusal));
    QCOMPARE(chain.preview.amount, usd(5200));
    QCOMPARE(chain.requests.size(), 4);
    const auto &sale = chain.requests.at(0);
    QCOMPARE(sale.kind, intents::IntentKind::PayTraceSale);
    QCOMPARE(sale.naturalKey, u"charge:000000017:1"_s);
    QCOMPARE(sale.payload.value(OperationPlanner::kCustomerId).toString(), u"mage-17"_s);
    QCOMPARE(sale.payload.value(OperationPlanner::kAmount).toString(), u"52.00"_s);
    QCOMPARE(sale.payload.value(OperationPlanner::kInvoiceId).toString(), u"000000017"_s);
    QCOMPARE(sale.payload.value(OperationPlanner::kAuthorize).toBool(), false);
    // The janitor finds the sale in PayTrace's export by this token.
    QCOMPARE(sale.payload.value(OperationPlanner::kDescription).toString(), u"PayBridge ref charge:000000017:1"_s);
    QCOMPARE(chain.requests.at(1).kind, intents::IntentKind::MagentoInvoice);
    QCOMPARE(chain.requests.at(2).payload.value(OperationPlanner::kEntry).toString(), u"sale"_s);
    QCOMPARE(chain.requests.at(3).payload.value(OperationPlanner::kEntry).toString(), u"payment"_s);
    for (qsizetype n = 1; n < chain.requests.size(); ++n)
        QCOMPARE(chain.requests.at(n).payload.value(OperationPlanner::kAfter).toString(), u"charge:000000017:1"_s);
    QCOMPARE(chain.preview.steps.first(), u"PayTrace: sale of USD 52.00 on card on file mage-17 (Visa …4242, 04/2027)"_s);
    for (const auto &r : chain.requests)
        QVERIFY(intents::validatePayload(r.payload).ok());
}

void TestOperationPlanner::chargeAuthorizationNotesTheOrder()
{
    OperationRequest r = charge(2000);
    r.authorizeOnly = true;
    const PlannedChain chain = OperationPlanner::plan(unpaidOrder(), r, mapping::MappingProfile::defaults(), kNow,
                                                      withVault(visa()));
    QVERIFY2(chain.preview.allowed, qPrintable(chain.preview.refusal));
    QCOMPARE(chain.requests.size(), 3); // authorization, comment, ERP sale (no payment yet)
    QVERIFY(chain.requests.at(0).payload.value(OperationPlanner::kAuthorize).toBool());
    QCOMPARE(chain.requests.at(1).kind, intents::IntentKind::MagentoComment);
    QCOMPARE(chain.requests.at(2).payload.value(OperationPlanner::kEntry).toString(), u"sale"_s);
    QVERIFY(chain.preview.steps.first().startsWith(u"PayTrace: authorization of USD 20.00"_s));
}

void TestOperationPlanner::chargeRefusals_data()
{
    QTest::addColumn<QString>("code");
    QTest::newRow("expired card") << u"invariant.card_expired"_s;
    QTest::newRow("unknown vault customer") << u"operation.vault_unknown"_s;
    QTest::newRow("no vault customer") << u"operation.vault_customer"_s;
    QTest::newRow("canceled order") << u"invariant.sale_closed"_s;
    QTest::newRow("more than owed") << u"invariant.sale_exceeds"_s;
    QTest::newRow("already paid at PayTrace") << u"invariant.sale_authorized"_s;
    QTest::newRow("a charge on its way") << u"invariant.sale_pending"_s;
}

void TestOperationPlanner::chargeRefusals()
{
    QFETCH(QString, code);
    OrderPayment p = unpaidOrder();
    OperationRequest r = charge();
    std::optional<VaultProfileRecord> vault = visa();
    if (code == u"invariant.card_expired")
        vault = visa(2025); // kNow is November 2026
    else if (code == u"operation.vault_unknown")
        vault.reset();
    else if (code == u"operation.vault_customer")
        r.vaultCustomerId.clear();
    else if (code == u"invariant.sale_closed")
        p.facts.orderClosed = true, p.order.state = u"canceled"_s;
    else if (code == u"invariant.sale_exceeds")
        r.amount = usd(5201);
    else if (code == u"invariant.sale_authorized")
        p.facts.authorized = usd(1000), p.facts.saleable = usd(4200);
    else if (code == u"invariant.sale_pending")
        p.facts.salePending = true;
    const PlannedChain chain = OperationPlanner::plan(p, r, mapping::MappingProfile::defaults(), kNow, withVault(vault));
    QVERIFY(!chain.preview.allowed);
    QVERIFY(chain.requests.isEmpty());
    QCOMPARE(chain.refusalCode, code);
    QVERIFY(!chain.preview.refusal.isEmpty());
}

QTEST_GUILESS_MAIN(TestOperationPlanner)
#include "tst_operation_planner.moc"
