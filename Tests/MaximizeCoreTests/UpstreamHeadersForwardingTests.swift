import Testing

@testable import MaximizeCore

/// Every end-to-end header a client sent goes upstream as sent; credentials, what libcurl writes
/// itself and hop-by-hop headers do not.
struct UpstreamHeadersForwardingTests {
    let oauth = Credential.oauth(OAuthToken(accessToken: Secret("sk-ant-oat-upstream"), refreshToken: nil, expiresAt: nil))
    let apiKey = Credential.apiKey(Secret("sk-ant-api-upstream"))
    /// What Claude Code 2.1.332 sends, plus hop-by-hop headers a client or a proxy may add.
    let client: [(name: String, value: String)] = [
        ("Host", "127.0.0.1:9"), ("Connection", "keep-alive, X-Hop"), ("Keep-Alive", "timeout=5"), ("X-Hop", "1"),
        ("Accept", "application/json"), ("X-Stainless-Retry-Count", "0"), ("X-Stainless-Timeout", "600"),
        ("X-Stainless-Lang", "js"), ("X-Stainless-Package-Version", "0.70.0"), ("X-Stainless-OS", "Linux"),
        ("X-Stainless-Arch", "x64"), ("X-Stainless-Runtime", "node"), ("X-Stainless-Runtime-Version", "v24.3.0"),
        ("anthropic-dangerous-direct-browser-access", "true"), ("anthropic-version", "2023-06-01"),
        ("authorization", "Bearer client"), ("x-app", "cli"), ("User-Agent", "claude-cli/2.1.332 (external, sdk-cli)"),
        ("X-Claude-Code-Session-Id", "4f7c"), ("content-type", "application/json"), ("anthropic-beta", "claude-code-20250219,oauth-2025-04-20"),
        ("accept-encoding", "gzip, deflate, br, zstd"), ("content-length", "12"), ("TE", "trailers"), ("Transfer-Encoding", "chunked"),
        ("Upgrade", "h2c"), ("Proxy-Authorization", "Basic x"), ("Expect", "100-continue"), ("Cookie", "a=1"), ("X-Empty", ""),
    ]

    private func values(_ headers: [(name: String, value: String)], _ name: String) -> [String] {
        headers.filter { $0.name == name }.map(\.value)
    }

    @Test(arguments: [false, true])
    func endToEndHeadersGoAsSent(oauthCredential: Bool) throws {
        let settings = try makeSettings(config: #"{"api":{"betas":["claude-code-20250219"]}}"#)
        let headers = UpstreamHeaders.build(client: client, credential: oauthCredential ? oauth : apiKey, settings: settings)
        let expected: [(String, String)] = [
            ("accept", "application/json"), ("x-stainless-retry-count", "0"), ("x-stainless-timeout", "600"),
            ("x-stainless-lang", "js"), ("x-stainless-package-version", "0.70.0"), ("x-stainless-os", "Linux"),
            ("x-stainless-arch", "x64"), ("x-stainless-runtime", "node"), ("x-stainless-runtime-version", "v24.3.0"),
            ("anthropic-dangerous-direct-browser-access", "true"), ("anthropic-version", "2023-06-01"), ("x-app", "cli"),
            ("user-agent", "claude-cli/2.1.332 (external, sdk-cli)"), ("x-claude-code-session-id", "4f7c"),
            ("content-type", "application/json"), ("anthropic-beta", "claude-code-20250219,oauth-2025-04-20"), ("x-empty", ""),
        ]
        for (name, value) in expected {
            #expect(values(headers, name) == [value], "\(name)")
        }
        let credential = oauthCredential ? ("authorization", "Bearer sk-ant-oat-upstream") : ("x-api-key", "sk-ant-api-upstream")
        #expect(values(headers, credential.0) == [credential.1])
        #expect(headers.count == expected.count + 1)
    }

    @Test func configuredHeadersApplyOnTopAndTheUserAgentFillsAGap() throws {
        let settings = try makeSettings(config: #"{"api":{"headers":{"X-App":"desktop","x-new":"1"},"user_agent":"configured/1"}}"#)
        let headers = UpstreamHeaders.build(client: [("x-app", "cli"), ("user-agent", "client/2")], credential: oauth, settings: settings)
        #expect(values(headers, "x-app") == ["desktop"])
        #expect(values(headers, "x-new") == ["1"])
        #expect(values(headers, "user-agent") == ["client/2"])
        let bare = UpstreamHeaders.build(client: [], credential: oauth, settings: settings)
        #expect(values(bare, "user-agent") == ["configured/1"])
    }

    /// An OpenAI client's headers describe the OpenAI SDK: only `anthropic-*` ones go upstream.
    @Test func translatedRoutesForwardOnlyAnthropicHeaders() throws {
        let settings = try makeSettings()
        let headers = UpstreamHeaders.build(
            client: [("user-agent", "OpenAI/Python 1.0"), ("x-stainless-lang", "python"), ("anthropic-beta", "b1")],
            credential: apiKey,
            settings: settings,
            forwarding: .anthropicOnly
        )
        #expect(values(headers, "user-agent") == ["maximize/\(MaximizeVersion.current)"])
        #expect(values(headers, "x-stainless-lang").isEmpty)
        #expect(values(headers, "anthropic-beta") == ["b1"])
    }
}
