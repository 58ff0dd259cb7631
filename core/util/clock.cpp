#include "util/clock.h"

namespace pb {

SystemClock::SystemClock()
{
    m_timer.start();
}

QDateTime SystemClock::nowUtc() const
{
    return QDateTime::currentDateTimeUtc();
}

qint64 SystemClock::monotonicMs() const
{
    return m_timer.elapsed();
}

SystemClock &SystemClock::instance()
{
    static SystemClock clock;
    return clock;
}

ManualClock::ManualClock()
    : ManualClock(QDateTime(QDate(2024, 1, 1), QTime(0, 0), Qt::UTC))
{
}

ManualClock::ManualClock(const QDateTime &startUtc, qint64 startMonotonicMs)
    : m_now(startUtc.toUTC()), m_monotonic(startMonotonicMs)
{
}

void ManualClock::advance(qint64 ms)
{
    if (ms <= 0)
        return;
    m_now = m_now.addMSecs(ms);
    m_monotonic += ms;
}

void ManualClock::set(const QDateTime &utc)
{
    m_now = utc.toUTC();
}

} // namespace pb
