import Logging
import MaximizeCore
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// Starts attempt `attempt` of the exchange's upstream request with its credential.
    func startUpstream(attempt: Int) {
        guard let exchange, let context, let credential = exchange.credential else { return }
        let settings = exchange.configuration.settings
        let request: UpstreamRequest
        let clientHeaders = exchange.head.headers.map { (name: $0.name, value: $0.value) }
        if let validated = exchange.request {
            request = UpstreamRequest(
                method: "POST",
                url: settings.api.baseURL + validated.endpoint.path
                    + (exchange.route.speaksOpenAI ? "" : Route.query(of: exchange.head.uri)),
                headers: longContextHeaders(
                    UpstreamHeaders.build(
                        client: clientHeaders,
                        credential: credential,
                        settings: settings,
                        forwarding: exchange.route.speaksOpenAI ? .anthropicOnly : .endToEnd
                    )
                ),
                body: validated.shaped.body,
                timeout: settings.api.requestTimeout,
                caFile: settings.api.caFile,
                httpVersion: settings.api.httpVersion
            )
            if attempt == 1 { logProxying(exchange, request: validated, upstream: request) }
        } else {
            let query = exchange.modelQuery ?? .list(query: "")
            request = query.upstreamRequest(settings: settings, credential: credential, client: clientHeaders)
        }
        exchange.upstream = request
        let responder = ProxyResponder(handler: NIOLoopBound(self, eventLoop: context.eventLoop), attempt: attempt)
        exchange.upstreamStartedAt = WallClock.monotonicNanoseconds()
        exchange.limitSerial = daemon.limits.currentSerial
        exchange.transfer = upstream.start(request, delegate: responder)
    }

    /// Cancels the attempt and tries again after a delay: a `529 overloaded` waits `retry-after`
    /// when the upstream gave one (up to a minute), else the configured backoff, doubled per
    /// retry, with jitter; a failed connection waits a moment.
    func retryLater(attempt: Int, _ reason: ExchangeStateMachine.RetryReason) {
        guard let exchange, let context else { return }
        exchange.transfer?.cancel()
        exchange.transfer = nil
        let delay: Double
        switch reason {
        case .overloaded(let retry, let retryAfter):
            let api = exchange.configuration.settings.api
            var seconds = api.overloadBackoffSeconds * Double(1 << (retry - 1)) * Double.random(in: 0.5...1.0)
            if let retryAfter, let given = RetryAfter.seconds(retryAfter, now: WallClock.now()) { seconds = min(given, 60) }
            delay = seconds
            daemon.metrics.overloadRetry()
            exchange.access.retries.append(.overloaded)
            exchange.configuration.logger.info(
                "the upstream is overloaded (529); retrying",
                metadata: ["retry": "\(retry)/\(api.overloadRetries)", "after.ms": "\(Int(seconds * 1000))"]
            )
        case .connectFailed:
            delay = Double.random(in: 0.02...0.1)
            exchange.access.retries.append(.connect)
        }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay * 1e9))) {
            let handler = handler.value
            handler.perform(handler.machine.retryTimerFired(attempt: attempt))
        }
    }

    // MARK: - Events from the upstream, on the event loop
    //
    // Writes here are not flushed: the ``ProxyResponder`` flushes once after each batch of events.

    /// The upstream's response head; `mayHold`: it may be held back (``holdsBack(_:attempt:)``).
    func upstreamHead(_ head: UpstreamResponseHead, attempt: Int, mayHold: Bool = true) {
        if mayHold, holdsBack(head, attempt: attempt) { return }
        if let exchange, machine.awaitsHead(attempt: attempt) {
            daemon.limits.observe(
                head,
                messages: exchange.route.sendsMessages,
                sentSerial: exchange.limitSerial,
                limits: exchange.configuration.settings.limits,
                logger: exchange.configuration.logger,
                now: WallClock.now()
            )
            exchange.access.requestID = head.header("request-id")
        }
        let action = machine.upstreamHead(attempt: attempt, status: head.status, retryAfter: head.header("retry-after"))
        guard case .writeHead = action else {
            perform(action)
            return
        }
        guard let exchange, let context else { return }
        exchange.upstreamStatus = head.status
        if !exchange.route.readsModels {
            daemon.metrics.upstreamLatency(
                route: exchange.route.label,
                nanoseconds: WallClock.monotonicNanoseconds() - exchange.upstreamStartedAt
            )
        }
        if let responseHead = exchange.transformer.head(head, request: exchange.head) {
            exchange.access.headAt = WallClock.monotonicNanoseconds()
            exchange.access.declaredLength = responseHead.headers.first(name: "content-length").flatMap { Int($0) }
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        }
    }

    /// One chunk of the upstream's body; `flushed` is called once it reached the client's socket
    /// (or was dropped), for back-pressure.
    func upstreamBody(_ buffer: ByteBuffer, attempt: Int, flushed: @escaping @Sendable () -> Void) {
        if hold(buffer, attempt: attempt) {
            flushed()
            return
        }
        guard case .writeBody = machine.upstreamBody(attempt: attempt), let exchange, let context,
            let output = exchange.transformer.body(buffer, allocator: context.channel.allocator)
        else {
            flushed()
            return
        }
        exchange.bytesOut += output.readableBytes
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in flushed() }
        context.write(wrapOutboundOut(.body(.byteBuffer(output))), promise: promise)
    }

    func upstreamComplete(_ error: UpstreamError?, attempt: Int) {
        if retriesWithoutLongContextBeta(error, attempt: attempt) { return }
        perform(machine.upstreamEnd(attempt: attempt, error: error))
    }

    /// A paused transfer may go on: the client drained what was written.
    func upstreamResumeRequested(attempt: Int) {
        perform(machine.resumeRequested(attempt: attempt))
    }

    /// Ends the exchange the way its transformer says, after the upstream ended or failed.
    func endExchange(
        note: String? = nil,
        _ ending: (inout any ResponseTransformer, ByteBufferAllocator) -> ResponseEnding
    ) {
        guard let exchange, let context else { return }
        self.exchange = nil
        exchange.transfer = nil
        switch ending(&exchange.transformer, context.channel.allocator) {
        case .end(let trailer):
            complete(exchange, failed: note != nil || exchange.upstreamStatus >= 400, note: note, answered: exchange.upstreamStatus)
            if let trailer, trailer.readableBytes > 0 {
                exchange.bytesOut += trailer.readableBytes
                context.write(wrapOutboundOut(.body(.byteBuffer(trailer))), promise: nil)
            }
            // Before the end goes out: a client that sends its next request at once sees its lines in order.
            logAccess(exchange, status: exchange.upstreamStatus)
            endResponse(keepAlive: exchange.head.isKeepAlive)
        case .respond(let response):
            exchange.bytesOut += response.body.count
            complete(exchange, failed: note != nil || response.status >= 400, note: note, answered: response.status)
            logAccess(exchange, status: response.status)
            respond(exchange.head, response)
        case .close:
            complete(exchange, failed: true, note: note, answered: exchange.upstreamStatus)
            logAccess(exchange, status: exchange.upstreamStatus)
            context.close(promise: nil)
        }
    }
}
