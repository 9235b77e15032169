import Foundation
import MaximizeCore
import Testing

/// A configuration that would inject header lines upstream, or have libcurl read a file, is
/// refused: by `maxctl config --check`, at start, and on reload (the running one kept).
@Suite(.ownThreads) struct ConfigurationInjectionTests {
    @Test func injectingValuesAreRefusedEverywhereAndTheRunningConfigurationKept() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let path = sidecar.stateDirectory + "/config.json"
        try #"{"api":{"headers":{"x-app":"cli\r\nx-injected: yes"}},"server":{"drain_grace_seconds":0}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let check = try await Maxctl.run(["config", "--check"], environment: sidecar.maxctlEnvironment)
        #expect(check.status == 1)
        #expect(check.stderr.contains("api.headers"), "\(check.stderr)")
        #expect(check.stderr.contains("control characters"))
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { $0["config"]?["error"]?.stringValue?.contains("api.headers") == true })
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
        #expect(mock.messageRequests.last?.header("x-injected") == nil)

        try #"{"oauth":{"token_url":"file:///etc/passwd"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let second = try await Maxctl.run(["config", "--check"], environment: sidecar.maxctlEnvironment)
        #expect(second.status == 1)
        #expect(second.stderr.contains("oauth.token_url"), "\(second.stderr)")
    }
}
