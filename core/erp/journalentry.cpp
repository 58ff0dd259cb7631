#include "erp/journalentry.h"

using namespace Qt::StringLiterals;

namespace pb::erp {

namespace {

Error entryError(const QString &ref, const QString &message)
{
    return makeError(u"erp.entry"_s, ref, message);
}

bool hasControl(const QString &s)
{
    for (QChar c : s) {
        if (c.category() == QChar::Other_Control || c == QChar::LineSeparator || c == QChar::ParagraphSeparator)
            return true;
    }
    return false;
}

Result<JournalEntry> build(const mapping::MappingProfile &profile, mapping::EntryKind kind, const QDate &date,
                           const QString &subject, const Money &amount)
{
    Result<mapping::EntryPlan> plan = profile.planEntry(kind, subject, amount);
    if (!plan)
        return plan.error();
    return fromPlan(*plan, date);
}

} // namespace

Status validateExternalRef(const QString &ref)
{
    if (ref.isEmpty())
        return makeError(u"erp.entry.ref"_s, u"externalRef"_s, u"the external reference is empty"_s);
    if (ref.size() > 200)
        return makeError(u"erp.entry.ref"_s, u"externalRef"_s, u"'%1' is longer than 200 characters"_s.arg(ref));
    for (QChar c : ref) {
        if (c.isSpace() || c == u',' || c == u';' || c.category() == QChar::Other_Control)
            return makeError(u"erp.entry.ref"_s, u"externalRef"_s,
                             u"'%1' contains whitespace, ',' or ';', which would end the ledger tag"_s.arg(ref));
    }
    return {};
}

bool samePostings(const JournalEntry &a, const JournalEntry &b)
{
    if (a.date != b.date || a.postings.size() != b.postings.size())
        return false;
    for (qsizetype i = 0; i < a.postings.size(); ++i) {
        if (a.postings.at(i).account != b.postings.at(i).account || !(a.postings.at(i).amount == b.postings.at(i).amount))
            return false;
    }
    return true;
}

Status validate(const JournalEntry &e)
{
    if (Status s = validateExternalRef(e.externalRef); !s)
        return s;
    const QString &ref = e.externalRef;
    if (!e.date.isValid())
        return entryError(ref, u"the date is missing or invalid"_s);
    if (e.description.trimmed().isEmpty())
        return entryError(ref, u"the description is empty"_s);
    if (hasControl(e.description) || e.description.contains(u';'))
        return entryError(ref, u"the description contains a line break, control character or ';'"_s);
    if (e.postings.size() < 2)
        return entryError(ref, u"an entry needs at least two postings, it has %1"_s.arg(e.postings.size()));
    QMap<QString, Money> sums;
    for (qsizetype i = 0; i < e.postings.size(); ++i) {
        const Posting &p = e.postings.at(i);
        const QString where = u"posting %1: "_s.arg(i + 1);
        if (Status s = mapping::validateAccountName(p.account, u"account"_s); !s)
            return entryError(ref, where + s.error().message);
        if (!p.amount.isValid())
            return entryError(ref, where + u"the amount has no currency"_s);
        if (p.amount.isZero())
            return entryError(ref, where + u"the amount is zero"_s);
        if (hasControl(p.memo))
            return entryError(ref, where + u"the memo contains a line break or control character"_s);
        const QString code = p.amount.currency().code();
        Result<Money> next = sums.value(code, Money::zero(p.amount.currency())).plus(p.amount);
        if (!next)
            return entryError(ref, where + next.error().message);
        sums.insert(code, *next);
    }
    QStringList unbalanced;
    for (auto it = sums.begin(); it != sums.end(); ++it) {
        if (!it.value().isZero())
            unbalanced.append(it.value().toString());
    }
    if (!unbalanced.isEmpty())
        return entryError(ref, u"the entry does not balance: postings sum to %1 instead of zero%2"_s
                                   .arg(unbalanced.join(u", "_s),
                                        sums.size() > 1 ? u" (each currency must balance on its own)"_s : QString()));
    return {};
}

Result<AccountTotals> accountTotals(const QList<JournalEntry> &entries)
{
    AccountTotals totals;
    for (const JournalEntry &e : entries) {
        for (const Posting &p : e.postings) {
            const std::pair key{p.account, p.amount.currency().code()};
            Result<Money> next = totals.value(key, Money::zero(p.amount.currency())).plus(p.amount);
            if (!next)
                return makeError(u"erp.totals"_s, p.account, next.error().message);
            totals.insert(key, *next);
        }
    }
    for (auto it = totals.begin(); it != totals.end();) {
        it = it.value().isZero() ? totals.erase(it) : std::next(it);
    }
    return totals;
}

Result<JournalEntry> fromPlan(const mapping::EntryPlan &plan, const QDate &date)
{
    JournalEntry e;
    e.date = date;
    e.externalRef = plan.externalRef;
    e.description = plan.description;
    for (const mapping::PlannedPosting &p : plan.postings)
        e.postings.append({p.account, p.amount, {}});
    if (Status s = validate(e); !s)
        return s.error();
    return e;
}

Result<JournalEntry> saleEntry(const mapping::MappingProfile &profile, const QDate &date, const QString &incrementId,
                               const Money &amount)
{
    return build(profile, mapping::EntryKind::Sale, date, incrementId, amount);
}

Result<JournalEntry> paymentEntry(const mapping::MappingProfile &profile, const QDate &date, const QString &incrementId,
                                  const QString &transactionId, const Money &amount)
{
    return build(profile, mapping::EntryKind::Payment, date, incrementId + u':' + transactionId, amount);
}

Result<JournalEntry> refundEntry(const mapping::MappingProfile &profile, const QDate &date, const QString &incrementId,
                                 const QString &transactionId, const Money &amount)
{
    return build(profile, mapping::EntryKind::Refund, date, incrementId + u':' + transactionId, amount);
}

Result<JournalEntry> chargebackEntry(const mapping::MappingProfile &profile, const QDate &date, const QString &caseId,
                                     const Money &amount)
{
    return build(profile, mapping::EntryKind::Chargeback, date, caseId, amount);
}

Result<JournalEntry> feeEntry(const mapping::MappingProfile &profile, const QDate &date, const QString &batch,
                              const Money &amount)
{
    return build(profile, mapping::EntryKind::Fee, date, batch, amount);
}

Result<JournalEntry> writeOffEntry(const mapping::MappingProfile &profile, const QDate &date, const QString &incrementId,
                                   const Money &amount)
{
    return build(profile, mapping::EntryKind::WriteOff, date, incrementId, amount);
}

Result<JournalEntry> settlementDepositEntry(const mapping::MappingProfile &profile, const QDate &date,
                                            const QString &batch, const Money &amount)
{
    return build(profile, mapping::EntryKind::SettlementDeposit, date, batch, amount);
}

} // namespace pb::erp
