#include "magentosim.h"

#include "jsonwriter.h"
#include "magentojson.h"
#include "sandboxclock.h"
#include "simutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QMutexLocker>

#include <cmath>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

HttpResponse toResponse(const MagentoError &e)
{
    return HttpResponse::json(e.status, e.body);
}

HttpResponse noRoute()
{
    return toResponse(magentoError(404, u"Request does not match any route."_s));
}

MagentoError notFound()
{
    return magentoError(404, u"The entity that was requested doesn't exist. Verify the entity and try again."_s);
}

MagentoError unauthorized(const QString &resource)
{
    return magentoError(401, u"The consumer isn't authorized to access %resources."_s, {{u"resources"_s, resource}});
}

MagentoError typeError(const QString &value, const QString &type)
{
    return magentoError(400, u"The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again."_s,
                        {{u"value"_s, value}, {u"type"_s, type}});
}

MagentoError required(const QString &fieldName)
{
    return magentoError(400, u"\"%fieldName\" is required. Enter and try again."_s, {{u"fieldName"_s, fieldName}});
}

bool parseFields(const QList<QPair<QByteArray, QByteArray>> &query, FieldSelection *selection, bool *present,
                 MagentoError *error)
{
    *present = false;
    for (const auto &[key, value] : query) {
        if (key != "fields")
            continue;
        *present = true;
        QString message;
        if (!FieldSelection::parse(value, selection, &message)) {
            *error = magentoError(400, u"Invalid fields parameter: %1"_s.arg(message));
            return false;
        }
    }
    return true;
}

// ---- routes -------------------------------------------------------------------------------------

enum class RouteId {
    OrdersList, OrderGet, OrderStatuses, OrderCommentsList, OrderCommentAdd, OrderHold, OrderUnhold, OrderCancel,
    OrderInvoice, OrderRefund, InvoicesList, InvoiceGet, InvoiceRefund, CreditmemosList, CreditmemoGet,
    TransactionsList, TransactionGet, CustomersSearch, CustomerGet, CustomerPut, CustomerDelete, AttributeMetadata, StoreConfigs,
};

struct RouteDef
{
    QByteArrayView method;
    QByteArrayView pattern; // after /V1; ":name" segments are parameters
    QStringView resource;   // magento-routes.tsv
    RouteId id;
};

// Literal routes before parameterised ones that could shadow them (customers/search).
const RouteDef kRoutes[] = {
    {"GET", "/orders", u"Magento_Sales::actions_view", RouteId::OrdersList},
    {"GET", "/orders/:id", u"Magento_Sales::actions_view", RouteId::OrderGet},
    {"GET", "/orders/:id/statuses", u"Magento_Sales::actions_view", RouteId::OrderStatuses},
    {"GET", "/orders/:id/comments", u"Magento_Sales::actions_view", RouteId::OrderCommentsList},
    {"POST", "/orders/:id/comments", u"Magento_Sales::comment", RouteId::OrderCommentAdd},
    {"POST", "/orders/:id/hold", u"Magento_Sales::hold", RouteId::OrderHold},
    {"POST", "/orders/:id/unhold", u"Magento_Sales::unhold", RouteId::OrderUnhold},
    {"POST", "/orders/:id/cancel", u"Magento_Sales::cancel", RouteId::OrderCancel},
    {"POST", "/order/:orderId/invoice", u"Magento_Sales::invoice", RouteId::OrderInvoice},
    {"POST", "/order/:orderId/refund", u"Magento_Sales::creditmemo", RouteId::OrderRefund},
    {"GET", "/invoices", u"Magento_Sales::sales_invoice", RouteId::InvoicesList},
    {"GET", "/invoices/:id", u"Magento_Sales::sales_invoice", RouteId::InvoiceGet},
    {"POST", "/invoice/:invoiceId/refund", u"Magento_Sales::sales_invoice", RouteId::InvoiceRefund},
    {"GET", "/creditmemos", u"Magento_Sales::sales_creditmemo", RouteId::CreditmemosList},
    {"GET", "/creditmemo/:id", u"Magento_Sales::sales_creditmemo", RouteId::CreditmemoGet},
    {"GET", "/transactions", u"Magento_Sales::transactions_fetch", RouteId::TransactionsList},
    {"GET", "/transactions/:id", u"Magento_Sales::transactions_fetch", RouteId::TransactionGet},
    {"GET", "/customers/search", u"Magento_Customer::customer", RouteId::CustomersSearch},
    {"GET", "/customers/:customerId", u"Magento_Customer::customer", RouteId::CustomerGet},
    {"PUT", "/customers/:customerId", u"Magento_Customer::manage", RouteId::CustomerPut},
    {"DELETE", "/customers/:customerId", u"Magento_Customer::delete", RouteId::CustomerDelete},
    {"GET", "/attributeMetadata/customer/attribute/:attributeCode", u"Magento_Customer::customer", RouteId::AttributeMetadata},
    // Declared anonymous, but anonymous guest access is off by default, so the token's ACL decides
    // (docs/magento.md §3).
    {"GET", "/store/storeConfigs", u"Magento_Backend::store", RouteId::StoreConfigs},
};

// Matches "/orders/12/comments" against "/orders/:id/comments"; *param gets the raw parameter.
bool matchPattern(QByteArrayView pattern, QByteArrayView path, QByteArray *param)
{
    const QList<QByteArray> p = pattern.toByteArray().split('/');
    const QList<QByteArray> s = path.toByteArray().split('/');
    if (p.size() != s.size())
        return false;
    for (qsizetype i = 0; i < p.size(); ++i) {
        if (p[i].startsWith(':')) {
            if (s[i].isEmpty())
                return false;
            *param = QByteArray::fromPercentEncoding(s[i]);
        } else if (p[i] != s[i]) {
            return false;
        }
    }
    return true;
}

// ---- request bodies -------------------------------------------------------------------------------

QString valueText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Double:
        return QString::fromLatin1(QByteArray::number(v.toDouble(), 'g', QLocale::FloatingPointShortest));
    case QJsonValue::Bool:
        return v.toBool() ? u"true"_s : u"false"_s;
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    default:
        return {};
    }
}

// Service-method arguments: the camelCase name, or its snake_case twin (ServiceInputProcessor).
QJsonValue argument(const QJsonObject &body, const QString &camel)
{
    if (body.contains(camel))
        return body.value(camel);
    QString snake;
    for (QChar c : camel) {
        if (c.isUpper())
            snake += u'_' + c.toLower();
        else
            snake += c;
    }
    return body.value(snake);
}

