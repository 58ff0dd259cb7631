// MagentoApi over real HTTP against the in-process sandbox: comments, hold/unhold/cancel,
// invoices (never capturing), offline refunds, documents, customers, store config, errors.
#include "magento/magentoapi.h"
#include "magentosales.h"
#include "magentosim.h"
#include "net/httptransport.h"
#include "sandbox.h"

#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace pb::magento;
namespace st = pb::sandbox::magentostate;

namespace {

QString credential(const pb::sandbox::Sandbox &s, const QString &key)
{
    for (const auto &c : s.credentials()) {
        if (c.first == key)
            return c.second;
    }
    return {};
}

template<typename T>
std::optional<Reply<T>> wait(const std::function<void(QObject *, std::function<void(const Reply<T> &)>)> &start)
{
    std::optional<Reply<T>> out;
    QObject ctx;
    start(&ctx, [&](const Reply<T> &r) { out = r; });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, 30000))
        qWarning("no answer within 30 s"); // callers then find nullopt and fail
    return out;
}

} // namespace

class TestMagentoWrites : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void commentMarkerRoundTrip_data();
    void commentMarkerRoundTrip();
    void holdUnholdAndHoldNotAvailable();
    void cancel();
    void invoiceNeverCaptures_data();
    void invoiceNeverCaptures();
    void refundOfflineAndOverRefund();
    void invoiceRefundOffline();
    void unknownOrderIs404();
    void aclRefusalNamesTheResource();
    void readsCustomersTransactionsStoreConfig();
    void orderAddressesFromTheStore();

private:
    MagentoConfig config(bool oauth) const;
    std::optional<pb::sandbox::MagentoOrder> pick(const std::function<bool(const pb::sandbox::MagentoOrder &)> &ok) const;

    std::unique_ptr<pb::sandbox::Sandbox> m_sandbox;
    std::unique_ptr<pb::net::HttpTransport> m_transport;
    std::unique_ptr<MagentoClient> m_client;
    std::unique_ptr<MagentoApi> m_api;
};

void TestMagentoWrites::init()
{
    pb::sandbox::SandboxOptions options;
    options.magentoBearerEnabled = true; // Bearer is tested here; stores refuse it by default
    options.orders = 120;
    options.seed = 9;
    options.startTime = QDateTime(); // real time: OAuth timestamps are checked against it
    m_sandbox = std::make_unique<pb::sandbox::Sandbox>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_transport = std::make_unique<pb::net::HttpTransport>();
    m_client = std::make_unique<MagentoClient>(m_transport.get(), config(false));
    m_api = std::make_unique<MagentoApi>(m_client.get());
}

void TestMagentoWrites::cleanup()
{
    m_api.reset();
    m_client.reset();
    m_transport.reset();
    m_sandbox.reset();
}

MagentoConfig TestMagentoWrites::config(bool oauth) const
{
    MagentoConfig c;
    c.baseUrl = m_sandbox->magentoUrl();
    c.timeoutMs = 20000;
    if (oauth) {
        c.auth = MagentoConfig::Auth::OAuth1;
        c.oauth.consumerKey = credential(*m_sandbox, u"magento.consumer_key"_s);
        c.oauth.consumerSecret = credential(*m_sandbox, u"magento.consumer_secret"_s);
        c.oauth.accessToken = credential(*m_sandbox, u"magento.access_token"_s);
        c.oauth.accessTokenSecret = credential(*m_sandbox, u"magento.access_token_secret"_s);
    } else {
        c.accessToken = credential(*m_sandbox, u"magento.bearer_token"_s);
    }
    return c;
}

std::optional<pb::sandbox::MagentoOrder>
TestMagentoWrites::pick(const std::function<bool(const pb::sandbox::MagentoOrder &)> &ok) const
{
    for (const auto &o : m_sandbox->magento().orders()) {
        if (ok(o))
            return o;
    }
    return std::nullopt;
}

void TestMagentoWrites::commentMarkerRoundTrip_data()
{
    QTest::addColumn<bool>("oauth");
    QTest::newRow("bearer") << false;
    QTest::newRow("oauth1 signed") << true;
}

