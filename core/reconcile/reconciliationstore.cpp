#include "reconcile/reconciliationstore.h"

#include "store/auditlog.h"
#include "store/sqlsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QScopeGuard>
#include <QTimeZone>
#include <QVariant>

#include <sqlite3.h>

#include <cstdio>
#include <unordered_set>

using namespace Qt::StringLiterals;

namespace pb::reconcile {

namespace {


Error sqlError(const QString &what, const QSqlError &e)
{
    return makeError(u"reconcile.store"_s, {}, what + u": "_s + e.text());
}

Error rawError(sqlite3 *db, const QString &what)
{
    return makeError(u"reconcile.store"_s, {}, what + u": "_s + QString::fromUtf8(sqlite3_errmsg(db)));
}

sqlite3 *handleOf(QSqlDatabase &db)
{
    const QVariant v = db.driver()->handle();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(v.constData());
}

// A write transaction on the writer: its own (BEGIN IMMEDIATE) when the connection is idle, a
// savepoint inside the caller's. Rolled back on destruction unless committed.
class Tx
{
public:
    explicit Tx(QSqlDatabase &db) : m_tx(db, "reconcile_tx"_L1) {}
    Status begin() { return m_tx.begin(); }
    Status commit() { return m_tx.release(); }

private:
    store::detail::Savepoint m_tx;
};

Result<QSqlQuery> prepared(QSqlDatabase &db, const QString &sql)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return sqlError(u"cannot prepare a statement"_s, q.lastError());
    return q;
}

QString notNull(const QString &s)
{
    return s.isNull() ? u""_s : s;
}

Status execute(QSqlQuery &q, const QString &what)
{
    if (!q.exec())
        return sqlError(what, q.lastError());
    return {};
}

QString itemKey(const MatchResult &r, const ResultItem &i)
{
    switch (i.subject) {
    case Subject::Line:
        return u"line:"_s + QString::number(i.lineId);
    case Subject::Deposit:
        return u"deposit:"_s + QString::number(i.lineId);
    case Subject::Transaction:
        return u"txn:"_s + r.keyText(i.txnKey);
    case Subject::Order:
        return u"order:"_s + QString::number(i.orderEntityId);
    }
    return {};
}

QString totalsJson(const QMap<QString, CurrencyTotals> &totals)
{
    QJsonObject o;
    for (auto it = totals.cbegin(); it != totals.cend(); ++it) {
        const auto c = Currency::fromCode(it.key());
        auto m = [&](qint64 v) {
            return c ? QJsonValue(Money::fromMinor(v, *c).toDecimalString()) : QJsonValue(QString::number(v));
        };
        o.insert(it.key(), QJsonObject{{u"expected"_s, m(it->expected)},
                                       {u"settled"_s, m(it->settled)},
                                       {u"fees"_s, m(it->fees)},
                                       {u"deposited"_s, m(it->deposited)}});
    }
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

QMap<QString, CurrencyTotals> totalsFromJson(const QString &json)
{
    QMap<QString, CurrencyTotals> out;
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    for (auto it = o.begin(); it != o.end(); ++it) {
        const auto c = Currency::fromCode(it.key());
        if (!c)
            continue;
        const QJsonObject t = it.value().toObject();
        auto m = [&](const char *k) {
            const auto v = Money::parse(t.value(QLatin1StringView(k)).toString(), *c);
            return v ? v->minor() : 0;
        };
        out.insert(it.key(), CurrencyTotals{m("expected"), m("settled"), m("fees"), m("deposited")});
    }
    return out;
}

constexpr auto kItemColumns =
    "id, run_id, item_key, bucket, class, rule, subject, settlement_line_id, transaction_id, order_entity_id, "
    "increment_id, batch, currency, expected_minor, actual_minor, explanation, state, resolution, note, "
    "resolved_by, resolved_at, write_off_account, write_off_minor, linked_ref"_L1;

ItemRecord readItem(const QSqlQuery &q)
{
    ItemRecord r;
    int c = 0;
    r.id = q.value(c++).toLongLong();
    r.runId = q.value(c++).toLongLong();
    r.itemKey = q.value(c++).toString();
    r.bucket = q.value(c++).toString() == u"set_aside" ? Bucket::SetAside : Bucket::Discrepancy;
    r.cls = classFromName(q.value(c++).toString());
    r.rule = q.value(c++).toString();
    r.subject = q.value(c++).toString();
    r.settlementLineId = q.value(c++).toLongLong();
    r.transactionId = q.value(c++).toString();
    r.orderEntityId = q.value(c++).toLongLong();
    r.incrementId = q.value(c++).toString();
    r.batch = q.value(c++).toString();
    r.currency = q.value(c++).toString();
    const QVariant e = q.value(c++), a = q.value(c++);
    if (!e.isNull())
        r.expectedMinor = e.toLongLong();
    if (!a.isNull())
        r.actualMinor = a.toLongLong();
    r.explanation = q.value(c++).toString();
    r.state = q.value(c++).toString();
    r.resolution = resolutionFromName(q.value(c++).toString());
    r.note = q.value(c++).toString();
    r.resolvedBy = q.value(c++).toString();
    const QVariant at = q.value(c++);
    if (!at.isNull())
        r.resolvedAt = QDateTime::fromMSecsSinceEpoch(at.toLongLong(), Qt::UTC);
    r.writeOffAccount = q.value(c++).toString();
    const QVariant wo = q.value(c++);
    const auto cur = Currency::fromCode(r.currency);
    if (!wo.isNull() && cur)
        r.writeOff = Money::fromMinor(wo.toLongLong(), *cur);
    r.linkedRef = q.value(c++).toString();
    return r;
}

QString itemJson(const ItemRecord &r)
{
    QJsonObject o{{u"state"_s, r.state},
                  {u"resolution"_s, r.resolution ? resolutionName(*r.resolution) : QString()},
                  {u"note"_s, r.note}};
    if (r.writeOff)
        o.insert(u"write_off"_s, QJsonObject{{u"account"_s, r.writeOffAccount}, {u"amount"_s, r.writeOff->toString()}});
    if (!r.linkedRef.isEmpty())
        o.insert(u"linked_ref"_s, r.linkedRef);
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

} // namespace

Result<RunSummary> ReconciliationStore::save(const MatchResult &result, const QString &actor, const QDateTime &at)
{
    sqlite3 *h = handleOf(m_db);
    if (!h)
        return makeError(u"reconcile.store"_s, {}, u"the store connection is not SQLite"_s);
    const qint64 now = (at.isValid() ? at : QDateTime::currentDateTimeUtc()).toMSecsSinceEpoch();
    const ReconcileScope &scope = result.scope;

    Tx tx(m_db);
    if (Status s = tx.begin(); !s)
        return s.error();

    qint64 runId = 0;
    {
        PB_TRY(find, prepared(m_db, u"SELECT id FROM reconciliation_runs WHERE scope = ?"_s));
        find.addBindValue(scope.key());
        if (Status s = execute(find, u"cannot read the run"_s); !s)
            return s.error();
        if (find.next())
            runId = find.value(0).toLongLong();
    }
    const QString dateFrom = scope.from.isValid() ? scope.from.toString(Qt::ISODate) : QString();
    const QString dateTo = scope.to.isValid() ? scope.to.toString(Qt::ISODate) : QString();
    if (runId == 0) {
        PB_TRY(ins, prepared(m_db, uR"(INSERT INTO reconciliation_runs
            (scope, scope_kind, date_from, date_to, batch, started_at, finished_at, run_by)
            VALUES (?, ?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''), ?, ?, ?))"_s));
        // COALESCE: Qt binds a null QString (no batch in a day scope, no dates in a batch
        // scope) as NULL, and these columns are NOT NULL DEFAULT ''.
        for (const QVariant &v : {QVariant(scope.key()), QVariant(scope.kindName()), QVariant(dateFrom),
                                  QVariant(dateTo), QVariant(scope.batch), QVariant(now), QVariant(now),
                                  QVariant(actor)})
            ins.addBindValue(v);
        if (Status s = execute(ins, u"cannot create the run"_s); !s)
            return s.error();
        runId = ins.lastInsertId().toLongLong();
    } else {
        PB_TRY(upd, prepared(m_db, u"UPDATE reconciliation_runs SET generation = generation + 1, started_at = ?, "
                                   u"finished_at = ?, run_by = ? WHERE id = ?"_s));
        for (const QVariant &v : {QVariant(now), QVariant(now), QVariant(actor), QVariant(runId)})
            upd.addBindValue(v);
        if (Status s = execute(upd, u"cannot update the run"_s); !s)
            return s.error();
        for (const QString &sql : {u"DELETE FROM reconciliation_items WHERE run_id = ? AND state <> 'resolved'"_s,
                                   u"DELETE FROM reconciliation_matches WHERE run_id = ?"_s}) {
            PB_TRY(del, prepared(m_db, sql));
            del.addBindValue(runId);
            if (Status s = execute(del, u"cannot clear the previous results"_s); !s)
                return s.error();
        }
    }

    // Subjects a person resolved before: their resolution stands, whatever this run found.
    std::unordered_set<std::string> resolved;
    {
        PB_TRY(q, prepared(m_db, u"SELECT item_key FROM reconciliation_items WHERE run_id = ? AND state = 'resolved'"_s));
        q.addBindValue(runId);
        if (Status s = execute(q, u"cannot read resolved items"_s); !s)
            return s.error();
        while (q.next())
            resolved.insert(q.value(0).toString().toStdString());
    }

    // The bulk of a run is matched rows: raw prepared statements on the writer's own handle.
    sqlite3_stmt *match = nullptr, *item = nullptr;
    auto finalize = qScopeGuard([&] {
        sqlite3_finalize(match);
        sqlite3_finalize(item);
    });
    if (sqlite3_prepare_v2(h,
                           "INSERT INTO reconciliation_matches (run_id, subject, rule, settlement_line_id, "
                           "transaction_id, order_entity_id, currency, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           -1, &match, nullptr) != SQLITE_OK
        || sqlite3_prepare_v2(h,
                              "INSERT OR IGNORE INTO reconciliation_items (run_id, item_key, bucket, class, rule, subject, "
                              "settlement_line_id, transaction_id, order_entity_id, increment_id, batch, currency, "
                              "expected_minor, actual_minor, explanation, state) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                              -1, &item, nullptr) != SQLITE_OK)
        return rawError(h, u"cannot prepare the result inserts"_s);

    // Rule and subject names, converted once.
    QByteArray ruleNames[32], subjectNames[4];
    static_assert(int(Rule::OrderGuessed) < 32, "ruleNames holds every rule");
    for (int r = 0; r <= int(Rule::OrderGuessed); ++r)
        ruleNames[r] = ruleName(Rule(r)).toUtf8();
    for (int s = 0; s < 4; ++s)
        subjectNames[s] = subjectName(Subject(s)).toUtf8();

    // A run of a million matches dirties tens of MB: with the default 2 MB page cache SQLite
    // spills to the WAL mid-transaction and writes the same interior pages again and again.
    // A bigger cache for this transaction only (memory, not durability); restored after.
    const int pagesBefore = [&] {
        sqlite3_stmt *q = nullptr;
        int v = -2000;
        if (sqlite3_prepare_v2(h, "PRAGMA cache_size", -1, &q, nullptr) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
        return v;
    }();
    if (result.items.size() > 100000)
        sqlite3_exec(h, "PRAGMA cache_size = -131072", nullptr, nullptr, nullptr);
    auto restoreCache = qScopeGuard([&] {
        const QByteArray sql = "PRAGMA cache_size = " + QByteArray::number(pagesBefore);
        sqlite3_exec(h, sql.constData(), nullptr, nullptr, nullptr);
    });
    char txnBuf[32];
    for (const ResultItem &i : result.items) {
        if (!resolved.empty() && resolved.count(itemKey(result, i).toStdString()))
            continue;
        if (i.bucket == Bucket::Matched) {
            sqlite3_reset(match);
            sqlite3_bind_int64(match, 1, runId);
            const QByteArray &subject = subjectNames[int(i.subject)];
            const QByteArray &rule = ruleNames[int(i.rule)];
            sqlite3_bind_text(match, 2, subject.constData(), int(subject.size()), SQLITE_STATIC);
            sqlite3_bind_text(match, 3, rule.constData(), int(rule.size()), SQLITE_STATIC);
            if (i.lineId)
                sqlite3_bind_int64(match, 4, i.lineId);
            else
                sqlite3_bind_null(match, 4);
            QByteArray txnText;
            if (i.txnKey >= 0) {
                const int n = std::snprintf(txnBuf, sizeof txnBuf, "%lld", static_cast<long long>(i.txnKey));
                sqlite3_bind_text(match, 5, txnBuf, n, SQLITE_STATIC);
            } else {
                txnText = result.keyText(i.txnKey).toUtf8();
                sqlite3_bind_text(match, 5, txnText.constData(), int(txnText.size()), SQLITE_STATIC);
            }
            if (i.orderEntityId)
                sqlite3_bind_int64(match, 6, i.orderEntityId);
            else
                sqlite3_bind_null(match, 6);
            const char cur[3] = {char((i.currency >> 16) & 0xFF), char((i.currency >> 8) & 0xFF), char(i.currency & 0xFF)};
            sqlite3_bind_text(match, 7, cur, i.currency ? 3 : 0, SQLITE_STATIC);
            sqlite3_bind_int64(match, 8, i.actual);
            if (sqlite3_step(match) != SQLITE_DONE)
                return rawError(h, u"cannot write a matched row"_s);
            continue;
        }
        const QByteArray key = itemKey(result, i).toUtf8();
        const QByteArray bucket = bucketName(i.bucket).toUtf8();
        const QByteArray cls = className(i.cls).toUtf8();
        const QByteArray txn = result.keyText(i.txnKey).toUtf8();
        const QByteArray inc = result.incrementId(i.orderEntityId).toUtf8();
        const QByteArray batch = result.keyText(i.batchKey).toUtf8();
        const QByteArray currency = MatchResult::currencyCode(i.currency).toUtf8();
        const QByteArray explanation = result.explain(i).toUtf8();
        const bool codes = i.rule == Rule::LineCurrency || i.rule == Rule::OrderCurrency;
        const bool days = i.rule == Rule::LineDay;
        sqlite3_reset(item);
        sqlite3_bind_int64(item, 1, runId);
        sqlite3_bind_text(item, 2, key.constData(), int(key.size()), SQLITE_STATIC);
        sqlite3_bind_text(item, 3, bucket.constData(), int(bucket.size()), SQLITE_STATIC);
        sqlite3_bind_text(item, 4, cls.constData(), int(cls.size()), SQLITE_STATIC);
        sqlite3_bind_text(item, 5, ruleNames[int(i.rule)].constData(), int(ruleNames[int(i.rule)].size()), SQLITE_STATIC);
        sqlite3_bind_text(item, 6, subjectNames[int(i.subject)].constData(), int(subjectNames[int(i.subject)].size()),
                          SQLITE_STATIC);
        if (i.lineId)
            sqlite3_bind_int64(item, 7, i.lineId);
        else
            sqlite3_bind_null(item, 7);
        sqlite3_bind_text(item, 8, txn.constData(), int(txn.size()), SQLITE_STATIC);
        if (i.orderEntityId)
            sqlite3_bind_int64(item, 9, i.orderEntityId);
        else
            sqlite3_bind_null(item, 9);
        sqlite3_bind_text(item, 10, inc.constData(), int(inc.size()), SQLITE_STATIC);
        sqlite3_bind_text(item, 11, batch.constData(), int(batch.size()), SQLITE_STATIC);
        sqlite3_bind_text(item, 12, currency.constData(), int(currency.size()), SQLITE_STATIC);
        // Currency and day comparisons are explained in words; their numbers are not money.
        if (codes || days) {
            sqlite3_bind_null(item, 13);
            sqlite3_bind_null(item, 14);
        } else {
            sqlite3_bind_int64(item, 13, i.expected);
            sqlite3_bind_int64(item, 14, i.actual);
        }
        sqlite3_bind_text(item, 15, explanation.constData(), int(explanation.size()), SQLITE_STATIC);
        sqlite3_bind_text(item, 16, i.bucket == Bucket::Discrepancy ? "open" : "none", -1, SQLITE_STATIC);
        if (sqlite3_step(item) != SQLITE_DONE)
            return rawError(h, u"cannot write a reconciliation item"_s);
    }

    {
        PB_TRY(upd, prepared(m_db, uR"(UPDATE reconciliation_runs SET
            lines_read = ?, transactions_read = ?, orders_read = ?,
            matched = (SELECT count(*) FROM reconciliation_matches WHERE run_id = ?),
            discrepancies = (SELECT count(*) FROM reconciliation_items WHERE run_id = ? AND bucket = 'discrepancy'),
            set_aside = (SELECT count(*) FROM reconciliation_items WHERE run_id = ? AND bucket = 'set_aside'),
            totals_json = ?, finished_at = ? WHERE id = ?)"_s));
        // Plain positional parameters only: mixing '?' with '?1' renumbers them in SQLite (the
        // first '?' is ?1), which bound the line count as the run id.
        for (const QVariant &v : {QVariant(result.linesRead), QVariant(result.transactionsRead),
                                  QVariant(result.ordersRead), QVariant(runId), QVariant(runId), QVariant(runId),
                                  QVariant(totalsJson(result.totals)),
                                  QVariant(QDateTime::currentDateTimeUtc().toMSecsSinceEpoch()), QVariant(runId)})
            upd.addBindValue(v);
        if (Status s = execute(upd, u"cannot finish the run"_s); !s)
            return s.error();
    }
    finalize.dismiss();
    sqlite3_finalize(match);
    sqlite3_finalize(item);
    if (Status s = tx.commit(); !s)
        return s.error();
    return runById(runId);
}

Result<RunSummary> ReconciliationStore::runById(qint64 runId) const
{
    PB_TRY(q, prepared(m_db, uR"(SELECT id, scope, generation, finished_at, run_by, lines_read,
        transactions_read, orders_read, matched, discrepancies, set_aside, totals_json
        FROM reconciliation_runs WHERE id = ?)"_s));
    q.addBindValue(runId);
    if (Status s = execute(q, u"cannot read the run"_s); !s)
        return s.error();
    if (!q.next())
        return makeError(u"reconcile.not_found"_s, u"run"_s, u"no reconciliation run "_s + QString::number(runId));
    RunSummary r;
    int c = 0;
    r.runId = q.value(c++).toLongLong();
    r.scope = q.value(c++).toString();
    r.generation = q.value(c++).toInt();
    r.finishedAt = QDateTime::fromMSecsSinceEpoch(q.value(c++).toLongLong(), Qt::UTC);
    r.runBy = q.value(c++).toString();
    r.linesRead = q.value(c++).toLongLong();
    r.transactionsRead = q.value(c++).toLongLong();
    r.ordersRead = q.value(c++).toLongLong();
    r.matched = q.value(c++).toLongLong();
    r.discrepancies = q.value(c++).toLongLong();
    r.setAside = q.value(c++).toLongLong();
    r.totals = totalsFromJson(q.value(c++).toString());

    PB_TRY(open, prepared(m_db, u"SELECT class, count(*) FROM reconciliation_items WHERE run_id = ? AND state = 'open' GROUP BY class"_s));
    open.addBindValue(runId);
    if (Status s = execute(open, u"cannot count open items"_s); !s)
        return s.error();
    while (open.next()) {
        r.openByClass.insert(open.value(0).toString(), open.value(1).toLongLong());
        r.open += open.value(1).toLongLong();
    }
    return r;
}

Result<std::optional<RunSummary>> ReconciliationStore::run(const QString &scopeKey) const
{
    PB_TRY(q, prepared(m_db, u"SELECT id FROM reconciliation_runs WHERE scope = ?"_s));
    q.addBindValue(scopeKey);
    if (Status s = execute(q, u"cannot read the run"_s); !s)
        return s.error();
    if (!q.next())
        return std::optional<RunSummary>();
    PB_TRY(summary, runById(q.value(0).toLongLong()));
    return std::optional<RunSummary>(std::move(summary));
}

Result<QList<ItemRecord>> ReconciliationStore::items(qint64 runId, const ItemFilter &filter) const
{
    QString sql = u"SELECT "_s + kItemColumns + u" FROM reconciliation_items WHERE run_id = ? AND id > ?"_s;
    if (!filter.state.isEmpty())
        sql += u" AND state = ?"_s;
    if (!filter.cls.isEmpty())
        sql += u" AND class = ?"_s;
    if (filter.discrepanciesOnly)
        sql += u" AND bucket = 'discrepancy'"_s;
    sql += u" ORDER BY id LIMIT ?"_s;
    PB_TRY(q, prepared(m_db, sql));
    q.addBindValue(runId);
    q.addBindValue(filter.afterId);
    if (!filter.state.isEmpty())
        q.addBindValue(filter.state);
    if (!filter.cls.isEmpty())
        q.addBindValue(filter.cls);
    q.addBindValue(filter.limit);
    if (Status s = execute(q, u"cannot read items"_s); !s)
        return s.error();
    QList<ItemRecord> out;
    while (q.next())
        out.append(readItem(q));
    return out;
}

Result<ItemRecord> ReconciliationStore::item(qint64 itemId) const
{
    PB_TRY(q, prepared(m_db, u"SELECT "_s + kItemColumns + u" FROM reconciliation_items WHERE id = ?"_s));
    q.addBindValue(itemId);
    if (Status s = execute(q, u"cannot read the item"_s); !s)
        return s.error();
    if (!q.next())
        return makeError(u"reconcile.not_found"_s, u"item"_s, u"no reconciliation item "_s + QString::number(itemId));
    return readItem(q);
}

Result<ResolutionPreview> ReconciliationStore::preview(const ResolutionRequest &request) const
{
    ResolutionPreview p;
    auto problem = [&](const QString &field, const QString &message) {
        p.problems.append(makeError(u"reconcile.resolution"_s, field, message));
    };
    if (request.itemIds.isEmpty())
        problem(u"items"_s, u"no item is selected"_s);
    if (request.note.trimmed().isEmpty())
        problem(u"note"_s, u"a note is required"_s);
    if (request.actor.trimmed().isEmpty())
        problem(u"actor"_s, u"the person resolving is unknown"_s);
    if (request.kind == ResolutionKind::WriteOff && request.writeOffAccount.trimmed().isEmpty())
        problem(u"account"_s, u"a write-off needs an account"_s);
    if (request.kind == ResolutionKind::Link && request.linkRef.trimmed().isEmpty())
        problem(u"link"_s, u"linking by hand needs the transaction id or order number to link"_s);
    QList<qint64> seen;
    for (qint64 id : request.itemIds) {
        if (seen.contains(id))
            continue;
        seen.append(id);
        auto it = item(id);
        if (!it) {
            problem(u"item "_s + QString::number(id), it.error().message);
            continue;
        }
        const ItemRecord &r = it.value();
        const QString field = u"item "_s + QString::number(id);
        if (r.state != u"open") {
            problem(field, r.state == u"resolved" ? u"is already resolved"_s : u"is not a discrepancy"_s);
            continue;
        }
        ResolutionPreview::Line line{id, r.cls ? className(*r.cls) : QString(), r.explanation,
                                     resolutionName(request.kind), std::nullopt};
        if (request.kind == ResolutionKind::WriteOff) {
            const auto cur = Currency::fromCode(r.currency);
            if (!cur) {
                problem(field, u"has no currency to write off in"_s);
                continue;
            }
            Money amount;
            if (request.writeOffAmount) {
                if (!(request.writeOffAmount->currency() == *cur)) {
                    problem(field, u"is in "_s + r.currency + u", the write-off in "_s
                                       + request.writeOffAmount->currency().code());
                    continue;
                }
                amount = *request.writeOffAmount;
            } else if (r.expectedMinor && r.actualMinor) {
                amount = Money::fromMinor(*r.actualMinor - *r.expectedMinor, *cur);
            } else if (r.actualMinor) {
                amount = Money::fromMinor(*r.actualMinor, *cur);
            } else if (r.expectedMinor) {
                amount = Money::fromMinor(-*r.expectedMinor, *cur);
            } else {
                problem(field, u"has no amount; give the write-off amount"_s);
                continue;
            }
            line.writeOff = amount;
            line.action = u"write off "_s + amount.toString() + u" to "_s + request.writeOffAccount;
            p.writeOffTotals[r.currency] += amount.minor();
        } else if (request.kind == ResolutionKind::Link) {
            line.action = u"link to "_s + request.linkRef;
        } else if (!request.linkRef.trimmed().isEmpty()) {
            line.action = resolutionName(request.kind) + u" "_s + request.linkRef.trimmed();
        }
        p.lines.append(line);
    }
    return p;
}

Result<int> ReconciliationStore::resolve(const ResolutionRequest &request, const QDateTime &at)
{
    PB_TRY(p, preview(request));
    if (!p.ok())
        return p.problems.first();
    const QDateTime when = at.isValid() ? at : QDateTime::currentDateTimeUtc();
    Tx tx(m_db);
    if (Status s = tx.begin(); !s)
        return s.error();
    store::AuditLog audit(m_db);
    for (const ResolutionPreview::Line &line : p.lines) {
        PB_TRY(before, item(line.itemId));
        PB_TRY(q, prepared(m_db, uR"(UPDATE reconciliation_items SET state = 'resolved', resolution = ?,
            note = ?, resolved_by = ?, resolved_at = ?, write_off_account = ?, write_off_minor = ?, linked_ref = ?
            WHERE id = ? AND state = 'open')"_s));
        q.addBindValue(resolutionName(request.kind));
        q.addBindValue(request.note.trimmed());
        q.addBindValue(request.actor);
        q.addBindValue(when.toMSecsSinceEpoch());
        // Empty, never null QStrings: Qt binds a null QString as NULL and these columns are NOT NULL.
        q.addBindValue(request.kind == ResolutionKind::WriteOff ? notNull(request.writeOffAccount.trimmed()) : u""_s);
        q.addBindValue(line.writeOff ? QVariant(line.writeOff->minor()) : QVariant(QMetaType(QMetaType::LongLong)));
        // A refund or credit memo keeps the intent that makes it, like a link keeps its target.
        q.addBindValue(request.kind == ResolutionKind::WriteOff || request.kind == ResolutionKind::Accept
                           ? u""_s : notNull(request.linkRef.trimmed()));
        q.addBindValue(line.itemId);
        if (Status s = execute(q, u"cannot resolve an item"_s); !s)
            return s.error();
        if (q.numRowsAffected() != 1)
            return makeError(u"reconcile.conflict"_s, u"item "_s + QString::number(line.itemId),
                             u"changed while it was being resolved"_s);
        PB_TRY(after, item(line.itemId));
        PB_TRY(entry, audit.append(request.actor, u"reconcile.resolve"_s, u"reconciliation_item"_s,
                                   QString::number(line.itemId), itemJson(before), itemJson(after),
                                   line.action + u": "_s + request.note.trimmed(), when));
        Q_UNUSED(entry);
    }
    if (Status s = tx.commit(); !s)
        return s.error();
    return int(p.lines.size());
}

Result<int> ReconciliationStore::reopen(const QList<qint64> &itemIds, const QString &note, const QString &actor,
                                        const QDateTime &at)
{
    if (note.trimmed().isEmpty())
        return makeError(u"reconcile.resolution"_s, u"note"_s, u"a note is required"_s);
    if (actor.trimmed().isEmpty())
        return makeError(u"reconcile.resolution"_s, u"actor"_s, u"the person reopening is unknown"_s);
    const QDateTime when = at.isValid() ? at : QDateTime::currentDateTimeUtc();
    Tx tx(m_db);
    if (Status s = tx.begin(); !s)
        return s.error();
    store::AuditLog audit(m_db);
    int n = 0;
    for (qint64 id : itemIds) {
        PB_TRY(before, item(id));
        if (before.state != u"resolved")
            return makeError(u"reconcile.resolution"_s, u"item "_s + QString::number(id), u"is not resolved"_s);
        PB_TRY(q, prepared(m_db, uR"(UPDATE reconciliation_items SET state = 'open', resolution = '', note = ?,
            resolved_by = '', resolved_at = NULL, write_off_account = '', write_off_minor = NULL, linked_ref = ''
            WHERE id = ?)"_s));
        q.addBindValue(note.trimmed());
        q.addBindValue(id);
        if (Status s = execute(q, u"cannot reopen an item"_s); !s)
            return s.error();
        PB_TRY(after, item(id));
        PB_TRY(entry, audit.append(actor, u"reconcile.reopen"_s, u"reconciliation_item"_s, QString::number(id),
                                   itemJson(before), itemJson(after), u"reopen: "_s + note.trimmed(), when));
        Q_UNUSED(entry);
        ++n;
    }
    if (Status s = tx.commit(); !s)
        return s.error();
    return n;
}

Result<bool> ReconciliationStore::isDayClosed(QDate day) const
{
    PB_TRY(summary, run(ReconcileScope::day(day).key()));
    return summary.has_value() && summary->open == 0;
}

Result<QList<WriteOff>> ReconciliationStore::writeOffs(QDate day) const
{
    PB_TRY(q, prepared(m_db, uR"(SELECT i.id, i.increment_id, i.transaction_id, i.settlement_line_id, i.currency,
        i.write_off_minor, i.write_off_account, i.note
        FROM reconciliation_items i JOIN reconciliation_runs r ON r.id = i.run_id
        WHERE r.scope = ? AND i.state = 'resolved' AND i.resolution = 'write_off' ORDER BY i.id)"_s));
    q.addBindValue(ReconcileScope::day(day).key());
    if (Status s = execute(q, u"cannot read write-offs"_s); !s)
        return s.error();
    QList<WriteOff> out;
    while (q.next()) {
        WriteOff w;
        w.itemId = q.value(0).toLongLong();
        const QString inc = q.value(1).toString(), txn = q.value(2).toString();
        w.reference = !inc.isEmpty() ? inc
            : !txn.isEmpty()         ? u"txn:"_s + txn
                                     : u"line:"_s + QString::number(q.value(3).toLongLong());
        const auto cur = Currency::fromCode(q.value(4).toString());
        if (!cur)
            return makeError(u"reconcile.store"_s, u"currency"_s,
                             u"write-off "_s + QString::number(w.itemId) + u" has an unknown currency"_s);
        w.amount = Money::fromMinor(q.value(5).toLongLong(), *cur);
        w.account = q.value(6).toString();
        w.note = q.value(7).toString();
        out.append(w);
    }
    return out;
}

} // namespace pb::reconcile
