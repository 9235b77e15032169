import Glibc
import Testing

@testable import MaximizeCore

struct TokenFileStoreTests {
    let oauth = Credential.oauth(OAuthToken(accessToken: Secret("at"), refreshToken: Secret("rt"), expiresAt: 100))

    private func mode(_ path: String) -> UInt32 {
        var info = stat()
        guard stat(path, &info) == 0 else { return 0 }
        return UInt32(info.st_mode) & 0o7777
    }

    @Test func writeIsPrivateAtomicAndReadable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        #expect(try store.read() == nil)
        try store.write(oauth)
        #expect(mode(store.path) == 0o600)
        #expect(mode(directory.path + "/state") == 0o700)
        #expect(try store.read() == oauth)
        let key = Credential.apiKey(Secret("sk-ant-api-key"))
        try store.write(key)
        #expect(try store.read() == key)
        #expect(mode(store.path) == 0o600)
        let state = TemporaryDirectory(existing: directory.path + "/state")
        #expect(state.entries() == ["tokens.json"])
    }

    @Test func writeReplacesALooserModeFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        try FileSystem.createDirectory(directory.path + "/state", mode: 0o700)
        try FileSystem.writeAtomically(Array("{}".utf8), to: store.path, mode: 0o644)
        #expect(mode(store.path) == 0o644)
        try store.write(oauth)
        #expect(mode(store.path) == 0o600)
    }

    @Test func withLockRunsTheBodyAndKeepsTheLockFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        let value = try store.withLock {
            try store.write(oauth)
            return 42
        }
        #expect(value == 42)
        #expect(FileSystem.fileExists(store.lockPath))
        #expect(mode(store.lockPath) == 0o600)
        #expect(throws: FileSystemError.self) {
            try store.withLock { throw FileSystemError(path: "x", operation: "test", code: EIO) }
        }
        #expect(try store.withLock { "again" } == "again")
        #expect(try store.read() == oauth)
    }

    @Test func plantedLockSymlinkIsRefusedAndCreatesNothingElsewhere() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        try FileSystem.createDirectory(directory.path + "/state", mode: 0o700)
        let target = directory.path + "/elsewhere"
        #expect(symlink(target, store.lockPath) == 0)
        let error = #expect(throws: FileSystemError.self) { try store.withLock { 1 } }
        #expect("\(error.map { "\($0)" } ?? "")".contains("\(store.lockPath) is a symbolic link; remove it"))
        await #expect(throws: FileSystemError.self) { try await store.withLock(timeout: 1) { 1 } }
        #expect(!FileSystem.fileExists(target))
    }

    @Test func removeDeletesTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        try store.write(oauth)
        try store.remove()
        #expect(try store.read() == nil)
        try store.remove()
    }

    /// Seeds through the backend the daemon uses: only when the file holds no credentials.
    static func seed(_ store: TokenFileStore, _ environment: [String: String]) async throws -> Bool {
        guard let credential = Credential(environment: environment) else { return false }
        return try await FileCredentialBackend(store: store).seed(credential)
    }

    @Test func seedsAMissingFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        let env = [
            "MAXIMIZE_ACCESS_TOKEN": "env-at", "MAXIMIZE_REFRESH_TOKEN": "env-rt", "MAXIMIZE_TOKEN_EXPIRES_AT": "1700000000",
        ]
        #expect(try await Self.seed(store, env))
        let expected = OAuthToken(accessToken: Secret("env-at"), refreshToken: Secret("env-rt"), expiresAt: 1_700_000_000)
        #expect(try store.read() == .oauth(expected))
        #expect(mode(store.path) == 0o600)
    }

    @Test(arguments: ["", " \n", "{}"])
    func seedsAnEmptyFile(content: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/tokens.json")
        try directory.write("tokens.json", content)
        #expect(try await Self.seed(store, ["MAXIMIZE_UPSTREAM_API_KEY": "sk-ant-env"]))
        #expect(try store.read() == .apiKey(Secret("sk-ant-env")))
    }

    @Test func apiKeyWinsOverTokensWhenSeeding() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        #expect(try await Self.seed(store, ["MAXIMIZE_UPSTREAM_API_KEY": "k", "MAXIMIZE_ACCESS_TOKEN": "a"]))
        #expect(try store.read() == .apiKey(Secret("k")))
    }

    @Test func seedingNeverOverwritesCredentials() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        try store.write(oauth)
        #expect(!(try await Self.seed(store, ["MAXIMIZE_ACCESS_TOKEN": "env-at"])))
        #expect(!(try await Self.seed(store, ["MAXIMIZE_UPSTREAM_API_KEY": "sk-ant-env"])))
        #expect(try store.read() == oauth)
    }

    @Test func seedingLeavesACorruptFileAlone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        try FileSystem.createDirectory(directory.path + "/state", mode: 0o700)
        let corrupt = Array(#"{"access_token":"half-edit"#.utf8)
        try FileSystem.writeAtomically(corrupt, to: store.path, mode: 0o600)
        #expect(!(try await Self.seed(store, ["MAXIMIZE_ACCESS_TOKEN": "env-at"])))
        #expect(try FileSystem.readFile(store.path) == corrupt)
    }

    @Test func nothingToSeed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        #expect(!(try await Self.seed(store, [:])))
        #expect(!(try await Self.seed(store, ["MAXIMIZE_ACCESS_TOKEN": "", "MAXIMIZE_UPSTREAM_API_KEY": ""])))
        #expect(!FileSystem.fileExists(store.path))
    }

    @Test func unreadableAndInvalidFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = TokenFileStore(path: directory.path + "/state/tokens.json")
        try FileSystem.createDirectory(store.path, mode: 0o700)
        let error = #expect(throws: CredentialError.self) { try store.read() }
        guard case .unreadable(let path, _) = error else {
            Issue.record("expected unreadable, got \(String(describing: error))")
            return
        }
        #expect(path == store.path)
        let other = TokenFileStore(path: directory.path + "/bad.json")
        try directory.write("bad.json", "[1]")
        #expect(throws: CredentialError.invalidFile(path: other.path, reason: "must hold a JSON object")) {
            try other.read()
        }
    }
}
