import Logging
import MaximizeCore
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// Forwards a Messages request upstream and streams the answer back as it arrives.
    /// - Parameter openAI: set for `/v1/chat/completions`, whose body was translated to `body`.
    func proxy(
        _ head: HTTPRequestHead,
        endpoint: MessagesEndpoint,
        body: ByteBuffer,
        openAI: ChatCompletionRequest.Translated? = nil
    ) {
        let configuration = daemon.current
        let exchange = Exchange(
            head: head,
            route: openAI == nil ? .messages(endpoint) : .chatCompletions,
            configuration: configuration
        )
        exchange.openAIRequest = openAI
        daemon.stats.started()
        state = .responding(exchange)
        withCredential(for: exchange) { [self] credential in
            let shaped = body.withUnsafeReadableBytes { bytes in
                Result { () throws(ShapingError) -> ShapedRequest in
                    try configuration.shaper.shape(bytes, endpoint: endpoint, credential: credential.kind)
                }
            }
            switch shaped {
            case .failure(let error):
                fail(exchange, APIError(.invalidRequest, error.message))
            case .success(let request):
                exchange.requestedModel = request.requestedModel
                exchange.model = request.model
                let settings = configuration.settings
                let clientHeaders = head.headers.map { (name: $0.name, value: $0.value) }
                exchange.upstream = UpstreamRequest(
                    method: "POST",
                    url: settings.api.baseURL + endpoint.path,
                    headers: UpstreamHeaders.build(client: clientHeaders, credential: credential, settings: settings),
                    body: request.body,
                    timeout: settings.api.requestTimeout,
                    caFile: settings.api.caFile,
                    httpVersion: settings.api.httpVersion
                )
                exchange.credential = credential
                logProxying(exchange, request: request, bytesIn: body.readableBytes)
                startTransfer(exchange)
            }
        }
    }

    func startTransfer(_ exchange: Exchange) {
        guard let upstream = exchange.upstream else { return }
        let responder = ProxyResponder(
            handler: NIOLoopBound(self, eventLoop: context.eventLoop),
            exchange: exchange,
            attempt: exchange.attempt
        )
        exchange.upstreamStartedAt = WallClock.monotonicNanoseconds()
        exchange.transfer = daemon.client.start(upstream, delegate: responder)
    }

    /// After a 401 on an OAuth token: one forced refresh and one retry, before any byte went to the client.
    func retryWithRefreshedCredential(_ exchange: Exchange, refused token: Secret) {
        abandonAttempt(exchange)
        exchange.configuration.logger.info("the upstream refused the access token; refreshing and retrying once")
        withCredential(for: exchange, failed: token) { [self] credential in
            guard var upstream = exchange.upstream else { return }
            let clientHeaders = exchange.head.headers.map { (name: $0.name, value: $0.value) }
            upstream.headers = UpstreamHeaders.build(
                client: clientHeaders,
                credential: credential,
                settings: exchange.configuration.settings
            )
            exchange.upstream = upstream
            exchange.credential = credential
            startTransfer(exchange)
        }
    }

    /// After a `529 overloaded`, before any byte went to the client: waits (`retry-after` when the
    /// upstream gave one, up to a minute; otherwise the configured backoff, doubled per retry, with
    /// jitter) and sends the request again.
    func retryOverloaded(_ exchange: Exchange, retryAfter: String?) {
        exchange.overloadRetries += 1
        let api = exchange.configuration.settings.api
        let backoff = api.overloadBackoffSeconds * Double(1 << (exchange.overloadRetries - 1))
        var delay = backoff * Double.random(in: 0.5...1.0)
        if let retryAfter, let seconds = Double(retryAfter.filter { !$0.isWhitespace }), seconds >= 0 { delay = min(seconds, 60) }
        daemon.metrics.overloadRetry()
        exchange.configuration.logger.info(
            "the upstream is overloaded (529); retrying",
            metadata: [
                "retry": "\(exchange.overloadRetries)/\(api.overloadRetries)",
                "after.ms": "\(Int(delay * 1000))",
            ]
        )
        restartTransfer(exchange, after: .nanoseconds(Int64(delay * 1e9)))
    }

    /// Ends the current attempt: its transfer is cancelled and its late events are ignored.
    func abandonAttempt(_ exchange: Exchange) {
        exchange.attempt += 1
        exchange.transfer?.cancel()
        exchange.transfer = nil
    }

    /// Sends the request again after `delay` on a new attempt, unless the exchange ended meanwhile
    /// (the client went away).
    func restartTransfer(_ exchange: Exchange, after delay: TimeAmount) {
        abandonAttempt(exchange)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let bound = NIOLoopBound(exchange, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            guard case .responding(let current) = handler.value.state, current === bound.value else { return }
            handler.value.startTransfer(bound.value)
        }
    }

    func logProxying(_ exchange: Exchange, request: ShapedRequest, bytesIn: Int) {
        let logger = exchange.configuration.logger
        guard logger.logLevel <= .debug, let upstream = exchange.upstream else { return }
        logger.debug(
            "proxying",
            metadata: [
                "route": "\(exchange.route.label)",
                "model.requested": "\(request.requestedModel ?? "(default)")",
                "model": "\(request.model)",
                "stream": "\(request.stream)",
                "betas": "\(upstream.headers.first { $0.name == "anthropic-beta" }?.value ?? "")",
                "changed": "\(request.changes.joined(separator: ","))",
                "bytes.in": "\(bytesIn)",
                "bytes.upstream": "\(request.body.count)",
            ]
        )
    }

    /// Whether events of `attempt` belong to the exchange in progress.
    func isCurrent(_ exchange: Exchange, attempt: Int) -> Bool {
        guard case .responding(let current) = state, current === exchange else { return false }
        return exchange.attempt == attempt
    }

    // MARK: - Events from the upstream, on the event loop
    //
    // Writes here are not flushed: the ``ProxyResponder`` flushes once after each batch of events.

    func upstreamHead(_ head: UpstreamResponseHead, for exchange: Exchange, attempt: Int) {
        guard isCurrent(exchange, attempt: attempt) else { return }
        if head.status == 401, attempt == 1, case .oauth(let token) = exchange.credential, token.refreshToken != nil {
            retryWithRefreshedCredential(exchange, refused: token.accessToken)
            return
        }
        if head.status == 529, exchange.overloadRetries < exchange.configuration.settings.api.overloadRetries {
            retryOverloaded(exchange, retryAfter: head.header("retry-after"))
            return
        }
        exchange.responseStarted = true
        exchange.upstreamStatus = head.status
        daemon.metrics.upstreamLatency(
            route: exchange.route.label,
            nanoseconds: WallClock.monotonicNanoseconds() - exchange.upstreamStartedAt
        )
        if exchange.openAIRequest != nil {
            openAIHead(head, for: exchange)
            return
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(head.headers.count + 1)
        for (name, value) in head.headers where !Self.hopByHopHeaders.contains(name) {
            headers.add(name: name, value: value)
            if name == "content-type", value.hasPrefix("text/event-stream") { exchange.isEventStream = true }
        }
        if head.status == 200 { exchange.usage = UsageScanner(eventStream: exchange.isEventStream) }
        if !exchange.head.isKeepAlive { headers.add(name: "connection", value: "close") }
        let responseHead = HTTPResponseHead(
            version: exchange.head.version,
            status: HTTPResponseStatus(statusCode: head.status),
            headers: headers
        )
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
    }

    /// Headers that describe one hop, not the response.
    static let hopByHopHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer",
        "set-cookie", "alt-svc",
    ]

    func upstreamBody(
        _ buffer: ByteBuffer,
        for exchange: Exchange,
        attempt: Int,
        flushed: @escaping @Sendable () -> Void
    ) {
        guard isCurrent(exchange, attempt: attempt), exchange.responseStarted else {
            flushed()
            return
        }
        if exchange.usage != nil { buffer.withUnsafeReadableBytes { exchange.usage?.consume($0) } }
        if exchange.openAIRequest != nil {
            openAIBody(buffer, for: exchange, flushed: flushed)
            return
        }
        exchange.bytesOut += buffer.readableBytes
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in flushed() }
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: promise)
    }

    func upstreamComplete(_ error: UpstreamError?, for exchange: Exchange, attempt: Int) {
        guard isCurrent(exchange, attempt: attempt) else { return }
        if let error, error.kind == .connect, !exchange.responseStarted, !exchange.retriedConnect {
            // Nothing reached the upstream: one retry is safe.
            exchange.retriedConnect = true
            restartTransfer(exchange, after: .milliseconds(Int64.random(in: 20...100)))
            return
        }
        state = .idle
        if exchange.openAIRequest != nil, error?.kind != .cancelled {
            openAIComplete(error, for: exchange)
            return
        }
        guard let error else {
            finish(exchange, failed: exchange.upstreamStatus >= 400, note: nil, answered: exchange.upstreamStatus)
            endResponse(keepAlive: exchange.head.isKeepAlive)
            return
        }
        if error.kind == .cancelled { return }
        // Before the response began, `respondError` counts the status the client gets.
        finish(exchange, failed: true, note: error.message, answered: exchange.responseStarted ? exchange.upstreamStatus : nil)
        let apiError = APIError(upstream: error)
        if !exchange.responseStarted {
            respondError(exchange.head, apiError)
        } else if exchange.isEventStream {
            // The stream has begun: tell the client in the stream, then end it.
            let event = context.channel.allocator.buffer(bytes: apiError.serverSentEvent)
            context.write(wrapOutboundOut(.body(.byteBuffer(event))), promise: nil)
            endResponse(keepAlive: exchange.head.isKeepAlive)
        } else {
            // A truncated JSON body cannot carry an error: close so the client sees it.
            context.close(promise: nil)
        }
    }

    /// Counts and logs the end of an exchange.
    /// - Parameter answered: the status the client got, counted in `maximize_requests_total`;
    ///   `nil` when the error response that follows counts it (or nothing was answered).
    func finish(_ exchange: Exchange, failed: Bool, note: String?, answered: Int?) {
        daemon.stats.finished(failed: failed)
        if let answered { daemon.metrics.request(route: exchange.route.label, status: answered) }
        if let usage = exchange.usage?.finish() { daemon.metrics.tokens(usage) }
        let logger = exchange.configuration.logger
        guard logger.logLevel <= .debug || (failed && note != nil) else { return }
        let elapsed = Double(WallClock.monotonicNanoseconds() - exchange.startedAt) / 1e6
        var metadata: Logger.Metadata = [
            "route": "\(exchange.route.label)",
            "status": "\(exchange.upstreamStatus)",
            "bytes.out": "\(exchange.bytesOut)",
            "ms": "\(Double(Int(elapsed * 1000)) / 1000)",
        ]
        if let model = exchange.model { metadata["model"] = "\(model)" }
        if let note { metadata["error"] = "\(ExternalText.clean(note))" }
        if failed, note != nil {
            logger.warning("request failed", metadata: metadata)
        } else {
            logger.debug("request done", metadata: metadata)
        }
    }
}
