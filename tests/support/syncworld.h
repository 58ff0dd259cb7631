#pragma once

// Shared by the tests that drive the real SyncService against the in-process sandbox and then
// check the sandbox's own books.

#include "intents/intentjournal.h"
#include "reconcile/settlementmapping.h"
#include "sync/operations.h"
#include "sync/syncservice.h"

#include <QString>

namespace pb::sandbox {
class Sandbox;
}

namespace pb::test {

// A profile's engine configuration pointing at `sb`, with its store and ledger journal in `dir`.
sync::SyncConfig sandboxSyncConfig(const sandbox::Sandbox &sb, const QString &dir, const QString &profileName,
                                   const QString &createdBy);

// One sync; false when it failed (warned) or took longer than `timeoutMs`.
bool syncOnce(sync::SyncService &service, int timeoutMs = 120000);

// Asks for an operation and waits for its outcome (a Failed outcome when none came in time).
sync::OperationOutcome runOperation(sync::SyncService &service, QObject *context,
                                    const sync::OperationRequest &request, int timeoutMs = 120000);

// Runs due intents every `pollMs` until each of `intents` has succeeded in `journal`; false when
// that takes longer than `timeoutMs`.
bool runIntentsUntilSucceeded(sync::SyncService &service, intents::IntentJournal &journal,
                              const QList<intents::Intent> &intents, int timeoutMs, int pollMs);

// The first order (by entity id) in the store at `dbPath` matching `where` (SQL over orders), or "".
QString orderWhere(const QString &dbPath, const QString &where);

// How many PayTrace ledger entries of `operation` ("refund", "void", ...) the sandbox holds for an invoice.
int paytraceLedgerCount(sandbox::Sandbox &sb, const QString &operation, const QString &invoice);

// How many Magento documents of `kind` ("invoice", "creditmemo", "cancel", ...) the sandbox holds for an order.
int magentoDocumentCount(sandbox::Sandbox &sb, const QString &kind, const QString &order);

// The column layout of the sandbox's settlement report (sandbox/settlementreport.h), spelled
// out rather than detected so that a change in detection cannot hide an import bug.
reconcile::SettlementMapping sandboxReportMapping();

} // namespace pb::test
