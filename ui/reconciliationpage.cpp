#include "reconciliationpage.h"

#include "access/permissions.h"
#include "displayformat.h"
#include "erp/dayposting.h"
#include "erp/sinkfactory.h"
#include "mapping/mappingprofile.h"
#include "mapping/mappingstore.h"
#include "net/httptransport.h"
#include "profile/profilestore.h"
#include "reconcile/matcher.h"
#include "reconciliationdialog.h"
#include "reconciliationmodel.h"
#include "reconciliationreport.h"
#include "storetask.h"
#include "sync/syncservice.h"

#include <QAction>
#include <QComboBox>
#include <QDateEdit>
#include <QEventLoop>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QStandardPaths>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSet>
#include <QSplitter>
#include <QSqlQuery>
#include <QStackedWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QTextDocumentFragment>
#include <QTimer>
#include <QTimeZone>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// A push button that mirrors an action (enabled state, tooltip) and triggers it: buttons take
// Alt mnemonics, actions keep one place for the rules.
QPushButton *buttonFor(QAction *action)
{
    auto *button = new QPushButton(action->text());
    button->setObjectName(action->objectName() + u"Button"_s);
    button->setEnabled(action->isEnabled());
    button->setToolTip(action->toolTip());
    QObject::connect(button, &QPushButton::clicked, action, &QAction::trigger);
    QObject::connect(action, &QAction::changed, button, [button, action] {
        button->setEnabled(action->isEnabled());
        button->setToolTip(action->toolTip());
    });
    return button;
}

QString moneyText(qint64 minor, const QString &currency)
{
    return Format::money(minor, currency);
}

// The Pacific batch day before today: what finance usually reconciles in the morning.
QDate yesterdayOnBatchClock()
{
    const QTimeZone pacific("America/Los_Angeles");
    return QDateTime::currentDateTimeUtc().toTimeZone(pacific.isValid() ? pacific : QTimeZone::utc()).date().addDays(-1);
}

} // namespace

ReconciliationPage::ReconciliationPage(QWidget *parent)
    : QWidget(parent)
    , m_progressValue(std::make_shared<std::atomic_int>(0))
    , m_cancel(std::make_shared<std::atomic_bool>(false))
{
    setObjectName(u"reconciliationPage"_s);
    setAccessibleName(tr("Reconciliation"));
    buildUi();
    loadRun();
}

ReconciliationPage::~ReconciliationPage()
{
    // A run in flight stops at its next checkpoint; its result is dropped with this page.
    m_cancel->store(true);
    m_model->setDatabase(QSqlDatabase());
}

