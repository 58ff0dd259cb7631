// `paybridge mapping show|export|import|history|diff|rollback --profile NAME` (docs/mapping.md):
// the profile's versioned mapping from the command line, for scripting and review.
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "access/operatordirectory.h"
#include "access/permissions.h"
#include "mapping/mappingprofile.h"
#include "mapping/mappingstore.h"
#include "mapping/profilediff.h"
#include "store/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

#include <functional>

namespace pb::app {

namespace {

using namespace Qt::StringLiterals;

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

// Errors of MappingStore::save/rollback that are the document's (MappingProfile::fromJson
// names the key), not the request's or the store's.
bool isInvalidDocument(const Error &e)
{
    return e.code.startsWith(u"mapping.") && e.code != u"mapping.note" && e.code != u"mapping.unchanged"
           && e.code != u"mapping.actor" && e.code != u"mapping.version.unknown";
}

// Opens the profile's store for one command and runs `work` on it. `create`: a fresh profile
// gets its store (an admin may set the mapping before the first sync); otherwise a missing
// store runs `work` without a connection (the compiled-in default is in force).
Status withStore(const profile::Profile &profile, bool create, const std::function<Status(QSqlDatabase *)> &work)
{
    const QString path = syncConfigWithoutSecrets(profile).databasePath;
    if (path.isEmpty())
        return makeError(u"mapping.no_store"_s, u"--profile"_s, u"the profile name cannot name a store"_s);
    if (!create && !QFileInfo::exists(path))
        return work(nullptr);
    const QString connection = u"paybridge-cli-mapping"_s;
    Status result;
    {
        // The writer: it migrates a store an older PayBridge wrote, as the engine would.
        auto db = store::Database::openWriter(path, connection);
        result = db ? work(&db.value()) : Status(db.error());
    }
    store::Database::close(connection);
    return result;
}

// The creator is the first admin (as the engine and the console make sure at start-up); a
// change needs ManageMappings.
Status mayChange(QSqlDatabase &db, const profile::Profile &profile, const QString &actor)
{
    if (!profile.createdBy.isEmpty()) {
        if (auto boot = access::OperatorDirectory(db).ensureBootstrapAdmin(profile.createdBy); !boot)
            return boot.error();
    }
    access::Permissions permissions(db);
    const auto op = permissions.operatorFor(actor);
    if (!op)
        return op.error();
    return permissions.check(*op, access::Action::ManageMappings);
}

QString versionLabel(int version)
{
    return version == 0 ? tr("version 0 (the built-in default)") : tr("version %1").arg(version);
}

QString transformText(const QJsonObject &step)
{
    QStringList params;
    for (auto it = step.begin(); it != step.end(); ++it) {
        if (it.key() == u"op")
            continue;
        const QByteArray v = QJsonDocument(QJsonArray{it.value()}).toJson(QJsonDocument::Compact);
        params << it.key() + u'=' + QString::fromUtf8(v.mid(1, v.size() - 2));
    }
    const QString op = step.value("op"_L1).toString();
    return params.isEmpty() ? op : op + u'(' + params.join(u", "_s) + u')';
}

QString onOff(bool b)
{
    return b ? tr("on") : tr("off");
}

void printSummary(Io &io, const QString &profileName, const mapping::MappingVersion &v,
                  const mapping::MappingProfile &p)
{
    QTextStream &out = io.out();
    out << tr("Mapping of profile %1: %2, active\n").arg(profileName, versionLabel(v.version));
    if (v.version > 0) {
        out << tr("  saved %1 by %2").arg(iso(v.createdAt), v.actor);
        if (v.rollback)
            out << tr(", restoring %1").arg(versionLabel(v.restores));
        out << '\n' << tr("  note: %1\n").arg(v.note);
    }

    const mapping::LinkKey &k = p.linkKey();
    QStringList steps;
    const QJsonArray chain = k.transforms.toJson();
    for (const QJsonValue &s : chain)
        steps << transformText(s.toObject());
    out << '\n' << tr("Link key: PayTrace %1 -> Magento %2\n").arg(k.paytraceField, k.magentoField)
        << tr("  transforms: %1\n").arg(steps.isEmpty() ? tr("none (the value as it is)") : steps.join(u" -> "_s));
    const mapping::LinkFallback &f = k.fallback;
    if (f.enabled)
        out << tr("Fallback match: on; amount within %1 minor units, within %2 minutes of the order, %3\n")
                   .arg(f.amountToleranceMinor)
                   .arg(f.timeWindowMinutes)
                   .arg(f.matchLast4 ? tr("card last four must match") : tr("card last four not compared"));
    else
        out << tr("Fallback match: off\n");

    out << '\n' << tr("Status map (payment event -> Magento status, state):\n");
    for (auto it = p.statusMap().begin(); it != p.statusMap().end(); ++it) {
        const QString target = it.value().isEmpty() ? tr("(leave the status alone)")
                                                    : u"%1 (%2)"_s.arg(it.value(), p.stateOfStatus(it.value()));
        out << u"  %1 %2\n"_s.arg(it.key(), -20).arg(target);
    }
    if (!p.customStatuses().isEmpty()) {
        out << tr("Custom statuses:\n");
        for (const mapping::CustomStatus &c : p.customStatuses())
            out << u"  %1 %2 (%3)\n"_s.arg(c.code, -20).arg(c.label, c.state);
    }

    const mapping::Rules &r = p.rules();
    out << '\n' << tr("Rules:\n")
        << tr("  payment approved: %1 (set status %2, comment %3, ERP entries %4, debit %5)\n")
               .arg(onOff(r.paymentApproved.enabled), onOff(r.paymentApproved.setStatus),
                    onOff(r.paymentApproved.addComment), onOff(r.paymentApproved.erpEntries),
                    r.paymentApproved.paymentDebit)
        << tr("  capture when %1: %2\n").arg(r.captureOnInvoiceOrShipment.trigger, onOff(r.captureOnInvoiceOrShipment.enabled))
        << tr("  credit memo refunds: %1 (void when unsettled %2)\n")
               .arg(onOff(r.creditMemoRefund.enabled), onOff(r.creditMemoRefund.voidWhenUnsettled))
        << tr("  cancel voids the authorization: %1\n").arg(onOff(r.cancelVoid.enabled));

    out << '\n' << tr("ERP accounts:\n");
    const mapping::ErpAccounts &a = p.erpAccounts();
    for (const auto role : mapping::kAccountRoles)
        out << u"  %1 %2\n"_s.arg(mapping::accountRoleName(role), -14).arg(a.defaults.value(role));
    for (auto it = a.perCurrency.begin(); it != a.perCurrency.end(); ++it)
        for (auto role = it->begin(); role != it->end(); ++role)
            out << u"  %1 %2 %3\n"_s.arg(it.key()).arg(mapping::accountRoleName(role.key()), -10).arg(role.value());
    out << Qt::flush;
}

QJsonObject versionJson(const mapping::MappingVersion &v)
{
    return QJsonObject{{u"version"_s, v.version},
                       {u"created_at"_s, iso(v.createdAt)},
                       {u"actor"_s, v.actor},
                       {u"note"_s, v.note},
                       {u"restores"_s, v.rollback ? QJsonValue(v.restores) : QJsonValue(QJsonValue::Null)},
                       {u"active"_s, v.active}};
}

std::optional<int> versionOption(const QCommandLineParser &parser, const QCommandLineOption &option, Io &io)
{
    bool ok = false;
    const int v = parser.value(option).toInt(&ok);
    if (!ok || v < 0) {
        io.err() << tr("--%1: expected a version number (0 = the built-in default), got '%2'\n")
                        .arg(option.names().constFirst(), parser.value(option))
                 << Qt::flush;
        return std::nullopt;
    }
    return v;
}

} // namespace

int mappingCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("The profile's mapping (docs/mapping.md): how payments link to orders, the status each payment event "
           "sets, the rules and the ERP accounts. Every change is a new version with a note; the engine uses the "
           "active version from its next sync on. import and rollback are for admins and are audited."));
    parser.addPositionalArgument(u"show|export|import|history|diff|rollback"_s, tr("The subcommand."));
    const QCommandLineOption profileOpt(u"profile"_s, tr("Profile name."), u"NAME"_s);
    const QCommandLineOption fileOpt(u"file"_s, tr("The JSON document to import, or where to export (default: "
                                                   "standard output)."),
                                     u"FILE"_s);
    const QCommandLineOption noteOpt(u"note"_s, tr("Why (import, rollback); required."), u"TEXT"_s);
    const QCommandLineOption formatOpt(u"format"_s, tr("text (default) or jsonl (history, diff)."), u"FORMAT"_s,
                                       u"text"_s);
    const QCommandLineOption fromOpt(u"from"_s, tr("diff: the older version."), u"V"_s);
    const QCommandLineOption toOpt(u"to"_s, tr("diff: the newer version (default: the active one); rollback: the "
                                               "version to restore."),
                                   u"V"_s);
    parser.addOptions({profileOpt, fileOpt, noteOpt, formatOpt, fromOpt, toOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;

    const QString usage =
        tr("Usage: paybridge mapping show --profile NAME\n"
           "       paybridge mapping export --profile NAME [--file FILE]\n"
           "       paybridge mapping import --profile NAME --file FILE --note TEXT\n"
           "       paybridge mapping history --profile NAME [--format text|jsonl]\n"
           "       paybridge mapping diff --profile NAME --from V [--to V] [--format text|jsonl]\n"
           "       paybridge mapping rollback --profile NAME --to V --note TEXT\n");
    const QStringList pos = parser.positionalArguments();
    const QString sub = pos.size() == 1 ? pos.first() : QString();
    const QStringList known{u"show"_s, u"export"_s, u"import"_s, u"history"_s, u"diff"_s, u"rollback"_s};
    if (!known.contains(sub) || !parser.isSet(profileOpt)) {
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    const QString format = parser.value(formatOpt);
    if (format != u"text" && format != u"jsonl") {
        io.err() << tr("--format: expected text or jsonl, got '%1'\n").arg(format) << Qt::flush;
        return ExitUsage;
    }
    const bool changes = sub == u"import" || sub == u"rollback";
    if ((sub == u"import" && !parser.isSet(fileOpt)) || (sub == u"rollback" && !parser.isSet(toOpt))
        || (sub == u"diff" && !parser.isSet(fromOpt))) {
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    if (changes && parser.value(noteOpt).trimmed().isEmpty()) {
        io.err() << tr("--note: say why the mapping changes (it is kept with the version)\n") << Qt::flush;
        return ExitUsage;
    }
    std::optional<int> from;
    std::optional<int> to;
    if (parser.isSet(fromOpt) && !(from = versionOption(parser, fromOpt, io)))
        return ExitUsage;
    if (parser.isSet(toOpt) && !(to = versionOption(parser, toOpt, io)))
        return ExitUsage;

    QByteArray document;
    if (sub == u"import") {
        QFile f(parser.value(fileOpt));
        if (!f.open(QIODevice::ReadOnly)) {
            io.err() << tr("Cannot read %1: %2\n").arg(parser.value(fileOpt), f.errorString()) << Qt::flush;
            return ExitConfig;
        }
        document = f.readAll();
    }

    const auto profile = loadProfile(parser.value(profileOpt), io, &code);
    if (!profile)
        return code;
    std::optional<QString> actor;
    if (changes) {
        actor = actingAccount(io, &code);
        if (!actor)
            return code;
    }

    // What the store part found, printed once the connection is closed.
    int exitCode = ExitOk;
    const Status done = withStore(*profile, changes, [&](QSqlDatabase *db) -> Status {
        // No store yet: only the compiled-in default exists.
        QSqlDatabase none;
        mapping::MappingStore store(db ? *db : none);
        const auto versionOf = [&](int v) -> Result<mapping::MappingVersion> {
            if (db)
                return store.version(v);
            if (v != 0)
                return makeError(u"mapping.version.unknown"_s, u"version"_s,
                                 u"mapping version %1 does not exist"_s.arg(v));
            mapping::MappingVersion d;
            d.document = mapping::MappingStore::defaultDocument();
            d.actor = u"system"_s;
            d.active = true;
            return d;
        };
        const auto activeVersion = [&]() { return db ? store.activeVersion() : versionOf(0); };

        if (sub == u"show") {
            PB_TRY(v, activeVersion());
            const auto p = v.version == 0 ? Result<mapping::MappingProfile>(mapping::MappingProfile::defaults())
                                          : mapping::MappingProfile::fromJson(v.document);
            if (!p)
                return p.error();
            printSummary(io, profile->name, v, p.value());
            return Status::success();
        }
        if (sub == u"export") {
            PB_TRY(v, activeVersion());
            if (!parser.isSet(fileOpt)) {
                io.out() << QString::fromUtf8(v.document) << Qt::flush;
                return Status::success();
            }
            QSaveFile out(parser.value(fileOpt));
            if (!out.open(QIODevice::WriteOnly) || out.write(v.document) != v.document.size() || !out.commit())
                return makeError(u"mapping.export"_s, u"--file"_s,
                                 u"cannot write %1: %2"_s.arg(parser.value(fileOpt), out.errorString()));
            io.err() << tr("Wrote %1 of profile %2 to %3.\n")
                            .arg(versionLabel(v.version), profile->name, parser.value(fileOpt))
                     << Qt::flush;
            return Status::success();
        }
        if (sub == u"history") {
            QList<mapping::MappingVersion> versions;
            if (db) {
                PB_TRY(h, store.history());
                versions = h;
            }
            if (format == u"jsonl") {
                for (const auto &v : std::as_const(versions))
                    io.printJsonLine(versionJson(v));
                io.out() << Qt::flush;
                return Status::success();
            }
            if (versions.isEmpty()) {
                io.out() << tr("No saved versions: the built-in default mapping (version 0) is active.\n")
                         << Qt::flush;
                return Status::success();
            }
            for (const auto &v : std::as_const(versions)) {
                io.out() << u"%1  %2  %3%4%5\n"_s.arg(QString::number(v.version), 4)
                                .arg(iso(v.createdAt), v.actor)
                                .arg(v.active ? u"  "_s + tr("[active]") : QString())
                                .arg(v.rollback ? u"  "_s + tr("restores %1").arg(versionLabel(v.restores)) : QString())
                         << u"      "_s << v.note << '\n';
            }
            io.out() << Qt::flush;
            return Status::success();
        }
        if (sub == u"diff") {
            PB_TRY(a, versionOf(*from));
            PB_TRY(b, to ? versionOf(*to) : activeVersion());
            const QList<mapping::ProfileChange> changesFound = mapping::diffProfiles(a.document, b.document);
            if (format == u"jsonl") {
                for (const auto &c : changesFound)
                    io.printJsonLine(QJsonObject{{u"path"_s, c.path}, {u"before"_s, c.before}, {u"after"_s, c.after}});
                io.out() << Qt::flush;
                return Status::success();
            }
            io.out() << tr("From %1 to %2: %3 change(s)\n")
                            .arg(versionLabel(a.version), versionLabel(b.version))
                            .arg(changesFound.size());
            const QString absent = tr("(absent)");
            for (const auto &c : changesFound)
                io.out() << u"  %1: %2 -> %3\n"_s.arg(c.path, c.before.isEmpty() ? absent : c.before,
                                                     c.after.isEmpty() ? absent : c.after);
            io.out() << Qt::flush;
            return Status::success();
        }

        // import, rollback: an admin's act.
        if (Status allowed = mayChange(*db, *profile, *actor); !allowed)
            return allowed;
        const QString note = parser.value(noteOpt).trimmed();
        PB_TRY(previous, store.activeVersion());
        const auto saved = sub == u"import" ? store.save(document, *actor, note) : store.rollback(*to, *actor, note);
        if (!saved && saved.error().code == u"mapping.unchanged") {
            // Nothing to do is not a failure: importing the same file twice is safe in a script.
            io.out() << tr("Mapping of profile %1 not changed: the document equals the active %2.\n")
                            .arg(profile->name, versionLabel(previous.version))
                     << Qt::flush;
            return Status::success();
        }
        if (!saved) {
            // A document the profile format refuses (the key is named in the error).
            if (isInvalidDocument(saved.error()))
                exitCode = ExitRefused;
            return saved.error();
        }
        PB_TRY(now, store.version(saved.value()));
        const auto changed = mapping::diffProfiles(previous.document, now.document);
        io.out() << tr("Mapping of profile %1: %2 is active (was %3), %4 change(s); the engine uses it from its "
                       "next sync.\n")
                        .arg(profile->name, versionLabel(saved.value()), versionLabel(previous.version))
                        .arg(changed.size());
        for (const auto &c : changed)
            io.out() << u"  "_s << c.path << '\n';
        io.out() << Qt::flush;
        return Status::success();
    });
    if (!done) {
        const Error &e = done.error();
        // The code too, in brackets: scripts decide on it, never on the text.
        io.err() << (changes ? tr("Mapping of profile %1 not changed: %2 [%3]\n")
                             : tr("Cannot read the mapping of profile %1: %2 [%3]\n"))
                        .arg(profile->name, e.toString(), e.code)
                 << Qt::flush;
        if (exitCode != ExitOk || e.code.startsWith(u"access."))
            return ExitRefused;
        if (e.code == u"mapping.version.unknown" || e.code == u"mapping.note")
            return ExitUsage;
        return ExitFailure;
    }
    return exitCode;
}

} // namespace pb::app
