#include "magento/parser.h"

#include "money/exactamount.h"
#include "net/jsonread.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace pb::magento {

namespace J = pb::net::json;

namespace {

// Optional amount: absent/null → invalid Money. Magento keeps 4 decimals (docs/magento.md §7):
// the amount is read exactly, kept as Money rounded half-even, and its exact text goes into
// `exact` under `key` when it was finer than the currency's minor unit.
Result<Money> optMoney(const QJsonObject &o, QLatin1StringView key, const Currency &currency,
                       const QString &path, QMap<QString, QString> &exact)
{
    const QJsonValue v = o.value(key);
    if (v.isNull() || v.isUndefined())
        return Money();
    PB_TRY(amount, ExactAmount::fromJson(v, currency, J::join(path, key)));
    if (amount.isFinerThanCurrency())
        exact.insert(QString(key), amount.toDecimalString());
    return amount.rounded();
}

Result<Currency> requiredCurrency(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    PB_TRY(code, J::optString(o, key, path));
    if (!code || code->isEmpty())
        return J::missingError(J::join(path, key));
    const auto c = Currency::fromCode(*code);
    if (!c)
        return makeError(QStringLiteral("magento.currency"), J::join(path, key),
                         QStringLiteral("unknown currency code \"") + code->left(16) + u'"');
    return *c;
}

QString stringValueText(const QJsonValue &v)
{
    if (v.isString())
        return v.toString();
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (d == static_cast<double>(static_cast<qint64>(d)))
            return QString::number(static_cast<qint64>(d));
        return QString::number(d, 'g', 15);
    }
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isNull())
        return QStringLiteral("null");
    return J::typeName(v);
}

} // namespace

Result<QDateTime> Parser::parseTime(const QString &text, const QString &field)
{
    static const QRegularExpression re(QStringLiteral(R"(^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$)"));
    const auto m = re.match(text);
    if (m.hasMatch()) {
        const QDate d(m.capturedView(1).toInt(), m.capturedView(2).toInt(), m.capturedView(3).toInt());
        const QTime t(m.capturedView(4).toInt(), m.capturedView(5).toInt(), m.capturedView(6).toInt());
        if (d.isValid() && t.isValid())
            return QDateTime(d, t, Qt::UTC);
    }
    return makeError(QStringLiteral("magento.time"), field,
                     QStringLiteral("not a time of the form YYYY-MM-DD HH:MM:SS: \"") + text.left(40) + u'"');
}

QString Parser::formatTime(const QDateTime &utc)
{
    return utc.toUTC().toString(u"yyyy-MM-dd HH:mm:ss");
}

