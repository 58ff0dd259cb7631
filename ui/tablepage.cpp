#include "tablepage.h"

#include "csvexport.h"
#include "filterbar.h"
#include "operationdialog.h"
#include "recorddetails.h"
#include "savedviews.h"
#include "sqlpagedmodel.h"

#include <QAbstractButton>
#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QKeyEvent>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressDialog>
#include <QPushButton>
#include <QScrollBar>
#include <QStandardPaths>
#include <QToolButton>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {
constexpr int kFilterDelayMs = 200;
}

TablePage::TablePage(SqlPagedModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
{
    m_model->setParent(this);

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(u"filterEdit"_s);
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter"));

    m_count = new QLabel(this);
    m_count->setObjectName(u"countLabel"_s);
    m_count->setTextFormat(Qt::PlainText);

    m_view = new QTableView(this);
    m_view->setObjectName(u"tableView"_s);
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    // Several rows can be selected for copying; the detail pane follows the current row.
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setTextElideMode(Qt::ElideRight);
    m_view->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setTabKeyNavigation(false); // Tab leaves the table for the detail pane
    // Fixed row heights: the view never measures rows, which keeps scrolling cheap however
    // many rows are loaded.
    QHeaderView *rows = m_view->verticalHeader();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    rows->hide();
    QHeaderView *columns = m_view->horizontalHeader();
    columns->setStretchLastSection(true);
    columns->setSectionsMovable(true);
    columns->setHighlightSections(false);
    columns->setSortIndicator(m_model->sortColumn(), m_model->sortOrder());
    columns->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(columns, &QWidget::customContextMenuRequested, this, &TablePage::showColumnMenu);
    m_view->setSortingEnabled(true);

    m_empty = new QLabel(this);
    m_empty->setObjectName(u"emptyStateLabel"_s);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setTextFormat(Qt::PlainText);
    m_empty->setMargin(24);
    m_empty->setForegroundRole(QPalette::PlaceholderText);
    QFont emptyFont = m_empty->font();
    emptyFont.setPointSizeF(emptyFont.pointSizeF() * 1.2);
    m_empty->setFont(emptyFont);

    m_tableStack = new QStackedWidget(this);
    m_tableStack->addWidget(m_view);
    m_tableStack->addWidget(m_empty);

    m_detail = new QTextBrowser(this);
    m_detail->setObjectName(u"detailView"_s);
    m_detail->setOpenLinks(false);
    m_detail->setFrameShape(QFrame::StyledPanel);
    connect(m_detail, &QTextBrowser::anchorClicked, this, &TablePage::onLinkClicked);

    m_splitter = new QSplitter(Qt::Vertical, this);
    m_splitter->setObjectName(u"pageSplitter"_s);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->addWidget(m_tableStack);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    m_filterBar = new FilterBar(m_model->filterFields(), this);
    connect(m_filterBar, &FilterBar::filterChanged, this,
            [this](const SqlPagedModel::TypedFilter &f) { m_model->setTypedFilter(f); });

    m_views = new QComboBox(this);
    m_views->setObjectName(u"viewsBox"_s);
    m_views->setAccessibleName(tr("Saved views"));
    m_views->setToolTip(tr("Open a saved view: its filters, sort and columns"));
    m_views->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_views, &QComboBox::activated, this, [this](int index) {
        if (index > 0)
            loadView(m_views->itemText(index));
    });
    m_viewsMenuButton = new QToolButton(this);
    m_viewsMenuButton->setObjectName(u"viewsMenuButton"_s);
    m_viewsMenuButton->setText(tr("Views"));
    m_viewsMenuButton->setAccessibleName(tr("Save or delete views"));
    m_viewsMenuButton->setPopupMode(QToolButton::InstantPopup);
    auto *viewsMenu = new QMenu(m_viewsMenuButton);
    QAction *saveAction = viewsMenu->addAction(tr("&Save current view…"));
    connect(saveAction, &QAction::triggered, this, [this] {
        bool ok = false;
        const QString current = m_views->currentIndex() > 0 ? m_views->currentText() : QString();
        const QString name = QInputDialog::getText(this, tr("Save view"), tr("Name of the view:"),
                                                   QLineEdit::Normal, current, &ok).trimmed();
        if (ok && !name.isEmpty())
            saveView(name);
    });
    QAction *deleteAction = viewsMenu->addAction(tr("&Delete current view"));
    connect(deleteAction, &QAction::triggered, this, [this] {
        if (m_views->currentIndex() > 0)
            deleteView(m_views->currentText());
    });
    connect(viewsMenu, &QMenu::aboutToShow, this,
            [this, deleteAction] { deleteAction->setEnabled(m_views->currentIndex() > 0); });
    m_viewsMenuButton->setMenu(viewsMenu);

    m_columnsButton = new QToolButton(this);
    m_columnsButton->setObjectName(u"columnsButton"_s);
    m_columnsButton->setText(tr("Columns…"));
    m_columnsButton->setToolTip(tr("Choose and order the table's columns"));
    connect(m_columnsButton, &QToolButton::clicked, this, &TablePage::chooseColumns);

    m_exportButton = new QToolButton(this);
    m_exportButton->setObjectName(u"exportButton"_s);
    m_exportButton->setText(tr("Export CSV…"));
    m_exportButton->setToolTip(tr("Write every row of the current view to a CSV file"));
    connect(m_exportButton, &QToolButton::clicked, this, &TablePage::exportWithDialog);

    // The view buttons sit beside the quick filter, so the typed filters below have the whole
    // width: sharing one row at 1280 px squeezed their labels ("To" showed as "T").
    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addSpacing(12);
    top->addWidget(m_count);
    top->addSpacing(12);
    top->addWidget(m_views);
    top->addWidget(m_viewsMenuButton);
    top->addWidget(m_columnsButton);
    top->addWidget(m_exportButton);
    auto *second = new QHBoxLayout;
    second->addWidget(m_filterBar);
    second->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addLayout(top);
    layout->addLayout(second);
    layout->addWidget(m_splitter, 1);
    // A table without typed filters (no dates, statuses, currencies or amounts) would show a
    // lone "Clear" that clears nothing.
    const SqlPagedModel::FilterFields fields = m_model->filterFields();
    m_filterBar->setVisible(!fields.dateSql.isEmpty() || !fields.statusSql.isEmpty() || !fields.amountSql.isEmpty()
                            || !fields.currencySql.isEmpty() || !fields.kinds.isEmpty() || !fields.linkedSql.isEmpty());

    // Reading order: the top row left to right, then the typed filters, then the table.
    setTabOrder(m_filter, m_views);
    setTabOrder(m_views, m_viewsMenuButton);
    setTabOrder(m_viewsMenuButton, m_columnsButton);
    setTabOrder(m_columnsButton, m_exportButton);
    // Field by field: handing setTabOrder() the bar itself skipped its fields.
    QWidget *previous = m_exportButton;
    for (QWidget *field : m_filterBar->findChildren<QWidget *>(Qt::FindDirectChildrenOnly)) {
        if (field->focusPolicy() & Qt::TabFocus) {
            setTabOrder(previous, field);
            previous = field;
        }
    }
    setTabOrder(previous, m_view);
    setTabOrder(m_view, m_detail);

    auto *copy = new QShortcut(QKeySequence::Copy, m_view, nullptr, nullptr, Qt::WidgetShortcut);
    connect(copy, &QShortcut::activated, this, &TablePage::copySelection);
    m_view->installEventFilter(this);
    m_filter->installEventFilter(this);
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, &TablePage::onScrolled);

    m_filterTimer = new QTimer(this);
    m_filterTimer->setSingleShot(true);
    m_filterTimer->setInterval(kFilterDelayMs);
    connect(m_filterTimer, &QTimer::timeout, this, [this] { m_model->setFilterText(m_filter->text()); });
    connect(m_filter, &QLineEdit::textEdited, this, &TablePage::scheduleFilter);

    // Esc anywhere on the page clears the filter (the table has no editor Esc could cancel).
    auto *clear = new QShortcut(QKeySequence(Qt::Key_Escape), this, nullptr, nullptr,
                                Qt::WidgetWithChildrenShortcut);
    connect(clear, &QShortcut::activated, this, [this] {
        if (!m_filter->text().isEmpty())
            applyFilter(QString());
    });

    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this, &TablePage::rememberSelection);
    connect(m_model, &QAbstractItemModel::modelReset, this, &TablePage::restoreSelection);
    connect(m_model, &SqlPagedModel::countsChanged, this, &TablePage::updateState);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &TablePage::updateState);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &TablePage::updateDetail);
}

