#include "sandboxclock.h"

namespace pb::sandbox {

qint64 SandboxClock::nowMSecs() const
{
    return QDateTime::currentMSecsSinceEpoch() + m_offsetMs.load(std::memory_order_relaxed);
}

qint64 SandboxClock::nowSecs() const
{
    const qint64 ms = nowMSecs();
    // Floor division: sandbox time may be set before 1970 in theory.
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

QDateTime SandboxClock::nowUtc() const
{
    return QDateTime::fromMSecsSinceEpoch(nowMSecs(), Qt::UTC);
}

void SandboxClock::advanceSeconds(qint64 seconds)
{
    m_offsetMs.fetch_add(seconds * 1000, std::memory_order_relaxed);
}

void SandboxClock::setNow(const QDateTime &when)
{
    m_offsetMs.store(when.toMSecsSinceEpoch() - QDateTime::currentMSecsSinceEpoch(),
                     std::memory_order_relaxed);
}

} // namespace pb::sandbox
