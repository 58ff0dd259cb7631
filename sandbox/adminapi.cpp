#include "adminapi.h"
#include "settlementreport.h"

#include "jsonwriter.h"
#include "livestore.h"
#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "magentojson.h"
#include "simutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QCryptographicHash>
#include <QJsonObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

HttpResponse json(int status, const QJsonObject &o)
{
    return HttpResponse::json(status, QJsonDocument(o).toJson(QJsonDocument::Compact));
}

HttpResponse bad(int status, const QString &message)
{
    return json(status, QJsonObject{{u"error"_s, message}});
}

bool parseBody(const HttpRequest &request, QJsonDocument *doc, HttpResponse *error)
{
    QJsonParseError e;
    *doc = QJsonDocument::fromJson(request.body, &e);
    if (e.error != QJsonParseError::NoError) {
        *error = bad(400, u"request body is not valid JSON: %1"_s.arg(e.errorString()));
        return false;
    }
    return true;
}

QJsonObject clockJson(const SandboxClock &clock)
{
    return QJsonObject{{u"now"_s, QString::fromLatin1(isoTime(clock.nowSecs()))},
                       {u"epoch"_s, clock.nowSecs()},
                       {u"offset_seconds"_s, double(clock.offsetMSecs() / 1000)}};
}

QJsonObject vaultJson(const PayTraceCustomer &c)
{
    const auto address = [](const PayTraceAddress &a) {
        return QJsonObject{{u"name"_s, a.name}, {u"street_address"_s, a.streetAddress}, {u"street_address2"_s, a.streetAddress2},
                           {u"city"_s, a.city}, {u"state"_s, a.state}, {u"zip"_s, a.zip}, {u"country"_s, a.country}};
    };
    return QJsonObject{{u"customer_id"_s, c.customerId},
                       {u"email"_s, c.email},
                       {u"phone"_s, c.phone},
                       {u"billing_address"_s, address(c.billing)},
                       {u"card"_s, QJsonObject{{u"brand"_s, c.card.brand}, {u"last4"_s, c.card.last4},
                                               {u"expiration_month"_s, c.card.expirationMonth},
                                               {u"expiration_year"_s, c.card.expirationYear}}},
                       {u"created_at"_s, QString::fromLatin1(isoTime(c.createdAt))}};
}

HttpResponse customerResponse(const MagentoCustomer &c)
{
    QByteArray body;
    JsonWriter w(&body);
    writeMagentoCustomer(w, c);
    return HttpResponse::json(200, body);
}

bool stringMember(const QJsonObject &o, const QString &key, QString *out, QString *error)
{
    if (!o.contains(key))
        return true;
    if (!o.value(key).isString()) {
        *error = u"\"%1\" must be a string"_s.arg(key);
        return false;
    }
    *out = o.value(key).toString();
    return true;
}

} // namespace

