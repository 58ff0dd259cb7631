// The mapping studio's evidence against a store synced over real HTTP from the sandbox:
// suggestions on the untidy PayTrace account, and a link key changed to a transform chain whose
// preview must count exactly what the next sync links.
#include "mapping/mappingprofile.h"
#include "mapping/mappingstore.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/database.h"
#include "sync/mappinganalysis.h"
#include "sync/syncservice.h"
#include "syncworld.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

using namespace pb;
using namespace Qt::StringLiterals;

namespace {

const QString kPaymentFilter = uR"(t.type IN ('sale', 'authorization')
  AND t.status IN ('approved', 'pending_settlement', 'settled', 'authorized', 'voided'))"_s;

qint64 scalar(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    if (!q.exec(sql) || !q.next()) {
        qWarning() << sql << q.lastError().text();
        return -1;
    }
    return q.value(0).toLongLong();
}

const QJsonArray kStripAndPad{QJsonObject{{u"op"_s, u"trim"_s}},
                              QJsonObject{{u"op"_s, u"stripPrefix"_s}, {u"value"_s, u"#"_s}},
                              QJsonObject{{u"op"_s, u"zeroPad"_s}, {u"width"_s, 9}}};

} // namespace

class TestMappingAnalysisSandbox : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void suggestionsOnTheUntidyAccount();
    void transformChainPreviewEqualsNextSync();

private:
    test::IsolatedHome m_home;
};

void TestMappingAnalysisSandbox::suggestionsOnTheUntidyAccount()
{
    sandbox::SandboxOptions options;
    options.orders = 400;
    options.seed = 31;
    QVERIFY(options.paytraceUntidy); // terminal sales, mistyped invoices, second payments
    sandbox::SandboxThread thread(options);
    QString error;
    QVERIFY2(thread.start(&error), qPrintable(error));
    const QString dir = m_home.path() + u"/untidy"_s;
    QVERIFY(QDir().mkpath(dir));
    const sync::SyncConfig config = test::sandboxSyncConfig(*thread.sandbox(), dir, u"untidy"_s, u"boss"_s);
    {
        sync::SyncService service(config);
        QVERIFY(test::syncOnce(service));
    }

    auto opened = store::Database::openReader(config.databasePath, u"analysis"_s);
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
    QSqlDatabase db = opened.value();
    // The truth by another road: payments whose invoice is an order number, joined in SQL.
    const qint64 payments = scalar(db, u"SELECT count(*) FROM gateway_transactions t WHERE "_s + kPaymentFilter);
    const qint64 exact = scalar(db, u"SELECT count(*) FROM gateway_transactions t WHERE "_s + kPaymentFilter
                                        + u" AND EXISTS (SELECT 1 FROM orders o WHERE o.increment_id = t.invoice_id)"_s);
    const qint64 terminal = scalar(db, u"SELECT count(*) FROM gateway_transactions t WHERE "_s + kPaymentFilter
                                           + u" AND t.invoice_id = ''"_s);
    QVERIFY2(payments > 300 && terminal > 0 && exact < payments, "the account is not untidy");

    QElapsedTimer timer;
    timer.start();
    auto suggestions = sync::MappingAnalysis::suggestLinks(db, mapping::MappingProfile::defaults(), 5);
    const qint64 ms = timer.elapsed();
    QVERIFY2(suggestions, qPrintable(suggestions ? QString() : suggestions.error().toString()));
    QVERIFY(!suggestions->isEmpty());
    const mapping::LinkSuggestion &best = suggestions->first();
    qInfo() << "suggestLinks over" << payments << "payments took" << ms << "ms:" << best.evidence;
    QCOMPARE(best.key.paytraceField, u"invoice_id"_s);
    QCOMPARE(best.key.magentoField, u"increment_id"_s);
    QVERIFY2(best.key.transforms.isEmpty(), QJsonDocument(best.key.transforms.toJson()).toJson().constData());
    QCOMPARE(qint64(best.considered), payments);
    QCOMPARE(qint64(best.matched), exact);
    const qint64 tenths = (exact * 1000 + payments / 2) / payments;
    const QString figure = u"equals Magento increment_id for %1.%2 % of "_s.arg(tenths / 10).arg(tenths % 10);
    QVERIFY2(best.evidence.startsWith(u"PayTrace invoice_id "_s + figure), qPrintable(best.evidence));
    QCOMPARE(best.examples.size(), 3);
    // Ranked by the figure.
    for (qsizetype i = 1; i < suggestions->size(); ++i)
        QVERIFY(suggestions->at(i - 1).permille() >= suggestions->at(i).permille());
    db = QSqlDatabase();
    store::Database::close(u"analysis"_s);
}

