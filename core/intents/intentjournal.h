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

#include <algorithm>
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
    // Happened, DidNotHappen: decided. Undecided: only a person can tell (e.g. a refund that
    // could be someone else's). NotYet: not found, but too early to conclude it did not happen
    // (a gateway that timed out may still carry the request out). Unreachable: the lookup
    // itself failed. NotYet and Unreachable keep the intent in doubt until `retryAt` and count
    // towards the bound after which a person is asked.
    enum class Kind { Happened, DidNotHappen, Undecided, NotYet, Unreachable };
    Kind kind = Kind::Undecided;
    QString resultRef;     // Happened: where the effect is (transaction id, credit memo id)
    QString note;          // what was looked at and found; kept for the person who decides
    QDateTime retryAt;     // DidNotHappen: when to send again (invalid: now); NotYet,
                           // Unreachable: when to look again (invalid: now)
};
QString lookupOutcomeName(LookupFinding::Kind kind); // "found", "not_found", "undecided", ...

// The process that sends intents, as stored in intents.owner and the runner lease:
// "host:pid:start" (start: the process's start in ms since the epoch).
struct OwnerId
{
    QString host;
    qint64 pid = 0;
    qint64 startMs = 0;

    QString toString() const;
    static std::optional<OwnerId> parse(const QString &text);
    static const OwnerId &self(); // this process
    // Whether the owner is certainly gone: on this host, its process is no longer running (or
    // another process has its pid since a later start). Another host's owner is never
    // certainly gone; its lease decides.
    bool certainlyGone() const;
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

// The process that runs intents on this store now (intent_runner_lease).
struct RunnerLeaseHolder
{
    QString holder;        // OwnerId text
    QString host;
    qint64 pid = 0;
    QString program;
    QDateTime acquiredAt;
    QDateTime renewedAt;
    QDateTime expiresAt;
};

// The journal of external writes (docs/intents.md), over the single writer connection.
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
    // all of them or none. Keys that exist are returned untouched, as plan() does — unless
    // `keysMustBeNew` (a person's request: two requests planned at once from the same view of
    // the order must not collapse into one), then an existing key fails the whole chain with
    // "intent.key_taken" and the caller plans again from what the store holds now.
    Result<QList<PlanResult>> planAll(const QList<PlanRequest> &requests, bool keysMustBeNew = false);

    // Sends marked from now on carry this owner and a claim of `leaseMs` (renewLeases()
    // extends it); recoverAfterCrash() leaves rows of live owners alone.
    void setOwner(const QString &owner, qint64 leaseMs);
    const QString &owner() const { return m_owner; }
    // After this many lookups that decided nothing since the last send, the intent goes to a
    // person with every finding (needs_person).
    void setMaxUndecidedLookups(int n) { m_maxUndecided = std::max(1, n); }
    int maxUndecidedLookups() const { return m_maxUndecided; }

    // planned | retry_wait → sending, with a new open attempt row. Send only after this
    // returned ok: the row is committed.
    Result<SendTicket> markSending(qint64 intentId, const QString &requestId);
    // Extends the claim on every row this owner is sending. Returns how many.
    Result<int> renewLeases();

    // The store's runner lease (one process runs intents on a SQLite store). Takes it when it
    // is free, expired, or held by a process that is certainly gone; renews it when this owner
    // holds it. True: this owner holds it now.
    Result<bool> acquireRunnerLease(const QString &program);
    // Gives it up when this owner holds it.
    Status releaseRunnerLease();
    // The holder, if a live one (not expired) holds it.
    Result<std::optional<RunnerLeaseHolder>> runnerLeaseHolder() const;

    // sending → succeeded / retry_wait / dead / in_doubt; closes the ticket's attempt row.
    // The answer to a send another process already recovered as in doubt (its owner looked
    // gone) is still recorded while that send is the intent's latest: it beats any lookup.
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

    // Every intent still `sending` whose owner is gone (another owner whose lease ran out or
    // whose process is certainly gone; never this journal's owner) becomes `in_doubt`, its
    // open attempt is closed as interrupted. Returns how many. Run before sending anything.
    Result<int> recoverAfterCrash();

    // Janitor: in_doubt → succeeded | retry_wait | needs_person, or stays in_doubt (NotYet,
    // Unreachable) with its next lookup set, until the bound hands it to a person.
    Status recordLookup(qint64 intentId, const LookupFinding &finding);
    // In-doubt intents whose next lookup is due, least recently looked up first.
    Result<QList<Intent>> dueLookups(const QDateTime &now, int limit) const;
    // When the next in-doubt lookup falls due; nullopt when nothing is in doubt.
    Result<std::optional<QDateTime>> nextLookupAt() const;
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
    QString m_owner;
    qint64 m_leaseMs = 60000;
    int m_maxUndecided = 10;
};

} // namespace pb::intents
