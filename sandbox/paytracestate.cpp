#include "paytracestate.h"

#include "simutil.h"

#include <QRandomGenerator>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

// Texts of the recorded PayTrace errors (recordings/paytrace/*.response.json).
const QString kNotFound = u"The Transaction ID that you provided was not found."_s;
const QString kNotCapturable = u"The Transaction ID that you provided could not be captured. Only uncaptured, approved authorizations can be captured."_s;
const QString kNotRefundable = u"The Transaction ID that you provided could not be refunded. Only settled transactions can be refunded.  Please try to void the transaction instead."_s;
const QString kNotVoidable = u"The Transaction ID that you provided could not be voided. Only transactions that are pending settlement can be voided."_s;
// Not seen in any public source; the simulator's own code and wording (docs/paytrace.md §4.3 lists
// the known codes, the full list is not public).
constexpr int kAmountTooHigh = 819;
const QString kAmountTooHighText = u"The amount provided exceeds the amount remaining on the original transaction."_s;

} // namespace

PayTraceState::PayTraceState(int closeHour) : m_closeHour(closeHour) {}

void PayTraceState::setSeed(quint64 seed)
{
    m_seed = seed;
    m_rng.seed(seed * 0xBF58476D1CE4E5B9ULL + 0x94D049BB);
}

qint64 PayTraceState::draw(qint64 lo, qint64 hi)
{
    return hi <= lo ? lo : lo + qint64(m_rng() % quint64(hi - lo + 1));
}

qint64 PayTraceState::closeAfter(qint64 utcSecs) const
{
    if (!m_variedClose)
        return nextPacificClose(utcSecs, m_closeHour);
    // Shifts stay within (-9 h, +40 min] of the set hour, so each day's close is later than the
    // day before's: starting two days back and walking forward finds the first one after.
    qint64 base = nextPacificClose(utcSecs - 2 * 86400, m_closeHour);
    for (int guard = 0; guard < 6; ++guard) {
        quint64 h = (m_seed ^ 0x5EED5A17ULL) + quint64(pacificDayNumber(base)) * 0x9E3779B97F4A7C15ULL;
        h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
        h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
        h ^= h >> 31;
        const bool manual = h % 6 == 0 && m_closeHour >= 12;
        // A manual close falls between 11:00 and a minute before the set hour (README); the
        // scheduled one up to 40 minutes after it.
        const qint64 shift = manual ? -qint64(60 + (h >> 8) % quint64((m_closeHour - 11) * 3600 - 60))
                                    : qint64((h >> 8) % (40 * 60));
        if (base + shift > utcSecs)
            return base + shift;
        base = nextPacificClose(base, m_closeHour);
    }
    return base;
}

void PayTraceState::load(const QList<PayTraceTransaction> &transactions, const QList<PayTraceCustomer> &customers,
                         qint64 firstBatchNumber, qint64 nextTransactionId, qint64 now)
{
    m_transactions.assign(transactions.begin(), transactions.end());
    std::sort(m_transactions.begin(), m_transactions.end(),
              [](const PayTraceTransaction &a, const PayTraceTransaction &b) { return a.id < b.id; });
    m_index.clear();
    m_index.reserve(qsizetype(m_transactions.size()));
    m_pending.clear();
    qint64 earliest = now;
    for (qsizetype i = 0; i < qsizetype(m_transactions.size()); ++i) {
        const PayTraceTransaction &t = m_transactions[size_t(i)];
        m_index.insert(t.id, i);
        if (t.pendingSettlement()) {
            m_pending.push_back(t.id);
            earliest = std::min(earliest, eligibleAt(t));
        }
        m_nextTransactionId = std::max(m_nextTransactionId, t.id + 1);
    }
    m_nextTransactionId = std::max(m_nextTransactionId, nextTransactionId);
    m_customers = customers;
    m_nextBatchNumber = firstBatchNumber;
    m_batches.clear();
    m_ledger.clear();
    m_nextClose = closeAfter(earliest);
    m_loaded = false;
    closeDueBatches(now);
    m_loaded = true;
}

