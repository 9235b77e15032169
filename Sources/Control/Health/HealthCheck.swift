/// The probes `maxctl health` answers from `status.json` alone (no network).
public enum HealthProbe: String, Sendable, CaseIterable {
    /// The process is alive and its heartbeat fresh (any state but stopped).
    case live
    /// Requests are served: `ready` or `degraded`.
    case ready
    /// Start-up has finished: the listeners are up (whatever the credentials).
    case startup
}

/// A probe's answer and the sentence explaining it.
public struct HealthVerdict: Sendable, Equatable {
    public var healthy: Bool
    public var message: String
}

public enum HealthCheck {
    /// How far in the future `updated_at` may be before clocks are blamed.
    public static let clockSkewTolerance = 5.0

    /// The verdict from the document, what was seen of its process (``ProcessObservation``, so
    /// that a killed daemon is seen at once) and the heartbeat's age. Pure: no I/O.
    public static func evaluate(
        _ status: Result<StatusDocument, StatusFile.ReadError>,
        probe: HealthProbe,
        maxAge: Double,
        now: Double,
        process: ProcessObservation = .none
    ) -> HealthVerdict {
        let document: StatusDocument
        switch status {
        case .failure(let error): return HealthVerdict(healthy: false, message: error.description)
        case .success(let value): document = value
        }
        if let evidence = process.evidenceOfExit(document) {
            return HealthVerdict(healthy: false, message: gone(document, evidence: evidence))
        }
        let age = now - document.updatedAt
        if age < -clockSkewTolerance {
            return HealthVerdict(
                healthy: false,
                message: "future-dated: status.json says it was written \(Int(-age)) s from now; check the clocks"
            )
        }
        if age > maxAge {
            return HealthVerdict(
                healthy: false,
                message: "stale: status.json was last updated \(Int(age)) s ago (more than \(Int(maxAge)) s); the daemon is hung or gone"
            )
        }
        let state = document.state
        let detail = document.reason.map { "\(state.rawValue): \($0)" } ?? state.rawValue
        let healthy: Bool
        switch probe {
        case .live: healthy = state != .stopped
        case .startup: healthy = state != .starting && state != .stopped
        case .ready: healthy = state.isServing
        }
        if healthy {
            return HealthVerdict(healthy: true, message: "healthy (\(probe.rawValue)): \(detail), updated \(Int(max(0, age))) s ago")
        }
        switch state {
        case .starting: return HealthVerdict(healthy: false, message: "starting: the daemon has not finished starting")
        case .stopped: return HealthVerdict(healthy: false, message: "stopped: the daemon has exited")
        default: return HealthVerdict(healthy: false, message: "unhealthy: \(detail)")
        }
    }

    /// The message for a daemon that exited without writing `stopped`.
    public static func gone(_ document: StatusDocument, evidence: String) -> String {
        "gone: the daemon (pid \(document.pid)) has exited without stopping (\(evidence)); it is not running"
    }
}
