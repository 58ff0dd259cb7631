#pragma once

#include "reconcile/settlementmapping.h"
#include "util/result.h"

#include <QDateTime>
#include <QList>
#include <QMap>
#include <QSqlDatabase>
#include <QString>

namespace pb::reconcile {

struct ImportOptions
{
    QString actor;          // who imports: stored as imported_by and in the audit entry
    QString name;           // shown name; the file name when empty
    QDateTime importedAt;   // invalid = now
    int maxErrors = 100;    // stop collecting (and reading) after this many
};

struct ImportReport
{
    qint64 fileId = 0;
    QString sha256;
    bool alreadyImported = false; // the same content was imported before: nothing changed
    qint64 lines = 0;             // data lines read
    qint64 added = 0;             // new settlement lines
    qint64 duplicates = 0;        // lines already known from an earlier, overlapping file
    QMap<RecordKind, qint64> addedByKind;
};

struct ImportOutcome
{
    bool ok() const { return errors.isEmpty(); }
    ImportReport report;          // meaningful when ok()
    QList<Error> errors;          // every problem found, up to ImportOptions::maxErrors
    bool errorsTruncated = false;
};

// Imports one settlement or deposit file in one transaction over the writer connection: any
// error rolls everything back, so a file is imported entirely or not at all. The same content
// twice is a no-op; an overlapping file adds only lines whose natural key is new.
class SettlementImporter
{
public:
    explicit SettlementImporter(QSqlDatabase &writer) : m_db(writer) {}

    ImportOutcome importFile(const QString &path, const SettlementMapping &mapping,
                             const ImportOptions &options);

    // A line's identity across files: source, kind, transaction id, amount, currency, date,
    // batch, reference and its occurrence among identical lines of the same file.
    static QString naturalKey(const QString &source, const SettlementRow &row, int occurrence);
    // Card-number-like digit runs (13-19 digits passing the Luhn check) replaced by '*'.
    static QString maskCardNumbers(const QString &text);

private:
    QSqlDatabase &m_db;
};

} // namespace pb::reconcile
