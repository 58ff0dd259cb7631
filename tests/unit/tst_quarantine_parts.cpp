// The quarantine's parts (docs/quarantine.md): page parsers that set one bad record aside and
// keep the rest, and the store table that keeps, refreshes and releases such records.
#include "magento/parser.h"
#include "paytrace/parser.h"
#include "store/auditlog.h"
#include "store/database.h"
#include "store/quarantinerepository.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace pb;

namespace {

QJsonObject order(qint64 id, const QString &updatedAt, const QJsonValue &grandTotal)
{
    return QJsonObject{{"entity_id"_L1, id},
                       {"increment_id"_L1, QString::number(100000000 + id)},
                       {"order_currency_code"_L1, "USD"_L1},
                       {"base_currency_code"_L1, "USD"_L1},
                       {"grand_total"_L1, grandTotal},
                       {"state"_L1, "processing"_L1},
                       {"status"_L1, "processing"_L1},
                       {"created_at"_L1, "2026-11-20 10:00:00"_L1},
                       {"updated_at"_L1, updatedAt}};
}

QByteArray page(const QJsonArray &items, int total)
{
    return QJsonDocument(QJsonObject{{"items"_L1, items}, {"total_count"_L1, total}}).toJson(QJsonDocument::Compact);
}

QJsonObject transaction(const QJsonValue &id, const QJsonValue &amount)
{
    return QJsonObject{{"transaction_id"_L1, id},
                       {"transaction_type"_L1, "SALE"_L1},
                       {"amount"_L1, amount},
                       {"invoice_id"_L1, "100000001"_L1},
                       {"status_message"_L1, "Settled"_L1},
                       {"credit_card"_L1, QJsonObject{{"masked_number"_L1, "************5454"_L1}}},
                       {"created"_L1, QJsonObject{{"at"_L1, "11/20/2026 4:06:30 PM"_L1}}}};
}

RejectedRecord rejected(const QString &id, const QString &reason, const QByteArray &raw = "{}")
{
    RejectedRecord r;
    r.source = RejectedRecord::kMagentoOrder;
    r.externalId = id;
    r.field = u"items[0].grand_total"_s;
    r.reason = reason;
    r.raw = raw;
    return r;
}

} // namespace

class TestQuarantineParts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void orderPageKeepsTheGoodOnes();
    void orderPageKeyMovesPastABadLastItem();
    void orderPageWithUnreadableIdsAndNonObjects();
    void orderEnvelopeStillFails();
    void transactionListKeepsTheGoodOnes();
    void storeKeepsRefreshesAndReleases();
    void storeMasksCardNumbersInRawBodies();
    void storeRefusesRecordsWithoutIdentity();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

void TestQuarantineParts::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    auto opened = store::Database::openWriter(m_dir->filePath(u"store.sqlite"_s), u"tst_quarantine"_s);
    QVERIFY2(opened, qPrintable(opened.ok() ? QString() : opened.error().toString()));
    m_db = opened.value();
}

void TestQuarantineParts::cleanup()
{
    m_db = QSqlDatabase();
    store::Database::close(u"tst_quarantine"_s);
    m_dir.reset();
}

void TestQuarantineParts::orderPageKeepsTheGoodOnes()
{
    const QByteArray body = page({order(1, u"2026-11-20 10:00:01"_s, u"10.00"_s),
                                  order(2, u"2026-11-20 10:00:02"_s, u"12.3.4"_s),
                                  order(3, u"2026-11-20 10:00:03"_s, 7.5)},
                                 3);
    auto parsed = magento::Parser::parseOrderSearch(body);
    QVERIFY2(parsed, qPrintable(parsed.ok() ? QString() : parsed.error().toString()));
    QCOMPARE(parsed->items.size(), 2);
    QCOMPARE(parsed->items.at(0).entityId, 1);
    QCOMPARE(parsed->items.at(1).entityId, 3);
    QCOMPARE(parsed->itemCount, 3);
    QCOMPARE(parsed->ids, (QList<qint64>{1, 2, 3}));
    QCOMPARE(parsed->rejected.size(), 1);
    const RejectedRecord &bad = parsed->rejected.first();
    QCOMPARE(bad.source, QString(RejectedRecord::kMagentoOrder));
    QCOMPARE(bad.externalId, u"2"_s);
    QCOMPARE(bad.field, u"grand_total"_s); // within the order, not its place in the page
    QVERIFY2(bad.reason.contains(u"12.3.4"_s), qPrintable(bad.reason));
    QCOMPARE(bad.updatedAt, QDateTime(QDate(2026, 11, 20), QTime(10, 0, 2), Qt::UTC));
    QVERIFY(QJsonDocument::fromJson(bad.raw).object().value("grand_total"_L1).toString() == u"12.3.4"_s);
    QCOMPARE(parsed->lastKeyId, 3);
}