void ReconciliationPage::buildUi()
{
    auto *layout = new QVBoxLayout(this);

    // The day and what can be done with it.
    auto *top = new QHBoxLayout;
    auto *dayLabel = new QLabel(tr("Batch &day:"));
    m_date = new QDateEdit;
    m_date->setObjectName(u"dayEdit"_s);
    m_date->setCalendarPopup(true);
    m_date->setDisplayFormat(u"yyyy-MM-dd"_s);
    m_date->setDate(yesterdayOnBatchClock());
    m_date->setToolTip(tr("PayTrace batch day (Pacific time, the batch clock)"));
    dayLabel->setBuddy(m_date);
    m_reconcile = new QPushButton(tr("&Reconcile"));
    m_reconcile->setObjectName(u"reconcileButton"_s);
    m_reconcile->setToolTip(tr("Match the day's settlement lines against PayTrace and Magento (F5)"));
    m_reconcile->setShortcut(QKeySequence(Qt::Key_F5));
    m_progress = new QProgressBar;
    m_progress->setObjectName(u"reconcileProgress"_s);
    m_progress->setRange(0, 100);
    m_progress->setMaximumWidth(220);
    m_progress->setVisible(false);
    m_export = new QPushButton(tr("E&xport…"));
    m_export->setObjectName(u"exportButton"_s);
    m_export->setToolTip(tr("The day's reconciliation as CSV or a PDF report to sign"));
    m_post = new QPushButton(tr("&Post journal"));
    m_post->setObjectName(u"postJournalButton"_s);
    top->addWidget(dayLabel);
    top->addWidget(m_date);
    top->addWidget(m_reconcile);
    top->addWidget(m_progress);
    top->addStretch(1);
    top->addWidget(m_export);
    top->addWidget(m_post);
    layout->addLayout(top);

    // The header: state, run facts, totals per currency, open work per class.
    auto *header = new QFrame;
    header->setObjectName(u"reconciliationHeader"_s);
    header->setFrameShape(QFrame::StyledPanel);
    auto *headerLayout = new QHBoxLayout(header);
    auto *left = new QVBoxLayout;
    m_state = new QLabel;
    m_state->setObjectName(u"dayState"_s);
    QFont big = m_state->font();
    big.setPointSizeF(big.pointSizeF() * 1.4);
    big.setBold(true);
    m_state->setFont(big);
    m_runInfo = new QLabel;
    m_runInfo->setObjectName(u"runInfo"_s);
    m_runInfo->setWordWrap(true);
    m_runInfo->setTextInteractionFlags(Qt::TextSelectableByMouse);
    left->addWidget(m_state);
    left->addWidget(m_runInfo);
    left->addStretch(1);
    headerLayout->addLayout(left, 2);
    m_totalsBox = new QWidget;
    m_totalsBox->setObjectName(u"totals"_s);
    m_totalsGrid = new QGridLayout(m_totalsBox);
    m_totalsGrid->setContentsMargins(0, 0, 0, 0);
    m_totalsGrid->setHorizontalSpacing(18);
    headerLayout->addWidget(m_totalsBox, 3);
    layout->addWidget(header);

    m_classBox = new QWidget;
    m_classButtons = new QHBoxLayout(m_classBox);
    m_classButtons->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_classBox);

    // Filters.
    auto *filters = new QHBoxLayout;
    m_stateFilter = new QComboBox;
    m_stateFilter->setObjectName(u"stateFilter"_s);
    m_stateFilter->addItem(tr("Open"), u"open"_s);
    m_stateFilter->addItem(tr("Resolved"), u"resolved"_s);
    m_stateFilter->addItem(tr("Set aside"), u"none"_s);
    m_stateFilter->addItem(tr("All"), QString());
    m_classFilter = new QComboBox;
    m_classFilter->setObjectName(u"classFilter"_s);
    m_classFilter->addItem(tr("All classes"), QString());
    for (const auto c : reconcile::kAllDiscrepancyClasses)
        m_classFilter->addItem(ReconciliationModel::className(reconcile::className(c)), reconcile::className(c));
    auto *stateLabel = new QLabel(tr("&Show:"));
    stateLabel->setBuddy(m_stateFilter);
    auto *classLabel = new QLabel(tr("C&lass:"));
    classLabel->setBuddy(m_classFilter);
    filters->addWidget(stateLabel);
    filters->addWidget(m_stateFilter);
    filters->addWidget(classLabel);
    filters->addWidget(m_classFilter);
    filters->addStretch(1);
    layout->addLayout(filters);

    // The rows and the detail of the current one; an empty state when the day has no run.
    m_model = new ReconciliationModel(this);
    m_table = new QTableView;
    m_table->setObjectName(u"reconciliationTable"_s);
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->setVisible(false);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAccessibleName(tr("Discrepancies"));
    const int widths[] = {50, 70, 210, 220, 60, 100, 100, 100, 110, 160};
    for (int c = 0; c < ReconciliationModel::ColumnCount; ++c)
        m_table->setColumnWidth(c, widths[c]);
    m_detail = new QTextBrowser;
    m_detail->setObjectName(u"itemDetail"_s);
    m_detail->setAccessibleName(tr("Item detail"));
    m_detail->setOpenLinks(false);

    auto *splitter = new QSplitter(Qt::Vertical);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(m_table);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);

    m_empty = new QLabel;
    m_empty->setObjectName(u"emptyState"_s);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_body = new QStackedWidget;
    m_body->addWidget(m_empty);
    m_body->addWidget(splitter);
    layout->addWidget(m_body, 1);

    // Resolutions.
    auto makeAction = [this](const QString &name, const QString &text, const QString &tip) {
        auto *a = new QAction(text, this);
        a->setObjectName(name);
        a->setToolTip(tip);
        addAction(a);
        return a;
    };
    m_accept = makeAction(u"acceptAction"_s, tr("&Accept…"), tr("The difference is understood and needs no booking"));
    m_link = makeAction(u"linkAction"_s, tr("Lin&k…"), tr("Link the item by hand to a transaction or an order"));
    m_writeOff = makeAction(u"writeOffAction"_s, tr("&Write off…"), tr("Book the difference to an ERP account"));
    m_refund = makeAction(u"refundAction"_s, tr("Create re&fund…"), tr("Refund the order through PayTrace and Magento"));
    m_creditMemo = makeAction(u"creditMemoAction"_s, tr("Create &credit memo…"),
                              tr("Record in Magento a refund PayTrace already made"));
    m_reopenAction = makeAction(u"reopenAction"_s, tr("Re&open…"), tr("Open resolved items again"));
    connect(m_accept, &QAction::triggered, this, [this] { openResolve(reconcile::ResolutionKind::Accept); });
    connect(m_link, &QAction::triggered, this, [this] { openResolve(reconcile::ResolutionKind::Link); });
    connect(m_writeOff, &QAction::triggered, this, [this] { openResolve(reconcile::ResolutionKind::WriteOff); });
    connect(m_refund, &QAction::triggered, this, [this] { openResolve(reconcile::ResolutionKind::Refund); });
    connect(m_creditMemo, &QAction::triggered, this, [this] { openResolve(reconcile::ResolutionKind::CreditMemo); });
    connect(m_reopenAction, &QAction::triggered, this, &ReconciliationPage::openReopen);
    auto *actions = new QHBoxLayout;
    actions->addWidget(new QLabel(tr("Resolve selected:")));
    for (QAction *a : {m_accept, m_link, m_writeOff, m_refund, m_creditMemo})
        actions->addWidget(buttonFor(a));
    actions->addSpacing(12);
    actions->addWidget(buttonFor(m_reopenAction));
    actions->addStretch(1);
    layout->addLayout(actions);

    m_message = new QLabel;
    m_message->setObjectName(u"pageMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    m_progressTimer = new QTimer(this);
    m_progressTimer->setInterval(100);
    connect(m_progressTimer, &QTimer::timeout, this, [this] { m_progress->setValue(m_progressValue->load()); });

    connect(m_reconcile, &QPushButton::clicked, this, [this] { reconcile(); });
    connect(m_post, &QPushButton::clicked, this, [this] { postJournal(); });
    connect(m_export, &QPushButton::clicked, this, &ReconciliationPage::askExportPath);
    connect(m_date, &QDateEdit::dateChanged, this, [this] {
        m_dayChosen = true;
        loadRun();
    });
    connect(m_stateFilter, &QComboBox::currentIndexChanged, this, &ReconciliationPage::applyFilter);
    connect(m_classFilter, &QComboBox::currentIndexChanged, this, &ReconciliationPage::applyFilter);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateDetail();
        updateActions();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ReconciliationPage::updateDetail);
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        updateDetail();
        updateActions();
    });
    connect(m_model, &ReconciliationModel::loadFailed, this,
            [this](const QString &message) { showMessage(tr("Reading the items failed: %1").arg(message), true); });
    applyFilter();
}

