#include "store/auditlog.h"
#include "store/cursorrepository.h"
#include "store/database.h"
#include "store/linkrepository.h"
#include "store/orderrepository.h"
#include "store/sqlsupport.h"
#include "store/syncrunrepository.h"
#include "store/transactionrepository.h"

#include "testsupport.h"

#include <QScopeGuard>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <thread>

using namespace Qt::StringLiterals;
using namespace pb;
using namespace pb::store;

using Txn = GatewayTransaction;

namespace {

const QString kConnection = u"tst_writer"_s;

Currency cur(const char *code)
{
    return *Currency::fromCode(QString::fromLatin1(code));
}

Money usd(qint64 minor)
{
    return Money::fromMinor(minor, cur("USD"));
}

QDateTime utc(const char *iso)
{
    QDateTime t = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs);
    t.setTimeSpec(Qt::UTC);
    return t;
}

OrderRecord order(qint64 entityId, const QString &incrementId, const Currency &currency = cur("USD"))
{
    OrderRecord o;
    o.entityId = entityId;
    o.incrementId = incrementId;
    o.state = u"processing"_s;
    o.status = u"processing"_s;
    o.currency = currency;
    o.grandTotal = Money::fromMinor(11000, currency);
    o.totalPaid = Money::fromMinor(11000, currency);
    o.totalInvoiced = Money::fromMinor(11000, currency);
    o.totalRefunded = Money::zero(currency);
    o.totalDue = Money::zero(currency);
    o.baseCurrency = currency;
    o.baseGrandTotal = Money::fromMinor(11000, currency);
    o.paymentMethod = u"paytrace"_s;
    o.createdAt = utc("2024-03-01T10:00:00.123");
    o.updatedAt = utc("2024-03-01T10:05:00.000");
    return o;
}

Txn txn(const QString &id, const QString &invoiceId, Txn::Type type, Txn::Status status, Money amount)
{
    Txn t;
    t.transactionId = id;
    t.type = type;
    t.typeText = Txn::typeName(type).toUpper();
    t.status = status;
    t.statusCode = status == Txn::Status::Settled ? u"GB571"_s : u"Y"_s;
    t.amount = amount;
    t.invoiceId = invoiceId;
    t.cardType = u"Visa"_s;
    t.cardLast4 = u"1111"_s;
    t.createdAt = utc("2024-03-01T18:06:30.000");
    t.createdAtText = u"3/1/2024 10:06:30 AM"_s;
    return t;
}

QString describe(const Error &e)
{
    return e.code + u" "_s + e.toString();
}

} // namespace

class TestStoreRepositories : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void orderRoundTrip_data();
    void orderRoundTrip();
    void orderReupsertUpdatesAndKeepsSummary();
    void orderBatchIsAllOrNothing();
    void findMissing();
    void transactionRoundTrip_data();
    void transactionRoundTrip();
    void transactionReupsertUpdates();
    void unknownCurrencyInStoreIsAnError();
    void upsertJoinsCallersTransaction();
    void scopeOnIdleConnectionOutlastsOtherWriter();
    void nestedScopeRollsBackItsPartOnly();
    void linkByInvoiceId();
    void paymentSummary_data();
    void paymentSummary();
    void summaryFollowsTransactionUpdates();
    void cursors();
    void auditAppend();
    void syncRuns();
    void typeAndStatusNames_data();
    void typeAndStatusNames();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

void TestStoreRepositories::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto opened = Database::openWriter(m_dir->filePath(u"store.sqlite"_s), kConnection);
    QVERIFY2(opened.ok(), qPrintable(opened.ok() ? QString() : describe(opened.error())));
    m_db = opened.value();
}

void TestStoreRepositories::cleanup()
{
    m_db = QSqlDatabase();
    Database::close(kConnection);
    m_dir.reset();
}

void TestStoreRepositories::orderRoundTrip_data()
{
    QTest::addColumn<OrderRecord>("record");

    OrderRecord full = order(1001, u"100000123"_s);
    full.lastTransId = u"200000321"_s;
    full.cardLast4 = u"5454"_s;
    full.cardType = u"MC"_s;
    full.customerEmail = u"ana@example.com"_s;
    full.customerName = u"Ana Lima"_s;
    full.customerId = 42;
    full.totalRefunded = usd(-1); // odd but exact: negative amounts survive
    QTest::newRow("registered customer, all fields") << full;

    OrderRecord guest = order(1002, u"100000124"_s, cur("JPY"));
    guest.grandTotal = Money::fromMinor(1500, cur("JPY"));
    guest.customerIsGuest = true;
    guest.customerId = std::nullopt;
    QTest::newRow("guest, JPY, optional fields empty") << guest;

    OrderRecord kwd = order(1003, u"KW-1"_s, cur("KWD"));
    kwd.grandTotal = Money::fromMinor(12345, cur("KWD"));
    kwd.baseCurrency = cur("USD");
    kwd.baseGrandTotal = usd(4012);
    kwd.customerId = 0;
    QTest::newRow("KWD with USD base, customer id 0") << kwd;

    OrderRecord noBase = order(1004, u"100000125"_s);
    noBase.baseCurrency = Currency();
    noBase.baseGrandTotal = Money();
    noBase.grandTotal = usd(std::numeric_limits<qint64>::max());
    QTest::newRow("no base currency, int64 max total") << noBase;
}

