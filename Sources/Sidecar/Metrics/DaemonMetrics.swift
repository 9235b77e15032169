import MaximizeCore
import NIOConcurrencyHelpers
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics (`/metrics`), kept with swift-prometheus's registry.
///
/// The registry returns the metric already registered under a name and labels, but each lookup
/// validates the name and help text again: 36,000 instructions per request for the two per-request
/// metrics (callgrind, BENCHMARKS.md). So the metrics whose labels are known are made once here,
/// and the two labelled by request (`requests_total`, `upstream_latency_seconds`) are kept in one
/// table after their first use; the rare ones (refreshes, reloads) ask the registry.
final class DaemonMetrics: Sendable {
    /// What a request is counted under.
    private struct RequestKey: Hashable {
        var route: String
        var status: Int
    }

    private struct PerRequest {
        var requests: [RequestKey: Counter] = [:]
        var latency: [String: DurationHistogram] = [:]
    }

    private let perRequest = NIOLockedValueBox(PerRequest())
    /// `maximize_tokens_total` by type: input, output, cache_creation_input, cache_read_input.
    private let tokenCounters: [Counter]
    let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let tokenExpiry: Gauge
    let uptime: Gauge
    let credentialsUnsaved: Gauge
    let bufferedBytes: Gauge
    private let overloadRetries: Counter
    private let budgetRefusals: Counter
    private let credentialSaveFailures: Counter

    static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30), .seconds(60),
    ]

    /// `maximize_<name>_<unit>`.
    static func name(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "maximize", metricName: name, unitName: unit, helpText: help)
    }

    init() {
        inFlight = registry.makeGauge(descriptor: Self.name("requests_in_flight", "", "Requests being served now."))
        tokenExpiry = registry.makeGauge(
            descriptor: Self.name("token_expiry", "seconds", "Seconds until the OAuth access token expires (0 for none).")
        )
        uptime = registry.makeGauge(descriptor: Self.name("uptime", "seconds", "Seconds since the daemon started."))
        overloadRetries = registry.makeCounter(
            descriptor: Self.name("overload_retries", "total", "Requests sent again after a 529 overloaded answer.")
        )
        bufferedBytes = registry.makeGauge(
            descriptor: Self.name("buffered_request", "bytes", "Request bytes held in memory now (server.max_buffered_bytes).")
        )
        budgetRefusals = registry.makeCounter(
            descriptor: Self.name(
                "budget_refusals",
                "total",
                "Requests refused with 529 overloaded_error because server.max_buffered_bytes was reached."
            )
        )
        credentialsUnsaved = registry.makeGauge(
            descriptor: Self.name(
                "credentials_unsaved",
                "",
                "1 while a rotated credential is held only in memory because the token file cannot be written."
            )
        )
        var tokenCounters: [Counter] = []
        for kind in ["input", "output", "cache_creation_input", "cache_read_input"] {
            tokenCounters.append(
                registry.makeCounter(
                    descriptor: Self.name("tokens", "total", "Tokens reported in the upstream's usage, by type."),
                    labels: [("type", kind)]
                )
            )
        }
        self.tokenCounters = tokenCounters
        credentialSaveFailures = registry.makeCounter(
            descriptor: Self.name(
                "credential_save_failures",
                "total",
                "Failed writes of a rotated credential (full or read-only volume), retries included."
            )
        )
    }

    /// A rotated credential could not be written.
    func credentialSaveFailed() {
        credentialSaveFailures.increment()
    }

    /// A request sent again after `529 overloaded` (`api.overload_retries`).
    func overloadRetry() {
        overloadRetries.increment()
    }

    /// A request refused because the daemon holds `server.max_buffered_bytes`.
    func budgetRefusal() {
        budgetRefusals.increment()
    }

    /// One finished request.
    func request(route: String, status: Int) {
        let key = RequestKey(route: route, status: status)
        let counter = perRequest.withLockedValue { table in
            if let counter = table.requests[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: Self.name("requests", "total", "Requests served, by route and status."),
                labels: [("route", route), ("status", String(status))]
            )
            table.requests[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Time from sending a request upstream to its response head.
    func upstreamLatency(route: String, nanoseconds: UInt64) {
        let histogram = perRequest.withLockedValue { table in
            if let histogram = table.latency[route] { return histogram }
            let histogram = registry.makeDurationHistogram(
                descriptor: Self.name("upstream_latency", "seconds", "Time to the upstream's response head."),
                labels: [("route", route)],
                buckets: Self.latencyBuckets
            )
            table.latency[route] = histogram
            return histogram
        }
        histogram.record(.nanoseconds(Int64(nanoseconds)))
    }

    func refresh(result: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "token_refreshes",
                "total",
                "Token refreshes by result: refreshed, adopted (another process had refreshed), failed, rejected."
            ),
            labels: [("result", result)]
        ).increment()
    }

    func reload(result: String) {
        registry.makeCounter(
            descriptor: Self.name("config_reloads", "total", "Configuration reloads by result: applied, invalid."),
            labels: [("result", result)]
        ).increment()
    }

    /// Tokens reported in responses' `usage`.
    func tokens(_ usage: UsageScanner.Usage) {
        let counts = [usage.inputTokens, usage.outputTokens, usage.cacheCreationInputTokens, usage.cacheReadInputTokens]
        for (counter, count) in zip(tokenCounters, counts) where count > 0 {
            counter.increment(by: Int64(count))
        }
    }

    /// The Prometheus text exposition, with the gauges brought up to date.
    func render(daemon: DaemonContext) -> [UInt8] {
        let now = WallClock.now()
        inFlight.set(to: Double(daemon.stats.inFlight.load(ordering: .relaxed)))
        uptime.set(to: now - daemon.startedAt)
        bufferedBytes.set(to: Double(daemon.budget.used))
        let snapshot = daemon.credentials.snapshot
        credentialsUnsaved.set(to: snapshot.unsaved == nil ? 0 : 1)
        if case .oauth(let token) = snapshot.credential, let expiry = token.expiresAt {
            tokenExpiry.set(to: max(0, expiry - now))
        } else {
            tokenExpiry.set(to: 0)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        let limits = Self.rateLimitText(
            daemon.limits.snapshot,
            localRejections: daemon.limits.localRejections.load(ordering: .relaxed),
            betaDrops: daemon.limits.longContextBetaDrops.load(ordering: .relaxed),
            now: now
        )
        buffer.append(contentsOf: limits.utf8)
        return buffer
    }
}
