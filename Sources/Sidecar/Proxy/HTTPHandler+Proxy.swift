import Logging
import MaximizeCore
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// Forwards a Messages request upstream and streams the answer back as it arrives.
    func proxy(_ head: HTTPRequestHead, endpoint: MessagesEndpoint, body: ByteBuffer) {
        let configuration = daemon.current
        let settings = configuration.settings
        let credential: Credential
        switch daemon.credentials.usableCredential(now: Clock.now()) {
        case .success(let usable): credential = usable
        case .failure(let error):
            daemon.stats.started()
            daemon.stats.finished(failed: true)
            respondError(head, error)
            return
        }
        let shaped = body.withUnsafeReadableBytes { bytes in
            Result { () throws(ShapingError) -> ShapedRequest in
                try configuration.shaper.shape(bytes, endpoint: endpoint, credential: credential.kind)
            }
        }
        let request: ShapedRequest
        switch shaped {
        case .success(let value): request = value
        case .failure(let error):
            daemon.stats.started()
            daemon.stats.finished(failed: true)
            respondError(head, APIError(.invalidRequest, error.message))
            return
        }
        let clientHeaders = head.headers.map { (name: $0.name, value: $0.value) }
        let upstream = UpstreamRequest(
            method: "POST",
            url: settings.api.baseURL + endpoint.path,
            headers: UpstreamHeaders.build(client: clientHeaders, credential: credential, settings: settings),
            body: request.body,
            timeout: settings.api.requestTimeout,
            caFile: settings.api.caFile
        )
        let exchange = Exchange(head: head, route: .messages(endpoint), configuration: configuration)
        exchange.requestedModel = request.requestedModel
        exchange.model = request.model
        if configuration.logger.logLevel <= .debug {
            configuration.logger.debug(
                "proxying",
                metadata: [
                    "route": "\(endpoint.path)",
                    "model.requested": "\(request.requestedModel ?? "(default)")",
                    "model": "\(request.model)",
                    "stream": "\(request.stream)",
                    "betas": "\(upstream.headers.first { $0.name == "anthropic-beta" }?.value ?? "")",
                    "changed": "\(request.changes.joined(separator: ","))",
                    "bytes.in": "\(body.readableBytes)",
                    "bytes.upstream": "\(request.body.count)",
                ]
            )
        }
        daemon.stats.started()
        state = .responding(exchange)
        let responder = ProxyResponder(handler: NIOLoopBound(self, eventLoop: context.eventLoop), exchange: exchange)
        exchange.transfer = daemon.client.start(upstream, delegate: responder)
    }

    // MARK: - Events from the upstream, on the event loop

    func upstreamHead(_ head: UpstreamResponseHead, for exchange: Exchange) {
        guard case .responding(let current) = state, current === exchange else { return }
        exchange.responseStarted = true
        exchange.upstreamStatus = head.status
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 1)
        for (name, value) in head.headers where !Self.hopByHopHeaders.contains(name) {
            headers.add(name: name, value: value)
            if name == "content-type", value.hasPrefix("text/event-stream") { exchange.isEventStream = true }
        }
        if !exchange.head.isKeepAlive { headers.add(name: "connection", value: "close") }
        let responseHead = HTTPResponseHead(
            version: exchange.head.version,
            status: HTTPResponseStatus(statusCode: head.status),
            headers: headers
        )
        context.writeAndFlush(wrapOutboundOut(.head(responseHead)), promise: nil)
    }

    /// Headers that describe one hop, not the response.
    static let hopByHopHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
        "set-cookie", "alt-svc",
    ]

    func upstreamBody(_ buffer: ByteBuffer, for exchange: Exchange, flushed: @escaping @Sendable () -> Void) {
        guard case .responding(let current) = state, current === exchange else {
            flushed()
            return
        }
        exchange.bytesOut += buffer.readableBytes
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in flushed() }
        context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: promise)
    }

    func upstreamComplete(_ error: UpstreamError?, for exchange: Exchange) {
        guard case .responding(let current) = state, current === exchange else { return }
        state = .idle
        guard let error else {
            finish(exchange, failed: exchange.upstreamStatus >= 400, note: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !exchange.head.isKeepAlive { done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
            return
        }
        if error.kind == .cancelled { return }
        finish(exchange, failed: true, note: error.message)
        let apiError = APIError(upstream: error)
        if !exchange.responseStarted {
            respondError(exchange.head, apiError)
        } else if exchange.isEventStream {
            // The stream has begun: tell the client in the stream, then end it.
            let event = context.channel.allocator.buffer(bytes: apiError.serverSentEvent)
            context.write(wrapOutboundOut(.body(.byteBuffer(event))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !exchange.head.isKeepAlive { done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
        } else {
            // A truncated JSON body cannot carry an error: close so the client sees it.
            context.close(promise: nil)
        }
    }

    /// Counts and logs the end of an exchange.
    func finish(_ exchange: Exchange, failed: Bool, note: String?) {
        daemon.stats.finished(failed: failed)
        let logger = exchange.configuration.logger
        guard logger.logLevel <= .debug || (failed && note != nil) else { return }
        let elapsed = Double(Clock.monotonicNanoseconds() - exchange.startedAt) / 1e6
        var metadata: Logger.Metadata = [
            "route": "\(exchange.route.label)",
            "status": "\(exchange.upstreamStatus)",
            "bytes.out": "\(exchange.bytesOut)",
            "ms": "\(Double(Int(elapsed * 1000)) / 1000)",
        ]
        if let model = exchange.model { metadata["model"] = "\(model)" }
        if let note { metadata["error"] = "\(note)" }
        if failed, note != nil {
            logger.warning("request failed", metadata: metadata)
        } else {
            logger.debug("request done", metadata: metadata)
        }
    }
}
