#include "reconcile/matcher.h"

#include "money/money.h"
#include "store/database.h"

#include <QScopeGuard>
#include <QTimeZone>

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

using namespace Qt::StringLiterals;

namespace pb::reconcile {

// ---- keys -----------------------------------------------------------------------------------

// Transaction ids and batch numbers as 64-bit keys: canonical decimal text (PayTrace's ids) is
// its own value, anything else gets a negative serial. Thread-safe; the numeric path takes no lock.
class KeyInterner
{
public:
    qint64 intern(const char *s, int n)
    {
        if (n <= 0)
            return MatchResult::kNoKey;
        if (const auto v = numeric(s, n))
            return *v;
        std::lock_guard lock(m_mutex);
        auto [it, added] = m_map.try_emplace(std::string(s, size_t(n)), 0);
        if (added) {
            m_texts.emplace_back(s, size_t(n));
            it->second = -qint64(m_texts.size());
        }
        return it->second;
    }
    qint64 intern(const QString &s)
    {
        const QByteArray u = s.toUtf8();
        return intern(u.constData(), int(u.size()));
    }
    QString text(qint64 key) const
    {
        if (key == MatchResult::kNoKey)
            return {};
        if (key >= 0)
            return QString::number(key);
        std::lock_guard lock(m_mutex);
        return QString::fromStdString(m_texts.at(size_t(-key - 1)));
    }

private:
    static std::optional<qint64> numeric(const char *s, int n)
    {
        if (n > 18 || (s[0] == '0' && n > 1))
            return std::nullopt;
        qint64 v = 0;
        for (int i = 0; i < n; ++i) {
            if (s[i] < '0' || s[i] > '9')
                return std::nullopt;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    }

    mutable std::mutex m_mutex;
    std::unordered_map<std::string, qint64> m_map;
    std::vector<std::string> m_texts;
};

namespace {

constexpr qint64 kNoKey = MatchResult::kNoKey;

// Open addressing, linear probing: key -> 32-bit index. Far smaller and faster than a node map
// for a million entries.
class FlatIndex
{
public:
    explicit FlatIndex(size_t expected = 16)
    {
        size_t cap = 16;
        while (cap < expected * 2)
            cap <<= 1;
        m_keys.assign(cap, kNoKey);
        m_values.assign(cap, 0);
        m_mask = cap - 1;
    }
    // Returns false (and leaves the value) when the key is present already.
    bool insert(qint64 key, quint32 value)
    {
        if ((m_size + 1) * 2 > m_keys.size())
            grow();
        size_t i = slot(key);
        while (m_keys[i] != kNoKey) {
            if (m_keys[i] == key)
                return false;
            i = (i + 1) & m_mask;
        }
        m_keys[i] = key;
        m_values[i] = value;
        ++m_size;
        return true;
    }
    std::optional<quint32> find(qint64 key) const
    {
        size_t i = slot(key);
        while (m_keys[i] != kNoKey) {
            if (m_keys[i] == key)
                return m_values[i];
            i = (i + 1) & m_mask;
        }
        return std::nullopt;
    }
    size_t size() const { return m_size; }

private:
    size_t slot(qint64 key) const
    {
        quint64 h = quint64(key) * 0x9E3779B97F4A7C15ull;
        return size_t(h >> 20) & m_mask;
    }
    void grow()
    {
        std::vector<qint64> keys;
        std::vector<quint32> values;
        keys.swap(m_keys);
        values.swap(m_values);
        m_keys.assign(keys.size() * 2, kNoKey);
        m_values.assign(keys.size() * 2, 0);
        m_mask = m_keys.size() - 1;
        m_size = 0;
        for (size_t i = 0; i < keys.size(); ++i) {
            if (keys[i] != kNoKey)
                insert(keys[i], values[i]);
        }
    }
    std::vector<qint64> m_keys;
    std::vector<quint32> m_values;
    size_t m_mask = 0;
    size_t m_size = 0;
};

// ---- the rows, compact -----------------------------------------------------------------------

enum class LineKind : quint8 { Sale, Refund, Chargeback, Adjustment, Fee, Deposit, Unknown };
enum class TxnType : quint8 { Sale, Authorization, Capture, Refund, Void, Unknown };
enum class TxnStatus : quint8 { Approved, Pending, Settled, Authorized, Voided, Declined, Unknown };

struct Line
{
    qint64 id = 0;
    qint64 txn = kNoKey;
    qint64 batch = kNoKey;
    qint64 amount = 0;
    qint64 day = 0;        // Julian day of settled_on
    quint32 currency = 0;
    LineKind kind = LineKind::Unknown;
};

enum class Origin : quint8 { SettledInScope, UnsettledWindow, Referenced, OrderSibling };

struct Txn
{
    qint64 key = kNoKey;
    qint64 amount = 0;
    qint64 createdAt = 0;
    qint64 settledAt = 0;   // 0: not settled
    qint64 seenAt = 0;      // synced_at: when the sync last saw the row as it is
    qint64 batch = kNoKey;
    qint64 order = 0;       // linked order entity id, 0: none
    // Linked only by the fallback match (amount, time, card), not by its invoice: a guess a
    // person confirms, so reconciliation treats it as linked to no order.
    bool guessedLink = false;
    quint32 currency = 0;
    TxnType type = TxnType::Unknown;
    TxnStatus status = TxnStatus::Unknown;
    Origin origin = Origin::SettledInScope;
    bool covered = false;   // an item already names it
    qint32 item = -1;       // the item that covers it

