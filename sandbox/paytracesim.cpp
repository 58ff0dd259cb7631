#include "paytracesim.h"

#include "jsonwriter.h"
#include "paytraceuntidy.h"
#include "sandboxclock.h"
#include "simutil.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>
#include <QCryptographicHash>
#include <QLocale>
#include <QMutexLocker>
#include <QRandomGenerator>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cmath>

using namespace Qt::StringLiterals;

namespace pb::sandbox {

namespace {

const QByteArray kSuccessMessage = QByteArrayLiteral("Your request has been successfully completed.");

// recordings/paytrace/oauth_token_invalid_grant.response.json
const QByteArray kInvalidGrantBody = QByteArrayLiteral(
    "{\"error\":\"invalid_grant\",\"error_description\":\"The provided authorization grant is invalid, expired, revoked, "
    "does not match the redirection URI used in the authorization request, or was issued to another client.\"}");

// Simulator-chosen codes for validation failures that no public source documents.
constexpr int kErrBadJson = 1;
constexpr int kErrAmount = 20;
constexpr int kErrStartDate = 850;
constexpr int kErrEndDate = 851;
constexpr int kErrDateOrder = 852;
constexpr int kErrTransactionType = 853;
constexpr int kErrBatchNumber = 854;
constexpr int kErrCustomerId = 855;
constexpr int kErrLevelThree = 856;
constexpr int kErrEmail = 857;

struct FieldError
{
    int code;
    QString message;
};

HttpResponse errorsResponse(const QList<FieldError> &errors, bool withExternalId = true, int status = 400)
{
    QByteArray body;
    JsonWriter w(&body);
    w.beginObject();
    w.fieldBool("success", false);
    w.fieldInt("response_code", 1);
    w.fieldLatin1("status_message", "One or more errors has occurred.");
    w.key("errors");
    w.beginObject();
    // Codes may repeat: group messages per code, in first-seen order.
    QList<int> order;
    for (const FieldError &e : errors) {
        if (!order.contains(e.code))
            order.append(e.code);
    }
    for (int code : std::as_const(order)) {
        w.key(QByteArray::number(code));
        w.beginArray();
        for (const FieldError &e : errors) {
            if (e.code == code)
                w.string(e.message);
        }
        w.endArray();
    }
    w.endObject();
    if (withExternalId)
        w.fieldLatin1("external_transaction_id", "");
    w.endObject();
    return HttpResponse::json(status, body);
}

HttpResponse invalidToken(const QByteArray &description)
{
    QByteArray body = QByteArrayLiteral("{\"error\":\"invalid_token\",\"error_description\":\"") + description + "\"}";
    HttpResponse r = HttpResponse::json(401, body);
    r.setHeader(QByteArrayLiteral("WWW-Authenticate"),
                QByteArrayLiteral("Bearer realm=\"Doorkeeper\", error=\"invalid_token\", error_description=\"")
                    + description + '"');
    return r;
}

HttpResponse oauthError(int status, QByteArrayView error, QByteArrayView description)
{
    QByteArray body = QByteArrayLiteral("{\"error\":\"");
    body.append(error.data(), error.size()).append("\",\"error_description\":\"");
    body.append(description.data(), description.size()).append("\"}");
    return HttpResponse::json(status, body);
}

// A JSON value as exact decimal text: numbers via their shortest round-trip form (51.88 stays
// "51.88"), strings as sent. Never arithmetic on the double.
bool amountFromJson(const QJsonValue &v, qint64 *cents)
{
    QByteArray text;
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (!std::isfinite(d))
            return false;
        text = QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
        if (text.contains('e'))
            return false;
    } else if (v.isString()) {
        text = v.toString().toLatin1();
    } else {
        return false;
    }
    return parseDecimal(text, 2, cents);
}

bool idFromJson(const QJsonValue &v, qint64 *id)
{
    if (v.isDouble()) {
        const double d = v.toDouble();
        if (d < 1 || d > 9e15 || d != std::floor(d))
            return false;
        *id = qint64(d);
        return true;
    }
    if (v.isString()) {
        bool ok = false;
        const qint64 value = v.toString().toLongLong(&ok);
        if (!ok || value < 1 || v.toString().trimmed() != v.toString())
            return false;
        *id = value;
        return true;
    }
    return false;
}

QString stringField(const QJsonObject &o, const QString &key)
{
    const QJsonValue v = o.value(key);
    if (v.isString())
        return v.toString();
    if (v.isDouble())
        return QString::fromLatin1(QByteArray::number(v.toDouble(), 'g', QLocale::FloatingPointShortest));
    return {};
}

bool intField(const QJsonValue &v, int *out)
{
    if (v.isDouble() && v.toDouble() == std::floor(v.toDouble())) {
        *out = int(v.toDouble());
        return true;
    }
    if (v.isString()) {
        bool ok = false;
        *out = v.toString().toInt(&ok);
        return ok;
    }
    return false;
}

bool luhnValid(const QString &digits)
{
    int sum = 0;
    bool dbl = false;
    for (qsizetype i = digits.size() - 1; i >= 0; --i) {
        int d = digits[i].digitValue();
        if (dbl) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

PayTraceAddress addressFromJson(const QJsonObject &o)
{
    PayTraceAddress a;
    a.name = stringField(o, u"name"_s);
    a.streetAddress = stringField(o, u"street_address"_s);
    a.streetAddress2 = stringField(o, u"street_address2"_s);
    a.city = stringField(o, u"city"_s);
    a.county = stringField(o, u"county"_s);
    a.state = stringField(o, u"state"_s);
    a.zip = stringField(o, u"zip"_s);
    a.country = stringField(o, u"country"_s);
    return a;
}

// Reads credit_card{number, expiration_month, expiration_year}. Only the brand,
// BIN and last four are kept: the simulator never stores a card number either. e2ee fields
// are decrypted into `number`/`csc` beforehand (decryptCardFields).
bool cardFromJson(const QJsonObject &body, PayTraceCard *card, QList<FieldError> *errors, qint64 now)
{
    const QJsonObject cc = body.value(u"credit_card"_s).toObject();
    QString number = stringField(cc, u"number"_s);
    bool digitsOnly = number.size() >= 13 && number.size() <= 19;
    for (QChar c : std::as_const(number))
        digitsOnly = digitsOnly && c.isDigit();
    if (!digitsOnly || !luhnValid(number))
        errors->append({35, u"Please provide a valid Credit Card Number."_s});
    int month = 0;
    if (!intField(cc.value(u"expiration_month"_s), &month) || month < 1 || month > 12)
        errors->append({43, u"Please provide a valid Expiration Month."_s});
    int year = 0;
    if (!intField(cc.value(u"expiration_year"_s), &year) || year < 0 || (year > 99 && (year < 2000 || year > 2099)))
        errors->append({44, u"Please provide a valid Expiration Year."_s});
    if (year >= 0 && year <= 99)
        year += 2000;
    if (!errors->isEmpty())
        return false;
    int y, m, d;
    civilFromDays(floorDiv(now, 86400), &y, &m, &d);
    Q_UNUSED(d);
    card->bin = number.left(6);
    card->last4 = number.right(4);
    card->expirationMonth = month;
    card->expirationYear = year;
    const QChar first = number[0];
    if (first == u'4')
        card->brand = u"VISA"_s;
    else if (first == u'5' || first == u'2')
        card->brand = u"MASTERCARD"_s;
    else if (number.startsWith(u"34"_s) || number.startsWith(u"37"_s))
        card->brand = u"AMEX"_s;
    else
        card->brand = u"DISCOVER"_s;
    // Expired cards are reported as a decline by the caller, not as a validation error.
    if (year < y || (year == y && month < m))
        card->expirationYear = -year;
    return true;
}

QByteArray maskedForResponse(const PayTraceCard &card)
{
    const int length = card.brand == u"AMEX" ? 15 : 16;
    return QByteArray(length - 4, 'x') + card.last4.toLatin1();
}

// Any JSON value as compact text (QJsonDocument only takes arrays and objects).
QByteArray compactJson(const QJsonValue &v)
{
    const QByteArray text = QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact);
    return text.mid(1, text.size() - 2);
}

QString approvalCode(PayTraceState &state)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    QString code;
    for (int i = 0; i < 6; ++i)
        code.append(QLatin1Char(chars[state.draw(0, 35)]));
    return code;
}

// recordings/paytrace/refund_error_insufficient_permissions.response.json (HTTP status: the
// sandbox's choice, 400 like every response_code 1 error).
const QByteArray kPermissionBody = QByteArrayLiteral(
    "{\"success\":false,\"response_code\":1,\"status_message\":\"One or more errors has occurred.\","
    "\"errors\":{\"981\":[\"Log in failed for insufficient permissions.\"]},\"external_transaction_id\":\"\"}");

// The permission group of a v1 path (PayTraceSimulator::permissionGroups()).
QString permissionGroup(QByteArrayView path)
{
    if (path.startsWith("/v1/transactions/export/"))
        return u"export"_s;
    if (path.startsWith("/v1/batches/"))
        return u"batches"_s;
    if (path == "/v1/transactions/settle")
        return u"settle"_s;
    if (path.startsWith("/v1/transactions/sale/") || path == "/v1/transactions/authorization/keyed"
        || path == "/v1/transactions/authorization/by_customer" || path == "/v1/transactions/authorization/by_transaction")
        return u"sale"_s;
    if (path == "/v1/transactions/authorization/capture")
        return u"capture"_s;
    if (path == "/v1/transactions/void")
        return u"void"_s;
    if (path.startsWith("/v1/transactions/refund/"))
        return u"refund"_s;
    if (path.startsWith("/v1/customer/"))
        return u"customer"_s;
    return {};
}

} // namespace