bool parseBody(const HttpRequest &request, QJsonObject *out, MagentoError *error)
{
    if (request.body.trimmed().isEmpty()) {
        *out = {};
        return true;
    }
    QJsonParseError e;
    const QJsonDocument doc = QJsonDocument::fromJson(request.body, &e);
    if (e.error != QJsonParseError::NoError || !doc.isObject()) {
        // Production-mode text of the JSON deserializer (developer mode appends the PHP error).
        *error = magentoError(400, u"Decoding error."_s);
        return false;
    }
    *out = doc.object();
    return true;
}

bool toBool(const QJsonValue &v, bool *out, MagentoError *error)
{
    if (v.isBool()) {
        *out = v.toBool();
        return true;
    }
    if (v.isDouble() && (v.toDouble() == 0 || v.toDouble() == 1)) {
        *out = v.toDouble() == 1;
        return true;
    }
    if (v.isString()) {
        const QString s = v.toString();
        if (s == u"true" || s == u"1" || s == u"false" || s == u"0") {
            *out = s == u"true" || s == u"1";
            return true;
        }
    }
    *error = typeError(valueText(v), u"bool"_s);
    return false;
}

bool toInt(const QJsonValue &v, qint64 *out, MagentoError *error)
{
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
            *out = qint64(d);
            return true;
        }
    } else if (v.isString()) {
        bool ok = false;
        const qint64 n = v.toString().toLongLong(&ok);
        if (ok) {
            *out = n;
            return true;
        }
    }
    *error = typeError(valueText(v), u"int"_s);
    return false;
}

// A decimal amount (float in the interface) as exact minor units; never arithmetic on the double.
bool toAmount(const QJsonValue &v, int exponent, qint64 *out, MagentoError *error)
{
    QByteArray text;
    if (v.isDouble() && std::isfinite(v.toDouble()))
        text = QByteArray::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
    else if (v.isString())
        text = v.toString().trimmed().toLatin1();
    if (text.isEmpty() || text.contains('e') || !parseDecimal(text, exponent, out)) {
        *error = typeError(valueText(v), u"float"_s);
        return false;
    }
    return true;
}

bool toText(const QJsonValue &v, QString *out, MagentoError *error)
{
    if (v.isString()) {
        *out = v.toString();
        return true;
    }
    if (v.isDouble()) {
        *out = valueText(v);
        return true;
    }
    *error = typeError(valueText(v), u"string"_s);
    return false;
}

// A data object: every key must have an accessor, required keys must be present.
bool checkObject(const QJsonValue &v, const QString &className, const QStringList &allowed, const QStringList &requiredKeys,
                 QJsonObject *out, MagentoError *error)
{
    if (!v.isObject()) {
        *error = typeError(valueText(v), className);
        return false;
    }
    *out = v.toObject();
    for (auto it = out->begin(); it != out->end(); ++it) {
        if (!allowed.contains(it.key())) {
            *error = magentoNoAccessor(it.key().toUtf8(), className);
            return false;
        }
    }
    for (const QString &key : requiredKeys) {
        if (!out->contains(key) || out->value(key).isNull()) {
            *error = required(key);
            return false;
        }
    }
    return true;
}

const QString kNs = u"Magento\\Sales\\Api\\Data\\"_s;

bool parseItems(const QJsonValue &v, const QString &itemClass, QList<MagentoItemQty> *out, MagentoError *error)
{
    if (!v.isArray()) {
        *error = typeError(valueText(v), itemClass + u"[]"_s);
        return false;
    }
    for (const QJsonValue &entry : v.toArray()) {
        QJsonObject o;
        if (!checkObject(entry, itemClass, {u"order_item_id"_s, u"qty"_s, u"extension_attributes"_s},
                         {u"order_item_id"_s, u"qty"_s}, &o, error))
            return false;
        MagentoItemQty item;
        if (!toInt(o.value(u"order_item_id"_s), &item.orderItemId, error))
            return false;
        // Quantities are whole units in this store (no decimal-quantity products).
        if (!toAmount(o.value(u"qty"_s), 0, &item.qty, error))
            return false;
        out->append(item);
    }
    return true;
}

bool parseComment(const QJsonValue &v, const QString &className, std::optional<MagentoCommentInput> *out, MagentoError *error)
{
    if (v.isUndefined() || v.isNull())
        return true;
    QJsonObject o;
    if (!checkObject(v, className, {u"comment"_s, u"is_visible_on_front"_s, u"extension_attributes"_s},
                     {u"comment"_s, u"is_visible_on_front"_s}, &o, error))
        return false;
    MagentoCommentInput c;
    qint64 visible = 0;
    if (!toText(o.value(u"comment"_s), &c.comment, error) || !toInt(o.value(u"is_visible_on_front"_s), &visible, error))
        return false;
    c.isVisibleOnFront = visible ? 1 : 0;
    *out = c;
    return true;
}

bool parseFlags(const QJsonObject &body, bool *notify, bool *appendComment, MagentoError *error)
{
    const QJsonValue n = argument(body, u"notify"_s);
    if (!n.isUndefined() && !n.isNull() && !toBool(n, notify, error))
        return false;
    const QJsonValue a = argument(body, u"appendComment"_s);
    if (!a.isUndefined() && !a.isNull() && !toBool(a, appendComment, error))
        return false;
    return true;
}

bool parseInvoiceRequest(const QJsonObject &body, MagentoInvoiceRequest *r, MagentoError *error)
{
    const QJsonValue capture = argument(body, u"capture"_s);
    if (!capture.isUndefined() && !capture.isNull() && !toBool(capture, &r->capture, error))
        return false;
    const QJsonValue items = argument(body, u"items"_s);
    if (!items.isUndefined() && !items.isNull()) {
        QList<MagentoItemQty> list;
        if (!parseItems(items, kNs + u"InvoiceItemCreationInterface"_s, &list, error))
            return false;
        r->items = list;
    }
    if (!parseFlags(body, &r->notify, &r->appendComment, error))
        return false;
    if (!parseComment(argument(body, u"comment"_s), kNs + u"InvoiceCommentCreationInterface"_s, &r->comment, error))
        return false;
    const QJsonValue args = argument(body, u"arguments"_s);
    if (!args.isUndefined() && !args.isNull()) {
        QJsonObject o;
        if (!checkObject(args, kNs + u"InvoiceCreationArgumentsInterface"_s, {u"extension_attributes"_s}, {}, &o, error))
            return false;
        QJsonObject ext;
        if (o.contains(u"extension_attributes"_s)
            && !checkObject(o.value(u"extension_attributes"_s), kNs + u"InvoiceCreationArgumentsExtensionInterface"_s, {}, {}, &ext, error))
            return false;
    }
    return true;
}

