import Foundation
import MaximizeCore
import Synchronization
import Testing

/// HTTP's rules at the front door (RFC 9110, RFC 9112), through the real socket.
@Suite(.ownThreads) struct HTTPRulesTests {
    /// Reads whatever arrives until the peer closes or `limit` seconds pass.
    static func readAll(_ connection: RawHTTP.Connection) -> String {
        var text = ""
        while let bytes = try? connection.receive(), !bytes.isEmpty { text += String(decoding: bytes, as: UTF8.self) }
        return text
    }

    @Test func aWrongMethodOnAKnownPathIs405WithAllow() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let post = try sidecar.request("POST", "/healthz", body: "{}")
        #expect(post.status == 405)
        #expect(post.header("allow") == "GET, HEAD")
        #expect(post.json?["error"]?["type"]?.stringValue == "invalid_request_error")
        #expect(post.json?["error"]?["message"]?.stringValue?.contains("wrong_method") == false)
        let get = try sidecar.request("GET", "/v1/messages")
        #expect(get.status == 405)
        #expect(get.header("allow") == "POST")
        // The connection stays usable.
        #expect(try sidecar.request("GET", "/healthz").status == 200)
    }

    @Test func connectIsRefusedFramedAndTheConnectionClosed() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
        try connection.send(Array("CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n".utf8))
        let started = Date()
        let answer = Self.readAll(connection)
        #expect(answer.hasPrefix("HTTP/1.1 405"), "\(answer)")
        // SwiftNIO's encoder sends a response to CONNECT without a body or a length; it is
        // framed by the close, which the head announces.
        #expect(answer.lowercased().contains("connection: close"))
        // Closed by the daemon, not by the 30 s read timeout.
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test func anOversizedLengthBeyondInt64Is413AtOnce() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        for length in ["9223372036854775808", "18446744073709551615"] {
            let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
            try connection.send(Array("POST /v1/messages HTTP/1.1\r\nhost: x\r\ncontent-length: \(length)\r\n\r\n{".utf8))
            let answer = Self.readAll(connection)
            #expect(answer.hasPrefix("HTTP/1.1 413") || answer.hasPrefix("HTTP/1.1 400"), "\(length): \(answer.prefix(80))")
        }
    }

    @Test func http11WithoutHostOrWithTwoIs400() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        for request in [
            "GET /healthz HTTP/1.1\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nhost: a\r\nhost: b\r\n\r\n",
        ] {
            let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
            try connection.send(Array(request.utf8))
            let answer = Self.readAll(connection)
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(request.debugDescription): \(answer.prefix(80))")
            #expect(answer.lowercased().contains("connection: close"))
        }
        // HTTP/1.0 needs no Host.
        let old = try RawHTTP.connect(unixPath: sidecar.socketPath)
        try old.send(Array("GET /healthz HTTP/1.0\r\n\r\n".utf8))
        #expect(Self.readAll(old).hasPrefix("HTTP/1.0 200"))
    }

    @Test func theQueryStringGoesUpstreamAsSent() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        #expect(try sidecar.request("POST", "/v1/messages?beta=true", body: #"{"messages":[]}"#).status == 200)
        #expect(try sidecar.request("POST", "/v1/messages/count_tokens?beta=true&x=%2F", body: #"{"messages":[]}"#).status == 200)
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
        let uris = mock.counters.withLock { $0.received.map(\.uri) }.filter { $0.hasPrefix("/v1/messages") }
        #expect(uris == ["/v1/messages?beta=true", "/v1/messages/count_tokens?beta=true&x=%2F", "/v1/messages"])
    }
}