void TestStoreRepositories::orderRoundTrip()
{
    QFETCH(OrderRecord, record);
    OrderRepository orders(m_db);
    const Status s = orders.upsert({record}, utc("2024-03-02T00:00:00.000"));
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : describe(s.error())));

    for (const auto &found : {orders.find(record.entityId), orders.findByIncrementId(record.incrementId)}) {
        QVERIFY2(found.ok(), qPrintable(found.ok() ? QString() : describe(found.error())));
        QVERIFY(found->has_value());
        const OrderRecord &o = **found;
        QCOMPARE(o.entityId, record.entityId);
        QCOMPARE(o.incrementId, record.incrementId);
        QCOMPARE(o.state, record.state);
        QCOMPARE(o.status, record.status);
        QCOMPARE(o.currency, record.currency);
        QCOMPARE(o.grandTotal, record.grandTotal);
        QCOMPARE(o.totalPaid, record.totalPaid);
        QCOMPARE(o.totalInvoiced, record.totalInvoiced);
        QCOMPARE(o.totalRefunded, record.totalRefunded);
        QCOMPARE(o.totalDue, record.totalDue);
        QCOMPARE(o.baseCurrency, record.baseCurrency);
        QCOMPARE(o.baseGrandTotal, record.baseGrandTotal);
        QCOMPARE(o.paymentMethod, record.paymentMethod);
        QCOMPARE(o.lastTransId, record.lastTransId);
        QCOMPARE(o.cardLast4, record.cardLast4);
        QCOMPARE(o.cardType, record.cardType);
        QCOMPARE(o.customerEmail, record.customerEmail);
        QCOMPARE(o.customerName, record.customerName);
        QCOMPARE(o.customerId, record.customerId);
        QCOMPARE(o.customerIsGuest, record.customerIsGuest);
        QCOMPARE(o.createdAt, record.createdAt);
        QCOMPARE(o.createdAt.timeSpec(), Qt::UTC);
        QCOMPARE(o.createdAt.toMSecsSinceEpoch(), record.createdAt.toMSecsSinceEpoch());
        QCOMPARE(o.updatedAt, record.updatedAt);
    }
    QCOMPARE(*orders.count(), qint64(1));
}

void TestStoreRepositories::orderReupsertUpdatesAndKeepsSummary()
{
    OrderRepository orders(m_db);
    TransactionRepository txns(m_db);
    OrderRecord o = order(1, u"100000001"_s);
    QVERIFY(orders.upsert({o}, utc("2024-03-02T00:00:00.000")).ok());
    QVERIFY(txns.upsert({txn(u"T1"_s, u"100000001"_s, Txn::Type::Sale, Txn::Status::Settled, usd(11000))},
                        utc("2024-03-02T00:00:00.000"))
                .ok());
    QCOMPARE(*LinkRepository(m_db).linkByInvoiceId(utc("2024-03-02T00:01:00.000")), 1);

    o.status = u"complete"_s;
    o.state = u"complete"_s;
    o.totalRefunded = usd(500);
    o.customerId = 7;
    o.updatedAt = utc("2024-03-03T09:00:00.000");
    QVERIFY(orders.upsert({o}, utc("2024-03-03T09:01:00.000")).ok());

    QCOMPARE(*orders.count(), qint64(1));
    const auto found = orders.find(1);
    QVERIFY(found.ok() && found->has_value());
    QCOMPARE((*found)->status, u"complete"_s);
    QCOMPARE((*found)->totalRefunded, usd(500));
    QCOMPARE((*found)->customerId, std::optional<qint64>(7));
    QCOMPARE((*found)->updatedAt, o.updatedAt);
    // The order upsert does not know about payments and must not reset them.
    const auto summary = orders.paymentSummary(1);
    QVERIFY(summary.ok() && summary->has_value());
    QCOMPARE((*summary)->status, u"settled"_s);
    QCOMPARE((*summary)->captured, usd(11000));
    QCOMPARE((*summary)->transactionCount, 1);
}

void TestStoreRepositories::orderBatchIsAllOrNothing()
{
    OrderRepository orders(m_db);
    OrderRecord bad = order(3, u"100000003"_s);
    bad.totalPaid = Money::fromMinor(100, cur("EUR"));
    const Status s = orders.upsert({order(1, u"100000001"_s), order(2, u"100000002"_s), bad},
                                   utc("2024-03-02T00:00:00.000"));
    QVERIFY(!s.ok());
    QCOMPARE(s.error().code, u"store.invalid_record"_s);
    QVERIFY2(s.error().field.contains(u"100000003"_s), qPrintable(s.error().toString()));
    QVERIFY2(s.error().message.contains(u"EUR"_s), qPrintable(s.error().toString()));
    QCOMPARE(*orders.count(), qint64(0));

    // A constraint failure in SQLite (duplicate increment id) also rolls the batch back.
    const Status dup = orders.upsert({order(1, u"100000001"_s), order(2, u"100000001"_s)},
                                     utc("2024-03-02T00:00:00.000"));
    QVERIFY(!dup.ok());
    QCOMPARE(dup.error().code, u"store.sql"_s);
    QVERIFY2(dup.error().message.contains(u"order 2"_s), qPrintable(dup.error().toString()));
    QCOMPARE(*orders.count(), qint64(0));
    // And the connection is usable afterwards.
    QVERIFY(orders.upsert({order(1, u"100000001"_s)}, utc("2024-03-02T00:00:00.000")).ok());
    QCOMPARE(*orders.count(), qint64(1));
}

