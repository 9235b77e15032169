#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Termination signals, taken synchronously with `sigwait` instead of an async handler.
///
/// ``blockTerminationSignals()`` must run before any thread starts, so every thread inherits the
/// mask and the signals wait for ``wait()``.
enum SignalWaiter {
    static func blockTerminationSignals() {
        signal(SIGPIPE, SIG_IGN)
        var set = terminationSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Blocks until SIGTERM or SIGINT arrives; returns its number.
    static func wait() -> Int32 {
        var set = terminationSet()
        var received: Int32 = 0
        while sigwait(&set, &received) != 0 {}
        return received
    }

    private static func terminationSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }
}
