#pragma once

#include <QByteArray>
#include <QString>

#include <utility>
#include <vector>

namespace pb::sandbox {

// A parsed Magento `fields=` selection, e.g. "items[entity_id,increment_id],total_count".
// A node with no children selects the whole value.
struct FieldSelection
{
    std::vector<std::pair<QByteArray, FieldSelection>> children;

    bool selectsAll() const { return children.empty(); }
    // nullptr when `name` is not selected.
    const FieldSelection *child(QByteArrayView name) const;
    // Returns false (and sets *error) on unbalanced brackets or empty names.
    static bool parse(QByteArrayView text, FieldSelection *out, QString *error);
};

// Streaming JSON writer straight into a byte buffer: no DOM, no doubles. Numbers are written
// from exact text (money via decimalNumber). An optional FieldSelection drops object members
// that were not selected, at any depth (arrays pass their selection to each element), which is
// how Magento's partial responses behave.
class JsonWriter
{
public:
    explicit JsonWriter(QByteArray *out, const FieldSelection *selection = nullptr);

    void beginObject();
    void endObject();
    void beginArray();
    void endArray();
    // Inside an object: the next value belongs to this key.
    void key(QByteArrayView name);

    void string(const QString &value);
    void string(QStringView value);
    void latin1(QByteArrayView value); // ASCII/Latin-1 text that needs escaping checks only
    void number(qint64 value);
    void rawNumber(QByteArrayView exactText);
    void money(qint64 minor, int exponent);
    void boolean(bool value);
    void null();

    // Shorthands for key + value.
    void field(QByteArrayView name, const QString &value) { key(name); string(value); }
    void fieldLatin1(QByteArrayView name, QByteArrayView value) { key(name); latin1(value); }
    void field(QByteArrayView name, qint64 value) { key(name); number(value); }
    void fieldInt(QByteArrayView name, int value) { key(name); number(value); }
    void fieldMoney(QByteArrayView name, qint64 minor, int exponent) { key(name); money(minor, exponent); }
    void fieldBool(QByteArrayView name, bool value) { key(name); boolean(value); }
    void fieldNull(QByteArrayView name) { key(name); null(); }

    // True when the value for the last key will be dropped: lets callers skip expensive work.
    bool skippingValue() const;

private:
    struct Frame
    {
        bool object;
        bool first;
        bool skip;
        const FieldSelection *selection;
    };
    bool beforeValue();
    void push(bool object);
    void escape(QStringView value);

    QByteArray *m_out;
    const FieldSelection *m_rootSelection;
    std::vector<Frame> m_stack;
    bool m_keySkip = false;
    const FieldSelection *m_keySelection = nullptr;
};

} // namespace pb::sandbox
