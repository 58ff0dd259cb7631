#pragma once

// The order statuses a store has, for choosing a status-map target (issue 14). Magento's REST
// API has no route listing statuses or their labels (docs/magento.md §5): what PayBridge knows
// is the installed ones, every (state, status) pair on the orders it synced, and the statuses
// the profile declares.

#include "mapping/mappingprofile.h"
#include "util/result.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace pb::sync {

struct StoreStatus
{
    QString status;
    QString state;
    QString label;  // Magento's label for installed ones, the profile's for declared ones; empty when only seen
    int orders = 0; // synced orders in this state with this status
    enum class Source { BuiltIn, Observed, Declared } source = Source::BuiltIn;
    // Why the pair deserves a look, empty when it does not: a status seen in another state
    // than the one it is installed or declared for (Magento allows a status in several states,
    // as "fraud" is), or a declared status no synced order carries yet.
    QString note;
};

// One entry per (state, status) pair: the installed statuses ("fraud" twice, under processing
// and payment_review), the profile's customStatuses, then pairs only the synced orders show.
// Ordered by state (MappingProfile::magentoStates()), then installed, declared, observed, then
// status. Orders with an empty status are not counted.
Result<QList<StoreStatus>> storeStatuses(QSqlDatabase &db, const mapping::MappingProfile &profile);

} // namespace pb::sync
