// `paybridge paytrace …` as a user runs it: the real executable against a `paybridge-sandbox`
// process, secrets through stdin into the real keychain (tests/with-session), exit codes.
#include "cliworld.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
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
    void batchesAndBatch();

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
    QVERIFY2(m_world.start(60, 7, &error), qPrintable(error));
    addProfile(u"PT"_s, m_world.value(u"paytrace_url"_s), m_world.value(u"paytrace.username"_s),
               m_world.value(u"paytrace.password"_s));
    addProfile(u"PTWrongPassword"_s, m_world.value(u"paytrace_url"_s), m_world.value(u"paytrace.username"_s),
               u"not-the-password"_s);
    addProfile(u"PTNoSecrets"_s, m_world.value(u"paytrace_url"_s), {}, {});
    // Nothing listens on port 1: connection refused.
    addProfile(u"PTDown"_s, u"http://127.0.0.1:1/paytrace"_s, u"user"_s, u"secret"_s);
}

void TestCliPayTrace::cleanupTestCase()
{
    for (const char *name : {"PT", "PTWrongPassword", "PTNoSecrets", "PTDown"})
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

QTEST_GUILESS_MAIN(TestCliPayTrace)
#include "tst_cli_paytrace.moc"
