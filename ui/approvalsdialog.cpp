#include "approvalsdialog.h"

#include "access/approvalstore.h"
#include "access/permissions.h"
#include "displayformat.h"
#include "operationdialog.h"
#include "store/database.h"
#include "sync/syncservice.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSqlQuery>
#include <QThreadPool>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <atomic>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;
constexpr int kMaxApproved = 50;

QString ageText(const QDateTime &since)
{
    if (!since.isValid())
        return {};
    const qint64 seconds = qMax<qint64>(0, since.secsTo(QDateTime::currentDateTimeUtc()));
    if (seconds < 60)
        return ApprovalsDialog::tr("just now");
    if (seconds < 3600)
        return ApprovalsDialog::tr("%n min", nullptr, int(seconds / 60));
    if (seconds < 86400)
        return ApprovalsDialog::tr("%n h", nullptr, int(seconds / 3600));
    return ApprovalsDialog::tr("%n day(s)", nullptr, int(seconds / 86400));
}

} // namespace

QString ApprovalsDialog::orderOf(const access::Approval &approval)
{
    const QJsonObject payload = QJsonDocument::fromJson(approval.payload.toUtf8()).object();
    for (const QString &key : {u"order_increment_id"_s, u"orderIncrementId"_s, u"increment_id"_s, u"order"_s}) {
        const QJsonValue v = payload.value(key);
        if (v.isString() && !v.toString().isEmpty())
            return v.toString();
    }
    // Natural keys name the order second: "refund:000000123:2".
    const QStringList parts = approval.intentKey.split(u':');
    return parts.size() >= 2 ? parts.at(1) : QString();
}

ApprovalsDialog::ApprovalsDialog(const QSqlDatabase &readDb, const QString &databasePath, sync::SyncService *sync,
                                 const QString &actor, QWidget *parent)
    : QDialog(parent)
    , m_db(readDb)
    , m_databasePath(databasePath)
    , m_sync(sync)
    , m_actor(actor)
{
    setObjectName(u"approvalsDialog"_s);
    setAttribute(Qt::WA_DeleteOnClose);
    setWindowTitle(tr("Approvals"));
    setAccessibleName(tr("Approvals"));

    auto *intro = new QLabel(tr("Refunds by support above their limit wait here until a finance operator other than "
                                "the requester approves them. After approval the requester runs the refund."),
                             this);
    intro->setWordWrap(true);

    m_list = new QTreeWidget(this);
    m_list->setObjectName(u"approvalsList"_s);
    m_list->setAccessibleName(tr("Approval requests"));
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({tr("#"), tr("State"), tr("Amount"), tr("Order"), tr("Intent"), tr("Requested by"),
                             tr("Reason"), tr("Age")});
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(ReasonColumn, QHeaderView::Stretch);

    m_note = new QLineEdit(this);
    m_note->setObjectName(u"noteEdit"_s);
    m_note->setAccessibleName(tr("Decision note"));
    m_note->setPlaceholderText(tr("Why you approve or reject (required to reject; kept in the audit log)"));
    m_note->setMaxLength(500);
    auto *noteLabel = new QLabel(tr("&Note:"), this);
    noteLabel->setBuddy(m_note);

    m_status = new QLabel(this);
    m_status->setObjectName(u"statusLabel"_s);
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);

    m_approve = new QPushButton(tr("&Approve"), this);
    m_approve->setObjectName(u"approveButton"_s);
    m_reject = new QPushButton(tr("Re&ject"), this);
    m_reject->setObjectName(u"rejectButton"_s);
    m_run = new QPushButton(tr("R&un Approved Refund…"), this);
    m_run->setObjectName(u"runButton"_s);
    m_refresh = new QPushButton(tr("Re&fresh"), this);
    m_refresh->setObjectName(u"refreshButton"_s);
    m_refresh->setShortcut(QKeySequence::Refresh);
    m_close = new QPushButton(tr("&Close"), this);
    m_close->setObjectName(u"closeButton"_s);
    for (QPushButton *b : {m_approve, m_reject, m_run, m_refresh, m_close})
        b->setAutoDefault(false);

    connect(m_approve, &QPushButton::clicked, this, [this] { decide(true); });
    connect(m_reject, &QPushButton::clicked, this, [this] { decide(false); });
    connect(m_run, &QPushButton::clicked, this, &ApprovalsDialog::runApproved);
    connect(m_refresh, &QPushButton::clicked, this, &ApprovalsDialog::reload);
    connect(m_close, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &ApprovalsDialog::updateButtons);
    connect(m_note, &QLineEdit::textChanged, this, &ApprovalsDialog::updateButtons);

    auto *noteRow = new QHBoxLayout;
    noteRow->addWidget(noteLabel);
    noteRow->addWidget(m_note, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_approve);
    buttons->addWidget(m_reject);
    buttons->addSpacing(12);
    buttons->addWidget(m_run);
    buttons->addStretch(1);
    buttons->addWidget(m_refresh);
    buttons->addWidget(m_close);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_list, 1);
    layout->addLayout(noteRow);
    layout->addWidget(m_status);
    layout->addLayout(buttons);

    setTabOrder(m_list, m_note);
    setTabOrder(m_note, m_approve);
    setTabOrder(m_approve, m_reject);
    setTabOrder(m_reject, m_run);
    setTabOrder(m_run, m_refresh);
    setTabOrder(m_refresh, m_close);

    {
        QSqlDatabase conn = m_db;
        auto op = access::Permissions(conn).operatorFor(m_actor);
        m_isFinance = op && op->has(access::Role::Finance) && !op->disabled;
    }
    resize(900, 420);
    reload();
    m_list->setFocus();
}