TablePage::~TablePage() = default;

void TablePage::finishSetup()
{
    const QFontMetrics fm = m_view->fontMetrics();
    QHeaderView *header = m_view->horizontalHeader();
    const QFontMetrics headerFm = header->fontMetrics();
    for (int c = 0; c < m_model->columnCount(); ++c) {
        const QString title = m_model->headerData(c, Qt::Horizontal).toString();
        // Room for the content sample or the title plus its sort arrow, whichever is wider.
        const int width = qMax(fm.horizontalAdvance(columnSample(c)) + 12,
                               headerFm.horizontalAdvance(title) + 24);
        m_view->setColumnWidth(c, width);
    }
    for (int c : defaultHiddenColumns())
        header->setSectionHidden(c, true);
    reloadViewNames();
    updateState();
    updateDetail();
}

void TablePage::addOperationActions(std::function<std::optional<qint64>()> selectedOrder)
{
    Q_ASSERT(!m_operations);
    m_operations = new OperationActions(this, std::move(selectedOrder));
    if (auto *box = qobject_cast<QBoxLayout *>(layout()))
        box->addWidget(m_operations->bar());
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, m_operations,
            &OperationActions::update);
    connect(m_model, &QAbstractItemModel::modelReset, m_operations, &OperationActions::update);
    connect(m_operations, &OperationActions::operationFinished, this, &TablePage::refresh);
}