PayTraceSimulator::PayTraceSimulator(const SandboxClock *clock, const SandboxCredentials &credentials, int closeHour)
    : m_clock(clock), m_credentials(credentials), m_state(closeHour)
{
    // A fresh key per simulator: tests can only succeed by fetching the served public key.
    m_limited.username = credentials.paytraceUsername + u"_clerk"_s;
    m_limited.password = QString::fromLatin1(
        QCryptographicHash::hash((credentials.paytracePassword + u"/clerk"_s).toUtf8(), QCryptographicHash::Sha256)
            .toHex()
            .left(20));
    m_limited.denied = QStringList{u"export"_s, u"batches"_s};
    m_e2eeKey.reset(EVP_RSA_gen(2048));
    Q_ASSERT(m_e2eeKey);
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio && m_e2eeKey && PEM_write_bio_PUBKEY(bio, m_e2eeKey.get()) == 1) {
        char *data = nullptr;
        const long size = BIO_get_mem_data(bio, &data);
        m_e2eePublicPem = QByteArray(data, qsizetype(size));
    }
    BIO_free(bio);
}

PayTraceSimulator::~PayTraceSimulator() = default;

void PayTraceSimulator::KeyFree::operator()(EVP_PKEY *key) const
{
    EVP_PKEY_free(key);
}

QByteArray PayTraceSimulator::e2eePublicKeyPem() const
{
    return m_e2eePublicPem;
}

std::optional<QByteArray> PayTraceSimulator::decrypt(const QString &base64) const
{
    const auto decoded = QByteArray::fromBase64Encoding(base64.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty() || !m_e2eeKey)
        return std::nullopt;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(m_e2eeKey.get(), nullptr);
    std::optional<QByteArray> result;
    size_t length = 0;
    const auto *in = reinterpret_cast<const unsigned char *>(decoded.decoded.constData());
    const size_t inLength = size_t(decoded.decoded.size());
    if (ctx && EVP_PKEY_decrypt_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1
        && EVP_PKEY_decrypt(ctx, nullptr, &length, in, inLength) == 1) {
        QByteArray plain(qsizetype(length), '\0');
        if (EVP_PKEY_decrypt(ctx, reinterpret_cast<unsigned char *>(plain.data()), &length, in, inLength) == 1) {
            plain.truncate(qsizetype(length));
            result = plain;
        }
    }
    EVP_PKEY_CTX_free(ctx);
    return result;
}

int PayTraceSimulator::decryptCardFields(QJsonObject *body) const
{
    QJsonObject cc = body->value(u"credit_card"_s).toObject();
    if (cc.contains(u"encrypted_number"_s)) {
        const auto plain = decrypt(cc.value(u"encrypted_number"_s).toString());
        if (!plain)
            return 35;
        cc.remove(u"encrypted_number"_s);
        cc.insert(u"number"_s, QString::fromLatin1(*plain));
        body->insert(u"credit_card"_s, cc);
    }
    if (body->contains(u"encrypted_csc"_s)) {
        const auto plain = decrypt(body->value(u"encrypted_csc"_s).toString());
        if (!plain || plain->size() < 3 || plain->size() > 4)
            return 39;
        body->remove(u"encrypted_csc"_s);
        body->insert(u"csc"_s, QString::fromLatin1(*plain));
    }
    return 0;
}

void PayTraceSimulator::configure(quint64 seed, bool untidy)
{
    QMutexLocker lock(&m_mutex);
    m_untidy = untidy;
    m_state.setSeed(seed);
    m_state.setVariedCloseTimes(untidy);
}

const QStringList &PayTraceSimulator::permissionGroups()
{
    static const QStringList groups = {u"export"_s, u"batches"_s, u"settle"_s, u"sale"_s,
                                       u"capture"_s, u"void"_s, u"refund"_s, u"customer"_s};
    return groups;
}

void PayTraceSimulator::setLimitedUserDenied(const QStringList &groups)
{
    QMutexLocker lock(&m_mutex);
    m_limited.denied = groups;
}

PayTraceSimulator::LimitedUser PayTraceSimulator::limitedUser() const
{
    QMutexLocker lock(&m_mutex);
    return m_limited;
}

PayTraceTransaction PayTraceSimulator::placePayment(PayTraceTransaction t)
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock->nowSecs();
    t.approved = !(t.amount == 11200 || t.amount == 29);
    t.createdBy = t.createdBy.isEmpty() ? m_credentials.paytraceUsername : t.createdBy;
    if (t.approved) {
        t.approvalCode = approvalCode(m_state);
        const qint64 roll = m_state.draw(0, 99);
        t.avsResponse = untidyAvs(roll);
        t.approvalMessage = untidyApprovalText(t.avsResponse);
        t.cscResponse = t.card.brand == u"AMEX" ? QString() : untidyCsc(m_state.draw(0, 99));
    } else {
        t.avsResponse = u"No Match"_s;
        t.approvalMessage = u"    DECLINE - Do not honor"_s;
    }
    t.id = m_state.addTransaction(t, now);
    return *m_state.find(t.id);
}

