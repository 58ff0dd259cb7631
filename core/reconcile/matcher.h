#pragma once

#include "reconcile/discrepancy.h"
#include "util/result.h"

#include <QDate>
#include <QDateTime>
#include <QMap>
#include <QString>

#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace pb::reconcile {

// What a reconciliation covers: the settlement lines of a day or a date range (processor dates,
// i.e. the batch clock's local dates), or of one batch.
struct ReconcileScope
{
    enum class Kind { Day, Batch, Range };
    Kind kind = Kind::Day;
    QDate from;
    QDate to;     // inclusive; == from for a day
    QString batch;

    static ReconcileScope day(QDate d) { return {Kind::Day, d, d, {}}; }
    static ReconcileScope range(QDate from, QDate to) { return {Kind::Range, from, to, {}}; }
    static ReconcileScope ofBatch(const QString &batch) { return {Kind::Batch, {}, {}, batch}; }

    // "day:2024-03-01", "batch:571", "range:2024-03-01..2024-03-31": the run's identity.
    QString key() const;
    QString kindName() const;
    Status validate() const;
};

struct MatcherConfig
{
    // The batch clock: PayTrace closes batches at this local hour in this zone (docs/paytrace.md).
    QByteArray batchTimeZone = "America/Los_Angeles";
    int batchCloseHour = 20;
    // A capture still unsettled this long after the batch close it belonged to is missing in
    // settlement; before that it is set aside as waiting for the batch.
    qint64 settleGraceMinutes = 60;
};

struct MatchOptions
{
    QDateTime now;                        // from pb::Clock; decides what is overdue
    const std::atomic_bool *cancel = nullptr;
    // percent 0..100 and a phase name ("read", "match", ...); called on the matcher's thread.
    std::function<void(int percent, const QString &phase)> progress;
};

// Subjects an item is about. A line item also covers its transaction (and the order when the
// order has no other transaction in scope); a transaction item covers a transaction with no
// line; an order item covers an order whose several transactions are checked as a sum.
enum class Subject : quint8 { Line, Transaction, Order, Deposit };
QString subjectName(Subject s);

// The rules that decide a bucket; each has a stable name and an explanation template.
enum class Rule : quint8 {
    LineTransaction,      // line.transaction_id
    LineUnknownTxn,       // line.transaction_unknown
    LineNoTxnId,          // line.no_transaction_id
    LineDuplicate,        // line.duplicate
    LineCurrency,         // line.currency
    LineAmount,           // line.amount
    LineKind,             // line.kind_vs_type
    LineBatch,            // line.batch
    LineDay,              // line.day
    LineVoided,           // line.not_settleable
    OrderMissing,         // order.missing
    TxnNotInSettlement,   // txn.not_in_settlement
    TxnWaiting,           // txn.waiting_for_batch
    TxnDoesNotSettle,     // txn.does_not_settle
    OrderCurrency,        // order.currency
    OrderDuplicate,       // order.duplicate_capture
    OrderVoidedInvoiced,  // order.voided_but_invoiced
    OrderRefundNoMemo,    // order.refund_without_credit_memo
    OrderMemoNoRefund,    // order.credit_memo_without_refund
    OrderInvoiced,        // order.invoiced_vs_captured
    OrderRefunded,        // order.credit_memos_vs_refunds
    OrderSum,             // order.sum
    DepositBatch,         // deposit.batch_net
    DepositScope,         // deposit.scope_net
    DepositUnknownBatch,  // deposit.batch_unknown
    FeeBatch,             // fee.batch
    FeeTransaction,       // fee.transaction
    Chargeback,           // chargeback.transaction
    FeeUnexplained,       // fee.unexplained
    OrderGuessed,         // order.fallback_link
};
QString ruleName(Rule r);

// One result, compact (a day may have a million). Keys are the interned ids of MatchResult.
struct ResultItem
{
    Bucket bucket = Bucket::Matched;
    DiscrepancyClass cls = DiscrepancyClass::None;
    Subject subject = Subject::Line;
    Rule rule = Rule::LineTransaction;
    quint32 currency = 0;        // packed ISO code (see MatchResult::currencyCode)
    qint64 lineId = 0;           // settlement_lines.id, 0: none
    qint64 txnKey = 0;           // interned transaction id, MatchResult::kNoKey: none
    qint64 orderEntityId = 0;    // 0: none
    qint64 batchKey = 0;         // interned batch, kNoKey: none
    qint64 expected = 0;         // minor units compared (expected side)
    qint64 actual = 0;           // minor units compared (found side)
};

// Per-currency totals of a run, in minor units.
struct CurrencyTotals
{
    qint64 expected = 0;   // PayTrace net due to settle in scope (sales and captures minus refunds)
    qint64 settled = 0;    // settlement report: sale lines minus refund lines
    qint64 fees = 0;       // settlement report: fees, adjustments and chargebacks as signed in the file
    qint64 deposited = 0;  // deposit lines
    friend bool operator==(const CurrencyTotals &, const CurrencyTotals &) = default;
};

class KeyInterner;

struct MatchResult
{
    static constexpr qint64 kNoKey = std::numeric_limits<qint64>::min();

    ReconcileScope scope;
    std::vector<ResultItem> items;
    QMap<QString, CurrencyTotals> totals; // by currency code
    qint64 linesRead = 0;
    qint64 transactionsRead = 0; // in scope (the items' inputs)
    qint64 ordersRead = 0;
    qint64 matched = 0;
    qint64 discrepancies = 0;
    qint64 setAside = 0;
    std::shared_ptr<const KeyInterner> keys;
    // Order entity id -> increment id, for the orders the items name.
    std::shared_ptr<const std::vector<std::pair<qint64, std::string>>> incrementIds;

    QString keyText(qint64 key) const;               // transaction id or batch text; "" for kNoKey
    QString incrementId(qint64 orderEntityId) const; // "" when unknown
    static QString currencyCode(quint32 packed);
    static quint32 packCurrency(QStringView code);
    // The explanation shown to people: rule, keys and amounts compared, in plain English.
    QString explain(const ResultItem &item) const;
};

// The matching engine. Reads the store through its own read-only SQLite connections (two
// threads, plain sequential scans or key lookups, whichever reads less), matches in memory with
// hash joins over compact structs and classifies every row. Writes nothing: ReconciliationStore
// saves the result. Safe to run on any thread; several runs may proceed at once.
class Matcher
{
public:
    static Result<MatchResult> run(const QString &storePath, const ReconcileScope &scope,
                                   const MatcherConfig &config, const MatchOptions &options);
};

} // namespace pb::reconcile