Result<OrderRecord> Parser::parseOrder(const QJsonObject &o, const QString &path)
{
    OrderRecord r;
    PB_TRY(entityId, J::optInt(o, "entity_id"_L1, path));
    if (!entityId)
        return J::missingError(J::join(path, "entity_id"_L1));
    if (*entityId <= 0)
        return makeError(QStringLiteral("json.range"), J::join(path, "entity_id"_L1),
                         QStringLiteral("entity id must be positive, got %1").arg(*entityId));
    r.entityId = *entityId;
    PB_TRY(incrementId, J::optString(o, "increment_id"_L1, path));
    if (!incrementId || incrementId->isEmpty())
        return J::missingError(J::join(path, "increment_id"_L1));
    r.incrementId = *incrementId;
    PB_TRY(currency, requiredCurrency(o, "order_currency_code"_L1, path));
    r.currency = currency;

    PB_TRY(state, J::optString(o, "state"_L1, path));
    r.state = state.value_or(QString());
    PB_TRY(status, J::optString(o, "status"_L1, path));
    r.status = status.value_or(QString());

    PB_TRY(grandTotal, optMoney(o, "grand_total"_L1, currency, path, r.exactAmounts));
    r.grandTotal = grandTotal;
    PB_TRY(totalPaid, optMoney(o, "total_paid"_L1, currency, path, r.exactAmounts));
    r.totalPaid = totalPaid;
    PB_TRY(totalInvoiced, optMoney(o, "total_invoiced"_L1, currency, path, r.exactAmounts));
    r.totalInvoiced = totalInvoiced;
    PB_TRY(totalRefunded, optMoney(o, "total_refunded"_L1, currency, path, r.exactAmounts));
    r.totalRefunded = totalRefunded;
    PB_TRY(totalDue, optMoney(o, "total_due"_L1, currency, path, r.exactAmounts));
    r.totalDue = totalDue;

    PB_TRY(baseCode, J::optString(o, "base_currency_code"_L1, path));
    if (baseCode && !baseCode->isEmpty()) {
        PB_TRY(base, requiredCurrency(o, "base_currency_code"_L1, path));
        r.baseCurrency = base;
        const std::pair<QLatin1StringView, Money *> baseAmounts[] = {
            {"base_grand_total"_L1, &r.baseGrandTotal},     {"base_total_paid"_L1, &r.baseTotalPaid},
            {"base_total_invoiced"_L1, &r.baseTotalInvoiced}, {"base_total_refunded"_L1, &r.baseTotalRefunded},
            {"base_total_due"_L1, &r.baseTotalDue}};
        for (const auto &[key, target] : baseAmounts) {
            PB_TRY(m, optMoney(o, key, base, path, r.exactAmounts));
            *target = m;
        }
    }
    const QJsonValue rate = o.value("base_to_order_rate"_L1);
    if (!rate.isNull() && !rate.isUndefined()) {
        PB_TRY(rateText, exactDecimalText(rate, J::join(path, "base_to_order_rate"_L1)));
        r.baseToOrderRate = rateText;
    }

    PB_TRY(payment, J::optObject(o, "payment"_L1, path));
    if (payment) {
        const QString pp = J::join(path, "payment"_L1);
        PB_TRY(method, J::optString(*payment, "method"_L1, pp));
        r.paymentMethod = method.value_or(QString());
        PB_TRY(lastTrans, J::optString(*payment, "last_trans_id"_L1, pp));
        r.lastTransId = lastTrans.value_or(QString());
        PB_TRY(last4, J::optString(*payment, "cc_last4"_L1, pp));
        r.cardLast4 = last4.value_or(QString());
        PB_TRY(ccType, J::optString(*payment, "cc_type"_L1, pp));
        r.cardType = ccType.value_or(QString());
        QMap<QString, QString> paymentExact;
        PB_TRY(amountPaid, optMoney(*payment, "amount_paid"_L1, currency, pp, paymentExact));
        if (!r.totalPaid.isValid() && amountPaid.isValid()) {
            r.totalPaid = amountPaid; // total_paid is absent on some partial responses
            if (paymentExact.contains(u"amount_paid"_s))
                r.exactAmounts.insert(u"total_paid"_s, paymentExact.value(u"amount_paid"_s));
        }
    }

    PB_TRY(email, J::optString(o, "customer_email"_L1, path));
    r.customerEmail = email.value_or(QString());
    PB_TRY(first, J::optString(o, "customer_firstname"_L1, path));
    PB_TRY(last, J::optString(o, "customer_lastname"_L1, path));
    QString firstName = first.value_or(QString());
    QString lastName = last.value_or(QString());
    if (firstName.isEmpty() && lastName.isEmpty()) {
        // Guests often carry their name only on the billing address.
        PB_TRY(billing, J::optObject(o, "billing_address"_L1, path));
        if (billing) {
            const QString bp = J::join(path, "billing_address"_L1);
            PB_TRY(bf, J::optString(*billing, "firstname"_L1, bp));
            PB_TRY(bl, J::optString(*billing, "lastname"_L1, bp));
            firstName = bf.value_or(QString());
            lastName = bl.value_or(QString());
        }
    }
    r.customerName = QString(firstName + u' ' + lastName).trimmed();
    PB_TRY(customerId, J::optInt(o, "customer_id"_L1, path));
    r.customerId = customerId;
    PB_TRY(guest, J::optBool(o, "customer_is_guest"_L1, path));
    r.customerIsGuest = guest.value_or(!customerId.has_value());

    PB_TRY(created, J::optString(o, "created_at"_L1, path));
    if (created) {
        PB_TRY(t, parseTime(*created, J::join(path, "created_at"_L1)));
        r.createdAt = t;
    }
    PB_TRY(updated, J::optString(o, "updated_at"_L1, path));
    if (updated) {
        PB_TRY(t, parseTime(*updated, J::join(path, "updated_at"_L1)));
        r.updatedAt = t;
    }
    return r;
}

