#include "magentojson.h"

#include "jsonwriter.h"
#include "simutil.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cctype>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

void emitValue(JsonWriter &w, QByteArrayView t, qsizetype &i);

qint64 scale10(int n)
{
    qint64 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

// A decimal column of an order: a JSON number, or the column's 4-decimal text on stores that
// serve it raw (MagentoOrder::decimalText).
void money(JsonWriter &w, const MagentoOrder &o, QByteArrayView key, qint64 v, int exponent)
{
    if (o.decimalText && exponent <= 4)
        w.fieldLatin1(key, decimalFixed(v * scale10(4 - exponent), 4));
    else
        w.fieldMoney(key, v, exponent);
}

void optMoney(JsonWriter &w, const MagentoOrder &o, QByteArrayView key, const std::optional<qint64> &v, int exponent)
{
    if (v)
        money(w, o, key, *v, exponent);
}

void writeAddress(JsonWriter &w, const MagentoAddress &a)
{
    w.beginObject();
    w.field("address_type", a.addressType);
    w.field("city", a.city);
    if (!a.company.isEmpty())
        w.field("company", a.company);
    w.field("country_id", a.countryId);
    w.field("email", a.email);
    w.field("entity_id", a.entityId);
    w.field("firstname", a.firstname);
    w.field("lastname", a.lastname);
    w.field("parent_id", a.parentId);
    w.field("postcode", a.postcode);
    w.field("region", a.region);
    if (!a.regionCode.isEmpty())
        w.field("region_code", a.regionCode);
    if (a.regionId)
        w.fieldInt("region_id", a.regionId);
    w.key("street");
    w.beginArray();
    for (const QString &line : a.street)
        w.string(line);
    w.endArray();
    w.field("telephone", a.telephone);
    w.endObject();
}

void writeItem(JsonWriter &w, const MagentoOrder &o, const MagentoOrderItem &i, const QByteArray &created,
               const QByteArray &updated, bool withParent = true)
{
    const int e = o.exponent;
    const int be = o.baseExponent;
    const bool invoiced = i.qtyInvoiced > 0;
    w.beginObject();
    money(w, o, "amount_refunded", i.amountRefunded, e);
    money(w, o, "base_amount_refunded", i.amountRefunded ? mulDivRound(i.amountRefunded, i.baseRowTotal, std::max<qint64>(1, i.rowTotal)) : 0, be);
    money(w, o, "base_discount_amount", i.baseDiscountAmount, be);
    if (invoiced)
        money(w, o, "base_discount_invoiced", i.baseDiscountAmount, be);
    money(w, o, "base_original_price", i.basePrice, be);
    money(w, o, "base_price", i.basePrice, be);
    money(w, o, "base_price_incl_tax", i.basePrice + mulDivRound(i.basePrice, i.taxPercentBp, 10000), be);
    money(w, o, "base_row_invoiced", invoiced ? i.baseRowTotal : 0, be);
    money(w, o, "base_row_total", i.baseRowTotal, be);
    money(w, o, "base_row_total_incl_tax", i.baseRowTotal + i.baseTaxAmount, be);
    money(w, o, "base_tax_amount", i.baseTaxAmount, be);
    if (invoiced)
        money(w, o, "base_tax_invoiced", i.baseTaxAmount, be);
    w.fieldLatin1("created_at", created);
    money(w, o, "discount_amount", i.discountAmount, e);
    if (invoiced)
        money(w, o, "discount_invoiced", i.discountAmount, e);
    money(w, o, "discount_percent", i.discountPercentBp, 2);
    w.fieldInt("free_shipping", 0);
    w.fieldInt("is_qty_decimal", 0);
    w.fieldInt("is_virtual", i.isVirtual ? 1 : 0);
    w.field("item_id", i.itemId);
    w.field("name", i.name);
    w.fieldInt("no_discount", 0);
    w.field("order_id", o.entityId);
    money(w, o, "original_price", i.originalPrice, e);
    if (i.parentItemId && withParent) {
        // A child row carries a full copy of its parent (docs/magento.md §2).
        for (const MagentoOrderItem &p : o.items) {
            if (p.itemId == i.parentItemId) {
                w.key("parent_item");
                writeItem(w, o, p, created, updated, false);
            }
        }
    }
    if (i.parentItemId)
        w.field("parent_item_id", i.parentItemId);
    money(w, o, "price", i.price, e);
    money(w, o, "price_incl_tax", i.priceInclTax, e);
    w.field("product_id", i.productId);
    if (!i.productOption.isEmpty()) {
        w.key("product_option");
        qsizetype at = 0;
        emitValue(w, i.productOption, at);
    }
    w.field("product_type", i.productType);
    w.field("qty_canceled", i.qtyCanceled);
    w.field("qty_invoiced", i.qtyInvoiced);
    w.field("qty_ordered", i.qtyOrdered);
    w.field("qty_refunded", i.qtyRefunded);
    w.field("qty_shipped", i.qtyShipped);
    w.field("quote_item_id", i.itemId + 5000);
    money(w, o, "row_invoiced", invoiced ? i.rowTotal : 0, e);
    money(w, o, "row_total", i.rowTotal, e);
    money(w, o, "row_total_incl_tax", i.rowTotalInclTax, e);
    money(w, o, "row_weight", i.weightGrams * i.qtyOrdered, 3);
    w.field("sku", i.sku);
    w.field("store_id", o.storeId);
    money(w, o, "tax_amount", i.taxAmount, e);
    if (invoiced)
        money(w, o, "tax_invoiced", i.taxAmount, e);
    money(w, o, "tax_percent", i.taxPercentBp, 2);
    w.fieldLatin1("updated_at", updated);
    if (!i.isVirtual)
        money(w, o, "weight", i.weightGrams, 3);
    w.endObject();
}

void writePayment(JsonWriter &w, const MagentoOrder &o)
{
    const MagentoPayment &p = o.payment;
    const int e = o.exponent;
    const int be = o.baseExponent;
    w.beginObject();
    w.fieldNull("account_status");
    w.key("additional_information");
    w.beginArray();
    for (const QString &s : p.additionalInformation)
        w.string(s);
    w.endArray();
    optMoney(w, o, "amount_authorized", p.amountAuthorized, e);
    optMoney(w, o, "amount_canceled", p.amountCanceled, e);
    money(w, o, "amount_ordered", p.amountOrdered, e);
    optMoney(w, o, "amount_paid", p.amountPaid, e);
    optMoney(w, o, "amount_refunded", p.amountRefunded, e);
    optMoney(w, o, "base_amount_authorized", p.baseAmountAuthorized, be);
    money(w, o, "base_amount_ordered", p.baseAmountOrdered, be);
    optMoney(w, o, "base_amount_paid", p.baseAmountPaid, be);
    optMoney(w, o, "base_amount_refunded", p.baseAmountRefunded, be);
    money(w, o, "base_shipping_amount", p.baseShippingAmount, be);
    if (p.amountPaid)
        money(w, o, "base_shipping_captured", p.baseShippingAmount, be);
    if (p.ccExpMonth)
        w.field("cc_exp_month", QString::number(p.ccExpMonth));
    if (p.ccExpYear)
        w.field("cc_exp_year", QString::number(p.ccExpYear));
    if (p.ccLast4.isEmpty())
        w.fieldNull("cc_last4");
    else
        w.field("cc_last4", p.ccLast4);
    if (!p.ccOwner.isEmpty())
        w.field("cc_owner", p.ccOwner);
    if (!p.lastTransId.isEmpty())
        w.field("cc_trans_id", p.lastTransId);
    if (!p.ccType.isEmpty())
        w.field("cc_type", p.ccType);
    w.field("entity_id", p.entityId);
    if (!p.lastTransId.isEmpty())
        w.field("last_trans_id", p.lastTransId);
    w.field("method", p.method);
    w.field("parent_id", p.parentId);
    money(w, o, "shipping_amount", p.shippingAmount, e);
    if (p.amountPaid)
        money(w, o, "shipping_captured", p.shippingAmount, e);
    w.endObject();
}

void writeOrderPlain(JsonWriter &w, const MagentoOrder &o);

// ---- exact JSON texts (order overrides) -----------------------------------------------------
// A minimal scanner over text already known to be valid JSON: it finds value boundaries and
// re-emits values through the writer, so numbers keep their exact text (no double on the way).

void skipWs(QByteArrayView t, qsizetype &i)
{
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        ++i;
}

void skipValue(QByteArrayView t, qsizetype &i)
{
    skipWs(t, i);
    if (i >= t.size())
        return;
    const char c = t[i];
    if (c == '"') {
        for (++i; i < t.size(); ++i) {
            if (t[i] == '\\')
                ++i;
            else if (t[i] == '"') {
                ++i;
                return;
            }
        }
        return;
    }
    if (c == '{' || c == '[') {
        int depth = 0;
        for (; i < t.size(); ++i) {
            const char d = t[i];
            if (d == '"') {
                skipValue(t, i);
                --i;
            } else if (d == '{' || d == '[') {
                ++depth;
            } else if ((d == '}' || d == ']') && --depth == 0) {
                ++i;
                return;
            }
        }
        return;
    }
    while (i < t.size() && (std::isalnum(static_cast<unsigned char>(t[i])) || t[i] == '-' || t[i] == '+' || t[i] == '.'))
        ++i;
}

QByteArray decodeJsonString(QByteArrayView token)
{
    const QByteArrayView inner = token.sliced(1, token.size() - 2);
    if (!inner.contains('\\'))
        return inner.toByteArray();
    const QJsonDocument doc = QJsonDocument::fromJson("[" + token.toByteArray() + "]");
    return doc.array().at(0).toString().toUtf8();
}

// Members of an object text; the text must be valid JSON.
QList<std::pair<QByteArray, QByteArray>> objectMembers(QByteArrayView t)
{
    QList<std::pair<QByteArray, QByteArray>> members;
    qsizetype i = 0;
    skipWs(t, i);
    ++i; // '{'
    for (;;) {
        skipWs(t, i);
        if (i >= t.size() || t[i] == '}')
            break;
        if (t[i] == ',') {
            ++i;
            continue;
        }
        const qsizetype keyStart = i;
        skipValue(t, i);
        const QByteArray key = decodeJsonString(t.sliced(keyStart, i - keyStart));
        skipWs(t, i);
        ++i; // ':'
        skipWs(t, i);
        const qsizetype valueStart = i;
        skipValue(t, i);
        members.append({key, t.sliced(valueStart, i - valueStart).toByteArray()});
    }
    return members;
}

void emitValue(JsonWriter &w, QByteArrayView t, qsizetype &i)
{
    skipWs(t, i);
    if (i >= t.size())
        return;
    const char c = t[i];
    if (c == '{' || c == '[') {
        const bool object = c == '{';
        object ? w.beginObject() : w.beginArray();
        ++i;
        for (;;) {
            skipWs(t, i);
            if (i >= t.size() || t[i] == (object ? '}' : ']')) {
                ++i;
                break;
            }
            if (t[i] == ',') {
                ++i;
                continue;
            }
            if (object) {
                const qsizetype keyStart = i;
                skipValue(t, i);
                w.key(decodeJsonString(t.sliced(keyStart, i - keyStart)));
                skipWs(t, i);
                ++i; // ':'
            }
            emitValue(w, t, i);
        }
        object ? w.endObject() : w.endArray();
        return;
    }
    const qsizetype start = i;
    skipValue(t, i);
    const QByteArrayView token = t.sliced(start, i - start);
    if (c == '"')
        w.string(QString::fromUtf8(decodeJsonString(token)));
    else if (token == "true" || token == "false")
        w.boolean(token == "true");
    else if (token == "null")
        w.null();
    else
        w.rawNumber(token);
}

} // namespace

