// The customer store (migration 0012) on a real SQLite file: upserts and their change counts,
// deletion marks, links and remembered unlinks, conflicts, vault deletions, the overview and
// expiring cards against an injected date.

#include "store/auditlog.h"
#include "store/customerrepository.h"
#include "store/database.h"

#include <QElapsedTimer>
#include <QSqlQuery>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::store;

namespace {

const QString kConnection = u"tst_customers"_s;

QDateTime utc(const char *iso)
{
    QDateTime t = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate);
    t.setTimeSpec(Qt::UTC);
    return t;
}

QString describe(const Error &e)
{
    return e.code + u" "_s + e.toString();
}

#define CHECK_OK(expr)                                                                     \
    do {                                                                                   \
        const auto &r_ = (expr);                                                           \
        QVERIFY2(r_.ok(), qPrintable(r_.ok() ? QString() : describe(r_.error())));         \
    } while (false)

MagentoCustomerRecord customer(qint64 id, const QString &email, const QString &first = u"Jane"_s,
                               const QString &last = u"Doe"_s)
{
    MagentoCustomerRecord c;
    c.magentoId = id;
    c.email = email;
    c.firstname = first;
    c.lastname = last;
    c.phone = u"+1 914 555 0100"_s;
    c.billing = PostalAddress{first + u' ' + last, u"123 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10577"_s, u"US"_s};
    c.websiteId = 1;
    c.createdAt = utc("2026-01-02T03:04:05Z");
    c.updatedAt = utc("2026-01-02T03:04:05Z");
    c.raw = QByteArray("{\"id\":") + QByteArray::number(id) + '}';
    return c;
}

VaultProfileRecord profile(const QString &id, const QString &email, const QString &last4 = u"1111"_s,
                           int month = 4, int year = 2027)
{
    VaultProfileRecord p;
    p.customerId = id;
    p.email = email;
    p.billingName = u"Jane Doe"_s;
    p.phone = u"9145550100"_s;
    p.billing = PostalAddress{u"Jane Doe"_s, u"123 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10577"_s, u"US"_s};
    p.cardType = u"Visa"_s;
    p.cardLast4 = last4;
    p.expMonth = month;
    p.expYear = year;
    return p;
}

} // namespace

class TestCustomerRepository : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void customerUpsertCountsChanges();
    void customerDeletionMarks();
    void vaultUpsertMovesChangedAtOnlyOnChange();
    void vaultDeletedExcept();
    void linkAndUnlink();
    void linkRefusesTakenSides();
    void conflictsOpenRefreshResolve();
    void deletions();
    void overviewAndSearch();
    void overviewIsFastForManyCustomers();
    void cardsExpiring();

private:
    QList<AuditEntry> audit(const QString &action);

    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

void TestCustomerRepository::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto opened = Database::openWriter(m_dir->filePath(u"store.sqlite"_s), kConnection);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : describe(opened.error())));
    m_db = opened.value();
}

void TestCustomerRepository::cleanup()
{
    m_db = QSqlDatabase();
    Database::close(kConnection);
    m_dir.reset();
}

QList<AuditEntry> TestCustomerRepository::audit(const QString &action)
{
    QList<AuditEntry> out;
    auto all = AuditLog(m_db).recent(1000);
    if (!all)
        return out;
    for (const AuditEntry &e : all.value()) {
        if (e.action == action)
            out.append(e);
    }
    return out;
}

