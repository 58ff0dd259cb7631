#include "magentostore.h"

#include "simutil.h"

#include <QRandomGenerator>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

enum class Kind { Number, Text, Time };

// Numbers compare as int64 in millionths, so money of any exponent and integers share one scale.
constexpr int kScale = 6;

qint64 pow10(int n)
{
    qint64 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

struct Value
{
    bool null = false;
    qint64 number = 0;   // Number: millionths; Time: UTC seconds
    QStringView text;    // Text
};

using Getter = Value (*)(const MagentoOrder &);

struct FieldDef
{
    QStringView name;
    Kind kind;
    Getter get;
};

Value num(qint64 v) { return Value{false, v * pow10(kScale), {}}; }
Value money(qint64 minor, int exponent) { return Value{false, minor * pow10(kScale - exponent), {}}; }
Value optMoney(const std::optional<qint64> &v, int exponent) { return v ? money(*v, exponent) : Value{true, 0, {}}; }
Value text(const QString &s) { return Value{false, 0, QStringView(s)}; }
Value optText(const QString &s) { return s.isEmpty() ? Value{true, 0, {}} : text(s); }
Value time(qint64 t) { return Value{false, t, {}}; }

const FieldDef kFields[] = {
    {u"entity_id", Kind::Number, [](const MagentoOrder &o) { return num(o.entityId); }},
    {u"increment_id", Kind::Text, [](const MagentoOrder &o) { return text(o.incrementId); }},
    {u"state", Kind::Text, [](const MagentoOrder &o) { return text(o.state); }},
    {u"status", Kind::Text, [](const MagentoOrder &o) { return text(o.status); }},
    {u"created_at", Kind::Time, [](const MagentoOrder &o) { return time(o.createdAt); }},
    {u"updated_at", Kind::Time, [](const MagentoOrder &o) { return time(o.updatedAt); }},
    {u"customer_email", Kind::Text, [](const MagentoOrder &o) { return text(o.customerEmail); }},
    {u"customer_firstname", Kind::Text, [](const MagentoOrder &o) { return text(o.customerFirstname); }},
    {u"customer_lastname", Kind::Text, [](const MagentoOrder &o) { return text(o.customerLastname); }},
    {u"customer_id", Kind::Number, [](const MagentoOrder &o) { return o.customerId ? num(o.customerId) : Value{true, 0, {}}; }},
    {u"customer_is_guest", Kind::Number, [](const MagentoOrder &o) { return num(o.customerIsGuest() ? 1 : 0); }},
    {u"customer_group_id", Kind::Number, [](const MagentoOrder &o) { return num(o.customerGroupId); }},
    {u"order_currency_code", Kind::Text, [](const MagentoOrder &o) { return text(o.orderCurrencyCode); }},
    {u"base_currency_code", Kind::Text, [](const MagentoOrder &o) { return text(o.baseCurrencyCode); }},
    {u"store_currency_code", Kind::Text, [](const MagentoOrder &o) { return text(o.baseCurrencyCode); }},
    {u"global_currency_code", Kind::Text, [](const MagentoOrder &o) { return text(o.baseCurrencyCode); }},
    {u"grand_total", Kind::Number, [](const MagentoOrder &o) { return money(o.grandTotal, o.exponent); }},
    {u"base_grand_total", Kind::Number, [](const MagentoOrder &o) { return money(o.baseGrandTotal, o.baseExponent); }},
    {u"subtotal", Kind::Number, [](const MagentoOrder &o) { return money(o.subtotal, o.exponent); }},
    {u"base_subtotal", Kind::Number, [](const MagentoOrder &o) { return money(o.baseSubtotal, o.baseExponent); }},
    {u"tax_amount", Kind::Number, [](const MagentoOrder &o) { return money(o.taxAmount, o.exponent); }},
    {u"base_tax_amount", Kind::Number, [](const MagentoOrder &o) { return money(o.baseTaxAmount, o.baseExponent); }},
    {u"shipping_amount", Kind::Number, [](const MagentoOrder &o) { return money(o.shippingAmount, o.exponent); }},
    {u"base_shipping_amount", Kind::Number, [](const MagentoOrder &o) { return money(o.baseShippingAmount, o.baseExponent); }},
    {u"discount_amount", Kind::Number, [](const MagentoOrder &o) { return money(o.discountAmount, o.exponent); }},
    {u"base_discount_amount", Kind::Number, [](const MagentoOrder &o) { return money(o.baseDiscountAmount, o.baseExponent); }},
    {u"total_paid", Kind::Number, [](const MagentoOrder &o) { return optMoney(o.totalPaid, o.exponent); }},
    {u"base_total_paid", Kind::Number, [](const MagentoOrder &o) { return optMoney(o.baseTotalPaid, o.baseExponent); }},
    {u"total_invoiced", Kind::Number, [](const MagentoOrder &o) { return optMoney(o.totalInvoiced, o.exponent); }},
    {u"base_total_invoiced", Kind::Number, [](const MagentoOrder &o) { return optMoney(o.baseTotalInvoiced, o.baseExponent); }},
    {u"total_refunded", Kind::Number, [](const MagentoOrder &o) { return optMoney(o.totalRefunded, o.exponent); }},
    {u"base_total_refunded", Kind::Number, [](const MagentoOrder &o) { return optMoney(o.baseTotalRefunded, o.baseExponent); }},
    {u"total_canceled", Kind::Number, [](const MagentoOrder &o) { return optMoney(o.totalCanceled, o.exponent); }},
    {u"total_due", Kind::Number, [](const MagentoOrder &o) { return money(o.totalDue, o.exponent); }},
    {u"base_total_due", Kind::Number, [](const MagentoOrder &o) { return money(o.baseTotalDue, o.baseExponent); }},
    {u"total_qty_ordered", Kind::Number, [](const MagentoOrder &o) { return num(o.totalQtyOrdered); }},
    {u"store_id", Kind::Number, [](const MagentoOrder &o) { return num(o.storeId); }},
    {u"quote_id", Kind::Number, [](const MagentoOrder &o) { return num(o.quoteId); }},
    {u"email_sent", Kind::Number, [](const MagentoOrder &o) { return num(o.emailSent ? 1 : 0); }},
    {u"remote_ip", Kind::Text, [](const MagentoOrder &o) { return text(o.remoteIp); }},
    {u"protect_code", Kind::Text, [](const MagentoOrder &o) { return text(o.protectCode); }},
    {u"shipping_description", Kind::Text, [](const MagentoOrder &o) { return optText(o.shippingDescription); }},
    {u"shipping_method", Kind::Text, [](const MagentoOrder &o) { return optText(o.shippingMethod); }},
    {u"hold_before_state", Kind::Text, [](const MagentoOrder &o) { return optText(o.holdBeforeState); }},
    {u"hold_before_status", Kind::Text, [](const MagentoOrder &o) { return optText(o.holdBeforeStatus); }},
};

const FieldDef *fieldDef(const QString &name)
{
    for (const FieldDef &f : kFields) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

// Text of a value for LIKE and FIND_IN_SET, as MySQL would render the column.
QString valueText(const FieldDef &f, const Value &v)
{
    switch (f.kind) {
    case Kind::Text:
        return v.text.toString();
    case Kind::Time:
        return QString::fromLatin1(magentoTime(v.number));
    case Kind::Number: {
        // Strip the scale back to the shortest decimal.
        return QString::fromLatin1(decimalNumber(v.number, kScale));
    }
    }
    return {};
}

int compareValues(const FieldDef &f, const Value &a, const Value &b)
{
    if (f.kind == Kind::Text)
        return a.text.compare(b.text, Qt::CaseInsensitive);
    return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
}

// One filter with its operand parsed once for the field's type. Text views point into the
// QStrings held here; QString data lives on the heap, so moving a Compiled keeps them valid.
struct Operand
{
    Value value;
    bool asText = false; // a time operand that is not a date: compare as text
};

struct Compiled
{
    const FieldDef *def = nullptr;
    Condition condition = Condition::Eq;
    QString operandText;
    Operand operand;
    QStringList listText; // in / nin
    QList<Operand> list;
};

Operand parseOperand(const FieldDef &def, const QString &raw)
{
    Operand op;
    switch (def.kind) {
    case Kind::Number: {
        qint64 n = 0;
        // MySQL casts text that is not a number to 0 when comparing with a numeric column.
        if (!parseDecimal(raw.trimmed().toLatin1(), kScale, &n))
            n = 0;
        op.value.number = n;
        break;
    }
    case Kind::Time: {
        qint64 t = 0;
        if (parseMagentoTime(raw.trimmed().toLatin1(), &t)) {
            op.value.number = t;
        } else {
            op.asText = true;
            op.value.text = QStringView(raw);
        }
        break;
    }
    case Kind::Text:
        op.value.text = QStringView(raw);
        break;
    }
    return op;
}

bool matches(const Compiled &c, const MagentoOrder &o)
{
    const Value v = c.def->get(o);
    switch (c.condition) {
    case Condition::Null:
        return v.null;
    case Condition::Notnull:
        return !v.null;
    default:
        break;
    }
    if (v.null)
        return false; // SQL: any comparison with NULL is unknown, so the row is not selected
    const auto cmp = [&](const Value &operand, bool asText) {
        if (asText) {
            const QString mine = valueText(*c.def, v);
            return QStringView(mine).compare(operand.text, Qt::CaseInsensitive);
        }
        return compareValues(*c.def, v, operand);
    };
    switch (c.condition) {
    case Condition::Eq: return cmp(c.operand.value, c.operand.asText) == 0;
    case Condition::Neq: return cmp(c.operand.value, c.operand.asText) != 0;
    case Condition::Gt: return cmp(c.operand.value, c.operand.asText) > 0;
    case Condition::Gteq:
    case Condition::Moreq:
    case Condition::From: return cmp(c.operand.value, c.operand.asText) >= 0;
    case Condition::Lt: return cmp(c.operand.value, c.operand.asText) < 0;
    case Condition::Lteq:
    case Condition::To: return cmp(c.operand.value, c.operand.asText) <= 0;
    case Condition::In:
    case Condition::Nin: {
        bool found = false;
        for (qsizetype k = 0; k < c.list.size() && !found; ++k)
            found = cmp(c.list[k].value, c.list[k].asText) == 0;
        return c.condition == Condition::In ? found : !found;
    }
    case Condition::Like:
    case Condition::Nlike: {
        const bool hit = sqlLike(valueText(*c.def, v), c.operandText);
        return c.condition == Condition::Like ? hit : !hit;
    }
    case Condition::Finset:
    case Condition::Nfinset: {
        const QStringList parts = valueText(*c.def, v).split(u',');
        const bool hit = parts.contains(c.operandText, Qt::CaseInsensitive);
        return c.condition == Condition::Finset ? hit : !hit;
    }
    case Condition::Null:
    case Condition::Notnull:
        break;
    }
    return false;
}

MagentoError internalError()
{
    // Production mode masks SQL errors (an unknown column) behind a report id (docs/magento.md §6).
    const QString report = u"webapi-"_s + QString::number(QRandomGenerator::global()->generate64(), 16).left(13);
    return magentoError(500, u"Internal Error. Details are available in Magento log file. Report ID: %1"_s.arg(report));
}

} // namespace

bool MagentoStore::isKnownField(const QString &name)
{
    return fieldDef(name) != nullptr;
}

void MagentoStore::load(const QList<MagentoOrder> &orders)
{
    m_orders.assign(orders.begin(), orders.end());
    std::sort(m_orders.begin(), m_orders.end(), [](const MagentoOrder &a, const MagentoOrder &b) { return a.entityId < b.entityId; });
    m_index.clear();
    m_index.reserve(qsizetype(m_orders.size()));
    for (int i = 0; i < int(m_orders.size()); ++i)
        m_index.insert(m_orders[size_t(i)].entityId, i);
    m_sortCache.clear();
}

const MagentoOrder *MagentoStore::find(qint64 entityId) const
{
    const auto it = m_index.constFind(entityId);
    return it == m_index.cend() ? nullptr : &m_orders[size_t(*it)];
}

MagentoOrder *MagentoStore::mutableOrder(qint64 entityId)
{
    const auto it = m_index.constFind(entityId);
    if (it == m_index.cend())
        return nullptr;
    m_sortCache.clear();
    return &m_orders[size_t(*it)];
}

bool MagentoStore::update(const MagentoOrder &order)
{
    const auto it = m_index.constFind(order.entityId);
    if (it == m_index.cend())
        return false;
    m_orders[size_t(*it)] = order;
    m_sortCache.clear();
    return true;
}

bool MagentoStore::add(const MagentoOrder &order)
{
    if (!m_orders.empty() && order.entityId <= m_orders.back().entityId)
        return false;
    m_index.insert(order.entityId, int(m_orders.size()));
    m_orders.push_back(order);
    m_sortCache.clear();
    return true;
}

const std::vector<int> &MagentoStore::sorted(const QList<SearchSortOrder> &sortOrders)
{
    QString key;
    for (const SearchSortOrder &s : sortOrders)
        key += s.field + (s.ascending() ? u":A,"_s : u":D,"_s);
    auto it = m_sortCache.find(key);
    if (it != m_sortCache.end())
        return *it;
    if (m_sortCache.size() > 32)
        m_sortCache.clear();

    struct Key
    {
        const FieldDef *def;
        bool ascending;
    };
    std::vector<Key> keys;
    for (const SearchSortOrder &s : sortOrders)
        keys.push_back(Key{fieldDef(s.field), s.ascending()});
    std::vector<int> perm(m_orders.size());
    for (size_t i = 0; i < perm.size(); ++i)
        perm[i] = int(i);
    // Ties beyond the requested keys keep entity_id order (the storage order).
    std::stable_sort(perm.begin(), perm.end(), [&](int a, int b) {
        const MagentoOrder &oa = m_orders[size_t(a)];
        const MagentoOrder &ob = m_orders[size_t(b)];
        for (const Key &k : keys) {
            const Value va = k.def->get(oa);
            const Value vb = k.def->get(ob);
            int c = 0;
            if (va.null != vb.null)
                c = va.null ? -1 : 1; // MySQL sorts NULL first ascending
            else if (!va.null)
                c = compareValues(*k.def, va, vb);
            if (c != 0)
                return k.ascending ? c < 0 : c > 0;
        }
        return false;
    });
    return *m_sortCache.insert(key, std::move(perm));
}

bool MagentoStore::search(const SearchCriteria &criteria, bool inputLimits, Page *page, MagentoError *error, bool pastEndEmpty)
{
    // Compile filters; an unknown column fails the SQL query in real Magento.
    std::vector<std::vector<Compiled>> groups;
    for (const SearchFilterGroup &g : criteria.groups) {
        std::vector<Compiled> compiled;
        for (const SearchFilter &f : g.filters) {
            Compiled c;
            c.def = fieldDef(f.field);
            if (!c.def) {
                *error = internalError();
                return false;
            }
            c.condition = f.condition;
            if (f.condition == Condition::In || f.condition == Condition::Nin) {
                c.listText = f.value.split(u',');
                for (const QString &item : std::as_const(c.listText))
                    c.list.append(parseOperand(*c.def, item));
            } else {
                c.operandText = f.value;
                c.operand = parseOperand(*c.def, c.operandText);
            }
            compiled.push_back(std::move(c));
        }
        groups.push_back(std::move(compiled));
    }
    for (const SearchSortOrder &s : criteria.sortOrders) {
        if (!fieldDef(s.field)) {
            *error = internalError();
            return false;
        }
    }

    std::optional<qint64> pageSize = criteria.pageSize;
    if (inputLimits) {
        if (!pageSize)
            pageSize = 20;
        if (*pageSize > 300) {
            *error = magentoError(400, u"Maximum SearchCriteria pageSize is %max"_s, {{u"max"_s, u"300"_s}});
            return false;
        }
    }

    const std::vector<int> &order = criteria.sortOrders.isEmpty() ? sorted({}) : sorted(criteria.sortOrders);
    std::vector<int> matched;
    const bool filtered = !groups.empty();
    if (filtered) {
        matched.reserve(order.size() / 4);
        for (int idx : order) {
            const MagentoOrder &o = m_orders[size_t(idx)];
            bool all = true;
            for (const auto &g : groups) {
                bool any = g.empty();
                for (const Compiled &c : g) {
                    if (matches(c, o)) {
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
                matched.push_back(idx);
        }
    }
    const std::vector<int> &hits = filtered ? matched : order;
    page->totalCount = qint64(hits.size());
    page->indexes.clear();
    if (!pageSize || *pageSize <= 0) {
        page->indexes = hits;
        return true;
    }
    // Magento clamps the page into [1, last page]: a page past the end repeats the last page.
    const qint64 size = *pageSize;
    const qint64 lastPage = std::max<qint64>(1, (page->totalCount + size - 1) / size);
    const qint64 asked = criteria.currentPage.value_or(1);
    if (pastEndEmpty && asked > lastPage)
        return true;
    const qint64 current = std::clamp<qint64>(asked, 1, lastPage);
    const qint64 from = (current - 1) * size;
    const qint64 to = std::min<qint64>(page->totalCount, from + size);
    if (from < to)
        page->indexes.assign(hits.begin() + from, hits.begin() + to);
    return true;
}

} // namespace pb::sandbox
