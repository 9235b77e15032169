import Logging
import MaximizeControl
import MaximizeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Performs the requests `maxctl` leaves in `<run dir>/control/` and records their results in
/// `status.json`.
struct ControlHandler: Sendable {
    let directory: String
    let daemon: DaemonContext
    let reloader: ConfigReloader
    let status: StatusPublisher

    /// Handles every request file present (at start, after an overflow).
    func scan() async {
        for name in FileSystem.directoryEntries(directory).sorted() {
            if let request = ControlRequest(fileName: name) { await handle(request) }
        }
    }

    func handle(_ request: ControlRequest) async {
        // Claim the request by removing its file: a second event for the same file finds it gone.
        guard unlink(directory + "/" + request.fileName) == 0 else { return }
        let logger = daemon.current.logger
        let result: String
        switch request.action {
        case .refresh:
            switch await daemon.refresher.refresh(force: true) {
            case .success(.oauth(let token)):
                result = "ok: access token valid until \(token.expiresAt.map(Clock.iso8601) ?? "an unknown time")"
            case .success:
                result = "ok: nothing to refresh (API key)"
            case .failure(let failure):
                result = "error: \(failure)"
            }
        case .reload:
            result = await reload()
        }
        logger.info("control request", metadata: ["action": "\(request.action.rawValue)", "id": "\(request.id)", "result": "\(result)"])
        status.update {
            $0.control.lastID = request.id
            $0.control.lastAction = request.action.rawValue
            $0.control.lastResult = result
        }
    }

    /// Re-reads `config.json` and the credentials, whether or not they changed (a `reload`
    /// request, or SIGHUP); returns the result as `ok: ...` or `error: ...`.
    func reload() async -> String {
        let problem = await reloader.reloadConfiguration(force: true)
        await reloader.reloadCredentials(force: true)
        if let problem { return "error: \(problem)" }
        if let error = daemon.credentials.snapshot.loadError { return "error: \(error)" }
        return "ok: configuration and credentials reloaded"
    }
}
