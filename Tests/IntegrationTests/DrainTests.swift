import Foundation
import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization
import Testing

/// What a drain does to the connections it finds (the real daemon, raw HTTP on its socket):
/// idle kept-alive ones close at once, a response in flight finishes and its connection closes
/// after it, and a response that starts during the drain says `connection: close`.
@Suite(.serialized, .ownThreads)
struct DrainTests {
    /// Sends `body` to `/v1/messages` on a new connection, on a thread of its own; the response
    /// (or `nil`, on a failure) and whether the connection then reached its end are recorded.
    final class Exchange: Sendable {
        let connection: RawHTTP.Connection
        let result = NIOLockedValueBox<(response: RawHTTP.Response?, closedAfter: Bool)?>(nil)
        /// The whole response has been read (its connection may still be open).
        let responded = NIOLockedValueBox(false)
        /// Some of the body has arrived (the head is out).
        let started = NIOLockedValueBox(false)

        init(socket: String, body: String) throws {
            let connection = try RawHTTP.connect(unixPath: socket)
            self.connection = connection
            let result = self.result
            let responded = self.responded
            let started = self.started
            Thread {
                let response = try? RawHTTP.send(
                    connection,
                    method: "POST",
                    path: "/v1/messages",
                    body: Array(body.utf8),
                    onChunk: { _, _ in
                        started.withLockedValue { $0 = true }
                        return true
                    }
                )
                responded.withLockedValue { $0 = true }
                // Nothing may follow the response but the end of the connection.
                let closedAfter = connection.leftover.isEmpty && (try? connection.receive())?.isEmpty == true
                result.withLockedValue { $0 = (response, closedAfter) }
            }.start()
        }

        var finished: Bool { result.withLockedValue { $0 != nil } }

        /// Waits (bounded, generously) for the exchange to end.
        func wait() async throws -> (response: RawHTTP.Response?, closedAfter: Bool) {
            for _ in 0..<3000 where !finished { try await Task.sleep(for: .milliseconds(10)) }
            return try #require(result.withLockedValue { $0 })
        }
    }

    @Test func drainClosesIdleConnectionsAtOnceAndLetsResponsesInFlightFinishWithConnectionClose() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":0,"drain_timeout_seconds":60}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }

        // Kept alive and idle.
        let idle = try RawHTTP.connect(unixPath: sidecar.socketPath)
        let first = try RawHTTP.send(idle, method: "GET", path: "/healthz")
        #expect(first.status == 200)
        #expect(first.header("connection") == nil)
        // A stream whose head is out before the signal, and whose events last well past it.
        let streaming = try Exchange(
            socket: sidecar.socketPath,
            body: #"{"stream":true,"messages":[],"mock":{"events":20,"delay_ms":250}}"#
        )
        // A request whose answer is held back by the upstream until the stream has ended: its
        // head is written mid-drain, however slowly the machine runs.
        mock.counters.withLock { $0.holdMessages = true }
        let late = try Exchange(
            socket: sidecar.socketPath,
            body: #"{"messages":[],"mock":{"held":true}}"#
        )
        let arrived = await mock.waitFor(10) { $0.received.filter { $0.uri.hasPrefix("/v1/messages") }.count == 2 }
        if !arrived {
            let metrics = (try? sidecar.request("GET", "/metrics").text) ?? "none"
            Issue.record("upstream received \(mock.received.map(\.uri)); metrics:\n\(metrics)\ndaemon log:\n\(sidecar.log)")
        }
        for _ in 0..<1000 where !streaming.started.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        #expect(streaming.started.withLockedValue { $0 })

        kill(sidecar.process.processIdentifier, SIGTERM)
        // The idle connection is closed by the daemon while the stream is still in flight
        // (before quiescing it stayed open until the process exited, after the stream).
        #expect(try idle.receive().isEmpty)
        #expect(!streaming.responded.withLockedValue { $0 })

        let streamed = try await streaming.wait()
        let streamedResponse = try #require(streamed.response)
        #expect(streamedResponse.status == 200)
        #expect(streamedResponse.text.contains("message_stop"))
        // Its head went out before the drain: kept alive, so the end of the connection after the
        // last chunk is what tells the client.
        #expect(streamedResponse.header("connection") == nil)
        #expect(streamed.closedAfter)

        // The stream's connection was quiesced (it closed after the last chunk), and so was the
        // held one, in the same sweep: its answer may go out now.
        mock.counters.withLock { $0.holdMessages = false }
        let held = try await late.wait()
        let heldResponse = try #require(held.response)
        #expect(heldResponse.status == 200)
        #expect(heldResponse.header("connection")?.lowercased() == "close")
        #expect(held.closedAfter)

        sidecar.process.waitUntilExit()
        #expect(sidecar.process.terminationStatus == 0)
        #expect(ControlPlaneTests.statusJSON(sidecar)?["state"]?.stringValue == "stopped")
        #expect(!FileManager.default.fileExists(atPath: sidecar.socketPath))
    }

    /// Requests still running when `server.drain_timeout_seconds` ends are cut: exit 1, logged.
    @Test func requestsPastTheDrainTimeoutAreCutAndTheExitCodeSaysSo() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":0,"drain_timeout_seconds":0.5}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        let stuck = try Exchange(
            socket: sidecar.socketPath,
            body: #"{"stream":true,"messages":[],"mock":{"events":100,"delay_ms":200}}"#
        )
        #expect(await mock.waitFor(10) { $0.received.contains { $0.uri.hasPrefix("/v1/messages") } })
        kill(sidecar.process.processIdentifier, SIGTERM)
        sidecar.process.waitUntilExit()
        #expect(sidecar.process.terminationStatus == 1)
        #expect(sidecar.log.contains("cut 1 request(s) still in flight"))
        #expect(ControlPlaneTests.statusJSON(sidecar)?["state"]?.stringValue == "stopped")
        _ = try await stuck.wait()
    }

    /// The heartbeat of the real daemon keeps advancing past the stall limit with every event
    /// loop and the libcurl thread watched: the probes do not raise false alarms.
    @Test func heartbeatKeepsAdvancingWhileEveryThreadTurns() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let firstText = try #require(ControlPlaneTests.statusJSON(sidecar)?["updated_at"]?.stringValue)
        let start = try #require(Timestamp.unixTime(iso8601: firstText))
        // Past LivenessMonitor's 5 s: a false stall would freeze updated_at.
        #expect(
            await ControlPlaneTests.waitForStatus(sidecar, timeout: 30) { status in
                guard let text = status["updated_at"]?.stringValue, let updated = Timestamp.unixTime(iso8601: text) else { return false }
                return updated >= start + 8
            }
        )
        let warnings = ControlPlaneTests.statusJSON(sidecar)?["warnings"]?.arrayValue ?? []
        #expect(!warnings.contains { $0.stringValue?.contains("has not turned") == true })
        let health = try await Maxctl.run(["health", "--live", "--run-dir", sidecar.runDirectory])
        #expect(health.status == 0)
    }
}
