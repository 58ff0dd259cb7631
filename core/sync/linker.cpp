#include "sync/linker.h"

#include "log/categories.h"
#include "store/linkrepository.h"
#include "store/sqlsupport.h"

#include <QHash>
#include <QSqlQuery>

#include <optional>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

// Unlinked transactions, or the one asked about. The anti-join walks the transactions once
// per run; the rows it returns are the few the key did not link.
const QString kCandidateColumns = uR"(t.transaction_id, t.type, t.status, t.amount, t.currency, t.invoice_id,
       t.description, t.card_last4, t.created_at)"_s;
const QString kUnlinked = u"SELECT "_s + kCandidateColumns + uR"(
FROM gateway_transactions t
WHERE NOT EXISTS (SELECT 1 FROM order_transaction_links l WHERE l.transaction_id = t.transaction_id))"_s;

// The default key with transforms that leave a stored increment id alone: exact equality in
// SQL links the same transactions the transforms would, and much faster.
bool sqlFastPath(const mapping::LinkKey &key)
{
    if (key.paytraceField != "invoice_id"_L1 || key.magentoField != "increment_id"_L1)
        return false;
    for (const mapping::Transform &t : key.transforms.steps()) {
        if (t.op() != mapping::Transform::Op::Trim && t.op() != mapping::Transform::Op::Copy)
            return false;
    }
    return true;
}

} // namespace

struct LinkMatcher::Impl
{
    Impl(QSqlDatabase &db, const mapping::LinkKey &key) : m_db(db), m_key(key) {}

    Result<LinkDecision> byKey(const LinkCandidate &c, bool exactTriedInSql)
    {
        GatewayTransaction tx;
        tx.transactionId = c.transactionId;
        tx.invoiceId = c.invoiceId;
        tx.description = c.description;
        const Result<QString> key = m_key.keyOf(tx);
        if (!key)
            return LinkDecision{std::nullopt, {}, key.error().message};
        const QString raw = m_key.paytraceField == "invoice_id"_L1 ? c.invoiceId
            : m_key.paytraceField == "description"_L1             ? c.description
                                                                   : c.transactionId;
        if (exactTriedInSql && *key == raw)
            return LinkDecision{std::nullopt, {}, u"no order has %1 '%2'"_s.arg(m_key.magentoField, *key)};
        auto ids = ordersWithKey(*key);
        if (!ids)
            return ids.error();
        if (ids->size() == 1)
            return LinkDecision{ids->first(), Linker::keyRule(m_key), {}};
        if (ids->isEmpty())
            return LinkDecision{std::nullopt, {}, u"no order has %1 '%2'"_s.arg(m_key.magentoField, *key)};
        return LinkDecision{std::nullopt, {}, u"%1 orders have %2 '%3'"_s.arg(ids->size()).arg(m_key.magentoField, *key),
                            true};
    }

    Result<LinkDecision> byFallback(const LinkCandidate &c)
    {
        const mapping::LinkFallback &f = m_key.fallback;
        if (!f.enabled)
            return LinkDecision{std::nullopt, {}, u"the fallback match is off"_s};
        if (!LinkMatcher::isPayment(c))
            return LinkDecision{std::nullopt, {}, u"only payments are matched by amount"_s};
        if (f.matchLast4 && c.last4.isEmpty())
            return LinkDecision{std::nullopt, {}, u"the transaction shows no card last four"_s};
        QList<qint64> ids;
        for (bool multiCurrency : {false, true}) {
            if (multiCurrency) {
                auto any = hasMultiCurrencyOrders();
                if (!any)
                    return any.error();
                if (!*any)
                    continue;
            }
            auto found = fallbackOrders(c, multiCurrency);
            if (!found)
                return found.error();
            ids += *found;
        }
        if (ids.size() == 1)
            return LinkDecision{ids.first(), Linker::fallbackRule(f), {}};
        const QString what = f.matchLast4 ? u"amount, time and card"_s : u"amount and time"_s;
        if (ids.isEmpty())
            return LinkDecision{std::nullopt, {}, u"no order matches by %1"_s.arg(what)};
        return LinkDecision{std::nullopt, {}, u"several orders match by %1"_s.arg(what), true};
    }

