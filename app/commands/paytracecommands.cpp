// `paybridge paytrace ping|export|batches|batch`: read-only PayTrace reports from a profile.
#include "commands/cli.h"
#include "commands/exitcodes.h"
#include "commands/output.h"
#include "commands/syncsetup.h"

#include "net/httptransport.h"
#include "net/tlspolicy.h"
#include "paytrace/paytraceclient.h"
#include "paytrace/tokenmanager.h"
#include "profile/profilestore.h"
#include "security/credentialstore.h"
#include "sync/connectionconfig.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace pb::app {

namespace {

using paytrace::Outcome;

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

QString overview()
{
    return tr("Usage: paybridge paytrace SUBCOMMAND --profile NAME [options]\n"
              "\n"
              "Read-only PayTrace reports for a profile (credentials from the OS keychain).\n"
              "\n"
              "Subcommands:\n"
              "  ping                       check that PayTrace answers and the API user can sign in\n"
              "  export --from D --to D     transactions created on those days (Pacific), one JSON per line\n"
              "  batches --from D --to D    settlement batches closed on those days, one JSON per line\n"
              "  batch --number N           one batch summary (--transactions: its transactions instead)\n"
              "\n"
              "Dates are YYYY-MM-DD; --format jsonl is the only (and default) format.\n"
              "Exit codes: 0 success, 1 PayTrace refused the request, 2 bad command line,\n"
              "  3 unknown profile or missing secret, 4 no OS keychain, 5 connection or sign-in failure\n");
}

QJsonValue isoOrNull(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODate)) : QJsonValue(QJsonValue::Null);
}

QJsonObject transactionLine(const GatewayTransaction &t)
{
    const QString type = t.type == GatewayTransaction::Type::Unknown ? t.typeText.toLower()
                                                                     : GatewayTransaction::typeName(t.type);
    return QJsonObject{
        {"transaction_id"_L1, t.transactionId},
        {"type"_L1, type},
        {"amount"_L1, t.amount.toDecimalString()},
        {"currency"_L1, t.amount.currency().code()},
        {"status"_L1, GatewayTransaction::statusName(t.status)},
        {"batch"_L1, t.batch.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(t.batch)},
        {"invoice_id"_L1, t.invoiceId},
        {"card_last4"_L1, t.cardLast4},
        {"created_at"_L1, isoOrNull(t.createdAt)},
        {"settled_at"_L1, isoOrNull(t.settledAt)},
    };
}

QJsonObject batchLine(const paytrace::BatchSummary &b)
{
    const auto count = [](const std::optional<qint64> &n) { return n ? QJsonValue(double(*n)) : QJsonValue(QJsonValue::Null); };
    const auto money = [](const std::optional<Money> &m) {
        return m ? QJsonValue(m->toDecimalString()) : QJsonValue(QJsonValue::Null);
    };
    return QJsonObject{
        {"batch"_L1, b.number},
        {"closed_at"_L1, isoOrNull(b.closedAt)},
        {"currency"_L1, u"USD"_s}, // PayTrace v1 is USD only
        {"transaction_count"_L1, count(b.transactionCount)},
        {"net_amount"_L1, money(b.netAmount)},
        {"sales_count"_L1, count(b.salesCount)},
        {"sales_amount"_L1, money(b.salesAmount)},
        {"refund_count"_L1, count(b.refundCount)},
        {"refund_amount"_L1, money(b.refundAmount)},
    };
}

int exitCodeFor(const Outcome &out)
{
    switch (out.kind) {
    case Outcome::Kind::Approved:
        return ExitOk;
    case Outcome::Kind::AuthFailure:
    case Outcome::Kind::Transient:
    case Outcome::Kind::RateLimited:
    case Outcome::Kind::InDoubt:
        return ExitConnection;
    default:
        return ExitFailure;
    }
}

int failed(Io &io, const Outcome &out)
{
    io.err() << tr("PayTrace: %1\n").arg(out.summary()) << Qt::flush;
    return exitCodeFor(out);
}

std::optional<QDate> dateOption(QCommandLineParser &parser, const QString &name, Io &io)
{
    const QDate d = QDate::fromString(parser.value(name), Qt::ISODate);
    if (!d.isValid() || parser.value(name).size() != 10) {
        io.err() << tr("--%1 must be a date YYYY-MM-DD, got \"%2\"\n").arg(name, parser.value(name)) << Qt::flush;
        return std::nullopt;
    }
    return d;
}