qint64 PayTraceState::eligibleAt(const PayTraceTransaction &t) const
{
    return t.kind == PayTraceKind::Authorization ? t.capturedAt : t.createdAt;
}

void PayTraceState::closeDueBatches(qint64 now)
{
    while (m_nextClose <= now) {
        if (m_pending.empty()) {
            m_nextClose = closeAfter(now);
            break;
        }
        closeBatchAt(m_nextClose, false);
        m_nextClose = closeAfter(m_nextClose);
    }
}

std::optional<PayTraceBatch> PayTraceState::closeBatchNow(qint64 now)
{
    closeDueBatches(now);
    const qsizetype before = m_batches.size();
    closeBatchAt(now, true);
    if (m_batches.size() == before)
        return std::nullopt;
    return m_batches.last();
}

void PayTraceState::closeBatchAt(qint64 closeAt, bool manual)
{
    PayTraceBatch batch;
    std::vector<qint64> keep;
    for (qint64 id : m_pending) {
        PayTraceTransaction *t = findMutable(id);
        if (!t || !t->pendingSettlement())
            continue; // voided since
        const bool due = manual ? eligibleAt(*t) <= closeAt : eligibleAt(*t) < closeAt;
        if (!due) {
            keep.push_back(id);
            continue;
        }
        batch.transactionIds.append(id);
    }
    m_pending.swap(keep);
    if (batch.transactionIds.isEmpty())
        return;
    std::sort(batch.transactionIds.begin(), batch.transactionIds.end());
    batch.number = m_nextBatchNumber++;
    batch.closedAt = closeAt;
    for (qint64 id : std::as_const(batch.transactionIds)) {
        PayTraceTransaction *t = findMutable(id);
        t->settledAt = closeAt;
        t->batchNumber = batch.number;
        if (t->kind == PayTraceKind::Refund) {
            ++batch.refundCount;
            batch.refundAmount += t->settlementAmount();
        } else {
            ++batch.salesCount;
            batch.salesAmount += t->settlementAmount();
        }
    }
    m_batches.append(batch);
    if (m_loaded) {
        PayTraceTransaction summary;
        addLedger(closeAt, u"settlement"_s, summary, batch.netAmount(), batch.number);
    }
}

const PayTraceTransaction *PayTraceState::find(qint64 id) const
{
    const auto it = m_index.constFind(id);
    return it == m_index.cend() ? nullptr : &m_transactions[size_t(*it)];
}

PayTraceTransaction *PayTraceState::findMutable(qint64 id)
{
    const auto it = m_index.constFind(id);
    return it == m_index.cend() ? nullptr : &m_transactions[size_t(*it)];
}

const PayTraceCustomer *PayTraceState::findCustomer(const QString &customerId) const
{
    for (const PayTraceCustomer &c : m_customers) {
        if (c.customerId == customerId)
            return &c;
    }
    return nullptr;
}

QString PayTraceState::exportType(const PayTraceTransaction &t)
{
    if (t.kind == PayTraceKind::Refund)
        return u"REFUND"_s;
    if (t.voided)
        return u"VOID"_s;
    return t.kind == PayTraceKind::Sale ? u"SALE"_s : u"AUTHORIZATION"_s;
}

QString PayTraceState::statusCode(const PayTraceTransaction &t)
{
    if (!t.approved || t.voided)
        return u"N"_s;
    if (t.settledAt != 0)
        return u"GB"_s + QString::number(t.batchNumber);
    if (t.kind == PayTraceKind::Authorization && !t.capturedAmount)
        return u"N"_s;
    return u"Y"_s;
}

QString PayTraceState::statusMessage(const PayTraceTransaction &t)
{
    if (!t.approved)
        return u"Declined"_s;
    if (t.voided)
        return u"Voided"_s;
    if (t.settledAt != 0)
        return u"Settled"_s;
    if (t.kind == PayTraceKind::Authorization && !t.capturedAmount)
        return u"Authorization Only"_s;
    return u"Pending Settlement"_s;
}