    bool inScope() const { return origin != Origin::OrderSibling; }
    bool isCapture() const
    {
        return type == TxnType::Sale || type == TxnType::Authorization || type == TxnType::Capture;
    }
    // Money that moves at settlement: approved captures and refunds, not voids or declines.
    bool settles() const
    {
        return (status == TxnStatus::Settled || status == TxnStatus::Pending || status == TxnStatus::Approved)
            && (isCapture() || type == TxnType::Refund);
    }
    qint64 signedAmount() const { return type == TxnType::Refund ? -amount : amount; }
};

struct Order
{
    qint64 entityId = 0;
    qint64 invoiced = 0;
    qint64 refunded = 0;
    quint32 currency = 0;
    std::string incrementId;
};

LineKind lineKindFrom(const char *s)
{
    if (!s)
        return LineKind::Unknown;
    switch (s[0]) {
    case 's': return LineKind::Sale;
    case 'r': return LineKind::Refund;
    case 'c': return LineKind::Chargeback;
    case 'a': return LineKind::Adjustment;
    case 'f': return LineKind::Fee;
    case 'd': return LineKind::Deposit;
    default: return LineKind::Unknown;
    }
}

TxnType txnTypeFrom(const char *s)
{
    if (!s)
        return TxnType::Unknown;
    switch (s[0]) {
    case 's': return TxnType::Sale;
    case 'a': return TxnType::Authorization;
    case 'c': return TxnType::Capture;
    case 'r': return TxnType::Refund;
    case 'v': return TxnType::Void;
    default: return TxnType::Unknown;
    }
}

TxnStatus txnStatusFrom(const char *s)
{
    if (!s)
        return TxnStatus::Unknown;
    switch (s[0]) {
    case 'a': return s[1] == 'p' ? TxnStatus::Approved : TxnStatus::Authorized;
    case 'p': return TxnStatus::Pending;
    case 's': return TxnStatus::Settled;
    case 'v': return TxnStatus::Voided;
    case 'd': return TxnStatus::Declined;
    default: return TxnStatus::Unknown;
    }
}

quint32 packCode(const unsigned char *s, int n)
{
    if (!s || n != 3)
        return 0;
    return (quint32(s[0]) << 16) | (quint32(s[1]) << 8) | quint32(s[2]);
}

// "YYYY-MM-DD" -> Julian day without QDate parsing in the hot loop; 0 when malformed.
qint64 julianDay(const unsigned char *s, int n)
{
    if (!s || n != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    auto d = [&](int i) { return int(s[i] - '0'); };
    const int y = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
    const int m = d(5) * 10 + d(6);
    const int day = d(8) * 10 + d(9);
    return QDate(y, m, day).toJulianDay();
}

// ---- SQLite, read-only -------------------------------------------------------------------------

class Stmt
{
public:
    Stmt() = default;
    Stmt(sqlite3_stmt *s) : m_s(s) {}
    ~Stmt() { sqlite3_finalize(m_s); }
    Stmt(Stmt &&o) noexcept : m_s(std::exchange(o.m_s, nullptr)) {}
    Stmt &operator=(Stmt &&o) noexcept
    {
        std::swap(m_s, o.m_s);
        return *this;
    }
    sqlite3_stmt *get() const { return m_s; }

private:
    sqlite3_stmt *m_s = nullptr;
};

class Reader
{
public:
    ~Reader() { sqlite3_close_v2(m_db); }

    Status open(const QString &path)
    {
        const QByteArray p = path.toUtf8();
        if (sqlite3_open_v2(p.constData(), &m_db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr)
            != SQLITE_OK)
            return error(u"reconcile.store"_s, u"cannot open the store "_s + path);
        sqlite3_busy_timeout(m_db, store::Database::kBusyTimeoutMs);
        Stmt v = prepare("PRAGMA user_version");
        if (!v.get() || sqlite3_step(v.get()) != SQLITE_ROW)
            return error(u"reconcile.store"_s, u"cannot read the store's schema version"_s);
        const int version = sqlite3_column_int(v.get(), 0);
        if (version != store::Database::latestSchemaVersion())
            return makeError(u"reconcile.schema"_s, u"store"_s,
                             u"the store has schema version "_s + QString::number(version) + u", this build needs "_s
                                 + QString::number(store::Database::latestSchemaVersion()));
        // One read transaction: every query of this connection sees the same snapshot.
        if (sqlite3_exec(m_db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK)
            return error(u"reconcile.store"_s, u"cannot begin a read transaction"_s);
        return {};
    }

    Stmt prepare(const char *sql)
    {
        sqlite3_stmt *s = nullptr;
        if (sqlite3_prepare_v2(m_db, sql, -1, &s, nullptr) != SQLITE_OK)
            m_lastError = QString::fromUtf8(sqlite3_errmsg(m_db)) + u" in: "_s + QString::fromUtf8(sql);
        return Stmt(s);
    }
    Error error(const QString &code, const QString &what) const
    {
        return makeError(code, u"store"_s,
                         what + u": "_s + (m_lastError.isEmpty() ? QString::fromUtf8(sqlite3_errmsg(m_db)) : m_lastError));
    }
    qint64 scalar(const char *sql)
    {
        Stmt s = prepare(sql);
        if (s.get() && sqlite3_step(s.get()) == SQLITE_ROW)
            return sqlite3_column_int64(s.get(), 0);
        return 0;
    }
    // True when the rows matching `rangeSql` (counted on its index; ?1..?n bound by `bind`)
    // are more than an eighth of `table`: then one sequential scan reads less than an index
    // walk with a table lookup per row. The count stops at that eighth, so it stays cheap.
    template<typename Bind>
    bool worthScanning(const char *table, const char *rangeSql, Bind &&bind)
    {
        const qint64 rows = scalar((std::string("SELECT max(rowid) FROM ") + table).c_str());
        if (rows <= 0)
            return false;
        const qint64 eighth = rows / 8 + 1;
        Stmt s = prepare((std::string("SELECT count(*) FROM (SELECT 1 FROM ") + table + " WHERE " + rangeSql
                          + " LIMIT " + std::to_string(eighth) + ")").c_str());
        if (!s.get())
            return false;
        bind(s.get());
        return sqlite3_step(s.get()) == SQLITE_ROW && sqlite3_column_int64(s.get(), 0) >= eighth;
    }

private:
    sqlite3 *m_db = nullptr;
    QString m_lastError;
};

const char *text(sqlite3_stmt *s, int col, int *n)
{
    *n = sqlite3_column_bytes(s, col);
    return reinterpret_cast<const char *>(sqlite3_column_text(s, col));
}

constexpr const char *kTxnColumns =
    "SELECT transaction_id, type, status, amount, currency, batch, created_at, settled_at, synced_at FROM gateway_transactions ";

Txn readTxn(sqlite3_stmt *s, KeyInterner &keys, Origin origin)
{
    Txn t;
    int n = 0;
    const char *id = text(s, 0, &n);
    t.key = keys.intern(id, n);
    t.type = txnTypeFrom(reinterpret_cast<const char *>(sqlite3_column_text(s, 1)));
    t.status = txnStatusFrom(reinterpret_cast<const char *>(sqlite3_column_text(s, 2)));
    t.amount = sqlite3_column_int64(s, 3);
    t.currency = packCode(sqlite3_column_text(s, 4), sqlite3_column_bytes(s, 4));
    const char *b = text(s, 5, &n);
    t.batch = keys.intern(b, n);
    t.createdAt = sqlite3_column_int64(s, 6);
    t.settledAt = sqlite3_column_type(s, 7) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, 7);
    t.seenAt = sqlite3_column_int64(s, 8);
    t.origin = origin;
    return t;
}

bool cancelled(const MatchOptions &o)
{
    return o.cancel && o.cancel->load(std::memory_order_relaxed);
}

Error cancelError()
{
    return makeError(u"reconcile.cancelled"_s, {}, u"the reconciliation was cancelled"_s);
}

// Steps `s` to the end, handing each row to `row`; stops early when cancelled.
template<typename F>
Status drain(Reader &r, sqlite3_stmt *s, const MatchOptions &options, const char *what, F &&row)
{
    int rc;
    qint64 n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        row(s);
        if ((++n & 0xFFFF) == 0 && cancelled(options))
            return cancelError();
    }
    if (rc != SQLITE_DONE)
        return r.error(u"reconcile.store"_s, u"cannot read "_s + QString::fromLatin1(what));
    return {};
}

// The batch clock's local days as UTC milliseconds, for the days around the scope: converting a
// million timestamps through QTimeZone would cost seconds; a binary search costs nothing.
class DayClock
{
public:
    DayClock(const MatcherConfig &config, QDate from, QDate to)
        : m_zone(config.batchTimeZone), m_closeHour(config.batchCloseHour)
    {
        if (!m_zone.isValid())
            m_zone = QTimeZone::utc();
        m_first = from.addDays(-2);
        for (QDate d = m_first; d <= to.addDays(3); d = d.addDays(1))
            m_starts.push_back(QDateTime(d, QTime(0, 0), m_zone).toMSecsSinceEpoch());
    }
    qint64 startOf(QDate d) const { return QDateTime(d, QTime(0, 0), m_zone).toMSecsSinceEpoch(); }
    qint64 closeOf(QDate d) const { return QDateTime(d, QTime(m_closeHour, 0), m_zone).toMSecsSinceEpoch(); }
    // The local (batch clock) Julian day of a UTC millisecond time.
    qint64 dayOf(qint64 ms) const
    {
        const auto it = std::upper_bound(m_starts.begin(), m_starts.end(), ms);
        if (it != m_starts.begin() && it != m_starts.end())
            return m_first.toJulianDay() + (it - m_starts.begin()) - 1;
        return QDateTime::fromMSecsSinceEpoch(ms, m_zone).date().toJulianDay();
    }
    // The close a transaction created at `ms` belongs to.
    qint64 closeAfter(qint64 ms) const
    {
        const QDate d = QDateTime::fromMSecsSinceEpoch(ms, m_zone).date();
        const qint64 c = closeOf(d);
        return ms < c ? c : closeOf(d.addDays(1));
    }

private:
    QTimeZone m_zone;
    int m_closeHour;
    QDate m_first;
    std::vector<qint64> m_starts;
};

struct Loaded
{
    std::vector<Line> lines;
    std::vector<Txn> txns;
    std::vector<Order> orders;
};

QString money(qint64 minor, quint32 currency)
{
    const QString code = MatchResult::currencyCode(currency);
    if (const auto c = Currency::fromCode(code))
        return Money::fromMinor(minor, *c).toString();
    return code + u' ' + QString::number(minor);
}

} // namespace

// ---- scope ----------------------------------------------------------------------------------

QString ReconcileScope::key() const
{
    switch (kind) {
    case Kind::Day:
        return u"day:"_s + from.toString(Qt::ISODate);
    case Kind::Batch:
        return u"batch:"_s + batch;
    case Kind::Range:
        return u"range:"_s + from.toString(Qt::ISODate) + u".."_s + to.toString(Qt::ISODate);
    }
    return {};
}

QString ReconcileScope::kindName() const
{
    switch (kind) {
    case Kind::Day:
        return u"day"_s;
    case Kind::Batch:
        return u"batch"_s;
    case Kind::Range:
        return u"range"_s;
    }
    return {};
}

Status ReconcileScope::validate() const
{
    if (kind == Kind::Batch) {
        if (batch.trimmed().isEmpty())
            return makeError(u"reconcile.scope"_s, u"batch"_s, u"a batch scope needs a batch number"_s);
        return {};
    }
    if (!from.isValid() || !to.isValid())
        return makeError(u"reconcile.scope"_s, u"date"_s, u"the scope needs a valid date"_s);
    if (to < from)
        return makeError(u"reconcile.scope"_s, u"date"_s,
                         u"the range ends ("_s + to.toString(Qt::ISODate) + u") before it starts ("_s
                             + from.toString(Qt::ISODate) + u')');
    if (from.daysTo(to) > 366)
        return makeError(u"reconcile.scope"_s, u"date"_s, u"a range covers at most 366 days"_s);
    return {};
}

QString subjectName(Subject s)
{
    switch (s) {
    case Subject::Line: return u"line"_s;
    case Subject::Transaction: return u"transaction"_s;
    case Subject::Order: return u"order"_s;
    case Subject::Deposit: return u"deposit"_s;
    }
    return u"line"_s;
}

QString ruleName(Rule r)
{
    switch (r) {
    case Rule::LineTransaction: return u"line.transaction_id"_s;
    case Rule::LineUnknownTxn: return u"line.transaction_unknown"_s;
    case Rule::LineNoTxnId: return u"line.no_transaction_id"_s;
    case Rule::LineDuplicate: return u"line.duplicate"_s;
    case Rule::LineCurrency: return u"line.currency"_s;
    case Rule::LineAmount: return u"line.amount"_s;
    case Rule::LineKind: return u"line.kind_vs_type"_s;
    case Rule::LineBatch: return u"line.batch"_s;
    case Rule::LineDay: return u"line.day"_s;
    case Rule::LineVoided: return u"line.not_settleable"_s;
    case Rule::OrderMissing: return u"order.missing"_s;
    case Rule::OrderGuessed: return u"order.fallback_link"_s;
    case Rule::TxnNotInSettlement: return u"txn.not_in_settlement"_s;
    case Rule::TxnWaiting: return u"txn.waiting_for_batch"_s;
    case Rule::TxnDoesNotSettle: return u"txn.does_not_settle"_s;
    case Rule::OrderCurrency: return u"order.currency"_s;
    case Rule::OrderDuplicate: return u"order.duplicate_capture"_s;
    case Rule::OrderVoidedInvoiced: return u"order.voided_but_invoiced"_s;
    case Rule::OrderRefundNoMemo: return u"order.refund_without_credit_memo"_s;
    case Rule::OrderMemoNoRefund: return u"order.credit_memo_without_refund"_s;
    case Rule::OrderInvoiced: return u"order.invoiced_vs_captured"_s;
    case Rule::OrderRefunded: return u"order.credit_memos_vs_refunds"_s;
    case Rule::OrderSum: return u"order.sum"_s;
    case Rule::DepositBatch: return u"deposit.batch_net"_s;
    case Rule::DepositScope: return u"deposit.scope_net"_s;
    case Rule::DepositUnknownBatch: return u"deposit.batch_unknown"_s;
    case Rule::FeeBatch: return u"fee.batch"_s;
    case Rule::FeeTransaction: return u"fee.transaction"_s;
    case Rule::Chargeback: return u"chargeback.transaction"_s;
    case Rule::FeeUnexplained: return u"fee.unexplained"_s;
    }
    return {};
}

// ---- result accessors -------------------------------------------------------------------------

QString MatchResult::keyText(qint64 key) const
{
    if (key == kNoKey || !keys)
        return {};
    return keys->text(key);
}

QString MatchResult::incrementId(qint64 orderEntityId) const
{
    if (!incrementIds || orderEntityId == 0)
        return {};
    const auto &v = *incrementIds;
    const auto it = std::lower_bound(v.begin(), v.end(), orderEntityId,
                                     [](const auto &p, qint64 id) { return p.first < id; });
    return it != v.end() && it->first == orderEntityId ? QString::fromStdString(it->second) : QString();
}

QString MatchResult::currencyCode(quint32 packed)
{
    if (packed == 0)
        return {};
    const char c[3] = {char((packed >> 16) & 0xFF), char((packed >> 8) & 0xFF), char(packed & 0xFF)};
    return QString::fromLatin1(c, 3);
}

quint32 MatchResult::packCurrency(QStringView code)
{
    if (code.size() != 3)
        return 0;
    return (quint32(code[0].unicode() & 0xFF) << 16) | (quint32(code[1].unicode() & 0xFF) << 8)
        | quint32(code[2].unicode() & 0xFF);
}

QString MatchResult::explain(const ResultItem &i) const
{
    const QString txn = keyText(i.txnKey);
    const QString batch = keyText(i.batchKey);
    const QString order = incrementId(i.orderEntityId);
    const QString exp = money(i.expected, i.currency);
    const QString act = money(i.actual, i.currency);
    const QString line = u"settlement line "_s + QString::number(i.lineId);
    switch (i.rule) {
    case Rule::LineTransaction:
        return line + u" and PayTrace transaction "_s + txn + u" agree on "_s + act
            + (order.isEmpty() ? QString() : u", order "_s + order + u" agrees");
    case Rule::LineUnknownTxn:
        return line + u" names transaction "_s + txn + u", which PayTrace does not have (" + act + u')';
    case Rule::LineNoTxnId:
        return line + u" carries no transaction id, so it cannot be matched to PayTrace ("_s + act + u')';
    case Rule::LineDuplicate:
        return line + u" reports transaction "_s + txn + u" a second time (" + act + u')';
    case Rule::LineCurrency:
        return line + u" is in "_s + currencyCode(quint32(i.actual)) + u", PayTrace transaction "_s + txn
            + u" in "_s + currencyCode(quint32(i.expected));
    case Rule::LineAmount:
        return line + u": PayTrace transaction "_s + txn + u" is "_s + exp + u", the report says "_s + act;
    case Rule::LineKind:
        return line + u" has the opposite sign of PayTrace transaction "_s + txn + u" (a sale reported as a refund or the reverse): "_s
            + exp + u" versus "_s + act;
    case Rule::LineBatch:
        return line + u" puts transaction "_s + txn + u" in batch "_s + batch + u", PayTrace in another batch"_s;
    case Rule::LineDay:
        return line + u" reports transaction "_s + txn
            + u" settled on a day PayTrace did not settle it (PayTrace settlement day "_s
            + (i.expected ? QDate::fromJulianDay(i.expected).toString(Qt::ISODate) : u"none, still unsettled"_s)
            + u", report "_s + QDate::fromJulianDay(i.actual).toString(Qt::ISODate) + u')';
    case Rule::LineVoided:
        return line + u" settles transaction "_s + txn + u", which PayTrace voided or declined (" + act + u')';
    case Rule::OrderMissing:
        return u"PayTrace transaction "_s + txn + u" ("_s + act + u") is linked to no Magento order"_s;
    case Rule::OrderGuessed:
        return u"PayTrace transaction "_s + txn + u" ("_s + act
            + u") names no Magento order; PayBridge linked it by amount, time and card only. Confirm the order "
              u"it belongs to, or correct the invoice in PayTrace"_s;
    case Rule::TxnNotInSettlement:
        return u"PayTrace transaction "_s + txn + u" ("_s + exp
            + u") was captured or settled for this scope but no settlement line reports it"_s;
    case Rule::TxnWaiting:
        return u"PayTrace transaction "_s + txn + u" ("_s + exp + u") waits for its batch to close"_s;
    case Rule::TxnDoesNotSettle:
        return u"PayTrace transaction "_s + txn + u" does not settle (declined, voided or an open authorization)"_s;
    case Rule::OrderCurrency:
        return u"order "_s + order + u" is in "_s + currencyCode(quint32(i.expected)) + u", its PayTrace transaction "_s
            + txn + u" in "_s + currencyCode(quint32(i.actual));
    case Rule::OrderDuplicate:
        return u"order "_s + order + u" was charged twice: transaction "_s + txn + u" repeats an earlier capture; invoiced "_s
            + exp + u", captured "_s + act;
    case Rule::OrderVoidedInvoiced:
        return u"order "_s + order + u" is invoiced for "_s + exp + u" but its PayTrace payment "_s + txn + u" was voided"_s;
    case Rule::OrderRefundNoMemo:
        return u"PayTrace refunded "_s + act + u" on order "_s + order + u" but Magento has no credit memo"_s;
    case Rule::OrderMemoNoRefund:
        return u"order "_s + order + u" has credit memos for "_s + exp + u" but PayTrace has no refund"_s;
    case Rule::OrderInvoiced:
        return u"order "_s + order + u" is invoiced for "_s + exp + u", PayTrace captured "_s + act;
    case Rule::OrderRefunded:
        return u"order "_s + order + u" has credit memos for "_s + exp + u", PayTrace refunded "_s + act;
    case Rule::OrderSum:
        return u"order "_s + order + u": its PayTrace captures and refunds sum to what Magento invoiced and credited ("_s
            + act + u')';
    case Rule::DepositBatch:
        return u"deposit "_s + QString::number(i.lineId) + u" for batch "_s + batch + u": batch net plus fees "_s + exp
            + u", deposited "_s + act;
    case Rule::DepositScope:
        return u"deposit "_s + QString::number(i.lineId) + u": net of the scope plus fees "_s + exp + u", deposited "_s
            + act;
    case Rule::DepositUnknownBatch:
        return u"deposit "_s + QString::number(i.lineId) + u" names batch "_s + batch
            + u", which PayTrace does not have in this scope ("_s + act + u')';
    case Rule::FeeBatch:
        return line + u" is a fee or adjustment of batch "_s + batch + u" ("_s + act + u')';
    case Rule::FeeTransaction:
        return line + u" is a fee or adjustment on transaction "_s + txn + u" ("_s + act + u')';
    case Rule::Chargeback:
        return line + u" is a chargeback on transaction "_s + txn + u" ("_s + act + u"), kept for disputes"_s;
    case Rule::FeeUnexplained:
        return line + u" is a fee, adjustment or chargeback tied to no known batch or transaction ("_s + act + u')';
    }
    return {};
}

// ---- the engine -------------------------------------------------------------------------------

namespace {

class Engine
{
public:
    Engine(const QString &path, const ReconcileScope &scope, const MatcherConfig &config,
           const MatchOptions &options)
        : m_path(path), m_scope(scope), m_config(config), m_options(options),
          m_clock(config, scope.kind == ReconcileScope::Kind::Batch ? QDate(2000, 1, 1) : scope.from,
                  scope.kind == ReconcileScope::Kind::Batch ? QDate(2000, 1, 1) : scope.to),
          m_keys(std::make_shared<KeyInterner>())
    {
    }