void TablePage::setOperationContext(pb::sync::SyncService *sync, const QString &actor)
{
    if (!m_operations)
        return;
    m_operations->setDatabase(m_model->database());
    m_operations->setContext(sync, actor);
}

bool TablePage::isShowingEmptyState() const
{
    return m_tableStack->currentWidget() == m_empty;
}

void TablePage::setDatabase(const QSqlDatabase &db)
{
    m_model->setDatabase(db);
}

void TablePage::refresh()
{
    m_model->refresh();
}

bool TablePage::eventFilter(QObject *watched, QEvent *event)
{
    // Down or Enter in the quick filter goes straight to the results (Tab walks the typed
    // filters and the view buttons first, in the order they are shown).
    if (watched == m_filter && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        const bool toTable = key->modifiers() == Qt::NoModifier
            && (key->key() == Qt::Key_Down || key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter);
        if (toTable && m_filterTimer->isActive()) { // typed faster than the debounce: filter now
            m_filterTimer->stop();
            m_model->setFilterText(m_filter->text());
        }
        if (toTable && m_tableStack->currentWidget() == m_view) {
            m_view->setFocus(Qt::TabFocusReason);
            if (!m_view->currentIndex().isValid() && m_model->rowCount() > 0)
                m_view->selectRow(0);
            return true;
        }
    }
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        if (key->modifiers() == Qt::ControlModifier && key->key() == Qt::Key_End) {
            jumpToEnd();
            return true;
        }
        if (key->modifiers() == Qt::ControlModifier && key->key() == Qt::Key_Home) {
            jumpToStart();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void TablePage::jumpToEnd()
{
    m_model->jumpToEnd();
    const int last = m_model->rowCount() - 1;
    if (last < 0)
        return;
    const QModelIndex index = m_model->index(last, m_view->currentIndex().isValid() ? m_view->currentIndex().column() : 0);
    m_view->setCurrentIndex(index);
    m_view->scrollToBottom();
}

void TablePage::jumpToStart()
{
    m_model->jumpToStart();
    if (m_model->rowCount() == 0)
        return;
    m_view->setCurrentIndex(m_model->index(0, m_view->currentIndex().isValid() ? m_view->currentIndex().column() : 0));
    m_view->scrollToTop();
}

void TablePage::onScrolled(int value)
{
    // Anchored at the end, the rows above the window come in as the view reaches its top; the
    // scroll position moves down by what was inserted so the same rows stay in view.
    if (value != m_view->verticalScrollBar()->minimum() || !m_model->canFetchBefore())
        return;
    const int inserted = m_model->fetchBefore();
    if (inserted > 0)
        m_view->verticalScrollBar()->setValue(value + inserted);
}

QList<int> TablePage::visibleColumns() const
{
    const QHeaderView *header = m_view->horizontalHeader();
    QList<int> out;
    for (int visual = 0; visual < header->count(); ++visual) {
        const int logical = header->logicalIndex(visual);
        if (!header->isSectionHidden(logical))
            out << logical;
    }
    return out;
}

void TablePage::setColumnLayout(const QList<int> &order)
{
    QHeaderView *header = m_view->horizontalHeader();
    QList<int> shown;
    for (int c : order)
        if (c >= 0 && c < m_model->columnCount() && !shown.contains(c))
            shown << c;
    if (shown.isEmpty())
        return; // a table needs one column
    for (int i = 0; i < shown.size(); ++i)
        header->moveSection(header->visualIndex(shown.at(i)), i);
    for (int c = 0; c < m_model->columnCount(); ++c)
        header->setSectionHidden(c, !shown.contains(c));
}

void TablePage::chooseColumns()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Columns"));
    auto *list = new QListWidget(&dialog);
    list->setObjectName(u"columnList"_s);
    list->setAccessibleName(tr("Columns, in order; ticked ones are shown"));
    list->setDragDropMode(QAbstractItemView::InternalMove);
    const QHeaderView *header = m_view->horizontalHeader();
    for (int visual = 0; visual < header->count(); ++visual) {
        const int logical = header->logicalIndex(visual);
        auto *item = new QListWidgetItem(m_model->headerData(logical, Qt::Horizontal).toString(), list);
        item->setData(Qt::UserRole, logical);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable | Qt::ItemIsDragEnabled);
        item->setCheckState(header->isSectionHidden(logical) ? Qt::Unchecked : Qt::Checked);
    }
    list->setCurrentRow(0);
    const auto move = [list](int delta) {
        const int row = list->currentRow();
        const int to = row + delta;
        if (row < 0 || to < 0 || to >= list->count())
            return;
        QListWidgetItem *item = list->takeItem(row);
        list->insertItem(to, item);
        list->setCurrentRow(to);
    };
    auto *up = new QPushButton(tr("Move &up"), &dialog);
    auto *down = new QPushButton(tr("Move &down"), &dialog);
    connect(up, &QPushButton::clicked, &dialog, [move] { move(-1); });
    connect(down, &QPushButton::clicked, &dialog, [move] { move(1); });
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto *side = new QVBoxLayout;
    side->addWidget(up);
    side->addWidget(down);
    side->addStretch(1);
    auto *row = new QHBoxLayout;
    row->addWidget(list, 1);
    row->addLayout(side);
    auto *layout = new QVBoxLayout(&dialog);
    layout->addWidget(new QLabel(tr("Tick the columns to show; drag or move them to order them."), &dialog));
    layout->addLayout(row);
    layout->addWidget(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    QList<int> order;
    for (int i = 0; i < list->count(); ++i)
        if (list->item(i)->checkState() == Qt::Checked)
            order << list->item(i)->data(Qt::UserRole).toInt();
    setColumnLayout(order);
}

QString TablePage::selectedRowsText() const
{
    QModelIndexList rows = m_view->selectionModel()->selectedRows();
    std::sort(rows.begin(), rows.end(), [](const QModelIndex &a, const QModelIndex &b) { return a.row() < b.row(); });
    const QList<int> columns = visibleColumns();
    QString out;
    for (const QModelIndex &index : std::as_const(rows)) {
        QStringList cells;
        for (int c : columns) {
            QString text = m_model->index(index.row(), c).data(Qt::DisplayRole).toString();
            // Tabs and line breaks inside a cell would split it in a spreadsheet.
            text.replace(u'\t', u' ').replace(u'\n', u' ').replace(u'\r', u' ');
            cells << text;
        }
        out += cells.join(u'\t') + u'\n';
    }
    return out;
}

void TablePage::copySelection()
{
    const QString text = selectedRowsText();
    if (!text.isEmpty())
        QGuiApplication::clipboard()->setText(text);
}

bool TablePage::isExporting() const
{
    return m_export && m_export->isRunning();
}

void TablePage::cancelExport()
{
    if (m_export)
        m_export->cancel();
}

bool TablePage::exportCsv(const QString &path, bool showProgress)
{
    if (isExporting())
        return false;
    if (!m_export) {
        m_export = new CsvExport(this);
        connect(m_export, &CsvExport::progress, this, [this](qint64 written, qint64 total) {
            if (!m_progress)
                return;
            if (total > 0) {
                // QProgressDialog takes int; scale to per mille so a million rows fit.
                m_progress->setMaximum(1000);
                m_progress->setValue(int(qMin<qint64>(1000, written * 1000 / total)));
            }
            m_progress->setLabelText(tr("Exported %1 rows…").arg(QLocale().toString(written)));
        });
        connect(m_export, &CsvExport::finished, this, [this](bool ok, const QString &error) {
            if (m_progress) {
                m_progress->reset();
                m_progress->hide();
            }
            Q_EMIT exportFinished(ok, error);
        });
    }
    QList<int> columns = visibleColumns();
    const SqlPagedModel::FilterFields fields = m_model->filterFields();
    // Amounts are plain decimals in the file, so their currency must travel with them.
    bool hasAmount = false;
    for (int c : fields.amountColumns)
        hasAmount = hasAmount || columns.contains(c);
    if (hasAmount && fields.currencyColumn >= 0 && !columns.contains(fields.currencyColumn))
        columns << fields.currencyColumn;
    QStringList headers;
    for (int c : std::as_const(columns))
        headers << m_model->headerData(c, Qt::Horizontal).toString();
    if (!m_export->start(m_model, columns, headers, path))
        return false;
    if (showProgress) {
        if (!m_progress) {
            m_progress = new QProgressDialog(this);
            m_progress->setWindowTitle(tr("Export to CSV"));
            m_progress->setWindowModality(Qt::WindowModal);
            m_progress->setMinimumDuration(300);
            m_progress->setAutoReset(false);
            m_progress->setAutoClose(false);
            connect(m_progress, &QProgressDialog::canceled, this, &TablePage::cancelExport);
        }
        m_progress->setLabelText(tr("Exporting…"));
        m_progress->setRange(0, 0);
        m_progress->setValue(0);
    }
    return true;
}

void TablePage::exportWithDialog()
{
    if (isExporting())
        return;
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    const QString suggested = dir + u'/' + objectName().remove(u"Page"_s) + u".csv"_s;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export to CSV"), suggested, tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    if (!exportCsv(path))
        QMessageBox::warning(this, tr("Export to CSV"),
                             tr("The file could not be written.\n%1").arg(m_export ? m_export->errorString() : QString()));
}

QStringList TablePage::savedViewNames() const
{
    QSettings settings;
    return SavedViews(objectName()).names(settings);
}

void TablePage::saveView(const QString &name)
{
    SavedView view;
    view.name = name;
    view.text = m_model->filterText();
    view.filter = m_model->typedFilter();
    view.sortColumn = m_model->sortColumn();
    view.sortOrder = m_model->sortOrder();
    view.headerState = m_view->horizontalHeader()->saveState();
    QSettings settings;
    SavedViews(objectName()).save(settings, view);
    reloadViewNames();
    m_views->setCurrentIndex(m_views->findText(name));
}

bool TablePage::loadView(const QString &name)
{
    QSettings settings;
    const std::optional<SavedView> view = SavedViews(objectName()).load(settings, name);
    if (!view)
        return false;
    m_filterTimer->stop();
    m_filter->setText(view->text);
    m_filterBar->setFilter(view->filter);
    QHeaderView *header = m_view->horizontalHeader();
    header->restoreState(view->headerState);
    m_model->setFilters(view->text, view->filter);
    // Sorting last: the header's indicator and the model agree whatever the state held.
    header->setSortIndicator(view->sortColumn, view->sortOrder);
    m_model->sort(view->sortColumn, view->sortOrder);
    const int index = m_views->findText(name);
    if (index >= 0)
        m_views->setCurrentIndex(index);
    return true;
}

bool TablePage::deleteView(const QString &name)
{
    QSettings settings;
    const bool removed = SavedViews(objectName()).remove(settings, name);
    reloadViewNames();
    return removed;
}

void TablePage::reloadViewNames()
{
    const QString current = m_views->currentIndex() > 0 ? m_views->currentText() : QString();
    m_views->clear();
    m_views->addItem(tr("Saved views"));
    m_views->addItems(savedViewNames());
    m_views->setCurrentIndex(qMax(0, m_views->findText(current)));
}

void TablePage::applyFilter(const QString &text)
{
    m_filterTimer->stop();
    if (m_filter->text() != text)
        m_filter->setText(text);
    m_model->setFilterText(text);
}

void TablePage::applyFilters(const QString &text, const SqlPagedModel::TypedFilter &typed)
{
    m_filterTimer->stop();
    if (m_filter->text() != text)
        m_filter->setText(text);
    m_filterBar->setFilter(typed);
    m_model->setFilters(text, typed);
}

void TablePage::showRecord(const QString &id)
{
    m_pendingFind = id;
    applyFilter(id);
    // When the filter was already `id`, the model did not reset; select among current rows.
    if (!m_pendingFind.isEmpty())
        restoreSelection();
}

void TablePage::focusFilter()
{
    m_filter->setFocus(Qt::ShortcutFocusReason);
    m_filter->selectAll();
}

QVariant TablePage::selectedKey() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QVariant() : rows.constFirst().data(SqlPagedModel::KeyRole);
}

