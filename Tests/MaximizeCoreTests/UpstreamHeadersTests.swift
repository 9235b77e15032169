import Testing

@testable import MaximizeCore

struct UpstreamHeadersTests {
    let settings: Settings
    let oauth = Credential.oauth(OAuthToken(accessToken: Secret("sk-ant-oat-upstream"), refreshToken: nil, expiresAt: nil))
    let apiKey = Credential.apiKey(Secret("sk-ant-api-upstream"))
    let client: [(name: String, value: String)] = [
        ("Authorization", "Bearer client-secret"), ("X-Api-Key", "client-key"),
        ("Anthropic-Beta", "claude-code-20250219, custom-beta-1"), ("anthropic-beta", "custom-beta-2,custom-beta-1"),
        ("Anthropic-Dangerous-Direct-Browser-Access", "true"), ("Content-Type", "text/plain"),
        ("user-agent", "client-agent"), ("cookie", "c=1"),
    ]

    init() throws {
        settings = try makeSettings()
    }

    private func values(_ headers: [(name: String, value: String)], _ name: String) -> [String] {
        headers.filter { $0.name == name }.map(\.value)
    }

    @Test func oauthHeaders() {
        let headers = UpstreamHeaders.build(client: client, credential: oauth, settings: settings)
        #expect(headers.allSatisfy { $0.name == $0.name.lowercased() })
        #expect(values(headers, "authorization") == ["Bearer sk-ant-oat-upstream"])
        #expect(values(headers, "x-api-key").isEmpty)
        // The client's flags in its order, then the missing required ones.
        let betas = ["claude-code-20250219", "custom-beta-1", "custom-beta-2"] + Defaults.betas.filter { $0 != "claude-code-20250219" }
        #expect(values(headers, "anthropic-beta") == [betas.joined(separator: ",")])
        #expect(values(headers, "user-agent") == ["client-agent"])
        #expect(values(headers, "x-app") == ["cli"])
        #expect(values(headers, "anthropic-version") == ["2023-06-01"])
        #expect(values(headers, "content-type") == ["application/json"])
        #expect(values(headers, "anthropic-dangerous-direct-browser-access") == ["true"])
        #expect(values(headers, "cookie").isEmpty)
    }

    @Test func apiKeyHeaders() {
        let headers = UpstreamHeaders.build(client: client, credential: apiKey, settings: settings)
        #expect(values(headers, "x-api-key") == ["sk-ant-api-upstream"])
        #expect(values(headers, "authorization").isEmpty)
        // Nothing required is missing: the client's headers as sent.
        #expect(values(headers, "anthropic-beta") == ["claude-code-20250219, custom-beta-1", "custom-beta-2,custom-beta-1"])
        #expect(values(headers, "user-agent") == ["client-agent"])
        #expect(values(headers, "x-app").isEmpty)
    }

    @Test func clientCredentialsAreNeverForwarded() {
        for credential in [oauth, apiKey] {
            let headers = UpstreamHeaders.build(client: client, credential: credential, settings: settings)
            #expect(!headers.contains { $0.value.contains("client-secret") || $0.value.contains("client-key") })
        }
    }

    @Test func anthropicVersionFromClient() {
        let headers = UpstreamHeaders.build(
            client: [("Anthropic-Version", "2024-01-01")],
            credential: apiKey,
            settings: settings
        )
        #expect(values(headers, "anthropic-version") == ["2024-01-01"])
        #expect(values(headers, "user-agent") == ["maximize/\(MaximizeVersion.current)"])
    }

    @Test func noBetaHeaderWhenThereAreNone() throws {
        let headers = UpstreamHeaders.build(client: [], credential: apiKey, settings: settings)
        #expect(values(headers, "anthropic-beta").isEmpty)
        let plain = try makeSettings(config: #"{"api":{"betas":[],"headers":{"x-extra":"1"},"user_agent":"ua"}}"#)
        let oauthHeaders = UpstreamHeaders.build(client: [], credential: oauth, settings: plain)
        #expect(values(oauthHeaders, "anthropic-beta").isEmpty)
        #expect(values(oauthHeaders, "x-extra") == ["1"])
        #expect(values(oauthHeaders, "x-app").isEmpty)
        #expect(values(oauthHeaders, "user-agent") == ["ua"])
    }

    @Test func mergeBetasKeepsFirstOccurrence() {
        #expect(UpstreamHeaders.mergeBetas(["a,b", " c , a"], ["", "b,,d"]) == ["a", "b", "c", "d"])
    }
}
