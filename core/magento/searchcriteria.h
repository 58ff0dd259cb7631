#pragma once

#include "util/result.h"

#include <QList>
#include <QPair>
#include <QString>

namespace pb::magento {

using QueryItems = QList<QPair<QString, QString>>; // decoded names and values, in order

// Builder for Magento's searchCriteria query (docs/magento.md §4). Filters inside one group are
// OR'ed, groups are AND'ed. Indices stay below 10 so that every 2.4.x OAuth signer sorts the
// parameters the same way (§1); pageSize is 1..300.
class SearchCriteria
{
public:
    enum class Direction { Asc, Desc };
    struct Filter
    {
        QString field;
        QString value;
        QString conditionType; // eq (default when empty), finset, from, gt, gteq, in, like, lt,
                               // lteq, moreq, neq, nfinset, nin, nlike, notnull, null, to
    };

    static constexpr int kMaxIndex = 10;
    static constexpr int kMaxPageSize = 300;

    // A group of alternatives (OR).
    SearchCriteria &addFilterGroup(QList<Filter> filters);
    // A group with one filter (AND with the other groups).
    SearchCriteria &addFilter(const QString &field, const QString &value, const QString &conditionType = {});
    SearchCriteria &addSortOrder(const QString &field, Direction direction);
    SearchCriteria &setPageSize(int pageSize);
    SearchCriteria &setCurrentPage(int page);
    // Partial response, e.g. "items[entity_id,increment_id],total_count".
    SearchCriteria &setFields(const QString &fields);

    int pageSize() const { return m_pageSize; }
    int currentPage() const { return m_currentPage; }
    const QList<QList<Filter>> &filterGroups() const { return m_groups; }

    Status validate() const;
    // searchCriteria[...] pairs (and fields) in a stable order; errors from validate().
    Result<QueryItems> queryItems() const;
    // The encoded query string: RFC 3986, spaces as %20 (never '+'), '=' '&' '+' '%' encoded
    // inside names and values.
    Result<QString> toQuery() const;

    static QString encode(QStringView text); // RFC 3986 unreserved characters kept
    static QString encodeQuery(const QueryItems &items);
    static bool isKnownCondition(QStringView condition);

private:
    QList<QList<Filter>> m_groups;
    QList<QPair<QString, Direction>> m_sortOrders;
    int m_pageSize = 100;
    int m_currentPage = 1;
    QString m_fields;
};

} // namespace pb::magento
