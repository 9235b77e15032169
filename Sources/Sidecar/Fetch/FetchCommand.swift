import Dispatch
import Glibc
import MaximizeCore
import MaximizeCurl

/// `maximize _fetch`: performs one HTTP request for `maxctl`, which links no HTTP client.
///
/// The request arrives on standard input and the response leaves on standard output, both in
/// ``FetchWire``'s format, so that tokens and codes never appear in argv. Exit status 0 when a
/// response (or a transport error) was written, 2 when the input was not a request.
public enum FetchCommand {
    /// The hidden argument that selects this mode.
    public static let argument = "_fetch"

    /// Runs the one request and exits.
    public static func main() -> Never {
        Task { exit(await run()) }
        dispatchMain()
    }

    static func run() async -> Int32 {
        guard let input = readAll(from: 0, limit: FetchWire.limit) else {
            writeAll(Array("maximize _fetch: the request on standard input is larger than \(FetchWire.limit) bytes\n".utf8), to: 2)
            return 2
        }
        let decoded: (request: UpstreamRequest, limit: Int)
        do {
            decoded = try FetchWire.decodeRequest(input)
        } catch {
            writeAll(Array("\(error.message); this mode is for maxctl only\n".utf8), to: 2)
            return 2
        }
        let client = CurlClient()
        defer { client.shutdown() }
        let result: Result<UpstreamResponse, UpstreamError>
        do {
            result = .success(try await client.send(decoded.request, limit: min(decoded.limit, FetchWire.limit / 2)))
        } catch {
            result = .failure(error)
        }
        writeAll(FetchWire.encode(result), to: 1)
        return 0
    }

    /// Everything `descriptor` holds until end of file, or `nil` past `limit` bytes.
    static func readAll(from descriptor: Int32, limit: Int) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > limit { return nil }
        }
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
