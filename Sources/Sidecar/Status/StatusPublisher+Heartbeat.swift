import Logging
import MaximizeCore
import ServiceLifecycle

/// The heartbeat, as a service of the daemon's group: until graceful shutdown, every
/// ``StatusPublisher/heartbeatInterval`` seconds the liveness probes go out and `status.json` is
/// rewritten (with the verdict of the previous round's probes, which had the interval to run).
extension StatusPublisher: Service {
    func run() async {
        await cancelWhenGracefulShutdown { [self] in
            var reported: [String] = []
            while !Task.isCancelled {
                liveness?.tick(now: WallClock.now())
                try? await Task.sleep(for: .milliseconds(Int64(Self.heartbeatInterval * 1000)))
                if Task.isCancelled { return }
                publish()
                reported = reportStalls(previously: reported)
            }
        }
    }

    /// Logs each stall when it begins and when it ends; returns the names stalled now.
    private func reportStalls(previously: [String]) -> [String] {
        let now = WallClock.now()
        let verdict = liveness?.verdict(now: now) ?? LivenessMonitor.Verdict(stalls: [])
        let names = verdict.stalls.map(\.name)
        let logger = daemon.current.logger
        for (stall, message) in zip(verdict.stalls, verdict.messages(now: now)) where !previously.contains(stall.name) {
            logger.critical("\(message)")
        }
        for name in previously where !names.contains(name) {
            logger.notice("\(name) turns again")
        }
        return names
    }
}
