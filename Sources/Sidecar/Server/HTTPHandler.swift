import Logging
import MaximizeCore
import MaximizeCurl
import NIOCore
import NIOHTTP1

/// Serves one client connection: translates channel events into events of the request's
/// ``ExchangeStateMachine`` and performs the actions it returns (local answers, credential,
/// upstream transfer, writes). Runs on the connection's event loop.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let daemon: DaemonContext
    let upstream: any UpstreamTransport
    let credentials: any CredentialProvider
    var machine = ExchangeStateMachine()
    /// The request in progress, from its head to the end of its answer.
    var exchange: ExchangeContext?
    var context: ChannelHandlerContext!

    init(daemon: DaemonContext, upstream: (any UpstreamTransport)? = nil, credentials: (any CredentialProvider)? = nil) {
        self.daemon = daemon
        self.upstream = upstream ?? CurlTransport(client: daemon.client)
        self.credentials = credentials ?? StoreCredentialProvider(store: daemon.credentials, refresher: daemon.refresher)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// Drops the context when the channel goes away: the context holds this handler, so keeping
    /// it would leak both (and the connection's buffers) for every connection ever made.
    func handlerRemoved(context: ChannelHandlerContext) {
        clientGone()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            receiveHead(head)
        case .body(var chunk):
            let action = machine.receivedBody(count: chunk.readableBytes)
            guard case .appendBody = action, let exchange else {
                perform(action)
                return
            }
            // Reserved before it is kept: past the budget the request is refused instead.
            let estimate = Self.heldPerBodyByte * (exchange.body.readableBytes + chunk.readableBytes)
            guard exchange.reservation.grow(to: estimate, limit: exchange.budgetLimit) else {
                refuseOverBudget()
                return
            }
            exchange.body.writeBuffer(&chunk)
        case .end:
            perform(machine.receivedEnd())
        }
    }

    func receiveHead(_ head: HTTPRequestHead) {
        // The one configuration snapshot of this request.
        let configuration = daemon.current
        let settings = configuration.settings
        let route = Route(method: head.method.rawValue, uri: head.uri)
        var authorized = true
        if head.uri.hasPrefix("/v1/"), let key = settings.server.apiKey { authorized = Self.authorized(head, key: key) }
        let action = machine.receivedHead(
            ExchangeStateMachine.RequestHead(
                route: route,
                authorized: authorized,
                declaredLength: head.headers.first(name: "content-length").flatMap(Self.declaredLength),
                chunked: head.headers.contains(name: "transfer-encoding"),
                expectsContinue: head.headers.first(name: "expect")?.lowercased() == "100-continue",
                maxBodyBytes: settings.server.maxBodyBytes,
                overloadRetries: settings.api.overloadRetries,
                refusal: Self.refusal(head)
            )
        )
        switch action {
        case .none, .close:
            perform(action)
        default:
            let exchange = ExchangeContext(
                head: head,
                route: route,
                configuration: configuration,
                body: context.channel.allocator.buffer(capacity: 0),
                reservation: daemon.budget.makeReservation()
            )
            self.exchange = exchange
            // The body's declared length is reserved before `100 Continue` or any byte of it.
            if case .collectBody(let capacity, _) = action,
                !exchange.reservation.grow(to: Self.heldPerBodyByte * capacity, limit: settings.server.maxBufferedBytes)
            {
                refuseOverBudget()
                return
            }
            perform(action)
        }
    }

    /// A `content-length` as a number; one too large for `Int` (up to 2^64 − 1 passes the parser)
    /// is `Int.max`, so that it meets the early 413 like any other oversized length.
    static func declaredLength(_ value: String) -> Int? {
        if let length = Int(value) { return length }
        return !value.isEmpty && value.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } ? Int.max : nil
    }

    /// What makes a request head unservable whatever its path (RFC 9112 §3.2, RFC 9110 §9.3.6).
    static func refusal(_ head: HTTPRequestHead) -> APIError? {
        if head.method == .CONNECT {
            // Nothing here is a tunnel; the parser does not read past a CONNECT head either.
            return APIError(.invalidRequest, status: 405, "CONNECT is not supported: maximize is not a forward proxy")
        }
        if head.version == .http1_1 {
            let hosts = head.headers[canonicalForm: "host"].count
            if hosts == 0 { return APIError(.invalidRequest, status: 400, "an HTTP/1.1 request needs a Host header") }
            if hosts > 1 { return APIError(.invalidRequest, status: 400, "a request must carry one Host header, not \(hosts)") }
        }
        return nil
    }

    /// The bytes a request holds per byte of its body, once validated: the body, the shaped copy
    /// sent upstream, and libcurl's copy of that.
    static let heldPerBodyByte = 3

    /// Refuses the request in progress: the daemon holds `server.max_buffered_bytes` already.
    func refuseOverBudget() {
        daemon.metrics.budgetRefusal()
        perform(machine.overBudget())
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

    /// The request path for messages, without the query and cut to a sane length.
    static func safePath(_ uri: String) -> String {
        let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        return path.count > 200 ? String(path.prefix(200)) + "..." : path
    }

    func channelInactive(context: ChannelHandlerContext) {
        clientGone()
        context.fireChannelInactive()
    }

    /// The client went away: whatever was in flight is abandoned; a request it was still sending
    /// gets its access line here.
    func clientGone() {
        perform(machine.clientGone())
        if let exchange {
            self.exchange = nil
            exchange.access.clientGone = true
            logAccess(exchange, status: Self.clientClosedStatus)
        }
    }

    /// The access line's status for a client that went away before any answer (nginx's 499).
    static let clientClosedStatus = 499

    /// A client that sends nothing for `server.read_timeout_seconds` (half a request, or an idle
    /// kept-alive connection) is disconnected; one waiting for its answer is not.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        perform(machine.readTimedOut())
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        (exchange?.configuration ?? daemon.current).logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
