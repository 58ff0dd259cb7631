#include "sync/intentrunner.h"

#include "erp/journalentry.h"
#include "erp/journalsink.h"
#include "log/categories.h"
#include "log/requestid.h"
#include "magento/customers.h"
#include "magento/magentoapi.h"
#include "magento/searchcriteria.h"
#include "paytrace/parser.h"
#include "paytrace/paytraceclient.h"
#include "sync/operationplanner.h"
#include "sync/orderpayment.h"
#include "store/customerrepository.h"
#include "store/sqlsupport.h"

#include <QJsonArray>
#include <QUuid>

#include <algorithm>
#include <atomic>

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
constexpr int kPollMs = 2000;            // how often a runner looks for work other processes planned
constexpr qint64 kDefaultTimeoutMs = 60000;
constexpr qint64 kDefaultSettleMs = 120000;

// Distinguishes runners of one process (tests run several): each is its own owner.
QString newOwner()
{
    static std::atomic<int> serial{0};
    return intents::OwnerId::self().toString() + u'/' + QString::number(++serial);
}

bool isPayTrace(IntentKind k)
{
    return k == IntentKind::PayTraceCapture || k == IntentKind::PayTraceRefund || k == IntentKind::PayTraceVoid
        || k == IntentKind::PayTraceSale || k == IntentKind::PayTraceCustomerUpdate
        || k == IntentKind::PayTraceCustomerDelete || k == IntentKind::PayTraceCustomerCard;
}

bool isMagento(IntentKind k)
{
    return k == IntentKind::MagentoComment || k == IntentKind::MagentoInvoice || k == IntentKind::MagentoCreditMemo
        || k == IntentKind::MagentoCancel || k == IntentKind::MagentoCustomerUpdate;
}

// Customer writes that end in the same state however often they are sent: an answer lost on
// the way is no reason for a lookup, the write is sent again (docs/intents.md "Customers").
bool resendsWhenInDoubt(IntentKind k)
{
    return k == IntentKind::PayTraceCustomerUpdate || k == IntentKind::MagentoCustomerUpdate
        || k == IntentKind::PayTraceCustomerDelete;
}

constexpr qint64 kResendInDoubtMs = 5000; // an idempotent write whose answer was lost, sent again

paytrace::Address paytraceAddress(const PostalAddress &a)
{
    paytrace::Address out;
    out.name = a.name;
    out.streetAddress = a.street;
    out.streetAddress2 = a.street2;
    out.city = a.city;
    out.state = a.state;
    out.zip = a.zip;
    out.country = a.country;
    return out;
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

// PayTrace's export has whole seconds and its clock differs a little from ours: a refund made
// this much before our first send may still be ours. Anything earlier could be someone else's,
// so it needs a person (a clock that is further off costs a person's look, never money).
constexpr qint64 kRefundClockSkewSeconds = 5;

} // namespace

LookupFinding IntentRunner::refundFinding(const Intent &i, const QDateTime &since,
                                          const QList<GatewayTransaction> &exported)
{
    const QString invoice = i.payload.value(P::kOrder).toString();
    const Money amount = intentAmount(i);
    QSet<QString> claimed;
    if (auto others = m_journal.forOrder(orderEntityId(i)); others) {
        for (const Intent &o : others.value()) {
            if (o.id != i.id && o.kind == IntentKind::PayTraceRefund && !o.resultRef.isEmpty())
                claimed.insert(o.resultRef);
        }
    }
    QStringList after;   // made since our first send: ours, if it is the only one
    QStringList before;  // made before it: someone else's, or ours on a skewed clock
    for (const GatewayTransaction &t : exported) {
        if (t.type != GatewayTransaction::Type::Refund || t.invoiceId != invoice
            || t.amount.compare(amount) != std::strong_ordering::equal
            || t.status == GatewayTransaction::Status::Declined || claimed.contains(t.transactionId))
            continue;
        const QString described = t.transactionId
            + (t.createdAt.isValid() ? u" ("_s + t.createdAt.toString(Qt::ISODate) + u')' : QString());
        if (t.createdAt.isValid() && t.createdAt < since)
            before << described;
        else
            after << described;
    }
    LookupFinding f;
    if (after.size() == 1 && before.isEmpty()) {
        f.kind = LookupFinding::Kind::Happened;
        f.resultRef = after.first().section(u' ', 0, 0);
        f.note = tr("PayTrace export: refund %1 of %2 for invoice %3, the only one since the first send — the refund happened")
                     .arg(after.first(), amount.toString(), invoice);
    } else if (after.isEmpty() && before.isEmpty()) {
        f.kind = LookupFinding::Kind::DidNotHappen;
        f.note = tr("PayTrace export since %1: no unclaimed refund of %2 for invoice %3")
                     .arg(since.toString(Qt::ISODate), amount.toString(), invoice);
    } else {
        f.kind = LookupFinding::Kind::Undecided;
        f.note = tr("PayTrace export: unclaimed refunds of %1 for invoice %2 that could be this one — since the first "
                    "send: %3; before it: %4. One may have been made in PayTrace's terminal; a person must say which "
                    "one (if any) is this refund")
                     .arg(amount.toString(), invoice, after.isEmpty() ? tr("none") : after.join(u", "_s),
                          before.isEmpty() ? tr("none") : before.join(u", "_s));
    }
    return f;
}

