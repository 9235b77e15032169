import MaximizeCore
import NIOCore

extension HTTPHandler {
    /// Gets a usable credential for `exchange`: at once when the one held is valid, after a
    /// (shared) refresh when it has expired, or fails the exchange with the client's error.
    /// - Parameter recheck: when none is usable, look at the token file once more first (a login
    ///   may have just written it), off the event loop.
    func withCredential(
        for exchange: Exchange,
        failed: Secret? = nil,
        recheck: Bool = true,
        _ body: @escaping (Credential) -> Void
    ) {
        switch daemon.credentials.availability(now: WallClock.now()) {
        case .ready(let credential) where failed == nil:
            body(credential)
        case .unavailable where failed == nil && recheck:
            recheckTokenFile(for: exchange, body)
        case .unavailable(let error) where failed == nil:
            fail(exchange, error)
        default:
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let bound = NIOLoopBound((exchange, body), eventLoop: context.eventLoop)
            let refresher = daemon.refresher
            Task {
                let result = await refresher.refresh(failed: failed)
                handler.eventLoop.execute {
                    let (exchange, body) = bound.value
                    guard case .responding(let current) = handler.value.state, current === exchange else { return }
                    switch result {
                    case .success(let credential): body(credential)
                    case .failure(let failure): handler.value.fail(exchange, failure.apiError)
                    }
                }
            }
        }
    }

    /// Re-reads the token file when it changed, on a task (reading a file on the event loop would
    /// stall every connection of this loop), then tries ``withCredential(for:failed:recheck:_:)`` again.
    func recheckTokenFile(for exchange: Exchange, _ body: @escaping (Credential) -> Void) {
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let bound = NIOLoopBound((exchange, body), eventLoop: context.eventLoop)
        let credentials = daemon.credentials
        Task {
            credentials.reloadIfChanged(now: WallClock.now())
            handler.eventLoop.execute {
                let (exchange, body) = bound.value
                guard case .responding(let current) = handler.value.state, current === exchange else { return }
                handler.value.withCredential(for: exchange, recheck: false, body)
            }
        }
    }
}
