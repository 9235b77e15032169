import Testing

@testable import MaximizeCore

struct RequestShaperTests {
    let shaper: RequestShaper
    let identity: JSONValue = ["type": "text", "text": .string(Defaults.identityText)]

    init() throws {
        shaper = RequestShaper(settings: try makeSettings())
    }

    private func shape(
        _ text: String,
        endpoint: MessagesEndpoint = .messages,
        credential: CredentialKind = .apiKey
    ) throws(ShapingError) -> ShapedRequest {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(ShapingError) -> ShapedRequest in
                try shaper.shape(buffer, endpoint: endpoint, credential: credential)
            }
        }
        return try result.get()
    }

    private func shapedValue(
        _ text: String,
        endpoint: MessagesEndpoint = .messages,
        credential: CredentialKind = .apiKey
    ) throws -> JSONValue {
        try JSONParser.parse(try shape(text, endpoint: endpoint, credential: credential).body)
    }

    @Test(arguments: [
        ("xs", "claude-haiku-4-5"), ("s", "claude-sonnet-4-5"), ("m", "claude-sonnet-4-6"), ("l", "claude-sonnet-5"),
        ("xl", "claude-opus-4-8"), ("xxl", "claude-opus-5"), ("claude-opus-4-1-20250805", "claude-opus-4-1-20250805"),
        ("claude-haiku-4-5", "claude-haiku-4-5"),
    ])
    func resolvesModel(requested: String, expected: String) throws {
        let shaped = try shape(#"{"model":"\#(requested)","max_tokens":10}"#)
        #expect(shaped.requestedModel == requested)
        #expect(shaped.model == expected)
        #expect(shaped.body.text == #"{"model":"\#(expected)","max_tokens":10}"#)
        #expect(shaped.changes == (requested == expected ? [] : ["model"]))
    }

    @Test(arguments: [#"{"max_tokens":10}"#, #"{"model":null,"max_tokens":10}"#])
    func missingModelGetsTheDefault(text: String) throws {
        let shaped = try shape(text)
        #expect(shaped.requestedModel == nil)
        #expect(shaped.model == "claude-sonnet-5")
        #expect(try JSONParser.parse(shaped.body)["model"] == "claude-sonnet-5")
        #expect(try JSONParser.parse(shaped.body).objectValue?.members.count == 2)
    }

    @Test func customDefaultAndNicknames() throws {
        let settings = try makeSettings(
            environment: ["DEFAULT_MODEL": "fast"],
            config: #"{"models":{"nicknames":{"fast":"claude-haiku-4-5","l":"claude-opus-5"}}}"#
        )
        let shaper = RequestShaper(settings: settings)
        let bytes = Array("{}".utf8)
        let shaped = try bytes.withUnsafeBytes { try shaper.shape($0, endpoint: .messages, credential: .apiKey) }
        #expect(shaped.model == "claude-haiku-4-5")
        #expect(settings.resolveModel("l") == "claude-opus-5")
    }

    @Test func unknownFieldsKeepTheirExactBytes() throws {
        let text = """
            {"metadata": {"user_id" : "u"},"model":"xs", "tool_choice":{"type":"auto" },\
            "messages":[{"role":"user","content":"h\\u00e9 \\"x\\""}],"n":1.50e0,"stop_sequences":[ ]}
            """
        let shaped = try shape(text)
        #expect(
            shaped.body.text == """
                {"metadata":{"user_id" : "u"},"model":"claude-haiku-4-5","tool_choice":{"type":"auto" },\
                "messages":[{"role":"user","content":"h\\u00e9 \\"x\\""}],"n":1.50e0,"stop_sequences":[ ]}
                """
        )
    }

    @Test func streamFlag() throws {
        #expect(try shape(#"{"model":"xs","stream":true}"#).stream)
        #expect(try !shape(#"{"model":"xs","stream":false}"#).stream)
        #expect(try !shape(#"{"model":"xs","stream":null}"#).stream)
        #expect(try !shape(#"{"model":"xs"}"#).stream)
    }

    @Test func identityIsPrependedToAStringSystem() throws {
        let value = try shapedValue(#"{"model":"xs","system":"Be brief."}"#, credential: .oauth)
        #expect(value["system"] == [identity, ["type": "text", "text": "Be brief."]])
        #expect(value.objectValue?.keys == ["model", "system"])
    }

    @Test func identityIsPrependedToAList() throws {
        let text = #"{"system":[{"type":"text","text":"A","cache_control":{"type":"ephemeral"}}],"model":"xs"}"#
        let value = try shapedValue(text, credential: .oauth)
        #expect(value["system"] == [identity, ["type": "text", "text": "A", "cache_control": ["type": "ephemeral"]]])
        #expect(value.objectValue?.keys == ["system", "model"])
    }

    @Test func identityAlreadyFirstIsNotDuplicated() throws {
        let text = #"{"model":"claude-haiku-4-5","system":[{"type":"text","text":"\#(Defaults.identityText)"},{"type":"text","text":"B"}]}"#
        let shaped = try shape(text, credential: .oauth)
        #expect(shaped.body.text == text)
        #expect(shaped.changes.isEmpty)
        // A string system that is the identity line goes as sent.
        let single = try shapedValue(#"{"model":"xs","system":"\#(Defaults.identityText)"}"#, credential: .oauth)
        #expect(single["system"] == .string(Defaults.identityText))
    }

    @Test(arguments: [#"{"model":"xs"}"#, #"{"model":"xs","system":null}"#, #"{"model":"xs","system":""}"#])
    func missingSystemBecomesIdentity(text: String) throws {
        let shaped = try shape(text, credential: .oauth)
        #expect(try JSONParser.parse(shaped.body)["system"] == [identity])
        #expect(shaped.changes.contains("system"))
    }

    @Test(arguments: [
        #"{"model":"claude-haiku-4-5"}"#, #"{"model":"claude-haiku-4-5","system":"Be brief."}"#,
        #"{"model":"claude-haiku-4-5","system":[]}"#,
    ])
    func apiKeyGetsNoIdentity(text: String) throws {
        let shaped = try shape(text, credential: .apiKey)
        #expect(shaped.body.text == text)
        #expect(!shaped.body.text.contains("Claude Code"))
    }

    @Test func thinkingConstraints() throws {
        let text = """
            {"model":"xs","thinking":{"type":"enabled","budget_tokens":2000},"temperature":0.2,"top_p":0.5,\
            "top_k":40,"max_tokens":100}
            """
        let shaped = try shape(text)
        let value = try JSONParser.parse(shaped.body)
        #expect(value["temperature"] == 1)
        #expect(value["top_p"] == .number("0.95"))
        #expect(value["top_k"] == nil)
        #expect(value["max_tokens"] == 3024)
        #expect(value["thinking"] == ["type": "enabled", "budget_tokens": 2000])
        #expect(value.objectValue?.keys == ["model", "thinking", "temperature", "top_p", "max_tokens"])
        #expect(Set(shaped.changes) == ["model", "temperature", "top_p", "-top_k", "max_tokens"])
    }

    @Test func thinkingAddsMaxTokensAndKeepsValidValues() throws {
        let text = #"{"model":"xs","thinking":{"type":"enabled","budget_tokens":1024},"temperature":1,"top_p":0.99}"#
        let value = try shapedValue(text)
        #expect(value["temperature"] == 1)
        #expect(value["top_p"] == .number("0.99"))
        #expect(value["max_tokens"] == 2048)
        #expect(value.objectValue?.keys.last == "max_tokens")
        let enough = try shapedValue(#"{"thinking":{"type":"enabled","budget_tokens":1024},"max_tokens":5000}"#)
        #expect(enough["max_tokens"] == 5000)
    }

    @Test func disabledThinkingChangesNothing() throws {
        let text = #"{"model":"claude-haiku-4-5","thinking":{"type":"disabled"},"temperature":0.2,"top_p":0.5,"top_k":5,"max_tokens":10}"#
        let shaped = try shape(text)
        #expect(shaped.body.text == text)
        #expect(shaped.changes.isEmpty)
    }

    @Test(arguments: [
        (#""temperature":5"#, "temperature"), (#""temperature":-0.1"#, "temperature"),
        (#""temperature":"1""#, "temperature"), (#""top_p":"x""#, "top_p"), (#""top_p":1.5"#, "top_p"),
        (#""top_k":-1"#, "top_k"), (#""top_k":0"#, "top_k"), (#""top_k":2.5"#, "top_k"), (#""top_k":"3""#, "top_k"),
    ])
    func invalidSamplingValuesAreDropped(member: String, key: String) throws {
        let shaped = try shape(#"{"model":"claude-haiku-4-5",\#(member),"max_tokens":10}"#)
        #expect(shaped.body.text == #"{"model":"claude-haiku-4-5","max_tokens":10}"#)
        #expect(shaped.changes == ["-\(key)"])
    }

    @Test func validSamplingValuesAreKept() throws {
        let text = #"{"model":"claude-haiku-4-5","temperature":0,"top_p":1,"top_k":1,"max_tokens":10}"#
        #expect(try shape(text).body.text == text)
    }

    @Test func countTokensLeavesSamplingAndMaxTokensAlone() throws {
        let text = """
            {"model":"claude-haiku-4-5","thinking":{"type":"enabled","budget_tokens":2000},"temperature":5,\
            "top_p":"x","top_k":-1,"max_tokens":1}
            """
        let shaped = try shape(text, endpoint: .countTokens)
        #expect(shaped.body.text == text)
        #expect(MessagesEndpoint.countTokens.path == "/v1/messages/count_tokens")
        let oauth = try shapedValue(#"{"model":"xs"}"#, endpoint: .countTokens, credential: .oauth)
        #expect(oauth["system"] == [identity])
    }

    @Test(arguments: [
        ("{\"model\":", "not valid JSON"), ("", "not valid JSON"), ("{\"a\":1,}", "not valid JSON"),
        ("[1]", "not valid JSON"), ("\"x\"", "not valid JSON"), (#"{"model":5}"#, "model: must be a string"),
        (#"{"model":""}"#, "model: must not be empty"), (#"{"model":"xs","stream":"yes"}"#, "stream: must be a boolean"),
        (#"{"model":"xs","system":3}"#, "system: must be a string or a list"),
        (#"{"model":"xs","thinking":true}"#, "thinking: must be an object"),
        (#"{"model":"xs","thinking":{"type":"enabled"}}"#, "thinking.budget_tokens"),
        (#"{"model":"xs","thinking":{"type":"enabled","budget_tokens":0}}"#, "thinking.budget_tokens"),
        (#"{"model":"xs","thinking":{"type":"enabled","budget_tokens":10},"max_tokens":"9"}"#, "max_tokens: must be"),
        ("{\"model\":\"xs\",\"x\":\"\u{1}\"}", "not valid JSON"),
    ])
    func invalidRequestsThrow(text: String, message: String) throws {
        let error = #expect(throws: ShapingError.self) { try shape(text, credential: .oauth) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}
