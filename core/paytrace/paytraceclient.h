#pragma once

#include "model/transaction.h"
#include "net/httptypes.h"
#include "paytrace/outcome.h"
#include "paytrace/parser.h"
#include "paytrace/requests.h"

#include <QDate>
#include <QJsonObject>
#include <QObject>
#include <QUrl>

#include <functional>

namespace pb::net {
class HttpTransport;
class ReadGate;
}

namespace pb::paytrace {

class TokenManager;
struct ExportRun;

struct PayTraceConfig
{
    QUrl baseUrl;          // https://api.paytrace.com, or a loopback sandbox (may carry a path prefix)
    QString username;      // API user
    QString password;      // never logged
    QString integratorId;  // sent as "integrator_id" in every v1 JSON body when set
    int timeoutMs = 60000; // PayTrace sandbox calls take up to ~20 s (docs/paytrace.md §4.7)
};

// Optional filters of /v1/transactions/export/by_date_range (docs/paytrace.md §2.4).
struct ExportFilters
{
    QString transactionType; // SALE, AUTHORIZATION, STR/FWD, REFUND, VOID, SETTLED, PENDING, DECLINED
    QString customerId;
    QString includingText;
    QString transactionId;
    bool includeBin = false;
};

// The export of one calendar day (Pacific, as PayTrace dates are).
struct ExportDay
{
    QDate day;
    Outcome outcome;
    QList<GatewayTransaction> transactions; // empty unless outcome.ok()
    QList<RejectedRecord> rejected;         // records of the day that did not read
};

// Asynchronous PayTrace v1 client on a shared HttpTransport (same thread). Every call ends in
// one Outcome. A 401 or invalid_token answer leads to one new token and one repeat.
class PayTraceClient : public QObject
{
    Q_OBJECT
public:
    using OutcomeCallback = std::function<void(const Outcome &)>;
    using TransactionsCallback = std::function<void(const Outcome &, const QList<GatewayTransaction> &)>;

    PayTraceClient(net::HttpTransport *transport, PayTraceConfig config, QObject *parent = nullptr);

    TokenManager *tokens() const { return m_tokens; }
    // Transaction exports by date and the batch reads pass this gate (rate limit, retries);
    // without one each is sent once. Not owned; it must outlive the calls.
    void setReadGate(net::ReadGate *gate) { m_readGate = gate; }
    const PayTraceConfig &config() const { return m_config; }

    // POST /v1/ping, no token.
    void ping(QObject *context, OutcomeCallback callback);

    // One request per day from `from` to `to` inclusive, in order, with MM/DD/YYYY dates.
    // `perDay` gets each day's records; `done` gets Approved after the last day, or the first
    // failing day's outcome (later days are then not requested). At most 366 days.
    void exportTransactionsByDateRange(QDate from, QDate to, const ExportFilters &filters,
                                       QObject *context, std::function<void(const ExportDay &)> perDay,
                                       OutcomeCallback done);
    // POST /v1/transactions/export/by_id.
    void exportById(const QString &transactionId, QObject *context, TransactionsCallback callback);
    // The same through the read gate, keeping a record that does not read (the quarantine's
    // retry: docs/quarantine.md).
    void exportByIdLenient(const QString &transactionId, QObject *context,
                           std::function<void(const Outcome &, const Parser::TransactionList &)> callback);

