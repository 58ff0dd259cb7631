#include "mainwindow.h"

#include "intents/intentjournal.h"
#include "mapping/mappingpage.h"
#include "util/clock.h"

#include "access/operator.h"
#include "approvalsdialog.h"
#include "auditpage.h"
#include "customerspage.h"
#include "dashboardpage.h"
#include "orderspage.h"
#include "quarantinedialog.h"
#include "queuepage.h"
#include "reconciliationpage.h"
#include "refundspage.h"
#include "settingspage.h"
#include "sqlpagedmodel.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "syncstatuswidget.h"
#include "transactionspage.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileInfo>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QSqlError>
#include <QSqlQuery>
#include <QStackedWidget>
#include <QStatusBar>
#include <QCoreApplication>
#include <QSqlDatabase>
#include <QLabel>
#include <QTimer>
#include <QStyle>
#include <QTableView>
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
    createDashboardAndSettings();
    createOpsPages();
    createReconciliationPage();
    createMappingPage();
    createCustomersPage();

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
    // Wide enough for the longest page name ("Reconciliation") without eliding it.
    const int navWidth = std::max(128, m_navigation->sizeHintForColumn(0) + 2 * m_navigation->frameWidth() + 12);
    m_splitter->setSizes({navWidth, 1280 - navWidth});
    for (TablePage *page : {static_cast<TablePage *>(m_ordersPage), static_cast<TablePage *>(m_transactionsPage)})
        page->splitter()->setSizes({420, 300});
    restoreSettings();
    reloadStore();
    m_navigation->setFocus();
}

