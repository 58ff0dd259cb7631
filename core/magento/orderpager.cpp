#include "magento/orderpager.h"

#include "net/netlog.h"
#include "net/readgate.h"

#include <QTimeZone>

namespace pb::magento {

OrderPager::OrderPager(MagentoClient *client, QObject *parent)
    : QObject(parent)
    , m_client(client)
{
}

void OrderPager::start(const QDateTime &cursorUtc, int overlapSeconds, int pageSize)
{
    ++m_generation;
    m_running = true;
    m_startCursor = cursorUtc;
    m_lowerBound = cursorUtc.isValid() ? cursorUtc.toUTC().addSecs(-std::max(0, overlapSeconds))
                                       : QDateTime(QDate(1970, 1, 1), QTime(0, 0), Qt::UTC);
    m_pageSize = std::clamp(pageSize, 1, SearchCriteria::kMaxPageSize);
    m_page = 1;
    m_pagesRequested = 0;
    m_emitted = 0;
    m_seen.clear();
    m_maxUpdated = QDateTime();
    m_haveKey = false;
    requestPage();
}

void OrderPager::cancel()
{
    ++m_generation;
    m_running = false;
}

SearchCriteria OrderPager::criteriaForNextPage() const
{
    SearchCriteria c;
    if (m_mode == Mode::Keyset && m_haveKey) {
        const QString u = Parser::formatTime(m_keyUpdated);
        c.addFilterGroup({{QStringLiteral("updated_at"), u, QStringLiteral("gt")},
                          {QStringLiteral("entity_id"), QString::number(m_keyId), QStringLiteral("gt")}});
        c.addFilter(QStringLiteral("updated_at"), u, QStringLiteral("gteq"));
    } else {
        c.addFilter(QStringLiteral("updated_at"), Parser::formatTime(m_lowerBound), QStringLiteral("gteq"));
    }
    c.addSortOrder(QStringLiteral("updated_at"), SearchCriteria::Direction::Asc);
    c.addSortOrder(QStringLiteral("entity_id"), SearchCriteria::Direction::Asc);
    c.setPageSize(m_pageSize);
    c.setCurrentPage(m_mode == Mode::Offset ? m_page : 1);
    c.setFields(QString(kOrderFields));
    return c;
}

void OrderPager::requestPage()
{
    const quint64 generation = m_generation;
    ++m_pagesRequested;
    const SearchCriteria criteria = criteriaForNextPage();
    if (!m_gate) {
        m_client->searchOrders(criteria, this, [this, generation](const Reply<OrderPage> &reply) {
            onPage(generation, reply);
        });
        return;
    }
    m_gate->run(this, [this, generation, criteria](const net::ReadGate::Answered &answered) {
        if (generation != m_generation)
            return; // cancelled while waiting for a token or a retry: the run is dropped
        m_client->searchOrders(criteria, this, [this, generation, answered](const Reply<OrderPage> &reply) {
            net::ReadFeedback feedback;
            if (!reply.ok()) {
                feedback.errorClass = reply.failure.errorClass;
                feedback.retryAfterSeconds = reply.failure.retryAfterSeconds;
            }
            if (answered(feedback))
                onPage(generation, reply);
        });
    });
}

void OrderPager::onPage(quint64 generation, const Reply<OrderPage> &reply)
{
    if (generation != m_generation)
        return;
    if (!reply.ok()) {
        m_running = false;
        Q_EMIT failed(reply.failure);
        return;
    }
    const OrderPage &page = *reply.value;
    QList<OrderRecord> fresh;
    bool anyNew = false;
    for (const qint64 id : page.ids) {
        if (!m_seen.contains(id))
            anyNew = true;
    }
    for (const OrderRecord &o : page.items) {
        if (m_seen.contains(o.entityId))
            continue;
        fresh.append(o);
        if (o.updatedAt.isValid() && (!m_maxUpdated.isValid() || o.updatedAt > m_maxUpdated))
            m_maxUpdated = o.updatedAt;
    }
    QList<RejectedRecord> bad;
    for (const RejectedRecord &r : page.rejected) {
        bool idOk = false;
        const qint64 id = r.externalId.toLongLong(&idOk);
        if (idOk && m_seen.contains(id))
            continue;
        if (!idOk)
            anyNew = true; // no id to tell a repeat by: the count and size rules end the scan
        bad.append(r);
        // The cursor moves past it: the quarantine fetches it again by id on later syncs.
        if (r.updatedAt.isValid() && (!m_maxUpdated.isValid() || r.updatedAt > m_maxUpdated))
            m_maxUpdated = r.updatedAt;
    }
    for (const qint64 id : page.ids)
        m_seen.insert(id);
    if (page.lastKeyUpdated.isValid()) {
        m_haveKey = true;
        m_keyUpdated = page.lastKeyUpdated;
        m_keyId = page.lastKeyId;
    }
    m_emitted += static_cast<int>(fresh.size());

    const int currentPage = m_mode == Mode::Offset ? m_page : 1;
    const bool lastByCount = page.totalCount >= 0
        && static_cast<qint64>(currentPage) * m_pageSize >= page.totalCount;
    const bool lastBySize = page.itemCount < m_pageSize;
    const bool repeated = !anyNew;
    // Keyset needs updated_at on every item to move on; without it, stop rather than loop.
    const bool noKey = m_mode == Mode::Keyset && !m_haveKey;
    const bool done = page.itemCount == 0 || lastByCount || lastBySize || repeated || noKey;
    // Ask for the next page before handing this one out, so the store's work on the next
    // page overlaps ours on this one (a cancel from a slot bumps the generation and the
    // answer is dropped).
    if (!done) {
        ++m_page;
        requestPage();
    }
    if (!bad.isEmpty())
        Q_EMIT rejected(bad);
    if (!fresh.isEmpty() && generation == m_generation)
        Q_EMIT pageReady(fresh);
    if (!done || generation != m_generation)
        return; // more to come, or cancelled from a slot
    m_running = false;
    const QDateTime cursor = m_maxUpdated.isValid() ? m_maxUpdated : m_startCursor;
    qCInfo(net::lcMagento) << "order scan finished:" << m_emitted << "orders in" << m_pagesRequested
                           << "pages";
    Q_EMIT finished(cursor, m_emitted);
}

} // namespace pb::magento
