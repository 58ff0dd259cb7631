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

} // namespace

class TestRulesActivation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void paymentInTheActivationSecond_data();
    void paymentInTheActivationSecond();
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
        const Currency usd = usdCurrency();
        // PayTrace's time of the sale: a whole second, as its export reports it.
        const QDateTime paidAt(QDate(2026, 3, 2), QTime(18, 30, 12), QTimeZone::utc());
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
        t.createdAtText = u"3/2/2026 10:30:12 AM"_s;
        QVERIFY(store::TransactionRepository(db).upsert({t}, paidAt.addSecs(60)));
        auto linked = store::LinkRepository(db).linkByInvoiceId(paidAt.addSecs(60));
        QVERIFY(linked);
        QCOMPARE(linked.value(), 1);

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

QTEST_GUILESS_MAIN(TestRulesActivation)
#include "tst_rules_activation.moc"
