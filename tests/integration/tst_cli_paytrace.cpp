// `paybridge paytrace …` as a user runs it: the real executable against a `paybridge-sandbox`
// process, secrets through stdin into the real keychain (tests/with-session), exit codes.
#include "cliworld.h"
#include "tlsfront.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

using Run = pb::test::CliRun;

const QRegularExpression kIsoUtc(u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$"_s);
const QRegularExpression kAmount(u"^\\d+\\.\\d{2}$"_s);
const QRegularExpression kDigits(u"^\\d+$"_s);

QSet<QString> keysOf(const QJsonObject &o)
{
    const QStringList keys = o.keys();
    return QSet<QString>(keys.begin(), keys.end());
}

} // namespace

class TestCliPayTrace : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void helpEverywhere_data();
    void helpEverywhere();
    void usageErrors_data();
    void usageErrors();
    void ping_data();
    void ping();
    void exportJsonl();
    void userWithoutExportRightIsToldWhy();
    void batchesAndBatch();
    void commandsHonourTheProfilesPins();

private:
    Run paybridge(const QStringList &args, const QByteArray &stdinData = {}) const
    {
        return m_world.paybridge(args, stdinData);
    }
    void addProfile(const QString &name, const QString &paytraceUrl, const QString &user, const QString &password);
    QStringList range() const;

    pb::test::CliWorld m_world;
};

void TestCliPayTrace::addProfile(const QString &name, const QString &paytraceUrl, const QString &user,
                                 const QString &password)
{
    Run r = paybridge({u"profile"_s, u"add"_s, name, u"--paytrace-url"_s, paytraceUrl, u"--magento-url"_s,
                       m_world.value(u"magento_url"_s), u"--magento-auth"_s, u"bearer"_s});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    for (const auto &[key, value] : {std::pair{u"paytrace.username"_s, user}, std::pair{u"paytrace.password"_s, password}}) {
        if (value.isEmpty())
            continue;
        r = paybridge({u"profile"_s, u"set-secret"_s, name, key}, value.toUtf8() + '\n');
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
}

QStringList TestCliPayTrace::range() const
{
    // The sandbox runs on today's clock with 30 days of history; Pacific days lag UTC.
    const QDate today = QDateTime::currentDateTimeUtc().date();
    return {u"--from"_s, today.addDays(-32).toString(Qt::ISODate), u"--to"_s, today.addDays(1).toString(Qt::ISODate)};
}

void TestCliPayTrace::initTestCase()
{
    QString error;
    // The profiles below sign in to Magento with the token: this store turned Bearer on.
    QVERIFY2(m_world.start(60, 7, &error, {u"--magento-bearer"_s}), qPrintable(error));
    addProfile(u"PT"_s, m_world.value(u"paytrace_url"_s), m_world.value(u"paytrace.username"_s),
               m_world.value(u"paytrace.password"_s));
    addProfile(u"PTWrongPassword"_s, m_world.value(u"paytrace_url"_s), m_world.value(u"paytrace.username"_s),
               u"not-the-password"_s);
    addProfile(u"PTNoSecrets"_s, m_world.value(u"paytrace_url"_s), {}, {});
    // A second API user of the account, without the export and batch rights.
    addProfile(u"PTClerk"_s, m_world.value(u"paytrace_url"_s), m_world.value(u"paytrace.limited_username"_s),
               m_world.value(u"paytrace.limited_password"_s));
    // Nothing listens on port 1: connection refused.
    addProfile(u"PTDown"_s, u"http://127.0.0.1:1/paytrace"_s, u"user"_s, u"secret"_s);
}

void TestCliPayTrace::cleanupTestCase()
{
    for (const char *name : {"PT", "PTWrongPassword", "PTNoSecrets", "PTDown", "PTPinned", "PTClerk"})
        paybridge({u"profile"_s, u"remove"_s, QString::fromLatin1(name)});
    m_world.stop();
}

void TestCliPayTrace::helpEverywhere_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("paytrace") << QStringList{u"paytrace"_s, u"--help"_s};
    for (const char *sub : {"ping", "export", "batches", "batch"})
        QTest::newRow(sub) << QStringList{u"paytrace"_s, QString::fromLatin1(sub), u"--help"_s};
}

