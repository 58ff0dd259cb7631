// The mapping profile's rules, run by the real SyncService after a real sync, as in production:
// what happens in PayTrace or Magento (a merchant's sale, invoice, credit memo, cancel) is done
// through their APIs on the sandbox, then a sync must make the other systems follow, each
// effect exactly once. The effects are counted in the sandbox's own books (admin API, over
// HTTP) and in the ERP ledger file; a second sync must add nothing.
#include "erp/ledgerfilesink.h"
#include "magento/magentoapi.h"
#include "magento/magentoclient.h"
#include "mapping/mappingstore.h"
#include "net/httptransport.h"
#include "paytrace/outcome.h"
#include "paytrace/paytraceclient.h"
#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "syncworld.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

#include <algorithm>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

sync::SyncConfig configFor(const sandbox::Sandbox &sb, const QString &dir)
{
    return test::sandboxSyncConfig(sb, dir, u"rules"_s, u"boss"_s);
}

using test::syncOnce;

// One GET of the sandbox's admin API, as any tool outside PayBridge would read it.
QJsonObject admin(const sandbox::Sandbox &sb, const QString &path)
{
    QNetworkAccessManager nam;
    QNetworkReply *reply = nam.get(QNetworkRequest(QUrl(sb.adminUrl().toString() + path)));
    QSignalSpy done(reply, &QNetworkReply::finished);
    if (!reply->isFinished() && !done.wait(30000))
        return {};
    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return body;
}

// PayTrace ledger entries of `operation` for invoice `order`.
QList<QJsonObject> ledger(const sandbox::Sandbox &sb, const QString &operation, const QString &order)
{
    QList<QJsonObject> out;
    for (const QJsonValue &v : admin(sb, u"/ledger"_s).value(u"entries"_s).toArray()) {
        const QJsonObject e = v.toObject();
        if (e.value(u"operation"_s).toString() == operation && e.value(u"invoice_id"_s).toString() == order)
            out << e;
    }
    return out;
}

// Magento documents of `kind` on the order (created through the API).
QList<QJsonObject> documents(const sandbox::Sandbox &sb, const QString &kind, qint64 orderId)
{
    QList<QJsonObject> out;
    const QJsonArray all = admin(sb, u"/magento/documents?order_id="_s + QString::number(orderId))
                               .value(u"documents"_s).toArray();
    for (const QJsonValue &v : all) {
        if (v.toObject().value(u"kind"_s).toString() == kind)
            out << v.toObject();
    }
    return out;
}

struct StoreOrder
{
    QString incrementId;
    qint64 entityId = 0;
    qint64 grandTotal = 0;
};

// The first order in the store matching `where`, none when there is none.
std::optional<StoreOrder> findOrder(const QString &dbPath, const QString &where)
{
    auto db = store::Database::openReader(dbPath, u"probe"_s);
    if (!db)
        return std::nullopt;
    std::optional<StoreOrder> found;
    {
        QSqlQuery q(db.value());
        if (q.exec(u"SELECT increment_id, entity_id, grand_total FROM orders WHERE "_s + where + u" ORDER BY entity_id LIMIT 1"_s)
            && q.next())
            found = StoreOrder{q.value(0).toString(), q.value(1).toLongLong(), q.value(2).toLongLong()};
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"probe"_s);
    return found;
}

// Rows of the intents table (natural key → state) whose key starts with `prefix`.
QMap<QString, QString> intentStates(const QString &dbPath, const QString &prefix)
{
    QMap<QString, QString> out;
    auto db = store::Database::openReader(dbPath, u"intents-probe"_s);
    if (!db)
        return out;
    {
        QSqlQuery q(db.value());
        q.prepare(u"SELECT natural_key, state FROM intents WHERE substr(natural_key, 1, ?) = ?"_s);
        q.bindValue(0, prefix.size());
        q.bindValue(1, prefix);
        if (q.exec()) {
            while (q.next())
                out.insert(q.value(0).toString(), q.value(1).toString());
        }
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"intents-probe"_s);
    return out;
}

