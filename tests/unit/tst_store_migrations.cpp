#include "store/database.h"

#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QSqlError>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using pb::store::Database;
using pb::store::Migration;

namespace {

// Holds an open connection and unregisters it when the test ends, after dropping its handle.
struct Connection
{
    QString name;
    QSqlDatabase db;
    ~Connection()
    {
        db = QSqlDatabase();
        if (!name.isEmpty())
            Database::close(name);
    }
};

// Moves the handle out of the Result so that only the Connection holds it (a leftover copy would
// keep the connection "in use" when it is removed).
QSqlDatabase take(pb::Result<QSqlDatabase> &opened)
{
    QSqlDatabase db = opened.value();
    opened = pb::Error{};
    return db;
}

QStringList tables(QSqlDatabase &db)
{
    QSqlQuery q(db);
    if (!q.exec(u"SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"_s))
        qFatal("cannot list tables");
    QStringList names;
    while (q.next())
        names.append(q.value(0).toString());
    return names;
}

QString pragma(QSqlDatabase &db, const QString &name)
{
    QSqlQuery q(db);
    if (!q.exec(u"PRAGMA "_s + name) || !q.next())
        return {};
    return q.value(0).toString();
}

bool exec(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    return q.exec(sql);
}

// Opens a plain SQLite connection with no PayBridge set-up, to prepare files for the tests.
QSqlDatabase rawOpen(const QString &path, const QString &name)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
    db.setDatabaseName(path);
    if (!db.open())
        qFatal("cannot open raw connection");
    return db;
}

} // namespace

class TestStoreMigrations : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void builtinMigrationsAreNumbered();
    void migrateEmptyFileCreatesEverything();
    void rerunIsNoop();
    void writerSetsPragmas();
    void readerOpensMigratedStore();
    void readerRefusesMissingFile();
    void readerRefusesOlderSchema();
    void newerSchemaIsRefused();
    void brokenMigrationRollsBack_data();
    void brokenMigrationRollsBack();
    void upgradeAppliesOnlyNewMigrations();
    void badMigrationListIsRefused();
    void connectionNameInUse();
    void splitStatements_data();
    void splitStatements();
    void defaultPath_data();
    void defaultPath();

private:
    QString freshPath(const QString &name) const { return m_dir->filePath(name + u".sqlite"_s); }

    std::unique_ptr<pb::test::IsolatedHome> m_home;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestStoreMigrations::init()
{
    m_home = std::make_unique<pb::test::IsolatedHome>();
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_home->isValid());
    QVERIFY(m_dir->isValid());
}

void TestStoreMigrations::builtinMigrationsAreNumbered()
{
    const QList<Migration> all = Database::builtinMigrations();
    QVERIFY(!all.isEmpty());
    QCOMPARE(all.first().name, u"0001_initial"_s);
    for (qsizetype i = 0; i < all.size(); ++i) {
        QCOMPARE(all[i].version, int(i + 1));
        QVERIFY(!Database::splitStatements(all[i].sql).isEmpty());
    }
    QCOMPARE(Database::latestSchemaVersion(), int(all.size()));
}

void TestStoreMigrations::migrateEmptyFileCreatesEverything()
{
    const QString path = m_dir->filePath(u"nested/dir/store.sqlite"_s);
    auto opened = Database::openWriter(path, u"writer"_s);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().toString()));
    Connection c{u"writer"_s, take(opened)};
    QVERIFY(QFile::exists(path));
    QCOMPARE(Database::schemaVersion(c.db), Database::latestSchemaVersion());

    const QStringList expected = {u"audit_log"_s,       u"gateway_transactions"_s, u"intent_attempts"_s,
                                  u"intents"_s,         u"order_transaction_links"_s, u"orders"_s,
                                  u"sync_cursors"_s,    u"sync_runs"_s};
    const QStringList actual = tables(c.db);
    for (const QString &t : expected)
        QVERIFY2(actual.contains(t), qPrintable(u"missing table "_s + t));
}

