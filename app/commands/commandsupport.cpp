#include "commands/commandsupport.h"

#include "commands/cli.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "access/operator.h"
#include "profile/profilestore.h"
#include "security/credentialstore.h"

#include <QCoreApplication>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

} // namespace

bool parseCommandLine(QCommandLineParser &parser, const QStringList &arguments, Io &io, int *exitCode)
{
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")}, tr("Show this help."));
    parser.addOption(help);
    if (!parser.parse(arguments)) {
        io.err() << parser.errorText() << '\n' << parser.helpText() << Qt::flush;
        *exitCode = ExitUsage;
        return false;
    }
    if (parser.isSet(help)) {
        io.out() << parser.helpText() << Qt::flush;
        *exitCode = ExitOk;
        return false;
    }
    return true;
}

std::optional<profile::Profile> loadProfile(const QString &profileName, Io &io, int *exitCode)
{
    profile::ProfileStore store;
    if (const Status loaded = store.load(); !loaded) {
        io.err() << tr("Cannot read the profiles file %1: %2\n").arg(store.filePath(), loaded.error().toString())
                 << Qt::flush;
        *exitCode = ExitConfig;
        return std::nullopt;
    }
    const auto profile = store.find(profileName);
    if (!profile) {
        io.err() << tr("No profile named %1 (see: paybridge profile list)\n").arg(profileName) << Qt::flush;
        *exitCode = ExitConfig;
        return std::nullopt;
    }
    return profile;
}

std::optional<sync::SyncConfig> loadEngineConfig(const QString &profileName, Io &io, int *exitCode)
{
    const auto profile = loadProfile(profileName, io, exitCode);
    if (!profile)
        return std::nullopt;
    security::CredentialStore keychain;
    auto config = syncConfigFor(*profile, keychain);
    if (!config) {
        io.err() << tr("Cannot read the secrets of profile %1: %2\n").arg(profile->name, config.error().toString())
                 << Qt::flush;
        *exitCode = exitCodeFor(config.error());
        return std::nullopt;
    }
    return std::move(config).value();
}

std::optional<QString> actingAccount(Io &io, int *exitCode)
{
    auto account = access::currentOsAccount();
    if (!account) {
        io.err() << tr("Cannot tell which account is acting: %1\n").arg(account.error().toString()) << Qt::flush;
        *exitCode = ExitRefused;
        return std::nullopt;
    }
    return account.value();
}

std::optional<int> secondsOption(const QCommandLineParser &parser, const QCommandLineOption &option, int min,
                                 int max, Io &io)
{
    bool ok = false;
    const int seconds = parser.value(option).toInt(&ok);
    if (ok && seconds >= min && seconds <= max)
        return seconds;
    io.err() << tr("--%1: expected a whole number of seconds from %2 to %3, got '%4'\n")
                    .arg(option.names().constFirst())
                    .arg(min)
                    .arg(max)
                    .arg(parser.value(option))
             << Qt::flush;
    return std::nullopt;
}

} // namespace pb::app
