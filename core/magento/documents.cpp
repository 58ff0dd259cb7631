#include "magento/documents.h"

#include "magento/parser.h"
#include "money/exactamount.h"
#include "net/jsonread.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace pb::magento {

namespace J = pb::net::json;

namespace {

// Absent/null → invalid Money. A present amount needs its currency. Read exactly and kept
// rounded half-even; the exact text goes into `exact` when finer than the currency
// (docs/magento.md §7).
Result<Money> optMoney(const QJsonObject &o, QLatin1StringView key, const Currency &currency,
                       const QString &path, QMap<QString, QString> &exact)
{
    const QJsonValue v = o.value(key);
    if (v.isNull() || v.isUndefined())
        return Money();
    if (!currency.isValid())
        return makeError(QStringLiteral("magento.currency_missing"), J::join(path, key),
                         QStringLiteral("an amount without its currency code"));
    PB_TRY(amount, ExactAmount::fromJson(v, currency, J::join(path, key)));
    if (amount.isFinerThanCurrency())
        exact.insert(QString(key), amount.toDecimalString());
    return amount.rounded();
}

Result<Currency> optCurrency(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    PB_TRY(code, J::optString(o, key, path));
    if (!code || code->isEmpty())
        return Currency();
    const auto c = Currency::fromCode(*code);
    if (!c)
        return makeError(QStringLiteral("magento.currency"), J::join(path, key),
                         QStringLiteral("unknown currency code \"") + code->left(16) + u'"');
    return *c;
}

Result<QDateTime> optTime(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    PB_TRY(text, J::optString(o, key, path));
    if (!text || text->isEmpty())
        return QDateTime();
    return Parser::parseTime(*text, J::join(path, key));
}

Result<QString> str(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    PB_TRY(s, J::optString(o, key, path));
    return s.value_or(QString());
}

Result<qint64> id(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    PB_TRY(n, J::optInt(o, key, path));
    return n.value_or(0);
}

Result<bool> flag(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    PB_TRY(b, J::optBool(o, key, path));
    return b.value_or(false);
}

// A quantity as decimal text; numbers go through their shortest round-trip text, never
// through arithmetic.
Result<QString> quantity(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    if (v.isNull() || v.isUndefined())
        return QString();
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
    return J::typeError(J::join(path, key), v, "a number");
}

template<typename T, typename F>
Result<QList<T>> list(const QJsonObject &o, QLatin1StringView key, const QString &path, F parse)
{
    PB_TRY(arr, J::optArray(o, key, path));
    QList<T> out;
    if (!arr)
        return out;
    if (arr->size() > Parser::kMaxItems)
        return makeError(QStringLiteral("json.too_many"), J::join(path, key),
                         QStringLiteral("%1 entries exceed the limit of %2").arg(arr->size()).arg(Parser::kMaxItems));
    out.reserve(arr->size());
    for (qsizetype i = 0; i < arr->size(); ++i) {
        const QString p = J::index(J::join(path, key), i);
        if (!arr->at(i).isObject())
            return J::typeError(p, arr->at(i), "an object");
        PB_TRY(item, parse(arr->at(i).toObject(), p));
        out.append(std::move(item));
    }
    return out;
}

template<typename T, typename F>
Result<SearchPage<T>> search(const QByteArray &body, const QString &what, F parse)
{
    PB_TRY(o, J::parseObject(body, what));
    SearchPage<T> page;
    PB_TRY(items, list<T>(o, "items"_L1, QString(), parse));
    page.items = std::move(items);
    PB_TRY(total, J::optInt(o, "total_count"_L1, QString()));
    if (total && *total < 0)
        return makeError(QStringLiteral("json.range"), QStringLiteral("total_count"),
                         QStringLiteral("negative total %1").arg(*total));
    page.totalCount = total.value_or(-1);
    return page;
}

Result<DocumentItem> parseItem(const QJsonObject &o, const QString &path, const Currency &cur, const Currency &base)
{
    DocumentItem it;
    PB_TRY(entityId, id(o, "entity_id"_L1, path));
    it.entityId = entityId;
    PB_TRY(orderItemId, id(o, "order_item_id"_L1, path));
    it.orderItemId = orderItemId;
    PB_TRY(sku, str(o, "sku"_L1, path));
    it.sku = sku;
    PB_TRY(name, str(o, "name"_L1, path));
    it.name = name;
    PB_TRY(qty, quantity(o, "qty"_L1, path));
    it.qty = qty;
    PB_TRY(price, optMoney(o, "price"_L1, cur, path, it.exactAmounts));
    it.price = price;
    PB_TRY(rowTotal, optMoney(o, "row_total"_L1, cur, path, it.exactAmounts));
    it.rowTotal = rowTotal;
    PB_TRY(tax, optMoney(o, "tax_amount"_L1, cur, path, it.exactAmounts));
    it.taxAmount = tax;
    PB_TRY(discount, optMoney(o, "discount_amount"_L1, cur, path, it.exactAmounts));
    it.discountAmount = discount;
    PB_TRY(basePrice, optMoney(o, "base_price"_L1, base, path, it.exactAmounts));
    it.basePrice = basePrice;
    PB_TRY(baseRow, optMoney(o, "base_row_total"_L1, base, path, it.exactAmounts));
    it.baseRowTotal = baseRow;
    return it;
}

Result<DocumentTotals> parseTotals(const QJsonObject &o, const QString &path)
{
    DocumentTotals t;
    PB_TRY(cur, optCurrency(o, "order_currency_code"_L1, path));
    t.currency = cur;
    PB_TRY(base, optCurrency(o, "base_currency_code"_L1, path));
    t.baseCurrency = base;
    struct Field
    {
        const char *key;
        Money DocumentTotals::*member;
        bool isBase;
    };
    static constexpr Field fields[] = {
        {"grand_total", &DocumentTotals::grandTotal, false},
        {"subtotal", &DocumentTotals::subtotal, false},
        {"tax_amount", &DocumentTotals::taxAmount, false},
        {"shipping_amount", &DocumentTotals::shippingAmount, false},
        {"discount_amount", &DocumentTotals::discountAmount, false},
        {"base_grand_total", &DocumentTotals::baseGrandTotal, true},
        {"base_subtotal", &DocumentTotals::baseSubtotal, true},
        {"base_tax_amount", &DocumentTotals::baseTaxAmount, true},
        {"base_shipping_amount", &DocumentTotals::baseShippingAmount, true},
        {"base_discount_amount", &DocumentTotals::baseDiscountAmount, true},
    };
    for (const Field &f : fields) {
        PB_TRY(m, optMoney(o, QLatin1StringView(f.key), f.isBase ? base : cur, path, t.exactAmounts));
        t.*(f.member) = m;
    }
    return t;
}

Result<QList<DocumentItem>> parseItems(const QJsonObject &o, const QString &path, const DocumentTotals &t)
{
    return list<DocumentItem>(o, "items"_L1, path, [&t](const QJsonObject &item, const QString &p) {
        return parseItem(item, p, t.currency, t.baseCurrency);
    });
}

Result<CustomerAddress> parseAddress(const QJsonObject &o, const QString &path)
{
    CustomerAddress a;
    PB_TRY(aid, id(o, "id"_L1, path));
    a.id = aid;
    PB_TRY(first, str(o, "firstname"_L1, path));
    a.firstname = first;
    PB_TRY(last, str(o, "lastname"_L1, path));
    a.lastname = last;
    PB_TRY(street, J::optArray(o, "street"_L1, path));
    if (street) {
        for (const QJsonValue &line : *street)
            a.street.append(line.toString());
    }
    PB_TRY(city, str(o, "city"_L1, path));
    a.city = city;
    PB_TRY(postcode, str(o, "postcode"_L1, path));
    a.postcode = postcode;
    PB_TRY(country, str(o, "country_id"_L1, path));
    a.countryId = country;
    PB_TRY(phone, str(o, "telephone"_L1, path));
    a.telephone = phone;
    PB_TRY(region, J::optObject(o, "region"_L1, path));
    if (region) {
        PB_TRY(code, str(*region, "region_code"_L1, J::join(path, "region"_L1)));
        a.regionCode = code;
        PB_TRY(name, str(*region, "region"_L1, J::join(path, "region"_L1)));
        a.region = name;
    }
    PB_TRY(db, flag(o, "default_billing"_L1, path));
    a.defaultBilling = db;
    PB_TRY(ds, flag(o, "default_shipping"_L1, path));
    a.defaultShipping = ds;
    return a;
}

// A custom attribute's value as text. Magento sends strings mostly, but modules store numbers,
// booleans, null and (for multiselects) arrays; none of those is a reason to refuse a customer.
QString attributeText(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::String:
        return v.toString();
    case QJsonValue::Double:
        return QString::number(v.toDouble(), 'g', QLocale::FloatingPointShortest);
    case QJsonValue::Bool:
        return v.toBool() ? QStringLiteral("1") : QStringLiteral("0");
    case QJsonValue::Array:
        return QString::fromUtf8(QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact));
    case QJsonValue::Object:
        return QString::fromUtf8(QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
    default:
        return QString();
    }
}