    Result<MatchResult> run()
    {
        if (Status s = m_scope.validate(); !s)
            return s.error();
        if (Status s = load(); !s)
            return s.error();
        progress(70, u"match"_s);
        if (cancelled(m_options))
            return cancelError();
        match();
        progress(100, u"done"_s);
        return std::move(m_result);
    }

private:
    void progress(int percent, const QString &phase)
    {
        if (m_options.progress)
            m_options.progress(percent, phase);
    }

    // ---- reading ----
    Status loadLines(Reader &r)
    {
        const bool byBatch = m_scope.kind == ReconcileScope::Kind::Batch;
        QByteArray a, b;
        if (byBatch) {
            a = m_scope.batch.toUtf8();
        } else {
            a = m_scope.from.toString(Qt::ISODate).toUtf8();
            b = m_scope.to.toString(Qt::ISODate).toUtf8();
        }
        const auto bind = [&](sqlite3_stmt *q) {
            sqlite3_bind_text(q, 1, a.constData(), int(a.size()), SQLITE_STATIC);
            if (!byBatch)
                sqlite3_bind_text(q, 2, b.constData(), int(b.size()), SQLITE_STATIC);
        };
        const char *range = byBatch ? "batch = ?1" : "settled_on BETWEEN ?1 AND ?2";
        const bool scan = r.worthScanning("settlement_lines", range, bind);
        Stmt s = r.prepare((std::string("SELECT id, kind, transaction_id, amount, currency, settled_on, batch "
                                        "FROM settlement_lines ")
                            + (scan ? "NOT INDEXED " : "") + "WHERE " + range)
                               .c_str());
        if (!s.get())
            return r.error(u"reconcile.store"_s, u"cannot query settlement lines"_s);
        bind(s.get());
        auto &lines = m_data.lines;
        Status st = drain(r, s.get(), m_options, "settlement lines", [&](sqlite3_stmt *q) {
            Line l;
            int n = 0;
            l.id = sqlite3_column_int64(q, 0);
            l.kind = lineKindFrom(reinterpret_cast<const char *>(sqlite3_column_text(q, 1)));
            const char *t = text(q, 2, &n);
            l.txn = m_keys->intern(t, n);
            l.amount = sqlite3_column_int64(q, 3);
            l.currency = packCode(sqlite3_column_text(q, 4), sqlite3_column_bytes(q, 4));
            l.day = julianDay(sqlite3_column_text(q, 5), sqlite3_column_bytes(q, 5));
            const char *bt = text(q, 6, &n);
            l.batch = m_keys->intern(bt, n);
            lines.push_back(l);
        });
        if (!st)
            return st;
        // Line order decides which of two identical lines is the duplicate: the later one.
        if (!std::is_sorted(lines.begin(), lines.end(), [](const Line &x, const Line &y) { return x.id < y.id; }))
            std::sort(lines.begin(), lines.end(), [](const Line &x, const Line &y) { return x.id < y.id; });
        return {};
    }

