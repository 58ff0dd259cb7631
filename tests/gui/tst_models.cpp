// The table models over a real SQLite store: keyset paging across page boundaries with
// duplicate sort values, SQL sorting and filtering, counts, formatting, and the model contract
// (QAbstractItemModelTester) while all of that happens.

#include "csvexport.h"
#include "displayformat.h"
#include "ordersmodel.h"
#include "recorddetails.h"
#include "savedviews.h"
#include "storefixture.h"
#include "store/database.h"
#include "transactionsmodel.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFile>
#include <QScopeGuard>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <limits>

using namespace Qt::StringLiterals;
using pb::test::OrderRow;
using pb::test::StoreFixture;
using pb::test::TransactionRow;
using pb::ui::Format;
using pb::ui::OrdersModel;
using pb::ui::SqlPagedModel;
using pb::ui::TransactionsModel;

namespace {

const QString kWriter = u"tst_models.writer"_s;
const QString kReader = u"tst_models.reader"_s;
constexpr int kOrders = 3000;
// 2024-03-14 16:30:00 UTC, newer than anything generate() makes.
constexpr qint64 kSpecialTime = 1710433800000;

// SQLite's NOCASE: byte order of UTF-8 (= code point order) with ASCII letters folded.
int compareNoCase(const QString &a, const QString &b)
{
    QByteArray x = a.toUtf8();
    QByteArray y = b.toUtf8();
    for (QByteArray *s : {&x, &y})
        for (char &c : *s)
            if (c >= 'A' && c <= 'Z')
                c = char(c - 'A' + 'a');
    return x < y ? -1 : (x == y ? 0 : 1);
}

int compareValues(const QVariant &a, const QVariant &b, bool text)
{
    if (text)
        return compareNoCase(a.toString(), b.toString());
    const qlonglong x = a.toLongLong();
    const qlonglong y = b.toLongLong();
    return x < y ? -1 : (x == y ? 0 : 1);
}

int compareKeys(const QVariant &a, const QVariant &b)
{
    if (a.typeId() == QMetaType::QString)
        return a.toString() < b.toString() ? -1 : (a.toString() == b.toString() ? 0 : 1);
    return compareValues(a, b, false);
}

qint64 scalar(const QString &sql, const QVariantList &values = {})
{
    QSqlQuery q(QSqlDatabase::database(kReader, false));
    q.prepare(sql);
    for (const QVariant &v : values)
        q.addBindValue(v);
    if (!q.exec() || !q.next()) {
        qWarning("reference query failed: %s", qPrintable(sql));
        return -2;
    }
    return q.value(0).toLongLong();
}

void fetchAll(SqlPagedModel &model)
{
    int guard = 0;
    while (model.canFetchMore(QModelIndex()) && ++guard < 10000)
        model.fetchMore(QModelIndex());
}

} // namespace

class TestModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void firstPageAndCounts();
    void keysetOrderAcrossPages_data();
    void keysetOrderAcrossPages();
    void transactionsOrderAcrossPages_data();
    void transactionsOrderAcrossPages();
    void orderFilters_data();
    void orderFilters();
    void transactionFilters();
    void filteredPagingStaysFiltered();
    void moneyFormatting();
    void modelDisplaysStoreValues();
    void finerMagentoAmountsShownExactly();
    void chargedAmountShownBesideTheOrderTotal();
    void refreshKeepsLoadedRowsAndSeesNewData();
    void emptyAndMissingStore();
    void queryErrorStopsFetching();
    void typedFilters_data();
    void typedFilters();
    void jumpToEndMatchesFullFetch_data();
    void jumpToEndMatchesFullFetch();
    void backgroundCounts();
    void csvQuoting();
    void csvExportWritesTheView();
    void csvExportCancelLeavesNoFile();
    void savedViewsRoundTrip();

private:
    QTemporaryDir m_dir;
    QString m_path;
};

void TestModels::initTestCase()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    QVERIFY(m_dir.isValid());
    m_path = m_dir.filePath(u"store.sqlite"_s);
    QVERIFY(StoreFixture::create(m_path, kWriter));
    QSqlDatabase db = QSqlDatabase::database(kWriter, false);
    QVERIFY(StoreFixture::generate(db, kOrders, kSpecialTime - 3'600'000) > kOrders / 2);

    // Rows with known values, all newer than the generated ones.
    OrderRow jpy;
    jpy.entityId = 1;
    jpy.incrementId = u"900000001"_s;
    jpy.currency = u"JPY"_s;
    jpy.grandTotal = 150000;
    jpy.totalPaid = 150000;
    jpy.status = u"pending_payment"_s;
    jpy.payStatus = u"partially_refunded"_s;
    jpy.customerName = u"Hana Sato"_s;
    jpy.customerEmail = u"hana@example.jp"_s;
    jpy.cardType = u"Visa"_s;
    jpy.cardLast4 = u"1111"_s;
    jpy.createdAt = kSpecialTime;
    QVERIFY(StoreFixture::insert(db, jpy));
    OrderRow kwd = jpy;
    kwd.entityId = 2;
    kwd.incrementId = u"900000002"_s;
    kwd.currency = u"KWD"_s;
    kwd.grandTotal = 1234567;
    kwd.customerName = u"Ann 100%_Off"_s; // LIKE wildcards that must match literally
    kwd.customerEmail = u"ann@promo.test"_s;
    QVERIFY(StoreFixture::insert(db, kwd));
    TransactionRow t;
    t.transactionId = u"T-900000001-A"_s;
    t.invoiceId = jpy.incrementId;
    t.currency = u"JPY"_s;
    t.amount = 150000;
    t.createdAt = kSpecialTime + 1000;
    QVERIFY(StoreFixture::insert(db, t));
    QVERIFY(StoreFixture::link(db, t.transactionId, jpy.entityId));

    QVERIFY(pb::store::Database::openReader(m_path, kReader).ok());
}

