#include "sync/intentrunner.h"

#include "erp/journalentry.h"
#include "erp/journalsink.h"
#include "log/categories.h"
#include "log/requestid.h"
#include "magento/magentoapi.h"
#include "magento/searchcriteria.h"
#include "paytrace/parser.h"
#include "paytrace/paytraceclient.h"
#include "sync/operationplanner.h"
#include "sync/orderpayment.h"

#include <QJsonArray>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

using intents::AttemptReport;
using intents::Intent;
using intents::IntentKind;
using intents::IntentState;
using intents::LookupFinding;
using P = OperationPlanner;

constexpr qint64 kLookupPauseMs = 5000;  // between two lookups of the same in-doubt intent
constexpr int kPassLimit = 64;

bool isPayTrace(IntentKind k)
{
    return k == IntentKind::PayTraceCapture || k == IntentKind::PayTraceRefund || k == IntentKind::PayTraceVoid
        || k == IntentKind::PayTraceSale;
}

bool isMagento(IntentKind k)
{
    return k == IntentKind::MagentoComment || k == IntentKind::MagentoInvoice || k == IntentKind::MagentoCreditMemo
        || k == IntentKind::MagentoCancel;
}

QString newRequestId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

Money payloadAmount(const Intent &i)
{
    return intentAmount(i);
}

qint64 orderEntityId(const Intent &i)
{
    if (i.orderEntityId)
        return *i.orderEntityId;
    return i.payload.value(P::kOrderEntityId).toString().toLongLong();
}

intents::MoneyOperation moneyOperation(IntentKind k)
{
    switch (k) {
    case IntentKind::PayTraceCapture: return intents::MoneyOperation::Capture;
    case IntentKind::PayTraceVoid: return intents::MoneyOperation::Void;
    case IntentKind::PayTraceSale: return intents::MoneyOperation::Sale;
    default: return intents::MoneyOperation::Refund;
    }
}

magento::TxnMarker::Kind markerKind(const Intent &parent)
{
    switch (parent.kind) {
    case IntentKind::PayTraceCapture: return magento::TxnMarker::Kind::Capture;
    case IntentKind::PayTraceVoid: return magento::TxnMarker::Kind::Void;
    case IntentKind::PayTraceSale: return magento::TxnMarker::Kind::Sale;
    default: return magento::TxnMarker::Kind::Refund;
    }
}

// "PayTrace TXN 1000123 (refund) · PayBridge ref refund:000000123:1/magento · <reason>"
QString magentoText(const Intent &i, const QString &marker)
{
    QString text = marker;
    if (!text.isEmpty())
        text += u" · "_s;
    text += IntentRunner::referenceToken(i.naturalKey);
    const QString reason = i.payload.value(P::kReason).toString().trimmed();
    if (!reason.isEmpty())
        text += u" · "_s + reason.left(500);
    return text;
}

bool anyCommentHas(const QList<magento::Comment> &comments, const QString &token)
{
    return std::any_of(comments.cbegin(), comments.cend(),
                       [&](const magento::Comment &c) { return c.comment.contains(token); });
}

// Whether one of the order's invoices or credit memos carries the intent's token in a comment:
// PayBridge writes it into every document it creates, so finding it means the write happened.
template <typename Document>
LookupFinding documentWithToken(const QList<Document> &documents, const QString &token, const QString &noun)
{
    LookupFinding f;
    f.kind = LookupFinding::Kind::DidNotHappen;
    f.note = u"no "_s + noun + u" of the order carries \""_s + token + u"\" — the "_s + noun + u" was not created"_s;
    for (const Document &d : documents) {
        if (anyCommentHas(d.comments, token)) {
            f.kind = LookupFinding::Kind::Happened;
            f.resultRef = QString::number(d.entityId);
            f.note = noun + u' ' + d.incrementId + u" carries \""_s + token + u"\" — the "_s + noun + u" was created"_s;
        }
    }
    return f;
}

} // namespace

struct IntentRunner::Job
{
    Intent intent;
    intents::SendTicket ticket;
    QString requestId;
    QString parentRef;     // the PayTrace transaction id of the step before (Magento, ERP steps)
    qint64 startedMs = 0;
};

