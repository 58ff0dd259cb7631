#include "intents/intent.h"

#include "log/redactor.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonValue>

#include <array>
#include <cmath>
#include <utility>

using namespace Qt::StringLiterals;

namespace pb::intents {

namespace {

constexpr std::array<std::pair<IntentKind, QLatin1StringView>, 13> kKinds{{
    {IntentKind::PayTraceCapture, QLatin1StringView("paytrace.capture")},
    {IntentKind::PayTraceVoid, QLatin1StringView("paytrace.void")},
    {IntentKind::PayTraceRefund, QLatin1StringView("paytrace.refund")},
    {IntentKind::PayTraceSale, QLatin1StringView("paytrace.sale")},
    {IntentKind::MagentoComment, QLatin1StringView("magento.comment")},
    {IntentKind::MagentoInvoice, QLatin1StringView("magento.invoice")},
    {IntentKind::MagentoCreditMemo, QLatin1StringView("magento.creditmemo")},
    {IntentKind::MagentoCancel, QLatin1StringView("magento.cancel")},
    {IntentKind::ErpEntry, QLatin1StringView("erp.entry")},
    {IntentKind::PayTraceCustomerUpdate, QLatin1StringView("paytrace.customer.update")},
    {IntentKind::MagentoCustomerUpdate, QLatin1StringView("magento.customer.update")},
    {IntentKind::PayTraceCustomerDelete, QLatin1StringView("paytrace.customer.delete")},
    {IntentKind::PayTraceCustomerCard, QLatin1StringView("paytrace.customer.card")},
}};

constexpr std::array<std::pair<IntentState, QLatin1StringView>, 8> kStates{{
    {IntentState::Planned, QLatin1StringView("planned")},
    {IntentState::Sending, QLatin1StringView("sending")},
    {IntentState::Succeeded, QLatin1StringView("succeeded")},
    {IntentState::RetryWait, QLatin1StringView("retry_wait")},
    {IntentState::InDoubt, QLatin1StringView("in_doubt")},
    {IntentState::NeedsPerson, QLatin1StringView("needs_person")},
    {IntentState::Dead, QLatin1StringView("dead")},
    {IntentState::Discarded, QLatin1StringView("discarded")},
}};

// Card fields the redactor does not already treat as sensitive by themselves: PayTrace's
// request shape is credit_card{number, expiration_month, ...}, so "number" alone is refused.
constexpr std::array<QLatin1StringView, 12> kCardKeys{
    QLatin1StringView("number"),      QLatin1StringView("card"),
    QLatin1StringView("credit_card"), QLatin1StringView("creditcard"),
    QLatin1StringView("cardnumber"),  QLatin1StringView("card_no"),
    QLatin1StringView("security_code"), QLatin1StringView("track1"),
    QLatin1StringView("track2"),      QLatin1StringView("track_data"),
    QLatin1StringView("magstripe"),   QLatin1StringView("swipe"),
};

constexpr qsizetype kMaxPayloadBytes = 64 * 1024;

bool isCardKey(const QString &key)
{
    const QString lower = key.toLower();
    for (QLatin1StringView k : kCardKeys) {
        if (lower == k)
            return true;
    }
    return log::Redactor::isSensitiveKey(key);
}

Status payloadError(const QString &path, const QString &message)
{
    return makeError(u"intent.payload"_s, path, message);
}

Status checkValue(const QJsonValue &value, const QString &path);

Status checkObject(const QJsonObject &object, const QString &path)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        const QString child = path + u'.' + key;
        if (key.isEmpty())
            return payloadError(child, u"payload keys must not be empty"_s);
        if (isCardKey(key))
            return payloadError(child, u"card data and credentials are never stored in an intent; "
                                       "pass a token or transaction id instead"_s);
        if (Status s = checkValue(it.value(), child); !s)
            return s;
    }
    return Status::success();
}

