#pragma once

#include "sqlpagedmodel.h"

#include <QDateTime>
#include <QIODevice>
#include <QString>

#include "util/result.h"

#include <atomic>
#include <functional>

namespace pb::ui {

// The structured part of the audit log filter: who, which action, and when. Empty fields and
// invalid times do not filter.
struct AuditFilter
{
    QString actor;    // exact account name
    QString action;   // exact action ("intent.resolve") or a prefix ending in '.' ("intent.")
    QDateTime from;   // inclusive, UTC
    QDateTime to;     // exclusive, UTC
    QString text;     // free text, as the table's filter line

    bool operator==(const AuditFilter &) const = default;
};

// The store's `audit_log`, newest first: who did what, when, to which object, before and after.
class AuditModel : public SqlPagedModel
{
    Q_OBJECT

public:
    // Action: what happened in words ("Refund sent"); Code: the stored action ("intent.plan").
    enum Column { At, Actor, Action, Object, Before, After, Detail, Code, ColumnCount };
    Q_ENUM(Column)

    explicit AuditModel(QObject *parent = nullptr);
    AuditModel(const QSqlDatabase &db, QObject *parent = nullptr);

    // Sets actor, action and time range (the text part comes from setFilterText) and reloads.
    void setStructuredFilter(const QString &actor, const QString &action, const QDateTime &from,
                             const QDateTime &to);
    // Everything the rows on show were selected by, for exports.
    AuditFilter currentFilter() const;
    bool hasStructuredFilter() const;
    // Entries in the log regardless of any filter; -1 when unknown.
    qint64 unfilteredCount() const;

    // Distinct actors and actions in the log, for the filter choices.
    QStringList distinctValues(Column column, int limit = 500) const;

    // "intent.resolve" → "Intent resolved by hand"; "mapping.changed" → "Mapping changed". An
    // intent's plan says what was sent by its kind, from the entry's after JSON ("Refund sent").
    static QString actionText(QStringView action, const QString &afterJson = QString());

protected:
    QString fromClause() const override;
    QString keyColumn() const override;
    QStringList selectColumns() const override;
    QString sortExpression(int column) const override;
    bool sortIsText(int column) const override;
    Clause filterClause(const QString &text) const override;
    QVariant cellData(const Row &row, int column, int role) const override;
    QVariant columnHeader(int section, int role) const override;

private:
    QString m_actor;
    QString m_action;
    QDateTime m_from;
    QDateTime m_to;
};

// Writes the audit entries matching `filter` as CSV (RFC 4180, UTF-8, header line) to `out`,
// reading `db` in keyset pages of `pageSize` so memory stays flat however long the log is.
// Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
// `progress(done, total)` is called after every page; `cancel` becoming true stops the export
// with the error "export.cancelled". Returns the rows written.
// Runs on any thread with a connection opened on that thread.
class AuditCsvExport
{
public:
    static Result<qint64> write(const QSqlDatabase &db, const AuditFilter &filter, QIODevice &out,
                                const std::atomic<bool> &cancel,
                                const std::function<void(qint64 done, qint64 total)> &progress = {},
                                int pageSize = 1000);
    static QString csvField(const QString &value);
};

} // namespace pb::ui
