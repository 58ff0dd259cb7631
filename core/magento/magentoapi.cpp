#include "magento/magentoapi.h"

#include "net/httptypes.h"
#include "net/netlog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace pb::magento {

namespace {

// Compact JSON written by hand so that numbers appear exactly as their decimal text.
class JsonOut
{
public:
    JsonOut &open(char c)
    {
        comma();
        m_out += c;
        m_first.append(true);
        return *this;
    }
    JsonOut &close(char c)
    {
        m_out += c;
        m_first.removeLast();
        if (!m_first.isEmpty())
            m_first.last() = false;
        return *this;
    }
    JsonOut &key(QLatin1StringView k)
    {
        comma();
        m_out += '"' + QByteArray(k.data(), k.size()) + "\":";
        m_afterKey = true;
        return *this;
    }
    JsonOut &string(const QString &s)
    {
        comma();
        // QJsonDocument does the escaping; strip the surrounding [ ].
        const QByteArray a = QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact);
        m_out += a.mid(1, a.size() - 2);
        return *this;
    }
    JsonOut &boolean(bool b) { return raw(b ? "true" : "false"); }
    JsonOut &integer(qint64 n) { return raw(QByteArray::number(n)); }
    JsonOut &number(const QString &decimal) { return raw(decimal.toLatin1()); }
    QByteArray take() { return std::move(m_out); }

private:
    JsonOut &raw(const QByteArray &text)
    {
        comma();
        m_out += text;
        return *this;
    }
    void comma()
    {
        if (m_afterKey) {
            m_afterKey = false;
            return;
        }
        if (!m_first.isEmpty()) {
            if (!m_first.last())
                m_out += ',';
            m_first.last() = false;
        }
    }
    QByteArray m_out;
    QList<bool> m_first;
    bool m_afterKey = false;
};

// A JSON number for a quantity: plain decimal, no sign, exponent or leading zeros.
bool validQty(const QString &qty)
{
    static const QRegularExpression re(QStringLiteral(R"(^(0|[1-9][0-9]{0,8})(\.[0-9]{1,4})?$)"));
    return re.match(qty).hasMatch();
}

Status writeItems(JsonOut &j, const QList<ItemQty> &items)
{
    j.key("items"_L1).open('[');
    for (qsizetype i = 0; i < items.size(); ++i) {
        const ItemQty &it = items.at(i);
        const QString field = QStringLiteral("items[%1]").arg(i);
        if (it.orderItemId <= 0)
            return makeError(QStringLiteral("magento.request"), field + QStringLiteral(".order_item_id"),
                             QStringLiteral("order item id must be positive"));
        if (!validQty(it.qty))
            return makeError(QStringLiteral("magento.request"), field + QStringLiteral(".qty"),
                             QStringLiteral("not a plain decimal quantity: \"") + it.qty.left(20) + u'"');
        j.open('{').key("order_item_id"_L1).integer(it.orderItemId).key("qty"_L1).number(it.qty).close('}');
    }
    j.close(']');
    return Status::success();
}

Status writeComment(JsonOut &j, const QString &comment, bool visibleOnFront)
{
    if (comment.isEmpty())
        return Status::success();
    j.key("appendComment"_L1).boolean(true);
    j.key("comment"_L1).open('{');
    j.key("comment"_L1).string(comment);
    j.key("is_visible_on_front"_L1).integer(visibleOnFront ? 1 : 0);
    j.close('}');
    return Status::success();
}

Status writeAmount(JsonOut &j, QLatin1StringView key, const std::optional<Money> &m, std::optional<Currency> &currency)
{
    if (!m)
        return Status::success();
    if (!m->isValid() || m->isNegative())
        return makeError(QStringLiteral("magento.request"), QString(key),
                         QStringLiteral("amount must be a valid, non-negative Money"));
    if (currency && !(*currency == m->currency()))
        return makeError(QStringLiteral("magento.request"), QString(key),
                         QStringLiteral("amounts in different currencies (%1, %2)")
                             .arg(currency->code(), m->currency().code()));
    currency = m->currency();
    j.key(key).number(m->toDecimalString());
    return Status::success();
}

