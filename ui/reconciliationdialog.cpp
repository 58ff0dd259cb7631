#include "reconciliationdialog.h"

#include "access/permissions.h"
#include "displayformat.h"
#include "reconciliationmodel.h"
#include "storetask.h"
#include "sync/syncservice.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <memory>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

QLabel *wrapped(const QString &text = QString())
{
    auto *label = new QLabel(text);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

// Who may resolve: read again in the task that writes, so a stale page decides nothing.
Status mayResolve(QSqlDatabase &db, const QString &actor)
{
    access::Permissions permissions(db);
    const auto op = permissions.operatorFor(actor);
    if (!op)
        return op.error();
    return permissions.check(*op, access::Action::ReconcileResolve);
}

} // namespace

ReconciliationDialog::ReconciliationDialog(Setup setup, QWidget *parent)
    : QDialog(parent)
    , m_setup(std::move(setup))
{
    setAttribute(Qt::WA_DeleteOnClose);
    setObjectName(u"reconciliationDialog"_s);
    setMinimumWidth(640);
    const bool reopen = m_setup.mode == Mode::Reopen;
    const int n = int(m_setup.itemIds.size());
    QString title;
    if (reopen) {
        title = tr("Reopen %n item(s)", nullptr, n);
    } else {
        switch (m_setup.kind) {
        case reconcile::ResolutionKind::Accept: title = tr("Accept %n item(s)", nullptr, n); break;
        case reconcile::ResolutionKind::Link: title = tr("Link %n item(s) by hand", nullptr, n); break;
        case reconcile::ResolutionKind::WriteOff: title = tr("Write off %n item(s)", nullptr, n); break;
        case reconcile::ResolutionKind::Refund: title = tr("Refund order %1").arg(m_setup.orderIncrementId); break;
        case reconcile::ResolutionKind::CreditMemo: title = tr("Credit memo for order %1").arg(m_setup.orderIncrementId); break;
        }
    }
    setWindowTitle(title);

    auto *layout = new QVBoxLayout(this);
    auto *heading = new QLabel(u"<b>%1</b>"_s.arg(title.toHtmlEscaped()));
    layout->addWidget(heading);
    layout->addWidget(wrapped(reopen ? tr("Reopened items count as open again: the day is no longer closed until "
                                          "they are resolved.")
                                     : tr("Nothing is written until you press Resolve. Every item gets your note "
                                          "and an entry in the audit log.")));

    auto *form = new QFormLayout;
    form->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    if (!reopen && m_setup.kind == reconcile::ResolutionKind::Link) {
        m_link = new QLineEdit;
        m_link->setObjectName(u"linkEdit"_s);
        m_link->setPlaceholderText(tr("Transaction id or order number"));
        form->addRow(tr("&Link to:"), m_link);
        connect(m_link, &QLineEdit::textChanged, this, &ReconciliationDialog::schedulePreview);
    }
    if (!reopen && m_setup.kind == reconcile::ResolutionKind::WriteOff) {
        m_account = new QComboBox;
        m_account->setObjectName(u"accountBox"_s);
        m_account->setEditable(false);
        m_account->addItems(m_setup.accounts);
        const int at = m_account->findText(m_setup.defaultAccount);
        m_account->setCurrentIndex(at >= 0 ? at : 0);
        form->addRow(tr("&Account:"), m_account);
        connect(m_account, &QComboBox::currentTextChanged, this, &ReconciliationDialog::schedulePreview);
    }
    if (!reopen && (m_setup.kind == reconcile::ResolutionKind::WriteOff || sendsOperation())) {
        m_amount = new QLineEdit;
        m_amount->setObjectName(u"amountEdit"_s);
        if (m_setup.kind == reconcile::ResolutionKind::WriteOff)
            m_amount->setPlaceholderText(tr("Each item's difference"));
        else if (m_setup.refundMinor)
            // The plain decimal the field reads back (toString() adds the code, which it refuses).
            m_amount->setText(Money::fromMinor(*m_setup.refundMinor, *Currency::fromCode(m_setup.currency)).toDecimalString());
        form->addRow(m_setup.currency.isEmpty() ? tr("A&mount:") : tr("A&mount (%1):").arg(m_setup.currency), m_amount);
        connect(m_amount, &QLineEdit::textChanged, this, &ReconciliationDialog::schedulePreview);
    }
    m_note = new QLineEdit;
    m_note->setObjectName(u"noteEdit"_s);
    m_note->setPlaceholderText(tr("Required: why, for the audit log"));
    form->addRow(tr("&Note:"), m_note);
    connect(m_note, &QLineEdit::textChanged, this, &ReconciliationDialog::schedulePreview);
    layout->addLayout(form);

    layout->addWidget(new QLabel(tr("What will be written:")));
    m_preview = new QTreeWidget;
    m_preview->setObjectName(u"previewTree"_s);
    m_preview->setRootIsDecorated(false);
    m_preview->setHeaderLabels({tr("#"), tr("Class"), tr("Action"), tr("Why it was flagged")});
    m_preview->header()->setStretchLastSection(true);
    m_preview->setMinimumHeight(160);
    m_preview->setAccessibleName(tr("Preview of the resolution"));
    layout->addWidget(m_preview, 1);
    m_totals = wrapped();
    m_problems = wrapped();
    m_problems->setObjectName(u"problemsLabel"_s);
    m_problems->setStyleSheet(u"color: #b00020;"_s);
    m_message = wrapped();
    layout->addWidget(m_totals);
    layout->addWidget(m_problems);
    layout->addWidget(m_message);

    auto *buttons = new QDialogButtonBox;
    m_resolve = buttons->addButton(reopen ? tr("&Reopen") : tr("&Resolve"), QDialogButtonBox::AcceptRole);
    m_resolve->setObjectName(u"resolveButton"_s);
    m_resolve->setEnabled(false);
    buttons->addButton(QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_resolve, &QPushButton::clicked, this, &ReconciliationDialog::resolveNow);
    layout->addWidget(buttons);

    m_debounce = new QTimer(this);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(200);
    connect(m_debounce, &QTimer::timeout, this, &ReconciliationDialog::computePreview);
    computePreview();
    (m_link ? static_cast<QWidget *>(m_link) : m_note)->setFocus();
}

