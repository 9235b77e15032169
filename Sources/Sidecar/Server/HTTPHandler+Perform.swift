import Logging
import MaximizeCore
import NIOCore
import NIOHTTP1

extension HTTPHandler {
    /// Performs what the state machine decided.
    func perform(_ action: ExchangeStateMachine.Action) {
        switch action {
        case .none, .appendBody, .writeHead, .writeBody, .dropBody:
            // The data-carrying actions are performed where their data is (the upstream events).
            break
        case .collectBody(let capacity, let sendContinue):
            guard let exchange, let context else { return }
            if sendContinue {
                let head = HTTPResponseHead(version: exchange.head.version, status: .continue)
                context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
            }
            if capacity > 0 { exchange.body = context.channel.allocator.buffer(capacity: capacity) }
        case .reply(let error, let close):
            guard let exchange else { return }
            self.exchange = nil
            if exchange.counted { complete(exchange, failed: true, note: nil, answered: nil) }
            var headers: [(String, String)] = []
            if case .api(let api) = error, let seconds = api.retryAfter { headers.append(("retry-after", String(seconds))) }
            respondError(
                exchange.head,
                route: exchange.route,
                error,
                configuration: exchange.configuration,
                close: close,
                headers: headers,
                ending: exchange
            )
        case .serveLocal(let route):
            guard let exchange else { return }
            self.exchange = nil
            serveLocal(exchange.head, route: route, configuration: exchange.configuration)
        case .serveLocalAndClose(let route):
            guard let exchange else { return }
            self.exchange = nil
            serveLocal(exchange.head, route: route, configuration: exchange.configuration, close: true)
        case .validateBody(let route):
            validate(route)
        case .fetchCredential(let replacingRefused):
            if !replacingRefused, refuseDuringCooldown() { return }
            fetchCredential(refused: replacingRefused ? exchange?.accessToken : nil)
        case .startUpstream(let attempt):
            startUpstream(attempt: attempt)
        case .refreshAndRetry:
            guard let exchange else { return }
            exchange.transfer?.cancel()
            exchange.transfer = nil
            exchange.access.retries.append(.refresh)
            exchange.configuration.logger.info("the upstream refused the access token; refreshing and retrying once")
            fetchCredential(refused: exchange.accessToken)
        case .retryLater(let attempt, let reason):
            retryLater(attempt: attempt, reason)
        case .finishResponse:
            endExchange { transformer, allocator in transformer.end(allocator: allocator) }
        case .failResponse(let fault):
            let error = APIError(upstream: fault.error)
            exchange?.access.fail(error.kind.rawValue, reason: error.message)
            endExchange(note: fault.error.message) { transformer, allocator in
                transformer.fail(fault.error, allocator: allocator)
            }
        case .failBeforeResponse(let fault):
            guard let exchange else { return }
            self.exchange = nil
            complete(exchange, failed: true, note: fault.error.message, answered: nil)
            respondError(
                exchange.head,
                route: exchange.route,
                .api(APIError(upstream: fault.error)),
                configuration: exchange.configuration,
                ending: exchange
            )
        case .abandon(let cancelUpstream, let responseStarted):
            guard let exchange else { return }
            self.exchange = nil
            if cancelUpstream { exchange.transfer?.cancel() }
            exchange.transfer = nil
            // The client's choice, not a failure of the proxy: counted, logged at debug level.
            complete(exchange, failed: false, note: nil, answered: responseStarted ? exchange.upstreamStatus : nil)
            exchange.configuration.logger.debug("client disconnected; upstream transfer cancelled")
            exchange.access.clientGone = exchange.access.declaredLength.map { exchange.bytesOut < $0 } ?? true
            logAccess(exchange, status: responseStarted ? exchange.upstreamStatus : Self.clientClosedStatus)
        case .resumeUpstream:
            exchange?.transfer?.resume()
        case .close:
            context?.close(promise: nil)
        }
    }

    /// Local routes, answered from memory: no file is touched on an event loop (the watcher and
    /// the refresh loop keep the credentials current).
    func serveLocal(_ head: HTTPRequestHead, route: Route, configuration: RuntimeConfiguration, close: Bool = false) {
        switch route {
        case .healthz:
            respondJSON(head, status: .ok, ["status": "ok"])
        case .readyz:
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
                WholeResponse(
                    status: 200,
                    contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: daemon.metrics.render(daemon: daemon)
                )
            )
        case .wrongMethod(let allowed):
            let error = APIError(
                .invalidRequest,
                status: 405,
                "\(head.method.rawValue) is not allowed on \(Self.safePath(head.uri)); use \(allowed)"
            )
            respondError(head, route: route, .api(error), configuration: configuration, close: close, headers: [("allow", allowed)])
        default:
            let error = APIError(.notFound, "no route for \(head.method.rawValue) \(Self.safePath(head.uri))")
            respondError(head, route: route, .api(error), configuration: configuration, close: close)
        }
    }

    /// Validates the complete body (the model list takes none), before any credential is asked for.
    func validate(_ route: Route) {
        guard let exchange, let context else { return }
        exchange.counted = true
        daemon.stats.started()
        let settings = exchange.configuration.settings
        if let query = ModelListing.catalogQuery(route: route, uri: exchange.head.uri, settings: settings) {
            exchange.modelQuery = query
            exchange.transformer = ModelListing(settings: settings, query: query)
            perform(machine.bodyValidated())
            return
        }
        let result = ValidatedRequest.validate(
            route: route,
            body: exchange.body,
            shaper: exchange.configuration.shaper,
            kind: credentials.expectedKind,
            allocator: context.channel.allocator
        )
        switch result {
        case .success(let request):
            // From here the exchange holds the request as validated (the Messages body, its shaped
            // copy, and libcurl's copy of that), not the buffer it arrived in.
            exchange.bytesIn = exchange.body.readableBytes
            exchange.body = context.channel.allocator.buffer(capacity: 0)
            exchange.reservation.settle(at: request.source.readableBytes + 2 * request.shaped.body.count)
            exchange.request = request
            if let openAI = request.openAI {
                exchange.transformer = ChatCompletionsTranslation(request: openAI)
            }
            if let responses = request.responses {
                exchange.transformer = ResponsesTranslation(request: responses)
            }
            perform(machine.bodyValidated())
        case .failure(let error):
            perform(machine.bodyRejected(error))
        }
    }

    func fetchCredential(refused: Secret?) {
        guard let exchange, let context else { return }
        credentials.obtain(refused: refused, on: context.eventLoop) { [self] result in
            guard self.exchange === exchange else { return }
            switch result {
            case .success(let credential):
                if var request = exchange.request {
                    if let error = request.reshape(for: credential.kind, shaper: exchange.configuration.shaper) {
                        perform(machine.credentialUnavailable(error))
                        return
                    }
                    exchange.request = request
                }
                exchange.credential = credential
                var canRefresh = false
                if case .oauth(let token) = credential { canRefresh = token.refreshToken != nil }
                perform(machine.credentialReady(canRefresh: canRefresh))
            case .failure(let error):
                perform(machine.credentialUnavailable(error))
            }
        }
    }
}
