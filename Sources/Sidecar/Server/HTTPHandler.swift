import Logging
import MaximizeCore
import NIOCore
import NIOHTTP1

/// Serves one client connection: reads requests, answers local routes, and proxies Messages
/// requests through the upstream client. Runs on the connection's event loop.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        case idle
        /// Reading a request body for `route`.
        case collecting(HTTPRequestHead, Route, ByteBuffer)
        /// The request was answered early (too large); the rest of it is ignored.
        case discarding
        /// The request is being served asynchronously (proxy, model list).
        case responding(Exchange)
        case closed
    }

    /// One proxied exchange in progress.
    final class Exchange {
        let head: HTTPRequestHead
        let route: Route
        let configuration: RuntimeConfiguration
        let startedAt = WallClock.monotonicNanoseconds()
        var transfer: UpstreamTransfer?
        var responseStarted = false
        var isEventStream = false
        var upstreamStatus = 0
        var bytesOut = 0
        var upstreamStartedAt: UInt64 = 0
        var usage: UsageScanner?
        var requestedModel: String?
        var model: String?
        /// The upstream request of the current attempt, and the credential it carries.
        var upstream: UpstreamRequest?
        var credential: Credential?
        /// 1 for the first try, 2 for the one retry after a refused access token.
        var attempt = 1
        /// For `/v1/chat/completions`: the translated request, and the response's translation state.
        var openAIRequest: ChatCompletionRequest.Translated?
        var openAIStream: (translator: ChatCompletionStream, parser: SSEParser)?
        var openAIBuffer: [UInt8] = []
        /// The buffered answer outgrew ``HTTPHandler/openAIBufferLimit`` and was dropped.
        var openAIOverflow = false
        /// Whether the one retry after a failed upstream connection was used.
        var retriedConnect = false
        /// `529 overloaded` answers retried so far (see `api.overload_retries`).
        var overloadRetries = 0
        var upstreamHeaders: [(name: String, value: String)] = []

        init(head: HTTPRequestHead, route: Route, configuration: RuntimeConfiguration) {
            self.head = head
            self.route = route
            self.configuration = configuration
        }
    }

    let daemon: DaemonContext
    var state = State.idle
    var context: ChannelHandlerContext!

    init(daemon: DaemonContext) {
        self.daemon = daemon
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Drops the context when the channel goes away: the context holds this handler, so keeping
    /// it would leak both (and the connection's buffers) for every connection ever made.
    func handlerRemoved(context: ChannelHandlerContext) {
        state = .closed
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            receiveHead(head)
        case .body(var chunk):
            guard case .collecting(let head, let route, var body) = state else { return }
            let limit = daemon.current.settings.server.maxBodyBytes
            if body.readableBytes + chunk.readableBytes > limit {
                state = .discarding
                rejectTooLarge(head, limit: limit)
                return
            }
            state = .idle  // drop the reference so the write below does not copy
            body.writeBuffer(&chunk)
            state = .collecting(head, route, body)
        case .end:
            switch state {
            case .collecting(let head, let route, let body):
                state = .idle
                dispatch(head, route: route, body: body)
            case .discarding:
                state = .idle
            default:
                break
            }
        }
    }

    func receiveHead(_ head: HTTPRequestHead) {
        let route = Route(method: head.method.rawValue, uri: head.uri)
        let settings = daemon.current.settings
        if head.uri.hasPrefix("/v1/"), let key = settings.server.apiKey, !Self.authorized(head, key: key) {
            state = .discarding
            respondError(
                head,
                APIError(
                    .authentication,
                    "invalid or missing API key for this maximize (server.api_key); send it as x-api-key or Authorization: Bearer"
                ),
                close: route.takesBody
            )
            return
        }
        guard route.takesBody else {
            state = .collecting(head, route, context.channel.allocator.buffer(capacity: 0))
            return
        }
        let limit = settings.server.maxBodyBytes
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limit {
            state = .discarding
            rejectTooLarge(head, limit: limit)
            return
        }
        if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        }
        let expected = head.headers.first(name: "content-length").flatMap(Int.init) ?? 16 * 1024
        state = .collecting(head, route, context.channel.allocator.buffer(capacity: min(expected, limit)))
    }

    static func authorized(_ head: HTTPRequestHead, key: Secret) -> Bool {
        if let given = head.headers.first(name: "x-api-key") {
            return key.constantTimeEquals(given)
        }
        if let authorization = head.headers.first(name: "authorization") {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return key.constantTimeEquals(String(parts[1]))
            }
        }
        return false
    }

    func rejectTooLarge(_ head: HTTPRequestHead, limit: Int) {
        respondError(
            head,
            APIError(.requestTooLarge, "the request body is larger than server.max_body_bytes (\(limit) bytes)"),
            close: true
        )
    }

    func dispatch(_ head: HTTPRequestHead, route: Route, body: ByteBuffer) {
        switch route {
        case .healthz:
            respondJSON(head, status: .ok, ["status": "ok"])
        case .readyz:
            // From memory only: no file is touched on an event loop (the watcher and the refresh
            // loop keep the credentials current).
            if let reason = daemon.credentials.unreadyReason(now: WallClock.now()) {
                respondJSON(head, status: .serviceUnavailable, ["status": "unavailable", "reason": .string(reason)])
            } else {
                respondJSON(head, status: .ok, ["status": "ready"])
            }
        case .authStatus:
            respondJSON(head, status: .ok, AuthStatus.json(daemon: daemon))
        case .metrics:
            respond(
                head,
                status: .ok,
                contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: daemon.metrics.render(daemon: daemon),
                close: false
            )
        case .models:
            serveModels(head)
        case .messages(let endpoint):
            proxy(head, endpoint: endpoint, body: body)
        case .chatCompletions:
            proxyChatCompletion(head, body: body)
        case .wrongMethod(let allowed):
            respondError(
                head,
                APIError(.notFound, "\(head.method.rawValue) \(route.label) is not a route; use \(allowed)")
            )
        case .notFound:
            respondError(head, APIError(.notFound, "no route for \(head.method.rawValue) \(Self.safePath(head.uri))"))
        }
    }

    /// The request path for messages, without the query and cut to a sane length.
    static func safePath(_ uri: String) -> String {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        return path.count > 200 ? String(path.prefix(200)) + "..." : path
    }

    /// Ends an exchange that got no upstream response with the client's error.
    func fail(_ exchange: Exchange, _ error: APIError) {
        guard case .responding(let current) = state, current === exchange else { return }
        state = .idle
        finish(exchange, failed: true, note: nil, answered: nil)
        respondError(exchange.head, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .responding(let exchange) = state {
            exchange.transfer?.cancel()
            // The client's choice, not a failure of the proxy: counted, logged at debug level.
            finish(exchange, failed: false, note: nil, answered: exchange.responseStarted ? exchange.upstreamStatus : nil)
            exchange.configuration.logger.debug("client disconnected; upstream transfer cancelled")
        }
        state = .closed
        context.fireChannelInactive()
    }

    /// A client that sends nothing for `server.read_timeout_seconds` (half a request, or an idle
    /// kept-alive connection) is disconnected; one waiting for its answer is not.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch state {
        case .responding, .closed:
            return
        case .collecting(let head, _, _):
            state = .discarding
            respondError(
                head,
                APIError(.invalidRequest, "the request was not received within server.read_timeout_seconds"),
                close: true
            )
        case .idle, .discarding:
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        daemon.current.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: - Writing responses

    func respondJSON(_ head: HTTPRequestHead, status: HTTPResponseStatus, _ value: JSONValue) {
        respond(head, status: status, contentType: "application/json", body: value.serialized(), close: false)
    }

    /// Answers with an error the proxy made: Anthropic's shape, or OpenAI's on `/v1/chat/completions`.
    func respondError(_ head: HTTPRequestHead, _ error: APIError, close: Bool = false) {
        let route = Route(method: head.method.rawValue, uri: head.uri)
        daemon.metrics.request(route: route.label, status: error.status)
        daemon.current.logger.debug(
            "request rejected",
            metadata: ["route": "\(Self.safePath(head.uri))", "status": "\(error.status)", "error": "\(error.kind.rawValue)"]
        )
        respond(
            head,
            status: HTTPResponseStatus(statusCode: error.status),
            contentType: "application/json",
            body: route == .chatCompletions ? OpenAIError(error).body : error.body,
            close: close
        )
    }

    func respond(
        _ head: HTTPRequestHead,
        status: HTTPResponseStatus,
        contentType: String,
        body: [UInt8],
        close: Bool,
        extraHeaders: [(String, String)] = []
    ) {
        guard let context, context.channel.isActive else { return }
        let keepAlive = head.isKeepAlive && !close
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + extraHeaders.count)
        headers.add(name: "content-type", value: contentType)
        headers.add(name: "content-length", value: String(body.count))
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        endResponse(keepAlive: keepAlive)
    }

    /// Sends what was written of a response so far.
    func flushResponse() {
        context?.flush()
    }

    /// Writes the end of the response; closes the connection after it unless it is kept alive.
    func endResponse(keepAlive: Bool) {
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
    }
}