reconcile::ResolutionRequest ReconciliationDialog::request() const
{
    reconcile::ResolutionRequest r;
    r.itemIds = m_setup.itemIds;
    r.kind = m_setup.kind;
    r.note = m_note->text().trimmed();
    r.actor = m_setup.actor;
    if (m_link)
        r.linkRef = m_link->text().trimmed();
    if (m_account)
        r.writeOffAccount = m_account->currentText();
    return r;
}

void ReconciliationDialog::schedulePreview()
{
    m_previewDirty = true;
    m_resolve->setEnabled(false);
    m_debounce->start();
}

void ReconciliationDialog::computePreview()
{
    if (m_previewBusy) {
        m_previewDirty = true; // once this one is back
        return;
    }
    m_previewBusy = true;
    m_previewDirty = false;
    auto req = request();
    // The amount field is checked here, in the person's words; the store checks the rest.
    std::optional<QString> amountProblem;
    if (m_amount && !m_amount->text().trimmed().isEmpty()) {
        const auto cur = Currency::fromCode(m_setup.currency);
        const auto amount = cur ? Money::parse(m_amount->text().trimmed(), *cur)
                                : Result<Money>(makeError(u"amount"_s, {}, {}));
        if (!cur)
            amountProblem = tr("The selected items are in different currencies: give no amount.");
        else if (!amount)
            amountProblem = tr("'%1' is not an amount in %2.").arg(m_amount->text().trimmed(), m_setup.currency);
        else if (m_setup.kind == reconcile::ResolutionKind::WriteOff)
            req.writeOffAmount = amount.value();
    }
    const bool reopen = m_setup.mode == Mode::Reopen;
    auto out = std::make_shared<Result<reconcile::ResolutionPreview>>(reconcile::ResolutionPreview{});
    runStoreTask(this, m_setup.databasePath, false, [req, reopen, out](QSqlDatabase &db) -> Status {
        reconcile::ReconciliationStore store(db);
        if (!reopen) {
            *out = store.preview(req);
            return {};
        }
        reconcile::ResolutionPreview p;
        if (req.note.isEmpty())
            p.problems.append(makeError(u"reconcile.resolution"_s, u"note"_s, u"a note is required"_s));
        for (qint64 id : req.itemIds) {
            const auto it = store.item(id);
            if (!it) {
                p.problems.append(it.error());
                continue;
            }
            if (it->state != u"resolved") {
                p.problems.append(makeError(u"reconcile.resolution"_s, u"item "_s + QString::number(id), u"is not resolved"_s));
                continue;
            }
            p.lines.append({id, it->cls ? reconcile::className(*it->cls) : QString(), it->explanation, u"reopen"_s, {}});
        }
        *out = p;
        return {};
    }, [this, out, amountProblem](const Status &status) {
        m_previewBusy = false;
        if (!status)
            showPreview(status.error());
        else
            showPreview(*out);
        if (amountProblem) {
            m_problems->setText(m_problems->text().isEmpty() ? *amountProblem
                                                             : m_problems->text() + u'\n' + *amountProblem);
            m_resolve->setEnabled(false);
        }
        if (m_previewDirty)
            m_debounce->start();
    });
}

