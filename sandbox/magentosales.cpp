#include "magentosales.h"

#include "simutil.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

// ---- state model ------------------------------------------------------------------------------

namespace magentostate {

QStringList statusesOf(QStringView state)
{
    // InstallOrderStatusesAndInitialSalesConfig: "fraud" is mapped to processing and payment_review.
    // After the installed ones, the custom statuses this store's admin added (kCustomStatuses).
    QStringList out;
    if (state == u"new")
        out = {u"pending"_s};
    else if (state == u"pending_payment")
        out = {u"pending_payment"_s};
    else if (state == u"processing")
        out = {u"processing"_s, u"fraud"_s};
    else if (state == u"complete")
        out = {u"complete"_s};
    else if (state == u"closed")
        out = {u"closed"_s};
    else if (state == u"canceled")
        out = {u"canceled"_s};
    else if (state == u"holded")
        out = {u"holded"_s};
    else if (state == u"payment_review")
        out = {u"payment_review"_s, u"fraud"_s};
    for (const CustomStatus &c : kCustomStatuses) {
        if (c.state == state)
            out.append(c.status.toString());
    }
    return out;
}

QString defaultStatus(QStringView state)
{
    return statusesOf(state).value(0);
}

qint64 qtyToInvoice(const MagentoOrderItem &i)
{
    return std::max<qint64>(0, i.qtyOrdered - i.qtyInvoiced - i.qtyCanceled);
}

qint64 qtyToShip(const MagentoOrderItem &i)
{
    return std::max<qint64>(0, i.qtyOrdered - i.qtyShipped - i.qtyRefunded - i.qtyCanceled);
}

bool canUnhold(const MagentoOrder &o)
{
    return o.state == u"holded";
}

static bool isPaymentReview(const MagentoOrder &o)
{
    return o.state == u"payment_review";
}

bool canHold(const MagentoOrder &o)
{
    return !(o.state == u"canceled" || isPaymentReview(o) || o.state == u"complete" || o.state == u"closed"
             || o.state == u"holded");
}

bool canCancel(const MagentoOrder &o)
{
    if (canUnhold(o) || isPaymentReview(o))
        return false;
    bool allInvoiced = true;
    for (const MagentoOrderItem &i : o.items)
        allInvoiced = allInvoiced && qtyToInvoice(i) == 0;
    if (allInvoiced)
        return false;
    return !(o.state == u"canceled" || o.state == u"complete" || o.state == u"closed");
}

bool isStateReadyForInvoice(const MagentoOrder &o)
{
    return !(o.state == u"payment_review" || o.state == u"holded" || o.state == u"canceled" || o.state == u"complete"
             || o.state == u"closed");
}

bool canInvoice(const MagentoOrder &o)
{
    if (!isStateReadyForInvoice(o))
        return false;
    for (const MagentoOrderItem &i : o.items) {
        if (qtyToInvoice(i) > 0)
            return true;
    }
    return false;
}

bool canShip(const MagentoOrder &o)
{
    if (canUnhold(o) || isPaymentReview(o) || o.shippingMethod.isEmpty() || o.state == u"canceled")
        return false;
    for (const MagentoOrderItem &i : o.items) {
        if (!i.isVirtual && qtyToShip(i) > 0)
            return true;
    }
    return false;
}

bool canCreditmemo(const MagentoOrder &o)
{
    if (canUnhold(o) || isPaymentReview(o) || o.state == u"canceled" || o.state == u"closed")
        return false;
    return o.totalPaid.value_or(0) - o.totalRefunded.value_or(0) > 0;
}

QString resolveState(const MagentoOrder &o, bool inProgress)
{
    QString state = o.state.isEmpty() ? u"new"_s : o.state;
    if (state == u"new" && inProgress)
        state = u"processing"_s;
    // Evaluate the can* rules against the state chosen so far.
    MagentoOrder probe;
    probe.state = state;
    probe.items = o.items;
    probe.shippingMethod = o.shippingMethod;
    probe.totalPaid = o.totalPaid;
    probe.totalRefunded = o.totalRefunded;
    bool anyToInvoice = false;
    for (const MagentoOrderItem &i : o.items)
        anyToInvoice = anyToInvoice || qtyToInvoice(i) > 0;
    if (state != u"canceled" && state != u"holded" && state != u"payment_review" && !anyToInvoice && !canShip(probe)) {
        if (o.grandTotal == 0 || canCreditmemo(probe))
            state = u"complete"_s;
        else if (o.totalRefunded.value_or(0) > 0)
            state = u"closed"_s;
    }
    return state;
}

} // namespace magentostate

bool isOnlineMethod(const QString &method)
{
    return method == u"paytrace";
}

// ---- helpers -----------------------------------------------------------------------------------