    Status loadScopeTxns(Reader &r, std::vector<Txn> &out)
    {
        std::string sql = kTxnColumns;
        if (m_scope.kind == ReconcileScope::Kind::Batch) {
            Stmt s = r.prepare((sql + "WHERE batch = ?1").c_str());
            if (!s.get())
                return r.error(u"reconcile.store"_s, u"cannot query transactions"_s);
            const QByteArray b = m_scope.batch.toUtf8();
            sqlite3_bind_text(s.get(), 1, b.constData(), int(b.size()), SQLITE_STATIC);
            return drain(r, s.get(), m_options, "transactions", [&](sqlite3_stmt *q) {
                out.push_back(readTxn(q, *m_keys, Origin::SettledInScope));
            });
        }
        const qint64 from = m_clock.startOf(m_scope.from), to = m_clock.startOf(m_scope.to.addDays(1));
        const qint64 openFrom = m_clock.closeOf(m_scope.from.addDays(-1)), openTo = m_clock.closeOf(m_scope.to);
        const bool scan = r.worthScanning("gateway_transactions", "settled_at >= ?1 AND settled_at < ?2",
                                          [&](sqlite3_stmt *q) {
                                              sqlite3_bind_int64(q, 1, from);
                                              sqlite3_bind_int64(q, 2, to);
                                          });
        if (scan) {
            // Most of the table: both sets in one sequential pass, then in the order the two
            // index walks give (settled by settlement time, then unsettled by creation time),
            // so that the result does not depend on the plan.
            Stmt all = r.prepare((sql + "NOT INDEXED WHERE (settled_at >= ?1 AND settled_at < ?2) "
                                        "OR (settled_at IS NULL AND created_at >= ?3 AND created_at < ?4)").c_str());
            if (!all.get())
                return r.error(u"reconcile.store"_s, u"cannot query transactions"_s);
            sqlite3_bind_int64(all.get(), 1, from);
            sqlite3_bind_int64(all.get(), 2, to);
            sqlite3_bind_int64(all.get(), 3, openFrom);
            sqlite3_bind_int64(all.get(), 4, openTo);
            if (Status st = drain(r, all.get(), m_options, "transactions", [&](sqlite3_stmt *q) {
                    const bool settledRow = sqlite3_column_type(q, 7) != SQLITE_NULL;
                    out.push_back(readTxn(q, *m_keys, settledRow ? Origin::SettledInScope : Origin::UnsettledWindow));
                }); !st)
                return st;
            const auto unsettled = std::stable_partition(out.begin(), out.end(),
                                                         [](const Txn &t) { return t.origin == Origin::SettledInScope; });
            if (!std::is_sorted(out.begin(), unsettled, [](const Txn &x, const Txn &y) { return x.settledAt < y.settledAt; }))
                std::stable_sort(out.begin(), unsettled,
                                 [](const Txn &x, const Txn &y) { return x.settledAt < y.settledAt; });
            std::stable_sort(unsettled, out.end(), [](const Txn &x, const Txn &y) { return x.createdAt < y.createdAt; });
            return {};
        }
        Stmt settled = r.prepare((sql + "WHERE settled_at >= ?1 AND settled_at < ?2").c_str());
        Stmt unsettled = r.prepare((sql + "WHERE created_at >= ?1 AND created_at < ?2 AND settled_at IS NULL").c_str());
        if (!settled.get() || !unsettled.get())
            return r.error(u"reconcile.store"_s, u"cannot query transactions"_s);
        sqlite3_bind_int64(settled.get(), 1, from);
        sqlite3_bind_int64(settled.get(), 2, to);
        if (Status st = drain(r, settled.get(), m_options, "settled transactions", [&](sqlite3_stmt *q) {
                out.push_back(readTxn(q, *m_keys, Origin::SettledInScope));
            }); !st)
            return st;
        sqlite3_bind_int64(unsettled.get(), 1, openFrom);
        sqlite3_bind_int64(unsettled.get(), 2, openTo);
        return drain(r, unsettled.get(), m_options, "unsettled transactions", [&](sqlite3_stmt *q) {
            out.push_back(readTxn(q, *m_keys, Origin::UnsettledWindow));
        });
    }