void TestCliPayTrace::helpEverywhere()
{
    QFETCH(QStringList, args);
    const Run r = paybridge(args);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(u"Usage"_s), qPrintable(r.out + r.err));
    QVERIFY(r.out.contains(u"--profile"_s));
}

void TestCliPayTrace::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    const QString p = u"--profile"_s;
    QTest::newRow("no subcommand") << QStringList{u"paytrace"_s} << 2;
    QTest::newRow("unknown subcommand") << QStringList{u"paytrace"_s, u"refund"_s, p, u"PT"_s} << 2;
    QTest::newRow("no profile") << QStringList{u"paytrace"_s, u"ping"_s} << 2;
    QTest::newRow("export without dates") << QStringList{u"paytrace"_s, u"export"_s, p, u"PT"_s} << 2;
    QTest::newRow("export bad date") << QStringList{u"paytrace"_s, u"export"_s, p, u"PT"_s, u"--from"_s, u"06/01/2026"_s, u"--to"_s, u"2026-06-02"_s} << 2;
    QTest::newRow("export reversed") << QStringList{u"paytrace"_s, u"export"_s, p, u"PT"_s, u"--from"_s, u"2026-06-05"_s, u"--to"_s, u"2026-06-02"_s} << 2;
    QTest::newRow("export csv") << QStringList{u"paytrace"_s, u"export"_s, p, u"PT"_s, u"--from"_s, u"2026-06-01"_s, u"--to"_s, u"2026-06-02"_s, u"--format"_s, u"csv"_s} << 2;
    QTest::newRow("batch without number") << QStringList{u"paytrace"_s, u"batch"_s, p, u"PT"_s} << 2;
    QTest::newRow("batch letters") << QStringList{u"paytrace"_s, u"batch"_s, p, u"PT"_s, u"--number"_s, u"x1"_s} << 2;
    QTest::newRow("unknown option") << QStringList{u"paytrace"_s, u"ping"_s, p, u"PT"_s, u"--frobnicate"_s} << 2;
    QTest::newRow("unknown profile") << QStringList{u"paytrace"_s, u"ping"_s, p, u"nope"_s} << 3;
    QTest::newRow("missing secrets") << QStringList{u"paytrace"_s, u"ping"_s, p, u"PTNoSecrets"_s} << 3;
    QTest::newRow("unknown batch") << QStringList{u"paytrace"_s, u"batch"_s, p, u"PT"_s, u"--number"_s, u"987654"_s} << 1;
}

void TestCliPayTrace::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    const Run r = paybridge(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY(!r.err.isEmpty());
    QVERIFY(r.out.isEmpty());
}

void TestCliPayTrace::ping_data()
{
    QTest::addColumn<QString>("profile");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("good") << u"PT"_s << 0;
    QTest::newRow("wrong password") << u"PTWrongPassword"_s << 5;
    QTest::newRow("nothing listening") << u"PTDown"_s << 5;
}

void TestCliPayTrace::ping()
{
    QFETCH(QString, profile);
    QFETCH(int, exitCode);
    const Run r = paybridge({u"paytrace"_s, u"ping"_s, u"--profile"_s, profile});
    QVERIFY2(r.exitCode == exitCode, qPrintable(u"exit %1: %2"_s.arg(r.exitCode).arg(r.err)));
    QVERIFY(!r.out.contains(u"not-the-password"_s) && !r.err.contains(u"not-the-password"_s));
    QVERIFY(!r.out.contains(m_world.value(u"paytrace.password"_s)) && !r.err.contains(m_world.value(u"paytrace.password"_s)));
}

