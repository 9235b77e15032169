/// Refreshes for the whole process, one at a time: concurrent callers share the refresh in
/// flight (single-flight), and the result goes into the ``CredentialStore``.
public actor RefreshCoordinator {
    public let store: CredentialStore
    private var oauth: OAuthClient
    private var inFlight: Task<Result<Credential, TokenRefresher.Failure>, Never>?
    /// Told each refresh's result: `refreshed`, `adopted`, `failed` or `rejected`.
    private let observer: @Sendable (String) -> Void

    public init(store: CredentialStore, oauth: OAuthClient, observer: @escaping @Sendable (String) -> Void = { _ in }) {
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
        if !force, let failed, case .ready(let credential) = store.availability(now: Clock.now()),
            case .oauth(let token) = credential, token.accessToken != failed
        {
            return .success(credential)
        }
        if let inFlight { return await inFlight.value }
        let refresher = TokenRefresher(store: store.file, oauth: oauth)
        let store = self.store
        let observer = self.observer
        let task = Task { () -> Result<Credential, TokenRefresher.Failure> in
            do throws(TokenRefresher.Failure) {
                switch try await refresher.refresh(failed: failed, force: force) {
                case .refreshed(let credential):
                    store.adopt(credential, refreshedAt: Clock.now())
                    observer("refreshed")
                    return .success(credential)
                case .current(let credential):
                    store.adopt(credential, refreshedAt: nil)
                    observer("adopted")
                    return .success(credential)
                }
            } catch {
                store.recordRefreshFailure(error.description, rejected: error.isRejected)
                observer(error.isRejected ? "rejected" : "failed")
                return .failure(error)
            }
        }
        inFlight = task
        let result = await task.value
        inFlight = nil
        return result
    }
}
