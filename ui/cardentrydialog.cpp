#include "cardentrydialog.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// Luhn over the digits of `digits` (all digits, checked by the caller).
bool luhnOk(QByteArrayView digits)
{
    int sum = 0;
    bool twice = false;
    for (qsizetype i = digits.size() - 1; i >= 0; --i) {
        int d = digits.at(i) - '0';
        if (twice) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

int prefixNumber(QByteArrayView digits, int length)
{
    if (digits.size() < length)
        return -1;
    int n = 0;
    for (int i = 0; i < length; ++i)
        n = n * 10 + (digits.at(i) - '0');
    return n;
}

// The brand from the leading digits (the issuer ranges the networks publish).
QString cardTypeOf(QByteArrayView digits)
{
    if (digits.isEmpty())
        return {};
    if (digits.at(0) == '4')
        return u"Visa"_s;
    const int two = prefixNumber(digits, 2);
    const int four = prefixNumber(digits, 4);
    const int three = prefixNumber(digits, 3);
    if (two == 34 || two == 37)
        return u"American Express"_s;
    if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720))
        return u"MasterCard"_s;
    if (four == 6011 || two == 65 || (three >= 644 && three <= 649))
        return u"Discover"_s;
    return {};
}

// Groups of four; American Express 4-6-5, as printed on the card.
QString grouped(const QString &digits, bool amex)
{
    QString out;
    out.reserve(digits.size() + 4);
    const QList<int> breaks = amex ? QList<int>{4, 10} : QList<int>{4, 8, 12, 16};
    for (int i = 0; i < digits.size(); ++i) {
        if (i > 0 && breaks.contains(i))
            out += u' ';
        out += digits.at(i);
    }
    return out;
}

} // namespace

CardDigitsEdit::CardDigitsEdit(QWidget *parent) : QLineEdit(parent)
{
    // Not Normal: QLineEdit then neither copies (to the clipboard or the X11 selection) nor
    // starts a drag, and its accessible text is masked. PasswordEchoOnEdit shows the digits
    // while the field has focus, so the person can check what they typed.
    setEchoMode(QLineEdit::PasswordEchoOnEdit);
    setDragEnabled(false);
    setAcceptDrops(false);
    setContextMenuPolicy(Qt::NoContextMenu);
    setInputMethodHints(Qt::ImhSensitiveData | Qt::ImhNoPredictiveText | Qt::ImhPreferNumbers
                        | Qt::ImhNoAutoUppercase);
}

void CardDigitsEdit::keyPressEvent(QKeyEvent *event)
{
    // The owner resets the text after every edit (which clears QLineEdit's undo history);
    // these keys never reach the undo stack or the clipboard in between.
    if (event == QKeySequence::Undo || event == QKeySequence::Redo || event == QKeySequence::Copy
        || event == QKeySequence::Cut || event == QKeySequence::Paste) {
        event->accept();
        return;
    }
    QLineEdit::keyPressEvent(event);
}

