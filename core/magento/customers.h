#pragma once

#include "magento/documents.h"
#include "model/customer.h"
#include "util/result.h"

#include <QJsonObject>
#include <QString>

#include <optional>

// Magento customers as PayBridge keeps them (docs/customers.md): the record stored from a
// customer body, the anonymisation rule, and the changes a magento.customer.update applies.
namespace pb::magento {

// What a magento.customer.update changes; unset members are left as Magento has them. The
// intent payload's "set" object: {"firstname"?, "lastname"?, "email"?, "telephone"?,
// "billing"? (PostalAddress JSON), "attribute"? {"code", "value"}}.
struct CustomerChanges
{
    std::optional<QString> firstname;
    std::optional<QString> lastname;
    std::optional<QString> email;
    std::optional<QString> telephone;      // onto the default billing address
    std::optional<PostalAddress> billing;  // onto the default billing address
    // The custom attribute: a value sets it, "" clears it. attributeCode names it when the
    // caller gives none (set.attribute.code in the payload).
    std::optional<QString> attributeValue;
    QString attributeCode;

    bool isEmpty() const;
    QJsonObject toJson() const;
    // Unknown keys and wrong types are errors naming the key: a payload is PayBridge's own.
    static Result<CustomerChanges> fromJson(const QJsonObject &set);
};

// The default billing address: the one whose id is the customer's default_billing, else the one
// flagged default_billing; nullptr when there is none.
const CustomerAddress *defaultBillingAddress(const Customer &customer);

// The address as PayBridge compares it: street lines after the second join street2 with ", ",
// state is region_code (or the region's name when there is no code), name is "first last".
PostalAddress postalAddress(const CustomerAddress &address);

// Whether a customer looks anonymised by a GDPR tool rather than being a real person. The rule
// is deliberately small (docs/customers.md):
//  - both firstname and lastname are one of "Anonymous", "Anonymized", "Anonymised", "Deleted"
//    (any case), as Magento GDPR extensions write them; or
//  - the e-mail's local part is one of those words, alone or followed by a non-letter
//    ("anonymous", "anonymized_5f2c1e", "deleted-1042"); or
//  - the e-mail's domain ends in ".invalid" (RFC 2606: can never be delivered), which
//    anonymisers use so that no message reaches anyone.
bool looksAnonymised(const Customer &customer);

// The record the store keeps: default billing address and its telephone, the vault attribute
// (`attributeCode`, "" when unset), anonymised per looksAnonymised(), raw as sent.
MagentoCustomerRecord customerRecord(const Customer &customer, const QString &attributeCode,
                                     const QDateTime &syncedAt = {});

} // namespace pb::magento
