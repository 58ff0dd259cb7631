// `paybridge sync --profile NAME --once`
#include "commands/cli.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "profile/profilestore.h"
#include "security/credentialstore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

} // namespace

int exitCodeFor(const Error &error)
{
    if (error.code.startsWith(u"keychain.unavailable"))
        return ExitNoKeychain;
    if (error.code.startsWith(u"config.") || error.code == u"erp.config")
        return ExitConfig;
    if (error.code.endsWith(u".auth") || error.code.endsWith(u".unreachable") || error.code.endsWith(u".tls"))
        return ExitConnection;
    return ExitFailure;
}

void printSummary(Io &io, const QString &profileName, const sync::SyncSummary &s)
{
    io.out() << tr("Sync of profile %1 finished in %2 s.\n")
                    .arg(profileName)
                    .arg(double(s.elapsedMs) / 1000.0, 0, 'f', 1)
             << "orders=" << s.ordersTotal << '\n'
             << "orders_fetched=" << s.ordersFetched << '\n'
             << "transactions=" << s.transactionsTotal << '\n'
             << "transactions_fetched=" << s.transactionsFetched << '\n'
             << "linked=" << s.linked << '\n'
             << "unlinked=" << s.unlinkedTransactions << '\n'
             << "orders_without_payment=" << s.ordersWithoutPayment << '\n'
             << "quarantined=" << s.quarantined << '\n'
             << "customers_linked=" << s.customersLinked << '\n'
             << "customer_writes=" << s.customerWrites << '\n'
             << "customer_conflicts=" << s.customerConflicts << '\n'
             << Qt::flush;
    if (!s.customersNote.isEmpty())
        io.err() << tr("Customers: %1\n").arg(s.customersNote) << Qt::flush;
    if (s.quarantinedNew > 0 || s.released > 0)
        io.err() << tr("%1 record(s) newly quarantined, %2 released; see: paybridge quarantine --profile %3\n")
                        .arg(s.quarantinedNew)
                        .arg(s.released)
                        .arg(profileName)
                 << Qt::flush;
}

int runSyncOnce(const sync::SyncConfig &config, Io &io)
{
    sync::SyncService service(config);
    int result = ExitFailure;
    QEventLoop loop; // the command's own main loop: nothing else is running in this process
    QObject::connect(&service, &sync::SyncService::finished, &loop, [&](const sync::SyncSummary &summary) {
        printSummary(io, config.profileName, summary);
        result = ExitOk;
        loop.quit();
    });
    QObject::connect(&service, &sync::SyncService::failed, &loop, [&](const Error &error) {
        io.err() << tr("Sync of profile %1 failed: %2\n").arg(config.profileName, error.toString()) << Qt::flush;
        result = exitCodeFor(error);
        loop.quit();
    });
    service.syncNow();
    loop.exec();
    return result;
}

int syncCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Pull orders from Magento and transactions from PayTrace, link them (PayTrace invoice_id = "
           "Magento increment_id) and print a summary."));
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")}, tr("Show this help."));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption once(QStringLiteral("once"), tr("Run one sync and exit."));
    parser.addOptions({help, profileOpt, once});
    if (!parser.parse(arguments)) {
        io.err() << parser.errorText() << '\n' << parser.helpText() << Qt::flush;
        return ExitUsage;
    }
    if (parser.isSet(help)) {
        io.out() << parser.helpText() << Qt::flush;
        return ExitOk;
    }
    if (!parser.isSet(profileOpt) || !parser.isSet(once) || !parser.positionalArguments().isEmpty()) {
        io.err() << tr("Usage: paybridge sync --profile NAME --once\n") << Qt::flush;
        return ExitUsage;
    }

    profile::ProfileStore store;
    if (const Status loaded = store.load(); !loaded) {
        io.err() << tr("Cannot read the profiles file %1: %2\n").arg(store.filePath(), loaded.error().toString())
                 << Qt::flush;
        return ExitConfig;
    }
    const auto profile = store.find(parser.value(profileOpt));
    if (!profile) {
        io.err() << tr("No profile named %1 (see: paybridge profile list)\n").arg(parser.value(profileOpt))
                 << Qt::flush;
        return ExitConfig;
    }
    security::CredentialStore keychain;
    const auto config = syncConfigFor(*profile, keychain);
    if (!config) {
        io.err() << tr("Cannot read the secrets of profile %1: %2\n").arg(profile->name, config.error().toString())
                 << Qt::flush;
        return exitCodeFor(config.error());
    }
    return runSyncOnce(config.value(), io);
}

} // namespace pb::app
