import Glibc
import MaximizeCore
import NIOConcurrencyHelpers

/// Every catchable signal whose default action would end the process, taken with `sigwait` on the
/// main thread instead of an async handler, so that none of them can kill the daemon unasked.
///
/// ``blockWaitedSignals()`` must run before any thread starts, so every thread inherits the mask
/// and the signals wait for ``takeSignalsOnThisThread()``. The synchronous fault signals (SIGSEGV, SIGBUS,
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

    /// Who takes the signals, and the ones that came before anyone did.
    private static let receiver = NIOLockedValueBox<(handler: (@Sendable (Int32) -> Void)?, early: [Int32])>((nil, []))

    /// Takes the waited signals on the calling thread, for the rest of the process's life: the
    /// main thread, parked here instead of in `dispatch_main()` (whose `sigsuspend` with an empty
    /// mask would let any signal's default action end the process). Each signal goes to the
    /// handler ``deliver(to:)`` set, or waits for it.
    static func takeSignalsOnThisThread() -> Never {
        var set = waitedSet()
        while true {
            var received: Int32 = 0
            guard sigwait(&set, &received) == 0 else { continue }
            let handler = receiver.withLockedValue { receiver in
                if receiver.handler == nil { receiver.early.append(received) }
                return receiver.handler
            }
            handler?(received)
        }
    }

    /// From now on, every signal taken goes to `handler` (on the signal thread), starting with
    /// those that came before (here, on the caller's thread).
    static func deliver(to handler: @escaping @Sendable (Int32) -> Void) {
        let early = receiver.withLockedValue { receiver in
            receiver.handler = handler
            defer { receiver.early = [] }
            return receiver.early
        }
        for signal in early { handler(signal) }
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
