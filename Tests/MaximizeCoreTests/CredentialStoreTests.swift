import Testing

@testable import MaximizeCore

struct CredentialStoreTests {
    private func failure(_ result: Result<Credential, APIError>) -> APIError? {
        if case .failure(let error) = result { return error }
        return nil
    }

    @Test func missingCredentials() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        let error = try #require(failure(store.usableCredential(now: 0)))
        #expect(error.kind == .authentication)
        #expect(error.status == 401)
        store.reload(now: 10)
        let reloaded = try #require(failure(store.usableCredential(now: 10)))
        #expect(reloaded.message.contains("no credentials in \(store.file.path)"))
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
        guard case .success(.oauth(let token)) = store.usableCredential(now: 999) else {
            Issue.record("expected usable OAuth credentials")
            return
        }
        #expect(token.accessToken.value == "at")
        #expect(store.unreadyReason(now: 999) == nil)
        for now in [1000.0, 5000] {
            let error = try #require(failure(store.usableCredential(now: now)))
            #expect(error.kind == .authentication)
            #expect(error.message.contains("has expired"))
        }
    }

    @Test func apiKeyAndUnknownExpiryNeverExpire() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        try directory.write("tokens.json", #"{"api_key":"sk-ant-k"}"#)
        store.reload(now: 0)
        #expect(try store.usableCredential(now: 1e12).get() == .apiKey(Secret("sk-ant-k")))
        try directory.write("tokens.json", #"{"access_token":"at"}"#)
        store.reload(now: 0)
        #expect(try store.usableCredential(now: 1e12).get().kind == .oauth)
    }

    @Test func corruptFileKeepsTheLastGoodCredential() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        try directory.write("tokens.json", #"{"api_key":"sk-ant-k"}"#)
        store.reload(now: 0)
        try directory.write("tokens.json", #"{"api_key":"#)
        let snapshot = store.reload(now: 1)
        #expect(snapshot.credential == .apiKey(Secret("sk-ant-k")))
        #expect(snapshot.loadError != nil)
        #expect(try store.usableCredential(now: 1).get() == .apiKey(Secret("sk-ant-k")))
    }

    @Test func corruptFileWithoutCredentialsReportsTheError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = CredentialStore(file: TokenFileStore(path: directory.path + "/tokens.json"))
        try directory.write("tokens.json", "{oops")
        store.reload(now: 0)
        let error = try #require(failure(store.usableCredential(now: 0)))
        #expect(error.message.contains("is not valid JSON at line 1, column 2"))
    }

    @Test func tokenExpiryMargin() {
        let token = OAuthToken(accessToken: Secret("a"), refreshToken: nil, expiresAt: 100)
        #expect(!token.isExpired(now: 99))
        #expect(token.isExpired(now: 100))
        #expect(token.isExpired(now: 50, margin: 60))
    }
}
