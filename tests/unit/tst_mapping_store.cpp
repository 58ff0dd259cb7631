#include "mapping/mappingstore.h"
#include "mapping/profilediff.h"
#include "store/auditlog.h"
#include "store/database.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::mapping;

// The versioned mapping in a real SQLite store file (migration 0011, docs/mapping.md).
namespace {

// The default document with one status-map entry changed, and a custom status of the
// processing state declared (approved orders are pending or processing).
QByteArray withApproved(const QString &status)
{
    QJsonObject root = QJsonDocument::fromJson(MappingProfile::defaults().toJson()).object();
    root.insert("customStatuses"_L1, QJsonArray{QJsonObject{{"code"_L1, u"payment_received"_s},
                                                            {"label"_L1, u"Payment received"_s},
                                                            {"state"_L1, u"processing"_s}}});
    QJsonObject map = root.value("statusMap"_L1).toObject();
    map.insert("approved"_L1, status);
    root.insert("statusMap"_L1, map);
    return QJsonDocument(root).toJson();
}

int rows(QSqlDatabase &db, const QString &table)
{
    QSqlQuery q(db);
    if (!q.exec(u"SELECT COUNT(*) FROM "_s + table) || !q.next())
        return -1;
    return q.value(0).toInt();
}

} // namespace

class TestMappingStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        auto db = store::Database::openWriter(m_dir->filePath(u"paybridge.sqlite"_s), u"tst_mapping_store"_s);
        QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
        m_db = db.value();
    }
    void cleanup()
    {
        m_db = QSqlDatabase();
        store::Database::close(u"tst_mapping_store"_s);
        m_dir.reset();
    }

    void emptyStoreIsTheDefault()
    {
        MappingStore s(m_db);
        QCOMPARE(s.activeVersionNumber().valueOr(-1), 0);
        auto v = s.activeVersion();
        QVERIFY(v);
        QCOMPARE(v->version, 0);
        QVERIFY(v->active);
        QCOMPARE(v->document, MappingProfile::defaults().toJson());
        auto p = s.active();
        QVERIFY(p);
        QVERIFY(p.value() == MappingProfile::defaults());
        QCOMPARE(s.history().value().size(), 0);
        QVERIFY(s.version(0));
        QCOMPARE(s.version(1).error().code, u"mapping.version.unknown"_s);
        QCOMPARE(s.version(-2).error().code, u"mapping.version.unknown"_s);
    }

    void saveActivatesAndAudits()
    {
        MappingStore s(m_db);
        const QByteArray doc = withApproved(u"fraud"_s);
        const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);
        auto v1 = s.save(doc, u"alice"_s, u"  approved orders go to review  "_s);
        QVERIFY2(v1, qPrintable(v1 ? QString() : v1.error().toString()));
        QCOMPARE(v1.value(), 1);
        QCOMPARE(s.activeVersionNumber().valueOr(-1), 1);
        QCOMPARE(s.active().value().magentoStatusFor(u"approved"), u"fraud"_s);

        auto v = s.activeVersion().value();
        QCOMPARE(v.version, 1);
        QCOMPARE(v.actor, u"alice"_s);
        QCOMPARE(v.note, u"approved orders go to review"_s);
        QCOMPARE(v.document, doc); // the document as saved, byte for byte
        QVERIFY(v.createdAt >= before && v.createdAt <= QDateTime::currentDateTimeUtc());
        QCOMPARE(v.createdAt.timeSpec(), Qt::UTC);
        QVERIFY(!v.rollback);
        QCOMPARE(v.restores, 0);

        auto audit = store::AuditLog(m_db).recent(5).value();
        QCOMPARE(audit.size(), 1);
        QCOMPARE(audit[0].action, u"mapping.changed"_s);
        QCOMPARE(audit[0].actor, u"alice"_s);
        QCOMPARE(audit[0].objectType, u"mapping"_s);
        QCOMPARE(audit[0].objectId, u"1"_s);
        QCOMPARE(audit[0].detail, u"approved orders go to review"_s);
        QCOMPARE(audit[0].beforeJson, u"{\"version\":0}"_s);
        QCOMPARE(audit[0].afterJson, u"{\"changed\":[\"customStatuses[0]\",\"statusMap.approved\"],\"version\":1}"_s);

        // The version outlives the connection: a second connection (another process) reads it.
        auto reader = store::Database::openReader(m_dir->filePath(u"paybridge.sqlite"_s), u"tst_mapping_reader"_s);
        QVERIFY(reader);
        {
            QSqlDatabase rdb = reader.value();
            QCOMPARE(MappingStore(rdb).activeVersionNumber().valueOr(-1), 1);
            QVERIFY(!MappingStore(rdb).save(withApproved(u"payment_received"_s), u"alice"_s, u"read only"_s));
        }
        reader = Error{};
        store::Database::close(u"tst_mapping_reader"_s);
    }

    void historyAndRollback()
    {
        MappingStore s(m_db);
        QCOMPARE(s.save(withApproved(u"fraud"_s), u"alice"_s, u"review"_s).valueOr(-1), 1);
        QCOMPARE(s.save(withApproved(u"payment_received"_s), u"bob"_s, u"hold"_s).valueOr(-1), 2);

        auto back = s.rollback(1, u"carol"_s, u"hold was wrong"_s);
        QVERIFY2(back, qPrintable(back ? QString() : back.error().toString()));
        QCOMPARE(back.value(), 3);
        QCOMPARE(s.active().value().magentoStatusFor(u"approved"), u"fraud"_s);

        auto h = s.history().value();
        QCOMPARE(h.size(), 3);
        QCOMPARE(h[0].version, 3);
        QVERIFY(h[0].active);
        QVERIFY(h[0].rollback);
        QCOMPARE(h[0].restores, 1);
        QCOMPARE(h[0].actor, u"carol"_s);
        QCOMPARE(h[0].document, h[2].document);
        QCOMPARE(h[1].version, 2);
        QVERIFY(!h[1].active);
        QVERIFY(!h[1].rollback);
        QCOMPARE(h[2].version, 1);
        QVERIFY(!h[2].active);

        QCOMPARE(store::AuditLog(m_db).recent(1).value()[0].action, u"mapping.rolled_back"_s);
        QCOMPARE(store::AuditLog(m_db).recent(1).value()[0].afterJson,
                 u"{\"changed\":[\"statusMap.approved\"],\"restores\":1,\"version\":3}"_s);

        // Back to the compiled-in default: version 0 is a version like the others.
        auto toDefault = s.rollback(0, u"carol"_s, u"start over"_s);
        QVERIFY(toDefault);
        QCOMPARE(toDefault.value(), 4);
        QVERIFY(s.active().value() == MappingProfile::defaults());
        auto v4 = s.version(4).value();
        QVERIFY(v4.rollback);
        QCOMPARE(v4.restores, 0);
        QVERIFY(!s.version(0).value().active); // version 4 is active, though it holds the default

        QCOMPARE(s.rollback(9, u"carol"_s, u"no such"_s).error().code, u"mapping.version.unknown"_s);
        QCOMPARE(rows(m_db, u"mapping_versions"_s), 4);
    }

    void refusalsWriteNothing()
    {
        MappingStore s(m_db);
        // Equal to the active (default) one, even when formatted differently.
        const QByteArray compactDefault =
            QJsonDocument::fromJson(MappingProfile::defaults().toJson()).toJson(QJsonDocument::Compact);
        QCOMPARE(s.save(compactDefault, u"alice"_s, u"same"_s).error().code, u"mapping.unchanged"_s);
        QCOMPARE(s.rollback(0, u"alice"_s, u"same"_s).error().code, u"mapping.unchanged"_s);

        // Note required.
        QCOMPARE(s.save(withApproved(u"fraud"_s), u"alice"_s, u""_s).error().code, u"mapping.note"_s);
        QCOMPARE(s.save(withApproved(u"fraud"_s), u"alice"_s, u"  \t"_s).error().code, u"mapping.note"_s);

        // Invalid documents: fromJson's error, naming the key, unchanged.
        QJsonObject root = QJsonDocument::fromJson(MappingProfile::defaults().toJson()).object();
        root.insert("colour"_L1, u"blue"_s);
        auto unknown = s.save(QJsonDocument(root).toJson(), u"alice"_s, u"bad"_s);
        QVERIFY(!unknown);
        QCOMPARE(unknown.error().field, u"colour"_s);
        const auto direct = MappingProfile::fromJson(QJsonDocument(root).toJson());
        QCOMPARE(unknown.error().message, direct.error().message);

        auto badStatus = s.save(withApproved(u"shipped"_s), u"alice"_s, u"bad"_s);
        QVERIFY(!badStatus);
        QCOMPARE(badStatus.error().field, u"statusMap.approved"_s);
        QVERIFY(!s.save("{ not json", u"alice"_s, u"bad"_s));

        QCOMPARE(rows(m_db, u"mapping_versions"_s), 0);
        QCOMPARE(rows(m_db, u"audit_log"_s), 0);

        // After a save, the same document again is unchanged; nothing more written.
        QVERIFY(s.save(withApproved(u"fraud"_s), u"alice"_s, u"review"_s));
        QCOMPARE(s.save(withApproved(u"fraud"_s), u"bob"_s, u"again"_s).error().code, u"mapping.unchanged"_s);
        QCOMPARE(s.rollback(1, u"bob"_s, u"again"_s).error().code, u"mapping.unchanged"_s);
        QCOMPARE(rows(m_db, u"mapping_versions"_s), 1);
        QCOMPARE(rows(m_db, u"audit_log"_s), 1);
        QCOMPARE(s.activeVersionNumber().valueOr(-1), 1);
    }

    void diffByKeyPath()
    {
        const QByteArray a = R"({"statusMap":{"approved":"processing","voided":"canceled"},
            "linkKey":{"transforms":[{"op":"trim"},{"op":"zeroPad","width":9}]},"name":"A"})";
        const QByteArray b = R"({"statusMap":{"approved":"fraud","voided":"canceled","charged_back":null},
            "linkKey":{"transforms":[{"op":"trim"},{"op":"zeroPad","width":10},{"op":"upper"}]},"name":"A"})";
        const QList<ProfileChange> d = diffProfiles(a, b);
        const QList<ProfileChange> expected{
            {u"linkKey.transforms[1].width"_s, u"9"_s, u"10"_s},
            {u"linkKey.transforms[2]"_s, u""_s, u"{\"op\":\"upper\"}"_s},
            {u"statusMap.approved"_s, u"\"processing\""_s, u"\"fraud\""_s},
            {u"statusMap.charged_back"_s, u""_s, u"null"_s},
        };
        QCOMPARE(d, expected);
        QVERIFY(diffProfiles(a, a).isEmpty());
        // A type change is one change at its path.
        const auto t = diffProfiles(R"({"x":{"y":1}})", R"({"x":[1]})");
        QCOMPARE(t.size(), 1);
        QCOMPARE(t[0].path, u"x"_s);
        QCOMPARE(t[0].before, u"{\"y\":1}"_s);
        QCOMPARE(t[0].after, u"[1]"_s);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

QTEST_GUILESS_MAIN(TestMappingStore)
#include "tst_mapping_store.moc"
