#include "reconcile/settlementimporter.h"

#include "model/rejectedrecord.h"
#include "store/auditlog.h"
#include "store/quarantinerepository.h"
#include "store/sqlsupport.h"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>

#include <cstring>
#include <optional>

using namespace Qt::StringLiterals;

namespace pb::reconcile {

Q_LOGGING_CATEGORY(lcReconcile, "paybridge.reconcile", QtInfoMsg)

namespace {

Error sqlError(const QString &what, const QSqlError &e)
{
    return makeError(u"store.sql"_s, QString(), what + u": "_s
                         + (e.databaseText().isEmpty() ? e.driverText() : e.databaseText()));
}

// The whole import is one write transaction: its own (BEGIN IMMEDIATE) on an idle connection,
// a savepoint inside the caller's. Rolled back on destruction unless released.
class ImportTransaction
{
public:
    explicit ImportTransaction(QSqlDatabase &db) : m_tx(db, "pb_settlement_import"_L1) {}
    Status begin() { return m_tx.begin(); }
    Status release() { return m_tx.release(); }

private:
    store::detail::Savepoint m_tx;
};

// A large file touches many index pages; with SQLite's small default page cache they spill to
// the WAL mid-transaction and are read back. A bigger cache for the import, restored after.
class LargerPageCache
{
public:
    explicit LargerPageCache(QSqlDatabase &db) : m_db(db)
    {
        QSqlQuery q(m_db);
        if (q.exec(u"PRAGMA cache_size"_s) && q.next()) {
            m_previous = q.value(0).toLongLong();
            m_set = QSqlQuery(m_db).exec(u"PRAGMA cache_size = -262144"_s); // KiB: 256 MiB at most
        }
    }
    ~LargerPageCache()
    {
        if (m_set)
            QSqlQuery(m_db).exec(u"PRAGMA cache_size = "_s + QString::number(m_previous));
    }

private:
    QSqlDatabase &m_db;
    qint64 m_previous = 0;
    bool m_set = false;
};

struct Digest
{
    quint64 a = 0, b = 0;
    friend bool operator==(const Digest &, const Digest &) = default;
};
size_t qHash(const Digest &d, size_t seed = 0) noexcept
{
    return ::qHash(d.a ^ (d.b * 0x9E3779B97F4A7C15ULL), seed);
}

// The identity of a line's content (without its occurrence number).
Digest digestOf(QCryptographicHash &h, const QString &source, const SettlementRow &r)
{
    h.reset();
    const QString text = source + u'\x1f' + kindName(r.kind) + u'\x1f' + r.transactionId + u'\x1f'
        + QString::number(r.amount.minor()) + u'\x1f' + r.amount.currency().code() + u'\x1f'
        + r.settledOn.toString(Qt::ISODate) + u'\x1f' + r.batch + u'\x1f' + r.reference + u'\x1f'
        + r.cardLast4;
    h.addData(text.toUtf8());
    const QByteArrayView v = h.resultView();
    Digest d;
    std::memcpy(&d.a, v.data(), 8);
    std::memcpy(&d.b, v.data() + 8, 8);
    return d;
}

QString keyText(const Digest &d, int occurrence)
{
    QByteArray bytes(16, Qt::Uninitialized);
    std::memcpy(bytes.data(), &d.a, 8);
    std::memcpy(bytes.data() + 8, &d.b, 8);
    QString key = QString::fromLatin1(bytes.toHex());
    if (occurrence > 1)
        key += u'#' + QString::number(occurrence);
    return key;
}

bool luhn(QStringView digits)
{
    int sum = 0;
    bool twice = false;
    for (qsizetype i = digits.size() - 1; i >= 0; --i) {
        int d = digits[i].unicode() - u'0';
        if (twice) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        twice = !twice;
    }
    return sum % 10 == 0;
}

// Qt binds an empty QString as NULL; the NOT NULL DEFAULT '' text columns take '' instead.
const QString kInsertLine = uR"(
INSERT INTO settlement_lines (file_id, line_no, kind, transaction_id, amount, currency, settled_on,
    batch, card_last4, reference, raw, natural_key)
VALUES (?, ?, ?, COALESCE(?, ''), ?, ?, ?, COALESCE(?, ''), COALESCE(?, ''), COALESCE(?, ''),
    COALESCE(?, ''), ?)
ON CONFLICT (natural_key) DO NOTHING)"_s;

// A set-aside line is known by its file's content and its place in it, so that importing the
// same content again finds it.
QString quarantineId(const QString &sha256, qint64 line)
{
    return sha256.left(12) + u':' + QString::number(line);
}

// The column named by a line error ("line 12, column amount" or "... column amount is
// missing"); "" (not null: the column is NOT NULL) when it names none.
QString failedColumn(const Error &e)
{
    const QString marker = u", column "_s;
    if (const qsizetype at = e.field.indexOf(marker); at >= 0)
        return e.field.mid(at + marker.size());
    static const QString missing = u" is missing"_s;
    if (const qsizetype at = e.message.lastIndexOf(u"column "_s); at >= 0 && e.message.endsWith(missing))
        return e.message.mid(at + 7, e.message.size() - at - 7 - missing.size());
    return u""_s;
}

// A line error as kept and shown: a value echoed in the message may be a card number.
Error maskedLineError(Error e)
{
    e.message = SettlementImporter::maskCardNumbers(e.message);
    return e;
}

RejectedRecord rejectedLine(const QString &sha256, const CsvRecord &r, const Error &e)
{
    RejectedRecord rec;
    rec.source = RejectedRecord::kSettlementLine;
    rec.externalId = quarantineId(sha256, r.line());
    rec.field = failedColumn(e);
    rec.reason = e.toString();
    rec.raw = SettlementImporter::maskCardNumbers(QString::fromUtf8(r.raw())).toUtf8();
    return rec;
}

bool insertRow(QSqlQuery &insert, const QVariant &fileId, const SettlementRow &s, const QString &raw,
               const QString &key)
{
    int i = 0;
    insert.bindValue(i++, fileId);
    insert.bindValue(i++, s.line);
    insert.bindValue(i++, kindName(s.kind));
    insert.bindValue(i++, s.transactionId);
    insert.bindValue(i++, s.amount.minor());
    insert.bindValue(i++, s.amount.currency().code());
    insert.bindValue(i++, s.settledOn.toString(Qt::ISODate));
    insert.bindValue(i++, s.batch);
    insert.bindValue(i++, s.cardLast4);
    insert.bindValue(i++, s.reference);
    insert.bindValue(i++, raw);
    insert.bindValue(i++, key);
    return insert.exec();
}

} // namespace

