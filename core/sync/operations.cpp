#include "sync/operations.h"

using namespace Qt::StringLiterals;

namespace pb::sync {

QString operationKindName(OperationKind kind)
{
    switch (kind) {
    case OperationKind::Capture: return u"capture"_s;
    case OperationKind::Void: return u"void"_s;
    case OperationKind::Refund: return u"refund"_s;
    case OperationKind::CreditMemo: return u"credit_memo"_s;
    case OperationKind::Charge: return u"charge"_s;
    }
    return u"operation"_s;
}

QString outcomeKindName(OperationOutcome::Kind kind)
{
    switch (kind) {
    case OperationOutcome::Kind::Succeeded: return u"succeeded"_s;
    case OperationOutcome::Kind::Queued: return u"queued"_s;
    case OperationOutcome::Kind::AwaitingApproval: return u"awaiting_approval"_s;
    case OperationOutcome::Kind::InDoubt: return u"in_doubt"_s;
    case OperationOutcome::Kind::Refused: return u"refused"_s;
    case OperationOutcome::Kind::Failed: return u"failed"_s;
    }
    return u"failed"_s;
}

} // namespace pb::sync
