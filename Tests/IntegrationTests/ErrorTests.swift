import Foundation
import MaximizeCore
import Testing

/// What the proxy answers when it cannot forward a request, in Anthropic's error shape.
@Suite(.serialized, .ownThreads)
struct ErrorTests {
    func expectError(_ response: RawHTTP.Response, status: Int, type: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.json?["type"]?.stringValue == "error", sourceLocation: sourceLocation)
        #expect(response.json?["error"]?["type"]?.stringValue == type, sourceLocation: sourceLocation)
        #expect(response.json?["error"]?["message"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
    }

    @Test func requestsTheProxyRejects() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(config: #"{"server":{"max_body_bytes":4096}}"#, upstream: mock.baseURL)
        defer { sidecar.stop() }
        expectError(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[}"#), status: 400, type: "invalid_request_error")
        expectError(try sidecar.request("POST", "/v1/messages", body: #"{"model":5}"#), status: 400, type: "invalid_request_error")
        expectError(try sidecar.request("POST", "/v1/messages", body: "[]"), status: 400, type: "invalid_request_error")
        expectError(
            try sidecar.request("POST", "/v1/messages", body: #"{"messages":"\#(String(repeating: "x", count: 5000))"}"#),
            status: 413,
            type: "request_too_large"
        )
        expectError(try sidecar.request("GET", "/v1/nothing"), status: 404, type: "not_found_error")
        expectError(try sidecar.request("GET", "/v1/messages"), status: 405, type: "invalid_request_error")
        #expect(mock.messageRequests.isEmpty)
        #expect(try sidecar.request("GET", "/healthz").status == 200)
    }

    @Test func expectContinueIsAnswered() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
        let body = Array(#"{"messages":[]}"#.utf8)
        try connection.send(
            Array(
                "POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: \(body.count)\r\nexpect: 100-continue\r\n\r\n"
                    .utf8
            )
        )
        let interim = String(decoding: try connection.receive(), as: UTF8.self)
        #expect(interim.hasPrefix("HTTP/1.1 100 Continue"))
        try connection.send(body)
        let response = try RawHTTP.readResponse(connection)
        #expect(response.status == 200)
    }

    @Test func inboundAPIKeyIsRequiredWhenConfigured() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL, environment: ["MAXIMIZE_API_KEY": "local-secret"])
        defer { sidecar.stop() }
        expectError(try sidecar.request("POST", "/v1/messages", body: "{}"), status: 401, type: "authentication_error")
        expectError(
            try sidecar.request("POST", "/v1/messages", headers: [("x-api-key", "wrong")], body: "{}"),
            status: 401,
            type: "authentication_error"
        )
        #expect(try sidecar.request("POST", "/v1/messages", headers: [("x-api-key", "local-secret")], body: "{}").status == 200)
        #expect(
            try sidecar.request("POST", "/v1/messages", headers: [("authorization", "Bearer local-secret")], body: "{}").status == 200
        )
        #expect(mock.messageRequests.allSatisfy { $0.header("x-api-key") == ProxyTests.apiKey })
        #expect(try sidecar.request("GET", "/healthz").status == 200)
    }

    @Test func upstreamErrorsPassThroughWithTheirHeaders() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let overloaded = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"messages":[],"mock":{"status":529,"error_type":"overloaded_error"}}"#
        )
        expectError(overloaded, status: 529, type: "overloaded_error")
        // Last: a 429 with retry-after starts the local cooldown (RateLimitTests).
        let response = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"messages":[],"mock":{"status":429,"retry_after":7,"error_type":"rate_limit_error"}}"#
        )
        expectError(response, status: 429, type: "rate_limit_error")
        #expect(response.header("retry-after") == "7")
        #expect(response.header("anthropic-ratelimit-requests-remaining") == "0")
    }

    @Test func unreachableUpstreamIs502AndTimeoutIs504() async throws {
        let mock = try MockUpstream()
        let deadPort = mock.port
        let held = mock.shutdownHoldingPort()
        defer { close(held) }
        let dead = try await SidecarProcess(upstream: "http://127.0.0.1:\(deadPort)")
        defer { dead.stop() }
        expectError(try dead.request("POST", "/v1/messages", body: "{}"), status: 502, type: "api_error")
        #expect(try dead.request("GET", "/healthz").status == 200)

        let slow = try MockUpstream()
        defer { slow.shutdown() }
        let sidecar = try await SidecarProcess(upstream: slow.baseURL, environment: ["REQUEST_TIMEOUT": "0.5"])
        defer { sidecar.stop() }
        // Held by the upstream for 30 s: only the 0.5 s timeout can answer 504 first.
        expectError(
            try sidecar.request("POST", "/v1/messages", body: #"{"messages":[],"mock":{"stall_ms":30000}}"#),
            status: 504,
            type: "timeout_error"
        )
    }

    @Test func noCredentialsMeans401AndNotReady() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(tokens: nil, upstream: mock.baseURL)
        defer { sidecar.stop() }
        let response = try sidecar.request("POST", "/v1/messages", body: "{}")
        expectError(response, status: 401, type: "authentication_error")
        #expect(response.json?["error"]?["message"]?.stringValue?.contains("maxctl login") == true)
        let ready = try sidecar.request("GET", "/readyz")
        #expect(ready.status == 503)
        #expect(ready.json?["reason"]?.stringValue?.contains("maxctl login") == true)
        #expect(try sidecar.request("GET", "/healthz").status == 200)
        #expect(try sidecar.request("GET", "/auth/status").json?["kind"]?.stringValue == "none")
    }

    @Test func corruptTokensFileIsReportedAndKept() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let corrupt = "{\n  \"access_token\": \"sk-ant-oat-secret-value\",\n  oops\n}"
        let sidecar = try await SidecarProcess(tokens: corrupt, upstream: mock.baseURL)
        defer { sidecar.stop() }
        let response = try sidecar.request("POST", "/v1/messages", body: "{}")
        expectError(response, status: 401, type: "authentication_error")
        let message = response.json?["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("line 3"))
        #expect(!message.contains("secret-value"))
        #expect(!sidecar.log.contains("secret-value"))
        #expect(try String(contentsOfFile: sidecar.tokenFile, encoding: .utf8) == corrupt)
    }

    @Test func openTCPWithoutAPIKeyRefusesToStart() async throws {
        let sidecar = try await SidecarProcess(
            upstream: nil,
            environment: ["PORT": "38123", "BIND_ADDRESS": "0.0.0.0"],
            waitForSocket: false
        )
        let status = await sidecar.waitForExit()
        #expect(status == 1)
        #expect(sidecar.log.contains("server.api_key"))
    }

    @Test func invalidConfigurationNamesFileAndKey() async throws {
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"port":"eighty"}}"#,
            upstream: nil,
            waitForSocket: false
        )
        let status = await sidecar.waitForExit()
        #expect(status == 1)
        #expect(sidecar.log.contains("config.json"))
        #expect(sidecar.log.contains("server.port"))
    }
}
