#include "mapping/preview.h"

using namespace Qt::StringLiterals;

namespace pb::mapping {

namespace {

using Status = GatewayTransaction::Status;
using Type = GatewayTransaction::Type;

bool isLive(const GatewayTransaction &tx)
{
    return tx.status == Status::Approved || tx.status == Status::PendingSettlement || tx.status == Status::Settled;
}

// Money taken: a sale, a capture record, or an authorization PayTrace shows captured in place.
bool isPayment(const GatewayTransaction &tx)
{
    return tx.type == Type::Sale || tx.type == Type::Capture || (tx.type == Type::Authorization && isLive(tx));
}

bool isUnsettled(const GatewayTransaction &tx)
{
    return tx.status == Status::Approved || tx.status == Status::PendingSettlement;
}

// Sums amounts in `currency`; transactions in another currency are noted and left out.
Money sum(const QList<const GatewayTransaction *> &txs, const Currency &currency, QStringList *notes)
{
    Money total = Money::zero(currency);
    for (const GatewayTransaction *tx : txs) {
        if (!(tx->amount.currency() == currency)) {
            notes->append(u"transaction %1 is in %2, not the order currency %3; left out"_s
                              .arg(tx->transactionId, tx->amount.currency().code(), currency.code()));
            continue;
        }
        Result<Money> next = total.plus(tx->amount);
        if (next)
            total = *next;
    }
    return total;
}

bool greater(const Money &a, const Money &b)
{
    const auto c = a.compare(b);
    return c && *c == std::strong_ordering::greater;
}

QDateTime latest(const QList<const GatewayTransaction *> &txs, bool settledTime)
{
    QDateTime at;
    for (const GatewayTransaction *tx : txs) {
        const QDateTime t = settledTime && tx->settledAt.isValid() ? tx->settledAt : tx->createdAt;
        if (t.isValid() && (!at.isValid() || t > at))
            at = t;
    }
    return at;
}

} // namespace

QString paymentEventKey(const GatewayTransaction &tx)
{
    if (tx.status == Status::Settled && (isPayment(tx) || tx.type == Type::Authorization))
        return u"settled"_s;
    if (tx.type == Type::Sale && isLive(tx))
        return u"approved"_s;
    if (tx.type == Type::Authorization && tx.status == Status::AuthorizedOnly)
        return u"authorized"_s;
    if ((tx.type == Type::Authorization || tx.type == Type::Capture) && isLive(tx))
        return u"pending_settlement"_s;
    return {};
}

QString PreviewAction::kindName(Kind k)
{
    switch (k) {
    case Kind::Capture:
        return u"capture"_s;
    case Kind::MagentoInvoice:
        return u"magento_invoice"_s;
    case Kind::Refund:
        return u"refund"_s;
    case Kind::Void:
        return u"void"_s;
    }
    return {};
}

PreviewResult preview(const MappingProfile &profile, const OrderRecord &order,
                      const QList<GatewayTransaction> &transactions)
{
    PreviewResult r;
    r.currentStatus = order.status;
    const Currency currency = order.currency.isValid() ? order.currency : order.grandTotal.currency();
    if (!currency.isValid()) {
        r.notes.append(u"the order has no currency; nothing can be planned"_s);
        return r;
    }

    QList<const GatewayTransaction *> payments, unsettledPayments, openAuths, refunds, voids, declines;
    bool allSettled = true, anyUnsettledSale = false;
    for (const GatewayTransaction &tx : transactions) {
        if (isPayment(tx) && isLive(tx)) {
            payments.append(&tx);
            allSettled = allSettled && tx.status == Status::Settled;
            anyUnsettledSale = anyUnsettledSale || (tx.type == Type::Sale && isUnsettled(tx));
            if (isUnsettled(tx))
                unsettledPayments.append(&tx);
        } else if (tx.type == Type::Authorization && tx.status == Status::AuthorizedOnly) {
            openAuths.append(&tx);
        } else if (tx.type == Type::Refund && isLive(tx)) {
            refunds.append(&tx);
        }
        if (tx.status == Status::Voided || tx.type == Type::Void)
            voids.append(&tx);
        if (tx.status == Status::Declined)
            declines.append(&tx);
    }
    const Money paid = sum(payments, currency, &r.notes);
    const Money refunded = sum(refunds, currency, &r.notes);

    // The order-level gateway state, most advanced fact first, and when that fact happened.
    if (!refunded.isZero()) {
        r.gatewayState = greater(paid, refunded) ? u"partially_refunded"_s : u"refunded"_s;
        r.eventAt = latest(refunds, false);
    } else if (!payments.isEmpty()) {
        // An unsettled sale is the approval itself; captured authorizations wait for the batch.
        r.gatewayState = allSettled ? u"settled"_s : anyUnsettledSale ? u"approved"_s : u"pending_settlement"_s;
        r.eventAt = latest(payments, allSettled);
    } else if (!openAuths.isEmpty()) {
        r.gatewayState = u"authorized"_s;
        r.eventAt = latest(openAuths, false);
    } else if (!voids.isEmpty()) {
        r.gatewayState = u"voided"_s;
        r.eventAt = latest(voids, false);
    } else if (!declines.isEmpty()) {
        r.gatewayState = u"declined"_s;
        r.eventAt = latest(declines, false);
    } else {
        r.notes.append(u"no gateway transactions are linked to this order"_s);
    }

    const PaymentApprovedRule &pa = profile.rules().paymentApproved;
    if (!r.gatewayState.isEmpty()) {
        r.targetStatus = profile.magentoStatusFor(r.gatewayState);
        const QString targetState = profile.stateOfStatus(r.targetStatus);
        if (r.targetStatus.isEmpty()) {
            r.notes.append(u"the profile leaves the status alone for '%1'"_s.arg(r.gatewayState));
        } else if (!pa.enabled || !pa.setStatus) {
            r.notes.append(u"status changes are switched off in rules.paymentApproved"_s);
        } else if (targetState != order.state) {
            // A status is set through an order comment, and Magento takes only a status of the
            // order's current state (docs/magento.md §5): the order keeps its status.
            r.notes.append(u"the order is in state %1 and '%2' belongs to %3; Magento keeps the status"_s.arg(
                order.state, r.targetStatus, targetState.isEmpty() ? u"no known state"_s : targetState));
        } else {
            r.statusChanges = r.targetStatus != order.status;
        }
    }

    // Payment approved: comment and ERP entries.
    if (pa.enabled && !payments.isEmpty()) {
        const GatewayTransaction &first = *payments.first();
        if (pa.addComment)
            r.comment = profile.renderComment(first, order.incrementId);
        if (pa.erpEntries) {
            if (order.grandTotal.isValid() && !order.grandTotal.isZero() && !order.grandTotal.isNegative()) {
                if (Result<EntryPlan> sale = profile.planEntry(EntryKind::Sale, order.incrementId, order.grandTotal))
                    r.entries.append(*sale);
                else
                    r.notes.append(sale.error().toString());
            }
            for (const GatewayTransaction *tx : std::as_const(payments)) {
                if (!(tx->amount.currency() == currency))
                    continue;
                Result<EntryPlan> pay = profile.planEntry(EntryKind::Payment, order.incrementId + u':' + tx->transactionId,
                                                          tx->amount);
                if (pay)
                    r.entries.append(*pay);
                else
                    r.notes.append(pay.error().toString());
            }
        }
    }
    if (pa.enabled && pa.erpEntries) {
        for (const GatewayTransaction *tx : std::as_const(refunds)) {
            if (!(tx->amount.currency() == currency))
                continue;
            Result<EntryPlan> ref = profile.planEntry(EntryKind::Refund, order.incrementId + u':' + tx->transactionId,
                                                      tx->amount);
            if (ref)
                r.entries.append(*ref);
            else
                r.notes.append(ref.error().toString());
        }
    }

    // Capture on invoice or shipment.
    const CaptureRule &cap = profile.rules().captureOnInvoiceOrShipment;
    if (cap.enabled && !openAuths.isEmpty() && order.state != "canceled"_L1) {
        const bool invoiced = order.totalInvoiced.isValid() && !order.totalInvoiced.isZero();
        const bool shipped = order.state == "complete"_L1;
        const bool fire = (cap.trigger == "invoiced"_L1 && invoiced) || (cap.trigger == "shipped"_L1 && shipped)
            || (cap.trigger == "invoiced_or_shipped"_L1 && (invoiced || shipped));
        if (fire) {
            for (const GatewayTransaction *auth : std::as_const(openAuths))
                r.actions.append({PreviewAction::Kind::Capture, auth->transactionId, auth->amount, {}});
            const bool fullyInvoiced = order.totalInvoiced.isValid() && order.grandTotal.isValid()
                && !greater(order.grandTotal, order.totalInvoiced);
            if (!fullyInvoiced)
                r.actions.append({PreviewAction::Kind::MagentoInvoice, {}, order.grandTotal, u"capture:false"_s});
        } else {
            r.notes.append(u"an open authorization waits for the order to be %1"_s.arg(cap.trigger));
        }
    }

    // Credit memo in Magento not yet refunded at the gateway.
    const CreditMemoRule &cm = profile.rules().creditMemoRefund;
    if (cm.enabled && order.totalRefunded.isValid() && order.totalRefunded.currency() == currency) {
        Result<Money> owed = order.totalRefunded.minus(refunded);
        if (owed && greater(*owed, Money::zero(currency))) {
            const GatewayTransaction *settled = nullptr;
            for (const GatewayTransaction *tx : std::as_const(payments)) {
                if (tx->status == Status::Settled && !greater(*owed, tx->amount))
                    settled = tx;
            }
            const GatewayTransaction *unsettled = nullptr;
            for (const GatewayTransaction *tx : std::as_const(unsettledPayments)) {
                if (tx->amount == *owed)
                    unsettled = tx;
            }
            if (settled) {
                r.actions.append({PreviewAction::Kind::Refund, settled->transactionId, *owed, {}});
            } else if (unsettled && cm.voidWhenUnsettled) {
                r.actions.append({PreviewAction::Kind::Void, unsettled->transactionId, *owed,
                                  u"unsettled: void instead of refund"_s});
            } else if (!unsettledPayments.isEmpty()) {
                r.notes.append(u"a refund of %1 waits for the payment to settle (PayTrace refunds only settled "
                               "payments)"_s.arg(owed->toString()));
            } else {
                r.notes.append(u"no payment can carry the refund of %1"_s.arg(owed->toString()));
            }
        }
    }

    // Cancel in Magento voids open authorizations.
    if (profile.rules().cancelVoid.enabled && order.state == "canceled"_L1) {
        for (const GatewayTransaction *auth : std::as_const(openAuths))
            r.actions.append({PreviewAction::Kind::Void, auth->transactionId, auth->amount, u"order canceled"_s});
    }
    return r;
}

} // namespace pb::mapping
