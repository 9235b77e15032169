import Foundation
import Testing

@testable import MaximizeCore

/// `POST /v1/responses` requests to Messages requests: what is translated, and what is refused.
struct ResponsesRequestTests {
    func translate(_ text: String) throws -> ResponsesRequest.Translated {
        try ResponsesRequest.translate(try JSONParser.parse(text))
    }

    func error(_ text: String) -> OpenAIError? {
        do {
            _ = try translate(text)
            return nil
        } catch let error as OpenAIError {
            return error
        } catch {
            return nil
        }
    }

    @Test func aStringInputWithInstructions() throws {
        let result = try translate(
            #"{"model":"l","instructions":"Be brief.","input":"Hello","max_output_tokens":64,"temperature":1.5,"top_p":0.9,"user":"u1"}"#
        )
        #expect(result.requestedModel == "l")
        #expect(!result.stream)
        let messages = result.messages
        #expect(messages["model"] == "l")
        #expect(messages["system"] == [["type": "text", "text": "Be brief."]])
        #expect(messages["messages"] == [["role": "user", "content": [["type": "text", "text": "Hello"]]]])
        #expect(messages["max_tokens"] == 64)
        #expect(messages["temperature"] == 1)
        #expect(messages["top_p"] == .number("0.9"))
        #expect(messages["metadata"] == ["user_id": "u1"])
        #expect(result.echo["instructions"] == "Be brief.")
        #expect(result.echo["max_output_tokens"] == 64)
    }

