// People's actions on customers (core/customers/customeractions) on a real SQLite store: who may
// do what, the errors a person reads, and the intents and records each action leaves.
#include "access/operatordirectory.h"
#include "customers/customeractions.h"
#include "store/customerrepository.h"
#include "store/database.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::customers;

class TestCustomerActions : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    QSqlDatabase m_db;
    ManualClock m_clock{QDateTime(QDate(2026, 12, 7), QTime(12, 0), Qt::UTC)};

    QStringList column(const QString &sql)
    {
        QStringList out;
        QSqlQuery q(m_db);
        if (!q.exec(sql))
            return {u"<sql error>"_s};
        while (q.next())
            out << q.value(0).toString();
        return out;
    }

    void seed()
    {
        store::CustomerRepository repo(m_db);
        MagentoCustomerRecord c;
        c.magentoId = 42;
        c.email = u"jane@example.com"_s;
        c.firstname = u"Jane"_s;
        c.lastname = u"Doe"_s;
        c.phone = u"+1 914 555 0100"_s;
        c.billing = PostalAddress{u"Jane Doe"_s, u"1 Oak Ave"_s, {}, u"Purchase"_s, u"NY"_s, u"10577"_s, u"US"_s};
        c.vaultAttribute = u"PT-9"_s;
        c.raw = "{}";
        QVERIFY(repo.upsertCustomers({c}, m_clock.nowUtc()));
        VaultProfileRecord v;
        v.customerId = u"PT-9"_s;
        v.email = u"jane@example.com"_s;
        v.billing = c.billing;
        v.billingName = c.billing.name;
        v.phone = u"9145550199"_s; // differs: Magento wins on the first comparison
        QVERIFY(repo.upsertVaultProfiles({v}, m_clock.nowUtc()));
    }

