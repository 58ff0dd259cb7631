// `paybridge magento ping|orders --profile NAME`: the Magento connection of a profile, checked
// and read from the command line.
#include "commands/cli.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "magento/magentoclient.h"
#include "magento/orderpager.h"
#include "net/httptransport.h"
#include "net/tlspolicy.h"
#include "profile/profilestore.h"
#include "security/credentialstore.h"
#include "sync/connectionconfig.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonObject>

#include <memory>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

QString exitCodesHelp()
{
    return tr("\nExit codes: 0 done, 1 Magento answered with an error, 2 bad command line,\n"
              "3 unknown profile or missing/invalid Magento settings or secrets, 4 no OS keychain,\n"
              "5 connection, TLS or authentication/permission (ACL) failure.\n");
}

QString overview()
{
    return tr("Usage: paybridge magento ping --profile NAME\n"
              "       paybridge magento orders --profile NAME [--updated-since ISO8601] [--format jsonl]\n"
              "\n"
              "  ping    one cheap authenticated call (an order search of one row)\n"
              "  orders  every order (or those updated since the time), one JSON object per line\n")
        + exitCodesHelp();
}

struct Connection
{
    std::unique_ptr<net::HttpTransport> transport;
    std::unique_ptr<magento::MagentoClient> client;
};

// The Magento half of a profile's configuration, with secrets from the keychain, and a
// transport with the profile's certificate pins. Errors are "config.*" (exit 3) or keychain
// errors (exit 4).
Result<magento::MagentoConfig> magentoConfigFor(const profile::Profile &profile, security::SecretStore &keychain,
                                                net::HttpTransport &transport)
{
    auto sc = syncConfigFor(profile, keychain);
    if (!sc)
        return sc.error();
    if (const Status pinned = sync::applyCertificatePins(sc.value(), transport); !pinned)
        return pinned.error();
    return sync::magentoConfigFor(sc.value());
}

