#include "sqlpagedmodel.h"

#include "displayformat.h"
#include "money/money.h"

#include <QAtomicInteger>
#include <QLoggingCategory>
#include <QMutex>
#include <QSqlError>
#include <QSqlQuery>
#include <QThreadPool>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcModel, "paybridge.ui.model")

namespace pb::ui {

namespace {

// Background counts share two threads: a count is one statement, and a newer request makes
// the queued older ones pointless (they are skipped before they start).
QThreadPool *countPool()
{
    static QThreadPool *pool = [] {
        auto *p = new QThreadPool;
        p->setMaxThreadCount(2);
        p->setExpiryTimeout(5000);
        return p;
    }();
    return pool;
}

// Runs COUNT(*) for a where clause on `db`; -1 and `error` set on failure.
qint64 countRows(QSqlDatabase &db, const QString &sql, const QVariantList &values, QString *error)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(sql)) {
        *error = query.lastError().text();
        return -1;
    }
    for (const QVariant &value : values)
        query.addBindValue(value);
    if (!query.exec() || !query.next()) {
        *error = query.lastError().text();
        return -1;
    }
    return query.value(0).toLongLong();
}

const QString kFrom = QStringLiteral("from");
const QString kTo = QStringLiteral("to");
const QString kStatuses = QStringLiteral("statuses");
const QString kMin = QStringLiteral("min");
const QString kMax = QStringLiteral("max");
const QString kCurrency = QStringLiteral("currency");
const QString kKind = QStringLiteral("kind");
const QString kLinked = QStringLiteral("linked");

std::optional<qint64> optionalInt(const QVariantMap &map, const QString &key)
{
    bool ok = false;
    const qint64 v = map.value(key).toLongLong(&ok);
    return map.contains(key) && ok ? std::optional<qint64>(v) : std::nullopt;
}

} // namespace

// Lets a worker deliver its result only while the model exists: the destructor clears `model`
// under the same lock the worker posts under, and Qt drops events posted to a deleted object.
struct SqlPagedModel::CountShared
{
    QMutex mutex;
    SqlPagedModel *model = nullptr;
    QAtomicInteger<quint64> latest = 0;
};

QVariantMap SqlPagedModel::TypedFilter::toMap() const
{
    QVariantMap map;
    if (fromMs)
        map.insert(kFrom, *fromMs);
    if (toMs)
        map.insert(kTo, *toMs);
    if (!statuses.isEmpty())
        map.insert(kStatuses, statuses);
    if (minMinor)
        map.insert(kMin, *minMinor);
    if (maxMinor)
        map.insert(kMax, *maxMinor);
    if (!currency.isEmpty())
        map.insert(kCurrency, currency);
    if (!kind.isEmpty())
        map.insert(kKind, kind);
    if (linked)
        map.insert(kLinked, *linked);
    return map;
}

SqlPagedModel::TypedFilter SqlPagedModel::TypedFilter::fromMap(const QVariantMap &map)
{
    TypedFilter f;
    f.fromMs = optionalInt(map, kFrom);
    f.toMs = optionalInt(map, kTo);
    f.statuses = map.value(kStatuses).toStringList();
    f.minMinor = optionalInt(map, kMin);
    f.maxMinor = optionalInt(map, kMax);
    f.currency = map.value(kCurrency).toString();
    f.kind = map.value(kKind).toString();
    if (map.contains(kLinked))
        f.linked = map.value(kLinked).toBool();
    return f;
}

SqlPagedModel::SqlPagedModel(int columnCount, int defaultSortColumn, Qt::SortOrder defaultOrder,
                             QObject *parent)
    : QAbstractTableModel(parent)
    , m_columnCount(columnCount)
    , m_sortColumn(defaultSortColumn)
    , m_sortOrder(defaultOrder)
    , m_countShared(std::make_shared<CountShared>())
{
    m_countShared->model = this;
}

SqlPagedModel::~SqlPagedModel()
{
    // Never null; saying so keeps GCC's -O3 stringop-overflow check from a false alarm.
    if (!m_countShared)
        return;
    QMutexLocker lock(&m_countShared->mutex);
    m_countShared->model = nullptr;
    m_countShared->latest.storeRelease(0);
}

void SqlPagedModel::setDatabase(const QSqlDatabase &db)
{
    m_db = db;
    reload(m_pageSize);
}

void SqlPagedModel::setTypedFilter(const TypedFilter &filter)
{
    setFilters(m_filter, filter);
}

void SqlPagedModel::setFilters(const QString &text, const TypedFilter &typed)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_filter && typed == m_typed)
        return;
    m_filter = trimmed;
    m_typed = typed;
    reload(m_pageSize, false, true);
}

