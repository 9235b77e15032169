import MaximizeCore

/// What the access line of one exchange reports beyond what ``ExchangeContext`` already holds,
/// gathered as the exchange goes (plain stores, no parsing) and written once when it ends
/// (``HTTPHandler/logAccess(_:status:)``).
struct AccessRecord: Sendable {
    /// Monotonic nanoseconds when the response head went to the client; `nil` until then (a
    /// response written whole has its head at its end).
    var headAt: UInt64?
    /// The upstream's `request-id`, as it came (cleaned when written).
    var requestID: String?
    /// The tokens counted in the answer (the same count `/metrics` gets).
    var usage: UsageScanner.Usage?
    /// Retries made, in order: `refresh` (a 401 answered by a forced refresh), `overloaded` (529),
    /// `connect` (nothing reached the upstream), `long_context` (the beta refused and dropped).
    var retries: [Retry] = []
    /// The error type of a failure the proxy answered or saw (`timeout_error`, ...).
    var error: String?
    /// Why, in words: the proxy's own error message or the upstream fault.
    var reason: String?
    /// The client closed the connection before the end of its answer.
    var clientGone = false
    /// The `content-length` of the response head written, when it had one: a client that read
    /// that much and closed did not leave early, even if the upstream's end was still on its way.
    var declaredLength: Int?
    /// Written already: an exchange has one access line, whichever way it ends.
    var logged = false

    enum Retry: String, Sendable {
        case refresh, overloaded, connect
        case longContext = "long_context"
    }

    mutating func fail(_ error: String, reason: String) {
        self.error = error
        self.reason = reason
    }
}

extension ExchangeError {
    /// The message the client gets.
    var message: String {
        switch self {
        case .api(let error): error.message
        case .openAI(let error): error.message
        }
    }
}
