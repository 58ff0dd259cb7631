#pragma once

#include "magento/oauth1.h"
#include "magento/parser.h"
#include "magento/searchcriteria.h"
#include "net/errorclass.h"
#include "net/httptypes.h"

#include <QJsonArray>
#include <QJsonValue>
#include <QObject>
#include <QUrl>

#include <functional>
#include <optional>

namespace pb::net {
class HttpTransport;
}

namespace pb::magento {

// Why a Magento call failed, with the error class deciding what happens next.
struct Failure
{
    net::ErrorClass errorClass = net::ErrorClass::Permanent;
    int httpStatus = 0;
    int retryAfterSeconds = -1;
    QString requestId;
    std::optional<ErrorBody> body; // Magento's own error envelope, when it sent one
    Error error;                    // code + filled message for logs and the UI

    QString summary() const;
};

template<typename T>
struct Reply
{
    std::optional<T> value;
    Failure failure; // meaningful only when !ok()
    bool ok() const { return value.has_value(); }
};

struct MagentoConfig
{
    enum class Auth { Bearer, OAuth1 };
    QUrl baseUrl;        // store root, e.g. https://shop.example.com (may carry a path prefix)
    QString storeCode;   // empty: /rest/V1/..., else /rest/<code>/V1/...
    Auth auth = Auth::Bearer;
    QString accessToken; // integration access token used as Bearer
    OAuth1Credentials oauth; // the integration's four values, for Auth::OAuth1
    OAuth1Signer::Method signatureMethod = OAuth1Signer::Method::HmacSha256;
    int timeoutMs = 60000;
};

// Asynchronous Magento 2 REST client on a shared HttpTransport (same thread).
class MagentoClient : public QObject
{
    Q_OBJECT
public:
    MagentoClient(net::HttpTransport *transport, MagentoConfig config, QObject *parent = nullptr);

    const MagentoConfig &config() const { return m_config; }

    // GET /V1/orders?searchCriteria...
    void searchOrders(const SearchCriteria &criteria, QObject *context,
                      std::function<void(const Reply<OrderPage> &)> callback);
    // GET /V1/orders/{entityId}
    void getOrder(qint64 entityId, QObject *context, std::function<void(const Reply<OrderRecord> &)> callback);

    // Any REST call. `path` starts after /V1 (e.g. "/orders/3/comments"); `query` is decoded
    // pairs; `body` is sent as JSON when present. The reply value is the parsed JSON answer.
    void request(const QByteArray &method, const QString &path, const QueryItems &query,
                 const std::optional<QJsonValue> &body, net::Effect effect, QObject *context,
                 std::function<void(const Reply<QJsonValue> &)> callback);

    // The same with a body already written as JSON text (used where amounts must reach the wire
    // exactly as decimal text; QJsonValue would carry them as doubles).
    void requestRaw(const QByteArray &method, const QString &path, const QueryItems &query,
                    const QByteArray &jsonBody, net::Effect effect, QObject *context,
                    std::function<void(const net::HttpResponse &, const Reply<QJsonValue> &)> callback);

    // <base>/rest[/<store>]/V1<path>?<query>
    QUrl endpoint(const QString &path, const QueryItems &query = {}) const;

    // The failure for a finished call that is not a 2xx with a usable body.
    static Failure failureFor(const net::HttpResponse &http,
                              const QDateTime &nowUtc = QDateTime::currentDateTimeUtc());

private:
    QByteArray authorization(const QByteArray &method, const QUrl &url) const;
public:
    // The failure for a finished call, with the Bearer hint of docs/magento.md §1 added.
    Failure failureWithHint(const net::HttpResponse &http) const;

private:
    void send(const QByteArray &method, const QString &path, const QueryItems &query,
              const std::optional<QByteArray> &payload, net::Effect effect, QObject *context,
              std::function<void(const net::HttpResponse &)> callback);
    Reply<QJsonValue> valueReply(const net::HttpResponse &http, net::Effect effect, const QString &path) const;

    net::HttpTransport *m_transport;
    MagentoConfig m_config;
};

} // namespace pb::magento
