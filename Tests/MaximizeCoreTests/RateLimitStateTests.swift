import Testing

@testable import MaximizeCore

/// Merging readings, the log-worthy transitions, and the cooldown's rules.
struct RateLimitStateTests {
    func reading(_ headers: [(String, String)]) -> RateLimitReading {
        RateLimitReading.parse(headers.map { (name: $0.0, value: $0.1) }) ?? RateLimitReading()
    }

    @Test func mergesPerWindowWithTheTimeSeen() {
        var state = RateLimitState()
        state.record(
            reading([
                ("anthropic-ratelimit-unified-5h-utilization", "0.2"), ("anthropic-ratelimit-unified-5h-status", "allowed"),
                ("anthropic-ratelimit-unified-7d-utilization", "0.4"),
            ]),
            now: 100
        )
        state.record(reading([("anthropic-ratelimit-unified-5h-utilization", "0.3"), ("anthropic-ratelimit-requests-remaining", "7")]), now: 200)
        #expect(state.windows["5h"] == .init(utilization: 0.3, status: "allowed", seenAt: 200))
        #expect(state.windows["7d"] == .init(utilization: 0.4, seenAt: 100))
        #expect(state.allowances["requests"] == .init(remaining: 7, seenAt: 200))
        #expect(state.seenAt == 200)
    }

    @Test func theWindowSeenLongestAgoGoesBeyondTheCap() {
        var state = RateLimitState()
        for index in 0..<(RateLimitReading.maximumWindows + 4) {
            state.record(reading([("anthropic-ratelimit-unified-w\(index)-utilization", "0.1")]), now: Double(index))
        }
        #expect(state.windows.count == RateLimitReading.maximumWindows)
        #expect(state.windows["w0"] == nil)
        #expect(state.windows["w19"] != nil)
    }

    @Test func warningAndResetTransitions() {
        var state = RateLimitState()
        let first = state.record(
            reading([("anthropic-ratelimit-unified-5h-status", "allowed_warning"), ("anthropic-ratelimit-unified-5h-reset", "1000")]),
            now: 900
        )
        #expect(first == [.warning(window: "5h", utilization: nil, resetsAt: 1000)])
        // Still in warning: said once.
        #expect(state.record(reading([("anthropic-ratelimit-unified-5h-status", "allowed_warning")]), now: 950).isEmpty)
        let reset = state.record(
            reading([
                ("anthropic-ratelimit-unified-5h-status", "allowed"), ("anthropic-ratelimit-unified-5h-reset", "19000"),
                ("anthropic-ratelimit-unified-5h-utilization", "0.01"),
            ]),
            now: 1001
        )
        #expect(reset == [.reset(window: "5h", previousStatus: "allowed_warning", utilization: 0.01)])
    }

    @Test func aRejectionStartsACooldownUntilTheReset() {
        var state = RateLimitState()
        let rejected = reading([
            ("anthropic-ratelimit-unified-status", "rejected"), ("anthropic-ratelimit-unified-reset", "1300"),
            ("anthropic-ratelimit-unified-representative-claim", "five_hour"),
        ])
        let change = state.answered(status: 429, reading: rejected, sentSerial: 0, now: 1000, maxSeconds: 3600)
        #expect(change == .started(until: 1300, reason: "the subscription's rate limit is reached (five_hour)", requested: nil))
        #expect(state.cooldownRemaining(now: 1100) == 200)
        #expect(state.cooldownRemaining(now: 1300) == nil)
    }

    @Test func anAbsurdRetryAfterIsCapped() {
        var state = RateLimitState()
        let change = state.answered(status: 429, reading: reading([("retry-after", "1555200")]), sentSerial: 0, now: 1000, maxSeconds: 3600)
        #expect(change == .started(until: 4600, reason: "the upstream answered 429 with retry-after 1555200 s", requested: 1_556_200))
        #expect(state.cooldownRemaining(now: 1000) == 3600)
    }

    /// `retry-after` as an HTTP date counts from when the answer came.
    @Test func aRetryAfterDateStartsACooldownUntilThatDate() throws {
        var state = RateLimitState()
        let now = 1_792_567_680.0 - 90  // 90 s before Wed, 21 Oct 2026 07:28:00 GMT
        let reading = try #require(RateLimitReading.parse([("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT")], now: now))
        let change = state.answered(status: 429, reading: reading, sentSerial: 0, now: now, maxSeconds: 3600)
        #expect(change == .started(until: 1_792_567_680, reason: "the upstream answered 429 with retry-after 90 s", requested: nil))
    }

    @Test func endingTheCooldownForNewCredentials() {
        var state = RateLimitState()
        _ = state.answered(status: 429, reading: reading([("retry-after", "60")]), sentSerial: 0, now: 0, maxSeconds: 3600)
        #expect(state.cooldownRemaining(now: 10) == 50)
        let ended = state.endCooldown(now: 10)
        #expect(ended)
        #expect(state.cooldownRemaining(now: 10) == nil)
        let again = state.endCooldown(now: 10)
        #expect(!again)
        // One that already ran out was not running.
        _ = state.answered(status: 429, reading: reading([("retry-after", "60")]), sentSerial: 1, now: 100, maxSeconds: 3600)
        let expired = state.endCooldown(now: 200)
        #expect(!expired)
    }

    @Test func whatDoesNotStartACooldown() {
        var state = RateLimitState()
        // A 429 with neither a rejection nor a retry-after; a rejection without a reset; a 529.
        #expect(
            state.answered(status: 429, reading: reading([("anthropic-ratelimit-requests-remaining", "0")]), sentSerial: 0, now: 1, maxSeconds: 60)
                == nil
        )
        #expect(
            state.answered(status: 429, reading: reading([("anthropic-ratelimit-unified-status", "rejected")]), sentSerial: 0, now: 1, maxSeconds: 60)
                == nil
        )
        #expect(state.answered(status: 529, reading: reading([("retry-after", "5")]), sentSerial: 0, now: 1, maxSeconds: 60) == nil)
        #expect(state.cooldown == nil)
    }

    @Test func onlyASuccessSentDuringTheCooldownEndsIt() {
        var state = RateLimitState()
        _ = state.answered(status: 429, reading: reading([("retry-after", "60")]), sentSerial: 0, now: 0, maxSeconds: 3600)
        // A request that was already in flight when the cooldown began.
        #expect(state.answered(status: 200, reading: nil, sentSerial: 0, now: 1, maxSeconds: 3600) == nil)
        #expect(state.cooldown != nil)
        // One sent after (the cooldown switched off by a reload, say).
        #expect(state.answered(status: 200, reading: nil, sentSerial: state.cooldowns, now: 2, maxSeconds: 3600) == .ended)
        #expect(state.cooldown == nil)
    }
}
