/// What one upstream response said about rate limits, from its headers: the subscription's
/// `anthropic-ratelimit-unified-*` family, the API key's `anthropic-ratelimit-<kind>-*` family
/// and `retry-after`. Every value is bounded whatever the upstream sends: names are cleaned and
/// capped (``maximumNameBytes``), at most ``maximumWindows`` windows and ``maximumAllowances``
/// kinds are kept, numbers that are not finite, negative or absurd are dropped.
public struct RateLimitReading: Sendable, Equatable {
    /// One subscription window (`5h`, `7d`, `overage`, `7d_opus`, or any other name the upstream uses).
    public struct Window: Sendable, Equatable {
        /// The share used, as the upstream gives it (a fraction: `0.42` is 42 %), at most 100.
        public var utilization: Double?
        /// When the window resets (Unix seconds).
        public var resetsAt: Double?
        /// `allowed`, `allowed_warning`, `rejected`, or another word the upstream uses (cleaned).
        public var status: String?

        public init(utilization: Double? = nil, resetsAt: Double? = nil, status: String? = nil) {
            self.utilization = utilization
            self.resetsAt = resetsAt
            self.status = status
        }
    }

    /// One API-key allowance (`requests`, `tokens`, `input-tokens`, `output-tokens`, ...).
    public struct Allowance: Sendable, Equatable {
        public var limit: Double?
        public var remaining: Double?
        /// Unix seconds (the header is RFC 3339).
        public var resetsAt: Double?

        public init(limit: Double? = nil, remaining: Double? = nil, resetsAt: Double? = nil) {
            self.limit = limit
            self.remaining = remaining
            self.resetsAt = resetsAt
        }
    }

    public static let maximumWindows = 16
    public static let maximumAllowances = 8
    public static let maximumNameBytes = 32
    /// A header value longer than this is not a number, a time or a status word: it is ignored.
    public static let maximumValueBytes = 64
    /// Resets later than this (Unix seconds, the year 5138) are nonsense (milliseconds, say).
    public static let latestReset = 1e11
    /// The longest `retry-after` kept (the cooldown has its own, smaller cap).
    public static let longestRetryAfter = 1e9

    /// The subscription's overall status (`anthropic-ratelimit-unified-status`).
    public var status: String?
    /// The overall reset (`anthropic-ratelimit-unified-reset`), Unix seconds.
    public var resetsAt: Double?
    /// Which window the overall status stands for (`anthropic-ratelimit-unified-representative-claim`).
    public var representativeClaim: String?
    public var windows: [String: Window] = [:]
    public var allowances: [String: Allowance] = [:]
    /// `retry-after`, in seconds from when the answer came (an HTTP date counted from then).
    public var retryAfter: Double?

    public init() {}

    /// Whether the reading says the subscription refuses requests now.
    public var rejected: Bool {
        status == "rejected" || windows.values.contains { $0.status == "rejected" }
    }

    /// When a rejection ends: the overall reset, else the latest reset of a rejected window.
    public var rejectionEndsAt: Double? {
        if let resetsAt { return resetsAt }
        return windows.values.filter { $0.status == "rejected" }.compactMap(\.resetsAt).max()
    }
}
