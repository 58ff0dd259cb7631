#include "faults.h"

#include "simutil.h"

#include <QJsonValue>
#include <QMutexLocker>

#include <cmath>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

struct KindName
{
    FaultKind kind;
    QStringView name;
};

constexpr KindName kKindNames[] = {
    {FaultKind::Latency, u"latency"},   {FaultKind::Timeout, u"timeout"},
    {FaultKind::Reset, u"reset"},       {FaultKind::Http500, u"http500"},
    {FaultKind::Http502, u"http502"},   {FaultKind::Http503, u"http503"},
    {FaultKind::Http429, u"http429"},   {FaultKind::Truncate, u"truncate"},
    {FaultKind::Malformed, u"malformed"}, {FaultKind::ResetAfter, u"reset_after"},
    {FaultKind::LateEffect, u"late_effect"},
};

} // namespace

QString faultKindName(FaultKind kind)
{
    for (const auto &k : kKindNames) {
        if (k.kind == kind)
            return k.name.toString();
    }
    return {};
}

std::optional<FaultKind> faultKindFromName(QStringView name)
{
    for (const auto &k : kKindNames) {
        if (k.name.compare(name, Qt::CaseInsensitive) == 0)
            return k.kind;
    }
    // Accept the bare status codes too: "500", "429".
    if (name == u"500") return FaultKind::Http500;
    if (name == u"502") return FaultKind::Http502;
    if (name == u"503") return FaultKind::Http503;
    if (name == u"429") return FaultKind::Http429;
    return std::nullopt;
}

QJsonObject FaultRule::toJson() const
{
    QJsonObject o;
    o[u"id"_s] = id;
    o[u"path"_s] = path;
    if (!method.isEmpty())
        o[u"method"_s] = method;
    o[u"kind"_s] = faultKindName(kind);
    o[u"probability"_s] = probability;
    o[u"latency_ms"_s] = latencyMs;
    o[u"retry_after"_s] = retryAfterSeconds;
    if (kind == FaultKind::LateEffect)
        o[u"delay_ms"_s] = delayMs;
    o[u"times"_s] = times;
    o[u"fired"_s] = qint64(fired);
    return o;
}

namespace {

bool readInt(const QJsonObject &json, const QString &name, int min, int max, int *out, QString *error)
{
    const QJsonValue v = json.value(name);
    if (v.isUndefined())
        return true;
    const double d = v.toDouble(-1e300);
    if (!v.isDouble() || d != std::floor(d) || d < min || d > max) {
        *error = u"\"%1\" must be an integer between %2 and %3"_s.arg(name).arg(min).arg(max);
        return false;
    }
    *out = int(d);
    return true;
}

} // namespace

std::optional<FaultRule> FaultRule::fromJson(const QJsonObject &json, QString *error)
{
    static const QStringList known = {u"id"_s, u"path"_s, u"method"_s, u"kind"_s,
                                      u"probability"_s, u"latency_ms"_s, u"retry_after"_s,
                                      u"delay_ms"_s, u"times"_s, u"fired"_s};
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (!known.contains(it.key())) {
            *error = u"unknown fault rule field \"%1\""_s.arg(it.key());
            return std::nullopt;
        }
    }
    FaultRule rule;
    const QJsonValue kind = json.value(u"kind"_s);
    const auto parsedKind = kind.isString() ? faultKindFromName(kind.toString()) : std::nullopt;
    if (!parsedKind) {
        *error = u"\"kind\" must be one of latency, timeout, reset, reset_after, http500, http502, "
                 "http503, http429, truncate, malformed, late_effect"_s;
        return std::nullopt;
    }
    rule.kind = *parsedKind;
    if (json.contains(u"id"_s)) {
        if (!json.value(u"id"_s).isString()) {
            *error = u"\"id\" must be a string"_s;
            return std::nullopt;
        }
        rule.id = json.value(u"id"_s).toString();
    }
    if (json.contains(u"path"_s)) {
        const QJsonValue p = json.value(u"path"_s);
        if (!p.isString() || p.toString().isEmpty()) {
            *error = u"\"path\" must be a non-empty glob string"_s;
            return std::nullopt;
        }
        rule.path = p.toString();
    }
    if (json.contains(u"method"_s)) {
        const QJsonValue m = json.value(u"method"_s);
        if (!m.isString()) {
            *error = u"\"method\" must be a string"_s;
            return std::nullopt;
        }
        rule.method = m.toString().toUpper();
    }
    if (json.contains(u"probability"_s)) {
        const QJsonValue p = json.value(u"probability"_s);
        if (!p.isDouble() || p.toDouble() < 0 || p.toDouble() > 1) {
            *error = u"\"probability\" must be a number from 0 to 1"_s;
            return std::nullopt;
        }
        rule.probability = p.toDouble();
    }
    if (!readInt(json, u"latency_ms"_s, 0, 600000, &rule.latencyMs, error)
        || !readInt(json, u"retry_after"_s, 0, 86400, &rule.retryAfterSeconds, error)
        || !readInt(json, u"times"_s, -1, 1000000000, &rule.times, error))
        return std::nullopt;
    if (rule.kind == FaultKind::Latency && rule.latencyMs == 0) {
        *error = u"a latency rule needs \"latency_ms\" > 0"_s;
        return std::nullopt;
    }
    if (rule.kind == FaultKind::LateEffect) {
        if (!json.contains(u"delay_ms"_s)) {
            *error = u"a late_effect rule needs \"delay_ms\" (an integer between 1 and 600000)"_s;
            return std::nullopt;
        }
        if (!readInt(json, u"delay_ms"_s, 1, 600000, &rule.delayMs, error))
            return std::nullopt;
    } else if (json.contains(u"delay_ms"_s)) {
        *error = u"\"delay_ms\" applies only to kind late_effect (use \"latency_ms\" to delay an answer)"_s;
        return std::nullopt;
    }
    return rule;
}

