#include "store/database.h"

#include "store/sqlsupport.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace pb::store {

namespace {

using detail::lcStore;

const QString kDriver = u"QSQLITE"_s;
const QString kMigrationDir = u":/paybridge/store/migrations"_s;

Error storeError(const char *code, const QString &message)
{
    return makeError(QString::fromLatin1(code), QString(), message);
}

// Opens a connection and runs `setup` on it; on any failure the connection is removed again so
// a failed open leaves no registered name behind.
template<typename Setup>
Result<QSqlDatabase> openConnection(const QString &path, const QString &connectionName, Setup setup)
{
    if (connectionName.isEmpty())
        return storeError("store.connection", u"a connection name is required"_s);
    if (QSqlDatabase::contains(connectionName))
        return storeError("store.connection",
                          u"the connection name \""_s + connectionName + u"\" is already in use"_s);
    if (!QSqlDatabase::isDriverAvailable(kDriver))
        return storeError("store.driver", u"the Qt SQLite driver (QSQLITE) is not available"_s);

    std::optional<Error> failure;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(kDriver, connectionName);
        db.setDatabaseName(path);
        if (!db.open()) {
            failure = detail::sqlError(u"store.open"_s, u"cannot open "_s + path, db.lastError());
        } else if (Status s = setup(db); !s) {
            Error e = s.error();
            e.message = path + u": "_s + e.message;
            failure = std::move(e);
            db.close();
        } else {
            return db;
        }
    }
    QSqlDatabase::removeDatabase(connectionName);
    return *failure;
}

// Runs a PRAGMA and returns the first column of its first row (empty for PRAGMAs that return
// nothing).
Result<QString> pragma(QSqlDatabase &db, const QString &statement)
{
    QSqlQuery q(db);
    if (!q.exec(u"PRAGMA "_s + statement))
        return detail::sqlError(u"store.pragma"_s, u"PRAGMA "_s + statement + u" failed"_s,
                                q.lastError());
    return q.next() ? q.value(0).toString() : QString();
}

Status applyConnectionPragmas(QSqlDatabase &db)
{
    if (auto r = pragma(db, u"busy_timeout = "_s + QString::number(Database::kBusyTimeoutMs)); !r)
        return r.error();
    return Status::success();
}

QString firstLine(const QString &statement)
{
    const QString simplified = statement.simplified();
    return simplified.size() > 80 ? simplified.left(80) + u"…"_s : simplified;
}

} // namespace

bool Database::isValidProfileName(const QString &profileName)
{
    static const QRegularExpression re(u"\\A[A-Za-z0-9_-]{1,64}\\z"_s);
    return re.match(profileName).hasMatch();
}

QString Database::defaultPath(const QString &profileName)
{
    if (!isValidProfileName(profileName))
        return {};
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/profiles/"_s
        + profileName + u"/paybridge.sqlite"_s;
}

Result<QSqlDatabase> Database::openWriter(const QString &path, const QString &connectionName)
{
    if (path.isEmpty())
        return storeError("store.path", u"no database path given"_s);
    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir))
        return storeError("store.path", u"cannot create the directory "_s + dir);

    return openConnection(path, connectionName, [](QSqlDatabase &db) -> Status {
        // WAL lets readers on other threads run while the sync thread writes.
        auto mode = pragma(db, u"journal_mode = WAL"_s);
        if (!mode)
            return mode.error();
        if (mode->compare(u"wal"_s, Qt::CaseInsensitive) != 0)
            return storeError("store.pragma", u"the store cannot use WAL journaling (got \""_s
                                                  + *mode + u"\")"_s);
        // FULL: in WAL mode NORMAL may lose the last commits at a power cut, and a lost
        // `sending` commit would let an intent go out again without a lookup.
        for (const QString &p : {u"synchronous = FULL"_s, u"foreign_keys = ON"_s}) {
            if (auto r = pragma(db, p); !r)
                return r.error();
        }
        if (Status s = applyConnectionPragmas(db); !s)
            return s;
        return migrate(db);
    });
}

Result<QSqlDatabase> Database::openReader(const QString &path, const QString &connectionName)
{
    const QFileInfo info(path);
    if (path.isEmpty() || !info.isFile())
        return storeError("store.not_found", u"no PayBridge store at "_s + path);

    return openConnection(path, connectionName, [](QSqlDatabase &db) -> Status {
        if (auto r = pragma(db, u"query_only = ON"_s); !r)
            return r.error();
        if (Status s = applyConnectionPragmas(db); !s)
            return s;
        const int version = schemaVersion(db);
        const int latest = latestSchemaVersion();
        if (version < 0)
            return storeError("store.schema", u"cannot read the schema version"_s);
        if (version > latest)
            return storeError("store.schema_too_new",
                              u"schema version "_s + QString::number(version)
                                  + u" is newer than this build of PayBridge understands ("_s
                                  + QString::number(latest) + u"); update PayBridge"_s);
        if (version < latest)
            return storeError("store.schema_outdated",
                              u"schema version "_s + QString::number(version) + u" is older than "_s
                                  + QString::number(latest)
                                  + u"; the store must be opened for writing once to migrate it"_s);
        return Status::success();
    });
}

