// `paybridge reconcile` and `paybridge journal post`: the finance day from the command line.
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/reconcilereport.h"

#include "access/permissions.h"
#include "erp/dayposting.h"
#include "erp/sinkfactory.h"
#include "mapping/mappingprofile.h"
#include "mapping/mappingstore.h"
#include "net/httptransport.h"
#include "reconcile/matcher.h"
#include "reconcile/reconciliationstore.h"
#include "reconcile/settlementimporter.h"
#include "store/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace pb::app {

namespace {

using namespace Qt::StringLiterals;

ReportWriter &reportWriter()
{
    static ReportWriter writer;
    return writer;
}

bool isReportPath(const QString &path)
{
    const QString suffix = QFileInfo(path).suffix().toLower();
    return suffix == u"pdf"_s || suffix == u"csv"_s;
}

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

// A store connection for one command; closed when the command returns.
class StoreConnection
{
public:
    explicit StoreConnection(QString name) : m_name(std::move(name)) {}
    ~StoreConnection()
    {
        m_db = QSqlDatabase();
        store::Database::close(m_name);
    }
    StoreConnection(const StoreConnection &) = delete;
    StoreConnection &operator=(const StoreConnection &) = delete;

    // The profile's store; it must exist already (a sync creates it).
    bool open(const QString &path, Io &io, int *exitCode)
    {
        if (path.isEmpty() || !QFileInfo::exists(path)) {
            io.err() << tr("The profile has no store yet at %1 (run: paybridge sync --profile NAME --once)\n").arg(path)
                     << Qt::flush;
            *exitCode = ExitConfig;
            return false;
        }
        auto db = store::Database::openWriter(path, m_name);
        if (!db) {
            io.err() << tr("Cannot open the store %1: %2\n").arg(path, db.error().toString()) << Qt::flush;
            *exitCode = ExitFailure;
            return false;
        }
        m_db = db.value();
        return true;
    }
    QSqlDatabase &db() { return m_db; }

private:
    QString m_name;
    QSqlDatabase m_db;
};

std::optional<QDate> parseDay(const QString &text, Io &io, int *exitCode)
{
    const QDate d = QDate::fromString(text, Qt::ISODate);
    if (!d.isValid() || text.size() != 10) {
        io.err() << tr("--date: expected a date as YYYY-MM-DD, got '%1'\n").arg(text) << Qt::flush;
        *exitCode = ExitUsage;
        return std::nullopt;
    }
    return d;
}

QString money(qint64 minor, const QString &code)
{
    const auto c = Currency::fromCode(code);
    return c ? Money::fromMinor(minor, *c).toString() : QString::number(minor);
}

// Imports a settlement file before reconciling; false (and *exitCode) when it was refused.
bool importSettlement(QSqlDatabase &db, const QString &file, const QString &mappingFile, const QString &actor,
                      Io &io, int *exitCode)
{
    QFile f(mappingFile);
    if (!f.open(QIODevice::ReadOnly)) {
        io.err() << tr("Cannot read the mapping file %1: %2\n").arg(mappingFile, f.errorString()) << Qt::flush;
        *exitCode = ExitConfig;
        return false;
    }
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(f.read(1 << 20), &parseError);
    if (!doc.isObject()) {
        io.err() << tr("The mapping file %1 is not a JSON object: %2\n").arg(mappingFile, parseError.errorString())
                 << Qt::flush;
        *exitCode = ExitConfig;
        return false;
    }
    const auto mapping = reconcile::SettlementMapping::fromJson(doc.object());
    if (!mapping) {
        io.err() << tr("The mapping file %1 is not valid: %2\n").arg(mappingFile, mapping.error().toString())
                 << Qt::flush;
        *exitCode = ExitConfig;
        return false;
    }
    reconcile::SettlementImporter importer(db);
    reconcile::ImportOptions options;
    options.actor = actor;
    const auto outcome = importer.importFile(file, mapping.value(), options);
    if (!outcome.ok()) {
        io.err() << tr("The settlement file %1 was not imported (nothing of it was kept):\n").arg(file);
        if (!outcome.refusal.isEmpty())
            io.err() << tr("  too many lines do not read (%1): check the mapping and the file\n").arg(outcome.refusal);
        for (const Error &e : outcome.errors)
            io.err() << "  " << e.toString() << '\n';
        io.err() << Qt::flush;
        *exitCode = ExitFailure;
        return false;
    }
    const auto &r = outcome.report;
    if (!r.alreadyImported)
        io.err() << tr("Imported %1: %2 lines, %3 new, %4 already known, %5 set aside\n")
                        .arg(file).arg(r.lines - r.quarantined).arg(r.added).arg(r.duplicates).arg(r.quarantined);
    else if (r.released == 0 && r.quarantined == 0)
        io.err() << tr("Settlement file %1 was imported before: nothing changed\n").arg(file);
    else
        io.err() << tr("Settlement file %1 was imported before: %2 set-aside lines read now and were imported "
                       "(%3 new, %4 already known), %5 still set aside\n")
                        .arg(file).arg(r.released).arg(r.added).arg(r.duplicates).arg(r.quarantined);
    // Set-aside lines do not fail the import: they wait in the quarantine for a corrected mapping.
    for (const Error &e : r.quarantineErrors)
        io.err() << tr("  set aside: %1\n").arg(e.toString());
    io.err() << Qt::flush;
    return true;
}

QJsonObject itemJson(const reconcile::ItemRecord &i)
{
    QJsonObject o{{u"type"_s, u"item"_s},
                  {u"id"_s, i.id},
                  {u"bucket"_s, reconcile::bucketName(i.bucket)},
                  {u"class"_s, i.cls ? reconcile::className(*i.cls) : QString()},
                  {u"rule"_s, i.rule},
                  {u"subject"_s, i.subject},
                  {u"transaction_id"_s, i.transactionId},
                  {u"increment_id"_s, i.incrementId},
                  {u"batch"_s, i.batch},
                  {u"currency"_s, i.currency},
                  {u"state"_s, i.state},
                  {u"explanation"_s, i.explanation}};
    // Amounts as exact decimal strings, never JSON numbers (no binary floating point).
    if (i.expectedMinor)
        o.insert(u"expected"_s, money(*i.expectedMinor, i.currency));
    if (i.actualMinor)
        o.insert(u"actual"_s, money(*i.actualMinor, i.currency));
    return o;
}

} // namespace

