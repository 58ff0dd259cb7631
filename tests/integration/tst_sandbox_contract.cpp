// Contract tests of the sandbox: real HTTP over loopback with QNetworkAccessManager and raw
// sockets, compared against the API notes (docs/paytrace.md, magento.md) and the recordings.

#include "magentosales.h"
#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "simutil.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>
#include <QUrlQuery>

#include <memory>

using namespace Qt::StringLiterals;
using namespace pb::sandbox;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QList<QNetworkReply::RawHeaderPair> headers;
    qint64 elapsedMs = 0;

    QByteArray header(const QByteArray &name) const
    {
        for (const auto &h : headers) {
            if (h.first.compare(name, Qt::CaseInsensitive) == 0)
                return h.second;
        }
        return {};
    }
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
};

QDateTime fixedStart()
{
    // A Friday afternoon in Pacific daylight time: several batches closed, one still open.
    return QDateTime(QDate(2025, 5, 16), QTime(21, 30, 0), Qt::UTC);
}

QStringList sortedKeys(const QJsonObject &o)
{
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

QStringList sorted(QStringList list)
{
    list.sort();
    return list;
}

// 10^n: converts an order's stored amounts between scales (MagentoOrder::exponent is the scale of
// the stored numbers, not always the currency's digits).
qint64 pow10(int n)
{
    qint64 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

// The PayTrace sale or authorization the payment module's newest "Captured/Authorized amount of
// … Transaction ID: "N"" comment of an order names (refund and void comments name others).
QString commentTransactionId(const MagentoOrder &o)
{
    static const QRegularExpression named(u"^(?:Captured|Authorized) amount of .*Transaction ID: \"(\\d+)\""_s);
    for (const MagentoStatusHistory &h : o.statusHistories) { // newest first
        const QRegularExpressionMatch m = named.match(h.comment);
        if (m.hasMatch())
            return m.captured(1);
    }
    return {};
}

// `typed` is `id` with two neighbouring digits swapped or one digit left out.
bool isTypoOf(const QString &typed, const QString &id)
{
    if (typed.size() == id.size()) {
        QList<qsizetype> diff;
        for (qsizetype i = 0; i < id.size(); ++i) {
            if (typed[i] != id[i])
                diff.append(i);
        }
        return diff.size() == 2 && diff[1] == diff[0] + 1 && typed[diff[0]] == id[diff[1]] && typed[diff[1]] == id[diff[0]];
    }
    if (typed.size() + 1 != id.size())
        return false;
    for (qsizetype i = 0; i < id.size(); ++i) {
        if (QString(id).remove(i, 1) == typed)
            return true;
    }
    return false;
}

bool isInteger(const QJsonValue &v)
{
    return v.isDouble() && v.toDouble() == double(qint64(v.toDouble()));
}

QString pacificDate(qint64 utcSecs)
{
    int y, m, d;
    civilFromDays(pacificDayNumber(utcSecs), &y, &m, &d);
    return u"%1/%2/%3"_s.arg(m, 2, 10, QChar(u'0')).arg(d, 2, 10, QChar(u'0')).arg(y);
}

} // namespace

class TestSandboxContract : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Sandbox> m_sandbox;
    QNetworkAccessManager m_nam;

    Reply send(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
               const QList<std::pair<QByteArray, QByteArray>> &headers = {}, int timeoutMs = 15000)
    {
        QNetworkRequest request(url);
        for (const auto &[name, value] : headers)
            request.setRawHeader(name, value);
        if (!body.isEmpty() && !request.hasRawHeader("Content-Type"))
            request.setRawHeader("Content-Type", "application/json");
        request.setTransferTimeout(timeoutMs);
        QElapsedTimer timer;
        timer.start();
        QNetworkReply *reply = m_nam.sendCustomRequest(request, method, body);
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished())
            finished.wait(timeoutMs + 5000);
        Reply r;
        r.elapsedMs = timer.elapsed();
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.error = reply->error();
        r.body = reply->isOpen() ? reply->readAll() : QByteArray();
        r.headers = reply->rawHeaderPairs();
        reply->deleteLater();
        return r;
    }

    QUrl pt(Sandbox &s, const QString &path) const
    {
        QUrl u = s.paytraceUrl();
        u.setPath(u.path() + path);
        return u;
    }

    QUrl mg(Sandbox &s, const QString &path, const QString &query = {}) const
    {
        QUrl u = s.magentoUrl();
        u.setPath(u.path() + path);
        if (!query.isEmpty())
            u.setQuery(query);
        return u;
    }

    QUrl admin(Sandbox &s, const QString &path) const
    {
        QUrl u = s.adminUrl();
        u.setPath(u.path() + path);
        return u;
    }

    QString credential(Sandbox &s, const QString &key) const
    {
        for (const auto &[k, v] : s.credentials()) {
            if (k == key)
                return v;
        }
        return {};
    }

    QByteArray token(Sandbox &s)
    {
        const QByteArray form = "grant_type=password&username="
            + QUrl::toPercentEncoding(credential(s, u"paytrace.username"_s)) + "&password="
            + QUrl::toPercentEncoding(credential(s, u"paytrace.password"_s));
        const Reply r = send("POST", pt(s, u"/oauth/token"_s), form,
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
        return r.json().value(u"access_token"_s).toString().toLatin1();
    }

    Reply paytracePost(Sandbox &s, const QString &path, const QJsonObject &body, const QByteArray &bearer)
    {
        return send("POST", pt(s, path), QJsonDocument(body).toJson(QJsonDocument::Compact),
                    {{"Authorization", "Bearer " + bearer}});
    }

    Reply magentoGet(Sandbox &s, const QString &path, const QString &query = {})
    {
        return send("GET", mg(s, path, query), {}, {{"Authorization", "Bearer " + credential(s, u"magento.bearer_token"_s).toLatin1()}});
    }

    // Starts a PayTrace POST without waiting for it; the caller owns the reply.
    QNetworkReply *startPaytracePost(Sandbox &s, const QString &path, const QJsonObject &body,
                                     const QByteArray &bearer, int timeoutMs)
    {
        QNetworkRequest request(pt(s, path));
        request.setRawHeader("Authorization", "Bearer " + bearer);
        request.setRawHeader("Content-Type", "application/json");
        request.setTransferTimeout(timeoutMs);
        return m_nam.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
    }

    // Approved sales, settled and not voided, with at least `cents` left to refund.
    static QList<qint64> refundableSales(Sandbox &s, qint64 cents)
    {
        QList<qint64> ids;
        for (const PayTraceTransaction &t : s.paytrace().transactions()) {
            if (t.kind == PayTraceKind::Sale && t.approved && !t.voided && t.settledAt != 0
                && t.settlementAmount() - t.refundedAmount >= cents)
                ids.append(t.id);
        }
        return ids;
    }

    // Approved refunds in the books that name `parent`.
    static qsizetype refundsOf(Sandbox &s, qint64 parent)
    {
        qsizetype n = 0;
        for (const PayTraceTransaction &t : s.paytrace().transactions())
            n += t.kind == PayTraceKind::Refund && t.approved && t.parentId == parent;
        return n;
    }

    static qsizetype ledgerRefunds(Sandbox &s)
    {
        qsizetype n = 0;
        for (const LedgerEntry &e : s.paytrace().ledger())
            n += e.operation == u"refund";
        return n;
    }

    // All orders matching a query string, following pages until total_count is reached.
    QList<QJsonObject> allPages(Sandbox &s, const QString &criteria, int pageSize)
    {
        QList<QJsonObject> out;
        for (int page = 1;; ++page) {
            const Reply r = magentoGet(s, u"/rest/V1/orders"_s,
                                       criteria + u"&searchCriteria[pageSize]=%1&searchCriteria[currentPage]=%2"_s.arg(pageSize).arg(page));
            if (r.status != 200)
                return {};
            const QJsonObject o = r.json();
            for (const QJsonValue &v : o.value(u"items"_s).toArray())
                out.append(v.toObject());
            if (qint64(page) * pageSize >= o.value(u"total_count"_s).toInteger())
                return out;
        }
    }

private slots:
    void initTestCase()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 200;
        options.seed = 7;
        options.startTime = fixedStart();
        m_sandbox = std::make_unique<Sandbox>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
        QVERIFY(m_sandbox->port() != 0);
        QCOMPARE(m_sandbox->paytraceUrl().toString(), u"http://127.0.0.1:%1/paytrace"_s.arg(m_sandbox->port()));
        QCOMPARE(m_sandbox->magentoUrl().toString(), u"http://127.0.0.1:%1/magento"_s.arg(m_sandbox->port()));
        QCOMPARE(m_sandbox->adminUrl().toString(), u"http://127.0.0.1:%1/__admin"_s.arg(m_sandbox->port()));
    }

    void credentialKeys()
    {
        QStringList keys;
        for (const auto &[k, v] : m_sandbox->credentials()) {
            keys.append(k);
            QVERIFY2(!v.isEmpty(), qPrintable(k));
        }
        QCOMPARE(keys, (QStringList{u"paytrace.username"_s, u"paytrace.password"_s, u"magento.consumer_key"_s,
                                    u"magento.consumer_secret"_s, u"magento.access_token"_s,
                                    u"magento.access_token_secret"_s, u"magento.bearer_token"_s,
                                    u"odoo.database"_s, u"odoo.username"_s, u"odoo.password"_s,
                                    u"paytrace.limited_username"_s, u"paytrace.limited_password"_s}));
        QCOMPARE(credential(*m_sandbox, u"magento.bearer_token"_s), credential(*m_sandbox, u"magento.access_token"_s));
    }

    // ---- PayTrace ---------------------------------------------------------------------------

    void tokenGrant_data()
    {
        QTest::addColumn<bool>("json");
        QTest::newRow("form") << false;
        QTest::newRow("json") << true;
    }

    void tokenGrant()
    {
        QFETCH(bool, json);
        Sandbox &s = *m_sandbox;
        const QString user = credential(s, u"paytrace.username"_s);
        const QString password = credential(s, u"paytrace.password"_s);
        Reply r;
        if (json) {
            const QJsonObject body{{u"grant_type"_s, u"password"_s}, {u"username"_s, user}, {u"password"_s, password}};
            r = send("POST", pt(s, u"/oauth/token"_s), QJsonDocument(body).toJson());
        } else {
            r = send("POST", pt(s, u"/oauth/token"_s),
                     "grant_type=password&username=" + QUrl::toPercentEncoding(user) + "&password=" + QUrl::toPercentEncoding(password),
                     {{"Content-Type", "application/x-www-form-urlencoded"}});
        }
        QCOMPARE(r.status, 200);
        const QJsonObject got = r.json();
        const QJsonObject recorded = QJsonDocument::fromJson(pb::test::recording(u"paytrace/oauth_token.response.json"_s)).object();
        QCOMPARE(sortedKeys(got), sortedKeys(recorded));
        for (const QString &key : recorded.keys())
            QCOMPARE(got.value(key).type(), recorded.value(key).type());
        QCOMPARE(got.value(u"token_type"_s).toString(), u"Bearer"_s);
        QCOMPARE(got.value(u"expires_in"_s).toInteger(), 7200);
        QVERIFY(isInteger(got.value(u"created_at"_s)));
        QVERIFY(qAbs(got.value(u"created_at"_s).toInteger() - s.clock().nowSecs()) <= 2);
        QVERIFY(QRegularExpression(u"^[0-9a-f]+:[0-9a-f]+:[0-9a-f]+$"_s).match(got.value(u"access_token"_s).toString()).hasMatch());
        // The raw text keeps the recording's key order.
        QVERIFY(r.body.startsWith("{\"access_token\":\""));
    }

    void tokenRefusals()
    {
        Sandbox &s = *m_sandbox;
        const Reply bad = send("POST", pt(s, u"/oauth/token"_s),
                               "grant_type=password&username=" + credential(s, u"paytrace.username"_s).toLatin1() + "&password=wrong",
                               {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(bad.status, 401);
        QCOMPARE(QJsonDocument::fromJson(bad.body),
                 QJsonDocument::fromJson(pb::test::recording(u"paytrace/oauth_token_invalid_grant.response.json"_s)));

        const Reply grant = send("POST", pt(s, u"/oauth/token"_s), "grant_type=client_credentials&username=a&password=b",
                                 {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(grant.status, 400);
        QCOMPARE(grant.json().value(u"error"_s).toString(), u"unsupported_grant_type"_s);
        const Reply missing = send("POST", pt(s, u"/oauth/token"_s), "grant_type=password",
                                   {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(missing.status, 400);
        QCOMPARE(missing.json().value(u"error"_s).toString(), u"invalid_request"_s);
    }

    void tokenExpiresWithSandboxClock()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 20;
        options.seed = 3;
        options.startTime = fixedStart();
        Sandbox s(options);
        QVERIFY(s.start());
        const QByteArray bearer = token(s);
        QVERIFY(!bearer.isEmpty());
        const QJsonObject range{{u"start_date"_s, pacificDate(s.clock().nowSecs())}, {u"end_date"_s, pacificDate(s.clock().nowSecs())}};
        QCOMPARE(paytracePost(s, u"/v1/transactions/export/by_date_range"_s, range, bearer).status, 200);
        s.clock().advanceSeconds(7199);
        QCOMPARE(paytracePost(s, u"/v1/transactions/export/by_date_range"_s, range, bearer).status, 200);
        s.clock().advanceSeconds(2);
        const Reply expired = paytracePost(s, u"/v1/transactions/export/by_date_range"_s, range, bearer);
        QCOMPARE(expired.status, 401);
        QCOMPARE(expired.json().value(u"error"_s).toString(), u"invalid_token"_s);
        QVERIFY(!expired.json().value(u"error_description"_s).toString().isEmpty());
        QCOMPARE(sortedKeys(expired.json()), (QStringList{u"error"_s, u"error_description"_s}));
        // A fresh grant works again.
        const QByteArray fresh = token(s);
        QCOMPARE(paytracePost(s, u"/v1/transactions/export/by_date_range"_s, range, fresh).status, 200);
    }

    void pingAndAuthRefusal()
    {
        Sandbox &s = *m_sandbox;
        const Reply ping = send("POST", pt(s, u"/v1/ping"_s));
        QCOMPARE(ping.status, 200);
        QCOMPARE(ping.json().value(u"success"_s).toBool(), true);

        const QJsonObject range{{u"start_date"_s, u"05/01/2025"_s}, {u"end_date"_s, u"05/02/2025"_s}};
        const Reply none = send("POST", pt(s, u"/v1/transactions/export/by_date_range"_s), QJsonDocument(range).toJson());
        QCOMPARE(none.status, 401);
        QCOMPARE(none.json().value(u"error"_s).toString(), u"invalid_token"_s);
        const Reply wrong = paytracePost(s, u"/v1/transactions/export/by_date_range"_s, range, "aa:bb:cc");
        QCOMPARE(wrong.status, 401);
        QCOMPARE(wrong.json().value(u"error"_s).toString(), u"invalid_token"_s);
    }

    void exportEnvelopeAndRecords()
    {
        Sandbox &s = *m_sandbox;
        const QByteArray bearer = token(s);
        const qint64 now = s.clock().nowSecs();
        const QJsonObject range{{u"start_date"_s, pacificDate(now - 31 * 86400)}, {u"end_date"_s, pacificDate(now)}};
        const Reply r = paytracePost(s, u"/v1/transactions/export/by_date_range"_s, range, bearer);
        QCOMPARE(r.status, 200);
        const QJsonObject envelope = r.json();
        QCOMPARE(sortedKeys(envelope), sorted({u"success"_s, u"response_code"_s, u"status_message"_s,
                                               u"transactions"_s, u"external_transaction_id"_s}));
        QCOMPARE(envelope.value(u"success"_s).toBool(), true);
        QCOMPARE(envelope.value(u"response_code"_s).toInteger(), 1);
        QCOMPARE(envelope.value(u"status_message"_s).toString(), u"Your request has been successfully completed."_s);
        QCOMPARE(envelope.value(u"external_transaction_id"_s).toString(), QString());

        const QList<PayTraceTransaction> books = s.paytrace().transactions();
        const QJsonArray records = envelope.value(u"transactions"_s).toArray();
        QCOMPARE(records.size(), books.size());
        QVERIFY(records.size() > 100);

        // docs/paytrace.md §4.4, in that order.
        const QStringList recordKeys{u"transaction_id"_s, u"credit_card"_s, u"transaction_type"_s, u"description"_s,
                                     u"amount"_s, u"invoice_id"_s, u"shipping_address"_s, u"billing_address"_s,
                                     u"receipt_emailed_to"_s, u"tax_amount"_s, u"customer_reference_id"_s,
                                     u"approval_code"_s, u"approval_message"_s, u"avs_response"_s, u"csc_response"_s,
                                     u"status_code"_s, u"status_message"_s, u"created"_s, u"settled"_s, u"customer_id"_s};
        const QRegularExpression when(u"^\\d{1,2}/\\d{1,2}/\\d{4} \\d{1,2}:\\d{2}:\\d{2} (AM|PM)$"_s);
        const QRegularExpression masked(u"^\\*{11,12}\\d{4}$"_s);
        const QRegularExpression fixed2(u"^\\d+\\.\\d{2}$"_s);
        const QStringList types{u"SALE"_s, u"AUTHORIZATION"_s, u"REFUND"_s, u"VOID"_s};
        QSet<QString> seenStatus;
        QSet<QString> seenTypes;
        QSet<QString> seenThrough;
        for (const QJsonValue &v : records) {
            const QJsonObject t = v.toObject();
            QCOMPARE(sortedKeys(t), sorted(recordKeys));
            QVERIFY(isInteger(t.value(u"transaction_id"_s)));
            const QJsonObject card = t.value(u"credit_card"_s).toObject();
            QCOMPARE(sortedKeys(card), sorted({u"masked_number"_s, u"expiration_month"_s, u"expiration_year"_s}));
            QVERIFY(masked.match(card.value(u"masked_number"_s).toString()).hasMatch());
            QVERIFY(isInteger(card.value(u"expiration_month"_s)));
            QVERIFY(card.value(u"expiration_year"_s).toInteger() < 100); // two digits
            QVERIFY(types.contains(t.value(u"transaction_type"_s).toString()));
            QVERIFY(t.value(u"amount"_s).isDouble());
            QVERIFY(t.value(u"tax_amount"_s).isString());
            QVERIFY(fixed2.match(t.value(u"tax_amount"_s).toString()).hasMatch());
            QCOMPARE(sortedKeys(t.value(u"billing_address"_s).toObject()),
                     sorted({u"name"_s, u"street_address"_s, u"street_address2"_s, u"city"_s, u"state"_s, u"zip"_s, u"country"_s}));
            QCOMPARE(sortedKeys(t.value(u"shipping_address"_s).toObject()),
                     sorted({u"name"_s, u"street_address"_s, u"street_address2"_s, u"city"_s, u"county"_s, u"state"_s, u"zip"_s, u"country"_s}));
            const QJsonObject created = t.value(u"created"_s).toObject();
            QCOMPARE(sortedKeys(created), sorted({u"through"_s, u"at"_s, u"by"_s, u"from_ip"_s}));
            // API payments are made by the API user; the account also holds staff sales keyed in
            // the virtual terminal or swiped at the counter (the untidy history, README).
            const QString through = created.value(u"through"_s).toString();
            const QString by = created.value(u"by"_s).toString();
            seenThrough.insert(through);
            if (through == u"API"_s) {
                QCOMPARE(by, credential(s, u"paytrace.username"_s));
            } else {
                QVERIFY2(through == u"Virtual Terminal"_s || through == u"Swiped"_s, qPrintable(through));
                QVERIFY2(!by.isEmpty() && by != credential(s, u"paytrace.username"_s), qPrintable(by));
            }
            QVERIFY(when.match(created.value(u"at"_s).toString()).hasMatch());
            const QString settled = t.value(u"settled"_s).toString();
            const QString code = t.value(u"status_code"_s).toString();
            const QString message = t.value(u"status_message"_s).toString();
            seenStatus.insert(message);
            seenTypes.insert(t.value(u"transaction_type"_s).toString());
            if (code.startsWith(u"GB"_s)) {
                QVERIFY(QRegularExpression(u"^GB\\d+$"_s).match(code).hasMatch());
                QCOMPARE(message, u"Settled"_s);
                QVERIFY(when.match(settled).hasMatch());
            } else {
                QCOMPARE(settled, QString());
                QVERIFY(code == u"Y" || code == u"N");
                if (code == u"Y")
                    QCOMPARE(message, u"Pending Settlement"_s);
                else
                    QVERIFY(message == u"Declined" || message == u"Voided" || message == u"Authorization Only");
            }
            if (message == u"Declined") {
                QCOMPARE(t.value(u"approval_code"_s).toString(), QString());
                // Padded processor text like the recordings: "    DECLINE - Do not honor",
                // "    DECLINE      - Do not honor", "    PICK UP CARD - Lost or stolen".
                const QString text = t.value(u"approval_message"_s).toString();
                QVERIFY2(QRegularExpression(u"^    [A-Z][A-Z ]* - \\S"_s).match(text).hasMatch(), qPrintable(text));
            } else if (t.value(u"transaction_type"_s).toString() != u"REFUND") {
                QCOMPARE(t.value(u"approval_code"_s).toString().size(), 6);
                QVERIFY(t.value(u"approval_message"_s).toString().startsWith(u"  "_s)); // padded like the recordings
            }
        }
        for (const QString &m : {u"Settled"_s, u"Pending Settlement"_s, u"Authorization Only"_s, u"Voided"_s, u"Declined"_s})
            QVERIFY2(seenStatus.contains(m), qPrintable(m));
        for (const QString &t : types)
            QVERIFY2(seenTypes.contains(t), qPrintable(t));
        QVERIFY(seenThrough.contains(u"API"_s));

        // Amounts are written exactly: the raw text of every record carries the decimal of the books.
        for (const PayTraceTransaction &t : books) {
            const qint64 amount = t.kind == PayTraceKind::Authorization && t.capturedAmount ? *t.capturedAmount : t.amount;
            const QByteArray needle = "\"transaction_id\":" + QByteArray::number(t.id) + ",";
            const qsizetype at = r.body.indexOf(needle);
            QVERIFY(at >= 0);
            const qsizetype amountAt = r.body.indexOf("\"amount\":", at);
            const QByteArray expected = "\"amount\":" + decimalNumber(amount, 2) + ",";
            QCOMPARE(r.body.mid(amountAt, expected.size()), expected);
        }
    }

    void exportDateRangeIsPacificCalendarDay()
    {
        Sandbox &s = *m_sandbox;
        const QByteArray bearer = token(s);
        // A transaction created in the UTC evening belongs to the Pacific afternoon of that day;
        // one created before 07:00/08:00 UTC belongs to the previous Pacific day.
        const QList<PayTraceTransaction> books = s.paytrace().transactions();
        const PayTraceTransaction *early = nullptr;
        for (const PayTraceTransaction &t : books) {
            if (floorDiv(t.createdAt, 86400) != pacificDayNumber(t.createdAt)) {
                early = &t;
                break;
            }
        }
        QVERIFY(early);
        const QString day = pacificDate(early->createdAt);
        const Reply r = paytracePost(s, u"/v1/transactions/export/by_date_range"_s,
                                     {{u"start_date"_s, day}, {u"end_date"_s, day}, {u"transaction_id"_s, double(early->id)}}, bearer);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"transactions"_s).toArray().size(), 1);
        int y, m, d;
        civilFromDays(floorDiv(early->createdAt, 86400), &y, &m, &d);
        const QString utcDay = u"%1/%2/%3"_s.arg(m, 2, 10, QChar(u'0')).arg(d, 2, 10, QChar(u'0')).arg(y);
        const Reply other = paytracePost(s, u"/v1/transactions/export/by_date_range"_s,
                                         {{u"start_date"_s, utcDay}, {u"end_date"_s, utcDay}, {u"transaction_id"_s, double(early->id)}}, bearer);
        QCOMPARE(other.json().value(u"transactions"_s).toArray().size(), 0);
        // created.at is Pacific local time.
        QCOMPARE(r.json().value(u"transactions"_s).toArray().first().toObject().value(u"created"_s).toObject()
                     .value(u"at"_s).toString(), QString::fromLatin1(paytraceTime(early->createdAt)));
    }

    void exportFiltersAndErrors()
    {
        Sandbox &s = *m_sandbox;
        const QByteArray bearer = token(s);
        const qint64 now = s.clock().nowSecs();
        const QString from = pacificDate(now - 31 * 86400);
        const QString to = pacificDate(now);
        const auto exportWith = [&](const QJsonObject &extra) {
            QJsonObject body{{u"start_date"_s, from}, {u"end_date"_s, to}};
            for (auto it = extra.begin(); it != extra.end(); ++it)
                body.insert(it.key(), it.value());
            return paytracePost(s, u"/v1/transactions/export/by_date_range"_s, body, bearer);
        };
        const auto count = [](const Reply &r) { return r.json().value(u"transactions"_s).toArray().size(); };
        const QList<PayTraceTransaction> books = s.paytrace().transactions();
        qsizetype refunds = 0, declined = 0, settled = 0;
        for (const PayTraceTransaction &t : books) {
            refunds += t.kind == PayTraceKind::Refund;
            declined += !t.approved;
            settled += t.settledAt != 0;
        }
        QCOMPARE(count(exportWith({{u"transaction_type"_s, u"REFUND"_s}})), refunds);
        QCOMPARE(count(exportWith({{u"transaction_type"_s, u"DECLINED"_s}})), declined);
        QCOMPARE(count(exportWith({{u"transaction_type"_s, u"SETTLED"_s}})), settled);

        // including_text finds an order's transactions by invoice.
        const QString invoice = books.first().invoiceId;
        const Reply byText = exportWith({{u"including_text"_s, invoice}});
        QVERIFY(count(byText) >= 1);
        for (const QJsonValue &v : byText.json().value(u"transactions"_s).toArray())
            QCOMPARE(v.toObject().value(u"invoice_id"_s).toString(), invoice);

        // Validation errors use the errors map shape.
        const Reply bad = paytracePost(s, u"/v1/transactions/export/by_date_range"_s,
                                       {{u"start_date"_s, u"2025-05-01"_s}, {u"end_date"_s, to}}, bearer);
        QCOMPARE(bad.status, 400);
        const QJsonObject e = bad.json();
        QCOMPARE(e.value(u"success"_s).toBool(true), false);
        QCOMPARE(e.value(u"response_code"_s).toInteger(), 1);
        QCOMPARE(e.value(u"status_message"_s).toString(), u"One or more errors has occurred."_s);
        const QJsonObject errors = e.value(u"errors"_s).toObject();
        QCOMPARE(errors.size(), 1);
        QVERIFY(errors.begin().value().isArray());
        QVERIFY(!errors.begin().value().toArray().first().toString().isEmpty());
        QCOMPARE(exportWith({{u"transaction_type"_s, u"BOGUS"_s}}).status, 400);
        QCOMPARE(send("POST", pt(s, u"/v1/transactions/export/by_date_range"_s), "{not json",
                      {{"Authorization", "Bearer " + bearer}}).status, 400);

        // by_id: found, not found (811), missing (58).
        const Reply one = paytracePost(s, u"/v1/transactions/export/by_id"_s, {{u"transaction_id"_s, double(books.last().id)}}, bearer);
        QCOMPARE(one.status, 200);
        QCOMPARE(count(one), 1);
        const Reply asString = paytracePost(s, u"/v1/transactions/export/by_id"_s, {{u"transaction_id"_s, QString::number(books.last().id)}}, bearer);
        QCOMPARE(count(asString), 1);
        const Reply unknown = paytracePost(s, u"/v1/transactions/export/by_id"_s, {{u"transaction_id"_s, 1.0}}, bearer);
        QCOMPARE(unknown.status, 400);
        QVERIFY(unknown.json().value(u"errors"_s).toObject().contains(u"811"_s));
        const Reply missing = paytracePost(s, u"/v1/transactions/export/by_id"_s, {}, bearer);
        QVERIFY(missing.json().value(u"errors"_s).toObject().contains(u"58"_s));
    }

    void dataIsConsistentAcrossSystems()
    {
        Sandbox &s = *m_sandbox;
        const QList<MagentoOrder> orders = s.magento().orders();
        const QList<PayTraceTransaction> books = s.paytrace().transactions();
        QHash<qint64, PayTraceTransaction> byId;
        for (const PayTraceTransaction &t : books)
            byId.insert(t.id, t);
        int paytrace = 0;
        QSet<QString> states, currencies, cardCurrencies, statuses;
        bool declinedThenApproved = false;
        for (const MagentoOrder &o : orders) {
            states.insert(o.state);
            statuses.insert(o.status);
            // A status always belongs to its order's state, custom statuses included.
            QVERIFY2(magentostate::statusesOf(o.state).contains(o.status), qPrintable(o.incrementId + u' ' + o.status));
            currencies.insert(o.orderCurrencyCode);
            QCOMPARE(o.grandTotal, o.subtotal + o.shippingAmount + o.taxAmount + o.discountAmount);
            QVERIFY(o.updatedAt >= o.createdAt);
            QVERIFY(QRegularExpression(u"^\\d{9}$"_s).match(o.incrementId).hasMatch());
            if (o.payment.method == u"paytrace") {
                ++paytrace;
                // The card is charged in the store's base currency (USD), whatever currency the
                // order is displayed in (README "Currencies").
                QCOMPARE(o.baseCurrencyCode, u"USD"_s);
                QVERIFY(o.baseExponent >= 2);
                if (o.orderCurrencyCode == u"USD"_s) {
                    QCOMPARE(o.baseToOrderRateE4, 10000);
                    QCOMPARE(o.exponent, o.baseExponent);
                    QCOMPARE(o.grandTotal, o.baseGrandTotal);
                } else {
                    cardCurrencies.insert(o.orderCurrencyCode);
                }
                const QList<PayTraceTransaction> mine = s.paytrace().transactionsForInvoice(o.incrementId);
                bool sawDecline = false;
                for (const PayTraceTransaction &t : mine) {
                    sawDecline = sawDecline || !t.approved;
                    if (t.approved && sawDecline)
                        declinedThenApproved = true;
                }
                // The transaction that paid: last_trans_id, or (some orders lack it) the one the
                // payment module's newest comment names.
                QString paidBy = o.payment.lastTransId;
                if (paidBy.isEmpty())
                    paidBy = commentTransactionId(o);
                if (!o.payment.lastTransId.isEmpty())
                    QCOMPARE(o.payment.lastTransId, commentTransactionId(o));
                bool phoneTypo = false;
                if (!paidBy.isEmpty()) {
                    QVERIFY2(byId.contains(paidBy.toLongLong()), qPrintable(paidBy));
                    const PayTraceTransaction t = byId.value(paidBy.toLongLong());
                    if (t.invoiceId != o.incrementId) {
                        // Staff keyed the phone order with a mistyped order number (README).
                        QVERIFY2(isTypoOf(t.invoiceId, o.incrementId), qPrintable(t.invoiceId + u" for "_s + o.incrementId));
                        QCOMPARE(t.createdThrough, u"Virtual Terminal"_s);
                        phoneTypo = true;
                    }
                    QVERIFY(t.approved);
                    // PayTrace amounts are USD cents; the order's base amounts are at baseExponent.
                    QCOMPARE(t.amount * pow10(o.baseExponent - 2), o.baseGrandTotal);
                }
                QVERIFY2(!mine.isEmpty() || phoneTypo, qPrintable(o.incrementId));
                if (o.totalPaid.value_or(0) > 0 && o.state != u"canceled")
                    QVERIFY2(!paidBy.isEmpty(), qPrintable(o.incrementId));
            } else {
                QVERIFY(o.payment.method == u"checkmo" || o.payment.method == u"banktransfer");
                QVERIFY(o.payment.lastTransId.isEmpty());
                QVERIFY(s.paytrace().transactionsForInvoice(o.incrementId).isEmpty());
            }
        }
        QVERIFY2(paytrace >= 150 && paytrace <= 190, qPrintable(QString::number(paytrace)));
        for (const QString &state : {u"new"_s, u"processing"_s, u"complete"_s, u"closed"_s, u"canceled"_s, u"holded"_s, u"payment_review"_s})
            QVERIFY2(states.contains(state), qPrintable(state));
        // Some orders carry the store's custom statuses (README "Data").
        for (const magentostate::CustomStatus &c : magentostate::kCustomStatuses)
            QVERIFY2(statuses.contains(c.status.toString()), qPrintable(c.status.toString()));
        QVERIFY(currencies.size() >= 3);
        QVERIFY2(cardCurrencies.size() >= 2, qPrintable(QStringList(cardCurrencies.values()).join(u',')));
        QVERIFY(declinedThenApproved);

        // Refunds only after settlement; voids only before it; batches numbered in close order.
        for (const PayTraceTransaction &t : books) {
            if (t.kind == PayTraceKind::Refund) {
                const PayTraceTransaction parent = byId.value(t.parentId);
                QVERIFY(parent.settledAt != 0 && parent.settledAt < t.createdAt);
                QVERIFY(t.amount <= parent.amount);
            }
            if (t.voided)
                QCOMPARE(t.settledAt, 0);
        }
        const QList<PayTraceBatch> batches = s.paytrace().batches();
        QVERIFY(batches.size() >= 25);
        for (qsizetype i = 1; i < batches.size(); ++i) {
            QCOMPARE(batches[i].number, batches[i - 1].number + 1);
            QVERIFY(batches[i].closedAt > batches[i - 1].closedAt);
            // At most one close a Pacific day: 8 pm Pacific plus up to 40 minutes, or closed by hand
            // earlier that day, 11:00 at the earliest (README "PayTrace as untidy as a real account").
            const qint64 timeOfDay = utcToPacificLocal(batches[i].closedAt) % 86400;
            QVERIFY2(timeOfDay >= 11 * 3600 && timeOfDay < 20 * 3600 + 40 * 60, qPrintable(QString::number(timeOfDay)));
            QVERIFY(pacificDayNumber(batches[i].closedAt) > pacificDayNumber(batches[i - 1].closedAt));
        }
    }

    void batchesCloseWhenTheClockPasses8pmPacific()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 200;
        options.seed = 11;
        options.startTime = fixedStart(); // 14:30 PDT
        Sandbox s(options);
        QVERIFY(s.start());
        qsizetype pending = 0;
        for (const PayTraceTransaction &t : s.paytrace().transactions())
            pending += t.pendingSettlement();
        QVERIFY(pending > 0);
        const qsizetype batchesBefore = s.paytrace().batches().size();
        const Reply moved = send("POST", admin(s, u"/clock"_s), "{\"advance_seconds\":21600}");
        QCOMPARE(moved.status, 200);
        QVERIFY(moved.json().value(u"now"_s).toString().startsWith(u"2025-05-17T03:30:00"_s));
        qsizetype stillPending = 0;
        for (const PayTraceTransaction &t : s.paytrace().transactions())
            stillPending += t.pendingSettlement();
        QCOMPARE(stillPending, 0);
        QCOMPARE(s.paytrace().batches().size(), batchesBefore + 1);
        // The settlement at run time is a money movement.
        const QJsonArray ledger = send("GET", admin(s, u"/ledger"_s)).json().value(u"entries"_s).toArray();
        QCOMPARE(ledger.size(), 1);
        QCOMPARE(ledger.first().toObject().value(u"operation"_s).toString(), u"settlement"_s);
        QCOMPARE(send("POST", admin(s, u"/clock"_s), "{\"set\":\"2025-06-01T00:00:00Z\"}").json().value(u"now"_s).toString(),
                 u"2025-06-01T00:00:00Z"_s);
        QCOMPARE(send("POST", admin(s, u"/clock"_s), "{\"advance_seconds\":\"x\"}").status, 400);
        QCOMPARE(send("POST", admin(s, u"/clock"_s), "{\"set\":\"yesterday\"}").status, 400);
    }

    void exactDecimalText()
    {
        QCOMPARE(decimalNumber(11000, 2), QByteArray("110"));
        QCOMPARE(decimalNumber(5188, 2), QByteArray("51.88"));
        QCOMPARE(decimalNumber(550, 2), QByteArray("5.5"));
        QCOMPARE(decimalNumber(-40440, 2), QByteArray("-404.4"));
        QCOMPARE(decimalNumber(5, 2), QByteArray("0.05"));
        QCOMPARE(decimalNumber(0, 2), QByteArray("0"));
        QCOMPARE(decimalNumber(1500, 0), QByteArray("1500"));
        QCOMPARE(decimalNumber(-5, 3), QByteArray("-0.005"));
        QCOMPARE(decimalNumber(std::numeric_limits<qint64>::min(), 2), QByteArray("-92233720368547758.08"));
        QCOMPARE(decimalFixed(810, 2), QByteArray("8.10"));
        qint64 minor = 0;
        QVERIFY(parseDecimal("51.88", 2, &minor) && minor == 5188);
        QVERIFY(parseDecimal("1.500", 2, &minor) && minor == 150);
        QVERIFY(!parseDecimal("1.005", 2, &minor));
        QVERIFY(!parseDecimal("1e3", 2, &minor));
        QVERIFY(!parseDecimal(" 1", 2, &minor));
        QVERIFY(!parseDecimal("99999999999999999999", 2, &minor));
    }

    void paytraceWriteLifecycle()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 10;
        options.seed = 21;
        options.startTime = fixedStart();
        Sandbox s(options);
        QVERIFY(s.start());
        const QByteArray bearer = token(s);
        const auto recorded = [](const char *name) {
            return QJsonDocument::fromJson(pb::test::recording(QString::fromLatin1(name))).object();
        };
        const QJsonObject card{{u"number"_s, u"4012000098765439"_s}, {u"expiration_month"_s, u"12"_s}, {u"expiration_year"_s, u"2030"_s}};
        const QJsonObject billing{{u"name"_s, u"Nathan Williams"_s}, {u"street_address"_s, u"1234 Main St."_s},
                                  {u"city"_s, u"Los Angeles"_s}, {u"state"_s, u"CA"_s}, {u"zip"_s, u"90210"_s}};

        // Keyed sale, approved: same keys as the recording, exact amount in the books.
        const Reply sale = paytracePost(s, u"/v1/transactions/sale/keyed"_s,
                                        {{u"amount"_s, 51.88}, {u"credit_card"_s, card}, {u"billing_address"_s, billing},
                                         {u"invoice_id"_s, u"900000001"_s}, {u"integrator_id"_s, u"TEST"_s}}, bearer);
        QCOMPARE(sale.status, 200);
        QCOMPARE(sortedKeys(sale.json()), sortedKeys(recorded("paytrace/sale_keyed_approved.response.json")));
        QCOMPARE(sale.json().value(u"response_code"_s).toInteger(), 101);
        QCOMPARE(sale.json().value(u"masked_card_number"_s).toString(), u"xxxxxxxxxxxx5439"_s);
        const qint64 saleId = sale.json().value(u"transaction_id"_s).toInteger();
        QCOMPARE(s.paytrace().transaction(saleId)->amount, 5188);
        QCOMPARE(s.paytrace().transaction(saleId)->card.last4, u"5439"_s);

        // Declines and validation errors.
        const Reply declined = paytracePost(s, u"/v1/transactions/sale/keyed"_s,
                                            {{u"amount"_s, u"112.00"_s}, {u"credit_card"_s, card}}, bearer);
        QCOMPARE(declined.json().value(u"response_code"_s).toInteger(), 102);
        QCOMPARE(sortedKeys(declined.json()), sortedKeys(recorded("paytrace/sale_keyed_declined.response.json")));
        QCOMPARE(declined.json().value(u"approval_code"_s).toString(), QString());
        QJsonObject badCard = card;
        badCard[u"number"_s] = u"4012000098765430"_s;
        const Reply invalid = paytracePost(s, u"/v1/transactions/sale/keyed"_s, {{u"amount"_s, 10}, {u"credit_card"_s, badCard}}, bearer);
        QCOMPARE(invalid.status, 400);
        QVERIFY(invalid.json().value(u"errors"_s).toObject().contains(u"35"_s));
        QCOMPARE(paytracePost(s, u"/v1/transactions/sale/keyed"_s, {{u"amount"_s, 10.001}, {u"credit_card"_s, card}}, bearer).status, 400);

        // Refund before settlement: 817, the recorded body. Void instead: 109; again: 818.
        const Reply early = paytracePost(s, u"/v1/transactions/refund/for_transaction"_s, {{u"transaction_id"_s, double(saleId)}}, bearer);
        QCOMPARE(early.json(), recorded("paytrace/refund_error_not_settled.response.json"));
        const Reply voided = paytracePost(s, u"/v1/transactions/void"_s, {{u"transaction_id"_s, QString::number(saleId)}}, bearer);
        QCOMPARE(voided.status, 200);
        QCOMPARE(sortedKeys(voided.json()), sortedKeys(recorded("paytrace/void_approved.response.json")));
        QCOMPARE(voided.json().value(u"transaction_id"_s).toInteger(), saleId);
        const Reply again = paytracePost(s, u"/v1/transactions/void"_s, {{u"transaction_id"_s, double(saleId)}}, bearer);
        QCOMPARE(again.json(), recorded("paytrace/void_error_not_pending_settlement.response.json"));

        // Authorization, partial capture, no second capture (816).
        const Reply auth = paytracePost(s, u"/v1/transactions/authorization/keyed"_s,
                                        {{u"amount"_s, 100}, {u"credit_card"_s, card}, {u"invoice_id"_s, u"900000002"_s}}, bearer);
        QCOMPARE(auth.json().value(u"response_code"_s).toInteger(), 101);
        const qint64 authId = auth.json().value(u"transaction_id"_s).toInteger();
        QCOMPARE(paytracePost(s, u"/v1/transactions/authorization/capture"_s, {{u"transaction_id"_s, double(authId)}, {u"amount"_s, 100.01}}, bearer).status, 400);
        const Reply captured = paytracePost(s, u"/v1/transactions/authorization/capture"_s, {{u"transaction_id"_s, double(authId)}, {u"amount"_s, 60}}, bearer);
        QCOMPARE(captured.status, 200);
        QCOMPARE(sortedKeys(captured.json()), sortedKeys(recorded("paytrace/capture_approved.response.json")));
        QCOMPARE(captured.json().value(u"transaction_id"_s).toInteger(), authId); // same id as the auth
        const Reply twice = paytracePost(s, u"/v1/transactions/authorization/capture"_s, {{u"transaction_id"_s, double(authId)}}, bearer);
        QCOMPARE(twice.json(), recorded("paytrace/capture_error_not_capturable.response.json"));

        // Manual settle closes the batch; then refunds work and never exceed what is left.
        const Reply settled = paytracePost(s, u"/v1/transactions/settle"_s, {}, bearer);
        QCOMPARE(settled.status, 200);
        const qint64 batch = settled.json().value(u"batch_number"_s).toInteger();
        QVERIFY(batch > 0);
        const QJsonObject record = paytracePost(s, u"/v1/transactions/export/by_id"_s, {{u"transaction_id"_s, double(authId)}}, bearer)
                                       .json().value(u"transactions"_s).toArray().first().toObject();
        QCOMPARE(record.value(u"status_code"_s).toString(), u"GB"_s + QString::number(batch));
        QCOMPARE(record.value(u"amount"_s).toDouble(), 60.0);
        QVERIFY(paytracePost(s, u"/v1/transactions/void"_s, {{u"transaction_id"_s, double(authId)}}, bearer)
                    .json().value(u"errors"_s).toObject().contains(u"818"_s));
        QCOMPARE(paytracePost(s, u"/v1/transactions/refund/for_transaction"_s, {{u"transaction_id"_s, double(authId)}, {u"amount"_s, 70}}, bearer).status, 400);
        const Reply part = paytracePost(s, u"/v1/transactions/refund/for_transaction"_s, {{u"transaction_id"_s, double(authId)}, {u"amount"_s, 20}}, bearer);
        QCOMPARE(part.status, 200);
        QCOMPARE(sortedKeys(part.json()), sortedKeys(recorded("paytrace/refund_approved.response.json")));
        QVERIFY(part.json().value(u"transaction_id"_s).toInteger() != authId); // a refund is a new transaction
        const Reply rest = paytracePost(s, u"/v1/transactions/refund/for_transaction"_s, {{u"transaction_id"_s, double(authId)}}, bearer);
        QCOMPARE(rest.status, 200);
        QCOMPARE(s.paytrace().transaction(rest.json().value(u"transaction_id"_s).toInteger())->amount, 4000);
        QCOMPARE(paytracePost(s, u"/v1/transactions/refund/for_transaction"_s, {{u"transaction_id"_s, double(authId)}, {u"amount"_s, 0.01}}, bearer).status, 400);

        // The ledger lists every movement, declines excluded.
        const QJsonArray ledger = send("GET", admin(s, u"/ledger"_s)).json().value(u"entries"_s).toArray();
        QStringList operations;
        QStringList amounts;
        for (const QJsonValue &v : ledger) {
            operations.append(v.toObject().value(u"operation"_s).toString());
            amounts.append(v.toObject().value(u"amount"_s).toString());
        }
        QCOMPARE(operations, (QStringList{u"sale"_s, u"void"_s, u"authorization"_s, u"capture"_s, u"settlement"_s, u"refund"_s, u"refund"_s}));
        QCOMPARE(amounts, (QStringList{u"51.88"_s, u"51.88"_s, u"100.00"_s, u"60.00"_s, u"60.00"_s, u"20.00"_s, u"40.00"_s}));

        // Vault: create, duplicate (171), sale by customer (no masked_card_number), delete.
        const QJsonObject customer{{u"customer_id"_s, u"cust-1"_s}, {u"credit_card"_s, card}, {u"billing_address"_s, billing}};
        const Reply created = paytracePost(s, u"/v1/customer/create"_s, customer, bearer);
        QCOMPARE(created.json().value(u"response_code"_s).toInteger(), 160);
        QCOMPARE(sortedKeys(created.json()), sortedKeys(recorded("paytrace/customer_create_approved.response.json")));
        const Reply duplicate = paytracePost(s, u"/v1/customer/create"_s, customer, bearer);
        QCOMPARE(duplicate.json(), recorded("paytrace/customer_create_duplicate_id.response.json"));
        const Reply byCustomer = paytracePost(s, u"/v1/transactions/sale/by_customer"_s, {{u"customer_id"_s, u"cust-1"_s}, {u"amount"_s, 5}}, bearer);
        QCOMPARE(sortedKeys(byCustomer.json()), sortedKeys(recorded("paytrace/sale_by_customer_approved.response.json")));
        QVERIFY(paytracePost(s, u"/v1/transactions/sale/by_customer"_s, {{u"customer_id"_s, u"nobody"_s}, {u"amount"_s, 5}}, bearer)
                    .json().value(u"errors"_s).toObject().contains(u"30"_s));
        QCOMPARE(paytracePost(s, u"/v1/customer/delete"_s, {{u"customer_id"_s, u"cust-1"_s}}, bearer).json().value(u"response_code"_s).toInteger(), 162);
        const Reply latest = paytracePost(s, u"/v1/batches/export_one"_s, {}, bearer);
        QCOMPARE(latest.json().value(u"batch"_s).toObject().value(u"number"_s).toInteger(), batch);
        QCOMPARE(paytracePost(s, u"/v1/batches/transaction_list"_s, {{u"batch_number"_s, double(batch)}}, bearer)
                     .json().value(u"transactions"_s).toArray().size(),
                 s.paytrace().batches().last().transactionIds.size());
        QCOMPARE(paytracePost(s, u"/v1/transactions/nothing"_s, {}, bearer).status, 404);
    }

    // ---- Magento ----------------------------------------------------------------------------

    void magentoEnvelopeAndOrderShape()
    {
        Sandbox &s = *m_sandbox;
        for (const QString &prefix : {u"/rest/V1/orders"_s, u"/rest/default/V1/orders"_s}) {
            const Reply r = magentoGet(s, prefix, u"searchCriteria[pageSize]=5"_s);
            QCOMPARE(r.status, 200);
            const QJsonObject o = r.json();
            QCOMPARE(sortedKeys(o), sorted({u"items"_s, u"search_criteria"_s, u"total_count"_s}));
            QCOMPARE(o.value(u"total_count"_s).toInteger(), 200);
            QCOMPARE(o.value(u"items"_s).toArray().size(), 5);
            QCOMPARE(o.value(u"search_criteria"_s).toObject(),
                     (QJsonObject{{u"filter_groups"_s, QJsonArray()}, {u"page_size"_s, 5}}));
        }
        const QList<MagentoOrder> orders = s.magento().orders();
        const Reply all = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[currentPage]=1"_s);
        QCOMPARE(all.status, 200);
        const QJsonArray items = all.json().value(u"items"_s).toArray();
        QCOMPARE(items.size(), orders.size()); // no pageSize: everything
        const QRegularExpression stamp(u"^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$"_s);
        for (qsizetype i = 0; i < items.size(); ++i) {
            const QJsonObject item = items[i].toObject();
            const MagentoOrder &o = orders[i];
            QVERIFY(isInteger(item.value(u"entity_id"_s)));
            QCOMPARE(item.value(u"entity_id"_s).toInteger(), o.entityId);
            QCOMPARE(item.value(u"increment_id"_s).toString(), o.incrementId);
            for (const QString &key : {u"state"_s, u"status"_s, u"order_currency_code"_s, u"base_currency_code"_s,
                                       u"customer_email"_s})
                QVERIFY2(item.value(key).isString(), qPrintable(key));
            // The customer's name: on the order, or (some guests) only on the billing address.
            const QJsonObject billing = item.value(u"billing_address"_s).toObject();
            for (const auto &[orderKey, addressKey] : {std::pair{u"customer_firstname"_s, u"firstname"_s},
                                                       std::pair{u"customer_lastname"_s, u"lastname"_s}}) {
                if (item.contains(orderKey)) {
                    QVERIFY2(item.value(orderKey).isString(), qPrintable(orderKey));
                    QVERIFY2(!item.value(orderKey).toString().isEmpty(), qPrintable(orderKey));
                } else {
                    QVERIFY2(o.customerIsGuest(), qPrintable(orderKey + u" missing on a registered customer's order"_s));
                    QVERIFY2(billing.value(addressKey).isString(), qPrintable(addressKey));
                    QVERIFY2(!billing.value(addressKey).toString().isEmpty(), qPrintable(addressKey));
                }
            }
            QCOMPARE(item.value(u"customer_firstname"_s).toString(), o.customerFirstname);
            QCOMPARE(item.value(u"customer_lastname"_s).toString(), o.customerLastname);
            // Amounts: JSON numbers, or 4-decimal text on orders served raw (README "Data").
            const QRegularExpression raw4(u"^-?\\d+\\.\\d{4}$"_s);
            for (const QString &key : {u"grand_total"_s, u"base_grand_total"_s, u"subtotal"_s, u"tax_amount"_s,
                                       u"shipping_amount"_s, u"total_due"_s}) {
                if (o.decimalText) {
                    QVERIFY2(item.value(key).isString(), qPrintable(key));
                    QVERIFY2(raw4.match(item.value(key).toString()).hasMatch(), qPrintable(key));
                } else {
                    QVERIFY2(item.value(key).isDouble(), qPrintable(key));
                }
            }
            QVERIFY(stamp.match(item.value(u"created_at"_s).toString()).hasMatch());
            QVERIFY(stamp.match(item.value(u"updated_at"_s).toString()).hasMatch());
            QCOMPARE(item.value(u"created_at"_s).toString(), QString::fromLatin1(magentoTime(o.createdAt)));
            if (o.customerIsGuest()) {
                QVERIFY(!item.contains(u"customer_id"_s)); // absent, not null
                QCOMPARE(item.value(u"customer_is_guest"_s).toInteger(), 1);
            } else {
                QCOMPARE(item.value(u"customer_id"_s).toInteger(), o.customerId);
            }
            // Unpaid orders carry no total_paid at all.
            QCOMPARE(item.contains(u"total_paid"_s), o.totalPaid.has_value());
            const QJsonObject payment = item.value(u"payment"_s).toObject();
            QCOMPARE(payment.value(u"method"_s).toString(), o.payment.method);
            if (o.payment.lastTransId.isEmpty()) {
                QVERIFY(!payment.contains(u"last_trans_id"_s));
            } else {
                QVERIFY(payment.value(u"last_trans_id"_s).isString());
                QCOMPARE(payment.value(u"last_trans_id"_s).toString(), o.payment.lastTransId);
                QCOMPARE(payment.value(u"cc_last4"_s).toString(), o.payment.ccLast4);
            }
            QVERIFY(item.value(u"billing_address"_s).toObject().value(u"street"_s).isArray());
            const QJsonObject shipping = item.value(u"extension_attributes"_s).toObject().value(u"shipping_assignments"_s)
                                             .toArray().first().toObject().value(u"shipping"_s).toObject();
            if (!o.shippingMethod.isEmpty())
                QCOMPARE(shipping.value(u"address"_s).toObject().value(u"address_type"_s).toString(), u"shipping"_s);
            QVERIFY(item.value(u"items"_s).isArray());
            QVERIFY(item.value(u"status_histories"_s).isArray());
            // Exact money text, at the order's real scale.
            const QByteArray grandText = o.decimalText ? "\"" + decimalFixed(o.grandTotal * pow10(4 - o.exponent), 4) + "\""
                                                       : decimalNumber(o.grandTotal, o.exponent);
            const QByteArray grand = "\"grand_total\":" + grandText + ",";
            QVERIFY(all.body.contains(QByteArray("\"entity_id\":" + QByteArray::number(o.entityId) + ",")));
            QVERIFY2(all.body.contains(grand), grand.constData());
        }
        // One order by id equals the same order in the list.
        const Reply one = magentoGet(s, u"/rest/V1/orders/17"_s);
        QCOMPARE(one.status, 200);
        QCOMPARE(one.json(), items[16].toObject());
        const Reply unknown = magentoGet(s, u"/rest/V1/orders/99999"_s);
        QCOMPARE(unknown.status, 404);
        QCOMPARE(unknown.json(), (QJsonObject{{u"message"_s, u"The entity that was requested doesn't exist. Verify the entity and try again."_s}}));
        const Reply noRoute = magentoGet(s, u"/rest/V1/nothing"_s);
        QCOMPARE(noRoute.status, 404);
        QCOMPARE(noRoute.json().value(u"message"_s).toString(), u"Request does not match any route."_s);
    }

    void magentoMissingSearchCriteria()
    {
        const Reply r = magentoGet(*m_sandbox, u"/rest/V1/orders"_s);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), (QJsonObject{{u"message"_s, u"\"%fieldName\" is required. Enter and try again."_s},
                                       {u"parameters"_s, QJsonObject{{u"fieldName"_s, u"searchCriteria"_s}}}}));
    }

    void magentoFiltering_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("predicate");
        QTest::newRow("eq") << u"searchCriteria[filter_groups][0][filters][0][field]=state&searchCriteria[filter_groups][0][filters][0][value]=processing"_s << u"state=processing"_s;
        QTest::newRow("neq camel") << u"searchCriteria[filterGroups][0][filters][0][field]=state&searchCriteria[filterGroups][0][filters][0][value]=complete&searchCriteria[filterGroups][0][filters][0][conditionType]=neq"_s << u"state!=complete"_s;
        QTest::newRow("or in group") << u"searchCriteria[filter_groups][0][filters][0][field]=status&searchCriteria[filter_groups][0][filters][0][value]=closed&searchCriteria[filter_groups][0][filters][1][field]=status&searchCriteria[filter_groups][0][filters][1][value]=canceled"_s << u"status in closed,canceled"_s;
        QTest::newRow("and groups") << u"searchCriteria[filter_groups][0][filters][0][field]=order_currency_code&searchCriteria[filter_groups][0][filters][0][value]=USD&searchCriteria[filter_groups][1][filters][0][field]=grand_total&searchCriteria[filter_groups][1][filters][0][value]=100&searchCriteria[filter_groups][1][filters][0][condition_type]=gt"_s << u"USD and grand>100"_s;
        QTest::newRow("in") << u"searchCriteria[filter_groups][0][filters][0][field]=order_currency_code&searchCriteria[filter_groups][0][filters][0][value]=EUR,GBP&searchCriteria[filter_groups][0][filters][0][condition_type]=in"_s << u"currency in EUR,GBP"_s;
        QTest::newRow("nin") << u"searchCriteria[filter_groups][0][filters][0][field]=order_currency_code&searchCriteria[filter_groups][0][filters][0][value]=USD,CAD&searchCriteria[filter_groups][0][filters][0][condition_type]=nin"_s << u"currency not in USD,CAD"_s;
        QTest::newRow("like") << u"searchCriteria[filter_groups][0][filters][0][field]=customer_email&searchCriteria[filter_groups][0][filters][0][value]=%25example.NET&searchCriteria[filter_groups][0][filters][0][condition_type]=like"_s << u"email like %example.net"_s;
        QTest::newRow("null") << u"searchCriteria[filter_groups][0][filters][0][field]=customer_id&searchCriteria[filter_groups][0][filters][0][condition_type]=null"_s << u"guest"_s;
        QTest::newRow("notnull") << u"searchCriteria[filter_groups][0][filters][0][field]=total_paid&searchCriteria[filter_groups][0][filters][0][condition_type]=notnull"_s << u"paid"_s;
        QTest::newRow("from/to") << u"searchCriteria[filter_groups][0][filters][0][field]=created_at&searchCriteria[filter_groups][0][filters][0][value]=2025-05-01 00:00:00&searchCriteria[filter_groups][0][filters][0][condition_type]=from&searchCriteria[filter_groups][1][filters][0][field]=created_at&searchCriteria[filter_groups][1][filters][0][value]=2025-05-07 23:59:59&searchCriteria[filter_groups][1][filters][0][condition_type]=to"_s << u"created May 1-7"_s;
        QTest::newRow("gteq/lt money") << u"searchCriteria[filter_groups][0][filters][0][field]=grand_total&searchCriteria[filter_groups][0][filters][0][value]=50.5&searchCriteria[filter_groups][0][filters][0][condition_type]=gteq&searchCriteria[filter_groups][1][filters][0][field]=grand_total&searchCriteria[filter_groups][1][filters][0][value]=80&searchCriteria[filter_groups][1][filters][0][condition_type]=lt"_s << u"50.50<=grand<80"_s;
        QTest::newRow("lteq id") << u"searchCriteria[filter_groups][0][filters][0][field]=entity_id&searchCriteria[filter_groups][0][filters][0][value]=10&searchCriteria[filter_groups][0][filters][0][condition_type]=lteq"_s << u"id<=10"_s;
    }

    void magentoFiltering()
    {
        QFETCH(QString, query);
        QFETCH(QString, predicate);
        Sandbox &s = *m_sandbox;
        const auto expected = [&](const MagentoOrder &o) {
            const qint64 may1 = daysFromCivil(2025, 5, 1) * 86400;
            if (predicate == u"state=processing") return o.state == u"processing";
            if (predicate == u"state!=complete") return o.state != u"complete";
            if (predicate == u"status in closed,canceled") return o.status == u"closed" || o.status == u"canceled";
            // Amounts compared in 1/10000 units: the order's stored scale is 0, 2 or 4.
            const qint64 grandE4 = o.grandTotal * pow10(4 - o.exponent);
            if (predicate == u"USD and grand>100") return o.orderCurrencyCode == u"USD" && grandE4 > 100'0000;
            if (predicate == u"currency in EUR,GBP") return o.orderCurrencyCode == u"EUR" || o.orderCurrencyCode == u"GBP";
            if (predicate == u"currency not in USD,CAD") return o.orderCurrencyCode != u"USD" && o.orderCurrencyCode != u"CAD";
            if (predicate == u"email like %example.net") return o.customerEmail.endsWith(u"example.net"_s);
            if (predicate == u"guest") return o.customerIsGuest();
            if (predicate == u"paid") return o.totalPaid.has_value();
            if (predicate == u"created May 1-7") return o.createdAt >= may1 && o.createdAt <= may1 + 7 * 86400 - 1;
            if (predicate == u"50.50<=grand<80") return grandE4 >= 50'5000 && grandE4 < 80'0000;
            if (predicate == u"id<=10") return o.entityId <= 10;
            return false;
        };
        QList<qint64> want;
        for (const MagentoOrder &o : s.magento().orders()) {
            if (expected(o))
                want.append(o.entityId);
        }
        const Reply r = magentoGet(s, u"/rest/V1/orders"_s, query);
        QCOMPARE(r.status, 200);
        QList<qint64> got;
        for (const QJsonValue &v : r.json().value(u"items"_s).toArray())
            got.append(v.toObject().value(u"entity_id"_s).toInteger());
        QVERIFY2(!want.isEmpty(), "the predicate should select something in the generated data");
        QCOMPARE(got, want);
        QCOMPARE(r.json().value(u"total_count"_s).toInteger(), want.size());
        // The echo keeps the filters, with condition_type defaulted to eq.
        const QJsonArray groups = r.json().value(u"search_criteria"_s).toObject().value(u"filter_groups"_s).toArray();
        QVERIFY(!groups.isEmpty());
        QVERIFY(groups.first().toObject().value(u"filters"_s).toArray().first().toObject().contains(u"condition_type"_s));
    }

    void magentoSorting()
    {
        Sandbox &s = *m_sandbox;
        const Reply asc = magentoGet(s, u"/rest/V1/orders"_s,
                                     u"searchCriteria[sortOrders][0][field]=grand_total&searchCriteria[sortOrders][0][direction]=ASC&searchCriteria[filter_groups][0][filters][0][field]=order_currency_code&searchCriteria[filter_groups][0][filters][0][value]=USD"_s);
        QCOMPARE(asc.status, 200);
        const QJsonArray items = asc.json().value(u"items"_s).toArray();
        QVERIFY(items.size() > 100);
        // grand_total in 1/10000 units: a JSON number, or 4-decimal text on orders served raw.
        const auto grandE4 = [](const QJsonObject &item, bool *ok) -> qint64 {
            const QJsonValue v = item.value(u"grand_total"_s);
            qint64 minor = 0;
            if (v.isString())
                *ok = parseDecimal(v.toString().toLatin1(), 4, &minor);
            else if ((*ok = v.isDouble()))
                minor = qRound64(v.toDouble() * 10000);
            return minor;
        };
        for (qsizetype i = 1; i < items.size(); ++i) {
            bool okA = false, okB = false;
            const qint64 a = grandE4(items[i - 1].toObject(), &okA);
            const qint64 b = grandE4(items[i].toObject(), &okB);
            QVERIFY(okA && okB);
            QVERIFY2(a <= b, qPrintable(u"%1 > %2"_s.arg(a).arg(b)));
            if (a == b) // ties keep entity_id order
                QVERIFY(items[i - 1].toObject().value(u"entity_id"_s).toInteger() < items[i].toObject().value(u"entity_id"_s).toInteger());
        }
        // No direction: descending.
        const Reply desc = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[sortOrders][0][field]=created_at&searchCriteria[pageSize]=10"_s);
        const QJsonArray d = desc.json().value(u"items"_s).toArray();
        for (qsizetype i = 1; i < d.size(); ++i)
            QVERIFY(d[i - 1].toObject().value(u"created_at"_s).toString() >= d[i].toObject().value(u"created_at"_s).toString());
        QCOMPARE(desc.json().value(u"search_criteria"_s).toObject().value(u"sort_orders"_s).toArray().first().toObject(),
                 (QJsonObject{{u"field"_s, u"created_at"_s}}));
        // Unknown columns fail like a SQL error does in production: masked 500.
        const Reply unknown = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[sortOrders][0][field]=nope"_s);
        QCOMPARE(unknown.status, 500);
        QVERIFY(unknown.json().value(u"message"_s).toString().startsWith(u"Internal Error."_s));
        const Reply badCondition = magentoGet(s, u"/rest/V1/orders"_s,
                                              u"searchCriteria[filter_groups][0][filters][0][field]=state&searchCriteria[filter_groups][0][filters][0][condition_type]=approx"_s);
        QCOMPARE(badCondition.status, 400);
        const Reply badPage = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=ten"_s);
        QCOMPARE(badPage.status, 400);
        QCOMPARE(badPage.json().value(u"parameters"_s).toObject().value(u"type"_s).toString(), u"int"_s);
    }

    void magentoPaging()
    {
        Sandbox &s = *m_sandbox;
        // The last page, and a page past the end, which Magento answers with the last page again.
        const Reply last = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=30&searchCriteria[currentPage]=7"_s);
        const Reply past = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=30&searchCriteria[currentPage]=50"_s);
        QCOMPARE(last.status, 200);
        QCOMPARE(past.status, 200);
        QCOMPARE(last.json().value(u"items"_s).toArray().size(), 20);
        QCOMPARE(past.json().value(u"items"_s), last.json().value(u"items"_s));
        QCOMPARE(past.json().value(u"total_count"_s).toInteger(), 200);
        QCOMPARE(past.json().value(u"search_criteria"_s).toObject().value(u"current_page"_s).toInteger(), 50);

        // Many orders share one updated_at: paging on (updated_at, entity_id) sees each exactly once.
        const qint64 shared = s.generated().sharedUpdatedAt;
        qsizetype sharing = 0;
        for (const MagentoOrder &o : s.magento().orders())
            sharing += o.updatedAt == shared;
        QVERIFY(sharing >= 10);
        const QString criteria = u"searchCriteria[filter_groups][0][filters][0][field]=updated_at"
                                 "&searchCriteria[filter_groups][0][filters][0][value]=%1"
                                 "&searchCriteria[filter_groups][0][filters][0][condition_type]=gteq"
                                 "&searchCriteria[sortOrders][0][field]=updated_at&searchCriteria[sortOrders][0][direction]=ASC"
                                 "&searchCriteria[sortOrders][1][field]=entity_id&searchCriteria[sortOrders][1][direction]=ASC"_s
                                     .arg(QString::fromLatin1(magentoTime(shared - 3600)));
        const QList<QJsonObject> seen = allPages(s, criteria, 7);
        QList<qint64> want;
        QList<std::pair<qint64, qint64>> keys;
        for (const MagentoOrder &o : s.magento().orders()) {
            if (o.updatedAt >= shared - 3600)
                keys.append({o.updatedAt, o.entityId});
        }
        std::sort(keys.begin(), keys.end());
        for (const auto &k : keys)
            want.append(k.second);
        QList<qint64> got;
        for (const QJsonObject &o : seen)
            got.append(o.value(u"entity_id"_s).toInteger());
        QCOMPARE(got, want);
    }

    void magentoInputLimits()
    {
        Sandbox &s = *m_sandbox;
        QCOMPARE(send("POST", admin(s, u"/magento/config"_s), "{\"input_limits\":true}").status, 200);
        const Reply tooBig = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=301"_s);
        QCOMPARE(tooBig.status, 400);
        QCOMPARE(tooBig.json(), (QJsonObject{{u"message"_s, u"Maximum SearchCriteria pageSize is %max"_s},
                                            {u"parameters"_s, QJsonObject{{u"max"_s, u"300"_s}}}}));
        QCOMPARE(magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[currentPage]=1"_s).json().value(u"items"_s).toArray().size(), 20);
        QCOMPARE(magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=300"_s).status, 200);
        QCOMPARE(send("POST", admin(s, u"/magento/config"_s), "{\"input_limits\":false}").status, 200);
        QCOMPARE(magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=301"_s).status, 200);
    }

    void magentoBearerRefusal()
    {
        Sandbox &s = *m_sandbox;
        const QJsonObject refusal{{u"message"_s, u"The consumer isn't authorized to access %resources."_s},
                                  {u"parameters"_s, QJsonObject{{u"resources"_s, u"Magento_Sales::actions_view"_s}}}};
        const QUrl url = mg(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s);
        const Reply none = send("GET", url);
        QCOMPARE(none.status, 401);
        QCOMPARE(none.json(), refusal);
        const Reply wrong = send("GET", url, {}, {{"Authorization", "Bearer not-the-token"}});
        QCOMPARE(wrong.status, 401);
        QCOMPARE(wrong.json(), refusal);
        // With integration tokens as bearer disabled (the 2.4.4+ default), the right token is refused too.
        s.magento().setBearerEnabled(false);
        const Reply disabled = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s);
        s.magento().setBearerEnabled(true);
        QCOMPARE(disabled.status, 401);
        QCOMPARE(disabled.json(), refusal);
        QCOMPARE(magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s).status, 200);
        // And a sandbox left at its defaults refuses it, as a fresh 2.4.4+ store does.
        Sandbox fresh(SandboxOptions{});
        QVERIFY(fresh.start());
        QVERIFY(!fresh.magento().bearerEnabled());
        const Reply byDefault = magentoGet(fresh, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s);
        QCOMPARE(byDefault.status, 401);
        QCOMPARE(byDefault.json(), refusal);
    }

    void magentoFields()
    {
        Sandbox &s = *m_sandbox;
        const Reply r = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=3&fields=items[entity_id,increment_id],total_count"_s);
        QCOMPARE(r.status, 200);
        const QJsonObject o = r.json();
        QCOMPARE(sortedKeys(o), sorted({u"items"_s, u"total_count"_s}));
        for (const QJsonValue &v : o.value(u"items"_s).toArray())
            QCOMPARE(sortedKeys(v.toObject()), sorted({u"entity_id"_s, u"increment_id"_s}));
        // Like recordings/magento/orders_search_fields.response.json: only what was asked for.
        const Reply onlyItems = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=3&fields=items[increment_id,entity_id]"_s);
        const QJsonObject recorded = QJsonDocument::fromJson(pb::test::recording(u"magento/orders_search_fields.response.json"_s)).object();
        QCOMPARE(sortedKeys(onlyItems.json()), sortedKeys(recorded));
        QCOMPARE(sortedKeys(onlyItems.json().value(u"items"_s).toArray().first().toObject()),
                 sortedKeys(recorded.value(u"items"_s).toArray().first().toObject()));
        // Nested selection and a single order.
        const Reply nested = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=2&fields=items[payment[method,last_trans_id],billing_address[city]]"_s);
        const QJsonObject first = nested.json().value(u"items"_s).toArray().first().toObject();
        QCOMPARE(sortedKeys(first), sorted({u"billing_address"_s, u"payment"_s}));
        QCOMPARE(sortedKeys(first.value(u"billing_address"_s).toObject()), QStringList{u"city"_s});
        const Reply single = magentoGet(s, u"/rest/V1/orders/5"_s, u"fields=billing_address,customer_email"_s);
        QCOMPARE(sortedKeys(single.json()), sorted({u"billing_address"_s, u"customer_email"_s}));
        QCOMPARE(magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1&fields=items[entity_id"_s).status, 400);
    }

    void magentoOAuth1()
    {
        Sandbox &s = *m_sandbox;
        const QByteArray consumerKey = credential(s, u"magento.consumer_key"_s).toLatin1();
        const QByteArray consumerSecret = credential(s, u"magento.consumer_secret"_s).toLatin1();
        const QByteArray accessToken = credential(s, u"magento.access_token"_s).toLatin1();
        const QByteArray tokenSecret = credential(s, u"magento.access_token_secret"_s).toLatin1();
        const QList<std::pair<QByteArray, QByteArray>> query{{"searchCriteria[pageSize]", "2"},
                                                             {"searchCriteria[filter_groups][0][filters][0][field]", "state"},
                                                             {"searchCriteria[filter_groups][0][filters][0][value]", "complete"}};
        QUrlQuery urlQuery;
        for (const auto &[k, v] : query)
            urlQuery.addQueryItem(QString::fromLatin1(k), QString::fromLatin1(v));
        QUrl url = mg(s, u"/rest/V1/orders"_s);
        url.setQuery(urlQuery);
        // An independent signer written from magento.md §1.4.
        const auto header = [&](const QByteArray &nonce, qint64 timestamp, const QByteArray &method, const QByteArray &secret) {
            QList<std::pair<QByteArray, QByteArray>> params{
                {"oauth_consumer_key", consumerKey}, {"oauth_nonce", nonce}, {"oauth_signature_method", method},
                {"oauth_timestamp", QByteArray::number(timestamp)}, {"oauth_token", accessToken}, {"oauth_version", "1.0"}};
            QList<std::pair<QByteArray, QByteArray>> all = params;
            all.append(query);
            for (auto &[k, v] : all) {
                k = k.toPercentEncoding();
                v = v.toPercentEncoding();
            }
            std::sort(all.begin(), all.end());
            QByteArray joined;
            for (const auto &[k, v] : all)
                joined += (joined.isEmpty() ? "" : "&") + k + '=' + v;
            const QByteArray base = "GET&" + QByteArray("http://127.0.0.1:" + QByteArray::number(s.port()) + "/magento/rest/V1/orders").toPercentEncoding()
                + '&' + joined.toPercentEncoding();
            const QByteArray key = consumerSecret.toPercentEncoding() + '&' + secret.toPercentEncoding();
            const QByteArray signature = QMessageAuthenticationCode::hash(base, key, QCryptographicHash::Sha256).toBase64();
            QByteArray h = "OAuth realm=\"\"";
            for (const auto &[k, v] : params)
                h += ", " + k + "=\"" + v.toPercentEncoding() + '"';
            h += ", oauth_signature=\"" + signature.toPercentEncoding() + '"';
            return h;
        };
        const qint64 now = s.clock().nowSecs();
        s.magento().setBearerEnabled(false); // signing works whatever the bearer setting
        const Reply ok = send("GET", url, {}, {{"Authorization", header("nonce-1", now, "HMAC-SHA256", tokenSecret)}});
        QCOMPARE(ok.status, 200);
        QCOMPARE(ok.json().value(u"items"_s).toArray().size(), 2);
        const Reply replay = send("GET", url, {}, {{"Authorization", header("nonce-1", now, "HMAC-SHA256", tokenSecret)}});
        QCOMPARE(replay.status, 401);
        QCOMPARE(replay.json().value(u"message"_s).toString(), u"The nonce is already being used by the consumer with ID %1"_s);
        const Reply badSecret = send("GET", url, {}, {{"Authorization", header("nonce-2", now, "HMAC-SHA256", "wrong")}});
        QCOMPARE(badSecret.status, 401);
        QCOMPARE(badSecret.json().value(u"message"_s).toString(), u"The signature is invalid. Verify and try again."_s);
        const Reply sha1 = send("GET", url, {}, {{"Authorization", header("nonce-3", now, "HMAC-SHA1", tokenSecret)}});
        QCOMPARE(sha1.status, 400);
        QCOMPARE(sha1.json(), (QJsonObject{{u"message"_s, u"Signature method %1 is not supported"_s},
                                          {u"parameters"_s, QJsonArray{u"HMAC-SHA1"_s}}}));
        const Reply future = send("GET", url, {}, {{"Authorization", header("nonce-4", now + 3600, "HMAC-SHA256", tokenSecret)}});
        QCOMPARE(future.status, 400);
        const Reply missing = send("GET", url, {}, {{"Authorization", "OAuth oauth_consumer_key=\"" + consumerKey + "\""}});
        QCOMPARE(missing.status, 400);
        QCOMPARE(missing.json().value(u"message"_s).toString(), u"\"%fieldName\" is required. Enter and try again."_s);
        s.magento().setBearerEnabled(true);
    }

    // ---- faults and limits ------------------------------------------------------------------

    void faultInjection()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 10;
        options.seed = 5;
        Sandbox s(options);
        QVERIFY(s.start());
        const QUrl ping = pt(s, u"/v1/ping"_s);
        const auto only = [&](const QByteArray &rule) {
            QCOMPARE(send("DELETE", admin(s, u"/faults"_s)).status, 200);
            const Reply added = send("POST", admin(s, u"/faults"_s), rule);
            QVERIFY2(added.status == 200, added.body.constData());
        };

        only("{\"path\":\"/paytrace/v1/ping\",\"kind\":\"latency\",\"latency_ms\":400}");
        Reply r = send("POST", ping);
        QCOMPARE(r.status, 200);
        QVERIFY2(r.elapsedMs >= 380, qPrintable(QString::number(r.elapsedMs)));

        only("{\"path\":\"/paytrace/*\",\"kind\":\"timeout\"}");
        r = send("POST", ping, {}, {}, 600);
        QCOMPARE(r.status, 0);
        QVERIFY(r.error == QNetworkReply::OperationCanceledError || r.error == QNetworkReply::TimeoutError);
        QVERIFY(r.elapsedMs >= 550);

        only("{\"path\":\"/paytrace/v1/ping\",\"kind\":\"reset\"}");
        r = send("POST", ping);
        QCOMPARE(r.status, 0);
        QVERIFY(r.error != QNetworkReply::NoError);

        for (const auto &[kind, status] : {std::pair{"http500", 500}, std::pair{"http502", 502}, std::pair{"http503", 503}}) {
            only(QByteArray("{\"path\":\"/magento/rest/*\",\"kind\":\"") + kind + "\"}");
            r = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s);
            QCOMPARE(r.status, status);
        }

        only("{\"path\":\"/magento/*\",\"kind\":\"http429\",\"retry_after\":7}");
        r = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.header("Retry-After"), QByteArray("7"));
        QCOMPARE(QJsonDocument::fromJson(r.body), QJsonDocument::fromJson(pb::test::recording(u"magento/error_429.response.json"_s)));

        only("{\"path\":\"/magento/*\",\"kind\":\"truncate\"}");
        r = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=5"_s);
        QVERIFY(r.error != QNetworkReply::NoError);
        QVERIFY(QJsonDocument::fromJson(r.body).isNull());

        only("{\"path\":\"/magento/*\",\"kind\":\"malformed\"}");
        r = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=5"_s);
        QCOMPARE(r.status, 200);
        QJsonParseError parseError;
        QJsonDocument::fromJson(r.body, &parseError);
        QVERIFY(parseError.error != QJsonParseError::NoError);

        only("{\"path\":\"/paytrace/v1/ping\",\"kind\":\"malformed\"}");
        r = send("POST", ping);
        QCOMPARE(r.status, 200);
        QJsonDocument::fromJson(r.body, &parseError);
        QVERIFY(parseError.error != QJsonParseError::NoError);

        // times and probability; the admin API lists and deletes rules by id.
        only("{\"id\":\"once\",\"path\":\"/paytrace/v1/ping\",\"kind\":\"http503\",\"times\":1}");
        QCOMPARE(send("POST", ping).status, 503);
        QCOMPARE(send("POST", ping).status, 200);
        only("{\"path\":\"/paytrace/v1/ping\",\"kind\":\"http500\",\"probability\":0}");
        for (int i = 0; i < 5; ++i)
            QCOMPARE(send("POST", ping).status, 200);
        only("[{\"id\":\"a\",\"path\":\"/paytrace/v1/ping\",\"kind\":\"http500\",\"method\":\"GET\"},{\"id\":\"b\",\"path\":\"/nowhere\",\"kind\":\"reset\"}]");
        QCOMPARE(send("POST", ping).status, 200); // method does not match
        QCOMPARE(send("GET", admin(s, u"/faults"_s)).json().value(u"rules"_s).toArray().size(), 2);
        QCOMPARE(send("DELETE", admin(s, u"/faults/a"_s)).json().value(u"rules"_s).toArray().size(), 1);
        QCOMPARE(send("DELETE", admin(s, u"/faults/a"_s)).status, 404);
        QCOMPARE(send("POST", admin(s, u"/faults"_s), "{\"kind\":\"explode\"}").status, 400);
        QCOMPARE(send("POST", admin(s, u"/faults"_s), "{\"kind\":\"http500\",\"probability\":2}").status, 400);
        // Faults configured in C++ at start-up work the same way; the admin API is never faulted.
        s.faults().clear();
        FaultRule rule;
        rule.path = u"*"_s;
        rule.kind = FaultKind::Http502;
        s.faults().add(rule);
        QCOMPARE(send("POST", ping).status, 502);
        QCOMPARE(send("GET", admin(s, u"/health"_s)).status, 200);
        s.faults().clear();
        QVERIFY(send("GET", admin(s, u"/stats"_s)).json().value(u"faults_injected"_s).toInteger() >= 12);
    }

    // late_effect: the request is carried out only when delay_ms is over, then answered if the
    // client still waits; a client that gave up does not stop it (the gateway timed out, but the
    // refund happened).
    void lateEffect()
    {
        constexpr int delayMs = 1200;
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 40;
        options.seed = 11;
        options.startTime = fixedStart();
        FaultRule rule; // installed through SandboxOptions, the C++ form
        rule.id = u"late"_s;
        rule.path = u"/paytrace/v1/transactions/refund/*"_s;
        rule.method = u"POST"_s;
        rule.kind = FaultKind::LateEffect;
        rule.delayMs = delayMs;
        rule.times = 1;
        options.faults = {rule};
        Sandbox s(options);
        QVERIFY(s.start());
        const QByteArray bearer = token(s);
        QVERIFY(!bearer.isEmpty());
        const QList<qint64> sales = refundableSales(s, 100);
        QVERIFY2(sales.size() >= 3, "the generated data has too few settled sales");
        const QString path = u"/v1/transactions/refund/for_transaction"_s;
        const auto refundOf = [](qint64 id) {
            return QJsonObject{{u"transaction_id"_s, double(id)}, {u"amount"_s, 1}};
        };

        // (1) A client that waits longer than delay_ms: nothing in the books half-way, then the
        // answer no sooner than delay_ms, and the refund in the books once.
        qsizetype ledgerBefore = ledgerRefunds(s);
        const qsizetype firstBefore = refundsOf(s, sales[0]);
        QElapsedTimer timer;
        timer.start();
        QNetworkReply *waiting = startPaytracePost(s, path, refundOf(sales[0]), bearer, 10000);
        QTest::qWait(delayMs / 2);
        QVERIFY(!waiting->isFinished());
        QCOMPARE(refundsOf(s, sales[0]), firstBefore);
        QCOMPARE(ledgerRefunds(s), ledgerBefore);
        QSignalSpy waitingDone(waiting, &QNetworkReply::finished);
        QVERIFY(waiting->isFinished() || waitingDone.wait(10000));
        const qint64 answeredAfter = timer.elapsed();
        QCOMPARE(waiting->error(), QNetworkReply::NoError);
        QCOMPARE(waiting->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QVERIFY2(answeredAfter >= delayMs, qPrintable(QString::number(answeredAfter)));
        const QJsonObject answer = QJsonDocument::fromJson(waiting->readAll()).object();
        waiting->deleteLater();
        QCOMPARE(answer.value(u"response_code"_s).toInteger(), 106);
        const auto refund = s.paytrace().transaction(answer.value(u"transaction_id"_s).toInteger());
        QVERIFY(refund.has_value());
        QCOMPARE(refund->parentId, sales[0]);
        QCOMPARE(refund->amount, 100);
        QCOMPARE(refundsOf(s, sales[0]), firstBefore + 1);
        QCOMPARE(ledgerRefunds(s), ledgerBefore + 1);

        // (3) `times` is honoured: the rule is spent, the next refund is carried out and answered
        // at once.
        const qsizetype secondBefore = refundsOf(s, sales[1]);
        const Reply immediate = paytracePost(s, path, refundOf(sales[1]), bearer);
        QCOMPARE(immediate.status, 200);
        QVERIFY2(immediate.elapsedMs < delayMs / 2, qPrintable(QString::number(immediate.elapsedMs)));
        QCOMPARE(refundsOf(s, sales[1]), secondBefore + 1);
        QCOMPARE(ledgerRefunds(s), ledgerBefore + 2);
        const QJsonArray rules = send("GET", admin(s, u"/faults"_s)).json().value(u"rules"_s).toArray();
        QCOMPARE(rules.size(), 1);
        QCOMPARE(rules.first().toObject().value(u"kind"_s).toString(), u"late_effect"_s);
        QCOMPARE(rules.first().toObject().value(u"delay_ms"_s).toInteger(), delayMs);
        QCOMPARE(rules.first().toObject().value(u"times"_s).toInteger(), 0);
        QCOMPARE(rules.first().toObject().value(u"fired"_s).toInteger(), 1);

        // (2) A client that gives up before delay_ms (its transfer timeout): nothing in the books
        // when it has given up, the refund there once delay_ms after the request, and no more.
        const Reply added = send("POST", admin(s, u"/faults"_s),
                                 "{\"path\":\"/paytrace/v1/transactions/refund/*\",\"method\":\"POST\","
                                 "\"kind\":\"late_effect\",\"delay_ms\":1200,\"times\":1}");
        QVERIFY2(added.status == 200, added.body.constData());
        ledgerBefore = ledgerRefunds(s);
        const qsizetype thirdBefore = refundsOf(s, sales[2]);
        timer.restart();
        const Reply gaveUp = send("POST", pt(s, path), QJsonDocument(refundOf(sales[2])).toJson(QJsonDocument::Compact),
                                  {{"Authorization", "Bearer " + bearer}}, 300);
        QCOMPARE(gaveUp.status, 0);
        QVERIFY2(gaveUp.error == QNetworkReply::OperationCanceledError || gaveUp.error == QNetworkReply::TimeoutError,
                 qPrintable(QString::number(gaveUp.error)));
        QVERIFY2(timer.elapsed() < delayMs, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(refundsOf(s, sales[2]), thirdBefore);
        QCOMPARE(ledgerRefunds(s), ledgerBefore);
        QTRY_COMPARE_WITH_TIMEOUT(refundsOf(s, sales[2]), thirdBefore + 1, 10000);
        QVERIFY2(timer.elapsed() >= delayMs, qPrintable(QString::number(timer.elapsed())));
        QTest::qWait(delayMs / 2);
        QCOMPARE(refundsOf(s, sales[2]), thirdBefore + 1);
        QCOMPARE(ledgerRefunds(s), ledgerBefore + 1);
        QCOMPARE(s.paytrace().ledger().last().amount, 100);

        // The sandbox serves on meanwhile: its event loop was never blocked by the waits.
        QCOMPARE(send("GET", admin(s, u"/health"_s)).status, 200);
    }

    // A late effect whose wait outlives the sandbox is dropped with it, unrun (ASan watches).
    void lateEffectDroppedWhenTheSandboxStops()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 5;
        options.seed = 3;
        FaultRule rule;
        rule.path = u"/paytrace/v1/ping"_s;
        rule.kind = FaultKind::LateEffect;
        rule.delayMs = 700;
        options.faults = {rule};
        auto s = std::make_unique<Sandbox>(options);
        QVERIFY(s->start());
        const QByteArray bearer = token(*s);
        QNetworkReply *reply = startPaytracePost(*s, u"/v1/ping"_s, {}, bearer, 10000);
        QSignalSpy done(reply, &QNetworkReply::finished);
        QTest::qWait(200);
        QVERIFY(!reply->isFinished());
        s.reset();
        QVERIFY(reply->isFinished() || done.wait(5000));
        QVERIFY(reply->error() != QNetworkReply::NoError);
        reply->deleteLater();
        QTest::qWait(900); // past the delay: the dropped work must not run
    }

    // The admin API refuses a late_effect rule without a usable delay_ms, naming the field, and
    // keeps delay_ms to late_effect.
    void lateEffectRuleValidation_data()
    {
        QTest::addColumn<QByteArray>("rule");
        const QByteArray head = "{\"path\":\"/paytrace/v1/transactions/refund/*\",\"kind\":\"late_effect\"";
        QTest::newRow("missing") << head + "}";
        QTest::newRow("negative") << head + ",\"delay_ms\":-1000}";
        QTest::newRow("zero") << head + ",\"delay_ms\":0}";
        QTest::newRow("too long") << head + ",\"delay_ms\":600001}";
        QTest::newRow("fraction") << head + ",\"delay_ms\":1.5}";
        QTest::newRow("text") << head + ",\"delay_ms\":\"1000\"}";
        QTest::newRow("null") << head + ",\"delay_ms\":null}";
        QTest::newRow("another kind") << QByteArray("{\"path\":\"/paytrace/*\",\"kind\":\"latency\",\"latency_ms\":5,\"delay_ms\":100}");
    }

    void lateEffectRuleValidation()
    {
        QFETCH(QByteArray, rule);
        QCOMPARE(send("DELETE", admin(*m_sandbox, u"/faults"_s)).status, 200);
        const Reply refused = send("POST", admin(*m_sandbox, u"/faults"_s), rule);
        QCOMPARE(refused.status, 400);
        const QString message = refused.json().value(u"error"_s).toString();
        QVERIFY2(message.contains(u"\"delay_ms\""_s), qPrintable(message));
        QCOMPARE(send("GET", admin(*m_sandbox, u"/faults"_s)).json().value(u"rules"_s).toArray().size(), 0);

        // A well-formed rule is taken, listed with its delay_ms, and reads back the same.
        const Reply taken = send("POST", admin(*m_sandbox, u"/faults"_s),
                                 "{\"id\":\"ok\",\"path\":\"/paytrace/v1/transactions/refund/*\",\"kind\":\"late_effect\","
                                 "\"delay_ms\":600000}");
        QVERIFY2(taken.status == 200, taken.body.constData());
        const QJsonObject listed = taken.json().value(u"rules"_s).toArray().first().toObject();
        QCOMPARE(listed.value(u"delay_ms"_s).toInteger(), 600000);
        QString error;
        const std::optional<FaultRule> back = FaultRule::fromJson(listed, &error);
        QVERIFY2(back.has_value(), qPrintable(error));
        QCOMPARE(back->kind, FaultKind::LateEffect);
        QCOMPARE(back->delayMs, 600000);
        QCOMPARE(send("DELETE", admin(*m_sandbox, u"/faults"_s)).status, 200);
    }

    void rateLimits()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 5;
        options.seed = 9;
        options.paytraceRateLimit = RateLimit{1, 2};
        Sandbox s(options);
        QVERIFY(s.start());
        int refused = 0;
        QByteArray retryAfter;
        for (int i = 0; i < 6; ++i) {
            const Reply r = send("POST", pt(s, u"/v1/ping"_s));
            if (r.status == 429) {
                ++refused;
                retryAfter = r.header("Retry-After");
            } else {
                QCOMPARE(r.status, 200);
            }
        }
        QVERIFY(refused >= 3);
        QVERIFY(retryAfter.toInt() >= 1);
        // Magento through the admin API.
        QCOMPARE(send("POST", admin(s, u"/limits"_s), "{\"magento\":{\"rate\":0.5,\"burst\":1}}").status, 200);
        QCOMPARE(magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s).status, 200);
        const Reply limited = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s);
        QCOMPARE(limited.status, 429);
        QVERIFY(limited.header("Retry-After").toInt() >= 1);
        QCOMPARE(QJsonDocument::fromJson(limited.body), QJsonDocument::fromJson(pb::test::recording(u"magento/error_429.response.json"_s)));
        const QJsonObject stats = send("GET", admin(s, u"/stats"_s)).json();
        QCOMPARE(stats.value(u"served_429"_s).toInteger(), refused + 1);
        QCOMPARE(stats.value(u"rate_limited"_s).toObject().value(u"magento"_s).toInteger(), 1);
        QVERIFY(stats.value(u"requests"_s).toObject().value(u"POST /paytrace/v1/ping"_s).toInteger() == 6);
        QCOMPARE(send("POST", admin(s, u"/limits"_s), "{\"magento\":{\"rate\":0}}").status, 200);
        QCOMPARE(magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=1"_s).status, 200);
        QCOMPARE(send("POST", admin(s, u"/limits"_s), "{\"erp\":{\"rate\":1}}").status, 400);
    }

    // ---- determinism, HTTP robustness, threads, executable ----------------------------------

    void determinism()
    {
        const auto snapshot = [this](quint64 seed) {
            SandboxOptions options;
            options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
            options.orders = 50;
            options.seed = seed;
            options.startTime = fixedStart();
            Sandbox s(options);
            if (!s.start())
                return QByteArray();
            QByteArray all = magentoGet(s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=50"_s).body;
            const QByteArray bearer = token(s);
            all += paytracePost(s, u"/v1/transactions/export/by_date_range"_s,
                                {{u"start_date"_s, u"04/01/2025"_s}, {u"end_date"_s, u"05/31/2025"_s}}, bearer).body;
            for (const auto &[k, v] : s.credentials())
                all += k.toUtf8() + '=' + v.toUtf8();
            return all;
        };
        const QByteArray a = snapshot(42);
        const QByteArray b = snapshot(42);
        const QByteArray c = snapshot(43);
        QVERIFY(a.size() > 10000);
        QCOMPARE(a, b);
        QVERIFY(a != c);
    }

    void httpRobustness()
    {
        // Blocking sockets below: the server needs its own thread to answer them.
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 5;
        SandboxThread thread(options);
        QVERIFY(thread.start());
        Sandbox &s = *thread.sandbox();
        const auto raw = [&](const QByteArray &bytes) {
            QTcpSocket socket;
            socket.connectToHost(QHostAddress::LocalHost, s.port());
            if (!socket.waitForConnected(5000))
                return QByteArray();
            socket.write(bytes);
            QByteArray in;
            QElapsedTimer t;
            t.start();
            while (t.elapsed() < 5000 && socket.state() == QAbstractSocket::ConnectedState) {
                if (socket.waitForReadyRead(200))
                    in += socket.readAll();
                else if (in.contains("\r\n\r\n") && in.contains("Connection: close"))
                    break;
            }
            in += socket.readAll();
            return in;
        };
        QVERIFY(raw("GARBAGE\r\n\r\n").startsWith("HTTP/1.1 400 "));
        QVERIFY(raw("GET /__admin/health HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 400 ")); // no Host
        QVERIFY(raw("GET /__admin/health HTTP/2.0\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 505 "));
        QVERIFY(raw("POST /paytrace/v1/ping HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n").startsWith("HTTP/1.1 400 "));
        QVERIFY(raw("POST /paytrace/v1/ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").startsWith("HTTP/1.1 501 "));
        QVERIFY(raw("POST /paytrace/v1/ping HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n").startsWith("HTTP/1.1 413 "));
        QVERIFY(raw("GET /__admin/health HTTP/1.1\r\nHost: x\r\nX-Big: " + QByteArray(70000, 'a') + "\r\n\r\n").startsWith("HTTP/1.1 431 "));
        QVERIFY(raw("GET /" + QByteArray(20000, 'a') + " HTTP/1.1\r\n").startsWith("HTTP/1.1 414 "));
        // Keep-alive with two pipelined requests on one connection, then an explicit close.
        const QByteArray two = raw("GET /__admin/health HTTP/1.1\r\nHost: x\r\n\r\n"
                                   "GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QCOMPARE(two.count("HTTP/1.1 200 OK"), 2);
        QVERIFY(two.contains("Connection: keep-alive"));
        QVERIFY(two.contains("Connection: close"));
        QCOMPARE(raw("GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").left(12), QByteArray("HTTP/1.1 404"));

        // Many concurrent connections on the one server thread.
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 100; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QHostAddress::LocalHost, s.port());
            sockets.push_back(std::move(socket));
        }
        for (auto &socket : sockets) {
            QVERIFY(socket->waitForConnected(5000));
            socket->write("POST /paytrace/v1/ping HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        }
        int answered = 0;
        for (auto &socket : sockets) {
            QByteArray in;
            QElapsedTimer t;
            t.start();
            while (!in.contains("\"success\":true") && t.elapsed() < 5000) {
                socket->waitForReadyRead(100);
                in += socket->readAll();
            }
            answered += in.startsWith("HTTP/1.1 200 OK");
        }
        QCOMPARE(answered, 100);
    }

    void sandboxThread()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 30;
        options.seed = 2;
        SandboxThread thread(options);
        QString error;
        QVERIFY2(thread.start(&error), qPrintable(error));
        Sandbox *s = thread.sandbox();
        QVERIFY(s);
        QVERIFY(s->thread() != QThread::currentThread());
        QCOMPARE(s->magento().orderCount(), 30);
        const Reply health = send("GET", admin(*s, u"/health"_s));
        QCOMPARE(health.status, 200);
        QCOMPARE(health.json().value(u"orders"_s).toInteger(), 30);
        const Reply orders = magentoGet(*s, u"/rest/V1/orders"_s, u"searchCriteria[pageSize]=30"_s);
        QCOMPARE(orders.json().value(u"total_count"_s).toInteger(), 30);
        // A second sandbox on the same port fails cleanly.
        SandboxOptions clash = options;
        clash.port = s->port();
        SandboxThread second(clash);
        QVERIFY(!second.start(&error));
        QVERIFY(!error.isEmpty());
        thread.stop();
        QVERIFY(!thread.sandbox());
    }

    void executablePrintsNameValueLines()
    {
        const QString exe = QStringLiteral(PAYBRIDGE_SANDBOX_EXE);
        QProcess help;
        help.start(exe, {u"--help"_s});
        QVERIFY(help.waitForFinished(20000));
        QCOMPARE(help.exitCode(), 0);
        QVERIFY(help.readAllStandardOutput().contains("--orders"));

        QProcess process;
        process.start(exe, {u"--orders"_s, u"25"_s, u"--seed"_s, u"4"_s, u"--port"_s, u"0"_s});
        QVERIFY(process.waitForStarted(10000));
        const QStringList expected{u"paytrace_url"_s, u"magento_url"_s, u"admin_url"_s, u"odoo_url"_s,
                                   u"paytrace.username"_s, u"paytrace.password"_s, u"magento.consumer_key"_s,
                                   u"magento.consumer_secret"_s, u"magento.access_token"_s,
                                   u"magento.access_token_secret"_s, u"magento.bearer_token"_s, u"odoo.database"_s,
                                   u"odoo.username"_s, u"odoo.password"_s, u"paytrace.limited_username"_s,
                                   u"paytrace.limited_password"_s};
        QMap<QString, QString> values;
        QStringList order;
        QElapsedTimer t;
        t.start();
        while (order.size() < expected.size() && t.elapsed() < 30000) {
            if (!process.canReadLine() && !process.waitForReadyRead(500))
                continue;
            while (process.canReadLine()) {
                const QString line = QString::fromUtf8(process.readLine()).trimmed();
                const qsizetype eq = line.indexOf(u'=');
                QVERIFY2(eq > 0, qPrintable(line));
                order.append(line.left(eq));
                values.insert(line.left(eq), line.mid(eq + 1));
            }
        }
        QCOMPARE(order, expected); // exactly one line each
        for (const QString &key : expected)
            QVERIFY2(!values.value(key).isEmpty(), qPrintable(key));
        QVERIFY(values.value(u"paytrace_url"_s).endsWith(u"/paytrace"_s));
        QVERIFY(values.value(u"magento_url"_s).endsWith(u"/magento"_s));
        QCOMPARE(values.value(u"magento.bearer_token"_s), values.value(u"magento.access_token"_s));
        QUrl health(values.value(u"admin_url"_s));
        health.setPath(health.path() + u"/health"_s);
        const Reply r = send("GET", health);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"orders"_s).toInteger(), 25);
        // Credentials printed work against the served API.
        const Reply grant = send("POST", QUrl(values.value(u"paytrace_url"_s) + u"/oauth/token"_s),
                                 "grant_type=password&username=" + QUrl::toPercentEncoding(values.value(u"paytrace.username"_s))
                                     + "&password=" + QUrl::toPercentEncoding(values.value(u"paytrace.password"_s)),
                                 {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(grant.status, 200);
        // So do the second, limited API user's (it lacks rights, not a login).
        QVERIFY(values.value(u"paytrace.limited_username"_s) != values.value(u"paytrace.username"_s));
        const Reply limitedGrant = send("POST", QUrl(values.value(u"paytrace_url"_s) + u"/oauth/token"_s),
                                        "grant_type=password&username=" + QUrl::toPercentEncoding(values.value(u"paytrace.limited_username"_s))
                                            + "&password=" + QUrl::toPercentEncoding(values.value(u"paytrace.limited_password"_s)),
                                        {{"Content-Type", "application/x-www-form-urlencoded"}});
        QCOMPARE(limitedGrant.status, 200);
        process.terminate(); // SIGTERM
        QVERIFY(process.waitForFinished(15000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);

        QProcess bad;
        bad.start(exe, {u"--orders"_s, u"many"_s});
        QVERIFY(bad.waitForFinished(20000));
        QCOMPARE(bad.exitCode(), 2);
    }
};

QTEST_GUILESS_MAIN(TestSandboxContract)
#include "tst_sandbox_contract.moc"
