import MaximizeCore
import Testing

@testable import MaximizeControl

/// The dead-daemon evidence and `HealthCheck`'s verdict on it, from observations given by hand.
struct ProcessObservationTests {
    static let namespace = "pid:[4026531836]"

    static func document(_ state: DaemonState = .ready, start: UInt64? = 500, namespace: String? = Self.namespace) -> StatusDocument {
        var document = StatusDocumentTests.sample(state: state, updatedAt: HealthCheckTests.now - 1)
        document.processStart = start
        document.pidNamespace = namespace
        return document
    }

    static func seen(
        lock: RunDirectoryLock.Observation = .unknown,
        namespace: String? = Self.namespace,
        _ sighting: ProcessIdentity.Sighting? = nil
    ) -> ProcessObservation {
        ProcessObservation(lock: lock, namespace: namespace, sighting: sighting)
    }

    @Test func releasedLockIsEnoughWhateverTheNamespace() {
        let evidence = Self.seen(lock: .free, namespace: "pid:[1]").evidenceOfExit(Self.document())
        #expect(evidence?.contains("maximize.lock") == true)
    }

    @Test func missingOrReusedPidInTheSameNamespace() {
        #expect(Self.seen(.exited).evidenceOfExit(Self.document()) == "no process 42 in its pid namespace")
        #expect(Self.seen(.running(start: 501)).evidenceOfExit(Self.document()) == "pid 42 is now another process")
    }

    @Test func nothingConclusiveLeavesItToTheHeartbeat() {
        let document = Self.document()
        #expect(Self.seen(.running(start: 500)).evidenceOfExit(document) == nil)
        // A held lock: a daemon runs on this run dir, whatever a pid lookup says (another host).
        #expect(Self.seen(lock: .held, .exited).evidenceOfExit(document) == nil)
        #expect(Self.seen(.unknown).evidenceOfExit(document) == nil)
        #expect(Self.seen(nil).evidenceOfExit(document) == nil)
        // Another pid namespace: its pids mean nothing here.
        #expect(Self.seen(namespace: "pid:[4026532000]", .exited).evidenceOfExit(document) == nil)
        #expect(Self.seen(namespace: nil, .exited).evidenceOfExit(document) == nil)
        #expect(Self.seen(.exited).evidenceOfExit(Self.document(namespace: nil)) == nil)
        // An older daemon without process_start: a live pid cannot be told apart from a reused one.
        #expect(Self.seen(.running(start: 7)).evidenceOfExit(Self.document(start: nil)) == nil)
        #expect(ProcessObservation.none.evidenceOfExit(document) == nil)
    }

    @Test func stoppedNeedsNoEvidence() {
        #expect(Self.seen(lock: .free, .exited).evidenceOfExit(Self.document(.stopped)) == nil)
    }

    func verdict(_ document: StatusDocument, _ probe: HealthProbe, _ process: ProcessObservation) -> HealthVerdict {
        HealthCheck.evaluate(.success(document), probe: probe, maxAge: 15, now: HealthCheckTests.now, process: process)
    }

    @Test(arguments: HealthProbe.allCases)
    func goneIsUnhealthyForEveryProbeWithAFreshHeartbeat(probe: HealthProbe) {
        let gone = verdict(Self.document(), probe, Self.seen(lock: .free))
        #expect(!gone.healthy)
        #expect(gone.message.hasPrefix("gone: the daemon (pid 42) has exited without stopping (nothing holds"))
        #expect(gone.message.hasSuffix("; it is not running"))
        #expect(verdict(Self.document(), probe, Self.seen(lock: .held, .running(start: 500))).healthy)
    }

    @Test func stoppedAndStaleKeepTheirMessages() {
        #expect(verdict(Self.document(.stopped), .live, Self.seen(lock: .free)).message.hasPrefix("stopped"))
        var stale = Self.document()
        stale.updatedAt = HealthCheckTests.now - 60
        #expect(verdict(stale, .live, Self.seen(lock: .held, .running(start: 500))).message.hasPrefix("stale"))
        #expect(verdict(stale, .live, Self.seen(lock: .free)).message.hasPrefix("gone"))
    }
}
