// Cards on file and the customer intents against the in-process sandbox: a vault profile
// created through SyncEngine::submitCard (the card encrypted under the sandbox's e2ee key),
// linked, and its Magento customer given the link attribute by a whole-customer PUT; a card
// replaced; a create whose answer was lost decided from PayTrace's customer export; a card
// intent found due without its ciphertext marked dead "card.reenter"; a vault profile updated
// and deleted through intents.
#include "customers/cardvault.h"
#include "faults.h"
#include "intents/intentjournal.h"
#include "magentosim.h"
#include "paytrace/cardencryptor.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/customerrepository.h"
#include "store/database.h"
#include "sync/intentrunner.h"
#include "sync/syncservice.h"
#include "syncworld.h"
#include "testsupport.h"
#include "util/clock.h"

#include "access/operatordirectory.h"

#include <QJsonDocument>
#include <QTest>

#include <memory>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

const QString kAdmin = u"boss"_s;
const QString kSupport = u"sam"_s;
const QString kFinance = u"fin"_s;
constexpr int kTimeoutMs = 3000;
constexpr int kSettleMs = 6000;

// A Luhn-valid test number made at run time (no card number is written in any file).
QByteArray testCardNumber(char first, int serial)
{
    QByteArray d(1, first);
    d += QByteArray::number(100000000000000LL + serial * 104729LL).right(14);
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

class TestCardVault : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void createdProfileIsLinkedAndMagentoGetsTheAttribute();
    void replacedCardChangesOnlyTheCard();
    void financeMayNotSaveCards();
    void lostCreateAnswerIsDecidedFromTheExport();
    void dueCardIntentWithoutCiphertextIsDead();
    void interruptedCardNotAtPayTraceIsDeadAfterTheWindow();
    void profileUpdateAndDeleteGoThroughIntents();

private:
    customers::CardSubmission card(int serial, const QString &actor = kSupport);
    customers::CardOutcome submit(const customers::CardSubmission &s);
    intents::Intent plan(const intents::PlanRequest &r);
    intents::Intent read(qint64 id);
    bool waitFor(qint64 id, intents::IntentState state, int timeoutMs = 60000);

    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    sync::SyncConfig m_config;
    qint64 m_magentoId = 0;
    QString m_vaultId;
};

void TestCardVault::initTestCase()
{
    sandbox::SandboxOptions options;
    options.orders = 120;
    options.seed = 16;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_config = test::sandboxSyncConfig(*m_sandbox->sandbox(), m_home.path(), u"vault"_s, kAdmin);
    m_config.requestTimeoutMs = kTimeoutMs;
    m_config.inDoubtSettleMs = kSettleMs;
    m_service = std::make_unique<sync::SyncService>(m_config);
    QVERIFY(test::syncOnce(*m_service));
    auto db = store::Database::openWriter(m_config.databasePath, u"roles"_s);
    QVERIFY(db);
    QVERIFY(access::OperatorDirectory(db.value()).assignRole(kAdmin, kSupport, access::Role::Support));
    QVERIFY(access::OperatorDirectory(db.value()).assignRole(kAdmin, kFinance, access::Role::Finance));
    db.value() = QSqlDatabase();
    store::Database::close(u"roles"_s);

    // A Magento customer with no vault profile yet.
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    for (const auto &c : sb.magento().customers()) {
        const QString vault = customers::CardVaultWriter::vaultIdFor(u"mage-{id}"_s, c.id);
        bool taken = false;
        for (const auto &p : sb.paytrace().customers())
            taken = taken || p.customerId == vault;
        if (!taken && c.customAttribute(u"paytrace_customer_id"_s).isEmpty() && !c.email.isEmpty()) {
            m_magentoId = c.id;
            m_vaultId = vault;
            break;
        }
    }
    QVERIFY2(m_magentoId > 0, "the sandbox has no Magento customer without a vault profile");
}

void TestCardVault::cleanupTestCase()
{
    m_service.reset();
    m_sandbox.reset();
}