MainWindow::~MainWindow()
{
    // Every copy of the connection must be gone before it is closed and removed: the pages'
    // models, their action bars and any approvals window still open.
    qDeleteAll(findChildren<ApprovalsDialog *>());
    m_ordersPage->setDatabase(QSqlDatabase());
    m_transactionsPage->setDatabase(QSqlDatabase());
    m_ordersPage->setOperationContext(nullptr, QString());
    m_transactionsPage->setOperationContext(nullptr, QString());
    for (TablePage *page : opsPages())
        page->setDatabase(QSqlDatabase());
    m_reconciliationPage->setDatabase(QSqlDatabase(), QString());
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

// Dashboard first, Settings after the record pages; the stack and the navigation keep the same
// order, so a navigation row is a stack index.
void MainWindow::createDashboardAndSettings()
{
    m_dashboardPage = new DashboardPage;
    m_pages->insertWidget(0, m_dashboardPage);
    auto *dashboard = new QListWidgetItem(style()->standardIcon(QStyle::SP_ComputerIcon), tr("Dashboard"));
    dashboard->setToolTip(tr("Connection health, volumes, queue and alerts (Ctrl+0)"));
    m_navigation->insertItem(0, dashboard);
    connect(m_dashboardPage, &DashboardPage::openTable, this, &MainWindow::openTable);

    SettingsContext context;
    context.databasePath = m_databasePath;
    context.currentProfile = m_profileName;
    m_settingsPage = new SettingsPage(context);
    m_pages->addWidget(m_settingsPage);
    auto *settings = new QListWidgetItem(style()->standardIcon(QStyle::SP_FileDialogContentsView), tr("Settings"));
    settings->setToolTip(tr("Connections, credentials, operators and limits (admins)"));
    m_navigation->addItem(settings);
}

void MainWindow::openTable(const QString &page, const QString &filterText, const SqlPagedModel::TypedFilter &typed)
{
    if (page == u"quarantine") {
        openQuarantine();
        return;
    }
    if (openOpsTable(page, filterText))
        return;
    TablePage *target = page == u"orders" ? static_cast<TablePage *>(m_ordersPage)
        : page == u"transactions"          ? static_cast<TablePage *>(m_transactionsPage)
                                           : nullptr;
    if (!target) {
        statusBar()->showMessage(tr("That list is not available in this version yet."), 8000);
        return;
    }
    showPage(target == m_ordersPage ? Page::Orders : Page::Transactions);
    target->applyFilters(filterText, typed);
    target->tableView()->setFocus();
}

void MainWindow::createOpsPages()
{
    m_refundsPage = new RefundsPage;
    m_queuePage = new QueuePage;
    m_auditPage = new AuditPage;
    // Before Settings (the last page) when it is there; the navigation row is the stack index.
    const int settingsAt = m_settingsPage ? m_pages->indexOf(m_settingsPage) : -1;
    int at = settingsAt >= 0 ? settingsAt : m_pages->count();
    const struct
    {
        TablePage *page;
        QStyle::StandardPixmap icon;
        QString title;
        QString tip;
        int key;
        Page target;
    } pages[] = {
        {m_refundsPage, QStyle::SP_ArrowBack, tr("Refunds"),
         tr("Every refund with its state in PayTrace, Magento and the ERP (Ctrl+3)"), Qt::Key_3, Page::Refunds},
        {m_queuePage, QStyle::SP_FileDialogListView, tr("Queue"),
         tr("Writes to other systems: pending, in doubt, dead letters (Ctrl+4)"), Qt::Key_4, Page::Queue},
        {m_auditPage, QStyle::SP_FileDialogInfoView, tr("Audit log"),
         tr("Who did what, when, before and after (Ctrl+5)"), Qt::Key_5, Page::Audit},
    };
    for (const auto &p : pages) {
        m_pages->insertWidget(at, p.page);
        auto *item = new QListWidgetItem(style()->standardIcon(p.icon), p.title);
        item->setToolTip(p.tip);
        m_navigation->insertItem(at, item);
        ++at;
        auto *go = new QAction(p.title, this);
        go->setShortcut(QKeySequence(Qt::CTRL | p.key));
        const Page target = p.target;
        connect(go, &QAction::triggered, this, [this, target] { showPage(target); });
        addAction(go);
        m_opsNavigation << go;

        connect(p.page, &TablePage::orderLinkActivated, this, [this](const QString &id) {
            showPage(Page::Orders);
            m_ordersPage->showRecord(id);
        });
        connect(p.page, &TablePage::transactionLinkActivated, this, [this](const QString &id) {
            showPage(Page::Transactions);
            m_transactionsPage->showRecord(id);
        });
        connect(p.page->model(), &SqlPagedModel::loadFailed, this, [this](const QString &message) {
            statusBar()->showMessage(tr("Reading the store failed: %1").arg(message), 10000);
        });
        p.page->splitter()->setSizes({420, 300});
    }
    m_queuePage->setSyncService(m_sync);
    if (m_sync) {
        // A decision on an intent changes the refunds' states and writes the audit log.
        connect(m_sync, &pb::sync::SyncService::intentsChanged, m_refundsPage, &TablePage::refresh);
        connect(m_sync, &pb::sync::SyncService::intentsChanged, m_auditPage, &TablePage::refresh);
    }
}

void MainWindow::createReconciliationPage()
{
    m_reconciliationPage = new ReconciliationPage;
    const int settingsAt = m_settingsPage ? m_pages->indexOf(m_settingsPage) : -1;
    const int at = settingsAt >= 0 ? settingsAt : m_pages->count();
    m_pages->insertWidget(at, m_reconciliationPage);
    auto *item = new QListWidgetItem(style()->standardIcon(QStyle::SP_DialogApplyButton), tr("Reconciliation"));
    item->setToolTip(tr("Settlement against PayTrace and Magento, day by day; resolve and post the journal (Ctrl+6)"));
    m_navigation->insertItem(at, item);
    auto *go = new QAction(tr("Reconciliation"), this);
    go->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_6));
    connect(go, &QAction::triggered, this, [this] { showPage(Page::Reconciliation); });
    addAction(go);
    m_opsNavigation << go;
    // Resolutions write the audit log.
    connect(m_reconciliationPage, &ReconciliationPage::itemsChanged, m_auditPage, &TablePage::refresh);
}