void TablePage::saveState(QSettings &settings) const
{
    settings.setValue(u"splitter"_s, m_splitter->saveState());
    settings.setValue(u"header"_s, m_view->horizontalHeader()->saveState());
}

void TablePage::restoreState(const QSettings &settings)
{
    m_splitter->restoreState(settings.value(u"splitter"_s).toByteArray());
    m_view->horizontalHeader()->restoreState(settings.value(u"header"_s).toByteArray());
}

void TablePage::showColumnMenu(const QPoint &pos)
{
    QHeaderView *header = m_view->horizontalHeader();
    QMenu menu(this);
    menu.setTitle(tr("Columns"));
    const int visible = header->count() - header->hiddenSectionCount();
    for (int visual = 0; visual < header->count(); ++visual) {
        const int c = header->logicalIndex(visual);
        QAction *action = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
        action->setCheckable(true);
        action->setChecked(!header->isSectionHidden(c));
        action->setEnabled(header->isSectionHidden(c) || visible > 1); // keep one column
        connect(action, &QAction::toggled, header, [header, c](bool on) { header->setSectionHidden(c, !on); });
    }
    menu.addSeparator();
    connect(menu.addAction(tr("Choose and order columns…")), &QAction::triggered, this, &TablePage::chooseColumns);
    menu.exec(header->viewport()->mapToGlobal(pos));
}

