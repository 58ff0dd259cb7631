#include "recorddetails.h"

#include "displayformat.h"
#include "money/exactamount.h"
#include "ordertimeline.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

const QString kOrderScheme = u"pb-order"_s;
const QString kTransactionScheme = u"pb-transaction"_s;

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

// Collects label/value rows of a two-column field table; values are HTML already.
class FieldTable
{
public:
    explicit FieldTable(QString mutedColor) : m_muted(std::move(mutedColor)) {}

    void addHtml(const QString &label, const QString &valueHtml)
    {
        if (valueHtml.isEmpty())
            return;
        // nowrap: a date or an id broken over two lines is harder to read than a scrollbar.
        m_rows += u"<tr><td nowrap style=\"color:"_s + m_muted + u"; padding-right:12px;\">"_s + esc(label)
            + u"</td><td nowrap>"_s + valueHtml + u"</td></tr>"_s;
    }
    void add(const QString &label, const QString &value) { addHtml(label, esc(value)); }
    void section(const QString &title)
    {
        m_rows += u"<tr><td colspan=\"2\" nowrap><b>"_s + esc(title) + u"</b></td></tr>"_s;
    }
    QString html() const
    {
        return u"<table cellspacing=\"0\" cellpadding=\"2\">"_s + m_rows + u"</table>"_s;
    }

private:
    QString m_muted;
    QString m_rows;
};

QString moneyText(const QSqlRecord &r, const char *field, const QString &currency)
{
    return Format::money(r.value(QLatin1StringView(field)).toLongLong(), currency) + u' ' + currency;
}

// An order amount Magento kept finer than its currency (docs/magento.md §7): exact, flagged, with
// what PayBridge moves; the plain amount otherwise or when the exact text no longer applies.
QString orderMoneyText(const QSqlRecord &r, const char *field, const QString &currency)
{
    const QString plain = moneyText(r, field, currency);
    const auto cur = Currency::fromCode(currency);
    const QString json = r.value(u"exact_amounts"_s).toString();
    if (!cur || json.isEmpty())
        return plain;
    const qint64 minor = r.value(QLatin1StringView(field)).toLongLong();
    const QString exact = exactTextMatching(
        QJsonDocument::fromJson(json.toUtf8()).object().value(QLatin1StringView(field)).toString(),
        Money::fromMinor(minor, *cur));
    if (exact.isEmpty())
        return plain;
    return RecordDetails::tr("%1 %2 * (moves as %3)")
        .arg(Format::localizeDecimal(exact, QLocale()), currency, plain);
}

QString timeText(const QVariant &ms)
{
    return ms.isNull() ? QString() : Format::dateTimeLong(ms.toLongLong());
}

QString linkHtml(const QUrl &url, const QString &text)
{
    return u"<a href=\""_s + esc(url.toString(QUrl::FullyEncoded)) + u"\">"_s + esc(text) + u"</a>"_s;
}

QString errorHtml(const QString &what, const QSqlQuery &query)
{
    return u"<p>"_s + esc(what) + u"</p><p><small>"_s + esc(query.lastError().text()) + u"</small></p>"_s;
}

// A compact list of transactions, one per line, for the order pane.
QString transactionListHtml(QSqlQuery &query, const QString &mutedColor, bool withRule, int *rows = nullptr)
{
    const auto cell = [](const QString &html, bool right = false) -> QString {
        return (right ? u"<td nowrap align=\"right\" style=\"padding-right:18px;\">"_s
                      : u"<td nowrap style=\"padding-right:18px;\">"_s)
            + html + u"</td>"_s;
    };
    QString html = u"<table cellspacing=\"0\" cellpadding=\"2\">"_s;
    html += u"<tr style=\"color:"_s + mutedColor + u";\">"_s + cell(esc(RecordDetails::tr("Transaction")))
        + cell(esc(RecordDetails::tr("Created"))) + cell(esc(RecordDetails::tr("Type")))
        + cell(esc(RecordDetails::tr("Status"))) + cell(esc(RecordDetails::tr("Amount")), true)
        + cell(esc(RecordDetails::tr("Card")));
    if (withRule)
        html += cell(esc(RecordDetails::tr("Linked by")));
    html += u"</tr>"_s;
    int count = 0;
    while (query.next()) {
        ++count;
        const QSqlRecord r = query.record();
        const QString id = r.value(u"transaction_id"_s).toString();
        const QString currency = r.value(u"currency"_s).toString();
        html += u"<tr>"_s + cell(linkHtml(RecordDetails::transactionLink(id), id))
            + cell(esc(Format::dateTime(r.value(u"created_at"_s).toLongLong())))
            + cell(esc(Format::transactionType(r.value(u"type"_s).toString())))
            + cell(esc(Format::transactionStatus(r.value(u"status"_s).toString())))
            + cell(esc(moneyText(r, "amount", currency)), true)
            + cell(esc(Format::card(r.value(u"card_type"_s).toString(), r.value(u"card_last4"_s).toString())));
        if (withRule)
            html += cell(esc(Format::linkRule(r.value(u"rule"_s).toString())));
        html += u"</tr>"_s;
    }
    html += u"</table>"_s;
    if (rows)
        *rows = count;
    return count == 0 ? QString() : html;
}

} // namespace

