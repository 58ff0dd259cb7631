#include "store/customerrepository.h"

#include "store/auditlog.h"
#include "store/sqlsupport.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pb::store {

namespace {

using detail::timeFromSql;
using detail::timeToSql;

// Automatic writes (the sync) are audited under this actor; people's under their own name.
const QString kSyncActor = u"sync"_s;

QString compactJson(const QJsonObject &o)
{
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QJsonObject jsonFromText(const QString &text)
{
    return QJsonDocument::fromJson(text.toUtf8()).object();
}

// Stored addresses are the normalised form, name included (the record's billing keeps its name).
QString addressToSql(const PostalAddress &a)
{
    return compactJson(a.normalised().toJson());
}

QVariant optionalInt(int v)
{
    return v > 0 ? QVariant(v) : QVariant(QMetaType::fromType<int>());
}

Error invalid(const QString &field, const QString &message)
{
    return makeError(u"store.invalid_record"_s, field, message);
}

Error notFound(const QString &field, const QString &message)
{
    return makeError(u"store.not_found"_s, field, message);
}

QString magentoField(qint64 id)
{
    return u"customer "_s + QString::number(id);
}

QString vaultField(const QString &id)
{
    return u"vault profile "_s + id;
}

// ---- customers ----

const QString kCustomerColumns = uR"(
magento_id, email, firstname, lastname, phone, billing, vault_attribute, website_id, created_at,
updated_at, anonymised, deleted_at, raw, synced_at)"_s;

// Inserts, or replaces when anything Magento sent differs or the customer had been found
// deleted; an unchanged customer is left alone so the affected-row count is "changed".
// Text goes through COALESCE: Qt binds a null QString as SQL NULL, which NOT NULL refuses.
const QString kUpsertCustomer = uR"(
INSERT INTO customers (magento_id, email, email_key, firstname, lastname, phone, billing,
    vault_attribute, website_id, created_at, updated_at, anonymised, deleted_at, raw, synced_at)
VALUES (?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''),
    COALESCE(?, '{}'), COALESCE(?, ''), ?, ?, ?, ?, NULL, COALESCE(?, X''), ?)
ON CONFLICT (magento_id) DO UPDATE SET
    email = excluded.email, email_key = excluded.email_key, firstname = excluded.firstname,
    lastname = excluded.lastname, phone = excluded.phone, billing = excluded.billing,
    vault_attribute = excluded.vault_attribute, website_id = excluded.website_id,
    created_at = excluded.created_at, updated_at = excluded.updated_at,
    anonymised = excluded.anonymised, deleted_at = NULL, raw = excluded.raw,
    synced_at = excluded.synced_at
WHERE customers.deleted_at IS NOT NULL
   OR customers.email IS NOT excluded.email OR customers.firstname IS NOT excluded.firstname
   OR customers.lastname IS NOT excluded.lastname OR customers.phone IS NOT excluded.phone
   OR customers.billing IS NOT excluded.billing
   OR customers.vault_attribute IS NOT excluded.vault_attribute
   OR customers.website_id IS NOT excluded.website_id
   OR customers.created_at IS NOT excluded.created_at
   OR customers.updated_at IS NOT excluded.updated_at
   OR customers.anonymised IS NOT excluded.anonymised OR customers.raw IS NOT excluded.raw)"_s;

MagentoCustomerRecord customerFromRow(const QSqlQuery &q)
{
    MagentoCustomerRecord c;
    int i = 0;
    c.magentoId = q.value(i++).toLongLong();
    c.email = q.value(i++).toString();
    c.firstname = q.value(i++).toString();
    c.lastname = q.value(i++).toString();
    c.phone = q.value(i++).toString();
    c.billing = PostalAddress::fromJson(jsonFromText(q.value(i++).toString()));
    c.vaultAttribute = q.value(i++).toString();
    const QVariant website = q.value(i++);
    if (!website.isNull())
        c.websiteId = website.toLongLong();
    c.createdAt = timeFromSql(q.value(i++));
    c.updatedAt = timeFromSql(q.value(i++));
    c.anonymised = q.value(i++).toInt() != 0;
    c.deletedAt = timeFromSql(q.value(i++));
    c.raw = q.value(i++).toByteArray();
    c.syncedAt = timeFromSql(q.value(i++));
    return c;
}

// ---- vault profiles ----

const QString kVaultColumns = uR"(
customer_id, email, billing_name, phone, billing, card_type, card_last4, card_exp_month,
card_exp_year, first_seen_at, changed_at, deleted_at, synced_at)"_s;

// The content of a profile as the export shows it; a different hash is a changed profile.
// Parts are joined with a unit separator (never in the values) rather than through JSON: this
// runs for every profile of every export.
QString contentHash(const VaultProfileRecord &p)
{
    const PostalAddress b = p.billing.normalised();
    const QChar sep(0x1f);
    const QString text = QStringList{p.email, p.billingName, p.phone, b.name, b.street, b.street2, b.city,
                                     b.state, b.zip, b.country, p.cardType, p.cardLast4,
                                     QString::number(p.expMonth), QString::number(p.expYear)}
                             .join(sep);
    return QString::fromLatin1(QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1).toHex());
}

const QString kUpsertVault = uR"(
INSERT INTO vault_profiles (customer_id, email, email_key, billing_name, phone, billing, card_type,
    card_last4, card_exp_month, card_exp_year, content_hash, first_seen_at, changed_at, deleted_at,
    synced_at)
VALUES (?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, '{}'),
    COALESCE(?, ''), COALESCE(?, ''), ?, ?, ?, ?, ?, NULL, ?)
