#include "erp/csvfilesink.h"

#include <QHash>


#include <utility>

using namespace Qt::StringLiterals;

namespace pb::erp {

namespace {

constexpr qsizetype kColumns = 8;

enum Column { Date, Reference, Account, Description, Memo, Debit, Credit, CurrencyCode };

Error parseError(int line, const QString &message)
{
    return makeError(u"erp.csv.parse"_s, u"line %1"_s.arg(line), u"line %1: %2"_s.arg(line).arg(message));
}

QByteArray quoted(const QString &field)
{
    QByteArray bytes = field.toUtf8();
    if (!bytes.contains('"') && !bytes.contains(',') && !bytes.contains('\n') && !bytes.contains('\r'))
        return bytes;
    bytes.replace("\"", "\"\"");
    return '"' + bytes + '"';
}

struct Record
{
    int line = 0;
    QStringList fields;
};

// RFC 4180 records (quoted fields may hold separators, quotes and line breaks); LF or CRLF.
Result<QList<Record>> records(const QByteArray &text)
{
    QList<Record> out;
    Record current;
    QByteArray field;
    bool inQuotes = false;
    bool wasQuoted = false;
    int line = 1;
    current.line = 1;
    const auto endField = [&] {
        current.fields.append(QString::fromUtf8(field));
        field.clear();
        wasQuoted = false;
    };
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char c = text.at(i);
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < text.size() && text.at(i + 1) == '"') {
                    field.append('"');
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                if (c == '\n')
                    ++line;
                field.append(c);
            }
            continue;
        }
        if (c == '"') {
            if (!field.isEmpty() || wasQuoted)
                return parseError(line, u"a quote inside an unquoted field"_s);
            inQuotes = true;
            wasQuoted = true;
        } else if (c == ',') {
            endField();
        } else if (c == '\r' || c == '\n') {
            if (c == '\r') {
                if (i + 1 >= text.size() || text.at(i + 1) != '\n')
                    return parseError(line, u"a carriage return without a line feed"_s);
                ++i;
            }
            endField();
            out.append(current);
            current = Record();
            current.line = ++line;
        } else {
            if (wasQuoted)
                return parseError(line, u"text after a closing quote"_s);
            field.append(c);
        }
    }
    if (inQuotes)
        return parseError(current.line, u"a quoted field is not closed"_s);
    if (!field.isEmpty() || !current.fields.isEmpty() || wasQuoted) {
        endField();
        out.append(current);
    }
    return out;
}

} // namespace

CsvFileSink::CsvFileSink(QString path) : FileJournal(std::move(path), u"erp.csv"_s, u"CSV journal"_s) {}

const QByteArray &CsvFileSink::header()
{
    static const QByteArray h = QByteArrayLiteral("date,reference,account,description,memo,debit,credit,currency\r\n");
    return h;
}

QByteArray CsvFileSink::format(const JournalEntry &e)
{
    QByteArray out;
    for (const Posting &p : e.postings) {
        const QString amount = p.amount.abs().toDecimalString();
        const bool debit = !p.amount.isNegative();
        out += e.date.toString(Qt::ISODate).toUtf8() + ',' + quoted(e.externalRef) + ',' + quoted(p.account) + ','
            + quoted(e.description) + ',' + quoted(p.memo) + ',' + (debit ? amount.toUtf8() : QByteArray()) + ','
            + (debit ? QByteArray() : amount.toUtf8()) + ',' + p.amount.currency().code().toUtf8() + "\r\n";
    }
    return out;
}

Result<QList<JournalEntry>> CsvFileSink::parse(const QByteArray &text)
{
    PB_TRY(recs, records(text));
    QList<JournalEntry> entries;
    if (recs.isEmpty())
        return entries;
    const QStringList expected = QString::fromUtf8(header()).trimmed().split(u',');
    if (recs.first().fields != expected)
        return parseError(1, u"the header is not '%1'"_s.arg(expected.join(u',')));
    QHash<QString, int> refLine; // reference → line of its first row
    QHash<QString, qsizetype> open; // reference of the entry being read → index
    QString lastRef;
    for (qsizetype i = 1; i < recs.size(); ++i) {
        const Record &r = recs.at(i);
        if (r.fields.size() == 1 && r.fields.first().isEmpty())
            continue; // a blank line
        if (r.fields.size() != kColumns)
            return parseError(r.line, u"%1 fields instead of %2"_s.arg(r.fields.size()).arg(kColumns));
        const QStringList &f = r.fields;
        const QDate date = QDate::fromString(f.at(Date), Qt::ISODate);
        if (!date.isValid())
            return parseError(r.line, u"date: '%1' is not a YYYY-MM-DD date"_s.arg(f.at(Date)));
        if (Status s = validateExternalRef(f.at(Reference)); !s)
            return parseError(r.line, u"reference: "_s + s.error().message);
        const auto currency = Currency::fromCode(f.at(CurrencyCode));
        if (!currency)
            return parseError(r.line, u"currency: '%1' is not a known ISO 4217 code"_s.arg(f.at(CurrencyCode)));
        const bool hasDebit = !f.at(Debit).isEmpty();
        const bool hasCredit = !f.at(Credit).isEmpty();
        if (hasDebit == hasCredit)
            return parseError(r.line, u"exactly one of debit and credit must be filled in"_s);
        Result<Money> amount = Money::parse(hasDebit ? f.at(Debit) : f.at(Credit), *currency);
        if (!amount)
            return parseError(r.line, (hasDebit ? u"debit: "_s : u"credit: "_s) + amount.error().message);
        if (amount->isNegative())
            return parseError(r.line, u"debit and credit are written without a sign"_s);
        const Posting posting{f.at(Account), hasDebit ? *amount : amount->negated(), f.at(Memo)};
        const QString &ref = f.at(Reference);
        if (ref != lastRef) {
            if (refLine.contains(ref))
                return parseError(r.line, u"reference %1 is also on line %2; an entry's rows must be consecutive"_s
                                              .arg(ref)
                                              .arg(refLine.value(ref)));
            refLine.insert(ref, r.line);
            entries.append(JournalEntry{date, ref, f.at(Description), {posting}});
            lastRef = ref;
        } else {
            JournalEntry &e = entries.last();
            if (e.date != date || e.description != f.at(Description))
                return parseError(r.line, u"the date or description differs from the entry's first row"_s);
            e.postings.append(posting);
        }
    }
    for (const JournalEntry &e : std::as_const(entries)) {
        if (Status s = validate(e); !s)
            return parseError(refLine.value(e.externalRef), s.error().message);
    }
    return entries;
}

} // namespace pb::erp