CardEntryDialog::CardEntryDialog(const CardEntrySetup &setup, CardSubmitter submitter, QWidget *parent)
    : QDialog(parent)
    , m_setup(setup)
    , m_submitter(std::move(submitter))
    , m_today(QDate::currentDate())
{
    setObjectName(u"cardEntryDialog"_s);
    setWindowTitle(setup.create ? tr("Add card — %1").arg(setup.vaultCustomerId)
                                : tr("Replace card — %1").arg(setup.vaultCustomerId));
    setAccessibleName(windowTitle());

    if (!setup.publicKeyPem.isEmpty()) {
        auto encryptor = paytrace::CardEncryptor::fromPem(setup.publicKeyPem);
        if (encryptor)
            m_encryptor = std::move(encryptor.value());
        else
            m_keyError = encryptor.error().message;
    }

    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(setup.create
        ? tr("A new PayTrace vault profile <b>%1</b> is created with this card.").arg(setup.vaultCustomerId.toHtmlEscaped())
        : tr("The card on vault profile <b>%1</b> (%2) is replaced.")
              .arg(setup.vaultCustomerId.toHtmlEscaped(),
                   (setup.currentCard.isEmpty() ? tr("no card on file") : setup.currentCard).toHtmlEscaped()));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    m_keyNote = new QLabel;
    m_keyNote->setObjectName(u"keyNote"_s);
    m_keyNote->setWordWrap(true);
    m_keyNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    if (!m_encryptor) {
        m_keyNote->setText(m_keyError.isEmpty()
            ? tr("No PayTrace encryption key is configured, so no card can be entered. %1").arg(setup.publicKeyHelp)
            : tr("The PayTrace encryption key cannot be used (%1). %2").arg(m_keyError, setup.publicKeyHelp));
        m_keyNote->setStyleSheet(u"color: #c62828;"_s);
    } else {
        m_keyNote->setText(tr("The number and CSC are encrypted with your PayTrace key as you type; PayBridge keeps "
                              "only the card type, last four digits and expiry."));
    }
    layout->addWidget(m_keyNote);

    auto *cardBox = new QGroupBox(tr("Card"));
    auto *cardForm = new QFormLayout(cardBox);
    m_number = new CardDigitsEdit;
    m_number->setObjectName(u"cardNumberEdit"_s);
    m_number->setAccessibleName(tr("Card number"));
    m_number->setPlaceholderText(tr("Card number"));
    m_number->setMaxLength(23);
    m_number->setMinimumWidth(240);
    cardForm->addRow(tr("Card &number:"), m_number);

    auto *expiryRow = new QHBoxLayout;
    m_month = new QComboBox;
    m_month->setObjectName(u"expiryMonth"_s);
    m_month->setAccessibleName(tr("Expiry month"));
    for (int m = 1; m <= 12; ++m)
        m_month->addItem(u"%1"_s.arg(m, 2, 10, QChar(u'0')), m);
    m_month->setCurrentIndex(m_today.month() - 1);
    m_year = new QSpinBox;
    m_year->setObjectName(u"expiryYear"_s);
    m_year->setAccessibleName(tr("Expiry year"));
    m_year->setRange(m_today.year() - 1, m_today.year() + 20);
    m_year->setValue(m_today.year());
    expiryRow->addWidget(m_month);
    expiryRow->addWidget(new QLabel(u"/"_s));
    expiryRow->addWidget(m_year);
    expiryRow->addStretch(1);
    auto *expiryLabel = new QLabel(tr("E&xpires:"));
    expiryLabel->setBuddy(m_month);
    cardForm->addRow(expiryLabel, expiryRow);

    m_csc = new CardDigitsEdit;
    m_csc->setObjectName(u"cscEdit"_s);
    m_csc->setEchoMode(QLineEdit::Password); // never shown, not even while typing
    m_csc->setAccessibleName(tr("Card security code"));
    m_csc->setMaxLength(4);
    m_csc->setMaximumWidth(80);
    cardForm->addRow(tr("&CSC:"), m_csc);
    layout->addWidget(cardBox);

    auto *billingBox = new QGroupBox(tr("Billing"));
    auto *billingForm = new QFormLayout(billingBox);
    auto field = [billingForm](const QString &label, const QString &name, const QString &value) {
        auto *edit = new QLineEdit(value);
        edit->setObjectName(name);
        billingForm->addRow(label, edit);
        return edit;
    };
    m_name = field(tr("Na&me on card:"), u"billingName"_s, setup.billing.name);
    m_street = field(tr("&Street:"), u"billingStreet"_s, setup.billing.street);
    m_street2 = field(tr("Street &2:"), u"billingStreet2"_s, setup.billing.street2);
    m_city = field(tr("Cit&y:"), u"billingCity"_s, setup.billing.city);
    auto *stateZip = new QHBoxLayout;
    m_state = new QLineEdit(setup.billing.state);
    m_state->setObjectName(u"billingState"_s);
    m_state->setAccessibleName(tr("State"));
    m_state->setMaximumWidth(80);
    m_zip = new QLineEdit(setup.billing.zip);
    m_zip->setObjectName(u"billingZip"_s);
    m_zip->setAccessibleName(tr("ZIP code"));
    m_country = new QLineEdit(setup.billing.country);
    m_country->setObjectName(u"billingCountry"_s);
    m_country->setAccessibleName(tr("Country"));
    m_country->setMaximumWidth(60);
    stateZip->addWidget(m_state);
    stateZip->addWidget(new QLabel(tr("ZIP:")));
    stateZip->addWidget(m_zip, 1);
    stateZip->addWidget(new QLabel(tr("Country:")));
    stateZip->addWidget(m_country);
    auto *stateLabel = new QLabel(tr("S&tate:"));
    stateLabel->setBuddy(m_state);
    billingForm->addRow(stateLabel, stateZip);
    m_email = field(tr("&E-mail:"), u"billingEmail"_s, setup.email);
    m_phone = field(tr("&Phone:"), u"billingPhone"_s, setup.phone);
    layout->addWidget(billingBox);

    auto *reasonForm = new QFormLayout;
    m_reason = new QLineEdit;
    m_reason->setObjectName(u"reasonEdit"_s);
    m_reason->setPlaceholderText(tr("Required: why, for the audit log (e.g. customer called with a new card)"));
    reasonForm->addRow(tr("&Reason:"), m_reason);
    layout->addLayout(reasonForm);

    m_status = new QLabel;
    m_status->setObjectName(u"cardStatus"_s);
    m_status->setWordWrap(true);
    m_status->setTextFormat(Qt::PlainText);
    layout->addWidget(m_status);
    m_progress = new QProgressBar;
    m_progress->setRange(0, 0);
    m_progress->setVisible(false);
    layout->addWidget(m_progress);
    m_outcome = new QLabel;
    m_outcome->setObjectName(u"cardOutcome"_s);
    m_outcome->setWordWrap(true);
    m_outcome->setTextFormat(Qt::PlainText);
    m_outcome->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_outcome->setVisible(false);
    layout->addWidget(m_outcome);

    auto *buttons = new QDialogButtonBox;
    m_save = buttons->addButton(setup.create ? tr("&Add card") : tr("Re&place card"), QDialogButtonBox::AcceptRole);
    m_save->setObjectName(u"saveCardButton"_s);
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    m_cancel->setObjectName(u"cancelButton"_s);
    layout->addWidget(buttons);
    connect(m_save, &QPushButton::clicked, this, &CardEntryDialog::submit);
    connect(m_cancel, &QPushButton::clicked, this, &QDialog::reject);

    connect(m_number, &QLineEdit::textEdited, this, &CardEntryDialog::onNumberEdited);
    connect(m_csc, &QLineEdit::textEdited, this, &CardEntryDialog::onCscEdited);
    connect(m_month, &QComboBox::currentIndexChanged, this, &CardEntryDialog::revalidate);
    connect(m_year, &QSpinBox::valueChanged, this, &CardEntryDialog::revalidate);
    connect(m_reason, &QLineEdit::textChanged, this, &CardEntryDialog::revalidate);

    const bool usable = m_encryptor.has_value();
    for (QWidget *w : {static_cast<QWidget *>(m_number), static_cast<QWidget *>(m_csc),
                       static_cast<QWidget *>(m_month), static_cast<QWidget *>(m_year)})
        w->setEnabled(usable);
    revalidate();
    (usable ? static_cast<QWidget *>(m_number) : static_cast<QWidget *>(m_cancel))->setFocus();
}