void ReconciliationPage::setDatabase(const QSqlDatabase &db, const QString &databasePath)
{
    m_db = db;
    m_databasePath = databasePath;
    m_model->setDatabase(db);
    if (!m_dayChosen)
        if (const auto d = defaultDay()) {
            const QSignalBlocker block(m_date);
            m_date->setDate(*d);
        }
    refresh();
}

void ReconciliationPage::setContext(pb::sync::SyncService *sync, const QString &actor, const QString &profileName)
{
    m_sync = sync;
    m_actor = actor;
    m_profileName = profileName;
    refresh();
}

QDate ReconciliationPage::day() const
{
    return m_date->date();
}

void ReconciliationPage::setDay(QDate day)
{
    m_dayChosen = true;
    if (m_date->date() == day)
        loadRun();
    else
        m_date->setDate(day); // dateChanged reloads
}

// Where finance picks up: the last day reconciled while it still has open items; else the next
// day the settlement report covers that was not reconciled yet; else the last day reconciled;
// else yesterday (nullopt).
std::optional<QDate> ReconciliationPage::defaultDay() const
{
    if (!m_db.isValid() || !m_db.isOpen())
        return std::nullopt;
    QSqlQuery q(m_db);
    QDate last;
    if (q.exec(u"SELECT date_from FROM reconciliation_runs WHERE scope_kind = 'day' ORDER BY finished_at DESC LIMIT 1"_s)
        && q.next())
        last = QDate::fromString(q.value(0).toString(), Qt::ISODate);
    if (last.isValid()) {
        QSqlDatabase db = m_db; // a handle on the same connection: the store wants a mutable one
        reconcile::ReconciliationStore store(db);
        if (const auto closed = store.isDayClosed(last); closed && !closed.value())
            return last;
    }
    q.prepare(u"SELECT MIN(settled_on) FROM settlement_lines WHERE settled_on > ? AND settled_on <= ?"
              " AND settled_on NOT IN (SELECT date_from FROM reconciliation_runs WHERE scope_kind = 'day')"_s);
    q.addBindValue(last.isValid() ? last.toString(Qt::ISODate) : QString(u""_s));
    q.addBindValue(yesterdayOnBatchClock().toString(Qt::ISODate));
    if (q.exec() && q.next())
        if (const QDate d = QDate::fromString(q.value(0).toString(), Qt::ISODate); d.isValid())
            return d;
    if (last.isValid())
        return last;
    return std::nullopt;
}

void ReconciliationPage::refresh()
{
    // Rights: the same gate the command line uses, read on the window's connection.
    m_canResolve = m_canPost = false;
    m_whyNot.clear();
    if (m_db.isValid() && m_db.isOpen() && !m_actor.isEmpty()) {
        access::Permissions permissions(m_db);
        if (const auto op = permissions.operatorFor(m_actor)) {
            const Status resolve = permissions.check(*op, access::Action::ReconcileResolve);
            const Status post = permissions.check(*op, access::Action::PostJournal);
            m_canResolve = resolve.ok();
            m_canPost = post.ok();
            if (!resolve)
                m_whyNot = resolve.error().message;
        } else {
            m_whyNot = op.error().message;
        }
    } else if (m_actor.isEmpty()) {
        m_whyNot = tr("The acting operator is not known.");
    }
    loadRun();
}

void ReconciliationPage::loadRun()
{
    m_summary.reset();
    if (m_db.isValid() && m_db.isOpen()) {
        reconcile::ReconciliationStore store(m_db);
        const auto run = store.run(reconcile::ReconcileScope::day(day()).key());
        if (!run)
            showMessage(tr("Reading the reconciliation failed: %1").arg(run.error().toString()), true);
        else
            m_summary = run.value();
    }
    const qint64 runId = m_summary ? m_summary->runId : 0;
    const QList<qint64> keep = selectedIds();
    if (m_model->runId() != runId)
        m_model->setRun(runId);
    else
        m_model->refresh();
    selectItems(keep);
    updateHeader();
    updateClassButtons();
    updateActions();
    updateDetail();
}

