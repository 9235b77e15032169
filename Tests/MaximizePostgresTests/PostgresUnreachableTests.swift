import Foundation
import MaximizeCore
import Testing

@testable import MaximizePostgres

/// Servers that refuse, never answer, or reject the password: clear errors, quickly, never
/// holding the password.
@Suite(.timeLimit(.minutes(1)))
struct PostgresUnreachableTests {
    @Test func aRefusedConnectionIsAClearErrorWithoutThePassword() async throws {
        let password = Secret("pw-\(UInt64.random(in: 0...UInt64.max))")
        let backend = PostgresCredentialBackend(
            url: "postgresql://maximize@127.0.0.1:1/maximize?password=\(password.value)x",
            password: password,
            credentialName: "default",
            connectTimeout: 2
        )
        let start = WallClock.monotonicNanoseconds()
        let error = await #expect(throws: CredentialError.self) { try await backend.load() }
        // Bounded by the connect timeout, not hanging (libpq's default waits for ever).
        #expect(TestDatabase.elapsed(since: start) < 15)
        guard case .storeUnavailable(let location, _) = error else {
            Issue.record("expected storeUnavailable, got \(String(describing: error))")
            return
        }
        #expect(location == "postgres://127.0.0.1:1/maximize (credential default)")
        let text = error?.description ?? ""
        #expect(text.contains("the credential held in memory keeps being used"))
        #expect(!text.contains(password.value))
        let lockError = await #expect(throws: CredentialStorageError.self) {
            try await backend.withExclusiveAccess(timeout: 1) { _ in }
        }
        #expect(lockError?.unreachable == true)
        #expect(lockError?.description.contains(password.value) == false)
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        // A listening socket nobody accepts on: the kernel completes the handshake, and nothing
        // ever answers libpq's startup message.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        #expect(listen(fd, 16) == 0)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)
        let backend = PostgresCredentialBackend(
            url: "postgresql://maximize@127.0.0.1:\(port)/maximize?sslmode=disable",
            password: Secret("never-shown-123"),
            credentialName: "default",
            connectTimeout: 1
        )
        let start = WallClock.monotonicNanoseconds()
        let error = await #expect(throws: CredentialStorageError.self) {
            try await backend.withExclusiveAccess(timeout: 1) { _ in }
        }
        #expect(TestDatabase.elapsed(since: start) < 15)
        #expect(error?.unreachable == true)
        #expect(error?.description.contains("never-shown-123") == false)
    }

    @Test(.enabled(if: TestDatabase.enabled)) func aWrongPasswordIsRefusedWithoutShowingIt() async throws {
        guard let login = try TestDatabase.passwordLogin() else { throw TestDatabase.Missing() }
        let right = PostgresCredentialBackend(url: login.url, password: login.password, credentialName: TestDatabase.uniqueName())
        #expect(try await right.load() == nil)
        let wrong = Secret("wrong-\(UInt64.random(in: 0...UInt64.max))")
        let backend = PostgresCredentialBackend(url: login.url, password: wrong, credentialName: "default")
        let error = await #expect(throws: CredentialError.self) { try await backend.load() }
        let text = error?.description ?? ""
        #expect(text.contains("password authentication failed"))
        #expect(!text.contains(wrong.value))
        #expect(!text.contains(login.password.value))
    }
}
