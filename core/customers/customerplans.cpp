#include "customers/customerplans.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace pb::customers::plans {

namespace {

QString hash8(const QJsonObject &set, const QJsonObject &against)
{
    const QByteArray text = QJsonDocument(QJsonObject{{u"set"_s, set}, {u"base"_s, against}}).toJson(QJsonDocument::Compact);
    return QString::fromLatin1(QCryptographicHash::hash(text, QCryptographicHash::Sha1).toHex().left(8));
}

QJsonObject baseOf(const CustomerFieldValues &base, const QList<CustomerField> &fields)
{
    QJsonObject o;
    for (CustomerField f : fields)
        o.insert(customerFieldName(f), base.value(f));
    return o;
}

QString vaultName(const VaultProfileRecord &v)
{
    return CustomerFieldValues::normalisedName(v.billingName.isEmpty() ? v.billing.name : v.billingName);
}

QString magentoName(const MagentoCustomerRecord &m)
{
    return CustomerFieldValues::normalisedName(m.firstname + u' ' + m.lastname);
}

} // namespace

QString pct(const QString &vaultId)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(vaultId));
}

QString paytraceUpdateKey(const QString &vaultId, const QJsonObject &set, const QJsonObject &against)
{
    return u"customer:pt:"_s + pct(vaultId) + u':' + hash8(set, against);
}

QString magentoUpdateKey(qint64 magentoId, const QJsonObject &set, const QJsonObject &against)
{
    return u"customer:mg:"_s + QString::number(magentoId) + u':' + hash8(set, against);
}

QString deleteKey(const QString &vaultId)
{
    return u"customer:delete:"_s + pct(vaultId);
}

QString expiryKey(const QString &vaultId, int expYear, int expMonth)
{
    return u"card-expiry:%1:%2-%3"_s.arg(pct(vaultId)).arg(expYear, 4, 10, QChar(u'0')).arg(expMonth, 2, 10, QChar(u'0'));
}

std::pair<QString, QString> splitName(const QString &name)
{
    const QString n = CustomerFieldValues::normalisedName(name);
    const qsizetype at = n.lastIndexOf(u' ');
    if (at < 0)
        return {n, QString()};
    return {n.left(at), n.mid(at + 1)};
}

QString fieldList(const QList<CustomerField> &fields)
{
    QStringList names;
    for (CustomerField f : fields)
        names.append(customerFieldName(f));
    return names.join(u", "_s);
}

std::optional<intents::PlanRequest> paytraceUpdate(const MagentoCustomerRecord &from, const VaultProfileRecord &to,
                                                   const QList<CustomerField> &fields,
                                                   const CustomerFieldValues &base, const QString &reason,
                                                   const QString &actor, const QJsonObject &extraKey)
{
    QJsonObject set;
    if (fields.contains(CustomerField::Email))
        set.insert(u"email"_s, from.email.trimmed());
    if (fields.contains(CustomerField::Phone))
        set.insert(u"phone"_s, from.phone.trimmed());
    if (fields.contains(CustomerField::Billing) || fields.contains(CustomerField::Name)) {
        // PayTrace keeps the name inside the billing address, and an update replaces the
        // address: the whole address goes, with whichever name and lines are meant to hold.
        PostalAddress a = fields.contains(CustomerField::Billing) ? from.billing : to.billing;
        a.name = fields.contains(CustomerField::Name) ? magentoName(from) : vaultName(to);
        set.insert(u"billing"_s, a.normalised().toJson());
    }
    if (set.isEmpty())
        return std::nullopt;
    intents::PlanRequest r;
    r.kind = intents::IntentKind::PayTraceCustomerUpdate;
    QJsonObject against = baseOf(base, fields);
    for (auto it = extraKey.begin(); it != extraKey.end(); ++it)
        against.insert(it.key(), it.value());
    r.naturalKey = paytraceUpdateKey(to.customerId, set, against);
    r.requestedBy = actor;
    r.payload = QJsonObject{{u"customer_id"_s, to.customerId},
                            {u"magento_id"_s, QString::number(from.magentoId)},
                            {u"set"_s, set},
                            {u"reason"_s, reason}};
    return r;
}

std::optional<intents::PlanRequest> magentoUpdate(const VaultProfileRecord *from, const MagentoCustomerRecord &to,
                                                  const QList<CustomerField> &fields,
                                                  const CustomerFieldValues &base, const QString &attributeCode,
                                                  const std::optional<QString> &attributeValue, const QString &reason,
                                                  const QString &actor, const QJsonObject &extraKey)
{
    QJsonObject set;
    if (from) {
        if (fields.contains(CustomerField::Name)) {
            const auto [first, last] = splitName(vaultName(*from));
            set.insert(u"firstname"_s, first);
            // A one-word name keeps Magento's last name (Magento requires one).
            set.insert(u"lastname"_s, last.isEmpty() ? to.lastname : last);
        }
        if (fields.contains(CustomerField::Email))
            set.insert(u"email"_s, from->email.trimmed());
        if (fields.contains(CustomerField::Phone))
            set.insert(u"telephone"_s, from->phone.trimmed());
        if (fields.contains(CustomerField::Billing)) {
            PostalAddress a = from->billing;
            a.name = fields.contains(CustomerField::Name) ? vaultName(*from) : magentoName(to);
            set.insert(u"billing"_s, a.normalised().toJson());
        }
    }
    QJsonObject against = baseOf(base, fields);
    if (attributeValue && !attributeCode.isEmpty()) {
        set.insert(u"attribute"_s, QJsonObject{{u"code"_s, attributeCode}, {u"value"_s, *attributeValue}});
        against.insert(u"attribute"_s, to.vaultAttribute);
    }
    if (set.isEmpty())
        return std::nullopt;
    for (auto it = extraKey.begin(); it != extraKey.end(); ++it)
        against.insert(it.key(), it.value());
    intents::PlanRequest r;
    r.kind = intents::IntentKind::MagentoCustomerUpdate;
    r.naturalKey = magentoUpdateKey(to.magentoId, set, against);
    r.requestedBy = actor;
    r.payload = QJsonObject{{u"magento_id"_s, QString::number(to.magentoId)}, {u"set"_s, set}, {u"reason"_s, reason}};
    if (from)
        r.payload.insert(u"customer_id"_s, from->customerId);
    else if (attributeValue && !attributeValue->isEmpty())
        r.payload.insert(u"customer_id"_s, *attributeValue);
    return r;
}

intents::PlanRequest vaultDelete(const QString &vaultId, qint64 magentoId, const QString &reason, const QString &actor)
{
    intents::PlanRequest r;
    r.kind = intents::IntentKind::PayTraceCustomerDelete;
    r.naturalKey = deleteKey(vaultId);
    r.requestedBy = actor;
    r.payload = QJsonObject{{u"customer_id"_s, vaultId}, {u"magento_id"_s, QString::number(magentoId)}, {u"reason"_s, reason}};
    return r;
}

} // namespace pb::customers::plans
