#include "reconcile/settlementmapping.h"

#include <QJsonArray>
#include <QSet>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace pb::reconcile {

namespace {

struct Role
{
    QLatin1StringView name; // JSON key under "columns" and the name used in errors
    QString SettlementMapping::*member;
};

const Role kRoles[] = {
    {"transactionId"_L1, &SettlementMapping::transactionId},
    {"amount"_L1, &SettlementMapping::amount},
    {"debit"_L1, &SettlementMapping::debit},
    {"credit"_L1, &SettlementMapping::credit},
    {"currency"_L1, &SettlementMapping::currency},
    {"date"_L1, &SettlementMapping::date},
    {"batch"_L1, &SettlementMapping::batch},
    {"kind"_L1, &SettlementMapping::kind},
    {"cardLast4"_L1, &SettlementMapping::cardLast4},
    {"reference"_L1, &SettlementMapping::reference},
};

QString normalize(QStringView header)
{
    QString out;
    out.reserve(header.size());
    for (QChar c : header)
        if (c.isLetterOrNumber())
            out.append(c.toLower());
    return out;
}

int indexOfColumn(const QStringList &header, const QString &name)
{
    const QString want = name.trimmed();
    for (int i = 0; i < header.size(); ++i)
        if (header.at(i).trimmed().compare(want, Qt::CaseInsensitive) == 0)
            return i;
    return -1;
}

Error fieldError(const QString &field, const QString &message)
{
    return makeError(u"reconcile.mapping"_s, field, message);
}

bool validDelimiter(char d)
{
    return d == ',' || d == ';' || d == '\t' || d == '|';
}

QString kindList()
{
    return u"sale, refund, chargeback, adjustment, fee or deposit"_s;
}

} // namespace

Status SettlementMapping::validate() const
{
    if (source.trimmed().isEmpty())
        return fieldError(u"source"_s, u"the source is empty; it names where the file comes from"_s);
    if (!validDelimiter(delimiter))
        return fieldError(u"delimiter"_s, u"the delimiter must be comma, semicolon, tab or pipe"_s);
    const bool split = !debit.isEmpty() || !credit.isEmpty();
    if (amount.isEmpty() && !split)
        return fieldError(u"columns.amount"_s, u"map an amount column, or debit and credit columns"_s);
    if (!amount.isEmpty() && split)
        return fieldError(u"columns.amount"_s,
                          u"an amount column and debit/credit columns are both mapped; choose one"_s);
    if (date.isEmpty())
        return fieldError(u"columns.date"_s, u"the settlement date column is not mapped"_s);
    if (currency.isEmpty() && fixedCurrency.isEmpty())
        return fieldError(u"currency"_s, u"map a currency column or set a fixed currency"_s);
    if (!currency.isEmpty() && !fixedCurrency.isEmpty())
        return fieldError(u"currency"_s, u"both a currency column and a fixed currency are set"_s);
    if (!fixedCurrency.isEmpty() && !Currency::fromCode(fixedCurrency))
        return fieldError(u"fixedCurrency"_s, u"'"_s + fixedCurrency + u"' is not a currency code"_s);
    if (dateFormat == DateFormat::Unknown)
        return fieldError(u"dateFormat"_s, u"the date format is not set"_s);
    if (amountFormat.decimal != u'.' && amountFormat.decimal != u',')
        return fieldError(u"amountFormat.decimal"_s, u"the decimal separator must be '.' or ','"_s);
    const QChar t = amountFormat.thousands;
    if (!t.isNull() && t != u',' && t != u'.' && t != u' ' && t != u'\'')
        return fieldError(u"amountFormat.thousands"_s,
                          u"the thousands separator must be none, ',', '.', ' ' or '''"_s);
    if (t == amountFormat.decimal)
        return fieldError(u"amountFormat.thousands"_s,
                          u"the thousands separator is the same as the decimal separator"_s);
    if (!kind.isEmpty() && kindMap.isEmpty())
        return fieldError(u"kinds"_s, u"a record type column is mapped but none of its values is"_s);
    // One column, one meaning: a column mapped twice is a mistake in the editor.
    for (qsizetype i = 0; i < qsizetype(std::size(kRoles)); ++i) {
        const QString &a = this->*kRoles[i].member;
        if (a.isEmpty())
            continue;
        for (qsizetype j = 0; j < i; ++j)
            if ((this->*kRoles[j].member).trimmed().compare(a.trimmed(), Qt::CaseInsensitive) == 0)
                return fieldError(u"columns."_s + kRoles[i].name,
                                  u"column '"_s + a + u"' is already mapped as "_s + kRoles[j].name);
    }
    return Status::success();
}

