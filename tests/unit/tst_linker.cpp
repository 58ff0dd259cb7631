// The profile-driven linker on a real SQLite store: key, transforms, fallback, rules.
#include "mapping/mappingprofile.h"
#include "store/database.h"
#include "store/linkrepository.h"
#include "store/orderrepository.h"
#include "store/transactionrepository.h"
#include "sync/linker.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb;
using Txn = GatewayTransaction;

namespace {

const QString kConnection = u"tst_linker"_s;

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

// An order created at 10:00 UTC for 110.00 USD, paid with a card ending 1111.
OrderRecord order(qint64 entityId, const QString &incrementId, qint64 minor = 11000)
{
    OrderRecord o;
    o.entityId = entityId;
    o.incrementId = incrementId;
    o.state = u"processing"_s;
    o.status = u"processing"_s;
    o.currency = cur("USD");
    o.grandTotal = Money::fromMinor(minor, o.currency);
    o.totalPaid = Money::zero(o.currency);
    o.totalInvoiced = Money::zero(o.currency);
    o.totalRefunded = Money::zero(o.currency);
    o.totalDue = o.grandTotal;
    o.baseCurrency = o.currency;
    o.baseGrandTotal = o.grandTotal;
    o.paymentMethod = u"paytrace"_s;
    o.cardLast4 = u"1111"_s;
    o.createdAt = utc("2024-03-01T10:00:00");
    o.updatedAt = o.createdAt;
    return o;
}

// A sale at 10:06 UTC, card ending 1111.
Txn sale(const QString &id, const QString &invoiceId, qint64 minor = 11000, const char *currency = "USD")
{
    Txn t;
    t.transactionId = id;
    t.type = Txn::Type::Sale;
    t.typeText = u"SALE"_s;
    t.status = Txn::Status::Settled;
    t.statusCode = u"GB571"_s;
    t.amount = Money::fromMinor(minor, cur(currency));
    t.invoiceId = invoiceId;
    t.cardType = u"Visa"_s;
    t.cardLast4 = u"1111"_s;
    t.createdAt = utc("2024-03-01T10:06:00");
    t.createdAtText = u"3/1/2024 2:06:00 AM"_s;
    t.settledAt = utc("2024-03-02T03:00:00");
    return t;
}

mapping::MappingProfile profileWith(const QJsonObject &linkKeyChanges, const QJsonObject &fallbackChanges = {})
{
    QJsonObject json = QJsonDocument::fromJson(mapping::MappingProfile::defaults().toJson()).object();
    QJsonObject key = json.value(u"linkKey"_s).toObject();
    for (auto it = linkKeyChanges.begin(); it != linkKeyChanges.end(); ++it)
        key.insert(it.key(), it.value());
    QJsonObject fallback = key.value(u"fallback"_s).toObject();
    for (auto it = fallbackChanges.begin(); it != fallbackChanges.end(); ++it)
        fallback.insert(it.key(), it.value());
    key.insert(u"fallback"_s, fallback);
    json.insert(u"linkKey"_s, key);
    auto profile = mapping::MappingProfile::fromJson(QJsonDocument(json).toJson());
    if (!profile)
        qFatal("profile: %s", qPrintable(profile.error().toString()));
    return profile.value();
}

} // namespace

class TestLinker : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void keyLinksThroughTransforms();
    void secondPaymentLinksBoth();
    void typoInvoiceLinksByFallback();
    void twoEqualCandidatesLinkNothing();
    void terminalSaleWithoutMatchStaysUnlinked();
    void fallbackChecksWindowCardAndTolerance();
    void lastTransIdKeyAndOrdersWithoutIt();
    void fallbackOffLinksOnlyByKey();
    void entityIdKeyIsPlainDecimal();

private:
    QString ruleOf(const QString &transactionId);
    std::optional<qint64> orderOf(const QString &transactionId)
    {
        return *store::LinkRepository(m_db).orderForTransaction(transactionId);
    }
    int link(const mapping::MappingProfile &profile = mapping::MappingProfile::defaults())
    {
        auto linked = sync::Linker(m_db).link(profile, utc("2024-03-03T00:00:00"));
        if (!linked)
            qWarning() << linked.error().toString();
        return linked ? linked.value() : -1;
    }
    void put(const QList<OrderRecord> &orders, const QList<Txn> &txns)
    {
        QVERIFY(store::OrderRepository(m_db).upsert(orders, utc("2024-03-02T00:00:00")));
        QVERIFY(store::TransactionRepository(m_db).upsert(txns, utc("2024-03-02T00:00:00")));
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

void TestLinker::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto opened = store::Database::openWriter(m_dir->filePath(u"store.sqlite"_s), kConnection);
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
    m_db = opened.value();
}

void TestLinker::cleanup()
{
    m_db = QSqlDatabase();
    store::Database::close(kConnection);
    m_dir.reset();
}