void TestMappingAnalysisSandbox::transformChainPreviewEqualsNextSync()
{
    sandbox::SandboxOptions options;
    options.orders = 250;
    options.seed = 37;
    options.paytraceUntidy = false;
    sandbox::SandboxThread thread(options);
    QString error;
    QVERIFY2(thread.start(&error), qPrintable(error));
    sandbox::Sandbox &sb = *thread.sandbox();

    // Fifteen sales keyed by hand the way some shops do: "#123" for order 000000123, and on
    // another card, so neither the plain key nor the fallback can link them.
    QStringList changed;
    QSet<QString> invoices;
    for (const sandbox::PayTraceTransaction &t : sb.paytrace().transactions()) {
        if (changed.size() == 15)
            break;
        if (t.kind != sandbox::PayTraceKind::Sale || !t.approved || t.voided || t.invoiceId.size() != 9
            || invoices.contains(t.invoiceId))
            continue;
        invoices.insert(t.invoiceId);
        QString number = t.invoiceId;
        while (number.startsWith(u'0'))
            number.remove(0, 1);
        QString masked = t.card.maskedNumber(true);
        masked.chop(4);
        sb.paytrace().setTransactionOverride(
            t.id, QJsonObject{{u"invoice_id"_s, QString(u"#"_s + number)},
                              {u"credit_card"_s, QJsonObject{{u"masked_number"_s, QString(masked + u"0000"_s)},
                                                             {u"expiration_month"_s, int(t.card.expirationMonth)},
                                                             {u"expiration_year"_s, int(t.card.expirationYear % 100)}}}});
        changed << QString::number(t.id);
    }
    QCOMPARE(changed.size(), 15);

    const QString dir = m_home.path() + u"/chain"_s;
    QVERIFY(QDir().mkpath(dir));
    const sync::SyncConfig config = test::sandboxSyncConfig(sb, dir, u"chain"_s, u"boss"_s);
    sync::SyncService service(config);
    QVERIFY(test::syncOnce(service));

    auto opened = store::Database::openWriter(config.databasePath, u"chain-writer"_s);
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
    QSqlDatabase db = opened.value();
    const QString inChanged = u"('"_s + changed.join(u"','"_s) + u"')"_s;
    QCOMPARE(scalar(db, u"SELECT count(*) FROM gateway_transactions WHERE transaction_id IN "_s + inChanged
                            + u" AND invoice_id LIKE '#%'"_s),
             15);
    QCOMPARE(scalar(db, u"SELECT count(*) FROM order_transaction_links WHERE transaction_id IN "_s + inChanged), 0);

    const mapping::MappingProfile active = mapping::MappingProfile::defaults();
    QJsonObject json = QJsonDocument::fromJson(active.toJson()).object();
    QJsonObject linkKey = json.value(u"linkKey"_s).toObject();
    linkKey.insert(u"transforms"_s, kStripAndPad);
    json.insert(u"linkKey"_s, linkKey);
    const QByteArray document = QJsonDocument(json).toJson();
    auto draft = mapping::MappingProfile::fromJson(document);
    QVERIFY2(draft, qPrintable(draft ? QString() : draft.error().toString()));

    QElapsedTimer timer;
    timer.start();
    auto diff = sync::MappingAnalysis::previewDiff(db, active, *draft, {});
    QVERIFY2(diff, qPrintable(diff ? QString() : diff.error().toString()));
    qInfo() << "previewDiff over" << diff->transactions << "transactions took" << timer.elapsed() << "ms";
    QVERIFY2(diff->nextSyncNewLinks >= 15, qPrintable(QString::number(diff->nextSyncNewLinks)));
    QVERIFY(diff->linksMade >= 15);
    QCOMPARE(diff->linksLost, 0);

    // The draft becomes the active version; the next sync links exactly what the preview said.
    mapping::MappingStore mappings(db);
    auto saved = mappings.save(document, u"boss"_s, u"invoices keyed as #123"_s);
    QVERIFY2(saved, qPrintable(saved ? QString() : saved.error().toString()));
    const qint64 before = scalar(db, u"SELECT count(*) FROM order_transaction_links"_s);
    QVERIFY(test::syncOnce(service));
    const qint64 after = scalar(db, u"SELECT count(*) FROM order_transaction_links"_s);
    QCOMPARE(after - before, qint64(diff->nextSyncNewLinks));
    QCOMPARE(scalar(db, u"SELECT count(*) FROM order_transaction_links WHERE rule = 'key:invoice_id=increment_id' "
                        "AND transaction_id IN "_s + inChanged),
             15);
    // Each went to the order its number names.
    QCOMPARE(scalar(db, u"SELECT count(*) FROM order_transaction_links l JOIN gateway_transactions t USING (transaction_id) "
                        "JOIN orders o ON o.entity_id = l.order_entity_id WHERE t.transaction_id IN "_s + inChanged
                        + u" AND '#' || ltrim(o.increment_id, '0') = t.invoice_id"_s),
             15);
    auto again = sync::MappingAnalysis::previewDiff(db, *draft, *draft, {});
    QVERIFY(again);
    QCOMPARE(again->nextSyncNewLinks, 0);
    db = QSqlDatabase();
    store::Database::close(u"chain-writer"_s);
}

QTEST_GUILESS_MAIN(TestMappingAnalysisSandbox)
#include "tst_mapping_analysis_sandbox.moc"
