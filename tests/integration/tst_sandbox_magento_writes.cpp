// Contract tests of the Magento simulator's write and document routes over real HTTP: the order
// state/status model (magento.md §5.3), comments, hold/unhold/cancel, invoices, credit memos,
// transactions, customers, store configs, ACL per route, input validation, the admin documents
// ledger and OAuth 1.0a on the new routes. Expected values come from magento.md, the route list
// and the recordings, not from the simulator's code.

#include "magentosim.h"
#include "sandbox.h"
#include "simutil.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

#include <functional>
#include <memory>

using namespace Qt::StringLiterals;
using namespace pb::sandbox;

namespace {

struct Reply
{
    int status = 0;
    QByteArray body;
    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    QJsonArray array() const { return QJsonDocument::fromJson(body).array(); }
};

QDateTime fixedStart()
{
    return QDateTime(QDate(2025, 5, 16), QTime(21, 30, 0), Qt::UTC);
}

QJsonObject errorBody(const QString &message)
{
    return QJsonObject{{u"message"_s, message}};
}

QJsonObject namedError(const QString &message, const QJsonObject &parameters)
{
    return QJsonObject{{u"message"_s, message}, {u"parameters"_s, parameters}};
}

QJsonObject accessorError(const QString &property, const QString &cls)
{
    return QJsonObject{{u"message"_s, u"Property \"%1\" does not have accessor method \"%2\" in class \"%3\"."_s},
                       {u"parameters"_s, QJsonArray{property, QString(u"get"_s + property), cls}}};
}

QJsonObject requiredError(const QString &field)
{
    return namedError(u"\"%fieldName\" is required. Enter and try again."_s, {{u"fieldName"_s, field}});
}

QJsonObject typeErrorBody(const QString &value, const QString &type)
{
    return namedError(u"The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again."_s,
                      {{u"value"_s, value}, {u"type"_s, type}});
}

QJsonObject aclError(const QString &resource)
{
    return namedError(u"The consumer isn't authorized to access %resources."_s, {{u"resources"_s, resource}});
}

QStringList sortedKeys(const QJsonObject &o)
{
    QStringList keys = o.keys();
    keys.sort();
    return keys;
}

// A Magento "YYYY-MM-DD HH:MM:SS" (UTC) as epoch seconds; 0 when it does not parse.
qint64 secs(const QJsonValue &v)
{
    qint64 t = 0;
    return parseMagentoTime(v.toString().toLatin1(), &t) ? t : 0;
}

bool physical(const MagentoOrder &o)
{
    return !o.shippingMethod.isEmpty();
}

} // namespace

class TestSandboxMagentoWrites : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Sandbox> m_sandbox;
    QNetworkAccessManager m_nam;
    QSet<qint64> m_used; // orders a test has changed; fixtures never reuse them

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

    QUrl url(Sandbox &s, const QString &path, const QString &query = {}) const
    {
        QUrl u = s.magentoUrl();
        u.setPath(u.path() + path);
        if (!query.isEmpty())
            u.setQuery(query);
        return u;
    }

    QUrl adminUrl(Sandbox &s, const QString &pathAndQuery) const
    {
        QUrl u = s.adminUrl();
        u.setPath(u.path() + pathAndQuery.section(u'?', 0, 0));
        if (pathAndQuery.contains(u'?'))
            u.setQuery(pathAndQuery.section(u'?', 1));
        return u;
    }

    QByteArray bearer(Sandbox &s) const
    {
        return "Bearer " + s.credentialSet().magentoAccessToken.toLatin1();
    }

    Reply get(const QString &path, const QString &query = {}, Sandbox *sb = nullptr)
    {
        Sandbox &s = sb ? *sb : *m_sandbox;
        return send("GET", url(s, path, query), {}, {{"Authorization", bearer(s)}});
    }

    Reply post(const QString &path, const QByteArray &body, Sandbox *sb = nullptr)
    {
        Sandbox &s = sb ? *sb : *m_sandbox;
        return send("POST", url(s, path), body, {{"Authorization", bearer(s)}});
    }

    static QByteArray compact(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }

    // A fresh order matching the predicate (never one a test already changed).
    std::optional<MagentoOrder> fixture(const std::function<bool(const MagentoOrder &)> &pred, bool claim = true)
    {
        for (const MagentoOrder &o : m_sandbox->magento().orders()) {
            if (!m_used.contains(o.entityId) && pred(o)) {
                if (claim)
                    m_used.insert(o.entityId);
                return o;
            }
        }
        return std::nullopt;
    }

    qsizetype documentCount()
    {
        const Reply r = send("GET", adminUrl(*m_sandbox, u"/magento/documents"_s));
        return r.json().value(u"documents"_s).toArray().size();
    }

    QJsonObject orderJson(qint64 id) { return get(u"/rest/V1/orders/%1"_s.arg(id)).json(); }

    // An independent OAuth 1.0a HMAC-SHA256 signer written from magento.md §1.4 (as in
    // tst_sandbox_contract): oauth_* plus query parameters, byte-sorted, JSON bodies unsigned.
    QByteArray oauthHeader(Sandbox &s, const QByteArray &method, const QString &path,
                           const QList<std::pair<QByteArray, QByteArray>> &query, const QByteArray &nonce,
                           const QByteArray &tokenSecret)
    {
        const SandboxCredentials &c = s.credentialSet();
        const QList<std::pair<QByteArray, QByteArray>> params{
            {"oauth_consumer_key", c.magentoConsumerKey.toLatin1()}, {"oauth_nonce", nonce},
            {"oauth_signature_method", "HMAC-SHA256"}, {"oauth_timestamp", QByteArray::number(s.clock().nowSecs())},
            {"oauth_token", c.magentoAccessToken.toLatin1()}, {"oauth_version", "1.0"}};
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
        const QByteArray base = method + '&'
            + QByteArray("http://127.0.0.1:" + QByteArray::number(s.port()) + "/magento" + path.toLatin1()).toPercentEncoding()
            + '&' + joined.toPercentEncoding();
        const QByteArray key = c.magentoConsumerSecret.toLatin1().toPercentEncoding() + '&' + tokenSecret.toPercentEncoding();
        const QByteArray signature = QMessageAuthenticationCode::hash(base, key, QCryptographicHash::Sha256).toBase64();
        QByteArray h = "OAuth realm=\"\"";
        for (const auto &[k, v] : params)
            h += ", " + k + "=\"" + v.toPercentEncoding() + '"';
        h += ", oauth_signature=\"" + signature.toPercentEncoding() + '"';
        return h;
    }