void TestModels::cleanupTestCase()
{
    pb::store::Database::close(kReader);
    pb::store::Database::close(kWriter);
}

void TestModels::firstPageAndCounts()
{
    OrdersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy counts(&model, &SqlPagedModel::countsChanged);
    model.setDatabase(QSqlDatabase::database(kReader, false));
    QCOMPARE(counts.size(), 1);
    QCOMPARE(model.columnCount(), int(OrdersModel::ColumnCount));
    QCOMPARE(model.rowCount(), SqlPagedModel::DefaultPageSize);
    QCOMPARE(model.totalCount(), scalar(u"SELECT COUNT(*) FROM orders"_s));
    QCOMPARE(model.matchingCount(), model.totalCount());
    QVERIFY(model.canFetchMore(QModelIndex()));

    model.fetchMore(QModelIndex());
    QCOMPARE(model.rowCount(), 2 * SqlPagedModel::DefaultPageSize);
    fetchAll(model);
    QCOMPARE(model.rowCount(), int(model.totalCount()));
    QVERIFY(!model.canFetchMore(QModelIndex()));
    QVERIFY(model.lastError().isEmpty());
    // Default order: newest first, so the special rows lead.
    QCOMPARE(model.data(model.index(0, OrdersModel::IncrementId)).toString(), u"900000002"_s);
}

void TestModels::keysetOrderAcrossPages_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<Qt::SortOrder>("order");
    QTest::addColumn<bool>("text");
    QTest::addColumn<bool>("hasTies"); // whether the data holds equal sort values in this column
    QTest::newRow("created asc") << int(OrdersModel::Created) << Qt::AscendingOrder << false << true;
    QTest::newRow("created desc") << int(OrdersModel::Created) << Qt::DescendingOrder << false << true;
    QTest::newRow("total asc") << int(OrdersModel::Total) << Qt::AscendingOrder << false << true;
    QTest::newRow("total desc") << int(OrdersModel::Total) << Qt::DescendingOrder << false << true;
    QTest::newRow("refunded asc (mostly zero)") << int(OrdersModel::Refunded) << Qt::AscendingOrder << false << true;
    QTest::newRow("txn count desc (3 values)") << int(OrdersModel::Transactions) << Qt::DescendingOrder << false << true;
    QTest::newRow("customer asc") << int(OrdersModel::Customer) << Qt::AscendingOrder << true << true;
    QTest::newRow("status desc") << int(OrdersModel::Status) << Qt::DescendingOrder << true << true;
    QTest::newRow("card asc") << int(OrdersModel::Card) << Qt::AscendingOrder << true << true;
    QTest::newRow("order # desc (unique)") << int(OrdersModel::IncrementId) << Qt::DescendingOrder << true << false;
}

void TestModels::keysetOrderAcrossPages()
{
    QFETCH(int, column);
    QFETCH(Qt::SortOrder, order);
    QFETCH(bool, text);
    QFETCH(bool, hasTies);

    OrdersModel model;
    // 97 is prime: page boundaries fall inside groups of equal values (created_at comes in
    // threes, totals repeat, the transaction count has three values).
    model.setPageSize(97);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDatabase(QSqlDatabase::database(kReader, false));
    model.sort(column, order);
    QCOMPARE(model.sortColumn(), column);
    fetchAll(model);

    const qint64 expected = scalar(u"SELECT COUNT(*) FROM orders"_s);
    QCOMPARE(model.rowCount(), int(expected));
    QSet<qlonglong> keys;
    int ties = 0;
    for (int r = 0; r < model.rowCount(); ++r) {
        const qlonglong key = model.data(model.index(r, 0), SqlPagedModel::KeyRole).toLongLong();
        QVERIFY2(!keys.contains(key), qPrintable(u"key %1 appears twice"_s.arg(key)));
        keys.insert(key);
        if (r == 0)
            continue;
        const QVariant prev = model.data(model.index(r - 1, column), SqlPagedModel::SortRole);
        const QVariant cur = model.data(model.index(r, column), SqlPagedModel::SortRole);
        int cmp = compareValues(prev, cur, text);
        if (cmp == 0) {
            ++ties;
            cmp = compareKeys(model.data(model.index(r - 1, 0), SqlPagedModel::KeyRole),
                              model.data(model.index(r, 0), SqlPagedModel::KeyRole));
        }
        if (order == Qt::DescendingOrder)
            cmp = -cmp;
        QVERIFY2(cmp < 0, qPrintable(u"rows %1 and %2 out of order: %3 / %4"_s
                                         .arg(r - 1).arg(r).arg(prev.toString(), cur.toString())));
    }
    // Ties are what make keyset paging hard; the data must have them where expected.
    QCOMPARE(ties > 0, hasTies);
}

