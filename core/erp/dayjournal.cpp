#include "erp/dayjournal.h"

#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace pb::erp {

namespace {


QString lineSubject(const DayActivity &a, const DayActivity::ReportLine &l)
{
    return (l.batch.isEmpty() ? a.date.toString(Qt::ISODate) : refPart(l.batch)) + u':' + QString::number(l.lineId);
}

Error itemError(const QString &item, const Error &e)
{
    return makeError(e.code, item, item + u": "_s + e.message);
}

// A line booked as `kind` for its absolute amount; money in (positive) reverses the postings.
Result<JournalEntry> reportLineEntry(const mapping::MappingProfile &profile, const DayActivity &a,
                                     const DayActivity::ReportLine &l, mapping::EntryKind kind, bool moneyInIsNormal,
                                     const QString &refKind, const QString &what)
{
    const QString subject = lineSubject(a, l);
    const QString item = u"%1 line %2"_s.arg(what).arg(l.lineId);
    if (!l.amount.isValid() || l.amount.isZero())
        return makeError(u"erp.day.amount"_s, item, item + u": the amount is zero or missing"_s);
    Result<mapping::EntryPlan> planned = profile.planEntry(kind, subject, l.amount.abs());
    if (!planned)
        return itemError(item, planned.error());
    mapping::EntryPlan *plan = &planned.value();
    const bool reversed = moneyInIsNormal ? l.amount.isNegative() : !l.amount.isNegative();
    if (reversed) {
        for (mapping::PlannedPosting &p : plan->postings)
            p.amount = p.amount.negated();
        plan->description += u" (reversal)"_s;
    }
    plan->externalRef = u"pb:"_s + refKind + u':' + subject;
    if (!l.reference.isEmpty())
        plan->description += u" ref "_s + refPart(l.reference);
    Result<JournalEntry> e = fromPlan(*plan, a.date);
    if (!e)
        return itemError(item, e.error());
    return e;
}

} // namespace

QString refPart(const QString &s)
{
    static const QRegularExpression bad(u"[\\s,;]"_s);
    QString out = s;
    out.replace(bad, u"_"_s);
    return out;
}

Result<QList<JournalEntry>> buildDayJournal(const mapping::MappingProfile &profile, const DayActivity &a)
{
    if (!a.date.isValid())
        return makeError(u"erp.day.date"_s, u"date"_s, u"the day's date is missing or invalid"_s);
    QList<JournalEntry> out;
    const auto add = [&](Result<JournalEntry> e, const QString &item) -> Status {
        if (!e)
            return itemError(item, e.error());
        out.append(*e);
        return {};
    };
    for (const DayActivity::Settled &c : a.captures) {
        const QString item = u"capture "_s + c.transactionId;
        const QString order = c.incrementId.isEmpty() ? u"none"_s : refPart(c.incrementId);
        const QString txn = refPart(c.transactionId);
        if (Status s = add(saleEntry(profile, a.date, order + u':' + txn, c.amount), item); !s)
            return s.error();
        if (Status s = add(paymentEntry(profile, a.date, order, txn, c.amount), item); !s)
            return s.error();
    }
    for (const DayActivity::Settled &r : a.refunds) {
        const QString order = r.incrementId.isEmpty() ? u"none"_s : refPart(r.incrementId);
        if (Status s = add(refundEntry(profile, a.date, order, refPart(r.transactionId), r.amount),
                           u"refund "_s + r.transactionId);
            !s)
            return s.error();
    }
    using mapping::EntryKind;
    for (const auto &l : a.chargebacks) {
        if (Status s = add(reportLineEntry(profile, a, l, EntryKind::Chargeback, false, u"chargeback"_s, u"chargeback"_s),
                           u"chargeback"_s);
            !s)
            return s.error();
    }
    for (const auto &l : a.fees) {
        if (Status s = add(reportLineEntry(profile, a, l, EntryKind::Fee, false, u"fee"_s, u"fee"_s), u"fee"_s); !s)
            return s.error();
    }
    for (const auto &l : a.adjustments) {
        if (Status s = add(reportLineEntry(profile, a, l, EntryKind::Fee, false, u"adjustment"_s, u"adjustment"_s),
                           u"adjustment"_s);
            !s)
            return s.error();
    }
    for (const auto &l : a.deposits) {
        if (Status s = add(reportLineEntry(profile, a, l, EntryKind::SettlementDeposit, true, u"deposit"_s, u"deposit"_s),
                           u"deposit"_s);
            !s)
            return s.error();
    }
    for (const DayActivity::WriteOff &w : a.writeOffs) {
        if (Status s = add(writeOffEntry(profile, a.date, refPart(w.incrementId), w.amount), u"write-off "_s + w.incrementId);
            !s)
            return s.error();
    }
    // Fee lines report "Fee <subject>" descriptions; adjustments say what they are.
    for (JournalEntry &e : out) {
        if (e.externalRef.startsWith(u"pb:adjustment:"_s))
            e.description.replace(u"Card processing fee"_s, u"Processor adjustment"_s);
    }
    return out;
}

