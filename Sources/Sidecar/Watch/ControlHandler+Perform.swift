import Logging
import MaximizeControl
import MaximizeCore

extension ControlHandler {
    /// Performs a batch: one reload for all its reload requests, one forced refresh for all its
    /// refresh requests; records every result and publishes `status.json` once.
    func perform(_ batch: Batch) async {
        let logger = daemon.current.logger
        var results: [StatusDocument.Control.Result] = []
        for (action, ids) in [(ControlRequest.Action.reload, batch.reloads), (.refresh, batch.refreshes)] where !ids.isEmpty {
            let result = action == .reload ? await reload() : await refresh()
            let now = daemon.now()
            results += ids.map { StatusDocument.Control.Result(id: $0, action: action.rawValue, result: result, at: now) }
            var metadata: Logger.Metadata = ["action": "\(action.rawValue)", "result": "\(result)"]
            if ids.count == 1 { metadata["id"] = "\(ids[0])" } else { metadata["requests"] = "\(ids.count)" }
            logger.info("control request", metadata: metadata)
            for id in ids where ids.count > 1 {
                logger.debug("control request", metadata: ["action": "\(action.rawValue)", "id": "\(id)"])
            }
        }
        for refusal in batch.refusals {
            logger.debug("control request refused", metadata: ["action": "\(refusal.action)", "id": "\(refusal.id)"])
        }
        results += batch.refusals
        guard !results.isEmpty else { return }
        status.update { $0.control.record(results) }
    }

    /// Re-reads `config.json` and the credentials, whether or not they changed (a `reload`
    /// request, or SIGHUP); the result as `maxctl` shows it (`ok: ...` or `error: ...`).
    func reload() async -> String {
        let problem = await reloader.reloadConfiguration(force: true)
        await reloader.reloadCredentials(force: true)
        if let problem { return "error: \(problem)" }
        if let error = daemon.credentials.snapshot.loadError { return "error: \(error)" }
        return "ok: configuration and credentials reloaded"
    }

    /// Refreshes the access token now (single-flight: concurrent callers share one refresh).
    func refresh() async -> String {
        switch await daemon.refresher.refresh(force: true) {
        case .success where daemon.credentials.snapshot.unsaved != nil:
            let reason = daemon.credentials.snapshot.unsaved?.reason ?? ""
            return "error: refreshed, but credentials not saved: \(reason); the daemon uses the new token and retries "
                + "the write: free space or make the token file's directory writable"
        case .success(.oauth(let token)):
            return "ok: access token valid until \(token.expiresAt.map(Timestamp.iso8601) ?? "an unknown time")"
        case .success:
            return "ok: nothing to refresh (API key)"
        case .failure(let failure):
            return "error: \(failure)"
        }
    }
}
