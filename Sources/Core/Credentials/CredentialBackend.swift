/// Where the credential lives and the lock every writer of it takes: `tokens.json` and its
/// `flock` (``FileCredentialBackend``), or a row of a database shared by replicas (the
/// `postgres` backend, in `MaximizePostgres`).
///
/// A refresh runs inside ``withExclusiveAccess(timeout:_:)``: it re-reads the credential there,
/// adopts one another process rotated, or proves a write can succeed
/// (``CredentialTransaction/prepareWrite()``), calls the token endpoint and commits the rotated
/// credential before the lock is released.
public protocol CredentialBackend: Sendable {
    /// `file` or `postgres`, as `status.json`'s `credentials.store` names it.
    var kind: String { get }
    /// Where, for messages and `status.json` (`credentials.source`): a path, or the database's
    /// host, name and the credential's row, never a password.
    var location: String { get }
    /// The stored credential, read without the lock; `nil` when none is stored.
    func load() async throws(CredentialError) -> Credential?
    /// Runs `body` holding the exclusive lock every writer of this credential takes, waiting for
    /// it at most `timeout` seconds.
    func withExclusiveAccess<T: Sendable>(
        timeout: Double,
        _ body: @Sendable (any CredentialTransaction) async -> T
    ) async throws(CredentialStorageError) -> T
}

/// The credential under the backend's exclusive lock.
public protocol CredentialTransaction: Sendable {
    /// The credential as stored now; `nil` when none is.
    func read() async throws(CredentialError) -> Credential?
    /// Stores `credential` durably (`nil` removes it) before returning.
    func write(_ credential: Credential?) async throws(CredentialStorageError)
    /// Proves, before an irreversible step (a refresh spends the refresh token), that a write will
    /// succeed, and returns the write to finish afterwards. A backend that cannot tell (a database
    /// that may go away) checks what it can, and its ``PreparedCredentialWrite/commit(_:)`` may
    /// still fail.
    func prepareWrite() async throws(CredentialStorageError) -> any PreparedCredentialWrite
}

/// A write whose success was made likely before its content was known.
public protocol PreparedCredentialWrite: Sendable {
    /// Stores `credential` durably. Called at most once, inside the transaction it came from.
    func commit(_ credential: Credential) async throws(CredentialStorageError)
}

/// A credential could not be stored, or the store could not be reached.
public struct CredentialStorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where (a path, or the database).
    public var location: String
    /// What went wrong, in the system's or the server's words (`No space left on device`).
    public var reason: String
    /// The store cannot be reached at all (a database down): nothing was read or written.
    public var unreachable: Bool
    /// The whole sentence, when the backend has a better one than location and reason.
    private var message: String?

    public init(location: String, reason: String, unreachable: Bool = false, message: String? = nil) {
        self.location = location
        self.reason = reason
        self.unreachable = unreachable
        self.message = message
    }

    /// A file operation that failed: its own sentence, its system reason.
    public init(_ error: FileSystemError) {
        self.init(location: error.path, reason: error.explanation, message: error.description)
    }

    public var description: String {
        if let message { return message }
        return unreachable ? "the credential store \(location) cannot be reached: \(reason)" : "\(location): \(reason)"
    }
}
