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
            case .success where daemon.credentials.snapshot.unsaved != nil:
                let reason = daemon.credentials.snapshot.unsaved?.reason ?? ""
                result =
                    "error: refreshed, but credentials not saved: \(reason); the daemon uses the new token and retries "
                    + "the write: free space or make the token file's directory writable"
            case .success(.oauth(let token)):
                result = "ok: access token valid until \(token.expiresAt.map(Clock.iso8601) ?? "an unknown time")"
            case .success:
                result = "ok: nothing to refresh (API key)"
            case .failure(let failure):
                result = "error: \(failure)"
            }
        case .reload:
            let problem = await reloader.reloadConfiguration(force: true)
            await reloader.reloadCredentials(force: true)
            if let problem {
                result = "error: \(problem)"
            } else if let error = daemon.credentials.snapshot.loadError {
                result = "error: \(error)"
            } else {
                result = "ok: configuration and credentials reloaded"
            }
        }
        logger.info("control request", metadata: ["action": "\(request.action.rawValue)", "id": "\(request.id)", "result": "\(result)"])
        status.update {
            $0.control.lastID = request.id
            $0.control.lastAction = request.action.rawValue
            $0.control.lastResult = result
        }
    }
}
