import Foundation
import MaximizeCore
import Synchronization
import Testing

extension RefreshTests {
    /// A daemon starting on a state directory while another process is mid-refresh (holding the
    /// token file's lock through a slow token endpoint) starts at once, and leaves alone the
    /// temporary file in which the other has claimed space for its new token.
    @Test func aDaemonStartsWhileAnotherIsMidRefresh() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.holdRefreshes = true }
        let first = try await SidecarProcess(
            tokens: Self.tokens(access: pair.access, refresh: pair.refresh, expiresIn: -60),
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock)
        )
        defer { first.stop() }
        #expect(await mock.waitFor(10) { $0.refreshArrivals >= 1 })
        let claimed = try FileManager.default.contentsOfDirectory(atPath: first.stateDirectory).filter { $0.contains(".tmp-") }
        try #require(!claimed.isEmpty, "the refresh claims its file before calling the token endpoint")

        // Before, this start waited on the lock for the whole OAuth call (SidecarProcess gives up
        // after 15 s; the held call lasts until released).
        let second = try await SidecarProcess(
            tokens: nil,
            upstream: mock.baseURL,
            environment: Self.oauthEnvironment(mock),
            stateDirectory: first.stateDirectory
        )
        defer { second.stop() }
        let left = try FileManager.default.contentsOfDirectory(atPath: first.stateDirectory).filter { $0.contains(".tmp-") }
        #expect(Set(claimed).isSubset(of: Set(left)))

        mock.counters.withLock { $0.holdRefreshes = false }
        #expect(try Self.message(first).status == 200)
        #expect(try Self.message(second).status == 200)
        #expect(mock.counters.withLock { $0.invalidGrants } == 0)
    }
}
