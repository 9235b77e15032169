import Foundation
import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization
import Testing

/// Four replicas sharing one credential in a real PostgreSQL (the throwaway cluster `scripts/test`
/// starts), against the mock token endpoint's single-use refresh tokens.
@Suite(.serialized, .ownThreads)
struct PostgresReplicaTests {
    static let url = ProcessInfo.processInfo.environment["MAXIMIZE_TEST_POSTGRES_URL"]

    /// The environment that points a daemon or `maxctl` at `name`'s row.
    static func storeEnvironment(_ mock: MockUpstream, name: String, url: String? = Self.url) throws -> [String: String] {
        guard let url else {
            try #require(ProcessInfo.processInfo.environment["CI"] == nil, "MAXIMIZE_TEST_POSTGRES_URL is unset: run through scripts/test")
            throw PostgresUnavailable()
        }
        return [
            "MAXIMIZE_STORAGE_BACKEND": "postgres", "MAXIMIZE_POSTGRES_URL": url, "MAXIMIZE_CREDENTIAL_NAME": name,
            "MAXIMIZE_OAUTH_TOKEN_URL": mock.tokenEndpoint,
        ]
    }

    struct PostgresUnavailable: Error {}

    /// `count` daemons on one credential row, each with its own state and run dirs.
    static func replicas(_ count: Int, mock: MockUpstream, environment: [String: String]) async throws -> [SidecarProcess] {
        var started: [SidecarProcess] = []
        for _ in 0..<count {
            started.append(try await SidecarProcess(tokens: nil, upstream: mock.baseURL, environment: environment))
        }
        return started
    }

    /// Puts `tokens` in the row through `maxctl import -`, as a user moving to the store would.
    static func importTokens(_ tokens: String, environment: [String: String]) async throws {
        let imported = try await Maxctl.run(["import", "-"], environment: environment, input: tokens)
        try #require(imported.status == 0, "\(imported.stderr)")
    }

    static func name() -> String { "test-\(UInt64.random(in: 0...UInt64.max))" }

