import MaximizeCore
import NIOCore
import NIOHTTP1

/// The Messages API's answer passed through as it arrives (SSE or JSON), with its usage counted.
/// Chunks are forwarded as they are: no copy, no buffering.
struct AnthropicPassThrough: ResponseTransformer {
    /// Headers that describe one hop, not the response.
    static let hopByHopHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
        "set-cookie", "alt-svc",
    ]

    private(set) var isEventStream = false
    private var usage: UsageScanner?

    mutating func head(_ head: UpstreamResponseHead, request: HTTPRequestHead) -> HTTPResponseHead? {
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 1)
        for (name, value) in head.headers where !Self.hopByHopHeaders.contains(name) {
            headers.add(name: name, value: value)
            if name == "content-type", value.hasPrefix("text/event-stream") { isEventStream = true }
        }
        if head.status == 200 { usage = UsageScanner(eventStream: isEventStream) }
        return request.responseHead(status: head.status, reason: head.reason, headers: headers)
    }

    mutating func body(_ chunk: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        if usage != nil { chunk.withUnsafeReadableBytes { usage?.consume($0) } }
        return chunk
    }

    mutating func end(allocator: ByteBufferAllocator) -> ResponseEnding {
        .end(trailer: nil)
    }

    mutating func fail(_ error: UpstreamError, allocator: ByteBufferAllocator) -> ResponseEnding {
        // A stream tells the client in the stream; a truncated JSON body cannot.
        guard isEventStream else { return .close }
        return .end(trailer: allocator.buffer(bytes: APIError(upstream: error).serverSentEvent))
    }

    mutating func takeUsage() -> UsageScanner.Usage? {
        defer { usage = nil }
        return usage?.finish()
    }
}
