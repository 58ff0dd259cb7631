// CredentialStore when there is no secure store: it must say so ("keychain.unavailable") and keep
// the secret nowhere else. Runs in its own executable because Qt connects to the session bus once
// per process: main() points DBUS_SESSION_BUS_ADDRESS at a bus that does not exist before anything
// touches D-Bus. The "bus without a Secret Service" case runs this binary again as a child
// process against a private dbus-daemon that has no services.

#include "security/credentialstore.h"
#include "security/inmemorysecrets.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace pb::security;
using namespace Qt::StringLiterals;

namespace {

constexpr const char kChildBusVariable[] = "PAYBRIDGE_TEST_CHILD_BUS";

bool isChild()
{
    return !qEnvironmentVariableIsEmpty(kChildBusVariable);
}

template<typename R>
std::optional<R> await(const std::function<void(std::function<void(R)>)> &start, int ms = 20000)
{
    std::optional<R> result;
    start([&result](R r) { result.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&result] { return result.has_value(); }, ms))
        return std::nullopt;
    return result;
}

QStringList allFiles(const QString &root)
{
    QStringList files;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    return files;
}

QStringList filesContaining(const QString &root, const QList<QByteArray> &needles)
{
    QStringList hits;
    for (const QString &path : allFiles(root)) {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QByteArray content = f.readAll();
        for (const QByteArray &needle : needles) {
            if (content.contains(needle))
                hits << path;
        }
    }
    return hits;
}

QList<QByteArray> encodings(const QString &secret)
{
    const QByteArray utf8 = secret.toUtf8();
    return {utf8, utf8.toBase64(),
            QByteArray(reinterpret_cast<const char *>(secret.utf16()), secret.size() * 2)};
}

} // namespace

