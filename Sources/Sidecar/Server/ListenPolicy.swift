import MaximizeCore

/// Which listeners the daemon may open: the rule shared by start-up and every reload of
/// `config.json`, so that neither depends on the command line's types.
enum ListenPolicy {
    /// Why `settings` must not be served: a TCP listener open beyond loopback without an API key.
    /// `nil` when they may be.
    static func openTCPProblem(_ settings: Settings, allowOpenTCP: Bool) -> String? {
        guard let port = settings.server.port, !isLoopback(settings.server.bindAddress), settings.server.apiKey == nil,
            !allowOpenTCP
        else { return nil }
        return "refusing to listen on \(settings.server.bindAddress):\(port) without server.api_key (MAXIMIZE_API_KEY): "
            + "anyone who can reach it could use your credentials. Set an API key, bind to 127.0.0.1, "
            + "or pass --insecure-open-tcp."
    }

    /// `localhost`, `::1` or an address in 127.0.0.0/8.
    static func isLoopback(_ address: String) -> Bool {
        address == "localhost" || address == "::1" || address.hasPrefix("127.")
    }
}