void TestModels::transactionsOrderAcrossPages_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<Qt::SortOrder>("order");
    QTest::addColumn<bool>("text");
    QTest::newRow("amount asc") << int(TransactionsModel::Amount) << Qt::AscendingOrder << false;
    QTest::newRow("amount desc") << int(TransactionsModel::Amount) << Qt::DescendingOrder << false;
    QTest::newRow("created desc") << int(TransactionsModel::Created) << Qt::DescendingOrder << false;
    QTest::newRow("type asc") << int(TransactionsModel::Type) << Qt::AscendingOrder << true;
    QTest::newRow("batch desc") << int(TransactionsModel::Batch) << Qt::DescendingOrder << true;
    QTest::newRow("invoice asc") << int(TransactionsModel::Invoice) << Qt::AscendingOrder << true;
}

void TestModels::transactionsOrderAcrossPages()
{
    QFETCH(int, column);
    QFETCH(Qt::SortOrder, order);
    QFETCH(bool, text);

    TransactionsModel model(QSqlDatabase::database(kReader, false));
    model.setPageSize(101);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.sort(column, order);
    fetchAll(model);
    QCOMPARE(model.rowCount(), int(scalar(u"SELECT COUNT(*) FROM gateway_transactions"_s)));
    QSet<QString> keys;
    for (int r = 0; r < model.rowCount(); ++r) {
        const QString key = model.data(model.index(r, 0), SqlPagedModel::KeyRole).toString();
        QVERIFY(!keys.contains(key));
        keys.insert(key);
        if (r == 0)
            continue;
        int cmp = compareValues(model.data(model.index(r - 1, column), SqlPagedModel::SortRole),
                                model.data(model.index(r, column), SqlPagedModel::SortRole), text);
        if (cmp == 0)
            cmp = compareKeys(model.data(model.index(r - 1, 0), SqlPagedModel::KeyRole),
                              model.data(model.index(r, 0), SqlPagedModel::KeyRole));
        QVERIFY2((order == Qt::AscendingOrder ? cmp : -cmp) < 0, qPrintable(u"row %1"_s.arg(r)));
    }
}

void TestModels::orderFilters_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("referenceWhere"); // independent SQL for the expected rows
    QTest::addColumn<QVariantList>("referenceValues");

    QTest::newRow("exact order #") << u"900000001"_s << u"increment_id = ?"_s << QVariantList{u"900000001"_s};
    QTest::newRow("order # prefix") << u"1000041"_s << u"substr(increment_id, 1, 7) = ?"_s
                                    << QVariantList{u"1000041"_s};
    QTest::newRow("wildcards literal") << u"100%_"_s << u"entity_id = 2"_s << QVariantList{};
    QTest::newRow("underscore alone") << u"_"_s << u"entity_id = 2"_s << QVariantList{};
    QTest::newRow("email part") << u"kowalski@"_s << u"instr(customer_email, ?) > 0"_s
                                << QVariantList{u"kowalski@"_s};
    QTest::newRow("name any case") << u"NGUYEN"_s
                                   << u"instr(lower(customer_name), 'nguyen') > 0 OR instr(customer_email, 'nguyen') > 0"_s
                                   << QVariantList{};
    QTest::newRow("status words") << u"pending payment"_s << u"status = 'pending_payment'"_s << QVariantList{};
    QTest::newRow("nothing") << u"no-such-order-zz"_s << u"0"_s << QVariantList{};
}

void TestModels::orderFilters()
{
    QFETCH(QString, filter);
    QFETCH(QString, referenceWhere);
    QFETCH(QVariantList, referenceValues);

    OrdersModel model(QSqlDatabase::database(kReader, false));
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setFilterText(filter);
    fetchAll(model);
    const qint64 expected = scalar(u"SELECT COUNT(*) FROM orders WHERE "_s + referenceWhere, referenceValues);
    QCOMPARE(model.matchingCount(), expected);
    QCOMPARE(model.rowCount(), int(expected));
    QCOMPARE(model.totalCount(), scalar(u"SELECT COUNT(*) FROM orders"_s));
    QVERIFY(model.isFiltered());
    QVERIFY(!model.canFetchMore(QModelIndex()));

    model.setFilterText(QString());
    QVERIFY(!model.isFiltered());
    QCOMPARE(model.matchingCount(), model.totalCount());
}

void TestModels::transactionFilters()
{
    TransactionsModel model(QSqlDatabase::database(kReader, false));
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);

    model.setFilterText(u"T-900000001-A"_s);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.data(model.index(0, TransactionsModel::Invoice)).toString(), u"900000001"_s);

    // An order number finds every transaction invoiced to it, linked or not.
    QSqlQuery pick(QSqlDatabase::database(kReader, false));
    QVERIFY(pick.exec(u"SELECT invoice_id FROM gateway_transactions WHERE invoice_id LIKE '1000%'"
                      " GROUP BY invoice_id HAVING COUNT(*) >= 2 ORDER BY invoice_id LIMIT 1"_s));
    QVERIFY(pick.next());
    const QString invoice = pick.value(0).toString();
    model.setFilterText(invoice);
    fetchAll(model);
    QCOMPARE(model.matchingCount(),
             scalar(u"SELECT COUNT(*) FROM gateway_transactions WHERE invoice_id = ?"_s, {invoice}));
    QVERIFY(model.rowCount() >= 2);
    for (int r = 0; r < model.rowCount(); ++r)
        QCOMPARE(model.data(model.index(r, TransactionsModel::Invoice)).toString(), invoice);

    model.setFilterText(u"refund"_s);
    fetchAll(model);
    QVERIFY(model.rowCount() > 0);
    QCOMPARE(model.rowCount(), int(scalar(u"SELECT COUNT(*) FROM gateway_transactions WHERE type = 'refund'"_s)));
    QCOMPARE(model.data(model.index(0, TransactionsModel::Type)).toString(), u"Refund"_s);
}

