#pragma once

#include "mapping/transform.h"
#include "model/customer.h"
#include "model/transaction.h"
#include "money/money.h"
#include "util/result.h"

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <array>
#include <optional>

namespace pb::mapping {

// The profile format version this build reads and writes.
inline constexpr int kProfileVersion = 1;

// Which PayTrace field links a transaction to which Magento order field, with the transforms
// applied to the PayTrace value first, and the fallback match used when the key finds nothing.
struct LinkFallback
{
    bool enabled = true;
    qint64 amountToleranceMinor = 0; // |transaction − order grand total| allowed, in minor units
    int timeWindowMinutes = 120;     // transaction time within this many minutes of order creation
    bool matchLast4 = true;          // card last four must equal the order's cc_last4
};

struct LinkKey
{
    QString paytraceField;  // invoice_id, customer_reference_id, description, transaction_id
    QString magentoField;   // increment_id, entity_id, last_trans_id
    TransformChain transforms;
    LinkFallback fallback;

    // The (PayTrace field, Magento field) pairs PayBridge knows how to link.
    static QList<std::pair<QString, QString>> supportedPairs();
    // The key value of a transaction: its `paytraceField` through the transforms. Fails when
    // the transaction does not carry that field (e.g. no invoice_id) or a transform fails.
    Result<QString> keyOf(const GatewayTransaction &tx) const;
};

struct CustomStatus
{
    QString code;  // [a-z][a-z0-9_]*, at most 32 characters (Magento's status column)
    QString label;
    QString state; // one of the Magento order states
    friend bool operator==(const CustomStatus &, const CustomStatus &) = default;
};

// Rules: which gateway or Magento events produce which work.
struct PaymentApprovedRule
{
    bool enabled = true;
    bool setStatus = true;
    bool addComment = true;
    QString commentTemplate; // placeholders: see MappingProfile::commentPlaceholders()
    bool erpEntries = true;  // sale and payment journal entries
    QString paymentDebit;    // "clearing" (settled later by a deposit) or "cash"
    friend bool operator==(const PaymentApprovedRule &, const PaymentApprovedRule &) = default;
};

// An open authorization on an order that Magento invoiced or shipped is captured at PayTrace,
// then invoiced in Magento with capture:false so the store's own payment module cannot capture
// a second time (docs/magento.md §3).
struct CaptureRule
{
    bool enabled = true;
    QString trigger; // "invoiced", "shipped" or "invoiced_or_shipped"
    friend bool operator==(const CaptureRule &, const CaptureRule &) = default;
};

// A credit memo created in Magento is refunded at PayTrace; an unsettled payment is voided
// instead when allowed (PayTrace refuses refunds before settlement, error 817).
struct CreditMemoRule
{
    bool enabled = true;
    bool voidWhenUnsettled = true;
    friend bool operator==(const CreditMemoRule &, const CreditMemoRule &) = default;
};

// An order canceled in Magento voids its open (unsettled) authorization.
struct CancelVoidRule
{
    bool enabled = true;
    friend bool operator==(const CancelVoidRule &, const CancelVoidRule &) = default;
};

struct Rules
{
    PaymentApprovedRule paymentApproved;
    CaptureRule captureOnInvoiceOrShipment;
    CreditMemoRule creditMemoRefund;
    CancelVoidRule cancelVoid;
    friend bool operator==(const Rules &, const Rules &) = default;
};

// Which side's value a kept-in-step customer field takes (docs/customers.md): on a
// conflict (both sides changed since the last sync) Magento's or PayTrace's value is written
// to the other side, or, with Ask, the conflict waits for a person. A change made on one side
// only reaches the other side with MagentoWins and PayTraceWins; with Ask it waits too.
enum class FieldDirection { MagentoWins, PayTraceWins, Ask };
QString fieldDirectionName(FieldDirection direction); // "magento", "paytrace", "ask"
std::optional<FieldDirection> fieldDirectionFromName(QStringView name);

// The "customers" section: how Magento customers and PayTrace vault profiles are linked and
// kept in step. Optional in documents; absent means these defaults.
struct CustomerRules
{
    bool enabled = true;
    QString attributeCode = QStringLiteral("paytrace_customer_id"); // Magento customer attribute holding the vault id
    bool matchByEmail = true;
    QMap<CustomerField, FieldDirection> directions = defaultDirections(); // every field
    bool deleteVaultAutomatically = false; // "onMagentoDelete": "automatic" (true) or "ask"
    QString newVaultIdTemplate = QStringLiteral("mage-{id}"); // the vault id PayBridge gives a new profile
    bool expiryComment = false;

