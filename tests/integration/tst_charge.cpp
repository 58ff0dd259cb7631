// Charging a card on file for an unpaid order, end to end against the in-process sandbox: the
// sale at PayTrace exactly once (also when its answer is lost), the Magento invoice, the ERP
// entries; an expired card refused before anything is sent; support above its limit waits for
// a finance approval. The vault profiles are created through the console's own path
// (SyncEngine::submitCard) with a card encrypted under the sandbox's e2ee key.
#include "access/approvalstore.h"
#include "access/limitstore.h"
#include "access/operatordirectory.h"
#include "customers/cardvault.h"
#include "erp/journalentry.h"
#include "faults.h"
#include "intents/intentjournal.h"
#include "mapping/mappingprofile.h"
#include "net/httptransport.h"
#include "paytrace/paytraceclient.h"
#include "sync/intentrunner.h"
#include "sync/operationplanner.h"
#include "sync/orderpayment.h"
#include "paytrace/cardencryptor.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/customerrepository.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "syncworld.h"
#include "testsupport.h"
#include "util/clock.h"

#include <QSqlQuery>
#include <QTest>

#include <memory>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

const QString kAdmin = u"boss"_s;
const QString kFinance = u"fin"_s;
const QString kSupport = u"sam"_s;
constexpr int kTimeoutMs = 3000;
constexpr int kSettleMs = 6000;

// A Luhn-valid test number made at run time (no card number is written in any file).
QByteArray testCardNumber(char first, int serial)
{
    QByteArray d(1, first);
    d += QByteArray::number(100000000000000LL + serial * 7919LL).right(14);
    int sum = 0;
    for (qsizetype i = 0; i < d.size(); ++i) {
        int n = d.at(d.size() - 1 - i) - '0';
        if (i % 2 == 0) {
            n *= 2;
            if (n > 9)
                n -= 9;
        }
        sum += n;
    }
    d.append(char('0' + (10 - sum % 10) % 10));
    return d;
}

} // namespace

class TestCharge : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void chargeOfUnpaidOrderSellsOnceInvoicesAndBooks();
    void lostAnswerIsFoundByTheJanitorNotChargedTwice();
    void expiredCardIsRefusedBeforeAnythingIsSent();
    void supportAboveTheLimitWaitsForFinance();
    void crashBetweenSendingAndRecordingChargesOnce();

private:
    QString unpaidOrder(qint64 maxMinor = 0);
    QString addVaultProfile(int serial);
    customers::CardOutcome submit(const customers::CardSubmission &s);
    sync::OperationRequest charge(const QString &order, const QString &vault, const QString &actor) const;
    int saleCount(const QString &order);

    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    sync::SyncConfig m_config;
    QStringList m_used;
};

void TestCharge::initTestCase()
{
    sandbox::SandboxOptions options;
    options.orders = 300;
    options.seed = 15;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_config = test::sandboxSyncConfig(*m_sandbox->sandbox(), m_home.path(), u"charge"_s, kAdmin);
    m_config.requestTimeoutMs = kTimeoutMs;
    m_config.inDoubtSettleMs = kSettleMs;
    m_service = std::make_unique<sync::SyncService>(m_config);
    QVERIFY(test::syncOnce(*m_service));
    auto db = store::Database::openWriter(m_config.databasePath, u"roles"_s);
    QVERIFY(db);
    access::OperatorDirectory dir(db.value());
    QVERIFY(dir.assignRole(kAdmin, kFinance, access::Role::Finance));
    QVERIFY(dir.assignRole(kAdmin, kSupport, access::Role::Support));
    QVERIFY(access::LimitStore(db.value()).setSupportRefundLimit(kAdmin, Money::parse(u"20.00"_s, Currency::usd()).value()));
    db.value() = QSqlDatabase();
    store::Database::close(u"roles"_s);
}

void TestCharge::cleanupTestCase()
{
    m_service.reset();
    m_sandbox.reset();
}

QString TestCharge::unpaidOrder(qint64 maxMinor)
{
    // Nothing paid, nothing at PayTrace, charged in dollars (the sandbox's unpaid orders are in
    // other currencies with a dollar base): what a phone order looks like.
    QString where = u"state IN ('new', 'pending_payment') AND total_paid = 0 AND total_invoiced = 0 AND grand_total > 0 "
                    "AND ((base_currency = 'USD' AND base_grand_total > 2000) OR (base_currency = '' AND currency = 'USD' AND grand_total > 2000)) "
                    "AND entity_id NOT IN (SELECT order_entity_id FROM order_transaction_links) "
                    "AND increment_id NOT IN (SELECT json_extract(payload, '$.order') FROM intents "
                    "                         WHERE json_extract(payload, '$.order') IS NOT NULL)"_s;
    if (maxMinor > 0)
        where += u" AND grand_total <= %1"_s.arg(maxMinor);
    if (!m_used.isEmpty())
        where += u" AND increment_id NOT IN ('%1')"_s.arg(m_used.join(u"', '"_s));
    const QString order = test::orderWhere(m_config.databasePath, where);
    if (!order.isEmpty())
        m_used << order;
    return order;
}

