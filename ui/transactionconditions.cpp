#include "transactionconditions.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace pb::ui::TransactionConditions {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("pb::ui::TransactionConditions", text);
}

// The statuses under which a transaction moved (or will move) money.
constexpr auto kLive = "('approved', 'pending_settlement', 'settled')";

} // namespace

QList<Kind> kinds()
{
    return {
        {u"approved"_s, tr("Approved"), tr("Sales and authorizations the gateway approved, whatever happened since")},
        {u"declined"_s, tr("Declined"), tr("Transactions the gateway declined")},
        {u"captured"_s, tr("Captured"), tr("Sales and captures that were not declined or voided")},
        {u"refunded"_s, tr("Refunded"), tr("Refunds that were not declined or voided")},
        {u"voided"_s, tr("Voided"), tr("Transactions voided since")},
    };
}

QString kindSql(const QString &code, const QString &alias)
{
    const QString p = alias.isEmpty() ? QString() : alias + u'.';
    const QString live = QString::fromLatin1(kLive);
    if (code == u"approved")
        return u"%1type IN ('sale', 'authorization') AND %1status NOT IN ('declined', 'unknown')"_s.arg(p);
    if (code == u"declined")
        return u"%1status = 'declined'"_s.arg(p);
    if (code == u"captured")
        return u"%1type IN ('sale', 'capture') AND %1status IN %2"_s.arg(p, live);
    if (code == u"refunded")
        return u"%1type = 'refund' AND %1status IN %2"_s.arg(p, live);
    if (code == u"voided")
        return u"%1status = 'voided'"_s.arg(p);
    return {};
}

QString linkedSql(const QString &table)
{
    return u"EXISTS (SELECT 1 FROM order_transaction_links l WHERE l.transaction_id = %1.transaction_id)"_s.arg(table);
}

} // namespace pb::ui::TransactionConditions
