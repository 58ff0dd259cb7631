#include "mapping/mappingstore.h"

#include "mapping/profilediff.h"
#include "store/auditlog.h"
#include "store/sqlsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pb::mapping {

namespace {

namespace sql = pb::store::detail;

constexpr auto kColumns = "version, created_at, actor, note, document, restores, active"_L1;

MappingVersion versionFrom(const QSqlQuery &q)
{
    MappingVersion v;
    int i = 0;
    v.version = q.value(i++).toInt();
    v.createdAt = sql::timeFromSql(q.value(i++));
    v.actor = q.value(i++).toString();
    v.note = q.value(i++).toString();
    v.document = q.value(i++).toByteArray();
    const QVariant restores = q.value(i++);
    v.rollback = !restores.isNull();
    v.restores = restores.isNull() ? 0 : restores.toInt();
    v.active = q.value(i++).toInt() != 0;
    return v;
}

MappingVersion defaultVersion(bool active)
{
    MappingVersion v;
    v.actor = u"system"_s;
    v.note = u"the default mapping built into PayBridge"_s;
    v.document = MappingStore::defaultDocument();
    v.active = active;
    return v;
}

Error unknownVersion(int v)
{
    return makeError(u"mapping.version.unknown"_s, u"version"_s,
                     u"mapping version %1 does not exist"_s.arg(v));
}

QString compactJson(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace

QByteArray MappingStore::defaultDocument()
{
    return MappingProfile::defaults().toJson();
}

Result<int> MappingStore::activeVersionNumber()
{
    auto query = sql::prepare(m_db, u"SELECT version FROM mapping_versions WHERE active = 1"_s);
    if (!query)
        return query.error();
    if (Status s = sql::exec(query.value(), u"cannot read the active mapping version"_s); !s)
        return s.error();
    return query.value().next() ? query.value().value(0).toInt() : 0;
}

Result<MappingVersion> MappingStore::activeVersion()
{
    auto query = sql::prepare(m_db, u"SELECT "_s + kColumns + u" FROM mapping_versions WHERE active = 1"_s);
    if (!query)
        return query.error();
    if (Status s = sql::exec(query.value(), u"cannot read the active mapping"_s); !s)
        return s.error();
    if (!query.value().next())
        return defaultVersion(true);
    return versionFrom(query.value());
}

Result<MappingProfile> MappingStore::active()
{
    PB_TRY(v, activeVersion());
    if (v.version == 0)
        return MappingProfile::defaults();
    auto profile = MappingProfile::fromJson(v.document);
    if (!profile) {
        // Every stored document passed fromJson when saved; one that no longer does was
        // written by a later PayBridge (a newer format) or edited by hand.
        Error e = profile.error();
        e.message = u"active mapping version %1 cannot be read: %2"_s.arg(v.version).arg(e.message);
        return e;
    }
    return profile;
}

Result<QList<MappingVersion>> MappingStore::history()
{
    auto query = sql::prepare(m_db, u"SELECT "_s + kColumns + u" FROM mapping_versions ORDER BY version DESC"_s);
    if (!query)
        return query.error();
    if (Status s = sql::exec(query.value(), u"cannot read the mapping history"_s); !s)
        return s.error();
    QList<MappingVersion> out;
    while (query.value().next())
        out.append(versionFrom(query.value()));
    return out;
}

Result<MappingVersion> MappingStore::version(int v)
{
    if (v < 0)
        return unknownVersion(v);
    if (v == 0) {
        PB_TRY(activeNumber, activeVersionNumber());
        return defaultVersion(activeNumber == 0);
    }
    auto query = sql::prepare(m_db, u"SELECT "_s + kColumns + u" FROM mapping_versions WHERE version = ?"_s);
    if (!query)
        return query.error();
    query.value().bindValue(0, v);
    if (Status s = sql::exec(query.value(), u"cannot read mapping version %1"_s.arg(v)); !s)
        return s.error();
    if (!query.value().next())
        return unknownVersion(v);
    return versionFrom(query.value());
}

Result<int> MappingStore::save(const QByteArray &document, const QString &actor, const QString &note)
{
    return write(document, actor, note, std::nullopt);
}

Result<int> MappingStore::rollback(int to, const QString &actor, const QString &note)
{
    PB_TRY(target, version(to));
    return write(target.document, actor, note, to);
}

Result<int> MappingStore::write(const QByteArray &document, const QString &actor, const QString &note,
                                std::optional<int> restores)
{
    // Checked before anything is read or written, in the order an operator fixes them.
    auto profile = MappingProfile::fromJson(document);
    if (!profile)
        return profile.error();
    if (note.trimmed().isEmpty())
        return makeError(u"mapping.note"_s, u"note"_s, u"a mapping change needs a note saying why"_s);
    if (actor.trimmed().isEmpty())
        return makeError(u"mapping.actor"_s, u"actor"_s, u"a mapping change needs an actor"_s);

    sql::Savepoint sp(m_db, "pb_mapping_save"_L1);
    if (Status s = sp.begin(); !s)
        return s.error();
    // Read inside the write transaction: another process saving at the same time waits for
    // the lock and then sees this version as the active one.
    PB_TRY(previous, activeVersion());
    const auto previousProfile = previous.version == 0 ? Result<MappingProfile>(MappingProfile::defaults())
                                                       : MappingProfile::fromJson(previous.document);
    if (previousProfile && previousProfile.value() == profile.value())
        return makeError(u"mapping.unchanged"_s, u"document"_s,
                         u"the document equals the active mapping (version %1); nothing saved"_s.arg(previous.version));

    auto next = sql::prepare(m_db, u"SELECT COALESCE(MAX(version), 0) + 1 FROM mapping_versions"_s);
    if (!next)
        return next.error();
    if (Status s = sql::exec(next.value(), u"cannot number the mapping version"_s); !s || !next.value().next())
        return s ? makeError(u"store.sql"_s, u"mapping_versions"_s, u"cannot number the mapping version"_s) : s.error();
    const int number = next.value().value(0).toInt();
    next.value().finish();

    auto clear = sql::prepare(m_db, u"UPDATE mapping_versions SET active = 0 WHERE active = 1"_s);
    if (!clear)
        return clear.error();
    if (Status s = sql::exec(clear.value(), u"cannot deactivate the mapping version"_s); !s)
        return s.error();

    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto insert = sql::prepare(m_db, uR"(
INSERT INTO mapping_versions (version, created_at, actor, note, document, restores, active)
VALUES (?, ?, ?, ?, ?, ?, 1))"_s);
    if (!insert)
        return insert.error();
    QSqlQuery &q = insert.value();
    int i = 0;
    q.bindValue(i++, number);
    q.bindValue(i++, sql::timeToSql(now));
    q.bindValue(i++, actor);
    q.bindValue(i++, note.trimmed());
    q.bindValue(i++, document);
    q.bindValue(i++, restores ? QVariant(*restores) : QVariant(QMetaType(QMetaType::Int)));
    if (Status s = sql::exec(q, u"cannot save mapping version %1"_s.arg(number)); !s)
        return s.error();

    // The audit entry names the versions and the changed keys; the documents themselves stay
    // in mapping_versions.
    QJsonArray changed;
    for (const ProfileChange &c : diffProfiles(previous.document, document))
        changed.append(c.path);
    QJsonObject before{{u"version"_s, previous.version}};
    QJsonObject after{{u"version"_s, number}, {u"changed"_s, changed}};
    if (restores)
        after.insert(u"restores"_s, *restores);
    const QString action = restores ? u"mapping.rolled_back"_s : u"mapping.changed"_s;
    auto audited = store::AuditLog(m_db).append(actor, action, u"mapping"_s, QString::number(number),
                                                compactJson(before), compactJson(after), note.trimmed(), now);
    if (!audited)
        return audited.error();
    if (Status s = sp.release(); !s)
        return s.error();
    return number;
}

} // namespace pb::mapping
