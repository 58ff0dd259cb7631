#include "mapping/mappingprofile.h"
#include "store/database.h"
#include "store/orderrepository.h"
#include "sync/storestatuses.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::sync;
using Source = StoreStatus::Source;

// The statuses a store has (issue 14): installed ones, the profile's declared ones and the
// pairs the synced orders show, counted from a real SQLite store.
namespace {

QDateTime utc(qint64 secs)
{
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC);
}

OrderRecord order(qint64 id, const QString &state, const QString &status)
{
    OrderRecord o;
    o.entityId = id;
    o.incrementId = u"%1"_s.arg(100000000 + id);
    o.state = state;
    o.status = status;
    o.currency = *Currency::fromCode(u"USD"_s);
    o.grandTotal = Money::fromMinor(1000 + id, o.currency);
    o.createdAt = utc(1'700'000'000 + id);
    o.updatedAt = o.createdAt;
    return o;
}

mapping::MappingProfile profileDeclaring(const QJsonArray &custom)
{
    QJsonObject doc = QJsonDocument::fromJson(mapping::MappingProfile::defaults().toJson()).object();
    doc.insert(u"customStatuses"_s, custom);
    auto p = mapping::MappingProfile::fromJson(QJsonDocument(doc).toJson());
    if (!p)
        qFatal("%s", qPrintable(p.error().toString()));
    return p.value();
}

const StoreStatus *entry(const QList<StoreStatus> &all, const QString &status, const QString &state)
{
    for (const StoreStatus &s : all) {
        if (s.status == status && s.state == state)
            return &s;
    }
    return nullptr;
}

} // namespace

