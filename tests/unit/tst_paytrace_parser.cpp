#include "paytrace/parser.h"
#include "testsupport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using pb::GatewayTransaction;
using pb::paytrace::Outcome;
using pb::paytrace::Parser;

namespace {

pb::net::HttpResponse http(int status, const QByteArray &body, pb::net::Effect effect = pb::net::Effect::Write)
{
    pb::net::HttpResponse r;
    r.status = status;
    r.body = body;
    r.effect = effect;
    r.requestSent = true;
    return r;
}

QByteArray exportBody(const QJsonArray &records)
{
    QJsonObject o{{"success"_L1, true},
                  {"response_code"_L1, 1},
                  {"status_message"_L1, "Your request has been successfully completed."_L1},
                  {"transactions"_L1, records},
                  {"external_transaction_id"_L1, ""_L1}};
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// The record of docs/paytrace.md §4.4 (H-EXP), with the fields varied by the tests.
QJsonObject sampleRecord()
{
    return QJsonObject{
        {"transaction_id"_L1, 1143},
        {"credit_card"_L1, QJsonObject{{"masked_number"_L1, "************5454"_L1},
                                      {"expiration_month"_L1, 12}, {"expiration_year"_L1, 20}}},
        {"transaction_type"_L1, "SALE"_L1},
        {"description"_L1, "Description"_L1},
        {"amount"_L1, 110},
        {"invoice_id"_L1, "inv1234"_L1},
        {"tax_amount"_L1, "8.10"_L1},
        {"approval_code"_L1, "TAS679"_L1},
        {"approval_message"_L1, "  NO  MATCH - Approved and completed"_L1},
        {"avs_response"_L1, "No Match"_L1},
        {"csc_response"_L1, ""_L1},
        {"status_code"_L1, "GB571"_L1},
        {"status_message"_L1, "Settled"_L1},
        {"created"_L1, QJsonObject{{"through"_L1, "API"_L1}, {"at"_L1, "4/10/2015 4:06:30 PM"_L1},
                                  {"by"_L1, "demo123"_L1}, {"from_ip"_L1, "10.0.0.1"_L1}}},
        {"settled"_L1, "4/10/2015 8:13:45 PM"_L1},
        {"customer_id"_L1, ""_L1}};
}

QDateTime utc(int y, int mo, int d, int h, int mi, int s)
{
    return QDateTime(QDate(y, mo, d), QTime(h, mi, s), QTimeZone::utc());
}

} // namespace

class TestPayTraceParser : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyRecordingHasAnExpectation();
    void recordings_data();
    void recordings();
    void oauthToken();
    void oauthInvalidGrant();
    void declinedKeepsProcessorText();
    void severalErrorCodes();
    void unknownCodesDoNotCrash_data();
    void unknownCodesDoNotCrash();
    void transportDecides_data();
    void transportDecides();
    void exportRecord();
    void exportStatuses_data();
    void exportStatuses();
    void exportAmounts_data();
    void exportAmounts();
    void exportTimes_data();
    void exportTimes();
    void cardTypes_data();
    void cardTypes();
    void hostileBodies_data();
    void hostileBodies();
    void hostileExports_data();
    void hostileExports();

private:
    // file → expected kind, response code (-1 none), transaction id, error codes
    struct Expect
    {
        Outcome::Kind kind;
        int code;
        QString transactionId;
        QStringList errorCodes;
    };
    static QHash<QString, Expect> expectations();
};

