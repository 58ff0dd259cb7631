#include "paytrace/parser.h"

#include "money/money.h"
#include "net/errorclass.h"
#include "net/jsonread.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

using namespace Qt::StringLiterals;

namespace pb::paytrace {

namespace J = pb::net::json;

namespace {

// An export larger than this is refused rather than parsed into memory: one day of one
// merchant never comes near it, a broken or hostile server might.
constexpr qsizetype kMaxTransactions = 200000;

QString text(const std::optional<QString> &s)
{
    return s.value_or(QString());
}

} // namespace

bool Response::hasError(QStringView code) const
{
    for (const ErrorEntry &e : errors) {
        if (e.code == code)
            return true;
    }
    return false;
}

Result<Response> Parser::parseResponse(const QByteArray &body)
{
    auto obj = J::parseObject(body, QStringLiteral("body"));
    if (!obj)
        return obj.error();
    return parseResponseObject(*obj);
}

Result<Response> Parser::parseResponseObject(const QJsonObject &o)
{
    Response r;
    const QString root;
    PB_TRY(success, J::optBool(o, "success"_L1, root));
    if (!success)
        return J::missingError(QStringLiteral("success"));
    r.success = *success;

    PB_TRY(code, J::optInt(o, "response_code"_L1, root));
    if (code) {
        if (*code < 0 || *code > 1000000)
            return makeError(QStringLiteral("json.range"), QStringLiteral("response_code"),
                             QStringLiteral("response code %1 is out of range").arg(*code));
        r.responseCode = static_cast<int>(*code);
    }
    PB_TRY(statusMessage, J::optString(o, "status_message"_L1, root));
    r.statusMessage = text(statusMessage);

    PB_TRY(errors, J::optObject(o, "errors"_L1, root));
    if (errors) {
        for (auto it = errors->begin(); it != errors->end(); ++it) {
            ErrorEntry entry;
            entry.code = it.key();
            const QString field = QStringLiteral("errors.") + it.key();
            const QJsonValue v = it.value();
            if (v.isString()) {
                entry.messages.append(v.toString()); // tolerated: a single message without a list
            } else if (v.isArray()) {
                const QJsonArray arr = v.toArray();
                for (qsizetype i = 0; i < arr.size(); ++i) {
                    if (!arr.at(i).isString())
                        return J::typeError(J::index(field, i), arr.at(i), "a string");
                    entry.messages.append(arr.at(i).toString());
                }
            } else {
                return J::typeError(field, v, "a list of messages");
            }
            r.errors.append(entry);
        }
    }

    PB_TRY(transactionId, J::optString(o, "transaction_id"_L1, root));
    r.transactionId = text(transactionId);
    PB_TRY(approvalCode, J::optString(o, "approval_code"_L1, root));
    r.approvalCode = text(approvalCode);
    PB_TRY(approvalMessage, J::optString(o, "approval_message"_L1, root));
    r.approvalMessage = text(approvalMessage);
    PB_TRY(avs, J::optString(o, "avs_response"_L1, root));
    r.avsResponse = text(avs);
    PB_TRY(csc, J::optString(o, "csc_response"_L1, root));
    r.cscResponse = text(csc);
    PB_TRY(ext, J::optString(o, "external_transaction_id"_L1, root));
    r.externalTransactionId = text(ext);
    PB_TRY(masked, J::optString(o, "masked_card_number"_L1, root));
    r.maskedCardNumber = text(masked);
    PB_TRY(customerId, J::optString(o, "customer_id"_L1, root));
    r.customerId = text(customerId);
    PB_TRY(checkId, J::optString(o, "check_transaction_id"_L1, root));
    r.checkTransactionId = text(checkId);
    PB_TRY(achCode, J::optString(o, "ach_code"_L1, root));
    r.achCode = text(achCode);
    PB_TRY(achMessage, J::optString(o, "ach_message"_L1, root));
    r.achMessage = text(achMessage);
    PB_TRY(discretionary, J::optObject(o, "discretionary_data"_L1, root));
    r.discretionaryData = discretionary.value_or(QJsonObject());
    r.raw = o;
    return r;
}

Result<Token> Parser::parseToken(const QByteArray &body)
{
    auto obj = J::parseObject(body, QStringLiteral("token response"));
    if (!obj)
        return obj.error();
    const QString root;
    Token t;
    PB_TRY(access, J::optString(*obj, "access_token"_L1, root));
    if (!access || access->isEmpty())
        return J::missingError(QStringLiteral("access_token"));
    t.accessToken = *access;
    PB_TRY(type, J::optString(*obj, "token_type"_L1, root));
    t.tokenType = type.value_or(QStringLiteral("bearer"));
    if (t.tokenType.compare(u"bearer", Qt::CaseInsensitive) != 0)
        return makeError(QStringLiteral("paytrace.token_type"), QStringLiteral("token_type"),
                         QStringLiteral("unsupported token type \"") + t.tokenType + u'"');
    PB_TRY(expires, J::optInt(*obj, "expires_in"_L1, root));
    if (!expires)
        return J::missingError(QStringLiteral("expires_in"));
    if (*expires <= 0 || *expires > 10LL * 365 * 24 * 3600)
        return makeError(QStringLiteral("json.range"), QStringLiteral("expires_in"),
                         QStringLiteral("token lifetime %1 s is not plausible").arg(*expires));
    t.expiresIn = *expires;
    PB_TRY(created, J::optInt(*obj, "created_at"_L1, root));
    t.createdAt = created;
    return t;
}

std::optional<Parser::OAuthError> Parser::parseOAuthError(const QJsonObject &o)
{
    const QJsonValue e = o.value("error"_L1);
    if (!e.isString())
        return std::nullopt;
    OAuthError r;
    r.error = e.toString();
    r.description = o.value("error_description"_L1).toString();
    return r;
}

bool Parser::isDeclineCode(int code)
{
    switch (code) {
    case 102: case 103: case 105: case 107: case 110: case 113: case 125:
        return true;
    default:
        return false;
    }
}

Outcome Parser::decide(const Response &r)
{
    Outcome out;
    out.responseCode = r.responseCode;
    out.statusMessage = r.statusMessage;
    out.errors = r.errors;
    out.response = r;
    out.processorText = (r.approvalMessage.isEmpty() ? r.achMessage : r.approvalMessage).simplified();
    const int code = r.responseCode.value_or(0);

    if (r.success) {
        out.kind = isDeclineCode(code) ? Outcome::Kind::Declined : Outcome::Kind::Approved;
        return out;
    }
    // The fallback errors first: they tell the caller what to do instead.
    if (r.hasError(u"816"))
        out.kind = Outcome::Kind::NotCapturable;
    else if (r.hasError(u"817"))
        out.kind = Outcome::Kind::NotRefundableUseVoid;
    else if (r.hasError(u"818"))
        out.kind = Outcome::Kind::NotVoidableUseRefund;
    else if (r.hasError(u"981"))
        out.kind = Outcome::Kind::AuthFailure; // "Log in failed for insufficient permissions."
    else if (!r.errors.isEmpty())
        out.kind = Outcome::Kind::ValidationError;
    else if (isDeclineCode(code))
        out.kind = Outcome::Kind::Declined;
    else if (code == 1)
        out.kind = Outcome::Kind::ValidationError;
    else
        out.kind = Outcome::Kind::Declined; // an unknown code with success:false: not done
    return out;
}

Outcome Parser::outcomeFor(const net::HttpResponse &http, const QDateTime &nowUtc)
{
    const net::Classification c = net::classify(http, nowUtc);
    const bool write = http.effect == net::Effect::Write;
    auto fromClass = [&](net::ErrorClass cls) {
        Outcome o;
        o.transportClass = cls;
        o.retryAfterSeconds = c.retryAfterSeconds;
        switch (cls) {
        case net::ErrorClass::None: o.kind = Outcome::Kind::Approved; break;
        case net::ErrorClass::Transient: o.kind = Outcome::Kind::Transient; break;
        case net::ErrorClass::RateLimited: o.kind = Outcome::Kind::RateLimited; break;
        case net::ErrorClass::Auth: o.kind = Outcome::Kind::AuthFailure; break;
        case net::ErrorClass::Permanent: o.kind = Outcome::Kind::ValidationError; break;
        case net::ErrorClass::InDoubt: o.kind = Outcome::Kind::InDoubt; break;
        case net::ErrorClass::Tls: o.kind = Outcome::Kind::Transient; break;
        }
        return o;
    };
    auto finish = [&](Outcome o) {
        o.httpStatus = http.status;
        o.requestId = http.requestId;
        return o;
    };

    if (http.error != net::NetworkError::None) {
        Outcome o = fromClass(c.errorClass);
        o.error = makeError(QStringLiteral("net.") + net::networkErrorName(http.error), QString(), http.errorText);
        return finish(o);
    }
    if (c.errorClass == net::ErrorClass::RateLimited)
        return finish(fromClass(c.errorClass));

    auto obj = J::parseObject(http.body, QStringLiteral("body"));
    if (obj && obj->contains("success"_L1)) {
        auto parsed = parseResponseObject(*obj);
        if (parsed) {
            Outcome o = decide(*parsed);
            o.transportClass = c.errorClass;
            return finish(o);
        }
        obj = parsed.error(); // fall through to the unreadable-body rules below
    }
    // OAuth errors come as 4xx; a 5xx with an "error" member is the server failing, and the
    // HTTP status decides below (net::classify), never "validation error".
    if (obj && http.status < 500) {
        if (auto oauth = parseOAuthError(*obj)) {
            Outcome o;
            const bool credentials = oauth->error == u"invalid_grant" || oauth->error == u"invalid_token"
                || oauth->error == u"unauthorized_client" || oauth->error == u"invalid_client"
                || http.status == 401 || http.status == 403;
            o.kind = credentials ? Outcome::Kind::AuthFailure : Outcome::Kind::ValidationError;
            o.transportClass = c.errorClass;
            o.error = makeError(QStringLiteral("paytrace.oauth.") + oauth->error, QString(),
                                oauth->description.isEmpty() ? oauth->error : oauth->description);
            return finish(o);
        }
    }
    // No v1 or OAuth body: the HTTP status decides.
    Outcome o;
    if (c.errorClass == net::ErrorClass::None) {
        // A 2xx without a recognisable answer. For a write nobody can say what happened; a
        // read with an unreadable body is retried, one with another JSON shape goes on (ping).
        o = fromClass(write ? net::ErrorClass::InDoubt
                            : (obj ? net::ErrorClass::None : net::ErrorClass::Transient));
    } else {
        o = fromClass(c.errorClass);
    }
    if (!obj)
        o.error = obj.error();
    return finish(o);
}

// ---- export records ----------------------------------------------------------------------

QTimeZone Parser::batchTimeZone()
{
    return QTimeZone(QByteArrayLiteral("America/Los_Angeles"));
}

QDateTime Parser::localToUtc(const QDate &date, const QTime &time, const QTimeZone &zone)
{
    const qint64 naive = QDateTime(date, time, QTimeZone::utc()).toSecsSinceEpoch();
    auto offsetAt = [&](qint64 utcSecs) {
        return zone.offsetFromUtc(QDateTime::fromSecsSinceEpoch(utcSecs, QTimeZone::utc()));
    };
    // The offsets a day either side bracket any single transition.
    const int before = offsetAt(naive - 86400);
    const int after = offsetAt(naive + 86400);
    const qint64 utcBefore = naive - before;
    const qint64 utcAfter = naive - after;
    const bool beforeFits = offsetAt(utcBefore) == before;
    const bool afterFits = offsetAt(utcAfter) == after;
    qint64 utc;
    if (beforeFits && afterFits)
        utc = std::min(utcBefore, utcAfter); // ambiguous: the first occurrence
    else if (beforeFits)
        utc = utcBefore;
    else if (afterFits)
        utc = utcAfter;
    else
        utc = utcBefore; // in the gap: the clock as it read before the change
    return QDateTime::fromSecsSinceEpoch(utc, Qt::UTC);
}

Result<QDateTime> Parser::parseExportTime(QStringView text, const QString &field)
{
    static const QRegularExpression re(QStringLiteral(
        R"(^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?\s*$)"));
    const auto m = re.match(text);
    auto bad = [&]() {
        return makeError(QStringLiteral("paytrace.time"), field,
                         QStringLiteral("not a time of the form M/D/YYYY h:mm:ss AM/PM: \"")
                             + text.left(40).toString() + u'"');
    };
    if (!m.hasMatch())
        return bad();
    const QDate date(m.capturedView(3).toInt(), m.capturedView(1).toInt(), m.capturedView(2).toInt());
    int hour = m.capturedView(4).toInt();
    const int minute = m.capturedView(5).toInt();
    const int second = m.capturedView(6).isEmpty() ? 0 : m.capturedView(6).toInt();
    const QStringView ampm = m.capturedView(7);
    if (!ampm.isEmpty()) {
        if (hour < 1 || hour > 12)
            return bad();
        const bool pm = ampm.front().toLower() == u'p';
        hour = (hour % 12) + (pm ? 12 : 0);
    }
    const QTime time(hour, minute, second);
    if (!date.isValid() || !time.isValid())
        return bad();
    // One zone per thread: building it (and asking it for offsets) is what an export of a
    // busy day spent most of its parsing time on.
    thread_local const QTimeZone zone = batchTimeZone();
    if (!zone.isValid())
        return makeError(QStringLiteral("paytrace.timezone"), field,
                         QStringLiteral("time zone America/Los_Angeles is not available on this system"));
    if (const std::optional<int> offset = steadyOffset(date, zone))
        return QDateTime::fromSecsSinceEpoch(QDateTime(date, time, QTimeZone::utc()).toSecsSinceEpoch() - *offset,
                                             Qt::UTC); // as localToUtc: a UTC time spec, not a zone
    return localToUtc(date, time, zone);
}

std::optional<int> Parser::steadyOffset(const QDate &date, const QTimeZone &zone)
{
    // Per thread and per zone id; a few dozen days at most in one sync, a year at most ever.
    thread_local QHash<qint64, std::optional<int>> cache;
    thread_local QByteArray cachedZone;
    if (cachedZone != zone.id()) {
        cache.clear();
        cachedZone = zone.id();
    }
    const auto found = cache.constFind(date.toJulianDay());
    if (found != cache.cend())
        return *found;
    // The local day lies within a day of its noon read as UTC; no transition within two days
    // either side means one offset holds for every time of that day.
    const qint64 noon = QDateTime(date, QTime(12, 0), QTimeZone::utc()).toSecsSinceEpoch();
    const QDateTime from = QDateTime::fromSecsSinceEpoch(noon - 2 * 86400, QTimeZone::utc());
    const QTimeZone::OffsetData next = zone.nextTransition(from);
    std::optional<int> offset;
    if (!next.atUtc.isValid() || next.atUtc.toSecsSinceEpoch() > noon + 2 * 86400)
        offset = zone.offsetFromUtc(QDateTime::fromSecsSinceEpoch(noon, QTimeZone::utc()));
    if (cache.size() > 4096)
        cache.clear();
    cache.insert(date.toJulianDay(), offset);
    return offset;
}

QString Parser::cardTypeFromMasked(QStringView masked)
{
    qsizetype n = 0;
    while (n < masked.size() && masked.at(n).isDigit() && masked.at(n).unicode() < 128)
        ++n;
    const QStringView lead = masked.left(n);
    if (lead.isEmpty())
        return {};
    auto prefixIn = [&](int digits, int lo, int hi) {
        if (lead.size() < digits)
            return false;
        const int p = lead.left(digits).toInt();
        return p >= lo && p <= hi;
    };
    if (lead.front() == u'4')
        return QStringLiteral("Visa");
    if (prefixIn(2, 34, 34) || prefixIn(2, 37, 37))
        return QStringLiteral("Amex");
    if (prefixIn(2, 51, 55) || prefixIn(4, 2221, 2720))
        return QStringLiteral("MasterCard");
    if (prefixIn(4, 6011, 6011) || prefixIn(2, 65, 65) || prefixIn(3, 644, 649) || prefixIn(6, 622126, 622925))
        return QStringLiteral("Discover");
    if (prefixIn(4, 3528, 3589))
        return QStringLiteral("JCB");
    if (prefixIn(3, 300, 305) || prefixIn(2, 36, 36) || prefixIn(2, 38, 39))
        return QStringLiteral("Diners Club");
    return QStringLiteral("Other");
}

QString Parser::vaultCardType(QStringView masked)
{
    const QString type = cardTypeFromMasked(masked);
    if (type != "Other"_L1)
        return type;
    // Too few digits for the full ranges: the first digit still names the usual brands.
    switch (masked.front().unicode()) {
    case u'5':
    case u'2':
        return u"MasterCard"_s;
    case u'6':
        return u"Discover"_s;
    default:
        return type;
    }
}

int Parser::fourDigitYear(int year)
{
    return year >= 0 && year < 100 ? 2000 + year : year;
}

namespace {

Error profileError(const QString &field, const QString &message)
{
    return makeError(u"paytrace.customer_export"_s, field, message);
}

// Text fields of a vault profile; PayTrace may send a zip or phone as a bare number.
Result<QString> profileText(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return QString();
    if (v.isString())
        return v.toString();
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (d >= 0 && d < 9.0e15 && d == static_cast<double>(static_cast<qint64>(d)))
            return QString::number(static_cast<qint64>(d));
    }
    return J::typeError(J::join(path, key), v, "a string");
}

// A small whole number sent as a number or as digits ("04"); absent or "" is 0.
Result<int> profileNumber(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return 0;
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (d >= 0 && d <= 9999 && d == static_cast<double>(static_cast<int>(d)))
            return static_cast<int>(d);
    } else if (v.isString()) {
        const QString t = v.toString().trimmed();
        if (t.isEmpty())
            return 0;
        bool ok = false;
        const int n = t.toInt(&ok);
        if (ok && n >= 0 && n <= 9999 && t.size() <= 4)
            return n;
    }
    return profileError(J::join(path, key), u"not a month or year: "_s + J::typeName(v));
}

