import Foundation
import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization
import Testing

/// maxctl, TLS and a database that is down at start, against the same shared store.
extension PostgresReplicaTests {
    @Test func maxctlLogsInAndOutAgainstTheStore() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        guard var environment = try? Self.storeEnvironment(mock, name: Self.name()) else { return }
        let state = SidecarProcess.makeTemporaryDirectory() + "/state"
        environment["MAXIMIZE_STATE_DIR"] = state
        mock.counters.withLock { $0.enforceAccessTokens = true }
        let replica = try await SidecarProcess(tokens: nil, upstream: mock.baseURL, environment: environment)
        defer { replica.stop() }
        #expect(try RefreshTests.message(replica).status == 401)

        let started = try await Maxctl.run(["login", "--start"], environment: environment)
        let url = try #require(started.stdout.split(separator: "\n").first { $0.hasPrefix("https://") })
        let stateValue = try #require(URLComponents(string: String(url))?.queryItems?.first { $0.name == "state" }?.value)
        let done = try await Maxctl.run(["login", "--code", "good-code#\(stateValue)"], environment: environment)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.contains("postgres://"))
        // Nothing on disk: the login went to the row, and the replica took it from there.
        #expect(!FileManager.default.fileExists(atPath: state + "/tokens.json"))
        #expect(await ControlPlaneTests.waitForStatus(replica) { $0["state"] == "ready" })
        #expect(try RefreshTests.message(replica).status == 200)

        let out = try await Maxctl.run(["logout"], environment: environment)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(await ControlPlaneTests.waitForStatus(replica) { $0["state"] == "unauthenticated" })
        #expect(try RefreshTests.message(replica).status == 401)
    }

    @Test func overTLSWithAPasswordFileAndAVerifiedServer() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        guard var environment = try? Self.storeEnvironment(mock, name: Self.name()) else { return }
        let process = ProcessInfo.processInfo.environment
        let tcp = try #require(process["MAXIMIZE_TEST_POSTGRES_TCP_URL"], "run through scripts/test")
        let ca = try #require(process["MAXIMIZE_TEST_POSTGRES_CA_FILE"], "run through scripts/test")
        let passwordFile = try #require(process["MAXIMIZE_TEST_POSTGRES_PASSWORD_FILE"], "run through scripts/test")
        let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        environment["MAXIMIZE_POSTGRES_URL"] = "\(tcp)?sslmode=verify-full&sslrootcert=\(ca)"
        environment["MAXIMIZE_POSTGRES_PASSWORD_FILE"] = passwordFile
        try await Self.importTokens(#"{"api_key":"sk-ant-api03-over-tls"}"#, environment: environment)
        let replica = try await SidecarProcess(tokens: nil, upstream: mock.baseURL, environment: environment)
        defer { replica.stop() }
        #expect(try RefreshTests.message(replica).status == 200)
        #expect(mock.messageRequests.last?.header("x-api-key") == "sk-ant-api03-over-tls")

        // A server the CA file does not vouch for is refused, and says so without the password.
        var untrusted = environment
        untrusted["MAXIMIZE_POSTGRES_URL"] = "\(tcp)?sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt"
        let refused = try await Maxctl.run(["import", "-"], environment: untrusted, input: #"{"api_key":"sk-ant-api03-x"}"#)
        #expect(refused.status == 1)
        #expect(refused.stderr.lowercased().contains("certificate"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(password))
        #expect(!replica.log.contains(password))
    }

    @Test func aReplicaStartedWhileTheDatabaseIsDownServesWhenItIsBack() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        guard (try? Self.storeEnvironment(mock, name: Self.name())) != nil else { return }
        let cluster = try await Self.privateCluster()
        defer { Self.stopPrivateCluster(cluster.directory) }
        let environment = try Self.storeEnvironment(mock, name: Self.name(), url: cluster.url)
        let directory = cluster.directory
        try await Self.importTokens(#"{"api_key":"sk-ant-api03-after-outage"}"#, environment: environment)
        #expect(try await Self.cluster("pause", directory) == 0)
        var resumed = false
        defer { if !resumed { _ = try? Self.clusterBlocking("resume", directory) } }
        let replica = try await SidecarProcess(tokens: nil, upstream: mock.baseURL, environment: environment)
        defer { replica.stop() }
        #expect(await ControlPlaneTests.waitForStatus(replica) { $0["state"] == "unauthenticated" })
        #expect(try RefreshTests.message(replica).status == 401)
        #expect(try await Self.cluster("resume", directory) == 0)
        resumed = true
        // Well before the 30 s safety net: the listener's connection brings the row in.
        #expect(await ControlPlaneTests.waitForStatus(replica, timeout: 15) { $0["state"] == "ready" })
        #expect(try RefreshTests.message(replica).status == 200)
        #expect(mock.messageRequests.last?.header("x-api-key") == "sk-ant-api03-after-outage")
    }
}