IntentRunner::IntentRunner(QSqlDatabase &db, const Clock &clock, paytrace::PayTraceClient *paytrace,
                           magento::MagentoApi *magento, erp::JournalSink *sink, mapping::MappingProfile profile,
                           IntentRunnerConfig config, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_clock(clock)
    , m_paytrace(paytrace)
    , m_magento(magento)
    , m_sink(sink)
    , m_profile(std::move(profile))
    , m_config(config)
    , m_journal(db, clock)
    , m_retry(clock)
{
    intents::RateLimiterConfig pt;
    pt.host = u"paytrace"_s;
    pt.ceilingPerSecond = config.paytraceRatePerSecond;
    m_paytraceLimiter = std::make_unique<intents::RateLimiter>(clock, pt, this);
    intents::RateLimiterConfig mg;
    mg.host = u"magento"_s;
    mg.ceilingPerSecond = config.magentoRatePerSecond;
    m_magentoLimiter = std::make_unique<intents::RateLimiter>(clock, mg, this);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &IntentRunner::pass);
}

IntentRunner::~IntentRunner() = default;

QString IntentRunner::referenceToken(const QString &naturalKey)
{
    return u"PayBridge ref "_s + naturalKey;
}

Result<int> IntentRunner::recover()
{
    auto n = m_journal.recoverAfterCrash();
    if (n && n.value() > 0)
        qCWarning(lcSync) << n.value() << "intents were being sent when PayBridge stopped; they are in doubt now";
    return n;
}

void IntentRunner::schedule(qint64 ms)
{
    if (m_parked)
        return;
    ms = std::clamp<qint64>(ms, 0, 60 * 60 * 1000);
    if (m_timer.isActive() && m_timer.remainingTime() <= ms)
        return;
    m_timer.start(int(ms));
}

void IntentRunner::pass()
{
    if (m_parked || m_inPass)
        return;
    m_inPass = true;
    const QDateTime now = m_clock.nowUtc();

    // The janitor first: nothing in doubt is re-sent before it is looked up.
    auto doubtful = m_journal.listByState(IntentState::InDoubt, m_config.janitorBatch);
    if (!doubtful) {
        Q_EMIT error(doubtful.error());
    } else {
        for (const Intent &i : doubtful.value())
            lookUp(i);
    }

    auto due = m_journal.dueReady(now, kPassLimit);
    if (!due) {
        Q_EMIT error(due.error());
    } else {
        for (const Intent &i : due.value()) {
            if (int(m_busy.size()) >= m_config.maxInFlight)
                break;
            if (!m_busy.contains(i.id))
                start(i);
        }
    }
    m_inPass = false;

    // The next pass: when the next intent falls due, or soon while there is work in flight.
    auto next = m_journal.nextDueAt();
    if (next && next.value()) {
        schedule(std::max<qint64>(0, m_clock.nowUtc().msecsTo(*next.value())) + 5);
    }
    if (!m_lookingUp.isEmpty() || (doubtful && !doubtful->isEmpty()))
        schedule(kLookupPauseMs);
    emitIdleIfQuiet();
}

void IntentRunner::emitIdleIfQuiet()
{
    if (m_busy.isEmpty() && m_lookingUp.isEmpty() && !m_inPass)
        Q_EMIT idle();
}

QString IntentRunner::parentResult(const Intent &intent, Status *status) const
{
    const QString after = intent.payload.value(P::kAfter).toString();
    if (after.isEmpty())
        return {};
    auto parent = m_journal.findByKey(after);
    if (!parent) {
        *status = parent.error();
        return {};
    }
    if (!parent.value() || parent.value()->state != IntentState::Succeeded) {
        *status = makeError(u"intent.not_ready"_s, u"after"_s, u"the step before ("_s + after + u") has not succeeded"_s);
        return {};
    }
    return parent.value()->resultRef;
}

