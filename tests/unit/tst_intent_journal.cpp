// pb::intents::IntentJournal over a real SQLite file: the state machine, natural-key
// uniqueness, crash recovery, due ordering, dead letters, audited decisions, payload rules and
// all-or-nothing transactions. Time comes from a ManualClock.
#include "intents/intentjournal.h"
#include "intents/retrypolicy.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "util/clock.h"

#include <QJsonArray>
#include <QProcess>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <set>

using namespace Qt::StringLiterals;
using pb::ManualClock;
using pb::net::ErrorClass;
using pb::store::Database;
using namespace pb::intents;

namespace {

const QString kConnection = u"tst_intent_journal"_s;

const QList<IntentState> kAllStates = {IntentState::Planned,   IntentState::Sending,
                                       IntentState::Succeeded, IntentState::RetryWait,
                                       IntentState::InDoubt,   IntentState::NeedsPerson,
                                       IntentState::Dead,      IntentState::Discarded};

PlanRequest refund(const QString &key, QJsonObject payload = {})
{
    PlanRequest r;
    r.kind = IntentKind::PayTraceRefund;
    r.naturalKey = key;
    r.orderEntityId = 42;
    r.payload = payload.isEmpty()
        ? QJsonObject{{u"transaction_id"_s, u"123456789"_s}, {u"amount"_s, u"25.00"_s},
                      {u"currency"_s, u"USD"_s}}
        : payload;
    r.requestedBy = u"alice"_s;
    return r;
}

AttemptReport report(ErrorClass c, const QString &outcome, int http = 0, const QString &message = {})
{
    AttemptReport r;
    r.errorClass = c;
    r.outcome = outcome;
    r.message = message;
    if (http)
        r.httpStatus = http;
    r.requestId = u"req-"_s + outcome;
    return r;
}

} // namespace

class TestIntentJournal : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();

    void transitionTable_data();
    void transitionTable();
    void transitionsThroughTheJournal_data();
    void transitionsThroughTheJournal();
    void naturalKeyIsPlannedOnce();
    void customerKindsArePlannedWithoutAnOrder();
    void invalidNaturalKeysRefused_data();
    void invalidNaturalKeysRefused();
    void cardDataRefused_data();
    void cardDataRefused();
    void sendingIsCommittedWithAnOpenAttempt();
    void crashRecoveryTurnsSendingIntoInDoubt();
    void dueOrdering();
    void deadLettersCarryTheirAttempts();
    void retryPolicyDecisionsApply();
    void janitorLookups();
    void discardResolveAndReplayAreAudited();
    void replayPlanDescribesTheIntent();
    void failedStatementLeavesNothingHalfWritten();
    void nestedTransactionRefused();
    void liveOwnersSendsAreNotRecovered();
    void goneOwnersSendsAreRecovered();
    void answerAfterRecoveryIsRecorded();
    void oneRunnerLeasePerStore();
    void waitingLookupsAreBoundedThenGoToAPerson();
    void lookupsAreRoundRobin();
    void personsKeysMustBeNew();

private:
    void open();
    void reopen();
    // A fresh intent brought to `state` through legal operations; the ticket when sending.
    Intent driveTo(IntentState state, const QString &key, SendTicket *ticket = nullptr);
    int count(const QString &sql);
    IntentState stateOf(qint64 id);

    std::unique_ptr<QTemporaryDir> m_dir;
    ManualClock m_clock;
    QSqlDatabase m_db;
    std::unique_ptr<IntentJournal> m_journal;
};

void TestIntentJournal::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_clock = ManualClock();
    open();
}

void TestIntentJournal::cleanup()
{
    m_journal.reset();
    m_db = QSqlDatabase();
    Database::close(kConnection);
    m_dir.reset();
}

void TestIntentJournal::open()
{
    auto opened = Database::openWriter(m_dir->filePath(u"store.sqlite"_s), kConnection);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().toString()));
    m_db = opened.value();
    m_journal = std::make_unique<IntentJournal>(m_db, m_clock);
}

void TestIntentJournal::reopen()
{
    m_journal.reset();
    m_db = QSqlDatabase();
    Database::close(kConnection);
    open();
}

int TestIntentJournal::count(const QString &sql)
{
    QSqlQuery q(m_db);
    if (!q.exec(sql) || !q.next())
        qFatal("count query failed: %s", qPrintable(q.lastError().text()));
    return q.value(0).toInt();
}

IntentState TestIntentJournal::stateOf(qint64 id)
{
    auto i = m_journal->get(id);
    if (!i)
        qFatal("cannot read intent: %s", qPrintable(i.error().toString()));
    return i->state;
}

Intent TestIntentJournal::driveTo(IntentState state, const QString &key, SendTicket *ticket)
{
    auto planned = m_journal->plan(refund(key));
    if (!planned)
        qFatal("plan failed: %s", qPrintable(planned.error().toString()));
    const qint64 id = planned->intent.id;
    auto send = [&] {
        auto t = m_journal->markSending(id, u"req-"_s + key);
        if (!t)
            qFatal("markSending failed: %s", qPrintable(t.error().toString()));
        return t.value();
    };
    auto check = [](const pb::Status &s) {
        if (!s)
            qFatal("transition failed: %s", qPrintable(s.error().toString()));
    };
    switch (state) {
    case IntentState::Planned:
        break;
    case IntentState::Sending:
        if (ticket)
            *ticket = send();
        else
            send();
        break;
    case IntentState::Succeeded:
        check(m_journal->markSucceeded(send(), report(ErrorClass::None, u"approved"_s, 200)));
        break;
    case IntentState::RetryWait:
        check(m_journal->markRetryWait(send(), report(ErrorClass::Transient, u"timeout"_s),
                                       m_clock.nowUtc().addSecs(30)));
        break;
    case IntentState::InDoubt:
        check(m_journal->markInDoubt(send(), report(ErrorClass::InDoubt, u"timeout"_s)));
        break;
    case IntentState::NeedsPerson:
        check(m_journal->markInDoubt(send(), report(ErrorClass::InDoubt, u"timeout"_s)));
        check(m_journal->recordLookup(id, LookupFinding{LookupFinding::Kind::Undecided, {},
                                                        u"export shows nothing yet"_s, {}}));
        break;
    case IntentState::Dead:
        check(m_journal->markDead(send(), report(ErrorClass::Permanent, u"declined"_s, 200),
                                  u"retry.permanent"_s));
        break;
    case IntentState::Discarded:
        check(m_journal->discard(id, u"duplicate request"_s, u"bob"_s));
        break;
    }
    auto i = m_journal->get(id);
    if (!i || i->state != state)
        qFatal("driveTo did not reach %s", qPrintable(stateName(state)));
    return i.value();
}

