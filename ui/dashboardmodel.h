#pragma once

#include "sqlpagedmodel.h"
#include "util/result.h"

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QSqlDatabase>
#include <QString>
#include <QTimeZone>

namespace pb::ui {

// A count and an amount in minor units of one currency, summed in SQL as integers.
struct Tally
{
    qint64 count = 0;
    qint64 minor = 0;
    bool operator==(const Tally &) const = default;
};

// One currency's gateway volume in a period (by the transaction's creation time).
struct CurrencyVolume
{
    QString currency;
    Tally approved; // sales and authorizations the gateway approved (whatever happened since)
    Tally declined;
    Tally captured; // sales and captures not declined or voided
    Tally refunded; // refunds not declined or voided
    Tally voided;   // transactions voided since
};

// What the sync runs and intent attempts say about one connection.
struct ConnectionHealth
{
    QString system;           // "PayTrace", "Magento"
    QDateTime lastSuccess;    // end of the last sync run that succeeded (it talked to both)
    int recentRuns = 0;       // finished runs looked at (the last DashboardOptions::recentRuns)
    int recentFailures = 0;   // of those, failed because of this connection
    QString lastError;        // the message of the last failure caused by this connection
    QDateTime lastErrorAt;
    qint64 averageLatencyMs = -1; // mean round trip of the recent intent sends; -1 when none
    int latencySamples = 0;
    QDateTime rateLimitedAt;  // last time this connection answered "too many requests" (last hour)

    double errorRate() const { return recentRuns > 0 ? double(recentFailures) / recentRuns : 0.0; }
};

// Intents by what a person should make of them.
struct QueueCounts
{
    qint64 pending = 0;       // planned, retry_wait, sending
    qint64 inDoubt = 0;       // in_doubt, needs_person
    qint64 dead = 0;
    qint64 inDoubtOverHour = 0;
    qint64 needsPerson = 0;   // the janitor could not decide: a person must
};

struct Alert
{
    enum class Severity { Warning, Critical };
    Severity severity = Severity::Warning;
    QString code;      // "sync.failed", "queue.dead", "queue.in_doubt_old", "transactions.unlinked", ...
    QString text;      // one plain sentence: what is wrong and what to do
    QString page;      // where the records behind it are ("transactions", "queue", ...); may be empty
    QString filter;    // filter text for that page; may be empty
    SqlPagedModel::TypedFilter typed; // the page's typed filter that shows exactly the records counted
};

// One day of the chart, in minor units of the chart's currency.
struct DayAmounts
{
    QDate day;         // local date
    qint64 captured = 0;
    qint64 refunded = 0;
    qint64 settled = 0; // net: settled sales and captures minus settled refunds, by settlement day
};

struct DashboardData
{
    QDateTime computedAt;                 // UTC
    qint64 todayStartMs = 0;              // the periods the volumes cover, UTC ms: [start, end)
    qint64 weekStartMs = 0;
    qint64 periodEndMs = 0;               // midnight starting tomorrow, local
    QList<ConnectionHealth> health;       // PayTrace, Magento
    QList<CurrencyVolume> today;          // by currency code
    QList<CurrencyVolume> week;           // since Monday 00:00 local
    QueueCounts queue;
    qint64 transactions = 0;
    qint64 unlinkedTransactions = 0;
    qint64 quarantined = 0;               // records that did not read (docs/quarantine.md)
    // Cards on file (present vault profiles) expiring this month or next, not yet expired: the
    // Customers page's "Card expiring" filter counts the same.
    qint64 cardsExpiring = 0;
    QString latestRunOutcome;             // "ok", "failed", "running", ...; empty: never synced
    QString latestRunMessage;
    QDateTime latestRunAt;
    QList<Alert> alerts;
    QMap<QString, QList<DayAmounts>> chart; // per currency, oldest day first, every day present
};

struct DashboardOptions
{
    QDateTime nowUtc;                     // invalid: now
    QTimeZone zone = QTimeZone::systemTimeZone(); // what "today" means
    int chartDays = 14;
    int recentRuns = 20;
};

// The dashboard's figures from a store, in a handful of aggregate queries. Pure: call it on a
// worker thread with a read connection opened on that thread.
Result<DashboardData> loadDashboard(QSqlDatabase &db, const DashboardOptions &options = {});

// Opens a read connection on the calling thread, loads and closes it: for QtConcurrent.
Result<DashboardData> loadDashboardFromFile(const QString &databasePath, const DashboardOptions &options);

} // namespace pb::ui

Q_DECLARE_METATYPE(pb::ui::DashboardData)
