#include "access/accesspolicy.h"

using namespace Qt::StringLiterals;

namespace pb::access {

namespace {

struct ActionInfo
{
    Action action;
    QLatin1StringView name;
    QLatin1StringView text; // completes "Only ... can <text>"
    Roles grantedTo;        // roles that may always do it
};

constexpr Roles kEveryRole = Roles(Role::Finance) | Role::Support | Role::Admin;

const ActionInfo kActions[] = {
    {Action::ViewOrders, "view_orders"_L1, "view orders"_L1, kEveryRole},
    {Action::ViewTransactions, "view_transactions"_L1, "view transactions"_L1, kEveryRole},
    {Action::ViewRefunds, "view_refunds"_L1, "view refunds"_L1, kEveryRole},
    {Action::ViewQueue, "view_queue"_L1, "view the work queue"_L1, kEveryRole},
    {Action::ViewAudit, "view_audit"_L1, "view the audit log"_L1, Roles(Role::Finance) | Role::Admin},
    {Action::Capture, "capture"_L1, "capture payments"_L1, Roles(Role::Finance) | Role::Support},
    {Action::Void, "void"_L1, "void payments"_L1, Roles(Role::Finance) | Role::Support},
    // Support may refund too, within its limit: see checkSupportRefund.
    {Action::Refund, "refund"_L1, "refund payments"_L1, Roles(Role::Finance)},
    {Action::PartialRefund, "partial_refund"_L1, "refund part of a payment"_L1, Roles(Role::Finance)},
    {Action::ReplayDeadLetter, "replay_dead_letter"_L1, "replay dead letters"_L1,
     Roles(Role::Finance) | Role::Support},
    {Action::DiscardDeadLetter, "discard_dead_letter"_L1, "discard dead letters"_L1, Roles(Role::Finance)},
    {Action::ResolveInDoubt, "resolve_in_doubt"_L1, "resolve in-doubt work"_L1, Roles(Role::Finance)},
    {Action::ReconcileResolve, "reconcile_resolve"_L1, "resolve reconciliation mismatches"_L1,
     Roles(Role::Finance)},
    {Action::PostJournal, "post_journal"_L1, "post journals to the ERP"_L1, Roles(Role::Finance)},
    {Action::ManageConnections, "manage_connections"_L1, "change connections"_L1, Roles(Role::Admin)},
    {Action::ManageCredentials, "manage_credentials"_L1, "change credentials"_L1, Roles(Role::Admin)},
    {Action::ManageMappings, "manage_mappings"_L1, "change mappings"_L1, Roles(Role::Admin)},
    {Action::ManageRoles, "manage_roles"_L1, "assign or revoke roles"_L1, Roles(Role::Admin)},
    {Action::ManageLimits, "manage_limits"_L1, "change limits"_L1, Roles(Role::Admin)},
    // Support may charge too, within the refund limit: see checkSupportRefund.
    {Action::Charge, "charge"_L1, "charge a card on file"_L1, Roles(Role::Finance)},
    {Action::ManageCards, "manage_cards"_L1, "add or replace cards on file"_L1,
     Roles(Role::Support) | Role::Admin},
};

const ActionInfo &info(Action action)
{
    for (const ActionInfo &i : kActions) {
        if (i.action == action)
            return i;
    }
    // Every enumerator has a row above; reaching here is a programming error.
    Q_UNREACHABLE();
    return kActions[0];
}

// "Only finance operators", "Only finance operators and admins", ...
QString whoMay(Roles roles)
{
    QStringList who;
    if (roles.testFlag(Role::Finance))
        who.append(roles.testFlag(Role::Support) ? u"finance"_s : u"finance operators"_s);
    if (roles.testFlag(Role::Support))
        who.append(u"support operators"_s);
    if (roles.testFlag(Role::Admin))
        who.append(u"admins"_s);
    return u"Only "_s + who.join(u" and "_s);
}

Error denied(const QString &message)
{
    return makeError(QString(kDenied), QString(), message);
}

} // namespace

QString actionName(Action action)
{
    return QString(info(action).name);
}

std::optional<Action> actionFromName(QStringView name)
{
    for (const ActionInfo &i : kActions) {
        if (name == i.name)
            return i.action;
    }
    return std::nullopt;
}

bool isLimited(Action action)
{
    return isRefund(action) || action == Action::Charge;
}

bool isRefund(Action action)
{
    return action == Action::Refund || action == Action::PartialRefund;
}

QString approvalStateName(ApprovalState state)
{
    switch (state) {
    case ApprovalState::Pending:
        return u"pending"_s;
    case ApprovalState::Approved:
        return u"approved"_s;
    case ApprovalState::Rejected:
        return u"rejected"_s;
    }
    return u"pending"_s;
}

std::optional<ApprovalState> approvalStateFromName(QStringView name)
{
    for (ApprovalState s : {ApprovalState::Pending, ApprovalState::Approved, ApprovalState::Rejected}) {
        if (name == approvalStateName(s))
            return s;
    }
    return std::nullopt;
}

QString AccessPolicy::approvalReason(const Money &amount, Action action) const
{
    const bool charge = action == Action::Charge;
    const QString what = charge ? u"charges"_s : u"refunds"_s;
    const std::optional<Money> &limit = m_limits.supportRefundLimit;
    if (!limit || !limit->isValid())
        return u"No support refund limit is set, so "_s + what + u" by support need approval by a "
               u"finance operator"_s;
    if (!(limit->currency() == amount.currency()))
        return u"The support refund limit is in "_s + limit->currency().code() + u", so "_s + what
            + u" in "_s + amount.currency().code() + u" need approval by a finance operator"_s;
    return (charge ? u"Charges above "_s : u"Refunds above "_s) + limit->toString()
        + u" need approval by a finance operator"_s;
}

Status AccessPolicy::check(const Operator &op, Action action, const ActionContext &context) const
{
    if (Status s = validateAccount(op.account, u"operator"_s); !s)
        return denied(s.error().message + u"; PayBridge cannot tell who is asking"_s);
    if (op.disabled)
        return denied(u"The operator account "_s + op.account
                      + u" is disabled; an admin can enable it again"_s);
    if (!op.roles)
        return denied(op.account + u" has no role in PayBridge; ask an admin to assign the "
                                   u"finance, support or admin role"_s);
    if (isLimited(action)) {
        if (!context.amount.isValid() || context.amount.isZero() || context.amount.isNegative())
            return makeError(QString(kInvalidRequest), u"amount"_s,
                             action == Action::Charge
                                 ? u"A charge needs a positive amount in the order's currency"_s
                                 : u"A refund needs a positive amount in the order's currency"_s);
    }
    const ActionInfo &i = info(action);
    if (op.roles & i.grantedTo)
        return Status::success();
    if (isLimited(action) && op.has(Role::Support))
        return checkSupportRefund(op, action, context);
    return denied(whoMay(i.grantedTo) + u" can "_s + i.text + u"; "_s + op.account + u" has "_s
                  + (roleNames(op.roles).size() > 1 ? u"the roles "_s : u"the role "_s)
                  + rolesText(op.roles) + u". Ask an admin if you need it"_s);
}

Status AccessPolicy::checkSupportRefund(const Operator &op, Action action,
                                        const ActionContext &context) const
{
    const Money &amount = context.amount;
    const std::optional<Money> &limit = m_limits.supportRefundLimit;
    if (limit && limit->isValid()) {
        const auto order = amount.compare(*limit);
        if (order && *order != std::strong_ordering::greater)
            return Status::success();
    }
    if (!context.approval)
        return makeError(QString(kNeedsApproval), u"amount"_s,
                         approvalReason(amount, action)
                             + u"; request an approval, which a finance operator other than you "
                               u"must grant"_s);

    const Approval &a = *context.approval;
    const QString ref = u"approval request #"_s + QString::number(a.id);
    if (a.requestedBy != op.account)
        return denied(ref + u" was made by "_s + a.requestedBy + u", not by "_s + op.account
                      + u"; request your own approval"_s);
    if (a.state == ApprovalState::Pending)
        return makeError(QString(kNeedsApproval), u"approval"_s,
                         approvalReason(amount, action) + u"; "_s + ref
                             + u" is still waiting for a finance operator"_s);
    if (a.state == ApprovalState::Rejected)
        return denied(ref + u" was rejected by "_s + a.decidedBy
                      + (a.note.isEmpty() ? QString() : u" (\""_s + a.note + u"\")"_s)
                      + (action == Action::Charge ? u"; the charge cannot go ahead without a new approval"_s
                                                    : u"; the refund cannot go ahead without a new approval"_s));
    // Defence in depth: the store refuses these when deciding, but an approval may come from
    // anywhere, so the policy does not take its word for it.
    if (a.decidedBy.isEmpty() || a.decidedBy == a.requestedBy)
        return makeError(QString(kSelfApproval), u"approval"_s,
                         ref + u" was not approved by a second person; a finance operator other "
                               u"than "_s + a.requestedBy + u" must approve it"_s);
    if (a.action != action)
        return denied(ref + u" is for "_s + actionName(a.action) + u", not "_s + actionName(action)
                      + u"; request an approval for this action"_s);
    if (!a.intentKey.isEmpty() && a.intentKey != context.intentKey)
        return denied(ref + u" is for "_s + a.intentKey + u", not "_s
                      + (context.intentKey.isEmpty() ? u"this request"_s : context.intentKey)
                      + u"; request an approval for this refund"_s);
    const auto order = amount.compare(a.amount);
    if (!order)
        return denied(ref + u" is in "_s + a.amount.currency().code() + u", not "_s
                      + amount.currency().code() + u"; request an approval in the order's currency"_s);
    if (*order == std::strong_ordering::greater)
        return denied(ref + u" covers "_s + a.amount.toString() + u", less than "_s
                      + amount.toString() + u"; request an approval for the full amount"_s);
    return Status::success();
}

} // namespace pb::access
