import MaximizeControl
import MaximizeCore

/// What `maxctl` knows of the daemon: its status file and its control directory.
struct DaemonLink {
    let paths: MaximizePaths

    var statusFile: StatusFile { StatusFile(runDirectory: paths.runDirectory) }

    /// A daemon that has not rewritten `status.json` for this long is taken to be gone (the
    /// heartbeat is every 2 s), when nothing tells sooner (see ``ProcessObservation``).
    static let aliveWithin = 6.0

    /// The daemon's status when one is running (not stopped, not seen gone, fresh heartbeat);
    /// `nil` when none is. A status file that cannot be read (a FIFO, a directory) is an error
    /// naming it.
    func runningStatus() throws(CommandFailure) -> StatusDocument? {
        guard let document = try readStatus(), isRunning(document) else { return nil }
        return document
    }

    /// `status.json`; `nil` when it is missing or not a status document (no daemon wrote it).
    func readStatus() throws(CommandFailure) -> StatusDocument? {
        do {
            return try statusFile.read()
        } catch {
            if case .unreadable = error { throw CommandFailure(error.description) }
            return nil
        }
    }

    /// Whether the daemon that wrote `document` is still running, as far as can be seen.
    func isRunning(_ document: StatusDocument) -> Bool {
        guard document.state != .stopped, WallClock.now() - document.updatedAt <= Self.aliveWithin else { return false }
        return ProcessObservation.observe(document, runDirectory: paths.runDirectory).evidenceOfExit(document) == nil
    }

    /// Drops a control request and waits for the daemon to record its result.
    func submit(_ action: ControlRequest.Action, timeout: Double) async throws -> String {
        let request = ControlRequest(action: action)
        do {
            try request.submit(in: paths.controlDirectory)
        } catch {
            throw CommandFailure("cannot create the control request: \(error)")
        }
        let deadline = WallClock.now() + timeout
        while WallClock.now() < deadline {
            let status: StatusDocument?
            do {
                status = try readStatus()
            } catch {
                try? FileSystem.removeFile(paths.controlDirectory + "/" + request.fileName)
                throw error
            }
            if let document = status {
                // Found by id among the recent results: concurrent callers each find theirs.
                if let result = document.control.result(for: request.id) { return result }
                if !isRunning(document) {
                    try? FileSystem.removeFile(paths.controlDirectory + "/" + request.fileName)
                    throw CommandFailure("the daemon stopped answering before it handled the \(action.rawValue) request")
                }
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        try? FileSystem.removeFile(paths.controlDirectory + "/" + request.fileName)
        throw CommandFailure("the daemon did not answer the \(action.rawValue) request within \(Int(timeout)) s")
    }
}