void TestQuarantineParts::orderPageKeyMovesPastABadLastItem()
{
    const QByteArray body = page({order(1, u"2026-11-20 10:00:01"_s, u"10.00"_s),
                                  order(9, u"2026-11-20 10:00:09"_s, QJsonObject{{"x"_L1, 1}})},
                                 2);
    auto parsed = magento::Parser::parseOrderSearch(body);
    QVERIFY(parsed);
    QCOMPARE(parsed->items.size(), 1);
    QCOMPARE(parsed->rejected.size(), 1);
    // The keyset continues after the unreadable order, not before it.
    QCOMPARE(parsed->lastKeyId, 9);
    QCOMPARE(parsed->lastKeyUpdated, QDateTime(QDate(2026, 11, 20), QTime(10, 0, 9), Qt::UTC));
}

void TestQuarantineParts::orderPageWithUnreadableIdsAndNonObjects()
{
    QJsonObject noId = order(1, u"2026-11-20 10:00:01"_s, u"1.00"_s);
    noId.insert("entity_id"_L1, u"abc"_s);
    QJsonObject textId = order(44, u"garbage"_s, u"1.00"_s);
    textId.insert("entity_id"_L1, u"44"_s);
    const QByteArray body = page({noId, 17, textId, order(5, u"2026-11-20 10:00:05"_s, u"5.00"_s)}, 4);
    auto parsed = magento::Parser::parseOrderSearch(body);
    QVERIFY(parsed);
    QCOMPARE(parsed->items.size(), 1);
    QCOMPARE(parsed->rejected.size(), 3);
    QCOMPARE(parsed->rejected.at(0).externalId, u"items[0]"_s); // no id to fetch it again by
    QCOMPARE(parsed->rejected.at(1).externalId, u"items[1]"_s);
    QCOMPARE(parsed->rejected.at(1).raw, QByteArray("[17]"));
    QCOMPARE(parsed->rejected.at(2).externalId, u"44"_s);       // id as text still identifies it
    QVERIFY(!parsed->rejected.at(2).updatedAt.isValid());
    QCOMPARE(parsed->ids, (QList<qint64>{44, 5}));
}

void TestQuarantineParts::orderEnvelopeStillFails()
{
    QVERIFY(!magento::Parser::parseOrderSearch("{\"items\": 5}"));
    QVERIFY(!magento::Parser::parseOrderSearch("<html>proxy error</html>"));
}

void TestQuarantineParts::transactionListKeepsTheGoodOnes()
{
    const QJsonObject body{{"success"_L1, true},
                           {"response_code"_L1, 1},
                           {"transactions"_L1, QJsonArray{transaction(11, 10.5), transaction(12, u"abc"_s),
                                                          transaction(u"13"_s, QJsonValue::Null), u"x"_s}}};
    auto parsed = paytrace::Parser::parseTransactionList(body);
    QVERIFY2(parsed, qPrintable(parsed.ok() ? QString() : parsed.error().toString()));
    QCOMPARE(parsed->items.size(), 1);
    QCOMPARE(parsed->items.first().transactionId, u"11"_s);
    QCOMPARE(parsed->rejected.size(), 3);
    QCOMPARE(parsed->rejected.at(0).source, QString(RejectedRecord::kPayTraceTransaction));
    QCOMPARE(parsed->rejected.at(0).externalId, u"12"_s);
    QCOMPARE(parsed->rejected.at(0).field, u"amount"_s);
    QCOMPARE(parsed->rejected.at(1).externalId, u"13"_s);
    QCOMPARE(parsed->rejected.at(2).externalId, u"transactions[3]"_s);
    // The strict reader used by lookups still refuses the whole list.
    QVERIFY(!paytrace::Parser::parseTransactions(body));
}

