// The main window over a real store without a sync service: navigation by keyboard, filter
// shortcuts, the detail panes and their cross links, the empty state, layout persistence, and
// the sync status display.

#include "displayformat.h"
#include "mainwindow.h"
#include "ordersmodel.h"
#include "orderspage.h"
#include "recorddetails.h"
#include "storefixture.h"
#include "store/database.h"
#include "syncstatuswidget.h"
#include "testsupport.h"
#include "transactionsmodel.h"
#include "transactionspage.h"

#include <QAction>
#include <QApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QTimeZone>

#include <memory>

using namespace Qt::StringLiterals;
using pb::test::OrderRow;
using pb::test::StoreFixture;
using pb::test::TransactionRow;
using pb::ui::MainWindow;
using pb::ui::OrdersModel;
using pb::ui::SqlPagedModel;

namespace {

const QString kWriter = u"tst_mainwindow.writer"_s;
constexpr int kGenerated = 600;
constexpr qint64 kNow = 1710433800000; // 2024-03-14 16:30 UTC

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void titleActionsAndStatusWithoutSync();
    void tableSetup();
    void keyboardNavigation();
    void filterShortcutsAndDebounce();
    void orderDetailShowsLinkedTransactions();
    void transactionDetailLinksBackToOrder();
    void sortByClickingHeader();
    void reloadKeepsSelection();
    void emptyStateOnEmptyAndMissingStore();
    void layoutIsRestored();
    void syncStatusStates();

private:
    std::unique_ptr<MainWindow> makeWindow(const QString &path = {});

    std::unique_ptr<pb::test::IsolatedHome> m_home;
    QTemporaryDir m_dir;
    QString m_path;
};

void TestMainWindow::initTestCase()
{
    m_home = std::make_unique<pb::test::IsolatedHome>();
    QVERIFY(m_home->isValid());
    QCoreApplication::setOrganizationName(u"PayBridgeTest"_s);
    QCoreApplication::setApplicationName(u"tst_mainwindow"_s);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));

    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(u"store.sqlite"_s);
    QVERIFY(StoreFixture::create(m_path, kWriter));
    QSqlDatabase db = QSqlDatabase::database(kWriter, false);
    QVERIFY(StoreFixture::generate(db, kGenerated, kNow - 3'600'000) > 0);

    // The newest order, with two linked transactions, so it is the first row by default.
    OrderRow o;
    o.entityId = 1;
    o.incrementId = u"900000001"_s;
    o.currency = u"KWD"_s;
    o.grandTotal = 1234567;
    o.totalPaid = 1234567;
    o.customerName = u"Layla Al-Sabah"_s;
    o.customerEmail = u"layla@example.kw"_s;
    o.cardType = u"Visa"_s;
    o.cardLast4 = u"4242"_s;
    o.payStatus = u"settled"_s;
    o.payTxnCount = 2;
    o.lastTransId = u"T-2"_s;
    o.createdAt = kNow;
    QVERIFY(StoreFixture::insert(db, o));
    for (const QString &id : {u"T-1"_s, u"T-2"_s}) {
        TransactionRow t;
        t.transactionId = id;
        t.invoiceId = o.incrementId;
        t.currency = u"KWD"_s;
        t.amount = id == u"T-1" ? 1000000 : 234567;
        t.cardType = u"Visa"_s;
        t.cardLast4 = u"4242"_s;
        t.createdAt = kNow + (id == u"T-1" ? 1000 : 2000);
        QVERIFY(StoreFixture::insert(db, t));
        QVERIFY(StoreFixture::link(db, id, o.entityId));
    }
}

void TestMainWindow::cleanupTestCase()
{
    pb::store::Database::close(kWriter);
}

void TestMainWindow::init()
{
    QSettings().clear(); // each test starts from the default layout
}

std::unique_ptr<MainWindow> TestMainWindow::makeWindow(const QString &path)
{
    auto w = std::make_unique<MainWindow>(u"acme"_s, path.isEmpty() ? m_path : path, nullptr);
    w->show();
    w->activateWindow();
    if (!QTest::qWaitForWindowActive(w.get()))
        qWarning("window did not become active");
    return w;
}

