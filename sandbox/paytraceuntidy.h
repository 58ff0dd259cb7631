#pragma once

#include "datagen.h"

namespace pb::sandbox {

// What real PayTrace accounts hold besides tidy API payments (issue 13), added to generated
// history from its own seeded stream (the orders and the main stream are left as they are):
//  - terminal sales with no invoice (virtual terminal or swiped card, a staff user);
//  - phone orders keyed with a typo in the invoice (two digits transposed or one missing) but
//    the order's amount, card and a time close to its creation;
//  - a second sale for one invoice (the customer charged twice);
//  - AVS and CSC answers of every kind, and varied approval and decline texts.
// About 3 of each kind per 100 orders; deterministic for the same data and seed.
struct UntidyCounts
{
    int terminalSales = 0;
    int typoInvoices = 0;
    int secondPayments = 0;
};
UntidyCounts addUntidyPayTrace(GeneratedData *data, quint64 seed, qint64 nowSecs);

// AVS and CSC texts PayTrace uses (docs/paytrace.md §4.5), with the sandbox's "0" and empty values.
QStringList paytraceAvsAnswers();
QStringList paytraceCscAnswers();

// One answer from the weighted tables for a roll in [0, 100), and the processor text that goes
// with an approval with that AVS answer.
QString untidyAvs(qint64 roll);
QString untidyCsc(qint64 roll);
QString untidyApprovalText(const QString &avs);

// The staff logins of terminal and phone transactions (created.by).
inline constexpr QStringView kTerminalUsers[] = {u"frontdesk", u"jmorales", u"warehouse2"};

} // namespace pb::sandbox
