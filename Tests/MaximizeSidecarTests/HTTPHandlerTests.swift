import MaximizeCore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import MaximizeSidecar

/// The handler on an `EmbeddedChannel` with a fake upstream and credentials: every state of an
/// exchange and its faults, as the channel sees them.
@Suite struct HTTPHandlerTests {
    static let sse = [(name: "content-type", value: "text/event-stream")]

    @Test func aStreamIsForwardedEventByEvent() throws {
        let harness = try ExchangeHarness()
        try harness.request()
        let transfer = try #require(harness.upstream.started.first)
        #expect(transfer.request.url == "http://upstream.test/v1/messages")
        #expect(transfer.request.headers.contains { $0.name == "x-api-key" && $0.value == "sk-ant-api-fake" })
        transfer.head(200, Self.sse)
        transfer.body("event: ping\ndata: {}\n\n")
        harness.run()
        var received = try harness.received()
        #expect(received.status == 200)
        #expect(received.head?.headers.first(name: "content-type") == "text/event-stream")
        #expect(received.body == "event: ping\ndata: {}\n\n")
        #expect(!received.ended)
        transfer.body("event: message_stop\ndata: {}\n\n")
        harness.run()
        received = try harness.received()
        #expect(received.head == nil)
        #expect(received.body == "event: message_stop\ndata: {}\n\n")
        transfer.end()
        harness.run()
        #expect(try harness.received().ended)
        #expect(harness.inFlight == 0)
        #expect(harness.channel.isActive)
    }

    @Test func malformedJSONIs400WithoutACredentialOrAnUpstream() throws {
        let harness = try ExchangeHarness()
        try harness.request(body: #"{"messages": [oops"#)
        let received = try harness.received()
        #expect(received.status == 400)
        #expect(received.json?["error"]?["type"] == "invalid_request_error")
        #expect(received.ended)
        #expect(harness.credentials.calls.isEmpty)
        #expect(harness.upstream.started.isEmpty)
        #expect(harness.channel.isActive)
    }

    @Test func anOversizedBodyIs413AndClosesWithoutACredential() throws {
        let harness = try ExchangeHarness { $0.server.maxBodyBytes = 64 }
        try harness.sendHead()
        try harness.sendBody(String(repeating: "x", count: 40))
        try harness.sendBody(String(repeating: "x", count: 40))
        let received = try harness.received()
        #expect(received.status == 413)
        #expect(received.head?.headers.first(name: "connection") == "close")
        #expect(!harness.channel.isActive)
        #expect(harness.credentials.calls.isEmpty)
    }

    @Test func aDeclaredOversizedBodyIsRefusedAtTheHead() throws {
        let harness = try ExchangeHarness { $0.server.maxBodyBytes = 64 }
        try harness.sendHead(headers: [("content-length", "65")])
        #expect(try harness.received().status == 413)
    }

    @Test func anUnavailableCredentialIs401() throws {
        let harness = try ExchangeHarness()
        harness.credentials.result = .failure(.api(APIError(.authentication, "no credentials; run `maxctl login`")))
        try harness.request()
        let received = try harness.received()
        #expect(received.status == 401)
        #expect(received.json?["error"]?["message"] == "no credentials; run `maxctl login`")
        #expect(harness.upstream.started.isEmpty)
        #expect(harness.inFlight == 0)
        #expect(harness.failed == 1)
    }

    @Test func anUpstreamFailureBeforeTheHeadIs502() throws {
        let harness = try ExchangeHarness()
        try harness.request()
        harness.upstream.started[0].end(UpstreamError(kind: .transfer, message: "reset by peer"))
        harness.run()
        let received = try harness.received()
        #expect(received.status == 502)
        #expect(received.json?["error"]?["message"] == "the upstream connection failed: reset by peer")
        #expect(harness.channel.isActive)
    }

    @Test func aFailedConnectionIsRetriedOnce() throws {
        let harness = try ExchangeHarness()
        try harness.request()
        harness.upstream.started[0].end(UpstreamError(kind: .connect, message: "refused"))
        harness.run()
        #expect(harness.upstream.started.count == 1)
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(harness.upstream.started.count == 2)
        harness.upstream.started[1].head(200)
        harness.upstream.started[1].body("{}")
        harness.upstream.started[1].end()
        harness.run()
        let received = try harness.received()
        #expect(received.status == 200)
        #expect(received.body == "{}")
    }

    @Test func anUpstreamFailureMidStreamEndsTheStreamWithAnErrorEvent() throws {
        let harness = try ExchangeHarness()
        try harness.request()
        let transfer = harness.upstream.started[0]
        transfer.head(200, Self.sse)
        transfer.body("event: ping\ndata: {}\n\n")
        transfer.end(UpstreamError(kind: .timeout, message: "too slow"))
        harness.run()
        let received = try harness.received()
        #expect(received.status == 200)
        #expect(
            received.body.hasSuffix(
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"timeout_error\",\"message\":\"the upstream did not answer in time (api.request_timeout): too slow\"}}\n\n"
            )
        )
        #expect(received.ended)
        #expect(harness.failed == 1)
    }

