// The intent path end to end: a person's capture, void and refund through the real
// SyncService (engine thread, real HTTP, real SQLite, the real ledger journal) against the
// sandbox, checked against the sandbox's own ledgers. Faults that lose an answer after the
// effect, and a crash between "sending" and the answer, must still end in exactly one effect.
#include "access/approvalstore.h"
#include "access/limitstore.h"
#include "access/operatordirectory.h"
#include "erp/ledgerfilesink.h"
#include "faults.h"
#include "intents/intentjournal.h"
#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "syncworld.h"
#include "testsupport.h"
#include "util/clock.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

constexpr auto kFinance = "fin";
constexpr auto kSupport = "sup";
constexpr auto kAdmin = "boss";

sync::SyncConfig configFor(const sandbox::Sandbox &sb, const QString &dir)
{
    return test::sandboxSyncConfig(sb, dir, u"intents"_s, QString::fromLatin1(kAdmin));
}

using test::orderWhere;
using test::syncOnce;

sync::OperationRequest request(sync::OperationKind kind, const QString &order, std::optional<QString> amount = {},
                               const char *actor = kFinance)
{
    sync::OperationRequest r;
    r.kind = kind;
    r.orderIncrementId = order;
    if (amount)
        r.amount = Money::parse(*amount, *Currency::fromCode(u"USD")).value();
    r.reason = u"customer called"_s;
    r.actor = QString::fromLatin1(actor);
    return r;
}

} // namespace

class TestIntentRunner : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void refundOfSettledPaymentHappensOnceEverywhere();
    void refundBeyondCapturedIsRefusedAndNothingIsSent();
    void captureInvoicesWithoutCapture();
    void voidOfUnsettledPaymentCancelsOrder();
    void lostAnswerIsLookedUpNotResent_data();
    void lostAnswerIsLookedUpNotResent();
    void resetBeforeTheEffectIsSentAgainOnce();
    void crashWhileSendingIsRecoveredAsInDoubt();
    void supportAboveLimitWaitsForFinance();

private:
    void grantRoles();

    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    sync::SyncConfig m_config;
};

void TestIntentRunner::initTestCase()
{
    sandbox::SandboxOptions options;
    options.orders = 300;
    options.seed = 11;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_config = configFor(*m_sandbox->sandbox(), m_home.path());
    m_service = std::make_unique<sync::SyncService>(m_config);
    QVERIFY(syncOnce(*m_service));
    grantRoles();
}

void TestIntentRunner::cleanupTestCase()
{
    m_service.reset();
    m_sandbox.reset();
}

void TestIntentRunner::grantRoles()
{
    auto db = store::Database::openWriter(m_config.databasePath, u"roles"_s);
    QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
    {
        access::OperatorDirectory dir(db.value());
        const QString admin = QString::fromLatin1(kAdmin);
        QVERIFY(dir.assignRole(admin, QString::fromLatin1(kFinance), access::Role::Finance));
        QVERIFY(dir.assignRole(admin, QString::fromLatin1(kSupport), access::Role::Support));
        QVERIFY(access::LimitStore(db.value())
                    .setSupportRefundLimit(admin, Money::parse(u"10.00", *Currency::fromCode(u"USD")).value()));
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"roles"_s);
}

void TestIntentRunner::refundOfSettledPaymentHappensOnceEverywhere()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = orderWhere(m_config.databasePath,
                                     u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured > 1000 AND total_invoiced > 0"_s);
    QVERIFY(!order.isEmpty());
    const int refundsBefore = test::paytraceLedgerCount(sb, u"refund"_s, order);
    const int memosBefore = test::magentoDocumentCount(sb, u"creditmemo"_s, order);

    const auto out = test::runOperation(*m_service, this, request(sync::OperationKind::Refund, order, u"5.00"_s));
    QCOMPARE(sync::outcomeKindName(out.kind), u"succeeded"_s);
    QCOMPARE(out.intents.size(), 3);
    QVERIFY(!out.gatewayRef.isEmpty());
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), refundsBefore + 1);
    QCOMPARE(test::magentoDocumentCount(sb, u"creditmemo"_s, order), memosBefore + 1);

    erp::LedgerFileSink journal(m_config.journalPath);
    auto held = journal.readAll();
    QVERIFY(held);
    bool found = false;
    for (const auto &e : held.value())
        found = found || (e.externalRef.contains(order) && e.externalRef.contains(out.gatewayRef));
    QVERIFY2(found, "the ERP refund entry carries the order and the PayTrace refund id");
}

void TestIntentRunner::refundBeyondCapturedIsRefusedAndNothingIsSent()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = orderWhere(m_config.databasePath, u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured < 100000"_s);
    QVERIFY(!order.isEmpty());
    const int before = test::paytraceLedgerCount(sb, u"refund"_s, order);
    const auto out = test::runOperation(*m_service, this, request(sync::OperationKind::Refund, order, u"1000.00"_s));
    QCOMPARE(sync::outcomeKindName(out.kind), u"refused"_s);
    QVERIFY2(out.errorCode.startsWith(u"invariant."), qPrintable(out.errorCode));
    QVERIFY2(out.message.contains(u"left to refund"), qPrintable(out.message));
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), before);
}