void TestModels::filteredPagingStaysFiltered()
{
    OrdersModel model;
    model.setPageSize(50);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDatabase(QSqlDatabase::database(kReader, false));
    model.setFilterText(u"smith"_s);
    model.sort(OrdersModel::Total, Qt::DescendingOrder);
    QCOMPARE(model.rowCount(), 50);
    fetchAll(model);
    const qint64 expected =
        scalar(u"SELECT COUNT(*) FROM orders WHERE instr(lower(customer_name), 'smith') > 0"
               " OR instr(customer_email, 'smith') > 0"_s);
    QVERIFY(expected > 100); // several pages
    QCOMPARE(model.rowCount(), int(expected));
    qlonglong previous = std::numeric_limits<qlonglong>::max();
    for (int r = 0; r < model.rowCount(); ++r) {
        QVERIFY(model.data(model.index(r, OrdersModel::Email)).toString().contains(u"smith"_s));
        const qlonglong total = model.data(model.index(r, OrdersModel::Total), SqlPagedModel::SortRole).toLongLong();
        QVERIFY(total <= previous);
        previous = total;
    }
}

void TestModels::moneyFormatting()
{
    const QLocale us(QLocale::English, QLocale::UnitedStates);
    const QLocale de(QLocale::German, QLocale::Germany);
    QCOMPARE(Format::money(150000, u"JPY", us), u"150,000"_s);
    QCOMPARE(Format::money(1234567, u"KWD", us), u"1,234.567"_s);
    QCOMPARE(Format::money(5, u"KWD", us), u"0.005"_s);
    QCOMPARE(Format::money(-5, u"USD", us), u"-0.05"_s);
    QCOMPARE(Format::money(100, u"USD", us), u"1.00"_s);
    QCOMPARE(Format::money(123456789, u"EUR", de), u"1.234.567,89"_s);
    QCOMPARE(Format::money(999999999999999999LL, u"USD", us), u"9,999,999,999,999,999.99"_s);
    QCOMPARE(Format::money(12345, u"USD", QLocale::c()), u"123.45"_s); // C omits grouping
    QVERIFY(Format::money(12345, u"Q!Z", us).contains(u"12345"_s));
    QCOMPARE(Format::likePattern(u"a%b_c\\", Format::Like::Contains), u"%a\\%b\\_c\\\\%"_s);
    QCOMPARE(Format::card(u"Visa", u"1111"), u"Visa •••• 1111"_s);
    QCOMPARE(Format::card(u"", u""), QString());
}

void TestModels::modelDisplaysStoreValues()
{
    OrdersModel orders(QSqlDatabase::database(kReader, false));
    orders.setFilterText(u"9000000"_s);
    QCOMPARE(orders.rowCount(), 2);
    const int kwd = orders.rowForKey(2);
    const int jpy = orders.rowForKey(1);
    QVERIFY(kwd >= 0 && jpy >= 0);
    // The total carries its currency code (the Currency column is hidden by default).
    QCOMPARE(orders.data(orders.index(kwd, OrdersModel::Total)).toString(), u"1,234.567 KWD"_s);
    QCOMPARE(orders.data(orders.index(kwd, OrdersModel::Paid)).toString(), u"150.000"_s);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Total)).toString(), u"150,000 JPY"_s);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Paid)).toString(), u"150,000"_s);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Total), SqlPagedModel::SortRole).toLongLong(), 150000LL);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Refunded)).toString(), u"0"_s);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Total), Qt::TextAlignmentRole).toInt(),
             int(Qt::AlignRight | Qt::AlignVCenter));
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Status)).toString(), u"Pending payment"_s);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Status), SqlPagedModel::SortRole).toString(),
             u"pending_payment"_s);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Payment)).toString(), u"Partly refunded"_s);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Card)).toString(), u"Visa •••• 1111"_s);
    // The test runs with TZ=Asia/Kolkata (UTC+5:30): 16:30 UTC is 22:00 local.
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Created)).toString(), u"2024-03-14 22:00"_s);
    QCOMPARE(orders.data(orders.index(jpy, OrdersModel::Created), SqlPagedModel::SortRole).toLongLong(),
             kSpecialTime);
    QCOMPARE(orders.incrementIdAt(jpy), u"900000001"_s);
    QCOMPARE(orders.headerData(OrdersModel::IncrementId, Qt::Horizontal).toString(), u"Order #"_s);

    TransactionsModel txns(QSqlDatabase::database(kReader, false));
    txns.setFilterText(u"T-900000001-A"_s);
    QCOMPARE(txns.rowCount(), 1);
    QCOMPARE(txns.data(txns.index(0, TransactionsModel::Amount)).toString(), u"150,000 JPY"_s);
    QCOMPARE(txns.data(txns.index(0, TransactionsModel::Amount), SqlPagedModel::SortRole).toLongLong(), 150000LL);
    QCOMPARE(txns.data(txns.index(0, TransactionsModel::Status)).toString(), u"Settled"_s);
    QCOMPARE(txns.data(txns.index(0, TransactionsModel::Type)).toString(), u"Sale"_s);
    QCOMPARE(txns.data(txns.index(0, TransactionsModel::Created)).toString(), u"2024-03-14 22:00"_s);
}

