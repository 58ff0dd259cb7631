#include "money/money.h"

#include "money/jsonnumber.h"


#include <algorithm>
#include <array>
#include <limits>
#include <string>

using namespace Qt::StringLiterals;

namespace pb {

namespace {

struct CurrencyInfo
{
    char code[4];
    int exponent;
};

// ISO 4217 active codes and their minor-unit digits (list of 2023). Funds codes and
// precious metals are left out on purpose: nothing PayBridge talks to trades in them.
constexpr std::array kCurrencies = std::to_array<CurrencyInfo>({
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2}, {"ARS", 2},
    {"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BGN", 2},
    {"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BRL", 2}, {"BSD", 2},
    {"BTN", 2}, {"BWP", 2}, {"BYN", 2}, {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHF", 2},
    {"CLF", 4}, {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"CRC", 2}, {"CUP", 2}, {"CVE", 2},
    {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2},
    {"ETB", 2}, {"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2},
    {"GIP", 2}, {"GMD", 2}, {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2},
    {"HTG", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2},
    {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KGS", 2}, {"KHR", 2},
    {"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2}, {"KZT", 2}, {"LAK", 2},
    {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2}, {"MDL", 2},
    {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2},
    {"MVR", 2}, {"MWK", 2}, {"MXN", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2},
    {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2},
    {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2}, {"RON", 2},
    {"RSD", 2}, {"RUB", 2}, {"RWF", 0}, {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2},
    {"SEK", 2}, {"SGD", 2}, {"SHP", 2}, {"SLE", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2},
    {"STN", 2}, {"SVC", 2}, {"SYP", 2}, {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2},
    {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2}, {"UAH", 2},
    {"UGX", 0}, {"USD", 2}, {"UYI", 0}, {"UYU", 2}, {"UYW", 4}, {"UZS", 2}, {"VES", 2},
    {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0}, {"XCD", 2}, {"XOF", 0}, {"XPF", 0},
    {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWL", 2},
});

bool isAsciiDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

QString quoted(QStringView text)
{
    // Long garbage would flood a log line; the start is enough to recognise it.
    constexpr qsizetype kMax = 40;
    if (text.size() > kMax)
        return u'"' + text.left(kMax).toString() + u"…\""_s;
    return u'"' + text.toString() + u'"';
}

Error moneyError(const char *code, const QString &field, QString message)
{
    return makeError(QString::fromLatin1(code), field, std::move(message));
}

Result<Money> parseWithField(QStringView text, const Currency &currency, const QString &field)
{
    if (!currency.isValid())
        return moneyError("money.currency", field,
                          u"no valid currency given for amount "_s + quoted(text));
    if (text.isEmpty())
        return moneyError("money.syntax", field, u"amount is empty"_s);

    qsizetype pos = 0;
    const bool negative = text.front() == u'-';
    if (negative)
        ++pos;

    const qsizetype intStart = pos;
    while (pos < text.size() && isAsciiDigit(text[pos]))
        ++pos;
    const qsizetype intEnd = pos;
    qsizetype fracStart = pos;
    qsizetype fracEnd = pos;
    if (pos < text.size() && text[pos] == u'.') {
        fracStart = ++pos;
        while (pos < text.size() && isAsciiDigit(text[pos]))
            ++pos;
        fracEnd = pos;
        if (fracEnd == fracStart)
            pos = -1; // "1." has no digits after the point
    }
    if (pos != text.size() || intEnd == intStart)
        return moneyError("money.syntax", field,
                          quoted(text) + u" is not a plain decimal amount (digits, optional "
                                         u"leading '-', optional '.' and fraction)"_s);

    // Extra fraction digits are accepted only while they are zeros: "8.100" is exactly 8.10,
    // whereas "8.105" cannot be represented in cents.
    qsizetype significantFracEnd = fracEnd;
    while (significantFracEnd > fracStart && text[significantFracEnd - 1] == u'0'
           && significantFracEnd - fracStart > currency.exponent())
        --significantFracEnd;
    if (significantFracEnd - fracStart > currency.exponent())
        return moneyError("money.precision", field,
                          quoted(text) + u" has more fraction digits than "_s + currency.code()
                              + u" allows ("_s + QString::number(currency.exponent()) + u')');

    // Accumulate towards the sign so the full range is reachable without a final negation.
    qint64 minor = 0;
    bool overflow = false;
    auto push = [&](QChar c) {
        const int digit = c.unicode() - u'0';
        overflow = overflow || __builtin_mul_overflow(minor, qint64(10), &minor)
            || (negative ? __builtin_sub_overflow(minor, qint64(digit), &minor)
                         : __builtin_add_overflow(minor, qint64(digit), &minor));
    };
    for (qsizetype i = intStart; i < intEnd; ++i)
        push(text[i]);
    for (qsizetype i = fracStart; i < significantFracEnd; ++i)
        push(text[i]);
    for (qsizetype i = significantFracEnd - fracStart; i < currency.exponent(); ++i)
        push(u'0');
    // The range is kept symmetric so negated() and abs() are always defined.
    if (overflow || minor == std::numeric_limits<qint64>::min())
        return moneyError("money.overflow", field,
                          quoted(text) + u" is out of range for "_s + currency.code());
    return Money::fromMinor(minor, currency);
}

} // namespace

std::optional<Currency> Currency::fromCode(QStringView code)
{
    if (code.size() != 3)
        return std::nullopt;
    char upper[4] = {};
    for (int i = 0; i < 3; ++i) {
        const char16_t c = code[i].unicode();
        if (c >= u'a' && c <= u'z')
            upper[i] = char(c - u'a' + 'A');
        else if (c >= u'A' && c <= u'Z')
            upper[i] = char(c);
        else
            return std::nullopt;
    }
    const auto it = std::lower_bound(kCurrencies.begin(), kCurrencies.end(), upper,
                                     [](const CurrencyInfo &info, const char *key) {
                                         return std::char_traits<char>::compare(info.code, key, 3) < 0;
                                     });
    if (it == kCurrencies.end() || std::char_traits<char>::compare(it->code, upper, 3) != 0)
        return std::nullopt;
    return Currency(QString::fromLatin1(it->code, 3), it->exponent);
}

Currency Currency::usd()
{
    return Currency(u"USD"_s, 2);
}

Money Money::fromMinor(qint64 minor, const Currency &currency)
{
    Money m;
    m.m_minor = minor;
    m.m_currency = currency;
    return m;
}

Result<Money> Money::parse(QStringView text, const Currency &currency)
{
    return parseWithField(text, currency, QString());
}

Result<Money> Money::fromJson(const QJsonValue &value, const Currency &currency, const QString &field)
{
    switch (value.type()) {
    case QJsonValue::String:
        return parseWithField(value.toString(), currency, field);
    case QJsonValue::Double: {
        PB_TRY(text, detail::jsonNumberText(value, field));
        return parseWithField(text, currency, field);
    }
    case QJsonValue::Null:
        return moneyError("money.type", field, u"amount is null"_s);
    case QJsonValue::Bool:
        return moneyError("money.type", field,
                          u"amount is the boolean "_s + (value.toBool() ? u"true"_s : u"false"_s));
    case QJsonValue::Array:
        return moneyError("money.type", field, u"amount is an array"_s);
    case QJsonValue::Object:
        return moneyError("money.type", field, u"amount is an object"_s);
    case QJsonValue::Undefined:
        break;
    }
    return moneyError("money.type", field, u"amount is missing"_s);
}

QString Money::toDecimalString() const
{
    // Work on the unsigned magnitude so that even fromMinor(INT64_MIN) prints correctly.
    const bool negative = m_minor < 0;
    const quint64 magnitude = negative ? quint64(0) - quint64(m_minor) : quint64(m_minor);
    const int exponent = m_currency.exponent();
    QString digits = QString::number(magnitude);
    if (exponent > 0) {
        if (digits.size() <= exponent)
            digits = QString(exponent + 1 - digits.size(), u'0') + digits;
        digits.insert(digits.size() - exponent, u'.');
    }
    return negative ? u'-' + digits : digits;
}

QString Money::toString() const
{
    if (!isValid())
        return toDecimalString();
    return m_currency.code() + u' ' + toDecimalString();
}

namespace {

Error mismatch(const Money &a, const Money &b, QLatin1StringView op)
{
    return makeError(u"money.currency_mismatch"_s, QString(),
                     u"cannot "_s + op + u' ' + b.toString() + u" and "_s + a.toString()
                         + u": currencies differ"_s);
}

} // namespace

Result<Money> Money::plus(const Money &other) const
{
    if (!isValid() || !(m_currency == other.m_currency))
        return mismatch(*this, other, "add"_L1);
    qint64 sum = 0;
    if (__builtin_add_overflow(m_minor, other.m_minor, &sum) || sum == std::numeric_limits<qint64>::min())
        return makeError(u"money.overflow"_s, QString(),
                         toString() + u" + "_s + other.toString() + u" overflows"_s);
    return fromMinor(sum, m_currency);
}

Result<Money> Money::minus(const Money &other) const
{
    if (!isValid() || !(m_currency == other.m_currency))
        return mismatch(*this, other, "subtract"_L1);
    qint64 diff = 0;
    if (__builtin_sub_overflow(m_minor, other.m_minor, &diff) || diff == std::numeric_limits<qint64>::min())
        return makeError(u"money.overflow"_s, QString(),
                         toString() + u" - "_s + other.toString() + u" overflows"_s);
    return fromMinor(diff, m_currency);
}

std::optional<std::strong_ordering> Money::compare(const Money &other) const
{
    if (!isValid() || !(m_currency == other.m_currency))
        return std::nullopt;
    return m_minor <=> other.m_minor;
}

} // namespace pb