void TestIntentRunner::captureInvoicesWithoutCapture()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = orderWhere(m_config.databasePath, u"pay_status = 'authorized' AND total_invoiced = 0 AND state IN ('new', 'processing')"_s);
    if (order.isEmpty())
        QSKIP("the generated data has no open authorization");
    const auto out = test::runOperation(*m_service, this, request(sync::OperationKind::Capture, order));
    QCOMPARE(sync::outcomeKindName(out.kind), u"succeeded"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"capture"_s, order), 1);
    int invoices = 0;
    for (const auto &d : sb.magento().documents()) {
        if (d.kind == u"invoice" && d.orderIncrementId == order) {
            ++invoices;
            QVERIFY(!d.captureRequested);
            QVERIFY(!d.capturedOnlineByMagento);
        }
    }
    QCOMPARE(invoices, 1);
    // Captured: a second full capture is refused by the invariants (pending capture counted).
    const auto again = test::runOperation(*m_service, this, request(sync::OperationKind::Capture, order, u"1.00"_s));
    QCOMPARE(sync::outcomeKindName(again.kind), u"refused"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"capture"_s, order), 1);
}

void TestIntentRunner::voidOfUnsettledPaymentCancelsOrder()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = orderWhere(m_config.databasePath,
                                     u"pay_status = 'authorized' AND total_invoiced = 0 AND state IN ('new', 'processing', 'pending_payment') "
                                       "AND entity_id NOT IN (SELECT order_entity_id FROM intents WHERE order_entity_id IS NOT NULL)"_s);
    if (order.isEmpty())
        QSKIP("no open authorization left");
    const auto out = test::runOperation(*m_service, this, request(sync::OperationKind::Void, order));
    QCOMPARE(sync::outcomeKindName(out.kind), u"succeeded"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"void"_s, order), 1);
    QCOMPARE(test::magentoDocumentCount(sb, u"cancel"_s, order), 1);
    const auto twice = test::runOperation(*m_service, this, request(sync::OperationKind::Void, order));
    QCOMPARE(sync::outcomeKindName(twice.kind), u"refused"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"void"_s, order), 1);
}

void TestIntentRunner::lostAnswerIsLookedUpNotResent_data()
{
    QTest::addColumn<sandbox::FaultKind>("fault");
    // Half an answer; or no answer at all, where Qt on its own would send the request again.
    QTest::newRow("truncated answer") << sandbox::FaultKind::Truncate;
    QTest::newRow("reset after the effect") << sandbox::FaultKind::ResetAfter;
}

void TestIntentRunner::lostAnswerIsLookedUpNotResent()
{
    QFETCH(sandbox::FaultKind, fault);
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = orderWhere(m_config.databasePath,
                                     u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured > 1000 AND total_invoiced > 0 AND increment_id NOT IN (SELECT json_extract(payload, '$.order') FROM intents WHERE json_extract(payload, '$.order') IS NOT NULL)"_s);
    QVERIFY(!order.isEmpty());
    const int before = test::paytraceLedgerCount(sb, u"refund"_s, order);
    // The refund is made, then its answer is lost: PayBridge cannot know it happened.
    sandbox::FaultRule rule;
    rule.path = u"/paytrace/v1/transactions/refund/*"_s;
    rule.method = u"POST"_s;
    rule.kind = fault;
    rule.times = 1;
    sb.faults().add(rule);

    const auto out = test::runOperation(*m_service, this, request(sync::OperationKind::Refund, order, u"3.00"_s));
    sb.faults().clear();
    QCOMPARE(sync::outcomeKindName(out.kind), u"in_doubt"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), before + 1);

    // The janitor finds the refund in PayTrace's export and the chain goes on.
    const qint64 first = out.intents.first().id;
    auto db = store::Database::openReader(m_config.databasePath, u"watch"_s);
    QVERIFY(db);
    intents::IntentJournal journal(db.value(), SystemClock::instance());
    const bool allDone = test::runIntentsUntilSucceeded(*m_service, journal, out.intents, 60000, 200);
    auto refund = journal.get(first);
    QVERIFY(refund);
    QCOMPARE(intents::stateName(refund->state), u"succeeded"_s);
    QVERIFY(!refund->resultRef.isEmpty());
    QVERIFY(allDone);
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), before + 1);
    QCOMPARE(test::magentoDocumentCount(sb, u"creditmemo"_s, order), 1);
    db.value() = QSqlDatabase();
    store::Database::close(u"watch"_s);
}

