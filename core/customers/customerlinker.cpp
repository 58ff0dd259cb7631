#include "customers/customerlinker.h"

#include <QHash>

using namespace Qt::StringLiterals;

namespace pb::customers {

std::optional<qint64> CustomerLinker::magentoIdFromVaultId(const QString &vaultId, const QString &templ)
{
    const qsizetype at = templ.indexOf(u"{id}"_s);
    if (at < 0)
        return std::nullopt;
    const QString prefix = templ.left(at);
    const QString suffix = templ.mid(at + 4);
    if (vaultId.size() <= prefix.size() + suffix.size() || !vaultId.startsWith(prefix) || !vaultId.endsWith(suffix))
        return std::nullopt;
    const QString digits = vaultId.mid(prefix.size(), vaultId.size() - prefix.size() - suffix.size());
    // Written by QString::number: no sign, no leading zero ("mage-042" is someone else's id).
    if (digits.startsWith(u'0'))
        return std::nullopt;
    for (QChar c : digits) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
    }
    bool ok = false;
    const qint64 id = digits.toLongLong(&ok);
    if (!ok || id <= 0)
        return std::nullopt;
    return id;
}

LinkProposal CustomerLinker::propose(const QList<MagentoCustomerRecord> &customers,
                                     const QList<VaultProfileRecord> &profiles, const QList<CustomerLink> &links,
                                     const QSet<Pair> &unlinkedByPerson, const mapping::CustomerRules &rules)
{
    LinkProposal out;
    QSet<qint64> linkedCustomers;
    QSet<QString> linkedProfiles;
    for (const CustomerLink &l : links) {
        linkedCustomers.insert(l.magentoId);
        linkedProfiles.insert(l.vaultCustomerId);
    }
    QHash<QString, const VaultProfileRecord *> profileById;
    for (const VaultProfileRecord &p : profiles) {
        if (!p.deletedAt.isValid())
            profileById.insert(p.customerId, &p);
    }
    QHash<qint64, const MagentoCustomerRecord *> customerById;
    for (const MagentoCustomerRecord &c : customers) {
        if (!c.deletedAt.isValid())
            customerById.insert(c.magentoId, &c);
    }

    const auto take = [&](qint64 magentoId, const QString &vaultId, const QString &rule, const QString &detail) {
        if (unlinkedByPerson.contains(Pair{magentoId, vaultId})) {
            out.notLinked.append(u"Magento customer %1 and vault profile %2 match by %3, but a person unlinked them"_s
                                     .arg(magentoId)
                                     .arg(vaultId, rule));
            return false;
        }
        linkedCustomers.insert(magentoId);
        linkedProfiles.insert(vaultId);
        out.links.append({magentoId, vaultId, rule, detail});
        return true;
    };

    // 1. The attribute: the link PayBridge (or the merchant) wrote into Magento.
    for (const MagentoCustomerRecord &c : customers) {
        if (c.deletedAt.isValid() || linkedCustomers.contains(c.magentoId))
            continue;
        const QString vaultId = c.vaultAttribute.trimmed();
        if (vaultId.isEmpty())
            continue;
        if (!profileById.contains(vaultId)) {
            out.notLinked.append(u"Magento customer %1 names vault profile %2 in %3, but PayTrace has no such profile"_s
                                     .arg(c.magentoId)
                                     .arg(vaultId, rules.attributeCode));
            continue;
        }
        if (linkedProfiles.contains(vaultId)) {
            out.notLinked.append(u"Magento customer %1 names vault profile %2 in %3, but that profile is linked to "
                                 "another customer"_s.arg(c.magentoId).arg(vaultId, rules.attributeCode));
            continue;
        }
        take(c.magentoId, vaultId, u"attribute"_s, u"Magento attribute %1 = %2"_s.arg(rules.attributeCode, vaultId));
    }

    // 2. The vault id PayBridge gives the profiles it creates.
    for (const VaultProfileRecord &p : profiles) {
        if (p.deletedAt.isValid() || linkedProfiles.contains(p.customerId))
            continue;
        const std::optional<qint64> id = magentoIdFromVaultId(p.customerId, rules.newVaultIdTemplate);
        if (!id || !customerById.contains(*id) || linkedCustomers.contains(*id))
            continue;
        take(*id, p.customerId, u"vault_id"_s,
             u"vault id %1 is %2 for Magento customer %3"_s.arg(p.customerId, rules.newVaultIdTemplate).arg(*id));
    }

    // 3. The e-mail, only when it names one person on each side.
    if (!rules.matchByEmail)
        return out;
    QHash<QString, QList<qint64>> customersByEmail;
    for (const MagentoCustomerRecord &c : customers) {
        const QString email = CustomerFieldValues::normalisedEmail(c.email);
        if (!c.deletedAt.isValid() && !email.isEmpty())
            customersByEmail[email].append(c.magentoId);
    }
    QHash<QString, QStringList> profilesByEmail;
    for (const VaultProfileRecord &p : profiles) {
        const QString email = CustomerFieldValues::normalisedEmail(p.email);
        if (!p.deletedAt.isValid() && !email.isEmpty())
            profilesByEmail[email].append(p.customerId);
    }
    for (const MagentoCustomerRecord &c : customers) {
        if (c.deletedAt.isValid() || linkedCustomers.contains(c.magentoId))
            continue;
        const QString email = CustomerFieldValues::normalisedEmail(c.email);
        const QStringList candidates = profilesByEmail.value(email);
        if (email.isEmpty() || candidates.isEmpty())
            continue;
        const int onMagento = int(customersByEmail.value(email).size());
        if (onMagento > 1 || candidates.size() > 1) {
            // Said once per e-mail, from its first customer.
            if (customersByEmail.value(email).constFirst() == c.magentoId)
                out.notLinked.append(u"%1 Magento customers and %2 vault profiles have the e-mail %3: not linked by "
                                     "e-mail"_s.arg(onMagento).arg(candidates.size()).arg(email));
            continue;
        }
        const QString vaultId = candidates.constFirst();
        if (linkedProfiles.contains(vaultId))
            continue;
        take(c.magentoId, vaultId, u"email"_s, u"same e-mail %1 on both sides"_s.arg(email));
    }
    return out;
}

} // namespace pb::customers