bool parseRefundRequest(const QJsonObject &body, const MagentoOrder &order, bool invoiceRoute, MagentoRefundRequest *r,
                        MagentoError *error)
{
    const QJsonValue items = argument(body, u"items"_s);
    if (!items.isUndefined() && !items.isNull()) {
        QList<MagentoItemQty> list;
        if (!parseItems(items, kNs + u"CreditmemoItemCreationInterface"_s, &list, error))
            return false;
        r->items = list;
    }
    if (invoiceRoute) {
        const QJsonValue online = argument(body, u"isOnline"_s);
        if (!online.isUndefined() && !online.isNull() && !toBool(online, &r->isOnline, error))
            return false;
    }
    if (!parseFlags(body, &r->notify, &r->appendComment, error))
        return false;
    if (!parseComment(argument(body, u"comment"_s), kNs + u"CreditmemoCommentCreationInterface"_s, &r->comment, error))
        return false;
    const QJsonValue args = argument(body, u"arguments"_s);
    if (args.isUndefined() || args.isNull())
        return true;
    QJsonObject o;
    if (!checkObject(args, kNs + u"CreditmemoCreationArgumentsInterface"_s,
                     {u"shipping_amount"_s, u"adjustment_positive"_s, u"adjustment_negative"_s, u"extension_attributes"_s}, {}, &o, error))
        return false;
    // Credit memo arguments are base-currency amounts in Magento.
    const int be = order.baseExponent;
    if (o.contains(u"shipping_amount"_s) && !o.value(u"shipping_amount"_s).isNull()) {
        qint64 v = 0;
        if (!toAmount(o.value(u"shipping_amount"_s), be, &v, error))
            return false;
        r->shippingAmount = v;
    }
    for (const auto &[key, target] : {std::pair{u"adjustment_positive"_s, &r->adjustmentPositive},
                                      std::pair{u"adjustment_negative"_s, &r->adjustmentNegative}}) {
        if (!o.contains(key) || o.value(key).isNull())
            continue;
        if (!toAmount(o.value(key), be, target, error))
            return false;
        if (*target < 0) {
            *error = magentoError(400, u"Creditmemo Document Validation Error(s):\nThe %1 must not be negative."_s.arg(key));
            return false;
        }
    }
    if (o.contains(u"extension_attributes"_s)) {
        QJsonObject ext;
        if (!checkObject(o.value(u"extension_attributes"_s), kNs + u"CreditmemoCreationArgumentsExtensionInterface"_s,
                         {u"return_to_stock_items"_s}, {}, &ext, error))
            return false;
        const QJsonValue stock = ext.value(u"return_to_stock_items"_s);
        if (!stock.isUndefined() && !stock.isNull()) {
            if (!stock.isArray()) {
                *error = typeError(valueText(stock), u"int[]"_s);
                return false;
            }
            for (const QJsonValue &id : stock.toArray()) {
                qint64 n = 0;
                if (!toInt(id, &n, error))
                    return false;
                r->returnToStockItems.append(n);
            }
        }
    }
    return true;
}

bool parseStatusHistory(const QJsonObject &body, MagentoStatusHistoryInput *h, MagentoError *error)
{
    const QJsonValue v = argument(body, u"statusHistory"_s);
    if (v.isUndefined() || v.isNull()) {
        *error = required(u"statusHistory"_s);
        return false;
    }
    QJsonObject o;
    if (!checkObject(v, kNs + u"OrderStatusHistoryInterface"_s,
                     {u"comment"_s, u"created_at"_s, u"entity_id"_s, u"entity_name"_s, u"is_customer_notified"_s,
                      u"is_visible_on_front"_s, u"parent_id"_s, u"status"_s, u"extension_attributes"_s},
                     {u"comment"_s, u"is_customer_notified"_s, u"is_visible_on_front"_s, u"parent_id"_s}, &o, error))
        return false;
    qint64 notified = 0, visible = 0;
    if (!toText(o.value(u"comment"_s), &h->comment, error) || !toInt(o.value(u"is_customer_notified"_s), &notified, error)
        || !toInt(o.value(u"is_visible_on_front"_s), &visible, error) || !toInt(o.value(u"parent_id"_s), &h->parentId, error))
        return false;
    h->isCustomerNotified = notified ? 1 : 0;
    h->isVisibleOnFront = visible ? 1 : 0;
    if (o.contains(u"status"_s) && !o.value(u"status"_s).isNull() && !toText(o.value(u"status"_s), &h->status, error))
        return false;
    return true;
}

QByteArray scalarInt(qint64 v)
{
    return QByteArray::number(v);
}

// ---- customers ------------------------------------------------------------------------------------

const QString kCustomerNs = u"Magento\\Customer\\Api\\Data\\"_s;

bool optionalText(const QJsonObject &o, const QString &key, QString *out, MagentoError *error)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return true;
    return toText(v, out, error);
}

