import Foundation
import Glibc
import MaximizeCore
import NIOConcurrencyHelpers

/// A loopback HTTP/1.1 server that answers a request with bytes written by hand, so a test
/// chooses the exact header lines (interim 1xx heads, odd case, repeated names, padding). It sends
/// `head` once a request's headers are in, and `rest` only when the test calls ``sendRest()``.
///
/// One thread serves one connection at a time and closes every descriptor itself; ``shutdown()``
/// only shuts the sockets down, which wakes it.
final class CannedUpstream: Sendable {
    struct Failure: Error {
        var step: String
    }

    let port: Int
    private let listener: Int32
    /// The connection being served.
    private let connection = NIOLockedValueBox<Int32?>(nil)
    private let rest: [UInt8]

    var url: String { "http://127.0.0.1:\(port)/canned" }

    init(head: String, rest: String = "") throws {
        self.rest = Array(rest.utf8)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw Failure(step: "listen on 127.0.0.1: errno \(errno)")
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        let head = Array(head.utf8)
        let connection = self.connection
        Thread.detachNewThread {
            Self.serve(listener: listener, connection: connection, head: head)
        }
    }

    private static func serve(listener: Int32, connection: NIOLockedValueBox<Int32?>, head: [UInt8]) {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { break }
            connection.withLockedValue { $0 = fd }
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            var answered = false
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 { break }
                received += buffer[0..<count]
                if !answered, received.count >= 4,
                    (0...(received.count - 4)).contains(where: { received[$0..<($0 + 4)].elementsEqual("\r\n\r\n".utf8) })
                {
                    answered = true
                    write(fd, head)
                }
            }
            connection.withLockedValue { $0 = nil }
            close(fd)
        }
        close(listener)
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count <= 0 { return }
            offset += count
        }
    }

    /// Sends the rest of the answer on the connection being served.
    func sendRest() {
        connection.withLockedValue { fd in
            if let fd { Self.write(fd, rest) }
        }
    }

    func shutdown() {
        connection.withLockedValue { fd in
            if let fd { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
        Glibc.shutdown(listener, Int32(SHUT_RDWR))
    }
}
