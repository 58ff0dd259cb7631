// Customers and the PayTrace vault kept in step (docs/customers.md): the real SyncService
// against the sandbox, changes made through the sandbox's admin routes, people's actions through
// CustomerActions on the same store.
#include "customers/customeractions.h"
#include "mapping/mappingstore.h"
#include "sandbox.h"
#include "store/customerrepository.h"
#include "store/database.h"
#include "syncworld.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

const QString kAdmin = u"alice"_s;

// One admin call; the answer's JSON object (empty when there is none), `status` its HTTP code.
QJsonObject admin(const sandbox::Sandbox &sb, const QByteArray &method, const QString &path,
                  const QJsonObject &body = {}, int *status = nullptr)
{
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(sb.baseUrl().toString() + path));
    request.setHeader(QNetworkRequest::ContentTypeHeader, u"application/json"_s);
    QNetworkReply *reply = nam.sendCustomRequest(request, method,
                                                 body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson());
    QSignalSpy done(reply, &QNetworkReply::finished);
    done.wait(10000);
    if (status)
        *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject out = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return out;
}

struct SyncResult
{
    bool ok = false;
    sync::SyncSummary summary;
};

SyncResult runSync(sync::SyncService &service)
{
    QSignalSpy finished(&service, &sync::SyncService::finished);
    QSignalSpy failed(&service, &sync::SyncService::failed);
    service.syncNow();
    QElapsedTimer t;
    t.start();
    while (finished.isEmpty() && failed.isEmpty() && t.elapsed() < 120000)
        QTest::qWait(20);
    SyncResult r;
    if (!failed.isEmpty())
        qWarning() << failed.first().first().value<Error>().toString();
    if (!finished.isEmpty()) {
        r.ok = true;
        r.summary = finished.first().first().value<sync::SyncSummary>();
    }
    return r;
}

// Rows of one query over the store, columns joined with '|'.
QStringList rows(const QString &dbPath, const QString &sql)
{
    QStringList out;
    {
        auto db = store::Database::openReader(dbPath, u"customer-probe"_s);
        if (!db)
            return {u"<no store>"_s};
        QSqlQuery q(db.value());
        if (!q.exec(sql))
            return {u"<sql error>"_s};
        while (q.next()) {
            QStringList cols;
            for (int i = 0; i < q.record().count(); ++i)
                cols << q.value(i).toString();
            out << cols.join(u'|');
        }
    }
    store::Database::close(u"customer-probe"_s);
    return out;
}

// Runs intents until no customer intent is open; false when one ends dead or time runs out.
bool settleCustomerIntents(sync::SyncService &service, const QString &dbPath, int timeoutMs = 60000)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        service.runIntents();
        QTest::qWait(100);
        const QStringList open = rows(dbPath, u"SELECT natural_key FROM intents WHERE kind LIKE '%customer%' "
                                              "AND state NOT IN ('succeeded', 'dead', 'discarded')"_s);
        if (open.isEmpty())
            return rows(dbPath, u"SELECT natural_key FROM intents WHERE kind LIKE '%customer%' AND state = 'dead'"_s)
                .isEmpty();
    }
    return false;
}

} // namespace

