import Foundation
import MaximizeCore
import Synchronization
import Testing

/// Upstream answers that are slow, huge or overloaded: each gets the right result for the client,
/// within its timeout and in bounded memory, and the daemon keeps serving.
@Suite(.serialized, .ownThreads)
struct UpstreamFaultTests {
    static func requests(_ mock: MockUpstream, key: String) -> Int {
        mock.counters.withLock { $0.keyed[key] ?? 0 }
    }

    @Test func overloadedAnswersPassThroughUnlessRetriesAreConfigured() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let plain = try await SidecarProcess(upstream: mock.baseURL)
        defer { plain.stop() }
        let once = try plain.request(
            "POST",
            "/v1/messages",
            body: #"{"messages":[],"mock":{"status":529,"error_type":"overloaded_error","fail_times":1,"key":"plain"}}"#
        )
        #expect(once.status == 529)
        #expect(once.json?["error"]?["type"] == "overloaded_error")
        #expect(Self.requests(mock, key: "plain") == 1)
    }

    @Test func overloadedAnswersAreRetriedWithBackoffWhenConfigured() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let config = #"{"server":{"drain_grace_seconds":0},"api":{"overload_retries":2,"overload_backoff_seconds":0.1}}"#
        let sidecar = try await SidecarProcess(config: config, upstream: mock.baseURL)
        defer { sidecar.stop() }

        // Two 529s, then an answer: the client sees only the answer, after two backoffs.
        var started = Date()
        let recovered = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"messages":[],"mock":{"status":529,"error_type":"overloaded_error","fail_times":2,"key":"a"}}"#
        )
        #expect(recovered.status == 200)
        #expect(recovered.json?["type"] == "message")
        #expect(Self.requests(mock, key: "a") == 3)
        #expect(Date().timeIntervalSince(started) >= 0.1 * 0.5 + 0.2 * 0.5)

        // Streaming too: the stream starts clean after the retries.
        let stream = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"stream":true,"messages":[],"mock":{"status":529,"error_type":"overloaded_error","fail_times":1,"key":"s"}}"#
        )
        #expect(stream.status == 200)
        #expect(stream.text.hasPrefix("event: message_start"))
        #expect(stream.text.contains("message_stop"))

        // Still overloaded after every retry: the last 529 reaches the client, as the upstream sent it.
        let exhausted = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"messages":[],"mock":{"status":529,"error_type":"overloaded_error","fail_times":9,"key":"b"}}"#
        )
        #expect(exhausted.status == 529)
        #expect(exhausted.json?["error"]?["type"] == "overloaded_error")
        #expect(Self.requests(mock, key: "b") == 3)

        // `retry-after` sets the wait.
        started = Date()
        let paced = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"messages":[],"mock":{"status":529,"retry_after":1,"fail_times":1,"key":"c"}}"#
        )
        #expect(paced.status == 200)
        #expect(Date().timeIntervalSince(started) >= 0.9)

        // Other errors are never retried.
        let unavailable = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"messages":[],"mock":{"status":503,"fail_times":1,"key":"d"}}"#
        )
        #expect(unavailable.status == 503)
        #expect(Self.requests(mock, key: "d") == 1)
        let metrics = try sidecar.request("GET", "/metrics").text
        #expect(metrics.contains("maximize_overload_retries_total 6"))  // a: 2, s: 1, b: 2, c: 1
    }

    @Test func aHugeAnswerStreamsThroughInBoundedMemory() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(upstream: mock.baseURL)
        defer { sidecar.stop() }
        let pid = sidecar.process.processIdentifier
        _ = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#)
        let peakBefore = ListenerTests.residentKilobytes(pid, field: "VmHWM")
        let size = 150 << 20
        let response = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[],"mock":{"huge_bytes":\#(size)}}"#)
        #expect(response.status == 200)
        #expect(response.body.count > size)
        #expect(response.text.hasSuffix(#""output_tokens":5}}"#))
        let growth = ListenerTests.residentKilobytes(pid, field: "VmHWM") - peakBefore
        #expect(growth < 48_000, "peak RSS grew by \(growth) kB for a \(size >> 20) MiB answer")

        // The OpenAI route must hold a non-streamed answer whole to translate it: past its limit, a clear 502.
        let chat = try sidecar.request(
            "POST",
            "/v1/chat/completions",
            body: #"{"model":"l","messages":[{"role":"user","content":"x"}],"user":"mock-huge-\#(65 << 20)"}"#
        )
        #expect(chat.status == 502)
        #expect(chat.json?["error"]?["message"]?.stringValue?.contains("\"stream\": true") == true)
        #expect(try sidecar.request("POST", "/v1/messages", body: #"{"messages":[]}"#).status == 200)
    }

    @Test func aSlowTrickleEndsAtTheRequestTimeout() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let config = #"{"server":{"drain_grace_seconds":0},"api":{"request_timeout":1}}"#
        let sidecar = try await SidecarProcess(config: config, upstream: mock.baseURL)
        defer { sidecar.stop() }

        // Events 300 ms apart: those sent within the second arrive one by one, then an error event ends the stream.
        let stream = try sidecar.request(
            "POST",
            "/v1/messages",
            body: #"{"stream":true,"messages":[],"mock":{"events":20,"delay_ms":300}}"#
        )
        #expect(stream.status == 200)
        #expect(stream.text.contains("message_start"))
        #expect(!stream.text.contains("message_stop"))
        let last = stream.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.last ?? ""
        #expect(last.hasPrefix("event: error\ndata: "))
        #expect(last.contains("timeout_error"))
        #expect(stream.chunkTimes.count >= 3, "events were not delivered as they came")
        // 20 events 300 ms apart would take 6 s: no message_stop and the error event say it was cut.

        // A JSON body dribbled over two seconds: cut at the timeout; the connection closes, since a
        // started JSON body cannot carry an error.
        let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
        let dribbled = try? RawHTTP.send(
            connection,
            method: "POST",
            path: "/v1/messages",
            body: Array(#"{"messages":[],"mock":{"trickle_ms":200}}"#.utf8)
        )
        #expect(dribbled == nil || dribbled?.json == nil, "a truncated body must not look complete")

        // Within the timeout, a trickle is simply passed on.
        let quick = try sidecar.request("POST", "/v1/messages", body: #"{"messages":[],"mock":{"trickle_ms":50}}"#)
        #expect(quick.status == 200)
        #expect(quick.json?["type"] == "message")
    }
}
