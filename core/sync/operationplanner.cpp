#include "sync/operationplanner.h"

#include "money/exactamount.h"
#include "paytrace/parser.h"
#include "sync/intentrunner.h"

#include <QCoreApplication>
#include <QStringList>

#include <algorithm>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

using intents::IntentKind;
using intents::MoneyOperation;
using intents::PlanRequest;
using TStatus = GatewayTransaction::Status;

QString tr(const char *text)
{
    return QCoreApplication::translate("pb::sync::OperationPlanner", text);
}

Money minusOrZero(const Money &a, const Money &b)
{
    if (!a.isValid())
        return a;
    auto r = a.minus(b.isValid() ? b : Money::zero(a.currency()));
    if (!r || r->isNegative())
        return Money::zero(a.currency());
    return r.value();
}

QString nextKeyRoot(const OrderPayment &p, const QString &kind)
{
    const QString prefix = kind + u':' + p.order.incrementId + u':';
    int n = 0;
    for (const intents::Intent &i : p.intents) {
        if (!i.naturalKey.startsWith(prefix))
            continue;
        const QString rest = i.naturalKey.mid(prefix.size()).section(u'/', 0, 0);
        bool ok = false;
        const int k = rest.toInt(&ok);
        if (ok)
            n = std::max(n, k);
    }
    return prefix + QString::number(n + 1);
}

// The amounts Magento keeps finer than the minor unit (docs/magento.md §7) that PayBridge moves,
// each with the rounded amount and the difference, exact text throughout.
QJsonObject roundingNote(const OrderRecord &o)
{
    QJsonObject note;
    for (auto it = o.exactAmounts.cbegin(); it != o.exactAmounts.cend(); ++it) {
        // The card is charged the base amounts where the base currency is one of its own
        // (docs/magento.md §8); where the two agree the base amounts repeat the order's.
        const bool base = it.key().startsWith(u"base_"_s);
        if (base && (!o.baseCurrency.isValid() || o.baseCurrency == o.currency))
            continue;
        const auto exact = ExactAmount::parse(it.value(), base ? o.baseCurrency : o.currency);
        if (!exact || !exact->isFinerThanCurrency())
            continue;
        note.insert(it.key(), QJsonObject{{u"exact"_s, exact->toDecimalString()},
                                          {u"rounded"_s, exact->rounded().toDecimalString()},
                                          {u"difference"_s, exact->roundingDifference()}});
    }
    return note;
}

QJsonObject basePayload(const OrderPayment &p, const OperationRequest &r, const QString &operation)
{
    QJsonObject payload{
        {OperationPlanner::kOrder, p.order.incrementId},
        {OperationPlanner::kOrderEntityId, QString::number(p.order.entityId)},
        {OperationPlanner::kCurrency, p.order.currency.code()},
        {OperationPlanner::kReason, r.reason},
        {OperationPlanner::kOperation, operation},
    };
    // Kept with every intent of such an order, so its journal shows what was rounded.
    if (const QJsonObject note = roundingNote(p.order); !note.isEmpty())
        payload.insert(OperationPlanner::kRounding, note);
    return payload;
}

// A preview line for the operator when the order's Magento amounts were rounded to move.
void noteRounding(OperationPreview &v, const OrderRecord &o)
{
    const QJsonObject note = roundingNote(o);
    QStringList parts;
    for (auto it = note.constBegin(); it != note.constEnd(); ++it) {
        const QJsonObject f = it.value().toObject();
        parts << tr("%1 %2 → %3 (difference %4)")
                     .arg(it.key(), f.value(u"exact"_s).toString(), f.value(u"rounded"_s).toString(),
                          f.value(u"difference"_s).toString());
    }
    if (!parts.isEmpty())
        v.steps << tr("Magento keeps amounts of order %1 finer than %2 allows; PayBridge moves them rounded half-even and records the difference: %3")
                       .arg(o.incrementId, o.currency.code(), parts.join(u"; "_s));
}

PlannedChain refuse(PlannedChain chain, const QString &code, const QString &why)
{
    chain.preview.allowed = false;
    chain.preview.refusal = why;
    chain.refusalCode = code;
    chain.requests.clear();
    return chain;
}

QString money(const Money &m)
{
    return m.isValid() ? m.toString() : QString();
}

