#include "simutil.h"

#include <QDateTime>

#include <limits>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

qint64 pow10(int n)
{
    qint64 p = 1;
    for (int i = 0; i < n; ++i)
        p *= 10;
    return p;
}

void appendTwoDigits(QByteArray &out, int v)
{
    out.append(char('0' + v / 10));
    out.append(char('0' + v % 10));
}

// Day number of the n-th (1-based) `weekday` (0 = Sunday) of a month.
qint64 nthWeekdayOfMonth(int y, int m, int weekday, int n)
{
    const qint64 first = daysFromCivil(y, m, 1);
    // 1970-01-01 was a Thursday (weekday 4).
    const int firstWeekday = int(((first % 7) + 7 + 4) % 7);
    const int delta = (weekday - firstWeekday + 7) % 7;
    return first + delta + 7 * (n - 1);
}

} // namespace

int currencyExponent(QStringView code)
{
    static const struct { const char16_t *code; int exponent; } table[] = {
        {u"JPY", 0}, {u"KRW", 0}, {u"ISK", 0}, {u"CLP", 0}, {u"VND", 0}, {u"HUF", 2},
        {u"KWD", 3}, {u"BHD", 3}, {u"OMR", 3}, {u"JOD", 3}, {u"TND", 3},
    };
    for (const auto &row : table) {
        if (code == QStringView(row.code))
            return row.exponent;
    }
    return 2;
}

int formatDecimalNumber(qint64 minor, int exponent, char *buffer)
{
    // Digits of |minor| right to left, in unsigned so INT64_MIN does not overflow.
    quint64 magnitude = minor < 0 ? quint64(0) - quint64(minor) : quint64(minor);
    char digits[24];
    int n = 0;
    do {
        digits[n++] = char('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    while (n <= exponent)
        digits[n++] = '0'; // at least one integer digit
    // Drop trailing fraction zeros.
    int fraction = exponent;
    int skip = 0;
    while (fraction > 0 && digits[skip] == '0') {
        ++skip;
        --fraction;
    }
    int len = 0;
    if (minor < 0)
        buffer[len++] = '-';
    for (int i = n - 1; i >= exponent; --i)
        buffer[len++] = digits[i];
    if (fraction > 0) {
        buffer[len++] = '.';
        for (int i = exponent - 1; i >= skip; --i)
            buffer[len++] = digits[i];
    }
    return len;
}

QByteArray decimalNumber(qint64 minor, int exponent)
{
    char buffer[48];
    return QByteArray(buffer, formatDecimalNumber(minor, exponent, buffer));
}

QByteArray decimalFixed(qint64 minor, int exponent)
{
    const bool negative = minor < 0;
    // Work in unsigned so INT64_MIN does not overflow on negation.
    quint64 magnitude = negative ? quint64(0) - quint64(minor) : quint64(minor);
    const quint64 scale = quint64(pow10(exponent));
    QByteArray out;
    if (negative)
        out.append('-');
    out.append(QByteArray::number(magnitude / scale));
    if (exponent > 0) {
        out.append('.');
        QByteArray frac = QByteArray::number(magnitude % scale);
        out.append(QByteArray(exponent - frac.size(), '0'));
        out.append(frac);
    }
    return out;
}

bool parseDecimal(QByteArrayView text, int exponent, qint64 *minor)
{
    qsizetype i = 0;
    bool negative = false;
    if (i < text.size() && text[i] == '-') {
        negative = true;
        ++i;
    }
    qint64 value = 0;
    int intDigits = 0;
    constexpr qint64 max = std::numeric_limits<qint64>::max();
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        const int digit = text[i] - '0';
        if (value > (max - digit) / 10)
            return false;
        value = value * 10 + digit;
        ++intDigits;
        ++i;
    }
    int fracDigits = 0;
    bool sawPoint = false;
    if (i < text.size() && text[i] == '.') {
        sawPoint = true;
        ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            const int digit = text[i] - '0';
            if (fracDigits < exponent) {
                if (value > (max - digit) / 10)
                    return false;
                value = value * 10 + digit;
            } else if (digit != 0) {
                return false; // more precision than the currency carries
            }
            ++fracDigits;
            ++i;
        }
        if (fracDigits == 0)
            return false;
    }
    if (i != text.size() || intDigits == 0)
        return false;
    Q_UNUSED(sawPoint);
    for (int k = std::min(fracDigits, exponent); k < exponent; ++k) {
        if (value > max / 10)
            return false;
        value *= 10;
    }
    *minor = negative ? -value : value;
    return true;
}

