#include "mappingpanels.h"

#include "displayformat.h"
#include "linkkeypanel.h"
#include "mapping/profilediff.h"
#include "storetask.h"

#include <QDateEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui::studio {

namespace {

QTableWidget *makeTable(const QString &name, const QString &accessible, const QStringList &headers)
{
    auto *t = new QTableWidget(0, int(headers.size()));
    t->setObjectName(name);
    t->setAccessibleName(accessible);
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->setVisible(false);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setAlternatingRowColors(true);
    return t;
}

QTableWidgetItem *cell(const QString &text)
{
    auto *i = new QTableWidgetItem(text);
    i->setToolTip(text);
    return i;
}

// A share for reading (not money): one decimal, as the evidence sentences write it.
QString percent(int part, int whole)
{
    return whole <= 0 ? QString() : QLocale().toString(100.0 * part / whole, 'f', 1) + u" %"_s;
}

QString number(qint64 n)
{
    return QLocale().toString(n);
}

} // namespace

// ---------------------------------------------------------------------------------------------

SuggestionsPanel::SuggestionsPanel(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(u"suggestionsPanel"_s);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Link keys that would find the order of the synced payments, measured on this store's "
                                "data: the share of payments for which the key finds exactly one order."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *row = new QHBoxLayout;
    m_run = new QPushButton(tr("Fin&d suggestions"));
    m_run->setObjectName(u"findSuggestions"_s);
    m_stop = new QPushButton(tr("Stop"));
    m_stop->setEnabled(false);
    m_state = new QLabel;
    m_state->setObjectName(u"suggestionsState"_s);
    m_state->setWordWrap(true);
    row->addWidget(m_run);
    row->addWidget(m_stop);
    row->addWidget(m_state, 1);
    layout->addLayout(row);
    m_table = makeTable(u"suggestionsTable"_s, tr("Suggestions"), {tr("Finds the order"), tr("Evidence"),
                                                                   tr("Examples"), QString()});
    m_table->setWordWrap(true);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_table->setColumnWidth(0, 130);
    m_table->setColumnWidth(3, 140);
    m_table->setStyleSheet(u"QTableWidget::item { padding: 4px 6px; }"_s);
    layout->addWidget(m_table, 1);
    connect(m_run, &QPushButton::clicked, this, &SuggestionsPanel::runRequested);
    connect(m_stop, &QPushButton::clicked, this, &SuggestionsPanel::cancel);
}

void SuggestionsPanel::setReadOnly(bool readOnly)
{
    m_readOnly = readOnly;
    updateButtons();
}

void SuggestionsPanel::setDraftKey(const QJsonObject &key)
{
    if (key == m_draftKey)
        return;
    m_draftKey = key;
    updateButtons();
}

void SuggestionsPanel::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
    if (m_running) {
        m_running = false;
        ++m_generation; // its answer is dropped
        m_state->setText(tr("Stopped."));
        m_run->setEnabled(true);
        m_stop->setEnabled(false);
    }
}

void SuggestionsPanel::run(const pb::mapping::MappingProfile &active)
{
    if (m_databasePath.isEmpty()) {
        m_state->setText(tr("No store yet: run a sync first."));
        return;
    }
    cancel();
    m_cancel = std::make_shared<std::atomic_bool>(false);
    const int generation = ++m_generation;
    m_running = true;
    m_run->setEnabled(false);
    m_stop->setEnabled(true);
    m_state->setText(tr("Measuring link keys on the synced payments…"));
    auto found = std::make_shared<QList<SuggestionView>>();
    auto flag = m_cancel;
    runStoreTask(this, m_databasePath, false, [active, found, flag](QSqlDatabase &db) -> Status {
        PB_TRY(list, suggestLinks(db, active, flag.get()));
        *found = list;
        return {};
    }, [this, generation, found](const Status &status) {
        if (generation != m_generation)
            return;
        m_running = false;
        m_run->setEnabled(true);
        m_stop->setEnabled(false);
        if (!status) {
            m_state->setText(tr("No suggestions: %1").arg(status.error().message));
        } else {
            m_state->setText(found->isEmpty() ? tr("No link key finds the orders of these payments.")
                                              : tr("%n suggestions, best first.", nullptr, int(found->size())));
            show(*found);
        }
        Q_EMIT finished();
    });
}

