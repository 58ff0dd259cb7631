#include "mainwindow.h"

#include "orderspage.h"
#include "sqlpagedmodel.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "syncstatuswidget.h"
#include "transactionspage.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileInfo>
#include <QListWidget>
#include <QMenuBar>
#include <QSettings>
#include <QSplitter>
#include <QSqlError>
#include <QSqlQuery>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>

#include <atomic>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// Each window gets its own connection name: QSqlDatabase connections are per name and per thread.
QString nextConnectionName()
{
    static std::atomic<int> counter{0};
    return u"paybridge.ui.reader.%1"_s.arg(++counter);
}

} // namespace

MainWindow::MainWindow(pb::sync::SyncService &sync, QWidget *parent)
    : MainWindow(sync.config().profileName, sync.config().databasePath, &sync, parent)
{
}

MainWindow::MainWindow(const QString &profileName, const QString &databasePath,
                       pb::sync::SyncService *sync, QWidget *parent)
    : QMainWindow(parent)
    , m_profileName(profileName)
    , m_databasePath(databasePath)
    , m_connectionName(nextConnectionName())
    , m_sync(sync)
{
    setObjectName(u"mainWindow"_s);
    setWindowTitle(profileName.isEmpty() ? tr("PayBridge") : tr("%1 — PayBridge").arg(profileName));
    setAccessibleName(tr("PayBridge"));

    m_ordersPage = new OrdersPage;
    m_transactionsPage = new TransactionsPage;
    m_pages = new QStackedWidget;
    m_pages->setObjectName(u"pages"_s);
    m_pages->addWidget(m_ordersPage);
    m_pages->addWidget(m_transactionsPage);

    createNavigation();

    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->setObjectName(u"mainSplitter"_s);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(m_navigation);
    m_splitter->addWidget(m_pages);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    setCentralWidget(m_splitter);

    m_status = new SyncStatusWidget;
    statusBar()->addWidget(m_status, 1);
    statusBar()->setSizeGripEnabled(true);

    createActions();

    // Following a link in one detail pane opens the record on the other page.
    connect(m_ordersPage, &TablePage::transactionLinkActivated, this, [this](const QString &id) {
        showPage(Page::Transactions);
        m_transactionsPage->showRecord(id);
    });
    connect(m_transactionsPage, &TablePage::orderLinkActivated, this, [this](const QString &id) {
        showPage(Page::Orders);
        m_ordersPage->showRecord(id);
    });
    for (TablePage *page : {static_cast<TablePage *>(m_ordersPage), static_cast<TablePage *>(m_transactionsPage)})
        connect(page->model(), &SqlPagedModel::loadFailed, this, [this](const QString &message) {
            statusBar()->showMessage(tr("Reading the store failed: %1").arg(message), 10000);
        });

    connectSync();
    resize(1280, 800);
    m_splitter->setSizes({128, 1152});
    for (TablePage *page : {static_cast<TablePage *>(m_ordersPage), static_cast<TablePage *>(m_transactionsPage)})
        page->splitter()->setSizes({420, 300});
    restoreSettings();
    reloadStore();
    m_navigation->setFocus();
}

MainWindow::~MainWindow()
{
    // Every copy of the connection must be gone before it is closed and removed.
    m_ordersPage->setDatabase(QSqlDatabase());
    m_transactionsPage->setDatabase(QSqlDatabase());
    if (m_storeOpen)
        pb::store::Database::close(m_connectionName);
}

void MainWindow::createNavigation()
{
    m_navigation = new QListWidget;
    m_navigation->setObjectName(u"navigation"_s);
    m_navigation->setAccessibleName(tr("Pages"));
    m_navigation->setIconSize(QSize(24, 24));
    m_navigation->setSpacing(2);
    m_navigation->setMinimumWidth(120);
    m_navigation->setUniformItemSizes(true);
    QFont font = m_navigation->font();
    font.setPointSizeF(font.pointSizeF() * 1.1);
    m_navigation->setFont(font);

    auto *orders = new QListWidgetItem(style()->standardIcon(QStyle::SP_FileDialogDetailedView), tr("Orders"));
    orders->setToolTip(tr("Magento orders and their payment trail (Ctrl+1)"));
    auto *transactions = new QListWidgetItem(style()->standardIcon(QStyle::SP_DriveNetIcon), tr("Transactions"));
    transactions->setToolTip(tr("PayTrace gateway transactions (Ctrl+2)"));
    m_navigation->addItem(orders);
    m_navigation->addItem(transactions);
    m_navigation->setCurrentRow(0);
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
}

void MainWindow::createActions()
{
    m_syncNow = new QAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("&Sync Now"), this);
    m_syncNow->setObjectName(u"syncNowAction"_s);
    m_syncNow->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_syncNow->setToolTip(tr("Fetch new orders and transactions now (Ctrl+R)"));
    connect(m_syncNow, &QAction::triggered, this, [this] {
        if (m_sync)
            m_sync->syncNow();
    });

    m_cancelSync = new QAction(style()->standardIcon(QStyle::SP_BrowserStop), tr("&Cancel Sync"), this);
    m_cancelSync->setObjectName(u"cancelSyncAction"_s);
    m_cancelSync->setToolTip(tr("Stop the running sync at its next safe point"));
    connect(m_cancelSync, &QAction::triggered, this, [this] {
        if (m_sync)
            m_sync->cancel();
    });

    auto *find = new QAction(tr("&Find…"), this);
    find->setObjectName(u"findAction"_s);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] { pageWidget(currentPage())->focusFilter(); });

    auto *goOrders = new QAction(tr("&Orders"), this);
    goOrders->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(goOrders, &QAction::triggered, this, [this] { showPage(Page::Orders); });
    auto *goTransactions = new QAction(tr("&Transactions"), this);
    goTransactions->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    connect(goTransactions, &QAction::triggered, this, [this] { showPage(Page::Transactions); });

    auto *quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(quit);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(goOrders);
    view->addAction(goTransactions);
    view->addSeparator();
    view->addAction(find);
    QMenu *syncMenu = menuBar()->addMenu(tr("&Sync"));
    syncMenu->addAction(m_syncNow);
    syncMenu->addAction(m_cancelSync);

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(u"mainToolBar"_s);
    toolbar->setMovable(false);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_syncNow);
    toolbar->addAction(m_cancelSync);
}

