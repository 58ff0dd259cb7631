#pragma once

#include "sqlpagedmodel.h"

namespace pb::ui {

// PayTrace transactions from the store's `gateway_transactions` table, newest first by default.
class TransactionsModel : public SqlPagedModel
{
    Q_OBJECT

public:
    enum Column {
        TransactionId,
        Created,
        Type,
        Status,
        Amount,
        Currency,
        Batch,
        Invoice,
        Card,
        Approval,
        Avs,
        Csc,
        ColumnCount
    };
    Q_ENUM(Column)

    // Empty until setDatabase() is given an open connection.
    explicit TransactionsModel(QObject *parent = nullptr);
    TransactionsModel(const QSqlDatabase &db, QObject *parent = nullptr);

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
