import Glibc
import Logging
import MaximizeControl
import MaximizeCore
import NIOConcurrencyHelpers
import ServiceLifecycle

extension Daemon {
    /// What a signal asks of the daemon.
    enum SignalRequest: Sendable {
        /// SIGTERM or SIGINT: drain and exit.
        case shutdown(Int32)
        /// SIGHUP: as a `reload` control request.
        case reload
    }

    /// Takes signals from now on (those that came during start-up first), on ``SignalWaiter``'s
    /// thread. The first SIGTERM or SIGINT asks
    /// for a shutdown; a second one ends the process at once, from that thread (whatever the rest
    /// of the daemon is doing), with `stopped` written and the socket file removed. SIGHUP asks
    /// for a reload, and is ignored once shutting down (a reload would bind the listeners the
    /// drain closes). Every other waited signal (SIGUSR1 and SIGUSR2 are reserved) is logged at
    /// debug and ignored.
    ///
    /// ServiceLifecycle's own signal handling is not used: `UnixSignal` knows 13 signals (none of
    /// the real-time ones, SIGPWR, SIGXCPU, ...), and it installs `SIG_IGN` and a dispatch source
    /// per signal after threads exist, where the daemon must set one mask before any thread starts
    /// (so that no thread can take a signal whose default would kill it, `nohup` or not).
    static func takeSignals(
        status: StatusPublisher,
        server: ProxyServer,
        logger: @escaping @Sendable () -> Logger
    ) -> AsyncStream<SignalRequest> {
        let (requests, continuation) = AsyncStream.makeStream(of: SignalRequest.self)
        let terminations = NIOLockedValueBox(0)
        SignalWaiter.deliver { signal in
            switch signal {
            case SIGTERM, SIGINT:
                let count = terminations.withLockedValue { count in
                    count += 1
                    return count
                }
                guard count == 1 else {
                    // A second signal: stop now.
                    status.update { $0.phase = .stopped }
                    for listener in server.listeners { if let path = listener.path { unlink(path) } }
                    _exit(1)
                }
                continuation.yield(.shutdown(signal))
            case SIGHUP:
                guard terminations.withLockedValue({ $0 == 0 }) else {
                    logger().info("SIGHUP ignored: shutting down")
                    return
                }
                continuation.yield(.reload)
            default:
                logger().debug("signal ignored", metadata: ["signal": "\(SignalWaiter.name(signal))"])
            }
        }
        return requests
    }

    /// Performs what signals ask until cancelled: a shutdown is the group's graceful shutdown; a
    /// reload runs beside the rest (a SIGTERM meanwhile is not kept waiting).
    static func handleSignals(
        _ requests: AsyncStream<SignalRequest>,
        group: ServiceGroup,
        control: ControlHandler
    ) async {
        await withDiscardingTaskGroup { tasks in
            for await request in requests {
                switch request {
                case .shutdown(let signal):
                    control.daemon.current.logger.info("shutting down", metadata: ["signal": "\(SignalWaiter.name(signal))"])
                    await group.triggerGracefulShutdown()
                case .reload:
                    control.daemon.current.logger.info("SIGHUP: reloading config.json and the credentials")
                    tasks.addTask {
                        let result = await control.reload()
                        let logger = control.daemon.current.logger
                        if result.hasPrefix("ok") {
                            logger.info("SIGHUP: \(result)")
                        } else {
                            logger.warning("SIGHUP: \(result)")
                        }
                    }
                }
            }
            tasks.cancelAll()
        }
    }
}
