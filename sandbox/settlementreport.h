#pragma once

// The processor's settlement report for the sandbox's PayTrace batches, as a CSV file, with
// known reconciliation problems planted in it and in the Magento orders (ground truth for the
// matcher). Core-free like the rest of the sandbox: classes are named by the strings
// core/reconcile stores ("amount_mismatch", ...).

#include "datamodel.h"

#include <QByteArray>
#include <QDate>
#include <QList>
#include <QMap>
#include <QString>

namespace pb::sandbox {

class MagentoSimulator;
class PayTraceSimulator;

// One planted problem and the class a correct matcher gives it.
struct PlantedDiscrepancy
{
    QString className;     // "missing_in_magento", "amount_mismatch", ...
    QString transactionId; // the transaction the problem is about; "" when none
    QString incrementId;   // the Magento order it is about; "" when none
    QString what;          // a short note for failure messages
};

struct SettlementReportOptions
{
    QDate from;               // batch-clock (Pacific) dates of the batches to report, inclusive
    QDate to;
    bool plant = true;        // plant one problem of every class (needs enough data in range)
    qint64 batchFeeMinor = -1995; // one processing fee line per batch (negative: money out)
};

struct SettlementReport
{
    // Columns: batch,date,transaction_id,type,card,amount,currency,reference. Dates ISO, types
    // sale|refund|fee|adjustment, amounts signed decimal (refunds and fees negative).
    QByteArray csv;
    QList<PlantedDiscrepancy> planted;
    // What PayTrace settled in range (USD minor units), before any planting: the ledger truth.
    qint64 settledSales = 0;
    qint64 settledRefunds = 0;
    qint64 fees = 0;                 // every fee and adjustment line written, signed
    QMap<QString, qint64> feesByDate; // ISO date -> signed fees and adjustments of that date
    int batches = 0;
};

// Writes the report from the simulators' current state. With options.plant, also changes a few
// Magento orders (through MagentoSimulator::updateOrder) so that order-side classes exist:
// call it after start() and before PayBridge syncs. Deterministic for the same sandbox data.
SettlementReport makeSettlementReport(PayTraceSimulator &paytrace, MagentoSimulator &magento,
                                      const SettlementReportOptions &options);

// The Pacific (batch clock) calendar date of a UTC time in seconds.
QDate batchDate(qint64 utcSecs);

} // namespace pb::sandbox
