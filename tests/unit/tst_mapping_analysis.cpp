// The mapping studio's evidence on plain data and on a real SQLite store: suggested link keys
// with their figures, and the preview diff of a draft against the active profile.
#include "mapping/mappingprofile.h"
#include "mapping/suggestions.h"
#include "store/database.h"
#include "store/orderrepository.h"
#include "store/transactionrepository.h"
#include "sync/linker.h"
#include "sync/mappinganalysis.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace pb;
using Txn = GatewayTransaction;

namespace {

const QString kConnection = u"tst_mapping_analysis"_s;

QDateTime utc(const char *iso)
{
    QDateTime t = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate);
    t.setTimeSpec(Qt::UTC);
    return t;
}

OrderRecord order(qint64 entityId, const QString &incrementId, qint64 minor, const QString &state, const QString &status)
{
    OrderRecord o;
    o.entityId = entityId;
    o.incrementId = incrementId;
    o.state = state;
    o.status = status;
    o.currency = Currency::usd();
    o.grandTotal = Money::fromMinor(minor, o.currency);
    o.totalPaid = Money::zero(o.currency);
    o.totalInvoiced = Money::zero(o.currency);
    o.totalRefunded = Money::zero(o.currency);
    o.totalDue = o.grandTotal;
    o.baseCurrency = o.currency;
    o.baseGrandTotal = o.grandTotal;
    o.paymentMethod = u"paytrace"_s;
    o.cardLast4 = u"1111"_s; // the sales below show another card: the fallback links none of them
    o.createdAt = utc("2024-03-01T10:00:00");
    o.updatedAt = o.createdAt;
    return o;
}

Txn sale(const QString &id, const QString &invoiceId, qint64 minor, Txn::Status status = Txn::Status::Settled)
{
    Txn t;
    t.transactionId = id;
    t.type = Txn::Type::Sale;
    t.typeText = u"SALE"_s;
    t.status = status;
    t.statusCode = status == Txn::Status::Settled ? u"GB571"_s : u"Y"_s;
    t.amount = Money::fromMinor(minor, Currency::usd());
    t.invoiceId = invoiceId;
    t.cardType = u"Visa"_s;
    t.cardLast4 = u"4242"_s;
    t.createdAt = utc("2024-03-01T10:06:00");
    t.createdAtText = u"3/1/2024 2:06:00 AM"_s;
    if (status == Txn::Status::Settled) {
        t.batch = u"571"_s;
        t.settledAt = utc("2024-03-02T03:00:00");
    }
    return t;
}

mapping::MappingProfile changed(const QStringList &path, const QJsonValue &value,
                                const mapping::MappingProfile &from = mapping::MappingProfile::defaults())
{
    QJsonObject root = QJsonDocument::fromJson(from.toJson()).object();
    std::function<QJsonObject(QJsonObject, QStringList)> set = [&](QJsonObject o, QStringList p) {
        const QString key = p.takeFirst();
        o.insert(key, p.isEmpty() ? value : QJsonValue(set(o.value(key).toObject(), p)));
        return o;
    };
    auto profile = mapping::MappingProfile::fromJson(QJsonDocument(set(root, path)).toJson());
    if (!profile)
        qFatal("profile: %s", qPrintable(profile.error().toString()));
    return profile.value();
}

const QJsonArray kStripAndPad{QJsonObject{{u"op"_s, u"trim"_s}},
                              QJsonObject{{u"op"_s, u"stripPrefix"_s}, {u"value"_s, u"#"_s}},
                              QJsonObject{{u"op"_s, u"zeroPad"_s}, {u"width"_s, 9}}};

} // namespace

class TestMappingAnalysis : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void chainsComeFromTheData();
    void rankingPrefersTheBetterThenTheSimpler();
    void cancelStopsRanking();
    void suggestLinksOnAStore();
    void previewDiffCountsLinksStatusesAndAccounts();
    void previewFilter();
    void largeStoreInSeconds();
    void formatDocumentExampleLoads();

