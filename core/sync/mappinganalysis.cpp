#include "sync/mappinganalysis.h"

#include "mapping/preview.h"
#include "store/sqlsupport.h"
#include "sync/linker.h"

#include <QHash>
#include <QMap>
#include <QSet>
#include <QSqlQuery>

#include <optional>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

Error cancelledError()
{
    return makeError(u"mapping.analysis.cancelled"_s, {}, u"the mapping analysis was cancelled"_s);
}

bool cancelled(const std::atomic_bool *cancel)
{
    return cancel && cancel->load(std::memory_order_relaxed);
}

// The PayTrace field a pair reads, as LinkKey::keyOf reads it; nothing for a field the stored
// records do not carry (keyOf refuses it, so the sync could not use such a key).
std::optional<QString> fieldOf(const LinkCandidate &c, const QString &field)
{
    if (field == "invoice_id"_L1)
        return c.invoiceId;
    if (field == "description"_L1)
        return c.description;
    if (field == "transaction_id"_L1)
        return c.transactionId;
    return std::nullopt;
}

struct StoredTx
{
    LinkCandidate c;
    QString cardType;
    QString approvalCode;
    QString batch;
    std::optional<qint64> storedOrder;
};

GatewayTransaction toGateway(const StoredTx &t)
{
    GatewayTransaction g;
    g.transactionId = t.c.transactionId;
    g.type = GatewayTransaction::typeFromName(t.c.type);
    g.status = GatewayTransaction::statusFromName(t.c.status);
    if (const auto currency = Currency::fromCode(t.c.currency))
        g.amount = Money::fromMinor(t.c.amountMinor, *currency);
    g.invoiceId = t.c.invoiceId;
    g.description = t.c.description;
    g.cardLast4 = t.c.last4;
    g.cardType = t.cardType;
    g.approvalCode = t.approvalCode;
    g.batch = t.batch;
    g.createdAt = QDateTime::fromMSecsSinceEpoch(t.c.createdAtMs, Qt::UTC);
    return g;
}

Money moneyOf(const QVariant &minor, const std::optional<Currency> &currency)
{
    return currency ? Money::fromMinor(minor.toLongLong(), *currency) : Money();
}

Result<QHash<qint64, OrderRecord>> loadOrders(QSqlDatabase &db)
{
    auto q = store::detail::prepare(db, uR"(
SELECT entity_id, increment_id, state, status, currency, grand_total, total_paid, total_invoiced, total_refunded,
       base_currency, base_grand_total, card_last4
FROM orders)"_s);
    if (!q)
        return q.error();
    if (Status s = store::detail::exec(q.value(), u"cannot read the orders"_s); !s)
        return s.error();
    QHash<qint64, OrderRecord> out;
    for (QSqlQuery &r = q.value(); r.next();) {
        OrderRecord o;
        o.entityId = r.value(0).toLongLong();
        o.incrementId = r.value(1).toString();
        o.state = r.value(2).toString();
        o.status = r.value(3).toString();
        const auto currency = Currency::fromCode(r.value(4).toString());
        if (currency)
            o.currency = *currency;
        o.grandTotal = moneyOf(r.value(5), currency);
        o.totalPaid = moneyOf(r.value(6), currency);
        o.totalInvoiced = moneyOf(r.value(7), currency);
        o.totalRefunded = moneyOf(r.value(8), currency);
        const auto base = Currency::fromCode(r.value(9).toString());
        if (base)
            o.baseCurrency = *base;
        o.baseGrandTotal = moneyOf(r.value(10), base);
        o.cardLast4 = r.value(11).toString();
        out.insert(o.entityId, o);
    }
    return out;
}

Result<QList<StoredTx>> loadTransactions(QSqlDatabase &db)
{
    auto q = store::detail::prepare(db, u"SELECT "_s + LinkMatcher::candidateColumns() + uR"(,
       t.card_type, t.approval_code, t.batch, l.order_entity_id
FROM gateway_transactions t
LEFT JOIN order_transaction_links l ON l.transaction_id = t.transaction_id
ORDER BY t.created_at, t.transaction_id)"_s);
    if (!q)
        return q.error();
    if (Status s = store::detail::exec(q.value(), u"cannot read the transactions"_s); !s)
        return s.error();
    QList<StoredTx> out;
    for (QSqlQuery &r = q.value(); r.next();) {
        StoredTx t;
        t.c = LinkMatcher::candidateFrom(r);
        t.cardType = r.value(9).toString();
        t.approvalCode = r.value(10).toString();
        t.batch = r.value(11).toString();
        if (!r.value(12).isNull())
            t.storedOrder = r.value(12).toLongLong();
        out.append(std::move(t));
    }
    return out;
}

bool sameKey(const mapping::LinkKey &a, const mapping::LinkKey &b)
{
    return a.paytraceField == b.paytraceField && a.magentoField == b.magentoField && a.transforms == b.transforms
        && a.fallback.enabled == b.fallback.enabled && a.fallback.amountToleranceMinor == b.fallback.amountToleranceMinor
        && a.fallback.timeWindowMinutes == b.fallback.timeWindowMinutes && a.fallback.matchLast4 == b.fallback.matchLast4;
}

