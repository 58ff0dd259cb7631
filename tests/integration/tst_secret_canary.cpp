// Plants canary secrets in the real keychain, runs a sync with them, and proves none of them
// reached the database, the settings or the logs. Runs under tests/with-session.
#include "commands/syncsetup.h"
#include "log/logging.h"
#include "profile/profilestore.h"
#include "sandbox.h"
#include "security/credentialstore.h"
#include "sync/syncservice.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QFile>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTest>
#include <QUuid>

using namespace pb;

class TestSecretCanary : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void secretsNeverReachDiskSettingsOrLogs();
};

void TestSecretCanary::secretsNeverReachDiskSettingsOrLogs()
{
    test::IsolatedHome home;
    QCoreApplication::setOrganizationName(QStringLiteral("PayBridge"));
    QCoreApplication::setApplicationName(QStringLiteral("PayBridgeCanary"));
    // Everything the core can log, including debug, goes to the file under the isolated home.
    QLoggingCategory::setFilterRules(QStringLiteral("paybridge.*=true"));
    QVERIFY(log::install());

    sandbox::SandboxOptions options;
    options.orders = 80;
    options.magentoBearerEnabled = true; // a store that turned Bearer on (off by default since 2.4.4)
    sandbox::SandboxThread sandbox(options);
    QVERIFY(sandbox.start());
    sandbox::Sandbox &sb = *sandbox.sandbox();

    profile::Profile p;
    p.name = QStringLiteral("canary");
    p.paytraceUrl = sb.paytraceUrl().toString();
    p.magentoUrl = sb.magentoUrl().toString();
    p.magentoAuth = QStringLiteral("bearer");
    p.historyDays = 35;
    profile::ProfileStore profiles;
    QVERIFY(profiles.load());
    QVERIFY(profiles.add(p));

    // The secrets PayBridge really uses, plus planted canaries in the keys it does not use now.
    QStringList secrets;
    security::CredentialStore keychain;
    for (const auto &[key, value] : sb.credentials()) {
        if (key == u"magento.consumer_secret" || key == u"magento.access_token_secret"
            || !security::validSecretKeys().contains(key)) // odoo.database, odoo.username: profile settings
            continue;
        const Status written = keychain.writeBlocking(p.name, key, value);
        QVERIFY2(written, qPrintable(written ? QString() : written.error().toString()));
        if (key.endsWith(u"password") || key.endsWith(u"token"))
            secrets << value;
    }
    for (const char *key : {"magento.consumer_secret", "magento.access_token_secret"}) {
        const QString canary = QStringLiteral("pb-canary-") + QUuid::createUuid().toString(QUuid::Id128);
        QVERIFY(keychain.writeBlocking(p.name, QLatin1StringView(key), canary));
        secrets << canary;
    }
    QVERIFY(secrets.size() >= 4);

    const auto config = app::syncConfigFor(p, keychain);
    QVERIFY2(config, qPrintable(config ? QString() : config.error().toString()));
    QCOMPARE(config->secrets.value(QStringLiteral("magento.consumer_secret")), secrets.at(secrets.size() - 2));

    {
        sync::SyncService service(config.value());
        QSignalSpy finished(&service, &sync::SyncService::finished);
        QSignalSpy failed(&service, &sync::SyncService::failed);
        service.syncNow();
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 120000);
        QVERIFY(failed.isEmpty());
        QCOMPARE(finished.first().first().value<sync::SyncSummary>().ordersTotal, 80);
    }
    log::uninstall();

    // Every file PayBridge wrote: the store (with WAL), profiles, settings, logs.
    int scanned = 0;
    bool sawLog = false;
    bool sawStore = false;
    QDirIterator it(home.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray content = f.readAll();
        ++scanned;
        sawLog = sawLog || (path.endsWith(u".log") && content.contains("sync run"));
        sawStore = sawStore || path.endsWith(u"paybridge.sqlite");
        for (const QString &secret : std::as_const(secrets)) {
            QVERIFY2(!content.contains(secret.toUtf8()),
                     qPrintable(QStringLiteral("a secret was found in %1").arg(path)));
            // SQLite may store text as UTF-16 too; look for that form as well.
            QVERIFY2(!content.contains(QByteArray(reinterpret_cast<const char *>(secret.utf16()), secret.size() * 2)),
                     qPrintable(QStringLiteral("a secret (UTF-16) was found in %1").arg(path)));
        }
    }
    QVERIFY2(sawLog, "the sync wrote no log, so the scan would prove nothing");
    QVERIFY2(sawStore, "the sync wrote no store, so the scan would prove nothing");
    QVERIFY(scanned >= 3);

    for (const char *key : {"magento.consumer_secret", "magento.access_token_secret", "paytrace.username",
                            "paytrace.password", "magento.bearer_token", "magento.consumer_key", "magento.access_token"})
        (void)keychain.removeBlocking(p.name, QLatin1StringView(key));
}

QTEST_GUILESS_MAIN(TestSecretCanary)
#include "tst_secret_canary.moc"
