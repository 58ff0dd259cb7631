// The console's money actions end to end, offscreen: the main window over the real SyncService
// (engine thread, real SQLite, real HTTP) against the in-process sandbox, driven through the
// dialogs a person uses, and checked against the sandbox's own books and the audit log.
//
// The OS account running the test is the finance operator (the Orders page and the Queue page act
// as the OS account); "sup" is a support agent with a USD 10.00 refund limit; "boss" created the
// profile and is the admin.
#include "access/limitstore.h"
#include "access/operator.h"
#include "access/operatordirectory.h"
#include "approvalsdialog.h"
#include "auditpage.h"
#include "faults.h"
#include "intentdialogs.h"
#include "magentosim.h"
#include "mainwindow.h"
#include "moneyedit.h"
#include "operationdialog.h"
#include "orderspage.h"
#include "paytracesim.h"
#include "queuepage.h"
#include "sandbox.h"
#include "settingspage.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTextBrowser>
#include <QSqlQuery>
#include <QTabWidget>
#include <QTableView>
#include <QTest>
#include <QTreeWidget>

#include <memory>

using namespace pb;
using namespace Qt::StringLiterals;
using ui::OperationDialog;

namespace {

const QString kSupport = u"sup"_s;
const QString kAdmin = u"boss"_s;

// Orders nobody has acted on yet, so each test starts from a clean payment.
const QString kFreshSettled =
    u"pay_status = 'settled' AND pay_refunded = 0 AND pay_captured > 5000 AND total_invoiced > 0"
    " AND entity_id NOT IN (SELECT order_entity_id FROM intents WHERE order_entity_id IS NOT NULL)"_s;

int ledgerCount(sandbox::Sandbox &sb, const QString &operation, const QString &invoice)
{
    int n = 0;
    for (const auto &e : sb.paytrace().ledger())
        n += (e.operation == operation && e.invoiceId == invoice) ? 1 : 0;
    return n;
}

qint64 lastLedgerId(sandbox::Sandbox &sb, const QString &operation, const QString &invoice)
{
    qint64 id = 0;
    for (const auto &e : sb.paytrace().ledger())
        if (e.operation == operation && e.invoiceId == invoice)
            id = e.transactionId;
    return id;
}

int documentCount(sandbox::Sandbox &sb, const QString &kind, const QString &order)
{
    int n = 0;
    for (const auto &d : sb.magento().documents())
        n += (d.kind == kind && d.orderIncrementId == order) ? 1 : 0;
    return n;
}

// Fills the form and goes through confirmation; returns once the dialog shows the outcome.
bool runDialog(OperationDialog *dialog, const QString &amount, const QString &reason, QString *confirmation = nullptr)
{
    if (!QTest::qWaitFor([&] { return dialog->step() == OperationDialog::Step::Form; }, 30000)) {
        qWarning("the form never appeared (step %d)", int(dialog->step()));
        return false;
    }
    if (!amount.isEmpty()) {
        dialog->amountEdit()->lineEdit()->clear();
        QTest::keyClicks(dialog->amountEdit()->lineEdit(), amount);
    }
    QTest::keyClicks(dialog->reasonEdit(), reason);
    if (!dialog->nextButton()->isEnabled()) {
        qWarning("Next is off: %s", qPrintable(dialog->formMessage()));
        return false;
    }
    QTest::mouseClick(dialog->nextButton(), Qt::LeftButton);
    if (!QTest::qWaitFor([&] { return dialog->step() == OperationDialog::Step::Confirm; }, 30000)) {
        qWarning("no confirmation: %s", qPrintable(dialog->formMessage()));
        return false;
    }
    if (confirmation)
        *confirmation = dialog->confirmationText();
    QTest::mouseClick(dialog->confirmButton(), Qt::LeftButton);
    return QTest::qWaitFor([&] { return dialog->step() == OperationDialog::Step::Outcome; }, 120000);
}

} // namespace

class TestConsoleActions : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void refundThroughDialogHappensOnceInEachSystem();
    void supportRefundAboveLimitWaitsForFinance();
    void voidOfVoidedOrderSaysWhenAndByWhom();
    void supportCannotOpenAdminSettings();
    void inDoubtIntentResolvedByHandIsAudited();