    FieldDirection direction(CustomerField field) const
    {
        return directions.value(field, FieldDirection::MagentoWins);
    }
    // The vault id for a new profile of Magento customer `magentoId`.
    QString vaultIdFor(qint64 magentoId) const;
    static QMap<CustomerField, FieldDirection> defaultDirections();
    friend bool operator==(const CustomerRules &, const CustomerRules &) = default;
};

// Roles of ledger accounts. The JSON keys are the role names.
enum class AccountRole { Receivables, Clearing, Cash, Sales, Refunds, Chargebacks, Fees, WriteOffs };
inline constexpr std::array kAccountRoles = {AccountRole::Receivables, AccountRole::Clearing, AccountRole::Cash,
                                             AccountRole::Sales, AccountRole::Refunds, AccountRole::Chargebacks,
                                             AccountRole::Fees, AccountRole::WriteOffs};
QString accountRoleName(AccountRole role); // "receivables", "clearing", "cash", "sales", "refunds", "chargebacks", "fees", "writeOffs"

// Ledger account names: non-empty, colon-separated parts, each part non-empty without
// leading/trailing spaces; no tabs, no two consecutive spaces (the ledger format's
// account/amount separator), no ';', no control characters, not starting with '(' or '['.
Status validateAccountName(const QString &name, const QString &field);

struct ErpAccounts
{
    QMap<AccountRole, QString> defaults;                 // every role
    QMap<QString, QMap<AccountRole, QString>> perCurrency; // ISO code → roles overridden for it
    friend bool operator==(const ErpAccounts &, const ErpAccounts &) = default;
};

// The standard journal entries and how each is booked (debit account, credit account).
enum class EntryKind { Sale, Payment, Refund, Chargeback, Fee, WriteOff, SettlementDeposit };
QString entryKindName(EntryKind kind); // sale, payment, refund, chargeback, fee, writeoff, deposit

struct PlannedPosting
{
    QString account;
    Money amount; // debit positive, credit negative
};

// A journal entry as the profile would book it, in plain data; core/erp turns it into a
// validated JournalEntry.
struct EntryPlan
{
    EntryKind kind = EntryKind::Sale;
    QString externalRef; // "pb:<kind>:<subject>", unique per effect
    QString description;
    QList<PlannedPosting> postings;
};

class MappingProfile
{
public:
    // Parses and validates. Errors name the JSON path, e.g. field "statusMap.settled",
    // message "'shipped' is not a Magento status". Unknown keys are refused.
    static Result<MappingProfile> fromJson(const QByteArray &json);
    // The profile shipped in resources/mapping/default.json (compiled in).
    static MappingProfile defaults();

    QByteArray toJson() const;

    // The Magento status for a gateway status; empty when the profile leaves the status alone
    // (null in the map) or the status is Unknown.
    QString magentoStatusFor(GatewayTransaction::Status status) const;
    // Same, by status-map key, including the order-level "refunded" and "partially_refunded".
    QString magentoStatusFor(QStringView gatewayStatusKey) const;
    // The state a status belongs to (built-in or custom); empty when unknown.
    QString stateOfStatus(const QString &status) const;

    // The account for a role in a currency: the per-currency override, else the default.
    QString account(AccountRole role, const Currency &currency) const;
    // How the profile books `kind` for `amount` (positive). `subject` makes the reference
    // unique (order increment id, "<increment id>:<transaction id>", batch number ...).
    Result<EntryPlan> planEntry(EntryKind kind, const QString &subject, const Money &amount,
                                const QString &description = {}) const;
    // The payment comment for a transaction, with placeholders filled in.
    QString renderComment(const GatewayTransaction &tx, const QString &incrementId) const;

    QString name() const { return m_name; }
    const LinkKey &linkKey() const { return m_linkKey; }
    const QMap<QString, QString> &statusMap() const { return m_statusMap; } // key → status ("" = leave)
    const QList<CustomStatus> &customStatuses() const { return m_customStatuses; }
    const Rules &rules() const { return m_rules; }
    const ErpAccounts &erpAccounts() const { return m_accounts; }
    const CustomerRules &customers() const { return m_customers; }
    // For the Mapping page's Customers tab. Kept as given: validateCustomers() says what
    // fromJson would refuse, and saving a document checks it again.
    void setCustomers(const CustomerRules &rules) { m_customers = rules; }
    // Errors name the key as in documents ("customers.newVaultId").
    static Status validateCustomers(const CustomerRules &rules);

    static QStringList gatewayStatusKeys();   // the nine status-map keys (charged_back optional in documents)
    // The Magento states an order can be in when that payment event happens (docs/magento.md
    // §5); a status-map entry must be a status of one of them. Empty for an unknown key.
    static QStringList allowedStatesFor(QStringView eventKey);
    static QStringList builtInStatuses();     // Magento's installed statuses (docs/magento.md §5)
    static QStringList magentoStates();
    static QStringList commentPlaceholders(); // {transaction_id}, {amount}, ...

    friend bool operator==(const MappingProfile &a, const MappingProfile &b);

private:
    QString m_name;
    LinkKey m_linkKey;
    QMap<QString, QString> m_statusMap;
    QList<CustomStatus> m_customStatuses;
    Rules m_rules;
    ErpAccounts m_accounts;
    CustomerRules m_customers;
};

} // namespace pb::mapping
