#include "livestore.h"

#include "magentosim.h"
#include "paytracesim.h"
#include "sandboxclock.h"
#include "simutil.h"

#include <QMutexLocker>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

QString usd(qint64 cents)
{
    return u"$"_s + QString::fromLatin1(decimalFixed(cents, 2));
}

// Newest first, as the generated history; ids far above the generated ones.
void addHistory(MagentoOrder &o, qint64 now, const QString &comment, int notify = 0)
{
    static std::atomic<qint64> nextId{80000000};
    MagentoStatusHistory h;
    h.entityId = nextId++;
    h.parentId = o.entityId;
    h.status = o.status;
    h.comment = comment;
    h.createdAt = now;
    h.isCustomerNotified = notify;
    o.statusHistories.prepend(h);
    o.updatedAt = now;
}

// A generated order turned into a new one "just placed": nothing invoiced, shipped or refunded.
MagentoOrder freshCopy(const MagentoOrder &from, qint64 now, std::optional<qint64> amount)
{
    MagentoOrder o = from;
    o.entityId = 0;
    o.incrementId.clear();
    o.state = o.status = u"pending"_s;
    o.holdBeforeState.clear();
    o.holdBeforeStatus.clear();
    o.fieldOverrides.clear();
    o.statusHistories.clear();
    o.createdAt = o.updatedAt = now;
    if (amount) {
        // One line at the asked price: no tax, shipping or discount, so the total is the amount.
        MagentoOrderItem item = o.items.isEmpty() ? MagentoOrderItem{} : o.items.first();
        if (item.sku.isEmpty()) {
            item.sku = u"LIVE-ITEM"_s;
            item.name = u"Live store item"_s;
        }
        item.qtyOrdered = 1;
        item.price = item.basePrice = item.originalPrice = item.priceInclTax = *amount;
        item.rowTotal = item.baseRowTotal = item.rowTotalInclTax = *amount;
        item.taxAmount = item.baseTaxAmount = item.taxPercentBp = 0;
        item.discountAmount = item.baseDiscountAmount = item.discountPercentBp = 0;
        o.items = {item};
        o.subtotal = o.baseSubtotal = o.grandTotal = o.baseGrandTotal = *amount;
        o.taxAmount = o.baseTaxAmount = o.shippingAmount = o.baseShippingAmount = 0;
        o.discountAmount = o.baseDiscountAmount = 0;
        o.totalQtyOrdered = 1;
        o.payment.shippingAmount = o.payment.baseShippingAmount = 0;
    }
    for (MagentoOrderItem &item : o.items) {
        item.qtyInvoiced = item.qtyShipped = item.qtyRefunded = item.qtyCanceled = 0;
        item.amountRefunded = 0;
    }
    o.totalPaid.reset();
    o.totalInvoiced.reset();
    o.totalRefunded.reset();
    o.totalOfflineRefunded.reset();
    o.totalOnlineRefunded.reset();
    o.totalCanceled.reset();
    o.baseTotalPaid.reset();
    o.baseTotalInvoiced.reset();
    o.baseTotalRefunded.reset();
    o.baseTotalCanceled.reset();
    o.totalDue = o.grandTotal;
    o.baseTotalDue = o.baseGrandTotal;
    MagentoPayment &p = o.payment;
    p.amountOrdered = o.grandTotal;
    p.baseAmountOrdered = o.baseGrandTotal;
    p.amountAuthorized.reset();
    p.baseAmountAuthorized.reset();
    p.amountPaid.reset();
    p.baseAmountPaid.reset();
    p.amountRefunded.reset();
    p.baseAmountRefunded.reset();
    p.amountCanceled.reset();
    p.lastTransId.clear();
    return o;
}

void markPaid(MagentoOrder &o)
{
    o.totalPaid = o.totalInvoiced = o.grandTotal;
    o.baseTotalPaid = o.baseTotalInvoiced = o.baseGrandTotal;
    o.totalDue = o.baseTotalDue = 0;
    o.payment.amountPaid = o.grandTotal;
    o.payment.baseAmountPaid = o.baseGrandTotal;
    for (MagentoOrderItem &item : o.items)
        item.qtyInvoiced = item.qtyOrdered;
}

} // namespace

