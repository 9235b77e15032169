import Foundation
import MaximizeCore
import Synchronization
import Testing

/// Refresh and rotation through real daemons sharing real files, against the mock token endpoint.
@Suite(.serialized, .ownThreads)
struct RefreshTests {
    @Test func fiftyConcurrentRequestsOnAnExpiredTokenMakeOneRefresh() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.refreshDelayMs = 300
        }
        let sidecar = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: -60),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let statuses = Mutex<[Int]>([])
        await onThreads(50) { _ in
            let status = (try? Self.message(sidecar))?.status ?? -1
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0 } == Array(repeating: 200, count: 50))
        #expect(mock.counters.withLock { $0.refreshCalls } == 1)
        let saved = try #require(try Self.readToken(sidecar.tokenFile))
        #expect(saved.accessToken.value != pair.access)
        #expect(mock.counters.withLock { $0.validRefreshTokens.contains(saved.refreshToken?.value ?? "") })
    }

    @Test func twoDaemonsOnOneStateDirectoryMakeOneRefresh() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.refreshDelayMs = 200
        }
        let first = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: -60),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { first.stop() }
        let second = try await SidecarProcess(
            tokens: nil,
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock),
            stateDirectory: first.stateDirectory
        )
        defer { second.stop() }
        #expect(try Self.message(first).status == 200)
        #expect(try Self.message(second).status == 200)
        // Until both daemons hold the one refreshed token (good for an hour: neither refreshes
        // again). Each got it by the refresh or by re-reading the file under the lock; a second
        // refresh on the way (with the spent token, or rotating again) reached the mock first.
        let saved = try #require(try Self.readToken(first.tokenFile))
        #expect(saved.accessToken.value != pair.access)
        let expiry = try #require(saved.expiresAt.map(Timestamp.iso8601))
        for sidecar in [first, second] {
            #expect(await Self.waitForAuthStatus(sidecar) { $0["expires_at"]?.stringValue == expiry })
        }
        #expect(mock.counters.withLock { $0.refreshCalls } == 1)
        #expect(mock.counters.withLock { $0.invalidGrants } == 0)
    }

    @Test func upstream401RefreshesOnceAndRetries() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.validAccessTokens.remove(pair.access)  // revoked upstream, still unexpired locally
        }
        let sidecar = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 3600),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let response = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"stream":true,"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(response.status == 200)
        #expect(response.text.contains("message_stop"))
        #expect(mock.counters.withLock { $0.refreshCalls } == 1)
        let attempts = mock.messageRequests.filter { $0.uri == "/v1/messages" }
        #expect(attempts.count == 2)
        #expect(attempts.last?.header("authorization") != "Bearer \(pair.access)")
        // A second refusal is not retried again: the 401 reaches the client.
        mock.counters.withLock { $0.refuseAllBearers = true }
        let before = mock.messageRequests.filter { $0.uri == "/v1/messages" }.count
        let refused = try Self.message(sidecar)
        #expect(refused.status == 401)
        #expect(refused.json?["error"]?["type"]?.stringValue == "authentication_error")
        #expect(mock.counters.withLock { $0.refreshCalls } == 2)
        #expect(mock.messageRequests.filter { $0.uri == "/v1/messages" }.count - before == 2)
    }

    @Test func proactiveRefreshHappensBeforeExpiryWithoutDelayingRequests() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.holdRefreshes = true
        }
        // Eight-hour token with 60 s left: a refresh is due (a fifth of the lifetime), not yet expired.
        let sidecar = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 60, obtainedAgo: 8 * 3600),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        #expect(await mock.waitFor(5) { $0.refreshArrivals == 1 })
        // Served with the current token while the refresh is held upstream: nothing waited for it.
        #expect(try Self.message(sidecar).status == 200)
        #expect(mock.counters.withLock { $0.refreshCalls } == 0, "a request waited for the background refresh")
        #expect(mock.messageRequests.last?.header("authorization") == "Bearer \(pair.access)")
        mock.counters.withLock { $0.holdRefreshes = false }
        let refreshed = await mock.waitFor(10) { _ in ((try? Self.readToken(sidecar.tokenFile))?.accessToken.value ?? pair.access) != pair.access }
        #expect(refreshed)
        // The held refresh itself completed: the daemon had not given up on it and retried.
        #expect(mock.counters.withLock { $0.abandonedRefreshes } == 0)
        let saved = try #require(try Self.readToken(sidecar.tokenFile))
        #expect((saved.expiresAt ?? 0) > Date().timeIntervalSince1970 + 3000)
        #expect(try Self.message(sidecar).status == 200)
        #expect(mock.messageRequests.last?.header("authorization") == "Bearer \(saved.accessToken.value)")
    }

    @Test func invalidGrantAfterAnotherProcessRotatedIsRecoveredWithoutLogin() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.holdRefreshes = true
        }
        let sidecar = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: -60),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        // The daemon's refresh is in flight (held by the mock) ...
        #expect(await mock.waitFor(5) { $0.refreshArrivals == 1 })
        // ... when another tool, ignoring the lock, rotates the same refresh token and saves the result.
        let direct = try RawHTTP.send(
            RawHTTP.connect(port: mock.port),
            method: "POST",
            path: "/v1/oauth/token",
            headers: [("x-mock-no-delay", "1")],
            body: Array(#"{"grant_type":"refresh_token","refresh_token":"\#(pair.refresh)"}"#.utf8)
        )
        let rotated = try #require(direct.json)
        let access = try #require(rotated["access_token"]?.stringValue)
        let refresh = try #require(rotated["refresh_token"]?.stringValue)
        try Self.tokens(access: access, refresh: refresh, expiresIn: 3600)
            .write(toFile: sidecar.tokenFile, atomically: true, encoding: .utf8)
        mock.counters.withLock { $0.holdRefreshes = false }
        // The daemon's call now fails with invalid_grant; it re-reads the file and adopts the new token.
        #expect(await mock.waitFor(10) { $0.invalidGrants == 1 })
        let response = try Self.message(sidecar)
        #expect(response.status == 200)
        #expect(mock.messageRequests.last?.header("authorization") == "Bearer \(access)")
        #expect(try sidecar.request("GET", "/readyz").status == 200)
        #expect(try sidecar.request("GET", "/auth/status").json?["refresh_rejected"] == false)
    }

    @Test func spentRefreshTokenMakesTheDaemonUnauthenticated() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            tokens: Self.tokens(access: "sk-ant-oat01-old", refresh: "sk-ant-ort01-spent", expiresIn: -60),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        #expect(await mock.waitFor(5) { $0.invalidGrants >= 1 })
        let response = try Self.message(sidecar)
        #expect(response.status == 401)
        #expect(response.json?["error"]?["message"]?.stringValue?.contains("maxctl login") == true)
        let ready = try sidecar.request("GET", "/readyz")
        #expect(ready.status == 503)
        #expect(!ready.text.contains("spent"))
        // The file is left as it was: no rotated token to lose, nothing clobbered.
        #expect(try Self.readToken(sidecar.tokenFile)?.refreshToken?.value == "sk-ant-ort01-spent")
    }

    @Test func transientRefreshFailureKeepsTheValidToken() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.failRefreshes = [503, 429]
        }
        let sidecar = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 120, obtainedAgo: 8 * 3600),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        #expect(await mock.waitFor(5) { $0.refreshCalls >= 1 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(try Self.message(sidecar).status == 200)
        #expect(try sidecar.request("GET", "/readyz").status == 200)
        let status = try sidecar.request("GET", "/auth/status")
        #expect(status.json?["last_refresh_error"]?.stringValue?.isEmpty == false)
        // Retried with backoff until it succeeds.
        #expect(await mock.waitFor(20) { $0.refreshCalls >= 3 })
        #expect(await mock.waitFor(5) { _ in (try? Self.readToken(sidecar.tokenFile))?.accessToken.value != pair.access })
    }

    @Test func daemonAndImportWritingAtOnceLoseNothing() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.expiresIn = 2  // the daemon refreshes about every second
        }
        let sidecar = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: -1),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let source = sidecar.stateDirectory + "/../import.json"
        for _ in 0..<8 {
            let imported = mock.issueTokens()
            try Self.tokens(access: imported.access, refresh: imported.refresh, expiresIn: 2, obtainedAgo: 0)
                .write(toFile: source, atomically: true, encoding: .utf8)
            let result = try await Maxctl.run(
                ["import", source, "--state-dir", sidecar.stateDirectory],
                environment: Self.oauthEnvironment(mock)
            )
            #expect(result.status == 0)
            // A random pause, so that imports land at every point of the refresh cycle.
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...400)))
        }
        // Two more refreshes after the last import: the daemon refreshes one at a time, so the
        // second began after the import was written and used what the daemon holds since. A
        // spent refresh token would have been refused by then.
        let calls = mock.counters.withLock { $0.refreshCalls }
        let refreshed = await mock.waitFor(20) { $0.refreshCalls >= calls + 2 || $0.invalidGrants > 0 }
        #expect(mock.counters.withLock { $0.invalidGrants } == 0, "a spent refresh token was used")
        #expect(refreshed, "the daemon stopped refreshing")
        // The file holds a live refresh token (read again if it was rotated between the two reads).
        let live = await mock.waitFor(5) { counters in
            let saved = try? Self.readToken(sidecar.tokenFile)
            return counters.validRefreshTokens.contains(saved?.refreshToken?.value ?? "")
        }
        #expect(live, "tokens.json holds a spent refresh token")
        #expect(try Self.message(sidecar).status == 200)
    }

    @Test func killedAtAnyInstantLeavesAWholeFile() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.expiresIn = 1 }
        let first = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: -1),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        var sidecar = first
        for round in 0..<10 {
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...900)))
            kill(sidecar.process.processIdentifier, SIGKILL)
            sidecar.process.waitUntilExit()
            let bytes = try #require(FileManager.default.contents(atPath: first.tokenFile), "round \(round): tokens.json is missing")
            #expect(throws: Never.self, "round \(round)") { _ = try TokenFile.parse(Array(bytes), path: first.tokenFile) }
            sidecar = try await SidecarProcess(
                tokens: nil,
                upstream: mock.baseURL,
                environment: Self.oauthEnvironment(mock),
                stateDirectory: first.stateDirectory
            )
        }
        sidecar.stop()
        #expect(mock.counters.withLock { $0.refreshCalls } >= 5)
        // Temporary files of interrupted writes are swept at start.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: first.stateDirectory).filter { $0.contains(".tmp-") }
        #expect(leftovers.count <= 1)
    }
}
