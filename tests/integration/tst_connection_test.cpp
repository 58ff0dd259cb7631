// "Test connection" (sync::ConnectionTester) over real HTTP against the sandbox on its own thread.
#include "magentosim.h"
#include "sandbox.h"
#include "sync/connectiontest.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using pb::sync::ConnectionCheck;
using pb::sync::ConnectionTester;
using pb::sync::ConnectionTestResult;

class TestConnectionTest : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void cleanup() { m_sandbox.reset(); }
    void bothConnected();
    void wrongPayTracePassword();
    void wrongMagentoSecret();
    void magentoResourceNotGranted();
    void bearerToken();
    void missingSecretSendsNothing();
    void unreachableHost();
    void cancelFinishesAtOnce();

private:
    void startSandbox(pb::sandbox::SandboxOptions options = {});
    pb::sync::SyncConfig config() const;
    ConnectionTestResult run(const pb::sync::SyncConfig &config);

    std::unique_ptr<pb::sandbox::SandboxThread> m_sandbox;
};

void TestConnectionTest::startSandbox(pb::sandbox::SandboxOptions options)
{
    options.orders = 12;
    options.seed = 3;
    m_sandbox = std::make_unique<pb::sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
}

pb::sync::SyncConfig TestConnectionTest::config() const
{
    const pb::sandbox::Sandbox *s = m_sandbox->sandbox();
    pb::sync::SyncConfig c;
    c.profileName = u"Test"_s;
    c.paytraceUrl = s->paytraceUrl().toString();
    c.magentoUrl = s->magentoUrl().toString();
    for (const auto &[key, value] : s->credentials())
        c.secrets.insert(key, value);
    return c;
}

ConnectionTestResult TestConnectionTest::run(const pb::sync::SyncConfig &config)
{
    ConnectionTester tester;
    QSignalSpy spy(&tester, &ConnectionTester::finished);
    tester.start(config);
    if (!tester.isRunning())
        qWarning("tester not running after start()");
    if (!spy.wait(30000))
        return {};
    // Exactly once per start().
    QTest::qWait(50);
    if (spy.count() != 1)
        qWarning("finished %d times", int(spy.count()));
    return spy.takeFirst().at(0).value<ConnectionTestResult>();
}

void TestConnectionTest::bothConnected()
{
    startSandbox();
    const auto result = run(config());
    QCOMPARE(result.checks.size(), 2);
    const ConnectionCheck &pt = result.checks[0];
    const ConnectionCheck &mg = result.checks[1];
    QCOMPARE(pt.system, ConnectionCheck::System::PayTrace);
    QCOMPARE(mg.system, ConnectionCheck::System::Magento);
    QVERIFY2(pt.ok(), qPrintable(pt.message));
    QVERIFY2(mg.ok(), qPrintable(mg.message));
    QVERIFY(result.allOk());
    const QString user = config().secrets.value(u"paytrace.username"_s);
    QVERIFY2(pt.message.startsWith(u"PayTrace: connected to 127.0.0.1:"_s), qPrintable(pt.message));
    QVERIFY2(pt.message.contains(u"as %1, token valid"_s.arg(user)), qPrintable(pt.message));
    QVERIFY2(mg.message.contains(u"may read orders (12 visible"_s), qPrintable(mg.message));
    QVERIFY(pt.latencyMs >= 0);
    QVERIFY(mg.latencyMs >= 0);
    // The password never appears in what is shown.
    QVERIFY(!pt.message.contains(config().secrets.value(u"paytrace.password"_s)));
    // ping, token grant and one order search reached the sandbox.
    const auto stats = m_sandbox->sandbox()->stats();
    QCOMPARE(stats.requests.value(u"POST /paytrace/v1/ping"_s), 1);
}

void TestConnectionTest::wrongPayTracePassword()
{
    startSandbox();
    auto c = config();
    c.secrets[u"paytrace.password"_s] = u"not-the-password"_s;
    const auto result = run(c);
    QCOMPARE(result.checks.size(), 2);
    const ConnectionCheck &pt = result.checks[0];
    QCOMPARE(pt.verdict, ConnectionCheck::Verdict::Refused);
    QVERIFY2(pt.message.startsWith(u"PayTrace: the API user "_s), qPrintable(pt.message));
    QVERIFY2(pt.message.contains(u"could not sign in"_s), qPrintable(pt.message));
    QVERIFY2(pt.message.contains(u"check the user name and password"_s), qPrintable(pt.message));
    QVERIFY(!pt.message.contains(u"not-the-password"_s));
    QCOMPARE(pt.errorCode, u"auth"_s);
    QVERIFY2(result.checks[1].ok(), qPrintable(result.checks[1].message));
    QVERIFY(!result.allOk());
}

void TestConnectionTest::wrongMagentoSecret()
{
    startSandbox();
    auto c = config();
    c.secrets[u"magento.consumer_secret"_s] = u"wrong-secret-000000000000000000"_s;
    const auto result = run(c);
    const ConnectionCheck &mg = result.checks.value(1);
    QCOMPARE(mg.verdict, ConnectionCheck::Verdict::Refused);
    QVERIFY2(mg.message.contains(u"refused the integration's credentials"_s), qPrintable(mg.message));
    QVERIFY2(mg.message.contains(u"signature is invalid"_s), qPrintable(mg.message));
    QVERIFY2(result.checks.value(0).ok(), qPrintable(result.checks.value(0).message));
}