LiveStore::LiveStore(PayTraceSimulator *paytrace, MagentoSimulator *magento, const SandboxClock *clock,
                     QList<MagentoOrder> templates, quint64 seed, QObject *parent)
    : QObject(parent), m_paytrace(paytrace), m_magento(magento), m_clock(clock), m_rng(seed * 0xD6E8FEB86659FD93ULL + 0x11FE)
{
    // PayTrace takes USD only: copy USD orders paid through PayTrace.
    for (const MagentoOrder &o : std::as_const(templates)) {
        if (o.payment.method == u"paytrace" && o.orderCurrencyCode == u"USD" && !o.items.isEmpty())
            m_templates.append(o);
    }
    if (m_templates.isEmpty()) {
        MagentoOrder o;
        o.orderCurrencyCode = o.baseCurrencyCode = u"USD"_s;
        o.customerEmail = u"live@example.com"_s;
        o.customerFirstname = u"Live"_s;
        o.customerLastname = u"Shopper"_s;
        o.payment.method = u"paytrace"_s;
        o.payment.ccLast4 = u"5439"_s;
        o.payment.ccType = u"VI"_s;
        o.payment.ccExpMonth = 12;
        o.payment.ccExpYear = 2030;
        o.items.append(MagentoOrderItem{});
        o.items.first().sku = u"LIVE-ITEM"_s;
        o.items.first().name = u"Live store item"_s;
        o.items.first().price = o.items.first().rowTotal = o.grandTotal = o.subtotal = 2500;
        o.baseGrandTotal = o.baseSubtotal = 2500;
        m_templates.append(o);
    }
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, [this] { tick(); });
}

qint64 LiveStore::draw(qint64 lo, qint64 hi)
{
    return hi <= lo ? lo : lo + qint64(m_rng() % quint64(hi - lo + 1));
}

void LiveStore::start(double ordersPerMinute)
{
    QMutexLocker lock(&m_mutex);
    m_rate = std::max(0.0, ordersPerMinute);
    if (m_rate <= 0) {
        m_timer.stop();
        return;
    }
    m_nextOrderAt = m_clock->nowSecs() + 2;
    m_timer.start();
}

void LiveStore::stop()
{
    QMutexLocker lock(&m_mutex);
    m_rate = 0;
    m_timer.stop();
}

double LiveStore::ordersPerMinute() const
{
    QMutexLocker lock(&m_mutex);
    return m_rate;
}

LiveStore::Counts LiveStore::counts() const
{
    QMutexLocker lock(&m_mutex);
    return m_counts;
}

LiveStore::Placed LiveStore::checkout(const Checkout &request)
{
    QMutexLocker lock(&m_mutex);
    return place(request, m_clock->nowSecs());
}

