import Logging
import MaximizeCore
import ServiceLifecycle

/// Refreshes the OAuth token in the background before it expires, so requests do not wait for
/// it. Its one duty: the files are polled by ``FilePoll``.
struct RefreshLoop: Service, CustomStringConvertible {
    let daemon: DaemonContext
    let status: StatusPublisher

    /// Looks at the credential held at least this often (a login or an import may have replaced it).
    static let recheckInterval = 30.0

    var description: String { "refresh loop" }

    /// Until graceful shutdown.
    func run() async {
        await cancelWhenGracefulShutdown { [self] in await loop() }
    }

    private func loop() async {
        var failures = 0
        var failing: Credential?
        while !Task.isCancelled {
            let logger = daemon.current.logger
            let now = daemon.now()
            let snapshot = daemon.credentials.snapshot
            // A new credential (a login, an import, another replica's refresh) starts afresh.
            if snapshot.credential != failing { failures = 0 }
            var wait = Self.recheckInterval
            switch Self.step(snapshot, now: now) {
            case .wait(let seconds):
                wait = seconds
            case .refresh:
                let result = await daemon.refresher.refresh()
                status.publish()
                switch result {
                case .success(let credential):
                    failures = 0
                    if case .oauth(let fresh) = credential, let expiry = fresh.expiresAt {
                        logger.info("access token refreshed", metadata: ["expires_at": "\(Timestamp.iso8601(expiry))"])
                    }
                    wait = 1
                case .failure(let failure):
                    if failure.isRejected {
                        logger.error("the refresh token was rejected; run `maxctl login`: \(failure)")
                    } else {
                        failures += 1
                        failing = daemon.credentials.snapshot.credential
                        wait = Self.backoff(failures: failures, failure: failure)
                        logger.warning(
                            "refreshing the access token failed; the current one is used while it lasts",
                            metadata: ["error": "\(failure)", "retry_in_s": "\(Int(wait))"]
                        )
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(Int64(max(0.05, wait) * 1000)))
        }
    }

    /// What the loop does next at `now`.
    enum Step: Equatable {
        /// Refresh the access token now.
        case refresh
        /// Look again in this many seconds (at most ``recheckInterval``).
        case wait(Double)
    }

    /// Refresh when the held OAuth token is due (its expiry less the margin), else wait until it
    /// is; an API key, a token without expiry, or a refused refresh token only waits.
    static func step(_ snapshot: CredentialStore.Snapshot, now: Double) -> Step {
        guard case .oauth(let token) = snapshot.credential, let due = token.refreshDueAt, !snapshot.refreshRejected else {
            return .wait(recheckInterval)
        }
        return due <= now ? .refresh : .wait(min(due - now, recheckInterval))
    }

    /// Exponential backoff with jitter (2 s doubling up to 5 min, ±50 %), or the server's `retry-after`.
    static func backoff(failures: Int, failure: TokenRefresher.Failure) -> Double {
        let base = min(300, 2 * Double(1 << min(failures, 10)))
        let jittered = base * Double.random(in: 0.5...1.5)
        if case .oauth(.transient(_, let retryAfter?)) = failure { return max(retryAfter, jittered) }
        return jittered
    }
}
