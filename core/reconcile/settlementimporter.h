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
    int maxErrors = 100;    // more bad lines than this refuse the file (reading stops there)
};

struct ImportReport
{
    qint64 fileId = 0;
    QString sha256;
    bool alreadyImported = false; // the same content was imported before: only its set-aside
                                  // lines were read again (released counts those that read)
    qint64 lines = 0;             // data lines read
    qint64 added = 0;             // new settlement lines
    qint64 duplicates = 0;        // lines already known from an earlier, overlapping file
    QMap<RecordKind, qint64> addedByKind;
    qint64 quarantined = 0;       // lines of this file set aside (still, after a re-import)
    QList<Error> quarantineErrors; // why each of them was set aside, naming line and column
    qint64 released = 0;          // set-aside lines that read now and left the quarantine
};

struct ImportOutcome
{
    bool ok() const { return errors.isEmpty(); }
    ImportReport report;          // meaningful when ok()
    QList<Error> errors;          // every problem found, up to ImportOptions::maxErrors
    bool errorsTruncated = false;
    QString refusal;              // why the file was refused as a whole for its bad lines
};

// Imports one settlement or deposit file in one transaction over the writer connection. A file
// that does not read as a whole (encoding, header, mapping, too many bad lines) is refused with
// nothing written; a single data line that does not read goes to the quarantine (source
// settlement.line) in the same transaction while the rest is imported. The same content again
// only re-reads its set-aside lines and releases those that read now; an overlapping file adds
// only lines whose natural key is new.
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
    ImportOutcome releaseSetAside(CsvReader &reader, const SettlementMapping &mapping,
                                  const ImportOptions &options, const QString &path,
                                  ImportOutcome out);
    QSqlDatabase &m_db;
};

} // namespace pb::reconcile