QUrl RecordDetails::orderLink(const QString &incrementId)
{
    QUrl url;
    url.setScheme(kOrderScheme);
    url.setPath(incrementId);
    return url;
}

QUrl RecordDetails::transactionLink(const QString &transactionId)
{
    QUrl url;
    url.setScheme(kTransactionScheme);
    url.setPath(transactionId);
    return url;
}

QString RecordDetails::orderFromLink(const QUrl &url)
{
    return url.scheme() == kOrderScheme ? url.path() : QString();
}

QString RecordDetails::transactionFromLink(const QUrl &url)
{
    return url.scheme() == kTransactionScheme ? url.path() : QString();
}

QString RecordDetails::orderHtml(const QSqlDatabase &db, qint64 entityId, const QString &mutedColor)
{
    QSqlQuery query(db);
    query.prepare(u"SELECT * FROM orders WHERE entity_id = ?"_s);
    query.addBindValue(entityId);
    if (!query.exec())
        return errorHtml(tr("The order could not be read from the store."), query);
    if (!query.next())
        return u"<p>"_s + esc(tr("This order is no longer in the store.")) + u"</p>"_s;
    const QSqlRecord o = query.record();
    const QString currency = o.value(u"currency"_s).toString();
    const QString incrementId = o.value(u"increment_id"_s).toString();

    FieldTable fields(mutedColor);
    fields.section(tr("Order"));
    fields.add(tr("Status"), Format::orderStatus(o.value(u"status"_s).toString()));
    fields.add(tr("State"), Format::orderStatus(o.value(u"state"_s).toString()));
    fields.add(tr("Created"), timeText(o.value(u"created_at"_s)));
    fields.add(tr("Updated"), timeText(o.value(u"updated_at"_s)));
    const QString name = o.value(u"customer_name"_s).toString();
    const bool guest = o.value(u"customer_is_guest"_s).toInt() != 0;
    fields.add(tr("Customer"), guest ? tr("%1 (guest)").arg(name).trimmed() : name);
    fields.add(tr("Email"), o.value(u"customer_email"_s).toString());
    fields.add(tr("Synced"), timeText(o.value(u"synced_at"_s)));

    FieldTable amounts(mutedColor);
    amounts.section(tr("Order amounts"));
    amounts.add(tr("Grand total"), orderMoneyText(o, "grand_total", currency));
    amounts.add(tr("Invoiced"), orderMoneyText(o, "total_invoiced", currency));
    amounts.add(tr("Paid"), orderMoneyText(o, "total_paid", currency));
    amounts.add(tr("Refunded"), orderMoneyText(o, "total_refunded", currency));
    amounts.add(tr("Due"), orderMoneyText(o, "total_due", currency));
    if (!o.value(u"exact_amounts"_s).toString().isEmpty())
        amounts.add(tr("Precision"),
                    tr("* Magento keeps amounts of this order finer than %1 allows. They are shown exactly; "
                       "PayBridge captures, refunds and books them rounded half-even and records the difference.")
                        .arg(currency));

    FieldTable payment(mutedColor);
    payment.section(tr("Gateway"));
    payment.add(tr("Payment"), Format::paymentStatus(o.value(u"pay_status"_s).toString()));
    payment.add(tr("Card"), Format::card(o.value(u"card_type"_s).toString(), o.value(u"card_last4"_s).toString()));
    // Magento charges the card the base grand total in the base currency (docs/magento.md §8):
    // the gateway amounts are in that currency; the customer saw the order currency.
    const QString baseCurrency = o.value(u"base_currency"_s).toString();
    const QString charged = baseCurrency.isEmpty() ? currency : baseCurrency;
    if (charged != currency)
        payment.add(tr("Charged"), tr("%1 (the order shows %2)")
                                       .arg(moneyText(o, "base_grand_total", charged), moneyText(o, "grand_total", currency)));
    payment.add(tr("Authorized"), moneyText(o, "pay_authorized", charged));
    payment.add(tr("Captured"), moneyText(o, "pay_captured", charged));
    payment.add(tr("Refunded"), moneyText(o, "pay_refunded", charged));
    payment.add(tr("Voided"), moneyText(o, "pay_voided", charged));
    const QString lastTrans = o.value(u"last_trans_id"_s).toString();
    if (!lastTrans.isEmpty())
        payment.addHtml(tr("Last transaction"), linkHtml(transactionLink(lastTrans), lastTrans));
    payment.add(tr("Method"), o.value(u"payment_method"_s).toString());

    QSqlQuery linked(db);
    linked.prepare(u"SELECT t.transaction_id, t.created_at, t.type, t.status, t.amount, t.currency,"
                   " t.card_type, t.card_last4, l.rule"
                   " FROM order_transaction_links l"
                   " JOIN gateway_transactions t ON t.transaction_id = l.transaction_id"
                   " WHERE l.order_entity_id = ? ORDER BY t.created_at, t.transaction_id LIMIT 200"_s);
    linked.addBindValue(entityId);
    QString linkedHtml;
    int linkedCount = 0;
    if (!linked.exec()) {
        linkedHtml = errorHtml(tr("The linked transactions could not be read."), linked);
    } else {
        linkedHtml = transactionListHtml(linked, mutedColor, true, &linkedCount);
        if (linkedHtml.isEmpty())
            linkedHtml = u"<p>"_s + esc(tr("No gateway transactions are linked to this order.")) + u"</p>"_s;
    }

    // Transactions that carry this order number but were not linked are what support looks
    // for when a payment "went missing".
    QSqlQuery stray(db);
    stray.prepare(u"SELECT t.transaction_id, t.created_at, t.type, t.status, t.amount, t.currency,"
                  " t.card_type, t.card_last4 FROM gateway_transactions t"
                  " WHERE t.invoice_id = ? AND NOT EXISTS (SELECT 1 FROM order_transaction_links l"
                  " WHERE l.transaction_id = t.transaction_id) ORDER BY t.created_at LIMIT 50"_s);
    stray.addBindValue(incrementId);
    QString strayHtml;
    if (stray.exec()) {
        const QString list = transactionListHtml(stray, mutedColor, false);
        if (!list.isEmpty())
            strayHtml = u"<p><b>"_s + esc(tr("Unlinked transactions with this invoice number")) + u"</b></p>"_s + list;
    }

    // The payment trail: Magento, PayTrace, PayBridge's intents and ERP entries in one list.
    QString trailHtml;
    if (const auto trail = OrderTimeline::load(db, entityId); !trail)
        trailHtml = u"<p>"_s + esc(tr("The payment trail could not be read: %1").arg(trail.error().toString()))
            + u"</p>"_s;
    else
        trailHtml = OrderTimeline::html(*trail, mutedColor);

    return u"<h3>"_s + esc(tr("Order %1").arg(incrementId)) + u"</h3>"_s
        + u"<table cellspacing=\"0\" cellpadding=\"0\"><tr>"
          "<td valign=\"top\" style=\"padding-right:32px;\">"_s + fields.html()
        + u"</td><td valign=\"top\" style=\"padding-right:32px;\">"_s + amounts.html()
        + u"</td><td valign=\"top\">"_s + payment.html() + u"</td></tr></table>"_s
        + u"<p><b>"_s + esc(tr("Payment trail")) + u"</b></p>"_s + trailHtml
        + u"<p><b>"_s + esc(tr("Linked transactions (%1)").arg(linkedCount)) + u"</b></p>"_s
        + linkedHtml + strayHtml;
}

