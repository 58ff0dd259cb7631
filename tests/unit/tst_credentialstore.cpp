// CredentialStore against the real keychain. Needs a D-Bus session with an unlocked Secret
// Service: run under tests/with-session (ctest does when started as `tests/with-session ctest`).

#include "security/credentialstore.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDirIterator>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <atomic>
#include <optional>

using namespace pb::security;
using namespace Qt::StringLiterals;

namespace {

// Waits (running the event loop) for an asynchronous store operation.
template<typename R>
class Await
{
public:
    std::function<void(R)> callback()
    {
        return [this](R r) { m_result.emplace(std::move(r)); };
    }
    bool wait(int ms = 20000) { return QTest::qWaitFor([this] { return m_result.has_value(); }, ms); }
    const R &result() const { return *m_result; }
    bool done() const { return m_result.has_value(); }

private:
    std::optional<R> m_result;
};

pb::Result<QString> readSecret(CredentialStore &store, const QString &profile, const QString &key)
{
    Await<pb::Result<QString>> a;
    store.read(profile, key, nullptr, a.callback());
    if (!a.wait())
        return pb::makeError(QStringLiteral("test.timeout"), key, QStringLiteral("no answer"));
    return a.result();
}

pb::Status writeSecret(CredentialStore &store, const QString &profile, const QString &key, const QString &value)
{
    Await<pb::Status> a;
    store.write(profile, key, value, nullptr, a.callback());
    if (!a.wait())
        return pb::makeError(QStringLiteral("test.timeout"), key, QStringLiteral("no answer"));
    return a.result();
}

pb::Status removeSecret(CredentialStore &store, const QString &profile, const QString &key)
{
    Await<pb::Status> a;
    store.remove(profile, key, nullptr, a.callback());
    if (!a.wait())
        return pb::makeError(QStringLiteral("test.timeout"), key, QStringLiteral("no answer"));
    return a.result();
}

QString secretToolLookup(const QString &account)
{
    QProcess p;
    p.start(QStringLiteral("secret-tool"),
            {QStringLiteral("lookup"), QStringLiteral("server"), QString(kApplicationId),
             QStringLiteral("user"), account, QStringLiteral("type"), QStringLiteral("plaintext")});
    if (!p.waitForFinished(20000) || p.exitCode() != 0)
        return QString();
    return QString::fromUtf8(p.readAllStandardOutput());
}

QStringList filesContaining(const QString &root, const QByteArray &needle)
{
    QStringList hits;
    QDirIterator it(root, QDir::Files | QDir::Hidden | QDir::System, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        QFile f(path);
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            hits << path;
    }
    return hits;
}

} // namespace