qint64 intentCount(const QString &dbPath)
{
    qint64 n = -1;
    auto db = store::Database::openReader(dbPath, u"count-probe"_s);
    if (!db)
        return n;
    {
        QSqlQuery q(db.value());
        // The payment rules' intents: customer links are kept in step by their own part of the
        // sync (docs/customers.md), which is not what these tests are about.
        if (q.exec(u"SELECT count(*) FROM intents WHERE kind NOT LIKE '%.customer.%'"_s) && q.next())
            n = q.value(0).toLongLong();
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"count-probe"_s);
    return n;
}

// Runs the intents until every one under `prefix` succeeded (or the time is up); the states.
QMap<QString, QString> runUntilDone(sync::SyncService &service, const QString &dbPath, const QString &prefix,
                                    int expected)
{
    QElapsedTimer t;
    t.start();
    QMap<QString, QString> states;
    while (t.elapsed() < 60000) {
        states = intentStates(dbPath, prefix);
        const bool done = states.size() >= expected
                          && std::all_of(states.cbegin(), states.cend(), [](const QString &s) { return s == u"succeeded"; });
        if (done)
            break;
        service.runIntents();
        QTest::qWait(150);
    }
    return states;
}

QString describe(const QMap<QString, QString> &states)
{
    QStringList parts;
    for (auto it = states.cbegin(); it != states.cend(); ++it)
        parts << it.key() + u'=' + it.value();
    return parts.join(u", "_s);
}

// Syncs once, then runs the intents until the `expected` ones under `prefix` all succeeded;
// empty when they did, else what the intents are.
QString syncAndRunRules(sync::SyncService &service, const QString &dbPath, const QString &prefix, int expected)
{
    if (!syncOnce(service))
        return u"the sync did not finish"_s;
    const auto states = runUntilDone(service, dbPath, prefix, expected);
    const bool ok = states.size() == expected
                    && std::all_of(states.cbegin(), states.cend(), [](const QString &s) { return s == u"succeeded"; });
    return ok ? QString() : u"expected "_s + QString::number(expected) + u" succeeded intents: "_s + describe(states);
}

// How many ERP journal entries of `kind` ("pb:refund:", "pb:payment:") are about `order`.
int entriesFor(const QList<erp::JournalEntry> &journal, QStringView kind, const QString &order)
{
    return int(std::count_if(journal.cbegin(), journal.cend(), [&](const erp::JournalEntry &e) {
        return e.externalRef.startsWith(kind) && e.externalRef.contains(order);
    }));
}

} // namespace

class TestAutomationRules : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void approvedSaleCommentsAndPostsOnce();
    void invoiceOfOpenAuthorizationCaptures();
    void creditMemoRefundsSettledPayment();
    void creditMemoOnUnsettledSaleVoids();
    void cancelOfOpenAuthorizationVoids();
    // Last: it stages an order the cases above could pick.
    void paymentInTheSecondRulesStartedIsActedOn();
    // After the others: the batch it closes settles their payments too.
    void settlementFollowsTheStatusMap();

private:
    // The merchant's own tools: PayTrace's API and Magento's REST API, outside PayBridge.
    bool merchantMagento(const std::function<void(magento::MagentoApi &, std::function<void(bool, QString)>)> &call);
    // The merchant refunds the whole order offline in Magento's back office: a credit memo.
    bool creditMemoInMagento(qint64 orderId, const QString &comment);
    // An unpaid order of the store at `dbPath`, turned in the sandbox into a USD order paid with
    // PayTrace; none when the data has no such order.
    std::optional<StoreOrder> stageUnpaidUsdOrder(const QString &dbPath);
    // The merchant charges the first vaulted customer's card for `order`; the transaction id,
    // empty when the sale failed.
    QString chargeVaultedCard(const StoreOrder &order);
    QList<erp::JournalEntry> journal() const;
    // After a sync: the second one plans no intent and changes no book.
    void secondSyncAddsNothing(const QString &order, qint64 orderId);

    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    sync::SyncConfig m_config;
    std::unique_ptr<net::HttpTransport> m_transport;
    std::unique_ptr<paytrace::PayTraceClient> m_paytrace;
    std::unique_ptr<magento::MagentoClient> m_magentoClient;
    std::unique_ptr<magento::MagentoApi> m_magento;
};