void TestIntentJournal::transitionTable_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("to");
    QTest::addColumn<bool>("legal");

    // The intent states' legal moves, written out independently of the implementation.
    const std::set<QString> legal = {
        u"planned>sending"_s,      u"planned>dead"_s,          u"planned>discarded"_s,
        u"sending>succeeded"_s,    u"sending>retry_wait"_s,    u"sending>dead"_s,
        u"sending>in_doubt"_s,     u"retry_wait>sending"_s,    u"retry_wait>dead"_s,
        u"retry_wait>discarded"_s, u"in_doubt>succeeded"_s,    u"in_doubt>retry_wait"_s,
        u"in_doubt>needs_person"_s, u"needs_person>succeeded"_s, u"needs_person>retry_wait"_s,
        u"needs_person>discarded"_s, u"dead>planned"_s,        u"dead>discarded"_s};
    for (IntentState from : kAllStates) {
        for (IntentState to : kAllStates) {
            const QString key = stateName(from) + u'>' + stateName(to);
            QTest::newRow(qPrintable(key)) << stateName(from) << stateName(to) << (legal.count(key) > 0);
        }
    }
}

void TestIntentJournal::transitionTable()
{
    QFETCH(QString, from);
    QFETCH(QString, to);
    QFETCH(bool, legal);
    const auto f = stateFromName(from);
    const auto t = stateFromName(to);
    QVERIFY(f && t);
    QCOMPARE(stateName(*f), from);
    QCOMPARE(isLegalTransition(*f, *t), legal);
}

void TestIntentJournal::transitionsThroughTheJournal_data()
{
    QTest::addColumn<QString>("from");
    QTest::addColumn<QString>("operation");
    QTest::addColumn<QString>("expected"); // empty: refused as illegal, state unchanged

    // Each operation, the states it may start from and where it leads.
    struct Op
    {
        QString name;
        std::set<QString> from;
        QString to;
    };
    const QList<Op> ops = {
        {u"send"_s, {u"planned"_s, u"retry_wait"_s}, u"sending"_s},
        {u"succeed"_s, {u"sending"_s}, u"succeeded"_s},
        {u"retry"_s, {u"sending"_s}, u"retry_wait"_s},
        {u"dead"_s, {u"sending"_s}, u"dead"_s},
        {u"in_doubt"_s, {u"sending"_s}, u"in_doubt"_s},
        {u"refuse"_s, {u"planned"_s, u"retry_wait"_s}, u"dead"_s},
        {u"lookup_found"_s, {u"in_doubt"_s}, u"succeeded"_s},
        {u"lookup_not_found"_s, {u"in_doubt"_s}, u"retry_wait"_s},
        {u"lookup_undecided"_s, {u"in_doubt"_s}, u"needs_person"_s},
        {u"resolve_happened"_s, {u"in_doubt"_s, u"needs_person"_s}, u"succeeded"_s},
        {u"resolve_not_happened"_s, {u"in_doubt"_s, u"needs_person"_s}, u"retry_wait"_s},
        {u"discard"_s, {u"planned"_s, u"retry_wait"_s, u"needs_person"_s, u"dead"_s}, u"discarded"_s},
        {u"replay"_s, {u"dead"_s}, u"planned"_s},
    };
    for (IntentState s : kAllStates) {
        for (const Op &op : ops) {
            const QString from = stateName(s);
            QTest::newRow(qPrintable(from + u' ' + op.name))
                << from << op.name << (op.from.count(from) ? op.to : QString());
        }
    }
}

void TestIntentJournal::transitionsThroughTheJournal()
{
    QFETCH(QString, from);
    QFETCH(QString, operation);
    QFETCH(QString, expected);

    SendTicket ticket;
    const Intent before = driveTo(*stateFromName(from), u"op:"_s + from + u':' + operation, &ticket);
    if (ticket.intentId == 0) // not sending: a ticket that names the intent but no open send
        ticket = SendTicket{before.id, 0, 0};
    const int rowsBefore = count(u"SELECT COUNT(*) FROM intent_attempts"_s);
    const int auditBefore = count(u"SELECT COUNT(*) FROM audit_log"_s);

    pb::Status s;
    const qint64 id = before.id;
    if (operation == u"send") {
        auto t = m_journal->markSending(id, u"r"_s);
        s = t ? pb::Status::success() : pb::Status(t.error());
    } else if (operation == u"succeed") {
        s = m_journal->markSucceeded(ticket, report(ErrorClass::None, u"approved"_s, 200));
    } else if (operation == u"retry") {
        s = m_journal->markRetryWait(ticket, report(ErrorClass::Transient, u"http_503"_s, 503),
                                     m_clock.nowUtc().addSecs(5));
    } else if (operation == u"dead") {
        s = m_journal->markDead(ticket, report(ErrorClass::Permanent, u"declined"_s, 200), u"retry.permanent"_s);
    } else if (operation == u"in_doubt") {
        s = m_journal->markInDoubt(ticket, report(ErrorClass::InDoubt, u"timeout"_s));
    } else if (operation == u"refuse") {
        s = m_journal->refuse(id, u"invariant.refund_exceeds"_s, u"refund exceeds refundable"_s);
    } else if (operation == u"lookup_found") {
        s = m_journal->recordLookup(id, {LookupFinding::Kind::Happened, u"987654"_s, u"in export"_s, {}});
    } else if (operation == u"lookup_not_found") {
        s = m_journal->recordLookup(id, {LookupFinding::Kind::DidNotHappen, {}, u"not in export"_s, {}});
    } else if (operation == u"lookup_undecided") {
        s = m_journal->recordLookup(id, {LookupFinding::Kind::Undecided, {}, u"export unavailable"_s, {}});
    } else if (operation == u"resolve_happened") {
        s = m_journal->resolveByHand(id, {true, u"987654"_s, u"seen in the PayTrace UI"_s}, u"carol"_s);
    } else if (operation == u"resolve_not_happened") {
        s = m_journal->resolveByHand(id, {false, {}, u"not in the PayTrace UI"_s}, u"carol"_s);
    } else if (operation == u"discard") {
        s = m_journal->discard(id, u"customer withdrew the request"_s, u"carol"_s);
    } else if (operation == u"replay") {
        s = m_journal->replay(id, u"carol"_s, u"card updated"_s);
    } else {
        QFAIL("unknown operation");
    }

    if (expected.isEmpty()) {
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, u"intent.illegal_transition"_s);
        QCOMPARE(stateName(stateOf(id)), from);
        QCOMPARE(count(u"SELECT COUNT(*) FROM intent_attempts"_s), rowsBefore);
        QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log"_s), auditBefore);
    } else {
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        QCOMPARE(stateName(stateOf(id)), expected);
        // Every transition leaves an attempt row (a new one, or the send row closed).
        auto rows = m_journal->attempts(id);
        QVERIFY(rows.ok());
        QVERIFY(!rows->isEmpty());
        QCOMPARE(rows->last().toState, expected);
        QVERIFY(rows->last().finishedAt.isValid() || expected == u"sending");
        // People's decisions are audited.
        const bool byPerson = operation.startsWith(u"resolve") || operation == u"discard" || operation == u"replay";
        QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log"_s), auditBefore + (byPerson ? 1 : 0));
    }
}

