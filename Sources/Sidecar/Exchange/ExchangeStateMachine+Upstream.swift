import MaximizeCore

extension ExchangeStateMachine {
    // MARK: - The credential

    /// A usable credential arrived. `canRefresh`: it is an OAuth token with a refresh token, so a
    /// `401` on the first attempt earns one forced refresh and retry.
    mutating func credentialReady(canRefresh: Bool) -> Action {
        guard case .awaitingCredential(var progress) = state else { return .none }
        progress.attempt += 1
        if !progress.replacingRefused { progress.canRefresh = canRefresh && !progress.route.readsModels }
        progress.replacingRefused = false
        state = .awaitingUpstreamHead(progress)
        return .startUpstream(attempt: progress.attempt)
    }

    mutating func credentialUnavailable(_ error: ExchangeError) -> Action {
        guard case .awaitingCredential = state else { return .none }
        state = .idle
        return .reply(error, close: false)
    }

    // MARK: - The upstream

    /// Whether the head of attempt `attempt` is awaited (a later event of an attempt given up is not).
    func awaitsHead(attempt: Int) -> Bool {
        guard case .awaitingUpstreamHead(let progress) = state else { return false }
        return progress.attempt == attempt
    }

    mutating func upstreamHead(attempt: Int, status: Int, retryAfter: String?) -> Action {
        guard case .awaitingUpstreamHead(var progress) = state, progress.attempt == attempt else { return .none }
        if status == 401, progress.attempt == 1, progress.canRefresh {
            progress.canRefresh = false
            progress.replacingRefused = true
            state = .awaitingCredential(progress)
            return .refreshAndRetry
        }
        if status == 529, progress.overloadRetries < progress.overloadRetryLimit {
            progress.overloadRetries += 1
            state = .waitingToRetry(progress)
            return .retryLater(attempt: attempt, .overloaded(retry: progress.overloadRetries, retryAfter: retryAfter))
        }
        state = .streaming(progress)
        return .writeHead
    }

    mutating func upstreamBody(attempt: Int) -> Action {
        guard case .streaming(let progress) = state, progress.attempt == attempt else { return .dropBody }
        return .writeBody
    }

    /// The transfer ended: `error` is `nil` when it completed.
    mutating func upstreamEnd(attempt: Int, error: UpstreamError?) -> Action {
        switch state {
        case .awaitingUpstreamHead(var progress) where progress.attempt == attempt:
            let error = error ?? UpstreamError.endedWithoutResponse
            if error.kind == .connect, !progress.retriedConnect, !progress.route.readsModels {
                progress.retriedConnect = true
                state = .waitingToRetry(progress)
                return .retryLater(attempt: attempt, .connectFailed)
            }
            state = .idle
            return .failBeforeResponse(UpstreamFault(error: error))
        case .streaming(let progress) where progress.attempt == attempt:
            state = .idle
            guard let error else { return .finishResponse }
            return .failResponse(UpstreamFault(error: error))
        default:
            return .none
        }
    }

    /// The delay before a retry passed.
    mutating func retryTimerFired(attempt: Int) -> Action {
        guard case .waitingToRetry(var progress) = state, progress.attempt == attempt else { return .none }
        progress.attempt += 1
        state = .awaitingUpstreamHead(progress)
        return .startUpstream(attempt: progress.attempt)
    }

    /// The client drained what was written: a paused transfer of this attempt may go on.
    mutating func resumeRequested(attempt: Int) -> Action {
        switch state {
        case .awaitingUpstreamHead(let progress), .streaming(let progress):
            progress.attempt == attempt ? .resumeUpstream : .none
        default:
            .none
        }
    }

    // MARK: - The client

    /// The connection closed. Whatever was in flight for it is abandoned.
    mutating func clientGone() -> Action {
        let previous = state
        state = .closed
        switch previous {
        case .awaitingCredential, .waitingToRetry, .validating:
            return .abandon(cancelUpstream: false, responseStarted: false)
        case .awaitingUpstreamHead:
            return .abandon(cancelUpstream: true, responseStarted: false)
        case .streaming:
            return .abandon(cancelUpstream: true, responseStarted: true)
        case .idle, .receiving, .discarding, .closed:
            return .none
        }
    }
}

extension UpstreamError {
    /// A transfer that completed without a response head (libcurl always gives one; a guard).
    static var endedWithoutResponse: UpstreamError {
        UpstreamError(kind: .transfer, message: "the upstream closed the connection without a response", curlCode: 0)
    }
}