void SqlPagedModel::jumpToEnd()
{
    if (m_atEnd && !m_tail && m_atStart && !m_rows.isEmpty())
        return; // everything is loaded already
    if (m_tail)
        return;
    reload(m_pageSize, true, true);
}

void SqlPagedModel::jumpToStart()
{
    if (m_tail)
        reload(m_pageSize, false, true);
}

bool SqlPagedModel::canFetchBefore() const
{
    return m_tail && !m_atStart && !m_busy && m_lastError.isEmpty() && m_db.isOpen() && !m_rows.isEmpty();
}

int SqlPagedModel::fetchBefore()
{
    if (!canFetchBefore())
        return 0;
    m_busy = true;
    QList<LoadedRow> page;
    QString error;
    const LoadedRow &first = m_rows.constFirst();
    const bool ok = queryRows(m_pageSize, &first.sortKey, &first.key, true, page, &error);
    m_atStart = !ok || page.size() < m_pageSize;
    const int inserted = int(page.size());
    if (!page.isEmpty()) {
        beginInsertRows(QModelIndex(), 0, inserted - 1);
        page.append(std::move(m_rows));
        m_rows = std::move(page);
        endInsertRows();
    }
    m_busy = false;
    if (!ok) {
        setError(error);
        Q_EMIT loadFailed(m_lastError);
    }
    return inserted;
}

bool SqlPagedModel::readForExport(ReadCursor &cursor, int limit, const QList<int> &columns,
                                  QList<QStringList> &out)
{
    if (cursor.done)
        return true;
    if (!m_db.isOpen()) {
        setError(u"the store is not open"_s);
        return false;
    }
    QList<LoadedRow> rows;
    QString error;
    if (!queryRows(qMax(1, limit), cursor.started ? &cursor.sortKey : nullptr,
                   cursor.started ? &cursor.key : nullptr, false, rows, &error)) {
        setError(error);
        return false;
    }
    cursor.started = true;
    cursor.done = rows.size() < limit;
    if (!rows.isEmpty()) {
        cursor.sortKey = rows.constLast().sortKey;
        cursor.key = rows.constLast().key;
    }
    for (const LoadedRow &row : std::as_const(rows)) {
        QStringList cells;
        cells.reserve(columns.size());
        for (int c : columns)
            cells << (c >= 0 && c < m_columnCount ? exportText(row.values, c) : QString());
        out << std::move(cells);
    }
    return true;
}

QString SqlPagedModel::exportText(const Row &row, int column) const
{
    return cellData(row, column, Qt::DisplayRole).toString();
}

QVariant SqlPagedModel::textCell(int role, const QVariant &display, const QVariant &raw)
{
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole: return display;
    case SortRole: return raw;
    default: return {};
    }
}

QVariant SqlPagedModel::moneyCell(int role, qint64 minor, const QString &currency, bool withCode)
{
    switch (role) {
    case Qt::DisplayRole:
        return withCode ? QVariant(Format::money(minor, currency) + u' ' + currency)
                        : QVariant(Format::money(minor, currency));
    case Qt::ToolTipRole: return QVariant(Format::money(minor, currency) + u' ' + currency);
    case SortRole: return minor;
    case Qt::TextAlignmentRole: return QVariant(int(Qt::AlignRight | Qt::AlignVCenter));
    default: return {};
    }
}

QVariant SqlPagedModel::timeCell(int role, const QVariant &ms)
{
    switch (role) {
    case Qt::DisplayRole: return ms.isNull() ? QVariant(QString()) : QVariant(Format::dateTime(ms.toLongLong()));
    case Qt::ToolTipRole: return ms.isNull() ? QVariant() : QVariant(Format::dateTimeLong(ms.toLongLong()));
    case SortRole: return ms.isNull() ? QVariant(qint64(0)) : QVariant(ms.toLongLong());
    default: return {};
    }
}

QString SqlPagedModel::plainAmount(qint64 minor, const QString &currency)
{
    const auto cur = pb::Currency::fromCode(currency);
    return cur ? pb::Money::fromMinor(minor, *cur).toDecimalString() : QString::number(minor);
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
    reload(m_pageSize, false, true);
}

void SqlPagedModel::refresh()
{
    reload(qBound(m_pageSize, int(m_rows.size()), qMax(m_pageSize, MaxReloadRows)), m_tail);
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
    QString error;
    const LoadedRow *last = m_rows.isEmpty() ? nullptr : &m_rows.constLast();
    const bool ok = queryRows(m_pageSize, last ? &last->sortKey : nullptr, last ? &last->key : nullptr,
                              false, page, &error);
    if (!ok)
        setError(error);
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
    reload(m_pageSize, false, true);
}

