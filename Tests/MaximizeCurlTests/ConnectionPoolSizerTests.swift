import Testing

@testable import MaximizeCurl

/// The connection cache follows the peak of transfers in progress, not its dips.
struct ConnectionPoolSizerTests {
    static let second: UInt64 = 1_000_000_000

    @Test func followsThePeakAndForgetsItAfterTwoQuietWindows() {
        var sizer = ConnectionPoolSizer(floor: 16, ceiling: 1024, window: 60 * Self.second, now: 0)
        #expect(sizer.limit == 16)
        #expect(sizer.observe(inFlight: 5, now: Self.second) == nil)
        #expect(sizer.observe(inFlight: 64, now: 2 * Self.second) == 64)
        // A dip does not shrink it, in this window or the next.
        #expect(sizer.observe(inFlight: 2, now: 3 * Self.second) == nil)
        #expect(sizer.observe(inFlight: 3, now: 70 * Self.second) == nil)
        #expect(sizer.limit == 64)
        // A whole window at a lower load: the limit comes down to it.
        #expect(sizer.observe(inFlight: 8, now: 131 * Self.second) == 16)
        // Long quiet: the floor.
        #expect(sizer.observe(inFlight: 1, now: 400 * Self.second) == nil)
        #expect(sizer.limit == 16)
    }

    @Test func staysWithinTheCeiling() {
        var sizer = ConnectionPoolSizer(floor: 16, ceiling: 1024, window: 60 * Self.second, now: 0)
        #expect(sizer.observe(inFlight: 10_000, now: 1) == 1024)
        #expect(sizer.observe(inFlight: 20_000, now: 2) == nil)
    }
}
