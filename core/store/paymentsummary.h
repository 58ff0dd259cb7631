#pragma once

#include "money/money.h"

#include <QString>

namespace pb::store {

// What the gateway says about an order's money, derived in SQL from its linked transactions
// (LinkRepository). All amounts are in the currency the card was charged in: the order's base
// currency when it has one, else its currency; transactions in another currency are counted in
// transactionCount but not summed.
struct PaymentSummary
{
    Money authorized; // sales and authorizations that were approved (including later voided ones)
    Money captured;   // sales, captured authorizations and capture records, not voided
    Money refunded;   // approved refunds
    Money voided;     // voided sales/authorizations and void records
    int transactionCount = 0;
    // unpaid, authorized, captured, settled, partially_refunded, refunded, voided, declined
    QString status;
};

} // namespace pb::store
