#pragma once

#include "erp/journalentry.h"
#include "mapping/mappingprofile.h"
#include "money/money.h"
#include "util/result.h"

#include <QDate>
#include <QList>
#include <QSqlDatabase>
#include <QString>

namespace pb::erp {

// What happened on one PayTrace batch day (Pacific), as the day's journal books it.
struct DayActivity
{
    QDate date;

    // A settled gateway transaction: a sale or capture (money owed by the card network) or a
    // refund. amount is positive.
    struct Settled
    {
        QString transactionId;
        QString incrementId; // the linked order (invoice_id); empty when none
        Money amount;
    };
    QList<Settled> captures;
    QList<Settled> refunds;

    // A line of the processor's or bank's settlement report. amount is signed as the report
    // has it: negative is money out of the merchant's funds (a fee, a chargeback), positive is
    // money in (a deposit, a fee rebate, a chargeback reversed).
    struct ReportLine
    {
        qint64 lineId = 0;   // settlement_lines.id: makes the reference unique and stable
        QString batch;
        QString reference;
        QString transactionId;
        Money amount;
    };
    QList<ReportLine> deposits;
    QList<ReportLine> fees;
    QList<ReportLine> chargebacks;
    QList<ReportLine> adjustments;

    // Decided by a person in reconciliation; amount positive.
    struct WriteOff
    {
        QString incrementId;
        Money amount;
    };
    QList<WriteOff> writeOffs;
};

// The day's journal with the profile's accounts, in a fixed order: per capture a sale
// (receivables/sales, "pb:sale:<order>:<txn>") and its card payment (clearing/receivables,
// "pb:payment:<order>:<txn>"); refunds ("pb:refund:<order>:<txn>"); chargebacks, fees and
// adjustments from the report ("pb:chargeback|fee|adjustment:<batch or date>:<line id>", booked
// against the clearing account; a positive line is booked reversed); deposits
// ("pb:deposit:<batch or date>:<line id>", cash/clearing); write-offs ("pb:writeoff:<order>").
// Adjustments are booked to the fees account. Fails with the first invalid item, naming it.
// A reference part ("100000123", "txn:42", a batch) without what would end a ledger tag
// (whitespace, ',' and ';').
QString refPart(const QString &s);

Result<QList<JournalEntry>> buildDayJournal(const mapping::MappingProfile &profile, const DayActivity &activity);

// Fills a DayActivity (without write-offs) from a PayBridge store: gateway transactions in
// status "settled" whose settlement time falls on `date` in `timeZone` (the batch clock's
// zone), and the settlement_lines dated `date` of kind deposit, fee, chargeback and adjustment.
// Sale and refund report lines are not booked: the settled transactions already are.
Result<DayActivity> readDayActivity(QSqlDatabase &db, const QDate &date,
                                    const QByteArray &timeZone = QByteArrayLiteral("America/Los_Angeles"));

} // namespace pb::erp