bool splitJsonObject(QByteArrayView text, QList<std::pair<QByteArray, QByteArray>> *members)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(text.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return false;
    *members = objectMembers(text);
    return true;
}

void writeMagentoOrder(JsonWriter &w, const MagentoOrder &o)
{
    if (o.fieldOverrides.isEmpty()) {
        writeOrderPlain(w, o);
        return;
    }
    // Rare (tests only): write the plain order, then re-emit it with the overridden values.
    QByteArray plain;
    JsonWriter pw(&plain);
    writeOrderPlain(pw, o);
    QList<QByteArrayView> used;
    w.beginObject();
    for (const auto &[key, value] : objectMembers(plain)) {
        QByteArrayView text = value;
        for (const auto &[k, v] : o.fieldOverrides) {
            if (k == key) {
                text = v;
                used.append(k);
            }
        }
        w.key(key);
        qsizetype i = 0;
        emitValue(w, text, i);
    }
    for (const auto &[k, v] : o.fieldOverrides) {
        if (used.contains(QByteArrayView(k)))
            continue;
        w.key(k);
        qsizetype i = 0;
        emitValue(w, v, i);
    }
    w.endObject();
}

namespace {

void writeOrderPlain(JsonWriter &w, const MagentoOrder &o)
{
    const int e = o.exponent;
    const int be = o.baseExponent;
    const bool invoiced = o.totalInvoiced.has_value();
    const QByteArray created = magentoTime(o.createdAt);
    const QByteArray updated = magentoTime(o.updatedAt);
    w.beginObject();
    if (o.discountAmount != 0)
        w.fieldLatin1("applied_rule_ids", "2");
    w.field("base_currency_code", o.baseCurrencyCode);
    money(w, o, "base_discount_amount", o.baseDiscountAmount, be);
    if (invoiced)
        money(w, o, "base_discount_invoiced", o.baseDiscountAmount, be);
    money(w, o, "base_discount_tax_compensation_amount", 0, be);
    money(w, o, "base_grand_total", o.baseGrandTotal, be);
    money(w, o, "base_shipping_amount", o.baseShippingAmount, be);
    money(w, o, "base_shipping_discount_amount", 0, be);
    money(w, o, "base_shipping_incl_tax", o.baseShippingAmount, be);
    if (invoiced)
        money(w, o, "base_shipping_invoiced", o.baseShippingAmount, be);
    money(w, o, "base_shipping_tax_amount", 0, be);
    money(w, o, "base_subtotal", o.baseSubtotal, be);
    money(w, o, "base_subtotal_incl_tax", o.baseSubtotal + o.baseTaxAmount, be);
    if (invoiced)
        money(w, o, "base_subtotal_invoiced", o.baseSubtotal, be);
    money(w, o, "base_tax_amount", o.baseTaxAmount, be);
    if (invoiced)
        money(w, o, "base_tax_invoiced", o.baseTaxAmount, be);
    optMoney(w, o, "base_total_canceled", o.baseTotalCanceled, be);
    money(w, o, "base_total_due", o.baseTotalDue, be);
    optMoney(w, o, "base_total_invoiced", o.baseTotalInvoiced, be);
    optMoney(w, o, "base_total_paid", o.baseTotalPaid, be);
    optMoney(w, o, "base_total_refunded", o.baseTotalRefunded, be);
    w.fieldInt("base_to_global_rate", 1);
    money(w, o, "base_to_order_rate", o.baseToOrderRateE4, 4);
    w.field("billing_address_id", o.billingAddress.entityId);
    w.fieldLatin1("created_at", created);
    w.field("customer_email", o.customerEmail);
    if (!o.customerFirstname.isEmpty()) // guests may have the name on the billing address only
        w.field("customer_firstname", o.customerFirstname);
    w.field("customer_group_id", o.customerGroupId);
    if (!o.customerIsGuest())
        w.field("customer_id", o.customerId);
    w.fieldInt("customer_is_guest", o.customerIsGuest() ? 1 : 0);
    if (!o.customerLastname.isEmpty()) // guests may have the name on the billing address only
        w.field("customer_lastname", o.customerLastname);
    w.fieldInt("customer_note_notify", 1);
    money(w, o, "discount_amount", o.discountAmount, e);
    if (o.discountAmount != 0)
        w.field("discount_description", u"SAVE10"_s);
    if (invoiced)
        money(w, o, "discount_invoiced", o.discountAmount, e);
    money(w, o, "discount_tax_compensation_amount", 0, e);
    w.fieldInt("email_sent", o.emailSent ? 1 : 0);
    w.field("entity_id", o.entityId);
    w.field("global_currency_code", o.baseCurrencyCode);
    money(w, o, "grand_total", o.grandTotal, e);
    if (!o.holdBeforeState.isEmpty()) {
        w.field("hold_before_state", o.holdBeforeState);
        w.field("hold_before_status", o.holdBeforeStatus);
    }
    w.field("increment_id", o.incrementId);
    w.fieldInt("is_virtual", o.shippingMethod.isEmpty() ? 1 : 0);
    w.field("order_currency_code", o.orderCurrencyCode);
    w.field("protect_code", o.protectCode);
    w.field("quote_id", o.quoteId);
    w.field("remote_ip", o.remoteIp);
    money(w, o, "shipping_amount", o.shippingAmount, e);
    if (!o.shippingDescription.isEmpty())
        w.field("shipping_description", o.shippingDescription);
    money(w, o, "shipping_discount_amount", 0, e);
    money(w, o, "shipping_discount_tax_compensation_amount", 0, e);
    money(w, o, "shipping_incl_tax", o.shippingAmount, e);
    if (invoiced)
        money(w, o, "shipping_invoiced", o.shippingAmount, e);
    money(w, o, "shipping_tax_amount", 0, e);
    w.field("state", o.state);
    w.field("status", o.status);
    w.field("store_currency_code", o.baseCurrencyCode);
    w.field("store_id", o.storeId);
    w.field("store_name", u"Main Website\nMain Website Store\nDefault Store View"_s);
    w.fieldInt("store_to_base_rate", 0);
    w.fieldInt("store_to_order_rate", 0);
    money(w, o, "subtotal", o.subtotal, e);
    money(w, o, "subtotal_incl_tax", o.subtotal + o.taxAmount, e);
    if (invoiced)
        money(w, o, "subtotal_invoiced", o.subtotal, e);
    money(w, o, "tax_amount", o.taxAmount, e);
    if (invoiced)
        money(w, o, "tax_invoiced", o.taxAmount, e);
    optMoney(w, o, "total_canceled", o.totalCanceled, e);
    money(w, o, "total_due", o.totalDue, e);
    optMoney(w, o, "total_invoiced", o.totalInvoiced, e);
    w.field("total_item_count", qint64(o.items.size()));
    optMoney(w, o, "total_offline_refunded", o.totalOfflineRefunded, e);
    optMoney(w, o, "total_online_refunded", o.totalOnlineRefunded, e);
    optMoney(w, o, "total_paid", o.totalPaid, e);
    w.field("total_qty_ordered", o.totalQtyOrdered);
    optMoney(w, o, "total_refunded", o.totalRefunded, e);
    w.fieldLatin1("updated_at", updated);
    money(w, o, "weight", o.weightGrams, 3);

    w.key("items");
    w.beginArray();
    for (const MagentoOrderItem &i : o.items)
        writeItem(w, o, i, created, updated);
    w.endArray();

    w.key("billing_address");
    writeAddress(w, o.billingAddress);

    w.key("payment");
    writePayment(w, o);

    w.key("status_histories");
    w.beginArray();
    for (const MagentoStatusHistory &h : o.statusHistories)
        writeMagentoStatusHistory(w, h);
    w.endArray();

    w.key("extension_attributes");
    if (w.skippingValue()) {
        w.null(); // dropped by the selection anyway; skip building it
    } else {
        w.beginObject();
        w.key("shipping_assignments");
        w.beginArray();
        w.beginObject();
        w.key("shipping");
        w.beginObject();
        if (!o.shippingMethod.isEmpty()) {
            w.key("address");
            writeAddress(w, o.shippingAddress);
            w.field("method", o.shippingMethod);
        }
        w.key("total");
        w.beginObject();
        money(w, o, "base_shipping_amount", o.baseShippingAmount, be);
        money(w, o, "base_shipping_incl_tax", o.baseShippingAmount, be);
        money(w, o, "base_shipping_tax_amount", 0, be);
        money(w, o, "shipping_amount", o.shippingAmount, e);
        money(w, o, "shipping_incl_tax", o.shippingAmount, e);
        money(w, o, "shipping_tax_amount", 0, e);
        w.endObject();
        w.endObject();
        w.key("items");
        w.beginArray();
        for (const MagentoOrderItem &i : o.items)
            writeItem(w, o, i, created, updated);
        w.endArray();
        w.endObject();
        w.endArray();
        w.key("payment_additional_info");
        w.beginArray();
        w.beginObject();
        w.fieldLatin1("key", "method_title");
        w.field("value", o.payment.additionalInformation.value(0));
        w.endObject();
        w.endArray();
        w.endObject();
    }
    w.endObject();
}

} // namespace

