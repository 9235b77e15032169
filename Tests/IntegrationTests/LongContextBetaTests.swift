import Foundation
import MaximizeCore
import Synchronization
import Testing

/// `limits.drop_unavailable_betas`: a request whose long-context beta the subscription refuses is
/// retried once without it.
@Suite(.serialized, .ownThreads)
struct LongContextBetaTests {
    static let beta = ("anthropic-beta", "context-1m-2025-08-07,interleaved-thinking-2025-05-14")

    static func post(_ sidecar: SidecarProcess, _ mock: String, stream: Bool = false) throws -> RawHTTP.Response {
        try sidecar.request(
            "POST",
            "/v1/messages",
            headers: [("content-type", "application/json"), beta],
            body: #"{"model":"l","max_tokens":16,"stream":\#(stream),"messages":[{"role":"user","content":"hi"}],"mock":\#(mock)}"#
        )
    }

    @Test(arguments: [400, 429])
    func aRefusedBetaIsDroppedAndTheRequestRetriedOnce(status: Int) async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let first = try Self.post(sidecar, #"{"long_context_refusal":\#(status)}"#)
        #expect(first.status == 200, "\(first.text)")
        #expect(first.json?["content"]?.arrayValue?.first?["text"] == "Hello from the mock.")
        let streamed = try Self.post(sidecar, #"{"long_context_refusal":\#(status)}"#, stream: true)
        #expect(streamed.status == 200)
        #expect(streamed.text.contains("message_stop"))
        let betas = mock.messageRequests.map { $0.header("anthropic-beta") ?? "" }
        #expect(betas == [Self.beta.1, "interleaved-thinking-2025-05-14", Self.beta.1, "interleaved-thinking-2025-05-14"])
        #expect(try RateLimitTests.metrics(sidecar, "maximize_long_context_beta_dropped_total") == ["maximize_long_context_beta_dropped_total 2"])
        #expect(sidecar.log.components(separatedBy: "refused the long-context beta").count == 2, "logged once")
        // A 429 that refuses the beta starts no cooldown.
        #expect(try RateLimitTests.metrics(sidecar, "maximize_ratelimit_cooldown_seconds") == ["maximize_ratelimit_cooldown_seconds 0"])
    }

    @Test func otherErrorsToSuchRequestsPassThroughUntouched() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let answer = try Self.post(sidecar, #"{"long_context_refusal":400,"long_context_message":"max_tokens: too many"}"#)
        #expect(answer.status == 400)
        #expect(answer.json?["error"]?["message"] == "max_tokens: too many")
        #expect(answer.header("request-id") == "req_mock_long_context")
        let overloaded = try Self.post(sidecar, #"{"status":529,"error_type":"overloaded_error"}"#)
        #expect(overloaded.status == 529)
        #expect(mock.messageRequests.count == 2)
        #expect(try RateLimitTests.metrics(sidecar, "maximize_long_context_beta_dropped_total") == ["maximize_long_context_beta_dropped_total 0"])
    }

    @Test func switchedOffTheRefusalReachesTheClient() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":0},"limits":{"drop_unavailable_betas":false}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        let answer = try Self.post(sidecar, #"{"long_context_refusal":400}"#)
        #expect(answer.status == 400)
        #expect(answer.json?["error"]?["message"]?.stringValue?.contains("long context beta") == true)
        #expect(mock.messageRequests.count == 1)
        #expect(try RateLimitTests.metrics(sidecar, "maximize_long_context_beta_dropped_total") == ["maximize_long_context_beta_dropped_total 0"])
    }
}