void TestStoreRepositories::findMissing()
{
    const auto o = OrderRepository(m_db).find(404);
    QVERIFY(o.ok());
    QVERIFY(!o->has_value());
    QVERIFY(!OrderRepository(m_db).findByIncrementId(u"nope"_s)->has_value());
    QVERIFY(!OrderRepository(m_db).paymentSummary(404)->has_value());
    const auto t = TransactionRepository(m_db).find(u"404"_s);
    QVERIFY(t.ok());
    QVERIFY(!t->has_value());
}

void TestStoreRepositories::transactionRoundTrip_data()
{
    QTest::addColumn<Txn>("record");

    Txn settled = txn(u"200000001"_s, u"100000123"_s, Txn::Type::Sale, Txn::Status::Settled, usd(5188));
    settled.batch = u"571"_s;
    settled.statusMessage = u"Settled"_s;
    settled.customerId = u"cust-7"_s;
    settled.approvalCode = u"TAS610"_s;
    settled.approvalMessage = u"  NO  MATCH - Approved and completed"_s;
    settled.avsResponse = u"No Match"_s;
    settled.cscResponse = u"Match"_s;
    settled.description = u"Order #100000123"_s;
    settled.settledAt = utc("2024-03-02T04:13:45.000");
    settled.settledAtText = u"3/1/2024 8:13:45 PM"_s;
    QTest::newRow("settled sale, every field") << settled;

    Txn open = txn(u"200000002"_s, QString(), Txn::Type::Authorization, Txn::Status::AuthorizedOnly, usd(1));
    open.statusCode = u"N"_s;
    open.statusMessage = u"Authorization Only"_s;
    QTest::newRow("open auth, no invoice, unsettled") << open;

    QTest::newRow("JPY refund") << txn(u"200000003"_s, u"X"_s, Txn::Type::Refund, Txn::Status::PendingSettlement,
                                       Money::fromMinor(1500, cur("JPY")));
    Txn unknown = txn(u"200000004"_s, u"Y"_s, Txn::Type::Unknown, Txn::Status::Unknown, usd(0));
    unknown.typeText = u"STR/FWD"_s;
    QTest::newRow("unknown type and status") << unknown;
}

void TestStoreRepositories::transactionRoundTrip()
{
    QFETCH(Txn, record);
    TransactionRepository txns(m_db);
    const Status s = txns.upsert({record}, utc("2024-03-02T00:00:00.000"));
    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : describe(s.error())));

    const auto found = txns.find(record.transactionId);
    QVERIFY2(found.ok(), qPrintable(found.ok() ? QString() : describe(found.error())));
    QVERIFY(found->has_value());
    const Txn &t = **found;
    QCOMPARE(t.transactionId, record.transactionId);
    QCOMPARE(t.type, record.type);
    QCOMPARE(t.typeText, record.typeText);
    QCOMPARE(t.status, record.status);
    QCOMPARE(t.statusCode, record.statusCode);
    QCOMPARE(t.statusMessage, record.statusMessage);
    QCOMPARE(t.amount, record.amount);
    QCOMPARE(t.batch, record.batch);
    QCOMPARE(t.invoiceId, record.invoiceId);
    QCOMPARE(t.customerId, record.customerId);
    QCOMPARE(t.cardType, record.cardType);
    QCOMPARE(t.cardLast4, record.cardLast4);
    QCOMPARE(t.approvalCode, record.approvalCode);
    QCOMPARE(t.approvalMessage, record.approvalMessage);
    QCOMPARE(t.avsResponse, record.avsResponse);
    QCOMPARE(t.cscResponse, record.cscResponse);
    QCOMPARE(t.description, record.description);
    QCOMPARE(t.createdAt, record.createdAt);
    QCOMPARE(t.createdAtText, record.createdAtText);
    QCOMPARE(t.settledAt.isValid(), record.settledAt.isValid());
    QCOMPARE(t.settledAt, record.settledAt);
    QCOMPARE(t.settledAtText, record.settledAtText);
    QCOMPARE(*txns.count(), qint64(1));
}

