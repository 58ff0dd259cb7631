// MagentoClient and OrderPager over real HTTP against the in-process sandbox.
#include "magento/magentoclient.h"
#include "magento/orderpager.h"
#include "magentosim.h"
#include "net/httptransport.h"
#include "sandbox.h"
#include "simutil.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using pb::magento::MagentoClient;
using pb::magento::MagentoConfig;
using pb::magento::OrderPager;

namespace {

QDateTime fixedStart()
{
    return QDateTime(QDate(2026, 6, 20), QTime(18, 0, 0), Qt::UTC);
}

QString credential(const pb::sandbox::Sandbox &s, const QString &key)
{
    for (const auto &c : s.credentials()) {
        if (c.first == key)
            return c.second;
    }
    return {};
}

// What the client should make of an amount the sandbox stores at `scale` (MagentoOrder::exponent,
// not always the currency's digits): Money rounded half-even to the currency's minor unit, and
// the exact decimal text when the stored value is finer than that (else empty).
struct ExpectedAmount
{
    qint64 minor = 0;
    QString exact;
};

ExpectedAmount expectedAmount(qint64 stored, int scale, const QString &currency)
{
    const int digits = pb::sandbox::currencyExponent(currency);
    ExpectedAmount r;
    if (scale <= digits) {
        r.minor = stored;
        for (int k = scale; k < digits; ++k)
            r.minor *= 10;
        return r;
    }
    qint64 d = 1;
    for (int k = digits; k < scale; ++k)
        d *= 10;
    const qint64 sign = stored < 0 ? -1 : 1;
    qint64 q = stored / d;
    const qint64 rest = (stored % d) * sign; // 0 <= rest < d
    if (2 * rest > d || (2 * rest == d && q % 2 != 0))
        q += sign;
    r.minor = q;
    if (rest != 0)
        r.exact = QString::fromLatin1(pb::sandbox::decimalNumber(stored, scale));
    return r;
}

struct ScanResult
{
    QList<pb::OrderRecord> orders;
    std::optional<QDateTime> cursor;
    std::optional<pb::magento::Failure> failure;
    int pages = 0;
};

} // namespace

class TestMagentoClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void fullScanReturnsEveryOrderOnce_data();
    void fullScanReturnsEveryOrderOnce();
    void ordersUpdatedDuringTheScan();
    void incrementalScanFromCursor();
    void getOrder();
    void unknownOrderIsPermanent();
    void bearerRefusedIsClearAuthError();
    void wrongTokenIsAuthError();
    void oauthSignedScan();
    void oauthSha1RefusedBy244();
    void oauthWrongSecret();

private:
    void startSandbox(bool bearerEnabled, bool realTime = false);
    MagentoConfig oauthConfig() const;
    MagentoConfig config(const QString &token = {}) const;
    ScanResult scan(OrderPager &pager, const QDateTime &cursor, int overlap, int pageSize,
                    const std::function<void(int page)> &afterPage = {});

    std::unique_ptr<pb::sandbox::Sandbox> m_sandbox;
    std::unique_ptr<pb::net::HttpTransport> m_transport;
};

void TestMagentoClient::startSandbox(bool bearerEnabled, bool realTime)
{
    pb::sandbox::SandboxOptions options;
    options.orders = 230;
    options.seed = 5;
    // OAuth timestamps come from the real clock and Magento refuses those far from its own.
    options.startTime = realTime ? QDateTime() : fixedStart();
    options.magentoBearerEnabled = bearerEnabled;
    m_sandbox = std::make_unique<pb::sandbox::Sandbox>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
}

void TestMagentoClient::init()
{
    qRegisterMetaType<pb::magento::Failure>();
    m_transport = std::make_unique<pb::net::HttpTransport>();
}

void TestMagentoClient::cleanup()
{
    m_transport.reset();
    m_sandbox.reset();
}

MagentoConfig TestMagentoClient::config(const QString &token) const
{
    MagentoConfig c;
    c.baseUrl = m_sandbox->magentoUrl();
    c.accessToken = token.isEmpty() ? credential(*m_sandbox, u"magento.bearer_token"_s) : token;
    c.timeoutMs = 20000;
    return c;
}