Result<QJsonObject> profileObject(const QJsonObject &o, QLatin1StringView key, const QString &path)
{
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return QJsonObject();
    if (!v.isObject())
        return J::typeError(J::join(path, key), v, "an object");
    return v.toObject();
}

QString profileId(const QJsonValue &id)
{
    if (id.isDouble() && id.toDouble() >= 0 && id.toDouble() < 9.0e15
        && id.toDouble() == static_cast<double>(static_cast<qint64>(id.toDouble())))
        return QString::number(static_cast<qint64>(id.toDouble()));
    if (id.isString())
        return id.toString();
    return QString();
}

} // namespace

Result<CustomerProfile> Parser::parseCustomerProfile(const QJsonObject &o, const QString &path)
{
    CustomerProfile p;
    p.raw = o;
    p.customerId = profileId(o.value("customer_id"_L1));
    if (p.customerId.trimmed().isEmpty())
        return profileError(J::join(path, "customer_id"_L1), u"missing"_s);

    PB_TRY(card, profileObject(o, "credit_card"_L1, path));
    const QString cardPath = J::join(path, "credit_card"_L1);
    PB_TRY(masked, profileText(card, "masked_number"_L1, cardPath));
    p.maskedNumber = masked.trimmed();
    p.cardType = vaultCardType(p.maskedNumber);
    p.cardLast4 = lastFourFromMasked(p.maskedNumber);
    PB_TRY(month, profileNumber(card, "expiration_month"_L1, cardPath));
    if (month > 12) // 0 (or absent) is an unknown expiry, not an error
        return profileError(J::join(cardPath, "expiration_month"_L1), u"%1 is not a month"_s.arg(month));
    p.expirationMonth = month;
    PB_TRY(year, profileNumber(card, "expiration_year"_L1, cardPath));
    if (year != 0 && !(year < 100 || (year >= 2000 && year <= 2099)))
        return profileError(J::join(cardPath, "expiration_year"_L1), u"%1 is not a 2- or 4-digit year"_s.arg(year));
    p.expirationYear = year == 0 ? 0 : fourDigitYear(year);

    PB_TRY(billing, profileObject(o, "billing_address"_L1, path));
    const QString billingPath = J::join(path, "billing_address"_L1);
    const std::pair<QLatin1StringView, QString *> parts[] = {
        {"name"_L1, &p.billing.name},         {"street_address"_L1, &p.billing.streetAddress},
        {"street_address2"_L1, &p.billing.streetAddress2}, {"city"_L1, &p.billing.city},
        {"state"_L1, &p.billing.state},       {"zip"_L1, &p.billing.zip},
        {"country"_L1, &p.billing.country}};
    for (const auto &[key, target] : parts) {
        PB_TRY(value, profileText(billing, key, billingPath));
        *target = value;
    }
    p.billingName = p.billing.name;
    PB_TRY(email, profileText(o, "email"_L1, path));
    p.email = email;
    PB_TRY(phone, profileText(o, "phone"_L1, path));
    p.phone = phone;
    return p;
}

