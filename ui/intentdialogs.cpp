#include "intentdialogs.h"

#include <QButtonGroup>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

QLabel *wrappedLabel(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

IntentActionDialog::IntentActionDialog(qint64 intentId, const QString &summary, const QString &okText,
                                       QWidget *parent)
    : QDialog(parent)
    , m_intentId(intentId)
{
    setMinimumWidth(480);
    m_summary = wrappedLabel(summary, this);
    m_summary->setObjectName(u"summaryLabel"_s);
    QFont bold = m_summary->font();
    bold.setBold(true);
    m_summary->setFont(bold);

    m_hint = wrappedLabel(QString(), this);
    m_hint->setObjectName(u"hintLabel"_s);
    m_hint->setForegroundRole(QPalette::PlaceholderText);

    m_error = wrappedLabel(QString(), this);
    m_error->setObjectName(u"errorLabel"_s);
    m_error->setAccessibleName(tr("Error"));
    QPalette p = m_error->palette();
    p.setColor(QPalette::WindowText, QColor(0xb0, 0x00, 0x20));
    m_error->setPalette(p);
    m_error->hide();

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    okButton()->setText(okText);
    okButton()->setObjectName(u"okButton"_s);
    okButton()->setDefault(false);
    okButton()->setAutoDefault(false);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &IntentActionDialog::onOk);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addStretch(1);
    layout->addWidget(m_error);
    layout->addWidget(m_hint);
    layout->addWidget(m_buttons);
}

QPushButton *IntentActionDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

void IntentActionDialog::setBody(QWidget *body)
{
    static_cast<QVBoxLayout *>(layout())->insertWidget(1, body, 1);
}

void IntentActionDialog::updateOk()
{
    const QString missing = missingInput();
    okButton()->setEnabled(!m_busy && missing.isEmpty());
    m_hint->setText(m_busy ? tr("Working…") : missing);
    m_hint->setVisible(!m_hint->text().isEmpty());
}

void IntentActionDialog::setBusy(bool busy)
{
    m_busy = busy;
    updateOk();
}

void IntentActionDialog::onOk()
{
    if (m_busy || !missingInput().isEmpty())
        return;
    m_error->hide();
    setBusy(true);
    Q_EMIT submitted();
}

void IntentActionDialog::finish(bool ok, const QString &message)
{
    setBusy(false);
    if (ok) {
        accept();
        return;
    }
    m_error->setText(message);
    m_error->show();
}

ResolveIntentDialog::ResolveIntentDialog(qint64 intentId, const QString &summary, const QString &janitorNote,
                                         QWidget *parent)
    : IntentActionDialog(intentId, summary, tr("&Resolve"), parent)
{
    setObjectName(u"resolveIntentDialog"_s);
    setWindowTitle(tr("Resolve intent %1").arg(intentId));
    setAccessibleName(windowTitle());

    auto *body = new QWidget(this);
    auto *layout = new QVBoxLayout(body);
    layout->setContentsMargins(0, 0, 0, 0);
    if (!janitorNote.isEmpty()) {
        auto *found = wrappedLabel(tr("What the janitor found: %1").arg(janitorNote), body);
        found->setObjectName(u"janitorNoteLabel"_s);
        layout->addWidget(found);
    }
    layout->addWidget(wrappedLabel(tr("Check the other system, then say what happened. Your decision is "
                                      "recorded in the audit log under your name."),
                                   body));

    m_happened = new QRadioButton(tr("It &happened — the effect is there"), body);
    m_happened->setObjectName(u"happenedButton"_s);
    m_reference = new QLineEdit(body);
    m_reference->setObjectName(u"referenceEdit"_s);
    m_reference->setPlaceholderText(tr("Gateway transaction ID or document number"));
    m_reference->setAccessibleName(tr("Reference of the effect"));
    m_reference->setMaxLength(100);

    m_notHappened = new QRadioButton(tr("It did &not happen — send it again"), body);
    m_notHappened->setObjectName(u"notHappenedButton"_s);

    auto *group = new QButtonGroup(this);
    group->addButton(m_happened);
    group->addButton(m_notHappened);

    m_note = new QPlainTextEdit(body);
    m_note->setObjectName(u"noteEdit"_s);
    m_note->setPlaceholderText(tr("How you established it (what you looked at)"));
    m_note->setAccessibleName(tr("Note"));
    m_note->setTabChangesFocus(true);
    m_note->setFixedHeight(m_note->fontMetrics().lineSpacing() * 4 + 12);

    auto *form = new QFormLayout;
    form->addRow(m_happened);
    form->addRow(tr("&Reference:"), m_reference);
    form->addRow(m_notHappened);
    form->addRow(tr("N&ote:"), m_note);
    layout->addLayout(form);
    setBody(body);

    const auto changed = [this] {
        m_reference->setEnabled(m_happened->isChecked());
        updateOk();
    };
    connect(m_happened, &QRadioButton::toggled, this, changed);
    connect(m_notHappened, &QRadioButton::toggled, this, changed);
    connect(m_reference, &QLineEdit::textChanged, this, &ResolveIntentDialog::updateOk);
    connect(m_note, &QPlainTextEdit::textChanged, this, &ResolveIntentDialog::updateOk);
    m_reference->setEnabled(false);
    updateOk();
    m_happened->setFocus();
}

