// `paybridge operators list --profile P [--format text|jsonl]`,
// `paybridge operators grant|revoke --profile P --account A --role finance|support|admin`
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "access/operatordirectory.h"
#include "access/permissions.h"
#include "store/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonObject>

#include <functional>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

enum class Verb { List, Grant, Revoke };

int exitCodeForAccess(const Error &error)
{
    if (error.code == u"access.invalid_account")
        return ExitUsage;
    // access.denied, access.last_admin, access.unknown_operator: a rule said no.
    if (error.code.startsWith(u"access."))
        return ExitRefused;
    return ExitFailure;
}

// Opens the profile's store as a writer (creating and migrating it for a fresh profile: its
// creator must be able to hand out roles before the first sync), makes the creator the first
// admin when there is none (what the engine and the GUI do at start-up), refuses a non-admin
// actor, then runs `work`. Every change is audited by OperatorDirectory in its own transaction.
Status withAdminStore(const profile::Profile &profile, const QString &actor,
                      const std::function<Status(access::OperatorDirectory &)> &work)
{
    const QString path = syncConfigWithoutSecrets(profile).databasePath;
    if (path.isEmpty())
        return makeError(QStringLiteral("operators.no_store"), QStringLiteral("--profile"),
                         QStringLiteral("the profile name cannot name a store"));
    const QString connection = QStringLiteral("paybridge-cli-operators");
    Status result;
    {
        auto db = store::Database::openWriter(path, connection);
        if (!db) {
            result = db.error();
        } else {
            access::OperatorDirectory directory(db.value());
            if (!profile.createdBy.isEmpty()) {
                if (auto boot = directory.ensureBootstrapAdmin(profile.createdBy); !boot)
                    result = boot.error();
            }
            if (result.ok()) {
                access::Permissions permissions(db.value());
                auto op = permissions.operatorFor(actor);
                if (!op)
                    result = op.error();
                else if (Status allowed = permissions.check(*op, access::Action::ManageRoles); !allowed)
                    result = allowed;
                else
                    result = work(directory);
            }
        }
    }
    store::Database::close(connection);
    return result;
}

void printOperator(Io &io, const access::Operator &op)
{
    io.out() << QStringLiteral("%1  %2  %3%4\n")
                    .arg(op.account, -24)
                    .arg(op.displayName.isEmpty() ? QStringLiteral("-") : op.displayName, -24)
                    .arg(access::rolesText(op.roles))
                    .arg(op.disabled ? u"  " + tr("(disabled)") : QString());
}

