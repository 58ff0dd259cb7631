#include "sync/orderpayment.h"

#include "intents/intentjournal.h"
#include "store/linkrepository.h"
#include "store/orderrepository.h"
#include "store/sqlsupport.h"
#include "store/transactionrepository.h"
#include "util/clock.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

using Type = GatewayTransaction::Type;
using TStatus = GatewayTransaction::Status;
using intents::IntentKind;
using intents::IntentState;

bool isLive(TStatus s)
{
    return s == TStatus::Approved || s == TStatus::PendingSettlement || s == TStatus::Settled
        || s == TStatus::AuthorizedOnly;
}

bool isCapturedStatus(const GatewayTransaction &t)
{
    if (t.type == Type::Sale || t.type == Type::Capture)
        return t.status == TStatus::Approved || t.status == TStatus::PendingSettlement || t.status == TStatus::Settled;
    if (t.type == Type::Authorization)
        return t.status == TStatus::PendingSettlement || t.status == TStatus::Settled;
    return false;
}

Money add(const Money &a, const Money &b)
{
    if (!a.isValid())
        return b;
    auto r = a.plus(b);
    return r ? r.value() : a;
}

// Facts as PayTrace's own records state them (the same rules as the store's payment summary).
intents::PaymentFacts gatewayFactsOf(const OrderPayment &p)
{
    intents::PaymentFacts f;
    f.currency = chargedCurrency(p.order);
    f.authorized = Money::zero(f.currency);
    f.captured = Money::zero(f.currency);
    f.refunded = Money::zero(f.currency);
    f.voided = Money::zero(f.currency);
    for (const GatewayTransaction &t : p.transactions) {
        if (!(t.amount.currency() == f.currency))
            continue;
        if ((t.type == Type::Sale || t.type == Type::Authorization)
            && (isLive(t.status) || t.status == TStatus::Voided))
            f.authorized = add(f.authorized, t.amount);
        if (isCapturedStatus(t))
            f.captured = add(f.captured, t.amount);
        if (t.type == Type::Refund && isLive(t.status))
            f.refunded = add(f.refunded, t.amount);
    }
    if (p.target) {
        f.authorizationVoided = p.target->status == TStatus::Voided;
        f.settled = p.target->status == TStatus::Settled;
    }
    return f;
}

bool reflectedInGateway(const OrderPayment &p, const intents::Intent &i)
{
    const QString target = i.payload.value(u"transaction_id"_s).toString();
    const auto find = [&](const QString &id) -> const GatewayTransaction * {
        for (const GatewayTransaction &t : p.transactions) {
            if (t.transactionId == id)
                return &t;
        }
        return nullptr;
    };
    switch (i.kind) {
    case IntentKind::PayTraceRefund:
    case IntentKind::PayTraceSale:
        return !i.resultRef.isEmpty() && find(i.resultRef) != nullptr;
    case IntentKind::PayTraceCapture: {
        const GatewayTransaction *t = find(target);
        return t && isCapturedStatus(*t);
    }
    case IntentKind::PayTraceVoid: {
        const GatewayTransaction *t = find(target);
        return t && t->status == TStatus::Voided;
    }
    default:
        return true;
    }
}

bool counts(IntentState s)
{
    return s != IntentState::Dead && s != IntentState::Discarded;
}

