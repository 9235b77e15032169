import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A fast mock Anthropic upstream over HTTP/1.1 (the HTTP/2 part runs on hypercorn, see
/// HTTP2Mock): prebuilt answers, SSE events stamped with their send time
/// (CLOCK_MONOTONIC, shared by all processes on the machine), and a count of connections.
final class MockServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let http1Port: Int
    let connections = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    private let channels: [any Channel]

    static let message = Array(
        #"{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-5","content":[{"type":"text","text":"Hello from the benchmark mock."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":6}}"#
            .utf8)

    init(threads: Int) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let counter = ConnectionCounter()
        let http1 = try ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 16384)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    counter.value.add(1, ordering: .relaxed)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MockHandler(counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        channels = [http1]
        http1Port = http1.localAddress!.port!
        self.counterBox = counter
    }

    private let counterBox: ConnectionCounter
    var connectionCount: Int { counterBox.value.load(ordering: .relaxed) }
    func resetConnections() { counterBox.value.store(0, ordering: .relaxed) }

    func shutdown() {
        for channel in channels { try? channel.close().wait() }
        try? group.syncShutdownGracefully()
    }
}

final class ConnectionCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// Reads `"events":N` and `"delay_ms":D` out of a body without a JSON parser.
func number(after key: String, in body: [UInt8]) -> Int? {
    let pattern = Array("\"\(key)\":".utf8)
    guard body.count > pattern.count else { return nil }
    for start in 0...(body.count - pattern.count) where body[start] == pattern[0] {
        if Array(body[start..<(start + pattern.count)]) == pattern {
            var index = start + pattern.count
            var value = 0
            var found = false
            while index < body.count, body[index] >= 0x30, body[index] <= 0x39 {
                value = value * 10 + Int(body[index] - 0x30)
                index += 1
                found = true
            }
            return found ? value : nil
        }
    }
    return nil
}

func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

final class MockHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let counter: ConnectionCounter
    var body: [UInt8] = []
    var active = true

    init(counter: ConnectionCounter) {
        self.counter = counter
    }

    func channelInactive(context: ChannelHandlerContext) {
        active = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: body.removeAll(keepingCapacity: true)
        case .body(let chunk): body.append(contentsOf: chunk.readableBytesView)
        case .end:
            if body.count > 12, body.starts(with: Array(#"{"stream":true"#.utf8)) || String(decoding: body, as: UTF8.self).contains(#""stream":true"#) {
                let events = number(after: "events", in: body) ?? 10
                let delay = number(after: "delay_ms", in: body) ?? 0
                stream(context: context, events: events, delayMs: delay)
            } else {
                var headers = HTTPHeaders()
                headers.add(name: "content-type", value: "application/json")
                headers.add(name: "content-length", value: String(MockServer.message.count))
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: MockServer.message)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }

    func stream(context: ChannelHandlerContext, events: Int, delayMs: Int) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        let start = Array("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":1}}}\n\n".utf8)
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: start)))), promise: nil)
        send(context: context, remaining: events, delayMs: delayMs)
    }

    func send(context: ChannelHandlerContext, remaining: Int, delayMs: Int) {
        guard active else { return }
        if remaining == 0 {
            let stop = Array("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n".utf8)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: stop)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let event = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"},\"t\":\(monotonicNanoseconds())}\n\n"
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: event)))), promise: nil)
        if delayMs == 0 {
            if remaining % 64 == 0 {
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.execute { bound.value.0.send(context: bound.value.1, remaining: remaining - 1, delayMs: 0) }
            } else {
                send(context: context, remaining: remaining - 1, delayMs: 0)
            }
        } else {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(Int64(delayMs))) {
                bound.value.0.send(context: bound.value.1, remaining: remaining - 1, delayMs: delayMs)
            }
        }
    }
}
