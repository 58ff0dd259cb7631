// The demo as a person sees it: sandbox, demo profile, first sync through the real
// SyncService, and the console's tables filled — with QAbstractItemModelTester on each model.
// Registered twice: offscreen, and on the real Xvfb X server of tests/with-session.
#include "commands/demo.h"
#include "mainwindow.h"
#include "orderspage.h"
#include "sqlpagedmodel.h"
#include "sync/syncservice.h"
#include "tablepage.h"
#include "testsupport.h"
#include "transactionspage.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTextBrowser>

#include <memory>

using namespace pb;

class TestDemoGui : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void demoShowsSyncedOrdersAndTransactions();

private:
    test::IsolatedHome m_home;
};

void TestDemoGui::demoShowsSyncedOrdersAndTransactions()
{
    app::DemoOptions options;
    options.orders = 300;
    options.seed = 99;
    app::DemoSession demo(options);
    QSignalSpy ready(&demo, &app::DemoSession::ready);
    QSignalSpy demoFailed(&demo, &app::DemoSession::failed);
    demo.start();
    QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() || !demoFailed.isEmpty(), 60000);
    QVERIFY2(demoFailed.isEmpty(), qPrintable(demoFailed.isEmpty() ? QString()
                                                                 : demoFailed.first().first().value<Error>().toString()));

    sync::SyncService service(demo.config());
    ui::MainWindow window(service);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QSignalSpy finished(&service, &sync::SyncService::finished);
    QSignalSpy failed(&service, &sync::SyncService::failed);
    QVERIFY(window.syncNowAction()->isEnabled());
    window.syncNowAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 180000);
    QVERIFY(failed.isEmpty());

    ui::SqlPagedModel *orders = window.ordersPage()->model();
    ui::SqlPagedModel *transactions = window.transactionsPage()->model();
    QAbstractItemModelTester ordersTester(orders, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester transactionsTester(transactions, QAbstractItemModelTester::FailureReportingMode::QtTest);

    QTRY_COMPARE_WITH_TIMEOUT(orders->totalCount(), qint64(300), 10000);
    QVERIFY(orders->rowCount() > 0);
    QVERIFY(!window.ordersPage()->isShowingEmptyState());
    const auto summary = finished.first().first().value<sync::SyncSummary>();
    QTRY_COMPARE_WITH_TIMEOUT(transactions->totalCount(), qint64(summary.transactionsTotal), 10000);
    QVERIFY(transactions->rowCount() > 0);

    // Scroll to the end: lazy fetch brings every row without tripping the model tester.
    while (orders->canFetchMore({}))
        orders->fetchMore({});
    QCOMPARE(orders->rowCount(), 300);

    // Select the first order: the detail pane shows its number and its payment trail.
    QTableView *view = window.ordersPage()->tableView();
    view->setFocus();
    view->selectRow(0);
    const QString incrementId = orders->index(0, 0).data().toString();
    QVERIFY(!incrementId.isEmpty());
    QTRY_VERIFY(window.ordersPage()->detailView()->toPlainText().contains(incrementId));

    // Keyboard navigation to the Transactions page.
    window.showPage(ui::MainWindow::Page::Transactions);
    QCOMPARE(window.currentPage(), ui::MainWindow::Page::Transactions);

    const QString shots = qEnvironmentVariable("PAYBRIDGE_SCREENSHOT_DIR");
    if (!shots.isEmpty()) {
        QDir().mkpath(shots);
        window.showPage(ui::MainWindow::Page::Orders);
        QTest::qWait(200);
        window.grab().save(shots + QStringLiteral("/demo-orders.png"));
        window.showPage(ui::MainWindow::Page::Transactions);
        window.transactionsPage()->tableView()->selectRow(0);
        QTest::qWait(200);
        window.grab().save(shots + QStringLiteral("/demo-transactions.png"));
    }
}

QTEST_MAIN(TestDemoGui)
#include "tst_demo_gui.moc"
