#include "intents/intentjournal.h"

#include "log/categories.h"
#include "log/redactor.h"
#include "store/auditlog.h"
#include "store/sqlsupport.h"

#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <initializer_list>
#include <utility>

using namespace Qt::StringLiterals;

namespace pb::intents {

namespace {

constexpr QLatin1StringView kIntentColumns(
    "id, kind, natural_key, order_entity_id, payload, state, attempts, next_attempt_at, "
    "last_error_class, last_error, result_ref, requested_by, created_at, updated_at, "
    "dead_reason, needs_person_note, discard_reason, in_doubt_since");

constexpr QLatin1StringView kAttemptColumns(
    "id, intent_id, action, started_at, finished_at, outcome, error_class, error_message, "
    "http_status, request_id, result_ref, from_state, to_state, actor");

using store::detail::exec;
using store::detail::prepare;
using store::detail::timeFromSql;
using store::detail::timeToSql;

Error sqlError(const QString &what, const QSqlError &error)
{
    return store::detail::sqlError(u"store.sql"_s, what, error);
}

QVariant nullableInt(std::optional<qint64> v)
{
    return v ? QVariant(*v) : QVariant(QMetaType::fromType<qint64>());
}

QString payloadText(const QJsonObject &payload)
{
    return QString::fromUtf8(QJsonDocument(payload).toJson(QJsonDocument::Compact));
}

QString stateJson(IntentState state, const QString &extraKey = {}, const QString &extraValue = {})
{
    QJsonObject o{{u"state"_s, stateName(state)}};
    if (!extraKey.isEmpty())
        o.insert(extraKey, extraValue);
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

Error notFound(qint64 id)
{
    return makeError(u"intent.not_found"_s, u"intent"_s,
                     u"there is no intent "_s + QString::number(id));
}

Error invalid(const QString &field, const QString &message)
{
    return makeError(u"intent.invalid"_s, field, message);
}

Error illegal(const Intent &i, IntentState to)
{
    return makeError(u"intent.illegal_transition"_s, u"intent"_s,
                     u"intent "_s + QString::number(i.id) + u" ("_s + i.naturalKey + u") is "_s
                         + stateName(i.state) + u"; it cannot become "_s + stateName(to));
}

// One write transaction. IMMEDIATE takes the write lock up front; starting inside a caller's
// transaction fails, which is what markSending needs (its commit must be real).
class Transaction
{
public:
    explicit Transaction(QSqlDatabase &db) : m_db(db) {}
    ~Transaction()
    {
        if (!m_open)
            return;
        QSqlQuery q(m_db);
        if (!q.exec(u"ROLLBACK"_s))
            qCWarning(lcSync) << "intent journal: rollback failed:" << q.lastError().text();
    }
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    Status begin()
    {
        QSqlQuery q(m_db);
        if (!q.exec(u"BEGIN IMMEDIATE"_s))
            return sqlError(u"cannot start an intent journal transaction"_s, q.lastError());
        m_open = true;
        return Status::success();
    }
    Status commit()
    {
        QSqlQuery q(m_db);
        if (!q.exec(u"COMMIT"_s))
            return sqlError(u"cannot commit the intent journal transaction"_s, q.lastError());
        m_open = false;
        return Status::success();
    }

private:
    QSqlDatabase &m_db;
    bool m_open = false;
};

Result<Intent> readIntent(const QSqlQuery &q)
{
    Intent i;
    int c = 0;
    i.id = q.value(c++).toLongLong();
    const QString kind = q.value(c++).toString();
    i.naturalKey = q.value(c++).toString();
    const QVariant order = q.value(c++);
    if (!order.isNull())
        i.orderEntityId = order.toLongLong();
    const QString payload = q.value(c++).toString();
    const QString state = q.value(c++).toString();
    i.attempts = q.value(c++).toInt();
    i.nextAttemptAt = timeFromSql(q.value(c++));
    i.lastErrorClass = q.value(c++).toString();
    i.lastError = q.value(c++).toString();
    i.resultRef = q.value(c++).toString();
    i.requestedBy = q.value(c++).toString();
    i.createdAt = timeFromSql(q.value(c++));
    i.updatedAt = timeFromSql(q.value(c++));
    i.deadReason = q.value(c++).toString();
    i.needsPersonNote = q.value(c++).toString();
    i.discardReason = q.value(c++).toString();
    i.inDoubtSince = timeFromSql(q.value(c++));

    const auto k = kindFromName(kind);
    if (!k)
        return makeError(u"intent.corrupt"_s, u"kind"_s,
                         u"intent "_s + QString::number(i.id) + u" has the unknown kind \""_s + kind + u'"');
    i.kind = *k;
    const auto s = stateFromName(state);
    if (!s)
        return makeError(u"intent.corrupt"_s, u"state"_s,
                         u"intent "_s + QString::number(i.id) + u" has the unknown state \""_s + state + u'"');
    i.state = *s;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(payload.toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return makeError(u"intent.corrupt"_s, u"payload"_s,
                         u"intent "_s + QString::number(i.id) + u" has a payload that is not a JSON object"_s);
    i.payload = doc.object();
    return i;
}

IntentAttempt readAttempt(const QSqlQuery &q)
{
    IntentAttempt a;
    int c = 0;
    a.id = q.value(c++).toLongLong();
    a.intentId = q.value(c++).toLongLong();
    a.action = q.value(c++).toString();
    a.startedAt = timeFromSql(q.value(c++));
    a.finishedAt = timeFromSql(q.value(c++));
    a.outcome = q.value(c++).toString();
    a.errorClass = q.value(c++).toString();
    a.errorMessage = q.value(c++).toString();
    const QVariant status = q.value(c++);
    if (!status.isNull())
        a.httpStatus = status.toInt();
    a.requestId = q.value(c++).toString();
    a.resultRef = q.value(c++).toString();
    a.fromState = q.value(c++).toString();
    a.toState = q.value(c++).toString();
    a.actor = q.value(c++).toString();
    return a;
}

Result<std::optional<Intent>> selectOne(QSqlDatabase &db, const QString &where, const QVariant &arg)
{
    auto query = prepare(db, u"SELECT "_s + kIntentColumns + u" FROM intents WHERE "_s + where);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(arg);
    if (Status s = exec(q, u"cannot read an intent"_s); !s)
        return s.error();
    if (!q.next())
        return std::optional<Intent>();
    auto intent = readIntent(q);
    if (!intent)
        return intent.error();
    return std::optional<Intent>(std::move(intent).value());
}

// The intent `intentId`, read inside the caller's transaction; an error when there is none.
Result<Intent> loadIntent(QSqlDatabase &db, qint64 intentId)
{
    auto found = selectOne(db, u"id = ?"_s, intentId);
    if (!found)
        return found.error();
    if (!found.value())
        return notFound(intentId);
    return *std::move(found).value();
}

Result<QList<Intent>> selectMany(QSqlQuery &q)
{
    if (Status s = exec(q, u"cannot list intents"_s); !s)
        return s.error();
    QList<Intent> out;
    while (q.next()) {
        auto intent = readIntent(q);
        if (!intent)
            return intent.error();
        out.append(std::move(intent).value());
    }
    return out;
}

// One column assignment of an intents UPDATE.
struct Set
{
    QLatin1StringView column;
    QVariant value;
};

// Moves the row from `from` to `to` (compare-and-set on the state) with extra assignments.
Status updateIntent(QSqlDatabase &db, const Intent &i, IntentState to, const QDateTime &now,
                    std::initializer_list<Set> sets)
{
    QString sql = u"UPDATE intents SET state = ?, updated_at = ?"_s;
    for (const Set &s : sets)
        sql += u", "_s + s.column + u" = ?"_s;
    sql += u" WHERE id = ? AND state = ?"_s;
    auto query = prepare(db, sql);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(stateName(to));
    q.addBindValue(timeToSql(now));
    for (const Set &s : sets) {
        // The text columns are NOT NULL; a null QString binds as NULL, an empty one as ''.
        const bool nullText = s.value.typeId() == QMetaType::QString && s.value.toString().isNull();
        q.addBindValue(nullText ? QVariant(QString(u""_s)) : s.value);
    }
    q.addBindValue(i.id);
    q.addBindValue(stateName(i.state));
    if (Status s = exec(q, u"cannot update intent "_s + QString::number(i.id)); !s)
        return s;
    if (q.numRowsAffected() != 1)
        return illegal(i, to);
    return Status::success();
}

// A transition row that is not a send: started and finished at once.
Result<qint64> insertEvent(QSqlDatabase &db, const Intent &i, IntentState to, const QDateTime &now,
                           const QString &action, const QString &outcome, const QString &errorClass,
                           const QString &message, const QString &resultRef, const QString &actor)
{
    auto query = prepare(db, uR"(
INSERT INTO intent_attempts (intent_id, action, started_at, finished_at, outcome, error_class,
                             error_message, result_ref, from_state, to_state, actor)
VALUES (?, ?, ?, ?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), ?, ?,
        COALESCE(?, '')))"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(i.id);
    q.addBindValue(action);
    q.addBindValue(timeToSql(now));
    q.addBindValue(timeToSql(now));
    q.addBindValue(outcome);
    q.addBindValue(errorClass);
    q.addBindValue(log::Redactor::redact(message));
    q.addBindValue(resultRef);
    q.addBindValue(stateName(i.state));
    q.addBindValue(stateName(to));
    q.addBindValue(actor);
    if (Status s = exec(q, u"cannot record the "_s + action + u" of intent "_s + QString::number(i.id)); !s)
        return s.error();
    return q.lastInsertId().toLongLong();
}

Status audit(QSqlDatabase &db, const QString &actor, const QString &action, const Intent &before,
             const QString &afterJson, const QString &detail, const QDateTime &now)
{
    store::AuditLog log(db);
    auto id = log.append(actor, action, u"intent"_s, QString::number(before.id), stateJson(before.state),
                         afterJson, log::Redactor::redact(detail), now);
    if (!id)
        return id.error();
    return Status::success();
}

QString className(net::ErrorClass c)
{
    return c == net::ErrorClass::None ? QString() : net::errorClassName(c);
}

} // namespace

IntentJournal::IntentJournal(QSqlDatabase &db, const Clock &clock) : m_db(db), m_clock(clock) {}

namespace {

// One plan inside the caller's open transaction.
Result<PlanResult> planOne(QSqlDatabase &db, const PlanRequest &request, const QDateTime &now)
{
    auto existing = selectOne(db, u"natural_key = ?"_s, request.naturalKey);
    if (!existing)
        return existing.error();
    if (existing.value()) {
        const Intent &i = *existing.value();
        if (i.kind != request.kind)
            return makeError(u"intent.key_conflict"_s, u"natural_key"_s,
                             u"the natural key "_s + request.naturalKey + u" already belongs to a "_s
                                 + kindName(i.kind) + u" intent, not "_s + kindName(request.kind));
        return PlanResult{i, false, i.payload != request.payload};
    }

    auto query = prepare(db, uR"(
INSERT INTO intents (kind, natural_key, order_entity_id, payload, state, attempts, next_attempt_at,
                     requested_by, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?))"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(kindName(request.kind));
    q.addBindValue(request.naturalKey);
    q.addBindValue(nullableInt(request.orderEntityId));
    q.addBindValue(payloadText(request.payload));
    q.addBindValue(stateName(IntentState::Planned));
    // Always set, so due() can use the (state, next_attempt_at) index without NULL handling.
    q.addBindValue(timeToSql(request.notBefore.isValid() ? request.notBefore.toUTC() : now));
    q.addBindValue(request.requestedBy.isEmpty() ? u"system"_s : request.requestedBy);
    q.addBindValue(timeToSql(now));
    q.addBindValue(timeToSql(now));
    if (Status s = exec(q, u"cannot plan intent "_s + request.naturalKey); !s)
        return s.error();
    const qint64 id = q.lastInsertId().toLongLong();
    auto created = selectOne(db, u"id = ?"_s, id);
    if (!created)
        return created.error();
    if (!created.value())
        return notFound(id);
    qCDebug(lcSync) << "planned intent" << id << request.naturalKey;
    return PlanResult{*created.value(), true, false};
}

} // namespace

Result<PlanResult> IntentJournal::plan(const PlanRequest &request)
{
    auto all = planAll({request});
    if (!all)
        return all.error();
    return all->first();
}

Result<QList<PlanResult>> IntentJournal::planAll(const QList<PlanRequest> &requests)
{
    if (requests.isEmpty())
        return invalid(u"requests"_s, u"nothing to plan"_s);
    for (const PlanRequest &request : requests) {
        if (Status s = validateNaturalKey(request.naturalKey); !s)
            return s.error();
        if (Status s = validatePayload(request.payload); !s)
            return s.error();
    }
    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s.error();
    const QDateTime now = m_clock.nowUtc();
    QList<PlanResult> out;
    out.reserve(requests.size());
    for (const PlanRequest &request : requests) {
        auto r = planOne(m_db, request, now);
        if (!r)
            return r.error(); // the transaction rolls back: a chain is planned whole or not at all
        // What a person asked for is audited with the plan, in the same transaction; the rules'
        // own work ("system:…") is in the intents table and would only flood the log.
        const Intent &planned = r.value().intent;
        if (r.value().created && !planned.requestedBy.startsWith(u"system:")) {
            const QString after = QString::fromUtf8(
                QJsonDocument(QJsonObject{{u"state"_s, stateName(planned.state)},
                                          {u"kind"_s, kindName(planned.kind)},
                                          {u"natural_key"_s, planned.naturalKey},
                                          {u"payload"_s, planned.payload}})
                    .toJson(QJsonDocument::Compact));
            store::AuditLog log(m_db);
            auto id = log.append(planned.requestedBy, u"intent.plan"_s, u"intent"_s, QString::number(planned.id),
                                 QString(), after, log::Redactor::redact(planned.payload.value(u"reason"_s).toString()),
                                 now);
            if (!id)
                return id.error();
        }
        out.append(r.value());
    }
    if (Status s = tx.commit(); !s)
        return s.error();
    return out;
}

Result<QList<Intent>> IntentJournal::forOrder(qint64 orderEntityId) const
{
    auto query = prepare(m_db, u"SELECT "_s + kIntentColumns
                                   + u" FROM intents WHERE order_entity_id = ? ORDER BY id"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(orderEntityId);
    return selectMany(q);
}

Result<SendTicket> IntentJournal::markSending(qint64 intentId, const QString &requestId)
{
    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto found = loadIntent(m_db, intentId);
    if (!found)
        return found.error();
    const Intent &i = found.value();
    if (!isLegalTransition(i.state, IntentState::Sending))
        return illegal(i, IntentState::Sending);

    const QDateTime now = m_clock.nowUtc();
    if (Status s = updateIntent(m_db, i, IntentState::Sending, now,
                                {{QLatin1StringView("attempts"), i.attempts + 1},
                                 {QLatin1StringView("next_attempt_at"), timeToSql({})}});
        !s)
        return s.error();

    auto query = prepare(m_db, uR"(
INSERT INTO intent_attempts (intent_id, action, started_at, request_id, from_state, to_state)
VALUES (?, 'send', ?, COALESCE(?, ''), ?, 'sending'))"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(i.id);
    q.addBindValue(timeToSql(now));
    q.addBindValue(requestId);
    q.addBindValue(stateName(i.state));
    if (Status s = exec(q, u"cannot record the send of intent "_s + QString::number(i.id)); !s)
        return s.error();
    const SendTicket ticket{i.id, q.lastInsertId().toLongLong(), i.attempts + 1};
    if (Status s = tx.commit(); !s)
        return s.error();
    return ticket;
}

namespace {

// Closes the ticket's open send row.
Status closeSend(QSqlDatabase &db, const SendTicket &t, const AttemptReport &r, IntentState to,
                 const QDateTime &now)
{
    auto query = prepare(db, uR"(
UPDATE intent_attempts
SET finished_at = ?, outcome = COALESCE(?, ''), error_class = COALESCE(?, ''),
    error_message = COALESCE(?, ''), http_status = ?,
    request_id = CASE WHEN COALESCE(?, '') = '' THEN request_id ELSE ? END,
    result_ref = COALESCE(?, ''), to_state = ?
WHERE id = ? AND intent_id = ? AND action = 'send' AND finished_at IS NULL)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(timeToSql(now));
    q.addBindValue(r.outcome);
    q.addBindValue(className(r.errorClass));
    q.addBindValue(log::Redactor::redact(r.message));
    q.addBindValue(r.httpStatus ? QVariant(*r.httpStatus) : QVariant(QMetaType::fromType<int>()));
    q.addBindValue(r.requestId);
    q.addBindValue(r.requestId);
    q.addBindValue(r.resultRef);
    q.addBindValue(stateName(to));
    q.addBindValue(t.attemptId);
    q.addBindValue(t.intentId);
    if (Status s = exec(q, u"cannot close the attempt of intent "_s + QString::number(t.intentId)); !s)
        return s;
    if (q.numRowsAffected() != 1)
        return makeError(u"intent.illegal_transition"_s, u"attempt"_s,
                         u"attempt "_s + QString::number(t.attemptId) + u" of intent "_s
                             + QString::number(t.intentId) + u" is not an open send"_s);
    return Status::success();
}

// The end of one send, in one transaction: the intent (which must be `sending`) moves to `to`
// with `sets`, and its open attempt row is closed with the report.
Status finishSend(QSqlDatabase &db, const SendTicket &t, const AttemptReport &r, IntentState to,
                  const QDateTime &now, std::initializer_list<Set> sets)
{
    Transaction tx(db);
    if (Status s = tx.begin(); !s)
        return s;
    auto found = loadIntent(db, t.intentId);
    if (!found)
        return found.error();
    const Intent &i = found.value();
    if (i.state != IntentState::Sending)
        return illegal(i, to);
    if (Status s = updateIntent(db, i, to, now, sets); !s)
        return s;
    if (Status s = closeSend(db, t, r, to, now); !s)
        return s;
    return tx.commit();
}

} // namespace

Status IntentJournal::markSucceeded(const SendTicket &ticket, const AttemptReport &report)
{
    return finishSend(m_db, ticket, report, IntentState::Succeeded, m_clock.nowUtc(),
                      {{QLatin1StringView("result_ref"), report.resultRef},
                       {QLatin1StringView("last_error_class"), QString()},
                       {QLatin1StringView("last_error"), QString()}});
}

Status IntentJournal::markRetryWait(const SendTicket &ticket, const AttemptReport &report,
                                    const QDateTime &nextAttemptAt)
{
    const QDateTime now = m_clock.nowUtc();
    const QDateTime at = nextAttemptAt.isValid() ? nextAttemptAt.toUTC() : now;
    return finishSend(m_db, ticket, report, IntentState::RetryWait, now,
                      {{QLatin1StringView("next_attempt_at"), timeToSql(at)},
                       {QLatin1StringView("last_error_class"), className(report.errorClass)},
                       {QLatin1StringView("last_error"), log::Redactor::redact(report.message)}});
}

Status IntentJournal::markDead(const SendTicket &ticket, const AttemptReport &report,
                               const QString &reasonCode)
{
    if (reasonCode.isEmpty())
        return invalid(u"reason"_s, u"a dead letter needs a reason code"_s);
    if (Status s = finishSend(m_db, ticket, report, IntentState::Dead, m_clock.nowUtc(),
                              {{QLatin1StringView("dead_reason"), reasonCode},
                               {QLatin1StringView("last_error_class"), className(report.errorClass)},
                               {QLatin1StringView("last_error"), log::Redactor::redact(report.message)}});
        !s)
        return s;
    qCInfo(lcSync) << "intent" << ticket.intentId << "is a dead letter:" << reasonCode;
    return Status::success();
}

Status IntentJournal::markInDoubt(const SendTicket &ticket, const AttemptReport &report)
{
    const QDateTime now = m_clock.nowUtc();
    AttemptReport r = report;
    if (r.errorClass == net::ErrorClass::None)
        r.errorClass = net::ErrorClass::InDoubt;
    return finishSend(m_db, ticket, r, IntentState::InDoubt, now,
                      {{QLatin1StringView("in_doubt_since"), timeToSql(now)},
                       {QLatin1StringView("last_error_class"), className(r.errorClass)},
                       {QLatin1StringView("last_error"), log::Redactor::redact(r.message)}});
}

Status IntentJournal::markFailed(const SendTicket &ticket, const AttemptReport &report,
                                 const RetryDecision &decision)
{
    AttemptReport r = report;
    if (r.errorClass == net::ErrorClass::None)
        r.errorClass = decision.errorClass;
    switch (decision.kind) {
    case RetryDecision::Kind::RetryAt:
        return markRetryWait(ticket, r, decision.at);
    case RetryDecision::Kind::InDoubt:
        return markInDoubt(ticket, r);
    case RetryDecision::Kind::DeadLetter:
        if (!decision.reason.isEmpty())
            r.message = r.message.isEmpty() ? decision.reason : r.message + u" — "_s + decision.reason;
        return markDead(ticket, r, decision.reasonCode.isEmpty() ? u"retry.dead"_s : decision.reasonCode);
    }
    return invalid(u"decision"_s, u"unknown retry decision"_s);
}

Status IntentJournal::refuse(qint64 intentId, const QString &reasonCode, const QString &message)
{
    if (reasonCode.isEmpty())
        return invalid(u"reason"_s, u"a refusal needs a reason code"_s);
    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s;
    auto found = loadIntent(m_db, intentId);
    if (!found)
        return found.error();
    const Intent &i = found.value();
    if (i.state != IntentState::Planned && i.state != IntentState::RetryWait)
        return illegal(i, IntentState::Dead);
    const QDateTime now = m_clock.nowUtc();
    if (Status s = updateIntent(m_db, i, IntentState::Dead, now,
                                {{QLatin1StringView("dead_reason"), reasonCode},
                                 {QLatin1StringView("next_attempt_at"), timeToSql({})},
                                 {QLatin1StringView("last_error_class"), net::errorClassName(net::ErrorClass::Permanent)},
                                 {QLatin1StringView("last_error"), log::Redactor::redact(message)}});
        !s)
        return s;
    if (auto e = insertEvent(m_db, i, IntentState::Dead, now, u"refuse"_s, u"refused"_s,
                             net::errorClassName(net::ErrorClass::Permanent),
                             reasonCode + u": "_s + message, QString(), QString());
        !e)
        return e.error();
    return tx.commit();
}

Result<int> IntentJournal::recoverAfterCrash()
{
    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto query = prepare(m_db, u"SELECT "_s + kIntentColumns + u" FROM intents WHERE state = 'sending' ORDER BY id"_s);
    if (!query)
        return query.error();
    auto sending = selectMany(query.value());
    if (!sending)
        return sending.error();

    const QDateTime now = m_clock.nowUtc();
    const QString message = u"PayBridge stopped while the request was in flight; its effect is unknown"_s;
    for (const Intent &i : sending.value()) {
        if (Status s = updateIntent(m_db, i, IntentState::InDoubt, now,
                                    {{QLatin1StringView("in_doubt_since"), timeToSql(now)},
                                     {QLatin1StringView("last_error_class"), net::errorClassName(net::ErrorClass::InDoubt)},
                                     {QLatin1StringView("last_error"), message}});
            !s)
            return s.error();
        auto close = prepare(m_db, uR"(
UPDATE intent_attempts SET finished_at = ?, outcome = 'interrupted', error_class = 'in_doubt',
                           error_message = ?, to_state = 'in_doubt'
WHERE intent_id = ? AND action = 'send' AND finished_at IS NULL)"_s);
        if (!close)
            return close.error();
        QSqlQuery &q = close.value();
        q.addBindValue(timeToSql(now));
        q.addBindValue(message);
        q.addBindValue(i.id);
        if (Status s = exec(q, u"cannot close the interrupted attempt of intent "_s + QString::number(i.id)); !s)
            return s.error();
        // A sending row always has its open send; should one be missing, the transition still
        // gets its row.
        if (q.numRowsAffected() == 0) {
            if (auto e = insertEvent(m_db, i, IntentState::InDoubt, now, u"recover"_s, u"interrupted"_s,
                                     net::errorClassName(net::ErrorClass::InDoubt), message, QString(), QString());
                !e)
                return e.error();
        }
    }
    if (Status s = tx.commit(); !s)
        return s.error();
    if (!sending.value().isEmpty())
        qCWarning(lcSync) << sending.value().size() << "intents were in flight at the last stop; now in doubt";
    return int(sending.value().size());
}

Status IntentJournal::recordLookup(qint64 intentId, const LookupFinding &finding)
{
    using K = LookupFinding::Kind;
    if (finding.kind == K::Happened && finding.resultRef.isEmpty())
        return invalid(u"result_ref"_s, u"a lookup that found the effect must say where (result reference)"_s);
    if (finding.kind == K::Undecided && finding.note.isEmpty())
        return invalid(u"note"_s, u"an undecided lookup must say what was found for the person who decides"_s);

    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s;
    auto found = loadIntent(m_db, intentId);
    if (!found)
        return found.error();
    const Intent &i = found.value();
    const IntentState to = finding.kind == K::Happened     ? IntentState::Succeeded
                           : finding.kind == K::DidNotHappen ? IntentState::RetryWait
                                                             : IntentState::NeedsPerson;
    if (i.state != IntentState::InDoubt)
        return illegal(i, to);

    const QDateTime now = m_clock.nowUtc();
    const QString note = log::Redactor::redact(finding.note);
    Status updated;
    QString outcome;
    switch (finding.kind) {
    case K::Happened:
        outcome = u"found"_s;
        updated = updateIntent(m_db, i, to, now, {{QLatin1StringView("result_ref"), finding.resultRef}});
        break;
    case K::DidNotHappen:
        outcome = u"not_found"_s;
        updated = updateIntent(m_db, i, to, now,
                               {{QLatin1StringView("next_attempt_at"),
                                 timeToSql(finding.retryAt.isValid() ? finding.retryAt.toUTC() : now)}});
        break;
    case K::Undecided:
        outcome = u"undecided"_s;
        updated = updateIntent(m_db, i, to, now, {{QLatin1StringView("needs_person_note"), note}});
        break;
    }
    if (!updated)
        return updated;
    if (auto e = insertEvent(m_db, i, to, now, u"lookup"_s, outcome, QString(), note,
                             finding.resultRef, u"janitor"_s);
        !e)
        return e.error();
    return tx.commit();
}

Status IntentJournal::resolveByHand(qint64 intentId, const ManualResolution &resolution,
                                    const QString &actor)
{
    if (actor.isEmpty())
        return invalid(u"actor"_s, u"a resolution by hand needs the person who made it"_s);
    if (resolution.happened && resolution.resultRef.isEmpty())
        return invalid(u"result_ref"_s, u"say where the effect is (transaction id or document number)"_s);

    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s;
    auto found = loadIntent(m_db, intentId);
    if (!found)
        return found.error();
    const Intent &i = found.value();
    const IntentState to = resolution.happened ? IntentState::Succeeded : IntentState::RetryWait;
    if (i.state != IntentState::InDoubt && i.state != IntentState::NeedsPerson)
        return illegal(i, to);

    const QDateTime now = m_clock.nowUtc();
    const QString note = log::Redactor::redact(resolution.note);
    Status updated = resolution.happened
        ? updateIntent(m_db, i, to, now, {{QLatin1StringView("result_ref"), resolution.resultRef}})
        : updateIntent(m_db, i, to, now, {{QLatin1StringView("next_attempt_at"), timeToSql(now)}});
    if (!updated)
        return updated;
    const QString outcome = resolution.happened ? u"happened"_s : u"did_not_happen"_s;
    if (auto e = insertEvent(m_db, i, to, now, u"resolve"_s, outcome, QString(), note,
                             resolution.resultRef, actor);
        !e)
        return e.error();
    if (Status s = audit(m_db, actor, u"intent.resolve"_s, i,
                         stateJson(to, u"result_ref"_s, resolution.resultRef),
                         outcome + (note.isEmpty() ? QString() : u": "_s + note), now);
        !s)
        return s;
    return tx.commit();
}

Status IntentJournal::discard(qint64 intentId, const QString &reason, const QString &actor)
{
    if (actor.isEmpty())
        return invalid(u"actor"_s, u"discarding an intent needs the person who decided it"_s);
    if (reason.trimmed().isEmpty())
        return invalid(u"reason"_s, u"discarding an intent needs a reason"_s);

    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s;
    auto found = loadIntent(m_db, intentId);
    if (!found)
        return found.error();
    const Intent &i = found.value();
    if (!isLegalTransition(i.state, IntentState::Discarded))
        return illegal(i, IntentState::Discarded);

    const QDateTime now = m_clock.nowUtc();
    const QString why = log::Redactor::redact(reason);
    if (Status s = updateIntent(m_db, i, IntentState::Discarded, now,
                                {{QLatin1StringView("discard_reason"), why},
                                 {QLatin1StringView("next_attempt_at"), timeToSql({})}});
        !s)
        return s;
    if (auto e = insertEvent(m_db, i, IntentState::Discarded, now, u"discard"_s, u"discarded"_s,
                             QString(), why, QString(), actor);
        !e)
        return e.error();
    if (Status s = audit(m_db, actor, u"intent.discard"_s, i,
                         stateJson(IntentState::Discarded), why, now);
        !s)
        return s;
    return tx.commit();
}

Result<ReplayPlan> IntentJournal::replayPlan(qint64 intentId) const
{
    auto intent = get(intentId);
    if (!intent)
        return intent.error();
    auto history = attempts(intentId);
    if (!history)
        return history.error();
    ReplayPlan plan;
    plan.history = IntentHistory{intent.value(), history.value()};
    plan.replayable = intent->state == IntentState::Dead;
    if (!plan.replayable)
        plan.whyNot = u"only dead letters are replayed; intent "_s + QString::number(intentId)
            + u" is "_s + stateName(intent->state);
    return plan;
}

Status IntentJournal::replay(qint64 intentId, const QString &actor, const QString &note)
{
    if (actor.isEmpty())
        return invalid(u"actor"_s, u"a replay needs the person who asked for it"_s);
    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s;
    auto found = loadIntent(m_db, intentId);
    if (!found)
        return found.error();
    const Intent &i = found.value();
    if (i.state != IntentState::Dead)
        return illegal(i, IntentState::Planned);
    const QDateTime now = m_clock.nowUtc();
    const QString why = log::Redactor::redact(note);
    if (Status s = updateIntent(m_db, i, IntentState::Planned, now,
                                {{QLatin1StringView("next_attempt_at"), timeToSql(now)},
                                 {QLatin1StringView("dead_reason"), QString()}});
        !s)
        return s;
    if (auto e = insertEvent(m_db, i, IntentState::Planned, now, u"replay"_s, u"replayed"_s,
                             QString(), why, QString(), actor);
        !e)
        return e.error();
    if (Status s = audit(m_db, actor, u"intent.replay"_s, i,
                         stateJson(IntentState::Planned, u"dead_reason"_s, i.deadReason),
                         why, now);
        !s)
        return s;
    return tx.commit();
}

Result<Intent> IntentJournal::get(qint64 intentId) const
{
    return loadIntent(m_db, intentId);
}

Result<std::optional<Intent>> IntentJournal::findByKey(const QString &naturalKey) const
{
    return selectOne(m_db, u"natural_key = ?"_s, naturalKey);
}

Result<QList<IntentAttempt>> IntentJournal::attempts(qint64 intentId) const
{
    auto query = prepare(m_db, u"SELECT "_s + kAttemptColumns
                                   + u" FROM intent_attempts WHERE intent_id = ? ORDER BY id"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(intentId);
    if (Status s = exec(q, u"cannot read the attempts of intent "_s + QString::number(intentId)); !s)
        return s.error();
    QList<IntentAttempt> out;
    while (q.next())
        out.append(readAttempt(q));
    return out;
}

Result<QList<Intent>> IntentJournal::due(const QDateTime &now, int limit) const
{
    auto query = prepare(m_db, u"SELECT "_s + kIntentColumns + uR"( FROM intents
WHERE state IN ('planned', 'retry_wait') AND next_attempt_at <= ?
ORDER BY next_attempt_at, id LIMIT ?)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(timeToSql(now));
    q.addBindValue(limit);
    return selectMany(q);
}

Result<QList<Intent>> IntentJournal::dueReady(const QDateTime &now, int limit) const
{
    auto query = prepare(m_db, u"SELECT "_s + kIntentColumns + uR"( FROM intents i
WHERE state IN ('planned', 'retry_wait') AND next_attempt_at <= ?
  AND (json_extract(payload, '$.after') IS NULL
       OR EXISTS (SELECT 1 FROM intents p
                  WHERE p.natural_key = json_extract(i.payload, '$.after') AND p.state = 'succeeded'))
ORDER BY next_attempt_at, id LIMIT ?)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(timeToSql(now));
    q.addBindValue(limit);
    return selectMany(q);
}

Result<std::optional<QDateTime>> IntentJournal::nextDueAt() const
{
    auto query = prepare(m_db, uR"(
SELECT MIN(next_attempt_at) FROM intents i
WHERE state IN ('planned', 'retry_wait')
  AND (json_extract(payload, '$.after') IS NULL
       OR EXISTS (SELECT 1 FROM intents p
                  WHERE p.natural_key = json_extract(i.payload, '$.after') AND p.state = 'succeeded')))"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    if (Status s = exec(q, u"cannot read when the next intent is due"_s); !s)
        return s.error();
    if (!q.next() || q.value(0).isNull())
        return std::optional<QDateTime>();
    return std::optional<QDateTime>(timeFromSql(q.value(0)));
}

Result<QList<Intent>> IntentJournal::listByState(IntentState state, int limit, qint64 afterId) const
{
    auto query = prepare(m_db, u"SELECT "_s + kIntentColumns
                                   + u" FROM intents WHERE state = ? AND id > ? ORDER BY id LIMIT ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(stateName(state));
    q.addBindValue(afterId);
    q.addBindValue(limit);
    return selectMany(q);
}

Result<QList<IntentHistory>> IntentJournal::deadLetters(int limit, qint64 afterId) const
{
    auto dead = listByState(IntentState::Dead, limit, afterId);
    if (!dead)
        return dead.error();
    QList<IntentHistory> out;
    out.reserve(dead->size());
    for (const Intent &i : dead.value()) {
        auto history = attempts(i.id);
        if (!history)
            return history.error();
        out.append(IntentHistory{i, history.value()});
    }
    return out;
}

} // namespace pb::intents
