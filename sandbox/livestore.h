#pragma once

#include "datamodel.h"

#include <QMutex>
#include <QObject>
#include <QTimer>

#include <optional>
#include <random>
#include <vector>

namespace pb::sandbox {

class MagentoSimulator;
class PayTraceSimulator;
class SandboxClock;

// A store that keeps trading (issue 13): places orders in the Magento simulator with their
// PayTrace payment (sale or authorization), then ships them (capturing authorizations), refunds
// settled sales (voids them while unsettled) and cancels some authorizations (void). Follow-ups
// come minutes after the order, on the sandbox clock, so a console watching it changes. Orders
// are copies of generated orders (customer, address, items), renumbered and reset to "just
// placed". Seeded: the same seed and clock give the same store. Thread-safe.
class LiveStore : public QObject
{
    Q_OBJECT
public:
    LiveStore(PayTraceSimulator *paytrace, MagentoSimulator *magento, const SandboxClock *clock,
              QList<MagentoOrder> templates, quint64 seed, QObject *parent = nullptr);

    // Places about `ordersPerMinute` orders per sandbox minute (0 stops). Ticks once a second.
    void start(double ordersPerMinute);
    void stop();
    double ordersPerMinute() const;

    struct Checkout
    {
        QString payment = QStringLiteral("paytrace");
        QString action = QStringLiteral("sale"); // "sale" | "authorization"
        std::optional<qint64> amount;            // cents; unset: the template order's total
        QString currency = QStringLiteral("USD");
    };
    struct Placed
    {
        qint64 entityId = 0;
        QString incrementId;
        qint64 transactionId = 0;
        bool approved = false;
    };
    // One order and its payment now. Follow-ups (ship/capture, refund, cancel) are scheduled
    // only for orders placed by the running live mode, not for these.
    Placed checkout(const Checkout &request);
    // Runs what is due at sandbox now; returns the number of actions taken.
    int tick();

    struct Counts
    {
        int orders = 0;
        int captures = 0;
        int shipments = 0;
        int refunds = 0;
        int voids = 0;
        int cancels = 0;
    };
    Counts counts() const;

private:
    enum class Step { Ship, RefundOrVoid, Cancel };
    struct Pending
    {
        qint64 at;
        Step step;
        qint64 entityId;
        qint64 transactionId;
    };
    Placed place(const Checkout &request, qint64 now);
    bool follow(const Pending &p, qint64 now);
    qint64 draw(qint64 lo, qint64 hi);

    PayTraceSimulator *m_paytrace;
    MagentoSimulator *m_magento;
    const SandboxClock *m_clock;
    QList<MagentoOrder> m_templates;
    mutable QMutex m_mutex;
    std::mt19937_64 m_rng;
    QTimer m_timer;
    double m_rate = 0;
    qint64 m_nextOrderAt = 0;
    std::vector<Pending> m_pending;
    Counts m_counts;
};

} // namespace pb::sandbox
