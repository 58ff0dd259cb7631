#include "paytrace/paytraceclient.h"

#include "net/httptransport.h"
#include "net/netlog.h"
#include "net/readgate.h"
#include "paytrace/parser.h"
#include "paytrace/tokenmanager.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>

#include <memory>

using namespace Qt::StringLiterals;

namespace pb::paytrace {

PayTraceClient::PayTraceClient(net::HttpTransport *transport, PayTraceConfig config, QObject *parent)
    : QObject(parent)
    , m_transport(transport)
    , m_config(std::move(config))
    , m_tokens(new TokenManager(transport, m_config.baseUrl, m_config.username, m_config.password, this))
{
    m_tokens->setTimeoutMs(m_config.timeoutMs);
}

void PayTraceClient::ping(QObject *context, OutcomeCallback callback)
{
    net::HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = appendPath(m_config.baseUrl, u"/v1/ping");
    req.timeoutMs = m_config.timeoutMs;
    req.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    QPointer<QObject> ctx(context);
    const bool hadContext = context != nullptr;
    m_transport->send(req, QByteArrayLiteral("{}"), this,
                      [ctx, hadContext, callback = std::move(callback)](const net::HttpResponse &http) {
                          if (hadContext && !ctx)
                              return;
                          callback(Parser::outcomeFor(http));
                      });
}

void PayTraceClient::call(const QString &path, QJsonObject body, net::Effect effect, QObject *context,
                          OutcomeCallback callback)
{
    if (!m_config.integratorId.isEmpty() && !body.contains("integrator_id"_L1))
        body.insert("integrator_id"_L1, m_config.integratorId);
    send(path, body, effect, context, std::move(callback), false);
}

void PayTraceClient::send(const QString &path, const QJsonObject &body, net::Effect effect,
                          QObject *context, OutcomeCallback callback, bool reauthorised)
{
    QPointer<QObject> ctx(context);
    const bool hadContext = context != nullptr;
    auto alive = [ctx, hadContext]() { return !hadContext || ctx; };

    m_tokens->withToken(this, [=, this](const QString &token, const Outcome &failure) {
        if (!alive())
            return;
        if (token.isEmpty()) {
            callback(failure);
            return;
        }
        net::HttpRequest req;
        req.method = QByteArrayLiteral("POST");
        req.url = appendPath(m_config.baseUrl, path);
        req.timeoutMs = m_config.timeoutMs;
        req.effect = effect;
        req.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")},
                       {QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")},
                       {QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + token.toUtf8()}};
        const QByteArray payload = QJsonDocument(body).toJson(QJsonDocument::Compact);
        m_transport->send(req, payload, this, [=, this](const net::HttpResponse &http) {
            if (!alive())
                return;
            const Outcome out = Parser::outcomeFor(http);
            const bool tokenRefused = out.kind == Outcome::Kind::AuthFailure
                && (http.status == 401 || out.error.code == u"paytrace.oauth.invalid_token");
            if (tokenRefused && !reauthorised) {
                // Tokens end early when PayTrace restarts or its clock differs from ours; one
                // new grant and one repeat. A refused request was not executed, so a write
                // may be repeated too.
                m_tokens->invalidate(token);
                send(path, body, effect, context, callback, true);
                return;
            }
            qCInfo(net::lcPayTrace).noquote() << path << out.summary() << "id" << out.requestId;
            callback(out);
        });
    });
}

struct ExportRun
{
    QDate day;
    QDate to;
    ExportFilters filters;
    QPointer<QObject> context;
    bool hadContext = false;
    std::function<void(const ExportDay &)> perDay;
    PayTraceClient::OutcomeCallback done;
    bool alive() const { return !hadContext || context; }
};

void PayTraceClient::exportTransactionsByDateRange(QDate from, QDate to, const ExportFilters &filters,
                                                   QObject *context,
                                                   std::function<void(const ExportDay &)> perDay,
                                                   OutcomeCallback done)
{
    if (!from.isValid() || !to.isValid() || from > to || from.daysTo(to) > 365) {
        Outcome bad;
        bad.kind = Outcome::Kind::ValidationError;
        bad.error = makeError(QStringLiteral("paytrace.export_range"), QStringLiteral("date range"),
                              QStringLiteral("export range %1 to %2 must be valid, ordered and at most 366 days")
                                  .arg(from.toString(Qt::ISODate), to.toString(Qt::ISODate)));
        done(bad);
        return;
    }
    auto *run = new ExportRun{from, to, filters, context, context != nullptr, std::move(perDay), std::move(done)};
    exportNextDay(run);
}

void PayTraceClient::exportNextDay(ExportRun *run)
{
    std::unique_ptr<ExportRun> owned(run);
    if (!run->alive())
        return;
    if (run->day > run->to) {
        Outcome ok;
        ok.kind = Outcome::Kind::Approved;
        run->done(ok);
        return;
    }
    const QString date = run->day.toString(u"MM/dd/yyyy");
    QJsonObject body{{"start_date"_L1, date}, {"end_date"_L1, date}};
    if (!run->filters.transactionType.isEmpty())
        body.insert("transaction_type"_L1, run->filters.transactionType);
    if (!run->filters.customerId.isEmpty())
        body.insert("customer_id"_L1, run->filters.customerId);
    if (!run->filters.includingText.isEmpty())
        body.insert("including_text"_L1, run->filters.includingText);
    if (!run->filters.transactionId.isEmpty())
        body.insert("transaction_id"_L1, run->filters.transactionId);
    if (run->filters.includeBin)
        body.insert("include_bin"_L1, true);

    // Parsed by the check, so a body that cannot be read is retried like a failed request; a
    // record that cannot be read is kept aside and the day goes on.
    auto parsed = std::make_shared<Parser::TransactionList>();
    // With the caller's context, the gate stops retrying once the caller is gone.
    read(QStringLiteral("/v1/transactions/export/by_date_range"), body, run->context.data(),
         [parsed](Outcome &out) {
             *parsed = {};
             if (!out.ok())
                 return;
             if (!out.response.raw.contains("success"_L1)) {
                 out.kind = Outcome::Kind::Transient;
                 out.error = makeError(QStringLiteral("paytrace.export_shape"), QStringLiteral("body"),
                                       QStringLiteral("export answer without \"success\""));
             } else if (auto list = Parser::parseTransactionList(out.response.raw)) {
                 *parsed = std::move(list).value();
             } else {
                 out.kind = Outcome::Kind::Transient;
                 out.error = list.error();
             }
         },
         // Shared: a read the gate drops (its owner gone) must not leak the run.
         [this, parsed, run = std::shared_ptr<ExportRun>(owned.release())](const Outcome &out) {
             if (!run->alive())
                 return;
             ExportDay day{run->day, out, {}, {}};
             if (out.ok()) {
                 day.transactions = std::move(parsed->items);
                 day.rejected = std::move(parsed->rejected);
             }
             run->perDay(day);
             if (!run->alive())
                 return;
             if (!day.outcome.ok()) {
                 run->done(day.outcome);
                 return;
             }
             run->day = run->day.addDays(1);
             exportNextDay(new ExportRun(std::move(*run)));
         });
}

void PayTraceClient::read(const QString &path, const QJsonObject &body, QObject *context,
                          std::function<void(Outcome &)> check, OutcomeCallback callback)
{
    auto checked = [check](const Outcome &answer) {
        Outcome out = answer;
        if (check)
            check(out);
        return out;
    };
    if (!m_readGate) {
        call(path, body, net::Effect::Read, context,
             [checked, callback = std::move(callback)](const Outcome &out) { callback(checked(out)); });
        return;
    }
    m_readGate->run(context, [this, path, body, context, checked, callback](const net::ReadGate::Answered &answered) {
        call(path, body, net::Effect::Read, context, [checked, callback, answered](const Outcome &answer) {
            const Outcome out = checked(answer);
            net::ReadFeedback feedback;
            feedback.errorClass = out.ok() ? net::ErrorClass::None : out.errorClass();
            feedback.retryAfterSeconds = out.retryAfterSeconds;
            if (answered(feedback))
                callback(out);
        });
    });
}

void PayTraceClient::exportById(const QString &transactionId, QObject *context, TransactionsCallback callback)
{
    QJsonObject body{{"transaction_id"_L1, transactionId}};
    call(QStringLiteral("/v1/transactions/export/by_id"), body, net::Effect::Read, context,
         [callback = std::move(callback)](const Outcome &out) {
             if (!out.ok()) {
                 callback(out, {});
                 return;
             }
             auto list = Parser::parseTransactions(out.response.raw);
             if (!list) {
                 Outcome bad = out;
                 bad.kind = Outcome::Kind::Transient;
                 bad.error = list.error();
                 callback(bad, {});
                 return;
             }
             callback(out, *list);
         });
}

void PayTraceClient::exportByIdLenient(const QString &transactionId, QObject *context,
                                       std::function<void(const Outcome &, const Parser::TransactionList &)> callback)
{
    auto parsed = std::make_shared<Parser::TransactionList>();
    read(QStringLiteral("/v1/transactions/export/by_id"), QJsonObject{{"transaction_id"_L1, transactionId}}, context,
         [parsed](Outcome &out) {
             *parsed = {};
             if (!out.ok())
                 return;
             if (auto list = Parser::parseTransactionList(out.response.raw)) {
                 *parsed = std::move(list).value();
             } else {
                 out.kind = Outcome::Kind::Transient;
                 out.error = list.error();
             }
         },
         [parsed, callback = std::move(callback)](const Outcome &out) {
             callback(out, out.ok() ? *parsed : Parser::TransactionList{});
         });
}

namespace {

Outcome refused(const Error &error)
{
    Outcome out;
    out.kind = Outcome::Kind::ValidationError;
    out.error = error;
    return out;
}

// An approved answer whose body we cannot read is not a success the caller can use; the read
// had no effect, so it is safe to retry.
Outcome unreadable(const Outcome &from, const Error &error)
{
    Outcome out = from;
    out.kind = Outcome::Kind::Transient;
    out.error = error;
    return out;
}

} // namespace

void PayTraceClient::write(const QString &path, const Result<QJsonObject> &body, QObject *context,
                           OutcomeCallback callback)
{
    if (!body) {
        qCInfo(net::lcPayTrace).noquote() << path << "refused before sending:" << body.error().toString();
        callback(refused(body.error()));
        return;
    }
    call(path, body.value(), net::Effect::Write, context, std::move(callback));
}

void PayTraceClient::saleByCustomer(const CustomerPaymentRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/sale/by_customer"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::authorizationByCustomer(const CustomerPaymentRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/authorization/by_customer"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::saleByTransaction(const TransactionPaymentRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/sale/by_transaction"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::authorizationByTransaction(const TransactionPaymentRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/authorization/by_transaction"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::saleKeyed(const KeyedPaymentRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/sale/keyed"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::authorizationKeyed(const KeyedPaymentRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/authorization/keyed"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::capture(const CaptureRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/authorization/capture"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::voidTransaction(const VoidRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/void"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::refundForTransaction(const RefundRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/refund/for_transaction"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::refundToCustomer(const CustomerRefundRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/refund/to_customer"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::emailReceipt(const EmailReceiptRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/transactions/email_receipt"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::levelThreeVisa(const LevelThreeRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/level_three/visa"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::levelThreeMastercard(const LevelThreeRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/level_three/mastercard"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::createCustomer(const CustomerCreateRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/customer/create"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::createCustomerFromTransaction(const CustomerFromTransactionRequest &r, QObject *c,
                                                   OutcomeCallback cb)
{
    write(QStringLiteral("/v1/customer/create_from_transaction"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::updateCustomer(const CustomerUpdateRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/customer/update"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::deleteCustomer(const CustomerDeleteRequest &r, QObject *c, OutcomeCallback cb)
{
    write(QStringLiteral("/v1/customer/delete"), requests::body(r), c, std::move(cb));
}

void PayTraceClient::exportCustomers(const QString &customerId, QObject *context,
                                     std::function<void(const Outcome &, const QList<CustomerProfile> &)> callback)
{
    QJsonObject body;
    if (!customerId.isEmpty())
        body.insert("customer_id"_L1, customerId);
    call(QStringLiteral("/v1/customer/export"), body, net::Effect::Read, context,
         [this, callback = std::move(callback)](const Outcome &out) {
             if (!out.ok()) {
                 callback(out, {});
                 return;
             }
             auto parsed = Parser::parseCustomerProfileList(out.response.raw);
             if (!parsed) {
                 callback(unreadable(out, parsed.error()), {});
                 return;
             }
             // A profile that does not read goes to the quarantine; the others are used.
             if (!parsed->rejected.isEmpty())
                 Q_EMIT rejected(parsed->rejected);
             callback(out, parsed->items);
         });
}

void PayTraceClient::exportBatches(QDate from, QDate to, QObject *context,
                                   std::function<void(const Outcome &, const QList<BatchSummary> &)> callback)
{
    if (!from.isValid() || !to.isValid() || from > to || from.daysTo(to) > 365) {
        callback(refused(makeError(u"paytrace.export_range"_s, u"date range"_s,
                                   u"batch range %1 to %2 must be valid, ordered and at most 366 days"_s
                                       .arg(from.toString(Qt::ISODate), to.toString(Qt::ISODate)))),
                 {});
        return;
    }
    exportBatchDays(from, to, {}, context, std::move(callback));
}

void PayTraceClient::exportBatchDays(QDate day, QDate to, QList<BatchSummary> collected, QObject *context,
                                     std::function<void(const Outcome &, const QList<BatchSummary> &)> callback)
{
    const QString date = day.toString(u"MM/dd/yyyy");
    QPointer<QObject> ctx(context);
    const bool hadContext = context != nullptr;
    auto parsed = std::make_shared<QList<BatchSummary>>();
    auto bad = std::make_shared<QList<RejectedRecord>>();
    read(QStringLiteral("/v1/batches/export"), QJsonObject{{"start_date"_L1, date}, {"end_date"_L1, date}}, context,
         [parsed, bad](Outcome &out) {
             parsed->clear();
             bad->clear();
             if (!out.ok())
                 return;
             const QJsonValue list = out.response.raw.value("batches"_L1);
             if (!list.isUndefined() && !list.isArray()) {
                 out = unreadable(out, makeError(u"paytrace.batch_export"_s, u"batches"_s, u"not a list"_s));
                 return;
             }
             const QJsonArray array = list.toArray();
             for (qsizetype i = 0; i < array.size(); ++i) {
                 const QString path = u"batches[%1]"_s.arg(i);
                 auto b = array.at(i).isObject() ? BatchSummary::fromJson(array.at(i).toObject(), path)
                                                 : Result<BatchSummary>(makeError(u"json.type"_s, path, u"not an object"_s));
                 if (!b) {
                     RejectedRecord r;
                     r.source = RejectedRecord::kPayTraceBatch;
                     r.field = b.error().field.startsWith(path + u'.') ? b.error().field.mid(path.size() + 1)
                                                                        : b.error().field;
                     r.reason = b.error().message;
                     r.raw = QJsonDocument(QJsonArray{array.at(i)}).toJson(QJsonDocument::Compact);
                     const QJsonObject o = array.at(i).toObject();
                     const QJsonValue number = o.value("batch_number"_L1).isUndefined() ? o.value("number"_L1)
                                                                                        : o.value("batch_number"_L1);
                     const QString id = number.isDouble() ? QString::number(number.toInteger())
                                                          : number.toString().left(32);
                     r.externalId = id.isEmpty() ? u'/' + path : id;
                     bad->append(r);
                     continue;
                 }
                 parsed->append(b.value());
             }
         },
         [this, day, to, collected = std::move(collected), parsed, bad, ctx, hadContext,
          callback = std::move(callback)](const Outcome &out) mutable {
             if (!out.ok()) {
                 callback(out, {});
                 return;
             }
             if (!bad->isEmpty()) {
                 // Without an id the day names the record: a batch list is read again per day.
                 for (RejectedRecord &r : *bad) {
                     if (r.externalId.startsWith(u'/'))
                         r.externalId = day.toString(Qt::ISODate) + r.externalId;
                 }
                 Q_EMIT rejected(*bad);
             }
             collected.append(*parsed);
             if (day >= to) {
                 callback(out, collected);
                 return;
             }
             if (hadContext && !ctx)
                 return;
             exportBatchDays(day.addDays(1), to, std::move(collected), ctx, std::move(callback));
         });
}

void PayTraceClient::exportBatch(const QString &batchNumber, QObject *context,
                                 std::function<void(const Outcome &, const std::optional<BatchSummary> &)> callback)
{
    QJsonObject body;
    if (!batchNumber.isEmpty())
        body.insert("batch_number"_L1, batchNumber); // batch_number, not batchNumber (§2.4)
    auto parsed = std::make_shared<std::optional<BatchSummary>>();
    read(QStringLiteral("/v1/batches/export_one"), body, context,
         [parsed](Outcome &out) {
             parsed->reset();
             if (!out.ok())
                 return;
             const QJsonValue batch = out.response.raw.value("batch"_L1);
             if (batch.isUndefined() || batch.isNull())
                 return; // no batch at all is an answer too
             auto b = BatchSummary::fromJson(batch.toObject(), u"batch"_s);
             if (!b) {
                 out = unreadable(out, b.error());
                 return;
             }
             *parsed = b.value();
         },
         [parsed, callback = std::move(callback)](const Outcome &out) {
             callback(out, out.ok() ? *parsed : std::nullopt);
         });
}

void PayTraceClient::batchTransactions(const QString &batchNumber, QObject *context, TransactionsCallback callback)
{
    if (batchNumber.isEmpty()) {
        callback(refused(makeError(u"paytrace.request.batch_number"_s, u"batch_number"_s, u"is required"_s)), {});
        return;
    }
    auto parsed = std::make_shared<QList<GatewayTransaction>>();
    read(QStringLiteral("/v1/batches/transaction_list"), QJsonObject{{"batch_number"_L1, batchNumber}}, context,
         [parsed](Outcome &out) {
             parsed->clear();
             if (!out.ok())
                 return;
             auto list = Parser::parseTransactions(out.response.raw);
             if (!list) {
                 out = unreadable(out, list.error());
                 return;
             }
             *parsed = std::move(list).value();
         },
         [parsed, callback = std::move(callback)](const Outcome &out) {
             callback(out, out.ok() ? *parsed : QList<GatewayTransaction>{});
         });
}

} // namespace pb::paytrace