void TestMainWindow::titleActionsAndStatusWithoutSync()
{
    auto w = makeWindow();
    QVERIFY(w->windowTitle().contains(u"acme"_s));
    QCOMPARE(w->size(), QSize(1280, 800));
    QVERIFY(!w->syncNowAction()->isEnabled()); // nothing to sync with
    QVERIFY(!w->cancelSyncAction()->isEnabled());
    QCOMPARE(w->syncNowAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_R));
    QCOMPARE(w->syncStatus()->stateText(), u"Sync not connected"_s);
    QCOMPARE(w->syncStatus()->lastSyncText(), u"Last sync: never"_s);
    const qint64 orders = w->ordersPage()->model()->totalCount();
    QCOMPARE(orders, qint64(kGenerated + 1));
    QVERIFY2(w->syncStatus()->countsText().startsWith(u"Orders: "_s + pb::ui::Format::count(orders)),
             qPrintable(w->syncStatus()->countsText()));
    QCOMPARE(w->ordersPage()->countLabel()->text(),
             u"Showing 200 of %1 orders"_s.arg(pb::ui::Format::count(orders)));
    for (QWidget *widget : {static_cast<QWidget *>(w->ordersPage()->tableView()),
                            static_cast<QWidget *>(w->ordersPage()->filterEdit()),
                            static_cast<QWidget *>(w->ordersPage()->detailView()),
                            w->findChild<QWidget *>(u"navigation"_s)})
        QVERIFY2(!widget->accessibleName().isEmpty(), qPrintable(widget->objectName()));
}

void TestMainWindow::tableSetup()
{
    auto w = makeWindow();
    const QList<std::pair<pb::ui::TablePage *, int>> pages = {
        {w->ordersPage(), OrdersModel::Currency},
        {w->transactionsPage(), pb::ui::TransactionsModel::Currency},
    };
    for (const auto &[page, currencyColumn] : pages) {
        QTableView *view = page->tableView();
        QCOMPARE(view->verticalHeader()->sectionResizeMode(0), QHeaderView::Fixed);
        QVERIFY(view->isSortingEnabled());
        QVERIFY(view->alternatingRowColors());
        QCOMPARE(view->selectionBehavior(), QAbstractItemView::SelectRows);
        QVERIFY(view->horizontalHeader()->stretchLastSection());
        // The amount shows its currency code, so the separate Currency column starts hidden.
        QVERIFY(view->isColumnHidden(currencyColumn));
        // Every visible column is wide enough for its title.
        for (int c = 0; c < view->model()->columnCount(); ++c) {
            if (view->isColumnHidden(c))
                continue;
            const QString title = view->model()->headerData(c, Qt::Horizontal).toString();
            QVERIFY2(view->columnWidth(c) >= view->horizontalHeader()->fontMetrics().horizontalAdvance(title),
                     qPrintable(title));
        }
    }
}

