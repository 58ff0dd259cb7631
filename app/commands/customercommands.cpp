// `paybridge customers list|link|unlink --profile NAME` (docs/customers.md): the Magento
// customers and PayTrace vault profiles the store keeps, and the links between them.
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "access/operator.h"
#include "access/permissions.h"
#include "customers/customeractions.h"
#include "intents/intentjournal.h"
#include "mapping/mappingstore.h"
#include "store/auditlog.h"
#include "store/customerrepository.h"
#include "store/database.h"
#include "util/clock.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonObject>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

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


// A Magento customer id as typed: a positive whole number, or nullopt after saying so.
std::optional<qint64> customerIdOption(const QCommandLineParser &parser, const QCommandLineOption &option, Io &io)
{
    bool ok = false;
    const QString text = parser.value(option).trimmed();
    const qint64 id = text.toLongLong(&ok);
    if (ok && id > 0)
        return id;
    io.err() << tr("--%1: expected a Magento customer id (a whole number above 0), got '%2'\n")
                    .arg(option.names().constFirst(), parser.value(option))
             << Qt::flush;
    return std::nullopt;
}

// How a refusal of CustomerActions ends the command: a wrong id is the command line's fault,
// a rule (permissions, already linked, not linked) is a refusal, anything else a failure.
int exitCodeForAction(const Error &e)
{
    if (e.code == u"customer.not_found" || e.code == u"customer.vault_not_found" || e.code == u"customers.bad_id")
        return ExitUsage;
    if (e.code.startsWith(u"access.") || e.code.startsWith(u"customer."))
        return ExitRefused;
    if (e.code == u"customers.no_store")
        return ExitConfig;
    return exitCodeFor(e);
}

// The store part of link/unlink, in one connection: the ids checked, `--as` allowed, the
// action, and the intents it planned (ids above `firstNewIntent`).
struct ActionDone
{
    QString message;
    QList<qint64> intents;
};

Result<ActionDone> runAction(const QString &path, const QString &sub, qint64 magentoId, const QString &vaultId,
                             const QString &osAccount, const QString &actor)
{
    ActionDone done;
    const Status status = withStore(path, u"paybridge-cli-customers-act"_s, true, [&](QSqlDatabase &db) -> Status {
        // Someone else's name on the act is only for an admin, who could give themselves that
        // person's roles anyway; the audit log keeps who really typed it.
        if (actor != osAccount) {
            access::Permissions permissions(db);
            PB_TRY(op, permissions.operatorFor(osAccount));
            if (!op.has(access::Role::Admin) || op.disabled)
                return makeError(u"access.denied"_s, u"--as"_s,
                                 u"only an admin may act as another operator; %1 is not one"_s.arg(osAccount));
            PB_TRY(other, permissions.operatorFor(actor));
            if (!other.known)
                return makeError(u"customers.bad_id"_s, u"--as"_s,
                                 u"no operator %1 in this profile's store (see: paybridge operators list)"_s.arg(actor));
        }
        store::CustomerRepository repo(db);
        PB_TRY(customer, repo.customer(magentoId));
        if (!customer || customer->deletedAt.isValid())
            return makeError(u"customer.not_found"_s, u"--magento-customer"_s,
                             u"no Magento customer %1 in the local store (check the id, or run a sync if the "
                             u"customer is new)"_s.arg(magentoId));
        if (sub == u"link") {
            PB_TRY(profile, repo.vaultProfile(vaultId));
            if (!profile || profile->deletedAt.isValid())
                return makeError(u"customer.vault_not_found"_s, u"--vault-customer"_s,
                                 u"no PayTrace vault profile %1 in the local store (check the id, or run a sync if "
                                 u"the profile is new)"_s.arg(vaultId));
        }
        mapping::MappingStore mappings(db);
        PB_TRY(mappingProfile, mappings.active());
        QSqlQuery q(db);
        if (!q.exec(u"SELECT COALESCE(MAX(id), 0) FROM intents"_s) || !q.next())
            return makeError(u"store.query"_s, {}, q.lastError().text());
        const qint64 lastIntent = q.value(0).toLongLong();

        customers::CustomerActions actions(db, mappingProfile.customers());
        if (sub == u"link") {
            PB_TRY(link, actions.link(magentoId, vaultId, actor));
            done.message = tr("Linked Magento customer %1 to vault profile %2 (rule manual).\n")
                               .arg(QString::number(link.magentoId), link.vaultCustomerId);
        } else {
            PB_TRY(before, repo.linkByMagento(magentoId));
            if (Status s = actions.unlink(magentoId, actor); !s)
                return s;
            done.message = tr("Unlinked Magento customer %1 from vault profile %2; the sync will not link them "
                              "again.\n")
                               .arg(QString::number(magentoId), before ? before->vaultCustomerId : QString());
        }
        if (actor != osAccount) {
            store::AuditLog audit(db);
            if (auto logged = audit.append(osAccount, u"access.acted_as"_s, u"operator"_s, actor, {}, {},
                                           u"customers %1 %2 %3"_s.arg(sub, QString::number(magentoId), vaultId));
                !logged)
                return logged.error();
        }
        if (!q.exec(u"SELECT id FROM intents WHERE id > %1 ORDER BY id"_s.arg(lastIntent)))
            return makeError(u"store.query"_s, {}, q.lastError().text());
        while (q.next())
            done.intents << q.value(0).toLongLong();
        return Status::success();
    });
    if (!status)
        return status.error();
    return done;
}