FaultInjector::FaultInjector(quint64 seed) : m_engine(seed ^ 0x5eedfa17ULL) {}

QString FaultInjector::add(FaultRule rule)
{
    QMutexLocker lock(&m_mutex);
    if (rule.id.isEmpty())
        rule.id = u"f%1"_s.arg(m_nextId++);
    for (qsizetype i = 0; i < m_rules.size(); ++i) {
        if (m_rules[i].id == rule.id) {
            m_rules[i] = rule; // same id replaces
            return rule.id;
        }
    }
    m_rules.append(rule);
    return rule.id;
}

bool FaultInjector::remove(const QString &id)
{
    QMutexLocker lock(&m_mutex);
    for (qsizetype i = 0; i < m_rules.size(); ++i) {
        if (m_rules[i].id == id) {
            m_rules.removeAt(i);
            return true;
        }
    }
    return false;
}

void FaultInjector::clear()
{
    QMutexLocker lock(&m_mutex);
    m_rules.clear();
}

QList<FaultRule> FaultInjector::rules() const
{
    QMutexLocker lock(&m_mutex);
    return m_rules;
}

std::optional<FaultRule> FaultInjector::pick(QByteArrayView method, QByteArrayView path)
{
    QMutexLocker lock(&m_mutex);
    for (FaultRule &rule : m_rules) {
        if (rule.times == 0)
            continue;
        if (!rule.method.isEmpty() && rule.method.toLatin1() != method)
            continue;
        if (!globMatch(rule.path.toUtf8(), path))
            continue;
        if (rule.probability < 1.0) {
            // 53 random bits -> uniform double in [0, 1).
            const double roll = double(m_engine() >> 11) * (1.0 / 9007199254740992.0);
            if (roll >= rule.probability)
                continue;
        }
        if (rule.times > 0)
            --rule.times;
        ++rule.fired;
        return rule;
    }
    return std::nullopt;
}

QJsonObject RateLimit::toJson() const
{
    QJsonObject o;
    o[u"rate"_s] = ratePerSecond;
    o[u"burst"_s] = burst;
    return o;
}

std::optional<RateLimit> RateLimit::fromJson(const QJsonObject &json, QString *error)
{
    RateLimit limit;
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (it.key() != u"rate" && it.key() != u"burst") {
            *error = u"unknown rate limit field \"%1\""_s.arg(it.key());
            return std::nullopt;
        }
    }
    const QJsonValue rate = json.value(u"rate"_s);
    if (!rate.isDouble() || rate.toDouble() < 0) {
        *error = u"\"rate\" must be a number >= 0 (requests per second, 0 = off)"_s;
        return std::nullopt;
    }
    limit.ratePerSecond = rate.toDouble();
    const QJsonValue burst = json.value(u"burst"_s);
    if (burst.isUndefined()) {
        limit.burst = std::max(1.0, limit.ratePerSecond);
    } else if (!burst.isDouble() || burst.toDouble() < 1) {
        *error = u"\"burst\" must be a number >= 1"_s;
        return std::nullopt;
    } else {
        limit.burst = burst.toDouble();
    }
    return limit;
}

RateLimiter::RateLimiter()
{
    m_timer.start();
}

void RateLimiter::configure(const RateLimit &limit)
{
    QMutexLocker lock(&m_mutex);
    m_limit = limit;
    if (m_limit.enabled() && m_limit.burst < 1)
        m_limit.burst = 1;
    m_tokens = m_limit.burst;
    m_lastNs = m_timer.nsecsElapsed();
}

RateLimit RateLimiter::config() const
{
    QMutexLocker lock(&m_mutex);
    return m_limit;
}

bool RateLimiter::tryAcquire(int *retryAfterSeconds)
{
    QMutexLocker lock(&m_mutex);
    if (!m_limit.enabled())
        return true;
    // Real (monotonic) time, not sandbox time: moving the sandbox clock must not refill buckets.
    const qint64 now = m_timer.nsecsElapsed();
    m_tokens = std::min(m_limit.burst, m_tokens + double(now - m_lastNs) * 1e-9 * m_limit.ratePerSecond);
    m_lastNs = now;
    if (m_tokens >= 1.0) {
        m_tokens -= 1.0;
        return true;
    }
    ++m_refused;
    const double wait = (1.0 - m_tokens) / m_limit.ratePerSecond;
    *retryAfterSeconds = std::max(1, int(std::ceil(wait)));
    return false;
}

quint64 RateLimiter::refusedCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_refused;
}

} // namespace pb::sandbox
