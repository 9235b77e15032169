import Testing

@testable import MaximizeCore
@testable import MaximizeSidecar

/// The background refresh's schedule, with time driven by a manual clock.
struct RefreshLoopScheduleTests {
    /// A one-hour token obtained at `obtainedAt`: its refresh is due 720 s before expiry.
    static func snapshot(obtainedAt: Double, refreshToken: String? = "r", rejected: Bool = false) -> CredentialStore.Snapshot {
        var snapshot = CredentialStore.Snapshot()
        snapshot.credential = .oauth(
            OAuthToken(
                accessToken: Secret("a"),
                refreshToken: refreshToken.map(Secret.init),
                expiresAt: obtainedAt + 3600,
                obtainedAt: obtainedAt
            )
        )
        snapshot.refreshRejected = rejected
        return snapshot
    }

    /// Runs the loop's decisions against `clock` until the first refresh; returns when it came
    /// and how many times the loop looked before.
    static func firstRefresh(_ snapshot: CredentialStore.Snapshot, clock: ManualClock, limit: Int = 1000) -> (at: Double, looks: Int)? {
        for look in 0..<limit {
            switch RefreshLoop.step(snapshot, now: clock.now()) {
            case .refresh: return (clock.now(), look)
            case .wait(let seconds):
                #expect(seconds > 0 && seconds <= RefreshLoop.recheckInterval)
                clock.advance(by: seconds)
            }
        }
        return nil
    }

    @Test func refreshesExactlyWhenDueAndNotBefore() throws {
        let clock = ManualClock(1_000)
        let snapshot = Self.snapshot(obtainedAt: 1_000)
        let refresh = try #require(Self.firstRefresh(snapshot, clock: clock))
        #expect(refresh.at == 1_000 + 3600 - 720)
        // Rechecks every 30 s (a changed token file is noticed), then waits the remainder.
        #expect(refresh.looks == 96)
    }

    @Test func aTokenAnotherProcessJustRefreshedIsNotRefreshedAgain() {
        let clock = ManualClock(3_880)
        #expect(RefreshLoop.step(Self.snapshot(obtainedAt: 1_000), now: clock.now()) == .refresh)
        // The other daemon's rotated token, adopted from the shared file: nothing to do for a while.
        let adopted = Self.snapshot(obtainedAt: 3_879)
        #expect(RefreshLoop.step(adopted, now: clock.now()) == .wait(RefreshLoop.recheckInterval))
        clock.advance(by: 2_000)
        #expect(RefreshLoop.step(adopted, now: clock.now()) == .wait(RefreshLoop.recheckInterval))
        clock.advance(by: 878)
        #expect(RefreshLoop.step(adopted, now: clock.now()) == .wait(1))
        clock.advance(by: 1)
        #expect(RefreshLoop.step(adopted, now: clock.now()) == .refresh)
    }

    @Test func nothingToRefreshOnlyRechecks() {
        let clock = ManualClock(1_000_000)
        var apiKey = CredentialStore.Snapshot()
        apiKey.credential = .apiKey(Secret("sk-ant-api03-x"))
        for snapshot in [
            apiKey, CredentialStore.Snapshot(), Self.snapshot(obtainedAt: 0, refreshToken: nil),
            Self.snapshot(obtainedAt: 0, rejected: true),
        ] {
            #expect(RefreshLoop.step(snapshot, now: clock.now()) == .wait(RefreshLoop.recheckInterval))
        }
    }
}
