import Foundation
import MaximizeCore
import Testing

/// `POST /v1/responses` with the official `openai` Python SDK through the Unix socket:
/// `responses.create`, `responses.stream`, a function-call round trip, an image, reasoning,
/// `text.format` (`responses.parse`), upstream errors (whole and mid-stream), and the stateful features refused.
@Suite(.serialized, .ownThreads)
struct ResponsesSDKTests {
    @Test func openAIResponsesAPIOverTheUnixSocket() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let output = try await SDKTests.runPython("openai_sdk_responses.py", [sidecar.socketPath])
        let result = try #require(try? JSONParser.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)))

        #expect(result["create"]?["text"] == "Hello from the mock.")
        #expect(result["create"]?["id"] == "resp_mock")
        #expect(result["create"]?["status"] == "completed")
        #expect(result["create"]?["model"] == "claude-haiku-4-5")
        #expect(result["create"]?["total_tokens"] == 15)
        #expect(result["create"]?["store"] == false)
        #expect(result["create"]?["instructions"] == "Be brief.")
        #expect(result["items"] == "Hello from the mock.")

        #expect(result["stream"]?["text"] == "word0 word1 word2 word3 word4 ")
        #expect(result["stream"]?["final"] == "word0 word1 word2 word3 word4 ")
        #expect(result["stream"]?["status"] == "completed")
        #expect(result["stream"]?["first"] == "response.created")
        #expect(result["stream"]?["last"] == "response.completed")
        #expect(result["stream"]?["ordered"] == true)
        #expect(result["stream"]?["usage"] == 15)

        #expect(result["tools"]?["name"] == "get_weather")
        #expect(result["tools"]?["arguments"] == ["city": "Paris"])
        #expect(result["tools"]?["call_id"] == "toolu_mock_1")
        #expect(result["tools"]?["id"] == "fc_mock_1")
        #expect(result["tools"]?["answer"] == "Tool said: sunny, 21C")
        #expect(result["stream_tools"] == ["deltas": 2, "arguments": ["city": "Paris"], "final": ["city": "Paris"], "name": "get_weather"])
        #expect(result["image"] == "I see an image: base64 image/png")
        #expect(result["reasoning"] == ["types": ["reasoning", "message"], "summary": "Let me think.", "text": "Hello from the mock."])

        // The mock generates the forced tool's input from its schema (MockHandler+StructuredOutput).
        #expect(
            result["structured"] == [
                "city": "mock text", "text": #"{"city":"mock text"}"#, "streamed": ["answer": "mock text"],
                "final": ["answer": "mock text"], "types": ["message"],
            ]
        )
        let forced = try #require(mock.messageRequests.compactMap(\.json).first { $0["model"] == "claude-3-7-sonnet-latest" })
        #expect(forced["tool_choice"] == ["type": "tool", "name": "Weather"])
        #expect(forced["tools"]?.arrayValue?.first?["input_schema"]?["required"] == ["city"])
        #expect(result["error"] == ["status": 529, "class": "InternalServerError", "type": "overloaded_error"])
        #expect(result["stream_error"]?["types"] == ["error", "response.failed"])
        #expect(result["stream_error"]?["message"] == "Overloaded mid-stream")
        #expect(result["stream_error"]?["failure"] == "Overloaded mid-stream")
        #expect(result["previous"]?["param"] == "previous_response_id")
        #expect(result["store"]?["param"] == "store")
        #expect(result["builtin"]?["message"]?.stringValue?.contains("web_search_preview") == true)

        // What the upstream received: Messages requests with the translated shapes.
        let requests = mock.messageRequests.compactMap(\.json)
        let first = try #require(requests.first)
        #expect(first["system"] == [["type": "text", "text": "Be brief."]])
        #expect(first["max_tokens"] == 64)
        #expect(first["messages"] == [["role": "user", "content": [["type": "text", "text": "Hello"]]]])
        #expect(requests[1]["system"] == [["type": "text", "text": "Be brief."], ["type": "text", "text": "Answer in English."]])
        let toolRound = try #require(requests.first { $0["messages"]?.arrayValue?.count == 3 })
        #expect(
            toolRound["messages"]?.arrayValue?[1]["content"] == [
                ["type": "tool_use", "id": "toolu_mock_1", "name": "get_weather", "input": ["city": "Paris"]]
            ]
        )
        #expect(
            toolRound["messages"]?.arrayValue?[2]["content"] == [["type": "tool_result", "tool_use_id": "toolu_mock_1", "content": "sunny, 21C"]]
        )
        #expect(toolRound["tools"]?.arrayValue?.first?["input_schema"]?["required"] == ["city"])
        #expect(requests.contains { $0["thinking"] == ["type": "enabled", "budget_tokens": 2048] })
        // The refused requests never went upstream.
        #expect(requests.count == 12)
        #expect(mock.messageRequests.allSatisfy { $0.uri == "/v1/messages" && $0.header("authorization") == nil })

        // Counted under their own route label (the last exchange is counted as its connection ends: poll).
        var counts: [Double?] = []
        for _ in 0..<200 {
            counts = try ["200", "529", "400"].map { status in
                try sidecar.metric("maximize_requests_total", labels: [#"route="/v1/responses""#, #"status="\#(status)""#])
            }
            if counts == [11, 1, 3] { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(counts == [11, 1, 3])
    }
}
