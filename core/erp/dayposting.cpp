#include "erp/dayposting.h"

#include "erp/dayjournal.h"
#include "reconcile/reconciliationstore.h"

using namespace Qt::StringLiterals;

namespace pb::erp {

Result<QList<JournalEntry>> dayJournalFromStore(QSqlDatabase &db, QDate day, const mapping::MappingProfile &profile,
                                                const QByteArray &timeZone)
{
    PB_TRY(activity, readDayActivity(db, day, timeZone));
    const reconcile::ReconciliationStore results(db);
    PB_TRY(writeOffs, results.writeOffs(day));
    PB_TRY(entries, buildDayJournal(profile, activity));
    // Reconciliation keeps a write-off as found − expected, so a shortfall is negative. The
    // profile books a write-off as a loss (write-offs / receivables) of a positive amount; a
    // surplus written off is the same entry reversed. A zero write-off books nothing.
    for (const auto &w : writeOffs) {
        if (w.amount.isZero())
            continue;
        const Money loss = w.amount.negated();
        PB_TRY(entry, writeOffEntry(profile, day, refPart(w.reference), loss.abs()));
        // The account the person chose in reconciliation takes the write-off role's side.
        const QString roleAccount = profile.account(mapping::AccountRole::WriteOffs, w.amount.currency());
        if (!w.account.isEmpty())
            for (Posting &p : entry.postings)
                if (p.account == roleAccount)
                    p.account = w.account;
        if (Status s = validate(entry); !s)
            return makeError(s.error().code, s.error().field,
                             u"write-off of item "_s + QString::number(w.itemId) + u": "_s + s.error().message);
        if (loss.isNegative()) {
            for (Posting &p : entry.postings)
                p.amount = p.amount.negated();
            entry.description += u" (surplus)"_s;
        }
        entries.append(entry);
    }
    return entries;
}

} // namespace pb::erp