struct IntentRunner::Job
{
    Intent intent;
    intents::SendTicket ticket;
    QString requestId;
    QString parentRef;     // the PayTrace transaction id of the step before (Magento, ERP steps)
    qint64 startedMs = 0;
    int recordTries = 0;   // failed attempts to record the answer (the store refused)
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

    const qint64 timeout = config.requestTimeoutMs > 0 ? config.requestTimeoutMs : kDefaultTimeoutMs;
    m_settleMs = std::max<qint64>(config.inDoubtSettleMs > 0 ? config.inDoubtSettleMs : kDefaultSettleMs, 2 * timeout);
    // A claim on a row outlives the longest request, so a slow answer is never taken for a
    // dead owner.
    m_journal.setOwner(newOwner(), std::max<qint64>(config.leaseMs, 2 * timeout));
    m_journal.setMaxUndecidedLookups(config.maxUndecidedLookups);
    // Started by the first pass: a process that only plans (`refund --queue`) never takes
    // the lease nor polls.
    m_leaseTimer.setInterval(kPollMs);
    connect(&m_leaseTimer, &QTimer::timeout, this, &IntentRunner::renewLease);
}

IntentRunner::~IntentRunner()
{
    releaseLease();
}

bool IntentRunner::takeLease()
{
    if (m_holdsLease)
        return true;
    auto taken = m_journal.acquireRunnerLease(m_config.program);
    if (!taken) {
        Q_EMIT error(taken.error());
        return false;
    }
    if (!taken.value())
        return false;
    m_holdsLease = true;
    m_lastRenewMs = m_clock.monotonicMs();
    qCInfo(lcSync) << "this process runs the intents of the store now (" << m_config.program << ")";
    // Before anything is sent: what a process that is gone left `sending` is in doubt now.
    if (auto recovered = recover(); !recovered)
        Q_EMIT error(recovered.error());
    Q_EMIT leaseChanged();
    return true;
}

void IntentRunner::renewLease()
{
    if (m_holdsLease && m_clock.monotonicMs() - m_lastRenewMs >= m_config.leaseMs / 3) {
        auto renewed = m_journal.acquireRunnerLease(m_config.program);
        if (!renewed || !renewed.value()) {
            // Lost (the store was unreachable past the lease, or another process took it):
            // start nothing new; what is in flight still records its answer.
            qCWarning(lcSync) << "lost the intent runner lease"
                              << (renewed ? QString() : renewed.error().toString());
            m_holdsLease = false;
            Q_EMIT leaseChanged();
        } else {
            m_lastRenewMs = m_clock.monotonicMs();
            if (auto rows = m_journal.renewLeases(); !rows)
                Q_EMIT error(rows.error());
            // Sends whose owner went away since this runner took the lease (a claim that ran
            // out, a process that ended) are in doubt now, not stuck in `sending`.
            if (auto recovered = recover(); !recovered)
                Q_EMIT error(recovered.error());
            else if (recovered.value() > 0)
                schedule(0);
        }
    }
    // Work other processes planned (a `paybridge refund` beside `serve`) is picked up here.
    if (!m_parked)
        pass();
}

void IntentRunner::releaseLease()
{
    m_leaseTimer.stop();
    if (!m_holdsLease)
        return;
    m_holdsLease = false;
    if (const Status s = m_journal.releaseRunnerLease(); !s)
        qCWarning(lcSync) << "cannot give the intent runner lease up:" << s.error().toString();
    Q_EMIT leaseChanged();
}

