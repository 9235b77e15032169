import Foundation
import Glibc
import MaximizeCore
import Synchronization
import Testing

/// The daemon's memory under hostile request patterns (issue 16, item 2), read from
/// `/proc/PID/status` of the real daemon: `VmHWM` is the peak resident set, so no sampling can
/// miss a spike. The bounds are memory, not time, and leave generous slack for the allocator
/// (glibc keeps freed memory in per-thread arenas) and for the shaping copies.
@Suite(.serialized, .ownThreads) struct MemoryBudgetTests {
    static let mebibyte = 1_048_576

    /// A `/proc/PID/status` field in bytes (`VmRSS`, `VmHWM`).
    static func memory(_ pid: Int32, _ field: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }

    /// A Messages body of about `size` bytes.
    static func body(size: Int) -> [UInt8] {
        let prefix = Array(#"{"model":"claude-test","max_tokens":5,"messages":[{"role":"user","content":""#.utf8)
        let suffix = Array(#""}]}"#.utf8)
        return prefix + [UInt8](repeating: UInt8(ascii: "a"), count: size - prefix.count - suffix.count) + suffix
    }

    /// Sends a head with `expect: 100-continue` and reads the first answer: `100` (go on) or the final response.
    static func askToSend(_ connection: RawHTTP.Connection, path: String, length: Int) throws -> RawHTTP.Response? {
        try connection.send(
            Array(
                "POST \(path) HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: \(length)\r\nexpect: 100-continue\r\n\r\n".utf8
            )
        )
        var buffer: [UInt8] = []
        while RawHTTP.find(buffer, [13, 10, 13, 10]) == nil {
            let bytes = try connection.receive()
            if bytes.isEmpty { throw RawHTTP.Failure(description: "closed before an answer") }
            buffer += bytes
        }
        if buffer.starts(with: Array("HTTP/1.1 100".utf8)) {
            connection.leftover = Array(buffer[(RawHTTP.find(buffer, [13, 10, 13, 10])! + 4)...])
            return nil
        }
        connection.leftover = buffer
        return try RawHTTP.readResponse(connection)
    }

    /// Six clients ask at once to send 30 MiB each under a 40 MiB budget: one is admitted, five
    /// get `529 overloaded_error` with `retry-after` before sending anything, the daemon's peak
    /// memory stays near one request's, and every byte reserved is given back.
    @Test func sixLargeBodiesAtOnceStayWithinTheBudget() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":0,"max_body_bytes":33554432,"max_buffered_bytes":41943040}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        let pid = sidecar.process.processIdentifier
        // Warm up libcurl and the allocator with one small request; the peak so far is the baseline.
        #expect(try sidecar.request("POST", "/v1/messages", body: String(decoding: Self.body(size: 1000), as: UTF8.self)).status == 200)
        let baseline = Self.memory(pid, "VmHWM")
        let size = 30 * Self.mebibyte
        let body = Self.body(size: size)
        let connections = try (0..<6).map { _ in try RawHTTP.connect(unixPath: sidecar.socketPath) }
        // Every head is answered before any body is sent: admission is decided by the heads alone.
        var first: [RawHTTP.Response?] = []
        for connection in connections { first.append(try Self.askToSend(connection, path: "/v1/messages", length: size)) }
        let refused = first.compactMap { $0 }
        #expect(refused.count == 5, "statuses: \(first.map { $0?.status ?? 100 })")
        for response in refused {
            #expect(response.status == 529)
            #expect(response.json?["error"]?["type"]?.stringValue == "overloaded_error")
            #expect(response.header("retry-after") == "1")
            #expect(response.header("connection") == "close")
        }
        // The admitted ones send their bodies at once.
        let admitted = zip(connections, first).filter { $0.1 == nil }.map(\.0)
        let statuses = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: admitted.count) { index in
            let status =
                (try? { () throws -> Int in
                    try admitted[index].send(body)
                    return try RawHTTP.readResponse(admitted[index]).status
                }()) ?? 0
            statuses.withLock { $0.append(status) }
        }
        #expect(statuses.withLock { $0 } == [Int](repeating: 200, count: admitted.count))
        // Sequentially, each alone, they are all served: the reservations were given back (an
        // exchange gives its bytes back just after its answer's last byte is written, so the
        // client may read the answer first: wait for the count, not for a time).
        for _ in 0..<2 {
            #expect(await Self.budgetEmpties(sidecar))
            let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
            #expect(try Self.askToSend(connection, path: "/v1/messages", length: size) == nil)
            try connection.send(body)
            #expect(try RawHTTP.readResponse(connection).status == 200)
        }
        #expect(await Self.budgetEmpties(sidecar))
        let peak = Self.memory(pid, "VmHWM")
        // One 30 MiB request alone is held as the body, its shaped copy and libcurl's copy of
        // that, with more copies for a moment while it is shaped: measured 120 MiB over the
        // baseline. The bound, 154 MiB over it, leaves 34 MiB for the allocator; the six sent at
        // once without the budget peaked at 182 MiB over it here (394 MiB in the issue's run).
        let bound = baseline + 3 * size + 64 * Self.mebibyte
        #expect(peak < bound, "peak \(peak / Self.mebibyte) MiB, baseline \(baseline / Self.mebibyte) MiB")
        #expect(try sidecar.metric("maximize_budget_refusals_total") == 5)
        #expect(try sidecar.metric("maximize_buffered_request_bytes") == 0)
        #expect(try sidecar.request("GET", "/healthz").status == 200)
    }

