// PayTraceClient and TokenManager over real HTTP against the in-process sandbox.
#include "net/httptransport.h"
#include "paytrace/paytraceclient.h"
#include "paytrace/tokenmanager.h"
#include "sandbox.h"
#include "paytracesim.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QTimeZone>

#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using pb::paytrace::ExportDay;
using pb::paytrace::Outcome;
using pb::paytrace::PayTraceClient;
using pb::paytrace::PayTraceConfig;

namespace {

QString credential(const pb::sandbox::Sandbox &s, const QString &key)
{
    for (const auto &c : s.credentials()) {
        if (c.first == key)
            return c.second;
    }
    return {};
}

// A fixed sandbox time far from daylight-saving changes, so the 30 days of generated data
// contain no ambiguous Pacific hour (that case is covered by the parser test).
QDateTime fixedStart()
{
    return QDateTime(QDate(2026, 6, 20), QTime(18, 0, 0), Qt::UTC);
}

QDate pacificDate(qint64 utcSecs)
{
    return QDateTime::fromSecsSinceEpoch(utcSecs, Qt::UTC).toTimeZone(QTimeZone(QByteArrayLiteral("America/Los_Angeles"))).date();
}

std::optional<Outcome> waitOutcome(const std::function<void(PayTraceClient::OutcomeCallback)> &start)
{
    std::optional<Outcome> out;
    start([&out](const Outcome &o) { out = o; });
    if (!QTest::qWaitFor([&]() { return out.has_value(); }, 30000))
        return std::nullopt;
    return out;
}

} // namespace

class TestPayTraceClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void pingWithoutToken();
    void tokenGrantedOnceAndReused();
    void concurrentCallersShareOneGrant();
    void expiredTokenLeadsToOneReauth();
    void revokedTokenLeadsToOneReauth();
    void badCredentialsAreAuthFailure();
    void exportDayByDayMatchesSandbox();
    void exportById();
    void exportRangeValidated();

private:
    PayTraceConfig config(const QString &password = {}) const;
    qint64 tokenRequests() const;

    std::unique_ptr<pb::sandbox::Sandbox> m_sandbox;
    std::unique_ptr<pb::net::HttpTransport> m_transport;
};

void TestPayTraceClient::init()
{
    pb::sandbox::SandboxOptions options;
    options.orders = 80;
    options.seed = 11;
    options.startTime = fixedStart();
    m_sandbox = std::make_unique<pb::sandbox::Sandbox>(options);
    QString error;
    QVERIFY2(m_sandbox->start(&error), qPrintable(error));
    m_transport = std::make_unique<pb::net::HttpTransport>();
}

void TestPayTraceClient::cleanup()
{
    m_transport.reset();
    m_sandbox.reset();
}

PayTraceConfig TestPayTraceClient::config(const QString &password) const
{
    PayTraceConfig c;
    c.baseUrl = m_sandbox->paytraceUrl(); // carries the /paytrace prefix
    c.username = credential(*m_sandbox, u"paytrace.username"_s);
    c.password = password.isEmpty() ? credential(*m_sandbox, u"paytrace.password"_s) : password;
    c.integratorId = u"PB0000000001"_s;
    c.timeoutMs = 20000;
    return c;
}

qint64 TestPayTraceClient::tokenRequests() const
{
    return m_sandbox->stats().requests.value(u"POST /paytrace/oauth/token"_s);
}

void TestPayTraceClient::pingWithoutToken()
{
    PayTraceClient client(m_transport.get(), config());
    auto out = waitOutcome([&](auto cb) { client.ping(this, cb); });
    QVERIFY(out.has_value());
    QVERIFY2(out->ok(), qPrintable(out->summary()));
    QCOMPARE(client.tokens()->grantsSent(), 0);
    QCOMPARE(tokenRequests(), 0);
}

void TestPayTraceClient::tokenGrantedOnceAndReused()
{
    PayTraceClient client(m_transport.get(), config());
    const QDate day = pacificDate(fixedStart().toSecsSinceEpoch());
    for (int i = 0; i < 3; ++i) {
        auto out = waitOutcome([&](auto cb) {
            client.exportTransactionsByDateRange(day, day, {}, this, [](const ExportDay &) {}, cb);
        });
        QVERIFY(out.has_value());
        QVERIFY2(out->ok(), qPrintable(out->summary()));
    }
    QCOMPARE(client.tokens()->grantsSent(), 1);
    QCOMPARE(tokenRequests(), 1);
    QVERIFY(client.tokens()->hasValidToken());
}