void TestMainWindow::keyboardNavigation()
{
    auto w = makeWindow();
    auto *nav = w->findChild<QListWidget *>(u"navigation"_s);
    QVERIFY(nav);
    // Every page, in the order of their shortcuts (Ctrl+0 to Ctrl+8), Settings last.
    const QStringList titles = {u"Dashboard"_s, u"Orders"_s,    u"Transactions"_s,   u"Refunds"_s,
                                u"Queue"_s,     u"Audit log"_s, u"Reconciliation"_s, u"Mapping"_s,
                                u"Customers"_s, u"Settings"_s};
    QCOMPARE(nav->count(), titles.size());
    for (int row = 0; row < nav->count(); ++row) {
        QCOMPARE(nav->item(row)->text(), titles.at(row));
        QVERIFY(!nav->item(row)->icon().isNull());
    }
    // A fresh window (no saved layout) starts on the Dashboard.
    QCOMPARE(w->currentPage(), MainWindow::Page::Dashboard);
    QCOMPARE(nav->currentRow(), 0);
    QTRY_VERIFY(nav->hasFocus());

    QTest::keyClick(nav, Qt::Key_Down);
    QCOMPARE(w->currentPage(), MainWindow::Page::Orders);
    QTest::keyClick(nav, Qt::Key_Down);
    QCOMPARE(w->currentPage(), MainWindow::Page::Transactions);
    QVERIFY(w->transactionsPage()->isVisible());
    QVERIFY(!w->ordersPage()->isVisible());
    QTest::keyClick(nav, Qt::Key_Up);
    QCOMPARE(w->currentPage(), MainWindow::Page::Orders);
    QVERIFY(w->ordersPage()->isVisible());

    const QList<std::pair<Qt::Key, MainWindow::Page>> shortcuts = {
        {Qt::Key_2, MainWindow::Page::Transactions}, {Qt::Key_3, MainWindow::Page::Refunds},
        {Qt::Key_4, MainWindow::Page::Queue},        {Qt::Key_5, MainWindow::Page::Audit},
        {Qt::Key_6, MainWindow::Page::Reconciliation}, {Qt::Key_7, MainWindow::Page::Mapping},
        {Qt::Key_8, MainWindow::Page::Customers},
        {Qt::Key_0, MainWindow::Page::Dashboard},      {Qt::Key_1, MainWindow::Page::Orders},
    };
    for (const auto &[key, page] : shortcuts) {
        QTest::keyClick(w.get(), key, Qt::ControlModifier);
        QCOMPARE(w->currentPage(), page);
        QCOMPARE(nav->currentRow(), int(key - Qt::Key_0)); // the shortcut's digit is the row
    }
    QTest::keyClick(w.get(), Qt::Key_Comma, Qt::ControlModifier);
    QCOMPARE(w->currentPage(), MainWindow::Page::Settings);
    QTest::keyClick(w.get(), Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(w->currentPage(), MainWindow::Page::Orders);

    // Tab moves from the navigation into the page: the quick filter, then the typed filters
    // and view buttons in the order they are shown, then the table.
    nav->setFocus();
    QTest::keyClick(nav, Qt::Key_Tab);
    QCOMPARE(QApplication::focusWidget(), w->ordersPage()->filterEdit());
    QStringList visited;
    while (QApplication::focusWidget() != w->ordersPage()->tableView() && visited.size() < 20) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QVERIFY(w->ordersPage()->isAncestorOf(QApplication::focusWidget()));
        visited << QApplication::focusWidget()->objectName();
    }
    QCOMPARE(QApplication::focusWidget(), w->ordersPage()->tableView());
    // The top row left to right, then the typed filters (Tab leaves a date field, no trap).
    QCOMPARE(visited.value(0), u"viewsBox"_s);
    QVERIFY2(visited.indexOf(u"exportButton"_s) < visited.indexOf(u"fromDateEdit"_s), qPrintable(visited.join(u' ')));
    QCOMPARE(visited.count(u"fromDateEdit"_s), 1);
    QCOMPARE(visited.count(u"toDateEdit"_s), 1);
    // Down in the quick filter goes straight to the results, on the first row.
    QTest::keyClick(w.get(), Qt::Key_F, Qt::ControlModifier);
    QCOMPARE(QApplication::focusWidget(), w->ordersPage()->filterEdit());
    w->ordersPage()->tableView()->clearSelection();
    w->ordersPage()->tableView()->setCurrentIndex({});
    QTest::keyClick(w->ordersPage()->filterEdit(), Qt::Key_Down);
    QCOMPARE(QApplication::focusWidget(), w->ordersPage()->tableView());
    QCOMPARE(w->ordersPage()->tableView()->currentIndex().row(), 0);
}

void TestMainWindow::filterShortcutsAndDebounce()
{
    auto w = makeWindow();
    pb::ui::OrdersPage *page = w->ordersPage();
    QTest::keyClick(w.get(), Qt::Key_F, Qt::ControlModifier);
    QCOMPARE(QApplication::focusWidget(), page->filterEdit());

    QTest::keyClicks(page->filterEdit(), u"900000001"_s);
    // Debounced: typing does not hit the store on every key.
    QVERIFY(page->model()->filterText().isEmpty());
    QTRY_COMPARE(page->model()->filterText(), u"900000001"_s);
    QCOMPARE(page->model()->rowCount(), 1);
    QVERIFY(page->countLabel()->text().contains(u"matching"_s));

    QTest::keyClick(page->filterEdit(), Qt::Key_Escape);
    QVERIFY(page->filterEdit()->text().isEmpty());
    QVERIFY(page->model()->filterText().isEmpty());
    QCOMPARE(page->model()->rowCount(), SqlPagedModel::DefaultPageSize);

    page->applyFilter(u"no such order"_s);
    QVERIFY(page->isShowingEmptyState());
    QVERIFY(page->emptyStateLabel()->text().contains(u"No orders match"_s));
}