    /// A cluster of the test's own, for a test that restarts or pauses its server: the shared one
    /// also serves the suites running beside this one (MaximizePostgresTests). Stopped and removed
    /// by ``stopPrivateCluster(_:)``.
    static func privateCluster() async throws -> (url: String, directory: String) {
        guard url != nil else { throw PostgresUnavailable() }
        // Directly under /tmp: the server runs as `postgres`, which must reach it.
        let directory = "/tmp/mx-pg-own-\(UInt64.random(in: 0...UInt64.max))"
        let exports = directory + ".exports"
        defer { unlink(exports) }
        #expect(try await cluster(arguments: ["start", directory], output: exports) == 0)
        let text = try String(contentsOfFile: exports, encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("MAXIMIZE_TEST_POSTGRES_URL=") })
        let value = line.split(separator: "=", maxSplits: 1)[1].trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
        return (value, directory)
    }

    /// For a `defer`: stops a ``privateCluster()`` and removes it.
    static func stopPrivateCluster(_ directory: String) {
        _ = try? clusterBlocking("stop", directory)
    }

    /// Runs `scripts/postgres-cluster` (start, stop, restart) on the test cluster; its exit status.
    /// Spawned and reaped directly: Foundation's `waitUntilExit` never returned once the script had
    /// started a server that outlives it.
    static func cluster(_ arguments: String...) async throws -> Int32 {
        try await cluster(arguments: arguments)
    }

    static func cluster(arguments: [String], output: String = "/dev/null") async throws -> Int32 {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let program = root.appendingPathComponent("scripts/postgres-cluster").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return (status >> 8) & 0xFF }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(pid, SIGKILL)
        return -1
    }

    @Test func twoHundredRequestsOverFourReplicasMakeOneRefresh() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        guard let environment = try? Self.storeEnvironment(mock, name: Self.name()) else { return }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.refreshDelayMs = 300
        }
        try await Self.importTokens(RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: -60), environment: environment)
        let replicas = try await Self.replicas(4, mock: mock, environment: environment)
        defer { for replica in replicas { replica.stop() } }
        let statuses = NIOLockedValueBox<[Int]>([])
        await onThreads(200) { index in
            let status = (try? RefreshTests.message(replicas[index % 4]))?.status ?? -1
            statuses.withLockedValue { $0.append(status) }
        }
        #expect(statuses.withLockedValue { $0 } == Array(repeating: 200, count: 200))
        #expect(mock.counters.withLock { ($0.refreshCalls, $0.invalidGrants) } == (1, 0))
        for replica in replicas {
            let status = try #require(ControlPlaneTests.statusJSON(replica))
            #expect(status["credentials"]?["store"] == "postgres")
            #expect(status["state"] == "ready")
        }
    }

    @Test func aRotationByOneReplicaIsInUseByTheOthersWithinASecond() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        guard let environment = try? Self.storeEnvironment(mock, name: Self.name()) else { return }
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.enforceAccessTokens = true }
        try await Self.importTokens(RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600), environment: environment)
        let replicas = try await Self.replicas(4, mock: mock, environment: environment)
        defer { for replica in replicas { replica.stop() } }
        for round in 1...3 {
            let refresher = replicas[round % 4]
            let refreshed = try await Maxctl.run(["refresh"], environment: refresher.maxctlEnvironment.merging(environment) { $1 })
            #expect(refreshed.status == 0, "\(refreshed.stderr)")
            let access = "sk-ant-oat01-mock-access-\(mock.counters.withLock { $0.tokenSerial })"
            let started = Date()
            for replica in replicas {
                var seen = false
                while !seen, Date().timeIntervalSince(started) < 1 {
                    _ = try RefreshTests.message(replica)
                    seen = CustodyTests.bearers(mock).last == "Bearer \(access)"
                    if !seen { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(seen, "round \(round): a replica still used the old token 1 s after the rotation")
            }
        }
        #expect(mock.counters.withLock { ($0.refreshCalls, $0.invalidGrants) } == (3, 0))
    }

    @Test func replicasKilledMidRefreshNeverForkTheChain() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        guard let environment = try? Self.storeEnvironment(mock, name: Self.name()) else { return }
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.enforceAccessTokens = true }
        try await Self.importTokens(RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600), environment: environment)
        var replicas = try await Self.replicas(4, mock: mock, environment: environment)
        defer { for replica in replicas { replica.stop() } }
        var rotations = 0
        var kills = 0
        while rotations < 50 {
            let index = Int.random(in: 0..<4)
            let replica = replicas[index]
            let env = replica.maxctlEnvironment.merging(environment) { $1 }
            if Int.random(in: 0..<4) == 0 {
                // Killed while it holds the row's lock and its refresh waits at the token endpoint
                // (not yet processed: a server that has not answered has not rotated).
                mock.counters.withLock { $0.holdRefreshes = true }
                let arrivals = mock.counters.withLock { $0.refreshArrivals }
                let (process, input, _, _) = try Maxctl.start(["refresh", "--timeout", "5"], environment: env)
                try input.fileHandleForWriting.close()
                let deadline = Date().addingTimeInterval(10)
                while mock.counters.withLock({ $0.refreshArrivals }) == arrivals, Date() < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                }
                kill(replica.process.processIdentifier, SIGKILL)
                replica.process.waitUntilExit()
                mock.counters.withLock { $0.holdRefreshes = false }
                process.waitUntilExit()
                kills += 1
                replicas[index] = try await SidecarProcess(tokens: nil, upstream: mock.baseURL, environment: environment)
                continue
            }
            let refreshed = try await Maxctl.run(["refresh"], environment: env)
            #expect(refreshed.status == 0, "rotation \(rotations): \(refreshed.stderr)")
            rotations += 1
        }
        #expect(kills > 0)
        #expect(mock.counters.withLock { $0.abandonedRefreshes } == kills)
        #expect(mock.counters.withLock { $0.invalidGrants } == 0)
        for replica in replicas {
            #expect(try RefreshTests.message(replica).status == 200)
            #expect(ControlPlaneTests.statusJSON(replica)?["state"] == "ready")
        }
    }

    @Test func aDatabaseRestartUnderTrafficFailsNoRequest() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        guard (try? Self.storeEnvironment(mock, name: Self.name())) != nil else { return }
        let cluster = try await Self.privateCluster()
        defer { Self.stopPrivateCluster(cluster.directory) }
        let environment = try Self.storeEnvironment(mock, name: Self.name(), url: cluster.url)
        let directory = cluster.directory
        let pair = mock.issueTokens()
        try await Self.importTokens(RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600), environment: environment)
        let replicas = try await Self.replicas(2, mock: mock, environment: environment)
        defer { for replica in replicas { replica.stop() } }
        let failures = NIOLockedValueBox(0)
        let sent = NIOLockedValueBox(0)
        let traffic = Task.detached {
            while !Task.isCancelled {
                for replica in replicas {
                    let status = (try? RefreshTests.message(replica))?.status ?? -1
                    sent.withLockedValue { $0 += 1 }
                    if status != 200 { failures.withLockedValue { $0 += 1 } }
                }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await Self.cluster("restart", directory) == 0)
        // The replicas notice the drop, say so, and come back when the server does.
        try await Task.sleep(for: .seconds(2))
        traffic.cancel()
        _ = await traffic.value
        #expect(sent.withLockedValue { $0 } > 20)
        #expect(failures.withLockedValue { $0 } == 0)
        for replica in replicas {
            #expect(await ControlPlaneTests.waitForStatus(replica, timeout: 40) { $0["state"] == "ready" })
        }
    }

    @Test func aDatabaseOutageIsServedFromMemoryAndNeverForksTheChain() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        guard (try? Self.storeEnvironment(mock, name: Self.name())) != nil else { return }
        let cluster = try await Self.privateCluster()
        defer { Self.stopPrivateCluster(cluster.directory) }
        let environment = try Self.storeEnvironment(mock, name: Self.name(), url: cluster.url)
        let directory = cluster.directory
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.enforceAccessTokens = true }
        try await Self.importTokens(
            RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            environment: environment
        )
        let replicas = try await Self.replicas(2, mock: mock, environment: environment)
        defer { for replica in replicas { replica.stop() } }
        var resumed = false
        defer { if !resumed { _ = try? Self.clusterBlocking("resume", directory) } }

        #expect(try await Self.cluster("pause", directory) == 0)
        for replica in replicas {
            #expect(
                await ControlPlaneTests.waitForStatus(replica, timeout: 20) { status in
                    status["state"] == "degraded"
                        && status["reason"]?.stringValue?.contains("credential store is unreachable") == true
                }
            )
            #expect(try RefreshTests.message(replica).status == 200)
        }
        // No refresh without the row's lock: the token endpoint never sees one.
        let refused = try await Maxctl.run(["refresh"], environment: replicas[0].maxctlEnvironment.merging(environment) { $1 })
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not refreshed"), "\(refused.stderr)")
        #expect(mock.counters.withLock { $0.refreshArrivals } == 0)

        #expect(try await Self.cluster("resume", directory) == 0)
        resumed = true
        for replica in replicas {
            #expect(await ControlPlaneTests.waitForStatus(replica, timeout: 40) { $0["state"] == "ready" })
        }
        let refreshed = try await Maxctl.run(["refresh"], environment: replicas[1].maxctlEnvironment.merging(environment) { $1 })
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(mock.counters.withLock { ($0.refreshCalls, $0.invalidGrants) } == (1, 0))
        #expect(replicas[0].log.contains("credential store unreachable"))
    }

    /// For a `defer`: resumes the cluster from a thread of its own.
    static func clusterBlocking(_ arguments: String...) throws -> Int32 {
        let done = DispatchSemaphore(value: 0)
        let status = NIOLockedValueBox<Int32>(-1)
        let captured = arguments
        Task.detached {
            let code = (try? await cluster(arguments: captured)) ?? -1
            status.withLockedValue { $0 = code }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 60)
        return status.withLockedValue { $0 }
    }
}