class TestStoreStatuses : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        auto opened = store::Database::openWriter(m_dir->filePath(u"store.sqlite"_s), u"statuses"_s);
        QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().toString()));
        m_db = opened.value();
    }

    void cleanup()
    {
        m_db = QSqlDatabase();
        store::Database::close(u"statuses"_s);
        m_dir.reset();
    }

    void emptyStoreListsTheInstalledStatuses()
    {
        const auto all = storeStatuses(m_db, mapping::MappingProfile::defaults());
        QVERIFY2(all.ok(), qPrintable(all.ok() ? QString() : all.error().toString()));
        // Every installed status, fraud under both of its states, nothing else.
        QCOMPARE(all->size(), mapping::MappingProfile::builtInStatuses().size() + 1);
        for (const StoreStatus &s : *all) {
            QCOMPARE(s.source, Source::BuiltIn);
            QCOMPARE(s.orders, 0);
            QVERIFY2(!s.label.isEmpty(), qPrintable(s.status));
            QVERIFY(s.note.isEmpty());
        }
        QCOMPARE(entry(*all, u"holded"_s, u"holded"_s)->label, u"On Hold"_s);
        QVERIFY(entry(*all, u"fraud"_s, u"processing"_s));
        QVERIFY(entry(*all, u"fraud"_s, u"payment_review"_s));
        QCOMPARE(entry(*all, u"pending"_s, u"new"_s)->label, u"Pending"_s);
        // Ordered by state as Magento lists them; a state's default status first.
        QCOMPARE(all->first().status, u"pending"_s);
        QCOMPARE(all->at(1).status, u"pending_payment"_s);
        QCOMPARE(all->at(2).status, u"processing"_s);
        QCOMPARE(all->at(3).status, u"fraud"_s);
        QCOMPARE(all->last().status, u"fraud"_s);
        QCOMPARE(all->last().state, u"payment_review"_s);
    }

    void countsObservedAndDeclared()
    {
        store::OrderRepository orders(m_db);
        QList<OrderRecord> list;
        qint64 id = 1;
        const auto add = [&](const QString &state, const QString &status, int n) {
            for (int k = 0; k < n; ++k)
                list << order(id++, state, status);
        };
        add(u"processing"_s, u"processing"_s, 4);
        add(u"processing"_s, u"payment_received"_s, 3); // declared below
        add(u"processing"_s, u"ready_to_ship"_s, 2);    // only seen
        add(u"payment_review"_s, u"fraud"_s, 2);
        add(u"processing"_s, u"fraud"_s, 1);
        add(u"complete"_s, u"payment_received"_s, 1);   // declared for processing, seen in complete
        add(u"new"_s, u"pending"_s, 2);
        add(u""_s, u"pending"_s, 1);                    // synced without a state
        add(u"canceled"_s, u""_s, 1);                   // no status: not counted
        QVERIFY(orders.upsert(list, utc(1'700'100'000)).ok());

        const auto profile = profileDeclaring(QJsonArray{
            QJsonObject{{u"code"_s, u"payment_received"_s}, {u"label"_s, u"Payment Received"_s}, {u"state"_s, u"processing"_s}},
            QJsonObject{{u"code"_s, u"awaiting_payment"_s}, {u"label"_s, u"Awaiting Payment"_s}, {u"state"_s, u"pending_payment"_s}},
        });
        const auto all = storeStatuses(m_db, profile);
        QVERIFY2(all.ok(), qPrintable(all.ok() ? QString() : all.error().toString()));

        QCOMPARE(entry(*all, u"processing"_s, u"processing"_s)->orders, 4);
        QCOMPARE(entry(*all, u"fraud"_s, u"payment_review"_s)->orders, 2);
        QCOMPARE(entry(*all, u"fraud"_s, u"processing"_s)->orders, 1);
        QCOMPARE(entry(*all, u"pending"_s, u"new"_s)->orders, 3);
        QCOMPARE(entry(*all, u"canceled"_s, u"canceled"_s)->orders, 0);

        const StoreStatus *received = entry(*all, u"payment_received"_s, u"processing"_s);
        QVERIFY(received);
        QCOMPARE(received->source, Source::Declared);
        QCOMPARE(received->label, u"Payment Received"_s);
        QCOMPARE(received->orders, 3);
        QVERIFY(received->note.isEmpty());

        const StoreStatus *awaiting = entry(*all, u"awaiting_payment"_s, u"pending_payment"_s);
        QVERIFY(awaiting);
        QCOMPARE(awaiting->source, Source::Declared);
        QCOMPARE(awaiting->orders, 0);
        QVERIFY(awaiting->note.contains(u"no synced order"_s));

        const StoreStatus *ready = entry(*all, u"ready_to_ship"_s, u"processing"_s);
        QVERIFY(ready);
        QCOMPARE(ready->source, Source::Observed);
        QCOMPARE(ready->orders, 2);
        QVERIFY(ready->label.isEmpty()); // Magento's REST API does not say
        QVERIFY(ready->note.isEmpty());

        // The same status in a second state is legal in Magento: its own entry, with a note.
        const StoreStatus *elsewhere = entry(*all, u"payment_received"_s, u"complete"_s);
        QVERIFY(elsewhere);
        QCOMPARE(elsewhere->source, Source::Observed);
        QCOMPARE(elsewhere->orders, 1);
        QCOMPARE(elsewhere->label, u"Payment Received"_s);
        QVERIFY2(elsewhere->note.contains(u"declared for state processing"_s) && elsewhere->note.contains(u"state complete"_s),
                 qPrintable(elsewhere->note));

        // Every synced order with a status is counted exactly once.
        int counted = 0;
        for (const StoreStatus &s : *all)
            counted += s.orders;
        QCOMPARE(counted, int(list.size()) - 1);

        // Grouped by state, and within processing: installed, declared, observed.
        QStringList processing;
        for (const StoreStatus &s : *all) {
            if (s.state == u"processing")
                processing << s.status;
        }
        QCOMPARE(processing, (QStringList{u"processing"_s, u"fraud"_s, u"payment_received"_s, u"ready_to_ship"_s}));
        const QStringList states = mapping::MappingProfile::magentoStates();
        for (qsizetype i = 1; i < all->size(); ++i)
            QVERIFY(states.indexOf(all->at(i - 1).state) <= states.indexOf(all->at(i).state));
    }

    void aStoreWithoutOrdersTableIsAnError()
    {
        QSqlDatabase bare = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"bare"_s);
        bare.setDatabaseName(m_dir->filePath(u"bare.sqlite"_s));
        QVERIFY(bare.open());
        const auto all = storeStatuses(bare, mapping::MappingProfile::defaults());
        QVERIFY(!all.ok());
        QCOMPARE(all.error().code, u"store.sql"_s);
        bare.close();
        bare = QSqlDatabase();
        QSqlDatabase::removeDatabase(u"bare"_s);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

QTEST_GUILESS_MAIN(TestStoreStatuses)
#include "tst_store_statuses.moc"
