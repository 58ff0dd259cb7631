#include "access/permissions.h"

#include "access/approvalstore.h"
#include "access/limitstore.h"
#include "access/operatordirectory.h"

using namespace Qt::StringLiterals;

namespace pb::access {

Result<Operator> Permissions::operatorFor(const QString &account) const
{
    return OperatorDirectory(m_db).find(account);
}

Status Permissions::check(const Operator &op, Action action, const ActionContext &context) const
{
    auto current = operatorFor(op.account);
    if (!current)
        return current.error();
    auto limits = LimitStore(m_db).load();
    if (!limits)
        return limits.error();
    ActionContext ctx = context;
    if (ctx.approval) {
        auto stored = ApprovalStore(m_db).find(ctx.approval->id);
        if (!stored)
            return stored.error();
        ctx.approval = *stored;
    }
    return AccessPolicy(*limits).check(*current, action, ctx);
}

Status Permissions::authorize(const Operator &op, Action action, const ActionContext &context,
                              const QString &reason, const QString &payload)
{
    const Status verdict = check(op, action, context);
    if (verdict || verdict.error().code != kNeedsApproval || context.approval)
        return verdict;
    auto limits = LimitStore(m_db).load();
    if (!limits)
        return limits.error();
    auto created = ApprovalStore(m_db).requestApproval(op.account, action, context, reason, payload);
    if (!created)
        return created.error();
    return makeError(QString(kNeedsApproval), u"approval"_s,
                     AccessPolicy(*limits).approvalReason(context.amount, action) + u"; approval request #"_s
                         + QString::number(created->id)
                         + u" was created and waits for a finance operator other than "_s
                         + op.account);
}

} // namespace pb::access