Result<Parser::CustomerProfileList> Parser::parseCustomerProfileList(const QJsonObject &body)
{
    CustomerProfileList out;
    const QJsonValue list = body.value("customers"_L1);
    if (list.isUndefined() || list.isNull())
        return out;
    if (!list.isArray())
        return J::typeError(u"customers"_s, list, "a list");
    const QJsonArray arr = list.toArray();
    if (arr.size() > kMaxTransactions)
        return makeError(u"json.too_many"_s, u"customers"_s,
                         u"%1 profiles exceed the limit of %2"_s.arg(arr.size()).arg(kMaxTransactions));
    for (qsizetype i = 0; i < arr.size(); ++i) {
        const QString path = J::index(u"customers"_s, i);
        const QJsonValue v = arr.at(i);
        Result<CustomerProfile> p = v.isObject() ? parseCustomerProfile(v.toObject(), path)
                                                 : Result<CustomerProfile>(J::typeError(path, v, "an object"));
        if (p) {
            out.items.append(std::move(p).value());
            continue;
        }
        RejectedRecord r;
        r.source = RejectedRecord::kPayTraceCustomer;
        r.field = p.error().field.startsWith(path + u'.') ? p.error().field.mid(path.size() + 1) : p.error().field;
        r.reason = p.error().message;
        r.raw = v.isObject() ? QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)
                             : QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
        const QString id = profileId(v.toObject().value("customer_id"_L1)).left(64);
        r.externalId = id.trimmed().isEmpty() ? path : id;
        out.rejected.append(std::move(r));
    }
    return out;
}

