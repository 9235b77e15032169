import Foundation

/// The HTTP/2 mock: the integration tests' `http2_upstream.py` under hypercorn with a self-signed
/// certificate (TLS, so libcurl negotiates HTTP/2 with ALPN as it would with the real API).
final class HTTP2Mock {
    let process = Process()
    let port = DaemonProcess.freePort()
    let directory: String
    var url: String { "https://127.0.0.1:\(port)" }
    var certificate: String { directory + "/cert.pem" }

    private init(directory: String) {
        self.directory = directory
    }

    static func start() throws -> HTTP2Mock {
        let directory = NSTemporaryDirectory() + "maximize-bench-h2-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let mock = HTTP2Mock(directory: directory)
        guard spawnAndWait([
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/key.pem",
            "-out", directory + "/cert.pem", "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ], quiet: true) == 0 else { throw BenchError("openssl failed") }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/IntegrationTests/Python").path
        // No connection closed after 1,000 requests or 5 s idle (hypercorn's defaults, which can
        // fail the request sent in that instant; see RELIABILITY.md), so the figures measure the proxy.
        try "keep_alive_max_requests = 100000000\nkeep_alive_timeout = 600\nbacklog = 4096\n".write(
            toFile: directory + "/hypercorn.toml", atomically: true, encoding: .utf8)
        mock.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // `--workers 0` serves in this one process, so stopping it by PID stops all of it (with
        // workers, a killed parent leaves its worker running and holding the port).
        mock.process.arguments = [
            "python3", "-m", "hypercorn", "--config", directory + "/hypercorn.toml", "--certfile", directory + "/cert.pem", "--keyfile", directory + "/key.pem",
            "--bind", "127.0.0.1:\(mock.port)", "--workers", "0", "http2_upstream:app",
        ]
        mock.process.currentDirectoryURL = URL(fileURLWithPath: script)
        mock.process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        mock.process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try mock.process.run()
        for _ in 0..<200 {
            if (try? BlockingConnection(.tcp(mock.port))) != nil { return mock }
            usleep(50_000)
        }
        mock.stop()
        throw BenchError("hypercorn did not start")
    }

    /// GET `path` over HTTP/2 with curl's command line.
    func get(_ path: String) -> String {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--cacert", certificate, url + path]
        process.standardOutput = pipe
        try? process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Distinct connections the mock was given, and the most requests it had in progress at
    /// once, since the last `/reset`.
    func counts() -> (connections: Int, peak: Int) {
        let data = Data(get("/count").utf8)
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return (json?["connections"] as? Int ?? -1, json?["peak"] as? Int ?? -1)
    }

    func connections() -> Int { counts().connections }

    /// SIGKILL: hypercorn's SIGTERM waits for its open connections to finish.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Runs a command with posix_spawn and waits for it; returns its exit status.
func spawnAndWait(_ arguments: [String], quiet: Bool = true) -> Int32 {
    var pid = pid_t()
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if quiet {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }
    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for argument in argv { free(argument) } }
    guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return (status >> 8) & 0xff
}
