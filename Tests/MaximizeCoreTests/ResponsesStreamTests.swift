import Foundation
import Testing

@testable import MaximizeCore

/// Recorded Messages event sequences through ``ResponsesStream``, and whole answers through
/// ``ResponsesResponse``.
struct ResponsesStreamTests {
    /// A Messages stream with thinking, text and a tool call, as the API sends it.
    static let recorded: [(String, String)] = [
        (
            "message_start",
            #"{"type":"message_start","message":{"id":"msg_01A","type":"message","role":"assistant","model":"claude-sonnet-5","content":[],"stop_reason":null,"usage":{"input_tokens":10,"cache_read_input_tokens":4,"output_tokens":1}}}"#
        ),
        ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hmm."}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"sig"}}"#),
        ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
        ("ping", #"{"type":"ping"}"#),
        ("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hel"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"lo"}}"#),
        ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
        (
            "content_block_start",
            #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_9","name":"get","input":{}}}"#
        ),
        ("content_block_delta", #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}"#),
        ("content_block_delta", #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}"#),
        ("content_block_stop", #"{"type":"content_block_stop","index":2}"#),
        ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}}"#),
        ("message_stop", #"{"type":"message_stop"}"#),
    ]

    /// The translated events, parsed back: (the `event:` name, the data).
    static func run(
        _ events: [(String, String)],
        structuredOutput: StructuredOutput? = nil,
        then finish: (inout ResponsesStream) -> [UInt8] = { $0.finish() }
    ) -> [(String, JSONValue)] {
        var stream = ResponsesStream(created: 1_700_000_000, echo: ["instructions": "Be brief."], structuredOutput: structuredOutput)
        var bytes: [UInt8] = []
        for (name, data) in events { bytes += stream.translate(ServerSentEvent(event: name, data: data)) }
        bytes += finish(&stream)
        var parser = SSEParser()
        let parsed = bytes.withUnsafeBufferPointer { parser.consume(UnsafeRawBufferPointer($0)) } + parser.finish()
        return parsed.map { ($0.event ?? "", (try? JSONParser.parse($0.data)) ?? .null) }
    }

    @Test func aRecordedStreamBecomesTheResponsesEventSequence() throws {
        let events = Self.run(Self.recorded)
        #expect(
            events.map(\.0) == [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed",
            ]
        )
        #expect(events.allSatisfy { $0.0 == $0.1["type"]?.stringValue })
        #expect(events.enumerated().allSatisfy { $0.element.1["sequence_number"]?.intValue == $0.offset })

        let created = events[0].1["response"]
        #expect(created?["id"] == "resp_01A")
        #expect(created?["status"] == "in_progress")
        #expect(created?["output"] == [])
        #expect(created?["instructions"] == "Be brief.")
        #expect(
            events[10].1 == [
                "type": "response.output_text.delta", "item_id": "msg_01A_1", "output_index": 1, "content_index": 0, "delta": "Hel", "logprobs": [],
                "sequence_number": 10,
            ]
        )
        #expect(events[12].1["text"] == "Hello")
        #expect(
            events[15].1["item"] == [
                "id": "fc_9", "type": "function_call", "status": "in_progress", "arguments": "", "call_id": "toolu_9", "name": "get",
            ]
        )
        #expect(events[18].1["arguments"] == #"{"city":"Paris"}"#)