LiveStore::Placed LiveStore::place(const Checkout &request, qint64 now)
{
    const MagentoOrder &from = m_templates[qsizetype(draw(0, m_templates.size() - 1))];
    MagentoOrder o = m_magento->addOrder(freshCopy(from, now, request.amount));
    o.billingAddress.parentId = o.shippingAddress.parentId = o.payment.parentId = o.entityId;
    o.billingAddress.entityId = 90000000 + o.entityId * 2;
    o.shippingAddress.entityId = o.billingAddress.entityId + 1;
    o.payment.entityId = 90000000 + o.entityId;
    for (qsizetype k = 0; k < o.items.size(); ++k)
        o.items[k].itemId = 90000000 + o.entityId * 10 + k;

    // The store's PayTrace module charges the card, invoice id = increment id.
    PayTraceTransaction t;
    t.kind = request.action == u"authorization" ? PayTraceKind::Authorization : PayTraceKind::Sale;
    t.amount = o.grandTotal;
    t.invoiceId = o.incrementId;
    t.customerReferenceId = o.incrementId;
    t.description = u"Order #"_s + o.incrementId;
    t.card.brand = o.payment.ccType == u"AE" ? u"AMEX"_s : o.payment.ccType == u"MC" ? u"MASTERCARD"_s
                 : o.payment.ccType == u"DI" ? u"DISCOVER"_s : u"VISA"_s;
    t.card.bin = t.card.brand == u"AMEX" ? u"371449"_s : t.card.brand == u"MASTERCARD" ? u"549974"_s
               : t.card.brand == u"DISCOVER" ? u"601100"_s : u"401200"_s;
    t.card.last4 = o.payment.ccLast4.isEmpty() ? u"5439"_s : o.payment.ccLast4;
    t.card.expirationMonth = o.payment.ccExpMonth ? o.payment.ccExpMonth : 12;
    t.card.expirationYear = o.payment.ccExpYear ? o.payment.ccExpYear : 2030;
    const auto address = [](const MagentoAddress &a) {
        PayTraceAddress p;
        p.name = a.firstname + u' ' + a.lastname;
        p.streetAddress = a.street.value(0);
        p.streetAddress2 = a.street.value(1);
        p.city = a.city;
        p.state = a.regionCode;
        p.zip = a.postcode;
        p.country = a.countryId;
        return p;
    };
    t.billing = address(o.billingAddress);
    t.shipping = address(o.shippingAddress);
    t.fromIp = o.remoteIp;
    const PayTraceTransaction paid = m_paytrace->placePayment(t);

    o.payment.lastTransId = QString::number(paid.id);
    if (!paid.approved) {
        o.state = o.status = u"canceled"_s;
        o.totalCanceled = o.grandTotal;
        o.baseTotalCanceled = o.baseGrandTotal;
        for (MagentoOrderItem &item : o.items)
            item.qtyCanceled = item.qtyOrdered;
        addHistory(o, now, u"Payment declined by the gateway: Do not honor."_s);
    } else if (t.kind == PayTraceKind::Sale) {
        o.state = o.status = u"processing"_s;
        markPaid(o);
        addHistory(o, now, u"Captured amount of %1 online. Transaction ID: \"%2\""_s.arg(usd(o.grandTotal)).arg(paid.id), 1);
    } else {
        o.state = o.status = u"processing"_s;
        o.payment.amountAuthorized = o.grandTotal;
        o.payment.baseAmountAuthorized = o.baseGrandTotal;
        addHistory(o, now, u"Authorized amount of %1. Transaction ID: \"%2\""_s.arg(usd(o.grandTotal)).arg(paid.id), 1);
    }
    m_magento->updateOrder(o);
    ++m_counts.orders;
    return Placed{o.entityId, o.incrementId, paid.id, paid.approved};
}

int LiveStore::tick()
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock->nowSecs();
    int actions = 0;
    if (m_rate > 0) {
        const qint64 mean = std::max<qint64>(1, qint64(60.0 / m_rate));
        // After a big clock jump place a few, not hours' worth at once.
        if (now - m_nextOrderAt > 20 * mean)
            m_nextOrderAt = now - 20 * mean;
        while (m_nextOrderAt <= now) {
            Checkout c;
            c.action = draw(0, 99) < 60 ? u"sale"_s : u"authorization"_s;
            const Placed placed = place(c, m_nextOrderAt <= now ? now : m_nextOrderAt);
            ++actions;
            if (placed.approved) {
                const qint64 roll = draw(0, 99);
                if (c.action == u"sale") {
                    m_pending.push_back({now + draw(60, 15 * 60), Step::Ship, placed.entityId, placed.transactionId});
                    if (roll < 15)
                        m_pending.push_back({now + draw(3 * 60, 30 * 60), Step::RefundOrVoid, placed.entityId, placed.transactionId});
                } else if (roll < 15) {
                    m_pending.push_back({now + draw(60, 10 * 60), Step::Cancel, placed.entityId, placed.transactionId});
                } else {
                    m_pending.push_back({now + draw(2 * 60, 20 * 60), Step::Ship, placed.entityId, placed.transactionId});
                }
            }
            m_nextOrderAt += std::max<qint64>(1, mean / 2 + draw(0, mean));
        }
    }
    std::stable_sort(m_pending.begin(), m_pending.end(), [](const Pending &a, const Pending &b) { return a.at < b.at; });
    while (!m_pending.empty() && m_pending.front().at <= now) {
        const Pending p = m_pending.front();
        m_pending.erase(m_pending.begin());
        actions += follow(p, now) ? 1 : 0;
    }
    return actions;
}

