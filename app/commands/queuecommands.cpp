// `paybridge queue [list] --profile P [--state …] [--format text|jsonl]`,
// `paybridge queue replay ID --profile P [--dry-run] [--note TEXT]`,
// `paybridge queue discard ID --profile P --reason TEXT`,
// `paybridge queue resolve ID --profile P (--happened REF | --not-happened) [--note TEXT]`
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "intents/intentjournal.h"
#include "store/database.h"
#include "sync/syncservice.h"
#include "util/clock.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonObject>

namespace pb::app {

namespace {

using intents::Intent;
using intents::IntentState;

QString tr(const char *text, const char *disambiguation = nullptr, int n = -1)
{
    return QCoreApplication::translate("paybridge", text, disambiguation, n);
}

// The states behind each --state value. "open" (the default) is everything that still needs
// the engine or a person; "all" adds the finished ones.
std::optional<QList<IntentState>> statesFor(const QString &name)
{
    const QList<IntentState> pending{IntentState::Planned, IntentState::Sending, IntentState::RetryWait};
    const QList<IntentState> inDoubt{IntentState::InDoubt, IntentState::NeedsPerson};
    const QList<IntentState> dead{IntentState::Dead};
    if (name == u"pending")
        return pending;
    if (name == u"in_doubt")
        return inDoubt;
    if (name == u"dead")
        return dead;
    if (name == u"open")
        return pending + inDoubt + dead;
    if (name == u"all")
        return pending + inDoubt + dead + QList<IntentState>{IntentState::Succeeded, IntentState::Discarded};
    return std::nullopt;
}

QString payloadText(const QJsonObject &payload, std::initializer_list<const char *> keys)
{
    for (const char *key : keys) {
        const QJsonValue v = payload.value(QLatin1StringView(key));
        if (v.isString() && !v.toString().isEmpty())
            return v.toString();
        if (v.isDouble())
            return QString::number(v.toInteger());
    }
    return {};
}

QString isoOrEmpty(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

// The order and amount as the planner put them into the payload (amounts travel as exact
// decimal strings there).
QString orderOf(const Intent &intent)
{
    const QString fromPayload = payloadText(intent.payload, {"order_increment_id", "increment_id", "order"});
    if (!fromPayload.isEmpty())
        return fromPayload;
    return intent.orderEntityId ? QStringLiteral("#%1").arg(*intent.orderEntityId) : QString();
}

QJsonObject toJson(const Intent &intent)
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), double(intent.id));
    o.insert(QStringLiteral("kind"), intents::kindName(intent.kind));
    o.insert(QStringLiteral("natural_key"), intent.naturalKey);
    o.insert(QStringLiteral("order"), orderOf(intent));
    o.insert(QStringLiteral("amount"), payloadText(intent.payload, {"amount"}));
    o.insert(QStringLiteral("currency"), payloadText(intent.payload, {"currency"}));
    o.insert(QStringLiteral("state"), intents::stateName(intent.state));
    o.insert(QStringLiteral("attempts"), intent.attempts);
    o.insert(QStringLiteral("last_error_class"), intent.lastErrorClass);
    o.insert(QStringLiteral("last_error"), intent.lastError);
    o.insert(QStringLiteral("next_attempt_at"), isoOrEmpty(intent.nextAttemptAt));
    o.insert(QStringLiteral("result_ref"), intent.resultRef);
    o.insert(QStringLiteral("dead_reason"), intent.deadReason);
    o.insert(QStringLiteral("needs_person_note"), intent.needsPersonNote);
    o.insert(QStringLiteral("requested_by"), intent.requestedBy);
    o.insert(QStringLiteral("updated_at"), isoOrEmpty(intent.updatedAt));
    return o;
}

void printText(Io &io, const Intent &intent)
{
    const QString amount = payloadText(intent.payload, {"amount"});
    const QString currency = payloadText(intent.payload, {"currency"});
    QString line = QStringLiteral("%1  %2  %3  %4  %5  %6  ")
                       .arg(intent.id, 6)
                       .arg(intents::kindName(intent.kind), -18)
                       .arg(intent.naturalKey, -28)
                       .arg(orderOf(intent), -12)
                       .arg(amount.isEmpty() ? QStringLiteral("-") : QString(currency + u' ' + amount).trimmed(), -14)
                       .arg(intents::stateName(intent.state), -12);
    line += tr("attempts %1").arg(intent.attempts);
    if (!intent.lastError.isEmpty() || !intent.lastErrorClass.isEmpty())
        line += u"  " + tr("last error: %1 %2").arg(intent.lastErrorClass, intent.lastError).trimmed();
    if (!intent.needsPersonNote.isEmpty())
        line += u"  " + tr("found: %1").arg(intent.needsPersonNote);
    io.out() << line << '\n';
}