ScanResult TestMagentoClient::scan(OrderPager &pager, const QDateTime &cursor, int overlap, int pageSize,
                                   const std::function<void(int)> &afterPage)
{
    ScanResult r;
    QObject ctx;
    connect(&pager, &OrderPager::pageReady, &ctx, [&](const QList<pb::OrderRecord> &orders) {
        r.orders += orders;
        ++r.pages;
        if (afterPage)
            afterPage(r.pages);
    });
    connect(&pager, &OrderPager::finished, &ctx, [&](const QDateTime &c, int emitted) {
        r.cursor = c;
        if (emitted != r.orders.size())
            qWarning("finished() count %d differs from emitted %d", emitted, int(r.orders.size()));
    });
    connect(&pager, &OrderPager::failed, &ctx, [&](const pb::magento::Failure &f) { r.failure = f; });
    pager.start(cursor, overlap, pageSize);
    if (!QTest::qWaitFor([&]() { return r.cursor.has_value() || r.failure.has_value(); }, 60000))
        qWarning("order scan did not finish in time"); // callers then find neither cursor nor failure
    return r;
}

void TestMagentoClient::fullScanReturnsEveryOrderOnce_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<int>("pageSize");
    QTest::newRow("keyset 20") << int(OrderPager::Mode::Keyset) << 20;
    QTest::newRow("keyset 7") << int(OrderPager::Mode::Keyset) << 7;
    QTest::newRow("keyset 300") << int(OrderPager::Mode::Keyset) << 300;
    QTest::newRow("offset 20") << int(OrderPager::Mode::Offset) << 20;
}

void TestMagentoClient::fullScanReturnsEveryOrderOnce()
{
    QFETCH(int, mode);
    QFETCH(int, pageSize);
    startSandbox(true);
    const QList<pb::sandbox::MagentoOrder> expected = m_sandbox->magento().orders();
    QCOMPARE(expected.size(), 230);
    // Many orders share one updated_at (a mass action); more than a page of them makes the
    // tie-break on entity_id matter.
    const qint64 shared = m_sandbox->generated().sharedUpdatedAt;
    int sharing = 0;
    qint64 maxUpdated = 0;
    for (const auto &o : expected) {
        sharing += o.updatedAt == shared;
        maxUpdated = std::max(maxUpdated, o.updatedAt);
    }
    QVERIFY2(sharing > 20, qPrintable(QString::number(sharing)));

    MagentoClient client(m_transport.get(), config());
    OrderPager pager(&client);
    pager.setMode(OrderPager::Mode(mode));
    const ScanResult r = scan(pager, QDateTime(), 0, pageSize);
    QVERIFY2(!r.failure, qPrintable(r.failure ? r.failure->summary() : QString()));
    QVERIFY(r.cursor.has_value());
    QCOMPARE(r.cursor->toSecsSinceEpoch(), maxUpdated);
    QCOMPARE(r.orders.size(), expected.size());

    QHash<qint64, pb::sandbox::MagentoOrder> byId;
    for (const auto &o : expected)
        byId.insert(o.entityId, o);
    QSet<qint64> seen;
    QDateTime previous;
    for (const pb::OrderRecord &o : r.orders) {
        QVERIFY2(!seen.contains(o.entityId), qPrintable(QString::number(o.entityId)));
        seen.insert(o.entityId);
        QVERIFY(byId.contains(o.entityId));
        const auto &e = byId.value(o.entityId);
        QCOMPARE(o.incrementId, e.incrementId);
        QCOMPARE(o.currency.code(), e.orderCurrencyCode);
        QCOMPARE(o.baseCurrency.code(), e.baseCurrencyCode);
        const ExpectedAmount grand = expectedAmount(e.grandTotal, e.exponent, e.orderCurrencyCode);
        const ExpectedAmount baseGrand = expectedAmount(e.baseGrandTotal, e.baseExponent, e.baseCurrencyCode);
        QCOMPARE(o.grandTotal.minor(), grand.minor);
        QCOMPARE(o.baseGrandTotal.minor(), baseGrand.minor);
        QCOMPARE(o.exactAmounts.value(u"grand_total"_s), grand.exact);
        QCOMPARE(o.exactAmounts.value(u"base_grand_total"_s), baseGrand.exact);
        QCOMPARE(o.updatedAt.toSecsSinceEpoch(), e.updatedAt);
        QCOMPARE(o.createdAt.toSecsSinceEpoch(), e.createdAt);
        QCOMPARE(o.customerIsGuest, e.customerIsGuest());
        QCOMPARE(o.paymentMethod, e.payment.method);
        QCOMPARE(o.lastTransId, e.payment.lastTransId);
        QVERIFY(!previous.isValid() || previous <= o.updatedAt); // updated_at ASC
        previous = o.updatedAt;
    }
    const int minimumPages = int((expected.size() + pageSize - 1) / pageSize);
    QVERIFY(pager.pagesRequested() >= minimumPages);
    QVERIFY(pager.pagesRequested() <= minimumPages + 1);
}

