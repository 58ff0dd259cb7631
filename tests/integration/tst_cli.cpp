// The command line as a user drives it: real processes (`paybridge-sandbox`, `paybridge`),
// real keychain (tests/with-session), stdin for secrets, exit codes.
#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void helpEverywhere_data();
    void helpEverywhere();
    void usageErrors_data();
    void usageErrors();
    void profileAddValidates();
    void profileSetTiming();
    void profileSecretsAndSync();
    void setSecretWithoutKeychain();
    void headlessDemo();

private:
    Run paybridge(const QStringList &args, const QByteArray &stdinData = {},
                  const QProcessEnvironment &extra = {}, int timeoutMs = 180000);
    QProcessEnvironment baseEnvironment() const;

    QTemporaryDir m_home;
    QProcess m_sandbox;
    QHash<QString, QString> m_sandboxValues;
};

QProcessEnvironment TestCli::baseEnvironment() const
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), m_home.path());
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_home.path() + QStringLiteral("/data"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_home.path() + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), m_home.path() + QStringLiteral("/cache"));
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    return env;
}

Run TestCli::paybridge(const QStringList &args, const QByteArray &stdinData, const QProcessEnvironment &extra,
                       int timeoutMs)
{
    QProcess p;
    QProcessEnvironment env = baseEnvironment();
    for (const QString &k : extra.keys())
        env.insert(k, extra.value(k));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(PAYBRIDGE_EXE), args);
    Run r;
    if (!p.waitForStarted(20000))
        return r;
    if (!stdinData.isNull())
        p.write(stdinData);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

void TestCli::initTestCase()
{
    QVERIFY(m_home.isValid());
    m_sandbox.setProgram(QStringLiteral(PAYBRIDGE_SANDBOX_EXE));
    // This store turned Bearer on: the profile below signs in with the integration token.
    m_sandbox.setArguments({QStringLiteral("--orders"), QStringLiteral("120"), QStringLiteral("--seed"), QStringLiteral("5"),
                            QStringLiteral("--magento-bearer")});
    m_sandbox.setProcessEnvironment(baseEnvironment());
    m_sandbox.start();
    QVERIFY(m_sandbox.waitForStarted(20000));
    // It prints its name=value lines once it listens.
    QTRY_VERIFY_WITH_TIMEOUT(QString::fromUtf8(m_sandbox.peek(1 << 16)).contains(QStringLiteral("magento.bearer_token=")), 60000);
    QTest::qWait(100);
    const QStringList lines = QString::fromUtf8(m_sandbox.readAllStandardOutput()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    for (const QString &line : lines) {
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (eq > 0)
            m_sandboxValues.insert(line.left(eq), line.mid(eq + 1).trimmed());
    }
    QVERIFY(m_sandboxValues.contains(QStringLiteral("paytrace_url")));
    QVERIFY(m_sandboxValues.contains(QStringLiteral("magento_url")));
}

void TestCli::cleanupTestCase()
{
    m_sandbox.terminate();
    if (!m_sandbox.waitForFinished(10000))
        m_sandbox.kill();
}

void TestCli::helpEverywhere_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::newRow("top") << QStringList{QStringLiteral("--help")};
    QTest::newRow("profile") << QStringList{QStringLiteral("profile"), QStringLiteral("--help")};
    QTest::newRow("profile add") << QStringList{QStringLiteral("profile"), QStringLiteral("add"), QStringLiteral("--help")};
    QTest::newRow("profile set-secret") << QStringList{QStringLiteral("profile"), QStringLiteral("set-secret"), QStringLiteral("--help")};
    QTest::newRow("profile list") << QStringList{QStringLiteral("profile"), QStringLiteral("list"), QStringLiteral("--help")};
    QTest::newRow("profile set-timing")
        << QStringList{QStringLiteral("profile"), QStringLiteral("set-timing"), QStringLiteral("--help")};
    QTest::newRow("sync") << QStringList{QStringLiteral("sync"), QStringLiteral("--help")};
}

void TestCli::helpEverywhere()
{
    QFETCH(QStringList, args);
    const Run r = paybridge(args);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("Usage")) || r.out.contains(QStringLiteral("usage")), qPrintable(r.out + r.err));
}

void TestCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::newRow("unknown option") << QStringList{QStringLiteral("--frobnicate")} << 2;
    QTest::newRow("sync without --once") << QStringList{QStringLiteral("sync"), QStringLiteral("--profile"), QStringLiteral("x")} << 2;
    QTest::newRow("sync unknown profile") << QStringList{QStringLiteral("sync"), QStringLiteral("--profile"), QStringLiteral("nope"), QStringLiteral("--once")} << 3;
    QTest::newRow("set-secret bad key") << QStringList{QStringLiteral("profile"), QStringLiteral("set-secret"), QStringLiteral("x"), QStringLiteral("paytrace.pin")} << 2;
    QTest::newRow("add missing url") << QStringList{QStringLiteral("profile"), QStringLiteral("add"), QStringLiteral("x"), QStringLiteral("--paytrace-url"), QStringLiteral("https://api.paytrace.com")} << 2;
    QTest::newRow("console without display") << QStringList{} << 1;
}