// PayTrace refuses the export to an API user without the right (error 981): the command says
// so in PayTrace's words and exits as a refused sign-in, never as "no transactions".
void TestCliPayTrace::userWithoutExportRightIsToldWhy()
{
    QVERIFY(!m_world.value(u"paytrace.limited_username"_s).isEmpty());
    const Run r = paybridge(QStringList{u"paytrace"_s, u"export"_s, u"--profile"_s, u"PTClerk"_s, u"--format"_s, u"jsonl"_s}
                            + range());
    QVERIFY2(r.exitCode == 5, qPrintable(u"exit %1: %2"_s.arg(r.exitCode).arg(r.err)));
    QVERIFY(r.out.isEmpty());
    QVERIFY2(r.err.contains(u"insufficient permissions"_s, Qt::CaseInsensitive), qPrintable(r.err));
    QVERIFY(!r.err.contains(m_world.value(u"paytrace.limited_password"_s)));
}

void TestCliPayTrace::exportJsonl()
{
    const Run r = paybridge(QStringList{u"paytrace"_s, u"export"_s, u"--profile"_s, u"PT"_s, u"--format"_s, u"jsonl"_s} + range());
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    bool ok = false;
    const QList<QJsonObject> lines = pb::test::CliWorld::jsonLines(r.out, &ok);
    QVERIFY(ok);
    QVERIFY2(lines.size() >= 40, qPrintable(u"%1 lines"_s.arg(lines.size())));
    const QSet<QString> expectedKeys{u"transaction_id"_s, u"type"_s, u"amount"_s, u"currency"_s, u"status"_s, u"batch"_s,
                                     u"invoice_id"_s, u"card_last4"_s, u"created_at"_s, u"settled_at"_s};
    const QSet<QString> types{u"sale"_s, u"authorization"_s, u"refund"_s, u"void"_s};
    const QSet<QString> statuses{u"approved"_s, u"declined"_s, u"pending_settlement"_s, u"settled"_s, u"voided"_s, u"authorized"_s};
    QSet<QString> ids, seenTypes, seenStatuses;
    for (const QJsonObject &o : lines) {
        const QString where = QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
        QVERIFY2(keysOf(o) == expectedKeys, qPrintable(where));
        QVERIFY2(o.value("transaction_id"_L1).isString() && kDigits.match(o.value("transaction_id"_L1).toString()).hasMatch(), qPrintable(where));
        QVERIFY2(!ids.contains(o.value("transaction_id"_L1).toString()), qPrintable(where));
        ids.insert(o.value("transaction_id"_L1).toString());
        QVERIFY2(types.contains(o.value("type"_L1).toString()), qPrintable(where));
        QVERIFY2(kAmount.match(o.value("amount"_L1).toString()).hasMatch(), qPrintable(where));
        QCOMPARE(o.value("currency"_L1).toString(), u"USD"_s);
        QVERIFY2(statuses.contains(o.value("status"_L1).toString()), qPrintable(where));
        QVERIFY2(o.value("invoice_id"_L1).isString(), qPrintable(where));
        QVERIFY2(kDigits.match(o.value("card_last4"_L1).toString()).hasMatch() && o.value("card_last4"_L1).toString().size() == 4,
                 qPrintable(where));
        QVERIFY2(kIsoUtc.match(o.value("created_at"_L1).toString()).hasMatch(), qPrintable(where));
        const bool settled = o.value("status"_L1).toString() == u"settled";
        // Settled ⇔ a batch and a settlement time; otherwise both null.
        QVERIFY2(settled == o.value("batch"_L1).isString(), qPrintable(where));
        QVERIFY2(settled == o.value("settled_at"_L1).isString(), qPrintable(where));
        if (settled) {
            QVERIFY2(kDigits.match(o.value("batch"_L1).toString()).hasMatch(), qPrintable(where));
            QVERIFY2(kIsoUtc.match(o.value("settled_at"_L1).toString()).hasMatch(), qPrintable(where));
            QVERIFY2(o.value("settled_at"_L1).toString() >= o.value("created_at"_L1).toString(), qPrintable(where));
        } else {
            QVERIFY2(o.value("batch"_L1).isNull() && o.value("settled_at"_L1).isNull(), qPrintable(where));
        }
        seenTypes.insert(o.value("type"_L1).toString());
        seenStatuses.insert(o.value("status"_L1).toString());
    }
    // The generated stories cover these.
    QVERIFY(seenTypes.contains(u"sale"_s) && seenTypes.contains(u"refund"_s));
    QVERIFY(seenStatuses.contains(u"settled"_s));
}