ON CONFLICT (customer_id) DO UPDATE SET
    email = excluded.email, email_key = excluded.email_key, billing_name = excluded.billing_name,
    phone = excluded.phone, billing = excluded.billing, card_type = excluded.card_type,
    card_last4 = excluded.card_last4, card_exp_month = excluded.card_exp_month,
    card_exp_year = excluded.card_exp_year,
    changed_at = CASE WHEN vault_profiles.content_hash = excluded.content_hash
                      THEN vault_profiles.changed_at ELSE excluded.changed_at END,
    content_hash = excluded.content_hash, deleted_at = NULL, synced_at = excluded.synced_at
WHERE vault_profiles.deleted_at IS NOT NULL OR vault_profiles.content_hash <> excluded.content_hash)"_s;

VaultProfileRecord vaultFromRow(const QSqlQuery &q)
{
    VaultProfileRecord p;
    int i = 0;
    p.customerId = q.value(i++).toString();
    p.email = q.value(i++).toString();
    p.billingName = q.value(i++).toString();
    p.phone = q.value(i++).toString();
    p.billing = PostalAddress::fromJson(jsonFromText(q.value(i++).toString()));
    p.cardType = q.value(i++).toString();
    p.cardLast4 = q.value(i++).toString();
    p.expMonth = q.value(i++).toInt();
    p.expYear = q.value(i++).toInt();
    p.firstSeenAt = timeFromSql(q.value(i++));
    p.changedAt = timeFromSql(q.value(i++));
    p.deletedAt = timeFromSql(q.value(i++));
    p.syncedAt = timeFromSql(q.value(i++));
    return p;
}

// ---- links, conflicts, deletions ----

const QString kLinkColumns = u"id, magento_id, vault_customer_id, rule, rule_detail, base, linked_at, linked_by"_s;

CustomerLink linkFromRow(const QSqlQuery &q)
{
    CustomerLink l;
    int i = 0;
    l.id = q.value(i++).toLongLong();
    l.magentoId = q.value(i++).toLongLong();
    l.vaultCustomerId = q.value(i++).toString();
    l.rule = q.value(i++).toString();
    l.ruleDetail = q.value(i++).toString();
    l.base = CustomerFieldValues::fromJson(jsonFromText(q.value(i++).toString()));
    l.linkedAt = timeFromSql(q.value(i++));
    l.linkedBy = q.value(i++).toString();
    return l;
}

const QString kConflictColumns = uR"(
id, link_id, magento_id, vault_customer_id, field, base_value, magento_value, paytrace_value,
opened_at, state, resolution, resolved_by, resolved_at)"_s;

CustomerConflict conflictFromRow(const QSqlQuery &q)
{
    CustomerConflict c;
    int i = 0;
    c.id = q.value(i++).toLongLong();
    c.linkId = q.value(i++).toLongLong();
    c.magentoId = q.value(i++).toLongLong();
    c.vaultCustomerId = q.value(i++).toString();
    c.field = customerFieldFromName(q.value(i++).toString()).value_or(CustomerField::Name);
    c.baseValue = q.value(i++).toString();
    c.magentoValue = q.value(i++).toString();
    c.paytraceValue = q.value(i++).toString();
    c.openedAt = timeFromSql(q.value(i++));
    c.state = q.value(i++).toString();
    c.resolution = q.value(i++).toString();
    c.resolvedBy = q.value(i++).toString();
    c.resolvedAt = timeFromSql(q.value(i++));
    return c;
}

const QString kDeletionColumns = uR"(
id, vault_customer_id, magento_id, reason, found_at, state, decided_by, decided_at, intent_key)"_s;

VaultDeletion deletionFromRow(const QSqlQuery &q)
{
    VaultDeletion d;
    int i = 0;
    d.id = q.value(i++).toLongLong();
    d.vaultCustomerId = q.value(i++).toString();
    d.magentoId = q.value(i++).toLongLong();
    d.reason = q.value(i++).toString();
    d.foundAt = timeFromSql(q.value(i++));
    d.state = q.value(i++).toString();
    d.decidedBy = q.value(i++).toString();
    d.decidedAt = timeFromSql(q.value(i++));
    d.intentKey = q.value(i++).toString();
    return d;
}

// Runs a prepared select with positional values and maps every row.
template<typename T, typename Map>
Result<QList<T>> selectAll(QSqlDatabase &db, const QString &sql, const QVariantList &values,
                           const QString &what, Map map)
{
    auto query = detail::prepare(db, sql);
    if (!query)
        return query.error();
    QSqlQuery &q = query.value();
    for (int i = 0; i < values.size(); ++i)
        q.bindValue(i, values.at(i));
    if (Status s = detail::exec(q, what); !s)
        return s.error();
    QList<T> out;
    while (q.next())
        out.append(map(q));
    return out;
}

template<typename T, typename Map>
Result<std::optional<T>> selectOne(QSqlDatabase &db, const QString &sql, const QVariantList &values,
                                   const QString &what, Map map)
{
    auto all = selectAll<T>(db, sql, values, what, map);
    if (!all)
        return all.error();
    if (all->isEmpty())
        return std::optional<T>();
    return std::optional<T>(all->first());
}

} // namespace

// ======== Magento customers ========

