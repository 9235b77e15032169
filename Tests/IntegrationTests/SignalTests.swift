import Foundation
import MaximizeCore
import Testing

/// What each signal does to the real daemon: SIGHUP reloads, SIGTERM drains, the rest are ignored.
@Suite(.serialized, .ownThreads)
struct SignalTests {
    /// Signals whose default action would end the process, none of which may end the daemon.
    static let ignored: [(String, Int32)] = [
        ("SIGUSR1", SIGUSR1), ("SIGUSR2", SIGUSR2), ("SIGALRM", SIGALRM), ("SIGQUIT", SIGQUIT),
        ("SIGVTALRM", SIGVTALRM), ("SIGPROF", SIGPROF), ("SIGIO", SIGIO), ("SIGPWR", SIGPWR),
        ("SIGXCPU", SIGXCPU), ("SIGXFSZ", SIGXFSZ), ("SIGSTKFLT", SIGSTKFLT),
        ("SIGRTMIN", __libc_current_sigrtmin()), ("SIGRTMIN+3", __libc_current_sigrtmin() + 3),
        ("SIGRTMAX", __libc_current_sigrtmax()),
    ]

    @Test func signalsThatUsedToKillAreIgnoredAndSIGTERMStillDrains() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL, arguments: ["--log-level", "debug"], pristineSignals: true)
        defer { sidecar.stop() }
        let pid = sidecar.process.processIdentifier
        for (name, number) in Self.ignored + [("SIGHUP", SIGHUP)] {
            #expect(kill(pid, number) == 0)
            try await Task.sleep(for: .milliseconds(100))
            #expect(sidecar.process.isRunning, "\(name) ended the daemon")
            guard sidecar.process.isRunning else { break }
            #expect(try sidecar.request("GET", "/healthz").status == 200, "after \(name)")
        }
        let health = try await Maxctl.run(["health"], environment: ["MAXIMIZE_RUN_DIR": sidecar.runDirectory])
        #expect(health.status == 0, "\(health.stderr)")
        #expect(sidecar.log.contains("signal ignored"))

        kill(pid, SIGTERM)
        sidecar.process.waitUntilExit()
        #expect(sidecar.process.terminationStatus == 0)
        #expect(ControlPlaneTests.statusJSON(sidecar)?["state"]?.stringValue == "stopped")
        #expect(!FileManager.default.fileExists(atPath: sidecar.socketPath))
        #expect(sidecar.log.contains("state draining"))
    }

    /// A hard link to `path` in a directory of its own: a write through it is reported by inotify
    /// to watches on that directory only, so the daemon's watcher does not see it.
    static func hiddenLink(to path: String) -> String {
        let hidden = SidecarProcess.makeTemporaryDirectory() + "/link"
        #expect(link(path, hidden) == 0)
        return hidden
    }

    /// Rewrites the file in place through a ``hiddenLink(to:)``, made beforehand and given time to
    /// settle (making the link is itself an event the daemon may act on after its debounce).
    static func writeUnseen(_ text: String, through hidden: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: hidden))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    /// `ignoredByParent`: started as `nohup` starts it, with SIGHUP and SIGTERM ignored.
    @Test(arguments: [false, true])
    func sighupReloadsConfigurationAndCredentialsTheWatcherDidNotSee(ignoredByParent: Bool) async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            upstream: mock.baseURL,
            environment: ignoredByParent ? ["MAXIMIZE_TEST_IGNORED_SIGNALS": "\(SIGHUP) \(SIGTERM)"] : [:],
            pristineSignals: true
        )
        defer { sidecar.stop() }
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.header("x-api-key") == ProxyTests.apiKey)
        let config = Self.hiddenLink(to: sidecar.stateDirectory + "/config.json")
        let tokens = Self.hiddenLink(to: sidecar.tokenFile)
        try await Task.sleep(for: .milliseconds(500))
        try Self.writeUnseen(#"{"models":{"default":"xs"},"server":{"drain_grace_seconds":0}}"#, through: config)
        try Self.writeUnseen(#"{"api_key":"sk-ant-api-after-sighup"}"#, through: tokens)
        // Unseen: the old configuration and key are still in use (the 30 s re-check is far off).
        try await Task.sleep(for: .milliseconds(500))
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.header("x-api-key") == ProxyTests.apiKey)
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue != "claude-haiku-4-5")
        #expect(try ControlPlaneTests.appliedReloads(sidecar) == 0)

        kill(sidecar.process.processIdentifier, SIGHUP)
        // The configuration is applied first, the credentials next: the log line ends the reload.
        #expect(await ControlPlaneTests.waitForStatus(sidecar) { _ in sidecar.log.contains("SIGHUP: ok: configuration and credentials reloaded") })
        #expect(try ControlPlaneTests.appliedReloads(sidecar) == 1)
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.header("x-api-key") == "sk-ant-api-after-sighup")
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue == "claude-haiku-4-5")
        #expect(sidecar.process.isRunning)
        // SIGTERM still drains, whatever the parent ignored.
        kill(sidecar.process.processIdentifier, SIGTERM)
        #expect(await sidecar.waitForExit() == 0)
        #expect(ControlPlaneTests.statusJSON(sidecar)?["state"]?.stringValue == "stopped")
    }
}
