#include "profile/profilestore.h"
#include "testsupport.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStandardPaths>
#include <QTest>

using namespace pb::profile;
using namespace Qt::StringLiterals;

namespace {

Profile sample(const QString &name)
{
    Profile p;
    p.name = name;
    p.paytraceUrl = u"https://api.paytrace.com"_s;
    p.magentoUrl = u"https://shop.example.com"_s;
    p.paytraceIntegratorId = u"9999999WzX8y"_s;
    p.createdBy = u"admin"_s;
    return p;
}

QByteArray profilesFile(const QJsonArray &profiles)
{
    return QJsonDocument(QJsonObject{{u"version"_s, 1}, {u"profiles"_s, profiles}}).toJson();
}

QJsonObject sampleJson(const QString &name)
{
    return toJson(sample(name));
}

void writeFile(const QString &path, const QByteArray &content)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(content), content.size());
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestProfiles : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<pb::test::IsolatedHome> m_home;

private Q_SLOTS:
    void initTestCase()
    {
        QCoreApplication::setOrganizationName(u"PayBridge"_s);
        QCoreApplication::setApplicationName(u"PayBridge"_s);
    }

    void init()
    {
        m_home = std::make_unique<pb::test::IsolatedHome>();
        QVERIFY(m_home->isValid());
    }

    void cleanup() { m_home.reset(); }

    void defaultLocationIsAppConfig()
    {
        QCOMPARE(ProfileStore::defaultFilePath(),
                 QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) + u"/profiles.json"_s);
        QVERIFY(ProfileStore::defaultFilePath().startsWith(m_home->path()));
    }

    void roundTripThroughDisk()
    {
        {
            ProfileStore store;
            QVERIFY(store.load().ok());
            QVERIFY(store.list().isEmpty());
            Profile prod = sample(u"Prod"_s);
            prod.pinnedCertSha256Paytrace = QString(64, QLatin1Char('a'));
            prod.historyDays = 90;
            QVERIFY(store.add(prod).ok());
            Profile staging = sample(u"staging-2"_s);
            staging.magentoAuth = u"bearer"_s;
            staging.magentoSignature = u"HMAC-SHA1"_s;
            staging.paytraceUrl = u"http://127.0.0.1:8443"_s;
            QVERIFY(store.add(staging).ok());
            QCOMPARE(store.list().size(), 2);
        }
        // A fresh store has only the file to go by.
        ProfileStore reloaded;
        QVERIFY(reloaded.load().ok());
        QCOMPARE(reloaded.list().size(), 2);
        const std::optional<Profile> prod = reloaded.find(u"Prod"_s);
        QVERIFY(prod.has_value());
        QCOMPARE(prod->historyDays, 90);
        QCOMPARE(prod->pinnedCertSha256Paytrace, QString(64, QLatin1Char('a')));
        QCOMPARE(prod->magentoAuth, u"oauth1"_s);
        QCOMPARE(prod->createdBy, u"admin"_s);
        QVERIFY(prod->createdAt.isValid());
        QCOMPARE(prod->createdAt.timeSpec(), Qt::UTC);
        QVERIFY(qAbs(prod->createdAt.secsTo(QDateTime::currentDateTimeUtc())) < 60);
        QCOMPARE(reloaded.find(u"staging-2"_s)->magentoAuth, u"bearer"_s);
        QVERIFY(!reloaded.find(u"prod"_s).has_value()); // names are case-sensitive

        // update keeps who created it and when
        Profile changed = *prod;
        changed.syncIntervalSeconds = 600;
        changed.createdBy = u"someone else"_s;
        changed.createdAt = QDateTime(QDate(2001, 1, 1), QTime(0, 0), Qt::UTC);
        QVERIFY(reloaded.update(changed).ok());
        ProfileStore third;
        QVERIFY(third.load().ok());
        QCOMPARE(third.find(u"Prod"_s)->syncIntervalSeconds, 600);
        QCOMPARE(third.find(u"Prod"_s)->createdBy, u"admin"_s);
        QCOMPARE(third.find(u"Prod"_s)->createdAt, prod->createdAt);

        QVERIFY(third.remove(u"Prod"_s).ok());
        ProfileStore fourth;
        QVERIFY(fourth.load().ok());
        QCOMPARE(fourth.list().size(), 1);
        QVERIFY(!fourth.find(u"Prod"_s).has_value());
        QCOMPARE(fourth.remove(u"Prod"_s).error().code, u"profile.not_found"_s);
        QCOMPARE(fourth.update(sample(u"Nope"_s)).error().code, u"profile.not_found"_s);
    }

    void changesFromAnotherWriterAreKept()
    {
        ProfileStore gui;
        QVERIFY(gui.load().ok());
        ProfileStore cli;
        QVERIFY(cli.add(sample(u"FromCli"_s)).ok());
        QVERIFY(gui.add(sample(u"FromGui"_s)).ok()); // re-reads first: FromCli survives
        ProfileStore check;
        QVERIFY(check.load().ok());
        QCOMPARE(check.list().size(), 2);
    }

    void duplicatesRefused()
    {
        ProfileStore store;
        QVERIFY(store.add(sample(u"Prod"_s)).ok());
        const pb::Status again = store.add(sample(u"Prod"_s));
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, u"profile.duplicate"_s);
        QCOMPARE(again.error().field, u"name"_s);
    }

    void invalidProfilesRefused_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("empty name") << u"name"_s << QString() << u"not a valid profile name"_s;
        QTest::newRow("name with space") << u"name"_s << u"My Shop"_s << u"not a valid profile name"_s;
        QTest::newRow("name with colon") << u"name"_s << u"Prod:x"_s << u"not a valid profile name"_s;
        QTest::newRow("name too long") << u"name"_s << QString(65, QLatin1Char('n')) << u"not a valid profile name"_s;
        QTest::newRow("not a url") << u"paytraceUrl"_s << u"api.paytrace.com"_s << u"not an http(s) URL"_s;
        QTest::newRow("ftp") << u"magentoUrl"_s << u"ftp://shop.example.com"_s << u"not an http(s) URL"_s;
        QTest::newRow("http remote") << u"paytraceUrl"_s << u"http://api.paytrace.com"_s << u"use https"_s;
        QTest::newRow("http private lan") << u"magentoUrl"_s << u"http://192.168.1.10"_s << u"use https"_s;
        QTest::newRow("http localhost-like name") << u"magentoUrl"_s << u"http://localhost.evil.example"_s << u"use https"_s;
        QTest::newRow("credentials in url") << u"magentoUrl"_s << u"https://admin:pw@shop.example.com"_s << u"user name or password"_s;
        QTest::newRow("query in url") << u"paytraceUrl"_s << u"https://api.paytrace.com/?token=x"_s << u"without query"_s;
        QTest::newRow("auth") << u"magentoAuth"_s << u"basic"_s << u"\"oauth1\" or \"bearer\""_s;
        QTest::newRow("signature") << u"magentoSignature"_s << u"PLAINTEXT"_s << u"HMAC-SHA256"_s;
        QTest::newRow("pin") << u"pinnedCertSha256Magento"_s << u"abcd"_s << u"SHA-256"_s;
        QTest::newRow("integrator") << u"paytraceIntegratorId"_s << u"has space"_s << u"letters, digits"_s;
    }

    void invalidProfilesRefused()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, messagePart);
        Profile p = sample(u"Prod"_s);
        if (field == u"name") p.name = value;
        else if (field == u"paytraceUrl") p.paytraceUrl = value;
        else if (field == u"magentoUrl") p.magentoUrl = value;
        else if (field == u"magentoAuth") p.magentoAuth = value;
        else if (field == u"magentoSignature") p.magentoSignature = value;
        else if (field == u"pinnedCertSha256Magento") p.pinnedCertSha256Magento = value;
        else if (field == u"paytraceIntegratorId") p.paytraceIntegratorId = value;
        else QFAIL("unknown field in test data");

        ProfileStore store;
        const pb::Status s = store.add(p);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, u"profile.invalid"_s);
        QCOMPARE(s.error().field, field);
        QVERIFY2(s.error().message.contains(messagePart), qPrintable(s.error().message));
        QVERIFY(!QFile::exists(store.filePath())); // nothing saved
    }

    void numbersOutOfRangeRefused()
    {
        Profile p = sample(u"Prod"_s);
        p.historyDays = 0;
        QCOMPARE(validate(p).error().field, u"historyDays"_s);
        p = sample(u"Prod"_s);
        p.syncIntervalSeconds = 5;
        QCOMPARE(validate(p).error().field, u"syncIntervalSeconds"_s);
    }

    void timingDefaults()
    {
        const Profile p;
        QCOMPARE(p.requestTimeoutSeconds, 60); // the connectors' own default (PayTraceConfig, MagentoConfig)
        QCOMPARE(p.inDoubtSettleSeconds, 120);
        QVERIFY(validate(sample(u"Prod"_s)).ok());
    }

    void timingValidated_data()
    {
        QTest::addColumn<int>("timeout");
        QTest::addColumn<int>("settle");
        QTest::addColumn<QString>("field"); // empty: valid
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("defaults") << 60 << 120 << QString() << QString();
        QTest::newRow("shortest") << 5 << 10 << QString() << QString();
        QTest::newRow("longest") << 600 << 86400 << QString() << QString();
        QTest::newRow("settle exactly twice") << 90 << 180 << QString() << QString();
        QTest::newRow("timeout too short") << 4 << 120 << u"requestTimeoutSeconds"_s << u"between 5 and 600 seconds"_s;
        QTest::newRow("timeout too long") << 601 << 1300 << u"requestTimeoutSeconds"_s << u"between 5 and 600 seconds"_s;
        QTest::newRow("timeout zero") << 0 << 120 << u"requestTimeoutSeconds"_s << u"between 5 and 600 seconds"_s;
        QTest::newRow("settle too short") << 5 << 9 << u"inDoubtSettleSeconds"_s << u"between 10 and 86400 seconds"_s;
        QTest::newRow("settle too long") << 60 << 86401 << u"inDoubtSettleSeconds"_s << u"between 10 and 86400 seconds"_s;
        QTest::newRow("settle under twice the timeout")
            << 90 << 179 << u"inDoubtSettleSeconds"_s << u"at least twice the request timeout (180 s for 90 s)"_s;
        QTest::newRow("default settle, longer timeout")
            << 61 << 120 << u"inDoubtSettleSeconds"_s << u"at least twice the request timeout"_s;
    }

    void timingValidated()
    {
        QFETCH(int, timeout);
        QFETCH(int, settle);
        QFETCH(QString, field);
        QFETCH(QString, messagePart);
        Profile p = sample(u"Prod"_s);
        p.requestTimeoutSeconds = timeout;
        p.inDoubtSettleSeconds = settle;
        const pb::Status s = validate(p, u"profiles[2]."_s);
        if (field.isEmpty()) {
            QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
            return;
        }
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, u"profile.invalid"_s);
        QCOMPARE(s.error().field, u"profiles[2]."_s + field);
        QVERIFY2(s.error().message.contains(messagePart), qPrintable(s.error().message));

        // The store refuses it the same way and writes nothing.
        ProfileStore store;
        const pb::Status added = store.add(p);
        QVERIFY(!added.ok());
        QCOMPARE(added.error().field, field);
        QVERIFY(!QFile::exists(store.filePath()));
    }

    void timingRoundTripAndDefaultsNotStored()
    {
        {
            ProfileStore store;
            Profile tuned = sample(u"Tuned"_s);
            tuned.requestTimeoutSeconds = 25;
            tuned.inDoubtSettleSeconds = 900;
            QVERIFY(store.add(tuned).ok());
            Profile onlySettle = sample(u"OnlySettle"_s);
            onlySettle.inDoubtSettleSeconds = 300;
            QVERIFY(store.add(onlySettle).ok());
            QVERIFY(store.add(sample(u"Plain"_s)).ok());
        }
        const QJsonArray saved = QJsonDocument::fromJson(readFile(ProfileStore::defaultFilePath()))
                                     .object().value(u"profiles"_s).toArray();
        QCOMPARE(saved.size(), 3);
        QHash<QString, QJsonObject> byName;
        for (const QJsonValue &v : saved)
            byName.insert(v.toObject().value(u"name"_s).toString(), v.toObject());
        QCOMPARE(byName.value(u"Tuned"_s).value(u"requestTimeoutSeconds"_s).toInt(), 25);
        QCOMPARE(byName.value(u"Tuned"_s).value(u"inDoubtSettleSeconds"_s).toInt(), 900);
        QVERIFY(!byName.value(u"OnlySettle"_s).contains(u"requestTimeoutSeconds"_s));
        QCOMPARE(byName.value(u"OnlySettle"_s).value(u"inDoubtSettleSeconds"_s).toInt(), 300);
        QVERIFY(!byName.value(u"Plain"_s).contains(u"requestTimeoutSeconds"_s));
        QVERIFY(!byName.value(u"Plain"_s).contains(u"inDoubtSettleSeconds"_s));

        ProfileStore reloaded;
        QVERIFY(reloaded.load().ok());
        QCOMPARE(reloaded.find(u"Tuned"_s)->requestTimeoutSeconds, 25);
        QCOMPARE(reloaded.find(u"Tuned"_s)->inDoubtSettleSeconds, 900);
        QCOMPARE(reloaded.find(u"OnlySettle"_s)->requestTimeoutSeconds, 60);
        QCOMPARE(reloaded.find(u"OnlySettle"_s)->inDoubtSettleSeconds, 300);
        QCOMPARE(reloaded.find(u"Plain"_s)->requestTimeoutSeconds, 60);
        QCOMPARE(reloaded.find(u"Plain"_s)->inDoubtSettleSeconds, 120);
    }

    // A file written before the timing settings existed loads with their defaults.
    void olderFileWithoutTimingLoads()
    {
        const QJsonObject old{{u"name"_s, u"Old"_s},
                              {u"paytraceUrl"_s, u"https://api.paytrace.com"_s},
                              {u"magentoUrl"_s, u"https://shop.example.com"_s},
                              {u"magentoAuth"_s, u"oauth1"_s},
                              {u"magentoSignature"_s, u"HMAC-SHA256"_s},
                              {u"paytraceIntegratorId"_s, QString()},
                              {u"historyDays"_s, 30},
                              {u"syncIntervalSeconds"_s, 300},
                              {u"pinnedCertSha256Paytrace"_s, QString()},
                              {u"pinnedCertSha256Magento"_s, QString()},
                              {u"createdAt"_s, u"2024-01-02T03:04:05.000Z"_s},
                              {u"createdBy"_s, u"admin"_s}};
        ProfileStore store;
        writeFile(store.filePath(), profilesFile({old}));
        const pb::Status loaded = store.load();
        QVERIFY2(loaded.ok(), qPrintable(loaded.ok() ? QString() : loaded.error().toString()));
        QCOMPARE(store.find(u"Old"_s)->requestTimeoutSeconds, 60);
        QCOMPARE(store.find(u"Old"_s)->inDoubtSettleSeconds, 120);
    }

    void loopbackHttpAllowed_data()
    {
        QTest::addColumn<QString>("url");
        QTest::newRow("localhost") << u"http://localhost:8080"_s;
        QTest::newRow("LOCALHOST") << u"http://LOCALHOST"_s;
        QTest::newRow("127.0.0.1") << u"http://127.0.0.1:5000/base"_s;
        QTest::newRow("127.1.2.3") << u"http://127.1.2.3"_s;
        QTest::newRow("::1") << u"http://[::1]:9000"_s;
        QTest::newRow("https anywhere") << u"https://shop.example.com/magento"_s;
    }

    void loopbackHttpAllowed()
    {
        QFETCH(QString, url);
        const pb::Status s = validateServiceUrl(url, u"magentoUrl"_s);
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
    }

    void loadErrorsNameTheField_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("field");

        QJsonObject badUrl = sampleJson(u"B"_s);
        badUrl[u"paytraceUrl"_s] = u"not a url"_s;
        QTest::newRow("bad url in second profile")
            << profilesFile({sampleJson(u"A"_s), badUrl}) << u"profile.invalid"_s << u"profiles[1].paytraceUrl"_s;

        QJsonObject http = sampleJson(u"A"_s);
        http[u"magentoUrl"_s] = u"http://shop.example.com"_s;
        QTest::newRow("http remote") << profilesFile({http}) << u"profile.invalid"_s << u"profiles[0].magentoUrl"_s;

        QJsonObject wrongType = sampleJson(u"A"_s);
        wrongType[u"historyDays"_s] = u"30"_s;
        QTest::newRow("number as string") << profilesFile({wrongType}) << u"profile.invalid"_s << u"profiles[0].historyDays"_s;

        QJsonObject fraction = sampleJson(u"A"_s);
        fraction[u"syncIntervalSeconds"_s] = 300.5;
        QTest::newRow("fraction") << profilesFile({fraction}) << u"profile.invalid"_s << u"profiles[0].syncIntervalSeconds"_s;

        QJsonObject timeoutText = sampleJson(u"A"_s);
        timeoutText[u"requestTimeoutSeconds"_s] = u"60"_s;
        QTest::newRow("timeout as string")
            << profilesFile({timeoutText}) << u"profile.invalid"_s << u"profiles[0].requestTimeoutSeconds"_s;

        QJsonObject settleShort = sampleJson(u"A"_s);
        settleShort[u"requestTimeoutSeconds"_s] = 120;
        QTest::newRow("settle under twice the timeout")
            << profilesFile({sampleJson(u"B"_s), settleShort}) << u"profile.invalid"_s
            << u"profiles[1].inDoubtSettleSeconds"_s;

        QJsonObject missing = sampleJson(u"A"_s);
        missing.remove(u"magentoUrl"_s);
        QTest::newRow("missing url") << profilesFile({missing}) << u"profile.invalid"_s << u"profiles[0].magentoUrl"_s;

        QTest::newRow("duplicate")
            << profilesFile({sampleJson(u"A"_s), sampleJson(u"A"_s)}) << u"profile.duplicate"_s << u"profiles[1].name"_s;

        QJsonObject unknown = sampleJson(u"A"_s);
        unknown[u"colour"_s] = u"blue"_s;
        QTest::newRow("unknown field") << profilesFile({unknown}) << u"profile.unknown_field"_s << u"profiles[0].colour"_s;

        QJsonObject badDate = sampleJson(u"A"_s);
        badDate[u"createdAt"_s] = u"yesterday"_s;
        QTest::newRow("bad date") << profilesFile({badDate}) << u"profile.invalid"_s << u"profiles[0].createdAt"_s;

        QTest::newRow("not an object") << profilesFile({42}) << u"profile.invalid"_s << u"profiles[0]"_s;
        QTest::newRow("version")
            << QJsonDocument(QJsonObject{{u"version"_s, 7}, {u"profiles"_s, QJsonArray()}}).toJson()
            << u"profile.version"_s << u"version"_s;
        QTest::newRow("syntax") << QByteArray("{\"version\": 1, \"profiles\": [") << u"profile.syntax"_s << QString();
    }

    void loadErrorsNameTheField()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, code);
        QFETCH(QString, field);
        ProfileStore store;
        writeFile(store.filePath(), content);
        const pb::Status s = store.load();
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, code);
        if (field.isEmpty())
            QCOMPARE(s.error().field, store.filePath());
        else
            QCOMPARE(s.error().field, field);
        QVERIFY(s.error().toString().startsWith(s.error().field + u": "_s));

        // A file that does not validate is never overwritten by a change.
        QVERIFY(!store.add(sample(u"New"_s)).ok());
        QCOMPARE(readFile(store.filePath()), content);
    }

    void secretLookingFieldsRefused_data()
    {
        QTest::addColumn<QString>("key");
        QTest::newRow("password") << u"paytracePassword"_s;
        QTest::newRow("access_token") << u"access_token"_s;
        QTest::newRow("consumer_secret") << u"magento.consumer_secret"_s;
        QTest::newRow("bearer token") << u"magentoBearerToken"_s;
        QTest::newRow("consumer key") << u"consumer_key"_s;
        QTest::newRow("api key") << u"apiKey"_s;
    }

    void secretLookingFieldsRefused()
    {
        QFETCH(QString, key);
        QJsonObject o = sampleJson(u"Prod"_s);
        o[key] = u"CANARY-secret-in-profile"_s;
        ProfileStore store;
        writeFile(store.filePath(), profilesFile({o}));
        const pb::Status s = store.load();
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, u"profile.secret_field"_s);
        QCOMPARE(s.error().field, u"profiles[0]."_s + key);
        QVERIFY(!s.error().message.contains(u"CANARY"_s)); // the value is never echoed
        QVERIFY(store.list().isEmpty());
    }

    // What the store writes holds exactly the documented, non-secret fields.
    void savedFileHasOnlyProfileFields()
    {
        ProfileStore store;
        QVERIFY(store.add(sample(u"Prod"_s)).ok());
        const QJsonObject root = QJsonDocument::fromJson(readFile(store.filePath())).object();
        QCOMPARE(root.value(u"version"_s).toInt(), 1);
        const QJsonObject saved = root.value(u"profiles"_s).toArray().at(0).toObject();
        QStringList keys = saved.keys();
        keys.sort();
        QCOMPARE(keys, (QStringList{u"createdAt"_s, u"createdBy"_s, u"historyDays"_s, u"magentoAuth"_s,
                                    u"magentoSignature"_s, u"magentoUrl"_s, u"name"_s, u"paytraceIntegratorId"_s,
                                    u"paytraceUrl"_s, u"pinnedCertSha256Magento"_s, u"pinnedCertSha256Paytrace"_s,
                                    u"syncIntervalSeconds"_s}));
    }
};

QTEST_GUILESS_MAIN(TestProfiles)
#include "tst_profiles.moc"