private Q_SLOTS:
    void init()
    {
        auto db = store::Database::openWriter(m_dir.filePath(u"store.sqlite"_s), u"actions"_s);
        QVERIFY(db);
        m_db = db.value();
        access::OperatorDirectory ops(m_db);
        QVERIFY(ops.ensureBootstrapAdmin(u"ada"_s));
        for (const auto &[account, role] : {std::pair{u"sam"_s, access::Role::Support},
                                            std::pair{u"fin"_s, access::Role::Finance}}) {
            QVERIFY(ops.addOperator(u"ada"_s, account, account));
            QVERIFY(ops.assignRole(u"ada"_s, account, role));
        }
        seed();
    }

    void cleanup()
    {
        m_db = QSqlDatabase();
        store::Database::close(u"actions"_s);
        QFile::remove(m_dir.filePath(u"store.sqlite"_s));
    }

    void linkAndUnlink()
    {
        CustomerActions actions(m_db, mapping::CustomerRules{}, m_clock);
        // Finance reads only; someone unknown nothing.
        QCOMPARE(actions.link(42, u"PT-9"_s, u"fin"_s).error().code, u"access.denied"_s);
        QCOMPARE(actions.link(42, u"PT-9"_s, u"nobody"_s).error().code, u"access.denied"_s);
        QCOMPARE(actions.link(7, u"PT-9"_s, u"sam"_s).error().code, u"customer.not_found"_s);
        QCOMPARE(actions.link(42, u"PT-0"_s, u"sam"_s).error().code, u"customer.vault_not_found"_s);

        const auto linked = actions.link(42, u"PT-9"_s, u"sam"_s);
        QVERIFY2(linked, qPrintable(linked ? QString() : linked.error().toString()));
        QCOMPARE(linked->rule, u"manual"_s);
        QCOMPARE(linked->linkedBy, u"sam"_s);
        QCOMPARE(actions.link(42, u"PT-9"_s, u"sam"_s).error().code, u"customer.already_linked"_s);
        // The phone differed: Magento's goes to PayTrace at once, as for a pair the sync links.
        const QStringList planned = column(u"SELECT json_extract(payload, '$.set.phone') FROM intents "
                                           "WHERE kind = 'paytrace.customer.update'"_s);
        QCOMPARE(planned, QStringList{u"+1 914 555 0100"_s});

        QCOMPARE(actions.unlink(42, u"fin"_s).error().code, u"access.denied"_s);
        QVERIFY(actions.unlink(42, u"ada"_s));
        QCOMPARE(actions.unlink(42, u"ada"_s).error().code, u"customer.not_linked"_s);
        // Remembered, and the attribute that named the profile is cleared in Magento.
        QCOMPARE(column(u"SELECT unlinked_by FROM customer_unlinks"_s), QStringList{u"ada"_s});
        QCOMPARE(column(u"SELECT json_extract(payload, '$.set.attribute.value') FROM intents "
                        "WHERE kind = 'magento.customer.update'"_s),
                 QStringList{QString()});
    }

    void conflictsAndDeletions()
    {
        store::CustomerRepository repo(m_db);
        CustomerFieldValues base;
        base.phone = u"9145550000"_s;
        const auto linkId = repo.link(42, u"PT-9"_s, u"attribute"_s, u"Magento attribute paytrace_customer_id = PT-9"_s,
                                      base, u"system:customers"_s, m_clock.nowUtc());
        QVERIFY(linkId);
        CustomerConflict c{0, *linkId, 42, u"PT-9"_s, CustomerField::Phone, u"9145550000"_s, u"+19145550100"_s,
                           u"9145550199"_s, m_clock.nowUtc(), u"open"_s, {}, {}, {}};
        const auto conflictId = repo.openConflict(c, m_clock.nowUtc());
        QVERIFY(conflictId);

        CustomerActions actions(m_db, mapping::CustomerRules{}, m_clock);
        QCOMPARE(actions.resolveConflict(*conflictId, u"both"_s, u"sam"_s).error().code, u"customer.resolution"_s);
        QCOMPARE(actions.resolveConflict(*conflictId, u"paytrace"_s, u"fin"_s).error().code, u"access.denied"_s);
        QCOMPARE(actions.resolveConflict(999, u"paytrace"_s, u"sam"_s).error().code, u"customer.conflict_not_found"_s);
        QVERIFY(actions.resolveConflict(*conflictId, u"paytrace"_s, u"sam"_s));
        QCOMPARE(actions.resolveConflict(*conflictId, u"magento"_s, u"sam"_s).error().code, u"customer.conflict_closed"_s);
        QCOMPARE(column(u"SELECT json_extract(payload, '$.set.telephone') FROM intents "
                        "WHERE kind = 'magento.customer.update'"_s),
                 QStringList{u"9145550199"_s});
        QCOMPARE(column(u"SELECT resolution || ':' || resolved_by FROM customer_conflicts"_s),
                 QStringList{u"paytrace:sam"_s});

        const auto deletionId = repo.addDeletion(u"PT-9"_s, 42, u"deleted"_s, m_clock.nowUtc());
        QVERIFY(deletionId);
        // Only an admin decides a deletion.
        QCOMPARE(actions.decideDeletion(*deletionId, true, u"sam"_s).error().code, u"access.denied"_s);
        QVERIFY(column(u"SELECT id FROM intents WHERE kind = 'paytrace.customer.delete'"_s).isEmpty());
        QVERIFY(actions.decideDeletion(*deletionId, true, u"ada"_s));
        QCOMPARE(actions.decideDeletion(*deletionId, false, u"ada"_s).error().code, u"customer.deletion_decided"_s);
        QCOMPARE(column(u"SELECT natural_key FROM intents WHERE kind = 'paytrace.customer.delete'"_s),
                 QStringList{u"customer:delete:PT-9"_s});
        QCOMPARE(column(u"SELECT state || ':' || decided_by || ':' || intent_key FROM vault_deletions"_s),
                 QStringList{u"confirmed:ada:customer:delete:PT-9"_s});
        QCOMPARE(actions.decideDeletion(99, true, u"ada"_s).error().code, u"customer.deletion_not_found"_s);
    }
};

QTEST_GUILESS_MAIN(TestCustomerActions)
#include "tst_customer_actions.moc"