namespace {

qint64 pow10(int n)
{
    qint64 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

qint64 signedMulDiv(qint64 v, qint64 num, qint64 den)
{
    return v < 0 ? -mulDivRound(-v, num, den) : mulDivRound(v, num, den);
}

qint64 toBase(const MagentoOrder &o, qint64 minor)
{
    return signedMulDiv(minor, pow10(o.baseExponent - o.exponent) * 10000, o.baseToOrderRateE4);
}

qint64 baseToOrder(const MagentoOrder &o, qint64 baseMinor)
{
    return signedMulDiv(baseMinor, o.baseToOrderRateE4, 10000 * pow10(o.baseExponent - o.exponent));
}

QString currencySymbol(const QString &code)
{
    if (code == u"USD")
        return u"$"_s;
    if (code == u"CAD")
        return u"CA$"_s;
    if (code == u"EUR")
        return u"\u20ac"_s;
    if (code == u"GBP")
        return u"\u00a3"_s;
    if (code == u"AUD")
        return u"A$"_s;
    if (code == u"JPY")
        return u"\u00a5"_s;
    return code + u' ';
}

QString price(const MagentoOrder &o, qint64 minor)
{
    return currencySymbol(o.orderCurrencyCode) + QString::fromLatin1(decimalFixed(minor, o.exponent));
}

MagentoDocTotals totalsFor(const MagentoOrder &o)
{
    MagentoDocTotals t;
    t.orderCurrencyCode = o.orderCurrencyCode;
    t.baseCurrencyCode = o.baseCurrencyCode;
    t.exponent = o.exponent;
    t.baseExponent = o.baseExponent;
    t.baseToOrderRateE4 = o.baseToOrderRateE4;
    t.storeId = o.storeId;
    t.billingAddressId = o.billingAddress.entityId;
    t.shippingAddressId = o.shippingMethod.isEmpty() ? 0 : o.shippingAddress.entityId;
    return t;
}

MagentoDocItem docItem(const MagentoOrderItem &i)
{
    MagentoDocItem d;
    d.orderItemId = i.itemId;
    d.productId = i.productId;
    d.sku = i.sku;
    d.name = i.name;
    d.price = i.price;
    d.basePrice = i.basePrice;
    d.priceInclTax = i.priceInclTax;
    return d;
}

void addItemToTotals(MagentoDocTotals &t, const MagentoDocItem &d)
{
    t.subtotal += d.rowTotal;
    t.baseSubtotal += d.baseRowTotal;
    t.taxAmount += d.taxAmount;
    t.baseTaxAmount += d.baseTaxAmount;
    t.discountAmount -= d.discountAmount;
    t.baseDiscountAmount -= d.baseDiscountAmount;
}

MagentoError documentError(const QString &prefix, const QStringList &messages)
{
    return magentoError(400, prefix + messages.join(u'\n'));
}

const QString kInvoicePrefix = u"Invoice Document Validation Error(s):\n"_s;
const QString kCreditmemoPrefix = u"Creditmemo Document Validation Error(s):\n"_s;

// Sums the requested quantities per order item (Magento merges repeated lines the same way).
QList<MagentoItemQty> mergeItems(const QList<MagentoItemQty> &items)
{
    QList<MagentoItemQty> out;
    for (const MagentoItemQty &i : items) {
        auto it = std::find_if(out.begin(), out.end(), [&](const MagentoItemQty &x) { return x.orderItemId == i.orderItemId; });
        if (it == out.end())
            out.append(i);
        else
            it->qty += i.qty;
    }
    return out;
}

} // namespace

// ---- seeding from the generated history ---------------------------------------------------------

void MagentoSales::seed(const std::vector<MagentoOrder> &orders)
{
    m_invoices.clear();
    m_creditmemos.clear();
    m_transactions.clear();
    m_customers.clear();
    m_documents.clear();
    static const QRegularExpression txRe(u"Transaction ID: \"([^\"]+)\""_s);
    qint64 maxHistory = 0;
    for (const MagentoOrder &o : orders) {
        for (const MagentoStatusHistory &h : o.statusHistories)
            maxHistory = std::max(maxHistory, h.entityId);

        // The customer's current e-mail is the newest order's (older orders keep a former one).
        if (o.customerId != 0 && m_customerIndex.contains(o.customerId))
        {
            MagentoCustomer &c = m_customers[size_t(m_customerIndex.value(o.customerId))];
            if (c.email != o.customerEmail)
                c.updatedAt = std::max(c.updatedAt, o.createdAt - 3600);
            c.email = o.customerEmail;
        }
        if (o.customerId != 0 && !m_customerIndex.contains(o.customerId)) {
            MagentoCustomer c;
            c.id = o.customerId;
            c.groupId = o.customerGroupId;
            c.email = o.customerEmail;
            c.firstname = o.customerFirstname;
            c.lastname = o.customerLastname;
            // Registered some weeks before the first order (deterministic from the id).
            c.createdAt = o.createdAt - 86400 * (1 + o.customerId % 200) - 3600 * (o.customerId % 23);
            c.updatedAt = c.createdAt;
            // The address book starts with the first order's billing address (id = customer id).
            MagentoAddress a = o.billingAddress;
            a.entityId = c.id;
            a.parentId = c.id;
            a.addressType.clear();
            a.company.clear();
            c.addresses = {a};
            c.defaultBilling = c.id;
            c.defaultShipping = c.id;
            m_customerIndex.insert(c.id, int(m_customers.size()));
            m_customers.push_back(c);
        }

        // Events in time order (histories are newest first).
        qint64 invoicedAt = 0, refundedAt = 0;
        QString captureTxn, refundTxn;
        for (auto it = o.statusHistories.crbegin(); it != o.statusHistories.crend(); ++it) {
            const MagentoStatusHistory &h = *it;
            const bool capture = h.comment.startsWith(u"Captured amount"_s);
            if ((capture || h.comment.startsWith(u"Payment received"_s)) && invoicedAt == 0)
                invoicedAt = h.createdAt;
            if (h.comment.startsWith(u"We refunded"_s) && refundedAt == 0)
                refundedAt = h.createdAt;
            if (!isOnlineMethod(o.payment.method))
                continue;
            const auto match = txRe.match(h.comment);
            if (!match.hasMatch())
                continue;
            const QString n = match.captured(1);
            if (h.comment.startsWith(u"Authorized amount"_s)) {
                addTransaction(o, n, u"authorization"_s, {}, 0, h.createdAt);
            } else if (capture) {
                MagentoTransaction *auth = transactionByTxnId(o.entityId, n);
                if (auth) {
                    auth->isClosed = 1;
                    captureTxn = n + u"-capture"_s;
                    addTransaction(o, captureTxn, u"capture"_s, n, 0, h.createdAt);
                } else {
                    captureTxn = n;
                    addTransaction(o, n, u"capture"_s, {}, 0, h.createdAt);
                }
            } else if (h.comment.startsWith(u"We refunded"_s)) {
                refundTxn = n;
                addTransaction(o, n, u"refund"_s, captureTxn, 1, h.createdAt);
                if (o.totalRefunded.value_or(0) >= o.totalPaid.value_or(0)) {
                    if (MagentoTransaction *c = transactionByTxnId(o.entityId, captureTxn))
                        c->isClosed = 1;
                }
            } else if (h.comment.startsWith(u"Voided"_s)) {
                const QString parent = transactionByTxnId(o.entityId, n + u"-capture"_s) ? n + u"-capture"_s : n;
                if (MagentoTransaction *p = transactionByTxnId(o.entityId, parent))
                    p->isClosed = 1;
                addTransaction(o, n + u"-void"_s, u"void"_s, parent, 1, h.createdAt);
            }
        }

        if (o.totalInvoiced.value_or(0) > 0) {
            MagentoInvoice inv;
            inv.entityId = qint64(m_invoices.size()) + 1;
            inv.incrementId = QString::number(inv.entityId).rightJustified(9, u'0');
            inv.orderId = o.entityId;
            inv.state = 2;
            inv.totals = totalsFor(o);
            for (const MagentoOrderItem &i : o.items) {
                if (i.qtyInvoiced <= 0)
                    continue;
                MagentoDocItem d = docItem(i);
                d.entityId = m_nextDocItemId++;
                d.qty = i.qtyInvoiced;
                d.rowTotal = i.rowTotal;
                d.baseRowTotal = i.baseRowTotal;
                d.taxAmount = i.taxAmount;
                d.baseTaxAmount = i.baseTaxAmount;
                d.discountAmount = i.discountAmount;
                d.baseDiscountAmount = i.baseDiscountAmount;
                d.rowTotalInclTax = i.rowTotalInclTax;
                inv.totalQty += d.qty;
                inv.items.append(d);
            }
            inv.totals.subtotal = o.subtotal;
            inv.totals.baseSubtotal = o.baseSubtotal;
            inv.totals.taxAmount = o.taxAmount;
            inv.totals.baseTaxAmount = o.baseTaxAmount;
            inv.totals.shippingAmount = o.shippingAmount;
            inv.totals.baseShippingAmount = o.baseShippingAmount;
            inv.totals.discountAmount = o.discountAmount;
            inv.totals.baseDiscountAmount = o.baseDiscountAmount;
            inv.totals.grandTotal = *o.totalInvoiced;
            inv.totals.baseGrandTotal = o.baseTotalInvoiced.value_or(o.baseGrandTotal);
            inv.transactionId = captureTxn;
            inv.emailSent = true;
            inv.createdAt = invoicedAt ? invoicedAt : o.createdAt;
            inv.updatedAt = inv.createdAt;
            m_invoiceIndex.insert(inv.entityId, int(m_invoices.size()));
            m_invoices.push_back(inv);

            if (o.totalRefunded.value_or(0) > 0) {
                MagentoInvoice &paid = m_invoices.back();
                MagentoCreditmemo cm;
                cm.entityId = qint64(m_creditmemos.size()) + 1;
                cm.incrementId = QString::number(cm.entityId).rightJustified(9, u'0');
                cm.orderId = o.entityId;
                cm.invoiceId = paid.entityId;
                cm.totals = totalsFor(o);
                for (const MagentoOrderItem &i : o.items) {
                    if (i.qtyRefunded <= 0)
                        continue;
                    MagentoDocItem d = docItem(i);
                    d.entityId = m_nextDocItemId++;
                    d.qty = i.qtyRefunded;
                    d.rowTotal = i.rowTotal;
                    d.baseRowTotal = i.baseRowTotal;
                    d.taxAmount = i.taxAmount;
                    d.baseTaxAmount = i.baseTaxAmount;
                    d.discountAmount = i.discountAmount;
                    d.baseDiscountAmount = i.baseDiscountAmount;
                    d.rowTotalInclTax = i.rowTotalInclTax;
                    addItemToTotals(cm.totals, d);
                    cm.items.append(d);
                }
                const qint64 refunded = *o.totalRefunded;
                const bool full = refunded >= o.totalPaid.value_or(0);
                if (full) {
                    cm.totals.shippingAmount = o.shippingAmount;
                    cm.totals.baseShippingAmount = o.baseShippingAmount;
                }
                cm.totals.grandTotal = refunded;
                cm.totals.baseGrandTotal = o.baseTotalRefunded.value_or(toBase(o, refunded));
                const qint64 rest = refunded - (cm.totals.subtotal + cm.totals.taxAmount + cm.totals.shippingAmount + cm.totals.discountAmount);
                const qint64 baseRest = cm.totals.baseGrandTotal
                    - (cm.totals.baseSubtotal + cm.totals.baseTaxAmount + cm.totals.baseShippingAmount + cm.totals.baseDiscountAmount);
                (rest >= 0 ? cm.adjustmentPositive : cm.adjustmentNegative) = rest >= 0 ? rest : -rest;
                (baseRest >= 0 ? cm.baseAdjustmentPositive : cm.baseAdjustmentNegative) = baseRest >= 0 ? baseRest : -baseRest;
                cm.online = o.totalOnlineRefunded.value_or(0) > 0;
                cm.transactionId = cm.online ? refundTxn : QString();
                cm.emailSent = true;
                cm.createdAt = refundedAt ? refundedAt : o.updatedAt;
                cm.updatedAt = cm.createdAt;
                paid.totalRefunded += refunded;
                paid.baseTotalRefunded += cm.totals.baseGrandTotal;
                m_creditmemoIndex.insert(cm.entityId, int(m_creditmemos.size()));
                m_creditmemos.push_back(cm);
            }
        }
    }
    std::sort(m_customers.begin(), m_customers.end(), [](const MagentoCustomer &a, const MagentoCustomer &b) { return a.id < b.id; });
    m_customerIndex.clear();
    for (int i = 0; i < int(m_customers.size()); ++i)
        m_customerIndex.insert(m_customers[size_t(i)].id, i);
    m_nextAddressId = m_customers.empty() ? 1 : m_customers.back().id + 1;
    m_nextHistoryId = maxHistory + 1;
}

// ---- bookkeeping -------------------------------------------------------------------------------

void MagentoSales::record(MagentoDocument d)
{
    d.sequence = qint64(m_documents.size()) + 1;
    m_documents.append(d);
}

void MagentoSales::addHistory(MagentoOrder &o, const QString &comment, int notify, qint64 now)
{
    MagentoStatusHistory h;
    h.entityId = m_nextHistoryId++;
    h.parentId = o.entityId;
    h.comment = comment;
    h.status = o.status;
    h.createdAt = now;
    h.isCustomerNotified = notify;
    o.statusHistories.prepend(h);
}

qint64 MagentoSales::addTransaction(const MagentoOrder &o, const QString &txnId, const QString &type,
                                    const QString &parentTxnId, int isClosed, qint64 at)
{
    MagentoTransaction t;
    t.transactionId = qint64(m_transactions.size()) + 1;
    t.orderId = o.entityId;
    t.paymentId = o.payment.entityId;
    t.txnId = txnId;
    t.parentTxnId = parentTxnId;
    t.txnType = type;
    t.isClosed = isClosed;
    t.createdAt = at;
    if (!parentTxnId.isEmpty()) {
        if (const MagentoTransaction *p = transactionByTxnId(o.entityId, parentTxnId))
            t.parentId = p->transactionId;
    }
    m_transactions.push_back(t);
    return t.transactionId;
}

MagentoTransaction *MagentoSales::transactionByTxnId(qint64 orderId, const QString &txnId)
{
    if (txnId.isEmpty())
        return nullptr;
    for (MagentoTransaction &t : m_transactions) {
        if (t.orderId == orderId && t.txnId == txnId)
            return &t;
    }
    return nullptr;
}

const MagentoInvoice *MagentoSales::findInvoice(qint64 id) const
{
    const auto it = m_invoiceIndex.constFind(id);
    return it == m_invoiceIndex.cend() ? nullptr : &m_invoices[size_t(*it)];
}

const MagentoCreditmemo *MagentoSales::findCreditmemo(qint64 id) const
{
    const auto it = m_creditmemoIndex.constFind(id);
    return it == m_creditmemoIndex.cend() ? nullptr : &m_creditmemos[size_t(*it)];
}

const MagentoTransaction *MagentoSales::findTransaction(qint64 id) const
{
    // Ids are dense from 1.
    return id >= 1 && id <= qint64(m_transactions.size()) ? &m_transactions[size_t(id - 1)] : nullptr;
}

const MagentoCustomer *MagentoSales::findCustomer(qint64 id) const
{
    const auto it = m_customerIndex.constFind(id);
    return it == m_customerIndex.cend() ? nullptr : &m_customers[size_t(*it)];
}

// ---- customers -----------------------------------------------------------------------------

namespace {

// What Magento's e-mail validator accepts, roughly: one @, no spaces, a dotted domain whose last
// label is at least two letters.
bool plausibleEmail(const QString &email)
{
    static const QRegularExpression re(u"^[^@\\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\\.[A-Za-z]{2,}$"_s);
    return re.match(email).hasMatch();
}

} // namespace

void MagentoSales::defineCustomerAttribute(const QString &code)
{
    if (!m_customerAttributes.contains(code))
        m_customerAttributes.append(code);
}

void MagentoSales::undefineCustomerAttribute(const QString &code)
{
    m_customerAttributes.removeAll(code);
    for (MagentoCustomer &c : m_customers) {
        c.customAttributes.removeIf([&](const std::pair<QString, QString> &a) { return a.first == code; });
    }
}

void MagentoSales::seedCustomerAttribute(qint64 customerId, const QString &code, const QString &value)
{
    const auto it = m_customerIndex.constFind(customerId);
    if (it == m_customerIndex.cend() || !m_customerAttributes.contains(code))
        return;
    MagentoCustomer &c = m_customers[size_t(*it)];
    c.customAttributes.removeIf([&](const std::pair<QString, QString> &a) { return a.first == code; });
    c.customAttributes.append({code, value});
}

std::optional<MagentoError> MagentoSales::saveCustomer(MagentoCustomer customer, qint64 now, MagentoCustomer *saved)
{
    const auto it = m_customerIndex.constFind(customer.id);
    if (it == m_customerIndex.cend()) // CustomerRepository::getById inside save
        return magentoError(404, u"No such entity with %fieldName = %fieldValue"_s,
                            {{u"fieldName"_s, u"customerId"_s}, {u"fieldValue"_s, QString::number(customer.id)}});
    MagentoCustomer &stored = m_customers[size_t(*it)];
    // CustomerRepository checks the e-mail first, then the EAV validator the attributes (labels).
    if (customer.email.trimmed().isEmpty())
        return magentoError(400, u"The customer email is missing. Enter and try again."_s);
    if (customer.websiteId <= 0)
        return magentoError(400, u"\"Associate to Website\" is a required value."_s);
    if (!plausibleEmail(customer.email.trimmed()))
        return magentoError(400, u"\"Email\" is not a valid email address."_s);
    QStringList missing;
    if (customer.firstname.trimmed().isEmpty())
        missing << u"\"First Name\" is a required value."_s;
    if (customer.lastname.trimmed().isEmpty())
        missing << u"\"Last Name\" is a required value."_s;
    if (!missing.isEmpty())
        return magentoError(400, missing.join(u'\n'));
    customer.email = customer.email.trimmed();
    for (const MagentoCustomer &other : m_customers) {
        if (other.id != customer.id && other.websiteId == customer.websiteId
            && other.email.compare(customer.email, Qt::CaseInsensitive) == 0)
            return magentoError(400, u"A customer with the same email address already exists in an associated website."_s);
    }
    // Addresses: the body's list replaces the book; ids the customer owns are kept, others new.
    QSet<qint64> owned;
    for (const MagentoAddress &a : stored.addresses)
        owned.insert(a.entityId);
    for (MagentoAddress &a : customer.addresses) {
        const qint64 asked = a.entityId;
        if (!owned.contains(a.entityId))
            a.entityId = m_nextAddressId++;
        a.parentId = customer.id;
        // default_billing / default_shipping may name an address by its body id.
        if (asked != a.entityId) {
            if (customer.defaultBilling == asked && asked != 0)
                customer.defaultBilling = a.entityId;
            if (customer.defaultShipping == asked && asked != 0)
                customer.defaultShipping = a.entityId;
        }
    }
    const auto known = [&](qint64 id) {
        for (const MagentoAddress &a : customer.addresses) {
            if (a.entityId == id)
                return true;
        }
        return false;
    };
    if (!known(customer.defaultBilling))
        customer.defaultBilling = 0;
    if (!known(customer.defaultShipping))
        customer.defaultShipping = 0;
    // Attribute codes the store does not define are dropped without a word.
    customer.customAttributes.removeIf([&](const std::pair<QString, QString> &a) { return !m_customerAttributes.contains(a.first); });
    customer.createdAt = stored.createdAt;
    customer.createdIn = stored.createdIn;
    customer.updatedAt = std::max(now, stored.updatedAt);
    stored = customer;
    *saved = stored;
    return std::nullopt;
}

bool MagentoSales::putCustomer(const MagentoCustomer &customer, qint64 now)
{
    const auto it = m_customerIndex.constFind(customer.id);
    if (it == m_customerIndex.cend())
        return false;
    MagentoCustomer &stored = m_customers[size_t(*it)];
    stored = customer;
    stored.updatedAt = std::max(now, customer.updatedAt);
    return true;
}

bool MagentoSales::deleteCustomer(qint64 id)
{
    const auto it = m_customerIndex.constFind(id);
    if (it == m_customerIndex.cend())
        return false;
    m_customers.erase(m_customers.begin() + *it);
    m_customerIndex.clear();
    for (int i = 0; i < int(m_customers.size()); ++i)
        m_customerIndex.insert(m_customers[size_t(i)].id, i);
    return true;
}

// ---- invoice -------------------------------------------------------------------------------------

std::optional<MagentoError> MagentoSales::invoice(MagentoOrder &o, const MagentoInvoiceRequest &request, qint64 now,
                                                  qint64 *entityId)
{
    using namespace magentostate;
    // Order\Validation\CanInvoice.
    if (!isStateReadyForInvoice(o))
        return documentError(kInvoicePrefix, {u"An invoice cannot be created when an order has a status of %1"_s.arg(o.status)});
    if (!canInvoice(o))
        return documentError(kInvoicePrefix, {u"The order does not allow an invoice to be created."_s});

    // InvoiceQuantityValidator.
    QList<MagentoItemQty> wanted;
    if (request.items) {
        wanted = mergeItems(*request.items);
    } else {
        for (const MagentoOrderItem &i : o.items)
            wanted.append(MagentoItemQty{i.itemId, qtyToInvoice(i)});
    }
    QStringList errors;
    if (request.items) {
        // A bundle is invoiced whole: naming its child rows, or part of it, is refused (the wording
        // of the public MDVA-37478 report).
        const auto byId = [&](qint64 id) {
            return std::find_if(o.items.cbegin(), o.items.cend(), [&](const MagentoOrderItem &i) { return i.itemId == id; });
        };
        for (const MagentoItemQty &w : std::as_const(wanted)) {
            const auto it = byId(w.orderItemId);
            if (it == o.items.cend() || w.qty == 0)
                continue;
            const auto parent = it->parentItemId ? byId(it->parentItemId) : o.items.cend();
            const bool bundleChild = parent != o.items.cend() && parent->productType == u"bundle";
            const bool partialBundle = it->productType == u"bundle" && w.qty != qtyToInvoice(*it);
            if (bundleChild || partialBundle)
                return documentError(kInvoicePrefix, {u"An invoice for partial quantities cannot be issued for this order. "
                                                      "To continue, change the specified quantity to the full quantity."_s});
        }
        // Child rows follow their parent.
        const QList<MagentoItemQty> named = wanted;
        for (const MagentoItemQty &w : named) {
            for (const MagentoOrderItem &child : o.items) {
                if (child.parentItemId == w.orderItemId && w.qty > 0) {
                    const auto parent = byId(w.orderItemId);
                    const qint64 perParent = parent->qtyOrdered ? child.qtyOrdered / parent->qtyOrdered : 0;
                    if (std::none_of(wanted.cbegin(), wanted.cend(), [&](const MagentoItemQty &x) { return x.orderItemId == child.itemId; }))
                        wanted.append(MagentoItemQty{child.itemId, std::min(qtyToInvoice(child), perParent * w.qty)});
                }
            }
        }
    }
    qint64 totalQty = 0;
    for (const MagentoItemQty &w : std::as_const(wanted)) {
        const auto it = std::find_if(o.items.cbegin(), o.items.cend(), [&](const MagentoOrderItem &i) { return i.itemId == w.orderItemId; });
        if (it == o.items.cend()) {
            errors.append(u"The invoice contains one or more items that are not part of the original order."_s);
            continue;
        }
        if (w.qty < 0 || w.qty > qtyToInvoice(*it))
            errors.append(u"The quantity to invoice must not be greater than the uninvoiced quantity for product SKU \"%1\"."_s.arg(it->sku));
        else
            totalQty += w.qty;
    }
    if (errors.isEmpty() && totalQty == 0)
        errors.append(u"The invoice can't be created without products. Add products and try again."_s);
    if (!errors.isEmpty()) {
        errors.removeDuplicates();
        return documentError(kInvoicePrefix, errors);
    }

    const bool firstInvoice = std::none_of(m_invoices.cbegin(), m_invoices.cend(),
                                           [&](const MagentoInvoice &v) { return v.orderId == o.entityId && v.state != 3; });
    MagentoInvoice inv;
    inv.entityId = qint64(m_invoices.size()) + 1;
    inv.incrementId = QString::number(inv.entityId).rightJustified(9, u'0');
    inv.orderId = o.entityId;
    inv.state = 2;
    inv.totals = totalsFor(o);
    // Amounts already invoiced per item, so the last invoice takes the remainders (no drift).
    const auto invoicedSoFar = [&](qint64 itemId, MagentoDocItem *sum) {
        for (const MagentoInvoice &v : m_invoices) {
            if (v.orderId != o.entityId || v.state == 3)
                continue;
            for (const MagentoDocItem &d : v.items) {
                if (d.orderItemId == itemId) {
                    sum->taxAmount += d.taxAmount;
                    sum->baseTaxAmount += d.baseTaxAmount;
                    sum->discountAmount += d.discountAmount;
                    sum->baseDiscountAmount += d.baseDiscountAmount;
                    sum->baseRowTotal += d.baseRowTotal;
                    sum->rowTotal += d.rowTotal;
                }
            }
        }
    };
    for (const MagentoItemQty &w : std::as_const(wanted)) {
        if (w.qty == 0)
            continue;
        MagentoOrderItem &item = *std::find_if(o.items.begin(), o.items.end(), [&](const MagentoOrderItem &i) { return i.itemId == w.orderItemId; });
        MagentoDocItem d = docItem(item);
        d.entityId = m_nextDocItemId++;
        d.qty = w.qty;
        const bool last = item.qtyInvoiced + w.qty == item.qtyOrdered;
        MagentoDocItem before;
        invoicedSoFar(item.itemId, &before);
        const auto part = [&](qint64 whole, qint64 done) { return last ? whole - done : mulDivRound(whole, w.qty, item.qtyOrdered); };
        // The row total, not price x qty: a 4-decimal price makes the product differ from it.
        d.rowTotal = part(item.rowTotal, before.rowTotal);
        d.baseRowTotal = part(item.baseRowTotal, before.baseRowTotal);
        d.taxAmount = part(item.taxAmount, before.taxAmount);
        d.baseTaxAmount = part(item.baseTaxAmount, before.baseTaxAmount);
        d.discountAmount = part(item.discountAmount, before.discountAmount);
        d.baseDiscountAmount = part(item.baseDiscountAmount, before.baseDiscountAmount);
        d.rowTotalInclTax = d.rowTotal + d.taxAmount;
        addItemToTotals(inv.totals, d);
        inv.totalQty += d.qty;
        inv.items.append(d);
        item.qtyInvoiced += w.qty;
    }
    if (firstInvoice) {
        // Shipping goes on the first invoice.
        inv.totals.shippingAmount = o.shippingAmount;
        inv.totals.baseShippingAmount = o.baseShippingAmount;
    }
    inv.totals.grandTotal = inv.totals.subtotal + inv.totals.taxAmount + inv.totals.shippingAmount + inv.totals.discountAmount;
    inv.totals.baseGrandTotal = inv.totals.baseSubtotal + inv.totals.baseTaxAmount + inv.totals.baseShippingAmount
        + inv.totals.baseDiscountAmount;
    bool allInvoiced = true;
    for (const MagentoOrderItem &i : o.items)
        allInvoiced = allInvoiced && qtyToInvoice(i) == 0;
    if (allInvoiced) // the order's base total is authoritative; absorb per-item base rounding here
        inv.totals.baseGrandTotal = o.baseGrandTotal - o.baseTotalInvoiced.value_or(0);

    // Capture: an online method's module captures at the gateway; otherwise the invoice is just paid.
    const bool online = request.capture && isOnlineMethod(o.payment.method);
    if (online) {
        MagentoTransaction *auth = nullptr;
        for (MagentoTransaction &t : m_transactions) {
            if (t.orderId == o.entityId && t.txnType == u"authorization" && !t.isClosed)
                auth = &t;
        }
        const QString authTxn = auth ? auth->txnId : QString();
        const QString base = auth ? authTxn : (o.payment.lastTransId.isEmpty() ? u"capture"_s : o.payment.lastTransId);
        QString txn = base + u"-capture"_s;
        if (transactionByTxnId(o.entityId, txn))
            txn += u'-' + QString::number(inv.entityId);
        if (auth && allInvoiced)
            auth->isClosed = 1;
        addTransaction(o, txn, u"capture"_s, authTxn, 0, now);
        inv.transactionId = txn;
        o.payment.lastTransId = txn;
    }
    if (request.comment) {
        MagentoDocComment c;
        c.entityId = m_nextCommentId++;
        c.parentId = inv.entityId;
        c.comment = request.comment->comment;
        c.isVisibleOnFront = request.comment->isVisibleOnFront;
        c.isCustomerNotified = request.appendComment && request.notify ? 1 : 0;
        c.createdAt = now;
        inv.comments.append(c);
    }
    inv.emailSent = request.notify;
    inv.createdAt = now;
    inv.updatedAt = now;

    // Order totals (state 2: paid).
    o.totalInvoiced = o.totalInvoiced.value_or(0) + inv.totals.grandTotal;
    o.baseTotalInvoiced = o.baseTotalInvoiced.value_or(0) + inv.totals.baseGrandTotal;
    o.totalPaid = o.totalPaid.value_or(0) + inv.totals.grandTotal;
    o.baseTotalPaid = o.baseTotalPaid.value_or(0) + inv.totals.baseGrandTotal;
    o.totalDue = std::max<qint64>(0, o.grandTotal - *o.totalPaid);
    o.baseTotalDue = std::max<qint64>(0, o.baseGrandTotal - *o.baseTotalPaid);
    o.payment.amountPaid = o.payment.amountPaid.value_or(0) + inv.totals.grandTotal;
    o.payment.baseAmountPaid = o.payment.baseAmountPaid.value_or(0) + inv.totals.baseGrandTotal;
    const QString state = resolveState(o, true);
    if (state != o.state) {
        o.state = state;
        o.status = defaultStatus(state);
    }
    o.updatedAt = now;
    if (online)
        addHistory(o, u"Captured amount of %1 online. Transaction ID: \"%2\""_s.arg(price(o, inv.totals.grandTotal), inv.transactionId),
                   request.notify ? 1 : 0, now);

    MagentoDocument d;
    d.at = now;
    d.kind = u"invoice"_s;
    d.orderId = o.entityId;
    d.orderIncrementId = o.incrementId;
    d.entityId = inv.entityId;
    d.amount = inv.totals.grandTotal;
    d.currency = o.orderCurrencyCode;
    d.exponent = o.exponent;
    d.captureRequested = request.capture;
    d.capturedOnlineByMagento = online;
    d.stateAfter = o.state;
    d.statusAfter = o.status;
    d.comment = request.comment ? request.comment->comment : QString();
    record(d);

    m_invoiceIndex.insert(inv.entityId, int(m_invoices.size()));
    m_invoices.push_back(inv);
    *entityId = inv.entityId;
    return std::nullopt;
}

// ---- refunds -------------------------------------------------------------------------------------

std::optional<MagentoError> MagentoSales::refund(MagentoOrder &o, const MagentoInvoice *invoice,
                                                 const MagentoRefundRequest &request, qint64 now, qint64 *entityId)
{
    using namespace magentostate;
    // Order\Validation\CanRefund.
    if (o.state == u"payment_review" || o.state == u"holded" || o.state == u"canceled" || o.state == u"closed")
        return documentError(kCreditmemoPrefix, {u"A creditmemo can not be created when an order has a status of %1"_s.arg(o.status)});
    if (invoice) {
        // Invoice\Validation\CanRefund; the online case needs the capture transaction.
        if (invoice->state != 2 || invoice->baseTotalRefunded >= invoice->totals.baseGrandTotal)
            return documentError(kCreditmemoPrefix, {u"We can't create creditmemo for the invoice."_s});
        if (request.isOnline && invoice->transactionId.isEmpty())
            return documentError(kCreditmemoPrefix,
                                 {u"We can't create creditmemo for the invoice."_s,
                                  u"The invoice was not captured online (it has no transaction), so it cannot be refunded online. "
                                  "Refund it offline with \"isOnline\": false."_s});
    }
    // Quantities left to refund: per order item, or per item of the invoice.
    const auto refundable = [&](const MagentoOrderItem &item) -> qint64 {
        qint64 left = item.qtyInvoiced - item.qtyRefunded;
        if (invoice) {
            qint64 onInvoice = 0, refundedFromInvoice = 0;
            for (const MagentoDocItem &d : invoice->items)
                onInvoice += d.orderItemId == item.itemId ? d.qty : 0;
            for (const MagentoCreditmemo &c : m_creditmemos) {
                if (c.invoiceId == invoice->entityId && c.state != 3) {
                    for (const MagentoDocItem &d : c.items)
                        refundedFromInvoice += d.orderItemId == item.itemId ? d.qty : 0;
                }
            }
            left = std::min(left, onInvoice - refundedFromInvoice);
        }
        return std::max<qint64>(0, left);
    };
    QList<MagentoItemQty> wanted;
    if (request.items) {
        wanted = mergeItems(*request.items);
    } else {
        for (const MagentoOrderItem &i : o.items)
            wanted.append(MagentoItemQty{i.itemId, refundable(i)});
    }
    QStringList errors;
    for (const MagentoItemQty &w : std::as_const(wanted)) {
        const auto it = std::find_if(o.items.cbegin(), o.items.cend(), [&](const MagentoOrderItem &i) { return i.itemId == w.orderItemId; });
        if (it == o.items.cend())
            errors.append(u"The creditmemo contains product item %1 that is not part of the original order."_s.arg(w.orderItemId));
        else if (w.qty < 0 || w.qty > refundable(*it))
            errors.append(u"The quantity to creditmemo must not be greater than the unrefunded quantity for product SKU \"%1\"."_s.arg(it->sku));
    }
    for (qint64 id : request.returnToStockItems) {
        const bool inRefund = std::any_of(wanted.cbegin(), wanted.cend(), [&](const MagentoItemQty &w) { return w.orderItemId == id && w.qty > 0; });
        if (!inRefund) {
            errors.append(u"The return to stock argument contains product item that is not involved in refund."_s);
            break;
        }
    }
    // Shipping still refundable: invoiced shipping minus shipping already refunded.
    qint64 shippingInvoiced = 0, baseShippingInvoiced = 0, shippingRefunded = 0, baseShippingRefunded = 0;
    for (const MagentoInvoice &v : m_invoices) {
        if (v.orderId == o.entityId && v.state != 3 && (!invoice || v.entityId == invoice->entityId)) {
            shippingInvoiced += v.totals.shippingAmount;
            baseShippingInvoiced += v.totals.baseShippingAmount;
        }
    }
    for (const MagentoCreditmemo &c : m_creditmemos) {
        if (c.orderId == o.entityId && c.state != 3) {
            shippingRefunded += c.totals.shippingAmount;
            baseShippingRefunded += c.totals.baseShippingAmount;
        }
    }
    const qint64 baseShippingLeft = std::max<qint64>(0, baseShippingInvoiced - baseShippingRefunded);
    qint64 baseShipping = baseShippingLeft;
    qint64 shipping = std::max<qint64>(0, shippingInvoiced - shippingRefunded);
    if (request.shippingAmount) {
        if (*request.shippingAmount > baseShippingLeft || *request.shippingAmount < 0) {
            errors.append(u"Maximum shipping amount allowed to refund is: %1"_s.arg(QString::fromLatin1(decimalNumber(baseShippingLeft, o.baseExponent))));
        } else {
            baseShipping = *request.shippingAmount;
            shipping = baseShipping == baseShippingLeft ? shipping : baseToOrder(o, baseShipping);
        }
    }
    if (!errors.isEmpty())
        return documentError(kCreditmemoPrefix, errors);

    MagentoCreditmemo cm;
    cm.entityId = qint64(m_creditmemos.size()) + 1;
    cm.incrementId = QString::number(cm.entityId).rightJustified(9, u'0');
    cm.orderId = o.entityId;
    cm.invoiceId = invoice ? invoice->entityId : 0;
    cm.state = 2;
    cm.totals = totalsFor(o);
    const auto refundedSoFar = [&](qint64 itemId, MagentoDocItem *sum) {
        for (const MagentoCreditmemo &c : m_creditmemos) {
            if (c.orderId != o.entityId || c.state == 3)
                continue;
            for (const MagentoDocItem &d : c.items) {
                if (d.orderItemId == itemId) {
                    sum->taxAmount += d.taxAmount;
                    sum->baseTaxAmount += d.baseTaxAmount;
                    sum->discountAmount += d.discountAmount;
                    sum->baseDiscountAmount += d.baseDiscountAmount;
                    sum->baseRowTotal += d.baseRowTotal;
                    sum->rowTotal += d.rowTotal;
                }
            }
        }
    };
    for (const MagentoItemQty &w : std::as_const(wanted)) {
        if (w.qty == 0)
            continue;
        const MagentoOrderItem &item = *std::find_if(o.items.cbegin(), o.items.cend(), [&](const MagentoOrderItem &i) { return i.itemId == w.orderItemId; });
        MagentoDocItem d = docItem(item);
        d.entityId = m_nextDocItemId++;
        d.qty = w.qty;
        const bool last = item.qtyRefunded + w.qty == item.qtyOrdered;
        MagentoDocItem before;
        refundedSoFar(item.itemId, &before);
        const auto part = [&](qint64 whole, qint64 done) { return last ? whole - done : mulDivRound(whole, w.qty, item.qtyOrdered); };
        d.rowTotal = part(item.rowTotal, before.rowTotal);
        d.baseRowTotal = part(item.baseRowTotal, before.baseRowTotal);
        d.taxAmount = part(item.taxAmount, before.taxAmount);
        d.baseTaxAmount = part(item.baseTaxAmount, before.baseTaxAmount);
        d.discountAmount = part(item.discountAmount, before.discountAmount);
        d.baseDiscountAmount = part(item.baseDiscountAmount, before.baseDiscountAmount);
        d.rowTotalInclTax = d.rowTotal + d.taxAmount;
        addItemToTotals(cm.totals, d);
        cm.items.append(d);
    }
    cm.totals.shippingAmount = shipping;
    cm.totals.baseShippingAmount = baseShipping;
    cm.baseAdjustmentPositive = request.adjustmentPositive;
    cm.baseAdjustmentNegative = request.adjustmentNegative;
    cm.adjustmentPositive = baseToOrder(o, request.adjustmentPositive);
    cm.adjustmentNegative = baseToOrder(o, request.adjustmentNegative);
    cm.totals.grandTotal = cm.totals.subtotal + cm.totals.taxAmount + cm.totals.shippingAmount + cm.totals.discountAmount
        + cm.adjustmentPositive - cm.adjustmentNegative;
    cm.totals.baseGrandTotal = cm.totals.baseSubtotal + cm.totals.baseTaxAmount + cm.totals.baseShippingAmount
        + cm.totals.baseDiscountAmount + cm.baseAdjustmentPositive - cm.baseAdjustmentNegative;

    qint64 available = o.totalPaid.value_or(0) - o.totalRefunded.value_or(0);
    if (invoice)
        available = std::min(available, invoice->totals.grandTotal - invoice->totalRefunded);
    available = std::max<qint64>(0, available);
    // Nothing left, or more than is left: the validator names what is still refundable
    // (recordings/magento/error_400_creditmemo_validation.response.json).
    if (available <= 0 || cm.totals.grandTotal > available)
        return documentError(kCreditmemoPrefix, {u"We can't create creditmemo for the order."_s,
                                                 u"The most money available to refund is %1."_s.arg(QString::fromLatin1(decimalNumber(available, o.exponent)))});
    if (cm.totals.grandTotal <= 0)
        return documentError(kCreditmemoPrefix, {u"The credit memo's total must be positive."_s});
    if (cm.totals.grandTotal == o.totalPaid.value_or(0) - o.totalRefunded.value_or(0)) // last refund: base follows the order exactly
        cm.totals.baseGrandTotal = o.baseTotalPaid.value_or(0) - o.baseTotalRefunded.value_or(0);

    const bool online = invoice && request.isOnline;
    cm.online = online;
    if (online) {
        QString txn = invoice->transactionId + u"-refund"_s;
        if (transactionByTxnId(o.entityId, txn))
            txn += u'-' + QString::number(cm.entityId);
        addTransaction(o, txn, u"refund"_s, invoice->transactionId, 1, now);
        cm.transactionId = txn;
    }
    cm.returnToStockItems = request.returnToStockItems;
    if (request.comment) {
        MagentoDocComment c;
        c.entityId = m_nextCommentId++;
        c.parentId = cm.entityId;
        c.comment = request.comment->comment;
        c.isVisibleOnFront = request.comment->isVisibleOnFront;
        c.isCustomerNotified = request.appendComment && request.notify ? 1 : 0;
        c.createdAt = now;
        cm.comments.append(c);
    }
    cm.emailSent = request.notify;
    cm.createdAt = now;
    cm.updatedAt = now;

    // Order and item totals.
    for (const MagentoDocItem &d : std::as_const(cm.items)) {
        MagentoOrderItem &item = *std::find_if(o.items.begin(), o.items.end(), [&](const MagentoOrderItem &i) { return i.itemId == d.orderItemId; });
        item.qtyRefunded += d.qty;
        item.amountRefunded += d.rowTotal - d.discountAmount;
    }
    o.totalRefunded = o.totalRefunded.value_or(0) + cm.totals.grandTotal;
    o.baseTotalRefunded = o.baseTotalRefunded.value_or(0) + cm.totals.baseGrandTotal;
    if (online)
        o.totalOnlineRefunded = o.totalOnlineRefunded.value_or(0) + cm.totals.grandTotal;
    else
        o.totalOfflineRefunded = o.totalOfflineRefunded.value_or(0) + cm.totals.grandTotal;
    o.payment.amountRefunded = o.payment.amountRefunded.value_or(0) + cm.totals.grandTotal;
    o.payment.baseAmountRefunded = o.payment.baseAmountRefunded.value_or(0) + cm.totals.baseGrandTotal;
    if (invoice) {
        MagentoInvoice &inv = m_invoices[size_t(m_invoiceIndex.value(invoice->entityId))];
        inv.totalRefunded += cm.totals.grandTotal;
        inv.baseTotalRefunded += cm.totals.baseGrandTotal;
        inv.updatedAt = now;
    }
    if (online && o.totalRefunded >= o.totalPaid) {
        if (MagentoTransaction *t = transactionByTxnId(o.entityId, invoice->transactionId))
            t->isClosed = 1;
    }
    const QString state = resolveState(o, false);
    if (state != o.state) {
        o.state = state;
        o.status = defaultStatus(state);
    }
    o.updatedAt = now;
    addHistory(o, online ? u"We refunded %1 online. Transaction ID: \"%2\""_s.arg(price(o, cm.totals.grandTotal), cm.transactionId)
                         : u"We refunded %1 offline."_s.arg(price(o, cm.totals.grandTotal)),
               request.notify ? 1 : 0, now);

    MagentoDocument d;
    d.at = now;
    d.kind = u"creditmemo"_s;
    d.orderId = o.entityId;
    d.orderIncrementId = o.incrementId;
    d.entityId = cm.entityId;
    d.amount = cm.totals.grandTotal;
    d.currency = o.orderCurrencyCode;
    d.exponent = o.exponent;
    d.refundedOnline = online;
    d.stateAfter = o.state;
    d.statusAfter = o.status;
    d.comment = request.comment ? request.comment->comment : QString();
    record(d);

    m_creditmemoIndex.insert(cm.entityId, int(m_creditmemos.size()));
    m_creditmemos.push_back(cm);
    *entityId = cm.entityId;
    return std::nullopt;
}

// ---- hold, unhold, cancel, comments ---------------------------------------------------------------

namespace {

MagentoDocument orderDocument(const MagentoOrder &o, const QString &kind, qint64 now)
{
    MagentoDocument d;
    d.at = now;
    d.kind = kind;
    d.orderId = o.entityId;
    d.orderIncrementId = o.incrementId;
    d.currency = o.orderCurrencyCode;
    d.exponent = o.exponent;
    d.stateAfter = o.state;
    d.statusAfter = o.status;
    return d;
}

} // namespace

std::optional<MagentoError> MagentoSales::hold(MagentoOrder &o, qint64 now)
{
    if (!magentostate::canHold(o))
        return magentoError(400, u"A hold action is not available."_s);
    o.holdBeforeState = o.state;
    o.holdBeforeStatus = o.status;
    o.state = u"holded"_s;
    o.status = magentostate::defaultStatus(o.state);
    o.updatedAt = now;
    record(orderDocument(o, u"hold"_s, now));
    return std::nullopt;
}

std::optional<MagentoError> MagentoSales::unhold(MagentoOrder &o, qint64 now)
{
    if (!magentostate::canUnhold(o))
        return magentoError(400, u"You cannot remove the hold."_s);
    o.state = o.holdBeforeState.isEmpty() ? u"new"_s : o.holdBeforeState;
    o.status = o.holdBeforeStatus.isEmpty() ? magentostate::defaultStatus(o.state) : o.holdBeforeStatus;
    o.holdBeforeState.clear();
    o.holdBeforeStatus.clear();
    o.updatedAt = now;
    record(orderDocument(o, u"unhold"_s, now));
    return std::nullopt;
}

bool MagentoSales::cancel(MagentoOrder &o, qint64 now)
{
    using namespace magentostate;
    if (!canCancel(o))
        return false;
    bool voided = false;
    if (isOnlineMethod(o.payment.method)) {
        // The payment module voids an open authorization when the order is canceled.
        for (MagentoTransaction &t : m_transactions) {
            if (t.orderId == o.entityId && t.txnType == u"authorization" && !t.isClosed) {
                t.isClosed = 1;
                const QString txn = t.txnId;
                addTransaction(o, txn + u"-void"_s, u"void"_s, txn, 1, now);
                voided = true;
                break;
            }
        }
    }
    // Order::registerCancellation.
    qint64 canceledAmount = o.grandTotal - o.totalPaid.value_or(0);
    for (MagentoOrderItem &i : o.items)
        i.qtyCanceled += qtyToInvoice(i);
    o.totalCanceled = o.totalCanceled.value_or(0) + canceledAmount;
    o.baseTotalCanceled = o.baseTotalCanceled.value_or(0) + (o.baseGrandTotal - o.baseTotalPaid.value_or(0));
    o.payment.amountCanceled = o.payment.amountCanceled.value_or(0) + canceledAmount;
    o.totalDue = 0;
    o.baseTotalDue = 0;
    QString state = u"canceled"_s;
    for (const MagentoOrderItem &i : o.items) {
        if (state != u"processing" && i.qtyInvoiced - i.qtyRefunded > 0)
            state = qtyToShip(i) > 0 && !i.isVirtual ? u"processing"_s : u"complete"_s;
    }
    o.state = state;
    o.status = defaultStatus(state);
    o.updatedAt = now;
    MagentoDocument d = orderDocument(o, u"cancel"_s, now);
    d.amount = canceledAmount;
    d.voidedOnlineByMagento = voided;
    record(d);
    return true;
}

void MagentoSales::addComment(MagentoOrder &o, const MagentoStatusHistoryInput &input, qint64 now)
{
    // A status change through a comment applies only when the status belongs to the order's state
    // (an order's status always maps to its state); otherwise the comment keeps the status it was
    // sent with and the order keeps its own, as on 2.4.7 (docs/magento.md §3).
    QString status = input.status.isEmpty() ? o.status : input.status;
    if (!input.status.isEmpty() && magentostate::statusesOf(o.state).contains(input.status))
        o.status = input.status;
    MagentoStatusHistory h;
    h.entityId = m_nextHistoryId++;
    h.parentId = o.entityId;
    h.comment = input.comment;
    h.status = status;
    h.createdAt = now;
    h.isCustomerNotified = input.isCustomerNotified;
    h.isVisibleOnFront = input.isVisibleOnFront;
    o.statusHistories.prepend(h);
    o.updatedAt = now;
    MagentoDocument d = orderDocument(o, u"comment"_s, now);
    d.entityId = h.entityId;
    d.comment = input.comment;
    record(d);
}

// ---- search columns -----------------------------------------------------------------------------

namespace {

constexpr int kScale = 6;

MagentoColumn numCol(qint64 v)
{
    return MagentoColumn{MagentoColumn::Number, v * pow10(kScale), {}};
}
MagentoColumn moneyCol(qint64 minor, int exponent)
{
    return MagentoColumn{MagentoColumn::Number, minor * pow10(kScale - exponent), {}};
}
MagentoColumn textCol(const QString &s)
{
    return s.isEmpty() ? MagentoColumn{} : MagentoColumn{MagentoColumn::Text, 0, s};
}
MagentoColumn timeCol(qint64 t)
{
    return MagentoColumn{MagentoColumn::Time, t, {}};
}

bool docTotalsColumn(const MagentoDocTotals &t, const QString &f, MagentoColumn *out)
{
    if (f == u"grand_total")
        *out = moneyCol(t.grandTotal, t.exponent);
    else if (f == u"base_grand_total")
        *out = moneyCol(t.baseGrandTotal, t.baseExponent);
    else if (f == u"subtotal")
        *out = moneyCol(t.subtotal, t.exponent);
    else if (f == u"tax_amount")
        *out = moneyCol(t.taxAmount, t.exponent);
    else if (f == u"shipping_amount")
        *out = moneyCol(t.shippingAmount, t.exponent);
    else if (f == u"order_currency_code")
        *out = textCol(t.orderCurrencyCode);
    else if (f == u"base_currency_code")
        *out = textCol(t.baseCurrencyCode);
    else if (f == u"store_id")
        *out = numCol(t.storeId);
    else
        return false;
    return true;
}

QString columnText(const MagentoColumn &v)
{
    switch (v.kind) {
    case MagentoColumn::Text:
        return v.text;
    case MagentoColumn::Time:
        return QString::fromLatin1(magentoTime(v.number));
    case MagentoColumn::Number:
        return QString::fromLatin1(decimalNumber(v.number, kScale));
    case MagentoColumn::Null:
        break;
    }
    return {};
}

int compareWithOperand(const MagentoColumn &v, const QString &operand)
{
    switch (v.kind) {
    case MagentoColumn::Number: {
        qint64 n = 0;
        if (!parseDecimal(operand.trimmed().toLatin1(), kScale, &n))
            n = 0; // MySQL casts non-numeric text to 0
        return v.number < n ? -1 : (v.number > n ? 1 : 0);
    }
    case MagentoColumn::Time: {
        qint64 t = 0;
        if (parseMagentoTime(operand.trimmed().toLatin1(), &t))
            return v.number < t ? -1 : (v.number > t ? 1 : 0);
        return columnText(v).compare(operand, Qt::CaseInsensitive);
    }
    case MagentoColumn::Text:
        return v.text.compare(operand, Qt::CaseInsensitive);
    case MagentoColumn::Null:
        break;
    }
    return 0;
}

} // namespace

MagentoError magentoMaskedError()
{
    const QString report = u"webapi-"_s + QString::number(QRandomGenerator::global()->generate64(), 16).left(13);
    return magentoError(500, u"Internal Error. Details are available in Magento log file. Report ID: %1"_s.arg(report));
}

int magentoCompareColumns(const MagentoColumn &a, const MagentoColumn &b)
{
    const bool an = a.kind == MagentoColumn::Null, bn = b.kind == MagentoColumn::Null;
    if (an || bn)
        return an == bn ? 0 : (an ? -1 : 1); // NULL first ascending, as MySQL
    if (a.kind == MagentoColumn::Text)
        return a.text.compare(b.text, Qt::CaseInsensitive);
    return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
}

bool magentoMatchesColumn(const MagentoColumn &v, const SearchFilter &f)
{
    if (f.condition == Condition::Null)
        return v.kind == MagentoColumn::Null;
    if (f.condition == Condition::Notnull)
        return v.kind != MagentoColumn::Null;
    if (v.kind == MagentoColumn::Null)
        return false;
    switch (f.condition) {
    case Condition::Eq: return compareWithOperand(v, f.value) == 0;
    case Condition::Neq: return compareWithOperand(v, f.value) != 0;
    case Condition::Gt: return compareWithOperand(v, f.value) > 0;
    case Condition::Gteq:
    case Condition::Moreq:
    case Condition::From: return compareWithOperand(v, f.value) >= 0;
    case Condition::Lt: return compareWithOperand(v, f.value) < 0;
    case Condition::Lteq:
    case Condition::To: return compareWithOperand(v, f.value) <= 0;
    case Condition::In:
    case Condition::Nin: {
        bool found = false;
        for (const QString &item : f.value.split(u','))
            found = found || compareWithOperand(v, item) == 0;
        return f.condition == Condition::In ? found : !found;
    }
    case Condition::Like:
    case Condition::Nlike: {
        const bool hit = sqlLike(columnText(v), f.value);
        return f.condition == Condition::Like ? hit : !hit;
    }
    case Condition::Finset:
    case Condition::Nfinset: {
        const bool hit = columnText(v).split(u',').contains(f.value, Qt::CaseInsensitive);
        return f.condition == Condition::Finset ? hit : !hit;
    }
    case Condition::Null:
    case Condition::Notnull:
        break;
    }
    return false;
}

bool MagentoSales::invoiceColumn(const MagentoInvoice &v, const QString &f, MagentoColumn *out)
{
    if (f == u"entity_id")
        *out = numCol(v.entityId);
    else if (f == u"increment_id")
        *out = textCol(v.incrementId);
    else if (f == u"order_id")
        *out = numCol(v.orderId);
    else if (f == u"state")
        *out = numCol(v.state);
    else if (f == u"transaction_id")
        *out = textCol(v.transactionId);
    else if (f == u"total_qty")
        *out = numCol(v.totalQty);
    else if (f == u"created_at")
        *out = timeCol(v.createdAt);
    else if (f == u"updated_at")
        *out = timeCol(v.updatedAt);
    else if (f == u"email_sent")
        *out = numCol(v.emailSent ? 1 : 0);
    else
        return docTotalsColumn(v.totals, f, out);
    return true;
}

bool MagentoSales::creditmemoColumn(const MagentoCreditmemo &v, const QString &f, MagentoColumn *out)
{
    if (f == u"entity_id")
        *out = numCol(v.entityId);
    else if (f == u"increment_id")
        *out = textCol(v.incrementId);
    else if (f == u"order_id")
        *out = numCol(v.orderId);
    else if (f == u"invoice_id")
        *out = v.invoiceId ? numCol(v.invoiceId) : MagentoColumn{};
    else if (f == u"state")
        *out = numCol(v.state);
    else if (f == u"transaction_id")
        *out = textCol(v.transactionId);
    else if (f == u"adjustment_positive")
        *out = moneyCol(v.adjustmentPositive, v.totals.exponent);
    else if (f == u"adjustment_negative")
        *out = moneyCol(v.adjustmentNegative, v.totals.exponent);
    else if (f == u"created_at")
        *out = timeCol(v.createdAt);
    else if (f == u"updated_at")
        *out = timeCol(v.updatedAt);
    else
        return docTotalsColumn(v.totals, f, out);
    return true;
}

bool MagentoSales::transactionColumn(const MagentoTransaction &v, const QString &f, MagentoColumn *out)
{
    if (f == u"transaction_id")
        *out = numCol(v.transactionId);
    else if (f == u"parent_id")
        *out = v.parentId ? numCol(v.parentId) : MagentoColumn{};
    else if (f == u"order_id")
        *out = numCol(v.orderId);
    else if (f == u"payment_id")
        *out = numCol(v.paymentId);
    else if (f == u"txn_id")
        *out = textCol(v.txnId);
    else if (f == u"parent_txn_id")
        *out = textCol(v.parentTxnId);
    else if (f == u"txn_type")
        *out = textCol(v.txnType);
    else if (f == u"is_closed")
        *out = numCol(v.isClosed);
    else if (f == u"created_at")
        *out = timeCol(v.createdAt);
    else
        return false;
    return true;
}

bool MagentoSales::customerColumn(const MagentoCustomer &v, const QString &f, MagentoColumn *out)
{
    if (f == u"id" || f == u"entity_id")
        *out = numCol(v.id);
    else if (f == u"email")
        *out = textCol(v.email);
    else if (f == u"firstname")
        *out = textCol(v.firstname);
    else if (f == u"lastname")
        *out = textCol(v.lastname);
    else if (f == u"group_id")
        *out = numCol(v.groupId);
    else if (f == u"created_at")
        *out = timeCol(v.createdAt);
    else if (f == u"updated_at")
        *out = timeCol(v.updatedAt);
    else if (f == u"store_id")
        *out = numCol(v.storeId);
    else if (f == u"website_id")
        *out = numCol(v.websiteId);
    else if (f == u"paytrace_customer_id") {
        // EAV attributes filter like columns; no value is NULL. (The vault link is the one
        // user-defined attribute this store has.)
        const QString value = v.customAttribute(f);
        *out = value.isEmpty() ? MagentoColumn{} : textCol(value);
    } else
        return false;
    return true;
}

} // namespace pb::sandbox
