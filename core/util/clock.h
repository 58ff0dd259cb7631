#pragma once

#include <QDateTime>
#include <QElapsedTimer>

namespace pb {

// Where the core reads the time. Every schedule, backoff and rate window takes a Clock& so tests
// drive time by hand instead of sleeping. Two readings on purpose: wall time (UTC) for what is
// stored and shown, a monotonic millisecond count for intervals (immune to NTP steps).
class Clock
{
public:
    virtual ~Clock() = default;
    virtual QDateTime nowUtc() const = 0;
    // Milliseconds from an arbitrary origin; never goes backwards.
    virtual qint64 monotonicMs() const = 0;
};

// The real clock. Thread-safe (both readings are const and reentrant).
class SystemClock final : public Clock
{
public:
    SystemClock();
    QDateTime nowUtc() const override;
    qint64 monotonicMs() const override;

    // One shared instance for production code that has no clock handed to it.
    static SystemClock &instance();

private:
    QElapsedTimer m_timer;
};

// A clock for tests: time stands still until advanced.
class ManualClock final : public Clock
{
public:
    // 2024-01-01T00:00:00Z, monotonic 0: a fixed, readable origin.
    ManualClock();
    explicit ManualClock(const QDateTime &startUtc, qint64 startMonotonicMs = 0);

    QDateTime nowUtc() const override { return m_now; }
    qint64 monotonicMs() const override { return m_monotonic; }

    // Moves both readings forward; a negative step is ignored (monotonic time never goes back).
    void advance(qint64 ms);
    void advanceSeconds(qint64 s) { advance(s * 1000); }
    // Sets the wall clock only, as an NTP step would: the monotonic reading is unchanged.
    void set(const QDateTime &utc);

private:
    QDateTime m_now;
    qint64 m_monotonic = 0;
};

} // namespace pb