void SqlPagedModel::reload(int rowsToLoad, bool tail, bool keepTotal)
{
    m_busy = true;
    beginResetModel();
    m_rows.clear();
    m_lastError.clear();
    m_atEnd = true;
    m_atStart = true;
    m_tail = false;
    m_matchingCount = -1;
    if (!keepTotal || !m_db.isOpen())
        m_totalCount = -1;
    // Results of counts started for the previous filter are of no use any more.
    m_pendingCount = quint64(-1);
    m_countShared->latest.storeRelease(++m_countGeneration);
    if (m_db.isOpen()) {
        QList<LoadedRow> rows;
        QString error;
        if (queryRows(rowsToLoad, nullptr, nullptr, tail, rows, &error)) {
            const bool partial = rows.size() >= rowsToLoad;
            m_tail = tail && partial;
            m_atEnd = tail || !partial;
            m_atStart = !tail || !partial;
            m_rows = std::move(rows);
            computeCounts(keepTotal && m_totalCount >= 0);
        } else {
            setError(error);
            m_totalCount = -1;
        }
    }
    endResetModel();
    m_busy = false;
    Q_EMIT countsChanged();
    if (!m_lastError.isEmpty())
        Q_EMIT loadFailed(m_lastError);
}

void SqlPagedModel::computeCounts(bool keepTotal)
{
    // Everything matching is loaded: the count is free.
    const bool complete = m_atStart && m_atEnd;
    if (complete)
        m_matchingCount = m_rows.size();
    if (complete && !isFiltered()) {
        m_totalCount = m_matchingCount;
        return;
    }
    const QString path = m_db.databaseName();
    const bool canWorker = !path.isEmpty() && path != u":memory:" && !path.startsWith(u"file::memory:");
    if (!keepTotal || m_totalCount < 0) {
        // A bounded count decides whether the store is small enough to count here.
        const qint64 bounded = queryCount(false, canWorker ? m_syncCountLimit : -1);
        m_totalCount = bounded >= 0 && (!canWorker || bounded <= m_syncCountLimit) ? bounded : -1;
        if (bounded < 0 && !m_lastError.isEmpty())
            return;
    }
    const bool small = m_totalCount >= 0 && (!canWorker || m_totalCount <= m_syncCountLimit);
    if (m_matchingCount < 0 && small)
        m_matchingCount = isFiltered() ? queryCount(true) : m_totalCount;
    if (m_matchingCount < 0 || m_totalCount < 0)
        startBackgroundCount(m_totalCount < 0);
}

void SqlPagedModel::startBackgroundCount(bool withTotal)
{
    const quint64 generation = m_countGeneration;
    m_pendingCount = generation;
    const QString path = m_db.databaseName();
    const QString totalSql = u"SELECT COUNT(*) FROM "_s + fromClause();
    const Clause where = whereClause();
    const bool filtered = isFiltered();
    const QString matchingSql = filtered ? totalSql + u" WHERE "_s + where.sql : QString();
    std::shared_ptr<CountShared> shared = m_countShared;
    countPool()->start([=] {
        if (shared->latest.loadAcquire() != generation)
            return; // superseded before it started
        qint64 total = -1;
        qint64 matching = -1;
        QString error;
        const QString name = u"paybridge.ui.count.%1.%2"_s.arg(quintptr(shared.get())).arg(generation);
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, name);
            db.setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000"_s);
            db.setDatabaseName(path);
            if (!db.open()) {
                error = db.lastError().text();
            } else {
                if (withTotal)
                    total = countRows(db, totalSql, {}, &error);
                if (error.isEmpty() && filtered && shared->latest.loadAcquire() == generation)
                    matching = countRows(db, matchingSql, where.values, &error);
                db.close();
            }
        }
        QSqlDatabase::removeDatabase(name);
        QMutexLocker lock(&shared->mutex);
        if (shared->model)
            QMetaObject::invokeMethod(
                shared->model,
                [model = shared->model, generation, total, matching, error] {
                    model->onBackgroundCount(generation, total, matching, error);
                },
                Qt::QueuedConnection);
    });
}

void SqlPagedModel::onBackgroundCount(quint64 generation, qint64 total, qint64 matching, const QString &error)
{
    if (generation != m_pendingCount)
        return;
    m_pendingCount = quint64(-1);
    if (!error.isEmpty()) {
        qCWarning(lcModel) << metaObject()->className() << "count failed:" << error;
        return;
    }
    if (total >= 0)
        m_totalCount = total;
    if (m_matchingCount < 0)
        m_matchingCount = isFiltered() ? matching : m_totalCount;
    Q_EMIT countsChanged();
}