void TestIntentJournal::naturalKeyIsPlannedOnce()
{
    auto first = m_journal->plan(refund(u"refund:100000123:2"_s));
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
    QVERIFY(first->created);
    QCOMPARE(first->intent.state, IntentState::Planned);
    QCOMPARE(first->intent.kind, IntentKind::PayTraceRefund);
    QCOMPARE(first->intent.requestedBy, u"alice"_s);
    QCOMPARE(first->intent.orderEntityId, std::optional<qint64>(42));
    QCOMPARE(first->intent.nextAttemptAt, m_clock.nowUtc());

    m_clock.advanceSeconds(10);
    auto again = m_journal->plan(refund(u"refund:100000123:2"_s));
    QVERIFY(again.ok());
    QVERIFY(!again->created);
    QVERIFY(!again->payloadDiffers);
    QCOMPARE(again->intent.id, first->intent.id);
    QCOMPARE(again->intent.createdAt, first->intent.createdAt);

    // Another payload under the same key: the first plan wins, and the caller is told.
    auto other = m_journal->plan(refund(u"refund:100000123:2"_s, {{u"amount"_s, u"30.00"_s}}));
    QVERIFY(other.ok());
    QVERIFY(!other->created);
    QVERIFY(other->payloadDiffers);
    QCOMPARE(other->intent.payload.value(u"amount"_s).toString(), u"25.00"_s);

    // The same key for another kind is a bug in the caller, not a second intent.
    PlanRequest voidReq = refund(u"refund:100000123:2"_s);
    voidReq.kind = IntentKind::PayTraceVoid;
    auto conflict = m_journal->plan(voidReq);
    QVERIFY(!conflict.ok());
    QCOMPARE(conflict.error().code, u"intent.key_conflict"_s);

    // Even after it has been sent and has succeeded, the key stays taken.
    auto t = m_journal->markSending(first->intent.id, u"r1"_s);
    QVERIFY(t.ok());
    QVERIFY(m_journal->markSucceeded(t.value(), report(ErrorClass::None, u"approved"_s, 200)));
    auto after = m_journal->plan(refund(u"refund:100000123:2"_s));
    QVERIFY(after.ok());
    QVERIFY(!after->created);
    QCOMPARE(after->intent.state, IntentState::Succeeded);
    QCOMPARE(count(u"SELECT COUNT(*) FROM intents"_s), 1);

    auto found = m_journal->findByKey(u"refund:100000123:2"_s);
    QVERIFY(found.ok() && found->has_value());
    QCOMPARE(found->value().id, first->intent.id);
    auto missing = m_journal->findByKey(u"refund:nope:1"_s);
    QVERIFY(missing.ok() && !missing->has_value());
}

void TestIntentJournal::customerKindsArePlannedWithoutAnOrder()
{
    // Names are stored: they must read back as the same kind, and none of them moves money.
    const QList<std::pair<IntentKind, QString>> kinds = {
        {IntentKind::PayTraceCustomerUpdate, u"paytrace.customer.update"_s},
        {IntentKind::MagentoCustomerUpdate, u"magento.customer.update"_s},
        {IntentKind::PayTraceCustomerDelete, u"paytrace.customer.delete"_s},
        {IntentKind::PayTraceCustomerCard, u"paytrace.customer.card"_s},
    };
    for (const auto &[kind, name] : kinds) {
        QCOMPARE(kindName(kind), name);
        QCOMPARE(kindFromName(name), std::optional<IntentKind>(kind));
        QVERIFY(isCustomerKind(kind));
        QVERIFY(!movesMoney(kind));
    }
    QVERIFY(!isCustomerKind(IntentKind::PayTraceSale));

    PlanRequest card;
    card.kind = IntentKind::PayTraceCustomerCard;
    card.naturalKey = u"customer:card:mage-17:1"_s;
    card.payload = {{u"customer_id"_s, u"mage-17"_s}, {u"mode"_s, u"create"_s}, {u"magento_id"_s, u"17"_s},
                    {u"card_type"_s, u"Visa"_s}, {u"last4"_s, u"4242"_s}, {u"exp_month"_s, 4},
                    {u"exp_year"_s, 2027}, {u"reason"_s, u"phone order"_s}};
    card.requestedBy = u"alice"_s;
    auto planned = m_journal->plan(card);
    QVERIFY2(planned.ok(), qPrintable(planned.ok() ? QString() : planned.error().toString()));
    QVERIFY(!planned->intent.orderEntityId.has_value());
    auto read = m_journal->get(planned->intent.id);
    QVERIFY(read.ok());
    QCOMPARE(read->kind, IntentKind::PayTraceCustomerCard);
    QCOMPARE(read->payload.value(u"last4"_s).toString(), u"4242"_s);

    // The ciphertext never rides in a payload, under any of PayTrace's key names.
    for (const QString &key : {u"encrypted_number"_s, u"encrypted_csc"_s, u"credit_card"_s}) {
        PlanRequest bad = card;
        bad.naturalKey = u"customer:card:mage-17:2"_s;
        bad.payload.insert(key, u"AbCdEf0123=="_s);
        auto refused = m_journal->plan(bad);
        QVERIFY2(!refused.ok(), qPrintable(key));
        QCOMPARE(refused.error().code, u"intent.payload"_s);
    }
}

void TestIntentJournal::invalidNaturalKeysRefused_data()
{
    QTest::addColumn<QString>("key");
    QTest::newRow("empty") << QString();
    QTest::newRow("space") << u"refund:1 2"_s;
    QTest::newRow("newline") << u"refund:1\n"_s;
    QTest::newRow("non-ascii") << u"refund:1ü"_s;
    QTest::newRow("too long") << QString(201, u'k');
    QTest::newRow("card number inside") << u"sale:4111111111111111:1"_s;
}

void TestIntentJournal::invalidNaturalKeysRefused()
{
    QFETCH(QString, key);
    auto r = m_journal->plan(refund(key));
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, u"intent.key"_s);
    QVERIFY(!r.error().message.contains(u"4111111111111111"_s));
    QCOMPARE(count(u"SELECT COUNT(*) FROM intents"_s), 0);
}

