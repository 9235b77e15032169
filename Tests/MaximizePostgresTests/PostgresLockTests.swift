import Foundation
import MaximizeCore
import Testing

@testable import MaximizePostgres

@Suite(.enabled(if: TestDatabase.enabled), .timeLimit(.minutes(1)))
struct PostgresLockTests {
    /// Two replicas, or two tasks of one (each transaction has a connection of its own).
    @Test(arguments: [false, true]) func twoWritersOfOneNameTakeTurns(oneBackend: Bool) async throws {
        let url = try TestDatabase.url()
        let name = TestDatabase.uniqueName()
        let first = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        let second = oneBackend ? first : PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        let credential = TestDatabase.credential()
        let locked = Gate()
        async let holder: Void = first.withExclusiveAccess(timeout: 5) { transaction in
            locked.open()
            try? await Task.sleep(for: .milliseconds(600))
            await recording { try await transaction.write(credential) }
        }
        #expect(await locked.wait())
        let start = WallClock.monotonicNanoseconds()
        let seen = try await second.withExclusiveAccess(timeout: 5) { transaction in
            try? await transaction.read()
        }
        try await holder
        #expect(seen == credential)
        #expect(TestDatabase.elapsed(since: start) > 0.3)
    }

    @Test func twoNamesDoNotBlockEachOther() async throws {
        let url = try TestDatabase.url()
        let first = PostgresCredentialBackend(url: url, password: nil, credentialName: TestDatabase.uniqueName())
        let second = PostgresCredentialBackend(url: url, password: nil, credentialName: TestDatabase.uniqueName())
        let locked = Gate()
        let release = Gate()
        async let holder: Void = first.withExclusiveAccess(timeout: 5) { _ in
            locked.open()
            _ = await release.wait(10)
        }
        #expect(await locked.wait())
        // The first lock is held until after this one is taken: were they one lock, this would
        // wait for ever (and fail at its timeout).
        try await second.withExclusiveAccess(timeout: 20) { transaction in
            await recording { try await transaction.write(TestDatabase.credential()) }
        }
        release.open()
        try await holder
    }

    @Test func aLockHeldTooLongTimesOutClearly() async throws {
        let url = try TestDatabase.url()
        let name = TestDatabase.uniqueName()
        let locked = Gate()
        let release = Gate()
        async let holder: Void = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
            .withExclusiveAccess(timeout: 5) { _ in
                locked.open()
                _ = await release.wait(10)
            }
        #expect(await locked.wait())
        // The holder keeps the lock until after this: the waiter gives up at its own timeout.
        let waiter = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        let error = await #expect(throws: CredentialStorageError.self) {
            try await waiter.withExclusiveAccess(timeout: 0.5) { _ in }
        }
        #expect(error?.unreachable == false)
        #expect(error?.reason.contains("another maximize held the credential's lock for more than 0.5 s") == true)
        release.open()
        try await holder
        // The failed waiter's connection is usable again.
        try await waiter.withExclusiveAccess(timeout: 2) { _ in }
    }

    @Test func aKilledHolderReleasesTheLock() async throws {
        let url = try TestDatabase.url()
        let name = TestDatabase.uniqueName("killed")
        let backend = PostgresCredentialBackend(url: url, password: nil, credentialName: name)
        try await backend.withExclusiveAccess(timeout: 5) { transaction in
            await recording { try await transaction.write(TestDatabase.credential()) }
        }
        let psql = try ChildProcess.spawn(TestDatabase.binary("psql"), ["-X", "-q", url], withInput: true)
        psql.write("BEGIN; SELECT name FROM maximize_credentials WHERE name = '\(name)' FOR UPDATE;\n")
        // Wait until psql holds the row: a short wait for it then times out.
        var held = false
        for _ in 0..<50 where !held {
            do {
                try await backend.withExclusiveAccess(timeout: 0.1) { _ in }
                try await Task.sleep(for: .milliseconds(50))
            } catch let error as CredentialStorageError {
                held = error.reason.contains("held the credential's lock")
            }
        }
        #expect(held)
        kill(psql.pid, SIGKILL)
        _ = await psql.wait(seconds: 5)
        _ = psql.output()
        // Released with the session (a lock left behind would last the server's 120 s
        // idle-in-transaction limit, far past this wait).
        let credential = TestDatabase.credential("after")
        try await backend.withExclusiveAccess(timeout: 20) { transaction in
            await recording { try await transaction.write(credential) }
        }
        #expect(try await backend.load() == credential)
    }

    @Test func aCommitOnALostConnectionIsUnreachable() async throws {
        let url = try TestDatabase.url()
        let backend = PostgresCredentialBackend(url: url, password: nil, credentialName: TestDatabase.uniqueName())
        let admin = PostgresConnection(url: url, password: nil)
        let outcome = try await backend.withExclusiveAccess(timeout: 5) { transaction -> CredentialStorageError? in
            do {
                let write = try await transaction.prepareWrite()
                let pid = (transaction as! PostgresCredentialTransaction).backendPID
                try await admin.execute("SELECT pg_terminate_backend($1::int)", [String(pid)])
                try await write.commit(TestDatabase.credential())
                return nil
            } catch let error as CredentialStorageError {
                return error
            } catch {
                Issue.record(error)
                return nil
            }
        }
        #expect(outcome?.unreachable == true)
        #expect(outcome?.description.contains("cannot be reached") == true)
        // The next transaction reconnects.
        let credential = TestDatabase.credential("again")
        try await backend.withExclusiveAccess(timeout: 5) { transaction in
            await recording { try await transaction.write(credential) }
        }
        #expect(try await backend.load() == credential)
    }
}