QString IntentRunner::leaseHolderText()
{
    auto holder = m_journal.runnerLeaseHolder();
    if (!holder || !holder.value())
        return {};
    const intents::RunnerLeaseHolder &h = *holder.value();
    const QString who = h.program.isEmpty() ? tr("PayBridge") : h.program;
    if (m_holdsLease)
        return tr("%1 (this process)").arg(who);
    return tr("%1, process %2 on %3").arg(who).arg(h.pid).arg(h.host);
}

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
    if (!m_leaseTimer.isActive())
        m_leaseTimer.start();
    // Only the lease holder sends and looks up; the others have planned their work and the
    // holder picks it up on its next poll.
    if (!takeLease()) {
        emitIdleIfQuiet();
        return;
    }
    m_inPass = true;
    const QDateTime now = m_clock.nowUtc();

    // The janitor first: nothing in doubt is re-sent before it is looked up. Least recently
    // looked up first, so no intent starves behind others that stay undecided.
    auto doubtful = m_journal.dueLookups(now, m_config.janitorBatch);
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

    // The next pass: when the next intent or lookup falls due, or soon while lookups run.
    auto next = m_journal.nextDueAt();
    if (next && next.value()) {
        schedule(std::max<qint64>(0, m_clock.nowUtc().msecsTo(*next.value())) + 5);
    }
    auto nextLookup = m_journal.nextLookupAt();
    if (nextLookup && nextLookup.value())
        schedule(std::max<qint64>(0, m_clock.nowUtc().msecsTo(*nextLookup.value())) + 5);
    if (!m_lookingUp.isEmpty())
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

    // A card on file is sent only by the process that holds its ciphertext (CardVaultWriter),
    // at once; one found due here can never be sent: the card is typed again.
    if (intent.kind == IntentKind::PayTraceCustomerCard) {
        const Status refused = m_journal.refuse(
            intent.id, QString(kCardReenter),
            tr("the card number was only in the memory of the window it was typed in, which is gone; "
               "type the card again on the Customers page"));
        if (!refused && refused.error().code != u"intent.illegal_transition")
            Q_EMIT error(refused.error());
        Q_EMIT intentChanged(intent.id);
        return;
    }
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