QString SettlementImporter::naturalKey(const QString &source, const SettlementRow &row, int occurrence)
{
    QCryptographicHash h(QCryptographicHash::Sha256);
    return keyText(digestOf(h, source, row), occurrence);
}

QString SettlementImporter::maskCardNumbers(const QString &text)
{
    QString out = text;
    qsizetype i = 0;
    while (i < out.size()) {
        if (!out.at(i).isDigit() || out.at(i).unicode() > 127) {
            ++i;
            continue;
        }
        qsizetype j = i;
        while (j < out.size() && out.at(j).unicode() < 128 && out.at(j).isDigit())
            ++j;
        const qsizetype len = j - i;
        if (len >= 13 && len <= 19 && luhn(QStringView(out).sliced(i, len)))
            for (qsizetype k = i; k < j - 4; ++k)
                out[k] = u'*';
        i = j;
    }
    return out;
}

ImportOutcome SettlementImporter::importFile(const QString &path, const SettlementMapping &mapping,
                                             const ImportOptions &options)
{
    ImportOutcome out;
    ImportReport &rep = out.report;
    auto fail = [&](const Error &e) {
        out.errors.append(e);
        return out;
    };
    QElapsedTimer timer;
    timer.start();
    if (Status s = mapping.validate(); !s)
        return fail(s.error());

    CsvReader reader;
    if (Status s = reader.openFile(path); !s)
        return fail(s.error());
    rep.sha256 = QString::fromLatin1(
        QCryptographicHash::hash(reader.content(), QCryptographicHash::Sha256).toHex());

    {
        QSqlQuery q(m_db);
        q.prepare(u"SELECT id FROM settlement_files WHERE sha256 = ?"_s);
        q.bindValue(0, rep.sha256);
        if (!q.exec())
            return fail(sqlError(u"cannot look up earlier imports"_s, q.lastError()));
        if (q.next()) {
            rep.fileId = q.value(0).toLongLong();
            rep.alreadyImported = true;
            qCInfo(lcReconcile) << "settlement file" << QFileInfo(path).fileName()
                                << "was already imported as file" << rep.fileId;
            return releaseSetAside(reader, mapping, options, path, std::move(out));
        }
    }

    CsvRecord rec;
    bool firstIsData = false;
    auto header = readHeader(reader, mapping, rec, firstIsData);
    if (!header)
        return fail(header.error());
    auto parser = SettlementRowParser::create(mapping, header.value());
    if (!parser)
        return fail(parser.error());

    LargerPageCache cache(m_db);
    ImportTransaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return fail(s.error());

    const QString name = options.name.isEmpty() ? QFileInfo(path).fileName() : options.name;
    const QDateTime at = options.importedAt.isValid() ? options.importedAt
                                                      : QDateTime::currentDateTimeUtc();
    {
        QSqlQuery q(m_db);
        q.prepare(uR"(INSERT INTO settlement_files (sha256, name, source, imported_at, imported_by)
VALUES (?, COALESCE(?, ''), ?, ?, COALESCE(?, '')))"_s);
        q.bindValue(0, rep.sha256);
        q.bindValue(1, name);
        q.bindValue(2, mapping.source);
        q.bindValue(3, at.toMSecsSinceEpoch());
        q.bindValue(4, options.actor);
        if (!q.exec())
            return fail(sqlError(u"cannot record the settlement file"_s, q.lastError()));
        rep.fileId = q.lastInsertId().toLongLong();
    }

    QSqlQuery insert(m_db);
    insert.setForwardOnly(true);
    if (!insert.prepare(kInsertLine))
        return fail(sqlError(u"cannot prepare the line insert"_s, insert.lastError()));

    QCryptographicHash hasher(QCryptographicHash::Sha256);
    QHash<Digest, int> seen; // occurrences of identical content within this file
    const QVariant fileId = rep.fileId;
    QList<Error> lineErrors;
    QList<RejectedRecord> setAside;
    std::optional<Error> storeError;
    auto handle = [&](const CsvRecord &r) -> bool {
        ++rep.lines;
        auto row = parser->parse(r);
        if (!row) {
            if (lineErrors.size() >= options.maxErrors) {
                out.errorsTruncated = true;
                return false;
            }
            const Error e = maskedLineError(row.error());
            lineErrors.append(e);
            setAside.append(rejectedLine(rep.sha256, r, e));
            return true;
        }
        SettlementRow &s = row.value();
        // Free text may carry a card number; it is masked before it is hashed or stored.
        s.reference = maskCardNumbers(s.reference);
        const Digest d = digestOf(hasher, mapping.source, s);
        const int occurrence = ++seen[d];
        if (!insertRow(insert, fileId, s, maskCardNumbers(QString::fromUtf8(r.raw())),
                       keyText(d, occurrence))) {
            storeError = sqlError(u"cannot store line "_s + QString::number(s.line), insert.lastError());
            return false;
        }
        if (insert.numRowsAffected() > 0) {
            ++rep.added;
            ++rep.addedByKind[s.kind];
        } else {
            ++rep.duplicates;
        }
        return true;
    };
    bool go = true;
    if (firstIsData)
        go = handle(rec);
    while (go && reader.next(rec))
        go = handle(rec);
    insert.finish();
    if (storeError)
        return fail(*storeError);

    // Bad lines are set aside one by one, but a file made mostly of them is read with the wrong
    // mapping or is not the file meant: it is refused whole, as is any unreadable structure.
    if (out.errorsTruncated)
        out.refusal = u"more than %1 lines do not read"_s.arg(options.maxErrors);
    else if (2 * lineErrors.size() > rep.lines)
        out.refusal = u"%1 of %2 lines do not read"_s.arg(lineErrors.size()).arg(rep.lines);
    if (reader.error() || !out.refusal.isEmpty()) {
        out.errors = lineErrors;
        if (reader.error() && out.errors.size() < options.maxErrors)
            out.errors.append(*reader.error());
        qCWarning(lcReconcile) << "settlement import of" << name << "refused with"
                               << out.errors.size() << "errors; first:" << out.errors.first().toString();
        return out; // ImportTransaction rolls back
    }
    rep.quarantined = setAside.size();
    rep.quarantineErrors = lineErrors;

    {
        QSqlQuery q(m_db);
        q.prepare(u"UPDATE settlement_files SET line_count = ?, lines_added = ? WHERE id = ?"_s);
        q.bindValue(0, rep.lines);
        q.bindValue(1, rep.added);
        q.bindValue(2, rep.fileId);
        if (!q.exec())
            return fail(sqlError(u"cannot finish the settlement file record"_s, q.lastError()));
    }
    if (auto put = store::QuarantineRepository(m_db).put(setAside, at); !put)
        return fail(put.error());

    QJsonObject byKind;
    for (auto it = rep.addedByKind.cbegin(); it != rep.addedByKind.cend(); ++it)
        byKind.insert(kindName(it.key()), it.value());
    const QJsonObject after{{u"name"_s, name},
                            {u"source"_s, mapping.source},
                            {u"sha256"_s, rep.sha256},
                            {u"lines"_s, rep.lines},
                            {u"added"_s, rep.added},
                            {u"duplicates"_s, rep.duplicates},
                            {u"quarantined"_s, rep.quarantined},
                            {u"addedByKind"_s, byKind}};
    QString summary = QString::number(rep.added) + u" of "_s + QString::number(rep.lines)
        + u" lines added from "_s + name;
    if (rep.quarantined > 0)
        summary += u", "_s + QString::number(rep.quarantined) + u" set aside"_s;
    store::AuditLog audit(m_db);
    auto entry = audit.append(options.actor.isEmpty() ? u"system"_s : options.actor,
                              u"settlement.import"_s, u"settlement_file"_s,
                              QString::number(rep.fileId), QString(),
                              QString::fromUtf8(QJsonDocument(after).toJson(QJsonDocument::Compact)),
                              summary, at);
    if (!entry)
        return fail(entry.error());
    if (Status s = tx.release(); !s)
        return fail(s.error());

    const qint64 ms = timer.elapsed();
    qCInfo(lcReconcile).nospace() << "imported settlement file " << name << ": " << rep.added
                                  << " of " << rep.lines << " lines added, " << rep.quarantined
                                  << " set aside in " << ms << " ms";
    return out;
}

