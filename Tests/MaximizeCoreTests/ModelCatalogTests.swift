import Testing

@testable import MaximizeCore

struct ModelCatalogTests {
    let upstream = #"""
        {"data":[{"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5",
        "created_at":"2025-10-15T00:00:00Z","extra":{"k":1}},{"type":"model","id":"claude-opus-5",
        "created_at":"2026-01-02T03:04:05.123Z"},{"no_id":true}],"has_more":true,"first_id":"x","last_id":"y","custom":1}
        """#

    @Test func mergedKeepsUpstreamEntriesAndAppendsNicknames() throws {
        let settings = try makeSettings(config: #"{"models":{"nicknames":{"zz":"claude-opus-5","aa":"other"}}}"#)
        let merged = ModelCatalog.merged(upstreamBody: Array(upstream.utf8), settings: settings)
        #expect(merged["object"] == "list")
        #expect(merged["has_more"] == false)
        #expect(merged["custom"] == 1)
        let data = try #require(merged["data"]?.arrayValue)
        let ids = data.compactMap { $0["id"]?.stringValue }
        #expect(ids == ["claude-haiku-4-5", "claude-opus-5", "xs", "s", "m", "l", "xl", "xxl", "aa", "zz"])
        #expect(merged["first_id"] == "claude-haiku-4-5")
        #expect(merged["last_id"] == "zz")
        let haiku = data[0]
        #expect(haiku["display_name"] == "Claude Haiku 4.5")
        #expect(haiku["extra"] == ["k": 1])
        #expect(haiku["object"] == "model")
        #expect(haiku["owned_by"] == "anthropic")
        #expect(haiku["created"] == .int(1_760_486_400))
        #expect(data[1]["created"] == .int(1_767_323_045))
        let xs = data[2]
        #expect(xs["nickname_for"] == "claude-haiku-4-5")
        #expect(xs["owned_by"] == "maximize")
        #expect(xs["object"] == "model")
        #expect(xs["created"] == .int(1_760_486_400))
        #expect(data[3]["created"] == 0)
        #expect(data.last?["nickname_for"] == "claude-opus-5")
    }

    @Test(arguments: ["", "not json", "[]", #"{"data":5}"#])
    func mergedWithoutAnUpstreamListHasTheNicknames(body: String) throws {
        let merged = ModelCatalog.merged(upstreamBody: Array(body.utf8), settings: try makeSettings())
        #expect(merged["object"] == "list")
        #expect(merged["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == Defaults.nicknameOrder)
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0), ("2000-03-01T00:00:00Z", 951_868_800), ("2024-02-29T12:34:56Z", 1_709_210_096),
        ("2025-02-19T00:00:00+02:00", 1_739_916_000), ("1969-12-31T23:59:59Z", -1),
    ])
    func unixTime(text: String, expected: Int) {
        #expect(Timestamp.unixTime(iso8601: text) == Double(expected))
    }

    @Test(arguments: ["", "2025-02-19", "2025-02-19Txx:00:00Z", "yesterday at noon!!"])
    func unixTimeRejectsOtherText(text: String) {
        #expect(Timestamp.unixTime(iso8601: text) == nil)
    }

    @Test func modelIDsAndUnknownNicknames() throws {
        let ids = try #require(ModelCatalog.modelIDs(in: Array(upstream.utf8)))
        #expect(ids == ["claude-haiku-4-5", "claude-opus-5"])
        #expect(ModelCatalog.modelIDs(in: Array("{}".utf8)) == nil)
        let unknown = ModelCatalog.unknownNicknames(settings: try makeSettings(), upstreamIDs: ids)
        #expect(unknown.map(\.nickname) == ["l", "m", "s", "xl"])
    }
}
