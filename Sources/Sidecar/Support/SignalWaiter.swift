#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Termination signals, taken with `sigwait` on a dedicated thread instead of an async handler.
///
/// ``blockTerminationSignals()`` must run before any thread starts, so every thread inherits the
/// mask and the signals wait for the waiter thread.
enum SignalWaiter {
    static func blockTerminationSignals() {
        signal(SIGPIPE, SIG_IGN)
        var set = terminationSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Calls `handler` on a dedicated thread for every SIGTERM or SIGINT, with the signal's number.
    static func start(_ handler: @escaping @Sendable (Int32) -> Void) {
        final class Box: Sendable {
            let handler: @Sendable (Int32) -> Void
            init(_ handler: @escaping @Sendable (Int32) -> Void) { self.handler = handler }
        }
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(handler)).toOpaque()
        pthread_create(
            &thread,
            nil,
            { argument in
                let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
                var set = SignalWaiter.terminationSet()
                while true {
                    var received: Int32 = 0
                    if sigwait(&set, &received) == 0 { box.handler(received) }
                }
            },
            box
        )
        pthread_detach(thread)
    }

    fileprivate static func terminationSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        return set
    }
}
