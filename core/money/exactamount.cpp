#include "money/exactamount.h"

#include "money/jsonnumber.h"


#include <algorithm>
#include <limits>
#include <optional>

using namespace Qt::StringLiterals;

namespace pb {

namespace {

bool isAsciiDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

QString quoted(QStringView text)
{
    constexpr qsizetype kMax = 40; // the start is enough to recognise garbage in a log line
    if (text.size() > kMax)
        return u'"' + text.left(kMax).toString() + u"…\""_s;
    return u'"' + text.toString() + u'"';
}

qint64 pow10(int n)
{
    qint64 p = 1;
    for (int i = 0; i < n; ++i)
        p *= 10;
    return p;
}

QString formatUnits(qint64 units, int scale)
{
    // The unsigned magnitude keeps INT64_MIN printable.
    const bool negative = units < 0;
    const quint64 magnitude = negative ? quint64(0) - quint64(units) : quint64(units);
    QString digits = QString::number(magnitude);
    if (scale > 0) {
        if (digits.size() <= scale)
            digits = QString(scale + 1 - digits.size(), u'0') + digits;
        digits.insert(digits.size() - scale, u'.');
    }
    return negative ? u'-' + digits : digits;
}

// The plain decimal grammar Money::parse takes: optional '-', digits, optional '.' and digits.
struct Decimal
{
    bool negative = false;
    qsizetype intStart = 0, intEnd = 0, fracStart = 0, fracEnd = 0;
};

std::optional<Decimal> splitDecimal(QStringView text)
{
    Decimal d;
    qsizetype pos = 0;
    d.negative = !text.isEmpty() && text.front() == u'-';
    if (d.negative)
        ++pos;
    d.intStart = pos;
    while (pos < text.size() && isAsciiDigit(text[pos]))
        ++pos;
    d.intEnd = d.fracStart = d.fracEnd = pos;
    if (pos < text.size() && text[pos] == u'.') {
        d.fracStart = ++pos;
        while (pos < text.size() && isAsciiDigit(text[pos]))
            ++pos;
        d.fracEnd = pos;
        if (d.fracEnd == d.fracStart)
            return std::nullopt; // "1." has no digits after the point
    }
    if (pos != text.size() || d.intEnd == d.intStart)
        return std::nullopt;
    return d;
}

Error syntaxError(QStringView text, const QString &field)
{
    return makeError(u"money.syntax"_s, field,
                     quoted(text) + u" is not a plain decimal amount (digits, optional leading '-', "
                                    u"optional '.' and fraction)"_s);
}

} // namespace

Result<ExactAmount> ExactAmount::parse(QStringView text, const Currency &currency, const QString &field)
{
    if (!currency.isValid())
        return makeError(u"money.currency"_s, field, u"no valid currency given for amount "_s + quoted(text));
    if (text.isEmpty())
        return makeError(u"money.syntax"_s, field, u"amount is empty"_s);
    const auto d = splitDecimal(text);
    if (!d)
        return syntaxError(text, field);

    // Trailing zeros beyond the currency's digits carry nothing: "8.1000" is exactly 8.10.
    const int exponent = currency.exponent();
    qsizetype fracEnd = d->fracEnd;
    while (fracEnd - d->fracStart > exponent && text[fracEnd - 1] == u'0')
        --fracEnd;
    const int fracDigits = int(fracEnd - d->fracStart);
    const int maxScale = std::max(exponent, kMagentoScale);
    if (fracDigits > maxScale)
        return makeError(u"money.precision"_s, field,
                         quoted(text) + u" has more fraction digits than PayBridge keeps for "_s
                             + currency.code() + u" ("_s + QString::number(maxScale) + u')');
    const int scale = std::max(exponent, fracDigits);

    // Accumulate towards the sign so the full range is reachable without a final negation.
    qint64 units = 0;
    bool overflow = false;
    auto push = [&](int digit) {
        overflow = overflow || __builtin_mul_overflow(units, qint64(10), &units)
            || (d->negative ? __builtin_sub_overflow(units, qint64(digit), &units)
                            : __builtin_add_overflow(units, qint64(digit), &units));
    };
    for (qsizetype i = d->intStart; i < d->intEnd; ++i)
        push(text[i].unicode() - u'0');
    for (qsizetype i = d->fracStart; i < fracEnd; ++i)
        push(text[i].unicode() - u'0');
    for (int i = fracDigits; i < scale; ++i)
        push(0);
    // Symmetric range, as Money keeps it.
    if (overflow || units == std::numeric_limits<qint64>::min())
        return makeError(u"money.overflow"_s, field,
                         quoted(text) + u" is out of range for "_s + currency.code());
    ExactAmount a;
    a.m_units = units;
    a.m_scale = scale;
    a.m_currency = currency;
    return a;
}

Result<ExactAmount> ExactAmount::fromJson(const QJsonValue &value, const Currency &currency,
                                          const QString &field)
{
    if (value.isString())
        return parse(value.toString(), currency, field);
    if (value.isDouble()) {
        PB_TRY(text, detail::jsonNumberText(value, field));
        return parse(text, currency, field);
    }
    // Null, bool, array, object, missing: Money words these errors already.
    return Money::fromJson(value, currency, field).error();
}

ExactAmount ExactAmount::fromMoney(const Money &money)
{
    ExactAmount a;
    if (!money.isValid())
        return a;
    a.m_units = money.minor();
    a.m_scale = money.currency().exponent();
    a.m_currency = money.currency();
    return a;
}

namespace {

// Half-even division of an amount of 10^-scale units down to 10^-exponent units; the remainder
// in 10^-scale units (exact minus rounded) comes back in `difference`.
qint64 roundHalfEven(qint64 units, int drop, qint64 *difference)
{
    const quint64 divisor = quint64(pow10(drop));
    const bool negative = units < 0;
    const quint64 magnitude = negative ? quint64(0) - quint64(units) : quint64(units);
    quint64 q = magnitude / divisor;
    const quint64 r = magnitude % divisor;
    // A tie goes to the even neighbour, so rounding many amounts does not drift one way.
    const bool up = 2 * r > divisor || (2 * r == divisor && (q & 1u));
    if (up)
        ++q;
    const qint64 diffMagnitude = up ? -qint64(divisor - r) : qint64(r);
    *difference = negative ? -diffMagnitude : diffMagnitude;
    return negative ? -qint64(q) : qint64(q);
}

} // namespace

Money ExactAmount::rounded() const
{
    if (!isValid())
        return Money();
    if (!isFinerThanCurrency())
        return Money::fromMinor(m_units, m_currency);
    qint64 difference = 0;
    return Money::fromMinor(roundHalfEven(m_units, m_scale - m_currency.exponent(), &difference),
                            m_currency);
}

QString ExactAmount::roundingDifference() const
{
    if (!isValid() || !isFinerThanCurrency())
        return u"0"_s;
    qint64 difference = 0;
    roundHalfEven(m_units, m_scale - m_currency.exponent(), &difference);
    return formatUnits(difference, m_scale);
}

QString ExactAmount::toDecimalString() const
{
    return formatUnits(m_units, m_scale);
}

QString ExactAmount::toString() const
{
    if (!isValid())
        return toDecimalString();
    return m_currency.code() + u' ' + toDecimalString();
}

QString exactTextMatching(const QString &exactText, const Money &stored)
{
    if (exactText.isEmpty() || !stored.isValid())
        return QString();
    const auto exact = ExactAmount::parse(exactText, stored.currency());
    if (!exact || !(exact->rounded() == stored))
        return QString();
    return exact->toDecimalString();
}

Result<QString> exactDecimalText(const QJsonValue &value, const QString &field)
{
    if (value.isString()) {
        const QString text = value.toString();
        if (text.isEmpty() || !splitDecimal(text))
            return syntaxError(text, field);
        return text;
    }
    if (value.isDouble())
        return detail::jsonNumberText(value, field);
    return makeError(u"money.type"_s, field, u"not a decimal number"_s);
}

} // namespace pb
