import Foundation
import MaximizeCore
import Testing

/// `response_format` on `/v1/chat/completions` through the real daemon, driven by the openai SDK
/// (`parse()`, `stream()`, `json_object`) and langchain-openai's `with_structured_output`:
/// `xs` (Claude Haiku 4.5) takes the native path, `claude-sonnet-4-20250514` the forced tool.
@Suite(.ownThreads)
struct StructuredOutputSDKTests {
    static let nativeModel = "xs"
    static let toolModel = "claude-sonnet-4-20250514"

    /// What the mock generates from the `Person` schema (see MockSchemaValue).
    static let person: JSONValue = [
        "name": "mock text", "age": 7, "color": "red", "address": ["street": "mock text", "city": "mock text"],
        "tags": ["mock text", "mock text"], "scores": [.double(1.5), .double(1.5)], "nickname": "mock text", "active": true,
    ]

    @Test func openAIAndLangchainClientsGetJSONMatchingTheirSchema() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let output = try await SDKTests.runPython(
            "openai_sdk_structured.py",
            [sidecar.socketPath, Self.nativeModel, Self.toolModel]
        )
        let result = try #require(try? JSONParser.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)))

        for name in ["parse_native", "parse_tool"] {
            #expect(result[name]?["person"] == Self.person, "\(name)")
            #expect(result[name]?["finish"] == "stop", "\(name)")
            #expect(result[name]?["tool_calls"] == .null, "\(name)")
            #expect(result[name]?["total_tokens"] == 30, "\(name)")
        }
        #expect(result["parse_native"]?["model"] == "claude-haiku-4-5")
        for name in ["stream_native", "stream_tool"] {
            #expect(result[name]?["person"] == Self.person, "\(name)")
            #expect(result[name]?["finish"] == "stop", "\(name)")
            #expect((result[name]?["deltas"]?.intValue ?? 0) >= 4, "\(name): the JSON arrives in several content deltas")
            #expect(result[name]?["usage"] == 30, "\(name)")
            #expect(result[name]?["tool_calls"] == .null, "\(name)")
        }
        #expect(result["json_object"] == ["content": ["answer": "mock text"], "finish": "stop"])
        #expect(
            result["refused"]
                == ["status": 400, "message": .string(MockHandler.refusedSchemaMessage), "type": "invalid_request_error"]
        )
        #expect(result["langchain_native"] == Self.person)
        #expect(result["langchain_tool"] == Self.person)

        // The paths the upstream saw: output_config.format for the native model, one forced tool otherwise.
        let requests = mock.messageRequests.compactMap(\.json)
        let native = requests.filter { $0["model"] == "claude-haiku-4-5" && $0["output_config"] != nil }
        #expect(native.count == 4)  // parse, stream, the refused schema, langchain
        #expect(native.allSatisfy { $0["tools"] == nil && $0["output_config"]?["format"]?["type"] == "json_schema" })
        #expect(native.first?["output_config"]?["format"]?["schema"]?["$defs"]?["Color"]?["enum"] == ["red", "green"])
        let forced = requests.filter { $0["tool_choice"]?["type"] == "tool" }
        #expect(forced.filter { $0["model"] == .string(Self.toolModel) }.count == 3)  // parse, stream, langchain
        #expect(forced.filter { $0["model"] == "claude-haiku-4-5" }.count == 1)  // json_object
        #expect(forced.allSatisfy { $0["output_config"] == nil && $0["tools"]?.arrayValue?.count == 1 })
        #expect(
            forced.first { $0["model"] == "claude-haiku-4-5" }?["tools"]?.arrayValue?.first?["input_schema"] == ["type": "object"]
        )
    }
}

extension StructuredOutputSDKTests {
    /// `models.structured_outputs: tool` sends even a Claude 4.5 model's strict schema as a forced tool.
    @Test func theToolRuleForcesTheToolPath() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":0},"models":{"structured_outputs":"tool"}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        let body = """
            {"model":"xs","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema",
            "json_schema":{"name":"City","strict":true,"schema":{"type":"object","properties":{"city":{"type":"string"}},
            "required":["city"],"additionalProperties":false}}}}
            """
        let response = try sidecar.request("POST", "/v1/chat/completions", headers: [("content-type", "application/json")], body: body)
        #expect(response.status == 200)
        let choice = response.json?["choices"]?.arrayValue?.first
        #expect(choice?["message"]?["content"] == #"{"city":"mock text"}"#)
        #expect(choice?["finish_reason"] == "stop")
        let sent = try #require(mock.messageRequests.last?.json)
        #expect(sent["model"] == "claude-haiku-4-5")
        #expect(sent["tool_choice"] == ["type": "tool", "name": "City"])
        #expect(sent["output_config"] == nil)
    }
}