Status SettlementMapping::validateAgainst(const QStringList &header) const
{
    if (Status s = validate(); !s)
        return s;
    for (const Role &r : kRoles) {
        const QString &col = this->*r.member;
        if (!col.isEmpty() && indexOfColumn(header, col) < 0)
            return fieldError(u"columns."_s + r.name,
                              u"column '"_s + col + u"' is not in the file (it has: "_s
                                  + header.join(u", "_s) + u")"_s);
    }
    return Status::success();
}

QJsonObject SettlementMapping::toJson() const
{
    QJsonObject columns;
    for (const Role &r : kRoles)
        columns.insert(r.name, this->*r.member);
    QJsonObject kinds;
    for (auto it = kindMap.cbegin(); it != kindMap.cend(); ++it)
        kinds.insert(it.key(), kindName(it.value()));
    QJsonObject amountFmt{{u"decimal"_s, QString(amountFormat.decimal)},
                          {u"thousands"_s, amountFormat.thousands.isNull()
                                               ? QString() : QString(amountFormat.thousands)}};
    return QJsonObject{
        {u"version"_s, kVersion},
        {u"source"_s, source},
        {u"delimiter"_s, QString(QChar::fromLatin1(delimiter))},
        {u"hasHeader"_s, hasHeader},
        {u"columns"_s, columns},
        {u"fixedCurrency"_s, fixedCurrency},
        {u"kinds"_s, kinds},
        {u"defaultKind"_s, kindName(defaultKind)},
        {u"dateFormat"_s, dateFormatName(dateFormat)},
        {u"amountFormat"_s, amountFmt},
    };
}

