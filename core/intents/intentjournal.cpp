#include "intents/intentjournal.h"

#include "log/categories.h"
#include "log/redactor.h"
#include "store/auditlog.h"
#include "store/sqlsupport.h"

#include <QCoreApplication>
#include <QFile>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QSysInfo>
#include <QVariant>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#include <unistd.h>
#endif

#include <initializer_list>
#include <utility>

using namespace Qt::StringLiterals;

namespace pb::intents {

namespace {

constexpr QLatin1StringView kIntentColumns(
    "id, kind, natural_key, order_entity_id, payload, state, attempts, next_attempt_at, "
    "last_error_class, last_error, result_ref, requested_by, created_at, updated_at, "
    "dead_reason, needs_person_note, discard_reason, in_doubt_since, owner, lease_until, "
    "last_lookup_at, next_lookup_at, undecided_lookups");

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
    i.owner = q.value(c++).toString();
    i.leaseUntil = timeFromSql(q.value(c++));
    i.lastLookupAt = timeFromSql(q.value(c++));
    i.nextLookupAt = timeFromSql(q.value(c++));
    i.undecidedLookups = q.value(c++).toInt();

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

// The intents `sql` selects (kIntentColumns first) with `now` and `limit` bound in that order.
Result<QList<Intent>> selectNowLimit(QSqlDatabase &db, const QString &sql, const QDateTime &now, int limit)
{
    auto query = prepare(db, sql);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(timeToSql(now));
    q.addBindValue(limit);
    return selectMany(q);
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

QString lookupOutcomeName(LookupFinding::Kind kind)
{
    switch (kind) {
    case LookupFinding::Kind::Happened: return u"found"_s;
    case LookupFinding::Kind::DidNotHappen: return u"not_found"_s;
    case LookupFinding::Kind::Undecided: return u"undecided"_s;
    case LookupFinding::Kind::NotYet: return u"not_found_yet"_s;
    case LookupFinding::Kind::Unreachable: return u"unreachable"_s;
    }
    return u"undecided"_s;
}

namespace {

// When process `pid` started, in ms since the epoch, from /proc (boot time plus the start in
// clock ticks); nullopt where that cannot be read.
std::optional<qint64> processStartMs(qint64 pid)
{
#ifdef Q_OS_LINUX
    QFile statFile(u"/proc/"_s + QString::number(pid) + u"/stat"_s);
    if (!statFile.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray stat = statFile.readAll();
    // The command name is in parentheses and may hold spaces: fields count from its end.
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0)
        return std::nullopt;
    const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
    if (fields.size() < 20)
        return std::nullopt;
    bool ok = false;
    const qint64 ticks = fields.at(19).toLongLong(&ok); // field 22 of stat(5)
    if (!ok)
        return std::nullopt;
    QFile procStat(u"/proc/stat"_s);
    if (!procStat.open(QIODevice::ReadOnly))
        return std::nullopt;
    for (const QByteArray &line : procStat.readAll().split('\n')) {
        if (line.startsWith("btime ")) {
            const qint64 boot = line.mid(6).trimmed().toLongLong(&ok);
            const long hz = sysconf(_SC_CLK_TCK);
            if (!ok || hz <= 0)
                return std::nullopt;
            return boot * 1000 + ticks * 1000 / hz;
        }
    }
    return std::nullopt;
#else
    Q_UNUSED(pid);
    return std::nullopt;
#endif
}

} // namespace

QString OwnerId::toString() const
{
    return host + u':' + QString::number(pid) + u':' + QString::number(startMs);
}

std::optional<OwnerId> OwnerId::parse(const QString &owner)
{
    // One process may run several owners (runners): "host:pid:start/n" names the n-th; the
    // process is what counts here.
    const QString text = owner.section(u'/', 0, 0);
    // The host name may itself hold colons (rare); pid and start are the last two parts.
    const qsizetype second = text.lastIndexOf(u':');
    const qsizetype first = second > 0 ? text.lastIndexOf(u':', second - 1) : -1;
    if (first <= 0)
        return std::nullopt;
    OwnerId id;
    bool okPid = false, okStart = false;
    id.host = text.left(first);
    id.pid = text.mid(first + 1, second - first - 1).toLongLong(&okPid);
    id.startMs = text.mid(second + 1).toLongLong(&okStart);
    if (!okPid || !okStart || id.pid <= 0)
        return std::nullopt;
    return id;
}

const OwnerId &OwnerId::self()
{
    static const OwnerId me = [] {
        OwnerId id;
        id.host = QSysInfo::machineHostName();
        if (id.host.isEmpty())
            id.host = u"localhost"_s;
        id.pid = QCoreApplication::applicationPid();
        id.startMs = processStartMs(id.pid).value_or(QDateTime::currentMSecsSinceEpoch());
        return id;
    }();
    return me;
}

bool OwnerId::certainlyGone() const
{
    if (host != self().host)
        return false;
#ifdef Q_OS_UNIX
    if (::kill(pid_t(pid), 0) == -1 && errno == ESRCH)
        return true;
#endif
    // The pid is in use: by the owner, or by a process started since (the pid was reused).
    // Start times from /proc are exact to a clock tick; allow for the rounding.
    if (const auto started = processStartMs(pid))
        return std::abs(*started - startMs) > 2000;
    return false;
}

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

Result<QList<PlanResult>> IntentJournal::planAll(const QList<PlanRequest> &requests, bool keysMustBeNew)
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
        if (keysMustBeNew && !r->created)
            return makeError(u"intent.key_taken"_s, u"natural_key"_s,
                             u"the natural key "_s + request.naturalKey + u" was planned meanwhile"_s);
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

void IntentJournal::setOwner(const QString &owner, qint64 leaseMs)
{
    m_owner = owner;
    m_leaseMs = std::max<qint64>(1000, leaseMs);
}

Result<int> IntentJournal::renewLeases()
{
    if (m_owner.isEmpty())
        return 0;
    auto query = prepare(m_db, u"UPDATE intents SET lease_until = ? WHERE state = 'sending' AND owner = ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(timeToSql(m_clock.nowUtc().addMSecs(m_leaseMs)));
    q.addBindValue(m_owner);
    if (Status s = exec(q, u"cannot renew the claim on the intents being sent"_s); !s)
        return s.error();
    return q.numRowsAffected();
}

Result<bool> IntentJournal::acquireRunnerLease(const QString &program)
{
    if (m_owner.isEmpty())
        return invalid(u"owner"_s, u"the runner lease needs an owner (setOwner)"_s);
    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s.error();
    const QDateTime now = m_clock.nowUtc();
    auto held = runnerLeaseHolder();
    if (!held)
        return held.error();
    if (held.value() && held.value()->holder != m_owner) {
        const auto owner = OwnerId::parse(held.value()->holder);
        if (!(owner && owner->certainlyGone()))
            return false; // a live process runs intents; the transaction rolls back
        qCInfo(lcSync) << "taking the intent runner lease from" << held.value()->program << held.value()->holder
                       << "(its process is gone)";
    }
    const OwnerId me = OwnerId::parse(m_owner).value_or(OwnerId::self());
    const bool renewing = held.value() && held.value()->holder == m_owner;
    auto query = prepare(m_db, renewing
        ? u"UPDATE intent_runner_lease SET renewed_at = ?, expires_at = ? WHERE name = 'intents' AND holder = ?"_s
        : uR"(INSERT OR REPLACE INTO intent_runner_lease
              (name, holder, host, pid, program, acquired_at, renewed_at, expires_at)
              VALUES ('intents', ?, ?, ?, ?, ?, ?, ?))"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    if (renewing) {
        q.addBindValue(timeToSql(now));
        q.addBindValue(timeToSql(now.addMSecs(m_leaseMs)));
        q.addBindValue(m_owner);
    } else {
        q.addBindValue(m_owner);
        q.addBindValue(me.host);
        q.addBindValue(me.pid);
        q.addBindValue(program);
        q.addBindValue(timeToSql(now));
        q.addBindValue(timeToSql(now));
        q.addBindValue(timeToSql(now.addMSecs(m_leaseMs)));
    }
    if (Status s = exec(q, u"cannot take the intent runner lease"_s); !s)
        return s.error();
    if (Status s = tx.commit(); !s)
        return s.error();
    return true;
}

Status IntentJournal::releaseRunnerLease()
{
    auto query = prepare(m_db, u"DELETE FROM intent_runner_lease WHERE name = 'intents' AND holder = ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(m_owner);
    return exec(q, u"cannot give the intent runner lease up"_s);
}

Result<std::optional<RunnerLeaseHolder>> IntentJournal::runnerLeaseHolder() const
{
    auto query = prepare(m_db, uR"(
SELECT holder, host, pid, program, acquired_at, renewed_at, expires_at
FROM intent_runner_lease WHERE name = 'intents' AND expires_at >= ?)"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.addBindValue(timeToSql(m_clock.nowUtc()));
    if (Status s = exec(q, u"cannot read the intent runner lease"_s); !s)
        return s.error();
    if (!q.next())
        return std::optional<RunnerLeaseHolder>();
    RunnerLeaseHolder h;
    h.holder = q.value(0).toString();
    h.host = q.value(1).toString();
    h.pid = q.value(2).toLongLong();
    h.program = q.value(3).toString();
    h.acquiredAt = timeFromSql(q.value(4));
    h.renewedAt = timeFromSql(q.value(5));
    h.expiresAt = timeFromSql(q.value(6));
    return std::optional<RunnerLeaseHolder>(h);
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
                                 {QLatin1StringView("next_attempt_at"), timeToSql({})},
                                 {QLatin1StringView("owner"), m_owner},
                                 {QLatin1StringView("lease_until"), timeToSql(now.addMSecs(m_leaseMs))},
                                 {QLatin1StringView("next_lookup_at"), timeToSql({})},
                                 {QLatin1StringView("undecided_lookups"), 0}});
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
WHERE id = ? AND intent_id = ? AND action = 'send'
  AND (finished_at IS NULL OR outcome = 'interrupted'))"_s);
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
    // Another process may have taken our owner for gone and recovered this send as in doubt:
    // the answer still counts (it is better than any lookup) while this send is the intent's
    // latest. An answer to an older send never does.
    if (i.state != IntentState::Sending && i.state != IntentState::InDoubt)
        return illegal(i, to);
    auto latest = prepare(db, u"SELECT MAX(id) FROM intent_attempts WHERE intent_id = ? AND action = 'send'"_s);
    if (!latest)
        return latest.error();
    QSqlQuery &lq = latest.value();
    lq.addBindValue(i.id);
    if (Status s = exec(lq, u"cannot read the sends of intent "_s + QString::number(i.id)); !s)
        return s;
    if (!lq.next() || lq.value(0).toLongLong() != t.attemptId)
        return illegal(i, to);
    if (i.state == IntentState::InDoubt)
        qCWarning(lcSync) << "intent" << i.id << "was recovered as in doubt while its answer was on the way;"
                          << "recording the answer";
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
                       {QLatin1StringView("last_error"), log::Redactor::redact(r.message)},
                       {QLatin1StringView("next_lookup_at"), timeToSql(now)},
                       {QLatin1StringView("undecided_lookups"), 0}});
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
    int recovered = 0;
    for (const Intent &i : sending.value()) {
        // A live owner is still waiting for the answer: its row is not ours to judge.
        if (!i.owner.isEmpty()) {
            if (i.owner == m_owner)
                continue;
            const auto owner = OwnerId::parse(i.owner);
            const bool leaseHolds = i.leaseUntil.isValid() && i.leaseUntil >= now;
            if (leaseHolds && !(owner && owner->certainlyGone()))
                continue;
        }
        ++recovered;
        if (Status s = updateIntent(m_db, i, IntentState::InDoubt, now,
                                    {{QLatin1StringView("in_doubt_since"), timeToSql(now)},
                                     {QLatin1StringView("last_error_class"), net::errorClassName(net::ErrorClass::InDoubt)},
                                     {QLatin1StringView("last_error"), message},
                                     {QLatin1StringView("next_lookup_at"), timeToSql(now)},
                                     {QLatin1StringView("undecided_lookups"), 0}});
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
    if (recovered > 0)
        qCWarning(lcSync) << recovered << "intents were being sent by a process that is gone; now in doubt";
    return recovered;
}

Status IntentJournal::recordLookup(qint64 intentId, const LookupFinding &finding)
{
    using K = LookupFinding::Kind;
    if (finding.kind == K::Happened && finding.resultRef.isEmpty())
        return invalid(u"result_ref"_s, u"a lookup that found the effect must say where (result reference)"_s);
    if (finding.kind != K::Happened && finding.kind != K::DidNotHappen && finding.note.isEmpty())
        return invalid(u"note"_s, u"a lookup that decided nothing must say what was found for the person who decides"_s);

    Transaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return s;
    auto found = loadIntent(m_db, intentId);
    if (!found)
        return found.error();
    const Intent &i = found.value();
    const QDateTime now = m_clock.nowUtc();
    const QString note = log::Redactor::redact(finding.note);
    const bool waits = finding.kind == K::NotYet || finding.kind == K::Unreachable;
    // Waiting lookups are bounded: the last one allowed hands the intent to a person.
    const bool escalate = waits && i.undecidedLookups + 1 >= m_maxUndecided;
    const IntentState to = finding.kind == K::Happened       ? IntentState::Succeeded
                           : finding.kind == K::DidNotHappen ? IntentState::RetryWait
                           : waits && !escalate              ? IntentState::InDoubt
                                                             : IntentState::NeedsPerson;
    if (i.state != IntentState::InDoubt)
        return illegal(i, to);

    // For the person: every finding since the last send, this one last.
    QString personNote = note;
    if (escalate) {
        auto history = prepare(m_db, uR"(
SELECT started_at, error_message FROM intent_attempts
WHERE intent_id = ? AND action = 'lookup'
  AND id > COALESCE((SELECT MAX(id) FROM intent_attempts WHERE intent_id = ? AND action = 'send'), 0)
ORDER BY id)"_s);
        if (!history)
            return history.error();
        QSqlQuery &hq = history.value();
        hq.addBindValue(i.id);
        hq.addBindValue(i.id);
        if (Status s = exec(hq, u"cannot read the lookups of intent "_s + QString::number(i.id)); !s)
            return s;
        QStringList lines;
        while (hq.next())
            lines << timeFromSql(hq.value(0)).toString(Qt::ISODate) + u" "_s + hq.value(1).toString();
        lines << now.toString(Qt::ISODate) + u" "_s + note;
        personNote = u"%1 lookups decided nothing; a person must decide. "_s.arg(i.undecidedLookups + 1)
                     + lines.join(u" | "_s);
    }

    Status updated;
    switch (to) {
    case IntentState::Succeeded:
        updated = updateIntent(m_db, i, to, now, {{QLatin1StringView("result_ref"), finding.resultRef},
                                                  {QLatin1StringView("last_lookup_at"), timeToSql(now)}});
        break;
    case IntentState::RetryWait:
        updated = updateIntent(m_db, i, to, now,
                               {{QLatin1StringView("next_attempt_at"),
                                 timeToSql(finding.retryAt.isValid() ? finding.retryAt.toUTC() : now)},
                                {QLatin1StringView("last_lookup_at"), timeToSql(now)}});
        break;
    case IntentState::InDoubt:
        updated = updateIntent(m_db, i, to, now,
                               {{QLatin1StringView("last_lookup_at"), timeToSql(now)},
                                {QLatin1StringView("next_lookup_at"),
                                 timeToSql(finding.retryAt.isValid() ? finding.retryAt.toUTC() : now)},
                                {QLatin1StringView("undecided_lookups"), i.undecidedLookups + 1},
                                {QLatin1StringView("needs_person_note"), note}});
        break;
    default:
        updated = updateIntent(m_db, i, to, now, {{QLatin1StringView("needs_person_note"), personNote.left(8000)},
                                                  {QLatin1StringView("last_lookup_at"), timeToSql(now)},
                                                  {QLatin1StringView("undecided_lookups"), i.undecidedLookups + 1}});
        break;
    }
    if (!updated)
        return updated;
    if (auto e = insertEvent(m_db, i, to, now, u"lookup"_s, lookupOutcomeName(finding.kind), QString(), note,
                             finding.resultRef, u"janitor"_s);
        !e)
        return e.error();
    if (escalate)
        qCWarning(lcSync) << "intent" << i.id << i.naturalKey << "goes to a person after"
                          << i.undecidedLookups + 1 << "lookups that decided nothing";
    return tx.commit();
}

Result<QList<Intent>> IntentJournal::dueLookups(const QDateTime &now, int limit) const
{
    return selectNowLimit(m_db, u"SELECT "_s + kIntentColumns + uR"( FROM intents
WHERE state = 'in_doubt' AND (next_lookup_at IS NULL OR next_lookup_at <= ?)
ORDER BY COALESCE(last_lookup_at, 0), id LIMIT ?)"_s, now, limit);
}

Result<std::optional<QDateTime>> IntentJournal::nextLookupAt() const
{
    auto query = prepare(m_db, u"SELECT MIN(COALESCE(next_lookup_at, 0)), COUNT(*) FROM intents WHERE state = 'in_doubt'"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    if (Status s = exec(q, u"cannot read when the next lookup is due"_s); !s)
        return s.error();
    if (!q.next() || q.value(1).toLongLong() == 0)
        return std::optional<QDateTime>();
    return std::optional<QDateTime>(timeFromSql(q.value(0)));
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
    return selectNowLimit(m_db, u"SELECT "_s + kIntentColumns + uR"( FROM intents
WHERE state IN ('planned', 'retry_wait') AND next_attempt_at <= ?
ORDER BY next_attempt_at, id LIMIT ?)"_s, now, limit);
}

Result<QList<Intent>> IntentJournal::dueReady(const QDateTime &now, int limit) const
{
    return selectNowLimit(m_db, u"SELECT "_s + kIntentColumns + uR"( FROM intents i
WHERE state IN ('planned', 'retry_wait') AND next_attempt_at <= ?
  AND (json_extract(payload, '$.after') IS NULL
       OR EXISTS (SELECT 1 FROM intents p
                  WHERE p.natural_key = json_extract(i.payload, '$.after') AND p.state = 'succeeded'))
ORDER BY next_attempt_at, id LIMIT ?)"_s, now, limit);
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