    Status load()
    {
        progress(0, u"read"_s);
        Reader a, b;
        if (Status s = a.open(m_path); !s)
            return s;
        if (Status s = b.open(m_path); !s)
            return s;

        // Lines on a second thread while this one reads the transactions.
        Status linesStatus;
        std::thread linesThread([&] { linesStatus = loadLines(b); });
        Status txnStatus = loadScopeTxns(a, m_data.txns);
        linesThread.join();
        if (!linesStatus)
            return linesStatus;
        if (!txnStatus)
            return txnStatus;
        progress(30, u"read"_s);

        {
            Stmt closes = a.prepare("SELECT closed_at FROM gateway_batches WHERE closed_at IS NOT NULL ORDER BY closed_at");
            if (!closes.get())
                return a.error(u"reconcile.store"_s, u"cannot query batches"_s);
            if (Status s = drain(a, closes.get(), m_options, "batches",
                                 [this](sqlite3_stmt *row) { m_closes.push_back(sqlite3_column_int64(row, 0)); });
                !s)
                return s;
        }

        auto &txns = m_data.txns;
        m_txnIndex = FlatIndex(txns.size() + 1024);
        for (size_t i = 0; i < txns.size(); ++i)
            m_txnIndex.insert(txns[i].key, quint32(i));

        // Transactions the report names that the scope did not bring in (settled elsewhere or
        // never): looked up one by one, they are few.
        {
            Stmt byId = a.prepare((std::string(kTxnColumns) + "WHERE transaction_id = ?1").c_str());
            if (!byId.get())
                return a.error(u"reconcile.store"_s, u"cannot query transactions"_s);
            for (const Line &l : m_data.lines) {
                if (l.txn == kNoKey || l.kind == LineKind::Deposit || m_txnIndex.find(l.txn))
                    continue;
                if (Status s = fetchTxn(a, byId.get(), l.txn, Origin::Referenced); !s)
                    return s;
                if (!m_txnIndex.find(l.txn))
                    m_txnIndex.insert(l.txn, kAbsent); // remember the miss
            }
        }
        progress(40, u"read"_s);
        if (Status s = loadLinksAndOrders(a, b); !s)
            return s;
        progress(65, u"read"_s);
        return {};
    }

    static constexpr quint32 kAbsent = 0xFFFFFFFFu;

    Status fetchTxn(Reader &r, sqlite3_stmt *byId, qint64 key, Origin origin)
    {
        const QByteArray id = m_keys->text(key).toUtf8();
        sqlite3_reset(byId);
        sqlite3_bind_text(byId, 1, id.constData(), int(id.size()), SQLITE_TRANSIENT);
        const int rc = sqlite3_step(byId);
        if (rc == SQLITE_ROW) {
            m_data.txns.push_back(readTxn(byId, *m_keys, origin));
            m_txnIndex.insert(key, quint32(m_data.txns.size() - 1));
        } else if (rc != SQLITE_DONE) {
            return r.error(u"reconcile.store"_s, u"cannot read transaction "_s + m_keys->text(key));
        }
        return {};
    }

    // Links of the scope's transactions, their orders, and the orders' other transactions
    // (an order is checked on the sum of all its payments). When the scope touches a large
    // share of a table, one sequential scan beats a key lookup per row.
    // An order as the gateway sees it: Magento charges the base grand total in the base currency
    // (docs/magento.md §8), so a multi-currency order's invoiced and refunded amounts are
    // compared in that currency: Magento's own base totals, or for a row stored before PayBridge kept
    // them, converted at the order's own rate (base over order grand total), half up. Converting
    // the rounded order amounts is off by a cent where the order currency has fewer digits (a
    // JPY order over a USD base), so Magento's figures come first.
    static constexpr const char *kOrderColumns = R"(
SELECT entity_id, increment_id,
       CASE WHEN base_currency <> '' THEN base_currency ELSE currency END,
       CASE WHEN base_currency = '' OR base_currency = currency THEN total_invoiced
            WHEN base_total_invoiced <> 0 OR total_invoiced = 0 THEN base_total_invoiced
            WHEN grand_total > 0 THEN (total_invoiced * base_grand_total + grand_total / 2) / grand_total
            ELSE total_invoiced END,
       CASE WHEN base_currency = '' OR base_currency = currency THEN total_refunded
            WHEN base_total_refunded <> 0 OR total_refunded = 0 THEN base_total_refunded
            WHEN grand_total > 0 THEN (total_refunded * base_grand_total + grand_total / 2) / grand_total
            ELSE total_refunded END)";

