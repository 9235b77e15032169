import Foundation
import MaximizeCore
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
}