void TestCustomerRepository::customerUpsertCountsChanges()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    const QDateTime t2 = utc("2026-12-01T11:00:00Z");
    auto first = repo.upsertCustomers({customer(1, u"Jane@Example.com"_s), customer(2, u"bob@example.com"_s, u"Bob"_s)}, t1);
    CHECK_OK(first);
    QCOMPARE(first.value(), 2);

    // Same content again: nothing changed, but the sync time moves.
    MagentoCustomerRecord changed = customer(2, u"bob@example.com"_s, u"Robert"_s);
    changed.vaultAttribute = u"mage-2"_s;
    changed.anonymised = true;
    auto second = repo.upsertCustomers({customer(1, u"Jane@Example.com"_s), changed}, t2);
    CHECK_OK(second);
    QCOMPARE(second.value(), 1);

    auto jane = repo.customer(1);
    CHECK_OK(jane);
    QVERIFY(jane->has_value());
    const MagentoCustomerRecord &j = **jane;
    QCOMPARE(j.email, u"Jane@Example.com"_s);
    QCOMPARE(j.syncedAt, t2);
    QCOMPARE(j.websiteId, std::optional<qint64>(1));
    QCOMPARE(j.createdAt, utc("2026-01-02T03:04:05Z"));
    QCOMPARE(j.billing.city, u"Purchase"_s);
    QCOMPARE(j.billing.name, u"Jane Doe"_s);
    QCOMPARE(j.raw, QByteArray("{\"id\":1}"));
    QVERIFY(!j.deletedAt.isValid());

    auto bob = repo.customer(2);
    CHECK_OK(bob);
    QCOMPARE((*bob)->firstname, u"Robert"_s);
    QCOMPARE((*bob)->vaultAttribute, u"mage-2"_s);
    QVERIFY((*bob)->anonymised);

    auto byEmail = repo.customersByEmail(u"  jane@EXAMPLE.com "_s);
    CHECK_OK(byEmail);
    QCOMPARE(byEmail->size(), 1);
    QCOMPARE(byEmail->first().magentoId, 1);

    auto none = repo.customer(99);
    CHECK_OK(none);
    QVERIFY(!none->has_value());

    MagentoCustomerRecord bad = customer(0, u"x@example.com"_s);
    QVERIFY(!repo.upsertCustomers({bad}, t2).ok());
}

void TestCustomerRepository::customerDeletionMarks()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    CHECK_OK(repo.upsertCustomers({customer(1, u"a@example.com"_s), customer(2, u"b@example.com"_s),
                                   customer(3, u"c@example.com"_s)}, t1));
    CHECK_OK(repo.markCustomersDeleted({2, 3}, utc("2026-12-02T10:00:00Z")));
    auto present = repo.presentCustomerIds();
    CHECK_OK(present);
    QCOMPARE(present.value(), QSet<qint64>({1}));
    auto two = repo.customer(2);
    CHECK_OK(two);
    QCOMPARE((*two)->deletedAt, utc("2026-12-02T10:00:00Z"));
    // Marking again keeps the first time.
    CHECK_OK(repo.markCustomersDeleted({2}, utc("2026-12-03T10:00:00Z")));
    QCOMPARE(repo.customer(2).value()->deletedAt, utc("2026-12-02T10:00:00Z"));
    auto byEmail = repo.customersByEmail(u"b@example.com"_s);
    CHECK_OK(byEmail);
    QVERIFY(byEmail->isEmpty());

    // Seen again: present again, and that counts as a change.
    auto back = repo.upsertCustomers({customer(3, u"c@example.com"_s)}, utc("2026-12-04T10:00:00Z"));
    CHECK_OK(back);
    QCOMPARE(back.value(), 1);
    QVERIFY(!repo.customer(3).value()->deletedAt.isValid());
    QCOMPARE(repo.presentCustomerIds().value(), QSet<qint64>({1, 3}));
}

