#pragma once

// Template body of magentoSearch (included by magentosales.h only).

#include <algorithm>

namespace pb::sandbox {

template <typename T>
bool magentoSearch(const std::vector<T> &rows, MagentoColumnFn<T> column, const SearchCriteria &criteria,
                   bool inputLimits, std::vector<int> *page, qint64 *totalCount, MagentoError *error)
{
    MagentoColumn probe;
    // An unknown column fails the SQL query in real Magento, whether or not any row exists.
    static const T empty{};
    for (const SearchFilterGroup &g : criteria.groups) {
        for (const SearchFilter &f : g.filters) {
            if (!column(empty, f.field, &probe)) {
                *error = magentoMaskedError();
                return false;
            }
        }
    }
    for (const SearchSortOrder &s : criteria.sortOrders) {
        if (!column(empty, s.field, &probe)) {
            *error = magentoMaskedError();
            return false;
        }
    }
    std::optional<qint64> pageSize = criteria.pageSize;
    if (inputLimits) {
        if (!pageSize)
            pageSize = 20;
        if (*pageSize > 300) {
            *error = magentoError(400, QStringLiteral("Maximum SearchCriteria pageSize is %max"),
                                  {{QStringLiteral("max"), QStringLiteral("300")}});
            return false;
        }
    }
    std::vector<int> hits;
    for (int i = 0; i < int(rows.size()); ++i) {
        bool all = true;
        for (const SearchFilterGroup &g : criteria.groups) {
            bool any = false;
            for (const SearchFilter &f : g.filters) {
                MagentoColumn v;
                column(rows[size_t(i)], f.field, &v);
                if (magentoMatchesColumn(v, f)) {
                    any = true;
                    break;
                }
            }
            if (!any) {
                all = false;
                break;
            }
        }
        if (all)
            hits.push_back(i);
    }
    if (!criteria.sortOrders.isEmpty()) {
        std::stable_sort(hits.begin(), hits.end(), [&](int a, int b) {
            for (const SearchSortOrder &s : criteria.sortOrders) {
                MagentoColumn va, vb;
                column(rows[size_t(a)], s.field, &va);
                column(rows[size_t(b)], s.field, &vb);
                const int c = magentoCompareColumns(va, vb);
                if (c != 0)
                    return s.ascending() ? c < 0 : c > 0;
            }
            return false;
        });
    }
    *totalCount = qint64(hits.size());
    page->clear();
    if (!pageSize || *pageSize <= 0) {
        *page = std::move(hits);
        return true;
    }
    const qint64 size = *pageSize;
    const qint64 lastPage = std::max<qint64>(1, (*totalCount + size - 1) / size);
    const qint64 current = std::clamp<qint64>(criteria.currentPage.value_or(1), 1, lastPage);
    const qint64 from = (current - 1) * size;
    const qint64 to = std::min<qint64>(*totalCount, from + size);
    if (from < to)
        page->assign(hits.begin() + from, hits.begin() + to);
    return true;
}

} // namespace pb::sandbox
