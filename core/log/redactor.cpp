#include "log/redactor.h"

#include <QRegularExpression>

#include <algorithm>
#include <array>
#include <vector>

namespace pb::log {

namespace {

bool isAsciiDigit(QChar c)
{
    return c.unicode() >= u'0' && c.unicode() <= u'9';
}

// ---- credentials ----------------------------------------------------------------------------

// Pre-filter: only lines mentioning one of these go through the key/value and header passes.
const QRegularExpression &credentialTrigger()
{
    static const QRegularExpression re(
        QStringLiteral("pass|secret|token|signature|authori|consumer|api.?key|private.?key|"
                       "credential|csc|cvv|cvc|encrypted|card|pan|pin|bearer|basic|://"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

// A key, optionally quoted (and optionally with JSON-escaped quotes, \"key\"), followed by ':' or
// '='. The value is located by hand afterwards because quoted values need escape-aware scanning.
// A key may follow an escaped line break (QDebug prints "a\nkey: v"), but never starts in the
// middle of a word or of an escape sequence.
const QRegularExpression &keyValuePattern()
{
    static const QRegularExpression re(QStringLiteral(
        R"((?:(?<=\\[nrt])|(?<![A-Za-z0-9_.%\[\]\-\\]))(\\*)(["']?)([A-Za-z0-9_%\[\]][A-Za-z0-9_.%\[\]\-]*)\1\2\s*[:=]\s*)"));
    return re;
}

const QRegularExpression &urlUserInfoPattern()
{
    static const QRegularExpression re(
        QStringLiteral(R"(\b([A-Za-z][A-Za-z0-9+.\-]*://)[^/\s@:"']*(?::[^/\s@"']*)?@)"));
    return re;
}

const QRegularExpression &bareSchemePattern()
{
    static const QRegularExpression re(
        QStringLiteral(R"(\b(Bearer|Basic)[ \t]+([A-Za-z0-9\-._~+/]+=*))"),
        QRegularExpression::CaseInsensitiveOption);
    return re;
}

// Authorization, Proxy-Authorization, X-Authorization, ...
bool isAuthorizationKey(QStringView key)
{
    return key.endsWith(u"authorization", Qt::CaseInsensitive);
}

bool isAuthScheme(QStringView word)
{
    static constexpr std::array<QStringView, 6> schemes{u"bearer", u"basic", u"oauth",
                                                        u"digest", u"negotiate", u"token"};
    for (QStringView s : schemes) {
        if (word.compare(s, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

// One character of the text seen through `level` layers of JSON string escaping: level 0 is the
// raw text, level 1 is what a JSON parser would see inside a quoted string, and so on.
struct Unit
{
    QChar c;
    qsizetype next = -1; // raw index after this unit; -1 at the end of the text
};

Unit unitAt(QStringView s, qsizetype pos, int level)
{
    if (pos >= s.size())
        return {};
    if (level == 0)
        return {s[pos], pos + 1};
    const Unit u = unitAt(s, pos, level - 1);
    if (u.next < 0 || u.c != u'\\')
        return u;
    return unitAt(s, u.next, level - 1);
}

// Raw index where the closing quote of a string starting at `pos` (just after its opening quote)
// begins, or -1 when the string is not terminated on this text.
qsizetype quotedEnd(QStringView s, qsizetype pos, int level, QChar quote)
{
    while (pos < s.size()) {
        const Unit u = unitAt(s, pos, level);
        if (u.next < 0)
            return -1;
        if (u.c == u'\\') {
            const Unit escaped = unitAt(s, u.next, level);
            if (escaped.next < 0)
                return -1;
            pos = escaped.next;
            continue;
        }
        if (u.c == quote)
            return pos;
        pos = u.next;
    }
    return -1;
}

qsizetype lineEnd(QStringView s, qsizetype pos)
{
    while (pos < s.size() && s[pos] != u'\n' && s[pos] != u'\r')
        ++pos;
    return pos;
}

// End of an unquoted header value: the end of the line, real or escaped ("\n" as QDebug prints
// a quoted string).
qsizetype headerValueEnd(QStringView s, qsizetype pos)
{
    for (; pos < s.size(); ++pos) {
        const QChar c = s[pos];
        if (c == u'\n' || c == u'\r')
            break;
        if (c == u'\\' && pos + 1 < s.size() && (s[pos + 1] == u'n' || s[pos + 1] == u'r'))
            break;
    }
    return pos;
}

bool endsUnquotedValue(QChar c)
{
    switch (c.unicode()) {
    case u'&': case u',': case u';': case u'}': case u']': case u')': case u'"': case u'\'':
    case u'\\': case u'<': case u'>': case u'#':
        return true;
    default:
        return c.isSpace();
    }
}

// Replacement for a value: keeps an authorization scheme word so the log still says how the
// request was authenticated.
QString maskedValue(QStringView key, QStringView value)
{
    if (isAuthorizationKey(key)) {
        const qsizetype space = value.indexOf(u' ');
        if (space > 0 && isAuthScheme(value.first(space)))
            return value.first(space) + QLatin1Char(' ') + Redactor::mask();
    }
    return QString(Redactor::mask());
}

QString redactKeyValues(const QString &text)
{
    const QStringView s(text);
    QString out;
    qsizetype copied = 0; // text before this index is already in `out`
    qsizetype from = 0;
    const QRegularExpression &re = keyValuePattern();
    while (from < s.size()) {
        const QRegularExpressionMatch m = re.match(text, from);
        if (!m.hasMatch())
            break;
        const QStringView key = m.capturedView(3);
        const qsizetype valueStart = m.capturedEnd(0);
        from = valueStart;
        if (!Redactor::isSensitiveKey(key) || valueStart >= s.size())
            continue;

        qsizetype contentStart = valueStart;
        qsizetype contentEnd = -1;
        qsizetype resume = -1;

        // Quoted value: count the backslashes in front of the quote to know how deeply the
        // JSON is escaped (0 -> "x", 1 -> \"x\", 3 -> \\\"x\\\").
        qsizetype q = valueStart;
        while (q < s.size() && s[q] == u'\\')
            ++q;
        const qsizetype slashes = q - valueStart;
        if (q < s.size() && (s[q] == u'"' || s[q] == u'\'') && (slashes == 0 || slashes == 1 || slashes == 3)) {
            const int level = slashes == 0 ? 0 : (slashes == 1 ? 1 : 2);
            contentStart = q + 1;
            const qsizetype close = quotedEnd(s, contentStart, level, s[q]);
            if (close < 0) {
                contentEnd = lineEnd(s, contentStart); // unterminated: take the rest of the line
                resume = contentEnd;
            } else {
                contentEnd = close;
                resume = close;
            }
        } else if (isAuthorizationKey(key)) {
            contentEnd = headerValueEnd(s, valueStart); // "Bearer x", "OAuth a=\"b\", ..."
            resume = contentEnd;
        } else {
            contentEnd = valueStart;
            while (contentEnd < s.size() && !endsUnquotedValue(s[contentEnd]))
                ++contentEnd;
            resume = contentEnd;
            const QStringView literal = s.sliced(valueStart, contentEnd - valueStart);
            if (literal == u"null" || literal == u"true" || literal == u"false")
                continue; // says nothing about the secret, and keeps "token": null readable
        }
        if (contentEnd <= contentStart)
            continue;

        out += s.sliced(copied, contentStart - copied);
        out += maskedValue(key, s.sliced(contentStart, contentEnd - contentStart));
        copied = contentEnd;
        from = resume;
    }
    if (copied == 0)
        return text;
    out += s.sliced(copied);
    return out;
}

QString redactUrlUserInfo(const QString &text)
{
    QString out;
    qsizetype copied = 0;
    QRegularExpressionMatchIterator it = urlUserInfoPattern().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        out += QStringView(text).sliced(copied, m.capturedEnd(1) - copied);
        out += Redactor::mask() + QLatin1Char('@');
        copied = m.capturedEnd(0);
    }
    if (copied == 0)
        return text;
    out += QStringView(text).sliced(copied);
    return out;
}

bool looksLikeBasicCredentials(QStringView token)
{
    // "Basic" is also an English word; only treat what follows as credentials when it looks
    // like base64 rather than like a lower-case word ("basic settings").
    if (token.size() < 4)
        return false;
    for (QChar c : token) {
        if (isAsciiDigit(c) || c.isUpper() || c == u'+' || c == u'/' || c == u'=')
            return true;
    }
    return false;
}

QString redactBareSchemes(const QString &text)
{
    QString out;
    qsizetype copied = 0;
    QRegularExpressionMatchIterator it = bareSchemePattern().globalMatch(text);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        const bool basic = m.capturedView(1).compare(u"basic", Qt::CaseInsensitive) == 0;
        if (basic && !looksLikeBasicCredentials(m.capturedView(2)))
            continue;
        out += QStringView(text).sliced(copied, m.capturedStart(2) - copied);
        out += Redactor::mask();
        copied = m.capturedEnd(2);
    }
    if (copied == 0)
        return text;
    out += QStringView(text).sliced(copied);
    return out;
}

// ---- card numbers ---------------------------------------------------------------------------

struct DigitGroup
{
    qsizetype begin;
    qsizetype end; // exclusive
    qsizetype size() const { return end - begin; }
};

bool luhnOverGroups(QStringView s, const std::vector<DigitGroup> &groups, size_t first, size_t last)
{
    int sum = 0;
    bool doubleIt = false;
    for (size_t g = last + 1; g-- > first;) {
        for (qsizetype i = groups[g].end; i-- > groups[g].begin;) {
            int d = s[i].unicode() - u'0';
            if (doubleIt) {
                d *= 2;
                if (d > 9)
                    d -= 9;
            }
            sum += d;
            doubleIt = !doubleIt;
        }
    }
    return sum % 10 == 0;
}

// Finds digit runs (digits, optionally separated by single spaces or dashes) and masks the
// Luhn-valid 13-19 digit spans within them. Spans may only start and end at group boundaries,
// so "order 12 4111 1111 1111 1111" masks the card but not the 12, while a single ungrouped
// run of 25 digits (an id) is left alone.
QString maskCardNumbers(const QString &text)
{
    const QStringView s(text);
    QString out;
    bool changed = false;
    std::vector<DigitGroup> groups;
    qsizetype i = 0;
    while (i < s.size()) {
        if (!isAsciiDigit(s[i])) {
            ++i;
            continue;
        }
        groups.clear();
        qsizetype j = i;
        for (;;) {
            const qsizetype groupBegin = j;
            while (j < s.size() && isAsciiDigit(s[j]))
                ++j;
            groups.push_back({groupBegin, j});
            if (j + 1 < s.size() && (s[j] == u' ' || s[j] == u'-') && isAsciiDigit(s[j + 1])) {
                ++j;
                continue;
            }
            break;
        }
        const qsizetype runEnd = j;

        size_t g = 0;
        while (g < groups.size()) {
            qsizetype digits = 0;
            size_t best = groups.size();
            for (size_t h = g; h < groups.size(); ++h) {
                digits += groups[h].size();
                if (digits > 19)
                    break;
                if (digits >= 13 && luhnOverGroups(s, groups, g, h))
                    best = h; // keep the longest valid span
            }
            if (best == groups.size()) {
                ++g;
                continue;
            }
            if (!changed) {
                out = text;
                changed = true;
            }
            // Mask all digits of the span except the last four, keeping the separators.
            qsizetype keep = 4;
            for (size_t h = best + 1; h-- > g;) {
                for (qsizetype k = groups[h].end; k-- > groups[h].begin;) {
                    if (keep > 0)
                        --keep;
                    else
                        out[k] = u'*';
                }
            }
            g = best + 1;
        }
        i = runEnd;
    }
    return changed ? out : text;
}

qsizetype countDigits(QStringView s)
{
    qsizetype n = 0;
    for (QChar c : s)
        n += isAsciiDigit(c) ? 1 : 0;
    return n;
}

} // namespace

bool Redactor::isSensitiveKey(QStringView key)
{
    QString k = key.toString().toLower();
    k.replace(u'-', u'_');
    k.replace(QLatin1StringView("%5b"), QLatin1StringView("["));
    k.replace(QLatin1StringView("%5d"), QLatin1StringView("]"));

    static constexpr std::array<QStringView, 11> fragments{
        u"password", u"passwd",  u"passphrase",   u"secret",      u"token",     u"signature",
        u"authorization", u"api_key", u"apikey", u"consumer_key", u"private_key"};
    for (QStringView f : fragments) {
        if (k.contains(f))
            return true;
    }
    if (k.contains(u"credential"))
        return true;

    // The leaf of dotted or bracketed keys: credit_card.csc, credit_card[csc].
    QStringView leaf(k);
    while (!leaf.isEmpty() && (leaf.back() == u']' || leaf.back() == u'.'))
        leaf.chop(1);
    const qsizetype cut = std::max({leaf.lastIndexOf(u'.'), leaf.lastIndexOf(u'['), leaf.lastIndexOf(u']')});
    if (cut >= 0)
        leaf = leaf.sliced(cut + 1);
    static constexpr std::array<QStringView, 11> cardFields{
        u"csc", u"cvv", u"cvv2", u"cvc", u"cvc2", u"encrypted_csc", u"encrypted_number",
        u"card_number", u"cc_number", u"pan", u"pin"};
    for (QStringView f : cardFields) {
        if (leaf == f)
            return true;
    }
    return false;
}

bool Redactor::luhnValid(QStringView digits)
{
    if (digits.isEmpty())
        return false;
    for (QChar c : digits) {
        if (!isAsciiDigit(c))
            return false;
    }
    const std::vector<DigitGroup> one{{0, digits.size()}};
    return luhnOverGroups(digits, one, 0, 0);
}

QString Redactor::redact(const QString &text)
{
    QString out = text;
    if (credentialTrigger().match(out).hasMatch()) {
        out = redactUrlUserInfo(out);
        out = redactKeyValues(out);
        out = redactBareSchemes(out);
    }
    if (countDigits(out) >= 13)
        out = maskCardNumbers(out);
    return out;
}

} // namespace pb::log