bool parseAddress(const QJsonValue &v, MagentoAddress *a, MagentoError *error)
{
    QJsonObject o;
    if (!checkObject(v, kCustomerNs + u"AddressInterface"_s,
                     {u"id"_s, u"customer_id"_s, u"region"_s, u"region_id"_s, u"country_id"_s, u"street"_s, u"company"_s,
                      u"telephone"_s, u"fax"_s, u"postcode"_s, u"city"_s, u"firstname"_s, u"lastname"_s, u"middlename"_s,
                      u"prefix"_s, u"suffix"_s, u"vat_id"_s, u"default_shipping"_s, u"default_billing"_s,
                      u"extension_attributes"_s, u"custom_attributes"_s},
                     {}, &o, error))
        return false;
    if (o.contains(u"id"_s) && !o.value(u"id"_s).isNull() && !toInt(o.value(u"id"_s), &a->entityId, error))
        return false;
    const QJsonValue region = o.value(u"region"_s);
    if (!region.isUndefined() && !region.isNull()) {
        QJsonObject r;
        if (!checkObject(region, kCustomerNs + u"RegionInterface"_s,
                         {u"region_code"_s, u"region"_s, u"region_id"_s, u"extension_attributes"_s}, {}, &r, error))
            return false;
        if (!optionalText(r, u"region_code"_s, &a->regionCode, error) || !optionalText(r, u"region"_s, &a->region, error))
            return false;
        qint64 rid = 0;
        if (r.contains(u"region_id"_s) && !r.value(u"region_id"_s).isNull() && !toInt(r.value(u"region_id"_s), &rid, error))
            return false;
        a->regionId = int(rid);
    }
    if (o.contains(u"region_id"_s) && !o.value(u"region_id"_s).isNull()) {
        qint64 rid = 0;
        if (!toInt(o.value(u"region_id"_s), &rid, error))
            return false;
        a->regionId = int(rid);
    }
    const QJsonValue street = o.value(u"street"_s);
    if (!street.isUndefined() && !street.isNull()) {
        if (!street.isArray()) {
            *error = typeError(valueText(street), u"string[]"_s);
            return false;
        }
        for (const QJsonValue &line : street.toArray()) {
            QString text;
            if (!toText(line, &text, error))
                return false;
            a->street.append(text);
        }
    }
    for (const auto &[key, target] : {std::pair{u"country_id"_s, &a->countryId}, std::pair{u"company"_s, &a->company},
                                      std::pair{u"telephone"_s, &a->telephone}, std::pair{u"postcode"_s, &a->postcode},
                                      std::pair{u"city"_s, &a->city}, std::pair{u"firstname"_s, &a->firstname},
                                      std::pair{u"lastname"_s, &a->lastname}}) {
        if (!optionalText(o, key, target, error))
            return false;
    }
    // Address validation (AbstractAddress::validate): the fields every country needs.
    for (const auto &[key, label] : {std::pair{u"firstname"_s, u"firstname"_s}, std::pair{u"lastname"_s, u"lastname"_s},
                                     std::pair{u"street"_s, u"street"_s}, std::pair{u"city"_s, u"city"_s},
                                     std::pair{u"telephone"_s, u"telephone"_s}, std::pair{u"country_id"_s, u"countryId"_s}}) {
        const bool empty = key == u"street" ? (a->street.isEmpty() || a->street.first().trimmed().isEmpty())
                                            : o.value(key).toVariant().toString().trimmed().isEmpty();
        if (empty) {
            *error = magentoError(400, u"\"%fieldName\" is required. Enter and try again."_s, {{u"fieldName"_s, label}});
            return false;
        }
    }
    return true;
}

// The body of PUT /V1/customers/:customerId: {"customer": CustomerInterface}. The path id is the
// customer's id; a body id that names another customer is refused (the sandbox's wording).
bool parseCustomerBody(const QJsonObject &body, qint64 pathId, MagentoCustomer *c, MagentoError *error)
{
    const QJsonValue v = body.value(u"customer"_s);
    if (v.isUndefined() || v.isNull()) {
        *error = required(u"customer"_s);
        return false;
    }
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != u"customer" && it.key() != u"passwordHash" && it.key() != u"password_hash") {
            *error = magentoError(400, u"\"%fieldName\" is not expected. Verify and try again."_s, {{u"fieldName"_s, it.key()}});
            return false;
        }
    }
    QJsonObject o;
    if (!checkObject(v, kCustomerNs + u"CustomerInterface"_s,
                     {u"id"_s, u"group_id"_s, u"default_billing"_s, u"default_shipping"_s, u"confirmation"_s, u"created_at"_s,
                      u"updated_at"_s, u"created_in"_s, u"dob"_s, u"email"_s, u"firstname"_s, u"lastname"_s, u"middlename"_s,
                      u"prefix"_s, u"suffix"_s, u"gender"_s, u"store_id"_s, u"taxvat"_s, u"website_id"_s, u"addresses"_s,
                      u"disable_auto_group_change"_s, u"extension_attributes"_s, u"custom_attributes"_s},
                     {}, &o, error))
        return false;
    c->id = pathId;
    if (o.contains(u"id"_s) && !o.value(u"id"_s).isNull()) {
        qint64 bodyId = 0;
        if (!toInt(o.value(u"id"_s), &bodyId, error))
            return false;
        if (bodyId != pathId) {
            *error = magentoError(400, u"The customer id in the request body does not match the one in the URL."_s);
            return false;
        }
    }
    const auto intField = [&](const QString &key, qint64 *out) {
        const QJsonValue f = o.value(key);
        if (f.isUndefined() || f.isNull())
            return true;
        return toInt(f, out, error);
    };
    c->websiteId = 0; // "Associate to Website" is required
    qint64 gender = -1, disable = 0, billing = 0, shipping = 0;
    if (!intField(u"group_id"_s, &c->groupId) || !intField(u"store_id"_s, &c->storeId) || !intField(u"website_id"_s, &c->websiteId)
        || !intField(u"gender"_s, &gender) || !intField(u"disable_auto_group_change"_s, &disable)
        || !intField(u"default_billing"_s, &billing) || !intField(u"default_shipping"_s, &shipping))
        return false;
    c->gender = int(gender);
    c->disableAutoGroupChange = int(disable);
    c->defaultBilling = billing;
    c->defaultShipping = shipping;
    for (const auto &[key, target] : {std::pair{u"email"_s, &c->email}, std::pair{u"firstname"_s, &c->firstname},
                                      std::pair{u"lastname"_s, &c->lastname}, std::pair{u"middlename"_s, &c->middlename},
                                      std::pair{u"prefix"_s, &c->prefix}, std::pair{u"suffix"_s, &c->suffix},
                                      std::pair{u"dob"_s, &c->dob}, std::pair{u"taxvat"_s, &c->taxvat}}) {
        if (!optionalText(o, key, target, error))
            return false;
    }
    const QJsonValue addresses = o.value(u"addresses"_s);
    if (!addresses.isUndefined() && !addresses.isNull()) {
        if (!addresses.isArray()) {
            *error = typeError(valueText(addresses), kCustomerNs + u"AddressInterface[]"_s);
            return false;
        }
        for (const QJsonValue &entry : addresses.toArray()) {
            MagentoAddress a;
            if (!parseAddress(entry, &a, error))
                return false;
            // An address flagged default_billing/default_shipping becomes the default.
            const QJsonObject ao = entry.toObject();
            bool flag = false;
            MagentoError ignored;
            if (ao.contains(u"default_billing"_s) && toBool(ao.value(u"default_billing"_s), &flag, &ignored) && flag && !billing)
                c->defaultBilling = a.entityId ? a.entityId : -(c->addresses.size() + 1);
            if (ao.contains(u"default_shipping"_s) && toBool(ao.value(u"default_shipping"_s), &flag, &ignored) && flag && !shipping)
                c->defaultShipping = a.entityId ? a.entityId : -(c->addresses.size() + 1);
            if (!a.entityId)
                a.entityId = -(c->addresses.size() + 1); // provisional: numbered on save
            c->addresses.append(a);
        }
    }
    const QJsonValue custom = o.value(u"custom_attributes"_s);
    if (!custom.isUndefined() && !custom.isNull()) {
        if (!custom.isArray()) {
            *error = typeError(valueText(custom), u"Magento\\Framework\\Api\\AttributeInterface[]"_s);
            return false;
        }
        for (const QJsonValue &entry : custom.toArray()) {
            QJsonObject a;
            if (!checkObject(entry, u"Magento\\Framework\\Api\\AttributeInterface"_s, {u"attribute_code"_s, u"value"_s},
                             {u"attribute_code"_s}, &a, error))
                return false;
            QString code, value;
            if (!toText(a.value(u"attribute_code"_s), &code, error))
                return false;
            if (!a.value(u"value"_s).isNull() && !toText(a.value(u"value"_s), &value, error))
                return false;
            c->customAttributes.removeIf([&](const std::pair<QString, QString> &p) { return p.first == code; });
            // An empty value clears the attribute (Magento stores no row for it).
            if (!value.isEmpty())
                c->customAttributes.append({code, value});
        }
    }
    return true;
}