void TestIntentJournal::cardDataRefused_data()
{
    QTest::addColumn<QJsonObject>("payload");
    QTest::addColumn<QString>("field"); // empty: accepted

    const QJsonObject base{{u"transaction_id"_s, u"123456789"_s}, {u"amount"_s, u"25.00"_s}};
    auto with = [&](const QString &k, const QJsonValue &v) {
        QJsonObject o = base;
        o.insert(k, v);
        return o;
    };
    QTest::newRow("plain refund") << base << QString();
    QTest::newRow("integer ids and a nested object")
        << with(u"meta"_s, QJsonObject{{u"order"_s, 100000123}, {u"lines"_s, QJsonArray{1, 2}}}) << QString();
    QTest::newRow("number") << with(u"number"_s, u"4111111111111111"_s) << u"payload.number"_s;
    QTest::newRow("card_number") << with(u"card_number"_s, u"x"_s) << u"payload.card_number"_s;
    QTest::newRow("csc") << with(u"csc"_s, u"123"_s) << u"payload.csc"_s;
    QTest::newRow("CVV upper case") << with(u"CVV"_s, u"123"_s) << u"payload.CVV"_s;
    QTest::newRow("nested credit_card.number")
        << with(u"request"_s, QJsonObject{{u"credit_card"_s, QJsonObject{{u"number"_s, u"x"_s}}}})
        << u"payload.request.credit_card"_s;
    QTest::newRow("card field inside an array")
        << with(u"cards"_s, QJsonArray{QJsonObject{{u"expiration_month"_s, 12}, {u"cvv2"_s, u"999"_s}}})
        << u"payload.cards[0].cvv2"_s;
    QTest::newRow("card number in an innocent field")
        << with(u"note"_s, u"customer read 4111 1111 1111 1111 on the phone"_s) << u"payload.note"_s;
    QTest::newRow("password") << with(u"password"_s, u"x"_s) << u"payload.password"_s;
    QTest::newRow("fractional amount") << with(u"refund_amount"_s, 25.5) << u"payload.refund_amount"_s;
}

void TestIntentJournal::cardDataRefused()
{
    QFETCH(QJsonObject, payload);
    QFETCH(QString, field);
    auto r = m_journal->plan(refund(u"refund:100000123:9"_s, payload));
    if (field.isEmpty()) {
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(r->intent.payload, payload);
        return;
    }
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, u"intent.payload"_s);
    QCOMPARE(r.error().field, field);
    // The error never repeats the value.
    QVERIFY(!r.error().toString().contains(u"4111"_s));
    QCOMPARE(count(u"SELECT COUNT(*) FROM intents"_s), 0);
}

void TestIntentJournal::sendingIsCommittedWithAnOpenAttempt()
{
    auto planned = m_journal->plan(refund(u"refund:1:1"_s));
    QVERIFY(planned.ok());
    m_clock.advanceSeconds(2);
    auto ticket = m_journal->markSending(planned->intent.id, u"req-abc"_s);
    QVERIFY(ticket.ok());
    QCOMPARE(ticket->attemptNumber, 1);

    // What a second connection sees is what survives a crash: the commit happened.
    {
        auto reader = Database::openReader(m_dir->filePath(u"store.sqlite"_s), u"tst_reader"_s);
        QVERIFY(reader.ok());
        QSqlDatabase rdb = reader.value();
        QSqlQuery q(rdb);
        QVERIFY(q.exec(u"SELECT i.state, i.attempts, a.request_id, a.finished_at IS NULL, a.started_at "
                       "FROM intents i JOIN intent_attempts a ON a.intent_id = i.id"_s));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), u"sending"_s);
        QCOMPARE(q.value(1).toInt(), 1);
        QCOMPARE(q.value(2).toString(), u"req-abc"_s);
        QCOMPARE(q.value(3).toBool(), true);
        QCOMPARE(q.value(4).toLongLong(), m_clock.nowUtc().toMSecsSinceEpoch());
        q.finish();
    }
    Database::close(u"tst_reader"_s);

    // A second markSending for the same intent is refused: one request in flight per intent.
    auto twice = m_journal->markSending(planned->intent.id, u"req-def"_s);
    QVERIFY(!twice.ok());
    QCOMPARE(twice.error().code, u"intent.illegal_transition"_s);

    m_clock.advance(850);
    QVERIFY(m_journal->markSucceeded(ticket.value(), AttemptReport{u"approved"_s, ErrorClass::None,
                                                                   u"refunded"_s, 200, {}, u"555666777"_s}));
    auto rows = m_journal->attempts(planned->intent.id);
    QVERIFY(rows.ok());
    QCOMPARE(rows->size(), 1);
    const IntentAttempt &a = rows->first();
    QCOMPARE(a.action, u"send"_s);
    QCOMPARE(a.outcome, u"approved"_s);
    QCOMPARE(a.httpStatus, std::optional<int>(200));
    QCOMPARE(a.requestId, u"req-abc"_s); // kept when the report carries none
    QCOMPARE(a.resultRef, u"555666777"_s);
    QCOMPARE(a.startedAt.msecsTo(a.finishedAt), 850LL);
    QCOMPARE(m_journal->get(planned->intent.id)->resultRef, u"555666777"_s);

    // The ticket cannot be used twice.
    const pb::Status again = m_journal->markSucceeded(ticket.value(), report(ErrorClass::None, u"approved"_s));
    QVERIFY(!again.ok());
}

void TestIntentJournal::crashRecoveryTurnsSendingIntoInDoubt()
{
    const Intent a = driveTo(IntentState::Sending, u"capture:1:1"_s);
    const Intent b = driveTo(IntentState::Sending, u"capture:2:1"_s);
    const Intent c = driveTo(IntentState::Planned, u"capture:3:1"_s);
    const Intent d = driveTo(IntentState::RetryWait, u"capture:4:1"_s);

    // The process dies: nothing is closed by hand; a new connection finds the rows.
    reopen();
    m_clock.advanceSeconds(60);
    auto recovered = m_journal->recoverAfterCrash();
    QVERIFY2(recovered.ok(), qPrintable(recovered.ok() ? QString() : recovered.error().toString()));
    QCOMPARE(recovered.value(), 2);

    for (const Intent &i : {a, b}) {
        auto now = m_journal->get(i.id);
        QVERIFY(now.ok());
        QCOMPARE(now->state, IntentState::InDoubt);
        QCOMPARE(now->lastErrorClass, u"in_doubt"_s);
        QCOMPARE(now->inDoubtSince, m_clock.nowUtc());
        auto rows = m_journal->attempts(i.id);
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 1);
        QCOMPARE(rows->first().outcome, u"interrupted"_s);
        QCOMPARE(rows->first().errorClass, u"in_doubt"_s);
        QCOMPARE(rows->first().toState, u"in_doubt"_s);
        QCOMPARE(rows->first().finishedAt, m_clock.nowUtc());
    }
    QCOMPARE(stateOf(c.id), IntentState::Planned);
    QCOMPARE(stateOf(d.id), IntentState::RetryWait);
    // In doubt is never due: nothing is re-sent blindly.
    auto due = m_journal->due(m_clock.nowUtc().addDays(1), 100);
    QVERIFY(due.ok());
    for (const Intent &i : due.value())
        QVERIFY(i.id != a.id && i.id != b.id);

    auto secondRun = m_journal->recoverAfterCrash();
    QVERIFY(secondRun.ok());
    QCOMPARE(secondRun.value(), 0);
    auto listed = m_journal->listByState(IntentState::InDoubt, 10);
    QVERIFY(listed.ok());
    QCOMPARE(listed->size(), 2);
}

