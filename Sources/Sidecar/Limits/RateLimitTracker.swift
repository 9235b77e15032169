import Logging
import MaximizeCore
import NIOConcurrencyHelpers
import Synchronization

/// Keeps the latest rate-limit values from every upstream answer (``RateLimitState``) and the
/// local cooldown after a rejection; logs the moments an operator wants to know about.
///
/// Cheap on the hot path: an answer without rate-limit headers costs a prefix comparison per
/// header and, only while a cooldown runs, one atomic load; the lock is taken only when there is
/// something to record.
final class RateLimitTracker: Sendable {
    private let state = NIOLockedValueBox(RateLimitState())
    /// Mirrors `state.cooldowns` (cooldowns begun so far), read lock-free when a request goes upstream.
    private let serial = Atomic<Int>(0)
    /// Whether a cooldown may be running (set when one starts, cleared when one ends).
    private let cooling = Atomic<Bool>(false)
    /// Requests answered locally during a cooldown.
    let localRejections = Atomic<Int>(0)
    /// Requests retried without the long-context beta the upstream refused.
    let longContextBetaDrops = Atomic<Int>(0)

    /// A copy of the state, for `status.json` and `/metrics`.
    var snapshot: RateLimitState { state.withLockedValue { $0 } }

    /// The value a request records as it goes upstream (see ``RateLimitState/answered``).
    var currentSerial: Int { serial.load(ordering: .acquiring) }

    /// The cooldown in force at `now`: seconds left and why; `nil` when requests may go upstream.
    func cooldown(now: Double) -> (seconds: Double, reason: String)? {
        guard cooling.load(ordering: .relaxed) else { return nil }
        return state.withLockedValue { state in
            guard let left = state.cooldownRemaining(now: now), let cooldown = state.cooldown else { return nil }
            return (left, cooldown.reason)
        }
    }

    /// An upstream answer's head arrived. `messages`: it answers a Messages (or chat
    /// completions) request, whose answers start and end cooldowns; `sentSerial`: the
    /// ``currentSerial`` when its request went upstream.
    func observe(
        _ head: UpstreamResponseHead,
        messages: Bool,
        sentSerial: Int,
        limits: Settings.Limits,
        logger: Logger,
        now: Double
    ) {
        let reading = RateLimitReading.parse(head.headers, now: now)
        let mayEnd = head.status < 400 && cooling.load(ordering: .relaxed)
        guard reading != nil || mayEnd else { return }
        let (transitions, change) = state.withLockedValue { state in
            let transitions = reading.map { state.record($0, now: now) } ?? []
            var change: RateLimitState.CooldownChange?
            if messages, limits.localCooldown || mayEnd {
                change = state.answered(
                    status: head.status,
                    reading: reading,
                    sentSerial: sentSerial,
                    now: now,
                    maxSeconds: limits.maxCooldownSeconds
                )
            }
            serial.store(state.cooldowns, ordering: .releasing)
            cooling.store(state.cooldown != nil, ordering: .relaxed)
            return (transitions, change)
        }
        for transition in transitions { Self.log(transition, logger: logger) }
        switch change {
        case .started(let until, let reason, let requested):
            if let requested {
                logger.warning(
                    "the upstream asked to wait beyond limits.max_cooldown_seconds; the wait is capped",
                    metadata: [
                        "requested.until": "\(Timestamp.iso8601(requested))",
                        "capped.until": "\(Timestamp.iso8601(until))",
                        "max_cooldown_seconds": "\(Int(limits.maxCooldownSeconds))",
                    ]
                )
            }
            logger.warning(
                "rate limited: \(reason); answering 429 locally until the reset (limits.local_cooldown)",
                metadata: ["until": "\(Timestamp.iso8601(until))", "seconds": "\(Int((until - now).rounded(.up)))"]
            )
        case .ended:
            logger.notice("an upstream answer succeeded; the local rate-limit cooldown ends early")
        case nil:
            break
        }
    }

    /// The credentials changed (a login, an import, another key, another process's refresh):
    /// the cooldown was for the ones the upstream refused, so the new ones get a try. If the
    /// upstream refuses them too, that first answer starts the cooldown again.
    func credentialsChanged(logger: Logger, now: Double) {
        guard cooling.load(ordering: .relaxed) else { return }
        let ended = state.withLockedValue { state in
            defer { cooling.store(false, ordering: .relaxed) }
            return state.endCooldown(now: now)
        }
        if ended { logger.notice("the credentials changed; the local rate-limit cooldown ends (the new ones get a try)") }
    }

    /// A request retried without the long-context beta; returns whether it is the first (to log once).
    func droppedLongContextBeta() -> Bool {
        longContextBetaDrops.add(1, ordering: .relaxed).newValue == 1
    }

    /// A request answered locally with 429 during a cooldown.
    func rejectedLocally() {
        localRejections.add(1, ordering: .relaxed)
    }

    static func log(_ transition: RateLimitState.Transition, logger: Logger) {
        switch transition {
        case .warning(let window, let utilization, let resetsAt):
            var metadata: Logger.Metadata = ["window": "\(window)"]
            if let utilization { metadata["utilization"] = "\(Int((utilization * 100).rounded()))%" }
            if let resetsAt { metadata["resets_at"] = "\(Timestamp.iso8601(resetsAt))" }
            logger.warning("rate limit window \(window) is close to its limit (allowed_warning)", metadata: metadata)
        case .reset(let window, let previous, let utilization):
            var metadata: Logger.Metadata = ["window": "\(window)", "previous": "\(previous)"]
            if let utilization { metadata["utilization"] = "\(Int((utilization * 100).rounded()))%" }
            logger.warning("rate limit window \(window) has reset", metadata: metadata)
        }
    }
}
