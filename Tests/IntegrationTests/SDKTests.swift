import Foundation
import MaximizeCore
import Testing

/// The official `anthropic` Python SDK through the Unix socket, as a real application uses it.
@Suite(.serialized, .ownThreads)
struct SDKTests {
    static var scriptsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python").path
    }

    /// From async code: waits on a thread of its own (see ``offPool(_:)``).
    static func runPython(_ script: String, _ arguments: [String]) async throws -> String {
        try await offPool { try runPython(script, arguments) as String }
    }

    /// Runs a Python script with arguments; returns its stdout, failing with its stderr.
    static func runPython(_ script: String, _ arguments: [String]) throws -> String {
        try python([scriptsDirectory + "/" + script] + arguments, name: script)
    }

    /// Runs Python `code` (`python3 -c`) with arguments; returns its stdout, failing with its stderr.
    static func runInlinePython(_ code: String, _ arguments: [String]) throws -> String {
        try python(["-c", code] + arguments, name: "python3 -c")
    }

    private static func python(_ arguments: [String], name script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SidecarError(message: "\(script) failed: \(String(decoding: stderr, as: UTF8.self))")
        }
        return String(decoding: stdout, as: UTF8.self)
    }

    @Test func anthropicSDKOverTheUnixSocket() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let output = try await Self.runPython("anthropic_sdk_client.py", [sidecar.socketPath])
        let result = try #require(try? JSONParser.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(result["create"]?["text"]?.stringValue == "Hello from the mock.")
        #expect(result["create"]?["model"]?.stringValue == "claude-haiku-4-5")
        #expect(result["stream"]?["texts"]?.arrayValue?.count == 5)
        #expect(result["stream"]?["stop"]?.stringValue == "end_turn")
        #expect(result["count_tokens"]?.intValue == 42)
        #expect(result["models"]?.arrayValue?.contains("xs") == true)
        #expect(result["error"] == ["status": 529, "type": "overloaded_error"])
        let creates = mock.messageRequests.filter { $0.uri == "/v1/messages" }
        #expect(creates.first?.json?["metadata"] == ["user_id": "sdk-user"])
        #expect(creates.allSatisfy { $0.header("x-api-key") == ProxyTests.apiKey })
        #expect(creates.allSatisfy { $0.header("x-api-key") != "unused-by-maximize" })
    }

    @Test func openAISDKOverTheUnixSocket() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let output = try await Self.runPython("openai_sdk_client.py", [sidecar.socketPath])
        let result = try #require(try? JSONParser.parse(output.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(result["create"]?["text"] == "Hello from the mock.")
        #expect(result["create"]?["finish"] == "stop")
        #expect(result["create"]?["model"] == "claude-haiku-4-5")
        #expect(result["create"]?["total_tokens"] == 15)
        #expect(result["stream"]?["text"] == "word0 word1 word2 word3 word4 ")
        #expect(result["stream"]?["finish"] == "stop")
        #expect(result["stream"]?["usage"] == 15)
        #expect(result["tools"]?["finish"] == "tool_calls")
        #expect(result["tools"]?["name"] == "get_weather")
        #expect(result["tools"]?["arguments"] == ["city": "Paris"])
        #expect(result["tools"]?["answer"] == "Tool said: sunny, 21C")
        #expect(result["stream_tools"] == ["name": "get_weather", "arguments": ["city": "Paris"], "index": 0])
        #expect(result["image"] == "I see an image: base64 image/png")
        #expect(result["error"]?["status"] == 529)
        #expect(result["rejected"] == "n")
        #expect(result["models"]?.arrayValue?.contains("xl") == true)

        // What the upstream received: Messages requests with the translated shapes.
        let first = try #require(mock.messageRequests.first?.json)
        #expect(first["system"] == [["type": "text", "text": "Be brief."]])
        #expect(first["max_tokens"] == 64)
        let toolRound = try #require(
            mock.messageRequests.first { request in
                request.json?["messages"]?.arrayValue?.count == 3
            }?.json
        )
        #expect(toolRound["messages"]?.arrayValue?[1]["content"]?.arrayValue?.first?["type"] == "tool_use")
        #expect(toolRound["messages"]?.arrayValue?[2]["content"]?.arrayValue?.first?["type"] == "tool_result")
        #expect(toolRound["tools"]?.arrayValue?.first?["input_schema"]?["required"] == ["city"])
        #expect(mock.messageRequests.allSatisfy { $0.header("authorization") == nil })
    }
}
