#include "dashboardmodel.h"

#include "displayformat.h"
#include "transactionconditions.h"
#include "store/database.h"

#include <QCoreApplication>
#include <QSqlError>
#include <QSqlQuery>

#include <atomic>

using namespace Qt::StringLiterals;

namespace pb::ui {

namespace {

QString tr(const char *text, int n = -1)
{
    return QCoreApplication::translate("pb::ui::Dashboard", text, nullptr, n);
}

Error sqlError(const QSqlQuery &q, const char *what)
{
    return makeError(u"dashboard.sql"_s, QString::fromLatin1(what), q.lastError().text());
}

qint64 ms(const QDateTime &t)
{
    return t.toMSecsSinceEpoch();
}

Result<QList<CurrencyVolume>> volumes(QSqlDatabase &db, qint64 fromMs, qint64 toMs)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    // One pass over the period's rows (index on created_at); every sum is an integer sum. The
    // conditions are the Transactions page's, so each figure's link shows exactly its rows.
    QStringList sums;
    for (const auto &kind : TransactionConditions::kinds()) {
        const QString condition = TransactionConditions::kindSql(kind.code);
        sums << u"SUM(%1)"_s.arg(condition) << u"SUM(CASE WHEN %1 THEN amount ELSE 0 END)"_s.arg(condition);
    }
    q.prepare(u"SELECT currency, "_s + sums.join(u", "_s)
              + u" FROM gateway_transactions WHERE created_at >= ? AND created_at < ?"
                " GROUP BY currency ORDER BY currency"_s);
    q.addBindValue(fromMs);
    q.addBindValue(toMs);
    if (!q.exec())
        return sqlError(q, "volumes");
    QList<CurrencyVolume> out;
    while (q.next()) {
        CurrencyVolume v;
        v.currency = q.value(0).toString();
        Tally *tallies[] = {&v.approved, &v.declined, &v.captured, &v.refunded, &v.voided};
        for (int i = 0; i < 5; ++i) {
            tallies[i]->count = q.value(1 + 2 * i).toLongLong();
            tallies[i]->minor = q.value(2 + 2 * i).toLongLong();
        }
        out << v;
    }
    return out;
}

Status health(QSqlDatabase &db, const DashboardOptions &o, const QDateTime &now, DashboardData &d)
{
    d.health = {ConnectionHealth{}, ConnectionHealth{}};
    d.health[0].system = u"PayTrace"_s;
    d.health[1].system = u"Magento"_s;

    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(u"SELECT MAX(finished_at) FROM sync_runs WHERE outcome = 'ok'"_s))
        return sqlError(q, "sync_runs");
    if (q.next() && !q.value(0).isNull())
        for (auto &h : d.health)
            h.lastSuccess = QDateTime::fromMSecsSinceEpoch(q.value(0).toLongLong(), Qt::UTC);

    if (!q.exec(u"SELECT outcome, message, COALESCE(finished_at, started_at) FROM sync_runs ORDER BY id DESC LIMIT 1"_s))
        return sqlError(q, "sync_runs");
    if (q.next()) {
        d.latestRunOutcome = q.value(0).toString();
        d.latestRunMessage = q.value(1).toString();
        d.latestRunAt = QDateTime::fromMSecsSinceEpoch(q.value(2).toLongLong(), Qt::UTC);
    }

    // The engine names the connection first in a failed run's message ("PayTrace: ...").
    q.prepare(u"SELECT outcome, message, finished_at FROM sync_runs"
              " WHERE outcome IN ('ok', 'failed') ORDER BY id DESC LIMIT ?"_s);
    q.addBindValue(o.recentRuns);
    if (!q.exec())
        return sqlError(q, "sync_runs");
    const qint64 hourAgo = ms(now) - 3600 * 1000;
    while (q.next()) {
        const QString outcome = q.value(0).toString();
        const QString message = q.value(1).toString();
        const qint64 at = q.value(2).toLongLong();
        for (auto &h : d.health) {
            ++h.recentRuns;
            if (outcome != u"failed" || !message.startsWith(h.system + u':'))
                continue;
            ++h.recentFailures;
            if (h.lastError.isEmpty()) {
                h.lastError = message;
                h.lastErrorAt = QDateTime::fromMSecsSinceEpoch(at, Qt::UTC);
            }
            if (message.contains(u"rate_limited"_s) && at >= hourAgo && !h.rateLimitedAt.isValid())
                h.rateLimitedAt = QDateTime::fromMSecsSinceEpoch(at, Qt::UTC);
        }
    }

