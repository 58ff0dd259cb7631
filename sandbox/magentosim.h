#pragma once

#include "datagen.h"
#include "httpserver.h"
#include "magentooauth.h"
#include "magentostore.h"

#include <QMutex>

#include <atomic>

namespace pb::sandbox {

class SandboxClock;

// Magento 2 REST (magento.md) over HTTP: GET /rest[/default]/V1/orders with searchCriteria and
// fields=, GET /rest[/default]/V1/orders/:id, Magento's error envelope. Authentication: OAuth 1.0a
// signed with the four integration credentials (always), or the integration access token as a
// Bearer token (when enabled, as after oauth/consumer/enable_integration_as_bearer=1).
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

    QList<MagentoOrder> orders() const;
    std::optional<MagentoOrder> order(qint64 entityId) const;
    std::optional<MagentoOrder> orderByIncrementId(const QString &incrementId) const;
    qsizetype orderCount() const;
    // Replaces an order (tests use it to stage changes the poller must pick up).
    bool updateOrder(const MagentoOrder &order);

    // recordings/magento/error_429.response.json
    static QByteArray rateLimitedBody();

private:
    const SandboxClock *m_clock;
    SandboxCredentials m_credentials;
    std::atomic<bool> m_bearerEnabled{true};
    std::atomic<bool> m_inputLimits{false};
    mutable QMutex m_mutex;
    MagentoStore m_store;
    MagentoOAuthVerifier m_oauth;
};

} // namespace pb::sandbox
