#pragma once

#include "erp/filejournal.h"

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
// A file PayBridge cannot read fails post() and lookup() with the line number (erp.csv.parse).
// Posting: see FileJournal.
class CsvFileSink final : public FileJournal
{
public:
    explicit CsvFileSink(QString path);

    static const QByteArray &header(); // "date,reference,...,currency\r\n"
    // The rows of one entry, each ending with CRLF.
    static QByteArray format(const JournalEntry &entry);
    static Result<QList<JournalEntry>> parse(const QByteArray &text);

protected:
    Result<QList<JournalEntry>> parseBytes(const QByteArray &bytes) const override { return parse(bytes); }
    QByteArray entryBytes(const JournalEntry &entry) const override { return format(entry); }
    QByteArray newFileBytes() const override { return header(); }
    QByteArray lineEnd() const override { return QByteArrayLiteral("\r\n"); }
};

} // namespace pb::erp
