import Foundation
import MaximizeCore
import Synchronization
import Testing

/// A rotated credential survives a full or read-only volume, and text from the authorization
/// server reaches no sink raw. Real daemon, real `maxctl`, real mounts (root only: CI runs as root).
@Suite(.serialized, .ownThreads)
struct CustodyTests {
    static let isRoot = getuid() == 0

    /// A state directory of its own on a small tmpfs, unmounted when the test ends.
    final class SmallVolume {
        let path: String

        init(kilobytes: Int) throws {
            path = SidecarProcess.makeTemporaryDirectory() + "/state"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Self.run("/bin/mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0700", "tmpfs", path)
        }

        /// Fills the volume to the last byte.
        func fill() {
            _ = try? Self.run("/bin/dd", "if=/dev/zero", "of=\(path)/filler", "bs=4096")
            _ = try? Self.run("/bin/dd", "if=/dev/zero", "of=\(path)/filler-tail", "bs=1")
        }

        func makeRoom() {
            unlink(path + "/filler")
            unlink(path + "/filler-tail")
        }

        deinit { _ = try? Self.run("/bin/umount", "-l", path) }

        @discardableResult
        static func run(_ arguments: String...) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: arguments[0])
            process.arguments = Array(arguments.dropFirst())
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func bearers(_ mock: MockUpstream) -> [String] {
        mock.counters.withLock { counters in
            counters.received.filter { $0.uri.hasPrefix("/v1/messages") }.compactMap { $0.header("authorization") }
        }
    }