void ReconciliationPage::updateHeader()
{
    while (QLayoutItem *item = m_totalsGrid->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const QString dayText = QLocale().toString(day(), QLocale::LongFormat);
    if (!m_summary) {
        m_state->setText(tr("Not reconciled"));
        m_state->setStyleSheet(QString());
        m_runInfo->setText(tr("%1 has no reconciliation yet.").arg(dayText));
        m_empty->setText(m_db.isValid() && m_db.isOpen()
                             ? tr("No reconciliation for %1 yet.\n\nPress Reconcile (F5) to match the day's settlement "
                                  "lines against PayTrace and Magento.").arg(dayText)
                             : tr("No store yet: run a sync first."));
        m_body->setCurrentIndex(0);
        return;
    }
    const auto &s = *m_summary;
    if (s.closed()) {
        m_state->setText(tr("Day closed"));
        m_state->setStyleSheet(u"color: #1b7f3b;"_s);
    } else {
        m_state->setText(tr("%n open", nullptr, int(s.open)));
        m_state->setStyleSheet(u"color: #b3261e;"_s);
    }
    m_runInfo->setText(tr("%1 · pass %2, by %3 at %4\n%5 settlement lines, %6 transactions, %7 orders\n"
                          "%8 matched · %9 discrepancies · %10 set aside")
                           .arg(dayText).arg(s.generation)
                           .arg(s.runBy, Format::dateTime(s.finishedAt.toMSecsSinceEpoch()))
                           .arg(s.linesRead).arg(s.transactionsRead).arg(s.ordersRead)
                           .arg(s.matched).arg(s.discrepancies).arg(s.setAside));
    const QStringList heads = {tr("Currency"), tr("Expected"), tr("Settled"), tr("Fees and adjustments"),
                               tr("Deposited"), tr("Settled − expected")};
    for (int c = 0; c < heads.size(); ++c) {
        auto *h = new QLabel(u"<b>%1</b>"_s.arg(heads[c].toHtmlEscaped()));
        h->setAlignment(c == 0 ? Qt::AlignLeft : Qt::AlignRight);
        m_totalsGrid->addWidget(h, 0, c);
    }
    int row = 1;
    for (auto it = s.totals.cbegin(); it != s.totals.cend(); ++it, ++row) {
        const QString code = it.key();
        const qint64 values[] = {it->expected, it->settled, it->fees, it->deposited, it->settled - it->expected};
        m_totalsGrid->addWidget(new QLabel(code), row, 0);
        for (int c = 0; c < 5; ++c) {
            auto *v = new QLabel(moneyText(values[c], code));
            v->setAlignment(Qt::AlignRight);
            v->setTextInteractionFlags(Qt::TextSelectableByMouse);
            if (c == 4 && values[c] != 0 && !s.closed()) // explained once the day is closed
                v->setStyleSheet(u"color: #b3261e;"_s);
            m_totalsGrid->addWidget(v, row, c + 1);
        }
    }
    if (s.totals.isEmpty())
        m_totalsGrid->addWidget(new QLabel(tr("No amounts in this run.")), 1, 0, 1, 6);
    m_totalsGrid->setRowStretch(row + 1, 1);
    m_body->setCurrentIndex(1);
    if (m_model->rowCount() == 0)
        m_detail->setPlainText(s.closed() ? tr("Nothing is open on this day. Show “Resolved”, “Set aside” or “All” "
                                               "to see the resolutions and the rows set aside with their reasons.")
                                          : tr("No items match the filter."));
}

void ReconciliationPage::updateClassButtons()
{
    while (QLayoutItem *item = m_classButtons->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (!m_summary || m_summary->openByClass.isEmpty()) {
        m_classBox->setVisible(false);
        return;
    }
    m_classBox->setVisible(true);
    m_classButtons->addWidget(new QLabel(tr("Open by class:")));
    auto add = [this](const QString &text, const QString &cls) {
        auto *b = new QPushButton(text);
        b->setFlat(false);
        b->setCheckable(true);
        b->setChecked(m_stateFilter->currentData().toString() == u"open" && m_classFilter->currentData().toString() == cls);
        b->setToolTip(tr("Show these open items"));
        connect(b, &QPushButton::clicked, this, [this, cls] {
            m_stateFilter->setCurrentIndex(m_stateFilter->findData(u"open"_s));
            m_classFilter->setCurrentIndex(m_classFilter->findData(cls));
        });
        m_classButtons->addWidget(b);
    };
    add(tr("All: %1").arg(m_summary->open), QString());
    for (auto it = m_summary->openByClass.cbegin(); it != m_summary->openByClass.cend(); ++it)
        add(tr("%1: %2").arg(ReconciliationModel::className(it.key())).arg(it.value()), it.key());
    m_classButtons->addStretch(1);
}

void ReconciliationPage::applyFilter()
{
    m_model->setFilter(m_stateFilter->currentData().toString(), m_classFilter->currentData().toString());
    updateClassButtons();
    updateActions();
}

QList<qint64> ReconciliationPage::selectedIds() const
{
    QList<qint64> ids;
    if (!m_table || !m_table->selectionModel())
        return ids;
    for (const QModelIndex &i : m_table->selectionModel()->selectedRows())
        ids << m_model->record(i.row()).id;
    std::sort(ids.begin(), ids.end());
    return ids;
}

void ReconciliationPage::selectItems(const QList<qint64> &ids)
{
    QItemSelection selection;
    for (qint64 id : ids) {
        const int row = m_model->rowOfId(id);
        if (row >= 0)
            selection.select(m_model->index(row, 0), m_model->index(row, ReconciliationModel::ColumnCount - 1));
    }
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (!selection.isEmpty())
        m_table->selectionModel()->setCurrentIndex(selection.first().topLeft(), QItemSelectionModel::NoUpdate);
}

void ReconciliationPage::updateActions()
{
    QList<const reconcile::ItemRecord *> selected;
    for (const QModelIndex &i : m_table->selectionModel()->selectedRows())
        selected << &m_model->record(i.row());
    int open = 0, resolved = 0;
    QSet<QString> currencies;
    for (const auto *r : selected) {
        open += r->state == u"open" ? 1 : 0;
        resolved += r->state == u"resolved" ? 1 : 0;
        currencies.insert(r->currency);
    }
    const bool allOpen = !selected.isEmpty() && open == selected.size();
    const QString noRight = m_whyNot.isEmpty() ? tr("Only finance operators resolve discrepancies.")
                                               : tr("Only finance operators resolve discrepancies: %1").arg(m_whyNot);
    auto gate = [&](QAction *a, bool fits, const QString &tip, const QString &whyNot) {
        a->setEnabled(!m_busy && m_canResolve && fits);
        a->setToolTip(!m_canResolve ? noRight : fits ? tip : whyNot);
    };
    const QString selectOpen = tr("Select one or more open items first.");
    gate(m_accept, allOpen, tr("The difference is understood and needs no booking"), selectOpen);
    gate(m_link, allOpen, tr("Link the items by hand to a transaction or an order"), selectOpen);
    gate(m_writeOff, allOpen && currencies.size() == 1, tr("Book the difference to an ERP account"),
         currencies.size() > 1 ? tr("Write off items of one currency at a time.") : selectOpen);
    const bool oneOrder = allOpen && selected.size() == 1 && !selected.first()->incrementId.isEmpty();
    gate(m_refund, oneOrder && m_sync, tr("Refund the order through PayTrace and Magento, then resolve the item"),
         !m_sync ? tr("Refunds need the connection to PayTrace and Magento.")
                 : tr("Select one open item that names a Magento order."));
    gate(m_creditMemo, oneOrder && m_sync,
         tr("Record in Magento, as an offline credit memo, a refund PayTrace already made; then resolve the item"),
         !m_sync ? tr("Credit memos need the connection to Magento.")
                 : tr("Select one open item that names a Magento order."));
    gate(m_reopenAction, !selected.isEmpty() && resolved == selected.size(), tr("Open resolved items again"),
         tr("Select resolved items to reopen them."));

    const bool haveStore = !m_databasePath.isEmpty() && m_db.isValid() && m_db.isOpen();
    m_reconcile->setEnabled(haveStore && !m_busy && m_canResolve);
    m_reconcile->setToolTip(m_canResolve ? tr("Match the day's settlement lines against PayTrace and Magento (F5)")
                                         : tr("Only finance operators reconcile; you can read the results."));
    const bool closed = m_summary && m_summary->closed();
    m_post->setEnabled(haveStore && !m_busy && m_canPost && closed);
    m_post->setToolTip(!m_canPost ? tr("Only finance operators post journals.")
                       : !m_summary ? tr("Reconcile the day first.")
                       : !closed    ? tr("Resolve every open item first: a day's journal is posted once it is closed.")
                                    : tr("Book the day to the ERP. Entries already posted are not posted again."));
    m_export->setEnabled(haveStore && m_summary.has_value());
}

void ReconciliationPage::updateDetail()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    const int selected = int(m_table->selectionModel()->selectedRows().size());
    if (!current.isValid() || selected == 0) {
        if (m_summary)
            m_detail->setPlainText(m_model->rowCount() == 0
                                       ? (m_summary->closed()
                                              ? tr("Nothing is open on this day. Show “Resolved”, “Set aside” or “All” "
                                                   "to see the resolutions and the rows set aside with their reasons.")
                                              : tr("No items match the filter."))
                                       : tr("Select an item to see why it was flagged."));
        return;
    }
    const auto &r = m_model->record(current.row());
    auto esc = [](const QString &s) { return s.toHtmlEscaped(); };
    QString html;
    html += u"<h3>"_s + esc(tr("Item %1 · %2").arg(r.id).arg(r.cls ? ReconciliationModel::className(reconcile::className(*r.cls))
                                                                  : ReconciliationModel::className(QString())))
          + u"</h3>"_s;
    if (selected > 1)
        html += u"<p><i>"_s + esc(tr("%n items selected; this is the current one.", nullptr, selected)) + u"</i></p>"_s;
    html += u"<p>"_s + esc(r.explanation) + u"</p>"_s;
    // Facts as short "label: value" runs, one paragraph per kind, so the pane stays readable
    // at the height of a few lines.
    auto line = [&](const QList<std::pair<QString, QString>> &facts) {
        QStringList parts;
        for (const auto &[k, v] : facts)
            if (!v.isEmpty())
                parts << u"<b>"_s + esc(k) + u"</b> "_s + esc(v);
        if (!parts.isEmpty())
            html += u"<p>"_s + parts.join(u" · "_s) + u"</p>"_s;
    };
    auto amount = [&](const std::optional<qint64> &minor) {
        return minor ? QString(moneyText(*minor, r.currency) + u' ' + r.currency) : QString();
    };
    line({{tr("Rule"), r.rule},
          {tr("Order"), r.incrementId},
          {tr("Transaction"), r.transactionId},
          {tr("Batch"), r.batch},
          {tr("Settlement line"), r.settlementLineId > 0 ? QString::number(r.settlementLineId) : QString()}});
    line({{tr("Expected"), amount(r.expectedMinor)},
          {tr("Found"), amount(r.actualMinor)},
          {tr("Difference"), r.expectedMinor && r.actualMinor ? amount(*r.actualMinor - *r.expectedMinor) : QString()}});
    if (r.resolution) {
        line({{tr("Resolution"), ReconciliationModel::resolutionText(reconcile::resolutionName(*r.resolution))},
              {tr("By"), r.resolvedBy},
              {tr("When"), r.resolvedAt.isValid() ? Format::dateTimeLong(r.resolvedAt.toMSecsSinceEpoch()) : QString()}});
        line({{tr("Written off"), r.writeOff ? QString(moneyText(r.writeOff->minor(), r.currency) + u' ' + r.currency
                                                       + u" → "_s + r.writeOffAccount)
                                             : QString()},
              {tr("Linked to"), r.linkedRef}});
    } else {
        line({{tr("State"), ReconciliationModel::stateText(r.state)}});
    }
    line({{tr("Note"), r.note}});
    m_detail->setHtml(html);
}

QString ReconciliationPage::stateText() const
{
    return m_state->text();
}

QString ReconciliationPage::totalsText() const
{
    QStringList rows;
    for (int r = 0; r < m_totalsGrid->rowCount(); ++r) {
        QStringList cells;
        for (int c = 0; c < m_totalsGrid->columnCount(); ++c)
            if (QLayoutItem *item = m_totalsGrid->itemAtPosition(r, c))
                if (auto *label = qobject_cast<QLabel *>(item->widget()))
                    cells << QTextDocumentFragment::fromHtml(label->text()).toPlainText();
        rows << cells.join(u" | "_s);
    }
    return rows.join(u'\n');
}

QString ReconciliationPage::detailText() const
{
    return m_detail->toPlainText();
}

QString ReconciliationPage::messageText() const
{
    return m_message->text();
}

void ReconciliationPage::showMessage(const QString &text, bool error)
{
    m_message->setText(text);
    m_message->setStyleSheet(error ? u"color: #b3261e;"_s : QString());
}

void ReconciliationPage::setBusy(bool busy, const QString &text)
{
    m_busy = busy;
    m_progress->setVisible(busy);
    m_progress->setValue(0);
    m_date->setEnabled(!busy);
    if (busy)
        m_progressTimer->start();
    else
        m_progressTimer->stop();
    if (!text.isEmpty())
        showMessage(text);
    updateActions();
}

QAction *ReconciliationPage::resolveAction(reconcile::ResolutionKind kind) const
{
    switch (kind) {
    case reconcile::ResolutionKind::Accept: return m_accept;
    case reconcile::ResolutionKind::Link: return m_link;
    case reconcile::ResolutionKind::WriteOff: return m_writeOff;
    case reconcile::ResolutionKind::Refund: return m_refund;
    case reconcile::ResolutionKind::CreditMemo: return m_creditMemo;
    }
    return nullptr;
}

bool ReconciliationPage::reconcile()
{
    if (m_busy || m_databasePath.isEmpty() || !m_canResolve)
        return false;
    const QDate d = day();
    const QString path = m_databasePath;
    const QString actor = m_actor;
    m_progressValue->store(0);
    m_cancel = std::make_shared<std::atomic_bool>(false);
    auto progress = m_progressValue;
    auto cancel = m_cancel;
    auto out = std::make_shared<reconcile::RunSummary>();
    setBusy(true, tr("Reconciling %1…").arg(d.toString(Qt::ISODate)));
    runStoreTask(this, path, true, [d, path, actor, progress, cancel, out](QSqlDatabase &db) -> Status {
        reconcile::MatchOptions options;
        options.now = QDateTime::currentDateTimeUtc();
        options.cancel = cancel.get();
        options.progress = [progress](int percent, const QString &) { progress->store(percent); };
        const auto result = reconcile::Matcher::run(path, reconcile::ReconcileScope::day(d), {}, options);
        if (!result)
            return result.error();
        reconcile::ReconciliationStore store(db);
        const auto saved = store.save(result.value(), actor, options.now);
        if (!saved)
            return saved.error();
        *out = saved.value();
        return {};
    }, [this, out, d](const Status &status) {
        setBusy(false, QString());
        if (!status) {
            const QString message = tr("Reconciling %1 failed: %2").arg(d.toString(Qt::ISODate), status.error().toString());
            showMessage(message, true);
            Q_EMIT reconcileFailed(message);
            return;
        }
        showMessage(tr("Reconciled %1: %2 matched, %3 discrepancies, %4 open.")
                        .arg(d.toString(Qt::ISODate)).arg(out->matched).arg(out->discrepancies).arg(out->open));
        loadRun();
        Q_EMIT reconciled(*out);
    });
    return true;
}

QStringList ReconciliationPage::erpAccounts(QString *defaultAccount, const QString &currency) const
{
    // The accounts of the mapping version the engine books with (docs/mapping.md): one indexed
    // row on the page's reader, like loadRun(). Unreadable: no account is offered rather than
    // one the engine would not use.
    QSqlDatabase db = m_db; // a handle on the same connection: the store wants a mutable one
    defaultAccount->clear();
    if (!db.isValid() || !db.isOpen())
        return {};
    const auto active = mapping::MappingStore(db).active();
    if (!active)
        return {};
    const mapping::MappingProfile &profile = active.value();
    const auto cur = Currency::fromCode(currency);
    QStringList accounts;
    for (const auto role : mapping::kAccountRoles) {
        const QString a = cur ? profile.account(role, *cur) : profile.erpAccounts().defaults.value(role);
        if (!a.isEmpty() && !accounts.contains(a))
            accounts << a;
    }
    *defaultAccount = cur ? profile.account(mapping::AccountRole::WriteOffs, *cur)
                          : profile.erpAccounts().defaults.value(mapping::AccountRole::WriteOffs);
    return accounts;
}

ReconciliationDialog *ReconciliationPage::openResolve(reconcile::ResolutionKind kind)
{
    QAction *action = resolveAction(kind);
    if (!action || !action->isEnabled())
        return nullptr;
    ReconciliationDialog::Setup setup;
    setup.mode = ReconciliationDialog::Mode::Resolve;
    setup.kind = kind;
    setup.itemIds = selectedIds();
    setup.actor = m_actor;
    setup.databasePath = m_databasePath;
    setup.sync = m_sync;
    QSet<QString> currencies;
    for (const QModelIndex &i : m_table->selectionModel()->selectedRows())
        currencies.insert(m_model->record(i.row()).currency);
    setup.currency = currencies.size() == 1 ? *currencies.cbegin() : QString();
    if (kind == reconcile::ResolutionKind::WriteOff)
        setup.accounts = erpAccounts(&setup.defaultAccount, setup.currency);
    if (kind == reconcile::ResolutionKind::Refund || kind == reconcile::ResolutionKind::CreditMemo) {
        const auto &r = m_model->record(m_table->selectionModel()->selectedRows().first().row());
        setup.orderIncrementId = r.incrementId;
        if (r.expectedMinor && r.actualMinor && *r.expectedMinor != *r.actualMinor)
            setup.refundMinor = std::abs(*r.actualMinor - *r.expectedMinor);
    }
    return openDialog(setup);
}

ReconciliationDialog *ReconciliationPage::openDialog(const ReconciliationDialog::Setup &setup)
{
    auto *dialog = new ReconciliationDialog(setup, this);
    connect(dialog, &ReconciliationDialog::applied, this, [this](int, const QString &summary) {
        showMessage(summary);
        loadRun();
        Q_EMIT itemsChanged();
    });
    dialog->open();
    return dialog;
}

ReconciliationDialog *ReconciliationPage::openReopen()
{
    if (!m_reopenAction->isEnabled())
        return nullptr;
    ReconciliationDialog::Setup setup;
    setup.mode = ReconciliationDialog::Mode::Reopen;
    setup.itemIds = selectedIds();
    setup.actor = m_actor;
    setup.databasePath = m_databasePath;
    return openDialog(setup);
}

void ReconciliationPage::askExportPath()
{
    // Window-modal and asynchronous: no nested event loop while the person picks a file.
    auto *dialog = new QFileDialog(this, tr("Export the reconciliation of %1").arg(day().toString(Qt::ISODate)));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setNameFilters({tr("PDF report (*.pdf)"), tr("CSV, one row per item (*.csv)")});
    dialog->setDefaultSuffix(u"pdf"_s);
    dialog->setDirectory(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation));
    dialog->selectFile(u"reconciliation-%1.pdf"_s.arg(day().toString(Qt::ISODate)));
    connect(dialog, &QFileDialog::filterSelected, dialog, [dialog](const QString &filter) {
        dialog->setDefaultSuffix(filter.contains(u"*.csv"_s) ? u"csv"_s : u"pdf"_s);
    });
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) { exportReport(path); });
    dialog->open();
}

