#pragma once

#include "model/rejectedrecord.h"
#include "model/transaction.h"
#include "net/httptypes.h"
#include "paytrace/outcome.h"
#include "util/result.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QTimeZone>

#include <optional>

namespace pb::paytrace {

// Pure functions from PayTrace v1 bodies to PayBridge types; no network, no state.
struct Parser
{
    // The common response shape (§4.1). Errors name the field ("errors.816[0]: expected a string").
    static Result<Response> parseResponse(const QByteArray &body);
    static Result<Response> parseResponseObject(const QJsonObject &object);

    // POST /oauth/token success body.
    static Result<Token> parseToken(const QByteArray &body);
    // {"error": "...", "error_description": "..."}; nullopt when the object is not that shape.
    struct OAuthError { QString error; QString description; };
    static std::optional<OAuthError> parseOAuthError(const QJsonObject &object);

    // Decision from the body alone: success, response_code and errors.
    static Outcome decide(const Response &response);
    // Decision for a finished call: the body when it has the v1 or OAuth shape, the transport
    // classification otherwise (network failure, 429, unreadable body).
    static Outcome outcomeFor(const net::HttpResponse &http,
                              const QDateTime &nowUtc = QDateTime::currentDateTimeUtc());

    // `transactions[]` of export/by_date_range and export/by_id (§4.4). Absent → empty list.
    static Result<QList<GatewayTransaction>> parseTransactions(const QJsonObject &body);
    // The same, but a record that does not read is kept aside with its raw JSON instead of
    // failing the list (docs/quarantine.md); only an unreadable envelope fails.
    struct TransactionList
    {
        QList<GatewayTransaction> items;
        QList<RejectedRecord> rejected;
    };
    static Result<TransactionList> parseTransactionList(const QJsonObject &body);
    static Result<GatewayTransaction> parseTransaction(const QJsonObject &record, const QString &path);

    // "M/D/YYYY h:mm:ss AM/PM" in the batch time zone (America/Los_Angeles) → UTC.
    // A time in the spring-forward gap is read with the offset before the change (2:30 AM
    // PST = 3:30 AM PDT); an ambiguous fall-back time is the first occurrence (daylight time).
    static Result<QDateTime> parseExportTime(QStringView text, const QString &field);
    static QDateTime localToUtc(const QDate &date, const QTime &time, const QTimeZone &zone);
    // The zone's one UTC offset for every time of `date`, or nullopt on the days around a
    // transition (localToUtc decides those). Cached per thread.
    static std::optional<int> steadyOffset(const QDate &date, const QTimeZone &zone);
    static QTimeZone batchTimeZone();

    // Card brand from the leading digits of a masked number ("401200******5439" → "Visa");
    // empty when no leading digits are visible ("xxxxxxxxxxxx5439"), "Other" when unknown.
    static QString cardTypeFromMasked(QStringView masked);
    // The last four digits, empty when the number does not end in four digits.
    static QString lastFourFromMasked(QStringView masked);
    // Response codes that mean "not done" (§4.2).
    static bool isDeclineCode(int code);
};

} // namespace pb::paytrace