QString Parser::lastFourFromMasked(QStringView masked)
{
    if (masked.size() < 4)
        return {};
    const QStringView tail = masked.right(4);
    for (QChar c : tail) {
        if (!c.isDigit() || c.unicode() >= 128)
            return {};
    }
    return tail.toString();
}

namespace {

GatewayTransaction::Type typeFromText(const QString &t)
{
    const QString u = t.trimmed().toUpper();
    if (u == u"SALE")
        return GatewayTransaction::Type::Sale;
    if (u == u"AUTHORIZATION" || u == u"AUTH")
        return GatewayTransaction::Type::Authorization;
    if (u == u"CAPTURE" || u == u"FORCE")
        return GatewayTransaction::Type::Capture;
    if (u == u"REFUND" || u == u"CREDIT")
        return GatewayTransaction::Type::Refund;
    if (u == u"VOID")
        return GatewayTransaction::Type::Void;
    return GatewayTransaction::Type::Unknown;
}

void applyStatus(GatewayTransaction &t)
{
    const QString code = t.statusCode.trimmed();
    const QString upper = code.toUpper();
    auto trailingDigits = [](const QString &s) {
        qsizetype i = s.size();
        while (i > 0 && s.at(i - 1).isDigit())
            --i;
        return s.mid(i);
    };
    if (upper.startsWith(u"GB") || upper.startsWith(u"SETTLED")) {
        t.status = GatewayTransaction::Status::Settled;
        t.batch = trailingDigits(code);
        return;
    }
    if (upper == u"Y") {
        t.status = GatewayTransaction::Status::PendingSettlement;
        return;
    }
    if (upper == u"N") {
        const QString msg = t.statusMessage.toLower();
        const QString approval = t.approvalMessage.toLower();
        if (msg.contains(u"void") || t.type == GatewayTransaction::Type::Void)
            t.status = GatewayTransaction::Status::Voided;
        else if (msg.contains(u"declin") || approval.contains(u"declin"))
            t.status = GatewayTransaction::Status::Declined;
        else if (msg.contains(u"authoriz") || t.type == GatewayTransaction::Type::Authorization)
            t.status = GatewayTransaction::Status::AuthorizedOnly;
        else
            t.status = GatewayTransaction::Status::Unknown;
        return;
    }
    t.status = GatewayTransaction::Status::Unknown;
}

} // namespace