Result<QList<std::pair<QString, QString>>> parseCustomAttributes(const QJsonObject &o, const QString &path)
{
    QList<std::pair<QString, QString>> out;
    PB_TRY(arr, J::optArray(o, "custom_attributes"_L1, path));
    if (!arr)
        return out;
    for (qsizetype i = 0; i < arr->size(); ++i) {
        const QString p = J::index(J::join(path, "custom_attributes"_L1), i);
        if (!arr->at(i).isObject())
            return J::typeError(p, arr->at(i), "an object");
        const QJsonObject entry = arr->at(i).toObject();
        PB_TRY(code, str(entry, "attribute_code"_L1, p));
        if (code.isEmpty())
            continue;
        out.append({code, attributeText(entry.value("value"_L1))});
    }
    return out;
}

Result<QJsonValue> scalar(const QByteArray &body, const QString &what)
{
    return J::parseValue(body, what);
}

} // namespace

Result<Comment> DocumentParser::parseComment(const QJsonObject &o, const QString &path)
{
    Comment c;
    PB_TRY(entityId, id(o, "entity_id"_L1, path));
    c.entityId = entityId;
    PB_TRY(parentId, id(o, "parent_id"_L1, path));
    c.parentId = parentId;
    PB_TRY(text, str(o, "comment"_L1, path));
    c.comment = text;
    PB_TRY(status, str(o, "status"_L1, path));
    c.status = status;
    PB_TRY(notified, flag(o, "is_customer_notified"_L1, path));
    c.customerNotified = notified;
    PB_TRY(visible, flag(o, "is_visible_on_front"_L1, path));
    c.visibleOnFront = visible;
    PB_TRY(entityName, str(o, "entity_name"_L1, path));
    c.entityName = entityName;
    PB_TRY(created, optTime(o, "created_at"_L1, path));
    c.createdAt = created;
    return c;
}