// When, for a sentence: "at 10:49" on the same day as `now`, else "on 2026-11-18 at 10:49"
// (the console's local time).
QString whenText(const QDateTime &at, const QDateTime &now)
{
    if (!at.isValid())
        return {};
    const QDateTime local = at.toLocalTime();
    if (local.date() == now.toLocalTime().date())
        return tr("at %1").arg(local.toString(u"HH:mm"_s));
    return tr("on %1 at %2").arg(local.date().toString(Qt::ISODate), local.toString(u"HH:mm"_s));
}

// A refund, void or capture the payment already had (or has on its way), from PayBridge's
// intents or, for what was done in PayTrace's own terminal, from PayTrace's records.
struct PastMove
{
    MoneyOperation op = MoneyOperation::Refund;
    Money amount;         // invalid when not known (a void of the whole payment)
    QDateTime at;
    QString by;           // the operator; empty when PayTrace's records are all there is
    QString reason;
    bool pending = false; // planned or being sent, not done yet
};

QList<PastMove> pastMoves(const OrderPayment &p)
{
    QList<PastMove> moves;
    QStringList produced;
    for (const intents::Intent &i : p.intents) {
        if (!intents::movesMoney(i.kind) || i.kind == IntentKind::PayTraceSale || i.state == intents::IntentState::Dead
            || i.state == intents::IntentState::Discarded)
            continue;
        PastMove m;
        m.op = i.kind == IntentKind::PayTraceCapture ? MoneyOperation::Capture
               : i.kind == IntentKind::PayTraceVoid  ? MoneyOperation::Void
                                                     : MoneyOperation::Refund;
        m.amount = intentAmount(i);
        m.pending = i.state != intents::IntentState::Succeeded;
        m.at = m.pending || !i.updatedAt.isValid() ? i.createdAt : i.updatedAt;
        m.by = i.requestedBy;
        m.reason = i.payload.value(OperationPlanner::kReason).toString();
        if (!i.resultRef.isEmpty())
            produced << i.resultRef;
        moves << m;
    }
    const bool voidKnown = std::any_of(moves.cbegin(), moves.cend(),
                                       [](const PastMove &m) { return m.op == MoneyOperation::Void; });
    for (const GatewayTransaction &t : p.transactions) {
        if (produced.contains(t.transactionId) || t.status == TStatus::Declined)
            continue;
        PastMove m;
        m.at = t.createdAt;
        m.amount = t.amount;
        if (t.type == GatewayTransaction::Type::Refund && t.status != TStatus::Voided)
            m.op = MoneyOperation::Refund;
        else if (t.type == GatewayTransaction::Type::Capture)
            m.op = MoneyOperation::Capture;
        else if (t.type == GatewayTransaction::Type::Void && !voidKnown)
            m.op = MoneyOperation::Void;
        else if ((t.type == GatewayTransaction::Type::Sale || t.type == GatewayTransaction::Type::Authorization)
                 && t.status == TStatus::Voided && !voidKnown)
            m = PastMove{MoneyOperation::Void, t.amount, QDateTime(), QString(), QString(), false};
        else
            continue;
        moves << m;
    }
    std::stable_sort(moves.begin(), moves.end(), [](const PastMove &a, const PastMove &b) {
        return a.at.isValid() && b.at.isValid() && a.at < b.at;
    });
    return moves;
}

// " at 10:49 by root", " on 2026-11-18 at 10:49 in PayTrace", "" — for the sentences below.
QString whenWho(const PastMove &m, const QDateTime &now)
{
    QString text;
    if (const QString when = whenText(m.at, now); !when.isEmpty())
        text += u' ' + when;
    text += m.by.isEmpty() ? tr(" in PayTrace") : tr(" by %1").arg(m.by);
    return text;
}

QString pastMoveText(const PastMove &m, const QDateTime &now)
{
    const QString amount = m.amount.isValid() ? m.amount.toString() : tr("the whole payment");
    QString text;
    switch (m.op) {
    case MoneyOperation::Refund:
        text = m.pending ? tr("Refund of %1 on its way, asked%2").arg(amount, whenWho(m, now))
                         : tr("Refunded %1%2").arg(amount, whenWho(m, now));
        break;
    case MoneyOperation::Void:
        text = m.pending ? tr("Void of %1 on its way, asked%2").arg(amount, whenWho(m, now))
                         : tr("Voided %1%2").arg(amount, whenWho(m, now));
        break;
    case MoneyOperation::Capture:
        text = m.pending ? tr("Capture of %1 on its way, asked%2").arg(amount, whenWho(m, now))
                         : tr("Captured %1%2").arg(amount, whenWho(m, now));
        break;
    default:
        return {};
    }
    if (!m.reason.isEmpty())
        text += tr(" (%1)").arg(m.reason);
    return text;
}

