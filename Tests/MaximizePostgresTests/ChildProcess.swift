import Foundation

/// A program run with `posix_spawn` (not Foundation's `Process`, whose `waitUntilExit` can hang
/// on a busy cooperative pool): output to a file, optionally a pipe on its standard input.
struct ChildProcess {
    let pid: pid_t
    /// The write end of its standard input, when asked for.
    let input: Int32?
    let outputPath: String

    static func spawn(_ program: String, _ arguments: [String], withInput: Bool = false) throws -> ChildProcess {
        let outputPath = "/tmp/mx-child-\(UInt64.random(in: 0...UInt64.max)).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var fds: [Int32] = [-1, -1]
        if withInput {
            guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
            posix_spawn_file_actions_addclose(&actions, fds[0])
            posix_spawn_file_actions_addclose(&actions, fds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, nil, argv, environ)
        if withInput { close(fds[0]) }
        guard status == 0 else {
            if withInput { close(fds[1]) }
            throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL)
        }
        return ChildProcess(pid: pid, input: withInput ? fds[1] : nil, outputPath: outputPath)
    }

    func write(_ text: String) {
        guard let input else { return }
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.write(input, $0.baseAddress, $0.count - 1) }
    }

    /// Waits for its exit at most `seconds` (then kills it); its exit status, or `nil` when it
    /// was killed at the deadline or by a signal.
    func wait(seconds: Double) async -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                if let input { close(input) }
                let exited = status & 0x7F == 0
                return exited ? (status >> 8) & 0xFF : nil
            }
            if result < 0 { return nil }
            if Date() > deadline { kill(pid, SIGKILL) }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// What it wrote on standard output and error; removes the file.
    func output() -> String {
        defer { unlink(outputPath) }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }
}
