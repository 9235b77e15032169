import Foundation
import MaximizeCore
import Testing

/// The real Claude Code CLI (bundled in the `claude-agent-sdk` wheel; scripts/fetch-claude-code)
/// run straight at a recording mock upstream and through the daemon, inside a network namespace
/// that has only loopback (Python/claude_code_driver.py): the upstream must receive what Claude
/// Code sent, but for the credential and the hop-by-hop headers.
@Suite(.serialized, .ownThreads)
struct ClaudeCodeTests {
    /// Headers that may differ: the credential, what libcurl writes itself, hop-by-hop ones.
    static let allowedHeaderDifferences: Set<String> = [
        "authorization", "x-api-key", "host", "content-length", "accept-encoding", "connection", "keep-alive",
        "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "expect",
    ]

    /// The CLI's path, fetched once (nil when it cannot be: no network to PyPI).
    static let claude: String? = {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/fetch-claude-code").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let path = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        process.waitUntilExit()
        return process.terminationStatus == 0 && FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// Whether this process may make network namespaces (root or CAP_SYS_ADMIN, and `ip`).
    static let namespacesAvailable: Bool = {
        let name = "maximize-cc-probe-\(getpid())"
        guard run(["ip", "netns", "add", name]) == 0 else { return false }
        return run(["ip", "netns", "delete", name]) == 0
    }()

    @discardableResult
    static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test(
        .enabled("network namespaces cannot be made here (needs root or CAP_SYS_ADMIN, and iproute2)") { namespacesAvailable },
        .enabled("the Claude Code CLI could not be fetched (scripts/fetch-claude-code: pip download claude-agent-sdk)") {
            claude != nil
        },
        arguments: ["api_key", "oauth"]
    )
    func claudeCodeReachesTheUpstreamAsItSentIt(credential: String) async throws {
        let claude = try #require(Self.claude)
        let work = SidecarProcess.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let namespace = "maximize-cc-\(getpid())-\(credential)"
        try #require(Self.run(["ip", "netns", "add", namespace]) == 0)
        defer { Self.run(["ip", "netns", "delete", namespace]) }
        try #require(Self.run(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"]) == 0)
        let output = work + "/recording.json"
        let result = try await BoundedRun.command(
            "/usr/bin/env",
            [
                "ip", "netns", "exec", namespace, "python3", SDKTests.scriptsDirectory + "/claude_code_driver.py",
                SidecarProcess.productsDirectory + "/maximize", claude, work, credential, output,
            ],
            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
            directory: work,
            seconds: 900
        )
        try #require(result.status == 0 && !result.killed, "driver: \(result.stderr)")
        let recording = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        let daemonLog = (try? String(contentsOfFile: work + "/maximize.log", encoding: .utf8)) ?? ""
        for scenario in ["text", "stream_json", "tool"] {
            let direct = try #require(recording["scenarios"]?[scenario]?["direct"])
            let proxied = try #require(recording["scenarios"]?[scenario]?["proxied"])
            for run in [direct, proxied] {
                #expect(run["status"]?.intValue == 0, "\(scenario): \(run["stderr"]?.stringValue ?? "")\n\(daemonLog)")
            }
            compare(scenario, direct: direct, proxied: proxied, credential: credential)
        }
        let text = recording["scenarios"]?["text"]?["proxied"]?["stdout"]?.stringValue ?? ""
        #expect(text.contains("Hello from the mock."))
        let stream = recording["scenarios"]?["stream_json"]?["proxied"]?["stdout"]?.stringValue ?? ""
        let events = stream.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        #expect(events.contains { $0["type"]?.stringValue == "result" && $0["result"]?.stringValue == "Hello from the mock." })
        for route in ["direct", "proxied"] {
            #expect(recording["scenarios"]?["tool"]?[route]?["file"]?.stringValue == "written through the mock\n", "\(route)")
        }
    }

    /// The Messages requests the mock received on both routes match pairwise: same method, path
    /// and body, same headers but for ``allowedHeaderDifferences``; the credential is the
    /// client's own straight at the mock and the daemon's through it.
    func compare(_ scenario: String, direct: JSONValue, proxied: JSONValue, credential: String) {
        func messages(_ run: JSONValue) -> [JSONValue] {
            // `GET /v1/models` is a background request Claude Code may or may not make before it
            // exits; the daemon answers it from its own catalog.
            (run["requests"]?.arrayValue ?? []).filter { $0["path"]?.stringValue?.hasPrefix("/v1/messages") == true }
        }
        let sent = messages(direct)
        let received = messages(proxied)
        #expect(sent.count == received.count && !sent.isEmpty, "\(scenario): \(sent.count) vs \(received.count) requests")
        #expect(scenario != "tool" || received.count >= 2, "the tool round trip takes two requests")
        for (index, (before, after)) in zip(sent, received).enumerated() {
            let label = "\(scenario) #\(index)"
            #expect(before["method"] == after["method"] && before["path"] == after["path"], "\(label)")
            #expect(before["body"] == after["body"], "\(label): the body changed")
            let kept = headers(before).filter { !Self.allowedHeaderDifferences.contains($0.name) }
            let forwarded = headers(after).filter { !Self.allowedHeaderDifferences.contains($0.name) }
            #expect(kept.map { "\($0.name): \($0.value)" } == forwarded.map { "\($0.name): \($0.value)" }, "\(label)")
            let clientCredential = credential == "oauth" ? "Bearer sk-ant-oat01-client-own-token" : "sk-ant-api03-client-own-key"
            let daemonCredential = credential == "oauth" ? "Bearer sk-ant-oat01-daemon-held-token" : "sk-ant-api03-daemon-held-key"
            let name = credential == "oauth" ? "authorization" : "x-api-key"
            #expect(headers(before).filter { $0.name == name }.map(\.value) == [clientCredential], "\(label)")
            #expect(headers(after).filter { $0.name == name }.map(\.value) == [daemonCredential], "\(label)")
            #expect(!headers(after).contains { $0.value.contains("client-own") }, "\(label)")
        }
    }

    /// A recorded request's headers, sorted by name (their order on the wire is not compared).
    func headers(_ request: JSONValue) -> [(name: String, value: String)] {
        (request["headers"]?.arrayValue ?? []).compactMap { pair -> (name: String, value: String)? in
            guard let items = pair.arrayValue, items.count == 2, let name = items[0].stringValue, let value = items[1].stringValue
            else { return nil }
            return (name, value)
        }
        .sorted { ($0.name, $0.value) < ($1.name, $1.value) }
    }
}