int operatorsCommandImpl(Verb verb, const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("List the operators of a profile's store, or give or take a role (finance, support, admin). "
           "Admins only; the profile's creator is the first admin. Every change goes to the audit log."));
    parser.addPositionalArgument(QStringLiteral("list|grant|revoke"), tr("The subcommand."));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption accountOpt(QStringLiteral("account"), tr("The operator's OS account (grant, revoke)."),
                                        QStringLiteral("ACCOUNT"));
    const QCommandLineOption roleOpt(QStringLiteral("role"), tr("finance, support or admin (grant, revoke)."),
                                     QStringLiteral("ROLE"));
    const QCommandLineOption formatOpt(QStringLiteral("format"), tr("text (default) or jsonl (list)."),
                                       QStringLiteral("FORMAT"), QStringLiteral("text"));
    parser.addOptions({profileOpt, accountOpt, roleOpt, formatOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;

    const QString usage =
        tr("Usage: paybridge operators list --profile NAME [--format text|jsonl]\n"
           "       paybridge operators grant|revoke --profile NAME --account ACCOUNT --role finance|support|admin\n");
    // The parser takes "operators" for the program name: the subcommand is the only positional.
    if (parser.positionalArguments().size() != 1 || !parser.isSet(profileOpt)) {
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    std::optional<access::Role> role;
    QString account;
    if (verb == Verb::List) {
        if (parser.isSet(accountOpt) || parser.isSet(roleOpt)) {
            io.err() << tr("--account and --role are for grant and revoke\n") << usage << Qt::flush;
            return ExitUsage;
        }
        const QString format = parser.value(formatOpt);
        if (format != u"text" && format != u"jsonl") {
            io.err() << tr("--format: expected text or jsonl, got '%1'\n").arg(format) << Qt::flush;
            return ExitUsage;
        }
    } else {
        if (!parser.isSet(accountOpt) || !parser.isSet(roleOpt)) {
            io.err() << usage << Qt::flush;
            return ExitUsage;
        }
        account = parser.value(accountOpt).trimmed();
        if (Status valid = access::validateAccount(account, QStringLiteral("--account")); !valid) {
            io.err() << tr("--account: %1\n").arg(valid.error().message) << Qt::flush;
            return ExitUsage;
        }
        role = access::roleFromName(parser.value(roleOpt).trimmed());
        if (!role) {
            io.err() << tr("--role: expected finance, support or admin, got '%1'\n").arg(parser.value(roleOpt))
                     << Qt::flush;
            return ExitUsage;
        }
    }

    const auto profile = loadProfile(parser.value(profileOpt), io, &code);
    if (!profile)
        return code;
    const auto actor = actingAccount(io, &code);
    if (!actor)
        return code;

    QList<access::Operator> operators;
    const Status done = withAdminStore(*profile, *actor, [&](access::OperatorDirectory &directory) -> Status {
        Status changed;
        if (verb == Verb::Grant)
            changed = directory.assignRole(*actor, account, *role);
        else if (verb == Verb::Revoke)
            changed = directory.revokeRole(*actor, account, *role);
        if (!changed)
            return changed;
        auto listed = directory.list();
        if (!listed)
            return listed.error();
        operators = listed.value();
        return Status::success();
    });
    if (!done) {
        // The code too, in brackets: scripts decide on it, never on the text.
        io.err() << (verb == Verb::List ? tr("Cannot list the operators of profile %1: %2 [%3]\n")
                                        : tr("Operators of profile %1 not changed: %2 [%3]\n"))
                        .arg(profile->name, done.error().toString(), done.error().code)
                 << Qt::flush;
        return exitCodeForAccess(done.error());
    }

    if (verb == Verb::List && parser.value(formatOpt) == u"jsonl") {
        for (const access::Operator &op : std::as_const(operators))
            io.printJsonLine(access::OperatorDirectory::toJson(op));
        io.out() << Qt::flush;
        return ExitOk;
    }
    if (verb == Verb::Grant)
        io.out() << tr("%1 has the %2 role.\n").arg(account, access::roleName(*role));
    else if (verb == Verb::Revoke)
        io.out() << tr("%1 does not have the %2 role.\n").arg(account, access::roleName(*role));
    for (const access::Operator &op : std::as_const(operators))
        printOperator(io, op);
    io.out() << Qt::flush;
    return ExitOk;
}

} // namespace

int operatorsCommand(const QStringList &arguments, Io &io)
{
    // arguments: "operators" SUBCOMMAND ...; the subcommand is the first word that is no option.
    QString sub;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &a = arguments.at(i);
        if (a == u"--profile" || a == u"--account" || a == u"--role" || a == u"--format") {
            ++i; // skip the option's value
            continue;
        }
        if (!a.startsWith(u'-')) {
            sub = a;
            break;
        }
    }
    if (sub == u"list")
        return operatorsCommandImpl(Verb::List, arguments, io);
    if (sub == u"grant")
        return operatorsCommandImpl(Verb::Grant, arguments, io);
    if (sub == u"revoke")
        return operatorsCommandImpl(Verb::Revoke, arguments, io);
    if (sub.isEmpty() && (arguments.contains(QStringLiteral("--help")) || arguments.contains(QStringLiteral("-h"))))
        return operatorsCommandImpl(Verb::List, arguments, io);
    io.err() << (sub.isEmpty() ? tr("operators: say list, grant or revoke\n")
                               : tr("Unknown operators subcommand: %1 (list, grant, revoke)\n").arg(sub))
             << Qt::flush;
    return ExitUsage;
}

} // namespace pb::app
