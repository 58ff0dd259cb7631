#pragma once

#include "sqlpagedmodel.h"

#include <QSqlDatabase>
#include <QVariant>
#include <QWidget>

#include <functional>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressDialog;
class QToolButton;
class QSettings;
class QSplitter;
class QStackedWidget;
class QTableView;
class QTextBrowser;
class QTimer;
class QUrl;

namespace pb::sync {
class SyncService;
}

namespace pb::ui {

class CsvExport;
class OperationActions;
class FilterBar;
class SqlPagedModel;

// The layout every record page shares: a filter line, a row count, the typed filter bar,
// saved views, a lazily fetched table, an empty-state message in place of the table when there
// is nothing to show, and a detail pane for the selected row below it. The table copies the
// selected rows (Ctrl+C), jumps to either end of the order in one page (Ctrl+Home/Ctrl+End),
// chooses and orders columns, and exports the current view to CSV. Subclasses supply the texts
// and the detail content.
class TablePage : public QWidget
{
    Q_OBJECT

public:
    ~TablePage() override;

    SqlPagedModel *model() const { return m_model; }
    QTableView *tableView() const { return m_view; }
    QToolButton *exportViewButton() const { return m_exportButton; }
    QLineEdit *filterEdit() const { return m_filter; }
    QTextBrowser *detailView() const { return m_detail; }
    QLabel *countLabel() const { return m_count; }
    QLabel *emptyStateLabel() const { return m_empty; }
    QSplitter *splitter() const { return m_splitter; }
    FilterBar *filterBar() const { return m_filterBar; }
    QComboBox *viewsBox() const { return m_views; }
    bool isShowingEmptyState() const;

    // Saved views (filters, sort and columns under a name) in QSettings, under the page's
    // object name.
    QStringList savedViewNames() const;
    void saveView(const QString &name);
    bool loadView(const QString &name);
    bool deleteView(const QString &name);

    // Visible columns in their on-screen order (what copy and export write).
    QList<int> visibleColumns() const;
    // Shows `order` (logical columns, left to right) and hides every other column.
    void setColumnLayout(const QList<int> &order);
    void chooseColumns();

    // The selected rows as tab-separated text, visible columns in screen order, one line each.
    QString selectedRowsText() const;
    void copySelection();

    // Exports the current view to `path` as CSV; progress and cancel in a window-modal dialog
    // (not in tests: `showProgress` false). False when the file cannot be opened.
    bool exportCsv(const QString &path, bool showProgress = true);
    void cancelExport();
    bool isExporting() const;
    void exportWithDialog();

    // Ctrl+End / Ctrl+Home: the last or first row of the whole order, one page read.
    void jumpToEnd();
    void jumpToStart();

    // Reads from `db` from now on (QSqlDatabase() to let go of a connection before removing it).
    void setDatabase(const QSqlDatabase &db);
    // Re-reads the store, keeping filter, sort, loaded rows and the selected record if present.
    void refresh();
    // Applies the filter now, without waiting for the typing pause.
    void applyFilter(const QString &text);
    // Applies the text and the typed filters at once (a dashboard figure's link), shown in the
    // filter line and the filter bar.
    void applyFilters(const QString &text, const SqlPagedModel::TypedFilter &typed);
    // Filters to `id` (an order number or transaction id) and selects its row.
    void showRecord(const QString &id);
    void focusFilter();
    // The primary key of the selected row, invalid when none.
    QVariant selectedKey() const;

    void saveState(QSettings &settings) const;
    void restoreState(const QSettings &settings);

    // Capture…, Void… and Refund… for the order the selection is about (pages that offered
    // them with addOperationActions()), run through `sync` as `actor`.
    void setOperationContext(pb::sync::SyncService *sync, const QString &actor);
    OperationActions *operationActions() const { return m_operations; }

Q_SIGNALS:
    void orderLinkActivated(const QString &incrementId);
    void transactionLinkActivated(const QString &transactionId);
    void exportFinished(bool ok, const QString &error);

protected:
    TablePage(SqlPagedModel *model, QWidget *parent);

    // Called by subclass constructors once the virtual functions below can be used.
    void finishSetup();
    // Adds the operation buttons below the detail pane; `selectedOrder` maps the selection to
    // the entity id of its order. What an action did shows at once in the pane and the row.
    void addOperationActions(std::function<std::optional<qint64>()> selectedOrder);

    virtual QString detailHtml(const QVariant &key) const = 0;
    // The column holding what showRecord() looks for, compared through SortRole.
    virtual int identifierColumn() const = 0;
    // A sample of the widest usual content of `column`, for initial column widths.
    virtual QString columnSample(int column) const = 0;
    // Columns hidden until someone turns them on from the header's context menu.
    virtual QList<int> defaultHiddenColumns() const { return {}; }
    virtual QString emptyStoreText() const = 0;
    virtual QString noMatchText(const QString &filter) const = 0;
    virtual QString noSelectionText() const = 0;
    virtual QString countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const = 0;

    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void scheduleFilter();
    void reloadViewNames();
    void onScrolled(int value);
    void showColumnMenu(const QPoint &pos);
    void updateDetail();
    void updateState();
    void onLinkClicked(const QUrl &url);
    void rememberSelection();
    void restoreSelection();
    QString mutedColor() const;

    SqlPagedModel *m_model;
    QLineEdit *m_filter = nullptr;
    QLabel *m_count = nullptr;
    QStackedWidget *m_tableStack = nullptr;
    QTableView *m_view = nullptr;
    QLabel *m_empty = nullptr;
    QTextBrowser *m_detail = nullptr;
    QSplitter *m_splitter = nullptr;
    QTimer *m_filterTimer = nullptr;
    FilterBar *m_filterBar = nullptr;
    QComboBox *m_views = nullptr;
    QToolButton *m_viewsMenuButton = nullptr;
    QToolButton *m_exportButton = nullptr; // "Export CSV…" of the current view
    QToolButton *m_columnsButton = nullptr;
    CsvExport *m_export = nullptr;
    OperationActions *m_operations = nullptr;
    QProgressDialog *m_progress = nullptr;
    QVariant m_pendingKey;   // selection to restore after the model resets
    QString m_pendingFind;   // identifier showRecord() is waiting to select
};

} // namespace pb::ui