// Every transaction decided from scratch under `key`, in the order of `txs`.
Result<QList<LinkDecision>> decideAll(QSqlDatabase &db, const mapping::LinkKey &key, const QList<StoredTx> &txs,
                                      const std::atomic_bool *cancel)
{
    LinkMatcher matcher(db, key);
    if (Status s = matcher.preloadKeys(); !s)
        return s.error();
    QList<LinkDecision> out;
    out.reserve(txs.size());
    for (qsizetype i = 0; i < txs.size(); ++i) {
        if ((i & 255) == 0 && cancelled(cancel))
            return cancelledError();
        auto d = matcher.decide(txs.at(i).c);
        if (!d)
            return d.error();
        out.append(std::move(d.value()));
    }
    return out;
}

// The status an order ends with under a preview: the target when PayBridge would set it.
QString resultingStatus(const mapping::PreviewResult &r, const OrderRecord &o)
{
    return r.statusChanges ? r.targetStatus : o.status;
}

} // namespace

Result<QList<LinkSuggestion>> MappingAnalysis::suggestLinks(QSqlDatabase &db, const mapping::MappingProfile &active,
                                                            int limit, const std::atomic_bool *cancel)
{
    // Keys are loaded with SQL and compared by hashing here: one pass per candidate chain.
    QList<LinkCandidate> payments;
    {
        auto q = store::detail::prepare(db, u"SELECT "_s + LinkMatcher::candidateColumns()
                                                + u" FROM gateway_transactions t ORDER BY t.created_at, t.transaction_id"_s);
        if (!q)
            return q.error();
        if (Status s = store::detail::exec(q.value(), u"cannot read the transactions"_s); !s)
            return s.error();
        for (QSqlQuery &r = q.value(); r.next();) {
            LinkCandidate c = LinkMatcher::candidateFrom(r);
            if (LinkMatcher::isPayment(c))
                payments.append(std::move(c));
        }
    }
    if (cancelled(cancel))
        return cancelledError();
    QHash<QString, QStringList> byIncrement, byEntity, byLastTrans;
    {
        auto q = store::detail::prepare(db, u"SELECT entity_id, increment_id, last_trans_id FROM orders"_s);
        if (!q)
            return q.error();
        if (Status s = store::detail::exec(q.value(), u"cannot read the orders"_s); !s)
            return s.error();
        for (QSqlQuery &r = q.value(); r.next();) {
            const QString increment = r.value(1).toString();
            byIncrement[increment].append(increment);
            byEntity[QString::number(r.value(0).toLongLong())].append(increment);
            const QString lastTrans = r.value(2).toString();
            if (!lastTrans.isEmpty())
                byLastTrans[lastTrans].append(increment);
        }
    }
    QList<mapping::PairSample> samples;
    for (const auto &[paytraceField, magentoField] : mapping::LinkKey::supportedPairs()) {
        mapping::PairSample sample;
        sample.paytraceField = paytraceField;
        sample.magentoField = magentoField;
        bool readable = true;
        sample.values.reserve(payments.size());
        for (const LinkCandidate &c : std::as_const(payments)) {
            const std::optional<QString> v = fieldOf(c, paytraceField);
            if (!v) {
                readable = false;
                break;
            }
            sample.values.append(*v);
        }
        if (!readable)
            continue;
        sample.orderValues = magentoField == "entity_id"_L1   ? byEntity
            : magentoField == "last_trans_id"_L1              ? byLastTrans
                                                              : byIncrement;
        samples.append(std::move(sample));
    }
    QList<LinkSuggestion> ranked = mapping::rankSuggestions(samples, active.linkKey().fallback, limit, cancel);
    if (cancelled(cancel))
        return cancelledError();
    return ranked;
}

