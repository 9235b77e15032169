import Testing

@testable import MaximizeCore

/// Both rate-limit header families, and what hostile values become.
struct RateLimitReadingTests {
    static let subscription: [(name: String, value: String)] = [
        ("content-type", "application/json"),
        ("anthropic-ratelimit-unified-status", "allowed_warning"),
        ("anthropic-ratelimit-unified-reset", "1790000000"),
        ("anthropic-ratelimit-unified-representative-claim", "five_hour"),
        ("anthropic-ratelimit-unified-5h-utilization", "0.82"),
        ("anthropic-ratelimit-unified-5h-reset", "1790000000"),
        ("anthropic-ratelimit-unified-5h-status", "allowed_warning"),
        ("anthropic-ratelimit-unified-7d-utilization", "0.31"),
        ("anthropic-ratelimit-unified-7d-reset", "1790500000"),
        ("anthropic-ratelimit-unified-7d-status", "allowed"),
        ("anthropic-ratelimit-unified-7d_opus-utilization", "0.5"),
        ("anthropic-ratelimit-unified-overage-status", "rejected"),
        ("anthropic-ratelimit-unified-overage-reset", "1790900000"),
        ("anthropic-ratelimit-unified-fallback-percentage", "0.5"),
        ("anthropic-ratelimit-unified-future_window-utilization", "0.01"),
    ]

    @Test func subscriptionFamily() throws {
        let reading = try #require(RateLimitReading.parse(Self.subscription))
        #expect(reading.status == "allowed_warning")
        #expect(reading.resetsAt == 1_790_000_000)
        #expect(reading.representativeClaim == "five_hour")
        #expect(reading.windows["5h"] == .init(utilization: 0.82, resetsAt: 1_790_000_000, status: "allowed_warning"))
        #expect(reading.windows["7d"] == .init(utilization: 0.31, resetsAt: 1_790_500_000, status: "allowed"))
        #expect(reading.windows["7d_opus"] == .init(utilization: 0.5))
        #expect(reading.windows["overage"] == .init(resetsAt: 1_790_900_000, status: "rejected"))
        // An unknown window is kept by name; a header that names no window field is not one.
        #expect(reading.windows["future_window"]?.utilization == 0.01)
        #expect(reading.windows.count == 5)
        #expect(reading.allowances.isEmpty)
        #expect(reading.retryAfter == nil)
        #expect(reading.rejected)
    }

    @Test func apiKeyFamilyAndRetryAfter() throws {
        var headers: [(name: String, value: String)] = [("retry-after", "17")]
        for kind in ["requests", "tokens", "input-tokens", "output-tokens", "priority-tokens"] {
            headers.append(("anthropic-ratelimit-\(kind)-limit", "1000"))
            headers.append(("anthropic-ratelimit-\(kind)-remaining", "998"))
            headers.append(("anthropic-ratelimit-\(kind)-reset", "2026-11-27T19:00:30Z"))
        }
        let reading = try #require(RateLimitReading.parse(headers))
        #expect(reading.retryAfter == 17)
        #expect(reading.allowances.count == 5)
        let resetsAt = try #require(Timestamp.unixTime(iso8601: "2026-11-27T19:00:30Z"))
        #expect(reading.allowances["input-tokens"] == .init(limit: 1000, remaining: 998, resetsAt: resetsAt))
        #expect(reading.allowances["priority-tokens"]?.limit == 1000)
        #expect(reading.windows.isEmpty)
        #expect(!reading.rejected)
    }

    @Test func noRateLimitHeadersIsNoReading() {
        #expect(RateLimitReading.parse([("content-type", "text/event-stream"), ("request-id", "req_1")]) == nil)
        #expect(RateLimitReading.parse([]) == nil)
    }

