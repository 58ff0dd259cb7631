#include "jsonwriter.h"

#include "simutil.h"

#include <charconv>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

const FieldSelection *FieldSelection::child(QByteArrayView name) const
{
    for (const auto &entry : children) {
        if (entry.first == name)
            return &entry.second;
    }
    return nullptr;
}

namespace {

bool isNameChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// list := item (',' item)* ; item := name ('[' list ']')?
bool parseList(QByteArrayView text, qsizetype *pos, FieldSelection *out, int depth, QString *error)
{
    if (depth > 16) {
        *error = u"fields nesting is too deep"_s;
        return false;
    }
    for (;;) {
        const qsizetype start = *pos;
        while (*pos < text.size() && isNameChar(text[*pos]))
            ++*pos;
        if (*pos == start) {
            *error = u"fields: expected a field name at offset %1"_s.arg(start);
            return false;
        }
        FieldSelection node;
        const QByteArray name = text.sliced(start, *pos - start).toByteArray();
        if (*pos < text.size() && text[*pos] == '[') {
            ++*pos;
            if (!parseList(text, pos, &node, depth + 1, error))
                return false;
            if (*pos >= text.size() || text[*pos] != ']') {
                *error = u"fields: missing ']'"_s;
                return false;
            }
            ++*pos;
        }
        // A repeated name merges into the earlier entry.
        bool merged = false;
        for (auto &entry : out->children) {
            if (entry.first == name) {
                if (node.selectsAll() || entry.second.selectsAll())
                    entry.second.children.clear();
                else
                    for (auto &c : node.children)
                        entry.second.children.push_back(std::move(c));
                merged = true;
                break;
            }
        }
        if (!merged)
            out->children.emplace_back(name, std::move(node));
        if (*pos < text.size() && text[*pos] == ',') {
            ++*pos;
            continue;
        }
        return true;
    }
}

} // namespace

bool FieldSelection::parse(QByteArrayView text, FieldSelection *out, QString *error)
{
    *out = FieldSelection();
    qsizetype pos = 0;
    if (!parseList(text, &pos, out, 0, error))
        return false;
    if (pos != text.size()) {
        *error = u"fields: unexpected '%1' at offset %2"_s.arg(QChar::fromLatin1(text[pos])).arg(pos);
        return false;
    }
    return true;
}

JsonWriter::JsonWriter(QByteArray *out, const FieldSelection *selection)
    : m_out(out), m_rootSelection(selection && !selection->selectsAll() ? selection : nullptr)
{
    m_stack.reserve(16);
}

bool JsonWriter::beforeValue()
{
    if (m_stack.empty())
        return true;
    Frame &top = m_stack.back();
    if (top.object)
        return !top.skip && !m_keySkip;
    if (top.skip)
        return false;
    if (!top.first)
        m_out->append(',');
    top.first = false;
    return true;
}

bool JsonWriter::skippingValue() const
{
    return !m_stack.empty() && m_stack.back().object && (m_stack.back().skip || m_keySkip);
}

void JsonWriter::push(bool object)
{
    const FieldSelection *selection = nullptr;
    if (m_stack.empty())
        selection = m_rootSelection;
    else if (m_stack.back().object)
        selection = m_keySelection;
    else
        selection = m_stack.back().selection;
    const bool write = beforeValue();
    m_stack.push_back(Frame{object, true, !write, selection});
    m_keySkip = false;
    m_keySelection = nullptr;
    if (write)
        m_out->append(object ? '{' : '[');
}

void JsonWriter::beginObject()
{
    push(true);
}

void JsonWriter::beginArray()
{
    push(false);
}

void JsonWriter::endObject()
{
    Q_ASSERT(!m_stack.empty() && m_stack.back().object);
    if (!m_stack.back().skip)
        m_out->append('}');
    m_stack.pop_back();
    m_keySkip = false;
}

void JsonWriter::endArray()
{
    Q_ASSERT(!m_stack.empty() && !m_stack.back().object);
    if (!m_stack.back().skip)
        m_out->append(']');
    m_stack.pop_back();
    m_keySkip = false;
}

void JsonWriter::key(QByteArrayView name)
{
    Q_ASSERT(!m_stack.empty() && m_stack.back().object);
    Frame &top = m_stack.back();
    m_keySelection = nullptr;
    if (top.skip) {
        m_keySkip = true;
        return;
    }
    if (top.selection) {
        const FieldSelection *child = top.selection->child(name);
        if (!child) {
            m_keySkip = true;
            return;
        }
        m_keySelection = child->selectsAll() ? nullptr : child;
    }
    m_keySkip = false;
    if (!top.first)
        m_out->append(',');
    top.first = false;
    m_out->append('"');
    m_out->append(name.data(), name.size());
    m_out->append("\":", 2);
}

void JsonWriter::escape(QStringView value)
{
    // Fast path: plain ASCII without quotes, backslashes or control characters.
    bool plain = true;
    for (QChar c : value) {
        const char16_t u = c.unicode();
        if (u < 0x20 || u >= 0x80 || u == '"' || u == '\\') {
            plain = false;
            break;
        }
    }
    m_out->append('"');
    if (plain) {
        const qsizetype at = m_out->size();
        m_out->resize(at + value.size());
        char *dst = m_out->data() + at;
        for (QChar c : value)
            *dst++ = char(c.unicode());
    } else {
        const QByteArray utf8 = value.toUtf8();
        for (char ch : utf8) {
            const auto c = static_cast<unsigned char>(ch);
            switch (c) {
            case '"': m_out->append("\\\"", 2); break;
            case '\\': m_out->append("\\\\", 2); break;
            case '\n': m_out->append("\\n", 2); break;
            case '\r': m_out->append("\\r", 2); break;
            case '\t': m_out->append("\\t", 2); break;
            default:
                if (c < 0x20) {
                    static const char hex[] = "0123456789abcdef";
                    const char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                    m_out->append(esc, 6);
                } else {
                    m_out->append(ch);
                }
            }
        }
    }
    m_out->append('"');
}

void JsonWriter::string(const QString &value)
{
    string(QStringView(value));
}

void JsonWriter::string(QStringView value)
{
    if (beforeValue())
        escape(value);
}

void JsonWriter::latin1(QByteArrayView value)
{
    if (!beforeValue())
        return;
    bool plain = true;
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        plain = plain && u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
    }
    if (!plain) {
        escape(QString::fromLatin1(value));
        return;
    }
    m_out->append('"');
    m_out->append(value.data(), value.size());
    m_out->append('"');
}

void JsonWriter::number(qint64 value)
{
    if (!beforeValue())
        return;
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    m_out->append(buffer, result.ptr - buffer);
}

void JsonWriter::rawNumber(QByteArrayView exactText)
{
    if (beforeValue())
        m_out->append(exactText.data(), exactText.size());
}

void JsonWriter::money(qint64 minor, int exponent)
{
    if (!beforeValue())
        return;
    // Hot path of every page: format into a stack buffer, no heap allocation.
    char buffer[48];
    const int length = formatDecimalNumber(minor, exponent, buffer);
    m_out->append(buffer, length);
}

void JsonWriter::boolean(bool value)
{
    if (beforeValue())
        m_out->append(value ? "true" : "false");
}

void JsonWriter::null()
{
    if (beforeValue())
        m_out->append("null", 4);
}

} // namespace pb::sandbox
