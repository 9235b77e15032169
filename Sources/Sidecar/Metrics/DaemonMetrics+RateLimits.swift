import MaximizeCore

extension DaemonMetrics {
    /// The rate-limit gauges, written from the tracker's state at each scrape (so a window or a
    /// status the upstream stopped sending leaves no stale series). Window, kind and status
    /// labels were cleaned to `[a-z0-9_.-]` and capped when parsed, and there are at most 16
    /// windows and 8 kinds: the label sets stay bounded. The subscription's overall values use
    /// `window="overall"`.
    static func rateLimitText(_ state: RateLimitState, localRejections: Int, betaDrops: Int, now: Double) -> String {
        var text = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            guard !samples.isEmpty else { return }
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { text += "\(name){\(sample.labels)} \(format(sample.value))\n" }
        }
        let windows = state.windows.sorted { $0.key < $1.key }
        family(
            "maximize_ratelimit_utilization",
            "gauge",
            "Share of the subscription window used, as the upstream reports it (1 is the limit).",
            windows.compactMap { entry in entry.value.utilization.map { (#"window="\#(entry.key)""#, $0) } }
        )
        var resets = windows.compactMap { entry in entry.value.resetsAt.map { (labels: #"window="\#(entry.key)""#, value: $0) } }
        if let overall = state.resetsAt { resets.insert((#"window="overall""#, overall), at: 0) }
        family(
            "maximize_ratelimit_reset_timestamp_seconds",
            "gauge",
            "When the subscription window resets (Unix seconds).",
            resets
        )
        var statuses = windows.compactMap { entry in
            entry.value.status.map { (labels: #"window="\#(entry.key)",status="\#($0)""#, value: 1.0) }
        }
        if let overall = state.status { statuses.insert((#"window="overall",status="\#(overall)""#, 1), at: 0) }
        family(
            "maximize_ratelimit_status",
            "gauge",
            "1 for the window's current status (allowed, allowed_warning, rejected).",
            statuses
        )
        let allowances = state.allowances.sorted { $0.key < $1.key }
        family(
            "maximize_ratelimit_limit",
            "gauge",
            "The API key's limit, by kind (requests, tokens, input-tokens, output-tokens).",
            allowances.compactMap { entry in entry.value.limit.map { (#"kind="\#(entry.key)""#, $0) } }
        )
        family(
            "maximize_ratelimit_remaining",
            "gauge",
            "What is left of the API key's limit, by kind.",
            allowances.compactMap { entry in entry.value.remaining.map { (#"kind="\#(entry.key)""#, $0) } }
        )
        text += "# HELP maximize_ratelimit_cooldown_seconds Seconds left of the local cooldown after a rate-limit rejection.\n"
        text += "# TYPE maximize_ratelimit_cooldown_seconds gauge\n"
        text += "maximize_ratelimit_cooldown_seconds \(format(state.cooldownRemaining(now: now) ?? 0))\n"
        text += "# HELP maximize_ratelimit_local_rejections_total Requests answered 429 locally during a cooldown.\n"
        text += "# TYPE maximize_ratelimit_local_rejections_total counter\n"
        text += "maximize_ratelimit_local_rejections_total \(localRejections)\n"
        text += "# HELP maximize_long_context_beta_dropped_total Requests retried without a context-1m beta the upstream refused.\n"
        text += "# TYPE maximize_long_context_beta_dropped_total counter\n"
        text += "maximize_long_context_beta_dropped_total \(betaDrops)\n"
        return text
    }

    static func format(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