    /// Values an upstream (or whatever answers in its place) might send, and what is kept.
    @Test(
        arguments: [
            ("anthropic-ratelimit-unified-5h-utilization", "NaN", nil),
            ("anthropic-ratelimit-unified-5h-utilization", "inf", nil),
            ("anthropic-ratelimit-unified-5h-utilization", "-0.5", nil),
            ("anthropic-ratelimit-unified-5h-utilization", "1e308", 100),
            ("anthropic-ratelimit-unified-5h-utilization", "1e999", nil),
            ("anthropic-ratelimit-unified-5h-utilization", "lots", nil),
            ("anthropic-ratelimit-unified-5h-utilization", " 0.25 ", 0.25),
            ("anthropic-ratelimit-unified-5h-utilization", String(repeating: "9", count: 5000), nil),
        ] as [(String, String, Double?)]
    )
    func hostileUtilization(name: String, value: String, expected: Double?) {
        let reading = RateLimitReading.parse([(name, value)])
        #expect(reading?.windows["5h"]?.utilization == expected)
    }

    @Test(
        arguments: [
            ("1790000000", 1_790_000_000),
            ("1790000000000", nil),  // milliseconds
            ("-5", nil),
            ("0", nil),
            ("nan", nil),
            ("tomorrow", nil),
        ] as [(String, Double?)]
    )
    func hostileResets(value: String, expected: Double?) {
        let reading = RateLimitReading.parse([("anthropic-ratelimit-unified-7d-reset", value), ("anthropic-ratelimit-unified-reset", value)])
        #expect(reading?.windows["7d"]?.resetsAt == expected)
        #expect(reading?.resetsAt == expected)
    }

    @Test(
        arguments: [
            ("17", 17),
            ("0", 0),
            ("-3", nil),
            ("NaN", nil),
            ("Wed, 21 Oct 2026 07:28:00 GMT", 90),  // an HTTP date, 90 s after `now` below
            ("Wed, 21 Oct 2026 07:26:30 GMT", 0),  // already past
            ("Wed, 21 Oct 2026 07:28:00", nil),
            ("1555200", 1_555_200),  // 18 days: kept here, capped by the cooldown
            ("99999999999999", 1e9),
        ] as [(String, Double?)]
    )
    func retryAfter(value: String, expected: Double?) {
        #expect(RateLimitReading.parse([("retry-after", value)], now: 1_792_567_680 - 90)?.retryAfter == expected)
    }

    @Test func namesAndWordsAreCleanedAndCapped() throws {
        let long = String(repeating: "w", count: 200)
        let reading = try #require(
            RateLimitReading.parse([
                ("anthropic-ratelimit-unified-5H\u{1B}[31m-status", "Rejected\u{7}\n"),
                ("anthropic-ratelimit-unified-\(long)-utilization", "0.1"),
                ("anthropic-ratelimit-unified-representative-claim", "seven_day\"} 1\nfake_metric 2"),
                ("anthropic-ratelimit-unified--status", "allowed"),
                ("anthropic-ratelimit-unified-status", String(repeating: "x", count: 65)),
            ])
        )
        #expect(reading.windows["5h__31m"]?.status == "rejected_")
        #expect(reading.windows[String(repeating: "w", count: 32)]?.utilization == 0.1)
        #expect(reading.representativeClaim == "seven_day___1_fake_metric_2")
        #expect(reading.status == nil)
        #expect(reading.windows.count == 2)
        for name in reading.windows.keys {
            #expect(name.utf8.allSatisfy { "abcdefghijklmnopqrstuvwxyz0123456789_-.".utf8.contains($0) })
        }
    }

    @Test func windowsAndKindsAreCapped() throws {
        var headers: [(name: String, value: String)] = []
        for index in 0..<100 {
            headers.append(("anthropic-ratelimit-unified-w\(index)-utilization", "0.1"))
            headers.append(("anthropic-ratelimit-k\(index)-limit", "5"))
        }
        let reading = try #require(RateLimitReading.parse(headers))
        #expect(reading.windows.count == RateLimitReading.maximumWindows)
        #expect(reading.allowances.count == RateLimitReading.maximumAllowances)
        #expect(reading.windows["w0"] != nil)
        #expect(reading.windows["w99"] == nil)
    }
}
