// The Reconciliation page end to end, offscreen: the sandbox plants known discrepancies in a
// generated month, the real SyncService syncs it over HTTP into a real SQLite store, the
// processor's settlement report is imported, and then a finance operator works one batch day
// through the page as a person does: reconcile, bulk accept with a note (refused without one),
// write off, reopen, close the day, post its journal (and post it again: nothing new).
//
// The OS account running the test is the finance operator; "sup" is a support agent; "boss"
// created the profile and is the admin.
#include "access/operator.h"
#include "access/operatordirectory.h"
#include "mainwindow.h"
#include "mapping/mappingprofile.h"
#include "paytracesim.h"
#include "reconcile/matcher.h"
#include "reconcile/settlementimporter.h"
#include "reconciliationdialog.h"
#include "reconciliationmodel.h"
#include "reconciliationpage.h"
#include "magentosim.h"
#include "sandbox.h"
#include "syncworld.h"
#include "settlementreport.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QDateEdit>
#include <QTimeZone>

#include <functional>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTableView>
#include <QTest>

#include <algorithm>
#include <QTreeWidget>

#include <memory>

using namespace pb;
using namespace Qt::StringLiterals;
using ui::ReconciliationDialog;
using ui::ReconciliationPage;

namespace {

const QString kSupport = u"sup"_s;
const QString kAdmin = u"boss"_s;
const QDateTime kDataTime(QDate(2026, 11, 20), QTime(18, 0), QTimeZone::utc());

// Waits for the dialog's preview to settle and returns it.
bool settled(ReconciliationDialog *dialog)
{
    return QTest::qWaitFor([&] { return dialog->preview().has_value() && !dialog->previewPending(); }, 20000);
}

} // namespace

class TestReconciliationPage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void emptyStateBeforeTheDayIsReconciled();
    void reconcilesTheDayInTheBackground();
    void supportReadsButCannotResolve();
    void bulkAcceptNeedsANoteAndIsAudited();
    void writeOffTakesTheDifferenceToTheAccount();
    void reopenMakesAnItemOpenAgain();
    void closedDayPostsItsJournalOnce();
    void refundResolvesThroughTheIntentPath();
    void creditMemoResolvesWithoutTheGateway();

private:
    // `accept`, when given, passes over items it refuses.
    std::optional<reconcile::ItemRecord> openItemOnAnotherDay(
        const QStringList &classes, const std::function<bool(const reconcile::ItemRecord &)> &accept = {});
    // The linked reference of item `id` when it is resolved as `resolution`; else a text saying
    // what the item is instead (never a reference).
    QString resolvedLink(qint64 id, const QString &resolution);
    QSqlDatabase probe();
    int count(const QString &sql);
    ReconciliationDialog *dialogFor(QAction *action);
    bool resolveWith(ReconciliationDialog *dialog, const QString &note);
    QList<qint64> openIds();

    std::unique_ptr<test::IsolatedHome> m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    std::unique_ptr<ui::MainWindow> m_window;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
    ReconciliationPage *m_page = nullptr;
    sync::SyncConfig m_config;
    QString m_me;
    QDate m_day;
    qint64 m_plantedOpen = 0;
    qint64 m_writtenOff = 0;
    QString m_writeOffAccount;
};