std::optional<PayTraceError> PayTraceSimulator::captureNow(qint64 id, std::optional<qint64> amount)
{
    QMutexLocker lock(&m_mutex);
    return m_state.capture(id, amount, m_clock->nowSecs());
}

std::optional<PayTraceError> PayTraceSimulator::voidNow(qint64 id)
{
    QMutexLocker lock(&m_mutex);
    return m_state.voidTransaction(id, m_clock->nowSecs());
}

std::optional<PayTraceError> PayTraceSimulator::refundNow(qint64 id, std::optional<qint64> amount, qint64 *refundId)
{
    QMutexLocker lock(&m_mutex);
    return m_state.refund(id, amount, m_clock->nowSecs(), refundId);
}

void PayTraceSimulator::load(const GeneratedData &data)
{
    QMutexLocker lock(&m_mutex);
    m_state.load(data.transactions, data.customers, data.firstBatchNumber, data.nextTransactionId, m_clock->nowSecs());
}

QByteArray PayTraceSimulator::rateLimitedBody()
{
    return QByteArrayLiteral("{\"success\":false,\"response_code\":1,\"status_message\":\"Too many requests. Please retry later.\"}");
}

void PayTraceSimulator::setDuplicateWindowSeconds(qint64 seconds)
{
    QMutexLocker lock(&m_mutex);
    m_duplicateWindowSeconds = std::max<qint64>(0, seconds);
}

qint64 PayTraceSimulator::duplicateWindowSeconds() const
{
    QMutexLocker lock(&m_mutex);
    return m_duplicateWindowSeconds;
}

HttpResponse PayTraceSimulator::handle(const HttpRequest &request, QByteArrayView path)
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock->nowSecs();
    m_state.closeDueBatches(now);

    // v1 is POST only; Rails answers any other verb or path with 404.
    if (request.method != "POST")
        return HttpResponse::json(404, QByteArrayLiteral("{\"status\":404,\"error\":\"Not Found\"}"));
    if (path == "/oauth/token")
        return token(request);
    if (path == "/v1/ping") {
        QByteArray body;
        JsonWriter w(&body);
        w.beginObject();
        w.fieldBool("success", true);
        w.fieldInt("response_code", 1);
        w.fieldLatin1("status_message", kSuccessMessage);
        w.endObject();
        return HttpResponse::json(200, body);
    }

    static const QByteArrayView known[] = {
        "/v1/transactions/export/by_date_range", "/v1/transactions/export/by_id",
        "/v1/transactions/sale/keyed", "/v1/transactions/sale/by_customer",
        "/v1/transactions/authorization/keyed", "/v1/transactions/authorization/by_customer",
        "/v1/transactions/authorization/capture", "/v1/transactions/void",
        "/v1/transactions/refund/for_transaction", "/v1/transactions/refund/keyed",
        "/v1/transactions/settle", "/v1/customer/create", "/v1/customer/update",
        "/v1/customer/delete", "/v1/customer/export", "/v1/batches/export_one",
        "/v1/batches/export", "/v1/batches/transaction_list",
        "/v1/transactions/sale/by_transaction", "/v1/transactions/authorization/by_transaction",
        "/v1/transactions/refund/to_customer", "/v1/customer/create_from_transaction",
        "/v1/level_three/visa", "/v1/level_three/mastercard", "/v1/transactions/email_receipt",
    };
    bool isKnown = false;
    for (QByteArrayView k : known)
        isKnown = isKnown || k == path;
    if (!isKnown)
        return HttpResponse::json(404, QByteArrayLiteral("{\"status\":404,\"error\":\"Not Found\"}"));

    // Bearer token (docs/paytrace.md §1.2).
    const QByteArray authorization = request.header("authorization");
    if (!authorization.startsWith("Bearer ") && !authorization.startsWith("bearer "))
        return invalidToken(QByteArrayLiteral("The access token is invalid"));
    switch (m_state.checkToken(authorization.mid(7).trimmed(), now)) {
    case PayTraceState::TokenStatus::Invalid:
        return invalidToken(QByteArrayLiteral("The access token is invalid"));
    case PayTraceState::TokenStatus::Expired:
        return invalidToken(QByteArrayLiteral("The access token expired"));
    case PayTraceState::TokenStatus::Valid:
        break;
    }
    if (!m_limitedTokens.isEmpty() && m_limitedTokens.contains(authorization.mid(7).trimmed())
        && m_limited.denied.contains(permissionGroup(path)))
        return HttpResponse::json(400, kPermissionBody);

    QJsonObject body;
    if (!request.body.trimmed().isEmpty()) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return errorsResponse({{kErrBadJson, u"The request body must be a JSON object."_s}});
        body = doc.object();
    }
    if (const int code = decryptCardFields(&body)) {
        return errorsResponse({{code, code == 35 ? u"Please provide a valid Credit Card Number."_s
                                                 : u"Please provide a valid CSC."_s}});
    }

    if (path == "/v1/transactions/export/by_date_range")
        return exportByDateRange(body);
    if (path == "/v1/transactions/export/by_id")
        return exportById(body);
    if (path == "/v1/transactions/sale/keyed")
        return sale(body, PayTraceKind::Sale, "keyed");
    if (path == "/v1/transactions/sale/by_customer")
        return sale(body, PayTraceKind::Sale, "by_customer");
    if (path == "/v1/transactions/authorization/keyed")
        return sale(body, PayTraceKind::Authorization, "keyed");
    if (path == "/v1/transactions/authorization/by_customer")
        return sale(body, PayTraceKind::Authorization, "by_customer");
    if (path == "/v1/transactions/sale/by_transaction")
        return sale(body, PayTraceKind::Sale, "by_transaction");
    if (path == "/v1/transactions/authorization/by_transaction")
        return sale(body, PayTraceKind::Authorization, "by_transaction");
    if (path == "/v1/transactions/refund/to_customer")
        return refundToCustomer(body);
    if (path == "/v1/customer/create_from_transaction")
        return customerFromTransaction(body);
    if (path == "/v1/level_three/visa")
        return levelThree(body, u"VISA");
    if (path == "/v1/level_three/mastercard")
        return levelThree(body, u"MASTERCARD");
    if (path == "/v1/transactions/email_receipt")
        return emailReceipt(body);
    if (path == "/v1/transactions/authorization/capture")
        return capture(body);
    if (path == "/v1/transactions/void")
        return voidTransaction(body);
    if (path == "/v1/transactions/refund/for_transaction")
        return refundForTransaction(body);
    if (path == "/v1/transactions/refund/keyed")
        return refundKeyed(body);
    if (path == "/v1/transactions/settle")
        return settle();
    if (path == "/v1/customer/create")
        return customerCreate(body);
    if (path == "/v1/customer/update")
        return customerUpdate(body);
    if (path == "/v1/customer/delete")
        return customerDelete(body);
    if (path == "/v1/customer/export")
        return customerExport(body);
    if (path == "/v1/batches/export_one")
        return batchExportOne(body);
    if (path == "/v1/batches/export")
        return batchExport(body);
    return batchTransactionList(body);
}