void IntentRunner::start(const Intent &intent)
{
    auto job = std::make_shared<Job>();
    job->intent = intent;
    Status ok = Status::success();
    job->parentRef = parentResult(intent, &ok);
    if (!ok)
        return; // not ready (dueReady raced with a change); the next pass sees it again

    // Money intents: the invariants again, right before sending, against everything known now.
    if (intents::movesMoney(intent.kind)) {
        auto payment = loadOrderPaymentById(m_db, orderEntityId(intent), intent.id);
        if (!payment) {
            Q_EMIT error(payment.error());
            return;
        }
        Money amount = payloadAmount(intent);
        const Status allowed = intents::MoneyInvariants::check(payment->facts, {moneyOperation(intent.kind), amount});
        if (!allowed) {
            qCWarning(lcSync) << "intent" << intent.id << intent.naturalKey << "refused before sending:"
                              << allowed.error().message;
            const Status refused = m_journal.refuse(intent.id, allowed.error().code, allowed.error().message);
            if (!refused)
                Q_EMIT error(refused.error());
            Q_EMIT intentChanged(intent.id);
            return;
        }
    }

    m_busy.insert(intent.id);
    intents::RateLimiter *limiter = isPayTrace(intent.kind) ? m_paytraceLimiter.get()
                                    : isMagento(intent.kind) ? m_magentoLimiter.get()
                                                             : nullptr;
    if (!limiter) {
        send(job);
        return;
    }
    limiter->acquire(this, [this, job] { send(job); });
}

void IntentRunner::send(std::shared_ptr<Job> job)
{
    if (m_parked) {
        // Not sent: the intent stays planned / retry_wait and is picked up after a restart.
        m_busy.remove(job->intent.id);
        emitIdleIfQuiet();
        return;
    }
    job->requestId = newRequestId();
    auto ticket = m_journal.markSending(job->intent.id, job->requestId);
    if (!ticket) {
        m_busy.remove(job->intent.id);
        if (ticket.error().code != u"intent.illegal_transition")
            Q_EMIT error(ticket.error());
        emitIdleIfQuiet();
        return;
    }
    job->ticket = ticket.value();
    job->startedMs = m_clock.monotonicMs();
    Q_EMIT intentChanged(job->intent.id);
    log::RequestIdScope scope(job->requestId);
    if (isPayTrace(job->intent.kind))
        sendPayTrace(job);
    else if (isMagento(job->intent.kind))
        sendMagento(job);
    else
        sendErp(job);
}

void IntentRunner::finish(std::shared_ptr<Job> job, const Status &recorded)
{
    if (!recorded)
        Q_EMIT error(recorded.error());
    m_busy.remove(job->intent.id);
    Q_EMIT intentChanged(job->intent.id);
    // A success may have made the next step of the chain ready.
    schedule(0);
    emitIdleIfQuiet();
}

void IntentRunner::recordFailure(std::shared_ptr<Job> job, const AttemptReport &report,
                                 std::optional<int> retryAfterSeconds)
{
    Status recorded = Status::success();
    if (report.errorClass == net::ErrorClass::InDoubt) {
        recorded = m_journal.markInDoubt(job->ticket, report);
    } else {
        const auto decision = m_retry.decide(report.errorClass, job->ticket.attemptNumber, retryAfterSeconds);
        recorded = m_journal.markFailed(job->ticket, report, decision);
    }
    finish(job, recorded);
}

// ---- PayTrace ------------------------------------------------------------------------------

void IntentRunner::sendPayTrace(std::shared_ptr<Job> job)
{
    const Intent &i = job->intent;
    const QString target = i.payload.value(P::kTransactionId).toString();
    const Money amount = payloadAmount(i);
    const bool full = i.payload.value(P::kFull).toBool();
    auto done = [this, job, target](const paytrace::Outcome &outcome) {
        QString ref = target;
        if (job->intent.kind == IntentKind::PayTraceRefund || job->intent.kind == IntentKind::PayTraceSale)
            ref = outcome.response.transactionId;
        recordPayTrace(job, outcome, ref);
    };
    switch (i.kind) {
    case IntentKind::PayTraceCapture: {
        paytrace::CaptureRequest r;
        r.transactionId = target;
        if (!full)
            r.amount = amount;
        m_paytrace->capture(r, this, done);
        return;
    }
    case IntentKind::PayTraceVoid:
        m_paytrace->voidTransaction(paytrace::VoidRequest{target}, this, done);
        return;
    case IntentKind::PayTraceRefund: {
        paytrace::RefundRequest r;
        r.transactionId = target;
        r.amount = amount; // always explicit: "what is left" would race with other refunds
        m_paytrace->refundForTransaction(r, this, done);
        return;
    }
    default: {
        AttemptReport report;
        report.outcome = u"unsupported"_s;
        report.errorClass = net::ErrorClass::Permanent;
        report.message = u"PayBridge does not send "_s + intents::kindName(i.kind) + u" intents"_s;
        recordFailure(job, report, std::nullopt);
        return;
    }
    }
}

