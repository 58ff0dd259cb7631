#pragma once

#include "magento/customers.h"
#include "magento/documents.h"
#include "magento/magentoclient.h"
#include "money/money.h"

#include <QObject>

#include <functional>
#include <optional>

namespace pb::magento {

// An order line and the quantity to invoice or refund. qty is decimal text ("1", "0.5") and is
// written to the wire as it is, like every amount PayBridge sends.
struct ItemQty
{
    qint64 orderItemId = 0;
    QString qty;
};

struct OrderCommentRequest
{
    QString comment;
    // Always sent (docs/magento.md §3: without it older 2.4.x set the status to NULL). Pass the
    // order's current status unless the comment is meant to change it.
    QString status;
    bool notifyCustomer = false;
    bool visibleOnFront = false;
};

// POST /V1/order/{id}/invoice. There is deliberately no capture flag: the body always says
// "capture": false. PayBridge captures at PayTrace itself; with capture true a PayTrace module
// on the store would capture the same money a second time (docs/magento.md §3). The invoice only
// records in Magento what PayTrace already did.
struct InvoiceRequest
{
    QList<ItemQty> items;       // empty: every invoiceable quantity
    bool notify = false;
    QString comment;            // empty: no comment; put the TxnMarker here
    bool commentVisibleOnFront = false;
};

// POST /V1/order/{id}/refund (always offline) and POST /V1/invoice/{id}/refund.
struct RefundRequest
{
    QList<ItemQty> items;       // empty: left out, Magento's default (every refundable quantity)
    // nullopt: left out, and Magento refunds the shipping still refundable; 0 keeps shipping.
    std::optional<Money> shippingAmount;
    std::optional<Money> adjustmentPositive; // extra refund
    std::optional<Money> adjustmentNegative; // fee kept back
    QList<qint64> returnToStockItems;        // order item ids
    bool notify = false;
    QString comment;
    bool commentVisibleOnFront = false;
};

// Typed Magento calls beyond order reads: comments, hold/unhold/cancel, invoices, credit
// memos, payment transactions, customers, store configuration. Each call ends in exactly one
// callback with a Reply; failures carry the error class (writes whose answer is lost are
// InDoubt, decided by MagentoClient). Same thread as the client; callbacks are dropped when
// `context` is destroyed.
class MagentoApi : public QObject
{
    Q_OBJECT
public:
    explicit MagentoApi(MagentoClient *client, QObject *parent = nullptr);

    MagentoClient *client() const { return m_client; }

    // POST /V1/orders/{id}/comments → true
    void addOrderComment(qint64 orderId, const OrderCommentRequest &request, QObject *context,
                         std::function<void(const Reply<bool> &)> callback);
    // GET /V1/orders/{id}/comments
    void listOrderComments(qint64 orderId, QObject *context,
                           std::function<void(const Reply<SearchPage<Comment>> &)> callback);
    // GET /V1/orders/{id}/statuses → the status code
    void orderStatus(qint64 orderId, QObject *context, std::function<void(const Reply<QString> &)> callback);
    // POST /V1/orders/{id}/hold | unhold | cancel → boolean
    void hold(qint64 orderId, QObject *context, std::function<void(const Reply<bool> &)> callback);
    void unhold(qint64 orderId, QObject *context, std::function<void(const Reply<bool> &)> callback);
    void cancel(qint64 orderId, QObject *context, std::function<void(const Reply<bool> &)> callback);

    void searchInvoices(const SearchCriteria &criteria, QObject *context,
                        std::function<void(const Reply<SearchPage<Invoice>> &)> callback);
    void getInvoice(qint64 invoiceId, QObject *context, std::function<void(const Reply<Invoice> &)> callback);
    // → the new invoice's entity id
    void createInvoice(qint64 orderId, const InvoiceRequest &request, QObject *context,
                       std::function<void(const Reply<qint64> &)> callback);

