#pragma once

#include "datamodel.h"

#include <QByteArray>
#include <QHash>

#include <optional>
#include <random>
#include <vector>

namespace pb::sandbox {

// An error as PayTrace reports it inside "errors": {"<code>": ["<message>"]}.
struct PayTraceError
{
    int code = 0;
    QString message;
};

// The gateway's books: transactions, settlement batches, vault profiles, access tokens and the
// ledger of money movements. Not thread-safe; PayTraceSimulator serialises access.
//
// Settlement model: an approved sale, a captured authorization and a refund become eligible at
// creation (captures: at capture) and settle in the first batch that closes after that; batches
// close daily at closeHour Pacific (and on demand). Open authorizations, voids and declines never
// settle. Voids are allowed only before settlement (818), refunds only after (817), and captures
// and refunds never exceed what is left.
class PayTraceState
{
public:
    explicit PayTraceState(int closeHour = 20);

    // Seeds the draws (id gaps, approval codes, close-time variation). Call before load().
    void setSeed(quint64 seed);
    // Varied close times (issue 13): the automatic close runs 0-40 minutes after closeHour, and on
    // about one day in six the merchant closed the batch by hand earlier that day (11:00 at the
    // earliest). Per Pacific day, from the seed. Off: every batch closes at closeHour:00.
    void setVariedCloseTimes(bool on) { m_variedClose = on; }
    // The first automatic close strictly after `utcSecs`.
    qint64 closeAfter(qint64 utcSecs) const;
    // A seeded draw in [lo, hi].
    qint64 draw(qint64 lo, qint64 hi);

    // Takes generated history (unsettled) and settles everything due by `now`. Settlements of
    // history are not ledger movements; later ones are.
    void load(const QList<PayTraceTransaction> &transactions, const QList<PayTraceCustomer> &customers,
              qint64 firstBatchNumber, qint64 nextTransactionId, qint64 now);

    // Closes every automatic batch due by `now`. Call before reading or writing.
    void closeDueBatches(qint64 now);
    // Closes the open batch immediately (/v1/transactions/settle). nullopt when nothing was pending.
    std::optional<PayTraceBatch> closeBatchNow(qint64 now);

    const std::vector<PayTraceTransaction> &transactions() const { return m_transactions; }
    const PayTraceTransaction *find(qint64 id) const;
    const QList<PayTraceBatch> &batches() const { return m_batches; }
    const QList<LedgerEntry> &ledger() const { return m_ledger; }
    const QList<PayTraceCustomer> &customers() const { return m_customers; }
    const PayTraceCustomer *findCustomer(const QString &customerId) const;
    int closeHour() const { return m_closeHour; }

    // Export view of a transaction (docs/paytrace.md §4.4).
    static QString exportType(const PayTraceTransaction &t);   // SALE, AUTHORIZATION, REFUND, VOID
    static QString statusCode(const PayTraceTransaction &t);   // GB<batch>, Y, N
    static QString statusMessage(const PayTraceTransaction &t);
    // transaction_type filter of the export: SALE, AUTHORIZATION, STR/FWD, REFUND, VOID, SETTLED,
    // PENDING, DECLINED (upper case).
    static bool matchesTypeFilter(const PayTraceTransaction &t, QStringView filter);
    static bool isKnownTypeFilter(QStringView filter);

    // ---- writes -------------------------------------------------------------------------------
    // Records a new sale or authorization (approved or declined); assigns and returns its id.
    qint64 addTransaction(PayTraceTransaction t, qint64 now);
    std::optional<PayTraceError> capture(qint64 id, std::optional<qint64> amount, qint64 now);
    std::optional<PayTraceError> voidTransaction(qint64 id, qint64 now);
    // Refund of a settled sale or captured authorization; the new refund's id in *refundId.
    std::optional<PayTraceError> refund(qint64 id, std::optional<qint64> amount, qint64 now, qint64 *refundId);
    // Keyed refund to a card, not tied to a transaction.
    qint64 addKeyedRefund(PayTraceTransaction t, qint64 now);
    std::optional<PayTraceError> addCustomer(const PayTraceCustomer &customer);
    std::optional<PayTraceError> updateCustomer(const QString &customerId, const PayTraceCustomer &changes,
                                                const QString &newId);
    std::optional<PayTraceError> deleteCustomer(const QString &customerId);

    // ---- tokens -------------------------------------------------------------------------------
    enum class TokenStatus { Valid, Invalid, Expired };
    QByteArray issueToken(qint64 now, qint64 lifetimeSeconds);
    TokenStatus checkToken(QByteArrayView token, qint64 now) const;
    void revokeTokens() { m_tokens.clear(); }

private:
    PayTraceTransaction *findMutable(qint64 id);
    qint64 eligibleAt(const PayTraceTransaction &t) const;
    void closeBatchAt(qint64 closeAt, bool manual);
    void addLedger(qint64 at, const QString &operation, const PayTraceTransaction &t, qint64 amount, qint64 batch = 0);
    void markPending(qint64 id);

    int m_closeHour;
    quint64 m_seed = 1;
    bool m_variedClose = false;
    std::mt19937_64 m_rng{1};
    std::vector<PayTraceTransaction> m_transactions; // ascending id
    QHash<qint64, qsizetype> m_index;
    std::vector<qint64> m_pending;                   // ids waiting for the next batch
    QList<PayTraceBatch> m_batches;
    QList<LedgerEntry> m_ledger;
    QList<PayTraceCustomer> m_customers;
    QHash<QByteArray, qint64> m_tokens;              // token -> expiry (sandbox seconds)
    qint64 m_nextBatchNumber = 1;
    qint64 m_nextTransactionId = 1;
    qint64 m_nextClose = 0;
    bool m_loaded = false;
};

} // namespace pb::sandbox
