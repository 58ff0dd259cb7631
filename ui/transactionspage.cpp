#include "transactionspage.h"

#include "displayformat.h"
#include "recorddetails.h"
#include "transactionsmodel.h"

#include "mapping/mappingprofile.h"
#include "mapping/mappingstore.h"
#include "sync/linker.h"

#include <QLineEdit>
#include <QTableView>
#include <QSqlQuery>
#include <QTextBrowser>

using namespace Qt::StringLiterals;

namespace pb::ui {

TransactionsPage::TransactionsPage(QWidget *parent)
    : TablePage(new TransactionsModel, parent)
{
    setObjectName(u"transactionsPage"_s);
    setAccessibleName(tr("Transactions"));
    filterEdit()->setPlaceholderText(tr("Filter by transaction ID, invoice, batch, approval, last four, status… (Ctrl+F)"));
    filterEdit()->setAccessibleDescription(
        tr("Shows transactions whose ID, invoice, batch, approval code, card or status match"));
    tableView()->setAccessibleName(tr("Transactions table"));
    detailView()->setAccessibleName(tr("Transaction details"));
    finishSetup();

    // Capture, void and refund act on the order the selected transaction is linked to.
    addOperationActions([this]() -> std::optional<qint64> {
        const QVariant key = selectedKey();
        if (!key.isValid())
            return std::nullopt;
        QSqlQuery q(model()->database());
        q.prepare(u"SELECT order_entity_id FROM order_transaction_links WHERE transaction_id = ?"_s);
        q.addBindValue(key.toString());
        if (!q.exec() || !q.next())
            return std::nullopt;
        return q.value(0).toLongLong();
    });
}

TransactionsModel *TransactionsPage::transactionsModel() const
{
    return static_cast<TransactionsModel *>(model());
}

QString TransactionsPage::detailHtml(const QVariant &key) const
{
    QString html = RecordDetails::transactionHtml(model()->database(), key.toString(),
                                                  palette().color(QPalette::PlaceholderText).name());
    // Why the sync left it unlinked, under the mapping version the sync links with (reads only).
    QSqlDatabase db = model()->database();
    const auto active = mapping::MappingStore(db).active();
    if (!active)
        return html;
    const auto why = sync::Linker(db).whyUnlinked(active.value(), key.toString());
    if (why && !why->isEmpty())
        html += u"<p><b>"_s + tr("Why it is not linked").toHtmlEscaped() + u"</b><br>"_s + why->toHtmlEscaped() + u"</p>"_s;
    return html;
}

int TransactionsPage::identifierColumn() const
{
    return TransactionsModel::TransactionId;
}

QString TransactionsPage::columnSample(int column) const
{
    switch (TransactionsModel::Column(column)) {
    case TransactionsModel::TransactionId: return u"1234567890"_s;
    case TransactionsModel::Created: return u"2024-12-31 23:59"_s;
    case TransactionsModel::Type: return Format::transactionType(u"authorization");
    case TransactionsModel::Status: return Format::transactionStatus(u"pending_settlement");
    case TransactionsModel::Amount: return u"12,345.00 USD"_s;
    case TransactionsModel::Currency: return u"USD"_s;
    case TransactionsModel::Batch: return u"12345"_s;
    case TransactionsModel::Invoice: return u"1000001234"_s;
    case TransactionsModel::Card: return u"MasterCard •••• 4444"_s; // the longest brand: the last four stay visible
    case TransactionsModel::Approval: return u"TAS123"_s;
    case TransactionsModel::Avs: return u"Full Exact Match"_s;
    case TransactionsModel::Csc: return u"Match"_s;
    case TransactionsModel::ColumnCount: break;
    }
    return {};
}

QList<int> TransactionsPage::defaultHiddenColumns() const
{
    return {TransactionsModel::Currency}; // the amount column shows the code
}

QString TransactionsPage::emptyStoreText() const
{
    return tr("No transactions yet — run a sync (Ctrl+R)");
}

QString TransactionsPage::noMatchText(const QString &filter) const
{
    return tr("No transactions match “%1”.\nPress Esc to clear the filter.").arg(filter);
}

QString TransactionsPage::noSelectionText() const
{
    return tr("Select a transaction to see its details and its order.");
}

QString TransactionsPage::countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const
{
    const QString all = Format::count(total);
    if (filtered)
        return tr("Showing %1 of %2 matching (%3 transactions in total)")
            .arg(Format::count(loaded), Format::count(matching), all);
    if (total == 0)
        return {}; // the empty state says it
    return tr("Showing %1 of %2 transactions").arg(Format::count(loaded), all);
}

} // namespace pb::ui