    // The Magento field of every order, by value (entity ids as decimal text).
    Status preload()
    {
        const QString column = m_key.magentoField == "entity_id"_L1 ? u"entity_id"_s
            : m_key.magentoField == "last_trans_id"_L1             ? u"last_trans_id"_s
                                                                   : u"increment_id"_s;
        auto q = store::detail::prepare(m_db, u"SELECT "_s + column + u", entity_id FROM orders"_s);
        if (!q)
            return q.error();
        if (Status s = store::detail::exec(q.value(), u"cannot read the orders' "_s + column); !s)
            return s;
        QHash<QString, QList<qint64>> byValue;
        for (QSqlQuery &r = q.value(); r.next();) {
            const QString value = r.value(0).toString();
            if (!value.isEmpty())
                byValue[value].append(r.value(1).toLongLong());
        }
        m_preloaded = std::move(byValue);
        return {};
    }

    // An entity id is a plain decimal number. "00000013" is an order number with a digit
    // missing, not entity 13: read as a number, a mistyped increment id would link to another
    // order.
    static std::optional<qint64> entityIdOf(const QString &key)
    {
        bool ok = false;
        const qint64 id = key.toLongLong(&ok);
        if (!ok || QString::number(id) != key)
            return std::nullopt;
        return id;
    }

    Result<QList<qint64>> ordersWithKey(const QString &key)
    {
        QList<qint64> ids;
        if (m_preloaded) {
            if (m_key.magentoField != "entity_id"_L1)
                return m_preloaded->value(key);
            return entityIdOf(key) ? m_preloaded->value(key) : ids;
        }
        if (m_key.magentoField == "last_trans_id"_L1) {
            // No index on last_trans_id: read the column once per run.
            if (!m_lastTrans) {
                auto q = store::detail::prepare(
                    m_db, u"SELECT last_trans_id, entity_id FROM orders WHERE last_trans_id <> ''"_s);
                if (!q)
                    return q.error();
                if (Status s = store::detail::exec(q.value(), u"cannot read the orders' last transaction ids"_s); !s)
                    return s.error();
                m_lastTrans.emplace();
                for (QSqlQuery &r = q.value(); r.next();)
                    (*m_lastTrans)[r.value(0).toString()].append(r.value(1).toLongLong());
            }
            return m_lastTrans->value(key);
        }
        QVariant bound = key;
        if (m_key.magentoField == "entity_id"_L1) {
            const std::optional<qint64> id = entityIdOf(key);
            if (!id)
                return ids;
            bound = *id;
        }
        if (!m_byKey) {
            const QString column = m_key.magentoField == "entity_id"_L1 ? u"entity_id"_s : u"increment_id"_s;
            auto q = store::detail::prepare(m_db, u"SELECT entity_id FROM orders WHERE "_s + column + u" = ?"_s);
            if (!q)
                return q.error();
            m_byKey.emplace(std::move(q.value()));
        }
        m_byKey->bindValue(0, bound);
        if (Status s = store::detail::exec(*m_byKey, u"cannot look up the order for key "_s + key); !s)
            return s.error();
        while (m_byKey->next())
            ids.append(m_byKey->value(0).toLongLong());
        m_byKey->finish();
        return ids;
    }

    Result<bool> hasMultiCurrencyOrders()
    {
        if (!m_multiCurrency) {
            QSqlQuery q(m_db);
            if (!q.exec(u"SELECT EXISTS (SELECT 1 FROM orders WHERE base_currency <> '' AND base_currency <> currency)"_s)
                || !q.next())
                return store::detail::sqlError(u"store.sql"_s, u"cannot look for multi-currency orders"_s, q.lastError());
            m_multiCurrency = q.value(0).toBool();
        }
        return *m_multiCurrency;
    }

