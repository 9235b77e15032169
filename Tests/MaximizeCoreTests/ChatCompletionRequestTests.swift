import Foundation
import Testing

@testable import MaximizeCore

struct ChatCompletionRequestTests {
    func translate(_ text: String) throws -> ChatCompletionRequest.Translated {
        try ChatCompletionRequest.translate(try JSONParser.parse(text))
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

    @Test func systemDeveloperAndMergedTurns() throws {
        let result = try translate(
            #"{"model":"l","messages":[{"role":"system","content":"A"},{"role":"developer","content":[{"type":"text","text":"B"}]},{"role":"user","content":"one"},{"role":"user","content":"two"},{"role":"assistant","content":"three"}]}"#
        )
        let messages = result.messages
        #expect(messages["model"] == "l")
        #expect(messages["system"] == [["type": "text", "text": "A"], ["type": "text", "text": "B"]])
        #expect(
            messages["messages"] == [
                ["role": "user", "content": [["type": "text", "text": "one"], ["type": "text", "text": "two"]]],
                ["role": "assistant", "content": [["type": "text", "text": "three"]]],
            ]
        )
        #expect(messages["max_tokens"] == .int(ChatCompletionRequest.defaultMaxTokens))
        #expect(!result.stream)
    }

    @Test func toolCallsAndResults() throws {
        let result = try translate(
            #"{"messages":[{"role":"user","content":"w?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get","arguments":"{\"city\":\"Paris\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"}],"tools":[{"type":"function","function":{"name":"get","description":"d","parameters":{"type":"object"}}}],"tool_choice":"required","parallel_tool_calls":false}"#
        )
        let turns = try #require(result.messages["messages"]?.arrayValue)
        #expect(turns[1] == ["role": "assistant", "content": [["type": "tool_use", "id": "c1", "name": "get", "input": ["city": "Paris"]]]])
        #expect(turns[2] == ["role": "user", "content": [["type": "tool_result", "tool_use_id": "c1", "content": "sunny"]]])
        #expect(result.messages["tools"] == [["name": "get", "description": "d", "input_schema": ["type": "object"]]])
        #expect(result.messages["tool_choice"] == ["type": "any", "disable_parallel_tool_use": true])
    }

