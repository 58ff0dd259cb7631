#pragma once

#include "magento/magentoclient.h"
#include "model/order.h"

#include <QDateTime>
#include <QObject>
#include <QSet>

namespace pb::net {
class ReadGate;
}

namespace pb::magento {

// Reads every order changed since a cursor, page by page (docs/magento.md §2, §4):
// updated_at >= cursor - overlap, sorted updated_at ASC then entity_id ASC.
//
// Keyset mode (default): each page asks for the orders after the last one seen,
// (updated_at > U OR entity_id > E) AND updated_at >= U, always currentPage 1. An order
// updated during the scan moves behind the key and is still read, and no order is skipped
// when earlier ones move — which offset paging cannot promise.
// Offset mode: the same criteria with currentPage 1, 2, ...
// Both stop when currentPage * pageSize >= total_count, on an empty page, or when a page
// brings only ids already seen (Magento answers a page past the end with the last page).
// Each order is emitted once per run.
class OrderPager : public QObject
{
    Q_OBJECT
public:
    enum class Mode { Keyset, Offset };

    // The order fields PayBridge keeps (Parser::parseOrder). Asking Magento for only these
    // (`fields=`) cuts the page size several times over, for the store and for us.
    static constexpr QLatin1StringView kOrderFields{
        "items[entity_id,increment_id,state,status,order_currency_code,base_currency_code,"
        "grand_total,base_grand_total,total_paid,total_invoiced,total_refunded,total_due,"
        "base_total_paid,base_total_invoiced,base_total_refunded,base_total_due,base_to_order_rate,"
        "customer_email,customer_firstname,customer_lastname,customer_id,customer_is_guest,"
        "created_at,updated_at,billing_address[firstname,lastname],"
        "payment[method,amount_paid,last_trans_id,cc_last4,cc_type]],total_count"};

    explicit OrderPager(MagentoClient *client, QObject *parent = nullptr);

    void setMode(Mode mode) { m_mode = mode; }
    // Each page passes this gate (rate limit, retries); without one a page is asked for once.
    // Not owned; it must outlive the pager's runs.
    void setReadGate(net::ReadGate *gate) { m_gate = gate; }
    // An invalid cursor reads everything.
    void start(const QDateTime &cursorUtc, int overlapSeconds = 300, int pageSize = 100);
    void cancel();
    bool isRunning() const { return m_running; }
    int pagesRequested() const { return m_pagesRequested; }

Q_SIGNALS:
    // Orders not emitted before in this run, in the server's order.
    void pageReady(const QList<pb::OrderRecord> &orders);
    // Orders of a page that did not read (docs/quarantine.md); the scan goes on past them.
    void rejected(const QList<pb::RejectedRecord> &records);
    // newCursor: the greatest updated_at seen, or the start cursor when nothing was read.
    void finished(const QDateTime &newCursor, int ordersEmitted);
    void failed(const pb::magento::Failure &failure);

private:
    void requestPage();
    void onPage(quint64 generation, const Reply<OrderPage> &reply);
    SearchCriteria criteriaForNextPage() const;

    MagentoClient *m_client;
    net::ReadGate *m_gate = nullptr;
    Mode m_mode = Mode::Keyset;
    bool m_running = false;
    quint64 m_generation = 0; // ignores answers of a cancelled run
    QDateTime m_startCursor;
    QDateTime m_lowerBound;
    int m_pageSize = 100;
    int m_page = 1;
    int m_pagesRequested = 0;
    int m_emitted = 0;
    QSet<qint64> m_seen;
    QDateTime m_maxUpdated;
    bool m_haveKey = false;
    QDateTime m_keyUpdated;
    qint64 m_keyId = 0;
};

} // namespace pb::magento

Q_DECLARE_METATYPE(pb::magento::Failure)
