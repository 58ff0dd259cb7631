#include "access/limitstore.h"

#include "access/accesssql.h"
#include "access/operatordirectory.h"

#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pb::access {

namespace {

const QString kSupportRefundLimit = u"support_refund_limit"_s;

QJsonObject limitJson(const std::optional<Money> &m)
{
    if (!m)
        return {};
    return QJsonObject{
        {u"name"_s, kSupportRefundLimit},
        {u"amount"_s, m->toDecimalString()},
        {u"amount_minor"_s, QString::number(m->minor())},
        {u"currency"_s, m->currency().code()},
    };
}

} // namespace

Result<Limits> LimitStore::load() const
{
    auto query = detail::prepare(
        m_db, u"SELECT amount_minor, currency FROM access_limits WHERE name = ?"_s);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, kSupportRefundLimit);
    if (Status s = detail::exec(q, u"cannot read the support refund limit"_s); !s)
        return s.error();
    Limits limits;
    if (q.next()) {
        const QString code = q.value(1).toString();
        const auto currency = Currency::fromCode(code);
        if (!currency)
            return makeError(u"store.currency"_s, kSupportRefundLimit,
                             u"the store holds the unknown currency code \""_s + code + u'"');
        limits.supportRefundLimit = Money::fromMinor(q.value(0).toLongLong(), *currency);
    }
    return limits;
}

Status LimitStore::setSupportRefundLimit(const QString &actor, const std::optional<Money> &limit)
{
    if (limit && (!limit->isValid() || limit->isNegative()))
        return makeError(QString(kInvalidRequest), kSupportRefundLimit,
                         u"The support refund limit must be zero or more, in a known currency"_s);
    detail::Savepoint tx(m_db, "pb_access_limit"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    auto op = OperatorDirectory(m_db).find(actor);
    if (!op)
        return op.error();
    if (Status s = AccessPolicy().check(*op, Action::ManageLimits); !s)
        return s;
    auto before = load();
    if (!before)
        return before.error();
    if (before->supportRefundLimit == limit)
        return tx.release();
    QString sql = limit ? uR"(
INSERT INTO access_limits (name, amount_minor, currency, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (name) DO UPDATE SET amount_minor = excluded.amount_minor, currency = excluded.currency,
    updated_at = excluded.updated_at, updated_by = excluded.updated_by)"_s
                        : u"DELETE FROM access_limits WHERE name = ?"_s;
    auto query = detail::prepare(m_db, sql);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    q.bindValue(0, kSupportRefundLimit);
    if (limit) {
        q.bindValue(1, limit->minor());
        q.bindValue(2, limit->currency().code());
        q.bindValue(3, detail::timeToSql(QDateTime::currentDateTimeUtc()));
        q.bindValue(4, actor);
    }
    if (Status s = detail::exec(q, u"cannot change the support refund limit"_s); !s)
        return s;
    if (Status s = detail::audit(m_db, actor, u"access.limit_changed"_s, u"limit"_s,
                                 kSupportRefundLimit, limitJson(before->supportRefundLimit),
                                 limitJson(limit),
                                 limit ? limit->toString() : u"removed"_s);
        !s)
        return s;
    return tx.release();
}

} // namespace pb::access
