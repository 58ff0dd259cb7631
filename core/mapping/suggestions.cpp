#include "mapping/suggestions.h"

#include <QLocale>
#include <QMap>
#include <QRegularExpression>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::mapping {

namespace {

// Values seen often enough to be a habit rather than a typo.
constexpr int kMaxAffixes = 3;
constexpr qsizetype kMaxAffixSeen = 8;
// Chains are first tried on a spread sample of this many values; only those that find an
// order there are measured on every value.
constexpr qsizetype kScreenSample = 4000;

bool cancelled(const std::atomic_bool *cancel)
{
    return cancel && cancel->load(std::memory_order_relaxed);
}

bool allDigits(QStringView s)
{
    if (s.isEmpty())
        return false;
    for (QChar c : s) {
        if (c < u'0' || c > u'9')
            return false;
    }
    return true;
}

bool hasLetter(QStringView s)
{
    for (QChar c : s) {
        if (c.isLetter())
            return true;
    }
    return false;
}

// The texts at least `min` values start (or end) with before (after) their digits, most
// common first.
QStringList commonAffixes(const QStringList &values, bool leading, int min)
{
    QHash<QString, int> seen;
    for (const QString &raw : values) {
        const QStringView v = QStringView(raw).trimmed();
        qsizetype n = 0;
        if (leading) {
            while (n < v.size() && !v.at(n).isDigit())
                ++n;
            if (n == 0 || n == v.size() || n > kMaxAffixSeen)
                continue;
            seen[v.first(n).toString()] += 1;
        } else {
            while (n < v.size() && !v.at(v.size() - 1 - n).isDigit())
                ++n;
            if (n == 0 || n == v.size() || n > kMaxAffixSeen)
                continue;
            seen[v.last(n).toString()] += 1;
        }
    }
    QList<std::pair<int, QString>> ranked;
    for (auto it = seen.begin(); it != seen.end(); ++it) {
        if (it.value() >= min)
            ranked.append({it.value(), it.key()});
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    QStringList out;
    for (const auto &[count, text] : ranked) {
        if (out.size() == kMaxAffixes)
            break;
        out.append(text);
    }
    return out;
}

// The most common length of the all-digit Magento values (0 when there are none).
int commonWidth(const QHash<QString, QStringList> &orderValues)
{
    QMap<int, int> widths;
    for (auto it = orderValues.begin(); it != orderValues.end(); ++it) {
        if (allDigits(it.key()))
            widths[int(it.key().size())] += 1;
    }
    int best = 0, bestCount = 0;
    for (auto it = widths.begin(); it != widths.end(); ++it) {
        if (it.value() > bestCount)
            best = it.key(), bestCount = it.value();
    }
    return best;
}

QString lookupKey(const PairSample &sample, const QString &key)
{
    if (sample.magentoField != "entity_id"_L1)
        return key;
    // As the Linker: an entity id is plain decimal text ("00000013" is no entity id).
    bool ok = false;
    const qint64 id = key.toLongLong(&ok);
    return ok && QString::number(id) == key ? key : QString();
}

QString quoted(const QString &s)
{
    return u'\'' + s + u'\'';
}

QString number(qint64 n)
{
    return QLocale(QLocale::English, QLocale::UnitedStates).toString(n);
}

struct Scored
{
    LinkSuggestion suggestion;
    int pair = 0;
    int order = 0; // generation order within the pair: simpler first
    qsizetype steps = 0;
};

// a ranks above b: the larger share, then the simpler chain.
bool better(const Scored &a, const Scored &b)
{
    const qint64 lhs = qint64(a.suggestion.matched) * qMax(1, b.suggestion.considered);
    const qint64 rhs = qint64(b.suggestion.matched) * qMax(1, a.suggestion.considered);
    if (lhs != rhs)
        return lhs > rhs;
    if (a.steps != b.steps)
        return a.steps < b.steps;
    if (a.pair != b.pair)
        return a.pair < b.pair;
    return a.order < b.order;
}

int countMatched(const PairSample &sample, const TransformChain &chain, const QStringList &values,
                 const std::atomic_bool *cancel)
{
    int matched = 0;
    for (qsizetype i = 0; i < values.size(); ++i) {
        if ((i & 1023) == 0 && cancelled(cancel))
            return matched;
        if (values.at(i).isEmpty())
            continue;
        const Result<QString> key = chain.apply(values.at(i));
        if (!key || key->isEmpty())
            continue;
        matched += sample.orderValues.value(lookupKey(sample, *key)).size() == 1 ? 1 : 0;
    }
    return matched;
}

} // namespace

QString describeChain(const TransformChain &chain)
{
    QStringList parts;
    for (const Transform &t : chain.steps()) {
        switch (t.op()) {
        case Transform::Op::Copy:
            break;
        case Transform::Op::Trim:
            parts.append(u"trimming spaces"_s);
            break;
        case Transform::Op::Uppercase:
            parts.append(u"upper-casing"_s);
            break;
        case Transform::Op::Lowercase:
            parts.append(u"lower-casing"_s);
            break;
        case Transform::Op::StripPrefix:
        case Transform::Op::StripSuffix:
            parts.append(u"stripping "_s + quoted(t.value()));
            break;
        case Transform::Op::ZeroPad:
            parts.append(u"zero-padding to %1 digits"_s.arg(t.width()));
            break;
        case Transform::Op::RegexExtract:
            parts.append(u"taking the digits"_s);
            break;
        default:
            parts.append(Transform::opName(t.op()));
            break;
        }
    }
    if (parts.isEmpty())
        return {};
    if (parts.size() == 1)
        return u"after "_s + parts.first();
    const QString last = parts.takeLast();
    return u"after "_s + parts.join(u", "_s) + u" and "_s + last;
}

QList<TransformChain> candidateChains(const PairSample &sample)
{
    QStringList present;
    bool letters = false;
    for (const QString &v : sample.values) {
        if (!v.isEmpty()) {
            present.append(v);
            letters = letters || hasLetter(v);
        }
    }
    const int min = qMax(2, int(present.size() / 100));
    const QStringList prefixes = commonAffixes(present, true, min);
    const QStringList suffixes = commonAffixes(present, false, min);
    const int width = commonWidth(sample.orderValues);

    QList<TransformChain> out;
    const auto add = [&](std::initializer_list<Result<Transform>> steps) {
        TransformChain chain;
        for (const Result<Transform> &t : steps) {
            if (!t)
                return; // an affix seen in the data that a transform refuses (e.g. a control character)
            chain.append(*t);
        }
        if (!out.contains(chain))
            out.append(chain);
    };
    const Result<Transform> trim = Transform::simple(Transform::Op::Trim);
    const Result<Transform> pad = width > 1 ? Transform::zeroPad(width) : Result<Transform>(Transform::simple(Transform::Op::Copy));
    add({});
    add({trim});
    if (letters) {
        add({trim, Transform::simple(Transform::Op::Uppercase)});
        add({trim, Transform::simple(Transform::Op::Lowercase)});
    }
    if (width > 1)
        add({trim, pad});
    for (const QString &p : prefixes) {
        add({trim, Transform::affix(Transform::Op::StripPrefix, p)});
        if (width > 1)
            add({trim, Transform::affix(Transform::Op::StripPrefix, p), pad});
    }
    for (const QString &s : suffixes) {
        add({trim, Transform::affix(Transform::Op::StripSuffix, s)});
        if (width > 1)
            add({trim, Transform::affix(Transform::Op::StripSuffix, s), pad});
    }
    const Result<Transform> digits = Transform::regexExtract(u"(\\d+)"_s, 1);
    add({trim, digits});
    if (width > 1)
        add({trim, digits, pad});
    std::stable_sort(out.begin(), out.end(), [](const TransformChain &a, const TransformChain &b) {
        return a.steps().size() < b.steps().size();
    });
    return out;
}

LinkSuggestion scoreChain(const PairSample &sample, const TransformChain &chain, const LinkFallback &fallback)
{
    LinkSuggestion s;
    s.key.paytraceField = sample.paytraceField;
    s.key.magentoField = sample.magentoField;
    s.key.transforms = chain;
    s.key.fallback = fallback;
    s.considered = int(sample.values.size());
    QStringList changed, plain;
    for (const QString &raw : sample.values) {
        if (raw.isEmpty())
            continue;
        const Result<QString> key = chain.apply(raw);
        if (!key || key->isEmpty())
            continue;
        const QStringList orders = sample.orderValues.value(lookupKey(sample, *key));
        if (orders.size() != 1)
            continue;
        ++s.matched;
        QStringList &into = raw != *key ? changed : plain;
        if (into.size() < 3)
            into.append(raw + u" → "_s + *key + u" → order "_s + orders.first());
    }
    s.examples = (changed + plain).mid(0, 3);
    const qint64 tenths = s.considered > 0 ? (qint64(s.matched) * 1000 + s.considered / 2) / s.considered : 0;
    const QString how = describeChain(chain);
    s.evidence = u"PayTrace %1%2 equals Magento %3 for %4.%5 % of %6 transactions (%7 find exactly one order)"_s
                     .arg(sample.paytraceField, how.isEmpty() ? QString() : u", "_s + how + u',',
                          sample.magentoField)
                     .arg(tenths / 10)
                     .arg(tenths % 10)
                     .arg(number(s.considered), number(s.matched));
    return s;
}

QList<LinkSuggestion> rankSuggestions(const QList<PairSample> &samples, const LinkFallback &fallback, int limit,
                                      const std::atomic_bool *cancel)
{
    QList<Scored> all;
    for (qsizetype p = 0; p < samples.size(); ++p) {
        const PairSample &sample = samples.at(p);
        if (sample.orderValues.isEmpty() || sample.values.isEmpty())
            continue;
        const QList<TransformChain> chains = candidateChains(sample);
        // A spread sample screens out chains that find nothing.
        QStringList screen;
        const qsizetype stride = qMax<qsizetype>(1, sample.values.size() / kScreenSample);
        for (qsizetype i = 0; i < sample.values.size(); i += stride)
            screen.append(sample.values.at(i));
        QList<Scored> pairScored;
        for (qsizetype c = 0; c < chains.size(); ++c) {
            if (cancelled(cancel))
                return {};
            if (countMatched(sample, chains.at(c), screen, cancel) == 0)
                continue;
            Scored s{scoreChain(sample, chains.at(c), fallback), int(p), int(c), chains.at(c).steps().size()};
            if (s.suggestion.matched == 0)
                continue;
            // A longer chain is worth showing only when it does better than every simpler one.
            bool beaten = false;
            for (const Scored &o : std::as_const(pairScored))
                beaten = beaten || (o.steps < s.steps && o.suggestion.matched >= s.suggestion.matched);
            if (!beaten)
                pairScored.append(s);
        }
        all += pairScored;
    }
    std::stable_sort(all.begin(), all.end(), better);
    QList<LinkSuggestion> out;
    for (const Scored &s : std::as_const(all)) {
        if (out.size() >= limit)
            break;
        out.append(s.suggestion);
    }
    return out;
}

} // namespace pb::mapping