void TestMagentoWrites::commentMarkerRoundTrip()
{
    QFETCH(bool, oauth);
    MagentoClient client(m_transport.get(), config(oauth));
    MagentoApi api(&client);
    const auto order = pick([](const auto &o) { return o.state == u"processing"; });
    QVERIFY(order);
    const QString marker = TxnMarker::format(u"424242"_s, TxnMarker::Kind::Capture);
    OrderCommentRequest req;
    req.comment = u"Captured by PayBridge. "_s + marker;
    req.status = order->status;
    auto added = wait<bool>([&](QObject *ctx, auto cb) { api.addOrderComment(order->entityId, req, ctx, cb); });
    QVERIFY(added);
    QVERIFY2(added->ok(), qPrintable(added->failure.summary()));
    QVERIFY(*added->value);

    auto list = wait<SearchPage<Comment>>([&](QObject *ctx, auto cb) { api.listOrderComments(order->entityId, ctx, cb); });
    QVERIFY(list && list->ok());
    QVERIFY(TxnMarker::present(list->value->items, u"424242"_s, TxnMarker::Kind::Capture));
    QVERIFY(!TxnMarker::present(list->value->items, u"424242"_s, TxnMarker::Kind::Refund));
    auto status = wait<QString>([&](QObject *ctx, auto cb) { api.orderStatus(order->entityId, ctx, cb); });
    QVERIFY(status && status->ok());
    QCOMPARE(*status->value, order->status); // the comment did not change the status
}

void TestMagentoWrites::holdUnholdAndHoldNotAvailable()
{
    const auto order = pick([](const auto &o) { return st::canHold(o); });
    QVERIFY(order);
    auto held = wait<bool>([&](QObject *ctx, auto cb) { m_api->hold(order->entityId, ctx, cb); });
    QVERIFY2(held && held->ok(), qPrintable(held ? held->failure.summary() : QString()));
    auto status = wait<QString>([&](QObject *ctx, auto cb) { m_api->orderStatus(order->entityId, ctx, cb); });
    QCOMPARE(*status->value, u"holded"_s);

    auto again = wait<bool>([&](QObject *ctx, auto cb) { m_api->hold(order->entityId, ctx, cb); });
    QVERIFY(again && !again->ok());
    QCOMPARE(again->failure.httpStatus, 400);
    QCOMPARE(again->failure.errorClass, pb::net::ErrorClass::Permanent);
    QVERIFY2(again->failure.body && again->failure.body->message == u"A hold action is not available."_s,
             qPrintable(again->failure.summary()));

    auto unheld = wait<bool>([&](QObject *ctx, auto cb) { m_api->unhold(order->entityId, ctx, cb); });
    QVERIFY(unheld && unheld->ok());
    status = wait<QString>([&](QObject *ctx, auto cb) { m_api->orderStatus(order->entityId, ctx, cb); });
    QCOMPARE(*status->value, order->status);
}

void TestMagentoWrites::cancel()
{
    const auto order = pick([](const auto &o) { return st::canCancel(o); });
    QVERIFY(order);
    auto r = wait<bool>([&](QObject *ctx, auto cb) { m_api->cancel(order->entityId, ctx, cb); });
    QVERIFY2(r && r->ok(), qPrintable(r ? r->failure.summary() : QString()));
    QVERIFY(*r->value);
    QCOMPARE(m_sandbox->magento().order(order->entityId)->state, u"canceled"_s);
}

void TestMagentoWrites::invoiceNeverCaptures_data()
{
    QTest::addColumn<bool>("oauth");
    QTest::newRow("bearer") << false;
    QTest::newRow("oauth1 signed") << true;
}

