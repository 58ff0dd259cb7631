#include "displayformat.h"

#include "money/money.h"

#include <QDateTime>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace pb::ui {

QString Format::money(qint64 minor, QStringView currencyCode, const QLocale &locale)
{
    const std::optional<Currency> currency = Currency::fromCode(currencyCode);
    if (!currency)
        return tr("%1 (minor units)").arg(minor);
    return localizeDecimal(Money::fromMinor(minor, *currency).toDecimalString(), locale);
}

QString Format::localizeDecimal(QStringView plainDecimal, const QLocale &locale)
{
    QStringView digits = plainDecimal;
    const bool negative = digits.startsWith(u'-');
    if (negative)
        digits = digits.mid(1);
    const qsizetype dot = digits.indexOf(u'.');
    const QStringView integral = dot < 0 ? digits : digits.left(dot);
    const QStringView fraction = dot < 0 ? QStringView() : digits.mid(dot + 1);

    const bool group = !(locale.numberOptions() & QLocale::OmitGroupSeparator);
    const QString separator = locale.groupSeparator();
    QString out;
    out.reserve(plainDecimal.size() + plainDecimal.size() / 3 + 2);
    if (negative)
        out += locale.negativeSign();
    for (qsizetype i = 0; i < integral.size(); ++i) {
        if (group && i > 0 && (integral.size() - i) % 3 == 0)
            out += separator;
        out += integral.at(i);
    }
    if (dot >= 0)
        out += locale.decimalPoint() + fraction;
    return out;
}

QString Format::dateTime(qint64 utcMs)
{
    return QDateTime::fromMSecsSinceEpoch(utcMs, QTimeZone::utc()).toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s);
}

QString Format::dateTimeLong(qint64 utcMs)
{
    const QDateTime local = QDateTime::fromMSecsSinceEpoch(utcMs, QTimeZone::utc()).toLocalTime();
    return local.toString(u"yyyy-MM-dd HH:mm:ss"_s) + u' ' + local.timeZoneAbbreviation();
}

QString Format::isoUtc(qint64 utcMs)
{
    return QDateTime::fromMSecsSinceEpoch(utcMs, Qt::UTC).toString(Qt::ISODate);
}

QString Format::humanizeCode(QStringView code)
{
    if (code.isEmpty())
        return {};
    QString text = code.toString();
    text.replace(u'_', u' ');
    text[0] = text.at(0).toUpper();
    return text;
}

QString Format::orderStatus(QStringView code)
{
    if (code == u"pending")
        return tr("Pending");
    if (code == u"pending_payment")
        return tr("Pending payment");
    if (code == u"processing")
        return tr("Processing");
    if (code == u"complete")
        return tr("Complete");
    if (code == u"closed")
        return tr("Closed");
    if (code == u"canceled")
        return tr("Canceled");
    if (code == u"holded")
        return tr("On hold");
    if (code == u"payment_review")
        return tr("Payment review");
    if (code == u"fraud")
        return tr("Suspected fraud");
    if (code == u"new")
        return tr("New");
    return humanizeCode(code);
}

QString Format::paymentStatus(QStringView code)
{
    // The values pb::store::PaymentSummary::status takes.
    if (code == u"unpaid")
        return tr("Unpaid");
    if (code == u"authorized")
        return tr("Authorized");
    if (code == u"captured")
        return tr("Captured");
    if (code == u"settled")
        return tr("Settled");
    if (code == u"partially_refunded")
        return tr("Partly refunded");
    if (code == u"refunded")
        return tr("Refunded");
    if (code == u"voided")
        return tr("Voided");
    if (code == u"declined")
        return tr("Declined");
    return humanizeCode(code);
}

QString Format::linkRule(QStringView rule)
{
    // Links made before the profile's key was used carry "invoice_id" for the default key.
    if (rule == u"invoice_id" || rule == u"key:invoice_id=increment_id")
        return tr("Invoice number");
    if (rule == u"fallback:amount+time+last4")
        return tr("Matched by amount, time and card");
    if (rule == u"fallback:amount+time")
        return tr("Matched by amount and time");
    if (rule.startsWith(u"key:")) {
        const QStringView pair = rule.mid(4);
        const qsizetype eq = pair.indexOf(u'=');
        if (eq > 0)
            return tr("%1 = order %2").arg(humanizeCode(pair.left(eq)), humanizeCode(pair.mid(eq + 1)));
    }
    return humanizeCode(rule);
}

QString Format::transactionType(QStringView name)
{
    if (name == u"sale")
        return tr("Sale");
    if (name == u"authorization")
        return tr("Authorization");
    if (name == u"capture")
        return tr("Capture");
    if (name == u"refund")
        return tr("Refund");
    if (name == u"void")
        return tr("Void");
    if (name == u"unknown")
        return tr("Unknown");
    return humanizeCode(name);
}

QString Format::transactionStatus(QStringView name)
{
    if (name == u"approved")
        return tr("Approved");
    if (name == u"pending_settlement")
        return tr("Pending settlement");
    if (name == u"settled")
        return tr("Settled");
    if (name == u"authorized")
        return tr("Authorized only");
    if (name == u"voided")
        return tr("Voided");
    if (name == u"declined")
        return tr("Declined");
    if (name == u"unknown")
        return tr("Unknown");
    return humanizeCode(name);
}

QString Format::card(QStringView type, QStringView last4)
{
    if (last4.isEmpty())
        return type.toString();
    const QString masked = u"•••• "_s + last4;
    return type.isEmpty() ? masked : type + u' ' + masked;
}

QString Format::count(qint64 n, const QLocale &locale)
{
    return locale.toString(n);
}

QString Format::likePattern(QStringView text, Like kind)
{
    QString escaped;
    escaped.reserve(text.size() + 4);
    if (kind == Like::Contains)
        escaped += u'%';
    for (const QChar c : text) {
        if (c == u'\\' || c == u'%' || c == u'_')
            escaped += u'\\';
        escaped += c;
    }
    escaped += u'%';
    return escaped;
}

} // namespace pb::ui
