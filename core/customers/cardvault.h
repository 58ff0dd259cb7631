#pragma once

#include "intents/intentjournal.h"
#include "model/customer.h"
#include "paytrace/cardencryptor.h"
#include "util/clock.h"

#include <QObject>
#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <optional>

namespace pb::paytrace {
class PayTraceClient;
struct Outcome;
}

namespace pb::customers {

// A card typed into the console for a customer's vault profile: already encrypted with the
// merchant's PayTrace key (the plaintext never leaves the card-entry dialog). The ciphertext
// lives only in this object's memory; it is never stored (docs/intents.md "Customers").
struct CardSubmission
{
    enum class Mode { Create, Replace };
    Mode mode = Mode::Replace;
    // Replace: the profile whose card is replaced (required). Create: the id for the new
    // profile; empty → the mapping's template ("mage-{id}") with the Magento customer id.
    QString vaultCustomerId;
    // The Magento customer the profile belongs to (required for Create: it names the new
    // profile and gets the link attribute).
    std::optional<qint64> magentoId;
    paytrace::EncryptedCard card;
    QString cardType;          // "Visa", from the typed number's first digits
    QString last4;             // the typed number's last four digits
    PostalAddress billing;     // Create: the billing address (name included)
    QString email;
    QString phone;
    QString reason;
    QString actor;
};

struct CardOutcome
{
    enum class Kind {
        Saved,     // PayTrace holds the card (and, on create, the link is planned)
        InDoubt,   // the answer was lost: the janitor reads PayTrace's vault and decides
        Refused,   // nothing was sent: permissions, bad input, an expired card
        Failed     // PayTrace refused it; nothing changed there
    };
    Kind kind = Kind::Failed;
    QString message;           // plain language, what to do next when it did not succeed
    QString errorCode;
    QString vaultCustomerId;
    qint64 intentId = 0;
};

// Saves a card on file at PayTrace exactly once. It plans the paytrace.customer.card intent
// (no ciphertext in it), marks it sending through the journal, sends the create or update at
// once while it holds the ciphertext, and records the answer. A create also plans the
// magento.customer.update that sets the link attribute and links the pair (rule "created").
// An intent found due later by the runner cannot be sent (the ciphertext is gone): dead
// "card.reenter"; one in doubt is decided by the janitor from PayTrace's customer export.
class CardVaultWriter : public QObject
{
    Q_OBJECT
public:
    struct Settings
    {
        QString newVaultIdTemplate = QStringLiteral("mage-{id}");
        QString attributeCode = QStringLiteral("paytrace_customer_id");
    };

    CardVaultWriter(QSqlDatabase &db, const Clock &clock, intents::IntentJournal &journal,
                    paytrace::PayTraceClient *paytrace, Settings settings, QObject *parent = nullptr);

    // `done` runs once, on this object's thread. The caller has checked permissions.
    void submit(const CardSubmission &submission, std::function<void(const CardOutcome &)> done);

    // The vault id for a new profile of Magento customer `magentoId`.
    static QString vaultIdFor(const QString &idTemplate, qint64 magentoId);
    // "customer:card:<pct-encoded vault id>:<n>".
    static QString cardKeyRoot(const QString &vaultId);

private:
    void record(const intents::Intent &intent, const intents::SendTicket &ticket, const CardSubmission &submission,
                const paytrace::Outcome &outcome, std::function<void(const CardOutcome &)> done);
    Status linkCreated(const CardSubmission &submission, const QString &vaultId);

    QSqlDatabase &m_db;
    const Clock &m_clock;
    intents::IntentJournal &m_journal;
    paytrace::PayTraceClient *m_paytrace;
    Settings m_settings;
};

} // namespace pb::customers