void TestModels::finerMagentoAmountsShownExactly()
{
    // Magento kept 150000.5 yen (docs/magento.md §7); the store holds 150000, rounded half-even.
    // A stale exact text (total_paid no longer rounds to it) is not shown.
    QSqlDatabase writer = QSqlDatabase::database(kWriter, false);
    QSqlQuery q(writer);
    QVERIFY(q.exec(uR"(UPDATE orders SET exact_amounts = '{"grand_total":"150000.5","total_paid":"150001.75"}' WHERE entity_id = 1)"_s));
    const auto restore = qScopeGuard([&] { QSqlQuery(writer).exec(u"UPDATE orders SET exact_amounts = '' WHERE entity_id = 1"_s); });
    OrdersModel orders(QSqlDatabase::database(kReader, false));
    orders.setFilterText(u"900000001"_s);
    QCOMPARE(orders.rowCount(), 1);
    QCOMPARE(orders.data(orders.index(0, OrdersModel::Total)).toString(), u"150,000.5 JPY *"_s);
    QVERIFY(orders.data(orders.index(0, OrdersModel::Total), Qt::ToolTipRole).toString().contains(u"150,000.5"_s));
    QCOMPARE(orders.data(orders.index(0, OrdersModel::Total), SqlPagedModel::SortRole).toLongLong(), 150000LL);
    QCOMPARE(orders.data(orders.index(0, OrdersModel::Paid)).toString(), u"150,000"_s);

    // The order detail shows the exact amount, what moves, and why it is flagged.
    const QString html = pb::ui::RecordDetails::orderHtml(QSqlDatabase::database(kReader, false), 1, u"#777777"_s);
    QVERIFY2(html.contains(u"150,000.5 JPY * (moves as 150,000 JPY)"_s), qPrintable(html));
    QVERIFY2(!html.contains(u"150,001.75"_s), qPrintable(html));
    QVERIFY2(html.contains(u"finer than JPY allows"_s), qPrintable(html));
}

void TestModels::chargedAmountShownBesideTheOrderTotal()
{
    // A USD store showing yen: the card was charged the base grand total (docs/magento.md §8).
    QSqlDatabase writer = QSqlDatabase::database(kWriter, false);
    QSqlQuery q(writer);
    QVERIFY(q.exec(u"SELECT base_currency, base_grand_total FROM orders WHERE entity_id = 1"_s) && q.next());
    const QString baseCurrency = q.value(0).toString();
    const qint64 baseTotal = q.value(1).toLongLong();
    q.finish();
    QVERIFY(q.exec(u"UPDATE orders SET base_currency = 'USD', base_grand_total = 100000 WHERE entity_id = 1"_s));
    const auto restore = qScopeGuard([&] {
        QSqlQuery r(writer);
        r.prepare(u"UPDATE orders SET base_currency = ?, base_grand_total = ? WHERE entity_id = 1"_s);
        r.addBindValue(baseCurrency);
        r.addBindValue(baseTotal);
        r.exec();
    });
    OrdersModel orders(QSqlDatabase::database(kReader, false));
    orders.setFilterText(u"900000001"_s);
    QCOMPARE(orders.rowCount(), 1);
    QCOMPARE(orders.data(orders.index(0, OrdersModel::Total)).toString(), u"150,000 JPY / 1,000.00 USD"_s);
    QVERIFY(orders.data(orders.index(0, OrdersModel::Total), Qt::ToolTipRole).toString().contains(u"1,000.00 USD"_s));
    QCOMPARE(orders.data(orders.index(0, OrdersModel::Total), SqlPagedModel::SortRole).toLongLong(), 150000LL);

    const QString html = pb::ui::RecordDetails::orderHtml(QSqlDatabase::database(kReader, false), 1, u"#777777"_s);
    QVERIFY2(html.contains(u"1,000.00 USD (the order shows 150,000 JPY)"_s), qPrintable(html));
}

void TestModels::refreshKeepsLoadedRowsAndSeesNewData()
{
    OrdersModel model;
    // The tester fetches once on construction, so it is attached before there is anything to fetch.
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDatabase(QSqlDatabase::database(kReader, false));
    model.fetchMore(QModelIndex());
    model.fetchMore(QModelIndex());
    const int loaded = model.rowCount();
    QCOMPARE(loaded, 3 * SqlPagedModel::DefaultPageSize);
    const qint64 total = model.totalCount();

    OrderRow newest;
    newest.entityId = 3;
    newest.incrementId = u"900000003"_s;
    newest.grandTotal = 4200;
    newest.createdAt = kSpecialTime + 86'400'000;
    QSqlDatabase writer = QSqlDatabase::database(kWriter, false);
    QVERIFY(StoreFixture::insert(writer, newest));

    model.refresh();
    QCOMPARE(model.rowCount(), loaded);
    QCOMPARE(model.totalCount(), total + 1);
    QCOMPARE(model.data(model.index(0, OrdersModel::IncrementId)).toString(), u"900000003"_s);
    QVERIFY(model.canFetchMore(QModelIndex()));

    QSqlQuery remove(writer);
    QVERIFY(remove.exec(u"DELETE FROM orders WHERE entity_id = 3"_s));
}

