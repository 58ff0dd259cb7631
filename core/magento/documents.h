#pragma once

#include "money/money.h"
#include "util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

// Magento sales documents other than the order (invoices, credit memos, comments, payment
// transactions), customers and store configuration, and the parsers for their REST bodies
// (docs/magento.md §2, §3, §7). Every field is optional: Magento leaves out fields without a
// value and sends null for some required ones (§2). Amounts are Money in the document's order currency
// (order_currency_code) and, for base_* fields, in base_currency_code; an amount whose currency
// code is missing is an error rather than a guess. Magento keeps 4 decimals (docs/magento.md §7):
// Money is rounded half-even to the minor unit and each finer amount keeps its exact text in
// exactAmounts, by Magento field name. Times are UTC (§5.2).
namespace pb::magento {

// A status-history entry of an order, or a comment on an invoice or credit memo.
struct Comment
{
    qint64 entityId = 0;
    qint64 parentId = 0;         // the order / invoice / credit memo entity id
    QString comment;
    QString status;              // order comments only
    bool customerNotified = false;
    bool visibleOnFront = false;
    QString entityName;          // "order", "invoice", "creditmemo", ... when Magento says so
    QDateTime createdAt;
};

// One line of an invoice or credit memo.
struct DocumentItem
{
    qint64 entityId = 0;
    qint64 orderItemId = 0;
    QString sku;
    QString name;
    QString qty;                 // decimal text as sent ("1", "0.5"); quantities can be fractional
    Money price;
    Money rowTotal;
    Money taxAmount;
    Money discountAmount;
    Money basePrice;
    Money baseRowTotal;
    QMap<QString, QString> exactAmounts; // "price" → "8.2645", only amounts finer than the currency
};

// The totals both documents share, in order currency and base currency.
struct DocumentTotals
{
    Currency currency;           // order_currency_code
    Currency baseCurrency;       // base_currency_code
    Money grandTotal;
    Money subtotal;
    Money taxAmount;
    Money shippingAmount;
    Money discountAmount;        // negative for a discount
    Money baseGrandTotal;
    Money baseSubtotal;
    Money baseTaxAmount;
    Money baseShippingAmount;
    Money baseDiscountAmount;
    // Document-level amounts finer than their currency ("grand_total" → "8.2645"), including
    // the invoice's base_total_refunded and the credit memo's adjustments.
    QMap<QString, QString> exactAmounts;
};

// sales-data-invoice-interface (§5.4). state: 1 open, 2 paid, 3 canceled.
struct Invoice
{
    qint64 entityId = 0;
    QString incrementId;
    qint64 orderId = 0;
    int state = 0;
    DocumentTotals totals;
    Money baseTotalRefunded;
    QString transactionId;       // set only when Magento captured online
    bool canVoid = false;
    QString totalQty;
    QDateTime createdAt;
    QDateTime updatedAt;
    QList<DocumentItem> items;
    QList<Comment> comments;
};

// sales-data-creditmemo-interface (§3.3). state: 1 open, 2 refunded, 3 canceled.
struct CreditMemo
{
    qint64 entityId = 0;
    QString incrementId;
    qint64 orderId = 0;
    std::optional<qint64> invoiceId;
    int state = 0;
    DocumentTotals totals;
    Money adjustment;
    Money adjustmentPositive;
    Money adjustmentNegative;
    QString transactionId;
    QDateTime createdAt;
    QDateTime updatedAt;
    QList<DocumentItem> items;
    QList<Comment> comments;
};

// sales-data-transaction-interface (§3.4): read-only rows a Magento payment module recorded.
struct PaymentTransaction
{
    qint64 transactionId = 0;    // Magento's own id
    std::optional<qint64> parentId;
    qint64 orderId = 0;
    qint64 paymentId = 0;
    QString txnId;               // the gateway's id
    QString parentTxnId;
    QString txnType;             // payment, order, authorization, capture, void, refund
    bool isClosed = false;
    QDateTime createdAt;
};

struct CustomerAddress
{
    qint64 id = 0;
    QString firstname;
    QString lastname;
    QStringList street;
    QString city;
    QString postcode;
    QString countryId;
    QString regionCode;
    QString region;              // region.region, the name ("New York")
    QString telephone;
    bool defaultBilling = false;
    bool defaultShipping = false;
};

// An address on an order. The billing address is the order's billing_address; the shipping
// address sits in extension_attributes.shipping_assignments[0].shipping.address (docs/magento.md
// §2), absent for virtual orders.
struct OrderAddress
{
    QString firstname;
    QString lastname;
    QString company;
    QString email;
    QString telephone;
    QStringList street;
    QString city;
    QString region;
    QString regionCode;
    QString postcode;
    QString countryId;
};

struct OrderAddresses
{
    std::optional<OrderAddress> billing;
    std::optional<OrderAddress> shipping;
};

struct Customer
{
    qint64 id = 0;
    std::optional<qint64> groupId;
    std::optional<qint64> storeId;
    std::optional<qint64> websiteId;
    QString email;
    QString firstname;
    QString lastname;
    QString createdIn;
    QString defaultBilling;      // address ids, strings in Magento's JSON (§3.6)
    QString defaultShipping;
    QDateTime createdAt;
    QDateTime updatedAt;
    QList<CustomerAddress> addresses;
    // custom_attributes[] as {attribute_code, value} pairs in the order sent. A value that is
    // not a string is kept as text (numbers in their shortest form, true/false as "1"/"0",
    // null as ""); entries without a code are skipped.
    QList<std::pair<QString, QString>> customAttributes;
    // The customer object as Magento sent it: the body of GET /V1/customers/:id, or the item's
    // compact JSON in a search. An update PUTs the whole customer, built from the latest raw.
    QByteArray raw;