void TestReconciliationPage::initTestCase()
{
    m_home = std::make_unique<test::IsolatedHome>();
    QVERIFY(m_home->isValid());
    QCoreApplication::setOrganizationName(u"PayBridgeTest"_s);
    QCoreApplication::setApplicationName(u"tst_reconciliation_page"_s);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    auto me = access::currentOsAccount();
    QVERIFY2(me, qPrintable(me ? QString() : me.error().toString()));
    m_me = *me;
    QVERIFY(m_me != kSupport && m_me != kAdmin);

    sandbox::SandboxOptions options;
    options.orders = 400;
    options.seed = 7;
    options.magentoBearerEnabled = true; // a store that turned Bearer on (off by default since 2.4.4)
    // The data are the seed's and this moment's alone, whatever day the test runs: 10:00 in
    // Pacific time, far from the 8 pm batch close. PayBridge reads back far enough to reach it.
    options.startTime = kDataTime;
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    sandbox::Sandbox &sb = *m_sandbox->sandbox();

    // The processor's report for every closed batch, with one problem of each class planted
    // (and the order-side plants made in Magento before PayBridge syncs).
    QDate from, to;
    for (const auto &b : sb.paytrace().batches()) {
        const QDate d = sandbox::batchDate(b.closedAt);
        from = from.isValid() ? std::min(from, d) : d;
        to = to.isValid() ? std::max(to, d) : d;
    }
    QVERIFY(from.isValid());
    const auto report = sandbox::makeSettlementReport(sb.paytrace(), sb.magento(), {from, to});
    QVERIFY(report.planted.size() >= 9);

    m_config.profileName = u"recpage"_s;
    m_config.databasePath = m_home->path() + u"/store.sqlite"_s;
    m_config.paytraceUrl = sb.paytraceUrl().toString();
    m_config.magentoUrl = sb.magentoUrl().toString();
    m_config.magentoAuth = u"bearer"_s;
    m_config.historyDays = int(kDataTime.daysTo(QDateTime::currentDateTimeUtc())) + 35;
    m_config.profileCreatedBy = kAdmin;
    for (const auto &[key, value] : sb.credentials())
        m_config.secrets.insert(key, value);
    m_service = std::make_unique<sync::SyncService>(m_config);
    QSignalSpy finished(m_service.get(), &sync::SyncService::finished);
    QSignalSpy failed(m_service.get(), &sync::SyncService::failed);
    m_service->syncNow();
    QVERIFY(QTest::qWaitFor([&] { return !finished.isEmpty() || !failed.isEmpty(); }, 180000));
    QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString()
                                                           : failed.first().first().value<Error>().toString()));

    const QString csvPath = m_home->path() + u"/settlement.csv"_s;
    {
        QFile f(csvPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(report.csv), report.csv.size());
    }
    {
        auto db = store::Database::openWriter(m_config.databasePath, u"setup"_s);
        QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
        access::OperatorDirectory dir(db.value());
        QVERIFY(dir.assignRole(kAdmin, m_me, access::Role::Finance));
        QVERIFY(dir.assignRole(kAdmin, kSupport, access::Role::Support));
        reconcile::SettlementImporter importer(db.value());
        const auto outcome = importer.importFile(csvPath, test::sandboxReportMapping(), {u"test"_s, {}, {}, 100});
        QVERIFY2(outcome.ok(), qPrintable(outcome.errors.value(0).toString()));
        db.value() = QSqlDatabase();
        store::Database::close(u"setup"_s);
    }

    // The day with the most discrepancies: the one a person would start with. Matching writes
    // nothing; the page saves the run.
    qint64 best = 0;
    for (QDate d = from; d <= to; d = d.addDays(1)) {
        reconcile::MatchOptions mo;
        mo.now = m_sandbox->sandbox()->clock().nowUtc();
        const auto r = reconcile::Matcher::run(m_config.databasePath, reconcile::ReconcileScope::day(d), {}, mo);
        QVERIFY2(r, qPrintable(r ? QString() : r.error().toString()));
        if (r->discrepancies > best) {
            best = r->discrepancies;
            m_day = d;
        }
    }
    QVERIFY2(best >= 3, qPrintable(u"no day with enough discrepancies (best %1)"_s.arg(best)));
    m_plantedOpen = best;

    QSettings().clear();
    m_window = std::make_unique<ui::MainWindow>(*m_service);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    m_window->showPage(ui::MainWindow::Page::Reconciliation);
    m_page = m_window->reconciliationPage();
    QVERIFY(m_page && m_page->isVisible());
    // Watches the model through every test below: resets, fetches and filters.
    m_tester = std::make_unique<QAbstractItemModelTester>(m_page->model(),
                                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
}

void TestReconciliationPage::cleanupTestCase()
{
    m_tester.reset();
    m_window.reset();
    m_service.reset();
    m_sandbox.reset();
}

QSqlDatabase TestReconciliationPage::probe()
{
    if (!QSqlDatabase::contains(u"probe"_s)) {
        auto db = store::Database::openReader(m_config.databasePath, u"probe"_s);
        if (!db)
            qWarning("%s", qPrintable(db.error().toString()));
    }
    return QSqlDatabase::database(u"probe"_s);
}

