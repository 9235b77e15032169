import Logging
import MaximizeCore
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The daemon's listeners: the Unix socket and, when configured, TCP, serving one router.
final class ProxyServer {
    let daemon: DaemonContext
    let group: MultiThreadedEventLoopGroup
    private(set) var channels: [any Channel] = []
    private(set) var socketPath: String?
    /// For `status.json`: `{"type":"unix","path":...}` or `{"type":"tcp","address":...}`.
    private(set) var listeners: [JSONValue] = []

    init(daemon: DaemonContext, group: MultiThreadedEventLoopGroup) {
        self.daemon = daemon
        self.group = group
    }

    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    func start(settings: Settings) throws {
        if let path = settings.server.socketPath {
            do {
                try UnixSocketPath.prepare(path)
            } catch {
                throw StartError(description: error.description)
            }
            let channel = try UnixSocketPath.withMode(settings.server.socketMode) {
                try bootstrap(tcp: false).bind(unixDomainSocketPath: path).wait()
            }
            chmod(path, mode_t(settings.server.socketMode))
            channels.append(channel)
            socketPath = path
            listeners.append(["type": "unix", "path": .string(path)])
        }
        if let port = settings.server.port {
            let channel: any Channel
            do {
                channel = try bootstrap(tcp: true).bind(host: settings.server.bindAddress, port: port).wait()
            } catch {
                throw StartError(
                    description: "cannot listen on \(settings.server.bindAddress):\(port): \(error); choose another server.port"
                )
            }
            channels.append(channel)
            let bound = channel.localAddress.map { "\($0.ipAddress ?? settings.server.bindAddress):\($0.port ?? port)" }
            listeners.append(["type": "tcp", "address": .string(bound ?? "\(settings.server.bindAddress):\(port)")])
        }
        if channels.isEmpty {
            throw StartError(description: "no listener: server.socket_path is \"\" and server.port is unset; enable one")
        }
    }

    private func bootstrap(tcp: Bool) -> ServerBootstrap {
        let daemon = self.daemon
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
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

    /// Closes the listeners and removes the socket file.
    func stopListening() {
        for channel in channels { try? channel.close().wait() }
        channels.removeAll()
        if let socketPath { unlink(socketPath) }
    }
}
