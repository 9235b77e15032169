import MaximizeCore
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics (`/metrics`), kept with swift-prometheus's registry.
///
/// Labelled metrics are asked of the registry each time: it returns the one already registered
/// under that name and labels (one lock, no cache of our own).
final class DaemonMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let tokenExpiry: Gauge
    let uptime: Gauge
    let credentialsUnsaved: Gauge
    private let overloadRetries: Counter
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
        credentialsUnsaved = registry.makeGauge(
            descriptor: Self.name(
                "credentials_unsaved",
                "",
                "1 while a rotated credential is held only in memory because the token file cannot be written."
            )
        )
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

    /// One finished request.
    func request(route: String, status: Int) {
        registry.makeCounter(
            descriptor: Self.name("requests", "total", "Requests served, by route and status."),
            labels: [("route", route), ("status", String(status))]
        ).increment()
    }

    /// Time from sending a request upstream to its response head.
    func upstreamLatency(route: String, nanoseconds: UInt64) {
        registry.makeDurationHistogram(
            descriptor: Self.name("upstream_latency", "seconds", "Time to the upstream's response head."),
            labels: [("route", route)],
            buckets: Self.latencyBuckets
        ).record(.nanoseconds(Int64(nanoseconds)))
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
        for (kind, count) in [
            ("input", usage.inputTokens), ("output", usage.outputTokens),
            ("cache_creation_input", usage.cacheCreationInputTokens), ("cache_read_input", usage.cacheReadInputTokens),
        ] where count > 0 {
            registry.makeCounter(
                descriptor: Self.name("tokens", "total", "Tokens reported in the upstream's usage, by type."),
                labels: [("type", kind)]
            ).increment(by: Int64(count))
        }
    }

    /// The Prometheus text exposition, with the gauges brought up to date.
    func render(daemon: DaemonContext) -> [UInt8] {
        let now = WallClock.now()
        inFlight.set(to: Double(daemon.stats.inFlight.load(ordering: .relaxed)))
        uptime.set(to: now - daemon.startedAt)
        let snapshot = daemon.credentials.snapshot
        credentialsUnsaved.set(to: snapshot.unsaved == nil ? 0 : 1)
        if case .oauth(let token) = snapshot.credential, let expiry = token.expiresAt {
            tokenExpiry.set(to: max(0, expiry - now))
        } else {
            tokenExpiry.set(to: 0)
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