int TestReconciliationPage::count(const QString &sql)
{
    QSqlQuery q(probe());
    if (!q.exec(sql) || !q.next()) {
        qWarning("%s", qPrintable(sql));
        return -1;
    }
    return q.value(0).toInt();
}

ReconciliationDialog *TestReconciliationPage::dialogFor(QAction *action)
{
    if (!action->isEnabled()) {
        qWarning("%s is off: %s", qPrintable(action->objectName()), qPrintable(action->toolTip()));
        return nullptr;
    }
    action->trigger();
    return m_page->findChild<ReconciliationDialog *>();
}

bool TestReconciliationPage::resolveWith(ReconciliationDialog *dialog, const QString &note)
{
    QPointer<ReconciliationDialog> guard(dialog);
    QTest::keyClicks(dialog->noteEdit(), note);
    if (!settled(dialog) || !dialog->resolveButton()->isEnabled()) {
        qWarning("cannot resolve: %s", qPrintable(dialog->problemsText()));
        return false;
    }
    QTest::mouseClick(dialog->resolveButton(), Qt::LeftButton);
    if (QTest::qWaitFor([&] { return guard.isNull(); }, 20000))
        return true;
    qWarning("not resolved: %s", qPrintable(guard ? guard->messageText() : QString()));
    return false;
}

QList<qint64> TestReconciliationPage::openIds()
{
    QList<qint64> ids;
    QSqlQuery q(probe());
    q.prepare(u"SELECT i.id FROM reconciliation_items i JOIN reconciliation_runs r ON r.id = i.run_id"
              " WHERE r.scope = ? AND i.state = 'open' ORDER BY i.id"_s);
    q.addBindValue(reconcile::ReconcileScope::day(m_day).key());
    if (q.exec())
        while (q.next())
            ids << q.value(0).toLongLong();
    return ids;
}

void TestReconciliationPage::emptyStateBeforeTheDayIsReconciled()
{
    m_page->setDay(m_day);
    QCOMPARE(m_page->dateEdit()->date(), m_day);
    QVERIFY(!m_page->summary());
    QCOMPARE(m_page->stateText(), u"Not reconciled"_s);
    auto *empty = m_page->findChild<QLabel *>(u"emptyState"_s);
    QVERIFY(empty && empty->isVisible());
    QVERIFY2(empty->text().contains(u"Reconcile"_s), qPrintable(empty->text()));
    QVERIFY(!m_page->postButton()->isEnabled());
    QVERIFY(m_page->reconcileButton()->isEnabled());
}

void TestReconciliationPage::reconcilesTheDayInTheBackground()
{
    QSignalSpy done(m_page, &ReconciliationPage::reconciled);
    QTest::mouseClick(m_page->reconcileButton(), Qt::LeftButton);
    // The click returns at once: the run goes on a pool thread, the page shows it is busy.
    QVERIFY(m_page->isBusy());
    QVERIFY(m_page->findChild<QProgressBar *>(u"reconcileProgress"_s)->isVisible());
    QVERIFY(!m_page->reconcileButton()->isEnabled());
    QVERIFY(done.wait(60000));
    QVERIFY(!m_page->isBusy());

    const auto s = m_page->summary();
    QVERIFY(s);
    QCOMPARE(s->discrepancies, m_plantedOpen);
    QCOMPARE(s->open, m_plantedOpen);
    QCOMPARE(s->runBy, m_me);
    QCOMPARE(m_page->stateText(), u"%1 open"_s.arg(m_plantedOpen));
    QVERIFY2(m_page->totalsText().contains(u"USD"_s), qPrintable(m_page->totalsText()));
    // The table shows the open items, as many as the header counts; the counts per class add up.
    QCOMPARE(m_page->model()->rowCount(), int(m_plantedOpen));
    qint64 byClass = 0;
    for (qint64 n : s->openByClass)
        byClass += n;
    QCOMPARE(byClass, m_plantedOpen);
    QCOMPARE(count(u"SELECT COUNT(*) FROM reconciliation_items WHERE state = 'open'"_s), int(m_plantedOpen));
    QVERIFY(!m_page->postButton()->isEnabled()); // open items: no journal

    // A class filter from the combo shows only that class.
    const QString cls = s->openByClass.firstKey();
    m_page->classFilter()->setCurrentIndex(m_page->classFilter()->findData(cls));
    QCOMPARE(m_page->model()->rowCount(), int(s->openByClass.first()));
    for (int r = 0; r < m_page->model()->rowCount(); ++r)
        QCOMPARE(m_page->model()->index(r, ui::ReconciliationModel::Class).data(ui::ReconciliationModel::RawRole).toString(), cls);
    m_page->classFilter()->setCurrentIndex(0);
    QCOMPARE(m_page->model()->rowCount(), int(m_plantedOpen));

    // The detail pane explains the current item: rule and amounts compared.
    m_page->tableView()->setFocus();
    m_page->selectItems({m_page->model()->record(0).id});
    QVERIFY2(m_page->detailText().contains(m_page->model()->record(0).explanation), qPrintable(m_page->detailText()));
    QVERIFY2(m_page->detailText().contains(m_page->model()->record(0).rule), qPrintable(m_page->detailText()));
}

