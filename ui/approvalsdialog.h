#pragma once

#include "access/accesspolicy.h"
#include "util/result.h"

#include <QDialog>
#include <QList>
#include <QPointer>
#include <QSqlDatabase>
#include <QString>

#include <functional>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;

namespace pb::sync {
class SyncService;
}

namespace pb::ui {

// Refund approvals: every pending request (amount, order, intent key, requester, reason, age)
// and the approved ones not run yet. A finance operator approves or rejects with a note; core
// refuses self-approval and says why, and the dialog shows that. The requester runs an
// approved refund from here (OperationDialog with the approval's id).
//
// Reads go through the page's read connection. Decisions are small writes: they run on a pool
// thread with their own writer connection so the window never waits on the database lock.
class ApprovalsDialog : public QDialog
{
    Q_OBJECT

public:
    // `readDb`: the window's read-only connection; `databasePath`: the store file, for the
    // decision writes. `sync` may be null (approved refunds cannot be run then).
    ApprovalsDialog(const QSqlDatabase &readDb, const QString &databasePath, pb::sync::SyncService *sync,
                    const QString &actor, QWidget *parent = nullptr);

    // Re-reads the list, keeping the selection when the request is still listed.
    void reload();

    QTreeWidget *list() const { return m_list; }
    QLineEdit *noteEdit() const { return m_note; }
    QPushButton *approveButton() const { return m_approve; }
    QPushButton *rejectButton() const { return m_reject; }
    QPushButton *runButton() const { return m_run; }
    QString statusText() const;
    // Selects the row of approval `id`; false when it is not listed.
    bool selectApproval(qint64 id);
    // True while a decision is being written.
    bool isBusy() const { return m_busy; }

    // The order number an approval is for (from its payload or its intent key); empty if unknown.
    static QString orderOf(const access::Approval &approval);

Q_SIGNALS:
    // A decision was stored (approved or rejected).
    void decided(qint64 approvalId);
    // An OperationDialog was opened to run an approved refund.
    void operationDialogOpened(QDialog *dialog);

private:
    enum Column { IdColumn, StateColumn, AmountColumn, OrderColumn, KeyColumn, RequesterColumn, ReasonColumn,
                  AgeColumn, ColumnCount };
    void decide(bool approve);
    void runApproved();
    void updateButtons();
    void setStatus(const QString &text, bool error);
    const access::Approval *selected() const;
    void writeInBackground(std::function<Result<access::Approval>(QSqlDatabase &)> work,
                           std::function<void(const Result<access::Approval> &)> done);

    QSqlDatabase m_db;
    QString m_databasePath;
    QPointer<pb::sync::SyncService> m_sync;
    QString m_actor;
    bool m_isFinance = false;
    bool m_busy = false;
    QList<access::Approval> m_approvals;

    QTreeWidget *m_list = nullptr;
    QLineEdit *m_note = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_approve = nullptr;
    QPushButton *m_reject = nullptr;
    QPushButton *m_run = nullptr;
    QPushButton *m_refresh = nullptr;
    QPushButton *m_close = nullptr;
};

} // namespace pb::ui
