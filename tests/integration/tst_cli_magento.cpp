// `paybridge magento ping|orders` as a user runs it: the real executable against a
// `paybridge-sandbox` process, secrets through stdin into the real keychain (tests/with-session).
#include "cliworld.h"
#include "money/money.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

using Run = pb::test::CliRun;

const QStringList kKeys = {u"entity_id"_s,      u"increment_id"_s, u"state"_s,          u"status"_s,
                           u"currency"_s,       u"grand_total"_s,  u"total_paid"_s,     u"total_refunded"_s,
                           u"payment_method"_s, u"last_trans_id"_s, u"card_last4"_s,    u"customer_email"_s,
                           u"created_at"_s,     u"updated_at"_s};

} // namespace

class TestCliMagento : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void help_data();
    void help();
    void usageErrors_data();
    void usageErrors();
    void pingNeedsSecrets();
    void pingWithBearer();
    void wrongTokenIsConnectionFailure();
    void requestTimeoutFromProfile();
    void ordersJsonlExactKeysAndFormats();
    void ordersUpdatedSince();
    void ordersWithOAuth1();

private:
    Run paybridge(const QStringList &args, const QByteArray &stdinData = {}) const
    {
        return m_world.paybridge(args, stdinData);
    }
    void addProfile(const QString &name, const QString &auth, const QHash<QString, QString> &secrets);
    QList<QJsonObject> orders(const QStringList &extra, const QString &profile);

    pb::test::CliWorld m_world;
    QList<QJsonObject> m_all;
};

void TestCliMagento::initTestCase()
{
    QString error;
    // Bearer profiles are tested here: this store turned the setting on.
    QVERIFY2(m_world.start(150, 11, &error, {u"--magento-bearer"_s}), qPrintable(error));
    for (const char *key : {"magento_url", "paytrace_url", "magento.bearer_token", "magento.consumer_key",
                            "magento.consumer_secret", "magento.access_token", "magento.access_token_secret"})
        QVERIFY2(!m_world.value(QLatin1StringView(key)).isEmpty(), key);
}

void TestCliMagento::cleanupTestCase()
{
    m_world.stop();
}

void TestCliMagento::addProfile(const QString &name, const QString &auth, const QHash<QString, QString> &secrets)
{
    Run r = paybridge({u"profile"_s, u"add"_s, name, u"--paytrace-url"_s, m_world.value(u"paytrace_url"_s),
                       u"--magento-url"_s, m_world.value(u"magento_url"_s), u"--magento-auth"_s, auth});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    for (auto it = secrets.begin(); it != secrets.end(); ++it) {
        r = paybridge({u"profile"_s, u"set-secret"_s, name, it.key()}, it.value().toUtf8() + '\n');
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }
}

QList<QJsonObject> TestCliMagento::orders(const QStringList &extra, const QString &profile)
{
    const Run r = paybridge(QStringList{u"magento"_s, u"orders"_s, u"--profile"_s, profile} + extra);
    [&] { QVERIFY2(r.exitCode == 0, qPrintable(r.err)); }();
    QList<QJsonObject> out;
    for (const QString &line : r.out.split(u'\n', Qt::SkipEmptyParts)) {
        const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8());
        [&] { QVERIFY2(doc.isObject(), qPrintable(line)); }();
        out.append(doc.object());
    }
    return out;
}

void TestCliMagento::help_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("magento") << QStringList{u"magento"_s, u"--help"_s};
    QTest::newRow("ping") << QStringList{u"magento"_s, u"ping"_s, u"--help"_s};
    QTest::newRow("orders") << QStringList{u"magento"_s, u"orders"_s, u"--help"_s};
    QTest::newRow("top level lists magento") << QStringList{u"--help"_s};
}

void TestCliMagento::help()
{
    QFETCH(QStringList, args);
    const Run r = paybridge(args);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(u"Usage"_s), qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains(u"magento"_s), qPrintable(r.out));
    if (args.size() > 1 && args.at(0) == u"magento")
        QVERIFY2(r.out.contains(u"Exit codes"_s), qPrintable(r.out));
}

void TestCliMagento::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("no subcommand") << QStringList{u"magento"_s} << 2;
    QTest::newRow("unknown subcommand") << QStringList{u"magento"_s, u"refund"_s} << 2;
    QTest::newRow("orders without profile") << QStringList{u"magento"_s, u"orders"_s} << 2;
    QTest::newRow("ping unknown option") << QStringList{u"magento"_s, u"ping"_s, u"--profile"_s, u"x"_s, u"--fast"_s} << 2;
    QTest::newRow("bad format") << QStringList{u"magento"_s, u"orders"_s, u"--profile"_s, u"x"_s, u"--format"_s, u"csv"_s} << 2;
    QTest::newRow("bad time") << QStringList{u"magento"_s, u"orders"_s, u"--profile"_s, u"x"_s, u"--updated-since"_s,
                                             u"yesterday"_s} << 2;
    QTest::newRow("unknown profile") << QStringList{u"magento"_s, u"ping"_s, u"--profile"_s, u"nope"_s} << 3;
}

