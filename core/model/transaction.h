#pragma once

#include "money/money.h"

#include <QDateTime>
#include <QString>

namespace pb {

// A PayTrace transaction as seen in its export record. Status is normalised; the raw texts
// PayTrace sent are kept beside it.
struct GatewayTransaction
{
    enum class Type { Sale, Authorization, Capture, Refund, Void, Unknown };
    enum class Status {
        Approved,          // approved, not yet in a batch (status_code "Y" pending settlement)
        PendingSettlement, // captured / sale waiting for the batch to close ("Y")
        Settled,           // "GB<batch>"
        AuthorizedOnly,    // open authorization ("N" + "Authorization Only")
        Voided,            // "N" + voided
        Declined,          // "N" + declined, or response 102
        Unknown
    };

    QString transactionId;     // PayTrace transaction_id, as text
    Type type = Type::Unknown;
    QString typeText;          // raw transaction_type, e.g. "SALE"
    Status status = Status::Unknown;
    QString statusCode;        // raw status_code, e.g. "GB571", "Y", "N"
    QString statusMessage;     // raw status_message
    Money amount;              // always positive; refunds are refunds by type
    QString batch;             // batch number when settled, else empty
    QString invoiceId;
    QString customerId;        // PayTrace vault customer id, empty when none
    QString cardType;          // Visa, MasterCard, Amex, Discover, ... derived from the masked number
    QString cardLast4;
    QString approvalCode;
    QString approvalMessage;
    QString avsResponse;
    QString cscResponse;
    QString description;
    QDateTime createdAt;       // UTC, converted from Pacific local time
    QString createdAtText;     // original "M/D/YYYY h:mm:ss AM/PM"
    QDateTime settledAt;       // UTC, invalid when unsettled
    QString settledAtText;

    static QString typeName(Type t);     // "sale", "authorization", "capture", "refund", "void", "unknown"
    static QString statusName(Status s); // "approved", "pending_settlement", "settled", "authorized", "voided", "declined", "unknown"
    static Type typeFromName(QStringView name);
    static Status statusFromName(QStringView name);
};

} // namespace pb
