#include "paytrace/requests.h"

#include "paytrace/parser.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace pb::paytrace {

namespace {

Error fieldError(const QString &field, const QString &message)
{
    return makeError(u"paytrace.request."_s + field, field, message);
}

// Returns the first error of a list of checks, or nullopt.
std::optional<Error> requireId(const QString &value, const QString &field)
{
    if (value.trimmed().isEmpty())
        return fieldError(field, u"is required"_s);
    if (value.trimmed() != value)
        return fieldError(field, u"must not start or end with spaces"_s);
    return std::nullopt;
}

std::optional<Error> requireTransactionId(const QString &value)
{
    if (auto e = requireId(value, u"transaction_id"_s))
        return e;
    for (QChar c : value) {
        if (!c.isDigit())
            return fieldError(u"transaction_id"_s, u"must be the numeric PayTrace id, got \"%1\""_s.arg(value));
    }
    return std::nullopt;
}

std::optional<Error> insertAmount(QJsonObject *o, const char *key, const Money &amount, bool allowZero = false)
{
    const QString field = QString::fromLatin1(key);
    auto text = requests::amountText(amount, field, allowZero);
    if (!text)
        return text.error();
    o->insert(field, text.value());
    return std::nullopt;
}

std::optional<Error> insertOptionalAmount(QJsonObject *o, const char *key, const std::optional<Money> &amount)
{
    return amount ? insertAmount(o, key, *amount, true) : std::nullopt;
}

void insertText(QJsonObject *o, QLatin1StringView key, const QString &value)
{
    if (!value.isEmpty())
        o->insert(key, value);
}

std::optional<Error> addDetails(QJsonObject *o, const PaymentDetails &d, bool allowZero)
{
    if (auto e = insertAmount(o, "amount", d.amount, allowZero))
        return e;
    if (auto e = insertOptionalAmount(o, "tax_amount", d.taxAmount))
        return e;
    insertText(o, "invoice_id"_L1, d.invoiceId);
    insertText(o, "description"_L1, d.description);
    insertText(o, "customer_reference_id"_L1, d.customerReferenceId);
    insertText(o, "email"_L1, d.email);
    return std::nullopt;
}

std::optional<Error> addCard(QJsonObject *o, const EncryptedCard &card)
{
    if (card.encryptedNumber.isEmpty())
        return fieldError(u"credit_card.encrypted_number"_s, u"is required (encrypt the number with CardEncryptor)"_s);
    if (card.expirationMonth < 1 || card.expirationMonth > 12)
        return fieldError(u"credit_card.expiration_month"_s, u"must be 1 to 12"_s);
    if (card.expirationYear < 2000 || card.expirationYear > 2099)
        return fieldError(u"credit_card.expiration_year"_s, u"must have 4 digits"_s);
    o->insert("credit_card"_L1, QJsonObject{{"encrypted_number"_L1, card.encryptedNumber},
                                            {"expiration_month"_L1, card.expirationMonth},
                                            {"expiration_year"_L1, card.expirationYear}});
    if (!card.encryptedCsc.isEmpty())
        o->insert("encrypted_csc"_L1, card.encryptedCsc); // top level, next to where csc goes (§2.2)
    return std::nullopt;
}

template<typename R>
Result<QJsonObject> payment(const R &r, QJsonObject o)
{
    if (auto e = addDetails(&o, r, false))
        return *e;
    return o;
}

} // namespace

QJsonObject Address::toJson(bool withCounty) const
{
    QJsonObject o;
    insertText(&o, "name"_L1, name);
    insertText(&o, "street_address"_L1, streetAddress);
    insertText(&o, "street_address2"_L1, streetAddress2);
    insertText(&o, "city"_L1, city);
    if (withCounty)
        insertText(&o, "county"_L1, county);
    insertText(&o, "state"_L1, state);
    insertText(&o, "zip"_L1, zip);
    insertText(&o, "country"_L1, country);
    return o;
}

