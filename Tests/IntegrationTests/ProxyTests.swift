import Foundation
import MaximizeCore
import Synchronization
import Testing

/// The proxy path through the real binary, its Unix socket and TCP port, against the mock upstream.
@Suite(.serialized, .ownThreads)
struct ProxyTests {
    static let apiKey = "sk-ant-api-test-key-0123456789"
    static let oauthTokens = #"{"access_token":"sk-ant-oat-access-abcdef","refresh_token":"sk-ant-ort-refresh-ghijkl","expires_at":4102444800}"#

    @Test func nonStreamingOverTheSocketForwardsEveryField() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let body =
            #"{"model":"xs","max_tokens":64,"messages":[{"role":"user","content":"hi"}],"metadata":{"user_id":"u-1"},"tool_choice":{"type":"auto"},"x_unknown":[1,2.50,{"deep":true}]}"#
        let response = try sidecar.request(
            "POST",
            "/v1/messages",
            headers: [("x-api-key", "client-key-must-not-leak"), ("authorization", "Bearer client-token"), ("anthropic-beta", "tools-2024-04-04")],
            body: body
        )
        #expect(response.status == 200)
        #expect(response.json?["content"]?.arrayValue?.first?["text"]?.stringValue == "Hello from the mock.")
        #expect(response.header("request-id") == "req_mock")
        let received = try #require(mock.messageRequests.last)
        #expect(received.uri == "/v1/messages")
        #expect(received.header("x-api-key") == Self.apiKey)
        #expect(received.header("authorization") == nil)
        #expect(received.header("anthropic-beta") == "tools-2024-04-04")
        #expect(received.header("anthropic-version") == "2023-06-01")
        let json = try #require(received.json)
        #expect(json["model"]?.stringValue == "claude-haiku-4-5")
        #expect(json["metadata"] == ["user_id": "u-1"])
        #expect(json["tool_choice"] == ["type": "auto"])
        // Untouched fields keep the client's exact bytes (2.50 stays 2.50).
        #expect(String(decoding: received.body, as: UTF8.self).contains(#""x_unknown":[1,2.50,{"deep":true}]"#))
        #expect(json["system"] == nil)
    }

    @Test func oauthRequestsGetBearerBetasAndIdentity() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(tokens: Self.oauthTokens, upstream: mock.baseURL)
        defer { sidecar.stop() }
        let response = try sidecar.request(
            "POST",
            "/v1/messages",
            headers: [("anthropic-beta", "claude-code-20250219,custom-beta")],
            body:
                #"{"system":"Be brief.","messages":[{"role":"user","content":"hi"}],"thinking":{"type":"enabled","budget_tokens":2000},"temperature":0.2,"top_k":5,"max_tokens":100}"#
        )
        #expect(response.status == 200)
        let received = try #require(mock.messageRequests.last)
        #expect(received.header("authorization") == "Bearer sk-ant-oat-access-abcdef")
        #expect(received.header("x-api-key") == nil)
        let betas = received.header("anthropic-beta")?.split(separator: ",").map(String.init) ?? []
        #expect(betas.contains("oauth-2025-04-20"))
        #expect(betas.contains("custom-beta"))
        #expect(betas.filter { $0 == "claude-code-20250219" }.count == 1)
        let json = try #require(received.json)
        #expect(json["model"]?.stringValue == "claude-sonnet-5")
        let system = try #require(json["system"]?.arrayValue)
        #expect(system.first?["text"]?.stringValue == "You are Claude Code, Anthropic's official CLI for Claude.")
        #expect(system.last?["text"]?.stringValue == "Be brief.")
        #expect(json["temperature"]?.doubleValue == 1)
        #expect(json["top_k"] == nil)
        #expect(json["max_tokens"]?.intValue == 3024)
    }

    @Test func streamingEventsArriveOneByOne() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
        let started = RawHTTP.now()
        var firstEventAt: Double?
        let response = try RawHTTP.send(
            connection,
            method: "POST",
            path: "/v1/messages",
            body: Array(#"{"model":"l","stream":true,"messages":[],"mock":{"events":4,"delay_ms":150}}"#.utf8)
        ) { time, bytes in
            if firstEventAt == nil, String(decoding: bytes, as: UTF8.self).contains("message_start") { firstEventAt = time }
            return true
        }
        let finished = RawHTTP.now()
        #expect(response.status == 200)
        #expect(response.header("content-type")?.hasPrefix("text/event-stream") == true)
        let text = response.text
        #expect(text.components(separatedBy: "event: content_block_delta").count - 1 == 4)
        #expect(text.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
        // 9 events 150 ms apart: the first must arrive long before the last, not batched at the end.
        let first = try #require(firstEventAt)
        #expect(first - started < (finished - started) / 2)
        #expect(response.chunkTimes.count >= 5)
    }

    @Test func tcpListenerServesTheSameRoutes() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let port = RawHTTP.freePort()
        let sidecar = try await SidecarProcess(upstream: mock.baseURL, environment: ["PORT": String(port)])
        defer { sidecar.stop() }
        var connection: RawHTTP.Connection?
        for _ in 0..<100 where connection == nil {
            connection = try? RawHTTP.connect(port: port)
            if connection == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let tcp = try #require(connection)
        let health = try RawHTTP.send(tcp, method: "GET", path: "/healthz")
        #expect(health.status == 200)
        #expect(health.json == ["status": "ok"])
        let response = try RawHTTP.send(
            tcp,
            method: "POST",
            path: "/v1/messages",
            body: Array(#"{"model":"m","stream":true,"messages":[]}"#.utf8)
        )
        #expect(response.status == 200)
        #expect(response.text.contains("message_stop"))
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue == "claude-sonnet-4-6")
    }

    @Test func countTokensAndModels() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let count = try sidecar.request("POST", "/v1/messages/count_tokens", body: #"{"model":"s","messages":[]}"#)
        #expect(count.status == 200)
        #expect(count.json == ["input_tokens": 42])
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue == "claude-sonnet-4-5")
        let models = try sidecar.request("GET", "/v1/models")
        #expect(models.status == 200)
        let ids = models.json?["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(ids.contains("claude-sonnet-5"))
        #expect(ids.contains("xs") && ids.contains("xxl"))
        #expect(models.json?["object"]?.stringValue == "list")
    }

    @Test func oneUpstreamConnectionForManySequentialRequests() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        // The start-up nickname check (GET /v1/models) may hold a connection while the first
        // request goes: that one may open a second connection; every later one reuses.
        #expect(await mock.waitForStartupCheck())
        for index in 0..<20 {
            let response = try sidecar.request(
                "POST",
                "/v1/messages",
                body: #"{"messages":[],"stream":\#(index % 2 == 0 ? "true" : "false")}"#
            )
            #expect(response.status == 200)
        }
        #expect(mock.messageRequests.count == 20)
        #expect(Set(mock.messageRequests.dropFirst().map(\.connection)).count == 1)
        #expect(mock.counters.withLock { $0.connections } <= 2)
    }

    @Test func clientDisconnectCancelsTheUpstreamTransfer() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        do {
            let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
            _ = try RawHTTP.send(
                connection,
                method: "POST",
                path: "/v1/messages",
                body: Array(#"{"stream":true,"messages":[],"mock":{"events":200,"delay_ms":50}}"#.utf8)
            ) { _, bytes in !String(decoding: bytes, as: UTF8.self).contains("content_block_delta") }
        }  // the connection closes here, mid-stream
        #expect(await mock.waitFor(5) { $0.abandonedStreams == 1 })
        #expect(mock.counters.withLock { $0.completedStreams } == 0)
        let health = try sidecar.request("GET", "/healthz")
        #expect(health.status == 200)
    }
}