Result<SettlementMapping> SettlementMapping::fromJson(const QJsonObject &json)
{
    const QJsonValue version = json.value(u"version"_s);
    if (!version.isDouble() || version.toInt() != kVersion)
        return fieldError(u"version"_s, u"unsupported mapping version "_s
                              + (version.isUndefined() ? u"(missing)"_s
                                                       : QString::number(version.toInt()))
                              + u"; this build reads version "_s + QString::number(kVersion));
    auto text = [&](const QJsonObject &o, const QString &key, const QString &field,
                    QString &out) -> std::optional<Error> {
        const QJsonValue v = o.value(key);
        if (v.isUndefined() || v.isNull()) {
            out.clear();
            return std::nullopt;
        }
        if (!v.isString())
            return fieldError(field, u"must be text"_s);
        out = v.toString();
        return std::nullopt;
    };
    SettlementMapping m;
    if (auto e = text(json, u"source"_s, u"source"_s, m.source))
        return *e;
    QString delim;
    if (auto e = text(json, u"delimiter"_s, u"delimiter"_s, delim))
        return *e;
    if (delim.size() != 1 || delim.at(0).unicode() > 127 || !validDelimiter(char(delim.at(0).unicode())))
        return fieldError(u"delimiter"_s, u"'"_s + delim + u"' is not comma, semicolon, tab or pipe"_s);
    m.delimiter = char(delim.at(0).unicode());
    const QJsonValue header = json.value(u"hasHeader"_s);
    if (!header.isBool())
        return fieldError(u"hasHeader"_s, u"must be true or false"_s);
    m.hasHeader = header.toBool();
    const QJsonObject columns = json.value(u"columns"_s).toObject();
    for (const Role &r : kRoles)
        if (auto e = text(columns, r.name, u"columns."_s + r.name, m.*r.member))
            return *e;
    if (auto e = text(json, u"fixedCurrency"_s, u"fixedCurrency"_s, m.fixedCurrency))
        return *e;
    const QJsonObject kinds = json.value(u"kinds"_s).toObject();
    for (auto it = kinds.begin(); it != kinds.end(); ++it) {
        const auto k = kindFromName(it.value().toString());
        if (!k)
            return fieldError(u"kinds."_s + it.key(), u"'"_s + it.value().toString()
                                  + u"' is not a record type; use "_s + kindList());
        m.kindMap.insert(it.key().trimmed().toLower(), *k);
    }
    const auto dk = kindFromName(json.value(u"defaultKind"_s).toString());
    if (!dk)
        return fieldError(u"defaultKind"_s, u"'"_s + json.value(u"defaultKind"_s).toString()
                              + u"' is not a record type; use "_s + kindList());
    m.defaultKind = *dk;
    const QString df = json.value(u"dateFormat"_s).toString();
    m.dateFormat = dateFormatFromName(df);
    if (m.dateFormat == DateFormat::Unknown)
        return fieldError(u"dateFormat"_s, u"'"_s + df + u"' is not a known date format"_s);
    const QJsonObject af = json.value(u"amountFormat"_s).toObject();
    const QString dec = af.value(u"decimal"_s).toString();
    const QString thou = af.value(u"thousands"_s).toString();
    if (dec.size() != 1)
        return fieldError(u"amountFormat.decimal"_s, u"must be one character"_s);
    if (thou.size() > 1)
        return fieldError(u"amountFormat.thousands"_s, u"must be empty or one character"_s);
    m.amountFormat.decimal = dec.at(0);
    m.amountFormat.thousands = thou.isEmpty() ? QChar() : thou.at(0);
    if (Status s = m.validate(); !s)
        return s.error();
    return m;
}

Result<SettlementRowParser> SettlementRowParser::create(const SettlementMapping &mapping,
                                                         const QStringList &header)
{
    if (Status s = mapping.validateAgainst(header); !s)
        return s.error();
    SettlementRowParser p;
    p.m_mapping = mapping;
    p.m_header = header;
    auto idx = [&](const QString &col) { return col.isEmpty() ? -1 : indexOfColumn(header, col); };
    p.m_txn = idx(mapping.transactionId);
    p.m_amount = idx(mapping.amount);
    p.m_debit = idx(mapping.debit);
    p.m_credit = idx(mapping.credit);
    p.m_currency = idx(mapping.currency);
    p.m_date = idx(mapping.date);
    p.m_batch = idx(mapping.batch);
    p.m_kind = idx(mapping.kind);
    p.m_card = idx(mapping.cardLast4);
    p.m_reference = idx(mapping.reference);
    if (!mapping.fixedCurrency.isEmpty())
        p.m_fixed = *Currency::fromCode(mapping.fixedCurrency);
    return p;
}

