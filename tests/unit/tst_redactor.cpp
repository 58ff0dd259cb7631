#include "security/redactor.h"

#include <QTest>

using pb::security::Redactor;
using namespace Qt::StringLiterals;

class TestRedactor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void redacts_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");

        // Authorization headers keep their scheme.
        QTest::newRow("bearer header")
            << u"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"_s
            << u"Authorization: Bearer [redacted]"_s;
        QTest::newRow("bearer header lower case, then next line")
            << u"authorization: bearer abc123\r\nAccept: application/json"_s
            << u"authorization: bearer [redacted]\r\nAccept: application/json"_s;
        QTest::newRow("basic header")
            << u"Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA=="_s
            << u"Proxy-Authorization: Basic [redacted]"_s;
        QTest::newRow("oauth1 header")
            << u"Authorization: OAuth oauth_consumer_key=\"ck123\", oauth_token=\"tk456\", oauth_signature_method=\"HMAC-SHA256\", oauth_signature=\"c2ln%3D\""_s
            << u"Authorization: OAuth [redacted]"_s;
        QTest::newRow("oauth params without header name")
            << u"signing oauth_consumer_key=\"ck123\", oauth_nonce=\"n1\", oauth_token=\"tk456\", oauth_signature=\"c2ln%3D\""_s
            << u"signing oauth_consumer_key=\"[redacted]\", oauth_nonce=\"n1\", oauth_token=\"[redacted]\", oauth_signature=\"[redacted]\""_s;
        QTest::newRow("header in json map")
            << u"{\"Authorization\": \"Bearer abc.def\", \"Accept\": \"*/*\"}"_s
            << u"{\"Authorization\": \"Bearer [redacted]\", \"Accept\": \"*/*\"}"_s;
        QTest::newRow("header inside a QDebug-quoted string")
            << u"\"headers:\\nAuthorization: Basic Q0FOQVJZ\\nAccept: */*\""_s
            << u"\"headers:\\nAuthorization: Basic [redacted]\\nAccept: */*\""_s;
        QTest::newRow("oauth header inside a QDebug-quoted string")
            << u"\"Authorization: OAuth oauth_consumer_key=\\\"ck123\\\", oauth_signature=\\\"c2ln\\\"\""_s
            << u"\"Authorization: OAuth [redacted]"_s;
        QTest::newRow("card field after an escaped line break")
            << u"\"a\\ncsc: 123\\nb\""_s << u"\"a\\ncsc: [redacted]\\nb\""_s;
        QTest::newRow("x-authorization header")
            << u"X-Authorization: Token abc123"_s << u"X-Authorization: Token [redacted]"_s;
        QTest::newRow("bare bearer token")
            << u"retrying with Bearer 0123456789abcdef after 401"_s
            << u"retrying with Bearer [redacted] after 401"_s;

        // JSON bodies.
        QTest::newRow("json token response")
            << u"{\"access_token\":\"a1b2c3\",\"token_type\":\"Bearer\",\"expires_in\":7200,\"created_at\":1700000000}"_s
            << u"{\"access_token\":\"[redacted]\",\"token_type\":\"[redacted]\",\"expires_in\":7200,\"created_at\":1700000000}"_s;
        QTest::newRow("json password with escaped quote")
            << u"{\"username\": \"shop\", \"password\": \"pa\\\"ss, word\"}"_s
            << u"{\"username\": \"shop\", \"password\": \"[redacted]\"}"_s;
        QTest::newRow("json nested secrets")
            << u"{\"magento\":{\"consumer_key\":\"ck\",\"consumer_secret\":\"cs\"},\"name\":\"Prod\"}"_s
            << u"{\"magento\":{\"consumer_key\":\"[redacted]\",\"consumer_secret\":\"[redacted]\"},\"name\":\"Prod\"}"_s;
        QTest::newRow("json escaped inside a string (QDebug)")
            << u"body: \"{\\\"grant_type\\\":\\\"password\\\",\\\"password\\\":\\\"hunter2\\\"}\""_s
            << u"body: \"{\\\"grant_type\\\":\\\"password\\\",\\\"password\\\":\\\"[redacted]\\\"}\""_s;
        QTest::newRow("json null token kept")
            << u"{\"token\": null}"_s << u"{\"token\": null}"_s;
        QTest::newRow("dotted key")
            << u"paytrace.password=hunter2 saved"_s << u"paytrace.password=[redacted] saved"_s;

        // Form bodies and query strings.
        QTest::newRow("form body")
            << u"grant_type=password&username=merchant&password=s3cr%26t&x=1"_s
            << u"grant_type=password&username=merchant&password=[redacted]&x=1"_s;
        QTest::newRow("query string")
            << u"GET https://shop.example/rest/V1/orders?searchCriteria[pageSize]=50&access_token=abc123#frag"_s
            << u"GET https://shop.example/rest/V1/orders?searchCriteria[pageSize]=50&access_token=[redacted]#frag"_s;
        QTest::newRow("secret in url user info")
            << u"connecting to https://merchant:hunter2@api.paytrace.com/v1"_s
            << u"connecting to https://[redacted]@api.paytrace.com/v1"_s;
        QTest::newRow("prose key: value")
            << u"client_secret: abc; retry"_s << u"client_secret: [redacted]; retry"_s;

        // Card data.
        QTest::newRow("pan plain")
            << u"card 4111111111111111 declined"_s << u"card ************1111 declined"_s;
        QTest::newRow("pan with spaces")
            << u"card 4111 1111 1111 1111 declined"_s << u"card **** **** **** 1111 declined"_s;
        QTest::newRow("pan with dashes")
            << u"5500-0000-0000-0004"_s << u"****-****-****-0004"_s;
        QTest::newRow("amex 15 digits")
            << u"378282246310005"_s << u"***********0005"_s;
        QTest::newRow("pan in json")
            << u"{\"credit_card\":{\"number\":\"4012000098765439\",\"expiration_month\":12}}"_s
            << u"{\"credit_card\":{\"number\":\"************5439\",\"expiration_month\":12}}"_s;
        QTest::newRow("pan after a short number in the same run")
            << u"qty 12 4111 1111 1111 1111"_s << u"qty 12 **** **** **** 1111"_s;
        QTest::newRow("pan glued to letters")
            << u"x4111111111111111y"_s << u"x************1111y"_s;
        QTest::newRow("two pans")
            << u"4111111111111111,5500000000000004"_s << u"************1111,************0004"_s;

        QTest::newRow("csc json string") << u"{\"csc\":\"999\"}"_s << u"{\"csc\":\"[redacted]\"}"_s;
        QTest::newRow("csc json number") << u"{\"csc\": 999, \"x\": 1}"_s << u"{\"csc\": [redacted], \"x\": 1}"_s;
        QTest::newRow("cvv form") << u"cvv=123&amount=10.00"_s << u"cvv=[redacted]&amount=10.00"_s;
        QTest::newRow("cvc key value") << u"CVC: 4567"_s << u"CVC: [redacted]"_s;
        QTest::newRow("bracketed form key") << u"credit_card[csc]=999"_s << u"credit_card[csc]=[redacted]"_s;
        QTest::newRow("percent-encoded bracket key") << u"credit_card%5Bcsc%5D=999"_s << u"credit_card%5Bcsc%5D=[redacted]"_s;
        QTest::newRow("encrypted fields")
            << u"{\"encrypted_number\":\"RG9udCBsb2cgbWU=\",\"encrypted_csc\":\"bm9y\"}"_s
            << u"{\"encrypted_number\":\"[redacted]\",\"encrypted_csc\":\"[redacted]\"}"_s;
    }

    void redacts()
    {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(Redactor::redact(input), expected);
    }

    void untouched_data()
    {
        QTest::addColumn<QString>("input");
        QTest::newRow("plain") << u"sync finished: 42 orders, 40 transactions in 1.3 s"_s;
        QTest::newRow("luhn-invalid 16 digits") << u"card 4111111111111112 declined"_s;
        QTest::newRow("order number") << u"order 000000123 linked to transaction 123456789"_s;
        QTest::newRow("12 digits") << u"reference 411111111111"_s;
        QTest::newRow("long id") << u"batch 41111111111111111111111111"_s; // 26 digits, one group
        QTest::newRow("timestamp") << u"2025-11-25T09:10:11.123Z"_s;
        QTest::newRow("amounts") << u"captured 1234.56 USD of 1500.00"_s;
        QTest::newRow("csc_response is not the csc") << u"{\"csc_response\":\"Match\"}"_s;
        QTest::newRow("basic as a word") << u"basic settings saved"_s;
        QTest::newRow("masked already") << u"card ************1111"_s;
        QTest::newRow("token_type-like word in prose") << u"the token endpoint returned 401"_s;
        QTest::newRow("url without credentials") << u"https://api.paytrace.com:443/v1/oauth/token"_s;
    }

    void untouched()
    {
        QFETCH(QString, input);
        QCOMPARE(Redactor::redact(input), input);
    }

    void sensitiveKeys_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("sensitive");
        QTest::newRow("password") << u"password"_s << true;
        QTest::newRow("Password") << u"Password"_s << true;
        QTest::newRow("access_token_secret") << u"access_token_secret"_s << true;
        QTest::newRow("oauth_signature") << u"oauth_signature"_s << true;
        QTest::newRow("x-api-key") << u"x-api-key"_s << true;
        QTest::newRow("magento.consumer_key") << u"magento.consumer_key"_s << true;
        QTest::newRow("credit_card.csc") << u"credit_card.csc"_s << true;
        QTest::newRow("csc_response") << u"csc_response"_s << false;
        QTest::newRow("invoice_id") << u"invoice_id"_s << false;
        QTest::newRow("number") << u"number"_s << false; // the PAN check covers card numbers
        QTest::newRow("oauth_nonce") << u"oauth_nonce"_s << false;
    }

    void sensitiveKeys()
    {
        QFETCH(QString, key);
        QFETCH(bool, sensitive);
        QCOMPARE(Redactor::isSensitiveKey(key), sensitive);
    }

    void luhn_data()
    {
        QTest::addColumn<QString>("digits");
        QTest::addColumn<bool>("valid");
        QTest::newRow("visa test") << u"4111111111111111"_s << true;
        QTest::newRow("paytrace sandbox visa") << u"4012000098765439"_s << true;
        QTest::newRow("mastercard test") << u"5555555555554444"_s << true;
        QTest::newRow("off by one") << u"4111111111111121"_s << false;
        QTest::newRow("not digits") << u"4111-1111"_s << false;
        QTest::newRow("empty") << QString() << false;
    }

    void luhn()
    {
        QFETCH(QString, digits);
        QFETCH(bool, valid);
        QCOMPARE(Redactor::luhnValid(digits), valid);
    }

    // Every log line goes through redact(); lines must stay cheap, including the ones that need
    // the full treatment.
    void benchmark_data()
    {
        QTest::addColumn<QString>("line");
        QTest::newRow("typical") << u"GET /rest/V1/orders page 3 of 12: 50 orders, 200 in 183 ms"_s;
        QTest::newRow("token response and card")
            << u"POST /v1/transactions/sale/keyed 200 {\"access_token\":\"abc\",\"credit_card\":{\"number\":\"4111111111111111\",\"csc\":\"999\"},\"amount\":1999,\"invoice_id\":\"100000123\"}"_s;
    }

    void benchmark()
    {
        QFETCH(QString, line);
        QString out;
        QBENCHMARK {
            out = Redactor::redact(line);
        }
        QVERIFY(!out.contains(u"4111111111111111"_s));
    }
};

QTEST_GUILESS_MAIN(TestRedactor)
#include "tst_redactor.moc"