void writeMagentoStatusHistory(JsonWriter &w, const MagentoStatusHistory &h)
{
    w.beginObject();
    if (h.comment.isEmpty())
        w.fieldNull("comment");
    else
        w.field("comment", h.comment);
    w.fieldLatin1("created_at", magentoTime(h.createdAt));
    w.field("entity_id", h.entityId);
    w.field("entity_name", h.entityName);
    w.fieldInt("is_customer_notified", h.isCustomerNotified);
    w.fieldInt("is_visible_on_front", h.isVisibleOnFront);
    w.field("parent_id", h.parentId);
    w.field("status", h.status);
    w.endObject();
}

namespace {

void writeDocItems(JsonWriter &w, const MagentoDocTotals &t, const QList<MagentoDocItem> &items, qint64 parentId)
{
    const int e = t.exponent;
    const int be = t.baseExponent;
    w.key("items");
    w.beginArray();
    for (const MagentoDocItem &d : items) {
        w.beginObject();
        w.fieldMoney("base_discount_amount", d.baseDiscountAmount, be);
        w.fieldMoney("base_discount_tax_compensation_amount", 0, be);
        w.fieldMoney("base_price", d.basePrice, be);
        w.fieldMoney("base_price_incl_tax", d.basePrice + (d.qty ? d.baseTaxAmount / d.qty : 0), be);
        w.fieldMoney("base_row_total", d.baseRowTotal, be);
        w.fieldMoney("base_row_total_incl_tax", d.baseRowTotal + d.baseTaxAmount, be);
        w.fieldMoney("base_tax_amount", d.baseTaxAmount, be);
        w.fieldMoney("discount_amount", d.discountAmount, e);
        w.fieldMoney("discount_tax_compensation_amount", 0, e);
        w.field("entity_id", d.entityId);
        w.field("name", d.name);
        w.field("order_item_id", d.orderItemId);
        w.field("parent_id", parentId);
        w.fieldMoney("price", d.price, e);
        w.fieldMoney("price_incl_tax", d.priceInclTax, e);
        w.field("product_id", d.productId);
        w.field("qty", d.qty);
        w.fieldMoney("row_total", d.rowTotal, e);
        w.fieldMoney("row_total_incl_tax", d.rowTotalInclTax, e);
        w.field("sku", d.sku);
        w.fieldMoney("tax_amount", d.taxAmount, e);
        w.endObject();
    }
    w.endArray();
}

void writeDocComments(JsonWriter &w, const QList<MagentoDocComment> &comments, QStringView entityName)
{
    w.key("comments");
    w.beginArray();
    for (const MagentoDocComment &c : comments) {
        w.beginObject();
        w.field("comment", c.comment);
        w.fieldLatin1("created_at", magentoTime(c.createdAt));
        w.field("entity_id", c.entityId);
        w.field("entity_name", entityName.toString());
        w.fieldInt("is_customer_notified", c.isCustomerNotified);
        w.fieldInt("is_visible_on_front", c.isVisibleOnFront);
        w.field("parent_id", c.parentId);
        w.endObject();
    }
    w.endArray();
}

void writeRates(JsonWriter &w, const MagentoDocTotals &t)
{
    w.fieldInt("base_to_global_rate", 1);
    w.fieldMoney("base_to_order_rate", t.baseToOrderRateE4, 4);
}

} // namespace

