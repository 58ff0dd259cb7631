// SyncEngine: the intent path for people's requests (preview, request, resolve, discard,
// replay). The execution itself is the IntentRunner's.
#include "sync/syncengine.h"

#include "access/approvalstore.h"
#include "access/permissions.h"
#include "log/categories.h"
#include "paytrace/parser.h"
#include "store/customerrepository.h"
#include "sync/intentrunner.h"
#include "sync/operationplanner.h"
#include "sync/orderpayment.h"

#include <QCoreApplication>
#include <QJsonDocument>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

using intents::Intent;
using intents::IntentKind;
using intents::IntentState;

QString tr(const char *text)
{
    return QCoreApplication::translate("pb::sync::SyncEngine", text);
}

bool isSystemActor(const QString &actor)
{
    return actor.startsWith(u"system:");
}

// A charge's vault profile as the store holds it, for the planner's checks and preview.
std::optional<VaultProfileRecord> vaultFor(QSqlDatabase &db, const OperationRequest &r)
{
    if (r.kind != OperationKind::Charge || r.vaultCustomerId.trimmed().isEmpty())
        return std::nullopt;
    auto v = store::CustomerRepository(db).vaultProfile(r.vaultCustomerId.trimmed());
    if (!v) {
        qCWarning(lcSync) << "cannot read vault profile" << r.vaultCustomerId << v.error().toString();
        return std::nullopt;
    }
    return v.value();
}

access::Action actionFor(const OperationRequest &r, const OperationPreview &preview)
{
    switch (r.kind) {
    case OperationKind::Capture: return access::Action::Capture;
    case OperationKind::Void: return access::Action::Void;
    case OperationKind::Refund:
        return preview.amount.isValid() && preview.remaining.isValid()
                       && preview.amount.compare(preview.remaining) == std::strong_ordering::less
                   ? access::Action::PartialRefund
                   : access::Action::Refund;
    case OperationKind::CreditMemo: return access::Action::Refund; // gives money back on the books
    case OperationKind::Charge: return access::Action::Charge;
    }
    return access::Action::Refund;
}

QString kindInWords(IntentKind k)
{
    switch (k) {
    case IntentKind::PayTraceCapture: return tr("PayTrace capture");
    case IntentKind::PayTraceVoid: return tr("PayTrace void");
    case IntentKind::PayTraceRefund: return tr("PayTrace refund");
    case IntentKind::PayTraceSale: return tr("PayTrace sale");
    case IntentKind::MagentoComment: return tr("Magento comment");
    case IntentKind::MagentoInvoice: return tr("Magento invoice");
    case IntentKind::MagentoCreditMemo: return tr("Magento credit memo");
    case IntentKind::MagentoCancel: return tr("Magento cancel");
    case IntentKind::ErpEntry: return tr("ERP journal entry");
    case IntentKind::PayTraceCustomerUpdate: return tr("PayTrace vault profile update");
    case IntentKind::MagentoCustomerUpdate: return tr("Magento customer update");
    case IntentKind::PayTraceCustomerDelete: return tr("PayTrace vault profile delete");
    case IntentKind::PayTraceCustomerCard: return tr("PayTrace card on file");
    }
    return intents::kindName(k);
}

