#include "reconcile/discrepancy.h"

#include <utility>

using namespace Qt::StringLiterals;

namespace pb::reconcile {

namespace {

constexpr std::array kClassNames = {
    std::pair{DiscrepancyClass::MissingInMagento, "missing_in_magento"_L1},
    std::pair{DiscrepancyClass::MissingInPayTrace, "missing_in_paytrace"_L1},
    std::pair{DiscrepancyClass::MissingInSettlement, "missing_in_settlement"_L1},
    std::pair{DiscrepancyClass::AmountMismatch, "amount_mismatch"_L1},
    std::pair{DiscrepancyClass::CurrencyMismatch, "currency_mismatch"_L1},
    std::pair{DiscrepancyClass::StatusMismatch, "status_mismatch"_L1},
    std::pair{DiscrepancyClass::DuplicateCharge, "duplicate_charge"_L1},
    std::pair{DiscrepancyClass::UnexpectedBatch, "unexpected_batch"_L1},
    std::pair{DiscrepancyClass::UnexplainedFeeOrAdjustment, "unexplained_fee_or_adjustment"_L1},
};

constexpr std::array kResolutionNames = {
    std::pair{ResolutionKind::Accept, "accept"_L1},
    std::pair{ResolutionKind::Link, "link"_L1},
    std::pair{ResolutionKind::CreditMemo, "credit_memo"_L1},
    std::pair{ResolutionKind::Refund, "refund"_L1},
    std::pair{ResolutionKind::WriteOff, "write_off"_L1},
};

} // namespace

QString bucketName(Bucket b)
{
    switch (b) {
    case Bucket::Matched:
        return u"matched"_s;
    case Bucket::Discrepancy:
        return u"discrepancy"_s;
    case Bucket::SetAside:
        return u"set_aside"_s;
    }
    return u"matched"_s;
}

QString className(DiscrepancyClass c)
{
    for (const auto &[k, name] : kClassNames) {
        if (k == c)
            return QString(name);
    }
    return {};
}

std::optional<DiscrepancyClass> classFromName(QStringView name)
{
    for (const auto &[k, n] : kClassNames) {
        if (name == n)
            return k;
    }
    return std::nullopt;
}

QString resolutionName(ResolutionKind k)
{
    for (const auto &[r, name] : kResolutionNames) {
        if (r == k)
            return QString(name);
    }
    return {};
}

std::optional<ResolutionKind> resolutionFromName(QStringView name)
{
    for (const auto &[r, n] : kResolutionNames) {
        if (name == n)
            return r;
    }
    return std::nullopt;
}

} // namespace pb::reconcile