QHash<QString, TestPayTraceParser::Expect> TestPayTraceParser::expectations()
{
    using K = Outcome::Kind;
    return {
        {u"ach_multiple_errors.response.json"_s, {K::ValidationError, 1, {}, {u"30"_s, u"45"_s, u"46"_s}}},
        {u"authorization_declined_with_discretionary_data.response.json"_s, {K::Declined, 102, u"178965251"_s, {}}},
        {u"capture_approved.response.json"_s, {K::Approved, 112, u"392442990"_s, {}}},
        {u"capture_error_not_capturable.response.json"_s, {K::NotCapturable, 1, {}, {u"816"_s}}},
        {u"customer_create_approved.response.json"_s, {K::Approved, 160, {}, {}}},
        {u"customer_create_duplicate_id.response.json"_s, {K::ValidationError, 1, {}, {u"171"_s}}},
        {u"level3_visa_approved.response.json"_s, {K::Approved, 170, {}, {}}},
        {u"refund_approved.response.json"_s, {K::Approved, 106, u"105968559"_s, {}}},
        {u"refund_error_insufficient_permissions.response.json"_s, {K::AuthFailure, 1, {}, {u"981"_s}}},
        {u"refund_error_not_settled.response.json"_s, {K::NotRefundableUseVoid, 1, {}, {u"817"_s}}},
        {u"sale_by_customer_approved.response.json"_s, {K::Approved, 101, u"125391269"_s, {}}},
        {u"sale_keyed_approved.response.json"_s, {K::Approved, 101, u"125391271"_s, {}}},
        {u"sale_keyed_declined.response.json"_s, {K::Declined, 102, u"392501201"_s, {}}},
        {u"void_approved.response.json"_s, {K::Approved, 109, u"395971574"_s, {}}},
        {u"void_error_not_pending_settlement.response.json"_s, {K::NotVoidableUseRefund, 1, {}, {u"818"_s}}},
    };
}

void TestPayTraceParser::everyRecordingHasAnExpectation()
{
    // A new recording must get an expectation here (or in a dedicated test below).
    const QStringList special{u"oauth_token.response.json"_s, u"oauth_token_invalid_grant.response.json"_s,
                              u"sale_keyed.request.json"_s};
    const QDir dir(pb::test::sharedDir() + u"/api/recordings/paytrace"_s);
    const QStringList files = dir.entryList({u"*.json"_s}, QDir::Files);
    QVERIFY(files.size() >= 18);
    const auto table = expectations();
    for (const QString &f : files)
        QVERIFY2(table.contains(f) || special.contains(f), qPrintable(f));
}

void TestPayTraceParser::recordings_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("status");
    const auto table = expectations();
    for (auto it = table.begin(); it != table.end(); ++it) {
        // Decisions come from the body, so the same body must give the same outcome whatever
        // status PayTrace used for it (docs/paytrace.md §4.6).
        for (int status : {200, 400}) {
            QTest::addRow("%s/%d", qPrintable(it.key()), status) << it.key() << status;
        }
    }
}

void TestPayTraceParser::recordings()
{
    QFETCH(QString, file);
    QFETCH(int, status);
    const QByteArray body = pb::test::recording(u"paytrace/"_s + file);
    const Expect e = expectations().value(file);

    auto parsed = Parser::parseResponse(body);
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().toString()));
    QCOMPARE(parsed->responseCode.value_or(-1), e.code);
    QCOMPARE(parsed->transactionId, e.transactionId);
    QStringList codes;
    for (const auto &err : parsed->errors) {
        codes.append(err.code);
        QVERIFY(!err.messages.isEmpty());
    }
    codes.sort();
    QCOMPARE(codes, e.errorCodes);

    const Outcome out = Parser::outcomeFor(http(status, body));
    QCOMPARE(Outcome::kindName(out.kind), Outcome::kindName(e.kind));
    QCOMPARE(out.httpStatus, status);
    QCOMPARE(out.ok(), e.kind == Outcome::Kind::Approved);
}

void TestPayTraceParser::oauthToken()
{
    auto t = Parser::parseToken(pb::test::recording(u"paytrace/oauth_token.response.json"_s));
    QVERIFY(t.ok());
    QCOMPARE(t->accessToken, u"<ACCESS_TOKEN>"_s);
    QCOMPARE(t->tokenType, u"Bearer"_s);
    QCOMPARE(t->expiresIn, 7200);
    QCOMPARE(t->createdAt.value_or(0), 1733511471);

    // Lower-case type (2016 docs) and no created_at are fine; a missing lifetime is not.
    QVERIFY(Parser::parseToken(R"({"access_token":"a:b:c","token_type":"bearer","expires_in":7200})").ok());
    auto noLifetime = Parser::parseToken(R"({"access_token":"x","token_type":"bearer"})");
    QVERIFY(!noLifetime.ok());
    QCOMPARE(noLifetime.error().field, u"expires_in"_s);
    auto mac = Parser::parseToken(R"({"access_token":"x","token_type":"mac","expires_in":10})");
    QVERIFY(!mac.ok());
    QCOMPARE(mac.error().field, u"token_type"_s);
}

