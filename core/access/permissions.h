#pragma once

#include "access/accesspolicy.h"
#include "util/result.h"

#include <QSqlDatabase>
#include <QString>

namespace pb::access {

// The one gate every front end (GUI, command line) goes through before acting for a person:
// the AccessPolicy with the limits, operators and approvals of the store behind `db`.
class Permissions
{
public:
    explicit Permissions(QSqlDatabase &db) : m_db(db) {}

    // The operator for `account` as the store has it (unknown accounts have no role).
    Result<Operator> operatorFor(const QString &account) const;

    // The policy's verdict with the store's current operators, limits and approvals. The
    // operator is read again by account and an approval in `context` by id, so a front end's
    // stale copy (an operator disabled or demoted since it was loaded) decides nothing.
    Status check(const Operator &op, Action action, const ActionContext &context = {}) const;

    // check(), and when the answer is "access.needs_approval" without an approval in hand, a
    // pending request is created and the refusal says so ("...; approval request #7 was
    // created and waits for a finance operator").
    Status authorize(const Operator &op, Action action, const ActionContext &context,
                     const QString &reason, const QString &payload = QString());

private:
    QSqlDatabase &m_db;
};

} // namespace pb::access
