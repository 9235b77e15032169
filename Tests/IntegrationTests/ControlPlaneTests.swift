import Foundation
import MaximizeCore
import Synchronization
import Testing

/// Hot reload through inotify, status.json, control files and maxctl, with real files.
@Suite(.serialized, .ownThreads)
struct ControlPlaneTests {
    static func model(of sidecar: SidecarProcess, _ mock: MockUpstream, nickname: String) throws -> String? {
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"model":"\#(nickname)","messages":[]}"#)
        return mock.messageRequests.last?.json?["model"]?.stringValue
    }

    @Test func kubernetesSymlinkSwapReloadsOnce() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let mount = SidecarProcess.makeTemporaryDirectory() + "/config"
        let fm = FileManager.default
        func content(model: String) -> String {
            #"{"models":{"nicknames":{"zz":"\#(model)"}},"server":{"drain_grace_seconds":0}}"#
        }
        func writeVersion(_ name: String, model: String) throws {
            try fm.createDirectory(atPath: "\(mount)/\(name)", withIntermediateDirectories: true)
            try content(model: model).write(toFile: "\(mount)/\(name)/config.json", atomically: true, encoding: .utf8)
        }
        try writeVersion("..2026_01_01", model: "model-a")
        try fm.createSymbolicLink(atPath: "\(mount)/..data", withDestinationPath: "..2026_01_01")
        try fm.createSymbolicLink(atPath: "\(mount)/config.json", withDestinationPath: "..data/config.json")
        let sidecar = try await SidecarProcess(upstream: mock.baseURL, arguments: ["--config", "\(mount)/config.json"])
        defer { sidecar.stop() }
        #expect(try Self.model(of: sidecar, mock, nickname: "zz") == "model-a")
        let before = Self.statusJSON(sidecar)?["config"]?["sha256"]

        // The kubelet's swap: a new dated directory, a temporary link, renamed over ..data.
        try writeVersion("..2026_01_02", model: "model-b")
        try fm.createSymbolicLink(atPath: "\(mount)/..data_tmp", withDestinationPath: "..2026_01_02")
        #expect(rename("\(mount)/..data_tmp", "\(mount)/..data") == 0)
        try fm.removeItem(atPath: "\(mount)/..2026_01_01")
        #expect(await Self.waitForStatus(sidecar) { $0["config"]?["sha256"] != before })
        #expect(try Self.model(of: sidecar, mock, nickname: "zz") == "model-b")
        // Then an event that changes nothing (the link's own times), after every event of the
        // swap: once a check has ended after the one that applied the swap, the daemon has gone
        // on examining the file, and a second reload would have been counted.
        let applied = try #require(await Self.checks(sidecar, whenContentIs: content(model: "model-b")))
        try Self.touchLink(mount + "/config.json")
        #expect(await Self.waitForCheck(sidecar, after: applied))
        #expect(try Self.appliedReloads(sidecar) == 1)
    }

    @Test func editorSavesAndInPlaceWritesReloadButUnchangedContentDoesNot() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let path = sidecar.stateDirectory + "/config.json"
        // Editor-style: write a temporary file, rename it over.
        try #"{"models":{"default":"xs"},"server":{"drain_grace_seconds":0}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await Self.waitForStatus(sidecar) { _ in (try? Self.appliedReloads(sidecar)) == 1 })
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue == "claude-haiku-4-5")
        // In place: truncate and write.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(#"{"models":{"default":"xl"},"server":{"drain_grace_seconds":0}}"#.utf8))
        try handle.close()
        #expect(await Self.waitForStatus(sidecar) { _ in (try? Self.appliedReloads(sidecar)) == 2 })
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue == "claude-opus-4-8")
        // Same content again, and a touch: events, but nothing to apply. Each is followed until a
        // check of config.json has ended after it: a reload it caused would have been counted.
        let same = #"{"models":{"default":"xl"},"server":{"drain_grace_seconds":0}}"#
        var checks = try #require(await Self.checks(sidecar, whenContentIs: same))
        try same.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await Self.waitForCheck(sidecar, after: checks))
        checks = try #require(Self.checks(sidecar))
        try fm_touch(path)
        #expect(await Self.waitForCheck(sidecar, after: checks))
        #expect(try Self.appliedReloads(sidecar) == 2)
    }

    @Test func brokenConfigurationKeepsTheLastGoodOne() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"models":{"default":"s"},"server":{"drain_grace_seconds":0}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        let path = sidecar.stateDirectory + "/config.json"
        try #"{"models":{"default":"s"},"server":{"port":"eighty"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await Self.waitForStatus(sidecar) { $0["config"]?["error"]?.stringValue?.contains("server.port") == true })
        #expect(Self.statusJSON(sidecar)?["state"]?.stringValue == "degraded")
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue == "claude-sonnet-4-5")
        try #"{"models":{"default":"m"},"server":{"drain_grace_seconds":0}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(await Self.waitForStatus(sidecar) { $0["config"]?["error"]?.isNull == true && $0["state"]?.stringValue == "ready" })
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.json?["model"]?.stringValue == "claude-sonnet-4-6")
    }

    @Test func replacedTokensFileIsUsedByTheNextRequest() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(mock.messageRequests.last?.header("x-api-key") == ProxyTests.apiKey)
        try #"{"api_key":"sk-ant-api-second-key"}"#.write(toFile: sidecar.tokenFile, atomically: true, encoding: .utf8)
        var seen: String?
        for _ in 0..<100 {
            _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
            seen = mock.messageRequests.last?.header("x-api-key")
            if seen == "sk-ant-api-second-key" { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(seen == "sk-ant-api-second-key")
        // Logging out takes the daemon to unauthenticated.
        #expect(try await Maxctl.run(["logout", "--state-dir", sidecar.stateDirectory]).status == 0)
        #expect(await Self.waitForStatus(sidecar) { $0["state"]?.stringValue == "unauthenticated" })
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 401)
    }

    @Test func socketMovesWithoutDroppingInFlightStreams() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let oldSocket = sidecar.socketPath
        let newSocket = sidecar.runDirectory + "/moved.sock"
        let streamed = Mutex<RawHTTP.Response?>(nil)
        let connection = try RawHTTP.connect(unixPath: oldSocket)
        let reader = Thread {
            let response = try? RawHTTP.send(
                connection,
                method: "POST",
                path: "/v1/messages",
                body: Array(#"{"stream":true,"messages":[],"mock":{"events":10,"delay_ms":100}}"#.utf8)
            )
            streamed.withLock { $0 = response }
        }
        reader.start()
        try await Task.sleep(for: .milliseconds(200))
        try #"{"server":{"socket_path":"\#(newSocket)","drain_grace_seconds":0}}"#
            .write(toFile: sidecar.stateDirectory + "/config.json", atomically: true, encoding: .utf8)
        #expect(await Self.waitForStatus(sidecar) { $0["listeners"]?.arrayValue?.first?["path"]?.stringValue == newSocket })
        #expect(try RawHTTP.send(RawHTTP.connect(unixPath: newSocket), method: "GET", path: "/healthz").status == 200)
        #expect(!FileManager.default.fileExists(atPath: oldSocket))
        for _ in 0..<200 where streamed.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(20)) }
        let response = try #require(streamed.withLock { $0 })
        #expect(response.status == 200)
        #expect(response.text.contains("message_stop"))
    }

    @Test func statusFileIsNeverSeenHalfWritten() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let path = sidecar.runDirectory + "/status.json"
        let stop = Atomic<Bool>(false)
        let failures = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        let reader = Thread {
            while !stop.load(ordering: .relaxed) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    failures.add(1, ordering: .relaxed)
                    continue
                }
                if (try? JSONParser.parse(Array(data))) == nil { failures.add(1, ordering: .relaxed) }
                reads.add(1, ordering: .relaxed)
            }
        }
        reader.start()
        for index in 0..<30 {
            try #"{"models":{"default":"\#(index % 2 == 0 ? "s" : "m")"},"server":{"drain_grace_seconds":0}}"#
                .write(toFile: sidecar.stateDirectory + "/config.json", atomically: true, encoding: .utf8)
            try await Task.sleep(for: .milliseconds(150))
        }
        stop.store(true, ordering: .relaxed)
        try await Task.sleep(for: .milliseconds(50))
        #expect(reads.load(ordering: .relaxed) > 100)
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try Self.appliedReloads(sidecar) >= 10)
    }

    @Test func controlFileRoundTrips() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let environment = sidecar.maxctlEnvironment
        let refresh = try await Maxctl.run(["refresh"], environment: environment)
        #expect(refresh.status == 0, "\(refresh.stderr)")
        #expect(refresh.stdout.contains("ok"))
        #expect(mock.counters.withLock { $0.refreshCalls } == 1)
        #expect(Self.statusJSON(sidecar)?["control"]?["last_action"]?.stringValue == "refresh")
        #expect(try RefreshTests.readToken(sidecar.tokenFile)?.accessToken.value != pair.access)

        let reload = try await Maxctl.run(["reload"], environment: environment)
        #expect(reload.status == 0, "\(reload.stderr)")
        #expect(Self.statusJSON(sidecar)?["control"]?["last_action"]?.stringValue == "reload")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sidecar.runDirectory + "/control").isEmpty)

        let status = try await Maxctl.run(["status"], environment: environment)
        #expect(status.status == 0)
        #expect(status.stdout.contains("ready"))
        #expect(status.stdout.contains("expires in"))
        let json = try await Maxctl.run(["status", "--json"], environment: environment)
        #expect((try? JSONParser.parse(json.stdout))?["state"]?.stringValue == "ready")

        // With no daemon, refresh does it itself, under the same lock; reload has nothing to do.
        sidecar.stop()
        let local = try await Maxctl.run(["refresh"], environment: environment.merging(RefreshTests.oauthEnvironment(mock)) { $1 })
        #expect(local.status == 0, "\(local.stderr)")
        #expect(mock.counters.withLock { $0.refreshCalls } == 2)
        let noDaemon = try await Maxctl.run(["reload"], environment: environment)
        #expect(noDaemon.status == 1)
        #expect(noDaemon.stderr.contains("no maximize daemon is running"))
    }

    @Test func healthExitCodesForEachState() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let run = SidecarProcess.makeTemporaryDirectory()
        let environment = ["MAXIMIZE_RUN_DIR": run]
        let missing = try await Maxctl.run(["health"], environment: environment)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("not started"))

        let unauthenticated = try await SidecarProcess(tokens: nil, upstream: mock.baseURL)
        let env = ["MAXIMIZE_RUN_DIR": unauthenticated.runDirectory]
        #expect(await Self.waitForStatus(unauthenticated) { $0["state"]?.stringValue == "unauthenticated" })
        #expect(try await Maxctl.run(["health", "--ready"], environment: env).status == 1)
        #expect(try await Maxctl.run(["health", "--ready"], environment: env).stderr.contains("unauthenticated"))
        #expect(try await Maxctl.run(["health", "--live"], environment: env).status == 0)
        #expect(try await Maxctl.run(["health", "--startup"], environment: env).status == 0)
        unauthenticated.stop()
        let stopped = try await Maxctl.run(["health", "--live"], environment: env)
        #expect(stopped.status == 1)
        #expect(stopped.stderr.contains("stopped"))

        let ready = try await SidecarProcess(upstream: mock.baseURL)
        defer { ready.stop() }
        let readyEnv = ["MAXIMIZE_RUN_DIR": ready.runDirectory]
        #expect(try await Maxctl.run(["health"], environment: readyEnv).status == 0)
        #expect(try await Maxctl.run(["health", "--live", "--ready"], environment: readyEnv).status == 64)

        // Stale and future-dated documents, written by hand.
        let template = try String(contentsOfFile: ready.runDirectory + "/status.json", encoding: .utf8)
        let updated = try #require(template.range(of: #""updated_at":"[^"]*""#, options: .regularExpression))
        for (when, word) in [(Date().timeIntervalSince1970 - 60, "stale"), (Date().timeIntervalSince1970 + 120, "future-dated")] {
            let forged = template.replacingCharacters(in: updated, with: #""updated_at":"\#(Timestamp.iso8601(when))""#)
            try forged.write(toFile: run + "/status.json", atomically: true, encoding: .utf8)
            let result = try await Maxctl.run(["health", "--live"], environment: environment)
            #expect(result.status == 1)
            #expect(result.stderr.contains(word))
        }
        let lenient = try await Maxctl.run(["health", "--live", "--max-age", "600"], environment: environment)
        #expect(lenient.status == 1)  // still future-dated
    }

    @Test func metricsCountRequestsAndTokens() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"stream":true,"messages":[],"mock":{"events":3}}"#)
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[],"mock":{"status":529}}"#)
        let metrics = try sidecar.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.header("content-type")?.hasPrefix("text/plain") == true)
        let text = metrics.text
        #expect(text.contains(#"maximize_requests_total{route="/v1/messages",status="200"} 2"#))
        #expect(text.contains(#"maximize_requests_total{route="/v1/messages",status="529"} 1"#))
        #expect(text.contains(#"maximize_tokens_total{type="input"} 20"#))
        #expect(text.contains(#"maximize_tokens_total{type="output"} 8"#))
        #expect(text.contains("maximize_upstream_latency_seconds_bucket"))
        #expect(text.contains("maximize_requests_in_flight"))
        #expect(!text.contains(ProxyTests.apiKey))
    }
}

/// `touch`: updates the modification time (an ATTRIB event) without changing the content.
func fm_touch(_ path: String) throws {
    try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
}