void TestReconciliationPage::supportReadsButCannotResolve()
{
    m_page->setContext(m_service.get(), kSupport, m_config.profileName);
    m_page->selectItems({m_page->model()->record(0).id});
    QCOMPARE(m_page->model()->rowCount(), int(m_plantedOpen)); // reads the same rows
    QVERIFY(!m_page->resolveAction(reconcile::ResolutionKind::Accept)->isEnabled());
    QVERIFY(!m_page->resolveAction(reconcile::ResolutionKind::WriteOff)->isEnabled());
    QVERIFY(!m_page->reconcileButton()->isEnabled());
    QVERIFY2(m_page->resolveAction(reconcile::ResolutionKind::Accept)->toolTip().contains(u"finance"_s),
             qPrintable(m_page->resolveAction(reconcile::ResolutionKind::Accept)->toolTip()));
    QVERIFY(!m_page->openResolve(reconcile::ResolutionKind::Accept));
    m_page->setContext(m_service.get(), m_me, m_config.profileName);
    m_page->selectItems({m_page->model()->record(0).id});
    QVERIFY(m_page->resolveAction(reconcile::ResolutionKind::Accept)->isEnabled());
}

void TestReconciliationPage::bulkAcceptNeedsANoteAndIsAudited()
{
    const QList<qint64> two = {m_page->model()->record(0).id, m_page->model()->record(1).id};
    m_page->selectItems(two);
    QCOMPARE(m_page->selectedIds(), two);
    const int auditBefore = count(u"SELECT COUNT(*) FROM audit_log WHERE action = 'reconcile.resolve'"_s);

    ReconciliationDialog *dialog = dialogFor(m_page->resolveAction(reconcile::ResolutionKind::Accept));
    QVERIFY(dialog);
    QPointer<ReconciliationDialog> guard(dialog);
    QVERIFY(settled(dialog));
    // The preview lists both items before anything is written, and the missing note.
    QCOMPARE(dialog->previewTree()->topLevelItemCount(), 2);
    QCOMPARE(dialog->preview()->lines.size(), 2);
    QVERIFY2(dialog->problemsText().contains(u"note"_s), qPrintable(dialog->problemsText()));
    QVERIFY(!dialog->resolveButton()->isEnabled());
    dialog->resolveNow(); // refused: nothing is written without a note
    QVERIFY(QTest::qWaitFor([&] { return !dialog->messageText().isEmpty(); }, 1000));
    QTest::qWait(200);
    QVERIFY(guard);
    QCOMPARE(count(u"SELECT COUNT(*) FROM reconciliation_items WHERE state = 'resolved'"_s), 0);

    QSignalSpy changed(m_page, &ReconciliationPage::itemsChanged);
    QVERIFY(resolveWith(dialog, u"known timing difference, checked with the bank"_s));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(m_page->summary()->open, m_plantedOpen - 2);
    QCOMPARE(m_page->stateText(), u"%1 open"_s.arg(m_plantedOpen - 2));
    QCOMPARE(m_page->model()->rowCount(), int(m_plantedOpen - 2)); // the Open filter drops them
    for (qint64 id : two) {
        QSqlQuery q(probe());
        q.prepare(u"SELECT state, resolution, resolved_by, note FROM reconciliation_items WHERE id = ?"_s);
        q.addBindValue(id);
        QVERIFY(q.exec() && q.next());
        QCOMPARE(q.value(0).toString(), u"resolved"_s);
        QCOMPARE(q.value(1).toString(), u"accept"_s);
        QCOMPARE(q.value(2).toString(), m_me);
        QCOMPARE(q.value(3).toString(), u"known timing difference, checked with the bank"_s);
        // One audit entry per item, by the operator, with the note.
        QSqlQuery a(probe());
        a.prepare(u"SELECT actor, detail FROM audit_log WHERE action = 'reconcile.resolve' AND object_id = ?"_s);
        a.addBindValue(QString::number(id));
        QVERIFY(a.exec() && a.next());
        QCOMPARE(a.value(0).toString(), m_me);
        QVERIFY2(a.value(1).toString().contains(u"checked with the bank"_s), qPrintable(a.value(1).toString()));
    }
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE action = 'reconcile.resolve'"_s), auditBefore + 2);
}