namespace requests {

Result<QString> amountText(const Money &amount, const QString &field, bool allowZero)
{
    if (!amount.isValid())
        return fieldError(field, u"no amount given"_s);
    // PayTrace v1 takes USD only (docs/paytrace.md §3); refuse before anything is sent.
    if (amount.currency().code() != u"USD")
        return makeError(u"paytrace.request.currency"_s, field,
                         u"PayTrace accepts USD only; got %1"_s.arg(amount.toString()));
    if (amount.isNegative() || (amount.isZero() && !allowZero))
        return fieldError(field, u"must be more than zero; got %1"_s.arg(amount.toDecimalString()));
    return amount.toDecimalString(); // USD exponent 2: always "d.dd"
}

Result<QJsonObject> body(const CustomerPaymentRequest &r)
{
    if (auto e = requireId(r.customerId, u"customer_id"_s))
        return *e;
    return payment(r, QJsonObject{{"customer_id"_L1, r.customerId}});
}

Result<QJsonObject> body(const TransactionPaymentRequest &r)
{
    if (auto e = requireTransactionId(r.transactionId))
        return *e;
    return payment(r, QJsonObject{{"transaction_id"_L1, r.transactionId}});
}

Result<QJsonObject> body(const KeyedPaymentRequest &r)
{
    QJsonObject o;
    if (auto e = addCard(&o, r.card))
        return *e;
    o.insert("billing_address"_L1, r.billing.toJson(false));
    if (r.shipping)
        o.insert("shipping_address"_L1, r.shipping->toJson(true));
    return payment(r, o);
}

Result<QJsonObject> body(const CaptureRequest &r)
{
    if (auto e = requireTransactionId(r.transactionId))
        return *e;
    QJsonObject o{{"transaction_id"_L1, r.transactionId}};
    if (r.amount) {
        if (auto e = insertAmount(&o, "amount", *r.amount))
            return *e;
    }
    return o;
}

Result<QJsonObject> body(const VoidRequest &r)
{
    if (auto e = requireTransactionId(r.transactionId))
        return *e;
    return QJsonObject{{"transaction_id"_L1, r.transactionId}};
}

Result<QJsonObject> body(const RefundRequest &r)
{
    if (auto e = requireTransactionId(r.transactionId))
        return *e;
    QJsonObject o{{"transaction_id"_L1, r.transactionId}};
    if (r.amount) {
        if (auto e = insertAmount(&o, "amount", *r.amount))
            return *e;
    }
    return o;
}

Result<QJsonObject> body(const CustomerRefundRequest &r)
{
    if (auto e = requireId(r.customerId, u"customer_id"_s))
        return *e;
    QJsonObject o{{"customer_id"_L1, r.customerId}};
    if (auto e = insertAmount(&o, "amount", r.amount))
        return *e;
    insertText(&o, "invoice_id"_L1, r.invoiceId);
    insertText(&o, "description"_L1, r.description);
    return o;
}

Result<QJsonObject> body(const CustomerCreateRequest &r)
{
    if (auto e = requireId(r.customerId, u"customer_id"_s))
        return *e;
    QJsonObject o{{"customer_id"_L1, r.customerId}};
    if (auto e = addCard(&o, r.card))
        return *e;
    o.insert("billing_address"_L1, r.billing.toJson(false));
    if (r.shipping)
        o.insert("shipping_address"_L1, r.shipping->toJson(true));
    insertText(&o, "email"_L1, r.email);
    insertText(&o, "phone"_L1, r.phone);
    return o;
}

Result<QJsonObject> body(const CustomerFromTransactionRequest &r)
{
    if (auto e = requireId(r.customerId, u"customer_id"_s))
        return *e;
    if (auto e = requireTransactionId(r.transactionId))
        return *e;
    QJsonObject o{{"customer_id"_L1, r.customerId}, {"transaction_id"_L1, r.transactionId}};
    if (r.billing)
        o.insert("billing_address"_L1, r.billing->toJson(false));
    insertText(&o, "email"_L1, r.email);
    return o;
}

Result<QJsonObject> body(const CustomerUpdateRequest &r)
{
    if (auto e = requireId(r.customerId, u"customer_id"_s))
        return *e;
    QJsonObject o{{"customer_id"_L1, r.customerId}};
    if (!r.newId.isEmpty()) {
        if (auto e = requireId(r.newId, u"new_id"_s))
            return *e;
        o.insert("new_id"_L1, r.newId);
    }
    if (r.card) {
        if (auto e = addCard(&o, *r.card))
            return *e;
    }
    if (r.billing)
        o.insert("billing_address"_L1, r.billing->toJson(false));
    if (r.shipping)
        o.insert("shipping_address"_L1, r.shipping->toJson(true));
    if (r.email)
        o.insert("email"_L1, *r.email);
    if (r.phone)
        o.insert("phone"_L1, *r.phone);
    if (o.size() == 1)
        return fieldError(u"customer_id"_s, u"an update must change at least one field"_s);
    return o;
}

Result<QJsonObject> body(const CustomerDeleteRequest &r)
{
    if (auto e = requireId(r.customerId, u"customer_id"_s))
        return *e;
    return QJsonObject{{"customer_id"_L1, r.customerId}};
}

Result<QJsonObject> body(const EmailReceiptRequest &r)
{
    if (auto e = requireTransactionId(r.transactionId))
        return *e;
    const qsizetype at = r.email.indexOf(u'@');
    if (at < 1 || at == r.email.size() - 1 || r.email.count(u'@') != 1)
        return fieldError(u"email"_s, u"\"%1\" is not an email address"_s.arg(r.email));
    return QJsonObject{{"transaction_id"_L1, r.transactionId}, {"email"_L1, r.email}};
}

Result<QJsonObject> body(const LevelThreeRequest &r)
{
    if (auto e = requireTransactionId(r.transactionId))
        return *e;
    QJsonObject o{{"transaction_id"_L1, r.transactionId}};
    insertText(&o, "invoice_id"_L1, r.invoiceId);
    insertText(&o, "customer_reference_id"_L1, r.customerReferenceId);
    insertText(&o, "merchant_tax_id"_L1, r.merchantTaxId);
    insertText(&o, "customer_tax_id"_L1, r.customerTaxId);
    insertText(&o, "commodity_code"_L1, r.commodityCode);
    for (const auto &[key, value] : {std::pair{"tax_amount", &r.taxAmount}, std::pair{"national_tax_amount", &r.nationalTaxAmount},
                                     std::pair{"discount_amount", &r.discountAmount}, std::pair{"freight_amount", &r.freightAmount},
                                     std::pair{"duty_amount", &r.dutyAmount}}) {
        if (auto e = insertOptionalAmount(&o, key, *value))
            return *e;
    }
    if (!r.sourceZip.isEmpty())
        o.insert("source_address"_L1, QJsonObject{{"zip"_L1, r.sourceZip}});
    if (r.shipping)
        o.insert("shipping_address"_L1, r.shipping->toJson(true));
    QJsonArray lines;
    for (qsizetype i = 0; i < r.lineItems.size(); ++i) {
        const LevelThreeLine &l = r.lineItems[i];
        const QString prefix = u"line_items[%1]."_s.arg(i);
        QJsonObject line;
        bool quantityOk = false;
        if (l.quantity.toDouble(&quantityOk) <= 0 || !quantityOk)
            return fieldError(prefix + u"quantity"_s, u"must be a positive number; got \"%1\""_s.arg(l.quantity));
        line.insert("quantity"_L1, l.quantity);
        for (const auto &[key, value] : {std::pair{"unit_cost", &l.unitCost}, std::pair{"amount", &l.amount}}) {
            auto text = requests::amountText(*value, prefix + QString::fromLatin1(key), true);
            if (!text)
                return text.error();
            line.insert(QLatin1StringView(key), text.value());
        }
        for (const auto &[key, value] : {std::pair{"tax_amount", &l.taxAmount}, std::pair{"discount_amount", &l.discountAmount}}) {
            if (!*value)
                continue;
            auto text = requests::amountText(**value, prefix + QString::fromLatin1(key), true);
            if (!text)
                return text.error();
            line.insert(QLatin1StringView(key), text.value());
        }
        insertText(&line, "product_id"_L1, l.productId);
        insertText(&line, "description"_L1, l.description);
        insertText(&line, "commodity_code"_L1, l.commodityCode);
        insertText(&line, "unit_of_measure"_L1, l.unitOfMeasure);
        line.insert("debit_or_credit"_L1, l.credit ? u"C"_s : u"D"_s);
        lines.append(line);
    }
    if (!lines.isEmpty())
        o.insert("line_items"_L1, lines);
    return o;
}

} // namespace requests

