import Glibc
import Logging
import MaximizeControl
import MaximizeCore
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix

/// The daemon's listeners: the Unix socket and, when configured, TCP, serving one router.
///
/// A reload that changes the socket path or the port binds the new listener first, then closes the
/// old one; connections already accepted carry on. Each listener has a `ServerQuiescingHelper`
/// that knows its connections, so that a drain can quiesce them all (see ``quiesce()``).
final class ProxyServer: Sendable {
    /// A bound listener: its channel and the helper that collects the connections it accepts.
    struct Listener: Sendable {
        var channel: any Channel
        var quiescing: ServerQuiescingHelper
    }

    struct Bound: Sendable {
        var socket: (path: String, mode: UInt32, listener: Listener)?
        var tcp: (host: String, port: Int, listener: Listener)?
        /// Listeners a reload replaced: closed, but their connections may still be open.
        var retired: [ServerQuiescingHelper] = []
    }

    let daemon: DaemonContext
    let group: MultiThreadedEventLoopGroup
    let bound = NIOLockedValueBox(Bound())

    init(daemon: DaemonContext, group: MultiThreadedEventLoopGroup) {
        self.daemon = daemon
        self.group = group
    }

    /// Pending connections the kernel queues per listener: the system's ceiling
    /// (`net.core.somaxconn`, 4096 or more since Linux 5.4), so that a burst of thousands of
    /// connections waits to be accepted instead of being refused.
    static let backlog: Int32 = {
        let bytes = (try? FileSystem.readFile("/proc/sys/net/core/somaxconn", limit: 64)) ?? nil
        let text = String(decoding: bytes ?? [], as: UTF8.self)
        let ceiling = Int32(text.filter(\.isNumber)) ?? 4096
        return min(max(ceiling, 4096), 65535)
    }()

    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    /// For `status.json`.
    var listeners: [StatusDocument.Listener] {
        bound.withLockedValue { bound in
            var result: [StatusDocument.Listener] = []
            if let socket = bound.socket { result.append(.init(type: "unix", path: socket.path)) }
            if let tcp = bound.tcp {
                let address = tcp.listener.channel.localAddress.map { "\($0.ipAddress ?? tcp.host):\($0.port ?? tcp.port)" }
                result.append(.init(type: "tcp", address: address ?? "\(tcp.host):\(tcp.port)"))
            }
            return result
        }
    }

    /// Binds what `settings` asks for, replacing listeners whose address changed.
    func apply(_ settings: Settings) async throws(StartError) {
        let current = bound.withLockedValue { $0 }
        let wantedSocket = settings.server.socketPath
        if let wantedSocket, current.socket?.path != wantedSocket {
            let listener = try await bindSocket(wantedSocket, mode: settings.server.socketMode)
            let old = bound.withLockedValue { bound in
                defer { bound.socket = (wantedSocket, settings.server.socketMode, listener) }
                return bound.socket
            }
            if let old { await retire(old.listener, socketPath: old.path) }
        } else if let wantedSocket, let socket = current.socket, socket.mode != settings.server.socketMode {
            chmod(wantedSocket, mode_t(settings.server.socketMode))
            bound.withLockedValue { $0.socket?.mode = settings.server.socketMode }
        } else if wantedSocket == nil, let old = current.socket {
            bound.withLockedValue { $0.socket = nil }
            await retire(old.listener, socketPath: old.path)
        }

        let host = settings.server.bindAddress
        if let port = settings.server.port, current.tcp?.host != host || current.tcp?.port != port {
            let quiescing = ServerQuiescingHelper(group: group)
            let channel: any Channel
            do {
                channel = try await bootstrap(tcp: true, quiescing: quiescing).bind(host: host, port: port).get()
            } catch {
                throw StartError(description: "cannot listen on \(host):\(port): \(error); choose another server.port")
            }
            let listener = Listener(channel: channel, quiescing: quiescing)
            let old = bound.withLockedValue { bound in
                defer { bound.tcp = (host, port, listener) }
                return bound.tcp
            }
            if let old { await retire(old.listener, socketPath: nil) }
        } else if settings.server.port == nil, let old = current.tcp {
            bound.withLockedValue { $0.tcp = nil }
            await retire(old.listener, socketPath: nil)
        }
        if bound.withLockedValue({ $0.socket == nil && $0.tcp == nil }) {
            throw StartError(description: "no listener: server.socket_path is \"\" and server.port is unset; enable one")
        }
    }

    private func bindSocket(_ path: String, mode: UInt32) async throws(StartError) -> Listener {
        do {
            try UnixSocketPath.prepare(path)
        } catch {
            throw StartError(description: error.description)
        }
        let descriptor: Int32
        do {
            descriptor = try UnixSocketPath.bind(path, mode: mode)
        } catch {
            throw StartError(description: error.description)
        }
        do {
            let quiescing = ServerQuiescingHelper(group: group)
            let channel = try await bootstrap(tcp: false, quiescing: quiescing).withBoundSocket(descriptor).get()
            // NIO listens on an adopted socket with its default backlog (128) before options
            // apply; a burst of connections would then be refused. Listen again with ours.
            Glibc.listen(descriptor, Self.backlog)
            return Listener(channel: channel, quiescing: quiescing)
        } catch {
            Glibc.close(descriptor)
            unlink(path)
            throw StartError(description: "cannot listen on \(path): \(error)")
        }
    }

    /// Closes a listener a reload replaced; its connections carry on, and are quiesced with the
    /// others on a drain.
    private func retire(_ listener: Listener, socketPath: String?) async {
        bound.withLockedValue { $0.retired.append(listener.quiescing) }
        try? await listener.channel.close()
        if let socketPath { unlink(socketPath) }
    }

    private func bootstrap(tcp: Bool, quiescing: ServerQuiescingHelper) -> ServerBootstrap {
        let daemon = self.daemon
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .serverChannelOption(.backlog, value: Self.backlog)
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let readTimeout = daemon.current.settings.server.readTimeoutSeconds
                    try channel.pipeline.syncOperations.addHandler(
                        IdleStateHandler(readTimeout: .milliseconds(Int64(readTimeout * 1000)))
                    )
                    try channel.pipeline.syncOperations.addHandler(InputGate())
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true,
                        withErrorHandling: true
                    )
                    try channel.pipeline.syncOperations.addHandler(PipelineGate())
                    try channel.pipeline.syncOperations.addHandler(HTTPHandler(daemon: daemon))
                }
            }
        if tcp {
            bootstrap =
                bootstrap
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        }
        return bootstrap
    }
}
