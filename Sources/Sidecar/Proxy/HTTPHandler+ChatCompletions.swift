import MaximizeCore
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// The largest non-streamed upstream answer translated for an OpenAI client.
    static let openAIBufferLimit = 64 << 20

    /// `POST /v1/chat/completions`: translated to a Messages request, and the answer back.
    func proxyChatCompletion(_ head: HTTPRequestHead, body: ByteBuffer) {
        let translated: ChatCompletionRequest.Translated
        do {
            let json = try body.withUnsafeReadableBytes { bytes in try JSONParser.parse(bytes) }
            translated = try ChatCompletionRequest.translate(json)
        } catch let error as JSONParseError {
            respondOpenAIError(head, OpenAIError(message: "the request body is not valid JSON: \(error)"))
            return
        } catch let error as OpenAIError {
            respondOpenAIError(head, error)
            return
        } catch {
            respondOpenAIError(head, OpenAIError(message: "\(error)"))
            return
        }
        let messages = context.channel.allocator.buffer(bytes: translated.messages.serialized())
        proxy(head, endpoint: .messages, body: messages, openAI: translated)
    }

    func respondOpenAIError(_ head: HTTPRequestHead, _ error: OpenAIError, extraHeaders: [(String, String)] = []) {
        daemon.metrics.request(route: Route.chatCompletions.label, status: error.status)
        respond(
            head,
            status: HTTPResponseStatus(statusCode: error.status),
            contentType: "application/json",
            body: error.body,
            close: false,
            extraHeaders: extraHeaders
        )
    }

    /// Upstream headers worth passing to an OpenAI client.
    static func forwardedToOpenAI(_ headers: [(name: String, value: String)]) -> [(String, String)] {
        headers.filter { $0.name == "request-id" || $0.name == "retry-after" || $0.name.hasPrefix("anthropic-ratelimit-") }
            .map { ($0.name, $0.value) }
    }

    func openAIHead(_ head: UpstreamResponseHead, for exchange: Exchange) {
        exchange.upstreamHeaders = head.headers
        let eventStream = head.header("content-type")?.hasPrefix("text/event-stream") == true
        exchange.isEventStream = eventStream
        if head.status == 200 { exchange.usage = UsageScanner(eventStream: eventStream) }
        guard head.status == 200, eventStream, let request = exchange.openAIRequest, request.stream else { return }
        exchange.openAIStream = (ChatCompletionStream(created: Int(WallClock.now()), includeUsage: request.includeUsage), SSEParser())
        var headers = HTTPHeaders(Self.forwardedToOpenAI(head.headers))
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        if !exchange.head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: exchange.head.version, status: .ok, headers: headers))),
            promise: nil
        )
    }

    func openAIBody(_ buffer: ByteBuffer, for exchange: Exchange, flushed: @escaping @Sendable () -> Void) {
        guard var stream = exchange.openAIStream else {
            if !exchange.openAIOverflow, exchange.openAIBuffer.count + buffer.readableBytes <= Self.openAIBufferLimit {
                exchange.openAIBuffer.append(contentsOf: buffer.readableBytesView)
            } else {
                exchange.openAIOverflow = true
                exchange.openAIBuffer = []
            }
            flushed()
            return
        }
        var output: [UInt8] = []
        buffer.withUnsafeReadableBytes { bytes in
            for event in stream.parser.consume(bytes) { output += stream.translator.translate(event) }
        }
        exchange.openAIStream = stream
        guard !output.isEmpty else {
            flushed()
            return
        }
        exchange.bytesOut += output.count
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in flushed() }
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: output)))), promise: promise)
    }

    func openAIComplete(_ error: UpstreamError?, for exchange: Exchange) {
        // A stream has begun with the upstream's status; otherwise the answer below counts itself.
        finish(
            exchange,
            failed: error != nil || exchange.upstreamStatus >= 400,
            note: error?.message,
            answered: exchange.openAIStream != nil ? exchange.upstreamStatus : nil
        )
        if var stream = exchange.openAIStream {
            var output: [UInt8] = []
            for event in stream.parser.finish() { output += stream.translator.translate(event) }
            if let error {
                let failure = OpenAIError(APIError(upstream: error))
                output += Array("data: ".utf8) + failure.body + Array("\n\ndata: [DONE]\n\n".utf8)
            } else {
                output += stream.translator.finish()
            }
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: output)))), promise: nil)
            endResponse(keepAlive: exchange.head.isKeepAlive)
            return
        }
        let head = exchange.head
        if let error {
            respondOpenAIError(head, OpenAIError(APIError(upstream: error)))
            return
        }
        let forwarded = Self.forwardedToOpenAI(exchange.upstreamHeaders)
        if exchange.openAIOverflow {
            let limit = Self.openAIBufferLimit >> 20
            respondOpenAIError(
                head,
                OpenAIError(
                    status: 502,
                    type: "api_error",
                    message: "the upstream's answer is larger than \(limit) MiB, too large to translate whole; ask with \"stream\": true"
                )
            )
            return
        }
        guard exchange.upstreamStatus == 200 else {
            respondOpenAIError(
                head,
                OpenAIError(upstreamStatus: exchange.upstreamStatus, body: exchange.openAIBuffer),
                extraHeaders: forwarded
            )
            return
        }
        guard let message = try? JSONParser.parse(exchange.openAIBuffer) else {
            respondOpenAIError(
                head,
                OpenAIError(status: 502, type: "api_error", message: "the upstream's answer is not valid JSON")
            )
            return
        }
        let body = ChatCompletionResponse.translate(message, created: Int(WallClock.now())).serialized()
        exchange.bytesOut += body.count
        daemon.metrics.request(route: Route.chatCompletions.label, status: 200)
        respond(head, status: .ok, contentType: "application/json", body: body, close: false, extraHeaders: forwarded)
    }
}
