import Foundation
import MaximizeCore

/// A minimal blocking HTTP/1.1 client over a Unix or TCP socket, so tests see exactly what the
/// daemon sends and when (chunk arrival times, disconnects).
enum RawHTTP {
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        /// Arrival time (monotonic seconds) of each body chunk as read from the socket.
        var chunkTimes: [(time: Double, bytes: Int)] = []

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue? { try? JSONParser.parse(body) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    final class Connection: @unchecked Sendable {
        let fd: Int32
        /// Bytes read past the end of the last response (a pipelined next response).
        var leftover: [UInt8] = []

        init(fd: Int32) {
            self.fd = fd
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        func send(_ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                if count <= 0 { throw Failure(description: "send failed: errno \(errno)") }
                offset += count
            }
        }

        /// Reads what is available; empty at end of stream.
        func receive() throws -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 { throw Failure(description: "receive failed: errno \(errno)") }
            return Array(buffer[0..<count])
        }
    }

    static func connect(unixPath: String) throws -> Connection {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(unixPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes.prefix($0.count - 1)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if result != 0 {
            close(fd)
            throw Failure(description: "cannot connect to \(unixPath): errno \(errno)")
        }
        return Connection(fd: fd)
    }

    static func connect(port: Int) throws -> Connection {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 {
            close(fd)
            throw Failure(description: "cannot connect to port \(port): errno \(errno)")
        }
        return Connection(fd: fd)
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, length) == 0 ? getsockname(fd, $0, &length) : -1
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func requestBytes(method: String, path: String, headers: [(String, String)], body: [UInt8]?) -> [UInt8] {
        var text = "\(method) \(path) HTTP/1.1\r\nhost: localhost\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body {
            if !headers.contains(where: { $0.0.lowercased() == "content-type" }) { text += "content-type: application/json\r\n" }
            text += "content-length: \(body.count)\r\n"
        }
        text += "\r\n"
        return Array(text.utf8) + (body ?? [])
    }

    /// Sends one request and reads the whole response; `onChunk` sees body bytes as they arrive
    /// and may return `false` to stop reading (the connection is then closed by the caller).
    static func send(
        _ connection: Connection,
        method: String,
        path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        onChunk: ((Double, [UInt8]) -> Bool)? = nil
    ) throws -> Response {
        try connection.send(requestBytes(method: method, path: path, headers: headers, body: body))
        return try readResponse(connection, onChunk: onChunk)
    }

    static func readResponse(_ connection: Connection, onChunk: ((Double, [UInt8]) -> Bool)? = nil) throws -> Response {
        var buffer: [UInt8] = connection.leftover
        connection.leftover = []
        var response: Response?
        var headerEnd = 0
        while response == nil || response!.status < 200 {
            if find(buffer, [13, 10, 13, 10]) == nil {
                let bytes = try connection.receive()
                if bytes.isEmpty { throw Failure(description: "connection closed before the response head") }
                buffer += bytes
            }
            while let end = find(buffer, [13, 10, 13, 10]) {
                let head = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
                buffer.removeFirst(end + 4)
                let status = Int(head[0].split(separator: " ")[1]) ?? 0
                var headers: [(String, String)] = []
                for line in head.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
                }
                response = Response(status: status, headers: headers, body: [])
                if status >= 200 { break }
            }
            headerEnd = 0
        }
        _ = headerEnd
        var result = response!
        let chunked = result.header("transfer-encoding")?.lowercased().contains("chunked") == true
        let length = result.header("content-length").flatMap(Int.init)
        let start = now()
        _ = start
        func deliver(_ bytes: [UInt8]) -> Bool {
            result.body += bytes
            result.chunkTimes.append((now(), bytes.count))
            return onChunk?(now(), bytes) ?? true
        }
        if chunked {
            var pending = buffer
            while true {
                if let lineEnd = find(pending, [13, 10]) {
                    let sizeText = String(decoding: pending[0..<lineEnd], as: UTF8.self).split(separator: ";")[0]
                    guard let size = Int(sizeText, radix: 16) else { throw Failure(description: "bad chunk size") }
                    if pending.count >= lineEnd + 2 + size + 2 {
                        let data = Array(pending[(lineEnd + 2)..<(lineEnd + 2 + size)])
                        pending.removeFirst(lineEnd + 2 + size + 2)
                        if size == 0 {
                            connection.leftover = pending
                            return result
                        }
                        if !deliver(data) { return result }
                        continue
                    }
                }
                let more = try connection.receive()
                if more.isEmpty { throw Failure(description: "connection closed mid-body (\(result.body.count) bytes read)") }
                pending += more
            }
        } else if let length {
            var pending = buffer
            while pending.count < length {
                let more = try connection.receive()
                if more.isEmpty { throw Failure(description: "connection closed mid-body") }
                pending += more
            }
            connection.leftover = Array(pending[length...])
            if length > 0 { _ = deliver(Array(pending[..<length])) }
        } else {
            if !buffer.isEmpty { _ = deliver(buffer) }
            while true {
                let more = try connection.receive()
                if more.isEmpty { break }
                if !deliver(more) { break }
            }
        }
        return result
    }

    static func now() -> Double { Double(WallClock.monotonicNanoseconds()) / 1e9 }

    static func find(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<(index + needle.count)]) == needle { return index }
        }
        return nil
    }

    /// Waits until a server process listens on 127.0.0.1:`port` (up to `attempts` tries
    /// `pauseMs` apart); false when `process` exited or the time ran out.
    static func waitUntilListening(port: Int, process: Process, attempts: Int = 250, pauseMs: Int = 40) async throws -> Bool {
        for _ in 0..<attempts {
            if (try? connect(port: port)) != nil { return true }
            if !process.isRunning { return false }
            try await Task.sleep(for: .milliseconds(pauseMs))
        }
        return false
    }
}