const PastMove *lastOf(const QList<PastMove> &moves, MoneyOperation op)
{
    for (auto it = moves.crbegin(); it != moves.crend(); ++it)
        if (it->op == op)
            return &*it;
    return nullptr;
}

// A refusal of the money rules said in the words of the task, with when and by whom the
// earlier step was taken; nullopt where the rule's own message is as good as it gets.
std::optional<QString> refusalInTaskWords(const OrderPayment &p, const OperationRequest &r, const OperationPreview &v,
                                          const QList<PastMove> &moves, const QDateTime &now)
{
    const intents::PaymentFacts &f = p.facts;
    const PastMove *voided = lastOf(moves, MoneyOperation::Void);
    const PastMove *refunded = lastOf(moves, MoneyOperation::Refund);
    if (f.authorizationVoided && r.kind != OperationKind::Refund) {
        if (voided && voided->pending)
            return tr("A void of this order is already on its way (asked%1).").arg(whenWho(*voided, now));
        const QString already = voided ? tr("This order was already voided%1.").arg(whenWho(*voided, now))
                                       : tr("This order was already voided.");
        return r.kind == OperationKind::Capture ? already + u' ' + tr("Nothing can be captured from it.") : already;
    }
    if (!v.remaining.isValid())
        return std::nullopt;
    switch (r.kind) {
    case OperationKind::Void:
    case OperationKind::Refund:
        if (v.remaining.isZero()) {
            if (voided && f.authorizationVoided)
                return tr("This order was already voided%1; nothing is left to refund.").arg(whenWho(*voided, now));
            if (refunded)
                return tr("This order was already refunded in full (%1); the last refund was%2.")
                    .arg(money(f.refunded), whenWho(*refunded, now));
            return tr("Nothing captured is left to %1 on this order.").arg(operationKindName(r.kind));
        }
        if (r.kind == OperationKind::Refund && v.amount.isValid()
            && v.amount.compare(v.remaining) == std::strong_ordering::greater)
            return refunded ? tr("Only %1 is left to refund on this order: %2 was already refunded, the last%3.")
                                  .arg(money(v.remaining), money(v.refunded), whenWho(*refunded, now))
                            : tr("Only %1 is left to refund on this order.").arg(money(v.remaining));
        break;
    case OperationKind::Capture:
        if (v.remaining.isZero()) {
            const PastMove *captured = lastOf(moves, MoneyOperation::Capture);
            return captured ? tr("This order was already captured in full; the last capture was%1.").arg(whenWho(*captured, now))
                            : tr("Nothing authorized is left to capture on this order.");
        }
        break;
    case OperationKind::CreditMemo:
    case OperationKind::Charge:
        break;
    }
    return std::nullopt;
}

// Magento refuses every credit memo on an order in these states (its CanRefund validation):
// saying so before anything is sent beats a dead letter after PayTrace already moved money.
std::optional<PlannedChain> creditMemoRefused(const PlannedChain &chain, const OrderPayment &p)
{
    const QString &state = p.order.state;
    if (state != u"closed" && state != u"canceled" && state != u"holded" && state != u"payment_review")
        return std::nullopt;
    const QString why = state == u"holded"
        ? tr("Order %1 is on hold in Magento, which refuses credit memos on held orders; release the hold first.")
        : state == u"payment_review"
        ? tr("Order %1 is in payment review in Magento, which refuses credit memos until the review ends.")
        : state == u"closed"
        ? tr("Order %1 is closed in Magento (everything it took is credited), so Magento refuses another credit memo.")
        : tr("Order %1 is canceled in Magento, which refuses credit memos on canceled orders.");
    return refuse(chain, u"invariant.magento_state"_s, why.arg(p.order.incrementId));
}