void TestAutomationRules::initTestCase()
{
    sandbox::SandboxOptions options;
    options.magentoBearerEnabled = true; // Bearer is tested here; stores refuse it by default
    options.orders = 300;
    options.seed = 23;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    m_config = configFor(sb, m_home.path());
    m_service = std::make_unique<sync::SyncService>(m_config);
    // The first sync reads the history and starts the rules; history itself is never acted on.
    QVERIFY(syncOnce(*m_service));
    QCOMPARE(intentCount(m_config.databasePath), 0);

    m_transport = std::make_unique<net::HttpTransport>();
    paytrace::PayTraceConfig pc;
    pc.baseUrl = sb.paytraceUrl();
    for (const auto &[key, value] : sb.credentials()) {
        if (key == u"paytrace.username")
            pc.username = value;
        if (key == u"paytrace.password")
            pc.password = value;
    }
    m_paytrace = std::make_unique<paytrace::PayTraceClient>(m_transport.get(), pc);
    magento::MagentoConfig mc;
    mc.baseUrl = sb.magentoUrl();
    mc.auth = magento::MagentoConfig::Auth::Bearer;
    for (const auto &[key, value] : sb.credentials()) {
        if (key == u"magento.bearer_token")
            mc.accessToken = value;
    }
    m_magentoClient = std::make_unique<magento::MagentoClient>(m_transport.get(), mc);
    m_magento = std::make_unique<magento::MagentoApi>(m_magentoClient.get());
}

void TestAutomationRules::cleanupTestCase()
{
    m_magento.reset();
    m_magentoClient.reset();
    m_paytrace.reset();
    m_transport.reset();
    m_service.reset();
    m_sandbox.reset();
}

bool TestAutomationRules::merchantMagento(
    const std::function<void(magento::MagentoApi &, std::function<void(bool, QString)>)> &call)
{
    std::optional<std::pair<bool, QString>> result;
    call(*m_magento, [&](bool ok, QString why) { result = std::pair{ok, why}; });
    QElapsedTimer t;
    t.start();
    while (!result && t.elapsed() < 30000)
        QTest::qWait(10);
    if (result && !result->first)
        qWarning() << "merchant's Magento call failed:" << result->second;
    return result && result->first;
}

bool TestAutomationRules::creditMemoInMagento(qint64 orderId, const QString &comment)
{
    return merchantMagento([&](magento::MagentoApi &api, std::function<void(bool, QString)> done) {
        magento::RefundRequest r;
        r.comment = comment;
        api.refundOrderOffline(orderId, r, this, [done](const magento::Reply<qint64> &reply) {
            done(reply.ok(), reply.ok() ? QString() : reply.failure.summary());
        });
    });
}

QList<erp::JournalEntry> TestAutomationRules::journal() const
{
    erp::LedgerFileSink sink(m_config.journalPath);
    auto all = sink.readAll();
    return all ? all.value() : QList<erp::JournalEntry>{};
}

void TestAutomationRules::secondSyncAddsNothing(const QString &order, qint64 orderId)
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const qint64 intentsBefore = intentCount(m_config.databasePath);
    const qsizetype ledgerBefore = admin(sb, u"/ledger"_s).value(u"entries"_s).toArray().size();
    const qsizetype documentsBefore = admin(sb, u"/magento/documents?order_id="_s + QString::number(orderId))
                                          .value(u"documents"_s).toArray().size();
    const qsizetype journalBefore = journal().size();
    QVERIFY(syncOnce(*m_service));
    m_service->runIntents();
    QTest::qWait(500);
    QCOMPARE(intentCount(m_config.databasePath), intentsBefore);
    QCOMPARE(admin(sb, u"/ledger"_s).value(u"entries"_s).toArray().size(), ledgerBefore);
    QCOMPARE(admin(sb, u"/magento/documents?order_id="_s + QString::number(orderId)).value(u"documents"_s).toArray().size(),
             documentsBefore);
    QCOMPARE(journal().size(), journalBefore);
    Q_UNUSED(order);
}