    // The card is charged the base amount in the base currency (docs/magento.md §8); an order
    // without a distinct base currency is charged its grand total. The single-currency query
    // walks the grand_total index, the other one the few multi-currency orders by time.
    Result<QList<qint64>> fallbackOrders(const LinkCandidate &c, bool multiCurrency)
    {
        std::optional<QSqlQuery> &slot = multiCurrency ? m_fallbackMulti : m_fallbackSingle;
        if (!slot) {
            const QString sql = multiCurrency ? uR"(
SELECT entity_id FROM orders
WHERE base_currency <> '' AND base_currency <> currency AND base_currency = :cur
  AND base_grand_total BETWEEN :lo AND :hi AND created_at BETWEEN :from AND :to
  AND (:any4 OR card_last4 = :last4)
LIMIT 2)"_s
                                              : uR"(
SELECT entity_id FROM orders
WHERE grand_total BETWEEN :lo AND :hi AND currency = :cur
  AND (base_currency = '' OR base_currency = currency) AND created_at BETWEEN :from AND :to
  AND (:any4 OR card_last4 = :last4)
LIMIT 2)"_s;
            auto q = store::detail::prepare(m_db, sql);
            if (!q)
                return q.error();
            slot.emplace(std::move(q.value()));
        }
        const mapping::LinkFallback &f = m_key.fallback;
        const qint64 windowMs = qint64(f.timeWindowMinutes) * 60 * 1000;
        QSqlQuery &q = *slot;
        q.bindValue(u":cur"_s, c.currency);
        q.bindValue(u":lo"_s, c.amountMinor - f.amountToleranceMinor);
        q.bindValue(u":hi"_s, c.amountMinor + f.amountToleranceMinor);
        q.bindValue(u":from"_s, c.createdAtMs - windowMs);
        q.bindValue(u":to"_s, c.createdAtMs + windowMs);
        q.bindValue(u":any4"_s, f.matchLast4 ? 0 : 1);
        q.bindValue(u":last4"_s, c.last4);
        if (Status s = store::detail::exec(q, u"cannot look for the order of transaction "_s + c.transactionId); !s)
            return s.error();
        QList<qint64> ids;
        while (q.next())
            ids.append(q.value(0).toLongLong());
        q.finish();
        return ids;
    }

    QSqlDatabase &m_db;
    const mapping::LinkKey m_key; // a copy: a matcher may outlive the profile it was made from
    std::optional<QHash<QString, QList<qint64>>> m_lastTrans;
    std::optional<QHash<QString, QList<qint64>>> m_preloaded;
    std::optional<QSqlQuery> m_byKey;
    std::optional<QSqlQuery> m_fallbackSingle;
    std::optional<QSqlQuery> m_fallbackMulti;
    std::optional<bool> m_multiCurrency;
};

LinkMatcher::LinkMatcher(QSqlDatabase &db, const mapping::LinkKey &key) : d(std::make_unique<Impl>(db, key)) {}

LinkMatcher::~LinkMatcher() = default;

Status LinkMatcher::preloadKeys()
{
    return d->preload();
}

Result<LinkDecision> LinkMatcher::byKey(const LinkCandidate &c, bool exactTriedInSql)
{
    return d->byKey(c, exactTriedInSql);
}

Result<LinkDecision> LinkMatcher::byFallback(const LinkCandidate &c)
{
    return d->byFallback(c);
}

Result<LinkDecision> LinkMatcher::decide(const LinkCandidate &c)
{
    auto key = d->byKey(c, false);
    if (!key || key->order || !d->m_key.fallback.enabled || !isPayment(c))
        return key;
    auto fallback = d->byFallback(c);
    if (!fallback || fallback->order)
        return fallback;
    return LinkDecision{std::nullopt, {}, key->why + u"; "_s + fallback->why, key->ambiguous || fallback->ambiguous};
}

bool LinkMatcher::isPayment(const LinkCandidate &c)
{
    // Sales and authorizations that took money or held it; refunds, voids and declined
    // attempts are not matched by amount (a refund's amount says nothing about its order).
    return (c.type == "sale"_L1 || c.type == "authorization"_L1)
        && (c.status == "approved"_L1 || c.status == "pending_settlement"_L1 || c.status == "settled"_L1
            || c.status == "authorized"_L1 || c.status == "voided"_L1);
}

QString LinkMatcher::candidateColumns()
{
    return kCandidateColumns;
}

LinkCandidate LinkMatcher::candidateFrom(const QSqlQuery &q)
{
    LinkCandidate c;
    c.transactionId = q.value(0).toString();
    c.type = q.value(1).toString();
    c.status = q.value(2).toString();
    c.amountMinor = q.value(3).toLongLong();
    c.currency = q.value(4).toString();
    c.invoiceId = q.value(5).toString();
    c.description = q.value(6).toString();
    c.last4 = q.value(7).toString();
    c.createdAtMs = q.value(8).toLongLong();
    return c;
}

