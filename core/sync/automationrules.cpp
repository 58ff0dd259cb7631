#include "sync/automationrules.h"

#include "magento/documents.h"
#include "mapping/preview.h"
#include "sync/operationplanner.h"
#include "sync/orderpayment.h"

#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

using intents::IntentKind;
using intents::PlanRequest;
using TStatus = GatewayTransaction::Status;
using TType = GatewayTransaction::Type;

Error sqlError(const QSqlQuery &q, const QString &what)
{
    return makeError(u"store.sql"_s, {}, what + u": "_s + q.lastError().text());
}

// Entity ids of orders a rule may look at: touched since `since` in Magento, or holding a
// transaction PayTrace made since then.
Result<QList<qint64>> candidates(QSqlDatabase &db, const QDateTime &since)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(uR"(
SELECT entity_id FROM orders WHERE updated_at >= ?
UNION
SELECT l.order_entity_id FROM gateway_transactions t
JOIN order_transaction_links l ON l.transaction_id = t.transaction_id
WHERE t.created_at >= ? OR t.settled_at >= ?
ORDER BY 1)"_s);
    // Qt's driver wants a value for every placeholder, a repeated "?1" too: plain '?', bound thrice.
    for (int i = 0; i < 3; ++i)
        q.bindValue(i, since.toMSecsSinceEpoch());
    if (!q.exec())
        return sqlError(q, u"cannot list the orders the rules look at"_s);
    QList<qint64> ids;
    while (q.next())
        ids.append(q.value(0).toLongLong());
    return ids;
}

bool hasLiveIntent(const OrderPayment &p, IntentKind kind)
{
    for (const intents::Intent &i : p.intents) {
        if (i.kind == kind && i.state != intents::IntentState::Dead && i.state != intents::IntentState::Discarded)
            return true;
    }
    return false;
}

OperationRequest systemRequest(OperationKind kind, const OrderPayment &p, const QString &rule, const QString &reason)
{
    OperationRequest r;
    r.kind = kind;
    r.orderIncrementId = p.order.incrementId;
    r.reason = reason;
    r.actor = u"system:"_s + rule;
    return r;
}

void paymentApproved(const OrderPayment &p, const mapping::MappingProfile &profile, const QDateTime &since,
                     RuleEvaluation &out)
{
    const mapping::PaymentApprovedRule &rule = profile.rules().paymentApproved;
    if (!rule.enabled)
        return;
    for (const GatewayTransaction &t : p.transactions) {
        if (t.type != TType::Sale && t.type != TType::Authorization)
            continue;
        if (t.status == TStatus::Declined || t.status == TStatus::Unknown || t.status == TStatus::Voided)
            continue;
        if (!t.createdAt.isValid() || t.createdAt < since || !(t.amount.currency() == chargedCurrency(p.order)))
            continue;
        const QString root = u"rule:paid:"_s + t.transactionId;
        QList<PlanRequest> chain;
        const auto base = [&](IntentKind kind, const QString &suffix) {
            PlanRequest r;
            r.kind = kind;
            r.naturalKey = root + u'/' + suffix;
            r.orderEntityId = p.order.entityId;
            r.requestedBy = u"system:payment-approved"_s;
            r.payload = QJsonObject{{OperationPlanner::kOrder, p.order.incrementId},
                                    {OperationPlanner::kOrderEntityId, QString::number(p.order.entityId)},
                                    {OperationPlanner::kCurrency, t.amount.currency().code()},
                                    {OperationPlanner::kTransactionId, t.transactionId},
                                    {OperationPlanner::kAmount, t.amount.toDecimalString()},
                                    {OperationPlanner::kReason, u"payment approved in PayTrace"_s}};
            return r;
        };
        if (rule.addComment || rule.setStatus) {
            PlanRequest c = base(IntentKind::MagentoComment, u"magento"_s);
            const magento::TxnMarker::Kind kind = t.type == TType::Sale ? magento::TxnMarker::Kind::Sale
                                                                       : magento::TxnMarker::Kind::Authorization;
            QString text = rule.addComment ? profile.renderComment(t, p.order.incrementId) : QString();
            const QString marker = magento::TxnMarker::format(t.transactionId, kind);
            text = text.isEmpty() ? u"{marker}"_s : text + u" · {marker}"_s;
            c.payload.insert(OperationPlanner::kComment, text);
            c.payload.insert(u"marker"_s, marker);
            if (rule.setStatus) {
                const QString status = profile.magentoStatusFor(mapping::paymentEventKey(t));
                // Only a status of the order's current state moves it; others would be ignored.
                if (!status.isEmpty() && profile.stateOfStatus(status) == p.order.state)
                    c.payload.insert(OperationPlanner::kStatus, status);
            }
            chain << c;
        }
        if (rule.erpEntries) {
            PlanRequest sale = base(IntentKind::ErpEntry, u"erp.sale"_s);
            sale.payload.insert(OperationPlanner::kEntry, u"sale"_s);
            sale.payload.insert(u"date"_s, OperationPlanner::businessDay(t.createdAt).toString(Qt::ISODate));
            chain << sale;
            if (t.type == TType::Sale) {
                PlanRequest pay = base(IntentKind::ErpEntry, u"erp.payment"_s);
                pay.payload.insert(OperationPlanner::kEntry, u"payment"_s);
                pay.payload.insert(u"date"_s, OperationPlanner::businessDay(t.createdAt).toString(Qt::ISODate));
                chain << pay;
            }
        }
        if (!chain.isEmpty())
            out.chains << chain;
    }
}

