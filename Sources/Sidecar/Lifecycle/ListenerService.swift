import MaximizeCore
import NIOConcurrencyHelpers
import ServiceLifecycle
import Synchronization

/// The listeners (Unix socket and TCP), bound before the group runs, as the service the group
/// shuts down first. On graceful shutdown it drains:
///
/// 1. the state becomes `draining` at once (readiness fails), and new connections and requests
///    are still accepted for `server.drain_grace_seconds`;
/// 2. the listeners are quiesced (``ProxyServer/quiesce()``): they close, the socket file goes,
///    idle kept-alive connections close at once, and responses still to start carry
///    `connection: close`;
/// 3. requests and streams in flight get up to `server.drain_timeout_seconds` to finish; the ones
///    still running then are counted in ``cut`` (the daemon exits 1) and closed with the event loops.
///
/// The settings in force at the signal apply. Cancelled instead (the group failed), it drains
/// with no grace and no wait.
struct ListenerService: Service, CustomStringConvertible {
    let server: ProxyServer
    let status: StatusPublisher
    /// Requests still in flight when the drain gave up on them.
    let cut = NIOLockedValueBox(0)

    var description: String { "listeners" }

    func run() async {
        try? await gracefulShutdown()
        await drain()
    }

    func drain() async {
        let daemon = server.daemon
        let settings = daemon.current.settings
        status.update { $0.phase = .draining }
        try? await Task.sleep(for: .milliseconds(Int64(settings.server.drainGraceSeconds * 1000)))
        await Self.withTimeLimit(seconds: settings.server.drainTimeoutSeconds) { [server] in
            async let quiesced: Void = server.quiesce()
            // The listeners are closing: no longer advertised.
            status.update { $0.listeners = [] }
            await quiesced
            await daemon.stats.waitUntilIdle()
        }
        let remaining = daemon.stats.inFlight.load(ordering: .relaxed)
        cut.withLockedValue { $0 = remaining }
    }

    /// Runs `body` until it returns or `seconds` have passed (then it is cancelled, and awaited).
    static func withTimeLimit(seconds: Double, _ body: @escaping @Sendable () async -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await body() }
            group.addTask { try? await Task.sleep(for: .milliseconds(Int64(max(0, seconds) * 1000))) }
            await group.next()
            group.cancelAll()
        }
    }
}
