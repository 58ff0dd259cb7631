// One record PayBridge cannot read never stops the sync (docs/quarantine.md): the real
// `paybridge` against a sandbox process whose admin API garbles one Magento order and one
// PayTrace transaction the way an untidy store would, through the real keychain and SQLite.
#include "cliworld.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using namespace pb::test;

namespace {

int summaryValue(const QString &out, const QString &key)
{
    const QRegularExpression re(u"^"_s + QRegularExpression::escape(key) + u"=(\\d+)$"_s,
                                QRegularExpression::MultilineOption);
    const auto m = re.match(out);
    return m.hasMatch() ? m.captured(1).toInt() : -1;
}

// One value from the profile's store, read through its own connection.
QVariant storeValue(const QString &path, const QString &sql)
{
    QVariant v;
    {
        auto db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"tst_quarantine"_s);
        db.setDatabaseName(path);
        db.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next())
                v = q.value(0);
        }
    }
    QSqlDatabase::removeDatabase(u"tst_quarantine"_s);
    return v;
}

} // namespace

class TestQuarantine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void badOrderIsQuarantinedAndReleased();
    void badTransactionIsQuarantinedAndReleased();

private:
    QList<QJsonObject> quarantineList();
    CliRun sync();

    CliWorld m_world;
    const QString m_profile = u"messy"_s;
    qint64 m_badOrder = 0;
    QString m_badIncrement;
};

void TestQuarantine::initTestCase()
{
    QString error;
    QVERIFY2(m_world.start(60, 13, &error), qPrintable(error));
    QVERIFY2(m_world.addProfile(m_profile, &error), qPrintable(error));
}

void TestQuarantine::cleanupTestCase()
{
    m_world.stop();
}

CliRun TestQuarantine::sync()
{
    return m_world.paybridge({u"sync"_s, u"--profile"_s, m_profile, u"--once"_s});
}

QList<QJsonObject> TestQuarantine::quarantineList()
{
    const CliRun r = m_world.paybridge({u"quarantine"_s, u"--profile"_s, m_profile, u"--format"_s, u"jsonl"_s});
    if (r.exitCode != 0) {
        qWarning().noquote() << r.describe({u"quarantine"_s});
        return {};
    }
    bool ok = false;
    const auto lines = CliWorld::jsonLines(r.out, &ok);
    return ok ? lines : QList<QJsonObject>{};
}

