import MaximizeCore
import Testing

@testable import MaximizeSidecar

/// The exchange's state machine, event by event: every state and its faults.
@Suite struct ExchangeStateMachineTests {
    typealias Machine = ExchangeStateMachine

    static func head(
        _ route: Route = .messages(.messages),
        authorized: Bool = true,
        length: Int? = nil,
        expectsContinue: Bool = false,
        limit: Int = 100,
        overloadRetries: Int = 2
    ) -> Machine.RequestHead {
        Machine.RequestHead(
            route: route,
            authorized: authorized,
            declaredLength: length,
            expectsContinue: expectsContinue,
            maxBodyBytes: limit,
            overloadRetries: overloadRetries
        )
    }

    /// A machine that has started attempt 1 upstream.
    static func upstreaming(_ route: Route = .messages(.messages), canRefresh: Bool = false) -> Machine {
        var machine = Machine()
        _ = machine.receivedHead(head(route))
        _ = machine.receivedEnd()
        _ = machine.bodyValidated()
        #expect(machine.credentialReady(canRefresh: canRefresh) == .startUpstream(attempt: 1))
        return machine
    }

    static let connectError = UpstreamError(kind: .connect, message: "refused")
    static let transferError = UpstreamError(kind: .transfer, message: "reset")

    @Test func aRequestGoesHeadBodyValidationCredentialUpstream() {
        var machine = Machine()
        #expect(machine.receivedHead(Self.head(length: 10, expectsContinue: true)) == .collectBody(capacity: 10, sendContinue: true))
        #expect(machine.receivedBody(count: 6) == .appendBody)
        #expect(machine.receivedBody(count: 4) == .appendBody)
        #expect(machine.receivedEnd() == .validateBody(.messages(.messages)))
        #expect(machine.bodyValidated() == .fetchCredential(replacingRefused: false))
        #expect(machine.credentialReady(canRefresh: false) == .startUpstream(attempt: 1))
        #expect(machine.upstreamHead(attempt: 1, status: 200, retryAfter: nil) == .writeHead)
        #expect(machine.upstreamBody(attempt: 1) == .writeBody)
        #expect(machine.upstreamEnd(attempt: 1, error: nil) == .finishResponse)
        #expect(machine.state == .idle)
        // The connection is kept: the next request starts over.
        #expect(machine.receivedHead(Self.head(.healthz)) == .collectBody(capacity: 0, sendContinue: false))
        #expect(machine.receivedEnd() == .serveLocal(.healthz))
        #expect(machine.state == .idle)
    }

    @Test func anUnauthorizedRequestIsAnsweredAndItsBodyIgnored() {
        var machine = Machine()
        guard case .reply(.api(let error), let close) = machine.receivedHead(Self.head(authorized: false)) else {
            Issue.record("expected a reply")
            return
        }
        #expect(error.status == 401)
        #expect(close)
        #expect(machine.receivedBody(count: 5) == .none)
        #expect(machine.receivedEnd() == .none)
        #expect(machine.state == .idle)
    }

    @Test func aDeclaredOrReceivedBodyOverTheLimitIs413AndCloses() {
        var machine = Machine()
        guard case .reply(.api(let declared), true) = machine.receivedHead(Self.head(length: 101)) else {
            Issue.record("expected a 413")
            return
        }
        #expect(declared.status == 413)
        #expect(machine.state == .discarding)
        _ = machine.receivedEnd()
        _ = machine.receivedHead(Self.head())
        #expect(machine.receivedBody(count: 100) == .appendBody)
        guard case .reply(.api(let received), true) = machine.receivedBody(count: 1) else {
            Issue.record("expected a 413")
            return
        }
        #expect(received.status == 413)
        #expect(machine.receivedBody(count: 1) == .none)
    }

    @Test func aRejectedBodyIsAnsweredWithoutACredential() {
        var machine = Machine()
        _ = machine.receivedHead(Self.head())
        _ = machine.receivedEnd()
        let error = ExchangeError.api(APIError(.invalidRequest, "not JSON"))
        #expect(machine.bodyRejected(error) == .reply(error, close: false))
        #expect(machine.state == .idle)
        // A credential arriving late is ignored.
        #expect(machine.credentialReady(canRefresh: true) == .none)
    }

    @Test func anUnavailableCredentialIsTheClientsError() {
        var machine = Machine()
        _ = machine.receivedHead(Self.head())
        _ = machine.receivedEnd()
        _ = machine.bodyValidated()
        let error = ExchangeError.api(APIError(.authentication, "log in"))
        #expect(machine.credentialUnavailable(error) == .reply(error, close: false))
        #expect(machine.state == .idle)
    }

    @Test func a401OnTheFirstAttemptRefreshesOnceAndRetries() {
        var machine = Self.upstreaming(canRefresh: true)
        #expect(machine.upstreamHead(attempt: 1, status: 401, retryAfter: nil) == .refreshAndRetry)
        // The refused transfer's late events are stale.
        #expect(machine.upstreamBody(attempt: 1) == .dropBody)
        #expect(machine.upstreamEnd(attempt: 1, error: UpstreamError(kind: .cancelled, message: "cancelled")) == .none)
        #expect(machine.credentialReady(canRefresh: true) == .startUpstream(attempt: 2))
        // A second 401 goes to the client.
        #expect(machine.upstreamHead(attempt: 2, status: 401, retryAfter: nil) == .writeHead)
    }

    @Test func a401WithoutARefreshTokenGoesToTheClient() {
        var machine = Self.upstreaming(canRefresh: false)
        #expect(machine.upstreamHead(attempt: 1, status: 401, retryAfter: nil) == .writeHead)
    }

