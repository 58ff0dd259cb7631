#pragma once

#include "net/httptypes.h"

#include <QDateTime>
#include <QString>

#include <optional>

namespace pb::net {

// The one vocabulary for "what now?" after a call. Retry policy, intents and the UI decide on
// this, never on status codes or texts.
enum class ErrorClass {
    None,        // success
    Transient,   // network failure, timeout before the request was sent, 5xx, 408: retry later
    RateLimited, // 429: retry after retryAfterSeconds (or the policy's backoff when absent)
    Auth,        // 401/403: credentials or permissions; a person must act (after one re-auth)
    Permanent,   // other 4xx, redirects: the request itself is wrong; retrying will not help
    InDoubt,     // a write whose effect is unknown: the answer was lost after the request was sent
    Tls          // TLS policy or certificate refused; never retried automatically
};

struct Classification
{
    ErrorClass errorClass = ErrorClass::None;
    int retryAfterSeconds = -1; // from Retry-After; -1 when absent or unparsable
};

// Classifies one finished call. nowUtc is used to turn an HTTP-date Retry-After into seconds.
Classification classify(const HttpResponse &response,
                        const QDateTime &nowUtc = QDateTime::currentDateTimeUtc());

// The decision table itself, for callers (and tests) without a full response.
Classification classify(NetworkError error, int httpStatus, bool requestSent, Effect effect,
                        QByteArrayView retryAfter, const QDateTime &nowUtc);

// Retry-After as delta-seconds ("120") or HTTP-date (IMF-fixdate, RFC 850, asctime).
// A date in the past gives 0. Anything else gives nullopt.
std::optional<int> parseRetryAfter(QByteArrayView value, const QDateTime &nowUtc);

// "none", "transient", "rate_limited", "auth", "permanent", "in_doubt", "tls" (stable, stored).
QString errorClassName(ErrorClass c);
QString networkErrorName(NetworkError e);

} // namespace pb::net