// Where a chain stands, or nullopt while it is still moving.
std::optional<OperationOutcome> settle(const QList<Intent> &chain, const QDateTime &now)
{
    OperationOutcome out;
    out.intents = chain;
    if (!chain.isEmpty())
        out.gatewayRef = chain.first().resultRef;
    bool moving = false;
    for (const Intent &i : chain) {
        switch (i.state) {
        case IntentState::Dead:
            out.kind = i.deadReason.startsWith(u"invariant.") ? OperationOutcome::Kind::Refused
                                                                : OperationOutcome::Kind::Failed;
            out.errorCode = i.deadReason;
            out.message = tr("%1 failed: %2. Nothing further was sent. Fix the cause, then replay it from the Queue page.")
                              .arg(kindInWords(i.kind), i.lastError.isEmpty() ? i.deadReason : i.lastError);
            return out;
        case IntentState::Discarded:
            out.kind = OperationOutcome::Kind::Failed;
            out.errorCode = u"intent.discarded"_s;
            out.message = tr("%1 was discarded: %2").arg(kindInWords(i.kind), i.discardReason);
            return out;
        case IntentState::InDoubt:
        case IntentState::NeedsPerson:
            out.kind = OperationOutcome::Kind::InDoubt;
            out.errorCode = u"intent.in_doubt"_s;
            out.message = tr("PayBridge could not confirm the %1 (%2). It checks PayTrace, Magento and the ERP "
                             "before anything is sent again; see the Queue page.")
                              .arg(kindInWords(i.kind), i.lastError.isEmpty() ? tr("no answer") : i.lastError);
            return out;
        case IntentState::Sending:
            moving = true;
            break;
        case IntentState::Planned:
        case IntentState::RetryWait:
            if (!i.nextAttemptAt.isValid() || i.nextAttemptAt <= now.addSecs(2))
                moving = true;
            break;
        case IntentState::Succeeded:
            break;
        }
    }
    if (moving)
        return std::nullopt;
    for (const Intent &i : chain) {
        if (i.state == IntentState::Planned || i.state == IntentState::RetryWait) {
            out.kind = OperationOutcome::Kind::Queued;
            out.errorCode = u"intent.waiting"_s;
            const QString when = QLocale().toString(i.nextAttemptAt.toLocalTime(), QLocale::ShortFormat);
            out.message = i.lastError.isEmpty()
                              ? tr("%1 is queued and will be sent at %2.").arg(kindInWords(i.kind), when)
                              : tr("%1 will be tried again at %2 (last answer: %3).").arg(kindInWords(i.kind), when, i.lastError);
            return out;
        }
    }
    out.kind = OperationOutcome::Kind::Succeeded;
    out.message = tr("Done: every step succeeded.");
    return out;
}

} // namespace

Result<OperationPreview> SyncEngine::previewOperation(const OperationRequest &request)
{
    if (Status st = ensureSetUp(); !st)
        return st.error();
    // Between runs an operation plans with the mapping active now; during a run, with the
    // run's own (it switches at the next run, docs/mapping.md).
    if (!m_running) {
        if (Status st = refreshMapping(); !st)
            return st.error();
    }
    auto payment = loadOrderPayment(m_db, request.orderIncrementId);
    if (!payment)
        return payment.error();
    PlanOptions options;
    options.vault = vaultFor(m_db, request);
    const PlannedChain chain = OperationPlanner::plan(payment.value(), request, m_mapping, QDateTime::currentDateTimeUtc(), options);
    OperationPreview preview = chain.preview;
    if (preview.allowed && !isSystemActor(request.actor)) {
        access::Permissions perms(m_db);
        auto op = perms.operatorFor(request.actor);
        if (!op)
            return op.error();
        access::ActionContext ctx;
        ctx.amount = preview.amount;
        if (request.approvalId) {
            auto approval = access::ApprovalStore(m_db).find(*request.approvalId);
            if (!approval)
                return approval.error();
            ctx.approval = approval.value();
            ctx.intentKey = approval->intentKey;
        }
        const Status verdict = perms.check(op.value(), actionFor(request, preview), ctx);
        if (!verdict) {
            if (verdict.error().code == access::kNeedsApproval) {
                preview.needsApproval = true;
            } else {
                preview.allowed = false;
                preview.refusal = verdict.error().message;
            }
        }
    }
    return preview;
}

