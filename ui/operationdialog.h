#pragma once

#include "money/money.h"
#include "sync/operations.h"

#include <QDialog>
#include <QPointer>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <optional>

class QAction;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QStackedWidget;

namespace pb::sync {
class SyncService;
}

namespace pb::ui {

class MoneyEdit;

// Capture, void, refund or partial refund of one order's payment, in four steps:
//   1. the form: order, currency, authorized / captured / refunded / remaining (from the
//      engine's preview), the amount (not for voids) and a required reason;
//   2. the confirmation: exactly what will happen in PayTrace, Magento and the ERP, and
//      whether a finance operator must approve first;
//   3. progress while the engine runs the intents (closing the window does not stop them);
//   4. the outcome in plain language, with what to do next.
// Everything goes through SyncService (previewOperation, requestOperation): the dialog never
// talks to PayTrace or Magento itself. Open it with open(); it deletes itself when closed.
class OperationDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Step { Loading, Form, Confirm, Running, Outcome };
    Q_ENUM(Step)

    // `sync` may be null (no connection): the dialog then says so and offers nothing.
    OperationDialog(pb::sync::SyncService *sync, pb::sync::OperationKind kind,
                    const QString &orderIncrementId, const QString &actor, QWidget *parent = nullptr);
    // Charge: the order and the PayTrace vault customer whose card on file is charged.
    OperationDialog(pb::sync::SyncService *sync, pb::sync::OperationKind kind, const QString &orderIncrementId,
                    const QString &actor, const QString &vaultCustomerId, QWidget *parent = nullptr);
    ~OperationDialog() override;

    // Runs a refund a finance operator approved: the amount is the approved one and fixed.
    void setApproval(qint64 approvalId, const Money &amount, const QString &reason);

    pb::sync::OperationKind kind() const { return m_kind; }
    Step step() const { return m_step; }
    // The outcome once the request ended (step() == Outcome).
    const std::optional<pb::sync::OperationOutcome> &outcome() const { return m_outcome; }
    const std::optional<pb::sync::OperationPreview> &preview() const { return m_preview; }

    MoneyEdit *amountEdit() const { return m_amount; }
    // Fills in everything still open (refund: the remaining refundable amount); the amount
    // never starts there by itself.
    QPushButton *fullButton() const { return m_full; }
    // What already happened to the payment, one line each with when and by whom.
    QString earlierText() const;
    QLineEdit *reasonEdit() const { return m_reason; }
    QPushButton *nextButton() const { return m_next; }
    QPushButton *backButton() const { return m_back; }
    QPushButton *confirmButton() const { return m_confirm; }
    QPushButton *closeButton() const { return m_close; }
    // The message under the form (validation, refusal) and the outcome text.
    QString formMessage() const;
    QString confirmationText() const;
    QString outcomeText() const;

    // Whether `kind` applies to the order with `orderEntityId` as the store sees it (payment
    // state) and whether `actor` may do it (access::Permissions on the same connection). When
    // not, `why` says so in a sentence, for a tooltip. The engine's preview has the last word.
    struct Availability
    {
        bool enabled = false;
        QString why;
    };
    static Availability availability(const QSqlDatabase &db, qint64 orderEntityId, const QString &actor,
                                     pb::sync::OperationKind kind);
    // "Capture", "Void", "Refund": the action's name for titles and buttons.
    static QString kindTitle(pb::sync::OperationKind kind);

Q_SIGNALS:
    // The request ended or parked (succeeded, queued, awaiting approval, in doubt, ...).
    void operationFinished(const pb::sync::OperationOutcome &outcome);

private:
    pb::sync::OperationRequest request(bool withAmount) const;
    void setStep(Step step);
    void askInitialPreview();
    void onInitialPreview(const Result<pb::sync::OperationPreview> &preview);
    void review();
    void onReviewPreview(const Result<pb::sync::OperationPreview> &preview);
    void confirm();
    void onOutcome(const pb::sync::OperationOutcome &outcome);
    void showFormMessage(const QString &text, bool error);
    void updateNextEnabled();
    QString moneyText(const Money &money) const;

    QPointer<pb::sync::SyncService> m_sync;
    pb::sync::OperationKind m_kind;
    QString m_orderIncrementId;
    QString m_actor;
    QString m_vaultCustomerId; // Charge only
    std::optional<qint64> m_approvalId;
    std::optional<Money> m_approvedAmount;
    Step m_step = Step::Loading;
    bool m_formUsable = false;
    bool m_busy = false;
    std::optional<pb::sync::OperationPreview> m_preview;
    std::optional<pb::sync::OperationOutcome> m_outcome;

    QLabel *m_heading = nullptr;
    QStackedWidget *m_pages = nullptr;
    QLabel *m_loading = nullptr;
    QLabel *m_order = nullptr;
    QLabel *m_currency = nullptr;
    QLabel *m_authorized = nullptr;
    QLabel *m_captured = nullptr;
    QLabel *m_refunded = nullptr;
    QLabel *m_remaining = nullptr;
    QLabel *m_amountLabel = nullptr;
    MoneyEdit *m_amount = nullptr;
    QPushButton *m_full = nullptr;
    QLabel *m_earlier = nullptr;
    QLabel *m_voidNote = nullptr;
    QLineEdit *m_reason = nullptr;
    QLabel *m_formMessage = nullptr;
    QLabel *m_confirmText = nullptr;
    QLabel *m_runningText = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_outcomeTitle = nullptr;
    QLabel *m_outcomeText = nullptr;
    QPushButton *m_back = nullptr;
    QPushButton *m_next = nullptr;
    QPushButton *m_confirm = nullptr;
    QPushButton *m_close = nullptr;
};

// The Capture…, Void… and Refund… actions of a record page, for the order its selection is
// about: shortcuts on the page, a row of buttons for its detail area, each enabled per the
// order's payment state and the operator's permissions with a tooltip saying why when not.
class OperationActions : public QObject
{
    Q_OBJECT

public:
    // `selectedOrder` gives the entity id of the order the page's selection is about, if any.
    OperationActions(QWidget *page, std::function<std::optional<qint64>()> selectedOrder);

    void setContext(pb::sync::SyncService *sync, const QString &actor);
    void setDatabase(const QSqlDatabase &db) { m_db = db; }
    // Re-reads the selected order's state and the operator's rights.
    void update();
    // Opens the dialog for the selected order (what the actions do); null when not possible.
    OperationDialog *open(pb::sync::OperationKind kind);

    QAction *action(pb::sync::OperationKind kind) const;
    // The button row to place in the page.
    QWidget *bar() const { return m_bar; }

Q_SIGNALS:
    void dialogOpened(pb::ui::OperationDialog *dialog);
    void operationFinished(const pb::sync::OperationOutcome &outcome);

private:
    QWidget *m_page;
    std::function<std::optional<qint64>()> m_selectedOrder;
    QSqlDatabase m_db;
    QPointer<pb::sync::SyncService> m_sync;
    QString m_actor;
    QAction *m_capture = nullptr;
    QAction *m_void = nullptr;
    QAction *m_refund = nullptr;
    QWidget *m_bar = nullptr;
};

} // namespace pb::ui