customers::CardSubmission TestCardVault::card(int serial, const QString &actor)
{
    customers::CardSubmission s;
    auto encryptor = paytrace::CardEncryptor::fromPem(m_sandbox->sandbox()->paytrace().e2eePublicKeyPem());
    if (!encryptor)
        return s;
    const QByteArray digits = testCardNumber('4', serial);
    paytrace::SensitiveText number(digits);
    paytrace::SensitiveText csc(QByteArrayView("321"));
    auto encrypted = encryptor->encryptCard(number, csc, 1 + serial % 12, QDate::currentDate().year() + 3);
    if (!encrypted)
        return s;
    s.card = encrypted.value();
    s.cardType = u"Visa"_s;
    s.last4 = QString::fromLatin1(digits.right(4));
    s.reason = u"customer phoned in a new card"_s;
    s.actor = actor;
    return s;
}

customers::CardOutcome TestCardVault::submit(const customers::CardSubmission &s)
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

intents::Intent TestCardVault::plan(const intents::PlanRequest &r)
{
    intents::Intent out;
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"plan"_s);
        if (db) {
            intents::IntentJournal journal(db.value(), SystemClock::instance());
            auto planned = journal.plan(r);
            if (planned)
                out = planned->intent;
            else
                qWarning() << planned.error().toString();
        }
        db.value() = QSqlDatabase();
    }
    store::Database::close(u"plan"_s);
    return out;
}

intents::Intent TestCardVault::read(qint64 id)
{
    intents::Intent out;
    {
        auto db = store::Database::openReader(m_config.databasePath, u"probe"_s);
        if (db) {
            intents::IntentJournal journal(db.value(), SystemClock::instance());
            if (auto i = journal.get(id); i)
                out = i.value();
        }
        db.value() = QSqlDatabase();
    }
    store::Database::close(u"probe"_s);
    return out;
}

bool TestCardVault::waitFor(qint64 id, intents::IntentState state, int timeoutMs)
{
    return QTest::qWaitFor([&] {
        m_service->runIntents();
        QTest::qWait(100);
        return read(id).state == state;
    }, timeoutMs);
}

void TestCardVault::createdProfileIsLinkedAndMagentoGetsTheAttribute()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const auto before = sb.magento().customer(m_magentoId);
    QVERIFY(before);
    customers::CardSubmission s = card(1);
    s.mode = customers::CardSubmission::Mode::Create;
    s.magentoId = m_magentoId;
    s.billing.name = before->firstname + u' ' + before->lastname;
    s.billing.street = u"10 Vault Rd"_s;
    s.billing.city = u"Boise"_s;
    s.billing.state = u"ID"_s;
    s.billing.zip = u"83702"_s;
    s.billing.country = u"US"_s;
    s.email = before->email;
    const customers::CardOutcome out = submit(s);
    QVERIFY2(out.kind == customers::CardOutcome::Kind::Saved, qPrintable(out.message));
    QCOMPARE(out.vaultCustomerId, m_vaultId); // the mapping's default template

    const paytrace::EncryptedCard &sent = s.card;
    bool atPayTrace = false;
    for (const auto &p : sb.paytrace().customers()) {
        if (p.customerId == m_vaultId)
            atPayTrace = p.card.last4 == s.last4 && p.card.expirationMonth == sent.expirationMonth
                         && p.card.expirationYear == sent.expirationYear;
    }
    QVERIFY(atPayTrace);

    // The store shows the card and the link at once.
    {
        auto db = store::Database::openReader(m_config.databasePath, u"look"_s);
        QVERIFY(db);
        store::CustomerRepository repo(db.value());
        auto profile = repo.vaultProfile(m_vaultId);
        QVERIFY(profile && profile.value());
        QCOMPARE(profile.value()->cardLast4, s.last4);
        QCOMPARE(profile.value()->expYear, sent.expirationYear);
        auto link = repo.linkByMagento(m_magentoId);
        QVERIFY(link && link.value());
        QCOMPARE(link.value()->vaultCustomerId, m_vaultId);
        QCOMPARE(link.value()->rule, u"created"_s);
        db.value() = QSqlDatabase();
    }
    store::Database::close(u"look"_s);

    // The runner PUTs the whole customer with the attribute; nothing else changes.
    QVERIFY(QTest::qWaitFor([&] {
        m_service->runIntents();
        QTest::qWait(100);
        const auto c = sb.magento().customer(m_magentoId);
        return c && c->customAttribute(u"paytrace_customer_id"_s) == m_vaultId;
    }, 60000));
    const auto after = sb.magento().customer(m_magentoId);
    QCOMPARE(after->email, before->email);
    QCOMPARE(after->firstname, before->firstname);
    QCOMPARE(after->addresses.size(), before->addresses.size());
}