void TestConnectionTest::magentoResourceNotGranted()
{
    pb::sandbox::SandboxOptions options;
    options.magentoAclResources = QStringList{u"Magento_Customer::customer"_s};
    startSandbox(options);
    const auto result = run(config());
    const ConnectionCheck &mg = result.checks.value(1);
    QCOMPARE(mg.verdict, ConnectionCheck::Verdict::Refused);
    QCOMPARE(mg.message,
             u"Magento: the integration is not authorised for Magento_Sales::actions_view — grant it in "
             "System › Extensions › Integrations, then reactivate the integration."_s);
}

void TestConnectionTest::bearerToken()
{
    startSandbox();
    auto c = config();
    c.magentoAuth = u"bearer"_s;
    // A store as Magento 2.4.4+ ships it refuses the right token too, and the check says which
    // setting to turn on.
    auto result = run(c);
    QCOMPARE(result.checks.value(1).verdict, ConnectionCheck::Verdict::Refused);
    QVERIFY2(result.checks.value(1).message.contains(u"standalone Bearer tokens"_s),
             qPrintable(result.checks.value(1).message));

    m_sandbox->sandbox()->magento().setBearerEnabled(true);
    result = run(c);
    QVERIFY2(result.checks.value(1).ok(), qPrintable(result.checks.value(1).message));

    c.secrets[u"magento.bearer_token"_s] = u"0000000000000000000000000000dead"_s;
    result = run(c);
    QCOMPARE(result.checks.value(1).verdict, ConnectionCheck::Verdict::Refused);
    QVERIFY2(result.checks.value(1).message.contains(u"refused the bearer token"_s),
             qPrintable(result.checks.value(1).message));
}

void TestConnectionTest::missingSecretSendsNothing()
{
    startSandbox();
    auto c = config();
    c.secrets.remove(u"paytrace.password"_s);
    c.secrets.remove(u"magento.access_token_secret"_s);
    m_sandbox->sandbox()->resetStats();
    const auto result = run(c);
    QCOMPARE(result.checks.size(), 2);
    QCOMPARE(result.checks[0].verdict, ConnectionCheck::Verdict::NotConfigured);
    QCOMPARE(result.checks[0].message,
             u"PayTrace: the PayTrace API password is not set — enter it under Credentials and store it."_s);
    QCOMPARE(result.checks[1].verdict, ConnectionCheck::Verdict::NotConfigured);
    QVERIFY2(result.checks[1].message.contains(u"the Magento access token secret is not set"_s),
             qPrintable(result.checks[1].message));
    QCOMPARE(m_sandbox->sandbox()->stats().totalRequests, 0);
}

void TestConnectionTest::unreachableHost()
{
    // A port that was just free: nothing listens there.
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost));
    const quint16 port = probe.serverPort();
    probe.close();
    pb::sync::SyncConfig c;
    c.profileName = u"Test"_s;
    c.paytraceUrl = u"http://127.0.0.1:%1/paytrace"_s.arg(port);
    c.magentoUrl = u"http://127.0.0.1:%1/magento"_s.arg(port);
    for (const char *key : {"paytrace.username", "paytrace.password", "magento.consumer_key", "magento.consumer_secret",
                            "magento.access_token", "magento.access_token_secret"})
        c.secrets.insert(QString::fromLatin1(key), u"x1234567890123456789012345678901"_s);
    const auto result = run(c);
    QCOMPARE(result.checks.size(), 2);
    for (const auto &check : result.checks) {
        QCOMPARE(check.verdict, ConnectionCheck::Verdict::Unreachable);
        QVERIFY2(check.message.contains(u"no answer from 127.0.0.1:%1"_s.arg(port)), qPrintable(check.message));
        QVERIFY2(check.message.contains(u"check the URL and the network"_s), qPrintable(check.message));
    }
}

void TestConnectionTest::cancelFinishesAtOnce()
{
    pb::sandbox::SandboxOptions options;
    // Every PayTrace call waits 3 s, so the test is still running when it is cancelled.
    pb::sandbox::FaultRule slow;
    slow.path = u"/paytrace/*"_s;
    slow.kind = pb::sandbox::FaultKind::Latency;
    slow.latencyMs = 3000;
    options.faults = {slow};
    startSandbox(options);
    ConnectionTester tester;
    QSignalSpy spy(&tester, &ConnectionTester::finished);
    tester.start(config());
    QTest::qWait(200);
    QVERIFY(tester.isRunning());
    tester.cancel();
    QCOMPARE(spy.count(), 1); // at once
    QVERIFY(!tester.isRunning());
    const auto result = spy.at(0).at(0).value<ConnectionTestResult>();
    QVERIFY(result.cancelled);
    QCOMPARE(result.checks.size(), 2);
    QCOMPARE(result.checks[0].message, u"PayTrace: the test was cancelled."_s);
    QCOMPARE(result.checks[0].verdict, ConnectionCheck::Verdict::Cancelled);
    // Nothing more arrives from the cancelled run.
    QTest::qWait(3500);
    QCOMPARE(spy.count(), 1);
}

QTEST_GUILESS_MAIN(TestConnectionTest)
#include "tst_connection_test.moc"