Result<OrderPayment> load(QSqlDatabase &db, std::optional<OrderRecord> order,
                          std::optional<qint64> excluding, const QString &what)
{
    if (!order)
        return makeError(u"operation.order_not_found"_s, u"order"_s,
                         u"no order "_s + what + u" in the store; run a sync first if it is new"_s);
    OrderPayment p;
    p.order = *order;

    store::LinkRepository links(db);
    auto ids = links.transactionIdsForOrder(p.order.entityId);
    if (!ids)
        return ids.error();
    store::TransactionRepository txns(db);
    for (const QString &id : ids.value()) {
        auto t = txns.find(id);
        if (!t)
            return t.error();
        if (t.value())
            p.transactions.append(*t.value());
    }
    std::stable_sort(p.transactions.begin(), p.transactions.end(),
                     [](const GatewayTransaction &a, const GatewayTransaction &b) { return a.createdAt < b.createdAt; });

    // The latest live sale or authorization; else the latest voided one (so its void shows).
    for (auto it = p.transactions.crbegin(); it != p.transactions.crend() && !p.target; ++it) {
        if ((it->type == Type::Sale || it->type == Type::Authorization) && isLive(it->status)
            && it->amount.currency() == chargedCurrency(p.order))
            p.target = *it;
    }
    for (auto it = p.transactions.crbegin(); it != p.transactions.crend() && !p.target; ++it) {
        if ((it->type == Type::Sale || it->type == Type::Authorization) && it->status == TStatus::Voided)
            p.target = *it;
    }

    intents::IntentJournal journal(db, SystemClock::instance()); // reads only
    auto all = journal.forOrder(p.order.entityId);
    if (!all)
        return all.error();
    p.intents = all.value();

    p.gatewayFacts = gatewayFactsOf(p);
    // What a charge of a card on file may still take: Magento's grand total less what it
    // shows paid, in the charged currency.
    p.gatewayFacts.orderClosed = p.order.state == u"canceled" || p.order.state == u"closed";
    if (const Money total = chargedTotal(p.order); total.isValid()) {
        const Money paid = p.order.totalPaid.isValid() ? inChargedCurrency(p.order, p.order.totalPaid)
                                                       : Money::zero(total.currency());
        if (paid.isValid()) {
            auto owed = total.minus(paid);
            p.gatewayFacts.saleable = owed && !owed->isNegative() ? owed.value() : Money::zero(total.currency());
        }
    }
    p.facts = p.gatewayFacts;
    for (const intents::Intent &i : std::as_const(p.intents)) {
        if (!intents::movesMoney(i.kind) || !counts(i.state) || (excluding && *excluding == i.id))
            continue;
        if (i.state == IntentState::Succeeded && reflectedInGateway(p, i))
            continue;
        const Money amount = intentAmount(i);
        switch (i.kind) {
        case IntentKind::PayTraceCapture:
            p.facts.captured = add(p.facts.captured, amount);
            break;
        case IntentKind::PayTraceRefund:
            p.facts.refunded = add(p.facts.refunded, amount);
            break;
        case IntentKind::PayTraceVoid:
            p.facts.authorizationVoided = true;
            if (amount.isValid() && !p.gatewayFacts.captured.isZero())
                p.facts.voided = add(p.facts.voided, amount);
            break;
        case IntentKind::PayTraceSale:
            // A charge of a card on file: approved (or maybe approved) money on the order.
            if (i.state != IntentState::Succeeded)
                p.facts.salePending = true;
            if (amount.isValid()) {
                p.facts.authorized = add(p.facts.authorized, amount);
                if (!i.payload.value(u"authorize"_s).toBool())
                    p.facts.captured = add(p.facts.captured, amount);
            }
            break;
        default:
            break;
        }
    }
    return p;
}

} // namespace

namespace {

// What a Magento document PayBridge created changes on the order, as Magento will report it.
Status reflectMagentoEffect(QSqlDatabase &db, const intents::Intent &intent)
{
    const Money amount = intentAmount(intent);
    QString sql;
    QVariantList binds;
    switch (intent.kind) {
    case IntentKind::MagentoCreditMemo:
        if (!amount.isValid())
            return Status::success();
        sql = u"UPDATE orders SET total_refunded = MIN(total_paid, total_refunded + ?) WHERE entity_id = ?"_s;
        binds << amount.minor();
        break;
    case IntentKind::MagentoInvoice:
        if (!amount.isValid())
            return Status::success();
        sql = u"UPDATE orders SET total_invoiced = MIN(grand_total, total_invoiced + ?), "
              "total_paid = MIN(grand_total, total_paid + ?), total_due = MAX(0, total_due - ?) WHERE entity_id = ?"_s;
        binds << amount.minor() << amount.minor() << amount.minor();
        break;
    case IntentKind::MagentoCancel:
        sql = u"UPDATE orders SET state = 'canceled', status = 'canceled' WHERE entity_id = ?"_s;
        break;
    default:
        return Status::success();
    }
    if (!intent.orderEntityId)
        return Status::success();
    binds << *intent.orderEntityId;
    auto q = store::detail::prepare(db, sql);
    if (!q)
        return q.error();
    for (const QVariant &v : std::as_const(binds))
        q.value().addBindValue(v);
    return store::detail::exec(q.value(), u"cannot show the Magento document on order "_s
                                              + QString::number(*intent.orderEntityId));
}

} // namespace