intents::ManualResolution ResolveIntentDialog::resolution() const
{
    intents::ManualResolution r;
    r.happened = m_happened->isChecked();
    r.resultRef = r.happened ? m_reference->text().trimmed() : QString();
    r.note = m_note->toPlainText().trimmed();
    return r;
}

QString ResolveIntentDialog::missingInput() const
{
    if (!m_happened->isChecked() && !m_notHappened->isChecked())
        return tr("Choose whether it happened.");
    if (m_happened->isChecked() && m_reference->text().trimmed().isEmpty())
        return tr("Enter the reference of the effect (transaction ID or document number).");
    if (m_notHappened->isChecked() && m_note->toPlainText().trimmed().isEmpty())
        return tr("Write how you know it did not happen.");
    return {};
}

DiscardIntentDialog::DiscardIntentDialog(qint64 intentId, const QString &summary, QWidget *parent)
    : IntentActionDialog(intentId, summary, tr("&Discard"), parent)
{
    setObjectName(u"discardIntentDialog"_s);
    setWindowTitle(tr("Discard intent %1").arg(intentId));
    setAccessibleName(windowTitle());

    auto *body = new QWidget(this);
    auto *layout = new QVBoxLayout(body);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(wrappedLabel(tr("A discarded intent is never sent. Nothing changes in PayTrace, "
                                      "Magento or the ERP. The reason is kept in the audit log."),
                                   body));
    auto *label = new QLabel(tr("&Reason:"), body);
    m_reason = new QPlainTextEdit(body);
    m_reason->setObjectName(u"reasonEdit"_s);
    m_reason->setAccessibleName(tr("Reason"));
    m_reason->setPlaceholderText(tr("Why this must not happen"));
    m_reason->setTabChangesFocus(true);
    m_reason->setFixedHeight(m_reason->fontMetrics().lineSpacing() * 4 + 12);
    label->setBuddy(m_reason);
    layout->addWidget(label);
    layout->addWidget(m_reason);
    setBody(body);
    connect(m_reason, &QPlainTextEdit::textChanged, this, &DiscardIntentDialog::updateOk);
    updateOk();
    m_reason->setFocus();
}

QString DiscardIntentDialog::reason() const
{
    return m_reason->toPlainText().trimmed();
}

QString DiscardIntentDialog::missingInput() const
{
    return reason().isEmpty() ? tr("A reason is required.") : QString();
}

ReplayIntentDialog::ReplayIntentDialog(qint64 intentId, const QString &summary, QWidget *parent)
    : IntentActionDialog(intentId, summary, tr("Re&play"), parent)
{
    setObjectName(u"replayIntentDialog"_s);
    setWindowTitle(tr("Replay intent %1").arg(intentId));
    setAccessibleName(windowTitle());

    auto *body = new QWidget(this);
    auto *layout = new QVBoxLayout(body);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *title = new QLabel(tr("Dry run — what a replay sends now:"), body);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);
    m_dryRun = wrappedLabel(tr("Asking the engine…"), body);
    m_dryRun->setObjectName(u"dryRunLabel"_s);
    m_dryRun->setAccessibleName(tr("Dry run"));
    m_dryRun->setMinimumHeight(m_dryRun->fontMetrics().lineSpacing() * 3);
    m_dryRun->setFocusPolicy(Qt::StrongFocus); // screen readers and keyboard users can reach it
    auto *label = new QLabel(tr("&Note (optional):"), body);
    m_note = new QLineEdit(body);
    m_note->setObjectName(u"noteEdit"_s);
    m_note->setAccessibleName(tr("Note"));
    m_note->setPlaceholderText(tr("Why it is safe to send it again now"));
    label->setBuddy(m_note);
    layout->addWidget(title);
    layout->addWidget(m_dryRun);
    layout->addSpacing(8);
    layout->addWidget(label);
    layout->addWidget(m_note);
    setBody(body);
    updateOk();
}

void ReplayIntentDialog::setDryRun(bool replayable, const QStringList &steps, const QString &whyNot)
{
    m_haveDryRun = true;
    m_replayable = replayable;
    if (!replayable) {
        m_dryRun->setText(tr("It cannot be replayed: %1").arg(whyNot));
    } else {
        QStringList lines;
        for (const QString &step : steps)
            lines << u"• "_s + step;
        m_dryRun->setText(lines.isEmpty() ? tr("Nothing would be sent.") : lines.join(u'\n'));
    }
    updateOk();
}

void ReplayIntentDialog::setDryRunFailed(const QString &message)
{
    m_haveDryRun = true;
    m_replayable = false;
    m_dryRun->setText(tr("The dry run failed: %1").arg(message));
    updateOk();
}

QString ReplayIntentDialog::note() const
{
    return m_note->text().trimmed();
}

QString ReplayIntentDialog::missingInput() const
{
    if (!m_haveDryRun)
        return tr("Waiting for the dry run…");
    if (!m_replayable)
        return tr("This intent cannot be replayed.");
    return {};
}

} // namespace pb::ui