HttpResponse PayTraceSimulator::token(const HttpRequest &request)
{
    QString grantType, username, password;
    const QByteArray contentType = request.header("content-type").toLower();
    if (contentType.startsWith("application/json")) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body, &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return oauthError(400, "invalid_request",
                              "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.");
        const QJsonObject o = doc.object();
        grantType = o.value(u"grant_type"_s).toString();
        username = o.value(u"username"_s).toString();
        password = o.value(u"password"_s).toString();
    } else {
        const auto pairs = parseFormEncoded(request.body);
        for (const auto &p : pairs) {
            if (p.first == "grant_type")
                grantType = QString::fromUtf8(p.second);
            else if (p.first == "username")
                username = QString::fromUtf8(p.second);
            else if (p.first == "password")
                password = QString::fromUtf8(p.second);
        }
    }
    if (grantType.isEmpty() || username.isEmpty() || password.isEmpty()) {
        if (!grantType.isEmpty() && grantType != u"password")
            return oauthError(400, "unsupported_grant_type",
                              "The authorization grant type is not supported by the authorization server.");
        return oauthError(400, "invalid_request",
                          "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.");
    }
    if (grantType != u"password")
        return oauthError(400, "unsupported_grant_type",
                          "The authorization grant type is not supported by the authorization server.");
    const bool limited = username == m_limited.username && password == m_limited.password;
    if (!limited && (username != m_credentials.paytraceUsername || password != m_credentials.paytracePassword))
        return HttpResponse::json(401, kInvalidGrantBody);

    const qint64 now = m_clock->nowSecs();
    const QByteArray accessToken = m_state.issueToken(now, kTokenLifetime);
    if (limited)
        m_limitedTokens.insert(accessToken);
    QByteArray body;
    JsonWriter w(&body);
    w.beginObject();
    w.fieldLatin1("access_token", accessToken);
    w.fieldLatin1("token_type", "Bearer");
    w.field("expires_in", kTokenLifetime);
    w.field("created_at", now);
    w.endObject();
    HttpResponse r = HttpResponse::json(200, body);
    r.setHeader(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    return r;
}

void PayTraceSimulator::writeTransaction(JsonWriter &w, const PayTraceTransaction &t, bool includeBin) const
{
    const auto address = [&w](const PayTraceAddress &a, bool withCounty) {
        w.beginObject();
        w.field("name", a.name);
        w.field("street_address", a.streetAddress);
        w.field("street_address2", a.streetAddress2);
        w.field("city", a.city);
        if (withCounty)
            w.field("county", a.county);
        w.field("state", a.state);
        w.field("zip", a.zip);
        w.field("country", a.country);
        w.endObject();
    };
    // A test's override replaces a field's value as is (any JSON, null included).
    const auto ovIt = m_overrides.constFind(t.id);
    const QJsonObject *ov = ovIt == m_overrides.cend() ? nullptr : &*ovIt;
    const auto put = [&](QByteArrayView name, auto &&write) {
        w.key(name);
        const QString key = QString::fromLatin1(name);
        if (ov && ov->contains(key))
            w.rawNumber(compactJson(ov->value(key)));
        else
            write();
    };
    w.beginObject();
    put("transaction_id", [&] { w.number(t.id); });
    put("credit_card", [&] {
        w.beginObject();
        w.field("masked_number", t.card.maskedNumber(includeBin));
        w.fieldInt("expiration_month", t.card.expirationMonth);
        w.fieldInt("expiration_year", t.card.expirationYear % 100);
        w.endObject();
    });
    put("transaction_type", [&] { w.string(PayTraceState::exportType(t)); });
    put("description", [&] { w.string(t.description); });
    put("amount", [&] {
        w.money(t.kind == PayTraceKind::Authorization && t.capturedAmount ? *t.capturedAmount : t.amount, 2);
    });
    put("invoice_id", [&] { w.string(t.invoiceId); });
    put("shipping_address", [&] { address(t.shipping, true); });
    put("billing_address", [&] { address(t.billing, false); });
    put("receipt_emailed_to", [&] { w.string(t.receiptEmailedTo); });
    put("tax_amount", [&] { w.latin1(decimalFixed(t.taxAmount, 2)); });
    put("customer_reference_id", [&] { w.string(t.customerReferenceId); });
    put("approval_code", [&] { w.string(t.approvalCode); });
    put("approval_message", [&] { w.string(t.approvalMessage); });
    put("avs_response", [&] { w.string(t.avsResponse); });
    put("csc_response", [&] { w.string(t.cscResponse); });
    put("status_code", [&] { w.string(PayTraceState::statusCode(t)); });
    put("status_message", [&] { w.string(PayTraceState::statusMessage(t)); });
    put("created", [&] {
        w.beginObject();
        w.field("through", t.createdThrough);
        w.fieldLatin1("at", paytraceTime(t.createdAt));
        w.field("by", t.createdBy);
        w.field("from_ip", t.fromIp);
        w.endObject();
    });
    put("settled", [&] { w.latin1(t.settledAt ? paytraceTime(t.settledAt) : QByteArray()); });
    put("customer_id", [&] { w.string(t.customerId); });
    if (ov) {
        static const QStringList written = {
            u"transaction_id"_s, u"credit_card"_s, u"transaction_type"_s, u"description"_s, u"amount"_s,
            u"invoice_id"_s, u"shipping_address"_s, u"billing_address"_s, u"receipt_emailed_to"_s,
            u"tax_amount"_s, u"customer_reference_id"_s, u"approval_code"_s, u"approval_message"_s,
            u"avs_response"_s, u"csc_response"_s, u"status_code"_s, u"status_message"_s, u"created"_s,
            u"settled"_s, u"customer_id"_s};
        for (auto it = ov->begin(); it != ov->end(); ++it) {
            if (written.contains(it.key()))
                continue;
            const QByteArray quoted = compactJson(QJsonValue(it.key())); // escaped key text
            w.key(QByteArrayView(quoted).sliced(1, quoted.size() - 2));
            w.rawNumber(compactJson(it.value()));
        }
    }
    w.endObject();
}

void PayTraceSimulator::setTransactionOverride(qint64 id, const std::optional<QJsonObject> &fields)
{
    QMutexLocker lock(&m_mutex);
    if (fields)
        m_overrides.insert(id, *fields);
    else
        m_overrides.remove(id);
}

QHash<qint64, QJsonObject> PayTraceSimulator::transactionOverrides() const
{
    QMutexLocker lock(&m_mutex);
    return m_overrides;
}

void PayTraceSimulator::clearTransactionOverrides()
{
    QMutexLocker lock(&m_mutex);
    m_overrides.clear();
}

HttpResponse PayTraceSimulator::exportEnvelope(const QList<const PayTraceTransaction *> &list, bool includeBin) const
{
    QByteArray body;
    body.reserve(256 + list.size() * 900);
    JsonWriter w(&body);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 1);
    w.fieldLatin1("status_message", kSuccessMessage);
    w.key("transactions");
    w.beginArray();
    for (const PayTraceTransaction *t : list)
        writeTransaction(w, *t, includeBin);
    w.endArray();
    w.fieldLatin1("external_transaction_id", "");
    w.endObject();
    return HttpResponse::json(200, body);
}