Status reflectEffect(QSqlDatabase &db, const intents::Intent &intent, const QString &resultRef, const QDateTime &now)
{
    if (!intents::movesMoney(intent.kind))
        return reflectMagentoEffect(db, intent);
    if (resultRef.isEmpty())
        return Status::success();
    store::TransactionRepository txns(db);
    const QString target = intent.payload.value(u"transaction_id"_s).toString();
    const Money amount = intentAmount(intent);
    GatewayTransaction t;
    const bool newTransaction = intent.kind == IntentKind::PayTraceRefund || intent.kind == IntentKind::PayTraceSale;
    if (newTransaction) {
        auto known = txns.find(resultRef);
        if (!known)
            return known.error();
        if (known.value())
            return Status::success(); // a sync has stored PayTrace's own record already
        if (!amount.isValid())
            return Status::success();
        t.transactionId = resultRef;
        if (intent.kind == IntentKind::PayTraceSale) {
            const bool authorize = intent.payload.value(u"authorize"_s).toBool();
            t.type = authorize ? Type::Authorization : Type::Sale;
            t.typeText = authorize ? u"AUTHORIZATION"_s : u"SALE"_s;
            t.status = authorize ? TStatus::AuthorizedOnly : TStatus::PendingSettlement;
            t.customerId = intent.payload.value(u"customer_id"_s).toString();
        } else {
            t.type = Type::Refund;
            t.typeText = u"REFUND"_s;
            t.status = TStatus::PendingSettlement;
        }
        t.amount = amount;
        t.invoiceId = intent.payload.value(u"order"_s).toString();
        t.createdAt = now;
        t.description = u"recorded by PayBridge when PayTrace approved it; the next sync reads PayTrace's record"_s;
    } else {
        auto known = txns.find(target);
        if (!known)
            return known.error();
        if (!known.value())
            return Status::success();
        t = *known.value();
        if (intent.kind == IntentKind::PayTraceVoid) {
            t.status = TStatus::Voided;
        } else if (intent.kind == IntentKind::PayTraceCapture) {
            // A partial capture changes the amount too, in a way only PayTrace's export states;
            // until it is read, the intent itself counts (sync::loadOrderPayment).
            if (t.status != TStatus::AuthorizedOnly || !amount.isValid()
                || t.amount.compare(amount) != std::strong_ordering::equal)
                return Status::success();
            t.status = TStatus::PendingSettlement;
        } else {
            return Status::success();
        }
    }
    // A captured or voided transaction is linked already: the upsert refreshed its order.
    if (Status s = txns.upsert({t}, now); !s)
        return s;
    if (!newTransaction || !intent.orderEntityId)
        return Status::success();
    // The new refund (or sale) belongs to the intent's order: link just it (not a scan of the store,
    // which linkByInvoiceId would be on every refund) and refresh that order.
    auto link = store::detail::prepare(db, uR"(
INSERT OR IGNORE INTO order_transaction_links (transaction_id, order_entity_id, rule, linked_at)
VALUES (?, ?, ?, ?))"_s);
    if (!link)
        return link.error();
    QSqlQuery &q = link.value();
    q.addBindValue(t.transactionId);
    q.addBindValue(*intent.orderEntityId);
    q.addBindValue(QString(store::LinkRepository::kRuleInvoiceId));
    q.addBindValue(store::detail::timeToSql(now));
    if (Status s = store::detail::exec(q, u"cannot link refund "_s + t.transactionId); !s)
        return s;
    return store::LinkRepository(db).recomputeSummaries({*intent.orderEntityId});
}

Currency chargedCurrency(const OrderRecord &order)
{
    return order.baseCurrency.isValid() ? order.baseCurrency : order.currency;
}

Money chargedTotal(const OrderRecord &order)
{
    return order.baseCurrency.isValid() ? order.baseGrandTotal : order.grandTotal;
}

namespace {

// `m` scaled by num/den into `to`, half away from zero; minor units scale with the rate whatever
// the two exponents are. Exact for a whole grand total. Integers only (money never passes
// through floating point); a product beyond 64 bits gives an invalid Money, never a guess.
Money scaled(const Money &m, qint64 num, qint64 den, const Currency &to)
{
    if (den <= 0 || num < 0)
        return {};
    qint64 product = 0;
    if (__builtin_mul_overflow(m.minor(), num, &product))
        return {};
    qint64 quotient = product / den;
    const qint64 remainder = product % den;
    // |2r| >= den without overflow: |r| >= den - |r|.
    const qint64 absRemainder = remainder < 0 ? -remainder : remainder;
    if (absRemainder >= den - absRemainder)
        quotient += product < 0 ? -1 : 1;
    return Money::fromMinor(quotient, to);
}

} // namespace

Money inOrderCurrency(const OrderRecord &order, const Money &charged)
{
    if (!charged.isValid() || charged.currency() == order.currency)
        return charged;
    if (!(charged.currency() == chargedCurrency(order)) || !order.grandTotal.isValid() || !order.baseGrandTotal.isValid())
        return {};
    return scaled(charged, order.grandTotal.minor(), order.baseGrandTotal.minor(), order.currency);
}

Money inChargedCurrency(const OrderRecord &order, const Money &amount)
{
    const Currency charged = chargedCurrency(order);
    if (!amount.isValid() || amount.currency() == charged)
        return amount;
    if (!(amount.currency() == order.currency) || !order.grandTotal.isValid() || !order.baseGrandTotal.isValid())
        return {};
    return scaled(amount, order.baseGrandTotal.minor(), order.grandTotal.minor(), charged);
}

Money intentAmount(const intents::Intent &intent)
{
    const QString amount = intent.payload.value(u"amount"_s).toString();
    const auto currency = Currency::fromCode(intent.payload.value(u"currency"_s).toString());
    if (amount.isEmpty() || !currency)
        return {};
    auto m = Money::parse(amount, *currency);
    return m ? m.value() : Money();
}

Result<OrderPayment> loadOrderPayment(QSqlDatabase &db, const QString &incrementId,
                                      std::optional<qint64> excluding)
{
    store::OrderRepository orders(db);
    auto order = orders.findByIncrementId(incrementId);
    if (!order)
        return order.error();
    return load(db, order.value(), excluding, incrementId);
}

Result<OrderPayment> loadOrderPaymentById(QSqlDatabase &db, qint64 orderEntityId,
                                          std::optional<qint64> excluding)
{
    store::OrderRepository orders(db);
    auto order = orders.find(orderEntityId);
    if (!order)
        return order.error();
    return load(db, order.value(), excluding, u"with entity id "_s + QString::number(orderEntityId));
}

} // namespace pb::sync
