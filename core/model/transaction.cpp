#include "model/transaction.h"

#include <array>
#include <utility>

using namespace Qt::StringLiterals;

namespace pb {

namespace {

// The names are stored in the database and used in mapping profiles: never rename one.
constexpr std::array kTypeNames = {
    std::pair{GatewayTransaction::Type::Sale, "sale"_L1},
    std::pair{GatewayTransaction::Type::Authorization, "authorization"_L1},
    std::pair{GatewayTransaction::Type::Capture, "capture"_L1},
    std::pair{GatewayTransaction::Type::Refund, "refund"_L1},
    std::pair{GatewayTransaction::Type::Void, "void"_L1},
    std::pair{GatewayTransaction::Type::Unknown, "unknown"_L1},
};

constexpr std::array kStatusNames = {
    std::pair{GatewayTransaction::Status::Approved, "approved"_L1},
    std::pair{GatewayTransaction::Status::PendingSettlement, "pending_settlement"_L1},
    std::pair{GatewayTransaction::Status::Settled, "settled"_L1},
    std::pair{GatewayTransaction::Status::AuthorizedOnly, "authorized"_L1},
    std::pair{GatewayTransaction::Status::Voided, "voided"_L1},
    std::pair{GatewayTransaction::Status::Declined, "declined"_L1},
    std::pair{GatewayTransaction::Status::Unknown, "unknown"_L1},
};

template<typename Enum, std::size_t N>
QString nameOf(const std::array<std::pair<Enum, QLatin1StringView>, N> &table, Enum value)
{
    for (const auto &[e, name] : table) {
        if (e == value)
            return QString(name);
    }
    return u"unknown"_s;
}

template<typename Enum, std::size_t N>
Enum valueOf(const std::array<std::pair<Enum, QLatin1StringView>, N> &table, QStringView name,
             Enum fallback)
{
    for (const auto &[e, n] : table) {
        if (name.compare(n, Qt::CaseInsensitive) == 0)
            return e;
    }
    return fallback;
}

} // namespace

QString GatewayTransaction::typeName(Type t)
{
    return nameOf(kTypeNames, t);
}

QString GatewayTransaction::statusName(Status s)
{
    return nameOf(kStatusNames, s);
}

GatewayTransaction::Type GatewayTransaction::typeFromName(QStringView name)
{
    return valueOf(kTypeNames, name, Type::Unknown);
}

GatewayTransaction::Status GatewayTransaction::statusFromName(QStringView name)
{
    return valueOf(kStatusNames, name, Status::Unknown);
}

} // namespace pb
