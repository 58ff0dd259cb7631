#pragma once

#include "util/result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QFile>
#include <QList>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <utility>

namespace pb::reconcile {

// Bounds that keep a hostile or broken file from exhausting memory.
struct CsvLimits
{
    qint64 maxFileBytes = qint64(2) * 1024 * 1024 * 1024; // 2 GiB
    qsizetype maxRecordBytes = 64 * 1024;                 // one record, quoted newlines included
    int maxFields = 512;
};

// One CSV record. Fields are unquoted bytes (UTF-8, already validated) kept in one buffer that
// is reused from record to record, so streaming a large file allocates almost nothing.
class CsvRecord
{
public:
    qint64 line() const { return m_line; } // physical line (1-based) the record starts on
    qsizetype size() const { return m_spans.size(); }
    QByteArrayView field(qsizetype i) const
    {
        const auto &[from, len] = m_spans.at(i);
        return QByteArrayView(m_buf.constData() + from, len);
    }
    QString text(qsizetype i) const { return QString::fromUtf8(field(i)); }
    QStringList texts() const;
    // The record as it stands in the file, without its line break.
    QByteArrayView raw() const { return m_raw; }

private:
    friend class CsvReader;
    qint64 m_line = 0;
    QByteArray m_buf;
    QList<std::pair<qsizetype, qsizetype>> m_spans;
    QByteArrayView m_raw;
};

// Streaming RFC 4180 reader over a memory-mapped file (or bytes in memory): quoted fields with
// delimiters, doubled quotes and line breaks; CRLF or LF; an optional UTF-8 BOM; invalid UTF-8
// and limit violations are errors naming the line. Fully blank lines are skipped.
class CsvReader
{
public:
    explicit CsvReader(CsvLimits limits = {});
    ~CsvReader();
    CsvReader(const CsvReader &) = delete;
    CsvReader &operator=(const CsvReader &) = delete;

    Status openFile(const QString &path);
    Status openData(QByteArray data);

    // The whole content as read (BOM included), e.g. for hashing.
    QByteArrayView content() const { return m_all; }
    bool hadBom() const { return m_bom; }

    void setDelimiter(char delimiter) { m_delim = delimiter; }
    char delimiter() const { return m_delim; }

    // The next record; false at the end of the data or on an error (then error() is set and
    // every later call returns false).
    bool next(CsvRecord &record);
    const std::optional<Error> &error() const { return m_error; }

    // Which of , ; TAB | splits the first lines (outside quotes) into the most consistent
    // number of fields. ',' when nothing splits. `reason` says why.
    static char detectDelimiter(QByteArrayView sample, QString *reason = nullptr);
    // A first record is a header when every field has a letter and none looks like a number or
    // a date, while later records have at least one numeric-looking field.
    static bool looksLikeHeader(const QStringList &first, const QList<QStringList> &rest);
    // Reads up to `maxRecords` records of in-memory data (samples and previews).
    static Result<QList<QStringList>> parse(QByteArrayView data, char delimiter,
                                            qsizetype maxRecords, const CsvLimits &limits = {});
    // The first byte offset at which `bytes` is not valid UTF-8, or -1.
    static qsizetype invalidUtf8At(QByteArrayView bytes);

    static QString delimiterName(char delimiter);

private:
    bool fail(qint64 line, const QString &code, const QString &message);
    Status start();

    CsvLimits m_limits;
    std::unique_ptr<QFile> m_file;
    QByteArray m_owned;
    QByteArrayView m_all;
    const char *m_pos = nullptr;
    const char *m_end = nullptr;
    qint64 m_line = 1;
    char m_delim = ',';
    bool m_bom = false;
    std::optional<Error> m_error;
};

} // namespace pb::reconcile