void TestMainWindow::orderDetailShowsLinkedTransactions()
{
    auto w = makeWindow();
    pb::ui::OrdersPage *page = w->ordersPage();
    QVERIFY(page->detailView()->toPlainText().contains(u"Select an order"_s));
    QTableView *view = page->tableView();
    view->setFocus();
    QTest::keyClick(view, Qt::Key_Down);
    QTest::keyClick(view, Qt::Key_Up); // back on the first (newest) row
    QCOMPARE(page->selectedKey().toLongLong(), 1LL);
    const QString text = page->detailView()->toPlainText();
    QVERIFY2(text.contains(u"Order 900000001"_s), qPrintable(text));
    QVERIFY(text.contains(u"Layla Al-Sabah"_s));
    QVERIFY(text.contains(u"1,234.567 KWD"_s));     // grand total, KWD's three digits
    QVERIFY(text.contains(u"T-1"_s) && text.contains(u"T-2"_s));
    QVERIFY(text.contains(u"1,000.000 KWD"_s));     // a linked transaction's amount
    QVERIFY(text.contains(u"Invoice number"_s));    // how it was linked
    QVERIFY(text.contains(u"Visa •••• 4242"_s));

    // Moving the selection changes the detail.
    QTest::keyClick(view, Qt::Key_Down);
    QVERIFY(!page->detailView()->toPlainText().contains(u"Order 900000001"_s));
}

void TestMainWindow::transactionDetailLinksBackToOrder()
{
    auto w = makeWindow();
    // Following a transaction link in the order pane opens it on the transactions page.
    w->ordersPage()->showRecord(u"900000001"_s);
    QCOMPARE(w->ordersPage()->selectedKey().toLongLong(), 1LL);
    Q_EMIT w->ordersPage()->detailView()->anchorClicked(pb::ui::RecordDetails::transactionLink(u"T-2"_s));
    QCOMPARE(w->currentPage(), MainWindow::Page::Transactions);
    QCOMPARE(w->transactionsPage()->selectedKey().toString(), u"T-2"_s);
    const QString text = w->transactionsPage()->detailView()->toPlainText();
    QVERIFY2(text.contains(u"Transaction T-2"_s), qPrintable(text));
    QVERIFY(text.contains(u"234.567 KWD"_s));
    QVERIFY(text.contains(u"900000001"_s));

    Q_EMIT w->transactionsPage()->detailView()->anchorClicked(pb::ui::RecordDetails::orderLink(u"900000001"_s));
    QCOMPARE(w->currentPage(), MainWindow::Page::Orders);
    QCOMPARE(w->ordersPage()->selectedKey().toLongLong(), 1LL);
}

void TestMainWindow::sortByClickingHeader()
{
    auto w = makeWindow();
    w->showPage(MainWindow::Page::Orders); // the header is clicked where a person sees it
    QTableView *view = w->ordersPage()->tableView();
    QHeaderView *header = view->horizontalHeader();
    const int x = header->sectionViewportPosition(OrdersModel::Total) + header->sectionSize(OrdersModel::Total) / 2;
    QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
    auto *model = w->ordersPage()->model();
    QCOMPARE(model->sortColumn(), int(OrdersModel::Total));
    const qlonglong first = model->index(0, OrdersModel::Total).data(SqlPagedModel::SortRole).toLongLong();
    const qlonglong second = model->index(1, OrdersModel::Total).data(SqlPagedModel::SortRole).toLongLong();
    QVERIFY(model->sortOrder() == Qt::AscendingOrder ? first <= second : first >= second);
    QCOMPARE(model->rowCount(), SqlPagedModel::DefaultPageSize);
}

void TestMainWindow::reloadKeepsSelection()
{
    // What happens after SyncService::finished: the store is re-read, the selection stays.
    auto w = makeWindow();
    pb::ui::OrdersPage *page = w->ordersPage();
    page->tableView()->selectRow(5);
    const QVariant key = page->selectedKey();
    QVERIFY(key.isValid());
    const QString detail = page->detailView()->toPlainText();
    page->model()->fetchMore(QModelIndex());
    const int loaded = page->model()->rowCount();

    w->reloadStore();
    QCOMPARE(page->selectedKey(), key);
    QCOMPARE(page->model()->rowCount(), loaded);
    QCOMPARE(page->detailView()->toPlainText(), detail);
}