void TestCli::usageErrors()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    const Run r = paybridge(args);
    QCOMPARE(r.exitCode, exitCode);
    QVERIFY(!r.err.isEmpty());
}

void TestCli::profileAddValidates()
{
    // Plain http is only for loopback; the error names the field.
    const Run r = paybridge({QStringLiteral("profile"), QStringLiteral("add"), QStringLiteral("Bad"),
                             QStringLiteral("--paytrace-url"), QStringLiteral("http://api.paytrace.com"),
                             QStringLiteral("--magento-url"), QStringLiteral("https://shop.example.com")});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("paytraceUrl")), qPrintable(r.err));
    const Run list = paybridge({QStringLiteral("profile"), QStringLiteral("list")});
    QCOMPARE(list.exitCode, 0);
    QVERIFY(!list.out.contains(QStringLiteral("Bad")));
}

void TestCli::profileSetTiming()
{
    const QString name = QStringLiteral("Timing");
    const auto setTiming = [&](const QStringList &options) {
        return paybridge(QStringList{QStringLiteral("profile"), QStringLiteral("set-timing"), name} + options);
    };
    // The profile as `profile list --format jsonl` shows it.
    const auto listed = [&]() {
        const Run list = paybridge({QStringLiteral("profile"), QStringLiteral("list"), QStringLiteral("--format"),
                                    QStringLiteral("jsonl")});
        for (const QString &line : list.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
            if (o.value(QStringLiteral("name")).toString() == name)
                return o;
        }
        return QJsonObject();
    };
    const auto timing = [&]() {
        const QJsonObject o = listed();
        return std::pair{o.value(QStringLiteral("requestTimeoutSeconds")).toInt(60),
                         o.value(QStringLiteral("inDoubtSettleSeconds")).toInt(120)};
    };

    Run r = paybridge({QStringLiteral("profile"), QStringLiteral("add"), name, QStringLiteral("--paytrace-url"),
                       QStringLiteral("https://api.paytrace.com"), QStringLiteral("--magento-url"),
                       QStringLiteral("https://shop.example.com")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(!listed().isEmpty());
    QCOMPARE(timing(), (std::pair{60, 120}));

    r = setTiming({QStringLiteral("--help")});
    QCOMPARE(r.exitCode, 0);
    for (const char *word : {"--request-timeout", "--in-doubt-settle", "twice the request timeout"})
        QVERIFY2(r.out.contains(QLatin1StringView(word)), qPrintable(r.out));

    // Nothing to change, malformed or out-of-range values: usage errors naming the option.
    struct Bad
    {
        QStringList options;
        const char *mentions;
    };
    const QList<Bad> usage{
        {{}, "Usage: paybridge profile set-timing"},
        {{QStringLiteral("--request-timeout"), QStringLiteral("soon")}, "--request-timeout"},
        {{QStringLiteral("--request-timeout"), QStringLiteral("4")}, "from 5 to 600"},
        {{QStringLiteral("--request-timeout"), QStringLiteral("601")}, "from 5 to 600"},
        {{QStringLiteral("--in-doubt-settle"), QStringLiteral("2.5")}, "--in-doubt-settle"},
        {{QStringLiteral("--in-doubt-settle"), QStringLiteral("86401")}, "from 10 to 86400"},
        {{QStringLiteral("--request-timeout"), QStringLiteral("30"), QStringLiteral("--in-doubt-settle"),
          QStringLiteral("-1")}, "--in-doubt-settle"},
    };
    for (const Bad &bad : usage) {
        r = setTiming(bad.options);
        QVERIFY2(r.exitCode == 2, qPrintable(bad.options.join(u' ') + QStringLiteral(" → ") + r.err));
        QVERIFY2(r.err.contains(QLatin1StringView(bad.mentions)), qPrintable(r.err));
    }
    QCOMPARE(timing(), (std::pair{60, 120}));

    // Each value in range, the pair not: refused by the profile's rules, naming the field and why.
    r = setTiming({QStringLiteral("--in-doubt-settle"), QStringLiteral("100")});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("inDoubtSettleSeconds")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("at least twice the request timeout (120 s for 60 s)")), qPrintable(r.err));
    QCOMPARE(timing(), (std::pair{60, 120}));

    r = paybridge({QStringLiteral("profile"), QStringLiteral("set-timing"), QStringLiteral("NoSuchProfile"),
                   QStringLiteral("--request-timeout"), QStringLiteral("30")});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("NoSuchProfile")), qPrintable(r.err));

    // Both at once; then one at a time, the other kept.
    r = setTiming({QStringLiteral("--request-timeout"), QStringLiteral("20"), QStringLiteral("--in-doubt-settle"),
                   QStringLiteral("45")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains(QStringLiteral("20 s")) && r.out.contains(QStringLiteral("45 s")), qPrintable(r.out));
    QCOMPARE(timing(), (std::pair{20, 45}));
    r = setTiming({QStringLiteral("--request-timeout"), QStringLiteral("30")}); // 45 < 2 × 30
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("inDoubtSettleSeconds")), qPrintable(r.err));
    QCOMPARE(timing(), (std::pair{20, 45}));
    r = setTiming({QStringLiteral("--in-doubt-settle"), QStringLiteral("600")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(timing(), (std::pair{20, 600}));

    // Back to the defaults: the file no longer mentions them.
    r = setTiming({QStringLiteral("--request-timeout"), QStringLiteral("60"), QStringLiteral("--in-doubt-settle"),
                   QStringLiteral("120")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QVERIFY(!listed().contains(QStringLiteral("requestTimeoutSeconds")));
    QVERIFY(!listed().contains(QStringLiteral("inDoubtSettleSeconds")));

    r = paybridge({QStringLiteral("profile"), QStringLiteral("remove"), name});
    QCOMPARE(r.exitCode, 0);
}

void TestCli::profileSecretsAndSync()
{
    const QString name = QStringLiteral("Cli");
    Run r = paybridge({QStringLiteral("profile"), QStringLiteral("add"), name,
                       QStringLiteral("--paytrace-url"), m_sandboxValues.value(QStringLiteral("paytrace_url")),
                       QStringLiteral("--magento-url"), m_sandboxValues.value(QStringLiteral("magento_url")),
                       QStringLiteral("--magento-auth"), QStringLiteral("bearer"),
                       QStringLiteral("--history-days"), QStringLiteral("35")});
    QCOMPARE(r.exitCode, 0);

    // Before the secrets are there, the sync says what is missing.
    r = paybridge({QStringLiteral("sync"), QStringLiteral("--profile"), name, QStringLiteral("--once")});
    QCOMPARE(r.exitCode, 3);
    QVERIFY2(r.err.contains(QStringLiteral("paytrace")), qPrintable(r.err));

    for (const char *key : {"paytrace.username", "paytrace.password", "magento.bearer_token"}) {
        const QString value = m_sandboxValues.value(QLatin1StringView(key));
        QVERIFY2(!value.isEmpty(), key);
        r = paybridge({QStringLiteral("profile"), QStringLiteral("set-secret"), name, QLatin1StringView(key)},
                      value.toUtf8() + '\n');
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY2(!r.out.contains(value) && !r.err.contains(value), "a secret was echoed");
    }
    // An empty standard input stores nothing.
    r = paybridge({QStringLiteral("profile"), QStringLiteral("set-secret"), name, QStringLiteral("magento.consumer_key")}, QByteArray(""));
    QCOMPARE(r.exitCode, 2);

    r = paybridge({QStringLiteral("profile"), QStringLiteral("list"), QStringLiteral("--format"), QStringLiteral("jsonl")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains(QStringLiteral("\"name\":\"Cli\"")));
    for (const char *key : {"paytrace.password", "magento.bearer_token"})
        QVERIFY(!r.out.contains(m_sandboxValues.value(QLatin1StringView(key))));

    r = paybridge({QStringLiteral("sync"), QStringLiteral("--profile"), name, QStringLiteral("--once")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QRegularExpression orders(QStringLiteral("^orders=(\\d+)$"), QRegularExpression::MultilineOption);
    const auto m = orders.match(r.out);
    QVERIFY2(m.hasMatch(), qPrintable(r.out));
    QCOMPARE(m.captured(1).toInt(), 120);
    for (const char *field : {"transactions=", "linked=", "unlinked="})
        QVERIFY2(r.out.contains(QLatin1StringView(field)), field);

    // A second sync finds the same numbers.
    const Run again = paybridge({QStringLiteral("sync"), QStringLiteral("--profile"), name, QStringLiteral("--once")});
    QCOMPARE(again.exitCode, 0);
    QCOMPARE(orders.match(again.out).captured(1).toInt(), 120);

    r = paybridge({QStringLiteral("profile"), QStringLiteral("remove"), name});
    QCOMPARE(r.exitCode, 0);
}

void TestCli::setSecretWithoutKeychain()
{
    Run r = paybridge({QStringLiteral("profile"), QStringLiteral("add"), QStringLiteral("NoKeychain"),
                       QStringLiteral("--paytrace-url"), QStringLiteral("https://api.paytrace.com"),
                       QStringLiteral("--magento-url"), QStringLiteral("https://shop.example.com")});
    QCOMPARE(r.exitCode, 0);
    QProcessEnvironment noBus;
    noBus.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), QStringLiteral("unix:path=") + m_home.path() + QStringLiteral("/no-bus"));
    r = paybridge({QStringLiteral("profile"), QStringLiteral("set-secret"), QStringLiteral("NoKeychain"), QStringLiteral("paytrace.password")},
                  "hunter2-not-stored\n", noBus);
    QCOMPARE(r.exitCode, 4);
    QVERIFY2(r.err.contains(QStringLiteral("keychain")), qPrintable(r.err));
}

void TestCli::headlessDemo()
{
    const Run r = paybridge({QStringLiteral("--demo"), QStringLiteral("--orders"), QStringLiteral("150")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    QVERIFY(r.out.contains(QStringLiteral("headless")));
    QVERIFY2(r.out.contains(QStringLiteral("orders=150")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("linked=")));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