    /// Waits (up to 30 s) for `maximize_buffered_request_bytes` to read 0.
    static func budgetEmpties(_ sidecar: SidecarProcess) async -> Bool {
        for _ in 0..<300 {
            if (try? sidecar.metric("maximize_buffered_request_bytes")) == 0 { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// A body sent to a route that takes none is refused from its head, unread: the answer comes
    /// while the client has sent none of the 30 MiB it announced, and the connection closes.
    @Test func aBodyOnARouteThatTakesNoneIsRefusedAtTheHead() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        // A short read timeout: without the refusal, the daemon would wait for the body and
        // answer 400 when the timeout ends.
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"drain_grace_seconds":0,"read_timeout_seconds":3}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        let cases: [(head: String, status: Int)] = [
            ("GET /v1/models HTTP/1.1\r\nhost: x\r\ncontent-length: 31457280\r\n\r\n", 413),
            ("GET /healthz HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n", 413),
            ("POST /v1/nothing HTTP/1.1\r\nhost: x\r\ncontent-length: 31457280\r\n\r\n", 404),
            ("PUT /v1/models HTTP/1.1\r\nhost: x\r\ncontent-length: 31457280\r\n\r\n", 405),
        ]
        for (head, status) in cases {
            let connection = try RawHTTP.connect(unixPath: sidecar.socketPath)
            try connection.send(Array(head.utf8))
            let response = try RawHTTP.readResponse(connection)
            #expect(response.status == status, "\(head.prefix(20)): \(response.text)")
            #expect(response.header("connection") == "close")
            #expect(try connection.receive().isEmpty, "the daemon closes the connection")
        }
        // Without a body the same routes are served.
        #expect(try sidecar.request("GET", "/healthz", headers: [("content-length", "0")]).status == 200)
        // Nothing of it went upstream (the model list the daemon asks for at start-up aside).
        #expect(mock.messageRequests.isEmpty)
    }

    /// 20,000 pipelined requests from a client that never reads its answers: the daemon stops
    /// reading from it once its answers back up, its memory stays bounded, and it serves others.
    @Test func pipelinedRequestsFromAClientThatNeverReadsAreBounded() async throws {
        let mock = try MockUpstream()
        defer { mock.shutdown() }
        // A client that reads nothing is disconnected by the read timeout (30 s); a slow run
        // (the Thread Sanitizer's) must not reach it before the client starts reading.
        let sidecar = try await SidecarProcess(
            config: #"{"server":{"read_timeout_seconds":600}}"#,
            upstream: mock.baseURL
        )
        defer { sidecar.stop() }
        let pid = sidecar.process.processIdentifier
        #expect(try sidecar.request("GET", "/healthz").status == 200)
        let baseline = Self.memory(pid, "VmHWM")
        let count = 20_000
        let attacker = try RawHTTP.connect(unixPath: sidecar.socketPath)
        let requests = Array(String(repeating: "GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n", count: count).utf8)
        // Sent without blocking: the daemon is expected to stop reading.
        var offset = 0
        var stalledSince: Double?
        while offset < requests.count {
            let sent = requests.withUnsafeBytes { send(attacker.fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
                stalledSince = nil
                continue
            }
            let now = RawHTTP.now()
            if let since = stalledSince, now - since > 2 { break }
            if stalledSince == nil { stalledSince = now }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Wait until the daemon's peak stops moving: it has taken all it will.
        var peak = Self.memory(pid, "VmHWM")
        var steady = 0
        while steady < 10 {
            try await Task.sleep(for: .milliseconds(100))
            let now = Self.memory(pid, "VmHWM")
            steady = now == peak ? steady + 1 : 0
            peak = now
        }
        // What was read before the daemon stopped reading is at most one read cycle of raw bytes
        // (16 reads of at most 64 KiB), and answers queue only up to the channel's high-water
        // mark: measured 2 MiB over the baseline; 12 MiB leaves room for the allocator. Answering
        // all 20,000 and queueing the answers took 19 to 32 MiB.
        #expect(peak < baseline + 12 * Self.mebibyte, "peak \(peak / Self.mebibyte) MiB, baseline \(baseline / Self.mebibyte) MiB")
        // Others are served meanwhile.
        #expect(try sidecar.request("GET", "/healthz").status == 200)
        // Once the client reads, every request it sent is answered, in order: nothing was dropped.
        var answers = 0
        var text: [UInt8] = []
        let marker = Array("HTTP/1.1 200 OK\r\n".utf8)
        var idleSince = RawHTTP.now()
        while answers < count, RawHTTP.now() - idleSince < 30 {
            if offset < requests.count {
                let sent = requests.withUnsafeBytes {
                    send(attacker.fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
                }
                if sent > 0 { offset += sent }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let read = chunk.withUnsafeMutableBytes { recv(attacker.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if read > 0 {
                text += chunk[0..<read]
                idleSince = RawHTTP.now()
                // Count whole answers and keep the tail that may hold a split marker.
                var index = 0
                while index + marker.count <= text.count {
                    if text[index] == marker[0], text[index..<(index + marker.count)].elementsEqual(marker) {
                        answers += 1
                        index += marker.count
                    } else {
                        index += 1
                    }
                }
                text = Array(text[index...])
            } else {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        #expect(offset == requests.count)
        #expect(answers == count)
        withExtendedLifetime(attacker) {}
    }
}