HttpResponse AdminApi::handle(const HttpRequest &request)
{
    const QByteArray path = request.path.endsWith('/') && request.path.size() > 9 ? request.path.chopped(1) : request.path;
    const QByteArray &m = request.method;
    if (path == "/__admin" || path == "/__admin/health") {
        if (m != "GET")
            return bad(405, u"use GET"_s);
        return json(200, QJsonObject{{u"status"_s, u"ok"_s},
                                     {u"port"_s, int(m_sandbox->port())},
                                     {u"now"_s, QString::fromLatin1(isoTime(m_sandbox->clock().nowSecs()))},
                                     {u"orders"_s, double(m_sandbox->magento().orderCount())},
                                     {u"seed"_s, QString::number(m_sandbox->options().seed)}});
    }
    if (path == "/__admin/clock")
        return clock(request);
    if (path == "/__admin/faults" || path.startsWith("/__admin/faults/"))
        return faults(request, QByteArrayView(path).sliced(15));
    if (path == "/__admin/limits")
        return limits(request);
    if (path == "/__admin/ledger") {
        if (m != "GET")
            return bad(405, u"use GET"_s);
        QJsonArray entries;
        for (const LedgerEntry &e : m_sandbox->paytrace().ledger()) {
            entries.append(QJsonObject{
                {u"sequence"_s, double(e.sequence)},
                {u"at"_s, QString::fromLatin1(isoTime(e.at))},
                {u"operation"_s, e.operation},
                {u"transaction_id"_s, double(e.transactionId)},
                // Exact text: the admin API is read by tools that must not round.
                {u"amount"_s, QString::fromLatin1(decimalFixed(e.amount, 2))},
                {u"amount_minor"_s, double(e.amount)},
                {u"currency"_s, u"USD"_s},
                {u"invoice_id"_s, e.invoiceId},
                {u"batch_number"_s, double(e.batchNumber)},
            });
        }
        return json(200, QJsonObject{{u"entries"_s, entries}});
    }
    if (path == "/__admin/stats") {
        if (m == "DELETE") {
            m_sandbox->resetStats();
            return json(200, QJsonObject{{u"reset"_s, true}});
        }
        if (m != "GET")
            return bad(405, u"use GET or DELETE"_s);
        const SandboxStats s = m_sandbox->stats();
        QJsonObject requests;
        for (auto it = s.requests.cbegin(); it != s.requests.cend(); ++it)
            requests.insert(it.key(), double(it.value()));
        return json(200, QJsonObject{{u"requests"_s, requests},
                                     {u"total_requests"_s, double(s.totalRequests)},
                                     {u"served_429"_s, double(s.served429)},
                                     {u"rate_limited"_s, QJsonObject{{u"paytrace"_s, double(s.rateLimitedPayTrace)},
                                                                     {u"magento"_s, double(s.rateLimitedMagento)}}},
                                     {u"faults_injected"_s, double(s.faultsInjected)}});
    }
    if (path == "/__admin/credentials") {
        if (m != "GET")
            return bad(405, u"use GET"_s);
        QJsonObject o;
        for (const auto &[k, v] : m_sandbox->credentials())
            o.insert(k, v);
        return json(200, o);
    }
    if (path == "/__admin/paytrace/e2ee_public_key") {
        if (m != "GET")
            return bad(405, u"use GET"_s);
        HttpResponse r;
        r.body = m_sandbox->paytrace().e2eePublicKeyPem();
        r.setHeader(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/x-pem-file"));
        return r;
    }
    if (path == "/__admin/settlement-report") {
        // The processor's settlement report of the batches closed on the given Pacific dates;
        // with "plant": true, one problem of every reconciliation class is planted (in the report
        // and in Magento orders) and listed. POST: planting changes the simulated world.
        if (m != "POST")
            return bad(405, u"use POST"_s);
        const QJsonObject body = QJsonDocument::fromJson(request.body).object();
        SettlementReportOptions o;
        o.from = QDate::fromString(body.value(u"from"_s).toString(), Qt::ISODate);
        o.to = QDate::fromString(body.value(u"to"_s).toString(), Qt::ISODate);
        o.plant = body.value(u"plant"_s).toBool(false);
        if (!o.from.isValid() || !o.to.isValid() || o.to < o.from)
            return bad(400, u"expected {\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\", \"plant\": bool}"_s);
        const SettlementReport r = makeSettlementReport(m_sandbox->paytrace(), m_sandbox->magento(), o);
        QJsonArray planted;
        for (const PlantedDiscrepancy &p : r.planted)
            planted.append(QJsonObject{{u"class"_s, p.className}, {u"transaction_id"_s, p.transactionId},
                                       {u"increment_id"_s, p.incrementId}, {u"what"_s, p.what}});
        return json(200, QJsonObject{{u"csv"_s, QString::fromLatin1(r.csv)},
                                     {u"planted"_s, planted},
                                     {u"batches"_s, r.batches},
                                     {u"settled_sales"_s, QString::fromLatin1(decimalFixed(r.settledSales, 2))},
                                     {u"settled_refunds"_s, QString::fromLatin1(decimalFixed(r.settledRefunds, 2))},
                                     {u"fees"_s, QString::fromLatin1(decimalFixed(r.fees, 2))}});
    }
    if (path == "/__admin/paytrace/settle") {
        if (m != "POST")
            return bad(405, u"use POST"_s);
        const auto batch = m_sandbox->paytrace().settleNow();
        if (!batch)
            return json(200, QJsonObject{{u"closed"_s, false}});
        return json(200, QJsonObject{{u"closed"_s, true},
                                     {u"batch_number"_s, double(batch->number)},
                                     {u"transaction_count"_s, double(batch->transactionIds.size())},
                                     {u"net_amount"_s, QString::fromLatin1(decimalFixed(batch->netAmount(), 2))}});
    }
    if (path == "/__admin/paytrace/transaction-overrides")
        return paytraceOverrides(request);
    if (path == "/__admin/paytrace/config")
        return paytraceConfig(request);
    if (path == "/__admin/checkout")
        return checkout(request);
    if (path == "/__admin/magento/config")
        return magentoConfig(request);
    if (path == "/__admin/magento/documents")
        return magentoDocuments(request);
    if (path == "/__admin/magento/order-overrides")
        return magentoOrderOverrides(request);
    if (path == "/__admin/customer-attribute")
        return customerAttribute(request);
    if (path.startsWith("/__admin/magento/customers/"))
        return magentoCustomer(request, QByteArrayView(path).sliced(27));
    if (path == "/__admin/vault" || path.startsWith("/__admin/vault/"))
        return vault(request, QByteArrayView(path).sliced(14));
    return bad(404, u"unknown admin endpoint"_s);
}

HttpResponse AdminApi::clock(const HttpRequest &request)
{
    SandboxClock &clock = m_sandbox->clock();
    if (request.method == "GET")
        return json(200, clockJson(clock));
    if (request.method != "POST")
        return bad(405, u"use GET or POST"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    const QJsonObject o = doc.object();
    if (!doc.isObject() || o.size() != 1 || (!o.contains(u"advance_seconds"_s) && !o.contains(u"set"_s)))
        return bad(400, u"send exactly one of {\"advance_seconds\":N} or {\"set\":\"ISO 8601 time\"}"_s);
    if (o.contains(u"advance_seconds"_s)) {
        const QJsonValue v = o.value(u"advance_seconds"_s);
        const double d = v.toDouble();
        if (!v.isDouble() || d != std::floor(d) || std::fabs(d) > 100.0 * 365 * 86400)
            return bad(400, u"\"advance_seconds\" must be an integer number of seconds (up to 100 years)"_s);
        clock.advanceSeconds(qint64(d));
    } else {
        qint64 when = 0;
        if (!o.value(u"set"_s).isString() || !parseIsoTime(o.value(u"set"_s).toString(), &when))
            return bad(400, u"\"set\" must be an ISO 8601 date-time such as 2025-03-01T12:00:00Z"_s);
        clock.setNow(QDateTime::fromSecsSinceEpoch(when, Qt::UTC));
    }
    return json(200, clockJson(clock));
}

HttpResponse AdminApi::faults(const HttpRequest &request, QByteArrayView rest)
{
    FaultInjector &faults = m_sandbox->faults();
    const auto list = [&] {
        QJsonArray rules;
        for (const FaultRule &r : faults.rules())
            rules.append(r.toJson());
        return json(200, QJsonObject{{u"rules"_s, rules}});
    };
    if (!rest.isEmpty()) {
        // /__admin/faults/<id>
        if (request.method != "DELETE")
            return bad(405, u"use DELETE on a single rule"_s);
        const QString id = QString::fromUtf8(QByteArray::fromPercentEncoding(rest.sliced(1).toByteArray()));
        if (!faults.remove(id))
            return bad(404, u"no fault rule with id \"%1\""_s.arg(id));
        return list();
    }
    if (request.method == "GET")
        return list();
    if (request.method == "DELETE") {
        faults.clear();
        return list();
    }
    if (request.method != "POST")
        return bad(405, u"use GET, POST or DELETE"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    QJsonArray input;
    if (doc.isArray())
        input = doc.array();
    else if (doc.isObject() && doc.object().contains(u"rules"_s))
        input = doc.object().value(u"rules"_s).toArray();
    else if (doc.isObject())
        input.append(doc.object());
    else
        return bad(400, u"send a rule object, an array of rules or {\"rules\":[…]}"_s);
    QList<FaultRule> parsed;
    for (qsizetype i = 0; i < input.size(); ++i) {
        if (!input[i].isObject())
            return bad(400, u"rule %1 is not an object"_s.arg(i));
        QString message;
        const auto rule = FaultRule::fromJson(input[i].toObject(), &message);
        if (!rule)
            return bad(400, u"rule %1: %2"_s.arg(i).arg(message));
        parsed.append(*rule);
    }
    QJsonArray ids;
    for (const FaultRule &r : std::as_const(parsed))
        ids.append(faults.add(r));
    QJsonArray rules;
    for (const FaultRule &r : faults.rules())
        rules.append(r.toJson());
    return json(200, QJsonObject{{u"added"_s, ids}, {u"rules"_s, rules}});
}

HttpResponse AdminApi::limits(const HttpRequest &request)
{
    const auto current = [&] {
        return json(200, QJsonObject{{u"paytrace"_s, m_sandbox->paytraceRateLimiter().config().toJson()},
                                     {u"magento"_s, m_sandbox->magentoRateLimiter().config().toJson()}});
    };
    if (request.method == "GET")
        return current();
    if (request.method != "POST")
        return bad(405, u"use GET or POST"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    if (!doc.isObject())
        return bad(400, u"send {\"paytrace\":{\"rate\":R,\"burst\":B},\"magento\":{…}}"_s);
    const QJsonObject o = doc.object();
    std::optional<RateLimit> paytrace, magento;
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != u"paytrace" && it.key() != u"magento")
            return bad(400, u"unknown API \"%1\" (paytrace or magento)"_s.arg(it.key()));
        if (!it.value().isObject())
            return bad(400, u"\"%1\" must be an object"_s.arg(it.key()));
        QString message;
        const auto limit = RateLimit::fromJson(it.value().toObject(), &message);
        if (!limit)
            return bad(400, u"%1: %2"_s.arg(it.key(), message));
        (it.key() == u"paytrace" ? paytrace : magento) = limit;
    }
    if (paytrace)
        m_sandbox->paytraceRateLimiter().configure(*paytrace);
    if (magento)
        m_sandbox->magentoRateLimiter().configure(*magento);
    return current();
}

HttpResponse AdminApi::paytraceConfig(const HttpRequest &request)
{
    // The account settings a merchant changes in the PayTrace portal.
    PayTraceSimulator &paytrace = m_sandbox->paytrace();
    if (request.method == "POST") {
        QJsonDocument doc;
        HttpResponse error;
        if (!parseBody(request, &doc, &error))
            return error;
        const QJsonObject o = doc.object();
        for (auto it = o.begin(); it != o.end(); ++it) {
            if (it.key() == u"duplicate_window_minutes") {
                const double minutes = it.value().toDouble(-1);
                if (!it.value().isDouble() || minutes < 0 || minutes > 999 || minutes != std::floor(minutes))
                    return bad(400, u"duplicate_window_minutes must be a whole number from 0 to 999"_s);
            } else if (it.key() == u"limited_user_denied") {
                if (!it.value().isArray())
                    return bad(400, u"limited_user_denied must be an array of groups (%1)"_s
                                        .arg(PayTraceSimulator::permissionGroups().join(u", ")));
                for (const QJsonValue &v : it.value().toArray()) {
                    if (!PayTraceSimulator::permissionGroups().contains(v.toString()))
                        return bad(400, u"limited_user_denied: unknown group \"%1\" (%2)"_s
                                            .arg(v.toString(), PayTraceSimulator::permissionGroups().join(u", ")));
                }
            } else {
                return bad(400, u"unknown setting \"%1\" (duplicate_window_minutes, limited_user_denied)"_s.arg(it.key()));
            }
        }
        if (o.contains(u"duplicate_window_minutes"_s))
            paytrace.setDuplicateWindowSeconds(qint64(o.value(u"duplicate_window_minutes"_s).toDouble()) * 60);
        if (o.contains(u"limited_user_denied"_s)) {
            QStringList groups;
            for (const QJsonValue &v : o.value(u"limited_user_denied"_s).toArray())
                groups.append(v.toString());
            paytrace.setLimitedUserDenied(groups);
        }
    } else if (request.method != "GET") {
        return bad(405, u"use GET or POST"_s);
    }
    const PayTraceSimulator::LimitedUser limited = paytrace.limitedUser();
    return json(200, QJsonObject{{u"duplicate_window_minutes"_s, double(paytrace.duplicateWindowSeconds() / 60)},
                                 {u"limited_user"_s, QJsonObject{{u"username"_s, limited.username},
                                                                 {u"password"_s, limited.password},
                                                                 {u"denied"_s, QJsonArray::fromStringList(limited.denied)}}}});
}

HttpResponse AdminApi::checkout(const HttpRequest &request)
{
    if (request.method != "POST")
        return bad(405, u"use POST"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    if (!doc.isObject())
        return bad(400, u"send {\"payment\":\"paytrace\",\"action\":\"sale\"|\"authorization\",\"amount\":\"12.34\",\"currency\":\"USD\"}"_s);
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != u"payment" && it.key() != u"action" && it.key() != u"amount" && it.key() != u"currency")
            return bad(400, u"unknown field \"%1\" (payment, action, amount, currency)"_s.arg(it.key()));
    }
    LiveStore::Checkout c;
    const QJsonValue payment = o.value(u"payment"_s);
    if (!payment.isUndefined() && payment.toString() != u"paytrace")
        return bad(400, u"\"payment\" must be \"paytrace\" (the only online method the sandbox store has)"_s);
    const QJsonValue action = o.value(u"action"_s);
    if (!action.isString() || (action.toString() != u"sale" && action.toString() != u"authorization"))
        return bad(400, u"\"action\" must be \"sale\" or \"authorization\""_s);
    c.action = action.toString();
    const QJsonValue amount = o.value(u"amount"_s);
    if (!amount.isUndefined()) {
        // Exact decimal text only: money never passes through a double.
        qint64 cents = 0;
        if (!amount.isString() || !parseDecimal(amount.toString().toLatin1(), 2, &cents) || cents <= 0
            || cents > 99999999)
            return bad(400, u"\"amount\" must be a string such as \"12.34\": positive, at most 2 decimals, below 1000000"_s);
        c.amount = cents;
    }
    const QJsonValue currency = o.value(u"currency"_s);
    if (!currency.isUndefined() && currency.toString() != u"USD")
        return bad(400, u"\"currency\" must be \"USD\" (PayTrace takes US dollars only)"_s);
    const LiveStore::Placed placed = m_sandbox->live().checkout(c);
    return json(200, QJsonObject{{u"increment_id"_s, placed.incrementId},
                                 {u"entity_id"_s, double(placed.entityId)},
                                 {u"transaction_id"_s, QString::number(placed.transactionId)},
                                 {u"approved"_s, placed.approved}});
}

HttpResponse AdminApi::paytraceOverrides(const HttpRequest &request)
{
    PayTraceSimulator &paytrace = m_sandbox->paytrace();
    const auto current = [&] {
        QJsonArray list;
        const auto all = paytrace.transactionOverrides();
        QList<qint64> ids = all.keys();
        std::sort(ids.begin(), ids.end());
        for (qint64 id : std::as_const(ids))
            list.append(QJsonObject{{u"transaction_id"_s, QString::number(id)}, {u"fields"_s, all.value(id)}});
        return json(200, QJsonObject{{u"overrides"_s, list}});
    };
    if (request.method == "GET")
        return current();
    if (request.method == "DELETE") {
        paytrace.clearTransactionOverrides();
        return current();
    }
    if (request.method != "POST")
        return bad(405, u"use GET, POST or DELETE"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    if (!doc.isObject())
        return bad(400, u"send {\"transaction_id\":\"123\",\"fields\":{…} | null}"_s);
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != u"transaction_id" && it.key() != u"fields")
            return bad(400, u"unknown key \"%1\" (transaction_id, fields)"_s.arg(it.key()));
    }
    // The id as PayTrace sends it: a number or a string of digits.
    const QJsonValue idValue = o.value(u"transaction_id"_s);
    qint64 id = 0;
    if (idValue.isString()) {
        bool ok = false;
        id = idValue.toString().toLongLong(&ok);
        if (!ok || id < 1 || idValue.toString() != QString::number(id))
            id = 0;
    } else if (idValue.isDouble() && idValue.toDouble() >= 1 && idValue.toDouble() <= 9e15
               && idValue.toDouble() == std::floor(idValue.toDouble())) {
        id = qint64(idValue.toDouble());
    }
    if (id == 0)
        return bad(400, u"\"transaction_id\" must be a positive whole number or a string of its digits"_s);
    const QJsonValue fields = o.value(u"fields"_s);
    if (fields.isUndefined() || (!fields.isNull() && !fields.isObject()))
        return bad(400, u"\"fields\" must be an object of record fields and their JSON values, or null to remove"_s);
    paytrace.setTransactionOverride(id, fields.isNull() ? std::nullopt : std::optional<QJsonObject>(fields.toObject()));
    QJsonObject answer{{u"transaction_id"_s, QString::number(id)},
                       {u"known"_s, paytrace.transaction(id).has_value()},
                       {u"fields"_s, fields}};
    return json(200, answer);
}