void TestModels::emptyAndMissingStore()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"empty.sqlite"_s);
    QVERIFY(StoreFixture::create(path, u"tst_models.empty.w"_s));
    QVERIFY(pb::store::Database::openReader(path, u"tst_models.empty.r"_s).ok());
    {
        OrdersModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setDatabase(QSqlDatabase::database(u"tst_models.empty.r"_s, false));
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.totalCount(), qint64(0));
        QVERIFY(!model.canFetchMore(QModelIndex()));
        QVERIFY(model.lastError().isEmpty());
        model.setDatabase(QSqlDatabase()); // no store at all
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.totalCount(), qint64(-1));
        QVERIFY(!model.canFetchMore(QModelIndex()));
    }
    pb::store::Database::close(u"tst_models.empty.r"_s);
    pb::store::Database::close(u"tst_models.empty.w"_s);
}

void TestModels::queryErrorStopsFetching()
{
    {
        // An open connection without the schema: every query fails.
        QSqlDatabase bare = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"tst_models.bare"_s);
        bare.setDatabaseName(u":memory:"_s);
        QVERIFY(bare.open());
        TransactionsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy failed(&model, &SqlPagedModel::loadFailed);
        model.setDatabase(bare);
        QCOMPARE(failed.size(), 1);
        QVERIFY(failed.at(0).at(0).toString().contains(u"gateway_transactions"_s));
        QVERIFY(!model.lastError().isEmpty());
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.canFetchMore(QModelIndex()));
        model.setDatabase(QSqlDatabase());
    }
    QSqlDatabase::removeDatabase(u"tst_models.bare"_s);
}

void TestModels::typedFilters_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QVariantMap>("filter"); // TypedFilter::toMap()
    QTest::addColumn<QString>("referenceWhere");
    QTest::addColumn<QVariantList>("referenceValues");

    const qint64 day = 86'400'000;
    const qint64 from = kSpecialTime - 20 * day;
    const qint64 to = kSpecialTime - 10 * day;
    QTest::newRow("date range") << QString() << QVariantMap{{u"from"_s, from}, {u"to"_s, to}}
                                << u"created_at >= ? AND created_at < ?"_s << QVariantList{from, to};
    QTest::newRow("two statuses")
        << QString() << QVariantMap{{u"statuses"_s, QStringList{u"voided"_s, u"authorized"_s}}}
        << u"status IN ('voided', 'authorized')"_s << QVariantList{};
    QTest::newRow("currency") << QString() << QVariantMap{{u"currency"_s, u"EUR"_s}} << u"currency = 'EUR'"_s
                              << QVariantList{};
    QTest::newRow("amount range in USD")
        << QString() << QVariantMap{{u"currency"_s, u"USD"_s}, {u"min"_s, 10000}, {u"max"_s, 20050}}
        << u"currency = 'USD' AND amount BETWEEN 10000 AND 20050"_s << QVariantList{};
    QTest::newRow("everything and text")
        << u"visa"_s
        << QVariantMap{{u"currency"_s, u"USD"_s}, {u"min"_s, 5000}, {u"from"_s, from},
                       {u"statuses"_s, QStringList{u"settled"_s}}}
        << u"currency = 'USD' AND amount >= 5000 AND created_at >= ? AND status = 'settled'"
           " AND card_type = 'Visa'"_s
        << QVariantList{from};
    QTest::newRow("nothing") << QString() << QVariantMap{{u"currency"_s, u"USD"_s}, {u"min"_s, 5}, {u"max"_s, 4}}
                             << u"0"_s << QVariantList{};
}

void TestModels::typedFilters()
{
    QFETCH(QString, text);
    QFETCH(QVariantMap, filter);
    QFETCH(QString, referenceWhere);
    QFETCH(QVariantList, referenceValues);

    TransactionsModel model;
    model.setPageSize(97);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDatabase(QSqlDatabase::database(kReader, false));
    const SqlPagedModel::TypedFilter typed = SqlPagedModel::TypedFilter::fromMap(filter);
    QCOMPARE(typed.toMap(), filter);
    model.setFilters(text, typed);
    QVERIFY(model.isFiltered());
    fetchAll(model);
    const qint64 expected = scalar(u"SELECT COUNT(*) FROM gateway_transactions WHERE "_s + referenceWhere,
                                   referenceValues);
    QCOMPARE(model.matchingCount(), expected);
    QCOMPARE(model.rowCount(), int(expected));
    for (int r = 0; r < model.rowCount(); ++r) {
        if (!typed.currency.isEmpty())
            QCOMPARE(model.data(model.index(r, TransactionsModel::Currency)).toString(), typed.currency);
        if (typed.minMinor)
            QVERIFY(model.data(model.index(r, TransactionsModel::Amount), SqlPagedModel::SortRole).toLongLong()
                    >= *typed.minMinor);
    }
    model.setTypedFilter({});
    model.setFilterText(QString());
    QVERIFY(!model.isFiltered());
    QCOMPARE(model.matchingCount(), scalar(u"SELECT COUNT(*) FROM gateway_transactions"_s));
}

