/// One refresh, safe across processes and replicas: under the backend's exclusive lock it re-reads
/// the credential, adopts one that another process already rotated, and otherwise refreshes and
/// stores the rotated credential before the lock is released.
///
/// The write is prepared before the token endpoint is called (for the file, its space is
/// claimed): when it cannot succeed the refresh token is not spent. A write that still fails after the rotation
/// returns the new credential as ``Outcome/refreshedUnsaved(_:replaces:reason:)``: it must be
/// kept and written later, since the file's refresh token is spent.
public struct TokenRefresher: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// This call refreshed; the new token is on disk.
        case refreshed(Credential)
        /// The file holds a credential that needs no refresh (possibly rotated by someone else).
        case current(Credential)
        /// This call refreshed, but the file could not be written: it still holds `replaces`.
        case refreshedUnsaved(Credential, replaces: Credential, reason: CredentialStorageError)
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case oauth(OAuthError)
        case credentials(CredentialError)
        case storage(String)
        /// The new token could not be saved, so the refresh was not attempted (the refresh token
        /// on disk is still good).
        case cannotSave(CredentialStorageError)

        public var description: String {
            switch self {
            case .oauth(let error): "\(error)"
            case .credentials(let error): "\(error)"
            case .storage(let message): message
            case .cannotSave(let error) where error.unreachable:
                "not refreshed: \(error); no refresh without the store's lock, so the current token is used while it lasts"
            case .cannotSave(let error):
                "not refreshed: a new token could not be saved (\(error)), so the current refresh token was kept "
                    + "unspent; free space or make the store writable"
            }
        }

        /// The refresh token is spent or revoked: only a new login helps.
        public var isRejected: Bool {
            if case .oauth(.invalidGrant) = self { return true }
            if case .credentials(.notLoggedIn) = self { return true }
            return false
        }
    }

    public var backend: any CredentialBackend
    public var oauth: OAuthClient
    /// How long to wait for another process's refresh (the lock).
    public var lockTimeout: Double = 120

    public init(backend: any CredentialBackend, oauth: OAuthClient) {
        self.backend = backend
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
        now: @Sendable () -> Double = WallClock.now
    )
        async throws(Failure) -> Outcome
    {
        let location = backend.location
        let oauth = self.oauth
        let result: Result<Outcome, Failure>
        do {
            result = try await backend.withExclusiveAccess(timeout: lockTimeout) { transaction in
                await Self.refreshLocked(
                    transaction,
                    location: location,
                    oauth: oauth,
                    failed: failed,
                    force: force,
                    unsaved: unsaved,
                    now: now
                )
            }
        } catch {
            throw error.unreachable ? .cannotSave(error) : .storage("\(error)")
        }
        return try result.get()
    }

    private static func refreshLocked(
        _ transaction: any CredentialTransaction,
        location: String,
        oauth: OAuthClient,
        failed: Secret?,
        force: Bool,
        unsaved: CredentialStore.Unsaved?,
        now: @Sendable () -> Double
    ) async -> Result<Outcome, Failure> {
        let onDisk: Credential
        do throws(CredentialError) {
            guard let stored = try await transaction.read() else { return .failure(.credentials(.notLoggedIn(path: location))) }
            onDisk = stored
        } catch {
            return .failure(.credentials(error))
        }
        // The file's refresh token is spent when it still holds what an unsaved credential replaced.
        let current = unsaved.flatMap { $0.replaces == onDisk ? $0.credential : nil } ?? onDisk
        guard case .oauth(let token) = current else { return .success(.current(current)) }
        let forced = force || (failed != nil && failed == token.accessToken)
        if !forced, !token.needsRefresh(now: now()), !token.isExpired(now: now()) {
            return .success(.current(current))
        }
        guard let refreshToken = token.refreshToken else {
            if token.isExpired(now: now()) { return .failure(.credentials(.expired(path: location))) }
            return .success(.current(current))
        }
        let prepared: any PreparedCredentialWrite
        do throws(CredentialStorageError) {
            prepared = try await transaction.prepareWrite()
        } catch {
            return .failure(.cannotSave(error))
        }
        do throws(OAuthError) {
            var fresh = try await oauth.refresh(refreshToken, now: now())
            if fresh.subscriptionType == nil { fresh.subscriptionType = token.subscriptionType }
            if fresh.scopes == nil { fresh.scopes = token.scopes }
            let credential = Credential.oauth(fresh)
            do throws(CredentialStorageError) {
                try await prepared.commit(credential)
            } catch {
                return .success(.refreshedUnsaved(credential, replaces: onDisk, reason: error))
            }
            return .success(.refreshed(credential))
        } catch {
            if case .invalidGrant = error,
                let reread = try? await transaction.read(), case .oauth(let other) = reread,
                other.refreshToken != refreshToken, !other.isExpired(now: now())
            {
                // Someone outside the lock rotated the token meanwhile: use theirs.
                return .success(.current(reread))
            }
            return .failure(.oauth(error))
        }
    }
}
