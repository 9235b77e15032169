import Foundation
import MaximizeCore
import Synchronization
import Testing

/// The Compose topology with plain processes: the sidecar, and an "app" process that shares only
/// the run directory and talks to the socket with the official SDK.
@Suite(.serialized, .ownThreads)
struct TopologyTests {
    static func app(_ socket: String, _ arguments: String...) async throws -> JSONValue? {
        let output = try await SDKTests.runPython("topology_app.py", [socket] + arguments)
        return try? JSONParser.parse(output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func sidecarAndAppSharingOnlyTheRunDirectory() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(tokens: nil, upstream: mock.baseURL)
        defer { sidecar.stop() }
        let socket = sidecar.socketPath

        // Not logged in: the app is told so.
        #expect(try await Self.app(socket, "create")?["error"] == 401)

        // Login by file drop into the state volume: picked up at once.
        let drop = sidecar.stateDirectory + "/incoming.json"
        try #"{"api_key":"sk-ant-api-dropped-key"}"#.write(toFile: drop, atomically: true, encoding: .utf8)
        #expect(try await Maxctl.run(["import", drop, "--state-dir", sidecar.stateDirectory]).status == 0)
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["state"]?.stringValue == "ready" })
        #expect(try await Self.app(socket, "create")?["status"] == 200)
        #expect(mock.messageRequests.last?.header("x-api-key") == "sk-ant-api-dropped-key")

        // Hot reload of a nickname.
        try #"{"models":{"nicknames":{"team":"claude-team-model"}},"server":{"drain_grace_seconds":0}}"#
            .write(toFile: sidecar.stateDirectory + "/config.json", atomically: true, encoding: .utf8)
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["config"]?["sha256"]?.isNull == false })
        #expect(try await Self.app(socket, "create", "team")?["model"]?.stringValue == "claude-team-model")

        // SIGTERM during a streamed answer: the stream completes, the socket goes, exit 0.
        let streaming = Process()
        streaming.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        streaming.arguments = ["python3", SDKTests.scriptsDirectory + "/topology_app.py", socket, "stream"]
        let output = Pipe()
        streaming.standardOutput = output
        try streaming.run()
        #expect(await mock.waitFor(10) { $0.received.contains { $0.json?["mock"] != nil } })
        try await Task.sleep(for: .milliseconds(200))
        kill(sidecar.process.processIdentifier, SIGTERM)
        let streamed = output.fileHandleForReading.readDataToEndOfFile()
        streaming.waitUntilExit()
        sidecar.process.waitUntilExit()
        let result = try JSONParser.parse(Array(streamed))
        #expect(result["texts"]?.arrayValue?.count == 8)
        #expect(result["stop"]?.stringValue == "end_turn")
        #expect(sidecar.process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: socket))
        #expect(ControlPlaneTests.statusJSON(sidecar)?["state"]?.stringValue == "stopped")
        #expect(sidecar.log.contains("state draining"))
    }

    @Test func restartAfterSIGKILLReclaimsTheSocketWithTokensIntact() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.enforceAccessTokens = true }
        let first = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        #expect(try await Self.app(first.socketPath, "create")?["status"] == 200)
        let tokensBefore = try String(contentsOfFile: first.tokenFile, encoding: .utf8)
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: first.socketPath))

        let second = try await SidecarProcess(
            tokens: nil,
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock),
            arguments: ["--run-dir", first.runDirectory],
            stateDirectory: first.stateDirectory
        )
        defer { second.stop() }
        #expect(try await Self.app(first.socketPath, "create")?["status"] == 200)
        #expect(try String(contentsOfFile: first.tokenFile, encoding: .utf8) == tokensBefore)
    }

    @Test func secondSignalExitsAtOnce() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":30}}"#,
            upstream: mock.baseURL
        )
        kill(sidecar.process.processIdentifier, SIGTERM)
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["state"]?.stringValue == "draining" })
        let started = Date()
        kill(sidecar.process.processIdentifier, SIGTERM)
        sidecar.process.waitUntilExit()
        // Well inside the 30 s grace the first signal started (a hang guard, not a timing).
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(sidecar.process.terminationStatus == 1)
        #expect(ControlPlaneTests.statusJSON(sidecar)?["state"]?.stringValue == "stopped")
        #expect(!FileManager.default.fileExists(atPath: sidecar.socketPath))
    }

    @Test func seedTokenFileIsCopiedInAndReadoptedWhenItChanges() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.enforceAccessTokens = true }
        let secret = SidecarProcess.makeTemporaryDirectory() + "/secret"
        try FileManager.default.createDirectory(atPath: secret, withIntermediateDirectories: true)
        try RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600)
            .write(toFile: secret + "/tokens.json", atomically: true, encoding: .utf8)
        chmod(secret, 0o555)
        defer { chmod(secret, 0o755) }
        let environment = RefreshTests.oauthEnvironment(mock).merging(["MAXIMIZE_SEED_TOKEN_FILE": secret + "/tokens.json"]) { $1 }
        let sidecar = try await SidecarProcess(tokens: nil, upstream: mock.baseURL, environment: environment)
        defer { sidecar.stop() }
        #expect(try await Self.app(sidecar.socketPath, "create")?["status"] == 200)
        #expect(try RefreshTests.readToken(sidecar.tokenFile)?.accessToken.value == pair.access)

        // Rotation goes to the state dir, never to the read-only seed.
        #expect(try await Maxctl.run(["refresh"], environment: sidecar.maxctlEnvironment).status == 0)
        let rotated = try #require(try RefreshTests.readToken(sidecar.tokenFile))
        #expect(rotated.accessToken.value != pair.access)
        #expect(try String(contentsOfFile: secret + "/tokens.json", encoding: .utf8).contains(pair.access))

        // A restart with the unchanged seed keeps the rotated token.
        sidecar.stop()
        let restarted = try await SidecarProcess(
            tokens: nil,
            upstream: mock.baseURL,
            environment: environment,
            arguments: ["--run-dir", sidecar.runDirectory],
            stateDirectory: sidecar.stateDirectory
        )
        defer { restarted.stop() }
        #expect(try RefreshTests.readToken(sidecar.tokenFile)?.accessToken.value == rotated.accessToken.value)
        #expect(try await Self.app(restarted.socketPath, "create")?["status"] == 200)

        // A new login pushed to the Secret (Kubernetes-style symlink swap) is adopted.
        let fresh = mock.issueTokens()
        chmod(secret, 0o755)
        try FileManager.default.removeItem(atPath: secret + "/tokens.json")
        try FileManager.default.createDirectory(atPath: secret + "/..2026_02", withIntermediateDirectories: true)
        try RefreshTests.tokens(access: fresh.access, refresh: fresh.refresh, expiresIn: 3600)
            .write(toFile: secret + "/..2026_02/tokens.json", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: secret + "/..data_tmp", withDestinationPath: "..2026_02")
        #expect(rename(secret + "/..data_tmp", secret + "/..data") == 0)
        try FileManager.default.createSymbolicLink(atPath: secret + "/tokens.json", withDestinationPath: "..data/tokens.json")
        var adopted = false
        for _ in 0..<150 where !adopted {
            adopted = (try? RefreshTests.readToken(sidecar.tokenFile))?.accessToken.value == fresh.access
            if !adopted { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(adopted)
        #expect(try await Self.app(restarted.socketPath, "create")?["status"] == 200)
        #expect(mock.messageRequests.last?.header("authorization") == "Bearer \(fresh.access)")
    }
}
