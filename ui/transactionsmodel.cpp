#include "transactionsmodel.h"

#include "displayformat.h"
#include "transactionconditions.h"


#include <QDateTime>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

// Positions in selectColumns().
enum Field {
    FId,
    FCreated,
    FType,
    FStatus,
    FAmount,
    FCurrency,
    FBatch,
    FInvoice,
    FCardType,
    FCardLast4,
    FApproval,
    FAvs,
    FCsc,
    FStatusCode,
    FStatusMessage,
    FApprovalMessage,
    FCreatedText,
    FieldCount
};

} // namespace

TransactionsModel::TransactionsModel(QObject *parent)
    : SqlPagedModel(ColumnCount, Created, Qt::DescendingOrder, parent)
{
}

TransactionsModel::TransactionsModel(const QSqlDatabase &db, QObject *parent)
    : TransactionsModel(parent)
{
    setDatabase(db);
}

SqlPagedModel::FilterFields TransactionsModel::filterFields() const
{
    FilterFields fields;
    fields.dateSql = u"created_at"_s;
    fields.statusSql = u"status"_s;
    fields.amountSql = u"amount"_s;
    fields.currencySql = u"currency"_s;
    for (const QString &code : {u"authorized"_s, u"approved"_s, u"pending_settlement"_s, u"settled"_s,
                                u"voided"_s, u"declined"_s, u"unknown"_s})
        fields.statuses.append({code, Format::transactionStatus(code)});
    // The dashboard's figures, by the very conditions it counts with.
    for (const auto &kind : TransactionConditions::kinds())
        fields.kinds.append({kind.code, kind.label, kind.tip, TransactionConditions::kindSql(kind.code)});
    fields.linkedSql = TransactionConditions::linkedSql(u"gateway_transactions"_s);
    fields.currencyColumn = Currency;
    fields.amountColumns = {Amount};
    return fields;
}

QString TransactionsModel::exportText(const Row &row, int column) const
{
    switch (Column(column)) {
    case Amount: return plainAmount(row.at(FAmount).toLongLong(), row.at(FCurrency).toString());
    case Created:
        return QDateTime::fromMSecsSinceEpoch(row.at(FCreated).toLongLong(), Qt::UTC).toString(Qt::ISODate);
    case Type:
    case Status:
        return row.at(column == Type ? FType : FStatus).toString(); // codes, stable across languages
    default:
        return SqlPagedModel::exportText(row, column);
    }
}

QString TransactionsModel::fromClause() const
{
    return u"gateway_transactions"_s;
}

QString TransactionsModel::keyColumn() const
{
    return u"transaction_id"_s;
}

QStringList TransactionsModel::selectColumns() const
{
    static const QStringList columns = {
        u"transaction_id"_s, u"created_at"_s,     u"type"_s,           u"status"_s,
        u"amount"_s,         u"currency"_s,       u"batch"_s,          u"invoice_id"_s,
        u"card_type"_s,      u"card_last4"_s,     u"approval_code"_s,  u"avs_response"_s,
        u"csc_response"_s,   u"status_code"_s,    u"status_message"_s, u"approval_message"_s,
        u"created_at_text"_s,
    };
    Q_ASSERT(columns.size() == FieldCount);
    return columns;
}

QString TransactionsModel::sortExpression(int column) const
{
    switch (Column(column)) {
    case TransactionId: return u"transaction_id"_s;
    case Created: return u"created_at"_s;
    case Type: return u"type"_s;
    case Status: return u"status"_s;
    case Amount: return u"amount"_s;
    case Currency: return u"currency"_s;
    case Batch: return u"batch"_s;
    case Invoice: return u"invoice_id"_s;
    case Card: return u"(card_type || ' ' || card_last4)"_s;
    case Approval: return u"approval_code"_s;
    case Avs: return u"avs_response"_s;
    case Csc: return u"csc_response"_s;
    case ColumnCount: break;
    }
    return u"created_at"_s;
}

bool TransactionsModel::sortIsText(int column) const
{
    return column != Created && column != Amount;
}

