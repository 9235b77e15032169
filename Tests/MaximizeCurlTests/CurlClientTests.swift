import Foundation
import MaximizeCore
import MaximizeCurl
import NIOConcurrencyHelpers
import Testing

/// The upstream client against hand-written responses: the head is the final response's, ready at
/// the end of its header block, and a paused transfer gets its bytes again after a resume.
@Suite(.serialized)
struct CurlClientTests {
    /// Records a transfer's events; refuses the first `refusals` pieces of body (pausing).
    final class Recorder: UpstreamDelegate {
        struct Events {
            var head: UpstreamResponseHead?
            var body: [UInt8] = []
            var refused: [[UInt8]] = []
            var completed = false
            var error: UpstreamError?
        }

        let events = NIOLockedValueBox(Events())
        let refusals: Int

        init(refusals: Int = 0) {
            self.refusals = refusals
        }

        func upstreamDidReceiveHead(_ head: UpstreamResponseHead) {
            events.withLockedValue { $0.head = head }
        }

        func upstreamDidReceive(_ bytes: UnsafeRawBufferPointer) -> Bool {
            events.withLockedValue { events in
                guard events.refused.count >= refusals else {
                    events.refused.append(Array(bytes))
                    return false
                }
                events.body += bytes
                return true
            }
        }

        func upstreamDidComplete(_ error: UpstreamError?) {
            events.withLockedValue {
                $0.completed = true
                $0.error = error
            }
        }

        /// Waits until `condition` holds; a generous 30 s at most (a loaded machine is slow, a
        /// hang still fails).
        func wait(_ condition: (Events) -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if events.withLockedValue({ condition($0) }) { return true }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return events.withLockedValue { condition($0) }
        }
    }

    func request(_ url: String) -> UpstreamRequest {
        UpstreamRequest(method: "GET", url: url, headers: [], timeout: 30)
    }

    @Test func theHeadIsTheFinalResponsesHeadersLowerCasedInOrder() async throws {
        let upstream = try CannedUpstream(
            head: "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nX-Mixed-Case: One\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n"
                + "X-Padded: \t spaced value  \r\nContent-Length: 5\r\n\r\nhello"
        )
        defer { upstream.shutdown() }
        let client = CurlClient()
        defer { client.shutdown() }
        let response = try await client.send(request(upstream.url))
        #expect(response.head.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "hello")
        let headers = response.head.headers
        #expect(headers.map(\.name) == ["x-mixed-case", "set-cookie", "set-cookie", "x-padded", "content-length"])
        #expect(response.head.header("x-mixed-case") == "One")
        #expect(headers.filter { $0.name == "set-cookie" }.map(\.value) == ["a=1", "b=2"])
        #expect(response.head.header("x-padded") == "spaced value")
        // The interim response's headers are not the response's.
        #expect(response.head.header("link") == nil)
    }

    @Test func aHeadWithoutABodyIsDelivered() async throws {
        let upstream = try CannedUpstream(head: "HTTP/1.1 204 No Content\r\nX-Request-Id: req-7\r\n\r\n")
        defer { upstream.shutdown() }
        let client = CurlClient()
        defer { client.shutdown() }
        let response = try await client.send(request(upstream.url))
        #expect(response.head.status == 204)
        #expect(response.head.header("x-request-id") == "req-7")
        #expect(response.body.isEmpty)
    }

    @Test func theHeadArrivesAtTheEndOfTheHeadersBeforeAnyBody() async throws {
        let upstream = try CannedUpstream(
            head: "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 4\r\n\r\n",
            rest: "body"
        )
        defer { upstream.shutdown() }
        let client = CurlClient()
        defer { client.shutdown() }
        let recorder = Recorder()
        _ = client.start(request(upstream.url), delegate: recorder)
        #expect(await recorder.wait { $0.head != nil })
        #expect(recorder.events.withLockedValue { $0.head?.header("content-type") } == "text/event-stream")
        #expect(recorder.events.withLockedValue { $0.body.isEmpty && !$0.completed })
        upstream.sendRest()
        #expect(await recorder.wait { $0.completed })
        #expect(recorder.events.withLockedValue { $0.error == nil && $0.body == Array("body".utf8) })
    }

    @Test func aPausedTransferGetsTheSameBytesAgainAfterAResume() async throws {
        let body = String(repeating: "0123456789", count: 1000)
        let upstream = try CannedUpstream(head: "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        defer { upstream.shutdown() }
        let client = CurlClient()
        defer { client.shutdown() }
        let recorder = Recorder(refusals: 1)
        let transfer = client.start(request(upstream.url), delegate: recorder)
        #expect(await recorder.wait { !$0.refused.isEmpty })
        // Paused: nothing more arrives until the resume.
        #expect(recorder.events.withLockedValue { $0.body.isEmpty && !$0.completed })
        transfer.resume()
        #expect(await recorder.wait { $0.completed })
        let events = recorder.events.withLockedValue { $0 }
        #expect(events.error == nil)
        #expect(events.body == Array(body.utf8))
        #expect(events.body.starts(with: events.refused[0]))
    }

    @Test func aCancelledTransferEndsOnceAndLaterCommandsAreHarmless() async throws {
        let upstream = try CannedUpstream(head: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", rest: "body")
        defer { upstream.shutdown() }
        let client = CurlClient()
        let recorder = Recorder()
        let transfer = client.start(request(upstream.url), delegate: recorder)
        #expect(await recorder.wait { $0.head != nil })
        transfer.cancel()
        #expect(await recorder.wait { $0.completed })
        #expect(recorder.events.withLockedValue { $0.error?.kind } == .cancelled)
        transfer.resume()
        transfer.cancel()
        client.shutdown()
        // After the shutdown, the handle still posts safely (the eventfd lives as long as it).
        transfer.resume()
        #expect(recorder.events.withLockedValue { $0.body.isEmpty })
    }
}