customers::CardOutcome TestCharge::submit(const customers::CardSubmission &s)
{
    std::optional<customers::CardOutcome> got;
    m_service->submitCard(s, this, [&got](const customers::CardOutcome &o) { got = o; });
    if (!QTest::qWaitFor([&] { return got.has_value(); }, 60000)) {
        customers::CardOutcome late;
        late.message = u"no answer in time"_s;
        return late;
    }
    return *got;
}

QString TestCharge::addVaultProfile(int serial)
{
    auto encryptor = paytrace::CardEncryptor::fromPem(m_sandbox->sandbox()->paytrace().e2eePublicKeyPem());
    if (!encryptor)
        return {};
    const QByteArray digits = testCardNumber('4', serial);
    paytrace::SensitiveText number(digits);
    paytrace::SensitiveText csc(QByteArrayView("123"));
    const int year = QDate::currentDate().year() + 2;
    auto card = encryptor->encryptCard(number, csc, 4, year);
    if (!card)
        return {};
    customers::CardSubmission s;
    s.mode = customers::CardSubmission::Mode::Create;
    s.vaultCustomerId = u"pbtest-charge-%1"_s.arg(serial);
    s.card = card.value();
    s.cardType = u"Visa"_s;
    s.last4 = QString::fromLatin1(digits.right(4));
    s.billing.name = u"Pat Example"_s;
    s.billing.street = u"1 Main St"_s;
    s.billing.city = u"Spokane"_s;
    s.billing.state = u"WA"_s;
    s.billing.zip = u"99201"_s;
    s.billing.country = u"US"_s;
    s.email = u"pat%1@example.com"_s.arg(serial);
    s.reason = u"phone order"_s;
    s.actor = kSupport;
    const customers::CardOutcome out = submit(s);
    if (out.kind != customers::CardOutcome::Kind::Saved) {
        qWarning() << "card not saved:" << out.message;
        return {};
    }
    return out.vaultCustomerId;
}

sync::OperationRequest TestCharge::charge(const QString &order, const QString &vault, const QString &actor) const
{
    sync::OperationRequest r;
    r.kind = sync::OperationKind::Charge;
    r.orderIncrementId = order;
    r.vaultCustomerId = vault;
    r.reason = u"phone order, card on file"_s;
    r.actor = actor;
    return r;
}

int TestCharge::saleCount(const QString &order)
{
    return test::paytraceLedgerCount(*m_sandbox->sandbox(), u"sale"_s, order);
}

void TestCharge::chargeOfUnpaidOrderSellsOnceInvoicesAndBooks()
{
    const QString vault = addVaultProfile(1);
    QVERIFY(!vault.isEmpty());
    const QString order = unpaidOrder();
    QVERIFY2(!order.isEmpty(), "the sandbox has no unpaid order");

    // The preview says what will happen, in words, before anything is sent.
    std::optional<Result<sync::OperationPreview>> preview;
    m_service->previewOperation(charge(order, vault, kFinance), this,
                                [&preview](const Result<sync::OperationPreview> &p) { preview = p; });
    QVERIFY(QTest::qWaitFor([&] { return preview.has_value(); }, 30000));
    QVERIFY2(preview->ok() && preview->value().allowed,
             qPrintable(preview->ok() ? preview->value().refusal : preview->error().toString()));
    QVERIFY2(preview->value().steps.first().contains(u"on card on file "_s + vault), qPrintable(preview->value().steps.first()));
    QCOMPARE(saleCount(order), 0);

    const auto out = test::runOperation(*m_service, this, charge(order, vault, kFinance));
    QVERIFY2(out.kind == sync::OperationOutcome::Kind::Succeeded, qPrintable(out.message));
    QCOMPARE(out.intents.size(), 4);
    QVERIFY(!out.gatewayRef.isEmpty());
    QCOMPARE(saleCount(order), 1);
    QCOMPARE(test::magentoDocumentCount(*m_sandbox->sandbox(), u"invoice"_s, order), 1);
    for (const auto &i : out.intents)
        QCOMPARE(i.state, intents::IntentState::Succeeded);
    QCOMPARE(out.intents.at(2).resultRef, u"pb:sale:"_s + order);
    QCOMPARE(out.intents.at(3).resultRef, u"pb:payment:"_s + order + u':' + out.gatewayRef);

    // Asked again, the order owes nothing: refused, and still one sale.
    const auto again = test::runOperation(*m_service, this, charge(order, vault, kFinance));
    QCOMPARE(again.kind, sync::OperationOutcome::Kind::Refused);
    QCOMPARE(saleCount(order), 1);
}

