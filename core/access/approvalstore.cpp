#include "access/approvalstore.h"

#include "access/accesssql.h"
#include "access/limitstore.h"
#include "access/operatordirectory.h"

using namespace Qt::StringLiterals;

namespace pb::access {

namespace {

const QString kColumns = uR"(id, action, intent_key, payload, requested_by, requested_at,
amount_minor, currency, reason, state, COALESCE(decided_by, ''), decided_at, note)"_s;

QString ref(qint64 id)
{
    return u"approval request #"_s + QString::number(id);
}

} // namespace

QJsonObject ApprovalStore::toJson(const Approval &a)
{
    return QJsonObject{
        {u"id"_s, QString::number(a.id)},
        {u"action"_s, actionName(a.action)},
        {u"intent_key"_s, a.intentKey},
        {u"requested_by"_s, a.requestedBy},
        {u"amount"_s, a.amount.toDecimalString()},
        {u"currency"_s, a.amount.currency().code()},
        {u"reason"_s, a.reason},
        {u"state"_s, approvalStateName(a.state)},
        {u"decided_by"_s, a.decidedBy},
        {u"note"_s, a.note},
    };
}

Result<QList<Approval>> ApprovalStore::select(const QString &where, const QVariant &arg) const
{
    auto query = detail::prepare(m_db, u"SELECT "_s + kColumns + u" FROM approvals WHERE "_s + where
                                           + u" ORDER BY id"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, arg);
    if (Status s = detail::exec(q, u"cannot read approval requests"_s); !s)
        return s.error();
    QList<Approval> list;
    while (q.next()) {
        Approval a;
        int i = 0;
        a.id = q.value(i++).toLongLong();
        const QString action = q.value(i++).toString();
        a.intentKey = q.value(i++).toString();
        a.payload = q.value(i++).toString();
        a.requestedBy = q.value(i++).toString();
        a.requestedAt = detail::timeFromSql(q.value(i++));
        const qint64 minor = q.value(i++).toLongLong();
        const QString code = q.value(i++).toString();
        a.reason = q.value(i++).toString();
        const QString state = q.value(i++).toString();
        a.decidedBy = q.value(i++).toString();
        a.decidedAt = detail::timeFromSql(q.value(i++));
        a.note = q.value(i++).toString();
        const auto act = actionFromName(action);
        const auto st = approvalStateFromName(state);
        const auto currency = Currency::fromCode(code);
        if (!act || !st || !currency)
            return makeError(u"store.invalid_record"_s, ref(a.id),
                             u"the store holds an unreadable approval request (action \""_s + action
                                 + u"\", state \""_s + state + u"\", currency \""_s + code + u"\")"_s);
        a.action = *act;
        a.state = *st;
        a.amount = Money::fromMinor(minor, *currency);
        list.append(std::move(a));
    }
    return list;
}

Result<Approval> ApprovalStore::find(qint64 id) const
{
    auto list = select(u"id = ?"_s, id);
    if (!list)
        return list.error();
    if (list->isEmpty())
        return makeError(u"access.unknown_approval"_s, u"approval"_s,
                         u"There is no "_s + ref(id) + u"; check the number"_s);
    return list->constFirst();
}

Result<QList<Approval>> ApprovalStore::pending() const
{
    return select(u"state = ?"_s, approvalStateName(ApprovalState::Pending));
}

