// A profile's certificate pins on every connection: PayTrace and Magento are reached through
// HTTPS fronts with self-signed certificates (one per service, so one service's pin cannot
// vouch for the other host), and the connection test, the sync and an operation's writes
// must accept exactly the pinned certificate of each. The configuration is the one the
// application builds from a profile (app::syncConfigWithoutSecrets); the refund's ERP entry goes
// to the profile's CSV sink.
#include "commands/syncsetup.h"
#include "access/operatordirectory.h"
#include "erp/csvfilesink.h"
#include "money/money.h"
#include "profile/profile.h"
#include "sandbox.h"
#include "store/database.h"
#include "sync/connectiontest.h"
#include "sync/syncservice.h"
#include "syncworld.h"
#include "testsupport.h"
#include "tlsfront.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb;
using sync::ConnectionCheck;

namespace {

constexpr auto kAdmin = "boss";
constexpr auto kFinance = "fin";

// Another certificate's fingerprint (valid syntax, never any server's).
const QString kWrongPin = QString(64, u'7');

} // namespace

class TestCertificatePins : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void profileCarriesPinsTimingAndSink();
    void connectionTest_data();
    void connectionTest();
    void syncRefusesAWrongPin_data();
    void syncRefusesAWrongPin();
    void syncAndRefundWithTheRightPins();

private:
    profile::Profile profile(const QString &name, const QString &paytracePin, const QString &magentoPin) const;
    // The application's configuration of `p`, with the sandbox's secrets and a store in `dir`.
    sync::SyncConfig configFor(const profile::Profile &p, const QString &dir) const;
    sync::ConnectionTestResult testConnection(const sync::SyncConfig &config);
    // One sync: the error when it failed, nullopt when it finished.
    std::optional<Error> syncOnce(sync::SyncService &service);

    test::IsolatedHome m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<test::TlsFront> m_paytraceFront;
    std::unique_ptr<test::TlsFront> m_magentoFront;
};

void TestCertificatePins::initTestCase()
{
    QVERIFY(m_home.isValid());
    sandbox::SandboxOptions options;
    options.magentoBearerEnabled = true; // Bearer is tested here; stores refuse it by default
    options.orders = 60;
    options.seed = 17;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    const quint16 port = m_sandbox->sandbox()->port();
    m_paytraceFront = std::make_unique<test::TlsFront>(port);
    QVERIFY2(m_paytraceFront->start(&error), qPrintable(error));
    m_magentoFront = std::make_unique<test::TlsFront>(port);
    QVERIFY2(m_magentoFront->start(&error), qPrintable(error));
    QVERIFY(m_paytraceFront->pin() != m_magentoFront->pin());
}

void TestCertificatePins::cleanupTestCase()
{
    m_paytraceFront.reset();
    m_magentoFront.reset();
    m_sandbox.reset();
}

profile::Profile TestCertificatePins::profile(const QString &name, const QString &paytracePin,
                                              const QString &magentoPin) const
{
    profile::Profile p;
    p.name = name;
    p.paytraceUrl = m_paytraceFront->url(m_sandbox->sandbox()->paytraceUrl()).toString();
    p.magentoUrl = m_magentoFront->url(m_sandbox->sandbox()->magentoUrl()).toString();
    p.magentoAuth = u"bearer"_s;
    p.historyDays = 35;
    p.createdBy = QString::fromLatin1(kAdmin);
    p.pinnedCertSha256Paytrace = paytracePin;
    p.pinnedCertSha256Magento = magentoPin;
    return p;
}

sync::SyncConfig TestCertificatePins::configFor(const profile::Profile &p, const QString &dir) const
{
    sync::SyncConfig config = app::syncConfigWithoutSecrets(p);
    config.databasePath = dir + u"/store.sqlite"_s;
    for (const auto &[key, value] : m_sandbox->sandbox()->credentials())
        config.secrets.insert(key, value);
    return config;
}

sync::ConnectionTestResult TestCertificatePins::testConnection(const sync::SyncConfig &config)
{
    sync::ConnectionTester tester;
    QSignalSpy spy(&tester, &sync::ConnectionTester::finished);
    tester.start(config);
    if (!spy.wait(30000))
        return {};
    return spy.takeFirst().at(0).value<sync::ConnectionTestResult>();
}

