// The console started for a profile (`paybridge --profile Shop`) when the OS keychain refuses
// access: it must say whose credentials it could not read and end with a failure. The keychain's
// answer arrives from the event loop, after the start-up code that asked has left its scope.
//
// Runs app/guilaunch.cpp in-process, in its own executable: runConsole() makes the QApplication
// itself, and D-Bus must point at a bus that does not exist before anything touches it (Qt keeps
// the first session bus connection of the process), as in tst_credentialstore_nokeychain.

#include "commands/cli.h"
#include "commands/exitcodes.h"
#include "guilaunch.h"
#include "profile/profilestore.h"
#include "testsupport.h"

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {

struct Seen
{
    QStringList boxes; // the text of every message box the console showed
    bool gaveUp = false;
};
Seen g_seen;

// Called from the QApplication constructor inside runConsole(): answers the console's message
// boxes the way a person would, after noting what they said.
void answerMessageBoxes()
{
    auto *poll = new QTimer(QCoreApplication::instance());
    poll->setInterval(50);
    QObject::connect(poll, &QTimer::timeout, poll, [] {
        const QWidgetList windows = QApplication::topLevelWidgets();
        for (QWidget *w : windows) {
            auto *box = qobject_cast<QMessageBox *>(w);
            if (!box || !box->isVisible())
                continue;
            g_seen.boxes << box->text();
            if (QAbstractButton *ok = box->button(QMessageBox::Ok))
                ok->click();
            else
                box->done(0);
        }
    });
    poll->start();
    // A console that never reports anything ends the run instead of hanging the test.
    QTimer::singleShot(120000, QCoreApplication::instance(), [] {
        g_seen.gaveUp = true;
        QCoreApplication::exit(99);
    });
}
Q_COREAPP_STARTUP_FUNCTION(answerMessageBoxes)

} // namespace

class TestConsoleLaunch : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void refusedKeychainIsReported();
};

void TestConsoleLaunch::refusedKeychainIsReported()
{
    pb::test::IsolatedHome home;
    QVERIFY(home.isValid());
    pb::app::setApplicationIdentity();
    pb::profile::Profile shop;
    shop.name = u"Shop"_s;
    shop.paytraceUrl = u"https://api.paytrace.com"_s;
    shop.magentoUrl = u"https://shop.example.com"_s;
    shop.createdBy = u"admin"_s;
    pb::profile::ProfileStore profiles;
    const pb::Status added = profiles.add(shop);
    QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().toString()));

    QByteArray program("paybridge"), option("--profile"), name("Shop");
    char *argv[] = {program.data(), option.data(), name.data(), nullptr};
    const int exitCode = pb::app::runConsole(3, argv);

    QVERIFY2(!g_seen.gaveUp, "the console reported nothing within two minutes");
    QCOMPARE(exitCode, int(pb::app::ExitFailure));
    QCOMPARE(g_seen.boxes.size(), 1);
    const QString &text = g_seen.boxes.constFirst();
    QVERIFY2(text.contains(u"profile Shop"_s), qPrintable(text));
    QVERIFY2(text.contains(u"keychain"_s), qPrintable(text));
}

int main(int argc, char **argv)
{
    // Before anything connects to D-Bus. The path is inside a directory that does not exist,
    // so nothing can listen there: the keychain is refused.
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/paybridge-test/no-bus");
    // No QApplication here: runConsole() makes its own.
    TestConsoleLaunch test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_console_launch.moc"