void TestCustomerRepository::vaultUpsertMovesChangedAtOnlyOnChange()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    const QDateTime t2 = utc("2026-12-01T11:00:00Z");
    const QDateTime t3 = utc("2026-12-01T12:00:00Z");
    auto first = repo.upsertVaultProfiles({profile(u"mage-1"_s, u"a@example.com"_s), profile(u"legacy 7"_s, u"b@example.com"_s)}, t1);
    CHECK_OK(first);
    QCOMPARE(first.value(), 2);

    auto same = repo.upsertVaultProfiles({profile(u"mage-1"_s, u"a@example.com"_s)}, t2);
    CHECK_OK(same);
    QCOMPARE(same.value(), 0);
    auto p = repo.vaultProfile(u"mage-1"_s);
    CHECK_OK(p);
    QCOMPARE((*p)->changedAt, t1);
    QCOMPARE((*p)->firstSeenAt, t1);
    QCOMPARE((*p)->syncedAt, t2);

    auto moved = repo.upsertVaultProfiles({profile(u"mage-1"_s, u"a@example.com"_s, u"4242"_s, 9, 2029)}, t3);
    CHECK_OK(moved);
    QCOMPARE(moved.value(), 1);
    p = repo.vaultProfile(u"mage-1"_s);
    QCOMPARE((*p)->changedAt, t3);
    QCOMPARE((*p)->firstSeenAt, t1);
    QCOMPARE((*p)->cardLast4, u"4242"_s);
    QCOMPARE((*p)->expiryText(), u"09/2029"_s);
    QCOMPARE((*p)->billing.state, u"NY"_s);

    VaultProfileRecord unknown = profile(u"nocard"_s, u"c@example.com"_s, {}, 0, 0);
    unknown.cardType.clear();
    CHECK_OK(repo.upsertVaultProfiles({unknown}, t3));
    auto u = repo.vaultProfile(u"nocard"_s);
    CHECK_OK(u);
    QCOMPARE((*u)->expMonth, 0);
    QCOMPARE((*u)->expYear, 0);
    QCOMPARE((*u)->expiryText(), QString());

    auto byEmail = repo.vaultProfilesByEmail(u"B@Example.COM"_s);
    CHECK_OK(byEmail);
    QCOMPARE(byEmail->size(), 1);
    QCOMPARE(byEmail->first().customerId, u"legacy 7"_s);
}

void TestCustomerRepository::vaultDeletedExcept()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    CHECK_OK(repo.upsertVaultProfiles({profile(u"a"_s, u"a@x.com"_s), profile(u"b"_s, u"b@x.com"_s),
                                       profile(u"c"_s, u"c@x.com"_s)}, t1));
    auto gone = repo.markVaultProfilesDeletedExcept({u"a"_s}, utc("2026-12-02T10:00:00Z"));
    CHECK_OK(gone);
    QStringList ids = gone.value();
    ids.sort();
    QCOMPARE(ids, QStringList({u"b"_s, u"c"_s}));
    // Already marked ones are not reported again.
    auto again = repo.markVaultProfilesDeletedExcept({u"a"_s}, utc("2026-12-03T10:00:00Z"));
    CHECK_OK(again);
    QVERIFY(again->isEmpty());
    auto present = repo.vaultProfiles();
    CHECK_OK(present);
    QCOMPARE(present->size(), 1);
    QCOMPARE(repo.vaultProfile(u"b"_s).value()->deletedAt, utc("2026-12-02T10:00:00Z"));

    // Back in the export: present again, a change even with the same content.
    auto back = repo.upsertVaultProfiles({profile(u"b"_s, u"b@x.com"_s)}, utc("2026-12-04T10:00:00Z"));
    CHECK_OK(back);
    QCOMPARE(back.value(), 1);
    QVERIFY(!repo.vaultProfile(u"b"_s).value()->deletedAt.isValid());
}

