#include "settlementreport.h"

#include "magentosim.h"
#include "paytracesim.h"

#include <QDateTime>
#include <QHash>
#include <QSet>
#include <QTimeZone>

#include <algorithm>

namespace pb::sandbox {

using namespace Qt::StringLiterals;

namespace {

QByteArray decimal(qint64 minor)
{
    const bool negative = minor < 0;
    const qint64 abs = negative ? -minor : minor;
    QByteArray cents = QByteArray::number(abs % 100);
    if (cents.size() < 2)
        cents.prepend('0');
    return (negative ? "-" : "") + QByteArray::number(abs / 100) + '.' + cents;
}

struct Row
{
    qint64 batch = 0;
    QDate date;
    QString txn;
    QByteArray type;
    QString card;
    qint64 amount = 0;
    QByteArray currency = "USD";
    QString reference;
};

QByteArray csvOf(const QList<Row> &rows)
{
    QByteArray out = "batch,date,transaction_id,type,card,amount,currency,reference\n";
    for (const Row &r : rows) {
        out += (r.batch ? QByteArray::number(r.batch) : QByteArray()) + ',' + r.date.toString(Qt::ISODate).toLatin1()
            + ',' + r.txn.toLatin1() + ',' + r.type + ',' + r.card.toLatin1() + ',' + decimal(r.amount) + ','
            + r.currency + ',' + r.reference.toLatin1() + '\n';
    }
    return out;
}

bool isRefund(const PayTraceTransaction &t) { return t.kind == PayTraceKind::Refund; }

} // namespace

QDate batchDate(qint64 utcSecs)
{
    static const QTimeZone pacific("America/Los_Angeles");
    return QDateTime::fromSecsSinceEpoch(utcSecs, QTimeZone::utc()).toTimeZone(pacific).date();
}

SettlementReport makeSettlementReport(PayTraceSimulator &paytrace, MagentoSimulator &magento,
                                      const SettlementReportOptions &options)
{
    SettlementReport report;
    const QList<PayTraceTransaction> all = paytrace.transactions();
    QHash<qint64, PayTraceTransaction> byId;
    QHash<QString, int> perInvoice; // transactions (any state) naming each invoice
    for (const auto &t : all) {
        byId.insert(t.id, t);
        if (!t.invoiceId.isEmpty())
            ++perInvoice[t.invoiceId];
    }

    QList<PayTraceBatch> batches;
    for (const auto &b : paytrace.batches()) {
        const QDate d = batchDate(b.closedAt);
        if (d >= options.from && d <= options.to)
            batches.append(b);
    }
    std::sort(batches.begin(), batches.end(), [](const auto &x, const auto &y) { return x.number < y.number; });
    report.batches = int(batches.size());

    QList<Row> rows;
    QHash<qint64, int> rowOfTxn;
    for (const auto &b : batches) {
        const QDate d = batchDate(b.closedAt);
        for (qint64 id : b.transactionIds) {
            const PayTraceTransaction &t = byId[id];
            const qint64 amount = t.settlementAmount();
            if (amount <= 0)
                continue;
            (isRefund(t) ? report.settledRefunds : report.settledSales) += amount;
            rowOfTxn.insert(id, int(rows.size()));
            rows.append({b.number, d, QString::number(id), isRefund(t) ? "refund" : "sale", t.card.last4,
                         isRefund(t) ? -amount : amount, "USD", t.invoiceId});
        }
    }

    QList<PlantedDiscrepancy> planted;
    QSet<qint64> touched; // at most one plant per transaction and per order
    QSet<QString> touchedOrders;
    QList<Row> extra;
    if (options.plant) {
        // Plain candidates: a settled sale alone on its order, whose order agrees with it, so a
        // planted change is the only thing wrong with it.
        QList<qint64> plain;
        for (const auto &b : batches) {
            for (qint64 id : b.transactionIds) {
                const PayTraceTransaction &t = byId[id];
                if (isRefund(t) || t.settlementAmount() <= 0 || t.refundedAmount != 0 || t.invoiceId.isEmpty()
                    || perInvoice.value(t.invoiceId) != 1)
                    continue;
                const auto o = magento.orderByIncrementId(t.invoiceId);
                if (!o || o->orderCurrencyCode != u"USD"_s || o->totalInvoiced.value_or(0) != t.settlementAmount()
                    || o->totalRefunded.value_or(0) != 0)
                    continue;
                plain.append(id);
            }
        }
        // Spread over the range, deterministic.
        auto take = [&]() -> const PayTraceTransaction * {
            static const qsizetype kStride = 7;
            for (qsizetype k = 0; k < plain.size(); ++k) {
                const qint64 id = plain[(k * kStride + touched.size() * 13) % plain.size()];
                const PayTraceTransaction &t = byId[id];
                if (!touched.contains(id) && !touchedOrders.contains(t.invoiceId)) {
                    touched.insert(id);
                    touchedOrders.insert(t.invoiceId);
                    return &t;
                }
            }
            return nullptr;
        };
        auto note = [&](const QString &cls, const PayTraceTransaction &t, const QString &what, bool byOrder = false) {
            planted.append({cls, byOrder ? QString() : QString::number(t.id), byOrder ? t.invoiceId : QString(), what});
        };

        if (const auto *t = take()) { // the report says one dollar more
            rows[rowOfTxn[t->id]].amount += 100;
            note(u"amount_mismatch"_s, *t, u"line amount +1.00"_s);
        }
        if (const auto *t = take()) {
            rows[rowOfTxn[t->id]].currency = "EUR";
            note(u"currency_mismatch"_s, *t, u"line in EUR"_s);
        }
        if (const auto *t = take()) { // reported in a batch PayTrace did not put it in
            rows[rowOfTxn[t->id]].batch = t->batchNumber + 100000;
            note(u"unexpected_batch"_s, *t, u"line names another batch"_s);
        }
        if (const auto *t = take()) {
            extra.append(rows[rowOfTxn[t->id]]);
            note(u"duplicate_charge"_s, *t, u"line reported twice"_s);
        }
        if (const auto *t = take()) { // settled at PayTrace, absent from the report
            rows[rowOfTxn[t->id]].type.clear();
            note(u"missing_in_settlement"_s, *t, u"line left out"_s);
        }
        if (const auto *t = take()) { // the order no longer carries the invoice's number
            auto o = magento.orderByIncrementId(t->invoiceId);
            o->incrementId = u"R"_s + o->incrementId;
            magento.updateOrder(*o);
            note(u"missing_in_magento"_s, *t, u"order renumbered"_s);
        }
        if (const auto *t = take()) { // a credit memo with no refund at PayTrace
            auto o = magento.orderByIncrementId(t->invoiceId);
            o->totalRefunded = 500;
            o->baseTotalRefunded = 500;
            o->totalOfflineRefunded = 500;
            magento.updateOrder(*o);
            note(u"status_mismatch"_s, *t, u"credit memo without refund"_s);
        }
        // A refund at PayTrace without a credit memo: an order with a settled sale and refund.
        for (const auto &b : batches) {
            bool done = false;
            for (qint64 id : b.transactionIds) {
                const PayTraceTransaction &r = byId[id];
                if (!isRefund(r) || r.settlementAmount() <= 0 || r.invoiceId.isEmpty() || touchedOrders.contains(r.invoiceId))
                    continue;
                auto o = magento.orderByIncrementId(r.invoiceId);
                if (!o || o->orderCurrencyCode != u"USD"_s || o->totalRefunded.value_or(0) != r.settlementAmount()
                    || perInvoice.value(r.invoiceId) != 2)
                    continue;
                const auto parent = byId.value(r.parentId);
                if (parent.settledAt == 0 || batchDate(parent.settledAt) < options.from)
                    continue;
                o->totalRefunded = 0;
                o->baseTotalRefunded = 0;
                o->totalOfflineRefunded = std::nullopt;
                o->totalOnlineRefunded = std::nullopt;
                magento.updateOrder(*o);
                touchedOrders.insert(r.invoiceId);
                touched.insert(r.id);
                touched.insert(r.parentId);
                planted.append({u"status_mismatch"_s, QString(), r.invoiceId, u"refund without credit memo"_s});
                done = true;
                break;
            }
            if (done)
                break;
        }
        // A line for a transaction PayTrace never made, and an adjustment tied to nothing.
        if (!batches.isEmpty()) {
            const auto &b = batches.first();
            extra.append({b.number, batchDate(b.closedAt), u"990000001"_s, "sale", u"4242"_s, 4200, "USD", u"PB-GHOST"_s});
            planted.append({u"missing_in_paytrace"_s, u"990000001"_s, QString(), u"unknown transaction id"_s});
            extra.append({0, batchDate(b.closedAt), QString(), "adjustment", QString(), -750, "USD", u"ADJ-UNKNOWN"_s});
            planted.append({u"unexplained_fee_or_adjustment"_s, QString(), QString(), u"adjustment -7.50"_s});
        }
    }

    // Explained fees: one per batch, naming it.
    for (const auto &b : batches)
        extra.append({b.number, batchDate(b.closedAt), QString(), "fee", QString(), options.batchFeeMinor, "USD",
                      u"FEE-"_s + QString::number(b.number)});

    QList<Row> out;
    for (const Row &r : std::as_const(rows)) {
        if (!r.type.isEmpty())
            out.append(r);
    }
    out += extra;
    for (const Row &r : std::as_const(out)) {
        if (r.type == "fee" || r.type == "adjustment") {
            report.fees += r.amount;
            report.feesByDate[r.date.toString(Qt::ISODate)] += r.amount;
        }
    }
    report.csv = csvOf(out);
    report.planted = planted;
    return report;
}

} // namespace pb::sandbox