std::optional<StoreOrder> TestAutomationRules::stageUnpaidUsdOrder(const QString &dbPath)
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    // The generated unpaid orders are paid offline in other currencies, so one is staged as a
    // USD order taken with the PayTrace method (the merchant will charge the card in PayTrace's
    // terminal).
    auto order = findOrder(dbPath,
                           u"state = 'processing' AND pay_txn_count = 0 AND currency IN ('EUR', 'GBP', 'CAD', 'AUD') "
                           "AND entity_id NOT IN (SELECT order_entity_id FROM order_transaction_links)"_s);
    if (!order)
        return std::nullopt;
    auto staged = sb.magento().order(order->entityId);
    if (!staged)
        return std::nullopt;
    staged->orderCurrencyCode = u"USD"_s;
    staged->baseCurrencyCode = u"USD"_s;
    staged->payment.method = u"paytrace"_s;
    staged->updatedAt = sb.clock().nowSecs();
    if (!sb.magento().updateOrder(*staged))
        return std::nullopt;
    return order;
}

QString TestAutomationRules::chargeVaultedCard(const StoreOrder &order)
{
    const QList<sandbox::PayTraceCustomer> customers = m_sandbox->sandbox()->paytrace().customers();
    if (customers.isEmpty())
        return {};
    paytrace::CustomerPaymentRequest sale;
    sale.customerId = customers.first().customerId;
    sale.invoiceId = order.incrementId;
    sale.amount = Money::fromMinor(order.grandTotal, *Currency::fromCode(u"USD"));
    std::optional<paytrace::Outcome> charged;
    m_paytrace->saleByCustomer(sale, this, [&](const paytrace::Outcome &o) { charged = o; });
    QElapsedTimer t;
    t.start();
    while (!charged && t.elapsed() < 30000)
        QTest::qWait(10);
    if (!charged || !charged->ok()) {
        qWarning() << "the sale failed:" << (charged ? charged->summary() : u"no answer"_s);
        return {};
    }
    return charged->response.transactionId;
}

void TestAutomationRules::approvedSaleCommentsAndPostsOnce()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    // An order in the processing state that PayTrace has no payment for yet.
    const auto order = stageUnpaidUsdOrder(m_config.databasePath);
    QVERIFY2(order, "the generated data has no unpaid processing order");
    QVERIFY(syncOnce(*m_service));
    QCOMPARE(intentCount(m_config.databasePath), 0);
    const sandbox::PayTraceCustomer customer = sb.paytrace().customers().first();

    // The merchant charges the customer's vaulted card in PayTrace for that order.
    const QString txn = chargeVaultedCard(*order);
    QVERIFY(!txn.isEmpty());
    QCOMPARE(ledger(sb, u"sale"_s, order->incrementId).size(), 1);

    const QString ran = syncAndRunRules(*m_service, m_config.databasePath, u"rule:paid:"_s + txn + u'/', 3);
    QVERIFY2(ran.isEmpty(), qPrintable(ran));

    // Magento: one comment, with the transaction id, card type and last four, and the mapped status.
    const auto comments = documents(sb, u"comment"_s, order->entityId);
    QCOMPARE(comments.size(), 1);
    const QString text = comments.first().value(u"comment"_s).toString();
    QVERIFY2(text.contains(txn), qPrintable(text));
    QVERIFY2(text.contains(customer.card.last4), qPrintable(text));
    QVERIFY2(text.contains(customer.card.brand, Qt::CaseInsensitive), qPrintable(text));
    QCOMPARE(comments.first().value(u"status_after"_s).toString(), u"processing"_s);
    QCOMPARE(sb.magento().orderByIncrementId(order->incrementId)->status, u"processing"_s);

    // ERP: one sale entry and one payment entry for the order.
    int sales = 0;
    int payments = 0;
    for (const erp::JournalEntry &e : journal()) {
        sales += e.externalRef.startsWith(u"pb:sale:") && e.externalRef.contains(order->incrementId) ? 1 : 0;
        payments += e.externalRef.startsWith(u"pb:payment:") && e.externalRef.contains(order->incrementId) ? 1 : 0;
    }
    QCOMPARE(sales, 1);
    QCOMPARE(payments, 1);
    // PayTrace was not asked for anything more.
    QCOMPARE(ledger(sb, u"sale"_s, order->incrementId).size(), 1);

    secondSyncAddsNothing(order->incrementId, order->entityId);
    QCOMPARE(documents(sb, u"comment"_s, order->entityId).size(), 1);
}

