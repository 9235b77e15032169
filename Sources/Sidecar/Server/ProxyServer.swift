import Logging
import MaximizeControl
import MaximizeCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The daemon's listeners: the Unix socket and, when configured, TCP, serving one router.
///
/// A reload that changes the socket path or the port binds the new listener first, then closes the
/// old one; connections already accepted carry on.
final class ProxyServer: Sendable {
    struct Bound: Sendable {
        var socket: (path: String, mode: UInt32, channel: any Channel)?
        var tcp: (host: String, port: Int, channel: any Channel)?
    }

    let daemon: DaemonContext
    let group: MultiThreadedEventLoopGroup
    private let bound = NIOLockedValueBox(Bound())

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
                let address = tcp.channel.localAddress.map { "\($0.ipAddress ?? tcp.host):\($0.port ?? tcp.port)" }
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
            let channel = try await bindSocket(wantedSocket, mode: settings.server.socketMode)
            let old = bound.withLockedValue { bound in
                defer { bound.socket = (wantedSocket, settings.server.socketMode, channel) }
                return bound.socket
            }
            if let old { await close(old.channel, socketPath: old.path) }
        } else if let wantedSocket, let socket = current.socket, socket.mode != settings.server.socketMode {
            chmod(wantedSocket, mode_t(settings.server.socketMode))
            bound.withLockedValue { $0.socket?.mode = settings.server.socketMode }
        } else if wantedSocket == nil, let old = current.socket {
            bound.withLockedValue { $0.socket = nil }
            await close(old.channel, socketPath: old.path)
        }

        let host = settings.server.bindAddress
        if let port = settings.server.port, current.tcp?.host != host || current.tcp?.port != port {
            let channel: any Channel
            do {
                channel = try await bootstrap(tcp: true).bind(host: host, port: port).get()
            } catch {
                throw StartError(description: "cannot listen on \(host):\(port): \(error); choose another server.port")
            }
            let old = bound.withLockedValue { bound in
                defer { bound.tcp = (host, port, channel) }
                return bound.tcp
            }
            if let old { await close(old.channel, socketPath: nil) }
        } else if settings.server.port == nil, let old = current.tcp {
            bound.withLockedValue { $0.tcp = nil }
            await close(old.channel, socketPath: nil)
        }
        if bound.withLockedValue({ $0.socket == nil && $0.tcp == nil }) {
            throw StartError(description: "no listener: server.socket_path is \"\" and server.port is unset; enable one")
        }
    }

    private func bindSocket(_ path: String, mode: UInt32) async throws(StartError) -> any Channel {
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
            let channel = try await bootstrap(tcp: false).withBoundSocket(descriptor).get()
            // NIO listens on an adopted socket with its default backlog (128) before options
            // apply; a burst of connections would then be refused. Listen again with ours.
            Glibc.listen(descriptor, Self.backlog)
            return channel
        } catch {
            Glibc.close(descriptor)
            unlink(path)
            throw StartError(description: "cannot listen on \(path): \(error)")
        }
    }

    private func close(_ channel: any Channel, socketPath: String?) async {
        try? await channel.close()
        if let socketPath { unlink(socketPath) }
    }

    private func bootstrap(tcp: Bool) -> ServerBootstrap {
        let daemon = self.daemon
        var bootstrap = ServerBootstrap(group: group)
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
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true,
                        withErrorHandling: true
                    )
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

    /// Closes the listeners and removes the socket file; accepted connections carry on.
    func stopListening() async {
        let old = bound.withLockedValue { bound in
            defer { bound = Bound() }
            return bound
        }
        if let socket = old.socket { await close(socket.channel, socketPath: socket.path) }
        if let tcp = old.tcp { await close(tcp.channel, socketPath: nil) }
    }
}