void TestMagentoClient::ordersUpdatedDuringTheScan()
{
    startSandbox(true);
    const QList<pb::sandbox::MagentoOrder> expected = m_sandbox->magento().orders();
    MagentoClient client(m_transport.get(), config());

    // After the first page: touch an order already read (it moves behind the scan) and one not
    // yet read (it moves too, past the ones that shift forward). Neither may be lost or doubled,
    // and no other order may be skipped by the shift.
    qint64 touchedRead = 0;
    qint64 touchedUnread = 0;
    const qint64 now = m_sandbox->clock().nowSecs();

        OrderPager pager2(&client);
    ScanResult r2;
    {
        QObject ctx;
        connect(&pager2, &OrderPager::pageReady, &ctx, [&](const QList<pb::OrderRecord> &orders) {
            r2.orders += orders;
            if (++r2.pages != 1)
                return;
            touchedRead = orders.first().entityId;
            QSet<qint64> readIds;
            for (const auto &o : orders)
                readIds.insert(o.entityId);
            for (const auto &o : expected) {
                if (!readIds.contains(o.entityId)) {
                    touchedUnread = o.entityId;
                    break;
                }
            }
            for (qint64 id : {touchedRead, touchedUnread}) {
                auto o = m_sandbox->magento().order(id);
                QVERIFY(o.has_value());
                o->updatedAt = now + 60;
                o->status = u"holded"_s;
                o->state = u"holded"_s;
                QVERIFY(m_sandbox->magento().updateOrder(*o));
            }
        });
        connect(&pager2, &OrderPager::finished, &ctx, [&](const QDateTime &c, int) { r2.cursor = c; });
        connect(&pager2, &OrderPager::failed, &ctx, [&](const pb::magento::Failure &f) { r2.failure = f; });
        pager2.start(QDateTime(), 0, 25);
        QVERIFY(QTest::qWaitFor([&]() { return r2.cursor.has_value() || r2.failure.has_value(); }, 60000));
    }
    QVERIFY2(!r2.failure, qPrintable(r2.failure ? r2.failure->summary() : QString()));
    QVERIFY(touchedRead != 0 && touchedUnread != 0);
    QSet<qint64> seen;
    for (const auto &o : r2.orders) {
        QVERIFY2(!seen.contains(o.entityId), qPrintable(QString::number(o.entityId)));
        seen.insert(o.entityId);
    }
    QCOMPARE(seen.size(), expected.size());
    // The unread order arrives in its new state; the cursor covers the change.
    for (const auto &o : r2.orders) {
        if (o.entityId == touchedUnread)
            QCOMPARE(o.status, u"holded"_s);
    }
    QCOMPARE(r2.cursor->toSecsSinceEpoch(), now + 60);

    // The next poll from the cursor (with overlap) picks up the change to the order that had
    // been read before it changed.
    OrderPager next(&client);
    const ScanResult again = scan(next, *r2.cursor, 300, 25);
    QVERIFY(again.cursor.has_value());
    QSet<qint64> againIds;
    for (const auto &o : again.orders)
        againIds.insert(o.entityId);
    QVERIFY(againIds.contains(touchedRead));
    QVERIFY(againIds.contains(touchedUnread));
}

