#pragma once

#include "money/money.h"
#include "util/result.h"

#include <QJsonValue>
#include <QString>
#include <QStringView>

namespace pb {

// An exact decimal amount in a currency that may be finer than the currency's minor unit:
// Magento keeps amounts as decimal(20,4), so a tax-inclusive price of 8.2645 USD or a JPY
// total of 1500.5 is normal (docs/magento.md §7). It is kept exactly where PayBridge only shows
// or compares it; rounded() is what becomes money that moves.
//
// Held as a signed 64-bit count of 10^-scale units, scale the fewest digits that hold the value
// but never fewer than the currency's exponent, so whole amounts keep Money's full range.
class ExactAmount
{
public:
    // Fraction digits Magento keeps (decimal(20,4)); a currency with more minor digits keeps its own.
    static constexpr int kMagentoScale = 4;

    ExactAmount() = default; // invalid (no currency)

    // Plain decimal text as Money::parse takes it, with up to max(currency exponent, 4) fraction
    // digits that are not trailing zeros; more is "money.precision" naming `field`.
    static Result<ExactAmount> parse(QStringView text, const Currency &currency,
                                     const QString &field = {});
    // A JSON string or number; numbers go through their shortest round-trip text, as in
    // Money::fromJson, and the same type errors apply.
    static Result<ExactAmount> fromJson(const QJsonValue &value, const Currency &currency,
                                        const QString &field = {});
    static ExactAmount fromMoney(const Money &money);

    bool isValid() const { return m_currency.isValid(); }
    const Currency &currency() const { return m_currency; }
    int scale() const { return m_scale; }
    qint64 units() const { return m_units; }

    // More fraction digits than the currency's minor unit holds.
    bool isFinerThanCurrency() const { return m_scale > m_currency.exponent(); }
    // Half-even to the minor unit: 8.265 → 8.26, 8.275 → 8.28, JPY 1500.5 → 1500.
    Money rounded() const;
    // Exact minus rounded, as exact decimal text ("0.0045", "-0.5"); "0" when not finer.
    QString roundingDifference() const;
    // Exact text with at least the currency's digits: "8.2645", "8.10", "1500.5", "1500".
    QString toDecimalString() const;
    // "USD 8.2645"
    QString toString() const;

    friend bool operator==(const ExactAmount &a, const ExactAmount &b)
    {
        return a.m_currency == b.m_currency && a.m_scale == b.m_scale && a.m_units == b.m_units;
    }

private:
    qint64 m_units = 0;
    int m_scale = 0;
    Currency m_currency;
};

// `exactText` (an amount kept exactly, e.g. from Magento) when it still rounds to `stored`, the
// amount PayBridge keeps; empty when it does not parse or no longer matches (the stored amount
// changed since, say by PayBridge's own credit memo), so a stale exact value is never shown.
QString exactTextMatching(const QString &exactText, const Money &stored);

// A JSON number or string that must be a plain decimal (an exchange rate such as Magento's
// base_to_order_rate), as exact text: numbers through their shortest round-trip text, never
// through arithmetic. Errors name `field`.
Result<QString> exactDecimalText(const QJsonValue &value, const QString &field);

} // namespace pb
