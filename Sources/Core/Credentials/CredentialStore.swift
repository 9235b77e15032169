/// The daemon's credentials in memory: read from `tokens.json` when it changes, never per
/// request, and replaced when a refresh rotates them.
public final class CredentialStore: Sendable {
    /// What the store holds, for requests, probes and `/auth/status`.
    public struct Snapshot: Sendable {
        public var credential: Credential?
        /// Why the file could not be used, when it could not.
        public var loadError: CredentialError?
        public var loadedAt: Double?
        public var lastRefreshAt: Double?
        public var lastRefreshError: String?
        /// The refresh token was refused (`invalid_grant`): only a new login helps.
        public var refreshRejected = false
        /// The file version last read or written by this process.
        public var fingerprint: FileFingerprint?
    }

    /// Whether a request can be served now.
    public enum Availability: Sendable {
        case ready(Credential)
        /// The access token has expired but can be refreshed.
        case refreshNeeded
        case unavailable(APIError)
    }

    public let file: TokenFileStore
    private let state = Locked(Snapshot())

    public init(file: TokenFileStore) {
        self.file = file
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Reads `tokens.json` again. A file that cannot be used keeps the credentials held so far and
    /// records the error. Returns whether the credential changed.
    @discardableResult
    public func reload(now: Double) -> Bool {
        let fingerprint = file.fingerprint()
        let result = Result { () throws(CredentialError) -> Credential? in try file.read() }
        return state.withLock { state in
            state.fingerprint = fingerprint
            state.loadedAt = now
            switch result {
            case .success(let credential):
                state.loadError = nil
                guard credential != state.credential else { return false }
                state.credential = credential
                state.refreshRejected = false
                state.lastRefreshError = nil
                return true
            case .failure(let error):
                state.loadError = error
                return false
            }
        }
    }

    /// Reloads when the file on disk is not the version last seen (a login, an import, another
    /// process's refresh). Costs one `stat`.
    @discardableResult
    public func reloadIfChanged(now: Double) -> Bool {
        let current = file.fingerprint()
        guard current != state.withLock({ $0.fingerprint }) else { return false }
        return reload(now: now)
    }

    /// Takes a credential this process obtained or found under the lock.
    public func adopt(_ credential: Credential, refreshedAt: Double?) {
        let fingerprint = file.fingerprint()
        state.withLock { state in
            state.credential = credential
            state.loadError = nil
            state.fingerprint = fingerprint
            state.refreshRejected = false
            state.lastRefreshError = nil
            if let refreshedAt { state.lastRefreshAt = refreshedAt }
        }
    }

    public func recordRefreshFailure(_ message: String, rejected: Bool) {
        state.withLock { state in
            state.lastRefreshError = message
            if rejected { state.refreshRejected = true }
        }
    }

    /// The credential to send upstream, whether a refresh must come first, or the client's error.
    public func availability(now: Double) -> Availability {
        Self.evaluate(snapshot, path: file.path, now: now)
    }

    static func evaluate(_ snapshot: Snapshot, path: String, now: Double) -> Availability {
        guard let credential = snapshot.credential else {
            let reason = snapshot.loadError?.description ?? CredentialError.notLoggedIn(path: path).description
            return .unavailable(APIError(.authentication, "maximize has no usable credentials: \(reason)"))
        }
        guard case .oauth(let token) = credential, token.isExpired(now: now) else { return .ready(credential) }
        if snapshot.refreshRejected {
            return .unavailable(
                APIError(
                    .authentication,
                    "the refresh token was rejected (\(snapshot.lastRefreshError ?? "invalid_grant")); run `maxctl login`"
                )
            )
        }
        if token.refreshToken == nil {
            return .unavailable(APIError(.authentication, CredentialError.expired(path: path).description))
        }
        return .refreshNeeded
    }

    /// Why requests cannot be served now, or `nil` when they can (an expired token that can be
    /// refreshed counts as servable).
    public func unreadyReason(now: Double) -> String? {
        switch availability(now: now) {
        case .ready, .refreshNeeded: nil
        case .unavailable(let error): error.message
        }
    }
}
