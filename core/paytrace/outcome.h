#pragma once

#include "net/errorclass.h"
#include "util/result.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pb::paytrace {

// One entry of the v1 `errors` map: a numeric code (kept as text) and its messages.
struct ErrorEntry
{
    QString code;
    QStringList messages;
    friend bool operator==(const ErrorEntry &, const ErrorEntry &) = default;
};

// The common v1 response shape (docs/paytrace.md §4.1). Every field but `success` is optional;
// absent texts are empty.
struct Response
{
    bool success = false;
    std::optional<int> responseCode;
    QString statusMessage;
    QList<ErrorEntry> errors;      // in the order PayTrace sent them
    QString transactionId;         // number or string in the body; kept as text
    QString approvalCode;
    QString approvalMessage;       // processor text as sent (padding kept)
    QString avsResponse;
    QString cscResponse;
    QString externalTransactionId;
    QString maskedCardNumber;
    QString customerId;
    QString checkTransactionId;
    QString achCode;
    QString achMessage;
    QJsonObject discretionaryData;
    QJsonObject raw;               // the whole body, for call-specific fields (exports, batches)

    bool hasError(QStringView code) const;
};

// OAuth token (POST /oauth/token).
struct Token
{
    QString accessToken;     // never logged
    QString tokenType;       // "bearer"/"Bearer"
    qint64 expiresIn = 0;    // seconds
    std::optional<qint64> createdAt; // server epoch seconds, informational only
};

// The result of every PayTrace call, decided from success/response_code/errors in the body
// and, only where the body says nothing, from the transport (docs/paytrace.md §4.6).
struct Outcome
{
    enum class Kind {
        Approved,             // success (approved, captured, refunded, voided, created, exported, ...)
        Declined,             // not done by the processor/bank: processorText says why
        ValidationError,      // request refused: `errors` holds codes and messages
        AuthFailure,          // credentials, token or permissions (after the one re-auth)
        NotCapturable,        // error 816
        NotRefundableUseVoid, // error 817: not settled yet, void instead
        NotVoidableUseRefund, // error 818: already settled, refund instead
        RateLimited,          // 429: wait retryAfterSeconds (-1: unknown, use backoff)
        Transient,            // network, timeout before sending, 5xx, TLS refused: nothing happened
        InDoubt               // a write whose effect is unknown: look it up before sending again
    };

    Kind kind = Kind::Transient;
    int httpStatus = 0;
    std::optional<int> responseCode;
    QString statusMessage;
    QString processorText;          // approval_message / ach_message, trimmed
    QList<ErrorEntry> errors;
    int retryAfterSeconds = -1;
    QString requestId;
    net::ErrorClass transportClass = net::ErrorClass::None; // what the transport said, e.g. Tls
    Error error;                    // diagnostic (parse problems, OAuth error text); may be empty
    Response response;              // the parsed body when there was one

    bool ok() const { return kind == Kind::Approved; }
    // For retry policy and intents.
    net::ErrorClass errorClass() const;
    static QString kindName(Kind kind); // "approved", "declined", "validation_error", ...
    // One line for logs; no card data can appear in it (PayTrace texts carry none).
    QString summary() const;
};

} // namespace pb::paytrace