void TestPayTraceParser::oauthInvalidGrant()
{
    const QByteArray body = pb::test::recording(u"paytrace/oauth_token_invalid_grant.response.json"_s);
    QVERIFY(!Parser::parseToken(body).ok());
    for (int status : {400, 401}) {
        const Outcome out = Parser::outcomeFor(http(status, body, pb::net::Effect::Read));
        QCOMPARE(out.kind, Outcome::Kind::AuthFailure);
        QCOMPARE(out.error.code, u"paytrace.oauth.invalid_grant"_s);
        QVERIFY(out.error.message.startsWith(u"The provided authorization grant is invalid"_s));
        QCOMPARE(out.errorClass(), pb::net::ErrorClass::Auth);
    }
    const Outcome expired = Parser::outcomeFor(
        http(401, R"({"error":"invalid_token","error_description":"The access token expired"})"));
    QCOMPARE(expired.kind, Outcome::Kind::AuthFailure);
    QCOMPARE(expired.error.code, u"paytrace.oauth.invalid_token"_s);
}

void TestPayTraceParser::declinedKeepsProcessorText()
{
    const Outcome out = Parser::outcomeFor(http(200, pb::test::recording(
        u"paytrace/authorization_declined_with_discretionary_data.response.json"_s)));
    QCOMPARE(out.kind, Outcome::Kind::Declined);
    QCOMPARE(out.processorText, u"DECLINE - Do not honor"_s);
    QCOMPARE(out.response.approvalMessage, u"    DECLINE      - Do not honor"_s); // raw text kept
    QCOMPARE(out.response.avsResponse, u"0"_s);
    QCOMPARE(out.response.cscResponse, u"Match"_s);
    QCOMPARE(out.response.maskedCardNumber, u"xxxxxxxxxxxx5439"_s);
    QCOMPARE(out.response.discretionaryData.value("BALANCEAMOUNT"_L1).toString(), u"11111.11"_s);
    QCOMPARE(out.errorClass(), pb::net::ErrorClass::Permanent);

    const Outcome approved = Parser::outcomeFor(http(200, pb::test::recording(u"paytrace/sale_keyed_approved.response.json"_s)));
    QCOMPARE(approved.response.approvalCode, u"TAS445"_s);
    QCOMPARE(approved.response.avsResponse, u"No Match"_s);
    QCOMPARE(approved.processorText, u"NO MATCH - Approved and completed"_s);
}

void TestPayTraceParser::severalErrorCodes()
{
    auto r = Parser::parseResponse(pb::test::recording(u"paytrace/ach_multiple_errors.response.json"_s));
    QVERIFY(r.ok());
    QCOMPARE(r->errors.size(), 3);
    QVERIFY(r->hasError(u"45"));
    for (const auto &e : r->errors) {
        if (e.code == u"30")
            QCOMPARE(e.messages, QStringList{u"Customer ID, customerid123, was not found or is incomplete."_s});
    }
    // Several messages under one code, and a fallback code among others.
    auto multi = Parser::parseResponse(
        R"({"success":false,"response_code":1,"errors":{"35":["a","b"],"817":["not settled"]}})");
    QVERIFY(multi.ok());
    QCOMPARE(multi->errors.first().messages.size(), 2);
    QCOMPARE(Parser::decide(*multi).kind, Outcome::Kind::NotRefundableUseVoid);
}