void ApprovalsDialog::reload()
{
    const qint64 keep = selected() ? selected()->id : 0;
    m_approvals.clear();
    QSqlDatabase conn = m_db;
    access::ApprovalStore store(conn);
    auto pending = store.pending();
    if (!pending) {
        setStatus(tr("The approval requests could not be read: %1").arg(pending.error().toString()), true);
    } else {
        m_approvals = *pending;
        // Approved ones whose refund has not been run: no intent with their key exists yet.
        QSqlQuery q(conn);
        q.prepare(u"SELECT a.id FROM approvals a WHERE a.state = 'approved' AND (a.intent_key = '' OR NOT EXISTS"
                  " (SELECT 1 FROM intents i WHERE i.natural_key = a.intent_key)) ORDER BY a.id DESC LIMIT ?"_s);
        q.addBindValue(kMaxApproved);
        if (q.exec()) {
            while (q.next()) {
                if (auto a = store.find(q.value(0).toLongLong()))
                    m_approvals << *a;
            }
        }
    }

    m_list->clear();
    for (const access::Approval &a : std::as_const(m_approvals)) {
        auto *item = new QTreeWidgetItem(m_list);
        item->setData(IdColumn, kIdRole, a.id);
        item->setText(IdColumn, QString::number(a.id));
        item->setText(StateColumn, a.state == access::ApprovalState::Pending
                                       ? tr("Waiting")
                                       : tr("Approved by %1").arg(a.decidedBy));
        item->setText(AmountColumn, Format::money(a.amount.minor(), a.amount.currency().code()) + u' '
                                        + a.amount.currency().code());
        item->setTextAlignment(AmountColumn, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(OrderColumn, orderOf(a));
        item->setText(KeyColumn, a.intentKey);
        item->setText(RequesterColumn, a.requestedBy);
        item->setText(ReasonColumn, a.reason);
        item->setToolTip(ReasonColumn, a.reason);
        item->setText(AgeColumn, ageText(a.requestedAt));
        if (a.requestedAt.isValid())
            item->setToolTip(AgeColumn, Format::dateTimeLong(a.requestedAt.toMSecsSinceEpoch()));
    }
    for (int c = 0; c < ColumnCount; ++c)
        if (c != ReasonColumn)
            m_list->resizeColumnToContents(c); // at most a few dozen rows
    if (m_approvals.isEmpty() && pending)
        setStatus(tr("No approval requests are waiting."), false);
    if (!(keep && selectApproval(keep)) && m_list->topLevelItemCount() > 0)
        m_list->setCurrentItem(m_list->topLevelItem(0));
    updateButtons();
}

bool ApprovalsDialog::selectApproval(qint64 id)
{
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        QTreeWidgetItem *item = m_list->topLevelItem(i);
        if (item->data(IdColumn, kIdRole).toLongLong() == id) {
            m_list->setCurrentItem(item);
            return true;
        }
    }
    return false;
}

const access::Approval *ApprovalsDialog::selected() const
{
    const QTreeWidgetItem *item = m_list ? m_list->currentItem() : nullptr;
    if (!item)
        return nullptr;
    const qint64 id = item->data(IdColumn, kIdRole).toLongLong();
    for (const access::Approval &a : m_approvals)
        if (a.id == id)
            return &a;
    return nullptr;
}

QString ApprovalsDialog::statusText() const
{
    return m_status->text();
}

void ApprovalsDialog::setStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? u"color: #b00020;"_s : QString());
    m_status->setAccessibleDescription(text);
}

