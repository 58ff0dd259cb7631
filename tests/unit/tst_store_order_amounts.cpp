#include "store/database.h"
#include "store/orderrepository.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::store;

// Magento amounts with 4 decimals in the store (migration 0010, docs/magento.md §7): the rounded
// Money columns, the base totals and the exact text of the finer amounts.
namespace {

Currency cur(const char *code)
{
    return *Currency::fromCode(QString::fromLatin1(code));
}

QDateTime utc(const char *iso)
{
    QDateTime t = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate);
    t.setTimeSpec(Qt::UTC);
    return t;
}

OrderRecord fineOrder()
{
    OrderRecord o;
    o.entityId = 7;
    o.incrementId = u"JP-7"_s;
    o.state = u"processing"_s;
    o.currency = cur("JPY");
    o.grandTotal = Money::fromMinor(1500, o.currency); // Magento: 1500.5
    o.totalPaid = Money::fromMinor(1500, o.currency);
    o.totalInvoiced = Money::fromMinor(1500, o.currency);
    o.totalRefunded = Money::zero(o.currency);
    o.totalDue = Money::zero(o.currency);
    o.baseCurrency = cur("USD");
    o.baseGrandTotal = Money::fromMinor(1026, o.baseCurrency); // Magento: 10.2645
    o.baseTotalPaid = Money::fromMinor(1026, o.baseCurrency);
    o.baseTotalInvoiced = Money::fromMinor(1026, o.baseCurrency);
    o.baseTotalRefunded = Money::fromMinor(-1, o.baseCurrency);
    o.baseTotalDue = Money::zero(o.baseCurrency);
    o.baseToOrderRate = u"146.1836"_s;
    o.exactAmounts = {{u"grand_total"_s, u"1500.5"_s},
                      {u"total_paid"_s, u"1500.5"_s},
                      {u"base_grand_total"_s, u"10.2645"_s}};
    o.createdAt = utc("2024-03-01T10:00:00");
    o.updatedAt = utc("2024-03-01T10:05:00");
    return o;
}

} // namespace

class TestStoreOrderAmounts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void roundTrip();
    void updateClearsExactAmounts();
    void baseTotalsNeedTheBaseCurrency();
    void migrationKeepsExistingOrders();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

void TestStoreOrderAmounts::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto opened = Database::openWriter(m_dir->filePath(u"store.sqlite"_s), u"amounts"_s);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : opened.error().toString()));
    m_db = opened.value();
}

void TestStoreOrderAmounts::cleanup()
{
    m_db = QSqlDatabase();
    Database::close(u"amounts"_s);
    m_dir.reset();
}

void TestStoreOrderAmounts::roundTrip()
{
    OrderRepository orders(m_db);
    const OrderRecord in = fineOrder();
    const Status s = orders.upsert({in}, utc("2024-03-02T00:00:00"));
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
    const auto found = orders.find(in.entityId);
    QVERIFY(found.ok() && found->has_value());
    const OrderRecord &o = **found;
    QCOMPARE(o.grandTotal, in.grandTotal);
    QCOMPARE(o.baseGrandTotal, in.baseGrandTotal);
    QCOMPARE(o.baseTotalPaid, in.baseTotalPaid);
    QCOMPARE(o.baseTotalInvoiced, in.baseTotalInvoiced);
    QCOMPARE(o.baseTotalRefunded, in.baseTotalRefunded);
    QCOMPARE(o.baseTotalDue, in.baseTotalDue);
    QCOMPARE(o.baseToOrderRate, in.baseToOrderRate);
    QCOMPARE(o.exactAmounts, in.exactAmounts);
}

void TestStoreOrderAmounts::updateClearsExactAmounts()
{
    OrderRepository orders(m_db);
    OrderRecord o = fineOrder();
    QVERIFY(orders.upsert({o}, utc("2024-03-02T00:00:00")).ok());
    // The store corrected the order to whole yen: the flag goes with the next sync.
    o.exactAmounts.clear();
    o.baseToOrderRate.clear();
    QVERIFY(orders.upsert({o}, utc("2024-03-03T00:00:00")).ok());
    const auto found = orders.find(o.entityId);
    QVERIFY(found.ok() && found->has_value());
    QVERIFY((*found)->exactAmounts.isEmpty());
    QVERIFY((*found)->baseToOrderRate.isEmpty());
    QSqlQuery q(m_db);
    QVERIFY(q.exec(u"SELECT exact_amounts FROM orders WHERE entity_id = 7"_s) && q.next());
    QCOMPARE(q.value(0).toString(), QString());
}

void TestStoreOrderAmounts::baseTotalsNeedTheBaseCurrency()
{
    OrderRepository orders(m_db);
    OrderRecord o = fineOrder();
    o.baseTotalPaid = Money::fromMinor(1500, cur("JPY"));
    const Status s = orders.upsert({o}, utc("2024-03-02T00:00:00"));
    QVERIFY(!s.ok());
    QVERIFY(s.error().message.contains(u"base_total_paid"_s));
}

void TestStoreOrderAmounts::migrationKeepsExistingOrders()
{
    // A store written before 0010 holds an order; upgrading gives it empty new columns.
    const QList<Migration> all = Database::builtinMigrations();
    qsizetype before = -1;
    for (qsizetype i = 0; i < all.size(); ++i) {
        if (all[i].name == u"0010_order_amounts")
            before = i;
    }
    QVERIFY(before > 0);
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"raw"_s);
        raw.setDatabaseName(m_dir->filePath(u"old.sqlite"_s));
        QVERIFY(raw.open());
        QVERIFY(Database::migrate(raw, all.mid(0, before)).ok());
        QSqlQuery q(raw);
        QVERIFY(q.exec(u"INSERT INTO orders (entity_id, increment_id, currency, grand_total, base_currency,"
                       " base_grand_total, created_at, updated_at, synced_at)"
                       " VALUES (1, '100000001', 'USD', 11000, 'EUR', 10000, 0, 0, 0)"_s));
        const Status s = Database::migrate(raw);
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
        QCOMPARE(Database::schemaVersion(raw), Database::latestSchemaVersion());
        OrderRepository orders(raw);
        const auto found = orders.find(1);
        QVERIFY2(found.ok(), qPrintable(found.ok() ? QString() : found.error().toString()));
        QVERIFY(found->has_value());
        QCOMPARE((*found)->baseGrandTotal, Money::fromMinor(10000, cur("EUR")));
        QCOMPARE((*found)->baseTotalPaid, Money::zero(cur("EUR")));
        QVERIFY((*found)->baseToOrderRate.isEmpty());
        QVERIFY((*found)->exactAmounts.isEmpty());
        q = QSqlQuery();
        raw = QSqlDatabase();
    }
    QSqlDatabase::removeDatabase(u"raw"_s);
}

QTEST_GUILESS_MAIN(TestStoreOrderAmounts)
#include "tst_store_order_amounts.moc"