// The status map for what happened to the payments after their approval: settled, captured,
// refunded, voided, declined. The approval itself is paymentApproved's. Only an event that
// happened since `since` acts, so a status a person set later is not fought over, and the
// natural key (order, event, status) makes each change once.
void statusFollowsPayment(const OrderPayment &p, const mapping::MappingProfile &profile, const QDateTime &since,
                          RuleEvaluation &out)
{
    const mapping::PaymentApprovedRule &rule = profile.rules().paymentApproved;
    if (!rule.enabled || !rule.setStatus)
        return;
    const mapping::PreviewResult r = mapping::preview(profile, p.order, p.transactions);
    if (r.gatewayState.isEmpty() || r.gatewayState == u"approved" || r.gatewayState == u"authorized")
        return;
    if (!r.statusChanges || !r.eventAt.isValid() || r.eventAt < since)
        return;
    PlanRequest c;
    c.kind = IntentKind::MagentoComment;
    c.naturalKey = u"rule:status:"_s + QString::number(p.order.entityId) + u':' + r.gatewayState + u':' + r.targetStatus;
    c.orderEntityId = p.order.entityId;
    c.requestedBy = u"system:status-map"_s;
    c.payload = QJsonObject{{OperationPlanner::kOrder, p.order.incrementId},
                            {OperationPlanner::kOrderEntityId, QString::number(p.order.entityId)},
                            {OperationPlanner::kStatus, r.targetStatus},
                            {OperationPlanner::kComment, u"PayTrace: payment %1 · {marker}"_s.arg(
                                 QString(r.gatewayState).replace(u'_', u' '))},
                            {OperationPlanner::kReason, u"status map: %1 → %2"_s.arg(r.gatewayState, r.targetStatus)}};
    out.chains << QList<PlanRequest>{c};
}

void planFromPlanner(const OrderPayment &p, const OperationRequest &r, const mapping::MappingProfile &profile,
                     const QDateTime &now, const PlanOptions &options, RuleEvaluation &out)
{
    const PlannedChain chain = OperationPlanner::plan(p, r, profile, now, options);
    if (!chain.preview.allowed) {
        out.skipped << (r.actor + u" on "_s + p.order.incrementId + u": "_s + chain.preview.refusal);
        return;
    }
    out.chains << chain.requests;
}

} // namespace