class TestCredentialStore : public QObject
{
    Q_OBJECT

private:
    pb::test::IsolatedHome m_home;
    CredentialStore m_store;
    // Unique per run, so a failed earlier run cannot satisfy this one.
    const QString m_profile = QStringLiteral("T%1").arg(QCoreApplication::applicationPid());

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_home.isValid());
        QSignalSpy changed(&m_store, &CredentialStore::availabilityChanged);
        m_store.probe();
        QTRY_VERIFY_WITH_TIMEOUT(m_store.availability() == CredentialStore::Availability::Available
                                     || m_store.availability() == CredentialStore::Availability::Unavailable,
                                 20000);
        if (m_store.availability() != CredentialStore::Availability::Available) {
            QFAIL(qPrintable(QStringLiteral("no keychain (run the tests under tests/with-session): ")
                             + m_store.unavailableReason().message));
        }
        QCOMPARE(changed.first().at(0).value<CredentialStore::Availability>(),
                 CredentialStore::Availability::Probing);
    }

    void cleanupTestCase()
    {
        if (m_store.availability() != CredentialStore::Availability::Available)
            return; // initTestCase already failed and said why
        for (const QString &key : validSecretKeys())
            QVERIFY(removeSecret(m_store, m_profile, key).ok());
    }

    void writeReadOverwriteDelete_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("first");
        QTest::addColumn<QString>("second");
        QTest::newRow("paytrace.username") << u"paytrace.username"_s << u"merchant@example.com"_s << u"other@example.com"_s;
        QTest::newRow("paytrace.password") << u"paytrace.password"_s << u"p@ss w\u00f6rd \"quoted\""_s << u"second-password"_s;
        QTest::newRow("magento.consumer_key") << u"magento.consumer_key"_s << u"ck-1"_s << u"ck-2"_s;
        QTest::newRow("magento.consumer_secret") << u"magento.consumer_secret"_s << u"cs-1"_s << u"cs-2"_s;
        QTest::newRow("magento.access_token") << u"magento.access_token"_s << u"at-1"_s << u"at-2"_s;
        QTest::newRow("magento.access_token_secret") << u"magento.access_token_secret"_s << u"ats-1"_s << u"ats-2"_s;
        QTest::newRow("magento.bearer_token") << u"magento.bearer_token"_s << QString(QLatin1Char('x')).repeated(4096) << u"short"_s;
    }

    void writeReadOverwriteDelete()
    {
        QFETCH(QString, key);
        QFETCH(QString, first);
        QFETCH(QString, second);

        const pb::Status w1 = writeSecret(m_store, m_profile, key, first);
        QVERIFY2(w1.ok(), qPrintable(w1.ok() ? QString() : w1.error().toString()));
        const pb::Result<QString> r1 = readSecret(m_store, m_profile, key);
        QVERIFY2(r1.ok(), qPrintable(r1.ok() ? QString() : r1.error().toString()));
        QCOMPARE(r1.value(), first);

        QVERIFY(writeSecret(m_store, m_profile, key, second).ok());
        const pb::Result<QString> r2 = readSecret(m_store, m_profile, key);
        QVERIFY(r2.ok());
        QCOMPARE(r2.value(), second);

        QVERIFY(removeSecret(m_store, m_profile, key).ok());
        const pb::Result<QString> r3 = readSecret(m_store, m_profile, key);
        QVERIFY(!r3.ok());
        QCOMPARE(r3.error().code, u"keychain.not_found"_s);
    }

    // The entry is really in the Secret Service, under the documented service and key.
    void storedUnderApplicationIdAndProfileKey()
    {
        const QString value = QStringLiteral("visible-to-secret-tool-%1").arg(QCoreApplication::applicationPid());
        QVERIFY(writeSecret(m_store, m_profile, u"paytrace.username"_s, value).ok());
        QCOMPARE(secretToolLookup(m_profile + u":paytrace:username"_s), value);
        QVERIFY(removeSecret(m_store, m_profile, u"paytrace.username"_s).ok());
        QCOMPARE(secretToolLookup(m_profile + u":paytrace:username"_s), QString());
    }

    void profilesAreSeparate()
    {
        const QString other = m_profile + u"-other"_s;
        QVERIFY(writeSecret(m_store, m_profile, u"magento.access_token"_s, u"mine"_s).ok());
        const pb::Result<QString> r = readSecret(m_store, other, u"magento.access_token"_s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, u"keychain.not_found"_s);
        QVERIFY(removeSecret(m_store, m_profile, u"magento.access_token"_s).ok());
    }

    void missingKeyIsNotFound()
    {
        const pb::Result<QString> r = readSecret(m_store, m_profile + u"-never"_s, u"paytrace.password"_s);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, u"keychain.not_found"_s);
        QCOMPARE(r.error().field, m_profile + u"-never:paytrace:password"_s);
    }

    void removingMissingKeySucceeds()
    {
        QVERIFY(removeSecret(m_store, m_profile + u"-never"_s, u"magento.bearer_token"_s).ok());
    }

    void invalidInputRefused_data()
    {
        QTest::addColumn<QString>("profile");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("code");
        QTest::newRow("unknown key") << u"Prod"_s << u"paytrace.api_key"_s << u"secret.invalid_key"_s;
        QTest::newRow("no system") << u"Prod"_s << u"password"_s << u"secret.invalid_key"_s;
        QTest::newRow("keychain form") << u"Prod"_s << u"paytrace:password"_s << u"secret.invalid_key"_s;
        QTest::newRow("case") << u"Prod"_s << u"PayTrace.Password"_s << u"secret.invalid_key"_s;
        QTest::newRow("empty key") << u"Prod"_s << QString() << u"secret.invalid_key"_s;
        QTest::newRow("empty profile") << QString() << u"paytrace.password"_s << u"secret.invalid_profile"_s;
        QTest::newRow("colon in profile") << u"Prod:paytrace"_s << u"paytrace.password"_s << u"secret.invalid_profile"_s;
        QTest::newRow("space in profile") << u"My Shop"_s << u"paytrace.password"_s << u"secret.invalid_profile"_s;
        QTest::newRow("long profile") << QString(65, QLatin1Char('a')) << u"paytrace.password"_s << u"secret.invalid_profile"_s;
    }

    void invalidInputRefused()
    {
        QFETCH(QString, profile);
        QFETCH(QString, key);
        QFETCH(QString, code);

        const pb::Status w = writeSecret(m_store, profile, key, u"value"_s);
        QVERIFY(!w.ok());
        QCOMPARE(w.error().code, code);
        QVERIFY(!w.error().message.isEmpty());
        const pb::Result<QString> r = readSecret(m_store, profile, key);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, code);
        const pb::Status d = removeSecret(m_store, profile, key);
        QVERIFY(!d.ok());
        QCOMPARE(d.error().code, code);
    }

    void emptyValueRefused()
    {
        const pb::Status w = writeSecret(m_store, m_profile, u"paytrace.password"_s, QString());
        QVERIFY(!w.ok());
        QCOMPARE(w.error().code, u"secret.empty"_s);
    }

    // Results never arrive from inside the call, even for errors found up front.
    void callbackIsNeverSynchronous()
    {
        bool called = false;
        m_store.read(u"bad profile"_s, u"paytrace.password"_s, nullptr, [&called](pb::Result<QString>) { called = true; });
        QVERIFY(!called);
        QTRY_VERIFY(called);
    }

    void callbackDroppedWithItsContext()
    {
        bool called = false;
        auto *context = new QObject;
        m_store.read(m_profile, u"paytrace.password"_s, context, [&called](pb::Result<QString>) { called = true; });
        delete context;
        // A later operation completing proves the first one had time to finish too (the
        // keychain runs jobs in order).
        QVERIFY(readSecret(m_store, m_profile, u"paytrace.username"_s).error().code == u"keychain.not_found"_s);
        QTest::qWait(50);
        QVERIFY(!called);
    }

    void blockingOnOwnThread()
    {
        QVERIFY(m_store.writeBlocking(m_profile, u"magento.consumer_secret"_s, u"blocking-value"_s).ok());
        const pb::Result<QString> r = m_store.readBlocking(m_profile, u"magento.consumer_secret"_s);
        QVERIFY(r.ok());
        QCOMPARE(r.value(), u"blocking-value"_s);
        QVERIFY(m_store.removeBlocking(m_profile, u"magento.consumer_secret"_s).ok());
        QCOMPARE(m_store.readBlocking(m_profile, u"magento.consumer_secret"_s).error().code, u"keychain.not_found"_s);
    }

    // A worker thread (the sync thread, say) waits without an event loop of its own while the
    // store's thread, here the test's main thread, keeps running its loop.
    void blockingFromAnotherThread()
    {
        QVERIFY(writeSecret(m_store, m_profile, u"magento.bearer_token"_s, u"from-main"_s).ok());
        std::optional<pb::Result<QString>> seen;
        std::atomic<bool> finished{false};
        QThread *worker = QThread::create([&] {
            seen.emplace(m_store.readBlocking(m_profile, u"magento.bearer_token"_s));
            finished = true;
        });
        worker->start();
        QTRY_VERIFY_WITH_TIMEOUT(finished.load(), 20000);
        QVERIFY(worker->wait(5000));
        delete worker;
        QVERIFY(seen.has_value());
        QVERIFY(seen->ok());
        QCOMPARE(seen->value(), u"from-main"_s);
        QVERIFY(removeSecret(m_store, m_profile, u"magento.bearer_token"_s).ok());
    }

    // With insecureFallback off, nothing about the secret lands in the (isolated) home: no
    // QSettings fallback file, no cache.
    void nothingWrittenToHome()
    {
        const QString canary = QStringLiteral("CANARY-%1-credentialstore").arg(QCoreApplication::applicationPid());
        QVERIFY(writeSecret(m_store, m_profile, u"paytrace.password"_s, canary).ok());
        QCOMPARE(filesContaining(m_home.path(), canary.toUtf8()), QStringList());
        QCOMPARE(filesContaining(m_home.path(), canary.toUtf8().toBase64()), QStringList());
        QVERIFY(removeSecret(m_store, m_profile, u"paytrace.password"_s).ok());
    }
};

QTEST_GUILESS_MAIN(TestCredentialStore)
#include "tst_credentialstore.moc"