void ReconciliationDialog::showPreview(const Result<reconcile::ResolutionPreview> &preview)
{
    m_preview->clear();
    if (!preview) {
        m_lastPreview.reset();
        m_totals->clear();
        m_problems->setText(tr("The preview could not be read: %1").arg(preview.error().toString()));
        m_resolve->setEnabled(false);
        return;
    }
    m_lastPreview = preview.value();
    for (const auto &line : preview->lines) {
        auto *item = new QTreeWidgetItem(m_preview);
        item->setText(0, QString::number(line.itemId));
        item->setText(1, ReconciliationModel::className(line.cls));
        QString action;
        if (m_setup.mode == Mode::Reopen)
            action = tr("reopen");
        else if (line.writeOff)
            action = tr("write off %1 %2 to %3")
                         .arg(Format::money(line.writeOff->minor(), line.writeOff->currency().code()),
                              line.writeOff->currency().code(), m_account ? m_account->currentText() : QString());
        else if (m_setup.kind == reconcile::ResolutionKind::Refund)
            action = tr("refund in PayTrace, credit memo in Magento, then resolve");
        else if (m_setup.kind == reconcile::ResolutionKind::CreditMemo)
            action = tr("offline credit memo in Magento (PayTrace already refunded), then resolve");
        else if (m_setup.kind == reconcile::ResolutionKind::Link)
            action = tr("link to %1").arg(m_link ? m_link->text().trimmed() : QString());
        else
            action = tr("accept as it is");
        item->setText(2, action);
        item->setText(3, line.explanation);
        item->setToolTip(3, line.explanation);
    }
    m_preview->resizeColumnToContents(0);
    m_preview->resizeColumnToContents(1);
    m_preview->resizeColumnToContents(2);
    QStringList totals;
    totals << tr("%n item(s)", nullptr, int(preview->lines.size()));
    for (auto it = preview->writeOffTotals.cbegin(); it != preview->writeOffTotals.cend(); ++it)
        totals << tr("written off %1 %2").arg(Format::money(it.value(), it.key()), it.key());
    m_totals->setText(totals.join(u" · "_s));
    m_problems->setText(problemsText());
    const bool needsSync = sendsOperation() && !m_setup.sync;
    if (needsSync)
        m_problems->setText(tr("Refunds and credit memos need the connection to PayTrace and Magento, and there is none."));
    m_resolve->setEnabled(preview->ok() && !preview->lines.isEmpty() && !m_writing && !needsSync);
}

bool ReconciliationDialog::sendsOperation() const
{
    return m_setup.mode == Mode::Resolve
           && (m_setup.kind == reconcile::ResolutionKind::Refund || m_setup.kind == reconcile::ResolutionKind::CreditMemo);
}