void TestStoreRepositories::transactionReupsertUpdates()
{
    TransactionRepository txns(m_db);
    Txn t = txn(u"T1"_s, u"100000001"_s, Txn::Type::Sale, Txn::Status::PendingSettlement, usd(999));
    QVERIFY(txns.upsert({t}, utc("2024-03-01T20:00:00.000")).ok());
    t.status = Txn::Status::Settled;
    t.statusCode = u"GB12"_s;
    t.batch = u"12"_s;
    t.settledAt = utc("2024-03-02T04:00:00.000");
    QVERIFY(txns.upsert({t, txn(u"T2"_s, QString(), Txn::Type::Sale, Txn::Status::Declined, usd(1))},
                        utc("2024-03-02T05:00:00.000"))
                .ok());
    QCOMPARE(*txns.count(), qint64(2));
    const auto found = txns.find(u"T1"_s);
    QVERIFY(found.ok() && found->has_value());
    QCOMPARE((*found)->status, Txn::Status::Settled);
    QCOMPARE((*found)->batch, u"12"_s);
    QCOMPARE((*found)->settledAt, t.settledAt);

    Txn noCurrency = txn(u"T3"_s, QString(), Txn::Type::Sale, Txn::Status::Approved, Money());
    const Status bad = txns.upsert({noCurrency}, utc("2024-03-02T05:00:00.000"));
    QVERIFY(!bad.ok());
    QVERIFY(bad.error().field.contains(u"T3"_s));
}

void TestStoreRepositories::unknownCurrencyInStoreIsAnError()
{
    QVERIFY(OrderRepository(m_db).upsert({order(1, u"100000001"_s)}, utc("2024-03-02T00:00:00.000")).ok());
    QVERIFY(TransactionRepository(m_db)
                .upsert({txn(u"T1"_s, QString(), Txn::Type::Sale, Txn::Status::Approved, usd(1))},
                        utc("2024-03-02T00:00:00.000"))
                .ok());
    QSqlQuery q(m_db);
    QVERIFY(q.exec(u"UPDATE orders SET currency = 'XQQ', base_currency = 'XQQ'"_s));
    QVERIFY(q.exec(u"UPDATE gateway_transactions SET currency = ''"_s));

    const auto o = OrderRepository(m_db).find(1);
    QVERIFY(!o.ok());
    QCOMPARE(o.error().code, u"store.currency"_s);
    QVERIFY(o.error().message.contains(u"XQQ"_s));
    QVERIFY(o.error().field.contains(u"100000001"_s));
    QVERIFY(!OrderRepository(m_db).paymentSummary(1).ok());
    const auto t = TransactionRepository(m_db).find(u"T1"_s);
    QVERIFY(!t.ok());
    QCOMPARE(t.error().code, u"store.currency"_s);
}

void TestStoreRepositories::upsertJoinsCallersTransaction()
{
    // A caller may group an upsert with other writes; rolling back undoes the upsert too.
    QVERIFY(m_db.transaction());
    QVERIFY(OrderRepository(m_db).upsert({order(1, u"100000001"_s)}, utc("2024-03-02T00:00:00.000")).ok());
    QVERIFY(CursorRepository(m_db).set(u"magento.orders"_s, u"2024-03-02"_s).ok());
    QCOMPARE(*OrderRepository(m_db).count(), qint64(1));
    QVERIFY(m_db.rollback());
    QCOMPARE(*OrderRepository(m_db).count(), qint64(0));
    QVERIFY(!CursorRepository(m_db).get(u"magento.orders"_s)->has_value());
}

void TestStoreRepositories::scopeOnIdleConnectionOutlastsOtherWriter()
{
    // Two writer connections on one file, each on its own thread (the sync thread and another
    // writer). A scope that reads first and writes later must get its write in even when the
    // other connection writes meanwhile: the other waits for it, never the reverse. A deferred
    // transaction would read an old snapshot and then fail at once with "database is locked".
    const QString path = m_dir->filePath(u"store.sqlite"_s);
    std::atomic<int> other{0}; // 1 opened, 2 asked to write, 3 write done, -1 failed
    QString otherError;
    std::thread writer([&]() {
        const QString name = u"tst_other_writer"_s;
        {
            auto opened = Database::openWriter(path, name);
            if (!opened.ok()) {
                otherError = describe(opened.error());
                other = -1;
                return;
            }
            QSqlDatabase db = opened.value();
            other = 1;
            while (other.load() != 2)
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            const Status s = CursorRepository(db).set(u"other"_s, u"theirs"_s);
            if (!s)
                otherError = describe(s.error());
            other = s ? 3 : -1;
        }
        Database::close(name);
    });
    auto joinWriter = qScopeGuard([&]() {
        other = other.load() == 1 ? 2 : other.load(); // never leave the thread waiting
        writer.join();
    });
    QTRY_VERIFY2(other.load() != 0, "the second connection did not open");
    QVERIFY2(other.load() == 1, qPrintable(otherError));

    {
        detail::Savepoint scope(m_db, "tst_scope"_L1);
        QVERIFY(scope.begin().ok());
        const auto before = CursorRepository(m_db).get(u"other"_s);
        QVERIFY(before.ok());
        QVERIFY(!before->has_value());

        other = 2;
        // Give the other connection time to write (it may not: it has to wait for this scope).
        QTest::qWait(500);

        const Status mine = CursorRepository(m_db).set(u"mine"_s, u"ours"_s);
        QVERIFY2(mine.ok(), qPrintable(mine.ok() ? QString() : describe(mine.error())));
        const Status committed = scope.release();
        QVERIFY2(committed.ok(), qPrintable(committed.ok() ? QString() : describe(committed.error())));
    }

    QTRY_VERIFY_WITH_TIMEOUT(other.load() == 3 || other.load() == -1, 10000);
    QVERIFY2(other.load() == 3, qPrintable(otherError));
    QCOMPARE(CursorRepository(m_db).get(u"mine"_s)->value_or(QString()), u"ours"_s);
    QCOMPARE(CursorRepository(m_db).get(u"other"_s)->value_or(QString()), u"theirs"_s);
}