void MainWindow::connectSync()
{
    if (!m_sync) {
        m_status->setUnavailable();
        updateSyncActions();
        return;
    }
    using pb::sync::SyncService;
    connect(m_sync, &SyncService::stateChanged, this, &MainWindow::updateSyncActions);
    connect(m_sync, &SyncService::started, m_status, &SyncStatusWidget::setRunning);
    connect(m_sync, &SyncService::progress, m_status, &SyncStatusWidget::setProgress);
    connect(m_sync, &SyncService::failed, m_status, &SyncStatusWidget::setFailed);
    connect(m_sync, &SyncService::finished, this, &MainWindow::onSyncFinished);

    switch (m_sync->state()) {
    case pb::sync::SyncState::Idle: m_status->setIdle(); break;
    case pb::sync::SyncState::Running: m_status->setRunning(); break;
    case pb::sync::SyncState::Failed: m_status->setFailed(pb::Error{}); break;
    }
    m_status->setLastSuccess(m_sync->lastSuccessAt());
    updateSyncActions();
}

void MainWindow::updateSyncActions()
{
    const bool running = m_sync && m_sync->state() == pb::sync::SyncState::Running;
    m_syncNow->setEnabled(m_sync && !running);
    m_cancelSync->setEnabled(running);
}

void MainWindow::onSyncFinished(const pb::sync::SyncSummary &summary)
{
    m_status->setIdle();
    m_status->setLastSuccess(summary.finishedAt.isValid() ? summary.finishedAt : m_sync->lastSuccessAt());
    reloadStore();
    m_status->setCounts(summary.ordersTotal, summary.transactionsTotal, summary.unlinkedTransactions);
    updateSyncActions();
}

void MainWindow::reloadStore()
{
    if (!m_storeOpen) {
        if (!QFileInfo::exists(m_databasePath))
            return; // nothing synced yet: the pages show their empty state
        auto db = pb::store::Database::openReader(m_databasePath, m_connectionName);
        if (!db) {
            statusBar()->showMessage(tr("The store could not be opened: %1").arg(db.error().toString()));
            return;
        }
        m_storeOpen = true;
        m_ordersPage->setDatabase(*db);
        m_transactionsPage->setDatabase(*db);
    } else {
        m_ordersPage->refresh();
        m_transactionsPage->refresh();
    }
    updateCounts();
}

void MainWindow::updateCounts()
{
    const qint64 orders = m_ordersPage->model()->totalCount();
    const qint64 transactions = m_transactionsPage->model()->totalCount();
    qint64 unlinked = -1;
    QSqlQuery query(m_transactionsPage->model()->database());
    if (query.exec(u"SELECT COUNT(*) FROM gateway_transactions t WHERE NOT EXISTS"
                   " (SELECT 1 FROM order_transaction_links l WHERE l.transaction_id = t.transaction_id)"_s)
        && query.next())
        unlinked = query.value(0).toLongLong();
    m_status->setCounts(orders, transactions, unlinked);
}

MainWindow::Page MainWindow::currentPage() const
{
    return m_pages->currentWidget() == m_transactionsPage ? Page::Transactions : Page::Orders;
}

void MainWindow::showPage(Page page)
{
    m_navigation->setCurrentRow(page == Page::Transactions ? 1 : 0);
}

TablePage *MainWindow::pageWidget(Page page) const
{
    return page == Page::Transactions ? static_cast<TablePage *>(m_transactionsPage) : m_ordersPage;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

void MainWindow::restoreSettings()
{
    // Layout only: QSettings never holds anything secret.
    QSettings settings;
    settings.beginGroup(u"mainWindow"_s);
    restoreGeometry(settings.value(u"geometry"_s).toByteArray());
    restoreState(settings.value(u"state"_s).toByteArray());
    m_splitter->restoreState(settings.value(u"splitter"_s).toByteArray());
    const int page = settings.value(u"page"_s, 0).toInt();
    settings.endGroup();
    settings.beginGroup(u"ordersPage"_s);
    m_ordersPage->restoreState(settings);
    settings.endGroup();
    settings.beginGroup(u"transactionsPage"_s);
    m_transactionsPage->restoreState(settings);
    settings.endGroup();
    showPage(page == 1 ? Page::Transactions : Page::Orders);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.beginGroup(u"mainWindow"_s);
    settings.setValue(u"geometry"_s, saveGeometry());
    settings.setValue(u"state"_s, saveState());
    settings.setValue(u"splitter"_s, m_splitter->saveState());
    settings.setValue(u"page"_s, currentPage() == Page::Transactions ? 1 : 0);
    settings.endGroup();
    settings.beginGroup(u"ordersPage"_s);
    m_ordersPage->saveState(settings);
    settings.endGroup();
    settings.beginGroup(u"transactionsPage"_s);
    m_transactionsPage->saveState(settings);
    settings.endGroup();
}

} // namespace pb::ui
