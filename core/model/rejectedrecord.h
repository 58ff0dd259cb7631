#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

namespace pb {

// One record from outside that PayBridge could not read: kept raw in the quarantine with what
// was wrong, so the rest of its page is stored and the sync moves on (docs/quarantine.md).
struct RejectedRecord
{
    QString source;      // one of the k* sources below
    QString externalId;  // the source's id (entity_id, transaction_id, ...); the position in its
                         // page ("items[3]") when not even the id was readable
    QString field;       // the path of the value that failed, e.g. "items[3].grand_total"
    QString reason;      // the parser's message
    QByteArray raw;      // the record as received (compact JSON, or the CSV line)
    QDateTime updatedAt; // Magento's updated_at when readable: the pager's key moves past it

    static constexpr QLatin1StringView kMagentoOrder{"magento.order"};
    static constexpr QLatin1StringView kPayTraceTransaction{"paytrace.transaction"};
    static constexpr QLatin1StringView kPayTraceBatch{"paytrace.batch"};
    static constexpr QLatin1StringView kSettlementLine{"settlement.line"};
    static constexpr QLatin1StringView kMagentoCustomer{"magento.customer"};
    static constexpr QLatin1StringView kPayTraceCustomer{"paytrace.customer"};
};

} // namespace pb

Q_DECLARE_METATYPE(pb::RejectedRecord)
