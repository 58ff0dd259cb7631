#include "operationdialog.h"

#include "access/permissions.h"
#include "displayformat.h"
#include "moneyedit.h"
#include "sync/syncservice.h"

#include <QAction>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStackedWidget>
#include <QStyle>
#include <QToolButton>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui {

using sync::OperationKind;
using sync::OperationOutcome;
using sync::OperationPreview;
using sync::OperationRequest;

namespace {

QLabel *valueLabel(const QString &objectName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    return label;
}

QLabel *textLabel(const QString &objectName, QWidget *parent)
{
    QLabel *label = valueLabel(objectName, parent);
    label->setWordWrap(true);
    label->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    // A wrapped label asks for little width; without this a note is squeezed into a narrow
    // column beside short amounts.
    label->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    label->setMinimumWidth(360);
    return label;
}

access::Action accessAction(OperationKind kind)
{
    switch (kind) {
    case OperationKind::Capture: return access::Action::Capture;
    case OperationKind::Void: return access::Action::Void;
    case OperationKind::Refund:
    case OperationKind::CreditMemo: return access::Action::Refund;
    case OperationKind::Charge: return access::Action::Charge;
    }
    return access::Action::Refund;
}

// "This order was already voided at 10:49 by root." from the PayBridge void that did it (the
// console's local time; the date too when not today); without one, PayTrace's terminal did.
QString alreadyVoided(const QSqlDatabase &db, qint64 orderEntityId)
{
    QSqlQuery q(db);
    q.prepare(u"SELECT requested_by, updated_at FROM intents WHERE order_entity_id = ? AND kind = 'paytrace.void'"
              " AND state = 'succeeded' ORDER BY id DESC LIMIT 1"_s);
    q.addBindValue(orderEntityId);
    if (!q.exec() || !q.next())
        return OperationDialog::tr("This order was already voided (in PayTrace).");
    const QDateTime at = QDateTime::fromMSecsSinceEpoch(q.value(1).toLongLong()).toLocalTime();
    const QString when = at.date() == QDate::currentDate()
        ? OperationDialog::tr("at %1").arg(at.toString(u"HH:mm"_s))
        : OperationDialog::tr("on %1 at %2").arg(at.date().toString(Qt::ISODate), at.toString(u"HH:mm"_s));
    return OperationDialog::tr("This order was already voided %1 by %2.").arg(when, q.value(0).toString());
}

} // namespace

QString OperationDialog::kindTitle(OperationKind kind)
{
    switch (kind) {
    case OperationKind::Capture: return tr("Capture");
    case OperationKind::Void: return tr("Void");
    case OperationKind::Refund: return tr("Refund");
    case OperationKind::CreditMemo: return tr("Credit memo");
    case OperationKind::Charge: return tr("Charge card on file");
    }
    return {};
}

OperationDialog::OperationDialog(sync::SyncService *sync, OperationKind kind, const QString &orderIncrementId,
                                 const QString &actor, QWidget *parent)
    : OperationDialog(sync, kind, orderIncrementId, actor, QString(), parent)
{
}

