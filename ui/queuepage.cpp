#include "queuepage.h"

#include "access/operator.h"
#include "access/permissions.h"
#include "displayformat.h"
#include "intentdialogs.h"
#include "sync/syncservice.h"

#include <QBoxLayout>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QTabBar>
#include <QTableView>
#include <QTextBrowser>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

bool isInDoubt(const QString &state)
{
    return state == u"in_doubt" || state == u"needs_person";
}

} // namespace

QueuePage::QueuePage(QWidget *parent)
    : TablePage(new QueueModel, parent)
    , m_account(access::currentOsAccount())
{
    setObjectName(u"queuePage"_s);
    setAccessibleName(tr("Queue"));
    filterEdit()->setPlaceholderText(tr("Filter by intent ID, order, key, kind, error, who asked… (Ctrl+F)"));
    filterEdit()->setAccessibleDescription(
        tr("Shows intents whose ID, order number, key, kind, error or requester match"));
    tableView()->setAccessibleName(tr("Intents table"));
    detailView()->setAccessibleName(tr("Intent details and attempts"));

    m_buckets = new QTabBar(this);
    m_buckets->setObjectName(u"bucketBar"_s);
    m_buckets->setAccessibleName(tr("Queue state"));
    m_buckets->setDrawBase(false);
    m_buckets->setExpanding(false);
    m_buckets->setFocusPolicy(Qt::StrongFocus);
    for (QueueModel::Bucket b : QueueModel::kBuckets) {
        const int index = m_buckets->addTab(QueueModel::bucketTitle(b));
        m_buckets->setTabData(index, int(b));
    }
    m_buckets->setTabToolTip(0, tr("Planned, sending, or waiting to retry: the engine will get to them"));
    m_buckets->setTabToolTip(1, tr("The outcome is unknown: the janitor looks it up, or a person decides"));
    m_buckets->setTabToolTip(2, tr("Failed permanently or out of retries: replay or discard"));

    m_resolve = new QPushButton(tr("&Resolve…"), this);
    m_resolve->setObjectName(u"resolveButton"_s);
    m_resolve->setToolTip(tr("Say whether an in-doubt intent happened (Alt+R)"));
    m_replay = new QPushButton(tr("Re&play…"), this);
    m_replay->setObjectName(u"replayButton"_s);
    m_replay->setToolTip(tr("Send a dead letter again, after a dry run (Alt+P)"));
    m_discard = new QPushButton(tr("&Discard…"), this);
    m_discard->setObjectName(u"discardButton"_s);
    m_discard->setToolTip(tr("Never send this intent; a reason is required (Alt+D)"));

    m_note = new QLabel(this);
    m_note->setObjectName(u"actionNoteLabel"_s);
    m_note->setWordWrap(true);
    m_note->setTextFormat(Qt::PlainText);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_note->setAccessibleName(tr("Action status"));

    auto *bar = new QHBoxLayout;
    bar->addWidget(m_buckets);
    bar->addStretch(1);
    bar->addWidget(m_resolve);
    bar->addWidget(m_replay);
    bar->addWidget(m_discard);
    // TablePage lays its parts out in a box; the bucket bar goes on top, the note at the bottom.
    if (auto *box = qobject_cast<QBoxLayout *>(layout())) {
        box->insertLayout(0, bar);
        box->addWidget(m_note);
    }
    setTabOrder(m_buckets, filterEdit());
    setTabOrder(detailView(), m_resolve);
    setTabOrder(m_resolve, m_replay);
    setTabOrder(m_replay, m_discard);

    // Ctrl+PgDown / Ctrl+PgUp step through the buckets from anywhere on the page.
    auto *next = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageDown), this, nullptr, nullptr,
                               Qt::WidgetWithChildrenShortcut);
    connect(next, &QShortcut::activated, this,
            [this] { m_buckets->setCurrentIndex((m_buckets->currentIndex() + 1) % m_buckets->count()); });
    auto *previous = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_PageUp), this, nullptr, nullptr,
                                   Qt::WidgetWithChildrenShortcut);
    connect(previous, &QShortcut::activated, this, [this] {
        m_buckets->setCurrentIndex((m_buckets->currentIndex() + m_buckets->count() - 1) % m_buckets->count());
    });

    connect(m_buckets, &QTabBar::currentChanged, this, [this](int index) {
        queueModel()->setBucket(QueueModel::Bucket(m_buckets->tabData(index).toInt()));
    });
    connect(m_resolve, &QPushButton::clicked, this, &QueuePage::resolveSelected);
    connect(m_replay, &QPushButton::clicked, this, &QueuePage::replaySelected);
    connect(m_discard, &QPushButton::clicked, this, &QueuePage::discardSelected);
    connect(tableView()->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        m_outcome.clear();
        updateActions();
    });
    connect(model(), &SqlPagedModel::countsChanged, this, [this] {
        updateBucketTitles();
        updateActions();
    });
    connect(model(), &QAbstractItemModel::modelReset, this, &QueuePage::updateActions);

    finishSetup();
    updateBucketTitles();
    updateActions();
}

