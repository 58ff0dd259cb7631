// PayTraceClient write calls, e2ee and batches over real HTTP against the in-process sandbox.
// Every money call is checked against the sandbox's books: one ledger movement per call.
#include "net/httptransport.h"
#include "paytrace/cardencryptor.h"
#include "paytrace/paytraceclient.h"
#include "paytracesim.h"
#include "sandbox.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QTimeZone>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace pb::paytrace;
using Kind = pb::paytrace::Outcome::Kind;

Q_DECLARE_METATYPE(pb::paytrace::Outcome::Kind)

namespace {

const QByteArray kVisa = QByteArrayLiteral("4012000098765439");
const QByteArray kMastercard = QByteArrayLiteral("5499740000000057");

pb::Money usd(const char *text)
{
    return pb::Money::parse(QString::fromLatin1(text), pb::Currency::usd()).value();
}

template<typename... Args>
struct Waiter
{
    std::optional<std::tuple<std::decay_t<Args>...>> result;
    auto callback()
    {
        return [this](Args... args) { result.emplace(args...); };
    }
    bool wait() { return QTest::qWaitFor([this]() { return result.has_value(); }, 30000); }
};

// A PEM public key of another key pair, of any size, made with the same EVP API.
QByteArray freshRsaPublicPem(int bits)
{
    EVP_PKEY *key = EVP_RSA_gen(unsigned(bits));
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, qsizetype(size));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

QByteArray ecPublicPem()
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, qsizetype(size));
    BIO_free(bio);
    EVP_PKEY_free(key);
    return pem;
}

QString credential(const pb::sandbox::Sandbox &s, const QString &key)
{
    for (const auto &c : s.credentials()) {
        if (c.first == key)
            return c.second;
    }
    return {};
}

} // namespace

class TestPayTraceWrites : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void publicKeyServedAtAdminPath();
    void e2eeKeyedRoundTrip_data();
    void e2eeKeyedRoundTrip();
    void ciphertextUnderAnotherKeyIsRefused();
    void badKeysRefused_data();
    void badKeysRefused();
    void cardCheckedBeforeEncrypting_data();
    void cardCheckedBeforeEncrypting();
    void sensitiveTextIsMoveOnlyAndWiped();
    void invalidRequestsAreNotSent_data();
    void invalidRequestsAreNotSent();
    void declinesByAmount_data();
    void declinesByAmount();
    void capture_data();
    void capture();
    void voidAndRefundFallbacks();
    void partialRefundsNeverAboveWhatIsLeft();
    void errorCodes_data();
    void errorCodes();
    void byTransaction_data();
    void byTransaction();
    void customerLifecycle();
    void levelThree_data();
    void levelThree();
    void emailReceipt();
    void batches();
    void duplicateTransactionWindow();

private:
    PayTraceConfig config() const;
    qsizetype ledgerSize() const { return m_sandbox->paytrace().ledger().size(); }
    qint64 paytraceWrites() const;
    CardEncryptor encryptor() const;
    EncryptedCard card(const QByteArray &number, const QByteArray &csc = "999") const;
    KeyedPaymentRequest keyed(const char *amount, const QByteArray &number = kVisa) const;
    Outcome run(const std::function<void(PayTraceClient::OutcomeCallback)> &start);
    // A keyed sale or authorization; returns its transaction id.
    QString keyedPayment(bool sale, const char *amount, const QByteArray &number = kVisa);

    std::unique_ptr<pb::sandbox::Sandbox> m_sandbox;
    std::unique_ptr<pb::net::HttpTransport> m_transport;
    std::unique_ptr<PayTraceClient> m_client;
};

void TestPayTraceWrites::init()
{
    pb::sandbox::SandboxOptions options;
    options.orders = 20;
    options.seed = 5;
    options.startTime = QDateTime(QDate(2026, 6, 20), QTime(18, 0, 0), Qt::UTC);
    m_sandbox = std::make_unique<pb::sandbox::Sandbox>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_transport = std::make_unique<pb::net::HttpTransport>();
    m_client = std::make_unique<PayTraceClient>(m_transport.get(), config());
}

void TestPayTraceWrites::cleanup()
{
    m_client.reset();
    m_transport.reset();
    m_sandbox.reset();
}

PayTraceConfig TestPayTraceWrites::config() const
{
    PayTraceConfig c;
    c.baseUrl = m_sandbox->paytraceUrl();
    c.username = credential(*m_sandbox, u"paytrace.username"_s);
    c.password = credential(*m_sandbox, u"paytrace.password"_s);
    c.integratorId = u"PB0000000001"_s;
    c.timeoutMs = 20000;
    return c;
}

