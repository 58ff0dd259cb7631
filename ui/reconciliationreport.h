#pragma once

#include "reconcile/reconciliationstore.h"
#include "util/result.h"

#include <QDateTime>
#include <QFuture>
#include <QList>
#include <QPageSize>
#include <QSqlDatabase>
#include <QString>

namespace pb::ui {

// The day's reconciliation as a document for a person to read and sign: run summary (totals
// per currency, counts per bucket and class, resolutions), every discrepancy and set-aside row
// with its explanation and who resolved it when, and a sign-off block. Written as CSV (one row
// per item) or as PDF. Everything here is reentrant: the GUI calls startReconciliationReport(),
// which reads and renders on the thread pool; the command line calls writeReconciliationReport().
namespace report {

enum class Format { Pdf, Csv };

// Pdf for "*.pdf", Csv for "*.csv" (case-insensitive); nullopt otherwise.
std::optional<Format> formatForPath(const QString &path);

struct Request
{
    QString storePath;       // the profile's store; read through a connection of our own
    QString scopeKey;        // ReconcileScope::key(), e.g. "day:2024-03-01"
    QString outputPath;
    Format format = Format::Pdf;
    QString profileName;     // printed in the header
    QString merchant;        // printed in the header (e.g. the store's host); may be empty
    QDateTime generatedAt;   // UTC; now when invalid
    // A4 or Letter; invalid: from the system locale (Letter in North America and a few more).
    QPageSize pageSize;
};

// What the report shows, read from the store.
struct Data
{
    reconcile::RunSummary run;
    QList<reconcile::ItemRecord> items; // discrepancies and set-aside rows, by id
};

// Reads the run of `scopeKey` and all its items through `db` (any connection of this thread).
Result<Data> load(QSqlDatabase &db, const QString &scopeKey);

// Writes `data` to request.outputPath; the file appears only when complete.
Status writeCsv(const Data &data, const QString &path);
Status writePdf(const Data &data, const Request &request);

// Opens its own read connection, loads and writes. Blocking: call off the GUI thread.
Status writeReconciliationReport(const Request &request);

// The same on QThreadPool::globalInstance(); the future holds the outcome.
QFuture<Status> startReconciliationReport(const Request &request);

// The page size for a locale: Letter where paper is Letter, else A4.
QPageSize defaultPageSize(const QLocale &locale);

} // namespace report
} // namespace pb::ui
