#pragma once

#include "net/errorclass.h"
#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

namespace pb::intents {

// The external writes PayBridge makes. Stored by name (kindName), so names are stable.
enum class IntentKind {
    PayTraceCapture,    // "paytrace.capture"
    PayTraceVoid,       // "paytrace.void"
    PayTraceRefund,     // "paytrace.refund"
    PayTraceSale,       // "paytrace.sale"
    MagentoComment,     // "magento.comment"
    MagentoInvoice,     // "magento.invoice"
    MagentoCreditMemo,  // "magento.creditmemo"
    MagentoCancel,      // "magento.cancel"
    ErpEntry,           // "erp.entry"
    // The customer vault and Magento customers (docs/intents.md "Customers").
    PayTraceCustomerUpdate, // "paytrace.customer.update"
    MagentoCustomerUpdate,  // "magento.customer.update"
    PayTraceCustomerDelete, // "paytrace.customer.delete"
    PayTraceCustomerCard    // "paytrace.customer.card"
};
QString kindName(IntentKind kind);
std::optional<IntentKind> kindFromName(QStringView name);
// Whether the kind writes a customer record (vault profile or Magento customer) rather than
// an order's money or documents: such intents have no order.
bool isCustomerKind(IntentKind kind);
// Whether the kind moves money at the gateway (its invariants are checked before planning and
// again before sending).
bool movesMoney(IntentKind kind);

// See docs/intents.md. A permanent failure goes straight to Dead (the attempt row records
// outcome "failed" and the class); there is no separate stored "failed" state.
enum class IntentState {
    Planned,     // written, not sent yet
    Sending,     // committed before the request leaves; found after a crash → InDoubt
    Succeeded,   // terminal: the effect happened (result_ref says where)
    RetryWait,   // transient failure; due again at next_attempt_at
    InDoubt,     // effect unknown; the janitor looks it up
    NeedsPerson, // the lookup could not decide; a person resolves it
    Dead,        // permanent failure or retries exhausted: dead letter, replayable
    Discarded    // terminal: a person decided it must not happen
};
QString stateName(IntentState state);
std::optional<IntentState> stateFromName(QStringView name);
// The state machine, in one place:
//   planned     → sending | dead (refused before sending) | discarded
//   sending     → succeeded | retry_wait | dead | in_doubt
//   retry_wait  → sending | dead (refused before sending) | discarded
//   in_doubt    → succeeded | retry_wait | needs_person        (janitor or a person)
//   needs_person→ succeeded | retry_wait | discarded           (a person)
//   dead        → planned (replay) | discarded
//   succeeded, discarded: terminal
bool isLegalTransition(IntentState from, IntentState to);

struct Intent
{
    qint64 id = 0;
    IntentKind kind = IntentKind::ErpEntry;
    QString naturalKey;
    std::optional<qint64> orderEntityId;
    QJsonObject payload;
    IntentState state = IntentState::Planned;
    int attempts = 0;              // sends started
    QDateTime nextAttemptAt;       // planned / retry_wait: when it is due (UTC)
    QString lastErrorClass;        // net::errorClassName of the last failure
    QString lastError;
    QString resultRef;             // gateway transaction id, Magento entity id, ERP reference
    QString requestedBy;
    QDateTime createdAt;
    QDateTime updatedAt;
    QString deadReason;            // stable code, e.g. "retry.permanent"
    QString needsPersonNote;       // what the janitor found
    QString discardReason;
    QDateTime inDoubtSince;
    QString owner;                 // sending: the process that sends it ("host:pid:start")
    QDateTime leaseUntil;          // sending: until when the owner's claim holds
    QDateTime lastLookupAt;        // in doubt: the janitor's last lookup
    QDateTime nextLookupAt;        // in doubt: not looked up again before this
    int undecidedLookups = 0;      // lookups since the last send that decided nothing
};

// One row of intent_attempts: a send (action "send") or another recorded transition
// ("lookup" by the janitor, "resolve" and "discard" and "replay" by a person, "refuse" before a
// send, "recover" after a crash is recorded on the interrupted send row itself).
struct IntentAttempt
{
    qint64 id = 0;
    qint64 intentId = 0;
    QString action;
    QDateTime startedAt;
    QDateTime finishedAt;          // invalid while the request is in flight
    QString outcome;
    QString errorClass;
    QString errorMessage;
    std::optional<int> httpStatus;
    QString requestId;
    QString resultRef;
    QString fromState;
    QString toState;
    QString actor;
};

// Checks an intent payload before it is stored: a JSON object with no card data anywhere
// (keys such as number, card_number, csc, cvv, track data, credit_card; any string holding
// a Luhn-valid card number or a credential), no floating-point numbers (amounts travel as exact
// decimal strings) and at most 64 KiB. Errors name the offending key path, never its value.
Status validatePayload(const QJsonObject &payload);

// Natural keys are ASCII without spaces or control characters, 1–200 characters, e.g.
// "refund:100000123:2"; they must not contain a card number.
Status validateNaturalKey(const QString &key);

} // namespace pb::intents
