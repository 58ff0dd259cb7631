#include "reconcile/settlementformats.h"

#include <array>

using namespace Qt::StringLiterals;

namespace pb::reconcile {

namespace {

bool isDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

// Reads 1..maxDigits digits at `i`; -1 when there are none.
int readNumber(QStringView s, qsizetype &i, int minDigits, int maxDigits)
{
    int value = 0;
    int n = 0;
    while (i < s.size() && n < maxDigits && isDigit(s[i])) {
        value = value * 10 + (s[i].unicode() - u'0');
        ++i;
        ++n;
    }
    return n >= minDigits ? value : -1;
}

bool expect(QStringView s, qsizetype &i, QChar c)
{
    if (i < s.size() && s[i] == c) {
        ++i;
        return true;
    }
    return false;
}

std::optional<QDate> makeDate(int y, int m, int d)
{
    if (y < 1900 || y > 2999)
        return std::nullopt;
    const QDate date(y, m, d);
    return date.isValid() ? std::optional<QDate>(date) : std::nullopt;
}

// h:mm[:ss] AM/PM; validates the clock but the date is what matters.
bool readClock12(QStringView s, qsizetype &i)
{
    const int h = readNumber(s, i, 1, 2);
    if (h < 1 || h > 12 || !expect(s, i, u':'))
        return false;
    if (readNumber(s, i, 2, 2) > 59)
        return false;
    if (expect(s, i, u':') && readNumber(s, i, 2, 2) > 59)
        return false;
    if (!expect(s, i, u' '))
        return false;
    const QStringView ap = s.sliced(i);
    if (ap.compare(u"AM"_s, Qt::CaseInsensitive) != 0 && ap.compare(u"PM"_s, Qt::CaseInsensitive) != 0)
        return false;
    i = s.size();
    return true;
}

bool readClock24(QStringView s, qsizetype &i)
{
    const int h = readNumber(s, i, 2, 2);
    if (h < 0 || h > 23 || !expect(s, i, u':'))
        return false;
    const int m = readNumber(s, i, 2, 2);
    if (m < 0 || m > 59)
        return false;
    if (expect(s, i, u':')) {
        const int sec = readNumber(s, i, 2, 2);
        if (sec < 0 || sec > 60)
            return false;
        if (expect(s, i, u'.') && readNumber(s, i, 1, 9) < 0)
            return false;
    }
    if (expect(s, i, u'Z'))
        return i == s.size();
    if (i < s.size() && (s[i] == u'+' || s[i] == u'-')) {
        ++i;
        if (readNumber(s, i, 2, 2) < 0)
            return false;
        expect(s, i, u':');
        if (readNumber(s, i, 2, 2) < 0)
            return false;
    }
    return i == s.size();
}

bool isCurrencySymbol(QChar c)
{
    return c == u'$' || c == QChar(0x20AC) || c == QChar(0x00A3) || c == QChar(0x00A5);
}

bool isSpace(QChar c)
{
    return c == u' ' || c == QChar(0x00A0) || c == QChar(0x202F);
}

// Strips currency symbols, three-letter codes and spaces from both ends.
QStringView stripCurrency(QStringView s, QString *code = nullptr)
{
    for (bool changed = true; changed && !s.isEmpty();) {
        changed = false;
        if (isCurrencySymbol(s.front()) || isSpace(s.front())) {
            if (code && isCurrencySymbol(s.front()) && code->isEmpty())
                *code = s.front() == u'$' ? u"USD"_s : s.front() == QChar(0x20AC) ? u"EUR"_s
                    : s.front() == QChar(0x00A3) ? u"GBP"_s : u"JPY"_s;
            s = s.sliced(1);
            changed = true;
        } else if (isCurrencySymbol(s.back()) || isSpace(s.back())) {
            if (code && isCurrencySymbol(s.back()) && code->isEmpty())
                *code = s.back() == u'$' ? u"USD"_s : s.back() == QChar(0x20AC) ? u"EUR"_s
                    : s.back() == QChar(0x00A3) ? u"GBP"_s : u"JPY"_s;
            s = s.chopped(1);
            changed = true;
        }
        auto isCode = [](QStringView v) {
            return v.size() == 3 && v[0].isUpper() && v[1].isUpper() && v[2].isUpper();
        };
        if (s.size() > 3 && isCode(s.first(3))) {
            if (code && code->isEmpty())
                *code = s.first(3).toString();
            s = s.sliced(3);
            changed = true;
        } else if (s.size() > 3 && isCode(s.last(3))) {
            if (code && code->isEmpty())
                *code = s.last(3).toString();
            s = s.chopped(3);
            changed = true;
        }
    }
    return s;
}

QString normalizeWord(QStringView w)
{
    QString out;
    out.reserve(w.size());
    for (QChar c : w)
        if (c.isLetterOrNumber())
            out.append(c.toLower());
    return out;
}

} // namespace

QString kindName(RecordKind kind)
{
    switch (kind) {
    case RecordKind::Sale: return u"sale"_s;
    case RecordKind::Refund: return u"refund"_s;
    case RecordKind::Chargeback: return u"chargeback"_s;
    case RecordKind::Adjustment: return u"adjustment"_s;
    case RecordKind::Fee: return u"fee"_s;
    case RecordKind::Deposit: return u"deposit"_s;
    }
    return {};
}

std::optional<RecordKind> kindFromName(QStringView name)
{
    for (RecordKind k : {RecordKind::Sale, RecordKind::Refund, RecordKind::Chargeback,
                         RecordKind::Adjustment, RecordKind::Fee, RecordKind::Deposit})
        if (name == kindName(k))
            return k;
    return std::nullopt;
}

std::optional<RecordKind> guessKind(QStringView word)
{
    static const std::array<std::pair<RecordKind, QStringList>, 6> table = {{
        {RecordKind::Sale, {u"sale"_s, u"sales"_s, u"purchase"_s, u"capture"_s, u"captured"_s,
                            u"charge"_s, u"payment"_s, u"verkauf"_s, u"vente"_s, u"venta"_s}},
        {RecordKind::Refund, {u"refund"_s, u"refunds"_s, u"return"_s, u"credit"_s,
                              u"gutschrift"_s, u"erstattung"_s, u"remboursement"_s,
                              u"reembolso"_s}},
        {RecordKind::Chargeback, {u"chargeback"_s, u"chargebacks"_s, u"cb"_s, u"dispute"_s,
                                  u"rückbuchung"_s, u"rucklastschrift"_s, u"contrecarte"_s}},
        {RecordKind::Adjustment, {u"adjustment"_s, u"adjustments"_s, u"adj"_s, u"correction"_s,
                                  u"reversal"_s, u"korrektur"_s, u"ajuste"_s, u"ajustement"_s}},
        {RecordKind::Fee, {u"fee"_s, u"fees"_s, u"discount"_s, u"discountfee"_s,
                           u"interchange"_s, u"servicecharge"_s, u"commission"_s,
                           u"gebühr"_s, u"gebühren"_s, u"frais"_s, u"comision"_s}},
        {RecordKind::Deposit, {u"deposit"_s, u"deposits"_s, u"payout"_s, u"transfer"_s,
                               u"settlement"_s, u"funding"_s, u"achdeposit"_s, u"auszahlung"_s,
                               u"virement"_s, u"abono"_s}},
    }};
    const QString w = normalizeWord(word);
    for (const auto &[kind, words] : table)
        if (words.contains(w))
            return kind;
    return std::nullopt;
}

QString dateFormatName(DateFormat format)
{
    switch (format) {
    case DateFormat::Unknown: return u"unknown"_s;
    case DateFormat::IsoDate: return u"YYYY-MM-DD"_s;
    case DateFormat::MonthDayYear: return u"MM/DD/YYYY"_s;
    case DateFormat::DayMonthYear: return u"DD/MM/YYYY"_s;
    case DateFormat::UsDateTime12h: return u"M/D/YYYY h:mm:ss AP"_s;
    case DateFormat::Iso8601: return u"ISO 8601"_s;
    }
    return {};
}

DateFormat dateFormatFromName(QStringView name)
{
    for (DateFormat f : {DateFormat::IsoDate, DateFormat::MonthDayYear, DateFormat::DayMonthYear,
                         DateFormat::UsDateTime12h, DateFormat::Iso8601})
        if (name == dateFormatName(f))
            return f;
    return DateFormat::Unknown;
}

std::optional<QDate> parseDate(QStringView text, DateFormat format)
{
    const QStringView s = text.trimmed();
    qsizetype i = 0;
    switch (format) {
    case DateFormat::Unknown:
        return std::nullopt;
    case DateFormat::IsoDate:
    case DateFormat::Iso8601: {
        const int y = readNumber(s, i, 4, 4);
        if (y < 0 || !expect(s, i, u'-'))
            return std::nullopt;
        const int m = readNumber(s, i, 2, 2);
        if (m < 0 || !expect(s, i, u'-'))
            return std::nullopt;
        const int d = readNumber(s, i, 2, 2);
        if (d < 0)
            return std::nullopt;
        if (format == DateFormat::IsoDate) {
            if (i != s.size())
                return std::nullopt;
        } else if (!(expect(s, i, u'T') || expect(s, i, u' ')) || !readClock24(s, i)) {
            return std::nullopt;
        }
        return makeDate(y, m, d);
    }
    case DateFormat::MonthDayYear:
    case DateFormat::UsDateTime12h: {
        const int m = readNumber(s, i, 1, 2);
        if (m < 0 || !expect(s, i, u'/'))
            return std::nullopt;
        const int d = readNumber(s, i, 1, 2);
        if (d < 0 || !expect(s, i, u'/'))
            return std::nullopt;
        const int y = readNumber(s, i, 4, 4);
        if (y < 0)
            return std::nullopt;
        if (format == DateFormat::MonthDayYear) {
            if (i != s.size())
                return std::nullopt;
        } else if (!expect(s, i, u' ') || !readClock12(s, i)) {
            return std::nullopt;
        }
        return makeDate(y, m, d);
    }
    case DateFormat::DayMonthYear: {
        const int d = readNumber(s, i, 1, 2);
        if (d < 0 || i >= s.size())
            return std::nullopt;
        const QChar sep = s[i];
        if (sep != u'/' && sep != u'.' && sep != u'-')
            return std::nullopt;
        ++i;
        const int m = readNumber(s, i, 1, 2);
        if (m < 0 || !expect(s, i, sep))
            return std::nullopt;
        const int y = readNumber(s, i, 4, 4);
        if (y < 0 || i != s.size())
            return std::nullopt;
        return makeDate(y, m, d);
    }
    }
    return std::nullopt;
}

DateDetection detectDateFormat(const QStringList &values)
{
    DateDetection det;
    QStringList present;
    for (const QString &v : values)
        if (!v.trimmed().isEmpty())
            present.append(v);
    if (present.isEmpty()) {
        det.reason = u"no date values to look at"_s;
        return det;
    }
    for (DateFormat f : {DateFormat::Iso8601, DateFormat::IsoDate, DateFormat::UsDateTime12h,
                         DateFormat::MonthDayYear, DateFormat::DayMonthYear}) {
        bool all = true;
        for (const QString &v : present)
            if (!parseDate(v, f)) {
                all = false;
                break;
            }
        if (all)
            det.candidates.append(f);
    }
    if (det.candidates.isEmpty()) {
        det.reason = u"no known date format reads every value (e.g. '"_s + present.first() + u"')"_s;
        return det;
    }
    det.format = det.candidates.first();
    det.ambiguous = det.candidates.contains(DateFormat::MonthDayYear)
        && det.candidates.contains(DateFormat::DayMonthYear);
    if (det.ambiguous)
        det.reason = u"ambiguous: every day is 12 or less, so "_s + QString::number(present.size())
            + u" values read both as MM/DD/YYYY and DD/MM/YYYY; MM/DD/YYYY assumed, please confirm"_s;
    else
        det.reason = QString::number(present.size()) + u" values read as "_s
            + dateFormatName(det.format);
    return det;
}

std::optional<Money> parseAmount(QStringView text, const AmountFormat &format,
                                 const Currency &currency, QString *error)
{
    auto bad = [&](const QString &why) -> std::optional<Money> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    QStringView s = stripCurrency(text.trimmed());
    if (s.isEmpty())
        return bad(u"empty"_s);
    bool negative = false;
    if (s.size() >= 2 && s.front() == u'(' && s.back() == u')') {
        negative = true;
        s = stripCurrency(s.sliced(1).chopped(1));
    } else if (s.size() >= 2 && s.back() == u'-') {
        negative = true;
        s = stripCurrency(s.chopped(1));
    }
    if (!s.isEmpty() && (s.front() == u'-' || s.front() == u'+')) {
        if (negative)
            return bad(u"two signs"_s);
        negative = s.front() == u'-';
        s = stripCurrency(s.sliced(1));
    }
    if (s.isEmpty())
        return bad(u"no digits"_s);

    QString plain;
    plain.reserve(s.size() + 1);
    if (negative)
        plain.append(u'-');
    qsizetype decimalAt = -1;
    for (qsizetype i = 0; i < s.size(); ++i)
        if (s[i] == format.decimal) {
            if (decimalAt >= 0)
                return bad(u"more than one decimal separator"_s);
            decimalAt = i;
        }
    const QStringView whole = decimalAt >= 0 ? s.first(decimalAt) : s;
    const QStringView fraction = decimalAt >= 0 ? s.sliced(decimalAt + 1) : QStringView();
    if (whole.isEmpty())
        return bad(u"no digits before the decimal separator"_s);
    // Grouping is checked, not just removed, so "12,3.4" is refused instead of read as 123.4.
    auto isGroup = [&](QChar c) {
        return !format.thousands.isNull()
            && (c == format.thousands || (isSpace(format.thousands) && isSpace(c)));
    };
    int digitsInGroup = 0;
    bool grouped = false;
    for (qsizetype i = 0; i < whole.size(); ++i) {
        const QChar c = whole[i];
        if (isDigit(c)) {
            plain.append(c);
            ++digitsInGroup;
        } else if (isGroup(c)) {
            if (digitsInGroup == 0 || (grouped ? digitsInGroup != 3 : digitsInGroup > 3))
                return bad(u"misplaced thousands separator"_s);
            grouped = true;
            digitsInGroup = 0;
        } else {
            return bad(u"unexpected character '"_s + c + u"'"_s);
        }
    }
    if (grouped && digitsInGroup != 3)
        return bad(u"misplaced thousands separator"_s);
    if (decimalAt >= 0) {
        if (fraction.isEmpty())
            return bad(u"no digits after the decimal separator"_s);
        plain.append(u'.');
        for (QChar c : fraction) {
            if (!isDigit(c))
                return bad(u"unexpected character '"_s + c + u"'"_s);
            plain.append(c);
        }
    }
    auto m = Money::parse(plain, currency);
    if (!m)
        return bad(m.error().message);
    return m.value();
}

AmountDetection detectAmountFormat(const QStringList &values)
{
    AmountDetection det;
    int commaDecimal = 0;
    int dotDecimal = 0;
    bool sawComma = false;
    bool sawDot = false;
    bool sawSpaceGroup = false;
    bool sawApostrophe = false;
    int present = 0;
    for (const QString &v : values) {
        QString code;
        QStringView s = stripCurrency(QStringView(v).trimmed(), &code);
        if (s.isEmpty())
            continue;
        ++present;
        if (det.currencyHint.isEmpty() && !code.isEmpty())
            det.currencyHint = code;
        const qsizetype lastComma = s.lastIndexOf(u',');
        const qsizetype lastDot = s.lastIndexOf(u'.');
        sawComma = sawComma || lastComma >= 0;
        sawDot = sawDot || lastDot >= 0;
        sawApostrophe = sawApostrophe || s.contains(u'\'');
        for (qsizetype i = 1; i + 1 < s.size(); ++i)
            if (isSpace(s[i]) && isDigit(s[i - 1]) && isDigit(s[i + 1]))
                sawSpaceGroup = true;
        auto digitsAfter = [&](qsizetype at) {
            qsizetype n = 0;
            for (qsizetype i = at + 1; i < s.size() && isDigit(s[i]); ++i)
                ++n;
            return n;
        };
        if (lastComma >= 0 && lastDot >= 0) {
            (lastComma > lastDot ? commaDecimal : dotDecimal) += 10;
        } else if (lastComma >= 0 && digitsAfter(lastComma) != 3) {
            ++commaDecimal;
        } else if (lastDot >= 0 && digitsAfter(lastDot) != 3) {
            ++dotDecimal;
        }
    }
    if (present == 0) {
        det.reason = u"no amount values to look at"_s;
        return det;
    }
    det.found = true;
    if (commaDecimal > dotDecimal) {
        det.format.decimal = u',';
        det.format.thousands = sawDot ? QChar(u'.') : sawSpaceGroup ? QChar(u' ')
            : sawApostrophe ? QChar(u'\'') : QChar();
        det.reason = u"decimal comma"_s;
    } else {
        det.format.decimal = u'.';
        det.format.thousands = sawComma ? QChar(u',') : sawSpaceGroup ? QChar(u' ')
            : sawApostrophe ? QChar(u'\'') : QChar();
        det.reason = u"decimal point"_s;
    }
    if (!det.format.thousands.isNull())
        det.reason += u", thousands separator '"_s + det.format.thousands + u"'"_s;
    // Exponent 3 (KWD) so that detection does not depend on the currency's precision.
    const Currency probe = *Currency::fromCode(u"KWD"_s);
    int failures = 0;
    for (const QString &v : values)
        if (!v.trimmed().isEmpty() && !parseAmount(v, det.format, probe))
            ++failures;
    if (failures > 0) {
        det.found = failures < present;
        det.reason += u"; "_s + QString::number(failures) + u" of "_s + QString::number(present)
            + u" values do not read as amounts"_s;
    }
    return det;
}

} // namespace pb::reconcile
