#pragma once

#include "util/result.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

namespace pb::store {

// One numbered schema migration: the SQL of core/store/migrations/NNNN_name.sql.
struct Migration
{
    int version = 0;  // NNNN, contiguous from 1
    QString name;     // "0001_initial"
    QString sql;      // statements, each ending with ';' at the end of a line
};

// SQLite connections for one profile's store. There is one writer connection (owned by the
// sync thread) and any number of read-only connections, each under its own connection name and
// used only on the thread that opened it. Close a connection with close() once every
// QSqlDatabase copy of it is gone.
class Database
{
public:
    // <AppDataLocation>/profiles/<profileName>/paybridge.sqlite. The name must be 1-64 of
    // [A-Za-z0-9_-]; an invalid name gives an empty string, so a bad name can never reach the
    // file system as a path component.
    static QString defaultPath(const QString &profileName);
    static bool isValidProfileName(const QString &profileName);

    // Creates the directory, opens (or creates) the file, switches to WAL, turns foreign keys
    // on and applies pending migrations.
    static Result<QSqlDatabase> openWriter(const QString &path, const QString &connectionName);
    // Opens an existing store read-only (query_only). Fails when the file is missing or its
    // schema is not the one this build knows (newer: written by a later PayBridge; older:
    // not yet migrated by the writer).
    static Result<QSqlDatabase> openReader(const QString &path, const QString &connectionName);
    // Closes and unregisters a connection opened by openWriter/openReader.
    static void close(const QString &connectionName);

    // Applies the built-in migrations newer than the file's PRAGMA user_version, each in one
    // transaction. A no-op when the store is current.
    static Status migrate(QSqlDatabase &db);
    // Same with an explicit list (tests use it to exercise failure and upgrade paths).
    static Status migrate(QSqlDatabase &db, const QList<Migration> &migrations);
    static QList<Migration> builtinMigrations();

    // PRAGMA user_version; -1 when it cannot be read.
    static int schemaVersion(QSqlDatabase &db);
    static int latestSchemaVersion();

    // The statements of a migration: split after every line that ends with ';'. Comment-only
    // and blank chunks are dropped.
    static QStringList splitStatements(const QString &sql);

    static constexpr int kBusyTimeoutMs = 5000;
};

} // namespace pb::store
