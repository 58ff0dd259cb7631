// Exactly once under real conditions, in one process against the in-process sandbox: a gateway
// that carries a refund out after its request timed out, a sync cancelled while a refund is in
// flight, a store that refuses to record an answer for a while, and two refunds of one order
// asked for at the same moment. Each case is checked against the sandbox's own books.
#include "faults.h"
#include "net/httptransport.h"
#include "paytrace/paytraceclient.h"
#include "sync/connectionconfig.h"
#include "intents/intentjournal.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "syncworld.h"
#include "testsupport.h"
#include "util/clock.h"

#include "access/operatordirectory.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <memory>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

const QString kFinance = u"fin"_s;
const QString kAdmin = u"boss"_s;
// Short enough for a test, with the settle window at its floor of twice the timeout.
constexpr int kTimeoutMs = 3000;
constexpr int kSettleMs = 6000;

sync::OperationRequest refund(const QString &order, const QString &amount)
{
    sync::OperationRequest r;
    r.kind = sync::OperationKind::Refund;
    r.orderIncrementId = order;
    r.amount = Money::parse(amount, Currency::usd()).value();
    r.reason = u"customer returned it"_s;
    r.actor = kFinance;
    return r;
}

// One fault on the next refund PayTrace receives.
sandbox::FaultRule onNextRefund(sandbox::FaultKind kind)
{
    sandbox::FaultRule rule;
    rule.path = u"/paytrace/v1/transactions/refund/*"_s;
    rule.method = u"POST"_s;
    rule.kind = kind;
    rule.times = 1;
    return rule;
}

} // namespace

class TestExactlyOnce : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void refundCarriedOutAfterTheTimeoutIsFoundNotSentAgain();
    void cancelledSyncLetsARefundInFlightFinish();
    void answerTheStoreRefusedIsRecordedLater();
    void twoRefundsAtOnceAreTwoRefunds();
    void refundMadeInTheTerminalIsNotClaimed();

private:
    QString freshSettledOrder(qint64 minCapturedMinor);
    intents::Intent intentById(qint64 id);

    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    sync::SyncConfig m_config;
    QStringList m_used;
};

void TestExactlyOnce::initTestCase()
{
    sandbox::SandboxOptions options;
    options.orders = 300;
    options.seed = 12;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_config = test::sandboxSyncConfig(*m_sandbox->sandbox(), m_home.path(), u"once"_s, kAdmin);
    m_config.requestTimeoutMs = kTimeoutMs;
    m_config.inDoubtSettleMs = kSettleMs;
    m_service = std::make_unique<sync::SyncService>(m_config);
    QVERIFY(test::syncOnce(*m_service));
    auto db = store::Database::openWriter(m_config.databasePath, u"roles"_s);
    QVERIFY(db);
    QVERIFY(access::OperatorDirectory(db.value()).assignRole(kAdmin, kFinance, access::Role::Finance));
    db.value() = QSqlDatabase();
    store::Database::close(u"roles"_s);
}

void TestExactlyOnce::cleanupTestCase()
{
    m_service.reset();
    m_sandbox.reset();
}

QString TestExactlyOnce::freshSettledOrder(qint64 minCapturedMinor)
{
    QString where = u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured > %1 AND total_invoiced > 0 "
                    "AND state IN ('processing', 'complete') "
                    "AND increment_id NOT IN (SELECT json_extract(payload, '$.order') FROM intents WHERE json_extract(payload, '$.order') IS NOT NULL) "
                    // The ledger is counted by invoice: not an order paid under a mistyped one.
                    "AND entity_id NOT IN (SELECT order_entity_id FROM order_transaction_links WHERE rule LIKE 'fallback:%')"_s
                        .arg(minCapturedMinor);
    if (!m_used.isEmpty())
        where += u" AND increment_id NOT IN ('%1')"_s.arg(m_used.join(u"', '"_s));
    const QString order = test::orderWhere(m_config.databasePath, where);
    if (!order.isEmpty())
        m_used << order;
    return order;
}

intents::Intent TestExactlyOnce::intentById(qint64 id)
{
    auto db = store::Database::openReader(m_config.databasePath, u"probe"_s);
    intents::Intent out;
    if (db) {
        intents::IntentJournal journal(db.value(), SystemClock::instance());
        if (auto i = journal.get(id); i)
            out = i.value();
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"probe"_s);
    return out;
}