    // The value of a custom attribute; nullopt when the customer does not carry it.
    std::optional<QString> customAttribute(const QString &code) const;
};

// One entry of GET /V1/store/storeConfigs (§3.7).
struct StoreConfig
{
    qint64 id = 0;
    QString code;
    std::optional<qint64> websiteId;
    QString locale;
    QString baseCurrencyCode;
    QString defaultDisplayCurrencyCode;
    QString timezone;            // IANA name, for showing UTC times locally
    QString baseUrl;
    QString secureBaseUrl;
};

// A search envelope {items, search_criteria, total_count}.
template<typename T>
struct SearchPage
{
    QList<T> items;
    qint64 totalCount = -1;      // -1 when absent
};

struct DocumentParser
{
    static Result<Comment> parseComment(const QJsonObject &o, const QString &path = {});
    static Result<Invoice> parseInvoice(const QJsonObject &o, const QString &path = {});
    static Result<CreditMemo> parseCreditMemo(const QJsonObject &o, const QString &path = {});
    static Result<PaymentTransaction> parseTransaction(const QJsonObject &o, const QString &path = {});
    static Result<Customer> parseCustomer(const QJsonObject &o, const QString &path = {});
    static Result<StoreConfig> parseStoreConfig(const QJsonObject &o, const QString &path = {});

    static Result<Invoice> parseInvoiceBody(const QByteArray &body);
    static Result<CreditMemo> parseCreditMemoBody(const QByteArray &body);
    static Result<PaymentTransaction> parseTransactionBody(const QByteArray &body);
    static Result<Customer> parseCustomerBody(const QByteArray &body);

    static Result<SearchPage<Comment>> parseCommentSearch(const QByteArray &body);
    static Result<SearchPage<Invoice>> parseInvoiceSearch(const QByteArray &body);
    static Result<SearchPage<CreditMemo>> parseCreditMemoSearch(const QByteArray &body);
    static Result<SearchPage<PaymentTransaction>> parseTransactionSearch(const QByteArray &body);
    static Result<SearchPage<Customer>> parseCustomerSearch(const QByteArray &body);
    // A bare JSON array of store configs.
    static Result<QList<StoreConfig>> parseStoreConfigs(const QByteArray &body);
    // The order's status_histories[] from an order object.
    static Result<QList<Comment>> parseStatusHistories(const QJsonObject &order);
    // The billing and shipping addresses of an order object; errors name the path.
    static Result<OrderAddresses> parseOrderAddresses(const QJsonObject &order);

    // Bare scalar answers: `true` (comments, hold, ...), an integer entity id (invoice and
    // refund), a string (order status).
    static Result<bool> parseBool(const QByteArray &body);
    static Result<qint64> parseEntityId(const QByteArray &body);
    static Result<QString> parseString(const QByteArray &body);
};

// The PayTrace transaction id on a Magento order.
//
// Magento has no REST route that sets payment.last_trans_id or creates a payment transaction
// (docs/magento.md §3); the invoice-order and refund-order calls do not take a
// transaction_id, and a partial POST /V1/orders can overwrite other order data. So PayBridge
// writes the id as a marker in a comment: an order status-history comment (not customer
// notified, not visible on the storefront) and the same marker in the comment of the invoice or
// credit memo it creates for that transaction. The marker is the exact text
//
//     PayTrace TXN <digits> (<kind>)            e.g. "PayTrace TXN 125391271 (capture)"
//
// with <kind> one of sale, authorization, capture, refund, void. It may stand anywhere in the
// comment. Because each PayTrace transaction id is unique, finding the marker for (id, kind)
// in the order's comments or in its invoices'/credit memos' comments tells the janitor that an
// in-doubt write did happen, so it must not be repeated.
struct TxnMarker
{
    enum class Kind { Sale, Authorization, Capture, Refund, Void };

    QString transactionId;
    Kind kind = Kind::Capture;

    // The marker text; empty when the id is not 1..20 digits (PayTrace ids are numeric).
    static QString format(const QString &transactionId, Kind kind);
    // Every well-formed marker in a comment, in order.
    static QList<TxnMarker> findAll(const QString &text);
    // Whether any comment carries the marker for this transaction and kind.
    static bool present(const QList<Comment> &comments, const QString &transactionId, Kind kind);
    static QString kindName(Kind kind);

    friend bool operator==(const TxnMarker &a, const TxnMarker &b)
    {
        return a.transactionId == b.transactionId && a.kind == b.kind;
    }
};

} // namespace pb::magento