void writeMagentoInvoice(JsonWriter &w, const MagentoInvoice &v)
{
    const MagentoDocTotals &t = v.totals;
    const int e = t.exponent;
    const int be = t.baseExponent;
    w.beginObject();
    w.field("base_currency_code", t.baseCurrencyCode);
    w.fieldMoney("base_discount_amount", t.baseDiscountAmount, be);
    w.fieldMoney("base_grand_total", t.baseGrandTotal, be);
    w.fieldMoney("base_discount_tax_compensation_amount", 0, be);
    w.fieldMoney("base_shipping_amount", t.baseShippingAmount, be);
    w.fieldMoney("base_shipping_incl_tax", t.baseShippingAmount, be);
    w.fieldMoney("base_shipping_tax_amount", 0, be);
    w.fieldMoney("base_subtotal", t.baseSubtotal, be);
    w.fieldMoney("base_subtotal_incl_tax", t.baseSubtotal + t.baseTaxAmount, be);
    w.fieldMoney("base_tax_amount", t.baseTaxAmount, be);
    writeRates(w, t);
    if (v.baseTotalRefunded)
        w.fieldMoney("base_total_refunded", v.baseTotalRefunded, be);
    w.field("billing_address_id", t.billingAddressId);
    w.fieldInt("can_void_flag", 0);
    w.fieldLatin1("created_at", magentoTime(v.createdAt));
    w.fieldMoney("discount_amount", t.discountAmount, e);
    w.fieldInt("email_sent", v.emailSent ? 1 : 0);
    w.field("entity_id", v.entityId);
    w.field("global_currency_code", t.baseCurrencyCode);
    w.fieldMoney("grand_total", t.grandTotal, e);
    w.fieldMoney("discount_tax_compensation_amount", 0, e);
    w.field("increment_id", v.incrementId);
    if (v.baseTotalRefunded)
        w.fieldInt("is_used_for_refund", 1);
    w.field("order_currency_code", t.orderCurrencyCode);
    w.field("order_id", v.orderId);
    if (t.shippingAddressId)
        w.field("shipping_address_id", t.shippingAddressId);
    w.fieldMoney("shipping_amount", t.shippingAmount, e);
    w.fieldMoney("shipping_discount_tax_compensation_amount", 0, e);
    w.fieldMoney("shipping_incl_tax", t.shippingAmount, e);
    w.fieldMoney("shipping_tax_amount", 0, e);
    w.fieldInt("state", v.state);
    w.field("store_currency_code", t.baseCurrencyCode);
    w.field("store_id", t.storeId);
    w.fieldInt("store_to_base_rate", 0);
    w.fieldInt("store_to_order_rate", 0);
    w.fieldMoney("subtotal", t.subtotal, e);
    w.fieldMoney("subtotal_incl_tax", t.subtotal + t.taxAmount, e);
    w.fieldMoney("tax_amount", t.taxAmount, e);
    w.field("total_qty", v.totalQty);
    if (!v.transactionId.isEmpty())
        w.field("transaction_id", v.transactionId);
    w.fieldLatin1("updated_at", magentoTime(v.updatedAt));
    writeDocItems(w, t, v.items, v.entityId);
    writeDocComments(w, v.comments, u"invoice");
    w.endObject();
}

