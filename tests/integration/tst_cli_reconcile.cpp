// `paybridge reconcile` and `paybridge journal post` as processes against a `paybridge-sandbox`
// process: a batch day with planted discrepancies (the sandbox's settlement report), synced,
// imported and reconciled from the command line; the day's journal posted to the ledger and CSV
// sinks twice, the second time adding nothing.
#include "cliworld.h"
#include "syncworld.h"

#include "mapping/mappingprofile.h"
#include "reconcile/reconciliationstore.h"
#include "reconcile/settlementmapping.h"
#include "store/database.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using pb::test::CliRun;
using pb::test::CliWorld;

namespace {

const QString kProfile = u"rec"_s;

// RFC 4180 reader written for the test (not the product's writer read back): quoted fields
// with doubled quotes and line breaks, CRLF records. False when the text is not well formed.
bool parseCsv(const QString &text, QList<QStringList> *rows)
{
    QStringList row;
    QString field;
    bool quoted = false, wasQuoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (quoted) {
            if (c == u'"' && i + 1 < text.size() && text[i + 1] == u'"') {
                field += u'"';
                ++i;
            } else if (c == u'"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == u'"') {
            if (!field.isEmpty() || wasQuoted)
                return false;
            quoted = wasQuoted = true;
        } else if (c == u',') {
            row.append(field);
            field.clear();
            wasQuoted = false;
        } else if (c == u'\r') {
            if (i + 1 >= text.size() || text[i + 1] != u'\n')
                return false;
            row.append(field);
            rows->append(row);
            row.clear();
            field.clear();
            wasQuoted = false;
            ++i;
        } else if (c == u'\n') {
            return false; // a bare LF outside quotes
        } else {
            if (wasQuoted)
                return false;
            field += c;
        }
    }
    return !quoted && field.isEmpty() && row.isEmpty();
}

} // namespace

class TestCliReconcile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void usageErrors_data();
    void usageErrors();
    void reconcileFindsThePlantedDay();
    void reportIsReadableAndSignable();
    void journalNeedsTheFinanceRole();
    void journalPostsOnce_data();
    void journalPostsOnce();
    void journalPostsToOdoo();

private:
    CliRun run(const QStringList &args) { return m_world.paybridge(args); }
    CliWorld m_world;
    QString m_day;
    QJsonArray m_planted;
    QString m_csv;
    QString m_mapping;
};

void TestCliReconcile::initTestCase()
{
    QString error;
    // The planted discrepancies are the truth checked here; the untidy account's second
    // payments and terminal sales are findings of their own (tst_reconcile_untidy).
    QVERIFY2(m_world.start(400, 5, &error, {u"--tidy-paytrace"_s}), qPrintable(error));
    QVERIFY2(m_world.addProfile(kProfile, &error), qPrintable(error));

    // Yesterday on the batch clock: its batch has closed whatever the time of day.
    const auto health = m_world.adminGet(u"/__admin/health"_s, &error);
    QVERIFY2(health, qPrintable(error));
    const QDateTime now = QDateTime::fromString(health->value(u"now"_s).toString(), Qt::ISODate);
    QVERIFY(now.isValid());
    m_day = now.toTimeZone(QTimeZone("America/Los_Angeles")).date().addDays(-1).toString(Qt::ISODate);

    // Plant before the sync, so PayBridge reads the changed orders.
    const auto report = m_world.adminPost(u"/__admin/settlement-report"_s,
                                          {{u"from"_s, m_day}, {u"to"_s, m_day}, {u"plant"_s, true}}, &error);
    QVERIFY2(report, qPrintable(error));
    m_planted = report->value(u"planted"_s).toArray();
    QVERIFY2(m_planted.size() >= 8, qPrintable(QString::number(m_planted.size())));
    m_csv = m_world.home() + u"/settlement.csv"_s;
    QFile csv(m_csv);
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write(report->value(u"csv"_s).toString().toLatin1());
    csv.close();

    const pb::reconcile::SettlementMapping m = pb::test::sandboxReportMapping();
    m_mapping = m_world.home() + u"/mapping.json"_s;
    QFile mapping(m_mapping);
    QVERIFY(mapping.open(QIODevice::WriteOnly));
    mapping.write(QJsonDocument(m.toJson()).toJson());
    mapping.close();

    const QStringList sync{u"sync"_s, u"--profile"_s, kProfile, u"--once"_s};
    const CliRun synced = run(sync);
    QVERIFY2(synced.exitCode == 0, qPrintable(synced.describe(sync)));
}