// A Magento offline credit memo for money PayTrace already gave back (a refund made in
// PayTrace's own terminal): the gateway is not called again, and the ERP gets the refund from
// the day's journal. Magento may credit at most what it took and has not credited yet.
PlannedChain planCreditMemo(PlannedChain chain, const OrderPayment &p, const OperationRequest &r,
                            const QString &keyRoot)
{
    if (auto refused = creditMemoRefused(chain, p))
        return *refused;
    OperationPreview &v = chain.preview;
    v.currency = p.order.currency; // Magento's own amounts, not what the card was charged
    const Money zero = Money::zero(v.currency);
    const Money paid = p.order.totalPaid.isValid() ? p.order.totalPaid : zero;
    // The store learns of PayBridge's own credit memos at the next sync; until then they count
    // from their intents (the larger of the two is what Magento has credited at least).
    Money ours = zero;
    for (const intents::Intent &i : p.intents) {
        if (i.kind != IntentKind::MagentoCreditMemo || i.state == intents::IntentState::Dead
            || i.state == intents::IntentState::Discarded)
            continue;
        const auto amount = Money::parse(i.payload.value(OperationPlanner::kAmount).toString(), v.currency);
        if (auto sum = amount ? ours.plus(amount.value()) : Result<Money>(ours); sum)
            ours = sum.value();
    }
    const Money stored = p.order.totalRefunded.isValid() ? p.order.totalRefunded : zero;
    const Money credited = stored.compare(ours) == std::strong_ordering::less ? ours : stored;
    v.remaining = minusOrZero(paid, credited);
    const Money amount = r.amount.value_or(v.remaining);
    v.amount = amount;
    if (!amount.isValid() || !(amount.currency() == v.currency))
        return refuse(chain, u"invariant.currency"_s,
                      tr("A credit memo on order %1 is in %2, the order's currency.").arg(p.order.incrementId, v.currency.code()));
    if (amount.isZero() || amount.isNegative())
        return refuse(chain, u"operation.amount"_s, tr("A credit memo needs an amount above zero."));
    if (amount.compare(v.remaining) == std::strong_ordering::greater)
        return refuse(chain, u"invariant.credit_memo"_s,
                      tr("Magento can credit at most %1 more on order %2 (paid %3, credited %4).")
                          .arg(money(v.remaining), p.order.incrementId, money(paid), money(credited)));
    PlanRequest mag;
    mag.kind = IntentKind::MagentoCreditMemo;
    mag.orderEntityId = p.order.entityId;
    mag.requestedBy = r.actor;
    mag.naturalKey = keyRoot;
    mag.payload = basePayload(p, r, operationKindName(r.kind));
    mag.payload.insert(OperationPlanner::kAmount, amount.toDecimalString());
    // The whole order only when nothing was credited before; else an adjustment of the amount.
    mag.payload.insert(OperationPlanner::kFull,
                       credited.isZero() && amount.compare(paid) == std::strong_ordering::equal);
    v.steps << tr("PayTrace: nothing to do (the money was already given back there)")
            << tr("Magento: offline credit memo of %1 on order %2").arg(money(amount), p.order.incrementId)
            << tr("ERP: the refund is in the day's journal from the settlement");
    noteRounding(v, p.order);
    chain.requests << mag;
    v.allowed = true;
    return chain;
}

