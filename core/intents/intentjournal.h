#pragma once

#include "intents/intent.h"
#include "intents/retrypolicy.h"
#include "util/clock.h"
#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace pb::intents {

struct PlanRequest
{
    IntentKind kind = IntentKind::ErpEntry;
    QString naturalKey;                  // e.g. "refund:100000123:2"
    std::optional<qint64> orderEntityId;
    QJsonObject payload;                 // validated by validatePayload()
    QString requestedBy;                 // a person's user name or "system:<rule>"
    QDateTime notBefore;                 // invalid: due at once
};

struct PlanResult
{
    Intent intent;
    bool created = false;        // false: the natural key existed, `intent` is that row
    bool payloadDiffers = false; // the existing row carries another payload (the first plan wins)
};

// Returned by markSending: which intent and which attempt row the request belongs to.
struct SendTicket
{
    qint64 intentId = 0;
    qint64 attemptId = 0;
    int attemptNumber = 0; // 1 for the first send
};

// What came back from one send.
struct AttemptReport
{
    QString outcome;            // e.g. "approved", "declined", "timeout", Outcome::kindName
    net::ErrorClass errorClass = net::ErrorClass::None;
    QString message;            // redacted again before it is stored
    std::optional<int> httpStatus;
    QString requestId;
    QString resultRef;          // transaction id / entity id when the call succeeded
};

// What the janitor found when it looked up an in-doubt intent.
struct LookupFinding
{
    enum class Kind { Happened, DidNotHappen, Undecided };
    Kind kind = Kind::Undecided;
    QString resultRef;     // Happened: where the effect is (transaction id, credit memo id)
    QString note;          // what was looked at and found; kept for the person who decides
    QDateTime retryAt;     // DidNotHappen: when to send again (invalid: now)
};

// A person's decision on an in-doubt (or needs-person) intent.
struct ManualResolution
{
    bool happened = false;
    QString resultRef;     // required when happened
    QString note;
};

// An intent with its attempts, oldest first (dead letters, replay plans).
struct IntentHistory
{
    Intent intent;
    QList<IntentAttempt> attempts;
};

struct ReplayPlan
{
    IntentHistory history;
    bool replayable = false;
    QString whyNot;        // when not replayable
};

// The journal of external writes (DESIGN.md, "Intents"), over the single writer connection.
//
// Every transition runs in one transaction (BEGIN IMMEDIATE … COMMIT) together with its
// intent_attempts row and, for people's decisions, its audit_log entry; nothing is left half
// written when a statement fails. Calls must not be made inside a caller's open transaction:
// markSending's commit has to be durable before the request leaves, so nesting is refused.
// Error codes: "intent.not_found", "intent.illegal_transition", "intent.key",
// "intent.key_conflict", "intent.payload", "intent.invalid", "store.sql".
class IntentJournal
{
public:
    IntentJournal(QSqlDatabase &db, const Clock &clock);

    // Plans once per natural key: the same key again returns the existing intent untouched.
    Result<PlanResult> plan(const PlanRequest &request);
    // Plans several intents in one transaction (a chain: PayTrace, then Magento, then ERP):
    // all of them or none. Keys that exist are returned untouched, as plan() does.
    Result<QList<PlanResult>> planAll(const QList<PlanRequest> &requests);

    // planned | retry_wait → sending, with a new open attempt row. Send only after this
    // returned ok: the row is committed.
    Result<SendTicket> markSending(qint64 intentId, const QString &requestId);

    // sending → succeeded / retry_wait / dead / in_doubt; closes the ticket's attempt row.
    Status markSucceeded(const SendTicket &ticket, const AttemptReport &report);
    Status markRetryWait(const SendTicket &ticket, const AttemptReport &report,
                         const QDateTime &nextAttemptAt);
    Status markDead(const SendTicket &ticket, const AttemptReport &report,
                    const QString &reasonCode);
    Status markInDoubt(const SendTicket &ticket, const AttemptReport &report);
    // Applies a RetryPolicy decision for a failed attempt.
    Status markFailed(const SendTicket &ticket, const AttemptReport &report,
                      const RetryDecision &decision);

    // planned | retry_wait → dead without sending (an invariant no longer holds).
    Status refuse(qint64 intentId, const QString &reasonCode, const QString &message);

    // After a restart: every intent still `sending` becomes `in_doubt`, its open attempt is
    // closed as interrupted. Returns how many. Run before the engine sends anything.
    Result<int> recoverAfterCrash();

    // Janitor: in_doubt → succeeded | retry_wait | needs_person.
    Status recordLookup(qint64 intentId, const LookupFinding &finding);
    // A person: in_doubt | needs_person → succeeded (happened, with reference) or
    // retry_wait due now (did not happen). Audited.
    Status resolveByHand(qint64 intentId, const ManualResolution &resolution,
                         const QString &actor);
    // A person: planned | retry_wait | dead | needs_person → discarded. Audited.
    Status discard(qint64 intentId, const QString &reason, const QString &actor);
    // What a replay would do: the intent and its attempts, for the engine to re-read the
    // current state of the order and describe a dry run. Reads only.
    Result<ReplayPlan> replayPlan(qint64 intentId) const;
    // A person: dead → planned, due now; the attempt history stays. Audited.
    Status replay(qint64 intentId, const QString &actor, const QString &note);

    Result<Intent> get(qint64 intentId) const;
    Result<std::optional<Intent>> findByKey(const QString &naturalKey) const;
    Result<QList<IntentAttempt>> attempts(qint64 intentId) const;
    // Every intent of one order, in id order.
    Result<QList<Intent>> forOrder(qint64 orderEntityId) const;
    // planned and retry_wait intents due at `now`, earliest first (ties by id).
    Result<QList<Intent>> due(const QDateTime &now, int limit) const;
    // Like due(), but only intents whose earlier step (payload "after": its natural key) has
    // succeeded, or that have none: what can be sent now.
    Result<QList<Intent>> dueReady(const QDateTime &now, int limit) const;
    // When the earliest planned or retry_wait intent falls due; nullopt when there is none.
    Result<std::optional<QDateTime>> nextDueAt() const;
    // Intents in one state in id order after `afterId` (keyset paging).
    Result<QList<Intent>> listByState(IntentState state, int limit, qint64 afterId = 0) const;
    // Dead letters with all their attempts, in id order after `afterId`.
    Result<QList<IntentHistory>> deadLetters(int limit, qint64 afterId = 0) const;

private:
    QSqlDatabase &m_db;
    const Clock &m_clock;
};

} // namespace pb::intents
