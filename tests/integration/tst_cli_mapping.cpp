// `paybridge mapping …` as an admin runs it, against a `paybridge-sandbox` process: a document
// imported while `paybridge serve` runs changes the status its next sync sets on newly paid
// orders in the sandbox's Magento, without a restart; a rollback brings the old status back;
// invalid documents exit 6 naming the key and change nothing; a support operator is refused.
#include "cliworld.h"

#include "access/operator.h"
#include "mapping/mappingprofile.h"
#include "store/database.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;
using pb::test::CliRun;
using pb::test::CliWorld;

namespace {

const QString kProfile = u"maps"_s;

QJsonObject defaultDocument()
{
    return QJsonDocument::fromJson(pb::mapping::MappingProfile::defaults().toJson()).object();
}

// The default document, with paid orders moved to the sandbox store's custom status
// payment_received (state processing, declared as Magento has no route listing statuses).
// A sale PayTrace has just approved reads as pending settlement in its export (status "Y"),
// so both keys a freshly paid order can be in are mapped.
QJsonObject paymentReceivedDocument()
{
    QJsonObject root = defaultDocument();
    root.insert("customStatuses"_L1, QJsonArray{QJsonObject{{"code"_L1, u"payment_received"_s},
                                                            {"label"_L1, u"Payment received"_s},
                                                            {"state"_L1, u"processing"_s}}});
    QJsonObject map = root.value("statusMap"_L1).toObject();
    map.insert("approved"_L1, u"payment_received"_s);
    map.insert("pending_settlement"_L1, u"payment_received"_s);
    root.insert("statusMap"_L1, map);
    return root;
}

} // namespace

class TestCliMapping : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void defaultIsShownAndExported();
    void invalidDocumentsChangeNothing_data();
    void invalidDocumentsChangeNothing();
    void importTakesEffectAtTheNextSync();
    void supportIsRefused();

private:
    CliRun run(const QStringList &args) { return m_world.paybridge(args); }
    QString writeFile(const QString &name, const QByteArray &data);
    // The mapping_versions rows and mapping audit entries in the profile's store.
    int count(const QString &sql);
    QList<QJsonObject> history();
    // Pays a new order at the sandbox's checkout; its Magento entity id.
    qint64 checkout(QString *incrementId);
    // Waits for PayBridge's payment comment on the order; the status it left, or "" on timeout.
    QString commentStatus(qint64 entityId, int timeoutMs);

    CliWorld m_world;
};

QString TestCliMapping::writeFile(const QString &name, const QByteArray &data)
{
    const QString path = m_world.home() + u'/' + name;
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size())
        return {};
    return path;
}

int TestCliMapping::count(const QString &sql)
{
    const QString connection = u"tst-cli-mapping-count"_s;
    int n = -1;
    {
        auto db = pb::store::Database::openReader(m_world.storePath(kProfile), connection);
        if (db) {
            QSqlQuery q(db.value());
            if (q.exec(sql) && q.next())
                n = q.value(0).toInt();
        }
    }
    pb::store::Database::close(connection);
    return n;
}

QList<QJsonObject> TestCliMapping::history()
{
    const QStringList args{u"mapping"_s, u"history"_s, u"--profile"_s, kProfile, u"--format"_s, u"jsonl"_s};
    const CliRun r = run(args);
    bool ok = false;
    const QList<QJsonObject> lines = CliWorld::jsonLines(r.out, &ok);
    if (r.exitCode != 0 || !ok)
        qWarning().noquote() << r.describe(args);
    return lines;
}

qint64 TestCliMapping::checkout(QString *incrementId)
{
    QString error;
    const auto placed = m_world.adminPost(
        u"/__admin/checkout"_s,
        {{u"payment"_s, u"paytrace"_s}, {u"action"_s, u"sale"_s}, {u"amount"_s, u"23.45"_s}, {u"currency"_s, u"USD"_s}},
        &error);
    if (!placed || !placed->value(u"approved"_s).toBool()) {
        qWarning() << "checkout failed:" << error << (placed ? *placed : QJsonObject());
        return 0;
    }
    *incrementId = placed->value(u"increment_id"_s).toString();
    return placed->value(u"entity_id"_s).toInteger();
}