void TestIntentJournal::dueOrdering()
{
    const QDateTime t0 = m_clock.nowUtc();
    auto plan = [&](const QString &key, int delaySeconds) {
        PlanRequest r = refund(key);
        r.notBefore = t0.addSecs(delaySeconds);
        auto p = m_journal->plan(r);
        if (!p)
            qFatal("plan failed");
        return p->intent.id;
    };
    const qint64 late = plan(u"k:late"_s, 120);
    const qint64 early = plan(u"k:early"_s, 10);
    const qint64 tieA = plan(u"k:tie-a"_s, 30);
    const qint64 tieB = plan(u"k:tie-b"_s, 30);
    const qint64 now = plan(u"k:now"_s, 0);
    // A retry_wait intent due at +20 s.
    auto t = m_journal->markSending(now, u"r"_s);
    QVERIFY(t.ok());
    QVERIFY(m_journal->markRetryWait(t.value(), report(ErrorClass::Transient, u"reset"_s), t0.addSecs(20)));
    // Not due whatever the time: sending, succeeded, dead.
    driveTo(IntentState::Sending, u"k:sending"_s);
    driveTo(IntentState::Succeeded, u"k:done"_s);
    driveTo(IntentState::Dead, u"k:dead"_s);

    auto at = [&](int seconds, int limit) {
        auto d = m_journal->due(t0.addSecs(seconds), limit);
        if (!d)
            qFatal("due failed");
        QList<qint64> ids;
        for (const Intent &i : d.value())
            ids.append(i.id);
        return ids;
    };
    QCOMPARE(at(5, 10), QList<qint64>());
    QCOMPARE(at(10, 10), QList<qint64>({early}));
    QCOMPARE(at(30, 10), QList<qint64>({early, now, tieA, tieB}));
    QCOMPARE(at(30, 2), QList<qint64>({early, now}));
    QCOMPARE(at(3600, 10), QList<qint64>({early, now, tieA, tieB, late}));
}

void TestIntentJournal::deadLettersCarryTheirAttempts()
{
    auto planned = m_journal->plan(refund(u"refund:77:1"_s));
    QVERIFY(planned.ok());
    const qint64 id = planned->intent.id;
    auto t1 = m_journal->markSending(id, u"req-1"_s);
    QVERIFY(t1.ok());
    QVERIFY(m_journal->markRetryWait(t1.value(), report(ErrorClass::Transient, u"http_503"_s, 503, u"busy"_s),
                                     m_clock.nowUtc().addSecs(1)));
    m_clock.advanceSeconds(2);
    auto t2 = m_journal->markSending(id, u"req-2"_s);
    QVERIFY(t2.ok());
    QCOMPARE(t2->attemptNumber, 2);
    QVERIFY(m_journal->markRetryWait(t2.value(), report(ErrorClass::RateLimited, u"http_429"_s, 429),
                                     m_clock.nowUtc().addSecs(1)));
    m_clock.advanceSeconds(2);
    auto t3 = m_journal->markSending(id, u"req-3"_s);
    QVERIFY(t3.ok());
    QVERIFY(m_journal->markDead(t3.value(),
                                report(ErrorClass::Permanent, u"validation_error"_s, 400,
                                       u"refund amount exceeds; card 4111111111111111"_s),
                                u"retry.permanent"_s));
    // Another intent that is not dead stays out of the list.
    driveTo(IntentState::RetryWait, u"refund:78:1"_s);

    auto dead = m_journal->deadLetters(10);
    QVERIFY(dead.ok());
    QCOMPARE(dead->size(), 1);
    const IntentHistory &h = dead->first();
    QCOMPARE(h.intent.id, id);
    QCOMPARE(h.intent.state, IntentState::Dead);
    QCOMPARE(h.intent.attempts, 3);
    QCOMPARE(h.intent.deadReason, u"retry.permanent"_s);
    QCOMPARE(h.intent.lastErrorClass, u"permanent"_s);
    // Stored text is redacted even when a caller forgot.
    QVERIFY(!h.intent.lastError.contains(u"4111111111111111"_s));
    QCOMPARE(h.attempts.size(), 3);
    QStringList classes, statuses, requests;
    for (const IntentAttempt &a : h.attempts) {
        classes.append(a.errorClass);
        statuses.append(QString::number(a.httpStatus.value_or(0)));
        requests.append(a.requestId);
    }
    QCOMPARE(classes, QStringList({u"transient"_s, u"rate_limited"_s, u"permanent"_s}));
    QCOMPARE(statuses, QStringList({u"503"_s, u"429"_s, u"400"_s}));
    QCOMPARE(requests, QStringList({u"req-http_503"_s, u"req-http_429"_s, u"req-validation_error"_s}));
    QVERIFY(!h.attempts.last().errorMessage.contains(u"4111111111111111"_s));

    // Keyset paging.
    auto page = m_journal->deadLetters(10, id);
    QVERIFY(page.ok());
    QVERIFY(page->isEmpty());
}

void TestIntentJournal::retryPolicyDecisionsApply()
{
    RetryPolicy policy(m_clock, RetryPolicyConfig{}, 5);
    SendTicket t;
    const Intent a = driveTo(IntentState::Sending, u"p:transient"_s, &t);
    const RetryDecision retry = policy.decide(ErrorClass::Transient, t.attemptNumber, std::nullopt);
    QVERIFY(m_journal->markFailed(t, report(ErrorClass::Transient, u"timeout"_s), retry));
    auto ra = m_journal->get(a.id);
    QCOMPARE(ra->state, IntentState::RetryWait);
    QCOMPARE(ra->nextAttemptAt, retry.at);

    const Intent b = driveTo(IntentState::Sending, u"p:auth"_s, &t);
    QVERIFY(m_journal->markFailed(t, report(ErrorClass::Auth, u"auth_failure"_s, 401),
                                  policy.decide(ErrorClass::Auth, 1, std::nullopt)));
    auto rb = m_journal->get(b.id);
    QCOMPARE(rb->state, IntentState::Dead);
    QCOMPARE(rb->deadReason, u"retry.auth"_s);
    QCOMPARE(rb->lastErrorClass, u"auth"_s);

    const Intent c = driveTo(IntentState::Sending, u"p:doubt"_s, &t);
    QVERIFY(m_journal->markFailed(t, report(ErrorClass::InDoubt, u"timeout"_s),
                                  policy.decide(ErrorClass::InDoubt, 1, std::nullopt)));
    QCOMPARE(stateOf(c.id), IntentState::InDoubt);
}

