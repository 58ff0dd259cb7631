#pragma once

#include "money/money.h"
#include "util/result.h"

#include <QDate>
#include <QList>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <optional>

namespace pb::reconcile {

// What a settlement line is. Chargebacks and adjustments stay their own kinds: they are not
// refunds and are reconciled differently.
enum class RecordKind { Sale, Refund, Chargeback, Adjustment, Fee, Deposit };

QString kindName(RecordKind kind); // "sale", "refund", ...
std::optional<RecordKind> kindFromName(QStringView name);
// The kind a processor's or bank's own word most likely means ("Purchase", "CB", "Payout").
std::optional<RecordKind> guessKind(QStringView word);

enum class DateFormat {
    Unknown,
    IsoDate,        // 2024-03-01
    MonthDayYear,   // 03/01/2024 or 3/1/2024
    DayMonthYear,   // 01/03/2024 or 1.3.2024
    UsDateTime12h,  // 3/1/2024 10:06:30 PM (PayTrace export style)
    Iso8601,        // 2024-03-01T10:06:30Z, with optional fraction and offset
};

QString dateFormatName(DateFormat format); // "YYYY-MM-DD", "MM/DD/YYYY", ...
DateFormat dateFormatFromName(QStringView name);
// The calendar date of `text`, or nullopt. Date-times give the date as written (the batch
// clock's local date); the full text is kept in the line's raw record.
std::optional<QDate> parseDate(QStringView text, DateFormat format);

struct DateDetection
{
    DateFormat format = DateFormat::Unknown;
    QList<DateFormat> candidates; // every format that reads all the values
    bool ambiguous = false;       // e.g. only days ≤ 12: MM/DD and DD/MM both fit
    QString reason;
};
DateDetection detectDateFormat(const QStringList &values);

// How amounts are written. Always accepted besides: a leading '-' or '+', parentheses or a
// trailing '-' for negatives, currency symbols ($ € £ ¥) and ISO codes before or after.
struct AmountFormat
{
    QChar decimal = u'.';
    QChar thousands;      // null: none; else ',', '.', ' ', '\'' (grouping must be in threes)
    friend bool operator==(const AmountFormat &, const AmountFormat &) = default;
};

// Exact: the text is normalised to plain decimal and parsed by Money::parse. `error` gets a
// short reason when parsing fails.
std::optional<Money> parseAmount(QStringView text, const AmountFormat &format,
                                 const Currency &currency, QString *error = nullptr);

struct AmountDetection
{
    AmountFormat format;
    bool found = false;
    QString currencyHint; // ISO code when a symbol or code in the values names one
    QString reason;
};
AmountDetection detectAmountFormat(const QStringList &values);

} // namespace pb::reconcile