void TestExactlyOnce::refundCarriedOutAfterTheTimeoutIsFoundNotSentAgain()
{
    // PayTrace times out, but carries the refund out 4.5 s after it arrived: the janitor must not
    // conclude "did not happen" before the settle window, and then finds the refund.
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = freshSettledOrder(1000);
    QVERIFY(!order.isEmpty());
    sandbox::FaultRule rule = onNextRefund(sandbox::FaultKind::LateEffect);
    rule.delayMs = 4500;
    sb.faults().add(rule);

    QElapsedTimer clock;
    clock.start();
    const auto out = test::runOperation(*m_service, this, refund(order, u"1.00"_s));
    QCOMPARE(sync::outcomeKindName(out.kind), u"in_doubt"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), 0); // not yet: the gateway is slow

    auto db = store::Database::openReader(m_config.databasePath, u"watch"_s);
    QVERIFY(db);
    {
        intents::IntentJournal journal(db.value(), SystemClock::instance());
        QVERIFY(test::runIntentsUntilSucceeded(*m_service, journal, out.intents, 60000, 200));
        const auto first = journal.get(out.intents.first().id);
        QVERIFY(first);
        QCOMPARE(first->attempts, 1); // sent once
        QVERIFY(!first->resultRef.isEmpty());
        // It waited, visibly: a "not found yet" lookup before the one that found it.
        const auto attempts = journal.attempts(first->id);
        QVERIFY(attempts);
        bool waited = false;
        for (const auto &a : attempts.value())
            waited = waited || (a.action == u"lookup" && a.outcome == u"not_found_yet");
        QVERIFY2(waited, "the first lookup, before the effect landed, did not conclude");
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"watch"_s);
    sb.faults().clear();
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), 1);
    QCOMPARE(test::magentoDocumentCount(sb, u"creditmemo"_s, order), 1);
    QVERIFY(clock.elapsed() >= 4500);
}

void TestExactlyOnce::cancelledSyncLetsARefundInFlightFinish()
{
    // Cancel sync stops reads; a refund being sent beside it gets its answer.
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = freshSettledOrder(1000);
    QVERIFY(!order.isEmpty());
    sandbox::FaultRule slow = onNextRefund(sandbox::FaultKind::Latency);
    slow.latencyMs = 1200; // well under the request timeout: the answer comes
    sb.faults().add(slow);
    // Reads slow enough that the sync is still reading (and reaches a checkpoint where it sees
    // the cancel) while the refund waits for its answer.
    sandbox::FaultRule slowReads;
    slowReads.path = u"/magento/*"_s;
    slowReads.method = u"GET"_s;
    slowReads.kind = sandbox::FaultKind::Latency;
    slowReads.latencyMs = 300;
    sb.faults().add(slowReads);
    sandbox::FaultRule slowExports = slowReads;
    slowExports.path = u"/paytrace/v1/transactions/export/*"_s;
    slowExports.method = u"POST"_s;
    sb.faults().add(slowExports);

    std::optional<sync::OperationOutcome> outcome;
    m_service->requestOperation(refund(order, u"2.00"_s), this,
                                [&](const sync::OperationOutcome &o) { outcome = o; });
    QSignalSpy failed(m_service.get(), &sync::SyncService::failed);
    QTest::qWait(200); // the refund is on the wire
    m_service->syncNow();
    QTest::qWait(250); // the sync's first read arrives just after the cancel
    m_service->cancel();
    QVERIFY(QTest::qWaitFor([&] { return outcome.has_value(); }, 30000));
    sb.faults().clear();
    QVERIFY(QTest::qWaitFor([&] { return !failed.isEmpty(); }, 30000));
    QCOMPARE(failed.first().first().value<Error>().code, u"sync.cancelled"_s);
    QCOMPARE(sync::outcomeKindName(outcome->kind), u"succeeded"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), 1);
    QCOMPARE(intents::stateName(intentById(outcome->intents.first().id).state), u"succeeded"_s);
}

void TestExactlyOnce::answerTheStoreRefusedIsRecordedLater()
{
    // The refund's answer arrives while another process holds the store's write lock longer
    // than the busy timeout: the answer is kept and recorded once the lock is gone.
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = freshSettledOrder(1000);
    QVERIFY(!order.isEmpty());
    sandbox::FaultRule slow = onNextRefund(sandbox::FaultKind::Latency);
    slow.latencyMs = 1000;
    sb.faults().add(slow);

    auto locker = store::Database::openWriter(m_config.databasePath, u"locker"_s);
    QVERIFY(locker);
    std::optional<sync::OperationOutcome> outcome;
    m_service->requestOperation(refund(order, u"3.00"_s), this,
                                [&](const sync::OperationOutcome &o) { outcome = o; });
    // As soon as the refund is `sending`, take the write lock and keep it past the busy timeout.
    const auto sending = [&] {
        QSqlQuery q(locker.value());
        return q.exec(u"SELECT COUNT(*) FROM intents WHERE state = 'sending' AND json_extract(payload, '$.order') = '%1'"_s.arg(order))
            && q.next() && q.value(0).toInt() == 1;
    };
    QVERIFY(QTest::qWaitFor(sending, 10000));
    QSqlQuery lock(locker.value());
    QVERIFY2(lock.exec(u"BEGIN EXCLUSIVE"_s), qPrintable(lock.lastError().text()));
    QTest::qWait(store::Database::kBusyTimeoutMs + 2500);
    QVERIFY(!outcome.has_value() || outcome->kind != sync::OperationOutcome::Kind::Succeeded);
    QVERIFY(lock.exec(u"COMMIT"_s));
    locker.value() = QSqlDatabase();
    store::Database::close(u"locker"_s);
    sb.faults().clear();

    QVERIFY(QTest::qWaitFor([&] { return outcome.has_value(); }, 60000));
    QCOMPARE(sync::outcomeKindName(outcome->kind), u"succeeded"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), 1);
    const auto recorded = intentById(outcome->intents.first().id);
    QCOMPARE(intents::stateName(recorded.state), u"succeeded"_s);
    QCOMPARE(recorded.attempts, 1);
}

