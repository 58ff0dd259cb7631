#pragma once

#include "mapping/mappingprofile.h"
#include "util/result.h"

#include <QDateTime>
#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <memory>
#include <optional>

namespace pb::sync {

// A stored transaction as the link rules see it.
struct LinkCandidate
{
    QString transactionId;
    QString type;
    QString status;
    qint64 amountMinor = 0;
    QString currency;
    QString invoiceId;
    QString description;
    QString last4;
    qint64 createdAtMs = 0;
};

// What the rules decided for one transaction.
struct LinkDecision
{
    std::optional<qint64> order; // the order's entity id
    QString rule;                // order_transaction_links.rule when linked
    QString why;                 // when no order: the reason, for people
    bool ambiguous = false;      // more than one order qualifies
};

// The link rules for one link key: the key through its transforms, then, for payments the key
// left unlinked, the fallback. One transaction goes to one order, so each decision stands on
// its own; the Linker and the mapping preview (sync/mappinganalysis.h) both decide here.
class LinkMatcher
{
public:
    LinkMatcher(QSqlDatabase &db, const mapping::LinkKey &key);
    ~LinkMatcher();
    LinkMatcher(const LinkMatcher &) = delete;
    LinkMatcher &operator=(const LinkMatcher &) = delete;

    // Reads the Magento field of every order once, so that many decisions are made by hashing
    // instead of one query each; the decisions are the same.
    Status preloadKeys();

    // The key, then the fallback: the Linker's decision for an unlinked transaction.
    Result<LinkDecision> decide(const LinkCandidate &c);
    // `exactTriedInSql`: SQL already looked for the untransformed value, so an unchanged key
    // finds nothing new.
    Result<LinkDecision> byKey(const LinkCandidate &c, bool exactTriedInSql = false);
    Result<LinkDecision> byFallback(const LinkCandidate &c);

    // Sales and authorizations that took or held money; only they are matched by amount.
    static bool isPayment(const LinkCandidate &c);
    // The SELECT list (over gateway_transactions t) that candidateFrom reads, in its order.
    static QString candidateColumns();
    static LinkCandidate candidateFrom(const QSqlQuery &q);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// Links gateway transactions to orders as the mapping profile says: first by its key (a
// transaction field through the transforms equals an order field), then, for payments the key
// left unlinked, by the fallback (amount, time and card). Each link records its rule.
class Linker
{
public:
    explicit Linker(QSqlDatabase &db) : m_db(db) {}

    // Returns the number of new links (0 on a second run). One transaction.
    Result<int> link(const mapping::MappingProfile &profile, const QDateTime &now);

    // Why a transaction is not linked under this profile, in words ("two orders match ...");
    // empty when it is linked or would be linked by the next run.
    Result<QString> whyUnlinked(const mapping::MappingProfile &profile, const QString &transactionId);

    // order_transaction_links.rule values: "key:invoice_id=increment_id",
    // "fallback:amount+time+last4" (or "fallback:amount+time" without the card check).
    static QString keyRule(const mapping::LinkKey &key);
    static QString fallbackRule(const mapping::LinkFallback &fallback);

private:
    QSqlDatabase &m_db;
};

} // namespace pb::sync