void TestIntentJournal::janitorLookups()
{
    const Intent found = driveTo(IntentState::InDoubt, u"j:found"_s);
    QVERIFY(m_journal->recordLookup(found.id, {LookupFinding::Kind::Happened, u"112233"_s,
                                               u"export of 2024-01-01 lists it"_s, {}}));
    auto f = m_journal->get(found.id);
    QCOMPARE(f->state, IntentState::Succeeded);
    QCOMPARE(f->resultRef, u"112233"_s);

    const Intent missing = driveTo(IntentState::InDoubt, u"j:missing"_s);
    const QDateTime retryAt = m_clock.nowUtc().addSecs(90);
    QVERIFY(m_journal->recordLookup(missing.id, {LookupFinding::Kind::DidNotHappen, {}, u"not in export"_s, retryAt}));
    auto m = m_journal->get(missing.id);
    QCOMPARE(m->state, IntentState::RetryWait);
    QCOMPARE(m->nextAttemptAt, retryAt);

    const Intent unsure = driveTo(IntentState::InDoubt, u"j:unsure"_s);
    // An undecided lookup must say what it saw.
    QVERIFY(!m_journal->recordLookup(unsure.id, {LookupFinding::Kind::Undecided, {}, {}, {}}).ok());
    QVERIFY(!m_journal->recordLookup(unsure.id, {LookupFinding::Kind::Happened, {}, u"x"_s, {}}).ok());
    QCOMPARE(stateOf(unsure.id), IntentState::InDoubt);
    QVERIFY(m_journal->recordLookup(unsure.id, {LookupFinding::Kind::Undecided, {},
                                                u"two refunds of 25.00 on that day"_s, {}}));
    auto u = m_journal->get(unsure.id);
    QCOMPARE(u->state, IntentState::NeedsPerson);
    QCOMPARE(u->needsPersonNote, u"two refunds of 25.00 on that day"_s);
    auto rows = m_journal->attempts(unsure.id);
    QCOMPARE(rows->last().action, u"lookup"_s);
    QCOMPARE(rows->last().outcome, u"undecided"_s);
    QCOMPARE(rows->last().actor, u"janitor"_s);
}

void TestIntentJournal::discardResolveAndReplayAreAudited()
{
    pb::store::AuditLog audit(m_db);

    const Intent dead = driveTo(IntentState::Dead, u"a:dead"_s);
    QCOMPARE(m_journal->discard(dead.id, QString(), u"bob"_s).error().code, u"intent.invalid"_s);
    QCOMPARE(m_journal->discard(dead.id, u"why"_s, QString()).error().code, u"intent.invalid"_s);
    m_clock.advanceSeconds(5);
    QVERIFY(m_journal->discard(dead.id, u"refunded by cheque instead"_s, u"bob"_s));
    auto d = m_journal->get(dead.id);
    QCOMPARE(d->state, IntentState::Discarded);
    QCOMPARE(d->discardReason, u"refunded by cheque instead"_s);
    auto entries = audit.recent(1);
    QVERIFY(entries.ok());
    QCOMPARE(entries->first().action, u"intent.discard"_s);
    QCOMPARE(entries->first().actor, u"bob"_s);
    QCOMPARE(entries->first().objectType, u"intent"_s);
    QCOMPARE(entries->first().objectId, QString::number(dead.id));
    QCOMPARE(entries->first().detail, u"refunded by cheque instead"_s);
    QVERIFY(entries->first().beforeJson.contains(u"dead"_s));
    QVERIFY(entries->first().afterJson.contains(u"discarded"_s));
    QCOMPARE(entries->first().at, m_clock.nowUtc());

    const Intent doubt = driveTo(IntentState::NeedsPerson, u"a:doubt"_s);
    QCOMPARE(m_journal->resolveByHand(doubt.id, {true, {}, {}}, u"carol"_s).error().code, u"intent.invalid"_s);
    QVERIFY(m_journal->resolveByHand(doubt.id, {true, u"998877"_s, u"found in the merchant portal"_s}, u"carol"_s));
    auto r = m_journal->get(doubt.id);
    QCOMPARE(r->state, IntentState::Succeeded);
    QCOMPARE(r->resultRef, u"998877"_s);
    entries = audit.recent(1);
    QCOMPARE(entries->first().action, u"intent.resolve"_s);
    QCOMPARE(entries->first().actor, u"carol"_s);
    QVERIFY(entries->first().afterJson.contains(u"998877"_s));

    const Intent notHappened = driveTo(IntentState::InDoubt, u"a:not"_s);
    QVERIFY(m_journal->resolveByHand(notHappened.id, {false, {}, u"nothing in the portal"_s}, u"carol"_s));
    auto n = m_journal->get(notHappened.id);
    QCOMPARE(n->state, IntentState::RetryWait);
    QCOMPARE(n->nextAttemptAt, m_clock.nowUtc());

    const Intent replayed = driveTo(IntentState::Dead, u"a:replay"_s);
    QVERIFY(m_journal->replay(replayed.id, u"dave"_s, u"customer fixed the card"_s));
    auto p = m_journal->get(replayed.id);
    QCOMPARE(p->state, IntentState::Planned);
    QCOMPARE(p->nextAttemptAt, m_clock.nowUtc());
    QCOMPARE(p->attempts, 1); // history kept
    entries = audit.recent(1);
    QCOMPARE(entries->first().action, u"intent.replay"_s);
    QCOMPARE(entries->first().actor, u"dave"_s);
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE object_type = 'intent' AND action <> 'intent.plan'"_s), 4);
    // Each of the four was planned by a person, and that is audited too.
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE action = 'intent.plan' AND before_json = ''"_s), 4);
}

void TestIntentJournal::replayPlanDescribesTheIntent()
{
    const Intent dead = driveTo(IntentState::Dead, u"rp:dead"_s);
    auto plan = m_journal->replayPlan(dead.id);
    QVERIFY(plan.ok());
    QVERIFY(plan->replayable);
    QCOMPARE(plan->history.intent.naturalKey, u"rp:dead"_s);
    QCOMPARE(plan->history.intent.payload.value(u"amount"_s).toString(), u"25.00"_s);
    QCOMPARE(plan->history.attempts.size(), 1);
    QCOMPARE(plan->history.attempts.first().outcome, u"declined"_s);
    // Reading a plan changes nothing.
    QCOMPARE(stateOf(dead.id), IntentState::Dead);

    const Intent done = driveTo(IntentState::Succeeded, u"rp:done"_s);
    auto notReplayable = m_journal->replayPlan(done.id);
    QVERIFY(notReplayable.ok());
    QVERIFY(!notReplayable->replayable);
    QVERIFY(notReplayable->whyNot.contains(u"succeeded"_s));

    auto missing = m_journal->replayPlan(99999);
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, u"intent.not_found"_s);
}