void TestMagentoClient::incrementalScanFromCursor()
{
    startSandbox(true);
    const QList<pb::sandbox::MagentoOrder> expected = m_sandbox->magento().orders();
    QList<qint64> times;
    for (const auto &o : expected)
        times.append(o.updatedAt);
    std::sort(times.begin(), times.end());
    const qint64 cursorSecs = times.at(times.size() / 2);
    const int overlap = 3600;
    int expectedCount = 0;
    for (const auto &o : expected)
        expectedCount += o.updatedAt >= cursorSecs - overlap;

    MagentoClient client(m_transport.get(), config());
    OrderPager pager(&client);
    const ScanResult r = scan(pager, QDateTime::fromSecsSinceEpoch(cursorSecs, Qt::UTC), overlap, 30);
    QVERIFY(r.cursor.has_value());
    QCOMPARE(r.orders.size(), expectedCount);
    for (const auto &o : r.orders)
        QVERIFY(o.updatedAt.toSecsSinceEpoch() >= cursorSecs - overlap);
    QCOMPARE(r.cursor->toSecsSinceEpoch(), times.constLast());

    // Nothing changed since: a scan from the new cursor with no overlap returns only the
    // orders at that very second, and keeps the cursor.
    OrderPager again(&client);
    const ScanResult r2 = scan(again, *r.cursor, 0, 30);
    QVERIFY(r2.cursor.has_value());
    QCOMPARE(*r2.cursor, *r.cursor);
    for (const auto &o : r2.orders)
        QCOMPARE(o.updatedAt, *r.cursor);
}

void TestMagentoClient::getOrder()
{
    startSandbox(true);
    const auto e = m_sandbox->magento().orders().at(17);
    MagentoClient client(m_transport.get(), config());
    std::optional<pb::magento::Reply<pb::OrderRecord>> reply;
    client.getOrder(e.entityId, this, [&](const pb::magento::Reply<pb::OrderRecord> &r) { reply = r; });
    QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 30000);
    QVERIFY2(reply->ok(), qPrintable(reply->failure.summary()));
    QCOMPARE(reply->value->entityId, e.entityId);
    QCOMPARE(reply->value->incrementId, e.incrementId);
    QCOMPARE(reply->value->grandTotal.minor(), expectedAmount(e.grandTotal, e.exponent, e.orderCurrencyCode).minor);
    QCOMPARE(reply->value->customerEmail, e.customerEmail);
    QCOMPARE(reply->value->cardLast4, e.payment.ccLast4);
}

void TestMagentoClient::unknownOrderIsPermanent()
{
    startSandbox(true);
    MagentoClient client(m_transport.get(), config());
    std::optional<pb::magento::Reply<pb::OrderRecord>> reply;
    client.getOrder(987654, this, [&](const pb::magento::Reply<pb::OrderRecord> &r) { reply = r; });
    QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 30000);
    QVERIFY(!reply->ok());
    QCOMPARE(reply->failure.httpStatus, 404);
    QCOMPARE(reply->failure.errorClass, pb::net::ErrorClass::Permanent);
    QVERIFY(reply->failure.body.has_value());
    QVERIFY(!reply->failure.error.message.isEmpty());
    QVERIFY(!reply->failure.error.message.contains(u'%')); // placeholders filled
    QVERIFY(!reply->failure.requestId.isEmpty());
}

void TestMagentoClient::bearerRefusedIsClearAuthError()
{
    startSandbox(false); // 2.4.4+ default: integration tokens are not accepted as Bearer
    MagentoClient client(m_transport.get(), config());
    OrderPager pager(&client);
    const ScanResult r = scan(pager, QDateTime(), 0, 50);
    QVERIFY(!r.cursor.has_value());
    QVERIFY(r.failure.has_value());
    QCOMPARE(r.failure->httpStatus, 401);
    QCOMPARE(r.failure->errorClass, pb::net::ErrorClass::Auth);
    QCOMPARE(r.failure->error.code, u"magento.auth_refused"_s);
    QVERIFY(r.failure->error.message.contains(u"standalone Bearer"_s));
    QVERIFY(r.failure->error.message.contains(u"OAuth 1.0a"_s));
    QVERIFY(!r.failure->error.message.contains(u"%resources"_s));
    QVERIFY(r.orders.isEmpty());
}

