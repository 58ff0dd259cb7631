#include "magento/customers.h"

#include <QJsonArray>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace pb::magento {

namespace {

Error payloadError(const QString &field, const QString &message)
{
    return makeError(u"magento.customer_changes"_s, field, message);
}

Result<std::optional<QString>> optText(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined())
        return std::optional<QString>();
    if (!v.isString())
        return payloadError(path + key, u"must be a string"_s);
    return std::optional<QString>(v.toString());
}

const QStringList &anonymousWords()
{
    static const QStringList words{u"anonymous"_s, u"anonymized"_s, u"anonymised"_s, u"deleted"_s};
    return words;
}

} // namespace

bool CustomerChanges::isEmpty() const
{
    return !firstname && !lastname && !email && !telephone && !billing && !attributeValue;
}

QJsonObject CustomerChanges::toJson() const
{
    QJsonObject o;
    if (firstname)
        o.insert("firstname"_L1, *firstname);
    if (lastname)
        o.insert("lastname"_L1, *lastname);
    if (email)
        o.insert("email"_L1, *email);
    if (telephone)
        o.insert("telephone"_L1, *telephone);
    if (billing)
        o.insert("billing"_L1, billing->toJson());
    if (attributeValue)
        o.insert("attribute"_L1, QJsonObject{{"code"_L1, attributeCode}, {"value"_L1, *attributeValue}});
    return o;
}

Result<CustomerChanges> CustomerChanges::fromJson(const QJsonObject &set)
{
    static const QStringList known{u"firstname"_s, u"lastname"_s, u"email"_s, u"telephone"_s, u"billing"_s,
                                   u"attribute"_s};
    for (auto it = set.begin(); it != set.end(); ++it) {
        if (!known.contains(it.key()))
            return payloadError(u"set."_s + it.key(), u"is not a customer field PayBridge writes"_s);
    }
    CustomerChanges c;
    const QString path = u"set."_s;
    PB_TRY(first, optText(set, "firstname"_L1, path));
    c.firstname = first;
    PB_TRY(last, optText(set, "lastname"_L1, path));
    c.lastname = last;
    PB_TRY(email, optText(set, "email"_L1, path));
    c.email = email;
    PB_TRY(phone, optText(set, "telephone"_L1, path));
    c.telephone = phone;
    if (set.contains("billing"_L1)) {
        if (!set.value("billing"_L1).isObject())
            return payloadError(u"set.billing"_s, u"must be an address object"_s);
        c.billing = PostalAddress::fromJson(set.value("billing"_L1).toObject());
    }
    if (set.contains("attribute"_L1)) {
        if (!set.value("attribute"_L1).isObject())
            return payloadError(u"set.attribute"_s, u"must be {\"code\", \"value\"}"_s);
        const QJsonObject a = set.value("attribute"_L1).toObject();
        PB_TRY(code, optText(a, "code"_L1, u"set.attribute."_s));
        PB_TRY(value, optText(a, "value"_L1, u"set.attribute."_s));
        if (!code || code->isEmpty())
            return payloadError(u"set.attribute.code"_s, u"is missing"_s);
        c.attributeCode = *code;
        c.attributeValue = value.value_or(QString());
    }
    return c;
}

const CustomerAddress *defaultBillingAddress(const Customer &customer)
{
    if (!customer.defaultBilling.isEmpty()) {
        bool ok = false;
        const qint64 id = customer.defaultBilling.toLongLong(&ok);
        if (ok) {
            for (const CustomerAddress &a : customer.addresses) {
                if (a.id == id)
                    return &a;
            }
        }
    }
    for (const CustomerAddress &a : customer.addresses) {
        if (a.defaultBilling)
            return &a;
    }
    return nullptr;
}

PostalAddress postalAddress(const CustomerAddress &address)
{
    PostalAddress p;
    p.name = QString(address.firstname.trimmed() + u' ' + address.lastname.trimmed()).trimmed();
    p.street = address.street.value(0);
    p.street2 = address.street.mid(1).join(", "_L1);
    p.city = address.city;
    p.state = address.regionCode.isEmpty() ? address.region : address.regionCode;
    p.zip = address.postcode;
    p.country = address.countryId;
    return p;
}

bool looksAnonymised(const Customer &customer)
{
    const auto isWord = [](const QString &s) {
        return anonymousWords().contains(s.trimmed(), Qt::CaseInsensitive);
    };
    if (isWord(customer.firstname) && isWord(customer.lastname))
        return true;
    const QString email = customer.email.trimmed().toLower();
    const qsizetype at = email.lastIndexOf(u'@');
    const QString local = at < 0 ? email : email.left(at);
    const QString domain = at < 0 ? QString() : email.mid(at + 1);
    for (const QString &word : anonymousWords()) {
        if (local == word)
            return true;
        if (local.startsWith(word) && !local.at(word.size()).isLetter())
            return true;
    }
    return domain.endsWith(".invalid"_L1) || domain == "invalid"_L1;
}

MagentoCustomerRecord customerRecord(const Customer &customer, const QString &attributeCode,
                                     const QDateTime &syncedAt)
{
    MagentoCustomerRecord r;
    r.magentoId = customer.id;
    r.email = customer.email;
    r.firstname = customer.firstname;
    r.lastname = customer.lastname;
    if (const CustomerAddress *billing = defaultBillingAddress(customer)) {
        r.billing = postalAddress(*billing);
        r.phone = billing->telephone;
    }
    if (!attributeCode.isEmpty())
        r.vaultAttribute = customer.customAttribute(attributeCode).value_or(QString()).trimmed();
    r.websiteId = customer.websiteId;
    r.createdAt = customer.createdAt;
    r.updatedAt = customer.updatedAt;
    r.anonymised = looksAnonymised(customer);
    r.raw = customer.raw;
    r.syncedAt = syncedAt;
    return r;
}

} // namespace pb::magento