HttpResponse PayTraceSimulator::exportByDateRange(const QJsonObject &body)
{
    QList<FieldError> errors;
    qint64 startDay = 0, endDay = 0;
    const QJsonValue start = body.value(u"start_date"_s);
    const QJsonValue end = body.value(u"end_date"_s);
    if (!start.isString() || !parsePaytraceDate(start.toString().toLatin1(), &startDay))
        errors.append({kErrStartDate, u"Please provide a valid Start Date (MM/DD/YYYY)."_s});
    if (!end.isString() || !parsePaytraceDate(end.toString().toLatin1(), &endDay))
        errors.append({kErrEndDate, u"Please provide a valid End Date (MM/DD/YYYY)."_s});
    if (errors.isEmpty() && endDay < startDay)
        errors.append({kErrDateOrder, u"The Start Date must be on or before the End Date."_s});
    qint64 onlyId = 0;
    if (body.contains(u"transaction_id"_s) && !idFromJson(body.value(u"transaction_id"_s), &onlyId))
        errors.append({58, u"Please provide a valid Transaction ID."_s});
    const QString type = stringField(body, u"transaction_type"_s);
    if (body.contains(u"transaction_type"_s) && !PayTraceState::isKnownTypeFilter(type))
        errors.append({kErrTransactionType, u"Please provide a valid Transaction Type."_s});
    if (body.contains(u"customer_id"_s) && !body.value(u"customer_id"_s).isString())
        errors.append({kErrCustomerId, u"Please provide a valid Customer ID."_s});
    if (!errors.isEmpty())
        return errorsResponse(errors);
    const QString customer = body.value(u"customer_id"_s).toString();
    const QString text = body.value(u"including_text"_s).toString();
    const bool includeBin = body.value(u"include_bin"_s).toBool();

    QList<const PayTraceTransaction *> list;
    for (const PayTraceTransaction &t : m_state.transactions()) {
        const qint64 day = pacificDayNumber(t.createdAt);
        if (day < startDay || day > endDay)
            continue;
        if (onlyId && t.id != onlyId)
            continue;
        if (!type.isEmpty() && !PayTraceState::matchesTypeFilter(t, type))
            continue;
        if (!customer.isEmpty() && t.customerId != customer)
            continue;
        if (!text.isEmpty()) {
            const QString fields[] = {t.invoiceId, t.description, t.customerId, t.customerReferenceId,
                                      t.billing.name, t.shipping.name, t.receiptEmailedTo, t.approvalCode,
                                      QString::number(t.id), t.card.last4};
            bool hit = false;
            for (const QString &f : fields)
                hit = hit || f.contains(text, Qt::CaseInsensitive);
            if (!hit)
                continue;
        }
        list.append(&t);
    }
    return exportEnvelope(list, includeBin);
}

HttpResponse PayTraceSimulator::exportById(const QJsonObject &body)
{
    qint64 id = 0;
    if (!idFromJson(body.value(u"transaction_id"_s), &id))
        return errorsResponse({{58, u"Please provide a valid Transaction ID."_s}});
    const PayTraceTransaction *t = m_state.find(id);
    if (!t)
        return errorsResponse({{811, u"The Transaction ID that you provided was not found."_s}});
    return exportEnvelope({t}, body.value(u"include_bin"_s).toBool());
}

HttpResponse PayTraceSimulator::sale(const QJsonObject &body, PayTraceKind kind, QByteArrayView source)
{
    const qint64 now = m_clock->nowSecs();
    QList<FieldError> errors;
    qint64 amount = 0;
    if (!amountFromJson(body.value(u"amount"_s), &amount) || amount < 0 || (amount == 0 && kind == PayTraceKind::Sale))
        errors.append({kErrAmount, u"Please provide a valid Transaction Amount."_s});
    PayTraceTransaction t;
    t.kind = kind;
    const bool byCustomer = source == "by_customer";
    const bool byTransaction = source == "by_transaction";
    if (byTransaction) {
        qint64 sourceId = 0;
        const PayTraceTransaction *from = nullptr;
        if (!idFromJson(body.value(u"transaction_id"_s), &sourceId))
            errors.append({58, u"Please provide a valid Transaction ID."_s});
        else if (!(from = m_state.find(sourceId)) || from->parentId != 0 || from->kind == PayTraceKind::Refund)
            errors.append({811, u"The Transaction ID that you provided was not found."_s});
        else {
            t.card = from->card;
            t.billing = from->billing;
            t.shipping = from->shipping;
            t.customerId = from->customerId;
        }
    } else if (byCustomer) {
        const QString customerId = stringField(body, u"customer_id"_s);
        const PayTraceCustomer *c = m_state.findCustomer(customerId);
        if (!c) {
            errors.append({30, u"Customer ID, %1, was not found or is incomplete."_s.arg(customerId)});
        } else {
            t.card = c->card;
            t.billing = c->billing;
            t.shipping = c->shipping;
            t.customerId = c->customerId;
            // The card on file may have expired since it was stored: declined like a keyed one.
            int y, m, d;
            civilFromDays(floorDiv(now, 86400), &y, &m, &d);
            if (t.card.expirationYear < y || (t.card.expirationYear == y && t.card.expirationMonth < m))
                t.card.expirationYear = -t.card.expirationYear;
        }
    } else {
        cardFromJson(body, &t.card, &errors, now);
        t.billing = addressFromJson(body.value(u"billing_address"_s).toObject());
        t.shipping = addressFromJson(body.value(u"shipping_address"_s).toObject());
    }
    qint64 tax = 0;
    if (body.contains(u"tax_amount"_s) && !amountFromJson(body.value(u"tax_amount"_s), &tax))
        errors.append({kErrAmount, u"Please provide a valid Tax Amount."_s});
    if (!errors.isEmpty())
        return errorsResponse(errors);

    t.amount = amount;
    t.taxAmount = tax;
    t.invoiceId = stringField(body, u"invoice_id"_s);
    t.description = stringField(body, u"description"_s);
    t.customerReferenceId = stringField(body, u"customer_reference_id"_s);
    t.receiptEmailedTo = stringField(body, u"email"_s);
    t.createdBy = m_credentials.paytraceUsername;
    t.fromIp = u"127.0.0.1"_s;
    const bool expired = t.card.expirationYear < 0;
    if (expired)
        t.card.expirationYear = -t.card.expirationYear;
    if (m_duplicateWindowSeconds > 0) {
        // Same card, amount, invoice and user as an approved sale/authorization in the window.
        for (const PayTraceTransaction &earlier : m_state.transactions()) {
            const bool sameCard = earlier.card.brand == t.card.brand && earlier.card.bin == t.card.bin
                && earlier.card.last4 == t.card.last4 && earlier.card.expirationMonth == t.card.expirationMonth
                && earlier.card.expirationYear == t.card.expirationYear;
            if (earlier.approved && earlier.parentId == 0 && earlier.kind != PayTraceKind::Refund
                && earlier.amount == amount && earlier.invoiceId == t.invoiceId
                && earlier.createdBy == t.createdBy && sameCard
                && now - earlier.createdAt < m_duplicateWindowSeconds) {
                return errorsResponse({{kErrDuplicate,
                                        u"This transaction appears to be a duplicate of Transaction ID %1 "
                                        "(same card, amount, invoice and user within the duplicate "
                                        "transaction time)."_s.arg(earlier.id)}});
            }
        }
    }
    // Sandbox decline triggers (docs/paytrace.md §7): $112.00, $0.29, or an expired card.
    t.approved = !(amount == 11200 || amount == 29 || expired);
    if (t.approved) {
        t.approvalCode = approvalCode(m_state);
        t.avsResponse = t.billing.zip.isEmpty() ? u"No Match"_s : u"Full Exact Match"_s;
        t.approvalMessage = t.billing.zip.isEmpty() ? u"  NO  MATCH - Approved and completed"_s
                                                    : u"  EXACT MATCH - Approved and completed"_s;
        t.cscResponse = body.contains(u"csc"_s) && t.card.brand != u"AMEX" ? u"Match"_s : QString();
    } else {
        t.avsResponse = u"No Match"_s;
        t.approvalMessage = expired ? u"    EXPIRED CARD - Expired card"_s : u"    DECLINE - Do not honor"_s;
    }
    const qint64 id = m_state.addTransaction(t, now);

    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", t.approved);
    w.fieldInt("response_code", t.approved ? 101 : 102);
    w.fieldLatin1("status_message", t.approved ? "Your transaction was successfully approved." : "Your transaction was not approved.");
    w.field("transaction_id", id);
    w.field("approval_code", t.approvalCode);
    w.field("approval_message", t.approvalMessage);
    w.field("avs_response", t.avsResponse);
    w.field("csc_response", t.cscResponse);
    w.fieldLatin1("external_transaction_id", "");
    if (!byCustomer && !byTransaction)
        w.fieldLatin1("masked_card_number", maskedForResponse(t.card));
    w.endObject();
    return HttpResponse::json(t.approved ? 200 : 400, out);
}