template<typename T>
Reply<T> failedReply(const Error &error)
{
    Reply<T> r;
    r.failure.errorClass = net::ErrorClass::Permanent;
    r.failure.error = error;
    return r;
}

} // namespace

MagentoApi::MagentoApi(MagentoClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

Result<QByteArray> MagentoApi::commentBody(qint64 orderId, const OrderCommentRequest &request)
{
    if (request.status.isEmpty())
        return makeError(QStringLiteral("magento.request"), QStringLiteral("status"),
                         QStringLiteral("the order's status must be sent with every comment"));
    JsonOut j;
    j.open('{').key("statusHistory"_L1).open('{');
    j.key("comment"_L1).string(request.comment);
    j.key("is_customer_notified"_L1).integer(request.notifyCustomer ? 1 : 0);
    j.key("is_visible_on_front"_L1).integer(request.visibleOnFront ? 1 : 0);
    j.key("parent_id"_L1).integer(orderId);
    j.key("status"_L1).string(request.status);
    j.close('}').close('}');
    return j.take();
}

Result<QByteArray> MagentoApi::invoiceBody(const InvoiceRequest &request)
{
    JsonOut j;
    j.open('{');
    // Never true: see InvoiceRequest.
    j.key("capture"_L1).boolean(false);
    if (!request.items.isEmpty()) {
        if (Status s = writeItems(j, request.items); !s)
            return s.error();
    }
    j.key("notify"_L1).boolean(request.notify);
    if (Status s = writeComment(j, request.comment, request.commentVisibleOnFront); !s)
        return s.error();
    j.close('}');
    return j.take();
}

Result<QByteArray> MagentoApi::refundBody(const RefundRequest &request, std::optional<bool> isOnline)
{
    JsonOut j;
    j.open('{');
    if (!request.items.isEmpty()) {
        if (Status s = writeItems(j, request.items); !s)
            return s.error();
    }
    if (isOnline)
        j.key("isOnline"_L1).boolean(*isOnline);
    j.key("notify"_L1).boolean(request.notify);
    if (Status s = writeComment(j, request.comment, request.commentVisibleOnFront); !s)
        return s.error();
    j.key("arguments"_L1).open('{');
    std::optional<Currency> currency;
    if (Status s = writeAmount(j, "shipping_amount"_L1, request.shippingAmount, currency); !s)
        return s.error();
    if (Status s = writeAmount(j, "adjustment_positive"_L1, request.adjustmentPositive, currency); !s)
        return s.error();
    if (Status s = writeAmount(j, "adjustment_negative"_L1, request.adjustmentNegative, currency); !s)
        return s.error();
    if (!request.returnToStockItems.isEmpty()) {
        j.key("extension_attributes"_L1).open('{').key("return_to_stock_items"_L1).open('[');
        for (qint64 id : request.returnToStockItems)
            j.integer(id);
        j.close(']').close('}');
    }
    j.close('}').close('}');
    return j.take();
}

template<typename T>
void MagentoApi::call(const QByteArray &method, const QString &path, const QueryItems &query, const QByteArray &body,
                      net::Effect effect, QObject *context, Result<T> (*parse)(const QByteArray &),
                      std::function<void(const Reply<T> &)> callback)
{
    m_client->requestRaw(method, path, query, body, effect, context,
                         [effect, parse, callback = std::move(callback)](const net::HttpResponse &http,
                                                                          const Reply<QJsonValue> &raw) {
                             Reply<T> reply;
                             if (!raw.ok()) {
                                 reply.failure = raw.failure;
                             } else if (auto value = parse(http.body)) {
                                 reply.value = std::move(value).value();
                             } else {
                                 // Answered but not in the expected shape: a write may have
                                 // happened, a read can simply be retried.
                                 reply.failure.errorClass = effect == net::Effect::Write
                                                                ? net::ErrorClass::InDoubt
                                                                : net::ErrorClass::Transient;
                                 reply.failure.httpStatus = http.status;
                                 reply.failure.requestId = http.requestId;
                                 reply.failure.error = value.error();
                             }
                             callback(reply);
                         });
}

template<typename T>
void MagentoApi::search(const QString &path, const SearchCriteria &criteria, QObject *context,
                        Result<SearchPage<T>> (*parse)(const QByteArray &),
                        std::function<void(const Reply<SearchPage<T>> &)> callback)
{
    auto items = criteria.queryItems();
    if (!items) {
        callback(failedReply<SearchPage<T>>(items.error()));
        return;
    }
    call<SearchPage<T>>(QByteArrayLiteral("GET"), path, *items, QByteArray(), net::Effect::Read, context, parse,
                        std::move(callback));
}

namespace {
QString orderPath(qint64 id, QLatin1StringView tail)
{
    return QStringLiteral("/orders/") + QString::number(id) + tail;
}
} // namespace

void MagentoApi::addOrderComment(qint64 orderId, const OrderCommentRequest &request, QObject *context,
                                 std::function<void(const Reply<bool> &)> callback)
{
    auto body = commentBody(orderId, request);
    if (!body)
        return callback(failedReply<bool>(body.error()));
    call<bool>(QByteArrayLiteral("POST"), orderPath(orderId, "/comments"_L1), {}, *body, net::Effect::Write, context,
               &DocumentParser::parseBool, std::move(callback));
}

void MagentoApi::listOrderComments(qint64 orderId, QObject *context,
                                   std::function<void(const Reply<SearchPage<Comment>> &)> callback)
{
    call<SearchPage<Comment>>(QByteArrayLiteral("GET"), orderPath(orderId, "/comments"_L1), {}, QByteArray(),
                              net::Effect::Read, context, &DocumentParser::parseCommentSearch, std::move(callback));
}

void MagentoApi::orderStatus(qint64 orderId, QObject *context, std::function<void(const Reply<QString> &)> callback)
{
    call<QString>(QByteArrayLiteral("GET"), orderPath(orderId, "/statuses"_L1), {}, QByteArray(), net::Effect::Read,
                  context, &DocumentParser::parseString, std::move(callback));
}

void MagentoApi::hold(qint64 orderId, QObject *context, std::function<void(const Reply<bool> &)> callback)
{
    call<bool>(QByteArrayLiteral("POST"), orderPath(orderId, "/hold"_L1), {}, QByteArray(), net::Effect::Write,
               context, &DocumentParser::parseBool, std::move(callback));
}

void MagentoApi::unhold(qint64 orderId, QObject *context, std::function<void(const Reply<bool> &)> callback)
{
    call<bool>(QByteArrayLiteral("POST"), orderPath(orderId, "/unhold"_L1), {}, QByteArray(), net::Effect::Write,
               context, &DocumentParser::parseBool, std::move(callback));
}

void MagentoApi::cancel(qint64 orderId, QObject *context, std::function<void(const Reply<bool> &)> callback)
{
    call<bool>(QByteArrayLiteral("POST"), orderPath(orderId, "/cancel"_L1), {}, QByteArray(), net::Effect::Write,
               context, &DocumentParser::parseBool, std::move(callback));
}

void MagentoApi::searchInvoices(const SearchCriteria &criteria, QObject *context,
                                std::function<void(const Reply<SearchPage<Invoice>> &)> callback)
{
    search<Invoice>(QStringLiteral("/invoices"), criteria, context, &DocumentParser::parseInvoiceSearch,
                    std::move(callback));
}

void MagentoApi::getInvoice(qint64 invoiceId, QObject *context, std::function<void(const Reply<Invoice> &)> callback)
{
    call<Invoice>(QByteArrayLiteral("GET"), QStringLiteral("/invoices/") + QString::number(invoiceId), {},
                  QByteArray(), net::Effect::Read, context, &DocumentParser::parseInvoiceBody, std::move(callback));
}

void MagentoApi::createInvoice(qint64 orderId, const InvoiceRequest &request, QObject *context,
                               std::function<void(const Reply<qint64> &)> callback)
{
    auto body = invoiceBody(request);
    if (!body)
        return callback(failedReply<qint64>(body.error()));
    call<qint64>(QByteArrayLiteral("POST"), QStringLiteral("/order/") + QString::number(orderId) + u"/invoice"_s, {},
                 *body, net::Effect::Write, context, &DocumentParser::parseEntityId, std::move(callback));
}

void MagentoApi::refundOrderOffline(qint64 orderId, const RefundRequest &request, QObject *context,
                                    std::function<void(const Reply<qint64> &)> callback)
{
    auto body = refundBody(request, std::nullopt);
    if (!body)
        return callback(failedReply<qint64>(body.error()));
    call<qint64>(QByteArrayLiteral("POST"), QStringLiteral("/order/") + QString::number(orderId) + u"/refund"_s, {},
                 *body, net::Effect::Write, context, &DocumentParser::parseEntityId, std::move(callback));
}

void MagentoApi::refundInvoice(qint64 invoiceId, bool isOnline, const RefundRequest &request, QObject *context,
                               std::function<void(const Reply<qint64> &)> callback)
{
    auto body = refundBody(request, isOnline);
    if (!body)
        return callback(failedReply<qint64>(body.error()));
    call<qint64>(QByteArrayLiteral("POST"), QStringLiteral("/invoice/") + QString::number(invoiceId) + u"/refund"_s,
                 {}, *body, net::Effect::Write, context, &DocumentParser::parseEntityId, std::move(callback));
}

void MagentoApi::searchCreditMemos(const SearchCriteria &criteria, QObject *context,
                                   std::function<void(const Reply<SearchPage<CreditMemo>> &)> callback)
{
    search<CreditMemo>(QStringLiteral("/creditmemos"), criteria, context, &DocumentParser::parseCreditMemoSearch,
                       std::move(callback));
}

void MagentoApi::getCreditMemo(qint64 creditMemoId, QObject *context,
                               std::function<void(const Reply<CreditMemo> &)> callback)
{
    call<CreditMemo>(QByteArrayLiteral("GET"), QStringLiteral("/creditmemo/") + QString::number(creditMemoId), {},
                     QByteArray(), net::Effect::Read, context, &DocumentParser::parseCreditMemoBody,
                     std::move(callback));
}

void MagentoApi::searchTransactions(const SearchCriteria &criteria, QObject *context,
                                   std::function<void(const Reply<SearchPage<PaymentTransaction>> &)> callback)
{
    search<PaymentTransaction>(QStringLiteral("/transactions"), criteria, context,
                               &DocumentParser::parseTransactionSearch, std::move(callback));
}

void MagentoApi::getTransaction(qint64 transactionId, QObject *context,
                                std::function<void(const Reply<PaymentTransaction> &)> callback)
{
    call<PaymentTransaction>(QByteArrayLiteral("GET"), QStringLiteral("/transactions/") + QString::number(transactionId),
                             {}, QByteArray(), net::Effect::Read, context, &DocumentParser::parseTransactionBody,
                             std::move(callback));
}

void MagentoApi::searchCustomers(const SearchCriteria &criteria, QObject *context,
                                 std::function<void(const Reply<SearchPage<Customer>> &)> callback)
{
    search<Customer>(QStringLiteral("/customers/search"), criteria, context, &DocumentParser::parseCustomerSearch,
                     std::move(callback));
}

void MagentoApi::getCustomer(qint64 customerId, QObject *context, std::function<void(const Reply<Customer> &)> callback)
{
    call<Customer>(QByteArrayLiteral("GET"), QStringLiteral("/customers/") + QString::number(customerId), {},
                   QByteArray(), net::Effect::Read, context, &DocumentParser::parseCustomerBody, std::move(callback));
}

void MagentoApi::updateCustomer(qint64 customerId, const QJsonObject &customer, QObject *context,
                                std::function<void(const Reply<Customer> &)> callback)
{
    if (customerId <= 0 || customer.value("id"_L1).toInteger(-1) != customerId)
        return callback(failedReply<Customer>(makeError(
            u"magento.request"_s, u"customer.id"_s,
            u"the body's id must be the customer being updated ("_s + QString::number(customerId) + u')')));
    const QByteArray body = QJsonDocument(QJsonObject{{"customer"_L1, customer}}).toJson(QJsonDocument::Compact);
    call<Customer>(QByteArrayLiteral("PUT"), QStringLiteral("/customers/") + QString::number(customerId), {}, body,
                   net::Effect::Write, context, &DocumentParser::parseCustomerBody, std::move(callback));
}

bool MagentoApi::isValidAttributeCode(const QString &code)
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z][A-Za-z0-9_]{0,59}$"));
    return re.match(code).hasMatch();
}