void TestCharge::lostAnswerIsFoundByTheJanitorNotChargedTwice()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString vault = addVaultProfile(2);
    QVERIFY(!vault.isEmpty());
    const QString order = unpaidOrder();
    QVERIFY(!order.isEmpty());
    // PayTrace carries the sale out, then the connection breaks before the answer.
    sandbox::FaultRule rule;
    rule.path = u"/paytrace/v1/transactions/sale/by_customer"_s;
    rule.method = u"POST"_s;
    rule.kind = sandbox::FaultKind::ResetAfter;
    rule.times = 1;
    sb.faults().add(rule);

    const auto out = test::runOperation(*m_service, this, charge(order, vault, kFinance));
    QCOMPARE(sync::outcomeKindName(out.kind), u"in_doubt"_s);
    QCOMPARE(saleCount(order), 1);

    auto db = store::Database::openReader(m_config.databasePath, u"watch"_s);
    QVERIFY(db);
    {
        intents::IntentJournal journal(db.value(), SystemClock::instance());
        QVERIFY(test::runIntentsUntilSucceeded(*m_service, journal, out.intents, 90000, 200));
        const auto sale = journal.get(out.intents.first().id);
        QVERIFY(sale);
        QCOMPARE(sale->attempts, 1); // never sent again
        QVERIFY(!sale->resultRef.isEmpty());
        const auto attempts = journal.attempts(sale->id);
        QVERIFY(attempts);
        bool found = false;
        for (const auto &a : attempts.value())
            found = found || (a.action == u"lookup" && a.outcome == u"found");
        QVERIFY2(found, "the janitor did not find the sale in PayTrace's export");
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"watch"_s);
    sb.faults().clear();
    QCOMPARE(saleCount(order), 1);
    QCOMPARE(test::magentoDocumentCount(sb, u"invoice"_s, order), 1);
}

void TestCharge::expiredCardIsRefusedBeforeAnythingIsSent()
{
    const QString order = unpaidOrder();
    QVERIFY(!order.isEmpty());
    // A profile whose card ran out last year, as a customer sync would have stored it.
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"expired"_s);
        QVERIFY(db);
        VaultProfileRecord v;
        v.customerId = u"pbtest-expired"_s;
        v.cardType = u"Visa"_s;
        v.cardLast4 = u"0002"_s;
        v.expMonth = 1;
        v.expYear = QDate::currentDate().year() - 1;
        QVERIFY(store::CustomerRepository(db.value()).upsertVaultProfiles({v}, QDateTime::currentDateTimeUtc()));
        db.value() = QSqlDatabase();
        store::Database::close(u"expired"_s);
    }
    const auto out = test::runOperation(*m_service, this, charge(order, u"pbtest-expired"_s, kFinance));
    QCOMPARE(out.kind, sync::OperationOutcome::Kind::Refused);
    QCOMPARE(out.errorCode, u"invariant.card_expired"_s);
    QVERIFY2(out.message.contains(u"expired"_s), qPrintable(out.message));
    QVERIFY(out.intents.isEmpty());
    QCOMPARE(saleCount(order), 0);
}

void TestCharge::supportAboveTheLimitWaitsForFinance()
{
    const QString vault = addVaultProfile(3);
    QVERIFY(!vault.isEmpty());
    // Above support's USD 20.00 limit.
    const QString order = unpaidOrder();
    QVERIFY(!order.isEmpty());
    const auto asked = test::runOperation(*m_service, this, charge(order, vault, kSupport));
    QCOMPARE(asked.kind, sync::OperationOutcome::Kind::AwaitingApproval);
    QVERIFY(asked.approvalId.has_value());
    QCOMPARE(saleCount(order), 0);
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"approve"_s);
        QVERIFY(db);
        access::ApprovalStore approvals(db.value());
        QVERIFY(!approvals.approve(*asked.approvalId, kSupport)); // not by the one who asked
        QVERIFY(approvals.approve(*asked.approvalId, kFinance));
        db.value() = QSqlDatabase();
        store::Database::close(u"approve"_s);
    }
    sync::OperationRequest go = charge(order, vault, kSupport);
    go.approvalId = asked.approvalId;
    const auto out = test::runOperation(*m_service, this, go);
    QVERIFY2(out.kind == sync::OperationOutcome::Kind::Succeeded, qPrintable(out.message));
    QCOMPARE(saleCount(order), 1);
}

