import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Thousands of simultaneous requests from one event loop: each connection sends one request and
/// waits for the end of its answer (`message_stop` for streams, the closing brace otherwise).
enum ManyConnections {
    final class Counts: Sendable {
        let completed = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let opened = Atomic<Int>(0)
        /// Why connections failed, with how many failed so.
        let reasons = Mutex<[String: Int]>([:])

        func fail(_ reason: String) {
            failed.add(1, ordering: .relaxed)
            reasons.withLock { $0[reason, default: 0] += 1 }
        }
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let counts: Counts
        let marker: [UInt8]
        var tail: [UInt8] = []
        var done = false

        init(counts: Counts, marker: [UInt8]) {
            self.counts = counts
            self.marker = marker
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            tail += buffer.readableBytesView
            if tail.count > 4096 { tail.removeFirst(tail.count - 4096) }
            if !done, find(tail, marker) != nil {
                done = true
                counts.completed.add(1, ordering: .relaxed)
                context.close(promise: nil)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            if !done { counts.fail(error.map { "\($0)" } ?? (tail.isEmpty ? "closed before an answer" : "closed mid-answer")) }
        }

        var error: (any Error)?

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.error = error
            context.close(promise: nil)
        }
    }

    /// Opens `count` connections to `target`, each sending `body`; returns when all ended or the
    /// deadline passed. `during` runs once all are open (to sample memory).
    static func run(
        _ target: Target, count: Int, body: String, streaming: Bool, timeout: Double,
        during: () -> Void = {}
    ) -> (completed: Int, failed: Int, seconds: Double, reasons: [String: Int]) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let counts = Counts()
        // `connection: close`, so an error answer ends the connection and counts as a failure.
        let request = BlockingConnection.request(body: body, close: true)
        let marker = Array((streaming ? "message_stop" : "\"usage\"").utf8)
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.connectTimeout, value: .seconds(30))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(counts: counts, marker: marker))
                }
            }
        let start = monotonicNanoseconds()
        var channels: [EventLoopFuture<any Channel>] = []
        channels.reserveCapacity(count)
        for index in 0..<count {
            let future: EventLoopFuture<any Channel>
            switch target {
            case .unix(let path): future = bootstrap.connect(unixDomainSocketPath: path)
            case .tcp(let port): future = bootstrap.connect(host: "127.0.0.1", port: port)
            }
            let sent = future.flatMap { channel in
                counts.opened.add(1, ordering: .relaxed)
                return channel.writeAndFlush(ByteBuffer(bytes: request)).map { channel }
            }
            channels.append(sent)
            if index % 512 == 511 { _ = try? sent.wait() }
        }
        for future in channels {
            do { _ = try future.wait() } catch { counts.fail("connect: \(error)") }
        }
        during()
        let deadline = Date().addingTimeInterval(timeout)
        while counts.completed.load(ordering: .relaxed) + counts.failed.load(ordering: .relaxed) < count, Date() < deadline {
            usleep(10_000)
        }
        return (
            counts.completed.load(ordering: .relaxed), counts.failed.load(ordering: .relaxed),
            Double(monotonicNanoseconds() - start) / 1e9, counts.reasons.withLock { $0 }
        )
    }
}