void IntentRunner::finish(std::shared_ptr<Job> job, std::function<Status()> record)
{
    const Status recorded = record();
    if (!recorded && recorded.error().code != u"intent.illegal_transition"
        && recorded.error().code != u"intent.not_found") {
        // The answer is known but the store did not take it (locked, disk full, I/O error):
        // keep it and try again, so the intent never stays `sending` with its answer lost.
        // The intent stays busy meanwhile: nothing else sends or looks it up.
        const qint64 delay = std::min<qint64>(30000, 250LL << std::min(job->recordTries, 7));
        ++job->recordTries;
        qCWarning(lcSync) << "intent" << job->intent.id << "— cannot record the answer yet (" << recorded.error().toString()
                          << "); trying again in" << delay << "ms";
        Q_EMIT error(recorded.error());
        QTimer::singleShot(delay, this, [this, job, record] { finish(job, record); });
        return;
    }
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
    if (report.errorClass == net::ErrorClass::InDoubt && resendsWhenInDoubt(job->intent.kind)) {
        // The same end state however often it is sent: send it again rather than look it up.
        AttemptReport again = report;
        again.errorClass = net::ErrorClass::Transient;
        again.message += u" — the answer was lost; the write is sent again (it is idempotent)"_s;
        const auto decision = m_retry.decide(net::ErrorClass::Transient, job->ticket.attemptNumber, std::nullopt);
        finish(job, [this, job, again, decision] { return m_journal.markFailed(job->ticket, again, decision); });
        return;
    }
    if (report.errorClass == net::ErrorClass::InDoubt) {
        finish(job, [this, job, report] { return m_journal.markInDoubt(job->ticket, report); });
        return;
    }
    const auto decision = m_retry.decide(report.errorClass, job->ticket.attemptNumber, retryAfterSeconds);
    finish(job, [this, job, report, decision] { return m_journal.markFailed(job->ticket, report, decision); });
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
    case IntentKind::PayTraceSale: {
        // A charge of a card on file; the description carries the reference token so the
        // janitor can tell this sale in PayTrace's export.
        paytrace::CustomerPaymentRequest r;
        r.customerId = i.payload.value(P::kCustomerId).toString();
        r.amount = amount;
        r.invoiceId = i.payload.value(P::kInvoiceId).toString();
        if (r.invoiceId.isEmpty())
            r.invoiceId = i.payload.value(P::kOrder).toString();
        r.description = i.payload.value(P::kDescription).toString();
        if (r.description.isEmpty())
            r.description = referenceToken(i.naturalKey);
        if (i.payload.value(P::kAuthorize).toBool())
            m_paytrace->authorizationByCustomer(r, this, done);
        else
            m_paytrace->saleByCustomer(r, this, done);
        return;
    }
    case IntentKind::PayTraceCustomerUpdate: {
        const QString customerId = i.payload.value(P::kCustomerId).toString();
        const QJsonObject set = i.payload.value(u"set"_s).toObject();
        paytrace::CustomerUpdateRequest r;
        r.customerId = customerId;
        if (set.contains(u"email"_s))
            r.email = set.value(u"email"_s).toString();
        if (set.contains(u"phone"_s))
            r.phone = set.value(u"phone"_s).toString();
        if (set.contains(u"billing"_s))
            r.billing = paytraceAddress(PostalAddress::fromJson(set.value(u"billing"_s).toObject()));
        m_paytrace->updateCustomer(r, this, [this, job, customerId](const paytrace::Outcome &outcome) {
            recordPayTrace(job, outcome, customerId);
        });
        return;
    }
    case IntentKind::PayTraceCustomerDelete: {
        const QString customerId = i.payload.value(P::kCustomerId).toString();
        m_paytrace->deleteCustomer(paytrace::CustomerDeleteRequest{customerId}, this,
                                   [this, job, customerId](const paytrace::Outcome &outcome) {
                                       recordPayTrace(job, outcome, customerId);
                                   });
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
            finish(job, [this, job, report] { return m_journal.markInDoubt(job->ticket, report); });
            return;
        }
        finish(job, [this, job, report] {
            const Status recorded = m_journal.markSucceeded(job->ticket, report);
            if (recorded)
                reflect(job->intent, report.resultRef);
            return recorded;
        });
        return;
    }
    if (outcome.kind == Kind::NotRefundableUseVoid && job->intent.kind == IntentKind::PayTraceRefund) {
        // 817: not settled yet. A refund is possible once the batch closes; wait for it.
        report.errorClass = net::ErrorClass::Transient;
        report.message += u" — sent again after the batch closes"_s;
        const QDateTime batchClose = OperationPlanner::nextBatchClose(m_clock.nowUtc());
        finish(job, [this, job, report, batchClose] { return m_journal.markRetryWait(job->ticket, report, batchClose); });
        return;
    }
    const bool notFound = std::any_of(outcome.errors.cbegin(), outcome.errors.cend(),
                                      [](const paytrace::ErrorEntry &e) { return e.code == u"30"; });
    if (notFound && job->intent.kind == IntentKind::PayTraceCustomerDelete) {
        if (job->ticket.attemptNumber > 1) {
            // Error 30 "not found" after an earlier send whose answer was lost: that send
            // deleted it.
            report.outcome = u"already_deleted"_s;
            report.resultRef = resultRef;
            report.message += u" — deleted by an earlier send whose answer was lost"_s;
            finish(job, [this, job, report] {
                const Status recorded = m_journal.markSucceeded(job->ticket, report);
                if (recorded)
                    reflect(job->intent, report.resultRef);
                return recorded;
            });
            return;
        }
        report.errorClass = net::ErrorClass::Permanent;
        finish(job, [this, job, report] { return m_journal.markDead(job->ticket, report, u"paytrace.customer_not_found"_s); });
        return;
    }
    report.errorClass = outcome.errorClass();
    if (outcome.kind == Kind::NotVoidableUseRefund) {
        report.errorClass = net::ErrorClass::Permanent;
        finish(job, [this, job, report] { return m_journal.markDead(job->ticket, report, u"paytrace.settled_refund_instead"_s); });
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
            finish(job, [this, job, report] {
                const Status recorded = m_journal.markSucceeded(job->ticket, report);
                if (recorded)
                    reflect(job->intent, report.resultRef);
                return recorded;
            });
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
    case IntentKind::MagentoCustomerUpdate:
        sendMagentoCustomer(job);
        return;
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

void IntentRunner::sendMagentoCustomer(std::shared_ptr<Job> job)
{
    const Intent &i = job->intent;
    const QString id = i.payload.value(u"magento_id"_s).toVariant().toString();
    const QJsonObject set = i.payload.value(u"set"_s).toObject();
    auto fail = [this, job](const magento::Failure &failure) {
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
    if (id.isEmpty() || id.toLongLong() <= 0) {
        magento::Failure f;
        f.errorClass = net::ErrorClass::Permanent;
        f.error = makeError(u"intent.payload"_s, u"magento_id"_s, u"the intent names no Magento customer"_s);
        fail(f);
        return;
    }
    auto changes = magento::CustomerChanges::fromJson(set);
    if (!changes) {
        magento::Failure f;
        f.errorClass = net::ErrorClass::Permanent;
        f.error = changes.error();
        fail(f);
        return;
    }
    // A PUT replaces the whole customer: read it fresh, change only what the intent sets.
    const qint64 customerId = id.toLongLong();
    m_magento->getCustomer(customerId, this, [this, job, customerId, id, changes = changes.value(), fail](
                                                 const magento::Reply<magento::Customer> &read) {
        if (!read.ok()) {
            fail(read.failure);
            return;
        }
        auto body = magento::MagentoApi::customerUpdateBody(read.value->raw, changes);
        if (!body) {
            magento::Failure f;
            f.errorClass = net::ErrorClass::Permanent;
            f.error = body.error();
            fail(f);
            return;
        }
        m_magento->updateCustomer(customerId, body.value(), this,
                                  [this, job, id, fail](const magento::Reply<magento::Customer> &written) {
            if (!written.ok()) {
                fail(written.failure);
                return;
            }
            m_magentoLimiter->onSuccess(m_clock.monotonicMs() - job->startedMs);
            AttemptReport report;
            report.outcome = u"done"_s;
            report.requestId = job->requestId;
            report.resultRef = id;
            finish(job, [this, job, report] {
                const Status recorded = m_journal.markSucceeded(job->ticket, report);
                if (recorded)
                    reflect(job->intent, report.resultRef);
                return recorded;
            });
        });
    });
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
            finish(job, [this, job, report] { return m_journal.markSucceeded(job->ticket, report); });
            return;
        }
        report.outcome = u"failed"_s;
        report.errorClass = erp::errorClassOf(posted.error());
        report.message = posted.error().toString();
        recordFailure(job, report, std::nullopt);
    });
}