QueuePage::~QueuePage() = default;

IntentActionDialog *QueuePage::openDialog() const
{
    return m_dialog;
}

QueueModel *QueuePage::queueModel() const
{
    return static_cast<QueueModel *>(model());
}

void QueuePage::setSyncService(pb::sync::SyncService *sync)
{
    if (m_sync)
        disconnect(m_sync, nullptr, this, nullptr);
    m_sync = sync;
    if (m_sync)
        connect(m_sync, &pb::sync::SyncService::intentsChanged, this, &QueuePage::refresh);
    updateActions();
}

void QueuePage::setBucket(QueueModel::Bucket bucket)
{
    for (int i = 0; i < m_buckets->count(); ++i) {
        if (m_buckets->tabData(i).toInt() == int(bucket))
            m_buckets->setCurrentIndex(i);
    }
}

QueueModel::Bucket QueuePage::bucket() const
{
    return queueModel()->bucket();
}

std::optional<QueuePage::Selected> QueuePage::selected() const
{
    const QModelIndexList rows = tableView()->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return std::nullopt;
    const int row = rows.constFirst().row();
    const auto cell = [&](int column, int role = Qt::DisplayRole) {
        return model()->index(row, column).data(role);
    };
    Selected s;
    s.id = cell(QueueModel::Id, SqlPagedModel::KeyRole).toLongLong();
    s.state = cell(QueueModel::State, QueueModel::StateNameRole).toString();
    const QString kind = cell(QueueModel::Kind).toString();
    const QString amount = cell(QueueModel::Amount).toString();
    const QString order = cell(QueueModel::Order).toString();
    if (!order.isEmpty() && !amount.isEmpty())
        s.summary = tr("%1 of %2 on order %3 (intent %4)").arg(kind, amount, order).arg(s.id);
    else if (!order.isEmpty())
        s.summary = tr("%1 on order %2 (intent %3)").arg(kind, order).arg(s.id);
    else
        s.summary = tr("%1 (intent %2)").arg(kind).arg(s.id);
    s.janitorNote = cell(QueueModel::State, QueueModel::JanitorNoteRole).toString();
    return s;
}

QString QueuePage::refusal(int action) const
{
    if (!m_sync)
        return tr("Actions need a connection profile: open the console with --profile.");
    if (!m_account)
        return tr("Your account could not be determined: %1").arg(m_account.error().message);
    QSqlDatabase db = model()->database();
    if (!db.isOpen())
        return tr("The store is not open yet.");
    access::Permissions permissions(db);
    auto op = permissions.operatorFor(*m_account);
    if (!op)
        return tr("Your permissions could not be read: %1").arg(op.error().message);
    const Status verdict = permissions.check(*op, access::Action(action));
    return verdict ? QString() : verdict.error().message;
}

