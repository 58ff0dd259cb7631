#include "intents/retrypolicy.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::intents {

namespace {

RetryDecision deadLetter(net::ErrorClass c, QString code, QString reason)
{
    RetryDecision d;
    d.kind = RetryDecision::Kind::DeadLetter;
    d.errorClass = c;
    d.reasonCode = std::move(code);
    d.reason = std::move(reason);
    return d;
}

QRandomGenerator seedWords(quint64 seed)
{
    const quint32 words[2] = {quint32(seed), quint32(seed >> 32)};
    return QRandomGenerator(words);
}

} // namespace

RetryPolicy::RetryPolicy(const Clock &clock, RetryPolicyConfig config)
    : m_clock(clock), m_config(config), m_rng(QRandomGenerator::securelySeeded())
{
}

RetryPolicy::RetryPolicy(const Clock &clock, RetryPolicyConfig config, quint64 seed)
    : m_clock(clock), m_config(config), m_rng(seedWords(seed))
{
}

qint64 RetryPolicy::backoffCeilingMs(const BackoffRule &rule, int attemptsSoFar)
{
    const qint64 base = std::max<qint64>(0, rule.baseMs);
    const qint64 cap = std::max<qint64>(0, rule.capMs);
    const int exponent = std::max(0, attemptsSoFar - 1);
    // Doubling saturates at the cap; stepping avoids overflow of base · 2^exponent.
    qint64 ceiling = std::min(base, cap);
    for (int i = 0; i < exponent && ceiling > 0 && ceiling < cap; ++i)
        ceiling = std::min(cap, ceiling * 2);
    return ceiling;
}

RetryDecision RetryPolicy::decide(net::ErrorClass errorClass, int attemptsSoFar,
                                  std::optional<int> retryAfterSeconds) const
{
    using net::ErrorClass;
    switch (errorClass) {
    case ErrorClass::Transient:
        return retryOrGiveUp(errorClass, m_config.transient, attemptsSoFar, retryAfterSeconds);
    case ErrorClass::RateLimited:
        return retryOrGiveUp(errorClass, m_config.rateLimited, attemptsSoFar, retryAfterSeconds);
    case ErrorClass::Permanent:
        return deadLetter(errorClass, u"retry.permanent"_s,
                          u"the request was refused as it stands (validation or decline); "
                          "sending it again would not change the answer"_s);
    case ErrorClass::Auth:
        return deadLetter(errorClass, u"retry.auth"_s,
                          u"the credentials or permissions were refused after re-authenticating; "
                          "a person must fix the connection"_s);
    case ErrorClass::Tls:
        return deadLetter(errorClass, u"retry.tls"_s,
                          u"the TLS connection or certificate was refused; not retried automatically"_s);
    case ErrorClass::InDoubt: {
        RetryDecision d;
        d.kind = RetryDecision::Kind::InDoubt;
        d.errorClass = errorClass;
        d.reason = u"the effect of the request is unknown; it is looked up before anything is sent again"_s;
        return d;
    }
    case ErrorClass::None:
        break;
    }
    return deadLetter(errorClass, u"retry.no_error"_s,
                      u"asked to retry a call that did not fail; stopping instead of repeating it"_s);
}

RetryDecision RetryPolicy::retryOrGiveUp(net::ErrorClass errorClass, const BackoffRule &rule,
                                         int attemptsSoFar,
                                         std::optional<int> retryAfterSeconds) const
{
    const int attempts = std::max(1, attemptsSoFar);
    if (attempts >= rule.maxAttempts)
        return deadLetter(errorClass, u"retry.exhausted"_s,
                          u"gave up after "_s + QString::number(attempts) + u" attempts ("_s
                              + net::errorClassName(errorClass) + u" errors)"_s);

    const qint64 ceiling = backoffCeilingMs(rule, attempts);
    const qint64 jitter = ceiling > 0 ? qint64(m_rng.bounded(quint64(ceiling) + 1)) : 0;

    qint64 delay = jitter;
    if (retryAfterSeconds && *retryAfterSeconds >= 0) {
        const qint64 asked = qint64(*retryAfterSeconds) * 1000;
        if (asked > m_config.maxRetryAfterMs)
            return deadLetter(errorClass, u"retry.retry_after_too_long"_s,
                              u"the server asked to wait "_s + QString::number(*retryAfterSeconds)
                                  + u" s, longer than the "_s
                                  + QString::number(m_config.maxRetryAfterMs / 1000)
                                  + u" s this policy waits"_s);
        delay = std::max(asked, std::min(asked + jitter, m_config.maxRetryAfterMs));
    }

    RetryDecision d;
    d.kind = RetryDecision::Kind::RetryAt;
    d.errorClass = errorClass;
    d.delayMs = delay;
    d.at = m_clock.nowUtc().addMSecs(delay);
    d.reason = u"retry "_s + QString::number(attempts + 1) + u" in "_s + QString::number(delay)
        + u" ms ("_s + net::errorClassName(errorClass) + u')';
    return d;
}

} // namespace pb::intents
