#include "sync/syncengine.h"

#include "sync/connectionconfig.h"

#include "log/categories.h"
#include "customers/customersync.h"
#include "access/operatordirectory.h"
#include "erp/sinkfactory.h"
#include "magento/magentoapi.h"
#include "magento/magentoclient.h"
#include "magento/orderpager.h"
#include "mapping/mappingstore.h"
#include "net/httptransport.h"
#include "paytrace/parser.h"
#include "paytrace/paytraceclient.h"
#include "store/cursorrepository.h"
#include "store/database.h"
#include "store/linkrepository.h"
#include "store/orderrepository.h"
#include "store/quarantinerepository.h"
#include "store/syncrunrepository.h"
#include "store/transactionrepository.h"
#include "sync/automationrules.h"
#include "sync/batchpoller.h"
#include "sync/intentrunner.h"
#include "sync/linker.h"
#include "sync/readgate.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>

#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace pb::sync {

namespace {

Error syncError(const char *code, QString message)
{
    return makeError(QString::fromLatin1(code), {}, std::move(message));
}

} // namespace

SyncEngine::SyncEngine(SyncConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_mapping(mapping::MappingProfile::defaults())
{
    // Unique per engine: two engines (two profiles, or a test and the app) never share a writer.
    m_connectionName = QStringLiteral("sync-writer-%1-%2")
                           .arg(m_config.profileName)
                           .arg(reinterpret_cast<quintptr>(this), 0, 16);
}

SyncEngine::~SyncEngine()
{
    // The gates wait on the runner's limiters: gone first.
    delete m_paytraceReads;
    delete m_magentoReads;
    delete m_runner;
    delete m_sink;
    delete m_magentoApi;
    delete m_pager;
    delete m_magento;
    delete m_paytrace;
    delete m_transport;
    if (m_db.isValid()) {
        m_db = QSqlDatabase();
        store::Database::close(m_connectionName);
    }
}

Status SyncEngine::ensureSetUp()
{
    if (!m_db.isValid()) {
        auto db = store::Database::openWriter(m_config.databasePath, m_connectionName);
        if (!db)
            return db.error();
        m_db = db.value();
    }
    if (m_transport)
        return Status::success();

    auto pc = paytraceConfigFor(m_config);
    if (!pc)
        return pc.error();
    auto mc = magentoConfigFor(m_config);
    if (!mc)
        return mc.error();

    // Pins and the ERP sink are checked before anything is kept: a set-up that fails here
    // leaves nothing half made, and the next attempt starts over.
    auto transport = std::make_unique<net::HttpTransport>();
    if (Status pinned = applyCertificatePins(m_config, *transport); !pinned)
        return pinned;
    auto sink = erp::makeSink(sinkOptionsFor(m_config, transport.get()));
    if (!sink)
        return sink.error();
    m_transport = transport.release();
    m_paytrace = new paytrace::PayTraceClient(m_transport, pc.value());
    m_magento = new magento::MagentoClient(m_transport, mc.value());
    m_pager = new magento::OrderPager(m_magento);
    m_magentoApi = new magento::MagentoApi(m_magento);
    m_sink = sink.value().release();
    IntentRunnerConfig runnerConfig;
    if (m_config.paytraceMaxRequestsPerSecond > 0)
        runnerConfig.paytraceRatePerSecond = m_config.paytraceMaxRequestsPerSecond;
    if (m_config.magentoMaxRequestsPerSecond > 0)
        runnerConfig.magentoRatePerSecond = m_config.magentoMaxRequestsPerSecond;
    runnerConfig.requestTimeoutMs = m_config.requestTimeoutMs;
    runnerConfig.inDoubtSettleMs = m_config.inDoubtSettleMs;
    runnerConfig.program = m_config.program.isEmpty() ? QCoreApplication::applicationName() : m_config.program;
    m_runner = new IntentRunner(m_db, SystemClock::instance(), m_paytrace, m_magentoApi, m_sink, m_mapping,
                                runnerConfig);
    // Reads share the writes' limiter per host (one budget, one view of the server's limit)
    // and retry what is transient; a read that still fails fails its poll, cursor untouched.
    m_readRetry = std::make_unique<intents::RetryPolicy>(SystemClock::instance(), HostReadGate::readRetryConfig());
    m_paytraceReads = new HostReadGate(SystemClock::instance(), m_runner->paytraceLimiter(), *m_readRetry);
    m_magentoReads = new HostReadGate(SystemClock::instance(), m_runner->magentoLimiter(), *m_readRetry);
    m_customerSync = new customers::CustomerSync(m_db, m_magento, m_paytrace, m_runner->journal(),
                                                 SystemClock::instance(), this);
    m_customerSync->setMagentoReadGate(m_magentoReads);
    m_paytrace->setReadGate(m_paytraceReads);
    connect(m_paytrace, &paytrace::PayTraceClient::rejected, this, [this](const QList<RejectedRecord> &records) {
        if (m_running && !m_failed)
            quarantine(records);
    });
    m_pager->setReadGate(m_magentoReads);
    connect(m_runner, &IntentRunner::intentChanged, this, [this] {
        checkPendingOperations();
        Q_EMIT intentsChanged();
    });
    connect(m_runner, &IntentRunner::idle, this, [this] {
        checkPendingOperations();
        Q_EMIT intentsIdle();
    });
    connect(m_runner, &IntentRunner::error, this, [](const Error &e) {
        qCWarning(lcSync) << "intent runner:" << e.toString();
    });
    // What a crash left `sending` becomes in doubt when this runner takes the store's runner
    // lease (IntentRunner::takeLease), never while another live process sends it.
    if (!m_config.profileCreatedBy.isEmpty()) {
        if (auto boot = access::OperatorDirectory(m_db).ensureBootstrapAdmin(m_config.profileCreatedBy); !boot)
            qCWarning(lcSync) << "cannot make the profile's creator its first admin:" << boot.error().toString();
    }

    connect(m_pager, &magento::OrderPager::pageReady, this, [this](const QList<OrderRecord> &orders) {
        if (!m_running || m_failed || checkCancelled())
            return;
        QElapsedTimer storing;
        storing.start();
        store::OrderRepository repo(m_db);
        const Status stored = repo.upsert(orders, QDateTime::currentDateTimeUtc());
        m_storeOrdersNs += storing.nsecsElapsed();
        if (!stored) {
            fail(stored.error());
            return;
        }
        m_ordersFetched += int(orders.size());
        QStringList ids;
        ids.reserve(orders.size());
        for (const OrderRecord &o : orders)
            ids.append(QString::number(o.entityId));
        releaseRead(RejectedRecord::kMagentoOrder, ids);
        Q_EMIT progress({SyncProgress::Phase::Orders, m_ordersFetched, -1});
    });
    connect(m_pager, &magento::OrderPager::rejected, this, [this](const QList<RejectedRecord> &records) {
        if (!m_running || m_failed || checkCancelled())
            return;
        quarantine(records);
    });
    connect(m_pager, &magento::OrderPager::finished, this, [this](const QDateTime &cursor, int) {
        if (!m_running || m_failed)
            return;
        if (cursor.isValid()) {
            store::CursorRepository cursors(m_db);
            const Status saved = cursors.set(kMagentoCursor, cursor.toUTC().toString(Qt::ISODateWithMs));
            if (!saved) {
                fail(saved.error());
                return;
            }
        }
        qCInfo(lcSyncMagento) << "orders read:" << m_ordersFetched << "after" << m_elapsed.elapsed() << "ms";
        partDone();
    });
    connect(m_pager, &magento::OrderPager::failed, this, [this](const magento::Failure &failure) {
        if (m_running && !m_failed)
            fail(errorFrom(failure));
    });
    return Status::success();
}

Status SyncEngine::refreshMapping()
{
    mapping::MappingStore mappings(m_db);
    auto number = mappings.activeVersionNumber();
    if (!number)
        return number.error();
    if (number.value() == m_mappingVersion)
        return Status::success();
    auto active = mappings.active();
    if (!active)
        return active.error();
    m_mapping = std::move(active).value();
    if (m_runner)
        m_runner->setProfile(m_mapping);
    if (m_mappingVersion >= 0 || number.value() > 0)
        qCInfo(lcSync) << "mapping version" << number.value() << "is active for profile" << m_config.profileName;
    m_mappingVersion = number.value();
    return Status::success();
}

void SyncEngine::runOnce()
{
    if (m_running)
        return;
    m_cancelRequested.store(false);
    ++m_runGeneration;
    if (m_runScope)
        m_runScope->deleteLater();
    m_runScope = new QObject(this);
    m_running = true;
    m_failed = false;
    m_ordersFetched = 0;
    m_transactionsFetched = 0;
    m_daysDone = 0;
    m_daysTotal = 0;
    m_customersLinked = 0;
    m_customerWrites = 0;
    m_customerConflicts = 0;
    m_customersNote.clear();
    m_storeOrdersNs = 0;
    m_storeTransactionsNs = 0;
    m_quarantinedIds.clear();
    m_quarantinedNew = 0;
    m_released = 0;
    m_elapsed.start();
    Q_EMIT started();
    Q_EMIT progress({SyncProgress::Phase::Connecting, 0, -1});

    const Status ready = ensureSetUp();
    if (!ready) {
        fail(ready.error());
        return;
    }
    // A mapping that cannot be read fails the run: acting on another mapping than the one
    // the admin activated would set wrong statuses and book wrong accounts.
    if (Status mapped = refreshMapping(); !mapped) {
        fail(mapped.error());
        return;
    }
    store::SyncRunRepository runs(m_db);
    const auto runId = runs.start(QDateTime::currentDateTimeUtc());
    if (!runId) {
        fail(runId.error());
        return;
    }
    m_runId = runId.value();
    qCInfo(lcSync) << "sync run" << m_runId << "started for profile" << m_config.profileName;
    if (auto held = store::QuarantineRepository(m_db).keys(); held) {
        for (const auto &[source, id] : held.value())
            m_quarantinedIds[source].insert(id);
    } else {
        fail(held.error());
        return;
    }

    m_partsPending = 2;
    startMagento();
    if (m_running && !m_failed)
        startPayTrace();
}

void SyncEngine::startMagento()
{
    store::CursorRepository cursors(m_db);
    const auto stored = cursors.get(kMagentoCursor);
    if (!stored) {
        fail(stored.error());
        return;
    }
    QDateTime from;
    if (stored.value())
        from = QDateTime::fromString(*stored.value(), Qt::ISODateWithMs);
    if (!from.isValid())
        from = QDateTime::currentDateTimeUtc().addDays(-m_config.historyDays);
    m_pager->start(from, kMagentoOverlapSeconds, kMagentoPageSize);
}

void SyncEngine::startPayTrace()
{
    // PayTrace dates are calendar days of its batch clock (Pacific time).
    const QDate today = QDateTime::currentDateTimeUtc().toTimeZone(paytrace::Parser::batchTimeZone()).date();
    store::CursorRepository cursors(m_db);
    const auto stored = cursors.get(kPayTraceCursor);
    if (!stored) {
        fail(stored.error());
        return;
    }
    QDate from;
    if (stored.value())
        from = QDate::fromString(*stored.value(), Qt::ISODate).addDays(-kPayTraceRereadDays);
    if (!from.isValid() || from < today.addDays(-m_config.historyDays))
        from = today.addDays(-m_config.historyDays);
    if (from > today)
        from = today;
    m_daysTotal = int(from.daysTo(today)) + 1;

    // With the BIN the parser can tell the card type (rules and people need it); only the type
    // and the last four are kept.
    paytrace::ExportFilters filters;
    filters.includeBin = true;
    const quint64 generation = m_runGeneration;
    m_paytrace->exportTransactionsByDateRange(
        from, today, filters, m_runScope,
        [this, generation](const paytrace::ExportDay &day) {
            if (generation != m_runGeneration || !m_running || m_failed || checkCancelled())
                return;
            if (!day.outcome.ok())
                return; // the done callback reports the failing day
            QElapsedTimer storing;
            storing.start();
            store::TransactionRepository repo(m_db);
            const Status stored = repo.upsert(day.transactions, QDateTime::currentDateTimeUtc());
            m_storeTransactionsNs += storing.nsecsElapsed();
            if (!stored) {
                fail(stored.error());
                return;
            }
            m_transactionsFetched += int(day.transactions.size());
            quarantine(day.rejected);
            if (m_failed)
                return;
            QStringList ids;
            ids.reserve(day.transactions.size());
            for (const GatewayTransaction &t : day.transactions)
                ids.append(t.transactionId);
            releaseRead(RejectedRecord::kPayTraceTransaction, ids);
            ++m_daysDone;
            Q_EMIT progress({SyncProgress::Phase::Transactions, m_daysDone, m_daysTotal});
        },
        [this, from, today, generation](const paytrace::Outcome &outcome) {
            if (generation != m_runGeneration || !m_running || m_failed)
                return;
            if (!outcome.ok()) {
                fail(errorFrom(outcome));
                return;
            }
            qCInfo(lcSyncPaytrace) << "transactions read:" << m_transactionsFetched << "over"
                                   << m_daysTotal << "days after" << m_elapsed.elapsed() << "ms";
            // The same days' batch lists (their reported totals) before the cursor moves, so a
            // failed batch read is read again with its days next time.
            pollBatches(*m_paytrace, m_db, from, today, m_runScope, [this, today, generation](const Result<int> &batches) {
                if (generation != m_runGeneration || !m_running || m_failed)
                    return;
                if (!batches) {
                    fail(batches.error());
                    return;
                }
                store::CursorRepository cursors(m_db);
                const Status saved = cursors.set(kPayTraceCursor, today.toString(Qt::ISODate));
                if (!saved) {
                    fail(saved.error());
                    return;
                }
                qCInfo(lcSyncPaytrace) << "batches stored or changed:" << batches.value();
                partDone();
            });
        });
}

void SyncEngine::partDone()
{
    if (--m_partsPending > 0)
        return;
    if (checkCancelled())
        return;
    retryQuarantined();
}

void SyncEngine::quarantine(const QList<RejectedRecord> &records)
{
    if (records.isEmpty())
        return;
    const auto added = store::QuarantineRepository(m_db).put(records, QDateTime::currentDateTimeUtc());
    if (!added) {
        fail(added.error());
        return;
    }
    m_quarantinedNew += added.value();
    for (const RejectedRecord &r : records) {
        m_quarantinedIds[r.source].insert(r.externalId);
        qCWarning(lcSync).noquote() << "quarantined" << r.source << r.externalId << "-" << r.field << r.reason;
    }
}

void SyncEngine::releaseRead(QLatin1StringView source, const QStringList &ids)
{
    auto held = m_quarantinedIds.find(QString(source));
    if (held == m_quarantinedIds.end() || held->isEmpty())
        return;
    QStringList readNow;
    for (const QString &id : ids) {
        if (held->remove(id))
            readNow.append(id);
    }
    if (readNow.isEmpty())
        return;
    const auto released = store::QuarantineRepository(m_db).release(QString(source), readNow, QDateTime::currentDateTimeUtc());
    if (!released) {
        fail(released.error());
        return;
    }
    m_released += released.value();
    qCInfo(lcSync).noquote() << "released from the quarantine:" << source << readNow.join(u", ");
}

void SyncEngine::retryQuarantined()
{
    // Entries this run has not just refreshed: an order rejected on this run's page would only
    // read the same again.
    store::QuarantineRepository repo(m_db);
    const QDateTime startedAt = QDateTime::currentDateTimeUtc().addMSecs(-m_elapsed.elapsed());
    auto pick = [&](QLatin1StringView source) -> QStringList {
        return repo.idsToRetry(QString(source), startedAt, kQuarantineRetriesPerRun).valueOr({});
    };
    const QStringList orders = pick(RejectedRecord::kMagentoOrder);
    m_pendingTransactionRetries = pick(RejectedRecord::kPayTraceTransaction);
    m_pendingBatchRetries = pick(RejectedRecord::kPayTraceBatch);
    retryNextMagento(orders, m_runGeneration);
}

void SyncEngine::retryNextMagento(QStringList ids, quint64 generation)
{
    if (generation != m_runGeneration || !m_running || m_failed || checkCancelled())
        return;
    // An id that is not a number was the item's place in a page: nothing to fetch it by.
    while (!ids.isEmpty() && ids.constFirst().toLongLong() <= 0)
        ids.removeFirst();
    if (ids.isEmpty()) {
        retryNextPayTrace(std::exchange(m_pendingTransactionRetries, {}), generation);
        return;
    }
    const QString id = ids.takeFirst();
    m_magento->requestRaw(
        QByteArrayLiteral("GET"), u"/orders/"_s + id, {}, QByteArray(), net::Effect::Read, m_runScope,
        [this, id, ids, generation](const net::HttpResponse &http, const magento::Reply<QJsonValue> &) {
            if (generation != m_runGeneration || !m_running || m_failed)
                return;
            const QDateTime now = QDateTime::currentDateTimeUtc();
            store::QuarantineRepository repo(m_db);
            if (http.isHttpSuccess()) {
                auto order = magento::Parser::parseOrderBody(http.body);
                if (order) {
                    const Status stored = store::OrderRepository(m_db).upsert({order.value()}, now);
                    if (!stored) {
                        fail(stored.error());
                        return;
                    }
                    releaseRead(RejectedRecord::kMagentoOrder, {id});
                } else {
                    RejectedRecord r = magento::Parser::rejectOrder(
                        QJsonDocument::fromJson(http.body).object(), u"order"_s, order.error());
                    if (!QJsonDocument::fromJson(http.body).isObject())
                        r.raw = http.body;
                    r.externalId = id;
                    quarantine({r});
                }
            } else {
                // Not there or not reachable now: the entry stays as it was, tried again later.
                const Status touched = repo.touch(QString(RejectedRecord::kMagentoOrder), id, now);
                if (!touched) {
                    fail(touched.error());
                    return;
                }
                qCInfo(lcSync).noquote() << "quarantined order" << id << "could not be read again: HTTP"
                                         << http.status;
            }
            retryNextMagento(ids, generation);
        });
}

void SyncEngine::retryNextPayTrace(QStringList ids, quint64 generation)
{
    if (generation != m_runGeneration || !m_running || m_failed || checkCancelled())
        return;
    while (!ids.isEmpty() && ids.constFirst().startsWith(u"transactions["))
        ids.removeFirst();
    if (ids.isEmpty()) {
        retryNextBatch(std::exchange(m_pendingBatchRetries, {}), generation);
        return;
    }
    const QString id = ids.takeFirst();
    m_paytrace->exportByIdLenient(
        id, m_runScope, [this, id, ids, generation](const paytrace::Outcome &outcome, const paytrace::Parser::TransactionList &list) {
            if (generation != m_runGeneration || !m_running || m_failed)
                return;
            const QDateTime now = QDateTime::currentDateTimeUtc();
            if (outcome.ok() && !list.items.isEmpty()) {
                const Status stored = store::TransactionRepository(m_db).upsert(list.items, now);
                if (!stored) {
                    fail(stored.error());
                    return;
                }
                QStringList readNow;
                for (const GatewayTransaction &t : list.items)
                    readNow.append(t.transactionId);
                releaseRead(RejectedRecord::kPayTraceTransaction, readNow);
            } else if (outcome.ok() && !list.rejected.isEmpty()) {
                quarantine(list.rejected);
            } else {
                const Status touched = store::QuarantineRepository(m_db).touch(QString(RejectedRecord::kPayTraceTransaction), id, now);
                if (!touched) {
                    fail(touched.error());
                    return;
                }
            }
            retryNextPayTrace(ids, generation);
        });
}

void SyncEngine::startCustomers()
{
    if (!m_mapping.customers().enabled) {
        finishRun();
        return;
    }
    const quint64 generation = m_runGeneration;
    const qint64 startedMs = m_elapsed.elapsed();
    m_customerSync->run(m_mapping.customers(), m_runScope,
                        [this, generation, startedMs](const Result<customers::CustomerSyncSummary> &result) {
                            if (generation != m_runGeneration || !m_running || m_failed || checkCancelled())
                                return;
                            if (!result) {
                                // The orders and payments are stored and linked; a customer read
                                // that failed is read again by the next run (its cursor stayed).
                                qCWarning(lcSync) << "customers not synced:" << result.error().toString();
                                m_customersNote = result.error().message;
                            } else {
                                const customers::CustomerSyncSummary &c = result.value();
                                m_customersLinked = c.linked;
                                m_customerWrites = c.magentoUpdates + c.paytraceUpdates + c.deletionsPlanned
                                    + c.expiryComments;
                                m_customerConflicts = c.conflictsOpen;
                                m_customersNote = c.attributeHelp;
                                qCInfo(lcSync) << "customers:" << c.customersRead << "read," << c.profilesRead
                                               << "vault profiles," << c.linked << "linked," << m_customerWrites
                                               << "writes planned," << c.conflictsOpen << "conflicts open, in"
                                               << m_elapsed.elapsed() - startedMs << "ms";
                                for (const QString &why : c.notLinked)
                                    qCInfo(lcSync).noquote() << "customers: not linked:" << why;
                                if (m_customerWrites > 0)
                                    Q_EMIT intentsChanged();
                            }
                            finishRun();
                        });
}

void SyncEngine::finishRun()
{
    Q_EMIT progress({SyncProgress::Phase::Linking, 0, -1});
    const qint64 readMs = m_elapsed.elapsed();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    store::LinkRepository links(m_db);
    const auto linked = Linker(m_db).link(m_mapping, now);
    const qint64 linkMs = m_elapsed.elapsed() - readMs;
    if (!linked) {
        fail(linked.error());
        return;
    }
    const auto counts = links.counts();
    const auto orders = store::OrderRepository(m_db).count();
    const auto transactions = store::TransactionRepository(m_db).count();
    if (!counts || !orders || !transactions) {
        fail(!counts ? counts.error() : !orders ? orders.error() : transactions.error());
        return;
    }

    SyncSummary summary;
    summary.ordersFetched = m_ordersFetched;
    summary.transactionsFetched = m_transactionsFetched;
    summary.ordersTotal = int(orders.value());
    summary.transactionsTotal = int(transactions.value());
    summary.linked = int(counts->linked);
    summary.unlinkedTransactions = int(counts->unlinkedTransactions);
    summary.ordersWithoutPayment = int(counts->ordersWithoutPayment);
    const auto held = store::QuarantineRepository(m_db).count();
    if (!held) {
        fail(held.error());
        return;
    }
    summary.quarantined = int(held.value());
    summary.quarantinedNew = m_quarantinedNew;
    summary.released = m_released;
    summary.customersLinked = m_customersLinked;
    summary.customerWrites = m_customerWrites;
    summary.customerConflicts = m_customerConflicts;
    summary.customersNote = m_customersNote;
    summary.finishedAt = now;
    summary.elapsedMs = m_elapsed.elapsed();

    const qint64 runId = m_runId;
    endRun(QStringLiteral("ok"), summary.quarantined > 0
               ? QStringLiteral("%1 new links; %2 records in quarantine").arg(linked.value()).arg(summary.quarantined)
               : QStringLiteral("%1 new links").arg(linked.value()));
    qCInfo(lcSync) << "sync run" << runId << "finished in" << summary.elapsedMs << "ms:"
                   << summary.ordersFetched << "orders," << summary.transactionsFetched
                   << "transactions," << linked.value() << "new links";
    qCInfo(lcSync) << "sync run" << runId << "time: reading" << readMs << "ms (of which storing orders"
                   << m_storeOrdersNs / 1000000 << "ms, transactions" << m_storeTransactionsNs / 1000000
                   << "ms), linking" << linkMs << "ms";
    applyRules(now);
    Q_EMIT progress({SyncProgress::Phase::Done, 1, 1});
    Q_EMIT finished(summary);
    // Fresh facts: what waited on them (re-checks, the janitor) can go now.
    m_runner->pass();
}

void SyncEngine::applyRules(const QDateTime &now)
{
    // Rules act on what happens from the first sync on; the history read by it is left alone.
    QDateTime since = m_config.rulesActiveSince;
    store::CursorRepository cursors(m_db);
    if (!since.isValid()) {
        auto stored = cursors.get(AutomationRules::kActiveSinceCursor);
        if (!stored) {
            qCWarning(lcSync) << "rules: cannot read their start:" << stored.error().toString();
            return;
        }
        if (!stored.value()) {
            // From the start of this first run: what happened while it read the history may
            // not be in it, and is news the next run must act on.
            const QDateTime start = now.addMSecs(-m_elapsed.elapsed());
            const Status saved = cursors.set(AutomationRules::kActiveSinceCursor, start.toString(Qt::ISODateWithMs));
            if (!saved)
                qCWarning(lcSync) << "rules: cannot record their start:" << saved.error().toString();
            qCInfo(lcSync) << "rules are active from" << start << "on";
            return;
        }
        since = QDateTime::fromString(*stored.value(), Qt::ISODateWithMs);
    }
    auto evaluation = AutomationRules::evaluate(m_db, m_mapping, since, now);
    if (!evaluation) {
        qCWarning(lcSync) << "rules: evaluation failed:" << evaluation.error().toString();
        return;
    }
    int planned = 0;
    for (const auto &chain : std::as_const(evaluation->chains)) {
        auto r = m_runner->journal().planAll(chain);
        if (!r) {
            qCWarning(lcSync) << "rules: cannot plan" << chain.first().naturalKey << r.error().toString();
            continue;
        }
        for (const auto &one : r.value())
            planned += one.created ? 1 : 0;
    }
    for (const QString &why : std::as_const(evaluation->skipped))
        qCInfo(lcSync) << "rules: not acting:" << why;
    if (planned > 0) {
        qCInfo(lcSync) << "rules planned" << planned << "intents";
        Q_EMIT intentsChanged();
    }
}

bool SyncEngine::checkCancelled()
{
    if (!m_cancelRequested.load() || !m_running)
        return false;
    m_pager->cancel();
    // Reads only: a refund or capture the intent runner is sending shares this transport and
    // must get its answer (or its timeout), never be cut off by a cancelled sync.
    m_transport->abortReads();
    fail(syncError("sync.cancelled", QStringLiteral("the sync was cancelled")));
    return true;
}

void SyncEngine::retryNextBatch(QStringList ids, quint64 generation)
{
    if (generation != m_runGeneration || !m_running || m_failed || checkCancelled())
        return;
    // An id starting with '/' was the record's place in a day's list: no number to ask by.
    while (!ids.isEmpty() && ids.constFirst().startsWith(u'/'))
        ids.removeFirst();
    if (ids.isEmpty()) {
        startCustomers();
        return;
    }
    const QString number = ids.takeFirst();
    m_paytrace->exportBatch(number, m_runScope,
                            [this, number, ids, generation](const paytrace::Outcome &outcome,
                                                            const std::optional<paytrace::BatchSummary> &batch) {
                                if (generation != m_runGeneration || !m_running || m_failed)
                                    return;
                                const QDateTime now = QDateTime::currentDateTimeUtc();
                                if (outcome.ok() && batch && batch->number == number) {
                                    auto stored = BatchRepository(m_db).upsert({*batch}, now);
                                    if (!stored) {
                                        fail(stored.error());
                                        return;
                                    }
                                    releaseRead(RejectedRecord::kPayTraceBatch, {number});
                                } else {
                                    const Status touched = store::QuarantineRepository(m_db).touch(
                                        QString(RejectedRecord::kPayTraceBatch), number, now);
                                    if (!touched) {
                                        fail(touched.error());
                                        return;
                                    }
                                }
                                retryNextBatch(ids, generation);
                            });
}

void SyncEngine::fail(const Error &error)
{
    if (!m_running || m_failed)
        return;
    m_failed = true;
    if (m_pager)
        m_pager->cancel();
    qCWarning(lcSync) << "sync run" << m_runId << "failed:" << error.toString();
    endRun(error.code == u"sync.cancelled" ? QStringLiteral("cancelled") : QStringLiteral("failed"),
           error.toString());
    Q_EMIT failed(error);
}

void SyncEngine::endRun(const QString &outcome, const QString &message)
{
    m_running = false;
    // Stops what the run still has going (a PayTrace export after the run failed); later,
    // as this may run inside one of its callbacks.
    if (m_runScope) {
        m_runScope->deleteLater();
        m_runScope = nullptr;
    }
    if (m_runId == 0 || !m_db.isValid())
        return;
    store::SyncRun run;
    run.id = m_runId;
    run.finishedAt = QDateTime::currentDateTimeUtc();
    run.outcome = outcome;
    run.ordersSeen = m_ordersFetched;
    run.transactionsSeen = m_transactionsFetched;
    run.message = message;
    const Status saved = store::SyncRunRepository(m_db).finish(run);
    if (!saved)
        qCWarning(lcSync) << "could not record the end of sync run" << m_runId << saved.error().toString();
    m_runId = 0;
}

Error SyncEngine::errorFrom(const paytrace::Outcome &outcome)
{
    using Kind = paytrace::Outcome::Kind;
    const char *code = "paytrace.error";
    switch (outcome.kind) {
    case Kind::AuthFailure: code = "paytrace.auth"; break;
    case Kind::RateLimited: code = "paytrace.rate_limited"; break;
    case Kind::Transient:
        // A 2xx whose body did not read is not a connection problem; retries did not help
        // and saying "unreachable" would send a person to check the network.
        code = outcome.httpStatus >= 200 && outcome.httpStatus < 300 && !outcome.error.code.isEmpty()
            ? "paytrace.unreadable"
            : "paytrace.unreachable";
        break;
    case Kind::InDoubt: code = "paytrace.in_doubt"; break;
    default: break;
    }
    return makeError(QString::fromLatin1(code), QStringLiteral("PayTrace"), outcome.summary());
}

Error SyncEngine::errorFrom(const magento::Failure &failure)
{
    const char *code = "magento.error";
    switch (failure.errorClass) {
    case net::ErrorClass::Auth: code = "magento.auth"; break;
    case net::ErrorClass::RateLimited: code = "magento.rate_limited"; break;
    case net::ErrorClass::Transient:
        code = failure.httpStatus >= 200 && failure.httpStatus < 300 ? "magento.unreadable" : "magento.unreachable";
        break;
    case net::ErrorClass::Tls: code = "magento.tls"; break;
    default: break;
    }
    return makeError(QString::fromLatin1(code), QStringLiteral("Magento"), failure.summary());
}

} // namespace pb::sync
