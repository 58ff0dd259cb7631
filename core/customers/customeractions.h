#pragma once

#include "mapping/mappingprofile.h"
#include "model/customer.h"
#include "util/clock.h"
#include "util/result.h"

#include <QCoreApplication>
#include <QSqlDatabase>
#include <QString>

namespace pb::customers {

// What a person does to customers, from the Customers page or `paybridge customers`: the store
// changes, the intents that carry them to Magento and PayTrace, the audit entries. Each action
// checks the actor's roles first (docs/customers.md):
//   link, unlink, resolveConflict   admin or support
//   decideDeletion                  admin
//   (finance reads customers but changes none)
// Errors: "access.denied" and "customer.*" codes, with a message a person can act on. The
// intents are planned in the store; the runner of whichever process runs intents sends them.
class CustomerActions
{
    Q_DECLARE_TR_FUNCTIONS(CustomerActions)
public:
    CustomerActions(QSqlDatabase &db, mapping::CustomerRules rules, const Clock &clock = SystemClock::instance());

    // Links a Magento customer and a vault profile (rule "manual"); neither may be linked yet.
    // Fields that differ are written the mapping's way at once, as for a pair the sync links.
    Result<CustomerLink> link(qint64 magentoId, const QString &vaultCustomerId, const QString &actor);
    // Removes the customer's link and remembers the pair, so the sync never links it again;
    // clears the Magento attribute when it names the profile.
    Status unlink(qint64 magentoId, const QString &actor);
    // "magento": Magento's value is written to PayTrace; "paytrace": the other way;
    // "dismissed": both stay as they are (the same difference is not raised again).
    Status resolveConflict(qint64 conflictId, const QString &resolution, const QString &actor);
    // An awaiting vault deletion: confirmed plans paytrace.customer.delete; declined keeps
    // the profile.
    Status decideDeletion(qint64 deletionId, bool confirm, const QString &actor);

    static const QString kDenied; // "access.denied"

private:
    enum class Need { Support, Admin };
    Status allowed(const QString &actor, Need need, const QString &what) const;

    QSqlDatabase &m_db;
    mapping::CustomerRules m_rules;
    const Clock &m_clock;
};

} // namespace pb::customers
