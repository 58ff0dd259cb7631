#pragma once

// The simulated world: Magento orders and PayTrace transactions, batches and money movements.
// Every amount is an int64 count of minor units of its currency (cents for USD); times are UTC
// seconds since the epoch. These structs are what the simulators serve and what tests compare
// against what the client received.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <utility>

namespace pb::sandbox {

// ---- Magento ---------------------------------------------------------------------------------

struct MagentoAddress
{
    qint64 entityId = 0;
    qint64 parentId = 0;      // order entity_id
    QString addressType;      // "billing" | "shipping"
    QString firstname;
    QString lastname;
    QString company;          // empty: omitted
    QStringList street;
    QString city;
    QString region;
    QString regionCode;
    int regionId = 0;         // 0: omitted (countries without region ids)
    QString postcode;
    QString countryId;
    QString telephone;
    QString email;
};

struct MagentoOrderItem
{
    qint64 itemId = 0;
    qint64 productId = 0;
    QString sku;
    QString name;
    QString productType = QStringLiteral("simple");
    bool isVirtual = false;
    qint64 parentItemId = 0;  // child row of a configurable or bundle line (0: none)
    QByteArray productOption; // exact JSON of product_option; empty: omitted
    qint64 weightGrams = 0;
    // Quantities are whole units here (Magento prints them as JSON numbers).
    qint64 qtyOrdered = 1;
    qint64 qtyInvoiced = 0;
    qint64 qtyShipped = 0;
    qint64 qtyRefunded = 0;
    qint64 qtyCanceled = 0;
    // Order currency minor units, then base currency.
    qint64 price = 0;
    qint64 basePrice = 0;
    qint64 originalPrice = 0;
    qint64 rowTotal = 0;
    qint64 baseRowTotal = 0;
    qint64 taxAmount = 0;
    qint64 baseTaxAmount = 0;
    qint64 taxPercentBp = 0;  // basis points: 825 = 8.25 %
    qint64 discountAmount = 0; // positive on items, as Magento prints it
    qint64 baseDiscountAmount = 0;
    qint64 discountPercentBp = 0;
    qint64 priceInclTax = 0;
    qint64 rowTotalInclTax = 0;
    qint64 amountRefunded = 0;
};

struct MagentoStatusHistory
{
    qint64 entityId = 0;
    qint64 parentId = 0;
    QString comment;          // empty: JSON null (a bare status change)
    QString status;
    QString entityName = QStringLiteral("order");
    qint64 createdAt = 0;
    int isCustomerNotified = 0;
    int isVisibleOnFront = 0;
};

struct MagentoPayment
{
    qint64 entityId = 0;
    qint64 parentId = 0;
    QString method;           // "paytrace", "checkmo", "banktransfer"
    qint64 amountOrdered = 0;
    qint64 baseAmountOrdered = 0;
    qint64 shippingAmount = 0;
    qint64 baseShippingAmount = 0;
    std::optional<qint64> amountAuthorized;
    std::optional<qint64> baseAmountAuthorized;
    std::optional<qint64> amountPaid;
    std::optional<qint64> baseAmountPaid;
    std::optional<qint64> amountRefunded;
    std::optional<qint64> baseAmountRefunded;
    std::optional<qint64> amountCanceled;
    QString lastTransId;      // empty: omitted; else the PayTrace transaction id as a string
    QString ccLast4;          // empty: JSON null (offline methods)
    QString ccType;           // "VI", "MC", "AE", "DI"; empty: omitted
    QString ccOwner;
    int ccExpMonth = 0;       // 0: omitted
    int ccExpYear = 0;
    QStringList additionalInformation;
};

struct MagentoOrder
{
    qint64 entityId = 0;
    QString incrementId;
    QString state;
    QString status;
    QString holdBeforeState;  // holded orders only
    QString holdBeforeStatus;
    qint64 storeId = 1;
    qint64 quoteId = 0;
    QString protectCode;

    QString orderCurrencyCode;
    QString baseCurrencyCode;
    // Scale of the stored amounts: the currency's decimals, or more (Magento keeps decimal(20,4):
    // 4 for 4-decimal item prices, 2 for a JPY order with fractional yen). JSON drops trailing zeros.
    int exponent = 2;         // order currency amounts
    int baseExponent = 2;     // base currency amounts
    bool decimalText = false; // amounts served as 4-decimal strings ("21.5000"), as some stores do
    qint64 baseToOrderRateE4 = 10000; // 1.3642 -> 13642

    // Order currency.
    qint64 subtotal = 0;
    qint64 taxAmount = 0;
    qint64 shippingAmount = 0;
    qint64 discountAmount = 0; // zero or negative
    qint64 grandTotal = 0;
    std::optional<qint64> totalPaid;
    std::optional<qint64> totalInvoiced;
    std::optional<qint64> totalRefunded;
    std::optional<qint64> totalOfflineRefunded;
    std::optional<qint64> totalOnlineRefunded;
    std::optional<qint64> totalCanceled;
    qint64 totalDue = 0;
    // Base currency.
    qint64 baseSubtotal = 0;
    qint64 baseTaxAmount = 0;
    qint64 baseShippingAmount = 0;
    qint64 baseDiscountAmount = 0;
    qint64 baseGrandTotal = 0;
    std::optional<qint64> baseTotalPaid;
    std::optional<qint64> baseTotalInvoiced;
    std::optional<qint64> baseTotalRefunded;
    std::optional<qint64> baseTotalCanceled;
    qint64 baseTotalDue = 0;