HttpResponse PayTraceSimulator::capture(const QJsonObject &body)
{
    qint64 id = 0;
    if (!idFromJson(body.value(u"transaction_id"_s), &id))
        return errorsResponse({{58, u"Please provide a valid Transaction ID."_s}});
    std::optional<qint64> amount;
    if (body.contains(u"amount"_s)) {
        qint64 cents = 0;
        if (!amountFromJson(body.value(u"amount"_s), &cents) || cents <= 0)
            return errorsResponse({{kErrAmount, u"Please provide a valid Transaction Amount."_s}});
        amount = cents;
    }
    if (const auto error = m_state.capture(id, amount, m_clock->nowSecs()))
        return errorsResponse({{error->code, error->message}});
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 112);
    w.fieldLatin1("status_message", "Your transaction was successfully captured.");
    w.field("transaction_id", id);
    w.fieldLatin1("external_transaction_id", "");
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::voidTransaction(const QJsonObject &body)
{
    qint64 id = 0;
    if (!idFromJson(body.value(u"transaction_id"_s), &id))
        return errorsResponse({{58, u"Please provide a valid Transaction ID."_s}}, false);
    if (const auto error = m_state.voidTransaction(id, m_clock->nowSecs()))
        return errorsResponse({{error->code, error->message}}, false);
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 109);
    w.fieldLatin1("status_message", "Your transaction was successfully voided.");
    w.field("transaction_id", id);
    w.endObject();
    return HttpResponse::json(200, out);
}

namespace {

HttpResponse refundedResponse(qint64 id)
{
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 106);
    w.fieldLatin1("status_message", "Your transaction successfully refunded.");
    w.field("transaction_id", id);
    w.fieldLatin1("external_transaction_id", "");
    w.endObject();
    return HttpResponse::json(200, out);
}

} // namespace

HttpResponse PayTraceSimulator::refundForTransaction(const QJsonObject &body)
{
    qint64 id = 0;
    if (!idFromJson(body.value(u"transaction_id"_s), &id))
        return errorsResponse({{58, u"Please provide a valid Transaction ID."_s}});
    std::optional<qint64> amount;
    if (body.contains(u"amount"_s)) {
        qint64 cents = 0;
        if (!amountFromJson(body.value(u"amount"_s), &cents) || cents <= 0)
            return errorsResponse({{kErrAmount, u"Please provide a valid Transaction Amount."_s}});
        amount = cents;
    }
    qint64 refundId = 0;
    if (const auto error = m_state.refund(id, amount, m_clock->nowSecs(), &refundId))
        return errorsResponse({{error->code, error->message}});
    return refundedResponse(refundId);
}

HttpResponse PayTraceSimulator::refundKeyed(const QJsonObject &body)
{
    const qint64 now = m_clock->nowSecs();
    QList<FieldError> errors;
    qint64 amount = 0;
    if (!amountFromJson(body.value(u"amount"_s), &amount) || amount <= 0)
        errors.append({kErrAmount, u"Please provide a valid Transaction Amount."_s});
    PayTraceTransaction t;
    cardFromJson(body, &t.card, &errors, now);
    if (!errors.isEmpty())
        return errorsResponse(errors);
    if (t.card.expirationYear < 0)
        t.card.expirationYear = -t.card.expirationYear;
    t.amount = amount;
    t.billing = addressFromJson(body.value(u"billing_address"_s).toObject());
    t.invoiceId = stringField(body, u"invoice_id"_s);
    t.description = stringField(body, u"description"_s);
    t.createdBy = m_credentials.paytraceUsername;
    t.fromIp = u"127.0.0.1"_s;
    return refundedResponse(m_state.addKeyedRefund(t, now));
}