void TestCardVault::replacedCardChangesOnlyTheCard()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    QString emailBefore;
    for (const auto &p : sb.paytrace().customers())
        if (p.customerId == m_vaultId)
            emailBefore = p.email;
    customers::CardSubmission s = card(2);
    s.mode = customers::CardSubmission::Mode::Replace;
    s.vaultCustomerId = m_vaultId;
    const customers::CardOutcome out = submit(s);
    QVERIFY2(out.kind == customers::CardOutcome::Kind::Saved, qPrintable(out.message));
    bool replaced = false;
    for (const auto &p : sb.paytrace().customers()) {
        if (p.customerId == m_vaultId) {
            replaced = p.card.last4 == s.last4 && p.card.expirationMonth == s.card.expirationMonth;
            QCOMPARE(p.email, emailBefore);
        }
    }
    QVERIFY(replaced);
    const intents::Intent i = read(out.intentId);
    QCOMPARE(i.state, intents::IntentState::Succeeded);
    QCOMPARE(i.naturalKey, u"customer:card:"_s + m_vaultId + u":2"_s);
    // The payload says which card, never the card itself.
    QCOMPARE(i.payload.value(u"last4"_s).toString(), s.last4);
    const QByteArray stored = QJsonDocument(i.payload).toJson();
    QVERIFY(!stored.contains(s.card.encryptedNumber.toLatin1()));
    QVERIFY(!stored.contains(s.card.encryptedCsc.toLatin1()));
}

void TestCardVault::financeMayNotSaveCards()
{
    customers::CardSubmission s = card(3, kFinance);
    s.mode = customers::CardSubmission::Mode::Replace;
    s.vaultCustomerId = m_vaultId;
    const customers::CardOutcome out = submit(s);
    QCOMPARE(out.kind, customers::CardOutcome::Kind::Refused);
    QCOMPARE(out.errorCode, u"access.denied"_s);
}

void TestCardVault::lostCreateAnswerIsDecidedFromTheExport()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    sandbox::FaultRule rule;
    rule.path = u"/paytrace/v1/customer/create"_s;
    rule.method = u"POST"_s;
    rule.kind = sandbox::FaultKind::ResetAfter;
    rule.times = 1;
    sb.faults().add(rule);
    customers::CardSubmission s = card(4);
    s.mode = customers::CardSubmission::Mode::Create;
    s.vaultCustomerId = u"pbtest-lost-create"_s;
    s.billing.name = u"Lou Lost"_s;
    s.email = u"lou@example.com"_s;
    const customers::CardOutcome out = submit(s);
    sb.faults().clear();
    QCOMPARE(out.kind, customers::CardOutcome::Kind::InDoubt);
    // The janitor may have decided already (the runner looks up right after the answer).
    QVERIFY(waitFor(out.intentId, intents::IntentState::Succeeded));
    const intents::Intent i = read(out.intentId);
    QCOMPARE(i.attempts, 1); // never sent again: the ciphertext is gone anyway
    QCOMPARE(i.resultRef, u"pbtest-lost-create"_s);
    bool found = false;
    {
        auto db = store::Database::openReader(m_config.databasePath, u"probe2"_s);
        QVERIFY(db);
        intents::IntentJournal journal(db.value(), SystemClock::instance());
        auto attempts = journal.attempts(i.id);
        QVERIFY(attempts);
        for (const auto &a : attempts.value())
            found = found || (a.action == u"lookup" && a.outcome == u"found");
        db.value() = QSqlDatabase();
    }
    store::Database::close(u"probe2"_s);
    QVERIFY2(found, "the janitor did not find the card in PayTrace's customer export");
}

void TestCardVault::dueCardIntentWithoutCiphertextIsDead()
{
    // As a process that stopped between planning and sending would leave it.
    intents::PlanRequest r;
    r.kind = intents::IntentKind::PayTraceCustomerCard;
    r.naturalKey = customers::CardVaultWriter::cardKeyRoot(m_vaultId) + u":99"_s;
    r.requestedBy = kSupport;
    r.payload = QJsonObject{{u"customer_id"_s, m_vaultId}, {u"mode"_s, u"replace"_s}, {u"last4"_s, u"0000"_s},
                            {u"exp_month"_s, 1}, {u"exp_year"_s, 2030}, {u"reason"_s, u"gone"_s}};
    const intents::Intent planned = plan(r);
    QVERIFY(planned.id > 0);
    QVERIFY(waitFor(planned.id, intents::IntentState::Dead));
    const intents::Intent dead = read(planned.id);
    QCOMPARE(dead.deadReason, QString(sync::IntentRunner::kCardReenter));
    QCOMPARE(dead.attempts, 0); // never sent
}

