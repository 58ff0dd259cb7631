// `paybridge refund|void|capture --profile P --order INCREMENT_ID [--amount X] --reason TEXT [--queue]`
#include "commands/cli.h"
#include "commands/commandsupport.h"
#include "commands/exitcodes.h"
#include "commands/output.h"

#include "store/database.h"
#include "store/orderrepository.h"
#include "sync/operations.h"
#include "sync/orderpayment.h"
#include "sync/syncservice.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QFileInfo>

namespace pb::app {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("paybridge", text);
}

// The order's currency as the local store has it: the amount on the command line is exact
// decimal text in that currency, so it is parsed only once the currency is known.
// The currency --amount is in: what the card was charged in for PayTrace operations (the
// order's base currency, docs/magento.md §8), the order's own for a Magento credit memo.
Result<Currency> orderCurrency(const QString &databasePath, const QString &incrementId, bool charged)
{
    if (!QFileInfo::exists(databasePath))
        return makeError(QStringLiteral("operation.no_store"), QStringLiteral("--order"),
                         QStringLiteral("the profile has no local store yet; run a sync first"));
    const QString connection = QStringLiteral("paybridge-cli-operation");
    Result<Currency> result = makeError(QStringLiteral("operation.order_unknown"), QStringLiteral("--order"), {});
    {
        auto db = store::Database::openReader(databasePath, connection);
        if (!db)
            return db.error();
        store::OrderRepository orders(db.value());
        const auto found = orders.findByIncrementId(incrementId);
        if (!found)
            result = found.error();
        else if (!found.value())
            result = makeError(QStringLiteral("operation.order_unknown"), QStringLiteral("--order"),
                               QStringLiteral("no order %1 in the local store (run a sync if it is new)").arg(incrementId));
        else
            result = charged ? sync::chargedCurrency(*found.value()) : found.value()->currency;
    }
    store::Database::close(connection);
    return result;
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

void printOutcome(Io &io, const sync::OperationOutcome &outcome)
{
    QTextStream &out = outcome.kind == sync::OperationOutcome::Kind::Succeeded
            || outcome.kind == sync::OperationOutcome::Kind::Queued
        ? io.out()
        : io.err();
    out << (outcome.message.isEmpty() ? sync::outcomeKindName(outcome.kind) : outcome.message) << '\n';
    // name=value lines on standard output in every case, for scripts.
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

int operationCommand(sync::OperationKind kind, const QStringList &arguments, Io &io)
{
    QCommandLineParser parser;
    const QString name = kind == sync::OperationKind::CreditMemo ? QStringLiteral("credit-memo") : sync::operationKindName(kind);
    switch (kind) {
    case sync::OperationKind::Refund:
        parser.setApplicationDescription(
            tr("Refund an order's payment at PayTrace (a void instead while it is not settled), then the Magento "
               "offline credit memo and the ERP entry, each exactly once. Without --amount: everything refundable."));
        break;
    case sync::OperationKind::Void:
        parser.setApplicationDescription(
            tr("Void an order's open authorization or unsettled sale at PayTrace, then cancel the Magento order "
               "and write the ERP entry, each exactly once."));
        break;
    case sync::OperationKind::Capture:
        parser.setApplicationDescription(
            tr("Capture an order's authorization at PayTrace, then the Magento invoice (without a Magento capture) "
               "and the ERP entry, each exactly once. Without --amount: everything still authorized."));
        break;
    case sync::OperationKind::CreditMemo:
        parser.setApplicationDescription(
            tr("Record in Magento, as an offline credit memo, money PayTrace already gave back (a refund made in "
               "PayTrace's terminal), exactly once; PayTrace is not called. Without --amount: everything Magento "
               "took and has not credited."));
        break;
    case sync::OperationKind::Charge:
        parser.setApplicationDescription(
            tr("Charge a customer's card on file in the PayTrace vault for an unpaid order, then the Magento "
               "invoice and the ERP entries, each exactly once."));
        break;
    }
    const QCommandLineOption profileOpt(QStringLiteral("profile"), tr("Profile name."), QStringLiteral("NAME"));
    const QCommandLineOption orderOpt(QStringLiteral("order"), tr("Magento order number (increment id)."),
                                      QStringLiteral("INCREMENT_ID"));
    const QCommandLineOption amountOpt(QStringLiteral("amount"),
                                       tr("Exact amount in the order's currency, e.g. 25.00 (not for void)."),
                                       QStringLiteral("X"));
    const QCommandLineOption reasonOpt(QStringLiteral("reason"), tr("Why (kept on every step and in the audit log)."),
                                       QStringLiteral("TEXT"));
    const QCommandLineOption queueOpt(QStringLiteral("queue"),
                                      tr("Only plan the work; a running `paybridge serve` carries it out."));
    parser.addOptions({profileOpt, orderOpt, amountOpt, reasonOpt, queueOpt});
    int code = ExitOk;
    if (!parseCommandLine(parser, arguments, io, &code))
        return code;

    const QString usage = kind == sync::OperationKind::Void
        ? tr("Usage: paybridge void --profile NAME --order INCREMENT_ID --reason TEXT [--queue]\n")
        : tr("Usage: paybridge %1 --profile NAME --order INCREMENT_ID [--amount X] --reason TEXT [--queue]\n").arg(name);
    if (!parser.positionalArguments().isEmpty() || !parser.isSet(profileOpt) || !parser.isSet(orderOpt)
        || !parser.isSet(reasonOpt)) {
        io.err() << usage << Qt::flush;
        return ExitUsage;
    }
    if (kind == sync::OperationKind::Void && parser.isSet(amountOpt)) {
        io.err() << tr("--amount: a void always takes the whole authorization or sale\n") << usage << Qt::flush;
        return ExitUsage;
    }
    const QString order = parser.value(orderOpt).trimmed();
    if (order.isEmpty()) {
        io.err() << tr("--order: empty order number\n") << usage << Qt::flush;
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

    sync::OperationRequest request;
    request.kind = kind;
    request.orderIncrementId = order;
    request.reason = reason;
    request.actor = *actor;
    request.planOnly = parser.isSet(queueOpt);
    if (parser.isSet(amountOpt)) {
        const auto currency = orderCurrency(config->databasePath, order, kind != sync::OperationKind::CreditMemo);
        if (!currency) {
            io.err() << tr("Cannot read order %1: %2\n").arg(order, currency.error().toString()) << Qt::flush;
            return currency.error().code.startsWith(u"operation.") ? ExitFailure : exitCodeFor(currency.error());
        }
        const auto amount = Money::parse(parser.value(amountOpt), currency.value());
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
    int result = ExitFailure;
    bool done = false;
    QEventLoop loop; // the command's own main loop: nothing else runs in this process
    service.requestOperation(request, &loop, [&](const sync::OperationOutcome &outcome) {
        printOutcome(io, outcome);
        result = exitCodeForOutcome(outcome);
        done = true;
        loop.quit();
    });
    if (!done)
        loop.exec();
    return result;
}

} // namespace

int refundCommand(const QStringList &arguments, Io &io)
{
    return operationCommand(sync::OperationKind::Refund, arguments, io);
}

int voidCommand(const QStringList &arguments, Io &io)
{
    return operationCommand(sync::OperationKind::Void, arguments, io);
}

int captureCommand(const QStringList &arguments, Io &io)
{
    return operationCommand(sync::OperationKind::Capture, arguments, io);
}

int creditMemoCommand(const QStringList &arguments, Io &io)
{
    return operationCommand(sync::OperationKind::CreditMemo, arguments, io);
}

} // namespace pb::app