Status SyncEngine::authorize(const OperationRequest &request, const PlannedChain &chain, const QString &keyRoot,
                             OperationOutcome *refusal)
{
    if (isSystemActor(request.actor))
        return Status::success();
    access::Permissions perms(m_db);
    auto op = perms.operatorFor(request.actor);
    if (!op)
        return op.error();
    access::ActionContext ctx;
    ctx.amount = chain.preview.amount;
    ctx.intentKey = keyRoot;
    if (request.approvalId) {
        auto approval = access::ApprovalStore(m_db).find(*request.approvalId);
        if (!approval)
            return approval.error();
        ctx.approval = approval.value();
    }
    QJsonObject asked{{u"order"_s, request.orderIncrementId},
                      {u"vault_customer_id"_s, request.vaultCustomerId},
                      {u"operation"_s, operationKindName(request.kind)},
                      {u"amount"_s, chain.preview.amount.toDecimalString()},
                      {u"currency"_s, chain.preview.currency.code()}};
    const Status verdict = perms.authorize(op.value(), actionFor(request, chain.preview), ctx, request.reason,
                                           QString::fromUtf8(QJsonDocument(asked).toJson(QJsonDocument::Compact)));
    if (verdict)
        return verdict;
    refusal->errorCode = verdict.error().code;
    refusal->message = verdict.error().message;
    refusal->kind = OperationOutcome::Kind::Refused;
    if (verdict.error().code == access::kNeedsApproval && !request.approvalId) {
        refusal->kind = OperationOutcome::Kind::AwaitingApproval;
        auto pending = access::ApprovalStore(m_db).pending();
        if (pending) {
            for (const access::Approval &a : pending.value()) {
                if (a.intentKey == keyRoot && a.requestedBy == request.actor)
                    refusal->approvalId = a.id;
            }
        }
    }
    return verdict;
}

void SyncEngine::requestOperation(const OperationRequest &request, std::function<void(const OperationOutcome &)> done)
{
    OperationOutcome out;
    out.kind = OperationOutcome::Kind::Refused;
    if (Status ready = ensureSetUp(); !ready || (!m_running && !(ready = refreshMapping()))) {
        out.kind = OperationOutcome::Kind::Failed;
        out.errorCode = ready.error().code;
        out.message = ready.error().toString();
        done(out);
        return;
    }
    if (request.actor.trimmed().isEmpty()) {
        out.errorCode = QString(access::kInvalidRequest);
        out.message = tr("The operation has no operator; PayBridge does not act for nobody.");
        done(out);
        return;
    }
    // With a granted approval, the chain carries the key the approval was given for.
    QString approvedKey;
    if (request.approvalId) {
        auto approval = access::ApprovalStore(m_db).find(*request.approvalId);
        if (!approval) {
            out.errorCode = approval.error().code;
            out.message = approval.error().message;
            done(out);
            return;
        }
        approvedKey = approval->intentKey;
    }
    // Another process (the console, `paybridge refund`, `serve`) may plan on the same order
    // between reading it and planning: a key taken meanwhile means planning again from what
    // the store holds now, so a second refund is checked against the first, never merged.
    QString keyRoot;
    Result<QList<intents::PlanResult>> planned = makeError(u"intent.key_taken"_s, {}, {});
    for (int round = 0; round < 5 && !planned && planned.error().code == u"intent.key_taken"; ++round) {
        auto payment = loadOrderPayment(m_db, request.orderIncrementId);
        if (!payment) {
            out.errorCode = payment.error().code;
            out.message = payment.error().message;
            done(out);
            return;
        }
        const PlannedChain chain = OperationPlanner::plan(payment.value(), request, m_mapping,
                                                          QDateTime::currentDateTimeUtc(),
                                                          PlanOptions{approvedKey, true, vaultFor(m_db, request)});
        if (!chain.preview.allowed) {
            out.errorCode = chain.refusalCode;
            out.message = chain.preview.refusal;
            done(out);
            return;
        }
        keyRoot = chain.requests.first().naturalKey;
        if (Status allowed = authorize(request, chain, keyRoot, &out); !allowed) {
            if (out.message.isEmpty()) {
                out.errorCode = allowed.error().code;
                out.message = allowed.error().message;
            }
            done(out);
            return;
        }
        // An approved chain's key is the approval's: planned once, whoever asks again.
        planned = m_runner->journal().planAll(chain.requests, approvedKey.isEmpty());
    }
    if (!planned) {
        out.kind = OperationOutcome::Kind::Failed;
        out.errorCode = planned.error().code;
        out.message = planned.error().toString();
        done(out);
        return;
    }
    QList<qint64> ids;
    for (const intents::PlanResult &r : planned.value())
        ids.append(r.intent.id);
    qCInfo(lcSync) << "planned" << operationKindName(request.kind) << "of order" << request.orderIncrementId
                   << "by" << request.actor << "as" << keyRoot;
    Q_EMIT intentsChanged();
    if (request.planOnly) {
        out.kind = OperationOutcome::Kind::Queued;
        out.errorCode.clear();
        out.message = tr("Planned as %1; a running PayBridge service sends it.").arg(keyRoot);
        for (qint64 id : ids) {
            if (auto i = m_runner->journal().get(id); i)
                out.intents.append(i.value());
        }
        done(out);
        return;
    }
    // How long the caller waits at most: a request's timeout twice, and a margin for the
    // Magento and ERP steps. What is not confirmed by then goes on; the caller is told so.
    const qint64 timeout = m_config.requestTimeoutMs > 0 ? m_config.requestTimeoutMs : 60000;
    if (!m_monotonic.isValid())
        m_monotonic.start();
    m_pendingOps.append(PendingOperation{ids, std::move(done), m_monotonic.elapsed() + 2 * timeout + 30000});
    if (!m_pendingTimer) {
        m_pendingTimer = new QTimer(this);
        m_pendingTimer->setInterval(500);
        connect(m_pendingTimer, &QTimer::timeout, this, &SyncEngine::checkPendingOperations);
    }
    m_pendingTimer->start();
    m_runner->pass();
    checkPendingOperations();
}

