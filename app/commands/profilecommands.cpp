// `paybridge profile add|set-secret|set-erp|set-timing|list|remove`
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"

#include "access/operator.h"
#include "profile/profilestore.h"
#include "security/credentialstore.h"
#include "security/secretkeys.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonObject>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

// The same account the engine and the permission checks name, so the creator really becomes
// the store's first admin (USER can differ from the effective uid, e.g. under sudo).
QString currentOsUser()
{
    const auto account = access::currentOsAccount();
    return account ? account.value() : QString();
}

// Parses with --help handled here (QCommandLineParser::process() would exit the process).
bool parseOrHelp(QCommandLineParser &parser, const QStringList &arguments, Io &io, int *exitCode)
{
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  tr("Show this help."));
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

int loadStore(profile::ProfileStore &store, Io &io)
{
    const Status loaded = store.load();
    if (!loaded) {
        io.err() << tr("Cannot read the profiles file %1: %2\n")
                        .arg(store.filePath(), loaded.error().toString())
                 << Qt::flush;
        return ExitConfig;
    }
    return ExitOk;
}

// Loads `store` and finds profile `name` in it, to change and store it again; nullopt after
// saying what is wrong (*exitCode says how).
std::optional<profile::Profile> loadForUpdate(profile::ProfileStore &store, const QString &name, Io &io, int *exitCode)
{
    if (const int rc = loadStore(store, io); rc != ExitOk) {
        *exitCode = rc;
        return std::nullopt;
    }
    auto p = store.find(name);
    if (!p) {
        io.err() << tr("No profile named %1 (see: paybridge profile list)\n").arg(name) << Qt::flush;
        *exitCode = ExitConfig;
    }
    return p;
}

// Where the day's journal goes: the same options for `profile add` and `profile set-erp`. The
// Odoo password or API key is never an option (it would land in shell history and `ps`): it is
// the keychain secret odoo.password (`profile set-secret NAME odoo.password`).
struct ErpOptions
{
    QCommandLineOption sink{QStringLiteral("erp-sink"), tr("Where `journal post` books the day: ledger (default), csv or odoo."),
                            QStringLiteral("SINK")};
    QCommandLineOption file{QStringLiteral("journal-file"),
                            tr("Absolute path of the ledger or CSV journal (default: in the profile's data directory)."),
                            QStringLiteral("PATH")};
    QCommandLineOption odooUrl{QStringLiteral("odoo-url"), tr("Odoo base URL (https; http only for loopback)."),
                               QStringLiteral("URL")};
    QCommandLineOption odooDatabase{QStringLiteral("odoo-database"), tr("Odoo database name."), QStringLiteral("DB")};
    QCommandLineOption odooLogin{QStringLiteral("odoo-login"), tr("Odoo user login."), QStringLiteral("LOGIN")};
    QCommandLineOption odooCurrency{QStringLiteral("odoo-currency"), tr("The Odoo company's currency (default USD)."),
                                    QStringLiteral("CODE")};
    QCommandLineOption odooAccount{QStringLiteral("odoo-account"),
                                   tr("PayBridge account = Odoo account code, e.g. \"Assets:Bank=101401\"; repeat for each "
                                      "account. Replaces the stored list when given."),
                                   QStringLiteral("NAME=CODE")};

    void addTo(QCommandLineParser &parser) const
    {
        parser.addOptions({sink, file, odooUrl, odooDatabase, odooLogin, odooCurrency, odooAccount});
    }

    // Applies the options that were given onto `erp`; false (and a message) for a malformed one.
    // The whole profile is validated by the store afterwards.
    bool apply(const QCommandLineParser &parser, profile::ErpSettings &erp, Io &io) const
    {
        if (parser.isSet(sink))
            erp.sink = parser.value(sink);
        if (parser.isSet(file))
            erp.file = parser.value(file);
        if (parser.isSet(odooUrl))
            erp.odooUrl = parser.value(odooUrl);
        if (parser.isSet(odooDatabase))
            erp.odooDatabase = parser.value(odooDatabase);
        if (parser.isSet(odooLogin))
            erp.odooUsername = parser.value(odooLogin);
        if (parser.isSet(odooCurrency))
            erp.odooCurrency = parser.value(odooCurrency);
        if (parser.isSet(odooAccount)) {
            erp.odooAccounts.clear();
            for (const QString &pair : parser.values(odooAccount)) {
                // Split at the last '=': account names may hold anything but codes never '='.
                const qsizetype eq = pair.lastIndexOf(u'=');
                if (eq <= 0 || eq == pair.size() - 1) {
                    io.err() << tr("--odoo-account: expected NAME=CODE, got '%1'\n").arg(pair) << Qt::flush;
                    return false;
                }
                erp.odooAccounts.insert(pair.left(eq), pair.mid(eq + 1));
            }
        }
        return true;
    }
};