void MagentoApi::customerAttributeExists(const QString &attributeCode, QObject *context,
                                         std::function<void(const Reply<bool> &)> callback)
{
    if (!isValidAttributeCode(attributeCode))
        return callback(failedReply<bool>(makeError(u"magento.request"_s, u"attributeCode"_s,
                                                    u"not an attribute code: \""_s + attributeCode.left(64) + u'"')));
    m_client->requestRaw(
        QByteArrayLiteral("GET"), QStringLiteral("/attributeMetadata/customer/attribute/") + attributeCode, {},
        QByteArray(), net::Effect::Read, context,
        [callback = std::move(callback)](const net::HttpResponse &, const Reply<QJsonValue> &raw) {
            Reply<bool> reply;
            if (raw.ok()) {
                reply.value = true;
            } else if (raw.failure.httpStatus == 404 && raw.failure.body
                       && (raw.failure.body->rawMessage.startsWith("No such entity"_L1)
                           || raw.failure.body->message.startsWith("No such entity"_L1))) {
                // Magento's NoSuchEntityException: the attribute is not defined. A 404 without it
                // (no such route: an old store, a proxy) says nothing about the attribute.
                reply.value = false;
            } else {
                reply.failure = raw.failure;
            }
            callback(reply);
        });
}

namespace {

Error customerBodyError(const QString &field, const QString &message)
{
    return makeError(u"magento.request"_s, field, message);
}

// "Mary Ann Smith" → ("Mary Ann", "Smith"): Magento keeps one last name; a single word is both.
std::pair<QString, QString> splitName(const QString &name)
{
    const QString n = name.simplified();
    const qsizetype space = n.lastIndexOf(u' ');
    if (space < 0)
        return {n, n};
    return {n.left(space), n.mid(space + 1)};
}

void applyBilling(QJsonObject &address, const PostalAddress &billing)
{
    const PostalAddress b = billing.normalised();
    if (!b.name.isEmpty()) {
        const QString current = QString(address.value("firstname"_L1).toString() + u' '
                                        + address.value("lastname"_L1).toString())
                                    .simplified();
        if (current != b.name) {
            const auto [first, last] = splitName(b.name);
            address.insert("firstname"_L1, first);
            address.insert("lastname"_L1, last);
        }
    }
    QJsonArray street{b.street};
    if (!b.street2.isEmpty())
        street.append(b.street2);
    address.insert("street"_L1, street);
    address.insert("city"_L1, b.city);
    address.insert("postcode"_L1, b.zip);
    address.insert("country_id"_L1, b.country);
    const QJsonObject region = address.value("region"_L1).toObject();
    if (region.value("region_code"_L1).toString().compare(b.state, Qt::CaseInsensitive) != 0) {
        // A new state: its region_id is the store's own number, unknown here. Magento resolves
        // the region from the code and name for the country; the old id would contradict them.
        address.insert("region"_L1, QJsonObject{{"region_code"_L1, b.state}, {"region"_L1, b.state}});
        address.remove("region_id"_L1);
    }
}

} // namespace

