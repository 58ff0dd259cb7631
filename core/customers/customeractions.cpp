#include "customers/customeractions.h"

#include "access/operatordirectory.h"
#include "customers/customerplans.h"
#include "customers/customersync.h"
#include "intents/intentjournal.h"
#include "store/customerrepository.h"

using namespace Qt::StringLiterals;

namespace pb::customers {

const QString CustomerActions::kDenied = u"access.denied"_s;

namespace {

Error customerError(const char *code, const QString &field, const QString &message)
{
    return makeError(u"customer."_s + QString::fromLatin1(code), field, message);
}

} // namespace

CustomerActions::CustomerActions(QSqlDatabase &db, mapping::CustomerRules rules, const Clock &clock)
    : m_db(db)
    , m_rules(std::move(rules))
    , m_clock(clock)
{
}

Status CustomerActions::allowed(const QString &actor, Need need, const QString &what) const
{
    auto op = access::OperatorDirectory(m_db).find(actor);
    if (!op)
        return op.error();
    if (!op->known || op->disabled || !op->roles)
        return makeError(kDenied, u"actor"_s,
                         tr("%1 has no active role in PayBridge; ask an admin to assign one").arg(actor));
    const bool ok = need == Need::Admin ? op->has(access::Role::Admin)
                                        : op->has(access::Role::Admin) || op->has(access::Role::Support);
    if (ok)
        return Status::success();
    return makeError(kDenied, u"actor"_s,
                     need == Need::Admin
                         ? tr("Only an admin can %1; %2 has %3").arg(what, actor, access::rolesText(op->roles))
                         : tr("Only admin and support can %1; %2 has %3").arg(what, actor, access::rolesText(op->roles)));
}

Result<CustomerLink> CustomerActions::link(qint64 magentoId, const QString &vaultCustomerId, const QString &actor)
{
    if (Status s = allowed(actor, Need::Support, tr("link customers")); !s)
        return s.error();
    store::CustomerRepository repo(m_db);
    PB_TRY(customer, repo.customer(magentoId));
    if (!customer || customer->deletedAt.isValid())
        return customerError("not_found", u"magento_id"_s,
                             tr("Magento customer %1 is not in the store (run a sync, or check the id)").arg(magentoId));
    PB_TRY(profile, repo.vaultProfile(vaultCustomerId));
    if (!profile || profile->deletedAt.isValid())
        return customerError("vault_not_found", u"vault_customer_id"_s,
                             tr("Vault profile %1 is not in the store (run a sync, or check the id)").arg(vaultCustomerId));
    PB_TRY(existing, repo.linkByMagento(magentoId));
    if (existing)
        return customerError("already_linked", u"magento_id"_s,
                             tr("Magento customer %1 is already linked to vault profile %2; unlink it first")
                                 .arg(magentoId)
                                 .arg(existing->vaultCustomerId));
    PB_TRY(taken, repo.linkByVault(vaultCustomerId));
    if (taken)
        return customerError("already_linked", u"vault_customer_id"_s,
                             tr("Vault profile %1 is already linked to Magento customer %2; unlink that first")
                                 .arg(vaultCustomerId)
                                 .arg(taken->magentoId));

    const QDateTime now = m_clock.nowUtc();
    const QList<FieldDecision> first =
        reconcileFields(std::nullopt, customer->fields(), profile->fields(), m_rules.directions);
    PB_TRY(linkId, repo.link(magentoId, vaultCustomerId, u"manual"_s, tr("linked by %1").arg(actor),
                             nextBase(std::nullopt, first), actor, now));
    Q_UNUSED(linkId);
    PB_TRY(made, repo.linkByMagento(magentoId));
    if (!made)
        return customerError("not_linked", u"magento_id"_s, tr("the link was not stored"));
    // The attribute is written by the next sync, which knows whether the store has it.
    intents::IntentJournal journal(m_db, m_clock);
    CustomerSyncSummary ignored;
    if (Status s = CustomerSync::reconcileLink(m_db, journal, m_rules, *made, *customer, *profile, true, false, {},
                                               actor, now, ignored);
        !s)
        return s.error();
    return *made;
}

Status CustomerActions::unlink(qint64 magentoId, const QString &actor)
{
    if (Status s = allowed(actor, Need::Support, tr("unlink customers")); !s)
        return s;
    store::CustomerRepository repo(m_db);
    PB_TRY(link, repo.linkByMagento(magentoId));
    if (!link)
        return customerError("not_linked", u"magento_id"_s, tr("Magento customer %1 is not linked").arg(magentoId));
    const QDateTime now = m_clock.nowUtc();
    if (Status s = repo.unlink(magentoId, actor, true, now); !s)
        return s;
    PB_TRY(customer, repo.customer(magentoId));
    if (customer && !customer->deletedAt.isValid() && customer->vaultAttribute == link->vaultCustomerId) {
        // Left in Magento, the attribute would go on naming the profile to other systems.
        auto request = plans::magentoUpdate(nullptr, *customer, {}, link->base, m_rules.attributeCode, QString(),
                                            tr("unlinked from vault profile %1 by %2").arg(link->vaultCustomerId, actor),
                                            actor, QJsonObject{{u"unlinked_at"_s, now.toString(Qt::ISODateWithMs)}});
        if (request) {
            intents::IntentJournal journal(m_db, m_clock);
            PB_TRY(planned, journal.plan(*request));
            Q_UNUSED(planned);
        }
    }
    return Status::success();
}

Status CustomerActions::resolveConflict(qint64 conflictId, const QString &resolution, const QString &actor)
{
    if (Status s = allowed(actor, Need::Support, tr("resolve customer conflicts")); !s)
        return s;
    if (resolution != u"magento" && resolution != u"paytrace" && resolution != u"dismissed")
        return customerError("resolution", u"resolution"_s,
                             tr("'%1' is not a resolution: magento, paytrace or dismissed").arg(resolution));
    store::CustomerRepository repo(m_db);
    PB_TRY(conflict, repo.conflict(conflictId));
    if (!conflict)
        return customerError("conflict_not_found", u"conflict"_s, tr("There is no conflict %1").arg(conflictId));
    if (conflict->state != u"open")
        return customerError("conflict_closed", u"conflict"_s,
                             tr("Conflict %1 was already resolved (%2, by %3)")
                                 .arg(conflictId)
                                 .arg(conflict->resolution, conflict->resolvedBy));
    const QDateTime now = m_clock.nowUtc();
    if (resolution != u"dismissed") {
        PB_TRY(link, repo.linkByMagento(conflict->magentoId));
        PB_TRY(customer, repo.customer(conflict->magentoId));
        PB_TRY(profile, repo.vaultProfile(conflict->vaultCustomerId));
        if (!link || link->vaultCustomerId != conflict->vaultCustomerId || !customer || !profile
            || customer->deletedAt.isValid() || profile->deletedAt.isValid())
            return customerError("not_linked", u"conflict"_s,
                                 tr("Magento customer %1 and vault profile %2 are no longer linked; dismiss the conflict")
                                     .arg(conflict->magentoId)
                                     .arg(conflict->vaultCustomerId));
        const QList<CustomerField> fields{conflict->field};
        const QJsonObject decision{{u"conflict"_s, QString::number(conflictId)}};
        std::optional<intents::PlanRequest> request;
        if (resolution == u"magento")
            request = plans::paytraceUpdate(*customer, *profile, fields, link->base,
                                            tr("conflict %1 on %2 resolved by %3: Magento's value")
                                                .arg(conflictId)
                                                .arg(customerFieldName(conflict->field), actor),
                                            actor, decision);
        else
            request = plans::magentoUpdate(&*profile, *customer, fields, link->base, m_rules.attributeCode, std::nullopt,
                                           tr("conflict %1 on %2 resolved by %3: PayTrace's value")
                                               .arg(conflictId)
                                               .arg(customerFieldName(conflict->field), actor),
                                           actor, decision);
        // An empty value is never written over the other side (docs/customers.md).
        const QString chosen = resolution == u"magento" ? customer->fields().value(conflict->field)
                                                        : profile->fields().value(conflict->field);
        if (chosen.isEmpty())
            return customerError("empty_value", u"resolution"_s,
                                 tr("%1's %2 is empty; PayBridge does not erase the other side's. Pick the other "
                                    "side or dismiss")
                                     .arg(resolution == u"magento" ? u"Magento"_s : u"PayTrace"_s,
                                          customerFieldName(conflict->field)));
        if (request) {
            intents::IntentJournal journal(m_db, m_clock);
            PB_TRY(planned, journal.plan(*request));
            Q_UNUSED(planned);
        }
    }
    return repo.resolveConflict(conflictId, resolution, actor, now);
}

Status CustomerActions::decideDeletion(qint64 deletionId, bool confirm, const QString &actor)
{
    if (Status s = allowed(actor, Need::Admin, confirm ? tr("confirm deleting a vault profile")
                                                       : tr("decline deleting a vault profile"));
        !s)
        return s;
    store::CustomerRepository repo(m_db);
    PB_TRY(deletion, repo.deletion(deletionId));
    if (!deletion)
        return customerError("deletion_not_found", u"deletion"_s, tr("There is no vault deletion %1").arg(deletionId));
    if (deletion->state != u"awaiting")
        return customerError("deletion_decided", u"deletion"_s,
                             tr("Vault deletion %1 was already %2 by %3")
                                 .arg(deletionId)
                                 .arg(deletion->state, deletion->decidedBy));
    const QDateTime now = m_clock.nowUtc();
    QString key;
    if (confirm) {
        const intents::PlanRequest request = plans::vaultDelete(
            deletion->vaultCustomerId, deletion->magentoId,
            tr("Magento customer %1 was %2; deletion confirmed by %3")
                .arg(deletion->magentoId)
                .arg(deletion->reason, actor),
            actor);
        intents::IntentJournal journal(m_db, m_clock);
        PB_TRY(planned, journal.plan(request));
        key = planned.intent.naturalKey;
    }
    return repo.decideDeletion(deletionId, confirm, actor, key, now);
}

} // namespace pb::customers