    Status loadLinksAndOrders(Reader &a, Reader &b)
    {
        auto &txns = m_data.txns;
        const qint64 linkRows = a.scalar("SELECT max(rowid) FROM order_transaction_links");
        const qint64 orderRows = a.scalar("SELECT max(entity_id) FROM orders");
        const bool scanLinks = qint64(txns.size()) * 8 > linkRows;
        const bool scanOrders = qint64(txns.size()) * 8 > orderRows;

        // Orders by scan on the second thread (filtered once the links are known).
        std::vector<Order> allOrders;
        Status ordersStatus;
        std::thread ordersThread;
        if (scanOrders) {
            ordersThread = std::thread([&] {
                Stmt s = b.prepare((std::string(kOrderColumns) + " FROM orders").c_str());
                if (!s.get()) {
                    ordersStatus = b.error(u"reconcile.store"_s, u"cannot query orders"_s);
                    return;
                }
                allOrders.reserve(size_t(std::max<qint64>(orderRows, 0)));
                ordersStatus = drain(b, s.get(), m_options, "orders", [&](sqlite3_stmt *q) {
                    allOrders.push_back(readOrder(q));
                });
            });
        }
        auto joinOrders = qScopeGuard([&] {
            if (ordersThread.joinable())
                ordersThread.join();
        });

        // order entity id -> the txn keys linked to it that are outside the scope
        std::vector<std::pair<qint64, qint64>> siblingLinks; // (order, txn key)
        const size_t scopeCount = txns.size();
        if (scanLinks) {
            Stmt s = a.prepare("SELECT transaction_id, order_entity_id, rule LIKE 'fallback:%' FROM order_transaction_links");
            if (!s.get())
                return a.error(u"reconcile.store"_s, u"cannot query links"_s);
            std::vector<std::pair<qint64, qint64>> outside;
            Status st = drain(a, s.get(), m_options, "links", [&](sqlite3_stmt *q) {
                int n = 0;
                const char *t = text(q, 0, &n);
                const qint64 key = m_keys->intern(t, n);
                const qint64 order = sqlite3_column_int64(q, 1);
                const bool guessed = sqlite3_column_int(q, 2) != 0;
                const auto i = m_txnIndex.find(key);
                if (i && *i != kAbsent) {
                    if (guessed)
                        txns[*i].guessedLink = true;
                    else
                        txns[*i].order = order;
                } else if (!guessed) {
                    outside.emplace_back(order, key);
                }
            });
            if (!st)
                return st;
            FlatIndex touched(scopeCount + 16);
            for (size_t i = 0; i < scopeCount; ++i) {
                if (txns[i].order)
                    touched.insert(txns[i].order, 0);
            }
            for (const auto &[order, key] : outside) {
                if (touched.find(order))
                    siblingLinks.emplace_back(order, key);
            }
        } else {
            Stmt byTxn = a.prepare("SELECT order_entity_id, rule LIKE 'fallback:%' FROM order_transaction_links "
                                   "WHERE transaction_id = ?1");
            Stmt byOrder = a.prepare("SELECT transaction_id FROM order_transaction_links "
                                     "WHERE order_entity_id = ?1 AND rule NOT LIKE 'fallback:%'");
            if (!byTxn.get() || !byOrder.get())
                return a.error(u"reconcile.store"_s, u"cannot query links"_s);
            FlatIndex seenOrders(scopeCount + 16);
            for (size_t i = 0; i < scopeCount; ++i) {
                const QByteArray id = m_keys->text(txns[i].key).toUtf8();
                sqlite3_reset(byTxn.get());
                sqlite3_bind_text(byTxn.get(), 1, id.constData(), int(id.size()), SQLITE_TRANSIENT);
                if (sqlite3_step(byTxn.get()) == SQLITE_ROW) {
                    if (sqlite3_column_int(byTxn.get(), 1) != 0)
                        txns[i].guessedLink = true;
                    else
                        txns[i].order = sqlite3_column_int64(byTxn.get(), 0);
                }
                if (!txns[i].order || !seenOrders.insert(txns[i].order, 0))
                    continue;
                sqlite3_reset(byOrder.get());
                sqlite3_bind_int64(byOrder.get(), 1, txns[i].order);
                while (sqlite3_step(byOrder.get()) == SQLITE_ROW) {
                    int n = 0;
                    const char *t = text(byOrder.get(), 0, &n);
                    const qint64 key = m_keys->intern(t, n);
                    const auto at = m_txnIndex.find(key);
                    if (!at || *at == kAbsent)
                        siblingLinks.emplace_back(txns[i].order, key);
                }
            }
        }

        // Unlinked transactions: the default link key (invoice id = increment id), looked up.
        {
            Stmt byInvoice = a.prepare(
                "SELECT o.entity_id FROM gateway_transactions t JOIN orders o ON o.increment_id = t.invoice_id "
                "WHERE t.transaction_id = ?1 AND t.invoice_id <> ''");
            if (!byInvoice.get())
                return a.error(u"reconcile.store"_s, u"cannot query orders by invoice"_s);
            for (size_t i = 0; i < scopeCount; ++i) {
                if (txns[i].order)
                    continue;
                const QByteArray id = m_keys->text(txns[i].key).toUtf8();
                sqlite3_reset(byInvoice.get());
                sqlite3_bind_text(byInvoice.get(), 1, id.constData(), int(id.size()), SQLITE_TRANSIENT);
                if (sqlite3_step(byInvoice.get()) == SQLITE_ROW)
                    txns[i].order = sqlite3_column_int64(byInvoice.get(), 0);
            }
        }

        // The orders' other transactions, for the sums.
        {
            Stmt byId = a.prepare((std::string(kTxnColumns) + "WHERE transaction_id = ?1").c_str());
            if (!byId.get())
                return a.error(u"reconcile.store"_s, u"cannot query transactions"_s);
            for (const auto &[order, key] : siblingLinks) {
                if (m_txnIndex.find(key))
                    continue;
                if (Status s = fetchTxn(a, byId.get(), key, Origin::OrderSibling); !s)
                    return s;
                if (const auto i = m_txnIndex.find(key); i && *i != kAbsent)
                    txns[*i].order = order;
            }
        }

        // The orders themselves.
        FlatIndex wanted(txns.size() + 16);
        for (const Txn &t : txns) {
            if (t.order)
                wanted.insert(t.order, 0);
        }
        if (scanOrders) {
            ordersThread.join();
            if (!ordersStatus)
                return ordersStatus;
            for (Order &o : allOrders) {
                if (wanted.find(o.entityId))
                    m_data.orders.push_back(std::move(o));
            }
        } else {
            Stmt s = a.prepare((std::string(kOrderColumns) + " FROM orders WHERE entity_id = ?1").c_str());
            if (!s.get())
                return a.error(u"reconcile.store"_s, u"cannot query orders"_s);
            std::vector<qint64> ids;
            for (const Txn &t : txns) {
                if (t.order)
                    ids.push_back(t.order);
            }
            std::sort(ids.begin(), ids.end());
            ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
            for (qint64 id : ids) {
                sqlite3_reset(s.get());
                sqlite3_bind_int64(s.get(), 1, id);
                if (sqlite3_step(s.get()) == SQLITE_ROW)
                    m_data.orders.push_back(readOrder(s.get()));
            }
        }
        std::sort(m_data.orders.begin(), m_data.orders.end(),
                  [](const Order &x, const Order &y) { return x.entityId < y.entityId; });
        return {};
    }

    static Order readOrder(sqlite3_stmt *q)
    {
        Order o;
        o.entityId = sqlite3_column_int64(q, 0);
        int n = 0;
        const char *inc = text(q, 1, &n);
        o.incrementId.assign(inc ? inc : "", size_t(n));
        o.currency = packCode(sqlite3_column_text(q, 2), sqlite3_column_bytes(q, 2));
        o.invoiced = sqlite3_column_int64(q, 3);
        o.refunded = sqlite3_column_int64(q, 4);
        return o;
    }

    // ---- matching ----
    ResultItem &add(Bucket bucket, DiscrepancyClass cls, Subject subject, Rule rule)
    {
        ResultItem &i = m_result.items.emplace_back();
        i.bucket = bucket;
        i.cls = cls;
        i.subject = subject;
        i.rule = rule;
        i.txnKey = kNoKey;
        i.batchKey = kNoKey;
        return i;
    }
    static void setClass(ResultItem &i, DiscrepancyClass cls, Rule rule)
    {
        i.bucket = cls == DiscrepancyClass::None ? Bucket::Matched : Bucket::Discrepancy;
        i.cls = cls;
        i.rule = rule;
    }

    Txn *findTxn(qint64 key)
    {
        if (key == kNoKey)
            return nullptr;
        const auto i = m_txnIndex.find(key);
        return i && *i != kAbsent ? &m_data.txns[*i] : nullptr;
    }

    bool overdue(const Txn &t) const
    {
        // A sale enters the batch open when it is made. An authorization enters the batch open
        // when it is captured, which the store does not keep: it was captured by the time the
        // sync last saw it captured, so its batch closed at the latest at the close after that.
        // (Judging it by its creation flagged an authorization captured a day later as missing.)
        const qint64 entered = t.type == TxnType::Authorization || t.type == TxnType::Capture
            ? std::max(t.createdAt, t.seenAt)
            : t.createdAt;
        // The batch it entered closes at the first close PayTrace reported after it: a merchant
        // may close by hand before the scheduled hour, and what came after waits for the next
        // close. The schedule is only the guess where no batch list covers the time (the list
        // was not read for days, or the API user may not read batches).
        constexpr qint64 kBatchListStaleMs = 2LL * 24 * 3600 * 1000;
        qint64 close = 0;
        if (!m_closes.empty() && m_closes.back() + kBatchListStaleMs > entered) {
            const auto it = std::upper_bound(m_closes.begin(), m_closes.end(), entered);
            if (it == m_closes.end())
                return false; // no close since it entered: it waits for the next one
            close = *it;
        } else {
            close = m_clock.closeAfter(entered);
        }
        return m_now > close + m_config.settleGraceMinutes * 60 * 1000;
    }

