#pragma once

#include "datagen.h"
#include "httpserver.h"
#include "paytracestate.h"

#include <QHash>
#include <QJsonObject>
#include <QMutex>
#include <QSet>
#include <QStringList>

#include <memory>
#include <optional>

typedef struct evp_pkey_st EVP_PKEY;

namespace pb::sandbox {

class SandboxClock;

// PayTrace v1 JSON API over HTTP (docs/paytrace.md): OAuth2 password grant, ping, exports, and the
// transaction and vault write endpoints. Thread-safe: every request and every accessor takes
// the one mutex, so tests may read the books from another thread while requests are served.
class PayTraceSimulator
{
public:
    static constexpr qint64 kTokenLifetime = 7200;

    PayTraceSimulator(const SandboxClock *clock, const SandboxCredentials &credentials, int closeHour);
    ~PayTraceSimulator();

    // The merchant's e2ee public key (RSA-2048, PEM "PUBLIC KEY"), generated per simulator.
    // encrypted_number / encrypted_csc are Base64 RSA PKCS#1 v1.5 ciphertexts under it
    // (docs/paytrace.md §2.2); also served at GET /__admin/paytrace/e2ee_public_key.
    QByteArray e2eePublicKeyPem() const;

    // Seeds the simulator's own draws (ids, approval codes) and turns the untidy account on or
    // off (varied batch close times, PayTraceState::setVariedCloseTimes). Call before load().
    void configure(quint64 seed, bool untidy);
    void load(const GeneratedData &data);
    // `path` is the request path without the "/paytrace" prefix, e.g. "/v1/ping".
    HttpResponse handle(const HttpRequest &request, QByteArrayView path);

    // Snapshots for tests and the demo.
    QList<PayTraceTransaction> transactions() const;
    std::optional<PayTraceTransaction> transaction(qint64 id) const;
    QList<PayTraceTransaction> transactionsForInvoice(const QString &invoiceId) const;
    QList<PayTraceBatch> batches() const;
    QList<LedgerEntry> ledger() const;
    QList<PayTraceCustomer> customers() const;
    // Admin edits of a vault profile (tests): replaces the profile with that customer_id; false
    // when there is none. createdAt is kept.
    bool adminUpdateCustomer(const PayTraceCustomer &customer);
    // Closes the open batch now (like /v1/transactions/settle); the batch or nullopt if empty.
    std::optional<PayTraceBatch> settleNow();
    void revokeTokens();

    // The account's "Duplicate Transaction Time" (docs/paytrace.md §5): an approved sale or
    // authorization with the same card, amount, invoice and API user within this many seconds
    // of an earlier approved one is refused. 0 (the default) turns the check off.
    void setDuplicateWindowSeconds(qint64 seconds);
    qint64 duplicateWindowSeconds() const;
    // The error code the sandbox uses for a refused duplicate (no public sample exists).
    static constexpr int kErrDuplicate = 820;

    // Test hook: every export record of transaction `id` (export by_date_range, by_id, batch
    // transaction_list) has these top-level fields replaced by the given JSON values (fields the
    // record lacks are appended). nullopt removes the override. The books are not changed.
    void setTransactionOverride(qint64 id, const std::optional<QJsonObject> &fields);
    QHash<qint64, QJsonObject> transactionOverrides() const;
    void clearTransactionOverrides();

    // A second API user of the same account without some rights (issue 13). Its calls to a denied
    // group answer the recorded error 981 "Log in failed for insufficient permissions."
    // Groups: export, batches, settle, sale (sales and authorizations), capture, void, refund,
    // customer. Default: export and batches denied; username/password derived from the main ones.
    struct LimitedUser
    {
        QString username;
        QString password;
        QStringList denied;
    };
    static const QStringList &permissionGroups();
    void setLimitedUserDenied(const QStringList &groups);
    LimitedUser limitedUser() const;

    // In process, for the live store: the store's PayTrace module charging a card now. The
    // transaction gets a seeded approval code and AVS/CSC answer; declines follow the sandbox
    // triggers. Returns the new transaction.
    PayTraceTransaction placePayment(PayTraceTransaction t);
    std::optional<PayTraceError> captureNow(qint64 id, std::optional<qint64> amount = {});
    std::optional<PayTraceError> voidNow(qint64 id);
    std::optional<PayTraceError> refundNow(qint64 id, std::optional<qint64> amount, qint64 *refundId);

    // The body a 429 gets (no public sample exists for PayTrace).
    static QByteArray rateLimitedBody();

private:
    HttpResponse token(const HttpRequest &request);
    HttpResponse exportByDateRange(const QJsonObject &body);
    HttpResponse exportById(const QJsonObject &body);
    HttpResponse sale(const QJsonObject &body, PayTraceKind kind, QByteArrayView source);
    HttpResponse refundToCustomer(const QJsonObject &body);
    HttpResponse customerFromTransaction(const QJsonObject &body);
    HttpResponse levelThree(const QJsonObject &body, QStringView brand);
    HttpResponse emailReceipt(const QJsonObject &body);
    // Replaces credit_card.encrypted_number / encrypted_csc by their plain text (in this copy
    // only). Returns the PayTrace error code (35 number, 39 CSC) when a ciphertext does not
    // decrypt under our key, 0 when all is well.
    int decryptCardFields(QJsonObject *body) const;
    std::optional<QByteArray> decrypt(const QString &base64) const;
    HttpResponse capture(const QJsonObject &body);
    HttpResponse voidTransaction(const QJsonObject &body);
    HttpResponse refundForTransaction(const QJsonObject &body);
    HttpResponse refundKeyed(const QJsonObject &body);
    HttpResponse settle();
    HttpResponse customerCreate(const QJsonObject &body);
    HttpResponse customerUpdate(const QJsonObject &body);
    HttpResponse customerDelete(const QJsonObject &body);
    HttpResponse customerExport(const QJsonObject &body);
    HttpResponse batchExportOne(const QJsonObject &body);
    HttpResponse batchExport(const QJsonObject &body);
    HttpResponse batchTransactionList(const QJsonObject &body);

    void writeTransaction(class JsonWriter &w, const PayTraceTransaction &t, bool includeBin) const;
    HttpResponse exportEnvelope(const QList<const PayTraceTransaction *> &list, bool includeBin) const;

    struct KeyFree { void operator()(EVP_PKEY *key) const; };
    std::unique_ptr<EVP_PKEY, KeyFree> m_e2eeKey;
    QByteArray m_e2eePublicPem;
    const SandboxClock *m_clock;
    SandboxCredentials m_credentials;
    mutable QMutex m_mutex;
    qint64 m_duplicateWindowSeconds = 0;
    QHash<qint64, QJsonObject> m_overrides;
    bool m_untidy = false;
    LimitedUser m_limited;
    QSet<QByteArray> m_limitedTokens;
    // Mutable: readers first close the batches that the clock has passed.
    mutable PayTraceState m_state;
};

} // namespace pb::sandbox
