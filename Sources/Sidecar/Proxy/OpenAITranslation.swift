import MaximizeCore
import NIOCore
import NIOHTTP1

/// What an OpenAI route's translated request brings to ``OpenAITranslation``: whether the client
/// asked for a stream, that route's stream translator, and the translation of a whole answer.
protocol OpenAIRoute {
    associatedtype Stream: OpenAIStreamTranslator
    /// The client asked for a stream.
    var stream: Bool { get }
    func makeStream(created: Int) -> Stream
    /// A whole Messages answer as the route's JSON body.
    func translate(answer message: JSONValue, created: Int) -> [UInt8]
}

/// A Messages stream translated into an OpenAI route's events, one event at a time.
protocol OpenAIStreamTranslator {
    mutating func translate(_ event: ServerSentEvent) -> [UInt8]
    /// The last events of a stream that ended well.
    mutating func finish() -> [UInt8]
    /// The last events of a stream the upstream broke (after whatever was already sent).
    mutating func fail(_ error: OpenAIError) -> [UInt8]
}

/// An OpenAI route (`/v1/chat/completions`, `/v1/responses`): the Messages API's answer
/// translated for an OpenAI client. A stream is translated event by event as it arrives; a whole
/// answer is held (up to ``bufferLimit``) and translated at the end. Errors before the answer
/// starts are OpenAI error bodies with the upstream's status.
struct OpenAITranslation<Request: OpenAIRoute>: ResponseTransformer {
    /// The largest non-streamed upstream answer translated.
    static var bufferLimit: Int { 64 << 20 }

    let request: Request
    private var status = 0
    private var forwarded: [(String, String)] = []
    private var stream: (translator: Request.Stream, parser: SSEParser)?
    private var buffered = CappedBody(limit: Self.bufferLimit)
    private var usage: UsageScanner?

    init(request: Request) {
        self.request = request
    }

    /// Upstream headers worth passing to an OpenAI client.
    static func forwarded(_ headers: [(name: String, value: String)]) -> [(String, String)] {
        headers.filter { $0.name == "request-id" || $0.name == "retry-after" || $0.name.hasPrefix("anthropic-ratelimit-") }
            .map { ($0.name, $0.value) }
    }

    mutating func head(_ head: UpstreamResponseHead, request client: HTTPRequestHead) -> HTTPResponseHead? {
        status = head.status
        forwarded = Self.forwarded(head.headers)
        let eventStream = head.header("content-type")?.hasPrefix("text/event-stream") == true
        if head.status == 200 { usage = UsageScanner(eventStream: eventStream) }
        guard head.status == 200, eventStream, request.stream else { return nil }
        stream = (request.makeStream(created: Int(WallClock.now())), SSEParser())
        var headers = HTTPHeaders(forwarded)
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        return client.responseHead(status: 200, headers: headers)
    }

    mutating func body(_ chunk: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        if usage != nil { chunk.withUnsafeReadableBytes { usage?.consume($0) } }
        guard var current = stream else {
            buffered.append(chunk)
            return nil
        }
        stream = nil  // keep the parser's buffer uniquely referenced while it is mutated
        var output: [UInt8] = []
        chunk.withUnsafeReadableBytes { bytes in
            for event in current.parser.consume(bytes) { output += current.translator.translate(event) }
        }
        stream = current
        return output.isEmpty ? nil : allocator.buffer(bytes: output)
    }

    mutating func end(allocator: ByteBufferAllocator) -> ResponseEnding {
        if stream != nil { return .end(trailer: finishStream(allocator: allocator, error: nil)) }
        if buffered.overflowed {
            let limit = Self.bufferLimit >> 20
            return respond(
                OpenAIError(
                    status: 502,
                    type: "api_error",
                    message: "the upstream's answer is larger than \(limit) MiB, too large to translate whole; ask with \"stream\": true"
                )
            )
        }
        guard status == 200 else {
            return respond(OpenAIError(upstreamStatus: status, body: buffered.bytes), headers: forwarded)
        }
        guard let message = try? JSONParser.parse(buffered.bytes) else {
            return respond(OpenAIError(status: 502, type: "api_error", message: "the upstream's answer is not valid JSON"))
        }
        let body = request.translate(answer: message, created: Int(WallClock.now()))
        return .respond(WholeResponse(status: 200, contentType: "application/json", body: body, headers: forwarded))
    }

    mutating func fail(_ error: UpstreamError, allocator: ByteBufferAllocator) -> ResponseEnding {
        guard stream != nil else { return respond(OpenAIError(APIError(upstream: error))) }
        return .end(trailer: finishStream(allocator: allocator, error: error))
    }

    mutating func takeUsage() -> UsageScanner.Usage? {
        defer { usage = nil }
        return usage?.finish()
    }

    /// The stream's last events: what the parser still held, then the route's ending, or its
    /// failure events when the upstream broke.
    private mutating func finishStream(allocator: ByteBufferAllocator, error: UpstreamError?) -> ByteBuffer {
        guard var current = stream else { return allocator.buffer(capacity: 0) }
        var output: [UInt8] = []
        for event in current.parser.finish() { output += current.translator.translate(event) }
        if let error {
            output += current.translator.fail(OpenAIError(APIError(upstream: error)))
        } else {
            output += current.translator.finish()
        }
        stream = current
        return allocator.buffer(bytes: output)
    }

    private func respond(_ error: OpenAIError, headers: [(String, String)] = []) -> ResponseEnding {
        .respond(WholeResponse(status: error.status, contentType: "application/json", body: error.body, headers: headers))
    }
}