SqlPagedModel::Clause TransactionsModel::filterClause(const QString &text) const
{
    // Identifiers (transaction id, invoice, batch, approval, last four) match exactly or by
    // prefix; free text (card type, description, status) anywhere.
    const QString contains = Format::likePattern(text, Format::Like::Contains);
    const QString prefix = Format::likePattern(text, Format::Like::Prefix);
    return {
        u"transaction_id = ? OR transaction_id LIKE ? ESCAPE '\\'"
        " OR invoice_id = ? OR invoice_id LIKE ? ESCAPE '\\'"
        " OR batch = ? OR approval_code = ? OR card_last4 = ?"
        " OR card_type LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\'"
        " OR type LIKE ? ESCAPE '\\'"
        " OR status LIKE ? ESCAPE '\\' OR replace(status, '_', ' ') LIKE ? ESCAPE '\\'"_s,
        {text, prefix, text, prefix, text, text, text, contains, contains, prefix, prefix, prefix},
    };
}

QVariant TransactionsModel::cellData(const Row &row, int column, int role) const
{
    const auto text = [role](const QVariant &display, const QVariant &raw) { return textCell(role, display, raw); };
    const auto plain = [&](Field f) { return text(row.at(f), row.at(f)); };

    switch (Column(column)) {
    case TransactionId: return plain(FId);
    case Created: {
        const qint64 ms = row.at(FCreated).toLongLong();
        switch (role) {
        case Qt::DisplayRole: return Format::dateTime(ms);
        case Qt::ToolTipRole:
            return tr("%1\nPayTrace (Pacific): %2").arg(Format::dateTimeLong(ms), row.at(FCreatedText).toString());
        case SortRole: return ms;
        default: return {};
        }
    }
    case Type: {
        const QString name = row.at(FType).toString();
        return text(Format::transactionType(name), name);
    }
    case Status: {
        const QString name = row.at(FStatus).toString();
        if (role == Qt::ToolTipRole) {
            const QString message = row.at(FStatusMessage).toString();
            const QString code = row.at(FStatusCode).toString();
            return message.isEmpty() ? code : tr("%1 (%2)").arg(message, code);
        }
        return text(Format::transactionStatus(name), name);
    }
    // With the code, so the Currency column can stay hidden by default.
    case Amount: return moneyCell(role, row.at(FAmount).toLongLong(), row.at(FCurrency).toString());
    case Currency: return plain(FCurrency);
    case Batch: return plain(FBatch);
    case Invoice: return plain(FInvoice);
    case Card: {
        const QString type = row.at(FCardType).toString();
        const QString last4 = row.at(FCardLast4).toString();
        return text(Format::card(type, last4), QVariant(type + u' ' + last4));
    }
    case Approval:
        if (role == Qt::ToolTipRole)
            return row.at(FApprovalMessage);
        return plain(FApproval);
    case Avs: return plain(FAvs);
    case Csc: return plain(FCsc);
    case ColumnCount: break;
    }
    return {};
}

QVariant TransactionsModel::columnHeader(int section, int role) const
{
    if (role == Qt::DisplayRole) {
        switch (Column(section)) {
        case TransactionId: return tr("Transaction ID");
        case Created: return tr("Created");
        case Type: return tr("Type");
        case Status: return tr("Status");
        case Amount: return tr("Amount");
        case Currency: return tr("Currency");
        case Batch: return tr("Batch");
        case Invoice: return tr("Invoice");
        case Card: return tr("Card");
        case Approval: return tr("Approval");
        case Avs: return tr("AVS");
        case Csc: return tr("CSC");
        case ColumnCount: break;
        }
    } else if (role == Qt::ToolTipRole) {
        switch (Column(section)) {
        case Created: return tr("When the gateway recorded the transaction (local time)");
        case Invoice: return tr("Invoice number sent to the gateway; normally the order number");
        case Avs: return tr("Address verification result");
        case Csc: return tr("Card security code check result");
        default: break;
        }
    } else if (role == Qt::TextAlignmentRole) {
        return QVariant(int((section == Amount ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter));
    }
    return {};
}

} // namespace pb::ui