// A sale (or authorization) of the card on file of a PayTrace vault customer, for an order that
// is not paid yet; then the Magento invoice (or, for an authorization or a part, a comment) and
// the ERP entries the payment-approved rule would book (sale, and payment for a sale).
PlannedChain planCharge(PlannedChain chain, const OrderPayment &p, const OperationRequest &r,
                        const PlanOptions &options, const mapping::MappingProfile &profile, const QDateTime &now,
                        const QString &keyRoot)
{
    OperationPreview &v = chain.preview;
    const QString inc = p.order.incrementId;
    const QString vaultId = r.vaultCustomerId.trimmed();
    if (vaultId.isEmpty())
        return refuse(chain, u"operation.vault_customer"_s,
                      tr("A charge needs the PayTrace vault customer whose card on file is charged."));
    if (!options.vault || options.vault->deletedAt.isValid())
        return refuse(chain, u"operation.vault_unknown"_s,
                      tr("PayTrace vault customer %1 is not known to PayBridge (or was deleted); run a customer sync, "
                         "or pick another customer.").arg(vaultId));
    const VaultProfileRecord &vault = *options.vault;
    const QDate today = OperationPlanner::businessDay(now);
    if (vault.cardExpired(today))
        return refuse(chain, u"invariant.card_expired"_s,
                      tr("The card on file of %1 (%2) has expired; add the customer's new card before charging.")
                          .arg(vaultId, OperationPlanner::cardText(vault)));
    const intents::PaymentFacts &f = p.facts;
    v.remaining = f.saleable.isValid() ? f.saleable : chargedTotal(p.order);
    const Money amount = r.amount.value_or(v.remaining);
    v.amount = amount;
    if (Status ok = intents::MoneyInvariants::check(f, {MoneyOperation::Sale, amount}); !ok) {
        QString why = ok.error().message;
        if (ok.error().code == u"invariant.sale_authorized")
            why = tr("Order %1 already has an approved payment at PayTrace; capture or refund that instead of charging again.").arg(inc);
        else if (ok.error().code == u"invariant.sale_closed")
            why = tr("Order %1 is %2 in Magento; a canceled or closed order takes no new charge.").arg(inc, p.order.state);
        else if (ok.error().code == u"invariant.sale_pending")
            why = tr("A charge of order %1 is already on its way; see the Queue page before charging again.").arg(inc);
        else if (ok.error().code == u"invariant.sale_exceeds")
            why = tr("Order %1 owes %2; a charge of %3 is more than that.").arg(inc, money(v.remaining), money(amount));
        return refuse(chain, ok.error().code, why);
    }

    const QJsonValue after(keyRoot);
    const QString op = operationKindName(r.kind);
    const bool authorize = r.authorizeOnly;
    const QString card = OperationPlanner::cardText(vault);

    PlanRequest pay;
    pay.kind = IntentKind::PayTraceSale;
    pay.orderEntityId = p.order.entityId;
    pay.requestedBy = r.actor;
    pay.naturalKey = keyRoot;
    pay.payload = basePayload(p, r, op);
    pay.payload.insert(OperationPlanner::kCurrency, v.currency.code());
    pay.payload.insert(OperationPlanner::kAmount, amount.toDecimalString());
    pay.payload.insert(OperationPlanner::kCustomerId, vaultId);
    pay.payload.insert(OperationPlanner::kInvoiceId, inc);
    pay.payload.insert(OperationPlanner::kAuthorize, authorize);
    // The token lets the janitor find the sale in PayTrace's export after a lost answer.
    pay.payload.insert(OperationPlanner::kDescription, IntentRunner::referenceToken(keyRoot));
    v.steps << (authorize ? tr("PayTrace: authorization of %1 on card on file %2 (%3)")
                          : tr("PayTrace: sale of %1 on card on file %2 (%3)"))
                   .arg(money(amount), vaultId, card);
    chain.requests << pay;

    PlanRequest mag;
    mag.orderEntityId = p.order.entityId;
    mag.requestedBy = r.actor;
    mag.naturalKey = keyRoot + u"/magento"_s;
    mag.payload = basePayload(p, r, op);
    mag.payload.insert(OperationPlanner::kAfter, after);
    const Money magentoAmount = inOrderCurrency(p.order, amount);
    if (!magentoAmount.isValid())
        return refuse(chain, u"invariant.currency"_s,
                      tr("Order %1 gives no rate from %2 to %3 for the Magento document.")
                          .arg(inc, v.currency.code(), p.order.currency.code()));
    mag.payload.insert(OperationPlanner::kAmount, magentoAmount.toDecimalString());
    const bool whole = amount.compare(chargedTotal(p.order)) == std::strong_ordering::equal;
    const bool invoiced = p.order.totalInvoiced.isValid() && !p.order.totalInvoiced.isZero();
    if (!authorize && whole && !invoiced) {
        mag.kind = IntentKind::MagentoInvoice;
        mag.payload.insert(OperationPlanner::kFull, true);
        v.steps << tr("Magento: invoice order %1 without capturing (capture:false), noting the PayTrace sale").arg(inc);
    } else {
        mag.kind = IntentKind::MagentoComment;
        v.steps << (authorize ? tr("Magento: comment on order %1 with the PayTrace authorization of %2").arg(inc, money(amount))
                              : tr("Magento: comment on order %1 with the PayTrace sale of %2").arg(inc, money(amount)));
    }
    chain.requests << mag;

    // The entries the payment-approved rule books for a sale (same references, so whichever
    // comes second finds it posted): the sale, and for money taken, the payment.
    const QStringList entries = authorize ? QStringList{u"sale"_s} : QStringList{u"sale"_s, u"payment"_s};
    for (const QString &entry : entries) {
        PlanRequest erp;
        erp.kind = IntentKind::ErpEntry;
        erp.orderEntityId = p.order.entityId;
        erp.requestedBy = r.actor;
        erp.naturalKey = keyRoot + u"/erp."_s + entry;
        erp.payload = basePayload(p, r, op);
        erp.payload.insert(OperationPlanner::kCurrency, v.currency.code());
        erp.payload.insert(OperationPlanner::kAfter, after);
        erp.payload.insert(OperationPlanner::kAmount, amount.toDecimalString());
        erp.payload.insert(OperationPlanner::kEntry, entry);
        erp.payload.insert(u"date"_s, today.toString(Qt::ISODate));
        const auto plan = profile.planEntry(entry == u"payment" ? mapping::EntryKind::Payment : mapping::EntryKind::Sale,
                                            inc, amount);
        QString accounts;
        if (plan && plan->postings.size() >= 2)
            accounts = plan->postings.at(0).account + u" / "_s + plan->postings.at(1).account;
        v.steps << tr("ERP: %1 entry of %2 for order %3 dated %4 (%5)")
                       .arg(entry, money(amount), inc, today.toString(Qt::ISODate), accounts);
        chain.requests << erp;
    }
    noteRounding(v, p.order);
    v.allowed = true;
    return chain;
}

} // namespace