Result<SettlementRow> SettlementRowParser::parse(const CsvRecord &record) const
{
    const qint64 line = record.line();
    auto err = [&](int column, const QString &message) -> Error {
        return makeError(u"reconcile.line"_s,
                         u"line "_s + QString::number(line) + u", column "_s + m_header.at(column),
                         message);
    };
    auto text = [&](int column) -> QString {
        return column >= 0 && column < record.size() ? record.text(column).trimmed() : QString();
    };
    for (int c : {m_txn, m_amount, m_debit, m_credit, m_currency, m_date, m_batch, m_kind, m_card,
                  m_reference})
        if (c >= record.size())
            return makeError(u"reconcile.line"_s, u"line "_s + QString::number(line),
                             u"the line has "_s + QString::number(record.size())
                                 + u" fields; column "_s + m_header.at(c) + u" is missing"_s);

    SettlementRow row;
    row.line = line;
    if (m_kind >= 0) {
        const QString word = text(m_kind);
        const auto it = m_mapping.kindMap.constFind(word.toLower());
        if (it == m_mapping.kindMap.cend())
            return err(m_kind, u"'"_s + word + u"' is not a mapped record type"_s);
        row.kind = it.value();
    } else {
        row.kind = m_mapping.defaultKind;
    }

    Currency currency = m_fixed;
    if (m_currency >= 0) {
        const QString code = text(m_currency);
        const auto c = Currency::fromCode(code.toUpper());
        if (!c)
            return err(m_currency, u"'"_s + code + u"' is not a currency code"_s);
        currency = *c;
    }

    auto amountOf = [&](int column, std::optional<Money> &out) -> std::optional<Error> {
        const QString v = text(column);
        if (v.isEmpty())
            return std::nullopt;
        QString why;
        out = parseAmount(v, m_mapping.amountFormat, currency, &why);
        if (!out)
            return err(column, u"'"_s + v + u"' is not an amount ("_s + why + u")"_s);
        return std::nullopt;
    };
    if (m_amount >= 0) {
        std::optional<Money> a;
        if (auto e = amountOf(m_amount, a))
            return *e;
        if (!a)
            return err(m_amount, u"the amount is empty"_s);
        row.amount = *a;
    } else {
        std::optional<Money> debit, credit;
        if (m_debit >= 0)
            if (auto e = amountOf(m_debit, debit))
                return *e;
        if (m_credit >= 0)
            if (auto e = amountOf(m_credit, credit))
                return *e;
        const bool hasDebit = debit && !debit->isZero();
        const bool hasCredit = credit && !credit->isZero();
        const int col = m_debit >= 0 ? m_debit : m_credit;
        if (hasDebit && hasCredit)
            return err(col, u"both debit and credit carry an amount"_s);
        if (!debit && !credit)
            return err(col, u"neither debit nor credit carries an amount"_s);
        // Money in is positive, money out negative, whatever sign the bank wrote.
        row.amount = hasDebit ? debit->abs().negated() : credit ? credit->abs() : debit->abs();
    }

    const QString dateText = text(m_date);
    const auto date = parseDate(dateText, m_mapping.dateFormat);
    if (!date)
        return err(m_date, u"'"_s + dateText + u"' is not a date in the format "_s
                               + dateFormatName(m_mapping.dateFormat));
    row.settledOn = *date;

    if (m_card >= 0) {
        const QString card = text(m_card);
        QString digits;
        bool other = false;
        for (QChar c : card) {
            if (c.isDigit())
                digits.append(c);
            else if (c != u'*' && c != u'x' && c != u'X' && c != QChar(0x2022) && c != u' '
                     && c != u'-')
                other = true;
        }
        // Never echo more than four digits: that could be a card number.
        if (digits.size() > 4)
            return err(m_card, u"holds more than four digits; only the last four of a card may be imported"_s);
        if (other || (!card.isEmpty() && digits.size() != 4))
            return err(m_card, u"'"_s + card + u"' is not the last four digits of a card"_s);
        row.cardLast4 = digits;
    }
    row.transactionId = text(m_txn);
    row.batch = text(m_batch);
    row.reference = text(m_reference);
    return row;
}

Result<QStringList> readHeader(CsvReader &reader, const SettlementMapping &mapping,
                               CsvRecord &firstRecord, bool &firstIsData)
{
    reader.setDelimiter(mapping.delimiter);
    firstIsData = false;
    if (!reader.next(firstRecord)) {
        if (reader.error())
            return *reader.error();
        return makeError(u"reconcile.empty"_s, QString(), u"the file has no lines"_s);
    }
    if (mapping.hasHeader) {
        QStringList header = firstRecord.texts();
        for (QString &h : header)
            h = h.trimmed();
        return header;
    }
    firstIsData = true;
    QStringList header;
    for (qsizetype i = 0; i < firstRecord.size(); ++i)
        header.append(SettlementMapping::columnName(int(i)));
    return header;
}