void writeMagentoCreditmemo(JsonWriter &w, const MagentoCreditmemo &v)
{
    const MagentoDocTotals &t = v.totals;
    const int e = t.exponent;
    const int be = t.baseExponent;
    w.beginObject();
    w.fieldMoney("adjustment", v.adjustmentPositive - v.adjustmentNegative, e);
    w.fieldMoney("adjustment_negative", v.adjustmentNegative, e);
    w.fieldMoney("adjustment_positive", v.adjustmentPositive, e);
    w.fieldMoney("base_adjustment", v.baseAdjustmentPositive - v.baseAdjustmentNegative, be);
    w.fieldMoney("base_adjustment_negative", v.baseAdjustmentNegative, be);
    w.fieldMoney("base_adjustment_positive", v.baseAdjustmentPositive, be);
    w.field("base_currency_code", t.baseCurrencyCode);
    w.fieldMoney("base_discount_amount", t.baseDiscountAmount, be);
    w.fieldMoney("base_grand_total", t.baseGrandTotal, be);
    w.fieldMoney("base_shipping_amount", t.baseShippingAmount, be);
    w.fieldMoney("base_shipping_incl_tax", t.baseShippingAmount, be);
    w.fieldMoney("base_subtotal", t.baseSubtotal, be);
    w.fieldMoney("base_subtotal_incl_tax", t.baseSubtotal + t.baseTaxAmount, be);
    w.fieldMoney("base_tax_amount", t.baseTaxAmount, be);
    writeRates(w, t);
    w.field("billing_address_id", t.billingAddressId);
    w.fieldLatin1("created_at", magentoTime(v.createdAt));
    w.fieldInt("creditmemo_status", v.state);
    w.fieldMoney("discount_amount", t.discountAmount, e);
    w.fieldInt("email_sent", v.emailSent ? 1 : 0);
    w.field("entity_id", v.entityId);
    w.field("global_currency_code", t.baseCurrencyCode);
    w.fieldMoney("grand_total", t.grandTotal, e);
    w.field("increment_id", v.incrementId);
    if (v.invoiceId)
        w.field("invoice_id", v.invoiceId);
    w.field("order_currency_code", t.orderCurrencyCode);
    w.field("order_id", v.orderId);
    if (t.shippingAddressId)
        w.field("shipping_address_id", t.shippingAddressId);
    w.fieldMoney("shipping_amount", t.shippingAmount, e);
    w.fieldMoney("shipping_incl_tax", t.shippingAmount, e);
    w.fieldMoney("shipping_tax_amount", 0, e);
    w.fieldInt("state", v.state);
    w.field("store_currency_code", t.baseCurrencyCode);
    w.field("store_id", t.storeId);
    w.fieldMoney("subtotal", t.subtotal, e);
    w.fieldMoney("subtotal_incl_tax", t.subtotal + t.taxAmount, e);
    w.fieldMoney("tax_amount", t.taxAmount, e);
    if (!v.transactionId.isEmpty())
        w.field("transaction_id", v.transactionId);
    w.fieldLatin1("updated_at", magentoTime(v.updatedAt));
    writeDocItems(w, t, v.items, v.entityId);
    writeDocComments(w, v.comments, u"creditmemo");
    w.endObject();
}

