#pragma once

#include "sqlpagedmodel.h"

#include <QMainWindow>
#include <QPointer>
#include <QString>

class QAction;
class QLabel;
class QListWidget;
class QSplitter;
class QStackedWidget;
class QTimer;

namespace pb::sync {
class SyncService;
struct SyncSummary;
} // namespace pb::sync

namespace pb::ui {

namespace studio {
class MappingPage;
}

class ApprovalsDialog;
class QuarantineDialog;
class AuditPage;
class CustomersPage;
class DashboardPage;
class OrdersPage;
class QueuePage;
class ReconciliationPage;
class RefundsPage;
class SettingsPage;
class SyncStatusWidget;
class TablePage;
class TransactionsPage;

// The console's window: page navigation on the left, the pages, "Sync now", and a status bar
// with the sync state. It reads the store through its own read-only connection and talks to
// the sync only through SyncService.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    // Values are persisted (QSettings "page"); add new pages at the end.
    enum class Page { Orders, Transactions, Dashboard, Settings, Refunds, Queue, Audit, Reconciliation, Mapping, Customers };
    Q_ENUM(Page)

    // `sync` may be null: the window then only shows the store at `databasePath` and "Sync now"
    // stays disabled. A missing store file shows the empty state until a sync creates it.
    MainWindow(const QString &profileName, const QString &databasePath, pb::sync::SyncService *sync,
               QWidget *parent = nullptr);
    // Profile name and store path from the service's configuration.
    explicit MainWindow(pb::sync::SyncService &sync, QWidget *parent = nullptr);
    ~MainWindow() override;

    Page currentPage() const;
    void showPage(Page page);
    OrdersPage *ordersPage() const { return m_ordersPage; }
    TransactionsPage *transactionsPage() const { return m_transactionsPage; }
    DashboardPage *dashboardPage() const { return m_dashboardPage; }
    SettingsPage *settingsPage() const { return m_settingsPage; }
    QueuePage *queuePage() const { return m_queuePage; }
    RefundsPage *refundsPage() const { return m_refundsPage; }
    AuditPage *auditPage() const { return m_auditPage; }
    ReconciliationPage *reconciliationPage() const { return m_reconciliationPage; }
    studio::MappingPage *mappingPage() const { return m_mappingPage; }
    CustomersPage *customersPage() const { return m_customersPage; }
    SyncStatusWidget *syncStatus() const { return m_status; }
    QAction *syncNowAction() const { return m_syncNow; }
    QAction *cancelSyncAction() const { return m_cancelSync; }

    // The refund approvals window (Sync › Approvals…); null while no store is open.
    ApprovalsDialog *openApprovals();
    // The records that did not read, with their raw bodies (the dashboard's quarantine alert).
    QuarantineDialog *openQuarantine();

    // Opens the store if it is not open yet and re-reads every page, keeping selections.
    void reloadStore();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void createNavigation();
    void connectSync();
    void updateSyncActions();
    void onSyncFinished(const pb::sync::SyncSummary &summary);
    void updateCounts();
    TablePage *pageWidget(Page page) const;
    QWidget *pageFor(Page page) const;
    void createDashboardAndSettings();
    void openTable(const QString &page, const QString &filterText, const SqlPagedModel::TypedFilter &typed = {});
    // Refunds, Queue and Audit log: created, placed before Settings, linked and given shortcuts.
    void createOpsPages();
    bool openOpsTable(const QString &page, const QString &filterText);
    QList<TablePage *> opsPages() const;
    // Reconciliation: after the Audit log, before Settings (Ctrl+6).
    void createReconciliationPage();
    // Mapping: after Reconciliation, before Settings (Ctrl+7).
    void createMappingPage();
    // Customers: after Mapping, before Settings (Ctrl+8).
    void createCustomersPage();
    void restoreSettings();
    void saveSettings() const;
    // Near real time while the console is open: a sync on the profile's interval, unless
    // `paybridge serve` runs the same store (then the pages only re-read what it stored).
    void onIntervalTick();
    // Who runs the store's intents (the runner lease), shown in the status bar.
    QString updateRunnerLabel();

    QString m_profileName;
    QString m_databasePath;
    QString m_connectionName;
    bool m_storeOpen = false;
    QPointer<pb::sync::SyncService> m_sync;

    QSplitter *m_splitter = nullptr;
    QListWidget *m_navigation = nullptr;
    QStackedWidget *m_pages = nullptr;
    OrdersPage *m_ordersPage = nullptr;
    TransactionsPage *m_transactionsPage = nullptr;
    DashboardPage *m_dashboardPage = nullptr;
    SettingsPage *m_settingsPage = nullptr;
    QueuePage *m_queuePage = nullptr;
    RefundsPage *m_refundsPage = nullptr;
    AuditPage *m_auditPage = nullptr;
    ReconciliationPage *m_reconciliationPage = nullptr;
    studio::MappingPage *m_mappingPage = nullptr;
    CustomersPage *m_customersPage = nullptr;
    QList<QAction *> m_opsNavigation; // "go to" actions of the pages above, for the View menu
    SyncStatusWidget *m_status = nullptr;
    QAction *m_syncNow = nullptr;
    QAction *m_cancelSync = nullptr;
    QTimer *m_intervalTimer = nullptr;
    QLabel *m_runnerLabel = nullptr;
    bool m_serveRunsStore = false;
};

} // namespace pb::ui
