#pragma once

#include "sqlpagedmodel.h"

namespace pb::ui {

// Every refund (and void) the three systems know of, one row each, with its state in PayTrace,
// Magento and the ERP:
//  - PayBridge: paytrace.refund / paytrace.void intents; Magento and ERP state from the later
//    steps of the same chain (natural keys "<key>/magento" and "<key>/erp");
//  - PayTrace: refund and void transactions made in the gateway (no intent produced them),
//    with Magento's refunded total and any credit memo intent of the linked order;
//  - Magento: orders with a refunded total but neither a PayBridge refund nor a gateway refund
//    (a credit memo made in Magento's back office that never reached PayTrace).
// The three sources are one UNION ALL in SQL, so paging, sorting and filtering stay in SQL.
class RefundsModel : public SqlPagedModel
{
    Q_OBJECT

public:
    enum Column {
        Order,
        Amount,
        Currency,
        Origin,
        PayTraceState,
        MagentoState,
        ErpState,
        RequestedBy,
        When,
        ColumnCount
    };
    Q_ENUM(Column)

    // The row key is "<source>:<id>": "intent:17", "transaction:1000123", "order:42".
    enum Role {
        OriginRole = SqlPagedModel::KeyRole + 20, // "paybridge", "paytrace", "magento"
        IsVoidRole,                                // true for a void (it cancels, it does not refund)
    };

    explicit RefundsModel(QObject *parent = nullptr);
    RefundsModel(const QSqlDatabase &db, QObject *parent = nullptr);

    static QString originText(QStringView origin);
    // The reason given for the refund behind a row key ("intent:<id>", "transaction:<id>": the
    // PayBridge refund that produced it); empty when none was recorded (made in PayTrace or
    // Magento directly).
    static QString reason(const QSqlDatabase &db, const QString &key);

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