void TestStoreRepositories::nestedScopeRollsBackItsPartOnly()
{
    // Inside an open transaction the scope is a savepoint: its rollback keeps the caller's work,
    // and the caller still decides about the whole.
    detail::Savepoint outer(m_db, "tst_outer"_L1);
    QVERIFY(outer.begin().ok());
    QVERIFY(CursorRepository(m_db).set(u"outer"_s, u"1"_s).ok());
    {
        detail::Savepoint inner(m_db, "tst_inner"_L1);
        QVERIFY(inner.begin().ok());
        QVERIFY(CursorRepository(m_db).set(u"inner"_s, u"1"_s).ok());
    } // not released: rolled back
    {
        detail::Savepoint kept(m_db, "tst_kept"_L1);
        QVERIFY(kept.begin().ok());
        QVERIFY(CursorRepository(m_db).set(u"kept"_s, u"1"_s).ok());
        QVERIFY(kept.release().ok());
    }
    QVERIFY(outer.release().ok());
    QVERIFY(CursorRepository(m_db).get(u"outer"_s)->has_value());
    QVERIFY(!CursorRepository(m_db).get(u"inner"_s)->has_value());
    QVERIFY(CursorRepository(m_db).get(u"kept"_s)->has_value());

    // A scope that is not released undoes everything it began with BEGIN IMMEDIATE.
    {
        detail::Savepoint dropped(m_db, "tst_dropped"_L1);
        QVERIFY(dropped.begin().ok());
        QVERIFY(CursorRepository(m_db).set(u"dropped"_s, u"1"_s).ok());
    }
    QVERIFY(!CursorRepository(m_db).get(u"dropped"_s)->has_value());
    // The connection is idle again: a new scope can begin its own transaction.
    detail::Savepoint again(m_db, "tst_again"_L1);
    QVERIFY(again.begin().ok());
    QVERIFY(again.release().ok());
}

void TestStoreRepositories::linkByInvoiceId()
{
    OrderRepository orders(m_db);
    TransactionRepository txns(m_db);
    LinkRepository links(m_db);
    const QDateTime synced = utc("2024-03-02T00:00:00.000");
    QVERIFY(orders.upsert({order(1, u"100000001"_s), order(2, u"100000002"_s), order(3, u"100000003"_s)},
                          synced)
                .ok());
    QVERIFY(txns.upsert({txn(u"T1"_s, u"100000001"_s, Txn::Type::Sale, Txn::Status::Approved, usd(100)),
                         txn(u"T2"_s, u"100000002"_s, Txn::Type::Sale, Txn::Status::Approved, usd(200)),
                         txn(u"T2b"_s, u"100000002"_s, Txn::Type::Refund, Txn::Status::Approved, usd(50)),
                         txn(u"T3"_s, u"999"_s, Txn::Type::Sale, Txn::Status::Approved, usd(300)),
                         txn(u"T4"_s, QString(), Txn::Type::Sale, Txn::Status::Approved, usd(400)),
                         // Matching is exact: no trimming, no case folding, no prefix match.
                         txn(u"T5"_s, u" 100000003"_s, Txn::Type::Sale, Txn::Status::Approved, usd(500)),
                         txn(u"T6"_s, u"10000000"_s, Txn::Type::Sale, Txn::Status::Approved, usd(600))},
                        synced)
                .ok());

    const QDateTime now = utc("2024-03-02T00:10:00.000");
    const auto first = links.linkByInvoiceId(now);
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : describe(first.error())));
    QCOMPARE(*first, 3);
    QCOMPARE(*links.orderForTransaction(u"T1"_s), std::optional<qint64>(1));
    QCOMPARE(*links.orderForTransaction(u"T2b"_s), std::optional<qint64>(2));
    for (const QString &id : {u"T3"_s, u"T4"_s, u"T5"_s, u"T6"_s})
        QVERIFY2(!links.orderForTransaction(id)->has_value(), qPrintable(id));
    QCOMPARE(*links.transactionIdsForOrder(2), (QStringList{u"T2"_s, u"T2b"_s}));

    auto counts = links.counts();
    QVERIFY(counts.ok());
    QCOMPARE(counts->linked, qint64(3));
    QCOMPARE(counts->unlinkedTransactions, qint64(4));
    QCOMPARE(counts->ordersWithoutPayment, qint64(1));

    // Idempotent: nothing new, nothing changed.
    QCOMPARE(*links.linkByInvoiceId(utc("2024-03-02T00:20:00.000")), 0);
    QCOMPARE(links.counts()->linked, qint64(3));
    QSqlQuery q(m_db);
    QVERIFY(q.exec(u"SELECT DISTINCT linked_at, rule FROM order_transaction_links"_s));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toLongLong(), now.toMSecsSinceEpoch());
    QCOMPARE(q.value(1).toString(), u"key:invoice_id=increment_id"_s);
    QVERIFY(!q.next());
    q.finish();

    // An order arriving later picks up its waiting transaction.
    QVERIFY(orders.upsert({order(9, u"999"_s)}, synced).ok());
    QCOMPARE(*links.linkByInvoiceId(utc("2024-03-02T00:30:00.000")), 1);
    QCOMPARE(*links.orderForTransaction(u"T3"_s), std::optional<qint64>(9));
    counts = links.counts();
    QCOMPARE(counts->linked, qint64(4));
    QCOMPARE(counts->unlinkedTransactions, qint64(3));
    QCOMPARE(counts->ordersWithoutPayment, qint64(1));

    const auto summary = orders.paymentSummary(2);
    QVERIFY(summary.ok() && summary->has_value());
    QCOMPARE((*summary)->transactionCount, 2);
    QCOMPARE((*summary)->captured, usd(200));
    QCOMPARE((*summary)->refunded, usd(50));
    QCOMPARE((*summary)->status, u"partially_refunded"_s);
    QCOMPARE(orders.paymentSummary(3)->value().status, u"unpaid"_s);
}

