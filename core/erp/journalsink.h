#pragma once

#include "erp/journalentry.h"
#include "net/errorclass.h"
#include "util/result.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
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

// The three error codes every sink's asynchronous calls report (Error::code); the detail is in
// field and message.
inline constexpr QStringView kErrTransient = u"erp.transient"; // retry may help: refused, 5xx, 429, lock held
inline constexpr QStringView kErrInDoubt = u"erp.in_doubt";    // the request may have been applied
inline constexpr QStringView kErrPermanent = u"erp.permanent"; // validation, auth, rejected, unreadable file

// erp.transient → Transient, erp.in_doubt → InDoubt, erp.permanent → Permanent; any other code
// (a sink bug) → Permanent, so nothing unknown is retried blindly.
net::ErrorClass errorClassOf(const Error &error);

// `detail` re-coded as one of the three codes above; field and message are kept, and the
// detail's own code is appended to the message ("[erp.ledger.locked]") for logs.
Error classifiedError(QStringView code, const Error &detail);

// For the file sinks: a held lock or an I/O failure ("*.locked", "*.io") may pass, so
// transient; anything else (invalid entry, unreadable hand edit) is permanent.
QStringView fileErrorClass(const Error &detail);

// Where journal entries go (ledger file, CSV, Odoo ...). Exactly-once by external reference:
// posting a reference the sink already holds changes nothing and is reported as already
// posted, so the sync engine can retry a post whose outcome it does not know.
//
// Both calls are asynchronous: `done` is called exactly once, on the caller's thread, and
// never after `context` is destroyed (if context dies first, done is never called). A sink may
// call `done` before returning (the file sinks do: their work is local and short) or later
// from the event loop (the Odoo sink). Callers must cope with both.
class JournalSink
{
public:
    virtual ~JournalSink() = default;

    // Validates every entry first; an invalid entry fails the whole call and writes nothing.
    virtual void post(const QList<JournalEntry> &entries, QObject *context,
                      std::function<void(const Result<PostResult> &)> done) = 0;
    // The entry held under `externalRef`, nullopt when the sink has none. An error means the
    // sink could not tell (unreadable, unparseable, unreachable), so an in-doubt intent stays
    // in doubt.
    virtual void lookup(const QString &externalRef, QObject *context,
                        std::function<void(const Result<std::optional<JournalEntry>> &)> done) = 0;
};

} // namespace pb::erp