bool ReconciliationPage::exportReport(const QString &path)
{
    const auto format = report::formatForPath(path);
    if (!m_summary || m_databasePath.isEmpty() || !format) {
        if (!format)
            showMessage(tr("Export to a file ending in .pdf or .csv."), true);
        return false;
    }
    report::Request request;
    request.storePath = m_databasePath;
    request.scopeKey = reconcile::ReconcileScope::day(day()).key();
    request.outputPath = path;
    request.format = *format;
    request.profileName = m_profileName;
    request.generatedAt = QDateTime::currentDateTimeUtc();
    showMessage(tr("Writing %1…").arg(QDir::toNativeSeparators(path)));
    auto *watcher = new QFutureWatcher<Status>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path] {
        const Status status = watcher->result();
        watcher->deleteLater();
        const QString message = status ? tr("Report written to %1.").arg(QDir::toNativeSeparators(path))
                                       : tr("The report was not written: %1").arg(status.error().toString());
        showMessage(message, !status);
        Q_EMIT reportWritten(status.ok(), message);
    });
    watcher->setFuture(report::startReconciliationReport(request));
    return true;
}

bool ReconciliationPage::postJournal()
{
    if (m_busy || !m_post->isEnabled())
        return false;
    const QDate d = day();
    const QString path = m_databasePath;
    const QString actor = m_actor;
    const QString profileName = m_profileName;
    const QString odooPassword = m_sync ? m_sync->config().secrets.value(u"odoo.password"_s) : QString();
    auto result = std::make_shared<erp::PostResult>();
    auto sinkKind = std::make_shared<QString>();
    setBusy(true, tr("Posting the journal of %1…").arg(d.toString(Qt::ISODate)));
    m_progress->setRange(0, 0); // no steps to count: a busy bar
    runStoreTask(this, path, false, [d, path, actor, profileName, odooPassword, result, sinkKind](QSqlDatabase &db) -> Status {
        // The gate again, on fresh data: the right to post and a closed day.
        access::Permissions permissions(db);
        const auto op = permissions.operatorFor(actor);
        if (!op)
            return op.error();
        if (Status allowed = permissions.check(*op, access::Action::PostJournal); !allowed)
            return allowed;
        const reconcile::ReconciliationStore results(db);
        const auto closed = results.isDayClosed(d);
        if (!closed)
            return closed.error();
        if (!closed.value())
            return makeError(u"reconcile.open"_s, u"day"_s, u"the day is not closed"_s);
        // The active mapping version, read now on this connection (docs/mapping.md).
        const auto activeMapping = mapping::MappingStore(db).active();
        if (!activeMapping)
            return activeMapping.error();
        const auto entries = erp::dayJournalFromStore(db, d, activeMapping.value());
        if (!entries)
            return entries.error();

        // The profile's sink; without a saved profile, the ledger file beside the store.
        erp::SinkOptions options;
        profile::ProfileStore profiles;
        if (profiles.load())
            if (const auto p = profiles.find(profileName))
                options.settings = p->erp;
        options.dataDirectory = QFileInfo(path).absolutePath();
        options.odooPassword = odooPassword;
        net::HttpTransport transport;
        if (options.settings.sink == u"odoo")
            options.transport = &transport;
        *sinkKind = options.settings.sink;
        auto sink = erp::makeSink(options);
        if (!sink)
            return sink.error();
        // This is a pool thread, not the GUI's: waiting here for the Odoo answer re-enters nothing.
        std::optional<Result<erp::PostResult>> answer;
        QEventLoop loop;
        QObject context;
        sink.value()->post(entries.value(), &context, [&](const Result<erp::PostResult> &r) {
            answer.emplace(r);
            loop.quit();
        });
        if (!answer)
            loop.exec();
        if (!*answer)
            return answer->error();
        *result = answer->value();
        return {};
    }, [this, d, result, sinkKind](const Status &status) {
        m_progress->setRange(0, 100);
        setBusy(false, QString());
        if (!status) {
            const QString message = status.error().code == u"reconcile.open"
                ? tr("The journal of %1 was not posted: the day has open items.").arg(d.toString(Qt::ISODate))
                : tr("Posting the journal of %1 failed: %2").arg(d.toString(Qt::ISODate), status.error().toString());
            showMessage(message, true);
            Q_EMIT journalPosted(false, message);
            return;
        }
        QString message = result->posted.isEmpty()
            ? tr("Journal of %1 (%2): nothing new to post; %n entries were posted before.", nullptr,
                 int(result->alreadyPosted.size())).arg(d.toString(Qt::ISODate), *sinkKind)
            : QString(tr("Journal of %1 (%2): %n entries posted", nullptr, int(result->posted.size()))
                          .arg(d.toString(Qt::ISODate), *sinkKind)
                      + (result->alreadyPosted.isEmpty()
                             ? QString()
                             : tr(", %n already posted before", nullptr, int(result->alreadyPosted.size())))
                      + u'.');
        if (!result->conflicting.isEmpty())
            message += u' ' + tr("%n posted entries differ from the day's journal now: check them in the ERP.", nullptr,
                                 int(result->conflicting.size()));
        showMessage(message, !result->conflicting.isEmpty());
        Q_EMIT journalPosted(true, message);
    });
    return true;
}

} // namespace pb::ui