void TestStoreRepositories::paymentSummary_data()
{
    // Transactions as "type:status:minor[:currency]" separated by spaces.
    QTest::addColumn<QString>("transactions");
    QTest::addColumn<qint64>("authorized");
    QTest::addColumn<qint64>("captured");
    QTest::addColumn<qint64>("refunded");
    QTest::addColumn<qint64>("voided");
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("status");

    QTest::newRow("sale pending") << u"sale:pending_settlement:11000"_s
                                  << 11000LL << 11000LL << 0LL << 0LL << 1 << u"captured"_s;
    QTest::newRow("sale approved") << u"sale:approved:11000"_s
                                   << 11000LL << 11000LL << 0LL << 0LL << 1 << u"captured"_s;
    QTest::newRow("sale settled") << u"sale:settled:11000"_s
                                  << 11000LL << 11000LL << 0LL << 0LL << 1 << u"settled"_s;
    QTest::newRow("open auth") << u"authorization:authorized:5000"_s
                               << 5000LL << 0LL << 0LL << 0LL << 1 << u"authorized"_s;
    QTest::newRow("auth captured in place") << u"authorization:pending_settlement:5000"_s
                                            << 5000LL << 5000LL << 0LL << 0LL << 1 << u"captured"_s;
    QTest::newRow("auth + capture record") << u"authorization:authorized:5000 capture:pending_settlement:4000"_s
                                           << 5000LL << 4000LL << 0LL << 0LL << 2 << u"captured"_s;
    QTest::newRow("auth + capture, settled") << u"authorization:authorized:5000 capture:settled:5000"_s
                                             << 5000LL << 5000LL << 0LL << 0LL << 2 << u"settled"_s;
    QTest::newRow("partial refund") << u"sale:settled:11000 refund:pending_settlement:4000"_s
                                    << 11000LL << 11000LL << 4000LL << 0LL << 2 << u"partially_refunded"_s;
    QTest::newRow("full refund in two") << u"sale:settled:11000 refund:settled:4000 refund:approved:7000"_s
                                        << 11000LL << 11000LL << 11000LL << 0LL << 3 << u"refunded"_s;
    QTest::newRow("declined refund ignored") << u"sale:settled:11000 refund:declined:11000"_s
                                             << 11000LL << 11000LL << 0LL << 0LL << 2 << u"settled"_s;
    QTest::newRow("voided auth") << u"authorization:voided:5000"_s
                                 << 5000LL << 0LL << 0LL << 5000LL << 1 << u"voided"_s;
    QTest::newRow("voided sale") << u"sale:voided:11000"_s
                                 << 11000LL << 0LL << 0LL << 11000LL << 1 << u"voided"_s;
    QTest::newRow("auth + void record") << u"authorization:authorized:5000 void:approved:5000"_s
                                        << 5000LL << 0LL << 0LL << 5000LL << 2 << u"voided"_s;
    QTest::newRow("declined only") << u"sale:declined:11000 sale:declined:11000"_s
                                   << 0LL << 0LL << 0LL << 0LL << 2 << u"declined"_s;
    QTest::newRow("declined then approved") << u"sale:declined:11000 sale:pending_settlement:11000"_s
                                            << 11000LL << 11000LL << 0LL << 0LL << 2 << u"captured"_s;
    QTest::newRow("other currency not summed") << u"sale:settled:11000:EUR"_s
                                               << 0LL << 0LL << 0LL << 0LL << 1 << u"unpaid"_s;
    QTest::newRow("unknown status") << u"sale:unknown:11000"_s
                                    << 0LL << 0LL << 0LL << 0LL << 1 << u"unpaid"_s;
}