HttpResponse AdminApi::magentoConfig(const HttpRequest &request)
{
    MagentoSimulator &magento = m_sandbox->magento();
    const auto current = [&] {
        return json(200, QJsonObject{{u"bearer_enabled"_s, magento.bearerEnabled()},
                                     {u"input_limits"_s, magento.inputLimits()},
                                     {u"acl_resources"_s, QJsonArray::fromStringList(magento.grantedResources())}});
    };
    if (request.method == "GET")
        return current();
    if (request.method != "POST")
        return bad(405, u"use GET or POST"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    if (!doc.isObject())
        return bad(400, u"send an object such as {\"bearer_enabled\":true}"_s);
    const QJsonObject o = doc.object();
    QStringList acl;
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() == u"acl_resources") {
            if (it.value().isNull())
                continue;
            if (!it.value().isArray())
                return bad(400, u"\"acl_resources\" must be an array of ACL resource ids or null (the default grant)"_s);
            for (const QJsonValue &v : it.value().toArray()) {
                if (!v.isString() || !v.toString().contains(u"::"_s))
                    return bad(400, u"\"acl_resources\" entries must be resource ids such as \"Magento_Sales::invoice\""_s);
                acl.append(v.toString());
            }
            continue;
        }
        if ((it.key() != u"bearer_enabled" && it.key() != u"input_limits") || !it.value().isBool())
            return bad(400, u"only \"bearer_enabled\", \"input_limits\" (booleans) and \"acl_resources\" can be set"_s);
    }
    if (o.contains(u"bearer_enabled"_s))
        magento.setBearerEnabled(o.value(u"bearer_enabled"_s).toBool());
    if (o.contains(u"input_limits"_s))
        magento.setInputLimits(o.value(u"input_limits"_s).toBool());
    if (o.contains(u"acl_resources"_s))
        magento.setGrantedResources(o.value(u"acl_resources"_s).isNull() ? MagentoSimulator::defaultGrantedResources() : acl);
    return current();
}

