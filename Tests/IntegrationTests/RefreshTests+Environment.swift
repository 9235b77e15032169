import Foundation
import MaximizeCore
import Synchronization
import Testing

/// Credentials from the environment, in the refresh suite (moved out to keep the file short).
extension RefreshTests {
    @Test func environmentTokensSeedOnlyAnEmptyFile() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock { $0.enforceAccessTokens = true }
        let seeded = try await SidecarProcess(
            tokens: nil,
            upstream: mock.baseURL,
            environment: ["MAXIMIZE_ACCESS_TOKEN": pair.access, "MAXIMIZE_REFRESH_TOKEN": pair.refresh]
        )
        defer { seeded.stop() }
        #expect(try Self.message(seeded).status == 200)
        #expect(try Self.readToken(seeded.tokenFile)?.accessToken.value == pair.access)

        let other = mock.issueTokens()
        let kept = try await SidecarProcess(
            tokens: Self.tokens(access: other.access, refresh: other.refresh, expiresIn: 3600),
            upstream: mock.baseURL,
            environment: ["MAXIMIZE_ACCESS_TOKEN": "sk-ant-oat01-stale-env", "MAXIMIZE_REFRESH_TOKEN": "sk-ant-ort01-spent-env"]
        )
        defer { kept.stop() }
        #expect(try Self.message(kept).status == 200)
        #expect(mock.messageRequests.last?.header("authorization") == "Bearer \(other.access)")
        #expect(try Self.readToken(kept.tokenFile)?.refreshToken?.value == other.refresh)
    }
}
