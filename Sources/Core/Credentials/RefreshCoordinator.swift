/// Refreshes for the whole process, one at a time: concurrent callers share the refresh in
/// flight (single-flight), and the result goes into the ``CredentialStore``.
///
/// A rotated credential that could not be written is kept in the store and written again with
/// backoff (1 s doubling to a minute), before every later refresh and on ``saveUnsaved()``.
public actor RefreshCoordinator {
    /// What happened, for metrics and logs.
    public enum Event: Sendable, Equatable {
        /// `refreshed`, `adopted` (another process had refreshed), `failed` or `rejected`.
        case refresh(String)
        /// A rotated credential could not be written (the system's reason); it is held in memory.
        case notSaved(String)
        /// A credential held in memory was written at last.
        case saved
        /// The file was replaced while a credential was unsaved; the file's was adopted.
        case unsavedSuperseded
    }

    public let store: CredentialStore
    private var oauth: OAuthClient
    private var inFlight: Task<Result<Credential, TokenRefresher.Failure>, Never>?
    private var saveRetry: Task<Void, Never>?
    private let observer: @Sendable (Event) -> Void

    public init(store: CredentialStore, oauth: OAuthClient, observer: @escaping @Sendable (Event) -> Void = { _ in }) {
        self.store = store
        self.oauth = oauth
        self.observer = observer
    }

    /// Uses new OAuth settings from the next refresh on.
    public func update(oauth: OAuthClient) {
        self.oauth = oauth
    }

    /// Makes sure the store holds a usable credential, refreshing when due or when `failed`
    /// (an access token the upstream refused) is still the one held.
    /// - Parameter force: refresh even when not due (`maxctl refresh`).
    public func refresh(failed: Secret? = nil, force: Bool = false) async -> Result<Credential, TokenRefresher.Failure> {
        if !force, let failed, case .ready(let credential) = store.availability(now: WallClock.now()),
            case .oauth(let token) = credential, token.accessToken != failed
        {
            return .success(credential)
        }
        if let inFlight { return await inFlight.value }
        let refresher = TokenRefresher(backend: store.backend, oauth: oauth)
        let store = self.store
        let observer = self.observer
        let task = Task { () -> Result<Credential, TokenRefresher.Failure> in
            // Write a credential held in memory first: the file's refresh token is spent.
            if store.snapshot.unsaved != nil { await Self.save(store: store, observer: observer) }
            do throws(TokenRefresher.Failure) {
                switch try await refresher.refresh(failed: failed, force: force, unsaved: store.snapshot.unsaved) {
                case .refreshed(let credential):
                    store.adopt(credential, refreshedAt: WallClock.now())
                    observer(.refresh("refreshed"))
                    return .success(credential)
                case .current(let credential):
                    store.adopt(credential, refreshedAt: nil)
                    observer(.refresh("adopted"))
                    return .success(credential)
                case .refreshedUnsaved(let credential, let replaces, let reason):
                    store.adoptUnsaved(credential, replaces: replaces, reason: reason.reason, now: WallClock.now())
                    observer(.refresh("refreshed"))
                    observer(.notSaved(reason.reason))
                    return .success(credential)
                }
            } catch {
                if case .cannotSave(let storage) = error, storage.unreachable {
                    // The store's state, not the token's: shown as such, and cleared when it is back.
                    store.recordStoreProblem(ExternalText.clean(storage.reason))
                    observer(.refresh("failed"))
                    return .failure(error)
                }
                let secrets = store.snapshot.credential?.secrets ?? []
                store.recordRefreshFailure(ExternalText.clean(error.description, secrets: secrets), rejected: error.isRejected)
                observer(.refresh(error.isRejected ? "rejected" : "failed"))
                return .failure(error)
            }
        }
        inFlight = task
        let result = await task.value
        inFlight = nil
        if store.snapshot.unsaved != nil { scheduleSaveRetry() }
        return result
    }

    /// Writes the credential held in memory now, if there is one (a later change, a reload, the
    /// daemon stopping). Returns whether nothing is left unsaved.
    @discardableResult
    public func saveUnsaved() async -> Bool {
        if let inFlight { _ = await inFlight.value }
        await Self.save(store: store, observer: observer)
        if store.snapshot.unsaved == nil {
            saveRetry?.cancel()
            saveRetry = nil
            return true
        }
        scheduleSaveRetry()
        return false
    }

    /// Stops retrying in the background (the daemon is stopping).
    public func stopRetrying() {
        saveRetry?.cancel()
        saveRetry = nil
    }

    private func scheduleSaveRetry() {
        guard saveRetry == nil else { return }
        saveRetry = Task { [weak self] in
            var delay = 1.0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                guard !Task.isCancelled, let self else { return }
                if await self.retrySave() { return }
                delay = min(delay * 2, 60)
            }
        }
    }

    /// One background attempt; `true` when nothing is left to save.
    private func retrySave() async -> Bool {
        if let inFlight { _ = await inFlight.value }
        await Self.save(store: store, observer: observer)
        guard store.snapshot.unsaved == nil else { return false }
        saveRetry = nil
        return true
    }

    /// What a save attempt found under the lock.
    private enum SaveOutcome: Sendable {
        case saved
        /// The file holds another credential (a login, an import): it wins.
        case superseded(Credential?)
        case failed(String)
    }

    /// Under the file lock: writes the unsaved credential when the file still holds what it
    /// replaced; clears it when the file already holds it; gives way when the file holds another.
    /// A file that cannot be read is not written over (it may be someone's edit in progress).
    private static func save(store: CredentialStore, observer: @Sendable (Event) -> Void) async {
        guard let unsaved = store.snapshot.unsaved else { return }
        let outcome: SaveOutcome
        do throws(CredentialStorageError) {
            outcome = try await store.backend.withExclusiveAccess(timeout: 30) { transaction -> SaveOutcome in
                let onDisk: Credential?
                do throws(CredentialError) {
                    onDisk = try await transaction.read()
                } catch {
                    return .failed(error.description)
                }
                if onDisk == unsaved.credential { return .saved }
                guard onDisk == unsaved.replaces else { return .superseded(onDisk) }
                do throws(CredentialStorageError) {
                    try await transaction.write(unsaved.credential)
                    return .saved
                } catch {
                    return .failed(error.reason)
                }
            }
        } catch {
            outcome = .failed(error.reason)
        }
        switch outcome {
        case .saved:
            store.markSaved(unsaved.credential)
            observer(.saved)
        case .superseded(let onDisk):
            store.dropUnsaved(adopting: onDisk)
            observer(.unsavedSuperseded)
        case .failed(let reason):
            store.recordSaveFailure(reason)
            observer(.notSaved(reason))
        }
    }
}