    // Latency and rate limits of the writes PayBridge sent (the last 50 sends per system).
    for (auto &h : d.health) {
        const QString prefix = h.system.toLower() + u".%"_s;
        q.prepare(u"SELECT AVG(finished_at - started_at), COUNT(*) FROM (SELECT a.started_at, a.finished_at"
                  " FROM intent_attempts a JOIN intents i ON i.id = a.intent_id"
                  " WHERE i.kind LIKE ? AND a.action = 'send' AND a.finished_at IS NOT NULL"
                  " ORDER BY a.id DESC LIMIT 50)"_s);
        q.addBindValue(prefix);
        if (!q.exec())
            return sqlError(q, "intent_attempts");
        if (q.next() && q.value(1).toLongLong() > 0) {
            h.averageLatencyMs = qRound64(q.value(0).toDouble()); // a mean of integers, for display only
            h.latencySamples = q.value(1).toInt();
        }
        q.prepare(u"SELECT MAX(a.started_at) FROM intent_attempts a JOIN intents i ON i.id = a.intent_id"
                  " WHERE i.kind LIKE ? AND a.error_class = 'rate_limited' AND a.started_at >= ?"_s);
        q.addBindValue(prefix);
        q.addBindValue(hourAgo);
        if (!q.exec())
            return sqlError(q, "intent_attempts");
        if (q.next() && !q.value(0).isNull()) {
            const auto at = QDateTime::fromMSecsSinceEpoch(q.value(0).toLongLong(), Qt::UTC);
            if (!h.rateLimitedAt.isValid() || at > h.rateLimitedAt)
                h.rateLimitedAt = at;
        }
    }
    return {};
}

Status queue(QSqlDatabase &db, const QDateTime &now, DashboardData &d)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(u"SELECT"
              " SUM(state IN ('planned', 'retry_wait', 'sending')),"
              " SUM(state IN ('in_doubt', 'needs_person')),"
              " SUM(state = 'dead'),"
              " SUM(state IN ('in_doubt', 'needs_person') AND COALESCE(in_doubt_since, updated_at) < ?),"
              " SUM(state = 'needs_person')"
              " FROM intents WHERE state NOT IN ('succeeded', 'discarded')"_s);
    q.addBindValue(ms(now) - 3600 * 1000);
    if (!q.exec())
        return sqlError(q, "intents");
    if (q.next()) {
        d.queue.pending = q.value(0).toLongLong();
        d.queue.inDoubt = q.value(1).toLongLong();
        d.queue.dead = q.value(2).toLongLong();
        d.queue.inDoubtOverHour = q.value(3).toLongLong();
        d.queue.needsPerson = q.value(4).toLongLong();
    }
    if (!q.exec(u"SELECT COUNT(*), SUM(NOT %1) FROM gateway_transactions t"_s.arg(TransactionConditions::linkedSql(u"t"_s))))
        return sqlError(q, "gateway_transactions");
    if (q.next()) {
        d.transactions = q.value(0).toLongLong();
        d.unlinkedTransactions = q.value(1).toLongLong();
    }
    if (!q.exec(u"SELECT COUNT(*) FROM quarantine"_s))
        return sqlError(q, "quarantine");
    if (q.next())
        d.quarantined = q.value(0).toLongLong();
    return {};
}

