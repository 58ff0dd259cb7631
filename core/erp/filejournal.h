#pragma once

#include "erp/journalsink.h"

#include <QByteArray>
#include <QString>

namespace pb::erp {

// What the journal file sinks share. Exactly-once: post() takes a lock file beside the journal,
// re-reads it strictly to learn the references it holds, and writes the old bytes plus the new
// entries to a temporary file that is fsynced and renamed over the journal (QSaveFile), then
// fsyncs the directory, so a crash leaves either the old or the new file. A file PayBridge
// cannot read fails post() and lookup() with the line number.
//
// The asynchronous post()/lookup() do their (short, local) work at once and call `done` before
// returning; postNow()/lookupNow() are the same work returning its result with the detailed
// error codes (erp.entry*, <prefix>.parse, <prefix>.io, <prefix>.locked).
class FileJournal : public JournalSink
{
public:
    void post(const QList<JournalEntry> &entries, QObject *context,
              std::function<void(const Result<PostResult> &)> done) override;
    void lookup(const QString &externalRef, QObject *context,
                std::function<void(const Result<std::optional<JournalEntry>> &)> done) override;

    Result<PostResult> postNow(const QList<JournalEntry> &entries);
    Result<std::optional<JournalEntry>> lookupNow(const QString &externalRef) const;
    // Every entry in the journal, in file order.
    Result<QList<JournalEntry>> readAll() const;
    const QString &path() const { return m_path; }

protected:
    // `codePrefix` starts the error codes ("erp.ledger"); `noun` names the file in messages.
    FileJournal(QString path, QString codePrefix, QString noun);

    virtual Result<QList<JournalEntry>> parseBytes(const QByteArray &bytes) const = 0;
    // The bytes appended for one entry, with whatever separates it from the one before.
    virtual QByteArray entryBytes(const JournalEntry &entry) const = 0;
    // The start of a journal that does not exist yet.
    virtual QByteArray newFileBytes() const = 0;
    // What ends a line the file did not end (a hand edit).
    virtual QByteArray lineEnd() const = 0;

private:
    Result<QByteArray> readFile() const;
    Error error(QStringView kind, const QString &message) const;

    QString m_path;
    QString m_codePrefix;
    QString m_noun;
};

} // namespace pb::erp