HttpResponse AdminApi::magentoDocuments(const HttpRequest &request)
{
    if (request.method != "GET")
        return bad(405, u"use GET"_s);
    qint64 orderFilter = 0;
    for (const auto &[key, value] : parseFormEncoded(request.query)) {
        if (key != "order_id")
            return bad(400, u"the only filter is order_id"_s);
        bool ok = false;
        orderFilter = value.toLongLong(&ok);
        if (!ok || orderFilter <= 0)
            return bad(400, u"order_id must be a positive integer"_s);
    }
    QJsonArray documents;
    for (const MagentoDocument &d : m_sandbox->magento().documents()) {
        if (orderFilter && d.orderId != orderFilter)
            continue;
        QJsonObject o{
            {u"sequence"_s, double(d.sequence)},
            {u"at"_s, QString::fromLatin1(isoTime(d.at))},
            {u"kind"_s, d.kind},
            {u"order_id"_s, double(d.orderId)},
            {u"order_increment_id"_s, d.orderIncrementId},
            {u"entity_id"_s, double(d.entityId)},
            {u"state_after"_s, d.stateAfter},
            {u"status_after"_s, d.statusAfter},
        };
        if (d.kind == u"invoice" || d.kind == u"creditmemo" || d.kind == u"cancel") {
            // Exact text, as in the PayTrace ledger.
            o.insert(u"amount"_s, QString::fromLatin1(decimalFixed(d.amount, d.exponent)));
            o.insert(u"amount_minor"_s, double(d.amount));
            o.insert(u"currency"_s, d.currency);
        }
        if (d.kind == u"invoice") {
            o.insert(u"capture_requested"_s, d.captureRequested);
            o.insert(u"captured_online_by_magento"_s, d.capturedOnlineByMagento);
        }
        if (d.kind == u"creditmemo")
            o.insert(u"refunded_online_by_magento"_s, d.refundedOnline);
        if (d.kind == u"cancel")
            o.insert(u"voided_online_by_magento"_s, d.voidedOnlineByMagento);
        if (!d.comment.isEmpty())
            o.insert(u"comment"_s, d.comment);
        documents.append(o);
    }
    return json(200, QJsonObject{{u"documents"_s, documents}});
}