private:
    void put(const QList<OrderRecord> &orders, const QList<Txn> &txns)
    {
        QVERIFY(store::OrderRepository(m_db).upsert(orders, utc("2024-03-02T00:00:00")));
        QVERIFY(store::TransactionRepository(m_db).upsert(txns, utc("2024-03-02T00:00:00")));
    }
    // Three orders; T1 names its order exactly, T2 and T3 only after stripping '#' and padding.
    void smallStore()
    {
        put({order(1, u"000000001"_s, 11000, u"processing"_s, u"processing"_s),
             order(2, u"000000002"_s, 5000, u"new"_s, u"pending"_s),
             order(3, u"000000003"_s, 2000, u"complete"_s, u"complete"_s)},
            {sale(u"T1"_s, u"000000001"_s, 11000), sale(u"T2"_s, u"#2"_s, 5000, Txn::Status::Approved),
             sale(u"T3"_s, u"3"_s, 2000, Txn::Status::Approved)});
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    QSqlDatabase m_db;
};

void TestMappingAnalysis::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    auto opened = store::Database::openWriter(m_dir->filePath(u"store.sqlite"_s), kConnection);
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
    m_db = opened.value();
}

void TestMappingAnalysis::cleanup()
{
    m_db = QSqlDatabase();
    store::Database::close(kConnection);
    m_dir.reset();
}

