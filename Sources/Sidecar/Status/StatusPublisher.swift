import Logging
import MaximizeControl
import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization

/// Keeps `status.json` current: rewritten on every state change and as a heartbeat.
///
/// The heartbeat (`updated_at`) advances only while the threads that serve turn (see
/// ``LivenessMonitor``): when one is stuck, `updated_at` stays at the last moment it was known to
/// turn and a warning names it, so `maxctl health --live` fails once that is older than
/// `--max-age`.
final class StatusPublisher: Sendable {
    enum Phase: Sendable {
        case starting, running, draining, stopped
    }

    struct Facts: Sendable {
        var phase = Phase.starting
        var listeners: [StatusDocument.Listener] = []
        var config = StatusDocument.Config()
        var control = StatusDocument.Control()
        var lastState: DaemonState?
        /// Current warnings by topic (`permissions:<path>`, ...), listed in `status.json` in
        /// topic order.
        var warnings: [String: String] = [:]
    }

    static let heartbeatInterval = 2.0

    let file: StatusFile
    let daemon: DaemonContext
    /// Proof that the event loops and the libcurl thread turn; `nil`: the heartbeat is the
    /// publisher's own.
    let liveness: LivenessMonitor?
    /// Read once: with the pid, the start time and pid namespace let a probe see the process gone.
    let identity = ProcessIdentity.current()
    private let facts = NIOLockedValueBox(Facts())
    /// Serializes writes so documents land in order.
    /// Serializes writes of the file (a plain lock: `NIOLockedValueBox<Void>` draws false Swift access-race reports from Thread Sanitizer).
    private let writing = NIOLock()

    init(file: StatusFile, daemon: DaemonContext, liveness: LivenessMonitor? = nil) {
        self.file = file
        self.daemon = daemon
        self.liveness = liveness
    }

    func update(_ change: (inout Facts) -> Void) {
        facts.withLockedValue { change(&$0) }
        publish()
    }

    /// Sets the warning on `topic`, or clears it (`nil`); publishes when that changes anything.
    func setWarning(_ topic: String, _ message: String?) {
        let changed = facts.withLockedValue { facts in
            guard facts.warnings[topic] != message else { return false }
            facts.warnings[topic] = message
            return true
        }
        if changed { publish() }
    }

    /// Replaces every warning whose topic starts with `prefix` by `warnings` (keyed by topic);
    /// publishes when that changes anything.
    func replaceWarnings(prefix: String, with warnings: [String: String]) {
        let changed = facts.withLockedValue { facts in
            let kept = facts.warnings.filter { !$0.key.hasPrefix(prefix) }
            let new = kept.merging(warnings) { $1 }
            guard new != facts.warnings else { return false }
            facts.warnings = new
            return true
        }
        if changed { publish() }
    }

    /// Builds the document from the daemon's state now and writes it.
    func publish() {
        writing.withLock {
            let now = WallClock.now()
            let facts = self.facts.withLockedValue { $0 }
            var document = StatusDocument()
            document.pid = identity.pid
            document.processStart = identity.start
            document.pidNamespace = identity.namespace
            document.startedAt = daemon.startedAt
            // Once stopped, nothing is left to prove: the state says it all.
            let verdict = facts.phase == .stopped ? nil : liveness?.verdict(now: now)
            document.updatedAt = verdict?.lastProof ?? now
            document.listeners = facts.listeners
            document.config = facts.config
            document.control = facts.control
            document.warnings = facts.warnings.sorted { $0.key < $1.key }.map(\.value)
            let snapshot = daemon.credentials.snapshot
            document.credentials.kind = (snapshot.credential?.kind ?? .none).rawValue
            document.credentials.source = daemon.credentials.location
            if case .oauth(let token) = snapshot.credential { document.credentials.expiresAt = token.expiresAt }
            document.credentials.lastRefreshAt = snapshot.lastRefreshAt
            document.credentials.lastRefreshError = snapshot.lastRefreshError
            document.credentials.saved = snapshot.unsaved == nil
            document.credentials.store = daemon.credentials.backend.kind
            if let unsaved = snapshot.unsaved {
                document.warnings.append(Self.unsavedWarning(unsaved, credentials: daemon.credentials))
            }
            document.warnings.append(contentsOf: verdict?.messages(now: now) ?? [])
            document.requests.total = daemon.stats.total.load(ordering: .relaxed)
            document.requests.inFlight = daemon.stats.inFlight.load(ordering: .relaxed)
            document.requests.failed = daemon.stats.failed.load(ordering: .relaxed)
            document.limits = daemon.limits.snapshot
            (document.state, document.reason) = Self.state(facts: facts, daemon: daemon, now: now)
            do {
                try file.write(document)
            } catch {
                daemon.current.logger.error("cannot write \(file.path): \(error)")
            }
            if facts.lastState != document.state {
                let state = document.state
                self.facts.withLockedValue { $0.lastState = state }
                daemon.current.logger.info(
                    "state \(state.rawValue)",
                    metadata: document.reason.map { ["reason": "\($0)"] } ?? [:]
                )
            }
        }
    }

    static func state(facts: Facts, daemon: DaemonContext, now: Double) -> (DaemonState, String?) {
        switch facts.phase {
        case .starting: return (.starting, nil)
        case .draining: return (.draining, "shutting down")
        case .stopped: return (.stopped, nil)
        case .running: break
        }
        let snapshot = daemon.credentials.snapshot
        switch daemon.credentials.availability(now: now) {
        case .unavailable(let error):
            return (.unauthenticated, error.message)
        case .refreshNeeded:
            if let error = snapshot.lastRefreshError {
                return (.unauthenticated, "the access token expired and refreshing it fails (\(error)); retrying")
            }
            return (.ready, nil)
        case .ready:
            if let problem = snapshot.storeProblem {
                return (.degraded, "the credential store is unreachable (\(problem)); the token in memory is used while it lasts")
            }
            if let unsaved = snapshot.unsaved {
                return (.degraded, "credentials not saved: \(unsaved.reason); the rotated token is kept in memory, the write retried")
            }
            if let error = snapshot.lastRefreshError {
                return (.degraded, "refreshing the access token fails (\(error)); the current one is still valid")
            }
            if let error = facts.config.error {
                return (.degraded, "config.json was not applied: \(error)")
            }
            return (.ready, nil)
        }
    }

    static func unsavedWarning(_ unsaved: CredentialStore.Unsaved, credentials: CredentialStore) -> String {
        let remedy =
            credentials.file.map { "free space or make \(FileSystem.directoryName($0.path)) writable" }
            ?? "it is written as soon as the store takes it"
        return "credentials not saved: \(unsaved.reason) (\(credentials.location), \(unsaved.failures) attempt(s)); \(remedy): "
            + "the refresh token stored is spent, and a restart before the write succeeds loses the login"
    }
}
