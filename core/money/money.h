#pragma once

#include "util/result.h"

#include <QJsonValue>
#include <QMetaType>
#include <QString>
#include <QStringView>

#include <compare>
#include <optional>

namespace pb {

// An ISO 4217 currency and the number of digits of its minor unit.
class Currency
{
public:
    Currency() = default;

    // Known currencies: at least USD, EUR, GBP, CAD, AUD, JPY (0 digits), KWD (3 digits) and the
    // other common ISO 4217 codes. Returns nullopt for unknown or malformed codes.
    static std::optional<Currency> fromCode(QStringView code);
    // Convenience for code paths where the code is known to be valid (tests, constants).
    static Currency usd();

    const QString &code() const { return m_code; }
    int exponent() const { return m_exponent; }
    bool isValid() const { return !m_code.isEmpty(); }

    friend bool operator==(const Currency &a, const Currency &b) { return a.m_code == b.m_code; }

private:
    Currency(QString code, int exponent) : m_code(std::move(code)), m_exponent(exponent) {}
    QString m_code;
    int m_exponent = 0;
};

// An exact amount of money: a signed 64-bit count of the currency's minor units.
// No double constructor on purpose: money never passes through floating point.
class Money
{
public:
    Money() = default; // invalid (no currency); isValid() is false
    static Money fromMinor(qint64 minor, const Currency &currency);
    static Money zero(const Currency &currency) { return fromMinor(0, currency); }

    // Exact decimal text: "110", "8.10", "-3.5", "0.001" (KWD). Leading/trailing spaces are
    // rejected, as are exponents ("1e3"), more fraction digits than the currency has,
    // thousands separators, NaN/Infinity, empty text, and values outside int64 minor units.
    static Result<Money> parse(QStringView text, const Currency &currency);

    // A JSON number or string. Numbers are taken through their shortest round-trip decimal
    // text (so 51.88 stays 51.88); numbers needing more than 15 significant digits are
    // rejected as ambiguous. `field` names the field in error messages.
    static Result<Money> fromJson(const QJsonValue &value, const Currency &currency,
                                  const QString &field = {});

    bool isValid() const { return m_currency.isValid(); }
    qint64 minor() const { return m_minor; }
    const Currency &currency() const { return m_currency; }
    bool isZero() const { return m_minor == 0; }
    bool isNegative() const { return m_minor < 0; }

    // "110.00", "-3.50", "1500" (JPY), "0.001" (KWD): plain decimal, '.' separator, no grouping.
    QString toDecimalString() const;
    // "USD 110.00"
    QString toString() const;
    // A JSON string with toDecimalString() (amounts leave PayBridge as strings).
    QJsonValue toJson() const { return QJsonValue(toDecimalString()); }

    // Arithmetic refuses mixed currencies and int64 overflow.
    Result<Money> plus(const Money &other) const;
    Result<Money> minus(const Money &other) const;
    Money negated() const { return fromMinor(-m_minor, m_currency); }
    Money abs() const { return fromMinor(m_minor < 0 ? -m_minor : m_minor, m_currency); }

    // Comparison only between the same currency; nullopt otherwise.
    std::optional<std::strong_ordering> compare(const Money &other) const;

    friend bool operator==(const Money &a, const Money &b)
    {
        return a.m_currency == b.m_currency && a.m_minor == b.m_minor;
    }

private:
    qint64 m_minor = 0;
    Currency m_currency;
};

} // namespace pb

Q_DECLARE_METATYPE(pb::Money)