void IntentRunner::recordPayTrace(std::shared_ptr<Job> job, const paytrace::Outcome &outcome, const QString &resultRef)
{
    using Kind = paytrace::Outcome::Kind;
    AttemptReport report;
    report.outcome = paytrace::Outcome::kindName(outcome.kind);
    report.httpStatus = outcome.httpStatus > 0 ? std::optional<int>(outcome.httpStatus) : std::nullopt;
    report.requestId = outcome.requestId.isEmpty() ? job->requestId : outcome.requestId;
    report.message = outcome.summary();
    if (outcome.kind == Kind::RateLimited)
        m_paytraceLimiter->onRateLimited(outcome.retryAfterSeconds >= 0 ? std::optional<int>(outcome.retryAfterSeconds) : std::nullopt);
    else if (outcome.kind != Kind::Transient && outcome.kind != Kind::InDoubt)
        m_paytraceLimiter->onSuccess(m_clock.monotonicMs() - job->startedMs);

    if (outcome.ok()) {
        report.resultRef = resultRef;
        if (report.resultRef.isEmpty()) {
            // Approved without the id we need to find it again: let the janitor find it.
            report.errorClass = net::ErrorClass::InDoubt;
            report.message = u"PayTrace approved the request but sent no transaction id"_s;
            finish(job, m_journal.markInDoubt(job->ticket, report));
            return;
        }
        finish(job, m_journal.markSucceeded(job->ticket, report));
        return;
    }
    if (outcome.kind == Kind::NotRefundableUseVoid && job->intent.kind == IntentKind::PayTraceRefund) {
        // 817: not settled yet. A refund is possible once the batch closes; wait for it.
        report.errorClass = net::ErrorClass::Transient;
        report.message += u" — sent again after the batch closes"_s;
        finish(job, m_journal.markRetryWait(job->ticket, report, OperationPlanner::nextBatchClose(m_clock.nowUtc())));
        return;
    }
    report.errorClass = outcome.errorClass();
    if (outcome.kind == Kind::NotVoidableUseRefund) {
        report.errorClass = net::ErrorClass::Permanent;
        finish(job, m_journal.markDead(job->ticket, report, u"paytrace.settled_refund_instead"_s));
        return;
    }
    recordFailure(job, report,
                  outcome.retryAfterSeconds >= 0 ? std::optional<int>(outcome.retryAfterSeconds) : std::nullopt);
}

// ---- Magento -------------------------------------------------------------------------------

