import Glibc
import Logging
import MaximizeControl
import MaximizeCore
import ServiceLifecycle

/// Performs the requests `maxctl` leaves in `<run dir>/control/` and records their results in
/// `status.json`.
///
/// One worker does it all. File events and a periodic scan only signal it (signals coalesce),
/// and it reads the directory in batches of at most ``batchLimit`` names: each request is claimed
/// by removing its file, one reload answers every reload request of the batch and one forced
/// refresh every refresh request, each result is recorded under its id, and `status.json` is
/// published once. However many files arrive, memory stays bounded.
final class ControlHandler: Service, CustomStringConvertible {
    static let batchLimit = 512
    /// The periodic scan, for events inotify missed (cheap: one `readdir` of a small directory).
    static let scanInterval = Duration.seconds(2)
    /// `control/` missing this long is recreated (a moment for whoever removed it to make it again).
    static let recreateAfter = 1.0

    let directory: String
    let daemon: DaemonContext
    let reloader: ConfigReloader
    let status: StatusPublisher
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    var description: String { "control worker" }

    init(directory: String, daemon: DaemonContext, reloader: ConfigReloader, status: StatusPublisher) {
        self.directory = directory
        self.daemon = daemon
        self.reloader = reloader
        self.status = status
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the worker to look at the directory; any number of calls before it does make one pass.
    func scan() {
        signal.yield()
    }

    /// The worker: passes over the directory when signalled and every ``scanInterval``, until
    /// the group shuts down (a drain still answers `maxctl`, since the listeners stop first).
    /// Its first pass performs the requests left before the daemon started.
    func run() async {
        await cancelWhenGracefulShutdown { [self] in await work() }
    }

    private func work() async {
        await withDiscardingTaskGroup { group in
            group.addTask { [signal] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.scanInterval)
                    signal.yield()
                }
            }
            var state = WorkerState()
            signal.yield()
            for await _ in signals {
                if Task.isCancelled { break }
                if ensureDirectory(&state) { await drain(&state) }
                state.reportRefusals(logger: daemon.current.logger, now: daemon.now())
            }
            group.cancelAll()
        }
    }

    /// What the worker remembers between passes.
    struct WorkerState {
        /// When `control/` was first found missing.
        var missingSince: Double?
        var creationFailed = false
        /// Refusals not logged yet (the log is rate-limited), with one name as an example.
        var refused = 0
        var refusedExample = ""
        var refusalsLoggedAt = -Double.infinity
        static let refusalLogInterval = 10.0

        mutating func reportRefusals(logger: Logger, now: Double) {
            guard refused > 0, now - refusalsLoggedAt >= Self.refusalLogInterval else { return }
            logger.warning(
                "removed \(refused) file(s) from control/ that are not a control request (e.g. \"\(refusedExample)\"); requests are named <action>.<id>, action refresh or reload"
            )
            refused = 0
            refusalsLoggedAt = now
        }
    }

    /// True when `control/` exists; recreates it (0755, and the run dir when that went too) when it
    /// has been missing a moment.
    private func ensureDirectory(_ state: inout WorkerState) -> Bool {
        if FileSystem.isDirectory(directory) {
            state.missingSince = nil
            state.creationFailed = false
            return true
        }
        let now = daemon.now()
        guard let since = state.missingSince else {
            state.missingSince = now
            return false
        }
        guard now - since >= Self.recreateAfter else { return false }
        // The run dir is made again too, but nothing above it: in the default layout that is the
        // state dir, which is 0700 and not the control worker's to create.
        let above = FileSystem.directoryName(FileSystem.directoryName(directory))
        let problem: String
        if FileSystem.isDirectory(above) {
            do {
                try FileSystem.createDirectory(directory, mode: 0o755)
                daemon.current.logger.warning("\(directory) was removed; created it again")
                return true
            } catch {
                problem = "\(error)"
            }
        } else {
            problem = "\(above) is missing"
        }
        if !state.creationFailed {
            daemon.current.logger.error("\(directory) was removed and cannot be created again (\(problem)); control requests wait for it")
        }
        state.creationFailed = true
        return false
    }

    /// Reads the directory to its end, a batch at a time, and handles each batch.
    private func drain(_ state: inout WorkerState) async {
        guard let stream = DirectoryStream(directory) else { return }
        while true {
            // Temporary files (being written) are skipped and do not count towards the batch.
            let names = stream.next(limit: Self.batchLimit) { !$0.hasPrefix(".") }
            if names.isEmpty { return }
            var batch = Batch()
            for name in names { claim(name, into: &batch, state: &state) }
            await perform(batch)
            if names.count < Self.batchLimit { return }
        }
    }

    /// The requests claimed in one pass and the refusals to record.
    struct Batch {
        var reloads: [String] = []
        var refreshes: [String] = []
        var refusals: [StatusDocument.Control.Result] = []
    }

    /// Claims a request by removing its file (a second pass, or a second event, finds it gone);
    /// removes what is not a request.
    private func claim(_ name: String, into batch: inout Batch, state: inout WorkerState) {
        let kind = ControlRequest.kind(ofFileName: name)
        if kind == .temporary { return }
        // A file that cannot be removed (a directory, say) is left; it is not performed either.
        guard unlink(directory + "/" + name) == 0 else { return }
        switch kind {
        case .request(let request):
            switch request.action {
            case .reload: batch.reloads.append(request.id)
            case .refresh: batch.refreshes.append(request.id)
            }
        case .unknownAction(let action, let id):
            let known = ControlRequest.Action.allCases.map(\.rawValue).joined(separator: " and ")
            let result = "error: unknown action '\(action)'; this daemon performs \(known)"
            batch.refusals.append(.init(id: id, action: action, result: result, at: daemon.now()))
            state.refused += 1
            state.refusedExample = ExternalText.clean(name, limit: 80)
        case .invalid:
            state.refused += 1
            state.refusedExample = ExternalText.clean(name, limit: 80)
        case .temporary:
            break
        }
    }
}
