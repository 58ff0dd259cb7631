#pragma once

#include "model/customer.h"
#include "paytrace/cardencryptor.h"

#include <QDialog>
#include <QLineEdit>
#include <QString>

#include <functional>
#include <optional>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace pb::ui {

// A line edit for card digits: nothing typed into it can leave through the clipboard, the
// selection clipboard, drag and drop, undo history or the accessibility tree. Its echo mode is
// never Normal (Qt refuses to copy or drag from such a field and masks its accessible text);
// the shortcuts that would still reach the undo stack or the clipboard are swallowed.
class CardDigitsEdit : public QLineEdit
{
    Q_OBJECT

public:
    explicit CardDigitsEdit(QWidget *parent = nullptr);

protected:
    void keyPressEvent(QKeyEvent *event) override;
};

// What the person typed, encrypted, and the profile fields around it.
struct CardEntryRequest
{
    pb::paytrace::EncryptedCard card;
    QString cardType;       // from the leading digits ("Visa"); "" when not recognised
    QString last4;
    PostalAddress billing;  // name included
    QString email;
    QString phone;
    QString reason;
};

struct CardEntrySetup
{
    QString vaultCustomerId;        // the profile created, or whose card is replaced
    std::optional<qint64> magentoId;
    bool create = false;            // no vault profile yet: create one
    QString currentCard;            // "Visa …1111, expires 04/2027" when replacing
    PostalAddress billing;          // prefilled (name included)
    QString email;
    QString phone;
    QByteArray publicKeyPem;        // the merchant's PayTrace e2ee key; empty: none configured
    QString publicKeyHelp;          // how to add the key, shown when there is none
};

// Sends a request; `done(ok, message)` with the outcome in words.
using CardSubmitter = std::function<void(const CardEntryRequest &request,
                                         std::function<void(bool ok, const QString &message)> done)>;

// Add card / Replace card. The number and CSC are encrypted with the merchant's PayTrace public
// key as the person types (docs/paytrace.md §2.2): the dialog keeps the ciphertext, and the
// plain digits only in paytrace::SensitiveText, which is wiped together with the fields when
// the dialog closes, is rejected or is destroyed. Local checks (length, check digit, CSC,
// expiry) name the field, never the digits.
class CardEntryDialog : public QDialog
{
    Q_OBJECT

public:
    CardEntryDialog(const CardEntrySetup &setup, CardSubmitter submitter, QWidget *parent = nullptr);
    ~CardEntryDialog() override;

    CardDigitsEdit *numberEdit() const { return m_number; }
    CardDigitsEdit *cscEdit() const { return m_csc; }
    QComboBox *monthBox() const { return m_month; }
    QSpinBox *yearBox() const { return m_year; }
    QLineEdit *reasonEdit() const { return m_reason; }
    QPushButton *saveButton() const { return m_save; }
    QString statusText() const;
    QString outcomeText() const;
    // The ciphertext of what is typed now, once everything checks out.
    const std::optional<pb::paytrace::EncryptedCard> &encryptedCard() const { return m_encrypted; }
    bool hasKey() const { return m_encryptor.has_value(); }
    // The day expiry is checked against (tests pin it).
    void setToday(QDate today);

    // Saves (what the button does); false when something is not ready.
    bool submit();

    void done(int result) override;

Q_SIGNALS:
    void submitted(bool ok, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void onNumberEdited(const QString &text);
    void onCscEdited(const QString &text);
    void revalidate();
    void wipe();
    QString cardTypeOfTyped() const;

    CardEntrySetup m_setup;
    CardSubmitter m_submitter;
    std::optional<pb::paytrace::CardEncryptor> m_encryptor;
    QString m_keyError;
    pb::paytrace::SensitiveText m_plainNumber;
    pb::paytrace::SensitiveText m_plainCsc;
    std::optional<pb::paytrace::EncryptedCard> m_encrypted;
    QString m_typedType;
    QString m_typedLast4;
    QDate m_today;
    bool m_busy = false;
    bool m_finished = false;

    CardDigitsEdit *m_number = nullptr;
    CardDigitsEdit *m_csc = nullptr;
    QComboBox *m_month = nullptr;
    QSpinBox *m_year = nullptr;
    QLineEdit *m_name = nullptr;
    QLineEdit *m_street = nullptr;
    QLineEdit *m_street2 = nullptr;
    QLineEdit *m_city = nullptr;
    QLineEdit *m_state = nullptr;
    QLineEdit *m_zip = nullptr;
    QLineEdit *m_country = nullptr;
    QLineEdit *m_email = nullptr;
    QLineEdit *m_phone = nullptr;
    QLineEdit *m_reason = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_keyNote = nullptr;
    QLabel *m_outcome = nullptr;
    QProgressBar *m_progress = nullptr;
    QPushButton *m_save = nullptr;
    QPushButton *m_cancel = nullptr;
};

} // namespace pb::ui
