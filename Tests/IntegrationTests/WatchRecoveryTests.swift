import Foundation
import MaximizeCore
import Testing

/// Watched directories that disappear and come back (issue 13, item 4): they are watched again at
/// once, and `control/` is recreated by the daemon.
@Suite(.serialized, .ownThreads)
struct WatchRecoveryTests {
    /// Sends requests until the mock upstream sees `key`; returns the seconds it took, or nil.
    static func secondsUntilUpstreamSees(
        _ key: String,
        _ sidecar: SidecarProcess,
        _ mock: MockUpstream,
        within: Double
    ) async throws
        -> Double?
    {
        let start = Date()
        while Date().timeIntervalSince(start) < within {
            _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
            if mock.messageRequests.last?.header("x-api-key") == key { return Date().timeIntervalSince(start) }
            try await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test func controlDirectoryRemovedAndRecreatedIsWatchedAgain() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let control = sidecar.runDirectory + "/control"
        #expect(try await Maxctl.run(["reload", "--timeout", "10"], environment: sidecar.maxctlEnvironment).status == 0)
        // Deleted twice (the library's record of the dead watch is forgotten each time), then
        // moved away (its kernel watch is still alive and is removed).
        for moveAway in [false, false, true] {
            if moveAway {
                try FileManager.default.moveItem(atPath: control, toPath: control + ".old")
            } else {
                try FileManager.default.removeItem(atPath: control)
            }
            try await Task.sleep(for: .milliseconds(200))
            try FileManager.default.createDirectory(atPath: control, withIntermediateDirectories: true)
            let reload = try await Maxctl.run(["reload", "--timeout", "5"], environment: sidecar.maxctlEnvironment)
            #expect(reload.status == 0, "\(reload.stderr)")
        }
    }

    @Test func controlDirectoryRemovedIsRecreatedByTheDaemon() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let control = sidecar.runDirectory + "/control"
        try FileManager.default.removeItem(atPath: control)
        var recreated = false
        for _ in 0..<200 where !recreated {
            try await Task.sleep(for: .milliseconds(50))
            recreated = FileSystem.isDirectory(control)
        }
        #expect(recreated, "control/ was not recreated within 10 s")
        let attributes = try FileManager.default.attributesOfItem(atPath: control)
        #expect((attributes[.posixPermissions] as? Int) == 0o755)
        // Written directly (not through maxctl, which would create the directory itself).
        try await Task.sleep(for: .milliseconds(300))
        _ = FileManager.default.createFile(atPath: control + "/reload.recreated-1", contents: nil)
        #expect(await ControlPlaneTests.waitForStatus(sidecar, timeout: 20) { $0["control"]?["last_id"]?.stringValue == "recreated-1" })
        let reload = try await Maxctl.run(["reload", "--timeout", "5"], environment: sidecar.maxctlEnvironment)
        #expect(reload.status == 0, "\(reload.stderr)")
    }

    @Test func stateDirectoryRemovedAndRecreatedIsWatchedAgainAtOnce() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.header("x-api-key") == ProxyTests.apiKey)

        try FileManager.default.removeItem(atPath: sidecar.stateDirectory)
        try await Task.sleep(for: .milliseconds(300))
        try FileManager.default.createDirectory(atPath: sidecar.stateDirectory, withIntermediateDirectories: true)
        try #"{"server":{"drain_grace_seconds":0}}"#.write(
            toFile: sidecar.stateDirectory + "/config.json",
            atomically: true,
            encoding: .utf8
        )
        try #"{"api_key":"sk-ant-api-second-key"}"#.write(toFile: sidecar.tokenFile, atomically: true, encoding: .utf8)
        // Generous bounds for a busy machine; the 30 s safety net alone would fail them.
        let first = try await Self.secondsUntilUpstreamSees("sk-ant-api-second-key", sidecar, mock, within: 4)
        #expect(first != nil, "the recreated state dir's tokens.json was not adopted within 4 s")

        try await Task.sleep(for: .milliseconds(1500))
        try #"{"api_key":"sk-ant-api-third-key"}"#.write(toFile: sidecar.tokenFile, atomically: true, encoding: .utf8)
        let second = try await Self.secondsUntilUpstreamSees("sk-ant-api-third-key", sidecar, mock, within: 4)
        #expect(second != nil, "a second edit of tokens.json was not adopted within 4 s")
    }
}