OperationDialog::OperationDialog(sync::SyncService *sync, OperationKind kind, const QString &orderIncrementId,
                                 const QString &actor, const QString &vaultCustomerId, QWidget *parent)
    : QDialog(parent)
    , m_sync(sync)
    , m_kind(kind)
    , m_orderIncrementId(orderIncrementId)
    , m_actor(actor)
    , m_vaultCustomerId(vaultCustomerId)
{
    setObjectName(u"operationDialog"_s);
    setAttribute(Qt::WA_DeleteOnClose);
    switch (kind) {
    case OperationKind::Capture: setWindowTitle(tr("Capture payment — order %1").arg(orderIncrementId)); break;
    case OperationKind::Void: setWindowTitle(tr("Void payment — order %1").arg(orderIncrementId)); break;
    case OperationKind::Refund: setWindowTitle(tr("Refund — order %1").arg(orderIncrementId)); break;
    case OperationKind::CreditMemo: setWindowTitle(tr("Credit memo — order %1").arg(orderIncrementId)); break;
    case OperationKind::Charge: setWindowTitle(tr("Charge card on file — order %1").arg(orderIncrementId)); break;
    }
    setAccessibleName(windowTitle());

    m_heading = new QLabel(this);
    m_heading->setObjectName(u"headingLabel"_s);
    m_heading->setTextFormat(Qt::PlainText);
    QFont headingFont = m_heading->font();
    headingFont.setPointSizeF(headingFont.pointSizeF() * 1.25);
    headingFont.setBold(true);
    m_heading->setFont(headingFont);

    // 0: loading
    m_loading = textLabel(u"loadingLabel"_s, this);
    m_loading->setAlignment(Qt::AlignCenter);

    // 1: the form
    auto *form = new QWidget(this);
    m_order = valueLabel(u"orderValue"_s, form);
    m_currency = valueLabel(u"currencyValue"_s, form);
    m_authorized = valueLabel(u"authorizedValue"_s, form);
    m_captured = valueLabel(u"capturedValue"_s, form);
    m_refunded = valueLabel(u"refundedValue"_s, form);
    m_remaining = valueLabel(u"remainingValue"_s, form);
    for (QLabel *amount : {m_authorized, m_captured, m_refunded, m_remaining})
        amount->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    QFont bold = m_remaining->font();
    bold.setBold(true);
    m_remaining->setFont(bold);

    m_amount = new MoneyEdit(form);
    m_amount->setObjectName(u"amountEdit"_s);
    m_amount->lineEdit()->setAccessibleName(tr("Amount to %1").arg(kindTitle(kind).toLower()));
    m_amountLabel = new QLabel(tr("&Amount:"), form);
    m_amountLabel->setBuddy(m_amount->lineEdit());
    // The amount starts empty: "all of it" is a choice the person makes, never a default.
    m_full = new QPushButton(tr("&Full amount"), form);
    m_full->setObjectName(u"fullButton"_s);
    m_full->setAutoDefault(false);
    m_full->setEnabled(false);
    auto *amountRow = new QHBoxLayout;
    amountRow->setContentsMargins(0, 0, 0, 0);
    amountRow->addWidget(m_amount, 1);
    amountRow->addWidget(m_full);
    m_earlier = textLabel(u"earlierValue"_s, form);
    m_earlier->setText(tr("—"));
    m_voidNote = textLabel(u"voidNote"_s, form);
    m_reason = new QLineEdit(form);
    m_reason->setObjectName(u"reasonEdit"_s);
    m_reason->setAccessibleName(tr("Reason"));
    m_reason->setPlaceholderText(tr("Required: why, in a few words (kept in the audit log)"));
    m_reason->setMaxLength(500);
    auto *reasonLabel = new QLabel(tr("&Reason:"), form);
    reasonLabel->setBuddy(m_reason);
    m_formMessage = textLabel(u"formMessage"_s, form);

    auto *grid = new QFormLayout;
    grid->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    grid->addRow(tr("Order:"), m_order);
    grid->addRow(tr("Currency:"), m_currency);
    grid->addRow(tr("Authorized:"), m_authorized);
    grid->addRow(tr("Captured:"), m_captured);
    grid->addRow(tr("Refunded or voided:"), m_refunded);
    if (kind != OperationKind::Capture)
        grid->addRow(tr("Earlier:"), m_earlier);
    else
        m_earlier->hide();
    grid->addRow(kind == OperationKind::Capture ? tr("Left to capture:")
                 : kind == OperationKind::Void  ? tr("Would be voided:")
                 : kind == OperationKind::Charge ? tr("Left to pay:")
                                                : tr("Left to refund:"),
                 m_remaining);
    grid->addRow(m_amountLabel, amountRow);
    grid->addRow(QString(), m_voidNote);
    grid->addRow(reasonLabel, m_reason);
    auto *formLayout = new QVBoxLayout(form);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->addLayout(grid);
    formLayout->addWidget(m_formMessage);
    formLayout->addStretch(1);
    if (kind == OperationKind::Void) {
        m_amountLabel->hide();
        m_amount->hide();
        m_full->hide();
    } else {
        m_voidNote->hide();
    }

    // 2: the confirmation
    m_confirmText = textLabel(u"confirmText"_s, this);
    m_confirmText->setTextFormat(Qt::RichText);

    // 3: running
    auto *running = new QWidget(this);
    m_runningText = textLabel(u"runningText"_s, running);
    m_progress = new QProgressBar(running);
    m_progress->setObjectName(u"progressBar"_s);
    m_progress->setRange(0, 0); // busy: the engine reports the end, not steps
    m_progress->setAccessibleName(tr("Progress"));
    m_progress->setTextVisible(false);
    auto *runningLayout = new QVBoxLayout(running);
    runningLayout->setContentsMargins(0, 0, 0, 0);
    runningLayout->addWidget(m_runningText);
    runningLayout->addWidget(m_progress);
    runningLayout->addStretch(1);

    // 4: the outcome
    auto *outcome = new QWidget(this);
    m_outcomeTitle = textLabel(u"outcomeTitle"_s, outcome);
    m_outcomeTitle->setFont(bold);
    m_outcomeText = textLabel(u"outcomeText"_s, outcome);
    auto *outcomeLayout = new QVBoxLayout(outcome);
    outcomeLayout->setContentsMargins(0, 0, 0, 0);
    outcomeLayout->addWidget(m_outcomeTitle);
    outcomeLayout->addWidget(m_outcomeText);
    outcomeLayout->addStretch(1);

    m_pages = new QStackedWidget(this);
    m_pages->addWidget(m_loading);
    m_pages->addWidget(form);
    m_pages->addWidget(m_confirmText);
    m_pages->addWidget(running);
    m_pages->addWidget(outcome);

    m_back = new QPushButton(tr("&Back"), this);
    m_back->setObjectName(u"backButton"_s);
    m_next = new QPushButton(tr("&Review…"), this);
    m_next->setObjectName(u"nextButton"_s);
    m_next->setToolTip(tr("Shows exactly what will happen before anything is sent"));
    m_confirm = new QPushButton(this);
    m_confirm->setObjectName(u"confirmButton"_s);
    m_close = new QPushButton(tr("Cancel"), this);
    m_close->setObjectName(u"closeButton"_s);
    // Enter must never confirm a money movement by accident: only Review is a default button.
    for (QPushButton *b : {m_back, m_confirm, m_close})
        b->setAutoDefault(false);
    connect(m_back, &QPushButton::clicked, this, [this] { setStep(Step::Form); });
    connect(m_next, &QPushButton::clicked, this, &OperationDialog::review);
    connect(m_confirm, &QPushButton::clicked, this, &OperationDialog::confirm);
    connect(m_close, &QPushButton::clicked, this, &QDialog::reject);

    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_back);
    buttons->addWidget(m_next);
    buttons->addWidget(m_confirm);
    buttons->addWidget(m_close);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_heading);
    layout->addWidget(m_pages, 1);
    layout->addLayout(buttons);

    setTabOrder(m_amount->lineEdit(), m_full);
    setTabOrder(m_full, m_reason);
    setTabOrder(m_reason, m_back);
    setTabOrder(m_back, m_next);
    setTabOrder(m_next, m_confirm);
    setTabOrder(m_confirm, m_close);

    connect(m_amount, &MoneyEdit::amountEdited, this, &OperationDialog::updateNextEnabled);
    connect(m_full, &QPushButton::clicked, this, [this] {
        if (!m_preview || !m_preview->remaining.isValid() || m_preview->remaining.isZero())
            return;
        m_amount->setAmount(m_preview->remaining);
        updateNextEnabled();
        m_reason->setFocus(Qt::OtherFocusReason);
    });
    connect(m_reason, &QLineEdit::textChanged, this, &OperationDialog::updateNextEnabled);

    m_order->setText(orderIncrementId);
    resize(560, 420);
    setStep(Step::Loading);
    askInitialPreview();
}

