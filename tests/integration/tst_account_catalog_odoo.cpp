#include "erp/accountcatalog.h"
#include "mapping/mappingprofile.h"
#include "net/httptransport.h"
#include "odoosim.h"
#include "sandbox.h"

#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::erp;

// The Odoo sink's chart of accounts for the mapping studio (issue 14), read over real HTTP from
// the sandbox's Odoo simulator and joined with the profile's erp.odooAccounts.
class TestAccountCatalogOdoo : public QObject
{
    Q_OBJECT

    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    net::HttpTransport m_transport;

    sandbox::Sandbox *sb() const { return m_sandbox->sandbox(); }

    QString credential(const QString &key) const
    {
        for (const auto &[k, v] : sb()->credentials()) {
            if (k == key)
                return v;
        }
        return {};
    }

    SinkOptions options() const
    {
        SinkOptions o;
        o.settings.sink = u"odoo"_s;
        o.settings.odooUrl = sb()->odooUrl().toString();
        o.settings.odooDatabase = credential(u"odoo.database"_s);
        o.settings.odooUsername = credential(u"odoo.username"_s);
        o.settings.odooAccounts = {
            {u"Assets:Accounts Receivable"_s, u"121000"_s},
            {u"Income:Sales"_s, u"400000"_s},
            {u"Income:Web Sales"_s, u"400000"_s},     // two PayBridge names, one Odoo account
            {u"Expenses:Card Processing Fees"_s, u"620200"_s},
            {u"Assets:Bank:Operating"_s, u"555555"_s}, // a code Odoo does not have
        };
        o.odooPassword = credential(u"odoo.password"_s);
        o.transport = const_cast<net::HttpTransport *>(&m_transport);
        return o;
    }

    Result<QList<KnownAccount>> known(const SinkOptions &o, int *calls)
    {
        QObject context;
        std::optional<Result<QList<KnownAccount>>> out;
        knownAccounts(o, &context, [&](const Result<QList<KnownAccount>> &r) {
            ++*calls;
            out = r;
        });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000); }();
        QTest::qWait(50); // a second call would arrive now
        return out ? *out : Result<QList<KnownAccount>>(makeError(u"test"_s, {}, u"no answer"_s));
    }

private Q_SLOTS:
    void initTestCase()
    {
        sandbox::SandboxOptions o;
        o.orders = 0;
        m_sandbox = std::make_unique<sandbox::SandboxThread>(o);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    }

    void cleanupTestCase() { m_sandbox.reset(); }

    void readsTheChartJoinedWithTheAccountMap()
    {
        int calls = 0;
        const auto r = known(options(), &calls);
        QVERIFY2(r.ok(), qPrintable(r.ok() ? QString() : r.error().toString()));
        QCOMPARE(calls, 1);

        // Every account of the server's chart, by code; mapped ones carry the PayBridge name.
        QList<KnownAccount> want;
        auto chart = sandbox::OdooSimulator::chart();
        std::sort(chart.begin(), chart.end());
        for (const auto &[code, name] : chart) {
            if (code == u"121000"_s)
                want.append({u"Assets:Accounts Receivable"_s, code, name});
            else if (code == u"400000"_s)
                want << KnownAccount{u"Income:Sales"_s, code, name} << KnownAccount{u"Income:Web Sales"_s, code, name};
            else if (code == u"620200"_s)
                want.append({u"Expenses:Card Processing Fees"_s, code, name});
            else
                want.append({QString(), code, name});
        }
        QCOMPARE(r->size(), want.size());
        for (qsizetype i = 0; i < want.size(); ++i) {
            QCOMPARE(r->at(i).code, want.at(i).code);
            QCOMPARE(r->at(i).account, want.at(i).account);
            QCOMPARE(r->at(i).name, want.at(i).name);
        }
        QVERIFY(!r->isEmpty() && r->first().name == u"Bank"_s); // 101401, read from the server

        // The default profile's accounts Odoo does not know under this map: the one mapped to a
        // missing code and those not mapped at all.
        QCOMPARE(unmappedAccounts(mapping::MappingProfile::defaults(), *r),
                 (QStringList{u"Assets:PayTrace Clearing"_s, u"Assets:Bank:Operating"_s, u"Income:Sales Returns"_s,
                              u"Expenses:Chargebacks"_s, u"Expenses:Bad Debt"_s}));
    }

    void refusedLoginIsPermanent()
    {
        SinkOptions o = options();
        o.odooPassword = u"wrong"_s;
        int calls = 0;
        const auto r = known(o, &calls);
        QVERIFY(!r.ok());
        QCOMPARE(calls, 1);
        QCOMPARE(r.error().code, u"erp.permanent"_s);
        QCOMPARE(r.error().field, u"odoo.username"_s);
    }

    void missingSecretsAreConfigurationErrors()
    {
        SinkOptions noPassword = options();
        noPassword.odooPassword.clear();
        int calls = 0;
        const auto r = known(noPassword, &calls);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, u"erp.config"_s);
        QCOMPARE(r.error().field, u"odoo.password"_s);

        SinkOptions noTransport = options();
        noTransport.transport = nullptr;
        const auto t = known(noTransport, &calls);
        QVERIFY(!t.ok());
        QCOMPARE(t.error().field, u"transport"_s);
        QCOMPARE(calls, 2);
    }

    void unreachableServerIsTransient()
    {
        SinkOptions o = options();
        o.settings.odooUrl = u"http://127.0.0.1:9/odoo"_s; // discard port: nothing listens
        int calls = 0;
        const auto r = known(o, &calls);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, u"erp.transient"_s);
    }

    void contextGoneMeansNoCall()
    {
        // The context dies while the request is out: done never runs, and nothing leaks (the
        // sink made for the call goes with the context; LeakSanitizer checks).
        int calls = 0;
        {
            QObject context;
            knownAccounts(options(), &context, [&](const Result<QList<KnownAccount>> &) { ++calls; });
        }
        QTest::qWait(1500);
        QCOMPARE(calls, 0);
    }
};

QTEST_GUILESS_MAIN(TestAccountCatalogOdoo)
#include "tst_account_catalog_odoo.moc"