    @Test func overloadedAnswersAreRetriedUpToTheLimit() {
        var machine = Self.upstreaming()
        #expect(
            machine.upstreamHead(attempt: 1, status: 529, retryAfter: "2")
                == .retryLater(attempt: 1, .overloaded(retry: 1, retryAfter: "2"))
        )
        // A timer of another attempt does nothing.
        #expect(machine.retryTimerFired(attempt: 7) == .none)
        #expect(machine.retryTimerFired(attempt: 1) == .startUpstream(attempt: 2))
        #expect(machine.upstreamHead(attempt: 2, status: 529, retryAfter: nil) == .retryLater(attempt: 2, .overloaded(retry: 2, retryAfter: nil)))
        #expect(machine.retryTimerFired(attempt: 2) == .startUpstream(attempt: 3))
        #expect(machine.upstreamHead(attempt: 3, status: 529, retryAfter: nil) == .writeHead)
    }

    @Test func aFailedConnectionIsRetriedOnceThenAnswered() {
        var machine = Self.upstreaming()
        #expect(machine.upstreamEnd(attempt: 1, error: Self.connectError) == .retryLater(attempt: 1, .connectFailed))
        #expect(machine.retryTimerFired(attempt: 1) == .startUpstream(attempt: 2))
        #expect(
            machine.upstreamEnd(attempt: 2, error: Self.connectError)
                == .failBeforeResponse(Machine.UpstreamFault(error: Self.connectError))
        )
        #expect(machine.state == .idle)
    }

    @Test func theModelListIsNeverRetried() {
        var machine = Self.upstreaming(.models, canRefresh: true)
        #expect(machine.upstreamHead(attempt: 1, status: 401, retryAfter: nil) == .writeHead)
        var failing = Self.upstreaming(.models)
        #expect(failing.upstreamEnd(attempt: 1, error: Self.connectError) == .failBeforeResponse(.init(error: Self.connectError)))
    }

    @Test func anUpstreamFailureBeforeTheHeadIsAnswered() {
        var machine = Self.upstreaming()
        #expect(machine.upstreamEnd(attempt: 1, error: Self.transferError) == .failBeforeResponse(.init(error: Self.transferError)))
    }

    @Test func anUpstreamFailureAfterTheHeadFailsTheResponse() {
        var machine = Self.upstreaming()
        _ = machine.upstreamHead(attempt: 1, status: 200, retryAfter: nil)
        #expect(machine.upstreamEnd(attempt: 1, error: Self.transferError) == .failResponse(.init(error: Self.transferError)))
        #expect(machine.state == .idle)
    }

    @Test func theClientGoingAwayAbandonsWhatIsInFlight() {
        var waiting = Machine()
        _ = waiting.receivedHead(Self.head())
        _ = waiting.receivedEnd()
        _ = waiting.bodyValidated()
        #expect(waiting.clientGone() == .abandon(cancelUpstream: false, responseStarted: false))
        #expect(waiting.credentialReady(canRefresh: false) == .none)

        var beforeHead = Self.upstreaming()
        #expect(beforeHead.clientGone() == .abandon(cancelUpstream: true, responseStarted: false))
        #expect(beforeHead.upstreamHead(attempt: 1, status: 200, retryAfter: nil) == .none)

        var streaming = Self.upstreaming()
        _ = streaming.upstreamHead(attempt: 1, status: 200, retryAfter: nil)
        #expect(streaming.clientGone() == .abandon(cancelUpstream: true, responseStarted: true))
        #expect(streaming.upstreamBody(attempt: 1) == .dropBody)
        #expect(streaming.resumeRequested(attempt: 1) == .none)
        #expect(streaming.clientGone() == .none)

        var retrying = Self.upstreaming()
        _ = retrying.upstreamEnd(attempt: 1, error: Self.connectError)
        #expect(retrying.clientGone() == .abandon(cancelUpstream: false, responseStarted: false))
        #expect(retrying.retryTimerFired(attempt: 1) == .none)

        var receiving = Machine()
        _ = receiving.receivedHead(Self.head())
        #expect(receiving.clientGone() == .none)
        #expect(receiving.receivedEnd() == .none)
    }

    @Test func resumesReachOnlyTheCurrentAttempt() {
        var machine = Self.upstreaming()
        #expect(machine.resumeRequested(attempt: 1) == .resumeUpstream)
        _ = machine.upstreamHead(attempt: 1, status: 200, retryAfter: nil)
        #expect(machine.resumeRequested(attempt: 1) == .resumeUpstream)
        #expect(machine.resumeRequested(attempt: 0) == .none)
        _ = machine.upstreamEnd(attempt: 1, error: nil)
        #expect(machine.resumeRequested(attempt: 1) == .none)
    }

    @Test func aReadTimeoutAnswersHalfARequestAndClosesAnIdleConnection() {
        var receiving = Machine()
        _ = receiving.receivedHead(Self.head())
        guard case .reply(.api(let error), true) = receiving.readTimedOut() else {
            Issue.record("expected a reply that closes")
            return
        }
        #expect(error.kind == .invalidRequest)
        var idle = Machine()
        #expect(idle.readTimedOut() == .close)
        #expect(idle.receivedHead(Self.head()) == .none)
        // Waiting for the answer is not idleness.
        var waiting = Self.upstreaming()
        #expect(waiting.readTimedOut() == .none)
    }

    @Test func aSecondHeadDuringAnExchangeClosesTheConnection() {
        var machine = Self.upstreaming()
        #expect(machine.receivedHead(Self.head()) == .close)
        #expect(machine.state == .closed)
    }
}
