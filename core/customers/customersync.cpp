#include "customers/customersync.h"

#include "customers/customerlinker.h"
#include "customers/customerplans.h"
#include "intents/intentjournal.h"
#include "log/categories.h"
#include "magento/customers.h"
#include "magento/documents.h"
#include "magento/magentoclient.h"
#include "magento/parser.h"
#include "magento/searchcriteria.h"
#include "net/readgate.h"
#include "paytrace/paytraceclient.h"
#include "store/cursorrepository.h"
#include "store/customerrepository.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace pb::customers {

const QString CustomerSync::kActor = u"system:customers"_s;

namespace {

// Another sync (or a person) planned a write for this pair that has not ended yet: its fields
// are in flux until it has, and comparing now would take the old value for a change.
constexpr QLatin1StringView kOpenStates{"'planned','sending','retry_wait','in_doubt','needs_person'"};

} // namespace

CustomerSync::CustomerSync(QSqlDatabase &db, magento::MagentoClient *magento, paytrace::PayTraceClient *paytrace,
                           intents::IntentJournal &journal, const Clock &clock, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_magento(magento)
    , m_paytrace(paytrace)
    , m_journal(journal)
    , m_clock(clock)
{
}

QString CustomerSync::attributeHelp(const QString &code)
{
    return tr("The Magento customer attribute %1 does not exist, so PayBridge keeps customer links in its own "
              "store only. To create it: in Adobe Commerce, Stores › Attributes › Customer › Add New Attribute "
              "(code %1, a text field, not required, not on the storefront); in Magento Open Source, a small "
              "module whose data patch adds a customer attribute %1 (varchar, text input, user defined, on the "
              "adminhtml_customer form), then bin/magento setup:upgrade. Or set customers.attributeCode in the "
              "mapping profile to an attribute the store has.")
        .arg(code);
}

Result<MagentoCustomerRecord> CustomerSync::magentoRecord(const QJsonObject &o, const QString &attributeCode)
{
    PB_TRY(c, magento::DocumentParser::parseCustomer(o, u"customer"_s));
    return magento::customerRecord(c, attributeCode);
}

void CustomerSync::run(const mapping::CustomerRules &rules, QObject *scope, Done done)
{
    ++m_generation;
    m_scope = scope;
    m_done = std::move(done);
    m_rules = rules;
    m_summary = CustomerSyncSummary{};
    m_startedAt = m_clock.nowUtc();
    m_maxUpdated = QDateTime();
    m_scanned.clear();
    m_deletedNow.clear();
    m_profilesGoneNow.clear();
    m_from = QDateTime();
    auto cursor = store::CursorRepository(m_db).get(QString(kCursor));
    if (!cursor) {
        fail(cursor.error());
        return;
    }
    if (cursor.value())
        m_from = QDateTime::fromString(*cursor.value(), Qt::ISODateWithMs).addSecs(-kOverlapSeconds);
    checkAttribute();
}

void CustomerSync::get(const QString &path, const QList<QPair<QString, QString>> &query,
                       std::function<void(int, const QJsonValue &, const Error &)> callback)
{
    const auto send = [this, path, query](std::function<void(const magento::Reply<QJsonValue> &)> cb) {
        m_magento->request(QByteArrayLiteral("GET"), path, query, std::nullopt, net::Effect::Read, m_scope.data(),
                           std::move(cb));
    };
    const auto deliver = [callback](const magento::Reply<QJsonValue> &reply) {
        if (reply.ok())
            callback(200, *reply.value, Error{});
        else
            callback(reply.failure.httpStatus, QJsonValue(), reply.failure.error.code.isEmpty()
                         ? makeError(u"magento.error"_s, u"Magento"_s, reply.failure.summary())
                         : makeError(reply.failure.error.code, u"Magento"_s, reply.failure.summary()));
    };
    if (!m_gate) {
        send(deliver);
        return;
    }
    m_gate->run(m_scope.data(), [send, deliver](const net::ReadGate::Answered &answered) {
        send([answered, deliver](const magento::Reply<QJsonValue> &reply) {
            net::ReadFeedback feedback;
            if (!reply.ok()) {
                // A 404 is an answer (no such attribute, customer gone), not a failure to retry.
                feedback.errorClass = reply.failure.httpStatus == 404 ? net::ErrorClass::None : reply.failure.errorClass;
                feedback.retryAfterSeconds = reply.failure.retryAfterSeconds;
            }
            if (answered(feedback))
                deliver(reply);
        });
    });
}

void CustomerSync::checkAttribute()
{
    const quint64 generation = m_generation;
    get(u"/attributeMetadata/customer/attribute/"_s + QString::fromLatin1(QUrl::toPercentEncoding(m_rules.attributeCode)),
        {}, [this, generation](int status, const QJsonValue &, const Error &error) {
            if (!alive(generation))
                return;
            if (status == 200) {
                m_summary.attributeExists = true;
            } else if (status == 404) {
                // "No such entity" — and a store too old for the route cannot hold it either.
                m_summary.attributeExists = false;
                m_summary.attributeHelp = attributeHelp(m_rules.attributeCode);
                qCInfo(lcSync).noquote() << "customers: the Magento attribute" << m_rules.attributeCode
                                         << "is missing; links are kept in the store only";
            } else {
                // Not known this time: nothing is written to the attribute until it is.
                qCWarning(lcSync).noquote() << "customers: cannot check the Magento attribute"
                                            << m_rules.attributeCode << "-" << error.toString();
            }
            readChanged(1);
        });
}

void CustomerSync::readChanged(int page)
{
    magento::SearchCriteria c;
    if (m_from.isValid())
        c.addFilter(u"updated_at"_s, magento::Parser::formatTime(m_from.toUTC()), u"gteq"_s);
    c.addSortOrder(u"updated_at"_s, magento::SearchCriteria::Direction::Asc);
    c.addSortOrder(u"entity_id"_s, magento::SearchCriteria::Direction::Asc);
    c.setPageSize(kPageSize);
    c.setCurrentPage(page);
    auto query = c.queryItems();
    if (!query) {
        fail(query.error());
        return;
    }
    const quint64 generation = m_generation;
    get(u"/customers/search"_s, *query, [this, generation, page](int, const QJsonValue &body, const Error &error) {
        if (!alive(generation))
            return;
        if (!error.code.isEmpty()) {
            fail(error);
            return;
        }
        const QJsonArray items = body.toObject().value("items"_L1).toArray();
        const qint64 total = body.toObject().value("total_count"_L1).toInteger(-1);
        QList<MagentoCustomerRecord> records;
        for (qsizetype i = 0; i < items.size(); ++i) {
            auto r = magentoRecord(items.at(i).toObject(), m_rules.attributeCode);
            if (!r) {
                // One unreadable customer must not stop the others; it is read again next time.
                qCWarning(lcSync).noquote() << "customers: skipped an unreadable customer:" << r.error().toString();
                continue;
            }
            if (r->updatedAt.isValid() && (!m_maxUpdated.isValid() || r->updatedAt > m_maxUpdated))
                m_maxUpdated = r->updatedAt;
            records.append(*r);
        }
        if (!records.isEmpty()) {
            const auto stored = store::CustomerRepository(m_db).upsertCustomers(records, m_clock.nowUtc());
            if (!stored) {
                fail(stored.error());
                return;
            }
        }
        m_summary.customersRead += int(records.size());
        const bool last = items.size() < kPageSize || (total >= 0 && qint64(page) * kPageSize >= total)
            || page >= 10000;
        if (!last) {
            readChanged(page + 1);
            return;
        }
        scanIds(0);
    });
}

void CustomerSync::scanIds(qint64 afterId)
{
    // Keyset by id: a customer deleted while the scan runs cannot shift another out of view.
    magento::SearchCriteria c;
    if (afterId > 0)
        c.addFilter(u"entity_id"_s, QString::number(afterId), u"gt"_s);
    c.addSortOrder(u"entity_id"_s, magento::SearchCriteria::Direction::Asc);
    c.setPageSize(kIdPageSize);
    c.setCurrentPage(1);
    c.setFields(u"items[id],total_count"_s);
    auto query = c.queryItems();
    if (!query) {
        fail(query.error());
        return;
    }
    const quint64 generation = m_generation;
    get(u"/customers/search"_s, *query, [this, generation, afterId](int, const QJsonValue &body, const Error &error) {
        if (!alive(generation))
            return;
        if (!error.code.isEmpty()) {
            fail(error);
            return;
        }
        const QJsonArray items = body.toObject().value("items"_L1).toArray();
        qint64 maxId = afterId;
        for (const QJsonValue &v : items) {
            const qint64 id = v.toObject().value("id"_L1).toVariant().toLongLong();
            if (id > 0) {
                m_scanned.insert(id);
                maxId = std::max(maxId, id);
            }
        }
        if (items.size() >= kIdPageSize && maxId > afterId) {
            scanIds(maxId);
            return;
        }
        auto present = store::CustomerRepository(m_db).presentCustomerIds();
        if (!present) {
            fail(present.error());
            return;
        }
        QList<qint64> missing;
        for (qint64 id : std::as_const(present.value())) {
            if (!m_scanned.contains(id))
                missing.append(id);
        }
        std::sort(missing.begin(), missing.end());
        if (missing.size() > kMaxDeletionChecks)
            missing.resize(kMaxDeletionChecks);
        confirmGone(missing);
    });
}

void CustomerSync::confirmGone(QList<qint64> candidates)
{
    if (candidates.isEmpty()) {
        if (!m_deletedNow.isEmpty()) {
            const Status marked = store::CustomerRepository(m_db).markCustomersDeleted(m_deletedNow, m_clock.nowUtc());
            if (!marked) {
                fail(marked.error());
                return;
            }
            m_summary.customersDeleted = int(m_deletedNow.size());
        }
        exportVault();
        return;
    }
    const qint64 id = candidates.takeFirst();
    const quint64 generation = m_generation;
    get(u"/customers/"_s + QString::number(id), {},
        [this, generation, id, candidates](int status, const QJsonValue &, const Error &) {
            if (!alive(generation))
                return;
            // Only Magento's own "no such customer" counts; anything else decides nothing.
            if (status == 404)
                m_deletedNow.append(id);
            confirmGone(candidates);
        });
}

void CustomerSync::exportVault()
{
    const quint64 generation = m_generation;
    m_paytrace->exportCustomers(
        {}, m_scope.data(), [this, generation](const paytrace::Outcome &outcome, const QList<paytrace::CustomerProfile> &list) {
            if (!alive(generation))
                return;
            if (!outcome.ok()) {
                fail(makeError(u"paytrace.customer_export"_s, u"PayTrace"_s, outcome.summary()));
                return;
            }
            QList<VaultProfileRecord> profiles;
            QSet<QString> present;
            for (const paytrace::CustomerProfile &p : list) {
                const VaultProfileRecord v = p.toVaultRecord();
                if (v.customerId.isEmpty())
                    continue;
                present.insert(v.customerId);
                profiles.append(v);
            }
            const QDateTime now = m_clock.nowUtc();
            store::CustomerRepository repo(m_db);
            const auto stored = repo.upsertVaultProfiles(profiles, now);
            if (!stored) {
                fail(stored.error());
                return;
            }
            m_summary.profilesRead = int(profiles.size());
            auto held = repo.vaultProfiles();
            if (!held) {
                fail(held.error());
                return;
            }
            // An empty export while the store holds profiles is more likely a problem on the
            // way than a merchant who deleted every card on file: nothing is unlinked for it.
            if (profiles.isEmpty() && !held->isEmpty()) {
                qCWarning(lcSync) << "customers: the vault export was empty although" << held->size()
                                  << "profiles are known; not taken as deletions";
            } else {
                auto gone = repo.markVaultProfilesDeletedExcept(present, now);
                if (!gone) {
                    fail(gone.error());
                    return;
                }
                m_profilesGoneNow = gone.value();
                m_summary.profilesDeleted = int(m_profilesGoneNow.size());
            }
            const Status settled = settle(m_rules, m_summary.attributeExists, m_deletedNow, m_profilesGoneNow, m_summary);
            if (!settled) {
                fail(settled.error());
                return;
            }
            if (m_maxUpdated.isValid()) {
                const Status saved = store::CursorRepository(m_db).set(
                    QString(kCursor), m_maxUpdated.toUTC().toString(Qt::ISODateWithMs));
                if (!saved) {
                    fail(saved.error());
                    return;
                }
            }
            finish(m_summary);
        });
}

Status CustomerSync::settle(const mapping::CustomerRules &rules, std::optional<bool> attributeExists,
                            const QList<qint64> &deletedNow, const QStringList &profilesGoneNow,
                            CustomerSyncSummary &summary)
{
    const QDateTime now = m_clock.nowUtc();
    store::CustomerRepository repo(m_db);
    const bool writeAttribute = attributeExists.value_or(false);

    const auto plan = [&](const intents::PlanRequest &request, int *counter) -> Result<bool> {
        auto planned = m_journal.plan(request);
        if (!planned)
            return planned.error();
        if (planned->created && counter)
            ++*counter;
        return planned->created;
    };

    // ---- what the store holds now ----
    PB_TRY(presentIds, repo.presentCustomerIds());
    QList<MagentoCustomerRecord> customers;
    QHash<qint64, MagentoCustomerRecord> customerById;
    for (qint64 id : std::as_const(presentIds)) {
        PB_TRY(c, repo.customer(id));
        if (c) {
            customers.append(*c);
            customerById.insert(id, *c);
        }
    }
    PB_TRY(profiles, repo.vaultProfiles());
    QHash<QString, VaultProfileRecord> profileById;
    for (const VaultProfileRecord &p : std::as_const(profiles))
        profileById.insert(p.customerId, p);
    PB_TRY(links, repo.links());

    // ---- vault profiles gone (found by this pass, or deleted by a confirmed intent): unlink
    // only — the Magento customer stays — and clear the attribute that named the profile ----
    Q_UNUSED(profilesGoneNow);
    {
        QList<CustomerLink> kept;
        for (const CustomerLink &link : std::as_const(links)) {
            if (profileById.contains(link.vaultCustomerId)) {
                kept.append(link);
                continue;
            }
            if (Status s = repo.unlink(link.magentoId, kActor, false, now); !s)
                return s;
            ++summary.unlinked;
            qCInfo(lcSync).noquote() << "customers: vault profile" << link.vaultCustomerId
                                     << "is gone; unlinked Magento customer" << link.magentoId;
            const auto customer = customerById.constFind(link.magentoId);
            if (writeAttribute && customer != customerById.cend() && customer->vaultAttribute == link.vaultCustomerId) {
                auto request = plans::magentoUpdate(nullptr, *customer, {}, link.base, rules.attributeCode, QString(),
                                                    tr("vault profile %1 was deleted in PayTrace").arg(link.vaultCustomerId),
                                                    kActor);
                if (request) {
                    PB_TRY(created, plan(*request, &summary.magentoUpdates));
                    Q_UNUSED(created);
                }
            }
        }
        links = kept;
    }

    QSet<CustomerLinker::Pair> unlinkedByPerson;
    QSet<qint64> busyCustomers;
    QSet<QString> busyProfiles;
    QHash<qint64, QList<DismissedDifference>> dismissed;
    {
        QSqlQuery q(m_db);
        if (!q.exec(u"SELECT magento_id, vault_customer_id FROM customer_unlinks"_s))
            return makeError(u"store.sql"_s, u"customer_unlinks"_s, q.lastError().text());
        while (q.next())
            unlinkedByPerson.insert({q.value(0).toLongLong(), q.value(1).toString()});
        if (!q.exec(u"SELECT payload FROM intents WHERE kind IN ('paytrace.customer.update', 'magento.customer.update', "
                    "'paytrace.customer.delete', 'paytrace.customer.card') AND state IN (%1)"_s.arg(kOpenStates)))
            return makeError(u"store.sql"_s, u"intents"_s, q.lastError().text());
        while (q.next()) {
            const QJsonObject payload = QJsonDocument::fromJson(q.value(0).toString().toUtf8()).object();
            const qint64 magentoId = payload.value("magento_id"_L1).toVariant().toLongLong();
            if (magentoId > 0)
                busyCustomers.insert(magentoId);
            const QString vaultId = payload.value("customer_id"_L1).toString();
            if (!vaultId.isEmpty())
                busyProfiles.insert(vaultId);
        }
        if (!q.exec(u"SELECT link_id, field, magento_value, paytrace_value FROM customer_conflicts "
                    "WHERE state = 'resolved' AND resolution = 'dismissed'"_s))
            return makeError(u"store.sql"_s, u"customer_conflicts"_s, q.lastError().text());
        while (q.next()) {
            const auto field = customerFieldFromName(q.value(1).toString());
            if (field)
                dismissed[q.value(0).toLongLong()].append({*field, q.value(2).toString(), q.value(3).toString()});
        }
    }

    // ---- new links ----
    const LinkProposal proposal = CustomerLinker::propose(customers, profiles, links, unlinkedByPerson, rules);
    summary.notLinked = proposal.notLinked;
    for (const ProposedLink &p : proposal.links) {
        const MagentoCustomerRecord &c = customerById[p.magentoId];
        const VaultProfileRecord &v = profileById[p.vaultCustomerId];
        // The first comparison has no common ancestor: what both sides already agree on
        // becomes the base, the rest is decided below like any other difference.
        const QList<FieldDecision> first = reconcileFields(std::nullopt, c.fields(), v.fields(), rules.directions);
        PB_TRY(linkId, repo.link(p.magentoId, p.vaultCustomerId, p.rule, p.ruleDetail, nextBase(std::nullopt, first),
                                 kActor, now));
        Q_UNUSED(linkId);
        ++summary.linked;
        qCInfo(lcSync).noquote() << "customers: linked Magento customer" << p.magentoId << "and vault profile"
                                 << p.vaultCustomerId << "by" << p.rule << "-" << p.ruleDetail;
    }
    if (!proposal.links.isEmpty()) {
        PB_TRY(fresh, repo.links());
        links = fresh;
    }
    const QSet<qint64> newlyLinked = [&] {
        QSet<qint64> s;
        for (const ProposedLink &p : proposal.links)
            s.insert(p.magentoId);
        return s;
    }();

    // ---- fields, conflicts, the attribute ----
    for (const CustomerLink &link : std::as_const(links)) {
        const auto cit = customerById.constFind(link.magentoId);
        const auto pit = profileById.constFind(link.vaultCustomerId);
        if (cit == customerById.cend() || pit == profileById.cend())
            continue; // one side is gone: the deletion rules below
        const MagentoCustomerRecord &c = *cit;
        const VaultProfileRecord &v = *pit;
        if (c.anonymised)
            continue; // never copy an anonymised customer's placeholders into the vault
        if (busyCustomers.contains(c.magentoId) || busyProfiles.contains(v.customerId)) {
            ++summary.skippedInFlight;
            continue;
        }
        const bool isNew = newlyLinked.contains(link.magentoId);
        if (Status st = reconcileLink(m_db, m_journal, rules, link, c, v, isNew, writeAttribute, dismissed.value(link.id),
                                      kActor, now, summary);
            !st)
            return st;
    }

    // ---- Magento customers deleted or anonymised: their vault profile goes (after a yes) ----
    PB_TRY(allDeletions, repo.deletions());
    QSet<QString> deletionKnown;
    for (const VaultDeletion &d : std::as_const(allDeletions))
        deletionKnown.insert(d.vaultCustomerId + u'\n' + QString::number(d.magentoId));
    const auto recordDeletion = [&](qint64 magentoId, const QString &vaultId, const QString &reason) -> Status {
        if (deletionKnown.contains(vaultId + u'\n' + QString::number(magentoId)))
            return Status::success();
        deletionKnown.insert(vaultId + u'\n' + QString::number(magentoId));
        PB_TRY(id, repo.addDeletion(vaultId, magentoId, reason, now));
        ++summary.deletionsFound;
        if (!rules.deleteVaultAutomatically)
            return Status::success();
        const intents::PlanRequest request = plans::vaultDelete(
            vaultId, magentoId,
            tr("Magento customer %1 was %2; the mapping deletes its vault profile automatically")
                .arg(magentoId)
                .arg(reason == u"anonymised" ? tr("anonymised") : tr("deleted")),
            kActor);
        PB_TRY(created, plan(request, &summary.deletionsPlanned));
        Q_UNUSED(created);
        return repo.decideDeletion(id, true, kActor, request.naturalKey, now);
    };
    const QSet<qint64> deletedSet(deletedNow.cbegin(), deletedNow.cend());
    for (const CustomerLink &link : std::as_const(links)) {
        if (!profileById.contains(link.vaultCustomerId))
            continue;
        if (deletedSet.contains(link.magentoId)) {
            if (Status s = recordDeletion(link.magentoId, link.vaultCustomerId, u"deleted"_s); !s)
                return s;
        } else if (const auto c = customerById.constFind(link.magentoId); c != customerById.cend() && c->anonymised) {
            if (Status s = recordDeletion(link.magentoId, link.vaultCustomerId, u"anonymised"_s); !s)
                return s;
        }
    }

    // ---- cards about to expire: a comment on the customer's latest order, once per card ----
    if (rules.expiryComment) {
        const QDate today = now.date();
        for (const CustomerLink &link : std::as_const(links)) {
            const auto pit = profileById.constFind(link.vaultCustomerId);
            if (pit == profileById.cend() || !pit->cardExpiringSoon(today) || !customerById.contains(link.magentoId))
                continue;
            QSqlQuery q(m_db);
            q.prepare(u"SELECT entity_id, increment_id FROM orders WHERE customer_id = ? "
                      "ORDER BY created_at DESC, entity_id DESC LIMIT 1"_s);
            q.addBindValue(link.magentoId);
            if (!q.exec())
                return makeError(u"store.sql"_s, u"orders"_s, q.lastError().text());
            if (!q.next())
                continue; // no order to hang it on: Magento's REST API has no customer comments
            const qint64 orderId = q.value(0).toLongLong();
            const VaultProfileRecord &v = *pit;
            intents::PlanRequest r;
            r.kind = intents::IntentKind::MagentoComment;
            r.naturalKey = plans::expiryKey(v.customerId, v.expYear, v.expMonth);
            r.orderEntityId = orderId;
            r.requestedBy = kActor;
            const QString card = v.cardType.isEmpty() ? tr("The card on file") : tr("The %1 card on file").arg(v.cardType);
            const QString ending = v.cardLast4.isEmpty() ? QString() : tr(" ending %1").arg(v.cardLast4);
            r.payload = QJsonObject{{u"order"_s, q.value(1).toString()},
                                    {u"order_entity_id"_s, QString::number(orderId)},
                                    {u"comment"_s, tr("%1%2 expires %3; ask the customer for a new card. · {marker}")
                                                       .arg(card, ending, v.expiryText())},
                                    {u"reason"_s, tr("card on file expires %1").arg(v.expiryText())}};
            PB_TRY(created, plan(r, &summary.expiryComments));
            Q_UNUSED(created);
        }
    }

    PB_TRY(open, repo.openConflicts());
    summary.conflictsOpen = int(open.size());
    return Status::success();
}

Status CustomerSync::reconcileLink(QSqlDatabase &db, intents::IntentJournal &journal, const mapping::CustomerRules &rules,
                                   const CustomerLink &link, const MagentoCustomerRecord &c, const VaultProfileRecord &v,
                                   bool first, bool writeAttribute, const QList<DismissedDifference> &dismissed,
                                   const QString &actor, const QDateTime &now, CustomerSyncSummary &summary)
{
    store::CustomerRepository repo(db);
    const auto plan = [&](const intents::PlanRequest &request, int *counter) -> Result<bool> {
        auto planned = journal.plan(request);
        if (!planned)
            return planned.error();
        if (planned->created && counter)
            ++*counter;
        return planned->created;
    };
    const std::optional<CustomerFieldValues> base = first ? std::nullopt : std::optional(link.base);
    const QList<FieldDecision> decisions = reconcileFields(base, c.fields(), v.fields(), rules.directions, dismissed);

    QList<CustomerField> toPayTrace, toMagento;
    QList<FieldDecision> decided, ask;
    for (const FieldDecision &d : decisions) {
        if (d.action == FieldAction::WritePayTrace)
            toPayTrace.append(d.field);
        else if (d.action == FieldAction::WriteMagento)
            toMagento.append(d.field);
        if (d.action == FieldAction::AskPerson || (d.conflict && d.action == FieldAction::None))
            ask.append(d);
        else if (d.conflict)
            decided.append(d);
    }
    bool ptCreated = false, mgCreated = false;
    if (auto r = plans::paytraceUpdate(c, v, toPayTrace, link.base,
                                       tr("kept in step with Magento: %1").arg(plans::fieldList(toPayTrace)), actor)) {
        PB_TRY(created, plan(*r, &summary.paytraceUpdates));
        ptCreated = created;
    }
    const std::optional<QString> attribute = writeAttribute && c.vaultAttribute != v.customerId
        ? std::optional<QString>(v.customerId)
        : std::nullopt;
    const QString mgReason = toMagento.isEmpty()
        ? tr("link to vault profile %1 (%2)").arg(v.customerId, link.rule)
        : tr("kept in step with PayTrace: %1").arg(plans::fieldList(toMagento));
    if (auto r = plans::magentoUpdate(&v, c, toMagento, link.base, rules.attributeCode, attribute, mgReason, actor)) {
        PB_TRY(created, plan(*r, &summary.magentoUpdates));
        mgCreated = created;
    }
    // A conflict the direction decided is recorded once, when its write is first planned:
    // nothing is overwritten without a trace, and a later sync does not record it again.
    for (const FieldDecision &d : std::as_const(decided)) {
        const bool created = d.action == FieldAction::WritePayTrace ? ptCreated : mgCreated;
        if (!created)
            continue;
        CustomerConflict conflict{0, link.id, c.magentoId, v.customerId, d.field, d.base, d.magento, d.paytrace,
                                  now, u"open"_s, {}, {}, {}};
        PB_TRY(id, repo.openConflict(conflict, now));
        if (Status s = repo.resolveConflict(id, d.action == FieldAction::WritePayTrace ? u"magento"_s : u"paytrace"_s,
                                            u"system:mapping"_s, now);
            !s)
            return s;
        ++summary.conflictsDecided;
    }
    for (const FieldDecision &d : std::as_const(ask)) {
        CustomerConflict conflict{0, link.id, c.magentoId, v.customerId, d.field, d.base, d.magento, d.paytrace,
                                  now, u"open"_s, {}, {}, {}};
        PB_TRY(id, repo.openConflict(conflict, now));
        Q_UNUSED(id);
    }
    const CustomerFieldValues next = nextBase(base, decisions);
    if (!(next == link.base)) {
        if (Status s = repo.setBase(link.id, next); !s)
            return s;
    }
    return Status::success();
}

void CustomerSync::fail(const Error &error)
{
    finish(error);
}

void CustomerSync::finish(const Result<CustomerSyncSummary> &result)
{
    ++m_generation; // answers still on their way belong to no run
    Done done = std::exchange(m_done, {});
    m_scope.clear();
    if (done)
        done(result);
}

} // namespace pb::customers
