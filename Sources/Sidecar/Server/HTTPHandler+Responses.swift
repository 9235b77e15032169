import Logging
import MaximizeCore
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    func respondJSON(_ head: HTTPRequestHead, status: HTTPResponseStatus, _ value: JSONValue) {
        respond(head, WholeResponse(status: Int(status.code), contentType: "application/json", body: value.serialized()))
    }

    /// Answers with an error the proxy made: Anthropic's shape, or OpenAI's on the OpenAI routes.
    /// `exchange`: the exchange this answer ends, whose access line is written before the answer
    /// (a client that sends its next request at once sees its lines in order).
    func respondError(
        _ head: HTTPRequestHead,
        route: Route,
        _ error: ExchangeError,
        configuration: RuntimeConfiguration,
        close: Bool = false,
        headers: [(String, String)] = [],
        ending exchange: ExchangeContext? = nil
    ) {
        daemon.metrics.request(route: route.label, status: error.status)
        configuration.logger.debug(
            "request rejected",
            metadata: ["route": "\(Self.safePath(head.uri))", "status": "\(error.status)", "error": "\(error.label)"]
        )
        let body = error.body(for: route)
        if let exchange {
            exchange.bytesOut += body.count
            exchange.access.fail(error.label, reason: error.message)
            logAccess(exchange, status: error.status)
        }
        respond(
            head,
            WholeResponse(status: error.status, contentType: "application/json", body: body, headers: headers),
            close: close
        )
    }

    /// Writes a whole response; closes the connection after it when `close` or the client does
    /// not keep it alive.
    func respond(_ head: HTTPRequestHead, _ response: WholeResponse, close: Bool = false) {
        guard let context, context.channel.isActive else { return }
        let keepAlive = head.isKeepAlive && !close
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + response.headers.count)
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(response.body.count))
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let status = HTTPResponseStatus(relaying: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        endResponse(keepAlive: keepAlive)
    }

    /// Sends what was written of a response so far.
    func flushResponse() {
        context?.flush()
    }

    /// Writes the end of the response; closes the connection after it unless it is kept alive.
    func endResponse(keepAlive: Bool) {
        guard let context else { return }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
    }

    /// Counts and logs the end of an exchange.
    /// - Parameter answered: the status the client got, counted in `maximize_requests_total`;
    ///   `nil` when the error response that follows counts it (or nothing was answered).
    func complete(_ exchange: ExchangeContext, failed: Bool, note: String?, answered: Int?) {
        if exchange.counted { daemon.stats.finished(failed: failed) }
        exchange.counted = false
        if let answered { daemon.metrics.request(route: exchange.route.label, status: answered) }
        if let usage = exchange.transformer.takeUsage() {
            daemon.metrics.tokens(usage)
            exchange.access.usage = usage
        }
        let logger = exchange.configuration.logger
        guard logger.logLevel <= .debug || (failed && note != nil) else { return }
        let elapsed = Double(WallClock.monotonicNanoseconds() - exchange.startedAt) / 1e6
        var metadata: Logger.Metadata = [
            "route": "\(exchange.route.label)",
            "status": "\(exchange.upstreamStatus)",
            "bytes.out": "\(exchange.bytesOut)",
            "ms": "\(Double(Int(elapsed * 1000)) / 1000)",
        ]
        if let model = exchange.request?.shaped.model { metadata["model"] = "\(model)" }
        if let note { metadata["error"] = "\(ExternalText.clean(note))" }
        if failed, note != nil {
            logger.warning("request failed", metadata: metadata)
        } else {
            logger.debug("request done", metadata: metadata)
        }
    }

    func logProxying(_ exchange: ExchangeContext, request: ValidatedRequest, upstream: UpstreamRequest) {
        let logger = exchange.configuration.logger
        guard logger.logLevel <= .debug else { return }
        let shaped = request.shaped
        logger.debug(
            "proxying",
            metadata: [
                "route": "\(exchange.route.label)",
                "model.requested": "\(shaped.requestedModel ?? "(default)")",
                "model": "\(shaped.model)",
                "stream": "\(shaped.stream)",
                "betas": "\(upstream.headers.first { $0.name == "anthropic-beta" }?.value ?? "")",
                "changed": "\(shaped.changes.joined(separator: ","))",
                "bytes.in": "\(exchange.bytesIn)",
                "bytes.upstream": "\(shaped.body.count)",
            ]
        )
    }
}