void setReconciliationReportWriter(ReportWriter writer)
{
    reportWriter() = std::move(writer);
}

bool commandNeedsGui(int argc, char **argv)
{
    if (argc < 2 || qstrcmp(argv[1], "reconcile") != 0)
        return false;
    for (int i = 2; i < argc; ++i)
        if (qstrcmp(argv[i], "--report") == 0 || qstrncmp(argv[i], "--report=", 9) == 0)
            return true;
    return false;
}

int reconcileCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Reconcile a batch day: settlement lines against PayTrace transactions and Magento orders. "
           "Saves the run in the profile's store (resolutions made earlier are kept) and prints the "
           "totals and the open discrepancies."));
    const QCommandLineOption profileOpt(u"profile"_s, tr("Profile name."), u"NAME"_s);
    const QCommandLineOption dateOpt(u"date"_s, tr("Batch day (Pacific), YYYY-MM-DD."), u"DATE"_s);
    const QCommandLineOption formatOpt(u"format"_s, tr("text (default) or jsonl: one JSON object per open item, then the run."),
                                       u"FORMAT"_s, u"text"_s);
    const QCommandLineOption importOpt(u"import"_s, tr("Import this settlement file first."), u"FILE"_s);
    const QCommandLineOption mappingOpt(u"mapping"_s, tr("Column mapping (JSON) of the file given with --import."),
                                        u"FILE"_s);
    const QCommandLineOption reportOpt(u"report"_s,
                                       tr("Also write the day's report for review and sign-off: FILE.pdf or FILE.csv."),
                                       u"FILE"_s);
    parser.addOptions({profileOpt, dateOpt, formatOpt, importOpt, mappingOpt, reportOpt});
    int exitCode = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &exitCode))
        return exitCode;
    const QString format = parser.value(formatOpt);
    if (!parser.isSet(profileOpt) || !parser.isSet(dateOpt) || !parser.positionalArguments().isEmpty()
        || (format != u"text"_s && format != u"jsonl"_s) || parser.isSet(importOpt) != parser.isSet(mappingOpt)
        || (parser.isSet(reportOpt) && !isReportPath(parser.value(reportOpt)))) {
        io.err() << tr("Usage: paybridge reconcile --profile NAME --date YYYY-MM-DD [--format text|jsonl] "
                       "[--import FILE --mapping MAPPING.json] [--report FILE.pdf|FILE.csv]\n")
                 << Qt::flush;
        return ExitUsage;
    }
    if (parser.isSet(reportOpt) && !reportWriter()) {
        io.err() << tr("--report: this build cannot write reports\n") << Qt::flush;
        return ExitUsage;
    }
    const auto day = parseDay(parser.value(dateOpt), io, &exitCode);
    if (!day)
        return exitCode;
    const auto profile = loadProfile(parser.value(profileOpt), io, &exitCode);
    if (!profile)
        return exitCode;
    const auto actor = actingAccount(io, &exitCode);
    if (!actor)
        return exitCode;
    const QString path = store::Database::defaultPath(profile->name);
    StoreConnection conn(u"reconcile-command"_s);
    if (!conn.open(path, io, &exitCode))
        return exitCode;
    if (parser.isSet(importOpt)
        && !importSettlement(conn.db(), parser.value(importOpt), parser.value(mappingOpt), *actor, io, &exitCode))
        return exitCode;

    reconcile::MatchOptions options;
    options.now = QDateTime::currentDateTimeUtc();
    const auto result = reconcile::Matcher::run(path, reconcile::ReconcileScope::day(*day), {}, options);
    if (!result) {
        io.err() << tr("Reconciliation failed: %1\n").arg(result.error().toString()) << Qt::flush;
        return ExitFailure;
    }
    reconcile::ReconciliationStore results(conn.db());
    const auto run = results.save(result.value(), *actor, options.now);
    if (!run) {
        io.err() << tr("Cannot save the reconciliation: %1\n").arg(run.error().toString()) << Qt::flush;
        return ExitFailure;
    }
    // Every open item, page by page (keyset on the id).
    QList<reconcile::ItemRecord> open;
    reconcile::ItemFilter filter;
    filter.state = u"open"_s;
    for (;;) {
        const auto page = results.items(run->runId, filter);
        if (!page) {
            io.err() << tr("Cannot read the reconciliation items: %1\n").arg(page.error().toString()) << Qt::flush;
            return ExitFailure;
        }
        open += page.value();
        if (page->size() < filter.limit)
            break;
        filter.afterId = page->last().id;
    }
    if (parser.isSet(reportOpt)) {
        const ReportJob job{path, run->scope, parser.value(reportOpt), profile->name, QUrl(profile->magentoUrl).host()};
        if (Status written = reportWriter()(job); !written) {
            io.err() << tr("Cannot write the report %1: %2\n").arg(job.outputPath, written.error().toString())
                     << Qt::flush;
            return ExitFailure;
        }
        io.err() << tr("Report written to %1\n").arg(job.outputPath) << Qt::flush;
    }

    if (format == u"jsonl"_s) {
        for (const auto &i : std::as_const(open))
            io.printJsonLine(itemJson(i));
        QJsonObject totals;
        for (auto it = run->totals.cbegin(); it != run->totals.cend(); ++it)
            totals.insert(it.key(), QJsonObject{{u"expected"_s, money(it->expected, it.key())},
                                                {u"settled"_s, money(it->settled, it.key())},
                                                {u"fees"_s, money(it->fees, it.key())},
                                                {u"deposited"_s, money(it->deposited, it.key())}});
        QJsonObject byClass;
        for (auto it = run->openByClass.cbegin(); it != run->openByClass.cend(); ++it)
            byClass.insert(it.key(), it.value());
        io.printJsonLine(QJsonObject{{u"type"_s, u"run"_s},
                                     {u"scope"_s, run->scope},
                                     {u"run_id"_s, run->runId},
                                     {u"generation"_s, run->generation},
                                     {u"lines"_s, run->linesRead},
                                     {u"transactions"_s, run->transactionsRead},
                                     {u"orders"_s, run->ordersRead},
                                     {u"matched"_s, run->matched},
                                     {u"discrepancies"_s, run->discrepancies},
                                     {u"set_aside"_s, run->setAside},
                                     {u"open"_s, run->open},
                                     {u"open_by_class"_s, byClass},
                                     {u"totals"_s, totals},
                                     {u"closed"_s, run->closed()}});
        return ExitOk;
    }

    QTextStream &out = io.out();
    out << tr("Reconciliation %1 (run %2, pass %3): %4 settlement lines, %5 transactions, %6 orders\n")
               .arg(run->scope).arg(run->runId).arg(run->generation)
               .arg(run->linesRead).arg(run->transactionsRead).arg(run->ordersRead);
    out << tr("  matched %1, discrepancies %2 (open %3), set aside %4\n")
               .arg(run->matched).arg(run->discrepancies).arg(run->open).arg(run->setAside);
    for (auto it = run->totals.cbegin(); it != run->totals.cend(); ++it)
        out << tr("  %1: expected %2, settled %3, fees and adjustments %4, deposited %5\n")
                   .arg(it.key(), money(it->expected, it.key()), money(it->settled, it.key()),
                        money(it->fees, it.key()), money(it->deposited, it.key()));
    if (!open.isEmpty())
        out << tr("Open discrepancies:\n");
    for (const auto &i : std::as_const(open))
        out << "  #" << i.id << ' ' << (i.cls ? reconcile::className(*i.cls) : QString()) << ": " << i.explanation << '\n';
    out << (run->closed() ? tr("The day is closed: its journal can be posted.\n")
                          : tr("The day is open: resolve the discrepancies before posting its journal.\n"))
        << Qt::flush;
    return ExitOk;
}

int journalCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("journal post: book a batch day (settled sales and refunds, fees, chargebacks, adjustments, "
           "deposits and write-offs) to the ERP. Each entry carries its reference, so posting a day again "
           "posts nothing new."));
    const QCommandLineOption profileOpt(u"profile"_s, tr("Profile name."), u"NAME"_s);
    const QCommandLineOption dateOpt(u"date"_s, tr("Batch day (Pacific), YYYY-MM-DD."), u"DATE"_s);
    const QCommandLineOption sinkOpt(u"sink"_s, tr("ledger, csv or odoo (default: the profile's)."), u"SINK"_s);
    const QCommandLineOption fileOpt(u"file"_s, tr("Journal file of the ledger or csv sink."), u"PATH"_s);
    const QCommandLineOption openOpt(u"allow-open"_s,
                                     tr("Post although the day has open discrepancies (or was not reconciled)."));
    parser.addOptions({profileOpt, dateOpt, sinkOpt, fileOpt, openOpt});
    int exitCode = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &exitCode))
        return exitCode;
    const QStringList pos = parser.positionalArguments();
    const QString sink = parser.value(sinkOpt);
    if (pos != QStringList{u"post"_s} || !parser.isSet(profileOpt) || !parser.isSet(dateOpt)
        || (parser.isSet(sinkOpt) && sink != u"ledger"_s && sink != u"csv"_s && sink != u"odoo"_s)) {
        io.err() << tr("Usage: paybridge journal post --profile NAME --date YYYY-MM-DD [--sink ledger|csv|odoo] "
                       "[--file PATH] [--allow-open]\n")
                 << Qt::flush;
        return ExitUsage;
    }
    const auto day = parseDay(parser.value(dateOpt), io, &exitCode);
    if (!day)
        return exitCode;
    const auto profile = loadProfile(parser.value(profileOpt), io, &exitCode);
    if (!profile)
        return exitCode;
    const QString path = store::Database::defaultPath(profile->name);
    StoreConnection conn(u"journal-command"_s);
    if (!conn.open(path, io, &exitCode))
        return exitCode;

    // Posting books money in the ERP: a finance operator's act (access policy PostJournal).
    const auto actor = actingAccount(io, &exitCode);
    if (!actor)
        return exitCode;
    {
        access::Permissions permissions(conn.db());
        const auto op = permissions.operatorFor(*actor);
        Status allowed = op ? permissions.check(*op, access::Action::PostJournal) : Status(op.error());
        if (!allowed) {
            io.err() << tr("%1 may not post journals: %2\n").arg(*actor, allowed.error().toString()) << Qt::flush;
            return ExitRefused;
        }
    }

    reconcile::ReconciliationStore results(conn.db());
    const auto closed = results.isDayClosed(*day);
    if (!closed) {
        io.err() << tr("Cannot read the day's reconciliation: %1\n").arg(closed.error().toString()) << Qt::flush;
        return ExitFailure;
    }
    if (!closed.value() && !parser.isSet(openOpt)) {
        io.err() << tr("The day %1 is not closed (not reconciled, or discrepancies are open): run paybridge "
                       "reconcile and resolve them, or pass --allow-open\n")
                        .arg(day->toString(Qt::ISODate))
                 << Qt::flush;
        return ExitRefused;
    }
    // The active mapping version (docs/mapping.md), as the engine books with.
    const auto activeMapping = mapping::MappingStore(conn.db()).active();
    if (!activeMapping) {
        io.err() << tr("Cannot read the active mapping: %1\n").arg(activeMapping.error().toString()) << Qt::flush;
        return ExitFailure;
    }
    const auto entries = erp::dayJournalFromStore(conn.db(), *day, activeMapping.value());
    if (!entries) {
        io.err() << tr("Cannot build the day's journal: %1\n").arg(entries.error().toString()) << Qt::flush;
        return ExitFailure;
    }

    erp::SinkOptions options;
    options.settings = profile->erp;
    options.dataDirectory = QFileInfo(path).absolutePath();
    options.sinkOverride = sink;
    options.fileOverride = parser.value(fileOpt);
    net::HttpTransport transport;
    const QString kind = sink.isEmpty() ? profile->erp.sink : sink;
    if (kind == u"odoo"_s) {
        const auto config = loadEngineConfig(profile->name, io, &exitCode);
        if (!config)
            return exitCode;
        options.odooPassword = config->secrets.value(u"odoo.password"_s);
        options.transport = &transport;
    }
    auto made = erp::makeSink(options);
    if (!made) {
        io.err() << tr("Cannot use the %1 sink: %2\n").arg(kind, made.error().toString()) << Qt::flush;
        return ExitConfig;
    }
    const auto posted = awaitAnswer<Result<erp::PostResult>>([&](QObject *context, auto done) {
        made.value()->post(entries.value(), context, done);
    });
    if (!posted) {
        io.err() << tr("Posting the journal of %1 failed: %2\n").arg(day->toString(Qt::ISODate), posted.error().toString())
                 << Qt::flush;
        return ExitFailure;
    }
    io.out() << tr("Journal %1 to %2: %3 entries posted, %4 already posted (%5 differ from what was posted)\n")
                    .arg(day->toString(Qt::ISODate), kind)
                    .arg(posted->posted.size())
                    .arg(posted->alreadyPosted.size())
                    .arg(posted->conflicting.size())
             << Qt::flush;
    return ExitOk;
}

} // namespace pb::app