bool PayTraceState::isKnownTypeFilter(QStringView filter)
{
    static const QStringView known[] = {u"SALE", u"AUTHORIZATION", u"STR/FWD", u"REFUND", u"VOID",
                                        u"SETTLED", u"PENDING", u"DECLINED"};
    for (QStringView k : known) {
        if (k.compare(filter, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

bool PayTraceState::matchesTypeFilter(const PayTraceTransaction &t, QStringView filter)
{
    const auto is = [&](QStringView name) { return filter.compare(name, Qt::CaseInsensitive) == 0; };
    if (is(u"SETTLED"))
        return t.settledAt != 0;
    if (is(u"PENDING"))
        return t.pendingSettlement();
    if (is(u"DECLINED"))
        return !t.approved;
    if (is(u"STR/FWD"))
        return false; // store-and-forward transactions are never created here
    return exportType(t).compare(filter, Qt::CaseInsensitive) == 0;
}

void PayTraceState::addLedger(qint64 at, const QString &operation, const PayTraceTransaction &t, qint64 amount,
                              qint64 batch)
{
    LedgerEntry e;
    e.sequence = m_ledger.size() + 1;
    e.at = at;
    e.operation = operation;
    e.transactionId = t.id;
    e.amount = amount;
    e.invoiceId = t.invoiceId;
    e.batchNumber = batch;
    m_ledger.append(e);
}

void PayTraceState::markPending(qint64 id)
{
    m_pending.push_back(id);
}

qint64 PayTraceState::addTransaction(PayTraceTransaction t, qint64 now)
{
    closeDueBatches(now);
    t.id = m_nextTransactionId;
    m_nextTransactionId += 1 + draw(0, 2); // other merchants' ids in between
    t.createdAt = now;
    t.settledAt = 0;
    t.batchNumber = 0;
    m_index.insert(t.id, qsizetype(m_transactions.size()));
    m_transactions.push_back(t);
    if (t.approved) {
        addLedger(now, t.kind == PayTraceKind::Sale ? u"sale"_s : u"authorization"_s, t, t.amount);
        if (t.pendingSettlement())
            markPending(t.id);
    }
    return t.id;
}

qint64 PayTraceState::addKeyedRefund(PayTraceTransaction t, qint64 now)
{
    t.kind = PayTraceKind::Refund;
    t.parentId = 0;
    const qint64 id = addTransaction(t, now);
    // addTransaction booked it as a "sale"; a keyed refund is a refund.
    m_ledger.last().operation = u"refund"_s;
    return id;
}

std::optional<PayTraceError> PayTraceState::capture(qint64 id, std::optional<qint64> amount, qint64 now)
{
    closeDueBatches(now);
    PayTraceTransaction *t = findMutable(id);
    if (!t)
        return PayTraceError{811, kNotFound};
    if (t->kind != PayTraceKind::Authorization || !t->approved || t->voided || t->capturedAmount)
        return PayTraceError{816, kNotCapturable};
    const qint64 value = amount.value_or(t->amount);
    if (value <= 0 || value > t->amount)
        return PayTraceError{kAmountTooHigh, kAmountTooHighText};
    t->capturedAmount = value;
    t->capturedAt = now;
    addLedger(now, u"capture"_s, *t, value);
    markPending(id);
    return std::nullopt;
}

std::optional<PayTraceError> PayTraceState::voidTransaction(qint64 id, qint64 now)
{
    closeDueBatches(now);
    PayTraceTransaction *t = findMutable(id);
    if (!t)
        return PayTraceError{811, kNotFound};
    // Pending settlement or an open authorization can be voided; nothing settled, declined or
    // already voided can.
    if (!t->approved || t->voided || t->settledAt != 0)
        return PayTraceError{818, kNotVoidable};
    const qint64 released = t->kind == PayTraceKind::Authorization ? t->capturedAmount.value_or(t->amount) : t->amount;
    t->voided = true;
    t->voidedAt = now;
    if (t->kind == PayTraceKind::Refund && t->parentId != 0) {
        if (PayTraceTransaction *parent = findMutable(t->parentId))
            parent->refundedAmount -= t->amount;
    }
    addLedger(now, u"void"_s, *t, released);
    return std::nullopt;
}

std::optional<PayTraceError> PayTraceState::refund(qint64 id, std::optional<qint64> amount, qint64 now,
                                                   qint64 *refundId)
{
    closeDueBatches(now);
    PayTraceTransaction *t = findMutable(id);
    if (!t)
        return PayTraceError{811, kNotFound};
    if (t->kind == PayTraceKind::Refund || !t->approved || t->voided || t->settledAt == 0)
        return PayTraceError{817, kNotRefundable};
    const qint64 left = t->settlementAmount() - t->refundedAmount;
    const qint64 value = amount.value_or(left);
    if (value <= 0 || value > left)
        return PayTraceError{kAmountTooHigh, kAmountTooHighText};
    PayTraceTransaction r;
    r.kind = PayTraceKind::Refund;
    r.approved = true;
    r.amount = value;
    r.parentId = t->id;
    r.invoiceId = t->invoiceId;
    r.description = t->description;
    r.customerId = t->customerId;
    r.customerReferenceId = t->customerReferenceId;
    r.card = t->card;
    r.billing = t->billing;
    r.shipping = t->shipping;
    r.createdBy = t->createdBy;
    r.fromIp = t->fromIp;
    t->refundedAmount += value; // t may move when the vector grows: update before adding
    const qint64 newId = addTransaction(r, now);
    m_ledger.last().operation = u"refund"_s;
    *refundId = newId;
    return std::nullopt;
}

std::optional<PayTraceError> PayTraceState::addCustomer(const PayTraceCustomer &customer)
{
    if (findCustomer(customer.customerId))
        return PayTraceError{171, u"Please provide a unique customer ID."_s};
    m_customers.append(customer);
    return std::nullopt;
}

std::optional<PayTraceError> PayTraceState::updateCustomer(const QString &customerId, const PayTraceCustomer &changes,
                                                           const QString &newId)
{
    for (PayTraceCustomer &c : m_customers) {
        if (c.customerId != customerId)
            continue;
        if (!newId.isEmpty() && newId != customerId && findCustomer(newId))
            return PayTraceError{171, u"Please provide a unique customer ID."_s};
        const QString id = newId.isEmpty() ? customerId : newId;
        const qint64 created = c.createdAt;
        c = changes;
        c.customerId = id;
        c.createdAt = created;
        return std::nullopt;
    }
    return PayTraceError{30, u"Customer ID, %1, was not found or is incomplete."_s.arg(customerId)};
}

std::optional<PayTraceError> PayTraceState::deleteCustomer(const QString &customerId)
{
    for (qsizetype i = 0; i < m_customers.size(); ++i) {
        if (m_customers[i].customerId == customerId) {
            m_customers.removeAt(i);
            return std::nullopt;
        }
    }
    return PayTraceError{30, u"Customer ID, %1, was not found or is incomplete."_s.arg(customerId)};
}

QByteArray PayTraceState::issueToken(qint64 now, qint64 lifetimeSeconds)
{
    if (m_tokens.size() > 10000) {
        for (auto it = m_tokens.begin(); it != m_tokens.end();) {
            if (it.value() <= now)
                it = m_tokens.erase(it);
            else
                ++it;
        }
    }
    // Three ':'-separated hex segments, like the tokens PayTrace hands out.
    QByteArray token;
    for (int part = 0; part < 3; ++part) {
        if (part)
            token.append(':');
        QByteArray raw(16, Qt::Uninitialized);
        QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(raw.data()), 4);
        token.append(raw.toHex());
    }
    m_tokens.insert(token, now + lifetimeSeconds);
    return token;
}

PayTraceState::TokenStatus PayTraceState::checkToken(QByteArrayView token, qint64 now) const
{
    const auto it = m_tokens.constFind(token.toByteArray());
    if (it == m_tokens.cend())
        return TokenStatus::Invalid;
    return now < it.value() ? TokenStatus::Valid : TokenStatus::Expired;
}

} // namespace pb::sandbox