void TestReconciliationPage::writeOffTakesTheDifferenceToTheAccount()
{
    // An open item with both amounts, so the default write-off is its difference.
    int row = -1;
    for (int r = 0; r < m_page->model()->rowCount() && row < 0; ++r) {
        const auto &rec = m_page->model()->record(r);
        if (rec.expectedMinor && rec.actualMinor && *rec.expectedMinor != *rec.actualMinor)
            row = r;
    }
    if (row < 0) // else any item with an amount: the store writes the found amount off
        for (int r = 0; r < m_page->model()->rowCount() && row < 0; ++r)
            if (m_page->model()->record(r).actualMinor || m_page->model()->record(r).expectedMinor)
                row = r;
    QVERIFY(row >= 0);
    const auto rec = m_page->model()->record(row);
    const qint64 expected = rec.expectedMinor && rec.actualMinor ? *rec.actualMinor - *rec.expectedMinor
        : rec.actualMinor                                         ? *rec.actualMinor
                                                                  : -*rec.expectedMinor;
    m_page->selectItems({rec.id});
    ReconciliationDialog *dialog = dialogFor(m_page->resolveAction(reconcile::ResolutionKind::WriteOff));
    QVERIFY(dialog);
    QVERIFY(settled(dialog));
    const QString account = dialog->accountBox()->currentText();
    QVERIFY(!account.isEmpty());
    // The mapping profile's write-off account for the item's currency is the default.
    QCOMPARE(account, mapping::MappingProfile::defaults().account(mapping::AccountRole::WriteOffs,
                                                                 *Currency::fromCode(rec.currency)));
    QVERIFY(dialog->accountBox()->count() > 1); // the profile's other ERP accounts are offered
    QTest::keyClicks(dialog->noteEdit(), u"processor rounding, below the threshold"_s);
    QVERIFY(settled(dialog));
    QCOMPARE(dialog->preview()->lines.size(), 1);
    QVERIFY(dialog->preview()->lines.first().writeOff);
    QCOMPARE(dialog->preview()->lines.first().writeOff->minor(), expected);
    QCOMPARE(dialog->preview()->writeOffTotals.value(rec.currency), expected);
    QPointer<ReconciliationDialog> guard(dialog);
    QTest::mouseClick(dialog->resolveButton(), Qt::LeftButton);
    QVERIFY(QTest::qWaitFor([&] { return guard.isNull(); }, 20000));

    QSqlQuery q(probe());
    q.prepare(u"SELECT state, resolution, write_off_minor, write_off_account FROM reconciliation_items WHERE id = ?"_s);
    q.addBindValue(rec.id);
    QVERIFY(q.exec() && q.next());
    QCOMPARE(q.value(0).toString(), u"resolved"_s);
    QCOMPARE(q.value(1).toString(), u"write_off"_s);
    QCOMPARE(q.value(2).toLongLong(), expected);
    QCOMPARE(q.value(3).toString(), account);
    QCOMPARE(m_page->summary()->open, m_plantedOpen - 3);
    m_writtenOff = rec.id;
    m_writeOffAccount = account;
    // With nothing open the day is closed, and only then can its journal be posted.
    QCOMPARE(m_page->summary()->closed(), m_plantedOpen == 3);
    QCOMPARE(m_page->postButton()->isEnabled(), m_page->summary()->closed());
}