// ---- Janitor -------------------------------------------------------------------------------

void IntentRunner::reflect(const Intent &intent, const QString &resultRef)
{
    // Best effort: the next sync stores PayTrace's own record in any case.
    const Status s = intents::isCustomerKind(intent.kind) ? reflectCustomerEffect(m_db, intent, m_clock.nowUtc())
                                                          : reflectEffect(m_db, intent, resultRef, m_clock.nowUtc());
    if (!s)
        qCWarning(lcSync) << "intent" << intent.id << "succeeded, but the store could not show it yet:"
                          << s.error().toString();
}

LookupFinding IntentRunner::settle(const Intent &intent, LookupFinding finding)
{
    if (finding.kind != LookupFinding::Kind::DidNotHappen)
        return finding;
    const QDateTime now = m_clock.nowUtc();
    // The last send, and the first "not found yet" since it.
    QDateTime lastSend;
    QDateTime firstNotFound;
    if (auto attempts = m_journal.attempts(intent.id); attempts) {
        for (const intents::IntentAttempt &a : attempts.value()) {
            if (a.action == u"send") {
                lastSend = a.startedAt;
                firstNotFound = {};
            } else if (a.action == u"lookup" && a.outcome == u"not_found_yet" && !firstNotFound.isValid()) {
                firstNotFound = a.startedAt;
            }
        }
    }
    const QDateTime windowEnds = lastSend.isValid() ? lastSend.addMSecs(m_settleMs) : now;
    const bool windowOver = now >= windowEnds;
    const bool confirmed = firstNotFound.isValid() && firstNotFound.msecsTo(now) >= m_settleMs;
    if (windowOver && confirmed) {
        finding.note += tr(" (confirmed: also not found at %1, %2 s apart, %3 s after the last send)")
                            .arg(firstNotFound.toString(Qt::ISODate))
                            .arg(firstNotFound.secsTo(now))
                            .arg(lastSend.isValid() ? lastSend.secsTo(now) : 0);
        return finding;
    }
    // Too early: the gateway may still be carrying the request out.
    finding.kind = LookupFinding::Kind::NotYet;
    finding.retryAt = std::max(windowEnds, (firstNotFound.isValid() ? firstNotFound : now).addMSecs(m_settleMs));
    finding.note += tr("; not concluded yet: a slow gateway may still carry it out. PayBridge looks again at %1 "
                       "and decides then (settle window %2 s).")
                        .arg(finding.retryAt.toString(Qt::ISODate))
                        .arg(m_settleMs / 1000);
    return finding;
}