Result<PreviewResult> preview(const QString &path, const SettlementMapping &mapping, int n,
                              int maxProblems)
{
    CsvReader reader;
    if (Status s = reader.openFile(path); !s)
        return s.error();
    CsvRecord rec;
    bool firstIsData = false;
    auto header = readHeader(reader, mapping, rec, firstIsData);
    if (!header)
        return header.error();
    auto parser = SettlementRowParser::create(mapping, header.value());
    if (!parser)
        return parser.error();
    PreviewResult out;
    out.header = header.value();
    auto handle = [&](const CsvRecord &r) {
        ++out.records;
        auto row = parser->parse(r);
        if (!row) {
            if (out.problems.size() < maxProblems)
                out.problems.append(row.error());
            else
                out.problemsTruncated = true;
        } else if (out.rows.size() < n) {
            out.rows.append(row.value());
        }
    };
    if (firstIsData)
        handle(rec);
    while (reader.next(rec))
        handle(rec);
    if (reader.error())
        out.problems.append(*reader.error());
    return out;
}

// ---- detection --------------------------------------------------------------------------------

namespace {

// Header names (normalised) that mean each role, in kRoles order, best first.
const std::array<QStringList, std::size(kRoles)> &synonyms()
{
    static const std::array<QStringList, std::size(kRoles)> table = {{
        {u"transactionid"_s, u"txnid"_s, u"transid"_s, u"transactionnumber"_s,
         u"transactionno"_s, u"transaction"_s, u"paytraceid"_s}, // transactionId
        {u"amount"_s, u"amt"_s, u"netamount"_s, u"transactionamount"_s,
         u"settledamount"_s, u"settlementamount"_s, u"betrag"_s, u"montant"_s,
         u"importe"_s, u"bedrag"_s, u"value"_s, u"total"_s}, // amount
        {u"debit"_s, u"debits"_s, u"debitamount"_s, u"withdrawal"_s,
         u"withdrawals"_s, u"paidout"_s, u"moneyout"_s, u"soll"_s}, // debit
        {u"credit"_s, u"credits"_s, u"creditamount"_s, u"paidin"_s, u"moneyin"_s,
         u"haben"_s}, // credit
        {u"currency"_s, u"ccy"_s, u"curr"_s, u"currencycode"_s, u"währung"_s,
         u"wahrung"_s, u"devise"_s, u"moneda"_s}, // currency
        {u"settlementdate"_s, u"settleddate"_s, u"settledate"_s, u"depositdate"_s,
         u"settled"_s, u"valuedate"_s, u"valuta"_s, u"postingdate"_s,
         u"bookingdate"_s, u"buchungstag"_s, u"date"_s, u"datum"_s, u"fecha"_s,
         u"transactiondate"_s, u"txndate"_s}, // date
        {u"batch"_s, u"batchnumber"_s, u"batchno"_s, u"batchid"_s, u"batchnum"_s}, // batch
        {u"recordtype"_s, u"type"_s, u"transactiontype"_s, u"txntype"_s, u"kind"_s,
         u"category"_s, u"typ"_s, u"art"_s, u"buchungsart"_s}, // kind
        {u"last4"_s, u"cardlast4"_s, u"lastfour"_s, u"cardlastfour"_s,
         u"card"_s, u"cardnumber"_s, u"maskedcard"_s}, // cardLast4
        {u"reference"_s, u"description"_s, u"memo"_s, u"details"_s,
         u"narrative"_s, u"ref"_s, u"invoice"_s, u"invoiceid"_s,
         u"invoicenumber"_s, u"verwendungszweck"_s, u"omschrijving"_s,
         u"libelle"_s, u"beschreibung"_s, u"referenz"_s, u"buchungstext"_s}, // reference
    }};
    return table;
}

QStringList columnValues(const QList<QStringList> &rows, int column)
{
    QStringList out;
    for (const QStringList &r : rows)
        if (column < r.size())
            out.append(r.at(column).trimmed());
    return out;
}

} // namespace