int addProfile(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(tr("Create a connection profile (no secrets: use set-secret)."));
    parser.addPositionalArgument(QStringLiteral("NAME"), tr("Profile name: letters, digits, '-' and '_'."));
    const QCommandLineOption paytraceUrl(QStringLiteral("paytrace-url"), tr("PayTrace API base URL."), QStringLiteral("URL"));
    const QCommandLineOption magentoUrl(QStringLiteral("magento-url"), tr("Magento store base URL."), QStringLiteral("URL"));
    const QCommandLineOption magentoAuth(QStringLiteral("magento-auth"),
                                         tr("Magento authentication: oauth1 (default) or bearer."),
                                         QStringLiteral("oauth1|bearer"), QStringLiteral("oauth1"));
    const QCommandLineOption magentoSignature(QStringLiteral("magento-signature"),
                                              tr("OAuth 1.0a signature method: HMAC-SHA256 (default; Magento 2.4.4+) or HMAC-SHA1 (2.4.3 and older)."),
                                              QStringLiteral("METHOD"), QStringLiteral("HMAC-SHA256"));
    const QCommandLineOption integratorId(QStringLiteral("paytrace-integrator-id"), tr("PayTrace integrator id."), QStringLiteral("ID"));
    const QCommandLineOption historyDays(QStringLiteral("history-days"), tr("How many days the first sync reads (default 30)."),
                                         QStringLiteral("N"), QStringLiteral("30"));
    parser.addOptions({paytraceUrl, magentoUrl, magentoAuth, magentoSignature, integratorId, historyDays});
    const ErpOptions erpOptions;
    erpOptions.addTo(parser);
    int code = ExitOk;
    if (!parseOrHelp(parser, arguments, io, &code))
        return code;

    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1 || !parser.isSet(paytraceUrl) || !parser.isSet(magentoUrl)) {
        io.err() << tr("Usage: paybridge profile add NAME --paytrace-url URL --magento-url URL [options]\n") << Qt::flush;
        return ExitUsage;
    }
    bool daysOk = false;
    const int days = parser.value(historyDays).toInt(&daysOk);
    if (!daysOk || days < 1 || days > 3650) {
        io.err() << tr("--history-days: expected a whole number of days from 1 to 3650, got '%1'\n")
                        .arg(parser.value(historyDays))
                 << Qt::flush;
        return ExitUsage;
    }

    profile::Profile p;
    p.name = pos.at(0);
    p.paytraceUrl = parser.value(paytraceUrl);
    p.magentoUrl = parser.value(magentoUrl);
    p.magentoAuth = parser.value(magentoAuth);
    p.magentoSignature = parser.value(magentoSignature);
    p.paytraceIntegratorId = parser.value(integratorId);
    p.historyDays = days;
    p.createdBy = currentOsUser();
    if (!erpOptions.apply(parser, p.erp, io))
        return ExitUsage;

    profile::ProfileStore store;
    if (const int rc = loadStore(store, io); rc != ExitOk)
        return rc;
    const Status added = store.add(p);
    if (!added) {
        io.err() << tr("Profile not created: %1\n").arg(added.error().toString()) << Qt::flush;
        return ExitConfig;
    }
    io.out() << tr("Profile %1 created. Store its secrets with: paybridge profile set-secret %1 KEY\n").arg(p.name)
             << Qt::flush;
    return ExitOk;
}

int setErp(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Change where a profile's day journal is posted. Options not given keep their value; the Odoo "
           "password or API key goes in the keychain: paybridge profile set-secret NAME odoo.password"));
    parser.addPositionalArgument(QStringLiteral("NAME"), tr("Profile name."));
    const ErpOptions erpOptions;
    erpOptions.addTo(parser);
    int code = ExitOk;
    if (!parseOrHelp(parser, arguments, io, &code))
        return code;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1) {
        io.err() << tr("Usage: paybridge profile set-erp NAME [--erp-sink ledger|csv|odoo] [--journal-file PATH] "
                       "[--odoo-url URL --odoo-database DB --odoo-login LOGIN --odoo-account NAME=CODE ...]\n")
                 << Qt::flush;
        return ExitUsage;
    }
    profile::ProfileStore store;
    int rc = ExitOk;
    auto p = loadForUpdate(store, pos.at(0), io, &rc);
    if (!p)
        return rc;
    if (!erpOptions.apply(parser, p->erp, io))
        return ExitUsage;
    const Status updated = store.update(*p);
    if (!updated) {
        io.err() << tr("Profile not changed: %1\n").arg(updated.error().toString()) << Qt::flush;
        return ExitConfig;
    }
    io.out() << tr("Profile %1 posts its journal to %2.\n").arg(p->name, p->erp.sink) << Qt::flush;
    return ExitOk;
}


