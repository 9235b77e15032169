import Foundation
import MaximizeCore
import Testing

/// The official `anthropic` Python SDK through the Unix socket, as a real application uses it.
@Suite(.serialized)
struct SDKTests {
    static var scriptsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python").path
    }

    /// Runs a Python script with arguments; returns its stdout, failing with its stderr.
    static func runPython(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptsDirectory + "/" + script] + arguments
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
        let output = try Self.runPython("anthropic_sdk_client.py", [sidecar.socketPath])
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
}
