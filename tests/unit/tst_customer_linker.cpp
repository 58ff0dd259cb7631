// Which Magento customer owns which vault profile (core/customers/customerlinker): the rules in
// order, each side linked once, ambiguity reported, a person's unlink respected.
#include "customers/customerlinker.h"

#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::customers;

namespace {

MagentoCustomerRecord customer(qint64 id, const QString &email, const QString &attribute = {})
{
    MagentoCustomerRecord c;
    c.magentoId = id;
    c.email = email;
    c.firstname = u"First"_s;
    c.lastname = u"Last"_s;
    c.vaultAttribute = attribute;
    return c;
}

VaultProfileRecord profile(const QString &id, const QString &email)
{
    VaultProfileRecord p;
    p.customerId = id;
    p.email = email;
    return p;
}

const ProposedLink *find(const LinkProposal &p, qint64 magentoId)
{
    for (const ProposedLink &l : p.links) {
        if (l.magentoId == magentoId)
            return &l;
    }
    return nullptr;
}

} // namespace

class TestCustomerLinker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rulesInOrder()
    {
        const mapping::CustomerRules rules;
        const QList<MagentoCustomerRecord> customers = {
            customer(1, u"ann@example.com"_s, u"1733439821"_s), // attribute names a profile
            customer(2, u"bob@example.com"_s),                  // mage-2 exists
            customer(3, u" Cleo@Example.com "_s),               // e-mail only
            customer(4, u"dan@example.com"_s),                  // nothing matches
        };
        const QList<VaultProfileRecord> profiles = {
            profile(u"1733439821"_s, u"someone-else@example.com"_s),
            profile(u"mage-2"_s, u"bob.other@example.com"_s),
            profile(u"PT-77"_s, u"cleo@example.com"_s),
            profile(u"PT-78"_s, u"erin@example.com"_s),
        };
        const LinkProposal p = CustomerLinker::propose(customers, profiles, {}, {}, rules);
        QCOMPARE(p.links.size(), 3);
        QCOMPARE(*find(p, 1), (ProposedLink{1, u"1733439821"_s, u"attribute"_s,
                                            u"Magento attribute paytrace_customer_id = 1733439821"_s}));
        QCOMPARE(find(p, 2)->vaultCustomerId, u"mage-2"_s);
        QCOMPARE(find(p, 2)->rule, u"vault_id"_s);
        QVERIFY2(find(p, 2)->ruleDetail.contains(u"mage-2"_s), qPrintable(find(p, 2)->ruleDetail));
        QCOMPARE(*find(p, 3), (ProposedLink{3, u"PT-77"_s, u"email"_s, u"same e-mail cleo@example.com on both sides"_s}));
        QVERIFY(!find(p, 4));
    }

    void attributeBeatsEmailAndVaultId()
    {
        const mapping::CustomerRules rules;
        // Customer 5's attribute names PT-1 although mage-5 exists and the e-mail matches PT-2.
        const QList<MagentoCustomerRecord> customers = {customer(5, u"x@example.com"_s, u"PT-1"_s)};
        const QList<VaultProfileRecord> profiles = {profile(u"PT-1"_s, u""_s), profile(u"mage-5"_s, u""_s),
                                                    profile(u"PT-2"_s, u"x@example.com"_s)};
        const LinkProposal p = CustomerLinker::propose(customers, profiles, {}, {}, rules);
        QCOMPARE(p.links.size(), 1);
        QCOMPARE(p.links.first().vaultCustomerId, u"PT-1"_s);
        QCOMPARE(p.links.first().rule, u"attribute"_s);
    }

    void attributeNamingNothingFallsThrough()
    {
        const mapping::CustomerRules rules;
        const QList<MagentoCustomerRecord> customers = {customer(6, u"y@example.com"_s, u"GONE"_s)};
        const QList<VaultProfileRecord> profiles = {profile(u"mage-6"_s, u""_s)};
        const LinkProposal p = CustomerLinker::propose(customers, profiles, {}, {}, rules);
        QCOMPARE(p.links.size(), 1);
        QCOMPARE(p.links.first().rule, u"vault_id"_s);
        QCOMPARE(p.notLinked.size(), 1);
        QVERIFY2(p.notLinked.first().contains(u"GONE"_s), qPrintable(p.notLinked.first()));
    }

    void ambiguousEmailIsReportedNotLinked()
    {
        const mapping::CustomerRules rules;
        // Two Magento customers (two websites) share an e-mail; two profiles share another.
        const QList<MagentoCustomerRecord> customers = {customer(7, u"twin@example.com"_s),
                                                        customer(8, u"TWIN@example.com"_s),
                                                        customer(9, u"solo@example.com"_s)};
        const QList<VaultProfileRecord> profiles = {profile(u"A"_s, u"twin@example.com"_s),
                                                    profile(u"B"_s, u"solo@example.com"_s),
                                                    profile(u"C"_s, u"solo@example.com"_s)};
        const LinkProposal p = CustomerLinker::propose(customers, profiles, {}, {}, rules);
        QVERIFY(p.links.isEmpty());
        QCOMPARE(p.notLinked.size(), 2);
        QVERIFY(p.notLinked.at(0).contains(u"twin@example.com"_s));
        QVERIFY(p.notLinked.at(1).contains(u"2 vault profiles"_s));

        // With e-mail matching off, nothing is said about e-mails at all.
        mapping::CustomerRules off;
        off.matchByEmail = false;
        const LinkProposal q = CustomerLinker::propose(
            {customer(10, u"z@example.com"_s)}, {profile(u"Z"_s, u"z@example.com"_s)}, {}, {}, off);
        QVERIFY(q.links.isEmpty());
        QVERIFY(q.notLinked.isEmpty());
    }

    void existingLinksAndUnlinksAreRespected()
    {
        const mapping::CustomerRules rules;
        CustomerLink existing;
        existing.magentoId = 11;
        existing.vaultCustomerId = u"P11"_s;
        const QList<MagentoCustomerRecord> customers = {customer(11, u"k@example.com"_s),
                                                        customer(12, u"l@example.com"_s, u"P11"_s),
                                                        customer(13, u"m@example.com"_s)};
        const QList<VaultProfileRecord> profiles = {profile(u"P11"_s, u"k@example.com"_s),
                                                    profile(u"P13"_s, u"m@example.com"_s),
                                                    profile(u"mage-13"_s, u""_s)};
        QSet<CustomerLinker::Pair> unlinked;
        unlinked.insert({13, u"mage-13"_s});
        const LinkProposal p = CustomerLinker::propose(customers, profiles, {existing}, unlinked, rules);
        // 11 is linked already; 12's attribute names P11, taken; 13 was unlinked from mage-13
        // by a person, so the e-mail rule links it to P13 instead.
        QCOMPARE(p.links.size(), 1);
        QCOMPARE(p.links.first(), (ProposedLink{13, u"P13"_s, u"email"_s, u"same e-mail m@example.com on both sides"_s}));
        QVERIFY(p.notLinked.join(u'\n').contains(u"linked to another customer"_s));
        QVERIFY(p.notLinked.join(u'\n').contains(u"a person unlinked them"_s));
    }

    void deletedRecordsAreLeftOut()
    {
        const mapping::CustomerRules rules;
        MagentoCustomerRecord gone = customer(14, u"n@example.com"_s);
        gone.deletedAt = QDateTime(QDate(2026, 1, 2), QTime(3, 4), Qt::UTC);
        VaultProfileRecord goneProfile = profile(u"mage-15"_s, u""_s);
        goneProfile.deletedAt = gone.deletedAt;
        const LinkProposal p = CustomerLinker::propose({gone, customer(15, u"o@example.com"_s)},
                                                       {profile(u"N"_s, u"n@example.com"_s), goneProfile}, {}, {},
                                                       rules);
        QVERIFY(p.links.isEmpty());
    }

    void vaultIdTemplate()
    {
        QCOMPARE(CustomerLinker::magentoIdFromVaultId(u"mage-42"_s, u"mage-{id}"_s), 42);
        QCOMPARE(CustomerLinker::magentoIdFromVaultId(u"shop.42.x"_s, u"shop.{id}.x"_s), 42);
        QCOMPARE(CustomerLinker::magentoIdFromVaultId(u"42"_s, u"{id}"_s), 42);
        QVERIFY(!CustomerLinker::magentoIdFromVaultId(u"mage-042"_s, u"mage-{id}"_s));
        QVERIFY(!CustomerLinker::magentoIdFromVaultId(u"mage-"_s, u"mage-{id}"_s));
        QVERIFY(!CustomerLinker::magentoIdFromVaultId(u"mage-4a"_s, u"mage-{id}"_s));
        QVERIFY(!CustomerLinker::magentoIdFromVaultId(u"mage--4"_s, u"mage-{id}"_s));
        QVERIFY(!CustomerLinker::magentoIdFromVaultId(u"page-4"_s, u"mage-{id}"_s));
        QVERIFY(!CustomerLinker::magentoIdFromVaultId(u"mage-99999999999999999999"_s, u"mage-{id}"_s));
        // Another template links by its own ids only.
        mapping::CustomerRules rules;
        rules.newVaultIdTemplate = u"c{id}"_s;
        const LinkProposal p = CustomerLinker::propose({customer(16, u""_s)}, {profile(u"mage-16"_s, u""_s),
                                                                               profile(u"c16"_s, u""_s)},
                                                       {}, {}, rules);
        QCOMPARE(p.links.size(), 1);
        QCOMPARE(p.links.first().vaultCustomerId, u"c16"_s);
    }
};

QTEST_GUILESS_MAIN(TestCustomerLinker)
#include "tst_customer_linker.moc"
