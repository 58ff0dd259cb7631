#include "searchcriteria.h"

#include "jsonwriter.h"

#include <QHash>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

MagentoError magentoError(int status, const QString &message, const QList<std::pair<QString, QString>> &namedParameters)
{
    QByteArray body;
    JsonWriter w(&body);
    w.beginObject();
    w.field("message", message);
    if (!namedParameters.isEmpty()) {
        w.key("parameters");
        w.beginObject();
        for (const auto &[name, value] : namedParameters)
            w.field(name.toUtf8(), value);
        w.endObject();
    }
    w.endObject();
    return MagentoError{status, body};
}

MagentoError magentoErrorList(int status, const QString &message, const QStringList &positional)
{
    QByteArray body;
    JsonWriter w(&body);
    w.beginObject();
    w.field("message", message);
    w.key("parameters");
    w.beginArray();
    for (const QString &p : positional)
        w.string(p);
    w.endArray();
    w.endObject();
    return MagentoError{status, body};
}

namespace {

// searchCriteria[a][b][c] -> {"a","b","c"}; false when the brackets are malformed.
bool splitKey(QByteArrayView key, QList<QByteArray> *segments)
{
    const qsizetype open = key.indexOf('[');
    if (open < 0)
        return true; // "searchCriteria" itself
    qsizetype pos = open;
    while (pos < key.size()) {
        if (key[pos] != '[')
            return false;
        const qsizetype close = key.indexOf(']', pos);
        if (close < 0)
            return false;
        segments->append(key.sliced(pos + 1, close - pos - 1).toByteArray());
        pos = close + 1;
    }
    return true;
}

struct RawFilter
{
    QString field;
    QString value;
    QString conditionType;
    bool hasField = false;
    bool hasCondition = false;
};

struct RawGroup
{
    QList<QByteArray> order;
    QHash<QByteArray, RawFilter> filters;
};

struct RawSort
{
    QString field;
    QString direction;
};

std::optional<Condition> conditionFromName(const QString &name)
{
    static const QHash<QString, Condition> table = {
        {u"eq"_s, Condition::Eq},       {u"neq"_s, Condition::Neq},         {u"gt"_s, Condition::Gt},
        {u"gteq"_s, Condition::Gteq},   {u"lt"_s, Condition::Lt},           {u"lteq"_s, Condition::Lteq},
        {u"from"_s, Condition::From},   {u"to"_s, Condition::To},           {u"in"_s, Condition::In},
        {u"nin"_s, Condition::Nin},     {u"like"_s, Condition::Like},       {u"nlike"_s, Condition::Nlike},
        {u"null"_s, Condition::Null},   {u"notnull"_s, Condition::Notnull}, {u"finset"_s, Condition::Finset},
        {u"nfinset"_s, Condition::Nfinset}, {u"moreq"_s, Condition::Moreq},
    };
    const auto it = table.constFind(name);
    if (it == table.cend())
        return std::nullopt;
    return *it;
}

} // namespace

MagentoError magentoNoAccessor(const QByteArray &property, const QString &className)
{
    // Magento's ServiceInputProcessor wording for a key the data interface does not have.
    QString camel;
    bool upper = true;
    for (char c : property) {
        if (c == '_') {
            upper = true;
            continue;
        }
        camel.append(upper ? QChar::fromLatin1(c).toUpper() : QChar::fromLatin1(c));
        upper = false;
    }
    return magentoErrorList(400, u"Property \"%1\" does not have accessor method \"%2\" in class \"%3\"."_s,
                            {camel, u"get"_s + camel, className});
}

namespace {

MagentoError noAccessor(const QByteArray &property, const QString &className)
{
    return magentoNoAccessor(property, className);
}

MagentoError typeError(const QByteArray &value)
{
    return magentoError(400, u"The \"%value\" value's type is invalid. The \"%type\" type was expected. Verify and try again."_s,
                        {{u"value"_s, QString::fromUtf8(value)}, {u"type"_s, u"int"_s}});
}

bool parseInt(const QByteArray &text, qint64 *out)
{
    const QByteArray t = text.trimmed();
    if (t.isEmpty() || t.size() > 15)
        return false;
    qsizetype i = t[0] == '-' ? 1 : 0;
    if (i == t.size())
        return false;
    for (; i < t.size(); ++i) {
        if (t[i] < '0' || t[i] > '9')
            return false;
    }
    *out = t.toLongLong();
    return true;
}

} // namespace

