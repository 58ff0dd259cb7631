#pragma once

#include "mapping/mappingprofile.h"
#include "util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace pb::mapping {

// One saved mapping document (docs/mapping.md).
struct MappingVersion
{
    int version = 0;     // 1, 2, ...; 0 = the compiled-in default (nothing stored yet)
    QDateTime createdAt; // UTC; invalid for version 0
    QString actor;       // operator name ("system" for one PayBridge made)
    QString note;        // why; required, non-empty
    QByteArray document; // the whole JSON document as saved
    int restores = 0;    // for a rollback: the version whose document it restores, else 0
    bool rollback = false; // a rollback (restores == 0 then means it restored the default)
    bool active = false;
};

// The versioned mapping of one profile, in that profile's store (table mapping_versions).
// Versions are never edited or deleted; saving or rolling back adds one and makes it active,
// in one transaction with its audit entry. Works on the connection it is given: a reader
// connection can read, only the writer can save.
class MappingStore
{
public:
    explicit MappingStore(QSqlDatabase &db) : m_db(db) {}

    // The active profile; MappingProfile::defaults() when none is stored.
    Result<MappingProfile> active();
    // Version 0 with the default document when none is stored.
    Result<MappingVersion> activeVersion();
    // The active version's number only (0 = default): one indexed lookup, so the engine can
    // ask at every cycle and parse the document only when it changed.
    Result<int> activeVersionNumber();
    // Newest first; the default (version 0) is not listed.
    Result<QList<MappingVersion>> history();
    // v = 0 gives the default; an unknown number is error code "mapping.version.unknown".
    Result<MappingVersion> version(int v);

    // Validates with MappingProfile::fromJson (its error, naming the key, is returned
    // unchanged and nothing is written), requires a non-empty note ("mapping.note"), refuses a
    // document equal to the active one ("mapping.unchanged"), writes a new version and makes
    // it active in one transaction, audited as "mapping.changed".
    Result<int> save(const QByteArray &document, const QString &actor, const QString &note);
    // A new version holding version `to`'s document (0 = the default); audited as
    // "mapping.rolled_back". Same refusals as save().
    Result<int> rollback(int to, const QString &actor, const QString &note);

    // The document of version 0.
    static QByteArray defaultDocument();

private:
    Result<int> write(const QByteArray &document, const QString &actor, const QString &note,
                      std::optional<int> restores);

    QSqlDatabase &m_db;
};

} // namespace pb::mapping