void TestMappingAnalysis::chainsComeFromTheData()
{
    mapping::PairSample s;
    s.paytraceField = u"invoice_id"_s;
    s.magentoField = u"increment_id"_s;
    for (int i = 1; i <= 50; ++i)
        s.orderValues.insert(u"%1"_s.arg(i, 9, 10, QChar(u'0')), {u"%1"_s.arg(i, 9, 10, QChar(u'0'))});
    for (int i = 1; i <= 20; ++i)
        s.values << u"INV-%1"_s.arg(i);
    for (int i = 21; i <= 30; ++i)
        s.values << u"#%1"_s.arg(i, 9, 10, QChar(u'0'));
    s.values << u"X-1"_s << QString();
    QStringList chains;
    for (const mapping::TransformChain &c : mapping::candidateChains(s))
        chains << QString::fromUtf8(QJsonDocument(c.toJson()).toJson(QJsonDocument::Compact));
    // The prefixes seen often enough, the orders' width, the digits; simplest first.
    QCOMPARE(chains.first(), u"[]"_s);
    QVERIFY2(chains.contains(uR"j([{"op":"trim"},{"op":"stripPrefix","value":"INV-"},{"op":"zeroPad","width":9}])j"_s),
             qPrintable(chains.join(u'\n')));
    QVERIFY(chains.contains(uR"j([{"op":"trim"},{"op":"stripPrefix","value":"#"}])j"_s));
    QVERIFY(chains.contains(uR"j([{"op":"trim"},{"group":1,"op":"regexExtract","pattern":"(\\d+)"},{"op":"zeroPad","width":9}])j"_s));
    QVERIFY2(!chains.join(u'\n').contains(u"X-"_s), "a prefix seen once is a typo, not a habit");
    for (qsizetype i = 1; i < chains.size(); ++i)
        QVERIFY(mapping::candidateChains(s).at(i - 1).steps().size() <= mapping::candidateChains(s).at(i).steps().size());

    const mapping::LinkSuggestion best = mapping::rankSuggestions({s}, {}, 1).value(0);
    QCOMPARE(best.considered, 32);
    // INV-n padded, '#' + 9 digits and even X-1 once its digits are taken: 31 of 32.
    QCOMPARE(best.matched, 31);
    QCOMPARE(best.permille(), 968);
    QCOMPARE(best.evidence, u"PayTrace invoice_id, after trimming spaces, taking the digits and zero-padding to 9 "
                            "digits, equals Magento increment_id for 96.9 % of 32 transactions (31 find exactly one order)"_s);
    QCOMPARE(best.examples.size(), 3);
    QCOMPARE(best.examples.first(), u"INV-1 → 000000001 → order 000000001"_s);
}

void TestMappingAnalysis::rankingPrefersTheBetterThenTheSimpler()
{
    mapping::PairSample s;
    s.paytraceField = u"invoice_id"_s;
    s.magentoField = u"increment_id"_s;
    for (int i = 100; i < 1100; ++i) {
        s.orderValues.insert(QString::number(i), {QString::number(i)});
        s.values << QString::number(i);
    }
    s.values << u"#5000"_s << u"#5001"_s; // a prefix nobody's order carries
    s.orderValues.insert(u"dup"_s, {u"a"_s, u"b"_s});
    s.values << u"dup"_s;
    const QList<mapping::LinkSuggestion> ranked = mapping::rankSuggestions({s}, {}, 5);
    QVERIFY(!ranked.isEmpty());
    // Every chain finds the same 1000; the plain key comes first and nothing that only ties it follows.
    QCOMPARE(ranked.first().key.transforms.steps().size(), 0);
    QCOMPARE(ranked.first().matched, 1000);
    QCOMPARE(ranked.first().considered, 1003);
    QCOMPARE(ranked.size(), 1);
    QCOMPARE(ranked.first().evidence,
             u"PayTrace invoice_id equals Magento increment_id for 99.7 % of 1,003 transactions (1,000 find exactly one order)"_s);
}

void TestMappingAnalysis::cancelStopsRanking()
{
    mapping::PairSample s;
    s.paytraceField = u"invoice_id"_s;
    s.magentoField = u"increment_id"_s;
    s.values << u"1"_s;
    s.orderValues.insert(u"1"_s, {u"1"_s});
    std::atomic_bool cancel = true;
    QVERIFY(mapping::rankSuggestions({s}, {}, 5, &cancel).isEmpty());
    cancel = false;
    QCOMPARE(mapping::rankSuggestions({s}, {}, 5, &cancel).size(), 1);
}

void TestMappingAnalysis::suggestLinksOnAStore()
{
    QList<OrderRecord> orders;
    QList<Txn> txns;
    for (int i = 1; i <= 8; ++i) {
        // Entity ids unlike the order numbers, so that only the increment id can match.
        orders << order(500 + i, u"%1"_s.arg(i, 9, 10, QChar(u'0')), 1000 + i, u"processing"_s, u"processing"_s);
        txns << sale(u"T%1"_s.arg(i), u"#%1"_s.arg(i), 1000 + i);
    }
    // Two terminal sales without an invoice, one refund (not a payment: not considered).
    txns << sale(u"T9"_s, QString(), 999) << sale(u"T10"_s, QString(), 998);
    Txn refund = sale(u"T11"_s, u"#1"_s, 500);
    refund.type = Txn::Type::Refund;
    txns << refund;
    put(orders, txns);

    auto suggestions = sync::MappingAnalysis::suggestLinks(m_db, mapping::MappingProfile::defaults(), 3);
    QVERIFY2(suggestions, qPrintable(suggestions ? QString() : suggestions.error().toString()));
    QVERIFY(!suggestions->isEmpty());
    const mapping::LinkSuggestion &best = suggestions->first();
    QCOMPARE(best.key.paytraceField, u"invoice_id"_s);
    QCOMPARE(best.key.magentoField, u"increment_id"_s);
    QCOMPARE(best.key.transforms.toJson(), kStripAndPad);
    QCOMPARE(best.matched, 8);
    QCOMPARE(best.considered, 10);
    QCOMPARE(best.permille(), 800);
    QVERIFY2(best.evidence.contains(u"after trimming spaces, stripping '#' and zero-padding to 9 digits"_s),
             qPrintable(best.evidence));
    QVERIFY2(best.evidence.contains(u"80.0 % of 10 transactions"_s), qPrintable(best.evidence));
    QCOMPARE(best.examples.first(), u"#1 → 000000001 → order 000000001"_s);
    QCOMPARE(best.key.fallback.timeWindowMinutes, mapping::MappingProfile::defaults().linkKey().fallback.timeWindowMinutes);

    // The sync can use it: a profile with that key links exactly the figure.
    const mapping::MappingProfile draft = changed({u"linkKey"_s, u"transforms"_s}, kStripAndPad);
    QCOMPARE(draft.linkKey().transforms, best.key.transforms);
    auto linked = sync::Linker(m_db).link(draft, utc("2024-03-03T00:00:00"));
    QVERIFY(linked);
    QCOMPARE(*linked, 8 + 1); // and the refund naming #1

    std::atomic_bool cancel = true;
    auto stopped = sync::MappingAnalysis::suggestLinks(m_db, draft, 3, &cancel);
    QVERIFY(!stopped);
    QCOMPARE(stopped.error().code, u"mapping.analysis.cancelled"_s);
}

void TestMappingAnalysis::previewDiffCountsLinksStatusesAndAccounts()
{
    smallStore();
    const mapping::MappingProfile active = mapping::MappingProfile::defaults();
    QCOMPARE(*sync::Linker(m_db).link(active, utc("2024-03-03T00:00:00")), 1); // T1 only
    mapping::MappingProfile draft = changed({u"linkKey"_s, u"transforms"_s}, kStripAndPad);
    draft = changed({u"customStatuses"_s},
                    QJsonArray{QJsonObject{{u"code"_s, u"paid_online"_s}, {u"label"_s, u"Paid online"_s},
                                           {u"state"_s, u"new"_s}}},
                    draft);
    draft = changed({u"statusMap"_s, u"approved"_s}, u"paid_online"_s, draft);
    draft = changed({u"statusMap"_s, u"settled"_s}, u"fraud"_s, draft);

    auto diff = sync::MappingAnalysis::previewDiff(m_db, active, draft, {});
    QVERIFY2(diff, qPrintable(diff ? QString() : diff.error().toString()));
    QCOMPARE(diff->transactions, 3);
    QCOMPARE(diff->orders, 3);
    QCOMPARE(diff->linksSame, 1);
    QCOMPARE(diff->linksMade, 2);
    QCOMPARE(diff->linksLost, 0);
    QCOMPARE(diff->linksChanged, 0);
    QCOMPARE(diff->nextSyncNewLinks, 2);
    QCOMPARE(diff->links.size(), 2);
    QCOMPARE(diff->links.at(0).transactionId, u"T2"_s);
    QCOMPARE(diff->links.at(0).activeOrder, QString());
    QCOMPARE(diff->links.at(0).draftOrder, u"000000002"_s);
    QCOMPARE(diff->links.at(0).draftRule, u"key:invoice_id=increment_id"_s);

    // 000000001: settled, processing → fraud (a processing status) under the draft.
    // 000000002 (new): nothing linked under the active version, so it stays pending; approved
    // under the draft → paid_online, a status of its state. 000000003 is complete: the draft's
    // paid_online belongs to another state, so it keeps its status under both.
    QCOMPARE(diff->statusChanges, 2);
    QCOMPARE(diff->statuses.size(), 2);
    QMap<QString, sync::StatusChange> statuses;
    for (const sync::StatusChange &s : diff->statuses)
        statuses.insert(s.incrementId, s);
    QCOMPARE(statuses.value(u"000000001"_s).event, u"settled"_s);
    QCOMPARE(statuses.value(u"000000001"_s).activeTarget, u"processing"_s);
    QCOMPARE(statuses.value(u"000000001"_s).draftTarget, u"fraud"_s);
    QCOMPARE(statuses.value(u"000000002"_s).currentStatus, u"pending"_s);
    QCOMPARE(statuses.value(u"000000002"_s).activeTarget, u"pending"_s);
    QCOMPARE(statuses.value(u"000000002"_s).event, u"approved"_s);
    QCOMPARE(statuses.value(u"000000002"_s).draftTarget, u"paid_online"_s);

    // Sale and payment entries: the active books 110.00, the draft 110.00 + 50.00 + 20.00.
    QMap<QString, std::pair<qint64, qint64>> lines;
    for (const sync::AccountLine &l : diff->accounts) {
        QCOMPARE(l.currency, u"USD"_s);
        lines.insert(l.account, {l.activeMinor, l.draftMinor});
    }
    QCOMPARE(lines.size(), 3);
    QCOMPARE(lines.value(u"Income:Sales"_s), (std::pair<qint64, qint64>(-11000, -18000)));
    QCOMPARE(lines.value(u"Assets:PayTrace Clearing"_s), (std::pair<qint64, qint64>(11000, 18000)));
    QCOMPARE(lines.value(u"Assets:Accounts Receivable"_s), (std::pair<qint64, qint64>(0, 0)));

    // The next sync under the draft links exactly what the preview said; then nothing is new.
    QCOMPARE(*sync::Linker(m_db).link(draft, utc("2024-03-03T00:00:00")), diff->nextSyncNewLinks);
    auto after = sync::MappingAnalysis::previewDiff(m_db, active, draft, {});
    QVERIFY(after);
    QCOMPARE(after->nextSyncNewLinks, 0);
    QCOMPARE(after->linksMade, 2); // from scratch, stored links do not change the comparison

    // The same profile on both sides changes nothing.
    auto same = sync::MappingAnalysis::previewDiff(m_db, draft, draft, {});
    QVERIFY(same);
    QCOMPARE(same->linksSame, 3);
    QCOMPARE(same->linksMade + same->linksLost + same->linksChanged + same->statusChanges, 0);
    for (const sync::AccountLine &l : same->accounts)
        QCOMPARE(l.activeMinor, l.draftMinor);
}

void TestMappingAnalysis::previewFilter()
{
    smallStore();
    const mapping::MappingProfile active = mapping::MappingProfile::defaults();
    const mapping::MappingProfile draft = changed({u"linkKey"_s, u"transforms"_s}, kStripAndPad);
    auto byOrder = sync::MappingAnalysis::previewDiff(m_db, active, draft, {{}, {}, u"000000002"_s, 500});
    QVERIFY(byOrder);
    QCOMPARE(byOrder->transactions, 1);
    QCOMPARE(byOrder->orders, 1);
    QCOMPARE(byOrder->linksMade, 1);
    auto byTx = sync::MappingAnalysis::previewDiff(m_db, active, draft, {{}, {}, u"T1"_s, 500});
    QVERIFY(byTx);
    QCOMPARE(byTx->transactions, 1);
    QCOMPARE(byTx->linksSame, 1);
    auto before = sync::MappingAnalysis::previewDiff(m_db, active, draft, {{}, QDate(2024, 2, 29), {}, 500});
    QVERIFY(before);
    QCOMPARE(before->transactions, 0);
    QCOMPARE(before->orders, 0);
    // The whole store is still what the next sync sees.
    QCOMPARE(before->nextSyncNewLinks, 3);
    auto listed = sync::MappingAnalysis::previewDiff(m_db, active, draft, {QDate(2024, 3, 1), QDate(2024, 3, 1), {}, 1});
    QVERIFY(listed);
    QCOMPARE(listed->linksMade, 2);
    QCOMPARE(listed->links.size(), 1);
}

// A store of PAYBRIDGE_ANALYSIS_ROWS transactions (default 20,000; the studio is meant for
// ~100,000): 90 % keyed "#<n>", 5 % exact, 5 % without an invoice. Both analyses must finish
// within a minute even in the sanitizer build, and the figures must be exact.
void TestMappingAnalysis::largeStoreInSeconds()
{
    const int rows = qEnvironmentVariableIsSet("PAYBRIDGE_ANALYSIS_ROWS")
        ? qEnvironmentVariableIntValue("PAYBRIDGE_ANALYSIS_ROWS")
        : 20000;
    QList<OrderRecord> orders;
    QList<Txn> txns;
    int expectedByChain = 0;
    for (int i = 1; i <= rows; ++i) {
        OrderRecord o = order(i, u"%1"_s.arg(i, 9, 10, QChar(u'0')), 1000 + i, u"processing"_s, u"processing"_s);
        o.createdAt = utc("2024-03-01T10:00:00").addSecs(qint64(i) * 60);
        orders << o;
        const QString invoice = i % 20 == 0 ? QString() : i % 20 == 1 ? o.incrementId : u"#%1"_s.arg(i);
        Txn t = sale(u"T%1"_s.arg(i), invoice, 1000 + i);
        t.createdAt = o.createdAt.addSecs(30);
        txns << t;
        expectedByChain += invoice.isEmpty() ? 0 : 1;
    }
    QElapsedTimer timer;
    timer.start();
    QVERIFY(store::OrderRepository(m_db).upsert(orders, utc("2024-03-02T00:00:00")));
    QVERIFY(store::TransactionRepository(m_db).upsert(txns, utc("2024-03-02T00:00:00")));
    qInfo() << "stored" << rows << "orders and transactions in" << timer.restart() << "ms";

    auto suggestions = sync::MappingAnalysis::suggestLinks(m_db, mapping::MappingProfile::defaults(), 5);
    const qint64 suggestMs = timer.restart();
    QVERIFY(suggestions);
    QVERIFY(!suggestions->isEmpty());
    QCOMPARE(suggestions->first().key.transforms.toJson(), kStripAndPad);
    QCOMPARE(suggestions->first().matched, expectedByChain);
    QCOMPARE(suggestions->first().considered, rows);

    const mapping::MappingProfile draft = changed({u"linkKey"_s, u"transforms"_s}, kStripAndPad);
    auto diff = sync::MappingAnalysis::previewDiff(m_db, mapping::MappingProfile::defaults(), draft, {});
    const qint64 previewMs = timer.restart();
    QVERIFY2(diff, qPrintable(diff ? QString() : diff.error().toString()));
    QCOMPARE(diff->transactions, rows);
    QCOMPARE(diff->nextSyncNewLinks, expectedByChain);
    QCOMPARE(diff->linksSame + diff->linksMade, expectedByChain);
    qInfo() << "over" << rows << "transactions: suggestLinks" << suggestMs << "ms, previewDiff" << previewMs << "ms";
    QVERIFY2(suggestMs < 60000 && previewMs < 60000, "the analysis is too slow for the studio");
}

// docs/mapping-format.md's example is a document PayBridge reads, with the chain it explains.
void TestMappingAnalysis::formatDocumentExampleLoads()
{
    QFile doc(QStringLiteral(QT_TESTCASE_SOURCEDIR) + u"/../../docs/mapping-format.md"_s);
    QVERIFY2(doc.open(QIODevice::ReadOnly), qPrintable(doc.fileName()));
    const QString text = QString::fromUtf8(doc.readAll());
    const qsizetype start = text.indexOf(u"```json\n"_s);
    QVERIFY(start >= 0);
    const qsizetype end = text.indexOf(u"```"_s, start + 8);
    QVERIFY(end > start);
    auto profile = mapping::MappingProfile::fromJson(text.mid(start + 8, end - start - 8).toUtf8());
    QVERIFY2(profile, qPrintable(profile ? QString() : profile.error().toString()));
    QCOMPARE(profile->linkKey().transforms.toJson(), kStripAndPad);
    QCOMPARE(profile->linkKey().transforms.apply(u" #123"_s).value(), u"000000123"_s);
    QCOMPARE(profile->stateOfStatus(u"payment_received"_s), u"processing"_s);
    QCOMPARE(profile->account(mapping::AccountRole::Cash, *Currency::fromCode(u"EUR"_s)), u"Assets:Bank:EUR"_s);
}

QTEST_GUILESS_MAIN(TestMappingAnalysis)
#include "tst_mapping_analysis.moc"