QString TestCliMapping::commentStatus(qint64 entityId, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    QString error;
    while (t.elapsed() < timeoutMs) {
        // Every document, filtered here: adminGet takes a path, not a query.
        const auto docs = m_world.adminGet(u"/__admin/magento/documents"_s, &error);
        if (docs) {
            for (const QJsonValue &d : docs->value(u"documents"_s).toArray()) {
                if (d[u"kind"_s].toString() == u"comment" && d[u"order_id"_s].toInteger() == entityId)
                    return d[u"status_after"_s].toString();
            }
        }
        QTest::qWait(500);
    }
    qWarning() << "no comment on order" << entityId << "within" << timeoutMs << "ms" << error;
    return {};
}

void TestCliMapping::initTestCase()
{
    QString error;
    QVERIFY2(m_world.start(40, 14, &error), qPrintable(error));
    QVERIFY2(m_world.addProfile(kProfile, &error), qPrintable(error));
    // The first sync reads the history and starts the rules: what is paid from now on is news.
    const QStringList sync{u"sync"_s, u"--profile"_s, kProfile, u"--once"_s};
    const CliRun synced = run(sync);
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.describe(sync)));
}

void TestCliMapping::cleanupTestCase()
{
    m_world.stop();
}

void TestCliMapping::defaultIsShownAndExported()
{
    const QStringList show{u"mapping"_s, u"show"_s, u"--profile"_s, kProfile};
    CliRun r = run(show);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(show)));
    QVERIFY2(r.out.contains(u"version 0 (the built-in default)"_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"Link key: PayTrace invoice_id -> Magento increment_id"_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"transforms: trim"_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"Fallback match: on"_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"voided               canceled (canceled)"_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"Assets:PayTrace Clearing"_s), qPrintable(r.out));

    const QString file = m_world.home() + u"/exported.json"_s;
    const QStringList exportArgs{u"mapping"_s, u"export"_s, u"--profile"_s, kProfile, u"--file"_s, file};
    r = run(exportArgs);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(exportArgs)));
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto exported = pb::mapping::MappingProfile::fromJson(f.readAll());
    QVERIFY(exported);
    QVERIFY(exported.value() == pb::mapping::MappingProfile::defaults());

    // Importing the active document again is nothing to do, and says so.
    const QStringList same{u"mapping"_s, u"import"_s, u"--profile"_s, kProfile, u"--file"_s, file, u"--note"_s, u"same"_s};
    r = run(same);
    QVERIFY2(r.exitCode == 0 && r.out.contains(u"not changed"_s), qPrintable(r.describe(same)));
    QCOMPARE(history().size(), 0);
    // An import without a note is a usage error.
    const QStringList noNote{u"mapping"_s, u"import"_s, u"--profile"_s, kProfile, u"--file"_s, file};
    r = run(noNote);
    QVERIFY2(r.exitCode == 2 && r.err.contains(u"--note"_s), qPrintable(r.describe(noNote)));
}

void TestCliMapping::invalidDocumentsChangeNothing_data()
{
    QTest::addColumn<QByteArray>("document");
    QTest::addColumn<QString>("key");

    QJsonObject unknown = defaultDocument();
    unknown.insert("colour"_L1, u"blue"_s);
    QTest::newRow("unknown key") << QJsonDocument(unknown).toJson() << u"colour"_s;

    QJsonObject badStatus = paymentReceivedDocument();
    QJsonObject map = badStatus.value("statusMap"_L1).toObject();
    map.insert("settled"_L1, u"shipped"_s);
    badStatus.insert("statusMap"_L1, map);
    QTest::newRow("status Magento does not have") << QJsonDocument(badStatus).toJson() << u"statusMap.settled"_s;

    QJsonObject undeclared = defaultDocument();
    map = undeclared.value("statusMap"_L1).toObject();
    map.insert("approved"_L1, u"payment_received"_s); // a custom status, not declared
    undeclared.insert("statusMap"_L1, map);
    QTest::newRow("undeclared custom status") << QJsonDocument(undeclared).toJson() << u"statusMap.approved"_s;

    QJsonObject badTransform = paymentReceivedDocument();
    QJsonObject link = badTransform.value("linkKey"_L1).toObject();
    link.insert("transforms"_L1, QJsonArray{QJsonObject{{"op"_L1, u"trim"_s}},
                                            QJsonObject{{"op"_L1, u"zeroPad"_s}, {"width"_L1, 99}}});
    badTransform.insert("linkKey"_L1, link);
    QTest::newRow("transform out of range") << QJsonDocument(badTransform).toJson() << u"linkKey.transforms[1]"_s;

    QJsonObject unknownOp = defaultDocument();
    link = unknownOp.value("linkKey"_L1).toObject();
    link.insert("transforms"_L1, QJsonArray{QJsonObject{{"op"_L1, u"reverse"_s}}});
    unknownOp.insert("linkKey"_L1, link);
    QTest::newRow("unknown transform") << QJsonDocument(unknownOp).toJson() << u"linkKey.transforms[0]"_s;
}