void IntentRunner::sendMagento(std::shared_ptr<Job> job)
{
    const Intent &i = job->intent;
    const qint64 orderId = orderEntityId(i);
    Intent parent;
    if (auto p = m_journal.findByKey(i.payload.value(P::kAfter).toString()); p && p.value())
        parent = *p.value();
    const QString marker = job->parentRef.isEmpty() ? QString()
                                                    : magento::TxnMarker::format(job->parentRef, markerKind(parent));
    const QString text = magentoText(i, marker);

    auto onReply = [this, job](bool ok, const magento::Failure &failure, const QString &ref) {
        if (ok) {
            m_magentoLimiter->onSuccess(m_clock.monotonicMs() - job->startedMs);
            AttemptReport report;
            report.outcome = u"done"_s;
            report.requestId = job->requestId;
            report.resultRef = ref;
            finish(job, m_journal.markSucceeded(job->ticket, report));
            return;
        }
        if (failure.errorClass == net::ErrorClass::RateLimited)
            m_magentoLimiter->onRateLimited(failure.retryAfterSeconds >= 0 ? std::optional<int>(failure.retryAfterSeconds) : std::nullopt);
        AttemptReport report;
        report.outcome = u"failed"_s;
        report.errorClass = failure.errorClass;
        report.message = failure.summary();
        report.httpStatus = failure.httpStatus > 0 ? std::optional<int>(failure.httpStatus) : std::nullopt;
        report.requestId = failure.requestId.isEmpty() ? job->requestId : failure.requestId;
        recordFailure(job, report, failure.retryAfterSeconds >= 0 ? std::optional<int>(failure.retryAfterSeconds) : std::nullopt);
    };

    switch (i.kind) {
    case IntentKind::MagentoComment: {
        magento::OrderCommentRequest r;
        r.comment = i.payload.value(P::kComment).toString();
        if (r.comment.isEmpty())
            r.comment = text;
        else
            r.comment.replace(u"{marker}"_s, text);
        r.status = i.payload.value(P::kStatus).toString();
        if (r.status.isEmpty()) {
            if (auto payment = loadOrderPaymentById(m_db, orderId); payment)
                r.status = payment->order.status;
        }
        m_magento->addOrderComment(orderId, r, this, [onReply, orderId](const magento::Reply<bool> &reply) {
            onReply(reply.ok(), reply.failure, QString::number(orderId));
        });
        return;
    }
    case IntentKind::MagentoInvoice: {
        magento::InvoiceRequest r;
        r.comment = text;
        m_magento->createInvoice(orderId, r, this, [onReply](const magento::Reply<qint64> &reply) {
            onReply(reply.ok(), reply.failure, reply.ok() ? QString::number(*reply.value) : QString());
        });
        return;
    }
    case IntentKind::MagentoCancel: {
        m_magento->cancel(orderId, this, [onReply, orderId](const magento::Reply<bool> &reply) {
            if (reply.ok() && !*reply.value) {
                magento::Failure f;
                f.errorClass = net::ErrorClass::Permanent;
                f.error = makeError(u"magento.cancel_refused"_s, u"order"_s, u"Magento answered false: the order cannot be canceled"_s);
                onReply(false, f, {});
                return;
            }
            onReply(reply.ok(), reply.failure, QString::number(orderId));
        });
        return;
    }
    case IntentKind::MagentoCreditMemo: {
        magento::RefundRequest r;
        r.comment = text;
        if (i.payload.value(P::kFull).toBool()) {
            m_magento->refundOrderOffline(orderId, r, this, [onReply](const magento::Reply<qint64> &reply) {
                onReply(reply.ok(), reply.failure, reply.ok() ? QString::number(*reply.value) : QString());
            });
            return;
        }
        // A part of the money: no items, no shipping, the amount as an adjustment refund. The
        // items are listed with quantity 0 (left out, Magento would refund every item).
        const Money amount = payloadAmount(i);
        m_magento->client()->request("GET", u"/orders/"_s + QString::number(orderId), {}, std::nullopt,
                                     net::Effect::Read, this,
                                     [this, job, r, amount, orderId, onReply](const magento::Reply<QJsonValue> &order) mutable {
            if (!order.ok()) {
                // Nothing was written yet, but the attempt is open: record it like a failed send.
                onReply(false, order.failure, {});
                return;
            }
            const QJsonArray items = order.value->toObject().value(u"items"_s).toArray();
            for (const QJsonValue &item : items) {
                const QJsonObject o = item.toObject();
                if (o.value(u"parent_item_id"_s).isDouble())
                    continue; // child of a configurable/bundle line
                r.items.append(magento::ItemQty{qint64(o.value(u"item_id"_s).toDouble()), u"0"_s});
            }
            r.shippingAmount = Money::zero(amount.currency());
            r.adjustmentPositive = amount;
            m_magento->refundOrderOffline(orderId, r, this, [onReply](const magento::Reply<qint64> &reply) {
                onReply(reply.ok(), reply.failure, reply.ok() ? QString::number(*reply.value) : QString());
            });
        });
        return;
    }
    default:
        break;
    }
    magento::Failure f;
    f.errorClass = net::ErrorClass::Permanent;
    f.error = makeError(u"intent.unsupported"_s, u"kind"_s, intents::kindName(i.kind));
    onReply(false, f, {});
}

// ---- ERP -----------------------------------------------------------------------------------

