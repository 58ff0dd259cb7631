#pragma once

#include "reconcile/reconciliationstore.h"

#include <QAbstractTableModel>
#include <QCoreApplication>
#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace pb::ui {

// The discrepancies and set-aside rows of one reconciliation run, read lazily through the
// window's read-only connection: pages of kPageSize by item id (ItemFilter::afterId), filtered
// by state and class in SQL. Matched rows are not stored, so they never show here.
class ReconciliationModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Id, State, Class, Reference, Batch, Expected, Actual, Difference, Resolution, Rule, ColumnCount };
    Q_ENUM(Column)
    static constexpr int kPageSize = 200;
    static constexpr int IdRole = Qt::UserRole + 1;   // the item id (qint64)
    static constexpr int RawRole = Qt::UserRole + 2;  // sortable raw value (minor units, codes)

    explicit ReconciliationModel(QObject *parent = nullptr);

    void setDatabase(const QSqlDatabase &db);
    QSqlDatabase database() const { return m_db; }
    // 0: no run (the model is empty).
    void setRun(qint64 runId);
    qint64 runId() const { return m_runId; }
    // "" = any. state: open, resolved, none (set aside); cls: a DiscrepancyClass name.
    void setFilter(const QString &state, const QString &cls);
    QString stateFilter() const { return m_state; }
    QString classFilter() const { return m_cls; }
    // Reads the first page again (after a resolution or a new run).
    void refresh();

    const reconcile::ItemRecord &record(int row) const { return m_rows.at(row); }
    int rowOfId(qint64 id) const;
    QString lastError() const { return m_error; }

    // People's words for the store's codes.
    static QString className(const QString &cls);
    static QString stateText(const QString &state);
    static QString resolutionText(const QString &resolution);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

Q_SIGNALS:
    void loadFailed(const QString &message);

private:
    QList<reconcile::ItemRecord> readPage(qint64 afterId);

    QSqlDatabase m_db;
    qint64 m_runId = 0;
    QString m_state;
    QString m_cls;
    QList<reconcile::ItemRecord> m_rows;
    bool m_atEnd = true;
    QString m_error;
};

} // namespace pb::ui