Result<QJsonObject> MagentoApi::customerUpdateBody(const QByteArray &latestRaw, const CustomerChanges &set,
                                                   QString attributeCode)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(latestRaw, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return customerBodyError(u"customer"_s, u"the latest read customer is not a JSON object"_s);
    QJsonObject c = doc.object();
    if (c.value("id"_L1).toInteger(0) <= 0)
        return customerBodyError(u"customer.id"_s, u"the latest read customer has no id"_s);

    if (set.firstname)
        c.insert("firstname"_L1, set.firstname->trimmed());
    if (set.lastname)
        c.insert("lastname"_L1, set.lastname->trimmed());
    if (set.email)
        c.insert("email"_L1, set.email->trimmed());

    if (set.billing || set.telephone) {
        QJsonArray addresses = c.value("addresses"_L1).toArray();
        const QString defaultId = c.value("default_billing"_L1).isDouble()
                                      ? QString::number(c.value("default_billing"_L1).toInteger())
                                      : c.value("default_billing"_L1).toString();
        qsizetype index = -1;
        for (qsizetype i = 0; i < addresses.size() && !defaultId.isEmpty(); ++i) {
            if (QString::number(addresses.at(i).toObject().value("id"_L1).toInteger(-1)) == defaultId)
                index = i;
        }
        for (qsizetype i = 0; i < addresses.size() && index < 0; ++i) {
            if (addresses.at(i).toObject().value("default_billing"_L1).toBool())
                index = i;
        }
        QJsonObject address;
        if (index >= 0) {
            address = addresses.at(index).toObject();
        } else {
            if (!set.billing)
                return customerBodyError(u"telephone"_s,
                                         u"the customer has no default billing address to carry the telephone"_s);
            address.insert("firstname"_L1, c.value("firstname"_L1));
            address.insert("lastname"_L1, c.value("lastname"_L1));
            address.insert("default_billing"_L1, true);
            address.insert("default_shipping"_L1, addresses.isEmpty());
            address.insert("telephone"_L1, QString());
        }
        if (set.billing)
            applyBilling(address, *set.billing);
        if (set.telephone)
            address.insert("telephone"_L1, set.telephone->trimmed());
        if (index >= 0)
            addresses.replace(index, address);
        else
            addresses.append(address);
        c.insert("addresses"_L1, addresses);
    }

    QJsonArray attributes;
    for (const QJsonValue &v : c.value("custom_attributes"_L1).toArray()) {
        if (!v.toObject().value("value"_L1).isNull())
            attributes.append(v);
    }
    if (set.attributeValue) {
        if (attributeCode.isEmpty())
            attributeCode = set.attributeCode;
        if (!isValidAttributeCode(attributeCode))
            return customerBodyError(u"attribute.code"_s, u"not an attribute code: \""_s + attributeCode.left(64) + u'"');
        const QJsonObject entry{{"attribute_code"_L1, attributeCode}, {"value"_L1, *set.attributeValue}};
        bool replaced = false;
        for (qsizetype i = 0; i < attributes.size(); ++i) {
            if (attributes.at(i).toObject().value("attribute_code"_L1).toString() == attributeCode) {
                attributes.replace(i, entry);
                replaced = true;
            }
        }
        if (!replaced)
            attributes.append(entry);
    }
    if (!attributes.isEmpty() || c.contains("custom_attributes"_L1))
        c.insert("custom_attributes"_L1, attributes);

    for (QLatin1StringView key : {"updated_at"_L1, "confirmation"_L1, "extension_attributes"_L1})
        c.remove(key);
    return c;
}

void MagentoApi::storeConfigs(QObject *context, std::function<void(const Reply<QList<StoreConfig>> &)> callback)
{
    call<QList<StoreConfig>>(QByteArrayLiteral("GET"), QStringLiteral("/store/storeConfigs"), {}, QByteArray(),
                             net::Effect::Read, context, &DocumentParser::parseStoreConfigs, std::move(callback));
}

} // namespace pb::magento
