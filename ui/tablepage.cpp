#include "tablepage.h"

#include "recorddetails.h"
#include "sqlpagedmodel.h"

#include <QHBoxLayout>
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
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
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

    auto *top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addSpacing(12);
    top->addWidget(m_count);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    layout->addLayout(top);
    layout->addWidget(m_splitter, 1);

    setTabOrder(m_filter, m_view);
    setTabOrder(m_view, m_detail);

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
    updateState();
    updateDetail();
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

void TablePage::applyFilter(const QString &text)
{
    m_filterTimer->stop();
    if (m_filter->text() != text)
        m_filter->setText(text);
    m_model->setFilterText(text);
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
    for (int c = 0; c < m_model->columnCount(); ++c) {
        QAction *action = menu.addAction(m_model->headerData(c, Qt::Horizontal).toString());
        action->setCheckable(true);
        action->setChecked(!header->isSectionHidden(c));
        action->setEnabled(header->isSectionHidden(c) || visible > 1); // keep one column
        connect(action, &QAction::toggled, header, [header, c](bool on) { header->setSectionHidden(c, !on); });
    }
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
        m_empty->setText(noMatchText(m_model->filterText()));
    } else if (loaded == 0) {
        m_empty->setText(emptyStoreText());
    }
    m_tableStack->setCurrentWidget(loaded == 0 ? static_cast<QWidget *>(m_empty) : m_view);
    // With no rows there is nothing to select, so the detail pane would only add noise.
    m_detail->setVisible(loaded > 0);
    m_count->setText(m_model->matchingCount() < 0
                         ? QString()
                         : countText(loaded, m_model->matchingCount(), m_model->totalCount(), m_model->isFiltered()));
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