void MainWindow::createMappingPage()
{
    m_mappingPage = new studio::MappingPage;
    const int settingsAt = m_settingsPage ? m_pages->indexOf(m_settingsPage) : -1;
    const int at = settingsAt >= 0 ? settingsAt : m_pages->count();
    m_pages->insertWidget(at, m_mappingPage);
    auto *item = new QListWidgetItem(style()->standardIcon(QStyle::SP_FileDialogContentsView), tr("Mapping"));
    item->setToolTip(tr("How PayTrace, Magento and the ERP map onto each other: statuses, link key, accounts (Ctrl+7)"));
    m_navigation->insertItem(at, item);
    auto *go = new QAction(tr("Mapping"), this);
    go->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_7));
    connect(go, &QAction::triggered, this, [this] { showPage(Page::Mapping); });
    addAction(go);
    m_opsNavigation << go;
    // Saving or rolling back a mapping writes the audit log.
    connect(m_mappingPage, &studio::MappingPage::saved, m_auditPage, &TablePage::refresh);
    connect(m_mappingPage, &studio::MappingPage::rolledBack, m_auditPage, &TablePage::refresh);
}

void MainWindow::createCustomersPage()
{
    m_customersPage = new CustomersPage;
    const int settingsAt = m_settingsPage ? m_pages->indexOf(m_settingsPage) : -1;
    const int at = settingsAt >= 0 ? settingsAt : m_pages->count();
    m_pages->insertWidget(at, m_customersPage);
    auto *item = new QListWidgetItem(style()->standardIcon(QStyle::SP_DirHomeIcon), tr("Customers"));
    item->setToolTip(tr("Magento customers and PayTrace vault profiles: links, cards on file, conflicts (Ctrl+8)"));
    m_navigation->insertItem(at, item);
    auto *go = new QAction(tr("Customers"), this);
    go->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_8));
    connect(go, &QAction::triggered, this, [this] { showPage(Page::Customers); });
    addAction(go);
    m_opsNavigation << go;
    connect(m_customersPage, &CustomersPage::orderLinkActivated, this, [this](const QString &id) {
        showPage(Page::Orders);
        m_ordersPage->showRecord(id);
    });
    connect(m_customersPage, &CustomersPage::transactionLinkActivated, this, [this](const QString &id) {
        showPage(Page::Transactions);
        m_transactionsPage->showRecord(id);
    });
    // Links, conflict decisions and card changes write the audit log.
    connect(m_customersPage, &CustomersPage::actionFinished, m_auditPage, &TablePage::refresh);
}

bool MainWindow::openOpsTable(const QString &page, const QString &filterText)
{
    if (page == u"customers") {
        // The dashboard names a filter ("expiring", ...); anything else is search text.
        static const QHash<QString, CustomersModel::Filter> filters = {
            {u"expiring"_s, CustomersModel::Filter::Expiring}, {u"conflicts"_s, CustomersModel::Filter::Conflicts},
            {u"awaiting_deletion"_s, CustomersModel::Filter::AwaitingDeletion},
            {u"not_linked"_s, CustomersModel::Filter::NotLinked}};
        showPage(Page::Customers);
        if (filters.contains(filterText)) {
            m_customersPage->searchEdit()->clear();
            m_customersPage->setFilter(filters.value(filterText));
        } else {
            m_customersPage->setFilter(CustomersModel::Filter::All);
            m_customersPage->searchEdit()->setText(filterText);
        }
        m_customersPage->tableView()->setFocus();
        return true;
    }
    if (page == u"queue") {
        // The dashboard names a bucket ("pending", "in_doubt", "dead"); anything else is text.
        const QHash<QString, QueueModel::Bucket> buckets = {
            {u"pending"_s, QueueModel::Bucket::Pending}, {u"in_doubt"_s, QueueModel::Bucket::InDoubt},
            {u"dead"_s, QueueModel::Bucket::Dead},       {u"succeeded"_s, QueueModel::Bucket::Succeeded},
            {u"discarded"_s, QueueModel::Bucket::Discarded}};
        showPage(Page::Queue);
        if (buckets.contains(filterText)) {
            m_queuePage->setBucket(buckets.value(filterText));
            m_queuePage->applyFilter(QString());
        } else {
            m_queuePage->applyFilter(filterText);
        }
        m_queuePage->tableView()->setFocus();
        return true;
    }
    TablePage *target = page == u"refunds" ? static_cast<TablePage *>(m_refundsPage)
        : page == u"audit"                 ? static_cast<TablePage *>(m_auditPage)
                                           : nullptr;
    if (!target)
        return false;
    showPage(target == m_refundsPage ? Page::Refunds : Page::Audit);
    target->applyFilter(filterText);
    target->tableView()->setFocus();
    return true;
}