void TestCustomerRepository::linkAndUnlink()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    CustomerFieldValues base = customer(1, u"a@example.com"_s).fields();
    auto id = repo.link(1, u"mage-1"_s, u"vault_id"_s, u"vault id mage-{id}"_s, base, u"sync"_s, t1);
    CHECK_OK(id);
    QVERIFY(id.value() > 0);

    auto byMagento = repo.linkByMagento(1);
    CHECK_OK(byMagento);
    QVERIFY(byMagento->has_value());
    QCOMPARE((*byMagento)->vaultCustomerId, u"mage-1"_s);
    QCOMPARE((*byMagento)->rule, u"vault_id"_s);
    QCOMPARE((*byMagento)->base, base);
    QCOMPARE((*byMagento)->linkedAt, t1);
    auto byVault = repo.linkByVault(u"mage-1"_s);
    CHECK_OK(byVault);
    QCOMPARE((*byVault)->magentoId, 1);
    QCOMPARE(audit(u"customer.linked"_s).size(), 1);

    CustomerFieldValues newer = base;
    newer.phone = u"+15550000"_s;
    CHECK_OK(repo.setBase(id.value(), newer));
    QCOMPARE(repo.linkByMagento(1).value()->base.phone, u"+15550000"_s);
    QVERIFY(!repo.setBase(9999, newer).ok());

    // An open conflict is dismissed by the unlink.
    CustomerConflict c;
    c.linkId = id.value();
    c.magentoId = 1;
    c.vaultCustomerId = u"mage-1"_s;
    c.field = CustomerField::Email;
    c.baseValue = u"a@example.com"_s;
    c.magentoValue = u"m@example.com"_s;
    c.paytraceValue = u"p@example.com"_s;
    auto cid = repo.openConflict(c, t1);
    CHECK_OK(cid);

    CHECK_OK(repo.unlink(1, u"alice"_s, true, utc("2026-12-01T11:00:00Z")));
    QVERIFY(!repo.linkByMagento(1).value().has_value());
    QVERIFY(repo.wasUnlinkedByPerson(1, u"mage-1"_s).value());
    QVERIFY(!repo.wasUnlinkedByPerson(1, u"mage-2"_s).value());
    auto dismissed = repo.conflict(cid.value());
    CHECK_OK(dismissed);
    QCOMPARE((*dismissed)->state, u"resolved"_s);
    QCOMPARE((*dismissed)->resolution, u"dismissed"_s);
    QCOMPARE((*dismissed)->resolvedBy, u"alice"_s);
    QCOMPARE(audit(u"customer.unlinked"_s).size(), 1);
    QCOMPARE(audit(u"customer.unlinked"_s).first().actor, u"alice"_s);

    // Not linked any more: a second unlink is an error.
    QCOMPARE(repo.unlink(1, u"alice"_s, true, t1).error().code, u"customer.not_linked"_s);

    // An automatic unlink is not remembered; a manual relink clears the remembered pair.
    CHECK_OK(repo.link(2, u"mage-2"_s, u"email"_s, {}, base, u"sync"_s, t1));
    CHECK_OK(repo.unlink(2, u"sync"_s, false, t1));
    QVERIFY(!repo.wasUnlinkedByPerson(2, u"mage-2"_s).value());
    CHECK_OK(repo.link(1, u"mage-1"_s, u"manual"_s, u"linked by alice"_s, base, u"alice"_s, t1));
    QVERIFY(!repo.wasUnlinkedByPerson(1, u"mage-1"_s).value());
    auto all = repo.links();
    CHECK_OK(all);
    QCOMPARE(all->size(), 1);
}

void TestCustomerRepository::linkRefusesTakenSides()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    CHECK_OK(repo.link(1, u"v1"_s, u"attribute"_s, {}, {}, u"sync"_s, t1));
    auto magentoTaken = repo.link(1, u"v2"_s, u"manual"_s, {}, {}, u"bob"_s, t1);
    QVERIFY(!magentoTaken.ok());
    QCOMPARE(magentoTaken.error().code, u"customer.already_linked"_s);
    auto vaultTaken = repo.link(2, u"v1"_s, u"manual"_s, {}, {}, u"bob"_s, t1);
    QVERIFY(!vaultTaken.ok());
    QCOMPARE(vaultTaken.error().code, u"customer.already_linked"_s);
    // The schema refuses a rule it does not know.
    QVERIFY(!repo.link(3, u"v3"_s, u"guess"_s, {}, {}, u"bob"_s, t1).ok());
    QCOMPARE(repo.links().value().size(), 1);
    QCOMPARE(audit(u"customer.linked"_s).size(), 1);
}

