// The automation rules' start against PayTrace's clock: PayTrace reports whole seconds, the
// rules' start is kept to the millisecond. A payment made in the same second as the rules were
// switched on must be acted on (it was not: 12:00:00 < 12:00:00.400); one a whole second
// before is history and stays alone. Real SQLite store, the real rule evaluation.
#include "mapping/mappingprofile.h"
#include "store/database.h"
#include "store/linkrepository.h"
#include "store/orderrepository.h"
#include "store/transactionrepository.h"
#include "sync/automationrules.h"

#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

using namespace Qt::StringLiterals;
using namespace pb;

namespace {

const QString kConnection = u"tst_rules_activation"_s;

Currency usdCurrency()
{
    return *Currency::fromCode(u"USD"_s);
}

// A new order paid by a PayTrace sale at `paidAt` (order 100000501, sale 880501), linked.
void seedPaidOrder(QSqlDatabase &db, const QDateTime &paidAt)
{
    const Currency usd = usdCurrency();
    OrderRecord o;
    o.entityId = 501;
    o.incrementId = u"100000501"_s;
    o.state = u"new"_s;
    o.status = u"pending"_s;
    o.currency = usd;
    o.baseCurrency = usd;
    o.grandTotal = Money::fromMinor(4200, usd);
    o.baseGrandTotal = Money::fromMinor(4200, usd);
    o.totalPaid = Money::zero(usd);
    o.totalInvoiced = Money::zero(usd);
    o.totalRefunded = Money::zero(usd);
    o.totalDue = Money::fromMinor(4200, usd);
    o.paymentMethod = u"paytrace"_s;
    // Saved in Magento well before: only the payment can make the rules look at it.
    o.createdAt = paidAt.addSecs(-7200);
    o.updatedAt = paidAt.addSecs(-7200);
    QVERIFY(store::OrderRepository(db).upsert({o}, paidAt.addSecs(60)));

    GatewayTransaction t;
    t.transactionId = u"880501"_s;
    t.type = GatewayTransaction::Type::Sale;
    t.typeText = u"SALE"_s;
    t.status = GatewayTransaction::Status::PendingSettlement;
    t.statusCode = u"Y"_s;
    t.amount = Money::fromMinor(4200, usd);
    t.invoiceId = o.incrementId;
    t.cardType = u"Visa"_s;
    t.cardLast4 = u"1111"_s;
    t.createdAt = paidAt;
    t.createdAtText = paidAt.toTimeZone(QTimeZone("America/Los_Angeles")).toString(u"M/d/yyyy h:mm:ss AP"_s);
    QVERIFY(store::TransactionRepository(db).upsert({t}, paidAt.addSecs(60)));
    auto linked = store::LinkRepository(db).linkByInvoiceId(paidAt.addSecs(60));
    QVERIFY(linked);
    QCOMPARE(linked.value(), 1);
}

} // namespace

class TestRulesActivation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void paymentInTheActivationSecond_data();
    void paymentInTheActivationSecond();
    void erpEntriesAreBookedOnTheBusinessDay();
};

void TestRulesActivation::paymentInTheActivationSecond_data()
{
    QTest::addColumn<qint64>("activationAfterPaymentMs");
    QTest::addColumn<bool>("actedOn");

    QTest::newRow("same instant") << 0LL << true;
    QTest::newRow("same second, 400 ms later") << 400LL << true;
    QTest::newRow("same second, 999 ms later") << 999LL << true;
    QTest::newRow("payment after activation") << -1500LL << true;
    QTest::newRow("a whole second later") << 1000LL << false;
    QTest::newRow("an hour later") << 3600000LL << false;
}

void TestRulesActivation::paymentInTheActivationSecond()
{
    QFETCH(qint64, activationAfterPaymentMs);
    QFETCH(bool, actedOn);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto opened = store::Database::openWriter(dir.filePath(u"store.sqlite"_s), kConnection);
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
    QSqlDatabase db = opened.value();
    {
        // PayTrace's time of the sale: a whole second, as its export reports it.
        const QDateTime paidAt(QDate(2026, 3, 2), QTime(18, 30, 12), QTimeZone::utc());
        seedPaidOrder(db, paidAt);
        const QDateTime activatedAt = paidAt.addMSecs(activationAfterPaymentMs);
        auto evaluation = sync::AutomationRules::evaluate(db, mapping::MappingProfile::defaults(), activatedAt,
                                                          paidAt.addSecs(60));
        QVERIFY2(evaluation, qPrintable(evaluation ? QString() : evaluation.error().toString()));
        bool paidRule = false;
        for (const auto &chain : std::as_const(evaluation->chains))
            paidRule = paidRule || (!chain.isEmpty() && chain.first().naturalKey.startsWith(u"rule:paid:880501/"));
        QCOMPARE(paidRule, actedOn);
    }
    db = QSqlDatabase();
    store::Database::close(kConnection);
}

void TestRulesActivation::erpEntriesAreBookedOnTheBusinessDay()
{
    // Paid at 5:30 pm Pacific on 31 December, 01:30 UTC on 1 January: the sale and the payment
    // belong to December's books.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    auto opened = store::Database::openWriter(dir.filePath(u"store.sqlite"_s), kConnection);
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().toString()));
    QSqlDatabase db = opened.value();
    {
        const QDateTime paidAt(QDate(2027, 1, 1), QTime(1, 30, 0), QTimeZone::utc());
        seedPaidOrder(db, paidAt);
        auto evaluation = sync::AutomationRules::evaluate(db, mapping::MappingProfile::defaults(), paidAt.addSecs(-60),
                                                          paidAt.addSecs(60));
        QVERIFY2(evaluation, qPrintable(evaluation ? QString() : evaluation.error().toString()));
        int erp = 0;
        for (const auto &chain : std::as_const(evaluation->chains)) {
            for (const auto &request : chain) {
                if (request.kind != intents::IntentKind::ErpEntry)
                    continue;
                ++erp;
                QCOMPARE(request.payload.value(u"date"_s).toString(), u"2026-12-31"_s);
            }
        }
        QVERIFY(erp > 0);
    }
    db = QSqlDatabase();
    store::Database::close(kConnection);
}

QTEST_GUILESS_MAIN(TestRulesActivation)
#include "tst_rules_activation.moc"
