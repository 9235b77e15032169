import MaximizeCore

/// The life of one request on a connection, as a pure state machine: the handler feeds it what
/// happened (a request head, body bytes, a credential, the upstream's head, body and end, the
/// client going away) and performs the ``Action`` it returns. No I/O, no NIO: every state and
/// every fault in it can be tested in-process.
///
/// The order is fixed: head (route, API key, declared size) → body (size limit) → validation
/// (JSON, shaping) → credential → upstream. A request that cannot be served is answered before
/// anything later is asked for: a malformed body never causes a credential refresh.
struct ExchangeStateMachine: Sendable {
    /// What the machine needs to know of a request head, read with one configuration snapshot.
    struct RequestHead: Sendable, Equatable {
        var route: Route
        /// The client presented `server.api_key` (or none is required).
        var authorized: Bool
        /// `content-length`, when the client sent one.
        var declaredLength: Int?
        /// `transfer-encoding: chunked`: a body of unknown length follows.
        var chunked = false
        var expectsContinue: Bool
        /// `server.max_body_bytes`.
        var maxBodyBytes: Int
        /// `api.overload_retries`: how many `529 overloaded` answers are retried.
        var overloadRetries: Int
        /// Why the request breaks HTTP's rules (`CONNECT`, no or two `Host` on HTTP/1.1): answered
        /// at once and the connection closed.
        var refusal: APIError? = nil

        /// The request has a body: a positive `content-length`, or chunked.
        var carriesBody: Bool { chunked || (declaredLength ?? 0) > 0 }
    }

    /// Where an exchange with the upstream stands, across its attempts.
    struct Progress: Sendable, Equatable {
        var route: Route
        /// The transfer in flight; events of other attempts are stale and ignored.
        var attempt = 0
        var overloadRetries = 0
        var overloadRetryLimit: Int
        var retriedConnect = false
        /// A `401` may be answered by one forced refresh and retry (an OAuth token that can be refreshed).
        var canRefresh = false
        /// The next credential must replace one the upstream refused.
        var replacingRefused = false
    }

    enum State: Sendable, Equatable {
        case idle
        /// Reading the body of a request.
        case receiving(route: Route, received: Int, limit: Int, overloadRetries: Int)
        /// Answered early (too large, unauthorized, too slow): the rest of the request is ignored.
        case discarding
        /// The body is complete and being validated.
        case validating(route: Route, overloadRetries: Int)
        case awaitingCredential(Progress)
        case awaitingUpstreamHead(Progress)
        /// Between a failed attempt and the retry.
        case waitingToRetry(Progress)
        /// The response head went to the client; its body is being forwarded.
        case streaming(Progress)
        case closed
    }

    /// Why an attempt is tried again after a delay.
    enum RetryReason: Sendable, Equatable {
        /// `529 overloaded`, the `retry`-th retry; `retryAfter` as the upstream sent it.
        case overloaded(retry: Int, retryAfter: String?)
        /// Nothing reached the upstream: one retry is safe.
        case connectFailed
    }

    /// An upstream failure, compared by kind and message.
    struct UpstreamFault: Sendable, Equatable {
        var error: UpstreamError

