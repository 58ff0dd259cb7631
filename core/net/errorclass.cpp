#include "net/errorclass.h"

#include <QRegularExpression>
#include <QTimeZone>

#include <array>
#include <limits>

namespace pb::net {

namespace {

// Retry-After values beyond a day are treated as a day: a misconfigured server must not park
// the queue for weeks.
constexpr qint64 kMaxRetryAfter = 24 * 60 * 60;

int monthFromName(QStringView name)
{
    static constexpr std::array<const char16_t *, 12> months = {
        u"Jan", u"Feb", u"Mar", u"Apr", u"May", u"Jun",
        u"Jul", u"Aug", u"Sep", u"Oct", u"Nov", u"Dec"};
    for (int i = 0; i < 12; ++i) {
        if (name.compare(QStringView(months[static_cast<size_t>(i)]), Qt::CaseInsensitive) == 0)
            return i + 1;
    }
    return 0;
}

std::optional<QDateTime> parseHttpDate(const QString &text, const QDateTime &nowUtc)
{
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    static const QRegularExpression imf(
        QStringLiteral(R"(^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$)"));
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    static const QRegularExpression rfc850(
        QStringLiteral(R"(^[A-Za-z]+, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$)"));
    // asctime: "Sun Nov  6 08:49:37 1994"
    static const QRegularExpression asc(
        QStringLiteral(R"(^[A-Za-z]{3} ([A-Za-z]{3}) ( \d|\d{2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$)"));

    int day = 0, month = 0, year = 0, h = 0, m = 0, s = 0;
    if (auto mt = imf.match(text); mt.hasMatch()) {
        day = mt.captured(1).toInt();
        month = monthFromName(mt.capturedView(2));
        year = mt.captured(3).toInt();
        h = mt.captured(4).toInt(); m = mt.captured(5).toInt(); s = mt.captured(6).toInt();
    } else if (auto m8 = rfc850.match(text); m8.hasMatch()) {
        day = m8.captured(1).toInt();
        month = monthFromName(m8.capturedView(2));
        const int yy = m8.captured(3).toInt();
        // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
        const int century = nowUtc.date().year() / 100 * 100;
        year = century + yy;
        if (year > nowUtc.date().year() + 50)
            year -= 100;
        h = m8.captured(4).toInt(); m = m8.captured(5).toInt(); s = m8.captured(6).toInt();
    } else if (auto ma = asc.match(text); ma.hasMatch()) {
        month = monthFromName(ma.capturedView(1));
        day = ma.captured(2).trimmed().toInt();
        h = ma.captured(3).toInt(); m = ma.captured(4).toInt(); s = ma.captured(5).toInt();
        year = ma.captured(6).toInt();
    } else {
        return std::nullopt;
    }
    const QDate date(year, month, day);
    const QTime time(h, m, s);
    if (!date.isValid() || !time.isValid())
        return std::nullopt;
    return QDateTime(date, time, QTimeZone::utc());
}

} // namespace

std::optional<int> parseRetryAfter(QByteArrayView value, const QDateTime &nowUtc)
{
    const QString text = QString::fromLatin1(value.data(), value.size()).trimmed();
    if (text.isEmpty())
        return std::nullopt;
    bool allDigits = true;
    for (QChar c : text)
        allDigits = allDigits && c.isDigit() && c.unicode() < 128;
    if (allDigits) {
        // Long digit strings saturate instead of overflowing.
        if (text.size() > 9)
            return static_cast<int>(kMaxRetryAfter);
        const qint64 secs = text.toLongLong();
        return static_cast<int>(std::min(secs, kMaxRetryAfter));
    }
    const auto when = parseHttpDate(text, nowUtc);
    if (!when)
        return std::nullopt;
    const qint64 delta = nowUtc.secsTo(*when);
    return static_cast<int>(std::clamp<qint64>(delta, 0, kMaxRetryAfter));
}

Classification classify(NetworkError error, int httpStatus, bool requestSent, Effect effect,
                        QByteArrayView retryAfter, const QDateTime &nowUtc)
{
    const bool write = effect == Effect::Write;
    switch (error) {
    case NetworkError::None:
        break;
    case NetworkError::PolicyRefused:
    case NetworkError::Tls:
        return {ErrorClass::Tls, -1};
    case NetworkError::ConnectionRefused:
    case NetworkError::HostNotFound:
        // Nothing reached the server.
        return {ErrorClass::Transient, -1};
    case NetworkError::Timeout:
    case NetworkError::ConnectionReset:
    case NetworkError::Canceled:
    case NetworkError::Other:
        // A write that left completely may have been executed; its answer is what was lost.
        return {write && requestSent ? ErrorClass::InDoubt : ErrorClass::Transient, -1};
    }

    const int retry = retryAfter.isEmpty() ? -1 : parseRetryAfter(retryAfter, nowUtc).value_or(-1);
    if (httpStatus >= 200 && httpStatus < 300)
        return {ErrorClass::None, -1};
    if (httpStatus == 429)
        return {ErrorClass::RateLimited, retry};
    if (httpStatus == 401 || httpStatus == 403)
        return {ErrorClass::Auth, -1};
    if (httpStatus == 408)
        return {ErrorClass::Transient, retry};
    if (httpStatus >= 500 && httpStatus < 600) {
        // 502/504 come from a proxy that gave up waiting for the origin, which may well have
        // executed the write; a 500 can come after the origin saved it (Magento fails on the
        // notification e-mail after the credit memo is stored). Only 503 says "not now".
        if (write && httpStatus != 503)
            return {ErrorClass::InDoubt, retry};
        return {ErrorClass::Transient, retry};
    }
    if (httpStatus == 0) {
        // No status and no network error: the connection ended without a response.
        return {write && requestSent ? ErrorClass::InDoubt : ErrorClass::Transient, -1};
    }
    // 1xx/3xx (redirects are not followed) and the remaining 4xx.
    return {ErrorClass::Permanent, -1};
}

Classification classify(const HttpResponse &response, const QDateTime &nowUtc)
{
    return classify(response.error, response.status, response.requestSent, response.effect,
                    response.header("Retry-After"), nowUtc);
}

QString errorClassName(ErrorClass c)
{
    switch (c) {
    case ErrorClass::None: return QStringLiteral("none");
    case ErrorClass::Transient: return QStringLiteral("transient");
    case ErrorClass::RateLimited: return QStringLiteral("rate_limited");
    case ErrorClass::Auth: return QStringLiteral("auth");
    case ErrorClass::Permanent: return QStringLiteral("permanent");
    case ErrorClass::InDoubt: return QStringLiteral("in_doubt");
    case ErrorClass::Tls: return QStringLiteral("tls");
    }
    return QStringLiteral("unknown");
}

QString networkErrorName(NetworkError e)
{
    switch (e) {
    case NetworkError::None: return QStringLiteral("none");
    case NetworkError::PolicyRefused: return QStringLiteral("policy_refused");
    case NetworkError::ConnectionRefused: return QStringLiteral("connection_refused");
    case NetworkError::HostNotFound: return QStringLiteral("host_not_found");
    case NetworkError::Timeout: return QStringLiteral("timeout");
    case NetworkError::ConnectionReset: return QStringLiteral("connection_reset");
    case NetworkError::Tls: return QStringLiteral("tls");
    case NetworkError::Canceled: return QStringLiteral("canceled");
    case NetworkError::Other: return QStringLiteral("other");
    }
    return QStringLiteral("unknown");
}

} // namespace pb::net
