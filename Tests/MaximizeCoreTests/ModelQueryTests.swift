import Testing

@testable import MaximizeCore

/// What the daemon asks the upstream for a client's model request, and what it answers.
struct ModelQueryTests {
    @Test(arguments: [
        ("", ModelQuery.Answer.wholeList, "/v1/models?limit=1000"),
        ("?beta=true", .wholeList, "/v1/models?beta=true&limit=1000"),
        ("?limits=5", .wholeList, "/v1/models?limits=5&limit=1000"),
        ("?limit=5", .page, "/v1/models?limit=5"),
        ("?beta=true&after_id=claude-x", .page, "/v1/models?beta=true&after_id=claude-x"),
        ("?before_id=claude-x&limit=2", .page, "/v1/models?before_id=claude-x&limit=2"),
    ])
    func aListNamingAPageIsForwardedAsSent(query: String, answer: ModelQuery.Answer, target: String) {
        let request = ModelQuery.list(query: query)
        #expect(request.answer == answer)
        #expect(request.target == target)
    }

    @Test func aNicknameInTheIdIsResolved() throws {
        let settings = try makeSettings(config: #"{"models":{"nicknames":{"fast":"claude-haiku-4-5"}}}"#)
        #expect(ModelQuery.model(id: "l", query: "", settings: settings).target == "/v1/models/claude-sonnet-5")
        #expect(ModelQuery.model(id: "fast", query: "?beta=true", settings: settings).target == "/v1/models/claude-haiku-4-5?beta=true")
        #expect(ModelQuery.model(id: "claude-x", query: "", settings: settings).target == "/v1/models/claude-x")
        let request = ModelQuery.model(id: "xs", query: "", settings: settings)
            .upstreamRequest(settings: settings, credential: .apiKey(Secret("sk-test")), client: [("anthropic-beta", "b1")])
        #expect(request.method == "GET")
        #expect(request.url == settings.api.baseURL + "/v1/models/claude-haiku-4-5")
        #expect(request.headers.contains { $0.name == "anthropic-beta" && $0.value == "b1" })
        #expect(!request.headers.contains { $0.name == "content-type" })
    }

    @Test func aPageKeepsTheUpstreamsCursorsAndAddsNoNicknames() throws {
        let body = #"{"data":[{"type":"model","id":"a","created_at":"1970-01-01T00:01:00Z"}],"has_more":true,"first_id":"a","last_id":"a"}"#
        let page = try #require(ModelCatalog.page(upstreamBody: Array(body.utf8)))
        #expect(
            page["data"] == [
                ["type": "model", "id": "a", "created_at": "1970-01-01T00:01:00Z", "object": "model", "created": 60, "owned_by": "anthropic"]
            ]
        )
        #expect(page["has_more"] == true)
        #expect(page["first_id"] == "a" && page["last_id"] == "a")
        #expect(page["object"] == "list")
        #expect(ModelCatalog.page(upstreamBody: Array("[]".utf8)) == nil)
    }

    @Test func oneModelGetsOpenAIsFields() throws {
        let body = #"{"type":"model","id":"a","display_name":"A","created_at":"1970-01-01T00:00:10Z"}"#
        let model = try #require(ModelCatalog.model(upstreamBody: Array(body.utf8)))
        #expect(
            model == [
                "type": "model", "id": "a", "display_name": "A", "created_at": "1970-01-01T00:00:10Z", "object": "model", "created": 10,
                "owned_by": "anthropic",
            ]
        )
        let settings = try makeSettings()
        #expect(ModelQuery.model(id: "a", query: "", settings: settings).answer(upstreamBody: Array("x".utf8), settings: settings) == Array("x".utf8))
    }
}