void TestCliPayTrace::batchesAndBatch()
{
    Run r = paybridge(QStringList{u"paytrace"_s, u"batches"_s, u"--profile"_s, u"PT"_s} + range());
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    bool ok = false;
    const QList<QJsonObject> batches = pb::test::CliWorld::jsonLines(r.out, &ok);
    QVERIFY(ok);
    QVERIFY(batches.size() >= 20); // one close a day over the history
    const QSet<QString> expectedKeys{u"batch"_s, u"closed_at"_s, u"currency"_s, u"transaction_count"_s, u"net_amount"_s,
                                     u"sales_count"_s, u"sales_amount"_s, u"refund_count"_s, u"refund_amount"_s};
    for (const QJsonObject &b : batches) {
        const QString where = QString::fromUtf8(QJsonDocument(b).toJson(QJsonDocument::Compact));
        QVERIFY2(keysOf(b) == expectedKeys, qPrintable(where));
        QVERIFY2(kDigits.match(b.value("batch"_L1).toString()).hasMatch(), qPrintable(where));
        QVERIFY2(kIsoUtc.match(b.value("closed_at"_L1).toString()).hasMatch(), qPrintable(where));
        QVERIFY2(QRegularExpression(u"^-?\\d+\\.\\d{2}$"_s).match(b.value("net_amount"_L1).toString()).hasMatch(), qPrintable(where));
        QVERIFY2(kAmount.match(b.value("sales_amount"_L1).toString()).hasMatch(), qPrintable(where));
        QVERIFY2(b.value("transaction_count"_L1).isDouble(), qPrintable(where));
    }
    // Pick a batch with transactions; `batch` prints the same line, `--transactions` its members.
    QJsonObject chosen;
    for (const QJsonObject &b : batches) {
        if (b.value("transaction_count"_L1).toInt() > 0)
            chosen = b;
    }
    QVERIFY(!chosen.isEmpty());
    const QString number = chosen.value("batch"_L1).toString();
    r = paybridge({u"paytrace"_s, u"batch"_s, u"--profile"_s, u"PT"_s, u"--number"_s, number});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QList<QJsonObject> one = pb::test::CliWorld::jsonLines(r.out, &ok);
    QVERIFY(ok);
    QCOMPARE(one.size(), 1);
    QCOMPARE(one.first(), chosen);

    r = paybridge({u"paytrace"_s, u"batch"_s, u"--profile"_s, u"PT"_s, u"--number"_s, number, u"--transactions"_s});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QList<QJsonObject> members = pb::test::CliWorld::jsonLines(r.out, &ok);
    QVERIFY(ok);
    QCOMPARE(members.size(), chosen.value("transaction_count"_L1).toInt());
    for (const QJsonObject &t : members) {
        QCOMPARE(t.value("batch"_L1).toString(), number);
        QCOMPARE(t.value("status"_L1).toString(), u"settled"_s);
    }
}

