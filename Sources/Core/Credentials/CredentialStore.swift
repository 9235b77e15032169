import NIOConcurrencyHelpers

/// The daemon's credentials in memory: read from the backend (`tokens.json`, or a database row)
/// when it changes, never per request, and replaced when a refresh rotates them.
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
        /// A rotated credential that could not be written: it is the one in use, and the file
        /// still holds the one it replaced (whose refresh token is spent).
        public var unsaved: Unsaved?
        /// A shared store that cannot be reached now (the database is down): the credential held
        /// is used until it expires; nobody refreshes without the store's lock.
        public var storeProblem: String?
    }

    /// A credential held only in memory until the file can be written again.
    public struct Unsaved: Sendable, Equatable {
        public var credential: Credential
        /// What the file held when the credential was rotated.
        public var replaces: Credential
        /// Why the last write failed: the system's words (`No space left on device`).
        public var reason: String
        public var since: Double
        /// Failed writes so far, the first included.
        public var failures: Int
    }

    /// Whether a request can be served now.
    public enum Availability: Sendable {
        case ready(Credential)
        /// The access token has expired but can be refreshed.
        case refreshNeeded
        case unavailable(CredentialUnavailable)
    }

    public let backend: any CredentialBackend
    /// The token file, for the file backend (cheap change checks by `stat`).
    public let file: TokenFileStore?
    private let state = NIOLockedValueBox(Snapshot())

    public init(backend: any CredentialBackend) {
        self.backend = backend
        self.file = (backend as? FileCredentialBackend)?.store
    }

    public convenience init(file: TokenFileStore) {
        self.init(backend: FileCredentialBackend(store: file))
    }

    /// Where the credential is kept, for messages and `status.json`.
    public var location: String { backend.location }

    public var snapshot: Snapshot { state.withLockedValue { $0 } }

    /// Reads `tokens.json` again. A file that cannot be used keeps the credentials held so far and
    /// records the error. Returns whether the credential changed.
    @discardableResult
    public func reload(now: Double) -> Bool {
        guard let file else { return false }
        let fingerprint = file.fingerprint()
        let result = Result { () throws(CredentialError) -> Credential? in try file.read() }
        return apply(result, fingerprint: fingerprint, now: now)
    }

    /// Reads the backend again, whatever it is (the database's row after a notification); as
    /// ``reload(now:)`` otherwise.
    @discardableResult
    public func reloadFromBackend(now: Double) async -> Bool {
        if file != nil { return reload(now: now) }
        let result: Result<Credential?, CredentialError>
        do throws(CredentialError) {
            result = .success(try await backend.load())
        } catch {
            result = .failure(error)
        }
        return apply(result, fingerprint: nil, now: now)
    }

    /// Takes what a read found: keeps the credentials held so far when it failed.
    private func apply(_ result: Result<Credential?, CredentialError>, fingerprint: FileFingerprint?, now: Double) -> Bool {
        state.withLockedValue { state in
            state.fingerprint = fingerprint
            state.loadedAt = now
            switch result {
            case .success(let credential):
                state.loadError = nil
                // Read, so reachable.
                state.storeProblem = nil
                if let unsaved = state.unsaved {
                    // The file still holds what the unsaved credential replaced: keep the newer one.
                    if credential == unsaved.replaces { return false }
                    // Someone wrote the file meanwhile (a login, an import, our own write).
                    state.unsaved = nil
                }
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
        guard let file else { return false }
        let current = file.fingerprint()
        guard current != state.withLockedValue({ $0.fingerprint }) else { return false }
        return reload(now: now)
    }

    /// Takes a credential this process obtained or found under the lock.
    public func adopt(_ credential: Credential, refreshedAt: Double?) {
        let fingerprint = file?.fingerprint()
        state.withLockedValue { state in
            if state.unsaved?.credential != credential { state.unsaved = nil }
            state.credential = credential
            state.loadError = nil
            state.fingerprint = fingerprint
            state.refreshRejected = false
            state.lastRefreshError = nil
            if let refreshedAt { state.lastRefreshAt = refreshedAt }
        }
    }

    /// Takes a credential this process rotated but could not write: it is used from now on, and
    /// the file (which still holds `replaces`) is not read over it.
    public func adoptUnsaved(_ credential: Credential, replaces: Credential, reason: String, now: Double) {
        state.withLockedValue { state in
            let failures = (state.unsaved?.failures ?? 0) + 1
            // A second rotation while unsaved still replaces what the file holds.
            let onDisk = state.unsaved?.replaces ?? replaces
            state.unsaved = Unsaved(credential: credential, replaces: onDisk, reason: reason, since: now, failures: failures)
            state.credential = credential
            state.loadError = nil
            state.refreshRejected = false
            state.lastRefreshError = nil
            state.lastRefreshAt = now
        }
    }

    /// The unsaved credential was written (or found written): the file is the truth again.
    public func markSaved(_ credential: Credential) {
        let fingerprint = file?.fingerprint()
        state.withLockedValue { state in
            guard state.unsaved?.credential == credential else { return }
            state.unsaved = nil
            state.fingerprint = fingerprint
        }
    }

    /// Another write of the unsaved credential failed.
    public func recordSaveFailure(_ reason: String) {
        state.withLockedValue { state in
            state.unsaved?.reason = reason
            state.unsaved?.failures += 1
        }
    }

    /// The file was replaced by another credential while this one was unsaved: the file wins
    /// (a login or an import is the user's choice).
    public func dropUnsaved(adopting onDisk: Credential?) {
        let fingerprint = file?.fingerprint()
        state.withLockedValue { state in
            guard state.unsaved != nil else { return }
            state.unsaved = nil
            state.credential = onDisk
            state.fingerprint = fingerprint
        }
    }

    /// The shared store's connection state: `nil` when reachable, else why not.
    public func recordStoreProblem(_ problem: String?) {
        state.withLockedValue { $0.storeProblem = problem }
    }

    public func recordRefreshFailure(_ message: String, rejected: Bool) {
        state.withLockedValue { state in
            state.lastRefreshError = message
            if rejected { state.refreshRejected = true }
        }
    }

    /// The credential to send upstream, whether a refresh must come first, or the client's error.
    public func availability(now: Double) -> Availability {
        Self.evaluate(snapshot, path: location, now: now)
    }

    static func evaluate(_ snapshot: Snapshot, path: String, now: Double) -> Availability {
        guard let credential = snapshot.credential else {
            let reason = snapshot.loadError?.description ?? CredentialError.notLoggedIn(path: path).description
            return .unavailable(.noCredentials(reason: reason))
        }
        guard case .oauth(let token) = credential, token.isExpired(now: now) else { return .ready(credential) }
        if snapshot.refreshRejected {
            return .unavailable(.refreshRejected(lastError: snapshot.lastRefreshError ?? "invalid_grant"))
        }
        if token.refreshToken == nil {
            return .unavailable(.expired(path: path))
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