std::optional<SearchCriteria> parseSearchCriteria(const QList<QPair<QByteArray, QByteArray>> &query, bool *present,
                                                  MagentoError *error)
{
    const QString criteriaClass = u"Magento\\Framework\\Api\\SearchCriteria"_s;
    const QString groupClass = u"Magento\\Framework\\Api\\Search\\FilterGroup"_s;
    const QString filterClass = u"Magento\\Framework\\Api\\Filter"_s;
    const QString sortClass = u"Magento\\Framework\\Api\\SortOrder"_s;

    *present = false;
    QList<QByteArray> groupOrder;
    QHash<QByteArray, RawGroup> groups;
    QList<QByteArray> sortOrder;
    QHash<QByteArray, RawSort> sorts;
    SearchCriteria criteria;

    for (const auto &[key, value] : query) {
        if (key != "searchCriteria" && !key.startsWith("searchCriteria["))
            continue;
        *present = true;
        QList<QByteArray> seg;
        if (!splitKey(key, &seg)) {
            *error = magentoError(400, u"Malformed searchCriteria parameter \"%1\"."_s.arg(QString::fromUtf8(key)));
            return std::nullopt;
        }
        if (seg.isEmpty())
            continue; // a bare searchCriteria= asks for everything
        const QByteArray &top = seg[0];
        if (top == "filter_groups" || top == "filterGroups") {
            if (seg.size() < 2) {
                *error = magentoError(400, u"Malformed searchCriteria parameter \"%1\"."_s.arg(QString::fromUtf8(key)));
                return std::nullopt;
            }
            if (!groups.contains(seg[1]))
                groupOrder.append(seg[1]);
            RawGroup &group = groups[seg[1]];
            if (seg.size() == 2)
                continue;
            if (seg[2] != "filters") {
                *error = noAccessor(seg[2], groupClass);
                return std::nullopt;
            }
            if (seg.size() != 5) {
                *error = magentoError(400, u"Malformed searchCriteria parameter \"%1\"."_s.arg(QString::fromUtf8(key)));
                return std::nullopt;
            }
            if (!group.filters.contains(seg[3]))
                group.order.append(seg[3]);
            RawFilter &f = group.filters[seg[3]];
            const QByteArray &prop = seg[4];
            const QString v = QString::fromUtf8(value);
            if (prop == "field") {
                f.field = v;
                f.hasField = true;
            } else if (prop == "value") {
                f.value = v;
            } else if (prop == "condition_type" || prop == "conditionType") {
                f.conditionType = v;
                f.hasCondition = true;
            } else {
                *error = noAccessor(prop, filterClass);
                return std::nullopt;
            }
        } else if (top == "sort_orders" || top == "sortOrders") {
            criteria.sortOrdersSent = true;
            if (seg.size() != 3) {
                *error = magentoError(400, u"Malformed searchCriteria parameter \"%1\"."_s.arg(QString::fromUtf8(key)));
                return std::nullopt;
            }
            if (!sorts.contains(seg[1]))
                sortOrder.append(seg[1]);
            RawSort &s = sorts[seg[1]];
            if (seg[2] == "field") {
                s.field = QString::fromUtf8(value);
            } else if (seg[2] == "direction") {
                s.direction = QString::fromUtf8(value);
            } else {
                *error = noAccessor(seg[2], sortClass);
                return std::nullopt;
            }
        } else if (top == "page_size" || top == "pageSize" || top == "current_page" || top == "currentPage") {
            qint64 n = 0;
            if (seg.size() != 1 || !parseInt(value, &n)) {
                *error = typeError(value);
                return std::nullopt;
            }
            if (top == "page_size" || top == "pageSize")
                criteria.pageSize = n;
            else
                criteria.currentPage = n;
        } else {
            *error = noAccessor(top, criteriaClass);
            return std::nullopt;
        }
    }

    for (const QByteArray &gk : std::as_const(groupOrder)) {
        const RawGroup &raw = groups[gk];
        SearchFilterGroup group;
        for (const QByteArray &fk : raw.order) {
            const RawFilter &rf = raw.filters[fk];
            if (!rf.hasField || rf.field.isEmpty()) {
                *error = magentoError(400, u"\"%fieldName\" is required. Enter and try again."_s, {{u"fieldName"_s, u"field"_s}});
                return std::nullopt;
            }
            SearchFilter f;
            f.field = rf.field;
            f.value = rf.value;
            if (rf.hasCondition && !rf.conditionType.isEmpty())
                f.conditionType = rf.conditionType;
            const auto condition = conditionFromName(f.conditionType);
            if (!condition) {
                *error = magentoError(400, u"Invalid value of \"%value\" provided for the %fieldName field."_s,
                                      {{u"value"_s, f.conditionType}, {u"fieldName"_s, u"condition_type"_s}});
                return std::nullopt;
            }
            f.condition = *condition;
            group.filters.append(f);
        }
        criteria.groups.append(group);
    }
    for (const QByteArray &sk : std::as_const(sortOrder)) {
        const RawSort &rs = sorts[sk];
        if (rs.field.isEmpty()) {
            *error = magentoError(400, u"\"%fieldName\" is required. Enter and try again."_s, {{u"fieldName"_s, u"field"_s}});
            return std::nullopt;
        }
        criteria.sortOrders.append(SearchSortOrder{rs.field, rs.direction});
    }
    return criteria;
}

void writeSearchCriteria(JsonWriter &w, const SearchCriteria &c)
{
    w.beginObject();
    w.key("filter_groups");
    w.beginArray();
    for (const SearchFilterGroup &g : c.groups) {
        w.beginObject();
        w.key("filters");
        w.beginArray();
        for (const SearchFilter &f : g.filters) {
            w.beginObject();
            w.field("field", f.field);
            w.field("value", f.value);
            w.field("condition_type", f.conditionType);
            w.endObject();
        }
        w.endArray();
        w.endObject();
    }
    w.endArray();
    if (c.sortOrdersSent) {
        w.key("sort_orders");
        w.beginArray();
        for (const SearchSortOrder &s : c.sortOrders) {
            w.beginObject();
            w.field("field", s.field);
            if (!s.direction.isEmpty())
                w.field("direction", s.direction);
            w.endObject();
        }
        w.endArray();
    }
    if (c.pageSize)
        w.field("page_size", *c.pageSize);
    if (c.currentPage)
        w.field("current_page", *c.currentPage);
    w.endObject();
}

} // namespace pb::sandbox