HttpResponse PayTraceSimulator::settle()
{
    const auto batch = m_state.closeBatchNow(m_clock->nowSecs());
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 1);
    w.fieldLatin1("status_message", kSuccessMessage);
    if (batch) {
        w.field("batch_number", batch->number);
        w.field("transaction_count", qint64(batch->transactionIds.size()));
    }
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::customerCreate(const QJsonObject &body)
{
    const qint64 now = m_clock->nowSecs();
    QList<FieldError> errors;
    PayTraceCustomer c;
    c.customerId = stringField(body, u"customer_id"_s);
    if (c.customerId.isEmpty())
        errors.append({kErrCustomerId, u"Please provide a valid Customer ID."_s});
    cardFromJson(body, &c.card, &errors, now);
    if (!errors.isEmpty())
        return errorsResponse(errors, false);
    if (c.card.expirationYear < 0)
        c.card.expirationYear = -c.card.expirationYear;
    c.billing = addressFromJson(body.value(u"billing_address"_s).toObject());
    c.shipping = addressFromJson(body.value(u"shipping_address"_s).toObject());
    c.email = stringField(body, u"email"_s);
    c.phone = stringField(body, u"phone"_s);
    c.createdAt = now;
    if (const auto error = m_state.addCustomer(c)) {
        QByteArray out;
        JsonWriter w(&out);
        w.beginObject();
        w.fieldBool("success", false);
        w.fieldInt("response_code", 1);
        w.fieldLatin1("status_message", "One or more errors has occurred.");
        w.key("errors");
        w.beginObject();
        w.key(QByteArray::number(error->code));
        w.beginArray();
        w.string(error->message);
        w.endArray();
        w.endObject();
        w.fieldLatin1("masked_card_number", maskedForResponse(c.card));
        w.endObject();
        return HttpResponse::json(400, out);
    }
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 160);
    w.field("status_message", u"The customer profile for %1/%2 was successfully created."_s.arg(c.customerId, c.billing.name));
    w.field("customer_id", c.customerId);
    w.fieldLatin1("masked_card_number", maskedForResponse(c.card));
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::customerUpdate(const QJsonObject &body)
{
    const QString id = stringField(body, u"customer_id"_s);
    const PayTraceCustomer *existing = m_state.findCustomer(id);
    if (!existing)
        return errorsResponse({{30, u"Customer ID, %1, was not found or is incomplete."_s.arg(id)}}, false);
    PayTraceCustomer changed = *existing;
    QList<FieldError> errors;
    const QJsonObject cc = body.value(u"credit_card"_s).toObject();
    if (body.contains(u"credit_card"_s) && !cc.contains(u"number"_s)) {
        // A new expiry for the card on file (no number sent): month and year only.
        int month = 0, year = 0;
        if (!intField(cc.value(u"expiration_month"_s), &month) || month < 1 || month > 12)
            errors.append({43, u"Please provide a valid Expiration Month."_s});
        if (!intField(cc.value(u"expiration_year"_s), &year) || year < 0 || (year > 99 && (year < 2000 || year > 2099)))
            errors.append({44, u"Please provide a valid Expiration Year."_s});
        if (errors.isEmpty()) {
            changed.card.expirationMonth = month;
            changed.card.expirationYear = year <= 99 ? year + 2000 : year;
        }
    } else if (body.contains(u"credit_card"_s)) {
        PayTraceCard card;
        if (cardFromJson(body, &card, &errors, m_clock->nowSecs())) {
            if (card.expirationYear < 0)
                card.expirationYear = -card.expirationYear;
            changed.card = card;
        }
    }
    if (!errors.isEmpty())
        return errorsResponse(errors, false);
    if (body.contains(u"billing_address"_s))
        changed.billing = addressFromJson(body.value(u"billing_address"_s).toObject());
    if (body.contains(u"shipping_address"_s))
        changed.shipping = addressFromJson(body.value(u"shipping_address"_s).toObject());
    if (body.contains(u"email"_s))
        changed.email = stringField(body, u"email"_s);
    if (body.contains(u"phone"_s))
        changed.phone = stringField(body, u"phone"_s);
    const QString newId = stringField(body, u"new_id"_s);
    if (const auto error = m_state.updateCustomer(id, changed, newId))
        return errorsResponse({{error->code, error->message}}, false);
    const QString finalId = newId.isEmpty() ? id : newId;
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 161);
    w.field("status_message", u"The customer profile for %1/%2 was successfully updated."_s.arg(finalId, changed.billing.name));
    w.field("customer_id", finalId);
    w.fieldLatin1("masked_card_number", maskedForResponse(changed.card));
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::customerDelete(const QJsonObject &body)
{
    const QString id = stringField(body, u"customer_id"_s);
    const PayTraceCustomer *existing = m_state.findCustomer(id);
    const QString name = existing ? existing->billing.name : QString();
    if (const auto error = m_state.deleteCustomer(id))
        return errorsResponse({{error->code, error->message}}, false);
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 162);
    w.field("status_message", u"The customer profile for %1/%2 was successfully deleted."_s.arg(id, name));
    w.field("customer_id", id);
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::customerExport(const QJsonObject &body)
{
    const QString id = stringField(body, u"customer_id"_s);
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 1);
    w.fieldLatin1("status_message", kSuccessMessage);
    w.key("customers");
    w.beginArray();
    for (const PayTraceCustomer &c : m_state.customers()) {
        if (!id.isEmpty() && c.customerId != id)
            continue;
        w.beginObject();
        w.field("customer_id", c.customerId);
        w.key("credit_card");
        w.beginObject();
        // As PayTrace exports a profile's card: x-masked, month and two-digit year as text.
        w.fieldLatin1("masked_number", maskedForResponse(c.card));
        w.field("expiration_month", QString::number(c.card.expirationMonth).rightJustified(2, u'0'));
        w.field("expiration_year", QString::number(c.card.expirationYear % 100).rightJustified(2, u'0'));
        w.endObject();
        for (const auto &[key, a] : {std::pair{QByteArrayView("billing_address"), &c.billing},
                                     std::pair{QByteArrayView("shipping_address"), &c.shipping}}) {
            w.key(key);
            w.beginObject();
            w.field("name", a->name);
            w.field("street_address", a->streetAddress);
            w.field("street_address2", a->streetAddress2);
            w.field("city", a->city);
            w.field("state", a->state);
            w.field("zip", a->zip);
            w.field("country", a->country);
            w.endObject();
        }
        w.field("email", c.email);
        w.field("phone", c.phone);
        w.key("created");
        w.beginObject();
        w.fieldLatin1("at", paytraceTime(c.createdAt));
        w.endObject();
        w.endObject();
    }
    w.endArray();
    w.endObject();
    return HttpResponse::json(200, out);
}

namespace {

// Batch field names are not documented for v1 JSON (docs/paytrace.md §2.4): these follow the legacy
// names (BATCHNUM, WHEN, TRANXCOUNT, NETAMOUNT, SALES*, REFUND*) in snake case.
void writeBatch(JsonWriter &w, const PayTraceBatch &b)
{
    w.beginObject();
    w.field("number", b.number);
    w.fieldLatin1("created", paytraceTime(b.closedAt));
    w.field("transaction_count", qint64(b.transactionIds.size()));
    w.fieldMoney("net_amount", b.netAmount(), 2);
    w.field("sales_count", b.salesCount);
    w.fieldMoney("sales_amount", b.salesAmount, 2);
    w.field("refund_count", b.refundCount);
    w.fieldMoney("refund_amount", b.refundAmount, 2);
    w.endObject();
}

} // namespace

HttpResponse PayTraceSimulator::batchExportOne(const QJsonObject &body)
{
    const QList<PayTraceBatch> &batches = m_state.batches();
    const PayTraceBatch *found = nullptr;
    if (body.contains(u"batch_number"_s)) {
        qint64 number = 0;
        if (!idFromJson(body.value(u"batch_number"_s), &number))
            return errorsResponse({{kErrBatchNumber, u"Please provide a valid Batch Number."_s}});
        for (const PayTraceBatch &b : batches) {
            if (b.number == number)
                found = &b;
        }
        if (!found)
            return errorsResponse({{kErrBatchNumber, u"The Batch Number that you provided was not found."_s}});
    } else if (!batches.isEmpty()) {
        found = &batches.last();
    }
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 1);
    w.fieldLatin1("status_message", kSuccessMessage);
    if (found) {
        w.key("batch");
        writeBatch(w, *found);
    }
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::batchExport(const QJsonObject &body)
{
    qint64 startDay = 0, endDay = 0;
    QList<FieldError> errors;
    if (!parsePaytraceDate(body.value(u"start_date"_s).toString().toLatin1(), &startDay))
        errors.append({kErrStartDate, u"Please provide a valid Start Date (MM/DD/YYYY)."_s});
    if (!parsePaytraceDate(body.value(u"end_date"_s).toString().toLatin1(), &endDay))
        errors.append({kErrEndDate, u"Please provide a valid End Date (MM/DD/YYYY)."_s});
    if (!errors.isEmpty())
        return errorsResponse(errors);
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 1);
    w.fieldLatin1("status_message", kSuccessMessage);
    w.key("batches");
    w.beginArray();
    for (const PayTraceBatch &b : m_state.batches()) {
        const qint64 day = pacificDayNumber(b.closedAt);
        if (day >= startDay && day <= endDay)
            writeBatch(w, b);
    }
    w.endArray();
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::batchTransactionList(const QJsonObject &body)
{
    qint64 number = 0;
    if (!idFromJson(body.value(u"batch_number"_s), &number))
        return errorsResponse({{kErrBatchNumber, u"Please provide a valid Batch Number."_s}});
    QList<const PayTraceTransaction *> list;
    bool found = false;
    for (const PayTraceBatch &b : m_state.batches()) {
        if (b.number != number)
            continue;
        found = true;
        for (qint64 id : b.transactionIds) {
            if (const PayTraceTransaction *t = m_state.find(id))
                list.append(t);
        }
    }
    if (!found)
        return errorsResponse({{kErrBatchNumber, u"The Batch Number that you provided was not found."_s}});
    return exportEnvelope(list, false);
}

