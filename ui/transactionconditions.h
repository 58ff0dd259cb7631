#pragma once

#include <QList>
#include <QString>

// The SQL conditions over `gateway_transactions` that the dashboard counts by and the
// Transactions page filters by. Both read the same text, so a dashboard figure and the rows its
// link opens cannot drift apart.
namespace pb::ui::TransactionConditions {

// What the dashboard counts a transaction as, in the dashboard's column order.
struct Kind
{
    QString code;  // "approved", "declined", "captured", "refunded", "voided"
    QString label; // the dashboard's column heading, translated
    QString tip;   // what it counts, translated
};
QList<Kind> kinds();

// The boolean SQL for kind `code`, its columns qualified by `alias` ("t" gives "t.type"; empty
// leaves them bare); empty for an unknown code.
QString kindSql(const QString &code, const QString &alias = {});

// True when the transaction is linked to a Magento order; `table` names gateway_transactions
// (its table name or alias) in the surrounding query.
QString linkedSql(const QString &table);

} // namespace pb::ui::TransactionConditions