qint64 mulDivRound(qint64 value, qint64 num, qint64 den)
{
    const bool negative = value < 0;
    const quint64 v = negative ? quint64(0) - quint64(value) : quint64(value);
    // Split to keep v * num inside 64 bits for the magnitudes the generator produces.
    const quint64 q = v / quint64(den);
    const quint64 r = v % quint64(den);
    const quint64 whole = q * quint64(num);
    const quint64 part = (r * quint64(num) + quint64(den) / 2) / quint64(den);
    const qint64 result = qint64(whole + part);
    return negative ? -result : result;
}

qint64 floorDiv(qint64 a, qint64 b)
{
    qint64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

// Howard Hinnant's public-domain civil calendar algorithms, restated.
qint64 daysFromCivil(int y, int m, int d)
{
    y -= m <= 2 ? 1 : 0;
    const qint64 era = floorDiv(y, 400);
    const qint64 yoe = y - era * 400;
    const qint64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const qint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civilFromDays(qint64 days, int *y, int *m, int *d)
{
    days += 719468;
    const qint64 era = floorDiv(days, 146097);
    const qint64 doe = days - era * 146097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const int day = int(doy - (153 * mp + 2) / 5 + 1);
    const int month = int(mp < 10 ? mp + 3 : mp - 9);
    *y = int(yoe + era * 400 + (month <= 2 ? 1 : 0));
    *m = month;
    *d = day;
}

int pacificOffsetSeconds(qint64 utcSecs)
{
    int y, m, d;
    civilFromDays(floorDiv(utcSecs, 86400), &y, &m, &d);
    // DST: second Sunday of March 02:00 PST (10:00 UTC) to first Sunday of November
    // 02:00 PDT (09:00 UTC).
    const qint64 start = nthWeekdayOfMonth(y, 3, 0, 2) * 86400 + 10 * 3600;
    const qint64 end = nthWeekdayOfMonth(y, 11, 0, 1) * 86400 + 9 * 3600;
    return (utcSecs >= start && utcSecs < end) ? -7 * 3600 : -8 * 3600;
}

qint64 utcToPacificLocal(qint64 utcSecs)
{
    return utcSecs + pacificOffsetSeconds(utcSecs);
}

qint64 pacificLocalToUtc(qint64 localSecs)
{
    const qint64 asStandard = localSecs + 8 * 3600;
    if (pacificOffsetSeconds(asStandard) == -8 * 3600)
        return asStandard;
    return localSecs + 7 * 3600;
}

qint64 pacificDayNumber(qint64 utcSecs)
{
    return floorDiv(utcToPacificLocal(utcSecs), 86400);
}

qint64 nextPacificClose(qint64 utcSecs, int hour)
{
    const qint64 local = utcToPacificLocal(utcSecs);
    qint64 day = floorDiv(local, 86400);
    for (int guard = 0; guard < 3; ++guard, ++day) {
        const qint64 closeUtc = pacificLocalToUtc(day * 86400 + qint64(hour) * 3600);
        if (closeUtc > utcSecs)
            return closeUtc;
    }
    return pacificLocalToUtc((day + 1) * 86400 + qint64(hour) * 3600);
}

QByteArray paytraceTime(qint64 utcSecs)
{
    const qint64 local = utcToPacificLocal(utcSecs);
    int y, m, d;
    civilFromDays(floorDiv(local, 86400), &y, &m, &d);
    const qint64 sod = local - floorDiv(local, 86400) * 86400;
    const int hour24 = int(sod / 3600);
    const int minute = int(sod / 60 % 60);
    const int second = int(sod % 60);
    int hour12 = hour24 % 12;
    if (hour12 == 0)
        hour12 = 12;
    QByteArray out;
    out.reserve(24);
    out.append(QByteArray::number(m)).append('/').append(QByteArray::number(d)).append('/');
    out.append(QByteArray::number(y)).append(' ').append(QByteArray::number(hour12)).append(':');
    appendTwoDigits(out, minute);
    out.append(':');
    appendTwoDigits(out, second);
    out.append(hour24 < 12 ? " AM" : " PM");
    return out;
}

namespace {

bool digitsAt(QByteArrayView text, qsizetype pos, int count, int *value)
{
    if (pos + count > text.size())
        return false;
    int v = 0;
    for (int i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *value = v;
    return true;
}

int daysInMonth(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

bool validDate(int y, int m, int d)
{
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

} // namespace

bool parsePaytraceDate(QByteArrayView text, qint64 *dayNumber)
{
    int m, d, y;
    if (text.size() != 10 || text[2] != '/' || text[5] != '/' || !digitsAt(text, 0, 2, &m)
        || !digitsAt(text, 3, 2, &d) || !digitsAt(text, 6, 4, &y) || !validDate(y, m, d))
        return false;
    *dayNumber = daysFromCivil(y, m, d);
    return true;
}

QByteArray magentoTime(qint64 utcSecs)
{
    int y, m, d;
    const qint64 days = floorDiv(utcSecs, 86400);
    civilFromDays(days, &y, &m, &d);
    const qint64 sod = utcSecs - days * 86400;
    QByteArray out;
    out.reserve(19);
    out.append(QByteArray::number(y).rightJustified(4, '0')).append('-');
    appendTwoDigits(out, m);
    out.append('-');
    appendTwoDigits(out, d);
    out.append(' ');
    appendTwoDigits(out, int(sod / 3600));
    out.append(':');
    appendTwoDigits(out, int(sod / 60 % 60));
    out.append(':');
    appendTwoDigits(out, int(sod % 60));
    return out;
}

bool parseMagentoTime(QByteArrayView text, qint64 *utcSecs)
{
    int y, m, d;
    if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !digitsAt(text, 0, 4, &y)
        || !digitsAt(text, 5, 2, &m) || !digitsAt(text, 8, 2, &d) || !validDate(y, m, d))
        return false;
    int hh = 0, mm = 0, ss = 0;
    if (text.size() != 10) {
        if (text.size() != 19 || (text[10] != ' ' && text[10] != 'T') || text[13] != ':'
            || text[16] != ':' || !digitsAt(text, 11, 2, &hh) || !digitsAt(text, 14, 2, &mm)
            || !digitsAt(text, 17, 2, &ss) || hh > 23 || mm > 59 || ss > 59)
            return false;
    }
    *utcSecs = daysFromCivil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
    return true;
}

bool parseIsoTime(const QString &text, qint64 *utcSecs)
{
    QDateTime dt = QDateTime::fromString(text, Qt::ISODate);
    if (!dt.isValid())
        return false;
    // A time without a zone is taken as UTC rather than the machine's local zone.
    if (dt.timeSpec() == Qt::LocalTime)
        dt.setTimeSpec(Qt::UTC);
    *utcSecs = dt.toSecsSinceEpoch();
    return true;
}

QByteArray isoTime(qint64 utcSecs)
{
    QByteArray t = magentoTime(utcSecs);
    t[10] = 'T';
    t.append('Z');
    return t;
}

QList<QPair<QByteArray, QByteArray>> parseFormEncoded(QByteArrayView text)
{
    QList<QPair<QByteArray, QByteArray>> out;
    const auto decode = [](QByteArrayView part) {
        QByteArray raw = part.toByteArray();
        raw.replace('+', ' ');
        return QByteArray::fromPercentEncoding(raw);
    };
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype end = text.indexOf('&', start);
        if (end < 0)
            end = text.size();
        const QByteArrayView pair = text.sliced(start, end - start);
        if (!pair.isEmpty()) {
            const qsizetype eq = pair.indexOf('=');
            if (eq < 0)
                out.append({decode(pair), QByteArray()});
            else
                out.append({decode(pair.first(eq)), decode(pair.sliced(eq + 1))});
        }
        start = end + 1;
    }
    return out;
}

bool sqlLike(QStringView text, QStringView pattern)
{
    // Iterative matcher with single-star backtracking; '%' plays the star.
    qsizetype t = 0, p = 0, starP = -1, starT = 0;
    const auto same = [](QChar a, QChar b) { return a.toCaseFolded() == b.toCaseFolded(); };
    while (t < text.size()) {
        if (p < pattern.size()) {
            const QChar pc = pattern[p];
            if (pc == u'%') {
                starP = p++;
                starT = t;
                continue;
            }
            if (pc == u'\\' && p + 1 < pattern.size()) {
                if (same(pattern[p + 1], text[t])) {
                    p += 2;
                    ++t;
                    continue;
                }
            } else if (pc == u'_' || same(pc, text[t])) {
                ++p;
                ++t;
                continue;
            }
        }
        if (starP < 0)
            return false;
        p = starP + 1;
        t = ++starT;
    }
    while (p < pattern.size() && pattern[p] == u'%')
        ++p;
    return p == pattern.size();
}

bool globMatch(QByteArrayView pattern, QByteArrayView text)
{
    qsizetype t = 0, p = 0, starP = -1, starT = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            starP = p++;
            starT = t;
        } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
            ++p;
            ++t;
        } else if (starP >= 0) {
            p = starP + 1;
            t = ++starT;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

} // namespace pb::sandbox