Status checkValue(const QJsonValue &value, const QString &path)
{
    switch (value.type()) {
    case QJsonValue::Object:
        return checkObject(value.toObject(), path);
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (Status s = checkValue(array.at(i), path + u'[' + QString::number(i) + u']'); !s)
                return s;
        }
        return Status::success();
    }
    case QJsonValue::Double: {
        const double d = value.toDouble();
        if (!std::isfinite(d) || d != std::floor(d))
            return payloadError(path, u"fractional numbers are refused: amounts travel as exact "
                                      "decimal strings"_s);
        return Status::success();
    }
    case QJsonValue::String: {
        const QString text = value.toString();
        // The redactor finds Luhn-valid card numbers and credentials; if it would change the
        // text, the text must not be stored.
        if (log::Redactor::redact(text) != text)
            return payloadError(path, u"the value looks like a card number or a credential"_s);
        return Status::success();
    }
    default:
        return Status::success();
    }
}

} // namespace

QString kindName(IntentKind kind)
{
    for (const auto &[k, name] : kKinds) {
        if (k == kind)
            return name;
    }
    return {};
}

std::optional<IntentKind> kindFromName(QStringView name)
{
    for (const auto &[k, n] : kKinds) {
        if (name == n)
            return k;
    }
    return std::nullopt;
}

bool isCustomerKind(IntentKind kind)
{
    switch (kind) {
    case IntentKind::PayTraceCustomerUpdate:
    case IntentKind::MagentoCustomerUpdate:
    case IntentKind::PayTraceCustomerDelete:
    case IntentKind::PayTraceCustomerCard:
        return true;
    default:
        return false;
    }
}

bool movesMoney(IntentKind kind)
{
    switch (kind) {
    case IntentKind::PayTraceCapture:
    case IntentKind::PayTraceVoid:
    case IntentKind::PayTraceRefund:
    case IntentKind::PayTraceSale:
        return true;
    default:
        return false;
    }
}

QString stateName(IntentState state)
{
    for (const auto &[s, name] : kStates) {
        if (s == state)
            return name;
    }
    return {};
}

std::optional<IntentState> stateFromName(QStringView name)
{
    for (const auto &[s, n] : kStates) {
        if (name == n)
            return s;
    }
    return std::nullopt;
}

bool isLegalTransition(IntentState from, IntentState to)
{
    using S = IntentState;
    switch (from) {
    case S::Planned:
        return to == S::Sending || to == S::Dead || to == S::Discarded;
    case S::Sending:
        return to == S::Succeeded || to == S::RetryWait || to == S::Dead || to == S::InDoubt;
    case S::RetryWait:
        return to == S::Sending || to == S::Dead || to == S::Discarded;
    case S::InDoubt:
        return to == S::Succeeded || to == S::RetryWait || to == S::NeedsPerson;
    case S::NeedsPerson:
        return to == S::Succeeded || to == S::RetryWait || to == S::Discarded;
    case S::Dead:
        return to == S::Planned || to == S::Discarded;
    case S::Succeeded:
    case S::Discarded:
        return false;
    }
    return false;
}

Status validatePayload(const QJsonObject &payload)
{
    if (Status s = checkObject(payload, u"payload"_s); !s)
        return s;
    const qsizetype size = QJsonDocument(payload).toJson(QJsonDocument::Compact).size();
    if (size > kMaxPayloadBytes)
        return payloadError(u"payload"_s, u"the payload is "_s + QString::number(size)
                                              + u" bytes; at most "_s
                                              + QString::number(kMaxPayloadBytes) + u" are stored"_s);
    return Status::success();
}

Status validateNaturalKey(const QString &key)
{
    if (key.isEmpty() || key.size() > 200)
        return makeError(u"intent.key"_s, u"natural_key"_s,
                         u"a natural key has 1 to 200 characters (got "_s
                             + QString::number(key.size()) + u')');
    for (QChar c : key) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f)
            return makeError(u"intent.key"_s, u"natural_key"_s,
                             u"a natural key is printable ASCII without spaces"_s);
    }
    if (log::Redactor::redact(key) != key)
        return makeError(u"intent.key"_s, u"natural_key"_s,
                         u"a natural key must not contain a card number or a credential"_s);
    return Status::success();
}

} // namespace pb::intents