// Sends what the action planned (the Magento attribute, a field written across) with this
// process's runner, as `paybridge refund` does, and prints where each intent ended. With a
// `paybridge serve` holding the runner lease, the intents stay planned for it.
void sendPlanned(const sync::SyncConfig &config, const QList<qint64> &ids, Io &io)
{
    if (ids.isEmpty())
        return;
    {
        sync::SyncService service(config);
        QEventLoop loop;
        QObject::connect(&service, &sync::SyncService::intentsIdle, &loop, &QEventLoop::quit);
        QTimer deadline;
        deadline.setSingleShot(true);
        QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
        // As long as a refund waits for its chain: twice the request timeout and 30 s.
        deadline.start(2 * (config.requestTimeoutMs > 0 ? config.requestTimeoutMs : 60000) + 30000);
        service.runIntents();
        loop.exec();
        service.parkIntents();
    }
    const QString connection = u"paybridge-cli-customers-intents"_s;
    {
        auto db = store::Database::openReader(config.databasePath, connection);
        if (db) {
            const intents::IntentJournal journal(db.value(), SystemClock::instance());
            for (qint64 id : ids) {
                const auto intent = journal.get(id);
                if (intent)
                    io.out() << "intent=" << intent->id << ' ' << intents::kindName(intent->kind) << ' '
                             << intents::stateName(intent->state) << ' ' << intent->naturalKey << '\n';
            }
        }
    }
    store::Database::close(connection);
    io.out() << Qt::flush;
}