void TestPayTraceParser::unknownCodesDoNotCrash_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind");
    using K = Outcome::Kind;
    QTest::newRow("unknown success code") << QByteArray(R"({"success":true,"response_code":555})") << int(K::Approved);
    QTest::newRow("unknown failure code") << QByteArray(R"({"success":false,"response_code":999,"status_message":"?"})") << int(K::Declined);
    QTest::newRow("unknown error code") << QByteArray(R"({"success":false,"response_code":1,"errors":{"9999":["new"]}})") << int(K::ValidationError);
    QTest::newRow("code as string") << QByteArray(R"({"success":false,"response_code":"102"})") << int(K::Declined);
    QTest::newRow("auto-voided 103") << QByteArray(R"({"success":false,"response_code":103})") << int(K::Declined);
    QTest::newRow("no code at all") << QByteArray(R"({"success":true})") << int(K::Approved);
    QTest::newRow("export code 1 success") << QByteArray(R"({"success":true,"response_code":1,"transactions":[]})") << int(K::Approved);
    QTest::newRow("unknown avs text") << QByteArray(R"({"success":true,"response_code":101,"avs_response":"Galactic Match","transaction_id":"7"})") << int(K::Approved);
    QTest::newRow("single message not a list") << QByteArray(R"({"success":false,"response_code":1,"errors":{"58":"Please provide a valid Transaction ID."}})") << int(K::ValidationError);
}

void TestPayTraceParser::unknownCodesDoNotCrash()
{
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    const Outcome out = Parser::outcomeFor(http(200, body));
    QCOMPARE(Outcome::kindName(out.kind), Outcome::kindName(Outcome::Kind(kind)));
}

void TestPayTraceParser::transportDecides_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("netError");
    QTest::addColumn<bool>("write");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("kind");
    QTest::addColumn<int>("retryAfter");
    using K = Outcome::Kind;
    using E = pb::net::NetworkError;
    QTest::newRow("429") << 429 << int(E::None) << true << QByteArray("{}") << int(K::RateLimited) << 30;
    QTest::newRow("503 html") << 503 << int(E::None) << false << QByteArray("<html>") << int(K::Transient) << -1;
    QTest::newRow("504 write html") << 504 << int(E::None) << true << QByteArray("<html>") << int(K::InDoubt) << -1;
    QTest::newRow("timeout write sent") << 0 << int(E::Timeout) << true << QByteArray() << int(K::InDoubt) << -1;
    QTest::newRow("timeout read") << 0 << int(E::Timeout) << false << QByteArray() << int(K::Transient) << -1;
    QTest::newRow("refused write") << 0 << int(E::ConnectionRefused) << true << QByteArray() << int(K::Transient) << -1;
    QTest::newRow("tls") << 0 << int(E::Tls) << true << QByteArray() << int(K::Transient) << -1;
    QTest::newRow("200 garbage write") << 200 << int(E::None) << true << QByteArray("<html>oops") << int(K::InDoubt) << -1;
    QTest::newRow("200 garbage read") << 200 << int(E::None) << false << QByteArray("{\"success\":tru") << int(K::Transient) << -1;
    QTest::newRow("401 no body") << 401 << int(E::None) << false << QByteArray() << int(K::AuthFailure) << -1;
    QTest::newRow("500 with v1 body") << 500 << int(E::None) << true
                                      << QByteArray(R"({"success":false,"response_code":1,"errors":{"58":["x"]}})")
                                      << int(K::ValidationError) << -1;
    QTest::newRow("500 error body write") << 500 << int(E::None) << true
                                          << QByteArray(R"({"status":500,"error":"Internal Server Error"})")
                                          << int(K::InDoubt) << -1; // the write may have been saved
    QTest::newRow("500 error body read") << 500 << int(E::None) << false
                                         << QByteArray(R"({"status":500,"error":"Internal Server Error"})")
                                         << int(K::Transient) << -1;
}

void TestPayTraceParser::transportDecides()
{
    QFETCH(int, status);
    QFETCH(int, netError);
    QFETCH(bool, write);
    QFETCH(QByteArray, body);
    QFETCH(int, kind);
    QFETCH(int, retryAfter);
    pb::net::HttpResponse r = http(status, body, write ? pb::net::Effect::Write : pb::net::Effect::Read);
    r.error = pb::net::NetworkError(netError);
    r.requestSent = true;
    if (status == 429)
        r.headers.append({QByteArrayLiteral("Retry-After"), QByteArrayLiteral("30")});
    const Outcome out = Parser::outcomeFor(r);
    QCOMPARE(Outcome::kindName(out.kind), Outcome::kindName(Outcome::Kind(kind)));
    QCOMPARE(out.retryAfterSeconds, retryAfter);
    if (pb::net::NetworkError(netError) == pb::net::NetworkError::Tls)
        QCOMPARE(out.errorClass(), pb::net::ErrorClass::Tls);
}

