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
        let input: [UInt8]
        do {
            input = try FileSystem.readStandardInput(limit: FetchWire.limit)
        } catch {
            FileSystem.writeAll(Array("maximize _fetch: \(error)\n".utf8), to: 2)
            return 2
        }
        let decoded: (request: UpstreamRequest, limit: Int)
        do {
            decoded = try FetchWire.decodeRequest(input)
        } catch {
            FileSystem.writeAll(Array("\(error.message); this mode is for maxctl only\n".utf8), to: 2)
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
        FileSystem.writeAll(FetchWire.encode(result), to: 1)
        return 0
    }
}