void TestQuarantineParts::storeKeepsRefreshesAndReleases()
{
    store::QuarantineRepository repo(m_db);
    const QDateTime t1(QDate(2026, 12, 1), QTime(9, 0), Qt::UTC);
    const QDateTime t2 = t1.addSecs(600);
    auto added = repo.put({rejected(u"7"_s, u"first reason"_s), rejected(u"8"_s, u"other"_s)}, t1);
    QVERIFY(added);
    QCOMPARE(added.value(), 2);
    added = repo.put({rejected(u"7"_s, u"second reason"_s, "{\"a\":1}")}, t2);
    QVERIFY(added);
    QCOMPARE(added.value(), 0); // seen again: refreshed, not new

    auto listed = repo.list();
    QVERIFY(listed);
    QCOMPARE(listed->size(), 2);
    const store::QuarantineEntry &seven = listed->at(0);
    QCOMPARE(seven.externalId, u"7"_s);
    QCOMPARE(seven.reason, u"second reason"_s);
    QCOMPARE(seven.raw, QByteArray("{\"a\":1}"));
    QCOMPARE(seven.firstSeen, t1);
    QCOMPARE(seven.lastTried, t2);
    QCOMPARE(seven.attempts, 2);

    QVERIFY(repo.touch(QString(RejectedRecord::kMagentoOrder), u"8"_s, t2.addSecs(60)));
    listed = repo.list();
    QCOMPARE(listed->at(1).attempts, 2);
    QCOMPARE(listed->at(1).lastTried, t2.addSecs(60));

    // Only what is there is released, and each release is audited.
    auto released = repo.release(QString(RejectedRecord::kMagentoOrder), {u"7"_s, u"99"_s}, t2);
    QVERIFY(released);
    QCOMPARE(released.value(), 1);
    QCOMPARE(repo.count().value(), 1);
    released = repo.release(QString(RejectedRecord::kPayTraceTransaction), {u"8"_s}, t2);
    QCOMPARE(released.value(), 0); // another source's id 8 is not this one
    QSqlQuery q(m_db);
    QVERIFY(q.exec(u"SELECT action, object_id FROM audit_log WHERE action LIKE 'quarantine.%' ORDER BY id"_s));
    QStringList audit;
    while (q.next())
        audit << q.value(0).toString() + u' ' + q.value(1).toString();
    QCOMPARE(audit, (QStringList{u"quarantine.added 7"_s, u"quarantine.added 8"_s, u"quarantine.released 7"_s}));
}

void TestQuarantineParts::storeMasksCardNumbersInRawBodies()
{
    store::QuarantineRepository repo(m_db);
    QVERIFY(repo.put({rejected(u"5"_s, u"card 4111111111111111 in reason"_s,
                               "{\"cc_number\":\"4111111111111111\",\"note\":\"4111 1111 1111 1111\"}")},
                     QDateTime::currentDateTimeUtc()));
    const auto listed = repo.list();
    QVERIFY(listed);
    QCOMPARE(listed->size(), 1);
    QVERIFY2(!listed->first().raw.contains("4111111111111111"), listed->first().raw.constData());
    QVERIFY2(!listed->first().raw.contains("4111 1111 1111 1111"), listed->first().raw.constData());
    QVERIFY(!listed->first().reason.contains(u"4111111111111111"_s));
}

void TestQuarantineParts::storeRefusesRecordsWithoutIdentity()
{
    store::QuarantineRepository repo(m_db);
    RejectedRecord r = rejected(QString(), u"x"_s);
    QVERIFY(!repo.put({r}, QDateTime::currentDateTimeUtc()));
    QCOMPARE(repo.count().value(), 0); // nothing half-written
}

QTEST_GUILESS_MAIN(TestQuarantineParts)
#include "tst_quarantine_parts.moc"
