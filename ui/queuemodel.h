#pragma once

#include "sqlpagedmodel.h"

#include <QCoreApplication>
#include <QHash>
#include <QString>
#include <QStringList>
#include <QStringView>

namespace pb::ui {

// Plain words for the intent journal's stored names (intents.kind, intents.state, error
// classes, attempt actions and outcomes). Unknown names fall back to a readable form of the
// code, so a newer store never shows an empty cell.
class IntentText
{
    Q_DECLARE_TR_FUNCTIONS(pb::ui::IntentText)

public:
    static QString kind(QStringView name);       // "paytrace.refund" → "PayTrace refund"
    static QString state(QStringView name);      // "needs_person" → "Needs a person"
    static QString errorClass(QStringView name); // "transient" → "Temporary failure"
    static QString action(QStringView name);     // intent_attempts.action
    static QString outcome(QStringView name);    // intent_attempts.outcome
};

// Intents from the store's `intents` table, one queue bucket at a time, newest change first.
// The bucket is part of the FROM clause (a constant state list), so paging, sorting, counting
// and the text filter all run in SQL over the (state, id) index.
class QueueModel : public SqlPagedModel
{
    Q_OBJECT

public:
    enum Column {
        Id,
        Kind,
        Order,
        Amount,
        State,
        Attempts,
        NextAttempt,
        LastError,
        RequestedBy,
        Updated,
        ColumnCount
    };
    Q_ENUM(Column)

    // Which intents a person looks at together.
    enum class Bucket {
        Pending,   // planned, retry_wait, sending: the engine will get to them
        InDoubt,   // in_doubt, needs_person: the effect is unknown
        Dead,      // dead letters: replay or discard
        Succeeded,
        Discarded,
    };
    Q_ENUM(Bucket)
    static constexpr Bucket kBuckets[] = {Bucket::Pending, Bucket::InDoubt, Bucket::Dead,
                                          Bucket::Succeeded, Bucket::Discarded};

    // Extra roles on every cell of a row.
    enum Role {
        StateNameRole = SqlPagedModel::KeyRole + 10, // intents.state as stored
        KindNameRole,                                // intents.kind as stored
        JanitorNoteRole,                             // intents.needs_person_note
    };

    explicit QueueModel(QObject *parent = nullptr);
    QueueModel(const QSqlDatabase &db, QObject *parent = nullptr);

    Bucket bucket() const { return m_bucket; }
    // Shows another bucket from the first page, keeping sort and text filter.
    void setBucket(Bucket bucket);

    static QStringList bucketStates(Bucket bucket);
    static QString bucketTitle(Bucket bucket);
    // Intents per bucket in the whole store (one grouped query over the state index); empty
    // when the store cannot be read.
    QHash<Bucket, qint64> bucketCounts() const;

    // Rich text for the detail pane: the intent, a summary of its payload (payloads never hold
    // card data: IntentJournal refuses them), every attempt and what the janitor found.
    // `mutedColor` (CSS) is used for labels.
    // `requestFields`: the payload as sent, field by field (the Queue page, for whoever fixes a
    // dead letter); off where the intent is shown as what it did (a refund's detail).
    static QString detailHtml(const QSqlDatabase &db, qint64 intentId, const QString &mutedColor,
                              bool requestFields = true);

protected:
    QString fromClause() const override;
    QString keyColumn() const override;
    QStringList selectColumns() const override;
    QString sortExpression(int column) const override;
    bool sortIsText(int column) const override;
    Clause filterClause(const QString &text) const override;
    QVariant cellData(const Row &row, int column, int role) const override;
    QVariant columnHeader(int section, int role) const override;
    QString exportText(const Row &row, int column) const override;

private:
    Bucket m_bucket = Bucket::Pending;
};

} // namespace pb::ui