void TestStoreMigrations::rerunIsNoop()
{
    const QString path = freshPath(u"rerun"_s);
    {
        auto opened = Database::openWriter(path, u"w1"_s);
        QVERIFY(opened.ok());
        Connection c{u"w1"_s, take(opened)};
        QVERIFY(exec(c.db, u"INSERT INTO sync_cursors (name, value, updated_at) VALUES ('k', 'v', 1)"_s));
        const pb::Status again = Database::migrate(c.db);
        QVERIFY2(again.ok(), qPrintable(again.ok() ? QString() : again.error().toString()));
        QCOMPARE(Database::schemaVersion(c.db), Database::latestSchemaVersion());
    }
    // Opening the writer again (the next start-up) also leaves data and version alone.
    auto reopened = Database::openWriter(path, u"w2"_s);
    QVERIFY2(reopened.ok(), qPrintable(reopened.ok() ? QString() : reopened.error().toString()));
    Connection c{u"w2"_s, take(reopened)};
    QCOMPARE(Database::schemaVersion(c.db), Database::latestSchemaVersion());
    QSqlQuery q(c.db);
    QVERIFY(q.exec(u"SELECT value FROM sync_cursors WHERE name = 'k'"_s));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toString(), u"v"_s);
}

void TestStoreMigrations::writerSetsPragmas()
{
    auto opened = Database::openWriter(freshPath(u"pragmas"_s), u"writer"_s);
    QVERIFY(opened.ok());
    Connection c{u"writer"_s, take(opened)};
    QCOMPARE(pragma(c.db, u"journal_mode"_s), u"wal"_s);
    QCOMPARE(pragma(c.db, u"foreign_keys"_s), u"1"_s);
    // FULL: a commit survives a power cut (a lost `sending` commit would resend without a lookup).
    QCOMPARE(pragma(c.db, u"synchronous"_s), u"2"_s);
    QCOMPARE(pragma(c.db, u"busy_timeout"_s), QString::number(Database::kBusyTimeoutMs));
    // Foreign keys are enforced: a link to nothing is refused.
    QVERIFY(!exec(c.db, u"INSERT INTO order_transaction_links VALUES ('nope', 1, 'x', 0)"_s));
}

void TestStoreMigrations::readerOpensMigratedStore()
{
    const QString path = freshPath(u"reader"_s);
    auto writer = Database::openWriter(path, u"writer"_s);
    QVERIFY(writer.ok());
    Connection w{u"writer"_s, take(writer)};
    QVERIFY(exec(w.db, u"INSERT INTO sync_cursors (name, value, updated_at) VALUES ('k', 'v', 1)"_s));

    auto reader = Database::openReader(path, u"reader"_s);
    QVERIFY2(reader.ok(), qPrintable(reader.ok() ? QString() : reader.error().toString()));
    Connection r{u"reader"_s, take(reader)};
    QCOMPARE(pragma(r.db, u"query_only"_s), u"1"_s);
    QCOMPARE(pragma(r.db, u"journal_mode"_s), u"wal"_s);
    QSqlQuery q(r.db);
    QVERIFY(q.exec(u"SELECT COUNT(*) FROM sync_cursors"_s));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), 1);
    q.finish();
    // The reader really is read-only.
    QVERIFY(!exec(r.db, u"INSERT INTO sync_cursors (name, value, updated_at) VALUES ('x', 'y', 1)"_s));
}

void TestStoreMigrations::readerRefusesMissingFile()
{
    const QString path = freshPath(u"missing"_s);
    auto reader = Database::openReader(path, u"reader"_s);
    QVERIFY(!reader.ok());
    QCOMPARE(reader.error().code, u"store.not_found"_s);
    QVERIFY(reader.error().message.contains(path));
    QVERIFY(!QFile::exists(path));
    QVERIFY(!QSqlDatabase::contains(u"reader"_s));
}

void TestStoreMigrations::readerRefusesOlderSchema()
{
    const QString path = freshPath(u"older"_s);
    {
        Connection raw{u"raw"_s, rawOpen(path, u"raw"_s)};
        QVERIFY(exec(raw.db, u"CREATE TABLE unrelated (x INTEGER)"_s));
    }
    auto reader = Database::openReader(path, u"reader"_s);
    QVERIFY(!reader.ok());
    QCOMPARE(reader.error().code, u"store.schema_outdated"_s);
    QVERIFY(!QSqlDatabase::contains(u"reader"_s));
}