Result<Invoice> DocumentParser::parseInvoice(const QJsonObject &o, const QString &path)
{
    Invoice inv;
    PB_TRY(entityId, id(o, "entity_id"_L1, path));
    inv.entityId = entityId;
    PB_TRY(increment, str(o, "increment_id"_L1, path));
    inv.incrementId = increment;
    PB_TRY(orderId, id(o, "order_id"_L1, path));
    inv.orderId = orderId;
    PB_TRY(state, id(o, "state"_L1, path));
    inv.state = int(state);
    PB_TRY(totals, parseTotals(o, path));
    inv.totals = totals;
    PB_TRY(refunded, optMoney(o, "base_total_refunded"_L1, inv.totals.baseCurrency, path,
                              inv.totals.exactAmounts));
    inv.baseTotalRefunded = refunded;
    PB_TRY(txn, str(o, "transaction_id"_L1, path));
    inv.transactionId = txn;
    PB_TRY(canVoid, flag(o, "can_void_flag"_L1, path));
    inv.canVoid = canVoid;
    PB_TRY(totalQty, quantity(o, "total_qty"_L1, path));
    inv.totalQty = totalQty;
    PB_TRY(created, optTime(o, "created_at"_L1, path));
    inv.createdAt = created;
    PB_TRY(updated, optTime(o, "updated_at"_L1, path));
    inv.updatedAt = updated;
    PB_TRY(items, parseItems(o, path, totals));
    inv.items = std::move(items);
    PB_TRY(comments, list<Comment>(o, "comments"_L1, path, &DocumentParser::parseComment));
    inv.comments = std::move(comments);
    return inv;
}

