#pragma once

#include "net/errorclass.h"

#include <QObject>

#include <functional>

namespace pb::net {

// How one attempt of an idempotent read ended, as far as admission and retries care.
struct ReadFeedback
{
    ErrorClass errorClass = ErrorClass::None; // None: the answer is good
    int retryAfterSeconds = -1;               // the server's Retry-After, or -1
    qint64 latencyMs = 0;                     // send to answer
};

// Admission and retries for idempotent reads to one host (order pages, export days, batch
// lists). The connectors stay free of policy: they describe one attempt, the gate decides when
// it may be sent (the host's rate limiter, shared with writes) and whether it is sent again.
class ReadGate
{
public:
    // Reports an attempt's end. Returns true when that answer is final (good, permanent, or
    // retries used up): the caller uses it. False: the gate sends the attempt again later and
    // the caller drops this answer.
    using Answered = std::function<bool(const ReadFeedback &)>;
    // Sends the request once and calls `answered` exactly once with how it went.
    using Attempt = std::function<void(const Answered &answered)>;

    virtual ~ReadGate() = default;
    // Runs `attempt` once the host admits it, and again while the gate retries. Nothing runs
    // after `context` is destroyed.
    virtual void run(QObject *context, Attempt attempt) = 0;
};

} // namespace pb::net