void TestPayTraceParser::exportRecord()
{
    QJsonObject rec = sampleRecord();
    auto list = Parser::parseTransactions(QJsonDocument::fromJson(exportBody({rec})).object());
    QVERIFY2(list.ok(), qPrintable(list.ok() ? QString() : list.error().toString()));
    QCOMPARE(list->size(), 1);
    const GatewayTransaction &t = list->first();
    QCOMPARE(t.transactionId, u"1143"_s);
    QCOMPARE(t.type, GatewayTransaction::Type::Sale);
    QCOMPARE(t.typeText, u"SALE"_s);
    QCOMPARE(t.amount.minor(), 11000);
    QCOMPARE(t.amount.currency().code(), u"USD"_s);
    QCOMPARE(t.status, GatewayTransaction::Status::Settled);
    QCOMPARE(t.batch, u"571"_s);
    QCOMPARE(t.invoiceId, u"inv1234"_s);
    QCOMPARE(t.cardLast4, u"5454"_s);
    QCOMPARE(t.cardType, QString()); // no leading digits visible
    QCOMPARE(t.approvalCode, u"TAS679"_s);
    QCOMPARE(t.approvalMessage, u"  NO  MATCH - Approved and completed"_s);
    QCOMPARE(t.avsResponse, u"No Match"_s);
    QCOMPARE(t.createdAtText, u"4/10/2015 4:06:30 PM"_s);
    QCOMPARE(t.createdAt, utc(2015, 4, 10, 23, 6, 30)); // PDT, UTC-7
    QCOMPARE(t.settledAtText, u"4/10/2015 8:13:45 PM"_s);
    QCOMPARE(t.settledAt, utc(2015, 4, 11, 3, 13, 45));

    // Unsettled: empty settled, no batch.
    rec["status_code"_L1] = "Y"_L1;
    rec["settled"_L1] = ""_L1;
    rec["transaction_id"_L1] = "99"_L1; // ids come as strings too
    auto pending = Parser::parseTransaction(rec, u"transactions[0]"_s);
    QVERIFY(pending.ok());
    QCOMPARE(pending->transactionId, u"99"_s);
    QCOMPARE(pending->status, GatewayTransaction::Status::PendingSettlement);
    QVERIFY(!pending->settledAt.isValid());
    QVERIFY(pending->batch.isEmpty());

    // No transactions key at all is an empty export.
    auto empty = Parser::parseTransactions(QJsonObject{{"success"_L1, true}});
    QVERIFY(empty.ok());
    QVERIFY(empty->isEmpty());
}

void TestPayTraceParser::exportStatuses_data()
{
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("message");
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("batch");
    using S = GatewayTransaction::Status;
    QTest::newRow("GB571") << u"GB571"_s << u"Settled"_s << u"SALE"_s << int(S::Settled) << u"571"_s;
    QTest::newRow("Settled12") << u"Settled12"_s << QString() << u"SALE"_s << int(S::Settled) << u"12"_s;
    QTest::newRow("Y") << u"Y"_s << u"Pending Settlement"_s << u"SALE"_s << int(S::PendingSettlement) << QString();
    QTest::newRow("N auth only") << u"N"_s << u"Authorization Only"_s << u"AUTHORIZATION"_s << int(S::AuthorizedOnly) << QString();
    QTest::newRow("N voided") << u"N"_s << u"Voided"_s << u"SALE"_s << int(S::Voided) << QString();
    QTest::newRow("N void type") << u"N"_s << QString() << u"VOID"_s << int(S::Voided) << QString();
    QTest::newRow("N declined") << u"N"_s << u"Declined"_s << u"SALE"_s << int(S::Declined) << QString();
    QTest::newRow("N unknown") << u"N"_s << u"Whatever"_s << u"SALE"_s << int(S::Unknown) << QString();
    QTest::newRow("unknown code") << u"Q7"_s << u"?"_s << u"STR/FWD"_s << int(S::Unknown) << QString();
}