Result<Approval> ApprovalStore::requestApproval(const QString &requester, Action action,
                                                const ActionContext &context,
                                                const QString &reason, const QString &payload)
{
    detail::Savepoint tx(m_db, "pb_access_request"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto op = OperatorDirectory(m_db).find(requester);
    if (!op)
        return op.error();
    auto limits = LimitStore(m_db).load();
    if (!limits)
        return limits.error();
    ActionContext bare = context;
    bare.approval.reset();
    const Status verdict = AccessPolicy(*limits).check(*op, action, bare);
    if (verdict)
        return makeError(QString(kInvalidRequest), u"approval"_s,
                         requester + u" may already "_s + actionName(action)
                             + u" this amount without approval; no request was made"_s);
    if (verdict.error().code != kNeedsApproval)
        return verdict.error();

    if (!context.intentKey.isEmpty()) {
        auto open = select(u"state = 'pending' AND intent_key = ?"_s, context.intentKey);
        if (!open)
            return open.error();
        if (!open->isEmpty()) {
            const Approval &existing = open->constFirst();
            if (existing.requestedBy != requester || !(existing.amount == context.amount)
                || existing.action != action)
                return makeError(QString(kInvalidRequest), u"approval"_s,
                                 ref(existing.id) + u" by "_s + existing.requestedBy + u" for "_s
                                     + existing.amount.toString() + u" is already waiting for "_s
                                     + context.intentKey
                                     + u"; a finance operator must decide it first"_s);
            if (Status s = tx.release(); !s)
                return s.error();
            return existing;
        }
    }

    auto query = detail::prepare(m_db, uR"(
INSERT INTO approvals (action, intent_key, payload, requested_by, requested_at, amount_minor,
    currency, reason, state)
VALUES (?, COALESCE(?, ''), COALESCE(?, ''), ?, ?, ?, ?, COALESCE(?, ''), 'pending'))"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    int i = 0;
    q.bindValue(i++, actionName(action));
    q.bindValue(i++, context.intentKey);
    q.bindValue(i++, payload);
    q.bindValue(i++, requester);
    q.bindValue(i++, detail::timeToSql(QDateTime::currentDateTimeUtc()));
    q.bindValue(i++, context.amount.minor());
    q.bindValue(i++, context.amount.currency().code());
    q.bindValue(i++, reason);
    if (Status s = detail::exec(q, u"cannot record the approval request"_s); !s)
        return s.error();
    const qint64 id = q.lastInsertId().toLongLong();
    auto created = find(id);
    if (!created)
        return created.error();
    if (Status s = detail::audit(m_db, requester, u"access.approval_requested"_s, u"approval"_s,
                                 QString::number(id), {}, toJson(*created),
                                 verdict.error().message);
        !s)
        return s.error();
    if (Status s = tx.release(); !s)
        return s.error();
    return created;
}

Result<Approval> ApprovalStore::approve(qint64 id, const QString &approver, const QString &note)
{
    return decide(id, approver, note, ApprovalState::Approved);
}

Result<Approval> ApprovalStore::reject(qint64 id, const QString &decider, const QString &note)
{
    return decide(id, decider, note, ApprovalState::Rejected);
}

Result<Approval> ApprovalStore::decide(qint64 id, const QString &decider, const QString &note,
                                       ApprovalState to)
{
    detail::Savepoint tx(m_db, "pb_access_decide"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto before = find(id);
    if (!before)
        return before.error();
    if (before->state != ApprovalState::Pending)
        return makeError(u"access.already_decided"_s, u"approval"_s,
                         ref(id) + u" was already "_s + approvalStateName(before->state)
                             + u" by "_s + before->decidedBy + u"; nothing was changed"_s);
    auto op = OperatorDirectory(m_db).find(decider);
    if (!op)
        return op.error();
    if (Status s = validateAccount(decider, u"approver"_s); !s)
        return s.error();
    if (!op->known || op->disabled)
        return makeError(QString(kDenied), u"approver"_s,
                         decider + (op->known ? u" is disabled"_s : u" is not an operator"_s)
                             + u"; only an enabled finance operator can decide "_s + ref(id));
    const bool approving = to == ApprovalState::Approved;
    // Checked before the role so that a finance requester learns the real reason.
    if (approving && decider == before->requestedBy)
        return makeError(QString(kSelfApproval), u"approver"_s,
                         decider + u" made "_s + ref(id)
                             + u" and cannot approve it; another finance operator must"_s);
    if (!op->has(Role::Finance))
        return makeError(QString(kDenied), u"approver"_s,
                         u"Only finance operators can "_s + (approving ? u"approve"_s : u"reject"_s)
                             + u' ' + ref(id) + u"; "_s + decider + u" has "_s
                             + rolesText(op->roles) + u". Ask a finance operator"_s);

    auto query = detail::prepare(m_db, uR"(
UPDATE approvals SET state = ?, decided_by = ?, decided_at = ?, note = COALESCE(?, '')
WHERE id = ? AND state = 'pending')"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    int i = 0;
    q.bindValue(i++, approvalStateName(to));
    q.bindValue(i++, decider);
    q.bindValue(i++, detail::timeToSql(QDateTime::currentDateTimeUtc()));
    q.bindValue(i++, note);
    q.bindValue(i++, id);
    if (Status s = detail::exec(q, u"cannot record the decision on "_s + ref(id)); !s)
        return s.error();
    auto after = find(id);
    if (!after)
        return after.error();
    if (Status s = detail::audit(m_db, decider,
                                 approving ? u"access.approval_approved"_s : u"access.approval_rejected"_s,
                                 u"approval"_s, QString::number(id), toJson(*before), toJson(*after),
                                 note);
        !s)
        return s.error();
    if (Status s = tx.release(); !s)
        return s.error();
    return after;
}

} // namespace pb::access
