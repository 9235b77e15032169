import ArgumentParser
import MaximizeControl
import MaximizeCore

/// `maxctl status [--json]`: the daemon's state from `status.json`.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the daemon's state: credentials, listeners, requests, rate limits, last error."
    )

    @OptionGroup var options: CommonOptions

    @Flag(name: .long, help: "Print status.json as it is.")
    var json = false

    func run() throws {
        let file = StatusFile(runDirectory: options.paths.runDirectory)
        let document: StatusDocument
        do {
            document = try file.read()
        } catch {
            throw CommandFailure(error.description)
        }
        if json {
            print(String(decoding: try document.encoded().dropLast(), as: UTF8.self))
        } else {
            print(Self.render(document, now: WallClock.now()))
        }
        let process = ProcessObservation.observe(document, runDirectory: options.paths.runDirectory)
        let verdict = HealthCheck.evaluate(.success(document), probe: .live, maxAge: 15, now: WallClock.now(), process: process)
        if !verdict.healthy { throw CommandFailure(verdict.message) }
    }

    static func render(_ document: StatusDocument, now: Double) -> String {
        var lines: [String] = []
        let uptime = document.state == .stopped ? "" : ", up \(Duration.human(now - document.startedAt))"
        lines.append("maximize \(document.version): \(document.state.rawValue) (pid \(document.pid)\(uptime))")
        if let reason = document.reason { lines.append("  reason:      \(reason)") }
        let listeners = document.listeners.map { $0.type == "unix" ? "unix \($0.path ?? "")" : "tcp \($0.address ?? "")" }
        lines.append("  listeners:   \(listeners.isEmpty ? "none" : listeners.joined(separator: ", "))")
        var credentials = document.credentials.kind
        if let expiry = document.credentials.expiresAt {
            credentials += expiry > now ? ", expires in \(Duration.human(expiry - now))" : ", expired \(Duration.human(now - expiry)) ago"
        }
        if let refreshed = document.credentials.lastRefreshAt {
            credentials += ", refreshed \(Duration.human(now - refreshed)) ago"
        }
        lines.append("  credentials: \(credentials) (\(document.credentials.source))")
        if !document.credentials.saved { lines.append("  NOT SAVED:   the credential in use is held only in memory (see warnings)") }
        for warning in document.warnings { lines.append("  warning:     \(warning)") }
        if let error = document.credentials.lastRefreshError { lines.append("  refresh:     failing: \(error)") }
        lines.append(
            "  requests:    \(document.requests.total) total, \(document.requests.inFlight) in flight, \(document.requests.failed) failed"
        )
        lines.append(contentsOf: renderLimits(document.limits, now: now))
        var config = document.config.path
        if let loaded = document.config.loadedAt { config += " (loaded \(Duration.human(now - loaded)) ago)" }
        lines.append("  config:      \(config)")
        if let error = document.config.error { lines.append("  config error: \(error)") }
        if let action = document.control.lastAction {
            lines.append("  last control: \(action) \(document.control.lastID ?? ""): \(document.control.lastResult ?? "")")
        }
        lines.append("  updated:     \(Duration.human(max(0, now - document.updatedAt))) ago")
        return lines.joined(separator: "\n")
    }
}

enum Duration {
    /// `5h 12m`, `3m 4s`, `12s`, `2d 3h`.
    static func human(_ seconds: Double) -> String {
        let total = max(0, Int(seconds.rounded(.down)))
        let days = total / 86400
        let hours = total % 86400 / 3600
        let minutes = total % 3600 / 60
        let rest = total % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(rest)s" }
        return "\(rest)s"
    }
}
