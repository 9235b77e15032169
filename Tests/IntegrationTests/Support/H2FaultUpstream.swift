import Foundation

/// `Python/h2_fault_upstream.py` on 127.0.0.1: an HTTP/2 upstream (TLS, h2 by ALPN) that refuses
/// a stream, sends a GOAWAY below it, or resets the connection after reading a request, as the
/// request's `mock.h2` asks, and logs every request it read whole. Stopped by PID.
final class H2FaultUpstream: @unchecked Sendable {
    let process = Process()
    let port = RawHTTP.freePort()
    let logPath: String
    let certificate: TestCertificate
    var baseURL: String { "https://127.0.0.1:\(port)" }

    init() async throws {
        let directory = SidecarProcess.makeTemporaryDirectory()
        certificate = try TestCertificate(directory: directory)
        logPath = directory + "/h2.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", SDKTests.scriptsDirectory + "/h2_fault_upstream.py", String(port), logPath,
            certificate.certificate, certificate.key,
        ]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        if try await RawHTTP.waitUntilListening(port: port, process: process) { return }
        stop()
        throw SidecarError(message: "the HTTP/2 mock did not start (python3 -m pip install h2)")
    }

    /// How often requests with `mock.key` = `key` were read whole, and answered.
    func counts(_ key: String) -> (arrivals: Int, answers: Int) {
        let lines = (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n") ?? []
        return (lines.filter { $0 == "arrival \(key)" }.count, lines.filter { $0 == "answer \(key)" }.count)
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
