import Logging
import MaximizeControl
import MaximizeCore
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Daemon {
    /// Handles signals until SIGTERM or SIGINT, which it returns; a second one ends the process at
    /// once. SIGHUP reloads `config.json` and the credentials as a `reload` control request does;
    /// every other waited signal (SIGUSR1 and SIGUSR2 are reserved) is logged at debug and ignored.
    static func waitForSignal(status: StatusPublisher, server: ProxyServer, control: ControlHandler) async -> Int32 {
        let received = NIOLockedValueBox<(count: Int, continuation: CheckedContinuation<Int32, Never>?)>((0, nil))
        return await withCheckedContinuation { continuation in
            received.withLockedValue { $0.continuation = continuation }
            SignalWaiter.start { signal in
                let logger = control.daemon.current.logger
                switch signal {
                case SIGTERM, SIGINT:
                    let first = received.withLockedValue { state -> CheckedContinuation<Int32, Never>? in
                        state.count += 1
                        defer { state.continuation = nil }
                        return state.continuation
                    }
                    if let first {
                        first.resume(returning: signal)
                    } else {
                        // A second signal: stop now.
                        status.update { $0.phase = .stopped }
                        for listener in server.listeners { if let path = listener.path { unlink(path) } }
                        _exit(1)
                    }
                case SIGHUP:
                    // A reload would bind the listeners the drain has closed.
                    guard received.withLockedValue({ $0.count == 0 }) else {
                        logger.info("SIGHUP ignored: shutting down")
                        return
                    }
                    logger.info("SIGHUP: reloading config.json and the credentials")
                    // Off the signal thread, which must stay free for SIGTERM.
                    Task {
                        let result = await control.reload()
                        let logger = control.daemon.current.logger
                        if result.hasPrefix("ok") {
                            logger.info("SIGHUP: \(result)")
                        } else {
                            logger.warning("SIGHUP: \(result)")
                        }
                    }
                default:
                    logger.debug("signal ignored", metadata: ["signal": "\(SignalWaiter.name(signal))"])
                }
            }
        }
    }
}