QList<TablePage *> MainWindow::opsPages() const
{
    QList<TablePage *> pages;
    for (TablePage *page : {static_cast<TablePage *>(m_refundsPage), static_cast<TablePage *>(m_queuePage),
                            static_cast<TablePage *>(m_auditPage)})
        if (page)
            pages << page;
    return pages;
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
    connect(find, &QAction::triggered, this, [this] {
        if (TablePage *page = pageWidget(currentPage())) {
            page->focusFilter();
            return;
        }
        if (currentPage() == Page::Customers) {
            m_customersPage->focusSearch();
            return;
        }
        showPage(Page::Orders); // from a page without a table, Find searches the orders
        m_ordersPage->focusFilter();
    });

    auto *goOrders = new QAction(tr("&Orders"), this);
    goOrders->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(goOrders, &QAction::triggered, this, [this] { showPage(Page::Orders); });
    auto *goTransactions = new QAction(tr("&Transactions"), this);
    goTransactions->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    connect(goTransactions, &QAction::triggered, this, [this] { showPage(Page::Transactions); });

    auto *goDashboard = new QAction(tr("&Dashboard"), this);
    goDashboard->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    connect(goDashboard, &QAction::triggered, this, [this] { showPage(Page::Dashboard); });
    auto *goSettings = new QAction(tr("S&ettings"), this);
    goSettings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    connect(goSettings, &QAction::triggered, this, [this] { showPage(Page::Settings); });

    auto *quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(quit);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(goDashboard);
    view->addAction(goOrders);
    view->addAction(goTransactions);
    view->addActions(m_opsNavigation);
    view->addAction(goSettings);
    view->addSeparator();
    view->addAction(find);
    QMenu *syncMenu = menuBar()->addMenu(tr("&Sync"));
    syncMenu->addAction(m_syncNow);
    syncMenu->addAction(m_cancelSync);

    // Refund approvals: finance decides, the requester then runs the approved refund.
    auto *approvals = new QAction(tr("&Approvals…"), this);
    approvals->setObjectName(u"approvalsAction"_s);
    approvals->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A));
    approvals->setToolTip(tr("Refunds waiting for a finance operator's approval (Ctrl+Shift+A)"));
    connect(approvals, &QAction::triggered, this, &MainWindow::openApprovals);
    syncMenu->addSeparator();
    syncMenu->addAction(approvals);

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
    connect(m_sync, &SyncService::failed, m_dashboardPage, &DashboardPage::refresh);
    connect(m_sync, &SyncService::intentsChanged, m_dashboardPage, &DashboardPage::refresh);
    // A capture, void or refund that succeeded is in the store at once (the engine writes its
    // result there): the orders and transactions show it without waiting for a sync. Bursts of
    // intent changes refresh once.
    auto *reread = new QTimer(this);
    reread->setSingleShot(true);
    reread->setInterval(500);
    connect(m_sync, &SyncService::intentsChanged, reread, qOverload<>(&QTimer::start));
    connect(reread, &QTimer::timeout, this, [this] {
        if (!m_storeOpen)
            return;
        m_ordersPage->refresh();
        m_transactionsPage->refresh();
    });

    m_runnerLabel = new QLabel(this);
    m_runnerLabel->setObjectName(u"runnerLabel"_s);
    statusBar()->addPermanentWidget(m_runnerLabel);
    m_intervalTimer = new QTimer(this);
    m_intervalTimer->setInterval(std::max(30, m_sync->config().syncIntervalSeconds) * 1000);
    connect(m_intervalTimer, &QTimer::timeout, this, &MainWindow::onIntervalTick);
    m_intervalTimer->start();
    auto *leaseWatch = new QTimer(this);
    leaseWatch->setInterval(10000);
    connect(leaseWatch, &QTimer::timeout, this, &MainWindow::updateRunnerLabel);
    leaseWatch->start();
    QTimer::singleShot(0, this, &MainWindow::updateRunnerLabel);

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