MappingProposal detect(const QByteArray &sampleIn, const QString &source)
{
    MappingProposal p;
    SettlementMapping &m = p.mapping;
    m.source = source;
    int confidence = 100;

    // A sample cut mid-record would end in a broken line: keep whole lines only.
    QByteArray sample = sampleIn;
    if (sample.startsWith("\xEF\xBB\xBF"))
        sample.remove(0, 3);
    const qsizetype lastNl = sample.lastIndexOf('\n');
    if (lastNl >= 0 && lastNl + 1 < sample.size())
        sample.truncate(lastNl + 1);

    QString why;
    m.delimiter = CsvReader::detectDelimiter(sample, &why);
    p.reasons.append(u"delimiter: "_s + why);

    QList<QStringList> records;
    {
        CsvReader reader;
        (void)reader.openData(sample);
        reader.setDelimiter(m.delimiter);
        CsvRecord rec;
        while (records.size() < 500 && reader.next(rec))
            records.append(rec.texts());
        if (reader.error()) {
            p.ambiguities.append(u"the sample does not read cleanly: "_s + reader.error()->toString());
            confidence -= 30;
        }
    }
    if (records.isEmpty()) {
        p.reasons.append(u"the sample has no lines"_s);
        p.confidence = 0;
        return p;
    }

    const QList<QStringList> next = records.mid(1, 20);
    m.hasHeader = CsvReader::looksLikeHeader(records.first(), next);
    if (m.hasHeader) {
        p.header = records.first();
        for (QString &h : p.header)
            h = h.trimmed();
        p.sampleRows = records.mid(1);
        p.reasons.append(u"header: the first line has names only, later lines have numbers"_s);
    } else {
        for (qsizetype i = 0; i < records.first().size(); ++i)
            p.header.append(SettlementMapping::columnName(int(i)));
        p.sampleRows = records;
        p.reasons.append(u"no header: the first line already holds values"_s);
        confidence -= 20;
    }

    // Columns by their names.
    QSet<int> taken;
    if (m.hasHeader) {
        for (size_t r = 0; r < std::size(kRoles); ++r) {
            const Role &role = kRoles[r];
            const QStringList &words = synonyms()[r];
            for (const QString &w : words) {
                int found = -1;
                for (int c = 0; c < p.header.size() && found < 0; ++c)
                    if (!taken.contains(c) && normalize(p.header.at(c)) == w)
                        found = c;
                if (found >= 0) {
                    m.*role.member = p.header.at(found);
                    taken.insert(found);
                    p.reasons.append(role.name + u": column '"_s + p.header.at(found)
                                     + u"' by its name"_s);
                    break;
                }
            }
        }
        // An amount column beside debit/credit columns is usually a running balance.
        if (!m.amount.isEmpty() && (!m.debit.isEmpty() || !m.credit.isEmpty()))
            m.amount.clear();
    }
    // Columns by their content when names do not tell.
    if (m.date.isEmpty()) {
        for (int c = 0; c < p.header.size() && m.date.isEmpty(); ++c)
            if (!taken.contains(c)
                && detectDateFormat(columnValues(p.sampleRows, c)).format != DateFormat::Unknown) {
                m.date = p.header.at(c);
                taken.insert(c);
                p.reasons.append(u"date: column '"_s + m.date + u"' holds dates"_s);
                confidence -= 10;
            }
    }
    if (m.amount.isEmpty() && m.debit.isEmpty() && m.credit.isEmpty()) {
        for (int c = 0; c < p.header.size() && m.amount.isEmpty(); ++c) {
            if (taken.contains(c))
                continue;
            const QStringList values = columnValues(p.sampleRows, c);
            const bool decimals = std::any_of(values.cbegin(), values.cend(), [](const QString &v) {
                return v.contains(u'.') || v.contains(u',');
            });
            const AmountDetection a = detectAmountFormat(values);
            if (decimals && a.found && !a.reason.contains(u"do not read"_s)) {
                m.amount = p.header.at(c);
                taken.insert(c);
                p.reasons.append(u"amount: column '"_s + m.amount + u"' holds decimal amounts"_s);
                confidence -= 10;
            }
        }
    }

    auto valuesOf = [&](const QString &col) {
        const int c = col.isEmpty() ? -1 : indexOfColumn(p.header, col);
        return c < 0 ? QStringList() : columnValues(p.sampleRows, c);
    };

    if (m.date.isEmpty()) {
        p.ambiguities.append(u"no settlement date column found"_s);
        confidence -= 40;
    } else {
        const DateDetection d = detectDateFormat(valuesOf(m.date));
        m.dateFormat = d.format;
        p.reasons.append(u"date format: "_s + d.reason);
        if (d.format == DateFormat::Unknown) {
            p.ambiguities.append(u"date format: "_s + d.reason);
            confidence -= 30;
        } else if (d.ambiguous) {
            p.ambiguities.append(u"date format: "_s + d.reason);
            confidence -= 20;
        }
    }

    QStringList amounts = valuesOf(m.amount) + valuesOf(m.debit) + valuesOf(m.credit);
    if (m.amount.isEmpty() && m.debit.isEmpty() && m.credit.isEmpty()) {
        p.ambiguities.append(u"no amount column found"_s);
        confidence -= 40;
    }
    const AmountDetection a = detectAmountFormat(amounts);
    m.amountFormat = a.format;
    p.reasons.append(u"amount format: "_s + a.reason);
    if (a.reason.contains(u"do not read"_s)) {
        p.ambiguities.append(u"amount format: "_s + a.reason);
        confidence -= 20;
    }

    if (!m.currency.isEmpty()) {
        p.reasons.append(u"currency: from column '"_s + m.currency + u"'"_s);
    } else if (!a.currencyHint.isEmpty() && Currency::fromCode(a.currencyHint)) {
        m.fixedCurrency = a.currencyHint;
        p.reasons.append(u"currency: "_s + a.currencyHint + u", from the amounts' symbols"_s);
    } else {
        m.fixedCurrency = a.format.decimal == u',' ? u"EUR"_s : u"USD"_s;
        p.ambiguities.append(u"no currency in the file; "_s + m.fixedCurrency
                             + u" assumed from the amount format, please confirm"_s);
        confidence -= 15;
    }

    if (!m.kind.isEmpty()) {
        QStringList unknown;
        for (const QString &v : valuesOf(m.kind)) {
            if (v.isEmpty() || m.kindMap.contains(v.toLower()) || unknown.contains(v))
                continue;
            if (const auto k = guessKind(v)) {
                m.kindMap.insert(v.toLower(), *k);
                p.reasons.append(u"record type '"_s + v + u"' read as "_s + kindName(*k));
            } else {
                unknown.append(v);
            }
        }
        for (const QString &u : unknown)
            p.ambiguities.append(u"record type '"_s + u + u"' in column '"_s + m.kind
                                 + u"' is not known; map it to "_s + kindList());
        confidence -= 10 * int(std::min<qsizetype>(unknown.size(), 3));
    } else {
        m.defaultKind = m.amount.isEmpty() ? RecordKind::Deposit : RecordKind::Sale;
        p.reasons.append(u"no record type column: every line is a "_s + kindName(m.defaultKind));
        confidence -= 10;
    }
    if (m.transactionId.isEmpty() && m.reference.isEmpty()) {
        p.ambiguities.append(u"no transaction id or reference column: lines can only be matched by amount and date"_s);
        confidence -= 10;
    }
    if (m.source.isEmpty())
        m.source = u"import"_s;
    p.confidence = std::clamp(confidence, 0, 100);
    return p;
}

} // namespace pb::reconcile