// Parses the common options; on failure returns the exit code to end with.
struct Common
{
    QCommandLineParser parser;
    QCommandLineOption help{QStringList{QStringLiteral("h"), QStringLiteral("help")}, tr("Show this help.")};
    QCommandLineOption profile{QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME")};
};

std::optional<int> parse(Common &c, const QStringList &arguments, Io &io, const QString &usage)
{
    c.parser.addOptions({c.help, c.profile});
    if (!c.parser.parse(arguments)) {
        io.err() << c.parser.errorText() << '\n' << usage << Qt::flush;
        return ExitUsage;
    }
    if (c.parser.isSet(c.help)) {
        io.out() << usage << '\n' << c.parser.helpText() << exitCodesHelp() << Qt::flush;
        return ExitOk;
    }
    if (!c.parser.isSet(c.profile) || !c.parser.positionalArguments().isEmpty()) {
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    return std::nullopt;
}

// The profile's Magento client, or the exit code after printing why not.
std::variant<Connection, int> connect(const QString &profileName, Io &io)
{
    profile::ProfileStore store;
    if (const Status loaded = store.load(); !loaded) {
        io.err() << tr("Cannot read the profiles file %1: %2\n").arg(store.filePath(), loaded.error().toString())
                 << Qt::flush;
        return int(ExitConfig);
    }
    const auto profile = store.find(profileName);
    if (!profile) {
        io.err() << tr("No profile named %1 (see: paybridge profile list)\n").arg(profileName) << Qt::flush;
        return int(ExitConfig);
    }
    security::CredentialStore keychain;
    Connection c;
    c.transport = std::make_unique<net::HttpTransport>();
    auto config = magentoConfigFor(*profile, keychain, *c.transport);
    if (!config) {
        io.err() << tr("Magento settings of profile %1: %2\n").arg(profile->name, config.error().toString())
                 << Qt::flush;
        return exitCodeFor(config.error());
    }
    c.client = std::make_unique<magento::MagentoClient>(c.transport.get(), config.value());
    return c;
}

int exitCodeForFailure(const magento::Failure &f)
{
    switch (f.errorClass) {
    case net::ErrorClass::Auth:
    case net::ErrorClass::Tls:
    case net::ErrorClass::Transient:
    case net::ErrorClass::RateLimited:
        return ExitConnection;
    default:
        return ExitFailure;
    }
}

void printFailure(Io &io, const QString &what, const magento::Failure &f)
{
    io.err() << tr("%1 failed: %2\n").arg(what, f.summary());
    if (f.errorClass == net::ErrorClass::Auth) {
        // Magento answers 401 both for bad credentials and for a missing ACL resource; its
        // message names the resource in the second case.
        io.err() << tr("Magento refused the call: check the profile's Magento credentials, and that the "
                       "integration is active and grants the resource Magento names (orders need "
                       "Magento_Sales::actions_view).\n");
    }
    io.err() << Qt::flush;
}

int pingCommand(const QStringList &arguments, Io &io)
{
    const QString usage = tr("Usage: paybridge magento ping --profile NAME\n"
                             "Checks the profile's Magento URL and credentials with one order search of one row.\n");
    Common c;
    if (auto code = parse(c, arguments, io, usage))
        return *code;
    auto conn = connect(c.parser.value(c.profile), io);
    if (auto *code = std::get_if<int>(&conn))
        return *code;
    Connection &cn = std::get<Connection>(conn);

    magento::SearchCriteria criteria;
    criteria.setPageSize(1).addSortOrder(QStringLiteral("entity_id"), magento::SearchCriteria::Direction::Asc);
    int result = ExitFailure;
    QEventLoop loop;
    cn.client->searchOrders(criteria, &loop, [&](const magento::Reply<magento::OrderPage> &reply) {
        if (reply.ok()) {
            io.out() << tr("Magento OK: %1 (%2 orders visible)\n")
                            .arg(net::redactUrl(cn.client->config().baseUrl))
                            .arg(reply.value->totalCount)
                     << Qt::flush;
            result = ExitOk;
        } else {
            printFailure(io, tr("Magento ping"), reply.failure);
            result = exitCodeForFailure(reply.failure);
        }
        loop.quit();
    });
    loop.exec();
    return result;
}

QJsonValue orNull(const QString &s)
{
    return s.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(s);
}

QJsonValue isoTime(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODate)) : QJsonValue(QJsonValue::Null);
}

QString amount(const Money &m, const Currency &currency)
{
    return m.isValid() ? m.toDecimalString() : Money::zero(currency).toDecimalString();
}

// The exact jsonl record of one order (keys fixed; see `paybridge magento orders --help`).
QJsonObject orderJson(const OrderRecord &o)
{
    QJsonObject out{
        {QStringLiteral("entity_id"), QString::number(o.entityId)},
        {QStringLiteral("increment_id"), o.incrementId},
        {QStringLiteral("state"), o.state},
        {QStringLiteral("status"), o.status},
        {QStringLiteral("currency"), o.currency.code()},
        {QStringLiteral("grand_total"), amount(o.grandTotal, o.currency)},
        {QStringLiteral("total_paid"), amount(o.totalPaid, o.currency)},
        {QStringLiteral("total_refunded"), amount(o.totalRefunded, o.currency)},
        {QStringLiteral("payment_method"), o.paymentMethod},
        {QStringLiteral("last_trans_id"), orNull(o.lastTransId)},
        {QStringLiteral("card_last4"), orNull(o.cardLast4)},
        {QStringLiteral("customer_email"), o.customerEmail},
        {QStringLiteral("created_at"), isoTime(o.createdAt)},
        {QStringLiteral("updated_at"), isoTime(o.updatedAt)},
    };
    // Magento keeps 4 decimals (docs/magento.md §7): the amounts above are rounded half-even; the
    // exact ones that were finer are flagged here, only on such orders.
    if (!o.exactAmounts.isEmpty()) {
        QJsonObject exact;
        for (auto it = o.exactAmounts.cbegin(); it != o.exactAmounts.cend(); ++it)
            exact.insert(it.key(), it.value());
        out.insert(QStringLiteral("exact_amounts"), exact);
    }
    return out;
}

