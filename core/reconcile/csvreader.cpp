#include "reconcile/csvreader.h"

#include <QFileInfo>

#include <cstring>

using namespace Qt::StringLiterals;

namespace pb::reconcile {

namespace {

constexpr char kCandidates[] = {',', ';', '\t', '|'};

bool isDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

// Numbers, amounts and dates: digits plus punctuation, currency signs and spaces only.
bool looksNumeric(const QString &s)
{
    const QString t = s.trimmed();
    if (t.isEmpty())
        return false;
    bool digit = false;
    for (QChar c : t) {
        if (isDigit(c))
            digit = true;
        else if (c.isLetter() && !(c == u'T' || c == u'Z' || c == u'A' || c == u'P' || c == u'M'))
            return false;
    }
    return digit;
}

} // namespace

QStringList CsvRecord::texts() const
{
    QStringList out;
    out.reserve(size());
    for (qsizetype i = 0; i < size(); ++i)
        out.append(text(i));
    return out;
}

CsvReader::CsvReader(CsvLimits limits) : m_limits(limits) {}
CsvReader::~CsvReader() = default;

Status CsvReader::openFile(const QString &path)
{
    const QString name = QFileInfo(path).fileName();
    m_file = std::make_unique<QFile>(path);
    if (!m_file->open(QIODevice::ReadOnly))
        return makeError(u"csv.open"_s, name, u"cannot open the file: "_s + m_file->errorString());
    const qint64 size = m_file->size();
    if (size > m_limits.maxFileBytes)
        return makeError(u"csv.file_too_large"_s, name,
                         u"the file has "_s + QString::number(size) + u" bytes; the limit is "_s
                             + QString::number(m_limits.maxFileBytes));
    if (size == 0) {
        m_all = {};
        return start();
    }
    // Mapped, not read: the kernel pages the file in as the parser walks it.
    const uchar *p = m_file->map(0, size);
    if (!p)
        return makeError(u"csv.open"_s, name, u"cannot map the file: "_s + m_file->errorString());
    m_all = QByteArrayView(reinterpret_cast<const char *>(p), size);
    return start();
}

Status CsvReader::openData(QByteArray data)
{
    if (data.size() > m_limits.maxFileBytes)
        return makeError(u"csv.file_too_large"_s, QString(),
                         u"the data has "_s + QString::number(data.size())
                             + u" bytes; the limit is "_s + QString::number(m_limits.maxFileBytes));
    m_owned = std::move(data);
    m_all = QByteArrayView(m_owned);
    return start();
}

Status CsvReader::start()
{
    m_pos = m_all.data();
    m_end = m_all.data() + m_all.size();
    m_line = 1;
    m_error.reset();
    m_bom = m_all.startsWith("\xEF\xBB\xBF");
    if (m_bom)
        m_pos += 3;
    return Status::success();
}

bool CsvReader::fail(qint64 line, const QString &code, const QString &message)
{
    m_error = makeError(code, u"line "_s + QString::number(line), message);
    m_pos = m_end;
    return false;
}

qsizetype CsvReader::invalidUtf8At(QByteArrayView bytes)
{
    const auto *s = reinterpret_cast<const unsigned char *>(bytes.data());
    const qsizetype n = bytes.size();
    qsizetype i = 0;
    while (i < n) {
        // ASCII fast path, eight bytes at a time.
        while (i + 8 <= n) {
            quint64 w;
            std::memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int extra = 0;
        unsigned min = 0;
        unsigned cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1; min = 0x80; cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2; min = 0x800; cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3; min = 0x10000; cp = c & 0x07;
        } else {
            return i;
        }
        if (i + extra >= n) // truncated sequence
            return i;
        for (int k = 1; k <= extra; ++k) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return i;
        i += extra + 1;
    }
    return -1;
}

bool CsvReader::next(CsvRecord &rec)
{
    rec.m_buf.clear();
    rec.m_spans.clear();
    rec.m_raw = {};
    const char d = m_delim;
    for (;;) {
        // Blank lines carry no record.
        if (m_pos < m_end && (*m_pos == '\n' || *m_pos == '\r')) {
            if (*m_pos == '\r' && m_pos + 1 < m_end && m_pos[1] == '\n')
                ++m_pos;
            ++m_pos;
            ++m_line;
            continue;
        }
        break;
    }
    if (m_pos >= m_end || m_error)
        return false;

    const char *const begin = m_pos;
    const qint64 firstLine = m_line;
    const char *p = m_pos;
    auto tooLong = [&] {
        return fail(firstLine, u"csv.record_too_long"_s,
                    u"the record is longer than the limit of "_s
                        + QString::number(m_limits.maxRecordBytes) + u" bytes"_s);
    };
    bool endOfRecord = false;
    while (!endOfRecord) {
        const qsizetype from = rec.m_buf.size();
        if (p < m_end && *p == '"') {
            ++p;
            for (;;) {
                const char *q = static_cast<const char *>(std::memchr(p, '"', size_t(m_end - p)));
                if (!q)
                    return fail(firstLine, u"csv.unclosed_quote"_s,
                                u"a quoted field is never closed"_s);
                for (const char *c = p; c < q; ++c)
                    if (*c == '\n')
                        ++m_line;
                rec.m_buf.append(p, q - p);
                p = q + 1;
                if (p < m_end && *p == '"') { // "" is one quote
                    rec.m_buf.append('"');
                    ++p;
                    continue;
                }
                break;
            }
            if (p < m_end && *p != d && *p != '\n' && *p != '\r')
                return fail(m_line, u"csv.after_quote"_s,
                            u"unexpected text after the closing quote of field "_s
                                + QString::number(rec.m_spans.size() + 1));
        } else {
            const char *q = p;
            while (q < m_end && *q != d && *q != '\n' && *q != '\r')
                ++q;
            rec.m_buf.append(p, q - p);
            p = q;
        }
        rec.m_spans.append({from, rec.m_buf.size() - from});
        if (rec.m_spans.size() > m_limits.maxFields)
            return fail(firstLine, u"csv.too_many_fields"_s,
                        u"the record has more than "_s + QString::number(m_limits.maxFields)
                            + u" fields"_s);
        if (p - begin > m_limits.maxRecordBytes)
            return tooLong();
        if (p < m_end && *p == d) {
            ++p;
            continue;
        }
        endOfRecord = true;
    }
    const char *rawEnd = p;
    if (p < m_end && *p == '\r')
        ++p;
    if (p < m_end && *p == '\n')
        ++p;
    if (p != rawEnd)
        ++m_line;
    rec.m_raw = QByteArrayView(begin, rawEnd - begin);
    rec.m_line = firstLine;
    m_pos = p;

    const qsizetype bad = invalidUtf8At(rec.m_raw);
    if (bad >= 0) {
        const qint64 line = firstLine + rec.m_raw.first(bad).count('\n');
        return fail(line, u"csv.invalid_utf8"_s,
                    u"invalid UTF-8 (byte 0x"_s
                        + QString::number(static_cast<unsigned char>(rec.m_raw.at(bad)), 16).toUpper()
                        + u"); save the file as UTF-8"_s);
    }
    return true;
}

char CsvReader::detectDelimiter(QByteArrayView sample, QString *reason)
{
    constexpr int kLines = 30;
    char best = ',';
    double bestScore = 0;
    for (const char cand : kCandidates) {
        // Count delimiters per line outside quotes, over the first lines.
        QList<int> counts;
        int count = 0;
        bool quoted = false;
        for (qsizetype i = 0; i < sample.size() && counts.size() < kLines; ++i) {
            const char c = sample[i];
            if (c == '"')
                quoted = !quoted;
            else if (!quoted && c == cand)
                ++count;
            else if (!quoted && c == '\n') {
                if (count > 0 || (i > 0 && sample[i - 1] != '\n' && sample[i - 1] != '\r'))
                    counts.append(count);
                count = 0;
            }
        }
        if (count > 0)
            counts.append(count);
        if (counts.isEmpty())
            continue;
        // The most common count and how many lines have it.
        int mode = 0;
        int modeLines = 0;
        for (int c : counts) {
            const int n = int(counts.count(c));
            if (n > modeLines || (n == modeLines && c > mode)) {
                mode = c;
                modeLines = n;
            }
        }
        if (mode == 0)
            continue;
        // Consistency first, then more columns.
        const double score = double(modeLines) / double(counts.size()) * 1000.0 + mode;
        if (score > bestScore) {
            bestScore = score;
            best = cand;
            if (reason)
                *reason = delimiterName(cand) + u" splits "_s + QString::number(modeLines) + u" of "_s
                    + QString::number(counts.size()) + u" first lines into "_s
                    + QString::number(mode + 1) + u" fields"_s;
        }
    }
    if (bestScore == 0 && reason)
        *reason = u"no delimiter found; one column, read as comma-separated"_s;
    return best;
}

bool CsvReader::looksLikeHeader(const QStringList &first, const QList<QStringList> &rest)
{
    if (first.isEmpty())
        return false;
    for (const QString &f : first) {
        const QString t = f.trimmed();
        if (t.isEmpty())
            continue;
        bool letter = false;
        for (QChar c : t)
            letter = letter || c.isLetter();
        if (!letter || looksNumeric(t))
            return false;
    }
    if (rest.isEmpty())
        return true;
    for (const QStringList &r : rest)
        for (const QString &f : r)
            if (looksNumeric(f))
                return true;
    return false;
}

Result<QList<QStringList>> CsvReader::parse(QByteArrayView data, char delimiter,
                                             qsizetype maxRecords, const CsvLimits &limits)
{
    CsvReader reader(limits);
    if (Status s = reader.openData(data.toByteArray()); !s)
        return s.error();
    reader.setDelimiter(delimiter);
    QList<QStringList> out;
    CsvRecord rec;
    while (out.size() < maxRecords && reader.next(rec))
        out.append(rec.texts());
    if (reader.error())
        return *reader.error();
    return out;
}

QString CsvReader::delimiterName(char delimiter)
{
    switch (delimiter) {
    case ',': return u"comma"_s;
    case ';': return u"semicolon"_s;
    case '\t': return u"tab"_s;
    case '|': return u"pipe"_s;
    default: return u"'"_s + QChar::fromLatin1(delimiter) + u"'"_s;
    }
}

} // namespace pb::reconcile