void TestCliReconcile::cleanupTestCase()
{
    m_world.stop();
}

void TestCliReconcile::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("says");
    const QString p = u"--profile"_s, d = u"--date"_s;
    QTest::newRow("no date") << QStringList{u"reconcile"_s, p, kProfile} << 2 << u"Usage"_s;
    QTest::newRow("bad date") << QStringList{u"reconcile"_s, p, kProfile, d, u"2024-13-01"_s} << 2 << u"--date"_s;
    QTest::newRow("bad format") << QStringList{u"reconcile"_s, p, kProfile, d, u"2024-03-01"_s, u"--format"_s, u"xml"_s}
                                << 2 << u"Usage"_s;
    QTest::newRow("import without mapping")
        << QStringList{u"reconcile"_s, p, kProfile, d, u"2024-03-01"_s, u"--import"_s, u"x.csv"_s} << 2 << u"Usage"_s;
    QTest::newRow("unknown profile") << QStringList{u"reconcile"_s, p, u"nobody"_s, d, u"2024-03-01"_s} << 3
                                     << u"nobody"_s;
    QTest::newRow("journal without post") << QStringList{u"journal"_s, p, kProfile, d, u"2024-03-01"_s} << 2
                                          << u"Usage"_s;
    QTest::newRow("unknown sink")
        << QStringList{u"journal"_s, u"post"_s, p, kProfile, d, u"2024-03-01"_s, u"--sink"_s, u"sap"_s} << 2 << u"Usage"_s;
}

void TestCliReconcile::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, says);
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == exitCode, qPrintable(r.describe(args)));
    QVERIFY2(r.err.contains(says), qPrintable(r.describe(args)));
}

void TestCliReconcile::reconcileFindsThePlantedDay()
{
    const QStringList args{u"reconcile"_s, u"--profile"_s, kProfile, u"--date"_s, m_day, u"--format"_s, u"jsonl"_s,
                           u"--import"_s, m_csv, u"--mapping"_s, m_mapping};
    const CliRun r = run(args);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(args)));
    bool ok = false;
    const QList<QJsonObject> lines = CliWorld::jsonLines(r.out, &ok);
    QVERIFY2(ok && !lines.isEmpty(), qPrintable(r.describe(args)));
    const QJsonObject runLine = lines.last();
    QCOMPARE(runLine.value(u"type"_s).toString(), u"run"_s);
    QCOMPARE(runLine.value(u"scope"_s).toString(), u"day:"_s + m_day);
    QCOMPARE(runLine.value(u"closed"_s).toBool(), false);

    // Every planted problem, in its class, and nothing else.
    QList<QJsonObject> items = lines.mid(0, lines.size() - 1);
    QStringList unexplained;
    QList<bool> used(m_planted.size(), false);
    for (const QJsonObject &i : std::as_const(items)) {
        QCOMPARE(i.value(u"state"_s).toString(), u"open"_s);
        bool hit = false;
        for (qsizetype k = 0; k < m_planted.size() && !hit; ++k) {
            const QJsonObject p = m_planted[k].toObject();
            if (used[k] || p.value(u"class"_s) != i.value(u"class"_s))
                continue;
            const QString txn = p.value(u"transaction_id"_s).toString(), inc = p.value(u"increment_id"_s).toString();
            if ((!txn.isEmpty() && txn == i.value(u"transaction_id"_s).toString())
                || (!inc.isEmpty() && inc == i.value(u"increment_id"_s).toString())
                || (txn.isEmpty() && inc.isEmpty() && i.value(u"transaction_id"_s).toString().isEmpty()))
                used[k] = hit = true;
        }
        if (!hit)
            unexplained.append(QString::fromUtf8(QJsonDocument(i).toJson(QJsonDocument::Compact)));
    }
    QVERIFY2(unexplained.isEmpty(), qPrintable(unexplained.join(u'\n')));
    QVERIFY2(!used.contains(false), qPrintable(QString::fromUtf8(QJsonDocument(m_planted).toJson())));
    QCOMPARE(runLine.value(u"open"_s).toInteger(), qint64(m_planted.size()));

    // Again, as text and without the import: the same run, one pass more, nothing new.
    const QStringList again{u"reconcile"_s, u"--profile"_s, kProfile, u"--date"_s, m_day};
    const CliRun text = run(again);
    QVERIFY2(text.exitCode == 0, qPrintable(text.describe(again)));
    QVERIFY2(text.out.contains(u"pass 2"_s), qPrintable(text.out));
    QVERIFY2(text.out.contains(u"(open %1)"_s.arg(m_planted.size())), qPrintable(text.out));
    QVERIFY2(text.out.contains(u"The day is open"_s), qPrintable(text.out));
}

