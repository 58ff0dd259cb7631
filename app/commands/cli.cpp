#include "commands/cli.h"

#include "commands/exitcodes.h"
#include "commands/output.h"

#include <QCoreApplication>

#include <cstring>

namespace pb::app {

namespace {

struct Command
{
    const char *name;
    int (*run)(const QStringList &, Io &);
};

constexpr Command kCommands[] = {
    {"profile", &profileCommand},
    {"sync", &syncCommand},
    {"paytrace", &paytraceCommand},
    {"magento", &magentoCommand},
    {"refund", &refundCommand},
    {"void", &voidCommand},
    {"capture", &captureCommand},
    {"credit-memo", &creditMemoCommand},
    {"queue", &queueCommand},
    {"quarantine", &quarantineCommand},
    {"serve", &serveCommand},
    {"operators", &operatorsCommand},
    {"reconcile", &reconcileCommand},
    {"journal", &journalCommand},
    {"mapping", &mappingCommand},
    {"customers", &customersCommand},
    {"charge", &chargeCommand},
};

} // namespace

void setApplicationIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("PayBridge"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("paybridge.io"));
    QCoreApplication::setApplicationName(QStringLiteral("PayBridge"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PAYBRIDGE_VERSION));
}

bool isCommandLine(int argc, char **argv)
{
    if (argc < 2)
        return false;
    for (const Command &c : kCommands) {
        if (std::strcmp(argv[1], c.name) == 0)
            return true;
    }
    return false;
}

QString overviewHelp()
{
    return QCoreApplication::translate("paybridge",
        "Usage: paybridge [--profile NAME] [--demo [--orders N] [--seed S]]\n"
        "       paybridge COMMAND [options]    (each command has --help)\n"
        "\n"
        "Without a command, opens the PayBridge console.\n"
        "\n"
        "Commands:\n"
        "  profile add NAME --paytrace-url URL --magento-url URL [options]\n"
        "                             create a connection profile\n"
        "  profile set-secret NAME KEY  read a secret from standard input into the OS keychain\n"
        "  profile set-erp NAME [--erp-sink ledger|csv|odoo] [--odoo-url URL ...]\n"
        "                             where the day journal is posted (Odoo key: set-secret odoo.password)\n"
        "  profile set-timing NAME [--request-timeout SECONDS] [--in-doubt-settle SECONDS]\n"
        "                             request timeout; how long an in-doubt write waits before lookups\n"
        "  profile list               list the profiles (never their secrets)\n"
        "  sync --profile NAME --once run one sync and print a summary\n"
        "  paytrace ping|export|batches|batch --profile NAME\n"
        "                             PayTrace reports as JSON lines (see paytrace --help)\n"
        "  magento ping|orders --profile NAME\n"
        "                             check the Magento connection; orders as JSON lines\n"
        "  refund|void|capture --profile NAME --order INCREMENT_ID [--amount X] --reason TEXT [--queue]\n"
        "                             move money at PayTrace, then Magento and the ERP, exactly once\n"
        "  credit-memo --profile NAME --order INCREMENT_ID [--amount X] --reason TEXT\n"
        "                             record in Magento a refund PayTrace already made (no gateway call)\n"
        "  queue [replay|discard|resolve ID] --profile NAME\n"
        "                             list the intents; replay, discard or decide one\n"
        "  quarantine --profile NAME [--source SOURCE] [--format text|jsonl] [--raw]\n"
        "                             records that did not read; each sync tries them again\n"
        "  serve --profile NAME [--interval SECONDS]\n"
        "                             run the sync engine headless until SIGTERM\n"
        "  operators list|grant|revoke --profile NAME [--account ACCOUNT --role ROLE]\n"
        "                             list operators; give or take finance, support, admin (admins)\n"
        "  reconcile --profile NAME --date YYYY-MM-DD [--format text|jsonl] [--import FILE --mapping JSON]\n"
        "            [--report FILE.pdf|FILE.csv]\n"
        "                             reconcile a batch day; print totals and open discrepancies;\n"
        "                             write the report to read and sign\n"
        "  journal post --profile NAME --date YYYY-MM-DD [--sink ledger|csv|odoo] [--file PATH]\n"
        "                             book a closed day to the ERP (posting again adds nothing)\n"
        "  mapping show|export|import|history|diff|rollback --profile NAME [--file F] [--note TEXT]\n"
        "          [--from V] [--to V] [--format text|jsonl]\n"
        "                             the versioned mapping: read it, or (admins) import a document or\n"
        "                             roll back to a version; the next sync uses it\n"
        "  customers list --profile NAME [--format table|jsonl] [--search TEXT] [--expiring] [--unlinked]\n"
        "                             Magento customers and PayTrace vault profiles, the card on file, the link\n"
        "  customers link|unlink --profile NAME --magento-customer ID [--vault-customer ID]\n"
        "                             link a customer to a vault profile by hand, or remove the link (audited)\n"
        "  charge --profile NAME --order INCREMENT_ID --vault-customer ID [--amount X] [--authorize-only]\n"
        "         --reason TEXT [--preview]\n"
        "                             charge a card on file for an unpaid order, then Magento and the ERP,\n"
        "                             exactly once; shows what it will do first (--preview: only that)\n"
        "\n"
        "Options of the console:\n"
        "  --profile NAME             open this profile\n"
        "  --demo                     start the sandbox, create a demo profile, sync and show it\n"
        "                             (prints the summary instead when there is no display)\n"
        "  --orders N, --seed S       size and seed of the demo data\n"
        "\n"
        "Exit codes:\n"
        "  0 success, 1 the operation failed, 2 bad command line,\n"
        "  3 unknown or invalid profile or configuration, 4 no OS keychain reachable,\n"
        "  5 connection or authentication failure, 6 refused by a rule\n");
}

int runCommandLine(const QStringList &arguments, Io &io)
{
    const QStringList rest = arguments.mid(1);
    if (rest.isEmpty()) {
        io.err() << overviewHelp() << Qt::flush;
        return ExitUsage;
    }
    for (const Command &c : kCommands) {
        if (rest.first() == QLatin1StringView(c.name))
            return c.run(rest, io);
    }
    io.err() << QCoreApplication::translate("paybridge", "Unknown command: %1\n").arg(rest.first())
             << overviewHelp() << Qt::flush;
    return ExitUsage;
}

} // namespace pb::app
