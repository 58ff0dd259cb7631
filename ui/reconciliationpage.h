#pragma once

#include "reconciliationdialog.h"
#include "reconcile/reconciliationstore.h"

#include <QDate>
#include <QPointer>
#include <QSqlDatabase>
#include <QString>
#include <QWidget>

#include <atomic>
#include <memory>
#include <optional>

class QAction;
class QComboBox;
class QDateEdit;
class QGridLayout;
class QHBoxLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTableView;
class QTextBrowser;
class QTimer;

namespace pb::sync {
class SyncService;
}

namespace pb::ui {

class ReconciliationDialog;
class ReconciliationModel;

// The finance day: pick a batch day, reconcile it in the background, read the totals
// (expected / settled / fees / deposited per currency) and the open work by class, resolve the
// discrepancies one by one or in bulk through ReconciliationDialog, and post the day's journal
// to the profile's ERP sink once nothing is open. Finance resolves and posts; everyone who can
// open the console reads.
class ReconciliationPage : public QWidget
{
    Q_OBJECT

public:
    explicit ReconciliationPage(QWidget *parent = nullptr);
    ~ReconciliationPage() override;

    // The window's read-only connection (the header and the table read through it) and the
    // store's path (background tasks open their own connections).
    void setDatabase(const QSqlDatabase &db, const QString &databasePath);
    // The acting operator and the sync service (refunds go through its intent path; the Odoo
    // password comes from its configuration). `profileName` picks the ERP sink settings.
    void setContext(pb::sync::SyncService *sync, const QString &actor, const QString &profileName);

    QDate day() const;
    void setDay(QDate day);
    // Re-reads the run of the day, the header and the table, and the operator's rights.
    void refresh();

    // Reconciles the day in the background (what the button does); false when one is running.
    bool reconcile();
    bool isBusy() const { return m_busy; }
    // Opens the resolution dialog for the selected items (null when nothing fits).
    ReconciliationDialog *openResolve(reconcile::ResolutionKind kind);
    ReconciliationDialog *openReopen();
    // Posts the day's journal in the background (what the button does); false when refused.
    bool postJournal();
    // Writes the day's report (FILE.pdf or FILE.csv) in the background; false when refused.
    // "Export…" asks for the file first.
    bool exportReport(const QString &path);

    std::optional<reconcile::RunSummary> summary() const { return m_summary; }
    ReconciliationModel *model() const { return m_model; }
    QTableView *tableView() const { return m_table; }
    QDateEdit *dateEdit() const { return m_date; }
    QPushButton *reconcileButton() const { return m_reconcile; }
    QPushButton *postButton() const { return m_post; }
    QPushButton *exportButton() const { return m_export; }
    QAction *resolveAction(reconcile::ResolutionKind kind) const;
    QAction *reopenAction() const { return m_reopenAction; }
    QComboBox *stateFilter() const { return m_stateFilter; }
    QComboBox *classFilter() const { return m_classFilter; }
    QString stateText() const;
    QString totalsText() const;
    QString detailText() const;
    QString messageText() const;
    // Selects the rows of these items (those loaded); for tests and "show item" links.
    void selectItems(const QList<qint64> &ids);
    QList<qint64> selectedIds() const;

Q_SIGNALS:
    void reconciled(const pb::reconcile::RunSummary &summary);
    void reconcileFailed(const QString &message);
    void itemsChanged();
    // The post ended: `ok`, and the sentence shown to the person.
    void journalPosted(bool ok, const QString &message);
    void reportWritten(bool ok, const QString &message);

private:
    // Opens `setup`'s dialog; what it applied reloads the day.
    ReconciliationDialog *openDialog(const ReconciliationDialog::Setup &setup);
    void buildUi();
    void askExportPath();
    void loadRun();
    void updateHeader();
    void updateClassButtons();
    void updateActions();
    void updateDetail();
    void applyFilter();
    void setBusy(bool busy, const QString &text);
    void showMessage(const QString &text, bool error = false);
    std::optional<QDate> defaultDay() const;
    QStringList erpAccounts(QString *defaultAccount, const QString &currency) const;

    QSqlDatabase m_db;
    QString m_databasePath;
    QPointer<pb::sync::SyncService> m_sync;
    QString m_actor;
    QString m_profileName;
    bool m_canResolve = false;
    bool m_canPost = false;
    QString m_whyNot;
    bool m_busy = false;
    bool m_dayChosen = false;
    std::optional<reconcile::RunSummary> m_summary;
    std::shared_ptr<std::atomic_int> m_progressValue;
    std::shared_ptr<std::atomic_bool> m_cancel;

    QDateEdit *m_date = nullptr;
    QPushButton *m_reconcile = nullptr;
    QPushButton *m_post = nullptr;
    QPushButton *m_export = nullptr;
    QProgressBar *m_progress = nullptr;
    QTimer *m_progressTimer = nullptr;
    QLabel *m_state = nullptr;
    QLabel *m_runInfo = nullptr;
    QGridLayout *m_totalsGrid = nullptr;
    QWidget *m_totalsBox = nullptr;
    QHBoxLayout *m_classButtons = nullptr;
    QWidget *m_classBox = nullptr;
    QComboBox *m_stateFilter = nullptr;
    QComboBox *m_classFilter = nullptr;
    QStackedWidget *m_body = nullptr;
    QLabel *m_empty = nullptr;
    QTableView *m_table = nullptr;
    ReconciliationModel *m_model = nullptr;
    QTextBrowser *m_detail = nullptr;
    QLabel *m_message = nullptr;
    QAction *m_accept = nullptr;
    QAction *m_link = nullptr;
    QAction *m_writeOff = nullptr;
    QAction *m_refund = nullptr;
    QAction *m_creditMemo = nullptr;
    QAction *m_reopenAction = nullptr;
};

} // namespace pb::ui
