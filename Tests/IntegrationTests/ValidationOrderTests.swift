import Foundation
import MaximizeCore
import Synchronization
import Testing

/// A request is validated before a credential is asked for: a malformed body never costs a refresh.
@Suite(.serialized, .ownThreads)
struct ValidationOrderTests {
    @Test func aMalformedBodyWithAnExpiredTokenIs400WithoutARefresh() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        // The background refresh at start fails (503, retry after an hour): from then on, a refresh
        // can only come from a request.
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.failRefreshes = [503]
            $0.failRefreshRetryAfter = "3600"
        }
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: -60),
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let status = try sidecar.request("GET", "/auth/status").json
            if status?["last_refresh_error"]?.stringValue != nil { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let before = mock.counters.withLock { $0.refreshArrivals }
        #expect(before == 1)
        let malformed = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[}"#)
        #expect(malformed.status == 400)
        #expect(malformed.json?["error"]?["type"]?.stringValue == "invalid_request_error")
        let badChat = try sidecar.request("POST", "/v1/chat/completions", body: #"{"messages":"nope"}"#)
        #expect(badChat.status == 400)
        #expect(badChat.json?["error"]?["param"]?.stringValue == "messages")
        let stateful = try sidecar.request("POST", "/v1/responses", body: #"{"input":"x","previous_response_id":"resp_1"}"#)
        #expect(stateful.status == 400)
        #expect(stateful.json?["error"]?["param"]?.stringValue == "previous_response_id")
        #expect(mock.counters.withLock { $0.refreshArrivals } == before)
        #expect(mock.messageRequests.isEmpty)
        // A valid request on the same token does refresh.
        #expect(try RefreshTests.message(sidecar).status == 200)
        #expect(mock.counters.withLock { $0.refreshArrivals } > before)
    }
}
