import Glibc
import MaximizeCore

/// HTTP for `maxctl`, which links no HTTP client: each request runs `maximize _fetch` (found
/// beside `maxctl`, through `MAXIMIZE_BINARY`, or on `PATH`), so libcurl stays the one client and
/// lives only in the daemon's binary. The request and the response travel through pipes.
struct FetchTransport: HTTPTransport {
    var environment: [String: String]

    func send(_ request: UpstreamRequest, limit: Int) async throws(UpstreamError) -> UpstreamResponse {
        guard let binary = Self.locate(environment: environment) else {
            throw UpstreamError(
                kind: .connect,
                message: "maxctl needs the maximize binary for this (it makes the HTTP request): install it beside maxctl, "
                    + "put it on PATH, or set MAXIMIZE_BINARY",
                curlCode: 0
            )
        }
        let output = try Self.run(binary, input: FetchWire.encode(request, limit: limit))
        return try FetchWire.decodeResponse(output)
    }

    /// `MAXIMIZE_BINARY`, else `maximize` in maxctl's own directory, else on `PATH`.
    static func locate(environment: [String: String]) -> String? {
        if let path = environment["MAXIMIZE_BINARY"], !path.isEmpty { return access(path, X_OK) == 0 ? path : nil }
        var candidates: [String] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if count > 0 {
            let own = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = own.lastIndex(of: "/") { candidates.append(own[..<slash] + "/maximize") }
        }
        for directory in (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            candidates.append(directory + "/maximize")
        }
        return candidates.first { access($0, X_OK) == 0 }
    }

    /// Runs `binary _fetch` with `input` on its standard input; returns its standard output.
    static func run(_ binary: String, input: [UInt8]) throws(UpstreamError) -> [UInt8] {
        var toChild: [Int32] = [-1, -1]
        var fromChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0 else { throw failure("pipe", errno) }
        guard pipe(&fromChild) == 0 else {
            close(toChild[0])
            close(toChild[1])
            throw failure("pipe", errno)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        for descriptor in [toChild[0], toChild[1], fromChild[0], fromChild[1]] where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        let arguments: [UnsafeMutablePointer<CChar>?] = [binary, "_fetch"].map { $0.withCString { strdup($0) } }
        defer { for argument in arguments { free(argument) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, binary, &actions, nil, arguments + [nil], environ)
        close(toChild[0])
        close(fromChild[1])
        guard spawned == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw failure("starting \(binary)", spawned)
        }
        signal(SIGPIPE, SIG_IGN)
        FileSystem.writeAll(input, to: toChild[1])
        close(toChild[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while output.count <= FetchWire.limit {
            let count = chunk.withUnsafeMutableBytes { read(fromChild[0], $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            output.append(contentsOf: chunk[0..<count])
        }
        close(fromChild[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        guard status == 0 else {
            throw UpstreamError(kind: .transfer, message: "\(binary) _fetch failed (wait status \(status))", curlCode: 0)
        }
        return output
    }

    private static func failure(_ what: String, _ code: Int32) -> UpstreamError {
        UpstreamError(kind: .connect, message: "\(what): \(String(cString: strerror(code)))", curlCode: 0)
    }
}