void TestMagentoWrites::invoiceNeverCaptures()
{
    QFETCH(bool, oauth);
    MagentoClient client(m_transport.get(), config(oauth));
    MagentoApi api(&client);
    const auto order = pick([](const auto &o) { return st::canInvoice(o); });
    QVERIFY(order);
    InvoiceRequest req;
    req.comment = TxnMarker::format(u"777001"_s, TxnMarker::Kind::Capture);
    auto created = wait<qint64>([&](QObject *ctx, auto cb) { api.createInvoice(order->entityId, req, ctx, cb); });
    QVERIFY2(created && created->ok(), qPrintable(created ? created->failure.summary() : QString()));
    const qint64 invoiceId = *created->value;

    auto inv = wait<Invoice>([&](QObject *ctx, auto cb) { api.getInvoice(invoiceId, ctx, cb); });
    QVERIFY2(inv && inv->ok(), qPrintable(inv ? inv->failure.summary() : QString()));
    QCOMPARE(inv->value->orderId, order->entityId);
    QCOMPARE(inv->value->state, 2);
    QVERIFY(inv->value->transactionId.isEmpty()); // Magento did not capture
    QVERIFY(TxnMarker::present(inv->value->comments, u"777001"_s, TxnMarker::Kind::Capture));

    SearchCriteria byOrder;
    byOrder.addFilter(u"order_id"_s, QString::number(order->entityId));
    auto found = wait<SearchPage<Invoice>>([&](QObject *ctx, auto cb) { api.searchInvoices(byOrder, ctx, cb); });
    QVERIFY(found && found->ok());
    QVERIFY(std::any_of(found->value->items.begin(), found->value->items.end(),
                        [&](const Invoice &i) { return i.entityId == invoiceId; }));

    // The sandbox's ledger saw the request body: capture was false.
    bool seen = false;
    for (const auto &d : m_sandbox->magento().documents()) {
        if (d.kind == u"invoice" && d.entityId == invoiceId) {
            seen = true;
            QVERIFY(!d.captureRequested);
            QVERIFY(!d.capturedOnlineByMagento);
        }
    }
    QVERIFY(seen);
}

void TestMagentoWrites::refundOfflineAndOverRefund()
{
    const auto order = pick([](const auto &o) { return st::canCreditmemo(o) && o.orderCurrencyCode == u"USD"; });
    QVERIFY(order);
    RefundRequest req;
    req.shippingAmount = pb::Money::zero(pb::Currency::usd());
    req.adjustmentNegative = pb::Money::zero(pb::Currency::usd());
    req.comment = TxnMarker::format(u"880001"_s, TxnMarker::Kind::Refund);
    auto created = wait<qint64>([&](QObject *ctx, auto cb) { m_api->refundOrderOffline(order->entityId, req, ctx, cb); });
    QVERIFY2(created && created->ok(), qPrintable(created ? created->failure.summary() : QString()));
    auto memo = wait<CreditMemo>([&](QObject *ctx, auto cb) { m_api->getCreditMemo(*created->value, ctx, cb); });
    QVERIFY2(memo && memo->ok(), qPrintable(memo ? memo->failure.summary() : QString()));
    QCOMPARE(memo->value->orderId, order->entityId);
    QVERIFY(memo->value->totals.grandTotal.isValid());
    QVERIFY(TxnMarker::present(memo->value->comments, u"880001"_s, TxnMarker::Kind::Refund));

    // Everything refundable is gone: a further refund is refused by the validator.
    RefundRequest more;
    more.adjustmentPositive = pb::Money::parse(u"1.00", pb::Currency::usd()).value();
    auto refused = wait<qint64>([&](QObject *ctx, auto cb) { m_api->refundOrderOffline(order->entityId, more, ctx, cb); });
    QVERIFY(refused && !refused->ok());
    QCOMPARE(refused->failure.httpStatus, 400);
    QCOMPARE(refused->failure.errorClass, pb::net::ErrorClass::Permanent);
    QVERIFY2(refused->failure.error.message.startsWith(u"Creditmemo Document Validation Error(s)"_s),
             qPrintable(refused->failure.summary()));
}

