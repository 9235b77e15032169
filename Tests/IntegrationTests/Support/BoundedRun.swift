import Foundation
import MaximizeCore
import NIOConcurrencyHelpers

/// Runs `maxctl` (or another command) with a deadline: a command still running after `seconds`
/// is killed, so that a hang fails the test instead of stopping the test run.
enum BoundedRun {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Wall-clock seconds from start to exit.
        var elapsed: Double
        /// The command was killed at the deadline.
        var killed: Bool
    }

    /// From async code: waits on a thread of its own (see ``offPool(_:)``).
    static func maxctl(_ arguments: [String], environment: [String: String], seconds: Double = 10) async throws -> Result {
        try await offPool { try maxctl(arguments, environment: environment, seconds: seconds) as Result }
    }

    static func maxctl(_ arguments: [String], environment: [String: String], seconds: Double = 10) throws -> Result {
        let started = Date()
        let (process, stdin, output, errors) = try Maxctl.start(arguments, environment: environment)
        try stdin.fileHandleForWriting.close()
        return bounded(process, output: output, errors: errors, seconds: seconds, started: started)
    }

    /// Runs `executable` with `arguments`, exactly `environment` and `directory` as its working
    /// directory, standard input closed.
    static func command(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String],
        directory: String,
        seconds: Double
    ) async throws -> Result {
        try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let (output, errors) = (Pipe(), Pipe())
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = output
            process.standardError = errors
            let started = Date()
            try process.run()
            return bounded(process, output: output, errors: errors, seconds: seconds, started: started) as Result
        }
    }

    /// Collects a started process's output, killing it (by pid) past `seconds`.
    private static func bounded(_ process: Process, output: Pipe, errors: Pipe, seconds: Double, started: Date) -> Result {
        let pid = process.processIdentifier
        let killed = NIOLockedValueBox(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if process.isRunning {
                killed.withLockedValue { $0 = true }
                kill(pid, SIGKILL)
            }
        }
        let result = Maxctl.collect(process, output: output, errors: errors)
        return Result(
            status: result.status,
            stdout: result.stdout,
            stderr: result.stderr,
            elapsed: Date().timeIntervalSince(started),
            killed: killed.withLockedValue { $0 }
        )
    }
}
