#pragma once

#include "erp/filejournal.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace pb::erp {

// A plain-text double-entry journal in the ledger/hledger format:
//
//   2024-03-01 Sale 100000123  ; ref:pb:sale:100000123
//       Assets:Accounts Receivable    USD 110.00
//       Income:Sales                  USD -110.00
//
// Amounts are written as "<ISO code> <signed plain decimal>" with every minor digit
// (JPY 1500, KWD 1.250, USD -3.50) and never a thousands separator; a new file starts with
// "decimal-mark ." so "KWD 1.250" cannot be read as one thousand two hundred and fifty.
//
// A hand-edited journal is read strictly: a line PayBridge cannot interpret fails post() and
// lookup() with its line number (erp.ledger.parse). Posting: see FileJournal.
class LedgerFileSink final : public FileJournal
{
public:
    explicit LedgerFileSink(QString path);

    // The text of one entry, ending with a newline.
    static QString format(const JournalEntry &entry);
    // Parses journal text. Errors list the offending line numbers.
    static Result<QList<JournalEntry>> parse(const QByteArray &text);
    // The accounts of journal text: those declared with `account` directives, then those only
    // used in postings, each once, in file order. Errors as parse().
    static Result<QStringList> accountNames(const QByteArray &text);

protected:
    Result<QList<JournalEntry>> parseBytes(const QByteArray &bytes) const override { return parse(bytes); }
    QByteArray entryBytes(const JournalEntry &entry) const override;
    QByteArray newFileBytes() const override;
    QByteArray lineEnd() const override { return QByteArrayLiteral("\n"); }
};

} // namespace pb::erp