Result<GatewayTransaction> Parser::parseTransaction(const QJsonObject &o, const QString &path)
{
    GatewayTransaction t;
    PB_TRY(id, J::optString(o, "transaction_id"_L1, path));
    if (!id || id->isEmpty())
        return J::missingError(J::join(path, "transaction_id"_L1));
    t.transactionId = *id;

    const QJsonValue amount = o.value("amount"_L1);
    if (amount.isUndefined() || amount.isNull())
        return J::missingError(J::join(path, "amount"_L1));
    auto money = Money::fromJson(amount, Currency::usd(), J::join(path, "amount"_L1));
    if (!money)
        return money.error();
    t.amount = money->abs();

    PB_TRY(type, J::optString(o, "transaction_type"_L1, path));
    t.typeText = text(type);
    t.type = typeFromText(t.typeText);
    PB_TRY(statusCode, J::optString(o, "status_code"_L1, path));
    t.statusCode = text(statusCode);
    PB_TRY(statusMessage, J::optString(o, "status_message"_L1, path));
    t.statusMessage = text(statusMessage);
    PB_TRY(invoice, J::optString(o, "invoice_id"_L1, path));
    t.invoiceId = text(invoice);
    PB_TRY(customer, J::optString(o, "customer_id"_L1, path));
    t.customerId = text(customer);
    PB_TRY(approvalCode, J::optString(o, "approval_code"_L1, path));
    t.approvalCode = text(approvalCode);
    PB_TRY(approvalMessage, J::optString(o, "approval_message"_L1, path));
    t.approvalMessage = text(approvalMessage);
    PB_TRY(avs, J::optString(o, "avs_response"_L1, path));
    t.avsResponse = text(avs);
    PB_TRY(csc, J::optString(o, "csc_response"_L1, path));
    t.cscResponse = text(csc);
    PB_TRY(description, J::optString(o, "description"_L1, path));
    t.description = text(description);

    PB_TRY(card, J::optObject(o, "credit_card"_L1, path));
    if (card) {
        PB_TRY(masked, J::optString(*card, "masked_number"_L1, J::join(path, "credit_card"_L1)));
        t.cardType = cardTypeFromMasked(text(masked));
        t.cardLast4 = lastFourFromMasked(text(masked));
    }

    const QJsonValue created = o.value("created"_L1);
    QString createdText;
    if (created.isObject()) {
        PB_TRY(at, J::optString(created.toObject(), "at"_L1, J::join(path, "created"_L1)));
        createdText = text(at);
    } else if (created.isString()) {
        createdText = created.toString();
    } else if (!created.isUndefined() && !created.isNull()) {
        return J::typeError(J::join(path, "created"_L1), created, "an object");
    }
    if (!createdText.trimmed().isEmpty()) {
        PB_TRY(when, parseExportTime(createdText, J::join(path, "created.at"_L1)));
        t.createdAt = when;
        t.createdAtText = createdText;
    }

    PB_TRY(settled, J::optString(o, "settled"_L1, path));
    if (settled && !settled->trimmed().isEmpty()) {
        PB_TRY(when, parseExportTime(*settled, J::join(path, "settled"_L1)));
        t.settledAt = when;
        t.settledAtText = *settled;
    }

    applyStatus(t);
    return t;
}