// Every local day from `first` to `last`, its [start, end) in UTC milliseconds; DST-safe
// because each boundary is a local midnight converted on its own.
Status chart(QSqlDatabase &db, const DashboardOptions &o, QDate first, QDate last, DashboardData &d)
{
    QStringList rows;
    QVariantList binds;
    QList<QDate> days;
    for (QDate day = first; day <= last; day = day.addDays(1)) {
        rows << u"(%1, ?, ?)"_s.arg(days.size());
        binds << ms(QDateTime(day, QTime(0, 0), o.zone)) << ms(QDateTime(day.addDays(1), QTime(0, 0), o.zone));
        days << day;
    }
    const QString cte = u"WITH days(d, s, e) AS (VALUES %1) "_s.arg(rows.join(u", "_s));
    // Captured and refunded by creation day (the volumes' conditions), settled by settlement day.
    const QString sql = cte
        + u"SELECT t.currency, days.d,"
          " SUM(CASE WHEN %1 THEN t.amount ELSE 0 END),"
          " SUM(CASE WHEN %2 THEN t.amount ELSE 0 END), 0"
          " FROM days JOIN gateway_transactions t ON t.created_at >= days.s AND t.created_at < days.e"
          " GROUP BY t.currency, days.d"
          " UNION ALL SELECT t.currency, days.d, 0, 0,"
          " SUM(CASE WHEN t.type = 'refund' THEN -t.amount ELSE t.amount END)"
          " FROM days JOIN gateway_transactions t ON t.settled_at >= days.s AND t.settled_at < days.e"
          " WHERE t.status = 'settled' AND t.type IN ('sale', 'capture', 'refund')"
          " GROUP BY t.currency, days.d"_s.arg(TransactionConditions::kindSql(u"captured"_s, u"t"_s),
                                               TransactionConditions::kindSql(u"refunded"_s, u"t"_s));
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.prepare(sql))
        return sqlError(q, "chart");
    // The CTE is written once and read by both halves of the UNION, so its days bind once.
    for (const QVariant &v : std::as_const(binds))
        q.addBindValue(v);
    if (!q.exec())
        return sqlError(q, "chart");
    while (q.next()) {
        const QString currency = q.value(0).toString();
        auto it = d.chart.find(currency);
        if (it == d.chart.end()) {
            QList<DayAmounts> empty;
            for (const QDate &day : std::as_const(days))
                empty << DayAmounts{day, 0, 0, 0};
            it = d.chart.insert(currency, empty);
        }
        DayAmounts &a = (*it)[q.value(1).toInt()];
        a.captured += q.value(2).toLongLong();
        a.refunded += q.value(3).toLongLong();
        a.settled += q.value(4).toLongLong();
    }
    return {};
}

void deriveAlerts(DashboardData &d)
{
    using S = Alert::Severity;
    if (d.latestRunOutcome == u"failed")
        d.alerts << Alert{S::Critical, u"sync.failed"_s,
                          tr("The last sync failed: %1. Orders and transactions may be out of date; fix the "
                             "cause and use Sync Now.").arg(d.latestRunMessage),
                          {}, {}, {}};
    if (d.queue.dead > 0)
        d.alerts << Alert{S::Critical, u"queue.dead"_s,
                          tr("%n action(s) failed for good (dead letters). Open the queue, read the error, then "
                             "replay or discard each one.", int(d.queue.dead)),
                          u"queue"_s, u"dead"_s, {}};
    if (d.queue.needsPerson > 0)
        d.alerts << Alert{S::Critical, u"queue.needs_person"_s,
                          tr("%n action(s) need a person: PayBridge looked in PayTrace, Magento or the ERP and could "
                             "not tell whether they happened. Open each one, read what was found, and say whether "
                             "it happened.", int(d.queue.needsPerson)),
                          u"queue"_s, u"in_doubt"_s, {}};
    if (d.queue.inDoubtOverHour > 0)
        d.alerts << Alert{S::Critical, u"queue.in_doubt_old"_s,
                          tr("%n action(s) have been in doubt for more than an hour: nobody knows yet whether "
                             "the money moved. Check them in the queue and resolve them by hand.",
                             int(d.queue.inDoubtOverHour)),
                          u"queue"_s, u"in_doubt"_s, {}};
    for (const auto &h : std::as_const(d.health)) {
        if (h.rateLimitedAt.isValid())
            d.alerts << Alert{S::Warning, u"connection.rate_limited"_s,
                              tr("%1 asked PayBridge to slow down (too many requests) at %2; work continues "
                                 "more slowly.").arg(h.system, Format::dateTime(h.rateLimitedAt.toMSecsSinceEpoch())),
                              {}, {}, {}};
    }
    if (d.quarantined > 0)
        d.alerts << Alert{S::Warning, u"sync.quarantine"_s,
                          tr("%n record(s) from Magento, PayTrace or a settlement file could not be read and are "
                             "in quarantine; the rest was synced. Open the list to see the field and the reason, "
                             "then have the source corrected: the next sync picks it up.",
                             int(d.quarantined)),
                          u"quarantine"_s, {}, {}};
    if (d.cardsExpiring > 0)
        d.alerts << Alert{S::Warning, u"customers.cards_expiring"_s,
                          tr("%n card(s) on file expire this month or next. Ask those customers for a new card "
                             "before the next charge fails.", int(d.cardsExpiring)),
                          u"customers"_s, u"expiring"_s, {}};
    if (d.unlinkedTransactions > 0) {
        SqlPagedModel::TypedFilter unlinked;
        unlinked.linked = false;
        d.alerts << Alert{S::Warning, u"transactions.unlinked"_s,
                          tr("%n gateway transaction(s) have no Magento order: neither the invoice number nor "
                             "the amount, time and card matched exactly one order. They may be payments taken "
                             "outside the store (terminal sales), or orders not synced yet.",
                             int(d.unlinkedTransactions)),
                          u"transactions"_s, {}, unlinked};
    }
}

} // namespace

