#pragma once

#include "erp/journalsink.h"

#include <QByteArray>
#include <QString>

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
// post() takes a lock file beside the journal, re-reads the journal, then writes the old
// bytes unchanged plus the new entries to a temporary file that is fsynced and renamed over
// the journal (QSaveFile), then fsyncs the directory. A hand-edited journal is read
// strictly: a line PayBridge cannot interpret fails post() and lookup() with its line number.
//
// The asynchronous post()/lookup() do their (short, local) work at once and call `done` before
// returning; postNow()/lookupNow() are the same work returning its result with the detailed
// error codes (erp.entry*, erp.ledger.parse, erp.ledger.io, erp.ledger.locked).
class LedgerFileSink final : public JournalSink
{
public:
    explicit LedgerFileSink(QString path);

    void post(const QList<JournalEntry> &entries, QObject *context,
              std::function<void(const Result<PostResult> &)> done) override;
    void lookup(const QString &externalRef, QObject *context,
                std::function<void(const Result<std::optional<JournalEntry>> &)> done) override;

    Result<PostResult> postNow(const QList<JournalEntry> &entries);
    Result<std::optional<JournalEntry>> lookupNow(const QString &externalRef) const;

    // Every entry in the journal, in file order (entries without a ref tag included).
    Result<QList<JournalEntry>> readAll() const;

    const QString &path() const { return m_path; }

    // The text of one entry, ending with a newline.
    static QString format(const JournalEntry &entry);
    // Parses journal text. Errors list the offending line numbers.
    static Result<QList<JournalEntry>> parse(const QByteArray &text);

private:
    QString m_path;
};

} // namespace pb::erp
