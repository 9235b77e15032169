import Foundation
import MaximizeCore

/// The real `maximize` binary, started by a test with its own state and run directories, and
/// stopped by PID.
final class SidecarProcess: @unchecked Sendable {
    /// `HOME` for the daemon (and for what a test runs beside it).
    let homeDirectory: String
    let stateDirectory: String
    let runDirectory: String
    let process = Process()
    let logPath: String

    /// The socket: `--socket` when given, else the run dir's default.
    let socketPath: String
    var tokenFile: String { stateDirectory + "/tokens.json" }
    /// The variables that point `maxctl` at this daemon's directories.
    var maxctlEnvironment: [String: String] { ["MAXIMIZE_STATE_DIR": stateDirectory, "MAXIMIZE_RUN_DIR": runDirectory] }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The directory holding the built executables (beside the test bundle).
    static var productsDirectory: String {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" {
            if FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("maximize").path) {
                return directory.path
            }
            directory = directory.deletingLastPathComponent()
        }
        return executable.deletingLastPathComponent().path
    }

    static func makeTemporaryDirectory() -> String {
        var template = Array("/tmp/maximize-test-XXXXXX".utf8CString)
        let path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return path
    }

    /// Empties the signal mask, restores every default disposition, and execs `argv[1:]` (same pid).
    static let pristineExec = """
        import os, signal, sys
        for number in range(1, signal.NSIG):
            try: signal.signal(number, signal.SIG_DFL)
            except (OSError, ValueError): pass
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        # As `nohup` would: signals the parent ignores (their dispositions survive exec).
        for number in os.environ.pop("MAXIMIZE_TEST_IGNORED_SIGNALS", "").split():
            signal.signal(int(number), signal.SIG_IGN)
        os.execv(sys.argv[1], sys.argv[1:])
        """

    /// Starts the daemon and waits until its socket accepts connections. `defaultPaths`: no
    /// `--state-dir` or `--run-dir`, so it serves `~/.maximize/run/maximize.sock` as after the
    /// README's quick start (`HOME` is the test's directory).
    init(
        tokens: String? = #"{"api_key":"sk-ant-api-test-key-0123456789"}"#,
        config: String? = nil,
        upstream: String?,
        environment: [String: String] = [:],
        arguments: [String] = [],
        stateDirectory sharedState: String? = nil,
        waitForSocket: Bool = true,
        pristineSignals: Bool = false,
        defaultPaths: Bool = false
    ) async throws {
        let root = Self.makeTemporaryDirectory()
        homeDirectory = root
        stateDirectory = sharedState ?? root + (defaultPaths ? "/.maximize" : "/state")
        if defaultPaths {
            runDirectory = stateDirectory + "/run"
        } else if let index = arguments.firstIndex(of: "--run-dir"), index + 1 < arguments.count {
            runDirectory = arguments[index + 1]
        } else {
            runDirectory = root + "/run"
        }
        logPath = root + "/maximize.log"
        if let index = arguments.firstIndex(of: "--socket"), index + 1 < arguments.count {
            socketPath = arguments[index + 1]
        } else {
            socketPath = runDirectory + "/maximize.sock"
        }
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        if let tokens { try tokens.write(toFile: stateDirectory + "/tokens.json", atomically: true, encoding: .utf8) }
        // No drain grace by default, so stopping a test's daemon is quick.
        let configText = config ?? (sharedState == nil ? #"{"server":{"drain_grace_seconds":0}}"# : nil)
        if let configText { try configText.write(toFile: stateDirectory + "/config.json", atomically: true, encoding: .utf8) }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let executable = Self.productsDirectory + "/maximize"
        let daemonArguments =
            defaultPaths
            ? arguments
            : ["--state-dir", stateDirectory] + (arguments.contains("--run-dir") ? [] : ["--run-dir", runDirectory]) + arguments
        if pristineSignals {
            // The test runner's threads block most signals and children inherit that mask (and
            // ignored signals): exec the daemon as a service manager would, with neither.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", Self.pristineExec, executable] + daemonArguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = daemonArguments
        }
        var env = ["HOME": root, "PATH": "/usr/bin:/bin"]
        // A sanitizer build's settings reach the daemon too (CI's Thread Sanitizer run).
        if let tsan = ProcessInfo.processInfo.environment["TSAN_OPTIONS"] { env["TSAN_OPTIONS"] = tsan }
        if let upstream { env["MAXIMIZE_API_BASE_URL"] = upstream }
        env.merge(environment) { $1 }
        process.environment = env
        let log = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        if waitForSocket {
            let deadline = Date().addingTimeInterval(15)
            while true {
                if FileManager.default.fileExists(atPath: socketPath), (try? RawHTTP.connect(unixPath: socketPath)) != nil {
                    return
                }
                // Checked after the socket: a wait that overslept the deadline (a busy machine)
                // still looks once more.
                if !process.isRunning || Date() >= deadline { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            stop()
            throw SidecarError(message: "maximize did not start listening; its log:\n\(self.log)")
        }
    }

    /// Waits for the process to exit on its own (for start-up failures); returns its status.
    func waitForExit(timeout: Double = 10) async -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it does not exit in 10 s.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func request(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: String? = nil
    ) throws -> RawHTTP.Response {
        try RawHTTP.send(
            RawHTTP.connect(unixPath: socketPath),
            method: method,
            path: path,
            headers: headers,
            body: body.map { Array($0.utf8) }
        )
    }

    deinit { stop() }
}

struct SidecarError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension SidecarProcess {
    /// A sample of `/metrics`: the value on the first line of metric `name` that carries every
    /// label in `labels` (`route="/healthz"`); nil when there is none.
    func metric(_ name: String, labels: [String] = []) throws -> Double? {
        let text = try request("GET", "/metrics").text
        let line = text.split(separator: "\n").first { line in
            (line.hasPrefix(name + " ") || line.hasPrefix(name + "{")) && labels.allSatisfy { line.contains($0) }
        }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