namespace {

Result<erp::JournalEntry> erpEntryFor(const Intent &i, const QString &parentRef, const mapping::MappingProfile &profile)
{
    const QString entry = i.payload.value(P::kEntry).toString();
    const QString order = i.payload.value(P::kOrder).toString();
    const Money amount = intentAmount(i);
    QDate date = QDate::fromString(i.payload.value(u"date"_s).toString(), Qt::ISODate);
    if (!date.isValid())
        date = i.createdAt.toTimeZone(paytrace::Parser::batchTimeZone()).date();
    if (!amount.isValid())
        return makeError(u"intent.payload"_s, u"amount"_s, u"the ERP intent has no amount"_s);
    if (entry == u"payment")
        return erp::paymentEntry(profile, date, order, parentRef.isEmpty() ? i.payload.value(P::kTransactionId).toString() : parentRef, amount);
    if (entry == u"refund")
        return erp::refundEntry(profile, date, order, parentRef.isEmpty() ? i.payload.value(P::kTransactionId).toString() : parentRef, amount);
    if (entry == u"sale")
        return erp::saleEntry(profile, date, order, amount);
    return makeError(u"intent.payload"_s, u"entry"_s, u"unknown ERP entry kind \""_s + entry + u'"');
}

} // namespace

void IntentRunner::sendErp(std::shared_ptr<Job> job)
{
    auto entry = erpEntryFor(job->intent, job->parentRef, m_profile);
    if (!entry) {
        AttemptReport report;
        report.outcome = u"invalid"_s;
        report.errorClass = net::ErrorClass::Permanent;
        report.message = entry.error().toString();
        recordFailure(job, report, std::nullopt);
        return;
    }
    if (!m_sink) {
        AttemptReport report;
        report.outcome = u"no_sink"_s;
        report.errorClass = net::ErrorClass::Permanent;
        report.message = u"no ERP journal is configured for this profile"_s;
        recordFailure(job, report, std::nullopt);
        return;
    }
    const QString ref = entry->externalRef;
    m_sink->post({entry.value()}, this, [this, job, ref](const Result<erp::PostResult> &posted) {
        AttemptReport report;
        report.requestId = job->requestId;
        if (posted) {
            report.outcome = posted->posted.contains(ref) ? u"posted"_s : u"already_posted"_s;
            report.resultRef = ref;
            finish(job, m_journal.markSucceeded(job->ticket, report));
            return;
        }
        report.outcome = u"failed"_s;
        report.errorClass = erp::errorClassOf(posted.error());
        report.message = posted.error().toString();
        recordFailure(job, report, std::nullopt);
    });
}

// ---- Janitor -------------------------------------------------------------------------------

void IntentRunner::recordLookup(qint64 intentId, const LookupFinding &finding)
{
    m_lastLookupMs.remove(intentId);
    const Status s = m_journal.recordLookup(intentId, finding);
    if (!s && s.error().code != u"intent.illegal_transition")
        Q_EMIT error(s.error());
    qCInfo(lcSync) << "janitor: intent" << intentId << "—" << finding.note;
    Q_EMIT intentChanged(intentId);
}

void IntentRunner::lookupDone(qint64 intentId)
{
    m_lookingUp.remove(intentId);
    schedule(0);
    emitIdleIfQuiet();
}

