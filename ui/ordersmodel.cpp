#include "ordersmodel.h"

#include "displayformat.h"
#include "money/exactamount.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// Positions in selectColumns().
enum Field {
    FIncrementId,
    FCreated,
    FCustomerName,
    FEmail,
    FStatus,
    FTotal,
    FPaid,
    FRefunded,
    FCurrency,
    FPayStatus,
    FCardType,
    FCardLast4,
    FTxnCount,
    FGuest,
    FExact,
    FBaseCurrency,
    FBaseTotal,
    FieldCount
};

// The exact Magento text of a stored amount that was finer than its currency (docs/magento.md
// §7), from the exact_amounts column; empty when there is none or it no longer applies.
QString exactAmount(const QVariant &exactJson, const char *field, qint64 minor, const QString &currency)
{
    const QString json = exactJson.toString();
    const auto cur = pb::Currency::fromCode(currency);
    if (json.isEmpty() || !cur)
        return QString();
    const QString text = QJsonDocument::fromJson(json.toUtf8()).object().value(QLatin1StringView(field)).toString();
    return exactTextMatching(text, Money::fromMinor(minor, *cur));
}

const char *exactField(Field f)
{
    switch (f) {
    case FTotal: return "grand_total";
    case FPaid: return "total_paid";
    case FRefunded: return "total_refunded";
    default: return "";
    }
}

} // namespace

OrdersModel::OrdersModel(QObject *parent)
    : SqlPagedModel(ColumnCount, Created, Qt::DescendingOrder, parent)
{
}

OrdersModel::OrdersModel(const QSqlDatabase &db, QObject *parent)
    : OrdersModel(parent)
{
    setDatabase(db);
}

QString OrdersModel::incrementIdAt(int row) const
{
    return data(index(row, IncrementId), SortRole).toString();
}

SqlPagedModel::FilterFields OrdersModel::filterFields() const
{
    FilterFields fields;
    fields.dateSql = u"created_at"_s;
    fields.statusSql = u"status"_s;
    fields.amountSql = u"grand_total"_s;
    fields.currencySql = u"currency"_s;
    for (const QString &code : {u"pending"_s, u"pending_payment"_s, u"processing"_s, u"complete"_s, u"closed"_s,
                                u"canceled"_s, u"holded"_s, u"payment_review"_s, u"fraud"_s})
        fields.statuses.append({code, Format::orderStatus(code)});
    fields.currencyColumn = Currency;
    fields.amountColumns = {Total, Paid, Refunded};
    return fields;
}

QString OrdersModel::exportText(const Row &row, int column) const
{
    const auto money = [&](Field f) {
        const QString exact = exactAmount(row.at(FExact), exactField(f), row.at(f).toLongLong(), row.at(FCurrency).toString());
        return exact.isEmpty() ? plainAmount(row.at(f).toLongLong(), row.at(FCurrency).toString()) : exact;
    };
    switch (Column(column)) {
    case Total: return money(FTotal);
    case Paid: return money(FPaid);
    case Refunded: return money(FRefunded);
    case Created:
        return QDateTime::fromMSecsSinceEpoch(row.at(FCreated).toLongLong(), Qt::UTC).toString(Qt::ISODate);
    case Status: return row.at(FStatus).toString();
    case Payment: return row.at(FPayStatus).toString();
    default: return SqlPagedModel::exportText(row, column);
    }
}

QString OrdersModel::fromClause() const
{
    return u"orders"_s;
}

QString OrdersModel::keyColumn() const
{
    return u"entity_id"_s;
}

QStringList OrdersModel::selectColumns() const
{
    static const QStringList columns = {
        u"increment_id"_s, u"created_at"_s,     u"customer_name"_s,  u"customer_email"_s,
        u"status"_s,       u"grand_total"_s,    u"total_paid"_s,     u"total_refunded"_s,
        u"currency"_s,     u"pay_status"_s,     u"card_type"_s,      u"card_last4"_s,
        u"pay_txn_count"_s, u"customer_is_guest"_s, u"exact_amounts"_s,
        u"base_currency"_s, u"base_grand_total"_s,
    };
    Q_ASSERT(columns.size() == FieldCount);
    return columns;
}

QString OrdersModel::sortExpression(int column) const
{
    switch (Column(column)) {
    case IncrementId: return u"increment_id"_s;
    case Created: return u"created_at"_s;
    case Customer: return u"customer_name"_s;
    case Email: return u"customer_email"_s;
    case Status: return u"status"_s;
    case Total: return u"grand_total"_s;
    case Paid: return u"total_paid"_s;
    case Refunded: return u"total_refunded"_s;
    case Currency: return u"currency"_s;
    case Payment: return u"pay_status"_s;
    case Card: return u"(card_type || ' ' || card_last4)"_s;
    case Transactions: return u"pay_txn_count"_s;
    case ColumnCount: break;
    }
    return u"created_at"_s;
}

bool OrdersModel::sortIsText(int column) const
{
    switch (Column(column)) {
    case Created:
    case Total:
    case Paid:
    case Refunded:
    case Transactions:
        return false;
    default:
        return true;
    }
}