void TestIntentJournal::failedStatementLeavesNothingHalfWritten()
{
    auto planned = m_journal->plan(refund(u"tx:1"_s));
    QVERIFY(planned.ok());
    const qint64 id = planned->intent.id;

    // The attempt insert fails after the intent row was already updated in the transaction.
    QSqlQuery q(m_db);
    QVERIFY(q.exec(u"CREATE TEMP TRIGGER fail_attempts BEFORE INSERT ON intent_attempts "
                   "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"_s));
    auto ticket = m_journal->markSending(id, u"r"_s);
    QVERIFY(!ticket.ok());
    QVERIFY(ticket.error().message.contains(u"injected failure"_s));
    auto after = m_journal->get(id);
    QCOMPARE(after->state, IntentState::Planned);
    QCOMPARE(after->attempts, 0);
    QCOMPARE(count(u"SELECT COUNT(*) FROM intent_attempts"_s), 0);
    QVERIFY(q.exec(u"DROP TRIGGER fail_attempts"_s));

    // The connection is usable afterwards (no transaction left open).
    auto t = m_journal->markSending(id, u"r"_s);
    QVERIFY2(t.ok(), qPrintable(t.ok() ? QString() : t.error().toString()));
    QVERIFY(m_journal->markDead(t.value(), report(ErrorClass::Permanent, u"declined"_s), u"retry.permanent"_s));

    // The audit entry fails: the discard and its attempt row are rolled back with it.
    QVERIFY(q.exec(u"CREATE TEMP TRIGGER fail_audit BEFORE INSERT ON audit_log "
                   "BEGIN SELECT RAISE(ABORT, 'audit down'); END"_s));
    const pb::Status s = m_journal->discard(id, u"not wanted"_s, u"bob"_s);
    QVERIFY(!s.ok());
    QVERIFY(s.error().message.contains(u"audit down"_s));
    QCOMPARE(stateOf(id), IntentState::Dead);
    QCOMPARE(m_journal->get(id)->discardReason, QString());
    QCOMPARE(count(u"SELECT COUNT(*) FROM intent_attempts WHERE action = 'discard'"_s), 0);
    QVERIFY(q.exec(u"DROP TRIGGER fail_audit"_s));
    QVERIFY(m_journal->discard(id, u"not wanted"_s, u"bob"_s));

    // A failing plan leaves no intent row behind either.
    QVERIFY(q.exec(u"CREATE TEMP TRIGGER fail_intents BEFORE INSERT ON intents "
                   "BEGIN SELECT RAISE(ABORT, 'disk full'); END"_s));
    QVERIFY(!m_journal->plan(refund(u"tx:2"_s)).ok());
    QVERIFY(q.exec(u"DROP TRIGGER fail_intents"_s));
    QCOMPARE(count(u"SELECT COUNT(*) FROM intents"_s), 1);
}

void TestIntentJournal::nestedTransactionRefused()
{
    // markSending must really commit before the request leaves; inside someone else's
    // transaction it could be rolled back later, so it refuses.
    auto planned = m_journal->plan(refund(u"nest:1"_s));
    QVERIFY(planned.ok());
    QSqlQuery q(m_db);
    QVERIFY(q.exec(u"BEGIN"_s));
    auto t = m_journal->markSending(planned->intent.id, u"r"_s);
    QVERIFY(!t.ok());
    QCOMPARE(t.error().code, u"store.sql"_s);
    QVERIFY(q.exec(u"ROLLBACK"_s));
    QCOMPARE(stateOf(planned->intent.id), IntentState::Planned);
}

namespace {

// The owner text of a process that has ended on this host.
QString goneOwner()
{
    QProcess p;
    p.start(u"sleep"_s, {u"0"_s});
    if (!p.waitForStarted())
        qFatal("cannot start sleep");
    const qint64 pid = p.processId();
    p.waitForFinished();
    OwnerId id = OwnerId::self();
    id.pid = pid;
    return id.toString();
}

} // namespace

void TestIntentJournal::liveOwnersSendsAreNotRecovered()
{
    // `serve` is sending; `sync --once` opens the store: its recovery leaves the row alone.
    m_journal->setOwner(OwnerId::self().toString() + u"/serve"_s, 60000);
    SendTicket ticket;
    const Intent sending = driveTo(IntentState::Sending, u"o:live"_s, &ticket);
    QCOMPARE(m_journal->get(sending.id)->owner, OwnerId::self().toString() + u"/serve"_s);
    IntentJournal other(m_db, m_clock);
    other.setOwner(OwnerId::self().toString() + u"/sync"_s, 60000);
    QCOMPARE(other.recoverAfterCrash().value(), 0);
    QCOMPARE(stateOf(sending.id), IntentState::Sending);
    // The owner renews its claim while it waits; the answer lands as usual.
    m_clock.advanceSeconds(50);
    QCOMPARE(m_journal->renewLeases().value(), 1);
    m_clock.advanceSeconds(50);
    QCOMPARE(other.recoverAfterCrash().value(), 0);
    QVERIFY(m_journal->markSucceeded(ticket, report(ErrorClass::None, u"approved"_s, 200)));
    QCOMPARE(stateOf(sending.id), IntentState::Succeeded);

    // A claim nobody renewed (the owner hangs) runs out: then it is in doubt.
    SendTicket stale;
    const Intent hung = driveTo(IntentState::Sending, u"o:hung"_s, &stale);
    m_clock.advanceSeconds(61);
    QCOMPARE(other.recoverAfterCrash().value(), 1);
    QCOMPARE(stateOf(hung.id), IntentState::InDoubt);
}

void TestIntentJournal::goneOwnersSendsAreRecovered()
{
    // The owner's process has ended: no need to wait for its claim to run out. (Runners name
    // themselves "host:pid:start/n".)
    const QString owner = goneOwner() + u"/1"_s;
    QVERIFY(OwnerId::parse(owner));
    QVERIFY(OwnerId::parse(owner)->certainlyGone());
    m_journal->setOwner(owner, 600000);
    const Intent sending = driveTo(IntentState::Sending, u"o:gone"_s);
    IntentJournal other(m_db, m_clock);
    other.setOwner(OwnerId::self().toString() + u"/next"_s, 60000);
    QCOMPARE(other.recoverAfterCrash().value(), 1);
    auto i = m_journal->get(sending.id);
    QCOMPARE(i->state, IntentState::InDoubt);
    QVERIFY(i->nextLookupAt.isValid());
    auto rows = m_journal->attempts(sending.id);
    QCOMPARE(rows->last().outcome, u"interrupted"_s);
}

