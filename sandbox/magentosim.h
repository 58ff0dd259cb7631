#pragma once

#include "datagen.h"
#include "httpserver.h"
#include "magentooauth.h"
#include "magentosales.h"
#include "magentostore.h"

#include <QJsonObject>
#include <QMutex>
#include <QStringList>

#include <atomic>

namespace pb::sandbox {

class SandboxClock;

// Magento 2 REST (docs/magento.md) over HTTP under /rest/V1 and /rest/<store>/V1: orders (search, get,
// statuses, comments, hold, unhold, cancel), invoice and refund an order, refund an invoice,
// invoices, credit memos, transactions, customers and store configs, with Magento's error
// envelope, the order state/status model (magentosales.h) and each route's ACL resource checked
// against the integration's granted resources. Authentication: OAuth 1.0a signed with the four
// integration credentials (always), or the integration access token as a Bearer token (when
// enabled, as after oauth/consumer/enable_integration_as_bearer=1).
// Thread-safe like PayTraceSimulator.
class MagentoSimulator
{
public:
    MagentoSimulator(const SandboxClock *clock, const SandboxCredentials &credentials);

    void load(const QList<MagentoOrder> &orders);
    // `path` is the request path without the "/magento" prefix, e.g. "/rest/V1/orders".
    HttpResponse handle(const HttpRequest &request, QByteArrayView path);

    void setBearerEnabled(bool enabled) { m_bearerEnabled.store(enabled); }
    bool bearerEnabled() const { return m_bearerEnabled.load(); }
    void setInputLimits(bool enabled) { m_inputLimits.store(enabled); }
    bool inputLimits() const { return m_inputLimits.load(); }
    // A search page past the end answers no items instead of the last page again.
    void setPastEndEmpty(bool empty) { m_pastEndEmpty.store(empty); }
    bool pastEndEmpty() const { return m_pastEndEmpty.load(); }

    // ACL resources granted to the sandbox integration ("Magento_Backend::all" grants every one).
    void setGrantedResources(const QStringList &resources);
    QStringList grantedResources() const;
    // What PayBridge needs (docs/magento.md §3): the default grant.
    static QStringList defaultGrantedResources();

    // Documents created through the API, oldest first (the admin ledger).
    QList<MagentoDocument> documents() const;
    // Snapshots of the store's tables: the seeded history plus what the API created since.
    QList<MagentoInvoice> invoices() const;
    QList<MagentoCreditmemo> creditmemos() const;
    QList<MagentoTransaction> transactions() const;
    QList<MagentoCustomer> customers() const;
    std::optional<MagentoCustomer> customer(qint64 id) const;

    // The store's user-defined customer attributes: `paytrace_customer_id` exists by default; a
    // store without it answers 404 on its metadata and drops its values on PUT. Undefining an
    // attribute removes its values.
    void setCustomerAttributeDefined(const QString &code, bool defined);
    bool customerAttributeDefined(const QString &code) const;
    QStringList customerAttributeCodes() const;
    // Seeded attribute values (the generated vault links); updated_at is left alone.
    void seedCustomerAttributes(const QString &code, const QList<std::pair<qint64, QString>> &values);
    // Admin edits for tests: stores the customer as given (no API validation), updated_at =
    // sandbox now. False when the customer is unknown.
    bool adminUpdateCustomer(const MagentoCustomer &customer);
    bool adminDeleteCustomer(qint64 id);

    QList<MagentoOrder> orders() const;
    std::optional<MagentoOrder> order(qint64 entityId) const;
    std::optional<MagentoOrder> orderByIncrementId(const QString &incrementId) const;
    qsizetype orderCount() const;
    // Places a new order (the live store): entity_id and, when empty, increment_id are the next
    // free ones. Returns the stored order.
    MagentoOrder addOrder(MagentoOrder order);
    // Replaces an order (tests use it to stage changes the poller must pick up).
    bool updateOrder(const MagentoOrder &order);
    // Replaces top-level fields of an order in every body that carries it (search items, with or
    // without fields=, and GET orders/:id) by exact JSON value texts; fields absent from the body
    // are added. An empty list removes the overrides. touch: updated_at becomes sandbox now so
    // pollers see the change. False when the order is unknown.
    bool setOrderOverrides(qint64 entityId, const QList<std::pair<QByteArray, QByteArray>> &fields, bool touch = true);
    // The same from JSON values (numbers pass through double: send exact decimals as strings).
    bool setOrderOverrides(qint64 entityId, const QJsonObject &fields, bool touch = true);

    // recordings/magento/error_429.response.json
    static QByteArray rateLimitedBody();

private:
    HttpResponse route(const HttpRequest &request, QByteArrayView path);

    const SandboxClock *m_clock;
    SandboxCredentials m_credentials;
    std::atomic<bool> m_bearerEnabled{false};
    std::atomic<bool> m_inputLimits{false};
    std::atomic<bool> m_pastEndEmpty{false};
    mutable QMutex m_mutex;
    MagentoStore m_store;
    MagentoSales m_sales;
    QStringList m_granted;
    MagentoOAuthVerifier m_oauth;
};

} // namespace pb::sandbox