private slots:
    void initTestCase()
    {
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 400;
        options.seed = 7;
        options.startTime = fixedStart();
        m_sandbox = std::make_unique<Sandbox>(options);
        QString error;
        QVERIFY2(m_sandbox->start(&error), qPrintable(error));
        // Every generated updated_at lies before start-up; writes happen an hour later, so a bump is visible.
        m_sandbox->clock().advanceSeconds(3600);
    }

    // ---- routing --------------------------------------------------------------------------------

    void bothPrefixesServeTheSameRoutes_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("query");
        QTest::newRow("orders") << u"/V1/orders"_s << u"searchCriteria[pageSize]=2"_s;
        QTest::newRow("order") << u"/V1/orders/3"_s << QString();
        QTest::newRow("statuses") << u"/V1/orders/3/statuses"_s << QString();
        QTest::newRow("comments") << u"/V1/orders/3/comments"_s << QString();
        QTest::newRow("invoices") << u"/V1/invoices"_s << u"searchCriteria[pageSize]=3"_s;
        QTest::newRow("invoice") << u"/V1/invoices/1"_s << QString();
        QTest::newRow("creditmemos") << u"/V1/creditmemos"_s << u"searchCriteria[pageSize]=3"_s;
        QTest::newRow("creditmemo") << u"/V1/creditmemo/1"_s << QString();
        QTest::newRow("transactions") << u"/V1/transactions"_s << u"searchCriteria[pageSize]=3"_s;
        QTest::newRow("transaction") << u"/V1/transactions/1"_s << QString();
        QTest::newRow("customers") << u"/V1/customers/search"_s << u"searchCriteria[pageSize]=3"_s;
        QTest::newRow("storeConfigs") << u"/V1/store/storeConfigs"_s << QString();
    }

    void bothPrefixesServeTheSameRoutes()
    {
        QFETCH(QString, path);
        QFETCH(QString, query);
        const Reply plain = get(u"/rest"_s + path, query);
        const Reply store = get(u"/rest/default"_s + path, query);
        QCOMPARE(plain.status, 200);
        QCOMPARE(store.status, 200);
        QCOMPARE(store.body, plain.body);
    }

    void unknownRoutesAnswer404()
    {
        const QJsonObject noRoute = errorBody(u"Request does not match any route."_s);
        const QStringList paths{u"/rest/V1/nothing"_s, u"/rest/V1/orders/3/emails"_s, u"/rest/V1/invoices/1/capture"_s,
                                u"/rest/default/V1/shipments"_s, u"/rest/V1/orders/3/hold/now"_s};
        for (const QString &p : paths) {
            const Reply r = post(p, "{}");
            QCOMPARE(r.status, 404);
            QCOMPARE(r.json(), noRoute);
        }
        // A known path with the wrong method is no route either.
        const Reply wrongMethod = get(u"/rest/V1/orders/3/hold"_s);
        QCOMPARE(wrongMethod.status, 404);
        QCOMPARE(wrongMethod.json(), noRoute);
        QCOMPARE(post(u"/rest/V1/invoices"_s, "{}").status, 404);
        // No route is answered before authentication.
        const Reply anonymous = send("POST", url(*m_sandbox, u"/rest/V1/orders/3/ship"_s), "{}");
        QCOMPARE(anonymous.status, 404);
    }

    // ---- the state/status model -----------------------------------------------------------------

    void stateTransitions_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("operation");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("answer");      // exact body for errors; "true"/"false"/"id" for successes
        QTest::addColumn<QString>("stateAfter");  // "=": unchanged

        const QString inv = u"Invoice Document Validation Error(s):\n"_s;
        const QString cm = u"Creditmemo Document Validation Error(s):\n"_s;
        const QString holdNo = u"A hold action is not available."_s;
        const QString unholdNo = u"You cannot remove the hold."_s;
        const auto row = [](const char *name, const QString &f, const QString &op, int st, const QString &answer, const QString &after) {
            QTest::newRow(name) << f << op << st << answer << after;
        };
        row("new hold", u"new"_s, u"hold"_s, 200, u"true"_s, u"holded"_s);
        row("new unhold", u"new"_s, u"unhold"_s, 400, unholdNo, u"="_s);
        row("new cancel", u"new"_s, u"cancel"_s, 200, u"true"_s, u"canceled"_s);
        row("new invoice", u"new"_s, u"invoice"_s, 200, u"id"_s, u"processing"_s);
        row("new refund", u"new"_s, u"refund"_s, 400,
            cm + u"We can't create creditmemo for the order.\nThe most money available to refund is 0."_s, u"="_s);
        row("pending_payment hold", u"pending_payment"_s, u"hold"_s, 200, u"true"_s, u"holded"_s);
        row("pending_payment cancel", u"pending_payment"_s, u"cancel"_s, 200, u"true"_s, u"canceled"_s);
        // StateResolver only moves "new" to processing; pending_payment stays until the payment module moves it.
        row("pending_payment invoice", u"pending_payment"_s, u"invoice"_s, 200, u"id"_s, u"pending_payment"_s);
        row("processing hold", u"processing_paid"_s, u"hold"_s, 200, u"true"_s, u"holded"_s);
        row("processing unhold", u"processing_paid"_s, u"unhold"_s, 400, unholdNo, u"="_s);
        row("processing cancel fully invoiced", u"processing_paid"_s, u"cancel"_s, 200, u"false"_s, u"="_s);
        row("processing invoice nothing left", u"processing_paid"_s, u"invoice"_s, 400,
            inv + u"The order does not allow an invoice to be created."_s, u"="_s);
        row("processing refund all", u"processing_paid"_s, u"refund"_s, 200, u"id"_s, u"closed"_s);
        row("processing auth invoice", u"processing_auth"_s, u"invoice"_s, 200, u"id"_s, u"processing"_s);
        row("processing auth cancel", u"processing_auth"_s, u"cancel"_s, 200, u"true"_s, u"canceled"_s);
        row("complete hold", u"complete"_s, u"hold"_s, 400, holdNo, u"="_s);
        row("complete unhold", u"complete"_s, u"unhold"_s, 400, unholdNo, u"="_s);
        row("complete cancel", u"complete"_s, u"cancel"_s, 200, u"false"_s, u"="_s);
        row("complete invoice", u"complete"_s, u"invoice"_s, 400,
            inv + u"An invoice cannot be created when an order has a status of complete"_s, u"="_s);
        row("complete refund all", u"complete"_s, u"refund"_s, 200, u"id"_s, u"closed"_s);
        row("closed hold", u"closed"_s, u"hold"_s, 400, holdNo, u"="_s);
        row("closed cancel", u"closed"_s, u"cancel"_s, 200, u"false"_s, u"="_s);
        row("closed invoice", u"closed"_s, u"invoice"_s, 400, inv + u"An invoice cannot be created when an order has a status of closed"_s, u"="_s);
        row("closed refund", u"closed"_s, u"refund"_s, 400, cm + u"A creditmemo can not be created when an order has a status of closed"_s, u"="_s);
        row("canceled hold", u"canceled"_s, u"hold"_s, 400, holdNo, u"="_s);
        row("canceled unhold", u"canceled"_s, u"unhold"_s, 400, unholdNo, u"="_s);
        row("canceled cancel", u"canceled"_s, u"cancel"_s, 200, u"false"_s, u"="_s);
        row("canceled invoice", u"canceled"_s, u"invoice"_s, 400, inv + u"An invoice cannot be created when an order has a status of canceled"_s, u"="_s);
        row("canceled refund", u"canceled"_s, u"refund"_s, 400, cm + u"A creditmemo can not be created when an order has a status of canceled"_s, u"="_s);
        row("holded hold", u"holded"_s, u"hold"_s, 400, holdNo, u"="_s);
        row("holded unhold", u"holded"_s, u"unhold"_s, 200, u"true"_s, u"%HOLD_BEFORE%"_s);
        row("holded cancel", u"holded"_s, u"cancel"_s, 200, u"false"_s, u"="_s);
        row("holded invoice", u"holded"_s, u"invoice"_s, 400, inv + u"An invoice cannot be created when an order has a status of holded"_s, u"="_s);
        row("holded refund", u"holded"_s, u"refund"_s, 400, cm + u"A creditmemo can not be created when an order has a status of holded"_s, u"="_s);
        row("payment_review hold", u"payment_review"_s, u"hold"_s, 400, holdNo, u"="_s);
        row("payment_review unhold", u"payment_review"_s, u"unhold"_s, 400, unholdNo, u"="_s);
        row("payment_review cancel", u"payment_review"_s, u"cancel"_s, 200, u"false"_s, u"="_s);
        row("payment_review invoice", u"payment_review"_s, u"invoice"_s, 400,
            inv + u"An invoice cannot be created when an order has a status of %STATUS%"_s, u"="_s);
        row("payment_review refund", u"payment_review"_s, u"refund"_s, 400,
            cm + u"A creditmemo can not be created when an order has a status of %STATUS%"_s, u"="_s);
    }

    void stateTransitions()
    {
        QFETCH(QString, kind);
        QFETCH(QString, operation);
        QFETCH(int, status);
        QFETCH(QString, answer);
        QFETCH(QString, stateAfter);
        Sandbox &s = *m_sandbox;

        const auto unpaid = [](const MagentoOrder &o) { return o.totalPaid.value_or(0) == 0; };
        std::function<bool(const MagentoOrder &)> pred;
        const QString want = kind;
        if (kind == u"new" || kind == u"pending_payment")
            pred = [&](const MagentoOrder &o) { return o.state == u"new" && physical(o) && unpaid(o) && o.grandTotal > 0; };
        else if (kind == u"processing_paid")
            pred = [](const MagentoOrder &o) {
                return o.state == u"processing" && physical(o) && o.totalPaid == o.grandTotal && !o.totalRefunded;
            };
        else if (kind == u"processing_auth")
            pred = [](const MagentoOrder &o) { return o.state == u"processing" && physical(o) && o.payment.amountAuthorized && !o.totalPaid; };
        else if (kind == u"complete")
            pred = [](const MagentoOrder &o) { return o.state == u"complete" && !o.totalRefunded; };
        else
            pred = [want](const MagentoOrder &o) { return o.state == want; };
        const bool changes = stateAfter != u"=";
        auto picked = fixture(pred, changes);
        QVERIFY2(picked, qPrintable(u"no fixture order in state "_s + kind));
        MagentoOrder order = *picked;
        if (kind == u"pending_payment") {
            order.state = u"pending_payment"_s;
            order.status = u"pending_payment"_s;
            QVERIFY(s.magento().updateOrder(order));
        }
        const QJsonObject before = orderJson(order.entityId);
        const qsizetype documentsBefore = documentCount();

        Reply r;
        if (operation == u"invoice")
            r = post(u"/rest/V1/order/%1/invoice"_s.arg(order.entityId), R"({"capture":false})");
        else if (operation == u"refund")
            r = post(u"/rest/V1/order/%1/refund"_s.arg(order.entityId), "{}");
        else
            r = post(u"/rest/V1/orders/%1/%2"_s.arg(order.entityId).arg(operation), {});
        QCOMPARE(r.status, status);
        QString expected = answer;
        expected.replace(u"%STATUS%"_s, order.status);
        if (answer == u"id") {
            bool ok = false;
            QVERIFY(QByteArray(r.body).toLongLong(&ok) > 0 && ok);
        } else if (answer == u"true" || answer == u"false") {
            QCOMPARE(QString::fromLatin1(r.body), answer);
        } else {
            QCOMPARE(r.json(), errorBody(expected));
        }

        const QJsonObject after = orderJson(order.entityId);
        QString wantState = stateAfter == u"=" ? order.state : stateAfter;
        if (stateAfter == u"%HOLD_BEFORE%")
            wantState = order.holdBeforeState;
        QCOMPARE(after.value(u"state"_s).toString(), wantState);
        const bool changed = stateAfter != u"=" || answer == u"id";
        if (changed) {
            // The order's status is one of its state's statuses, updated_at moved to "now", one document.
            if (wantState != order.state && stateAfter != u"%HOLD_BEFORE%")
                QCOMPARE(after.value(u"status"_s).toString(), wantState);
            QVERIFY(after.value(u"updated_at"_s).toString() > before.value(u"updated_at"_s).toString());
            QVERIFY(std::abs(secs(after.value(u"updated_at"_s)) - s.clock().nowSecs()) <= 5);
            QCOMPARE(documentCount(), documentsBefore + 1);
        } else {
            QCOMPARE(after, before);
            QCOMPARE(documentCount(), documentsBefore);
        }
        if (operation == u"hold" && status == 200) {
            QCOMPARE(after.value(u"status"_s).toString(), u"holded"_s);
            QCOMPARE(after.value(u"hold_before_state"_s).toString(), order.state);
            QCOMPARE(after.value(u"hold_before_status"_s).toString(), order.status);
            // And unhold restores both.
            QCOMPARE(post(u"/rest/V1/orders/%1/unhold"_s.arg(order.entityId), {}).body, QByteArray("true"));
            const QJsonObject restored = orderJson(order.entityId);
            QCOMPARE(restored.value(u"state"_s).toString(), order.state);
            QCOMPARE(restored.value(u"status"_s).toString(), order.status);
            QVERIFY(!restored.contains(u"hold_before_state"_s));
        }
        if (stateAfter == u"%HOLD_BEFORE%")
            QCOMPARE(after.value(u"status"_s).toString(), order.holdBeforeStatus);
    }

    // ---- comments and statuses --------------------------------------------------------------------

    void commentsAndStatuses()
    {
        Sandbox &s = *m_sandbox;
        const auto order = fixture([](const MagentoOrder &o) { return o.state == u"processing" && o.status == u"processing"; });
        QVERIFY(order);
        const QString base = u"/rest/V1/orders/%1"_s.arg(order->entityId);
        QCOMPARE(get(base + u"/statuses"_s).body, QByteArray("\"processing\""));
        const QJsonObject before = orderJson(order->entityId);

        // The recorded request, aimed at this order.
        QJsonObject recorded = QJsonDocument::fromJson(pb::test::recording(u"magento/order_comment.request.json"_s)).object();
        QJsonObject history = recorded.value(u"statusHistory"_s).toObject();
        history.insert(u"parent_id"_s, order->entityId);
        recorded.insert(u"statusHistory"_s, history);
        const Reply added = post(base + u"/comments"_s, compact(recorded));
        QCOMPARE(added.status, 200);
        QCOMPARE(added.body, QByteArray("true"));

        const Reply list = get(base + u"/comments"_s);
        QCOMPARE(list.status, 200);
        const QJsonObject sample = QJsonDocument::fromJson(pb::test::recording(u"magento/order_comments.response.json"_s)).object();
        QCOMPARE(sortedKeys(list.json()), sortedKeys(sample));
        QCOMPARE(list.json().value(u"search_criteria"_s).toObject(), QJsonObject());
        const QJsonArray items = list.json().value(u"items"_s).toArray();
        QCOMPARE(list.json().value(u"total_count"_s).toInteger(), items.size());
        QCOMPARE(items.size(), order->statusHistories.size() + 1);
        const QJsonObject newest = items.first().toObject();
        QCOMPARE(sortedKeys(newest), sortedKeys(sample.value(u"items"_s).toArray().first().toObject()));
        QCOMPARE(newest.value(u"comment"_s).toString(), history.value(u"comment"_s).toString());
        QCOMPARE(newest.value(u"parent_id"_s).toInteger(), order->entityId);
        QCOMPARE(newest.value(u"entity_name"_s).toString(), u"order"_s);
        QCOMPARE(newest.value(u"is_customer_notified"_s).toInt(), 1);
        QVERIFY(std::abs(secs(newest.value(u"created_at"_s)) - s.clock().nowSecs()) <= 5);
        const QJsonObject after = orderJson(order->entityId);
        QVERIFY(after.value(u"updated_at"_s).toString() > before.value(u"updated_at"_s).toString());
        QCOMPARE(after.value(u"status_histories"_s).toArray().first().toObject(), newest);

        // Omitted status keeps the order's status (and the comment carries it).
        const QByteArray noStatus = compact(QJsonObject{{u"statusHistory"_s, QJsonObject{
            {u"comment"_s, u"PayTrace capture TXN 391234567"_s}, {u"is_customer_notified"_s, 0},
            {u"is_visible_on_front"_s, 0}, {u"parent_id"_s, order->entityId}}}});
        QCOMPARE(post(base + u"/comments"_s, noStatus).body, QByteArray("true"));
        QCOMPARE(get(base + u"/statuses"_s).body, QByteArray("\"processing\""));
        QCOMPARE(get(base + u"/comments"_s).json().value(u"items"_s).toArray().first().toObject().value(u"status"_s).toString(),
                 u"processing"_s);
        // A status of the order's state changes the status; the state stays.
        const auto withStatus = [&](const QString &st) {
            return compact(QJsonObject{{u"status_history"_s, QJsonObject{ // snake_case argument name works too
                {u"comment"_s, QString(u"status "_s + st)}, {u"is_customer_notified"_s, 0}, {u"is_visible_on_front"_s, 0},
                {u"parent_id"_s, order->entityId}, {u"status"_s, st}}}});
        };
        QCOMPARE(post(base + u"/comments"_s, withStatus(u"fraud"_s)).body, QByteArray("true"));
        QCOMPARE(get(base + u"/statuses"_s).body, QByteArray("\"fraud\""));
        QCOMPARE(orderJson(order->entityId).value(u"state"_s).toString(), u"processing"_s);
        // A status of another state is recorded on the comment only.
        QCOMPARE(post(base + u"/comments"_s, withStatus(u"complete"_s)).body, QByteArray("true"));
        QCOMPARE(get(base + u"/statuses"_s).body, QByteArray("\"fraud\""));
        QCOMPARE(get(base + u"/comments"_s).json().value(u"items"_s).toArray().first().toObject().value(u"status"_s).toString(),
                 u"complete"_s);
        QCOMPARE(post(base + u"/comments"_s, withStatus(u"processing"_s)).body, QByteArray("true"));
        QCOMPARE(get(base + u"/statuses"_s).body, QByteArray("\"processing\""));
        // Custom statuses behave the same: one of the order's state sets it, one of another state
        // (awaiting_payment belongs to pending_payment) stays on the comment.
        QCOMPARE(post(base + u"/comments"_s, withStatus(u"payment_received"_s)).body, QByteArray("true"));
        QCOMPARE(get(base + u"/statuses"_s).body, QByteArray("\"payment_received\""));
        QCOMPARE(post(base + u"/comments"_s, withStatus(u"awaiting_payment"_s)).body, QByteArray("true"));
        QCOMPARE(get(base + u"/statuses"_s).body, QByteArray("\"payment_received\""));
        QCOMPARE(get(base + u"/comments"_s).json().value(u"items"_s).toArray().first().toObject().value(u"status"_s).toString(),
                 u"awaiting_payment"_s);
        QCOMPARE(orderJson(order->entityId).value(u"state"_s).toString(), u"processing"_s);
        QCOMPARE(post(base + u"/comments"_s, withStatus(u"ready_to_ship"_s)).body, QByteArray("true"));
        QCOMPARE(get(base + u"/statuses"_s).body, QByteArray("\"ready_to_ship\""));

        // Unknown orders: statuses and adding a comment are 404; listing comments is an empty list.
        const QJsonObject missing = errorBody(u"The entity that was requested doesn't exist. Verify the entity and try again."_s);
        QCOMPARE(get(u"/rest/V1/orders/999999/statuses"_s).status, 404);
        QCOMPARE(get(u"/rest/V1/orders/999999/statuses"_s).json(), missing);
        const Reply addMissing = post(u"/rest/V1/orders/999999/comments"_s, noStatus);
        QCOMPARE(addMissing.status, 404);
        QCOMPARE(addMissing.json(), missing);
        const Reply emptyList = get(u"/rest/V1/orders/999999/comments"_s);
        QCOMPARE(emptyList.status, 200);
        QCOMPARE(emptyList.json().value(u"total_count"_s).toInt(), 0);
    }

    // ---- input validation -------------------------------------------------------------------------

    void inputValidation_data()
    {
        QTest::addColumn<QString>("route");   // %ID%: a "new" order
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QJsonObject>("expected");
        const QString ns = u"Magento\\Sales\\Api\\Data\\"_s;
        const QString comments = u"/rest/V1/orders/%ID%/comments"_s;
        const QString invoice = u"/rest/V1/order/%ID%/invoice"_s;
        const QString refund = u"/rest/V1/order/%ID%/refund"_s;
        const QJsonObject decoding = errorBody(u"Decoding error."_s);
        QTest::newRow("malformed json") << comments << QByteArray("{\"statusHistory\":") << 400 << decoding;
        QTest::newRow("array body") << invoice << QByteArray("[1]") << 400 << decoding;
        QTest::newRow("no statusHistory") << comments << QByteArray("{}") << 400 << requiredError(u"statusHistory"_s);
        QTest::newRow("comment missing") << comments
            << QByteArray(R"({"statusHistory":{"is_customer_notified":0,"is_visible_on_front":0,"parent_id":1}})") << 400
            << requiredError(u"comment"_s);
        QTest::newRow("parent_id missing") << comments
            << QByteArray(R"({"statusHistory":{"comment":"x","is_customer_notified":0,"is_visible_on_front":0}})") << 400
            << requiredError(u"parent_id"_s);
        QTest::newRow("comment unknown key") << comments
            << QByteArray(R"({"statusHistory":{"comment":"x","is_customer_notified":0,"is_visible_on_front":0,"parent_id":1,"colour":"red"}})")
            << 400 << accessorError(u"Colour"_s, ns + u"OrderStatusHistoryInterface"_s);
        QTest::newRow("comment wrong type") << comments
            << QByteArray(R"({"statusHistory":{"comment":"x","is_customer_notified":"yes","is_visible_on_front":0,"parent_id":1}})")
            << 400 << typeErrorBody(u"yes"_s, u"int"_s);
        QTest::newRow("capture not bool") << invoice << QByteArray(R"({"capture":"maybe"})") << 400 << typeErrorBody(u"maybe"_s, u"bool"_s);
        QTest::newRow("items not array") << invoice << QByteArray(R"({"items":{"order_item_id":1,"qty":1}})") << 400
            << typeErrorBody(u"{\"order_item_id\":1,\"qty\":1}"_s, ns + u"InvoiceItemCreationInterface[]"_s);
        QTest::newRow("invoice item unknown key") << invoice << QByteArray(R"({"items":[{"order_item_id":1,"qty":1,"sku":"A"}]})")
            << 400 << accessorError(u"Sku"_s, ns + u"InvoiceItemCreationInterface"_s);
        QTest::newRow("invoice item qty missing") << invoice << QByteArray(R"({"items":[{"order_item_id":1}]})") << 400
            << requiredError(u"qty"_s);
        QTest::newRow("invoice comment incomplete") << invoice << QByteArray(R"({"comment":{"comment":"x"}})") << 400
            << requiredError(u"is_visible_on_front"_s);
        QTest::newRow("invoice arguments unknown key") << invoice << QByteArray(R"({"arguments":{"transaction_id":"1"}})") << 400
            << accessorError(u"TransactionId"_s, ns + u"InvoiceCreationArgumentsInterface"_s);
        QTest::newRow("refund shipping not a number") << refund << QByteArray(R"({"arguments":{"shipping_amount":"abc"}})") << 400
            << typeErrorBody(u"abc"_s, u"float"_s);
        QTest::newRow("refund amount below a cent") << refund << QByteArray(R"({"arguments":{"adjustment_positive":0.001}})") << 400
            << typeErrorBody(u"0.001"_s, u"float"_s);
        QTest::newRow("refund arguments unknown key") << refund << QByteArray(R"({"arguments":{"adjustment":1}})") << 400
            << accessorError(u"Adjustment"_s, ns + u"CreditmemoCreationArgumentsInterface"_s);
        QTest::newRow("refund stock items not array") << refund
            << QByteArray(R"({"arguments":{"extension_attributes":{"return_to_stock_items":"x"}}})") << 400
            << typeErrorBody(u"x"_s, u"int[]"_s);
        QTest::newRow("order id not integer") << u"/rest/V1/orders/abc/hold"_s << QByteArray() << 400
            << typeErrorBody(u"abc"_s, u"int"_s);
        QTest::newRow("unknown order") << u"/rest/V1/orders/999999/hold"_s << QByteArray() << 404
            << errorBody(u"The entity that was requested doesn't exist. Verify the entity and try again."_s);
        QTest::newRow("unknown invoice") << u"/rest/V1/invoice/999999/refund"_s << QByteArray("{}") << 404
            << errorBody(u"The entity that was requested doesn't exist. Verify the entity and try again."_s);
    }

    void inputValidation()
    {
        QFETCH(QString, route);
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QJsonObject, expected);
        const auto order = fixture([](const MagentoOrder &o) { return o.state == u"new"; }, false);
        QVERIFY(order);
        route.replace(u"%ID%"_s, QString::number(order->entityId));
        const QJsonObject before = orderJson(order->entityId);
        const qsizetype documents = documentCount();
        const Reply r = post(route, body);
        QCOMPARE(r.status, status);
        QCOMPARE(r.json(), expected);
        QCOMPARE(orderJson(order->entityId), before);
        QCOMPARE(documentCount(), documents);
    }

    // ---- invoices --------------------------------------------------------------------------------

    void invoiceUpdatesTotalsAndShape()
    {
        Sandbox &s = *m_sandbox;
        // The first two rows must be plain lines: a bundle or configurable row has child rows that
        // are invoiced with it, and a bundle refuses partial quantities outright. The store must
        // serve numbers (not 4-decimal text) for the JSON number check below.
        const auto plainLine = [](const MagentoOrderItem &i) {
            return i.parentItemId == 0 && i.productType != u"bundle" && i.productType != u"configurable";
        };
        const auto order = fixture([&](const MagentoOrder &o) {
            return o.state == u"new" && physical(o) && o.items.size() >= 2 && o.grandTotal > 0 && !o.decimalText
                && plainLine(o.items[0]) && plainLine(o.items[1]);
        });
        QVERIFY2(order, "no new order with two plain lines");
        const int e = order->exponent;
        const MagentoOrderItem &first = order->items.first();
        const QString path = u"/rest/V1/order/%1/invoice"_s.arg(order->entityId);

        // Item-level refusals first.
        const QString prefix = u"Invoice Document Validation Error(s):\n"_s;
        Reply r = post(path, compact(QJsonObject{{u"items"_s, QJsonArray{QJsonObject{{u"order_item_id"_s, 999999}, {u"qty"_s, 1}}}}}));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), errorBody(prefix + u"The invoice contains one or more items that are not part of the original order."_s));
        r = post(path, compact(QJsonObject{{u"items"_s, QJsonArray{QJsonObject{{u"order_item_id"_s, first.itemId}, {u"qty"_s, first.qtyOrdered + 1}}}}}));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), errorBody(prefix + u"The quantity to invoice must not be greater than the uninvoiced quantity for product SKU \"%1\"."_s.arg(first.sku)));
        r = post(path, R"({"items":[]})");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), errorBody(prefix + u"The invoice can't be created without products. Add products and try again."_s));

        // Partial invoice of the first line, with a comment.
        const QByteArray partial = compact(QJsonObject{
            {u"capture"_s, false}, {u"notify"_s, true}, {u"appendComment"_s, true},
            {u"items"_s, QJsonArray{QJsonObject{{u"order_item_id"_s, first.itemId}, {u"qty"_s, first.qtyOrdered}}}},
            {u"comment"_s, QJsonObject{{u"comment"_s, u"PayTrace TXN 391000001"_s}, {u"is_visible_on_front"_s, 0}}}});
        r = post(path, partial);
        QCOMPARE(r.status, 200);
        const qint64 invoiceId = r.body.toLongLong();
        QVERIFY(invoiceId > 0);
        const qint64 firstTotal = first.rowTotal + first.taxAmount - first.discountAmount + order->shippingAmount;
        QJsonObject o = orderJson(order->entityId);
        QCOMPARE(o.value(u"state"_s).toString(), u"processing"_s);
        QCOMPARE(o.value(u"status"_s).toString(), u"processing"_s);
        QVERIFY(o.value(u"total_invoiced"_s).isDouble()); // a JSON number, not text
        QCOMPARE(QByteArray::number(o.value(u"total_invoiced"_s).toDouble(), 'f', e), decimalFixed(firstTotal, e));
        QCOMPARE(QByteArray::number(o.value(u"total_paid"_s).toDouble(), 'f', e), decimalFixed(firstTotal, e));
        QCOMPARE(QByteArray::number(o.value(u"total_due"_s).toDouble(), 'f', e), decimalFixed(order->grandTotal - firstTotal, e));
        QCOMPARE(o.value(u"items"_s).toArray().first().toObject().value(u"qty_invoiced"_s).toInteger(), first.qtyOrdered);
        QCOMPARE(o.value(u"items"_s).toArray().at(1).toObject().value(u"qty_invoiced"_s).toInteger(), 0);

        // The invoice's shape follows recordings/magento/invoice.response.json.
        const Reply one = get(u"/rest/V1/invoices/%1"_s.arg(invoiceId));
        QCOMPARE(one.status, 200);
        const QJsonObject invoice = one.json();
        const QJsonObject sample = QJsonDocument::fromJson(pb::test::recording(u"magento/invoice.response.json"_s)).object();
        for (const QString &key : sample.keys())
            QVERIFY2(invoice.contains(key), qPrintable(u"invoice lacks "_s + key));
        const QJsonObject sampleItem = sample.value(u"items"_s).toArray().first().toObject();
        const QJsonObject item = invoice.value(u"items"_s).toArray().first().toObject();
        for (const QString &key : sampleItem.keys())
            QVERIFY2(item.contains(key), qPrintable(u"invoice item lacks "_s + key));
        QCOMPARE(invoice.value(u"state"_s).toInt(), 2);
        QCOMPARE(invoice.value(u"order_id"_s).toInteger(), order->entityId);
        QVERIFY(!invoice.contains(u"transaction_id"_s)); // offline: paid, not captured
        QCOMPARE(item.value(u"order_item_id"_s).toInteger(), first.itemId);
        QCOMPARE(item.value(u"qty"_s).toInteger(), first.qtyOrdered);
        QCOMPARE(invoice.value(u"total_qty"_s).toInteger(), first.qtyOrdered);
        QCOMPARE(QByteArray::number(invoice.value(u"grand_total"_s).toDouble(), 'f', e), decimalFixed(firstTotal, e));
        const QJsonArray comments = invoice.value(u"comments"_s).toArray();
        QCOMPARE(comments.size(), 1);
        QCOMPARE(comments.first().toObject().value(u"comment"_s).toString(), u"PayTrace TXN 391000001"_s);
        QCOMPARE(comments.first().toObject().value(u"is_customer_notified"_s).toInt(), 1);

        // Found through searchCriteria.
        const Reply search = get(u"/rest/V1/invoices"_s, u"searchCriteria[filter_groups][0][filters][0][field]=order_id"
                                                         "&searchCriteria[filter_groups][0][filters][0][value]=%1"_s.arg(order->entityId));
        QCOMPARE(search.status, 200);
        QCOMPARE(search.json().value(u"total_count"_s).toInt(), 1);
        QCOMPARE(search.json().value(u"items"_s).toArray().first().toObject(), invoice);
        QCOMPARE(get(u"/rest/V1/invoices"_s).json(), requiredError(u"searchCriteria"_s));

        // The rest: totals add up to the grand total exactly.
        r = post(path, R"({"capture":false})");
        QCOMPARE(r.status, 200);
        o = orderJson(order->entityId);
        QCOMPARE(QByteArray::number(o.value(u"total_invoiced"_s).toDouble(), 'f', e), decimalFixed(order->grandTotal, e));
        QCOMPARE(QByteArray::number(o.value(u"total_paid"_s).toDouble(), 'f', e), decimalFixed(order->grandTotal, e));
        QCOMPARE(o.value(u"total_due"_s).toDouble(), 0.0);
        QCOMPARE(o.value(u"state"_s).toString(), u"processing"_s); // unshipped physical goods
        r = post(path, "{}");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), errorBody(prefix + u"The order does not allow an invoice to be created."_s));
        const QList<MagentoInvoice> all = s.magento().invoices();
        qint64 sum = 0;
        for (const MagentoInvoice &v : all)
            sum += v.orderId == order->entityId ? v.totals.grandTotal : 0;
        QCOMPARE(sum, order->grandTotal);

        // Unknown invoice ids.
        const Reply missing = get(u"/rest/V1/invoices/999999"_s);
        QCOMPARE(missing.status, 404);
        QCOMPARE(missing.json(), errorBody(u"The entity that was requested doesn't exist. Verify the entity and try again."_s));
    }

    void captureTrueIsRecordedAsAMagentoCapture()
    {
        Sandbox &s = *m_sandbox;
        const auto authorized = [](const MagentoOrder &o) {
            return o.state == u"processing" && o.payment.method == u"paytrace" && o.payment.amountAuthorized && !o.totalPaid;
        };
        const auto viaMagento = fixture(authorized);
        const auto viaPayBridge = fixture(authorized);
        QVERIFY2(viaMagento && viaPayBridge, "need two open authorizations");
        const qsizetype transactionsBefore = s.magento().transactions().size();

        // What PayBridge must send: capture false. Paid, no gateway capture, no transaction row.
        Reply r = post(u"/rest/V1/order/%1/invoice"_s.arg(viaPayBridge->entityId), R"({"capture":false})");
        QCOMPARE(r.status, 200);
        QJsonArray docs = send("GET", adminUrl(s, u"/magento/documents"_s), {}, {}).json().value(u"documents"_s).toArray();
        QJsonObject doc = docs.last().toObject();
        QCOMPARE(doc.value(u"kind"_s).toString(), u"invoice"_s);
        QCOMPARE(doc.value(u"order_id"_s).toInteger(), viaPayBridge->entityId);
        QCOMPARE(doc.value(u"entity_id"_s).toInteger(), r.body.toLongLong());
        QCOMPARE(doc.value(u"capture_requested"_s).toBool(), false);
        QCOMPARE(doc.value(u"captured_online_by_magento"_s).toBool(), false);
        QCOMPARE(doc.value(u"amount"_s).toString(), QString::fromLatin1(decimalFixed(viaPayBridge->grandTotal, 2)));
        QCOMPARE(s.magento().transactions().size(), transactionsBefore);
        QVERIFY(!get(u"/rest/V1/invoices/%1"_s.arg(r.body.toLongLong())).json().contains(u"transaction_id"_s));

        // capture:true on an online method: the store's module captures at the gateway.
        r = post(u"/rest/V1/order/%1/invoice"_s.arg(viaMagento->entityId), R"({"capture":true,"notify":true})");
        QCOMPARE(r.status, 200);
        docs = send("GET", adminUrl(s, u"/magento/documents?order_id=%1"_s.arg(viaMagento->entityId))).json().value(u"documents"_s).toArray();
        QCOMPARE(docs.size(), 1);
        doc = docs.first().toObject();
        QCOMPARE(doc.value(u"capture_requested"_s).toBool(), true);
        QCOMPARE(doc.value(u"captured_online_by_magento"_s).toBool(), true);
        const QJsonObject invoice = get(u"/rest/V1/invoices/%1"_s.arg(r.body.toLongLong())).json();
        const QString captureTxn = viaMagento->payment.lastTransId + u"-capture"_s;
        QCOMPARE(invoice.value(u"transaction_id"_s).toString(), captureTxn);
        const Reply txns = get(u"/rest/V1/transactions"_s, u"searchCriteria[filter_groups][0][filters][0][field]=order_id"
                                                           "&searchCriteria[filter_groups][0][filters][0][value]=%1"_s.arg(viaMagento->entityId));
        QCOMPARE(txns.status, 200);
        QStringList types;
        for (const QJsonValue &v : txns.json().value(u"items"_s).toArray())
            types.append(v.toObject().value(u"txn_type"_s).toString() + u':' + v.toObject().value(u"txn_id"_s).toString()
                         + u':' + QString::number(v.toObject().value(u"is_closed"_s).toInt()));
        QCOMPARE(types, (QStringList{u"authorization:"_s + viaMagento->payment.lastTransId + u":1"_s, u"capture:"_s + captureTxn + u":0"_s}));
        const QJsonObject history = orderJson(viaMagento->entityId).value(u"status_histories"_s).toArray().first().toObject();
        QVERIFY(history.value(u"comment"_s).toString().startsWith(u"Captured amount of $"_s));

        // capture:true with an offline method just pays the invoice.
        const auto offline = fixture([](const MagentoOrder &o) { return o.state == u"new" && o.payment.method != u"paytrace" && o.grandTotal > 0; });
        QVERIFY(offline);
        r = post(u"/rest/V1/order/%1/invoice"_s.arg(offline->entityId), R"({"capture":true})");
        QCOMPARE(r.status, 200);
        doc = send("GET", adminUrl(s, u"/magento/documents?order_id=%1"_s.arg(offline->entityId))).json().value(u"documents"_s).toArray().first().toObject();
        QCOMPARE(doc.value(u"capture_requested"_s).toBool(), true);
        QCOMPARE(doc.value(u"captured_online_by_magento"_s).toBool(), false);
    }

    // ---- credit memos ------------------------------------------------------------------------------

    void offlineRefundAndOverRefund()
    {
        Sandbox &s = *m_sandbox;
        const auto order = fixture([](const MagentoOrder &o) {
            return o.state == u"processing" && o.orderCurrencyCode == u"USD" && o.totalPaid == o.grandTotal && !o.totalRefunded
                && o.items.size() >= 2 && o.shippingAmount > 0;
        });
        QVERIFY2(order, "no paid multi-line USD order with shipping");
        const MagentoOrderItem &first = order->items.first();
        const QString path = u"/rest/V1/order/%1/refund"_s.arg(order->entityId);

        // The recorded request shape, aimed at this order's first line.
        QJsonObject body = QJsonDocument::fromJson(pb::test::recording(u"magento/order_refund_offline.request.json"_s)).object();
        body.insert(u"items"_s, QJsonArray{QJsonObject{{u"order_item_id"_s, first.itemId}, {u"qty"_s, 1}}});
        QJsonObject args = body.value(u"arguments"_s).toObject();
        args.insert(u"extension_attributes"_s, QJsonObject{{u"return_to_stock_items"_s, QJsonArray{first.itemId}}});
        args.insert(u"adjustment_positive"_s, 1.5);
        args.insert(u"adjustment_negative"_s, 0.25);
        body.insert(u"arguments"_s, args);
        body.insert(u"comment"_s, QJsonObject{{u"comment"_s, u"PayTrace refund TXN 391000777"_s}, {u"is_visible_on_front"_s, 0}});
        Reply r = post(path, compact(body));
        QCOMPARE(r.status, 200);
        const qint64 memoId = r.body.toLongLong();
        QVERIFY(memoId > 0);
        const qint64 unitTax = first.qtyOrdered == 1 ? first.taxAmount : mulDivRound(first.taxAmount, 1, first.qtyOrdered);
        const qint64 unitDiscount = first.qtyOrdered == 1 ? first.discountAmount : mulDivRound(first.discountAmount, 1, first.qtyOrdered);
        const qint64 expected = first.price + unitTax - unitDiscount + 150 - 25;
        const QJsonObject memo = get(u"/rest/V1/creditmemo/%1"_s.arg(memoId)).json();
        QCOMPARE(QByteArray::number(memo.value(u"grand_total"_s).toDouble(), 'f', 2), decimalFixed(expected, 2));
        QCOMPARE(memo.value(u"adjustment_positive"_s).toDouble(), 1.5);
        QCOMPARE(memo.value(u"adjustment_negative"_s).toDouble(), 0.25);
        QCOMPARE(memo.value(u"shipping_amount"_s).toDouble(), 0.0);
        QCOMPARE(memo.value(u"state"_s).toInt(), 2);
        QCOMPARE(memo.value(u"order_id"_s).toInteger(), order->entityId);
        QVERIFY(!memo.contains(u"transaction_id"_s));
        QCOMPARE(memo.value(u"items"_s).toArray().size(), 1);
        QCOMPARE(memo.value(u"comments"_s).toArray().first().toObject().value(u"comment"_s).toString(), u"PayTrace refund TXN 391000777"_s);
        QJsonObject o = orderJson(order->entityId);
        QCOMPARE(QByteArray::number(o.value(u"total_refunded"_s).toDouble(), 'f', 2), decimalFixed(expected, 2));
        QCOMPARE(QByteArray::number(o.value(u"total_offline_refunded"_s).toDouble(), 'f', 2), decimalFixed(expected, 2));
        QVERIFY(!o.contains(u"total_online_refunded"_s));
        QCOMPARE(o.value(u"items"_s).toArray().first().toObject().value(u"qty_refunded"_s).toInteger(), 1);
        QCOMPARE(o.value(u"state"_s).toString(), u"processing"_s); // partial refund
        QVERIFY(o.value(u"status_histories"_s).toArray().first().toObject().value(u"comment"_s).toString()
                    == u"We refunded $"_s + QString::fromLatin1(decimalFixed(expected, 2)) + u" offline."_s);
        const Reply listed = get(u"/rest/V1/creditmemos"_s, u"searchCriteria[filter_groups][0][filters][0][field]=entity_id"
                                                             "&searchCriteria[filter_groups][0][filters][0][value]=%1"_s.arg(memoId));
        QCOMPARE(listed.json().value(u"items"_s).toArray().first().toObject(), memo);

        // Above what is left: Magento's validator text with the amount still refundable.
        const qint64 left = order->grandTotal - expected;
        const QByteArray tooMuch = compact(QJsonObject{{u"items"_s, QJsonArray()},
                                                       {u"arguments"_s, QJsonObject{{u"shipping_amount"_s, 0},
                                                                                   {u"adjustment_positive"_s, QString::fromLatin1(decimalFixed(left + 1, 2))}}}});
        r = post(path, tooMuch);
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), errorBody(u"Creditmemo Document Validation Error(s):\nWe can't create creditmemo for the order.\n"
                                     "The most money available to refund is %1."_s.arg(QString::fromLatin1(decimalNumber(left, 2)))));
        // Shipping above what was invoiced.
        r = post(path, compact(QJsonObject{{u"arguments"_s, QJsonObject{{u"shipping_amount"_s, QString::fromLatin1(decimalFixed(order->shippingAmount + 1, 2))}}}}));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), errorBody(u"Creditmemo Document Validation Error(s):\nMaximum shipping amount allowed to refund is: %1"_s
                                         .arg(QString::fromLatin1(decimalNumber(order->shippingAmount, 2)))));
        // The rest, exactly: closed.
        r = post(path, compact(QJsonObject{{u"arguments"_s, QJsonObject{{u"adjustment_negative"_s, 1.25}}}}));
        QCOMPARE(r.status, 200);
        o = orderJson(order->entityId);
        QCOMPARE(QByteArray::number(o.value(u"total_refunded"_s).toDouble(), 'f', 2), decimalFixed(order->grandTotal, 2));
        QCOMPARE(o.value(u"state"_s).toString(), u"closed"_s);
        QCOMPARE(o.value(u"status"_s).toString(), u"closed"_s);
        r = post(path, "{}");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), errorBody(u"Creditmemo Document Validation Error(s):\nA creditmemo can not be created when an order has a status of closed"_s));
        // Exactly what was paid went back.
        qint64 refunded = 0;
        for (const MagentoCreditmemo &c : s.magento().creditmemos())
            refunded += c.orderId == order->entityId ? c.totals.grandTotal : 0;
        QCOMPARE(refunded, order->grandTotal);
    }

    void invoiceRefundOnlineAndOffline()
    {
        Sandbox &s = *m_sandbox;
        // An offline invoice cannot be refunded online.
        const auto offline = fixture([](const MagentoOrder &o) {
            return o.state == u"processing" && o.payment.method != u"paytrace" && o.totalPaid == o.grandTotal && !o.totalRefunded;
        });
        QVERIFY(offline);
        const MagentoInvoice offlineInvoice = [&] {
            for (const MagentoInvoice &v : s.magento().invoices()) {
                if (v.orderId == offline->entityId)
                    return v;
            }
            return MagentoInvoice();
        }();
        QVERIFY(offlineInvoice.entityId > 0);
        QVERIFY(offlineInvoice.transactionId.isEmpty());
        const QString offlinePath = u"/rest/V1/invoice/%1/refund"_s.arg(offlineInvoice.entityId);
        Reply r = post(offlinePath, R"({"isOnline":true})");
        QCOMPARE(r.status, 400);
        QCOMPARE(r.json(), errorBody(u"Creditmemo Document Validation Error(s):\nWe can't create creditmemo for the invoice.\n"
                                     "The invoice was not captured online (it has no transaction), so it cannot be refunded online. "
                                     "Refund it offline with \"isOnline\": false."_s));
        r = post(offlinePath, R"({"isOnline":false})");
        QCOMPARE(r.status, 200);
        QJsonObject memo = get(u"/rest/V1/creditmemo/%1"_s.arg(r.body.toLongLong())).json();
        QCOMPARE(memo.value(u"invoice_id"_s).toInteger(), offlineInvoice.entityId);
        QVERIFY(!memo.contains(u"transaction_id"_s));
        QJsonObject invoice = get(u"/rest/V1/invoices/%1"_s.arg(offlineInvoice.entityId)).json();
        QCOMPARE(invoice.value(u"is_used_for_refund"_s).toInt(), 1);
        QCOMPARE(orderJson(offline->entityId).value(u"state"_s).toString(), u"closed"_s);
        // Nothing is left on that invoice.
        r = post(offlinePath, R"({"isOnline":false})");
        QCOMPARE(r.status, 400);

        // An invoice the PayTrace module captured can be refunded online by the module.
        const auto online = fixture([](const MagentoOrder &o) {
            return o.state == u"complete" && o.payment.method == u"paytrace" && o.totalPaid == o.grandTotal && !o.totalRefunded;
        });
        QVERIFY(online);
        const MagentoInvoice onlineInvoice = [&] {
            for (const MagentoInvoice &v : s.magento().invoices()) {
                if (v.orderId == online->entityId)
                    return v;
            }
            return MagentoInvoice();
        }();
        QVERIFY(!onlineInvoice.transactionId.isEmpty());
        r = post(u"/rest/V1/invoice/%1/refund"_s.arg(onlineInvoice.entityId), R"({"isOnline":true,"notify":false})");
        QCOMPARE(r.status, 200);
        memo = get(u"/rest/V1/creditmemo/%1"_s.arg(r.body.toLongLong())).json();
        QCOMPARE(memo.value(u"transaction_id"_s).toString(), onlineInvoice.transactionId + u"-refund"_s);
        const QJsonObject doc = send("GET", adminUrl(s, u"/magento/documents?order_id=%1"_s.arg(online->entityId)))
                                    .json().value(u"documents"_s).toArray().first().toObject();
        QCOMPARE(doc.value(u"kind"_s).toString(), u"creditmemo"_s);
        QCOMPARE(doc.value(u"refunded_online_by_magento"_s).toBool(), true);
        const QJsonObject o = orderJson(online->entityId);
        QCOMPARE(QByteArray::number(o.value(u"total_online_refunded"_s).toDouble(), 'f', 2), decimalFixed(online->grandTotal, 2));
        QCOMPARE(o.value(u"state"_s).toString(), u"closed"_s);
    }

    // ---- read-only routes ------------------------------------------------------------------------

    void transactionsOnlyWhereThePaymentModuleRecordedThem()
    {
        Sandbox &s = *m_sandbox;
        const QList<MagentoTransaction> all = s.magento().transactions();
        QVERIFY(!all.isEmpty());
        QSet<qint64> withRows;
        for (const MagentoTransaction &t : all)
            withRows.insert(t.orderId);
        for (const MagentoOrder &o : s.generated().orders) {
            if (o.payment.method != u"paytrace")
                QVERIFY2(!withRows.contains(o.entityId), "offline orders have no transaction rows");
            else if (!o.payment.lastTransId.isEmpty())
                QVERIFY2(withRows.contains(o.entityId), "the PayTrace module records its transactions");
        }
        const Reply list = get(u"/rest/V1/transactions"_s, u"searchCriteria[filter_groups][0][filters][0][field]=txn_type"
                                                           "&searchCriteria[filter_groups][0][filters][0][value]=refund&searchCriteria[pageSize]=50"_s);
        QCOMPARE(list.status, 200);
        const QJsonArray refunds = list.json().value(u"items"_s).toArray();
        QVERIFY(!refunds.isEmpty());
        for (const QJsonValue &v : refunds) {
            const QJsonObject t = v.toObject();
            QCOMPARE(t.value(u"txn_type"_s).toString(), u"refund"_s);
            QCOMPARE(t.value(u"is_closed"_s).toInt(), 1);
            QVERIFY(t.contains(u"parent_txn_id"_s));
        }
        const QJsonObject refund = refunds.first().toObject();
        const Reply one = get(u"/rest/V1/transactions/%1"_s.arg(refund.value(u"transaction_id"_s).toInteger()));
        QCOMPARE(one.status, 200);
        QCOMPARE(one.json(), refund);
        QCOMPARE(sortedKeys(one.json()), (QStringList{u"additional_information"_s, u"child_transactions"_s, u"created_at"_s,
                                                     u"is_closed"_s, u"order_id"_s, u"parent_id"_s, u"parent_txn_id"_s,
                                                     u"payment_id"_s, u"transaction_id"_s, u"txn_id"_s, u"txn_type"_s}));
        // The parent lists it as a child.
        const QJsonObject parent = get(u"/rest/V1/transactions/%1"_s.arg(refund.value(u"parent_id"_s).toInteger())).json();
        bool listed = false;
        for (const QJsonValue &c : parent.value(u"child_transactions"_s).toArray())
            listed = listed || c.toObject().value(u"transaction_id"_s) == refund.value(u"transaction_id"_s);
        QVERIFY(listed);
        QCOMPARE(get(u"/rest/V1/transactions/999999"_s).status, 404);
        // Read-only: no write route exists.
        QCOMPARE(post(u"/rest/V1/transactions"_s, "{}").status, 404);
        // Unknown columns are the masked SQL error.
        const Reply bad = get(u"/rest/V1/transactions"_s, u"searchCriteria[filter_groups][0][filters][0][field]=nope"
                                                          "&searchCriteria[filter_groups][0][filters][0][value]=1"_s);
        QCOMPARE(bad.status, 500);
        QVERIFY(bad.json().value(u"message"_s).toString().startsWith(u"Internal Error. Details are available in Magento log file. Report ID: webapi-"_s));
    }

    void customersAndGuests()
    {
        Sandbox &s = *m_sandbox;
        const auto guest = fixture([](const MagentoOrder &o) { return o.customerId == 0; }, false);
        QVERIFY(guest);
        // Customers may have changed their e-mail since older orders: the customer record carries
        // what the customer's newest order does. Take a customer who did change it.
        QHash<qint64, MagentoOrder> newest;
        QHash<qint64, QSet<QString>> emails;
        for (const MagentoOrder &o : s.magento().orders()) {
            if (o.customerId == 0)
                continue;
            emails[o.customerId].insert(o.customerEmail);
            const auto it = newest.constFind(o.customerId);
            if (it == newest.cend() || std::pair{o.createdAt, o.entityId} > std::pair{it->createdAt, it->entityId})
                newest.insert(o.customerId, o);
        }
        std::optional<MagentoOrder> registered;
        for (auto it = emails.cbegin(); it != emails.cend(); ++it) {
            if (it.value().size() > 1 && (!registered || it.key() < registered->customerId))
                registered = newest.value(it.key());
        }
        QVERIFY2(registered, "no registered customer who changed e-mail");
        const Reply one = get(u"/rest/V1/customers/%1"_s.arg(registered->customerId));
        QCOMPARE(one.status, 200);
        const QJsonObject sample = QJsonDocument::fromJson(pb::test::recording(u"magento/customer.response.json"_s)).object();
        QCOMPARE(sortedKeys(one.json()), sortedKeys(sample));
        const QJsonObject c = one.json();
        QCOMPARE(c.value(u"email"_s).toString(), registered->customerEmail);
        QCOMPARE(c.value(u"firstname"_s).toString(), registered->customerFirstname);
        QVERIFY(c.value(u"default_billing"_s).isString());
        const QJsonObject address = c.value(u"addresses"_s).toArray().first().toObject();
        QCOMPARE(sortedKeys(address), sortedKeys(sample.value(u"addresses"_s).toArray().first().toObject()));
        QCOMPARE(QString::number(address.value(u"id"_s).toInteger()), c.value(u"default_billing"_s).toString());

        const Reply search = get(u"/rest/V1/customers/search"_s,
                                 u"searchCriteria[filter_groups][0][filters][0][field]=email&searchCriteria[filter_groups][0][filters][0][value]=%1"
                                 "&searchCriteria[filter_groups][0][filters][0][condition_type]=like"_s
                                     .arg(QString::fromLatin1(QUrl::toPercentEncoding(registered->customerEmail))));
        QCOMPARE(search.status, 200);
        const QJsonObject env = search.json();
        const QJsonObject sampleSearch = QJsonDocument::fromJson(pb::test::recording(u"magento/customers_search.response.json"_s)).object();
        QCOMPARE(sortedKeys(env), sortedKeys(sampleSearch));
        QCOMPARE(env.value(u"total_count"_s).toInt(), 1);
        QCOMPARE(env.value(u"items"_s).toArray().first().toObject(), c);
        QCOMPARE(env.value(u"search_criteria"_s).toObject().value(u"filter_groups"_s).toArray().first().toObject()
                     .value(u"filters"_s).toArray().first().toObject().value(u"condition_type"_s).toString(), u"like"_s);

        // Guests have no customer record.
        QVERIFY(!orderJson(guest->entityId).contains(u"customer_id"_s));
        const Reply guestSearch = get(u"/rest/V1/customers/search"_s,
                                      u"searchCriteria[filter_groups][0][filters][0][field]=email&searchCriteria[filter_groups][0][filters][0][value]=%1"_s
                                          .arg(QString::fromLatin1(QUrl::toPercentEncoding(guest->customerEmail))));
        bool guestHasRecord = false;
        for (const MagentoOrder &o : s.generated().orders)
            guestHasRecord = guestHasRecord || (o.customerId != 0 && o.customerEmail == guest->customerEmail);
        if (!guestHasRecord)
            QCOMPARE(guestSearch.json().value(u"total_count"_s).toInt(), 0);
        const Reply missing = get(u"/rest/V1/customers/987654"_s);
        QCOMPARE(missing.status, 404);
        QCOMPARE(missing.json(), namedError(u"No such entity with %fieldName = %fieldValue"_s,
                                            {{u"fieldName"_s, u"customerId"_s}, {u"fieldValue"_s, u"987654"_s}}));
    }

    void storeConfigs()
    {
        const Reply r = get(u"/rest/V1/store/storeConfigs"_s);
        QCOMPARE(r.status, 200);
        const QJsonArray configs = r.array();
        QCOMPARE(configs.size(), 1);
        const QJsonObject c = configs.first().toObject();
        for (const QString &key : {u"id"_s, u"code"_s, u"website_id"_s, u"locale"_s, u"base_currency_code"_s,
                                   u"default_display_currency_code"_s, u"timezone"_s, u"weight_unit"_s, u"base_url"_s,
                                   u"base_link_url"_s, u"base_static_url"_s, u"base_media_url"_s, u"secure_base_url"_s})
            QVERIFY2(c.contains(key), qPrintable(key));
        QCOMPARE(c.value(u"code"_s).toString(), u"default"_s);
        QCOMPARE(c.value(u"base_currency_code"_s).toString(), u"USD"_s);
        QCOMPARE(c.value(u"timezone"_s).toString(), u"America/Los_Angeles"_s);
        QCOMPARE(get(u"/rest/V1/store/storeConfigs"_s, u"storeCodes[]=default"_s).array().size(), 1);
        QCOMPARE(get(u"/rest/V1/store/storeConfigs"_s, u"storeCodes[]=fr"_s).array().size(), 0);
    }

    // ---- ACL ---------------------------------------------------------------------------------------

    void aclRefusesUngrantedResources()
    {
        Sandbox &s = *m_sandbox;
        const auto order = fixture([](const MagentoOrder &o) {
            return o.state == u"processing" && o.totalPaid == o.grandTotal && !o.totalRefunded;
        });
        QVERIFY(order);
        const QStringList defaults = MagentoSimulator::defaultGrantedResources();
        QStringList withoutCreditmemo = defaults;
        withoutCreditmemo.removeAll(u"Magento_Sales::creditmemo"_s);
        s.magento().setGrantedResources(withoutCreditmemo);
        const qsizetype documents = documentCount();
        Reply r = post(u"/rest/V1/order/%1/refund"_s.arg(order->entityId), "{}");
        QCOMPARE(r.status, 401);
        QCOMPARE(r.json(), aclError(u"Magento_Sales::creditmemo"_s));
        QCOMPARE(documentCount(), documents);
        QCOMPARE(get(u"/rest/V1/orders/%1"_s.arg(order->entityId)).status, 200); // other resources still granted

        // Through the admin API, each route names its own resource.
        const QList<std::pair<QString, QString>> routes{
            {u"GET /rest/V1/invoices?searchCriteria[pageSize]=1"_s, u"Magento_Sales::sales_invoice"_s},
            {u"GET /rest/V1/creditmemo/1"_s, u"Magento_Sales::sales_creditmemo"_s},
            {u"GET /rest/V1/transactions/1"_s, u"Magento_Sales::transactions_fetch"_s},
            {u"GET /rest/V1/customers/1"_s, u"Magento_Customer::customer"_s},
            {u"GET /rest/V1/store/storeConfigs"_s, u"Magento_Backend::store"_s},
            {u"POST /rest/V1/orders/1/comments"_s, u"Magento_Sales::comment"_s},
            {u"POST /rest/V1/orders/1/hold"_s, u"Magento_Sales::hold"_s},
            {u"POST /rest/V1/orders/1/unhold"_s, u"Magento_Sales::unhold"_s},
            {u"POST /rest/V1/orders/1/cancel"_s, u"Magento_Sales::cancel"_s},
            {u"POST /rest/V1/order/1/invoice"_s, u"Magento_Sales::invoice"_s},
            {u"POST /rest/V1/invoice/1/refund"_s, u"Magento_Sales::sales_invoice"_s},
            {u"GET /rest/V1/orders/1/statuses"_s, u"Magento_Sales::actions_view"_s},
        };
        const Reply set = send("POST", adminUrl(s, u"/magento/config"_s), R"({"acl_resources":["Magento_Sales::sales"]})");
        QCOMPARE(set.status, 200);
        QCOMPARE(set.json().value(u"acl_resources"_s).toArray(), QJsonArray{u"Magento_Sales::sales"_s});
        for (const auto &[route, resource] : routes) {
            const QString method = route.section(u' ', 0, 0);
            const QString target = route.section(u' ', 1);
            const Reply refused = method == u"GET" ? get(target.section(u'?', 0, 0), target.section(u'?', 1))
                                                   : post(target, "{}");
            QCOMPARE(refused.status, 401);
            QCOMPARE(refused.json(), aclError(resource));
        }
        // Magento_Backend::all grants everything; null restores the default grant.
        QCOMPARE(send("POST", adminUrl(s, u"/magento/config"_s), R"({"acl_resources":["Magento_Backend::all"]})").status, 200);
        QCOMPARE(get(u"/rest/V1/store/storeConfigs"_s).status, 200);
        QCOMPARE(send("POST", adminUrl(s, u"/magento/config"_s), R"({"acl_resources":"all"})").status, 400);
        const Reply reset = send("POST", adminUrl(s, u"/magento/config"_s), R"({"acl_resources":null})");
        QCOMPARE(reset.json().value(u"acl_resources"_s).toArray().size(), defaults.size());
        QCOMPARE(s.magento().grantedResources(), defaults);
        QCOMPARE(post(u"/rest/V1/order/%1/refund"_s.arg(order->entityId), "{}").status, 200);

        // At start-up, through SandboxOptions.
        SandboxOptions options;
        options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
        options.orders = 5;
        options.seed = 3;
        options.magentoAclResources = QStringList{u"Magento_Sales::actions_view"_s};
        Sandbox small(options);
        QVERIFY(small.start());
        QCOMPARE(get(u"/rest/V1/orders/1"_s, {}, &small).status, 200);
        const Reply comment = post(u"/rest/V1/orders/1/comments"_s, "{}", &small);
        QCOMPARE(comment.status, 401);
        QCOMPARE(comment.json(), aclError(u"Magento_Sales::comment"_s));
        // No credentials at all: the same refusal, naming the route's resource.
        const Reply anonymous = send("POST", url(*m_sandbox, u"/rest/V1/order/1/invoice"_s), "{}");
        QCOMPARE(anonymous.status, 401);
        QCOMPARE(anonymous.json(), aclError(u"Magento_Sales::invoice"_s));
    }

    // ---- admin ledger ------------------------------------------------------------------------------

    void documentsLedgerHasOneDocumentPerOperation()
    {
        Sandbox &s = *m_sandbox;
        const auto order = fixture([](const MagentoOrder &o) {
            return o.state == u"new" && physical(o) && o.grandTotal > 0 && o.items.size() == 1 && o.items.first().qtyOrdered == 1;
        });
        QVERIFY(order);
        const qint64 id = order->entityId;
        const QString base = u"/rest/V1/orders/%1"_s.arg(id);
        const QByteArray comment = compact(QJsonObject{{u"statusHistory"_s, QJsonObject{
            {u"comment"_s, u"Charged at PayTrace, TXN 391999999"_s}, {u"is_customer_notified"_s, 0},
            {u"is_visible_on_front"_s, 0}, {u"parent_id"_s, id}, {u"status"_s, u"pending"_s}}}});
        QCOMPARE(post(base + u"/hold"_s, {}).body, QByteArray("true"));
        QCOMPARE(post(base + u"/hold"_s, {}).status, 400); // refused: no document
        QCOMPARE(post(base + u"/unhold"_s, {}).body, QByteArray("true"));
        QCOMPARE(post(base + u"/comments"_s, comment).body, QByteArray("true"));
        const Reply invoice = post(u"/rest/V1/order/%1/invoice"_s.arg(id), R"({"capture":false})");
        QCOMPARE(invoice.status, 200);
        QCOMPARE(post(base + u"/cancel"_s, {}).body, QByteArray("false")); // fully invoiced: nothing to cancel
        const Reply memo = post(u"/rest/V1/order/%1/refund"_s.arg(id), "{}");
        QCOMPARE(memo.status, 200);

        const Reply r = send("GET", adminUrl(s, u"/magento/documents?order_id=%1"_s.arg(id)));
        QCOMPARE(r.status, 200);
        const QJsonArray docs = r.json().value(u"documents"_s).toArray();
        QStringList kinds;
        for (const QJsonValue &v : docs)
            kinds.append(v.toObject().value(u"kind"_s).toString());
        QCOMPARE(kinds, (QStringList{u"hold"_s, u"unhold"_s, u"comment"_s, u"invoice"_s, u"creditmemo"_s}));
        QCOMPARE(docs[2].toObject().value(u"comment"_s).toString(), u"Charged at PayTrace, TXN 391999999"_s);
        QCOMPARE(docs[3].toObject().value(u"entity_id"_s).toInteger(), invoice.body.toLongLong());
        QCOMPARE(docs[4].toObject().value(u"entity_id"_s).toInteger(), memo.body.toLongLong());
        QCOMPARE(docs[4].toObject().value(u"amount_minor"_s).toInteger(), order->grandTotal);
        QCOMPARE(docs[4].toObject().value(u"state_after"_s).toString(), u"closed"_s);
        QCOMPARE(docs[0].toObject().value(u"order_increment_id"_s).toString(), order->incrementId);
        // Sequences are global and increasing; the in-process accessor agrees with the admin API.
        const QList<MagentoDocument> all = s.magento().documents();
        for (qsizetype i = 1; i < all.size(); ++i)
            QCOMPARE(all[i].sequence, all[i - 1].sequence + 1);
        QCOMPARE(send("GET", adminUrl(s, u"/magento/documents"_s)).json().value(u"documents"_s).toArray().size(), all.size());
        QCOMPARE(send("GET", adminUrl(s, u"/magento/documents?order_id=x"_s)).status, 400);
        QCOMPARE(send("POST", adminUrl(s, u"/magento/documents"_s), "{}").status, 405);
    }

    // ---- OAuth 1.0a on the new routes ---------------------------------------------------------------

    void oauthSignedRequestsOnNewRoutes()
    {
        Sandbox &s = *m_sandbox;
        const QByteArray secret = s.credentialSet().magentoAccessTokenSecret.toLatin1();
        const auto order = fixture([](const MagentoOrder &o) { return o.state == u"new" && o.grandTotal > 0; });
        QVERIFY(order);
        s.magento().setBearerEnabled(false); // signing must work on its own
        const QString invoicePath = u"/rest/V1/order/%1/invoice"_s.arg(order->entityId);
        // A JSON body is not part of the signature.
        Reply r = send("POST", url(s, invoicePath), R"({"capture":false})",
                       {{"Authorization", oauthHeader(s, "POST", invoicePath, {}, "w-nonce-1", secret)}});
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.toLongLong() > 0);
        // A wrong secret or a replayed nonce is refused before anything changes.
        const qsizetype documents = documentCount();
        const QString holdPath = u"/rest/V1/orders/%1/hold"_s.arg(order->entityId);
        r = send("POST", url(s, holdPath), {}, {{"Authorization", oauthHeader(s, "POST", holdPath, {}, "w-nonce-2", "wrong")}});
        QCOMPARE(r.status, 401);
        QCOMPARE(r.json().value(u"message"_s).toString(), u"The signature is invalid. Verify and try again."_s);
        r = send("POST", url(s, holdPath), {}, {{"Authorization", oauthHeader(s, "POST", holdPath, {}, "w-nonce-1", secret)}});
        QCOMPARE(r.status, 401);
        QCOMPARE(documentCount(), documents);
        // Signed method matters: a GET signature does not authorise a POST.
        r = send("POST", url(s, holdPath), {}, {{"Authorization", oauthHeader(s, "GET", holdPath, {}, "w-nonce-3", secret)}});
        QCOMPARE(r.status, 401);
        // A signed search with its query parameters.
        const QList<std::pair<QByteArray, QByteArray>> query{{"searchCriteria[filter_groups][0][filters][0][field]", "order_id"},
                                                             {"searchCriteria[filter_groups][0][filters][0][value]", QByteArray::number(order->entityId)}};
        QUrlQuery q;
        for (const auto &[k, v] : query)
            q.addQueryItem(QString::fromLatin1(k), QString::fromLatin1(v));
        QUrl listUrl = url(s, u"/rest/default/V1/invoices"_s);
        listUrl.setQuery(q);
        r = send("GET", listUrl, {}, {{"Authorization", oauthHeader(s, "GET", u"/rest/default/V1/invoices"_s, query, "w-nonce-4", secret)}});
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value(u"total_count"_s).toInt(), 1);
        s.magento().setBearerEnabled(true);
    }

    // ---- determinism -------------------------------------------------------------------------------

    // ---- admin order overrides ------------------------------------------------------------------

    void orderOverridesReplaceTopLevelFields()
    {
        const auto fx = fixture([](const MagentoOrder &o) { return o.state == u"processing"; });
        QVERIFY(fx);
        const qint64 id = fx->entityId;
        const QString path = u"/rest/V1/orders/%1"_s.arg(id);
        const Reply before = get(path);
        QCOMPARE(before.status, 200);
        const QString updatedBefore = before.json().value(u"updated_at"_s).toString();
        const QUrl overrides = adminUrl(*m_sandbox, u"/magento/order-overrides"_s);

        // Strings, exact number text, null, objects; a field the body did not have is added.
        const QByteArray body = R"({"entity_id":)" + QByteArray::number(id)
            + R"(,"fields":{"grand_total":"12.34567","base_grand_total":12.345678901234567890,"customer_email":null,)"
              R"("x_extra":{"a":[1,"b"]}},"touch":false})";
        const Reply set = send("POST", overrides, body);
        QCOMPARE(set.status, 200);
        QCOMPARE(set.json().value(u"entity_id"_s).toInteger(), id);

        const Reply after = get(path);
        QCOMPARE(after.status, 200);
        QVERIFY2(after.body.contains(R"("grand_total":"12.34567")"), after.body.left(400).constData());
        QVERIFY(after.body.contains(R"("base_grand_total":12.345678901234567890)"));
        const QJsonObject o = after.json();
        QVERIFY(o.contains(u"customer_email"_s) && o.value(u"customer_email"_s).isNull());
        QCOMPARE(o.value(u"x_extra"_s).toObject(), (QJsonObject{{u"a"_s, QJsonArray{1, u"b"_s}}}));
        QCOMPARE(o.value(u"updated_at"_s).toString(), updatedBefore); // touch:false
        // Everything else is as before, and the key order is kept.
        QJsonObject expected = before.json();
        expected.insert(u"grand_total"_s, u"12.34567"_s);
        expected.insert(u"base_grand_total"_s, o.value(u"base_grand_total"_s));
        expected.insert(u"customer_email"_s, QJsonValue());
        expected.insert(u"x_extra"_s, o.value(u"x_extra"_s));
        QCOMPARE(o, expected);
        QVERIFY(after.body.indexOf("\"grand_total\"") < after.body.indexOf("\"increment_id\""));

        // Search items, with and without fields=.
        const QString filter = u"searchCriteria[filter_groups][0][filters][0][field]=entity_id&"
                               "searchCriteria[filter_groups][0][filters][0][value]=%1"_s.arg(id);
        const Reply full = get(u"/rest/V1/orders"_s, filter);
        QCOMPARE(full.json().value(u"items"_s).toArray().at(0).toObject(), o);
        const Reply partial = get(u"/rest/V1/orders"_s, filter + u"&fields=items[entity_id,grand_total,x_extra[a]],total_count"_s);
        QCOMPARE(partial.status, 200);
        QCOMPARE(partial.json().value(u"items"_s).toArray().at(0).toObject(),
                 (QJsonObject{{u"entity_id"_s, id}, {u"grand_total"_s, u"12.34567"_s}, {u"x_extra"_s, QJsonObject{{u"a"_s, QJsonArray{1, u"b"_s}}}}}));

        // touch (the default) makes the order visible to an updated_at poller.
        m_sandbox->clock().advanceSeconds(5);
        const qint64 touchedFrom = m_sandbox->clock().nowSecs(); // the sandbox clock runs in real time
        QCOMPARE(send("POST", overrides, R"({"entity_id":)" + QByteArray::number(id) + R"(,"fields":{"status":"weird"}})").status, 200);
        const QJsonObject touched = get(path).json();
        QCOMPARE(touched.value(u"status"_s).toString(), u"weird"_s);
        QCOMPARE(touched.value(u"grand_total"_s), before.json().value(u"grand_total"_s)); // replaced, not merged
        const qint64 touchedAt = secs(touched.value(u"updated_at"_s));
        QVERIFY(touchedAt >= touchedFrom && touchedAt <= m_sandbox->clock().nowSecs());

        // null removes the overrides; the order keeps the touched updated_at.
        QCOMPARE(send("POST", overrides, R"({"entity_id":)" + QByteArray::number(id) + R"(,"fields":null,"touch":false})").status, 200);
        const Reply cleared = get(path);
        QCOMPARE(secs(cleared.json().value(u"updated_at"_s)), touchedAt); // touch:false keeps it
        // Byte for byte as before but for updated_at (the order's and its items').
        const QByteArray newUpdated = cleared.json().value(u"updated_at"_s).toString().toLatin1();
        QCOMPARE(QByteArray(cleared.body).replace(QByteArray("\"updated_at\":\"" + newUpdated), QByteArray("\"updated_at\":\"" + updatedBefore.toLatin1())),
                 before.body);

        // In process.
        QVERIFY(m_sandbox->magento().setOrderOverrides(id, QJsonObject{{u"total_due"_s, u"0.0001"_s}}, false));
        QCOMPARE(get(path).json().value(u"total_due"_s).toString(), u"0.0001"_s);
        QVERIFY(m_sandbox->magento().setOrderOverrides(id, QList<std::pair<QByteArray, QByteArray>>{}, false));
        QCOMPARE(get(path).json().value(u"total_due"_s), before.json().value(u"total_due"_s));
        QVERIFY(!m_sandbox->magento().setOrderOverrides(999999, QJsonObject{}, false));

        // Refusals.
        QCOMPARE(send("POST", overrides, R"({"entity_id":999999,"fields":{}})").status, 404);
        QCOMPARE(send("POST", overrides, R"({"entity_id":"x","fields":{}})").status, 400);
        QCOMPARE(send("POST", overrides, R"({"entity_id":1,"fields":[1]})").status, 400);
        QCOMPARE(send("POST", overrides, R"({"entity_id":1,"fields":{},"touch":1})").status, 400);
        QCOMPARE(send("POST", overrides, R"({"entity_id":1,"fieldz":{}})").status, 400);
        QCOMPARE(send("GET", overrides).status, 405);
    }

    void pagePastTheEnd()
    {
        // Both behaviours of a page past the end; total_count is the same in both.
        const QString page9 = u"searchCriteria[pageSize]=10&searchCriteria[currentPage]=9"_s;
        const QString page3 = u"searchCriteria[pageSize]=10&searchCriteria[currentPage]=3"_s;
        for (const bool empty : {false, true}) {
            SandboxOptions options;
            options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
            options.orders = 25;
            options.seed = 5;
            options.startTime = fixedStart();
            options.magentoPastEndEmpty = empty;
            Sandbox s(options);
            QVERIFY(s.start());
            const Reply last = get(u"/rest/V1/orders"_s, page3, &s);
            const Reply past = get(u"/rest/V1/orders"_s, page9, &s);
            QCOMPARE(past.status, 200);
            QCOMPARE(last.json().value(u"items"_s).toArray().size(), 5);
            QCOMPARE(past.json().value(u"total_count"_s).toInteger(), 25);
            if (empty)
                QCOMPARE(past.json().value(u"items"_s).toArray(), QJsonArray());
            else
                QCOMPARE(past.json().value(u"items"_s).toArray(), last.json().value(u"items"_s).toArray());
        }
    }

    void determinism()
    {
        // Same seed and start time: byte-identical documents, and the same writes give the same answers.
        QByteArray first[2];
        for (int run = 0; run < 2; ++run) {
            SandboxOptions options;
            options.magentoBearerEnabled = true; // these checks talk Bearer; the default is refusal
            options.orders = 60;
            options.seed = 11;
            options.startTime = fixedStart();
            Sandbox s(options);
            QVERIFY(s.start());
            QByteArray all;
            for (const QString &p : {u"/rest/V1/invoices"_s, u"/rest/V1/creditmemos"_s, u"/rest/V1/transactions"_s, u"/rest/V1/customers/search"_s})
                all += get(p, u"searchCriteria[pageSize]=500"_s, &s).body;
            qint64 newOrder = 0;
            for (const MagentoOrder &o : s.magento().orders()) {
                if (o.state == u"new" && o.grandTotal > 0) {
                    newOrder = o.entityId;
                    break;
                }
            }
            QVERIFY(newOrder > 0);
            all += post(u"/rest/V1/order/%1/invoice"_s.arg(newOrder), "{}", &s).body;
            all += post(u"/rest/V1/order/%1/refund"_s.arg(newOrder), R"({"arguments":{"shipping_amount":0}})", &s).body;
            for (const MagentoInvoice &v : s.magento().invoices())
                all += QByteArray::number(v.entityId) + ':' + QByteArray::number(v.totals.grandTotal) + ';';
            first[run] = all;
        }
        QVERIFY(first[0].size() > 1000);
        QCOMPARE(first[1], first[0]);
    }
};

QTEST_GUILESS_MAIN(TestSandboxMagentoWrites)
#include "tst_sandbox_magento_writes.moc"