QString Linker::keyRule(const mapping::LinkKey &key)
{
    return u"key:"_s + key.paytraceField + u'=' + key.magentoField;
}

QString Linker::fallbackRule(const mapping::LinkFallback &fallback)
{
    return fallback.matchLast4 ? u"fallback:amount+time+last4"_s : u"fallback:amount+time"_s;
}

Result<int> Linker::link(const mapping::MappingProfile &profile, const QDateTime &now)
{
    if (!now.isValid())
        return makeError(u"store.invalid_record"_s, QString(), u"linking without a time"_s);
    const mapping::LinkKey &key = profile.linkKey();
    store::detail::Savepoint tx(m_db, "pb_link"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    store::LinkRepository links(m_db);
    int linked = 0;
    const bool fast = sqlFastPath(key);
    if (fast) {
        auto exact = links.linkByInvoiceId(now);
        if (!exact)
            return exact.error();
        linked += *exact;
    }
    // Whatever SQL did not link: the key through the transforms, then the fallback. One
    // transaction goes to one order, so each decision stands on its own.
    QList<LinkCandidate> candidates;
    {
        auto q = store::detail::prepare(m_db, kUnlinked);
        if (!q)
            return q.error();
        if (Status s = store::detail::exec(q.value(), u"cannot read the unlinked transactions"_s); !s)
            return s.error();
        for (QSqlQuery &r = q.value(); r.next();)
            candidates.append(LinkMatcher::candidateFrom(r));
    }
    LinkMatcher matcher(m_db, key);
    QList<store::LinkRepository::NewLink> byKey;
    QList<store::LinkRepository::NewLink> byFallback;
    int ambiguous = 0;
    const QString keyRuleText = keyRule(key);
    const QString fallbackRuleText = fallbackRule(key.fallback);
    for (const LinkCandidate &c : std::as_const(candidates)) {
        // With the SQL fast path a transaction without an invoice has no key to try.
        if (!(fast && c.invoiceId.isEmpty())) {
            auto d = matcher.byKey(c, fast);
            if (!d)
                return d.error();
            if (d->order) {
                byKey.append({c.transactionId, *d->order, keyRuleText});
                continue;
            }
        }
        if (!key.fallback.enabled || !LinkMatcher::isPayment(c))
            continue;
        auto d = matcher.byFallback(c);
        if (!d)
            return d.error();
        if (d->order)
            byFallback.append({c.transactionId, *d->order, fallbackRuleText});
        else if (d->ambiguous)
            ++ambiguous;
    }
    auto added = links.addLinks(byKey + byFallback, now);
    if (!added)
        return added.error();
    linked += *added;
    if (Status s = tx.release(); !s)
        return s.error();
    if (!byKey.isEmpty() || !byFallback.isEmpty() || ambiguous > 0)
        qCInfo(lcSync) << "linking:" << byKey.size() << "by the key through its transforms,"
                       << byFallback.size() << "by" << fallbackRuleText << "," << ambiguous
                       << "payments left unlinked because several orders match";
    return linked;
}

Result<QString> Linker::whyUnlinked(const mapping::MappingProfile &profile, const QString &transactionId)
{
    auto q = store::detail::prepare(m_db, kUnlinked + u" AND t.transaction_id = ?"_s);
    if (!q)
        return q.error();
    QSqlQuery &r = q.value();
    r.bindValue(0, transactionId);
    if (Status s = store::detail::exec(r, u"cannot read transaction "_s + transactionId); !s)
        return s.error();
    if (!r.next())
        return QString();
    const LinkCandidate c = LinkMatcher::candidateFrom(r);
    r.finish();
    LinkMatcher matcher(m_db, profile.linkKey());
    auto byKey = matcher.byKey(c, false);
    if (!byKey)
        return byKey.error();
    if (byKey->order)
        return QString();
    auto fallback = matcher.byFallback(c);
    if (!fallback)
        return fallback.error();
    if (fallback->order)
        return QString();
    return QString(byKey->why + u"; "_s + fallback->why);
}

} // namespace pb::sync