void SuggestionsPanel::show(const QList<SuggestionView> &list)
{
    m_suggestions = list;
    m_table->setRowCount(int(list.size()));
    for (int i = 0; i < list.size(); ++i) {
        const SuggestionView &s = list.at(i);
        auto *figure = cell(tr("%1\n%2 of %3").arg(percent(s.matched, s.considered), number(s.matched),
                                                   number(s.considered)));
        QFont f = figure->font();
        f.setBold(true);
        figure->setFont(f);
        m_table->setItem(i, 0, figure);
        const QString chain = LinkKeyPanel::describeChain(s.linkKey.value(u"transforms"_s).toArray());
        m_table->setItem(i, 1, cell(s.evidence + u"\n"_s
                                    + tr("Key: PayTrace %1 → %2 → Magento %3")
                                          .arg(s.linkKey.value(u"paytraceField"_s).toString(), chain,
                                               s.linkKey.value(u"magentoField"_s).toString())));
        m_table->setItem(i, 2, cell(s.examples.join(u'\n')));
        auto *holder = new QWidget;
        auto *holderLayout = new QVBoxLayout(holder);
        holderLayout->setContentsMargins(8, 4, 8, 4);
        auto *accept = new QPushButton(tr("Accept"));
        accept->setObjectName(u"acceptSuggestion%1"_s.arg(i));
        connect(accept, &QPushButton::clicked, this, [this, i] { this->accept(i); });
        holderLayout->addWidget(accept);
        holderLayout->addStretch(1);
        m_table->setCellWidget(i, 3, holder);
    }
    updateButtons();
}

// In place: a button may be the one whose click changed the draft.
void SuggestionsPanel::updateButtons()
{
    for (int i = 0; i < m_suggestions.size(); ++i) {
        QWidget *holder = m_table->cellWidget(i, 3);
        auto *accept = holder ? holder->findChild<QPushButton *>() : nullptr;
        if (!accept)
            continue;
        const bool inDraft = m_suggestions.at(i).linkKey == m_draftKey;
        accept->setEnabled(!m_readOnly && !inDraft);
        accept->setText(inDraft ? tr("In the draft") : tr("Accept"));
        accept->setToolTip(m_readOnly ? tr("Only an admin can change the link key")
                           : inDraft  ? tr("The draft links with this key already")
                                      : tr("Use this link key in the draft (undoable)"));
    }
}

bool SuggestionsPanel::accept(int index)
{
    if (m_readOnly || index < 0 || index >= m_suggestions.size())
        return false;
    Q_EMIT acceptRequested(m_suggestions.at(index).linkKey, m_suggestions.at(index).evidence);
    return true;
}

// ---------------------------------------------------------------------------------------------

