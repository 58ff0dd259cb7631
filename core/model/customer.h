#pragma once

#include <QDate>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace pb {

// A postal address as both systems can hold it (docs/customers.md). Magento's street lines map
// to street/street2 (lines after the second are joined to street2 with ", "); Magento's
// region_code and PayTrace's state are the same two-letter code for US addresses.
struct PostalAddress
{
    QString name;      // PayTrace billing_address.name; Magento firstname + " " + lastname
    QString street;
    QString street2;
    QString city;
    QString state;
    QString zip;
    QString country;   // ISO 3166 alpha-2

    bool isEmpty() const;
    // Canonical form for comparing: every part trimmed, inner spaces collapsed, state and
    // country upper-cased. Two addresses that differ only in spacing or case are equal.
    PostalAddress normalised() const;
    // {"name","street","street2","city","state","zip","country"}; empty parts omitted.
    QJsonObject toJson() const;
    static PostalAddress fromJson(const QJsonObject &object);
    // "Jane Doe, 123 Oak Ave, Purchase NY 10755, US" for people.
    QString oneLine() const;
    friend bool operator==(const PostalAddress &, const PostalAddress &) = default;
};

// The fields PayBridge keeps in step between a Magento customer and its vault profile.
enum class CustomerField { Name, Email, Billing, Phone };
QString customerFieldName(CustomerField field);             // "name", "email", "billing", "phone"
std::optional<CustomerField> customerFieldFromName(QStringView name);
inline constexpr CustomerField kCustomerFields[] = {CustomerField::Name, CustomerField::Email,
                                                    CustomerField::Billing, CustomerField::Phone};

// One side's values of the kept-in-step fields, normalised (value() is what is compared).
struct CustomerFieldValues
{
    QString name;           // "First Last"
    QString email;          // trimmed, lower-cased
    PostalAddress billing;  // without its name (name is its own field)
    QString phone;          // digits, with a leading + kept; separators dropped

    // The canonical text of one field: billing as compact JSON of its normalised form.
    QString value(CustomerField field) const;
    void setValue(CustomerField field, const QString &canonical);
    QJsonObject toJson() const;
    static CustomerFieldValues fromJson(const QJsonObject &object);
    static QString normalisedEmail(const QString &email);
    static QString normalisedPhone(const QString &phone);
    static QString normalisedName(const QString &name);
    friend bool operator==(const CustomerFieldValues &, const CustomerFieldValues &) = default;
};

// A Magento customer as PayBridge last read it (table customers).
struct MagentoCustomerRecord
{
    qint64 magentoId = 0;
    QString email;
    QString firstname;
    QString lastname;
    QString phone;               // the default billing address's telephone
    PostalAddress billing;       // the default billing address (name from the address)
    QString vaultAttribute;      // custom attribute (paytrace_customer_id by default), "" when unset
    std::optional<qint64> websiteId;
    QDateTime createdAt;         // UTC
    QDateTime updatedAt;
    bool anonymised = false;     // see docs/customers.md: what PayBridge takes for an anonymised customer
    QDateTime deletedAt;         // invalid while the customer exists in Magento
    QByteArray raw;              // the customer body as Magento sent it
    QDateTime syncedAt;

    CustomerFieldValues fields() const;
};

// A PayTrace vault profile as last exported (table vault_profiles). Never a card number.
struct VaultProfileRecord
{
    QString customerId;          // PayTrace customer_id
    QString email;
    QString billingName;
    QString phone;
    PostalAddress billing;       // billing_address, name included
    QString cardType;            // from the masked number's leading digit; "" when unknown
    QString cardLast4;
    int expMonth = 0;            // 1..12, 0 when unknown
    int expYear = 0;             // four digits (PayTrace sends two), 0 when unknown
    QDateTime firstSeenAt;
    QDateTime changedAt;
    QDateTime deletedAt;         // invalid while the profile exists
    QDateTime syncedAt;

    CustomerFieldValues fields() const;
    // The card expires at the end of its expiry month: expired when that month is before
    // `today`'s; expiring when it is `today`'s month or the next.
    bool cardExpired(QDate today) const;
    bool cardExpiringSoon(QDate today) const;
    QString expiryText() const;  // "04/2027", "" when unknown
};

struct CustomerLink
{
    qint64 id = 0;
    qint64 magentoId = 0;
    QString vaultCustomerId;
    QString rule;                // attribute, vault_id, email, manual, created
    QString ruleDetail;          // the rule in words
    CustomerFieldValues base;    // what both sides held at the last sync
    QDateTime linkedAt;
    QString linkedBy;
};

struct CustomerConflict
{
    qint64 id = 0;
    qint64 linkId = 0;
    qint64 magentoId = 0;
    QString vaultCustomerId;
    CustomerField field = CustomerField::Name;
    QString baseValue;
    QString magentoValue;
    QString paytraceValue;
    QDateTime openedAt;
    QString state;               // open, resolved
    QString resolution;          // magento, paytrace, dismissed
    QString resolvedBy;
    QDateTime resolvedAt;
};

struct VaultDeletion
{
    qint64 id = 0;
    QString vaultCustomerId;
    qint64 magentoId = 0;
    QString reason;              // deleted, anonymised
    QDateTime foundAt;
    QString state;               // awaiting, confirmed, declined
    QString decidedBy;
    QDateTime decidedAt;
    QString intentKey;
};

// One line of `paybridge customers list` and the Customers page: a Magento customer, a vault
// profile, or both when linked.
struct CustomerOverview
{
    std::optional<qint64> magentoId;
    QString vaultCustomerId;
    QString email;
    QString name;
    QString cardType;
    QString cardLast4;
    QString cardExpiry;          // "MM/YYYY"
    QString linkRule;            // "" when not linked
    QString linkRuleDetail;
    int openConflicts = 0;
    bool deletedInMagento = false;
};

} // namespace pb
