#include "orderspage.h"

#include "displayformat.h"
#include "ordersmodel.h"
#include "recorddetails.h"

#include <QLineEdit>
#include <QTableView>
#include <QTextBrowser>

using namespace Qt::StringLiterals;

namespace pb::ui {

OrdersPage::OrdersPage(QWidget *parent)
    : TablePage(new OrdersModel, parent)
{
    setObjectName(u"ordersPage"_s);
    setAccessibleName(tr("Orders"));
    filterEdit()->setPlaceholderText(tr("Filter by order #, customer, email, last four, status… (Ctrl+F)"));
    filterEdit()->setAccessibleDescription(tr("Shows orders whose number, customer, email, card last four or status match"));
    tableView()->setAccessibleName(tr("Orders table"));
    detailView()->setAccessibleName(tr("Order details"));
    finishSetup();

    // Capture, void and refund for the selected order, below its payment trail.
    addOperationActions([this]() -> std::optional<qint64> {
        const QVariant key = selectedKey();
        return key.isValid() ? std::optional<qint64>(key.toLongLong()) : std::nullopt;
    });
}

OrdersModel *OrdersPage::ordersModel() const
{
    return static_cast<OrdersModel *>(model());
}

QString OrdersPage::detailHtml(const QVariant &key) const
{
    return RecordDetails::orderHtml(model()->database(), key.toLongLong(),
                                    palette().color(QPalette::PlaceholderText).name());
}

int OrdersPage::identifierColumn() const
{
    return OrdersModel::IncrementId;
}

QString OrdersPage::columnSample(int column) const
{
    switch (OrdersModel::Column(column)) {
    case OrdersModel::IncrementId: return u"1000001234"_s;
    case OrdersModel::Created: return u"2024-12-31 23:59"_s;
    case OrdersModel::Customer: return u"Hiroshi Tanaka"_s;
    case OrdersModel::Email: return u"olivia.nguyen@exam"_s;
    case OrdersModel::Status: return Format::orderStatus(u"pending_payment");
    case OrdersModel::Total: return u"12,345.00 EUR / 13,456.78 USD"_s; // display currency, then charged
    case OrdersModel::Paid:
    case OrdersModel::Refunded: return u"12,345.00"_s;
    case OrdersModel::Currency: return u"USD"_s;
    case OrdersModel::Payment: return Format::paymentStatus(u"partially_refunded");
    case OrdersModel::Card: return u"Amex •••• 4444"_s;
    case OrdersModel::Transactions: return u"99"_s;
    case OrdersModel::ColumnCount: break;
    }
    return {};
}

QList<int> OrdersPage::defaultHiddenColumns() const
{
    return {OrdersModel::Currency}; // the amount column shows the code
}

QString OrdersPage::emptyStoreText() const
{
    return tr("No orders yet — run a sync (Ctrl+R)");
}

QString OrdersPage::noMatchText(const QString &filter) const
{
    return tr("No orders match “%1”.\nPress Esc to clear the filter.").arg(filter);
}

QString OrdersPage::noSelectionText() const
{
    return tr("Select an order to see its payment trail.");
}

QString OrdersPage::countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const
{
    const QString all = Format::count(total);
    if (filtered)
        return tr("Showing %1 of %2 matching (%3 orders in total)")
            .arg(Format::count(loaded), Format::count(matching), all);
    if (total == 0)
        return {}; // the empty state says it
    return tr("Showing %1 of %2 orders").arg(Format::count(loaded), all);
}

} // namespace pb::ui