OperationDialog::~OperationDialog() = default;

void OperationDialog::setApproval(qint64 approvalId, const Money &amount, const QString &reason)
{
    m_approvalId = approvalId;
    m_approvedAmount = amount;
    m_amount->setAmount(amount);
    m_amount->setReadOnly(true);
    m_full->hide();
    m_amount->lineEdit()->setToolTip(tr("The amount approval request #%1 was granted for").arg(approvalId));
    if (m_reason->text().isEmpty())
        m_reason->setText(reason);
    m_heading->setText(tr("%1 order %2 — approval #%3").arg(kindTitle(m_kind), m_orderIncrementId).arg(approvalId));
}

OperationRequest OperationDialog::request(bool withAmount) const
{
    OperationRequest r;
    r.kind = m_kind;
    r.orderIncrementId = m_orderIncrementId;
    r.actor = m_actor;
    r.reason = m_reason->text().trimmed();
    r.approvalId = m_approvalId;
    r.vaultCustomerId = m_vaultCustomerId;
    if (withAmount && m_kind != OperationKind::Void) {
        if (auto amount = m_amount->amount())
            r.amount = *amount;
    } else if (m_approvedAmount) {
        r.amount = m_approvedAmount;
    }
    return r;
}

void OperationDialog::setStep(Step step)
{
    m_step = step;
    m_pages->setCurrentIndex(int(step));
    m_back->setVisible(step == Step::Confirm);
    m_next->setVisible(step == Step::Form);
    m_confirm->setVisible(step == Step::Confirm);
    m_close->setText(step == Step::Outcome || step == Step::Running ? tr("&Close") : tr("Cancel"));
    m_next->setDefault(step == Step::Form);
    if (!m_approvalId)
        m_heading->setText(tr("%1 order %2").arg(kindTitle(m_kind), m_orderIncrementId));
    switch (step) {
    case Step::Loading:
        m_close->setFocus();
        break;
    case Step::Form:
        updateNextEnabled();
        if (m_kind != OperationKind::Void && !m_approvalId) {
            m_amount->lineEdit()->setFocus(Qt::OtherFocusReason);
            m_amount->lineEdit()->selectAll();
        } else {
            m_reason->setFocus(Qt::OtherFocusReason);
        }
        break;
    case Step::Confirm:
        m_confirm->setFocus(Qt::OtherFocusReason);
        break;
    case Step::Running:
        m_close->setFocus(Qt::OtherFocusReason);
        break;
    case Step::Outcome:
        m_close->setFocus(Qt::OtherFocusReason);
        m_close->setDefault(true);
        break;
    }
}