void QueuePage::updateActions()
{
    const auto s = selected();
    QString why;
    bool resolve = false;
    bool replay = false;
    bool discard = false;
    if (!s) {
        why = tr("Select an intent to act on it.");
    } else if (m_dialog) {
        why = tr("Finish the open dialog first.");
    } else {
        QStringList reasons;
        const auto allow = [&](bool stateFits, access::Action action) {
            if (!stateFits)
                return false;
            const QString no = refusal(int(action));
            if (!no.isEmpty() && !reasons.contains(no))
                reasons << no;
            return no.isEmpty();
        };
        resolve = allow(isInDoubt(s->state), access::Action::ResolveInDoubt);
        replay = allow(s->state == u"dead", access::Action::ReplayDeadLetter);
        discard = allow(s->state == u"dead" || s->state == u"needs_person" || s->state == u"planned"
                            || s->state == u"retry_wait",
                        access::Action::DiscardDeadLetter);
        if (!reasons.isEmpty())
            why = reasons.join(u' ');
        else if (s->state == u"in_doubt")
            why = tr("The janitor is still looking this one up; you can resolve it now if you know the answer.");
        else if (s->state == u"succeeded")
            why = tr("It succeeded; nothing to do.");
        else if (s->state == u"discarded")
            why = tr("It was discarded; nothing to do.");
        else if (s->state == u"sending")
            why = tr("It is being sent right now.");
    }
    m_resolve->setEnabled(resolve);
    m_replay->setEnabled(replay);
    m_discard->setEnabled(discard);
    m_note->setText(m_outcome.isEmpty() ? why : m_outcome);
    m_note->setVisible(!m_note->text().isEmpty());
}

void QueuePage::updateBucketTitles()
{
    const QHash<QueueModel::Bucket, qint64> counts = queueModel()->bucketCounts();
    for (int i = 0; i < m_buckets->count(); ++i) {
        const auto b = QueueModel::Bucket(m_buckets->tabData(i).toInt());
        const QString title = QueueModel::bucketTitle(b);
        m_buckets->setTabText(i, counts.contains(b) ? tr("%1 (%2)").arg(title, Format::count(counts.value(b))) : title);
    }
}

void QueuePage::showOutcome(const Status &status, const QString &done)
{
    m_outcome = status ? done : tr("It did not work: %1").arg(status.error().toString());
    refresh();
    updateBucketTitles();
    updateActions();
}

