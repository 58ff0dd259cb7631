#pragma once

#include "model/customer.h"
#include "money/money.h"
#include "paytrace/cardencryptor.h"
#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace pb::paytrace {

// Request bodies of the v1 write calls (docs/paytrace.md §3). Each body() validates and names the
// first bad field in the error (code "paytrace.request.<field>"); the client sends nothing when
// it fails. Amounts leave as decimal strings with exactly 2 digits and must be USD.

struct Address
{
    QString name, streetAddress, streetAddress2, city, county, state, zip, country;
    QJsonObject toJson(bool withCounty) const;
};

// Fields shared by every sale/authorization.
struct PaymentDetails
{
    Money amount;
    QString invoiceId;
    QString description;
    QString customerReferenceId;
    QString email;
    std::optional<Money> taxAmount;
};

struct CustomerPaymentRequest : PaymentDetails { QString customerId; };
struct TransactionPaymentRequest : PaymentDetails { QString transactionId; };
// Keyed with e2ee data only: there is no field for a plain number.
struct KeyedPaymentRequest : PaymentDetails
{
    EncryptedCard card;
    Address billing;
    std::optional<Address> shipping;
};
struct CaptureRequest { QString transactionId; std::optional<Money> amount; /* none: the full auth */ };
struct VoidRequest { QString transactionId; };
struct RefundRequest { QString transactionId; std::optional<Money> amount; /* none: what is left */ };
struct CustomerRefundRequest { QString customerId; Money amount; QString invoiceId; QString description; };
struct CustomerCreateRequest
{
    QString customerId;
    EncryptedCard card;
    Address billing;
    std::optional<Address> shipping;
    QString email, phone;
};
struct CustomerFromTransactionRequest { QString customerId; QString transactionId; std::optional<Address> billing; QString email; };
struct CustomerUpdateRequest
{
    QString customerId;
    QString newId;                     // empty: keep
    std::optional<EncryptedCard> card; // replaces the vaulted card
    std::optional<Address> billing, shipping;
    std::optional<QString> email, phone;
};
struct CustomerDeleteRequest { QString customerId; };
struct EmailReceiptRequest { QString transactionId; QString email; };

// Level 3 (docs/paytrace.md §3; units UNCERTAIN: sent as dollar decimal strings like every amount).
struct LevelThreeLine
{
    QString productId, description, commodityCode, unitOfMeasure;
    QString quantity;               // decimal text, e.g. "2" or "1.5"
    Money unitCost;
    Money amount;
    std::optional<Money> taxAmount, discountAmount;
    bool credit = false;            // debit_or_credit "C" (else "D")
};
struct LevelThreeRequest
{
    QString transactionId;
    QString invoiceId, customerReferenceId, merchantTaxId, customerTaxId, commodityCode;
    std::optional<Money> taxAmount, nationalTaxAmount, discountAmount, freightAmount, dutyAmount;
    QString sourceZip;
    std::optional<Address> shipping;
    QList<LevelThreeLine> lineItems;
};

namespace requests {
// "12.30" for USD Money; errors name `field` (invalid, not USD, negative, zero when !allowZero).
Result<QString> amountText(const Money &amount, const QString &field, bool allowZero = false);
Result<QJsonObject> body(const CustomerPaymentRequest &r);
Result<QJsonObject> body(const TransactionPaymentRequest &r);
Result<QJsonObject> body(const KeyedPaymentRequest &r);
Result<QJsonObject> body(const CaptureRequest &r);
Result<QJsonObject> body(const VoidRequest &r);
Result<QJsonObject> body(const RefundRequest &r);
Result<QJsonObject> body(const CustomerRefundRequest &r);
Result<QJsonObject> body(const CustomerCreateRequest &r);
Result<QJsonObject> body(const CustomerFromTransactionRequest &r);
Result<QJsonObject> body(const CustomerUpdateRequest &r);
Result<QJsonObject> body(const CustomerDeleteRequest &r);
Result<QJsonObject> body(const EmailReceiptRequest &r);
Result<QJsonObject> body(const LevelThreeRequest &r);
} // namespace requests

// One entry of /v1/batches/export or export_one. The JSON names are UNCERTAIN (§2.4), so the
// parser accepts the legacy names in snake/camel/upper case (see batchparser in requests.cpp).
struct BatchSummary
{
    QString number;
    QDateTime closedAt;                 // UTC, invalid when absent or unreadable
    QString closedAtText;
    std::optional<qint64> transactionCount, salesCount, refundCount;
    std::optional<Money> netAmount, salesAmount, refundAmount;
    QJsonObject raw;
    static Result<BatchSummary> fromJson(const QJsonObject &object, const QString &path);
};

// /v1/customer/export entries (Parser::parseCustomerProfile). Never a card number: the export
// sends the card masked, and only its type, last four and expiry are kept.
struct CustomerProfile
{
    QString customerId;
    QString maskedNumber;
    QString cardType;       // Parser::vaultCardType of the masked number; "" when not visible
    QString cardLast4;
    int expirationMonth = 0; // 1..12, 0 when absent
    int expirationYear = 0;  // four digits (PayTrace sends two), 0 when absent
    Address billing;         // billing_address (no county)
    QString billingName;     // billing.name, kept for existing callers
    QString email;
    QString phone;
    QJsonObject raw;

    // The record the store keeps (table vault_profiles); times are left for the store to set.
    VaultProfileRecord toVaultRecord() const;
};

} // namespace pb::paytrace