Result<OrderRecord> Parser::parseOrderBody(const QByteArray &body)
{
    PB_TRY(o, J::parseObject(body, QStringLiteral("order")));
    return parseOrder(o);
}

Result<OrderPage> Parser::parseOrderSearch(const QByteArray &body)
{
    PB_TRY(o, J::parseObject(body, QStringLiteral("order search")));
    PB_TRY(items, J::optArray(o, "items"_L1, QString()));
    OrderPage page;
    if (items) {
        if (items->size() > kMaxItems)
            return makeError(QStringLiteral("json.too_many"), QStringLiteral("items"),
                             QStringLiteral("%1 items exceed the limit of %2").arg(items->size()).arg(kMaxItems));
        page.items.reserve(items->size());
        page.itemCount = items->size();
        for (qsizetype i = 0; i < items->size(); ++i) {
            const QString path = J::index(QStringLiteral("items"), i);
            const QJsonValue item = items->at(i);
            Result<OrderRecord> order = item.isObject()
                ? parseOrder(item.toObject(), path)
                : Result<OrderRecord>(J::typeError(path, item, "an object"));
            if (order) {
                page.ids.append(order->entityId);
                if (order->updatedAt.isValid()) {
                    page.lastKeyUpdated = order->updatedAt;
                    page.lastKeyId = order->entityId;
                }
                page.items.append(std::move(order).value());
                continue;
            }
            RejectedRecord rejected = rejectOrder(item, path, order.error());
            bool idOk = false;
            const qint64 id = rejected.externalId.toLongLong(&idOk);
            if (idOk) {
                page.ids.append(id);
                if (rejected.updatedAt.isValid()) {
                    page.lastKeyUpdated = rejected.updatedAt;
                    page.lastKeyId = id;
                }
            }
            page.rejected.append(std::move(rejected));
        }
    }
    PB_TRY(total, J::optInt(o, "total_count"_L1, QString()));
    if (total && *total < 0)
        return makeError(QStringLiteral("json.range"), QStringLiteral("total_count"),
                         QStringLiteral("negative total %1").arg(*total));
    page.totalCount = total.value_or(-1);
    return page;
}

RejectedRecord Parser::rejectOrder(const QJsonValue &item, const QString &path, const Error &why)
{
    RejectedRecord r;
    r.source = RejectedRecord::kMagentoOrder;
    // The field within the order: its place in the page means nothing once it is set aside.
    r.field = why.field.startsWith(path + u'.') ? why.field.mid(path.size() + 1) : why.field;
    r.reason = why.message;
    r.raw = item.isObject() ? QJsonDocument(item.toObject()).toJson(QJsonDocument::Compact)
                            : QJsonDocument(QJsonArray{item}).toJson(QJsonDocument::Compact);
    const QJsonObject o = item.toObject();
    // The id as Magento sends it, number or numeric text; anything else cannot be fetched
    // again by id, so the record is known by its place in the page.
    const QJsonValue id = o.value("entity_id"_L1);
    qint64 entityId = 0;
    if (id.isDouble() && id.toDouble() >= 1 && id.toDouble() < 9.0e15
        && id.toDouble() == static_cast<double>(static_cast<qint64>(id.toDouble())))
        entityId = static_cast<qint64>(id.toDouble());
    else if (id.isString())
        entityId = id.toString().toLongLong();
    r.externalId = entityId > 0 ? QString::number(entityId) : path;
    if (const QJsonValue u = o.value("updated_at"_L1); u.isString()) {
        if (auto t = parseTime(u.toString(), J::join(path, "updated_at"_L1)))
            r.updatedAt = t.value();
    }
    return r;
}

