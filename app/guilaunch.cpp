#include "guilaunch.h"

#include "commands/cli.h"
#include "commands/demo.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "log/logging.h"
#include "mainwindow.h"
#include "profile/profilestore.h"
#include "security/credentialstore.h"
#include "sync/syncservice.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>
#include <QMessageBox>
#include <QStatusBar>

#include <memory>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

bool hasDisplay()
{
    return qEnvironmentVariableIsSet("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY")
        || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

// Keeps the sync service and the window alive together for the life of the application.
struct Console
{
    std::unique_ptr<sync::SyncService> sync;
    std::unique_ptr<ui::MainWindow> window;

    void open(sync::SyncConfig config, bool syncAtOnce)
    {
        config.program = tr("PayBridge console");
        sync = std::make_unique<sync::SyncService>(config);
        window = std::make_unique<ui::MainWindow>(*sync);
        window->show();
        if (syncAtOnce)
            sync->syncNow();
    }
};

void fatal(const QString &text)
{
    QMessageBox::critical(nullptr, tr("PayBridge"), text);
    QCoreApplication::exit(ExitFailure);
}

} // namespace

int runConsole(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);

    QCommandLineParser parser;
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")});
    const QCommandLineOption version(QStringLiteral("version"));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), {}, QStringLiteral("NAME"));
    const QCommandLineOption demoOpt(QStringLiteral("demo"));
    const QCommandLineOption ordersOpt(QStringLiteral("orders"), {}, QStringLiteral("N"));
    const QCommandLineOption seedOpt(QStringLiteral("seed"), {}, QStringLiteral("S"));
    parser.addOptions({help, version, profileOpt, demoOpt, ordersOpt, seedOpt});
    Io &io = Io::standard();
    if (!parser.parse(arguments) || !parser.positionalArguments().isEmpty()) {
        io.err() << (parser.errorText().isEmpty() ? tr("Unknown command: %1").arg(parser.positionalArguments().value(0))
                                                   : parser.errorText())
                 << '\n' << overviewHelp() << Qt::flush;
        return ExitUsage;
    }
    if (parser.isSet(help)) {
        io.out() << overviewHelp() << Qt::flush;
        return ExitOk;
    }
    if (parser.isSet(version)) {
        io.out() << "paybridge " << PAYBRIDGE_VERSION << '\n' << Qt::flush;
        return ExitOk;
    }

    DemoOptions demoOptions;
    if (parser.isSet(ordersOpt)) {
        bool ok = false;
        demoOptions.orders = parser.value(ordersOpt).toInt(&ok);
        if (!ok || demoOptions.orders < 1 || demoOptions.orders > 1000000) {
            io.err() << tr("--orders: expected a number from 1 to 1000000\n") << Qt::flush;
            return ExitUsage;
        }
    }
    if (parser.isSet(seedOpt)) {
        bool ok = false;
        demoOptions.seed = parser.value(seedOpt).toULongLong(&ok);
        if (!ok) {
            io.err() << tr("--seed: expected a whole number\n") << Qt::flush;
            return ExitUsage;
        }
    }

    if (!hasDisplay()) {
        QCoreApplication app(argc, argv);
        setApplicationIdentity();
        (void)log::install();
        if (parser.isSet(demoOpt))
            return runHeadlessDemo(demoOptions, io);
        io.err() << tr("No display is available for the PayBridge console. Use the command line "
                       "(paybridge --help), or run the demo headless with: paybridge --demo\n")
                 << Qt::flush;
        return ExitFailure;
    }

    QApplication app(argc, argv);
    setApplicationIdentity();
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/paybridge/icons/paybridge.svg")));
    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator translator;
    if (translator.load(QLocale(), QStringLiteral("paybridge"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&translator);
    (void)log::install();

    Console console;
    std::unique_ptr<DemoSession> demo;
    std::unique_ptr<security::CredentialStore> keychain;

    if (parser.isSet(demoOpt)) {
        demo = std::make_unique<DemoSession>(demoOptions);
        QObject::connect(demo.get(), &DemoSession::failed, &app, [](const Error &error) {
            fatal(tr("The demo could not start:\n%1").arg(error.toString()));
        });
        QObject::connect(demo.get(), &DemoSession::ready, &app, [&](const sync::SyncConfig &config) {
            console.open(config, true);
            console.window->statusBar()->showMessage(demo->secretsNote(), 15000);
        });
        demo->start();
    } else {
        profile::ProfileStore profiles;
        if (const Status loaded = profiles.load(); !loaded) {
            QMessageBox::critical(nullptr, tr("PayBridge"),
                                  tr("The profiles file %1 cannot be read:\n%2")
                                      .arg(profiles.filePath(), loaded.error().toString()));
            return ExitConfig;
        }
        std::optional<profile::Profile> chosen;
        if (parser.isSet(profileOpt))
            chosen = profiles.find(parser.value(profileOpt));
        else if (profiles.list().size() == 1)
            chosen = profiles.list().constFirst();
        if (!chosen) {
            const QString text = parser.isSet(profileOpt)
                ? tr("There is no profile named %1.").arg(parser.value(profileOpt))
                : profiles.list().isEmpty()
                    ? tr("There are no connection profiles yet.")
                    : tr("Choose a profile with --profile NAME (profiles: %1).")
                          .arg([&] {
                              QStringList names;
                              for (const auto &p : profiles.list())
                                  names << p.name;
                              return names.join(QStringLiteral(", "));
                          }());
            QMessageBox::information(nullptr, tr("PayBridge"),
                                     text + QLatin1Char('\n')
                                         + tr("Create one with \"paybridge profile add\", or try the demo with \"paybridge --demo\"."));
            return ExitConfig;
        }
        keychain = std::make_unique<security::CredentialStore>();
        // The answer comes from the event loop, after this block has ended: the callback keeps
        // its own copy of the name and refers only to what lives until exec() returns.
        loadSyncConfig(*chosen, *keychain, &app,
                       [&console, name = chosen->name](Result<sync::SyncConfig> config) {
            if (!config) {
                fatal(tr("The credentials of profile %1 could not be read from the OS keychain:\n%2")
                          .arg(name, config.error().toString()));
                return;
            }
            console.open(config.value(), false);
        });
    }
    return QApplication::exec();
}

} // namespace pb::app