    QString customerEmail;
    QString customerFirstname;
    QString customerLastname;
    qint64 customerId = 0;    // 0: guest (customer_id omitted, customer_is_guest 1)
    qint64 customerGroupId = 0;
    bool customerIsGuest() const { return customerId == 0; }

    qint64 createdAt = 0;
    qint64 updatedAt = 0;

    QString remoteIp;
    QString shippingMethod;       // "flatrate_flatrate"
    QString shippingDescription;  // "Flat Rate - Fixed"
    qint64 totalQtyOrdered = 0;
    qint64 weightGrams = 0;
    bool emailSent = true;

    QList<MagentoOrderItem> items;
    MagentoAddress billingAddress;
    MagentoAddress shippingAddress;
    MagentoPayment payment;
    QList<MagentoStatusHistory> statusHistories; // newest first
    // Top-level fields replaced in every body that carries the order: key, exact JSON value text
    // (admin order-overrides; tests stage values the generator never makes).
    QList<std::pair<QByteArray, QByteArray>> fieldOverrides;
};

// Sales documents of the Magento store (docs/magento.md §3, §5). Amounts in the order's
// currency minor units, with the base-currency twin where Magento prints one.
struct MagentoDocItem
{
    qint64 entityId = 0;
    qint64 orderItemId = 0;
    qint64 productId = 0;
    QString sku;
    QString name;
    qint64 qty = 0;
    qint64 price = 0;
    qint64 basePrice = 0;
    qint64 rowTotal = 0;
    qint64 baseRowTotal = 0;
    qint64 taxAmount = 0;
    qint64 baseTaxAmount = 0;
    qint64 discountAmount = 0; // positive, as on order items
    qint64 baseDiscountAmount = 0;
    qint64 priceInclTax = 0;
    qint64 rowTotalInclTax = 0;
};

struct MagentoDocComment
{
    qint64 entityId = 0;
    qint64 parentId = 0;
    QString comment;
    qint64 createdAt = 0;
    int isCustomerNotified = 0;
    int isVisibleOnFront = 0;
};

struct MagentoDocTotals
{
    QString orderCurrencyCode;
    QString baseCurrencyCode;
    int exponent = 2;
    int baseExponent = 2;
    qint64 baseToOrderRateE4 = 10000;
    qint64 storeId = 1;
    qint64 billingAddressId = 0;
    qint64 shippingAddressId = 0; // 0: virtual order
    qint64 subtotal = 0;
    qint64 baseSubtotal = 0;
    qint64 taxAmount = 0;
    qint64 baseTaxAmount = 0;
    qint64 shippingAmount = 0;
    qint64 baseShippingAmount = 0;
    qint64 discountAmount = 0; // zero or negative, as on the order
    qint64 baseDiscountAmount = 0;
    qint64 grandTotal = 0;
    qint64 baseGrandTotal = 0;
};

struct MagentoInvoice
{
    qint64 entityId = 0;
    QString incrementId;
    qint64 orderId = 0;
    int state = 2;            // 1 open, 2 paid, 3 canceled
    MagentoDocTotals totals;
    qint64 totalQty = 0;
    QString transactionId;    // set when captured online
    qint64 baseTotalRefunded = 0;
    qint64 totalRefunded = 0; // order currency twin (not printed by Magento; used for limits)
    bool emailSent = false;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    QList<MagentoDocItem> items;
    QList<MagentoDocComment> comments;
};

struct MagentoCreditmemo
{
    qint64 entityId = 0;
    QString incrementId;
    qint64 orderId = 0;
    qint64 invoiceId = 0;     // 0: refunded against the order
    int state = 2;            // 1 open, 2 refunded, 3 canceled
    MagentoDocTotals totals;
    qint64 adjustmentPositive = 0;
    qint64 adjustmentNegative = 0;
    qint64 baseAdjustmentPositive = 0;
    qint64 baseAdjustmentNegative = 0;
    bool online = false;
    QString transactionId;
    QList<qint64> returnToStockItems;
    bool emailSent = false;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    QList<MagentoDocItem> items;
    QList<MagentoDocComment> comments;
};

// sales_payment_transaction rows, written only by a Magento payment module.
struct MagentoTransaction
{
    qint64 transactionId = 0;
    qint64 parentId = 0;      // 0: none
    qint64 orderId = 0;
    qint64 paymentId = 0;
    QString txnId;
    QString parentTxnId;
    QString txnType;          // payment, order, authorization, capture, void, refund
    int isClosed = 0;
    qint64 createdAt = 0;
};

struct MagentoCustomer
{
    qint64 id = 0;
    qint64 groupId = 1;
    qint64 websiteId = 1;
    qint64 storeId = 1;
    QString email;
    QString firstname;
    QString lastname;
    // Optional scalar fields of CustomerInterface a PUT may carry (omitted when empty).
    QString middlename;
    QString prefix;
    QString suffix;
    QString dob;
    QString taxvat;
    int gender = -1;          // -1: omitted
    int disableAutoGroupChange = 0;
    QString createdIn = QStringLiteral("Default Store View");
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    // Addresses (entityId = address id, parentId = customer id); default billing/shipping are
    // address ids, 0 for none (printed as strings, as Magento does).
    QList<MagentoAddress> addresses;
    qint64 defaultBilling = 0;
    qint64 defaultShipping = 0;
    // custom_attributes: (attribute_code, value) for attributes the store defines only.
    QList<std::pair<QString, QString>> customAttributes;
    QString customAttribute(const QString &code) const
    {
        for (const auto &[c, v] : customAttributes) {
            if (c == code)
                return v;
        }
        return {};
    }
};

// One document the simulated store created because of an API call (the admin ledger).
struct MagentoDocument
{
    qint64 sequence = 0;
    qint64 at = 0;
    QString kind;             // invoice, creditmemo, comment, hold, unhold, cancel
    qint64 orderId = 0;
    QString orderIncrementId;
    qint64 entityId = 0;      // invoice / credit memo / status history id; 0 for hold, unhold, cancel
    qint64 amount = 0;        // order currency minor units (invoices and credit memos)
    QString currency;
    int exponent = 2;
    bool captureRequested = false;     // invoice: "capture": true was sent
    bool capturedOnlineByMagento = false; // invoice: the store's payment module captured at the gateway
    bool refundedOnline = false;       // credit memo: the store's payment module refunded at the gateway
    bool voidedOnlineByMagento = false; // cancel: the payment module voided the authorization
    QString stateAfter;
    QString statusAfter;
    QString comment;
};

// ---- PayTrace --------------------------------------------------------------------------------

struct PayTraceAddress
{
    QString name;
    QString streetAddress;
    QString streetAddress2;
    QString city;
    QString county;
    QString state;
    QString zip;
    QString country;
};

struct PayTraceCard
{
    QString brand;   // "VISA", "MASTERCARD", "AMEX", "DISCOVER"
    QString bin;     // first six digits (shown only with include_bin)
    QString last4;
    int expirationMonth = 0;
    int expirationYear = 0; // four digits inside; exports print two
    // "************5454" (Amex: 11 stars); with the BIN: "401200******5454".
    QString maskedNumber(bool includeBin = false) const;
};

enum class PayTraceKind { Sale, Authorization, Refund };

// One transaction as PayTrace keeps it. The export's transaction_type, status_code and
// status_message are derived from this state (see paytracestate.h).
struct PayTraceTransaction
{
    qint64 id = 0;
    PayTraceKind kind = PayTraceKind::Sale;
    bool approved = true;
    qint64 amount = 0;           // cents: sale amount, authorized amount, or refund amount
    std::optional<qint64> capturedAmount; // authorizations only, once captured
    qint64 capturedAt = 0;
    qint64 refundedAmount = 0;   // sum of approved refunds that name this transaction
    qint64 parentId = 0;         // refunds: the transaction refunded (0: keyed refund)
    bool voided = false;
    qint64 voidedAt = 0;