Result<QList<QPair<qint64, QString>>> Parser::parseOrderKeys(const QByteArray &body)
{
    PB_TRY(o, J::parseObject(body, QStringLiteral("order search")));
    PB_TRY(items, J::optArray(o, "items"_L1, QString()));
    QList<QPair<qint64, QString>> keys;
    if (!items)
        return keys;
    if (items->size() > kMaxItems)
        return makeError(QStringLiteral("json.too_many"), QStringLiteral("items"),
                         QStringLiteral("%1 items exceed the limit of %2").arg(items->size()).arg(kMaxItems));
    for (qsizetype i = 0; i < items->size(); ++i) {
        const QString path = J::index(QStringLiteral("items"), i);
        if (!items->at(i).isObject())
            return J::typeError(path, items->at(i), "an object");
        const QJsonObject item = items->at(i).toObject();
        PB_TRY(id, J::optInt(item, "entity_id"_L1, path));
        if (!id)
            return J::missingError(J::join(path, "entity_id"_L1));
        PB_TRY(inc, J::optString(item, "increment_id"_L1, path));
        if (!inc || inc->isEmpty())
            return J::missingError(J::join(path, "increment_id"_L1));
        keys.append({*id, *inc});
    }
    return keys;
}

QString Parser::fillPlaceholders(const QString &message, const QJsonValue &parameters)
{
    if (!parameters.isArray() && !parameters.isObject())
        return message;
    QString out;
    out.reserve(message.size());
    qsizetype i = 0;
    while (i < message.size()) {
        const QChar c = message.at(i);
        if (c != u'%' || i + 1 >= message.size()) {
            out += c;
            ++i;
            continue;
        }
        // Longest run of name characters after '%': "%10" is the tenth, never "%1" + "0".
        qsizetype j = i + 1;
        const bool numeric = message.at(j).isDigit();
        while (j < message.size()
               && (numeric ? message.at(j).isDigit()
                           : (message.at(j).isLetterOrNumber() || message.at(j) == u'_'))) {
            ++j;
        }
        const QString name = message.mid(i + 1, j - i - 1);
        std::optional<QString> value;
        if (!name.isEmpty()) {
            if (parameters.isArray() && numeric) {
                const qsizetype idx = name.toLongLong() - 1;
                const QJsonArray arr = parameters.toArray();
                if (idx >= 0 && idx < arr.size())
                    value = stringValueText(arr.at(idx));
            } else if (parameters.isObject()) {
                const QJsonObject obj = parameters.toObject();
                if (obj.contains(name))
                    value = stringValueText(obj.value(name));
            }
        }
        if (value) {
            out += *value;
            i = j;
        } else {
            out += c;
            ++i;
        }
    }
    return out;
}

Result<ErrorBody> Parser::parseErrorBody(const QByteArray &body)
{
    PB_TRY(o, J::parseObject(body, QStringLiteral("error body")));
    ErrorBody e;
    PB_TRY(message, J::optString(o, "message"_L1, QString()));
    if (!message)
        return J::missingError(QStringLiteral("message"));
    e.rawMessage = *message;
    const QJsonValue params = o.value("parameters"_L1);
    if (!params.isUndefined() && !params.isNull() && !params.isArray() && !params.isObject())
        return J::typeError(QStringLiteral("parameters"), params, "a list or an object");
    e.message = fillPlaceholders(e.rawMessage, params);
    PB_TRY(errors, J::optArray(o, "errors"_L1, QString()));
    if (errors) {
        for (qsizetype i = 0; i < errors->size() && i < 1000; ++i) {
            const QString path = J::index(QStringLiteral("errors"), i);
            if (!errors->at(i).isObject())
                return J::typeError(path, errors->at(i), "an object");
            const QJsonObject item = errors->at(i).toObject();
            PB_TRY(m, J::optString(item, "message"_L1, path));
            e.details.append(fillPlaceholders(m.value_or(QString()), item.value("parameters"_L1)));
        }
    }
    PB_TRY(code, J::optInt(o, "code"_L1, QString()));
    e.code = code;
    if (o.value("trace"_L1).isString())
        e.trace = o.value("trace"_L1).toString();
    return e;
}

} // namespace pb::magento