QString MainWindow::updateRunnerLabel()
{
    if (!m_runnerLabel)
        return {};
    m_serveRunsStore = false;
    QString text;
    if (m_storeOpen) {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        pb::intents::IntentJournal journal(db, pb::SystemClock::instance());
        if (auto holder = journal.runnerLeaseHolder(); holder && holder.value()) {
            const pb::intents::RunnerLeaseHolder &h = *holder.value();
            const bool self = h.pid == QCoreApplication::applicationPid();
            m_serveRunsStore = !self && h.program == u"paybridge serve";
            text = self ? tr("Captures, voids and refunds are sent by this window")
                        : tr("Captures, voids and refunds are sent by %1 (process %2 on %3)").arg(h.program).arg(h.pid).arg(h.host);
        } else {
            text = tr("No process is sending captures, voids and refunds");
        }
    }
    m_runnerLabel->setText(text);
    m_runnerLabel->setToolTip(tr("One process at a time sends the store's captures, voids and refunds; the others "
                                 "queue them for it."));
    return text;
}

void MainWindow::onIntervalTick()
{
    updateRunnerLabel();
    if (!m_sync)
        return;
    if (m_serveRunsStore) {
        // The service syncs this store on its own schedule: show what it stored.
        reloadStore();
        return;
    }
    if (m_sync->state() != pb::sync::SyncState::Running)
        m_sync->syncNow();
}

void MainWindow::onSyncFinished(const pb::sync::SyncSummary &summary)
{
    m_status->setIdle();
    m_status->setLastSuccess(summary.finishedAt.isValid() ? summary.finishedAt : m_sync->lastSuccessAt());
    reloadStore();
    m_status->setCounts(summary.ordersTotal, summary.transactionsTotal, summary.unlinkedTransactions);
    m_customersPage->setSyncNote(summary.customersNote);
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
        const QString actor = pb::access::currentOsAccount().valueOr(QString());
        m_ordersPage->setOperationContext(m_sync, actor);
        m_transactionsPage->setOperationContext(m_sync, actor);
        for (TablePage *page : opsPages())
            page->setDatabase(*db);
        m_reconciliationPage->setContext(m_sync, actor, m_profileName);
        m_reconciliationPage->setDatabase(*db, m_databasePath);
        m_mappingPage->setContext(m_sync, actor, m_profileName);
        m_mappingPage->setDatabasePath(m_databasePath); // reads on its own thread and connection
        m_customersPage->setContext(m_sync, actor, m_profileName);
        m_customersPage->setDatabasePath(m_databasePath); // reads on its own thread and connection
        m_dashboardPage->setDatabasePath(m_databasePath); // reads on its own thread and connection
    } else {
        m_ordersPage->refresh();
        m_transactionsPage->refresh();
        m_dashboardPage->refresh();
        for (TablePage *page : opsPages())
            page->refresh();
        m_reconciliationPage->refresh();
        m_mappingPage->reload();
        m_customersPage->refresh();
    }
    updateCounts();
}

ApprovalsDialog *MainWindow::openApprovals()
{
    if (!m_storeOpen) {
        statusBar()->showMessage(tr("Nothing to approve yet: run a sync first."), 5000);
        return nullptr;
    }
    auto *dialog = new ApprovalsDialog(m_ordersPage->model()->database(), m_databasePath, m_sync,
                                       pb::access::currentOsAccount().valueOr(QString()), this);
    connect(dialog, &QDialog::finished, this, [this] { m_ordersPage->refresh(); });
    dialog->open();
    return dialog;
}

