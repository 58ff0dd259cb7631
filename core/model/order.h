#pragma once

#include "money/money.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace pb {

// A Magento sales order as PayBridge keeps it: identity, state, the money in the order's
// currency and the payment block. Times are UTC.
struct OrderRecord
{
    qint64 entityId = 0;      // Magento entity_id (path id)
    QString incrementId;      // customer-facing order number, the default link key
    QString state;            // new, pending_payment, processing, complete, closed, canceled, holded, payment_review
    QString status;           // store-configurable status code
    Currency currency;        // order_currency_code
    Money grandTotal;
    Money totalPaid;
    Money totalInvoiced;
    Money totalRefunded;
    Money totalDue;
    Currency baseCurrency;    // base_currency_code
    Money baseGrandTotal;
    QString paymentMethod;
    QString lastTransId;      // payment.last_trans_id, empty when absent
    QString cardLast4;        // payment.cc_last4, empty when absent
    QString cardType;         // payment.cc_type
    QString customerEmail;
    QString customerName;     // "first last"
    std::optional<qint64> customerId; // absent for guests
    bool customerIsGuest = false;
    QDateTime createdAt;
    QDateTime updatedAt;
};

} // namespace pb
