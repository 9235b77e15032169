import MaximizeCore
import NIOCore
import NIOHTTP1
import Testing

@testable import MaximizeSidecar

/// `/v1/chat/completions` through the handler: the OpenAI transformer on the same exchange.
@Suite struct HTTPHandlerOpenAITests {
    static let chat = #"{"model":"claude-test","messages":[{"role":"user","content":"hi"}]}"#

    @Test func aWholeAnswerIsTranslated() throws {
        let harness = try ExchangeHarness()
        try harness.request(.POST, "/v1/chat/completions", body: Self.chat)
        let transfer = try #require(harness.upstream.started.first)
        #expect(transfer.request.url == "http://upstream.test/v1/messages")
        transfer.head(200, [("content-type", "application/json"), ("request-id", "req_1")])
        transfer.body(#"{"id":"msg_1","model":"claude-test","content":[{"type":"text","text":"hello"}],"#)
        transfer.body(#""stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":1}}"#)
        transfer.end()
        harness.run()
        let received = try harness.received()
        #expect(received.status == 200)
        #expect(received.head?.headers.first(name: "request-id") == "req_1")
        #expect(received.json?["object"] == "chat.completion")
        #expect(received.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "hello")
    }

    @Test func anUntranslatableRequestIsAnOpenAIErrorWithoutACredential() throws {
        let harness = try ExchangeHarness()
        try harness.request(.POST, "/v1/chat/completions", body: #"{"messages":"nope"}"#)
        let received = try harness.received()
        #expect(received.status == 400)
        #expect(received.json?["error"]?["param"] == "messages")
        #expect(harness.credentials.calls.isEmpty)
    }

    @Test func anUpstreamFailureBeforeTheHeadIsAnOpenAIError() throws {
        let harness = try ExchangeHarness()
        try harness.request(.POST, "/v1/chat/completions", body: Self.chat)
        harness.upstream.started[0].end(UpstreamError(kind: .timeout, message: "slow"))
        harness.run()
        let received = try harness.received()
        #expect(received.status == 504)
        #expect(received.json?["error"]?["code"] == "timeout")
    }
}