void TestPayTraceClient::concurrentCallersShareOneGrant()
{
    PayTraceClient client(m_transport.get(), config());
    const auto txns = m_sandbox->paytrace().transactions();
    QVERIFY(txns.size() >= 5);
    int done = 0;
    int ok = 0;
    for (int i = 0; i < 5; ++i) {
        client.exportById(QString::number(txns.at(i).id), this,
                          [&](const Outcome &o, const QList<pb::GatewayTransaction> &list) {
                              ++done;
                              ok += o.ok() && list.size() == 1;
                          });
    }
    QTRY_COMPARE_WITH_TIMEOUT(done, 5, 30000);
    QCOMPARE(ok, 5);
    QCOMPARE(client.tokens()->grantsSent(), 1);
    QCOMPARE(tokenRequests(), 1);
}

void TestPayTraceClient::expiredTokenLeadsToOneReauth()
{
    PayTraceClient client(m_transport.get(), config());
    const QDate day = pacificDate(fixedStart().toSecsSinceEpoch());
    auto first = waitOutcome([&](auto cb) {
        client.exportTransactionsByDateRange(day, day, {}, this, [](const ExportDay &) {}, cb);
    });
    QVERIFY(first && first->ok());
    QCOMPARE(tokenRequests(), 1);

    // Move PayTrace's clock past the 2-hour lifetime through the admin API. Our monotonic clock
    // still trusts the token, so the refusal (401 invalid_token) must trigger the one re-auth.
    std::optional<pb::net::HttpResponse> admin;
    pb::net::HttpRequest req;
    req.method = QByteArrayLiteral("POST");
    req.url = QUrl(m_sandbox->adminUrl().toString() + u"/clock"_s);
    req.headers = {{QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json")}};
    m_transport->send(req, QByteArrayLiteral("{\"advance_seconds\":7300}"), this,
                      [&](const pb::net::HttpResponse &r) { admin = r; });
    QTRY_VERIFY(admin.has_value());
    QCOMPARE(admin->status, 200);
    QVERIFY(client.tokens()->hasValidToken());

    auto second = waitOutcome([&](auto cb) {
        client.exportTransactionsByDateRange(day, day, {}, this, [](const ExportDay &) {}, cb);
    });
    QVERIFY(second.has_value());
    QVERIFY2(second->ok(), qPrintable(second->summary()));
    QCOMPARE(tokenRequests(), 2);
    QCOMPARE(client.tokens()->grantsSent(), 2);
}

void TestPayTraceClient::revokedTokenLeadsToOneReauth()
{
    PayTraceClient client(m_transport.get(), config());
    const auto txns = m_sandbox->paytrace().transactions();
    auto first = waitOutcome([&](auto cb) {
        client.exportById(QString::number(txns.first().id), this,
                          [cb](const Outcome &o, const QList<pb::GatewayTransaction> &) { cb(o); });
    });
    QVERIFY(first && first->ok());
    // Two calls in flight are both refused: still only one new grant.
    m_sandbox->paytrace().revokeTokens();
    int done = 0, ok = 0;
    for (int i = 0; i < 2; ++i) {
        client.exportById(QString::number(txns.at(i).id), this,
                          [&](const Outcome &o, const QList<pb::GatewayTransaction> &) {
                              ++done;
                              ok += o.ok();
                          });
    }
    QTRY_COMPARE_WITH_TIMEOUT(done, 2, 30000);
    QCOMPARE(ok, 2);
    QCOMPARE(tokenRequests(), 2);
}

void TestPayTraceClient::badCredentialsAreAuthFailure()
{
    PayTraceClient client(m_transport.get(), config(u"wrong-password"_s));
    const QDate day = pacificDate(fixedStart().toSecsSinceEpoch());
    QList<ExportDay> days;
    auto out = waitOutcome([&](auto cb) {
        client.exportTransactionsByDateRange(day, day.addDays(2), {}, this, [&](const ExportDay &d) { days.append(d); }, cb);
    });
    QVERIFY(out.has_value());
    QCOMPARE(Outcome::kindName(out->kind), u"auth_failure"_s);
    QCOMPARE(out->error.code, u"paytrace.oauth.invalid_grant"_s);
    QCOMPARE(out->errorClass(), pb::net::ErrorClass::Auth);
    // The first day reports the failure without data; later days are not requested.
    QCOMPARE(days.size(), 1);
    QCOMPARE(days.first().outcome.kind, Outcome::Kind::AuthFailure);
    QVERIFY(days.first().transactions.isEmpty());
    QCOMPARE(m_sandbox->stats().requests.value(u"POST /paytrace/v1/transactions/export/by_date_range"_s), 0);
    QCOMPARE(tokenRequests(), 1); // no retry loop on refused credentials
}

void TestPayTraceClient::exportDayByDayMatchesSandbox()
{
    const QList<pb::sandbox::PayTraceTransaction> expected = m_sandbox->paytrace().transactions();
    QVERIFY(expected.size() > 20);
    QDate first = pacificDate(expected.first().createdAt);
    QDate last = first;
    QHash<QString, pb::sandbox::PayTraceTransaction> byId;
    for (const auto &t : expected) {
        first = std::min(first, pacificDate(t.createdAt));
        last = std::max(last, pacificDate(t.createdAt));
        byId.insert(QString::number(t.id), t);
    }
    // One day either side must come back empty, not fail.
    first = first.addDays(-1);
    last = last.addDays(1);

    PayTraceClient client(m_transport.get(), config());
    QList<ExportDay> days;
    auto out = waitOutcome([&](auto cb) {
        client.exportTransactionsByDateRange(first, last, {}, this, [&](const ExportDay &d) { days.append(d); }, cb);
    });
    QVERIFY(out.has_value());
    QVERIFY2(out->ok(), qPrintable(out->summary()));
    QCOMPARE(days.size(), first.daysTo(last) + 1);
    QCOMPARE(m_sandbox->stats().requests.value(u"POST /paytrace/v1/transactions/export/by_date_range"_s),
             first.daysTo(last) + 1);

    QSet<QString> seen;
    for (qsizetype i = 0; i < days.size(); ++i) {
        const ExportDay &d = days.at(i);
        QCOMPARE(d.day, first.addDays(i));
        QVERIFY(d.outcome.ok());
        for (const pb::GatewayTransaction &t : d.transactions) {
            QVERIFY2(!seen.contains(t.transactionId), qPrintable(t.transactionId));
            seen.insert(t.transactionId);
            QVERIFY2(byId.contains(t.transactionId), qPrintable(t.transactionId));
            const auto &e = byId.value(t.transactionId);
            QCOMPARE(pacificDate(e.createdAt), d.day);
            QCOMPARE(t.createdAt.toSecsSinceEpoch(), e.createdAt);
            const qint64 amount = e.kind == pb::sandbox::PayTraceKind::Authorization && e.capturedAmount
                ? *e.capturedAmount : e.amount;
            QCOMPARE(t.amount.minor(), amount);
            QCOMPARE(t.invoiceId, e.invoiceId);
            QCOMPARE(t.cardLast4, e.card.last4);
            QCOMPARE(t.customerId, e.customerId);
            if (e.settledAt) {
                QCOMPARE(t.status, pb::GatewayTransaction::Status::Settled);
                QCOMPARE(t.batch, QString::number(e.batchNumber));
                QCOMPARE(t.settledAt.toSecsSinceEpoch(), e.settledAt);
            } else {
                QVERIFY(t.status != pb::GatewayTransaction::Status::Settled);
                QVERIFY(!t.settledAt.isValid());
            }
            if (e.kind == pb::sandbox::PayTraceKind::Refund)
                QCOMPARE(t.type, pb::GatewayTransaction::Type::Refund);
            QVERIFY(t.status != pb::GatewayTransaction::Status::Unknown);
        }
    }
    QCOMPARE(seen.size(), byId.size());
}

void TestPayTraceClient::exportById()
{
    PayTraceClient client(m_transport.get(), config());
    const auto e = m_sandbox->paytrace().transactions().at(3);
    std::optional<QList<pb::GatewayTransaction>> got;
    client.exportById(QString::number(e.id), this, [&](const Outcome &o, const QList<pb::GatewayTransaction> &list) {
        QVERIFY(o.ok());
        got = list;
    });
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 30000);
    QCOMPARE(got->size(), 1);
    QCOMPARE(got->first().transactionId, QString::number(e.id));
    QCOMPARE(got->first().invoiceId, e.invoiceId);

    // An unknown id is PayTrace's validation error, not a crash or an empty success.
    std::optional<Outcome> missing;
    client.exportById(u"999999999"_s, this, [&](const Outcome &o, const QList<pb::GatewayTransaction> &list) {
        QVERIFY(list.isEmpty());
        missing = o;
    });
    QTRY_VERIFY_WITH_TIMEOUT(missing.has_value(), 30000);
    QCOMPARE(missing->kind, Outcome::Kind::ValidationError);
    QVERIFY(missing->response.hasError(u"811"));
}

void TestPayTraceClient::exportRangeValidated()
{
    PayTraceClient client(m_transport.get(), config());
    auto out = waitOutcome([&](auto cb) {
        client.exportTransactionsByDateRange(QDate(2026, 5, 2), QDate(2026, 5, 1), {}, this, [](const ExportDay &) {}, cb);
    });
    QVERIFY(out.has_value());
    QCOMPARE(out->kind, Outcome::Kind::ValidationError);
    QCOMPARE(out->error.code, u"paytrace.export_range"_s);
    QCOMPARE(m_sandbox->stats().totalRequests, 0);
}

QTEST_GUILESS_MAIN(TestPayTraceClient)
#include "tst_paytrace_client.moc"