    @Test func anItemListWithAFunctionCallRoundTripAndAnImage() throws {
        let result = try translate(
            #"""
            {"input":[
              {"role":"developer","content":"D"},
              {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather?"},{"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},
              {"type":"message","role":"assistant","id":"msg_1","status":"completed","content":[{"type":"output_text","text":"Let me look.","annotations":[]}]},
              {"type":"function_call","id":"fc_1","call_id":"toolu_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"},
              {"type":"function_call_output","call_id":"toolu_1","output":"sunny"}
            ],"stream":true}
            """#
        )
        #expect(result.stream)
        #expect(result.messages["stream"] == true)
        #expect(result.messages["system"] == [["type": "text", "text": "D"]])
        #expect(
            result.messages["messages"] == [
                [
                    "role": "user",
                    "content": [
                        ["type": "text", "text": "Weather?"],
                        ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "AAAA"]],
                    ],
                ],
                [
                    "role": "assistant",
                    "content": [
                        ["type": "text", "text": "Let me look."],
                        ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["city": "Paris"]],
                    ],
                ],
                ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"]]],
            ]
        )
    }

    @Test func reasoningItemsThisProxyMadeComeBackAsThinking() throws {
        let result = try translate(
            #"{"input":[{"role":"user","content":"x"},{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Hmm."}],"encrypted_content":"sig"},{"type":"reasoning","id":"rs_2","summary":[],"encrypted_content":"redacted:blob"},{"type":"reasoning","id":"rs_3","summary":[]},{"type":"function_call","call_id":"t1","name":"f","arguments":""}]}"#
        )
        #expect(
            result.messages["messages"]?.arrayValue?[1]["content"] == [
                ["type": "thinking", "thinking": "Hmm.", "signature": "sig"],
                ["type": "redacted_thinking", "data": "blob"],
                ["type": "tool_use", "id": "t1", "name": "f", "input": [:]],
            ]
        )
    }

    @Test func toolsToolChoiceAndReasoning() throws {
        let result = try translate(
            #"{"input":"x","tools":[{"type":"function","name":"get","description":"d","parameters":{"type":"object"},"strict":true},{"type":"function","name":"bare"}],"tool_choice":{"type":"function","name":"get"},"parallel_tool_calls":false,"reasoning":{"effort":"medium","summary":"auto"}}"#
        )
        #expect(
            result.messages["tools"] == [
                ["name": "get", "description": "d", "input_schema": ["type": "object"]],
                ["name": "bare", "input_schema": ["type": "object", "properties": [:]]],
            ]
        )
        #expect(result.messages["tool_choice"] == ["type": "tool", "name": "get", "disable_parallel_tool_use": true])
        #expect(result.messages["thinking"] == ["type": "enabled", "budget_tokens": .int(ChatCompletionRequest.reasoningBudgets["medium"]!)])
        #expect(try translate(#"{"input":"x","reasoning":{"effort":"minimal"}}"#).messages["thinking"] == nil)
    }

    @Test(arguments: [
        (#""auto""#, #"{"type":"auto"}"#), (#""none""#, #"{"type":"none"}"#), (#""required""#, #"{"type":"any"}"#),
    ])
    func toolChoices(choice: String, expected: String) throws {
        let result = try translate(#"{"input":"x","tools":[{"type":"function","name":"f"}],"tool_choice":\#(choice)}"#)
        #expect(result.messages["tool_choice"] == (try JSONParser.parse(expected)))
    }

    @Test func ignoredParametersAndStoreFalse() throws {
        let result = try translate(
            #"{"input":"x","store":false,"metadata":{"a":"b"},"include":["reasoning.encrypted_content"],"truncation":"auto","service_tier":"auto","text":{"format":{"type":"text"},"verbosity":"low"},"previous_response_id":null,"background":false}"#
        )
        #expect(result.messages["metadata"] == nil)
        #expect(result.messages["store"] == nil)
        #expect(result.echo["metadata"] == ["a": "b"])
        #expect(Set(result.messages.objectValue?.keys ?? []) == ["messages", "max_tokens"])
        for name in ResponsesRequest.ignoredParameters {
            let alone = try translate(#"{"input":"x","\#(name)":"auto"}"#)
            #expect(Set(alone.messages.objectValue?.keys ?? []) == ["messages", "max_tokens"], "\(name)")
        }
    }

    /// `text.format` goes through ``StructuredOutput``: a strict schema natively on a recent
    /// model (the nickname resolved by the caller), anything else through one forced tool.
    @Test func textFormatsTakeTheStructuredOutputPaths() throws {
        let schema = #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}"#
        let native = try ResponsesRequest.translate(
            try JSONParser.parse(
                #"{"model":"l","input":"x","text":{"format":{"type":"json_schema","name":"weather","strict":true,"schema":\#(schema)}}}"#
            ),
            resolveModel: { $0 == "l" ? "claude-sonnet-4-5" : "?" }
        )
        #expect(native.structuredOutput?.path == .native)
        #expect(native.messages["output_config"]?["format"]?["type"] == "json_schema")
        #expect(native.messages["tools"] == nil)
        #expect(native.echo["text"]?["format"]?["name"] == "weather")

        let tool = try translate(
            #"{"model":"claude-3-7-sonnet-latest","input":"x","text":{"format":{"type":"json_object"}},"reasoning":{"effort":"high"}}"#
        )
        #expect(tool.structuredOutput?.path == .tool(name: StructuredOutput.defaultToolName))
        #expect(tool.messages["tool_choice"] == ["type": "tool", "name": .string(StructuredOutput.defaultToolName)])
        #expect(tool.messages["thinking"] == nil)
        #expect(try translate(#"{"input":"x","text":{"format":{"type":"text"}}}"#).structuredOutput == nil)
    }

    /// `models.structured_outputs` decides the path on this route as on the chat route.
    @Test(arguments: [
        (StructuredOutput.Rule.auto, "claude-haiku-4-5", StructuredOutput.Path.native),
        (.auto, "claude-opus-4-1", .tool(name: "City")), (.tool, "claude-haiku-4-5", .tool(name: "City")),
        (.native, "claude-opus-4-1", .native),
    ])
    func rulePicksThePath(rule: StructuredOutput.Rule, model: String, path: StructuredOutput.Path) throws {
        let schema = #"{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"#
        let body = #"{"model":"\#(model)","input":"x","text":{"format":{"type":"json_schema","name":"City","strict":true,"schema":\#(schema)}}}"#
        let translated = try ResponsesRequest.translate(try JSONParser.parse(body), structuredRule: rule)
        #expect(translated.structuredOutput?.path == path)
    }

    /// Each refused request, the parameter the 400 names, and a word its message must hold.
    @Test(arguments: [
        (#"{"input":"x","previous_response_id":"resp_1"}"#, "previous_response_id", "stateless"),
        (#"{"input":"x","store":true}"#, "store", "store: false"),
        (#"{"input":"x","background":true}"#, "background", "stream"),
        (#"{"input":"x","conversation":"conv_1"}"#, "conversation", "stateless"),
        (#"{"input":"x","prompt":{"id":"pmpt_1"}}"#, "prompt", "stored prompts"),
        (#"{"input":"x","tools":[{"type":"web_search_preview"}]}"#, "tools", "web_search_preview"),
        (#"{"input":"x","tool_choice":{"type":"file_search"}}"#, "tool_choice", "file_search"),
        (#"{"input":"x","text":{"format":{"type":"xml"}}}"#, "text.format", "xml"),
        (#"{"input":"x","text":{"format":{"type":"json_schema","name":"n"}}}"#, "text.format", "schema"),
        (#"{"input":"x","reasoning":{"effort":"extreme"}}"#, "reasoning.effort", "low"),
        (#"{"input":[{"type":"item_reference","id":"msg_1"}]}"#, "input[0]", "item_reference"),
        (#"{"input":[{"type":"computer_call_output","call_id":"c"}]}"#, "input[0]", "computer_call_output"),
        (#"{"input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}"#, "input[0]", "input_file"),
        (#"{"input":[{"role":"user","content":[{"type":"input_image","file_id":"f"}]}]}"#, "input[0]", "file_id"),
        (#"{"input":[]}"#, "input", "non-empty"),
        (#"{"input":[{"role":"system","content":"only"}]}"#, "input", "user or assistant"),
        (#"{"input":"x","max_output_tokens":0}"#, "max_output_tokens", "positive"),
        (#"{"input":"x","max_tool_calls":2}"#, "max_tool_calls", "max_tool_calls"),
    ])
    func refused(body: String, param: String, word: String) throws {
        let refusal = try #require(self.error(body))
        #expect(refusal.status == 400)
        #expect(refusal.type == "invalid_request_error")
        #expect(refusal.param == param)
        #expect(refusal.message.contains(word), "\(refusal.message)")
    }
}
