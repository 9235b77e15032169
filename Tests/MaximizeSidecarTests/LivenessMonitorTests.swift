import Dispatch
import Foundation
import Logging
import MaximizeControl
import MaximizeCore
import MaximizeCurl
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import MaximizeSidecar

/// The liveness verdict over real event loops, one of them wedged, with injected time.
@Suite struct LivenessMonitorTests {
    /// Waits until every task already submitted to `loop` has run (tasks run in order).
    static func settle(_ loop: any EventLoop) async throws {
        try await loop.submit {}.get()
    }

    @Test func aWedgedEventLoopStallsTheVerdictUntilItTurnsAgain() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let loops = Array(group.makeIterator())
        let turns = Atomic<UInt64>(0)
        let monitor = LivenessMonitor(loops: loops, curlTurns: { turns.load(ordering: .relaxed) }, stallAfter: 5, now: 0)
        let wedge = DispatchSemaphore(value: 0)
        loops[1].execute { wedge.wait() }

        monitor.tick(now: 0)
        try await Self.settle(loops[0])
        try await Self.settle(loops[2])
        #expect(monitor.verdict(now: 4).isLive)

        turns.add(1, ordering: .relaxed)
        monitor.tick(now: 8)
        try await Self.settle(loops[0])
        try await Self.settle(loops[2])
        let stalled = monitor.verdict(now: 12)
        #expect(stalled.stalls == [LivenessMonitor.Stall(name: "event loop 1", since: 0)])
        #expect(stalled.lastProof == 0)
        #expect(stalled.messages(now: 12) == ["event loop 1 has not turned for 12 s; the daemon is wedged: restart it"])

        wedge.signal()
        try await Self.settle(loops[1])
        turns.add(1, ordering: .relaxed)
        monitor.tick(now: 13)
        for loop in loops { try await Self.settle(loop) }
        #expect(monitor.verdict(now: 14).isLive)
        try await group.shutdownGracefully()
    }

    @Test func aLibcurlThreadWhoseCounterStopsIsStalled() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loops = Array(group.makeIterator())
        let turns = Atomic<UInt64>(0)
        let monitor = LivenessMonitor(loops: loops, curlTurns: { turns.load(ordering: .relaxed) }, stallAfter: 5, now: 0)
        monitor.tick(now: 0)
        try await Self.settle(loops[0])
        monitor.tick(now: 4)
        try await Self.settle(loops[0])
        #expect(monitor.verdict(now: 4).isLive)
        monitor.tick(now: 6)
        try await Self.settle(loops[0])
        #expect(monitor.verdict(now: 6).stalls == [LivenessMonitor.Stall(name: "the libcurl thread", since: 0)])
        turns.add(1, ordering: .relaxed)
        monitor.tick(now: 7)
        #expect(monitor.verdict(now: 7).isLive)
        try await group.shutdownGracefully()
    }

    /// Through `status.json` and the same evaluation `maxctl health --live` makes: the heartbeat
    /// stops at the wedge and the probe fails; released, it is fresh and healthy again.
    @Test func statusJSONHeartbeatStopsWhileALoopIsWedged() async throws {
        let root = FileManager.default.temporaryDirectory.path + "/liveness-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let paths = MaximizePaths.resolve(stateDirectory: root, runDirectory: root, environment: [:])
        let loaded = try ConfigurationLoader(paths: paths, environment: [:]).load(fileContents: nil)
        let configuration = RuntimeConfiguration(loaded: loaded, baseLogger: .init(label: "test"))
        let credentials = CredentialStore(backend: FileCredentialBackend(store: TokenFileStore(path: root + "/tokens.json")))
        let client = CurlClient()
        defer { client.shutdown() }
        let daemon = DaemonContext(paths: paths, configuration: configuration, credentials: credentials, client: client)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        let start = WallClock.now()
        let monitor = LivenessMonitor(loops: loops, curlTurns: nil, stallAfter: 5, now: start)
        let file = StatusFile(runDirectory: root)
        let status = StatusPublisher(file: file, daemon: daemon, liveness: monitor)
        status.update { $0.phase = .running }

        let wedge = DispatchSemaphore(value: 0)
        loops[1].execute { wedge.wait() }
        // The probe went out 60 s ago and loop 1 never ran it.
        monitor.tick(now: start - 60)
        try await Self.settle(loops[0])
        status.publish()
        let wedged = try file.read()
        #expect(abs(wedged.updatedAt - (start - 60)) < 1)
        #expect(wedged.warnings.contains { $0.hasPrefix("event loop 1 has not turned for") })
        let verdict = HealthCheck.evaluate(.success(wedged), probe: .live, maxAge: 15, now: WallClock.now())
        #expect(!verdict.healthy)
        #expect(verdict.message.hasPrefix("stale"))

        wedge.signal()
        try await Self.settle(loops[1])
        monitor.tick(now: WallClock.now())
        for loop in loops { try await Self.settle(loop) }
        status.publish()
        let live = try file.read()
        #expect(live.warnings.isEmpty)
        #expect(HealthCheck.evaluate(.success(live), probe: .live, maxAge: 15, now: WallClock.now()).healthy)
        try await group.shutdownGracefully()
    }
}