void OperationDialog::askInitialPreview()
{
    if (!m_sync) {
        m_loading->setText(tr("PayBridge is not connected to PayTrace and Magento for this profile, so nothing "
                              "can be sent. Open the console with a connection profile."));
        return;
    }
    m_loading->setText(tr("Asking PayBridge what a %1 of order %2 would do…")
                           .arg(kindTitle(m_kind).toLower(), m_orderIncrementId));
    m_busy = true;
    // The planner refuses any request without a reason, and this first look (the amounts, whether
    // the order allows it at all) comes before anyone could type one. A preview writes nothing,
    // so a stand-in reason is safe here; the review and the request carry the typed one.
    OperationRequest first = request(false);
    if (first.reason.isEmpty())
        first.reason = u"(opening the form)"_s;
    m_sync->previewOperation(first, this, [this](const Result<OperationPreview> &preview) {
        m_busy = false;
        onInitialPreview(preview);
    });
}

QString OperationDialog::moneyText(const Money &money) const
{
    if (!money.isValid())
        return tr("—");
    return Format::money(money.minor(), money.currency().code()) + u' ' + money.currency().code();
}

void OperationDialog::onInitialPreview(const Result<OperationPreview> &result)
{
    m_formUsable = false;
    if (!result) {
        setStep(Step::Form);
        showFormMessage(tr("PayBridge could not work out what this would do: %1").arg(result.error().toString()), true);
        return;
    }
    const OperationPreview &p = *result;
    m_preview = p;
    m_currency->setText(p.currency.code());
    m_authorized->setText(moneyText(p.authorized));
    m_captured->setText(moneyText(p.captured));
    m_refunded->setText(moneyText(p.refunded));
    m_remaining->setText(moneyText(p.remaining));
    if (p.currency.isValid()) {
        m_amount->setCurrency(p.currency);
        m_amount->setMaximum(p.remaining.isValid() ? std::optional<Money>(p.remaining) : std::nullopt);
        // A capture usually takes what was authorized; a refund is typed, or "Full amount".
        if (m_kind == OperationKind::Capture && !m_approvedAmount && p.remaining.isValid() && !p.remaining.isZero())
            m_amount->setAmount(p.remaining);
    }
    const bool somethingLeft = p.allowed && p.remaining.isValid() && !p.remaining.isZero();
    m_full->setEnabled(somethingLeft && !m_approvedAmount);
    m_full->setText(somethingLeft ? tr("&Full amount: %1").arg(moneyText(p.remaining)) : tr("&Full amount"));
    m_full->setToolTip(m_kind == OperationKind::Refund   ? tr("Refund everything still refundable on this order")
                       : m_kind == OperationKind::Charge ? tr("Charge everything the order still owes")
                                                         : tr("Capture everything still authorized on this order"));
    m_earlier->setText(p.earlier.isEmpty() ? (m_kind == OperationKind::Void ? tr("Nothing voided or refunded yet.")
                                                                            : tr("Nothing refunded or voided yet."))
                                           : p.earlier.join(u'\n'));
    if (m_kind == OperationKind::Void)
        m_voidNote->setText(tr("A void cancels the whole unsettled payment (%1); it cannot be partial. "
                               "Once settled, refund instead.").arg(moneyText(p.remaining)));
    setStep(Step::Form);
    if (!p.allowed) {
        showFormMessage(p.refusal.isEmpty() ? tr("This is not possible for this order.") : p.refusal, true);
        return;
    }
    m_formUsable = true;
    if (p.needsApproval && m_kind == OperationKind::Refund && !m_approvalId)
        showFormMessage(tr("Refunds of this size need approval by a finance operator: you can still ask, and the "
                           "refund waits until someone other than you approves it."),
                        false);
    else if (p.needsApproval && m_kind == OperationKind::Charge && !m_approvalId)
        showFormMessage(tr("Charges of this size need approval by a finance operator: you can still ask, and the "
                           "charge waits until someone other than you approves it."),
                        false);
    else
        showFormMessage(QString(), false);
    updateNextEnabled();
}