class TestCredentialStoreNoKeychain : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noBusMeansUnavailable()
    {
        if (isChild())
            QSKIP("parent-process case");
        pb::test::IsolatedHome home;
        QVERIFY(home.isValid());
        QCoreApplication::setOrganizationName(u"PayBridge"_s);
        QCoreApplication::setApplicationName(u"PayBridge"_s);

        CredentialStore store;
        QSignalSpy changed(&store, &CredentialStore::availabilityChanged);
        const QString canary = u"CANARY-nokeychain-%1"_s.arg(QCoreApplication::applicationPid());

        const auto w = await<pb::Status>([&](auto done) {
            store.write(u"Prod"_s, u"paytrace.password"_s, canary, nullptr, done);
        });
        QVERIFY(w.has_value());
        QVERIFY(!w->ok());
        QCOMPARE(w->error().code, u"keychain.unavailable"_s);
        QVERIFY2(w->error().message.contains(u"D-Bus"_s), qPrintable(w->error().message));

        QCOMPARE(store.availability(), CredentialStore::Availability::Unavailable);
        QCOMPARE(store.unavailableReason().code, u"keychain.unavailable"_s);
        QCOMPARE(store.probeAttempts(), 1); // no bus: nothing for a retry to wait for
        QCOMPARE(changed.size(), 2);
        QCOMPARE(changed.at(0).at(0).value<CredentialStore::Availability>(), CredentialStore::Availability::Probing);
        QCOMPARE(changed.at(1).at(0).value<CredentialStore::Availability>(), CredentialStore::Availability::Unavailable);

        // Reading and removing say the same, and nothing was kept anywhere on disk.
        const auto r = await<pb::Result<QString>>([&](auto done) {
            store.read(u"Prod"_s, u"paytrace.password"_s, nullptr, done);
        });
        QVERIFY(r.has_value());
        QCOMPARE(r->error().code, u"keychain.unavailable"_s);
        const auto d = await<pb::Status>([&](auto done) {
            store.remove(u"Prod"_s, u"paytrace.password"_s, nullptr, done);
        });
        QVERIFY(d.has_value());
        QCOMPARE(d->error().code, u"keychain.unavailable"_s);
        QCOMPARE(store.writeBlocking(u"Prod"_s, u"paytrace.password"_s, canary).error().code,
                 u"keychain.unavailable"_s);

        QCOMPARE(filesContaining(home.path(), encodings(canary)), QStringList());
        // Stronger: the store wrote no file at all (a plain-text fallback would be a QSettings file).
        QCOMPARE(allFiles(home.path()), QStringList());

        // Validation still comes first.
        const auto bad = await<pb::Status>([&](auto done) {
            store.write(u"Prod"_s, u"paytrace.token"_s, canary, nullptr, done);
        });
        QVERIFY(bad.has_value());
        QCOMPARE(bad->error().code, u"secret.invalid_key"_s);
    }

    // A bus that works but has no Secret Service: probed twice (one delayed retry for a keyring
    // that starts late), then unavailable.
    void busWithoutSecretService()
    {
        if (isChild())
            QSKIP("parent-process case");
        const QString dbusDaemon = QStandardPaths::findExecutable(u"dbus-daemon"_s);
        QVERIFY2(!dbusDaemon.isEmpty(), "dbus-daemon is needed for this test");

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString config = dir.filePath(u"bus.conf"_s);
        {
            QFile f(config);
            QVERIFY(f.open(QIODevice::WriteOnly));
            // No <servicedir>: nothing can be activated, so no Secret Service can appear.
            // (Built from plain strings: moc's tokenizer does not read raw string literals.)
            const QByteArray xml = "<busconfig>\n"
                                   "  <type>session</type>\n"
                                   "  <listen>unix:tmpdir=" + dir.path().toUtf8() + "</listen>\n"
                                   "  <auth>EXTERNAL</auth>\n"
                                   "  <policy context=\"default\">\n"
                                   "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
                                   "    <allow eavesdrop=\"true\"/>\n"
                                   "    <allow own=\"*\"/>\n"
                                   "  </policy>\n"
                                   "</busconfig>\n";
            QCOMPARE(f.write(xml), xml.size());
        }
        QProcess bus;
        bus.setProgram(dbusDaemon);
        bus.setArguments({u"--config-file="_s + config, u"--nofork"_s, u"--print-address=1"_s});
        bus.start();
        QVERIFY(bus.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(bus.canReadLine(), 10000);
        const QByteArray address = bus.readLine().trimmed();
        QVERIFY(address.startsWith("unix:"));

        pb::test::IsolatedHome home;
        QProcess child;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QString::fromLatin1(kChildBusVariable), QString::fromUtf8(address));
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.start(QCoreApplication::applicationFilePath(), {u"childBusWithoutSecretService"_s});
        QVERIFY(child.waitForFinished(60000));
        const QString output = QString::fromUtf8(child.readAll());
        bus.terminate();
        QVERIFY(bus.waitForFinished(5000));

        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0, qPrintable(output));
        QVERIFY2(output.contains(u"PASS   : TestCredentialStoreNoKeychain::childBusWithoutSecretService()"_s),
                 qPrintable(output));
        QCOMPARE(allFiles(home.path()), QStringList());
    }

    void childBusWithoutSecretService()
    {
        if (!isChild())
            QSKIP("runs in the child process started by busWithoutSecretService");
        pb::test::IsolatedHome home;
        CredentialStore::Options options;
        options.retryDelay = std::chrono::milliseconds(400);
        CredentialStore store(options);
        const QString canary = u"CANARY-nosecretservice-%1"_s.arg(QCoreApplication::applicationPid());

        QElapsedTimer timer;
        timer.start();
        const auto w = await<pb::Status>([&](auto done) {
            store.write(u"Prod"_s, u"magento.access_token"_s, canary, nullptr, done);
        });
        QVERIFY(w.has_value());
        QVERIFY(!w->ok());
        QCOMPARE(w->error().code, u"keychain.unavailable"_s);
        QVERIFY2(w->error().message.contains(u"Secret Service"_s), qPrintable(w->error().message));
        QCOMPARE(store.probeAttempts(), 2);
        QVERIFY2(timer.elapsed() >= 400, "the retry must wait for the configured delay");
        QCOMPARE(filesContaining(home.path(), encodings(canary)), QStringList());

        // reprobe() tries again from scratch (the user may have started a keyring meanwhile).
        QSignalSpy changed(&store, &CredentialStore::availabilityChanged);
        store.reprobe();
        QTRY_COMPARE_WITH_TIMEOUT(store.availability(), CredentialStore::Availability::Unavailable, 10000);
        QCOMPARE(store.probeAttempts(), 2);
        QVERIFY(changed.size() >= 2);
    }

    // The demo's in-memory store works without any keychain, for the demo profile only.
    void inMemorySecretsServeOnlyTheDemo()
    {
        if (isChild())
            QSKIP("parent-process case");
        InMemorySecrets secrets({u"Demo"_s});
        const auto w = await<pb::Status>([&](auto done) {
            secrets.write(u"Demo"_s, u"paytrace.password"_s, u"sandbox-password"_s, nullptr, done);
        });
        QVERIFY(w.has_value() && w->ok());
        const auto r = await<pb::Result<QString>>([&](auto done) {
            secrets.read(u"Demo"_s, u"paytrace.password"_s, nullptr, done);
        });
        QVERIFY(r.has_value() && r->ok());
        QCOMPARE(r->value(), u"sandbox-password"_s);

        const auto real = await<pb::Status>([&](auto done) {
            secrets.write(u"Prod"_s, u"paytrace.password"_s, u"real-password"_s, nullptr, done);
        });
        QVERIFY(real.has_value());
        QCOMPARE(real->error().code, u"secrets.not_demo_profile"_s);
        const auto realRead = await<pb::Result<QString>>([&](auto done) {
            secrets.read(u"Prod"_s, u"paytrace.password"_s, nullptr, done);
        });
        QVERIFY(realRead.has_value());
        QCOMPARE(realRead->error().code, u"secrets.not_demo_profile"_s);

        const auto badKey = await<pb::Status>([&](auto done) {
            secrets.write(u"Demo"_s, u"paytrace.pin"_s, u"1234"_s, nullptr, done);
        });
        QVERIFY(badKey.has_value());
        QCOMPARE(badKey->error().code, u"secret.invalid_key"_s);

        const auto removed = await<pb::Status>([&](auto done) {
            secrets.remove(u"Demo"_s, u"paytrace.password"_s, nullptr, done);
        });
        QVERIFY(removed.has_value() && removed->ok());
        const auto gone = await<pb::Result<QString>>([&](auto done) {
            secrets.read(u"Demo"_s, u"paytrace.password"_s, nullptr, done);
        });
        QVERIFY(gone.has_value());
        QCOMPARE(gone->error().code, u"keychain.not_found"_s);
    }
};

int main(int argc, char **argv)
{
    // Before anything connects to D-Bus: Qt keeps the first session bus connection for the
    // process. The path is inside a directory that does not exist, so nothing can listen there.
    const QByteArray childBus = qgetenv(kChildBusVariable);
    qputenv("DBUS_SESSION_BUS_ADDRESS",
            childBus.isEmpty() ? QByteArray("unix:path=/nonexistent/paybridge-test/no-bus") : childBus);
    QCoreApplication app(argc, argv);
    TestCredentialStoreNoKeychain test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_credentialstore_nokeychain.moc"
