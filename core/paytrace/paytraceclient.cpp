#include "paytrace/paytraceclient.h"

#include "net/httptransport.h"
#include "net/netlog.h"
#include "paytrace/parser.h"
#include "paytrace/tokenmanager.h"

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

    call(QStringLiteral("/v1/transactions/export/by_date_range"), body, net::Effect::Read, nullptr,
         [this, run = owned.release()](const Outcome &out) {
             std::unique_ptr<ExportRun> guard(run);
             if (!run->alive())
                 return;
             ExportDay day{run->day, out, {}};
             if (out.ok()) {
                 if (!out.response.raw.contains("success"_L1)) {
                     day.outcome.kind = Outcome::Kind::Transient;
                     day.outcome.error = makeError(QStringLiteral("paytrace.export_shape"), QStringLiteral("body"),
                                                   QStringLiteral("export answer without \"success\""));
                 } else if (auto list = Parser::parseTransactions(out.response.raw)) {
                     day.transactions = std::move(list).value();
                 } else {
                     day.outcome.kind = Outcome::Kind::Transient;
                     day.outcome.error = list.error();
                 }
             }
             run->perDay(day);
             if (!run->alive())
                 return;
             if (!day.outcome.ok()) {
                 run->done(day.outcome);
                 return;
             }
             run->day = run->day.addDays(1);
             exportNextDay(guard.release());
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

} // namespace pb::paytrace