// Waits on the command's own event loop: nothing else runs in this process.
template<typename F>
void runLoop(F start)
{
    QEventLoop loop;
    start([&loop]() { loop.quit(); });
    loop.exec();
}

} // namespace

int paytraceCommand(const QStringList &arguments, Io &io)
{
    const QStringList rest = arguments.mid(1);
    if (rest.isEmpty() || rest.first() == u"--help" || rest.first() == u"-h") {
        (rest.isEmpty() ? io.err() : io.out()) << overview() << Qt::flush;
        return rest.isEmpty() ? ExitUsage : ExitOk;
    }
    const QString sub = rest.first();
    if (sub != u"ping" && sub != u"export" && sub != u"batches" && sub != u"batch") {
        io.err() << tr("Unknown paytrace subcommand: %1\n").arg(sub) << overview() << Qt::flush;
        return ExitUsage;
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(overview());
    const QCommandLineOption help(QStringList{u"h"_s, u"help"_s}, tr("Show this help."));
    const QCommandLineOption profileOpt(u"profile"_s, tr("Profile name."), u"NAME"_s);
    const QCommandLineOption fromOpt(u"from"_s, tr("First day, YYYY-MM-DD."), u"DATE"_s);
    const QCommandLineOption toOpt(u"to"_s, tr("Last day, YYYY-MM-DD."), u"DATE"_s);
    const QCommandLineOption formatOpt(u"format"_s, tr("Output format: jsonl."), u"FORMAT"_s, u"jsonl"_s);
    const QCommandLineOption numberOpt(u"number"_s, tr("Batch number."), u"N"_s);
    const QCommandLineOption transactionsOpt(u"transactions"_s, tr("List the batch's transactions."));
    parser.addOptions({help, profileOpt});
    if (sub == u"export" || sub == u"batches")
        parser.addOptions({fromOpt, toOpt, formatOpt});
    if (sub == u"batch")
        parser.addOptions({numberOpt, formatOpt, transactionsOpt});
    if (!parser.parse(rest)) {
        io.err() << parser.errorText() << '\n' << parser.helpText() << Qt::flush;
        return ExitUsage;
    }
    if (parser.isSet(help)) {
        io.out() << tr("Usage: paybridge paytrace %1 --profile NAME [options]\n").arg(sub) << parser.helpText() << Qt::flush;
        return ExitOk;
    }
    // parse() takes rest[0] (the subcommand) as the program name, like `sync` does.
    if (!parser.positionalArguments().isEmpty() || !parser.isSet(profileOpt)) {
        io.err() << tr("Usage: paybridge paytrace %1 --profile NAME [options] (see --help)\n").arg(sub) << Qt::flush;
        return ExitUsage;
    }
    QDate from, to;
    if (sub == u"export" || sub == u"batches") {
        if (!parser.isSet(fromOpt) || !parser.isSet(toOpt)) {
            io.err() << tr("paytrace %1 needs --from and --to\n").arg(sub) << Qt::flush;
            return ExitUsage;
        }
        const auto f = dateOption(parser, u"from"_s, io);
        const auto t = dateOption(parser, u"to"_s, io);
        if (!f || !t)
            return ExitUsage;
        from = *f;
        to = *t;
        if (from > to || from.daysTo(to) > 365) {
            io.err() << tr("--from must not be after --to, and the range is at most 366 days\n") << Qt::flush;
            return ExitUsage;
        }
    }
    if (parser.value(formatOpt) != u"jsonl" && (sub != u"ping")) {
        io.err() << tr("Unknown --format %1 (only jsonl)\n").arg(parser.value(formatOpt)) << Qt::flush;
        return ExitUsage;
    }
    QString batchNumber;
    if (sub == u"batch") {
        batchNumber = parser.value(numberOpt);
        bool numeric = !batchNumber.isEmpty();
        for (QChar c : std::as_const(batchNumber))
            numeric = numeric && c.isDigit();
        if (!numeric) {
            io.err() << tr("paytrace batch needs --number N (digits)\n") << Qt::flush;
            return ExitUsage;
        }
    }

    profile::ProfileStore store;
    if (const Status loaded = store.load(); !loaded) {
        io.err() << tr("Cannot read the profiles file %1: %2\n").arg(store.filePath(), loaded.error().toString()) << Qt::flush;
        return ExitConfig;
    }
    const auto profile = store.find(parser.value(profileOpt));
    if (!profile) {
        io.err() << tr("No profile named %1 (see: paybridge profile list)\n").arg(parser.value(profileOpt)) << Qt::flush;
        return ExitConfig;
    }
    security::CredentialStore keychain;
    const auto config = syncConfigFor(*profile, keychain);
    if (!config) {
        io.err() << tr("Cannot read the secrets of profile %1: %2\n").arg(profile->name, config.error().toString()) << Qt::flush;
        return exitCodeFor(config.error());
    }
    const auto pc = sync::paytraceConfigFor(config.value());
    if (!pc) {
        if (pc.error().code == u"config.missing_secret")
            io.err() << tr("Profile %1 has no %2 (set it with: paybridge profile set-secret %1 %2)\n")
                            .arg(profile->name, pc.error().field)
                     << Qt::flush;
        else
            io.err() << tr("PayTrace settings of profile %1: %2\n").arg(profile->name, pc.error().toString()) << Qt::flush;
        return ExitConfig;
    }

    net::HttpTransport transport;
    if (const Status pinned = sync::applyCertificatePins(config.value(), transport); !pinned) {
        io.err() << tr("Profile %1: %2\n").arg(profile->name, pinned.error().toString()) << Qt::flush;
        return ExitConfig;
    }
    paytrace::PayTraceClient client(&transport, pc.value());
    int result = ExitFailure;

    if (sub == u"ping") {
        runLoop([&](auto quit) {
            client.ping(nullptr, [&, quit](const Outcome &out) {
                if (!out.ok()) {
                    result = failed(io, out);
                    quit();
                    return;
                }
                // ping needs no token; sign in too so that wrong credentials show here.
                client.tokens()->withToken(nullptr, [&, quit](const QString &token, const Outcome &failure) {
                    if (token.isEmpty()) {
                        result = failed(io, failure);
                    } else {
                        io.out() << tr("PayTrace at %1 answers; API user %2 signed in.\n")
                                        .arg(net::redactUrl(pc->baseUrl), pc->username)
                                 << Qt::flush;
                        result = ExitOk;
                    }
                    quit();
                });
            });
        });
        return result;
    }
    if (sub == u"export") {
        runLoop([&](auto quit) {
            client.exportTransactionsByDateRange(
                from, to, {}, nullptr,
                [&](const paytrace::ExportDay &day) {
                    for (const GatewayTransaction &t : day.transactions)
                        io.printJsonLine(transactionLine(t));
                    io.out().flush();
                    for (const RejectedRecord &r : day.rejected)
                        io.err() << tr("transaction %1 does not read (%2): %3\n").arg(r.externalId, r.field, r.reason);
                    io.err().flush();
                },
                [&, quit](const Outcome &out) {
                    result = out.ok() ? ExitOk : failed(io, out);
                    quit();
                });
        });
        return result;
    }
    if (sub == u"batches") {
        QObject::connect(&client, &paytrace::PayTraceClient::rejected, &client, [&](const QList<RejectedRecord> &bad) {
            for (const RejectedRecord &r : bad)
                io.err() << tr("batch %1 does not read (%2): %3\n").arg(r.externalId, r.field, r.reason);
            io.err().flush();
        });
        runLoop([&](auto quit) {
            client.exportBatches(from, to, nullptr, [&, quit](const Outcome &out, const QList<paytrace::BatchSummary> &list) {
                if (out.ok()) {
                    for (const auto &b : list)
                        io.printJsonLine(batchLine(b));
                    io.out().flush();
                    result = ExitOk;
                } else {
                    result = failed(io, out);
                }
                quit();
            });
        });
        return result;
    }
    runLoop([&](auto quit) {
        if (parser.isSet(transactionsOpt)) {
            client.batchTransactions(batchNumber, nullptr, [&, quit](const Outcome &out, const QList<GatewayTransaction> &list) {
                if (out.ok()) {
                    for (const auto &t : list)
                        io.printJsonLine(transactionLine(t));
                    io.out().flush();
                    result = ExitOk;
                } else {
                    result = failed(io, out);
                }
                quit();
            });
            return;
        }
        client.exportBatch(batchNumber, nullptr, [&, quit](const Outcome &out, const std::optional<paytrace::BatchSummary> &b) {
            if (out.ok() && b) {
                io.printJsonLine(batchLine(*b));
                io.out().flush();
                result = ExitOk;
            } else if (out.ok()) {
                io.err() << tr("PayTrace has no batch %1\n").arg(batchNumber) << Qt::flush;
                result = ExitFailure;
            } else {
                result = failed(io, out);
            }
            quit();
        });
    });
    return result;
}

} // namespace pb::app