void TestReconciliationPage::reopenMakesAnItemOpenAgain()
{
    m_page->stateFilter()->setCurrentIndex(m_page->stateFilter()->findData(u"resolved"_s));
    QCOMPARE(m_page->model()->rowCount(), 3);
    const qint64 id = m_page->model()->record(0).id; // one of the accepted two
    QVERIFY(id != m_writtenOff);
    m_page->selectItems({id});
    QVERIFY(!m_page->resolveAction(reconcile::ResolutionKind::Accept)->isEnabled()); // already resolved
    QVERIFY2(m_page->detailText().contains(m_me), qPrintable(m_page->detailText()));    // who resolved it
    ReconciliationDialog *dialog = m_page->openReopen();
    QVERIFY(dialog);
    QVERIFY(settled(dialog));
    QVERIFY(!dialog->resolveButton()->isEnabled()); // the note again
    QVERIFY(resolveWith(dialog, u"the bank says it is not a timing difference"_s));
    QCOMPARE(m_page->summary()->open, m_plantedOpen - 2);
    QVERIFY(!m_page->postButton()->isEnabled()); // open again: no journal
    QCOMPARE(m_page->model()->rowCount(), 2);
    QCOMPARE(count(u"SELECT COUNT(*) FROM audit_log WHERE action = 'reconcile.reopen' AND object_id = '%1'"_s.arg(id)), 1);
    QCOMPARE(count(u"SELECT COUNT(*) FROM reconciliation_items WHERE id = %1 AND state = 'open'"_s.arg(id)), 1);
    m_page->stateFilter()->setCurrentIndex(m_page->stateFilter()->findData(u"open"_s));
}

void TestReconciliationPage::closedDayPostsItsJournalOnce()
{
    // While anything is open the journal cannot be posted.
    QVERIFY(!m_page->postButton()->isEnabled());
    QVERIFY(!m_page->postJournal());

    // Everything still open, accepted in one go (fetching every page of the table first).
    while (m_page->model()->canFetchMore({}))
        m_page->model()->fetchMore({});
    const QList<qint64> open = openIds();
    QCOMPARE(open.size(), m_plantedOpen - 2);
    m_page->tableView()->selectAll();
    QCOMPARE(m_page->selectedIds(), open);
    ReconciliationDialog *dialog = dialogFor(m_page->resolveAction(reconcile::ResolutionKind::Accept));
    QVERIFY(dialog);
    QVERIFY(resolveWith(dialog, u"reviewed with the controller"_s));
    QVERIFY(m_page->summary()->closed());
    QCOMPARE(m_page->stateText(), u"Day closed"_s);
    QCOMPARE(m_page->model()->rowCount(), 0);
    QVERIFY(m_page->postButton()->isEnabled());

    // Posted through the profile's sink: the ledger file beside the store (no saved profile).
    const QString ledger = m_home->path() + u"/journal.ledger"_s;
    QSignalSpy posted(m_page, &ReconciliationPage::journalPosted);
    QTest::mouseClick(m_page->postButton(), Qt::LeftButton);
    QVERIFY(m_page->isBusy());
    QVERIFY(posted.wait(30000));
    QVERIFY2(posted.first().at(0).toBool(), qPrintable(posted.first().at(1).toString()));
    QVERIFY2(posted.first().at(1).toString().contains(u"entries posted"_s), qPrintable(posted.first().at(1).toString()));
    QFile f(ledger);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray first = f.readAll();
    f.close();
    QVERIFY(first.contains("pb:writeoff:"));
    QVERIFY(first.contains(m_writeOffAccount.toUtf8())); // the account chosen in the dialog

    // Again: nothing new is posted, and the page says so.
    QTest::mouseClick(m_page->postButton(), Qt::LeftButton);
    QVERIFY(posted.wait(30000));
    QVERIFY(posted.at(1).at(0).toBool());
    QVERIFY2(posted.at(1).at(1).toString().contains(u"nothing new"_s), qPrintable(posted.at(1).at(1).toString()));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), first);
    f.close();

    // The day's report, written off the GUI thread: every item with its resolution.
    const QString csv = m_home->path() + u"/reconciliation.csv"_s;
    QSignalSpy written(m_page, &ReconciliationPage::reportWritten);
    QVERIFY(m_page->exportReport(csv));
    QVERIFY(written.wait(30000));
    QVERIFY2(written.first().at(0).toBool(), qPrintable(written.first().at(1).toString()));
    QFile report(csv);
    QVERIFY(report.open(QIODevice::ReadOnly));
    const QByteArray text = report.readAll();
    QVERIFY2(text.contains("reviewed with the controller"), text.constData());
    QVERIFY(text.contains(m_writeOffAccount.toUtf8()));
}