    QString invoiceId;
    QString description;
    QString customerId;          // vault customer id, "" when none
    QString customerReferenceId;
    QString receiptEmailedTo;
    qint64 taxAmount = 0;
    PayTraceCard card;
    PayTraceAddress billing;
    PayTraceAddress shipping;

    QString approvalCode;
    QString approvalMessage;
    QString avsResponse;
    QString cscResponse;

    qint64 createdAt = 0;
    QString createdBy;
    QString createdThrough = QStringLiteral("API");
    QString fromIp;

    qint64 settledAt = 0;        // 0: not settled
    qint64 batchNumber = 0;

    // Amount that goes into a batch when it settles (0 when nothing settles).
    qint64 settlementAmount() const;
    // Waiting for the next batch close.
    bool pendingSettlement() const;
};

struct PayTraceBatch
{
    qint64 number = 0;
    qint64 closedAt = 0;
    QList<qint64> transactionIds;
    qint64 salesCount = 0;
    qint64 salesAmount = 0;
    qint64 refundCount = 0;
    qint64 refundAmount = 0;
    qint64 netAmount() const { return salesAmount - refundAmount; }
};

struct PayTraceCustomer
{
    QString customerId;
    PayTraceCard card;
    PayTraceAddress billing;
    PayTraceAddress shipping;
    QString email;
    QString phone;
    qint64 createdAt = 0;
};

// One movement of money (or of a promise of money) at PayTrace caused through the API.
struct LedgerEntry
{
    qint64 sequence = 0;
    qint64 at = 0;
    QString operation;           // sale, authorization, capture, void, refund, settlement, declined
    qint64 transactionId = 0;
    qint64 amount = 0;           // cents, positive
    QString invoiceId;
    qint64 batchNumber = 0;
};

} // namespace pb::sandbox