PreviewPanel::PreviewPanel(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(u"previewPanel"_s);
    auto *layout = new QVBoxLayout(this);
    auto *filters = new QHBoxLayout;
    m_from = new QDateEdit(QDate::currentDate().addDays(-30));
    m_from->setObjectName(u"previewFrom"_s);
    m_from->setCalendarPopup(true);
    m_from->setDisplayFormat(u"yyyy-MM-dd"_s);
    m_to = new QDateEdit(QDate::currentDate());
    m_to->setObjectName(u"previewTo"_s);
    m_to->setCalendarPopup(true);
    m_to->setDisplayFormat(u"yyyy-MM-dd"_s);
    m_search = new QLineEdit;
    m_search->setObjectName(u"previewSearch"_s);
    m_search->setPlaceholderText(tr("Order number or transaction id"));
    m_search->setClearButtonEnabled(true);
    m_limit = new QSpinBox;
    m_limit->setRange(10, 5000);
    m_limit->setValue(500);
    m_limit->setSingleStep(100);
    m_refresh = new QPushButton(tr("Ru&n preview"));
    m_refresh->setObjectName(u"previewRefresh"_s);
    m_stop = new QPushButton(tr("Stop"));
    m_stop->setEnabled(false);
    auto *fromLabel = new QLabel(tr("From:"));
    fromLabel->setBuddy(m_from);
    auto *toLabel = new QLabel(tr("to:"));
    toLabel->setBuddy(m_to);
    auto *limitLabel = new QLabel(tr("At most:"));
    limitLabel->setBuddy(m_limit);
    filters->addWidget(fromLabel);
    filters->addWidget(m_from);
    filters->addWidget(toLabel);
    filters->addWidget(m_to);
    filters->addWidget(m_search, 1);
    filters->addWidget(limitLabel);
    filters->addWidget(m_limit);
    filters->addWidget(m_refresh);
    filters->addWidget(m_stop);
    layout->addLayout(filters);

    m_state = new QLabel;
    m_state->setObjectName(u"previewState"_s);
    m_state->setWordWrap(true);
    layout->addWidget(m_state);
    m_counts = new QLabel;
    m_counts->setObjectName(u"previewCounts"_s);
    m_counts->setTextFormat(Qt::RichText);
    m_counts->setWordWrap(true);
    m_counts->setStyleSheet(u"QLabel { background: palette(alternate-base); padding: 8px; border-radius: 4px; }"_s);
    layout->addWidget(m_counts);

    m_tabs = new QTabWidget;
    m_links = makeTable(u"previewLinks"_s, tr("Links that change"),
                        {tr("Transaction"), tr("Order now"), tr("Order with the draft"), tr("How the draft finds it")});
    m_statuses = makeTable(u"previewStatuses"_s, tr("Statuses that change"),
                           {tr("Order"), tr("Payment event"), tr("Status now"), tr("Active sets"), tr("Draft sets")});
    m_accounts = makeTable(u"previewAccounts"_s, tr("ERP lines per account"),
                           {tr("Account"), tr("Currency"), tr("Active"), tr("Draft"), tr("Difference")});
    for (QTableWidget *t : {m_links, m_statuses, m_accounts})
        for (int c = 0; c < t->columnCount() - 1; ++c)
            t->setColumnWidth(c, c == 0 ? 260 : 170);
    m_tabs->addTab(m_links, tr("Links"));
    m_tabs->addTab(m_statuses, tr("Statuses"));
    m_tabs->addTab(m_accounts, tr("ERP lines per account"));
    layout->addWidget(m_tabs, 1);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(700);
    connect(m_debounce, &QTimer::timeout, this, &PreviewPanel::runNow);
    connect(m_refresh, &QPushButton::clicked, this, &PreviewPanel::runNow);
    connect(m_stop, &QPushButton::clicked, this, &PreviewPanel::cancel);
    connect(m_search, &QLineEdit::returnPressed, this, &PreviewPanel::runNow);
    setState(tr("The preview runs when the draft changes."));
}

void PreviewPanel::schedule(const pb::mapping::MappingProfile &active,
                            const std::optional<pb::mapping::MappingProfile> &draft)
{
    m_active = active;
    m_draft = draft;
    if (!draft) {
        cancel();
        setState(tr("The draft does not validate: fix it to see its preview."), true);
        return;
    }
    m_stale = true;
    if (m_live)
        m_debounce->start();
}

void PreviewPanel::setLive(bool live)
{
    m_live = live;
    if (live && m_stale)
        m_debounce->start();
    else if (!live)
        m_debounce->stop();
}

bool PreviewPanel::isPending() const
{
    return m_running || m_debounce->isActive();
}

void PreviewPanel::cancel()
{
    m_debounce->stop();
    if (m_cancel)
        m_cancel->store(true);
    if (m_running) {
        m_running = false;
        ++m_generation;
        m_stop->setEnabled(false);
        setState(tr("Preview stopped."));
    }
}

void PreviewPanel::setState(const QString &text, bool error)
{
    m_state->setText(text);
    m_state->setStyleSheet(error ? u"color: #b3261e;"_s : QString());
}

