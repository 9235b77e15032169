import MaximizeCore

extension StatusDocument {
    /// `limits` in `status.json`: per window `utilization`, `resets_at`, `status`, `seen_at`; the
    /// overall `status`, `resets_at`, `representative_claim` and `seen_at`; the API key's
    /// allowances under `api_key`; the local `cooldown` (or `null`). Names and words were cleaned
    /// and capped when parsed, and the tables are capped (``RateLimitReading``), so the section
    /// stays a few KiB whatever the upstream sends. Times are ISO 8601.
    struct LimitsWire: Codable {
        struct Window: Codable {
            var utilization: Double?
            var resetsAt: String?
            var status: String?
            var seenAt: String?

            enum CodingKeys: String, CodingKey {
                case utilization, status
                case resetsAt = "resets_at"
                case seenAt = "seen_at"
            }

            /// Every field, absent ones as `null`.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(utilization, forKey: .utilization)
                try container.encode(resetsAt, forKey: .resetsAt)
                try container.encode(status, forKey: .status)
                try container.encode(seenAt, forKey: .seenAt)
            }
        }

        struct Allowance: Codable {
            var limit: Int?
            var remaining: Int?
            var resetsAt: String?
            var seenAt: String?

            enum CodingKeys: String, CodingKey {
                case limit, remaining
                case resetsAt = "resets_at"
                case seenAt = "seen_at"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(limit, forKey: .limit)
                try container.encode(remaining, forKey: .remaining)
                try container.encode(resetsAt, forKey: .resetsAt)
                try container.encode(seenAt, forKey: .seenAt)
            }
        }

        struct Cooldown: Codable {
            var until: String?
            var since: String?
            var reason: String?
            var secondsLeft: Int?

            enum CodingKeys: String, CodingKey {
                case until, since, reason
                case secondsLeft = "seconds_left"
            }
        }

        var status: String?
        var resetsAt: String?
        var representativeClaim: String?
        var seenAt: String?
        var windows: [String: Window]?
        var apiKey: [String: Allowance]?
        var cooldown: Cooldown?

        enum CodingKeys: String, CodingKey {
            case status, windows, cooldown
            case resetsAt = "resets_at"
            case representativeClaim = "representative_claim"
            case seenAt = "seen_at"
            case apiKey = "api_key"
        }

        init(_ state: RateLimitState, now: Double) {
            // The parser bounds every value; a state made otherwise is bounded here too.
            func time(_ value: Double?) -> String? {
                value.flatMap { $0.isFinite && abs($0) < RateLimitReading.latestReset ? Timestamp.iso8601($0) : nil }
            }
            func whole(_ value: Double?) -> Int? { value.flatMap { $0.isFinite && abs($0) <= 1e15 ? Int($0) : nil } }
            func word(_ value: String?) -> String? { value.map { ExternalText.clean($0, limit: 64) } }
            status = word(state.status)
            resetsAt = time(state.resetsAt)
            representativeClaim = word(state.representativeClaim)
            seenAt = time(state.seenAt)
            windows = [:]
            for (name, window) in state.windows.prefix(RateLimitReading.maximumWindows) {
                windows?[ExternalText.clean(name, limit: 64)] = Window(
                    utilization: window.utilization.flatMap { $0.isFinite ? $0 : nil },
                    resetsAt: time(window.resetsAt),
                    status: word(window.status),
                    seenAt: time(window.seenAt)
                )
            }
            apiKey = [:]
            for (kind, allowance) in state.allowances.prefix(RateLimitReading.maximumAllowances) {
                apiKey?[ExternalText.clean(kind, limit: 64)] = Allowance(
                    limit: whole(allowance.limit),
                    remaining: whole(allowance.remaining),
                    resetsAt: time(allowance.resetsAt),
                    seenAt: time(allowance.seenAt)
                )
            }
            if let cooldown = state.cooldown, cooldown.until > now {
                self.cooldown = Cooldown(
                    until: time(cooldown.until),
                    since: time(cooldown.since),
                    reason: ExternalText.clean(cooldown.reason, limit: StatusDocument.maximumTextBytes),
                    secondsLeft: whole(min(cooldown.until - now, RateLimitReading.longestRetryAfter).rounded(.up))
                )
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(status, forKey: .status)
            try container.encode(resetsAt, forKey: .resetsAt)
            try container.encode(representativeClaim, forKey: .representativeClaim)
            try container.encode(seenAt, forKey: .seenAt)
            try container.encode(windows ?? [:], forKey: .windows)
            try container.encode(apiKey ?? [:], forKey: .apiKey)
            try container.encode(cooldown, forKey: .cooldown)
        }

        /// The state as read back (a reader's copy: the cooldown's serial is not kept).
        var state: RateLimitState {
            func time(_ value: String?) -> Double? { value.flatMap(Timestamp.unixTime(iso8601:)) }
            var state = RateLimitState()
            state.status = status
            state.resetsAt = time(resetsAt)
            state.representativeClaim = representativeClaim
            state.seenAt = time(seenAt)
            for (name, window) in (windows ?? [:]).prefix(RateLimitReading.maximumWindows) {
                state.windows[name] = RateLimitState.Window(
                    utilization: window.utilization,
                    resetsAt: time(window.resetsAt),
                    status: window.status,
                    seenAt: time(window.seenAt) ?? 0
                )
            }
            for (kind, allowance) in (apiKey ?? [:]).prefix(RateLimitReading.maximumAllowances) {
                state.allowances[kind] = RateLimitState.Allowance(
                    limit: allowance.limit.map(Double.init),
                    remaining: allowance.remaining.map(Double.init),
                    resetsAt: time(allowance.resetsAt),
                    seenAt: time(allowance.seenAt) ?? 0
                )
            }
            if let cooldown, let until = time(cooldown.until) {
                state.cooldown = RateLimitState.Cooldown(
                    until: until,
                    since: time(cooldown.since) ?? 0,
                    reason: cooldown.reason ?? "",
                    serial: 0
                )
            }
            return state
        }
    }
}
