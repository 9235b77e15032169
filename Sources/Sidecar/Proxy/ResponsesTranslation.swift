import MaximizeCore
import NIOCore
import NIOHTTP1

/// `POST /v1/responses`: the Messages API's answer as an OpenAI `response` object. A stream is
/// translated event by event as it arrives (``ResponsesStream``); a whole answer is held (up to
/// ``ChatCompletionsTranslation/bufferLimit``) and translated at the end. Errors before the
/// answer starts are OpenAI error bodies with the upstream's status, as on the chat route.
struct ResponsesTranslation: ResponseTransformer {
    let request: ResponsesRequest.Translated
    private var status = 0
    private var forwarded: [(String, String)] = []
    private var stream: (translator: ResponsesStream, parser: SSEParser)?
    private var buffered: [UInt8] = []
    private var overflow = false
    private var usage: UsageScanner?

    init(request: ResponsesRequest.Translated) {
        self.request = request
    }

    mutating func head(_ head: UpstreamResponseHead, request client: HTTPRequestHead) -> HTTPResponseHead? {
        status = head.status
        forwarded = ChatCompletionsTranslation.forwarded(head.headers)
        let eventStream = head.header("content-type")?.hasPrefix("text/event-stream") == true
        if head.status == 200 { usage = UsageScanner(eventStream: eventStream) }
        guard head.status == 200, eventStream, request.stream else { return nil }
        let translator = ResponsesStream(created: Int(WallClock.now()), echo: request.echo, structuredOutput: request.structuredOutput)
        stream = (translator, SSEParser())
        var headers = HTTPHeaders(forwarded)
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        return client.responseHead(status: 200, headers: headers)
    }

    mutating func body(_ chunk: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        if usage != nil { chunk.withUnsafeReadableBytes { usage?.consume($0) } }
        guard var current = stream else {
            if !overflow, buffered.count + chunk.readableBytes <= ChatCompletionsTranslation.bufferLimit {
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
            let limit = ChatCompletionsTranslation.bufferLimit >> 20
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
        let response = ResponsesResponse.translate(
            message,
            echo: request.echo,
            created: Int(WallClock.now()),
            structuredOutput: request.structuredOutput
        )
        let body = response.serialized()
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

    /// The stream's last events: what the parser still held, then `response.completed` already
    /// sent, or an `error` event and `response.failed`.
    private mutating func finishStream(allocator: ByteBufferAllocator, error: UpstreamError?) -> ByteBuffer {
        guard var current = stream else { return allocator.buffer(capacity: 0) }
        var output: [UInt8] = []
        for event in current.parser.finish() { output += current.translator.translate(event) }
        if let error {
            let openAI = OpenAIError(APIError(upstream: error))
            output += current.translator.fail(code: openAI.type, message: openAI.message)
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