void TestCardVault::interruptedCardNotAtPayTraceIsDeadAfterTheWindow()
{
    // A process marked a card replacement sending and died before its request left: the
    // janitor finds another card on the profile, waits out the settle window, and the intent
    // ends dead "card.reenter" (nobody holds the ciphertext to send it again).
    intents::PlanRequest r;
    r.kind = intents::IntentKind::PayTraceCustomerCard;
    r.naturalKey = customers::CardVaultWriter::cardKeyRoot(m_vaultId) + u":98"_s;
    r.requestedBy = kSupport;
    r.payload = QJsonObject{{u"customer_id"_s, m_vaultId}, {u"mode"_s, u"replace"_s}, {u"last4"_s, u"0000"_s},
                            {u"exp_month"_s, 1}, {u"exp_year"_s, 2031}, {u"reason"_s, u"interrupted"_s}};
    qint64 id = 0;
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"crashed"_s);
        QVERIFY(db);
        ManualClock past(QDateTime::currentDateTimeUtc().addSecs(-600));
        intents::IntentJournal journal(db.value(), past);
        journal.setOwner(u"crashed-host:999999:1"_s, 1000);
        auto planned = journal.plan(r);
        QVERIFY(planned);
        id = planned->intent.id;
        QVERIFY(journal.markSending(id, u"crashed-request"_s));
        db.value() = QSqlDatabase();
    }
    store::Database::close(u"crashed"_s);
    // A new engine takes over the store: the interrupted send is in doubt now.
    m_service = std::make_unique<sync::SyncService>(m_config);
    QVERIFY(waitFor(id, intents::IntentState::Dead, 90000));
    const intents::Intent dead = read(id);
    QCOMPARE(dead.deadReason, QString(sync::IntentRunner::kCardReenter));
    QCOMPARE(dead.attempts, 1); // the interrupted send only
}

void TestCardVault::profileUpdateAndDeleteGoThroughIntents()
{
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    intents::PlanRequest update;
    update.kind = intents::IntentKind::PayTraceCustomerUpdate;
    update.naturalKey = u"customer:pt:pbtest-lost-create:0badcafe"_s;
    update.requestedBy = u"system:customer-sync"_s;
    update.payload = QJsonObject{{u"customer_id"_s, u"pbtest-lost-create"_s}, {u"magento_id"_s, u""_s},
                                 {u"set"_s, QJsonObject{{u"email"_s, u"lou.new@example.com"_s}, {u"phone"_s, u"+15095550100"_s}}},
                                 {u"reason"_s, u"e-mail changed in Magento"_s}};
    const intents::Intent u = plan(update);
    QVERIFY(waitFor(u.id, intents::IntentState::Succeeded));
    bool changed = false;
    for (const auto &p : sb.paytrace().customers())
        if (p.customerId == u"pbtest-lost-create")
            changed = p.email == u"lou.new@example.com" && p.phone == u"+15095550100";
    QVERIFY(changed);

    intents::PlanRequest del;
    del.kind = intents::IntentKind::PayTraceCustomerDelete;
    del.naturalKey = u"customer:delete:pbtest-lost-create"_s;
    del.requestedBy = kAdmin;
    del.payload = QJsonObject{{u"customer_id"_s, u"pbtest-lost-create"_s}, {u"magento_id"_s, u""_s},
                              {u"reason"_s, u"customer deleted in Magento"_s}};
    const intents::Intent d = plan(del);
    QVERIFY(waitFor(d.id, intents::IntentState::Succeeded));
    for (const auto &p : sb.paytrace().customers())
        QVERIFY(p.customerId != u"pbtest-lost-create");
    {
        auto db = store::Database::openReader(m_config.databasePath, u"look"_s);
        QVERIFY(db);
        auto profile = store::CustomerRepository(db.value()).vaultProfile(u"pbtest-lost-create"_s);
        QVERIFY(profile && profile.value());
        QVERIFY(profile.value()->deletedAt.isValid()); // shown as deleted at once
        db.value() = QSqlDatabase();
    }
    store::Database::close(u"look"_s);
}

QTEST_GUILESS_MAIN(TestCardVault)
#include "tst_card_vault.moc"
