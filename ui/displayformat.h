#pragma once

#include <QCoreApplication>
#include <QLocale>
#include <QString>
#include <QStringView>

namespace pb::ui {

// Turns the store's raw values (minor units, UTC milliseconds, status codes) into the text
// people read. Pure functions of their arguments: no GUI state, so models and tests share them.
class Format
{
    Q_DECLARE_TR_FUNCTIONS(pb::ui::Format)

public:
    // Minor units in the currency's digits, grouped per `locale` ("1,234.50", "1,500" for JPY,
    // "0.125" for KWD). Goes through pb::Money, never through floating point. An unknown
    // currency code shows the raw minor units so nothing is silently rescaled.
    static QString money(qint64 minor, QStringView currencyCode, const QLocale &locale = QLocale());
    // Inserts `locale`'s group separator and decimal point into Money's plain decimal text.
    static QString localizeDecimal(QStringView plainDecimal, const QLocale &locale);

    // UTC milliseconds since the epoch in the local time zone: "2024-03-05 14:07".
    static QString dateTime(qint64 utcMs);
    // With seconds and the zone, for detail panes and tooltips: "2024-03-05 14:07:31 CET".
    static QString dateTimeLong(qint64 utcMs);
    // For exports: ISO 8601 in UTC with its designator, "2024-03-05T13:07:31Z", so a file means
    // the same wherever it is opened.
    static QString isoUtc(qint64 utcMs);

    static QString orderStatus(QStringView code);       // Magento order status code
    static QString paymentStatus(QStringView code);     // orders.pay_status
    static QString transactionType(QStringView name);   // gateway_transactions.type
    static QString transactionStatus(QStringView name); // gateway_transactions.status
    static QString linkRule(QStringView rule);          // order_transaction_links.rule
    // "Visa •••• 1111"; empty when neither part is known.
    static QString card(QStringView type, QStringView last4);
    static QString count(qint64 n, const QLocale &locale = QLocale());

    // A LIKE pattern matching `text` literally (with ESCAPE '\'), wrapped for a substring or
    // prefix match.
    enum class Like { Contains, Prefix };
    static QString likePattern(QStringView text, Like kind);

private:
    // "payment_review" -> "Payment review": a readable fallback for codes we have no text for.
    static QString humanizeCode(QStringView code);
};

} // namespace pb::ui
