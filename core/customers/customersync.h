#pragma once

#include "customers/fieldreconcile.h"
#include "mapping/mappingprofile.h"
#include "model/customer.h"
#include "util/clock.h"
#include "util/result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QSqlDatabase>
#include <QStringList>

#include <functional>
#include <optional>

namespace pb::magento {
class MagentoClient;
}
namespace pb::paytrace {
class PayTraceClient;
}
namespace pb::net {
class ReadGate;
}
namespace pb::intents {
class IntentJournal;
}

namespace pb::customers {

// What one customer sync did (docs/customers.md).
struct CustomerSyncSummary
{
    int customersRead = 0;       // Magento customers read since the cursor
    int customersDeleted = 0;    // found gone from Magento by this run
    int profilesRead = 0;        // vault profiles in the export
    int profilesDeleted = 0;     // found gone from the vault by this run
    int linked = 0;              // pairs linked by this run
    int unlinked = 0;            // links dropped because the vault profile is gone
    int magentoUpdates = 0;      // magento.customer.update intents planned
    int paytraceUpdates = 0;     // paytrace.customer.update intents planned
    int conflictsOpen = 0;       // open conflicts after the run
    int conflictsDecided = 0;    // conflicts the mapping's direction decided in this run
    int deletionsFound = 0;      // vault deletions recorded by this run
    int deletionsPlanned = 0;    // of which confirmed at once (onMagentoDelete = automatic)
    int expiryComments = 0;      // card expiry comments planned
    int skippedInFlight = 0;     // links left alone: a write for them is still under way
    // The link attribute: nullopt when it could not be checked this run.
    std::optional<bool> attributeExists;
    QString attributeHelp;       // how to create it, when it is missing
    QStringList notLinked;       // why candidates were left unlinked
};

// Reads Magento customers and PayTrace vault profiles into the store, links them, keeps their
// fields in step and plans the writes as intents. Lives on the sync thread with the clients;
// one run at a time. Nothing here writes to Magento or PayTrace itself: every write is an
// intent the runner sends (docs/intents.md).
class CustomerSync : public QObject
{
    Q_OBJECT
public:
    CustomerSync(QSqlDatabase &db, magento::MagentoClient *magento, paytrace::PayTraceClient *paytrace,
                 intents::IntentJournal &journal, const Clock &clock, QObject *parent = nullptr);

    // Magento reads go through this gate (admission, retries), like the order pages.
    void setMagentoReadGate(net::ReadGate *gate) { m_gate = gate; }

    using Done = std::function<void(const Result<CustomerSyncSummary> &)>;
    // One pass: the attribute check, customers changed since the cursor, the id scan for
    // deletions, the vault export, then settle(). `done` runs exactly once, unless `scope` is
    // destroyed first (the sync run ended): then nothing more happens.
    void run(const mapping::CustomerRules &rules, QObject *scope, Done done);

    // The store part of a pass, on what the store holds now: links new pairs, reconciles
    // fields, records conflicts and deletions, plans intents. `deletedNow`/`profilesGoneNow`
    // are what this pass found gone. Public for tests.
    Status settle(const mapping::CustomerRules &rules, std::optional<bool> attributeExists,
                  const QList<qint64> &deletedNow, const QStringList &profilesGoneNow, CustomerSyncSummary &summary);

    // One linked pair: compares its fields (`first`: linked just now, no base yet), plans the
    // writes, records conflicts, moves the base. `writeAttribute`: the link attribute exists
    // and is written when it does not name the profile yet.
    static Status reconcileLink(QSqlDatabase &db, intents::IntentJournal &journal, const mapping::CustomerRules &rules,
                                const CustomerLink &link, const MagentoCustomerRecord &c, const VaultProfileRecord &v,
                                bool first, bool writeAttribute, const QList<DismissedDifference> &dismissed,
                                const QString &actor, const QDateTime &now, CustomerSyncSummary &summary);

    static constexpr QLatin1StringView kCursor{"magento.customers.updated_at"};
    static constexpr int kPageSize = 200;
    static constexpr int kIdPageSize = 300;
    static constexpr int kOverlapSeconds = 300;
    // Customers missing from the id scan are confirmed gone one by one (GET → 404); at most
    // this many per run, the rest next time.
    static constexpr int kMaxDeletionChecks = 50;
    static const QString kActor; // "system:customers"

    // How to create the attribute, in words (dashboard, `paybridge sync`).
    static QString attributeHelp(const QString &code);

    // A Magento customer object (search item or GET body) as a record; errors name the path.
    static Result<MagentoCustomerRecord> magentoRecord(const QJsonObject &customer, const QString &attributeCode);

private:
    void checkAttribute();
    void readChanged(int page);
    void scanIds(qint64 afterId);
    void confirmGone(QList<qint64> candidates);
    void exportVault();
    void finish(const Result<CustomerSyncSummary> &result);
    void fail(const Error &error);
    bool alive(quint64 generation) const { return generation == m_generation && m_scope; }
    // GET through the read gate when there is one.
    void get(const QString &path, const QList<QPair<QString, QString>> &query,
             std::function<void(int httpStatus, const QJsonValue &body, const Error &error)> callback);

    QSqlDatabase &m_db;
    magento::MagentoClient *m_magento;
    paytrace::PayTraceClient *m_paytrace;
    intents::IntentJournal &m_journal;
    const Clock &m_clock;
    net::ReadGate *m_gate = nullptr;

    quint64 m_generation = 0;
    QPointer<QObject> m_scope;
    Done m_done;
    mapping::CustomerRules m_rules;
    CustomerSyncSummary m_summary;
    QDateTime m_startedAt;
    QDateTime m_from;           // the cursor minus the overlap; invalid: every customer
    QDateTime m_maxUpdated;
    QSet<qint64> m_scanned;
    QList<qint64> m_deletedNow;
    QStringList m_profilesGoneNow;
};

} // namespace pb::customers