void TestAutomationRules::invoiceOfOpenAuthorizationCaptures()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const auto order = findOrder(m_config.databasePath,
                                 u"pay_status = 'authorized' AND total_invoiced = 0 AND state IN ('new', 'processing') "
                                 "AND entity_id NOT IN (SELECT order_entity_id FROM intents WHERE order_entity_id IS NOT NULL)"_s);
    if (!order)
        QSKIP("the generated data has no open authorization");
    QCOMPARE(ledger(sb, u"capture"_s, order->incrementId).size(), 0);

    // The merchant invoices the order in Magento without capturing (Magento cannot reach PayTrace).
    QVERIFY(merchantMagento([&](magento::MagentoApi &api, std::function<void(bool, QString)> done) {
        api.createInvoice(order->entityId, magento::InvoiceRequest{}, this, [done](const magento::Reply<qint64> &r) {
            done(r.ok(), r.ok() ? QString() : r.failure.summary());
        });
    }));
    QCOMPARE(documents(sb, u"invoice"_s, order->entityId).size(), 1);

    const QString ran = syncAndRunRules(*m_service, m_config.databasePath, u"rule:capture:"_s, 3);
    QVERIFY2(ran.isEmpty(), qPrintable(ran));

    // PayTrace captured once; Magento got a comment (its invoice was already there), no second invoice.
    QCOMPARE(ledger(sb, u"capture"_s, order->incrementId).size(), 1);
    QCOMPARE(documents(sb, u"invoice"_s, order->entityId).size(), 1);
    const auto comments = documents(sb, u"comment"_s, order->entityId);
    QCOMPARE(comments.size(), 1);
    QVERIFY(comments.first().value(u"comment"_s).toString().contains(u"capture"_s, Qt::CaseInsensitive));
    QCOMPARE(entriesFor(journal(), u"pb:payment:", order->incrementId), 1);

    secondSyncAddsNothing(order->incrementId, order->entityId);
    QCOMPARE(ledger(sb, u"capture"_s, order->incrementId).size(), 1);
}

void TestAutomationRules::creditMemoRefundsSettledPayment()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const auto order = findOrder(m_config.databasePath,
                                 u"pay_status = 'settled' AND pay_refunded = 0 AND total_refunded = 0 AND total_invoiced > 0 "
                                 "AND state IN ('processing', 'complete') AND currency = 'USD' "
                                 "AND entity_id NOT IN (SELECT order_entity_id FROM intents WHERE order_entity_id IS NOT NULL)"_s);
    QVERIFY2(order, "the generated data has no settled, invoiced order");
    QCOMPARE(ledger(sb, u"refund"_s, order->incrementId).size(), 0);

    // The merchant refunds the whole order offline in Magento (a credit memo, no gateway call).
    QVERIFY(creditMemoInMagento(order->entityId, u"Customer returned the goods"_s));
    const auto memos = documents(sb, u"creditmemo"_s, order->entityId);
    QCOMPARE(memos.size(), 1);
    const qint64 memoMinor = qint64(memos.first().value(u"amount_minor"_s).toDouble());
    QVERIFY(memoMinor > 0);

    const QString ran = syncAndRunRules(*m_service, m_config.databasePath, u"rule:creditmemo:"_s + order->incrementId + u':', 2);
    QVERIFY2(ran.isEmpty(), qPrintable(ran));

    // PayTrace refunded the credit memo's amount once; no second credit memo; one ERP refund entry.
    const auto refunds = ledger(sb, u"refund"_s, order->incrementId);
    QCOMPARE(refunds.size(), 1);
    QCOMPARE(qint64(refunds.first().value(u"amount_minor"_s).toDouble()), memoMinor);
    QCOMPARE(ledger(sb, u"void"_s, order->incrementId).size(), 0);
    QCOMPARE(documents(sb, u"creditmemo"_s, order->entityId).size(), 1);
    QCOMPARE(entriesFor(journal(), u"pb:refund:", order->incrementId), 1);

    secondSyncAddsNothing(order->incrementId, order->entityId);
    QCOMPARE(ledger(sb, u"refund"_s, order->incrementId).size(), 1);
}