QString SqlPagedModel::orderedSortExpression() const
{
    const QString expr = sortExpression(m_sortColumn);
    return sortIsText(m_sortColumn) ? expr + u" COLLATE NOCASE"_s : expr;
}

SqlPagedModel::Clause SqlPagedModel::whereClause() const
{
    QStringList conditions;
    QVariantList values;
    if (!m_filter.isEmpty()) {
        const Clause filter = filterClause(m_filter);
        conditions << u'(' + filter.sql + u')';
        values << filter.values;
    }
    if (!m_typed.isEmpty()) {
        const FilterFields fields = filterFields();
        const auto add = [&](const QString &expr, const QString &op, const QVariant &value) {
            if (expr.isEmpty())
                return;
            conditions << expr + op;
            values << value;
        };
        if (m_typed.fromMs)
            add(fields.dateSql, u" >= ?"_s, *m_typed.fromMs);
        if (m_typed.toMs)
            add(fields.dateSql, u" < ?"_s, *m_typed.toMs);
        if (!m_typed.currency.isEmpty())
            add(fields.currencySql, u" = ?"_s, m_typed.currency);
        if (m_typed.minMinor)
            add(fields.amountSql, u" >= ?"_s, *m_typed.minMinor);
        if (m_typed.maxMinor)
            add(fields.amountSql, u" <= ?"_s, *m_typed.maxMinor);
        if (!m_typed.statuses.isEmpty() && !fields.statusSql.isEmpty()) {
            QStringList marks;
            for (const QString &status : m_typed.statuses) {
                marks << u"?"_s;
                values << status;
            }
            conditions << fields.statusSql + u" IN ("_s + marks.join(u", "_s) + u')';
        }
        if (!m_typed.kind.isEmpty()) {
            // An unknown kind (a saved view from another version) matches nothing rather than
            // silently showing every row.
            QString sql = u"0"_s;
            for (const auto &kind : fields.kinds)
                if (kind.code == m_typed.kind)
                    sql = kind.sql;
            conditions << u'(' + sql + u')';
        }
        if (m_typed.linked && !fields.linkedSql.isEmpty())
            conditions << (*m_typed.linked ? u"("_s : u"NOT ("_s) + fields.linkedSql + u')';
    }
    return {conditions.join(u" AND "_s), values};
}

bool SqlPagedModel::queryRows(int limit, const QVariant *afterSort, const QVariant *afterKey, bool before,
                              QList<LoadedRow> &out, QString *error)
{
    const QString sortExpr = orderedSortExpression();
    const QString key = keyColumn();
    // Rows before a position are read in the reverse order (so LIMIT takes the nearest ones)
    // and turned around afterwards.
    const bool ascending = (m_sortOrder == Qt::AscendingOrder) != before;

    const Clause where = whereClause();
    QStringList conditions;
    QVariantList values;
    if (!where.sql.isEmpty()) {
        conditions << where.sql;
        values << where.values;
    }
    if (afterSort && afterKey) {
        // Row-value comparison: the sort value and the unique key together give a strict total
        // order, so equal sort values across a page boundary are neither skipped nor repeated.
        conditions << u'(' + sortExpr + u", "_s + key + (ascending ? u") > (?, ?)"_s : u") < (?, ?)"_s);
        values << *afterSort << *afterKey;
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
        *error = query.lastError().text();
        return false;
    }
    for (const QVariant &value : std::as_const(values))
        query.addBindValue(value);
    if (!query.exec()) {
        *error = query.lastError().text();
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
        *error = query.lastError().text();
        return false;
    }
    if (before)
        std::reverse(out.begin(), out.end());
    return true;
}

qint64 SqlPagedModel::queryCount(bool withFilter, qint64 bound)
{
    QString sql = u"SELECT 1 FROM "_s + fromClause();
    QVariantList values;
    if (withFilter && isFiltered()) {
        const Clause where = whereClause();
        sql += u" WHERE "_s + where.sql;
        values = where.values;
    }
    // A bound stops the scan early: "more than `bound`" is all the caller needs to know.
    if (bound >= 0)
        sql = u"SELECT COUNT(*) FROM ("_s + sql + u" LIMIT "_s + QString::number(bound + 1) + u')';
    else
        sql = u"SELECT COUNT(*)"_s + sql.mid(8); // "SELECT 1" -> "SELECT COUNT(*)"
    QString error;
    const qint64 n = countRows(m_db, sql, values, &error);
    if (n < 0)
        setError(error);
    return n;
}

void SqlPagedModel::setError(const QString &message)
{
    m_lastError = message.isEmpty() ? u"query failed"_s : message;
    // Emitted by the caller once the model is consistent again, not from inside a reset.
    qCWarning(lcModel) << metaObject()->className() << "query failed:" << m_lastError;
}

} // namespace pb::ui
