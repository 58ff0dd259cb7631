#include "mapping/transform.h"

#include "money/money.h"

#include <QDateTime>
#include <QRegularExpressionMatch>

#include <array>
#include <utility>

using namespace Qt::StringLiterals;

namespace pb::mapping {

namespace {

constexpr std::array kOpNames = {
    std::pair{Transform::Op::Copy, "copy"_L1},
    std::pair{Transform::Op::Uppercase, "uppercase"_L1},
    std::pair{Transform::Op::Lowercase, "lowercase"_L1},
    std::pair{Transform::Op::Trim, "trim"_L1},
    std::pair{Transform::Op::Prefix, "prefix"_L1},
    std::pair{Transform::Op::Suffix, "suffix"_L1},
    std::pair{Transform::Op::RegexExtract, "regexExtract"_L1},
    std::pair{Transform::Op::MapLookup, "mapLookup"_L1},
    std::pair{Transform::Op::MoneyFormat, "moneyFormat"_L1},
    std::pair{Transform::Op::StripPrefix, "stripPrefix"_L1},
    std::pair{Transform::Op::StripSuffix, "stripSuffix"_L1},
    std::pair{Transform::Op::ZeroPad, "zeroPad"_L1},
    std::pair{Transform::Op::DateFormat, "dateFormat"_L1},
};

constexpr std::array kOnMissingNames = {
    std::pair{Transform::OnMissing::Error, "error"_L1},
    std::pair{Transform::OnMissing::Keep, "keep"_L1},
    std::pair{Transform::OnMissing::Default, "default"_L1},
};

Error err(const QString &field, const QString &message)
{
    return makeError(u"mapping.transform"_s, field, message);
}

QString join(const QString &path, QLatin1StringView key)
{
    return path.isEmpty() ? QString(key) : path + u'.' + key;
}

bool hasControlChars(QStringView s)
{
    for (QChar c : s) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

// Refuses keys other than `allowed`, so a misspelt option is an error instead of a default.
Status onlyKeys(const QJsonObject &o, std::initializer_list<QLatin1StringView> allowed,
                const QString &path)
{
    for (auto it = o.begin(); it != o.end(); ++it) {
        bool known = false;
        for (QLatin1StringView a : allowed)
            known = known || it.key() == a;
        if (!known)
            return err(path + u'.' + it.key(), u"unknown key"_s);
    }
    return {};
}

// Reads "{n}", "{n,}" or "{n,m}" at `i` (which points at '{'); returns the index after '}'
// and whether the upper bound is open, or -1 when the brace is a literal.
qsizetype readBraceQuantifier(const QString &p, qsizetype i, bool *unbounded)
{
    qsizetype j = i + 1;
    qsizetype digits = 0;
    while (j < p.size() && p.at(j).isDigit()) {
        ++j;
        ++digits;
    }
    if (digits == 0)
        return -1;
    *unbounded = false;
    if (j < p.size() && p.at(j) == u',') {
        ++j;
        qsizetype upper = 0;
        while (j < p.size() && p.at(j).isDigit()) {
            ++j;
            ++upper;
        }
        *unbounded = upper == 0;
    }
    if (j < p.size() && p.at(j) == u'}')
        return j + 1;
    return -1;
}

} // namespace

Status checkRegexSafety(const QString &pattern, const QString &field)
{
    if (pattern.isEmpty())
        return err(field, u"the pattern is empty"_s);
    if (pattern.size() > Transform::kMaxPatternLength)
        return err(field, u"the pattern is longer than %1 characters"_s.arg(Transform::kMaxPatternLength));

    struct Frame { bool quantified = false; bool alternation = false; };
    QList<Frame> stack{Frame{}};
    // What the last atom was, so a quantifier knows what it applies to.
    enum class Atom { None, Simple, Group, Quantifier } last = Atom::None;
    Frame lastGroup;

    const auto refuse = [&](const QString &what) { return err(field, what + u" is not allowed in a pattern"_s); };

    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QChar c = pattern.at(i);
        if (c == u'\\') {
            if (i + 1 >= pattern.size())
                return err(field, u"the pattern ends with a lone backslash"_s);
            const QChar n = pattern.at(i + 1);
            if ((n.isDigit() && n != u'0') || n == u'g' || n == u'k')
                return refuse(u"a back-reference"_s);
            i += 1;
            last = Atom::Simple;
            continue;
        }
        if (c == u'[') {
            // Skip the character class; ']' right after '[' or '[^' is a literal.
            qsizetype j = i + 1;
            if (j < pattern.size() && pattern.at(j) == u'^')
                ++j;
            if (j < pattern.size() && pattern.at(j) == u']')
                ++j;
            while (j < pattern.size() && pattern.at(j) != u']') {
                if (pattern.at(j) == u'\\')
                    ++j;
                ++j;
            }
            if (j >= pattern.size())
                return err(field, u"unterminated character class"_s);
            i = j;
            last = Atom::Simple;
            continue;
        }
        if (c == u'(') {
            const QStringView rest = QStringView(pattern).mid(i + 1);
            if (rest.startsWith(u'*'))
                return refuse(u"a PCRE verb \"(*...)\""_s);
            if (rest.startsWith(u'?')) {
                const QStringView q = rest.mid(1);
                if (q.startsWith(u'R') || (!q.isEmpty() && (q.at(0).isDigit() || q.at(0) == u'+' || q.at(0) == u'-'))
                    || q.startsWith(u'&') || q.startsWith(u"P>") || q.startsWith(u"P=") || q.startsWith(u'C')
                    || q.startsWith(u'('))
                    return refuse(u"recursion, a callout, a conditional or a named back-reference"_s);
            }
            stack.append(Frame{});
            last = Atom::None;
            if (rest.startsWith(u'?')) {
                // Skip the group's kind so its '?' is not read as a quantifier: (?: (?= (?! (?>
                // (?| (?<= (?<! (?<name> (?P<name> (?'name' and inline flags such as (?i: or (?i).
                qsizetype j = i + 2;
                const QChar k = j < pattern.size() ? pattern.at(j) : QChar();
                if (k == u':' || k == u'=' || k == u'!' || k == u'>' || k == u'|') {
                    j += 1;
                } else if (k == u'<' && j + 1 < pattern.size() && (pattern.at(j + 1) == u'=' || pattern.at(j + 1) == u'!')) {
                    j += 2;
                } else if (k == u'<' || k == u'\'' || k == u'P') {
                    const QChar close = k == u'\'' ? u'\'' : u'>';
                    const qsizetype end = pattern.indexOf(close, j + 1);
                    if (end < 0)
                        return err(field, u"unterminated group name"_s);
                    j = end + 1;
                } else {
                    while (j < pattern.size() && (pattern.at(j).isLetter() || pattern.at(j) == u'-' || pattern.at(j) == u'^'))
                        ++j;
                    if (j < pattern.size() && pattern.at(j) == u':')
                        ++j;
                }
                i = j - 1;
            }
            continue;
        }
        if (c == u')') {
            if (stack.size() < 2)
                return err(field, u"unbalanced ')'"_s);
            lastGroup = stack.takeLast();
            // A group containing a quantifier makes its parent contain one too.
            if (lastGroup.quantified)
                stack.last().quantified = true;
            last = Atom::Group;
            continue;
        }
        if (c == u'|') {
            stack.last().alternation = true;
            last = Atom::None;
            continue;
        }
        bool isQuantifier = false;
        bool unbounded = false;
        qsizetype next = i + 1;
        if (c == u'*' || c == u'+') {
            isQuantifier = true;
            unbounded = true;
        } else if (c == u'?') {
            isQuantifier = true;
        } else if (c == u'{') {
            const qsizetype end = readBraceQuantifier(pattern, i, &unbounded);
            if (end > 0) {
                isQuantifier = true;
                next = end;
            }
        }
        if (isQuantifier) {
            if (last == Atom::Quantifier) {
                // A lazy '?' or possessive '+' after a quantifier modifies it.
                if (c == u'?' || c == u'+')
                    continue;
                return err(field, u"two quantifiers in a row"_s);
            }
            if (last == Atom::None)
                return err(field, u"a quantifier with nothing to repeat"_s);
            if (last == Atom::Group && unbounded && (lastGroup.quantified || lastGroup.alternation))
                return err(field, u"a repeated group that itself repeats or alternates (e.g. \"(a+)+\" or \"(a|aa)*\") "
                                  "can backtrack catastrophically; it is not allowed"_s);
            stack.last().quantified = true;
            last = Atom::Quantifier;
            i = next - 1;
            continue;
        }
        last = Atom::Simple;
    }
    if (stack.size() != 1)
        return err(field, u"unbalanced '('"_s);
    return {};
}

QString Transform::opName(Op op)
{
    for (const auto &[o, name] : kOpNames) {
        if (o == op)
            return QString(name);
    }
    return {};
}

Transform Transform::simple(Op op)
{
    Transform t;
    t.m_op = op;
    return t;
}

Result<Transform> Transform::affix(Op op, const QString &value)
{
    if (op != Op::Prefix && op != Op::Suffix && op != Op::StripPrefix && op != Op::StripSuffix)
        return err(u"op"_s, u"'%1' takes no text value"_s.arg(opName(op)));
    if (value.isEmpty())
        return err(u"value"_s, u"must not be empty"_s);
    if (value.size() > kMaxAffixLength)
        return err(u"value"_s, u"is longer than %1 characters"_s.arg(kMaxAffixLength));
    if (hasControlChars(value))
        return err(u"value"_s, u"must not contain control characters"_s);
    Transform t;
    t.m_op = op;
    t.m_value = value;
    return t;
}

Result<Transform> Transform::zeroPad(int width)
{
    if (width < 1 || width > kMaxPadWidth)
        return err(u"width"_s, u"%1 is outside 1..%2"_s.arg(width).arg(kMaxPadWidth));
    Transform t;
    t.m_op = Op::ZeroPad;
    t.m_width = width;
    return t;
}

Result<Transform> Transform::dateFormat(const QString &from, const QString &to)
{
    for (const auto &[key, format] : {std::pair{u"from"_s, from}, std::pair{u"to"_s, to}}) {
        if (format.trimmed().isEmpty())
            return err(key, u"must not be empty"_s);
        if (format.size() > kMaxDateFormatLength)
            return err(key, u"is longer than %1 characters"_s.arg(kMaxDateFormatLength));
        if (hasControlChars(format))
            return err(key, u"must not contain control characters"_s);
    }
    // Qt accepts any text as a format, so a format is tried on two sample moments: "from" must
    // read back the day it wrote, "to" must write something that depends on the date.
    const QDateTime a(QDate(2031, 11, 23), QTime(21, 47, 58), Qt::UTC);
    const QDateTime b(QDate(2032, 2, 4), QTime(8, 5, 6), Qt::UTC);
    const QDateTime back = QDateTime::fromString(a.toString(from), from);
    if (!back.isValid() || back.date().month() != a.date().month() || back.date().day() != a.date().day())
        return err(u"from"_s, u"'%1' is not a Qt date format that reads a day and month (e.g. \"M/d/yyyy\", "
                              "\"yyyy-MM-dd\")"_s.arg(from));
    if (a.toString(to) == b.toString(to))
        return err(u"to"_s, u"'%1' writes no date or time field (Qt date format, e.g. \"yyyy-MM-dd\")"_s.arg(to));
    Transform t;
    t.m_op = Op::DateFormat;
    t.m_value = from;
    t.m_to = to;
    return t;
}

Result<Transform> Transform::regexExtract(const QString &pattern, int group)
{
    if (Status s = checkRegexSafety(pattern, u"pattern"_s); !s)
        return s.error();
    // The verb lowers PCRE's match limit for this pattern only: a slow match then fails
    // quickly instead of running for minutes. The safety check refuses user verbs.
    QRegularExpression re(u"(*LIMIT_MATCH=%1)"_s.arg(kRegexMatchLimit) + pattern);
    if (!re.isValid())
        return err(u"pattern"_s, u"is not a valid regular expression: %1"_s.arg(re.errorString()));
    if (group < 0 || group > re.captureCount())
        return err(u"group"_s, u"the pattern has %1 capture group(s); group %2 does not exist"_s
                                   .arg(re.captureCount()).arg(group));
    re.optimize();
    Transform t;
    t.m_op = Op::RegexExtract;
    t.m_value = pattern;
    t.m_group = group;
    t.m_regex = re;
    return t;
}

Result<Transform> Transform::mapLookup(const QMap<QString, QString> &table, OnMissing onMissing,
                                       const QString &defaultValue)
{
    if (table.isEmpty())
        return err(u"table"_s, u"must have at least one entry"_s);
    if (table.size() > kMaxTableSize)
        return err(u"table"_s, u"has more than %1 entries"_s.arg(kMaxTableSize));
    for (auto it = table.begin(); it != table.end(); ++it) {
        if (it.key().isEmpty())
            return err(u"table"_s, u"a key is empty"_s);
    }
    if (onMissing != OnMissing::Default && !defaultValue.isEmpty())
        return err(u"default"_s, u"is only used with \"onMissing\": \"default\""_s);
    Transform t;
    t.m_op = Op::MapLookup;
    t.m_table = table;
    t.m_onMissing = onMissing;
    t.m_value = defaultValue;
    return t;
}

Result<Transform> Transform::moneyFormat(const QString &currencyCode, bool withCode)
{
    if (!Currency::fromCode(currencyCode))
        return err(u"currency"_s, u"'%1' is not a known ISO 4217 currency"_s.arg(currencyCode));
    Transform t;
    t.m_op = Op::MoneyFormat;
    t.m_value = currencyCode;
    t.m_withCode = withCode;
    return t;
}

Result<Transform> Transform::fromJson(const QJsonValue &json, const QString &path)
{
    if (!json.isObject())
        return err(path, u"a transform must be an object"_s);
    const QJsonObject o = json.toObject();
    const QJsonValue opValue = o.value("op"_L1);
    if (!opValue.isString())
        return err(join(path, "op"_L1), u"is required and must be a string"_s);
    std::optional<Op> op;
    for (const auto &[e, name] : kOpNames) {
        if (opValue.toString() == name)
            op = e;
    }
    if (!op)
        return err(join(path, "op"_L1), u"'%1' is not a transform (copy, uppercase, lowercase, trim, prefix, "
                                         "suffix, stripPrefix, stripSuffix, zeroPad, dateFormat, regexExtract, "
                                         "mapLookup, moneyFormat)"_s.arg(opValue.toString()));

    // Errors from the builders name the option; prefix them with this transform's path.
    const auto located = [&](Result<Transform> r) -> Result<Transform> {
        if (r)
            return r;
        Error e = r.error();
        e.field = path.isEmpty() ? e.field : path + u'.' + e.field;
        return e;
    };
    const auto stringOption = [&](QLatin1StringView key, QString *out) -> Status {
        const QJsonValue v = o.value(key);
        if (!v.isString())
            return err(join(path, key), u"is required and must be a string"_s);
        *out = v.toString();
        return {};
    };

    switch (*op) {
    case Op::Copy:
    case Op::Uppercase:
    case Op::Lowercase:
    case Op::Trim:
        if (Status s = onlyKeys(o, {"op"_L1}, path); !s)
            return s.error();
        return simple(*op);
    case Op::Prefix:
    case Op::Suffix:
    case Op::StripPrefix:
    case Op::StripSuffix: {
        if (Status s = onlyKeys(o, {"op"_L1, "value"_L1}, path); !s)
            return s.error();
        QString value;
        if (Status s = stringOption("value"_L1, &value); !s)
            return s.error();
        return located(affix(*op, value));
    }
    case Op::ZeroPad: {
        if (Status s = onlyKeys(o, {"op"_L1, "width"_L1}, path); !s)
            return s.error();
        const QJsonValue w = o.value("width"_L1);
        if (!w.isDouble() || w.toDouble() != static_cast<double>(w.toInt()))
            return err(join(path, "width"_L1), u"is required and must be a whole number"_s);
        return located(zeroPad(w.toInt()));
    }
    case Op::DateFormat: {
        if (Status s = onlyKeys(o, {"op"_L1, "from"_L1, "to"_L1}, path); !s)
            return s.error();
        QString from, to;
        if (Status s = stringOption("from"_L1, &from); !s)
            return s.error();
        if (Status s = stringOption("to"_L1, &to); !s)
            return s.error();
        return located(dateFormat(from, to));
    }
    case Op::RegexExtract: {
        if (Status s = onlyKeys(o, {"op"_L1, "pattern"_L1, "group"_L1}, path); !s)
            return s.error();
        QString pattern;
        if (Status s = stringOption("pattern"_L1, &pattern); !s)
            return s.error();
        int group = 1;
        if (o.contains("group"_L1)) {
            const QJsonValue g = o.value("group"_L1);
            if (!g.isDouble() || g.toDouble() != static_cast<double>(g.toInt()))
                return err(join(path, "group"_L1), u"must be a whole number"_s);
            group = g.toInt();
        }
        return located(regexExtract(pattern, group));
    }
    case Op::MapLookup: {
        if (Status s = onlyKeys(o, {"op"_L1, "table"_L1, "onMissing"_L1, "default"_L1}, path); !s)
            return s.error();
        const QJsonValue tv = o.value("table"_L1);
        if (!tv.isObject())
            return err(join(path, "table"_L1), u"is required and must be an object of strings"_s);
        QMap<QString, QString> table;
        const QJsonObject to = tv.toObject();
        for (auto it = to.begin(); it != to.end(); ++it) {
            if (!it.value().isString())
                return err(join(path, "table"_L1) + u'.' + it.key(), u"must be a string"_s);
            table.insert(it.key(), it.value().toString());
        }
        OnMissing onMissing = OnMissing::Error;
        if (o.contains("onMissing"_L1)) {
            const QString name = o.value("onMissing"_L1).toString();
            bool found = false;
            for (const auto &[e, n] : kOnMissingNames) {
                if (name == n) {
                    onMissing = e;
                    found = true;
                }
            }
            if (!found)
                return err(join(path, "onMissing"_L1), u"must be \"error\", \"keep\" or \"default\""_s);
        }
        QString def;
        if (onMissing == OnMissing::Default) {
            if (Status s = stringOption("default"_L1, &def); !s)
                return s.error();
        } else if (o.contains("default"_L1)) {
            return err(join(path, "default"_L1), u"is only used with \"onMissing\": \"default\""_s);
        }
        return located(mapLookup(table, onMissing, def));
    }
    case Op::MoneyFormat: {
        if (Status s = onlyKeys(o, {"op"_L1, "currency"_L1, "withCode"_L1}, path); !s)
            return s.error();
        QString code;
        if (Status s = stringOption("currency"_L1, &code); !s)
            return s.error();
        bool withCode = false;
        if (o.contains("withCode"_L1)) {
            if (!o.value("withCode"_L1).isBool())
                return err(join(path, "withCode"_L1), u"must be true or false"_s);
            withCode = o.value("withCode"_L1).toBool();
        }
        return located(moneyFormat(code, withCode));
    }
    }
    return err(join(path, "op"_L1), u"unsupported"_s);
}

QJsonObject Transform::toJson() const
{
    QJsonObject o{{u"op"_s, opName(m_op)}};
    switch (m_op) {
    case Op::Copy:
    case Op::Uppercase:
    case Op::Lowercase:
    case Op::Trim:
        break;
    case Op::Prefix:
    case Op::Suffix:
    case Op::StripPrefix:
    case Op::StripSuffix:
        o.insert(u"value"_s, m_value);
        break;
    case Op::ZeroPad:
        o.insert(u"width"_s, m_width);
        break;
    case Op::DateFormat:
        o.insert(u"from"_s, m_value);
        o.insert(u"to"_s, m_to);
        break;
    case Op::RegexExtract:
        o.insert(u"pattern"_s, m_value);
        o.insert(u"group"_s, m_group);
        break;
    case Op::MapLookup: {
        QJsonObject table;
        for (auto it = m_table.begin(); it != m_table.end(); ++it)
            table.insert(it.key(), it.value());
        o.insert(u"table"_s, table);
        for (const auto &[e, n] : kOnMissingNames) {
            if (e == m_onMissing)
                o.insert(u"onMissing"_s, QString(n));
        }
        if (m_onMissing == OnMissing::Default)
            o.insert(u"default"_s, m_value);
        break;
    }
    case Op::MoneyFormat:
        o.insert(u"currency"_s, m_value);
        o.insert(u"withCode"_s, m_withCode);
        break;
    }
    return o;
}

Result<QString> Transform::apply(QStringView input) const
{
    switch (m_op) {
    case Op::Copy:
        return input.toString();
    case Op::Uppercase:
        return input.toString().toUpper();
    case Op::Lowercase:
        return input.toString().toLower();
    case Op::Trim:
        return input.trimmed().toString();
    case Op::Prefix:
        return QString(m_value + input);
    case Op::Suffix:
        return QString(input + m_value);
    case Op::StripPrefix:
        return (input.startsWith(m_value) ? input.mid(m_value.size()) : input).toString();
    case Op::StripSuffix:
        return (input.endsWith(m_value) ? input.chopped(m_value.size()) : input).toString();
    case Op::ZeroPad: {
        // Only numbers written without their zeros are padded: "A12" padded to "000A12" would be
        // a key nobody wrote, and "00000013" was written padded, so a digit is missing (padding
        // it again would name another order).
        bool digits = !input.isEmpty() && input.front() != u'0';
        for (QChar c : input)
            digits = digits && c >= u'0' && c <= u'9';
        if (!digits || input.size() >= m_width)
            return input.toString();
        return QString(QString(m_width - input.size(), u'0') + input);
    }
    case Op::DateFormat: {
        if (input.size() > kMaxRegexInput)
            return makeError(u"mapping.transform.input"_s, {},
                             u"dateFormat: the input is longer than %1 characters"_s.arg(kMaxRegexInput));
        QDateTime when = QDateTime::fromString(input.toString(), m_value);
        if (!when.isValid())
            return makeError(u"mapping.transform.nomatch"_s, {},
                             u"dateFormat: '%1' is not a date in the format '%2'"_s.arg(input.toString(), m_value));
        // Read and written as the same wall-clock time, whatever the machine's zone.
        when.setTimeSpec(Qt::UTC);
        return when.toString(m_to);
    }
    case Op::RegexExtract: {
        if (input.size() > kMaxRegexInput)
            return makeError(u"mapping.transform.input"_s, {},
                             u"regexExtract: the input is longer than %1 characters"_s.arg(kMaxRegexInput));
        const QRegularExpressionMatch m = m_regex.match(input);
        // An invalid match here means PCRE gave up at the match limit.
        if (!m.isValid())
            return makeError(u"mapping.transform.limit"_s, {},
                             u"regexExtract: the pattern '%1' exceeded the match limit"_s.arg(m_value));
        if (!m.hasMatch())
            return makeError(u"mapping.transform.nomatch"_s, {},
                             u"regexExtract: '%1' does not match the pattern '%2'"_s.arg(input.toString(), m_value));
        return m.captured(m_group);
    }
    case Op::MapLookup: {
        const auto it = m_table.constFind(input.toString());
        if (it != m_table.constEnd())
            return it.value();
        switch (m_onMissing) {
        case OnMissing::Keep:
            return input.toString();
        case OnMissing::Default:
            return m_value;
        case OnMissing::Error:
            break;
        }
        return makeError(u"mapping.transform.nomatch"_s, {},
                         u"mapLookup: '%1' is not in the table"_s.arg(input.toString()));
    }
    case Op::MoneyFormat: {
        const auto currency = Currency::fromCode(m_value);
        if (!currency)
            return makeError(u"mapping.transform"_s, {}, u"moneyFormat: unknown currency"_s);
        Result<Money> m = Money::parse(input, *currency);
        if (!m)
            return makeError(u"mapping.transform.money"_s, {}, u"moneyFormat: "_s + m.error().message);
        return m_withCode ? m->toString() : m->toDecimalString();
    }
    }
    return makeError(u"mapping.transform"_s, {}, u"unsupported transform"_s);
}

bool operator==(const Transform &a, const Transform &b)
{
    return a.m_op == b.m_op && a.m_value == b.m_value && a.m_group == b.m_group && a.m_table == b.m_table
        && a.m_onMissing == b.m_onMissing && a.m_withCode == b.m_withCode && a.m_width == b.m_width
        && a.m_to == b.m_to;
}

Result<TransformChain> TransformChain::fromJson(const QJsonValue &json, const QString &path)
{
    if (!json.isArray())
        return err(path, u"must be an array of transforms"_s);
    const QJsonArray a = json.toArray();
    if (a.size() > kMaxSteps)
        return err(path, u"has more than %1 steps"_s.arg(kMaxSteps));
    TransformChain chain;
    for (qsizetype i = 0; i < a.size(); ++i) {
        Result<Transform> t = Transform::fromJson(a.at(i), path + u'[' + QString::number(i) + u']');
        if (!t)
            return t.error();
        chain.append(*t);
    }
    return chain;
}

QJsonArray TransformChain::toJson() const
{
    QJsonArray a;
    for (const Transform &t : m_steps)
        a.append(t.toJson());
    return a;
}

Result<QString> TransformChain::apply(QStringView input) const
{
    QString value = input.toString();
    for (const Transform &t : m_steps) {
        Result<QString> r = t.apply(value);
        if (!r)
            return r;
        value = *r;
    }
    return value;
}

} // namespace pb::mapping