CardEntryDialog::~CardEntryDialog()
{
    wipe();
}

void CardEntryDialog::setToday(QDate today)
{
    m_today = today;
    revalidate();
}

QString CardEntryDialog::statusText() const
{
    return m_status->text();
}

QString CardEntryDialog::outcomeText() const
{
    return m_outcome->text();
}

void CardEntryDialog::onNumberEdited(const QString &text)
{
    const int cursor = m_number->cursorPosition();
    int digitsBeforeCursor = 0;
    QString digits;
    digits.reserve(19);
    for (int i = 0; i < text.size(); ++i) {
        if (!text.at(i).isDigit() || digits.size() >= 19)
            continue;
        digits += text.at(i);
        if (i < cursor)
            ++digitsBeforeCursor;
    }
    const bool amex = digits.startsWith(u"34") || digits.startsWith(u"37");
    // setText() clears QLineEdit's undo history: no earlier state of the number stays in it.
    m_number->setText(grouped(digits, amex));
    int position = 0;
    for (int seen = 0; position < m_number->text().size() && seen < digitsBeforeCursor; ++position)
        if (m_number->text().at(position).isDigit())
            ++seen;
    m_number->setCursorPosition(position);
    m_plainNumber = paytrace::SensitiveText::takeFrom(&digits);
    revalidate();
}

void CardEntryDialog::onCscEdited(const QString &text)
{
    QString digits;
    for (const QChar c : text)
        if (c.isDigit() && digits.size() < 4)
            digits += c;
    m_csc->setText(digits);
    m_plainCsc = paytrace::SensitiveText::takeFrom(&digits);
    revalidate();
}

