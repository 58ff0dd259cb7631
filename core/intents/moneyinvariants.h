#pragma once

#include "money/money.h"
#include "util/result.h"

#include <QString>

namespace pb::intents {

enum class MoneyOperation { Capture, Refund, Void, Sale };
QString operationName(MoneyOperation op); // "capture", "refund", "void", "sale"

// What is known about an order's payment at the gateway. Amounts are in the currency the card
// was charged in (the order's base currency when it has one, docs/magento.md §8);
// a default-constructed (invalid) Money counts as zero.
struct PaymentFacts
{
    Currency currency;          // the charged currency
    Money authorized;
    Money captured;
    Money refunded;
    Money voided;               // captured amounts taken back by a void
    bool authorizationVoided = false; // a void already exists for the authorization
    bool settled = false;       // the transaction a void would target is settled
    // For a sale (a charge of a card on file): what the order still owes (charged grand total
    // less what Magento shows paid); invalid when unknown (then not bounded). A canceled or
    // closed order takes no sale; a sale already on its way (planned, sending, waiting or in
    // doubt) blocks another one.
    Money saleable;
    bool orderClosed = false;
    bool salePending = false;
};

struct ProposedOperation
{
    MoneyOperation op = MoneyOperation::Capture;
    Money amount;
};

// The money rules, checked before a money intent is planned and again before it is sent:
//   amount > 0, in the charged currency;
//   captured + capture ≤ authorized (and nothing is captured from a voided authorization);
//   refunded + voided + refund ≤ captured;
//   one void per authorization, only of an unsettled transaction, never more than is open;
//   no new sale on an order that already holds a live authorization or sale, is canceled or
//   closed, or has another sale on its way; a sale at most what the order still owes.
// Errors ("invariant.*") name the amounts, e.g. "refund of USD 30.00 exceeds the refundable
// USD 25.00 (captured 100.00, refunded 75.00)".
class MoneyInvariants
{
public:
    static Status check(const PaymentFacts &facts, const ProposedOperation &proposed);
};

} // namespace pb::intents
