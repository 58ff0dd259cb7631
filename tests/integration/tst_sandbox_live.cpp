// The live store (issue 13): POST /__admin/checkout places one order and its PayTrace payment;
// --live keeps placing orders and ships, captures, refunds and cancels them on the sandbox clock.

#include "livestore.h"
#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb::sandbox;

class TestSandboxLive : public QObject
{
    Q_OBJECT

private:
    QNetworkAccessManager m_nam;

    std::pair<int, QJsonObject> checkout(Sandbox &s, const QByteArray &body)
    {
        QUrl u = s.adminUrl();
        u.setPath(u.path() + u"/checkout"_s);
        QNetworkRequest request(u);
        request.setRawHeader("Content-Type", "application/json");
        QNetworkReply *reply = m_nam.post(request, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(20000);
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QJsonObject o = QJsonDocument::fromJson(reply->readAll()).object();
        reply->deleteLater();
        return {status, o};
    }

    static SandboxOptions options()
    {
        SandboxOptions o;
        o.orders = 60;
        o.seed = 5;
        o.startTime = QDateTime(QDate(2025, 5, 16), QTime(18, 0, 0), Qt::UTC);
        return o;
    }

private slots:
    void checkoutPlacesOrderAndPayment()
    {
        Sandbox s(options());
        QVERIFY(s.start());
        const qsizetype before = s.magento().orderCount();
        auto [status, body] = checkout(s, R"({"payment":"paytrace","action":"sale","amount":"12.34","currency":"USD"})");
        QCOMPARE(status, 200);
        const QString increment = body.value(u"increment_id"_s).toString();
        const qint64 entity = body.value(u"entity_id"_s).toInteger();
        const qint64 tx = body.value(u"transaction_id"_s).toString().toLongLong();
        QCOMPARE(s.magento().orderCount(), before + 1);
        const auto order = s.magento().order(entity);
        QVERIFY(order);
        QCOMPARE(order->incrementId, increment);
        QCOMPARE(order->grandTotal, qint64(1234));
        QCOMPARE(order->state, u"processing"_s);
        QCOMPARE(order->totalPaid.value_or(0), qint64(1234));
        QCOMPARE(order->payment.lastTransId, QString::number(tx));
        QCOMPARE(order->createdAt, s.clock().nowSecs());
        const auto t = s.paytrace().transaction(tx);
        QVERIFY(t);
        QCOMPARE(t->kind, PayTraceKind::Sale);
        QCOMPARE(t->amount, qint64(1234));
        QCOMPARE(t->invoiceId, increment);
        QVERIFY(t->approved);

        std::tie(status, body) = checkout(s, R"({"payment":"paytrace","action":"authorization","amount":"40.00"})");
        QCOMPARE(status, 200);
        const auto auth = s.paytrace().transaction(body.value(u"transaction_id"_s).toString().toLongLong());
        QVERIFY(auth);
        QCOMPARE(auth->kind, PayTraceKind::Authorization);
        QVERIFY(!auth->capturedAmount);
        QCOMPARE(s.magento().order(body.value(u"entity_id"_s).toInteger())->payment.amountAuthorized.value_or(0), qint64(4000));
    }

    void checkoutNamesTheBadField_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("payment") << QByteArray(R"({"payment":"checkmo","action":"sale"})") << u"payment"_s;
        QTest::newRow("action") << QByteArray(R"({"action":"capture"})") << u"action"_s;
        QTest::newRow("no action") << QByteArray(R"({"amount":"1.00"})") << u"action"_s;
        QTest::newRow("amount number") << QByteArray(R"({"action":"sale","amount":12.34})") << u"amount"_s;
        QTest::newRow("amount decimals") << QByteArray(R"({"action":"sale","amount":"1.234"})") << u"amount"_s;
        QTest::newRow("amount zero") << QByteArray(R"({"action":"sale","amount":"0"})") << u"amount"_s;
        QTest::newRow("currency") << QByteArray(R"({"action":"sale","currency":"EUR"})") << u"currency"_s;
        QTest::newRow("unknown") << QByteArray(R"({"action":"sale","tip":"1"})") << u"tip"_s;
        QTest::newRow("not json") << QByteArray("{") << u"JSON"_s;
    }

    void checkoutNamesTheBadField()
    {
        QFETCH(QByteArray, body);
        QFETCH(QString, field);
        Sandbox s(options());
        QVERIFY(s.start());
        const qsizetype before = s.magento().orderCount();
        const auto [status, answer] = checkout(s, body);
        QCOMPARE(status, 400);
        QVERIFY2(answer.value(u"error"_s).toString().contains(field), qPrintable(answer.value(u"error"_s).toString()));
        QCOMPARE(s.magento().orderCount(), before);
    }

    // Live mode on the sandbox clock: orders arrive, then shipments, captures and cancels.
    void liveModeKeepsTrading()
    {
        SandboxOptions o = options();
        o.liveOrdersPerMinute = 6;
        Sandbox s(o);
        QVERIFY(s.start());
        const qsizetype before = s.magento().orderCount();
        const qsizetype txBefore = s.paytrace().transactions().size();
        // An hour of sandbox time, a minute at a time.
        for (int minute = 0; minute < 60; ++minute) {
            s.clock().advanceSeconds(60);
            s.live().tick();
        }
        const LiveStore::Counts c = s.live().counts();
        const qsizetype placed = s.magento().orderCount() - before;
        QVERIFY2(placed >= 200 && placed <= 500, qPrintable(QString::number(placed))); // 6/min for 60 min (catch-up capped)
        QCOMPARE(qsizetype(c.orders), placed);
        QVERIFY(c.captures > 0);
        QVERIFY(c.shipments > 0);
        QVERIFY(c.cancels + c.voids + c.refunds > 0);
        QVERIFY(s.paytrace().transactions().size() >= txBefore + placed);
        // Every live order's payment carries its increment id as the invoice.
        const auto orders = s.magento().orders();
        for (qsizetype i = before; i < orders.size(); ++i) {
            const auto t = s.paytrace().transaction(orders[i].payment.lastTransId.toLongLong());
            QVERIFY(t);
            QCOMPARE(t->invoiceId, orders[i].incrementId);
        }

        // Same seed and clock: the same store.
        Sandbox again(o);
        QVERIFY(again.start());
        for (int minute = 0; minute < 60; ++minute) {
            again.clock().advanceSeconds(60);
            again.live().tick();
        }
        QCOMPARE(again.magento().orderCount(), s.magento().orderCount());
        QCOMPARE(again.live().counts().captures, c.captures);
    }
};

QTEST_GUILESS_MAIN(TestSandboxLive)
#include "tst_sandbox_live.moc"