void TestExactlyOnce::twoRefundsAtOnceAreTwoRefunds()
{
    // Two services on one store (the console and the command line): 10.00 and 20.00 asked for
    // at the same moment on one order become two refunds, or one is refused with a reason.
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = freshSettledOrder(4000);
    QVERIFY(!order.isEmpty());
    sync::SyncConfig otherConfig = m_config;
    otherConfig.program = u"second"_s;
    sync::SyncService other(otherConfig);

    std::optional<sync::OperationOutcome> ten, twenty;
    m_service->requestOperation(refund(order, u"10.00"_s), this, [&](const sync::OperationOutcome &o) { ten = o; });
    other.requestOperation(refund(order, u"20.00"_s), this, [&](const sync::OperationOutcome &o) { twenty = o; });
    QVERIFY(QTest::qWaitFor([&] { return ten.has_value() && twenty.has_value(); }, 90000));
    QCOMPARE(sync::outcomeKindName(ten->kind), u"succeeded"_s);
    QCOMPARE(sync::outcomeKindName(twenty->kind), u"succeeded"_s);
    QVERIFY(ten->gatewayRef != twenty->gatewayRef);
    qint64 refunded = 0;
    for (const auto &e : sb.paytrace().ledger()) {
        if (e.operation == u"refund" && e.invoiceId == order)
            refunded += e.amount;
    }
    QCOMPARE(refunded, 3000);
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), 2);
    QCOMPARE(test::magentoDocumentCount(sb, u"creditmemo"_s, order), 2);
}

void TestExactlyOnce::refundMadeInTheTerminalIsNotClaimed()
{
    // Someone refunds 1.00 in PayTrace's terminal; then PayBridge's refund of 1.00 on the same
    // order loses its connection before PayTrace acts. The export shows one refund of 1.00 for
    // the invoice, made before PayBridge's send: it could be someone else's, so a person
    // decides; it must never be taken as PayBridge's own.
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const QString order = freshSettledOrder(1000);
    QVERIFY(!order.isEmpty());
    QString sale;
    {
        auto db = store::Database::openReader(m_config.databasePath, u"sale"_s);
        QVERIFY(db);
        QSqlQuery q(db.value());
        QVERIFY(q.exec(u"SELECT t.transaction_id FROM gateway_transactions t JOIN order_transaction_links l "
                       "ON l.transaction_id = t.transaction_id JOIN orders o ON o.entity_id = l.order_entity_id "
                       "WHERE o.increment_id = '%1' AND t.type IN ('sale', 'authorization') AND t.status = 'settled'"_s.arg(order)));
        QVERIFY(q.next());
        sale = q.value(0).toString();
        db.value() = QSqlDatabase();
        store::Database::close(u"sale"_s);
    }
    // The terminal: another PayTrace client on the same account.
    auto ptConfig = sync::paytraceConfigFor(m_config);
    QVERIFY(ptConfig);
    net::HttpTransport transport;
    paytrace::PayTraceClient terminal(&transport, ptConfig.value());
    paytrace::RefundRequest byHand;
    byHand.transactionId = sale;
    byHand.amount = Money::parse(u"1.00", Currency::usd()).value();
    std::optional<paytrace::Outcome> done;
    terminal.refundForTransaction(byHand, this, [&](const paytrace::Outcome &o) { done = o; });
    QVERIFY(QTest::qWaitFor([&] { return done.has_value(); }, 30000));
    QVERIFY2(done->ok(), qPrintable(done->summary()));
    const QString terminalRefund = done->response.transactionId;
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), 1);
    // A few seconds later: more than PayTrace's whole seconds and a little clock skew explain.
    QTest::qWait(6500);

    sb.faults().add(onNextRefund(sandbox::FaultKind::Reset));
    const auto out = test::runOperation(*m_service, this, refund(order, u"1.00"_s));
    sb.faults().clear();
    QCOMPARE(sync::outcomeKindName(out.kind), u"in_doubt"_s);

    auto db = store::Database::openReader(m_config.databasePath, u"watch5"_s);
    QVERIFY(db);
    {
        intents::IntentJournal journal(db.value(), SystemClock::instance());
        const qint64 id = out.intents.first().id;
        const auto state = [&] { return journal.get(id).value().state; };
        QElapsedTimer t;
        t.start();
        while (state() == intents::IntentState::InDoubt && t.elapsed() < 60000) {
            m_service->runIntents();
            QTest::qWait(200);
        }
        const auto decided = journal.get(id).value();
        QCOMPARE(intents::stateName(decided.state), u"needs_person"_s);
        QVERIFY(decided.resultRef.isEmpty());
        QVERIFY2(decided.needsPersonNote.contains(terminalRefund), qPrintable(decided.needsPersonNote));
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"watch5"_s);
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), 1); // only the terminal's
}

QTEST_GUILESS_MAIN(TestExactlyOnce)
#include "tst_exactly_once.moc"