        let completed = try #require(events.last?.1["response"])
        #expect(completed["status"] == "completed")
        #expect(completed["model"] == "claude-sonnet-5")
        #expect(completed["usage"]?["input_tokens"] == 14)
        #expect(completed["usage"]?["input_tokens_details"] == ["cached_tokens": 4])
        #expect(completed["usage"]?["output_tokens"] == 7)
        #expect(completed["usage"]?["total_tokens"] == 21)
        #expect(
            completed["output"] == [
                ["id": "rs_01A_0", "type": "reasoning", "summary": [["type": "summary_text", "text": "Hmm."]], "encrypted_content": "sig"],
                [
                    "id": "msg_01A_1", "type": "message", "role": "assistant", "status": "completed",
                    "content": [["type": "output_text", "text": "Hello", "annotations": [], "logprobs": []]],
                ],
                [
                    "id": "fc_9", "type": "function_call", "status": "completed", "arguments": #"{"city":"Paris"}"#, "call_id": "toolu_9",
                    "name": "get",
                ],
            ]
        )
    }

    @Test func anErrorMidStreamIsAnErrorEventThenResponseFailed() throws {
        let events = Self.run(
            Array(Self.recorded.prefix(8))
                + [("error", #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)]
                + [("message_stop", #"{"type":"message_stop"}"#)]
        )
        #expect(events.suffix(2).map(\.0) == ["error", "response.failed"])
        #expect(events[events.count - 2].1["code"] == "overloaded_error")
        #expect(events[events.count - 2].1["message"] == "Overloaded")
        let failed = try #require(events.last?.1["response"])
        #expect(failed["status"] == "failed")
        #expect(failed["error"] == ["code": "server_error", "message": "Overloaded"])
        #expect(events.enumerated().allSatisfy { $0.element.1["sequence_number"]?.intValue == $0.offset })
    }

    @Test func aStreamCutShortOrFailedBeforeItsStartStillOpensThenFails() {
        let cut = Self.run(Array(Self.recorded.prefix(3)))
        #expect(cut.last?.0 == "response.failed")
        let early = Self.run([]) { $0.fail(code: "rate_limit_error", message: "slow down") }
        #expect(early.map(\.0) == ["response.created", "response.in_progress", "error", "response.failed"])
        #expect(early.last?.1["response"]?["error"]?["code"] == "rate_limit_exceeded")
    }

    @Test func maxTokensEndsWithResponseIncomplete() {
        var events = Array(Self.recorded.prefix(10))
        events += [("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":3}}"#)]
        events += [("message_stop", #"{"type":"message_stop"}"#)]
        let last = Self.run(events).last
        #expect(last?.0 == "response.incomplete")
        #expect(last?.1["response"]?["incomplete_details"] == ["reason": "max_output_tokens"])
    }

    /// A `text.format` answered through the forced tool: its input is the message's text, and
    /// the `tool_use` stop is a completed answer.
    @Test func aForcedToolAnswerIsTheOutputText() throws {
        var format = StructuredOutput(format: .jsonObject, param: "text.format")
        var request: JSONObject = [:]
        try format.apply(to: &request, model: "claude-3-7-sonnet-latest")
        let events = Self.run(
            [
                Self.recorded[0],
                (
                    "content_block_start",
                    #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_1","name":"json_response","input":{}}}"#
                ),
                ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}"#),
                ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}"#),
                ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
                ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":7}}"#),
                ("message_stop", #"{"type":"message_stop"}"#),
            ],
            structuredOutput: format
        )
        #expect(events.filter { $0.0 == "response.output_text.delta" }.map { $0.1["delta"] } == [.string(#"{"city":"#), .string(#""Paris"}"#)])
        #expect(!events.contains { $0.0.hasPrefix("response.function_call") })
        let completed = try #require(events.last)
        #expect(completed.0 == "response.completed")
        let item = completed.1["response"]?["output"]?.arrayValue?.first
        #expect(item?["type"] == "message")
        #expect(item?["content"]?.arrayValue?.first?["text"] == .string(#"{"city":"Paris"}"#))

        let message = try JSONParser.parse(
            #"{"id":"msg_1","model":"m","content":[{"type":"tool_use","id":"toolu_1","name":"json_response","input":{"a":1}}],"stop_reason":"tool_use","usage":{}}"#
        )
        let whole = ResponsesResponse.translate(message, echo: [:], created: 1, structuredOutput: format)
        #expect(whole["status"] == "completed")
        let wholeItem = whole["output"]?.arrayValue?.first
        #expect(wholeItem?["type"] == "message")
        #expect(wholeItem?["content"]?.arrayValue?.first?["text"] == .string(#"{"a":1}"#))
    }

    @Test func aWholeAnswerBecomesAResponseObject() throws {
        let message = try JSONParser.parse(
            #"{"id":"msg_01B","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[{"type":"thinking","thinking":"T","signature":"s"},{"type":"redacted_thinking","data":"R"},{"type":"text","text":"Hi"},{"type":"tool_use","id":"toolu_2","name":"f","input":{"a":1}}],"stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":5}}"#
        )
        let response = ResponsesResponse.translate(message, echo: ["tools": [["type": "function", "name": "f"]]], created: 7)
        #expect(response["id"] == "resp_01B")
        #expect(response["object"] == "response")
        #expect(response["created_at"] == 7)
        #expect(response["status"] == "completed")
        #expect(response["store"] == false)
        #expect(response["tools"] == [["type": "function", "name": "f"]])
        #expect(response["usage"]?["total_tokens"] == 15)
        #expect(
            response["output"] == [
                ["id": "rs_01B_0", "type": "reasoning", "summary": [["type": "summary_text", "text": "T"]], "encrypted_content": "s"],
                ["id": "rs_01B_1", "type": "reasoning", "summary": [], "encrypted_content": "redacted:R"],
                [
                    "id": "msg_01B_2", "type": "message", "role": "assistant", "status": "completed",
                    "content": [["type": "output_text", "text": "Hi", "annotations": [], "logprobs": []]],
                ],
                ["id": "fc_2", "type": "function_call", "status": "completed", "arguments": #"{"a":1}"#, "call_id": "toolu_2", "name": "f"],
            ]
        )
    }
}