QString RecordDetails::transactionHtml(const QSqlDatabase &db, const QString &transactionId,
                                       const QString &mutedColor)
{
    QSqlQuery query(db);
    query.prepare(u"SELECT * FROM gateway_transactions WHERE transaction_id = ?"_s);
    query.addBindValue(transactionId);
    if (!query.exec())
        return errorHtml(tr("The transaction could not be read from the store."), query);
    if (!query.next())
        return u"<p>"_s + esc(tr("This transaction is no longer in the store.")) + u"</p>"_s;
    const QSqlRecord t = query.record();
    const QString currency = t.value(u"currency"_s).toString();

    FieldTable fields(mutedColor);
    fields.section(tr("Transaction"));
    fields.add(tr("Type"), Format::transactionType(t.value(u"type"_s).toString()));
    const QString statusMessage = t.value(u"status_message"_s).toString();
    const QString statusCode = t.value(u"status_code"_s).toString();
    QString status = Format::transactionStatus(t.value(u"status"_s).toString());
    // The gateway's own words only when they add something to our status.
    if (!statusMessage.isEmpty() && statusMessage.compare(status, Qt::CaseInsensitive) != 0)
        status = tr("%1 — %2").arg(status, statusMessage);
    if (!statusCode.isEmpty())
        status = tr("%1 (%2)").arg(status, statusCode);
    fields.add(tr("Status"), status);
    fields.add(tr("Amount"), moneyText(t, "amount", currency));
    fields.add(tr("Created"), timeText(t.value(u"created_at"_s)));
    fields.add(tr("Gateway time"), t.value(u"created_at_text"_s).toString());
    fields.add(tr("Batch"), t.value(u"batch"_s).toString());
    fields.add(tr("Settled"), timeText(t.value(u"settled_at"_s)));
    fields.add(tr("Description"), t.value(u"description"_s).toString());

    FieldTable card(mutedColor);
    card.section(tr("Card checks"));
    card.add(tr("Card"), Format::card(t.value(u"card_type"_s).toString(), t.value(u"card_last4"_s).toString()));
    const QString approval = t.value(u"approval_code"_s).toString();
    const QString approvalMessage = t.value(u"approval_message"_s).toString();
    card.add(tr("Approval"), approvalMessage.isEmpty() ? approval : tr("%1 — %2").arg(approval, approvalMessage));
    card.add(tr("AVS"), t.value(u"avs_response"_s).toString());
    card.add(tr("CSC"), t.value(u"csc_response"_s).toString());
    card.add(tr("Invoice"), t.value(u"invoice_id"_s).toString());
    card.add(tr("Vault customer"), t.value(u"customer_id"_s).toString());
    card.add(tr("Synced"), timeText(t.value(u"synced_at"_s)));

    QSqlQuery linked(db);
    linked.prepare(u"SELECT o.increment_id, o.customer_name, o.customer_email, o.status, o.grand_total,"
                   " o.currency, o.pay_status, o.created_at, l.rule, l.linked_at"
                   " FROM order_transaction_links l JOIN orders o ON o.entity_id = l.order_entity_id"
                   " WHERE l.transaction_id = ?"_s);
    linked.addBindValue(transactionId);
    QString orderHtml;
    if (!linked.exec()) {
        orderHtml = errorHtml(tr("The linked order could not be read."), linked);
    } else if (!linked.next()) {
        FieldTable none(mutedColor);
        none.section(tr("Linked order"));
        none.add(tr("Order #"), tr("Not linked to any order"));
        orderHtml = none.html();
    } else {
        const QSqlRecord o = linked.record();
        const QString incrementId = o.value(u"increment_id"_s).toString();
        const QString orderCurrency = o.value(u"currency"_s).toString();
        FieldTable order(mutedColor);
        order.section(tr("Linked order"));
        order.addHtml(tr("Order #"), linkHtml(orderLink(incrementId), incrementId));
        order.add(tr("Created"), timeText(o.value(u"created_at"_s)));
        order.add(tr("Customer"), o.value(u"customer_name"_s).toString());
        order.add(tr("Email"), o.value(u"customer_email"_s).toString());
        order.add(tr("Status"), Format::orderStatus(o.value(u"status"_s).toString()));
        order.add(tr("Total"), moneyText(o, "grand_total", orderCurrency));
        order.add(tr("Payment"), Format::paymentStatus(o.value(u"pay_status"_s).toString()));
        order.add(tr("Linked by"), Format::linkRule(o.value(u"rule"_s).toString()));
        order.add(tr("Linked"), timeText(o.value(u"linked_at"_s)));
        orderHtml = order.html();
    }

    return u"<h3>"_s + esc(tr("Transaction %1").arg(transactionId)) + u"</h3>"_s
        + u"<table cellspacing=\"0\" cellpadding=\"0\"><tr>"
          "<td valign=\"top\" style=\"padding-right:32px;\">"_s + fields.html()
        + u"</td><td valign=\"top\" style=\"padding-right:32px;\">"_s + card.html()
        + u"</td><td valign=\"top\">"_s + orderHtml
        + u"</td></tr></table>"_s;
}

} // namespace pb::ui