// The profile's certificate pins, for the PayTrace and the Magento commands alike: HTTPS fronts
// with self-signed certificates (one per service) before the sandbox, and the pins edited in
// profiles.json as a person would.
void TestCliPayTrace::commandsHonourTheProfilesPins()
{
    const QUrl paytraceUrl(m_world.value(u"paytrace_url"_s));
    const QUrl magentoUrl(m_world.value(u"magento_url"_s));
    pb::test::TlsFront paytraceFront(quint16(paytraceUrl.port()));
    pb::test::TlsFront magentoFront(quint16(magentoUrl.port()));
    QString error;
    QVERIFY2(paytraceFront.start(&error), qPrintable(error));
    QVERIFY2(magentoFront.start(&error), qPrintable(error));

    const QString name = u"PTPinned"_s;
    Run r = paybridge({u"profile"_s, u"add"_s, name, u"--paytrace-url"_s, paytraceFront.url(paytraceUrl).toString(),
                       u"--magento-url"_s, magentoFront.url(magentoUrl).toString(), u"--magento-auth"_s, u"bearer"_s});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    for (const char *key : {"paytrace.username", "paytrace.password", "magento.bearer_token"}) {
        r = paybridge({u"profile"_s, u"set-secret"_s, name, QString::fromLatin1(key)},
                      m_world.value(QString::fromLatin1(key)).toUtf8() + '\n');
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
    const QString profilesPath = m_world.home() + u"/config/PayBridge/PayBridge/profiles.json"_s;
    const auto setPins = [&](const QString &paytracePin, const QString &magentoPin) {
        QFile file(profilesPath);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(profilesPath));
        QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
        file.close();
        QJsonArray profiles = root.value("profiles"_L1).toArray();
        bool found = false;
        for (qsizetype i = 0; i < profiles.size(); ++i) {
            QJsonObject p = profiles.at(i).toObject();
            if (p.value("name"_L1).toString() != name)
                continue;
            p.insert("pinnedCertSha256Paytrace"_L1, paytracePin);
            p.insert("pinnedCertSha256Magento"_L1, magentoPin);
            profiles.replace(i, p);
            found = true;
        }
        QVERIFY(found);
        root.insert("profiles"_L1, profiles);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QVERIFY(file.write(QJsonDocument(root).toJson()) > 0);
    };

    const QString wrongPin = QString(64, u'7');
    struct Case
    {
        const char *what;
        QString paytracePin;
        QString magentoPin;
        int paytraceExit;
        int magentoExit;
    };
    const QList<Case> cases{
        {"no pins: a self-signed certificate is refused", {}, {}, 5, 5},
        {"each service's own pin", paytraceFront.pin(), magentoFront.pin(), 0, 0},
        {"swapped: a pin counts for its own host only", magentoFront.pin(), paytraceFront.pin(), 5, 5},
        {"a wrong Magento pin", paytraceFront.pin(), wrongPin, 0, 5},
    };
    for (const Case &c : cases) {
        setPins(c.paytracePin, c.magentoPin);
        const Run paytrace = paybridge({u"paytrace"_s, u"ping"_s, u"--profile"_s, name});
        QVERIFY2(paytrace.exitCode == c.paytraceExit,
                 qPrintable(u"%1: paytrace ping exit %2: %3"_s.arg(QLatin1StringView(c.what)).arg(paytrace.exitCode).arg(paytrace.err)));
        const Run magento = paybridge({u"magento"_s, u"ping"_s, u"--profile"_s, name});
        QVERIFY2(magento.exitCode == c.magentoExit,
                 qPrintable(u"%1: magento ping exit %2: %3"_s.arg(QLatin1StringView(c.what)).arg(magento.exitCode).arg(magento.err)));
        for (const Run *refused : {&paytrace, &magento}) {
            if (refused->exitCode != 0)
                QVERIFY2(refused->err.contains(u"is not pinned"_s), qPrintable(refused->err));
        }
    }
    QVERIFY(paytraceFront.connections() > 0 && magentoFront.connections() > 0);
    paybridge({u"profile"_s, u"remove"_s, name});
}

QTEST_GUILESS_MAIN(TestCliPayTrace)
#include "tst_cli_paytrace.moc"