HttpResponse AdminApi::magentoOrderOverrides(const HttpRequest &request)
{
    if (request.method != "POST")
        return bad(405, u"use POST"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    const QByteArrayView usage = "send {\"entity_id\":N,\"fields\":{\"grand_total\":\"12.34\"}|null,\"touch\":true}";
    if (!doc.isObject())
        return bad(400, QString::fromLatin1(usage));
    const QJsonObject o = doc.object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() != u"entity_id" && it.key() != u"fields" && it.key() != u"touch")
            return bad(400, u"unknown key \"%1\": %2"_s.arg(it.key(), QString::fromLatin1(usage)));
    }
    const double id = o.value(u"entity_id"_s).toDouble(-1);
    if (!o.value(u"entity_id"_s).isDouble() || id <= 0 || id != std::floor(id))
        return bad(400, u"entity_id must be a positive integer"_s);
    if (!o.contains(u"fields"_s) || !(o.value(u"fields"_s).isObject() || o.value(u"fields"_s).isNull()))
        return bad(400, u"fields must be an object or null (no overrides)"_s);
    if (o.contains(u"touch"_s) && !o.value(u"touch"_s).isBool())
        return bad(400, u"touch must be a boolean"_s);
    const bool touch = o.value(u"touch"_s).toBool(true);
    // The values' exact texts, taken from the body itself so numbers are not rounded.
    QList<std::pair<QByteArray, QByteArray>> top, fields;
    splitJsonObject(request.body, &top);
    for (const auto &[key, value] : top) {
        if (key == "fields" && value != "null")
            splitJsonObject(value, &fields);
    }
    MagentoSimulator &magento = m_sandbox->magento();
    if (!magento.setOrderOverrides(qint64(id), fields, touch))
        return bad(404, u"no order with entity_id %1"_s.arg(qint64(id)));
    const auto order = magento.order(qint64(id));
    QJsonObject echoed;
    for (const auto &[key, value] : fields)
        echoed.insert(QString::fromUtf8(key), QJsonDocument::fromJson("[" + value + "]").array().at(0));
    return json(200, QJsonObject{{u"entity_id"_s, double(id)},
                                 {u"fields"_s, fields.isEmpty() ? QJsonValue() : QJsonValue(echoed)},
                                 {u"updated_at"_s, QString::fromLatin1(magentoTime(order->updatedAt))}});
}

