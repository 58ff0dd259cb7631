#pragma once

#include "model/customer.h"

#include <QAbstractTableModel>
#include <QDate>
#include <QList>
#include <QSet>
#include <QString>

namespace pb::ui {

// The Customers page's table: CustomerRepository::overview() rows (read on a worker thread by
// the page) with the page's filter applied here. The whole overview is in memory: a store holds
// thousands of customers, not millions, and the filters count every row for their labels.
class CustomersModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Email, Name, MagentoId, VaultId, Card, Expiry, Link, Conflicts, ColumnCount };
    enum class Filter { All, Linked, NotLinked, Conflicts, Expiring, AwaitingDeletion };
    Q_ENUM(Filter)
    enum Role { RowRole = Qt::UserRole + 1 };

    // How a card's expiry stands on `today` (docs/customers.md: the card works until the end
    // of its expiry month).
    enum class ExpiryState { Unknown, Valid, Expiring, Expired };
    static ExpiryState expiryState(const QString &mmYyyy, QDate today);

    explicit CustomersModel(QObject *parent = nullptr);

    // Replaces every row; `awaitingDeletion` are the vault ids with a deletion awaiting a decision.
    void setRows(const QList<pb::CustomerOverview> &rows, const QSet<QString> &awaitingDeletion);
    void setFilter(Filter filter);
    Filter filter() const { return m_filter; }
    // The day "this month" and "next month" are counted from (tests pin it).
    void setToday(QDate today);
    QDate today() const { return m_today; }

    // Rows loaded (before the filter) and rows a filter would show.
    int totalCount() const { return int(m_all.size()); }
    int countFor(Filter filter) const;
    const pb::CustomerOverview &overviewAt(int row) const { return m_all.at(m_visible.at(row)); }
    const QList<pb::CustomerOverview> &allRows() const { return m_all; }
    // The row of a customer (Magento id, or a vault id for a profile without one); -1 if hidden.
    int rowOf(std::optional<qint64> magentoId, const QString &vaultId) const;

    static QString linkText(const pb::CustomerOverview &row);
    static QString filterTitle(Filter filter);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    bool matches(const pb::CustomerOverview &row, Filter filter) const;
    void rebuild();

    QList<pb::CustomerOverview> m_all;
    QSet<QString> m_awaiting;
    QList<int> m_visible;
    Filter m_filter = Filter::All;
    QDate m_today = QDate::currentDate();
};

} // namespace pb::ui