QString OperationPlanner::cardText(const VaultProfileRecord &vault)
{
    QStringList parts;
    QString card = vault.cardType.isEmpty() ? tr("card") : vault.cardType;
    if (!vault.cardLast4.isEmpty())
        card += u" …"_s + vault.cardLast4;
    parts << card;
    if (const QString expiry = vault.expiryText(); !expiry.isEmpty())
        parts << expiry;
    return parts.join(u", "_s);
}

QDate OperationPlanner::businessDay(const QDateTime &at)
{
    return at.toTimeZone(paytrace::Parser::batchTimeZone()).date();
}

QDateTime OperationPlanner::nextBatchClose(const QDateTime &now)
{
    const QTimeZone zone = paytrace::Parser::batchTimeZone();
    const QDateTime local = now.toTimeZone(zone);
    QDateTime close(local.date(), QTime(20, 0), zone);
    if (close <= local)
        close = QDateTime(local.date().addDays(1), QTime(20, 0), zone);
    return close.toUTC().addSecs(10 * 60);
}

PlannedChain OperationPlanner::plan(const OrderPayment &p, const OperationRequest &r,
                                    const mapping::MappingProfile &profile, const QDateTime &now,
                                    const PlanOptions &options)
{
    PlannedChain chain;
    OperationPreview &v = chain.preview;
    v.orderIncrementId = p.order.incrementId;
    // PayTrace moved the charged (base) amount; Magento's documents get the order currency.
    v.currency = chargedCurrency(p.order);
    v.authorized = p.facts.authorized;
    v.captured = p.facts.captured;
    v.refunded = [&] {
        auto sum = p.facts.refunded.isValid() && p.facts.voided.isValid() ? p.facts.refunded.plus(p.facts.voided)
                                                                          : Result<Money>(p.facts.refunded);
        return sum ? sum.value() : p.facts.refunded;
    }();

    if (r.reason.trimmed().isEmpty())
        return refuse(chain, u"operation.reason"_s, tr("A reason is required; it is kept with the operation and in the audit log."));
    if (r.kind == OperationKind::CreditMemo)
        return planCreditMemo(std::move(chain), p, r,
                              options.keyRoot.isEmpty() ? nextKeyRoot(p, operationKindName(r.kind)) : options.keyRoot);
    if (r.kind == OperationKind::Charge)
        return planCharge(std::move(chain), p, r, options, profile, now,
                          options.keyRoot.isEmpty() ? nextKeyRoot(p, operationKindName(r.kind)) : options.keyRoot);
    if (!p.target)
        return refuse(chain, u"operation.no_payment"_s,
                      tr("Order %1 has no PayTrace payment PayBridge could act on (paid with %2).")
                          .arg(p.order.incrementId, p.order.paymentMethod.isEmpty() ? tr("no recorded method") : p.order.paymentMethod));
    const GatewayTransaction &target = *p.target;
    v.targetTransactionId = target.transactionId;
    v.settled = target.status == TStatus::Settled;

    const intents::PaymentFacts &f = p.facts;
    const QString op = operationKindName(r.kind);
    const QString keyRoot = options.keyRoot.isEmpty() ? nextKeyRoot(p, op) : options.keyRoot;
    const QDate today = businessDay(now);

    MoneyOperation moneyOp = MoneyOperation::Refund;
    Money amount;
    switch (r.kind) {
    case OperationKind::Capture:
        moneyOp = MoneyOperation::Capture;
        v.remaining = f.authorizationVoided ? Money::zero(v.currency) : minusOrZero(f.authorized, f.captured);
        amount = r.amount.value_or(v.remaining);
        break;
    case OperationKind::Refund:
        moneyOp = MoneyOperation::Refund;
        v.remaining = minusOrZero(minusOrZero(f.captured, f.refunded), f.voided);
        amount = r.amount.value_or(v.remaining);
        break;
    case OperationKind::CreditMemo: // planned above
    case OperationKind::Charge:
        break;
    case OperationKind::Void: {
        moneyOp = MoneyOperation::Void;
        const bool captured = !f.captured.isZero();
        v.remaining = f.authorizationVoided ? Money::zero(v.currency)
                      : captured             ? minusOrZero(minusOrZero(f.captured, f.refunded), f.voided)
                                             : minusOrZero(f.authorized, f.voided);
        if (r.amount && r.amount->compare(v.remaining) != std::strong_ordering::equal)
            return refuse(chain, u"operation.partial_void"_s,
                          tr("A void takes back the whole payment (%1); use a refund for part of it.").arg(money(v.remaining)));
        amount = v.remaining;
        break;
    }
    }
    v.amount = amount;

    // A refund of a payment PayTrace has not settled yet: the whole of it becomes a void (the
    // money never leaves the card holder's bank); a part waits for the batch to close (817).
    bool refundAsVoid = false;
    QDateTime notBefore;
    if (r.kind == OperationKind::Refund && !v.settled && target.status != TStatus::Voided) {
        const bool whole = amount.isValid() && amount.compare(v.remaining) == std::strong_ordering::equal
                           && f.refunded.isZero() && f.voided.isZero();
        if (whole) {
            refundAsVoid = true;
            moneyOp = MoneyOperation::Void;
        } else {
            notBefore = nextBatchClose(now);
        }
    }

    const QList<PastMove> moves = pastMoves(p);
    for (const PastMove &m : moves) {
        if (m.op != MoneyOperation::Capture || r.kind == OperationKind::Capture)
            v.earlier << pastMoveText(m, now);
    }
    if (Status ok = intents::MoneyInvariants::check(f, {moneyOp, amount}); !ok)
        return refuse(chain, ok.error().code,
                      refusalInTaskWords(p, r, v, moves, now).value_or(ok.error().message));

    const QJsonValue after(keyRoot);
    const QString inc = p.order.incrementId;
    // Invoiced in Magento, or about to be by one of our own intents the store has not seen yet.
    const bool invoiced = (p.order.totalInvoiced.isValid() && !p.order.totalInvoiced.isZero())
                          || std::any_of(p.intents.cbegin(), p.intents.cend(), [](const intents::Intent &i) {
                                 return i.kind == IntentKind::MagentoInvoice && i.state != intents::IntentState::Dead
                                        && i.state != intents::IntentState::Discarded;
                             });

    // Step 1: PayTrace.
    PlanRequest pay;
    pay.orderEntityId = p.order.entityId;
    pay.requestedBy = r.actor;
    pay.naturalKey = keyRoot;
    pay.notBefore = notBefore;
    pay.payload = basePayload(p, r, op);
    pay.payload.insert(kCurrency, v.currency.code());
    pay.payload.insert(kTransactionId, target.transactionId);
    pay.payload.insert(kAmount, amount.toDecimalString());
    pay.payload.insert(kFull, amount.compare(v.remaining) == std::strong_ordering::equal);
    const bool isVoid = r.kind == OperationKind::Void || refundAsVoid;
    if (r.kind == OperationKind::Capture) {
        pay.kind = IntentKind::PayTraceCapture;
        v.steps << tr("PayTrace: capture %1 of authorization %2").arg(money(amount), target.transactionId);
    } else if (isVoid) {
        pay.kind = IntentKind::PayTraceVoid;
        v.steps << (refundAsVoid
                        ? tr("PayTrace: void transaction %1 (%2): it is not settled yet, so the whole payment is voided instead of refunded")
                              .arg(target.transactionId, money(amount))
                        : tr("PayTrace: void transaction %1 (%2)").arg(target.transactionId, money(amount)));
    } else {
        pay.kind = IntentKind::PayTraceRefund;
        v.steps << (notBefore.isValid()
                        ? tr("PayTrace: refund %1 of transaction %2 after its batch closes (%3): PayTrace refunds only settled payments")
                              .arg(money(amount), target.transactionId,
                                   notBefore.toTimeZone(paytrace::Parser::batchTimeZone()).toString(u"yyyy-MM-dd HH:mm t"_s))
                        : tr("PayTrace: refund %1 of transaction %2 (settled in batch %3)")
                              .arg(money(amount), target.transactionId, target.batch.isEmpty() ? tr("unknown") : target.batch));
    }
    chain.requests << pay;

    // Step 2: Magento records what PayTrace did.
    if (!options.magentoStep)
        v.steps << tr("Magento: nothing to do (the order already shows it)");
    PlanRequest mag;
    mag.orderEntityId = p.order.entityId;
    mag.requestedBy = r.actor;
    mag.naturalKey = keyRoot + u"/magento"_s;
    mag.payload = basePayload(p, r, op);
    mag.payload.insert(kAfter, after);
    const Money magentoAmount = inOrderCurrency(p.order, amount);
    if (!magentoAmount.isValid())
        return refuse(chain, u"invariant.currency"_s,
                      tr("Order %1 gives no rate from %2 to %3 for the Magento document.")
                          .arg(inc, v.currency.code(), p.order.currency.code()));
    mag.payload.insert(kAmount, magentoAmount.toDecimalString());
    mag.payload.insert(kFull, amount.compare(v.remaining) == std::strong_ordering::equal);
    if (r.kind == OperationKind::Capture) {
        const bool full = amount.compare(minusOrZero(f.authorized, f.captured)) == std::strong_ordering::equal;
        if (full && !invoiced) {
            mag.kind = IntentKind::MagentoInvoice;
            v.steps << tr("Magento: invoice order %1 without capturing (capture:false), noting the PayTrace capture").arg(inc);
        } else {
            mag.kind = IntentKind::MagentoComment;
            v.steps << tr("Magento: comment on order %1 with the PayTrace capture of %2").arg(inc, money(amount));
        }
    } else if (isVoid && !invoiced) {
        mag.kind = IntentKind::MagentoCancel;
        v.steps << tr("Magento: cancel order %1").arg(inc);
    } else if (p.order.state == u"closed" || p.order.state == u"canceled") {
        // Magento already credited (or never took) the money: it refuses a credit memo, so the
        // gateway's refund is noted on the order instead.
        mag.kind = IntentKind::MagentoComment;
        v.steps << tr("Magento: comment on order %1 with the PayTrace refund of %2 (the order is %3, so Magento takes no credit memo)")
                       .arg(inc, money(amount), p.order.state);
    } else {
        if (options.magentoStep) {
            if (auto refused = creditMemoRefused(chain, p))
                return *refused;
        }
        mag.kind = IntentKind::MagentoCreditMemo;
        v.steps << tr("Magento: offline credit memo of %1 on order %2 (no second refund at the gateway)").arg(money(magentoAmount), inc);
        // A "full" credit memo (no items) makes Magento refund the whole order again; after an
        // earlier refund or void the rest must go as an adjustment of exactly this amount.
        if (!f.refunded.isZero() || !f.voided.isZero())
            mag.payload.insert(kFull, false);
    }
    if (options.magentoStep)
        chain.requests << mag;
    else
        v.steps.removeLast();

    // Step 3: the ERP, where money moved.
    const bool movesLedger = r.kind == OperationKind::Capture || !f.captured.isZero();
    if (movesLedger) {
        PlanRequest erp;
        erp.kind = IntentKind::ErpEntry;
        erp.orderEntityId = p.order.entityId;
        erp.requestedBy = r.actor;
        erp.naturalKey = keyRoot + u"/erp"_s;
        erp.payload = basePayload(p, r, op);
        erp.payload.insert(kCurrency, v.currency.code());
        erp.payload.insert(kAfter, after);
        erp.payload.insert(kAmount, amount.toDecimalString());
        const QString entry = r.kind == OperationKind::Capture ? u"payment"_s : u"refund"_s;
        erp.payload.insert(kEntry, entry);
        // Fixed at planning, so a retried post offers exactly the same entry.
        erp.payload.insert(u"date"_s, today.toString(Qt::ISODate));
        const auto plan = profile.planEntry(entry == u"payment" ? mapping::EntryKind::Payment : mapping::EntryKind::Refund,
                                            inc, amount);
        QString accounts;
        if (plan && plan->postings.size() >= 2)
            accounts = plan->postings.at(0).account + u" / "_s + plan->postings.at(1).account;
        v.steps << tr("ERP: %1 entry of %2 for order %3 dated %4 (%5)")
                       .arg(entry, money(amount), inc, today.toString(Qt::ISODate), accounts);
        chain.requests << erp;
    }
    noteRounding(v, p.order);
    v.allowed = true;
    return chain;
}

} // namespace pb::sync
