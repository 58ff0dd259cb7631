#include "store/quarantinerepository.h"

#include "log/redactor.h"
#include "store/auditlog.h"
#include "store/sqlsupport.h"

#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pb::store {

namespace {

// A garbled body can be anything; what is kept is bounded so one huge record cannot fill
// the store, and enough of it remains to see what was wrong.
constexpr qsizetype kMaxRawBytes = 64 * 1024;

QByteArray keptRaw(const QByteArray &raw)
{
    const QString redacted = log::Redactor::redact(QString::fromUtf8(raw.left(kMaxRawBytes)));
    return redacted.toUtf8();
}

QString auditDetail(const RejectedRecord &r)
{
    QJsonObject o{{"field"_L1, r.field}, {"reason"_L1, log::Redactor::redact(r.reason)}};
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace

Result<int> QuarantineRepository::put(const QList<RejectedRecord> &records, const QDateTime &now)
{
    if (records.isEmpty())
        return 0;
    detail::Savepoint sp(m_db, "pb_quarantine_put"_L1);
    if (Status s = sp.begin(); !s)
        return s.error();
    auto known = detail::prepare(m_db, u"SELECT 1 FROM quarantine WHERE source = ? AND external_id = ?"_s);
    auto upsert = detail::prepare(m_db, uR"(
INSERT INTO quarantine (source, external_id, field, reason, raw, first_seen, last_tried, attempts)
VALUES (?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (source, external_id) DO UPDATE SET
    field = excluded.field, reason = excluded.reason, raw = excluded.raw,
    last_tried = excluded.last_tried, attempts = quarantine.attempts + 1)"_s);
    if (!known)
        return known.error();
    if (!upsert)
        return upsert.error();
    QSqlQuery &kq = known.value();
    QSqlQuery &uq = upsert.value();
    AuditLog audit(m_db);
    int added = 0;
    for (const RejectedRecord &r : records) {
        if (r.source.isEmpty() || r.externalId.isEmpty())
            return makeError(u"store.invalid_record"_s, u"quarantine"_s,
                             u"a quarantined record needs a source and an id"_s);
        kq.bindValue(0, r.source);
        kq.bindValue(1, r.externalId);
        if (Status s = detail::exec(kq, u"cannot read the quarantine"_s); !s)
            return s.error();
        const bool isNew = !kq.next();
        kq.finish();
        int i = 0;
        uq.bindValue(i++, r.source);
        uq.bindValue(i++, r.externalId);
        uq.bindValue(i++, r.field);
        uq.bindValue(i++, log::Redactor::redact(r.reason));
        uq.bindValue(i++, keptRaw(r.raw));
        uq.bindValue(i++, detail::timeToSql(now));
        uq.bindValue(i++, detail::timeToSql(now));
        if (Status s = detail::exec(uq, u"cannot quarantine "_s + r.source + u' ' + r.externalId); !s)
            return s.error();
        if (isNew) {
            ++added;
            auto a = audit.append(u"sync"_s, u"quarantine.added"_s, r.source, r.externalId, {}, {},
                                  auditDetail(r), now);
            if (!a)
                return a.error();
        }
    }
    if (Status s = sp.release(); !s)
        return s.error();
    return added;
}

Result<int> QuarantineRepository::release(const QString &source, const QStringList &ids, const QDateTime &now)
{
    if (ids.isEmpty())
        return 0;
    detail::Savepoint sp(m_db, "pb_quarantine_release"_L1);
    if (Status s = sp.begin(); !s)
        return s.error();
    auto del = detail::prepare(m_db, u"DELETE FROM quarantine WHERE source = ? AND external_id = ?"_s);
    if (!del)
        return del.error();
    QSqlQuery &dq = del.value();
    AuditLog audit(m_db);
    int released = 0;
    for (const QString &id : ids) {
        dq.bindValue(0, source);
        dq.bindValue(1, id);
        if (Status s = detail::exec(dq, u"cannot release "_s + id + u" from the quarantine"_s); !s)
            return s.error();
        if (dq.numRowsAffected() <= 0)
            continue;
        ++released;
        auto a = audit.append(u"sync"_s, u"quarantine.released"_s, source, id, {}, {},
                              u"the record reads now"_s, now);
        if (!a)
            return a.error();
    }
    if (Status s = sp.release(); !s)
        return s.error();
    return released;
}

Status QuarantineRepository::touch(const QString &source, const QString &id, const QDateTime &now)
{
    auto q = detail::prepare(m_db, uR"(
UPDATE quarantine SET last_tried = ?, attempts = attempts + 1 WHERE source = ? AND external_id = ?)"_s);
    if (!q)
        return q.error();
    QSqlQuery &sq = q.value();
    sq.bindValue(0, detail::timeToSql(now));
    sq.bindValue(1, source);
    sq.bindValue(2, id);
    return detail::exec(sq, u"cannot record a quarantine retry"_s);
}

Result<QList<QuarantineEntry>> QuarantineRepository::list(const QString &source, int limit) const
{
    auto q = detail::prepare(m_db, uR"(
SELECT id, source, external_id, field, reason, raw, first_seen, last_tried, attempts
FROM quarantine WHERE (? = '' OR source = ?) ORDER BY first_seen, id LIMIT ?)"_s);
    if (!q)
        return q.error();
    QSqlQuery &sq = q.value();
    // A null QString binds as NULL, and NULL = '' is not true.
    const QString wanted = source.isEmpty() ? u""_s : source;
    sq.bindValue(0, wanted);
    sq.bindValue(1, wanted);
    sq.bindValue(2, limit);
    if (Status s = detail::exec(sq, u"cannot list the quarantine"_s); !s)
        return s.error();
    QList<QuarantineEntry> out;
    while (sq.next()) {
        QuarantineEntry e;
        e.id = sq.value(0).toLongLong();
        e.source = sq.value(1).toString();
        e.externalId = sq.value(2).toString();
        e.field = sq.value(3).toString();
        e.reason = sq.value(4).toString();
        e.raw = sq.value(5).toByteArray();
        e.firstSeen = detail::timeFromSql(sq.value(6));
        e.lastTried = detail::timeFromSql(sq.value(7));
        e.attempts = sq.value(8).toInt();
        out.append(std::move(e));
    }
    return out;
}

Result<QList<std::pair<QString, QString>>> QuarantineRepository::keys() const
{
    auto q = detail::prepare(m_db, u"SELECT source, external_id FROM quarantine"_s);
    if (!q)
        return q.error();
    QSqlQuery &sq = q.value();
    if (Status s = detail::exec(sq, u"cannot list the quarantine"_s); !s)
        return s.error();
    QList<std::pair<QString, QString>> out;
    while (sq.next())
        out.append({sq.value(0).toString(), sq.value(1).toString()});
    return out;
}

Result<QStringList> QuarantineRepository::idsToRetry(const QString &source, const QDateTime &since, int limit) const
{
    auto q = detail::prepare(m_db, uR"(
SELECT external_id FROM quarantine WHERE source = ? AND last_tried < ? ORDER BY last_tried, id LIMIT ?)"_s);
    if (!q)
        return q.error();
    QSqlQuery &sq = q.value();
    sq.bindValue(0, source);
    sq.bindValue(1, detail::timeToSql(since));
    sq.bindValue(2, limit);
    if (Status s = detail::exec(sq, u"cannot list the quarantine"_s); !s)
        return s.error();
    QStringList ids;
    while (sq.next())
        ids.append(sq.value(0).toString());
    return ids;
}

Result<qint64> QuarantineRepository::count() const
{
    auto q = detail::prepare(m_db, u"SELECT COUNT(*) FROM quarantine"_s);
    if (!q)
        return q.error();
    QSqlQuery &sq = q.value();
    if (Status s = detail::exec(sq, u"cannot count the quarantine"_s); !s)
        return s.error();
    return sq.next() ? sq.value(0).toLongLong() : 0;
}

} // namespace pb::store
