import Foundation
import Synchronization

/// Where requests go: the daemon's Unix socket, or a TCP port on 127.0.0.1.
enum Target: Sendable, CustomStringConvertible {
    case unix(String)
    case tcp(Int)

    var description: String {
        switch self {
        case .unix: "unix"
        case .tcp: "tcp"
        }
    }
}

/// A blocking HTTP/1.1 keep-alive connection, for measuring one request at a time.
final class BlockingConnection {
    let fd: Int32
    var pending: [UInt8] = []

    init(_ target: Target) throws {
        switch target {
        case .unix(let path):
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes.prefix($0.count - 1)) }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if result != 0 { close(fd); throw BenchError("connect \(path): errno \(errno)") }
        case .tcp(let port):
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if result != 0 { close(fd); throw BenchError("connect \(port): errno \(errno)") }
        }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { throw BenchError("send: errno \(errno)") }
            offset += count
        }
    }

    func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { throw BenchError("connection closed or timed out (errno \(errno))") }
        return Array(buffer[0..<count])
    }

    static func request(body: String, close: Bool = false) -> [UInt8] {
        let bytes = Array(body.utf8)
        let connection = close ? "connection: close\r\n" : ""
        return Array("POST /v1/messages HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n\(connection)content-length: \(bytes.count)\r\n\r\n".utf8) + bytes
    }

    /// Reads one response; calls `onBody` with each piece of the body and its arrival time.
    func readResponse(onBody: ((UInt64, ArraySlice<UInt8>) -> Void)? = nil) throws -> Int {
        var headerEnd: Int?
        while headerEnd == nil {
            pending += try receive()
            headerEnd = find(pending, [13, 10, 13, 10])
        }
        let head = String(decoding: pending[0..<headerEnd!], as: UTF8.self).lowercased()
        let status = Int(head.split(separator: " ")[1]) ?? 0
        pending.removeFirst(headerEnd! + 4)
        if let range = head.range(of: "content-length: ") {
            let length = Int(head[range.upperBound...].prefix { $0.isNumber }) ?? 0
            while pending.count < length { pending += try receive() }
            onBody?(monotonicNanoseconds(), pending[0..<length])
            pending.removeFirst(length)
            return status
        }
        // Chunked.
        while true {
            while find(pending, [13, 10]) == nil { pending += try receive() }
            let lineEnd = find(pending, [13, 10])!
            let size = Int(String(decoding: pending[0..<lineEnd], as: UTF8.self), radix: 16) ?? 0
            while pending.count < lineEnd + 2 + size + 2 { pending += try receive() }
            if size == 0 {
                pending.removeFirst(lineEnd + 4)
                return status
            }
            onBody?(monotonicNanoseconds(), pending[(lineEnd + 2)..<(lineEnd + 2 + size)])
            pending.removeFirst(lineEnd + 2 + size + 2)
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    var index = 0
    while index <= haystack.count - needle.count {
        if haystack[index] == needle[0] {
            var match = true
            for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                match = false
                break
            }
            if match { return index }
        }
        index += 1
    }
    return nil
}

/// Latency percentiles and throughput of one load run.
struct LatencyResult: Sendable {
    var p50: Double
    var p90: Double
    var p99: Double
    var requestsPerSecond: Double
    var errors: Int

    var json: [String: Any] {
        ["p50_ms": p50, "p90_ms": p90, "p99_ms": p99, "rps": requestsPerSecond, "errors": errors]
    }
}

func percentile(_ sorted: [UInt64], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let index = min(sorted.count - 1, Int(Double(sorted.count) * fraction))
    return Double(sorted[index]) / 1e6
}

/// `concurrency` threads, each on its own keep-alive connection, `perThread` requests each.
func runLoad(_ target: Target, concurrency: Int, perThread: Int, body: String = #"{"model":"l","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#) -> LatencyResult {
    let request = BlockingConnection.request(body: body)
    let samples = Mutex<[UInt64]>([])
    let errors = Atomic<Int>(0)
    let group = DispatchGroup()
    let start = monotonicNanoseconds()
    for _ in 0..<concurrency {
        group.enter()
        let thread = Thread {
            defer { group.leave() }
            var local: [UInt64] = []
            local.reserveCapacity(perThread)
            guard let connection = try? BlockingConnection(target) else {
                errors.add(perThread, ordering: .relaxed)
                return
            }
            for _ in 0..<perThread {
                let began = monotonicNanoseconds()
                do {
                    try connection.send(request)
                    let status = try connection.readResponse()
                    if status != 200 { errors.add(1, ordering: .relaxed) }
                    local.append(monotonicNanoseconds() - began)
                } catch {
                    errors.add(1, ordering: .relaxed)
                    return
                }
            }
            samples.withLock { $0 += local }
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }
    group.wait()
    let elapsed = Double(monotonicNanoseconds() - start) / 1e9
    let sorted = samples.withLock { $0 }.sorted()
    return LatencyResult(
        p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99),
        requestsPerSecond: Double(sorted.count) / elapsed, errors: errors.load(ordering: .relaxed))
}

/// Streaming: time to first event, and each event's delay from the mock's send stamp to arrival.
struct StreamResult: Sendable {
    var firstEvent: [UInt64] = []
    var eventDelay: [UInt64] = []
    var events = 0
    var errors = 0
}

func runStreams(_ target: Target, concurrency: Int, streams: Int, events: Int, delayMs: Int) -> StreamResult {
    let body = #"{"model":"l","stream":true,"max_tokens":16,"messages":[],"mock":{"events":\#(events),"delay_ms":\#(delayMs)}}"#
    let request = BlockingConnection.request(body: body)
    let result = Mutex(StreamResult())
    let group = DispatchGroup()
    for _ in 0..<concurrency {
        group.enter()
        let thread = Thread {
            defer { group.leave() }
            var local = StreamResult()
            guard let connection = try? BlockingConnection(target) else {
                result.withLock { $0.errors += streams }
                return
            }
            for _ in 0..<streams {
                let began = monotonicNanoseconds()
                var first = true
                var carry: [UInt8] = []
                do {
                    try connection.send(request)
                    _ = try connection.readResponse { arrived, piece in
                        if first {
                            local.firstEvent.append(arrived - began)
                            first = false
                        }
                        carry += piece
                        // Each content event carries "t":<ns>; take every complete one.
                        while let end = find(carry, [10, 10]) {
                            let event = carry[0..<end]
                            if let stamp = number(after: "t", in: Array(event)) {
                                local.eventDelay.append(arrived > UInt64(stamp) ? arrived - UInt64(stamp) : 0)
                                local.events += 1
                            }
                            carry.removeFirst(end + 2)
                        }
                    }
                } catch {
                    local.errors += 1
                    return
                }
            }
            let finished = local
            result.withLock {
                $0.firstEvent += finished.firstEvent
                $0.eventDelay += finished.eventDelay
                $0.events += finished.events
                $0.errors += finished.errors
            }
        }
        thread.stackSize = 256 * 1024
        thread.start()
    }
    group.wait()
    return result.withLock { $0 }
}
