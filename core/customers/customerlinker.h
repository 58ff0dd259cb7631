#pragma once

#include "mapping/mappingprofile.h"
#include "model/customer.h"

#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

namespace pb::customers {

struct ProposedLink
{
    qint64 magentoId = 0;
    QString vaultCustomerId;
    QString rule;        // attribute, vault_id, email
    QString ruleDetail;  // the rule in words, for people
    friend bool operator==(const ProposedLink &, const ProposedLink &) = default;
};

struct LinkProposal
{
    QList<ProposedLink> links;
    // Why a candidate was left unlinked, in words ("2 vault profiles have the e-mail
    // jane@example.com: not linked by e-mail").
    QStringList notLinked;
};

// Decides which unlinked Magento customers and vault profiles belong together (pure; docs/
// customers.md). Rules, in order, each over what the earlier ones left:
//   attribute  the Magento customer's attribute (rules.attributeCode) names a present profile;
//   vault_id   a profile's id is what rules.newVaultIdTemplate makes of a present customer's id;
//   email      (rules.matchByEmail) the same e-mail after normalisation, exactly one present
//              customer and one present profile holding it.
// Nothing already linked is proposed again, each side is in at most one link, and a pair a
// person unlinked is never proposed.
class CustomerLinker
{
public:
    using Pair = std::pair<qint64, QString>;

    static LinkProposal propose(const QList<MagentoCustomerRecord> &customers,
                                const QList<VaultProfileRecord> &profiles, const QList<CustomerLink> &links,
                                const QSet<Pair> &unlinkedByPerson, const mapping::CustomerRules &rules);

    // The Magento customer id a vault id was made for under `templ` ("mage-42" → 42), or nullopt.
    static std::optional<qint64> magentoIdFromVaultId(const QString &vaultId, const QString &templ);
};

} // namespace pb::customers