int listQueue(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("List the intents (the external writes PayBridge makes exactly once) of a profile.\n"
           "States: pending (planned, sending, retry_wait), in_doubt (in_doubt, needs_person), dead, "
           "open (all three, the default), all (with succeeded and discarded)."));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption stateOpt(QStringLiteral("state"), tr("pending, in_doubt, dead, open (default) or all."),
                                      QStringLiteral("STATE"), QStringLiteral("open"));
    const QCommandLineOption formatOpt(QStringLiteral("format"), tr("text (default) or jsonl (one JSON object per line)."),
                                       QStringLiteral("FORMAT"), QStringLiteral("text"));
    parser.addOptions({profileOpt, stateOpt, formatOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;
    QStringList pos = parser.positionalArguments();
    if (!pos.isEmpty() && pos.first() == u"list")
        pos.removeFirst();
    if (!pos.isEmpty() || !parser.isSet(profileOpt)) {
        io.err() << tr("Usage: paybridge queue --profile NAME [--state pending|in_doubt|dead|open|all] [--format text|jsonl]\n")
                 << Qt::flush;
        return ExitUsage;
    }
    const auto states = statesFor(parser.value(stateOpt));
    if (!states) {
        io.err() << tr("--state: expected pending, in_doubt, dead, open or all, got '%1'\n").arg(parser.value(stateOpt))
                 << Qt::flush;
        return ExitUsage;
    }
    const QString format = parser.value(formatOpt);
    if (format != u"text" && format != u"jsonl") {
        io.err() << tr("--format: expected text or jsonl, got '%1'\n").arg(format) << Qt::flush;
        return ExitUsage;
    }
    const auto profile = loadProfile(parser.value(profileOpt), io, &code);
    if (!profile)
        return code;

    // Read through a read-only connection: the engine (or a running service) stays the only writer.
    const QString path = syncConfigWithoutSecrets(*profile).databasePath;
    QList<Intent> found;
    if (QFileInfo::exists(path)) {
        const QString connection = QStringLiteral("paybridge-cli-queue");
        std::optional<Error> failure;
        {
            auto db = store::Database::openReader(path, connection);
            if (!db) {
                failure = db.error();
            } else {
                const intents::IntentJournal journal(db.value(), SystemClock::instance());
                for (IntentState state : *states) {
                    qint64 after = 0;
                    for (;;) {
                        const auto page = journal.listByState(state, 500, after);
                        if (!page) {
                            failure = page.error();
                            break;
                        }
                        found += page.value();
                        if (page->size() < 500)
                            break;
                        after = page->last().id;
                    }
                    if (failure)
                        break;
                }
            }
        }
        store::Database::close(connection);
        if (failure) {
            io.err() << tr("Cannot read the queue of profile %1: %2\n").arg(profile->name, failure->toString())
                     << Qt::flush;
            return ExitFailure;
        }
    }
    std::sort(found.begin(), found.end(), [](const Intent &a, const Intent &b) { return a.id < b.id; });
    if (format == u"jsonl") {
        for (const Intent &intent : std::as_const(found))
            io.printJsonLine(toJson(intent));
        io.out() << Qt::flush;
        return ExitOk;
    }
    if (found.isEmpty()) {
        io.out() << tr("No intents in state %1 for profile %2.\n").arg(parser.value(stateOpt), profile->name)
                 << Qt::flush;
        return ExitOk;
    }
    for (const Intent &intent : std::as_const(found))
        printText(io, intent);
    io.out() << tr("%n intent(s).", nullptr, int(found.size())) << '\n' << Qt::flush;
    return ExitOk;
}

// A refusal by the journal's state machine or by a permission is a rule, not a failure.
int exitCodeForStatus(const Error &error)
{
    if (error.code.startsWith(u"access.") || error.code.startsWith(u"invariant.")
        || error.code == u"intent.illegal_transition")
        return ExitRefused;
    return exitCodeFor(error);
}

std::optional<qint64> intentIdFrom(const QStringList &positional, const QString &usage, Io &io)
{
    if (positional.size() != 2) {
        io.err() << usage << Qt::flush;
        return std::nullopt;
    }
    bool ok = false;
    const qint64 id = positional.at(1).toLongLong(&ok);
    if (!ok || id <= 0) {
        io.err() << tr("ID: expected an intent id (a positive whole number), got '%1'\n").arg(positional.at(1))
                 << usage << Qt::flush;
        return std::nullopt;
    }
    return id;
}

// What every subcommand about one intent needs: its id, the profile's engine settings and the
// person acting. Checked in that order; nullopt (with `*code` set) after printing what is wrong.
struct IntentCommand
{
    qint64 id = 0;
    sync::SyncConfig config;
    QString actor;
};

std::optional<IntentCommand> intentCommand(const QCommandLineParser &parser, const QCommandLineOption &profileOpt,
                                           const QString &usage, Io &io, int *code)
{
    *code = ExitUsage;
    const auto id = intentIdFrom(parser.positionalArguments(), usage, io);
    if (!id)
        return std::nullopt;
    if (!parser.isSet(profileOpt)) {
        io.err() << usage << Qt::flush;
        return std::nullopt;
    }
    auto config = loadEngineConfig(parser.value(profileOpt), io, code);
    if (!config)
        return std::nullopt;
    auto actor = actingAccount(io, code);
    if (!actor)
        return std::nullopt;
    return IntentCommand{*id, std::move(*config), std::move(*actor)};
}

int replayIntent(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Replay a dead letter: re-read the order's current state, show what will be sent, then send it "
           "through the same exactly-once path (not with --dry-run)."));
    parser.addPositionalArgument(QStringLiteral("replay"), tr("The subcommand."));
    parser.addPositionalArgument(QStringLiteral("ID"), tr("The intent id (see: paybridge queue --state dead)."));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption dryRunOpt(QStringLiteral("dry-run"), tr("Only show what the replay would do."));
    const QCommandLineOption noteOpt(QStringLiteral("note"), tr("Why it is replayed (audit log)."), QStringLiteral("TEXT"));
    parser.addOptions({profileOpt, dryRunOpt, noteOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;
    const QString usage = tr("Usage: paybridge queue replay ID --profile NAME [--dry-run] [--note TEXT]\n");
    const auto command = intentCommand(parser, profileOpt, usage, io, &code);
    if (!command)
        return code;

    sync::SyncService service(command->config);
    const auto description = awaitAnswer<Result<sync::ReplayDescription>>([&](QObject *context, auto done) {
        service.describeReplay(command->id, context, done);
    });
    if (!description) {
        io.err() << tr("Cannot replay intent %1: %2\n").arg(command->id).arg(description.error().toString()) << Qt::flush;
        return exitCodeForStatus(description.error());
    }
    if (!description->replayable) {
        io.err() << tr("Intent %1 cannot be replayed: %2\n").arg(command->id).arg(description->whyNot) << Qt::flush;
        return ExitRefused;
    }
    io.out() << tr("Replay of intent %1 will:\n").arg(command->id);
    for (const QString &step : description->steps)
        io.out() << "  " << step << '\n';
    io.out() << Qt::flush;
    if (parser.isSet(dryRunOpt))
        return ExitOk;
    const QString note = parser.isSet(noteOpt) ? parser.value(noteOpt) : tr("replayed from the command line");
    const Status replayed = awaitAnswer<Status>([&](QObject *context, auto done) {
        service.replayIntent(command->id, command->actor, note, context, done);
    });
    if (!replayed) {
        io.err() << tr("Intent %1 was not replayed: %2\n").arg(command->id).arg(replayed.error().toString()) << Qt::flush;
        return exitCodeForStatus(replayed.error());
    }
    io.out() << tr("Intent %1 is planned again; the engine sends it now.\n").arg(command->id) << Qt::flush;
    return ExitOk;
}

int discardIntent(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Discard an intent that must not happen (planned, waiting for a retry, dead or waiting for a person)."));
    parser.addPositionalArgument(QStringLiteral("discard"), tr("The subcommand."));
    parser.addPositionalArgument(QStringLiteral("ID"), tr("The intent id."));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption reasonOpt(QStringLiteral("reason"), tr("Why it must not happen (required; audit log)."),
                                       QStringLiteral("TEXT"));
    parser.addOptions({profileOpt, reasonOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;
    const QString usage = tr("Usage: paybridge queue discard ID --profile NAME --reason TEXT\n");
    const QString reason = parser.value(reasonOpt).trimmed();
    if (reason.isEmpty()) {
        io.err() << tr("--reason: say why the intent must not happen (it goes to the audit log)\n") << usage
                 << Qt::flush;
        return ExitUsage;
    }
    const auto command = intentCommand(parser, profileOpt, usage, io, &code);
    if (!command)
        return code;
    sync::SyncService service(command->config);
    const Status discarded = awaitAnswer<Status>([&](QObject *context, auto done) {
        service.discardIntent(command->id, reason, command->actor, context, done);
    });
    if (!discarded) {
        io.err() << tr("Intent %1 was not discarded: %2\n").arg(command->id).arg(discarded.error().toString()) << Qt::flush;
        return exitCodeForStatus(discarded.error());
    }
    io.out() << tr("Intent %1 discarded.\n").arg(command->id) << Qt::flush;
    return ExitOk;
}

int resolveIntent(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Decide an intent whose effect is in doubt: it happened (with the reference where, e.g. the PayTrace "
           "transaction id) or it did not (it is sent again)."));
    parser.addPositionalArgument(QStringLiteral("resolve"), tr("The subcommand."));
    parser.addPositionalArgument(QStringLiteral("ID"), tr("The intent id (see: paybridge queue --state in_doubt)."));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption happenedOpt(QStringLiteral("happened"), tr("The effect happened; REF says where."),
                                         QStringLiteral("REF"));
    const QCommandLineOption notHappenedOpt(QStringLiteral("not-happened"), tr("The effect did not happen: send it again."));
    const QCommandLineOption noteOpt(QStringLiteral("note"), tr("What was checked (required with --not-happened)."),
                                     QStringLiteral("TEXT"));
    parser.addOptions({profileOpt, happenedOpt, notHappenedOpt, noteOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;
    const QString usage =
        tr("Usage: paybridge queue resolve ID --profile NAME (--happened REF | --not-happened --note TEXT)\n");
    if (parser.isSet(happenedOpt) == parser.isSet(notHappenedOpt)) {
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    intents::ManualResolution resolution;
    resolution.happened = parser.isSet(happenedOpt);
    resolution.resultRef = parser.value(happenedOpt).trimmed();
    resolution.note = parser.value(noteOpt).trimmed();
    if (resolution.happened && resolution.resultRef.isEmpty()) {
        io.err() << tr("--happened: give the reference where the effect is (e.g. the PayTrace transaction id)\n")
                 << Qt::flush;
        return ExitUsage;
    }
    if (!resolution.happened && resolution.note.isEmpty()) {
        io.err() << tr("--note: say what was checked before the intent is sent again\n") << usage << Qt::flush;
        return ExitUsage;
    }
    const auto command = intentCommand(parser, profileOpt, usage, io, &code);
    if (!command)
        return code;
    sync::SyncService service(command->config);
    const Status resolved = awaitAnswer<Status>([&](QObject *context, auto done) {
        service.resolveIntent(command->id, resolution, command->actor, context, done);
    });
    if (!resolved) {
        io.err() << tr("Intent %1 was not resolved: %2\n").arg(command->id).arg(resolved.error().toString()) << Qt::flush;
        return exitCodeForStatus(resolved.error());
    }
    io.out() << (resolution.happened ? tr("Intent %1 recorded as done (%2).\n").arg(command->id).arg(resolution.resultRef)
                                     : tr("Intent %1 will be sent again.\n").arg(command->id))
             << Qt::flush;
    return ExitOk;
}

} // namespace

int queueCommand(const QStringList &arguments, Io &io)
{
    // arguments: "queue" [SUBCOMMAND] ...; the subcommand is the first word that is no option.
    QString sub;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        const QString &a = arguments.at(i);
        if (a == u"--profile" || a == u"--state" || a == u"--format" || a == u"--reason" || a == u"--note"
            || a == u"--happened") {
            ++i; // skip the option's value
            continue;
        }
        if (!a.startsWith(u'-')) {
            sub = a;
            break;
        }
    }
    if (sub == u"replay")
        return replayIntent(arguments, io);
    if (sub == u"discard")
        return discardIntent(arguments, io);
    if (sub == u"resolve")
        return resolveIntent(arguments, io);
    if (sub.isEmpty() || sub == u"list")
        return listQueue(arguments, io);
    io.err() << tr("Unknown queue subcommand: %1 (list, replay, discard, resolve)\n").arg(sub) << Qt::flush;
    return ExitUsage;
}

} // namespace pb::app
