// A real sync (HTTP, SQLite) of the sandbox's store: USD base, some orders shown in EUR, GBP or
// JPY and charged in USD. Each such order paid at PayTrace shows paid in USD, and a refund
// planned on it sends the USD amount to PayTrace and the order currency to Magento.
#include "sandbox.h"
#include "paytracesim.h"
#include "store/database.h"
#include "store/orderrepository.h"
#include "sync/operationplanner.h"
#include "sync/orderpayment.h"
#include "sync/syncservice.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

using namespace pb;
using namespace Qt::StringLiterals;

class TestSyncMultiCurrency : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void displayCurrencyOrdersArePaidInBase();

private:
    test::IsolatedHome m_home;
};

void TestSyncMultiCurrency::displayCurrencyOrdersArePaidInBase()
{
    sandbox::SandboxOptions options;
    options.orders = 200;
    options.seed = 11;
    sandbox::SandboxThread sandbox(options);
    QString error;
    QVERIFY2(sandbox.start(&error), qPrintable(error));
    sandbox::Sandbox &sb = *sandbox.sandbox();

    const QString dbPath = m_home.path() + u"/multi.sqlite"_s;
    {
        sync::SyncConfig config;
        config.profileName = u"multicurrency"_s;
        config.databasePath = dbPath;
        config.paytraceUrl = sb.paytraceUrl().toString();
        config.magentoUrl = sb.magentoUrl().toString();
        config.magentoAuth = u"oauth1"_s;
        config.historyDays = 35;
        for (const auto &[key, value] : sb.credentials())
            config.secrets.insert(key, value);
        sync::SyncService service(config);
        QSignalSpy finished(&service, &sync::SyncService::finished);
        QSignalSpy failed(&service, &sync::SyncService::failed);
        service.syncNow();
        QElapsedTimer waited;
        waited.start();
        while (finished.isEmpty() && failed.isEmpty() && waited.elapsed() < 120000)
            QTest::qWait(20);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.isEmpty() ? QString() : failed.first().first().value<Error>().toString()));
        QVERIFY(!finished.isEmpty());
    }

    // Declared first, so it runs after every handle on the connection is gone.
    const auto closeDb = qScopeGuard([] { store::Database::close(u"multi-check"_s); });
    auto db = store::Database::openReader(dbPath, u"multi-check"_s);
    QVERIFY2(db, qPrintable(db ? QString() : db.error().toString()));
    QSqlDatabase conn = db.value();
    // Display-currency orders with a captured USD sale linked to them.
    QSqlQuery q(conn);
    QVERIFY(q.exec(uR"(
SELECT o.increment_id, o.pay_status, o.pay_captured, o.state,
       (SELECT SUM(t.amount) FROM order_transaction_links l JOIN gateway_transactions t ON t.transaction_id = l.transaction_id
        WHERE l.order_entity_id = o.entity_id AND t.currency = o.base_currency
          AND t.type = 'sale' AND t.status IN ('approved', 'pending_settlement', 'settled'))
FROM orders o
WHERE o.base_currency = 'USD' AND o.currency <> 'USD'
  AND EXISTS (SELECT 1 FROM order_transaction_links l JOIN gateway_transactions t ON t.transaction_id = l.transaction_id
              WHERE l.order_entity_id = o.entity_id AND t.type = 'sale' AND t.currency = 'USD'
                AND t.status IN ('approved', 'pending_settlement', 'settled'))
ORDER BY o.entity_id)"_s));
    QStringList settledOrders;
    int checked = 0;
    while (q.next()) {
        ++checked;
        const QString inc = q.value(0).toString();
        const QString status = q.value(1).toString();
        QVERIFY2(status != u"unpaid"_s && status != u"declined"_s, qPrintable(inc + u' ' + status));
        QVERIFY2(q.value(2).toLongLong() >= q.value(4).toLongLong(), qPrintable(inc));
        const QString state = q.value(3).toString();
        if (status == u"settled"_s && (state == u"processing"_s || state == u"complete"_s))
            settledOrders << inc;
    }
    q.finish();
    QVERIFY2(checked >= 3, qPrintable(QString::number(checked)));
    QVERIFY(!settledOrders.isEmpty());

    // A partial refund on a settled one: USD to PayTrace, the order currency to Magento.
    const auto payment = sync::loadOrderPayment(conn, settledOrders.first());
    QVERIFY2(payment, qPrintable(payment ? QString() : payment.error().toString()));
    QCOMPARE(payment->facts.currency.code(), u"USD"_s);
    const Money captured = payment->facts.captured;
    QVERIFY(captured.minor() >= 2);
    sync::OperationRequest r;
    r.kind = sync::OperationKind::Refund;
    r.orderIncrementId = settledOrders.first();
    r.amount = Money::fromMinor(captured.minor() / 2, captured.currency());
    r.reason = u"half returned"_s;
    r.actor = u"finance"_s;
    const auto chain = sync::OperationPlanner::plan(*payment, r, mapping::MappingProfile::defaults(), sb.clock().nowUtc());
    QVERIFY2(chain.preview.allowed, qPrintable(chain.preview.refusal));
    QCOMPARE(chain.requests.at(0).kind, intents::IntentKind::PayTraceRefund);
    QCOMPARE(chain.requests.at(0).payload.value(u"currency"_s).toString(), u"USD"_s);
    QCOMPARE(chain.requests.at(0).payload.value(u"amount"_s).toString(), r.amount->toDecimalString());
    QCOMPARE(chain.requests.at(1).payload.value(u"currency"_s).toString(), payment->order.currency.code());
    QCOMPARE(chain.requests.at(1).payload.value(u"amount"_s).toString(),
             sync::inOrderCurrency(payment->order, *r.amount).toDecimalString());
}

QTEST_GUILESS_MAIN(TestSyncMultiCurrency)
#include "tst_sync_multicurrency.moc"
