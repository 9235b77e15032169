import Foundation
import MaximizeCore
import Synchronization
import Testing

/// Upstream connections are kept for the load the daemon has seen: after a burst over HTTP/1.1
/// and a lull, the next burst of the same size opens none. (libcurl's default keeps four
/// connections per transfer in progress at the moment one comes back, so each request of the
/// lull closed one of the burst's connections.)
@Suite(.serialized, .ownThreads)
struct ConnectionPoolTests {
    @Test func aSecondBurstReusesTheFirstBurstsConnections() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        // 40 requests in flight together (each held 1 s by the mock): 40 connections.
        let body = #"{"messages":[],"mock":{"stall_ms":1000}}"#
        let first = try MultiplexingTests.burst(sidecar, count: 40, body: body)
        #expect(first.allSatisfy { $0.status == 200 })
        // A lull: one request at a time.
        for _ in 0..<10 {
            #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
        }
        let afterFirst = mock.connections
        #expect(afterFirst >= 40)
        let second = try MultiplexingTests.burst(sidecar, count: 40, body: body)
        #expect(second.allSatisfy { $0.status == 200 })
        #expect(mock.connections - afterFirst == 0, "new connections for the second burst: \(mock.connections - afterFirst)")
    }

    /// Over cleartext (an `http://` upstream: an in-cluster gateway, a local proxy) no request
    /// waits for another's answer. libcurl's `CURLOPT_PIPEWAIT` held every new transfer until the
    /// first connection's response said whether it multiplexes, so one slow first answer (a long
    /// generation, or the start-up model check) stalled all the others; seen in CI as a stream
    /// that never started.
    @Test func aSlowFirstAnswerOverCleartextHoldsUpNoOtherRequest() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        // The start-up nickname check (GET /v1/models) opens the first connection: no answer.
        mock.counters.withLock {
            $0.holdModelList = true
            $0.holdMessages = true
        }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        #expect(await mock.waitForStartupCheck())
        // A Messages request whose answer is held too.
        let held = try DrainTests.Exchange(socket: sidecar.socketPath, body: #"{"messages":[],"mock":{"held":true}}"#)
        #expect(await mock.waitFor(20) { $0.received.contains { $0.uri.hasPrefix("/v1/messages") } })
        // Neither holds up the next request, streamed or not.
        let answered = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        #expect(answered.status == 200)
        let streamed = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[],"stream":true}"#)
        #expect(streamed.status == 200)
        #expect(streamed.text.contains("message_stop"))
        mock.counters.withLock {
            $0.holdModelList = false
            $0.holdMessages = false
        }
        let late = try await held.wait()
        #expect(late.response?.status == 200)
    }
}