void TestMagentoClient::wrongTokenIsAuthError()
{
    startSandbox(true);
    MagentoClient client(m_transport.get(), config(u"0123456789abcdef0123456789abcdef"_s));
    std::optional<pb::magento::Reply<pb::magento::OrderPage>> reply;
    pb::magento::SearchCriteria c;
    c.setPageSize(5);
    client.searchOrders(c, this, [&](const pb::magento::Reply<pb::magento::OrderPage> &r) { reply = r; });
    QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 30000);
    QVERIFY(!reply->ok());
    QCOMPARE(reply->failure.errorClass, pb::net::ErrorClass::Auth);
    QCOMPARE(reply->failure.httpStatus, 401);
}

MagentoConfig TestMagentoClient::oauthConfig() const
{
    MagentoConfig c;
    c.baseUrl = m_sandbox->magentoUrl();
    c.auth = MagentoConfig::Auth::OAuth1;
    c.oauth = {credential(*m_sandbox, u"magento.consumer_key"_s), credential(*m_sandbox, u"magento.consumer_secret"_s),
               credential(*m_sandbox, u"magento.access_token"_s), credential(*m_sandbox, u"magento.access_token_secret"_s)};
    c.timeoutMs = 20000;
    return c;
}

void TestMagentoClient::oauthSignedScan()
{
    startSandbox(false, true); // bearer off: only signed requests get in
    MagentoClient client(m_transport.get(), oauthConfig());
    OrderPager pager(&client);
    // Every page is a new request with a new nonce; a reused nonce would be refused.
    const ScanResult r = scan(pager, QDateTime(), 0, 40);
    QVERIFY2(!r.failure, qPrintable(r.failure ? r.failure->summary() : QString()));
    QCOMPARE(r.orders.size(), m_sandbox->magento().orderCount());
    QVERIFY(pager.pagesRequested() >= 6);

    std::optional<pb::magento::Reply<pb::OrderRecord>> one;
    const qint64 id = r.orders.at(3).entityId;
    client.getOrder(id, this, [&](const pb::magento::Reply<pb::OrderRecord> &x) { one = x; });
    QTRY_VERIFY_WITH_TIMEOUT(one.has_value(), 30000);
    QVERIFY2(one->ok(), qPrintable(one->failure.summary()));
    QCOMPARE(one->value->entityId, id);
}

void TestMagentoClient::oauthSha1RefusedBy244()
{
    startSandbox(false, true);
    MagentoConfig c = oauthConfig();
    c.signatureMethod = pb::magento::OAuth1Signer::Method::HmacSha1;
    MagentoClient client(m_transport.get(), c);
    std::optional<pb::magento::Reply<pb::OrderRecord>> reply;
    client.getOrder(m_sandbox->magento().orders().first().entityId, this,
                    [&](const pb::magento::Reply<pb::OrderRecord> &x) { reply = x; });
    QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 30000);
    QVERIFY(!reply->ok());
    QCOMPARE(reply->failure.httpStatus, 400);
    QCOMPARE(reply->failure.error.message, u"Signature method HMAC-SHA1 is not supported"_s);
}

void TestMagentoClient::oauthWrongSecret()
{
    startSandbox(false, true);
    MagentoConfig c = oauthConfig();
    c.oauth.consumerSecret += u"x"_s;
    MagentoClient client(m_transport.get(), c);
    std::optional<pb::magento::Reply<pb::OrderRecord>> reply;
    client.getOrder(m_sandbox->magento().orders().first().entityId, this,
                    [&](const pb::magento::Reply<pb::OrderRecord> &x) { reply = x; });
    QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 30000);
    QVERIFY(!reply->ok());
    QCOMPARE(reply->failure.httpStatus, 401);
    QCOMPARE(reply->failure.errorClass, pb::net::ErrorClass::Auth);
    QCOMPARE(reply->failure.error.code, u"magento.http_401"_s); // no bearer hint for signed calls
    QVERIFY(reply->failure.error.message.contains(u"signature is invalid"_s));
}

QTEST_GUILESS_MAIN(TestMagentoClient)
#include "tst_magento_client.moc"