void ApprovalsDialog::updateButtons()
{
    const access::Approval *a = selected();
    const bool pending = a && a->state == access::ApprovalState::Pending;
    const bool approved = a && a->state == access::ApprovalState::Approved;
    const QString notFinance = tr("Only a finance operator can decide; you are signed in as %1.").arg(m_actor);

    m_approve->setEnabled(!m_busy && pending && m_isFinance);
    if (!m_isFinance)
        m_approve->setToolTip(notFinance);
    else if (pending && a->requestedBy == m_actor)
        m_approve->setToolTip(tr("You asked for this one; a finance operator other than you must approve it."));
    else
        m_approve->setToolTip(tr("Allow this refund (Alt+A)"));

    const bool hasNote = !m_note->text().trimmed().isEmpty();
    m_reject->setEnabled(!m_busy && pending && m_isFinance && hasNote);
    m_reject->setToolTip(!m_isFinance ? notFinance
                         : !hasNote   ? tr("Write a note saying why first")
                                      : tr("Refuse this refund (Alt+J)"));

    m_run->setEnabled(!m_busy && approved && m_sync && !orderOf(*a).isEmpty());
    if (!m_sync)
        m_run->setToolTip(tr("Not connected: open the console with a connection profile to run refunds."));
    else if (approved && a->requestedBy != m_actor)
        m_run->setToolTip(tr("Approved for %1; PayBridge will refuse it unless that operator runs it.").arg(a->requestedBy));
    else
        m_run->setToolTip(tr("Run the approved refund (Alt+U)"));
}

void ApprovalsDialog::writeInBackground(std::function<Result<access::Approval>(QSqlDatabase &)> work,
                                        std::function<void(const Result<access::Approval> &)> done)
{
    static std::atomic<int> counter{0};
    const QString connection = u"paybridge.ui.approvals.%1"_s.arg(++counter);
    const QString path = m_databasePath;
    QPointer<ApprovalsDialog> guard(this);
    m_busy = true;
    updateButtons();
    QThreadPool::globalInstance()->start([connection, path, work = std::move(work), done = std::move(done), guard] {
        Result<access::Approval> result = makeError(u"store.open"_s, QString(), QString());
        {
            auto db = store::Database::openWriter(path, connection);
            if (!db)
                result = db.error();
            else
                result = work(db.value());
        }
        store::Database::close(connection);
        // Back on the GUI thread; the dialog may be gone by then.
        QMetaObject::invokeMethod(QCoreApplication::instance(), [guard, done, result] {
            if (guard)
                done(result);
        }, Qt::QueuedConnection);
    });
}

void ApprovalsDialog::decide(bool approve)
{
    const access::Approval *a = selected();
    if (!a || m_busy)
        return;
    const qint64 id = a->id;
    const QString actor = m_actor;
    const QString note = m_note->text().trimmed();
    if (!approve && note.isEmpty()) {
        setStatus(tr("Write a note saying why the refund is rejected."), true);
        m_note->setFocus();
        return;
    }
    setStatus(approve ? tr("Approving #%1…").arg(id) : tr("Rejecting #%1…").arg(id), false);
    writeInBackground(
        [id, actor, note, approve](QSqlDatabase &db) {
            access::ApprovalStore store(db);
            return approve ? store.approve(id, actor, note) : store.reject(id, actor, note);
        },
        [this, id, approve](const Result<access::Approval> &result) {
            m_busy = false;
            if (!result) {
                // Core's own words: self-approval, not finance, already decided.
                setStatus(approve ? tr("Not approved: %1").arg(result.error().message)
                                  : tr("Not rejected: %1").arg(result.error().message),
                          true);
                updateButtons();
                return;
            }
            m_note->clear();
            reload();
            setStatus(approve ? tr("Approved #%1. %2 can now run the refund.").arg(id).arg(result->requestedBy)
                              : tr("Rejected #%1.").arg(id),
                      false);
            Q_EMIT decided(id);
        });
}

void ApprovalsDialog::runApproved()
{
    const access::Approval *a = selected();
    if (!a || a->state != access::ApprovalState::Approved || !m_sync)
        return;
    // A charge of a card on file names its vault customer in the request it was approved for.
    const QString vaultCustomer =
        QJsonDocument::fromJson(a->payload.toUtf8()).object().value(u"vault_customer_id"_s).toString();
    auto *dialog = a->action == access::Action::Charge
        ? new OperationDialog(m_sync, sync::OperationKind::Charge, orderOf(*a), m_actor, vaultCustomer, this)
        : new OperationDialog(m_sync, sync::OperationKind::Refund, orderOf(*a), m_actor, this);
    dialog->setApproval(a->id, a->amount, a->reason);
    connect(dialog, &OperationDialog::operationFinished, this, &ApprovalsDialog::reload);
    dialog->open();
    Q_EMIT operationDialogOpened(dialog);
}

} // namespace pb::ui
