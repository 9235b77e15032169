import Foundation
import MaximizeCore
import Testing

/// Every status the daemon relays has a reason phrase on its status line (NIO leaves codes it
/// does not know, such as Anthropic's 529, with an empty one).
@Suite(.ownThreads)
struct ReasonPhraseTests {
    /// The status line of the daemon's answer to a Messages request, read raw from the socket.
    private func statusLine(_ sidecar: SidecarProcess, mock options: String) throws -> String {
        let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
        let body = Array(#"{"messages":[],"mock":\#(options)}"#.utf8)
        try connection.send(RawHTTP.requestBytes(method: "POST", path: "/v1/messages", headers: [], body: body))
        var received: [UInt8] = []
        while RawHTTP.find(received, [13, 10]) == nil {
            let bytes = try connection.receive()
            if bytes.isEmpty { break }
            received += bytes
        }
        let end = RawHTTP.find(received, [13, 10]) ?? received.count
        return String(decoding: received[0..<end], as: UTF8.self)
    }

    @Test func relayedStatusesKeepAReasonPhrase() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        // The mock's 529 has no reason phrase: the daemon gives the standard one.
        #expect(try statusLine(sidecar, mock: #"{"status":529,"error_type":"overloaded_error"}"#) == "HTTP/1.1 529 Overloaded")
        // An unknown code with the upstream's own phrase keeps it.
        #expect(try statusLine(sidecar, mock: #"{"status":530,"reason":"Origin Frozen"}"#) == "HTTP/1.1 530 Origin Frozen")
        // An unknown code without a phrase gets its class's.
        #expect(try statusLine(sidecar, mock: #"{"status":531}"#) == "HTTP/1.1 531 Server Error")
        #expect(try statusLine(sidecar, mock: #"{"status":429,"error_type":"rate_limit_error"}"#) == "HTTP/1.1 429 Too Many Requests")
    }
}