void TestPayTraceParser::exportStatuses()
{
    QFETCH(QString, code);
    QFETCH(QString, message);
    QFETCH(QString, type);
    QFETCH(int, status);
    QFETCH(QString, batch);
    QJsonObject rec = sampleRecord();
    rec["status_code"_L1] = code;
    rec["status_message"_L1] = message;
    rec["transaction_type"_L1] = type;
    if (code != u"GB571")
        rec["settled"_L1] = ""_L1;
    auto t = Parser::parseTransaction(rec, u"transactions[0]"_s);
    QVERIFY(t.ok());
    QCOMPARE(GatewayTransaction::statusName(t->status), GatewayTransaction::statusName(GatewayTransaction::Status(status)));
    QCOMPARE(t->batch, batch);
    QCOMPARE(t->statusCode, code);
}

void TestPayTraceParser::exportAmounts_data()
{
    QTest::addColumn<QJsonValue>("amount");
    QTest::addColumn<qint64>("minor");
    QTest::newRow("int") << QJsonValue(110) << qint64(11000);
    QTest::newRow("number 51.88") << QJsonValue(51.88) << qint64(5188);
    QTest::newRow("number 0.29") << QJsonValue(0.29) << qint64(29);
    QTest::newRow("string 8.10") << QJsonValue(u"8.10"_s) << qint64(810);
    QTest::newRow("string 1") << QJsonValue(u"1"_s) << qint64(100);
    QTest::newRow("large exact") << QJsonValue(u"9999999.99"_s) << qint64(999999999);
    QTest::newRow("negative refund shown positive") << QJsonValue(-12.5) << qint64(1250);
}

void TestPayTraceParser::exportAmounts()
{
    QFETCH(QJsonValue, amount);
    QFETCH(qint64, minor);
    QJsonObject rec = sampleRecord();
    rec["amount"_L1] = amount;
    auto t = Parser::parseTransaction(rec, u"transactions[0]"_s);
    QVERIFY2(t.ok(), qPrintable(t.ok() ? QString() : t.error().toString()));
    QCOMPARE(t->amount.minor(), minor);
}

void TestPayTraceParser::exportTimes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QDateTime>("expected");
    // Pacific standard time, UTC-8.
    QTest::newRow("PST afternoon") << u"1/15/2026 4:06:30 PM"_s << utc(2026, 1, 16, 0, 6, 30);
    QTest::newRow("PST midnight hour") << u"1/1/2026 12:15:00 AM"_s << utc(2026, 1, 1, 8, 15, 0);
    QTest::newRow("PST noon") << u"12/24/2026 12:00:00 PM"_s << utc(2026, 12, 24, 20, 0, 0);
    // Pacific daylight time, UTC-7.
    QTest::newRow("PDT") << u"7/4/2026 9:30:00 AM"_s << utc(2026, 7, 4, 16, 30, 0);
    QTest::newRow("PDT padded") << u"07/04/2026 09:30:00 pm"_s << utc(2026, 7, 5, 4, 30, 0);
    // Spring forward 3/8/2026: 2:00-2:59 do not exist. Read with the offset before the change
    // (PST): 2:30 PST = 10:30 UTC (the clock showed 3:30 PDT then).
    QTest::newRow("skipped 2:30") << u"3/8/2026 2:30:00 AM"_s << utc(2026, 3, 8, 10, 30, 0);
    QTest::newRow("before gap") << u"3/8/2026 1:59:59 AM"_s << utc(2026, 3, 8, 9, 59, 59);
    QTest::newRow("after gap") << u"3/8/2026 3:00:00 AM"_s << utc(2026, 3, 8, 10, 0, 0);
    // Fall back 11/1/2026: 1:00-1:59 happen twice; the first (PDT) is taken.
    QTest::newRow("ambiguous 1:30") << u"11/1/2026 1:30:00 AM"_s << utc(2026, 11, 1, 8, 30, 0);
    QTest::newRow("after overlap") << u"11/1/2026 2:00:00 AM"_s << utc(2026, 11, 1, 10, 0, 0);
    QTest::newRow("before overlap") << u"11/1/2026 12:59:59 AM"_s << utc(2026, 11, 1, 7, 59, 59);
}

void TestPayTraceParser::exportTimes()
{
    QFETCH(QString, text);
    QFETCH(QDateTime, expected);
    auto t = Parser::parseExportTime(text, u"created.at"_s);
    QVERIFY2(t.ok(), qPrintable(t.ok() ? QString() : t.error().toString()));
    QCOMPARE(t->timeSpec(), Qt::UTC);
    QCOMPARE(*t, expected);
}