qint64 TestPayTraceWrites::paytraceWrites() const
{
    qint64 n = 0;
    const auto stats = m_sandbox->stats().requests;
    for (auto it = stats.cbegin(); it != stats.cend(); ++it) {
        if (it.key().startsWith(u"POST /paytrace/v1/"_s))
            n += it.value();
    }
    return n;
}

CardEncryptor TestPayTraceWrites::encryptor() const
{
    auto e = CardEncryptor::fromPem(m_sandbox->paytrace().e2eePublicKeyPem());
    if (!e)
        qFatal("sandbox key refused: %s", qPrintable(e.error().toString()));
    return e.value();
}

EncryptedCard TestPayTraceWrites::card(const QByteArray &number, const QByteArray &csc) const
{
    auto c = encryptor().encryptCard(SensitiveText(number), SensitiveText(csc), 12, 2030);
    if (!c)
        qFatal("encryptCard: %s", qPrintable(c.error().toString()));
    return c.value();
}

KeyedPaymentRequest TestPayTraceWrites::keyed(const char *amount, const QByteArray &number) const
{
    KeyedPaymentRequest r;
    r.amount = usd(amount);
    r.card = card(number);
    r.invoiceId = u"T-1001"_s;
    r.billing.name = u"Ada Lovelace"_s;
    r.billing.streetAddress = u"1 Analytical Way"_s;
    r.billing.city = u"Spokane"_s;
    r.billing.state = u"WA"_s;
    r.billing.zip = u"99201"_s;
    r.billing.country = u"US"_s;
    return r;
}

Outcome TestPayTraceWrites::run(const std::function<void(PayTraceClient::OutcomeCallback)> &start)
{
    Waiter<const Outcome &> w;
    start(w.callback());
    if (!w.wait())
        qFatal("no outcome within 30 s");
    return std::get<0>(*w.result);
}

QString TestPayTraceWrites::keyedPayment(bool sale, const char *amount, const QByteArray &number)
{
    const KeyedPaymentRequest r = keyed(amount, number);
    const Outcome out = run([&](auto cb) {
        if (sale)
            m_client->saleKeyed(r, this, cb);
        else
            m_client->authorizationKeyed(r, this, cb);
    });
    if (!out.ok())
        qWarning("keyed payment failed: %s", qPrintable(out.summary()));
    return out.ok() ? out.response.transactionId : QString();
}