void TestMagentoWrites::invoiceRefundOffline()
{
    const auto order = pick([](const auto &o) {
        return st::canInvoice(o) && !o.items.isEmpty();
    });
    QVERIFY(order);
    const auto currency = pb::Currency::fromCode(order->orderCurrencyCode);
    QVERIFY(currency);
    auto invoiced = wait<qint64>([&](QObject *ctx, auto cb) { m_api->createInvoice(order->entityId, {}, ctx, cb); });
    QVERIFY2(invoiced && invoiced->ok(), qPrintable(invoiced ? invoiced->failure.summary() : QString()));

    RefundRequest req;
    req.items = {{order->items.first().itemId, u"1"_s}};
    req.shippingAmount = pb::Money::zero(*currency);
    req.comment = TxnMarker::format(u"880002"_s, TxnMarker::Kind::Refund);
    auto created = wait<qint64>([&](QObject *ctx, auto cb) { m_api->refundInvoice(*invoiced->value, false, req, ctx, cb); });
    QVERIFY2(created && created->ok(), qPrintable(created ? created->failure.summary() : QString()));

    auto memo = wait<CreditMemo>([&](QObject *ctx, auto cb) { m_api->getCreditMemo(*created->value, ctx, cb); });
    QVERIFY2(memo && memo->ok(), qPrintable(memo ? memo->failure.summary() : QString()));
    QCOMPARE(memo->value->invoiceId, std::optional<qint64>(*invoiced->value));
    QCOMPARE(memo->value->totals.currency, *currency);
    QVERIFY(memo->value->totals.grandTotal.isValid() && !memo->value->totals.grandTotal.isNegative());
    bool seen = false;
    for (const auto &d : m_sandbox->magento().documents()) {
        if (d.kind == u"creditmemo" && d.entityId == *created->value) {
            seen = true;
            QVERIFY(!d.refundedOnline);
            QCOMPARE(d.amount, memo->value->totals.grandTotal.minor());
        }
    }
    QVERIFY(seen);

    SearchCriteria byOrder;
    byOrder.addFilter(u"order_id"_s, QString::number(order->entityId));
    auto found = wait<SearchPage<CreditMemo>>([&](QObject *ctx, auto cb) { m_api->searchCreditMemos(byOrder, ctx, cb); });
    QVERIFY2(found && found->ok(), qPrintable(found ? found->failure.summary() : QString()));
    QVERIFY(std::any_of(found->value->items.begin(), found->value->items.end(),
                        [&](const CreditMemo &c) { return c.entityId == *created->value; }));
}

void TestMagentoWrites::unknownOrderIs404()
{
    auto r = wait<bool>([&](QObject *ctx, auto cb) { m_api->hold(99999999, ctx, cb); });
    QVERIFY(r && !r->ok());
    QCOMPARE(r->failure.httpStatus, 404);
    QCOMPARE(r->failure.errorClass, pb::net::ErrorClass::Permanent);
}

void TestMagentoWrites::aclRefusalNamesTheResource()
{
    // An integration granted only order reads.
    cleanup();
    pb::sandbox::SandboxOptions options;
    options.magentoBearerEnabled = true; // Bearer is tested here; stores refuse it by default
    options.orders = 30;
    options.seed = 9;
    options.magentoAclResources = QStringList{u"Magento_Sales::actions_view"_s};
    m_sandbox = std::make_unique<pb::sandbox::Sandbox>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_transport = std::make_unique<pb::net::HttpTransport>();
    m_client = std::make_unique<MagentoClient>(m_transport.get(), config(true));
    m_api = std::make_unique<MagentoApi>(m_client.get());
    const auto order = pick([](const auto &o) { return st::canHold(o); });
    QVERIFY(order);
    auto r = wait<bool>([&](QObject *ctx, auto cb) { m_api->hold(order->entityId, ctx, cb); });
    QVERIFY(r && !r->ok());
    QCOMPARE(r->failure.httpStatus, 401);
    QCOMPARE(r->failure.errorClass, pb::net::ErrorClass::Auth);
    QCOMPARE(r->failure.error.message, u"The consumer isn't authorized to access Magento_Sales::hold."_s);
    QCOMPARE(m_sandbox->magento().order(order->entityId)->state, order->state);
    // Reads the integration may do still work.
    auto status = wait<QString>([&](QObject *ctx, auto cb) { m_api->orderStatus(order->entityId, ctx, cb); });
    QVERIFY(status && status->ok());
}