void TestIntentRunner::resetBeforeTheEffectIsSentAgainOnce()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = orderWhere(m_config.databasePath,
                                     u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured > 1000 AND total_invoiced > 0 AND increment_id NOT IN (SELECT json_extract(payload, '$.order') FROM intents WHERE json_extract(payload, '$.order') IS NOT NULL)"_s);
    QVERIFY(!order.isEmpty());
    const int before = test::paytraceLedgerCount(sb, u"refund"_s, order);
    // The connection is reset before the sandbox acts: nothing happened.
    sandbox::FaultRule rule;
    rule.path = u"/paytrace/v1/transactions/refund/*"_s;
    rule.method = u"POST"_s;
    rule.kind = sandbox::FaultKind::Reset;
    rule.times = 1;
    sb.faults().add(rule);
    const auto out = test::runOperation(*m_service, this, request(sync::OperationKind::Refund, order, u"2.00"_s));
    sb.faults().clear();
    QVERIFY2(out.kind == sync::OperationOutcome::Kind::InDoubt || out.kind == sync::OperationOutcome::Kind::Queued
                 || out.kind == sync::OperationOutcome::Kind::Succeeded,
             qPrintable(sync::outcomeKindName(out.kind) + u": "_s + out.message));

    auto db = store::Database::openReader(m_config.databasePath, u"watch2"_s);
    QVERIFY(db);
    intents::IntentJournal journal(db.value(), SystemClock::instance());
    QVERIFY(test::runIntentsUntilSucceeded(*m_service, journal, out.intents, 90000, 250));
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), before + 1);
    QCOMPARE(test::magentoDocumentCount(sb, u"creditmemo"_s, order), 1);
    db.value() = QSqlDatabase();
    store::Database::close(u"watch2"_s);
}

void TestIntentRunner::crashWhileSendingIsRecoveredAsInDoubt()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = orderWhere(m_config.databasePath,
                                     u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured > 1000 AND total_invoiced > 0 AND increment_id NOT IN (SELECT json_extract(payload, '$.order') FROM intents WHERE json_extract(payload, '$.order') IS NOT NULL)"_s);
    QVERIFY(!order.isEmpty());
    const int before = test::paytraceLedgerCount(sb, u"refund"_s, order);

    // Plan only, then play the crash: the refund is marked `sending` and the process dies.
    auto planReq = request(sync::OperationKind::Refund, order, u"4.00"_s);
    planReq.planOnly = true;
    const auto planned = test::runOperation(*m_service, this, planReq);
    QCOMPARE(sync::outcomeKindName(planned.kind), u"queued"_s);
    m_service.reset(); // the engine stops
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"crash"_s);
        QVERIFY(db);
        intents::IntentJournal journal(db.value(), SystemClock::instance());
        QVERIFY(journal.markSending(planned.intents.first().id, u"crashed-request"_s));
        db.value() = QSqlDatabase();
        store::Database::close(u"crash"_s);
    }
    // Restart: recovery makes it in doubt, the janitor finds no refund, it is sent once.
    m_service = std::make_unique<sync::SyncService>(m_config);
    auto db = store::Database::openReader(m_config.databasePath, u"watch3"_s);
    QVERIFY(db);
    intents::IntentJournal journal(db.value(), SystemClock::instance());
    QVERIFY(test::runIntentsUntilSucceeded(*m_service, journal, planned.intents, 90000, 250));
    auto attempts = journal.attempts(planned.intents.first().id);
    QVERIFY(attempts);
    bool looked = false;
    for (const auto &a : attempts.value())
        looked = looked || a.action == u"lookup";
    QVERIFY2(looked, "the janitor looked the refund up before sending it again");
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), before + 1);
    QCOMPARE(test::magentoDocumentCount(sb, u"creditmemo"_s, order), 1);
    db.value() = QSqlDatabase();
    store::Database::close(u"watch3"_s);
}

void TestIntentRunner::supportAboveLimitWaitsForFinance()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = orderWhere(m_config.databasePath,
                                     u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured > 5000 AND total_invoiced > 0 AND increment_id NOT IN (SELECT json_extract(payload, '$.order') FROM intents WHERE json_extract(payload, '$.order') IS NOT NULL)"_s);
    QVERIFY(!order.isEmpty());
    const int before = test::paytraceLedgerCount(sb, u"refund"_s, order);
    const auto asked = test::runOperation(*m_service, this, request(sync::OperationKind::Refund, order, u"25.00"_s, kSupport));
    QCOMPARE(sync::outcomeKindName(asked.kind), u"awaiting_approval"_s);
    QVERIFY(asked.approvalId.has_value());
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), before);

    {
        auto db = store::Database::openWriter(m_config.databasePath, u"approve"_s);
        QVERIFY(db);
        access::ApprovalStore approvals(db.value());
        QCOMPARE(approvals.approve(*asked.approvalId, QString::fromLatin1(kSupport)).error().code,
                 u"access.self_approval"_s);
        QVERIFY(approvals.approve(*asked.approvalId, QString::fromLatin1(kFinance)));
        db.value() = QSqlDatabase();
        store::Database::close(u"approve"_s);
    }
    auto go = request(sync::OperationKind::Refund, order, u"25.00"_s, kSupport);
    go.approvalId = asked.approvalId;
    const auto done = test::runOperation(*m_service, this, go);
    QCOMPARE(sync::outcomeKindName(done.kind), u"succeeded"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), before + 1);
}

QTEST_GUILESS_MAIN(TestIntentRunner)
#include "tst_intent_runner.moc"