void TestCliReconcile::reportIsReadableAndSignable()
{
    // A person's resolution first, so the report has one to show: a write-off of an amount
    // mismatch, with a note that needs CSV quoting.
    const QString note = u"Checked with the bank, \"short\" by the fee\nsecond line"_s;
    qint64 runId = 0, items = 0, resolvedId = 0;
    QString resolvedTxn;
    {
        auto db = pb::store::Database::openWriter(m_world.storePath(kProfile), u"tst-report"_s);
        QVERIFY2(db, db ? "" : qPrintable(db.error().toString()));
        pb::reconcile::ReconciliationStore store(db.value());
        const auto run = store.run(u"day:"_s + m_day);
        QVERIFY2(run && run.value(), "the day was not reconciled");
        runId = run.value()->runId;
        pb::reconcile::ItemFilter filter;
        filter.limit = 100000;
        const auto all = store.items(runId, filter);
        QVERIFY(all);
        items = all->size();
        for (const auto &i : all.value())
            if (i.state == u"open"_s && i.cls == pb::reconcile::DiscrepancyClass::AmountMismatch && !i.transactionId.isEmpty()) {
                resolvedId = i.id;
                resolvedTxn = i.transactionId;
                break;
            }
        QVERIFY2(resolvedId, "no planted amount mismatch");
        pb::reconcile::ResolutionRequest request;
        request.itemIds = {resolvedId};
        request.kind = pb::reconcile::ResolutionKind::WriteOff;
        request.note = note;
        request.actor = u"alice"_s;
        // The profile's write-off account, which the ERP maps (journalPostsToOdoo).
        request.writeOffAccount = pb::mapping::MappingProfile::defaults().account(pb::mapping::AccountRole::WriteOffs,
                                                                                  pb::Currency::usd());
        const auto resolved = store.resolve(request, QDateTime::currentDateTimeUtc());
        QVERIFY2(resolved && resolved.value() == 1, resolved ? "" : qPrintable(resolved.error().toString()));
    }
    pb::store::Database::close(u"tst-report"_s);

    // An open discrepancy the report must name.
    QString openTxn;
    for (const auto &v : std::as_const(m_planted)) {
        const QString txn = v.toObject().value(u"transaction_id"_s).toString();
        if (!txn.isEmpty() && txn != resolvedTxn) {
            openTxn = txn;
            break;
        }
    }
    QVERIFY(!openTxn.isEmpty());

    // Bad report names are usage errors.
    const QStringList bad{u"reconcile"_s, u"--profile"_s, kProfile, u"--date"_s, m_day, u"--report"_s,
                          m_world.home() + u"/report.txt"_s};
    const CliRun refused = run(bad);
    QVERIFY2(refused.exitCode == 2, qPrintable(refused.describe(bad)));

    // CSV: one row per item under a header, RFC 4180.
    const QString csvPath = m_world.home() + u"/report.csv"_s;
    const QStringList csvArgs{u"reconcile"_s, u"--profile"_s, kProfile, u"--date"_s, m_day, u"--format"_s, u"jsonl"_s,
                              u"--report"_s, csvPath};
    const CliRun csvRun = run(csvArgs);
    QVERIFY2(csvRun.exitCode == 0, qPrintable(csvRun.describe(csvArgs)));
    bool ok = false;
    const QJsonObject runLine = CliWorld::jsonLines(csvRun.out, &ok).last();
    QVERIFY(ok);
    QFile csvFile(csvPath);
    QVERIFY(csvFile.open(QIODevice::ReadOnly));
    QList<QStringList> rows;
    QVERIFY2(parseCsv(QString::fromUtf8(csvFile.readAll()), &rows), "the CSV is not RFC 4180");
    QVERIFY(rows.size() > 1);
    const QStringList header = rows.takeFirst();
    QCOMPARE(rows.size(), qsizetype(items));
    const auto col = [&](const char *name) { return header.indexOf(QString::fromLatin1(name)); };
    for (const char *name : {"item_id", "class", "transaction_id", "expected", "found", "state", "resolution", "note",
                             "resolved_by", "resolved_at_utc", "write_off", "explanation"})
        QVERIFY2(col(name) >= 0, name);
    QSet<QString> ids;
    bool sawResolved = false, sawOpen = false;
    for (const QStringList &r : std::as_const(rows)) {
        QCOMPARE(r.size(), header.size());
        ids.insert(r[col("item_id")]);
        QVERIFY(!r[col("explanation")].isEmpty());
        if (r[col("item_id")] == QString::number(resolvedId)) {
            sawResolved = true;
            QCOMPARE(r[col("state")], u"resolved"_s);
            QCOMPARE(r[col("resolution")], u"write_off"_s);
            QCOMPARE(r[col("note")], note);
            QCOMPARE(r[col("resolved_by")], u"alice"_s);
            QVERIFY(QDateTime::fromString(r[col("resolved_at_utc")], Qt::ISODate).isValid());
            QVERIFY(!r[col("write_off")].isEmpty());
        }
        if (r[col("transaction_id")] == openTxn && r[col("state")] == u"open"_s)
            sawOpen = true;
    }
    QCOMPARE(ids.size(), rows.size());
    QVERIFY(sawResolved);
    QVERIFY2(sawOpen, qPrintable(openTxn));

    // PDF: the real pdftotext reads the totals, the discrepancy and the sign-off block.
    const QString pdfPath = m_world.home() + u"/report.pdf"_s;
    const QStringList pdfArgs{u"reconcile"_s, u"--profile"_s, kProfile, u"--date"_s, m_day, u"--report"_s, pdfPath};
    const CliRun pdfRun = run(pdfArgs);
    QVERIFY2(pdfRun.exitCode == 0, qPrintable(pdfRun.describe(pdfArgs)));
    QFile pdf(pdfPath);
    QVERIFY(pdf.open(QIODevice::ReadOnly));
    QVERIFY(pdf.read(5) == "%PDF-");
    pdf.close();
    // Pages as images (pdftoppm); PAYBRIDGE_REPORT_DIR keeps them for a person to look at.
    QProcess pdftoppm;
    const QString prefix = m_world.home() + u"/report-page"_s;
    pdftoppm.start(u"pdftoppm"_s, {u"-png"_s, u"-r"_s, u"60"_s, pdfPath, prefix});
    QVERIFY(pdftoppm.waitForFinished(60000));
    QVERIFY2(pdftoppm.exitCode() == 0, pdftoppm.readAllStandardError().constData());
    const QStringList pngs = QDir(m_world.home()).entryList({u"report-page*.png"_s});
    QVERIFY(!pngs.isEmpty());
    const QString keep = qEnvironmentVariable("PAYBRIDGE_REPORT_DIR");
    if (!keep.isEmpty()) {
        QDir().mkpath(keep);
        for (const QString &f : pngs + QStringList{u"report.pdf"_s, u"report.csv"_s}) {
            QFile::remove(keep + u'/' + f);
            QFile::copy(m_world.home() + u'/' + f, keep + u'/' + f);
        }
    }

    QVERIFY2(!QStandardPaths::findExecutable(u"pdftotext"_s).isEmpty(), "pdftotext (poppler-utils) is not installed");
    QProcess pdftotext;
    pdftotext.start(u"pdftotext"_s, {u"-layout"_s, pdfPath, u"-"_s});
    QVERIFY(pdftotext.waitForFinished(60000));
    QVERIFY2(pdftotext.exitCode() == 0, pdftotext.readAllStandardError().constData());
    // NFKC: the PDF draws "ff" and "fi" as ligature glyphs, which pdftotext returns as such.
    const QString text = QString::fromUtf8(pdftotext.readAllStandardOutput()).normalized(QString::NormalizationForm_KC);
    const QJsonObject totals = runLine.value(u"totals"_s).toObject();
    QVERIFY(!totals.isEmpty());
    for (auto it = totals.begin(); it != totals.end(); ++it)
        for (const char *k : {"expected", "settled", "deposited"}) {
            const QString amount = it.value().toObject().value(QLatin1StringView(k)).toString();
            QVERIFY2(text.contains(amount), qPrintable(amount + u" not in\n"_s + text));
        }
    for (const QString &needle : QStringList{u"Settlement reconciliation"_s, u"Totals"_s, openTxn, resolvedTxn,
                                  u"Written off"_s, u"alice"_s, u"Prepared by"_s, u"Reviewed by"_s,
                                  u"Signature"_s, u"Page 1 of"_s, u"profile "_s + kProfile})
        QVERIFY2(text.contains(needle), qPrintable(needle + u" not in\n"_s + text));
}