// A refund from the page goes through the engine's intent path (PayTrace refund, Magento credit
// memo, ERP entry) like the operation dialog's, and the item keeps the intent's key.
std::optional<reconcile::ItemRecord> TestReconciliationPage::openItemOnAnotherDay(
    const QStringList &classes, const std::function<bool(const reconcile::ItemRecord &)> &accept)
{
    // Days other than the one the earlier cases resolved, reconciled through the page until one
    // has an open discrepancy of `classes` that names an order.
    for (QDate d = m_day.addDays(-40); d <= m_day.addDays(40); d = d.addDays(1)) {
        if (d == m_day)
            continue;
        reconcile::MatchOptions mo;
        mo.now = m_sandbox->sandbox()->clock().nowUtc();
        const auto run = reconcile::Matcher::run(m_config.databasePath, reconcile::ReconcileScope::day(d), {}, mo);
        if (!run)
            return std::nullopt;
        const bool any = std::any_of(run->items.cbegin(), run->items.cend(), [&](const auto &i) {
            return i.bucket == reconcile::Bucket::Discrepancy && classes.contains(reconcile::className(i.cls));
        });
        if (!any)
            continue;
        m_page->setDay(d);
        QSignalSpy done(m_page, &ReconciliationPage::reconciled);
        if (!m_page->reconcile() || !done.wait(60000))
            return std::nullopt;
        for (int r = 0; r < m_page->model()->rowCount(); ++r) {
            const auto &rec = m_page->model()->record(r);
            if (rec.state == u"open" && rec.cls && classes.contains(reconcile::className(*rec.cls))
                && !rec.incrementId.isEmpty() && (!accept || accept(rec)))
                return rec;
        }
    }
    return std::nullopt;
}

QString TestReconciliationPage::resolvedLink(qint64 id, const QString &resolution)
{
    QSqlQuery q(probe());
    q.prepare(u"SELECT state, resolution, linked_ref FROM reconciliation_items WHERE id = ?"_s);
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return u"(no item %1)"_s.arg(id);
    if (q.value(0).toString() != u"resolved" || q.value(1).toString() != resolution)
        return u"(item %1 is %2 / %3)"_s.arg(id).arg(q.value(0).toString(), q.value(1).toString());
    return q.value(2).toString();
}

void TestReconciliationPage::refundResolvesThroughTheIntentPath()
{
    // Another day with an amount mismatch on a settled order: what a refund can settle.
    const QStringList refundable = {u"amount_mismatch"_s, u"unexpected_batch"_s};
    const std::optional<reconcile::ItemRecord> target = openItemOnAnotherDay(refundable);
    QVERIFY2(target, "no day with a refundable discrepancy");
    const QString inc = target->incrementId;
    int refundsBefore = 0;
    for (const auto &e : m_sandbox->sandbox()->paytrace().ledger())
        refundsBefore += (e.operation == u"refund" && e.invoiceId == inc) ? 1 : 0;

    m_page->selectItems({target->id});
    ReconciliationDialog *dialog = dialogFor(m_page->resolveAction(reconcile::ResolutionKind::Refund));
    QVERIFY(dialog);
    QVERIFY(settled(dialog));
    dialog->amountEdit()->clear();
    QTest::keyClicks(dialog->amountEdit(), u"1.00"_s);
    QVERIFY(resolveWith(dialog, u"customer was charged one dollar too much"_s));

    const QString key = resolvedLink(target->id, u"refund"_s);
    QVERIFY2(key.startsWith(u"refund:"_s + inc), qPrintable(key));
    QCOMPARE(count(u"SELECT COUNT(*) FROM intents WHERE natural_key = '%1'"_s.arg(key)), 1);
    // The sandbox's PayTrace holds exactly one new refund of 1.00 for the order.
    int refundsAfter = 0;
    qint64 amount = 0;
    for (const auto &e : m_sandbox->sandbox()->paytrace().ledger())
        if (e.operation == u"refund" && e.invoiceId == inc) {
            ++refundsAfter;
            amount = e.amount;
        }
    QCOMPARE(refundsAfter, refundsBefore + 1);
    QCOMPARE(amount, qint64(100));
}

