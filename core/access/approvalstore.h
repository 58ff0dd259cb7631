#pragma once

#include "access/accesspolicy.h"
#include "util/result.h"

#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace pb::access {

// Approval requests (table approvals): a support operator asks, a finance operator who is not
// the requester decides. Requests and decisions are audited in the same transaction.
class ApprovalStore
{
public:
    explicit ApprovalStore(QSqlDatabase &db) : m_db(db) {}

    // Records a pending request by `requester` for `action` on `context` (amount, intent key).
    // Refused unless the policy says exactly that this action needs approval for this operator.
    // Asking again for an intent that already has a pending request by the same operator for
    // the same amount returns that request.
    Result<Approval> requestApproval(const QString &requester, Action action,
                                     const ActionContext &context, const QString &reason,
                                     const QString &payload = QString());
    // Refuses self-approval ("access.self_approval"), approvers who are not enabled finance
    // operators ("access.denied") and requests already decided ("access.already_decided").
    Result<Approval> approve(qint64 id, const QString &approver, const QString &note = QString());
    // A finance operator (the requester included: withdrawing your own request is harmless).
    Result<Approval> reject(qint64 id, const QString &decider, const QString &note);

    // "access.unknown_approval" when there is no such request.
    Result<Approval> find(qint64 id) const;
    // Pending requests, oldest first.
    Result<QList<Approval>> pending() const;

    static QJsonObject toJson(const Approval &approval);

private:
    Result<Approval> decide(qint64 id, const QString &decider, const QString &note, ApprovalState to);
    Result<QList<Approval>> select(const QString &where, const QVariant &arg) const;

    QSqlDatabase &m_db;
};

} // namespace pb::access
