#include "magento/magentoclient.h"

#include "net/httptransport.h"
#include "net/jsonread.h"
#include "net/netlog.h"

#include <QJsonDocument>
#include <QPointer>

using namespace Qt::StringLiterals;

namespace pb::magento {

QString Failure::summary() const
{
    QString s = net::errorClassName(errorClass) + QStringLiteral(" http ") + QString::number(httpStatus);
    if (!error.message.isEmpty())
        s += QStringLiteral(": ") + error.toString();
    if (body) {
        for (const QString &d : body->details)
            s += QStringLiteral(" [") + d + u']';
    }
    if (retryAfterSeconds >= 0)
        s += QStringLiteral(" retry after ") + QString::number(retryAfterSeconds) + QStringLiteral(" s");
    return s;
}

MagentoClient::MagentoClient(net::HttpTransport *transport, MagentoConfig config, QObject *parent)
    : QObject(parent)
    , m_transport(transport)
    , m_config(std::move(config))
{
}

QUrl MagentoClient::endpoint(const QString &path, const QueryItems &query) const
{
    QUrl url = m_config.baseUrl;
    QString p = url.path(QUrl::FullyEncoded);
    while (p.endsWith(u'/'))
        p.chop(1);
    p += QStringLiteral("/rest");
    if (!m_config.storeCode.isEmpty())
        p += u'/' + SearchCriteria::encode(m_config.storeCode);
    p += QStringLiteral("/V1");
    if (!path.startsWith(u'/'))
        p += u'/';
    p += path;
    url.setPath(p, QUrl::StrictMode);
    if (query.isEmpty())
        url.setQuery(QString());
    else
        url.setQuery(SearchCriteria::encodeQuery(query), QUrl::StrictMode);
    return url;
}

Failure MagentoClient::failureFor(const net::HttpResponse &http, const QDateTime &nowUtc)
{
    const net::Classification c = net::classify(http, nowUtc);
    Failure f;
    f.errorClass = c.errorClass;
    f.httpStatus = http.status;
    f.retryAfterSeconds = c.retryAfterSeconds;
    f.requestId = http.requestId;
    if (http.error != net::NetworkError::None) {
        f.error = makeError(QStringLiteral("net.") + net::networkErrorName(http.error), QString(), http.errorText);
        return f;
    }
    if (auto body = Parser::parseErrorBody(http.body)) {
        f.body = *body;
        f.error = makeError(QStringLiteral("magento.http_%1").arg(http.status), QString(), body->message);
        // Qt sends an idempotent request again by itself when the connection closes under it,
        // with the same signed header: Magento has stored that nonce and answers 401. Nothing is
        // wrong with the credentials; a new signature is (docs/magento.md §1). A write that meets
        // it was possibly carried out by the first copy: in doubt.
        if (http.status == 401 && body->rawMessage.startsWith(QLatin1StringView("The nonce is already being used"))) {
            f.errorClass = http.effect == net::Effect::Write ? net::ErrorClass::InDoubt : net::ErrorClass::Transient;
            f.error.code = QStringLiteral("magento.nonce_replayed");
        }
    } else {
        f.error = makeError(QStringLiteral("magento.http_%1").arg(http.status), QString(),
                            QStringLiteral("HTTP %1 without a Magento error body").arg(http.status));
    }
    return f;
}

void MagentoClient::send(const QByteArray &method, const QString &path, const QueryItems &query,
                         const std::optional<QByteArray> &body, net::Effect effect, QObject *context,
                         std::function<void(const net::HttpResponse &)> callback)
{
    net::HttpRequest req;
    req.method = method;
    req.url = endpoint(path, query);
    req.timeoutMs = m_config.timeoutMs;
    req.effect = effect;
    req.headers.append({QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json")});
    QByteArray payload;
    if (body) {
        req.headers.append({QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")});
        payload = *body;
    }
    req.headers.append({QByteArrayLiteral("Authorization"), authorization(req.method, req.url)});
    QPointer<QObject> ctx(context);
    const bool hadContext = context != nullptr;
    m_transport->send(req, payload, this, [ctx, hadContext, callback = std::move(callback)](const net::HttpResponse &http) {
        if (hadContext && !ctx)
            return;
        callback(http);
    });
}

QByteArray MagentoClient::authorization(const QByteArray &method, const QUrl &url) const
{
    if (m_config.auth == MagentoConfig::Auth::OAuth1) {
        // JSON bodies are not signed; only the URL's query takes part (docs/magento.md §1).
        OAuth1Signer::Parameters p;
        p.nonce = OAuth1Signer::newNonce();
        p.timestamp = QDateTime::currentSecsSinceEpoch();
        return OAuth1Signer::authorizationHeader(method, url, m_config.oauth, m_config.signatureMethod, p);
    }
    return QByteArrayLiteral("Bearer ") + m_config.accessToken.toUtf8();
}

Failure MagentoClient::failureWithHint(const net::HttpResponse &http) const
{
    Failure f = failureFor(http);
    if (f.errorClass == net::ErrorClass::Auth && m_config.auth == MagentoConfig::Auth::Bearer) {
        // Since 2.4.4 integration tokens are refused as Bearer unless the store enables it;
        // Magento's own text (an ACL message) does not say so (docs/magento.md §1).
        f.error.code = QStringLiteral("magento.auth_refused");
        f.error.message += QStringLiteral(
            " — the store refused the access token. Magento 2.4.4+ accepts integration tokens as "
            "Bearer only when \"Allow OAuth Access Tokens to be used as standalone Bearer tokens\" is "
            "enabled (Stores > Configuration > Services > OAuth > Consumer Settings); otherwise use "
            "OAuth 1.0a signing with the integration's four credentials.");
    }
    return f;
}

Reply<QJsonValue> MagentoClient::valueReply(const net::HttpResponse &http, net::Effect effect,
                                            const QString &path) const
{
    Reply<QJsonValue> reply;
    if (http.isHttpSuccess()) {
        auto value = net::json::parseValue(http.body, QStringLiteral("response"));
        if (value) {
            reply.value = *value;
            qCInfo(net::lcMagento).noquote() << path << "ok id" << http.requestId;
            return reply;
        }
        // A 2xx whose body cannot be read: a read is retried, a write is in doubt.
        reply.failure.errorClass = effect == net::Effect::Write ? net::ErrorClass::InDoubt
                                                                : net::ErrorClass::Transient;
        reply.failure.httpStatus = http.status;
        reply.failure.requestId = http.requestId;
        reply.failure.error = value.error();
    } else {
        reply.failure = failureWithHint(http);
    }
    qCWarning(net::lcMagento).noquote() << path << reply.failure.summary() << "id" << http.requestId;
    return reply;
}

void MagentoClient::request(const QByteArray &method, const QString &path, const QueryItems &query,
                            const std::optional<QJsonValue> &body, net::Effect effect, QObject *context,
                            std::function<void(const Reply<QJsonValue> &)> callback)
{
    std::optional<QByteArray> payload;
    if (body) {
        // A bare scalar body is valid JSON too; QJsonDocument only writes objects and arrays.
        const QByteArray wrapped = QJsonDocument(QJsonArray{*body}).toJson(QJsonDocument::Compact);
        payload = wrapped.mid(1, wrapped.size() - 2);
    }
    send(method, path, query, payload, effect, context,
         [this, effect, path, callback = std::move(callback)](const net::HttpResponse &http) {
             callback(valueReply(http, effect, path));
         });
}

void MagentoClient::requestRaw(const QByteArray &method, const QString &path, const QueryItems &query,
                               const QByteArray &jsonBody, net::Effect effect, QObject *context,
                               std::function<void(const net::HttpResponse &, const Reply<QJsonValue> &)> callback)
{
    std::optional<QByteArray> payload;
    if (!jsonBody.isNull())
        payload = jsonBody;
    send(method, path, query, payload, effect, context,
         [this, effect, path, callback = std::move(callback)](const net::HttpResponse &http) {
             callback(http, valueReply(http, effect, path));
         });
}

void MagentoClient::searchOrders(const SearchCriteria &criteria, QObject *context,
                                 std::function<void(const Reply<OrderPage> &)> callback)
{
    auto items = criteria.queryItems();
    if (!items) {
        Reply<OrderPage> bad;
        bad.failure.errorClass = net::ErrorClass::Permanent;
        bad.failure.error = items.error();
        callback(bad);
        return;
    }
    send(QByteArrayLiteral("GET"), QStringLiteral("/orders"), *items, std::nullopt, net::Effect::Read, context,
         [this, callback = std::move(callback)](const net::HttpResponse &http) {
             Reply<OrderPage> reply;
             if (!http.isHttpSuccess()) {
                 reply.failure = failureWithHint(http);
             } else if (auto page = Parser::parseOrderSearch(http.body)) {
                 reply.value = std::move(page).value();
                 qCInfo(net::lcMagento).noquote() << "orders page:" << reply.value->items.size() << "of"
                                                  << reply.value->totalCount << "id" << http.requestId;
                 callback(reply);
                 return;
             } else {
                 reply.failure.errorClass = net::ErrorClass::Transient;
                 reply.failure.httpStatus = http.status;
                 reply.failure.requestId = http.requestId;
                 reply.failure.error = page.error();
             }
             qCWarning(net::lcMagento).noquote() << "orders search" << reply.failure.summary();
             callback(reply);
         });
}

void MagentoClient::getOrder(qint64 entityId, QObject *context,
                             std::function<void(const Reply<OrderRecord> &)> callback)
{
    send(QByteArrayLiteral("GET"), QStringLiteral("/orders/") + QString::number(entityId), {}, std::nullopt,
         net::Effect::Read, context, [this, callback = std::move(callback)](const net::HttpResponse &http) {
             Reply<OrderRecord> reply;
             if (!http.isHttpSuccess()) {
                 reply.failure = failureWithHint(http);
             } else if (auto order = Parser::parseOrderBody(http.body)) {
                 reply.value = std::move(order).value();
             } else {
                 reply.failure.errorClass = net::ErrorClass::Transient;
                 reply.failure.httpStatus = http.status;
                 reply.failure.requestId = http.requestId;
                 reply.failure.error = order.error();
             }
             callback(reply);
         });
}

} // namespace pb::magento
