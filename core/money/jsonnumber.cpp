#include "money/jsonnumber.h"

#include <QLocale>

#include <cmath>

using namespace Qt::StringLiterals;

namespace pb::detail {

namespace {

// Shortest decimal text of a double never needs more than this many significant digits to be
// unambiguous about the value a person typed; beyond it the JSON number was not an amount.
constexpr int kMaxJsonSignificantDigits = 15;

} // namespace

Result<QString> jsonNumberText(const QJsonValue &number, const QString &field)
{
    const double d = number.toDouble();
    if (!std::isfinite(d))
        return makeError(u"money.syntax"_s, field, u"amount is not a finite number"_s);
    // Scientific shortest form shows the significant digits without padding zeros.
    const QString sci = QString::number(d, 'e', QLocale::FloatingPointShortest);
    const qsizetype mantissaEnd = sci.indexOf(u'e');
    qsizetype digits = 0;
    for (qsizetype i = 0; i < mantissaEnd; ++i)
        digits += sci[i].isDigit() ? 1 : 0;
    if (digits > kMaxJsonSignificantDigits)
        return makeError(u"money.precision"_s, field,
                         u"JSON number "_s + sci + u" has more than "_s + QString::number(kMaxJsonSignificantDigits)
                             + u" significant digits and cannot be taken as an exact amount"_s);
    return QString::number(d, 'f', QLocale::FloatingPointShortest);
}

} // namespace pb::detail