void TestStoreRepositories::paymentSummary()
{
    QFETCH(QString, transactions);
    QFETCH(qint64, authorized);
    QFETCH(qint64, captured);
    QFETCH(qint64, refunded);
    QFETCH(qint64, voided);
    QFETCH(int, count);
    QFETCH(QString, status);

    QVERIFY(OrderRepository(m_db).upsert({order(1, u"100000001"_s)}, utc("2024-03-02T00:00:00.000")).ok());
    QList<Txn> list;
    const QStringList specs = transactions.split(u' ');
    for (qsizetype i = 0; i < specs.size(); ++i) {
        const QStringList parts = specs[i].split(u':');
        const Currency c = parts.size() > 3 ? cur(qPrintable(parts[3])) : cur("USD");
        list.append(txn(u"T"_s + QString::number(i), u"100000001"_s, Txn::typeFromName(parts[0]),
                        Txn::statusFromName(parts[1]), Money::fromMinor(parts[2].toLongLong(), c)));
        QVERIFY2(list.last().type != Txn::Type::Unknown, qPrintable(parts[0]));
        QVERIFY2(list.last().status != Txn::Status::Unknown || parts[1] == u"unknown"_s, qPrintable(parts[1]));
    }
    QVERIFY(TransactionRepository(m_db).upsert(list, utc("2024-03-02T00:00:00.000")).ok());
    QCOMPARE(*LinkRepository(m_db).linkByInvoiceId(utc("2024-03-02T00:10:00.000")), int(list.size()));

    const auto summary = OrderRepository(m_db).paymentSummary(1);
    QVERIFY2(summary.ok(), qPrintable(summary.ok() ? QString() : describe(summary.error())));
    QVERIFY(summary->has_value());
    const PaymentSummary &p = **summary;
    QCOMPARE(p.authorized, usd(authorized));
    QCOMPARE(p.captured, usd(captured));
    QCOMPARE(p.refunded, usd(refunded));
    QCOMPARE(p.voided, usd(voided));
    QCOMPARE(p.transactionCount, count);
    QCOMPARE(p.status, status);
}

void TestStoreRepositories::summaryFollowsTransactionUpdates()
{
    OrderRepository orders(m_db);
    TransactionRepository txns(m_db);
    QVERIFY(orders.upsert({order(1, u"100000001"_s)}, utc("2024-03-02T00:00:00.000")).ok());
    Txn auth = txn(u"A1"_s, u"100000001"_s, Txn::Type::Authorization, Txn::Status::AuthorizedOnly, usd(5000));
    QVERIFY(txns.upsert({auth}, utc("2024-03-02T00:00:00.000")).ok());
    QCOMPARE(*LinkRepository(m_db).linkByInvoiceId(utc("2024-03-02T00:01:00.000")), 1);
    QCOMPARE(orders.paymentSummary(1)->value().status, u"authorized"_s);

    // The capture comes back as the same transaction in a new state; no new link is needed.
    auth.status = Txn::Status::PendingSettlement;
    QVERIFY(txns.upsert({auth}, utc("2024-03-02T01:00:00.000")).ok());
    QCOMPARE(orders.paymentSummary(1)->value().status, u"captured"_s);
    QCOMPARE(orders.paymentSummary(1)->value().captured, usd(5000));

    auth.status = Txn::Status::Settled;
    QVERIFY(txns.upsert({auth}, utc("2024-03-02T05:00:00.000")).ok());
    QCOMPARE(orders.paymentSummary(1)->value().status, u"settled"_s);
}

void TestStoreRepositories::cursors()
{
    CursorRepository cursors(m_db);
    QVERIFY(!cursors.get(u"magento.orders.updated_at"_s)->has_value());
    QVERIFY(cursors.set(u"magento.orders.updated_at"_s, u"2024-03-01 10:00:00|1001"_s).ok());
    QVERIFY(cursors.set(u"paytrace.export.day"_s, u"2024-03-01"_s, utc("2024-03-02T00:00:00.000")).ok());
    QCOMPARE(cursors.get(u"magento.orders.updated_at"_s)->value(), u"2024-03-01 10:00:00|1001"_s);
    QVERIFY(cursors.set(u"magento.orders.updated_at"_s, u"2024-03-02 11:00:00|1002"_s).ok());
    QCOMPARE(cursors.get(u"magento.orders.updated_at"_s)->value(), u"2024-03-02 11:00:00|1002"_s);
    QCOMPARE(cursors.get(u"paytrace.export.day"_s)->value(), u"2024-03-01"_s);
    QVERIFY(cursors.set(u"empty"_s, QString()).ok());
    QCOMPARE(cursors.get(u"empty"_s)->value(), QString());
    QVERIFY(!cursors.set(QString(), u"x"_s).ok());
}