    void matchLines()
    {
        auto &items = m_result.items;
        for (const Line &l : m_data.lines) {
            const qint64 abs = l.amount < 0 ? -l.amount : l.amount;
            if (l.kind == LineKind::Sale || l.kind == LineKind::Refund) {
                Txn *t = findTxn(l.txn);
                if (!t) {
                    ResultItem &i = add(Bucket::Discrepancy, DiscrepancyClass::MissingInPayTrace, Subject::Line,
                                        l.txn == kNoKey ? Rule::LineNoTxnId : Rule::LineUnknownTxn);
                    fillLine(i, l);
                    continue;
                }
                if (t->covered) {
                    ResultItem &i = add(Bucket::Discrepancy, DiscrepancyClass::DuplicateCharge, Subject::Line, Rule::LineDuplicate);
                    fillLine(i, l);
                    continue;
                }
                t->covered = true;
                t->item = qint32(items.size());
                ResultItem &i = add(Bucket::Matched, DiscrepancyClass::None, Subject::Line, Rule::LineTransaction);
                fillLine(i, l);
                i.expected = t->amount;
                const bool refundLine = l.kind == LineKind::Refund;
                const qint64 txnDay = t->settledAt ? m_clock.dayOf(t->settledAt) : 0;
                if (!t->settles()) {
                    setClass(i, DiscrepancyClass::StatusMismatch, Rule::LineVoided);
                } else if (t->currency != l.currency) {
                    setClass(i, DiscrepancyClass::CurrencyMismatch, Rule::LineCurrency);
                    i.expected = t->currency;
                    i.actual = l.currency;
                } else if (refundLine != (t->type == TxnType::Refund)
                           || (l.amount != 0 && (l.amount < 0) != refundLine)) {
                    setClass(i, DiscrepancyClass::AmountMismatch, Rule::LineKind);
                    i.expected = t->signedAmount();
                } else if (abs != t->amount) {
                    setClass(i, DiscrepancyClass::AmountMismatch, Rule::LineAmount);
                    i.actual = abs;
                } else if (l.batch != kNoKey && t->batch != kNoKey && l.batch != t->batch) {
                    setClass(i, DiscrepancyClass::UnexpectedBatch, Rule::LineBatch);
                } else if (txnDay != l.day) {
                    setClass(i, DiscrepancyClass::UnexpectedBatch, Rule::LineDay);
                    i.expected = txnDay;
                    i.actual = l.day;
                }
                continue;
            }
            if (l.kind == LineKind::Deposit)
                continue; // after the batches are known
            // Fees, adjustments, chargebacks.
            Txn *t = findTxn(l.txn);
            Rule rule = Rule::FeeUnexplained;
            if (t) {
                rule = l.kind == LineKind::Chargeback ? Rule::Chargeback : Rule::FeeTransaction;
                if (!t->inScope() || t->origin == Origin::Referenced)
                    t->covered = true; // brought in by this line only
            } else if (l.kind != LineKind::Chargeback && l.batch != kNoKey && m_batches.find(l.batch)) {
                rule = Rule::FeeBatch;
            }
            ResultItem &i = add(Bucket::Matched, DiscrepancyClass::None, Subject::Line, rule);
            fillLine(i, l);
            if (rule == Rule::FeeUnexplained)
                setClass(i, DiscrepancyClass::UnexplainedFeeOrAdjustment, rule);
        }
    }

    void fillLine(ResultItem &i, const Line &l)
    {
        i.lineId = l.id;
        i.txnKey = l.txn;
        i.batchKey = l.batch;
        i.currency = l.currency;
        i.actual = l.amount < 0 ? -l.amount : l.amount;
        if (l.kind != LineKind::Sale && l.kind != LineKind::Refund)
            i.actual = l.amount;
    }

    void matchUnreportedTxns()
    {
        auto &txns = m_data.txns;
        for (size_t k = 0; k < txns.size(); ++k) {
            Txn &t = txns[k];
            if (t.covered || !t.inScope())
                continue;
            t.covered = true;
            t.item = qint32(m_result.items.size());
            Rule rule;
            Bucket bucket = Bucket::SetAside;
            DiscrepancyClass cls = DiscrepancyClass::None;
            if (!t.settles()) {
                rule = Rule::TxnDoesNotSettle;
            } else if (t.status == TxnStatus::Settled || overdue(t)) {
                rule = Rule::TxnNotInSettlement;
                bucket = Bucket::Discrepancy;
                cls = DiscrepancyClass::MissingInSettlement;
            } else {
                rule = Rule::TxnWaiting;
            }
            ResultItem &i = add(bucket, cls, Subject::Transaction, rule);
            i.txnKey = t.key;
            i.batchKey = t.batch;
            i.currency = t.currency;
            i.expected = t.amount;
        }
    }

    const Order *findOrder(qint64 id) const
    {
        const auto &v = m_data.orders;
        const auto it = std::lower_bound(v.begin(), v.end(), id,
                                         [](const Order &o, qint64 x) { return o.entityId < x; });
        return it != v.end() && it->entityId == id ? &*it : nullptr;
    }

    void matchOrders()
    {
        auto &txns = m_data.txns;
        auto &items = m_result.items;
        // Transactions by order.
        std::vector<std::pair<qint64, quint32>> byOrder;
        byOrder.reserve(txns.size());
        for (size_t k = 0; k < txns.size(); ++k) {
            if (txns[k].order)
                byOrder.emplace_back(txns[k].order, quint32(k));
        }
        std::sort(byOrder.begin(), byOrder.end());

        // Scope transactions linked to no order at all: missing in Magento when money moved.
        for (Txn &t : txns) {
            if (t.order || !t.inScope() || t.item < 0 || !t.settles())
                continue;
            ResultItem &i = items[size_t(t.item)];
            if (i.bucket == Bucket::Discrepancy)
                continue;
            setClass(i, DiscrepancyClass::MissingInMagento, t.guessedLink ? Rule::OrderGuessed : Rule::OrderMissing);
            i.actual = t.amount;
        }

        for (size_t a = 0; a < byOrder.size();) {
            size_t b = a;
            while (b < byOrder.size() && byOrder[b].first == byOrder[a].first)
                ++b;
            const qint64 orderId = byOrder[a].first;
            const Order *o = findOrder(orderId);
            int inScope = 0;
            qint32 soleItem = -1;
            qint64 captured = 0, refunded = 0;
            int voided = 0;
            bool currencyDiffers = false;
            qint64 duplicate = kNoKey, firstTxn = kNoKey;
            quint32 txnCurrency = 0;
            std::vector<std::pair<qint64, qint64>> captures; // (amount, key)
            for (size_t k = a; k < b; ++k) {
                const Txn &t = txns[byOrder[k].second];
                if (t.inScope()) {
                    ++inScope;
                    soleItem = t.item;
                    if (firstTxn == kNoKey)
                        firstTxn = t.key;
                }
                if (o && t.currency != o->currency && t.type != TxnType::Void) {
                    currencyDiffers = true;
                    txnCurrency = t.currency;
                }
                if (t.status == TxnStatus::Voided || t.type == TxnType::Void)
                    ++voided;
                if (!t.settles())
                    continue;
                if (t.type == TxnType::Refund) {
                    refunded += t.amount;
                } else {
                    captured += t.amount;
                    captures.emplace_back(t.amount, t.key);
                }
            }
            a = b;
            if (inScope == 0)
                continue;

            DiscrepancyClass cls = DiscrepancyClass::None;
            Rule rule = Rule::OrderSum;
            qint64 expected = 0, actual = captured;
            qint64 keyTxn = firstTxn;
            if (!o) {
                cls = DiscrepancyClass::MissingInMagento;
                rule = Rule::OrderMissing;
            } else if (currencyDiffers) {
                cls = DiscrepancyClass::CurrencyMismatch;
                rule = Rule::OrderCurrency;
                expected = o->currency;
                actual = txnCurrency;
            } else {
                expected = o->invoiced;
                if (captures.size() >= 2 && captured > o->invoiced) {
                    std::sort(captures.begin(), captures.end());
                    for (size_t k = 1; k < captures.size(); ++k) {
                        if (captures[k].first == captures[k - 1].first && captured - o->invoiced == captures[k].first) {
                            duplicate = std::max(captures[k].second, captures[k - 1].second);
                            break;
                        }
                    }
                }
                if (duplicate != kNoKey) {
                    cls = DiscrepancyClass::DuplicateCharge;
                    rule = Rule::OrderDuplicate;
                    keyTxn = duplicate;
                } else if (captured == 0 && voided > 0 && o->invoiced > 0) {
                    cls = DiscrepancyClass::StatusMismatch;
                    rule = Rule::OrderVoidedInvoiced;
                } else if (refunded > 0 && o->refunded == 0) {
                    cls = DiscrepancyClass::StatusMismatch;
                    rule = Rule::OrderRefundNoMemo;
                    actual = refunded;
                } else if (o->refunded > 0 && refunded == 0) {
                    cls = DiscrepancyClass::StatusMismatch;
                    rule = Rule::OrderMemoNoRefund;
                    expected = o->refunded;
                    actual = 0;
                } else if (captured != o->invoiced) {
                    cls = DiscrepancyClass::AmountMismatch;
                    rule = Rule::OrderInvoiced;
                } else if (refunded != o->refunded) {
                    cls = DiscrepancyClass::AmountMismatch;
                    rule = Rule::OrderRefunded;
                    expected = o->refunded;
                    actual = refunded;
                }
            }

            if (inScope == 1 && soleItem >= 0) {
                // One transaction in scope: its item covers the order too (three-way match).
                ResultItem &i = items[size_t(soleItem)];
                i.orderEntityId = orderId;
                if (cls == DiscrepancyClass::None || i.bucket == Bucket::Discrepancy)
                    continue;
                if (i.bucket == Bucket::SetAside && cls != DiscrepancyClass::StatusMismatch)
                    continue; // not settling yet: nothing to compare on this day
                setClass(i, cls, rule);
                i.expected = expected;
                i.actual = actual;
                if (o && rule != Rule::OrderCurrency)
                    i.currency = o->currency;
                continue;
            }
            ResultItem &i = add(Bucket::Matched, DiscrepancyClass::None, Subject::Order, rule);
            setClass(i, cls, rule);
            i.orderEntityId = orderId;
            i.txnKey = keyTxn;
            i.currency = o ? o->currency : 0;
            i.expected = expected;
            i.actual = actual;
        }
    }

