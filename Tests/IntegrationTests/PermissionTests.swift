import Foundation
import MaximizeCore
import Testing

/// Loose modes on the state dir and credential files are reported; a planted lock symlink is refused.
@Suite(.serialized, .ownThreads)
struct PermissionTests {
    static func warnings(_ sidecar: SidecarProcess) -> [String] {
        ControlPlaneTests.statusJSON(sidecar)?["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test func looseModesAreWarnedAboutUntilFixed() async throws {
        let state = SidecarProcess.makeTemporaryDirectory() + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let tokens = state + "/tokens.json"
        try #"{"api_key":"sk-ant-api-test-key-0123456789"}"#.write(toFile: tokens, atomically: true, encoding: .utf8)
        #expect(chmod(state, 0o777) == 0)
        #expect(chmod(tokens, 0o644) == 0)
        let sidecar = try await SidecarProcess(
            tokens: nil,
            config: #"{"server":{"drain_grace_seconds":0}}"#,
            upstream: nil,
            stateDirectory: state
        )
        defer { sidecar.stop() }
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["state"]?.stringValue == "ready" })
        let warnings = Self.warnings(sidecar)
        #expect(warnings.contains { $0.contains(tokens) && $0.contains("0644") && $0.contains("chmod 600 \(tokens)") })
        #expect(warnings.contains { $0.contains(state) && $0.contains("0777") && $0.contains("chmod 700 \(state)") })
        #expect(sidecar.log.contains("0644"))
        #expect(sidecar.log.contains("0777"))
        // Still ready: a warning is no failure.
        #expect(try sidecar.request("GET", "/readyz").status == 200)

        // Fixed: the next reload clears them.
        #expect(chmod(state, 0o700) == 0)
        #expect(chmod(tokens, 0o600) == 0)
        let environment = ["MAXIMIZE_STATE_DIR": state, "MAXIMIZE_RUN_DIR": sidecar.runDirectory]
        let reload = try await BoundedRun.maxctl(["reload"], environment: environment, seconds: 20)
        #expect(reload.status == 0, "\(reload.stderr)")
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { _ in Self.warnings(sidecar).isEmpty })
    }

    @Test func plantedLockSymlinkIsRefusedAndNothingIsCreatedElsewhere() async throws {
        let root = SidecarProcess.makeTemporaryDirectory()
        let state = root + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let target = root + "/elsewhere"
        try FileManager.default.createSymbolicLink(atPath: state + "/tokens.json.lock", withDestinationPath: target)
        try #"{"api_key":"sk-ant-api-test-key-0123456789"}"#.write(toFile: state + "/tokens.json", atomically: true, encoding: .utf8)
        let sidecar = try await SidecarProcess(
            tokens: nil,
            config: #"{"server":{"drain_grace_seconds":0}}"#,
            upstream: nil,
            stateDirectory: state
        )
        defer { sidecar.stop() }
        let environment = ["MAXIMIZE_STATE_DIR": state, "MAXIMIZE_RUN_DIR": sidecar.runDirectory]
        let refresh = try await BoundedRun.maxctl(["refresh", "--timeout", "10"], environment: environment, seconds: 20)
        #expect(refresh.status == 1)
        #expect(refresh.stderr.contains("tokens.json.lock is a symbolic link; remove it"), "\(refresh.stderr)")
        try #"{"api_key":"sk-ant-api-other-key-0123456789"}"#.write(toFile: root + "/import.json", atomically: true, encoding: .utf8)
        let imported = try await BoundedRun.maxctl(["import", root + "/import.json"], environment: environment)
        #expect(imported.status == 1)
        #expect(imported.stderr.contains("tokens.json.lock is a symbolic link"), "\(imported.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