QuarantineDialog *MainWindow::openQuarantine()
{
    if (!m_storeOpen) {
        statusBar()->showMessage(tr("Nothing synced yet: run a sync first."), 5000);
        return nullptr;
    }
    auto *dialog = findChild<QuarantineDialog *>();
    if (dialog) {
        dialog->reload();
    } else {
        dialog = new QuarantineDialog(m_databasePath, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
    }
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
    return dialog;
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
    for (Page page : {Page::Dashboard, Page::Orders, Page::Transactions, Page::Settings, Page::Refunds,
                      Page::Queue, Page::Audit, Page::Reconciliation, Page::Mapping, Page::Customers})
        if (m_pages->currentWidget() == pageFor(page))
            return page;
    return Page::Orders;
}

void MainWindow::showPage(Page page)
{
    if (QWidget *widget = pageFor(page))
        m_navigation->setCurrentRow(m_pages->indexOf(widget));
}

QWidget *MainWindow::pageFor(Page page) const
{
    switch (page) {
    case Page::Orders: return m_ordersPage;
    case Page::Transactions: return m_transactionsPage;
    case Page::Dashboard: return m_dashboardPage;
    case Page::Settings: return m_settingsPage;
    case Page::Refunds: return m_refundsPage;
    case Page::Queue: return m_queuePage;
    case Page::Audit: return m_auditPage;
    case Page::Reconciliation: return m_reconciliationPage;
    case Page::Mapping: return m_mappingPage;
    case Page::Customers: return m_customersPage;
    }
    return nullptr;
}

// The record page for `page`, null for pages without a table.
TablePage *MainWindow::pageWidget(Page page) const
{
    switch (page) {
    case Page::Orders: return m_ordersPage;
    case Page::Transactions: return m_transactionsPage;
    case Page::Refunds: return m_refundsPage;
    case Page::Queue: return m_queuePage;
    case Page::Audit: return m_auditPage;
    default: return nullptr;
    }
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    // A mapping draft lives only in this window: closing it drops the edits, so ask first.
    if (m_mappingPage && m_mappingPage->hasUnsavedChanges()) {
        showPage(Page::Mapping);
        const auto answer = QMessageBox::question(
            this, tr("Unsaved mapping"),
            tr("The mapping draft has changes that are not saved. Close PayBridge and drop them?"),
            QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer != QMessageBox::Discard) {
            event->ignore();
            return;
        }
    }
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
    const int page = settings.value(u"page"_s, int(Page::Dashboard)).toInt();
    settings.endGroup();
    settings.beginGroup(u"ordersPage"_s);
    m_ordersPage->restoreState(settings);
    settings.endGroup();
    settings.beginGroup(u"transactionsPage"_s);
    m_transactionsPage->restoreState(settings);
    settings.endGroup();
    for (TablePage *opsPage : opsPages()) {
        settings.beginGroup(opsPage->objectName());
        opsPage->restoreState(settings);
        settings.endGroup();
    }
    showPage(pageFor(Page(page)) ? Page(page) : Page::Dashboard);
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.beginGroup(u"mainWindow"_s);
    settings.setValue(u"geometry"_s, saveGeometry());
    settings.setValue(u"state"_s, saveState());
    settings.setValue(u"splitter"_s, m_splitter->saveState());
    settings.setValue(u"page"_s, int(currentPage()));
    settings.endGroup();
    settings.beginGroup(u"ordersPage"_s);
    m_ordersPage->saveState(settings);
    settings.endGroup();
    settings.beginGroup(u"transactionsPage"_s);
    m_transactionsPage->saveState(settings);
    settings.endGroup();
    for (TablePage *opsPage : opsPages()) {
        settings.beginGroup(opsPage->objectName());
        opsPage->saveState(settings);
        settings.endGroup();
    }
}

} // namespace pb::ui