SqlPagedModel::Clause OrdersModel::filterClause(const QString &text) const
{
    // Order numbers and transaction ids match exactly or by prefix (index-friendly, and a
    // substring of a number is rarely what someone means); names and e-mails anywhere.
    const QString contains = Format::likePattern(text, Format::Like::Contains);
    const QString prefix = Format::likePattern(text, Format::Like::Prefix);
    return {
        u"increment_id = ? OR increment_id LIKE ? ESCAPE '\\'"
        " OR customer_name LIKE ? ESCAPE '\\' OR customer_email LIKE ? ESCAPE '\\'"
        " OR last_trans_id = ? OR card_last4 = ?"
        " OR status LIKE ? ESCAPE '\\' OR replace(status, '_', ' ') LIKE ? ESCAPE '\\'"
        " OR pay_status LIKE ? ESCAPE '\\' OR replace(pay_status, '_', ' ') LIKE ? ESCAPE '\\'"_s,
        {text, prefix, contains, contains, text, text, prefix, prefix, prefix, prefix},
    };
}

QVariant OrdersModel::cellData(const Row &row, int column, int role) const
{
    const QString currency = row.at(FCurrency).toString();
    // The total carries the currency code so the Currency column can stay hidden by default;
    // paid and refunded are in the same currency on the same row.
    const auto money = [&](Field f, bool withCode) -> QVariant {
        // Magento kept this amount finer than the currency: show it exactly, flagged; sorting
        // and filtering stay on the rounded amount PayBridge moves.
        const qint64 minor = row.at(f).toLongLong();
        const QString exact = exactAmount(row.at(FExact), exactField(f), minor, currency);
        if (exact.isEmpty() || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
            return moneyCell(role, minor, currency, withCode);
        const QString shown = Format::localizeDecimal(exact, QLocale());
        if (role == Qt::ToolTipRole)
            return tr("Magento keeps %1 %2, finer than %2 allows; PayBridge moves %3 %2 (rounded half-even).")
                .arg(shown, currency, Format::money(minor, currency));
        return tr("%1 *", "an amount finer than its currency, flagged").arg(withCode ? shown + u' ' + currency : shown);
    };
    const auto text = [role](const QVariant &display, const QVariant &raw) { return textCell(role, display, raw); };

    switch (Column(column)) {
    case IncrementId:
        return text(row.at(FIncrementId), row.at(FIncrementId));
    case Created: return timeCell(role, row.at(FCreated));
    case Customer: {
        const QString name = row.at(FCustomerName).toString();
        const bool guest = row.at(FGuest).toInt() != 0;
        if (role == Qt::ToolTipRole && guest)
            return tr("Guest checkout");
        return text(name.isEmpty() && guest ? tr("Guest") : name, name);
    }
    case Email:
        return text(row.at(FEmail), row.at(FEmail));
    case Status: {
        const QString code = row.at(FStatus).toString();
        if (role == Qt::ToolTipRole)
            return tr("Magento status: %1").arg(code);
        return text(Format::orderStatus(code), code);
    }
    case Total: {
        // Magento charges the card the base grand total in the base currency (docs/magento.md
        // §8): where that differs from what the customer saw, the row shows both.
        const QVariant shown = money(FTotal, true);
        const QString base = row.at(FBaseCurrency).toString();
        if (base.isEmpty() || base == currency || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
            return shown;
        const QString charged = Format::money(row.at(FBaseTotal).toLongLong(), base) + u' ' + base;
        if (role == Qt::ToolTipRole)
            return tr("The customer saw %1 %2; the card was charged %3 in the store's base currency.")
                .arg(Format::money(row.at(FTotal).toLongLong(), currency), currency, charged);
        // Short in the cell (the tooltip says what the second amount is), so the column fits.
        return tr("%1 / %2", "order total, then the base amount charged").arg(shown.toString(), charged);
    }
    case Paid: return money(FPaid, false);
    case Refunded: return money(FRefunded, false);
    case Currency:
        return text(row.at(FCurrency), row.at(FCurrency));
    case Payment: {
        const QString code = row.at(FPayStatus).toString();
        return text(Format::paymentStatus(code), code);
    }
    case Card: {
        const QString type = row.at(FCardType).toString();
        const QString last4 = row.at(FCardLast4).toString();
        return text(Format::card(type, last4), QVariant(type + u' ' + last4));
    }
    case Transactions: {
        const qint64 n = row.at(FTxnCount).toLongLong();
        switch (role) {
        case Qt::DisplayRole: return Format::count(n);
        case SortRole: return n;
        case Qt::TextAlignmentRole: return QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
        default: return {};
        }
    }
    case ColumnCount: break;
    }
    return {};
}

QVariant OrdersModel::columnHeader(int section, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case IncrementId: return tr("Order #");
        case Created: return tr("Created");
        case Customer: return tr("Customer");
        case Email: return tr("Email");
        case Status: return tr("Status");
        case Total: return tr("Total");
        case Paid: return tr("Paid");
        case Refunded: return tr("Refunded");
        case Currency: return tr("Currency");
        case Payment: return tr("Payment");
        case Card: return tr("Card");
        case Transactions: return tr("Txns");
        case ColumnCount: break;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
        case Created: return tr("When the order was placed (local time)");
        case Payment: return tr("Payment state derived from the linked gateway transactions");
        case Transactions: return tr("Number of gateway transactions linked to the order");
        case Total: return tr("Grand total in the order's currency, and the amount charged where the base currency differs");
        default: break;
        }
    } else if (role == Qt::TextAlignmentRole) {
        switch (Column(section)) {
        case Total:
        case Paid:
        case Refunded:
        case Transactions:
            return QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
        default:
            return QVariant(int(Qt::AlignLeft | Qt::AlignVCenter));
        }
    }
    return {};
}

} // namespace pb::ui
