#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Every catchable signal whose default action would end the process, taken with `sigwait` on a
/// dedicated thread instead of an async handler, so that none of them can kill the daemon unasked.
///
/// ``blockWaitedSignals()`` must run before any thread starts, so every thread inherits the mask
/// and the signals wait for the waiter thread. The synchronous fault signals (SIGSEGV, SIGBUS,
/// SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS) are left alone, and so are glibc's own real-time
/// signals below SIGRTMIN (thread cancellation, set*id).
enum SignalWaiter {
    /// The standard signals taken; every real-time signal from SIGRTMIN to SIGRTMAX is too.
    static let standard: [(name: String, number: Int32)] = [
        ("SIGHUP", SIGHUP), ("SIGINT", SIGINT), ("SIGQUIT", SIGQUIT), ("SIGUSR1", SIGUSR1), ("SIGUSR2", SIGUSR2),
        ("SIGALRM", SIGALRM), ("SIGTERM", SIGTERM), ("SIGSTKFLT", SIGSTKFLT), ("SIGXCPU", SIGXCPU),
        ("SIGXFSZ", SIGXFSZ), ("SIGVTALRM", SIGVTALRM), ("SIGPROF", SIGPROF), ("SIGIO", SIGIO), ("SIGPWR", SIGPWR),
    ]

    static var realTime: ClosedRange<Int32> { __libc_current_sigrtmin()...__libc_current_sigrtmax() }

    /// Sets the mask to exactly the waited signals: blocked ones inherited from the parent are
    /// unblocked (a test runner or a shell may leave many blocked), SIGPIPE is ignored.
    static func blockWaitedSignals() {
        signal(SIGPIPE, SIG_IGN)
        var set = waitedSet()
        pthread_sigmask(SIG_SETMASK, &set, nil)
    }

    /// Calls `handler` on a dedicated thread for every waited signal, with the signal's number.
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
                var set = SignalWaiter.waitedSet()
                while true {
                    var received: Int32 = 0
                    if sigwait(&set, &received) == 0 { box.handler(received) }
                }
            },
            box
        )
        pthread_detach(thread)
    }

    /// `SIGHUP`, `SIGRTMIN+3`, or the number.
    static func name(_ number: Int32) -> String {
        if let known = standard.first(where: { $0.number == number }) { return known.name }
        let range = realTime
        if range.contains(number) { return number == range.lowerBound ? "SIGRTMIN" : "SIGRTMIN+\(number - range.lowerBound)" }
        return "signal \(number)"
    }

    fileprivate static func waitedSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in standard { sigaddset(&set, signal.number) }
        for number in realTime { sigaddset(&set, number) }
        return set
    }
}