void TestAutomationRules::creditMemoOnUnsettledSaleVoids()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    // A sale PayTrace has not settled yet (it waits for tonight's batch), invoiced in Magento.
    const auto order = findOrder(m_config.databasePath,
                                 u"pay_status = 'captured' AND pay_refunded = 0 AND pay_voided = 0 AND total_refunded = 0 "
                                 "AND total_invoiced > 0 AND state IN ('processing', 'complete') AND currency = 'USD' "
                                 "AND entity_id NOT IN (SELECT order_entity_id FROM intents WHERE order_entity_id IS NOT NULL)"_s);
    if (!order)
        QSKIP("the generated data has no unsettled, invoiced sale");

    QVERIFY(creditMemoInMagento(order->entityId, u"Order canceled by the customer before shipping"_s));
    QCOMPARE(documents(sb, u"creditmemo"_s, order->entityId).size(), 1);

    const QString ran = syncAndRunRules(*m_service, m_config.databasePath, u"rule:creditmemo:"_s + order->incrementId + u':', 2);
    QVERIFY2(ran.isEmpty(), qPrintable(ran));

    // Not settled: PayTrace voids the sale instead of refunding it (no 817 round trip).
    QCOMPARE(ledger(sb, u"void"_s, order->incrementId).size(), 1);
    QCOMPARE(ledger(sb, u"refund"_s, order->incrementId).size(), 0);
    QCOMPARE(entriesFor(journal(), u"pb:refund:", order->incrementId), 1);

    secondSyncAddsNothing(order->incrementId, order->entityId);
    QCOMPARE(ledger(sb, u"void"_s, order->incrementId).size(), 1);
}

void TestAutomationRules::cancelOfOpenAuthorizationVoids()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const auto order = findOrder(m_config.databasePath,
                                 u"pay_status = 'authorized' AND total_invoiced = 0 AND state IN ('new', 'processing') "
                                 "AND entity_id NOT IN (SELECT order_entity_id FROM intents WHERE order_entity_id IS NOT NULL)"_s);
    if (!order)
        QSKIP("no open authorization left");

    // The merchant cancels the order in Magento.
    QVERIFY(merchantMagento([&](magento::MagentoApi &api, std::function<void(bool, QString)> done) {
        api.cancel(order->entityId, this, [done](const magento::Reply<bool> &r) {
            done(r.ok() && *r.value, r.ok() ? u"Magento answered false"_s : r.failure.summary());
        });
    }));
    QCOMPARE(documents(sb, u"cancel"_s, order->entityId).size(), 1);

    const QString ran = syncAndRunRules(*m_service, m_config.databasePath, u"rule:cancel:"_s + order->incrementId, 1);
    QVERIFY2(ran.isEmpty(), qPrintable(ran));

    QCOMPARE(ledger(sb, u"void"_s, order->incrementId).size(), 1);
    QCOMPARE(ledger(sb, u"capture"_s, order->incrementId).size(), 0);
    // Magento already shows the cancel: PayBridge does not cancel it again.
    QCOMPARE(documents(sb, u"cancel"_s, order->entityId).size(), 1);

    secondSyncAddsNothing(order->incrementId, order->entityId);
    QCOMPARE(ledger(sb, u"void"_s, order->incrementId).size(), 1);
}

