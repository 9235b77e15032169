/// The latest rate-limit values seen from the upstream, merged per window and kind, each with the
/// time it was seen, and the local cooldown after a rejection. A pure value: the daemon keeps one
/// behind a lock and decides with it; `status.json`, `/metrics` and `maxctl status` show it.
public struct RateLimitState: Sendable, Equatable {
    public struct Window: Sendable, Equatable {
        public var utilization: Double?
        public var resetsAt: Double?
        public var status: String?
        public var seenAt: Double

        public init(utilization: Double? = nil, resetsAt: Double? = nil, status: String? = nil, seenAt: Double) {
            self.utilization = utilization
            self.resetsAt = resetsAt
            self.status = status
            self.seenAt = seenAt
        }
    }

    public struct Allowance: Sendable, Equatable {
        public var limit: Double?
        public var remaining: Double?
        public var resetsAt: Double?
        public var seenAt: Double

        public init(limit: Double? = nil, remaining: Double? = nil, resetsAt: Double? = nil, seenAt: Double) {
            self.limit = limit
            self.remaining = remaining
            self.resetsAt = resetsAt
            self.seenAt = seenAt
        }
    }

    /// Requests answered locally with 429 until ``until``.
    public struct Cooldown: Sendable, Equatable {
        public var until: Double
        public var since: Double
        /// Why, for the local answers and logs (`the subscription's 5h window is rejected`).
        public var reason: String
        /// Counts cooldowns: an answer ends one only if its request was sent after it began.
        public var serial: Int

        public init(until: Double, since: Double, reason: String, serial: Int) {
            self.until = until
            self.since = since
            self.reason = reason
            self.serial = serial
        }
    }

    /// What changed in a window worth a log line.
    public enum Transition: Sendable, Equatable {
        /// The window's status became `allowed_warning`.
        case warning(window: String, utilization: Double?, resetsAt: Double?)
        /// The window reset (its reset time moved on) after it was `allowed_warning` or `rejected`.
        case reset(window: String, previousStatus: String, utilization: Double?)
    }

    public var status: String?
    public var resetsAt: Double?
    public var representativeClaim: String?
    /// When any rate-limit header was last seen.
    public var seenAt: Double?
    public var windows: [String: Window] = [:]
    public var allowances: [String: Allowance] = [:]
    public var cooldown: Cooldown?
    /// Cooldowns begun so far (the next one's ``Cooldown/serial``).
    public var cooldowns = 0

    public init() {}

    /// Merges a reading seen at `now`: each window and kind it names is replaced field by field
    /// (a field it lacks keeps its last value); beyond the caps, the entry seen longest ago goes.
    /// Returns the transitions worth a log line.
    @discardableResult
    public mutating func record(_ reading: RateLimitReading, now: Double) -> [Transition] {
        seenAt = now
        if let value = reading.status { status = value }
        if let value = reading.resetsAt { resetsAt = value }
        if let value = reading.representativeClaim { representativeClaim = value }
        var transitions: [Transition] = []
        for name in reading.windows.keys.sorted() {
            let given = reading.windows[name]!
            let previous = windows[name]
            var window = previous ?? Window(seenAt: now)
            window.seenAt = now
            if let value = given.utilization { window.utilization = value }
            if let value = given.resetsAt { window.resetsAt = value }
            if let value = given.status { window.status = value }
            if window.status == "allowed_warning", previous?.status != "allowed_warning" {
                transitions.append(.warning(window: name, utilization: window.utilization, resetsAt: window.resetsAt))
            }
            if let previous, let before = previous.status, before == "allowed_warning" || before == "rejected",
                let oldReset = previous.resetsAt, let newReset = window.resetsAt, newReset > oldReset, oldReset <= now,
                window.status != before
            {
                transitions.append(.reset(window: name, previousStatus: before, utilization: window.utilization))
            }
            windows[name] = window
        }
        for (kind, given) in reading.allowances {
            var allowance = allowances[kind] ?? Allowance(seenAt: now)
            allowance.seenAt = now
            if let value = given.limit { allowance.limit = value }
            if let value = given.remaining { allowance.remaining = value }
            if let value = given.resetsAt { allowance.resetsAt = value }
            allowances[kind] = allowance
        }
        Self.evict(&windows, keep: RateLimitReading.maximumWindows) { $0.seenAt }
        Self.evict(&allowances, keep: RateLimitReading.maximumAllowances) { $0.seenAt }
        return transitions
    }

    /// Drops the entries seen longest ago until `keep` are left.
    static func evict<Value>(_ table: inout [String: Value], keep: Int, seenAt: (Value) -> Double) {
        guard table.count > keep else { return }
        let ordered = table.sorted { (seenAt($0.value), $0.key) < (seenAt($1.value), $1.key) }
        for entry in ordered.prefix(table.count - keep) { table[entry.key] = nil }
    }
}
