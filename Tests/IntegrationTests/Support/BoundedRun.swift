import Foundation
import MaximizeCore
import NIOConcurrencyHelpers

/// Runs `maxctl` with a deadline: a command still running after `seconds` is killed, so that a
/// hang fails the test instead of stopping the test run.
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
