// `paybridge customers list --profile NAME` (docs/customers.md): the Magento
// customers and PayTrace vault profiles the store keeps, and the links between them.
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "store/customerrepository.h"
#include "store/database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QFileInfo>
#include <QJsonObject>
#include <QSet>

#include <functional>

namespace pb::app {

namespace {

using namespace Qt::StringLiterals;

QString tr(const char *text, const char *disambiguation = nullptr, int n = -1)
{
    return QCoreApplication::translate("paybridge", text, disambiguation, n);
}

QJsonValue textOrNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

// Runs `work` on a connection to the profile's store: read-only for listing (the engine, or a
// running `paybridge serve`, stays the writer), a writer for a person's link or unlink, which
// is one short transaction beside it. A profile that never synced has no store.
Status withStore(const QString &path, const QString &connection, bool writer,
                 const std::function<Status(QSqlDatabase &)> &work)
{
    if (!QFileInfo::exists(path))
        return makeError(u"customers.no_store"_s, u"--profile"_s,
                         u"the profile has no local store yet; run a sync first (paybridge sync --once)"_s);
    Status result;
    {
        auto db = writer ? store::Database::openWriter(path, connection) : store::Database::openReader(path, connection);
        if (!db) {
            result = db.error();
        } else if (store::Database::schemaVersion(db.value()) < store::Database::latestSchemaVersion()) {
            // A store written by an older PayBridge has no customer tables until the engine
            // migrates it, which the next sync does.
            result = makeError(u"customers.no_store"_s, u"--profile"_s,
                               u"the store has no customers yet; run a sync first (paybridge sync --once)"_s);
        } else {
            result = work(db.value());
        }
    }
    store::Database::close(connection);
    return result;
}

// The JSON line of `customers list --format jsonl`; the keys are documented in
// docs/customers.md and absent values are null, never "".
QJsonObject overviewJson(const CustomerOverview &c)
{
    return QJsonObject{
        {u"email"_s, textOrNull(c.email)},
        {u"magento_customer_id"_s, c.magentoId ? QJsonValue(*c.magentoId) : QJsonValue(QJsonValue::Null)},
        {u"paytrace_customer_id"_s, textOrNull(c.vaultCustomerId)},
        {u"card_type"_s, textOrNull(c.cardType)},
        {u"card_last4"_s, textOrNull(c.cardLast4)},
        {u"card_expiry"_s, textOrNull(c.cardExpiry)},
        {u"link_rule"_s, textOrNull(c.linkRule)},
    };
}

// "MM/YYYY" as the first day of that month; invalid when it is not that shape.
QDate expiryMonth(const QString &text)
{
    const QStringList parts = text.split(u'/');
    if (parts.size() != 2)
        return {};
    bool okMonth = false, okYear = false;
    const int month = parts.at(0).toInt(&okMonth);
    const int year = parts.at(1).toInt(&okYear);
    return okMonth && okYear ? QDate(year, month, 1) : QDate();
}

// The remarks column of the table: what a person should notice about the row.
QString remarks(const CustomerOverview &c, QDate today)
{
    QStringList notes;
    if (c.deletedInMagento)
        notes << tr("deleted in Magento");
    const QDate expiry = expiryMonth(c.cardExpiry);
    const QDate thisMonth(today.year(), today.month(), 1);
    if (expiry.isValid() && expiry < thisMonth)
        notes << tr("card expired");
    else if (expiry.isValid() && expiry <= thisMonth.addMonths(1))
        notes << tr("card expires soon");
    if (c.openConflicts > 0)
        notes << tr("%n conflict(s) to resolve", nullptr, c.openConflicts);
    return notes.join(u"; "_s);
}

void printTable(Io &io, const QList<CustomerOverview> &rows, QDate today)
{
    const QString none = u"-"_s;
    const QStringList header{tr("E-MAIL"), tr("MAGENTO"), tr("PAYTRACE"), tr("CARD"), tr("EXPIRES"), tr("LINK"),
                             tr("REMARKS")};
    QList<QStringList> lines;
    lines.reserve(rows.size());
    for (const CustomerOverview &c : rows) {
        const QString card = c.cardLast4.isEmpty()
            ? none
            : (c.cardType.isEmpty() ? u"…%1"_s.arg(c.cardLast4) : u"%1 …%2"_s.arg(c.cardType, c.cardLast4));
        lines.append(QStringList{c.email.isEmpty() ? none : c.email,
                                 c.magentoId ? QString::number(*c.magentoId) : none,
                                 c.vaultCustomerId.isEmpty() ? none : c.vaultCustomerId, card,
                                 c.cardExpiry.isEmpty() ? none : c.cardExpiry,
                                 c.linkRule.isEmpty() ? none : c.linkRule, remarks(c, today)});
    }
    // Column widths from the content, so the table lines up in a terminal; the last column
    // is free text and left unpadded.
    QList<qsizetype> width(header.size(), 0);
    for (qsizetype i = 0; i < header.size(); ++i)
        width[i] = header.at(i).size();
    for (const QStringList &l : std::as_const(lines))
        for (qsizetype i = 0; i < l.size(); ++i)
            width[i] = std::max(width[i], l.at(i).size());
    const auto printLine = [&](const QStringList &cells) {
        QString text;
        for (qsizetype i = 0; i < cells.size(); ++i)
            text += i + 1 < cells.size() ? cells.at(i).leftJustified(width.at(i) + 2) : cells.at(i);
        io.out() << text.trimmed() << '\n';
    };
    printLine(header);
    for (const QStringList &l : std::as_const(lines))
        printLine(l);
}

int listCustomers(const profile::Profile &profile, const QString &format,
                  const QString &search, bool expiringOnly, bool unlinkedOnly, Io &io)
{
    const QDate today = QDateTime::currentDateTimeUtc().date();
    QList<CustomerOverview> rows;
    const Status read = withStore(syncConfigWithoutSecrets(profile).databasePath, u"paybridge-cli-customers"_s, false,
                                  [&](QSqlDatabase &db) -> Status {
                                       store::CustomerRepository customers(db);
                                       PB_TRY(all, customers.overview(search));
                                       QSet<QString> expiring;
                                       if (expiringOnly) {
                                           PB_TRY(soon, customers.cardsExpiring(today));
                                           for (const VaultProfileRecord &p : std::as_const(soon))
                                               expiring.insert(p.customerId);
                                       }
                                       for (const CustomerOverview &c : std::as_const(all)) {
                                           if (unlinkedOnly && !c.linkRule.isEmpty())
                                               continue;
                                           if (expiringOnly && !expiring.contains(c.vaultCustomerId))
                                               continue;
                                           rows.append(c);
                                       }
                                       return Status::success();
                                   });
    if (!read) {
        io.err() << tr("Cannot read the customers of profile %1: %2\n").arg(profile.name, read.error().toString())
                 << Qt::flush;
        return read.error().code == u"customers.no_store" ? ExitConfig : exitCodeFor(read.error());
    }
    if (format == u"jsonl") {
        for (const CustomerOverview &c : std::as_const(rows))
            io.printJsonLine(overviewJson(c));
        io.out() << Qt::flush;
        return ExitOk;
    }
    if (rows.isEmpty()) {
        io.out() << tr("No customers match in profile %1.\n").arg(profile.name) << Qt::flush;
        return ExitOk;
    }
    printTable(io, rows, today);
    io.out() << tr("%n customer(s).", nullptr, int(rows.size())) << '\n' << Qt::flush;
    return ExitOk;
}


} // namespace

int customersCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Magento customers and PayTrace vault profiles as the store has them since the last sync, and the links "
           "between them (docs/customers.md).\n"
           "  list     one line per customer or unlinked vault profile: e-mail, both ids, the card on file (type, "
           "last four, expiry; never the number) and the rule that linked them\n"
           ));
    parser.addPositionalArgument(u"list"_s, tr("The subcommand."));
    const QCommandLineOption profileOpt(u"profile"_s, tr("Profile name."), u"NAME"_s);
    const QCommandLineOption formatOpt(u"format"_s, tr("list: table (default) or jsonl."), u"FORMAT"_s, u"table"_s);
    const QCommandLineOption searchOpt(u"search"_s, tr("list: only rows whose e-mail, name, ids or last four "
                                                       "contain TEXT."),
                                       u"TEXT"_s);
    const QCommandLineOption expiringOpt(u"expiring"_s, tr("list: only cards expired or expiring this month or next."));
    const QCommandLineOption unlinkedOpt(u"unlinked"_s, tr("list: only customers and vault profiles without a link."));
    parser.addOptions({profileOpt, formatOpt, searchOpt, expiringOpt, unlinkedOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;

    const QString usage =
        tr("Usage: paybridge customers list --profile NAME [--format jsonl|table] [--search TEXT] [--expiring] "
           "[--unlinked]\n");
    const QStringList pos = parser.positionalArguments();
    const QString sub = pos.size() == 1 ? pos.first() : QString();
    if (sub != u"list" || !parser.isSet(profileOpt)) {
        if (pos.size() == 1 && sub != u"list")
            io.err() << tr("Unknown subcommand: %1\n").arg(sub);
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    const QString format = parser.value(formatOpt);
    if (format != u"table" && format != u"jsonl") {
        io.err() << tr("--format: expected table or jsonl, got '%1'\n").arg(format) << Qt::flush;
        return ExitUsage;
    }
    const auto profile = loadProfile(parser.value(profileOpt), io, &code);
    if (!profile)
        return code;
    return listCustomers(*profile, format, parser.value(searchOpt).trimmed(), parser.isSet(expiringOpt),
                         parser.isSet(unlinkedOpt), io);
}

} // namespace pb::app
