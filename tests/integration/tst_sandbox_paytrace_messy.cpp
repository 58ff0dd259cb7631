// The PayTrace simulator as untidy as a real account (issue 13), over real HTTP: export
// overrides for other tests, transactions that match no order by invoice, varied statuses and
// AVS/CSC answers, batch close times, empty ranges and the API user without export rights.
// Expected values come from docs/paytrace.md and the recordings, not from the simulator's code.

#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "simutil.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb::sandbox;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

QDateTime fixedStart()
{
    return QDateTime(QDate(2025, 5, 16), QTime(21, 30, 0), Qt::UTC);
}

QString pacificDate(qint64 utcSecs)
{
    int y, m, d;
    civilFromDays(pacificDayNumber(utcSecs), &y, &m, &d);
    return u"%1/%2/%3"_s.arg(m, 2, 10, QChar(u'0')).arg(d, 2, 10, QChar(u'0')).arg(y);
}

// The one record of `id` in an export body; an empty object when it is not there.
QJsonObject recordOf(const QJsonObject &body, qint64 id)
{
    for (const QJsonValue &v : body.value(u"transactions"_s).toArray()) {
        if (v.toObject().value(u"transaction_id"_s).toInteger() == id)
            return v.toObject();
    }
    return {};
}

} // namespace