int setTiming(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Change how long a profile's requests may take and how long an in-doubt write waits before a "
           "lookup may conclude it did not happen. Options not given keep their value; the settle time must "
           "be at least twice the request timeout."));
    parser.addPositionalArgument(QStringLiteral("NAME"), tr("Profile name."));
    const QCommandLineOption requestTimeout(
        QStringLiteral("request-timeout"),
        tr("Transfer timeout of each PayTrace and Magento request, in seconds (%1 to %2; default %3).")
            .arg(profile::kMinRequestTimeoutSeconds)
            .arg(profile::kMaxRequestTimeoutSeconds)
            .arg(profile::Profile().requestTimeoutSeconds),
        QStringLiteral("SECONDS"));
    const QCommandLineOption inDoubtSettle(
        QStringLiteral("in-doubt-settle"),
        tr("How long after its last send a write without an answer waits before a lookup may conclude it "
           "did not happen, in seconds (%1 to %2; default %3).")
            .arg(profile::kMinInDoubtSettleSeconds)
            .arg(profile::kMaxInDoubtSettleSeconds)
            .arg(profile::Profile().inDoubtSettleSeconds),
        QStringLiteral("SECONDS"));
    parser.addOptions({requestTimeout, inDoubtSettle});
    int code = ExitOk;
    if (!parseOrHelp(parser, arguments, io, &code))
        return code;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1 || (!parser.isSet(requestTimeout) && !parser.isSet(inDoubtSettle))) {
        io.err() << tr("Usage: paybridge profile set-timing NAME [--request-timeout SECONDS] "
                       "[--in-doubt-settle SECONDS]   (at least one)\n")
                 << Qt::flush;
        return ExitUsage;
    }
    std::optional<int> timeout;
    if (parser.isSet(requestTimeout)) {
        timeout = secondsOption(parser, requestTimeout, profile::kMinRequestTimeoutSeconds,
                                profile::kMaxRequestTimeoutSeconds, io);
        if (!timeout)
            return ExitUsage;
    }
    std::optional<int> settle;
    if (parser.isSet(inDoubtSettle)) {
        settle = secondsOption(parser, inDoubtSettle, profile::kMinInDoubtSettleSeconds,
                               profile::kMaxInDoubtSettleSeconds, io);
        if (!settle)
            return ExitUsage;
    }

    profile::ProfileStore store;
    int rc = ExitOk;
    auto p = loadForUpdate(store, pos.at(0), io, &rc);
    if (!p)
        return rc;
    if (timeout)
        p->requestTimeoutSeconds = *timeout;
    if (settle)
        p->inDoubtSettleSeconds = *settle;
    // The store validates the whole profile: the settle time against the request timeout.
    const Status updated = store.update(*p);
    if (!updated) {
        io.err() << tr("Profile not changed: %1\n").arg(updated.error().toString()) << Qt::flush;
        return ExitConfig;
    }
    io.out() << tr("Profile %1: requests time out after %2 s; an in-doubt write waits %3 s before a lookup may "
                   "conclude it did not happen.\n")
                    .arg(p->name)
                    .arg(p->requestTimeoutSeconds)
                    .arg(p->inDoubtSettleSeconds)
             << Qt::flush;
    return ExitOk;
}

int setSecret(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Read a secret from standard input and store it in the OS keychain.\nKEY is one of: %1")
            .arg(security::validSecretKeys().join(QStringLiteral(", "))));
    parser.addPositionalArgument(QStringLiteral("NAME"), tr("Profile name."));
    parser.addPositionalArgument(QStringLiteral("KEY"), tr("Secret key."));
    int code = ExitOk;
    if (!parseOrHelp(parser, arguments, io, &code))
        return code;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 2) {
        io.err() << tr("Usage: paybridge profile set-secret NAME KEY   (the secret is read from standard input)\n") << Qt::flush;
        return ExitUsage;
    }
    const QString name = pos.at(0);
    const QString key = pos.at(1);
    if (const Status valid = security::validateSecretKey(key); !valid) {
        io.err() << valid.error().toString() << '\n' << Qt::flush;
        return ExitUsage;
    }
    profile::ProfileStore store;
    int rc = ExitOk;
    if (!loadForUpdate(store, name, io, &rc))
        return rc;

    const auto value = io.readSecretLine(tr("%1 for %2: ").arg(key, name));
    if (!value || value->isEmpty()) {
        io.err() << tr("No secret on standard input; nothing stored.\n") << Qt::flush;
        return ExitUsage;
    }
    security::CredentialStore keychain;
    const Status written = keychain.writeBlocking(name, key, *value);
    if (!written) {
        io.err() << tr("The secret was not stored: %1\n").arg(written.error().toString()) << Qt::flush;
        return written.error().code == u"keychain.unavailable" ? ExitNoKeychain : ExitFailure;
    }
    io.out() << tr("Stored %1 for profile %2 in the OS keychain.\n").arg(key, name) << Qt::flush;
    return ExitOk;
}