void PreviewPanel::runNow()
{
    m_debounce->stop();
    if (!m_active || !m_draft)
        return;
    m_stale = false;
    if (m_databasePath.isEmpty()) {
        setState(tr("No store yet: run a sync first."));
        return;
    }
    if (m_cancel)
        m_cancel->store(true);
    m_cancel = std::make_shared<std::atomic_bool>(false);
    const int generation = ++m_generation;
    m_running = true;
    m_stop->setEnabled(true);
    setState(tr("Computing what the draft would do to the synced records…"));
    PreviewFilterView filter{m_from->date(), m_to->date(), m_search->text().trimmed(), m_limit->value()};
    auto out = std::make_shared<PreviewView>();
    auto flag = m_cancel;
    const pb::mapping::MappingProfile active = *m_active;
    const pb::mapping::MappingProfile draft = *m_draft;
    runStoreTask(this, m_databasePath, false, [active, draft, filter, out, flag](QSqlDatabase &db) -> Status {
        PB_TRY(v, previewDiff(db, active, draft, filter, flag.get()));
        *out = v;
        return {};
    }, [this, generation, out](const Status &status) {
        if (generation != m_generation)
            return; // a newer preview replaced this one
        m_running = false;
        m_stop->setEnabled(false);
        if (!status) {
            setState(tr("No preview: %1").arg(status.error().message), true);
            Q_EMIT summaryChanged(tr("Preview unavailable"));
            return;
        }
        m_result = *out;
        show(*out);
        bool same = out->linksMade + out->linksLost + out->linksChanged + out->statusChanges == 0
                    && out->links.isEmpty() && out->statuses.isEmpty();
        for (const auto &a : std::as_const(out->accounts))
            same = same && a.activeMinor == a.draftMinor;
        const bool unchanged = m_active && m_draft && *m_active == *m_draft;
        setState(same ? (unchanged ? tr("The draft is the active version. Change the mapping to see what it would "
                                        "change on %1 transactions and %2 orders.")
                                   : tr("The draft's changes move no link, status or ERP line on these %1 transactions "
                                        "and %2 orders."))
                            .arg(number(out->transactions), number(out->orders))
                      : tr("Draft against the active version, over %1 transactions and %2 orders.")
                            .arg(number(out->transactions), number(out->orders)));
        Q_EMIT previewReady();
    });
}

QString PreviewPanel::summaryText() const
{
    if (!m_result)
        return {};
    const PreviewView &v = *m_result;
    return tr("%1 links made · %2 lost · %3 changed · next sync links %4 more · %5 status changes")
        .arg(v.linksMade).arg(v.linksLost).arg(v.linksChanged).arg(v.nextSyncNewLinks).arg(v.statusChanges);
}

