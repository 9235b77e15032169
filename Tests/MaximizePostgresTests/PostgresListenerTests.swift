import Foundation
import MaximizeCore
import NIOConcurrencyHelpers
import Testing

@testable import MaximizePostgres

@Suite(.enabled(if: TestDatabase.enabled), .timeLimit(.minutes(1)))
struct PostgresListenerTests {
    /// What a listener reported.
    final class Events: Sendable {
        private let state = NIOLockedValueBox<(changes: Int, states: [PostgresListenerState])>((0, []))

        var changes: Int { state.withLockedValue { $0.changes } }
        var states: [PostgresListenerState] { state.withLockedValue { $0.states } }
        var connections: Int { states.filter { $0 == .connected }.count }

        func listener(url: String, name: String) -> PostgresCredentialListener {
            PostgresCredentialListener(
                url: url,
                password: nil,
                credentialName: name,
                connectTimeout: 2,
                healthCheckInterval: 1,
                onChange: { self.state.withLockedValue { $0.changes += 1 } },
                onState: { new in self.state.withLockedValue { $0.states.append(new) } }
            )
        }
    }

    @Test func aCommitIsHeardByTheListener() async throws {
        let url = try TestDatabase.url()
        let name = TestDatabase.uniqueName()
        let backend = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        try await backend.prepare()
        let events = Events()
        let listener = events.listener(url: url, name: name)
        listener.start()
        #expect(await TestDatabase.eventually(within: 5) { events.connections == 1 })
        #expect(events.changes == 0)
        try await PostgresCredentialBackend(url: url, password: nil, credentialName: TestDatabase.uniqueName())
            .withExclusiveAccess(timeout: 5) { transaction in
                await recording { try await transaction.write(TestDatabase.credential()) }
            }
        try await backend.withExclusiveAccess(timeout: 5) { transaction in
            await recording { try await transaction.write(TestDatabase.credential()) }
        }
        // Heard, not found by a re-read (the 1 s bound on the whole path is PostgresReplicaTests').
        #expect(await TestDatabase.eventually(within: 10) { events.changes == 1 })
        // Another name's change was not reported.
        try await Task.sleep(for: .milliseconds(200))
        #expect(events.changes == 1)
        listener.stop()
        #expect(await TestDatabase.eventually(within: 5) { !listener.isRunning })
    }

    @Test func aRestartedServerIsReconnectedAndReread() async throws {
        // A cluster of its own: restarting the shared one would disturb the other tests.
        let directory = "/tmp/mx-pg-\(UInt32.random(in: 0...UInt32.max))"
        let started = try await TestDatabase.run(TestDatabase.clusterScript, ["start", directory])
        do {
            try #require(started.status == 0, "scripts/postgres-cluster start failed: \(started.output)")
            let line = started.output.split(separator: "\n").first { $0.hasPrefix("export MAXIMIZE_TEST_POSTGRES_URL=") }
            let url = try #require(line.map { String($0.dropFirst("export MAXIMIZE_TEST_POSTGRES_URL=".count)).trimmingCharacters(in: ["'"]) })
            try await restart(url: url, directory: directory)
        } catch {
            try await TestDatabase.run(TestDatabase.clusterScript, ["stop", directory])
            throw error
        }
        try await TestDatabase.run(TestDatabase.clusterScript, ["stop", directory])
    }

    private func restart(url: String, directory: String) async throws {
        let name = "restarted"
        let backend = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        try await backend.prepare()
        let events = Events()
        let listener = events.listener(url: url, name: name)
        listener.start()
        defer { listener.stop() }
        #expect(await TestDatabase.eventually(within: 5) { events.connections == 1 })
        let restarted = try await TestDatabase.run(TestDatabase.clusterScript, ["restart", directory])
        try #require(restarted.status == 0, "scripts/postgres-cluster restart failed: \(restarted.output)")
        #expect(await TestDatabase.eventually(within: 10) { events.connections == 2 })
        #expect(events.states.contains { if case .disconnected = $0 { true } else { false } })
        #expect(await TestDatabase.eventually(within: 1) { events.changes == 1 })
        // It hears commits again; the backend's connections were lost too, and reconnect.
        try await backend.withExclusiveAccess(timeout: 5) { transaction in
            await recording { try await transaction.write(TestDatabase.credential()) }
        }
        #expect(await TestDatabase.eventually(within: 1) { events.changes == 2 })
        listener.stop()
        #expect(await TestDatabase.eventually(within: 5) { !listener.isRunning })
    }
}