int listProfiles(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(tr("List the connection profiles (never their secrets)."));
    const QCommandLineOption format(QStringLiteral("format"), tr("Output format: text (default) or jsonl."),
                                    QStringLiteral("FORMAT"), QStringLiteral("text"));
    parser.addOption(format);
    int code = ExitOk;
    if (!parseOrHelp(parser, arguments, io, &code))
        return code;
    profile::ProfileStore store;
    if (const int rc = loadStore(store, io); rc != ExitOk)
        return rc;
    const QList<profile::Profile> profiles = store.list();
    if (parser.value(format) == u"jsonl") {
        for (const profile::Profile &p : profiles)
            io.printJsonLine(profile::toJson(p));
        io.out().flush();
        return ExitOk;
    }
    if (parser.value(format) != u"text") {
        io.err() << tr("--format: expected text or jsonl\n") << Qt::flush;
        return ExitUsage;
    }
    if (profiles.isEmpty()) {
        io.out() << tr("No profiles yet. Create one with: paybridge profile add NAME --paytrace-url URL --magento-url URL\n")
                 << Qt::flush;
        return ExitOk;
    }
    for (const profile::Profile &p : profiles) {
        io.out() << p.name << "\tpaytrace=" << p.paytraceUrl << "\tmagento=" << p.magentoUrl
                 << "\tauth=" << p.magentoAuth << '\n';
    }
    io.out().flush();
    return ExitOk;
}

int removeProfile(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(tr("Remove a profile and its secrets from the keychain (its store file is kept)."));
    parser.addPositionalArgument(QStringLiteral("NAME"), tr("Profile name."));
    int code = ExitOk;
    if (!parseOrHelp(parser, arguments, io, &code))
        return code;
    const QStringList pos = parser.positionalArguments();
    if (pos.size() != 1) {
        io.err() << tr("Usage: paybridge profile remove NAME\n") << Qt::flush;
        return ExitUsage;
    }
    profile::ProfileStore store;
    if (const int rc = loadStore(store, io); rc != ExitOk)
        return rc;
    const Status removed = store.remove(pos.at(0));
    if (!removed) {
        io.err() << removed.error().toString() << '\n' << Qt::flush;
        return ExitConfig;
    }
    security::CredentialStore keychain;
    for (const QString &key : security::validSecretKeys()) {
        const Status gone = keychain.removeBlocking(pos.at(0), key);
        if (!gone && gone.error().code != u"keychain.not_found") {
            io.err() << tr("Profile removed, but its secrets could not be removed from the keychain: %1\n")
                            .arg(gone.error().toString())
                     << Qt::flush;
            return gone.error().code == u"keychain.unavailable" ? ExitNoKeychain : ExitFailure;
        }
    }
    io.out() << tr("Profile %1 removed.\n").arg(pos.at(0)) << Qt::flush;
    return ExitOk;
}

} // namespace

int profileCommand(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(1);
    if (sub == u"add")
        return addProfile(arguments.mid(1), io);
    if (sub == u"set-secret")
        return setSecret(arguments.mid(1), io);
    if (sub == u"set-erp")
        return setErp(arguments.mid(1), io);
    if (sub == u"set-timing")
        return setTiming(arguments.mid(1), io);
    if (sub == u"list")
        return listProfiles(arguments.mid(1), io);
    if (sub == u"remove")
        return removeProfile(arguments.mid(1), io);
    const bool help = sub == u"--help" || sub == u"-h";
    (help ? io.out() : io.err())
        << tr("Usage: paybridge profile add|set-secret|set-erp|set-timing|list|remove ... (each has --help)\n")
        << Qt::flush;
    return help ? ExitOk : ExitUsage;
}

} // namespace pb::app
