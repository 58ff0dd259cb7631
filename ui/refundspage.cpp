#include "refundspage.h"

#include "displayformat.h"
#include "queuemodel.h"
#include "recorddetails.h"
#include "refundsmodel.h"

#include <QLineEdit>
#include <QSqlQuery>
#include <QTableView>
#include <QTextBrowser>

using namespace Qt::StringLiterals;

namespace pb::ui {

RefundsPage::RefundsPage(QWidget *parent)
    : TablePage(new RefundsModel, parent)
{
    setObjectName(u"refundsPage"_s);
    setAccessibleName(tr("Refunds"));
    filterEdit()->setPlaceholderText(tr("Filter by order, transaction ID, origin, who asked, currency… (Ctrl+F)"));
    filterEdit()->setAccessibleDescription(
        tr("Shows refunds whose order number, PayTrace transaction, origin, requester or currency match"));
    tableView()->setAccessibleName(tr("Refunds table"));
    detailView()->setAccessibleName(tr("Refund details"));
    finishSetup();
}

RefundsModel *RefundsPage::refundsModel() const
{
    return static_cast<RefundsModel *>(model());
}

QString RefundsPage::detailHtml(const QVariant &key) const
{
    const int row = model()->rowForKey(key);
    const QString muted = palette().color(QPalette::PlaceholderText).name();
    if (row < 0)
        return {};
    const auto cell = [&](int column) { return model()->index(row, column).data().toString(); };
    const auto esc = [](const QString &t) { return t.toHtmlEscaped(); };

    // The three systems side by side, then the record the row comes from.
    // A void is listed with the refunds (it gives the money back too) but must not be called one.
    const bool isVoid = model()->index(row, RefundsModel::Origin).data(RefundsModel::IsVoidRole).toBool();
    QString html = u"<h3>"_s
        + esc((isVoid ? tr("%1 void of %2") : tr("%1 refund of %2")).arg(cell(RefundsModel::Origin), cell(RefundsModel::Amount)));
    const QString order = cell(RefundsModel::Order);
    if (!order.isEmpty())
        html += esc(tr(" on order ")) + u"<a href=\""_s + esc(RecordDetails::orderLink(order).toString(QUrl::FullyEncoded))
            + u"\">"_s + esc(order) + u"</a>"_s;
    html += u"</h3>"_s;
    // Why, before anything else: the reason the person gave when asking for it.
    const QString k = key.toString();
    const QString source = k.section(u':', 0, 0);
    const QString id = k.section(u':', 1);
    const QString why = RefundsModel::reason(model()->database(), k);
    html += u"<p><b>"_s + esc(tr("Reason:")) + u"</b> "_s
        + (why.isEmpty() ? u"<span style=\"color:"_s + muted + u";\">"_s
                               + esc(tr("none recorded (not asked for through PayBridge)")) + u"</span>"_s
                         : esc(why))
        + u"</p><table cellspacing=\"0\" cellpadding=\"2\">"_s;
    const auto add = [&](const QString &label, const QString &value) {
        html += u"<tr><td nowrap style=\"color:"_s + muted + u"; padding-right:12px;\">"_s + esc(label) + u"</td><td>"_s
            + esc(value) + u"</td></tr>"_s;
    };
    add(tr("PayTrace"), cell(RefundsModel::PayTraceState));
    add(tr("Magento"), cell(RefundsModel::MagentoState));
    add(tr("ERP"), cell(RefundsModel::ErpState));
    if (!cell(RefundsModel::RequestedBy).isEmpty())
        add(tr("Requested by"), cell(RefundsModel::RequestedBy));
    add(tr("When"), model()->index(row, RefundsModel::When).data(Qt::ToolTipRole).toString());
    html += u"</table><hr>"_s;

    if (source == u"intent")
        html += QueueModel::detailHtml(model()->database(), id.toLongLong(), muted, /*requestFields=*/false);
    else if (source == u"transaction")
        html += RecordDetails::transactionHtml(model()->database(), id, muted);
    else if (source == u"order")
        html += RecordDetails::orderHtml(model()->database(), id.toLongLong(), muted);
    return html;
}

int RefundsPage::identifierColumn() const
{
    return RefundsModel::Order;
}

QString RefundsPage::columnSample(int column) const
{
    switch (RefundsModel::Column(column)) {
    case RefundsModel::Order: return u"1000001234"_s;
    case RefundsModel::Amount: return u"12,345.00 USD"_s;
    case RefundsModel::Currency: return u"USD"_s;
    case RefundsModel::Origin: return RefundsModel::originText(u"magento");
    case RefundsModel::PayTraceState: return tr("Succeeded (transaction 1234567890)");
    case RefundsModel::MagentoState: return tr("Magento credit memo: Waiting to retry");
    case RefundsModel::ErpState: return IntentText::state(u"succeeded");
    case RefundsModel::RequestedBy: return u"finance.person"_s;
    case RefundsModel::When: return u"2024-12-31 23:59"_s;
    case RefundsModel::ColumnCount: break;
    }
    return {};
}

QList<int> RefundsPage::defaultHiddenColumns() const
{
    return {RefundsModel::Currency}; // the amount column shows the code
}

QString RefundsPage::emptyStoreText() const
{
    return tr("No refunds or voids yet — none in PayTrace, none in Magento, none from PayBridge.");
}

QString RefundsPage::noMatchText(const QString &filter) const
{
    return tr("No refunds match “%1”.\nPress Esc to clear the filter.").arg(filter);
}

QString RefundsPage::noSelectionText() const
{
    return tr("Select a refund to see it in PayTrace, Magento and the ERP.");
}

QString RefundsPage::countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const
{
    if (filtered)
        return tr("Showing %1 of %2 matching (%3 refunds in total)")
            .arg(Format::count(loaded), Format::count(matching), Format::count(total));
    if (total <= 0)
        return {};
    return tr("Showing %1 of %2 refunds").arg(Format::count(loaded), Format::count(total));
}

} // namespace pb::ui
