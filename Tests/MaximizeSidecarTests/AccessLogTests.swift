import Logging
import MaximizeCore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import MaximizeSidecar

/// One access line per exchange that goes upstream (`server.access_log`), whichever way it ends,
/// with what an operator asks of it; the handler on an `EmbeddedChannel`.
@Suite struct AccessLogTests {
    static let sse = [(name: "content-type", value: "text/event-stream"), (name: "request-id", value: "req_0123")]
    static let streamBody = #"{"model":"s","stream":true,"max_tokens":5,"messages":[{"role":"user","content":"a secret prompt"}]}"#

    /// The only access line so far (recorded as an issue when there is not exactly one).
    static func only(_ capture: LogCapture) throws -> [String: String] {
        let lines = capture.accessLines
        #expect(lines.count == 1, "access lines: \(lines)")
        return try #require(lines.first).mapValues(\.description)
    }

    @Test func aStreamedAnswerHasOneLineWithModelsTokensAndTheUpstreamRequestID() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        try harness.request(body: Self.streamBody)
        let transfer = harness.upstream.started[0]
        transfer.head(200, Self.sse)
        let events =
            #"event: message_start\#ndata: {"type":"message_start","message":{"usage":{"input_tokens":11,"cache_read_input_tokens":3,"output_tokens":1}}}\#n\#n"#
            + #"event: message_delta\#ndata: {"type":"message_delta","usage":{"output_tokens":7}}\#n\#n"#
        transfer.body(events)
        harness.run()
        #expect(capture.accessLines.isEmpty)
        transfer.end()
        harness.run()
        let line = try Self.only(capture)
        #expect(line["route"] == "/v1/messages")
        #expect(line["method"] == "POST")
        #expect(line["status"] == "200")
        #expect(line["stream"] == "true")
        #expect(line["model"] == "s")
        #expect(line["model_upstream"] == Defaults.nicknames["s"])
        #expect(line["request_id"] == "req_0123")
        #expect(line["input_tokens"] == "11")
        #expect(line["output_tokens"] == "7")
        #expect(line["cache_read_input_tokens"] == "3")
        #expect(line["cache_creation_input_tokens"] == "0")
        #expect(line["bytes_in"] == String(Self.streamBody.utf8.count))
        #expect(line["bytes_out"] == String(events.utf8.count))
        #expect(line["client_gone"] == "false")
        #expect(line["retries"] == "0")
        #expect(line["error"] == nil)
        #expect(Double(line["head_ms"] ?? "") != nil)
        #expect(Double(line["duration_ms"] ?? "")! >= Double(line["head_ms"] ?? "")!)
        #expect(!line.values.contains { $0.contains("secret prompt") || $0.contains("sk-ant") })
    }

    @Test func aBadRequestIsLoggedWithItsReason() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        try harness.request(body: #"{"messages": [oops"#)
        let line = try Self.only(capture)
        #expect(line["status"] == "400")
        #expect(line["error"] == "invalid_request_error")
        #expect(line["reason"]?.contains("not valid JSON") == true)
        #expect(line["bytes_in"] == "18")
        #expect(line["model"] == nil)
    }

    @Test func refusalsAtTheHeadAreLoggedToo() throws {
        let tooLarge = try ExchangeHarness { $0.server.maxBodyBytes = 1024 }
        let capture = tooLarge.captureLog()
        try tooLarge.sendHead(headers: [("content-length", "4096")])
        #expect(try Self.only(capture)["status"] == "413")
        #expect(try Self.only(capture)["error"] == "request_too_large")

        let locked = try ExchangeHarness { $0.server.apiKey = Secret("sk-local-key-0123") }
        let lockedCapture = locked.captureLog()
        try locked.request(headers: [("x-api-key", "wrong")])
        let line = try Self.only(lockedCapture)
        #expect(line["status"] == "401")
        #expect(line["error"] == "authentication_error")
        #expect(!line.values.contains { $0.contains("sk-local-key") || $0.contains("wrong") })
    }

    @Test func anUnreachableUpstreamAfterAConnectRetryIs502WithTheRetryCounted() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        try harness.request()
        harness.upstream.started[0].end(UpstreamError(kind: .connect, message: "refused"))
        harness.run()
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        harness.upstream.started[1].end(UpstreamError(kind: .connect, message: "refused again"))
        harness.run()
        let line = try Self.only(capture)
        #expect(line["status"] == "502")
        #expect(line["error"] == "api_error")
        #expect(line["reason"] == "the upstream is unreachable: refused again")
        #expect(line["retries"] == "1")
        #expect(line["retry_reasons"] == "connect")
        #expect(line["model"] == "claude-test")
    }

    @Test func aRefreshedTokenCountsAsARetry() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        harness.credentials.result = .success(
            .oauth(OAuthToken(accessToken: Secret("sk-ant-oat-old"), refreshToken: Secret("r"), expiresAt: nil))
        )
        try harness.request()
        harness.upstream.started[0].head(401)
        harness.run()
        harness.upstream.started[1].head(200, [("content-type", "application/json"), ("request-id", "req_second")])
        harness.upstream.started[1].end()
        harness.run()
        let line = try Self.only(capture)
        #expect(line["status"] == "200")
        #expect(line["retry_reasons"] == "refresh")
        #expect(line["request_id"] == "req_second")
    }

    @Test func aFailureMidStreamKeepsTheStatusAndGivesTheReason() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        try harness.request(body: Self.streamBody)
        let transfer = harness.upstream.started[0]
        transfer.head(200, Self.sse)
        transfer.end(UpstreamError(kind: .timeout, message: "too slow"))
        harness.run()
        let line = try Self.only(capture)
        #expect(line["status"] == "200")
        #expect(line["error"] == "timeout_error")
        #expect(line["reason"]?.hasSuffix("too slow") == true)
    }

    @Test func aClientThatLeavesMidStreamIsLoggedOnce() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        try harness.request(body: Self.streamBody)
        let transfer = harness.upstream.started[0]
        transfer.head(200, Self.sse)
        transfer.body("event: ping\ndata: {}\n\n")
        harness.run()
        harness.channel.pipeline.fireChannelInactive()
        transfer.end(UpstreamError(kind: .cancelled, message: "cancelled"))
        harness.run()
        _ = try harness.channel.finish()
        let line = try Self.only(capture)
        #expect(line["status"] == "200")
        #expect(line["client_gone"] == "true")
        #expect(line["bytes_out"] == "22")
    }

    /// The client read the whole answer (its `content-length`) and closed before the upstream's
    /// end reached the proxy: it did not leave early.
    @Test func aClientThatReadTheWholeAnswerDidNotLeaveEarly() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        try harness.request()
        let transfer = harness.upstream.started[0]
        transfer.head(200, [("content-type", "application/json"), ("content-length", "2")])
        transfer.body("{}")
        harness.run()
        harness.channel.pipeline.fireChannelInactive()
        let line = try Self.only(capture)
        #expect(line["status"] == "200")
        #expect(line["client_gone"] == "false")
    }

    @Test(arguments: [false, true])
    func aClientThatLeavesBeforeAnyAnswerIs499(midBody: Bool) throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        if midBody {
            try harness.sendHead()
            try harness.sendBody(#"{"messages":"#)
        } else {
            harness.credentials.hold = true
            try harness.request()
        }
        harness.channel.pipeline.fireChannelInactive()
        _ = try harness.channel.finish()
        let line = try Self.only(capture)
        #expect(line["status"] == "499")
        #expect(line["client_gone"] == "true")
    }

    @Test func theCatalogAndTheOpenAIRouteAreLoggedButLocalRoutesAreNot() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        try harness.request(.GET, "/healthz", body: nil)
        try harness.request(.GET, "/metrics", body: nil)
        try harness.request(.GET, "/nowhere", body: nil)
        _ = try harness.received()
        #expect(capture.accessLines.isEmpty)
        try harness.request(.GET, "/v1/models", body: nil)
        harness.upstream.started[0].head(200)
        harness.upstream.started[0].body(#"{"data":[],"has_more":false}"#)
        harness.upstream.started[0].end()
        harness.run()
        _ = try harness.received()
        try harness.request(.POST, "/v1/chat/completions", body: #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
        harness.upstream.started[1].head(200)
        harness.upstream.started[1].body(
            #"{"id":"msg","type":"message","role":"assistant","content":[],"model":"x","usage":{"input_tokens":1,"output_tokens":2}}"#
        )
        harness.upstream.started[1].end()
        harness.run()
        let lines = capture.accessLines.map { $0.mapValues(\.description) }
        #expect(lines.map { $0["route"] } == ["/v1/models", "/v1/chat/completions"])
        #expect(lines.map { $0["status"] } == ["200", "200"])
        #expect(lines.last?["model"] == "m")
        #expect(lines.last?["output_tokens"] == "2")
    }

    /// A route added later gets its line without code of its own: the line belongs to the exchange.
    @Test func theResponsesRouteIsLoggedToo() throws {
        let harness = try ExchangeHarness()
        let capture = harness.captureLog()
        try harness.request(.POST, "/v1/responses", body: #"{"model":"m","input":"hi"}"#)
        harness.upstream.started[0].head(200)
        harness.upstream.started[0].body(
            #"{"id":"msg","type":"message","role":"assistant","content":[{"type":"text","text":"ok"}],"model":"x","stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":4}}"#
        )
        harness.upstream.started[0].end()
        harness.run()
        let line = try Self.only(capture)
        #expect(line["route"] == "/v1/responses")
        #expect(line["status"] == "200")
        #expect(line["model"] == "m")
        #expect(line["output_tokens"] == "4")
    }

    @Test func accessLogFalseWritesNone() throws {
        let harness = try ExchangeHarness { $0.server.accessLog = false }
        let capture = harness.captureLog()
        try harness.request(body: #"{"messages": [oops"#)
        try harness.request()
        harness.upstream.started[0].head(200)
        harness.upstream.started[0].end()
        harness.run()
        #expect(try harness.received().status == 200)
        #expect(capture.accessLines.isEmpty)
    }
}
