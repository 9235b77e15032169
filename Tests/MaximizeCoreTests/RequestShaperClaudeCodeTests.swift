import Testing

@testable import MaximizeCore

/// A request that already is Claude Code's (or the Agent SDK's) keeps its `system`, and a valid
/// request keeps its values.
struct RequestShaperClaudeCodeTests {
    static let billing = #"{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.332; cc_entrypoint=sdk-cli;"}"#
    static let claudeCode =
        #"{"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}}"#
    static let agentSDK = #"{"type":"text","text":"You are a Claude agent, built on Anthropic's Claude Agent SDK."}"#
    static let agentSDKCode = "You are Claude Code, Anthropic's official CLI for Claude, running within the Claude Agent SDK."

    private func shape(_ text: String, credential: CredentialKind = .oauth, config: String? = nil) throws -> ShapedRequest {
        let shaper = RequestShaper(settings: try makeSettings(config: config))
        return try Array(text.utf8).withUnsafeBytes { buffer in
            try shaper.shape(buffer, endpoint: .messages, credential: credential)
        }
    }

    /// Each `system` goes upstream byte for byte as sent.
    @Test(arguments: [
        "[\(billing),\(claudeCode),{\"type\":\"text\",\"text\":\"Instructions\"}]",
        "[\(billing),{\"type\":\"text\",\"text\":\"no identity line here\"}]",
        "[{\"type\":\"text\",\"text\":\"Intro\"},\(claudeCode)]",
        "[\(agentSDK),{\"type\":\"text\",\"text\":\"Tools...\"}]",
        "[{\"type\":\"text\",\"text\":\"\(agentSDKCode)\\n\\nMore\"}]",
        "\"\(agentSDKCode)\\nBe brief.\"",
        "\"x-anthropic-billing-header: cc_version=2.1.332;\"",
    ])
    func claudeCodeSystemIsUntouched(system: String) throws {
        let text = #"{"model":"claude-sonnet-4-6","max_tokens":32000,"system":\#(system),"messages":[]}"#
        let shaped = try shape(text)
        #expect(shaped.body.text == text)
        #expect(shaped.changes.isEmpty)
    }

    @Test func identityMarkersAreConfigurable() throws {
        let custom = #"{"model":"claude-sonnet-4-6","system":[{"type":"text","text":"I am the house agent."}]}"#
        let config = #"{"api":{"identity_markers":["I am the house agent."]}}"#
        #expect(try shape(custom, config: config).body.text == custom)
        // Without the marker the identity block goes first; a list without the Agent SDK's line
        // no longer counts it.
        #expect(try shape(custom).body.text.contains(#""system":[{"type":"text","text":"You are Claude Code"#))
        let sdk = #"{"model":"claude-sonnet-4-6","system":[\#(Self.agentSDK)]}"#
        #expect(try shape(sdk, config: config).changes == ["system"])
    }

    /// `max_tokens` changes only when it is not above `thinking.budget_tokens`; thinking types the
    /// shaper does not know, and their companion fields, are left as sent.
    @Test(arguments: [
        (#"{"max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":31999}}"#, "32000"),
        (#"{"max_tokens":2001,"thinking":{"type":"enabled","budget_tokens":2000}}"#, "2001"),
        (#"{"max_tokens":2000,"thinking":{"type":"enabled","budget_tokens":2000}}"#, "3024"),
        (#"{"max_tokens":100,"thinking":{"type":"enabled","budget_tokens":2000}}"#, "3024"),
        (#"{"thinking":{"type":"enabled","budget_tokens":2000}}"#, "3024"),
        (#"{"max_tokens":64000,"thinking":{"type":"adaptive"},"output_config":{"effort":"high"},"temperature":0.3}"#, "64000"),
        (#"{"max_tokens":10,"thinking":{"type":"adaptive","display":"summarized"},"context_management":{"edits":[]}}"#, "10"),
    ])
    func maxTokensOnlyWhenInvalid(body: String, expected: String) throws {
        let text = #"{"model":"claude-sonnet-4-6","# + body.dropFirst()
        let shaped = try shape(text, credential: .apiKey)
        let value = try JSONParser.parse(shaped.body)
        #expect(value["max_tokens"]?.intValue == Int(expected))
        if expected == "3024" {
            #expect(shaped.changes == ["max_tokens"])
        } else {
            #expect(shaped.body.text == text)
        }
    }
}
