import Synchronization

/// The daemon's credentials in memory: read from `tokens.json` once, then served to every request
/// without touching the disk.
public final class CredentialStore: Sendable {
    /// What the store holds, for requests, probes and `/auth/status`.
    public struct Snapshot: Sendable {
        public var credential: Credential?
        /// Why the file could not be used, when it could not.
        public var loadError: CredentialError?
        public var loadedAt: Double?
        public var lastRefreshAt: Double?
        public var lastRefreshError: String?
    }

    public let file: TokenFileStore
    private let state = Mutex(Snapshot())

    public init(file: TokenFileStore) {
        self.file = file
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Reads `tokens.json` again. A file that cannot be used keeps the credentials held so far and
    /// records the error.
    @discardableResult
    public func reload(now: Double) -> Snapshot {
        let result = Result { () throws(CredentialError) -> Credential? in try file.read() }
        return state.withLock { state in
            switch result {
            case .success(let credential):
                state.credential = credential
                state.loadError = nil
            case .failure(let error):
                state.loadError = error
            }
            state.loadedAt = now
            return state
        }
    }

    /// The credential to send upstream, or the error the client should get.
    public func usableCredential(now: Double) -> Result<Credential, APIError> {
        let snapshot = self.snapshot
        return Self.evaluate(snapshot, path: file.path, now: now)
    }

    static func evaluate(_ snapshot: Snapshot, path: String, now: Double) -> Result<Credential, APIError> {
        guard let credential = snapshot.credential else {
            let reason = snapshot.loadError?.description ?? CredentialError.notLoggedIn(path: path).description
            return .failure(APIError(.authentication, "maximize has no usable credentials: \(reason)"))
        }
        if case .oauth(let token) = credential, token.isExpired(now: now) {
            return .failure(APIError(.authentication, CredentialError.expired(path: path).description))
        }
        return .success(credential)
    }

    /// Why requests cannot be served now, or `nil` when they can.
    public func unreadyReason(now: Double) -> String? {
        switch usableCredential(now: now) {
        case .success: nil
        case .failure(let error): error.message
        }
    }
}