private:
    QString order(const QString &where) const;
    sandbox::Sandbox &sb() { return *m_sandbox->sandbox(); }

    std::unique_ptr<test::IsolatedHome> m_home;
    std::unique_ptr<sandbox::SandboxThread> m_sandbox;
    std::unique_ptr<sync::SyncService> m_service;
    std::unique_ptr<ui::MainWindow> m_window;
    sync::SyncConfig m_config;
    QString m_me;
};

void TestConsoleActions::initTestCase()
{
    m_home = std::make_unique<test::IsolatedHome>();
    QVERIFY(m_home->isValid());
    QCoreApplication::setOrganizationName(u"PayBridgeTest"_s);
    QCoreApplication::setApplicationName(u"tst_console_actions"_s);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    auto me = access::currentOsAccount();
    QVERIFY2(me, qPrintable(me ? QString() : me.error().toString()));
    m_me = *me;
    QVERIFY(m_me != kSupport && m_me != kAdmin);

    sandbox::SandboxOptions options;
    options.orders = 200;
    options.seed = 23;
    options.magentoBearerEnabled = true; // a store that turned Bearer on (off by default since 2.4.4)
    m_sandbox = std::make_unique<sandbox::SandboxThread>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));

    m_config.profileName = u"console"_s;
    m_config.databasePath = m_home->path() + u"/store.sqlite"_s;
    m_config.journalPath = m_home->path() + u"/journal.ledger"_s;
    m_config.paytraceUrl = sb().paytraceUrl().toString();
    m_config.magentoUrl = sb().magentoUrl().toString();
    m_config.magentoAuth = u"bearer"_s;
    m_config.historyDays = 35;
    m_config.profileCreatedBy = kAdmin;
    for (const auto &[key, value] : sb().credentials())
        m_config.secrets.insert(key, value);
    m_service = std::make_unique<sync::SyncService>(m_config);

    QSignalSpy finished(m_service.get(), &sync::SyncService::finished);
    QSignalSpy failed(m_service.get(), &sync::SyncService::failed);
    m_service->syncNow();
    QVERIFY(QTest::qWaitFor([&] { return !finished.isEmpty() || !failed.isEmpty(); }, 120000));
    QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString()
                                                           : failed.first().first().value<Error>().toString()));

    {
        auto db = store::Database::openWriter(m_config.databasePath, u"roles"_s);
        QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
        access::OperatorDirectory dir(db.value());
        QVERIFY(dir.assignRole(kAdmin, m_me, access::Role::Finance));
        QVERIFY(dir.assignRole(kAdmin, kSupport, access::Role::Support));
        QVERIFY(access::LimitStore(db.value())
                    .setSupportRefundLimit(kAdmin, Money::parse(u"10.00", *Currency::fromCode(u"USD")).value()));
        db.value() = QSqlDatabase();
        store::Database::close(u"roles"_s);
    }

    QSettings().clear();
    m_window = std::make_unique<ui::MainWindow>(*m_service);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestConsoleActions::cleanupTestCase()
{
    m_window.reset();
    m_service.reset();
    m_sandbox.reset();
}

QString TestConsoleActions::order(const QString &where) const
{
    auto db = store::Database::openReader(m_config.databasePath, u"probe"_s);
    if (!db)
        return {};
    QString inc;
    {
        QSqlQuery q(db.value());
        if (q.exec(u"SELECT increment_id FROM orders WHERE "_s + where + u" ORDER BY entity_id LIMIT 1"_s) && q.next())
            inc = q.value(0).toString();
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"probe"_s);
    return inc;
}

