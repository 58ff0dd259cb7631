#include "intents/moneyinvariants.h"

using namespace Qt::StringLiterals;

namespace pb::intents {

namespace {

Error invariant(const QString &code, const QString &message)
{
    return makeError(u"invariant."_s + code, u"amount"_s, message);
}

// Facts must be in the charged currency; missing ones are zero.
Result<Money> normalized(const Money &m, const Currency &currency, const QString &what)
{
    if (!m.isValid())
        return Money::zero(currency);
    if (!(m.currency() == currency))
        return invariant(u"facts"_s, u"the "_s + what + u" amount is in "_s + m.currency().code()
                                         + u" but the order was charged in "_s + currency.code());
    if (m.isNegative())
        return invariant(u"facts"_s, u"the "_s + what + u" amount is negative ("_s + m.toString() + u')');
    return m;
}

bool greater(const Money &a, const Money &b)
{
    const auto order = a.compare(b);
    return order && *order == std::strong_ordering::greater;
}

// "captured 100.00, refunded 75.00" with zero parts after the first left out.
QString breakdown(std::initializer_list<std::pair<QString, Money>> parts)
{
    QString out;
    bool first = true;
    for (const auto &[label, amount] : parts) {
        if (!first && amount.isZero())
            continue;
        if (!out.isEmpty())
            out += u", "_s;
        out += label + u' ' + amount.toDecimalString();
        first = false;
    }
    return out;
}

Error exceeds(MoneyOperation op, const Money &amount, const QString &what, const Money &limit,
              const QString &detail)
{
    return invariant(operationName(op) + u"_exceeds"_s,
                     operationName(op) + u" of "_s + amount.toString() + u" exceeds the "_s + what
                         + u' ' + limit.toString() + u" ("_s + detail + u')');
}

Result<Money> minus(const Money &a, const Money &b)
{
    auto r = a.minus(b);
    if (!r)
        return invariant(u"facts"_s, u"the payment facts cannot be combined: "_s + r.error().message);
    return r;
}

} // namespace

QString operationName(MoneyOperation op)
{
    switch (op) {
    case MoneyOperation::Capture: return u"capture"_s;
    case MoneyOperation::Refund: return u"refund"_s;
    case MoneyOperation::Void: return u"void"_s;
    case MoneyOperation::Sale: return u"sale"_s;
    }
    return u"operation"_s;
}

Status MoneyInvariants::check(const PaymentFacts &facts, const ProposedOperation &proposed)
{
    const Currency &currency = facts.currency;
    const QString name = operationName(proposed.op);
    if (!currency.isValid())
        return invariant(u"facts"_s, u"the order has no currency"_s);
    const Money &amount = proposed.amount;
    if (!amount.isValid())
        return invariant(u"amount"_s, u"the "_s + name + u" amount has no currency"_s);
    if (!(amount.currency() == currency))
        return invariant(u"currency"_s, name + u" in "_s + amount.currency().code()
                                            + u" but the order was charged in "_s + currency.code());
    if (amount.isNegative() || amount.isZero())
        return invariant(u"amount"_s, u"a "_s + name + u" amount must be greater than zero (got "_s
                                          + amount.toString() + u')');

    auto authorized = normalized(facts.authorized, currency, u"authorized"_s);
    auto captured = normalized(facts.captured, currency, u"captured"_s);
    auto refunded = normalized(facts.refunded, currency, u"refunded"_s);
    auto voided = normalized(facts.voided, currency, u"voided"_s);
    for (const auto *r : {&authorized, &captured, &refunded, &voided}) {
        if (!*r)
            return r->error();
    }
    const Money &auth = authorized.value();
    const Money &capt = captured.value();
    const Money &refd = refunded.value();
    const Money &vded = voided.value();

    switch (proposed.op) {
    case MoneyOperation::Capture: {
        if (facts.authorizationVoided)
            return invariant(u"voided"_s, u"the authorization was voided; nothing can be captured"_s);
        auto capturable = minus(auth, capt);
        if (!capturable)
            return capturable.error();
        if (greater(amount, capturable.value()))
            return exceeds(proposed.op, amount, u"capturable"_s, capturable.value(),
                           breakdown({{u"authorized"_s, auth}, {u"captured"_s, capt}}));
        return Status::success();
    }
    case MoneyOperation::Refund: {
        auto afterRefunds = minus(capt, refd);
        if (!afterRefunds)
            return afterRefunds.error();
        auto refundable = minus(afterRefunds.value(), vded);
        if (!refundable)
            return refundable.error();
        if (greater(amount, refundable.value()))
            return exceeds(proposed.op, amount, u"refundable"_s, refundable.value(),
                           breakdown({{u"captured"_s, capt}, {u"refunded"_s, refd}, {u"voided"_s, vded}}));
        return Status::success();
    }
    case MoneyOperation::Void: {
        if (facts.authorizationVoided)
            return invariant(u"void_twice"_s, u"the authorization already has a void; "
                                              "one void per authorization"_s);
        if (facts.settled)
            return invariant(u"void_settled"_s, u"the transaction is settled and can no longer be "
                                                "voided; refund it instead"_s);
        // Voiding a capture takes back what is still open of it; voiding a bare authorization
        // releases the authorization.
        const bool hasCapture = !capt.isZero();
        auto open = hasCapture ? minus(capt, refd) : minus(auth, vded);
        if (!open)
            return open.error();
        Result<Money> voidable = open;
        if (hasCapture) {
            voidable = minus(open.value(), vded);
            if (!voidable)
                return voidable.error();
        }
        if (greater(amount, voidable.value()))
            return exceeds(proposed.op, amount, u"voidable"_s, voidable.value(),
                           hasCapture ? breakdown({{u"captured"_s, capt}, {u"refunded"_s, refd},
                                                   {u"voided"_s, vded}})
                                      : breakdown({{u"authorized"_s, auth}}));
        return Status::success();
    }
    case MoneyOperation::Sale:
        if (facts.orderClosed)
            return invariant(u"sale_closed"_s, u"the order is canceled or closed; it takes no new charge"_s);
        if (facts.salePending)
            return invariant(u"sale_pending"_s, u"a charge of this order is already on its way; "
                                                "wait for it to end before charging again"_s);
        if (facts.saleable.isValid()) {
            auto owed = normalized(facts.saleable, currency, u"owed"_s);
            if (!owed)
                return owed.error();
            if (greater(amount, owed.value()))
                return exceeds(proposed.op, amount, u"amount the order still owes"_s, owed.value(),
                               u"grand total less what is paid"_s);
        }
        if (!auth.isZero() && !facts.authorizationVoided)
            return invariant(u"sale_authorized"_s,
                             u"the order already holds an authorization of "_s + auth.toString()
                                 + u"; capture it instead of charging again"_s);
        return Status::success();
    }
    return invariant(u"operation"_s, u"unknown money operation"_s);
}

} // namespace pb::intents
