import MaximizeCore

extension HTTPHandler {
    /// During a rate-limit cooldown (`limits.local_cooldown`), answers a Messages request locally
    /// with 429 `rate_limit_error` and `retry-after` (the seconds left) instead of sending it
    /// upstream. Returns whether it did.
    func refuseDuringCooldown() -> Bool {
        guard let exchange, exchange.route.sendsMessages, exchange.configuration.settings.limits.localCooldown,
            let (seconds, reason) = daemon.limits.cooldown(now: WallClock.now())
        else { return false }
        let wait = max(1, Int(seconds.rounded(.up)))
        let error = ExchangeError.api(
            APIError(
                .rateLimit,
                "\(reason); maximize answers locally without sending requests upstream until the reset, in \(wait) s "
                    + "(limits.local_cooldown; retry after retry-after)"
            )
        )
        _ = machine.credentialUnavailable(error)
        self.exchange = nil
        daemon.limits.rejectedLocally()
        complete(exchange, failed: true, note: nil, answered: nil)
        respondError(
            exchange.head,
            route: exchange.route,
            error,
            configuration: exchange.configuration,
            headers: [("retry-after", String(wait))],
            ending: exchange
        )
        return true
    }
}
