import Testing

@testable import MaximizeCore

struct TokenFileTests {
    private func parse(_ text: String) throws(CredentialError) -> Credential? {
        try TokenFile.parse(Array(text.utf8), path: "/s/tokens.json")
    }

    @Test func seedsForm() throws {
        let credential = try parse(#"{"access_token":"at-1","refresh_token":"rt-1","expires_at":1700000000}"#)
        #expect(credential == .oauth(OAuthToken(accessToken: Secret("at-1"), refreshToken: Secret("rt-1"), expiresAt: 1_700_000_000)))
        #expect(credential?.kind == .oauth)
    }

    @Test func claudeCodeForm() throws {
        let text = """
            {"claudeAiOauth":{"accessToken":"at-2","refreshToken":"rt-2","expiresAt":1700000000123,
             "scopes":["user:inference","user:profile"],"subscriptionType":"max"}}
            """
        guard case .oauth(let token) = try parse(text) else {
            Issue.record("expected OAuth credentials")
            return
        }
        #expect(token.accessToken.value == "at-2")
        #expect(token.refreshToken?.value == "rt-2")
        #expect(token.expiresAt == 1_700_000_000.123)
        #expect(token.scopes == ["user:inference", "user:profile"])
        #expect(token.subscriptionType == "max")
    }

    @Test func apiKeyForm() throws {
        let credential = try parse(#"{"api_key":"sk-ant-api03-x"}"#)
        #expect(credential == .apiKey(Secret("sk-ant-api03-x")))
        #expect(credential?.kind == .apiKey)
    }

    @Test(arguments: ["{}", "", " \n", #"{"access_token":null}"#, #"{"api_key":null,"other":1}"#])
    func noCredentials(text: String) throws {
        #expect(try parse(text) == nil)
    }

    @Test func optionalFields() throws {
        let credential = try parse(#"{"access_token":"at","refresh_token":"","scopes":"a b"}"#)
        #expect(credential == .oauth(OAuthToken(accessToken: Secret("at"), refreshToken: nil, expiresAt: nil, scopes: ["a", "b"])))
    }

    @Test func corruptJSONErrorHasPositionAndAdviceButNoSecret() throws {
        let error = #expect(throws: CredentialError.self) {
            try parse("{\"access_token\": \"sk-ant-oat01-SECRETVALUE\",\n \"refresh_token\": sk-ant-ort01-OTHER}")
        }
        let text = try #require(error).description
        #expect(text.contains("line 2, column 19"), "\(text)")
        #expect(text.contains("maxctl login"))
        #expect(text.contains("/s/tokens.json"))
        #expect(!text.contains("SECRETVALUE"))
        #expect(!text.contains("sk-ant"))
        #expect(!text.contains("OTHER"))
    }

    @Test(arguments: [
        (#"["at"]"#, "must hold a JSON object"), (#"{"claudeAiOauth":"x"}"#, "claudeAiOauth must be an object"),
        (#"{"claudeAiOauth":{"refreshToken":"r"}}"#, "claudeAiOauth.accessToken"),
        (#"{"claudeAiOauth":{"accessToken":"a","expiresAt":"soon"}}"#, "claudeAiOauth.expiresAt"),
        (#"{"api_key":""}"#, "api_key"), (#"{"api_key":5}"#, "api_key"),
        (#"{"refresh_token":"r"}"#, "no access_token"), (#"{"access_token":""}"#, "access_token"),
        (#"{"access_token":"a","refresh_token":5}"#, "refresh_token must be a string"),
        (#"{"access_token":"a","expires_at":"x"}"#, "expires_at must be a number"),
    ])
    func invalidFiles(text: String, reason: String) throws {
        let error = #expect(throws: CredentialError.self) { try parse(text) }
        guard case .invalidFile(let path, let message) = error else {
            Issue.record("expected invalidFile, got \(String(describing: error))")
            return
        }
        #expect(path == "/s/tokens.json")
        #expect(message.contains(reason), "\(message)")
    }

    @Test(arguments: [
        Credential.apiKey(Secret("sk-ant-api03-key")),
        .oauth(OAuthToken(accessToken: Secret("at \"q\""), refreshToken: Secret("rt"), expiresAt: 1_700_000_000)),
        .oauth(OAuthToken(accessToken: Secret("at"), refreshToken: nil, expiresAt: nil)),
        .oauth(
            OAuthToken(
                accessToken: Secret("at"),
                refreshToken: Secret("rt"),
                expiresAt: 5,
                scopes: ["user:inference"],
                subscriptionType: "pro"
            )
        ),
    ])
    func serializeParseRoundTrip(credential: Credential) throws {
        let bytes = TokenFile.serialize(credential)
        #expect(bytes.last == 0x0A)
        #expect(try TokenFile.parse(bytes, path: "p") == credential)
    }

    @Test func serializeWritesTheSeedsForm() {
        let token = OAuthToken(accessToken: Secret("a"), refreshToken: Secret("r"), expiresAt: 1_700_000_000.9)
        #expect(TokenFile.serialize(.oauth(token)).text == #"{"access_token":"a","expires_at":1700000000,"refresh_token":"r"}"# + "\n")
    }

    @Test(arguments: [
        #"{"access_token":"a","expires_at":1e300}"#, #"{"access_token":"a","expires_at":-5}"#,
        #"{"claudeAiOauth":{"accessToken":"a","expiresAt":1e300}}"#,
    ])
    func absurdExpiryIsRejectedNotCrashed(_ text: String) {
        #expect(throws: CredentialError.self) { try TokenFile.parse(Array(text.utf8), path: "/t/tokens.json") }
    }
}