class TestCustomerSync : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        sandbox::SandboxOptions options;
        options.orders = 300;
        options.seed = 15;
        m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
        m_config = test::sandboxSyncConfig(*m_sandbox->sandbox(), m_home.path(), u"customers"_s, kAdmin);
        m_service = std::make_unique<sync::SyncService>(m_config);
        const SyncResult first = runSync(*m_service);
        QVERIFY(first.ok);
        QVERIFY2(first.summary.customersNote.isEmpty(), qPrintable(first.summary.customersNote));
        QVERIFY(first.summary.customersLinked > 0);
        QVERIFY(settleCustomerIntents(*m_service, m_config.databasePath));
    }

    void linksByEveryRule()
    {
        const QStringList byRule = rows(m_config.databasePath,
                                        u"SELECT rule, count(*) FROM customer_links GROUP BY rule ORDER BY rule"_s);
        QStringList rules;
        for (const QString &r : byRule)
            rules << r.section(u'|', 0, 0);
        QVERIFY2(rules.contains(u"attribute"_s), qPrintable(byRule.join(u", "_s)));
        QVERIFY2(rules.contains(u"email"_s), qPrintable(byRule.join(u", "_s)));
        QVERIFY2(rules.contains(u"vault_id"_s), qPrintable(byRule.join(u", "_s)));
        // The rule in words.
        const QStringList email = rows(m_config.databasePath,
                                       u"SELECT rule_detail FROM customer_links WHERE rule = 'email' LIMIT 1"_s);
        QVERIFY(email.first().startsWith(u"same e-mail "_s) && email.first().endsWith(u" on both sides"_s));

        // A link made by e-mail got its attribute in Magento.
        const QStringList link = rows(m_config.databasePath,
                                      u"SELECT magento_id, vault_customer_id FROM customer_links WHERE rule = 'email' "
                                      "ORDER BY magento_id LIMIT 1"_s);
        const QString magentoId = link.first().section(u'|', 0, 0);
        const QString vaultId = link.first().section(u'|', 1, 1);
        const QJsonObject customer = admin(*m_sandbox->sandbox(), "GET", u"/__admin/magento/customers/"_s + magentoId);
        bool found = false;
        for (const QJsonValue &v : customer.value(u"custom_attributes"_s).toArray()) {
            const QJsonObject a = v.toObject();
            found = found || (a.value(u"attribute_code"_s).toString() == u"paytrace_customer_id"_s
                              && a.value(u"value"_s).toString() == vaultId);
        }
        QVERIFY2(found, QJsonDocument(customer).toJson().constData());

        // A second sync finds nothing to do.
        const SyncResult again = runSync(*m_service);
        QVERIFY(again.ok);
        QCOMPARE(again.summary.customersLinked, 0);
        QCOMPARE(again.summary.customerWrites, 0);
    }

    void addressChangeInMagentoReachesPayTrace()
    {
        const auto [magentoId, vaultId] = pickLink(u"attribute"_s);
        QVERIFY(magentoId > 0);
        int status = 0;
        admin(*m_sandbox->sandbox(), "POST", u"/__admin/magento/customers/%1"_s.arg(magentoId),
              QJsonObject{{u"billing"_s, QJsonObject{{u"street"_s, QJsonArray{u"77 Harbor Road"_s}},
                                                     {u"city"_s, u"Albany"_s},
                                                     {u"postcode"_s, u"12207"_s}}}},
              &status);
        QCOMPARE(status, 200);
        const SyncResult r = runSync(*m_service);
        QVERIFY(r.ok);
        QVERIFY(r.summary.customerWrites >= 1);
        QVERIFY(settleCustomerIntents(*m_service, m_config.databasePath));
        const QJsonObject profile =
            admin(*m_sandbox->sandbox(), "GET", u"/__admin/vault/"_s + QString::fromLatin1(QUrl::toPercentEncoding(vaultId)));
        const QJsonObject billing = profile.value(u"billing_address"_s).toObject();
        QCOMPARE(billing.value(u"street_address"_s).toString(), u"77 Harbor Road"_s);
        QCOMPARE(billing.value(u"city"_s).toString(), u"Albany"_s);
        // Next sync: both sides agree, nothing more.
        const SyncResult after = runSync(*m_service);
        QVERIFY(after.ok);
        QCOMPARE(after.summary.customerWrites, 0);
    }

    void phoneChangeInPayTraceReachesMagento()
    {
        const auto [magentoId, vaultId] = pickLink(u"attribute"_s);
        QVERIFY(magentoId > 0);
        int status = 0;
        admin(*m_sandbox->sandbox(), "POST", u"/__admin/vault/"_s + QString::fromLatin1(QUrl::toPercentEncoding(vaultId)),
              QJsonObject{{u"phone"_s, u"518-555-0147"_s}}, &status);
        QCOMPARE(status, 200);
        QVERIFY(runSync(*m_service).ok);
        QVERIFY(settleCustomerIntents(*m_service, m_config.databasePath));
        const QJsonObject customer =
            admin(*m_sandbox->sandbox(), "GET", u"/__admin/magento/customers/%1"_s.arg(magentoId));
        QString telephone;
        for (const QJsonValue &v : customer.value(u"addresses"_s).toArray()) {
            const QJsonObject a = v.toObject();
            if (a.value(u"default_billing"_s).toBool() || a.value(u"id"_s).toVariant().toString()
                                                              == customer.value(u"default_billing"_s).toVariant().toString())
                telephone = a.value(u"telephone"_s).toString();
        }
        QCOMPARE(telephone, u"518-555-0147"_s);
    }

    void conflictIsOpenedNotOverwritten()
    {
        // Phone asks a person.
        {
            auto db = store::Database::openWriter(m_config.databasePath, u"mapping-writer"_s);
            QVERIFY(db);
            mapping::MappingProfile profile = mapping::MappingProfile::defaults();
            mapping::CustomerRules rules = profile.customers();
            rules.directions[CustomerField::Phone] = mapping::FieldDirection::Ask;
            profile.setCustomers(rules);
            QVERIFY(mapping::MappingStore(db.value()).save(profile.toJson(), kAdmin, u"phone: ask"_s));
            db.value() = QSqlDatabase();
            store::Database::close(u"mapping-writer"_s);
        }
        const auto [magentoId, vaultId] = pickLink(u"attribute"_s);
        const QString vaultPath = u"/__admin/vault/"_s + QString::fromLatin1(QUrl::toPercentEncoding(vaultId));
        admin(*m_sandbox->sandbox(), "POST", u"/__admin/magento/customers/%1"_s.arg(magentoId),
              QJsonObject{{u"telephone"_s, u"+1 212 555 0101"_s}});
        admin(*m_sandbox->sandbox(), "POST", vaultPath, QJsonObject{{u"phone"_s, u"+1 212 555 0202"_s}});
        const SyncResult r = runSync(*m_service);
        QVERIFY(r.ok);
        QVERIFY(settleCustomerIntents(*m_service, m_config.databasePath));
        const QStringList open = rows(m_config.databasePath,
                                      u"SELECT id, magento_value, paytrace_value FROM customer_conflicts "
                                      "WHERE state = 'open' AND field = 'phone' AND magento_id = %1"_s.arg(magentoId));
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().section(u'|', 1), u"+12125550101|+12125550202"_s);
        QCOMPARE(admin(*m_sandbox->sandbox(), "GET", vaultPath).value(u"phone"_s).toString(), u"+1 212 555 0202"_s);

        // A person picks Magento's: PayTrace gets it, the conflict is closed.
        {
            auto db = store::Database::openWriter(m_config.databasePath, u"actions-writer"_s);
            QVERIFY(db);
            mapping::CustomerRules rules;
            customers::CustomerActions actions(db.value(), rules);
            const Status denied = actions.resolveConflict(open.first().section(u'|', 0, 0).toLongLong(), u"magento"_s,
                                                          u"mallory"_s);
            QCOMPARE(denied.error().code, u"access.denied"_s);
            QVERIFY(actions.resolveConflict(open.first().section(u'|', 0, 0).toLongLong(), u"magento"_s, kAdmin));
            db.value() = QSqlDatabase();
            store::Database::close(u"actions-writer"_s);
        }
        QVERIFY(settleCustomerIntents(*m_service, m_config.databasePath));
        QCOMPARE(admin(*m_sandbox->sandbox(), "GET", vaultPath).value(u"phone"_s).toString(), u"+1 212 555 0101"_s);
        QVERIFY(runSync(*m_service).ok);
        QVERIFY(rows(m_config.databasePath, u"SELECT id FROM customer_conflicts WHERE state = 'open' AND magento_id = %1"_s
                                                .arg(magentoId))
                    .isEmpty());
    }

    void deletedCustomerDeletesTheProfileOnceConfirmed()
    {
        const auto [magentoId, vaultId] = pickLink(u"email"_s);
        QVERIFY(magentoId > 0);
        int status = 0;
        admin(*m_sandbox->sandbox(), "DELETE", u"/__admin/magento/customers/%1"_s.arg(magentoId), {}, &status);
        QCOMPARE(status, 200);
        QVERIFY(runSync(*m_service).ok);
        const QStringList awaiting = rows(m_config.databasePath,
                                          u"SELECT id, reason FROM vault_deletions WHERE state = 'awaiting' "
                                          "AND vault_customer_id = '%1'"_s.arg(vaultId));
        QCOMPARE(awaiting.size(), 1);
        QCOMPARE(awaiting.first().section(u'|', 1), u"deleted"_s);
        const QString vaultPath = u"/__admin/vault/"_s + QString::fromLatin1(QUrl::toPercentEncoding(vaultId));
        admin(*m_sandbox->sandbox(), "GET", vaultPath, {}, &status);
        QCOMPARE(status, 200); // nothing deleted before the confirmation
        {
            auto db = store::Database::openWriter(m_config.databasePath, u"actions-writer"_s);
            QVERIFY(db);
            customers::CustomerActions actions(db.value(), mapping::CustomerRules{});
            QVERIFY(actions.decideDeletion(awaiting.first().section(u'|', 0, 0).toLongLong(), true, kAdmin));
            db.value() = QSqlDatabase();
            store::Database::close(u"actions-writer"_s);
        }
        QVERIFY(settleCustomerIntents(*m_service, m_config.databasePath));
        admin(*m_sandbox->sandbox(), "GET", vaultPath, {}, &status);
        QCOMPARE(status, 404);
        // The next sync sees the profile gone: the link is dropped.
        QVERIFY(runSync(*m_service).ok);
        QVERIFY(rows(m_config.databasePath, u"SELECT id FROM customer_links WHERE magento_id = %1"_s.arg(magentoId))
                    .isEmpty());
        QCOMPARE(rows(m_config.databasePath, u"SELECT action FROM audit_log WHERE action = 'customer.deletion_decided'"_s)
                     .size(),
                 1);
    }

    void expiringCardGetsOneCommentOnTheLatestOrder()
    {
        {
            auto db = store::Database::openWriter(m_config.databasePath, u"mapping-writer"_s);
            QVERIFY(db);
            mapping::MappingProfile profile = mapping::MappingProfile::defaults();
            mapping::CustomerRules rules = profile.customers();
            rules.directions[CustomerField::Phone] = mapping::FieldDirection::Ask;
            rules.expiryComment = true;
            profile.setCustomers(rules);
            QVERIFY(mapping::MappingStore(db.value()).save(profile.toJson(), kAdmin, u"expiry comments"_s));
            db.value() = QSqlDatabase();
            store::Database::close(u"mapping-writer"_s);
        }
        QVERIFY(runSync(*m_service).ok);
        const QString expiring = u"SELECT natural_key FROM intents WHERE natural_key LIKE 'card-expiry:%' ORDER BY id"_s;
        const QStringList planned = rows(m_config.databasePath, expiring);
        QVERIFY2(!planned.isEmpty(), "the sandbox has linked cards expiring this month or next");
        // Each on the customer's most recent order.
        const QStringList notLatest = rows(m_config.databasePath,
                                           u"SELECT i.natural_key FROM intents i JOIN orders o ON o.entity_id = i.order_entity_id "
                                           "WHERE i.natural_key LIKE 'card-expiry:%' AND EXISTS (SELECT 1 FROM orders n "
                                           "WHERE n.customer_id = o.customer_id AND n.created_at > o.created_at)"_s);
        QVERIFY2(notLatest.isEmpty(), qPrintable(notLatest.join(u", "_s)));
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 60000
               && !rows(m_config.databasePath, u"SELECT id FROM intents WHERE natural_key LIKE 'card-expiry:%' "
                                               "AND state <> 'succeeded'"_s)
                       .isEmpty()) {
            m_service->runIntents();
            QTest::qWait(100);
        }
        QVERIFY(rows(m_config.databasePath, u"SELECT id FROM intents WHERE natural_key LIKE 'card-expiry:%' "
                                            "AND state <> 'succeeded'"_s)
                    .isEmpty());
        // Once per card: the next sync plans none again.
        QVERIFY(runSync(*m_service).ok);
        QCOMPARE(rows(m_config.databasePath, expiring), planned);
    }

    void missingAttributeIsExplainedNotFatal()
    {
        sandbox::SandboxOptions options;
        options.orders = 120;
        options.seed = 16;
        options.magentoCustomerAttribute = false;
        sandbox::SandboxThread other(options);
        QString error;
        QVERIFY2(other.start(&error), qPrintable(error));
        test::IsolatedHome home;
        sync::SyncConfig config = test::sandboxSyncConfig(*other.sandbox(), home.path(), u"no-attribute"_s, kAdmin);
        sync::SyncService service(config);
        const SyncResult r = runSync(service);
        QVERIFY(r.ok);
        QVERIFY2(r.summary.customersNote.contains(u"paytrace_customer_id"_s), qPrintable(r.summary.customersNote));
        QVERIFY(r.summary.customersNote.contains(u"Stores › Attributes › Customer"_s));
        QVERIFY(r.summary.customersLinked > 0);
        // Links live in the store only: no attribute write is planned.
        QVERIFY(rows(config.databasePath, u"SELECT natural_key FROM intents WHERE kind = 'magento.customer.update' "
                                          "AND json_extract(payload, '$.set.attribute') IS NOT NULL"_s)
                    .isEmpty());
    }

private:
    // A linked pair by `rule` not used by an earlier test.
    std::pair<qint64, QString> pickLink(const QString &rule)
    {
        const QStringList links = rows(m_config.databasePath,
                                       u"SELECT l.magento_id, l.vault_customer_id FROM customer_links l "
                                       "JOIN customers c ON c.magento_id = l.magento_id "
                                       "WHERE l.rule = '%1' AND c.deleted_at IS NULL AND c.anonymised = 0 "
                                       "ORDER BY l.magento_id"_s.arg(rule));
        for (const QString &l : links) {
            const qint64 id = l.section(u'|', 0, 0).toLongLong();
            if (m_used.contains(id))
                continue;
            m_used.insert(id);
            return {id, l.section(u'|', 1)};
        }
        return {0, QString()};
    }

    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    sync::SyncConfig m_config;
    QSet<qint64> m_used;
};

QTEST_GUILESS_MAIN(TestCustomerSync)
#include "tst_customer_sync.moc"