void IntentRunner::recordLookup(qint64 intentId, const LookupFinding &found)
{
    LookupFinding finding = found;
    if (finding.kind == LookupFinding::Kind::DidNotHappen) {
        // Idempotent customer writes are simply sent again; the rest wait out the window.
        if (auto intent = m_journal.get(intentId); intent && !resendsWhenInDoubt(intent->kind))
            finding = settle(intent.value(), finding);
    }
    const Status s = m_journal.recordLookup(intentId, finding);
    if (s && finding.kind == LookupFinding::Kind::Happened) {
        // Gateway effects only: they are written once (by transaction id). A Magento total may
        // already hold the document when a sync ran since the send, and would count it twice.
        if (auto intent = m_journal.get(intentId);
            intent && (intents::movesMoney(intent->kind) || intents::isCustomerKind(intent->kind)))
            reflect(intent.value(), finding.resultRef);
    }
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
    m_lookingUp.insert(i.id);
    const qint64 id = i.id;
    const QString target = i.payload.value(P::kTransactionId).toString();
    const qint64 orderId = orderEntityId(i);
    const QString token = referenceToken(i.naturalKey);
    // A lookup that fails leaves the intent in doubt and counts towards the bound; the next
    // one waits longer each time (a system that could not answer should not be hammered).
    const qint64 pauseMs = std::min<qint64>(m_settleMs, kLookupPauseMs << std::min(i.undecidedLookups, 6));
    auto unreachable = [this, id, pauseMs](const QString &what) {
        LookupFinding f;
        f.kind = LookupFinding::Kind::Unreachable;
        f.note = tr("could not be looked up: %1").arg(what);
        f.retryAt = m_clock.nowUtc().addMSecs(pauseMs);
        recordLookup(id, f);
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
        // PayTrace refunds carry the original's invoice id. Ours is a refund of this amount
        // for this invoice made since our first send and claimed by no other intent; one made
        // before it, or several, could be someone else's (a refund in PayTrace's terminal):
        // then a person decides. The export is read from a day before the first send so such
        // a refund is seen.
        QDateTime firstSend = i.createdAt;
        if (auto attempts = m_journal.attempts(i.id); attempts) {
            for (const intents::IntentAttempt &a : attempts.value()) {
                if (a.action == u"send" && a.startedAt.isValid()) {
                    firstSend = a.startedAt;
                    break;
                }
            }
        }
        const QDateTime since = firstSend.addSecs(-kRefundClockSkewSeconds);
        const QTimeZone zone = paytrace::Parser::batchTimeZone();
        const QDate from = firstSend.addDays(-1).toTimeZone(zone).date();
        const QDate to = m_clock.nowUtc().toTimeZone(zone).date();
        auto collected = std::make_shared<QList<GatewayTransaction>>();
        auto unreadable = std::make_shared<qsizetype>(0);
        m_paytrace->exportTransactionsByDateRange(
            from, std::max(from, to), {}, this,
            [collected, unreadable](const paytrace::ExportDay &day) {
                if (day.outcome.ok()) {
                    collected->append(day.transactions);
                    *unreadable += day.rejected.size();
                }
            },
            [this, id, i, since, collected, unreadable, unreachable](const paytrace::Outcome &outcome) {
                if (!outcome.ok()) {
                    unreachable(outcome.summary());
                    return;
                }
                LookupFinding f = refundFinding(i, since, *collected);
                // A record that did not read may be our refund: "not there" is not known then,
                // and a second send could refund twice.
                if (*unreadable > 0 && f.kind == LookupFinding::Kind::DidNotHappen) {
                    f.kind = LookupFinding::Kind::Unreachable;
                    f.note = f.note + u"; but %1 export record(s) of those days did not read, so "
                                      u"one of them may be this refund"_s.arg(*unreadable);
                }
                recordLookup(id, f);
                lookupDone(id);
            });
        return;
    }
    case IntentKind::PayTraceSale:
        m_lookingUp.remove(id); // lookUpSale marks it again
        lookUpSale(i);
        return;
    case IntentKind::PayTraceCustomerCard:
        m_lookingUp.remove(id);
        lookUpCard(i);
        return;
    case IntentKind::PayTraceCustomerUpdate:
    case IntentKind::PayTraceCustomerDelete:
    case IntentKind::MagentoCustomerUpdate: {
        // Found in doubt after a crash: the write ends in the same state when sent again.
        LookupFinding f;
        f.kind = LookupFinding::Kind::DidNotHappen;
        f.note = u"the answer was lost; this customer write is idempotent, so it is sent again"_s;
        recordLookup(id, f);
        lookupDone(id);
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

void IntentRunner::lookUpSale(const Intent &i)
{
    // Our sale is the SALE (or AUTHORIZATION) of this vault customer whose description holds
    // the intent's reference token, made since the first send (PayTrace's days are Pacific).
    m_lookingUp.insert(i.id);
    const qint64 id = i.id;
    QDateTime firstSend = i.createdAt;
    if (auto attempts = m_journal.attempts(i.id); attempts) {
        for (const intents::IntentAttempt &a : attempts.value()) {
            if (a.action == u"send" && a.startedAt.isValid()) {
                firstSend = a.startedAt;
                break;
            }
        }
    }
    const QTimeZone zone = paytrace::Parser::batchTimeZone();
    const QDate from = firstSend.addSecs(-kRefundClockSkewSeconds).toTimeZone(zone).date();
    const QDate to = m_clock.nowUtc().toTimeZone(zone).date();
    paytrace::ExportFilters filters;
    filters.customerId = i.payload.value(P::kCustomerId).toString();
    const QString token = i.payload.value(P::kDescription).toString().isEmpty()
                              ? referenceToken(i.naturalKey)
                              : i.payload.value(P::kDescription).toString();
    const bool authorize = i.payload.value(P::kAuthorize).toBool();
    const qint64 pauseMs = std::min<qint64>(m_settleMs, kLookupPauseMs << std::min(i.undecidedLookups, 6));
    auto collected = std::make_shared<QList<GatewayTransaction>>();
    auto unreadable = std::make_shared<qsizetype>(0);
    m_paytrace->exportTransactionsByDateRange(
        from, std::max(from, to), filters, this,
        [collected, unreadable](const paytrace::ExportDay &day) {
            if (day.outcome.ok()) {
                collected->append(day.transactions);
                *unreadable += day.rejected.size();
            }
        },
        [this, id, token, authorize, collected, unreadable, pauseMs](const paytrace::Outcome &outcome) {
            LookupFinding f;
            if (!outcome.ok()) {
                f.kind = LookupFinding::Kind::Unreachable;
                f.note = tr("could not be looked up: %1").arg(outcome.summary());
                f.retryAt = m_clock.nowUtc().addMSecs(pauseMs);
                recordLookup(id, f);
                lookupDone(id);
                return;
            }
            QStringList approved;
            QStringList declined;
            for (const GatewayTransaction &t : std::as_const(*collected)) {
                if ((t.type != GatewayTransaction::Type::Sale && t.type != GatewayTransaction::Type::Authorization)
                    || !t.description.contains(token))
                    continue;
                (t.status == GatewayTransaction::Status::Declined ? declined : approved) << t.transactionId;
            }
            const QString what = authorize ? u"authorization"_s : u"sale"_s;
            if (approved.size() == 1) {
                f.kind = LookupFinding::Kind::Happened;
                f.resultRef = approved.first();
                f.note = u"PayTrace export: %1 %2 carries \"%3\" — the %1 happened"_s.arg(what, approved.first(), token);
            } else if (approved.size() > 1) {
                f.kind = LookupFinding::Kind::Undecided;
                f.note = u"PayTrace export: several transactions carry \"%1\" (%2); a person must say which is this %3"_s
                             .arg(token, approved.join(u", "_s), what);
            } else if (!declined.isEmpty()) {
                f.kind = LookupFinding::Kind::Undecided;
                f.note = u"PayTrace export: the %1 carrying \"%2\" was declined (%3); no money moved — a person "
                         u"discards it or charges again"_s.arg(what, token, declined.join(u", "_s));
            } else if (*unreadable > 0) {
                // A record that did not read may be our sale: a second send could charge twice.
                f.kind = LookupFinding::Kind::Unreachable;
                f.note = u"PayTrace export: no %1 carries \"%2\", but %3 record(s) did not read"_s
                             .arg(what, token).arg(*unreadable);
                f.retryAt = m_clock.nowUtc().addMSecs(pauseMs);
            } else {
                f.kind = LookupFinding::Kind::DidNotHappen;
                f.note = u"PayTrace export: no %1 of the customer carries \"%2\" — the %1 did not happen"_s.arg(what, token);
            }
            recordLookup(id, f);
            lookupDone(id);
        });
}

void IntentRunner::lookUpCard(const Intent &i)
{
    // The card is on file when the profile exists with the card's last four and expiry.
    m_lookingUp.insert(i.id);
    const qint64 id = i.id;
    const QString customerId = i.payload.value(P::kCustomerId).toString();
    const QString last4 = i.payload.value(u"last4"_s).toString();
    const int month = i.payload.value(u"exp_month"_s).toInt();
    const int year = i.payload.value(u"exp_year"_s).toInt();
    const qint64 pauseMs = std::min<qint64>(m_settleMs, kLookupPauseMs << std::min(i.undecidedLookups, 6));
    m_paytrace->exportCustomers(customerId, this,
                                [this, id, customerId, last4, month, year, pauseMs](
                                    const paytrace::Outcome &outcome, const QList<paytrace::CustomerProfile> &profiles) {
        LookupFinding f;
        const bool absent = std::any_of(outcome.errors.cbegin(), outcome.errors.cend(),
                                        [](const paytrace::ErrorEntry &e) { return e.code == u"30"; });
        if (!outcome.ok() && !absent) {
            f.kind = LookupFinding::Kind::Unreachable;
            f.note = tr("could not be looked up: %1").arg(outcome.summary());
            f.retryAt = m_clock.nowUtc().addMSecs(pauseMs);
            recordLookup(id, f);
            lookupDone(id);
            return;
        }
        const paytrace::CustomerProfile *found = nullptr;
        for (const paytrace::CustomerProfile &p : profiles) {
            if (p.customerId == customerId)
                found = &p;
        }
        const bool same = found && found->cardLast4 == last4 && found->expirationMonth == month
                          && found->expirationYear % 100 == year % 100;
        f.kind = same ? LookupFinding::Kind::Happened : LookupFinding::Kind::DidNotHappen;
        f.resultRef = same ? customerId : QString();
        f.note = !found ? u"PayTrace has no vault profile %1 — the card was not saved"_s.arg(customerId)
                 : same ? u"vault profile %1 holds the card ending %2, %3/%4 — the card was saved"_s
                              .arg(customerId, last4).arg(month, 2, 10, QLatin1Char('0')).arg(year)
                        : u"vault profile %1 holds another card (ending %2) — the card was not saved"_s
                              .arg(customerId, found->cardLast4);
        recordLookup(id, f);
        lookupDone(id);
    });
}

Status IntentRunner::reflectCustomerEffect(QSqlDatabase &db, const Intent &i, const QDateTime &now)
{
    store::CustomerRepository repo(db);
    const QJsonObject set = i.payload.value(u"set"_s).toObject();
    const QString vaultId = i.payload.value(P::kCustomerId).toString();
    switch (i.kind) {
    case IntentKind::PayTraceCustomerUpdate: {
        auto known = repo.vaultProfile(vaultId);
        if (!known)
            return known.error();
        if (!known.value())
            return Status::success(); // the next customer sync reads it
        VaultProfileRecord v = *known.value();
        if (set.contains(u"email"_s))
            v.email = set.value(u"email"_s).toString();
        if (set.contains(u"phone"_s))
            v.phone = set.value(u"phone"_s).toString();
        if (set.contains(u"billing"_s)) {
            v.billing = PostalAddress::fromJson(set.value(u"billing"_s).toObject());
            if (!v.billing.name.isEmpty())
                v.billingName = v.billing.name;
        }
        auto n = repo.upsertVaultProfiles({v}, now);
        return n ? Status::success() : Status(n.error());
    }
    case IntentKind::PayTraceCustomerCard: {
        auto known = repo.vaultProfile(vaultId);
        if (!known)
            return known.error();
        VaultProfileRecord v = known.value() ? *known.value() : VaultProfileRecord{};
        v.customerId = vaultId;
        v.deletedAt = {};
        v.cardType = i.payload.value(u"card_type"_s).toString();
        v.cardLast4 = i.payload.value(u"last4"_s).toString();
        v.expMonth = i.payload.value(u"exp_month"_s).toInt();
        v.expYear = i.payload.value(u"exp_year"_s).toInt();
        if (i.payload.value(u"mode"_s).toString() == u"create" || !known.value()) {
            v.email = i.payload.value(u"email"_s).toString();
            v.phone = i.payload.value(u"phone"_s).toString();
            v.billing = PostalAddress::fromJson(i.payload.value(u"billing"_s).toObject());
            v.billingName = v.billing.name;
        }
        auto n = repo.upsertVaultProfiles({v}, now);
        return n ? Status::success() : Status(n.error());
    }
    case IntentKind::PayTraceCustomerDelete: {
        auto q = store::detail::prepare(db, u"UPDATE vault_profiles SET deleted_at = ? WHERE customer_id = ? AND deleted_at IS NULL"_s);
        if (!q)
            return q.error();
        q.value().addBindValue(store::detail::timeToSql(now));
        q.value().addBindValue(vaultId);
        return store::detail::exec(q.value(), u"cannot mark vault profile "_s + vaultId + u" deleted"_s);
    }
    case IntentKind::MagentoCustomerUpdate: {
        const qint64 magentoId = i.payload.value(u"magento_id"_s).toVariant().toLongLong();
        auto known = repo.customer(magentoId);
        if (!known)
            return known.error();
        if (!known.value())
            return Status::success();
        MagentoCustomerRecord c = *known.value();
        if (set.contains(u"firstname"_s))
            c.firstname = set.value(u"firstname"_s).toString();
        if (set.contains(u"lastname"_s))
            c.lastname = set.value(u"lastname"_s).toString();
        if (set.contains(u"email"_s))
            c.email = set.value(u"email"_s).toString();
        if (set.contains(u"telephone"_s))
            c.phone = set.value(u"telephone"_s).toString();
        if (set.contains(u"billing"_s))
            c.billing = PostalAddress::fromJson(set.value(u"billing"_s).toObject());
        if (set.contains(u"attribute"_s))
            c.vaultAttribute = set.value(u"attribute"_s).toObject().value(u"value"_s).toString();
        auto n = repo.upsertCustomers({c}, now);
        return n ? Status::success() : Status(n.error());
    }
    default:
        return Status::success();
    }
}

} // namespace pb::sync
