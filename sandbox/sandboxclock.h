#pragma once

#include <QDateTime>

#include <atomic>

namespace pb::sandbox {

// Sandbox time = real time + an offset. Token expiry, batch closes and generated timestamps all
// read this clock, so tests and the admin API can jump hours or days ahead without waiting.
// Thread-safe: the offset is one atomic, read by the server thread and moved from any thread.
class SandboxClock
{
public:
    SandboxClock() = default;

    QDateTime nowUtc() const;
    qint64 nowMSecs() const;
    qint64 nowSecs() const;

    // Moves sandbox time forward (or back, with a negative value).
    void advanceSeconds(qint64 seconds);
    // Makes nowUtc() equal `when` at this instant; time then keeps running from there.
    void setNow(const QDateTime &when);
    qint64 offsetMSecs() const { return m_offsetMs.load(std::memory_order_relaxed); }

private:
    std::atomic<qint64> m_offsetMs{0};
};

} // namespace pb::sandbox
