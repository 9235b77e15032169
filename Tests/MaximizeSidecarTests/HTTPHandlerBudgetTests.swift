import MaximizeCore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import MaximizeSidecar

/// `server.max_buffered_bytes` and bodies on routes that take none, as the channel sees them:
/// the refusal, and the bytes reserved given back on every path an exchange can end by.
@Suite struct HTTPHandlerBudgetTests {
    static let body = #"{"model":"claude-test","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#

    @Test func pastTheBudgetIs529WithRetryAfterAndClose() throws {
        let harness = try ExchangeHarness { $0.server.maxBufferedBytes = 1000 }
        // Another connection holds most of the budget.
        let other = harness.daemon.budget.makeReservation()
        #expect(other.grow(to: 900, limit: 1000))
        try harness.sendHead(headers: [("content-length", "200"), ("expect", "100-continue")])
        var continued = false
        while let part = try harness.channel.readOutbound(as: HTTPServerResponsePart.self) {
            if case .head(let head) = part, head.status == .continue { continued = true }
            if case .head(let head) = part, head.status != .continue {
                #expect(head.status.code == 529)
                #expect(head.headers.first(name: "retry-after") == "1")
                #expect(head.headers.first(name: "connection") == "close")
            }
        }
        #expect(!continued, "no 100 Continue for a body that is refused")
        #expect(!harness.channel.isActive)
        #expect(harness.daemon.budget.used == 900)
        #expect(harness.credentials.calls.isEmpty)
    }

    /// A chunked body is reserved as it arrives, and refused at the chunk that passes the budget.
    @Test func aChunkedBodyIsRefusedWhenItPassesTheBudget() throws {
        let harness = try ExchangeHarness { $0.server.maxBufferedBytes = 100_000 }
        let other = harness.daemon.budget.makeReservation()
        #expect(other.grow(to: 1000, limit: 100_000))
        try harness.sendHead(headers: [("transfer-encoding", "chunked")])
        try harness.sendBody(String(repeating: "x", count: 2000))
        #expect(harness.channel.isActive)
        // 3 × 16 KiB are reserved for a body of unknown length at its head, then 3 × what arrived:
        // 3 × 42,000 passes the budget.
        try harness.sendBody(String(repeating: "x", count: 40_000))
        let received = try harness.received()
        #expect(received.status == 529)
        #expect(received.json?["error"]?["type"] == "overloaded_error")
        #expect(!harness.channel.isActive)
        #expect(harness.daemon.budget.used == 1000)
    }

    @Test func theBytesAreHeldUntilTheAnswerEndsAndThenGivenBack() throws {
        let harness = try ExchangeHarness()
        try harness.sendHead(headers: [("content-length", String(Self.body.utf8.count))])
        #expect(harness.daemon.budget.used == 3 * Self.body.utf8.count)
        try harness.sendBody(Self.body)
        try harness.sendEnd()
        let transfer = try #require(harness.upstream.started.first)
        // The validated request: its body and the shaped copy (twice: libcurl copies it).
        #expect(harness.daemon.budget.used == Self.body.utf8.count + 2 * (transfer.request.body?.count ?? 0))
        transfer.head(200)
        _ = transfer.body("{}")
        transfer.end()
        harness.run()
        #expect(try harness.received().status == 200)
        #expect(harness.daemon.budget.used == 0)
    }

    /// Each way an exchange ends gives its bytes back: invalid JSON, a client gone mid-body, a
    /// client gone while the upstream works, an upstream failure.
    @Test func everyEndGivesTheBytesBack() throws {
        let invalid = try ExchangeHarness()
        try invalid.request(body: #"{"messages": [oops"#)
        #expect(try invalid.received().status == 400)
        #expect(invalid.daemon.budget.used == 0)

        let goneMidBody = try ExchangeHarness()
        try goneMidBody.sendHead(headers: [("content-length", "5000")])
        try goneMidBody.sendBody("{\"messages\":")
        #expect(goneMidBody.daemon.budget.used == 15_000)
        try goneMidBody.channel.close().wait()
        #expect(goneMidBody.daemon.budget.used == 0)

        let goneWaiting = try ExchangeHarness()
        try goneWaiting.request(body: Self.body)
        #expect(goneWaiting.daemon.budget.used > 0)
        try goneWaiting.channel.close().wait()
        #expect(goneWaiting.daemon.budget.used == 0)

        let failed = try ExchangeHarness()
        try failed.request(body: Self.body)
        try #require(failed.upstream.started.first).end(UpstreamError(kind: .transfer, message: "reset", curlCode: 56))
        failed.run()
        #expect(try failed.received().status == 502)
        #expect(failed.daemon.budget.used == 0)
    }

    /// A route that takes no body refuses one at the head, without reading or keeping it.
    @Test func aBodyOnARouteThatTakesNoneIsRefusedAtTheHead() throws {
        let cases: [(HTTPMethod, String, [(String, String)], UInt)] = [
            (.GET, "/v1/models", [("content-length", "100")], 413),
            (.GET, "/healthz", [("transfer-encoding", "chunked")], 413),
            (.POST, "/v1/nothing", [("content-length", "100")], 404),
            (.POST, "/healthz", [("content-length", "100")], 405),
        ]
        for (method, uri, headers, status) in cases {
            let harness = try ExchangeHarness()
            try harness.sendHead(method, uri, headers: headers)
            try harness.sendBody(String(repeating: "x", count: 100))
            let received = try harness.received()
            #expect(received.status == Int(status), "\(method) \(uri)")
            #expect(received.head?.headers.first(name: "connection") == "close")
            #expect(harness.daemon.budget.used == 0)
            #expect(harness.upstream.started.isEmpty)
        }
        // Without a body they are served as ever.
        let harness = try ExchangeHarness()
        try harness.request(.GET, "/healthz", headers: [("content-length", "0")], body: nil)
        #expect(try harness.received().status == 200)
        #expect(harness.channel.isActive)
    }
}