std::optional<Error> TestCertificatePins::syncOnce(sync::SyncService &service)
{
    QSignalSpy finished(&service, &sync::SyncService::finished);
    QSignalSpy failed(&service, &sync::SyncService::failed);
    service.syncNow();
    QElapsedTimer t;
    t.start();
    while (finished.isEmpty() && failed.isEmpty() && t.elapsed() < 120000)
        QTest::qWait(20);
    if (!failed.isEmpty())
        return failed.first().first().value<Error>();
    if (finished.isEmpty())
        return makeError(u"test.timeout"_s, {}, u"no sync result in 120 s"_s);
    return std::nullopt;
}

void TestCertificatePins::profileCarriesPinsTimingAndSink()
{
    profile::Profile p = profile(u"Carried"_s, m_paytraceFront->pin(), m_magentoFront->pin().toUpper());
    p.requestTimeoutSeconds = 25;
    p.inDoubtSettleSeconds = 300;
    p.erp.sink = u"csv"_s;
    p.erp.file = m_home.path() + u"/carried.csv"_s;
    QVERIFY(profile::validate(p).ok());
    const sync::SyncConfig c = app::syncConfigWithoutSecrets(p);
    QCOMPARE(c.pinnedCertSha256Paytrace, m_paytraceFront->pin());
    QCOMPARE(c.pinnedCertSha256Magento, m_magentoFront->pin().toUpper());
    QCOMPARE(c.requestTimeoutMs, 25000);
    QCOMPARE(c.inDoubtSettleMs, 300000);
    QCOMPARE(c.erp, p.erp);
}

void TestCertificatePins::connectionTest_data()
{
    QTest::addColumn<QString>("paytracePin"); // "paytrace" / "magento": that front's certificate
    QTest::addColumn<QString>("magentoPin");
    QTest::addColumn<int>("paytraceVerdict");
    QTest::addColumn<int>("magentoVerdict");
    QTest::addColumn<QString>("mentions"); // in the refused check's message
    using V = ConnectionCheck::Verdict;
    QTest::newRow("no pins") << QString() << QString() << int(V::Unreachable) << int(V::Unreachable)
                             << u"the secure connection to 127.0.0.1:"_s;
    QTest::newRow("right pins") << u"paytrace"_s << u"magento"_s << int(V::Ok) << int(V::Ok) << QString();
    QTest::newRow("wrong Magento pin") << u"paytrace"_s << kWrongPin << int(V::Ok) << int(V::Unreachable)
                                       << u"is not pinned"_s;
    QTest::newRow("wrong PayTrace pin") << kWrongPin << u"magento"_s << int(V::Unreachable) << int(V::Ok)
                                        << u"is not pinned"_s;
    // Each pin counts for its own host only: swapped, neither is accepted.
    QTest::newRow("swapped pins") << u"magento"_s << u"paytrace"_s << int(V::Unreachable) << int(V::Unreachable)
                                  << u"is not pinned"_s;
    QTest::newRow("unparseable PayTrace pin") << u"abc"_s << u"magento"_s << int(V::NotConfigured) << int(V::Ok)
                                              << u"the pinned PayTrace certificate is not valid"_s;
    QTest::newRow("unparseable Magento pin") << u"paytrace"_s << u"zz"_s.repeated(32) << int(V::Ok)
                                             << int(V::NotConfigured)
                                             << u"the pinned Magento certificate is not valid"_s;
}

void TestCertificatePins::connectionTest()
{
    QFETCH(QString, paytracePin);
    QFETCH(QString, magentoPin);
    QFETCH(int, paytraceVerdict);
    QFETCH(int, magentoVerdict);
    QFETCH(QString, mentions);
    const auto resolve = [&](const QString &pin) {
        return pin == u"paytrace" ? m_paytraceFront->pin() : pin == u"magento" ? m_magentoFront->pin() : pin;
    };
    // Straight into the configuration: a profile would refuse the malformed pins before this.
    sync::SyncConfig config = configFor(profile(u"Probe"_s, QString(), QString()), m_home.path());
    config.pinnedCertSha256Paytrace = resolve(paytracePin);
    config.pinnedCertSha256Magento = resolve(magentoPin);
    const int connectionsBefore = m_paytraceFront->connections() + m_magentoFront->connections();

    const sync::ConnectionTestResult result = testConnection(config);
    QCOMPARE(result.checks.size(), 2);
    const QList<int> expected{paytraceVerdict, magentoVerdict};
    for (int i = 0; i < 2; ++i) {
        const ConnectionCheck &check = result.checks.at(i);
        QVERIFY2(int(check.verdict) == expected.at(i), qPrintable(check.message));
        if (check.verdict == ConnectionCheck::Verdict::Unreachable) {
            QCOMPARE(check.errorCode, u"tls"_s);
            QVERIFY2(check.message.contains(u"the secure connection"_s), qPrintable(check.message));
        }
        if (!check.ok())
            QVERIFY2(check.message.contains(mentions), qPrintable(check.message));
    }
    // Something was sent wherever the check got past its configuration.
    QVERIFY(m_paytraceFront->connections() + m_magentoFront->connections() > connectionsBefore);
}