void PreviewPanel::show(const PreviewView &v)
{
    const auto figure = [](int n, const QString &label, const char *color) {
        return u"<span style='font-size:large; font-weight:600; color:%1'>%2</span> %3"_s
            .arg(n == 0 ? u"palette(text)"_s : QString::fromLatin1(color), number(n), label.toHtmlEscaped());
    };
    m_counts->setText(QStringList{figure(v.linksMade, tr("links made"), "#1b7f3b"),
                                  figure(v.linksLost, tr("links lost"), "#b3261e"),
                                  figure(v.linksChanged, tr("links changed"), "#8a5a00"),
                                  figure(v.linksSame, tr("unchanged"), "#000000"),
                                  figure(v.nextSyncNewLinks, tr("new links at the next sync"), "#1f6fd1"),
                                  figure(v.statusChanges, tr("status changes"), "#8a5a00")}
                          .join(u" &nbsp;&nbsp;·&nbsp;&nbsp; "_s));
    m_links->setRowCount(int(v.links.size()));
    for (int i = 0; i < v.links.size(); ++i) {
        const auto &l = v.links.at(i);
        m_links->setItem(i, 0, cell(l.transactionId));
        m_links->setItem(i, 1, cell(l.activeOrder.isEmpty() ? tr("— (unlinked)") : l.activeOrder));
        m_links->setItem(i, 2, cell(l.draftOrder.isEmpty() ? tr("— (unlinked)") : l.draftOrder));
        m_links->setItem(i, 3, cell(l.draftRule));
        const QColor c = l.draftOrder.isEmpty() ? QColor(0xb3, 0x26, 0x1e)
            : l.activeOrder.isEmpty()           ? QColor(0x1b, 0x7f, 0x3b)
                                                : QColor(0x8a, 0x5a, 0x00);
        m_links->item(i, 2)->setForeground(c);
    }
    m_statuses->setRowCount(int(v.statuses.size()));
    for (int i = 0; i < v.statuses.size(); ++i) {
        const auto &s = v.statuses.at(i);
        m_statuses->setItem(i, 0, cell(s.incrementId));
        m_statuses->setItem(i, 1, cell(s.event));
        m_statuses->setItem(i, 2, cell(s.currentStatus));
        m_statuses->setItem(i, 3, cell(s.activeTarget.isEmpty() ? tr("(leaves it)") : s.activeTarget));
        m_statuses->setItem(i, 4, cell(s.draftTarget.isEmpty() ? tr("(leaves it)") : s.draftTarget));
        m_statuses->item(i, 4)->setForeground(QColor(0x1f, 0x6f, 0xd1));
    }
    m_accounts->setRowCount(int(v.accounts.size()));
    for (int i = 0; i < v.accounts.size(); ++i) {
        const auto &a = v.accounts.at(i);
        m_accounts->setItem(i, 0, cell(a.account));
        m_accounts->setItem(i, 1, cell(a.currency));
        m_accounts->setItem(i, 2, cell(Format::money(a.activeMinor, a.currency)));
        m_accounts->setItem(i, 3, cell(Format::money(a.draftMinor, a.currency)));
        const qint64 d = a.draftMinor - a.activeMinor;
        m_accounts->setItem(i, 4, cell(d == 0 ? tr("same") : (d > 0 ? u"+"_s : QString()) + Format::money(d, a.currency)));
        if (d != 0)
            for (int c = 0; c < 5; ++c)
                m_accounts->item(i, c)->setForeground(d > 0 ? QColor(0x1b, 0x7f, 0x3b) : QColor(0xb3, 0x26, 0x1e));
        for (int c = 2; c < 5; ++c)
            m_accounts->item(i, c)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    m_tabs->setTabText(0, tr("Links (%1)").arg(v.links.size()));
    m_tabs->setTabText(1, tr("Statuses (%1)").arg(v.statuses.size()));
    m_tabs->setTabText(2, tr("ERP lines per account (%1)").arg(v.accounts.size()));
    Q_EMIT summaryChanged(summaryText());
}

// ---------------------------------------------------------------------------------------------

HistoryPanel::HistoryPanel(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(u"historyPanel"_s);
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(tr("Every saved mapping, newest first. Select one to see what it changed, two to compare "
                                "them; roll back to make an older one active again (as a new version)."));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *splitter = new QSplitter(Qt::Vertical);
    m_versions = makeTable(u"versionsTable"_s, tr("Versions"), {tr("Version"), tr("When"), tr("Who"), tr("Note")});
    m_versions->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_versions->setColumnWidth(0, 150);
    m_versions->setColumnWidth(1, 170);
    m_versions->setColumnWidth(2, 140);
    splitter->addWidget(m_versions);
    auto *diffBox = new QWidget;
    auto *diffLayout = new QVBoxLayout(diffBox);
    diffLayout->setContentsMargins(0, 0, 0, 0);
    auto *row = new QHBoxLayout;
    m_diffTitle = new QLabel;
    m_diffTitle->setObjectName(u"diffTitle"_s);
    m_diffTitle->setWordWrap(true);
    m_rollback = new QPushButton(tr("Roll &back to this version…"));
    m_rollback->setObjectName(u"rollbackButton"_s);
    row->addWidget(m_diffTitle, 1);
    row->addWidget(m_rollback);
    diffLayout->addLayout(row);
    m_diff = makeTable(u"diffTable"_s, tr("Differences"), {tr("Key"), tr("Before"), tr("After")});
    m_diff->setColumnWidth(0, 280);
    m_diff->setColumnWidth(1, 330);
    m_diff->setWordWrap(true);
    diffLayout->addWidget(m_diff, 1);
    splitter->addWidget(diffBox);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);
    connect(m_versions->selectionModel(), &QItemSelectionModel::selectionChanged, this, &HistoryPanel::updateDiff);
    connect(m_rollback, &QPushButton::clicked, this, [this] {
        const QList<int> s = selected();
        if (s.size() == 1)
            Q_EMIT rollbackRequested(s.first());
    });
    updateDiff();
}

void HistoryPanel::setVersions(const QList<pb::mapping::MappingVersion> &versions,
                               const pb::mapping::MappingVersion &active)
{
    const QList<int> keep = selected();
    m_list = versions;
    m_activeVersion = active;
    // The compiled-in default is listed last, so one can roll back to it and compare with it.
    pb::mapping::MappingVersion def;
    def.version = 0;
    def.document = pb::mapping::MappingStore::defaultDocument();
    def.actor = tr("PayBridge");
    def.note = tr("The default mapping shipped with PayBridge");
    def.active = active.version == 0;
    m_list << def;
    const QSignalBlocker block(m_versions->selectionModel());
    m_versions->setRowCount(int(m_list.size()));
    for (int i = 0; i < m_list.size(); ++i) {
        const auto &v = m_list.at(i);
        QString name = v.version == 0 ? tr("default") : tr("v%1").arg(v.version);
        if (v.active)
            name += tr("  (active)");
        if (v.rollback || v.restores > 0)
            name += tr("  ↩ v%1").arg(v.restores);
        auto *item = cell(name);
        item->setData(Qt::UserRole, v.version);
        if (v.active) {
            QFont f = item->font();
            f.setBold(true);
            item->setFont(f);
        }
        m_versions->setItem(i, 0, item);
        m_versions->setItem(i, 1, cell(v.createdAt.isValid() ? Format::dateTime(v.createdAt.toMSecsSinceEpoch())
                                                             : QString()));
        m_versions->setItem(i, 2, cell(v.actor));
        m_versions->setItem(i, 3, cell(v.note));
    }
    selectVersions(keep);
    updateDiff();
}

