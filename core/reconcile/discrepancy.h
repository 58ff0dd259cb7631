#pragma once

#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace pb::reconcile {

// Where an input row of a reconciliation ends: exactly one bucket per row.
enum class Bucket : quint8 {
    Matched,     // agrees under a named rule
    Discrepancy, // one DiscrepancyClass: work for a person
    SetAside,    // not reconcilable in this scope (declined, open authorization, not yet due), with the reason
};

// The discrepancy taxonomy. Names are stored in the database: never rename one.
enum class DiscrepancyClass : quint8 {
    None,
    MissingInMagento,     // a PayTrace transaction (or settlement line) with no Magento order
    MissingInPayTrace,    // a settlement line (or deposit batch) PayTrace does not know
    MissingInSettlement,  // captured or settled at PayTrace but absent from the settlement report
    AmountMismatch,       // the same thing with different amounts on two sides
    CurrencyMismatch,     // the same thing in different currencies
    StatusMismatch,       // refund without credit memo, credit memo without refund, voided but invoiced or settled
    DuplicateCharge,      // the same charge twice (two captures for one invoice, a line reported twice)
    UnexpectedBatch,      // settled in another batch or on another day than PayTrace says
    UnexplainedFeeOrAdjustment, // a fee, adjustment or chargeback tied to nothing known
};

inline constexpr std::array kAllDiscrepancyClasses = {
    DiscrepancyClass::MissingInMagento,  DiscrepancyClass::MissingInPayTrace,
    DiscrepancyClass::MissingInSettlement, DiscrepancyClass::AmountMismatch,
    DiscrepancyClass::CurrencyMismatch,  DiscrepancyClass::StatusMismatch,
    DiscrepancyClass::DuplicateCharge,   DiscrepancyClass::UnexpectedBatch,
    DiscrepancyClass::UnexplainedFeeOrAdjustment,
};

QString bucketName(Bucket b);                   // "matched", "discrepancy", "set_aside"
QString className(DiscrepancyClass c);          // "missing_in_magento", ... ("" for None)
std::optional<DiscrepancyClass> classFromName(QStringView name);

// How a person resolves a discrepancy. Reopening is not a resolution: it clears one.
enum class ResolutionKind : quint8 { Accept, Link, CreditMemo, Refund, WriteOff };
QString resolutionName(ResolutionKind k);       // "accept", "link", "credit_memo", "refund", "write_off"
std::optional<ResolutionKind> resolutionFromName(QStringView name);

} // namespace pb::reconcile