void TestCliReconcile::journalNeedsTheFinanceRole()
{
    const QString file = m_world.home() + u"/journal-norole.ledger"_s;
    const QStringList args{u"journal"_s, u"post"_s, u"--profile"_s, kProfile, u"--date"_s, m_day,
                           u"--sink"_s, u"ledger"_s, u"--file"_s, file, u"--allow-open"_s};
    const CliRun refused = run(args);
    QVERIFY2(refused.exitCode == 6, qPrintable(refused.describe(args)));
    QVERIFY2(refused.err.contains(u"may not post journals"_s), qPrintable(refused.describe(args)));
    QVERIFY(!QFile::exists(file));
    QString error;
    QVERIFY2(m_world.grantFinance(kProfile, &error), qPrintable(error));
}

void TestCliReconcile::journalPostsOnce_data()
{
    QTest::addColumn<QString>("sink");
    QTest::newRow("ledger") << u"ledger"_s;
    QTest::newRow("csv") << u"csv"_s;
}

void TestCliReconcile::journalPostsOnce()
{
    QFETCH(QString, sink);
    const QString file = m_world.home() + u"/journal."_s + sink;
    QStringList args{u"journal"_s, u"post"_s, u"--profile"_s, kProfile, u"--date"_s, m_day, u"--sink"_s, sink,
                     u"--file"_s, file};
    // The day has open discrepancies: refused unless asked.
    const CliRun refused = run(args);
    QVERIFY2(refused.exitCode == 6, qPrintable(refused.describe(args)));
    QVERIFY(!QFile::exists(file));

    args << u"--allow-open"_s;
    const CliRun first = run(args);
    QVERIFY2(first.exitCode == 0, qPrintable(first.describe(args)));
    static const QRegularExpression counts(u"(\\d+) entries posted, (\\d+) already posted"_s);
    const auto m1 = counts.match(first.out);
    QVERIFY2(m1.hasMatch(), qPrintable(first.out));
    const int posted = m1.captured(1).toInt();
    QVERIFY2(posted > 10, qPrintable(first.out));
    QCOMPARE(m1.captured(2).toInt(), 0);
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray written = f.readAll();
    f.close();

    const CliRun second = run(args);
    QVERIFY2(second.exitCode == 0, qPrintable(second.describe(args)));
    const auto m2 = counts.match(second.out);
    QVERIFY2(m2.hasMatch(), qPrintable(second.out));
    QCOMPARE(m2.captured(1).toInt(), 0);
    QCOMPARE(m2.captured(2).toInt(), posted);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), written);

    if (sink == u"ledger"_s) {
        // The real hledger reads it and every transaction balances.
        QVERIFY2(!QStandardPaths::findExecutable(u"hledger"_s).isEmpty(), "hledger is not installed");
        QProcess hledger;
        hledger.start(u"hledger"_s, {u"-f"_s, file, u"print"_s});
        QVERIFY(hledger.waitForFinished(60000));
        QVERIFY2(hledger.exitCode() == 0, hledger.readAllStandardError().constData());
    }
}