QString ReconciliationDialog::problemsText() const
{
    if (!m_lastPreview)
        return {};
    QStringList out;
    for (const Error &e : m_lastPreview->problems)
        out << (e.field == u"note" ? tr("A note is required.") : tr("Not possible: %1").arg(e.toString()));
    return out.join(u'\n');
}

QString ReconciliationDialog::messageText() const
{
    return m_message->text();
}

void ReconciliationDialog::fail(const QString &message)
{
    m_writing = false;
    m_message->setText(message);
    schedulePreview();
}

void ReconciliationDialog::resolveNow()
{
    if (m_writing || previewPending() || !m_lastPreview || !m_lastPreview->ok() || m_lastPreview->lines.isEmpty()) {
        m_message->setText(tr("Nothing was written: the preview must be complete and without problems first."));
        return;
    }
    m_writing = true;
    m_resolve->setEnabled(false);
    if (sendsOperation()) {
        const bool refund = m_setup.kind == reconcile::ResolutionKind::Refund;
        if (!m_setup.sync) {
            fail(tr("Refunds and credit memos need the connection to PayTrace and Magento, and there is none."));
            return;
        }
        sync::OperationRequest op;
        op.kind = refund ? sync::OperationKind::Refund : sync::OperationKind::CreditMemo;
        op.orderIncrementId = m_setup.orderIncrementId;
        op.reason = m_note->text().trimmed();
        op.actor = m_setup.actor;
        if (m_amount && !m_amount->text().trimmed().isEmpty()) {
            if (const auto cur = Currency::fromCode(m_setup.currency)) {
                const auto amount = Money::parse(m_amount->text().trimmed(), *cur);
                if (amount)
                    op.amount = amount.value();
            }
        }
        m_message->setText(refund ? tr("Planning the refund…") : tr("Planning the credit memo…"));
        // The same intent path as the operation dialog: the engine checks the operator, the
        // limits and the money invariants; only an accepted request resolves the item.
        m_setup.sync->requestOperation(op, this, [this, refund](const sync::OperationOutcome &outcome) {
            if (outcome.kind == sync::OperationOutcome::Kind::Refused
                || outcome.kind == sync::OperationOutcome::Kind::Failed || outcome.intents.isEmpty()) {
                fail(refund ? tr("The refund was not made, so nothing was resolved: %1").arg(outcome.message)
                            : tr("The credit memo was not made, so nothing was resolved: %1").arg(outcome.message));
                return;
            }
            write(outcome.intents.first().naturalKey);
        });
        return;
    }
    write(QString());
}

void ReconciliationDialog::write(const QString &linkRef)
{
    auto req = request();
    if (!linkRef.isEmpty())
        req.linkRef = linkRef;
    if (m_amount && m_setup.kind == reconcile::ResolutionKind::WriteOff && !m_amount->text().trimmed().isEmpty())
        if (const auto cur = Currency::fromCode(m_setup.currency))
            if (const auto amount = Money::parse(m_amount->text().trimmed(), *cur))
                req.writeOffAmount = amount.value();
    const bool reopen = m_setup.mode == Mode::Reopen;
    auto count = std::make_shared<int>(0);
    m_message->setText(tr("Writing…"));
    runStoreTask(this, m_setup.databasePath, true, [req, reopen, count](QSqlDatabase &db) -> Status {
        if (Status allowed = mayResolve(db, req.actor); !allowed)
            return allowed;
        reconcile::ReconciliationStore store(db);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const auto done = reopen ? store.reopen(req.itemIds, req.note, req.actor, now) : store.resolve(req, now);
        if (!done)
            return done.error();
        *count = done.value();
        return {};
    }, [this, count, reopen](const Status &status) {
        if (!status) {
            fail(tr("Nothing was written: %1").arg(status.error().toString()));
            return;
        }
        m_writing = false;
        const QString summary = reopen ? tr("%n item(s) reopened", nullptr, *count)
                                       : tr("%n item(s) resolved", nullptr, *count);
        Q_EMIT applied(*count, summary);
        accept();
    });
}

} // namespace pb::ui