namespace {

// The first present key among `names` (batch field names are UNCERTAIN, §2.4).
QJsonValue firstOf(const QJsonObject &o, std::initializer_list<const char *> names, QString *usedName)
{
    for (const char *n : names) {
        const QJsonValue v = o.value(QLatin1StringView(n));
        if (!v.isUndefined() && !v.isNull()) {
            *usedName = QString::fromLatin1(n);
            return v;
        }
    }
    return {};
}

QString textOf(const QJsonValue &v)
{
    if (v.isString())
        return v.toString().trimmed();
    if (v.isDouble())
        return QString::number(qint64(v.toDouble()));
    return {};
}

} // namespace

VaultProfileRecord CustomerProfile::toVaultRecord() const
{
    VaultProfileRecord r;
    r.customerId = customerId;
    r.email = email.trimmed();
    r.billingName = billing.name.trimmed();
    r.phone = phone.trimmed();
    r.billing = PostalAddress{billing.name, billing.streetAddress, billing.streetAddress2, billing.city,
                              billing.state, billing.zip, billing.country};
    r.cardType = cardType;
    r.cardLast4 = cardLast4;
    r.expMonth = expirationMonth;
    r.expYear = expirationYear;
    return r;
}

Result<BatchSummary> BatchSummary::fromJson(const QJsonObject &o, const QString &path)
{
    BatchSummary b;
    b.raw = o;
    QString name;
    const QJsonValue number = firstOf(o, {"number", "batch_number", "batchNumber", "batch_num", "batchnum", "BATCHNUM", "id"}, &name);
    b.number = textOf(number);
    if (b.number.isEmpty())
        return makeError(u"paytrace.batch.number"_s, path, u"batch without a number (tried number, batch_number, batchNumber, BATCHNUM, id)"_s);
    QJsonValue when = firstOf(o, {"created", "closed", "closed_at", "settled", "settled_at", "when", "date", "WHEN"}, &name);
    if (when.isObject()) // like a transaction's created{at}
        when = when.toObject().value("at"_L1);
    b.closedAtText = when.toString();
    if (!b.closedAtText.isEmpty()) {
        if (auto t = Parser::parseExportTime(b.closedAtText, path + u'.' + name))
            b.closedAt = t.value();
        else if (const QDateTime iso = QDateTime::fromString(b.closedAtText, Qt::ISODate); iso.isValid() && iso.timeSpec() != Qt::LocalTime)
            b.closedAt = iso.toUTC();
        else
            return makeError(u"paytrace.batch.time"_s, path + u'.' + name, u"unreadable time \"%1\""_s.arg(b.closedAtText));
    }
    const auto count = [&](std::initializer_list<const char *> names, std::optional<qint64> *out) -> std::optional<Error> {
        const QJsonValue v = firstOf(o, names, &name);
        if (v.isUndefined())
            return std::nullopt;
        bool ok = false;
        const qint64 n = textOf(v).toLongLong(&ok);
        if (!ok || n < 0)
            return makeError(u"paytrace.batch.count"_s, path + u'.' + name, u"not a count"_s);
        *out = n;
        return std::nullopt;
    };
    const auto money = [&](std::initializer_list<const char *> names, std::optional<Money> *out) -> std::optional<Error> {
        const QJsonValue v = firstOf(o, names, &name);
        if (v.isUndefined())
            return std::nullopt;
        auto m = Money::fromJson(v, Currency::usd(), path + u'.' + name);
        if (!m)
            return m.error();
        *out = m.value();
        return std::nullopt;
    };
    if (auto e = count({"transaction_count", "tranx_count", "transactionCount", "TRANXCOUNT", "count"}, &b.transactionCount))
        return *e;
    if (auto e = count({"sales_count", "salesCount", "SALESCOUNT"}, &b.salesCount))
        return *e;
    if (auto e = count({"refund_count", "refundCount", "REFUNDCOUNT"}, &b.refundCount))
        return *e;
    if (auto e = money({"net_amount", "netAmount", "NETAMOUNT", "net"}, &b.netAmount))
        return *e;
    if (auto e = money({"sales_amount", "salesAmount", "SALESAMOUNT"}, &b.salesAmount))
        return *e;
    if (auto e = money({"refund_amount", "refundAmount", "REFUNDAMOUNT"}, &b.refundAmount))
        return *e;
    return b;
}

} // namespace pb::paytrace