int ordersCommand(const QStringList &arguments, Io &io)
{
    const QString usage = tr(
        "Usage: paybridge magento orders --profile NAME [--updated-since ISO8601] [--format jsonl]\n"
        "Prints every order (or those updated at or after the time) as one JSON object per line with the keys\n"
        "entity_id, increment_id, state, status, currency, grand_total, total_paid, total_refunded (decimal\n"
        "strings in the currency's digits, zero when absent), payment_method, last_trans_id, card_last4 (null\n"
        "when absent), customer_email, created_at, updated_at (ISO 8601 UTC, e.g. 2026-06-20T18:00:00Z).\n"
        "An order whose Magento amounts are finer than the currency's digits (Magento keeps 4 decimals) has\n"
        "them rounded half-even above and also carries exact_amounts: Magento field name to exact decimal.\n");
    Common c;
    const QCommandLineOption since(QStringLiteral("updated-since"),
                                   tr("Only orders updated at or after this time (ISO 8601; UTC when no offset)."),
                                   QStringLiteral("TIME"));
    const QCommandLineOption format(QStringLiteral("format"), tr("Output format: jsonl (the only one)."),
                                    QStringLiteral("FORMAT"), QStringLiteral("jsonl"));
    c.parser.addOptions({since, format});
    if (auto code = parse(c, arguments, io, usage))
        return *code;
    if (c.parser.value(format) != u"jsonl") {
        io.err() << tr("--format: expected jsonl\n") << Qt::flush;
        return ExitUsage;
    }
    QDateTime cursor;
    if (c.parser.isSet(since)) {
        cursor = QDateTime::fromString(c.parser.value(since), Qt::ISODate);
        if (!cursor.isValid()) {
            io.err() << tr("--updated-since: not an ISO 8601 time: %1\n").arg(c.parser.value(since)) << Qt::flush;
            return ExitUsage;
        }
        if (cursor.timeSpec() == Qt::LocalTime)
            cursor.setTimeSpec(Qt::UTC); // no offset given: UTC, like every Magento time
        cursor = cursor.toUTC();
    }

    auto conn = connect(c.parser.value(c.profile), io);
    if (auto *code = std::get_if<int>(&conn))
        return *code;
    Connection &cn = std::get<Connection>(conn);

    magento::OrderPager pager(cn.client.get());
    int result = ExitFailure;
    QEventLoop loop;
    QObject::connect(&pager, &magento::OrderPager::pageReady, &loop, [&](const QList<OrderRecord> &orders) {
        for (const OrderRecord &o : orders)
            io.printJsonLine(orderJson(o));
        io.out() << Qt::flush;
    });
    // A record that does not read is named on stderr; stdout stays one order per line.
    QObject::connect(&pager, &magento::OrderPager::rejected, &loop, [&](const QList<RejectedRecord> &bad) {
        for (const RejectedRecord &r : bad)
            io.err() << tr("order %1 does not read (%2): %3\n").arg(r.externalId, r.field, r.reason);
        io.err().flush();
    });
    QObject::connect(&pager, &magento::OrderPager::finished, &loop, [&](const QDateTime &, int) {
        result = ExitOk;
        loop.quit();
    });
    QObject::connect(&pager, &magento::OrderPager::failed, &loop, [&](const magento::Failure &f) {
        printFailure(io, tr("Reading Magento orders"), f);
        result = exitCodeForFailure(f);
        loop.quit();
    });
    // No overlap: the user asked for a precise lower bound.
    pager.start(cursor, 0, 100);
    loop.exec();
    return result;
}

} // namespace

int magentoCommand(const QStringList &arguments, Io &io)
{
    const QString sub = arguments.value(1);
    if (sub == u"ping")
        return pingCommand(arguments.mid(1), io);
    if (sub == u"orders")
        return ordersCommand(arguments.mid(1), io);
    if (sub == u"--help" || sub == u"-h") {
        io.out() << overview() << Qt::flush;
        return ExitOk;
    }
    if (sub.isEmpty())
        io.err() << overview() << Qt::flush;
    else
        io.err() << tr("Unknown magento command: %1\n").arg(sub) << overview() << Qt::flush;
    return ExitUsage;
}

} // namespace pb::app
