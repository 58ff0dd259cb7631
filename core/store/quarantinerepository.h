#pragma once

#include "model/rejectedrecord.h"
#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace pb::store {

struct QuarantineEntry
{
    qint64 id = 0;
    QString source;
    QString externalId;
    QString field;
    QString reason;
    QByteArray raw;
    QDateTime firstSeen;
    QDateTime lastTried;
    int attempts = 0;
};

// Records PayBridge could not read (docs/quarantine.md). A record is keyed by its source and
// id: seeing it again refreshes the reason and the raw body; reading it releases it.
class QuarantineRepository
{
public:
    explicit QuarantineRepository(QSqlDatabase &db) : m_db(db) {}

    // Adds new records and refreshes known ones (reason, field, raw, last_tried, attempts).
    // The raw body passes the redactor first: a card number in a garbled body never reaches
    // the disk. New records get an audit entry. Returns how many were new.
    Result<int> put(const QList<RejectedRecord> &records, const QDateTime &now);
    // Removes the listed ids of `source` that are quarantined (they read now), with an audit
    // entry each; returns how many left.
    Result<int> release(const QString &source, const QStringList &ids, const QDateTime &now);
    // Marks a retry that still failed without a new body (e.g. the source did not answer).
    Status touch(const QString &source, const QString &id, const QDateTime &now);

    // Oldest first by first_seen; an empty source lists every source.
    Result<QList<QuarantineEntry>> list(const QString &source = {}, int limit = 10000) const;
    Result<qint64> count() const;
    // (source, id) of every entry, without the raw bodies.
    Result<QList<std::pair<QString, QString>>> keys() const;
    // Ids of `source` not tried since `since`, least recently tried first, at most `limit`.
    Result<QStringList> idsToRetry(const QString &source, const QDateTime &since, int limit) const;

private:
    QSqlDatabase &m_db;
};

} // namespace pb::store