HttpResponse AdminApi::customerAttribute(const HttpRequest &request)
{
    MagentoSimulator &magento = m_sandbox->magento();
    const auto list = [&] {
        QJsonArray codes;
        for (const QString &code : magento.customerAttributeCodes())
            codes.append(code);
        return json(200, QJsonObject{{u"attributes"_s, codes}});
    };
    if (request.method == "GET")
        return list();
    if (request.method != "POST" && request.method != "DELETE")
        return bad(405, u"use GET, POST or DELETE"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    const QString code = doc.object().value(u"code"_s).toString();
    static const QRegularExpression valid(u"^[a-z][a-z0-9_]{0,59}$"_s);
    if (!valid.match(code).hasMatch())
        return bad(400, u"send {\"code\":\"attribute_code\"} (lower case letters, digits, _)"_s);
    magento.setCustomerAttributeDefined(code, request.method == "POST");
    return list();
}

HttpResponse AdminApi::magentoCustomer(const HttpRequest &request, QByteArrayView rest)
{
    MagentoSimulator &magento = m_sandbox->magento();
    const qsizetype slash = rest.indexOf('/');
    const QByteArrayView idText = slash < 0 ? rest : rest.first(slash);
    const QByteArrayView action = slash < 0 ? QByteArrayView() : rest.sliced(slash + 1);
    bool ok = false;
    const qint64 id = idText.toByteArray().toLongLong(&ok);
    if (!ok || id <= 0 || (!action.isEmpty() && action != "anonymise"))
        return bad(404, u"use /__admin/magento/customers/<id> or /__admin/magento/customers/<id>/anonymise"_s);
    std::optional<MagentoCustomer> found = magento.customer(id);
    if (!found)
        return bad(404, u"no customer with id %1"_s.arg(id));
    MagentoCustomer c = *found;
    if (action == "anonymise") {
        if (request.method != "POST")
            return bad(405, u"use POST"_s);
        const QByteArray digest = QCryptographicHash::hash(QString(QString::number(id) + u':' + c.email).toUtf8(),
                                                           QCryptographicHash::Sha1).toHex();
        c.email = u"anonymous-"_s + QString::fromLatin1(digest.left(12)) + u"@anonymized.invalid"_s;
        c.firstname = u"Anonymous"_s;
        c.lastname = u"Anonymous"_s;
        c.middlename.clear();
        c.prefix.clear();
        c.suffix.clear();
        c.dob.clear();
        c.taxvat.clear();
        c.gender = -1;
        for (MagentoAddress &a : c.addresses) {
            a.firstname = u"Anonymous"_s;
            a.lastname = u"Anonymous"_s;
            a.street = QStringList{u"Anonymous"_s};
            a.city = u"Anonymous"_s;
            a.postcode = u"00000"_s;
            a.telephone = u"0000000000"_s;
            a.company.clear();
            a.email.clear();
        }
        magento.adminUpdateCustomer(c);
        return customerResponse(*magento.customer(id));
    }
    if (request.method == "GET")
        return customerResponse(c);
    if (request.method == "DELETE") {
        magento.adminDeleteCustomer(id);
        return json(200, QJsonObject{{u"deleted"_s, double(id)}});
    }
    if (request.method != "POST")
        return bad(405, u"use GET, POST or DELETE"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    if (!doc.isObject())
        return bad(400, u"send an object of fields to change"_s);
    const QJsonObject o = doc.object();
    QString message;
    for (auto it = o.begin(); it != o.end(); ++it) {
        static const QStringList known{u"firstname"_s, u"lastname"_s, u"email"_s, u"telephone"_s, u"billing"_s, u"attribute"_s};
        if (!known.contains(it.key()))
            return bad(400, u"unknown key \"%1\" (firstname, lastname, email, telephone, billing, attribute)"_s.arg(it.key()));
    }
    if (!stringMember(o, u"firstname"_s, &c.firstname, &message) || !stringMember(o, u"lastname"_s, &c.lastname, &message)
        || !stringMember(o, u"email"_s, &c.email, &message))
        return bad(400, message);
    // The default billing address (created when the customer has none).
    MagentoAddress *billing = nullptr;
    for (MagentoAddress &a : c.addresses) {
        if (a.entityId == c.defaultBilling)
            billing = &a;
    }
    if ((o.contains(u"telephone"_s) || o.contains(u"billing"_s)) && !billing) {
        MagentoAddress a;
        a.entityId = c.id * 1000 + c.addresses.size() + 1; // outside the seeded ids (= customer ids)
        a.parentId = c.id;
        a.firstname = c.firstname;
        a.lastname = c.lastname;
        c.addresses.append(a);
        c.defaultBilling = a.entityId;
        if (!c.defaultShipping)
            c.defaultShipping = a.entityId;
        billing = &c.addresses.last();
    }
    if (!stringMember(o, u"telephone"_s, billing ? &billing->telephone : &message, &message))
        return bad(400, message);
    if (o.contains(u"billing"_s)) {
        const QJsonObject b = o.value(u"billing"_s).toObject();
        if (!o.value(u"billing"_s).isObject())
            return bad(400, u"\"billing\" must be an object"_s);
        if (b.contains(u"street"_s)) {
            if (!b.value(u"street"_s).isArray())
                return bad(400, u"\"billing.street\" must be a list of lines"_s);
            billing->street.clear();
            for (const QJsonValue &line : b.value(u"street"_s).toArray())
                billing->street.append(line.toString());
        }
        for (const auto &[key, target] : {std::pair{u"firstname"_s, &billing->firstname}, std::pair{u"lastname"_s, &billing->lastname},
                                          std::pair{u"city"_s, &billing->city}, std::pair{u"region"_s, &billing->region},
                                          std::pair{u"region_code"_s, &billing->regionCode}, std::pair{u"postcode"_s, &billing->postcode},
                                          std::pair{u"country_id"_s, &billing->countryId}, std::pair{u"telephone"_s, &billing->telephone}}) {
            if (!stringMember(b, key, target, &message))
                return bad(400, u"billing: "_s + message);
        }
        if (b.contains(u"region_id"_s))
            billing->regionId = b.value(u"region_id"_s).toInt();
    }
    if (o.contains(u"attribute"_s)) {
        const QJsonObject a = o.value(u"attribute"_s).toObject();
        const QString code = a.value(u"code"_s).toString();
        if (code.isEmpty() || !(a.value(u"value"_s).isString() || a.value(u"value"_s).isNull()))
            return bad(400, u"\"attribute\" must be {\"code\":\"…\",\"value\":\"…\"|null}"_s);
        if (!magento.customerAttributeDefined(code))
            return bad(400, u"the store has no customer attribute \"%1\" (POST /__admin/customer-attribute)"_s.arg(code));
        c.customAttributes.removeIf([&](const std::pair<QString, QString> &p) { return p.first == code; });
        if (!a.value(u"value"_s).toString().isEmpty())
            c.customAttributes.append({code, a.value(u"value"_s).toString()});
    }
    magento.adminUpdateCustomer(c);
    return customerResponse(*magento.customer(id));
}

HttpResponse AdminApi::vault(const HttpRequest &request, QByteArrayView rest)
{
    PayTraceSimulator &paytrace = m_sandbox->paytrace();
    if (rest.isEmpty()) {
        if (request.method != "GET")
            return bad(405, u"use GET"_s);
        QJsonArray list;
        for (const PayTraceCustomer &c : paytrace.customers())
            list.append(vaultJson(c));
        return json(200, QJsonObject{{u"customers"_s, list}});
    }
    const QString id = QString::fromUtf8(QByteArray::fromPercentEncoding(rest.sliced(1).toByteArray()));
    PayTraceCustomer c;
    bool found = false;
    for (const PayTraceCustomer &each : paytrace.customers()) {
        if (each.customerId == id) {
            c = each;
            found = true;
        }
    }
    if (!found)
        return bad(404, u"no vault profile \"%1\""_s.arg(id));
    if (request.method == "GET")
        return json(200, vaultJson(c));
    if (request.method != "POST")
        return bad(405, u"use GET or POST"_s);
    QJsonDocument doc;
    HttpResponse error;
    if (!parseBody(request, &doc, &error))
        return error;
    const QJsonObject o = doc.object();
    QString message;
    for (auto it = o.begin(); it != o.end(); ++it) {
        static const QStringList known{u"email"_s, u"phone"_s, u"billing_address"_s, u"expiration_month"_s,
                                       u"expiration_year"_s, u"last4"_s, u"brand"_s};
        if (!known.contains(it.key()))
            return bad(400, u"unknown key \"%1\" (%2)"_s.arg(it.key(), known.join(u", "_s)));
    }
    if (!stringMember(o, u"email"_s, &c.email, &message) || !stringMember(o, u"phone"_s, &c.phone, &message)
        || !stringMember(o, u"brand"_s, &c.card.brand, &message) || !stringMember(o, u"last4"_s, &c.card.last4, &message))
        return bad(400, message);
    if (c.card.last4.size() != 4)
        return bad(400, u"\"last4\" must be four digits"_s);
    if (o.contains(u"expiration_month"_s)) {
        const int m = o.value(u"expiration_month"_s).toInt();
        if (m < 1 || m > 12)
            return bad(400, u"\"expiration_month\" must be 1 to 12"_s);
        c.card.expirationMonth = m;
    }
    if (o.contains(u"expiration_year"_s)) {
        const int y = o.value(u"expiration_year"_s).toInt();
        if (y < 2000 || y > 2099)
            return bad(400, u"\"expiration_year\" must be four digits (2000 to 2099)"_s);
        c.card.expirationYear = y;
    }
    if (o.contains(u"billing_address"_s)) {
        const QJsonObject b = o.value(u"billing_address"_s).toObject();
        for (const auto &[key, target] : {std::pair{u"name"_s, &c.billing.name}, std::pair{u"street_address"_s, &c.billing.streetAddress},
                                          std::pair{u"street_address2"_s, &c.billing.streetAddress2}, std::pair{u"city"_s, &c.billing.city},
                                          std::pair{u"state"_s, &c.billing.state}, std::pair{u"zip"_s, &c.billing.zip},
                                          std::pair{u"country"_s, &c.billing.country}}) {
            if (!stringMember(b, key, target, &message))
                return bad(400, u"billing_address: "_s + message);
        }
    }
    paytrace.adminUpdateCustomer(c);
    return json(200, vaultJson(c));
}

} // namespace pb::sandbox
