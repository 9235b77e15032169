import Testing

@testable import MaximizeCore

/// `response_format` / `text.format` to the Messages API and back, as pure functions.
struct StructuredOutputTests {
    static let person: JSONValue = [
        "type": "object",
        "properties": [
            "name": ["type": "string", "maxLength": 20],
            "age": ["type": "integer", "minimum": 0],
            "tags": ["type": "array", "items": ["$ref": "#/$defs/Tag"], "minItems": 2],
        ],
        "required": ["name", "age", "tags"],
        "$defs": ["Tag": ["type": "object", "properties": ["label": ["type": "string"]], "required": ["label"]]],
    ]

    static func format(strict: Bool, name: String = "Person") -> JSONValue {
        ["type": "json_schema", "json_schema": ["name": .string(name), "strict": .bool(strict), "schema": person]]
    }

    @Test(arguments: [
        ("claude-sonnet-4-5-20250929", true), ("claude-haiku-4-5", true), ("claude-opus-4-5", true),
        ("claude-opus-4-6", true), ("claude-sonnet-4-6", true), ("claude-opus-4-7", true), ("claude-sonnet-5", true),
        ("claude-opus-4-1-20250805", false), ("claude-sonnet-4-20250514", false), ("claude-3-7-sonnet-latest", false),
        ("claude-3-5-haiku-20241022", false), ("gpt-4o", false), ("l", false), ("", false),
    ])
    func nativeModels(model: String, native: Bool) {
        #expect(StructuredOutput.supportsNativeFormat(model: model) == native)
    }