void IntentRunner::lookUp(const Intent &i)
{
    if (m_lookingUp.contains(i.id) || m_busy.contains(i.id))
        return;
    // Do not hammer a system that could not answer a moment ago.
    const qint64 nowMs = m_clock.monotonicMs();
    if (auto last = m_lastLookupMs.constFind(i.id); last != m_lastLookupMs.cend() && nowMs - *last < kLookupPauseMs)
        return;
    m_lastLookupMs.insert(i.id, nowMs);
    m_lookingUp.insert(i.id);
    const qint64 id = i.id;
    const QString target = i.payload.value(P::kTransactionId).toString();
    const qint64 orderId = orderEntityId(i);
    const QString token = referenceToken(i.naturalKey);
    // A lookup that fails leaves the intent in doubt; the next pass tries again.
    auto unreachable = [this, id](const QString &what) {
        qCInfo(lcSync) << "janitor: intent" << id << "could not be looked up yet:" << what;
        lookupDone(id);
    };

    switch (i.kind) {
    case IntentKind::PayTraceCapture:
    case IntentKind::PayTraceVoid: {
        m_paytrace->exportById(target, this, [this, id, i, target, unreachable](const paytrace::Outcome &outcome,
                                                                             const QList<GatewayTransaction> &found) {
            if (!outcome.ok() && found.isEmpty()) {
                unreachable(outcome.summary());
                return;
            }
            LookupFinding f;
            const GatewayTransaction *t = nullptr;
            for (const GatewayTransaction &g : found) {
                if (g.transactionId == target)
                    t = &g;
            }
            if (!t) {
                f.kind = LookupFinding::Kind::Undecided;
                f.note = u"PayTrace's export has no transaction "_s + target + u"; a person must check the virtual terminal"_s;
            } else if (i.kind == IntentKind::PayTraceVoid) {
                const bool voided = t->status == GatewayTransaction::Status::Voided;
                f.kind = voided ? LookupFinding::Kind::Happened : LookupFinding::Kind::DidNotHappen;
                f.resultRef = voided ? target : QString();
                f.note = u"PayTrace export of "_s + target + u": status "_s + GatewayTransaction::statusName(t->status)
                         + (voided ? u" — the void happened"_s : u" — the void did not happen"_s);
            } else {
                const bool captured = t->status == GatewayTransaction::Status::PendingSettlement
                                      || t->status == GatewayTransaction::Status::Settled;
                f.kind = captured ? LookupFinding::Kind::Happened : LookupFinding::Kind::DidNotHappen;
                f.resultRef = captured ? target : QString();
                f.note = u"PayTrace export of "_s + target + u": status "_s + GatewayTransaction::statusName(t->status)
                         + (captured ? u" — the capture happened"_s : u" — the capture did not happen"_s);
            }
            recordLookup(id, f);
            lookupDone(id);
        });
        return;
    }
    case IntentKind::PayTraceRefund: {
        // PayTrace refunds carry the original's invoice id; a refund of this amount made since
        // the first send and not claimed by another intent is ours.
        const QDateTime since = [&] {
            QDateTime first = i.createdAt;
            if (auto attempts = m_journal.attempts(i.id); attempts) {
                for (const intents::IntentAttempt &a : attempts.value()) {
                    if (a.action == u"send" && a.startedAt.isValid()) {
                        first = a.startedAt;
                        break;
                    }
                }
            }
            return first.addSecs(-300);
        }();
        const QTimeZone zone = paytrace::Parser::batchTimeZone();
        const QDate from = since.toTimeZone(zone).date();
        const QDate to = m_clock.nowUtc().toTimeZone(zone).date();
        auto collected = std::make_shared<QList<GatewayTransaction>>();
        m_paytrace->exportTransactionsByDateRange(
            from, std::max(from, to), {}, this,
            [collected](const paytrace::ExportDay &day) {
                if (day.outcome.ok())
                    collected->append(day.transactions);
            },
            [this, id, i, since, collected, unreachable](const paytrace::Outcome &outcome) {
                if (!outcome.ok()) {
                    unreachable(outcome.summary());
                    return;
                }
                const QString invoice = i.payload.value(P::kOrder).toString();
                const Money amount = intentAmount(i);
                QSet<QString> claimed;
                if (auto others = m_journal.forOrder(orderEntityId(i)); others) {
                    for (const Intent &o : others.value()) {
                        if (o.id != i.id && o.kind == IntentKind::PayTraceRefund && !o.resultRef.isEmpty())
                            claimed.insert(o.resultRef);
                    }
                }
                QStringList candidates;
                for (const GatewayTransaction &t : std::as_const(*collected)) {
                    if (t.type == GatewayTransaction::Type::Refund && t.invoiceId == invoice
                        && t.amount.compare(amount) == std::strong_ordering::equal
                        && t.status != GatewayTransaction::Status::Declined
                        && (!t.createdAt.isValid() || t.createdAt >= since) && !claimed.contains(t.transactionId))
                        candidates.append(t.transactionId);
                }
                LookupFinding f;
                if (candidates.size() == 1) {
                    f.kind = LookupFinding::Kind::Happened;
                    f.resultRef = candidates.first();
                    f.note = u"PayTrace export: refund "_s + f.resultRef + u" of "_s + amount.toString()
                             + u" for invoice "_s + invoice + u" — the refund happened"_s;
                } else if (candidates.isEmpty()) {
                    f.kind = LookupFinding::Kind::DidNotHappen;
                    f.note = u"PayTrace export since "_s + since.toString(Qt::ISODate) + u": no unclaimed refund of "_s
                             + amount.toString() + u" for invoice "_s + invoice + u" — the refund did not happen"_s;
                } else {
                    f.kind = LookupFinding::Kind::Undecided;
                    f.note = u"PayTrace export: several unclaimed refunds of "_s + amount.toString() + u" for invoice "_s
                             + invoice + u" ("_s + candidates.join(u", "_s) + u"); a person must say which one is this one"_s;
                }
                recordLookup(id, f);
                lookupDone(id);
            });
        return;
    }
    case IntentKind::MagentoComment: {
        m_magento->listOrderComments(orderId, this, [this, id, token, unreachable](const magento::Reply<magento::SearchPage<magento::Comment>> &reply) {
            if (!reply.ok()) {
                unreachable(reply.failure.summary());
                return;
            }
            const bool found = anyCommentHas(reply.value->items, token);
            LookupFinding f;
            f.kind = found ? LookupFinding::Kind::Happened : LookupFinding::Kind::DidNotHappen;
            f.resultRef = found ? token : QString();
            f.note = found ? u"Magento order comments carry \""_s + token + u"\" — the comment was added"_s
                           : u"no Magento order comment carries \""_s + token + u"\" — the comment was not added"_s;
            recordLookup(id, f);
            lookupDone(id);
        });
        return;
    }
    case IntentKind::MagentoInvoice: {
        magento::SearchCriteria c;
        c.addFilter(u"order_id"_s, QString::number(orderId));
        m_magento->searchInvoices(c, this, [this, id, token, unreachable](const magento::Reply<magento::SearchPage<magento::Invoice>> &reply) {
            if (!reply.ok()) {
                unreachable(reply.failure.summary());
                return;
            }
            recordLookup(id, documentWithToken(reply.value->items, token, u"invoice"_s));
            lookupDone(id);
        });
        return;
    }
    case IntentKind::MagentoCreditMemo: {
        magento::SearchCriteria c;
        c.addFilter(u"order_id"_s, QString::number(orderId));
        m_magento->searchCreditMemos(c, this, [this, id, token, unreachable](const magento::Reply<magento::SearchPage<magento::CreditMemo>> &reply) {
            if (!reply.ok()) {
                unreachable(reply.failure.summary());
                return;
            }
            recordLookup(id, documentWithToken(reply.value->items, token, u"credit memo"_s));
            lookupDone(id);
        });
        return;
    }
    case IntentKind::MagentoCancel: {
        m_magento->orderStatus(orderId, this, [this, id, orderId, unreachable](const magento::Reply<QString> &reply) {
            if (!reply.ok()) {
                unreachable(reply.failure.summary());
                return;
            }
            const bool canceled = *reply.value == u"canceled";
            LookupFinding f;
            f.kind = canceled ? LookupFinding::Kind::Happened : LookupFinding::Kind::DidNotHappen;
            f.resultRef = canceled ? QString::number(orderId) : QString();
            f.note = u"Magento order status is \""_s + *reply.value
                     + (canceled ? u"\" — the cancel happened"_s : u"\" — the cancel did not happen"_s);
            recordLookup(id, f);
            lookupDone(id);
        });
        return;
    }
    case IntentKind::ErpEntry: {
        Status ready = Status::success();
        auto entry = erpEntryFor(i, parentResult(i, &ready), m_profile);
        if (!entry || !m_sink) {
            LookupFinding f;
            f.kind = LookupFinding::Kind::Undecided;
            f.note = !m_sink ? u"no ERP journal is configured"_s : entry.error().toString();
            recordLookup(id, f);
            lookupDone(id);
            return;
        }
        const QString ref = entry->externalRef;
        m_sink->lookup(ref, this, [this, id, ref, unreachable](const Result<std::optional<erp::JournalEntry>> &held) {
            if (!held) {
                unreachable(held.error().toString());
                return;
            }
            LookupFinding f;
            f.kind = held.value() ? LookupFinding::Kind::Happened : LookupFinding::Kind::DidNotHappen;
            f.resultRef = held.value() ? ref : QString();
            f.note = held.value() ? u"the ERP journal holds "_s + ref + u" — the entry was posted"_s
                                  : u"the ERP journal has no "_s + ref + u" — the entry was not posted"_s;
            recordLookup(id, f);
            lookupDone(id);
        });
        return;
    }
    default: {
        LookupFinding f;
        f.kind = LookupFinding::Kind::Undecided;
        f.note = u"PayBridge cannot look up "_s + intents::kindName(i.kind) + u" intents"_s;
        recordLookup(id, f);
        lookupDone(id);
        return;
    }
    }
}

} // namespace pb::sync
