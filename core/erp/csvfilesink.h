#pragma once

#include "erp/journalsink.h"

#include <QByteArray>
#include <QString>

namespace pb::erp {

// A CSV journal for import into common accounting packages, one row per posting:
//
//   date,reference,account,description,memo,debit,credit,currency
//   2024-03-01,pb:sale:100000123,Assets:Accounts Receivable,Sale 100000123,,110.00,,USD
//   2024-03-01,pb:sale:100000123,Income:Sales,Sale 100000123,,,110.00,USD
//
// RFC 4180: CRLF line ends, fields with '"', ',' or a line break quoted and '"' doubled. The
// debit or credit column holds the unsigned amount with every minor digit (JPY 1500, KWD 1.250)
// and the other is empty. The rows of one entry are consecutive and share the reference.
//
// Exactly-once: post() takes a lock file beside the journal, re-reads it to learn the
// references it holds, and writes the old bytes plus the new rows to a temporary file that is
// fsynced and renamed over the journal (QSaveFile), then fsyncs the directory, so a crash
// leaves either the old or the new file. A file PayBridge cannot read fails post() and lookup()
// with the line number.
//
// The asynchronous post()/lookup() do their work at once and call `done` before returning;
// postNow()/lookupNow() return the same with detailed codes (erp.entry*, erp.csv.parse,
// erp.csv.io, erp.csv.locked).
class CsvFileSink final : public JournalSink
{
public:
    explicit CsvFileSink(QString path);

    void post(const QList<JournalEntry> &entries, QObject *context,
              std::function<void(const Result<PostResult> &)> done) override;
    void lookup(const QString &externalRef, QObject *context,
                std::function<void(const Result<std::optional<JournalEntry>> &)> done) override;

    Result<PostResult> postNow(const QList<JournalEntry> &entries);
    Result<std::optional<JournalEntry>> lookupNow(const QString &externalRef) const;
    Result<QList<JournalEntry>> readAll() const;

    const QString &path() const { return m_path; }

    static const QByteArray &header(); // "date,reference,...,currency\r\n"
    // The rows of one entry, each ending with CRLF.
    static QByteArray format(const JournalEntry &entry);
    static Result<QList<JournalEntry>> parse(const QByteArray &text);

private:
    QString m_path;
};

} // namespace pb::erp