void QueuePage::resolveSelected()
{
    const auto s = selected();
    if (!s || !m_resolve->isEnabled())
        return;
    auto *dialog = new ResolveIntentDialog(s->id, s->summary, s->janitorNote, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    const qint64 id = s->id;
    connect(dialog, &IntentActionDialog::submitted, this, [this, dialog, id] {
        if (!m_sync || !m_account) {
            dialog->finish(false, refusal(int(access::Action::ResolveInDoubt)));
            return;
        }
        const intents::ManualResolution resolution = dialog->resolution();
        // The page, not the dialog, receives the answer: it must show the outcome even when the
        // dialog was closed meanwhile.
        m_sync->resolveIntent(id, resolution, *m_account, this, [this, dialog = QPointer(dialog), id, resolution](const Status &st) {
            if (dialog)
                dialog->finish(st.ok(), st ? QString() : st.error().toString());
            if (st || !dialog)
                showOutcome(st, resolution.happened
                                    ? tr("Intent %1 was marked as done (%2).").arg(id).arg(resolution.resultRef)
                                    : tr("Intent %1 will be sent again.").arg(id));
        });
    });
    connect(dialog, &QDialog::finished, this, &QueuePage::updateActions);
    dialog->open();
    updateActions();
}

void QueuePage::discardSelected()
{
    const auto s = selected();
    if (!s || !m_discard->isEnabled())
        return;
    auto *dialog = new DiscardIntentDialog(s->id, s->summary, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    const qint64 id = s->id;
    connect(dialog, &IntentActionDialog::submitted, this, [this, dialog, id] {
        if (!m_sync || !m_account) {
            dialog->finish(false, refusal(int(access::Action::DiscardDeadLetter)));
            return;
        }
        m_sync->discardIntent(id, dialog->reason(), *m_account, this, [this, dialog = QPointer(dialog), id](const Status &st) {
            if (dialog)
                dialog->finish(st.ok(), st ? QString() : st.error().toString());
            if (st || !dialog)
                showOutcome(st, tr("Intent %1 was discarded.").arg(id));
        });
    });
    connect(dialog, &QDialog::finished, this, &QueuePage::updateActions);
    dialog->open();
    updateActions();
}

void QueuePage::replaySelected()
{
    const auto s = selected();
    if (!s || !m_replay->isEnabled() || !m_sync || !m_account)
        return;
    auto *dialog = new ReplayIntentDialog(s->id, s->summary, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    m_dialog = dialog;
    const qint64 id = s->id;
    // The dry run first: the dialog cannot confirm until it has arrived.
    m_sync->describeReplay(id, dialog, [dialog](const Result<pb::sync::ReplayDescription> &d) {
        if (!d)
            dialog->setDryRunFailed(d.error().toString());
        else
            dialog->setDryRun(d->replayable, d->steps, d->whyNot);
    });
    connect(dialog, &IntentActionDialog::submitted, this, [this, dialog, id] {
        if (!m_sync || !m_account) {
            dialog->finish(false, refusal(int(access::Action::ReplayDeadLetter)));
            return;
        }
        m_sync->replayIntent(id, *m_account, dialog->note(), this, [this, dialog = QPointer(dialog), id](const Status &st) {
            if (dialog)
                dialog->finish(st.ok(), st ? QString() : st.error().toString());
            if (st || !dialog)
                showOutcome(st, tr("Intent %1 is planned again and will be sent shortly.").arg(id));
        });
    });
    connect(dialog, &QDialog::finished, this, &QueuePage::updateActions);
    dialog->open();
    updateActions();
}

QString QueuePage::detailHtml(const QVariant &key) const
{
    return QueueModel::detailHtml(model()->database(), key.toLongLong(),
                                  palette().color(QPalette::PlaceholderText).name());
}

int QueuePage::identifierColumn() const
{
    return QueueModel::Id;
}

QString QueuePage::columnSample(int column) const
{
    switch (QueueModel::Column(column)) {
    case QueueModel::Id: return u"123456"_s;
    case QueueModel::Kind: return IntentText::kind(u"magento.creditmemo");
    case QueueModel::Order: return u"1000001234"_s;
    case QueueModel::Amount: return u"12,345.00 USD"_s;
    case QueueModel::State: return IntentText::state(u"retry_wait");
    case QueueModel::Attempts: return tr("Attempts");
    case QueueModel::NextAttempt: return u"2024-12-31 23:59"_s;
    case QueueModel::LastError: return u"Temporary failure: HTTP 503 from PayTrace"_s;
    case QueueModel::RequestedBy: return u"finance.person"_s;
    case QueueModel::Updated: return u"2024-12-31 23:59"_s;
    case QueueModel::ColumnCount: break;
    }
    return {};
}

QString QueuePage::emptyStoreText() const
{
    switch (bucket()) {
    case QueueModel::Bucket::Pending: return tr("Nothing is waiting to be sent.");
    case QueueModel::Bucket::InDoubt: return tr("Nothing is in doubt.");
    case QueueModel::Bucket::Dead: return tr("No dead letters.");
    case QueueModel::Bucket::Succeeded: return tr("Nothing has been sent yet.");
    case QueueModel::Bucket::Discarded: return tr("Nothing was discarded.");
    }
    return {};
}

QString QueuePage::noMatchText(const QString &filter) const
{
    return tr("No intents here match “%1”.\nPress Esc to clear the filter.").arg(filter);
}

QString QueuePage::noSelectionText() const
{
    return tr("Select an intent to see its request, every attempt and what the janitor found.");
}

QString QueuePage::countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const
{
    if (filtered)
        return tr("Showing %1 of %2 matching (%3 here in total)")
            .arg(Format::count(loaded), Format::count(matching), Format::count(total));
    if (total <= 0)
        return {};
    return tr("Showing %1 of %2 intents").arg(Format::count(loaded), Format::count(total));
}

} // namespace pb::ui
