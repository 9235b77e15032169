import MaximizeCore
import Testing

@testable import MaximizeSidecar

extension ExchangeStateMachineTests {
    /// A body on a route that takes none is refused at the head and the connection closed: the
    /// route's own answer for an unknown path or a wrong method, 413 for a known one.
    @Test func aBodyOnARouteThatTakesNoneIsRefusedAtTheHead() {
        var machine = Machine()
        guard case .reply(.api(let error), close: true) = machine.receivedHead(Self.head(.models, length: 10)) else {
            Issue.record("expected a closing reply")
            return
        }
        #expect(error.status == 413)
        #expect(error.message.contains("takes no request body"))
        #expect(machine.state == .discarding)
        #expect(machine.receivedBody(count: 10) == .none)
        var chunked = Self.head(.healthz)
        chunked.chunked = true
        machine = Machine()
        #expect(machine.receivedHead(chunked) == Machine.tooLargeForNoBody(.healthz))
        machine = Machine()
        #expect(machine.receivedHead(Self.head(.notFound, length: 1)) == .serveLocalAndClose(.notFound))
        machine = Machine()
        #expect(
            machine.receivedHead(Self.head(.wrongMethod(allowed: "GET, HEAD"), length: 1)) == .serveLocalAndClose(.wrongMethod(allowed: "GET, HEAD"))
        )
        // An empty body is no body.
        machine = Machine()
        #expect(machine.receivedHead(Self.head(.healthz, length: 0)) == .collectBody(capacity: 0, sendContinue: false))
        #expect(machine.receivedEnd() == .serveLocal(.healthz))
    }

    /// Past `server.max_buffered_bytes`: 529 with `retry-after`, closed, whether the body is
    /// arriving; once complete, it was admitted and nothing happens.
    @Test func overBudgetIs529WithRetryAfter() {
        var machine = Machine()
        _ = machine.receivedHead(Self.head(length: 50))
        guard case .reply(.api(let error), close: true) = machine.overBudget() else {
            Issue.record("expected a closing reply")
            return
        }
        #expect(error.status == 529)
        #expect(error.kind == .overloaded)
        #expect(error.retryAfter == 1)
        #expect(machine.state == .discarding)
        #expect(machine.receivedBody(count: 10) == .none)
        #expect(machine.receivedEnd() == .none)

        machine = Machine()
        _ = machine.receivedHead(Self.head())
        #expect(machine.receivedEnd() == .validateBody(.messages(.messages)))
        #expect(machine.overBudget() == .none)
        var streaming = Self.upstreaming()
        #expect(streaming.overBudget() == .none)
    }
}