void TestQuarantine::badOrderIsQuarantinedAndReleased()
{
    // A recent order (inside the sync's history window), before PayBridge ever saw it.
    CliRun r = m_world.paybridge({u"magento"_s, u"orders"_s, u"--profile"_s, m_profile});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe({u"magento orders"_s})));
    bool ok = false;
    const QList<QJsonObject> orders = CliWorld::jsonLines(r.out, &ok);
    QVERIFY(ok);
    QVERIFY2(orders.size() >= 40, qPrintable(QString::number(orders.size())));
    const QJsonObject middle = orders.at(orders.size() - 5); // listed by updated_at
    m_badOrder = middle.value(u"entity_id"_s).toString().toLongLong();
    m_badIncrement = middle.value(u"increment_id"_s).toString();
    QVERIFY(m_badOrder > 0);

    QString error;
    const auto set = m_world.adminPost(u"/__admin/magento/order-overrides"_s,
                                       QJsonObject{{u"entity_id"_s, m_badOrder},
                                                   {u"fields"_s, QJsonObject{{u"grand_total"_s, u"12.3.4"_s}}},
                                                   {u"touch"_s, false}},
                                       &error);
    QVERIFY2(set, qPrintable(error));

    // First sync: every other order is stored, the bad one waits in the quarantine, exit 0.
    r = sync();
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe({u"sync"_s})));
    const int total = summaryValue(r.out, u"orders"_s);
    QVERIFY2(total > 0 && total < int(orders.size()), qPrintable(r.out));
    QCOMPARE(summaryValue(r.out, u"quarantined"_s), 1);
    QVERIFY2(r.err.contains(u"1 record(s) newly quarantined"_s), qPrintable(r.err));

    QList<QJsonObject> held = quarantineList();
    QCOMPARE(held.size(), 1);
    QCOMPARE(held.first().value(u"source"_s).toString(), u"magento.order"_s);
    QCOMPARE(held.first().value(u"id"_s).toString(), QString::number(m_badOrder));
    QVERIFY2(held.first().value(u"field"_s).toString().endsWith(u"grand_total"_s),
             qPrintable(held.first().value(u"field"_s).toString()));
    QVERIFY(!held.first().value(u"reason"_s).toString().isEmpty());
    QVERIFY(!held.first().value(u"first_seen"_s).toString().isEmpty());
    QCOMPARE(held.first().value(u"attempts"_s).toInt(), 1);

    // The raw body is one flag away and carries what was wrong.
    r = m_world.paybridge({u"quarantine"_s, u"--profile"_s, m_profile, u"--raw"_s});
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(u"12.3.4"_s), qPrintable(r.out));

    // The cursor moved past the whole scan: it is not stuck before the bad order.
    const QString store = m_world.storePath(m_profile);
    const QString cursor = storeValue(store, u"SELECT value FROM sync_cursors WHERE name = 'magento.orders.updated_at'"_s).toString();
    QVERIFY2(!cursor.isEmpty(), "no Magento cursor");
    QString maxUpdated;
    for (const QJsonObject &o : orders)
        maxUpdated = std::max(maxUpdated, o.value(u"updated_at"_s).toString());
    QVERIFY2(QDateTime::fromString(cursor, Qt::ISODateWithMs) >= QDateTime::fromString(maxUpdated, Qt::ISODate),
             qPrintable(cursor + u" < "_s + maxUpdated));
    QCOMPARE(storeValue(store, u"SELECT COUNT(*) FROM orders WHERE entity_id = %1"_s.arg(m_badOrder)).toInt(), 0);

    // Second sync: still unreadable, tried again by id, still exit 0.
    r = sync();
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe({u"sync"_s})));
    QCOMPARE(summaryValue(r.out, u"quarantined"_s), 1);
    held = quarantineList();
    QCOMPARE(held.size(), 1);
    QCOMPARE(held.first().value(u"attempts"_s).toInt(), 2);

    // The store corrects the order without touching updated_at: only the retry by id can see
    // it, and it leaves the quarantine by itself.
    QVERIFY2(m_world.adminPost(u"/__admin/magento/order-overrides"_s,
                               QJsonObject{{u"entity_id"_s, m_badOrder}, {u"fields"_s, QJsonValue::Null},
                                           {u"touch"_s, false}},
                               &error),
             qPrintable(error));
    r = sync();
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe({u"sync"_s})));
    QCOMPARE(summaryValue(r.out, u"quarantined"_s), 0);
    QCOMPARE(summaryValue(r.out, u"orders"_s), total + 1);
    QVERIFY2(r.err.contains(u"1 released"_s), qPrintable(r.err));
    QVERIFY(quarantineList().isEmpty());
    QCOMPARE(storeValue(store, u"SELECT increment_id FROM orders WHERE entity_id = %1"_s.arg(m_badOrder)).toString(),
             m_badIncrement);
    QCOMPARE(storeValue(store, u"SELECT COUNT(*) FROM audit_log WHERE action = 'quarantine.released' AND object_id = '%1'"_s
                                   .arg(m_badOrder))
                 .toInt(),
             1);
}

void TestQuarantine::badTransactionIsQuarantinedAndReleased()
{
    // A transaction of the days every sync reads again.
    const QDate today = QDateTime::currentDateTimeUtc().toTimeZone(QTimeZone("America/Los_Angeles")).date();
    CliRun r = m_world.paybridge({u"paytrace"_s, u"export"_s, u"--profile"_s, m_profile, u"--from"_s,
                                  today.addDays(-2).toString(u"yyyy-MM-dd"), u"--to"_s, today.toString(u"yyyy-MM-dd")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe({u"paytrace export"_s})));
    bool ok = false;
    const QList<QJsonObject> recent = CliWorld::jsonLines(r.out, &ok);
    QVERIFY(ok);
    if (recent.isEmpty())
        QSKIP("the generated data has no transaction in the last three days");
    const QString id = recent.first().value(u"transaction_id"_s).toString();
    QVERIFY(!id.isEmpty());

    QString error;
    QVERIFY2(m_world.adminPost(u"/__admin/paytrace/transaction-overrides"_s,
                               QJsonObject{{u"transaction_id"_s, id}, {u"fields"_s, QJsonObject{{u"amount"_s, u"abc"_s}}}},
                               &error),
             qPrintable(error));
    r = sync();
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe({u"sync"_s})));
    QCOMPARE(summaryValue(r.out, u"quarantined"_s), 1);
    const QList<QJsonObject> held = quarantineList();
    QCOMPARE(held.size(), 1);
    QCOMPARE(held.first().value(u"source"_s).toString(), u"paytrace.transaction"_s);
    QCOMPARE(held.first().value(u"id"_s).toString(), id);
    QVERIFY2(held.first().value(u"field"_s).toString().endsWith(u"amount"_s),
             qPrintable(held.first().value(u"field"_s).toString()));

    QVERIFY2(m_world.adminPost(u"/__admin/paytrace/transaction-overrides"_s,
                               QJsonObject{{u"transaction_id"_s, id}, {u"fields"_s, QJsonValue::Null}}, &error),
             qPrintable(error));
    r = sync();
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe({u"sync"_s})));
    QCOMPARE(summaryValue(r.out, u"quarantined"_s), 0);
    QVERIFY(quarantineList().isEmpty());
}

QTEST_GUILESS_MAIN(TestQuarantine)
#include "tst_quarantine.moc"
