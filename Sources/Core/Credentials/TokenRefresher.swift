/// One refresh, safe across processes: under the file lock it re-reads `tokens.json`, adopts a
/// token that another process already rotated, and otherwise refreshes and persists the rotated
/// token before returning it.
///
/// Space for the new file is claimed before the token endpoint is called: when the volume is
/// full or read-only the refresh token is not spent. A write that still fails after the rotation
/// returns the new credential as ``Outcome/refreshedUnsaved(_:replaces:reason:)``: it must be
/// kept and written later, since the file's refresh token is spent.
public struct TokenRefresher: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// This call refreshed; the new token is on disk.
        case refreshed(Credential)
        /// The file holds a credential that needs no refresh (possibly rotated by someone else).
        case current(Credential)
        /// This call refreshed, but the file could not be written: it still holds `replaces`.
        case refreshedUnsaved(Credential, replaces: Credential, reason: FileSystemError)
    }

    /// Space claimed for the new `tokens.json` before a refresh token is spent.
    public static let reservedBytes = 16 * 1024

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case oauth(OAuthError)
        case credentials(CredentialError)
        case storage(String)
        /// The new token could not be saved, so the refresh was not attempted (the refresh token
        /// on disk is still good).
        case cannotSave(FileSystemError)

        public var description: String {
            switch self {
            case .oauth(let error): "\(error)"
            case .credentials(let error): "\(error)"
            case .storage(let message): message
            case .cannotSave(let error):
                "not refreshed: a new token could not be saved (\(error)), so the current refresh token was kept "
                    + "unspent; free space or make \(FileSystem.directoryName(error.path)) writable"
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
    /// - Parameter unsaved: a credential this process rotated but could not write; used in place of
    ///   the file's while the file still holds what it replaced.
    public func refresh(
        failed: Secret? = nil,
        force: Bool = false,
        unsaved: CredentialStore.Unsaved? = nil,
        now: @Sendable () -> Double = Clock.now
    )
        async throws(Failure) -> Outcome
    {
        let store = self.store
        let oauth = self.oauth
        let result: Result<Outcome, Failure>
        do {
            result = try await store.withLock { () async -> Result<Outcome, Failure> in
                await Self.refreshLocked(store: store, oauth: oauth, failed: failed, force: force, unsaved: unsaved, now: now)
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
        unsaved: CredentialStore.Unsaved?,
        now: @Sendable () -> Double
    ) async -> Result<Outcome, Failure> {
        let onDisk: Credential
        switch Result(catching: { () throws(CredentialError) in try store.read() }) {
        case .failure(let error): return .failure(.credentials(error))
        case .success(.none): return .failure(.credentials(.notLoggedIn(path: store.path)))
        case .success(.some(let credential)): onDisk = credential
        }
        // The file's refresh token is spent when it still holds what an unsaved credential replaced.
        let current = unsaved.flatMap { $0.replaces == onDisk ? $0.credential : nil } ?? onDisk
        guard case .oauth(let token) = current else { return .success(.current(current)) }
        let forced = force || (failed != nil && failed == token.accessToken)
        if !forced, !token.needsRefresh(now: now()), !token.isExpired(now: now()) {
            return .success(.current(current))
        }
        guard let refreshToken = token.refreshToken else {
            if token.isExpired(now: now()) { return .failure(.credentials(.expired(path: store.path))) }
            return .success(.current(current))
        }
        let reservation: ReservedFile
        do {
            reservation = try store.reserveWrite(bytes: reservedBytes)
        } catch {
            return .failure(.cannotSave(error))
        }
        do throws(OAuthError) {
            var fresh = try await oauth.refresh(refreshToken, now: now())
            if fresh.subscriptionType == nil { fresh.subscriptionType = token.subscriptionType }
            if fresh.scopes == nil { fresh.scopes = token.scopes }
            let credential = Credential.oauth(fresh)
            do {
                try reservation.commit(TokenFile.serialize(credential))
            } catch {
                return .success(.refreshedUnsaved(credential, replaces: onDisk, reason: error))
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
