// `paybridge quarantine --profile NAME [--source SOURCE] [--format text|jsonl] [--raw]`
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "store/database.h"
#include "store/quarantinerepository.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonObject>

namespace pb::app {

namespace {

QString tr(const char *text, const char *disambiguation = nullptr, int n = -1)
{
    return QCoreApplication::translate("paybridge", text, disambiguation, n);
}

QString iso(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODate) : QString();
}

QJsonObject toJson(const store::QuarantineEntry &e, bool withRaw)
{
    QJsonObject o{{QStringLiteral("source"), e.source},
                  {QStringLiteral("id"), e.externalId},
                  {QStringLiteral("field"), e.field},
                  {QStringLiteral("reason"), e.reason},
                  {QStringLiteral("first_seen"), iso(e.firstSeen)},
                  {QStringLiteral("last_tried"), iso(e.lastTried)},
                  {QStringLiteral("attempts"), e.attempts}};
    if (withRaw)
        o.insert(QStringLiteral("raw"), QString::fromUtf8(e.raw));
    return o;
}

} // namespace

int quarantineCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("List the records PayBridge could not read (docs/quarantine.md). Each sync tries them again; "
           "a record leaves the list by itself once it reads."));
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption sourceOpt(QStringLiteral("source"),
                                       tr("Only this source: magento.order, paytrace.transaction, paytrace.batch, "
                                          "settlement.line."),
                                       QStringLiteral("SOURCE"));
    const QCommandLineOption formatOpt(QStringLiteral("format"), tr("text (default) or jsonl (one JSON object per line)."),
                                       QStringLiteral("FORMAT"), QStringLiteral("text"));
    const QCommandLineOption rawOpt(QStringLiteral("raw"), tr("Include each record's raw body."));
    parser.addOptions({profileOpt, sourceOpt, formatOpt, rawOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;
    if (!parser.positionalArguments().isEmpty() || !parser.isSet(profileOpt)) {
        io.err() << tr("Usage: paybridge quarantine --profile NAME [--source SOURCE] [--format text|jsonl] [--raw]\n")
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

    const QString path = syncConfigWithoutSecrets(*profile).databasePath;
    QList<store::QuarantineEntry> entries;
    if (QFileInfo::exists(path)) {
        const QString connection = QStringLiteral("paybridge-cli-quarantine");
        std::optional<Error> failure;
        {
            auto db = store::Database::openReader(path, connection);
            if (!db) {
                failure = db.error();
            } else {
                auto listed = store::QuarantineRepository(db.value()).list(parser.value(sourceOpt));
                if (listed)
                    entries = listed.value();
                else
                    failure = listed.error();
            }
        }
        store::Database::close(connection);
        if (failure) {
            io.err() << tr("Cannot read the quarantine of profile %1: %2\n").arg(profile->name, failure->toString())
                     << Qt::flush;
            return ExitFailure;
        }
    }
    const bool withRaw = parser.isSet(rawOpt);
    if (format == u"jsonl") {
        for (const auto &e : std::as_const(entries))
            io.printJsonLine(toJson(e, withRaw));
        io.out() << Qt::flush;
        return ExitOk;
    }
    if (entries.isEmpty()) {
        io.out() << tr("No records in quarantine for profile %1.\n").arg(profile->name) << Qt::flush;
        return ExitOk;
    }
    for (const auto &e : std::as_const(entries)) {
        io.out() << QStringLiteral("%1  %2  %3\n").arg(e.source, -22).arg(e.externalId, -14).arg(e.field)
                 << QStringLiteral("    ") << e.reason << '\n'
                 << QStringLiteral("    ")
                 << tr("first seen %1, last tried %2, %n attempt(s)", nullptr, e.attempts)
                        .arg(iso(e.firstSeen), iso(e.lastTried))
                 << '\n';
        if (withRaw)
            io.out() << QStringLiteral("    ") << QString::fromUtf8(e.raw) << '\n';
    }
    io.out() << tr("%n record(s) in quarantine.", nullptr, int(entries.size())) << '\n' << Qt::flush;
    return ExitOk;
}

} // namespace pb::app