struct SystemAttribute
{
    QStringView code;
    QStringView input;
    QStringView label;
    QStringView backend;
    bool required;
    int sortOrder;
};

// A few system attributes of the customer entity (metadata as a default install reports them).
const SystemAttribute kSystemCustomerAttributes[] = {
    {u"email", u"text", u"Email", u"static", true, 80},
    {u"firstname", u"text", u"First Name", u"static", true, 40},
    {u"lastname", u"text", u"Last Name", u"static", true, 70},
    {u"website_id", u"select", u"Associate to Website", u"static", true, 10},
    {u"group_id", u"select", u"Group", u"static", true, 25},
    {u"dob", u"date", u"Date of Birth", u"static", false, 90},
    {u"gender", u"select", u"Gender", u"static", false, 110},
};

std::optional<SystemAttribute> systemCustomerAttribute(const QString &code)
{
    for (const SystemAttribute &a : kSystemCustomerAttributes) {
        if (a.code == code)
            return a;
    }
    return std::nullopt;
}

// AttributeMetadataInterface as the data object processor prints it (is*/get* prefixes dropped:
// isUserDefined() -> "user_defined", getIsUsedInGrid() -> "is_used_in_grid").
void writeCustomerAttributeMetadata(JsonWriter &w, const QString &code, const std::optional<SystemAttribute> &system)
{
    const QString label = system ? system->label.toString() : u"PayTrace Customer ID"_s;
    w.beginObject();
    w.field("frontend_input", system ? system->input.toString() : u"text"_s);
    w.fieldLatin1("input_filter", "");
    w.field("store_label", label);
    w.key("validation_rules");
    w.beginArray();
    if (!system) {
        w.beginObject();
        w.fieldLatin1("name", "max_text_length");
        w.fieldLatin1("value", "255");
        w.endObject();
    }
    w.endArray();
    w.fieldInt("multiline_count", 0);
    w.fieldBool("visible", true);
    w.fieldBool("required", system ? system->required : false);
    w.fieldLatin1("data_model", "");
    w.key("options");
    w.beginArray();
    w.endArray();
    w.fieldLatin1("frontend_class", "");
    w.fieldBool("user_defined", !system);
    w.fieldInt("sort_order", system ? system->sortOrder : 1000);
    w.field("frontend_label", label);
    w.fieldLatin1("note", "");
    w.fieldBool("system", bool(system));
    w.field("backend_type", system ? system->backend.toString() : u"varchar"_s);
    w.fieldBool("is_used_in_grid", !system);
    w.fieldBool("is_visible_in_grid", !system);
    w.fieldBool("is_filterable_in_grid", !system);
    w.fieldBool("is_searchable_in_grid", !system);
    w.field("attribute_code", code);
    w.endObject();
}

} // namespace

MagentoSimulator::MagentoSimulator(const SandboxClock *clock, const SandboxCredentials &credentials)
    : m_clock(clock), m_credentials(credentials), m_granted(defaultGrantedResources()),
      m_oauth(credentials.magentoConsumerKey, credentials.magentoConsumerSecret, credentials.magentoAccessToken,
              credentials.magentoAccessTokenSecret)
{
}

QStringList MagentoSimulator::defaultGrantedResources()
{
    return {u"Magento_Sales::actions_view"_s, u"Magento_Sales::comment"_s,          u"Magento_Sales::hold"_s,
            u"Magento_Sales::unhold"_s,       u"Magento_Sales::cancel"_s,           u"Magento_Sales::invoice"_s,
            u"Magento_Sales::creditmemo"_s,   u"Magento_Sales::sales_invoice"_s,    u"Magento_Sales::sales_creditmemo"_s,
            u"Magento_Sales::transactions_fetch"_s, u"Magento_Customer::customer"_s, u"Magento_Customer::manage"_s,
            u"Magento_Backend::store"_s};
}

void MagentoSimulator::setGrantedResources(const QStringList &resources)
{
    QMutexLocker lock(&m_mutex);
    m_granted = resources;
}

QStringList MagentoSimulator::grantedResources() const
{
    QMutexLocker lock(&m_mutex);
    return m_granted;
}

void MagentoSimulator::load(const QList<MagentoOrder> &orders)
{
    QMutexLocker lock(&m_mutex);
    m_store.load(orders);
    m_sales.seed(m_store.orders());
}

QByteArray MagentoSimulator::rateLimitedBody()
{
    return QByteArrayLiteral("{\"message\":\"Too Many Requests\",\"trace\":null}");
}

HttpResponse MagentoSimulator::handle(const HttpRequest &request, QByteArrayView path)
{
    // /rest/V1/... or /rest/<store code>/V1/...
    if (!path.startsWith("/rest/"))
        return noRoute();
    QByteArrayView rest = path.sliced(6);
    if (!rest.startsWith("V1/")) {
        const qsizetype slash = rest.indexOf('/');
        if (slash <= 0)
            return noRoute();
        const QByteArrayView store = rest.first(slash);
        if (store != "default" && store != "all")
            return toResponse(magentoError(400, u"The store that was requested wasn't found. Verify the store and try again."_s));
        rest = rest.sliced(slash + 1);
        if (!rest.startsWith("V1/"))
            return noRoute();
    }
    QMutexLocker lock(&m_mutex);
    return route(request, rest.sliced(2)); // "/orders", "/orders/12", …
}