void TestConsoleActions::refundThroughDialogHappensOnceInEachSystem()
{
    const QString inc = order(kFreshSettled);
    QVERIFY(!inc.isEmpty());
    const int refundsBefore = ledgerCount(sb(), u"refund"_s, inc);
    const int memosBefore = documentCount(sb(), u"creditmemo"_s, inc);

    // As a person does it: the order on the Orders page, then its Refund action.
    m_window->showPage(ui::MainWindow::Page::Orders);
    ui::OrdersPage *page = m_window->ordersPage();
    page->showRecord(inc);
    QTRY_VERIFY(page->selectedKey().isValid());
    QSignalSpy opened(page->operationActions(), &ui::OperationActions::dialogOpened);
    page->operationActions()->update();
    QVERIFY2(page->operationActions()->action(sync::OperationKind::Refund)->isEnabled(),
             qPrintable(page->operationActions()->action(sync::OperationKind::Refund)->toolTip()));
    page->operationActions()->action(sync::OperationKind::Refund)->trigger();
    QCOMPARE(opened.size(), 1);
    QPointer<OperationDialog> dialog = opened.first().first().value<OperationDialog *>();
    QVERIFY(dialog);

    QString confirmation;
    QVERIFY(runDialog(dialog, u"5.00"_s, u"customer returned one item"_s, &confirmation));
    QVERIFY(dialog->outcome());
    QCOMPARE(sync::outcomeKindName(dialog->outcome()->kind), u"succeeded"_s);
    QVERIFY(!dialog->outcomeText().isEmpty());
    // The confirmation said what would happen in each system before anything was sent.
    for (const QString &system : {u"PayTrace"_s, u"Magento"_s, u"ERP"_s})
        QVERIFY2(confirmation.contains(system), qPrintable(confirmation));
    QCOMPARE(ledgerCount(sb(), u"refund"_s, inc), refundsBefore + 1);
    QCOMPARE(documentCount(sb(), u"creditmemo"_s, inc), memosBefore + 1);
    qint64 refunded = 0;
    for (const auto &e : sb().paytrace().ledger())
        if (e.operation == u"refund" && e.invoiceId == inc)
            refunded = e.amount;
    QCOMPARE(refunded, qint64(500));
    QTest::mouseClick(dialog->closeButton(), Qt::LeftButton);
    QTRY_VERIFY(!dialog);

    // Shown at once, before any sync: the order's row (Magento's refunded total, the payment
    // status) and its detail pane.
    const auto storeSays = [&] {
        auto db = store::Database::openReader(m_config.databasePath, u"shown"_s);
        QString row;
        if (db) {
            QSqlQuery q(db.value());
            if (q.exec(u"SELECT total_refunded, pay_refunded, pay_status FROM orders WHERE increment_id = '%1'"_s.arg(inc))
                && q.next())
                row = u"%1 %2 %3"_s.arg(q.value(0).toLongLong()).arg(q.value(1).toLongLong()).arg(q.value(2).toString());
        }
        db.value() = QSqlDatabase();
        store::Database::close(u"shown"_s);
        return row;
    };
    QCOMPARE(storeSays(), u"500 500 partially_refunded"_s);
    page->showRecord(inc);
    // Magento's refunded total and PayTrace's refunded amount, both 5.00 now.
    static const QRegularExpression refundedFive(u"Refunded\\s+5\\.00 USD"_s);
    QTRY_VERIFY2_WITH_TIMEOUT(page->detailView()->toPlainText().count(refundedFive) == 2,
                              qPrintable(page->detailView()->toPlainText()), 10000);

    // A second refund of the same order: the amount starts empty (never the whole rest), the
    // form says what was refunded before, when and by whom, and "Full amount" is a choice.
    page->operationActions()->action(sync::OperationKind::Refund)->trigger();
    QCOMPARE(opened.size(), 2);
    QPointer<OperationDialog> again = opened.last().first().value<OperationDialog *>();
    QVERIFY(again);
    QTRY_COMPARE_WITH_TIMEOUT(again->step(), OperationDialog::Step::Form, 30000);
    QCOMPARE(again->amountEdit()->text(), QString());
    QVERIFY(!again->nextButton()->isEnabled());
    QVERIFY2(again->earlierText().contains(u"Refunded USD 5.00"_s), qPrintable(again->earlierText()));
    QVERIFY2(again->earlierText().contains(u"by "_s + m_me), qPrintable(again->earlierText()));
    QVERIFY2(again->earlierText().contains(u"customer returned one item"_s), qPrintable(again->earlierText()));
    QVERIFY(again->preview());
    const Money rest = again->preview()->remaining;
    QVERIFY(rest.isValid() && !rest.isZero());
    QVERIFY(again->fullButton()->isEnabled());
    QVERIFY2(again->fullButton()->text().contains(rest.toDecimalString()), qPrintable(again->fullButton()->text()));
    QTest::mouseClick(again->fullButton(), Qt::LeftButton);
    QCOMPARE(again->amountEdit()->text(), rest.toDecimalString());
    // Enter in the reason goes to the review at most, never past the confirmation.
    QTest::keyClicks(again->reasonEdit(), u"second look"_s);
    QTest::keyClick(again->reasonEdit(), Qt::Key_Return);
    QTRY_COMPARE_WITH_TIMEOUT(again->step(), OperationDialog::Step::Confirm, 30000);
    QTest::keyClick(again, Qt::Key_Return);
    QTest::qWait(200);
    QCOMPARE(again->step(), OperationDialog::Step::Confirm);
    QCOMPARE(ledgerCount(sb(), u"refund"_s, inc), refundsBefore + 1);
    QTest::mouseClick(again->closeButton(), Qt::LeftButton);
    QTRY_VERIFY(!again);
}