Result<CreditMemo> DocumentParser::parseCreditMemo(const QJsonObject &o, const QString &path)
{
    CreditMemo cm;
    PB_TRY(entityId, id(o, "entity_id"_L1, path));
    cm.entityId = entityId;
    PB_TRY(increment, str(o, "increment_id"_L1, path));
    cm.incrementId = increment;
    PB_TRY(orderId, id(o, "order_id"_L1, path));
    cm.orderId = orderId;
    PB_TRY(invoiceId, J::optInt(o, "invoice_id"_L1, path));
    cm.invoiceId = invoiceId;
    PB_TRY(state, id(o, "state"_L1, path));
    cm.state = int(state);
    PB_TRY(totals, parseTotals(o, path));
    cm.totals = totals;
    PB_TRY(adj, optMoney(o, "adjustment"_L1, cm.totals.currency, path, cm.totals.exactAmounts));
    cm.adjustment = adj;
    PB_TRY(adjPos, optMoney(o, "adjustment_positive"_L1, cm.totals.currency, path, cm.totals.exactAmounts));
    cm.adjustmentPositive = adjPos;
    PB_TRY(adjNeg, optMoney(o, "adjustment_negative"_L1, cm.totals.currency, path, cm.totals.exactAmounts));
    cm.adjustmentNegative = adjNeg;
    PB_TRY(txn, str(o, "transaction_id"_L1, path));
    cm.transactionId = txn;
    PB_TRY(created, optTime(o, "created_at"_L1, path));
    cm.createdAt = created;
    PB_TRY(updated, optTime(o, "updated_at"_L1, path));
    cm.updatedAt = updated;
    PB_TRY(items, parseItems(o, path, totals));
    cm.items = std::move(items);
    PB_TRY(comments, list<Comment>(o, "comments"_L1, path, &DocumentParser::parseComment));
    cm.comments = std::move(comments);
    return cm;
}

Result<PaymentTransaction> DocumentParser::parseTransaction(const QJsonObject &o, const QString &path)
{
    PaymentTransaction t;
    PB_TRY(tid, id(o, "transaction_id"_L1, path));
    t.transactionId = tid;
    PB_TRY(parent, J::optInt(o, "parent_id"_L1, path));
    t.parentId = parent;
    PB_TRY(orderId, id(o, "order_id"_L1, path));
    t.orderId = orderId;
    PB_TRY(paymentId, id(o, "payment_id"_L1, path));
    t.paymentId = paymentId;
    PB_TRY(txnId, str(o, "txn_id"_L1, path));
    t.txnId = txnId;
    PB_TRY(parentTxn, str(o, "parent_txn_id"_L1, path));
    t.parentTxnId = parentTxn;
    PB_TRY(type, str(o, "txn_type"_L1, path));
    t.txnType = type;
    PB_TRY(closed, flag(o, "is_closed"_L1, path));
    t.isClosed = closed;
    PB_TRY(created, optTime(o, "created_at"_L1, path));
    t.createdAt = created;
    return t;
}

Result<Customer> DocumentParser::parseCustomer(const QJsonObject &o, const QString &path)
{
    Customer c;
    PB_TRY(cid, id(o, "id"_L1, path));
    c.id = cid;
    PB_TRY(group, J::optInt(o, "group_id"_L1, path));
    c.groupId = group;
    PB_TRY(store, J::optInt(o, "store_id"_L1, path));
    c.storeId = store;
    PB_TRY(website, J::optInt(o, "website_id"_L1, path));
    c.websiteId = website;
    PB_TRY(email, str(o, "email"_L1, path));
    c.email = email;
    PB_TRY(first, str(o, "firstname"_L1, path));
    c.firstname = first;
    PB_TRY(last, str(o, "lastname"_L1, path));
    c.lastname = last;
    PB_TRY(createdIn, str(o, "created_in"_L1, path));
    c.createdIn = createdIn;
    PB_TRY(db, str(o, "default_billing"_L1, path));
    c.defaultBilling = db;
    PB_TRY(ds, str(o, "default_shipping"_L1, path));
    c.defaultShipping = ds;
    PB_TRY(created, optTime(o, "created_at"_L1, path));
    c.createdAt = created;
    PB_TRY(updated, optTime(o, "updated_at"_L1, path));
    c.updatedAt = updated;
    PB_TRY(addresses, list<CustomerAddress>(o, "addresses"_L1, path, &parseAddress));
    c.addresses = std::move(addresses);
    PB_TRY(attributes, parseCustomAttributes(o, path));
    c.customAttributes = std::move(attributes);
    c.raw = QJsonDocument(o).toJson(QJsonDocument::Compact);
    return c;
}

std::optional<QString> Customer::customAttribute(const QString &code) const
{
    for (const auto &[c, value] : customAttributes) {
        if (c == code)
            return value;
    }
    return std::nullopt;
}