HttpResponse MagentoSimulator::route(const HttpRequest &request, QByteArrayView path)
{
    // Magento matches method and path together: a known path with another method is no route.
    const RouteDef *def = nullptr;
    QByteArray rawId;
    for (const RouteDef &r : kRoutes) {
        QByteArray param;
        if (r.method == request.method && matchPattern(r.pattern, path, &param)) {
            def = &r;
            rawId = param;
            break;
        }
    }
    if (!def)
        return noRoute();
    const QString resource = def->resource.toString();

    // Authentication, then the route's ACL resource.
    const QByteArray authorization = request.header("authorization");
    if (MagentoOAuthVerifier::isOAuthHeader(authorization)) {
        if (const auto refused = m_oauth.verify(request, m_clock->nowSecs()))
            return toResponse(*refused);
    } else {
        const bool bearerOk = m_bearerEnabled.load() && authorization.size() > 7
            && authorization.first(7).compare("bearer ", Qt::CaseInsensitive) == 0
            && authorization.mid(7).trimmed() == m_credentials.magentoAccessToken.toLatin1();
        if (!bearerOk)
            return toResponse(unauthorized(resource));
    }
    if (!m_granted.contains(resource) && !m_granted.contains(u"Magento_Backend::all"_s))
        return toResponse(unauthorized(resource));

    const auto query = parseFormEncoded(request.query);
    FieldSelection selection;
    bool hasFields = false;
    MagentoError error;
    if (!parseFields(query, &selection, &hasFields, &error))
        return toResponse(error);
    const FieldSelection *sel = hasFields ? &selection : nullptr;

    // Path ids must be integers (Magento's type check); attribute codes are strings.
    qint64 id = 0;
    if (!rawId.isEmpty() && def->id != RouteId::AttributeMetadata) {
        bool ok = false;
        id = rawId.toLongLong(&ok);
        if (!ok)
            return toResponse(typeError(QString::fromUtf8(rawId), u"int"_s));
    }
    const qint64 now = m_clock->nowSecs();

    const auto searchCriteria = [&](SearchCriteria *criteria) -> bool {
        bool present = false;
        const auto parsed = parseSearchCriteria(query, &present, &error);
        if (!parsed)
            return false;
        if (!present) {
            error = required(u"searchCriteria"_s);
            return false;
        }
        *criteria = *parsed;
        return true;
    };
    const auto envelope = [&](const SearchCriteria &criteria, qint64 total, const auto &writeItems) {
        QByteArray body;
        JsonWriter w(&body, sel);
        w.beginObject();
        w.key("items");
        w.beginArray();
        writeItems(w);
        w.endArray();
        w.key("search_criteria");
        writeSearchCriteria(w, criteria);
        w.field("total_count", total);
        w.endObject();
        return HttpResponse::json(200, body);
    };
    const auto one = [&](const auto &writeOne) {
        QByteArray body;
        JsonWriter w(&body, sel);
        writeOne(w);
        return HttpResponse::json(200, body);
    };

    switch (def->id) {
    case RouteId::OrdersList: {
        SearchCriteria criteria;
        if (!searchCriteria(&criteria))
            return toResponse(error);
        MagentoStore::Page page;
        if (!m_store.search(criteria, m_inputLimits.load(), &page, &error, m_pastEndEmpty.load()))
            return toResponse(error);
        const auto &orders = m_store.orders();
        return envelope(criteria, page.totalCount, [&](JsonWriter &w) {
            for (int idx : page.indexes)
                writeMagentoOrder(w, orders[size_t(idx)]);
        });
    }
    case RouteId::OrderGet: {
        const MagentoOrder *o = m_store.find(id);
        if (!o)
            return toResponse(notFound());
        return one([&](JsonWriter &w) { writeMagentoOrder(w, *o); });
    }
    case RouteId::OrderStatuses: {
        const MagentoOrder *o = m_store.find(id);
        if (!o)
            return toResponse(notFound());
        return one([&](JsonWriter &w) { w.string(o->status); });
    }
    case RouteId::OrderCommentsList: {
        // getCommentsList filters the history collection by parent_id without loading the order,
        // so an unknown order gives an empty list, not a 404.
        const MagentoOrder *o = m_store.find(id);
        QByteArray body;
        JsonWriter w(&body, sel);
        w.beginObject();
        w.key("items");
        w.beginArray();
        if (o) {
            for (const MagentoStatusHistory &h : o->statusHistories)
                writeMagentoStatusHistory(w, h);
        }
        w.endArray();
        w.key("search_criteria");
        w.beginObject(); // as recordings/magento/order_comments.response.json
        w.endObject();
        w.field("total_count", o ? qint64(o->statusHistories.size()) : 0);
        w.endObject();
        return HttpResponse::json(200, body);
    }
    case RouteId::OrderCommentAdd:
    case RouteId::OrderHold:
    case RouteId::OrderUnhold:
    case RouteId::OrderCancel:
    case RouteId::OrderInvoice:
    case RouteId::OrderRefund: {
        QJsonObject body;
        if (!parseBody(request, &body, &error))
            return toResponse(error);
        MagentoOrder *o = m_store.find(id) ? m_store.mutableOrder(id) : nullptr;
        if (def->id == RouteId::OrderCommentAdd) {
            MagentoStatusHistoryInput input;
            if (!parseStatusHistory(body, &input, &error))
                return toResponse(error);
            if (!o)
                return toResponse(notFound());
            m_sales.addComment(*o, input, now);
            return HttpResponse::json(200, QByteArrayLiteral("true"));
        }
        if (def->id == RouteId::OrderInvoice) {
            MagentoInvoiceRequest r;
            if (!parseInvoiceRequest(body, &r, &error))
                return toResponse(error);
            if (!o)
                return toResponse(notFound());
            qint64 entityId = 0;
            if (const auto refused = m_sales.invoice(*o, r, now, &entityId))
                return toResponse(*refused);
            return HttpResponse::json(200, scalarInt(entityId));
        }
        if (def->id == RouteId::OrderRefund) {
            if (!o)
                return toResponse(notFound());
            MagentoRefundRequest r;
            if (!parseRefundRequest(body, *o, false, &r, &error))
                return toResponse(error);
            qint64 entityId = 0;
            if (const auto refused = m_sales.refund(*o, nullptr, r, now, &entityId))
                return toResponse(*refused);
            return HttpResponse::json(200, scalarInt(entityId));
        }
        if (!o)
            return toResponse(notFound());
        if (def->id == RouteId::OrderCancel)
            return HttpResponse::json(200, m_sales.cancel(*o, now) ? QByteArrayLiteral("true") : QByteArrayLiteral("false"));
        const auto refused = def->id == RouteId::OrderHold ? m_sales.hold(*o, now) : m_sales.unhold(*o, now);
        if (refused)
            return toResponse(*refused);
        return HttpResponse::json(200, QByteArrayLiteral("true"));
    }
    case RouteId::InvoiceRefund: {
        QJsonObject body;
        if (!parseBody(request, &body, &error))
            return toResponse(error);
        const MagentoInvoice *invoice = m_sales.findInvoice(id);
        if (!invoice)
            return toResponse(notFound());
        MagentoOrder *o = m_store.mutableOrder(invoice->orderId);
        if (!o)
            return toResponse(notFound());
        MagentoRefundRequest r;
        if (!parseRefundRequest(body, *o, true, &r, &error))
            return toResponse(error);
        qint64 entityId = 0;
        if (const auto refused = m_sales.refund(*o, invoice, r, now, &entityId))
            return toResponse(*refused);
        return HttpResponse::json(200, scalarInt(entityId));
    }
    case RouteId::InvoicesList:
    case RouteId::CreditmemosList:
    case RouteId::TransactionsList:
    case RouteId::CustomersSearch: {
        SearchCriteria criteria;
        if (!searchCriteria(&criteria))
            return toResponse(error);
        std::vector<int> page;
        qint64 total = 0;
        bool ok = false;
        const bool limits = m_inputLimits.load();
        if (def->id == RouteId::InvoicesList)
            ok = magentoSearch<MagentoInvoice>(m_sales.invoices(), &MagentoSales::invoiceColumn, criteria, limits, &page, &total, &error);
        else if (def->id == RouteId::CreditmemosList)
            ok = magentoSearch<MagentoCreditmemo>(m_sales.creditmemos(), &MagentoSales::creditmemoColumn, criteria, limits, &page, &total, &error);
        else if (def->id == RouteId::TransactionsList)
            ok = magentoSearch<MagentoTransaction>(m_sales.transactions(), &MagentoSales::transactionColumn, criteria, limits, &page, &total, &error);
        else
            ok = magentoSearch<MagentoCustomer>(m_sales.customers(), &MagentoSales::customerColumn, criteria, limits, &page, &total, &error);
        if (!ok)
            return toResponse(error);
        return envelope(criteria, total, [&](JsonWriter &w) {
            for (int idx : page) {
                if (def->id == RouteId::InvoicesList) {
                    writeMagentoInvoice(w, m_sales.invoices()[size_t(idx)]);
                } else if (def->id == RouteId::CreditmemosList) {
                    writeMagentoCreditmemo(w, m_sales.creditmemos()[size_t(idx)]);
                } else if (def->id == RouteId::TransactionsList) {
                    const MagentoTransaction &t = m_sales.transactions()[size_t(idx)];
                    QList<const MagentoTransaction *> children;
                    for (const MagentoTransaction &c : m_sales.transactions()) {
                        if (c.parentId == t.transactionId)
                            children.append(&c);
                    }
                    writeMagentoTransaction(w, t, children);
                } else {
                    writeMagentoCustomer(w, m_sales.customers()[size_t(idx)]);
                }
            }
        });
    }
    case RouteId::InvoiceGet: {
        const MagentoInvoice *v = m_sales.findInvoice(id);
        if (!v)
            return toResponse(notFound());
        return one([&](JsonWriter &w) { writeMagentoInvoice(w, *v); });
    }
    case RouteId::CreditmemoGet: {
        const MagentoCreditmemo *v = m_sales.findCreditmemo(id);
        if (!v)
            return toResponse(notFound());
        return one([&](JsonWriter &w) { writeMagentoCreditmemo(w, *v); });
    }
    case RouteId::TransactionGet: {
        const MagentoTransaction *t = m_sales.findTransaction(id);
        if (!t)
            return toResponse(notFound());
        QList<const MagentoTransaction *> children;
        for (const MagentoTransaction &c : m_sales.transactions()) {
            if (c.parentId == t->transactionId)
                children.append(&c);
        }
        return one([&](JsonWriter &w) { writeMagentoTransaction(w, *t, children); });
    }
    case RouteId::CustomerGet: {
        const MagentoCustomer *c = m_sales.findCustomer(id);
        if (!c) // CustomerRepository: NoSuchEntityException::singleField
            return toResponse(magentoError(404, u"No such entity with %fieldName = %fieldValue"_s,
                                           {{u"fieldName"_s, u"customerId"_s}, {u"fieldValue"_s, QString::number(id)}}));
        return one([&](JsonWriter &w) { writeMagentoCustomer(w, *c); });
    }
    case RouteId::CustomerPut: {
        QJsonObject body;
        if (!parseBody(request, &body, &error))
            return toResponse(error);
        MagentoCustomer customer;
        if (!parseCustomerBody(body, id, &customer, &error))
            return toResponse(error);
        MagentoCustomer saved;
        if (const auto refused = m_sales.saveCustomer(customer, now, &saved))
            return toResponse(*refused);
        return one([&](JsonWriter &w) { writeMagentoCustomer(w, saved); });
    }
    case RouteId::CustomerDelete: {
        if (!m_sales.deleteCustomer(id))
            return toResponse(magentoError(404, u"No such entity with %fieldName = %fieldValue"_s,
                                           {{u"fieldName"_s, u"customerId"_s}, {u"fieldValue"_s, QString::number(id)}}));
        return HttpResponse::json(200, QByteArrayLiteral("true"));
    }
    case RouteId::AttributeMetadata: {
        const QString code = QString::fromUtf8(rawId);
        const auto system = systemCustomerAttribute(code);
        if (!system && !m_sales.customerAttributeDefined(code)) // CustomerMetadata::getAttributeMetadata
            return toResponse(magentoError(404, u"No such entity with %fieldName = %fieldValue"_s,
                                           {{u"fieldName"_s, u"attributeCode"_s}, {u"fieldValue"_s, code}}));
        return one([&](JsonWriter &w) { writeCustomerAttributeMetadata(w, code, system); });
    }
    case RouteId::StoreConfigs: {
        // storeCodes[]=… narrows the list; this store has the one "default" view.
        bool filtered = false, wantsDefault = false;
        for (const auto &[key, value] : query) {
            if (key == "storeCodes" || key.startsWith("storeCodes[")) {
                filtered = true;
                wantsDefault = wantsDefault || value == "default";
            }
        }
        const QByteArray host = request.header("host").isEmpty() ? QByteArrayLiteral("127.0.0.1") : request.header("host");
        const QString base = u"http://"_s + QString::fromLatin1(host) + u"/magento/"_s;
        return one([&](JsonWriter &w) {
            w.beginArray();
            if (!filtered || wantsDefault) {
                w.beginObject();
                w.fieldInt("id", 1);
                w.fieldLatin1("code", "default");
                w.fieldInt("website_id", 1);
                w.fieldLatin1("locale", "en_US");
                w.fieldLatin1("base_currency_code", "USD");
                w.fieldLatin1("default_display_currency_code", "USD");
                // The merchant is on the US west coast, like the PayTrace batch clock.
                w.fieldLatin1("timezone", "America/Los_Angeles");
                w.fieldLatin1("weight_unit", "lbs");
                w.field("base_url", base);
                w.field("base_link_url", base);
                w.field("base_static_url", base + u"static/"_s);
                w.field("base_media_url", base + u"media/"_s);
                w.field("secure_base_url", base);
                w.field("secure_base_link_url", base);
                w.field("secure_base_static_url", base + u"static/"_s);
                w.field("secure_base_media_url", base + u"media/"_s);
                w.endObject();
            }
            w.endArray();
        });
    }
    }
    return noRoute();
}