void TestMainWindow::emptyStateOnEmptyAndMissingStore()
{
    QTemporaryDir dir;
    {
        // No store file yet: nothing synced.
        auto w = makeWindow(dir.filePath(u"missing.sqlite"_s));
        w->showPage(MainWindow::Page::Orders);
        QVERIFY(w->ordersPage()->isShowingEmptyState());
        QCOMPARE(w->ordersPage()->emptyStateLabel()->text(), u"No orders yet — run a sync (Ctrl+R)"_s);
        QVERIFY(w->transactionsPage()->isShowingEmptyState());
        QVERIFY(w->transactionsPage()->emptyStateLabel()->text().startsWith(u"No transactions yet"_s));
        QVERIFY(w->ordersPage()->emptyStateLabel()->isVisible());
    }
    {
        const QString path = dir.filePath(u"empty.sqlite"_s);
        QVERIFY(StoreFixture::create(path, u"tst_mainwindow.empty"_s));
        pb::store::Database::close(u"tst_mainwindow.empty"_s);
        auto w = makeWindow(path);
        w->showPage(MainWindow::Page::Orders);
        QVERIFY(w->ordersPage()->isShowingEmptyState());
        QCOMPARE(w->ordersPage()->model()->totalCount(), qint64(0));
        QVERIFY(w->syncStatus()->countsText().startsWith(u"Orders: 0 · Transactions: 0"_s));
        QVERIFY(!w->ordersPage()->detailView()->isVisible());
        QVERIFY(w->ordersPage()->countLabel()->text().isEmpty());
    }
    // A filled store shows the table.
    auto w = makeWindow();
    w->showPage(MainWindow::Page::Orders);
    QVERIFY(!w->ordersPage()->isShowingEmptyState());
    QVERIFY(w->ordersPage()->tableView()->isVisible());
    QVERIFY(w->ordersPage()->detailView()->isVisible());
}

void TestMainWindow::layoutIsRestored()
{
    QList<int> sizes;
    {
        auto w = makeWindow();
        QCOMPARE(w->currentPage(), MainWindow::Page::Dashboard); // nothing saved yet
        w->showPage(MainWindow::Page::Orders); // a page is laid out once it is shown
        QSplitter *splitter = w->ordersPage()->splitter();
        const int total = splitter->sizes().at(0) + splitter->sizes().at(1);
        splitter->setSizes({total - 150, 150});
        sizes = splitter->sizes();
        w->showPage(MainWindow::Page::Transactions);
        w->close();
    }
    auto w = makeWindow();
    QCOMPARE(w->currentPage(), MainWindow::Page::Transactions);
    w->showPage(MainWindow::Page::Orders); // a page is laid out once it is shown
    QCOMPARE(w->ordersPage()->splitter()->sizes(), sizes);
}

void TestMainWindow::syncStatusStates()
{
    pb::ui::SyncStatusWidget status;
    status.show();
    QCOMPARE(status.lastSyncText(), u"Last sync: never"_s);
    QVERIFY(!status.isProgressVisible());

    status.setRunning();
    QVERIFY(status.isProgressVisible());
    status.setProgress({pb::sync::SyncProgress::Phase::Orders, 50, 200});
    QCOMPARE(status.stateText(), u"Fetching orders… 50 of 200"_s);

    status.setFailed(pb::makeError(u"net.timeout"_s, u"paytrace"_s, u"request timed out"_s));
    QVERIFY(!status.isProgressVisible());
    QCOMPARE(status.stateText(), u"Sync failed: paytrace: request timed out"_s);

    status.setIdle();
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(kNow, QTimeZone::utc());
    status.setLastSuccess(at);
    QCOMPARE(status.lastSyncText(), u"Last sync: 2024-03-14 22:00"_s); // TZ=Asia/Kolkata
    status.setCounts(3412, 9870, 12);
    QCOMPARE(status.countsText(), u"Orders: 3,412 · Transactions: 9,870 · Unlinked: 12"_s);
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