Result<QList<GatewayTransaction>> Parser::parseTransactions(const QJsonObject &body)
{
    PB_TRY(arr, J::optArray(body, "transactions"_L1, QString()));
    QList<GatewayTransaction> out;
    if (!arr)
        return out;
    if (arr->size() > kMaxTransactions)
        return makeError(QStringLiteral("json.too_many"), QStringLiteral("transactions"),
                         QStringLiteral("%1 records exceed the limit of %2").arg(arr->size()).arg(kMaxTransactions));
    out.reserve(arr->size());
    for (qsizetype i = 0; i < arr->size(); ++i) {
        const QString path = J::index(QStringLiteral("transactions"), i);
        const QJsonValue v = arr->at(i);
        if (!v.isObject())
            return J::typeError(path, v, "an object");
        PB_TRY(t, parseTransaction(v.toObject(), path));
        out.append(std::move(t));
    }
    return out;
}

Result<Parser::TransactionList> Parser::parseTransactionList(const QJsonObject &body)
{
    PB_TRY(arr, J::optArray(body, "transactions"_L1, QString()));
    TransactionList out;
    if (!arr)
        return out;
    if (arr->size() > kMaxTransactions)
        return makeError(QStringLiteral("json.too_many"), QStringLiteral("transactions"),
                         QStringLiteral("%1 records exceed the limit of %2").arg(arr->size()).arg(kMaxTransactions));
    out.items.reserve(arr->size());
    for (qsizetype i = 0; i < arr->size(); ++i) {
        const QString path = J::index(QStringLiteral("transactions"), i);
        const QJsonValue v = arr->at(i);
        Result<GatewayTransaction> t = v.isObject() ? parseTransaction(v.toObject(), path)
                                                    : Result<GatewayTransaction>(J::typeError(path, v, "an object"));
        if (t) {
            out.items.append(std::move(t).value());
            continue;
        }
        RejectedRecord r;
        r.source = RejectedRecord::kPayTraceTransaction;
        // The field within the record, not its place in the list.
        r.field = t.error().field.startsWith(path + u'.') ? t.error().field.mid(path.size() + 1) : t.error().field;
        r.reason = t.error().message;
        const QJsonObject o = v.toObject();
        r.raw = v.isObject() ? QJsonDocument(o).toJson(QJsonDocument::Compact)
                             : QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
        // PayTrace ids are numbers; text is accepted as long as it is an id at all, so the
        // record can be fetched again by id.
        const QJsonValue id = o.value("transaction_id"_L1);
        QString idText;
        if (id.isDouble() && id.toDouble() >= 1 && id.toDouble() < 9.0e15
            && id.toDouble() == static_cast<double>(static_cast<qint64>(id.toDouble())))
            idText = QString::number(static_cast<qint64>(id.toDouble()));
        else if (id.isString() && !id.toString().isEmpty() && id.toString().size() <= 32)
            idText = id.toString();
        r.externalId = idText.isEmpty() ? path : idText;
        out.rejected.append(std::move(r));
    }
    return out;
}