ImportOutcome SettlementImporter::releaseSetAside(CsvReader &reader, const SettlementMapping &mapping,
                                                  const ImportOptions &options, const QString &path,
                                                  ImportOutcome out)
{
    ImportReport &rep = out.report;
    auto fail = [&](const Error &e) {
        out.errors.append(e);
        return out;
    };
    QString fileSource;
    {
        QSqlQuery q(m_db);
        q.prepare(u"SELECT source FROM settlement_files WHERE id = ?"_s);
        q.bindValue(0, rep.fileId);
        if (!q.exec() || !q.next())
            return fail(sqlError(u"cannot read the settlement file record"_s, q.lastError()));
        fileSource = q.value(0).toString();
    }
    QSet<qint64> pending;
    {
        const QString prefix = quarantineId(rep.sha256, 0).chopped(1);
        QSqlQuery q(m_db);
        q.prepare(u"SELECT external_id FROM quarantine WHERE source = ? AND substr(external_id, 1, ?) = ?"_s);
        q.bindValue(0, QString(RejectedRecord::kSettlementLine));
        q.bindValue(1, prefix.size());
        q.bindValue(2, prefix);
        if (!q.exec())
            return fail(sqlError(u"cannot read the quarantine"_s, q.lastError()));
        while (q.next())
            pending.insert(q.value(0).toString().mid(prefix.size()).toLongLong());
    }
    if (pending.isEmpty())
        return out; // nothing set aside: the same content again changes nothing
    // Another source would give the lines other natural keys: they could count twice.
    if (mapping.source != fileSource)
        return fail(makeError(u"reconcile.mapping"_s, u"source"_s,
                              u"the file was imported for source '"_s + fileSource
                                  + u"', the mapping is for '"_s + mapping.source + u"'"_s));

    CsvRecord rec;
    bool firstIsData = false;
    auto header = readHeader(reader, mapping, rec, firstIsData);
    if (!header)
        return fail(header.error());
    auto parser = SettlementRowParser::create(mapping, header.value());
    if (!parser)
        return fail(parser.error());

    // The lines imported before took the first occurrences of their content in this file; a
    // released line takes the next one, so it neither hides nor repeats one of them.
    QCryptographicHash hasher(QCryptographicHash::Sha256);
    QHash<Digest, int> seen;
    struct Retry
    {
        SettlementRow row;
        QString raw;
    };
    QList<Retry> retries;
    QList<RejectedRecord> still;
    std::optional<Error> drift;
    auto handle = [&](const CsvRecord &r) -> bool {
        ++rep.lines;
        auto row = parser->parse(r);
        if (pending.contains(r.line())) {
            if (!row) {
                const Error e = maskedLineError(row.error());
                rep.quarantineErrors.append(e);
                still.append(rejectedLine(rep.sha256, r, e));
            } else {
                row.value().reference = maskCardNumbers(row.value().reference);
                retries.append({std::move(row).value(), maskCardNumbers(QString::fromUtf8(r.raw()))});
            }
            return true;
        }
        if (!row) {
            // It was imported, so this is not the file's mapping corrected: the occurrences
            // counted with it would not be those stored.
            drift = makeError(u"reconcile.mapping"_s, row.error().field,
                              u"line "_s + QString::number(r.line())
                                  + u" was imported but does not read with this mapping: "_s
                                  + maskCardNumbers(row.error().message));
            return false;
        }
        row.value().reference = maskCardNumbers(row.value().reference);
        ++seen[digestOf(hasher, mapping.source, row.value())];
        return true;
    };
    bool go = true;
    if (firstIsData)
        go = handle(rec);
    while (go && reader.next(rec))
        go = handle(rec);
    if (drift)
        return fail(*drift);
    if (reader.error())
        return fail(*reader.error());

    ImportTransaction tx(m_db);
    if (Status s = tx.begin(); !s)
        return fail(s.error());
    QSqlQuery insert(m_db);
    if (!insert.prepare(kInsertLine))
        return fail(sqlError(u"cannot prepare the line insert"_s, insert.lastError()));
    const QVariant fileId = rep.fileId;
    QStringList released;
    for (const Retry &t : std::as_const(retries)) {
        const SettlementRow &s = t.row;
        const Digest d = digestOf(hasher, mapping.source, s);
        if (!insertRow(insert, fileId, s, t.raw, keyText(d, ++seen[d])))
            return fail(sqlError(u"cannot store line "_s + QString::number(s.line), insert.lastError()));
        if (insert.numRowsAffected() > 0) {
            ++rep.added;
            ++rep.addedByKind[s.kind];
        } else {
            ++rep.duplicates;
        }
        released.append(quarantineId(rep.sha256, s.line));
    }
    insert.finish();
    const QDateTime at = options.importedAt.isValid() ? options.importedAt
                                                      : QDateTime::currentDateTimeUtc();
    store::QuarantineRepository quarantine(m_db);
    auto left = quarantine.release(RejectedRecord::kSettlementLine, released, at);
    if (!left)
        return fail(left.error());
    rep.released = left.value();
    if (auto put = quarantine.put(still, at); !put)
        return fail(put.error());
    rep.quarantined = still.size();

    if (!released.isEmpty()) {
        QSqlQuery q(m_db);
        q.prepare(u"UPDATE settlement_files SET lines_added = lines_added + ? WHERE id = ?"_s);
        q.bindValue(0, rep.added);
        q.bindValue(1, rep.fileId);
        if (!q.exec())
            return fail(sqlError(u"cannot update the settlement file record"_s, q.lastError()));
        const QString name = options.name.isEmpty() ? QFileInfo(path).fileName() : options.name;
        const QJsonObject after{{u"name"_s, name},
                                {u"sha256"_s, rep.sha256},
                                {u"released"_s, rep.released},
                                {u"added"_s, rep.added},
                                {u"duplicates"_s, rep.duplicates},
                                {u"quarantined"_s, rep.quarantined}};
        auto entry = store::AuditLog(m_db).append(
            options.actor.isEmpty() ? u"system"_s : options.actor, u"settlement.release"_s,
            u"settlement_file"_s, QString::number(rep.fileId), QString(),
            QString::fromUtf8(QJsonDocument(after).toJson(QJsonDocument::Compact)),
            QString::number(rep.released) + u" set-aside lines of "_s + name + u" read now, "_s
                + QString::number(rep.added) + u" added"_s,
            at);
        if (!entry)
            return fail(entry.error());
    }
    if (Status s = tx.release(); !s)
        return fail(s.error());
    qCInfo(lcReconcile).nospace() << "settlement file " << rep.fileId << ": " << rep.released
                                  << " set-aside lines released, " << rep.added << " added, "
                                  << rep.quarantined << " still set aside";
    return out;
}

} // namespace pb::reconcile
