#include "erp/filejournal.h"

#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLockFile>
#include <QSaveFile>

#include <fcntl.h>
#include <unistd.h>

#include <utility>

using namespace Qt::StringLiterals;

namespace pb::erp {

namespace {

constexpr int kLockWaitMs = 10000;
constexpr int kStaleLockMs = 60000;

// The rename is durable only once the directory entry is on disk too.
void syncDirectory(const QString &filePath)
{
    const QByteArray dir = QFile::encodeName(QFileInfo(filePath).absolutePath());
    const int fd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

FileJournal::FileJournal(QString path, QString codePrefix, QString noun)
    : m_path(std::move(path))
    , m_codePrefix(std::move(codePrefix))
    , m_noun(std::move(noun))
{
}

Error FileJournal::error(QStringView kind, const QString &message) const
{
    return makeError(m_codePrefix + u'.' + kind, m_path, message);
}

Result<QByteArray> FileJournal::readFile() const
{
    QFile file(m_path);
    if (!file.exists())
        return QByteArray();
    if (!file.open(QIODevice::ReadOnly))
        return error(u"io", u"cannot read the %1: %2"_s.arg(m_noun, file.errorString()));
    return file.readAll();
}

Result<QList<JournalEntry>> FileJournal::readAll() const
{
    PB_TRY(bytes, readFile());
    Result<QList<JournalEntry>> entries = parseBytes(bytes);
    if (!entries) {
        Error e = entries.error();
        e.message = m_path + u": "_s + e.message;
        return e;
    }
    return entries;
}

Result<std::optional<JournalEntry>> FileJournal::lookupNow(const QString &externalRef) const
{
    PB_TRY(entries, readAll());
    for (const JournalEntry &e : std::as_const(entries)) {
        if (e.externalRef == externalRef)
            return std::optional<JournalEntry>(e);
    }
    return std::optional<JournalEntry>();
}

Result<PostResult> FileJournal::postNow(const QList<JournalEntry> &entries)
{
    for (const JournalEntry &e : entries) {
        if (Status s = validate(e); !s)
            return s.error();
    }
    QLockFile lock(m_path + u".lock"_s);
    lock.setStaleLockTime(kStaleLockMs);
    if (!lock.tryLock(kLockWaitMs))
        return error(u"locked", u"another writer holds the %1 lock"_s.arg(m_noun));

    PB_TRY(existing, readFile());
    Result<QList<JournalEntry>> held = parseBytes(existing);
    if (!held) {
        Error e = held.error();
        e.message = m_path + u": "_s + e.message + u" (nothing was posted)"_s;
        return e;
    }
    QHash<QString, JournalEntry> byRef;
    for (const JournalEntry &e : std::as_const(*held)) {
        if (!e.externalRef.isEmpty())
            byRef.insert(e.externalRef, e);
    }

    PostResult result;
    QByteArray appended;
    for (const JournalEntry &e : entries) {
        const auto it = byRef.constFind(e.externalRef);
        if (it != byRef.constEnd()) {
            result.alreadyPosted.append(e.externalRef);
            if (!samePostings(it.value(), e))
                result.conflicting.append(e.externalRef);
            continue;
        }
        byRef.insert(e.externalRef, e);
        result.posted.append(e.externalRef);
        appended += entryBytes(e);
    }
    if (result.posted.isEmpty())
        return result;

    QSaveFile out(m_path);
    if (!out.open(QIODevice::WriteOnly))
        return error(u"io", u"cannot write the %1: %2"_s.arg(m_noun, out.errorString()));
    QByteArray bytes = existing.isEmpty() ? newFileBytes() : existing;
    if (!bytes.endsWith('\n'))
        bytes.append(lineEnd());
    bytes.append(appended);
    if (out.write(bytes) != bytes.size() || !out.commit())
        return error(u"io", u"cannot write the %1: %2"_s.arg(m_noun, out.errorString()));
    syncDirectory(m_path);
    return result;
}

void FileJournal::post(const QList<JournalEntry> &entries, QObject *context,
                       std::function<void(const Result<PostResult> &)> done)
{
    Q_UNUSED(context); // alive for the whole call: done runs before returning
    Result<PostResult> r = postNow(entries);
    if (!r)
        r = classifiedError(fileErrorClass(r.error()), r.error());
    done(r);
}

void FileJournal::lookup(const QString &externalRef, QObject *context,
                         std::function<void(const Result<std::optional<JournalEntry>> &)> done)
{
    Q_UNUSED(context);
    Result<std::optional<JournalEntry>> r = lookupNow(externalRef);
    if (!r)
        r = classifiedError(fileErrorClass(r.error()), r.error());
    done(r);
}

} // namespace pb::erp
