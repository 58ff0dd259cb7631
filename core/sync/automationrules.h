#pragma once

#include "intents/intentjournal.h"
#include "mapping/mappingprofile.h"
#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QSqlDatabase>

namespace pb::sync {

// What the mapping profile's rules ask for after a sync, as chains of intents (each planned
// whole, by natural keys that make a second evaluation plan nothing new):
//  - payment approved in PayTrace → Magento status per the status map plus a comment with the
//    transaction id, card type and last four; ERP sale and payment entries;
//  - an open authorization on an order Magento invoiced → capture at PayTrace, then a Magento
//    comment (the invoice exists) and the ERP payment entry;
//  - a credit memo made in Magento → refund at PayTrace (a void when nothing is settled yet),
//    then the ERP refund entry;
//  - an order canceled in Magento with an unsettled authorization → void.
// Only what PayTrace or Magento reported after `since` is acted upon: history is left alone.
struct RuleEvaluation
{
    QList<QList<intents::PlanRequest>> chains;
    QStringList skipped; // why a rule did not act where it could have (for the log)
};

class AutomationRules
{
public:
    // The work the rules plan for orders Magento touched and payments PayTrace made from `since`
    // on (compared to the second, the precision both systems give).
    static Result<RuleEvaluation> evaluate(QSqlDatabase &db, const mapping::MappingProfile &profile,
                                           const QDateTime &since, const QDateTime &now);

    // sync_cursors name of the moment rules became active.
    static constexpr QLatin1StringView kActiveSinceCursor{"rules.active_since"};
};

} // namespace pb::sync
