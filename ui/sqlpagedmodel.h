#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantList>
#include <QVariantMap>

#include <memory>
#include <optional>

namespace pb::ui {

// A read-only table over one store table (or join) that never loads the whole table: rows come
// in keyset pages (WHERE (sort, key) > (last sort, last key) ORDER BY sort, key LIMIT n) as the
// view scrolls, and sorting, filtering and counting all run in SQL. Subclasses describe the
// SQL (FROM, select list, key, per-column sort expression, filter) and format the cells.
//
// The page queries run synchronously on the caller's thread; each is bounded by the page size
// and uses a read-only connection, which is what lets a GUI-thread model stay responsive.
// Counting is not bounded by a page, so a store above synchronousCountLimit() rows is counted
// on a worker thread (its own read-only connection) and countsChanged() comes later.
//
// The loaded rows are a window anchored at the start of the order (the usual case) or at its
// end: jumpToEnd() reads the last page by running the keyset query in reverse, so "go to the
// last row" costs one page however many rows match; fetchBefore() then extends it upwards.
class SqlPagedModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    // The typed filters a filter bar sets, combined with AND (and with the free text).
    struct TypedFilter
    {
        std::optional<qint64> fromMs; // UTC ms, inclusive
        std::optional<qint64> toMs;   // UTC ms, exclusive
        QStringList statuses;         // any of these codes; empty = any status
        std::optional<qint64> minMinor; // inclusive, minor units of `currency`
        std::optional<qint64> maxMinor; // inclusive
        QString currency;             // ISO code; empty = any currency
        QString kind;                 // a FilterFields::kinds code; empty = any kind
        std::optional<bool> linked;   // linked to an order (true) or not (false); unset = either

        bool isEmpty() const
        {
            return !fromMs && !toMs && statuses.isEmpty() && !minMinor && !maxMinor && currency.isEmpty()
                && kind.isEmpty() && !linked;
        }
        // For saved views; fromMap() ignores what it does not understand.
        QVariantMap toMap() const;
        static TypedFilter fromMap(const QVariantMap &map);
        friend bool operator==(const TypedFilter &, const TypedFilter &) = default;
    };

    // What typed filtering the model offers: SQL expressions over fromClause() (empty = not
    // offered) and the status codes with their display names.
    struct FilterFields
    {
        QString dateSql;     // INTEGER UTC ms
        QString statusSql;   // TEXT code
        QString amountSql;   // INTEGER minor units
        QString currencySql; // TEXT ISO code
        QList<std::pair<QString, QString>> statuses; // (code, label)
        // Named conditions, one at a time: what the dashboard counts as "Captured", ...
        struct Kind
        {
            QString code;
            QString label;
            QString tip;
            QString sql; // a boolean SQL expression without placeholders
        };
        QList<Kind> kinds;
        QString linkedSql;   // a boolean SQL expression: the row is linked to an order
        int currencyColumn = -1; // the column showing the currency, for exports
        QList<int> amountColumns; // columns holding amounts (exported as plain decimals)
    };

    // A position in the current order, for reading rows independently of the loaded window.
    struct ReadCursor
    {
        QVariant sortKey;
        QVariant key;
        bool started = false;
        bool done = false;
    };
    enum Role {
        SortRole = Qt::UserRole + 1, // the raw value the column sorts by (minor units, UTC ms, code)
        KeyRole,                     // the row's primary key
    };
    static constexpr int DefaultPageSize = 200;
    // A refresh reloads as many rows as were loaded so the view keeps its place, up to this.
    static constexpr int MaxReloadRows = 2000;
    // Stores with more rows than this are counted on a worker thread.
    static constexpr int DefaultSynchronousCountLimit = 50000;

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
    void setTypedFilter(const TypedFilter &filter);
    TypedFilter typedFilter() const { return m_typed; }
    // Both at once, with one reload (saved views).
    void setFilters(const QString &text, const TypedFilter &typed);
    virtual FilterFields filterFields() const { return {}; }

    void setSynchronousCountLimit(int rows) { m_syncCountLimit = qMax(0, rows); }
    int synchronousCountLimit() const { return m_syncCountLimit; }
    // A background count is running; the counts are -1 (or the previous total) until it ends.
    bool isCounting() const { return m_countGeneration == m_pendingCount; }

    // Replaces the loaded rows by the last page of the current order (one query).
    void jumpToEnd();
    // Back to the first page when the window is anchored at the end.
    void jumpToStart();
    bool isAnchoredAtEnd() const { return m_tail; }
    // Rows exist before the first loaded one (only when anchored at the end).
    bool canFetchBefore() const;
    // Prepends one page; returns the number of rows inserted at the top.
    int fetchBefore();

    // Reads up to `limit` rows of the current filter and order after `cursor` as text (the
    // export form of `columns`), advancing the cursor; false on a query error (lastError()).
    bool readForExport(ReadCursor &cursor, int limit, const QList<int> &columns, QList<QStringList> &out);
    int sortColumn() const { return m_sortColumn; }
    Qt::SortOrder sortOrder() const { return m_sortOrder; }

    // Rows matching the filter, and rows in the table regardless of the filter; -1 when unknown.
    qint64 matchingCount() const { return m_matchingCount; }
    qint64 totalCount() const { return m_totalCount; }
    bool isFiltered() const { return !m_filter.isEmpty() || !m_typed.isEmpty(); }
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
    // The text a CSV export writes for a cell; by default what the cell displays. Models
    // return amounts as plain exact decimals ("1234.50") here.
    virtual QString exportText(const Row &row, int column) const;

    // Building blocks for cellData(). Cells are elided, never wrapped, so the tooltip repeats
    // the display text.
    static QVariant textCell(int role, const QVariant &display, const QVariant &raw);
    // An amount ("1,234.50 USD", or without the code), right-aligned, sorted by minor units.
    static QVariant moneyCell(int role, qint64 minor, const QString &currency, bool withCode = true);
    // A UTC instant in ms shown in local time; a null instant is blank and sorts first.
    static QVariant timeCell(int role, const QVariant &ms);
    // An exact plain decimal without grouping, which spreadsheets and importers read as a number.
    static QString plainAmount(qint64 minor, const QString &currency);

private:
    struct LoadedRow
    {
        Row values;
        QVariant key;
        QVariant sortKey;
    };
    struct CountShared;

    void reload(int rowsToLoad, bool tail = false, bool keepTotal = false);
    // Rows after (or, with `before`, preceding) a position, in view order.
    bool queryRows(int limit, const QVariant *afterSort, const QVariant *afterKey, bool before,
                   QList<LoadedRow> &out, QString *error);
    Clause whereClause() const;
    void computeCounts(bool keepTotal);
    void startBackgroundCount(bool withTotal);
    void onBackgroundCount(quint64 generation, qint64 total, qint64 matching, const QString &error);
    qint64 queryCount(bool withFilter, qint64 bound = -1);
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
    bool m_atStart = true;
    bool m_tail = false;
    TypedFilter m_typed;
    int m_syncCountLimit = DefaultSynchronousCountLimit;
    quint64 m_countGeneration = 0;
    quint64 m_pendingCount = quint64(-1);
    std::shared_ptr<CountShared> m_countShared;
    // Set while a query and its begin/end notifications run: views and the model tester call
    // fetchMore() from the signals, which must not start a second load on the same rows.
    bool m_busy = false;
};

} // namespace pb::ui