void TestModels::jumpToEndMatchesFullFetch_data()
{
    QTest::addColumn<int>("column");
    QTest::addColumn<Qt::SortOrder>("order");
    QTest::addColumn<QString>("filter");
    QTest::newRow("total asc (ties)") << int(OrdersModel::Total) << Qt::AscendingOrder << QString();
    QTest::newRow("customer desc, filtered (text ties)") << int(OrdersModel::Customer) << Qt::DescendingOrder
                                                         << u"smith"_s;
}

void TestModels::jumpToEndMatchesFullFetch()
{
    QFETCH(int, column);
    QFETCH(Qt::SortOrder, order);
    QFETCH(QString, filter);

    OrdersModel reference(QSqlDatabase::database(kReader, false));
    reference.sort(column, order);
    reference.setFilterText(filter);
    fetchAll(reference);

    OrdersModel model;
    model.setPageSize(97);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setDatabase(QSqlDatabase::database(kReader, false));
    model.sort(column, order);
    model.setFilterText(filter);
    model.jumpToEnd();
    QVERIFY(model.isAnchoredAtEnd());
    QVERIFY(!model.canFetchMore(QModelIndex()));
    QCOMPARE(model.rowCount(), 97);
    QCOMPARE(model.keyAt(96), reference.keyAt(reference.rowCount() - 1));
    QCOMPARE(model.keyAt(0), reference.keyAt(reference.rowCount() - 97));
    QCOMPARE(model.matchingCount(), qint64(reference.rowCount()));
    // Scrolling up brings the rest in, in order, without gaps or repeats.
    int guard = 0;
    while (model.canFetchBefore() && ++guard < 1000)
        QVERIFY(model.fetchBefore() > 0);
    QCOMPARE(model.rowCount(), reference.rowCount());
    for (int r = 0; r < model.rowCount(); ++r)
        QCOMPARE(model.keyAt(r), reference.keyAt(r));
    QCOMPARE(model.fetchBefore(), 0);

    model.jumpToEnd(); // reload at the end, then back to the top
    model.jumpToStart();
    QVERIFY(!model.isAnchoredAtEnd());
    QCOMPARE(model.keyAt(0), reference.keyAt(0));
    QVERIFY(model.canFetchMore(QModelIndex()));
}

void TestModels::backgroundCounts()
{
    OrdersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSynchronousCountLimit(100); // the store has 3000 orders: count on the worker
    QSignalSpy counts(&model, &SqlPagedModel::countsChanged);
    model.setDatabase(QSqlDatabase::database(kReader, false));
    QCOMPARE(model.rowCount(), SqlPagedModel::DefaultPageSize);
    QVERIFY(model.isCounting());
    QCOMPARE(model.totalCount(), qint64(-1));
    QCOMPARE(counts.size(), 1);
    QVERIFY(counts.wait(10000));
    QVERIFY(!model.isCounting());
    const qint64 total = scalar(u"SELECT COUNT(*) FROM orders"_s);
    QCOMPARE(model.totalCount(), total);
    QCOMPARE(model.matchingCount(), total);

    // A filter keeps the known total and counts only what matches.
    model.setFilterText(u"smith"_s);
    QCOMPARE(model.totalCount(), total);
    QVERIFY(model.rowCount() == SqlPagedModel::DefaultPageSize);
    QVERIFY(model.isCounting());
    QVERIFY(counts.wait(10000));
    QCOMPARE(model.matchingCount(),
             scalar(u"SELECT COUNT(*) FROM orders WHERE instr(lower(customer_name), 'smith') > 0"
                    " OR instr(customer_email, 'smith') > 0"_s));

    // A count superseded by a newer filter never lands: the last one wins.
    model.setFilterText(u"nguyen"_s);
    model.setFilterText(u"9000000"_s); // two rows: counted from the page, no worker
    QCOMPARE(model.matchingCount(), qint64(2));
    QVERIFY(!model.isCounting());
    QTest::qWait(300);
    QCOMPARE(model.matchingCount(), qint64(2));
}

void TestModels::csvQuoting()
{
    QCOMPARE(pb::ui::CsvExport::field(u"plain"_s), u"plain"_s);
    QCOMPARE(pb::ui::CsvExport::field(u"a,b"_s), u"\"a,b\""_s);
    QCOMPARE(pb::ui::CsvExport::field(u"say \"hi\""_s), u"\"say \"\"hi\"\"\""_s);
    QCOMPARE(pb::ui::CsvExport::field(u"two\nlines"_s), u"\"two\nlines\""_s);
    QCOMPARE(pb::ui::CsvExport::line({u"1"_s, QString(), u"x,y"_s}), u"1,,\"x,y\"\r\n"_s);
}

