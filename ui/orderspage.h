#pragma once

#include "tablepage.h"

#include <QString>

namespace pb::ui {

class OrdersModel;

// Orders with their payment trail: the table of orders and, for the selected one, its fields
// and the gateway transactions linked to it.
class OrdersPage : public TablePage
{
    Q_OBJECT

public:
    // Empty until setDatabase() is given an open read-only connection.
    explicit OrdersPage(QWidget *parent = nullptr);

    OrdersModel *ordersModel() const;


protected:
    QString detailHtml(const QVariant &key) const override;
    int identifierColumn() const override;
    QString columnSample(int column) const override;
    QList<int> defaultHiddenColumns() const override;
    QString emptyStoreText() const override;
    QString noMatchText(const QString &filter) const override;
    QString noSelectionText() const override;
    QString countText(qint64 loaded, qint64 matching, qint64 total, bool filtered) const override;
};

} // namespace pb::ui