void writeMagentoTransaction(JsonWriter &w, const MagentoTransaction &t, const QList<const MagentoTransaction *> &children)
{
    w.beginObject();
    w.key("additional_information");
    w.beginArray();
    w.endArray();
    w.key("child_transactions");
    w.beginArray();
    for (const MagentoTransaction *c : children)
        writeMagentoTransaction(w, *c, {});
    w.endArray();
    w.fieldLatin1("created_at", magentoTime(t.createdAt));
    w.fieldInt("is_closed", t.isClosed);
    w.field("order_id", t.orderId);
    if (t.parentId)
        w.field("parent_id", t.parentId);
    if (!t.parentTxnId.isEmpty())
        w.field("parent_txn_id", t.parentTxnId);
    w.field("payment_id", t.paymentId);
    w.field("transaction_id", t.transactionId);
    w.field("txn_id", t.txnId);
    w.field("txn_type", t.txnType);
    w.endObject();
}

void writeMagentoCustomer(JsonWriter &w, const MagentoCustomer &c)
{
    w.beginObject();
    w.field("id", c.id);
    w.field("group_id", c.groupId);
    // Address ids as strings (CustomerInterface::getDefaultBilling returns a string).
    if (c.defaultBilling)
        w.field("default_billing", QString::number(c.defaultBilling));
    if (c.defaultShipping)
        w.field("default_shipping", QString::number(c.defaultShipping));
    w.fieldLatin1("created_at", magentoTime(c.createdAt));
    w.fieldLatin1("updated_at", magentoTime(c.updatedAt));
    w.field("created_in", c.createdIn);
    if (!c.dob.isEmpty())
        w.field("dob", c.dob);
    w.field("email", c.email);
    w.field("firstname", c.firstname);
    w.field("lastname", c.lastname);
    if (!c.middlename.isEmpty())
        w.field("middlename", c.middlename);
    if (!c.prefix.isEmpty())
        w.field("prefix", c.prefix);
    if (!c.suffix.isEmpty())
        w.field("suffix", c.suffix);
    if (c.gender >= 0)
        w.fieldInt("gender", c.gender);
    w.field("store_id", c.storeId);
    if (!c.taxvat.isEmpty())
        w.field("taxvat", c.taxvat);
    w.field("website_id", c.websiteId);
    w.key("addresses");
    w.beginArray();
    for (const MagentoAddress &a : c.addresses) {
        w.beginObject();
        w.field("id", a.entityId);
        w.field("customer_id", c.id);
        w.key("region");
        w.beginObject();
        w.field("region_code", a.regionCode.isEmpty() ? a.region : a.regionCode);
        w.field("region", a.region);
        w.fieldInt("region_id", a.regionId);
        w.endObject();
        w.fieldInt("region_id", a.regionId);
        w.field("country_id", a.countryId);
        w.key("street");
        w.beginArray();
        for (const QString &line : a.street)
            w.string(line);
        w.endArray();
        if (!a.company.isEmpty())
            w.field("company", a.company);
        w.field("telephone", a.telephone);
        w.field("postcode", a.postcode);
        w.field("city", a.city);
        w.field("firstname", a.firstname);
        w.field("lastname", a.lastname);
        // Only the default addresses carry the flags (customers_search.response.json).
        if (a.entityId == c.defaultShipping)
            w.fieldBool("default_shipping", true);
        if (a.entityId == c.defaultBilling)
            w.fieldBool("default_billing", true);
        w.endObject();
    }
    w.endArray();
    w.fieldInt("disable_auto_group_change", c.disableAutoGroupChange);
    // Present only when the customer has values for custom attributes, as Magento prints them.
    if (!c.customAttributes.isEmpty()) {
        w.key("custom_attributes");
        w.beginArray();
        for (const auto &[code, value] : c.customAttributes) {
            w.beginObject();
            w.field("attribute_code", code);
            w.field("value", value);
            w.endObject();
        }
        w.endArray();
    }
    w.endObject();
}

} // namespace pb::sandbox