void TestIntentJournal::answerAfterRecoveryIsRecorded()
{
    // Recovered as in doubt while its answer was on the way: the answer still counts.
    m_journal->setOwner(goneOwner(), 1000);
    SendTicket ticket;
    const Intent sending = driveTo(IntentState::Sending, u"o:late"_s, &ticket);
    IntentJournal other(m_db, m_clock);
    other.setOwner(OwnerId::self().toString() + u"/next"_s, 60000);
    QCOMPARE(other.recoverAfterCrash().value(), 1);
    AttemptReport approved = report(ErrorClass::None, u"approved"_s, 200);
    approved.resultRef = u"777"_s;
    QVERIFY(m_journal->markSucceeded(ticket, approved));
    auto i = m_journal->get(sending.id);
    QCOMPARE(i->state, IntentState::Succeeded);
    QCOMPARE(i->resultRef, u"777"_s);
    QCOMPARE(m_journal->attempts(sending.id)->last().outcome, u"approved"_s);
    // Not once a later send exists: that one's answer decides.
    SendTicket first;
    const Intent again = driveTo(IntentState::Sending, u"o:later"_s, &first);
    QCOMPARE(other.recoverAfterCrash().value(), 1);
    QVERIFY(other.recordLookup(again.id, {LookupFinding::Kind::DidNotHappen, {}, u"not in export"_s, {}}));
    QVERIFY(other.markSending(again.id, u"second"_s));
    QCOMPARE(m_journal->markSucceeded(first, approved).error().code, u"intent.illegal_transition"_s);
}

void TestIntentJournal::oneRunnerLeasePerStore()
{
    IntentJournal serve(m_db, m_clock);
    serve.setOwner(OwnerId::self().toString() + u"/serve"_s, 30000);
    IntentJournal console(m_db, m_clock);
    console.setOwner(OwnerId::self().toString() + u"/console"_s, 30000);
    QVERIFY(serve.acquireRunnerLease(u"paybridge serve"_s).value());
    QVERIFY(!console.acquireRunnerLease(u"console"_s).value());
    auto holder = console.runnerLeaseHolder();
    QVERIFY(holder && holder.value());
    QCOMPARE(holder.value()->program, u"paybridge serve"_s);
    QCOMPARE(holder.value()->pid, QCoreApplication::applicationPid());
    // Renewed, it holds; released, the next one takes it.
    m_clock.advanceSeconds(20);
    QVERIFY(serve.acquireRunnerLease(u"paybridge serve"_s).value());
    m_clock.advanceSeconds(20);
    QVERIFY(!console.acquireRunnerLease(u"console"_s).value());
    QVERIFY(serve.releaseRunnerLease());
    QVERIFY(console.acquireRunnerLease(u"console"_s).value());
    QVERIFY(!serve.acquireRunnerLease(u"paybridge serve"_s).value());
    // Not renewed for longer than the lease: free again.
    m_clock.advanceSeconds(31);
    QVERIFY(!console.runnerLeaseHolder().value());
    QVERIFY(serve.acquireRunnerLease(u"paybridge serve"_s).value());
    // A holder whose process has ended is replaced at once.
    IntentJournal dead(m_db, m_clock);
    dead.setOwner(goneOwner() + u"/2"_s, 600000);
    QVERIFY(serve.releaseRunnerLease());
    QVERIFY(dead.acquireRunnerLease(u"killed"_s).value());
    QVERIFY(console.acquireRunnerLease(u"console"_s).value());
}

void TestIntentJournal::waitingLookupsAreBoundedThenGoToAPerson()
{
    m_journal->setMaxUndecidedLookups(3);
    const Intent doubt = driveTo(IntentState::InDoubt, u"w:slow"_s);
    QCOMPARE(m_journal->dueLookups(m_clock.nowUtc(), 10).value().size(), 1);
    const QDateTime later = m_clock.nowUtc().addSecs(120);
    QVERIFY(m_journal->recordLookup(doubt.id, {LookupFinding::Kind::NotYet, {}, u"no refund in the export yet"_s, later}));
    auto i = m_journal->get(doubt.id);
    QCOMPARE(i->state, IntentState::InDoubt); // waits, visibly
    QCOMPARE(i->nextLookupAt, later);
    QCOMPARE(i->undecidedLookups, 1);
    QCOMPARE(i->needsPersonNote, u"no refund in the export yet"_s);
    QVERIFY(m_journal->dueLookups(m_clock.nowUtc(), 10).value().isEmpty());
    QCOMPARE(m_journal->nextLookupAt().value(), std::optional<QDateTime>(later));
    m_clock.advanceSeconds(120);
    QCOMPARE(m_journal->dueLookups(m_clock.nowUtc(), 10).value().size(), 1);
    QVERIFY(m_journal->recordLookup(doubt.id, {LookupFinding::Kind::Unreachable, {}, u"PayTrace answered 503"_s, {}}));
    QCOMPARE(stateOf(doubt.id), IntentState::InDoubt);
    QVERIFY(m_journal->recordLookup(doubt.id, {LookupFinding::Kind::NotYet, {}, u"still no refund"_s, {}}));
    i = m_journal->get(doubt.id);
    QCOMPARE(i->state, IntentState::NeedsPerson);
    // The person sees every finding since the send.
    QVERIFY2(i->needsPersonNote.contains(u"no refund in the export yet"_s) && i->needsPersonNote.contains(u"503"_s)
                 && i->needsPersonNote.contains(u"still no refund"_s),
             qPrintable(i->needsPersonNote));
    QCOMPARE(m_journal->attempts(doubt.id)->last().toState, u"needs_person"_s);
}

void TestIntentJournal::lookupsAreRoundRobin()
{
    QList<qint64> ids;
    for (int k = 0; k < 3; ++k)
        ids << driveTo(IntentState::InDoubt, u"rr:"_s + QString::number(k)).id;
    auto order = [&] {
        QList<qint64> out;
        const auto due = m_journal->dueLookups(m_clock.nowUtc(), 10);
        if (due) {
            for (const Intent &i : due.value())
                out << i.id;
        }
        return out;
    };
    QCOMPARE(order(), ids);
    // The first one was looked at: it goes behind the others, which were never looked at.
    m_clock.advanceSeconds(1);
    QVERIFY(m_journal->recordLookup(ids[0], {LookupFinding::Kind::Unreachable, {}, u"timeout"_s, m_clock.nowUtc()}));
    QCOMPARE(order(), (QList<qint64>{ids[1], ids[2], ids[0]}));
    QCOMPARE(m_journal->dueLookups(m_clock.nowUtc(), 1).value().first().id, ids[1]);
}

void TestIntentJournal::personsKeysMustBeNew()
{
    QVERIFY(m_journal->plan(refund(u"refund:100000001:1"_s)));
    // Two people planned from the same view of the order: the second must plan again.
    auto second = m_journal->planAll({refund(u"refund:100000001:1"_s, QJsonObject{{u"amount"_s, u"20.00"_s}})}, true);
    QVERIFY(!second);
    QCOMPARE(second.error().code, u"intent.key_taken"_s);
    QCOMPARE(count(u"SELECT COUNT(*) FROM intents"_s), 1);
    // Rules plan the same key again on purpose: that returns the existing intent.
    auto rule = m_journal->planAll({refund(u"refund:100000001:1"_s)});
    QVERIFY(rule);
    QVERIFY(!rule->first().created);
}

QTEST_GUILESS_MAIN(TestIntentJournal)
#include "tst_intent_journal.moc"
