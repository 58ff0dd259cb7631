#pragma once

#include "sqlpagedmodel.h"

namespace pb::ui {

// Magento orders from the store's `orders` table, newest first by default.
class OrdersModel : public SqlPagedModel
{
    Q_OBJECT

public:
    enum Column {
        IncrementId,
        Created,
        Customer,
        Email,
        Status,
        Total,
        Paid,
        Refunded,
        Currency,
        Payment,
        Card,
        Transactions,
        ColumnCount
    };
    Q_ENUM(Column)

    // Empty until setDatabase() is given an open connection.
    explicit OrdersModel(QObject *parent = nullptr);
    OrdersModel(const QSqlDatabase &db, QObject *parent = nullptr);

    // The order number of a loaded row (what people type and what gateway invoices carry).
    QString incrementIdAt(int row) const;

    FilterFields filterFields() const override;

protected:
    QString fromClause() const override;
    QString keyColumn() const override;
    QStringList selectColumns() const override;
    QString sortExpression(int column) const override;
    bool sortIsText(int column) const override;
    Clause filterClause(const QString &text) const override;
    QVariant cellData(const Row &row, int column, int role) const override;
    QVariant columnHeader(int section, int role) const override;
    QString exportText(const Row &row, int column) const override;
};

} // namespace pb::ui