void TestStoreRepositories::auditAppend()
{
    AuditLog audit(m_db);
    const QDateTime at = utc("2024-03-02T12:00:00.500");
    const auto first = audit.append(u"ana"_s, u"refund.request"_s, u"order"_s, u"100000001"_s,
                                    u"{\"refunded\":\"0.00\"}"_s, u"{\"refunded\":\"10.00\"}"_s,
                                    u"customer asked"_s, at);
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : describe(first.error())));
    const auto second = audit.append(u"system"_s, u"sync.run"_s, QString(), QString(), QString(),
                                     QString(), QString());
    QVERIFY(second.ok());
    QVERIFY(*second > *first);

    const auto entries = audit.recent(10);
    QVERIFY(entries.ok());
    QCOMPARE(entries->size(), 2);
    const AuditEntry &newest = entries->at(0);
    QCOMPARE(newest.id, *second);
    QCOMPARE(newest.actor, u"system"_s);
    QVERIFY(newest.at.isValid());
    const AuditEntry &e = entries->at(1);
    QCOMPARE(e.id, *first);
    QCOMPARE(e.at, at);
    QCOMPARE(e.actor, u"ana"_s);
    QCOMPARE(e.action, u"refund.request"_s);
    QCOMPARE(e.objectType, u"order"_s);
    QCOMPARE(e.objectId, u"100000001"_s);
    QCOMPARE(e.beforeJson, u"{\"refunded\":\"0.00\"}"_s);
    QCOMPARE(e.afterJson, u"{\"refunded\":\"10.00\"}"_s);
    QCOMPARE(e.detail, u"customer asked"_s);
    QCOMPARE(audit.recent(1)->size(), 1);

    QVERIFY(!audit.append(QString(), u"x"_s, {}, {}, {}, {}, {}).ok());
}

void TestStoreRepositories::syncRuns()
{
    SyncRunRepository runs(m_db);
    QVERIFY(!runs.latest()->has_value());
    const auto id = runs.start(utc("2024-03-02T00:00:00.000"));
    QVERIFY(id.ok());
    QCOMPARE(runs.latest()->value().outcome, u"running"_s);
    QVERIFY(!runs.latest()->value().finishedAt.isValid());

    SyncRun done;
    done.id = *id;
    done.finishedAt = utc("2024-03-02T00:01:30.000");
    done.outcome = u"ok"_s;
    done.ordersSeen = 120;
    done.transactionsSeen = 118;
    done.linked = 117;
    done.message = u"1 order without payment"_s;
    QVERIFY(runs.finish(done).ok());

    const auto found = runs.find(*id);
    QVERIFY(found.ok() && found->has_value());
    const SyncRun &r = **found;
    QCOMPARE(r.startedAt, utc("2024-03-02T00:00:00.000"));
    QCOMPARE(r.finishedAt, done.finishedAt);
    QCOMPARE(r.outcome, u"ok"_s);
    QCOMPARE(r.ordersSeen, 120);
    QCOMPARE(r.transactionsSeen, 118);
    QCOMPARE(r.linked, 117);
    QCOMPARE(r.message, done.message);

    done.id = *id + 100;
    QCOMPARE(runs.finish(done).error().code, u"store.not_found"_s);
    done.id = *id;
    done.outcome = u"running"_s;
    QVERIFY(!runs.finish(done).ok());
}

void TestStoreRepositories::typeAndStatusNames_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QString>("typeName");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("statusName");

    QTest::newRow("sale/approved") << int(Txn::Type::Sale) << u"sale"_s << int(Txn::Status::Approved) << u"approved"_s;
    QTest::newRow("authorization/pending") << int(Txn::Type::Authorization) << u"authorization"_s
                                           << int(Txn::Status::PendingSettlement) << u"pending_settlement"_s;
    QTest::newRow("capture/settled") << int(Txn::Type::Capture) << u"capture"_s << int(Txn::Status::Settled)
                                     << u"settled"_s;
    QTest::newRow("refund/authorized") << int(Txn::Type::Refund) << u"refund"_s
                                       << int(Txn::Status::AuthorizedOnly) << u"authorized"_s;
    QTest::newRow("void/voided") << int(Txn::Type::Void) << u"void"_s << int(Txn::Status::Voided) << u"voided"_s;
    QTest::newRow("unknown/declined") << int(Txn::Type::Unknown) << u"unknown"_s << int(Txn::Status::Declined)
                                      << u"declined"_s;
    QTest::newRow("-/unknown") << int(Txn::Type::Unknown) << u"unknown"_s << int(Txn::Status::Unknown)
                               << u"unknown"_s;
}

void TestStoreRepositories::typeAndStatusNames()
{
    QFETCH(int, type);
    QFETCH(QString, typeName);
    QFETCH(int, status);
    QFETCH(QString, statusName);

    QCOMPARE(Txn::typeName(Txn::Type(type)), typeName);
    QCOMPARE(Txn::typeFromName(typeName), Txn::Type(type));
    QCOMPARE(Txn::typeFromName(typeName.toUpper()), Txn::Type(type));
    QCOMPARE(Txn::statusName(Txn::Status(status)), statusName);
    QCOMPARE(Txn::statusFromName(statusName), Txn::Status(status));
    QCOMPARE(Txn::typeFromName(u"bogus"_s), Txn::Type::Unknown);
    QCOMPARE(Txn::statusFromName(QString()), Txn::Status::Unknown);
}

QTEST_GUILESS_MAIN(TestStoreRepositories)
#include "tst_store_repositories.moc"