// ---- Outcome ------------------------------------------------------------------------------

net::ErrorClass Outcome::errorClass() const
{
    if (transportClass == net::ErrorClass::Tls)
        return net::ErrorClass::Tls;
    switch (kind) {
    case Kind::Approved: return net::ErrorClass::None;
    case Kind::Declined:
    case Kind::ValidationError:
    case Kind::NotCapturable:
    case Kind::NotRefundableUseVoid:
    case Kind::NotVoidableUseRefund: return net::ErrorClass::Permanent;
    case Kind::AuthFailure: return net::ErrorClass::Auth;
    case Kind::RateLimited: return net::ErrorClass::RateLimited;
    case Kind::Transient: return net::ErrorClass::Transient;
    case Kind::InDoubt: return net::ErrorClass::InDoubt;
    }
    return net::ErrorClass::Permanent;
}

QString Outcome::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Approved: return QStringLiteral("approved");
    case Kind::Declined: return QStringLiteral("declined");
    case Kind::ValidationError: return QStringLiteral("validation_error");
    case Kind::AuthFailure: return QStringLiteral("auth_failure");
    case Kind::NotCapturable: return QStringLiteral("not_capturable");
    case Kind::NotRefundableUseVoid: return QStringLiteral("not_refundable_use_void");
    case Kind::NotVoidableUseRefund: return QStringLiteral("not_voidable_use_refund");
    case Kind::RateLimited: return QStringLiteral("rate_limited");
    case Kind::Transient: return QStringLiteral("transient");
    case Kind::InDoubt: return QStringLiteral("in_doubt");
    }
    return QStringLiteral("unknown");
}

QString Outcome::summary() const
{
    QString s = kindName(kind) + QStringLiteral(" http ") + QString::number(httpStatus);
    if (responseCode)
        s += QStringLiteral(" code ") + QString::number(*responseCode);
    for (const ErrorEntry &e : errors)
        s += QStringLiteral(" [") + e.code + QStringLiteral("] ") + e.messages.join(u' ');
    if (!processorText.isEmpty())
        s += QStringLiteral(" processor: ") + processorText;
    if (!error.message.isEmpty())
        s += QStringLiteral(" (") + error.toString() + u')';
    if (retryAfterSeconds >= 0)
        s += QStringLiteral(" retry after ") + QString::number(retryAfterSeconds) + QStringLiteral(" s");
    return s;
}

} // namespace pb::paytrace