void TestCertificatePins::syncRefusesAWrongPin_data()
{
    QTest::addColumn<bool>("wrongPayTrace");
    QTest::addColumn<QString>("errorPrefix");
    QTest::newRow("PayTrace") << true << u"paytrace."_s;
    QTest::newRow("Magento") << false << u"magento."_s;
}

void TestCertificatePins::syncRefusesAWrongPin()
{
    QFETCH(bool, wrongPayTrace);
    QFETCH(QString, errorPrefix);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const profile::Profile p = profile(u"Wrong"_s, wrongPayTrace ? kWrongPin : m_paytraceFront->pin(),
                                       wrongPayTrace ? m_magentoFront->pin() : kWrongPin);
    QVERIFY(profile::validate(p).ok());
    sync::SyncService service(configFor(p, dir.path()));
    const std::optional<Error> failed = syncOnce(service);
    QVERIFY2(failed, "the sync went through a certificate that is not pinned");
    QVERIFY2(failed->code.startsWith(errorPrefix), qPrintable(failed->toString()));
    QVERIFY2(failed->toString().contains(u"certificate refused"_s), qPrintable(failed->toString()));
    QVERIFY2(failed->toString().contains(u"is not pinned"_s), qPrintable(failed->toString()));
}

void TestCertificatePins::syncAndRefundWithTheRightPins()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    profile::Profile p = profile(u"Pinned"_s, m_paytraceFront->pin(), m_magentoFront->pin());
    p.erp.sink = u"csv"_s;
    p.erp.file = dir.filePath(u"entries.csv"_s);
    QVERIFY(profile::validate(p).ok());
    const sync::SyncConfig config = configFor(p, dir.path());
    auto service = std::make_unique<sync::SyncService>(config);
    const std::optional<Error> failed = syncOnce(*service);
    QVERIFY2(!failed, qPrintable(failed ? failed->toString() : QString()));

    {
        auto db = store::Database::openWriter(config.databasePath, u"pins-roles"_s);
        QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
        QVERIFY(access::OperatorDirectory(db.value())
                    .assignRole(QString::fromLatin1(kAdmin), QString::fromLatin1(kFinance), access::Role::Finance));
        db.value() = QSqlDatabase();
        store::Database::close(u"pins-roles"_s);
    }

    // A refund's writes (PayTrace, then Magento) go through the same pinned connections, and
    // its ERP entry to the profile's CSV journal.
    const QString order = test::orderWhere(
        config.databasePath, u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured > 1000 AND total_invoiced > 0"_s);
    QVERIFY(!order.isEmpty());
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const int refundsBefore = test::paytraceLedgerCount(sb, u"refund"_s, order);
    const int memosBefore = test::magentoDocumentCount(sb, u"creditmemo"_s, order);
    sync::OperationRequest request;
    request.kind = sync::OperationKind::Refund;
    request.orderIncrementId = order;
    request.amount = Money::parse(u"2.00", *Currency::fromCode(u"USD")).value();
    request.reason = u"pinned refund"_s;
    request.actor = QString::fromLatin1(kFinance);
    const sync::OperationOutcome out = test::runOperation(*service, this, request);
    QVERIFY2(out.kind == sync::OperationOutcome::Kind::Succeeded, qPrintable(out.message));
    QCOMPARE(test::paytraceLedgerCount(sb, u"refund"_s, order), refundsBefore + 1);
    QCOMPARE(test::magentoDocumentCount(sb, u"creditmemo"_s, order), memosBefore + 1);
    service.reset();

    const auto entries = erp::CsvFileSink(p.erp.file).readAll();
    QVERIFY2(entries, qPrintable(entries ? QString() : entries.error().toString()));
    int forOrder = 0;
    for (const erp::JournalEntry &e : entries.value())
        forOrder += e.externalRef.contains(order) && e.externalRef.contains(out.gatewayRef) ? 1 : 0;
    QCOMPARE(forOrder, 1);
    // Nothing went to the ledger file the engine used before profiles chose the sink.
    QVERIFY(!QFile::exists(dir.filePath(u"journal.ledger"_s)));
}

QTEST_GUILESS_MAIN(TestCertificatePins)
#include "tst_certificate_pins.moc"