void TestCliReconcile::journalPostsToOdoo()
{
    QString error;
    const auto moves = [&]() -> QJsonArray {
        const auto ledger = m_world.adminGet(u"/__admin/odoo/moves"_s, &error);
        return ledger ? ledger->value(u"moves"_s).toArray() : QJsonArray{{u"unreadable"_s}};
    };
    QCOMPARE(moves().size(), 0);

    // The connection fields from the command line; an incomplete one is refused by name.
    const QStringList incomplete{u"profile"_s, u"set-erp"_s, kProfile, u"--erp-sink"_s, u"odoo"_s,
                                 u"--odoo-url"_s, m_world.value(u"odoo_url"_s)};
    const CliRun refused = run(incomplete);
    QVERIFY2(refused.exitCode == 3 && refused.err.contains(u"odooDatabase"_s), qPrintable(refused.describe(incomplete)));

    // The simulator's chart, role by role (sandbox/odoosim.cpp), for the default accounts.
    const QStringList codes{u"121000"_s, u"101701"_s, u"101401"_s, u"400000"_s,
                            u"400100"_s, u"620100"_s, u"620200"_s, u"620300"_s};
    const auto defaults = pb::mapping::MappingProfile::defaults();
    QStringList setErp{u"profile"_s, u"set-erp"_s, kProfile, u"--erp-sink"_s, u"odoo"_s,
                       u"--odoo-url"_s, m_world.value(u"odoo_url"_s),
                       u"--odoo-database"_s, m_world.value(u"odoo.database"_s),
                       u"--odoo-login"_s, m_world.value(u"odoo.username"_s)};
    for (size_t i = 0; i < pb::mapping::kAccountRoles.size(); ++i)
        setErp << u"--odoo-account"_s
               << defaults.account(pb::mapping::kAccountRoles[i], pb::Currency::usd()) + u'=' + codes.at(qsizetype(i));
    const CliRun configured = run(setErp);
    QVERIFY2(configured.exitCode == 0, qPrintable(configured.describe(setErp)));
    const QStringList secret{u"profile"_s, u"set-secret"_s, kProfile, u"odoo.password"_s};
    const CliRun stored = m_world.paybridge(secret, m_world.value(u"odoo.password"_s).toUtf8() + '\n');
    QVERIFY2(stored.exitCode == 0, qPrintable(stored.describe(secret)));
    // The secret is not in the profiles file.
    const CliRun listed = run({u"profile"_s, u"list"_s, u"--format"_s, u"jsonl"_s});
    QVERIFY(listed.out.contains(u"odoo"_s));
    QVERIFY(!listed.out.contains(m_world.value(u"odoo.password"_s)));

    // No --sink: the profile's own (odoo).
    const QStringList post{u"journal"_s, u"post"_s, u"--profile"_s, kProfile, u"--date"_s, m_day, u"--allow-open"_s};
    const CliRun first = run(post);
    QVERIFY2(first.exitCode == 0, qPrintable(first.describe(post)));
    static const QRegularExpression counts(u"to odoo: (\\d+) entries posted, (\\d+) already posted"_s);
    const auto m1 = counts.match(first.out);
    QVERIFY2(m1.hasMatch(), qPrintable(first.out));
    const int posted = m1.captured(1).toInt();
    QVERIFY2(posted > 10, qPrintable(first.out));
    QCOMPARE(m1.captured(2).toInt(), 0);

    // The simulator's ledger: one posted move per entry, dated on the day, each balanced, refs unique.
    const QJsonArray ledger = moves();
    QCOMPARE(ledger.size(), qsizetype(posted));
    QSet<QString> refs;
    for (const auto &v : ledger) {
        const QJsonObject move = v.toObject();
        QCOMPARE(move.value(u"state"_s).toString(), u"posted"_s);
        QCOMPARE(move.value(u"date"_s).toString(), m_day);
        refs.insert(move.value(u"ref"_s).toString());
        qint64 debit = 0, credit = 0;
        for (const auto &l : move.value(u"lines"_s).toArray()) {
            const QJsonObject line = l.toObject();
            QVERIFY(codes.contains(line.value(u"account_code"_s).toString()));
            const auto d = pb::Money::parse(line.value(u"debit"_s).toString(), pb::Currency::usd());
            const auto c = pb::Money::parse(line.value(u"credit"_s).toString(), pb::Currency::usd());
            QVERIFY2(d && c, qPrintable(QString::fromUtf8(QJsonDocument(line).toJson(QJsonDocument::Compact))));
            debit += d->minor();
            credit += c->minor();
        }
        QVERIFY(debit > 0);
        QCOMPARE(debit, credit);
    }
    QCOMPARE(refs.size(), ledger.size());
    QVERIFY(!refs.contains(QString()));

    // Twice: nothing new in Odoo.
    const CliRun second = run(post);
    QVERIFY2(second.exitCode == 0, qPrintable(second.describe(post)));
    const auto m2 = counts.match(second.out);
    QVERIFY2(m2.hasMatch(), qPrintable(second.out));
    QCOMPARE(m2.captured(1).toInt(), 0);
    QCOMPARE(m2.captured(2).toInt(), posted);
    QCOMPARE(moves(), ledger);
}

QTEST_GUILESS_MAIN(TestCliReconcile)
#include "tst_cli_reconcile.moc"