Result<PreviewDiff> MappingAnalysis::previewDiff(QSqlDatabase &db, const mapping::MappingProfile &active,
                                                 const mapping::MappingProfile &draft, const PreviewFilter &filter,
                                                 const std::atomic_bool *cancel)
{
    auto orders = loadOrders(db);
    if (!orders)
        return orders.error();
    auto loaded = loadTransactions(db);
    if (!loaded)
        return loaded.error();
    const QList<StoredTx> &txs = loaded.value();
    auto activeDecisions = decideAll(db, active.linkKey(), txs, cancel);
    if (!activeDecisions)
        return activeDecisions.error();
    Result<QList<LinkDecision>> draftDecisions = sameKey(active.linkKey(), draft.linkKey())
        ? Result<QList<LinkDecision>>(activeDecisions.value())
        : decideAll(db, draft.linkKey(), txs, cancel);
    if (!draftDecisions)
        return draftDecisions.error();
    const QList<LinkDecision> &byActive = activeDecisions.value();
    const QList<LinkDecision> &byDraft = draftDecisions.value();

    const auto incrementOf = [&](const std::optional<qint64> &entity) {
        return entity ? orders->value(*entity).incrementId : QString();
    };
    const QString search = filter.search.trimmed();
    QString searchDigits = search;
    while (searchDigits.startsWith(u'0'))
        searchDigits.remove(0, 1);
    const auto passes = [&](qsizetype i) {
        const StoredTx &t = txs.at(i);
        const QDate day = QDateTime::fromMSecsSinceEpoch(t.c.createdAtMs, Qt::UTC).date();
        if ((filter.from.isValid() && day < filter.from) || (filter.to.isValid() && day > filter.to))
            return false;
        if (search.isEmpty() || t.c.transactionId == search)
            return true;
        for (const QString &needle : {search, searchDigits}) {
            if (!needle.isEmpty() && (t.c.invoiceId.contains(needle) || t.c.description.contains(needle)))
                return true;
        }
        return incrementOf(t.storedOrder) == search || incrementOf(byActive.at(i).order) == search
            || incrementOf(byDraft.at(i).order) == search;
    };

    PreviewDiff diff;
    const int limit = qMax(0, filter.limit);
    // Transactions per order under each profile, over the whole store: an order's status
    // depends on all its payments, not only the filtered ones.
    QHash<qint64, QList<qsizetype>> activeTxs, draftTxs;
    for (qsizetype i = 0; i < txs.size(); ++i) {
        if (byActive.at(i).order)
            activeTxs[*byActive.at(i).order].append(i);
        if (byDraft.at(i).order)
            draftTxs[*byDraft.at(i).order].append(i);
        // What Linker::link would add: the draft's decision for every transaction not linked yet.
        if (!txs.at(i).storedOrder && byDraft.at(i).order)
            ++diff.nextSyncNewLinks;
    }

    QList<qint64> touched;
    QSet<qint64> seen;
    for (qsizetype i = 0; i < txs.size(); ++i) {
        if (!passes(i))
            continue;
        ++diff.transactions;
        const std::optional<qint64> a = byActive.at(i).order;
        const std::optional<qint64> d = byDraft.at(i).order;
        for (const std::optional<qint64> &o : {a, d}) {
            if (o && !seen.contains(*o)) {
                seen.insert(*o);
                touched.append(*o);
            }
        }
        if (!a && !d)
            continue;
        if (a && d && *a == *d) {
            ++diff.linksSame;
            continue;
        }
        if (!a)
            ++diff.linksMade;
        else if (!d)
            ++diff.linksLost;
        else
            ++diff.linksChanged;
        if (diff.links.size() < limit)
            diff.links.append({txs.at(i).c.transactionId, incrementOf(a), incrementOf(d),
                               d ? byDraft.at(i).rule : byDraft.at(i).why});
    }
    diff.orders = int(touched.size());

    const bool sameOutcomeRules = active.statusMap() == draft.statusMap()
        && active.customStatuses() == draft.customStatuses() && active.rules() == draft.rules()
        && active.erpAccounts() == draft.erpAccounts();
    QMap<std::pair<QString, QString>, AccountLine> accounts;
    const auto book = [&](const mapping::PreviewResult &r, bool isDraft) {
        for (const mapping::EntryPlan &e : r.entries) {
            for (const mapping::PlannedPosting &p : e.postings) {
                AccountLine &line = accounts[{p.account, p.amount.currency().code()}];
                line.account = p.account;
                line.currency = p.amount.currency().code();
                (isDraft ? line.draftMinor : line.activeMinor) += p.amount.minor();
            }
        }
    };
    for (qsizetype n = 0; n < touched.size(); ++n) {
        if ((n & 255) == 0 && cancelled(cancel))
            return cancelledError();
        const OrderRecord order = orders->value(touched.at(n));
        const QList<qsizetype> activeIdx = activeTxs.value(order.entityId);
        const QList<qsizetype> draftIdx = draftTxs.value(order.entityId);
        // Most orders see the same payments under both; when the rest of the profile is the
        // same too, so is the outcome.
        const bool sameInputs = sameOutcomeRules && activeIdx == draftIdx;
        QList<GatewayTransaction> underActive, underDraft;
        for (qsizetype i : activeIdx)
            underActive.append(toGateway(txs.at(i)));
        for (qsizetype i : sameInputs ? QList<qsizetype>() : draftIdx)
            underDraft.append(toGateway(txs.at(i)));
        const mapping::PreviewResult ra = mapping::preview(active, order, underActive);
        const mapping::PreviewResult rd = sameInputs ? ra : mapping::preview(draft, order, underDraft);
        book(ra, false);
        book(rd, true);
        const QString activeStatus = resultingStatus(ra, order);
        const QString draftStatus = resultingStatus(rd, order);
        if (activeStatus == draftStatus)
            continue;
        ++diff.statusChanges;
        if (diff.statuses.size() < limit)
            diff.statuses.append({order.incrementId, rd.gatewayState.isEmpty() ? ra.gatewayState : rd.gatewayState,
                                  order.status, activeStatus, draftStatus});
    }
    for (const AccountLine &line : std::as_const(accounts))
        diff.accounts.append(line);
    return diff;
}

} // namespace pb::sync