int changeLink(const QCommandLineParser &parser, const QString &sub, const QCommandLineOption &profileOpt,
               const QCommandLineOption &magentoOpt, const QCommandLineOption &vaultOpt,
               const QCommandLineOption &asOpt, Io &io)
{
    const auto magentoId = customerIdOption(parser, magentoOpt, io);
    if (!magentoId)
        return ExitUsage;
    const QString vaultId = parser.value(vaultOpt).trimmed();
    if (sub == u"link" && vaultId.isEmpty()) {
        io.err() << tr("--vault-customer: empty vault profile id\n") << Qt::flush;
        return ExitUsage;
    }
    int code = ExitOk;
    const auto config = loadEngineConfig(parser.value(profileOpt), io, &code);
    if (!config)
        return code;
    const auto osAccount = actingAccount(io, &code);
    if (!osAccount)
        return code;
    QString actor = *osAccount;
    if (parser.isSet(asOpt)) {
        actor = parser.value(asOpt).trimmed();
        if (Status valid = access::validateAccount(actor, u"--as"_s); !valid) {
            io.err() << valid.error().toString() << '\n' << Qt::flush;
            return ExitUsage;
        }
    }

    const auto done = runAction(config->databasePath, sub, *magentoId, vaultId, *osAccount, actor);
    if (!done) {
        const Error &e = done.error();
        // The code too, in brackets: scripts decide on it, never on the text.
        io.err() << (sub == u"link" ? tr("Not linked: %1 [%2]\n") : tr("Not unlinked: %1 [%2]\n"))
                        .arg(e.toString(), e.code)
                 << Qt::flush;
        return exitCodeForAction(e);
    }
    io.out() << done->message << Qt::flush;
    sendPlanned(*config, done->intents, io);
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
           "  link     link a Magento customer to a vault profile by hand (rule manual); the link is written to "
           "Magento's attribute and differing fields go the mapping's way, through intents sent at once\n"
           "  unlink   remove a customer's link (and the attribute naming the profile); the sync never links the pair "
           "again\n"
           "link and unlink are for admins and support, and are audited.\n"
           "Exit codes: 0 done, 1 failed, 2 bad command line or an id the store does not know, 3 unknown profile, "
           "6 refused (permissions, already linked, not linked)."));
    parser.addPositionalArgument(u"list|link|unlink"_s, tr("The subcommand."));
    const QCommandLineOption profileOpt(u"profile"_s, tr("Profile name."), u"NAME"_s);
    const QCommandLineOption formatOpt(u"format"_s, tr("list: table (default) or jsonl."), u"FORMAT"_s, u"table"_s);
    const QCommandLineOption searchOpt(u"search"_s, tr("list: only rows whose e-mail, name, ids or last four "
                                                       "contain TEXT."),
                                       u"TEXT"_s);
    const QCommandLineOption expiringOpt(u"expiring"_s, tr("list: only cards expired or expiring this month or next."));
    const QCommandLineOption unlinkedOpt(u"unlinked"_s, tr("list: only customers and vault profiles without a link."));
    const QCommandLineOption magentoOpt(u"magento-customer"_s, tr("link, unlink: the Magento customer id."), u"ID"_s);
    const QCommandLineOption vaultOpt(u"vault-customer"_s, tr("link: the PayTrace vault profile (customer_id)."),
                                      u"ID"_s);
    const QCommandLineOption asOpt(u"as"_s, tr("link, unlink: act as this operator (admins only; the audit log "
                                               "keeps both names)."),
                                   u"OPERATOR"_s);
    parser.addOptions({profileOpt, formatOpt, searchOpt, expiringOpt, unlinkedOpt, magentoOpt, vaultOpt, asOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;

    const QString usage =
        tr("Usage: paybridge customers list --profile NAME [--format jsonl|table] [--search TEXT] [--expiring] "
           "[--unlinked]\n"
           "       paybridge customers link --profile NAME --magento-customer ID --vault-customer ID [--as OPERATOR]\n"
           "       paybridge customers unlink --profile NAME --magento-customer ID [--as OPERATOR]\n");
    const QStringList pos = parser.positionalArguments();
    const QString sub = pos.size() == 1 ? pos.first() : QString();
    const QStringList known{u"list"_s, u"link"_s, u"unlink"_s};
    if (!known.contains(sub) || !parser.isSet(profileOpt) || (sub != u"list" && !parser.isSet(magentoOpt))
        || (sub == u"link" && !parser.isSet(vaultOpt))) {
        if (pos.size() == 1 && !known.contains(sub))
            io.err() << tr("Unknown subcommand: %1\n").arg(sub);
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    if (sub != u"list")
        return changeLink(parser, sub, profileOpt, magentoOpt, vaultOpt, asOpt, io);
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
