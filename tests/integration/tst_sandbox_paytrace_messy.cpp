// The PayTrace simulator as untidy as a real account (issue 13), over real HTTP: export
// overrides for other tests, transactions that match no order by invoice, varied statuses and
// AVS/CSC answers, batch close times, empty ranges and the API user without export rights.
// Expected values come from paytrace.md and the recordings, not from the simulator's code.

#include "paytracesim.h"
#include "sandbox.h"
#include "simutil.h"

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
