#pragma once

#include "intents/intentjournal.h"
#include "mapping/mappingprofile.h"
#include "model/customer.h"
#include "sync/operations.h"
#include "sync/orderpayment.h"

#include <QDateTime>
#include <QList>

namespace pb::sync {

// A person's (or a rule's) request turned into its chain of intents: the PayTrace step first,
// then the Magento document, then the ERP entry. Later steps name the earlier one in their
// payload ("after") and are sent only once it succeeded; they read its result (the PayTrace
// transaction id) when they are sent.
struct PlannedChain
{
    OperationPreview preview;                // allowed == false: `requests` is empty
    QString refusalCode;                     // "invariant.*", "operation.*" when refused
    QList<intents::PlanRequest> requests;
};

struct PlanOptions
{
    QString keyRoot;          // names the chain; empty: the next free "<kind>:<increment id>:<n>"
    bool magentoStep = true;  // false when Magento already holds the document (rules that react to it)
    // Charge: the vault profile named by the request as the store holds it (nullopt: unknown).
    std::optional<VaultProfileRecord> vault = std::nullopt;
};

class OperationPlanner
{
public:
    static PlannedChain plan(const OrderPayment &payment, const OperationRequest &request,
                             const mapping::MappingProfile &profile, const QDateTime &now,
                             const PlanOptions &options = {});

    // When PayTrace's batch for a transaction made at `now` closes (8 pm Pacific, the default
    // batch time), plus a margin: a partial refund of an unsettled payment waits until then.
    static QDateTime nextBatchClose(const QDateTime &now);
    // The merchant's business day of a moment: its date on the PayTrace account's clock
    // (Pacific), the day ERP entries are booked on. A sale at 5 pm Pacific on the 31st is
    // booked on the 31st, though it is already the 1st in UTC.
    static QDate businessDay(const QDateTime &at);

    // Payload keys shared by the runner.
    static constexpr QLatin1StringView kAfter{"after"};
    static constexpr QLatin1StringView kOrder{"order"};
    static constexpr QLatin1StringView kOrderEntityId{"order_entity_id"};
    static constexpr QLatin1StringView kAmount{"amount"};
    static constexpr QLatin1StringView kCurrency{"currency"};
    static constexpr QLatin1StringView kTransactionId{"transaction_id"};
    static constexpr QLatin1StringView kFull{"full"};
    static constexpr QLatin1StringView kReason{"reason"};
    static constexpr QLatin1StringView kOperation{"operation"};  // capture | void | refund | sale
    static constexpr QLatin1StringView kEntry{"entry"};          // ERP: sale | payment | refund
    static constexpr QLatin1StringView kComment{"comment"};      // Magento comment text ({marker})
    static constexpr QLatin1StringView kStatus{"status"};        // Magento status to set, or ""
    // Order amounts Magento keeps finer than the currency (docs/magento.md §7): field →
    // {exact, rounded, difference}. What moves is the rounded amount; the difference stays here.
    static constexpr QLatin1StringView kRounding{"magento_rounding"};
    // Charge (paytrace.sale by vault customer).
    static constexpr QLatin1StringView kCustomerId{"customer_id"};
    static constexpr QLatin1StringView kAuthorize{"authorize"};    // true: an authorization only
    static constexpr QLatin1StringView kDescription{"description"}; // carries the reference token
    static constexpr QLatin1StringView kInvoiceId{"invoice_id"};

    // "Visa …4242, 04/2027" for a card on file, "" parts left out.
    static QString cardText(const VaultProfileRecord &vault);
};

} // namespace pb::sync
