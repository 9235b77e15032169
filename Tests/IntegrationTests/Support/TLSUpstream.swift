import Foundation
import MaximizeCore

/// `Python/http2_upstream.py` under hypercorn over TLS on 127.0.0.1: HTTP/2 by ALPN (as the real
/// API), or HTTP/1.1 only. It counts the connections it was given and the most requests it had
/// in progress at once. Stopped by PID.
final class TLSUpstream: @unchecked Sendable {
    let process = Process()
    let port = RawHTTP.freePort()
    let certificate: TestCertificate
    var baseURL: String { "https://127.0.0.1:\(port)" }

    init(http1Only: Bool = false) async throws {
        let directory = SidecarProcess.makeTemporaryDirectory()
        certificate = try TestCertificate(directory: directory)
        let config = directory + "/hypercorn.toml"
        let protocols = http1Only ? #"["http/1.1"]"# : #"["h2", "http/1.1"]"#
        // No connection closed under a test's feet: hypercorn otherwise closes one idle for 5 s
        // (a request sent in that instant fails; see RELIABILITY.md) and one after 1,000 requests.
        let settings = [
            "alpn_protocols = \(protocols)", "backlog = 4096", "keep_alive_timeout = 600",
            "keep_alive_max_requests = 100000000",
        ]
        try (settings.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // `--workers 0` serves in this one process, so stopping it by PID stops all of it (with
        // workers, a killed parent leaves its worker running and holding the port).
        process.arguments = [
            "python3", "-m", "hypercorn", "--config", config, "--certfile", certificate.certificate,
            "--keyfile", certificate.key, "--bind", "127.0.0.1:\(port)", "--workers", "0", "http2_upstream:app",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: SDKTests.scriptsDirectory)
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        if try await RawHTTP.waitUntilListening(port: port, process: process) { return }
        stop()
        throw SidecarError(message: "hypercorn did not start (python3 -m pip install hypercorn)")
    }

    /// Distinct connections and the peak of requests in progress since the last `reset()`.
    func counts() throws -> (connections: Int, peak: Int) {
        let text = try get("/count")
        let json = try JSONParser.parse(Array(text.utf8))
        return (json["connections"]?.intValue ?? -1, json["peak"]?.intValue ?? -1)
    }

    func reset() throws { _ = try get("/reset") }

    /// GET `path` with Python's own TLS client (HTTP/1.1), trusting the test certificate.
    private func get(_ path: String) throws -> String {
        try SDKTests.runInlinePython(
            """
            import http.client, ssl, sys
            context = ssl.create_default_context(cafile=sys.argv[1])
            connection = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[2]), context=context)
            connection.request("GET", sys.argv[3])
            print(connection.getresponse().read().decode())
            """,
            [certificate.certificate, String(port), path]
        )
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
