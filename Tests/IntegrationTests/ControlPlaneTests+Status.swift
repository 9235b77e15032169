import Foundation
import MaximizeCore

/// Reading status.json and the reload metric, and barriers on `config.checks`: how many
/// examinations of config.json the daemon has finished, counted in the same status.json update
/// that records each one's outcome.
///
/// A test that asserts that an event caused nothing waits until a check has ended after the
/// event instead of sleeping: a check begins only after the event that asks for it (debounced),
/// so a reload the event caused would have been counted by then, on a fast or a slow machine.
extension ControlPlaneTests {
    static func statusJSON(_ sidecar: SidecarProcess) -> JSONValue? {
        guard let bytes = FileManager.default.contents(atPath: sidecar.runDirectory + "/status.json") else { return nil }
        return try? JSONParser.parse(Array(bytes))
    }

    /// Waits until `condition` holds for status.json.
    static func waitForStatus(_ sidecar: SidecarProcess, timeout: Double = 10, _ condition: (JSONValue) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = statusJSON(sidecar), condition(status) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// `maximize_config_reloads_total{result="applied"}` from /metrics.
    static func appliedReloads(_ sidecar: SidecarProcess) throws -> Int {
        Int(try sidecar.metric("maximize_config_reloads_total", labels: [#"result="applied""#]) ?? 0)
    }

    /// `config.checks` as status.json shows it now.
    static func checks(_ sidecar: SidecarProcess) -> Int? {
        statusJSON(sidecar)?["config"]?["checks"]?.intValue
    }

    /// `config.checks` from the first status.json whose `config.sha256` is that of `content`:
    /// counted there is the check that applied it, and every check that ended before.
    static func checks(_ sidecar: SidecarProcess, whenContentIs content: String) async -> Int? {
        let hash = SHA256.hexDigest(Array(content.utf8))
        var checks: Int?
        _ = await waitForStatus(sidecar) { status in
            guard status["config"]?["sha256"]?.stringValue == hash else { return false }
            checks = status["config"]?["checks"]?.intValue
            return true
        }
        return checks
    }

    /// Waits until more than `count` examinations of config.json have ended.
    static func waitForCheck(_ sidecar: SidecarProcess, after count: Int) async -> Bool {
        await waitForStatus(sidecar) { ($0["config"]?["checks"]?.intValue ?? 0) > count }
    }

    /// Sets a symbolic link's own times to now (not its target's): an event in the link's
    /// directory that changes no content.
    static func touchLink(_ path: String) throws {
        guard utimensat(AT_FDCWD, path, nil, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }
}
