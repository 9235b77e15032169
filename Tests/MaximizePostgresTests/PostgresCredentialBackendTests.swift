import MaximizeCore
import NIOConcurrencyHelpers
import Testing

@testable import MaximizePostgres

@Suite(.enabled(if: TestDatabase.enabled), .timeLimit(.minutes(1)))
struct PostgresCredentialBackendTests {
    @Test func concurrentPreparesCreateTheTablesOnce() async throws {
        let url = try await TestDatabase.freshDatabase()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { try await PostgresCredentialBackend(url: url, password: nil, credentialName: "default").prepare() }
            }
            try await group.waitForAll()
        }
        try await PostgresCredentialBackend(url: url, password: nil, credentialName: "default").prepare()
        let rows = try await PostgresConnection(url: url, password: nil).execute("SELECT component, version FROM maximize_schema")
        #expect(rows == [["credentials", "1"]])
    }

    @Test func aNewerSchemaIsRefused() async throws {
        let url = try await TestDatabase.freshDatabase()
        try await PostgresCredentialBackend(url: url, password: nil, credentialName: "default").prepare()
        try await PostgresConnection(url: url, password: nil).execute("UPDATE maximize_schema SET version = 2")
        let backend = PostgresCredentialBackend(url: url, password: nil, credentialName: "default")
        let error = await #expect(throws: CredentialStorageError.self) { try await backend.prepare() }
        #expect(error?.unreachable == false)
        #expect(error?.description.contains("newer than this maximize knows (1); upgrade maximize") == true)
        await #expect(throws: CredentialError.self) { try await backend.load() }
    }

    @Test func writesAndLoadsThroughTokenFile() async throws {
        let url = try TestDatabase.url()
        let name = TestDatabase.uniqueName()
        let backend = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        #expect(backend.kind == "postgres")
        #expect(try await backend.load() == nil)
        let credential = TestDatabase.credential()
        try await backend.withExclusiveAccess(timeout: 5) { transaction in
            await recording {
                #expect(try await transaction.read() == nil)
                try await transaction.write(credential)
            }
        }
        #expect(try await backend.load() == credential)
        let other = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        #expect(try await other.load() == credential)
        let apiKey = Credential.apiKey(Secret("sk-ant-api03-\(name)"))
        try await other.withExclusiveAccess(timeout: 5) { transaction in
            await recording {
                #expect(try await transaction.read() == credential)
                try await transaction.write(apiKey)
            }
        }
        #expect(try await backend.load() == apiKey)
        let row = try await PostgresConnection(url: url, password: nil)
            .execute("SELECT version, updated_by FROM maximize_credentials WHERE name = $1", [name])
        #expect(row.first?.first == "2")
        #expect(row.first?.last??.hasPrefix("maximize@") == true)
        try await backend.withExclusiveAccess(timeout: 5) { transaction in
            await recording { try await transaction.write(nil) }
        }
        #expect(try await backend.load() == nil)
    }

    @Test func aTransactionIsDoneOnceItHasWritten() async throws {
        let backend = PostgresCredentialBackend(url: try TestDatabase.url(), password: nil, credentialName: TestDatabase.uniqueName())
        let escaped = NIOLockedValueBox<(any CredentialTransaction)?>(nil)
        let second = try await backend.withExclusiveAccess(timeout: 5) { transaction -> CredentialStorageError? in
            await recording { try await transaction.write(TestDatabase.credential()) }
            escaped.withLockedValue { $0 = transaction }
            do throws(CredentialStorageError) {
                try await transaction.write(TestDatabase.credential("b"))
                return nil
            } catch {
                return error
            }
        }
        #expect(second?.reason.contains("already written") == true)
        let late = escaped.withLockedValue { $0 }!
        let error = await #expect(throws: CredentialStorageError.self) { try await late.prepareWrite() }
        #expect(error?.reason.contains("released") == true)
    }

    @Test func aPreparedWriteCommits() async throws {
        let backend = PostgresCredentialBackend(url: try TestDatabase.url(), password: nil, credentialName: TestDatabase.uniqueName())
        let credential = TestDatabase.credential()
        try await backend.withExclusiveAccess(timeout: 5) { transaction in
            await recording {
                let write = try await transaction.prepareWrite()
                try await write.commit(credential)
            }
        }
        #expect(try await backend.load() == credential)
    }

    @Test func nothingWrittenRollsBackAndReleases() async throws {
        let url = try TestDatabase.url()
        let name = TestDatabase.uniqueName()
        let backend = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        let value = try await backend.withExclusiveAccess(timeout: 5) { _ in 42 }
        #expect(value == 42)
        // Not rolled back, the row would stay locked until the server's 120 s idle-in-transaction
        // limit: another session gets it well within its own wait.
        try await PostgresCredentialBackend(url: url, password: nil, credentialName: name).withExclusiveAccess(timeout: 20) { _ in }
    }

    @Test func theLocationNamesNoUserOrPassword() {
        let backend = PostgresCredentialBackend(
            url: "postgresql://alice:s3cret-pw@db.example:6543/app?sslmode=verify-full",
            password: Secret("other-secret"),
            credentialName: "prod"
        )
        #expect(backend.location == "postgres://db.example:6543/app (credential prod)")
        let socket = PostgresCredentialBackend(url: "postgresql:///maximize?host=/run/pg&port=5433", password: nil, credentialName: "x")
        #expect(socket.location == "postgres:///run/pg:5433/maximize (credential x)")
    }
}
