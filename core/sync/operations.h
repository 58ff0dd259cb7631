#pragma once

#include "intents/intent.h"
#include "money/money.h"

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>

namespace pb::sync {

// What a person (GUI dialog, command line) asks PayBridge to do with an order's payment.
// CreditMemo: a Magento offline credit memo for money PayTrace already gave back (a refund made
// in PayTrace's terminal); no gateway call.
// Charge: a sale (or authorization) of a customer's card on file in the PayTrace vault for an
// order that is not paid yet (phone order, failed checkout), then the Magento invoice (or a
// note) and the ERP entries.
enum class OperationKind { Capture, Void, Refund, CreditMemo, Charge };
QString operationKindName(OperationKind kind); // "capture", "void", "refund", "credit_memo", "charge"

struct OperationRequest
{
    OperationKind kind = OperationKind::Refund;
    QString orderIncrementId;
    // Absent: everything still open (capture: authorized − captured; refund: refundable).
    // Voids always take the whole authorization or sale.
    std::optional<Money> amount;
    QString reason;         // required, kept on every intent and in the audit log
    QString actor;          // the operator's account ("system:<rule>" for automation)
    // An approval granted by finance for this request (support refunds above the limit).
    std::optional<qint64> approvalId;
    // true: plan the intents and return (a running `paybridge serve` executes them).
    bool planOnly = false;
    // Charge: the PayTrace vault customer whose card is charged (required), and whether only
    // an authorization is made (captured later) instead of a sale.
    QString vaultCustomerId;
    bool authorizeOnly = false;
};

// What the request will do, before anything is planned: for the confirmation a person reads.
struct OperationPreview
{
    bool allowed = false;
    QString refusal;        // why not, when !allowed (invariants, permissions, order state)
    bool needsApproval = false; // support above the limit: allowed, but it waits for finance
    QString orderIncrementId;
    Currency currency;
    Money authorized;
    Money captured;
    Money refunded;         // refunds and voided captures
    Money remaining;        // what this kind of operation could still move
    Money amount;           // what this request moves
    QString targetTransactionId; // the PayTrace transaction acted on
    bool settled = false;   // the target transaction is settled (a refund is possible, a void is not)
    // One line per system, in order, e.g.
    //  "PayTrace: refund USD 25.00 of transaction 1000123 (settled in batch 571)"
    //  "Magento: offline credit memo of USD 25.00 on order 000000123"
    //  "ERP: journal entry refund:000000123:1 (Refunds 4100 / Clearing 1210)"
    QStringList steps;
    // What already happened to the payment, oldest first, one sentence each with when and by
    // whom where PayBridge knows it, e.g. "Refunded USD 10.00 on 2026-11-20 at 10:49 by root
    // (customer returned the parcel)". Refunds and voids (for a capture: captures too).
    QStringList earlier;
};

// How a request ended (or where it waits).
struct OperationOutcome
{
    enum class Kind {
        Succeeded,        // every step done
        Queued,           // planned only, or a step waits for a retry
        AwaitingApproval, // a finance operator must approve (approvalId says which request)
        InDoubt,          // a step's effect is unknown; the janitor or a person decides
        Refused,          // nothing was sent: invariants, permissions, bad input
        Failed            // a step failed permanently (dead letter, replayable)
    };
    Kind kind = Kind::Failed;
    QString message;        // plain language, with what to do next when it did not succeed
    QString errorCode;      // "invariant.*", "access.*", "operation.*", a connector's code
    std::optional<qint64> approvalId;
    QString gatewayRef;     // the PayTrace transaction id the money step produced
    QList<intents::Intent> intents; // the chain, in order, as they stand
};
QString outcomeKindName(OperationOutcome::Kind kind); // "succeeded", "queued", ...

// A dead letter's replay as the engine would do it now: current order facts re-read.
struct ReplayDescription
{
    qint64 intentId = 0;
    bool replayable = false;
    QString whyNot;
    QStringList steps;      // what will be sent, in plain language
};

} // namespace pb::sync

Q_DECLARE_METATYPE(pb::sync::OperationRequest)
Q_DECLARE_METATYPE(pb::sync::OperationOutcome)