void TestStoreMigrations::newerSchemaIsRefused()
{
    const QString path = freshPath(u"newer"_s);
    const int future = Database::latestSchemaVersion() + 1;
    {
        auto writer = Database::openWriter(path, u"writer"_s);
        QVERIFY(writer.ok());
        Connection w{u"writer"_s, take(writer)};
        QVERIFY(exec(w.db, u"PRAGMA user_version = "_s + QString::number(future)));
    }
    auto reader = Database::openReader(path, u"reader"_s);
    QVERIFY(!reader.ok());
    QCOMPARE(reader.error().code, u"store.schema_too_new"_s);
    QVERIFY(reader.error().message.contains(QString::number(future)));

    auto writer = Database::openWriter(path, u"writer2"_s);
    QVERIFY(!writer.ok());
    QCOMPARE(writer.error().code, u"store.schema_too_new"_s);
    QVERIFY(!QSqlDatabase::contains(u"writer2"_s));
}

void TestStoreMigrations::brokenMigrationRollsBack_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QString>("failingStatement");

    QTest::newRow("fails at the third statement")
        << u"CREATE TABLE half_done (x INTEGER);\n"
           "INSERT INTO half_done VALUES (1);\n"
           "INSERT INTO no_such_table VALUES (1);\n"_s
        << u"statement 3"_s;
    QTest::newRow("fails at the first statement")
        << u"CREATE TABLE half_done (x INTEGER) garbage;\n"_s << u"statement 1"_s;
    QTest::newRow("changes an existing table, then fails")
        << u"ALTER TABLE orders ADD COLUMN half_done TEXT;\n"
           "CREATE INDEX broken ON orders (no_such_column);\n"_s
        << u"statement 2"_s;
}

void TestStoreMigrations::brokenMigrationRollsBack()
{
    QFETCH(QString, sql);
    QFETCH(QString, failingStatement);

    auto opened = Database::openWriter(freshPath(u"broken"_s), u"writer"_s);
    QVERIFY(opened.ok());
    Connection c{u"writer"_s, take(opened)};
    const int before = Database::schemaVersion(c.db);
    const QStringList tablesBefore = tables(c.db);

    QList<Migration> migrations = Database::builtinMigrations();
    migrations.append(Migration{before + 1, u"9999_broken"_s, sql});
    const pb::Status s = Database::migrate(c.db, migrations);
    QVERIFY(!s.ok());
    QCOMPARE(s.error().code, u"store.migration"_s);
    QVERIFY2(s.error().message.contains(u"9999_broken"_s), qPrintable(s.error().message));
    QVERIFY2(s.error().message.contains(failingStatement), qPrintable(s.error().message));

    // Nothing of the broken migration is left, and the connection is usable (no open transaction).
    QCOMPARE(Database::schemaVersion(c.db), before);
    QCOMPARE(tables(c.db), tablesBefore);
    QSqlQuery columns(c.db);
    QVERIFY(columns.exec(u"SELECT COUNT(*) FROM pragma_table_info('orders') WHERE name = 'half_done'"_s));
    QVERIFY(columns.next());
    QCOMPARE(columns.value(0).toInt(), 0);
    columns.finish();
    QVERIFY(exec(c.db, u"BEGIN"_s));
    QVERIFY(exec(c.db, u"COMMIT"_s));
}

void TestStoreMigrations::upgradeAppliesOnlyNewMigrations()
{
    const QString path = freshPath(u"upgrade"_s);
    Connection raw{u"raw"_s, rawOpen(path, u"raw"_s)};
    const QList<Migration> v1 = {{1, u"0001_a"_s, u"CREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);\n"_s}};
    QVERIFY(Database::migrate(raw.db, v1).ok());
    QCOMPARE(Database::schemaVersion(raw.db), 1);

    QList<Migration> v2 = v1;
    v2.append({2, u"0002_b"_s, u"-- adds b; a comment ending with a semicolon;\nCREATE TABLE b (y INTEGER);\n"
                                "INSERT INTO b SELECT x FROM a;\n"_s});
    const pb::Status s = Database::migrate(raw.db, v2);
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
    QCOMPARE(Database::schemaVersion(raw.db), 2);
    QSqlQuery q(raw.db);
    // Migration 1 ran once: had it run again, `a` would have been created twice and failed.
    QVERIFY(q.exec(u"SELECT (SELECT COUNT(*) FROM a), (SELECT COUNT(*) FROM b)"_s));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), 1);
    QCOMPARE(q.value(1).toInt(), 1);
}