void TestCustomerRepository::conflictsOpenRefreshResolve()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    auto link = repo.link(5, u"v5"_s, u"attribute"_s, {}, {}, u"sync"_s, t1);
    CHECK_OK(link);
    CustomerConflict c;
    c.linkId = link.value();
    c.magentoId = 5;
    c.vaultCustomerId = u"v5"_s;
    c.field = CustomerField::Phone;
    c.baseValue = u"+1"_s;
    c.magentoValue = u"+2"_s;
    c.paytraceValue = u"+3"_s;
    auto first = repo.openConflict(c, t1);
    CHECK_OK(first);

    c.magentoValue = u"+4"_s;
    auto again = repo.openConflict(c, utc("2026-12-01T12:00:00Z"));
    CHECK_OK(again);
    QCOMPARE(again.value(), first.value());
    auto open = repo.openConflicts();
    CHECK_OK(open);
    QCOMPARE(open->size(), 1);
    QCOMPARE(open->first().magentoValue, u"+4"_s);
    QCOMPARE(open->first().openedAt, t1);
    QCOMPARE(open->first().field, CustomerField::Phone);
    QCOMPARE(audit(u"customer.conflict_opened"_s).size(), 1);

    c.field = CustomerField::Billing;
    CHECK_OK(repo.openConflict(c, t1));
    QCOMPARE(repo.openConflicts(5).value().size(), 2);
    QCOMPARE(repo.openConflicts(6).value().size(), 0);

    QCOMPARE(repo.resolveConflict(first.value(), u"both"_s, u"alice"_s, t1).error().field, u"resolution"_s);
    CHECK_OK(repo.resolveConflict(first.value(), u"paytrace"_s, u"alice"_s, utc("2026-12-02T09:00:00Z")));
    auto resolved = repo.conflict(first.value());
    CHECK_OK(resolved);
    QCOMPARE((*resolved)->state, u"resolved"_s);
    QCOMPARE((*resolved)->resolution, u"paytrace"_s);
    QCOMPARE((*resolved)->resolvedAt, utc("2026-12-02T09:00:00Z"));
    QCOMPARE(repo.resolveConflict(first.value(), u"magento"_s, u"bob"_s, t1).error().code,
             u"customer.conflict_resolved"_s);
    QCOMPARE(audit(u"customer.conflict_resolved"_s).size(), 1);

    // After resolving, the same field may open a new conflict.
    c.field = CustomerField::Phone;
    auto next = repo.openConflict(c, t1);
    CHECK_OK(next);
    QVERIFY(next.value() != first.value());
}

void TestCustomerRepository::deletions()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    auto d = repo.addDeletion(u"v1"_s, 1, u"deleted"_s, t1);
    CHECK_OK(d);
    auto same = repo.addDeletion(u"v1"_s, 1, u"anonymised"_s, t1);
    CHECK_OK(same);
    QCOMPARE(same.value(), d.value());
    QVERIFY(!repo.addDeletion(u"v2"_s, 2, u"gone"_s, t1).ok());
    auto d2 = repo.addDeletion(u"v2"_s, 2, u"anonymised"_s, t1);
    CHECK_OK(d2);
    QCOMPARE(repo.deletions(u"awaiting"_s).value().size(), 2);
    QCOMPARE(audit(u"customer.deletion_found"_s).size(), 2);

    CHECK_OK(repo.decideDeletion(d.value(), true, u"alice"_s, u"customer:delete:v1"_s, utc("2026-12-02T10:00:00Z")));
    CHECK_OK(repo.decideDeletion(d2.value(), false, u"alice"_s, {}, utc("2026-12-02T10:00:00Z")));
    auto confirmed = repo.deletion(d.value());
    CHECK_OK(confirmed);
    QCOMPARE((*confirmed)->state, u"confirmed"_s);
    QCOMPARE((*confirmed)->intentKey, u"customer:delete:v1"_s);
    QCOMPARE((*confirmed)->decidedBy, u"alice"_s);
    QCOMPARE(repo.deletion(d2.value()).value()->state, u"declined"_s);
    QCOMPARE(repo.decideDeletion(d.value(), false, u"bob"_s, {}, t1).error().code, u"customer.deletion_decided"_s);
    QCOMPARE(repo.deletions(u"awaiting"_s).value().size(), 0);
    QCOMPARE(repo.deletions().value().size(), 2);
    QCOMPARE(audit(u"customer.deletion_decided"_s).size(), 2);

    // Once decided, the profile may await a deletion again.
    auto third = repo.addDeletion(u"v1"_s, 1, u"deleted"_s, t1);
    CHECK_OK(third);
    QVERIFY(third.value() != d.value());
}

