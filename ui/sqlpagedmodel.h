#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantList>

namespace pb::ui {

// A read-only table over one store table (or join) that never loads the whole table: rows come
// in keyset pages (WHERE (sort, key) > (last sort, last key) ORDER BY sort, key LIMIT n) as the
// view scrolls, and sorting, filtering and counting all run in SQL. Subclasses describe the
// SQL (FROM, select list, key, per-column sort expression, filter) and format the cells.
//
// The queries run synchronously on the caller's thread; each is bounded by the page size and
// uses a read-only connection, which is what lets a GUI-thread model stay responsive.
class SqlPagedModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value the column sorts by (minor units, UTC ms, code)
        KeyRole,                     // the row's primary key
    };
    static constexpr int DefaultPageSize = 200;
    // A refresh reloads as many rows as were loaded so the view keeps its place, up to this.
    static constexpr int MaxReloadRows = 2000;

    ~SqlPagedModel() override;

    // Replaces the connection and reloads. An invalid or closed database gives an empty model;
    // pass QSqlDatabase() before the connection is removed.
    void setDatabase(const QSqlDatabase &db);
    QSqlDatabase database() const { return m_db; }

    void setPageSize(int rows);
    int pageSize() const { return m_pageSize; }

    // Free text; empty shows everything. Matching is defined by the subclass.
    void setFilterText(const QString &text);
    QString filterText() const { return m_filter; }

    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    // Rows matching the filter, and rows in the table regardless of the filter; -1 when unknown.
    qint64 matchingCount() const { return m_matchingCount; }
    qint64 totalCount() const { return m_totalCount; }
    bool isFiltered() const { return !m_filter.isEmpty(); }
    // The last query error (plain English from the driver), empty when the last load worked.
    QString lastError() const { return m_lastError; }

    QVariant keyAt(int row) const;
    int rowForKey(const QVariant &key) const; // among loaded rows; -1 when not loaded

    // Re-reads the store (after a sync), keeping filter, sort and the number of loaded rows.
    void refresh();

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

Q_SIGNALS:
    // Counts were recomputed (after a reset, filter or refresh).
    void countsChanged();
    // A query failed; `message` is the driver's text for diagnostics.
    void loadFailed(const QString &message);

protected:
    // Raw values of one row, in the order of selectColumns().
    using Row = QList<QVariant>;

    struct Clause
    {
        QString sql;         // a boolean SQL expression with positional '?' placeholders
        QVariantList values; // bound in order
    };

    SqlPagedModel(int columnCount, int defaultSortColumn, Qt::SortOrder defaultOrder, QObject *parent);

    virtual QString fromClause() const = 0;
    // A unique, non-null column breaking ties between equal sort values.
    virtual QString keyColumn() const = 0;
    virtual QStringList selectColumns() const = 0;
    // A non-null SQL expression for `column`; text expressions sort case-insensitively.
    virtual QString sortExpression(int column) const = 0;
    virtual bool sortIsText(int column) const = 0;
    virtual Clause filterClause(const QString &text) const = 0;
    virtual QVariant cellData(const Row &row, int column, int role) const = 0;
    virtual QVariant columnHeader(int section, int role) const = 0;

private:
    struct LoadedRow
    {
        Row values;
        QVariant key;
        QVariant sortKey;
    };

    void reload(int rowsToLoad);
    bool queryRows(int limit, const LoadedRow *after, QList<LoadedRow> &out);
    qint64 queryCount(bool withFilter);
    QString orderedSortExpression() const;
    void setError(const QString &message);

    QSqlDatabase m_db;
    QList<LoadedRow> m_rows;
    QString m_filter;
    QString m_lastError;
    const int m_columnCount;
    int m_sortColumn;
    Qt::SortOrder m_sortOrder;
    int m_pageSize = DefaultPageSize;
    qint64 m_matchingCount = -1;
    qint64 m_totalCount = -1;
    bool m_atEnd = true;
    // Set while a query and its begin/end notifications run: views and the model tester call
    // fetchMore() from the signals, which must not start a second load on the same rows.
    bool m_busy = false;
};

} // namespace pb::ui