void TestReconciliationPage::creditMemoResolvesWithoutTheGateway()
{
    // Magento is told of money PayTrace gave back, as an offline credit memo; PayTrace is not
    // called.
    // Refunded in PayTrace without a credit memo is the usual case; any open item on an order
    // shows the mechanics.
    // An order Magento still takes a credit memo on: the planner refuses the others (a unit
    // test covers that), so the page would have nothing to show here.
    sandbox::Sandbox &sb = *m_sandbox->sandbox();
    const auto creditable = [&](const reconcile::ItemRecord &item) {
        const auto order = sb.magento().orderByIncrementId(item.incrementId);
        return order && !QStringList{u"closed"_s, u"canceled"_s, u"holded"_s, u"payment_review"_s}.contains(order->state);
    };
    const std::optional<reconcile::ItemRecord> target =
        openItemOnAnotherDay({u"status_mismatch"_s, u"amount_mismatch"_s, u"unexpected_batch"_s}, creditable);
    QVERIFY2(target, "no day with an open discrepancy on an order");
    const QString inc = target->incrementId;
    const auto countOf = [&](auto &&list, auto &&match) {
        int n = 0;
        for (const auto &e : list)
            n += match(e) ? 1 : 0;
        return n;
    };
    const auto order = sb.magento().orderByIncrementId(inc);
    QVERIFY(order);
    const auto ofOrder = [&](const sandbox::MagentoCreditmemo &m) { return m.orderId == order->entityId; };
    const auto refundOfOrder = [&](const auto &e) { return e.operation == u"refund" && e.invoiceId == inc; };
    const int memosBefore = countOf(sb.magento().creditmemos(), ofOrder);
    const int refundsBefore = countOf(sb.paytrace().ledger(), refundOfOrder);

    m_page->selectItems({target->id});
    QAction *action = m_page->resolveAction(reconcile::ResolutionKind::CreditMemo);
    QVERIFY2(action->isEnabled(), qPrintable(action->toolTip()));
    ReconciliationDialog *dialog = dialogFor(action);
    QVERIFY(dialog);
    QVERIFY(settled(dialog));
    // The difference is offered as the amount, in a form the field accepts as it stands.
    if (target->expectedMinor && target->actualMinor && *target->expectedMinor != *target->actualMinor)
        QCOMPARE(dialog->amountEdit()->text(),
                 Money::fromMinor(std::abs(*target->actualMinor - *target->expectedMinor),
                                  *Currency::fromCode(target->currency)).toDecimalString());
    QVERIFY(resolveWith(dialog, u"refunded in the PayTrace terminal by the store manager"_s));

    const QString key = resolvedLink(target->id, u"credit_memo"_s);
    QVERIFY2(key.startsWith(u"credit_memo:"_s + inc), qPrintable(key));
    QCOMPARE(count(u"SELECT COUNT(*) FROM intents WHERE natural_key = '%1' AND kind = 'magento.creditmemo'"_s.arg(key)), 1);
    QTRY_COMPARE_WITH_TIMEOUT(countOf(sb.magento().creditmemos(), ofOrder), memosBefore + 1, 30000);
    QCOMPARE(countOf(sb.paytrace().ledger(), refundOfOrder), refundsBefore);
}

QTEST_MAIN(TestReconciliationPage)
#include "tst_reconciliation_page.moc"
