import Glibc

/// The system's wall-clock and monotonic time. (Named so as not to shadow the standard library's
/// `Clock` protocol.) Code that decides things by time takes a `now` function defaulting to
/// ``now()``, so that tests can drive time instead of sleeping.
public enum WallClock {
    /// Seconds since the Unix epoch.
    @Sendable public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Monotonic nanoseconds, for measuring durations.
    public static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