void TestCliMagento::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    const Run r = paybridge(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY(!r.err.isEmpty());
    QVERIFY(r.out.isEmpty());
}

void TestCliMagento::pingNeedsSecrets()
{
    addProfile(u"NoSecrets"_s, u"bearer"_s, {});
    const Run r = paybridge({u"magento"_s, u"ping"_s, u"--profile"_s, u"NoSecrets"_s});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(u"magento.bearer_token"_s), qPrintable(r.err));
}

void TestCliMagento::pingWithBearer()
{
    addProfile(u"Bearer"_s, u"bearer"_s, {{u"magento.bearer_token"_s, m_world.value(u"magento.bearer_token"_s)}});
    const Run r = paybridge({u"magento"_s, u"ping"_s, u"--profile"_s, u"Bearer"_s});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(u"Magento OK"_s) && r.out.contains(u"(150 orders visible)"_s), qPrintable(r.out));
    QVERIFY(!r.out.contains(m_world.value(u"magento.bearer_token"_s)));
}

void TestCliMagento::wrongTokenIsConnectionFailure()
{
    addProfile(u"Wrong"_s, u"bearer"_s, {{u"magento.bearer_token"_s, u"not-the-token-0123456789abcdef"_s}});
    for (const char *sub : {"ping", "orders"}) {
        const Run r = paybridge({u"magento"_s, QLatin1StringView(sub), u"--profile"_s, u"Wrong"_s});
        QCOMPARE(r.exitCode, 5);
        QVERIFY2(r.err.contains(u"auth"_s) && r.err.contains(u"401"_s), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }
}

// The profile's request timeout is the one the connector uses: a store that never answers is
// given up on after 5 s, not after the connector's default 60 s.
void TestCliMagento::requestTimeoutFromProfile()
{
    addProfile(u"Slow"_s, u"bearer"_s, {{u"magento.bearer_token"_s, m_world.value(u"magento.bearer_token"_s)}});
    const QStringList timing{u"profile"_s, u"set-timing"_s, u"Slow"_s, u"--request-timeout"_s, u"5"_s,
                             u"--in-doubt-settle"_s, u"10"_s};
    Run r = paybridge(timing);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(timing)));

    QString error;
    const auto added = m_world.adminPost(u"/__admin/faults"_s,
                                         QJsonObject{{u"id"_s, u"never-answers"_s},
                                                     {u"path"_s, u"/magento/rest/*"_s},
                                                     {u"kind"_s, u"timeout"_s},
                                                     {u"times"_s, 1}},
                                         &error);
    QVERIFY2(added, qPrintable(error));
    QElapsedTimer clock;
    clock.start();
    const QStringList ping{u"magento"_s, u"ping"_s, u"--profile"_s, u"Slow"_s};
    r = paybridge(ping);
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(r.exitCode == 5, qPrintable(r.describe(ping)));
    QVERIFY2(r.err.contains(u"5000 ms"_s), qPrintable(r.describe(ping)));
    // Qt's transfer timeout runs on a coarse timer, which may fire up to 5 % early (measured:
    // 4,906 ms once); the point is 5 s from the profile, not the 60 s default.
    QVERIFY2(elapsed >= 4750 && elapsed < 40000, qPrintable(u"%1 ms"_s.arg(elapsed)));

    // The fault was used up: the same profile connects again.
    r = paybridge(ping);
    QVERIFY2(r.exitCode == 0, qPrintable(r.describe(ping)));
}