QString TestLinker::ruleOf(const QString &transactionId)
{
    QSqlQuery q(m_db);
    q.prepare(u"SELECT rule FROM order_transaction_links WHERE transaction_id = ?"_s);
    q.addBindValue(transactionId);
    if (!q.exec() || !q.next())
        return {};
    return q.value(0).toString();
}

void TestLinker::keyLinksThroughTransforms()
{
    // Different amounts and cards: only the key can link these.
    Txn padded = sale(u"T2"_s, u" 100000002 "_s, 500);
    padded.cardLast4 = u"9999"_s;
    put({order(1, u"100000001"_s), order(2, u"100000002"_s)}, {sale(u"T1"_s, u"100000001"_s), padded});
    QCOMPARE(link(), 2);
    QCOMPARE(orderOf(u"T1"_s), std::optional<qint64>(1));
    QCOMPARE(orderOf(u"T2"_s), std::optional<qint64>(2)); // the default key trims
    QCOMPARE(ruleOf(u"T1"_s), u"key:invoice_id=increment_id"_s);
    QCOMPARE(ruleOf(u"T2"_s), u"key:invoice_id=increment_id"_s);
    QCOMPARE(link(), 0);

    // A profile whose transforms change the value: "INV-100000003" → "100000003".
    const auto profile = profileWith(
        {{u"transforms"_s, QJsonArray{QJsonObject{{u"op"_s, u"regexExtract"_s}, {u"pattern"_s, u"^INV-(\\d+)$"_s}, {u"group"_s, 1}}}}},
        {{u"enabled"_s, false}});
    Txn prefixed = sale(u"T3"_s, u"INV-100000003"_s, 700);
    put({order(3, u"100000003"_s)}, {prefixed});
    QCOMPARE(link(profile), 1);
    QCOMPARE(orderOf(u"T3"_s), std::optional<qint64>(3));
}

void TestLinker::secondPaymentLinksBoth()
{
    Txn first = sale(u"T1"_s, u"100000001"_s, 6000);
    Txn second = sale(u"T2"_s, u"100000001"_s, 5000);
    second.createdAt = utc("2024-03-01T15:00:00");
    put({order(1, u"100000001"_s)}, {first, second});
    QCOMPARE(link(), 2);
    QCOMPARE(*store::LinkRepository(m_db).transactionIdsForOrder(1), (QStringList{u"T1"_s, u"T2"_s}));
    const auto summary = store::OrderRepository(m_db).paymentSummary(1);
    QVERIFY(summary && summary->has_value());
    QCOMPARE((*summary)->captured, Money::fromMinor(11000, cur("USD")));
    QCOMPARE((*summary)->status, u"settled"_s);
}

void TestLinker::typoInvoiceLinksByFallback()
{
    // A phone order keyed in by hand: two digits swapped.
    put({order(1, u"100000471"_s), order(2, u"100000472"_s, 2500)}, {sale(u"T1"_s, u"100000417"_s)});
    QCOMPARE(link(), 1);
    QCOMPARE(orderOf(u"T1"_s), std::optional<qint64>(1));
    QCOMPARE(ruleOf(u"T1"_s), u"fallback:amount+time+last4"_s);
    QCOMPARE(store::OrderRepository(m_db).paymentSummary(1)->value().status, u"settled"_s);
    QVERIFY(sync::Linker(m_db).whyUnlinked(mapping::MappingProfile::defaults(), u"T1"_s)->isEmpty());

    // Without the card check the rule says so.
    put({order(3, u"100000473"_s, 3300)}, {sale(u"T3"_s, QString(), 3300)});
    QCOMPARE(link(profileWith({}, {{u"matchLast4"_s, false}})), 1);
    QCOMPARE(ruleOf(u"T3"_s), u"fallback:amount+time"_s);
}

void TestLinker::twoEqualCandidatesLinkNothing()
{
    put({order(1, u"100000001"_s), order(2, u"100000002"_s)}, {sale(u"T1"_s, u"9999"_s)});
    QCOMPARE(link(), 0);
    QVERIFY(!orderOf(u"T1"_s));
    const auto why = sync::Linker(m_db).whyUnlinked(mapping::MappingProfile::defaults(), u"T1"_s);
    QVERIFY(why);
    QVERIFY2(why->contains(u"several orders match"_s), qPrintable(*why));
    QVERIFY2(why->contains(u"no order has increment_id '9999'"_s), qPrintable(*why));
    QCOMPARE(store::LinkRepository(m_db).counts()->unlinkedTransactions, qint64(1));
}

