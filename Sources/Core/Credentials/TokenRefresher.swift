/// One refresh, safe across processes: under the file lock it re-reads `tokens.json`, adopts a
/// token that another process already rotated, and otherwise refreshes and persists the rotated
/// token before returning it.
public struct TokenRefresher: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// This call refreshed; the new token is on disk.
        case refreshed(Credential)
        /// The file holds a credential that needs no refresh (possibly rotated by someone else).
        case current(Credential)
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case oauth(OAuthError)
        case credentials(CredentialError)
        case storage(String)

        public var description: String {
            switch self {
            case .oauth(let error): "\(error)"
            case .credentials(let error): "\(error)"
            case .storage(let message): message
            }
        }

        /// The refresh token is spent or revoked: only a new login helps.
        public var isRejected: Bool {
            if case .oauth(.invalidGrant) = self { return true }
            if case .credentials(.notLoggedIn) = self { return true }
            return false
        }
    }

    public var store: TokenFileStore
    public var oauth: OAuthClient

    public init(store: TokenFileStore, oauth: OAuthClient) {
        self.store = store
        self.oauth = oauth
    }

    /// Makes sure the file holds a usable token.
    ///
    /// - Parameter failed: an access token the upstream refused (401). When the file still holds
    ///   it, the refresh is forced; when the file holds another, unexpired one, that one is adopted.
    /// - Parameter force: refresh even when the token is not due (`maxctl refresh`).
    public func refresh(
        failed: Secret? = nil,
        force: Bool = false,
        now: @Sendable () -> Double = Clock.now
    )
        async throws(Failure) -> Outcome
    {
        let store = self.store
        let oauth = self.oauth
        let result: Result<Outcome, Failure>
        do {
            result = try await store.withLock { () async -> Result<Outcome, Failure> in
                await Self.refreshLocked(store: store, oauth: oauth, failed: failed, force: force, now: now)
            }
        } catch {
            throw .storage("\(error)")
        }
        return try result.get()
    }

    private static func refreshLocked(
        store: TokenFileStore,
        oauth: OAuthClient,
        failed: Secret?,
        force: Bool,
        now: @Sendable () -> Double
    ) async -> Result<Outcome, Failure> {
        let onDisk: Credential
        switch Result(catching: { () throws(CredentialError) in try store.read() }) {
        case .failure(let error): return .failure(.credentials(error))
        case .success(.none): return .failure(.credentials(.notLoggedIn(path: store.path)))
        case .success(.some(let credential)): onDisk = credential
        }
        guard case .oauth(let token) = onDisk else { return .success(.current(onDisk)) }
        let forced = force || (failed != nil && failed == token.accessToken)
        if !forced, !token.needsRefresh(now: now()), !token.isExpired(now: now()) {
            return .success(.current(onDisk))
        }
        guard let refreshToken = token.refreshToken else {
            if token.isExpired(now: now()) { return .failure(.credentials(.expired(path: store.path))) }
            return .success(.current(onDisk))
        }
        do throws(OAuthError) {
            var fresh = try await oauth.refresh(refreshToken, now: now())
            if fresh.subscriptionType == nil { fresh.subscriptionType = token.subscriptionType }
            if fresh.scopes == nil { fresh.scopes = token.scopes }
            let credential = Credential.oauth(fresh)
            do {
                try store.write(credential)
            } catch {
                return .failure(.storage("the refreshed token could not be saved: \(error)"))
            }
            return .success(.refreshed(credential))
        } catch {
            if case .invalidGrant = error,
                let reread = try? store.read(), case .oauth(let other) = reread,
                other.refreshToken != refreshToken, !other.isExpired(now: now())
            {
                // Someone outside the lock rotated the token meanwhile: use theirs.
                return .success(.current(reread))
            }
            return .failure(.oauth(error))
        }
    }
}