    // ---- card transactions (docs/paytrace.md §2.1). Each validates its request first: on invalid
    // input the callback gets ValidationError (error names the field) and nothing is sent.
    void saleByCustomer(const CustomerPaymentRequest &request, QObject *context, OutcomeCallback callback);
    void authorizationByCustomer(const CustomerPaymentRequest &request, QObject *context, OutcomeCallback callback);
    void saleByTransaction(const TransactionPaymentRequest &request, QObject *context, OutcomeCallback callback);
    void authorizationByTransaction(const TransactionPaymentRequest &request, QObject *context, OutcomeCallback callback);
    // e2ee only: credit_card.encrypted_number and top-level encrypted_csc (CardEncryptor).
    void saleKeyed(const KeyedPaymentRequest &request, QObject *context, OutcomeCallback callback);
    void authorizationKeyed(const KeyedPaymentRequest &request, QObject *context, OutcomeCallback callback);
    // Without amount: the full authorization; with: a partial capture. Echoes the auth's id.
    void capture(const CaptureRequest &request, QObject *context, OutcomeCallback callback);
    // NotVoidableUseRefund (818) once the transaction settled.
    void voidTransaction(const VoidRequest &request, QObject *context, OutcomeCallback callback);
    // NotRefundableUseVoid (817) before settlement; response.transactionId is the new refund.
    void refundForTransaction(const RefundRequest &request, QObject *context, OutcomeCallback callback);
    void refundToCustomer(const CustomerRefundRequest &request, QObject *context, OutcomeCallback callback);
    void emailReceipt(const EmailReceiptRequest &request, QObject *context, OutcomeCallback callback);
    void levelThreeVisa(const LevelThreeRequest &request, QObject *context, OutcomeCallback callback);
    void levelThreeMastercard(const LevelThreeRequest &request, QObject *context, OutcomeCallback callback);

    // ---- customer vault (§2.3) ----
    void createCustomer(const CustomerCreateRequest &request, QObject *context, OutcomeCallback callback);
    void createCustomerFromTransaction(const CustomerFromTransactionRequest &request, QObject *context,
                                       OutcomeCallback callback);
    void updateCustomer(const CustomerUpdateRequest &request, QObject *context, OutcomeCallback callback);
    void deleteCustomer(const CustomerDeleteRequest &request, QObject *context, OutcomeCallback callback);
    // Empty id: every profile.
    void exportCustomers(const QString &customerId, QObject *context,
                         std::function<void(const Outcome &, const QList<CustomerProfile> &)> callback);

    // ---- batches (§2.4, §6) ----
    // One request per day (MM/DD/YYYY, like the transaction export); all batches in order. A
    // batch record that does not read is left out and announced by rejected().
    void exportBatches(QDate from, QDate to, QObject *context,
                       std::function<void(const Outcome &, const QList<BatchSummary> &)> callback);
    // Empty number: the latest batch (nullopt summary when PayTrace has none).
    void exportBatch(const QString &batchNumber, QObject *context,
                     std::function<void(const Outcome &, const std::optional<BatchSummary> &)> callback);
    void batchTransactions(const QString &batchNumber, QObject *context, TransactionsCallback callback);

    // Any v1 JSON call: adds integrator_id, the bearer token and handles the one re-auth.
    // `effect` Write marks calls that move money or change data (in-doubt rules).
    void call(const QString &path, QJsonObject body, net::Effect effect, QObject *context,
              OutcomeCallback callback);

Q_SIGNALS:
    // Records of a list answer that did not read (docs/quarantine.md); the rest was used.
    void rejected(const QList<pb::RejectedRecord> &records);

private:
    void send(const QString &path, const QJsonObject &body, net::Effect effect, QObject *context,
              OutcomeCallback callback, bool reauthorised);
    void exportNextDay(ExportRun *run);
    // An idempotent read through the read gate. `check` may turn an approved answer into a
    // failure (a body that does not hold what it must) before the gate decides on a retry;
    // `callback` gets the final outcome once.
    void read(const QString &path, const QJsonObject &body, QObject *context,
              std::function<void(Outcome &)> check, OutcomeCallback callback);
    // Validated write: refuses (ValidationError, nothing sent) when `body` failed.
    void write(const QString &path, const Result<QJsonObject> &body, QObject *context, OutcomeCallback callback);
    void exportBatchDays(QDate day, QDate to, QList<BatchSummary> collected, QObject *context,
                         std::function<void(const Outcome &, const QList<BatchSummary> &)> callback);

    net::HttpTransport *m_transport;
    PayTraceConfig m_config;
    TokenManager *m_tokens;
    net::ReadGate *m_readGate = nullptr;
};

} // namespace pb::paytrace
