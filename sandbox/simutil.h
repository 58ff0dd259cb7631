#pragma once

// Small exact helpers shared by the simulators: decimal money text <-> int64 minor units,
// civil dates, US Pacific time (the PayTrace batch clock), and the date formats of both APIs.

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>
#include <QString>

namespace pb::sandbox {

// ---- money -----------------------------------------------------------------------------------

// Digits of the minor unit of an ISO 4217 code; 2 for codes not in the table.
int currencyExponent(QStringView code);

// A JSON number the way PHP and PayTrace print amounts: no trailing zeros, no exponent.
// (11000, 2) -> "110", (5188, 2) -> "51.88", (550, 2) -> "5.5", (-40440, 2) -> "-404.4".
QByteArray decimalNumber(qint64 minor, int exponent);
// decimalNumber into a caller buffer of at least 48 bytes; returns the length.
int formatDecimalNumber(qint64 minor, int exponent, char *buffer);
// Fixed decimals: (810, 2) -> "8.10"; (1500, 0) -> "1500".
QByteArray decimalFixed(qint64 minor, int exponent);
// Exact parse of plain decimal text ("51.88", "-3", "1.50") into minor units. Fails on signs
// other than a leading '-', exponents, spaces, more non-zero fraction digits than `exponent`,
// and int64 overflow.
bool parseDecimal(QByteArrayView text, int exponent, qint64 *minor);
// Half-up rounding of value * num / den for non-negative num/den (den > 0), in int64.
qint64 mulDivRound(qint64 value, qint64 num, qint64 den);

// ---- calendar --------------------------------------------------------------------------------

qint64 daysFromCivil(int y, int m, int d);
void civilFromDays(qint64 days, int *y, int *m, int *d);
// Floor division that is correct for negative values.
qint64 floorDiv(qint64 a, qint64 b);

// Offset of US Pacific time (America/Los_Angeles, post-2007 DST rule) at a UTC instant, seconds.
int pacificOffsetSeconds(qint64 utcSecs);
qint64 utcToPacificLocal(qint64 utcSecs);
qint64 pacificLocalToUtc(qint64 localSecs);
// Days since 1970-01-01 of the Pacific calendar day containing the instant.
qint64 pacificDayNumber(qint64 utcSecs);
// The first batch close (`hour`:00 Pacific local) strictly after the instant, as UTC seconds.
qint64 nextPacificClose(qint64 utcSecs, int hour);

// "4/10/2015 4:06:30 PM" in Pacific local time (PayTrace export format).
QByteArray paytraceTime(qint64 utcSecs);
// "MM/DD/YYYY" -> Pacific day number. Strict: two-digit month and day, four-digit year.
bool parsePaytraceDate(QByteArrayView text, qint64 *dayNumber);
// "2017-08-21 22:22:19" (UTC).
QByteArray magentoTime(qint64 utcSecs);
// "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS" or "YYYY-MM-DD" (midnight), all UTC.
bool parseMagentoTime(QByteArrayView text, qint64 *utcSecs);
// ISO 8601 with 'Z' or an offset, for the admin API ("2025-03-01T12:00:00Z").
bool parseIsoTime(const QString &text, qint64 *utcSecs);
QByteArray isoTime(qint64 utcSecs);

// ---- text ------------------------------------------------------------------------------------

// application/x-www-form-urlencoded or a query string: '&'-separated, '+' is a space,
// percent escapes decoded. Pairs without '=' get an empty value.
QList<QPair<QByteArray, QByteArray>> parseFormEncoded(QByteArrayView text);
// Case-insensitive SQL LIKE (% and _ wildcards, backslash escapes), as MySQL's *_ci collations.
bool sqlLike(QStringView text, QStringView pattern);
// '*' matches any run of bytes (including '/'), '?' exactly one byte.
bool globMatch(QByteArrayView pattern, QByteArrayView text);

} // namespace pb::sandbox
