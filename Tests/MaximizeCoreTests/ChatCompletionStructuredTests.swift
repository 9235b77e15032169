import Foundation
import Testing

@testable import MaximizeCore

/// `response_format` through the Chat Completions translation: the request each path sends, the
/// answer (whole and streamed) as content with `finish_reason` `stop`.
struct ChatCompletionStructuredTests {
    static let schemaFormat =
        #"{"type":"json_schema","json_schema":{"name":"City","strict":true,"schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}}"#

    func translate(model: String, format: String = schemaFormat, extra: String = "") throws -> ChatCompletionRequest.Translated {
        let body = #"{"model":"\#(model)","messages":[{"role":"user","content":"x"}],"response_format":\#(format)\#(extra)}"#
        return try ChatCompletionRequest.translate(try JSONParser.parse(body)) { $0 == "xs" ? "claude-haiku-4-5" : ($0 ?? "") }
    }

    @Test func theResolvedModelDecidesThePath() throws {
        let native = try translate(model: "xs", extra: #","reasoning_effort":"low""#)
        #expect(native.structuredOutput?.path == .native)
        #expect(native.messages["output_config"]?["format"]?["schema"]?["required"] == ["city"])
        #expect(native.messages["thinking"] == ["type": "enabled", "budget_tokens": 2048])
        let tool = try translate(model: "claude-opus-4-1", extra: #","reasoning_effort":"low""#)
        #expect(tool.structuredOutput?.path == .tool(name: "City"))
        #expect(tool.messages["tool_choice"] == ["type": "tool", "name": "City"])
        #expect(tool.messages["thinking"] == nil)
        #expect(try translate(model: "xs", format: #"{"type":"text"}"#).structuredOutput == nil)
    }

    @Test func forcedToolAnswerIsContent() throws {
        let translated = try translate(model: "claude-opus-4-1")
        let message = try JSONParser.parse(
            #"{"id":"m","model":"claude-opus-4-1","content":[{"type":"tool_use","id":"t","name":"City","input":{"city":"Paris"}}],"stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":4}}"#
        )
        let response = ChatCompletionResponse.translate(message, created: 1, structured: translated.structuredOutput)
        let choice = response["choices"]?.arrayValue?.first
        #expect(choice?["message"] == ["role": "assistant", "content": #"{"city":"Paris"}"#])
        #expect(choice?["finish_reason"] == "stop")
        #expect(response["usage"]?["total_tokens"] == 7)
        let plain = ChatCompletionResponse.translate(message, created: 1)
        #expect(plain["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")
    }

    /// A recorded tool-path stream (a text block before the forced tool, which the answer leaves out).
    @Test func forcedToolStreamIsContentDeltas() throws {
        let translated = try translate(model: "claude-opus-4-1")
        let recorded = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_1","model":"claude-opus-4-1","usage":{"input_tokens":3,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Here it is."}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":0}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"City","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"Paris\\"}"}}

            event: content_block_stop
            data: {"type":"content_block_stop","index":1}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        var stream = ChatCompletionStream(created: 1, includeUsage: true, structured: translated.structuredOutput)
        var parser = SSEParser()
        let bytes = Array(recorded.utf8)
        let events = bytes.withUnsafeBytes { parser.consume($0) } + parser.finish()
        var output: [UInt8] = []
        for event in events { output += stream.translate(event) }
        let chunks = String(decoding: output, as: UTF8.self).components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: {") ? try? JSONParser.parse(String(block.dropFirst(6))) : nil
        }
        let deltas = chunks.compactMap { $0["choices"]?.arrayValue?.first?["delta"] }
        #expect(deltas.contains { $0["tool_calls"] != nil } == false)
        #expect(deltas.compactMap { $0["content"]?.stringValue }.filter { !$0.isEmpty } == [#"{"city":"#, #" "Paris"}"#])
        #expect(chunks.compactMap { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue } == ["stop"])
        #expect(chunks.last?["usage"]?["total_tokens"] == 12)
        #expect(String(decoding: output, as: UTF8.self).hasSuffix("data: [DONE]\n\n"))
    }
}

/// `models.structured_outputs`: the rule for strict schemas, from the file or the environment.
struct StructuredOutputsSettingTests {
    func load(_ config: String?, environment: [String: String] = [:]) throws(ConfigurationError) -> Settings {
        let paths = MaximizePaths.resolve(stateDirectory: "/tmp/maximize-unit-state", environment: [:])
        return try ConfigurationLoader(paths: paths, environment: environment, overrides: [:])
            .load(fileContents: config.map { Array($0.utf8) }).settings
    }

    @Test func defaultFileAndEnvironment() throws {
        #expect(try load(nil).models.structuredOutputs == .auto)
        #expect(try load(#"{"models":{"structured_outputs":"tool"}}"#).models.structuredOutputs == .tool)
        #expect(try load(nil, environment: ["MAXIMIZE_STRUCTURED_OUTPUTS": "native"]).models.structuredOutputs == .native)
        #expect(throws: ConfigurationError.self) { try load(#"{"models":{"structured_outputs":"json"}}"#) }
    }

    @Test(arguments: [
        (StructuredOutput.Rule.auto, "claude-haiku-4-5", StructuredOutput.Path.native),
        (.auto, "claude-opus-4-1", .tool(name: "City")), (.tool, "claude-haiku-4-5", .tool(name: "City")),
        (.native, "claude-opus-4-1", .native), (.native, "my-gateway-model", .native),
    ])
    func rulePicksThePath(rule: StructuredOutput.Rule, model: String, path: StructuredOutput.Path) throws {
        let body =
            #"{"model":"\#(model)","messages":[{"role":"user","content":"x"}],"response_format":\#(ChatCompletionStructuredTests.schemaFormat)}"#
        let translated = try ChatCompletionRequest.translate(try JSONParser.parse(body), structuredRule: rule)
        #expect(translated.structuredOutput?.path == path)
    }
}