class TestSandboxPayTraceMessy : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Sandbox> m_sandbox;
    QNetworkAccessManager m_nam;

    Reply send(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
               const QList<std::pair<QByteArray, QByteArray>> &headers = {})
    {
        QNetworkRequest request(url);
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        if (!request.hasRawHeader("Content-Type"))
            request.setRawHeader("Content-Type", "application/json");
        request.setTransferTimeout(15000);
        QNetworkReply *reply = m_nam.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(20000);
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        reply->deleteLater();
        return r;
    }

    QUrl url(const QUrl &base, const QString &path) const
    {
        QUrl u = base;
        u.setPath(u.path() + path);
        return u;
    }

    Reply admin(const QByteArray &method, const QString &path, const QJsonObject &body = {})
    {
        return send(method, url(m_sandbox->adminUrl(), path),
                    body.isEmpty() ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact));
    }

    QString credential(const QString &key) const
    {
        for (const auto &[k, v] : m_sandbox->credentials()) {
            if (k == key)
                return v;
        }
        return {};
    }

    QByteArray token(const QString &userKey = u"paytrace.username"_s, const QString &passwordKey = u"paytrace.password"_s)
    {
        const QByteArray form = "grant_type=password&username=" + QUrl::toPercentEncoding(credential(userKey))
            + "&password=" + QUrl::toPercentEncoding(credential(passwordKey));
        const Reply r = send("POST", url(m_sandbox->paytraceUrl(), u"/oauth/token"_s), form,
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
        return r.json().value(u"access_token"_s).toString().toLatin1();
    }

    Reply post(const QString &path, const QJsonObject &body, const QByteArray &bearer)
    {
        return send("POST", url(m_sandbox->paytraceUrl(), path), QJsonDocument(body).toJson(QJsonDocument::Compact),
                    {{"Authorization", "Bearer " + bearer}});
    }

private slots:
    void initTestCase()
    {
        SandboxOptions o;
        o.orders = 300;
        o.seed = 13;
        o.startTime = fixedStart();
        m_sandbox = std::make_unique<Sandbox>(o);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    }

    void cleanupTestCase() { m_sandbox.reset(); }

    // POST /__admin/paytrace/transaction-overrides replaces fields in every export of one
    // transaction, and "fields": null removes the override.
    void overridesReplaceExportFields()
    {
        const QByteArray bearer = token();
        QVERIFY(!bearer.isEmpty());
        // A settled sale: it is in a batch, so all three exports carry it.
        const PayTraceTransaction *settled = nullptr;
        const QList<PayTraceTransaction> all = m_sandbox->paytrace().transactions();
        for (const PayTraceTransaction &t : all) {
            if (t.kind == PayTraceKind::Sale && t.approved && !t.voided && t.batchNumber != 0) {
                settled = &t;
                break;
            }
        }
        QVERIFY(settled);
        const QString id = QString::number(settled->id);

        const QJsonObject fields{{u"amount"_s, u"abc"_s},
                                 {u"invoice_id"_s, QJsonValue::Null},
                                 {u"created"_s, QJsonObject{{u"at"_s, 7}}},
                                 {u"extra\"key"_s, QJsonArray{1, u"two"_s}}};
        Reply r = admin("POST", u"/paytrace/transaction-overrides"_s,
                        {{u"transaction_id"_s, id}, {u"fields"_s, fields}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"transaction_id"_s).toString(), id);
        QCOMPARE(r.json().value(u"known"_s).toBool(), true);

        const auto check = [&](const QJsonObject &record, const char *where) {
            QVERIFY2(!record.isEmpty(), where);
            QCOMPARE(record.value(u"amount"_s), QJsonValue(u"abc"_s));
            QVERIFY2(record.value(u"invoice_id"_s).isNull(), where);
            QCOMPARE(record.value(u"created"_s).toObject(), (QJsonObject{{u"at"_s, 7}}));
            QCOMPARE(record.value(u"extra\"key"_s).toArray(), (QJsonArray{1, u"two"_s}));
            // Fields not named keep their values.
            QCOMPARE(record.value(u"transaction_type"_s).toString(), u"SALE"_s);
        };
        const QString day = pacificDate(settled->createdAt);
        Reply range = post(u"/v1/transactions/export/by_date_range"_s,
                           {{u"start_date"_s, day}, {u"end_date"_s, day}}, bearer);
        QCOMPARE(range.status, 200);
        QVERIFY2(QJsonDocument::fromJson(range.body).isObject(), range.body.constData());
        check(recordOf(range.json(), settled->id), "by_date_range");
        Reply byId = post(u"/v1/transactions/export/by_id"_s, {{u"transaction_id"_s, settled->id}}, bearer);
        QCOMPARE(byId.status, 200);
        check(recordOf(byId.json(), settled->id), "by_id");
        Reply batch = post(u"/v1/batches/transaction_list"_s, {{u"batch_number"_s, settled->batchNumber}}, bearer);
        QCOMPARE(batch.status, 200);
        check(recordOf(batch.json(), settled->id), "transaction_list");
        // Other records are untouched.
        for (const QJsonValue &v : batch.json().value(u"transactions"_s).toArray()) {
            if (v.toObject().value(u"transaction_id"_s).toInteger() != settled->id)
                QVERIFY(v.toObject().value(u"amount"_s).isDouble());
        }

        r = admin("GET", u"/paytrace/transaction-overrides"_s);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"overrides"_s).toArray().size(), 1);
        QCOMPARE(m_sandbox->paytrace().transactionOverrides().value(settled->id), fields);

        // null removes it; a numeric id is accepted too.
        r = admin("POST", u"/paytrace/transaction-overrides"_s,
                  {{u"transaction_id"_s, double(settled->id)}, {u"fields"_s, QJsonValue::Null}});
        QCOMPARE(r.status, 200);
        byId = post(u"/v1/transactions/export/by_id"_s, {{u"transaction_id"_s, settled->id}}, bearer);
        const QJsonObject plain = recordOf(byId.json(), settled->id);
        QVERIFY(plain.value(u"amount"_s).isDouble());
        QCOMPARE(plain.value(u"invoice_id"_s).toString(), settled->invoiceId);
        QVERIFY(!plain.contains(u"extra\"key"_s));
        QVERIFY(m_sandbox->paytrace().transactionOverrides().isEmpty());

        // In process, and DELETE clears all.
        m_sandbox->paytrace().setTransactionOverride(settled->id, QJsonObject{{u"status_code"_s, u"GB"_s}});
        byId = post(u"/v1/transactions/export/by_id"_s, {{u"transaction_id"_s, settled->id}}, bearer);
        QCOMPARE(recordOf(byId.json(), settled->id).value(u"status_code"_s).toString(), u"GB"_s);
        QCOMPARE(admin("DELETE", u"/paytrace/transaction-overrides"_s).status, 200);
        QVERIFY(m_sandbox->paytrace().transactionOverrides().isEmpty());
    }

    // Transactions that match no order by invoice: terminal sales, mistyped phone orders and a
    // second sale for one invoice, a handful per 100 orders.
    void transactionsMatchingNoOrder()
    {
        const QList<PayTraceTransaction> all = m_sandbox->paytrace().transactions();
        QHash<QString, MagentoOrder> orders;
        for (const MagentoOrder &o : m_sandbox->magento().orders())
            orders.insert(o.incrementId, o);
        int terminal = 0, typos = 0, second = 0;
        QHash<QString, int> salesPerInvoice;
        for (const PayTraceTransaction &t : all) {
            if (t.kind == PayTraceKind::Sale && t.approved && !t.voided && !t.invoiceId.isEmpty())
                ++salesPerInvoice[t.invoiceId];
            if (t.kind != PayTraceKind::Sale)
                continue;
            if (t.invoiceId.isEmpty()) {
                QVERIFY(t.createdThrough == u"Virtual Terminal" || t.createdThrough == u"Swiped");
                QVERIFY(t.createdBy != m_sandbox->credentials().first().second);
                ++terminal;
            } else if (!orders.contains(t.invoiceId)) {
                // A typo of a real order's number: same amount and card, close in time.
                bool found = false;
                for (const MagentoOrder &o : std::as_const(orders)) {
                    // The card is charged the base grand total, in cents (display currencies).
                    qint64 chargedCents = o.baseGrandTotal;
                    for (int e = o.baseExponent; e > 2; --e)
                        chargedCents = (chargedCents + 5) / 10;
                    if (o.payment.method == u"paytrace" && chargedCents == t.amount && o.payment.ccLast4 == t.card.last4
                        && qAbs(t.createdAt - o.createdAt) < 3600
                        && (o.incrementId.size() == t.invoiceId.size() + 1
                            || (o.incrementId.size() == t.invoiceId.size() && o.incrementId != t.invoiceId))) {
                        found = true;
                    }
                }
                QVERIFY2(found, qPrintable(t.invoiceId));
                QCOMPARE(t.createdThrough, u"Virtual Terminal"_s);
                ++typos;
            }
        }
        for (auto it = salesPerInvoice.cbegin(); it != salesPerInvoice.cend(); ++it)
            second += it.value() > 1;
        // 300 orders: about 9 of each kind.
        QVERIFY2(terminal >= 3 && terminal <= 20, qPrintable(QString::number(terminal)));
        QVERIFY2(typos >= 3 && typos <= 20, qPrintable(QString::number(typos)));
        QVERIFY2(second >= 3 && second <= 20, qPrintable(QString::number(second)));
        // Ids still grow with time.
        QList<PayTraceTransaction> byId = all;
        for (qsizetype i = 1; i < byId.size(); ++i)
            QVERIFY(byId[i].createdAt >= byId[i - 1].createdAt || byId[i].id > byId[i - 1].id);
    }

    // AVS and CSC answers of every kind (docs/paytrace.md §4.5), decline texts as recorded.
    void avsAndCscVaried()
    {
        QSet<QString> avs, csc, declines;
        for (const PayTraceTransaction &t : m_sandbox->paytrace().transactions()) {
            if (t.kind == PayTraceKind::Refund)
                continue;
            if (t.approved) {
                avs.insert(t.avsResponse);
                csc.insert(t.cscResponse);
                if (t.card.brand == u"AMEX")
                    QCOMPARE(t.cscResponse, QString());
            } else {
                declines.insert(t.approvalMessage);
            }
        }
        for (const QString &a : {u"Full Exact Match"_s, u"Zip Match Only"_s, u"Address Match Only"_s, u"No Match"_s,
                                 u"Address Unavailable"_s, u"Issuer System Unavailable"_s, u"Service Not Supported"_s, u"0"_s, QString()})
            QVERIFY2(avs.contains(a), qPrintable(a));
        for (const QString &c : {u"Match"_s, u"No Match"_s, u"Not Processed"_s, u"Not Present"_s, QString()})
            QVERIFY2(csc.contains(c), qPrintable(c));
        QVERIFY(declines.contains(u"    DECLINE - Do not honor"_s) || declines.contains(u"    DECLINE      - Do not honor"_s));
    }

    // Batches close at varied times of day; an empty range is the usual envelope with no records.
    void batchTimesAndEmptyRange()
    {
        QSet<qint64> minutes;
        int early = 0;
        for (const PayTraceBatch &b : m_sandbox->paytrace().batches()) {
            const qint64 local = utcToPacificLocal(b.closedAt);
            const qint64 minuteOfDay = (local - floorDiv(local, 86400) * 86400) / 60;
            minutes.insert(minuteOfDay);
            early += minuteOfDay < 20 * 60;
            QVERIFY(minuteOfDay >= 11 * 60 - 1 && minuteOfDay <= 20 * 60 + 40);
        }
        QVERIFY2(minutes.size() >= 10, qPrintable(QString::number(minutes.size())));
        QVERIFY(early >= 1);

        const QByteArray bearer = token();
        const Reply r = post(u"/v1/transactions/export/by_date_range"_s,
                             {{u"start_date"_s, u"01/01/2001"_s}, {u"end_date"_s, u"01/02/2001"_s}}, bearer);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json(), (QJsonObject{{u"success"_s, true}, {u"response_code"_s, 1},
                                        {u"status_message"_s, u"Your request has been successfully completed."_s},
                                        {u"transactions"_s, QJsonArray{}}, {u"external_transaction_id"_s, u""_s}}));
    }

    // The second API user lacks export and batch rights: 981, as recorded.
    void limitedUserGets981()
    {
        const QByteArray limited = token(u"paytrace.limited_username"_s, u"paytrace.limited_password"_s);
        QVERIFY(!limited.isEmpty());
        const QJsonObject recorded{{u"success"_s, false}, {u"response_code"_s, 1},
                                   {u"status_message"_s, u"One or more errors has occurred."_s},
                                   {u"errors"_s, QJsonObject{{u"981"_s, QJsonArray{u"Log in failed for insufficient permissions."_s}}}},
                                   {u"external_transaction_id"_s, u""_s}};
        const QString day = pacificDate(m_sandbox->clock().nowSecs());
        for (const QString &path : {u"/v1/transactions/export/by_date_range"_s, u"/v1/batches/export"_s,
                                    u"/v1/batches/transaction_list"_s, u"/v1/transactions/export/by_id"_s}) {
            const Reply r = post(path, {{u"start_date"_s, day}, {u"end_date"_s, day}, {u"batch_number"_s, 1}}, limited);
            QCOMPARE(r.status, 400);
            QCOMPARE(r.json(), recorded);
        }
        // Other calls work, and the main user still exports.
        QCOMPARE(post(u"/v1/ping"_s, {}, limited).status, 200);
        const Reply main = post(u"/v1/transactions/export/by_date_range"_s, {{u"start_date"_s, day}, {u"end_date"_s, day}}, token());
        QCOMPARE(main.status, 200);
        // Rights are configurable through the admin config.
        Reply cfg = admin("POST", u"/paytrace/config"_s, {{u"limited_user_denied"_s, QJsonArray{u"refund"_s}}});
        QCOMPARE(cfg.status, 200);
        QCOMPARE(cfg.json().value(u"limited_user"_s).toObject().value(u"username"_s).toString(),
                 credential(u"paytrace.limited_username"_s));
        QCOMPARE(post(u"/v1/transactions/export/by_date_range"_s, {{u"start_date"_s, day}, {u"end_date"_s, day}}, limited).status, 200);
        const Reply refund = post(u"/v1/transactions/refund/for_transaction"_s, {{u"transaction_id"_s, 1}}, limited);
        QCOMPARE(refund.json(), recorded);
        QCOMPARE(admin("POST", u"/paytrace/config"_s, {{u"limited_user_denied"_s, QJsonArray{u"nope"_s}}}).status, 400);
        QCOMPARE(admin("POST", u"/paytrace/config"_s, {{u"limited_user_denied"_s, QJsonArray{u"export"_s, u"batches"_s}}}).status, 200);
    }

    void tidyOptionTurnsItOff()
    {
        SandboxOptions o;
        o.orders = 100;
        o.seed = 13;
        o.startTime = fixedStart();
        o.paytraceUntidy = false;
        Sandbox tidy(o);
        QVERIFY(tidy.start());
        for (const PayTraceTransaction &t : tidy.paytrace().transactions())
            QVERIFY(!t.invoiceId.isEmpty());
        for (const PayTraceBatch &b : tidy.paytrace().batches()) {
            const qint64 local = utcToPacificLocal(b.closedAt);
            QCOMPARE((local - floorDiv(local, 86400) * 86400), qint64(20 * 3600));
        }
    }

    void overridesValidateTheBody()
    {
        const auto refused = [&](const QByteArray &body, const QString &names) {
            const Reply r = send("POST", url(m_sandbox->adminUrl(), u"/paytrace/transaction-overrides"_s), body);
            QCOMPARE(r.status, 400);
            QVERIFY2(r.json().value(u"error"_s).toString().contains(names), r.body.constData());
        };
        refused("{\"fields\":{}}", u"transaction_id"_s);
        refused("{\"transaction_id\":\"12a\",\"fields\":{}}", u"transaction_id"_s);
        refused("{\"transaction_id\":-4,\"fields\":{}}", u"transaction_id"_s);
        refused("{\"transaction_id\":\"12\"}", u"fields"_s);
        refused("{\"transaction_id\":\"12\",\"fields\":[1]}", u"fields"_s);
        refused("{\"transaction_id\":\"12\",\"fields\":{},\"other\":1}", u"other"_s);
        refused("not json", u"JSON"_s);
        // An id the books do not know yet is accepted (it may be created later).
        const Reply r = admin("POST", u"/paytrace/transaction-overrides"_s,
                              {{u"transaction_id"_s, u"1"_s}, {u"fields"_s, QJsonObject{}}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"known"_s).toBool(), false);
        QCOMPARE(admin("DELETE", u"/paytrace/transaction-overrides"_s).status, 200);
    }
};

QTEST_GUILESS_MAIN(TestSandboxPayTraceMessy)
#include "tst_sandbox_paytrace_messy.moc"
