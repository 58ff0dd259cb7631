// `paybridge charge --profile NAME --order INCREMENT_ID --vault-customer ID [--amount X]
//  [--authorize-only] --reason TEXT [--preview]`: a sale (or authorization) on a card saved in the
// PayTrace vault for an unpaid Magento order, then the Magento invoice (or an order note) and the
// ERP entry, through the same intent path and exit codes as `paybridge refund`
// (docs/customers.md, "Charging a saved card").
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"

#include "store/customerrepository.h"
#include "store/database.h"
#include "store/orderrepository.h"
#include "sync/operations.h"
#include "sync/orderpayment.h"
#include "sync/syncservice.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDate>
#include <QDateTime>
#include <QEventLoop>
#include <QFileInfo>

namespace pb::app {

namespace {

using namespace Qt::StringLiterals;

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

// What the local store knows before the engine is asked: the currency --amount is in (the
// order's base currency, the one the card is charged in: docs/magento.md §8) and the card on
// file, for the preview. Neither decides anything: the engine checks the order and the vault
// profile again when it plans.
struct LocalFacts
{
    std::optional<Currency> currency;
    std::optional<VaultProfileRecord> vault;
};

Result<LocalFacts> readLocalFacts(const QString &databasePath, const QString &incrementId, const QString &vaultId)
{
    if (!QFileInfo::exists(databasePath))
        return makeError(u"operation.no_store"_s, u"--order"_s, u"the profile has no local store yet; run a sync first"_s);
    const QString connection = u"paybridge-cli-charge"_s;
    Result<LocalFacts> result = LocalFacts{};
    {
        auto db = store::Database::openReader(databasePath, connection);
        if (!db) {
            result = db.error();
        } else {
            LocalFacts facts;
            store::OrderRepository orders(db.value());
            const auto found = orders.findByIncrementId(incrementId);
            if (!found)
                result = found.error();
            else if (found.value())
                facts.currency = sync::chargedCurrency(*found.value());
            if (result) {
                store::CustomerRepository customers(db.value());
                const auto profile = customers.vaultProfile(vaultId);
                if (profile && profile.value() && !profile.value()->deletedAt.isValid())
                    facts.vault = *profile.value();
                result = std::move(facts);
            }
        }
    }
    store::Database::close(connection);
    return result;
}

QString moneyText(const Money &m)
{
    return m.isValid() ? m.toString() : u"-"_s;
}

int exitCodeForOutcome(const sync::OperationOutcome &outcome)
{
    using K = sync::OperationOutcome::Kind;
    switch (outcome.kind) {
    case K::Succeeded:
    case K::Queued:
        return ExitOk;
    case K::Refused:
    case K::AwaitingApproval: // nothing was sent: a finance operator has to approve first
        return ExitRefused;
    case K::InDoubt:
    case K::Failed:
        break;
    }
    const int code = exitCodeFor(Error{outcome.errorCode, {}, {}});
    return code == ExitConnection ? ExitConnection : ExitFailure;
}

// The same name=value lines as `paybridge refund`, so one script reads both.
void printOutcome(Io &io, const sync::OperationOutcome &outcome)
{
    const bool good = outcome.kind == sync::OperationOutcome::Kind::Succeeded
        || outcome.kind == sync::OperationOutcome::Kind::Queued;
    QTextStream &out = good ? io.out() : io.err();
    out << (outcome.message.isEmpty() ? sync::outcomeKindName(outcome.kind) : outcome.message) << '\n';
    io.out() << "outcome=" << sync::outcomeKindName(outcome.kind) << '\n';
    if (!outcome.errorCode.isEmpty())
        io.out() << "error_code=" << outcome.errorCode << '\n';
    if (outcome.approvalId)
        io.out() << "approval_id=" << *outcome.approvalId << '\n';
    io.out() << "gateway_ref=" << outcome.gatewayRef << '\n';
    for (const intents::Intent &intent : outcome.intents) {
        io.out() << "intent=" << intent.id << ' ' << intents::kindName(intent.kind) << ' '
                 << intents::stateName(intent.state) << ' ' << intent.naturalKey << '\n';
    }
    io.out() << Qt::flush;
    out << Qt::flush;
}

// The preview (what the order owes, the card) and the review (each step, in order), as the
// console's charge dialog shows them before its Confirm button.
void printPreview(Io &io, const sync::OperationPreview &p, const sync::OperationRequest &request,
                  const std::optional<VaultProfileRecord> &vault)
{
    QTextStream &out = io.out();
    out << (request.authorizeOnly ? tr("Authorization of order %1 on the card saved in vault profile %2\n")
                                  : tr("Charge of order %1 to the card saved in vault profile %2\n"))
               .arg(p.orderIncrementId.isEmpty() ? request.orderIncrementId : p.orderIncrementId,
                    request.vaultCustomerId);
    if (vault) {
        const QString card = vault->cardLast4.isEmpty()
            ? tr("no card details known")
            : tr("%1 ending %2, expires %3")
                  .arg(vault->cardType.isEmpty() ? tr("card") : vault->cardType, vault->cardLast4,
                       vault->expiryText().isEmpty() ? tr("(unknown)") : vault->expiryText());
        out << tr("  card: %1\n").arg(card);
    }
    out << tr("  amount: %1\n").arg(moneyText(p.amount));
    if (p.remaining.isValid())
        out << tr("  due on the order before this: %1\n").arg(moneyText(p.remaining));
    for (const QString &line : p.earlier)
        out << tr("  earlier: %1\n").arg(line);
    if (p.needsApproval)
        out << tr("When you confirm, PayBridge asks a finance operator for approval; once approved, it will:\n");
    else
        out << tr("When you confirm, PayBridge will:\n");
    for (int i = 0; i < p.steps.size(); ++i)
        out << u"  %1. %2\n"_s.arg(i + 1).arg(p.steps.at(i));
    out << tr("Reason: %1\n").arg(request.reason);
    // name=value lines for scripts, as for the outcome.
    out << "order=" << request.orderIncrementId << '\n'
        << "vault_customer=" << request.vaultCustomerId << '\n'
        << "amount=" << (p.amount.isValid() ? p.amount.toDecimalString() : QString()) << '\n'
        << "currency=" << (p.amount.isValid() ? p.amount.currency().code() : QString()) << '\n'
        << "authorize_only=" << (request.authorizeOnly ? "true" : "false") << '\n'
        << "needs_approval=" << (p.needsApproval ? "true" : "false") << '\n'
        << Qt::flush;
}

} // namespace

int chargeCommand(const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Charge a card saved in the PayTrace vault for an unpaid Magento order (a phone order, a failed "
           "checkout): a sale by vault customer (an authorization with --authorize-only), then the Magento invoice "
           "(for an authorization: a comment on the order) and the ERP entry, each exactly once. Prints what it "
           "will do first, then sends it like paybridge refund; --preview stops before anything is sent. Without --amount: "
           "what is still due on the order."));
    const QCommandLineOption profileOpt(u"profile"_s, tr("Profile name."), u"NAME"_s);
    const QCommandLineOption orderOpt(u"order"_s, tr("Magento order number (increment id)."), u"INCREMENT_ID"_s);
    const QCommandLineOption vaultOpt(u"vault-customer"_s,
                                      tr("The PayTrace vault profile (customer_id) whose card is charged."), u"ID"_s);
    const QCommandLineOption amountOpt(u"amount"_s,
                                       tr("Exact amount in the order's base currency, e.g. 25.00 (default: what is "
                                          "due)."),
                                       u"X"_s);
    const QCommandLineOption authorizeOpt(u"authorize-only"_s,
                                          tr("Only authorize (capture later with paybridge capture)."));
    const QCommandLineOption reasonOpt(u"reason"_s, tr("Why (kept on every step and in the audit log)."), u"TEXT"_s);
    const QCommandLineOption previewOpt(u"preview"_s, tr("Only show what the charge would do; send nothing."));
    parser.addOptions({profileOpt, orderOpt, vaultOpt, amountOpt, authorizeOpt, reasonOpt, previewOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;

    const QString usage = tr("Usage: paybridge charge --profile NAME --order INCREMENT_ID --vault-customer ID "
                             "[--amount X] [--authorize-only] --reason TEXT [--preview]\n");
    if (!parser.positionalArguments().isEmpty() || !parser.isSet(profileOpt) || !parser.isSet(orderOpt)
        || !parser.isSet(vaultOpt) || !parser.isSet(reasonOpt)) {
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    const QString order = parser.value(orderOpt).trimmed();
    if (order.isEmpty()) {
        io.err() << tr("--order: empty order number\n") << usage << Qt::flush;
        return ExitUsage;
    }
    const QString vaultId = parser.value(vaultOpt).trimmed();
    if (vaultId.isEmpty()) {
        io.err() << tr("--vault-customer: empty vault customer id\n") << usage << Qt::flush;
        return ExitUsage;
    }
    const QString reason = parser.value(reasonOpt).trimmed();
    if (reason.isEmpty()) {
        io.err() << tr("--reason: say why (it is kept on every step and in the audit log)\n") << Qt::flush;
        return ExitUsage;
    }

    const auto config = loadEngineConfig(parser.value(profileOpt), io, &code);
    if (!config)
        return code;
    const auto actor = actingAccount(io, &code);
    if (!actor)
        return code;

    const auto facts = readLocalFacts(config->databasePath, order, vaultId);
    if (!facts) {
        io.err() << tr("Cannot read order %1: %2\n").arg(order, facts.error().toString()) << Qt::flush;
        return facts.error().code.startsWith(u"operation.") ? ExitFailure : exitCodeFor(facts.error());
    }

    sync::OperationRequest request;
    request.kind = sync::OperationKind::Charge;
    request.orderIncrementId = order;
    request.vaultCustomerId = vaultId;
    request.authorizeOnly = parser.isSet(authorizeOpt);
    request.reason = reason;
    request.actor = *actor;
    if (parser.isSet(amountOpt)) {
        if (!facts->currency) {
            io.err() << tr("Cannot read order %1: no order %1 in the local store (run a sync if it is new)\n").arg(order)
                     << Qt::flush;
            return ExitFailure;
        }
        const auto amount = Money::parse(parser.value(amountOpt), *facts->currency);
        if (!amount) {
            io.err() << tr("--amount: %1\n").arg(amount.error().message) << Qt::flush;
            return ExitUsage;
        }
        if (amount->minor() <= 0) {
            io.err() << tr("--amount: must be more than zero, got %1\n").arg(parser.value(amountOpt)) << Qt::flush;
            return ExitUsage;
        }
        request.amount = amount.value();
    }

    sync::SyncService service(*config);
    // Preview and review first, the same look the console gives before its Confirm button.
    const auto preview = awaitAnswer<Result<sync::OperationPreview>>([&](QObject *context, auto done) {
        service.previewOperation(request, context, done);
    });
    if (!preview) {
        io.err() << tr("PayBridge could not work out what this charge would do: %1\n").arg(preview.error().toString())
                 << Qt::flush;
        io.out() << "outcome=" << sync::outcomeKindName(sync::OperationOutcome::Kind::Failed) << '\n'
                 << "error_code=" << preview.error().code << '\n'
                 << Qt::flush;
        return preview.error().code.startsWith(u"access.") || preview.error().code.startsWith(u"invariant.")
            ? ExitRefused
            : exitCodeFor(preview.error());
    }
    if (!preview->allowed) {
        io.err() << (preview->refusal.isEmpty() ? tr("This charge is not possible for this order.") : preview->refusal)
                 << '\n'
                 << Qt::flush;
        io.out() << "outcome=" << sync::outcomeKindName(sync::OperationOutcome::Kind::Refused) << '\n' << Qt::flush;
        return ExitRefused;
    }
    printPreview(io, *preview, request, facts->vault);
    if (parser.isSet(previewOpt)) {
        io.err() << tr("Nothing was sent (--preview). Run the same command without it to charge.\n") << Qt::flush;
        io.out() << "outcome=previewed\n" << Qt::flush;
        return ExitOk;
    }

    const auto outcome = awaitAnswer<sync::OperationOutcome>([&](QObject *context, auto done) {
        service.requestOperation(request, context, done);
    });
    printOutcome(io, outcome);
    return exitCodeForOutcome(outcome);
}

} // namespace pb::app