void Database::close(const QString &connectionName)
{
    {
        QSqlDatabase db = QSqlDatabase::database(connectionName, false);
        if (db.isValid())
            db.close();
    }
    QSqlDatabase::removeDatabase(connectionName);
}

QStringList Database::splitStatements(const QString &sql)
{
    QStringList statements;
    QString current;
    bool hasCode = false;
    auto flush = [&] {
        if (hasCode)
            statements.append(current.trimmed());
        current.clear();
        hasCode = false;
    };
    for (QStringView line : QStringView(sql).split(u'\n')) {
        const QStringView trimmed = line.trimmed();
        current += line;
        current += u'\n';
        if (trimmed.isEmpty() || trimmed.startsWith(u"--"))
            continue;
        hasCode = true;
        if (trimmed.endsWith(u';'))
            flush();
    }
    flush();
    return statements;
}

QList<Migration> Database::builtinMigrations()
{
    // Read once: the resource is compiled in and cannot change while running.
    static const QList<Migration> migrations = [] {
        QList<Migration> list;
        static const QRegularExpression re(u"\\A(\\d{4})_[A-Za-z0-9_]+\\.sql\\z"_s);
        const QStringList files = QDir(kMigrationDir).entryList({u"*.sql"_s}, QDir::Files, QDir::Name);
        for (const QString &file : files) {
            QFile f(kMigrationDir + u'/' + file);
            Migration m;
            m.name = file.chopped(4);
            const auto match = re.match(file);
            // A misnamed file keeps version 0 so that migrate() reports it instead of skipping it.
            m.version = match.hasMatch() ? match.captured(1).toInt() : 0;
            if (f.open(QIODevice::ReadOnly))
                m.sql = QString::fromUtf8(f.readAll());
            list.append(std::move(m));
        }
        return list;
    }();
    return migrations;
}

int Database::latestSchemaVersion()
{
    const QList<Migration> all = builtinMigrations();
    return all.isEmpty() ? 0 : all.constLast().version;
}

int Database::schemaVersion(QSqlDatabase &db)
{
    auto r = pragma(db, u"user_version"_s);
    bool ok = false;
    const int v = r ? r->toInt(&ok) : -1;
    return ok ? v : -1;
}

Status Database::migrate(QSqlDatabase &db)
{
    const QList<Migration> all = builtinMigrations();
    if (all.isEmpty())
        return storeError("store.migration",
                          u"no schema migrations are compiled into this build (resource "_s
                              + kMigrationDir + u" missing)"_s);
    return migrate(db, all);
}

Status Database::migrate(QSqlDatabase &db, const QList<Migration> &migrations)
{
    for (qsizetype i = 0; i < migrations.size(); ++i) {
        if (migrations[i].version != i + 1)
            return storeError("store.migration",
                              u"migration \""_s + migrations[i].name + u"\" should be number "_s
                                  + QString::number(i + 1) + u" but is "_s
                                  + QString::number(migrations[i].version)
                                  + u" (migrations must be numbered 0001, 0002, … without gaps)"_s);
    }
    const int latest = int(migrations.size());
    const int start = schemaVersion(db);
    if (start < 0)
        return storeError("store.schema", u"cannot read the schema version"_s);
    if (start > latest)
        return storeError("store.schema_too_new",
                          u"schema version "_s + QString::number(start)
                              + u" is newer than this build of PayBridge understands ("_s
                              + QString::number(latest) + u"); update PayBridge"_s);

    for (const Migration &m : migrations) {
        if (m.version <= start)
            continue;
        // IMMEDIATE takes the write lock first, so two processes starting together cannot both
        // apply the same migration; the version is re-read under the lock.
        if (Status s = detail::execDirect(db, u"BEGIN IMMEDIATE"_s); !s)
            return storeError("store.migration", u"migration "_s + m.name
                                                     + u" could not start: "_s + s.error().message);
        auto fail = [&](const QString &message) -> Status {
            if (Status s = detail::execDirect(db, u"ROLLBACK"_s); !s)
                qCWarning(lcStore) << "rollback of migration" << m.name << "failed:" << s.error().message;
            return storeError("store.migration", u"migration "_s + m.name + u' ' + message);
        };
        if (schemaVersion(db) >= m.version) {
            if (Status s = detail::execDirect(db, u"COMMIT"_s); !s)
                return fail(u"could not finish: "_s + s.error().message);
            continue;
        }
        const QStringList statements = splitStatements(m.sql);
        if (statements.isEmpty())
            return fail(u"is empty"_s);
        for (qsizetype i = 0; i < statements.size(); ++i) {
            QSqlQuery q(db);
            if (!q.exec(statements[i])) {
                const QSqlError e = q.lastError();
                return fail(u"failed at statement "_s + QString::number(i + 1) + u" (\""_s
                            + firstLine(statements[i]) + u"\"): "_s + e.databaseText());
            }
        }
        // user_version lives in the database header and is written inside the transaction.
        if (Status s = detail::execDirect(db, u"PRAGMA user_version = "_s + QString::number(m.version)); !s)
            return fail(u"could not record the schema version: "_s + s.error().message);
        if (Status s = detail::execDirect(db, u"COMMIT"_s); !s)
            return fail(u"could not commit: "_s + s.error().message);
        qCInfo(lcStore) << "applied migration" << m.name;
    }
    return Status::success();
}

} // namespace pb::store
