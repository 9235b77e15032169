import Foundation
import MaximizeCore
import Synchronization
import Testing

/// A bounded soak: mixed streaming and non-streaming traffic with token refreshes, config reloads
/// and injected faults at once. Runs only when `SOAK_SECONDS` is set (CI sets 45, after the rest
/// of the suite, so its load does not disturb timing-sensitive tests); longer runs by hand.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SOAK_SECONDS"] != nil), .ownThreads)
struct SoakTests {
    @Test func mixedTrafficWithRefreshesReloadsAndFaults() async throws {
        let seconds = Double(ProcessInfo.processInfo.environment["SOAK_SECONDS"] ?? "") ?? 45
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let pair = mock.issueTokens()
        mock.counters.withLock {
            $0.enforceAccessTokens = true
            $0.expiresIn = 4  // a refresh every two seconds or so
        }
        let sidecar = try await SidecarProcess(
            tokens: RefreshTests.tokens(access: pair.access, refresh: pair.refresh, expiresIn: 4),
            upstream: mock.baseURL,
            environment: RefreshTests.oauthEnvironment(mock)
        )
        defer { sidecar.stop() }
        let pid = sidecar.process.processIdentifier
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        let descriptorsStart = FaultTests.openDescriptors(pid)
        let memoryStart = ListenerTests.residentKilobytes(pid)

        let bodies: [(kind: String, body: String, expected: Set<Int>)] = [
            ("json", #"{"messages":[]}"#, [200]),
            ("stream", #"{"stream":true,"messages":[],"mock":{"events":5}}"#, [200]),
            ("count", #"{"messages":[]}"#, [200]),
            ("fault-529", #"{"messages":[],"mock":{"status":529,"error_type":"overloaded_error"}}"#, [529]),
            ("fault-reset", #"{"messages":[],"mock":{"reset_before_head":true}}"#, [502]),
            ("fault-midstream", #"{"stream":true,"messages":[],"mock":{"events":4,"reset_after_events":2}}"#, [200]),
        ]
        let results = Mutex<[String: Int]>([:])
        let deadline = Date().addingTimeInterval(seconds)
        let stop = Atomic<Bool>(false)
        let samples = Mutex<[Int]>([])
        let reloader = Task {
            var index = 0
            while Date() < deadline {
                if index % 15 == 0 { samples.withLock { $0.append(ListenerTests.residentKilobytes(pid)) } }
                index += 1
                try? #"{"models":{"default":"\#(index % 2 == 0 ? "s" : "m")"},"server":{"drain_grace_seconds":0}}"#
                    .write(toFile: sidecar.stateDirectory + "/config.json", atomically: true, encoding: .utf8)
                try? await Task.sleep(for: .milliseconds(700))
            }
        }
        await onThreads(4) { thread in
            var index = thread
            while Date() < deadline, !stop.load(ordering: .relaxed) {
                let (kind, body, expected) = bodies[index % bodies.count]
                index += 1
                let path = kind == "count" ? "/v1/messages/count_tokens" : "/v1/messages"
                let outcome: String
                if let response = try? sidecar.request("POST", path, body: body) {
                    outcome = expected.contains(response.status) ? "\(kind) ok" : "\(kind) UNEXPECTED \(response.status)"
                } else {
                    outcome = "\(kind) UNEXPECTED transport"
                }
                results.withLock { $0[outcome, default: 0] += 1 }
            }
        }
        await reloader.value
        try await Task.sleep(for: .milliseconds(500))
        let descriptorsEnd = FaultTests.openDescriptors(pid)
        let memoryEnd = ListenerTests.residentKilobytes(pid)
        let counts = results.withLock { $0 }
        let refreshes = mock.counters.withLock { $0.refreshCalls }
        let reloads = try ControlPlaneTests.appliedReloads(sidecar)
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        print(
            "soak \(Int(seconds)) s: \(summary); refreshes \(refreshes), reloads \(reloads); descriptors \(descriptorsStart) -> \(descriptorsEnd); RSS \(memoryStart) -> \(memoryEnd) kB"
        )
        #expect(counts.keys.allSatisfy { !$0.contains("UNEXPECTED") }, "\(summary)")
        #expect(counts.values.reduce(0, +) > 200)
        #expect(refreshes >= Int(seconds / 4))
        #expect(reloads >= Int(seconds / 2))
        #expect(mock.counters.withLock { $0.invalidGrants } == 0)
        #expect(descriptorsEnd <= descriptorsStart + 8)
        #expect(memoryEnd - memoryStart < 8_000)
    }
}
