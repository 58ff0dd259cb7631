#pragma once

#include "httpserver.h"

#include <QList>
#include <QString>

#include <optional>

namespace pb::sandbox {

class JsonWriter;

enum class Condition { Eq, Neq, Gt, Gteq, Lt, Lteq, From, To, In, Nin, Like, Nlike, Null, Notnull, Finset, Nfinset, Moreq };

struct SearchFilter
{
    QString field;
    QString value;
    QString conditionType = QStringLiteral("eq"); // as sent (echoed back)
    Condition condition = Condition::Eq;
};

struct SearchFilterGroup
{
    QList<SearchFilter> filters; // OR'ed
};

struct SearchSortOrder
{
    QString field;
    QString direction; // as sent; empty when not sent
    bool ascending() const { return direction == u"ASC"; } // anything else sorts descending
};

// Magento's searchCriteria (docs/magento.md §4), from the query string. Groups are AND'ed.
struct SearchCriteria
{
    QList<SearchFilterGroup> groups;
    QList<SearchSortOrder> sortOrders;
    bool sortOrdersSent = false;
    std::optional<qint64> pageSize;
    std::optional<qint64> currentPage;
};

// A Magento error: the HTTP status and the JSON error envelope.
struct MagentoError
{
    int status = 400;
    QByteArray body;
};

MagentoError magentoError(int status, const QString &message, const QList<std::pair<QString, QString>> &namedParameters = {});
MagentoError magentoErrorList(int status, const QString &message, const QStringList &positional);
// ServiceInputProcessor's 400 for a key the data interface has no getter for (snake_case key in,
// "Property \"OrderItemId\" does not have accessor method \"getOrderItemId\" in class \"…\"." out).
MagentoError magentoNoAccessor(const QByteArray &property, const QString &className);

// Parses every searchCriteria[...] parameter; both snake_case and camelCase keys are accepted.
// *present is false when the query has no searchCriteria parameter at all.
std::optional<SearchCriteria> parseSearchCriteria(const QList<QPair<QByteArray, QByteArray>> &query, bool *present,
                                                  MagentoError *error);
// The "search_criteria" echo of a search response (page_size/current_page only when sent).
void writeSearchCriteria(JsonWriter &w, const SearchCriteria &criteria);

} // namespace pb::sandbox
