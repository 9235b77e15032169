import Foundation

/// Runs the real `maxctl` binary.
enum Maxctl {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// From async code: waits on a thread of its own (see ``offPool(_:)``).
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws -> Result {
        try await offPool { try run(arguments, environment: environment, input: input) as Result }
    }

    /// From a thread (``onThreads(_:_:)``): blocks it until `maxctl` exits.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Result {
        let (process, stdin, output, errors) = try start(arguments, environment: environment)
        if let input { stdin.fileHandleForWriting.writeToChild(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        return collect(process, output: output, errors: errors)
    }

    /// Waits for `process` to end, with what it wrote.
    static func collect(_ process: Process, output: Pipe, errors: Pipe) -> Result {
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    /// Starts `maxctl` with a pipe on standard input, for a conversation.
    /// Returns the process and its standard input, output and error pipes.
    static func start(_ arguments: [String], environment: [String: String]) throws -> (Process, Pipe, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SidecarProcess.productsDirectory + "/maxctl")
        process.arguments = arguments
        var base = ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"]
        if let tsan = ProcessInfo.processInfo.environment["TSAN_OPTIONS"] { base["TSAN_OPTIONS"] = tsan }
        process.environment = base.merging(environment) { $1 }
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return (process, input, output, errors)
    }
}

/// Runs blocking `work` (waiting for a process, a thread group) on a thread of its own.
///
/// Swift's concurrency runtime has one thread per core (two here): a test that blocks one of
/// them while a process runs, as several suites do at once, leaves the others' `Task.sleep`
/// loops unserved, and a daemon that started in a second is declared dead 15 s later.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Runs `body` on `count` threads at once and waits for all of them, off the concurrency pool.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
    _ = try? await offPool { onThreadsBlocking(count, body) }
}

/// Runs `body` on `count` threads at once and waits for all of them, blocking this thread.
func onThreadsBlocking(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.start()
    }
    group.wait()
}
