#pragma once

#include "erp/journalentry.h"
#include "util/result.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace pb::erp {

// What one post() did, by external reference.
struct PostResult
{
    QStringList posted;        // written now
    QStringList alreadyPosted; // the sink already held the reference: no-op
    // Subset of alreadyPosted whose held entry differs from the one offered (date, accounts or
    // amounts): still a no-op, but a person should look.
    QStringList conflicting;
};

// Where journal entries go (ledger file, CSV, Odoo ...). Exactly-once by external reference:
// posting a reference the sink already holds changes nothing and is reported as already
// posted, so the sync engine can retry a post whose outcome it does not know.
class JournalSink
{
public:
    virtual ~JournalSink() = default;

    // Validates every entry first; an invalid entry fails the whole call and writes nothing.
    virtual Result<PostResult> post(const QList<JournalEntry> &entries) = 0;
    // The entry held under `externalRef`, nullopt when the sink has none. An error means the
    // sink could not tell (unreadable, unparseable), so an in-doubt intent stays in doubt.
    virtual Result<std::optional<JournalEntry>> lookup(const QString &externalRef) = 0;
};

} // namespace pb::erp