void TestPayTraceWrites::publicKeyServedAtAdminPath()
{
    QNetworkAccessManager nam;
    QUrl url = m_sandbox->adminUrl();
    url.setPath(url.path() + u"/paytrace/e2ee_public_key"_s);
    std::unique_ptr<QNetworkReply> reply(nam.get(QNetworkRequest(url)));
    QVERIFY(QTest::qWaitFor([&]() { return reply->isFinished(); }, 10000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const QByteArray pem = reply->readAll();
    QVERIFY(pem.startsWith("-----BEGIN PUBLIC KEY-----"));
    QCOMPARE(pem, m_sandbox->paytrace().e2eePublicKeyPem());
    auto e = CardEncryptor::fromPem(pem);
    QVERIFY2(e.ok(), e.ok() ? "" : qPrintable(e.error().toString()));
    QCOMPARE(e->keyBits(), 2048);
}

void TestPayTraceWrites::e2eeKeyedRoundTrip_data()
{
    QTest::addColumn<bool>("sale");
    QTest::addColumn<QByteArray>("number");
    QTest::addColumn<QString>("brand");
    QTest::addColumn<QString>("operation");
    QTest::newRow("visa sale") << true << kVisa << u"VISA"_s << u"sale"_s;
    QTest::newRow("mastercard sale") << true << kMastercard << u"MASTERCARD"_s << u"sale"_s;
    QTest::newRow("visa authorization") << false << kVisa << u"VISA"_s << u"authorization"_s;
    QTest::newRow("mastercard authorization") << false << kMastercard << u"MASTERCARD"_s << u"authorization"_s;
}

void TestPayTraceWrites::e2eeKeyedRoundTrip()
{
    QFETCH(bool, sale);
    QFETCH(QByteArray, number);
    QFETCH(QString, brand);
    QFETCH(QString, operation);
    const qsizetype before = ledgerSize();
    const KeyedPaymentRequest r = keyed("51.88", number);
    QCOMPARE(r.card.encryptedNumber.size(), 344); // 256-byte RSA-2048 block in Base64
    QVERIFY(!r.card.encryptedNumber.contains(QString::fromLatin1(number.right(4))));
    const Outcome out = run([&](auto cb) { sale ? m_client->saleKeyed(r, this, cb) : m_client->authorizationKeyed(r, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 101);
    QVERIFY(out.response.maskedCardNumber.endsWith(QString::fromLatin1(number.right(4))));
    // The sandbox decrypted number and CSC: brand, last four and a CSC match.
    const auto t = m_sandbox->paytrace().transaction(out.response.transactionId.toLongLong());
    QVERIFY(t.has_value());
    QCOMPARE(t->card.brand, brand);
    QCOMPARE(t->card.last4, QString::fromLatin1(number.right(4)));
    QCOMPARE(t->cscResponse, u"Match"_s);
    QCOMPARE(t->amount, 5188);
    const auto ledger = m_sandbox->paytrace().ledger();
    QCOMPARE(ledger.size(), before + 1);
    QCOMPARE(ledger.last().operation, operation);
    QCOMPARE(ledger.last().amount, 5188);
    QCOMPARE(ledger.last().transactionId, t->id);
}

void TestPayTraceWrites::ciphertextUnderAnotherKeyIsRefused()
{
    auto other = CardEncryptor::fromPem(freshRsaPublicPem(2048));
    QVERIFY(other.ok());
    KeyedPaymentRequest r = keyed("10.00");
    r.card = other->encryptCard(SensitiveText(kVisa), SensitiveText("999"), 12, 2030).value();
    const qsizetype before = ledgerSize();
    const Outcome out = run([&](auto cb) { m_client->saleKeyed(r, this, cb); });
    QCOMPARE(out.kind, Kind::ValidationError);
    QVERIFY(out.response.hasError(u"35"));
    QCOMPARE(ledgerSize(), before);
}

void TestPayTraceWrites::badKeysRefused_data()
{
    QTest::addColumn<QByteArray>("pem");
    QTest::addColumn<QString>("code");
    QTest::newRow("empty") << QByteArray() << u"paytrace.e2ee.pem"_s;
    QTest::newRow("garbage") << QByteArrayLiteral("not a key") << u"paytrace.e2ee.pem"_s;
    QTest::newRow("broken base64")
        << QByteArrayLiteral("-----BEGIN PUBLIC KEY-----\nMIIB!!!!\n-----END PUBLIC KEY-----\n") << u"paytrace.e2ee.pem"_s;
    QTest::newRow("rsa 1024") << freshRsaPublicPem(1024) << u"paytrace.e2ee.key_size"_s;
    QTest::newRow("ec p-256") << ecPublicPem() << u"paytrace.e2ee.key_type"_s;
}

void TestPayTraceWrites::badKeysRefused()
{
    QFETCH(QByteArray, pem);
    QFETCH(QString, code);
    auto e = CardEncryptor::fromPem(pem);
    QVERIFY(!e.ok());
    QCOMPARE(e.error().code, code);
    QVERIFY(!e.error().message.isEmpty());
}

void TestPayTraceWrites::cardCheckedBeforeEncrypting_data()
{
    QTest::addColumn<QByteArray>("number");
    QTest::addColumn<QByteArray>("csc");
    QTest::addColumn<int>("month");
    QTest::addColumn<int>("year");
    QTest::addColumn<QString>("field");
    QTest::newRow("luhn") << QByteArrayLiteral("4012000098765438") << QByteArrayLiteral("999") << 12 << 2030 << u"credit_card.number"_s;
    QTest::newRow("short") << QByteArrayLiteral("401200") << QByteArrayLiteral("999") << 12 << 2030 << u"credit_card.number"_s;
    QTest::newRow("letters") << QByteArrayLiteral("40120000987654x9") << QByteArrayLiteral("999") << 12 << 2030 << u"credit_card.number"_s;
    QTest::newRow("csc 2 digits") << kVisa << QByteArrayLiteral("99") << 12 << 2030 << u"csc"_s;
    QTest::newRow("month 13") << kVisa << QByteArrayLiteral("999") << 13 << 2030 << u"credit_card.expiration_month"_s;
    QTest::newRow("year 2 digits") << kVisa << QByteArrayLiteral("999") << 12 << 30 << u"credit_card.expiration_year"_s;
}

void TestPayTraceWrites::cardCheckedBeforeEncrypting()
{
    QFETCH(QByteArray, number);
    QFETCH(QByteArray, csc);
    QFETCH(int, month);
    QFETCH(int, year);
    QFETCH(QString, field);
    auto c = encryptor().encryptCard(SensitiveText(number), SensitiveText(csc), month, year);
    QVERIFY(!c.ok());
    QCOMPARE(c.error().field, field);
    // The error never repeats the digits.
    QVERIFY(!c.error().toString().contains(QString::fromLatin1(number)));
}

void TestPayTraceWrites::sensitiveTextIsMoveOnlyAndWiped()
{
    static_assert(!std::is_copy_constructible_v<SensitiveText>);
    QString typed = QString::fromLatin1(kVisa);
    SensitiveText a = SensitiveText::takeFrom(&typed);
    QVERIFY(typed.isEmpty());
    QCOMPARE(a.view(), QByteArrayView(kVisa));
    SensitiveText b(std::move(a));
    QVERIFY(a.isEmpty()); // NOLINT(bugprone-use-after-move): the moved-from state is the point
    QCOMPARE(b.size(), kVisa.size());
    b.clear();
    QVERIFY(b.isEmpty());
}

void TestPayTraceWrites::invalidRequestsAreNotSent_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("field");
    QTest::newRow("sale in CAD") << 0 << u"paytrace.request.currency"_s << u"amount"_s;
    QTest::newRow("capture in EUR") << 1 << u"paytrace.request.currency"_s << u"amount"_s;
    QTest::newRow("refund in JPY") << 2 << u"paytrace.request.currency"_s << u"amount"_s;
    QTest::newRow("customer refund in GBP") << 3 << u"paytrace.request.currency"_s << u"amount"_s;
    QTest::newRow("zero sale") << 4 << u"paytrace.request.amount"_s << u"amount"_s;
    QTest::newRow("negative refund") << 5 << u"paytrace.request.amount"_s << u"amount"_s;
    QTest::newRow("no customer id") << 6 << u"paytrace.request.customer_id"_s << u"customer_id"_s;
    QTest::newRow("non-numeric transaction id") << 7 << u"paytrace.request.transaction_id"_s << u"transaction_id"_s;
    QTest::newRow("keyed without ciphertext") << 8 << u"paytrace.request.credit_card.encrypted_number"_s
                                              << u"credit_card.encrypted_number"_s;
    QTest::newRow("receipt to a non-address") << 9 << u"paytrace.request.email"_s << u"email"_s;
    QTest::newRow("empty customer update") << 10 << u"paytrace.request.customer_id"_s << u"customer_id"_s;
    QTest::newRow("level 3 line tax in CAD") << 11 << u"paytrace.request.currency"_s << u"line_items[0].tax_amount"_s;
}

void TestPayTraceWrites::invalidRequestsAreNotSent()
{
    QFETCH(int, which);
    QFETCH(QString, code);
    QFETCH(QString, field);
    const auto cad = pb::Money::fromMinor(1000, *pb::Currency::fromCode(u"CAD"));
    const qint64 sentBefore = paytraceWrites();
    const qsizetype ledgerBefore = ledgerSize();
    const Outcome out = run([&](auto cb) {
        switch (which) {
        case 0: { KeyedPaymentRequest r = keyed("1.00"); r.amount = cad; m_client->saleKeyed(r, this, cb); break; }
        case 1: m_client->capture({u"1"_s, pb::Money::fromMinor(500, *pb::Currency::fromCode(u"EUR"))}, this, cb); break;
        case 2: m_client->refundForTransaction({u"1"_s, pb::Money::fromMinor(500, *pb::Currency::fromCode(u"JPY"))}, this, cb); break;
        case 3: m_client->refundToCustomer({u"c1"_s, pb::Money::fromMinor(500, *pb::Currency::fromCode(u"GBP")), {}, {}}, this, cb); break;
        case 4: m_client->saleKeyed(keyed("0.00"), this, cb); break;
        case 5: m_client->refundForTransaction({u"1"_s, usd("-1.00")}, this, cb); break;
        case 6: { CustomerPaymentRequest r; r.amount = usd("1.00"); m_client->saleByCustomer(r, this, cb); break; }
        case 7: m_client->voidTransaction({u"12a"_s}, this, cb); break;
        case 8: { KeyedPaymentRequest r = keyed("1.00"); r.card.encryptedNumber.clear(); m_client->authorizationKeyed(r, this, cb); break; }
        case 9: m_client->emailReceipt({u"1"_s, u"nobody"_s}, this, cb); break;
        case 10: m_client->updateCustomer({u"c1"_s, {}, {}, {}, {}, {}, {}}, this, cb); break;
        case 11: {
            LevelThreeRequest r;
            r.transactionId = u"1"_s;
            r.lineItems.append({u"P1"_s, u"Widget"_s, {}, u"EA"_s, u"1"_s, usd("1.00"), usd("1.00"), cad, {}, false});
            m_client->levelThreeVisa(r, this, cb);
            break;
        }
        }
    });
    QCOMPARE(out.kind, Kind::ValidationError);
    QCOMPARE(out.error.code, code);
    QCOMPARE(out.error.field, field);
    QCOMPARE(out.httpStatus, 0);
    QCOMPARE(paytraceWrites(), sentBefore);
    QCOMPARE(ledgerSize(), ledgerBefore);
}

void TestPayTraceWrites::declinesByAmount_data()
{
    QTest::addColumn<QByteArray>("amount");
    QTest::addColumn<bool>("sale");
    QTest::newRow("112.00 sale") << QByteArrayLiteral("112.00") << true;
    QTest::newRow("0.29 sale") << QByteArrayLiteral("0.29") << true;
    QTest::newRow("112.00 authorization") << QByteArrayLiteral("112.00") << false;
}

void TestPayTraceWrites::declinesByAmount()
{
    QFETCH(QByteArray, amount);
    QFETCH(bool, sale);
    const qsizetype before = ledgerSize();
    const KeyedPaymentRequest r = keyed(amount.constData());
    const Outcome out = run([&](auto cb) { sale ? m_client->saleKeyed(r, this, cb) : m_client->authorizationKeyed(r, this, cb); });
    QCOMPARE(out.kind, Kind::Declined);
    QCOMPARE(out.responseCode, 102);
    QVERIFY(out.processorText.contains(u"DECLINE"_s));
    // A decline moves no money but is on PayTrace's books as a declined transaction.
    QCOMPARE(ledgerSize(), before);
    const auto t = m_sandbox->paytrace().transaction(out.response.transactionId.toLongLong());
    QVERIFY(t.has_value());
    QVERIFY(!t->approved);
}

void TestPayTraceWrites::capture_data()
{
    QTest::addColumn<QByteArray>("amount"); // empty: full
    QTest::addColumn<qint64>("captured");
    QTest::newRow("full") << QByteArray() << qint64(10000);
    QTest::newRow("partial") << QByteArrayLiteral("40.00") << qint64(4000);
    QTest::newRow("partial, cents") << QByteArrayLiteral("99.99") << qint64(9999);
}

void TestPayTraceWrites::capture()
{
    QFETCH(QByteArray, amount);
    QFETCH(qint64, captured);
    const QString id = keyedPayment(false, "100.00");
    QVERIFY(!id.isEmpty());
    const qsizetype before = ledgerSize();
    CaptureRequest r{id, std::nullopt};
    if (!amount.isEmpty())
        r.amount = usd(amount.constData());
    const Outcome out = run([&](auto cb) { m_client->capture(r, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 112);
    QCOMPARE(out.response.transactionId, id); // a capture keeps the auth's id
    QCOMPARE(m_sandbox->paytrace().transaction(id.toLongLong())->capturedAmount, captured);
    QCOMPARE(ledgerSize(), before + 1);
    QCOMPARE(m_sandbox->paytrace().ledger().last().operation, u"capture"_s);
    QCOMPARE(m_sandbox->paytrace().ledger().last().amount, captured);
    // Captured once: a second capture is 816.
    const Outcome again = run([&](auto cb) { m_client->capture({id, std::nullopt}, this, cb); });
    QCOMPARE(again.kind, Kind::NotCapturable);
    QVERIFY(again.response.hasError(u"816"));
    QCOMPARE(ledgerSize(), before + 1);
}

void TestPayTraceWrites::voidAndRefundFallbacks()
{
    const QString sale = keyedPayment(true, "25.00");
    QVERIFY(!sale.isEmpty());
    // Unsettled: refund refused with 817 → void instead.
    const Outcome refund = run([&](auto cb) { m_client->refundForTransaction({sale, std::nullopt}, this, cb); });
    QCOMPARE(refund.kind, Kind::NotRefundableUseVoid);
    QVERIFY(refund.response.hasError(u"817"));
    qsizetype before = ledgerSize();
    const Outcome voided = run([&](auto cb) { m_client->voidTransaction({sale}, this, cb); });
    QVERIFY2(voided.ok(), qPrintable(voided.summary()));
    QCOMPARE(voided.responseCode, 109);
    QCOMPARE(ledgerSize(), before + 1);
    QCOMPARE(m_sandbox->paytrace().ledger().last().operation, u"void"_s);

    // Settled: void refused with 818 → refund instead.
    const QString settled = keyedPayment(true, "30.00");
    QVERIFY(m_sandbox->paytrace().settleNow().has_value());
    const Outcome late = run([&](auto cb) { m_client->voidTransaction({settled}, this, cb); });
    QCOMPARE(late.kind, Kind::NotVoidableUseRefund);
    QVERIFY(late.response.hasError(u"818"));
    before = ledgerSize();
    const Outcome full = run([&](auto cb) { m_client->refundForTransaction({settled, std::nullopt}, this, cb); });
    QVERIFY2(full.ok(), qPrintable(full.summary()));
    QCOMPARE(full.responseCode, 106);
    QVERIFY(full.response.transactionId != settled); // a refund is a new transaction
    QCOMPARE(ledgerSize(), before + 1);
    QCOMPARE(m_sandbox->paytrace().ledger().last().operation, u"refund"_s);
    QCOMPARE(m_sandbox->paytrace().ledger().last().amount, 3000);
}

void TestPayTraceWrites::partialRefundsNeverAboveWhatIsLeft()
{
    const QString sale = keyedPayment(true, "100.00");
    QVERIFY(m_sandbox->paytrace().settleNow().has_value());
    struct Step { const char *amount; bool ok; qint64 refundedAfter; };
    const Step steps[] = {{"30.00", true, 3000}, {"70.01", false, 3000}, {"69.99", true, 9999},
                          {"0.02", false, 9999}, {"0.01", true, 10000}, {"0.01", false, 10000}};
    for (const Step &s : steps) {
        const qsizetype before = ledgerSize();
        const Outcome out = run([&](auto cb) { m_client->refundForTransaction({sale, usd(s.amount)}, this, cb); });
        QCOMPARE(out.ok(), s.ok);
        if (!s.ok)
            QCOMPARE(out.kind, Kind::ValidationError);
        QCOMPARE(m_sandbox->paytrace().transaction(sale.toLongLong())->refundedAmount, s.refundedAfter);
        QCOMPARE(ledgerSize(), before + (s.ok ? 1 : 0));
    }
}

void TestPayTraceWrites::errorCodes_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("errorCode");
    QTest::addColumn<Kind>("kind");
    QTest::newRow("811 capture unknown id") << 0 << u"811"_s << Kind::ValidationError;
    QTest::newRow("811 void unknown id") << 1 << u"811"_s << Kind::ValidationError;
    QTest::newRow("58 refund id 0") << 2 << u"58"_s << Kind::ValidationError;
    QTest::newRow("30 sale by unknown customer") << 3 << u"30"_s << Kind::ValidationError;
    QTest::newRow("30 refund to unknown customer") << 4 << u"30"_s << Kind::ValidationError;
    QTest::newRow("30 delete unknown customer") << 5 << u"30"_s << Kind::ValidationError;
    QTest::newRow("811 sale by unknown transaction") << 6 << u"811"_s << Kind::ValidationError;
    QTest::newRow("811 receipt for unknown transaction") << 7 << u"811"_s << Kind::ValidationError;
}

void TestPayTraceWrites::errorCodes()
{
    QFETCH(int, which);
    QFETCH(QString, errorCode);
    QFETCH(Kind, kind);
    const QString unknown = u"987654321"_s;
    const qsizetype before = ledgerSize();
    const Outcome out = run([&](auto cb) {
        switch (which) {
        case 0: m_client->capture({unknown, std::nullopt}, this, cb); break;
        case 1: m_client->voidTransaction({unknown}, this, cb); break;
        case 2: m_client->refundForTransaction({u"0"_s, std::nullopt}, this, cb); break;
        case 3: { CustomerPaymentRequest r; r.customerId = u"nobody-here"_s; r.amount = usd("5.00"); m_client->saleByCustomer(r, this, cb); break; }
        case 4: m_client->refundToCustomer({u"nobody-here"_s, usd("5.00"), {}, {}}, this, cb); break;
        case 5: m_client->deleteCustomer({u"nobody-here"_s}, this, cb); break;
        case 6: { TransactionPaymentRequest r; r.transactionId = unknown; r.amount = usd("5.00"); m_client->saleByTransaction(r, this, cb); break; }
        case 7: m_client->emailReceipt({unknown, u"a@example.com"_s}, this, cb); break;
        }
    });
    QCOMPARE(out.kind, kind);
    QVERIFY2(out.response.hasError(errorCode), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 1);
    QVERIFY(out.httpStatus >= 400);
    QCOMPARE(ledgerSize(), before);
}

void TestPayTraceWrites::byTransaction_data()
{
    QTest::addColumn<bool>("sale");
    QTest::newRow("sale") << true;
    QTest::newRow("authorization") << false;
}

void TestPayTraceWrites::byTransaction()
{
    QFETCH(bool, sale);
    const QString first = keyedPayment(true, "12.00", kMastercard);
    const qsizetype before = ledgerSize();
    TransactionPaymentRequest r;
    r.transactionId = first;
    r.amount = usd("13.50");
    r.invoiceId = u"T-2002"_s;
    const Outcome out = run([&](auto cb) {
        sale ? m_client->saleByTransaction(r, this, cb) : m_client->authorizationByTransaction(r, this, cb);
    });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QVERIFY(out.response.transactionId != first);
    const auto t = m_sandbox->paytrace().transaction(out.response.transactionId.toLongLong());
    QCOMPARE(t->card.last4, u"0057"_s);
    QCOMPARE(t->amount, 1350);
    QCOMPARE(t->invoiceId, u"T-2002"_s);
    QCOMPARE(ledgerSize(), before + 1);
    QCOMPARE(m_sandbox->paytrace().ledger().last().operation, sale ? u"sale"_s : u"authorization"_s);
}

void TestPayTraceWrites::customerLifecycle()
{
    CustomerCreateRequest create;
    create.customerId = u"pb-cust-1"_s;
    create.card = card(kVisa);
    create.billing.name = u"Grace Hopper"_s;
    create.billing.zip = u"10001"_s;
    create.email = u"grace@example.com"_s;
    Outcome out = run([&](auto cb) { m_client->createCustomer(create, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 160);
    out = run([&](auto cb) { m_client->createCustomer(create, this, cb); });
    QCOMPARE(out.kind, Kind::ValidationError);
    QVERIFY(out.response.hasError(u"171"));

    Waiter<const Outcome &, const QList<CustomerProfile> &> exported;
    m_client->exportCustomers(create.customerId, this, exported.callback());
    QVERIFY(exported.wait());
    QVERIFY(std::get<0>(*exported.result).ok());
    QCOMPARE(std::get<1>(*exported.result).size(), 1);
    QCOMPARE(std::get<1>(*exported.result).first().cardLast4, u"5439"_s);
    QCOMPARE(std::get<1>(*exported.result).first().email, u"grace@example.com"_s);

    CustomerUpdateRequest update;
    update.customerId = create.customerId;
    update.card = card(kMastercard, "998");
    update.email = u"g.hopper@example.com"_s;
    out = run([&](auto cb) { m_client->updateCustomer(update, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 161);
    QVERIFY(out.response.maskedCardNumber.endsWith(u"0057"_s));

    qsizetype before = ledgerSize();
    CustomerPaymentRequest pay;
    pay.customerId = create.customerId;
    pay.amount = usd("20.00");
    out = run([&](auto cb) { m_client->authorizationByCustomer(pay, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    out = run([&](auto cb) { m_client->saleByCustomer(pay, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    const QString saleId = out.response.transactionId;
    QCOMPARE(m_sandbox->paytrace().transaction(saleId.toLongLong())->card.last4, u"0057"_s);
    out = run([&](auto cb) { m_client->refundToCustomer({create.customerId, usd("7.25"), u"T-3003"_s, {}}, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 106);
    QCOMPARE(ledgerSize(), before + 3);
    QCOMPARE(m_sandbox->paytrace().ledger().last().operation, u"refund"_s);
    QCOMPARE(m_sandbox->paytrace().ledger().last().amount, 725);

    out = run([&](auto cb) { m_client->createCustomerFromTransaction({u"pb-cust-2"_s, saleId, std::nullopt, {}}, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 160);

    out = run([&](auto cb) { m_client->deleteCustomer({create.customerId}, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 162);
    Waiter<const Outcome &, const QList<CustomerProfile> &> gone;
    m_client->exportCustomers(create.customerId, this, gone.callback());
    QVERIFY(gone.wait());
    QVERIFY(std::get<1>(*gone.result).isEmpty());
}

void TestPayTraceWrites::levelThree_data()
{
    QTest::addColumn<QByteArray>("number");
    QTest::addColumn<bool>("visaEndpoint");
    QTest::addColumn<bool>("ok");
    QTest::newRow("visa on visa") << kVisa << true << true;
    QTest::newRow("mastercard on mastercard") << kMastercard << false << true;
    QTest::newRow("visa data on a mastercard") << kMastercard << true << false;
}

void TestPayTraceWrites::levelThree()
{
    QFETCH(QByteArray, number);
    QFETCH(bool, visaEndpoint);
    QFETCH(bool, ok);
    const QString id = keyedPayment(true, "108.10", number);
    LevelThreeRequest r;
    r.transactionId = id;
    r.invoiceId = u"T-1001"_s;
    r.taxAmount = usd("8.10");
    r.sourceZip = u"99201"_s;
    r.lineItems.append({u"SKU-1"_s, u"Widget"_s, u"4011"_s, u"EA"_s, u"2"_s, usd("50.00"), usd("100.00"), usd("8.10"), std::nullopt, false});
    const qsizetype before = ledgerSize();
    const Outcome out = run([&](auto cb) {
        visaEndpoint ? m_client->levelThreeVisa(r, this, cb) : m_client->levelThreeMastercard(r, this, cb);
    });
    QCOMPARE(out.ok(), ok);
    if (ok)
        QCOMPARE(out.responseCode, 170);
    else
        QCOMPARE(out.kind, Kind::ValidationError);
    QCOMPARE(ledgerSize(), before); // enhanced data moves no money
}

void TestPayTraceWrites::emailReceipt()
{
    const QString id = keyedPayment(true, "9.99");
    const Outcome out = run([&](auto cb) { m_client->emailReceipt({id, u"ada@example.com"_s}, this, cb); });
    QVERIFY2(out.ok(), qPrintable(out.summary()));
    QCOMPARE(out.responseCode, 149);
}

void TestPayTraceWrites::batches()
{
    const QString id = keyedPayment(true, "77.70");
    const auto closed = m_sandbox->paytrace().settleNow();
    QVERIFY(closed.has_value());
    const QString number = QString::number(closed->number);

    Waiter<const Outcome &, const std::optional<BatchSummary> &> one;
    m_client->exportBatch(number, this, one.callback());
    QVERIFY(one.wait());
    QVERIFY2(std::get<0>(*one.result).ok(), qPrintable(std::get<0>(*one.result).summary()));
    const std::optional<BatchSummary> batch = std::get<1>(*one.result);
    QVERIFY(batch.has_value());
    QCOMPARE(batch->number, number);
    QCOMPARE(batch->transactionCount, qint64(closed->transactionIds.size()));
    QCOMPARE(batch->netAmount->minor(), closed->netAmount());
    QVERIFY(batch->closedAt.isValid());
    QCOMPARE(batch->closedAt.toSecsSinceEpoch(), closed->closedAt);

    Waiter<const Outcome &, const std::optional<BatchSummary> &> latest;
    m_client->exportBatch({}, this, latest.callback());
    QVERIFY(latest.wait());
    QCOMPARE(std::get<1>(*latest.result)->number, number);

    Waiter<const Outcome &, const std::optional<BatchSummary> &> missing;
    m_client->exportBatch(u"999999"_s, this, missing.callback());
    QVERIFY(missing.wait());
    QCOMPARE(std::get<0>(*missing.result).kind, Kind::ValidationError);

    // Day by day over the generated month: every batch the sandbox closed, in order, once.
    const QDate to = batch->closedAt.toTimeZone(QTimeZone(QByteArrayLiteral("America/Los_Angeles"))).date();
    Waiter<const Outcome &, const QList<BatchSummary> &> range;
    m_client->exportBatches(to.addDays(-31), to, this, range.callback());
    QVERIFY(range.wait());
    QVERIFY2(std::get<0>(*range.result).ok(), qPrintable(std::get<0>(*range.result).summary()));
    const auto all = m_sandbox->paytrace().batches();
    QCOMPARE(std::get<1>(*range.result).size(), all.size());
    QCOMPARE(std::get<1>(*range.result).last().number, number);

    Waiter<const Outcome &, const QList<pb::GatewayTransaction> &> list;
    m_client->batchTransactions(number, this, list.callback());
    QVERIFY(list.wait());
    QVERIFY(std::get<0>(*list.result).ok());
    bool found = false;
    for (const auto &t : std::get<1>(*list.result)) {
        found = found || t.transactionId == id;
        QCOMPARE(t.batch, number);
        QCOMPARE(t.status, pb::GatewayTransaction::Status::Settled);
    }
    QVERIFY(found);
}


void TestPayTraceWrites::duplicateTransactionWindow()
{
    // Off by default (the account setting 0): the same keyed sale twice is two sales.
    QVERIFY(!keyedPayment(true, "41.00").isEmpty());
    QVERIFY(!keyedPayment(true, "41.00").isEmpty());

    // The merchant sets a duplicate transaction time of 5 minutes.
    QNetworkAccessManager nam;
    QNetworkRequest request(QUrl(m_sandbox->adminUrl().toString() + u"/paytrace/config"_s));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *reply = nam.post(request, QByteArrayLiteral("{\"duplicate_window_minutes\":5}"));
    QSignalSpy done(reply, &QNetworkReply::finished);
    QVERIFY(done.wait(10000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    reply->deleteLater();
    QCOMPARE(m_sandbox->paytrace().duplicateWindowSeconds(), qint64(300));

    const QString first = keyedPayment(true, "42.00");
    QVERIFY(!first.isEmpty());
    const qsizetype before = ledgerSize();
    const KeyedPaymentRequest again = keyed("42.00");
    const Outcome refused = run([&](auto cb) { m_client->saleKeyed(again, this, cb); });
    QCOMPARE(refused.kind, Outcome::Kind::ValidationError);
    QVERIFY2(refused.response.hasError(u"820"), qPrintable(refused.summary()));
    QVERIFY(refused.summary().contains(first));
    QCOMPARE(ledgerSize(), before); // nothing was charged

    // Another invoice, amount or card is no duplicate.
    KeyedPaymentRequest otherInvoice = keyed("42.00");
    otherInvoice.invoiceId = u"T-1002"_s;
    QVERIFY(run([&](auto cb) { m_client->saleKeyed(otherInvoice, this, cb); }).ok());
    QVERIFY(!keyedPayment(true, "42.01").isEmpty());
    QVERIFY(!keyedPayment(true, "42.00", kMastercard).isEmpty());

    // Once the window has passed, the same sale goes through again.
    m_sandbox->clock().advanceSeconds(301);
    QVERIFY(!keyedPayment(true, "42.00").isEmpty());
}

QTEST_GUILESS_MAIN(TestPayTraceWrites)
#include "tst_paytrace_writes.moc"