void OperationDialog::showFormMessage(const QString &text, bool error)
{
    m_formMessage->setText(text);
    // A refusal must stand out from the advice that shares the line.
    m_formMessage->setStyleSheet(error ? u"color: #b00020;"_s : QString());
    m_formMessage->setAccessibleDescription(text);
}

void OperationDialog::updateNextEnabled()
{
    const bool amountOk = m_kind == OperationKind::Void || m_amount->hasAcceptableAmount();
    const bool reasonOk = !m_reason->text().trimmed().isEmpty();
    m_next->setEnabled(m_formUsable && !m_busy && amountOk && reasonOk);
    if (!m_formUsable)
        m_next->setToolTip(tr("Not possible for this order; the message above says why"));
    else if (!amountOk)
        m_next->setToolTip(m_amount->amount().error().message);
    else if (!reasonOk)
        m_next->setToolTip(tr("Enter a reason first"));
    else
        m_next->setToolTip(tr("Shows exactly what will happen before anything is sent"));
}

void OperationDialog::review()
{
    if (!m_sync || m_busy)
        return;
    if (m_kind != OperationKind::Void) {
        if (auto amount = m_amount->amount(); !amount) {
            showFormMessage(amount.error().message, true);
            m_amount->lineEdit()->setFocus();
            return;
        }
    }
    if (m_reason->text().trimmed().isEmpty()) {
        showFormMessage(tr("Enter a reason: it is kept with the request and in the audit log."), true);
        m_reason->setFocus();
        return;
    }
    m_busy = true;
    updateNextEnabled();
    showFormMessage(tr("Checking…"), false);
    m_sync->previewOperation(request(true), this, [this](const Result<OperationPreview> &preview) {
        m_busy = false;
        onReviewPreview(preview);
    });
}

