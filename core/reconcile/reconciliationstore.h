#pragma once

#include "money/money.h"
#include "reconcile/discrepancy.h"
#include "reconcile/matcher.h"
#include "util/result.h"

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QSqlDatabase>
#include <QString>

#include <optional>

namespace pb::reconcile {

struct RunSummary
{
    qint64 runId = 0;
    QString scope;               // ReconcileScope::key()
    int generation = 0;          // how many times the scope was reconciled
    QDateTime finishedAt;
    QString runBy;
    qint64 linesRead = 0;
    qint64 transactionsRead = 0;
    qint64 ordersRead = 0;
    qint64 matched = 0;
    qint64 discrepancies = 0;    // open and resolved
    qint64 setAside = 0;
    qint64 open = 0;
    QMap<QString, CurrencyTotals> totals;
    QMap<QString, qint64> openByClass;
    bool closed() const { return open == 0; }
};

// One discrepancy or set-aside row as people see it.
struct ItemRecord
{
    qint64 id = 0;
    qint64 runId = 0;
    QString itemKey;
    Bucket bucket = Bucket::Discrepancy;
    std::optional<DiscrepancyClass> cls;
    QString rule;
    QString subject;
    qint64 settlementLineId = 0;
    QString transactionId;
    qint64 orderEntityId = 0;
    QString incrementId;
    QString batch;
    QString currency;
    std::optional<qint64> expectedMinor;
    std::optional<qint64> actualMinor;
    QString explanation;
    QString state;               // open, resolved, none
    std::optional<ResolutionKind> resolution;
    QString note;
    QString resolvedBy;
    QDateTime resolvedAt;
    QString writeOffAccount;
    std::optional<Money> writeOff;
    QString linkedRef;
};

struct ItemFilter
{
    QString state;               // "" = any
    QString cls;                 // "" = any
    bool discrepanciesOnly = false;
    qint64 afterId = 0;          // keyset paging
    int limit = 1000;
};

struct ResolutionRequest
{
    QList<qint64> itemIds;
    ResolutionKind kind = ResolutionKind::Accept;
    QString note;                // required
    QString actor;               // required
    QString writeOffAccount;     // write_off: required
    std::optional<Money> writeOffAmount; // write_off: default the item's difference
    QString linkRef;             // link: the transaction id or increment id linked by hand; required
                                 // refund, credit_memo: the intent key that makes it (kept as linkedRef)
};

// What a bulk resolution will do, item by item, before anything is written.
struct ResolutionPreview
{
    struct Line
    {
        qint64 itemId = 0;
        QString cls;
        QString explanation;
        QString action;          // "accept", "write off USD 3.00 to 6890 Bank fees", ...
        std::optional<Money> writeOff;
    };
    QList<Line> lines;
    QList<Error> problems;       // items that cannot take this resolution (resolve refuses them all)
    QMap<QString, qint64> writeOffTotals; // currency -> minor units
    bool ok() const { return problems.isEmpty(); }
};

// One write-off for the ERP day journal.
struct WriteOff
{
    qint64 itemId = 0;
    QString reference;           // increment id, else "txn:<id>", else "line:<id>"
    Money amount;
    QString account;
    QString note;
};

// Saves reconciliation results and people's resolutions, over the writer connection. Every
// write is one transaction (a savepoint inside the caller's).
class ReconciliationStore
{
public:
    explicit ReconciliationStore(QSqlDatabase &writer) : m_db(writer) {}

    // Replaces the scope's open results with `result`; resolved items survive (a result for
    // the same subject does not reopen them). Returns the run as stored.
    Result<RunSummary> save(const MatchResult &result, const QString &actor, const QDateTime &at);

    Result<std::optional<RunSummary>> run(const QString &scopeKey) const;
    Result<RunSummary> runById(qint64 runId) const;
    Result<QList<ItemRecord>> items(qint64 runId, const ItemFilter &filter = {}) const;
    Result<ItemRecord> item(qint64 itemId) const;

    Result<ResolutionPreview> preview(const ResolutionRequest &request) const;
    // All or nothing: refuses when preview() reports a problem. One audit entry per item.
    Result<int> resolve(const ResolutionRequest &request, const QDateTime &at);
    // Opens resolved items again (with a note and an audit entry each).
    Result<int> reopen(const QList<qint64> &itemIds, const QString &note, const QString &actor,
                       const QDateTime &at);

    // A day is closed when it was reconciled and nothing of it is open.
    Result<bool> isDayClosed(QDate day) const;
    // The day's write-offs, for the ERP day journal.
    Result<QList<WriteOff>> writeOffs(QDate day) const;

private:
    QSqlDatabase &m_db;
};

} // namespace pb::reconcile