void TestCliMapping::invalidDocumentsChangeNothing()
{
    QFETCH(QByteArray, document);
    QFETCH(QString, key);
    const QString file = writeFile(u"invalid.json"_s, document);
    QVERIFY(!file.isEmpty());
    const int versionsBefore = count(u"SELECT COUNT(*) FROM mapping_versions"_s);
    const int auditBefore = count(u"SELECT COUNT(*) FROM audit_log WHERE object_type = 'mapping'"_s);
    QVERIFY(versionsBefore >= 0 && auditBefore >= 0);

    const QStringList args{u"mapping"_s, u"import"_s, u"--profile"_s, kProfile, u"--file"_s, file, u"--note"_s, u"try"_s};
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == 6, qPrintable(r.describe(args)));
    QVERIFY2(r.err.contains(key), qPrintable(r.describe(args)));
    QVERIFY2(r.err.contains(u"not changed"_s), qPrintable(r.describe(args)));
    QCOMPARE(count(u"SELECT COUNT(*) FROM mapping_versions"_s), versionsBefore);
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE object_type = 'mapping'"_s), auditBefore);
    QCOMPARE(count(u"SELECT COUNT(*) FROM mapping_versions WHERE active = 1"_s), versionsBefore > 0 ? 1 : 0);
}

void TestCliMapping::importTakesEffectAtTheNextSync()
{
    // One engine for the whole test, never restarted: it syncs every 5 s and sends the
    // payment comments the rules plan.
    QProcess serve;
    m_world.startPaybridge(serve, {u"serve"_s, u"--profile"_s, kProfile, u"--interval"_s, u"5"_s,
                                   u"--intent-interval"_s, u"1"_s});
    QVERIFY2(serve.waitForStarted(20000), "paybridge serve did not start");
    const auto stopServe = qScopeGuard([&] {
        serve.terminate();
        if (!serve.waitForFinished(60000))
            serve.kill();
    });

    // Under the default mapping a paid order is set to processing.
    QString before;
    const qint64 first = checkout(&before);
    QVERIFY(first > 0);
    QCOMPARE(commentStatus(first, 90000), u"processing"_s);

    const QString file = writeFile(u"payment-received.json"_s, QJsonDocument(paymentReceivedDocument()).toJson());
    const QStringList import{u"mapping"_s, u"import"_s, u"--profile"_s, kProfile, u"--file"_s, file,
                             u"--note"_s, u"paid orders wait for packing as payment_received"_s};
    CliRun r = run(import);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(import)));
    QVERIFY2(r.out.contains(u"version 1 is active"_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"statusMap.pending_settlement"_s), qPrintable(r.out));

    QString paidAfterImport;
    const qint64 second = checkout(&paidAfterImport);
    QVERIFY(second > 0);
    QCOMPARE(commentStatus(second, 90000), u"payment_received"_s);

    const QStringList show{u"mapping"_s, u"show"_s, u"--profile"_s, kProfile};
    r = run(show);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(show)));
    QVERIFY2(r.out.contains(u"version 1, active"_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"note: paid orders wait for packing as payment_received"_s), qPrintable(r.out));
    QVERIFY2(r.out.contains(u"payment_received (processing)"_s), qPrintable(r.out));

    const QStringList rollback{u"mapping"_s, u"rollback"_s, u"--profile"_s, kProfile, u"--to"_s, u"0"_s,
                               u"--note"_s, u"packing reads processing after all"_s};
    r = run(rollback);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(rollback)));
    QVERIFY2(r.out.contains(u"version 2 is active"_s), qPrintable(r.out));

    QString paidAfterRollback;
    const qint64 third = checkout(&paidAfterRollback);
    QVERIFY(third > 0);
    QCOMPARE(commentStatus(third, 90000), u"processing"_s);

    // History: two versions, the rollback active and naming what it restored.
    const QList<QJsonObject> h = history();
    QCOMPARE(h.size(), 2);
    QCOMPARE(h[0].value(u"version"_s).toInt(), 2);
    QCOMPARE(h[0].value(u"restores"_s).toInt(-1), 0);
    QVERIFY(h[0].value(u"active"_s).toBool());
    QCOMPARE(h[0].value(u"note"_s).toString(), u"packing reads processing after all"_s);
    QCOMPARE(h[1].value(u"version"_s).toInt(), 1);
    QVERIFY(h[1].value(u"restores"_s).isNull());
    QVERIFY(!h[1].value(u"active"_s).toBool());
    const auto account = pb::access::currentOsAccount();
    QVERIFY(account);
    QCOMPARE(h[1].value(u"actor"_s).toString(), account.value());

    const QStringList diff{u"mapping"_s, u"diff"_s, u"--profile"_s, kProfile, u"--from"_s, u"1"_s, u"--to"_s, u"2"_s};
    r = run(diff);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(diff)));
    QVERIFY2(r.out.contains(u"statusMap.approved: \"payment_received\" -> \"processing\""_s), qPrintable(r.out));

    // Audited, under the acting account.
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE action = 'mapping.changed' AND object_id = '1'"_s), 1);
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE action = 'mapping.rolled_back' AND object_id = '2'"_s), 1);
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE object_type = 'mapping' AND actor <> '"_s + account.value()
                   + u"'"_s),
             0);
}