void OperationDialog::onReviewPreview(const Result<OperationPreview> &result)
{
    updateNextEnabled();
    if (!result) {
        showFormMessage(tr("PayBridge could not work out what this would do: %1").arg(result.error().toString()), true);
        return;
    }
    const OperationPreview &p = *result;
    m_preview = p;
    if (!p.allowed) {
        showFormMessage(p.refusal.isEmpty() ? tr("This is not possible for this order.") : p.refusal, true);
        return;
    }
    showFormMessage(QString(), false);

    const auto esc = [](const QString &s) -> QString { return s.toHtmlEscaped(); };
    QString html = u"<p>"_s
        + esc(p.needsApproval && !m_approvalId
                  ? tr("Please check. When you confirm, PayBridge asks for approval; once a finance operator "
                       "approves, it will:")
                  : tr("Please check. When you confirm, PayBridge will:"))
        + u"</p><ol>"_s;
    for (const QString &step : p.steps)
        html += u"<li style=\"margin-bottom:4px;\">"_s + esc(step) + u"</li>"_s;
    html += u"</ol>"_s;
    if (p.settled && m_kind == OperationKind::Refund)
        html += u"<p>"_s + esc(tr("The payment is settled, so the money goes back to the card as a refund.")) + u"</p>"_s;
    if (p.needsApproval && !m_approvalId)
        html += u"<p><b>"_s
            + esc(tr("A finance operator other than you must approve this first. Nothing is sent to PayTrace, "
                     "Magento or the ERP until then."))
            + u"</b></p>"_s;
    html += u"<p>"_s + esc(tr("Reason: %1").arg(m_reason->text().trimmed())) + u"</p>"_s;
    m_confirmText->setText(html);
    m_confirmText->setAccessibleDescription(QTextDocumentFragment::fromHtml(html).toPlainText());

    const QString amount = moneyText(p.amount);
    if (p.needsApproval && !m_approvalId)
        m_confirm->setText(tr("&Confirm and ask for approval"));
    else if (m_kind == OperationKind::Void)
        m_confirm->setText(tr("&Confirm void"));
    else if (m_kind == OperationKind::Charge)
        m_confirm->setText(tr("&Confirm charge of %1").arg(amount));
    else
        m_confirm->setText(tr("&Confirm %1 of %2").arg(kindTitle(m_kind).toLower(), amount));
    setStep(Step::Confirm);
}

void OperationDialog::confirm()
{
    if (!m_sync || m_busy || !m_preview)
        return;
    m_busy = true;
    m_runningText->setText(
        tr("PayBridge is carrying this out: first PayTrace, then Magento, then the ERP. Each step is written down "
           "before it is sent, so it happens once.\n\nYou can close this window: the request continues, and its "
           "outcome appears in the order's payment trail and on the Queue page."));
    setStep(Step::Running);
    OperationRequest r = request(true);
    m_sync->requestOperation(r, this, [this](const OperationOutcome &outcome) {
        m_busy = false;
        onOutcome(outcome);
    });
}

void OperationDialog::onOutcome(const OperationOutcome &outcome)
{
    m_outcome = outcome;
    QString title;
    QString todo;
    switch (outcome.kind) {
    case OperationOutcome::Kind::Succeeded:
        title = tr("Done.");
        if (!outcome.gatewayRef.isEmpty())
            todo = tr("PayTrace transaction %1. The order's payment trail shows every step.").arg(outcome.gatewayRef);
        break;
    case OperationOutcome::Kind::Queued:
        title = tr("Queued: not everything is done yet.");
        todo = tr("PayBridge sends the remaining steps when they are due and retries what failed for a passing "
                  "reason. Follow it on the Queue page; there is nothing to repeat by hand.");
        break;
    case OperationOutcome::Kind::AwaitingApproval:
        title = outcome.approvalId ? tr("Waiting for approval (request #%1).").arg(*outcome.approvalId)
                                   : tr("Waiting for approval.");
        todo = tr("Nothing was sent yet. A finance operator other than you must approve it under View › Approvals; "
                  "after that, run the approved refund from the same window.");
        break;
    case OperationOutcome::Kind::InDoubt:
        title = tr("PayBridge could not confirm whether this went through.");
        todo = tr("It will check PayTrace and Magento before anything is sent again; see the Queue page. Do not "
                  "repeat it in PayTrace or Magento by hand.");
        break;
    case OperationOutcome::Kind::Refused:
        title = tr("Refused: nothing was sent.");
        break;
    case OperationOutcome::Kind::Failed:
        title = tr("It failed.");
        todo = tr("The failed step is on the Queue page as a dead letter, with the error. Fix the cause, then replay "
                  "it there; what already happened is not repeated.");
        break;
    }
    m_outcomeTitle->setText(title);
    QString text = outcome.message;
    if (!todo.isEmpty())
        text += (text.isEmpty() ? QString() : u"\n\n"_s) + todo;
    m_outcomeText->setText(text);
    setStep(Step::Outcome);
    Q_EMIT operationFinished(outcome);
}

QString OperationDialog::formMessage() const
{
    return m_formMessage->text();
}

QString OperationDialog::earlierText() const
{
    return m_earlier->text();
}