void TestPayTraceParser::cardTypes_data()
{
    QTest::addColumn<QString>("masked");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("last4");
    QTest::newRow("visa bin") << u"401200******5439"_s << u"Visa"_s << u"5439"_s;
    QTest::newRow("mc 54") << u"549974******0057"_s << u"MasterCard"_s << u"0057"_s;
    QTest::newRow("mc 2-series") << u"222300******0010"_s << u"MasterCard"_s << u"0010"_s;
    QTest::newRow("mc 2720") << u"272099******0010"_s << u"MasterCard"_s << u"0010"_s;
    QTest::newRow("2721 not mc") << u"272100******0010"_s << u"Other"_s << u"0010"_s;
    QTest::newRow("amex 37") << u"371449*****2376"_s << u"Amex"_s << u"2376"_s;
    QTest::newRow("amex 34") << u"341111*****1111"_s << u"Amex"_s << u"1111"_s;
    QTest::newRow("discover 6011") << u"601100******6909"_s << u"Discover"_s << u"6909"_s;
    QTest::newRow("discover 65") << u"650000******0000"_s << u"Discover"_s << u"0000"_s;
    QTest::newRow("discover 644") << u"644000******0000"_s << u"Discover"_s << u"0000"_s;
    QTest::newRow("jcb") << u"353011******0000"_s << u"JCB"_s << u"0000"_s;
    QTest::newRow("diners") << u"305693*****5904"_s << u"Diners Club"_s << u"5904"_s;
    QTest::newRow("masked x") << u"xxxxxxxxxxxx5439"_s << QString() << u"5439"_s;
    QTest::newRow("masked stars") << u"************5454"_s << QString() << u"5454"_s;
    QTest::newRow("no digits") << u"****"_s << QString() << QString();
    QTest::newRow("empty") << QString() << QString() << QString();
}

void TestPayTraceParser::cardTypes()
{
    QFETCH(QString, masked);
    QFETCH(QString, type);
    QFETCH(QString, last4);
    QCOMPARE(Parser::cardTypeFromMasked(masked), type);
    QCOMPARE(Parser::lastFourFromMasked(masked), last4);
}

void TestPayTraceParser::hostileBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");
    QTest::newRow("empty") << QByteArray() << u"json.syntax"_s << u"body"_s;
    QTest::newRow("truncated") << QByteArray(R"({"success":true,"response_co)") << u"json.syntax"_s << u"body"_s;
    QTest::newRow("array") << QByteArray("[1,2]") << u"json.type"_s << u"body"_s;
    QTest::newRow("two values") << QByteArray("{} {}") << u"json.syntax"_s << u"body"_s;
    QTest::newRow("no success") << QByteArray(R"({"response_code":101})") << u"json.missing"_s << u"success"_s;
    QTest::newRow("success string") << QByteArray(R"({"success":"yes"})") << u"json.type"_s << u"success"_s;
    QTest::newRow("code object") << QByteArray(R"({"success":true,"response_code":{}})") << u"json.type"_s << u"response_code"_s;
    QTest::newRow("code fraction") << QByteArray(R"({"success":true,"response_code":101.5})") << u"json.type"_s << u"response_code"_s;
    QTest::newRow("code huge") << QByteArray(R"({"success":true,"response_code":1e300})") << u"json.range"_s << u"response_code"_s;
    QTest::newRow("txn id huge") << QByteArray(R"({"success":true,"transaction_id":123456789012345678901234567890})") << u"json.range"_s << u"transaction_id"_s;
    QTest::newRow("txn id object") << QByteArray(R"({"success":true,"transaction_id":{"a":1}})") << u"json.type"_s << u"transaction_id"_s;
    QTest::newRow("errors list") << QByteArray(R"({"success":false,"errors":["x"]})") << u"json.type"_s << u"errors"_s;
    QTest::newRow("errors number") << QByteArray(R"({"success":false,"errors":{"35":7}})") << u"json.type"_s << u"errors.35"_s;
    QTest::newRow("errors nested") << QByteArray(R"({"success":false,"errors":{"35":["ok",{"x":1}]}})") << u"json.type"_s << u"errors.35[1]"_s;
    QTest::newRow("discretionary string") << QByteArray(R"({"success":false,"discretionary_data":"x"})") << u"json.type"_s << u"discretionary_data"_s;
    QByteArray deep(100000, '[');
    QTest::newRow("deep nesting") << deep << u"json.syntax"_s << u"body"_s;
    QByteArray deepObj;
    for (int i = 0; i < 5000; ++i)
        deepObj += "{\"a\":";
    QTest::newRow("deep objects") << deepObj << u"json.syntax"_s << u"body"_s;
    QTest::newRow("invalid utf8") << QByteArray("{\"success\":true,\"status_message\":\"\xff\xfe\xc3\"}") << u"json.syntax"_s << u"body"_s;
    QTest::newRow("nul byte") << QByteArray("{\"success\":true}\0garbage", 24) << u"json.syntax"_s << u"body"_s;
}

