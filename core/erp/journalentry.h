#pragma once

#include "mapping/mappingprofile.h"
#include "money/money.h"
#include "util/result.h"

#include <QDate>
#include <QList>
#include <QMap>
#include <QString>

#include <utility>

namespace pb::erp {

struct Posting
{
    QString account;
    Money amount; // debit positive, credit negative
    QString memo;
    friend bool operator==(const Posting &, const Posting &) = default;
};

// One balanced double-entry transaction. externalRef is unique per effect
// ("pb:sale:100000123") and is how every sink recognises an entry it already holds.
struct JournalEntry
{
    QDate date;
    QString externalRef;
    QString description;
    QList<Posting> postings;
    friend bool operator==(const JournalEntry &, const JournalEntry &) = default;
};

// A reference must survive as a ledger tag value: non-empty, at most 200 characters, no
// whitespace, ',' or ';'.
Status validateExternalRef(const QString &ref);

// At least two postings, valid account names, non-zero amounts, text without control
// characters (and no ';' in the description), and the postings of each currency summing to
// exactly zero. The error names the entry's reference and the reason.
Status validate(const JournalEntry &entry);

// Same date and the same accounts and amounts in the same order (description and memos aside):
// what tells a sink that an entry it already holds under a reference is the one offered again.
bool samePostings(const JournalEntry &a, const JournalEntry &b);

// Sum per (account, currency code); zero totals are left out. Fails on int64 overflow.
using AccountTotals = QMap<std::pair<QString, QString>, Money>;
Result<AccountTotals> accountTotals(const QList<JournalEntry> &entries);

// A validated entry from a profile's plan.
Result<JournalEntry> fromPlan(const mapping::EntryPlan &plan, const QDate &date);

// The standard entries, booked with the profile's accounts (see MappingProfile::planEntry).
// `amount` is positive; references are "pb:<kind>:<subject>".
Result<JournalEntry> saleEntry(const mapping::MappingProfile &profile, const QDate &date,
                               const QString &incrementId, const Money &amount);
Result<JournalEntry> paymentEntry(const mapping::MappingProfile &profile, const QDate &date,
                                  const QString &incrementId, const QString &transactionId, const Money &amount);
Result<JournalEntry> refundEntry(const mapping::MappingProfile &profile, const QDate &date,
                                 const QString &incrementId, const QString &transactionId, const Money &amount);
Result<JournalEntry> chargebackEntry(const mapping::MappingProfile &profile, const QDate &date,
                                     const QString &caseId, const Money &amount);
Result<JournalEntry> feeEntry(const mapping::MappingProfile &profile, const QDate &date,
                              const QString &batch, const Money &amount);
Result<JournalEntry> writeOffEntry(const mapping::MappingProfile &profile, const QDate &date,
                                   const QString &incrementId, const Money &amount);
Result<JournalEntry> settlementDepositEntry(const mapping::MappingProfile &profile, const QDate &date,
                                            const QString &batch, const Money &amount);

} // namespace pb::erp