void TestCliMagento::ordersJsonlExactKeysAndFormats()
{
    m_all = orders({u"--format"_s, u"jsonl"_s}, u"Bearer"_s);
    QCOMPARE(m_all.size(), 150);
    const QRegularExpression digits(u"^[1-9][0-9]*$"_s);
    const QRegularExpression iso(u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$"_s);
    QSet<QString> ids;
    int withTxn = 0;
    int withLast4 = 0;
    for (const QJsonObject &o : std::as_const(m_all)) {
        QStringList keys = o.keys();
        // Only an order with Magento amounts finer than its currency carries the exact ones
        // (docs/magento.md §7): field name to decimal text with more digits than the currency.
        if (keys.removeOne(u"exact_amounts"_s)) {
            const QJsonObject exact = o.value(u"exact_amounts"_s).toObject();
            QVERIFY(!exact.isEmpty());
            for (auto it = exact.constBegin(); it != exact.constEnd(); ++it)
                QVERIFY2(QRegularExpression(u"^-?[0-9]+\\.[0-9]{1,4}$"_s).match(it.value().toString()).hasMatch(),
                         qPrintable(it.key() + u' ' + it.value().toString()));
        }
        keys.sort();
        QStringList expected = kKeys;
        expected.sort();
        QCOMPARE(keys, expected);
        QVERIFY(o.value(u"entity_id"_s).isString());
        QVERIFY(digits.match(o.value(u"entity_id"_s).toString()).hasMatch());
        ids.insert(o.value(u"entity_id"_s).toString());
        for (const char *k : {"increment_id", "state", "status", "currency", "payment_method", "customer_email"})
            QVERIFY2(o.value(QLatin1StringView(k)).isString(), k);
        QVERIFY(!o.value(u"increment_id"_s).toString().isEmpty());
        const auto currency = pb::Currency::fromCode(o.value(u"currency"_s).toString());
        QVERIFY2(currency, qPrintable(o.value(u"currency"_s).toString()));
        const QRegularExpression amount(currency->exponent() == 0
                                            ? u"^-?[0-9]+$"_s
                                            : u"^-?[0-9]+\\.[0-9]{%1}$"_s.arg(currency->exponent()));
        for (const char *k : {"grand_total", "total_paid", "total_refunded"}) {
            const QJsonValue v = o.value(QLatin1StringView(k));
            QVERIFY2(v.isString() && amount.match(v.toString()).hasMatch(),
                     qPrintable(QLatin1StringView(k) + u' ' + v.toString()));
        }
        for (const char *k : {"last_trans_id", "card_last4"}) {
            const QJsonValue v = o.value(QLatin1StringView(k));
            QVERIFY2(v.isNull() || (v.isString() && !v.toString().isEmpty()), k);
        }
        withTxn += o.value(u"last_trans_id"_s).isString() ? 1 : 0;
        if (o.value(u"card_last4"_s).isString()) {
            ++withLast4;
            QVERIFY(QRegularExpression(u"^[0-9]{4}$"_s).match(o.value(u"card_last4"_s).toString()).hasMatch());
        }
        QVERIFY2(iso.match(o.value(u"created_at"_s).toString()).hasMatch(), qPrintable(o.value(u"created_at"_s).toString()));
        QVERIFY2(iso.match(o.value(u"updated_at"_s).toString()).hasMatch(), qPrintable(o.value(u"updated_at"_s).toString()));
        QVERIFY(o.value(u"updated_at"_s).toString() >= o.value(u"created_at"_s).toString());
    }
    QCOMPARE(ids.size(), 150);
    // Most sandbox orders were paid through PayTrace (the rest offline): both forms occur.
    QVERIFY(withTxn > 0 && withTxn < 150);
    QVERIFY(withLast4 > 0);
}

void TestCliMagento::ordersUpdatedSince()
{
    QVERIFY(!m_all.isEmpty());
    QStringList times;
    for (const QJsonObject &o : std::as_const(m_all))
        times.append(o.value(u"updated_at"_s).toString());
    times.sort();
    const QString since = times.at(times.size() / 2);
    const qsizetype expected = std::count_if(times.begin(), times.end(), [&](const QString &t) { return t >= since; });
    // The same instant written with an offset selects the same orders.
    const QDateTime utc = QDateTime::fromString(since, Qt::ISODate);
    const QString withOffset = utc.toOffsetFromUtc(2 * 3600).toString(Qt::ISODate);
    for (const QString &arg : {since, withOffset}) {
        const QList<QJsonObject> some = orders({u"--updated-since"_s, arg}, u"Bearer"_s);
        QCOMPARE(some.size(), expected);
        for (const QJsonObject &o : some)
            QVERIFY(o.value(u"updated_at"_s).toString() >= since);
    }
}

void TestCliMagento::ordersWithOAuth1()
{
    QHash<QString, QString> secrets;
    for (const char *key : {"magento.consumer_key", "magento.consumer_secret", "magento.access_token",
                            "magento.access_token_secret"})
        secrets.insert(QLatin1StringView(key), m_world.value(QLatin1StringView(key)));
    addProfile(u"OAuth"_s, u"oauth1"_s, secrets);
    const QList<QJsonObject> signedOrders = orders({}, u"OAuth"_s);
    QCOMPARE(signedOrders.size(), m_all.size());
    QCOMPARE(signedOrders, m_all);
}

QTEST_GUILESS_MAIN(TestCliMagento)
#include "tst_cli_magento.moc"