    @Test(.enabled(if: isRoot)) func aFullVolumeDoesNotSpendTheRefreshToken() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        let volume = try SmallVolume(kilobytes: 256)
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            config: #"{"server":{"drain_grace_seconds":0}}"#,
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock),
            stateDirectory: volume.path
        )
        defer { sidecar.stop() }
        let before = try #require(FileManager.default.contents(atPath: sidecar.tokenFile))
        volume.fill()

        let refused = try await Maxctl.run(["refresh"], environment: sidecar.maxctlEnvironment)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("No space left on device"), "\(refused.stderr)")
        #expect(refused.stderr.contains("not refreshed"))
        // The token endpoint never saw the refresh token: it is still good.
        #expect(mock.counters.withLock { $0.refreshArrivals } == 0)
        #expect(FileManager.default.contents(atPath: sidecar.tokenFile) == before)
        #expect(try RefreshTests.message(sidecar).status == 200)

        volume.makeRoom()
        let refreshed = try await Maxctl.run(["refresh"], environment: sidecar.maxctlEnvironment)
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(mock.counters.withLock { ($0.refreshCalls, $0.invalidGrants) } == (1, 0))
        let saved = try #require(try RefreshTests.readToken(sidecar.tokenFile))
        #expect(saved.accessToken.value != pair.access)
        #expect(mock.counters.withLock { $0.validRefreshTokens.contains(saved.refreshToken?.value ?? "") })
        #expect(try RefreshTests.message(sidecar).status == 200)
        #expect(Self.bearers(mock).last == "Bearer \(saved.accessToken.value)")
        // Nothing was left behind by the refused attempt.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: volume.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test(.enabled(if: isRoot)) func aWriteFailingAfterRotationKeepsTheTokenUntilItIsSaved() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.enforceAccessTokens = true }
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let state = sidecar.stateDirectory
        let before = try #require(FileManager.default.contents(atPath: sidecar.tokenFile))

        // Hold the refresh at the token endpoint, then make the state directory read-only (a bind
        // mount over it: the write prepared before the call cannot be renamed into place).
        mock.counters.withLock { $0.holdRefreshes = true }
        let (process, input, output, errors) = try Maxctl.start(["refresh"], environment: sidecar.maxctlEnvironment)
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while mock.counters.withLock({ $0.refreshArrivals }) == 0, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(mock.counters.withLock { $0.refreshArrivals } == 1)
        try SmallVolume.run("/bin/mount", "--bind", state, state)
        defer { _ = try? SmallVolume.run("/bin/umount", "-l", state) }
        try #require(try SmallVolume.run("/bin/mount", "-o", "remount,bind,ro", state) == 0)
        mock.counters.withLock { $0.holdRefreshes = false }
        _ = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(stderr.contains("not saved"), "\(stderr)")

        // The rotated token is the one in use; the file is as it was; the state says why.
        let rotated = mock.counters.withLock { $0.tokenSerial }
        let newAccess = "sk-ant-oat01-mock-access-\(rotated)"
        #expect(try RefreshTests.message(sidecar).status == 200)
        #expect(Self.bearers(mock).last == "Bearer \(newAccess)")
        #expect(FileManager.default.contents(atPath: sidecar.tokenFile) == before)
        let status = try #require(ControlPlaneTests.statusJSON(sidecar))
        #expect(status["state"]?.stringValue == "degraded")
        #expect(status["reason"]?.stringValue?.hasPrefix("credentials not saved: Read-only file system") == true)
        #expect(status["credentials"]?["saved"] == false)
        #expect(status["warnings"]?.arrayValue?.isEmpty == false)
        let metrics = try sidecar.request("GET", "/metrics").text
        #expect(metrics.contains("maximize_credentials_unsaved 1"))
        #expect(metrics.contains("maximize_credential_save_failures_total"))
        let shown = try await Maxctl.run(["status"], environment: sidecar.maxctlEnvironment)
        #expect(shown.stdout.contains("NOT SAVED"))

        // A reload (SIGHUP, `maxctl reload`, a file event) does not bring back the spent token.
        _ = try await Maxctl.run(["reload"], environment: sidecar.maxctlEnvironment)
        #expect(try RefreshTests.message(sidecar).status == 200)
        #expect(Self.bearers(mock).last == "Bearer \(newAccess)")

        // Writable again: the retry (backoff from 1 s) saves it, and the chain goes on.
        try SmallVolume.run("/bin/umount", "-l", state)
        let saved = await ControlPlaneTests.waitForStatus(sidecar, timeout: 20) { $0["credentials"]?["saved"] == true }
        #expect(saved)
        #expect(try RefreshTests.readToken(sidecar.tokenFile)?.accessToken.value == newAccess)
        #expect(ControlPlaneTests.statusJSON(sidecar)?["state"]?.stringValue == "ready")
        let again = try await Maxctl.run(["refresh"], environment: sidecar.maxctlEnvironment)
        #expect(again.status == 0, "\(again.stderr)")
        // Single-use refresh tokens: never one presented twice.
        #expect(mock.counters.withLock { ($0.refreshCalls, $0.invalidGrants) } == (2, 0))
        #expect(sidecar.log.contains("credentials saved"))
    }

    @Test func authorizationServerTextIsCappedCleanedAndRedacted() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        let hostile = "bad token $TOKEN\n2026-11-27T10:00:00+0000 info maximize: forged line\u{1B}[31m " + String(repeating: "x", count: 900_000)
        mock.counters.withLock {
            $0.failRefreshes = [500]
            $0.failRefreshDescription = hostile
        }
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let refresh = try await Maxctl.run(["refresh"], environment: sidecar.maxctlEnvironment)
        #expect(refresh.status == 1)
        let bytes = try #require(FileManager.default.contents(atPath: sidecar.runDirectory + "/status.json"))
        #expect(bytes.count < 16 * 1024)
        let everything = [String(decoding: bytes, as: UTF8.self), sidecar.log, refresh.stdout, refresh.stderr]
        for text in everything {
            #expect(!text.contains(pair.refresh))
            #expect(!text.contains("\u{1B}"))
            #expect(!text.contains(String(repeating: "x", count: 1000)))
        }
        #expect(!sidecar.log.contains("\n2026-11-27T10:00:00+0000 info maximize: forged line"))
        #expect(refresh.stderr.contains("<redacted>"))
        let health = try await Maxctl.run(["health", "--live"], environment: sidecar.maxctlEnvironment)
        #expect(health.status == 0, "\(health.stderr)")
    }

    @Test func refreshesAndProxyAnsweredFailuresAreCountedOnce() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            config: #"{"server":{"drain_grace_seconds":0},"api":{"request_timeout":1}}"#,
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        #expect(try await Maxctl.run(["refresh"], environment: sidecar.maxctlEnvironment).status == 0)
        // 504: the upstream stalls past api.request_timeout.
        let stalled = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[],"mock":{"stall_ms":3000}}"#)
        #expect(stalled.status == 504)
        // 502: the upstream goes away (its port held, so nothing else answers there).
        let held = mock.shutdownHoldingPort()
        defer { close(held) }
        let unreachable = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(unreachable.status == 502)
        let text = try sidecar.request("GET", "/metrics").text
        #expect(text.contains(#"maximize_token_refreshes_total{result="refreshed"} 1"#), "\(text)")
        #expect(text.contains(#"maximize_requests_total{route="/v1/messages",status="504"} 1"#))
        #expect(text.contains(#"maximize_requests_total{route="/v1/messages",status="502"} 1"#))
    }
}
