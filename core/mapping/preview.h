#pragma once

#include "mapping/mappingprofile.h"
#include "model/order.h"
#include "model/transaction.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

namespace pb::mapping {

// One operation PayBridge would perform against PayTrace or Magento.
struct PreviewAction
{
    enum class Kind { Capture, MagentoInvoice, Refund, Void };
    Kind kind = Kind::Capture;
    QString transactionId; // the PayTrace transaction acted on (empty for MagentoInvoice)
    Money amount;
    QString detail;        // e.g. "capture:false"

    static QString kindName(Kind k); // capture, magento_invoice, refund, void
};

// What PayBridge would do for one order under a profile, as plain data for the mapping
// editor's live preview. Nothing here talks to a server.
struct PreviewResult
{
    QString gatewayState;  // status-map key for the order's payments, empty when there are none
    QDateTime eventAt;     // when the fact behind gatewayState happened (UTC); invalid when unknown
    QString currentStatus;
    QString targetStatus;  // the status the profile maps to; empty when it leaves it alone
    bool statusChanges = false; // the target differs and Magento would take it (same state)
    QString comment;       // the order comment it would add; empty for none
    QList<PreviewAction> actions;
    QList<EntryPlan> entries;
    QStringList notes;     // why something was not planned
};

PreviewResult preview(const MappingProfile &profile, const OrderRecord &order,
                      const QList<GatewayTransaction> &transactions);

// The status-map event one transaction stands for when PayBridge first sees it approved: a sale
// is "approved", an open authorization "authorized", an authorization captured in place
// "pending_settlement", anything settled "settled"; empty for refunds, voids and declines.
QString paymentEventKey(const GatewayTransaction &tx);

} // namespace pb::mapping
