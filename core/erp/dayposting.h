#pragma once

#include "erp/journalentry.h"
#include "mapping/mappingprofile.h"
#include "util/result.h"

#include <QByteArray>
#include <QDate>
#include <QList>
#include <QSqlDatabase>

namespace pb::erp {

// The journal of one batch day as every front end posts it (the command line's `journal post`,
// the console's Reconciliation page): the store's day activity plus the write-offs people
// decided in that day's reconciliation, booked with `profile`'s accounts. Reads only.
Result<QList<JournalEntry>> dayJournalFromStore(QSqlDatabase &db, QDate day, const mapping::MappingProfile &profile,
                                                const QByteArray &timeZone = QByteArrayLiteral("America/Los_Angeles"));

} // namespace pb::erp