void TestCustomerRepository::overviewAndSearch()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    CHECK_OK(repo.upsertCustomers({customer(1, u"zed@example.com"_s, u"Zed"_s, u"Zulu"_s),
                                   customer(2, u"amy@example.com"_s, u"Amy"_s, u"Adams"_s),
                                   customer(3, u"gone@example.com"_s, u"Gone"_s, u"Person"_s)}, t1));
    CHECK_OK(repo.upsertVaultProfiles({profile(u"mage-1"_s, u"zed@example.com"_s, u"4242"_s, 1, 2027),
                                       profile(u"legacy-9"_s, u"bea@example.com"_s, u"5555"_s),
                                       profile(u"mage-3"_s, u"gone@example.com"_s, u"0005"_s)}, t1));
    auto l1 = repo.link(1, u"mage-1"_s, u"vault_id"_s, u"the vault id is mage-1"_s, {}, u"sync"_s, t1);
    CHECK_OK(l1);
    CHECK_OK(repo.link(3, u"mage-3"_s, u"attribute"_s, {}, {}, u"sync"_s, t1));
    CHECK_OK(repo.markCustomersDeleted({3}, t1));
    CustomerConflict c;
    c.linkId = l1.value();
    c.magentoId = 1;
    c.vaultCustomerId = u"mage-1"_s;
    c.field = CustomerField::Name;
    CHECK_OK(repo.openConflict(c, t1));

    auto all = repo.overview();
    CHECK_OK(all);
    QCOMPARE(all->size(), 4);
    // Ordered by e-mail: amy, bea (vault only), gone (vault, customer deleted), zed (linked).
    QCOMPARE(all->at(0).magentoId, std::optional<qint64>(2));
    QCOMPARE(all->at(0).vaultCustomerId, QString());
    QCOMPARE(all->at(0).name, u"Amy Adams"_s);
    QCOMPARE(all->at(0).linkRule, QString());
    QVERIFY(!all->at(1).magentoId.has_value());
    QCOMPARE(all->at(1).vaultCustomerId, u"legacy-9"_s);
    QCOMPARE(all->at(1).cardLast4, u"5555"_s);
    QCOMPARE(all->at(1).cardExpiry, u"04/2027"_s);
    QCOMPARE(all->at(2).vaultCustomerId, u"mage-3"_s);
    QVERIFY(all->at(2).deletedInMagento);
    QCOMPARE(all->at(2).magentoId, std::optional<qint64>(3));
    const CustomerOverview &zed = all->at(3);
    QCOMPARE(zed.magentoId, std::optional<qint64>(1));
    QCOMPARE(zed.vaultCustomerId, u"mage-1"_s);
    QCOMPARE(zed.cardType, u"Visa"_s);
    QCOMPARE(zed.cardExpiry, u"01/2027"_s);
    QCOMPARE(zed.linkRule, u"vault_id"_s);
    QCOMPARE(zed.linkRuleDetail, u"the vault id is mage-1"_s);
    QCOMPARE(zed.openConflicts, 1);
    QVERIFY(!zed.deletedInMagento);

    const auto ids = [&](const QString &search) {
        QStringList out;
        const auto rows = repo.overview(search);
        if (!rows)
            return QStringList({u"error: "_s + rows.error().message});
        for (const CustomerOverview &o : rows.value())
            out.append(o.magentoId ? QString::number(*o.magentoId) : o.vaultCustomerId);
        return out;
    };
    QCOMPARE(ids(u"ZED@"_s), QStringList({u"1"_s}));
    QCOMPARE(ids(u"adams"_s), QStringList({u"2"_s}));
    QCOMPARE(ids(u"legacy"_s), QStringList({u"legacy-9"_s}));
    QCOMPARE(ids(u"2"_s), QStringList({u"2"_s}));
    QCOMPARE(ids(u"4242"_s), QStringList({u"1"_s}));
    QCOMPARE(ids(u"%"_s), QStringList());
    QCOMPARE(ids(u"nobody"_s), QStringList());
}