Result<RuleEvaluation> AutomationRules::evaluate(QSqlDatabase &db, const mapping::MappingProfile &profile,
                                                 const QDateTime &sinceExact, const QDateTime &now)
{
    RuleEvaluation out;
    if (!sinceExact.isValid())
        return out;
    // PayTrace and Magento give times to the second: compared at that precision, or what
    // happened in the second the rules started in, after they did, would never be acted on.
    const QDateTime since = QDateTime::fromSecsSinceEpoch(sinceExact.toSecsSinceEpoch(), Qt::UTC);
    auto ids = candidates(db, since);
    if (!ids)
        return ids.error();
    const mapping::Rules &rules = profile.rules();
    for (qint64 id : ids.value()) {
        auto loaded = loadOrderPaymentById(db, id);
        if (!loaded)
            return loaded.error();
        const OrderPayment &p = loaded.value();
        if (!p.target)
            continue;
        const GatewayTransaction &target = *p.target;
        const qsizetype chainsBefore = out.chains.size();
        paymentApproved(p, profile, since, out);
        if (out.chains.size() == chainsBefore)
            statusFollowsPayment(p, profile, since, out);

        const bool touched = p.order.updatedAt.isValid() && p.order.updatedAt >= since;
        if (!touched)
            continue;
        const bool invoiced = p.order.totalInvoiced.isValid() && !p.order.totalInvoiced.isZero();

        // Magento canceled the order: void what PayTrace still holds unsettled.
        if (rules.cancelVoid.enabled && p.order.state == u"canceled" && target.status != TStatus::Settled
            && !p.facts.authorizationVoided && !hasLiveIntent(p, IntentKind::PayTraceVoid)) {
            planFromPlanner(p, systemRequest(OperationKind::Void, p, u"cancel-void"_s, u"the order was canceled in Magento"_s),
                            profile, now, PlanOptions{u"rule:cancel:"_s + p.order.incrementId, false}, out);
            continue;
        }
        // Magento invoiced (or shipped) an order whose authorization is still open: capture it.
        if (rules.captureOnInvoiceOrShipment.enabled && invoiced && target.type == TType::Authorization
            && target.status == TStatus::AuthorizedOnly && !hasLiveIntent(p, IntentKind::PayTraceCapture)) {
            planFromPlanner(p, systemRequest(OperationKind::Capture, p, u"capture-on-invoice"_s, u"Magento invoiced the order"_s),
                            profile, now, PlanOptions{u"rule:capture:"_s + target.transactionId, true}, out);
            continue;
        }
        // A credit memo made in Magento that PayTrace does not show yet: refund the difference.
        if (rules.creditMemoRefund.enabled && p.order.totalRefunded.isValid() && !p.order.totalRefunded.isZero()) {
            const Currency charged = chargedCurrency(p.order);
            auto refundedOrVoided = p.facts.refunded.isValid() ? p.facts.refunded.plus(p.facts.voided.isValid() ? p.facts.voided : Money::zero(charged))
                                                               : Result<Money>(Money::zero(charged));
            // Magento credited in the order currency; PayTrace refunds what the card was charged:
            // Magento's own base figure, which converting a rounded total can miss by a cent (a
            // JPY order over a USD base), else the conversion (a row stored before 0010).
            const bool baseKnown = p.order.baseTotalRefunded.isValid() && !p.order.baseTotalRefunded.isZero()
                && p.order.baseTotalRefunded.currency() == charged;
            const Money credited = baseKnown ? p.order.baseTotalRefunded : inChargedCurrency(p.order, p.order.totalRefunded);
            if (!refundedOrVoided || !credited.isValid())
                continue;
            auto missing = credited.minus(refundedOrVoided.value());
            if (p.facts.authorizationVoided || !missing || missing->isNegative() || missing->isZero())
                continue;
            const bool settled = target.status == TStatus::Settled;
            if (!settled && !rules.creditMemoRefund.voidWhenUnsettled) {
                out.skipped << (p.order.incrementId + u": credit memo on an unsettled payment; voids are off in the profile"_s);
                continue;
            }
            OperationRequest r = systemRequest(OperationKind::Refund, p, u"credit-memo"_s, u"a credit memo was created in Magento"_s);
            r.amount = missing.value();
            planFromPlanner(p, r, profile, now,
                            PlanOptions{u"rule:creditmemo:"_s + p.order.incrementId + u':'
                                            + QString::number(p.order.totalRefunded.minor()),
                                        false},
                            out);
        }
    }
    return out;
}

} // namespace pb::sync
