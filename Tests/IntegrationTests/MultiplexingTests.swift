import Foundation
import MaximizeCore
import Synchronization
import Testing

/// Upstream connections over TLS, against hypercorn (and nginx for a low stream limit): a burst
/// shares HTTP/2 connections (libcurl 7.88 alone opens one per request), an HTTP/1.1-only upstream
/// is not held back, and a dead upstream fails every waiting request promptly.
@Suite(.serialized, .ownThreads)
struct MultiplexingTests {
    /// Sends `count` requests on as many connections before reading any answer, so all are in
    /// flight together; returns the statuses and the bodies.
    static func burst(_ sidecar: SidecarProcess, count: Int, body: String) throws -> [RawHTTP.Response] {
        let connections = try (0..<count).map { _ in try RawHTTP.connect(unixPath: sidecar.socketPath) }
        let request = RawHTTP.requestBytes(method: "POST", path: "/v1/messages", headers: [], body: Array(body.utf8))
        for connection in connections { try connection.send(request) }
        return try connections.map { try RawHTTP.readResponse($0) }
    }

    /// `count` streams of two events 400 ms apart, all in flight together.
    static func streamBurst(_ sidecar: SidecarProcess, count: Int) throws -> [RawHTTP.Response] {
        try burst(sidecar, count: count, body: #"{"stream":true,"messages":[],"mock":{"events":2,"delay_ms":400}}"#)
    }

    static func completed(_ responses: [RawHTTP.Response]) -> Bool {
        responses.allSatisfy { $0.status == 200 && $0.text.contains("message_stop") }
    }

    /// A daemon whose upstream is `upstream`, trusting its certificate.
    static func sidecar(for upstream: TLSUpstream) async throws -> SidecarProcess {
        try await SidecarProcess(
            upstream: upstream.baseURL,
            environment: ["MAXIMIZE_CA_FILE": upstream.certificate.certificate]
        )
    }

    @Test func aBurstOfStreamsSharesHTTP2Connections() async throws {
        let upstream = try await TLSUpstream()
        defer { upstream.stop() }
        let sidecar = try await Self.sidecar(for: upstream)
        defer { sidecar.stop() }
        try upstream.reset()
        // 250 streams open at once: three connections' worth at 100 streams each.
        #expect(Self.completed(try Self.streamBurst(sidecar, count: 250)))
        let counts = try upstream.counts()
        if ProcessInfo.processInfo.environment["TSAN_OPTIONS"] == nil {
            #expect(counts.peak >= 200, "the streams were in progress together")
            #expect(counts.connections >= 3 && counts.connections <= 5, "connections: \(counts.connections)")
        } else {
            // Several times slower under the sanitizer, the burst no longer overlaps within the
            // mock's 400 ms: what stays true is that the streams share a few connections.
            #expect(counts.connections >= 1 && counts.connections <= 5, "connections: \(counts.connections)")
        }
        // Afterwards a request reuses them.
        try upstream.reset()
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
        #expect(try upstream.counts().connections == 1)
    }

    @Test func aServerAllowingFewerStreamsPerConnectionServesTheWholeBurst() async throws {
        // libcurl puts up to 100 streams on a new connection before the server's SETTINGS say 10;
        // nginx refuses the excess (REFUSED_STREAM), libcurl retries it, and the burst completes,
        // none lost or left hanging.
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let front = try await NginxFront(upstream: mock, maxStreams: 10)
        defer { front.stop() }
        let sidecar = try await SidecarProcess(
            upstream: front.baseURL,
            environment: ["MAXIMIZE_CA_FILE": front.certificate.certificate]
        )
        defer { sidecar.stop() }
        #expect(Self.completed(try Self.streamBurst(sidecar, count: 100)))
        #expect(mock.counters.withLock { $0.peakStreams } >= 80, "the streams were in progress together")
    }

    @Test func anHTTP1UpstreamOverTLSIsNotHeldBack() async throws {
        let upstream = try await TLSUpstream(http1Only: true)
        defer { upstream.stop() }
        let sidecar = try await Self.sidecar(for: upstream)
        defer { sidecar.stop() }
        // Learn the protocol first, then a burst: each request needs a connection of its own.
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
        try upstream.reset()
        #expect(Self.completed(try Self.streamBurst(sidecar, count: 30)))
        let counts = try upstream.counts()
        #expect(counts.peak >= 25, "requests ran together: peak \(counts.peak)")
    }

    @Test func aFirstBurstToAnHTTP1UpstreamCompletes() async throws {
        let upstream = try await TLSUpstream(http1Only: true)
        defer { upstream.stop() }
        let sidecar = try await Self.sidecar(for: upstream)
        defer { sidecar.stop() }
        // The protocol is unknown when the burst arrives: one request goes first, and its answer's
        // status line releases the rest.
        let responses = try Self.burst(sidecar, count: 30, body: #"{"messages":[]}"#)
        #expect(responses.allSatisfy { $0.status == 200 })
    }

    @Test func aBurstToADeadUpstreamFailsPromptly() async throws {
        let certificate = try TestCertificate(directory: SidecarProcess.makeTemporaryDirectory())
        let sidecar = try await SidecarProcess(
            upstream: "https://127.0.0.1:\(RawHTTP.freePort())",
            environment: ["MAXIMIZE_CA_FILE": certificate.certificate]
        )
        defer { sidecar.stop() }
        // Every request is answered (none left waiting behind the failed first connection).
        let responses = try Self.burst(sidecar, count: 40, body: #"{"messages":[]}"#)
        #expect(responses.count == 40)
        #expect(responses.allSatisfy { $0.status == 502 })
        #expect(responses.first?.text.contains("Connection refused") == true)
    }
}
