#pragma once

#include "mapping/mappingprofile.h"
#include "mapping/suggestions.h"
#include "util/result.h"

#include <QDate>
#include <QList>
#include <QSqlDatabase>
#include <QString>

#include <atomic>

namespace pb::sync {

using mapping::LinkSuggestion;

// Which records the preview looks at. Dates are UTC days of the transaction (inclusive; an
// invalid date is open). search: a transaction id, or an order's increment id (also found in a
// transaction's invoice id or description). limit caps the listed rows, not the counts.
struct PreviewFilter
{
    QDate from;
    QDate to;
    QString search;
    int limit = 500;
};

struct LinkChange
{
    QString transactionId;
    QString activeOrder; // increment id, "" when unlinked under the active version
    QString draftOrder;  // increment id, "" when unlinked under the draft
    QString draftRule;   // the rule that links it under the draft ("key:…", "fallback:…"), or why not
};

struct StatusChange
{
    QString incrementId;
    QString event;         // status-map key from the order's payments under the draft
    QString currentStatus;
    QString activeTarget;  // the status the order would have under the active version
    QString draftTarget;   // ... and under the draft
};

// Net of the planned ERP lines on one account: debit positive, credit negative, minor units.
struct AccountLine
{
    QString account;
    QString currency;
    qint64 activeMinor = 0;
    qint64 draftMinor = 0;
};

struct PreviewDiff
{
    int transactions = 0, orders = 0;
    int linksSame = 0, linksMade = 0, linksLost = 0, linksChanged = 0;
    int nextSyncNewLinks = 0; // links the next sync would add under the draft (equals what it then links)
    int statusChanges = 0;
    QList<LinkChange> links;
    QList<StatusChange> statuses;
    QList<AccountLine> accounts;
};

// The mapping studio's evidence: link keys suggested by the synced data, and what a draft
// profile would do to the synced records compared with the active one. Reads only.
class MappingAnalysis
{
public:
    // Tries, for each supported (PayTrace field, Magento field) pair, transform chains derived
    // from the data and ranks them by the share of payments whose key finds exactly one order
    // (mapping::rankSuggestions). Error "mapping.analysis.cancelled" when `cancel` was set.
    static Result<QList<LinkSuggestion>> suggestLinks(QSqlDatabase &db, const mapping::MappingProfile &active,
                                                      int limit = 5, const std::atomic_bool *cancel = nullptr);

    // Links are decided from scratch under both profiles by the Linker's own rules
    // (LinkMatcher), for every stored transaction; the filter chooses which are compared and
    // listed. Orders are those either profile links a filtered transaction to; their status and
    // ERP lines come from mapping::preview over the transactions each profile links to them.
    // nextSyncNewLinks covers the whole store: the unlinked transactions the draft would link.
    static Result<PreviewDiff> previewDiff(QSqlDatabase &db, const mapping::MappingProfile &active,
                                           const mapping::MappingProfile &draft, const PreviewFilter &filter,
                                           const std::atomic_bool *cancel = nullptr);
};

} // namespace pb::sync
