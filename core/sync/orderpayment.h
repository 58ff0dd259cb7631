#pragma once

#include "intents/intent.h"
#include "intents/moneyinvariants.h"
#include "model/order.h"
#include "model/transaction.h"
#include "util/result.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace pb::sync {

// An order's payment as PayBridge knows it right now: the order row, its linked PayTrace
// transactions, and the money intents already on their way (planned, sending, waiting, in
// doubt, or done but not yet seen in a PayTrace export). The invariants are checked against
// the sum of both, so two refunds asked for before the next sync cannot together exceed what
// was captured.
struct OrderPayment
{
    OrderRecord order;
    QList<GatewayTransaction> transactions; // linked, oldest first
    QList<intents::Intent> intents;         // every intent of the order, in id order

    // The sale or authorization money operations act on: the latest approved one that is not
    // declined. Empty when the order has none.
    std::optional<GatewayTransaction> target;
    intents::PaymentFacts facts;            // gateway facts plus pending money intents
    intents::PaymentFacts gatewayFacts;     // from PayTrace's records alone

    bool paidThroughPayTrace() const { return target.has_value(); }
};

// The currency and amount the card was charged: Magento charges the base grand total in the
// base currency (docs/magento.md §8); an order without a base currency, in its own.
Currency chargedCurrency(const OrderRecord &order);
Money chargedTotal(const OrderRecord &order);
// A charged (base) amount in the order's currency, at the order's own rate (grand total over
// base grand total), rounded half up to the minor unit; the amount itself when they agree.
// Invalid Money when the order gives no rate.
Money inOrderCurrency(const OrderRecord &order, const Money &charged);
// The other way: an amount in the order's currency (a credit memo) as the charged amount.
Money inChargedCurrency(const OrderRecord &order, const Money &amount);

// Reads the order and everything around it with the given (writer or reader) connection.
// `excluding`: an intent left out of the pending sum (the one about to be sent, re-checked).
// Errors: "operation.order_not_found" (field "order"), store errors.
Result<OrderPayment> loadOrderPayment(QSqlDatabase &db, const QString &incrementId,
                                      std::optional<qint64> excluding = std::nullopt);
Result<OrderPayment> loadOrderPaymentById(QSqlDatabase &db, qint64 orderEntityId,
                                          std::optional<qint64> excluding = std::nullopt);

// What a succeeded intent did, written into the store at once as PayTrace or Magento will
// report it, so the console and the dashboard show it before the next sync reads their own
// records, which then replace it: a PayTrace refund as a new transaction, a capture's or
// void's new status; a Magento credit memo's, invoice's or cancel's totals and state. ERP
// entries, and effects already stored, change nothing.
Status reflectEffect(QSqlDatabase &db, const intents::Intent &intent, const QString &resultRef, const QDateTime &now);

// The amount a money intent moves, from its payload ("amount", "currency"); invalid Money when
// it has none (a void moves what its target holds).
Money intentAmount(const intents::Intent &intent);

} // namespace pb::sync