Result<DayActivity> readDayActivity(QSqlDatabase &db, const QDate &date, const QByteArray &timeZone)
{
    if (!date.isValid())
        return makeError(u"erp.day.date"_s, u"date"_s, u"the day's date is missing or invalid"_s);
    const QTimeZone tz(timeZone);
    if (!tz.isValid())
        return makeError(u"erp.day.zone"_s, u"timeZone"_s, u"'%1' is not a known time zone"_s.arg(QString::fromLatin1(timeZone)));
    DayActivity a;
    a.date = date;
    const qint64 from = QDateTime(date, QTime(0, 0), tz).toMSecsSinceEpoch();
    const qint64 to = QDateTime(date.addDays(1), QTime(0, 0), tz).toMSecsSinceEpoch();

    const auto sqlError = [](const QSqlQuery &q, const QString &what) {
        return makeError(u"erp.day.store"_s, what, u"cannot read %1: %2"_s.arg(what, q.lastError().text()));
    };
    const auto money = [](qint64 minor, const QString &code, const QString &where) -> Result<Money> {
        const auto currency = Currency::fromCode(code);
        if (!currency)
            return makeError(u"erp.day.currency"_s, where, u"%1: '%2' is not a known currency"_s.arg(where, code));
        return Money::fromMinor(minor, *currency);
    };

    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(u"SELECT transaction_id, type, amount, currency, invoice_id FROM gateway_transactions "
              "WHERE status = 'settled' AND settled_at >= ? AND settled_at < ? ORDER BY settled_at, transaction_id"_s);
    q.addBindValue(from);
    q.addBindValue(to);
    if (!q.exec())
        return sqlError(q, u"gateway_transactions"_s);
    while (q.next()) {
        const QString id = q.value(0).toString();
        const QString type = q.value(1).toString();
        PB_TRY(amount, money(q.value(2).toLongLong(), q.value(3).toString(), u"transaction "_s + id));
        if (amount.isZero())
            continue;
        const DayActivity::Settled s{id, q.value(4).toString(), amount.abs()};
        // A settled authorization was captured: the store keeps its type as "authorization".
        if (type == u"sale"_s || type == u"capture"_s || type == u"authorization"_s)
            a.captures.append(s);
        else if (type == u"refund"_s)
            a.refunds.append(s);
    }

    QSqlQuery l(db);
    l.setForwardOnly(true);
    l.prepare(u"SELECT id, kind, transaction_id, amount, currency, batch, reference FROM settlement_lines "
              "WHERE settled_on = ? AND kind IN ('deposit', 'fee', 'chargeback', 'adjustment') ORDER BY id"_s);
    l.addBindValue(date.toString(Qt::ISODate));
    if (!l.exec())
        return sqlError(l, u"settlement_lines"_s);
    while (l.next()) {
        const qint64 lineId = l.value(0).toLongLong();
        const QString kind = l.value(1).toString();
        PB_TRY(amount, money(l.value(3).toLongLong(), l.value(4).toString(), u"settlement line %1"_s.arg(lineId)));
        if (amount.isZero())
            continue;
        const DayActivity::ReportLine line{lineId, l.value(5).toString(), l.value(6).toString(), l.value(2).toString(), amount};
        if (kind == u"deposit"_s)
            a.deposits.append(line);
        else if (kind == u"fee"_s)
            a.fees.append(line);
        else if (kind == u"chargeback"_s)
            a.chargebacks.append(line);
        else
            a.adjustments.append(line);
    }
    return a;
}

} // namespace pb::erp