void CardEntryDialog::revalidate()
{
    m_encrypted.reset();
    m_typedType.clear();
    m_typedLast4.clear();
    const QByteArrayView number = m_plainNumber.view();
    const QByteArrayView csc = m_plainCsc.view();
    m_typedType = cardTypeOf(number);
    const bool amex = m_typedType == u"American Express";
    QString problem;
    bool typing = false; // an incomplete field is not an error yet
    const int expected = amex ? 15 : 16;
    if (!m_encryptor) {
        problem = tr("No card can be entered without the PayTrace encryption key.");
    } else if (number.isEmpty()) {
        problem = tr("Card number: type the number on the card.");
        typing = true;
    } else if (number.size() < 13 || (number.size() < expected && !luhnOk(number))) {
        problem = tr("Card number: %n digit(s) so far.", nullptr, int(number.size()));
        typing = true;
    } else if (!luhnOk(number)) {
        problem = tr("Card number: the check digit does not match; a digit is wrong or two are swapped.");
    } else if (csc.isEmpty()) {
        problem = tr("CSC: type the %1-digit security code.").arg(amex ? 4 : 3);
        typing = true;
    } else if (csc.size() != (amex ? 4 : 3)) {
        problem = amex ? tr("CSC: American Express cards have a 4-digit code on the front.")
                       : tr("CSC: the code on the back has 3 digits.");
        typing = csc.size() < (amex ? 4 : 3);
    } else {
        const int month = m_month->currentData().toInt();
        const int year = m_year->value();
        if (year * 12 + month < m_today.year() * 12 + m_today.month())
            problem = tr("Expiry: %1/%2 is in the past; the card has expired.").arg(month, 2, 10, QChar(u'0')).arg(year);
    }
    if (problem.isEmpty()) {
        auto encrypted = m_encryptor->encryptCard(m_plainNumber, m_plainCsc, m_month->currentData().toInt(),
                                                  m_year->value());
        if (!encrypted) {
            problem = encrypted.error().message; // names the field, never the digits
        } else {
            m_encrypted = std::move(encrypted.value());
            m_typedLast4 = QString::fromLatin1(number.sliced(number.size() - 4));
        }
    }
    QString text = problem;
    if (m_encrypted) {
        text = tr("%1 ending %2, expires %3/%4: encrypted, ready to send.")
                   .arg(m_typedType.isEmpty() ? tr("Card") : m_typedType, m_typedLast4)
                   .arg(m_month->currentData().toInt(), 2, 10, QChar(u'0'))
                   .arg(m_year->value());
        if (m_reason->text().trimmed().isEmpty())
            text += u' ' + tr("Type a reason to save it.");
    }
    m_status->setText(text);
    m_status->setStyleSheet(problem.isEmpty() || typing ? QString() : u"color: #c62828;"_s);
    m_save->setEnabled(m_encrypted.has_value() && !m_reason->text().trimmed().isEmpty() && !m_busy && !m_finished);
}

bool CardEntryDialog::submit()
{
    if (!m_encrypted || m_reason->text().trimmed().isEmpty() || m_busy || m_finished || !m_submitter)
        return false;
    CardEntryRequest request;
    request.card = *m_encrypted;
    request.cardType = m_typedType;
    request.last4 = m_typedLast4;
    request.billing.name = m_name->text().trimmed();
    request.billing.street = m_street->text().trimmed();
    request.billing.street2 = m_street2->text().trimmed();
    request.billing.city = m_city->text().trimmed();
    request.billing.state = m_state->text().trimmed();
    request.billing.zip = m_zip->text().trimmed();
    request.billing.country = m_country->text().trimmed();
    request.email = m_email->text().trimmed();
    request.phone = m_phone->text().trimmed();
    request.reason = m_reason->text().trimmed();
    // The ciphertext is what leaves; the plain digits go now.
    m_number->setText(QString());
    m_csc->setText(QString());
    m_plainNumber.clear();
    m_plainCsc.clear();
    m_busy = true;
    m_save->setEnabled(false);
    for (QWidget *w : findChildren<QLineEdit *>())
        w->setEnabled(false);
    m_progress->setVisible(true);
    m_status->setText(tr("Sending the encrypted card to PayTrace…"));
    m_status->setStyleSheet(QString());
    m_submitter(request, [self = QPointer<CardEntryDialog>(this)](bool ok, const QString &message) {
        if (!self)
            return;
        self->m_busy = false;
        self->m_finished = true;
        self->m_encrypted.reset();
        self->m_progress->setVisible(false);
        self->m_status->setText(ok ? tr("Done.") : tr("Not saved."));
        self->m_status->setStyleSheet(ok ? QString() : u"color: #c62828;"_s);
        self->m_outcome->setText(message);
        self->m_outcome->setVisible(true);
        self->m_cancel->setText(tr("&Close"));
        self->m_cancel->setFocus();
        Q_EMIT self->submitted(ok, message);
    });
    return true;
}

void CardEntryDialog::wipe()
{
    m_plainNumber.clear();
    m_plainCsc.clear();
    m_encrypted.reset();
    if (m_number)
        m_number->setText(QString());
    if (m_csc)
        m_csc->setText(QString());
}

void CardEntryDialog::done(int result)
{
    wipe();
    QDialog::done(result);
}

void CardEntryDialog::closeEvent(QCloseEvent *event)
{
    wipe();
    QDialog::closeEvent(event);
}

} // namespace pb::ui