    @Test(arguments: [
        (#""auto""#, #"{"type":"auto"}"#), (#""none""#, #"{"type":"none"}"#), (#""required""#, #"{"type":"any"}"#),
        (#"{"type":"function","function":{"name":"f"}}"#, #"{"type":"tool","name":"f"}"#),
    ])
    func toolChoices(choice: String, expected: String) throws {
        let result = try translate(
            #"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":\#(choice)}"#
        )
        #expect(result.messages["tool_choice"] == (try JSONParser.parse(expected)))
    }

    @Test func legacyFunctions() throws {
        let result = try translate(
            #"{"messages":[{"role":"user","content":"x"},{"role":"assistant","function_call":{"name":"f","arguments":"{}"}},{"role":"function","name":"f","content":"done"}],"functions":[{"name":"f","parameters":{"type":"object"}}],"function_call":{"name":"f"}}"#
        )
        let turns = try #require(result.messages["messages"]?.arrayValue)
        let id = try #require(turns[1]["content"]?.arrayValue?.first?["id"])
        #expect(turns[2]["content"]?.arrayValue?.first?["tool_use_id"] == id)
        #expect(result.messages["tool_choice"] == ["type": "tool", "name": "f"])
    }

    @Test func imagesFromDataAndHTTPURLs() throws {
        let result = try translate(
            #"{"messages":[{"role":"user","content":[{"type":"text","text":"see"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,QUJD"}},{"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"high"}}]}]}"#
        )
        let blocks = try #require(result.messages["messages"]?.arrayValue?.first?["content"]?.arrayValue)
        #expect(blocks[1] == ["type": "image", "source": ["type": "base64", "media_type": "image/jpeg", "data": "QUJD"]])
        #expect(blocks[2] == ["type": "image", "source": ["type": "url", "url": "https://example.com/a.png"]])
    }

    @Test func parameters() throws {
        let result = try translate(
            #"{"messages":[{"role":"user","content":"x"}],"max_completion_tokens":99,"temperature":1.6,"top_p":0.9,"stop":"END","user":"u1","reasoning_effort":"medium","stream":true,"stream_options":{"include_usage":true},"seed":4,"presence_penalty":0.5}"#
        )
        let messages = result.messages
        #expect(messages["max_tokens"] == 99)
        #expect(messages["temperature"]?.doubleValue == 1)
        #expect(messages["top_p"]?.doubleValue == 0.9)
        #expect(messages["stop_sequences"] == ["END"])
        #expect(messages["metadata"] == ["user_id": "u1"])
        #expect(messages["thinking"] == ["type": "enabled", "budget_tokens": 8192])
        #expect(messages["stream"] == true)
        #expect(messages["seed"] == nil && messages["presence_penalty"] == nil)
        #expect(result.stream && result.includeUsage)
        #expect(try translate(#"{"messages":[{"role":"user","content":"x"}],"reasoning_effort":"minimal"}"#).messages["thinking"] == nil)
    }

    /// Every effort OpenAI's clients send: off, or a budget that grows with the effort and, with
    /// the answer's 1,024 tokens, fits every Claude 4 model's output limit (32,000 at least).
    @Test func everyReasoningEffortHasAThinkingBudget() throws {
        var previous = 0
        for effort in ["none", "minimal", "low", "medium", "high", "xhigh"] {
            let thinking = try ChatCompletionRequest.thinking(effort: .string(effort), param: "reasoning_effort")
            let budget = thinking?["budget_tokens"]?.intValue ?? 0
            #expect(budget == 0 || (budget > previous && budget + 1024 <= 32_000), "\(effort): \(budget)")
            if effort == "none" || effort == "minimal" { #expect(thinking == nil) } else { #expect(budget > 0) }
            previous = max(previous, budget)
        }
        #expect(throws: OpenAIError.self) { try ChatCompletionRequest.thinking(effort: "max", param: "reasoning_effort") }
    }

    @Test(arguments: [
        (#"{"messages":[]}"#, "messages"), (#"{"messages":[{"role":"user","content":"x"}],"n":2}"#, "n"),
        (#"{"messages":[{"role":"user","content":"x"}],"logprobs":true}"#, "logprobs"),
        (#"{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}"#, "response_format"),
        (
            #"{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"},"tools":[{"type":"function","function":{"name":"f"}}]}"#,
            "response_format"
        ),
        (#"{"messages":[{"role":"wizard","content":"x"}]}"#, "messages[0]"),
        (#"{"messages":[{"role":"user","content":[{"type":"input_audio"}]}]}"#, "messages[0]"),
        (#"{"messages":[{"role":"tool","content":"x"}]}"#, "messages[0]"),
        (#"{"messages":[{"role":"user","content":"x"}],"temperature":3}"#, "temperature"),
        (#"{"messages":[{"role":"user","content":"x"}],"stop":5}"#, "stop"),
        (#"{"model":5,"messages":[{"role":"user","content":"x"}]}"#, "model"),
        (#"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"code_interpreter"}]}"#, "tools"),
    ])
    func rejected(body: String, param: String) {
        let failure = error(body)
        #expect(failure?.status == 400)
        #expect(failure?.param == param)
        #expect(failure?.json["error"]?["type"] == "invalid_request_error")
    }
}

struct ChatCompletionResponseTests {
    @Test(arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
    ])
    func finishReasons(stop: String, finish: String) {
        #expect(ChatCompletionResponse.finishReason(stop) == .string(finish))
    }

    @Test func messageWithThinkingAndToolUse() throws {
        let message = try JSONParser.parse(
            #"{"id":"msg_1","model":"claude-x","content":[{"type":"thinking","thinking":"hmm"},{"type":"text","text":"Calling."},{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}],"stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":4,"cache_read_input_tokens":2}}"#
        )
        let response = ChatCompletionResponse.translate(message, created: 7)
        #expect(response["id"] == "chatcmpl-msg_1")
        #expect(response["object"] == "chat.completion")
        #expect(response["model"] == "claude-x")
        let choice = try #require(response["choices"]?.arrayValue?.first)
        #expect(choice["finish_reason"] == "tool_calls")
        #expect(choice["message"]?["content"] == "Calling.")
        #expect(choice["message"]?["reasoning_content"] == "hmm")
        #expect(choice["message"]?["tool_calls"] == [["id": "t1", "type": "function", "function": ["name": "f", "arguments": #"{"a":1}"#]]])
        #expect(response["usage"] == ["prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9, "prompt_tokens_details": ["cached_tokens": 2]])
    }

    func events(_ text: String) -> [ServerSentEvent] {
        var parser = SSEParser()
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { parser.consume($0) } + parser.finish()
    }

    func chunks(_ output: [UInt8]) -> [JSONValue] {
        String(decoding: output, as: UTF8.self).components(separatedBy: "\n\n").compactMap { block in
            guard block.hasPrefix("data: "), block != "data: [DONE]" else { return nil }
            return try? JSONParser.parse(String(block.dropFirst(6)))
        }
    }

    @Test func streamWithTextToolCallsThinkingAndUsage() throws {
        let recorded = """
            event: message_start
            data: {"type":"message_start","message":{"id":"msg_9","model":"claude-x","usage":{"input_tokens":11,"output_tokens":1}}}

            event: content_block_start
            data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hm"}}

            event: content_block_start
            data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hi"}}

            event: content_block_start
            data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"t1","name":"f","input":{}}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\":"}}

            event: content_block_delta
            data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"1}"}}

            event: ping
            data: {"type":"ping"}

            event: message_delta
            data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":6}}

            event: message_stop
            data: {"type":"message_stop"}


            """
        var stream = ChatCompletionStream(created: 1, includeUsage: true)
        var output: [UInt8] = []
        for event in events(recorded) { output += stream.translate(event) }
        #expect(String(decoding: output, as: UTF8.self).hasSuffix("data: [DONE]\n\n"))
        let parsed = chunks(output)
        #expect(parsed.allSatisfy { $0["id"] == "chatcmpl-msg_9" && $0["object"] == "chat.completion.chunk" })
        let deltas = parsed.compactMap { $0["choices"]?.arrayValue?.first?["delta"] }
        #expect(deltas[0] == ["role": "assistant", "content": ""])
        #expect(deltas.contains(["reasoning_content": "hm"]))
        #expect(deltas.contains(["content": "Hi"]))
        #expect(deltas.contains(["tool_calls": [["index": 0, "id": "t1", "type": "function", "function": ["name": "f", "arguments": ""]]]]))
        let arguments = deltas.compactMap { $0["tool_calls"]?.arrayValue?.first?["function"]?["arguments"]?.stringValue }.joined()
        #expect(arguments == #"{"a":1}"#)
        #expect(parsed.contains { $0["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls" })
        #expect(parsed.last?["usage"] == ["prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17])
        #expect(parsed.last?["choices"] == [])
    }

    @Test func streamErrorEvent() {
        var stream = ChatCompletionStream(created: 1, includeUsage: false)
        let output = stream.translate(
            ServerSentEvent(event: "error", data: #"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#)
        )
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains(#""type":"overloaded_error""#))
        #expect(text.hasSuffix("data: [DONE]\n\n"))
        #expect(stream.translate(ServerSentEvent(event: "message_stop", data: #"{"type":"message_stop"}"#)).isEmpty)
    }

    @Test func sseParserInAnyChunking() {
        let text = "event: a\ndata: 1\n\n: comment\ndata: x\ndata: y\n\nevent: b\r\ndata:2\r\n\r\ndata: tail"
        let bytes = Array(text.utf8)
        for size in [1, 2, 5, 100] {
            var parser = SSEParser()
            var events: [ServerSentEvent] = []
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + size)
                events += bytes[index..<end].withUnsafeBytes { parser.consume($0) }
                index = end
            }
            events += parser.finish()
            #expect(
                events == [
                    ServerSentEvent(event: "a", data: "1"), ServerSentEvent(event: nil, data: "x\ny"),
                    ServerSentEvent(event: "b", data: "2"), ServerSentEvent(event: nil, data: "tail"),
                ]
            )
        }
    }
}
