#include "sqlpagedmodel.h"

#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcModel, "paybridge.ui.model")

namespace pb::ui {

SqlPagedModel::SqlPagedModel(int columnCount, int defaultSortColumn, Qt::SortOrder defaultOrder,
                             QObject *parent)
    : QAbstractTableModel(parent)
    , m_columnCount(columnCount)
    , m_sortColumn(defaultSortColumn)
    , m_sortOrder(defaultOrder)
{
}

SqlPagedModel::~SqlPagedModel() = default;

void SqlPagedModel::setDatabase(const QSqlDatabase &db)
{
    m_db = db;
    reload(m_pageSize);
}

void SqlPagedModel::setPageSize(int rows)
{
    m_pageSize = qMax(1, rows);
}

void SqlPagedModel::setFilterText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_filter)
        return;
    m_filter = trimmed;
    reload(m_pageSize);
}

void SqlPagedModel::refresh()
{
    reload(qBound(m_pageSize, int(m_rows.size()), qMax(m_pageSize, MaxReloadRows)));
}

QVariant SqlPagedModel::keyAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).key : QVariant();
}

int SqlPagedModel::rowForKey(const QVariant &key) const
{
    if (!key.isValid())
        return -1;
    for (qsizetype i = 0; i < m_rows.size(); ++i) {
        if (m_rows.at(i).key == key)
            return int(i);
    }
    return -1;
}

int SqlPagedModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SqlPagedModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_columnCount;
}

QVariant SqlPagedModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const LoadedRow &row = m_rows.at(index.row());
    if (role == KeyRole)
        return row.key;
    return cellData(row.values, index.column(), role);
}

QVariant SqlPagedModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= m_columnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    return columnHeader(section, role);
}

Qt::ItemFlags SqlPagedModel::flags(const QModelIndex &index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemNeverHasChildren;
}

bool SqlPagedModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && !m_atEnd && !m_busy && m_lastError.isEmpty() && m_db.isOpen();
}

void SqlPagedModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    m_busy = true;
    QList<LoadedRow> page;
    const bool ok = queryRows(m_pageSize, m_rows.isEmpty() ? nullptr : &m_rows.constLast(), page);
    m_atEnd = !ok || page.size() < m_pageSize;
    if (!page.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows(QModelIndex(), first, first + int(page.size()) - 1);
        m_rows.append(std::move(page));
        endInsertRows();
    }
    m_busy = false;
    if (!ok)
        Q_EMIT loadFailed(m_lastError);
}

void SqlPagedModel::sort(int column, Qt::SortOrder order)
{
    if (column < 0 || column >= m_columnCount)
        return;
    if (column == m_sortColumn && order == m_sortOrder)
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    reload(m_pageSize);
}

void SqlPagedModel::reload(int rowsToLoad)
{
    m_busy = true;
    beginResetModel();
    m_rows.clear();
    m_lastError.clear();
    m_atEnd = true;
    m_matchingCount = -1;
    m_totalCount = -1;
    if (m_db.isOpen()) {
        QList<LoadedRow> rows;
        if (queryRows(rowsToLoad, nullptr, rows)) {
            m_atEnd = rows.size() < rowsToLoad;
            m_rows = std::move(rows);
            m_totalCount = queryCount(false);
            m_matchingCount = m_filter.isEmpty() ? m_totalCount : queryCount(true);
        }
    }
    endResetModel();
    m_busy = false;
    Q_EMIT countsChanged();
    if (!m_lastError.isEmpty())
        Q_EMIT loadFailed(m_lastError);
}

QString SqlPagedModel::orderedSortExpression() const
{
    const QString expr = sortExpression(m_sortColumn);
    return sortIsText(m_sortColumn) ? expr + u" COLLATE NOCASE"_s : expr;
}

bool SqlPagedModel::queryRows(int limit, const LoadedRow *after, QList<LoadedRow> &out)
{
    const QString sortExpr = orderedSortExpression();
    const QString key = keyColumn();
    const bool ascending = m_sortOrder == Qt::AscendingOrder;

    QStringList conditions;
    QVariantList values;
    if (!m_filter.isEmpty()) {
        const Clause filter = filterClause(m_filter);
        conditions << u'(' + filter.sql + u')';
        values << filter.values;
    }
    if (after) {
        // Row-value comparison: the sort value and the unique key together give a strict total
        // order, so equal sort values across a page boundary are neither skipped nor repeated.
        conditions << u'(' + sortExpr + u", "_s + key + (ascending ? u") > (?, ?)"_s : u") < (?, ?)"_s);
        values << after->sortKey << after->key;
    }
    const QString direction = ascending ? u" ASC"_s : u" DESC"_s;
    QString sql = u"SELECT "_s + selectColumns().join(u", "_s) + u", "_s + key + u", "_s
        + sortExpression(m_sortColumn) + u" FROM "_s + fromClause();
    if (!conditions.isEmpty())
        sql += u" WHERE "_s + conditions.join(u" AND "_s);
    sql += u" ORDER BY "_s + sortExpr + direction + u", "_s + key + direction + u" LIMIT ?"_s;
    values << limit;

    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        setError(query.lastError().text());
        return false;
    }
    for (const QVariant &value : std::as_const(values))
        query.addBindValue(value);
    if (!query.exec()) {
        setError(query.lastError().text());
        return false;
    }
    const int fields = int(selectColumns().size());
    while (query.next()) {
        LoadedRow row;
        row.values.reserve(fields);
        for (int i = 0; i < fields; ++i)
            row.values << query.value(i);
        row.key = query.value(fields);
        row.sortKey = query.value(fields + 1);
        out << std::move(row);
    }
    if (query.lastError().isValid()) {
        setError(query.lastError().text());
        return false;
    }
    return true;
}

qint64 SqlPagedModel::queryCount(bool withFilter)
{
    QString sql = u"SELECT COUNT(*) FROM "_s + fromClause();
    QVariantList values;
    if (withFilter && !m_filter.isEmpty()) {
        const Clause filter = filterClause(m_filter);
        sql += u" WHERE "_s + filter.sql;
        values = filter.values;
    }
    QSqlQuery query(m_db);
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        setError(query.lastError().text());
        return -1;
    }
    for (const QVariant &value : std::as_const(values))
        query.addBindValue(value);
    if (!query.exec() || !query.next()) {
        setError(query.lastError().text());
        return -1;
    }
    return query.value(0).toLongLong();
}

void SqlPagedModel::setError(const QString &message)
{
    m_lastError = message.isEmpty() ? u"query failed"_s : message;
    // Emitted by the caller once the model is consistent again, not from inside a reset.
    qCWarning(lcModel) << metaObject()->className() << "query failed:" << m_lastError;
}

} // namespace pb::ui