    @Test(arguments: [
        (#"{"type":"text"}"#, nil),
        (#"null"#, nil),
        (#"{"type":"json_object"}"#, StructuredOutput.Format.jsonObject),
        (
            #"{"type":"json_schema","json_schema":{"name":"my schema!","strict":true,"schema":{"type":"object"}}}"#,
            .jsonSchema(name: "myschema", schema: ["type": "object"], strict: true, description: nil)
        ),
        (
            #"{"type":"json_schema","json_schema":{"schema":{"type":"object"},"description":"D"}}"#,
            .jsonSchema(name: "json_response", schema: ["type": "object"], strict: false, description: "D")
        ),
    ])
    func parsesChatCompletionsFormats(text: String, expected: StructuredOutput.Format?) throws {
        #expect(try StructuredOutput(openAIResponseFormat: JSONParser.parse(text))?.format == expected)
    }

    @Test(arguments: [
        #"{"type":"xml"}"#, #"{"type":"json_schema"}"#, #"{"type":"json_schema","json_schema":{"name":"a"}}"#,
        #"{"type":"json_schema","json_schema":{"schema":{"type":"array"}}}"#, #""json""#,
    ])
    func refusesMalformedChatCompletionsFormats(text: String) throws {
        #expect(throws: OpenAIError.self) { try StructuredOutput(openAIResponseFormat: JSONParser.parse(text)) }
    }

    @Test func parsesResponsesTextFormat() throws {
        let value = try JSONParser.parse(#"{"type":"json_schema","name":"R","strict":true,"schema":{"type":"object"}}"#)
        let output = try #require(try StructuredOutput(responsesTextFormat: value))
        #expect(output.format == .jsonSchema(name: "R", schema: ["type": "object"], strict: true, description: nil))
        #expect(output.param == "text.format")
        #expect(try StructuredOutput(responsesTextFormat: ["type": "text"]) == nil)
        #expect(try StructuredOutput(responsesTextFormat: ["type": "json_object"])?.format == .jsonObject)
    }

    @Test func strictSchemaOnANativeModelGoesToOutputConfig() throws {
        var output = try #require(try StructuredOutput(openAIResponseFormat: Self.format(strict: true)))
        var request: JSONObject = ["model": "claude-sonnet-4-5", "thinking": ["type": "enabled", "budget_tokens": 2048]]
        try output.apply(to: &request, model: "claude-sonnet-4-5")
        #expect(output.path == .native)
        let schema = try #require(request["output_config"]?["format"]?["schema"])
        #expect(request["output_config"]?["format"]?["type"] == "json_schema")
        #expect(request["tools"] == nil && request["tool_choice"] == nil)
        #expect(request["thinking"] != nil)
        #expect(schema["additionalProperties"] == false)
        #expect(schema["$defs"]?["Tag"]?["additionalProperties"] == false)
        #expect(schema["properties"]?["name"] == ["type": "string", "description": "{maxLength: 20}"])
        #expect(schema["properties"]?["age"] == ["type": "integer", "description": "{minimum: 0}"])
        #expect(schema["properties"]?["tags"]?["minItems"] == nil)
        #expect(schema["required"] == ["name", "age", "tags"])
    }

    @Test(arguments: [
        (true, "claude-sonnet-4-20250514", "Person"), (false, "claude-sonnet-4-5", "Person"), (true, "l", "Person"),
    ])
    func otherwiseOneForcedTool(strict: Bool, model: String, tool: String) throws {
        var output = try #require(try StructuredOutput(openAIResponseFormat: Self.format(strict: strict)))
        var request: JSONObject = ["model": .string(model), "thinking": ["type": "enabled", "budget_tokens": 2048]]
        try output.apply(to: &request, model: model)
        #expect(output.path == .tool(name: tool))
        #expect(request["output_config"] == nil)
        #expect(request["tools"]?.arrayValue?.first?["name"] == .string(tool))
        #expect(request["tools"]?.arrayValue?.first?["input_schema"] == Self.person)
        #expect(request["tool_choice"] == ["type": "tool", "name": .string(tool)])
        #expect(request["thinking"] == nil)
    }

    @Test func jsonObjectIsAPermissiveForcedTool() throws {
        var output = try #require(try StructuredOutput(openAIResponseFormat: ["type": "json_object"]))
        var request: JSONObject = ["model": "claude-opus-4-6"]
        try output.apply(to: &request, model: "claude-opus-4-6")
        #expect(output.path == .tool(name: "json_response"))
        #expect(request["tools"]?.arrayValue?.first?["input_schema"] == ["type": "object"])
    }

    @Test func clientToolsOnTheToolPathAreRefused() throws {
        var output = try #require(try StructuredOutput(openAIResponseFormat: ["type": "json_object"]))
        var request: JSONObject = ["tools": [["name": "get_weather", "input_schema": ["type": "object"]]]]
        #expect(throws: OpenAIError.self) { try output.apply(to: &request, model: "claude-sonnet-4-5") }
        var native = try #require(try StructuredOutput(openAIResponseFormat: Self.format(strict: true)))
        try native.apply(to: &request, model: "claude-sonnet-4-5")
        #expect(request["tools"]?.arrayValue?.count == 1 && request["tools"]?.arrayValue?.first?["name"] == "get_weather")
    }

    @Test func answerFromAWholeMessage() throws {
        var tool = try #require(try StructuredOutput(openAIResponseFormat: ["type": "json_object"]))
        var request = JSONObject()
        try tool.apply(to: &request, model: "claude-3-7-sonnet-latest")
        let toolMessage: JSONValue = [
            "content": [
                ["type": "text", "text": "ignored"],
                ["type": "tool_use", "id": "t", "name": "json_response", "input": ["a": 1, "b": ["x"]]],
            ]
        ]
        #expect(tool.answerText(fromMessage: toolMessage) == #"{"a":1,"b":["x"]}"#)
        #expect(tool.stopReason("tool_use") == "end_turn")
        #expect(tool.stopReason("max_tokens") == "max_tokens")

        var native = try #require(try StructuredOutput(openAIResponseFormat: Self.format(strict: true)))
        try native.apply(to: &request, model: "claude-haiku-4-5")
        let nativeMessage: JSONValue = [
            "content": [["type": "thinking", "thinking": "hm"], ["type": "text", "text": #"{"name":"#], ["type": "text", "text": #""A"}"#]]
        ]
        #expect(native.answerText(fromMessage: nativeMessage) == #"{"name":"A"}"#)
        #expect(native.stopReason("tool_use") == "tool_use")
    }

    /// A recorded tool-path event sequence: only the forced tool's `input_json_delta` pieces come out.
    @Test func answerFromARecordedToolStream() throws {
        var output = try #require(try StructuredOutput(openAIResponseFormat: ["type": "json_object"]))
        var request = JSONObject()
        try output.apply(to: &request, model: "claude-sonnet-4-20250514")
        let events = [
            #"{"type":"message_start","message":{"id":"msg_1","content":[],"usage":{"input_tokens":9,"output_tokens":1}}}"#,
            #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"json_response","input":{}}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\": "}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}"#,
            #"{"type":"content_block_stop","index":0}"#,
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}}"#,
            #"{"type":"message_stop"}"#,
        ]
        var stream = StructuredOutput.AnswerStream(output)
        let pieces = try events.compactMap { stream.text(in: try JSONParser.parse($0)) }
        #expect(pieces == [#"{"city": "#, #""Paris"}"#])
        #expect(stream.isAnswer(index: 0))
    }

    /// A recorded native event sequence: thinking is not the answer, the text deltas are.
    @Test func answerFromARecordedNativeStream() throws {
        var output = try #require(try StructuredOutput(openAIResponseFormat: Self.format(strict: true)))
        var request = JSONObject()
        try output.apply(to: &request, model: "claude-opus-4-5")
        let events = [
            #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#,
            #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}"#,
            #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"{\"name\":"}}"#,
            #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"\"A\"}"}}"#,
        ]
        var stream = StructuredOutput.AnswerStream(output)
        let pieces = try events.compactMap { stream.text(in: try JSONParser.parse($0)) }
        #expect(pieces == [#"{"name":"#, #""A"}"#])
        #expect(!stream.isAnswer(index: 0))
    }
}