QString OperationDialog::confirmationText() const
{
    return m_confirmText->accessibleDescription();
}

QString OperationDialog::outcomeText() const
{
    return m_outcomeTitle->text() + u'\n' + m_outcomeText->text();
}

OperationDialog::Availability OperationDialog::availability(const QSqlDatabase &db, qint64 orderEntityId,
                                                            const QString &actor, OperationKind kind)
{
    Availability a;
    QSqlQuery q(db);
    // pay_* are in the currency the card was charged in (the base currency when there is one).
    q.prepare(u"SELECT CASE WHEN base_currency <> '' THEN base_currency ELSE currency END AS currency,"
              " pay_authorized, pay_captured, pay_refunded, pay_voided, pay_status"
              " FROM orders WHERE entity_id = ?"_s);
    q.addBindValue(orderEntityId);
    if (!q.exec() || !q.next()) {
        a.why = tr("The order could not be read from the store.");
        return a;
    }
    const QSqlRecord r = q.record();
    const auto currency = Currency::fromCode(r.value(u"currency"_s).toString());
    const QString status = r.value(u"pay_status"_s).toString();
    const qint64 authorized = r.value(u"pay_authorized"_s).toLongLong();
    const qint64 captured = r.value(u"pay_captured"_s).toLongLong();
    const qint64 refunded = r.value(u"pay_refunded"_s).toLongLong();
    const qint64 voided = r.value(u"pay_voided"_s).toLongLong();
    if (!currency) {
        a.why = tr("The order's currency is not one PayBridge knows.");
        return a;
    }
    if (authorized == 0 && captured == 0) {
        a.why = tr("No PayTrace payment is linked to this order.");
        return a;
    }
    qint64 amountForCheck = 0;
    switch (kind) {
    case OperationKind::Capture:
        amountForCheck = authorized - captured - voided;
        if (status != u"authorized" || amountForCheck <= 0) {
            a.why = tr("Nothing is authorized and still uncaptured on this order.");
            return a;
        }
        break;
    case OperationKind::Void:
        if (status == u"voided") {
            a.why = alreadyVoided(db, orderEntityId);
            return a;
        }
        if (status != u"authorized" && status != u"captured") {
            a.why = status == u"settled" || status == u"partially_refunded"
                        ? tr("The payment is settled, so it can no longer be voided; refund it instead.")
                        : tr("There is no unsettled payment on this order to void.");
            return a;
        }
        break;
    case OperationKind::Refund:
        amountForCheck = captured - refunded;
        if (status == u"captured" || status == u"authorized") {
            a.why = tr("The payment is not settled yet, and PayTrace refunds only settled payments; void it instead.");
            return a;
        }
        if (amountForCheck <= 0 || (status != u"settled" && status != u"partially_refunded")) {
            a.why = tr("Nothing captured and settled is left to refund on this order.");
            return a;
        }
        break;
    case OperationKind::CreditMemo: // offered from reconciliation, which checks its own case
        amountForCheck = captured - refunded;
        break;
    case OperationKind::Charge: // offered from the Customers page; the engine checks the order
        break;
    }

    if (actor.isEmpty()) {
        a.why = tr("PayBridge cannot tell which account you are, so it cannot check your role.");
        return a;
    }
    QSqlDatabase conn = db;
    access::Permissions permissions(conn);
    auto op = permissions.operatorFor(actor);
    if (!op) {
        a.why = tr("Your role could not be read: %1").arg(op.error().toString());
        return a;
    }
    access::ActionContext context;
    context.amount = Money::fromMinor(qMax<qint64>(amountForCheck, 1), *currency);
    const Status verdict = permissions.check(*op, accessAction(kind), context);
    if (!verdict && verdict.error().code != access::kNeedsApproval) {
        a.why = verdict.error().message;
        return a;
    }
    a.enabled = true;
    if (!verdict) // support above the limit: allowed to ask
        a.why = verdict.error().message;
    return a;
}