void TestModels::csvExportWritesTheView()
{
    // A name that needs quoting, beside the known KWD order.
    QSqlDatabase writer = QSqlDatabase::database(kWriter, false);
    OrderRow quoted;
    quoted.entityId = 4;
    quoted.incrementId = u"900000004"_s;
    quoted.currency = u"USD"_s;
    quoted.grandTotal = 123405;
    quoted.customerName = u"O\"Neil, Pat"_s;
    quoted.createdAt = kSpecialTime - 1000;
    QVERIFY(StoreFixture::insert(writer, quoted));

    OrdersModel model(QSqlDatabase::database(kReader, false));
    model.setFilterText(u"9000000"_s);
    model.sort(OrdersModel::IncrementId, Qt::AscendingOrder);
    QTemporaryDir dir;
    const QString path = dir.filePath(u"orders.csv"_s);
    pb::ui::CsvExport exporter;
    exporter.setSliceRows(1); // one row per slice: the cursor crosses every boundary
    QSignalSpy finished(&exporter, &pb::ui::CsvExport::finished);
    QSignalSpy progress(&exporter, &pb::ui::CsvExport::progress);
    QVERIFY(exporter.start(&model, {OrdersModel::IncrementId, OrdersModel::Customer, OrdersModel::Total,
                                    OrdersModel::Currency, OrdersModel::Created},
                           {u"Order"_s, u"Customer"_s, u"Total"_s, u"Currency"_s, u"Created"_s}, path));
    QVERIFY(!QFile::exists(path)); // nothing visible until complete
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.at(0).at(0).toBool(), true);
    QVERIFY(progress.size() >= 3);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString csv = QString::fromUtf8(file.readAll());
    QCOMPARE(csv,
             u"Order,Customer,Total,Currency,Created\r\n"
             "900000001,Hana Sato,150000,JPY,2024-03-14T16:30:00Z\r\n"
             "900000002,Ann 100%_Off,1234.567,KWD,2024-03-14T16:30:00Z\r\n"
             "900000004,\"O\"\"Neil, Pat\",1234.05,USD,2024-03-14T16:29:59Z\r\n"_s);
    QSqlQuery remove(writer);
    QVERIFY(remove.exec(u"DELETE FROM orders WHERE entity_id = 4"_s));
}

void TestModels::csvExportCancelLeavesNoFile()
{
    OrdersModel model(QSqlDatabase::database(kReader, false));
    QTemporaryDir dir;
    const QString path = dir.filePath(u"all.csv"_s);
    pb::ui::CsvExport exporter;
    exporter.setSliceRows(100);
    QSignalSpy finished(&exporter, &pb::ui::CsvExport::finished);
    connect(&exporter, &pb::ui::CsvExport::progress, &exporter, [&](qint64 written) {
        if (written >= 500)
            exporter.cancel();
    });
    QVERIFY(exporter.start(&model, {OrdersModel::IncrementId}, {u"Order"_s}, path));
    QVERIFY(finished.wait(10000));
    QCOMPARE(finished.at(0).at(0).toBool(), false);
    QCOMPARE(finished.at(0).at(1).toString(), QString()); // cancelled, not failed
    QVERIFY(!QFile::exists(path));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList());

    // An unwritable path fails at once.
    QVERIFY(!exporter.start(&model, {0}, {u"x"_s}, dir.filePath(u"missing/dir/x.csv"_s)));
    QVERIFY(!exporter.errorString().isEmpty());
}

void TestModels::savedViewsRoundTrip()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"views.ini"_s), QSettings::IniFormat);
    const pb::ui::SavedViews views(u"ordersPage"_s);
    QCOMPARE(views.names(settings), QStringList());
    pb::ui::SavedView v;
    v.name = u"Big USD/EUR, last week"_s; // slashes and commas are fine in a name
    v.text = u"smith"_s;
    v.filter.currency = u"USD"_s;
    v.filter.minMinor = 100000;
    v.filter.statuses = {u"complete"_s, u"closed"_s};
    v.filter.fromMs = kSpecialTime - 7 * 86'400'000LL;
    v.sortColumn = OrdersModel::Total;
    v.sortOrder = Qt::DescendingOrder;
    v.headerState = QByteArray("\x00\x01header", 9);
    views.save(settings, v);
    pb::ui::SavedView w;
    w.name = u"Refunds"_s;
    w.filter.statuses = {u"closed"_s};
    views.save(settings, w);
    settings.sync();

    QSettings reread(dir.filePath(u"views.ini"_s), QSettings::IniFormat);
    QCOMPARE(views.names(reread), (QStringList{v.name, w.name}));
    const auto loaded = views.load(reread, v.name);
    QVERIFY(loaded.has_value());
    QCOMPARE(loaded->text, v.text);
    QVERIFY(loaded->filter == v.filter);
    QCOMPARE(loaded->sortColumn, v.sortColumn);
    QCOMPARE(loaded->sortOrder, v.sortOrder);
    QCOMPARE(loaded->headerState, v.headerState);
    QVERIFY(!views.load(reread, u"nope"_s).has_value());
    // Saving under an existing name replaces it.
    w.text = u"again"_s;
    views.save(reread, w);
    QCOMPARE(views.names(reread).size(), 2);
    QCOMPARE(views.load(reread, w.name)->text, u"again"_s);
    QVERIFY(views.remove(reread, v.name));
    QVERIFY(!views.remove(reread, v.name));
    QCOMPARE(views.names(reread), QStringList{w.name});
    // Another page's views are separate.
    QCOMPARE(pb::ui::SavedViews(u"transactionsPage"_s).names(reread), QStringList());
}

QTEST_GUILESS_MAIN(TestModels)
#include "tst_models.moc"