void SyncEngine::checkPendingOperations()
{
    if (m_pendingOps.isEmpty()) {
        if (m_pendingTimer)
            m_pendingTimer->stop();
        return;
    }
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (qsizetype k = 0; k < m_pendingOps.size();) {
        QList<Intent> chain;
        bool readable = true;
        for (qint64 id : std::as_const(m_pendingOps[k].intentIds)) {
            auto i = m_runner->journal().get(id);
            if (!i) {
                readable = false;
                break;
            }
            chain.append(i.value());
        }
        std::optional<OperationOutcome> settled;
        if (readable)
            settled = settle(chain, now);
        if (settled && m_runner->inFlight() > 0) {
            // A Magento or ERP step may be waiting for its rate-limiter token.
            bool ours = false;
            for (const Intent &i : chain)
                ours = ours || i.state == IntentState::Planned;
            if (ours && settled->kind == OperationOutcome::Kind::Queued)
                settled.reset();
        }
        if (!settled && m_monotonic.elapsed() > m_pendingOps[k].deadlineMs) {
            // Still sending (a slow gateway, a store that refuses the answer, another
            // process's queue): the caller stops waiting; the intents go on.
            OperationOutcome late;
            late.kind = OperationOutcome::Kind::InDoubt;
            late.errorCode = u"intent.unconfirmed"_s;
            late.intents = chain;
            late.message = tr("PayBridge could not confirm the operation in time: it is still being sent or recorded, "
                              "so its effect is in doubt for now. Nothing is sent twice; see the Queue page "
                              "(paybridge queue) for how it ends.");
            settled = late;
        }
        if (!settled) {
            ++k;
            continue;
        }
        auto done = std::move(m_pendingOps[k].done);
        m_pendingOps.removeAt(k);
        done(*settled);
    }
}

Status SyncEngine::resolveIntent(qint64 intentId, const intents::ManualResolution &resolution, const QString &actor)
{
    if (Status st = ensureSetUp(); !st)
        return st.error();
    access::Permissions perms(m_db);
    auto op = perms.operatorFor(actor);
    if (!op)
        return op.error();
    if (Status st = perms.check(op.value(), access::Action::ResolveInDoubt); !st)
        return st.error();
    if (Status st = m_runner->journal().resolveByHand(intentId, resolution, actor); !st)
        return st.error();
    Q_EMIT intentsChanged();
    m_runner->pass();
    return Status::success();
}