OperationActions::OperationActions(QWidget *page, std::function<std::optional<qint64>()> selectedOrder)
    : QObject(page)
    , m_page(page)
    , m_selectedOrder(std::move(selectedOrder))
{
    const auto make = [this](OperationKind kind, const QString &text, QKeyCombination key, const QString &name) {
        auto *action = new QAction(text, m_page);
        action->setObjectName(name);
        action->setShortcut(QKeySequence(key));
        // The page's shortcut, so Orders and Transactions can both have it.
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        m_page->addAction(action);
        connect(action, &QAction::triggered, this, [this, kind] { open(kind); });
        return action;
    };
    m_capture = make(OperationKind::Capture, tr("&Capture…"), Qt::CTRL | Qt::SHIFT | Qt::Key_C, u"captureAction"_s);
    m_void = make(OperationKind::Void, tr("&Void…"), Qt::CTRL | Qt::SHIFT | Qt::Key_V, u"voidAction"_s);
    m_refund = make(OperationKind::Refund, tr("R&efund…"), Qt::CTRL | Qt::SHIFT | Qt::Key_R, u"refundAction"_s);

    m_bar = new QWidget(m_page);
    m_bar->setObjectName(u"operationBar"_s);
    m_bar->setAccessibleName(tr("Payment actions"));
    auto *layout = new QHBoxLayout(m_bar);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *label = new QLabel(tr("Payment:"), m_bar);
    label->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(label);
    for (QAction *action : {m_capture, m_void, m_refund}) {
        auto *button = new QToolButton(m_bar);
        button->setDefaultAction(action);
        button->setObjectName(action->objectName() + u"Button"_s);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        button->setFocusPolicy(Qt::StrongFocus);
        layout->addWidget(button);
    }
    layout->addStretch(1);
    update();
}

void OperationActions::setContext(sync::SyncService *sync, const QString &actor)
{
    m_sync = sync;
    m_actor = actor;
    update();
}

QAction *OperationActions::action(OperationKind kind) const
{
    switch (kind) {
    case OperationKind::Capture: return m_capture;
    case OperationKind::Void: return m_void;
    case OperationKind::Refund: return m_refund;
    case OperationKind::CreditMemo: // not a button of the order pages
    case OperationKind::Charge: break;
    }
    return nullptr;
}

void OperationActions::update()
{
    const std::optional<qint64> order = m_selectedOrder ? m_selectedOrder() : std::nullopt;
    for (OperationKind kind : {OperationKind::Capture, OperationKind::Void, OperationKind::Refund}) {
        QAction *a = action(kind);
        const QString shortcut = a->shortcut().toString(QKeySequence::NativeText);
        OperationDialog::Availability availability;
        if (!m_sync)
            availability.why = tr("Not connected: open the console with a connection profile.");
        else if (!order)
            availability.why = m_page->objectName() == u"transactionsPage"
                                   ? tr("Select a transaction that is linked to an order.")
                                   : tr("Select an order first.");
        else if (!m_db.isOpen())
            availability.why = tr("The store is not open yet.");
        else
            availability = OperationDialog::availability(m_db, *order, m_actor, kind);
        a->setEnabled(availability.enabled);
        QString tip;
        switch (kind) {
        case OperationKind::Capture: tip = tr("Capture the authorized payment (%1)").arg(shortcut); break;
        case OperationKind::Void: tip = tr("Void the unsettled payment (%1)").arg(shortcut); break;
        case OperationKind::Refund: tip = tr("Refund all or part of the settled payment (%1)").arg(shortcut); break;
        case OperationKind::CreditMemo:
        case OperationKind::Charge: break;
        }
        if (!availability.why.isEmpty())
            tip += u'\n' + availability.why;
        a->setToolTip(tip);
        a->setStatusTip(availability.why);
    }
}

OperationDialog *OperationActions::open(OperationKind kind)
{
    update();
    QAction *a = action(kind);
    const std::optional<qint64> order = m_selectedOrder ? m_selectedOrder() : std::nullopt;
    if (!a->isEnabled() || !order)
        return nullptr;
    QSqlQuery q(m_db);
    q.prepare(u"SELECT increment_id FROM orders WHERE entity_id = ?"_s);
    q.addBindValue(*order);
    if (!q.exec() || !q.next())
        return nullptr;
    auto *dialog = new OperationDialog(m_sync, kind, q.value(0).toString(), m_actor, m_page);
    connect(dialog, &OperationDialog::operationFinished, this, [this](const OperationOutcome &outcome) {
        update();
        Q_EMIT operationFinished(outcome);
    });
    dialog->open();
    Q_EMIT dialogOpened(dialog);
    return dialog;
}

} // namespace pb::ui