void TestConsoleActions::voidOfVoidedOrderSaysWhenAndByWhom()
{
    const QString inc = order(u"pay_status = 'authorized' AND pay_captured = 0 AND total_invoiced = 0"_s);
    QVERIFY(!inc.isEmpty());
    auto *first = new OperationDialog(m_service.get(), sync::OperationKind::Void, inc, m_me, m_window.get());
    first->open();
    QVERIFY(runDialog(first, QString(), u"customer cancelled by phone"_s));
    // The PayTrace void went through (what Magento made of it is not the point here).
    QVERIFY(first->outcome() && !first->outcome()->intents.isEmpty());
    QCOMPARE(first->outcome()->intents.first().kind, intents::IntentKind::PayTraceVoid);
    QCOMPARE(first->outcome()->intents.first().state, intents::IntentState::Succeeded);
    first->close();

    // Voiding it again says what happened, when and by whom — not "a void amount must be
    // greater than zero (got USD 0.00)".
    QPointer<OperationDialog> again = new OperationDialog(m_service.get(), sync::OperationKind::Void, inc, m_me,
                                                          m_window.get());
    again->open();
    QTRY_COMPARE_WITH_TIMEOUT(again->step(), OperationDialog::Step::Form, 30000);
    const QString message = again->formMessage();
    QVERIFY2(message.startsWith(u"This order was already voided at "_s), qPrintable(message));
    QVERIFY2(message.endsWith(u" by "_s + m_me + u'.'), qPrintable(message));
    QVERIFY2(!message.contains(u"greater than zero"_s), qPrintable(message));
    QVERIFY(!again->nextButton()->isEnabled());
    QVERIFY2(again->earlierText().contains(u"customer cancelled by phone"_s), qPrintable(again->earlierText()));
    again->close();

    // The Void action, disabled now, says the same in its tooltip.
    QSqlQuery q(m_window->ordersPage()->model()->database());
    QVERIFY(q.exec(u"SELECT entity_id FROM orders WHERE increment_id = '%1'"_s.arg(inc)) && q.next());
    const auto availability = OperationDialog::availability(m_window->ordersPage()->model()->database(),
                                                            q.value(0).toLongLong(), m_me, sync::OperationKind::Void);
    QVERIFY(!availability.enabled);
    QVERIFY2(availability.why.startsWith(u"This order was already voided at "_s)
                 && availability.why.endsWith(u" by "_s + m_me + u'.'),
             qPrintable(availability.why));
}

