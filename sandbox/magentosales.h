#pragma once

// The Magento store's sales model behind the write routes: the order state/status model and its
// transitions (docs/magento.md §5, Order::can* and StateResolver), invoices, credit memos, payment
// transactions, customers, and the ledger of documents created through the API. Not
// thread-safe; MagentoSimulator serialises access.

#include "datamodel.h"
#include "searchcriteria.h"

#include <QHash>
#include <QStringList>

#include <optional>
#include <vector>

namespace pb::sandbox {

// ---- state and status (docs/magento.md §5) ------------------------------------------------------

namespace magentostate {
// Statuses the store's admin created (Stores > Order Status) and assigned to a state, as real
// stores have; never a state's default. Magento's REST API has no route listing them.
struct CustomStatus
{
    QStringView status;
    QStringView state;
    QStringView label;
};
inline constexpr CustomStatus kCustomStatuses[] = {
    {u"payment_received", u"processing", u"Payment Received"},
    {u"ready_to_ship", u"processing", u"Ready to Ship"},
    {u"awaiting_payment", u"pending_payment", u"Awaiting Payment"},
};
// The statuses of a state: the installed ones (the first is the state's default status), then
// the custom ones assigned to it. Empty when the state is unknown.
QStringList statusesOf(QStringView state);
QString defaultStatus(QStringView state);
qint64 qtyToInvoice(const MagentoOrderItem &item);
qint64 qtyToShip(const MagentoOrderItem &item);
bool canHold(const MagentoOrder &o);
bool canUnhold(const MagentoOrder &o);
bool canCancel(const MagentoOrder &o);
bool isStateReadyForInvoice(const MagentoOrder &o);
bool canInvoice(const MagentoOrder &o);
bool canShip(const MagentoOrder &o);
bool canCreditmemo(const MagentoOrder &o);
// StateResolver::getStateForOrder: the state after an operation (inProgress: an invoice or a
// shipment was just registered).
QString resolveState(const MagentoOrder &o, bool inProgress);
} // namespace magentostate

// Payment method codes whose Magento module talks to a gateway (capture/refund/void online).
bool isOnlineMethod(const QString &method);

// ---- operation inputs (already validated for shape and type) ---------------------------------

struct MagentoItemQty
{
    qint64 orderItemId = 0;
    qint64 qty = 0;
};

struct MagentoCommentInput
{
    QString comment;
    int isVisibleOnFront = 0;
};

struct MagentoInvoiceRequest
{
    bool capture = false;
    std::optional<QList<MagentoItemQty>> items; // nullopt: everything left to invoice
    bool notify = false;
    bool appendComment = false;
    std::optional<MagentoCommentInput> comment;
};

struct MagentoRefundRequest
{
    std::optional<QList<MagentoItemQty>> items; // nullopt: everything left to refund
    bool notify = false;
    bool appendComment = false;
    std::optional<MagentoCommentInput> comment;
    // Base currency minor units, as Magento reads the credit memo arguments.
    std::optional<qint64> shippingAmount;
    qint64 adjustmentPositive = 0;
    qint64 adjustmentNegative = 0;
    QList<qint64> returnToStockItems;
    bool isOnline = false;      // invoice refunds only
};

struct MagentoStatusHistoryInput
{
    QString comment;
    int isCustomerNotified = 0;
    int isVisibleOnFront = 0;
    qint64 parentId = 0;
    QString status;             // empty: keep the order's status
};

// ---- search over the document tables ----------------------------------------------------------

// A column value for filters and sort orders: numbers in millionths, times in UTC seconds.
struct MagentoColumn
{
    enum Kind { Null, Number, Text, Time } kind = Null;
    qint64 number = 0;
    QString text;
};

// ---- the book ---------------------------------------------------------------------------------

class MagentoSales
{
public:
    // Documents the generated history implies: an invoice per invoiced order, a credit memo per
    // refunded order, transactions the PayTrace module recorded (read from its history comments),
    // one customer per registered customer id.
    void seed(const std::vector<MagentoOrder> &orders);

    // Each operation validates like Magento, changes the order and the book, records one
    // document in the ledger and returns nullopt; or returns the error and changes nothing.
    std::optional<MagentoError> invoice(MagentoOrder &o, const MagentoInvoiceRequest &request, qint64 now, qint64 *entityId);
    // invoice == nullptr: POST /V1/order/:id/refund (always offline).
    std::optional<MagentoError> refund(MagentoOrder &o, const MagentoInvoice *invoice, const MagentoRefundRequest &request,
                                       qint64 now, qint64 *entityId);
    std::optional<MagentoError> hold(MagentoOrder &o, qint64 now);
    std::optional<MagentoError> unhold(MagentoOrder &o, qint64 now);
    // false (and no change) when the order cannot be canceled, as OrderManagement::cancel.
    bool cancel(MagentoOrder &o, qint64 now);
    void addComment(MagentoOrder &o, const MagentoStatusHistoryInput &input, qint64 now);