    // → the new credit memo's entity id. No gateway call is made.
    void refundOrderOffline(qint64 orderId, const RefundRequest &request, QObject *context,
                            std::function<void(const Reply<qint64> &)> callback);
    // isOnline true asks the store's payment module to refund at the gateway; PayBridge itself
    // refunds at PayTrace and must pass false (docs/magento.md §3).
    void refundInvoice(qint64 invoiceId, bool isOnline, const RefundRequest &request, QObject *context,
                       std::function<void(const Reply<qint64> &)> callback);
    void searchCreditMemos(const SearchCriteria &criteria, QObject *context,
                           std::function<void(const Reply<SearchPage<CreditMemo>> &)> callback);
    void getCreditMemo(qint64 creditMemoId, QObject *context,
                       std::function<void(const Reply<CreditMemo> &)> callback);

    void searchTransactions(const SearchCriteria &criteria, QObject *context,
                            std::function<void(const Reply<SearchPage<PaymentTransaction>> &)> callback);
    void getTransaction(qint64 transactionId, QObject *context,
                        std::function<void(const Reply<PaymentTransaction> &)> callback);

    void searchCustomers(const SearchCriteria &criteria, QObject *context,
                         std::function<void(const Reply<SearchPage<Customer>> &)> callback);
    void getCustomer(qint64 customerId, QObject *context, std::function<void(const Reply<Customer> &)> callback);
    // PUT /V1/customers/{id} with {"customer": customer} → the customer as saved. A PUT replaces
    // the customer: build `customer` with customerUpdateBody() from the latest read. Its "id"
    // must be `customerId` (Magento refuses a body without it since 2.2.2). ACL
    // Magento_Customer::manage.
    void updateCustomer(qint64 customerId, const QJsonObject &customer, QObject *context,
                        std::function<void(const Reply<Customer> &)> callback);
    // GET /V1/attributeMetadata/customer/attribute/{code} → whether customers have the attribute
    // (Magento drops custom attribute values whose code is not defined for customers). A 404
    // "No such entity" is false; every other failure stays a failure.
    void customerAttributeExists(const QString &attributeCode, QObject *context,
                                 std::function<void(const Reply<bool> &)> callback);

    // GET /V1/store/storeConfigs
    void storeConfigs(QObject *context, std::function<void(const Reply<QList<StoreConfig>> &)> callback);

    // The exact request bodies (compact JSON; amounts as JSON numbers written from the
    // decimal text of Money, never through a double). Errors for bad quantities, amounts in
    // mixed currencies or negative amounts.
    static Result<QByteArray> commentBody(qint64 orderId, const OrderCommentRequest &request);
    static Result<QByteArray> invoiceBody(const InvoiceRequest &request);
    static Result<QByteArray> refundBody(const RefundRequest &request, std::optional<bool> isOnline);
    // The customer object for updateCustomer: the latest read body (GET /V1/customers/{id}) with
    // `set` applied — names and e-mail on the customer; telephone and billing on the default
    // billing address (a new default billing address when there is none and billing is set);
    // the custom attribute `attributeCode` (or set.attributeCode) set, or cleared with "".
    // Keys Magento sets itself or refuses on a save are dropped: updated_at, confirmation,
    // extension_attributes (read-side values such as is_subscribed: resending an old one could
    // undo a change made since the read) and custom attributes whose value is null (Magento
    // answers "Value is not set for attribute code").
    static Result<QJsonObject> customerUpdateBody(const QByteArray &latestRaw, const CustomerChanges &set,
                                                  QString attributeCode = {});
    // Attribute codes PayBridge puts in a URL or a body: a letter, then letters, digits or _.
    static bool isValidAttributeCode(const QString &code);

private:
    template<typename T>
    void call(const QByteArray &method, const QString &path, const QueryItems &query, const QByteArray &body,
              net::Effect effect, QObject *context, Result<T> (*parse)(const QByteArray &),
              std::function<void(const Reply<T> &)> callback);
    template<typename T>
    void search(const QString &path, const SearchCriteria &criteria, QObject *context,
                Result<SearchPage<T>> (*parse)(const QByteArray &),
                std::function<void(const Reply<SearchPage<T>> &)> callback);

    MagentoClient *m_client;
};

} // namespace pb::magento