Status SyncEngine::discardIntent(qint64 intentId, const QString &reason, const QString &actor)
{
    if (Status st = ensureSetUp(); !st)
        return st.error();
    access::Permissions perms(m_db);
    auto op = perms.operatorFor(actor);
    if (!op)
        return op.error();
    if (Status st = perms.check(op.value(), access::Action::DiscardDeadLetter); !st)
        return st.error();
    auto intent = m_runner->journal().get(intentId);
    if (!intent)
        return intent.error();
    if (Status st = m_runner->journal().discard(intentId, reason, actor); !st)
        return st.error();
    // The later steps of the chain must not run without it.
    if (auto all = m_runner->journal().forOrder(intent->orderEntityId.value_or(-1)); all) {
        for (const Intent &i : all.value()) {
            if (i.payload.value(OperationPlanner::kAfter).toString() == intent->naturalKey
                && (i.state == IntentState::Planned || i.state == IntentState::RetryWait || i.state == IntentState::Dead)) {
                const Status s = m_runner->journal().discard(
                    i.id, tr("the step before it (%1) was discarded: %2").arg(intent->naturalKey, reason), actor);
                if (!s)
                    qCWarning(lcSync) << "cannot discard follow-up intent" << i.id << s.error().toString();
            }
        }
    }
    Q_EMIT intentsChanged();
    return Status::success();
}

Result<ReplayDescription> SyncEngine::describeReplay(qint64 intentId)
{
    if (Status st = ensureSetUp(); !st)
        return st.error();
    auto plan = m_runner->journal().replayPlan(intentId);
    if (!plan)
        return plan.error();
    ReplayDescription d;
    d.intentId = intentId;
    d.replayable = plan->replayable;
    d.whyNot = plan->whyNot;
    const Intent &i = plan->history.intent;
    const QString order = i.payload.value(OperationPlanner::kOrder).toString();
    const Money amount = intentAmount(i);
    if (d.replayable && intents::movesMoney(i.kind) && i.orderEntityId) {
        // The state as it is now, not as it was when the intent died.
        auto payment = loadOrderPaymentById(m_db, *i.orderEntityId, i.id);
        if (!payment)
            return payment.error();
        intents::MoneyOperation op = i.kind == IntentKind::PayTraceCapture ? intents::MoneyOperation::Capture
                                     : i.kind == IntentKind::PayTraceVoid  ? intents::MoneyOperation::Void
                                     : i.kind == IntentKind::PayTraceSale  ? intents::MoneyOperation::Sale
                                                                            : intents::MoneyOperation::Refund;
        if (Status ok = intents::MoneyInvariants::check(payment->facts, {op, amount}); !ok) {
            d.replayable = false;
            d.whyNot = tr("the order's payment changed since: %1").arg(ok.error().message);
        }
    }
    const QString target = i.payload.value(OperationPlanner::kTransactionId).toString();
    switch (i.kind) {
    case IntentKind::PayTraceCapture:
        d.steps << tr("PayTrace: capture %1 of authorization %2 (order %3)").arg(amount.toString(), target, order);
        break;
    case IntentKind::PayTraceVoid:
        d.steps << tr("PayTrace: void transaction %1 (order %2)").arg(target, order);
        break;
    case IntentKind::PayTraceRefund:
        d.steps << tr("PayTrace: refund %1 of transaction %2 (order %3)").arg(amount.toString(), target, order);
        break;
    case IntentKind::PayTraceSale:
        d.steps << (i.payload.value(OperationPlanner::kAuthorize).toBool()
                        ? tr("PayTrace: authorization of %1 on card on file %2 (order %3)")
                        : tr("PayTrace: sale of %1 on card on file %2 (order %3)"))
                       .arg(amount.toString(), i.payload.value(OperationPlanner::kCustomerId).toString(), order);
        break;
    case IntentKind::PayTraceCustomerCard:
        d.replayable = false;
        d.whyNot = tr("the card number is not kept anywhere; type the card again on the Customers page");
        d.steps << tr("PayTrace: card on file for %1").arg(i.payload.value(OperationPlanner::kCustomerId).toString());
        break;
    default:
        d.steps << tr("%1 for order %2%3").arg(kindInWords(i.kind), order,
                                               amount.isValid() ? tr(" of %1").arg(amount.toString()) : QString());
        break;
    }
    // The later steps that wait for it.
    if (auto all = m_runner->journal().forOrder(i.orderEntityId.value_or(-1)); all) {
        for (const Intent &next : all.value()) {
            if (next.payload.value(OperationPlanner::kAfter).toString() == i.naturalKey && next.state != IntentState::Succeeded)
                d.steps << tr("then %1 (%2)").arg(kindInWords(next.kind), intents::stateName(next.state));
        }
    }
    d.steps << tr("%1 earlier attempt(s); the last error was: %2")
                   .arg(i.attempts)
                   .arg(i.lastError.isEmpty() ? i.deadReason : i.lastError);
    return d;
}

