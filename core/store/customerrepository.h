#pragma once

#include "model/customer.h"
#include "util/result.h"

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QSet>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace pb::store {

// Customers, vault profiles, their links, conflicts and vault deletions (migration 0012,
// docs/customers.md). Writes that people make are audited: customer.linked,
// customer.unlinked, customer.conflict_opened, customer.conflict_resolved,
// customer.deletion_found, customer.deletion_decided. Every write is one transaction.
class CustomerRepository
{
public:
    explicit CustomerRepository(QSqlDatabase &db) : m_db(db) {}

    // ---- Magento customers ----
    // Inserts or replaces by magento_id; a customer seen again after deleted_at was set is
    // present again. Returns how many rows changed.
    Result<int> upsertCustomers(const QList<MagentoCustomerRecord> &customers, const QDateTime &now);
    // Ids of customers present (deleted_at NULL).
    Result<QSet<qint64>> presentCustomerIds() const;
    Status markCustomersDeleted(const QList<qint64> &magentoIds, const QDateTime &now);
    Result<std::optional<MagentoCustomerRecord>> customer(qint64 magentoId) const;
    Result<QList<MagentoCustomerRecord>> customersByEmail(const QString &email) const; // present only

    // ---- vault profiles ----
    // Inserts or refreshes; changed_at moves only when the content hash changed.
    Result<int> upsertVaultProfiles(const QList<VaultProfileRecord> &profiles, const QDateTime &now);
    // Profiles not in `present` and not yet deleted get deleted_at = now; returns their ids.
    Result<QStringList> markVaultProfilesDeletedExcept(const QSet<QString> &present, const QDateTime &now);
    Result<std::optional<VaultProfileRecord>> vaultProfile(const QString &customerId) const;
    Result<QList<VaultProfileRecord>> vaultProfiles() const;             // present only
    Result<QList<VaultProfileRecord>> vaultProfilesByEmail(const QString &email) const;
    // Present profiles whose card expired or expires this month or next, soonest first.
    Result<QList<VaultProfileRecord>> cardsExpiring(QDate today) const;

    // ---- links ----
    Result<qint64> link(qint64 magentoId, const QString &vaultCustomerId, const QString &rule,
                        const QString &ruleDetail, const CustomerFieldValues &base, const QString &actor,
                        const QDateTime &now);
    // Removes the link (its open conflicts are dismissed) and remembers the pair when a person
    // unlinked it, so automatic matching leaves it alone.
    Status unlink(qint64 magentoId, const QString &actor, bool byPerson, const QDateTime &now);
    Result<std::optional<CustomerLink>> linkByMagento(qint64 magentoId) const;
    Result<std::optional<CustomerLink>> linkByVault(const QString &vaultCustomerId) const;
    Result<QList<CustomerLink>> links() const;
    Result<bool> wasUnlinkedByPerson(qint64 magentoId, const QString &vaultCustomerId) const;
    Status setBase(qint64 linkId, const CustomerFieldValues &base);

    // ---- conflicts ----
    // Opens a conflict unless one is open for the link and field (then refreshes its values).
    Result<qint64> openConflict(const CustomerConflict &conflict, const QDateTime &now);
    Result<QList<CustomerConflict>> openConflicts(std::optional<qint64> magentoId = std::nullopt) const;
    Result<std::optional<CustomerConflict>> conflict(qint64 id) const;
    Status resolveConflict(qint64 id, const QString &resolution, const QString &actor, const QDateTime &now);

    // ---- vault deletions ----
    // Records an awaiting deletion unless one awaits for the profile; returns its id.
    Result<qint64> addDeletion(const QString &vaultCustomerId, qint64 magentoId, const QString &reason,
                               const QDateTime &now);
    Result<QList<VaultDeletion>> deletions(const QString &state = {}) const; // "" = all
    Result<std::optional<VaultDeletion>> deletion(qint64 id) const;
    Status decideDeletion(qint64 id, bool confirmed, const QString &actor, const QString &intentKey,
                          const QDateTime &now);

    // ---- overview (CLI list, Customers page) ----
    // Every present Magento customer (linked or not) and every present vault profile without
    // a link, ordered by e-mail; `search` (optional) matches e-mail, name, ids and last four.
    Result<QList<CustomerOverview>> overview(const QString &search = {}) const;

private:
    QSqlDatabase &m_db;
};

} // namespace pb::store