    @Test func anUpstreamFailureMidJSONClosesTheConnection() throws {
        let harness = try ExchangeHarness()
        try harness.request()
        let transfer = harness.upstream.started[0]
        transfer.head(200)
        transfer.body(#"{"id":"#)
        transfer.end(UpstreamError(kind: .transfer, message: "reset"))
        harness.run()
        #expect(!harness.channel.isActive)
        #expect(!(try harness.received().ended))
    }

    @Test func theClientGoingAwayMidBodyAsksForNothing() throws {
        let harness = try ExchangeHarness()
        try harness.sendHead()
        try harness.sendBody(#"{"messages":"#)
        harness.channel.pipeline.fireChannelInactive()
        #expect(harness.credentials.calls.isEmpty)
        #expect(harness.upstream.started.isEmpty)
        #expect(harness.inFlight == 0)
    }

    @Test func theClientGoingAwayWhileACredentialIsFetchedStartsNoTransfer() throws {
        let harness = try ExchangeHarness()
        harness.credentials.hold = true
        try harness.request()
        #expect(harness.inFlight == 1)
        harness.channel.pipeline.fireChannelInactive()
        #expect(harness.inFlight == 0)
        harness.credentials.held?(.success(.apiKey(Secret("sk-ant-late"))))
        #expect(harness.upstream.started.isEmpty)
    }

    @Test func theClientGoingAwayMidStreamCancelsTheTransfer() throws {
        let harness = try ExchangeHarness()
        try harness.request()
        let transfer = harness.upstream.started[0]
        transfer.head(200, Self.sse)
        transfer.body("event: ping\ndata: {}\n\n")
        harness.run()
        harness.channel.pipeline.fireChannelInactive()
        #expect(transfer.isCancelled)
        #expect(harness.inFlight == 0)
        #expect(harness.failed == 0)
        // Late events of the cancelled transfer are dropped.
        transfer.body("event: late\ndata: {}\n\n")
        transfer.end(UpstreamError(kind: .cancelled, message: "cancelled"))
        harness.run()
        #expect(try harness.received().body == "event: ping\ndata: {}\n\n")
    }

    @Test func aSlowClientPausesTheTransferAndResumesIt() throws {
        let harness = try ExchangeHarness()
        try harness.request()
        let transfer = harness.upstream.started[0]
        transfer.head(200, Self.sse)
        let chunk = String(repeating: "x", count: ProxyResponder.highWater)
        // Nothing was written yet: the first megabyte is taken, the next pauses the transfer.
        #expect(transfer.body(chunk))
        #expect(!transfer.body(chunk))
        #expect(transfer.resumeCount == 0)
        // The loop writes and flushes the backlog; drained, the transfer resumes.
        harness.run()
        #expect(transfer.resumeCount == 1)
        #expect(try harness.received().body.count == chunk.count)
    }

    @Test func aResumeAfterTheClientLeftIsDropped() throws {
        let harness = try ExchangeHarness()
        try harness.request()
        let transfer = harness.upstream.started[0]
        transfer.head(200, Self.sse)
        let chunk = String(repeating: "x", count: ProxyResponder.highWater)
        #expect(transfer.body(chunk))
        #expect(!transfer.body(chunk))
        harness.channel.pipeline.fireChannelInactive()
        harness.run()
        #expect(transfer.resumeCount == 0)
    }

    @Test func a401OnAnOAuthTokenRefreshesOnceAndRetries() throws {
        let harness = try ExchangeHarness()
        let old = OAuthToken(accessToken: Secret("sk-ant-oat-old"), refreshToken: Secret("r"), expiresAt: nil)
        harness.credentials.result = .success(.oauth(old))
        try harness.request()
        harness.upstream.started[0].head(401)
        harness.run()
        #expect(harness.upstream.started[0].isCancelled)
        #expect(harness.credentials.calls.map { $0?.value } == [nil, "sk-ant-oat-old"])
        #expect(harness.upstream.started.count == 2)
        harness.upstream.started[1].head(200)
        harness.upstream.started[1].end()
        harness.run()
        #expect(try harness.received().status == 200)
    }

    @Test func anOverloadedAnswerIsRetriedAfterRetryAfter() throws {
        let harness = try ExchangeHarness { $0.api.overloadRetries = 1 }
        try harness.request()
        harness.upstream.started[0].head(529, [("retry-after", "2")])
        harness.run()
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1900))
        #expect(harness.upstream.started.count == 1)
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(harness.upstream.started.count == 2)
        harness.upstream.started[1].head(529)
        harness.upstream.started[1].end()
        harness.run()
        #expect(try harness.received().status == 529)
    }

    @Test func theConfigurationIsReadOnceWhenTheHeadArrives() throws {
        let harness = try ExchangeHarness()
        try harness.sendHead()
        var loaded = harness.daemon.current.loaded
        loaded.settings.api.baseURL = "http://changed.test"
        loaded.settings.server.maxBodyBytes = 1
        harness.daemon.replaceConfiguration(RuntimeConfiguration(loaded: loaded, baseLogger: harness.daemon.current.logger))
        try harness.sendBody(#"{"messages":[{"role":"user","content":"hi"}]}"#)
        try harness.sendEnd()
        #expect(harness.upstream.started.first?.request.url == "http://upstream.test/v1/messages")
    }

    @Test func aClientThatDoesNotKeepAliveGetsConnectionCloseAndTheConnectionCloses() throws {
        let harness = try ExchangeHarness()
        try harness.request(headers: [("connection", "close")])
        harness.upstream.started[0].head(200, Self.sse)
        harness.upstream.started[0].end()
        harness.run()
        let received = try harness.received()
        #expect(received.head?.headers.first(name: "connection") == "close")
        #expect(received.ended)
        #expect(!harness.channel.isActive)
    }
}