Status SyncEngine::replayIntent(qint64 intentId, const QString &actor, const QString &note)
{
    if (Status st = ensureSetUp(); !st)
        return st.error();
    access::Permissions perms(m_db);
    auto op = perms.operatorFor(actor);
    if (!op)
        return op.error();
    if (Status st = perms.check(op.value(), access::Action::ReplayDeadLetter); !st)
        return st.error();
    auto description = describeReplay(intentId);
    if (!description)
        return description.error();
    if (!description->replayable)
        return makeError(u"intent.not_replayable"_s, u"intent"_s, description->whyNot);
    if (Status st = m_runner->journal().replay(intentId, actor, note); !st)
        return st.error();
    Q_EMIT intentsChanged();
    m_runner->pass();
    return Status::success();
}

void SyncEngine::submitCard(const customers::CardSubmission &submission,
                            std::function<void(const customers::CardOutcome &)> done)
{
    customers::CardOutcome out;
    out.kind = customers::CardOutcome::Kind::Refused;
    if (Status ready = ensureSetUp(); !ready || (!m_running && !(ready = refreshMapping()))) {
        out.kind = customers::CardOutcome::Kind::Failed;
        out.errorCode = ready.error().code;
        out.message = ready.error().toString();
        done(out);
        return;
    }
    access::Permissions perms(m_db);
    auto op = perms.operatorFor(submission.actor);
    Status allowed = op ? perms.check(op.value(), access::Action::ManageCards) : Status(op.error());
    if (!allowed) {
        out.errorCode = allowed.error().code;
        out.message = allowed.error().message;
        done(out);
        return;
    }
    customers::CardVaultWriter::Settings settings;
    settings.newVaultIdTemplate = m_mapping.customers().newVaultIdTemplate;
    settings.attributeCode = m_mapping.customers().attributeCode;
    auto *writer = new customers::CardVaultWriter(m_db, SystemClock::instance(), m_runner->journal(), m_paytrace,
                                                  settings, this);
    writer->submit(submission, [this, writer, done = std::move(done)](const customers::CardOutcome &outcome) {
        writer->deleteLater();
        qCInfo(lcSync) << "card on file for" << outcome.vaultCustomerId << "—" << outcome.message;
        Q_EMIT intentsChanged();
        m_runner->pass(); // the link attribute, when a profile was created
        done(outcome);
    });
}

void SyncEngine::runIntents()
{
    if (Status ready = ensureSetUp(); !ready) {
        qCWarning(lcSync) << "cannot run intents:" << ready.error().toString();
        return;
    }
    m_runner->pass();
}

void SyncEngine::parkIntents()
{
    if (m_runner)
        m_runner->park();
    if (intentsInFlight() == 0)
        Q_EMIT intentsIdle();
}

int SyncEngine::intentsInFlight() const
{
    return m_runner ? m_runner->inFlight() : 0;
}

} // namespace pb::sync