void TestCliMapping::supportIsRefused()
{
    const auto account = pb::access::currentOsAccount();
    QVERIFY(account);
    // This account becomes support only; another one is the admin.
    const QList<QStringList> setUp{
        {u"operators"_s, u"grant"_s, u"--profile"_s, kProfile, u"--account"_s, account.value(), u"--role"_s, u"support"_s},
        {u"operators"_s, u"grant"_s, u"--profile"_s, kProfile, u"--account"_s, u"pb-mapping-admin"_s, u"--role"_s, u"admin"_s},
        {u"operators"_s, u"revoke"_s, u"--profile"_s, kProfile, u"--account"_s, account.value(), u"--role"_s, u"admin"_s},
    };
    for (const QStringList &args : setUp) {
        const CliRun r = run(args);
        QVERIFY2(r.exitCode == 0, qPrintable(r.describe(args)));
    }
    const int versions = count(u"SELECT COUNT(*) FROM mapping_versions"_s);
    const QString file = writeFile(u"support.json"_s, QJsonDocument(paymentReceivedDocument()).toJson());
    const QList<QStringList> refused{
        {u"mapping"_s, u"import"_s, u"--profile"_s, kProfile, u"--file"_s, file, u"--note"_s, u"support tries"_s},
        {u"mapping"_s, u"rollback"_s, u"--profile"_s, kProfile, u"--to"_s, u"1"_s, u"--note"_s, u"support tries"_s},
    };
    for (const QStringList &args : refused) {
        const CliRun r = run(args);
        QVERIFY2(r.exitCode == 6 && r.err.contains(u"access.denied"_s), qPrintable(r.describe(args)));
    }
    QCOMPARE(count(u"SELECT COUNT(*) FROM mapping_versions"_s), versions);
    // Reading stays open to every operator.
    const QStringList show{u"mapping"_s, u"show"_s, u"--profile"_s, kProfile};
    const CliRun r = run(show);
    QVERIFY2(r.exitCode == 0 && r.out.contains(u"version 2, active"_s), qPrintable(r.describe(show)));
}

QTEST_GUILESS_MAIN(TestCliMapping)
#include "tst_cli_mapping.moc"