void TestPayTraceParser::hostileBodies()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, code);
    QFETCH(QString, field);
    auto r = Parser::parseResponse(body);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, code);
    QCOMPARE(r.error().field, field);
    QVERIFY(!r.error().message.isEmpty());
    // And never an approval, whatever the call.
    QVERIFY(!Parser::outcomeFor(http(200, body, pb::net::Effect::Write)).ok());
}

void TestPayTraceParser::hostileExports_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("field");
    auto withRecord = [](std::function<void(QJsonObject &)> change) {
        QJsonObject bad = sampleRecord();
        change(bad);
        return exportBody({sampleRecord(), bad});
    };
    QTest::newRow("missing id") << withRecord([](QJsonObject &r) { r.remove("transaction_id"_L1); }) << u"transactions[1].transaction_id"_s;
    QTest::newRow("missing amount") << withRecord([](QJsonObject &r) { r.remove("amount"_L1); }) << u"transactions[1].amount"_s;
    QTest::newRow("amount bool") << withRecord([](QJsonObject &r) { r["amount"_L1] = true; }) << u"transactions[1].amount"_s;
    QTest::newRow("amount 3 decimals") << withRecord([](QJsonObject &r) { r["amount"_L1] = "1.005"_L1; }) << u"transactions[1].amount"_s;
    QTest::newRow("amount huge") << withRecord([](QJsonObject &r) { r["amount"_L1] = 1e300; }) << u"transactions[1].amount"_s;
    QTest::newRow("amount text") << withRecord([](QJsonObject &r) { r["amount"_L1] = "ten"_L1; }) << u"transactions[1].amount"_s;
    QTest::newRow("card not object") << withRecord([](QJsonObject &r) { r["credit_card"_L1] = "4111"_L1; }) << u"transactions[1].credit_card"_s;
    QTest::newRow("bad created") << withRecord([](QJsonObject &r) {
        r["created"_L1] = QJsonObject{{"at"_L1, "2015-04-10T16:06:30"_L1}};
    }) << u"transactions[1].created.at"_s;
    QTest::newRow("bad hour") << withRecord([](QJsonObject &r) {
        r["created"_L1] = QJsonObject{{"at"_L1, "4/10/2015 13:06:30 PM"_L1}};
    }) << u"transactions[1].created.at"_s;
    QTest::newRow("bad date") << withRecord([](QJsonObject &r) { r["settled"_L1] = "2/30/2015 1:00:00 AM"_L1; }) << u"transactions[1].settled"_s;
    QTest::newRow("created number") << withRecord([](QJsonObject &r) { r["created"_L1] = 5; }) << u"transactions[1].created"_s;
    QTest::newRow("record not object") << exportBody({sampleRecord(), 5}) << u"transactions[1]"_s;
    QTest::newRow("transactions object") << QByteArray(R"({"success":true,"transactions":{}})") << u"transactions"_s;
}

void TestPayTraceParser::hostileExports()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, field);
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    QVERIFY(!o.isEmpty());
    auto r = Parser::parseTransactions(o);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().field, field);
    QVERIFY(!r.error().message.isEmpty());
}

QTEST_GUILESS_MAIN(TestPayTraceParser)
#include "tst_paytrace_parser.moc"
