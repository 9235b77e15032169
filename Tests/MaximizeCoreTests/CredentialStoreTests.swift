import Testing

@testable import MaximizeCore

struct CredentialStoreTests {
    private func failure(_ availability: CredentialStore.Availability) -> CredentialUnavailable? {
        if case .unavailable(let error) = availability { return error }
        return nil
    }

    private func ready(_ availability: CredentialStore.Availability) -> Credential? {
        if case .ready(let credential) = availability { return credential }
        return nil
    }

    @Test func missingCredentials() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        let error = try #require(failure(store.availability(now: 0)))
        guard case .noCredentials = error else {
            Issue.record("expected no credentials, got \(error)")
            return
        }
        store.reload(now: 10)
        let reloaded = try #require(failure(store.availability(now: 10)))
        #expect(reloaded.message.contains("no credentials in \(store.location)"))
        #expect(reloaded.message.contains("maxctl login"))
        #expect(store.snapshot.loadedAt == 10)
        #expect(store.unreadyReason(now: 10) == reloaded.message)
    }

    @Test func expiredAndValidOAuth() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        try directory.write("tokens.json", #"{"access_token":"at","refresh_token":"rt","expires_at":1000}"#)
        store.reload(now: 0)
        guard case .ready(.oauth(let token)) = store.availability(now: 999) else {
            Issue.record("expected usable OAuth credentials")
            return
        }
        #expect(token.accessToken.value == "at")
        #expect(store.unreadyReason(now: 999) == nil)
        // Expired with a refresh token: servable after a refresh.
        for now in [1000.0, 5000] {
            guard case .refreshNeeded = store.availability(now: now) else {
                Issue.record("expected a refresh to be needed")
                return
            }
            #expect(store.unreadyReason(now: now) == nil)
        }
        // Expired without one: the client is told to log in.
        try directory.write("tokens.json", #"{"access_token":"at2","expires_at":1000}"#)
        #expect(store.reloadIfChanged(now: 0))
        let error = try #require(failure(store.availability(now: 1000)))
        #expect(error == .expired(path: store.location))
        #expect(error.message.contains("has expired"))
        // A rejected refresh token makes an expired token unusable too.
        try directory.write("tokens.json", #"{"access_token":"at3","refresh_token":"rt","expires_at":1000}"#)
        store.reload(now: 0)
        store.recordRefreshFailure("invalid_grant: spent", rejected: true)
        #expect(failure(store.availability(now: 2000)) == .refreshRejected(lastError: "invalid_grant: spent"))
        #expect(failure(store.availability(now: 2000))?.message.contains("maxctl login") == true)
    }

    @Test func apiKeyAndUnknownExpiryNeverExpire() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        try directory.write("tokens.json", #"{"api_key":"sk-ant-k"}"#)
        store.reload(now: 0)
        #expect(ready(store.availability(now: 1e12)) == .apiKey(Secret("sk-ant-k")))
        try directory.write("tokens.json", #"{"access_token":"at"}"#)
        store.reload(now: 0)
        #expect(ready(store.availability(now: 1e12))?.kind == .oauth)
    }

    @Test func corruptFileKeepsTheLastGoodCredential() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        try directory.write("tokens.json", #"{"api_key":"sk-ant-k"}"#)
        store.reload(now: 0)
        try directory.write("tokens.json", #"{"api_key":"#)
        store.reload(now: 1)
        let snapshot = store.snapshot
        #expect(snapshot.credential == .apiKey(Secret("sk-ant-k")))
        #expect(snapshot.loadError != nil)
        #expect(ready(store.availability(now: 1)) == .apiKey(Secret("sk-ant-k")))
    }

    @Test func corruptFileWithoutCredentialsReportsTheError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        try directory.write("tokens.json", "{oops")
        store.reload(now: 0)
        let error = try #require(failure(store.availability(now: 0)))
        #expect(error.message.contains("is not valid JSON at line 1, column 2"))
    }

    @Test func refreshMarginScalesWithLifetime() {
        let long = OAuthToken(accessToken: Secret("a"), refreshToken: Secret("r"), expiresAt: 28_800, obtainedAt: 0)
        #expect(long.refreshMargin == 5760)
        #expect(long.needsRefresh(now: 23_040))
        #expect(!long.needsRefresh(now: 23_039))
        let short = OAuthToken(accessToken: Secret("a"), refreshToken: Secret("r"), expiresAt: 60, obtainedAt: 0)
        #expect(short.refreshMargin == 30)
        let noRefresh = OAuthToken(accessToken: Secret("a"), refreshToken: nil, expiresAt: 60, obtainedAt: 0)
        #expect(noRefresh.refreshDueAt == nil)
    }

    @Test func tokenExpiryMargin() {
        let token = OAuthToken(accessToken: Secret("a"), refreshToken: nil, expiresAt: 100)
        #expect(!token.isExpired(now: 99))
        #expect(token.isExpired(now: 100))
        #expect(token.isExpired(now: 50, margin: 60))
    }
}