        static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.error.kind == rhs.error.kind && lhs.error.message == rhs.error.message
        }
    }

    enum Action: Sendable, Equatable {
        case none
        /// Keep the body's bytes; answer `100 Continue` first when asked to.
        case collectBody(capacity: Int, sendContinue: Bool)
        case appendBody
        /// Answer with an error the proxy made; close the connection after it when `close`.
        case reply(ExchangeError, close: Bool)
        /// Answer a local route (health, status, metrics, unknown paths) from memory.
        case serveLocal(Route)
        /// Answer an unknown path or a wrong method that came with a body, unread, and close.
        case serveLocalAndClose(Route)
        /// Validate the complete body; report with ``bodyValidated(canRefresh:)`` or ``bodyRejected(_:)``.
        case validateBody(Route)
        /// Ask for a credential; when `replacingRefused`, one other than the one the upstream refused.
        case fetchCredential(replacingRefused: Bool)
        case startUpstream(attempt: Int)
        /// Cancel the transfer and fetch a credential to replace the refused one.
        case refreshAndRetry
        /// Cancel the transfer (if any) and call ``retryTimerFired(attempt:)`` after a delay.
        case retryLater(attempt: Int, RetryReason)
        case writeHead
        case writeBody
        /// A stale or early chunk: not written, only acknowledged.
        case dropBody
        /// End the response: the upstream finished.
        case finishResponse
        /// The upstream failed after the response began.
        case failResponse(UpstreamFault)
        /// The upstream failed before any response: answer with the error.
        case failBeforeResponse(UpstreamFault)
        /// The client went away during an exchange.
        case abandon(cancelUpstream: Bool, responseStarted: Bool)
        case resumeUpstream
        case close
    }

    /// Set only by the event methods (here and in `+Upstream`).
    var state = State.idle

    init() {}

    init(state: State) {
        self.state = state
    }

    /// Local routes are answered from memory; the others go upstream.
    static func goesUpstream(_ route: Route) -> Bool {
        switch route {
        case .models, .model, .messages, .chatCompletions, .responses: true
        default: false
        }
    }

    // MARK: - The request

    mutating func receivedHead(_ head: RequestHead) -> Action {
        guard case .idle = state else {
            // A new request while one is in progress: the pipelining handler prevents it.
            if case .closed = state { return .none }
            state = .closed
            return .close
        }
        if let refusal = head.refusal {
            state = .discarding
            return .reply(.api(refusal), close: true)
        }
        if !head.authorized {
            state = .discarding
            return .reply(
                .api(
                    APIError(
                        .authentication,
                        "invalid or missing API key for this maximize (server.api_key); send it as x-api-key or Authorization: Bearer"
                    )
                ),
                close: head.route.takesBody || head.carriesBody
            )
        }
        if !head.route.takesBody, head.carriesBody {
            // Refused at the head: a body nobody reads is never buffered.
            state = .discarding
            switch head.route {
            case .notFound, .wrongMethod:
                return .serveLocalAndClose(head.route)
            default:
                return Self.tooLargeForNoBody(head.route)
            }
        }
        if head.route.takesBody, let length = head.declaredLength, length > head.maxBodyBytes {
            state = .discarding
            return Self.tooLarge(head.maxBodyBytes)
        }
        state = .receiving(route: head.route, received: 0, limit: head.maxBodyBytes, overloadRetries: head.overloadRetries)
        guard head.route.takesBody else { return .collectBody(capacity: 0, sendContinue: false) }
        let capacity = min(head.declaredLength ?? 16 * 1024, head.maxBodyBytes)
        return .collectBody(capacity: capacity, sendContinue: head.expectsContinue)
    }

    static func tooLarge(_ limit: Int) -> Action {
        .reply(.api(APIError(.requestTooLarge, "the request body is larger than server.max_body_bytes (\(limit) bytes)")), close: true)
    }

    /// The answer to a body on a known route that takes none.
    static func tooLargeForNoBody(_ route: Route) -> Action {
        .reply(.api(APIError(.requestTooLarge, "\(route.label) takes no request body; send the request without one")), close: true)
    }

    mutating func receivedBody(count: Int) -> Action {
        guard case .receiving(let route, let received, let limit, let retries) = state, route.takesBody else { return .none }
        if received + count > limit {
            state = .discarding
            return Self.tooLarge(limit)
        }
        state = .receiving(route: route, received: received + count, limit: limit, overloadRetries: retries)
        return .appendBody
    }

    mutating func receivedEnd() -> Action {
        switch state {
        case .receiving(let route, _, _, let retries):
            guard Self.goesUpstream(route) else {
                state = .idle
                return .serveLocal(route)
            }
            state = .validating(route: route, overloadRetries: retries)
            return .validateBody(route)
        case .discarding:
            state = .idle
            return .none
        default:
            return .none
        }
    }

    mutating func bodyValidated() -> Action {
        guard case .validating(let route, let retries) = state else { return .none }
        state = .awaitingCredential(Progress(route: route, overloadRetryLimit: route.readsModels ? 0 : retries))
        return .fetchCredential(replacingRefused: false)
    }

    mutating func bodyRejected(_ error: ExchangeError) -> Action {
        guard case .validating = state else { return .none }
        state = .idle
        return .reply(error, close: false)
    }

    /// The request would take the daemon past `server.max_buffered_bytes`: refused at once with
    /// `529 overloaded_error` and `retry-after`, the rest of it unread, the connection closed.
    mutating func overBudget() -> Action {
        switch state {
        case .receiving:
            state = .discarding
            var error = APIError(
                .overloaded,
                "maximize holds as many request bytes as server.max_buffered_bytes allows; retry shortly"
            )
            error.retryAfter = 1
            return .reply(.api(error), close: true)
        default:
            return .none
        }
    }

    /// The client sent nothing for `server.read_timeout_seconds`.
    mutating func readTimedOut() -> Action {
        switch state {
        case .receiving:
            state = .discarding
            return .reply(
                .api(APIError(.invalidRequest, "the request was not received within server.read_timeout_seconds")),
                close: true
            )
        case .idle, .discarding:
            state = .closed
            return .close
        default:
            // Waiting for its answer is not idleness.
            return .none
        }
    }
}