void TestCharge::crashBetweenSendingAndRecordingChargesOnce()
{
    // A process planned the charge, committed `sending`, its sale reached PayTrace, and it died
    // before recording the answer. The next runner recovers the intent as in doubt, the janitor
    // finds the sale by its reference token, and the chain goes on: one sale.
    const QString vault = addVaultProfile(4);
    QVERIFY(!vault.isEmpty());
    const QString order = unpaidOrder();
    QVERIFY(!order.isEmpty());
    m_service.reset(); // the engine of this test stops; the "crashed" process takes its place

    QList<intents::Intent> chain;
    QString keyRoot;
    Money amount;
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"crashed"_s);
        QVERIFY(db);
        auto payment = sync::loadOrderPayment(db.value(), order);
        QVERIFY(payment);
        sync::PlanOptions options;
        options.vault = store::CustomerRepository(db.value()).vaultProfile(vault).value();
        const sync::PlannedChain planned = sync::OperationPlanner::plan(
            payment.value(), charge(order, vault, kFinance), mapping::MappingProfile::defaults(),
            QDateTime::currentDateTimeUtc(), options);
        QVERIFY2(planned.preview.allowed, qPrintable(planned.preview.refusal));
        keyRoot = planned.requests.first().naturalKey;
        amount = planned.preview.amount;
        // Its clock says its claim on the send ran out long ago: its process is gone.
        ManualClock past(QDateTime::currentDateTimeUtc().addSecs(-600));
        intents::IntentJournal journal(db.value(), past);
        journal.setOwner(u"crashed-host:999999:1"_s, 1000);
        auto all = journal.planAll(planned.requests, true);
        QVERIFY2(all, qPrintable(all ? QString() : all.error().toString()));
        for (const auto &r : all.value())
            chain << r.intent;
        QVERIFY(journal.markSending(chain.first().id, u"crashed-request"_s));
        db.value() = QSqlDatabase();
    }
    store::Database::close(u"crashed"_s);

    // The request it sent, carried out at PayTrace.
    {
        net::HttpTransport transport;
        paytrace::PayTraceConfig pc;
        pc.baseUrl = QUrl(m_config.paytraceUrl);
        pc.username = m_config.secrets.value(u"paytrace.username"_s);
        pc.password = m_config.secrets.value(u"paytrace.password"_s);
        paytrace::PayTraceClient client(&transport, pc);
        paytrace::CustomerPaymentRequest r;
        r.customerId = vault;
        r.amount = amount;
        r.invoiceId = order;
        r.description = sync::IntentRunner::referenceToken(keyRoot);
        std::optional<bool> approved;
        client.saleByCustomer(r, this, [&approved](const paytrace::Outcome &o) { approved = o.ok(); });
        QVERIFY(QTest::qWaitFor([&] { return approved.has_value(); }, 30000));
        QVERIFY(*approved);
    }
    QCOMPARE(saleCount(order), 1);

    m_service = std::make_unique<sync::SyncService>(m_config);
    auto db = store::Database::openReader(m_config.databasePath, u"watch"_s);
    QVERIFY(db);
    {
        intents::IntentJournal journal(db.value(), SystemClock::instance());
        QVERIFY(test::runIntentsUntilSucceeded(*m_service, journal, chain, 90000, 200));
        const auto sale = journal.get(chain.first().id);
        QVERIFY(sale);
        QCOMPARE(sale->attempts, 1);
        QVERIFY(!sale->resultRef.isEmpty());
        const auto attempts = journal.attempts(sale->id);
        QVERIFY(attempts);
        bool recovered = false;
        bool found = false;
        for (const auto &at : attempts.value()) {
            recovered = recovered || at.toState == u"in_doubt";
            found = found || (at.action == u"lookup" && at.outcome == u"found");
        }
        QVERIFY2(recovered && found, "the interrupted send was not recovered and looked up");
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"watch"_s);
    QCOMPARE(saleCount(order), 1);
    QCOMPARE(test::magentoDocumentCount(*m_sandbox->sandbox(), u"invoice"_s, order), 1);
}

QTEST_GUILESS_MAIN(TestCharge)
#include "tst_charge.moc"