void TestMagentoWrites::readsCustomersTransactionsStoreConfig()
{
    auto configs = wait<QList<StoreConfig>>([&](QObject *ctx, auto cb) { m_api->storeConfigs(ctx, cb); });
    QVERIFY2(configs && configs->ok(), qPrintable(configs ? configs->failure.summary() : QString()));
    QVERIFY(!configs->value->isEmpty());
    QVERIFY(pb::Currency::fromCode(configs->value->first().baseCurrencyCode).has_value());
    QVERIFY(!configs->value->first().timezone.isEmpty());

    SearchCriteria all;
    all.setPageSize(5);
    auto customers = wait<SearchPage<Customer>>([&](QObject *ctx, auto cb) { m_api->searchCustomers(all, ctx, cb); });
    QVERIFY2(customers && customers->ok(), qPrintable(customers ? customers->failure.summary() : QString()));
    QVERIFY(!customers->value->items.isEmpty());
    const Customer first = customers->value->items.first();
    auto one = wait<Customer>([&](QObject *ctx, auto cb) { m_api->getCustomer(first.id, ctx, cb); });
    QVERIFY(one && one->ok());
    QCOMPARE(one->value->email, first.email);

    auto txns = wait<SearchPage<PaymentTransaction>>([&](QObject *ctx, auto cb) { m_api->searchTransactions(all, ctx, cb); });
    QVERIFY2(txns && txns->ok(), qPrintable(txns ? txns->failure.summary() : QString()));
    if (!txns->value->items.isEmpty()) {
        const PaymentTransaction t = txns->value->items.first();
        auto got = wait<PaymentTransaction>([&](QObject *ctx, auto cb) { m_api->getTransaction(t.transactionId, ctx, cb); });
        QVERIFY(got && got->ok());
        QCOMPARE(got->value->txnId, t.txnId);
    }
    auto missing = wait<Customer>([&](QObject *ctx, auto cb) { m_api->getCustomer(99999999, ctx, cb); });
    QVERIFY(missing && !missing->ok());
    QCOMPARE(missing->failure.httpStatus, 404);
}


void TestMagentoWrites::orderAddressesFromTheStore()
{
    // A shipped order carries its address in extension_attributes; a virtual one (no shipping
    // method) has none.
    for (const bool wantVirtual : {false, true}) {
        const auto order = pick([&](const pb::sandbox::MagentoOrder &o) { return o.shippingMethod.isEmpty() == wantVirtual; });
        if (!order) {
            QVERIFY2(!wantVirtual, "the generated store has no physical order");
            continue;
        }
        auto r = wait<QJsonValue>([&](QObject *ctx, auto cb) {
            m_client->request(QByteArrayLiteral("GET"), u"/orders/%1"_s.arg(order->entityId), {}, std::nullopt,
                              pb::net::Effect::Read, ctx, cb);
        });
        QVERIFY2(r && r->ok(), qPrintable(r ? r->failure.summary() : QString()));
        const auto addresses = DocumentParser::parseOrderAddresses(r->value->toObject());
        QVERIFY2(addresses, qPrintable(addresses ? QString() : addresses.error().toString()));
        QVERIFY(addresses->billing.has_value());
        QCOMPARE(addresses->billing->lastname, order->billingAddress.lastname);
        QCOMPARE(addresses->billing->postcode, order->billingAddress.postcode);
        QCOMPARE(addresses->billing->street, order->billingAddress.street);
        QCOMPARE(addresses->shipping.has_value(), !wantVirtual);
        if (!wantVirtual) {
            QCOMPARE(addresses->shipping->city, order->shippingAddress.city);
            QCOMPARE(addresses->shipping->countryId, order->shippingAddress.countryId);
            QCOMPARE(addresses->shipping->regionCode, order->shippingAddress.regionCode);
        }
    }
}

QTEST_GUILESS_MAIN(TestMagentoWrites)
#include "tst_magento_writes.moc"