void TestStoreMigrations::badMigrationListIsRefused()
{
    Connection raw{u"raw"_s, rawOpen(freshPath(u"gap"_s), u"raw"_s)};
    const QList<Migration> gap = {{1, u"0001_a"_s, u"CREATE TABLE a (x INTEGER);"_s},
                                  {3, u"0003_c"_s, u"CREATE TABLE c (x INTEGER);"_s}};
    const pb::Status s = Database::migrate(raw.db, gap);
    QVERIFY(!s.ok());
    QVERIFY(s.error().message.contains(u"0003_c"_s));
    QCOMPARE(Database::schemaVersion(raw.db), 0);
    QVERIFY(tables(raw.db).isEmpty());
}

void TestStoreMigrations::connectionNameInUse()
{
    auto first = Database::openWriter(freshPath(u"a"_s), u"same"_s);
    QVERIFY(first.ok());
    Connection c{u"same"_s, take(first)};
    auto second = Database::openWriter(freshPath(u"b"_s), u"same"_s);
    QVERIFY(!second.ok());
    QCOMPARE(second.error().code, u"store.connection"_s);
    // The first connection is untouched.
    QVERIFY(c.db.isOpen());
    QCOMPARE(c.db.databaseName(), freshPath(u"a"_s));
}

void TestStoreMigrations::splitStatements_data()
{
    QTest::addColumn<QString>("sql");
    QTest::addColumn<QStringList>("statements");

    QTest::newRow("two") << u"CREATE TABLE a (x);\nCREATE TABLE b (y);\n"_s
                         << QStringList{u"CREATE TABLE a (x);"_s, u"CREATE TABLE b (y);"_s};
    QTest::newRow("multi-line") << u"CREATE TABLE a (\n    x INTEGER\n);\n"_s
                                << QStringList{u"CREATE TABLE a (\n    x INTEGER\n);"_s};
    QTest::newRow("semicolon inside a line") << u"INSERT INTO a VALUES (';'); INSERT INTO a VALUES (1)\n;\n"_s
                                             << QStringList{u"INSERT INTO a VALUES (';'); INSERT INTO a VALUES (1)\n;"_s};
    QTest::newRow("comments and blanks dropped") << u"-- header;\n\n-- more\n"_s << QStringList{};
    QTest::newRow("comment kept with its statement")
        << u"-- about a\nCREATE TABLE a (x);\n-- trailing\n"_s
        << QStringList{u"-- about a\nCREATE TABLE a (x);"_s};
    QTest::newRow("last without semicolon") << u"CREATE TABLE a (x);\nCREATE TABLE b (y)"_s
                                            << QStringList{u"CREATE TABLE a (x);"_s, u"CREATE TABLE b (y)"_s};
    QTest::newRow("CRLF and trailing spaces") << u"CREATE TABLE a (x);  \r\nCREATE TABLE b (y);\r\n"_s
                                              << QStringList{u"CREATE TABLE a (x);"_s, u"CREATE TABLE b (y);"_s};
}

void TestStoreMigrations::splitStatements()
{
    QFETCH(QString, sql);
    QFETCH(QStringList, statements);
    QCOMPARE(Database::splitStatements(sql), statements);
}

void TestStoreMigrations::defaultPath_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("valid");

    QTest::newRow("simple") << u"default"_s << true;
    QTest::newRow("all classes") << u"Shop_2-eu"_s << true;
    QTest::newRow("64 chars") << QString(64, u'a') << true;
    QTest::newRow("one char") << u"x"_s << true;
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("65 chars") << QString(65, u'a') << false;
    QTest::newRow("slash") << u"a/b"_s << false;
    QTest::newRow("dot dot") << u".."_s << false;
    QTest::newRow("space") << u"my shop"_s << false;
    QTest::newRow("dot") << u"shop.eu"_s << false;
    QTest::newRow("non-ascii letter") << u"caf\u00e9"_s << false;
    QTest::newRow("newline") << u"shop\n"_s << false;
    QTest::newRow("backslash") << u"a\\b"_s << false;
}

void TestStoreMigrations::defaultPath()
{
    QFETCH(QString, name);
    QFETCH(bool, valid);

    QCOMPARE(Database::isValidProfileName(name), valid);
    const QString path = Database::defaultPath(name);
    if (!valid) {
        QVERIFY(path.isEmpty());
        return;
    }
    const QString dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QCOMPARE(path, dataDir + u"/profiles/"_s + name + u"/paybridge.sqlite"_s);
    // The isolated home is where it lands, never the user's real data directory.
    QVERIFY2(path.startsWith(m_home->path()), qPrintable(path));
}

QTEST_GUILESS_MAIN(TestStoreMigrations)
#include "tst_store_migrations.moc"