Result<int> CustomerRepository::upsertCustomers(const QList<MagentoCustomerRecord> &customers,
                                                const QDateTime &now)
{
    if (customers.isEmpty())
        return 0;
    if (!now.isValid())
        return invalid(u"customers"_s, u"storing customers without a time"_s);
    detail::Savepoint tx(m_db, "pb_upsert_customers"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto upsert = detail::prepare(m_db, kUpsertCustomer);
    if (!upsert)
        return upsert.error();
    auto touch = detail::prepare(m_db, u"UPDATE customers SET synced_at = ? WHERE magento_id = ?"_s);
    if (!touch)
        return touch.error();
    int changed = 0;
    for (const MagentoCustomerRecord &c : customers) {
        if (c.magentoId <= 0)
            return invalid(magentoField(c.magentoId), u"a customer needs a positive id"_s);
        QSqlQuery &q = upsert.value();
        int i = 0;
        q.bindValue(i++, c.magentoId);
        q.bindValue(i++, c.email);
        q.bindValue(i++, CustomerFieldValues::normalisedEmail(c.email));
        q.bindValue(i++, c.firstname);
        q.bindValue(i++, c.lastname);
        q.bindValue(i++, c.phone);
        q.bindValue(i++, addressToSql(c.billing));
        q.bindValue(i++, c.vaultAttribute);
        q.bindValue(i++, c.websiteId ? QVariant(*c.websiteId) : QVariant(QMetaType::fromType<qint64>()));
        q.bindValue(i++, timeToSql(c.createdAt));
        q.bindValue(i++, timeToSql(c.updatedAt));
        q.bindValue(i++, c.anonymised ? 1 : 0);
        q.bindValue(i++, c.raw);
        q.bindValue(i++, timeToSql(now));
        if (Status s = detail::exec(q, u"cannot store "_s + magentoField(c.magentoId)); !s)
            return s.error();
        if (q.numRowsAffected() > 0) {
            ++changed;
            continue;
        }
        QSqlQuery &t = touch.value();
        t.bindValue(0, timeToSql(now));
        t.bindValue(1, c.magentoId);
        if (Status s = detail::exec(t, u"cannot mark "_s + magentoField(c.magentoId) + u" synced"_s); !s)
            return s.error();
    }
    if (Status s = tx.release(); !s)
        return s.error();
    return changed;
}

Result<QSet<qint64>> CustomerRepository::presentCustomerIds() const
{
    auto ids = selectAll<qint64>(m_db, u"SELECT magento_id FROM customers WHERE deleted_at IS NULL"_s, {},
                                 u"cannot read the present customers"_s,
                                 [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
    if (!ids)
        return ids.error();
    return QSet<qint64>(ids->cbegin(), ids->cend());
}

Status CustomerRepository::markCustomersDeleted(const QList<qint64> &magentoIds, const QDateTime &now)
{
    if (magentoIds.isEmpty())
        return Status::success();
    if (!now.isValid())
        return invalid(u"customers"_s, u"marking customers deleted without a time"_s);
    detail::Savepoint tx(m_db, "pb_customers_deleted"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    auto update = detail::prepare(
        m_db, u"UPDATE customers SET deleted_at = ? WHERE magento_id = ? AND deleted_at IS NULL"_s);
    if (!update)
        return update.error();
    for (qint64 id : magentoIds) {
        update.value().bindValue(0, timeToSql(now));
        update.value().bindValue(1, id);
        if (Status s = detail::exec(update.value(), u"cannot mark "_s + magentoField(id) + u" deleted"_s); !s)
            return s;
    }
    return tx.release();
}

Result<std::optional<MagentoCustomerRecord>> CustomerRepository::customer(qint64 magentoId) const
{
    return selectOne<MagentoCustomerRecord>(
        m_db, u"SELECT "_s + kCustomerColumns + u" FROM customers WHERE magento_id = ?"_s, {magentoId},
        u"cannot read "_s + magentoField(magentoId), customerFromRow);
}

Result<QList<MagentoCustomerRecord>> CustomerRepository::customersByEmail(const QString &email) const
{
    return selectAll<MagentoCustomerRecord>(
        m_db,
        u"SELECT "_s + kCustomerColumns
            + u" FROM customers WHERE email_key = ? AND deleted_at IS NULL ORDER BY magento_id"_s,
        {CustomerFieldValues::normalisedEmail(email)}, u"cannot read customers by e-mail"_s,
        customerFromRow);
}

// ======== vault profiles ========

Result<int> CustomerRepository::upsertVaultProfiles(const QList<VaultProfileRecord> &profiles,
                                                    const QDateTime &now)
{
    if (profiles.isEmpty())
        return 0;
    if (!now.isValid())
        return invalid(u"vault_profiles"_s, u"storing vault profiles without a time"_s);
    detail::Savepoint tx(m_db, "pb_upsert_vault"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto upsert = detail::prepare(m_db, kUpsertVault);
    if (!upsert)
        return upsert.error();
    auto touch = detail::prepare(m_db, u"UPDATE vault_profiles SET synced_at = ? WHERE customer_id = ?"_s);
    if (!touch)
        return touch.error();
    int changed = 0;
    for (const VaultProfileRecord &p : profiles) {
        if (p.customerId.isEmpty())
            return invalid(u"vault_profiles"_s, u"a vault profile needs a customer_id"_s);
        QSqlQuery &q = upsert.value();
        int i = 0;
        q.bindValue(i++, p.customerId);
        q.bindValue(i++, p.email);
        q.bindValue(i++, CustomerFieldValues::normalisedEmail(p.email));
        q.bindValue(i++, p.billingName);
        q.bindValue(i++, p.phone);
        q.bindValue(i++, addressToSql(p.billing));
        q.bindValue(i++, p.cardType);
        q.bindValue(i++, p.cardLast4);
        q.bindValue(i++, optionalInt(p.expMonth));
        q.bindValue(i++, optionalInt(p.expYear));
        q.bindValue(i++, contentHash(p));
        q.bindValue(i++, timeToSql(now));
        q.bindValue(i++, timeToSql(now));
        q.bindValue(i++, timeToSql(now));
        if (Status s = detail::exec(q, u"cannot store "_s + vaultField(p.customerId)); !s)
            return s.error();
        if (q.numRowsAffected() > 0) {
            ++changed;
            continue;
        }
        QSqlQuery &t = touch.value();
        t.bindValue(0, timeToSql(now));
        t.bindValue(1, p.customerId);
        if (Status s = detail::exec(t, u"cannot mark "_s + vaultField(p.customerId) + u" synced"_s); !s)
            return s.error();
    }
    if (Status s = tx.release(); !s)
        return s.error();
    return changed;
}

Result<QStringList> CustomerRepository::markVaultProfilesDeletedExcept(const QSet<QString> &present,
                                                                       const QDateTime &now)
{
    if (!now.isValid())
        return invalid(u"vault_profiles"_s, u"marking vault profiles deleted without a time"_s);
    detail::Savepoint tx(m_db, "pb_vault_deleted"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto ids = selectAll<QString>(m_db, u"SELECT customer_id FROM vault_profiles WHERE deleted_at IS NULL"_s,
                                  {}, u"cannot read the present vault profiles"_s,
                                  [](const QSqlQuery &q) { return q.value(0).toString(); });
    if (!ids)
        return ids.error();
    auto update = detail::prepare(m_db, u"UPDATE vault_profiles SET deleted_at = ? WHERE customer_id = ?"_s);
    if (!update)
        return update.error();
    QStringList gone;
    for (const QString &id : ids.value()) {
        if (present.contains(id))
            continue;
        update.value().bindValue(0, timeToSql(now));
        update.value().bindValue(1, id);
        if (Status s = detail::exec(update.value(), u"cannot mark "_s + vaultField(id) + u" deleted"_s); !s)
            return s.error();
        gone.append(id);
    }
    if (Status s = tx.release(); !s)
        return s.error();
    return gone;
}

Result<std::optional<VaultProfileRecord>> CustomerRepository::vaultProfile(const QString &customerId) const
{
    return selectOne<VaultProfileRecord>(
        m_db, u"SELECT "_s + kVaultColumns + u" FROM vault_profiles WHERE customer_id = ?"_s, {customerId},
        u"cannot read "_s + vaultField(customerId), vaultFromRow);
}

Result<QList<VaultProfileRecord>> CustomerRepository::vaultProfiles() const
{
    return selectAll<VaultProfileRecord>(
        m_db,
        u"SELECT "_s + kVaultColumns + u" FROM vault_profiles WHERE deleted_at IS NULL ORDER BY customer_id"_s,
        {}, u"cannot read the vault profiles"_s, vaultFromRow);
}

Result<QList<VaultProfileRecord>> CustomerRepository::vaultProfilesByEmail(const QString &email) const
{
    return selectAll<VaultProfileRecord>(
        m_db,
        u"SELECT "_s + kVaultColumns
            + u" FROM vault_profiles WHERE email_key = ? AND deleted_at IS NULL ORDER BY customer_id"_s,
        {CustomerFieldValues::normalisedEmail(email)}, u"cannot read vault profiles by e-mail"_s,
        vaultFromRow);
}

Result<QList<VaultProfileRecord>> CustomerRepository::cardsExpiring(QDate today) const
{
    if (!today.isValid())
        return invalid(u"today"_s, u"no date to compare card expiry with"_s);
    // Everything up to the end of next month: expired cards and those expiring this month or
    // next (VaultProfileRecord::cardExpiringSoon). The expiry index serves the range.
    const QDate next = QDate(today.year(), today.month(), 1).addMonths(1);
    return selectAll<VaultProfileRecord>(
        m_db,
        u"SELECT "_s + kVaultColumns + uR"( FROM vault_profiles
WHERE deleted_at IS NULL AND card_exp_month BETWEEN 1 AND 12 AND card_exp_year > 0
  AND (card_exp_year < ? OR (card_exp_year = ? AND card_exp_month <= ?))
ORDER BY card_exp_year, card_exp_month, customer_id)"_s,
        {next.year(), next.year(), next.month()}, u"cannot read expiring cards"_s, vaultFromRow);
}

// ======== links ========

Result<qint64> CustomerRepository::link(qint64 magentoId, const QString &vaultCustomerId, const QString &rule,
                                        const QString &ruleDetail, const CustomerFieldValues &base,
                                        const QString &actor, const QDateTime &now)
{
    if (magentoId <= 0 || vaultCustomerId.isEmpty())
        return invalid(u"customer_links"_s, u"a link needs a Magento customer and a vault profile"_s);
    if (!now.isValid() || actor.isEmpty())
        return invalid(u"customer_links"_s, u"a link needs a time and who made it"_s);
    detail::Savepoint tx(m_db, "pb_customer_link"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    // Say which side is taken rather than passing on the bare UNIQUE failure.
    auto byMagento = linkByMagento(magentoId);
    if (!byMagento)
        return byMagento.error();
    if (byMagento->has_value())
        return makeError(u"customer.already_linked"_s, magentoField(magentoId),
                         u"already linked to vault profile "_s + (*byMagento)->vaultCustomerId);
    auto byVault = linkByVault(vaultCustomerId);
    if (!byVault)
        return byVault.error();
    if (byVault->has_value())
        return makeError(u"customer.already_linked"_s, vaultField(vaultCustomerId),
                         u"already linked to Magento customer "_s + QString::number((*byVault)->magentoId));

    auto insert = detail::prepare(m_db, uR"(
INSERT INTO customer_links (magento_id, vault_customer_id, rule, rule_detail, base, linked_at, linked_by)
VALUES (?, ?, ?, COALESCE(?, ''), ?, ?, ?))"_s);
    if (!insert)
        return insert.error();
    QSqlQuery &q = insert.value();
    int i = 0;
    q.bindValue(i++, magentoId);
    q.bindValue(i++, vaultCustomerId);
    q.bindValue(i++, rule);
    q.bindValue(i++, ruleDetail);
    q.bindValue(i++, compactJson(base.toJson()));
    q.bindValue(i++, timeToSql(now));
    q.bindValue(i++, actor);
    if (Status s = detail::exec(q, u"cannot link "_s + magentoField(magentoId) + u" to "_s + vaultField(vaultCustomerId)); !s)
        return s.error();
    const qint64 id = q.lastInsertId().toLongLong();

    // Linking a pair again (by hand) lifts an earlier unlink of that pair.
    auto forget = detail::prepare(m_db, u"DELETE FROM customer_unlinks WHERE magento_id = ? AND vault_customer_id = ?"_s);
    if (!forget)
        return forget.error();
    forget.value().bindValue(0, magentoId);
    forget.value().bindValue(1, vaultCustomerId);
    if (Status s = detail::exec(forget.value(), u"cannot clear an earlier unlink"_s); !s)
        return s.error();

    const QJsonObject after{{"vault_customer_id"_L1, vaultCustomerId}, {"rule"_L1, rule}};
    auto audited = AuditLog(m_db).append(actor, u"customer.linked"_s, u"customer"_s, QString::number(magentoId),
                                         {}, compactJson(after), ruleDetail, now);
    if (!audited)
        return audited.error();
    if (Status s = tx.release(); !s)
        return s.error();
    return id;
}

Status CustomerRepository::unlink(qint64 magentoId, const QString &actor, bool byPerson, const QDateTime &now)
{
    if (!now.isValid() || actor.isEmpty())
        return invalid(u"customer_links"_s, u"unlinking needs a time and who did it"_s);
    detail::Savepoint tx(m_db, "pb_customer_unlink"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    auto existing = linkByMagento(magentoId);
    if (!existing)
        return existing.error();
    if (!existing->has_value())
        return makeError(u"customer.not_linked"_s, magentoField(magentoId), u"is not linked to a vault profile"_s);
    const CustomerLink l = **existing;

    auto dismiss = detail::prepare(m_db, uR"(
UPDATE customer_conflicts SET state = 'resolved', resolution = 'dismissed', resolved_by = ?, resolved_at = ?
WHERE link_id = ? AND state = 'open')"_s);
    if (!dismiss)
        return dismiss.error();
    dismiss.value().bindValue(0, actor);
    dismiss.value().bindValue(1, timeToSql(now));
    dismiss.value().bindValue(2, l.id);
    if (Status s = detail::exec(dismiss.value(), u"cannot dismiss the conflicts of "_s + magentoField(magentoId)); !s)
        return s;

    auto remove = detail::prepare(m_db, u"DELETE FROM customer_links WHERE id = ?"_s);
    if (!remove)
        return remove.error();
    remove.value().bindValue(0, l.id);
    if (Status s = detail::exec(remove.value(), u"cannot unlink "_s + magentoField(magentoId)); !s)
        return s;

    if (byPerson) {
        auto remember = detail::prepare(m_db, uR"(
INSERT INTO customer_unlinks (magento_id, vault_customer_id, unlinked_at, unlinked_by) VALUES (?, ?, ?, ?)
ON CONFLICT (magento_id, vault_customer_id) DO UPDATE SET
    unlinked_at = excluded.unlinked_at, unlinked_by = excluded.unlinked_by)"_s);
        if (!remember)
            return remember.error();
        QSqlQuery &q = remember.value();
        q.bindValue(0, magentoId);
        q.bindValue(1, l.vaultCustomerId);
        q.bindValue(2, timeToSql(now));
        q.bindValue(3, actor);
        if (Status s = detail::exec(q, u"cannot remember the unlink of "_s + magentoField(magentoId)); !s)
            return s;
    }

    const QJsonObject before{{"vault_customer_id"_L1, l.vaultCustomerId}, {"rule"_L1, l.rule}};
    auto audited = AuditLog(m_db).append(actor, u"customer.unlinked"_s, u"customer"_s, QString::number(magentoId),
                                         compactJson(before), {},
                                         byPerson ? u"unlinked by a person: not linked again automatically"_s
                                                  : u"unlinked automatically"_s,
                                         now);
    if (!audited)
        return audited.error();
    return tx.release();
}

Result<std::optional<CustomerLink>> CustomerRepository::linkByMagento(qint64 magentoId) const
{
    return selectOne<CustomerLink>(m_db, u"SELECT "_s + kLinkColumns + u" FROM customer_links WHERE magento_id = ?"_s,
                                   {magentoId}, u"cannot read the link of "_s + magentoField(magentoId), linkFromRow);
}

Result<std::optional<CustomerLink>> CustomerRepository::linkByVault(const QString &vaultCustomerId) const
{
    return selectOne<CustomerLink>(
        m_db, u"SELECT "_s + kLinkColumns + u" FROM customer_links WHERE vault_customer_id = ?"_s, {vaultCustomerId},
        u"cannot read the link of "_s + vaultField(vaultCustomerId), linkFromRow);
}

Result<QList<CustomerLink>> CustomerRepository::links() const
{
    return selectAll<CustomerLink>(m_db, u"SELECT "_s + kLinkColumns + u" FROM customer_links ORDER BY magento_id"_s,
                                   {}, u"cannot read the customer links"_s, linkFromRow);
}

Result<bool> CustomerRepository::wasUnlinkedByPerson(qint64 magentoId, const QString &vaultCustomerId) const
{
    auto rows = selectAll<int>(m_db, u"SELECT 1 FROM customer_unlinks WHERE magento_id = ? AND vault_customer_id = ?"_s,
                               {magentoId, vaultCustomerId}, u"cannot read the unlinked pairs"_s,
                               [](const QSqlQuery &) { return 1; });
    if (!rows)
        return rows.error();
    return !rows->isEmpty();
}

Status CustomerRepository::setBase(qint64 linkId, const CustomerFieldValues &base)
{
    auto update = detail::prepare(m_db, u"UPDATE customer_links SET base = ? WHERE id = ?"_s);
    if (!update)
        return update.error();
    update.value().bindValue(0, compactJson(base.toJson()));
    update.value().bindValue(1, linkId);
    if (Status s = detail::exec(update.value(), u"cannot store the agreed values of link "_s + QString::number(linkId)); !s)
        return s;
    if (update.value().numRowsAffected() == 0)
        return notFound(u"customer_links"_s, u"no link "_s + QString::number(linkId));
    return Status::success();
}

// ======== conflicts ========

Result<qint64> CustomerRepository::openConflict(const CustomerConflict &conflict, const QDateTime &now)
{
    if (conflict.linkId <= 0)
        return invalid(u"customer_conflicts"_s, u"a conflict needs its link"_s);
    if (!now.isValid())
        return invalid(u"customer_conflicts"_s, u"opening a conflict without a time"_s);
    const QString field = customerFieldName(conflict.field);
    detail::Savepoint tx(m_db, "pb_customer_conflict"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto open = selectOne<qint64>(m_db, u"SELECT id FROM customer_conflicts WHERE link_id = ? AND field = ? AND state = 'open'"_s,
                                  {conflict.linkId, field}, u"cannot read open conflicts"_s,
                                  [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
    if (!open)
        return open.error();
    if (open->has_value()) {
        // Still in conflict: the latest values replace the older ones; no new entry for people.
        auto refresh = detail::prepare(m_db, uR"(
UPDATE customer_conflicts SET base_value = COALESCE(?, ''), magento_value = COALESCE(?, ''),
    paytrace_value = COALESCE(?, '') WHERE id = ?)"_s);
        if (!refresh)
            return refresh.error();
        QSqlQuery &q = refresh.value();
        q.bindValue(0, conflict.baseValue);
        q.bindValue(1, conflict.magentoValue);
        q.bindValue(2, conflict.paytraceValue);
        q.bindValue(3, **open);
        if (Status s = detail::exec(q, u"cannot refresh conflict "_s + QString::number(**open)); !s)
            return s.error();
        if (Status s = tx.release(); !s)
            return s.error();
        return **open;
    }
    auto insert = detail::prepare(m_db, uR"(
INSERT INTO customer_conflicts (link_id, magento_id, vault_customer_id, field, base_value, magento_value,
    paytrace_value, opened_at, state)
VALUES (?, ?, ?, ?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), ?, 'open'))"_s);
    if (!insert)
        return insert.error();
    QSqlQuery &q = insert.value();
    int i = 0;
    q.bindValue(i++, conflict.linkId);
    q.bindValue(i++, conflict.magentoId);
    q.bindValue(i++, conflict.vaultCustomerId);
    q.bindValue(i++, field);
    q.bindValue(i++, conflict.baseValue);
    q.bindValue(i++, conflict.magentoValue);
    q.bindValue(i++, conflict.paytraceValue);
    q.bindValue(i++, timeToSql(now));
    if (Status s = detail::exec(q, u"cannot open a conflict on "_s + magentoField(conflict.magentoId)); !s)
        return s.error();
    const qint64 id = q.lastInsertId().toLongLong();
    const QJsonObject after{{"field"_L1, field},
                            {"vault_customer_id"_L1, conflict.vaultCustomerId},
                            {"magento"_L1, conflict.magentoValue},
                            {"paytrace"_L1, conflict.paytraceValue}};
    auto audited = AuditLog(m_db).append(kSyncActor, u"customer.conflict_opened"_s, u"customer"_s,
                                         QString::number(conflict.magentoId), {}, compactJson(after),
                                         u"both sides changed "_s + field + u" since the last sync"_s, now);
    if (!audited)
        return audited.error();
    if (Status s = tx.release(); !s)
        return s.error();
    return id;
}

Result<QList<CustomerConflict>> CustomerRepository::openConflicts(std::optional<qint64> magentoId) const
{
    if (magentoId)
        return selectAll<CustomerConflict>(
            m_db,
            u"SELECT "_s + kConflictColumns
                + u" FROM customer_conflicts WHERE state = 'open' AND magento_id = ? ORDER BY opened_at, id"_s,
            {*magentoId}, u"cannot read open conflicts"_s, conflictFromRow);
    return selectAll<CustomerConflict>(
        m_db, u"SELECT "_s + kConflictColumns + u" FROM customer_conflicts WHERE state = 'open' ORDER BY opened_at, id"_s,
        {}, u"cannot read open conflicts"_s, conflictFromRow);
}

Result<std::optional<CustomerConflict>> CustomerRepository::conflict(qint64 id) const
{
    return selectOne<CustomerConflict>(m_db, u"SELECT "_s + kConflictColumns + u" FROM customer_conflicts WHERE id = ?"_s,
                                       {id}, u"cannot read conflict "_s + QString::number(id), conflictFromRow);
}

Status CustomerRepository::resolveConflict(qint64 id, const QString &resolution, const QString &actor,
                                           const QDateTime &now)
{
    if (resolution != "magento"_L1 && resolution != "paytrace"_L1 && resolution != "dismissed"_L1)
        return invalid(u"resolution"_s, u"\""_s + resolution + u"\" is not magento, paytrace or dismissed"_s);
    if (!now.isValid() || actor.isEmpty())
        return invalid(u"customer_conflicts"_s, u"resolving needs a time and who did it"_s);
    detail::Savepoint tx(m_db, "pb_resolve_conflict"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    auto existing = conflict(id);
    if (!existing)
        return existing.error();
    if (!existing->has_value())
        return notFound(u"customer_conflicts"_s, u"no conflict "_s + QString::number(id));
    const CustomerConflict &c = **existing;
    if (c.state != "open"_L1)
        return makeError(u"customer.conflict_resolved"_s, u"conflict "_s + QString::number(id),
                         u"was already resolved (" + c.resolution + u") by "_s + c.resolvedBy);
    auto update = detail::prepare(m_db, uR"(
UPDATE customer_conflicts SET state = 'resolved', resolution = ?, resolved_by = ?, resolved_at = ?
WHERE id = ? AND state = 'open')"_s);
    if (!update)
        return update.error();
    QSqlQuery &q = update.value();
    q.bindValue(0, resolution);
    q.bindValue(1, actor);
    q.bindValue(2, timeToSql(now));
    q.bindValue(3, id);
    if (Status s = detail::exec(q, u"cannot resolve conflict "_s + QString::number(id)); !s)
        return s;
    const QJsonObject before{{"field"_L1, customerFieldName(c.field)},
                             {"magento"_L1, c.magentoValue},
                             {"paytrace"_L1, c.paytraceValue}};
    const QJsonObject after{{"resolution"_L1, resolution}};
    auto audited = AuditLog(m_db).append(actor, u"customer.conflict_resolved"_s, u"customer"_s,
                                         QString::number(c.magentoId), compactJson(before), compactJson(after),
                                         u"conflict "_s + QString::number(id), now);
    if (!audited)
        return audited.error();
    return tx.release();
}

// ======== vault deletions ========

Result<qint64> CustomerRepository::addDeletion(const QString &vaultCustomerId, qint64 magentoId,
                                               const QString &reason, const QDateTime &now)
{
    if (vaultCustomerId.isEmpty())
        return invalid(u"vault_deletions"_s, u"a deletion needs a vault profile"_s);
    if (reason != "deleted"_L1 && reason != "anonymised"_L1)
        return invalid(u"reason"_s, u"\""_s + reason + u"\" is not deleted or anonymised"_s);
    if (!now.isValid())
        return invalid(u"vault_deletions"_s, u"recording a deletion without a time"_s);
    detail::Savepoint tx(m_db, "pb_vault_deletion"_L1);
    if (Status s = tx.begin(); !s)
        return s.error();
    auto awaiting = selectOne<qint64>(
        m_db, u"SELECT id FROM vault_deletions WHERE vault_customer_id = ? AND state = 'awaiting'"_s,
        {vaultCustomerId}, u"cannot read awaiting deletions"_s,
        [](const QSqlQuery &q) { return q.value(0).toLongLong(); });
    if (!awaiting)
        return awaiting.error();
    if (awaiting->has_value())
        return **awaiting;
    auto insert = detail::prepare(m_db, uR"(
INSERT INTO vault_deletions (vault_customer_id, magento_id, reason, found_at, state)
VALUES (?, ?, ?, ?, 'awaiting'))"_s);
    if (!insert)
        return insert.error();
    QSqlQuery &q = insert.value();
    q.bindValue(0, vaultCustomerId);
    q.bindValue(1, magentoId);
    q.bindValue(2, reason);
    q.bindValue(3, timeToSql(now));
    if (Status s = detail::exec(q, u"cannot record the deletion of "_s + vaultField(vaultCustomerId)); !s)
        return s.error();
    const qint64 id = q.lastInsertId().toLongLong();
    const QJsonObject after{{"magento_id"_L1, magentoId}, {"reason"_L1, reason}};
    auto audited = AuditLog(m_db).append(kSyncActor, u"customer.deletion_found"_s, u"vault_profile"_s,
                                         vaultCustomerId, {}, compactJson(after),
                                         u"Magento customer "_s + QString::number(magentoId) + u" was "_s + reason,
                                         now);
    if (!audited)
        return audited.error();
    if (Status s = tx.release(); !s)
        return s.error();
    return id;
}

Result<QList<VaultDeletion>> CustomerRepository::deletions(const QString &state) const
{
    if (state.isEmpty())
        return selectAll<VaultDeletion>(m_db, u"SELECT "_s + kDeletionColumns + u" FROM vault_deletions ORDER BY found_at, id"_s,
                                        {}, u"cannot read vault deletions"_s, deletionFromRow);
    return selectAll<VaultDeletion>(
        m_db, u"SELECT "_s + kDeletionColumns + u" FROM vault_deletions WHERE state = ? ORDER BY found_at, id"_s, {state},
        u"cannot read vault deletions"_s, deletionFromRow);
}

Result<std::optional<VaultDeletion>> CustomerRepository::deletion(qint64 id) const
{
    return selectOne<VaultDeletion>(m_db, u"SELECT "_s + kDeletionColumns + u" FROM vault_deletions WHERE id = ?"_s, {id},
                                    u"cannot read vault deletion "_s + QString::number(id), deletionFromRow);
}

Status CustomerRepository::decideDeletion(qint64 id, bool confirmed, const QString &actor, const QString &intentKey,
                                          const QDateTime &now)
{
    if (!now.isValid() || actor.isEmpty())
        return invalid(u"vault_deletions"_s, u"deciding needs a time and who decided"_s);
    detail::Savepoint tx(m_db, "pb_decide_deletion"_L1);
    if (Status s = tx.begin(); !s)
        return s;
    auto existing = deletion(id);
    if (!existing)
        return existing.error();
    if (!existing->has_value())
        return notFound(u"vault_deletions"_s, u"no vault deletion "_s + QString::number(id));
    const VaultDeletion &d = **existing;
    if (d.state != "awaiting"_L1)
        return makeError(u"customer.deletion_decided"_s, u"vault deletion "_s + QString::number(id),
                         u"was already "_s + d.state + u" by "_s + d.decidedBy);
    const QString state = confirmed ? u"confirmed"_s : u"declined"_s;
    auto update = detail::prepare(m_db, uR"(
UPDATE vault_deletions SET state = ?, decided_by = ?, decided_at = ?, intent_key = ?
WHERE id = ? AND state = 'awaiting')"_s);
    if (!update)
        return update.error();
    QSqlQuery &q = update.value();
    q.bindValue(0, state);
    q.bindValue(1, actor);
    q.bindValue(2, timeToSql(now));
    q.bindValue(3, confirmed && !intentKey.isEmpty() ? QVariant(intentKey) : QVariant(QMetaType::fromType<QString>()));
    q.bindValue(4, id);
    if (Status s = detail::exec(q, u"cannot decide vault deletion "_s + QString::number(id)); !s)
        return s;
    QJsonObject after{{"state"_L1, state}};
    if (confirmed && !intentKey.isEmpty())
        after.insert("intent_key"_L1, intentKey);
    auto audited = AuditLog(m_db).append(actor, u"customer.deletion_decided"_s, u"vault_profile"_s,
                                         d.vaultCustomerId, QString(), compactJson(after),
                                         u"Magento customer "_s + QString::number(d.magentoId) + u" was "_s + d.reason,
                                         now);
    if (!audited)
        return audited.error();
    return tx.release();
}

// ======== overview ========

Result<QList<CustomerOverview>> CustomerRepository::overview(const QString &search) const
{
    // One statement: present Magento customers with their linked profile, then present profiles
    // that no present customer holds (unlinked, or linked to a customer found deleted).
    // Searching is a substring test with instr(), so no LIKE wildcards need escaping; the
    // search text is bound once (p.s).
    const QString sql = uR"(
WITH p(s) AS (SELECT COALESCE(?, '')),
rows AS (
    SELECT c.magento_id AS mid, COALESCE(l.vault_customer_id, '') AS vid, c.email AS email,
        c.email_key AS ekey, trim(c.firstname || ' ' || c.lastname) AS name,
        COALESCE(v.card_type, '') AS ctype, COALESCE(v.card_last4, '') AS last4,
        v.card_exp_month AS em, v.card_exp_year AS ey,
        COALESCE(l.rule, '') AS rule, COALESCE(l.rule_detail, '') AS detail,
        CASE WHEN l.id IS NULL THEN 0 ELSE
            (SELECT COUNT(*) FROM customer_conflicts x WHERE x.link_id = l.id AND x.state = 'open') END AS conflicts,
        0 AS gone
    FROM customers c
    LEFT JOIN customer_links l ON l.magento_id = c.magento_id
    LEFT JOIN vault_profiles v ON v.customer_id = l.vault_customer_id AND v.deleted_at IS NULL
    WHERE c.deleted_at IS NULL
    UNION ALL
    SELECT l.magento_id, v.customer_id, v.email, v.email_key, v.billing_name, v.card_type, v.card_last4,
        v.card_exp_month, v.card_exp_year, COALESCE(l.rule, ''), COALESCE(l.rule_detail, ''),
        CASE WHEN l.id IS NULL THEN 0 ELSE
            (SELECT COUNT(*) FROM customer_conflicts x WHERE x.link_id = l.id AND x.state = 'open') END,
        CASE WHEN l.id IS NULL THEN 0 ELSE 1 END
    FROM vault_profiles v
    LEFT JOIN customer_links l ON l.vault_customer_id = v.customer_id
    WHERE v.deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.magento_id = l.magento_id AND c.deleted_at IS NULL)
)
SELECT mid, vid, email, name, ctype, last4, em, ey, rule, detail, conflicts, gone FROM rows, p
WHERE p.s = ''
   OR instr(ekey, p.s) > 0 OR instr(lower(name), p.s) > 0 OR instr(lower(vid), p.s) > 0
   OR CAST(mid AS TEXT) = p.s OR last4 = p.s
ORDER BY ekey, name, mid, vid)"_s;
    return selectAll<CustomerOverview>(
        m_db, sql, {search.simplified().toLower()}, u"cannot read the customer overview"_s, [](const QSqlQuery &q) {
            CustomerOverview o;
            int i = 0;
            const QVariant mid = q.value(i++);
            if (!mid.isNull())
                o.magentoId = mid.toLongLong();
            o.vaultCustomerId = q.value(i++).toString();
            o.email = q.value(i++).toString();
            o.name = q.value(i++).toString();
            o.cardType = q.value(i++).toString();
            o.cardLast4 = q.value(i++).toString();
            VaultProfileRecord expiry;
            expiry.expMonth = q.value(i++).toInt();
            expiry.expYear = q.value(i++).toInt();
            o.cardExpiry = expiry.expiryText();
            o.linkRule = q.value(i++).toString();
            o.linkRuleDetail = q.value(i++).toString();
            o.openConflicts = q.value(i++).toInt();
            o.deletedInMagento = q.value(i++).toInt() != 0;
            return o;
        });
}

} // namespace pb::store
