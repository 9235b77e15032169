/// What a probe sees of the daemon behind `status.json`, besides the document: enough to tell at
/// once that a daemon killed without stopping (`kill -9`, the OOM killer) is gone, instead of
/// waiting for its heartbeat to go stale.
public struct ProcessObservation: Sendable, Equatable {
    /// The run dir's lock: released means no daemon runs there, whatever the document says. Works
    /// across containers sharing the run dir (one kernel), whatever their pid namespaces.
    public var lock: RunDirectoryLock.Observation
    /// The probe's own pid namespace.
    public var namespace: String?
    /// The document's pid as the probe sees it; `nil` when not looked up (another namespace).
    public var sighting: ProcessIdentity.Sighting?

    public init(lock: RunDirectoryLock.Observation, namespace: String?, sighting: ProcessIdentity.Sighting?) {
        self.lock = lock
        self.namespace = namespace
        self.sighting = sighting
    }

    /// Nothing seen: only the heartbeat's age can tell.
    public static let none = ProcessObservation(lock: .unknown, namespace: nil, sighting: nil)

    /// Tests the lock and, when that cannot tell, looks the pid up from the daemon's own pid
    /// namespace. A few system calls.
    public static func observe(_ document: StatusDocument, runDirectory: String) -> ProcessObservation {
        guard document.state != .stopped else { return .none }
        let lock = RunDirectoryLock.observe(runDirectory: runDirectory)
        guard lock == .unknown else { return ProcessObservation(lock: lock, namespace: nil, sighting: nil) }
        let namespace = ProcessIdentity.pidNamespace()
        let sameNamespace = namespace != nil && namespace == document.pidNamespace
        return ProcessObservation(
            lock: lock,
            namespace: namespace,
            sighting: sameNamespace ? ProcessIdentity.sighting(of: document.pid) : nil
        )
    }

    /// How this shows that the daemon that wrote `document` has exited; `nil` when it may still
    /// run (then the heartbeat decides). A document saying `stopped` needs no evidence.
    ///
    /// The lock is asked first; only when it cannot tell (no lock file, unreadable) is the pid
    /// looked up, from the daemon's own pid namespace.
    public func evidenceOfExit(_ document: StatusDocument) -> String? {
        guard document.state != .stopped else { return nil }
        switch lock {
        case .free: return "nothing holds its lock on \(RunDirectoryLock.fileName)"
        // A daemon runs on this run dir: its heartbeat decides. (Its pid is not looked up: a pid
        // namespace's name is the same on every host, and a run dir may be shared with another.)
        case .held: return nil
        case .unknown: break
        }
        guard let namespace, namespace == document.pidNamespace, document.pid > 0 else { return nil }
        switch sighting {
        case .exited:
            return "no process \(document.pid) in its pid namespace"
        case .running(let start):
            guard let expected = document.processStart, expected != start else { return nil }
            return "pid \(document.pid) is now another process"
        case .unknown, nil:
            return nil
        }
    }
}
