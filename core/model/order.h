#pragma once

#include "money/money.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace pb {

// A Magento sales order as PayBridge keeps it: identity, state, the money in the order's
// currency and the payment block. Times are UTC.
//
// Magento keeps amounts with 4 decimals (docs/magento.md §7). The Money fields hold them rounded
// half-even to the currency's minor unit, so everything that moves money works in whole minor
// units; exactAmounts keeps the exact text of every amount that was finer, for display and
// comparison, and flags the order.
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
    Money baseTotalPaid;      // base_* amounts, in baseCurrency (multi-currency matching)
    Money baseTotalInvoiced;
    Money baseTotalRefunded;
    Money baseTotalDue;
    QString baseToOrderRate;  // base_to_order_rate as exact decimal text, empty when absent
    // Magento field name ("grand_total", "base_total_paid") → exact decimal text ("8.2645"), only
    // for amounts finer than their currency's minor unit. Non-empty means the order is flagged.
    QMap<QString, QString> exactAmounts;
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