void HistoryPanel::setReadOnly(bool readOnly, const QString &why)
{
    m_readOnly = readOnly;
    m_why = why;
    updateDiff();
}

void HistoryPanel::selectVersions(const QList<int> &versions)
{
    m_versions->clearSelection();
    for (int i = 0; i < m_versions->rowCount(); ++i)
        if (versions.contains(m_versions->item(i, 0)->data(Qt::UserRole).toInt()))
            m_versions->selectionModel()->select(m_versions->model()->index(i, 0),
                                                 QItemSelectionModel::Select | QItemSelectionModel::Rows);
}

QList<int> HistoryPanel::selected() const
{
    QList<int> out;
    for (const QModelIndex &i : m_versions->selectionModel()->selectedRows())
        out << m_versions->item(i.row(), 0)->data(Qt::UserRole).toInt();
    std::sort(out.begin(), out.end());
    return out;
}

QByteArray HistoryPanel::documentOf(int version) const
{
    for (const auto &v : m_list)
        if (v.version == version)
            return v.document;
    return {};
}

void HistoryPanel::updateDiff()
{
    const QList<int> s = selected();
    int from = -1, to = -1;
    if (s.size() == 2) {
        from = s.at(0);
        to = s.at(1);
        m_diffTitle->setText(tr("Changes from %1 to v%2:").arg(from == 0 ? tr("the default") : tr("v%1").arg(from))
                                 .arg(to));
    } else if (s.size() == 1 && s.first() == 0) {
        // The default changed nothing: show what going back to it would change.
        from = m_activeVersion.version;
        to = 0;
        m_diffTitle->setText(from == 0 ? tr("The default mapping is the active one.")
                                       : tr("Rolling back to the default would change (v%1 → default):").arg(from));
        if (from == 0)
            to = -1;
    } else if (s.size() == 1) {
        // What that version changed: against the one before it (the default before v1).
        to = s.first();
        from = 0;
        for (const auto &v : m_list)
            if (v.version < to && v.version > from)
                from = v.version;
        m_diffTitle->setText(tr("What v%1 changed (against %2):")
                                 .arg(to).arg(from == 0 ? tr("the default") : tr("v%1").arg(from)));
    } else {
        m_diffTitle->setText(s.isEmpty() ? tr("Select a version to see what it changed, or two to compare them.")
                                         : tr("Select at most two versions to compare."));
    }
    QList<pb::mapping::ProfileChange> changes;
    if (to >= 0 && from >= 0)
        changes = pb::mapping::diffProfiles(documentOf(from), documentOf(to));
    m_diff->setRowCount(int(changes.size()));
    for (int i = 0; i < changes.size(); ++i) {
        const auto &c = changes.at(i);
        m_diff->setItem(i, 0, cell(c.path));
        m_diff->setItem(i, 1, cell(c.before.isEmpty() ? tr("(absent)") : c.before));
        m_diff->setItem(i, 2, cell(c.after.isEmpty() ? tr("(absent)") : c.after));
        m_diff->item(i, 1)->setForeground(QColor(0xb3, 0x26, 0x1e));
        m_diff->item(i, 2)->setForeground(QColor(0x1b, 0x7f, 0x3b));
    }
    if (to >= 0 && from >= 0 && changes.isEmpty())
        m_diffTitle->setText(m_diffTitle->text() + u' ' + tr("no differences."));

    const bool one = s.size() == 1;
    bool isActive = false;
    for (const auto &v : m_list)
        isActive = isActive || (one && v.version == s.first() && v.active);
    m_rollback->setEnabled(!m_readOnly && one && !isActive);
    m_rollback->setToolTip(m_readOnly ? m_why
                           : isActive ? tr("This version is the active one.")
                                      : tr("Make this version's mapping active again, as a new version with a note"));
}

} // namespace pb::ui::studio