void TestLinker::terminalSaleWithoutMatchStaysUnlinked()
{
    // A sale keyed in at the terminal: no invoice, an amount no order has.
    put({order(1, u"100000001"_s)}, {sale(u"T1"_s, QString(), 4321)});
    QCOMPARE(link(), 0);
    QVERIFY(!orderOf(u"T1"_s));
    const auto why = sync::Linker(m_db).whyUnlinked(mapping::MappingProfile::defaults(), u"T1"_s);
    QVERIFY2(why && why->contains(u"no invoice_id"_s) && why->contains(u"no order matches"_s),
             qPrintable(why ? *why : why.error().toString()));
    QCOMPARE(store::OrderRepository(m_db).paymentSummary(1)->value().status, u"unpaid"_s);
}

void TestLinker::fallbackChecksWindowCardAndTolerance()
{
    Txn late = sale(u"late"_s, QString());
    late.createdAt = utc("2024-03-01T12:01:00"); // 121 minutes after the order
    Txn otherCard = sale(u"card"_s, QString());
    otherCard.cardLast4 = u"2222"_s;
    Txn noCard = sale(u"nocard"_s, QString());
    noCard.cardLast4.clear();
    Txn cents = sale(u"cents"_s, QString(), 11002);
    Txn refund = sale(u"refund"_s, QString());
    refund.type = Txn::Type::Refund;
    Txn declined = sale(u"declined"_s, QString());
    declined.status = Txn::Status::Declined;
    put({order(1, u"100000001"_s)}, {late, otherCard, noCard, cents, refund, declined});
    QCOMPARE(link(), 0);

    // Two cents of tolerance take the one that is off by two cents.
    QCOMPARE(link(profileWith({}, {{u"amountToleranceMinor"_s, 2}})), 1);
    QCOMPARE(orderOf(u"cents"_s), std::optional<qint64>(1));
    // A wider window takes the late one.
    QCOMPARE(link(profileWith({}, {{u"timeWindowMinutes"_s, 180}})), 1);
    QCOMPARE(orderOf(u"late"_s), std::optional<qint64>(1));
    for (const QString &id : {u"card"_s, u"nocard"_s, u"refund"_s, u"declined"_s})
        QVERIFY2(!orderOf(id), qPrintable(id));
}

void TestLinker::lastTransIdKeyAndOrdersWithoutIt()
{
    const auto profile = profileWith({{u"paytraceField"_s, u"transaction_id"_s},
                                      {u"magentoField"_s, u"last_trans_id"_s},
                                      {u"transforms"_s, QJsonArray()}});
    OrderRecord withId = order(1, u"100000001"_s, 500);
    withId.lastTransId = u"T1"_s;
    OrderRecord without = order(2, u"100000002"_s); // payment.last_trans_id absent
    put({withId, without}, {sale(u"T1"_s, QString(), 500), sale(u"T2"_s, QString())});
    QCOMPARE(link(profile), 2);
    QCOMPARE(ruleOf(u"T1"_s), u"key:transaction_id=last_trans_id"_s);
    QCOMPARE(orderOf(u"T2"_s), std::optional<qint64>(2));
    QCOMPARE(ruleOf(u"T2"_s), u"fallback:amount+time+last4"_s);
}

void TestLinker::fallbackOffLinksOnlyByKey()
{
    put({order(1, u"100000001"_s)}, {sale(u"T1"_s, u"100000011"_s)});
    const auto off = profileWith({}, {{u"enabled"_s, false}});
    QCOMPARE(link(off), 0);
    QVERIFY(sync::Linker(m_db).whyUnlinked(off, u"T1"_s)->contains(u"fallback match is off"_s));
    QCOMPARE(link(), 1);
}

// "00000013" is order 000000013 with a digit missing, not entity 13: read as a number it would
// link a mistyped order number to another order.
void TestLinker::entityIdKeyIsPlainDecimal()
{
    Txn typo = sale(u"T1"_s, u"00000013"_s, 500);
    typo.cardLast4 = u"9999"_s;
    Txn plain = sale(u"T2"_s, u"14"_s, 600);
    plain.cardLast4 = u"9999"_s;
    put({order(13, u"000000013"_s), order(14, u"000000014"_s)}, {typo, plain});
    const auto profile = profileWith(QJsonObject{{u"magentoField"_s, u"entity_id"_s}});
    // The preview's preloaded keys decide as the Linker's queries do.
    sync::LinkMatcher preloaded(m_db, profile.linkKey());
    QVERIFY(preloaded.preloadKeys());
    sync::LinkCandidate c;
    c.transactionId = u"T1"_s;
    c.invoiceId = u"00000013"_s;
    QVERIFY(!preloaded.byKey(c)->order);
    c.invoiceId = u"14"_s;
    QCOMPARE(preloaded.byKey(c)->order, std::optional<qint64>(14));
    QCOMPARE(link(profile), 1);
    QCOMPARE(orderOf(u"T1"_s), std::nullopt);
    QCOMPARE(orderOf(u"T2"_s), std::optional<qint64>(14));
    QCOMPARE(ruleOf(u"T2"_s), u"key:invoice_id=entity_id"_s);
}

QTEST_GUILESS_MAIN(TestLinker)
#include "tst_linker.moc"