void TestConsoleActions::supportRefundAboveLimitWaitsForFinance()
{
    const QString inc = order(kFreshSettled);
    QVERIFY(!inc.isEmpty());
    const int before = ledgerCount(sb(), u"refund"_s, inc);

    // Support asks for USD 25.00 with a USD 10.00 limit: nothing is sent, an approval waits.
    auto *asked = new OperationDialog(m_service.get(), sync::OperationKind::Refund, inc, kSupport, m_window.get());
    asked->setAttribute(Qt::WA_DeleteOnClose);
    asked->open();
    QString confirmation;
    QVERIFY(runDialog(asked, u"25.00"_s, u"damaged in transit"_s, &confirmation));
    QVERIFY2(confirmation.contains(u"approv"_s), qPrintable(confirmation));
    QCOMPARE(sync::outcomeKindName(asked->outcome()->kind), u"awaiting_approval"_s);
    QVERIFY(asked->outcome()->approvalId.has_value());
    const qint64 approvalId = *asked->outcome()->approvalId;
    QVERIFY2(asked->outcomeText().contains(u"approv"_s, Qt::CaseInsensitive), qPrintable(asked->outcomeText()));
    asked->close();
    QCOMPARE(ledgerCount(sb(), u"refund"_s, inc), before);

    // The requester cannot approve it.
    {
        ui::ApprovalsDialog own(m_window->ordersPage()->model()->database(), m_config.databasePath,
                                m_service.get(), kSupport);
        QVERIFY(own.selectApproval(approvalId));
        QVERIFY(!own.approveButton()->isEnabled());
    }
    // Finance (the OS account) approves it in the Approvals window.
    ui::ApprovalsDialog *approvals = m_window->openApprovals();
    QVERIFY(approvals);
    QVERIFY(approvals->selectApproval(approvalId));
    QTest::keyClicks(approvals->noteEdit(), u"photos checked"_s);
    QVERIFY(approvals->approveButton()->isEnabled());
    QSignalSpy decided(approvals, &ui::ApprovalsDialog::decided);
    QTest::mouseClick(approvals->approveButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(decided.size(), 1, 30000);
    QCOMPARE(decided.first().first().toLongLong(), approvalId);
    approvals->close();
    QCOMPARE(ledgerCount(sb(), u"refund"_s, inc), before); // approved, not yet run

    // The requester runs the approved refund: exactly one refund, for the approved amount.
    ui::ApprovalsDialog mine(m_window->ordersPage()->model()->database(), m_config.databasePath, m_service.get(),
                             kSupport);
    QSignalSpy runOpened(&mine, &ui::ApprovalsDialog::operationDialogOpened);
    QVERIFY(mine.selectApproval(approvalId));
    QVERIFY(mine.runButton()->isEnabled());
    QTest::mouseClick(mine.runButton(), Qt::LeftButton);
    QCOMPARE(runOpened.size(), 1);
    auto *run = qobject_cast<OperationDialog *>(runOpened.first().first().value<QDialog *>());
    QVERIFY(run);
    QVERIFY(runDialog(run, QString(), u" as approved"_s));
    QCOMPARE(sync::outcomeKindName(run->outcome()->kind), u"succeeded"_s);
    QCOMPARE(ledgerCount(sb(), u"refund"_s, inc), before + 1);
    qint64 refunded = 0;
    for (const auto &e : sb().paytrace().ledger())
        if (e.operation == u"refund" && e.invoiceId == inc)
            refunded = e.amount;
    QCOMPARE(refunded, qint64(2500));
}

void TestConsoleActions::supportCannotOpenAdminSettings()
{
    const QString profiles = m_home->path() + u"/profiles.json"_s;
    for (const QString &account : {kSupport, m_me}) {
        ui::SettingsContext context;
        context.profilesFile = profiles;
        context.databasePath = m_config.databasePath;
        context.currentProfile = m_config.profileName;
        context.account = account;
        ui::SettingsPage page(context);
        QSignalSpy decided(&page, &ui::SettingsPage::accessDecided);
        page.show();
        QTRY_VERIFY_WITH_TIMEOUT(page.access() != ui::SettingsPage::Access::Checking, 30000);
        QCOMPARE(page.access(), ui::SettingsPage::Access::Refused);
        QVERIFY(!page.tabs()); // no controls are even created
        QVERIFY(!page.findChild<QLineEdit *>());
        QVERIFY2(page.refusalText().contains(u"admin"_s, Qt::CaseInsensitive), qPrintable(page.refusalText()));
        QVERIFY2(page.refusalText().contains(account), qPrintable(page.refusalText()));
    }
    // The admin gets the controls: the refusal above is about the role, not a broken page.
    ui::SettingsContext context;
    context.profilesFile = profiles;
    context.databasePath = m_config.databasePath;
    context.currentProfile = m_config.profileName;
    context.account = kAdmin;
    ui::SettingsPage page(context);
    page.show();
    QTRY_VERIFY_WITH_TIMEOUT(page.access() != ui::SettingsPage::Access::Checking, 30000);
    QCOMPARE(page.access(), ui::SettingsPage::Access::Allowed);
    QVERIFY(page.tabs());
}

void TestConsoleActions::inDoubtIntentResolvedByHandIsAudited()
{
    const QString inc = order(kFreshSettled);
    QVERIFY(!inc.isEmpty());
    const int before = ledgerCount(sb(), u"refund"_s, inc);

    // PayTrace makes the refund but the answer is cut, and its export cannot be read: the
    // janitor cannot decide, so the intent waits for a person.
    sandbox::FaultRule cut;
    cut.path = u"/paytrace/v1/transactions/refund/*"_s;
    cut.method = u"POST"_s;
    cut.kind = sandbox::FaultKind::Truncate;
    cut.times = 1;
    sandbox::FaultRule noExport;
    noExport.path = u"/paytrace/v1/transactions/export/*"_s;
    noExport.kind = sandbox::FaultKind::Http503;
    sb().faults().add(cut);
    sb().faults().add(noExport);

    auto *dialog = new OperationDialog(m_service.get(), sync::OperationKind::Refund, inc, m_me, m_window.get());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    const bool ran = runDialog(dialog, u"3.00"_s, u"goodwill"_s);
    if (!ran)
        sb().faults().clear();
    QVERIFY(ran);
    QCOMPARE(sync::outcomeKindName(dialog->outcome()->kind), u"in_doubt"_s);
    QVERIFY(!dialog->outcome()->intents.isEmpty());
    const qint64 intentId = dialog->outcome()->intents.first().id;
    dialog->close();
    QCOMPARE(ledgerCount(sb(), u"refund"_s, inc), before + 1);
    const qint64 gatewayRef = lastLedgerId(sb(), u"refund"_s, inc);
    QVERIFY(gatewayRef > 0);

    // The person finds the refund in PayTrace and says so on the Queue page.
    m_window->showPage(ui::MainWindow::Page::Queue);
    ui::QueuePage *queue = m_window->queuePage();
    queue->setBucket(ui::QueueModel::Bucket::InDoubt);
    queue->showRecord(QString::number(intentId));
    QTRY_COMPARE(queue->selectedKey().toLongLong(), intentId);
    QTRY_VERIFY2(queue->resolveButton()->isEnabled(), qPrintable(queue->actionNoteLabel()->text()));
    QTest::mouseClick(queue->resolveButton(), Qt::LeftButton);
    auto *resolve = qobject_cast<ui::ResolveIntentDialog *>(queue->openDialog());
    QVERIFY(resolve);
    QVERIFY(!resolve->okButton()->isEnabled()); // nothing chosen yet
    resolve->happenedButton()->click();
    QTest::keyClicks(resolve->referenceEdit(), QString::number(gatewayRef));
    QTest::keyClicks(resolve->noteEdit(), u"seen in the virtual terminal"_s);
    QVERIFY(resolve->okButton()->isEnabled());
    QPointer<ui::ResolveIntentDialog> guard(resolve);
    QTest::mouseClick(resolve->okButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!guard, 30000); // closed on success
    sb().faults().clear();
    QVERIFY2(queue->actionNoteLabel()->text().contains(QString::number(gatewayRef)),
             qPrintable(queue->actionNoteLabel()->text()));

    // The decision is in the audit log, by the OS account, with the reference and the note.
    auto db = store::Database::openReader(m_config.databasePath, u"audit"_s);
    QVERIFY(db);
    {
        QSqlQuery q(db.value());
        QVERIFY(q.prepare(u"SELECT actor, before_json, after_json, detail FROM audit_log"
                          " WHERE action = 'intent.resolve' AND object_type = 'intent' AND object_id = ?"_s));
        q.addBindValue(QString::number(intentId));
        QVERIFY(q.exec());
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), m_me);
        QVERIFY2(q.value(1).toString().contains(u"in_doubt"_s), qPrintable(q.value(1).toString()));
        const QString after = q.value(2).toString() + q.value(3).toString();
        QVERIFY2(after.contains(QString::number(gatewayRef)), qPrintable(after));
        QVERIFY2(after.contains(u"virtual terminal"_s), qPrintable(after));
        QVERIFY(!q.next()); // once
        QVERIFY(q.exec(u"SELECT state, result_ref FROM intents WHERE id = %1"_s.arg(intentId)));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), u"succeeded"_s);
        QCOMPARE(q.value(1).toString(), QString::number(gatewayRef));
    }
    db.value() = QSqlDatabase();
    store::Database::close(u"audit"_s);
    // Resolved by hand, not sent again.
    QCOMPARE(ledgerCount(sb(), u"refund"_s, inc), before + 1);
    // The Audit log page shows it too.
    m_window->auditPage()->refresh();
    m_window->auditPage()->applyFilter(u"intent.resolve"_s);
    QTRY_VERIFY(m_window->auditPage()->model()->rowCount() >= 1);
}

QTEST_MAIN(TestConsoleActions)
#include "tst_console_actions.moc"