Result<StoreConfig> DocumentParser::parseStoreConfig(const QJsonObject &o, const QString &path)
{
    StoreConfig s;
    PB_TRY(sid, id(o, "id"_L1, path));
    s.id = sid;
    PB_TRY(code, str(o, "code"_L1, path));
    s.code = code;
    PB_TRY(website, J::optInt(o, "website_id"_L1, path));
    s.websiteId = website;
    PB_TRY(locale, str(o, "locale"_L1, path));
    s.locale = locale;
    PB_TRY(base, str(o, "base_currency_code"_L1, path));
    s.baseCurrencyCode = base;
    PB_TRY(display, str(o, "default_display_currency_code"_L1, path));
    s.defaultDisplayCurrencyCode = display;
    PB_TRY(tz, str(o, "timezone"_L1, path));
    s.timezone = tz;
    PB_TRY(url, str(o, "base_url"_L1, path));
    s.baseUrl = url;
    PB_TRY(secureUrl, str(o, "secure_base_url"_L1, path));
    s.secureBaseUrl = secureUrl;
    return s;
}

Result<Invoice> DocumentParser::parseInvoiceBody(const QByteArray &body)
{
    PB_TRY(o, J::parseObject(body, QStringLiteral("invoice")));
    return parseInvoice(o);
}

Result<CreditMemo> DocumentParser::parseCreditMemoBody(const QByteArray &body)
{
    PB_TRY(o, J::parseObject(body, QStringLiteral("credit memo")));
    return parseCreditMemo(o);
}

Result<PaymentTransaction> DocumentParser::parseTransactionBody(const QByteArray &body)
{
    PB_TRY(o, J::parseObject(body, QStringLiteral("transaction")));
    return parseTransaction(o);
}

Result<Customer> DocumentParser::parseCustomerBody(const QByteArray &body)
{
    PB_TRY(o, J::parseObject(body, QStringLiteral("customer")));
    PB_TRY(c, parseCustomer(o));
    c.raw = body; // exactly as sent, not re-serialised
    return c;
}

Result<SearchPage<Comment>> DocumentParser::parseCommentSearch(const QByteArray &body)
{
    return search<Comment>(body, QStringLiteral("comment list"), &DocumentParser::parseComment);
}

Result<SearchPage<Invoice>> DocumentParser::parseInvoiceSearch(const QByteArray &body)
{
    return search<Invoice>(body, QStringLiteral("invoice search"), &DocumentParser::parseInvoice);
}

Result<SearchPage<CreditMemo>> DocumentParser::parseCreditMemoSearch(const QByteArray &body)
{
    return search<CreditMemo>(body, QStringLiteral("credit memo search"), &DocumentParser::parseCreditMemo);
}

Result<SearchPage<PaymentTransaction>> DocumentParser::parseTransactionSearch(const QByteArray &body)
{
    return search<PaymentTransaction>(body, QStringLiteral("transaction search"), &DocumentParser::parseTransaction);
}

Result<SearchPage<Customer>> DocumentParser::parseCustomerSearch(const QByteArray &body)
{
    return search<Customer>(body, QStringLiteral("customer search"), &DocumentParser::parseCustomer);
}

Result<QList<StoreConfig>> DocumentParser::parseStoreConfigs(const QByteArray &body)
{
    PB_TRY(v, J::parseValue(body, QStringLiteral("store configs")));
    if (!v.isArray())
        return J::typeError(QStringLiteral("store configs"), v, "an array");
    // Reuse the object-list reader by wrapping the bare array.
    return list<StoreConfig>(QJsonObject{{"items"_L1, v}}, "items"_L1, QString(), &DocumentParser::parseStoreConfig);
}

namespace {

Result<OrderAddress> parseOrderAddress(const QJsonObject &o, const QString &path)
{
    OrderAddress a;
    const std::pair<QLatin1StringView, QString *> texts[] = {
        {"firstname"_L1, &a.firstname}, {"lastname"_L1, &a.lastname}, {"company"_L1, &a.company},
        {"email"_L1, &a.email},         {"telephone"_L1, &a.telephone}, {"city"_L1, &a.city},
        {"region"_L1, &a.region},       {"region_code"_L1, &a.regionCode}, {"postcode"_L1, &a.postcode},
        {"country_id"_L1, &a.countryId}};
    for (const auto &[key, target] : texts) {
        PB_TRY(value, str(o, key, path));
        *target = value;
    }
    PB_TRY(street, J::optArray(o, "street"_L1, path));
    if (street) {
        for (qsizetype i = 0; i < street->size(); ++i) {
            const QJsonValue line = street->at(i);
            if (!line.isString())
                return J::typeError(J::join(path, "street"_L1) + u'[' + QString::number(i) + u']', line, "a string");
            a.street.append(line.toString());
        }
    }
    return a;
}

} // namespace

