#include "erp/journalentry.h"
#include "erp/odoosink.h"
#include "mapping/mappingprofile.h"
#include "net/httptransport.h"
#include "odoosim.h"
#include "sandbox.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::erp;
using mapping::AccountRole;
using mapping::MappingProfile;

namespace {

Money usd(const QString &text)
{
    return Money::parse(text, Currency::usd()).value();
}

const QDate kDate(2024, 3, 1);

// The default profile's accounts mapped onto the simulator's chart, in the same role order.
QMap<QString, QString> defaultAccountCodes()
{
    const MappingProfile p = MappingProfile::defaults();
    const QStringList codes{u"121000"_s, u"101701"_s, u"101401"_s, u"400000"_s,
                            u"400100"_s, u"620100"_s, u"620200"_s, u"620300"_s};
    QMap<QString, QString> out;
    for (size_t i = 0; i < mapping::kAccountRoles.size(); ++i)
        out.insert(p.account(mapping::kAccountRoles[i], Currency::usd()), codes.at(qsizetype(i)));
    return out;
}

} // namespace

class TestOdooSink : public QObject
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

    OdooConfig config() const
    {
        OdooConfig c;
        c.url = sb()->odooUrl();
        c.database = credential(u"odoo.database"_s);
        c.username = credential(u"odoo.username"_s);
        c.password = credential(u"odoo.password"_s);
        c.accountCodes = defaultAccountCodes();
        // The default (30 s), not a short one: no test here waits for a timeout to fire, and on a
        // loaded 2-core machine under ASan a plain call took longer than 2 s and failed the run.
        return c;
    }

    // Runs post() to completion; `calls` counts the callbacks (must be exactly one).
    Result<PostResult> post(JournalSink &sink, const QList<JournalEntry> &entries)
    {
        QObject context;
        int calls = 0;
        std::optional<Result<PostResult>> out;
        sink.post(entries, &context, [&](const Result<PostResult> &r) {
            ++calls;
            out = r;
        });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000); }();
        QTest::qWait(50); // a second call would arrive now
        [&] { QCOMPARE(calls, 1); }();
        return out ? *out : Result<PostResult>(makeError(u"test"_s, {}, u"no answer"_s));
    }

    Result<std::optional<JournalEntry>> lookup(JournalSink &sink, const QString &ref)
    {
        QObject context;
        std::optional<Result<std::optional<JournalEntry>>> out;
        sink.lookup(ref, &context, [&](const Result<std::optional<JournalEntry>> &r) { out = r; });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(out.has_value(), 20000); }();
        return out ? *out : Result<std::optional<JournalEntry>>(makeError(u"test"_s, {}, u"no answer"_s));
    }

    QList<JournalEntry> entries(const QString &order) const
    {
        const MappingProfile p = MappingProfile::defaults();
        return {saleEntry(p, kDate, order, usd(u"110.00"_s)).value(),
                paymentEntry(p, kDate, order, u"T"_s + order, usd(u"110.00"_s)).value(),
                feeEntry(p, kDate, u"B"_s + order, usd(u"0.01"_s)).value(),
                settlementDepositEntry(p, kDate, u"B"_s + order, usd(u"1234567.89"_s)).value()};
    }

    // One raw JSON-RPC call to the simulator.
    QJsonObject rpc(const QByteArray &service, const QByteArray &method, const QByteArray &args)
    {
        net::HttpRequest request;
        request.method = "POST";
        QUrl url = sb()->odooUrl();
        url.setPath(url.path() + u"/jsonrpc"_s);
        request.url = url;
        request.headers = {{"Content-Type", "application/json"}};
        std::optional<net::HttpResponse> response;
        m_transport.send(request, OdooSink::requestBody(service, method, args, 1), this,
                         [&](const net::HttpResponse &r) { response = r; });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(response.has_value(), 10000); }();
        return response ? QJsonDocument::fromJson(response->body).object() : QJsonObject();
    }

    int moveCount(const QString &ref) const
    {
        int n = 0;
        for (const auto &m : sb()->odoo().moves())
            n += m.ref == ref ? 1 : 0;
        return n;
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

    void postsOnceAndReadsBack()
    {
        OdooSink sink(config(), &m_transport);
        const QList<JournalEntry> batch = entries(u"100000001"_s);
        const auto first = post(sink, batch);
        QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
        QCOMPARE(first->posted.size(), 4);

        // The simulator's ledger: posted moves, exact amounts, the chart's accounts.
        for (const JournalEntry &e : batch) {
            QCOMPARE(moveCount(e.externalRef), 1);
        }
        for (const auto &m : sb()->odoo().moves()) {
            if (m.ref == u"pb:deposit:B100000001"_s) {
                QCOMPARE(m.state, u"posted"_s);
                QCOMPARE(m.date, u"2024-03-01"_s);
                QCOMPARE(m.lines.size(), 2);
                QCOMPARE(m.lines.at(0).debitCents, 123456789);
                QCOMPARE(m.lines.at(1).creditCents, 123456789);
            }
        }

        // Again, from a fresh sink (no caches): nothing new.
        OdooSink again(config(), &m_transport);
        const auto second = post(again, batch);
        QVERIFY(second.ok());
        QCOMPARE(second->posted.size(), 0);
        QCOMPARE(second->alreadyPosted.size(), 4);
        QVERIFY(second->conflicting.isEmpty());
        for (const JournalEntry &e : batch)
            QCOMPARE(moveCount(e.externalRef), 1);

        // A changed amount under a held reference: already posted, and flagged.
        JournalEntry changed = batch.at(0);
        changed.postings[0].amount = usd(u"111.00"_s);
        changed.postings[1].amount = usd(u"-111.00"_s);
        const auto third = post(again, {changed});
        QVERIFY(third.ok());
        QCOMPARE(third->conflicting, QStringList{changed.externalRef});

        const auto found = lookup(again, batch.at(3).externalRef);
        QVERIFY2(found.ok(), qPrintable(found.ok() ? QString() : found.error().toString()));
        QVERIFY(found->has_value());
        const JournalEntry &held = **found;
        QCOMPARE(held.date, kDate);
        QCOMPARE(held.externalRef, batch.at(3).externalRef);
        QCOMPARE(held.postings.size(), 2);
        QCOMPARE(held.postings.at(0).account, batch.at(3).postings.at(0).account);
        QCOMPARE(held.postings.at(0).amount, usd(u"1234567.89"_s));
        QCOMPARE(held.postings.at(1).amount, usd(u"-1234567.89"_s));

        const auto missing = lookup(again, u"pb:sale:nothing"_s);
        QVERIFY(missing.ok());
        QVERIFY(!missing->has_value());
    }

    void refusedIsPermanent()
    {
        OdooConfig c = config();
        c.password = u"wrong"_s;
        OdooSink sink(c, &m_transport);
        const auto r = post(sink, entries(u"100000002"_s));
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, u"erp.permanent"_s);
        QCOMPARE(errorClassOf(r.error()), net::ErrorClass::Permanent);
        QVERIFY2(r.error().message.contains(u"refused the login"_s), qPrintable(r.error().toString()));

        OdooConfig noMap = config();
        noMap.accountCodes.remove(u"Income:Sales"_s);
        OdooSink unmapped(noMap, &m_transport);
        const auto u = post(unmapped, entries(u"100000003"_s));
        QVERIFY(!u.ok());
        QCOMPARE(u.error().code, u"erp.permanent"_s);
        QVERIFY(u.error().message.contains(u"Income:Sales"_s));

        OdooConfig badCode = config();
        badCode.accountCodes.insert(u"Income:Sales"_s, u"999999"_s);
        OdooSink unknown(badCode, &m_transport);
        const auto k = post(unknown, entries(u"100000004"_s));
        QVERIFY(!k.ok());
        QVERIFY2(k.error().message.contains(u"999999"_s), qPrintable(k.error().toString()));
        QCOMPARE(moveCount(u"pb:sale:100000004"_s), 0);

        OdooSink sink2(config(), &m_transport);
        const JournalEntry eur = saleEntry(MappingProfile::defaults(), kDate, u"9"_s,
                                           Money::parse(u"5.00", *Currency::fromCode(u"EUR")).value())
                                     .value();
        const auto e = post(sink2, {eur});
        QVERIFY(!e.ok());
        QVERIFY(e.error().message.contains(u"company currency"_s));
    }

    void transientAndInDoubt()
    {
        OdooSink sink(config(), &m_transport);
        QVERIFY(post(sink, entries(u"100000005"_s).mid(0, 1)).ok()); // warm: uid and accounts cached

        sandbox::FaultRule unavailable;
        unavailable.path = u"/odoo/*"_s;
        unavailable.kind = sandbox::FaultKind::Http503;
        unavailable.times = 1;
        sb()->faults().add(unavailable);
        const QList<JournalEntry> batch = entries(u"100000006"_s);
        const auto r = post(sink, batch);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, u"erp.transient"_s);
        QCOMPARE(errorClassOf(r.error()), net::ErrorClass::Transient);
        QCOMPARE(moveCount(batch.first().externalRef), 0);

        // The look-up passes, the create is applied but its answer is cut short: in doubt.
        sandbox::FaultRule pass;
        pass.path = u"/odoo/*"_s;
        pass.kind = sandbox::FaultKind::Latency;
        pass.times = 1;
        sandbox::FaultRule cut = pass;
        cut.kind = sandbox::FaultKind::Truncate;
        sb()->faults().add(pass);
        sb()->faults().add(cut);
        const auto doubt = post(sink, batch);
        QVERIFY(!doubt.ok());
        QVERIFY2(doubt.error().code == u"erp.in_doubt"_s, qPrintable(doubt.error().toString()));
        QCOMPARE(errorClassOf(doubt.error()), net::ErrorClass::InDoubt);
        QCOMPARE(moveCount(batch.first().externalRef), 1); // created, still a draft

        // The retry finds the draft by ref and posts it; nothing is created twice.
        sb()->faults().clear();
        const auto retry = post(sink, batch);
        QVERIFY2(retry.ok(), qPrintable(retry.ok() ? QString() : retry.error().toString()));
        QCOMPARE(retry->posted.size(), 4);
        for (const JournalEntry &e : batch)
            QCOMPARE(moveCount(e.externalRef), 1);
        for (const auto &m : sb()->odoo().moves())
            QCOMPARE(m.state, u"posted"_s);

        // Nothing listening: transient.
        OdooConfig closed = config();
        closed.url.setPort(1);
        OdooSink nowhere(closed, &m_transport);
        const auto refused = post(nowhere, entries(u"100000007"_s));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, u"erp.transient"_s);
    }

    void contextGoneMeansNoCallback()
    {
        OdooSink sink(config(), &m_transport);
        int calls = 0;
        {
            QObject context;
            sink.post(entries(u"100000008"_s), &context, [&](const Result<PostResult> &) { ++calls; });
        }
        QTest::qWait(1500);
        QCOMPARE(calls, 0);
    }

    // The simulator answers like Odoo: balanced moves only, JSON-RPC error objects.
    void simulatorErrorShape()
    {
        const QString db = credential(u"odoo.database"_s);
        const QString pw = credential(u"odoo.password"_s);
        const QJsonObject login = rpc("common", "login",
                                      '[' + OdooSink::jsonString(db) + ',' + OdooSink::jsonString(credential(u"odoo.username"_s))
                                          + ',' + OdooSink::jsonString(pw) + ']');
        QVERIFY(login.value(u"result"_s).toInt() > 0);
        const int uid = login.value(u"result"_s).toInt();
        const QByteArray unbalanced = '[' + OdooSink::jsonString(db) + ',' + QByteArray::number(uid) + ','
            + OdooSink::jsonString(pw)
            + ",\"account.move\",\"create\",[[{\"ref\":\"x\",\"date\":\"2024-03-01\",\"line_ids\":"
              "[[0,0,{\"account_id\":100,\"name\":\"a\",\"debit\":10.00,\"credit\":0}],"
              "[0,0,{\"account_id\":103,\"name\":\"b\",\"debit\":0,\"credit\":9.99}]]}]]]";
        const QJsonObject refused = rpc("object", "execute_kw", unbalanced);
        const QJsonObject error = refused.value(u"error"_s).toObject();
        QCOMPARE(error.value(u"code"_s).toInt(), 200);
        QCOMPARE(error.value(u"message"_s).toString(), u"Odoo Server Error"_s);
        const QJsonObject data = error.value(u"data"_s).toObject();
        QCOMPARE(data.value(u"name"_s).toString(), u"odoo.exceptions.UserError"_s);
        QVERIFY(data.value(u"message"_s).toString().contains(u"unbalanced"_s));
        QCOMPARE(moveCount(u"x"_s), 0);

        const QJsonObject denied = rpc("object", "execute_kw",
                                       '[' + OdooSink::jsonString(db) + ',' + QByteArray::number(uid)
                                           + ",\"nope\",\"account.move\",\"search_read\",[[]]]");
        QCOMPARE(denied.value(u"error"_s).toObject().value(u"data"_s).toObject().value(u"name"_s).toString(),
                 u"odoo.exceptions.AccessDenied"_s);
    }
};

QTEST_GUILESS_MAIN(TestOdooSink)
#include "tst_odoo_sink.moc"