bool LiveStore::follow(const Pending &p, qint64 now)
{
    std::optional<MagentoOrder> found = m_magento->order(p.entityId);
    const auto tx = m_paytrace->transaction(p.transactionId);
    if (!found || !tx)
        return false;
    MagentoOrder o = *found;
    if (o.state == u"canceled" || o.state == u"closed" || o.state == u"holded")
        return false; // someone else (PayBridge, a person) moved it on
    switch (p.step) {
    case Step::Ship: {
        if (tx->kind == PayTraceKind::Authorization) {
            if (tx->voided || tx->capturedAmount)
                return false;
            if (m_paytrace->captureNow(tx->id))
                return false;
            markPaid(o);
            addHistory(o, now, u"Captured amount of %1 online. Transaction ID: \"%2\""_s.arg(usd(o.grandTotal)).arg(tx->id));
            ++m_counts.captures;
        }
        bool shipped = false;
        for (MagentoOrderItem &item : o.items) {
            shipped = shipped || item.qtyShipped < item.qtyOrdered;
            item.qtyShipped = item.qtyOrdered;
        }
        if (o.totalPaid.value_or(0) == o.grandTotal)
            o.state = o.status = u"complete"_s;
        o.updatedAt = now;
        ++m_counts.shipments;
        m_magento->updateOrder(o);
        return shipped;
    }
    case Step::RefundOrVoid: {
        if (tx->voided)
            return false;
        if (tx->settledAt == 0) {
            // Not settled yet: the merchant voids the sale and cancels the order.
            if (m_paytrace->voidNow(tx->id))
                return false;
            o.state = o.status = u"canceled"_s;
            o.totalCanceled = o.grandTotal;
            o.baseTotalCanceled = o.baseGrandTotal;
            o.payment.amountCanceled = o.grandTotal;
            addHistory(o, now, u"Voided capture. Transaction ID: \"%1\""_s.arg(tx->id));
            ++m_counts.voids;
        } else {
            qint64 refundId = 0;
            if (m_paytrace->refundNow(tx->id, std::nullopt, &refundId))
                return false;
            o.state = o.status = u"closed"_s;
            o.totalRefunded = o.totalOnlineRefunded = o.grandTotal;
            o.baseTotalRefunded = o.baseGrandTotal;
            o.payment.amountRefunded = o.grandTotal;
            o.payment.baseAmountRefunded = o.baseGrandTotal;
            for (MagentoOrderItem &item : o.items) {
                item.qtyRefunded = item.qtyInvoiced;
                item.amountRefunded = item.rowTotal - item.discountAmount;
            }
            addHistory(o, now, u"We refunded %1 online. Transaction ID: \"%2\""_s.arg(usd(o.grandTotal)).arg(refundId), 1);
            ++m_counts.refunds;
        }
        m_magento->updateOrder(o);
        return true;
    }
    case Step::Cancel: {
        if (tx->voided || tx->capturedAmount || m_paytrace->voidNow(tx->id))
            return false;
        o.state = o.status = u"canceled"_s;
        o.totalCanceled = o.grandTotal;
        o.baseTotalCanceled = o.baseGrandTotal;
        o.payment.amountCanceled = o.grandTotal;
        for (MagentoOrderItem &item : o.items)
            item.qtyCanceled = item.qtyOrdered;
        addHistory(o, now, u"Voided authorization. Transaction ID: \"%1\""_s.arg(tx->id));
        ++m_counts.cancels;
        m_magento->updateOrder(o);
        return true;
    }
    }
    return false;
}

} // namespace pb::sandbox
