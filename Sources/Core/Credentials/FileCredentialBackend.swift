/// `tokens.json` as a ``CredentialBackend``: the exclusive `flock` on `tokens.json.lock`, atomic
/// writes, and space claimed before a refresh spends its refresh token (``ReservedFile``).
public struct FileCredentialBackend: CredentialBackend {
    /// Space claimed for the new `tokens.json` before a refresh token is spent.
    public static let reservedBytes = 16 * 1024

    public let store: TokenFileStore

    public init(store: TokenFileStore) {
        self.store = store
    }

    public var kind: String { "file" }
    public var location: String { store.path }

    public func load() async throws(CredentialError) -> Credential? {
        try store.read()
    }

    public func withExclusiveAccess<T: Sendable>(
        timeout: Double,
        _ body: @Sendable (any CredentialTransaction) async -> T
    ) async throws(CredentialStorageError) -> T {
        let store = self.store
        do {
            return try await store.withLock(timeout: timeout) { await body(Transaction(store: store)) }
        } catch let error as FileSystemError {
            throw CredentialStorageError(error)
        } catch {
            throw CredentialStorageError(location: store.lockPath, reason: "\(error)")
        }
    }

    struct Transaction: CredentialTransaction {
        let store: TokenFileStore

        func read() async throws(CredentialError) -> Credential? {
            try store.read()
        }

        func write(_ credential: Credential?) async throws(CredentialStorageError) {
            do throws(FileSystemError) {
                if let credential { try store.write(credential) } else { try store.remove() }
            } catch {
                throw CredentialStorageError(error)
            }
        }

        func prepareWrite() async throws(CredentialStorageError) -> any PreparedCredentialWrite {
            do throws(FileSystemError) {
                return ReservedWrite(file: try store.reserveWrite(bytes: FileCredentialBackend.reservedBytes))
            } catch {
                throw CredentialStorageError(error)
            }
        }
    }

    /// The reserved temporary file, renamed over `tokens.json` on commit.
    final class ReservedWrite: PreparedCredentialWrite, @unchecked Sendable {
        // Used by the one task that holds the lock, once.
        private let file: ReservedFile

        init(file: ReservedFile) {
            self.file = file
        }

        func commit(_ credential: Credential) async throws(CredentialStorageError) {
            do throws(FileSystemError) {
                try file.commit(TokenFile.serialize(credential))
            } catch {
                throw CredentialStorageError(error)
            }
        }
    }
}
