#include "syncworld.h"

#include "magentosim.h"
#include "paytracesim.h"
#include "sandbox.h"
#include "store/database.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QSqlQuery>
#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;

namespace pb::test {

sync::SyncConfig sandboxSyncConfig(const sandbox::Sandbox &sb, const QString &dir, const QString &profileName,
                                   const QString &createdBy)
{
    sync::SyncConfig config;
    config.profileName = profileName;
    config.databasePath = dir + u"/store.sqlite"_s;
    config.journalPath = dir + u"/journal.ledger"_s;
    config.paytraceUrl = sb.paytraceUrl().toString();
    config.magentoUrl = sb.magentoUrl().toString();
    config.magentoAuth = u"oauth1"_s; // Magento 2.4.4+ refuses Bearer by default
    config.historyDays = 35;
    config.profileCreatedBy = createdBy;
    // An in-doubt write is concluded "did not happen" only after the settle window (at least
    // twice the request timeout): the defaults (60 s, 120 s) would not fit a test's time.
    config.requestTimeoutMs = 5000;
    config.inDoubtSettleMs = 10000;
    for (const auto &[key, value] : sb.credentials())
        config.secrets.insert(key, value);
    return config;
}

bool syncOnce(sync::SyncService &service, int timeoutMs)
{
    QSignalSpy finished(&service, &sync::SyncService::finished);
    QSignalSpy failed(&service, &sync::SyncService::failed);
    service.syncNow();
    QElapsedTimer t;
    t.start();
    while (finished.isEmpty() && failed.isEmpty() && t.elapsed() < timeoutMs)
        QTest::qWait(20);
    if (!failed.isEmpty())
        qWarning() << failed.first().first().value<Error>().toString();
    return !finished.isEmpty();
}

sync::OperationOutcome runOperation(sync::SyncService &service, QObject *context,
                                    const sync::OperationRequest &request, int timeoutMs)
{
    std::optional<sync::OperationOutcome> out;
    service.requestOperation(request, context, [&](const sync::OperationOutcome &o) { out = o; });
    QElapsedTimer t;
    t.start();
    while (!out && t.elapsed() < timeoutMs)
        QTest::qWait(20);
    if (!out) {
        sync::OperationOutcome timedOut;
        timedOut.kind = sync::OperationOutcome::Kind::Failed;
        timedOut.message = u"test: no outcome in time"_s;
        return timedOut;
    }
    return *out;
}

bool runIntentsUntilSucceeded(sync::SyncService &service, intents::IntentJournal &journal,
                              const QList<intents::Intent> &intents, int timeoutMs, int pollMs)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        service.runIntents();
        QTest::qWait(pollMs);
        bool allDone = true;
        for (const intents::Intent &i : intents) {
            auto now = journal.get(i.id);
            allDone = allDone && now && now->state == intents::IntentState::Succeeded;
        }
        if (allDone)
            return true;
    }
    return false;
}

QString orderWhere(const QString &dbPath, const QString &where)
{
    const QString connection = u"syncworld.probe"_s;
    QString inc;
    {
        auto db = store::Database::openReader(dbPath, connection);
        if (!db)
            return {};
        QSqlQuery q(db.value());
        if (q.exec(u"SELECT increment_id FROM orders WHERE "_s + where + u" ORDER BY entity_id LIMIT 1"_s) && q.next())
            inc = q.value(0).toString();
    }
    store::Database::close(connection);
    return inc;
}

int paytraceLedgerCount(sandbox::Sandbox &sb, const QString &operation, const QString &invoice)
{
    int n = 0;
    for (const auto &e : sb.paytrace().ledger())
        n += (e.operation == operation && e.invoiceId == invoice) ? 1 : 0;
    return n;
}

int magentoDocumentCount(sandbox::Sandbox &sb, const QString &kind, const QString &order)
{
    int n = 0;
    for (const auto &d : sb.magento().documents())
        n += (d.kind == kind && d.orderIncrementId == order) ? 1 : 0;
    return n;
}

reconcile::SettlementMapping sandboxReportMapping()
{
    using reconcile::RecordKind;
    reconcile::SettlementMapping m;
    m.source = u"paytrace"_s;
    m.batch = u"batch"_s;
    m.date = u"date"_s;
    m.transactionId = u"transaction_id"_s;
    m.kind = u"type"_s;
    m.cardLast4 = u"card"_s;
    m.amount = u"amount"_s;
    m.currency = u"currency"_s;
    m.reference = u"reference"_s;
    m.kindMap = {{u"sale"_s, RecordKind::Sale}, {u"refund"_s, RecordKind::Refund},
                 {u"adjustment"_s, RecordKind::Adjustment}, {u"fee"_s, RecordKind::Fee}};
    m.dateFormat = reconcile::DateFormat::IsoDate;
    return m;
}

} // namespace pb::test
