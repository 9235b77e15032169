extension RateLimitState {
    /// What an upstream answer did to the cooldown.
    public enum CooldownChange: Sendable, Equatable {
        /// A cooldown began, until `until`; `requested` is the time the upstream asked for when
        /// it was beyond `limits.max_cooldown_seconds` and cut to it.
        case started(until: Double, reason: String, requested: Double?)
        /// An answer to a request sent during the cooldown succeeded: it ended early.
        case ended
    }

    /// Ends the cooldown, if one runs at `now`: the credentials it was for were replaced (a
    /// login, an import, another key). Returns whether one was running.
    public mutating func endCooldown(now: Double) -> Bool {
        defer { cooldown = nil }
        return cooldownRemaining(now: now) != nil
    }

    /// Seconds left of the cooldown at `now`, or `nil` when there is none.
    public func cooldownRemaining(now: Double) -> Double? {
        guard let cooldown, cooldown.until > now else { return nil }
        return cooldown.until - now
    }

    /// Takes an upstream answer to a Messages request into account: a `429` that says the
    /// subscription is `rejected` or carries `retry-after` starts a cooldown until the reset
    /// (`retry-after` first), at most `maxSeconds` away; a success to a request sent after the
    /// cooldown began (`sentSerial`, the ``cooldowns`` count when it went upstream) ends it.
    public mutating func answered(
        status: Int,
        reading: RateLimitReading?,
        sentSerial: Int,
        now: Double,
        maxSeconds: Double
    ) -> CooldownChange? {
        if status < 400 {
            guard let cooldown, sentSerial >= cooldown.serial else { return nil }
            self.cooldown = nil
            // One that ran out on its own is not ended early.
            return cooldown.until > now ? .ended : nil
        }
        guard status == 429, let reading else { return nil }
        let wanted: Double?
        let reason: String
        if let retryAfter = reading.retryAfter {
            wanted = now + retryAfter
            reason = "the upstream answered 429 with retry-after \(Int(retryAfter.rounded(.up))) s"
        } else if reading.rejected {
            wanted = reading.rejectionEndsAt
            let claim = reading.representativeClaim ?? reading.windows.filter { $0.value.status == "rejected" }.keys.sorted().first
            reason = "the subscription's rate limit is reached" + (claim.map { " (\($0))" } ?? "")
        } else {
            return nil
        }
        guard let wanted, wanted > now else { return nil }
        let until = min(wanted, now + maxSeconds)
        cooldowns += 1
        cooldown = Cooldown(until: until, since: now, reason: reason, serial: cooldowns)
        return .started(until: until, reason: reason, requested: wanted > until ? wanted : nil)
    }
}