    void matchDeposits()
    {
        struct Group
        {
            qint64 deposited = 0;
            qint64 expected = 0;
            bool known = false;
            std::vector<qint64> lines;
        };
        // (batch key, currency) -> group
        std::map<std::pair<qint64, quint32>, Group> groups;
        for (const Line &l : m_data.lines) {
            if (l.kind != LineKind::Deposit)
                continue;
            Group &g = groups[{l.batch, l.currency}];
            g.deposited += l.amount;
            g.lines.push_back(l.id);
        }
        if (groups.empty())
            return;
        for (const Txn &t : m_data.txns) {
            if (!t.inScope() || !t.settles() || t.status != TxnStatus::Settled)
                continue;
            if (t.origin == Origin::Referenced)
                continue;
            for (qint64 batch : {t.batch, kNoKey}) {
                const auto it = groups.find({batch, t.currency});
                if (it != groups.end()) {
                    it->second.expected += t.signedAmount();
                    it->second.known = true;
                }
            }
        }
        for (const Line &l : m_data.lines) {
            if (l.kind != LineKind::Chargeback && l.kind != LineKind::Fee && l.kind != LineKind::Adjustment)
                continue;
            for (qint64 batch : {l.batch, kNoKey}) {
                const auto it = groups.find({batch, l.currency});
                if (it != groups.end())
                    it->second.expected += l.amount;
            }
        }
        for (const auto &[key, g] : groups) {
            const bool scopeWide = key.first == kNoKey;
            for (qint64 lineId : g.lines) {
                Rule rule = scopeWide ? Rule::DepositScope : Rule::DepositBatch;
                DiscrepancyClass cls = DiscrepancyClass::None;
                if (!scopeWide && !g.known && !m_batches.find(key.first)) {
                    rule = Rule::DepositUnknownBatch;
                    cls = DiscrepancyClass::MissingInPayTrace;
                } else if (g.expected != g.deposited) {
                    cls = DiscrepancyClass::AmountMismatch;
                }
                ResultItem &i = add(Bucket::Matched, DiscrepancyClass::None, Subject::Deposit, rule);
                setClass(i, cls, rule);
                i.lineId = lineId;
                i.batchKey = key.first;
                i.currency = key.second;
                i.expected = g.expected;
                i.actual = g.deposited;
            }
        }
    }

    void computeTotals()
    {
        auto totalsOf = [&](quint32 c) -> CurrencyTotals & { return m_totals[c]; };
        for (const Txn &t : m_data.txns) {
            if (!t.inScope() || t.origin == Origin::Referenced || !t.settles())
                continue;
            if (t.status == TxnStatus::Settled || overdue(t))
                totalsOf(t.currency).expected += t.signedAmount();
        }
        for (const Line &l : m_data.lines) {
            const qint64 abs = l.amount < 0 ? -l.amount : l.amount;
            switch (l.kind) {
            case LineKind::Sale:
                totalsOf(l.currency).settled += abs;
                break;
            case LineKind::Refund:
                totalsOf(l.currency).settled -= abs;
                break;
            case LineKind::Deposit:
                totalsOf(l.currency).deposited += l.amount;
                break;
            default:
                totalsOf(l.currency).fees += l.amount;
                break;
            }
        }
        for (const auto &[c, t] : m_totals)
            m_result.totals.insert(MatchResult::currencyCode(c), t);
    }

    void match()
    {
        m_now = (m_options.now.isValid() ? m_options.now : QDateTime::currentDateTimeUtc()).toMSecsSinceEpoch();
        // The batches PayTrace settled in scope: fee lines of those batches are explained.
        m_batches = FlatIndex(64);
        for (const Txn &t : m_data.txns) {
            if (t.inScope() && t.batch != kNoKey && t.origin != Origin::Referenced)
                m_batches.insert(t.batch, 0);
        }
        m_result.items.reserve(m_data.lines.size() + m_data.txns.size() / 8 + 64);
        matchLines();
        matchUnreportedTxns();
        matchOrders();
        matchDeposits();
        computeTotals();

        m_result.scope = m_scope;
        m_result.linesRead = qint64(m_data.lines.size());
        qint64 inScope = 0;
        for (const Txn &t : m_data.txns)
            inScope += t.inScope() ? 1 : 0;
        m_result.transactionsRead = inScope;
        m_result.ordersRead = qint64(m_data.orders.size());
        for (const ResultItem &i : m_result.items) {
            switch (i.bucket) {
            case Bucket::Matched: ++m_result.matched; break;
            case Bucket::Discrepancy: ++m_result.discrepancies; break;
            case Bucket::SetAside: ++m_result.setAside; break;
            }
        }
        auto ids = std::make_shared<std::vector<std::pair<qint64, std::string>>>();
        ids->reserve(m_data.orders.size());
        for (Order &o : m_data.orders)
            ids->emplace_back(o.entityId, std::move(o.incrementId));
        m_result.incrementIds = std::move(ids);
        m_result.keys = m_keys;
        // The inputs are no longer needed: free them before the caller writes the results.
        m_data = Loaded();
    }

    QString m_path;
    ReconcileScope m_scope;
    MatcherConfig m_config;
    MatchOptions m_options;
    DayClock m_clock;
    std::vector<qint64> m_closes; // batch closes PayTrace reported, UTC ms, ascending
    std::shared_ptr<KeyInterner> m_keys;
    Loaded m_data;
    FlatIndex m_txnIndex;
    FlatIndex m_batches;
    std::map<quint32, CurrencyTotals> m_totals;
    qint64 m_now = 0;
    MatchResult m_result;
};

} // namespace

Result<MatchResult> Matcher::run(const QString &storePath, const ReconcileScope &scope,
                                 const MatcherConfig &config, const MatchOptions &options)
{
    Engine engine(storePath, scope, config, options);
    return engine.run();
}

} // namespace pb::reconcile