void TestCustomerRepository::overviewIsFastForManyCustomers()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    constexpr int kCustomers = 100000;
    QList<MagentoCustomerRecord> customers;
    QList<VaultProfileRecord> profiles;
    customers.reserve(kCustomers);
    for (int i = 1; i <= kCustomers; ++i) {
        const QString email = u"c%1@example.com"_s.arg(i);
        customers.append(customer(i, email, u"First%1"_s.arg(i), u"Last"_s));
        if (i % 2 == 0)
            profiles.append(profile(u"mage-%1"_s.arg(i), email, u"%1"_s.arg(i % 10000, 4, 10, QChar(u'0'))));
    }
    QElapsedTimer setup;
    setup.start();
    CHECK_OK(repo.upsertCustomers(customers, t1));
    const qint64 customersMs = setup.restart();
    CHECK_OK(repo.upsertVaultProfiles(profiles, t1));
    const qint64 profilesMs = setup.restart();
    {
        // One outer transaction: each link() then nests as a savepoint (as in a sync run).
        QSqlQuery begin(m_db);
        QVERIFY(begin.exec(u"BEGIN IMMEDIATE"_s));
        for (int i = 2; i <= kCustomers; i += 20)
            CHECK_OK(repo.link(i, u"mage-%1"_s.arg(i), u"vault_id"_s, {}, {}, u"sync"_s, t1));
        QSqlQuery commit(m_db);
        QVERIFY(commit.exec(u"COMMIT"_s));
    }
    qInfo("setup: customers %lld ms, profiles %lld ms, links %lld ms", customersMs, profilesMs, setup.elapsed());

    QElapsedTimer timer;
    timer.start();
    auto all = repo.overview();
    const qint64 allMs = timer.elapsed();
    CHECK_OK(all);
    // Every customer, plus the profiles nobody links (one in ten profiles is linked).
    QCOMPARE(all->size(), kCustomers + kCustomers / 2 - kCustomers / 20);
    timer.restart();
    auto found = repo.overview(u"c77777@"_s);
    const qint64 searchMs = timer.elapsed();
    CHECK_OK(found);
    QCOMPARE(found->size(), 1);
    qInfo("overview of %d rows: %lld ms; search: %lld ms", int(all->size()), allMs, searchMs);
    // Generous bounds for sanitizer builds; a query per row would take far longer.
    QVERIFY2(allMs < 5000, qPrintable(QString::number(allMs)));
    QVERIFY2(searchMs < 3000, qPrintable(QString::number(searchMs)));
}

void TestCustomerRepository::cardsExpiring()
{
    CustomerRepository repo(m_db);
    const QDateTime t1 = utc("2026-12-01T10:00:00Z");
    CHECK_OK(repo.upsertVaultProfiles({profile(u"expired"_s, u"a@x.com"_s, u"1111"_s, 11, 2026),
                                       profile(u"this-month"_s, u"b@x.com"_s, u"2222"_s, 12, 2026),
                                       profile(u"next-month"_s, u"c@x.com"_s, u"3333"_s, 1, 2027),
                                       profile(u"later"_s, u"d@x.com"_s, u"4444"_s, 2, 2027),
                                       profile(u"unknown"_s, u"e@x.com"_s, {}, 0, 0),
                                       profile(u"deleted"_s, u"f@x.com"_s, u"6666"_s, 12, 2026)}, t1));
    CHECK_OK(repo.markVaultProfilesDeletedExcept({u"expired"_s, u"this-month"_s, u"next-month"_s, u"later"_s, u"unknown"_s}, t1));
    const QDate today(2026, 12, 15); // the year turns between this month and next
    auto expiring = repo.cardsExpiring(today);
    CHECK_OK(expiring);
    QStringList ids;
    for (const VaultProfileRecord &p : expiring.value())
        ids.append(p.customerId);
    QCOMPARE(ids, QStringList({u"expired"_s, u"this-month"_s, u"next-month"_s}));
    QVERIFY(expiring->at(0).cardExpired(today));
    QVERIFY(!expiring->at(0).cardExpiringSoon(today));
    QVERIFY(expiring->at(1).cardExpiringSoon(today));
    QVERIFY(expiring->at(2).cardExpiringSoon(today));

    auto inJanuary = repo.cardsExpiring(QDate(2027, 1, 1));
    CHECK_OK(inJanuary);
    QCOMPARE(inJanuary->size(), 4);
}

QTEST_GUILESS_MAIN(TestCustomerRepository)
#include "tst_customer_repository.moc"