    const std::vector<MagentoInvoice> &invoices() const { return m_invoices; }
    const std::vector<MagentoCreditmemo> &creditmemos() const { return m_creditmemos; }
    const std::vector<MagentoTransaction> &transactions() const { return m_transactions; }
    const std::vector<MagentoCustomer> &customers() const { return m_customers; }
    const QList<MagentoDocument> &documents() const { return m_documents; }
    const MagentoInvoice *findInvoice(qint64 id) const;
    const MagentoCreditmemo *findCreditmemo(qint64 id) const;
    const MagentoTransaction *findTransaction(qint64 id) const;
    const MagentoCustomer *findCustomer(qint64 id) const;

    // Customer attributes the store defines besides the system ones (user-defined EAV
    // attributes). Values of other codes are dropped when a customer is saved, as Magento does.
    bool customerAttributeDefined(const QString &code) const { return m_customerAttributes.contains(code); }
    void defineCustomerAttribute(const QString &code);
    const QStringList &customerAttributeCodes() const { return m_customerAttributes; }
    void undefineCustomerAttribute(const QString &code); // drops the values too
    // Seeded values (the generated vault links): no updated_at change.
    void seedCustomerAttribute(qint64 customerId, const QString &code, const QString &value);
    // CustomerRepository::save of an existing customer: validates like Magento (required
    // fields, e-mail format, e-mail unique per website), drops undefined custom attributes,
    // numbers new addresses, keeps created_at and sets updated_at = now. On success *saved is
    // the stored customer.
    std::optional<MagentoError> saveCustomer(MagentoCustomer customer, qint64 now, MagentoCustomer *saved);
    // Stores a customer as given (admin edits for tests; no validation), updated_at = now.
    bool putCustomer(const MagentoCustomer &customer, qint64 now);
    bool deleteCustomer(qint64 id);

    // Column lookup for searchCriteria; false when the table has no such column.
    static bool invoiceColumn(const MagentoInvoice &v, const QString &field, MagentoColumn *out);
    static bool creditmemoColumn(const MagentoCreditmemo &v, const QString &field, MagentoColumn *out);
    static bool transactionColumn(const MagentoTransaction &v, const QString &field, MagentoColumn *out);
    static bool customerColumn(const MagentoCustomer &v, const QString &field, MagentoColumn *out);

private:
    void record(MagentoDocument d);
    void addHistory(MagentoOrder &o, const QString &comment, int notify, qint64 now);
    qint64 addTransaction(const MagentoOrder &o, const QString &txnId, const QString &type, const QString &parentTxnId,
                          int isClosed, qint64 at);
    MagentoTransaction *transactionByTxnId(qint64 orderId, const QString &txnId);

    std::vector<MagentoInvoice> m_invoices;
    std::vector<MagentoCreditmemo> m_creditmemos;
    std::vector<MagentoTransaction> m_transactions;
    std::vector<MagentoCustomer> m_customers;
    QHash<qint64, int> m_invoiceIndex;
    QHash<qint64, int> m_creditmemoIndex;
    QHash<qint64, int> m_customerIndex;
    QStringList m_customerAttributes{QStringLiteral("paytrace_customer_id")};
    qint64 m_nextAddressId = 1;
    QList<MagentoDocument> m_documents;
    qint64 m_nextHistoryId = 1;
    qint64 m_nextCommentId = 1;
    qint64 m_nextDocItemId = 1;
};

// Generic searchCriteria evaluation over one document table (same rules as the orders search:
// groups AND'ed, filters OR'ed, unknown columns answer the masked 500, page past the end
// repeats the last page).
template <typename T>
using MagentoColumnFn = bool (*)(const T &, const QString &, MagentoColumn *);
bool magentoMatchesColumn(const MagentoColumn &value, const SearchFilter &filter);
int magentoCompareColumns(const MagentoColumn &a, const MagentoColumn &b);
MagentoError magentoMaskedError();

template <typename T>
bool magentoSearch(const std::vector<T> &rows, MagentoColumnFn<T> column, const SearchCriteria &criteria,
                   bool inputLimits, std::vector<int> *page, qint64 *totalCount, MagentoError *error);

} // namespace pb::sandbox

#include "magentosales_impl.h"