Result<DashboardData> loadDashboard(QSqlDatabase &db, const DashboardOptions &options)
{
    DashboardData d;
    const QDateTime now = options.nowUtc.isValid() ? options.nowUtc.toUTC() : QDateTime::currentDateTimeUtc();
    d.computedAt = now;
    const QDate today = now.toTimeZone(options.zone).date();
    const QDate monday = today.addDays(1 - today.dayOfWeek());
    const qint64 todayStart = ms(QDateTime(today, QTime(0, 0), options.zone));
    const qint64 weekStart = ms(QDateTime(monday, QTime(0, 0), options.zone));
    const qint64 end = ms(QDateTime(today.addDays(1), QTime(0, 0), options.zone));
    d.todayStartMs = todayStart;
    d.weekStartMs = weekStart;
    d.periodEndMs = end;

    PB_TRY(todayVolumes, volumes(db, todayStart, end));
    PB_TRY(weekVolumes, volumes(db, weekStart, end));
    d.today = std::move(todayVolumes);
    d.week = std::move(weekVolumes);
    if (Status s = health(db, options, now, d); !s)
        return s.error();
    if (Status s = queue(db, now, d); !s)
        return s.error();
    const int days = qBound(1, options.chartDays, 92);
    if (Status s = chart(db, options, today.addDays(1 - days), today, d); !s)
        return s.error();
    // A card works until the end of its expiry month (VaultProfileRecord::cardExpiringSoon):
    // this month's and next month's cards are expiring. A store from before the customers
    // tables has none.
    {
        QSqlQuery q(db);
        q.setForwardOnly(true);
        const int thisMonth = today.year() * 12 + today.month() - 1;
        if (q.prepare(u"SELECT COUNT(*) FROM vault_profiles WHERE deleted_at IS NULL AND card_exp_month BETWEEN 1 AND 12"
                      " AND card_exp_year * 12 + card_exp_month - 1 BETWEEN ? AND ?"_s)) {
            q.addBindValue(thisMonth);
            q.addBindValue(thisMonth + 1);
            if (q.exec() && q.next())
                d.cardsExpiring = q.value(0).toLongLong();
        }
    }
    deriveAlerts(d);
    return d;
}

Result<DashboardData> loadDashboardFromFile(const QString &databasePath, const DashboardOptions &options)
{
    static std::atomic<int> counter{0};
    const QString name = u"paybridge.dashboard.%1"_s.arg(++counter);
    Result<DashboardData> result = makeError(u"dashboard.no_store"_s, u"store"_s, {});
    {
        auto db = store::Database::openReader(databasePath, name);
        if (!db)
            return db.error();
        result = loadDashboard(db.value(), options);
    }
    store::Database::close(name);
    return result;
}

} // namespace pb::ui
