#pragma once

// The accounts the configured journal sink knows, for the mapping studio's account map
// (issue 14): an admin picks from them and is warned about profile accounts the sink lacks.

#include "erp/sinkfactory.h"
#include "mapping/mappingprofile.h"
#include "util/result.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

namespace pb::erp {

struct KnownAccount
{
    QString account; // the PayBridge (ledger) account name; for Odoo empty when erp.odooAccounts maps none to the code
    QString code;    // Odoo's account code; empty for the file sinks
    QString name;    // Odoo's account name; empty for the file sinks
    friend bool operator==(const KnownAccount &, const KnownAccount &) = default;
};

// The accounts of the sink SinkOptions configure (overrides applied, as makeSink):
// - odoo: the whole chart (account.account code, name) read through OdooSink, each joined with
//   erp.odooAccounts: one entry per PayBridge name mapped to the code, or one with an empty
//   `account` when none is. A name mapped to a code Odoo lacks is in no entry.
// - ledger: the accounts declared with `account` directives, then those only used in postings.
// - csv: the accounts used in the file.
// In file order for the files, by code for Odoo. A journal file that does not exist yet gives an
// empty list. Errors: erp.config (as makeSink), and the sink's own (erp.permanent for a file
// PayBridge cannot parse or a refused Odoo login, erp.transient for an unreachable server).
// `done` is called once on the caller's thread and never after `context` is destroyed: before
// returning for the file sinks and configuration errors, later from the event loop for Odoo.
void knownAccounts(const SinkOptions &options, QObject *context,
                   std::function<void(const Result<QList<KnownAccount>> &)> done);

// The profile's accounts (every role, the defaults then each currency's overrides) that no
// KnownAccount names, each once, in that order. For the file sinks such an account is not an
// error (a journal takes any name): it is new to the books.
QStringList unmappedAccounts(const mapping::MappingProfile &profile, const QList<KnownAccount> &known);

} // namespace pb::erp
