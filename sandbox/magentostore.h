#pragma once

#include "datamodel.h"
#include "searchcriteria.h"

#include <QHash>

#include <vector>

namespace pb::sandbox {

// The store's orders plus the search engine behind GET /V1/orders. Not thread-safe; the
// simulator serialises access. Sorted permutations are cached per sort specification (and
// dropped whenever an order changes), so paging through 100,000 orders costs one sort plus a
// linear filter pass per page, and pages are serialised straight from the stored orders.
class MagentoStore
{
public:
    void load(const QList<MagentoOrder> &orders);

    const std::vector<MagentoOrder> &orders() const { return m_orders; }
    const MagentoOrder *find(qint64 entityId) const;
    // The stored order for in-place changes (drops the sort caches, as any change may reorder).
    MagentoOrder *mutableOrder(qint64 entityId);
    // Replaces a stored order (same entity_id); false when unknown.
    bool update(const MagentoOrder &order);
    // Appends a new order (entity_id above every stored one); false otherwise.
    bool add(const MagentoOrder &order);

    struct Page
    {
        std::vector<int> indexes; // into orders()
        qint64 totalCount = 0;
    };
    // Filters, sorts and pages like Magento's order repository (page past the end returns the
    // last page). With inputLimits, no pageSize means 20 and pageSize > 300 is refused.
    // pastEndEmpty: a page past the end has no items instead.
    bool search(const SearchCriteria &criteria, bool inputLimits, Page *page, MagentoError *error, bool pastEndEmpty = false);

    // Field names that filters and sort orders accept (columns of sales_order).
    static bool isKnownField(const QString &name);

private:
    const std::vector<int> &sorted(const QList<SearchSortOrder> &sortOrders);

    std::vector<MagentoOrder> m_orders; // by entity_id
    QHash<qint64, int> m_index;
    QHash<QString, std::vector<int>> m_sortCache;
};

} // namespace pb::sandbox
