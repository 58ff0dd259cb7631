#include "magento/searchcriteria.h"

#include <QUrl>

namespace pb::magento {

namespace {
bool isFieldName(QStringView s)
{
    if (s.isEmpty() || s.size() > 128)
        return false;
    for (QChar c : s) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') || (u >= u'0' && u <= u'9')
            || u == u'_' || u == u'.';
        if (!ok)
            return false;
    }
    return true;
}
Error criteriaError(const QString &field, const QString &message)
{
    return makeError(QStringLiteral("magento.search_criteria"), field, message);
}
} // namespace

SearchCriteria &SearchCriteria::addFilterGroup(QList<Filter> filters)
{
    m_groups.append(std::move(filters));
    return *this;
}

SearchCriteria &SearchCriteria::addFilter(const QString &field, const QString &value, const QString &conditionType)
{
    return addFilterGroup({Filter{field, value, conditionType}});
}

SearchCriteria &SearchCriteria::addSortOrder(const QString &field, Direction direction)
{
    m_sortOrders.append({field, direction});
    return *this;
}

SearchCriteria &SearchCriteria::setPageSize(int pageSize)
{
    m_pageSize = pageSize;
    return *this;
}

SearchCriteria &SearchCriteria::setCurrentPage(int page)
{
    m_currentPage = page;
    return *this;
}

SearchCriteria &SearchCriteria::setFields(const QString &fields)
{
    m_fields = fields;
    return *this;
}

bool SearchCriteria::isKnownCondition(QStringView c)
{
    static const char16_t *const known[] = {u"eq", u"finset", u"from", u"gt", u"gteq", u"in", u"like",
                                            u"lt", u"lteq", u"moreq", u"neq", u"nfinset", u"nin",
                                            u"nlike", u"notnull", u"null", u"to"};
    for (const char16_t *k : known) {
        if (c == QStringView(k))
            return true;
    }
    return false;
}

Status SearchCriteria::validate() const
{
    if (m_groups.size() > kMaxIndex)
        return criteriaError(QStringLiteral("filter_groups"),
                             QStringLiteral("%1 filter groups; at most %2 keep indices below 10")
                                 .arg(m_groups.size()).arg(kMaxIndex));
    for (qsizetype g = 0; g < m_groups.size(); ++g) {
        const auto &group = m_groups.at(g);
        const QString gname = QStringLiteral("filter_groups[%1]").arg(g);
        if (group.isEmpty())
            return criteriaError(gname, QStringLiteral("empty filter group"));
        if (group.size() > kMaxIndex)
            return criteriaError(gname, QStringLiteral("%1 filters; at most %2").arg(group.size()).arg(kMaxIndex));
        for (qsizetype f = 0; f < group.size(); ++f) {
            const Filter &flt = group.at(f);
            const QString fname = gname + QStringLiteral(".filters[%1]").arg(f);
            if (!isFieldName(flt.field))
                return criteriaError(fname, QStringLiteral("invalid field name \"") + flt.field + u'"');
            if (!flt.conditionType.isEmpty() && !isKnownCondition(flt.conditionType))
                return criteriaError(fname, QStringLiteral("unknown condition type \"") + flt.conditionType + u'"');
        }
    }
    if (m_sortOrders.size() > kMaxIndex)
        return criteriaError(QStringLiteral("sortOrders"), QStringLiteral("at most %1 sort orders").arg(kMaxIndex));
    for (const auto &s : m_sortOrders) {
        if (!isFieldName(s.first))
            return criteriaError(QStringLiteral("sortOrders"), QStringLiteral("invalid field name \"") + s.first + u'"');
    }
    if (m_pageSize < 1 || m_pageSize > kMaxPageSize)
        return criteriaError(QStringLiteral("pageSize"),
                             QStringLiteral("page size %1 is outside 1..%2").arg(m_pageSize).arg(kMaxPageSize));
    if (m_currentPage < 1)
        return criteriaError(QStringLiteral("currentPage"), QStringLiteral("pages start at 1, got %1").arg(m_currentPage));
    return Status::success();
}

Result<QueryItems> SearchCriteria::queryItems() const
{
    if (Status s = validate(); !s)
        return s.error();
    QueryItems items;
    for (qsizetype g = 0; g < m_groups.size(); ++g) {
        for (qsizetype f = 0; f < m_groups.at(g).size(); ++f) {
            const Filter &flt = m_groups.at(g).at(f);
            const QString prefix = QStringLiteral("searchCriteria[filter_groups][%1][filters][%2]").arg(g).arg(f);
            items.append({prefix + QStringLiteral("[field]"), flt.field});
            items.append({prefix + QStringLiteral("[value]"), flt.value});
            if (!flt.conditionType.isEmpty())
                items.append({prefix + QStringLiteral("[condition_type]"), flt.conditionType});
        }
    }
    for (qsizetype s = 0; s < m_sortOrders.size(); ++s) {
        const QString prefix = QStringLiteral("searchCriteria[sortOrders][%1]").arg(s);
        items.append({prefix + QStringLiteral("[field]"), m_sortOrders.at(s).first});
        items.append({prefix + QStringLiteral("[direction]"),
                      m_sortOrders.at(s).second == Direction::Asc ? QStringLiteral("ASC") : QStringLiteral("DESC")});
    }
    items.append({QStringLiteral("searchCriteria[pageSize]"), QString::number(m_pageSize)});
    items.append({QStringLiteral("searchCriteria[currentPage]"), QString::number(m_currentPage)});
    if (!m_fields.isEmpty())
        items.append({QStringLiteral("fields"), m_fields});
    return items;
}

QString SearchCriteria::encode(QStringView text)
{
    // QUrl::toPercentEncoding keeps exactly the RFC 3986 unreserved set (ALPHA DIGIT - . _ ~).
    return QString::fromLatin1(QUrl::toPercentEncoding(text.toString()));
}

QString SearchCriteria::encodeQuery(const QueryItems &items)
{
    QString out;
    for (const auto &item : items) {
        if (!out.isEmpty())
            out += u'&';
        out += encode(item.first) + u'=' + encode(item.second);
    }
    return out;
}

Result<QString> SearchCriteria::toQuery() const
{
    auto items = queryItems();
    if (!items)
        return items.error();
    return encodeQuery(*items);
}

} // namespace pb::magento
