/// The daemon's state as `status.json` names it.
public enum DaemonState: String, Sendable, CaseIterable {
    case starting, ready, unauthenticated, degraded, draining, stopped

    /// Whether the daemon serves requests successfully in this state (readiness).
    public var isServing: Bool { self == .ready || self == .degraded }
}