void TablePage::scheduleFilter()
{
    m_filterTimer->start();
}

void TablePage::rememberSelection()
{
    m_pendingKey = selectedKey();
}

void TablePage::restoreSelection()
{
    int row = -1;
    if (!m_pendingFind.isEmpty()) {
        for (int r = 0; r < m_model->rowCount(); ++r) {
            if (m_model->index(r, identifierColumn()).data(SqlPagedModel::SortRole).toString() == m_pendingFind) {
                row = r;
                break;
            }
        }
        m_pendingFind.clear();
    } else {
        row = m_model->rowForKey(m_pendingKey);
    }
    m_pendingKey = QVariant();
    if (row >= 0) {
        m_view->selectRow(row);
        m_view->scrollTo(m_model->index(row, 0), QAbstractItemView::EnsureVisible);
    }
    updateDetail();
    updateState();
}

void TablePage::updateState()
{
    const qint64 loaded = m_model->rowCount();
    const QString error = m_model->lastError();
    if (!error.isEmpty() && loaded == 0) {
        m_empty->setText(tr("The store could not be read.\n%1").arg(error));
    } else if (loaded == 0 && m_model->isFiltered()) {
        m_empty->setText(noMatchText(m_model->filterText().isEmpty() ? tr("the chosen filters")
                                                                     : m_model->filterText()));
    } else if (loaded == 0) {
        m_empty->setText(emptyStoreText());
    }
    m_tableStack->setCurrentWidget(loaded == 0 ? static_cast<QWidget *>(m_empty) : m_view);
    // With no rows there is nothing to select, so the detail pane would only add noise.
    m_detail->setVisible(loaded > 0);
    if (m_model->matchingCount() >= 0 && m_model->totalCount() >= 0)
        m_count->setText(countText(loaded, m_model->matchingCount(), m_model->totalCount(), m_model->isFiltered()));
    else if (m_model->isCounting() && loaded > 0)
        m_count->setText(tr("Showing %1 · counting…").arg(QLocale().toString(loaded)));
    else
        m_count->setText(QString());
}

void TablePage::updateDetail()
{
    const QVariant key = selectedKey();
    if (!key.isValid()) {
        m_detail->setHtml(u"<p align=\"center\" style=\"color:"_s + mutedColor() + u";\"><br><br>"_s
                          + noSelectionText().toHtmlEscaped() + u"</p>"_s);
        return;
    }
    m_detail->setHtml(detailHtml(key));
}

void TablePage::onLinkClicked(const QUrl &url)
{
    if (const QString order = RecordDetails::orderFromLink(url); !order.isEmpty())
        Q_EMIT orderLinkActivated(order);
    else if (const QString transaction = RecordDetails::transactionFromLink(url); !transaction.isEmpty())
        Q_EMIT transactionLinkActivated(transaction);
}

QString TablePage::mutedColor() const
{
    return palette().color(QPalette::PlaceholderText).name();
}

} // namespace pb::ui
