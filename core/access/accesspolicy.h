#pragma once

#include "access/operator.h"
#include "money/money.h"
#include "util/result.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace pb::access {

// Everything a person can ask PayBridge to do, from the GUI or the command line.
enum class Action {
    ViewOrders,
    ViewTransactions,
    ViewRefunds,
    ViewQueue,
    ViewAudit,
    Capture,
    Void,
    Refund,
    PartialRefund,
    ReplayDeadLetter,
    DiscardDeadLetter,
    ResolveInDoubt,
    ReconcileResolve,
    PostJournal,
    ManageConnections,
    ManageCredentials,
    ManageMappings,
    ManageRoles,
    ManageLimits,
    // Charge a card on file for an order (sale or authorization by vault customer).
    Charge,
    // Add or replace the card on a customer's PayTrace vault profile.
    ManageCards,
};

inline constexpr Action kAllActions[] = {
    Action::ViewOrders,       Action::ViewTransactions,  Action::ViewRefunds,
    Action::ViewQueue,        Action::ViewAudit,         Action::Capture,
    Action::Void,             Action::Refund,            Action::PartialRefund,
    Action::ReplayDeadLetter, Action::DiscardDeadLetter, Action::ResolveInDoubt,
    Action::ReconcileResolve, Action::PostJournal,       Action::ManageConnections,
    Action::ManageCredentials, Action::ManageMappings,   Action::ManageRoles,
    Action::ManageLimits,     Action::Charge,            Action::ManageCards,
};

// "view_orders", "partial_refund", ...: stable names for the store, the audit log and the CLI.
QString actionName(Action action);
std::optional<Action> actionFromName(QStringView name);
// True for refund and partialRefund.
bool isRefund(Action action);
// True for the actions the support limit and approvals apply to: refunds and charges.
bool isLimited(Action action);

// The refund limit an admin sets for support. No limit means support needs approval for every
// refund; a limit in another currency than the refund grants nothing automatically.
struct Limits
{
    std::optional<Money> supportRefundLimit;
};

enum class ApprovalState { Pending, Approved, Rejected };
QString approvalStateName(ApprovalState state);
std::optional<ApprovalState> approvalStateFromName(QStringView name);

// A request by one operator for a finance operator to allow an action above their limit.
struct Approval
{
    qint64 id = 0;
    Action action = Action::Refund;
    QString intentKey;   // the intent's natural key ("refund:100000123:2"); may be empty
    QString payload;     // the request as JSON when there is no intent yet
    QString requestedBy;
    QDateTime requestedAt;
    Money amount;
    QString reason;
    ApprovalState state = ApprovalState::Pending;
    QString decidedBy;   // empty while pending
    QDateTime decidedAt;
    QString note;
};

// What the action is about. Refunds need `amount` (in the order's currency). To act on an
// approval, pass it (as loaded from the store) and the intent key it was granted for.
struct ActionContext
{
    Money amount;
    QString intentKey;
    std::optional<Approval> approval;
};

// Refusal codes. The message of every refusal says why and what to do.
inline constexpr QLatin1StringView kDenied{"access.denied"};
inline constexpr QLatin1StringView kNeedsApproval{"access.needs_approval"};
inline constexpr QLatin1StringView kSelfApproval{"access.self_approval"};
inline constexpr QLatin1StringView kInvalidRequest{"access.invalid_request"};

// The rules, with no storage: the same answer for the GUI, the command line and the engine.
//
//   admin:    view everything; manage connections, credentials, mappings, roles and limits
//   finance:  view everything; capture, void, refund any amount; replay and discard dead
//             letters; resolve in-doubt intents; resolve reconciliation; post journals
//   support:  view orders, transactions, refunds and the queue; capture; void; replay dead
//             letters; refund and charge a card on file up to the support limit, above it
//             with a finance approval; add or replace cards on file
//   (finance charges any amount; admins may add or replace cards on file too)
//   disabled operators and operators without a role: nothing
class AccessPolicy
{
public:
    explicit AccessPolicy(Limits limits = {}) : m_limits(std::move(limits)) {}

    Status check(const Operator &op, Action action, const ActionContext &context = {}) const;

    const Limits &limits() const { return m_limits; }

    // Why a support refund (or charge) of `amount` needs approval, as the first half of a
    // sentence: "Refunds above USD 100.00 need approval by a finance operator".
    QString approvalReason(const Money &amount, Action action = Action::Refund) const;

private:
    Status checkSupportRefund(const Operator &op, Action action, const ActionContext &context) const;

    Limits m_limits;
};

} // namespace pb::access