QList<MagentoDocument> MagentoSimulator::documents() const
{
    QMutexLocker lock(&m_mutex);
    return m_sales.documents();
}

QList<MagentoInvoice> MagentoSimulator::invoices() const
{
    QMutexLocker lock(&m_mutex);
    return QList<MagentoInvoice>(m_sales.invoices().begin(), m_sales.invoices().end());
}

QList<MagentoCreditmemo> MagentoSimulator::creditmemos() const
{
    QMutexLocker lock(&m_mutex);
    return QList<MagentoCreditmemo>(m_sales.creditmemos().begin(), m_sales.creditmemos().end());
}

QList<MagentoTransaction> MagentoSimulator::transactions() const
{
    QMutexLocker lock(&m_mutex);
    return QList<MagentoTransaction>(m_sales.transactions().begin(), m_sales.transactions().end());
}

QList<MagentoCustomer> MagentoSimulator::customers() const
{
    QMutexLocker lock(&m_mutex);
    return QList<MagentoCustomer>(m_sales.customers().begin(), m_sales.customers().end());
}

std::optional<MagentoCustomer> MagentoSimulator::customer(qint64 id) const
{
    QMutexLocker lock(&m_mutex);
    const MagentoCustomer *c = m_sales.findCustomer(id);
    return c ? std::optional<MagentoCustomer>(*c) : std::nullopt;
}

