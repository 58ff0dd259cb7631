#include "customers/cardvault.h"

#include "log/categories.h"
#include "paytrace/paytraceclient.h"
#include "store/customerrepository.h"

#include <QCryptographicHash>
#include <QJsonDocument>
#include <QUrl>
#include <QUuid>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace pb::customers {

namespace {

using intents::AttemptReport;
using intents::IntentKind;

// Not sent until then: a writer that stops between planning and sending leaves a planned
// intent, which the runner later marks dead "card.reenter" (it cannot send it).
constexpr qint64 kNotBeforeSeconds = 600;

QString pct(const QString &id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(id));
}

bool hasError(const paytrace::Outcome &outcome, QStringView code)
{
    return std::any_of(outcome.errors.cbegin(), outcome.errors.cend(),
                       [code](const paytrace::ErrorEntry &e) { return e.code == code; });
}

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

CardOutcome refused(const QString &code, const QString &message)
{
    CardOutcome o;
    o.kind = CardOutcome::Kind::Refused;
    o.errorCode = code;
    o.message = message;
    return o;
}

} // namespace

CardVaultWriter::CardVaultWriter(QSqlDatabase &db, const Clock &clock, intents::IntentJournal &journal,
                                 paytrace::PayTraceClient *paytrace, Settings settings, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_clock(clock)
    , m_journal(journal)
    , m_paytrace(paytrace)
    , m_settings(std::move(settings))
{
}

QString CardVaultWriter::vaultIdFor(const QString &idTemplate, qint64 magentoId)
{
    QString t = idTemplate.contains(u"{id}") ? idTemplate : u"mage-{id}"_s;
    return t.replace(u"{id}"_s, QString::number(magentoId));
}

QString CardVaultWriter::cardKeyRoot(const QString &vaultId)
{
    return u"customer:card:"_s + pct(vaultId);
}

void CardVaultWriter::submit(const CardSubmission &s, std::function<void(const CardOutcome &)> done)
{
    const bool create = s.mode == CardSubmission::Mode::Create;
    const QDate today = m_clock.nowUtc().date();
    if (s.reason.trimmed().isEmpty())
        return done(refused(u"operation.reason"_s, tr("A reason is required; it is kept with the card change and in the audit log.")));
    if (s.card.encryptedNumber.isEmpty())
        return done(refused(u"card.missing"_s, tr("No card number was entered.")));
    if (s.card.expirationMonth < 1 || s.card.expirationMonth > 12 || s.card.expirationYear < 2000
        || QDate(s.card.expirationYear, s.card.expirationMonth, 1).addMonths(1) <= QDate(today.year(), today.month(), 1))
        return done(refused(u"card.expired"_s, tr("The card's expiry date has passed; check the month and year.")));
    if (s.last4.size() != 4 || !std::all_of(s.last4.cbegin(), s.last4.cend(), [](QChar c) { return c.isDigit(); }))
        return done(refused(u"card.last4"_s, tr("The card's last four digits are missing.")));

    store::CustomerRepository repo(m_db);
    QString vaultId = s.vaultCustomerId.trimmed();
    if (create && vaultId.isEmpty()) {
        if (!s.magentoId)
            return done(refused(u"card.no_customer"_s,
                                tr("A new vault profile needs the Magento customer it belongs to.")));
        vaultId = vaultIdFor(m_settings.newVaultIdTemplate, *s.magentoId);
    }
    if (vaultId.isEmpty())
        return done(refused(u"card.no_profile"_s, tr("Pick the vault profile whose card is replaced.")));
    auto existing = repo.vaultProfile(vaultId);
    if (!existing)
        return done(refused(existing.error().code, existing.error().message));
    const bool present = existing.value() && !existing.value()->deletedAt.isValid();
    if (!create && !present)
        return done(refused(u"card.no_profile"_s,
                            tr("PayTrace vault profile %1 is not known to PayBridge; run a customer sync or add a "
                               "new profile instead.").arg(vaultId)));
    if (create && present)
        return done(refused(u"card.profile_exists"_s,
                            tr("PayTrace vault profile %1 exists already; replace its card instead.").arg(vaultId)));

    // The next free key for this profile: every card change is its own intent.
    QString key;
    for (int n = 1; n < 10000 && key.isEmpty(); ++n) {
        const QString candidate = cardKeyRoot(vaultId) + u':' + QString::number(n);
        auto found = m_journal.findByKey(candidate);
        if (!found)
            return done(refused(found.error().code, found.error().message));
        if (!found.value())
            key = candidate;
    }

    intents::PlanRequest plan;
    plan.kind = IntentKind::PayTraceCustomerCard;
    plan.naturalKey = key;
    plan.requestedBy = s.actor;
    plan.notBefore = m_clock.nowUtc().addSecs(kNotBeforeSeconds);
    plan.payload = QJsonObject{
        {u"customer_id"_s, vaultId},
        {u"mode"_s, create ? u"create"_s : u"replace"_s},
        {u"magento_id"_s, s.magentoId ? QString::number(*s.magentoId) : QString()},
        {u"card_type"_s, s.cardType},
        {u"last4"_s, s.last4},
        {u"exp_month"_s, s.card.expirationMonth},
        {u"exp_year"_s, s.card.expirationYear},
        {u"billing"_s, s.billing.toJson()},
        {u"email"_s, s.email},
        {u"phone"_s, s.phone},
        {u"reason"_s, s.reason},
    };
    auto planned = m_journal.plan(plan);
    if (!planned)
        return done(refused(planned.error().code, planned.error().message));
    const intents::Intent intent = planned->intent;
    auto ticket = m_journal.markSending(intent.id, QUuid::createUuid().toString(QUuid::WithoutBraces));
    if (!ticket)
        return done(refused(ticket.error().code, ticket.error().message));

    auto answer = [this, intent, t = ticket.value(), s, done](const paytrace::Outcome &outcome) {
        record(intent, t, s, outcome, done);
    };
    if (create) {
        paytrace::CustomerCreateRequest r;
        r.customerId = vaultId;
        r.card = s.card;
        r.billing = paytraceAddress(s.billing);
        r.email = s.email;
        r.phone = s.phone;
        m_paytrace->createCustomer(r, this, answer);
    } else {
        paytrace::CustomerUpdateRequest r;
        r.customerId = vaultId;
        r.card = s.card;
        m_paytrace->updateCustomer(r, this, answer);
    }
}

void CardVaultWriter::record(const intents::Intent &intent, const intents::SendTicket &ticket,
                             const CardSubmission &s, const paytrace::Outcome &outcome,
                             std::function<void(const CardOutcome &)> done)
{
    const QString vaultId = intent.payload.value(u"customer_id"_s).toString();
    const bool create = intent.payload.value(u"mode"_s).toString() == u"create";
    AttemptReport report;
    report.outcome = paytrace::Outcome::kindName(outcome.kind);
    report.httpStatus = outcome.httpStatus > 0 ? std::optional<int>(outcome.httpStatus) : std::nullopt;
    report.requestId = outcome.requestId;
    report.message = outcome.summary();
    CardOutcome out;
    out.vaultCustomerId = vaultId;
    out.intentId = intent.id;

    if (outcome.ok()) {
        report.resultRef = vaultId;
        Status recorded = m_journal.markSucceeded(ticket, report);
        if (!recorded)
            qCWarning(lcSync) << "card intent" << intent.id << "succeeded at PayTrace but was not recorded:"
                              << recorded.error().toString();
        // The console shows the card at once; the next customer sync reads PayTrace's record.
        store::CustomerRepository repo(m_db);
        auto known = repo.vaultProfile(vaultId);
        VaultProfileRecord v = known && known.value() ? *known.value() : VaultProfileRecord{};
        v.customerId = vaultId;
        v.deletedAt = {};
        v.cardType = s.cardType;
        v.cardLast4 = s.last4;
        v.expMonth = s.card.expirationMonth;
        v.expYear = s.card.expirationYear;
        if (create) {
            v.email = s.email;
            v.phone = s.phone;
            v.billing = s.billing;
            v.billingName = s.billing.name;
        }
        if (auto n = repo.upsertVaultProfiles({v}, m_clock.nowUtc()); !n)
            qCWarning(lcSync) << "vault profile" << vaultId << "saved, but the store could not show it yet:"
                              << n.error().toString();
        if (create && s.magentoId) {
            if (Status linked = linkCreated(s, vaultId); !linked)
                qCWarning(lcSync) << "vault profile" << vaultId << "created, but not linked yet:" << linked.error().toString();
        }
        out.kind = CardOutcome::Kind::Saved;
        out.message = create ? tr("Vault profile %1 was created with the card ending %2.").arg(vaultId, s.last4)
                             : tr("The card on file of %1 is now the card ending %2.").arg(vaultId, s.last4);
        done(out);
        return;
    }
    if (outcome.kind == paytrace::Outcome::Kind::InDoubt) {
        report.errorClass = net::ErrorClass::InDoubt;
        if (Status s2 = m_journal.markInDoubt(ticket, report); !s2)
            qCWarning(lcSync) << "card intent" << intent.id << "in doubt, not recorded:" << s2.error().toString();
        out.kind = CardOutcome::Kind::InDoubt;
        out.errorCode = u"intent.in_doubt"_s;
        out.message = tr("PayTrace's answer was lost, so PayBridge does not know yet whether the card was saved. It "
                         "reads the vault profile from PayTrace and decides; if the card is not there, it must be "
                         "typed again. See the Queue page.");
        done(out);
        return;
    }
    // Refused or failed: nothing changed at PayTrace. Not retried — the person still has the
    // dialog open and can send again (a new intent).
    report.errorClass = outcome.errorClass() == net::ErrorClass::None ? net::ErrorClass::Permanent : outcome.errorClass();
    QString reason = u"paytrace."_s + paytrace::Outcome::kindName(outcome.kind);
    out.kind = CardOutcome::Kind::Failed;
    out.errorCode = reason;
    out.message = tr("PayTrace did not save the card: %1").arg(outcome.summary());
    if (create && hasError(outcome, u"171")) {
        reason = u"paytrace.customer_exists"_s;
        out.errorCode = reason;
        out.message = tr("PayTrace already has a vault profile %1; replace its card instead, or change the mapping's "
                         "template for new vault ids.").arg(vaultId);
    } else if (!create && hasError(outcome, u"30")) {
        reason = u"paytrace.customer_not_found"_s;
        out.errorCode = reason;
        out.message = tr("PayTrace has no vault profile %1 (any more); add a new profile instead.").arg(vaultId);
    }
    if (Status s2 = m_journal.markDead(ticket, report, reason); !s2)
        qCWarning(lcSync) << "card intent" << intent.id << "failed, not recorded:" << s2.error().toString();
    done(out);
}

Status CardVaultWriter::linkCreated(const CardSubmission &s, const QString &vaultId)
{
    const qint64 magentoId = *s.magentoId;
    const QDateTime now = m_clock.nowUtc();
    store::CustomerRepository repo(m_db);
    // The link attribute in Magento, through an intent (idempotent, sent by the runner).
    const QJsonObject set{{u"attribute"_s, QJsonObject{{u"code"_s, m_settings.attributeCode}, {u"value"_s, vaultId}}}};
    const QByteArray hash = QCryptographicHash::hash(QJsonDocument(set).toJson(QJsonDocument::Compact),
                                                     QCryptographicHash::Sha1).toHex().left(8);
    intents::PlanRequest attr;
    attr.kind = IntentKind::MagentoCustomerUpdate;
    attr.naturalKey = u"customer:mg:"_s + QString::number(magentoId) + u':' + QString::fromLatin1(hash);
    attr.requestedBy = s.actor;
    attr.payload = QJsonObject{{u"magento_id"_s, QString::number(magentoId)},
                               {u"customer_id"_s, vaultId},
                               {u"set"_s, set},
                               {u"reason"_s, s.reason}};
    if (auto planned = m_journal.plan(attr); !planned)
        return planned.error();
    auto link = repo.linkByMagento(magentoId);
    if (!link)
        return link.error();
    if (link.value())
        return Status::success(); // linked already (to this or another profile): a person decides
    CustomerFieldValues base;
    if (auto customer = repo.customer(magentoId); customer && customer.value())
        base = customer.value()->fields();
    auto linked = repo.link(magentoId, vaultId, u"created"_s,
                            tr("PayBridge created vault profile %1 for this customer").arg(vaultId), base, s.actor, now);
    return linked ? Status::success() : Status(linked.error());
}

} // namespace pb::customers