void TestAutomationRules::paymentInTheSecondRulesStartedIsActedOn()
{
    // PayTrace gives times to the second. A payment made in the second the rules started in,
    // before the moment they did, is still news to them: it was not in the history they skip.
    // A fresh profile whose rules start half a second after such a payment must act on it.
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const auto order = stageUnpaidUsdOrder(m_config.databasePath);
    QVERIFY2(order, "the generated data has no unpaid processing order left");
    const QString txn = chargeVaultedCard(*order);
    QVERIFY(!txn.isEmpty());
    const auto made = sb.paytrace().transaction(txn.toLongLong());
    QVERIFY(made);

    const QString dir = m_home.path() + u"/second-profile"_s;
    QVERIFY(QDir().mkpath(dir));
    sync::SyncConfig config = configFor(sb, dir);
    config.rulesActiveSince = QDateTime::fromSecsSinceEpoch(made->createdAt, Qt::UTC).addMSecs(500);
    sync::SyncService service(config);
    const QString ran = syncAndRunRules(service, config.databasePath, u"rule:paid:"_s + txn + u'/', 3);
    QVERIFY2(ran.isEmpty(), qPrintable(ran));
    QCOMPARE(documents(sb, u"comment"_s, order->entityId).size(), 1);
}

void TestAutomationRules::settlementFollowsTheStatusMap()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    // A sale waiting for tonight's batch on an order Magento has in processing.
    const auto order = findOrder(m_config.databasePath,
                                 u"pay_status = 'captured' AND pay_refunded = 0 AND pay_voided = 0 AND total_refunded = 0 "
                                 "AND state = 'processing' AND status <> 'payment_received' AND currency = 'USD' "
                                 "AND entity_id NOT IN (SELECT order_entity_id FROM intents WHERE order_entity_id IS NOT NULL)"_s);
    if (!order)
        QSKIP("the generated data has no unsettled sale on a processing order");

    // With the default map a settlement leaves statuses alone.
    QVERIFY(syncOnce(*m_service));
    QVERIFY(intentStates(m_config.databasePath, u"rule:status:"_s).isEmpty());

    // The admin maps "settled" to the store's custom processing status.
    QJsonObject doc = QJsonDocument::fromJson(mapping::MappingStore::defaultDocument()).object();
    QJsonObject map = doc.value(u"statusMap"_s).toObject();
    map.insert(u"settled"_s, u"payment_received"_s);
    doc.insert(u"statusMap"_s, map);
    doc.insert(u"customStatuses"_s, QJsonArray{QJsonObject{{u"code"_s, u"payment_received"_s},
                                                           {u"label"_s, u"Payment Received"_s},
                                                           {u"state"_s, u"processing"_s}}});
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"admin-writer"_s);
        QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
        mapping::MappingStore mappings(db.value());
        const auto saved = mappings.save(QJsonDocument(doc).toJson(), u"boss"_s, u"settled orders are paid"_s);
        QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().toString()));
        db.value() = QSqlDatabase();
        store::Database::close(u"admin-writer"_s);
    }

    // Tonight's batch closes; the next sync sees the payment settled and follows the map.
    QVERIFY(sb.paytrace().settleNow());
    QVERIFY(syncOnce(*m_service));
    const auto planned = intentStates(m_config.databasePath, u"rule:status:"_s);
    const QString key = u"rule:status:"_s + QString::number(order->entityId) + u":settled:payment_received"_s;
    QVERIFY2(planned.contains(key), qPrintable(describe(planned)));
    const auto states = runUntilDone(*m_service, m_config.databasePath, u"rule:status:"_s, int(planned.size()));
    QVERIFY2(std::all_of(states.cbegin(), states.cend(), [](const QString &s) { return s == u"succeeded"; }),
             qPrintable(describe(states)));
    QCOMPARE(sb.magento().orderByIncrementId(order->incrementId)->status, u"payment_received"_s);
    const auto comments = documents(sb, u"comment"_s, order->entityId);
    QCOMPARE(comments.size(), 1);
    QCOMPARE(comments.first().value(u"status_after"_s).toString(), u"payment_received"_s);
    QVERIFY2(comments.first().value(u"comment"_s).toString().contains(u"settled"_s),
             qPrintable(comments.first().value(u"comment"_s).toString()));

    // Only orders Magento would move: every planned one is in processing in the store.
    for (auto it = planned.cbegin(); it != planned.cend(); ++it) {
        const qint64 entity = it.key().section(u':', 2, 2).toLongLong();
        QCOMPARE(sb.magento().order(entity)->state, u"processing"_s);
    }
    secondSyncAddsNothing(order->incrementId, order->entityId);
}

QTEST_GUILESS_MAIN(TestAutomationRules)
#include "tst_automation_rules.moc"
