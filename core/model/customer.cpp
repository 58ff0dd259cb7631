#include "model/customer.h"

#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace pb {

namespace {

// Trimmed with runs of inner whitespace collapsed to one space.
QString tidy(const QString &s)
{
    return s.simplified();
}

} // namespace

// ---- PostalAddress ----

bool PostalAddress::isEmpty() const
{
    return name.trimmed().isEmpty() && street.trimmed().isEmpty() && street2.trimmed().isEmpty()
        && city.trimmed().isEmpty() && state.trimmed().isEmpty() && zip.trimmed().isEmpty()
        && country.trimmed().isEmpty();
}

PostalAddress PostalAddress::normalised() const
{
    PostalAddress a;
    a.name = tidy(name);
    a.street = tidy(street);
    a.street2 = tidy(street2);
    a.city = tidy(city);
    a.state = tidy(state).toUpper();
    a.zip = tidy(zip);
    a.country = tidy(country).toUpper();
    return a;
}

QJsonObject PostalAddress::toJson() const
{
    QJsonObject o;
    const auto put = [&o](QLatin1StringView key, const QString &value) {
        if (!value.isEmpty())
            o.insert(key, value);
    };
    put("name"_L1, name);
    put("street"_L1, street);
    put("street2"_L1, street2);
    put("city"_L1, city);
    put("state"_L1, state);
    put("zip"_L1, zip);
    put("country"_L1, country);
    return o;
}

PostalAddress PostalAddress::fromJson(const QJsonObject &object)
{
    // Tolerant: a part that is missing or not a string is empty.
    PostalAddress a;
    a.name = object.value("name"_L1).toString();
    a.street = object.value("street"_L1).toString();
    a.street2 = object.value("street2"_L1).toString();
    a.city = object.value("city"_L1).toString();
    a.state = object.value("state"_L1).toString();
    a.zip = object.value("zip"_L1).toString();
    a.country = object.value("country"_L1).toString();
    return a;
}

QString PostalAddress::oneLine() const
{
    const PostalAddress a = normalised();
    QStringList locality;
    for (const QString &part : {a.city, a.state, a.zip}) {
        if (!part.isEmpty())
            locality.append(part);
    }
    QStringList parts;
    for (const QString &part : {a.name, a.street, a.street2, locality.join(u' '), a.country}) {
        if (!part.isEmpty())
            parts.append(part);
    }
    return parts.join(", "_L1);
}

// ---- CustomerField ----

QString customerFieldName(CustomerField field)
{
    // Stored in customer_conflicts.field and the mapping profile: never rename one.
    switch (field) {
    case CustomerField::Name:
        return u"name"_s;
    case CustomerField::Email:
        return u"email"_s;
    case CustomerField::Billing:
        return u"billing"_s;
    case CustomerField::Phone:
        return u"phone"_s;
    }
    return u"name"_s;
}

std::optional<CustomerField> customerFieldFromName(QStringView name)
{
    for (CustomerField f : kCustomerFields) {
        if (name == customerFieldName(f))
            return f;
    }
    return std::nullopt;
}

// ---- CustomerFieldValues ----

QString CustomerFieldValues::normalisedEmail(const QString &email)
{
    return email.trimmed().toLower();
}

QString CustomerFieldValues::normalisedPhone(const QString &phone)
{
    // "+1 (914) 555-0100" and "+19145550100" are one number; a leading + says the country
    // code is included, so it is kept.
    const QString t = phone.trimmed();
    QString out;
    if (t.startsWith(u'+'))
        out.append(u'+');
    for (QChar c : t) {
        if (c >= u'0' && c <= u'9')
            out.append(c);
    }
    return out == "+"_L1 ? QString() : out;
}

QString CustomerFieldValues::normalisedName(const QString &name)
{
    return tidy(name);
}

QString CustomerFieldValues::value(CustomerField field) const
{
    switch (field) {
    case CustomerField::Name:
        return name;
    case CustomerField::Email:
        return email;
    case CustomerField::Phone:
        return phone;
    case CustomerField::Billing: {
        // An empty address is "" rather than "{}" so that "no address" reads as nothing to
        // people resolving a conflict. QJsonObject keeps keys sorted: the text is canonical.
        PostalAddress a = billing.normalised();
        a.name.clear();
        if (a.isEmpty())
            return QString();
        return QString::fromUtf8(QJsonDocument(a.toJson()).toJson(QJsonDocument::Compact));
    }
    }
    return QString();
}

void CustomerFieldValues::setValue(CustomerField field, const QString &canonical)
{
    switch (field) {
    case CustomerField::Name:
        name = normalisedName(canonical);
        return;
    case CustomerField::Email:
        email = normalisedEmail(canonical);
        return;
    case CustomerField::Phone:
        phone = normalisedPhone(canonical);
        return;
    case CustomerField::Billing: {
        const QJsonDocument doc = QJsonDocument::fromJson(canonical.toUtf8());
        billing = PostalAddress::fromJson(doc.object()).normalised();
        billing.name.clear();
        return;
    }
    }
}

QJsonObject CustomerFieldValues::toJson() const
{
    PostalAddress a = billing;
    a.name.clear();
    return QJsonObject{{"name"_L1, name}, {"email"_L1, email}, {"billing"_L1, a.toJson()},
                       {"phone"_L1, phone}};
}

CustomerFieldValues CustomerFieldValues::fromJson(const QJsonObject &object)
{
    CustomerFieldValues v;
    v.name = object.value("name"_L1).toString();
    v.email = object.value("email"_L1).toString();
    v.billing = PostalAddress::fromJson(object.value("billing"_L1).toObject());
    v.billing.name.clear();
    v.phone = object.value("phone"_L1).toString();
    return v;
}

// ---- records ----

CustomerFieldValues MagentoCustomerRecord::fields() const
{
    CustomerFieldValues v;
    v.name = CustomerFieldValues::normalisedName(firstname + u' ' + lastname);
    v.email = CustomerFieldValues::normalisedEmail(email);
    v.billing = billing.normalised();
    v.billing.name.clear();
    v.phone = CustomerFieldValues::normalisedPhone(phone);
    return v;
}

CustomerFieldValues VaultProfileRecord::fields() const
{
    CustomerFieldValues v;
    v.name = CustomerFieldValues::normalisedName(billingName.isEmpty() ? billing.name : billingName);
    v.email = CustomerFieldValues::normalisedEmail(email);
    v.billing = billing.normalised();
    v.billing.name.clear();
    v.phone = CustomerFieldValues::normalisedPhone(phone);
    return v;
}

namespace {

bool expiryKnown(int month, int year)
{
    return month >= 1 && month <= 12 && year > 0;
}

// Months since year 0: compares (year, month) pairs as one number.
int monthIndex(int year, int month)
{
    return year * 12 + (month - 1);
}

} // namespace

bool VaultProfileRecord::cardExpired(QDate today) const
{
    if (!expiryKnown(expMonth, expYear) || !today.isValid())
        return false;
    return monthIndex(expYear, expMonth) < monthIndex(today.year(), today.month());
}

bool VaultProfileRecord::cardExpiringSoon(QDate today) const
{
    if (!expiryKnown(expMonth, expYear) || !today.isValid())
        return false;
    const int diff = monthIndex(expYear, expMonth) - monthIndex(today.year(), today.month());
    return diff == 0 || diff == 1;
}

QString VaultProfileRecord::expiryText() const
{
    if (!expiryKnown(expMonth, expYear))
        return QString();
    return u"%1/%2"_s.arg(expMonth, 2, 10, QChar(u'0')).arg(expYear, 4, 10, QChar(u'0'));
}

} // namespace pb
