import MaximizeCore
import NIOCore
import NIOHTTP1

/// `POST /v1/chat/completions`: the Messages API's answer translated for an OpenAI client. A
/// stream is translated event by event as it arrives; a whole answer is held (up to
/// ``bufferLimit``) and translated at the end.
struct ChatCompletionsTranslation: ResponseTransformer {
    /// The largest non-streamed upstream answer translated.
    static let bufferLimit = 64 << 20

    let request: ChatCompletionRequest.Translated
    private var status = 0
    private var forwarded: [(String, String)] = []
    private var stream: (translator: ChatCompletionStream, parser: SSEParser)?
    private var buffered: [UInt8] = []
    private var overflow = false
    private var usage: UsageScanner?

    init(request: ChatCompletionRequest.Translated) {
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
        stream = (
            ChatCompletionStream(
                created: Int(WallClock.now()),
                includeUsage: request.includeUsage,
                structured: request.structuredOutput
            ), SSEParser()
        )
        var headers = HTTPHeaders(forwarded)
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        return client.responseHead(status: 200, headers: headers)
    }

    mutating func body(_ chunk: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        if usage != nil { chunk.withUnsafeReadableBytes { usage?.consume($0) } }
        guard var current = stream else {
            if !overflow, buffered.count + chunk.readableBytes <= Self.bufferLimit {
                buffered.append(contentsOf: chunk.readableBytesView)
            } else {
                overflow = true
                buffered = []
            }
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
        if overflow {
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
            return respond(OpenAIError(upstreamStatus: status, body: buffered), headers: forwarded)
        }
        guard let message = try? JSONParser.parse(buffered) else {
            return respond(OpenAIError(status: 502, type: "api_error", message: "the upstream's answer is not valid JSON"))
        }
        let body = ChatCompletionResponse.translate(message, created: Int(WallClock.now()), structured: request.structuredOutput)
            .serialized()
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

    /// The stream's last events: what the parser still held, then `[DONE]` (after the error, if any).
    private mutating func finishStream(allocator: ByteBufferAllocator, error: UpstreamError?) -> ByteBuffer {
        guard var current = stream else { return allocator.buffer(capacity: 0) }
        var output: [UInt8] = []
        for event in current.parser.finish() { output += current.translator.translate(event) }
        if let error {
            output += Array("data: ".utf8) + OpenAIError(APIError(upstream: error)).body + Array("\n\ndata: [DONE]\n\n".utf8)
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
