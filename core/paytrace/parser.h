#pragma once

#include "model/rejectedrecord.h"
#include "model/transaction.h"
#include "net/httptypes.h"
#include "paytrace/outcome.h"
#include "paytrace/requests.h"
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

    // One entry of customers[] in /v1/customer/export. customer_id (text or a number) is
    // required; every other field may be missing. A field of the wrong type, an expiry month
    // outside 1..12 or a year that is neither 2 nor 4 digits makes the entry unreadable.
    static Result<CustomerProfile> parseCustomerProfile(const QJsonObject &record, const QString &path);
    // customers[] with unreadable entries set aside for the quarantine (source
    // paytrace.customer, keyed by customer_id) instead of failing the export; only an
    // unreadable envelope fails.
    struct CustomerProfileList
    {
        QList<CustomerProfile> items;
        QList<RejectedRecord> rejected;
    };
    static Result<CustomerProfileList> parseCustomerProfileList(const QJsonObject &body);
    // The card type of a vault profile: cardTypeFromMasked, and when only the first digit is
    // visible, 4 Visa, 5 or 2 MasterCard, 6 Discover. "" when no digit is visible (PayTrace
    // often shows the last four only).
    static QString vaultCardType(QStringView masked);
    // PayTrace's two-digit expiry year as four digits (27 → 2027); four digits stay.
    static int fourDigitYear(int year);

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
