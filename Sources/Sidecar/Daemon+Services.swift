import Logging
import MaximizeCore
import MaximizeCurl
import MaximizePostgres
import MaximizeWatch
import NIOCore
import NIOPosix
import ServiceLifecycle

extension Daemon {
    /// The parts started before the group runs.
    struct Parts: Sendable {
        var client: CurlClient
        var group: MultiThreadedEventLoopGroup
        var watcher: DirectoryWatcher?
        var storeListener: PostgresCredentialListener?
        var status: StatusPublisher
        var reloader: ConfigReloader
        var control: ControlHandler
        var listeners: ListenerService
    }

    /// Beyond the drain's own limits (grace, then timeout), what the services after the
    /// listeners get to stop before the group cancels them.
    static let shutdownMargin = 10.0

    /// Runs the daemon's parts as one `ServiceGroup` until a signal asks for a shutdown and the
    /// group has shut down; returns the error that ended it otherwise.
    ///
    /// Services start in this order and shut down in reverse, each after the one before it has
    /// finished: the listeners drain first (see ``ListenerService``), then the control worker,
    /// the nickname check, the file poll, the refresh loop, the reloader and the heartbeat stop,
    /// and last the parts on their own threads are released: the store listener, the watcher,
    /// the libcurl client (cancelling any transfer left), the event loops (closing any
    /// connection left).
    static func serve(_ parts: Parts, logger: Logger) async -> (any Error)? {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // Released last: the libcurl client's cancelled transfers still reach their
            // connections' event loops.
            .init(service: ShutdownHook("event loops") { try? await parts.group.shutdownGracefully() }),
            .init(service: ShutdownHook("libcurl client") { parts.client.shutdown() }),
        ]
        if let watcher = parts.watcher {
            services.append(.init(service: ShutdownHook("directory watcher") { watcher.stop() }))
        }
        if let storeListener = parts.storeListener {
            services.append(.init(service: ShutdownHook("store listener") { storeListener.stop() }))
        }
        let daemon = parts.listeners.server.daemon
        services += [
            .init(service: parts.status, serviceName: "status heartbeat"),
            .init(service: parts.reloader),
            .init(service: RefreshLoop(daemon: daemon, status: parts.status)),
            .init(service: FilePoll(reloader: parts.reloader)),
            .init(service: NicknameCheck(daemon: daemon)),
            .init(service: parts.control),
            .init(service: parts.listeners),
        ]
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        let drain = daemon.current.settings.server
        configuration.maximumGracefulShutdownDuration = .milliseconds(
            Int64((drain.drainGraceSeconds + drain.drainTimeoutSeconds + shutdownMargin) * 1000)
        )
        let group = ServiceGroup(configuration: configuration)
        let requests = takeSignals(status: parts.status, server: parts.listeners.server) { daemon.current.logger }
        let failure: (any Error)? = await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await handleSignals(requests, group: group, control: parts.control) }
            let failure: (any Error)?
            do {
                try await group.run()
                failure = nil
            } catch {
                failure = error
            }
            tasks.cancelAll()
            return failure
        }
        // Whatever ended the group: released in order, once no service uses them (idempotent).
        parts.storeListener?.stop()
        parts.watcher?.stop()
        parts.client.shutdown()
        try? await parts.group.shutdownGracefully()
        return failure
    }
}
