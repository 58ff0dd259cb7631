#pragma once

#include "money/money.h"
#include "reconcile/csvreader.h"
#include "reconcile/settlementformats.h"
#include "util/result.h"

#include <QByteArray>
#include <QDate>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace pb::reconcile {

// How one source's settlement or deposit file maps onto settlement lines. Saved once per
// source as versioned JSON. Columns are named by their header text (matched ignoring case and
// surrounding spaces); files without a header name them "column 1", "column 2", ...
struct SettlementMapping
{
    static constexpr int kVersion = 1;

    QString source;          // "paytrace", "bank:chase-1234": part of every line's natural key
    char delimiter = ',';
    bool hasHeader = true;

    QString transactionId;   // column names; empty = not in the file
    QString amount;          // one signed amount, or ...
    QString debit;           // ... separate debit (money out, negative) and
    QString credit;          // credit (money in, positive) columns
    QString currency;        // column with ISO codes, or ...
    QString fixedCurrency;   // ... one currency for the whole file
    QString date;            // settlement / deposit date
    QString batch;
    QString kind;            // record type column, read through kindMap
    QString cardLast4;
    QString reference;       // reference or description

    QMap<QString, RecordKind> kindMap; // the file's own words (lower case) to kinds
    RecordKind defaultKind = RecordKind::Sale; // when there is no kind column

    DateFormat dateFormat = DateFormat::Unknown;
    AmountFormat amountFormat;

    // Errors name the mapping field ("columns.amount", "dateFormat", "kinds.CB").
    Status validate() const;
    // Every mapped column exists in `header`; errors name the mapping field and the column.
    Status validateAgainst(const QStringList &header) const;

    QJsonObject toJson() const;
    static Result<SettlementMapping> fromJson(const QJsonObject &json);

    static QString columnName(int index) { return QStringLiteral("column ") + QString::number(index + 1); }
};

struct MappingProposal
{
    SettlementMapping mapping;
    int confidence = 0;          // 0..100
    QStringList reasons;         // why each choice was made
    QStringList ambiguities;     // choices a person must confirm (e.g. MM/DD versus DD/MM)
    QStringList header;
    QList<QStringList> sampleRows;
};

// One parsed settlement line.
struct SettlementRow
{
    qint64 line = 0;
    RecordKind kind = RecordKind::Sale;
    QString transactionId;
    Money amount;
    QDate settledOn;
    QString batch;
    QString cardLast4;
    QString reference;
};

struct PreviewResult
{
    QStringList header;
    QList<SettlementRow> rows;   // the first n
    QList<Error> problems;       // every problem in the file, up to the limit
    bool problemsTruncated = false;
    qint64 records = 0;          // data records read
};

// Turns CSV records into settlement rows for one mapping; errors name line and column:
// "line 1834, column amount: '12,3.4' is not an amount".
class SettlementRowParser
{
public:
    // Resolves the mapping's columns in `header` (already checked by validateAgainst).
    static Result<SettlementRowParser> create(const SettlementMapping &mapping,
                                              const QStringList &header);
    Result<SettlementRow> parse(const CsvRecord &record) const;
    const SettlementMapping &mapping() const { return m_mapping; }

private:
    SettlementRowParser() = default;
    SettlementMapping m_mapping;
    QStringList m_header;
    int m_txn = -1, m_amount = -1, m_debit = -1, m_credit = -1, m_currency = -1, m_date = -1,
        m_batch = -1, m_kind = -1, m_card = -1, m_reference = -1;
    Currency m_fixed;
};

// Proposes a mapping from the start of a file (a few hundred lines are plenty).
MappingProposal detect(const QByteArray &sample, const QString &source = QString());
// Parses the whole file with `mapping` without writing anything: the first n rows and every
// problem (up to maxProblems).
Result<PreviewResult> preview(const QString &path, const SettlementMapping &mapping, int n,
                              int maxProblems = 100);

// Opens `reader` on the file's data, reads the header (or synthesises column names) and
// returns it. Shared by preview and the importer.
Result<QStringList> readHeader(CsvReader &reader, const SettlementMapping &mapping,
                               CsvRecord &firstRecord, bool &firstIsData);

} // namespace pb::reconcile
