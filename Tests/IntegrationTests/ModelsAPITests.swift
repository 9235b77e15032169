import Foundation
import MaximizeCore
import Testing

/// The Models API as the official SDKs call it: `GET /v1/models/{id}` and the list's pages,
/// passed through to the upstream with nicknames resolved (issue 16, item 5).
@Suite(.ownThreads) struct ModelsAPITests {
    /// The URIs of the model requests the upstream received.
    static func modelURIs(_ mock: MockUpstream) -> [String] {
        mock.received.filter { $0.method == "GET" && $0.uri.hasPrefix("/v1/models") }.map(\.uri)
    }

    @Test func anthropicSDKRetrievesAndPagesModels() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let output = try await SDKTests.runPython("anthropic_sdk_models.py", [sidecar.socketPath])
        let result = try #require(try? JSONParser.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(
            result["retrieve"]
                == [
                    "id": "claude-haiku-4-5", "type": "model", "display_name": "Claude Haiku 4.5",
                    "created_at": "2025-10-01T00:00:00+00:00",
                ]
        )
        #expect(result["nickname"] == "claude-sonnet-5")
        #expect(result["missing"] == ["status": 404, "type": "not_found_error"])
        #expect(result["all_pages"] == ["claude-sonnet-5", "claude-sonnet-4-6", "claude-haiku-4-5"])
        #expect(
            result["page"]
                == [
                    "ids": ["claude-sonnet-5", "claude-sonnet-4-6"], "has_more": true,
                    "first_id": "claude-sonnet-5", "last_id": "claude-sonnet-4-6",
                ]
        )
        #expect(result["next_page"] == ["ids": ["claude-haiku-4-5"], "has_more": false])
        #expect(result["before"] == ["ids": ["claude-sonnet-4-6"], "has_more": true])
        let whole = result["whole"]?.arrayValue ?? []
        #expect(whole.prefix(3) == ["claude-sonnet-5", "claude-sonnet-4-6", "claude-haiku-4-5"])
        #expect(whole.contains("xs") && whole.contains("xxl"))

        // What the upstream was asked: the SDK's query as sent, the nickname resolved.
        let uris = Self.modelURIs(mock)
        #expect(uris.contains("/v1/models/claude-haiku-4-5"))
        #expect(uris.contains("/v1/models/claude-sonnet-5"))
        #expect(uris.contains("/v1/models/claude-unknown-1"))
        #expect(!uris.contains("/v1/models/l"))
        #expect(uris.contains("/v1/models?limit=1"))
        #expect(uris.contains("/v1/models?limit=1&after_id=claude-sonnet-5"))
        #expect(uris.contains("/v1/models?limit=1&after_id=claude-sonnet-4-6"))
        #expect(uris.contains("/v1/models?limit=2&after_id=claude-sonnet-4-6"))
        #expect(uris.contains("/v1/models?before_id=claude-haiku-4-5&limit=1"))
        #expect(uris.contains("/v1/models?limit=1000"))
    }

    @Test func openAISDKRetrievesModels() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let output = try await SDKTests.runPython("openai_sdk_models.py", [sidecar.socketPath])
        let result = try #require(try? JSONParser.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(
            result["retrieve"]
                == ["id": "claude-sonnet-5", "object": "model", "created": 1_767_225_600, "owned_by": "anthropic"]
        )
        #expect(result["nickname"] == "claude-haiku-4-5")
        #expect(result["missing"] == ["status": 404])
        let listed = result["list"]?.arrayValue ?? []
        #expect(listed.first == ["id": "claude-sonnet-5", "object": "model", "owned_by": "anthropic"])
        #expect(listed.contains(["id": "xl", "object": "model", "owned_by": "maximize"]))
        #expect(Self.modelURIs(mock).contains("/v1/models/claude-haiku-4-5"))
    }

    @Test func theModelRouteKeepsHTTPsRulesAndBoundedLabels() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        // The query goes upstream as sent; one that names no page still gets the whole list.
        let model = try sidecar.request("GET", "/v1/models/m?beta=true")
        #expect(model.status == 200)
        #expect(model.json?["id"] == "claude-sonnet-4-6")
        #expect(model.json?["object"] == "model")
        let list = try sidecar.request("GET", "/v1/models?beta=true")
        #expect(list.json?["data"]?.arrayValue?.contains { $0["id"] == "xs" } == true)
        let page = try sidecar.request("GET", "/v1/models?limit=1")
        #expect(page.json?["data"]?.arrayValue?.count == 1)
        #expect(page.json?["has_more"] == true)
        #expect(page.json?["last_id"] == "claude-sonnet-5")
        #expect(page.json?["object"] == "list")
        // (The daemon's own nickname check asks for `/v1/models?limit=1000` at some point too.)
        #expect(
            Self.modelURIs(mock).filter { $0 != "/v1/models?limit=1000" } == [
                "/v1/models/claude-sonnet-4-6?beta=true", "/v1/models?beta=true&limit=1000", "/v1/models?limit=1",
            ]
        )
        // The upstream's errors pass through.
        let missing = try sidecar.request("GET", "/v1/models/claude-unknown-2")
        #expect(missing.status == 404)
        #expect(missing.json?["error"]?["type"] == "not_found_error")
        let badLimit = try sidecar.request("GET", "/v1/models?limit=0")
        #expect(badLimit.status == 400)

        let post = try sidecar.request("POST", "/v1/models/claude-sonnet-5", body: "{}")
        #expect(post.status == 405)
        #expect(post.header("allow") == "GET, HEAD")
        for path in ["/v1/models/a/b", "/v1/models/..", "/v1/models/a%20b\"c"] {
            #expect(try sidecar.request("GET", path).status == 404, "\(path)")
        }

        // HEAD: the head only, and the connection goes on.
        let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
        try connection.send(
            Array(
                "HEAD /v1/models/claude-sonnet-5 HTTP/1.1\r\nhost: x\r\n\r\nGET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
                    .utf8
            )
        )
        let answer = HTTPRulesTests.readAll(connection)
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        #expect(answer.components(separatedBy: "HTTP/1.1 200").count == 3, "\(answer)")
        #expect(!answer.contains("Claude Sonnet 5"), "\(answer)")

        // One metrics label for every id.
        let metrics = try sidecar.request("GET", "/metrics").text
        #expect(metrics.contains(#"route="/v1/models/{id}",status="200""#))
        #expect(metrics.contains(#"route="/v1/models/{id}",status="404""#))
        #expect(!metrics.contains("claude-unknown-2") && !metrics.contains("claude-sonnet-4-6"))
    }
}