void MagentoSimulator::setCustomerAttributeDefined(const QString &code, bool defined)
{
    QMutexLocker lock(&m_mutex);
    if (defined)
        m_sales.defineCustomerAttribute(code);
    else
        m_sales.undefineCustomerAttribute(code);
}

bool MagentoSimulator::customerAttributeDefined(const QString &code) const
{
    QMutexLocker lock(&m_mutex);
    return m_sales.customerAttributeDefined(code);
}

QStringList MagentoSimulator::customerAttributeCodes() const
{
    QMutexLocker lock(&m_mutex);
    return m_sales.customerAttributeCodes();
}

void MagentoSimulator::seedCustomerAttributes(const QString &code, const QList<std::pair<qint64, QString>> &values)
{
    QMutexLocker lock(&m_mutex);
    for (const auto &[id, value] : values)
        m_sales.seedCustomerAttribute(id, code, value);
}

bool MagentoSimulator::adminUpdateCustomer(const MagentoCustomer &customer)
{
    QMutexLocker lock(&m_mutex);
    return m_sales.putCustomer(customer, m_clock->nowSecs());
}

bool MagentoSimulator::adminDeleteCustomer(qint64 id)
{
    QMutexLocker lock(&m_mutex);
    return m_sales.deleteCustomer(id);
}

QList<MagentoOrder> MagentoSimulator::orders() const
{
    QMutexLocker lock(&m_mutex);
    const auto &all = m_store.orders();
    return QList<MagentoOrder>(all.begin(), all.end());
}

std::optional<MagentoOrder> MagentoSimulator::order(qint64 entityId) const
{
    QMutexLocker lock(&m_mutex);
    const MagentoOrder *o = m_store.find(entityId);
    return o ? std::optional<MagentoOrder>(*o) : std::nullopt;
}

std::optional<MagentoOrder> MagentoSimulator::orderByIncrementId(const QString &incrementId) const
{
    QMutexLocker lock(&m_mutex);
    for (const MagentoOrder &o : m_store.orders()) {
        if (o.incrementId == incrementId)
            return o;
    }
    return std::nullopt;
}

qsizetype MagentoSimulator::orderCount() const
{
    QMutexLocker lock(&m_mutex);
    return qsizetype(m_store.orders().size());
}

MagentoOrder MagentoSimulator::addOrder(MagentoOrder order)
{
    QMutexLocker lock(&m_mutex);
    const auto &all = m_store.orders();
    order.entityId = all.empty() ? 1 : all.back().entityId + 1;
    if (order.incrementId.isEmpty())
        order.incrementId = QString::number(order.entityId).rightJustified(9, u'0');
    m_store.add(order);
    return order;
}

bool MagentoSimulator::updateOrder(const MagentoOrder &order)
{
    QMutexLocker lock(&m_mutex);
    return m_store.update(order);
}

bool MagentoSimulator::setOrderOverrides(qint64 entityId, const QList<std::pair<QByteArray, QByteArray>> &fields, bool touch)
{
    QMutexLocker lock(&m_mutex);
    MagentoOrder *o = m_store.mutableOrder(entityId);
    if (!o)
        return false;
    o->fieldOverrides = fields;
    if (touch)
        o->updatedAt = m_clock->nowSecs();
    return true;
}

bool MagentoSimulator::setOrderOverrides(qint64 entityId, const QJsonObject &fields, bool touch)
{
    QList<std::pair<QByteArray, QByteArray>> raw;
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        const QByteArray wrapped = QJsonDocument(QJsonArray{it.value()}).toJson(QJsonDocument::Compact);
        raw.append({it.key().toUtf8(), wrapped.sliced(1, wrapped.size() - 2)});
    }
    return setOrderOverrides(entityId, raw, touch);
}

} // namespace pb::sandbox