HttpResponse PayTraceSimulator::refundToCustomer(const QJsonObject &body)
{
    QList<FieldError> errors;
    qint64 amount = 0;
    if (!amountFromJson(body.value(u"amount"_s), &amount) || amount <= 0)
        errors.append({kErrAmount, u"Please provide a valid Transaction Amount."_s});
    const QString customerId = stringField(body, u"customer_id"_s);
    const PayTraceCustomer *c = m_state.findCustomer(customerId);
    if (!c)
        errors.append({30, u"Customer ID, %1, was not found or is incomplete."_s.arg(customerId)});
    if (!errors.isEmpty())
        return errorsResponse(errors);
    PayTraceTransaction t;
    t.card = c->card;
    t.billing = c->billing;
    t.shipping = c->shipping;
    t.customerId = c->customerId;
    t.amount = amount;
    t.invoiceId = stringField(body, u"invoice_id"_s);
    t.description = stringField(body, u"description"_s);
    t.createdBy = m_credentials.paytraceUsername;
    t.fromIp = u"127.0.0.1"_s;
    return refundedResponse(m_state.addKeyedRefund(t, m_clock->nowSecs()));
}

HttpResponse PayTraceSimulator::customerFromTransaction(const QJsonObject &body)
{
    PayTraceCustomer c;
    c.customerId = stringField(body, u"customer_id"_s);
    if (c.customerId.isEmpty())
        return errorsResponse({{kErrCustomerId, u"Please provide a valid Customer ID."_s}}, false);
    qint64 id = 0;
    if (!idFromJson(body.value(u"transaction_id"_s), &id))
        return errorsResponse({{58, u"Please provide a valid Transaction ID."_s}}, false);
    const PayTraceTransaction *t = m_state.find(id);
    if (!t || t->kind == PayTraceKind::Refund)
        return errorsResponse({{811, u"The Transaction ID that you provided was not found."_s}}, false);
    c.card = t->card;
    c.billing = body.contains(u"billing_address"_s) ? addressFromJson(body.value(u"billing_address"_s).toObject())
                                                    : t->billing;
    c.shipping = t->shipping;
    c.email = stringField(body, u"email"_s);
    c.createdAt = m_clock->nowSecs();
    if (const auto error = m_state.addCustomer(c))
        return errorsResponse({{error->code, error->message}}, false);
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 160);
    w.field("status_message", u"The customer profile for %1/%2 was successfully created."_s.arg(c.customerId, c.billing.name));
    w.field("customer_id", c.customerId);
    w.fieldLatin1("masked_card_number", maskedForResponse(c.card));
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::levelThree(const QJsonObject &body, QStringView brand)
{
    qint64 id = 0;
    if (!idFromJson(body.value(u"transaction_id"_s), &id))
        return errorsResponse({{58, u"Please provide a valid Transaction ID."_s}});
    const PayTraceTransaction *t = m_state.find(id);
    if (!t)
        return errorsResponse({{811, u"The Transaction ID that you provided was not found."_s}});
    // Level 3 goes only on approved, unsettled sales/auths of the matching brand (docs/paytrace.md §2.1).
    if (!t->approved || t->voided || t->settledAt || t->kind == PayTraceKind::Refund || t->card.brand != brand)
        return errorsResponse({{kErrLevelThree, u"Level 3 data can only be added to an approved, unsettled %1 transaction."_s.arg(brand)}});
    const QJsonValue items = body.value(u"line_items"_s);
    if (!items.isUndefined() && !items.isArray())
        return errorsResponse({{kErrLevelThree, u"line_items must be a list."_s}});
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 170);
    w.field("status_message", u"Visa/MasterCard enhanced data was successfully added to Transaction ID %1."_s.arg(id));
    w.field("transaction_id", id);
    w.endObject();
    return HttpResponse::json(200, out);
}

HttpResponse PayTraceSimulator::emailReceipt(const QJsonObject &body)
{
    qint64 id = 0;
    if (!idFromJson(body.value(u"transaction_id"_s), &id))
        return errorsResponse({{58, u"Please provide a valid Transaction ID."_s}});
    if (!m_state.find(id))
        return errorsResponse({{811, u"The Transaction ID that you provided was not found."_s}});
    const QString email = stringField(body, u"email"_s);
    const qsizetype at = email.indexOf(u'@');
    if (at < 1 || at == email.size() - 1 || email.count(u'@') != 1)
        return errorsResponse({{kErrEmail, u"Please provide a valid Email Address."_s}});
    QByteArray out;
    JsonWriter w(&out);
    w.beginObject();
    w.fieldBool("success", true);
    w.fieldInt("response_code", 149);
    w.field("status_message", u"Your receipt for Transaction ID %1 was successfully emailed to %2."_s.arg(id).arg(email));
    w.endObject();
    return HttpResponse::json(200, out);
}

QList<PayTraceTransaction> PayTraceSimulator::transactions() const
{
    QMutexLocker lock(&m_mutex);
    m_state.closeDueBatches(m_clock->nowSecs());
    const auto &all = m_state.transactions();
    return QList<PayTraceTransaction>(all.begin(), all.end());
}

std::optional<PayTraceTransaction> PayTraceSimulator::transaction(qint64 id) const
{
    QMutexLocker lock(&m_mutex);
    m_state.closeDueBatches(m_clock->nowSecs());
    const PayTraceTransaction *t = m_state.find(id);
    return t ? std::optional<PayTraceTransaction>(*t) : std::nullopt;
}

QList<PayTraceTransaction> PayTraceSimulator::transactionsForInvoice(const QString &invoiceId) const
{
    QMutexLocker lock(&m_mutex);
    m_state.closeDueBatches(m_clock->nowSecs());
    QList<PayTraceTransaction> out;
    for (const PayTraceTransaction &t : m_state.transactions()) {
        if (t.invoiceId == invoiceId)
            out.append(t);
    }
    return out;
}

QList<PayTraceBatch> PayTraceSimulator::batches() const
{
    QMutexLocker lock(&m_mutex);
    m_state.closeDueBatches(m_clock->nowSecs());
    return m_state.batches();
}

QList<LedgerEntry> PayTraceSimulator::ledger() const
{
    QMutexLocker lock(&m_mutex);
    m_state.closeDueBatches(m_clock->nowSecs());
    return m_state.ledger();
}

bool PayTraceSimulator::adminUpdateCustomer(const PayTraceCustomer &customer)
{
    QMutexLocker lock(&m_mutex);
    return !m_state.updateCustomer(customer.customerId, customer, QString()).has_value();
}

QList<PayTraceCustomer> PayTraceSimulator::customers() const
{
    QMutexLocker lock(&m_mutex);
    m_state.closeDueBatches(m_clock->nowSecs());
    return m_state.customers();
}

std::optional<PayTraceBatch> PayTraceSimulator::settleNow()
{
    QMutexLocker lock(&m_mutex);
    return m_state.closeBatchNow(m_clock->nowSecs());
}

void PayTraceSimulator::revokeTokens()
{
    QMutexLocker lock(&m_mutex);
    m_state.revokeTokens();
}

} // namespace pb::sandbox
