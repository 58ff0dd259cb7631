#pragma once

#include "reconcile/reconciliationstore.h"
#include "util/result.h"

#include <QDialog>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;
class QTreeWidget;

namespace pb::sync {
class SyncService;
}

namespace pb::ui {

// Resolves (or reopens) the reconciliation items a person selected, in two halves:
//   1. the form and, live under it, ReconciliationStore::preview() of exactly what will be
//      written per item (action, write-off amounts, totals) and every problem; nothing is
//      written while a problem is listed, and the note is always required;
//   2. on "Resolve": the operator's right is checked again in the same background task that
//      writes (the store writes one audit entry per item).
// A refund goes through the intent path first (SyncService::requestOperation, as the
// operation dialog does); the resolution is recorded with the intent's key once the engine
// accepted the request. Open it with open(); it deletes itself when closed.
class ReconciliationDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Mode { Resolve, Reopen };

    struct Setup
    {
        Mode mode = Mode::Resolve;
        reconcile::ResolutionKind kind = reconcile::ResolutionKind::Accept;
        QList<qint64> itemIds;
        QString actor;
        QString databasePath;
        QStringList accounts;        // write-off: the profile's ERP accounts
        QString defaultAccount;      // write-off: the profile's write-off account
        QString currency;            // the items' currency when they share one
        QString orderIncrementId;    // refund: the order to refund
        std::optional<qint64> refundMinor; // refund: the default amount
        pb::sync::SyncService *sync = nullptr;
    };

    explicit ReconciliationDialog(Setup setup, QWidget *parent = nullptr);

    QLineEdit *noteEdit() const { return m_note; }
    QLineEdit *linkEdit() const { return m_link; }
    QComboBox *accountBox() const { return m_account; }
    QLineEdit *amountEdit() const { return m_amount; }
    QPushButton *resolveButton() const { return m_resolve; }
    QTreeWidget *previewTree() const { return m_preview; }
    // The preview as last computed; empty until the first one arrived.
    const std::optional<reconcile::ResolutionPreview> &preview() const { return m_lastPreview; }
    bool previewPending() const { return m_previewBusy || m_previewDirty; }
    QString problemsText() const;
    // A refund or credit memo: the item is resolved only once the engine accepted the operation.
    bool sendsOperation() const;
    QString messageText() const;
    // Runs the resolution as the button does (it refuses while a problem is listed).
    void resolveNow();

Q_SIGNALS:
    // Items were written (resolved or reopened): the page re-reads. `count` items changed.
    void applied(int count, const QString &summary);

private:
    reconcile::ResolutionRequest request() const;
    void schedulePreview();
    void computePreview();
    void showPreview(const Result<reconcile::ResolutionPreview> &preview);
    void write(const QString &linkRef);
    void fail(const QString &message);

    Setup m_setup;
    bool m_previewBusy = false;
    bool m_previewDirty = false;
    bool m_writing = false;
    std::optional<reconcile::ResolutionPreview> m_lastPreview;

    QLineEdit *m_note = nullptr;
    QLineEdit *m_link = nullptr;
    QComboBox *m_account = nullptr;
    QLineEdit *m_amount = nullptr;
    QTreeWidget *m_preview = nullptr;
    QLabel *m_totals = nullptr;
    QLabel *m_problems = nullptr;
    QLabel *m_message = nullptr;
    QPushButton *m_resolve = nullptr;
    QTimer *m_debounce = nullptr;
};

} // namespace pb::ui