Result<OrderAddresses> DocumentParser::parseOrderAddresses(const QJsonObject &order)
{
    OrderAddresses out;
    PB_TRY(billing, J::optObject(order, "billing_address"_L1, QString()));
    if (billing) {
        PB_TRY(a, parseOrderAddress(*billing, QStringLiteral("billing_address")));
        out.billing = a;
    }
    PB_TRY(ext, J::optObject(order, "extension_attributes"_L1, QString()));
    if (!ext)
        return out;
    PB_TRY(assignments, J::optArray(*ext, "shipping_assignments"_L1, QStringLiteral("extension_attributes")));
    if (!assignments || assignments->isEmpty())
        return out;
    const QString first = QStringLiteral("extension_attributes.shipping_assignments[0]");
    if (!assignments->at(0).isObject())
        return J::typeError(first, assignments->at(0), "an object");
    PB_TRY(shipping, J::optObject(assignments->at(0).toObject(), "shipping"_L1, first));
    if (!shipping)
        return out;
    PB_TRY(address, J::optObject(*shipping, "address"_L1, J::join(first, "shipping"_L1)));
    if (address) {
        PB_TRY(a, parseOrderAddress(*address, J::join(first, "shipping.address"_L1)));
        out.shipping = a;
    }
    return out;
}

Result<QList<Comment>> DocumentParser::parseStatusHistories(const QJsonObject &order)
{
    return list<Comment>(order, "status_histories"_L1, QString(), &DocumentParser::parseComment);
}

Result<bool> DocumentParser::parseBool(const QByteArray &body)
{
    PB_TRY(v, scalar(body, QStringLiteral("response")));
    if (!v.isBool())
        return J::typeError(QStringLiteral("response"), v, "a boolean");
    return v.toBool();
}

Result<qint64> DocumentParser::parseEntityId(const QByteArray &body)
{
    PB_TRY(v, scalar(body, QStringLiteral("response")));
    // Some versions answer the id as a quoted string.
    PB_TRY(n, J::toInt(v, QStringLiteral("response")));
    if (!n || *n <= 0)
        return makeError(QStringLiteral("json.range"), QStringLiteral("response"),
                         QStringLiteral("expected a positive entity id, got ") + J::typeName(v));
    return *n;
}

Result<QString> DocumentParser::parseString(const QByteArray &body)
{
    PB_TRY(v, scalar(body, QStringLiteral("response")));
    if (!v.isString())
        return J::typeError(QStringLiteral("response"), v, "a string");
    return v.toString();
}

// --- TxnMarker ---------------------------------------------------------------------------

namespace {
constexpr const char *kKindNames[] = {"sale", "authorization", "capture", "refund", "void"};

const QRegularExpression &markerPattern()
{
    static const QRegularExpression re(
        QStringLiteral(R"((?<![A-Za-z0-9])PayTrace TXN ([0-9]{1,20}) \((sale|authorization|capture|refund|void)\))"));
    return re;
}
} // namespace

QString TxnMarker::kindName(Kind kind)
{
    return QString::fromLatin1(kKindNames[int(kind)]);
}

QString TxnMarker::format(const QString &transactionId, Kind kind)
{
    static const QRegularExpression digits(QStringLiteral("^[0-9]{1,20}$"));
    if (!digits.match(transactionId).hasMatch())
        return {};
    return QStringLiteral("PayTrace TXN ") + transactionId + QStringLiteral(" (") + kindName(kind) + u')';
}

QList<TxnMarker> TxnMarker::findAll(const QString &text)
{
    QList<TxnMarker> out;
    auto it = markerPattern().globalMatch(text);
    while (it.hasNext()) {
        const auto m = it.next();
        TxnMarker marker;
        marker.transactionId = m.captured(1);
        for (int k = 0; k < int(std::size(kKindNames)); ++k) {
            if (m.capturedView(2) == QLatin1StringView(kKindNames[k]))
                marker.kind = Kind(k);
        }
        out.append(marker);
    }
    return out;
}

bool TxnMarker::present(const QList<Comment> &comments, const QString &transactionId, Kind kind)
{
    const TxnMarker wanted{transactionId, kind};
    for (const Comment &c : comments) {
        if (findAll(c.comment).contains(wanted))
            return true;
    }
    return false;
}

} // namespace pb::magento
